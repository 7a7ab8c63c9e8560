/*
 * mm.c - host page allocator and the window page table.
 *
 * RAM that Umbra does not use for itself is one "pool" range.  Single pages
 * come from the bottom of the pool (and go back on a free list); large
 * contiguous blocks (guest RAM) come from the top and are never returned.
 */
#include <string.h>
#include "mm.h"
#include "pt.h"
#include "lock.h"

/* The allocator is shared by every hart (lock order: lock.h). */
static spinlock_t mm_lock = SPINLOCK_INIT;

static struct {
	uint64_t low, high;      /* the pool: [low, high) still unallocated */
	void *free_list;         /* freed pages, linked through their first word */
	uint64_t free_pages;     /* pages on free_list */
	uint64_t *root;          /* Umbra's own root table */
	uint64_t *io_table;      /* level-0 table for the last 2 MiB (devices) */
	uint64_t io_next;        /* next free VA in the I/O area */
	bool window_active;      /* satp selects root (else: entry.S's boot table) */
} mm;

extern uint64_t boot_root_pt[];   /* entry.S */

static bool overlaps(uint64_t a, uint64_t asz, uint64_t b, uint64_t bsz)
{
	return a < b + bsz && b < a + asz;
}

void *mm_alloc_page(void)
{
	spin_lock(&mm_lock);
	void *p = mm.free_list;
	if (p) {
		mm.free_list = *(void **)p;
		mm.free_pages--;
	} else if (mm.high - mm.low >= PAGE_SIZE) {
		p = mm_pa_to_va(mm.low);
		mm.low += PAGE_SIZE;
	}
	spin_unlock(&mm_lock);
	if (p)
		memset(p, 0, PAGE_SIZE);
	return p;
}

void mm_free_page(void *page)
{
	spin_lock(&mm_lock);
	*(void **)page = mm.free_list;
	mm.free_list = page;
	mm.free_pages++;
	spin_unlock(&mm_lock);
}

void *mm_alloc_contig(uint64_t size, uint64_t align)
{
	spin_lock(&mm_lock);
	uint64_t top = ALIGN_DOWN(mm.high - size, align);
	if (size > mm.high || top < mm.low || top + size > mm.high) {
		spin_unlock(&mm_lock);
		return NULL;
	}
	mm.high = top;
	spin_unlock(&mm_lock);
	void *p = mm_pa_to_va(top);
	memset(p, 0, size);
	return p;
}

uint64_t mm_free_bytes(void)
{
	return mm.high - mm.low + mm.free_pages * PAGE_SIZE;
}

void *mm_map_io(uint64_t pa, uint64_t size)
{
	uint64_t off = pa & (PAGE_SIZE - 1);
	if (!mm.window_active) {
		/*
		 * Before mm_init Umbra runs on entry.S's boot table, which maps
		 * only RAM.  A device below RAM is reached through an identity
		 * 1 GiB leaf added there (so that Umbra can stop the machine
		 * with the right status when it cannot start at all).
		 */
		if (pa + size > RAM_PA_BASE || pa + size < pa)
			return NULL;
		boot_root_pt[pt_index(&pt_sv39, pa, 2)] =
			pte_make(ALIGN_DOWN(pa, pt_level_size(2)),
				 PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
		sfence_vma_all();
		return (void *)pa;
	}
	size = ALIGN_UP(size + off, PAGE_SIZE);
	if (mm.io_next - IO_VA_BASE + size > IO_VA_SIZE)
		panic("I/O window full mapping 0x%lx", pa);
	uint64_t va = mm.io_next;
	for (uint64_t i = 0; i < size; i += PAGE_SIZE)
		mm.io_table[pt_index(&pt_sv39, va + i, 0)] =
			pte_make(pa - off + i, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_G);
	mm.io_next += size;
	sfence_vma_all();
	return (void *)(va + off);
}

uint64_t mm_window_pte(void)
{
	return mm.root[511];
}

uint64_t mm_host_satp(void)
{
	return pt_satp(&pt_sv39, mm.root, 0);
}

int mm_init(uint64_t base, uint64_t size, uint64_t free_from,
	    const struct mm_range *reserved, unsigned nreserved)
{
	if (base != RAM_PA_BASE)
		return ERR_INVAL;
	if (size > HOST_RAM_MAX)
		size = HOST_RAM_MAX;	/* the rest is not reachable in the window */

	/* The pool runs from the end of Umbra to the lowest reserved range. */
	mm.low = ALIGN_UP(free_from, PAGE_SIZE);
	mm.high = base + size;
	for (unsigned i = 0; i < nreserved; i++) {
		const struct mm_range *r = &reserved[i];
		if (r->base < mm.low || r->base + r->size > base + size)
			return ERR_RANGE;
		if (overlaps(r->base, r->size, mm.low, mm.high - mm.low))
			mm.high = MIN(mm.high, ALIGN_DOWN(r->base, PAGE_SIZE));
	}

	/*
	 * The final window: slot 511 of the root points to a level-1 table
	 * whose 2 MiB leaves map host RAM, and whose last slot points to a
	 * level-0 table for device registers.  Everything is global (G): the
	 * window is the same in every address space, so its TLB entries
	 * survive an ASID switch.
	 */
	mm.root = mm_alloc_page();
	uint64_t *l1 = mm_alloc_page();
	mm.io_table = mm_alloc_page();
	if (!mm.root || !l1 || !mm.io_table)
		return ERR_NOMEM;
	mm.root[511] = pte_make(mm_va_to_pa(l1), PTE_V);
	l1[511] = pte_make(mm_va_to_pa(mm.io_table), PTE_V);
	mm.io_next = IO_VA_BASE;
	int err = pt_map(&pt_sv39, mm.root, WINDOW_VA, base, ALIGN_UP(size, 0x200000),
			 PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_G);
	if (err)
		return err;
	csr_write(satp, mm_host_satp());
	sfence_vma_all();
	mm.window_active = true;
	return 0;
}
