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
	return v->vm->hext && platform.has_sstc;
}

static inline uint64_t time_now(void)
{
	return csr_read(time);
}

/* Program the real timer of this hart, if it is not already set so. */
static void hart_timer_set(struct hart *h, uint64_t when)
{
	if (h->timer_armed != when) {
		h->timer_armed = when;
		fw_set_timer(when);
	}
}

/*
 * sip as the guest sees it: SSIP as software wrote it, STIP and SEIP as the
 * timer and devices drive them, masked to what the machine delegates.  On
 * the H backend they are the VS bits of the real hip, one bit higher.
 */
uint64_t vcpu_sip(struct vcpu *v)
{
	if (v->vm->hext)
		return (csr_read(CSR_HIP) & HIP_VS_MASK) >> 1;
	return ((v->csr.sip & SIP_SSIP) | v->irq_lines) & platform.sie_mask;
}

/* sie as the guest sees it (on the H backend: the real vsie). */
uint64_t vcpu_sie(struct vcpu *v)
{
	return v->vm->hext ? csr_read(CSR_VSIE) : v->csr.sie;
}

/* Drive one of the guest's interrupt lines: SSIP (IPIs), STIP (the timer,
 * when the hardware does not raise it itself), SEIP (the PLIC model). */
void vcpu_set_irq(struct vcpu *v, uint64_t sip_bit, bool level)
{
	if (sip_bit == SIP_SSIP && !v->vm->hext) {
		v->csr.sip = level ? v->csr.sip | SIP_SSIP : v->csr.sip & ~SIP_SSIP;
		return;
	}
	v->irq_lines = level ? v->irq_lines | sip_bit : v->irq_lines & ~sip_bit;
	if (v->vm->hext) {
		/* hvip injects VS-level interrupts: bit = the guest's bit + 1. */
		if (level)
			csr_set(CSR_HVIP, sip_bit << 1);
		else
			csr_clear(CSR_HVIP, sip_bit << 1);
	}
}

/*
 * SBI set_timer: the guest's timer interrupt is pending from 'deadline' on.
 * Setting a new deadline clears a pending one.  Each hart's single real
 * timer is multiplexed: it is armed for the deadline of the vCPU it runs.
 */
void vcpu_set_timer(struct vcpu *v, uint64_t deadline)
{
	v->timer_deadline = deadline;
	if (hw_vstimer(v)) {
		/* Sstc on the H backend: vstimecmp raises VSTIP by itself. */
		csr_write(CSR_VSTIMECMP, deadline);
		return;
	}
	vcpu_set_irq(v, SIP_STIP, false);
	vcpu_poll_timer(v);
}

/* Raise STIP once the deadline has passed; otherwise arm the real timer. */
void vcpu_poll_timer(struct vcpu *v)
{
	if (hw_vstimer(v)) {
		/* The guest's timer needs no help; the real one only ever wakes
		 * Umbra's wfi to look at the console (which re-arms it). */
		hart_timer_set(v->hart, ~0UL);
		return;
	}
	if (time_now() >= v->timer_deadline) {
		vcpu_set_irq(v, SIP_STIP, true);
		hart_timer_set(v->hart, ~0UL);	/* disarmed: clears the real STIP */
	} else {
		hart_timer_set(v->hart, v->timer_deadline);
	}
}

/*
 * Take a pending interrupt if the virtual hart would.  An S-level interrupt
 * is taken when it is pending in sip and enabled in sie, and either the hart
 * runs below S (U-mode: always enabled) or sstatus.SIE is set.  Several at
 * once are taken in the fixed priority order SEI, SSI, STI.
 */
uint64_t vcpu_interrupts_ready(struct vcpu *v)
{
	if (v->vm->hext)
		return 0;	/* the hardware delivers VS interrupts itself */
	uint64_t ready = vcpu_sip(v) & v->csr.sie;
	if (v->mode == PRV_S && !(v->csr.sstatus & SSTATUS_SIE))
		return 0;
	return ready;
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
 * not sstatus.SIE would let it be taken.  Umbra sleeps in a real wfi (it runs
 * with sstatus.SIE = 0, so the real interrupt wakes it without trapping),
 * with the real timer armed for the guest's deadline (unless the hardware
 * times the guest) or the next look at the console, whichever comes first.
 * On the way out the real timer is left as the guest's deadline needs it.
 */
void vcpu_wait_for_interrupt(struct vcpu *v)
{
	vdev_board_poll(v->vm);
	while (!(vcpu_sip(v) & vcpu_sie(v))) {
		uint64_t poll = time_now() + platform.timebase_hz / INPUT_POLL_HZ;
		hart_timer_set(v->hart, hw_vstimer(v) ? poll : MIN(v->timer_deadline, poll));
		v->stats.wfi_sleeps++;
		__asm__ volatile("wfi");
		if (!hw_vstimer(v) && time_now() >= v->timer_deadline)
			vcpu_set_irq(v, SIP_STIP, true);
		vdev_board_poll(v->vm);
	}
	vcpu_poll_timer(v);
}
