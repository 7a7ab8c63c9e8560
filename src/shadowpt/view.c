/*
 * view.c - the page tables a guest runs on.
 *
 * While the guest's satp is Bare, guest virtual = guest physical, so its view
 * is simply guest RAM mapped at its guest-physical address with PTE_U (the
 * guest runs in real U-mode), readable, writable and executable, accessed and
 * dirty from the start.  Everything else is unmapped: a guest access there
 * raises a page fault that Umbra turns into the access fault (or the device
 * access) the guest would have seen.  Slot 511 of the root is Umbra's window,
 * without PTE_U, so the guest can never touch it.
 */
#include "spt.h"
#include "mm.h"
#include "vm.h"

uint64_t *spt_bare_view_create(struct vm *vm)
{
	uint64_t *root = mm_alloc_page();
	if (!root)
		return NULL;
	if (pt_map(&pt_sv39, root, vm->ram_gpa, mm_va_to_pa(vm->ram), vm->ram_size,
		   PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D))
		return NULL;
	root[511] = mm_window_pte();
	return root;
}
