/*
 * start.S - entry point, trap entry/exit and the U-mode trampoline.
 *
 * OpenSBI (or Umbra) jumps here in S-mode with a0 = hartid, a1 = DTB.
 */
#include "guest.h"

#define STACK_SIZE	16384
#define USTACK_SIZE	8192

	.section .text.start, "ax"
	.globl _start
_start:
	/*
	 * First record every S-mode CSR exactly as the firmware left it,
	 * before we touch any of them (the csr guest prints these).  Only
	 * a0/a1 are live; t0/t1 are free.  boot_csrs lives in .data, which
	 * is already loaded, not in .bss, which we clear below.
	 */
	la	t0, boot_csrs
	csrr	t1, CSR_SSTATUS;    sd t1, 0*8(t0)
	csrr	t1, CSR_SIE;        sd t1, 1*8(t0)
	csrr	t1, CSR_SIP;        sd t1, 2*8(t0)
	csrr	t1, CSR_STVEC;      sd t1, 3*8(t0)
	csrr	t1, CSR_SSCRATCH;   sd t1, 4*8(t0)
	csrr	t1, CSR_SEPC;       sd t1, 5*8(t0)
	csrr	t1, CSR_SCAUSE;     sd t1, 6*8(t0)
	csrr	t1, CSR_STVAL;      sd t1, 7*8(t0)
	csrr	t1, CSR_SATP;       sd t1, 8*8(t0)
	csrr	t1, CSR_SCOUNTEREN; sd t1, 9*8(t0)
	csrr	t1, CSR_SENVCFG;    sd t1, 10*8(t0)

	/* gp for linker relaxation; must not itself be relaxed. */
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	la	tp, __tls_base		/* picolibc's thread-local data */
	la	sp, stack_top

	/* Clear .tbss and .bss. */
	la	t0, __zero_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	la	t0, boot_hartid
	sd	a0, 0(t0)
	la	t0, boot_dtb
	sd	a1, 0(t0)

	/* Traps go to trap_entry (direct mode: stvec.MODE = 0). */
	la	t0, trap_entry
	csrw	CSR_STVEC, t0

	call	main
	/* main() should end with test_end(); if it returns, that is a bug. */
	call	main_returned
3:	wfi
	j	3b

/*
 * smp_entry: where other harts start (SBI HSM hart_start) and resume from
 * a non-retentive suspend, in S-mode with a0 = hartid, a1 = opaque.
 * Record a0, a1 and the CSRs the SBI spec defines at this point (satp = 0,
 * sstatus.SIE = 0) in smp_entry_regs[hartid] before touching anything,
 * then run smp_secondary(hartid, opaque) (smp.c) on the hart's own stack.
 */
	.globl smp_entry
	.balign 4
smp_entry:
	li	t0, SMP_MAX_HARTS
	bgeu	a0, t0, 3f		/* no stack for this hart */
	la	t0, smp_entry_regs
	slli	t1, a0, 6		/* * SMP_ENTRY_REGS_SIZE */
	add	t0, t0, t1
	sd	a0, 0*8(t0)
	sd	a1, 1*8(t0)
	csrr	t1, CSR_SSTATUS;    sd t1, 2*8(t0)
	csrr	t1, CSR_SATP;       sd t1, 3*8(t0)
	csrr	t1, CSR_SIE;        sd t1, 4*8(t0)
	csrr	t1, CSR_SIP;        sd t1, 5*8(t0)
	csrr	t1, CSR_STVEC;      sd t1, 7*8(t0)
	addi	t0, t0, 6*8
	li	t1, 1
	amoadd.d zero, t1, (t0)		/* entries++ */
	fence	rw, rw

	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	la	tp, __tls_base		/* shared: see guest.h */
	/* sp = the top of smp_stacks[hartid] */
	la	sp, smp_stacks
	addi	t0, a0, 1
	li	t1, SMP_STACK_SIZE
	mul	t0, t0, t1
	add	sp, sp, t0
	la	t0, trap_entry
	csrw	CSR_STVEC, t0
	call	smp_secondary
3:	wfi
	j	3b

/*
 * Trap entry.  The hart has set sepc (where it was), scause (why),
 * stval (extra information), moved sstatus.SIE to SPIE, cleared SIE,
 * recorded the previous privilege in SPP, and jumped here in S-mode.
 *
 * The frame goes on whatever stack was in use (the S stack, or the U
 * stack if we came from run_user()): in Bare mode both are plain memory.
 * Not using sscratch keeps that CSR free for the csr test to scribble on.
 */
	.text
	.balign 4
	.globl trap_entry
