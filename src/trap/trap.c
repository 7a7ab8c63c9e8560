/*
 * trap.c - the dispatcher: every trap a guest takes comes through
 * trap_handle(), on either backend.  Exceptions go to the backend's own
 * table (vcpu_backend.exception); interrupts, which are Umbra's own (its
 * timer, IPIs from its other harts), to the table here.  The handlers
 * here are the ones both backends share: reflecting an exception, the
 * SBI call, a load or store to a device, reading guest memory.
 */
#include "trap_internal.h"
#include <string.h>
#include "vm.h"
#include "platform.h"
#include "hart.h"

/* Give the guest the exception it caused, unchanged: the real hart already
 * computed the cause and stval the virtual one would have. */
enum trap_outcome trap_reflect(struct vcpu *v)
{
	vcpu_inject_trap(v, v->tf.cause, v->tf.tval);
	return TRAP_RESUME;
}

/* An exception by a backend's table indexed by scause; anything the table
 * does not name goes back to the guest as it came. */
enum trap_outcome trap_by_cause(const trap_handler table[CAUSE_EXCEPTION_COUNT], struct vcpu *v)
{
	uint64_t cause = v->tf.cause;
	if (cause < CAUSE_EXCEPTION_COUNT && table[cause])
		return table[cause](v);
	return trap_reflect(v);
}

/* An ecall of the guest kernel: a call of its SBI (sbi.c); the dispatcher
 * moves past the 4-byte ecall. */
enum trap_outcome trap_sbi(struct vcpu *v)
{
	v->insn_len = 4;
	return sbi_handle(v);
}

/*
 * Read guest memory at a guest virtual address, translated by the guest's
 * own tables with the permissions of its current mode (so it can fail
 * only where the guest itself would fault).  A failure leaves in
 * v->mem_fault the exception the guest's hart would have raised: a page
 * fault from its tables, or the access fault of an address that is not
 * its RAM.
 */
int vcpu_read_guest(struct vcpu *v, uint64_t va, void *buf, size_t len, enum spt_access acc)
{
	return v->vm->backend->read_guest(v, va, buf, len, acc);
}

/* Read the instruction at the guest's pc: 16 bits, and 16 more unless it
 * is a compressed one. */
int vcpu_fetch_insn(struct vcpu *v, uint32_t *raw)
{
	uint16_t lo, hi;
	if (vcpu_read_guest(v, v->tf.pc, &lo, 2, SPT_FETCH))
		return ERR_FAULT;
	*raw = lo;
	if ((lo & 3) == 3) {
		if (vcpu_read_guest(v, v->tf.pc + 2, &hi, 2, SPT_FETCH))
			return ERR_FAULT;
		*raw |= (uint32_t)hi << 16;
	}
	return 0;
}

/* Does the load or store 'in' begin at the faulting address (and not in the
 * page before it, if misaligned)? */
bool trap_access_at_tval(struct vcpu *v, const struct decode_insn *in)
{
	return v->tf.x[in->rs1] + (uint64_t)in->imm == v->tf.tval;
}

/*
 * The load or store that touched a device: as the hardware reports it, if
 * the backend's does (hext: htinst), else read from guest memory.
 */
static int mmio_insn(struct vcpu *v, uint32_t *raw, struct decode_insn *in)
{
	const struct vcpu_backend *be = v->vm->backend;
	int err;

	if (be->mmio_insn && (err = be->mmio_insn(v, raw, in)) <= 0)
		return err;
	if (vcpu_fetch_insn(v, raw) || decode_insn(*raw, in) < 0)
		return ERR_INVAL;
	/* A misaligned access that began in the page before (RAM) and faulted
	 * on the device's page: the spec lets such an access raise an access
	 * fault, which is what it gets. */
	if ((in->cls == DECODE_CLASS_LOAD || in->cls == DECODE_CLASS_STORE) &&
	    !trap_access_at_tval(v, in))
		return ERR_RANGE;
	return 0;
}

/* Write what a load read to its destination register, sign- or
 * zero-extended from its width as the load says. */
void trap_load_result(struct vcpu *v, const struct decode_insn *in, uint64_t val)
{
	if (in->width < 8) {
		unsigned shift = 64 - 8 * in->width;
		val = in->is_signed ? (uint64_t)((int64_t)(val << shift) >> shift)
				    : (val << shift) >> shift;
	}
	if (in->rd)
		v->tf.x[in->rd] = val;
}

/*
 * A load or store to a device.  The guest's view never maps device
 * ranges, so the instruction faulted; Umbra decodes it, makes the access
 * on the device model and writes a load's result to its register (0; the
 * dispatcher then moves past the instruction).
 * What cannot be a device access (a fetch, an AMO, an FP register, an
 * access crossing the device's end, an access the device refuses) gets the
 * access fault a bus error would give.
 */
