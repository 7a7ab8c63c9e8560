/*
 * vector.S - the trap round trip between a guest and Umbra.
 *
 * The guest kernel runs in real U-mode, so every trap it causes (a CSR
 * access, sret, wfi, ecall, a fault, an interrupt) enters S-mode here, at
 * stvec.  The vector saves the guest's 31 registers in its vCPU's trap
 * frame, switches to Umbra's stack and calls trap_handle(); trap_return
 * restores the registers of the vCPU trap_handle returns and srets back to
 * U-mode.  This is the hot path of the whole hypervisor: keep it short.
 */
#include "trap_frame.h"

	.section .text
	.balign 4
	.globl trap_vector
trap_vector:
	/* Swap sp with sscratch: sp = the vCPU's trap frame, sscratch = the
	 * guest's sp.  If sscratch was 0 the trap came from Umbra itself. */
	csrrw	sp, sscratch, sp
	beqz	sp, from_umbra

	sd	x1, TF_X(1)(sp)
	sd	x3, TF_X(3)(sp)
	sd	x4, TF_X(4)(sp)
	sd	x5, TF_X(5)(sp)
	sd	x6, TF_X(6)(sp)
	sd	x7, TF_X(7)(sp)
	sd	x8, TF_X(8)(sp)
	sd	x9, TF_X(9)(sp)
	sd	x10, TF_X(10)(sp)
	sd	x11, TF_X(11)(sp)
	sd	x12, TF_X(12)(sp)
	sd	x13, TF_X(13)(sp)
	sd	x14, TF_X(14)(sp)
	sd	x15, TF_X(15)(sp)
	sd	x16, TF_X(16)(sp)
	sd	x17, TF_X(17)(sp)
	sd	x18, TF_X(18)(sp)
	sd	x19, TF_X(19)(sp)
	sd	x20, TF_X(20)(sp)
	sd	x21, TF_X(21)(sp)
	sd	x22, TF_X(22)(sp)
	sd	x23, TF_X(23)(sp)
	sd	x24, TF_X(24)(sp)
	sd	x25, TF_X(25)(sp)
	sd	x26, TF_X(26)(sp)
	sd	x27, TF_X(27)(sp)
	sd	x28, TF_X(28)(sp)
	sd	x29, TF_X(29)(sp)
	sd	x30, TF_X(30)(sp)
	sd	x31, TF_X(31)(sp)
	csrrw	t0, sscratch, zero	/* guest sp; sscratch = 0: now in Umbra */
	sd	t0, TF_X(2)(sp)
	csrr	t0, sepc
	csrr	t1, scause
	csrr	t2, stval
	sd	t0, TF_PC(sp)
	sd	t1, TF_CAUSE(sp)
	sd	t2, TF_TVAL(sp)

	mv	a0, sp
	ld	tp, TF_HOST_TP(a0)
	ld	sp, TF_HOST_SP(a0)
	call	trap_handle		/* returns the trap frame to resume */

	/* trap_return(frame): enter (or re-enter) a guest. */
	.globl trap_return
trap_return:
	ld	t0, TF_PC(a0)
	csrw	sepc, t0
	csrw	sscratch, a0
	ld	x1, TF_X(1)(a0)
	ld	x2, TF_X(2)(a0)
	ld	x3, TF_X(3)(a0)
	ld	x4, TF_X(4)(a0)
	ld	x5, TF_X(5)(a0)
	ld	x6, TF_X(6)(a0)
	ld	x7, TF_X(7)(a0)
	ld	x8, TF_X(8)(a0)
	ld	x9, TF_X(9)(a0)
	ld	x11, TF_X(11)(a0)
	ld	x12, TF_X(12)(a0)
	ld	x13, TF_X(13)(a0)
	ld	x14, TF_X(14)(a0)
	ld	x15, TF_X(15)(a0)
	ld	x16, TF_X(16)(a0)
	ld	x17, TF_X(17)(a0)
	ld	x18, TF_X(18)(a0)
	ld	x19, TF_X(19)(a0)
	ld	x20, TF_X(20)(a0)
	ld	x21, TF_X(21)(a0)
	ld	x22, TF_X(22)(a0)
	ld	x23, TF_X(23)(a0)
	ld	x24, TF_X(24)(a0)
	ld	x25, TF_X(25)(a0)
	ld	x26, TF_X(26)(a0)
	ld	x27, TF_X(27)(a0)
	ld	x28, TF_X(28)(a0)
	ld	x29, TF_X(29)(a0)
	ld	x30, TF_X(30)(a0)
	ld	x31, TF_X(31)(a0)
	ld	x10, TF_X(10)(a0)
	sret

	/*
	 * A trap taken while Umbra itself was running.  Umbra runs with
	 * interrupts off, so this is an exception: either one Umbra armed on
	 * purpose (probing whether a CSR exists) or an Umbra bug.
	 * trap_host_fault() returns where to resume, or panics.
	 */
from_umbra:
	csrrw	sp, sscratch, sp	/* back to Umbra's sp, sscratch = 0 */
	addi	sp, sp, -128
	sd	ra, 0(sp)
	sd	t0, 8(sp)
	sd	t1, 16(sp)
	sd	t2, 24(sp)
	sd	t3, 32(sp)
	sd	t4, 40(sp)
	sd	t5, 48(sp)
	sd	t6, 56(sp)
	sd	a0, 64(sp)
	sd	a1, 72(sp)
	sd	a2, 80(sp)
	sd	a3, 88(sp)
	sd	a4, 96(sp)
	sd	a5, 104(sp)
	sd	a6, 112(sp)
	sd	a7, 120(sp)
	csrr	a0, scause
	csrr	a1, sepc
	csrr	a2, stval
	call	trap_host_fault
	csrw	sepc, a0
	ld	ra, 0(sp)
	ld	t0, 8(sp)
	ld	t1, 16(sp)
	ld	t2, 24(sp)
	ld	t3, 32(sp)
	ld	t4, 40(sp)
	ld	t5, 48(sp)
	ld	t6, 56(sp)
	ld	a0, 64(sp)
	ld	a1, 72(sp)
	ld	a2, 80(sp)
	ld	a3, 88(sp)
	ld	a4, 96(sp)
	ld	a5, 104(sp)
	ld	a6, 112(sp)
	ld	a7, 120(sp)
	addi	sp, sp, 128
	sret
