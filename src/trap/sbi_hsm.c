/*
 * sbi_hsm.c - the SBI's hart state management (HSM) and system suspend
 * (SUSP) extensions: starting, stopping and suspending the guest's harts,
 * and suspending the whole VM.
 *
 * A vCPU's HSM state (vcpu->state) uses the SBI's own numbers (vcpu.h).
 * Starting another hart goes through request.c: the starter claims the
 * target (STOPPED -> START_PENDING) and kicks its hart, which waits in
 * vcpu_hart_idle and then runs the vCPU from where the starter said.
 */
#include "sbi_internal.h"
#include "vm.h"
#include "fw.h"

/* ---- HSM -------------------------------------------------------------------- */

/*
 * hart_start: the target must be stopped, and start_addr must be where the
 * guest can run (its RAM).  The target's hart is woken and runs the vCPU
 * from start_addr (request.c, vcpu_hart_idle); until it has, the vCPU is
 * START_PENDING.
 */
static void hsm_start(struct vcpu *v, struct sbi_call *c)
{
	struct vm *vm = v->vm;
	unsigned long hart = c->arg[0];
	struct vcpu *t;

	if (hart >= vm->nvcpus) {
		c->error = SBI_ERR_INVALID_PARAM;
		return;
	}
	if (!vm_gpa_to_hva(vm, c->arg[1], 2)) {
		c->error = SBI_ERR_INVALID_ADDRESS;
		return;
	}
	t = vm->vcpus[hart];
	/* Two harts may race to start it: the first to take the lock wins.
	 * A started hart is ALREADY_AVAILABLE; one on its way somewhere
	 * (START_PENDING) or SUSPENDED is, as OpenSBI 1.5.1 answers, an
	 * INVALID_PARAM. */
	spin_lock(&t->start_lock);
	enum vcpu_state st = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
	if (st != VCPU_STOPPED) {
		spin_unlock(&t->start_lock);
		c->error = st == VCPU_RUNNING ? SBI_ERR_ALREADY_AVAILABLE : SBI_ERR_INVALID_PARAM;
		return;
	}
	t->start_pc = c->arg[1];
	t->start_opaque = c->arg[2];
	__atomic_store_n(&t->state, VCPU_START_PENDING, __ATOMIC_RELEASE);
	spin_unlock(&t->start_lock);
	vcpu_post(t, 0);	/* (the kick alone: its state says what to do) */
}

/*
 * Sleep until an interrupt is pending and enabled in sie (an IPI from
 * another hart included), as SUSPENDED, then resume: where the call
 * returns (retentive), or like a hart that was started, at 'resume' with
 * a0 = hart id, a1 = opaque, satp = 0 and sstatus.SIE = 0.
 */
static enum trap_outcome hsm_sleep(struct vcpu *v, bool retentive, uint64_t resume,
				   uint64_t opaque)
{
	__atomic_store_n(&v->state, VCPU_SUSPENDED, __ATOMIC_RELEASE);
	vcpu_wait_for_interrupt(v);
	__atomic_store_n(&v->state, VCPU_RUNNING, __ATOMIC_RELEASE);
	if (retentive)
		return TRAP_NEXT;
	vcpu_start_at(v, resume, opaque);
	return TRAP_RESUME;
}

enum trap_outcome sbi_hsm(struct vcpu *v, struct sbi_call *c)
{
	struct vm *vm = v->vm;
	unsigned long hart = c->arg[0];

