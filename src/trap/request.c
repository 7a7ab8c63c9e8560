/*
 * request.c - what one hart asks of a vCPU another hart runs.
 *
 * A vCPU's state belongs to its hart, and only while the vCPU's thread runs
 * there (core/sched.c): only that thread touches its CSRs, its shadows, its
 * TLB.  When anyone else needs something done to it (an IPI to deliver, a
 * device's interrupt line that moved, a remote fence, a start, the end of
 * its VM), they post a request bit in vcpu->requests with an atomic OR and
 * kick it (sched_kick): a real IPI (a supervisor software interrupt, sent
 * through the firmware) to its hart if that is another hart, and a flag
 * its hart's scheduler looks at.  The IPI brings that hart into Umbra
 * wherever it is: out of a guest (an exit), or out of the wfi Umbra sleeps
 * in.  Every exit ends by carrying out the requests (vcpu_process_requests
 * in trap_handle) before the guest runs again, so a request is never left
 * waiting behind a running guest; a vCPU that is off its hart carries them
 * out when it runs next (a kicked vCPU that waits runs soon: the scheduler
 * lets it re-check, and preempts the vCPU on the hart at its next exit).
 *
 * A remote fence must be complete when the SBI call that asked for it
 * returns.  The asking vCPU takes a ticket (fence.posted) and waits until
 * the target has carried out a request at least that new (fence.done);
 * while it waits it carries out its own requests, so two vCPUs fencing each
 * other cannot wait for each other forever, and, if its hart has other
 * vCPUs, it lets them run (the target may be one of them).
 */
#include "trap_internal.h"
#include "hart.h"
#include "fw.h"
#include "vm.h"
#include "platform.h"

/* How often a vCPU waiting for a fence looks again, when it shares its
 * hart (alone, it spins): often enough that the wait is short, seldom
 * enough that the vCPUs it lets run get real work done meanwhile. */
#define FENCE_POLL_HZ 10000

void vcpu_post(struct vcpu *v, uint32_t req)
{
	__atomic_fetch_or(&v->requests, req, __ATOMIC_SEQ_CST);
	sched_kick(v);
}

/* The fence requests posted so far, carried out on the vCPU's own hart. */
static void process_fence(struct vcpu *v)
{
	spin_lock(&v->fence.lock);
	typeof(v->fence) f = v->fence;
	v->fence.pending_sfence = v->fence.pending_fence_i = v->fence.all = false;
	spin_unlock(&v->fence.lock);

	if (f.pending_fence_i)
		__asm__ volatile("fence.i" ::: "memory");
	if (f.pending_sfence) {
		if (f.all)
			vcpu_sfence_vma(v, false, 0, false, 0);
		else
			vcpu_fence_range(v, f.start, f.size, f.by_asid, f.asid);
	}
	__atomic_store_n(&v->fence.done, f.posted, __ATOMIC_RELEASE);
}

void vcpu_process_requests(struct vcpu *v)
{
	const struct vcpu_backend *be = v->vm->backend;
	uint32_t req;

	if (!__atomic_load_n(&v->requests, __ATOMIC_RELAXED))
		return;
	req = __atomic_exchange_n(&v->requests, 0, __ATOMIC_SEQ_CST);
	if (req & VCPU_REQ_EXIT)
		vcpu_exit(v);
	if (req & VCPU_REQ_SSIP)
		be->set_ssip(v, true);
	if ((req & VCPU_REQ_IRQ) && be->sync_irq_lines)
		be->sync_irq_lines(v);
	if (req & VCPU_REQ_FENCE)
		process_fence(v);
	if (req & VCPU_REQ_POLL)
		vdev_board_poll(v->vm);
}

/* Is the vCPU somewhere a fence must reach it?  A stopped hart has no
 * translations (it starts with satp = 0 and an empty TLB). */
static bool vcpu_live(struct vcpu *t)
{
	enum vcpu_state st = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
	return st == VCPU_RUNNING || st == VCPU_SUSPENDED;
}

/*
 * Fence the vCPUs in 'set' (a bit per vCPU id) on behalf of 'self': a
 * fence.i, or an sfence.vma of [start, start + size) (see vcpu_fence_range),
 * and return when every one of them has done it.
 */
