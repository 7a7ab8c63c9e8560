/*
 * trap.c - the dispatcher: every trap a guest takes comes through
 * trap_handle(), which picks a handler from a table indexed by scause.
 *
 * The guest runs in real U-mode, so the real scause says nothing about the
 * guest's virtual privilege: an ecall is always "ecall from U-mode", every
 * privileged instruction is an "illegal instruction".  The handlers decide
 * with v->mode what the guest's own hardware would have done.
 */
#include "trap_internal.h"
#include "vm.h"

typedef enum trap_outcome (*trap_handler)(struct vcpu *v);

/* Give the guest the exception it caused, unchanged: the real hart already
 * computed the cause and stval the virtual one would have. */
static enum trap_outcome handle_reflect(struct vcpu *v)
{
	vcpu_inject_trap(v, v->tf.cause, v->tf.tval);
	return TRAP_RESUME;
}

/* Read the instruction at the guest's pc (guest-physical while satp is Bare). */
static int fetch_insn(struct vcpu *v, uint32_t *raw)
{
	const uint16_t *lo = vm_gpa_to_hva(v->vm, v->tf.pc, 2);
	if (!lo)
		return ERR_FAULT;
	*raw = *lo;
	if ((*raw & 3) == 3) {
		const uint16_t *hi = vm_gpa_to_hva(v->vm, v->tf.pc + 2, 2);
		if (!hi)
			return ERR_FAULT;
		*raw |= (uint32_t)*hi << 16;
	}
	return 0;
}

/*
 * Illegal instruction: in virtual U-mode the guest's own hardware would
 * have trapped too (the real hart enforces exactly U-mode's rules), so the
 * trap goes to the guest.  In virtual S-mode it is a privileged instruction
 * to emulate.  The hart reports the instruction bits in stval; where it
 * does not, Umbra reads them from guest memory.
 */
static enum trap_outcome handle_illegal(struct vcpu *v)
{
	struct decode_insn in;
	uint32_t raw = (uint32_t)v->tf.tval;

	if (raw == 0 && fetch_insn(v, &raw))
		raw = 0;
	v->insn_raw = (raw & 3) == 3 ? raw : (raw & 0xffff);
	if (v->mode == PRV_U || decode_insn(v->insn_raw, &in) < 0) {
		vcpu_inject_trap(v, CAUSE_ILLEGAL_INSTRUCTION, v->insn_raw);
		return TRAP_RESUME;
	}
	v->insn_len = in.len;
	return insn_emulate(v, &in);
}

/* ecall: a system call of the guest's user space, or the guest kernel
 * calling its SBI. */
static enum trap_outcome handle_ecall(struct vcpu *v)
{
	if (v->mode == PRV_U) {
		vcpu_inject_trap(v, CAUSE_USER_ECALL, 0);
		return TRAP_RESUME;
	}
	v->insn_len = 4;
	return sbi_handle(v);
}

/*
 * A page fault in the guest's view.  While its satp is Bare the view maps
 * all of guest RAM, so the address is outside it: no memory there, which
 * the guest's hardware reports as an access fault at the same address.
 */
static enum trap_outcome handle_page_fault(struct vcpu *v)
{
	static const uint8_t access_fault[] = {
		[CAUSE_FETCH_PAGE_FAULT] = CAUSE_FETCH_ACCESS,
		[CAUSE_LOAD_PAGE_FAULT]  = CAUSE_LOAD_ACCESS,
		[CAUSE_STORE_PAGE_FAULT] = CAUSE_STORE_ACCESS,
	};
	vcpu_inject_trap(v, access_fault[v->tf.cause], v->tf.tval);
	return TRAP_RESUME;
}

static const trap_handler exception_handlers[CAUSE_EXCEPTION_COUNT] = {
	[CAUSE_ILLEGAL_INSTRUCTION] = handle_illegal,
	[CAUSE_USER_ECALL]          = handle_ecall,
	[CAUSE_FETCH_PAGE_FAULT]    = handle_page_fault,
	[CAUSE_LOAD_PAGE_FAULT]     = handle_page_fault,
	[CAUSE_STORE_PAGE_FAULT]    = handle_page_fault,
	/* everything else (breakpoint, misaligned, access faults): reflect */
};

/* The real timer fired: it was armed for this vCPU's deadline. */
static enum trap_outcome handle_timer(struct vcpu *v)
{
	vcpu_poll_timer(v);
	return TRAP_RESUME;
}

/* A real software interrupt: no one sends Umbra IPIs yet; clear it. */
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
	uint64_t cause = tf->cause;
	trap_handler h;

	v->stats.exits++;
	if (cause & CAUSE_INTERRUPT) {
		uint64_t irq = cause & ~CAUSE_INTERRUPT;
		h = irq < ARRAY_SIZE(interrupt_handlers) ? interrupt_handlers[irq] : NULL;
		if (irq < ARRAY_SIZE(v->stats.interrupt))
			v->stats.interrupt[irq]++;
		if (!h)
			h = handle_unknown_irq;
	} else {
		h = cause < ARRAY_SIZE(exception_handlers) ? exception_handlers[cause] : NULL;
		if (cause < ARRAY_SIZE(v->stats.exception))
			v->stats.exception[cause]++;
		if (!h)
			h = handle_reflect;
	}

	switch (h(v)) {
	case TRAP_NEXT:
		tf->pc += v->insn_len;
		break;
	case TRAP_RESUME:
		break;
	case TRAP_STOP:
		/* One vCPU per VM: when it stops, nothing is left to run. */
		vm_exit(v->vm, SBI_SRST_REASON_NONE);
	}
	vcpu_deliver_interrupts(v);
	return tf;
}