	switch (c->fid) {
	case SBI_HSM_HART_START:
		hsm_start(v, c);
		return TRAP_NEXT;
	case SBI_HSM_HART_STOP:
		/* A hart starts again with its SBI state reset (FWFT: "upon
		 * hart reset, local feature values are not retained"). */
		sbi_vcpu_reset(v);
		return TRAP_STOP;	/* the dispatcher stops the vCPU (vcpu_stop) */
	case SBI_HSM_HART_STATUS:
		if (hart >= vm->nvcpus)
			c->error = SBI_ERR_INVALID_PARAM;
		else
			c->value = __atomic_load_n(&vm->vcpus[hart]->state, __ATOMIC_ACQUIRE);
		return TRAP_NEXT;
	case SBI_HSM_HART_SUSPEND: {
		/* suspend_type is 32 bits: 0 and 0x80000000 are the default
		 * retentive and non-retentive suspends; 0x10000000-0x7fffffff
		 * and 0x90000000-0xffffffff are platform-specific ones, which
		 * this platform does not have; everything else is reserved. */
		uint32_t type = (uint32_t)c->arg[0];
		if (type != SBI_HSM_SUSPEND_RETENTIVE && type != SBI_HSM_SUSPEND_NON_RETENTIVE) {
			c->error = (type & 0x70000000) ? SBI_ERR_NOT_SUPPORTED : SBI_ERR_INVALID_PARAM;
			return TRAP_NEXT;
		}
		if (type == SBI_HSM_SUSPEND_NON_RETENTIVE && !vm_gpa_to_hva(vm, c->arg[1], 4)) {
			c->error = SBI_ERR_INVALID_ADDRESS;
			return TRAP_NEXT;
		}
		return hsm_sleep(v, type == SBI_HSM_SUSPEND_RETENTIVE, c->arg[1], c->arg[2]);
	}
	default:
		c->error = SBI_ERR_NOT_SUPPORTED;
		return TRAP_NEXT;
	}
}

/* ---- SUSP: system suspend ------------------------------------------------------ */

/*
 * Whether a platform can suspend is the platform's to say: OpenSBI offers
 * SUSP only where the platform has a suspend device (QEMU virt has none,
 * so OpenSBI 1.5.1 there does not).  Umbra mirrors the firmware, so a
 * guest sees the same SBI as it would natively: SUSP is offered exactly
 * when the firmware under Umbra offers it.  (The answer cannot change:
 * it is asked once, by whichever hart asks first.)
 */
static int susp_offered = -1;	/* -1: not asked yet */

bool sbi_susp_offered(void)
{
	if (__atomic_load_n(&susp_offered, __ATOMIC_RELAXED) < 0)
		__atomic_store_n(&susp_offered, fw_probe(SBI_EXT_SUSP), __ATOMIC_RELAXED);
	return __atomic_load_n(&susp_offered, __ATOMIC_RELAXED) > 0;
}

/*
 * system_suspend(sleep_type, resume_addr, opaque) (SBI 2.0, "System
 * Suspend Extension"): only SUSPEND_TO_RAM (0) exists here; 1-0x7fffffff
 * are reserved and 0x80000000-0xffffffff platform-specific, none of which
 * this platform implements (INVALID_PARAM for both).  Entry "requires all
 * but the calling hart be in the HSM STOPPED state" (else DENIED), and
 * resume_addr must be where the guest can run (INVALID_ADDRESS).  The
 * VM's "RAM" is kept as it is, so suspending is sleeping until a wake-up
 * interrupt (any interrupt pending and enabled in sie), then resuming as
 * a hart that was started: at resume_addr, a0 = hart id, a1 = opaque,
 * satp = 0, sstatus.SIE = 0.  A return means an error.
 */
enum trap_outcome sbi_susp(struct vcpu *v, struct sbi_call *c)
{
	struct vm *vm = v->vm;
	uint32_t type = (uint32_t)c->arg[0];

	if (c->fid != SBI_SUSP_SYSTEM_SUSPEND || !sbi_susp_offered()) {
		c->error = SBI_ERR_NOT_SUPPORTED;
		return TRAP_NEXT;
	}
	if (type != SBI_SUSP_TO_RAM) {
		c->error = SBI_ERR_INVALID_PARAM;
		return TRAP_NEXT;
	}
	if (!vm_gpa_to_hva(vm, c->arg[1], 4)) {
		c->error = SBI_ERR_INVALID_ADDRESS;
		return TRAP_NEXT;
	}
	/* Only this hart could start another one, so once all the others are
	 * seen STOPPED they stay so. */
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		if (vm->vcpus[i] != v &&
		    __atomic_load_n(&vm->vcpus[i]->state, __ATOMIC_ACQUIRE) != VCPU_STOPPED) {
			c->error = SBI_ERR_DENIED;
			return TRAP_NEXT;
		}
	}
	return hsm_sleep(v, false, c->arg[1], c->arg[2]);
}