void vcpu_remote_fence(struct vcpu *self, uint64_t set, bool fence_i, uint64_t start,
		       uint64_t size, bool by_asid, uint64_t asid)
{
	struct vm *vm = self->vm;
	uint64_t ticket[VM_MAX_VCPUS] = { 0 };

	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vcpu *t = vm->vcpus[i];
		if (!(set & BIT(i)) || t == self || !vcpu_live(t))
			continue;
		spin_lock(&t->fence.lock);
		if (fence_i) {
			t->fence.pending_fence_i = true;
		} else if (t->fence.pending_sfence &&
			   (t->fence.start != start || t->fence.size != size ||
			    t->fence.by_asid != by_asid || t->fence.asid != asid)) {
			t->fence.all = true;	/* two different fences: fence it all */
		} else {
			t->fence.pending_sfence = true;
			t->fence.start = start, t->fence.size = size;
			t->fence.by_asid = by_asid, t->fence.asid = asid;
		}
		ticket[i] = ++t->fence.posted;
		spin_unlock(&t->fence.lock);
		vcpu_post(t, VCPU_REQ_FENCE);
	}
	/* The caller's own part, while the others work on theirs. */
	if (set & BIT(self->id)) {
		if (fence_i)
			__asm__ volatile("fence.i" ::: "memory");
		else
			vcpu_fence_range(self, start, size, by_asid, asid);
	}
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vcpu *t = vm->vcpus[i];
		while (ticket[i] && __atomic_load_n(&t->fence.done, __ATOMIC_ACQUIRE) < ticket[i] &&
		       vcpu_live(t)) {
			vcpu_process_requests(self);
			/* Sharing the hart: let the others run (t may be one,
			 * and does its part first thing when it runs), and look
			 * again soon. */
			if (!sched_alone(self))
				sched_wait(self, csr_read(time) + platform.timebase_hz / FENCE_POLL_HZ);
		}
	}
}

/* Are all of the VM's vCPUs stopped? */
static bool vm_all_stopped(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nvcpus; i++)
		if (__atomic_load_n(&vm->vcpus[i]->state, __ATOMIC_ACQUIRE) != VCPU_STOPPED)
			return false;
	return true;
}

/*
 * The vCPU is stopped (it has not started yet, or HSM hart_stop: see
 * vcpu_stop): it waits (sched_wait: alone on its hart, in wfi), kicked by
 * a hart_start (sbi_hsm.c), and then runs from where the starter said.
 * Fence requests posted before it stopped are still acknowledged, so no one
 * waits for a stopped vCPU; the end of its VM ends it.
 */
void vcpu_hart_idle(struct vcpu *v)
{
	if (sched_alone(v))
		hart_timer_set(hart_this(), ~0UL);	/* nothing to wake it for */
	for (;;) {
		csr_clear(sip, SIP_SSIP);
		uint32_t req = __atomic_load_n(&v->requests, __ATOMIC_ACQUIRE);
		if (req & VCPU_REQ_EXIT)
			vcpu_exit(v);
		if (req & VCPU_REQ_FENCE) {
			__atomic_fetch_and(&v->requests, ~VCPU_REQ_FENCE, __ATOMIC_SEQ_CST);
			process_fence(v);
		}
		if (__atomic_load_n(&v->state, __ATOMIC_ACQUIRE) == VCPU_START_PENDING)
			break;
		sched_wait(v, ~0UL);
	}
	/* A stopped hart saw no IPIs; device lines are looked at on entry. */
	__atomic_fetch_and(&v->requests, ~VCPU_REQ_SSIP, __ATOMIC_SEQ_CST);
	vcpu_run_at(v, v->start_pc, v->start_opaque);
}

/*
 * HSM hart_stop: the vCPU stops and its hart idles.  (The state is set
 * here, never by the idle loop: a hart that is still on its way to idle
 * when the guest starts its vCPU must not turn START_PENDING back into
 * STOPPED.)  When the last vCPU of the VM stops, the VM has nothing left
 * to run: it ends, as a power-off.
 */
void vcpu_stop(struct vcpu *v)
{
	__atomic_store_n(&v->state, VCPU_STOPPED, __ATOMIC_RELEASE);
	if (vm_all_stopped(v->vm))
		vm_exit(v->vm, SBI_SRST_REASON_NONE);
	vcpu_hart_idle(v);
}