int vcpu_emulate_mmio(struct vcpu *v, uint64_t gpa, enum spt_access acc)
{
	struct vdev *d = vdev_find(v->vm, gpa);
	struct decode_insn in;
	uint32_t raw;
	uint64_t val = 0;

	if (!d || acc == SPT_FETCH || mmio_insn(v, &raw, &in) ||
	    (in.cls != DECODE_CLASS_LOAD && in.cls != DECODE_CLASS_STORE) || in.fp ||
	    (in.cls == DECODE_CLASS_STORE) != (acc == SPT_STORE) ||
	    gpa - d->base + in.width > d->size)
		return -1;
	v->stats.insn[in.op]++;
	v->insn_raw = raw;
	if (in.cls == DECODE_CLASS_STORE) {
		val = v->tf.x[in.rs2];
		if (in.width < 8)
			val &= (1UL << (8 * in.width)) - 1;
		if (vdev_access(v->vm, d, gpa - d->base, in.width, true, &val))
			return -1;
	} else {
		if (vdev_access(v->vm, d, gpa - d->base, in.width, false, &val))
			return -1;
		trap_load_result(v, &in, val);
	}
	if (trace_on(v)) {
		/* The trace shows the guest's own instruction (hext's htinst
		 * is a transformed one: no offset, no base register). */
		uint32_t own;
		if (v->vm->backend->mmio_insn && !vcpu_fetch_insn(v, &own))
			v->insn_raw = (own & 3) == 3 ? own : (own & 0xffff);
		trace_note_mmio(v, d->name, gpa - d->base, in.width,
				in.cls == DECODE_CLASS_STORE, val);
	}
	v->insn_len = in.len;
	return 0;
}

/* The real timer fired: it was armed for this vCPU's deadline.  A good
 * moment to look for console input too. */
static enum trap_outcome handle_timer(struct vcpu *v)
{
	/* The real timer fired, so whatever it was armed for is past: forget
	 * the cached deadline, so that vcpu_poll_timer programs it again even
	 * when the new one equals the old (else a STIP left pending by a race
	 * in the machine would interrupt Umbra forever). */
	v->hart->timer_armed = 0;
	vcpu_poll_timer(v);
	vdev_board_poll(v->vm);
	return TRAP_RESUME;
}

/* A real software interrupt: another hart posted a request to this vCPU
 * (request.c).  trap_handle carries out requests on every exit. */
static enum trap_outcome handle_soft(struct vcpu *v)
{
	(void)v;
	csr_clear(sip, SIP_SSIP);
	return TRAP_RESUME;
}

/* An interrupt Umbra has no use for: mask it so it cannot storm. */
static enum trap_outcome handle_unknown_irq(struct vcpu *v)
{
	uint64_t irq = v->tf.cause & ~CAUSE_INTERRUPT;
	if (irq < 64)
		csr_clear(sie, BIT(irq));
	return TRAP_RESUME;
}

static const trap_handler interrupt_handlers[16] = {
	[IRQ_S_SOFT]  = handle_soft,
	[IRQ_S_TIMER] = handle_timer,
};

struct trap_frame *trap_handle(struct trap_frame *tf)
{
	struct vcpu *v = tf_vcpu(tf);
	const struct vcpu_backend *be = v->vm->backend;
	uint64_t cause = tf->cause;
	trap_handler h;

	v->stats.exits++;
	if (be->exit_begin)
		be->exit_begin(v);
#ifndef UMBRA_NO_TRACE
	if (__builtin_expect(trace_kinds != 0, 0))
		trace_exit_begin(v);	/* (core/trace.h) */
#endif
	if (cause & CAUSE_INTERRUPT) {
		uint64_t irq = cause & ~CAUSE_INTERRUPT;
		h = irq < ARRAY_SIZE(interrupt_handlers) ? interrupt_handlers[irq] : NULL;
		if (irq < ARRAY_SIZE(v->stats.interrupt))
			v->stats.interrupt[irq]++;
		if (!h)
			h = handle_unknown_irq;
	} else {
		h = be->exception;
		if (cause < ARRAY_SIZE(v->stats.exception))
			v->stats.exception[cause]++;
	}

	v->chainable = false;
	enum trap_outcome out = h(v);
	for (;;) {
		uint64_t pc = tf->pc;
		if (out == TRAP_NEXT)
			tf->pc += v->insn_len;
		else if (out == TRAP_STOP)
			vcpu_stop(v);	/* HSM hart_stop: this vCPU waits */
		/* A run of instructions may go in one exit (trap-and-patch). */
		if (out != TRAP_NEXT || !be->chain || !be->chain(v, pc, &out))
			break;
	}
	/* Sharing the hart: the end of its slice (the real timer's exit) or
	 * a kicked vCPU gives the hart away here; what follows builds the
	 * entry from the vCPU alone, after it gets the hart back. */
	if (v->hart->nlive > 1)
		sched_preempt_check(v);
	vcpu_process_requests(v);
	vcpu_deliver_interrupts(v);
	if (trace_on(v))
		trace_exit_end(v);
	vcpu_load_context(v);
	return tf;
}
