/*
 * pt.h - page-table helpers for the paging_* test guests.
 *
 * Sv39 (3 levels) and Sv48 (4 levels) tables built from a pool of 4 KiB
 * frames the guest hands over, a trap entry that also works when U-mode
 * memory is not reachable from S-mode (sstatus.SUM = 0), and a U-mode
 * runner for address spaces where the guest image itself is S-only.
 *
 * Addresses: the guest image is identity-mapped (VA = PA) in every
 * address space the helpers build, so C code, the stacks, the pool and
 * the page tables themselves keep their addresses when paging is on.
 * Nothing is ever mapped at or above 0xffffffffc0000000 (a hypervisor's
 * window).
 */
#ifndef GUEST_PT_H
#define GUEST_PT_H

#include "guest.h"

/* Page sizes by leaf level: 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB, 3 = 512 GiB. */
#define PT_LEVEL_SIZE(l) (_UL(1) << (PAGE_SHIFT + 9 * (l)))
#define PT_2M PT_LEVEL_SIZE(1)
#define PT_1G PT_LEVEL_SIZE(2)

/* Where guest RAM starts (QEMU virt) and the 1 GiB identity leaf covering it. */
#define PT_RAM_BASE 0x80000000UL

/* Full-permission flags for S-only memory, A and D preset. */
#define PT_KRWX (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)

/*
 * The U-mode runner's fixed virtual addresses: one page of stub code
 * (U|R|X) and one page of stack (U|R|W), both copies/frames taken from
 * the pool.  Tests must not use [PT_UAREA_VA, PT_UAREA_VA + 2 MiB).
 */
#define PT_UAREA_VA  0x7fe00000UL
#define PT_UCODE_VA  (PT_UAREA_VA + 0x0000)
#define PT_USTACK_VA (PT_UAREA_VA + 0x2000)	/* one page; guard pages around */

/* ---- Pool and tables ------------------------------------------------------ */
/* Hand a 4 KiB-aligned block of memory (in the image) to the allocator. */
void pt_pool_init(void *mem, unsigned long size);
/* One zeroed 4 KiB frame from the pool (stops the test if none is left). */
void *pt_alloc(void);

static inline int pt_levels(unsigned long mode)
{
	return mode == SATP_MODE_SV48 ? 4 : 3;
}
static inline const char *pt_mode_name(unsigned long mode)
{
	return mode == SATP_MODE_SV48 ? "Sv48" : "Sv39";
}
static inline unsigned long pt_pte(unsigned long pa, unsigned long flags)
{
	return (pa >> PAGE_SHIFT) << PTE_PPN_SHIFT | flags;
}
static inline unsigned long pt_pte_pa(unsigned long pte)
{
	return (pte >> PTE_PPN_SHIFT) << PAGE_SHIFT & ((1UL << 56) - 1);
}
static inline unsigned long pt_satp(unsigned long mode, unsigned long asid,
				    const void *root)
{
	return mode << SATP_MODE_SHIFT | asid << SATP_ASID_SHIFT |
	       (unsigned long)root >> PAGE_SHIFT;
}

/*
 * The PTE slot for va at level (0 = last), creating missing intermediate
 * tables (non-leaf PTEs with only V set) on the way down.  Stops the test
 * if a leaf is in the way.
 */
unsigned long *pt_slot(unsigned long *root, int levels, unsigned long va, int level);
/* Write a leaf (no fence); returns its slot. */
unsigned long *pt_map(unsigned long *root, int levels, unsigned long va,
		      unsigned long pa, int level, unsigned long flags);
/* Map [va, va+size) to [pa, ...) with 4 KiB leaves. */
void pt_map_range(unsigned long *root, int levels, unsigned long va,
		  unsigned long pa, unsigned long size, unsigned long flags);
/*
 * A new address space: a root table with guest RAM identity-mapped by one
 * 1 GiB leaf (PT_KRWX, S-only) and, if with_user is set, the U-mode runner's
 * stub page and stack (see pt_run_user).
 */
