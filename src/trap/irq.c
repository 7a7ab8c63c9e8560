/*
 * irq.c - the guest's interrupts: its virtual sip, the virtual timer, and
 * the rule that decides when an interrupt is taken.
 */
#include "trap_internal.h"
#include "platform.h"
#include "hart.h"
#include "fw.h"
#include "vm.h"

/* Does the hardware time the guest (the H backend with Sstc's vstimecmp)? */
static inline bool hw_vstimer(struct vcpu *v)
{
	const struct vcpu_backend *be = v->vm->backend;
	return be->hw_timer && be->hw_timer(v);
}

static inline uint64_t time_now(void)
{
	return csr_read(time);
}


/* sip and sie as the guest's CSRs would read now. */
uint64_t vcpu_sip(struct vcpu *v)
{
	return v->vm->backend->sip(v);
}

uint64_t vcpu_sie(struct vcpu *v)
{
	return v->vm->backend->sie(v);
}

/*
 * Drive one of the guest's interrupt lines: SSIP (IPIs), STIP (the timer,
 * when the hardware does not raise it itself), SEIP (the PLIC model).  Any
 * hart may drive them: the lines are one atomic word, and the hart that runs
 * the vCPU is told (request.c) when the hart must see a change (hext: hvip).
 * SSIP is not a line but a bit the guest writes too: raising it from
 * another hart is a request, carried out by the vCPU's own hart.
 */
void vcpu_set_irq(struct vcpu *v, uint64_t sip_bit, bool level)
{
	const struct vcpu_backend *be = v->vm->backend;
	bool here = hart_this()->vcpu == v;	/* its state is in this hart now */

	if (sip_bit == SIP_SSIP) {
		if (here)
			be->set_ssip(v, level);
		else if (level)
			vcpu_post(v, VCPU_REQ_SSIP);
		return;
	}
	if (level)
		__atomic_fetch_or(&v->irq_lines, sip_bit, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(&v->irq_lines, ~sip_bit, __ATOMIC_SEQ_CST);
	if (here) {
		if (be->sync_irq_lines)
			be->sync_irq_lines(v);
	} else {
		vcpu_post(v, VCPU_REQ_IRQ);
	}
}

/*
 * SBI set_timer: the guest's timer interrupt is pending from 'deadline' on.
 * Setting a new deadline clears a pending one.  Each hart's single real
 * timer is multiplexed: it is armed for the deadline of the vCPU it runs.
 */
void vcpu_set_timer(struct vcpu *v, uint64_t deadline)
{
	const struct vcpu_backend *be = v->vm->backend;

	v->timer_deadline = deadline;
	/* Sstc on the H backend: vstimecmp raises VSTIP by itself. */
	if (hw_vstimer(v)) {
		be->hw_timer_set(v, deadline);
		return;
	}
	vcpu_set_irq(v, SIP_STIP, false);
	vcpu_poll_timer(v);
}

/*
 * Raise STIP once the deadline has passed; otherwise arm the real timer.
 * The real timer also ends the vCPU's time slice when it shares its hart
 * (preempt_at, see core/sched.c; ~0 for a vCPU alone on its hart).
 */
void vcpu_poll_timer(struct vcpu *v)
{
	uint64_t preempt = v->hart->preempt_at;

	if (hw_vstimer(v)) {
		/* The guest's timer needs no help; the real one only ever wakes
		 * Umbra's wfi to look at the console (which re-arms it). */
		hart_timer_set(v->hart, preempt);
		return;
	}
	if (time_now() >= v->timer_deadline) {
		vcpu_set_irq(v, SIP_STIP, true);
		hart_timer_set(v->hart, preempt);	/* (~0: disarmed, clears the real STIP) */
	} else {
		hart_timer_set(v->hart, MIN(v->timer_deadline, preempt));
	}
}

/*
 * The interrupts Umbra must deliver now (0: none; on the H backend the
 * hardware delivers VS interrupts itself).  Several at once are taken in
 * the fixed priority order SEI, SSI, STI.
 */
uint64_t vcpu_interrupts_ready(struct vcpu *v)
{
	const struct vcpu_backend *be = v->vm->backend;
	return be->interrupts_ready ? be->interrupts_ready(v) : 0;
}

void vcpu_deliver_interrupts(struct vcpu *v)
{
	static const uint8_t priority[] = { IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER };
	uint64_t ready = vcpu_interrupts_ready(v);

	if (!ready)
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(priority); i++) {
		if (ready & BIT(priority[i])) {
			vcpu_inject_trap(v, CAUSE_INTERRUPT | priority[i], 0);
			return;
		}
	}
}

/* What the user types is looked for this often while a guest sleeps. */
#define INPUT_POLL_HZ 100

/*
 * wfi: sleep until an interrupt is pending and enabled in sie, whether or
 * not sstatus.SIE would let it be taken.  The vCPU waits (sched_wait) until
 * the guest's deadline (unless the hardware times the guest) or the next
 * look at the console, whichever comes first: alone on its hart, Umbra
 * sleeps in a real wfi (it runs with sstatus.SIE = 0, so the real interrupt
 * wakes it without trapping); else the hart runs the others meanwhile.
 * On the way out the real timer is left as the guest's deadline needs it.
 */
void vcpu_wait_for_interrupt(struct vcpu *v)
{
	vdev_board_poll(v->vm);
	while (!(vcpu_sip(v) & vcpu_sie(v))) {
		uint64_t poll = time_now() + platform.timebase_hz / INPUT_POLL_HZ;
		uint64_t deadline = v->timer_deadline;
		if (!sched_alone(v)) {
			/* Sharing the hart: a hardware-timed guest's vstimecmp
			 * leaves the hart with it, so the scheduler must wake it
			 * then; a deadline that has passed (its STIP is pending,
			 * but the guest does not enable it) wakes nothing, and
			 * waking for it again and again would take the hart from
			 * the others. */
			if (hw_vstimer(v))
				deadline = v->vm->backend->hw_timer_get(v);
			if (deadline <= time_now())
				deadline = ~0UL;
		} else if (hw_vstimer(v)) {
			deadline = ~0UL;	/* (the guest's timer wakes the wfi itself) */
		}
		v->stats.wfi_sleeps++;
		sched_wait(v, MIN(deadline, poll));
		/* (A real IPI that woke it is a request from another hart.) */
		csr_clear(sip, SIP_SSIP);
		vcpu_process_requests(v);
		if (!hw_vstimer(v) && time_now() >= v->timer_deadline)
			vcpu_set_irq(v, SIP_STIP, true);
		vdev_board_poll(v->vm);
	}
	vcpu_poll_timer(v);
}
