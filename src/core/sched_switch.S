/*
 * sched_switch.S - switching between Umbra's threads (a hart's scheduler
 * and its vCPUs), and the guest's FP registers.
 *
 * sched_switch(from, to) is called like any C function, so only the
 * callee-saved registers (ra, sp, s0-s11) can hold anything the caller
 * needs after the call: those are saved in *from, and the ones of the
 * thread that switched away into *to are loaded.  The 'ret' then returns
 * from the sched_switch call that thread made (or, the first time, jumps
 * to where sched.c pointed its ra).
 *
 * Offsets: struct sched_context in sched.h (ra, sp, s0..s11).
 */
	.section .text
	.balign 4
	.globl sched_switch
sched_switch:
	sd	ra, 0(a0)
	sd	sp, 8(a0)
	sd	s0, 16(a0)
	sd	s1, 24(a0)
	sd	s2, 32(a0)
	sd	s3, 40(a0)
	sd	s4, 48(a0)
	sd	s5, 56(a0)
	sd	s6, 64(a0)
	sd	s7, 72(a0)
	sd	s8, 80(a0)
	sd	s9, 88(a0)
	sd	s10, 96(a0)
	sd	s11, 104(a0)
	ld	ra, 0(a1)
	ld	sp, 8(a1)
	ld	s0, 16(a1)
	ld	s1, 24(a1)
	ld	s2, 32(a1)
	ld	s3, 40(a1)
	ld	s4, 48(a1)
	ld	s5, 56(a1)
	ld	s6, 64(a1)
	ld	s7, 72(a1)
	ld	s8, 80(a1)
	ld	s9, 88(a1)
	ld	s10, 96(a1)
	ld	s11, 104(a1)
	ret

	/* A vCPU's thread begins here (sched.c sets ra to it, s0 to the
	 * vCPU): sched_vcpu_main(v) never returns. */
	.globl sched_thread_entry
sched_thread_entry:
	mv	a0, s0
	call	sched_vcpu_main
1:	j	1b

/*
 * The FP registers belong to the guest (Umbra is built without F and D).
 * Umbra saves them only to switch vCPUs, so only these two functions are
 * assembled with D; sstatus.FS must be on (not Off) while they run, or
 * every instruction here is illegal.  Offsets: struct sched_fp (f0..f31,
 * then fcsr).
 */
	.option push
	.option arch, +d
	.globl sched_fp_save
sched_fp_save:
	fsd	f0, 0(a0)
	fsd	f1, 8(a0)
	fsd	f2, 16(a0)
	fsd	f3, 24(a0)
	fsd	f4, 32(a0)
	fsd	f5, 40(a0)
	fsd	f6, 48(a0)
	fsd	f7, 56(a0)
	fsd	f8, 64(a0)
	fsd	f9, 72(a0)
	fsd	f10, 80(a0)
	fsd	f11, 88(a0)
	fsd	f12, 96(a0)
	fsd	f13, 104(a0)
	fsd	f14, 112(a0)
	fsd	f15, 120(a0)
	fsd	f16, 128(a0)
	fsd	f17, 136(a0)
	fsd	f18, 144(a0)
	fsd	f19, 152(a0)
	fsd	f20, 160(a0)
	fsd	f21, 168(a0)
	fsd	f22, 176(a0)
	fsd	f23, 184(a0)
	fsd	f24, 192(a0)
	fsd	f25, 200(a0)
	fsd	f26, 208(a0)
	fsd	f27, 216(a0)
	fsd	f28, 224(a0)
	fsd	f29, 232(a0)
	fsd	f30, 240(a0)
	fsd	f31, 248(a0)
	frcsr	t0
	sd	t0, 256(a0)
	ret

	.globl sched_fp_restore
sched_fp_restore:
	fld	f0, 0(a0)
	fld	f1, 8(a0)
	fld	f2, 16(a0)
	fld	f3, 24(a0)
	fld	f4, 32(a0)
	fld	f5, 40(a0)
	fld	f6, 48(a0)
	fld	f7, 56(a0)
	fld	f8, 64(a0)
	fld	f9, 72(a0)
	fld	f10, 80(a0)
	fld	f11, 88(a0)
	fld	f12, 96(a0)
	fld	f13, 104(a0)
	fld	f14, 112(a0)
	fld	f15, 120(a0)
	fld	f16, 128(a0)
	fld	f17, 136(a0)
	fld	f18, 144(a0)
	fld	f19, 152(a0)
	fld	f20, 160(a0)
	fld	f21, 168(a0)
	fld	f22, 176(a0)
	fld	f23, 184(a0)
	fld	f24, 192(a0)
	fld	f25, 200(a0)
	fld	f26, 208(a0)
	fld	f27, 216(a0)
	fld	f28, 224(a0)
	fld	f29, 232(a0)
	fld	f30, 240(a0)
	fld	f31, 248(a0)
	ld	t0, 256(a0)
	fscsr	t0
	ret
	.option pop

/*
 * The guest's vector registers (a host with V: Umbra saves them only to
 * switch vCPUs, so only these two functions are assembled with V;
 * sstatus.VS must be on while they run).  sched_v_save(regs, csrs): the 32
 * registers, vlenb bytes each, to 'regs', and vstart, vl, vtype, vcsr to
 * csrs[0..3]; sched_v_restore(regs, csrs) the other way.  Whole-register
 * loads and stores (vl8r.v, vs8r.v) move all of a register whatever vl and
 * vtype say; the vsetvli before them only makes sure vtype is legal, and
 * the saved vl and vtype come back together with vsetvl.
 */
	.option push
	.option arch, +v
	.globl sched_v_save
sched_v_save:
	csrr	t0, vstart
	sd	t0, 0(a1)
	csrr	t0, vl
	sd	t0, 8(a1)
	csrr	t0, vtype
	sd	t0, 16(a1)
	csrr	t0, vcsr
	sd	t0, 24(a1)
	csrw	vstart, zero
	vsetvli	t0, zero, e8, m8, ta, ma
	csrr	t1, vlenb
	slli	t1, t1, 3		/* eight registers */
	vs8r.v	v0, (a0)
	add	a0, a0, t1
	vs8r.v	v8, (a0)
	add	a0, a0, t1
	vs8r.v	v16, (a0)
	add	a0, a0, t1
	vs8r.v	v24, (a0)
	ret

	.globl sched_v_restore
sched_v_restore:
	csrw	vstart, zero
	vsetvli	t0, zero, e8, m8, ta, ma
	csrr	t1, vlenb
	slli	t1, t1, 3
	vl8r.v	v0, (a0)
	add	a0, a0, t1
	vl8r.v	v8, (a0)
	add	a0, a0, t1
	vl8r.v	v16, (a0)
	add	a0, a0, t1
	vl8r.v	v24, (a0)
	ld	t0, 8(a1)
	ld	t1, 16(a1)
	vsetvl	zero, t0, t1
	ld	t0, 24(a1)
	csrw	vcsr, t0
	ld	t0, 0(a1)
	csrw	vstart, t0
	ret
	.option pop