unsigned long *pt_new_space(int levels, int with_user);

/* ---- Fences and satp ---------------------------------------------------------- */
static inline void pt_sfence_all(void)
{
	asm volatile("sfence.vma" ::: "memory");
}
static inline void pt_sfence_va(unsigned long va)
{
	asm volatile("sfence.vma %0, zero" :: "r"(va) : "memory");
}
static inline void pt_sfence_asid(unsigned long asid)
{
	asm volatile("sfence.vma zero, %0" :: "r"(asid) : "memory");
}
static inline void pt_sfence_va_asid(unsigned long va, unsigned long asid)
{
	asm volatile("sfence.vma %0, %1" :: "r"(va), "r"(asid) : "memory");
}
/* Write satp then fence everything (satp = 0 turns translation off). */
static inline void pt_switch(unsigned long satp)
{
	csr_write(CSR_SATP, satp);
	pt_sfence_all();
}
/* stvec = pt_trap_entry, sscratch = 0: call once before turning paging on. */
void pt_install_trap_entry(void);
extern char pt_trap_entry[];

/* ---- Reading and writing through an address, with the fault recorded ------------
 * Each is a TRAP_FN-style function whose faulting instruction is its first:
 * with expect_trap (S) or pt_run_user (U), sepc = the function itself.
 */
unsigned long pt_ld(unsigned long va);	/* ld a0, 0(a0) */
unsigned long pt_sd(unsigned long va);	/* sd a0, 0(a0)  (stores its own address) */
unsigned long pt_lbu(unsigned long va);	/* lbu a0, 0(a0) */
unsigned long pt_sb(unsigned long va);	/* sb a0, 0(a0) */
unsigned long pt_amo(unsigned long va);	/* amoadd.d a0, zero, (a0) (writes back the same value) */

/* ---- U-mode under paging -------------------------------------------------------------
 * The same stubs, copied to the U code page: pt_ustub(pt_ld) is the
 * U-executable address of pt_ld's copy.
 */
unsigned long pt_ustub(trap_fn stub);
unsigned long pt_u_ecall(unsigned long);	/* li a7, 0x123; ecall */
unsigned long pt_u_ebreak(unsigned long);	/* ebreak */
unsigned long pt_u_illegal(unsigned long);	/* csrr a0, satp: illegal in U */
/*
 * Run the code at fn_va in U-mode (sp = top of the U stack page, ra = a
 * stub that ends the run) until it returns (rec->taken = 0, returns its
 * a0) or takes its first exception (rec->taken = 1, rec->scause/sepc/
 * stval/sstatus set, returns 0; rec->insn stays 0).  The current satp
 * must map the U pages (pt_new_space(levels, 1)).
 */
unsigned long pt_run_user(unsigned long fn_va, unsigned long arg, struct trap_record *rec);

/* ---- One access, printed and checked ----------------------------------------------
 * Call fn(arg) in S-mode (user = 0, fn an S address, via expect_trap) or
 * in U-mode (user = 1, fn a U address, via pt_run_user), print
 * "<what> -> ok, a0=..." or "<what> -> scause=.. (name) sepc=.. stval=..",
 * and check it: want_cause = PT_NO_TRAP for no trap, else the exact
 * scause with sepc = fn (the faulting instruction comes first in every
 * stub; a fetch fault happens at fn itself) and stval = want_tval.
 * *value (if not NULL) gets fn's a0 (0 after a trap).  Returns the check.
 */
#define PT_NO_TRAP (~0UL)
int pt_try(const char *what, int user, unsigned long fn, unsigned long arg,
	   unsigned long want_cause, unsigned long want_tval, unsigned long *value);

/* ---- Printing ------------------------------------------------------------------------ */
/* "V R W X U G A D" letters of the low PTE bits, '-' where clear: "VRWXUGAD". */
const char *pt_flags_str(unsigned long pte);
/* Cause names: "load PF", "store PF", "fetch PF", "load AF", ... */
const char *pt_cause_name(unsigned long scause);

#endif /* GUEST_PT_H */