trap_entry:
	addi	sp, sp, -TF_SIZE
	sd	t0, 5*8(sp)
	li	t0, -1			/* vector = -1: came in directly */
	j	trap_common

/*
 * Vectored mode (stvec.MODE = 1): exceptions still enter at BASE, but
 * interrupt n enters at BASE + 4*n.  Each slot must be exactly one
 * 4-byte instruction, so compressed instructions are turned off here.
 */
	.balign 256
	.globl trap_vector_table
trap_vector_table:
	.option push
	.option norvc
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	j	vector_\n
	.endr
	.option pop

	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
vector_\n:
	addi	sp, sp, -TF_SIZE
	sd	t0, 5*8(sp)
	li	t0, \n
	j	trap_common
	.endr

trap_common:
	sd	t0, TF_VECTOR(sp)
	sd	x1, 1*8(sp)
	addi	t0, sp, TF_SIZE		/* sp before the trap */
	sd	t0, 2*8(sp)
	sd	x3, 3*8(sp)
	sd	x4, 4*8(sp)
	/* x5 (t0) saved above */
	.irp n, 6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd	x\n, \n*8(sp)
	.endr
	csrr	t0, CSR_SEPC
	sd	t0, TF_SEPC(sp)
	csrr	t0, CSR_SSTATUS
	sd	t0, TF_SSTATUS(sp)
	csrr	t0, CSR_SCAUSE
	sd	t0, TF_SCAUSE(sp)
	csrr	t0, CSR_STVAL
	sd	t0, TF_STVAL(sp)

	mv	a0, sp
	call	trap_handler

	/* Return to frame->sepc with frame->sstatus (SPP/SPIE decide how). */
	ld	t0, TF_SEPC(sp)
	csrw	CSR_SEPC, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	CSR_SSTATUS, t0
	ld	x1, 1*8(sp)
	ld	x3, 3*8(sp)
	ld	x4, 4*8(sp)
	.irp n, 5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	x\n, \n*8(sp)
	.endr
	addi	sp, sp, TF_SIZE
	/*
	 * sret: pc = sepc, privilege = SPP, SIE = SPIE, then SPIE = 1 and
	 * SPP = U.
	 */
	sret

/*
 * long user_enter(long (*fn)(long), long arg)
 *
 * Save our callee-saved registers, then "return" to fn in U-mode:
 * sepc = fn, sstatus.SPP = 0 (U), ra = user_exit, sp = the U stack.
 * We come back here only through user_leave().
 */
	.globl user_enter
user_enter:
	la	t0, user_ctx
	sd	ra, 0*8(t0)
	sd	sp, 1*8(t0)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	sd	s\n, (2+\n)*8(t0)
	.endr
	csrw	CSR_SEPC, a0
	li	t0, SSTATUS_SPP
	csrc	CSR_SSTATUS, t0
	mv	a0, a1
	la	ra, user_exit
	la	sp, ustack_top
	sret

/* U-mode: fn returned here with its result in a0; tell the kernel. */
	.globl user_exit, user_exit_ecall
user_exit:
	li	a7, USER_EXIT_A7
user_exit_ecall:
	ecall
1:	j	1b			/* not reached */

/*
 * void user_leave(long value)  (called from trap_handler, in S-mode)
 * Abandon the trap frame and return value from user_enter().
 */
	.globl user_leave
user_leave:
	la	t0, user_ctx
	ld	ra, 0*8(t0)
	ld	sp, 1*8(t0)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	ld	s\n, (2+\n)*8(t0)
	.endr
	ret

/*
 * int wait_flag(volatile int *flag, unsigned long deadline)
 *
 * Spin until *flag != 0 (an interrupt handler sets it) or the time CSR
 * reaches deadline; return *flag.  An interrupt that arrives while we
 * spin has sepc in [wait_loop, wait_loop_end).
 */
	.globl wait_flag, wait_loop, wait_loop_end
wait_flag:
wait_loop:
	lw	t0, 0(a0)
	bnez	t0, 1f
	rdtime	t1
	bltu	t1, a1, wait_loop
wait_loop_end:
1:	mv	a0, t0
	ret

	.data
	.balign 8
	.globl boot_csrs
boot_csrs:
	.space 11*8

	.bss
	.balign 16
	.globl boot_hartid, boot_dtb
boot_hartid:	.space 8
boot_dtb:	.space 8
user_ctx:	.space 14*8
	.balign 16
stack:		.space STACK_SIZE
stack_top:
	.balign 16
ustack:		.space USTACK_SIZE
ustack_top:
