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
	struct vcpu_csrs *c = &v->csr;

	/* On the H backend the guest's trap CSRs are the real VS CSRs. */
	if (v->vm->hext) {
		c->sstatus = csr_read(CSR_VSSTATUS);
		c->stvec = csr_read(CSR_VSTVEC);
	}
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
	if (v->vm->hext) {
		csr_write(CSR_VSSTATUS, c->sstatus);
		csr_write(CSR_VSEPC, c->sepc);
		csr_write(CSR_VSCAUSE, c->scause);
		csr_write(CSR_VSTVAL, c->stval);
	}
	v->stats.injected++;
	uint64_t code = cause & ~CAUSE_INTERRUPT;
	if (cause & CAUSE_INTERRUPT && code < ARRAY_SIZE(v->stats.injected_interrupt))
		v->stats.injected_interrupt[code]++;
	else if (!(cause & CAUSE_INTERRUPT) && code < ARRAY_SIZE(v->stats.injected_exception))
		v->stats.injected_exception[code]++;
}

/*
 * Point the real MMU at what the guest's translation state calls for: the
 * Bare view, or the shadow of its satp for its current view (mode, SUM,
 * MXR).  Called whenever one of those changes.
 */
void vcpu_update_mmu(struct vcpu *v)
{
	unsigned view = spt_view(v->mode, v->csr.sstatus);
	if (v->mmu_satp == v->csr.satp && v->mmu_view == view)
		return;
	v->mmu_satp = v->csr.satp;
	v->mmu_view = view;
	/* The Bare view maps all guest RAM readable: no patch may stay. */
	if (!spt_guest_format(v->csr.satp))
		patch_release_all(v->vm);
	v->shadow = spt_switch(v->vm, v->csr.satp, view);
	v->host_satp = v->vm->spt.satp;
}

/*
 * Both virtual privileges run in real U-mode; what differs is what the real
 * hart must let through.  Counters (cycle, time, instret) are readable in
 * virtual S-mode as far as the machine allows, and in virtual U-mode only
 * as far as the guest's own scounteren allows too.
 */
void vcpu_set_mode(struct vcpu *v, unsigned mode)
{
	v->mode = mode;
	if (v->vm->hext)
		return;	/* the hardware runs VS and VU: vcpu_load_context enters v->mode */
	csr_write(scounteren, mode == PRV_U ? v->csr.scounteren & platform.scounteren_mask
					    : platform.scounteren_mask);
	/* U-mode's XLEN is the guest's sstatus.UXL in virtual U-mode; the guest
	 * kernel itself always runs with the XLEN Umbra was started with. */
	uint64_t uxl = mode == PRV_U ? v->csr.sstatus & SSTATUS_UXL : boot_csrs.sstatus & SSTATUS_UXL;
	if ((csr_read(sstatus) & SSTATUS_UXL) != uxl)
		csr_write(sstatus, (csr_read(sstatus) & ~SSTATUS_UXL) | uxl);
	vcpu_update_mmu(v);
}
