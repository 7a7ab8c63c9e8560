/*
 * inject.c - delivering a trap to the guest, and switching its privilege.
 *
 * The guest's traps do not reach it by themselves: they come to Umbra
 * (the guest really runs in U-mode, and Umbra owns stvec).  When the guest
 * should see a trap, Umbra performs on the virtual hart exactly the steps
 * the hardware performs on a real one when it takes a trap into S-mode
 * (privileged spec, "Supervisor Trap Handling").
 */
#include "trap_internal.h"
#include "platform.h"
#include "vm.h"

void vcpu_inject_trap(struct vcpu *v, uint64_t cause, uint64_t tval)
{
	const struct vcpu_backend *be = v->vm->backend;
	struct vcpu_csrs *c = &v->csr;

	/* Where the guest's trap CSRs live in the hart (hext: the VS CSRs),
	 * start from what they hold. */
	if (be->trap_csrs_load)
		be->trap_csrs_load(v);
	uint64_t s = c->sstatus;

	/* 1. scause says why: the interrupt bit and the exception or interrupt code. */
	c->scause = cause;
	/* 2. sepc says where: the instruction that trapped, or for an
	 *    interrupt the instruction that would have run next. */
	c->sepc = v->tf.pc;
	/* 3. stval holds the faulting address or instruction bits, or 0. */
	c->stval = tval;
	/* 4. SPP remembers the privilege the trap came from. */
	s = v->mode == PRV_S ? s | SSTATUS_SPP : s & ~SSTATUS_SPP;
	/* 5. SPIE remembers SIE, and SIE is cleared: the handler starts with
	 *    interrupts off. */
	s = s & SSTATUS_SIE ? s | SSTATUS_SPIE : s & ~SSTATUS_SPIE;
	s &= ~SSTATUS_SIE;
	c->sstatus = s;
	/* 6. The hart enters S-mode. */
	vcpu_set_mode(v, PRV_S);
	/* 7. pc = stvec's BASE; in vectored mode an interrupt goes to BASE + 4 * cause. */
	v->tf.pc = c->stvec & ~STVEC_MODE_MASK;
	if ((c->stvec & STVEC_MODE_MASK) == STVEC_MODE_VECTORED && (cause & CAUSE_INTERRUPT))
		v->tf.pc += 4 * (cause & ~CAUSE_INTERRUPT);
	if (be->trap_csrs_store)
		be->trap_csrs_store(v);
	if (trace_on(v))
		trace_note_inject(v, cause, tval);
	v->stats.injected++;
	uint64_t code = cause & ~CAUSE_INTERRUPT;
	if (cause & CAUSE_INTERRUPT && code < ARRAY_SIZE(v->stats.injected_interrupt))
		v->stats.injected_interrupt[code]++;
	else if (!(cause & CAUSE_INTERRUPT) && code < ARRAY_SIZE(v->stats.injected_exception))
		v->stats.injected_exception[code]++;
}

/* Change the virtual privilege level; the backend makes the hart follow
 * (shadow: the view and the counters U-mode may read; hext: nothing until
 * the next entry, which enters VS or VU). */
void vcpu_set_mode(struct vcpu *v, unsigned mode)
{
	const struct vcpu_backend *be = v->vm->backend;
	v->mode = mode;
	if (be->mode_changed)
		be->mode_changed(v);
}
