/*
 * entry.S - the first instructions Umbra runs.
 *
 * OpenSBI enters its S-mode payload at 0x80200000 with the MMU off,
 * a0 = this hart's id and a1 = the physical address of the host device tree.
 * Umbra is linked to run at WINDOW_VA + 0x200000 (see layout.h), so before it
 * can run C it must turn on paging with two mappings of the same 1 GiB of RAM:
 * an identity one (so the instruction after the satp write can be fetched)
 * and the window one (where the linker put everything).  C code later
 * replaces this boot table with the real window (mm.c).
 */
#include "riscv.h"
#include "layout.h"

#define BOOT_PTE ((RAM_PA_BASE >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)

/*
 * Turn paging on with the boot table (t0 = its physical address) and jump
 * from the identity mapping to the same code's window address, 'label'.
 */
.macro boot_paging_to_window label
	srli	t0, t0, PAGE_SHIFT
	li	t1, SATP_MODE_SV39 << SATP_MODE_SHIFT
	or	t0, t0, t1
	sfence.vma
	csrw	satp, t0
	sfence.vma
	la	t0, \label
	li	t1, UMBRA_VA_OFFSET
	add	t0, t0, t1
	jr	t0
.endm

	.section .text.entry, "ax"
	.globl _start
_start:
	/* Clear .bss (it holds the boot page table and stacks).  la is
	 * pc-relative, so with the MMU off it yields physical addresses. */
	la	t0, _bss_start
	la	t1, _bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	/* Boot page table: slot (RAM_PA_BASE >> 30) maps RAM 1:1 and slot 511
	 * maps it at WINDOW_VA, both as one 1 GiB leaf. */
	la	t0, boot_root_pt
	li	t1, BOOT_PTE
	sd	t1, ((RAM_PA_BASE >> 30) * 8)(t0)
	ori	t1, t1, PTE_G
	li	t2, 511 * 8
	add	t2, t0, t2
	sd	t1, 0(t2)
	boot_paging_to_window 3f
3:
	/* Now running at window addresses: la yields virtual addresses. */
	la	sp, boot_stack + HART_STACK_SIZE
	csrw	sscratch, zero		/* 0 = "trap came from Umbra itself" */
	la	t0, trap_vector
	csrw	stvec, t0
	call	umbra_main		/* (hartid, host DTB physical address) */
4:	wfi
	j	4b

/*
 * Every other hart starts here when the boot hart asks the firmware to start
 * it (SBI HSM hart_start, hart.c): MMU off, a0 = its hart id, a1 = its index
 * (0 is the boot hart).  It turns on paging with the boot table the same way
 * (still intact: slot 2 maps RAM 1:1), moves to the window, then switches
 * to Umbra's real table (hart_boot_satp) and its own stack, and runs C.
 */
	.section .text.entry, "ax"
	.globl _start_secondary
_start_secondary:
	la	t0, boot_root_pt
	boot_paging_to_window 5f
5:
	la	t0, hart_boot_satp
	ld	t0, 0(t0)
	csrw	satp, t0
	sfence.vma
	/* sp = hart_stacks + (index + 1) * HART_STACK_SIZE */
	la	sp, hart_stacks
	addi	t0, a1, 1
	li	t1, HART_STACK_SIZE
	mul	t0, t0, t1
	add	sp, sp, t0
	csrw	sscratch, zero
	la	t0, trap_vector
	csrw	stvec, t0
	call	hart_secondary_main	/* (hartid, index) */
6:	wfi
	j	6b

	.section .bss
	.balign 4096
	.globl boot_root_pt
boot_root_pt:
	.space 4096
	.balign 16
	.globl boot_stack
boot_stack:
	.space HART_STACK_SIZE
