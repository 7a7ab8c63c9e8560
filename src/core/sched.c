/*
 * sched.c - the vCPU scheduler (see sched.h for the design).
 *
 * A hart's scheduler loop runs on the hart's own stack and picks, round
 * robin, the next of its vCPUs that can run: one that does not wait, or
 * one that waits but was kicked (a request was posted to it), whose wake
 * deadline has passed, or that should re-check after the hart woke up.
 * It switches into the vCPU's thread (sched_switch), which runs until it
 * waits, is preempted or exits, and switches back.  When every vCPU waits,
 * the hart sleeps in a real wfi with the timer armed for the earliest wake
 * deadline; an IPI (a kick from another hart) wakes it too.  Then every
 * waiting vCPU gets to run once, to re-check what it waits for (a wait may
 * always end spuriously).
 *
 * What of a vCPU lives in the hart (the FP registers, FS and UXL in
 * sstatus, scounteren, and the backend's: hext's VS CSRs) moves only when
 * another vCPU is switched in (vcpu_put / vcpu_load): a vCPU that yields
 * and is picked again costs two sched_switch calls.
 *
 * Everything here but the kicked flag is touched only by the hart that owns
 * it (its scheduler and its vCPUs' threads take turns, never run at once):
 * no lock is needed.
 */
#include "sched.h"
#include "hart.h"
#include "vcpu.h"
#include "vm.h"
#include "mm.h"
#include "platform.h"
#include "fw.h"
#include <string.h>

/* Each vCPU's own Umbra stack: its exits run on it. */
#define VCPU_STACK_SIZE HART_STACK_SIZE

void sched_thread_entry(void);
void sched_vcpu_main(struct vcpu *v) __attribute__((noreturn));

static inline uint64_t time_now(void)
{
	return csr_read(time);
}

static uint64_t slice_ticks(void)
{
	return platform.timebase_hz / 1000 * SCHED_SLICE_MS;
}

/*
 * Static placement: the allowed hart with the fewest vCPUs (the lowest
 * index on a tie, so with no more vCPUs than harts vCPU i of the first VM
 * lands on hart i, as before there was a scheduler).
 */
int sched_add(struct vcpu *v, uint64_t hart_mask)
{
	struct hart *best = NULL;

	for (unsigned i = 0; i < platform.nharts && i < MAX_HARTS; i++) {
		struct hart *h = hart_get(i);
		if ((hart_mask && !(hart_mask & BIT(i))) || h->nplaced == SCHED_MAX_VCPUS)
			continue;
		if (!best || h->nplaced < best->nplaced)
			best = h;
	}
	if (!best)
		return ERR_RANGE;
	uint8_t *stack = mm_alloc_contig(VCPU_STACK_SIZE, PAGE_SIZE);
	if (!stack)
		return ERR_NOMEM;
	v->sched.stack_top = (uint64_t)stack + VCPU_STACK_SIZE;
	if (sched_host_has_v()) {
		/* vlenb can be read only with sstatus.VS on. */
		uint64_t st = csr_read(sstatus), vlenb;
		csr_set(sstatus, SSTATUS_VS);
		__asm__ volatile("csrr %0, 0xc22" : "=r"(vlenb));	/* vlenb */
		csr_write(sstatus, st);
		v->sched.vregs = mm_alloc_contig(ALIGN_UP(32 * vlenb, PAGE_SIZE), PAGE_SIZE);
		if (!v->sched.vregs)
			return ERR_NOMEM;
	}
	/* The first switch into it "returns" to sched_thread_entry. */
	v->sched.ctx.ra = (uint64_t)sched_thread_entry;
	v->sched.ctx.sp = v->sched.stack_top;
	v->sched.ctx.s[0] = (uint64_t)v;
	/* What the firmware left in the hart is what a new vCPU starts with. */
	v->sched.real_sstatus = boot_csrs.sstatus & (SSTATUS_FS | SSTATUS_VS | SSTATUS_UXL);
	v->sched.real_scounteren = boot_csrs.scounteren;
	v->hart = best;
	best->placed[best->nplaced++] = v;
	best->nlive++;
	return 0;
}

/* V is one of riscv,isa's single letters ("rv64imafdcv_zicsr..."). */
bool sched_host_has_v(void)
{
	const char *isa = platform.isa + (strncmp(platform.isa, "rv64", 4) ? 0 : 4);

	for (; *isa && *isa != '_'; isa++)
		if (*isa == 'v')
			return true;
	return false;
}

bool sched_alone(const struct vcpu *v)
{
	return v->hart->nlive <= 1;
}

/* A vCPU's thread, the first time it is switched in. */
void sched_vcpu_main(struct vcpu *v)
{
	if (__atomic_load_n(&v->state, __ATOMIC_ACQUIRE) == VCPU_RUNNING)
		vcpu_run(v);
	vcpu_hart_idle(v);
}

static bool kicked(struct vcpu *u)
{
	return __atomic_load_n(&u->sched.kicked, __ATOMIC_ACQUIRE);
}

static bool runnable(struct vcpu *u, uint64_t now)
{
	if (u->sched.exited)
		return false;
	return !u->sched.waiting || u->sched.recheck || kicked(u) || now >= u->sched.wake_at;
}

/* Round robin: the first that can run after the one that ran last. */
static struct vcpu *pick(struct hart *h)
{
	uint64_t now = time_now();

	for (unsigned k = 1; k <= h->nplaced; k++) {
		unsigned i = (h->rr + k) % h->nplaced;
		if (runnable(h->placed[i], now)) {
			h->rr = i;
			return h->placed[i];
		}
	}
	return NULL;
}

/*
 * When 'v', about to run, must let the hart go: at the end of its slice if
 * another vCPU can run (one whose wake deadline has passed too: it is due,
 * and takes its turn like any other), else when the first of those waiting
 * is due (~0: never; always so for a vCPU alone on its hart).  vcpu_poll_timer arms
 * the real timer for this too.
 */
static void set_preempt(struct hart *h, struct vcpu *v)
{
	uint64_t now = time_now(), at = ~0UL;

	for (unsigned i = 0; i < h->nplaced; i++) {
		struct vcpu *u = h->placed[i];
		if (u == v || u->sched.exited)
			continue;
		if (runnable(u, now))	/* it takes turns with v */
			at = MIN(at, now + slice_ticks());
		else
			at = MIN(at, u->sched.wake_at);
	}
	h->preempt_at = at;
}

/* The scheduler runs 'v' until it switches back. */
static void run(struct hart *h, struct vcpu *v)
{
	__atomic_store_n(&v->sched.kicked, 0, __ATOMIC_RELEASE);
	v->sched.recheck = false;
	set_preempt(h, v);
	if (h->loaded != v) {
		if (h->loaded && !h->loaded->sched.exited)
			vcpu_put(h->loaded);
		vcpu_load(v, h->loaded);
		h->loaded = v;
	}
	h->vcpu = v;
	if (v->sched.started)
		v->stats.switched_in++;
	v->sched.started = true;
	sched_switch(&h->sched_ctx, &v->sched.ctx);
	h->vcpu = NULL;
}

static void __attribute__((noreturn)) sched_loop(struct hart *h)
{
	for (;;) {
		/* A real IPI is a kick: the kicked flags say whom it was for. */
		csr_clear(sip, SIP_SSIP);
		struct vcpu *v = pick(h);
		if (v) {
			run(h, v);
			continue;
		}
		/* Every vCPU waits (or none is left): sleep until the first is
		 * due, or an interrupt comes (Umbra runs with sstatus.SIE = 0,
		 * so it wakes the wfi without trapping). */
		uint64_t wake = ~0UL;
		for (unsigned i = 0; i < h->nplaced; i++)
			if (!h->placed[i]->sched.exited)
				wake = MIN(wake, h->placed[i]->sched.wake_at);
		hart_timer_set(h, wake);
		__asm__ volatile("wfi");
		/* The timer may have fired: make the next hart_timer_set program
		 * it even to the same value (see handle_timer in trap.c). */
		h->timer_armed = 0;
		for (unsigned i = 0; i < h->nplaced; i++)
			h->placed[i]->sched.recheck = true;
	}
}

/* Start the harts that have vCPUs (the boot hart is index 0). */
void sched_start(void)
{
	unsigned n = 1;

	for (unsigned i = 0; i < MAX_HARTS; i++)
		if (hart_get(i)->nplaced)
			n = i + 1;
	int err = hart_start_secondaries(n);
	if (err) {
		pr_err("starting the other harts: %s\n", err_str(err));
		vm_exit(NULL, SBI_SRST_REASON_SYSFAIL);
	}
	sched_loop(hart_this());
}

void sched_hart_main(void)
{
	sched_loop(hart_this());
}

/* From v's thread into its hart's scheduler, and back when v is picked
 * again; the real timer is then v's again (its deadline, its slice). */
static void to_scheduler(struct vcpu *v)
{
	sched_switch(&v->sched.ctx, &v->hart->sched_ctx);
	vcpu_switched_in(v);
}

void sched_wait(struct vcpu *v, uint64_t deadline)
{
	struct hart *h = v->hart;

	if (sched_alone(v)) {
		/* The hart is the vCPU's alone: sleep right here. */
		hart_timer_set(h, deadline);
		__asm__ volatile("wfi");
		return;
	}
	v->sched.wake_at = deadline;
	v->sched.waiting = true;
	to_scheduler(v);
	v->sched.waiting = false;
}

void sched_kick(struct vcpu *v)
{
	__atomic_store_n(&v->sched.kicked, 1, __ATOMIC_SEQ_CST);
	if (v->hart && v->hart != hart_this())
		fw_send_ipi(v->hart->hartid);
}

void sched_preempt_check(struct vcpu *v)
{
	struct hart *h = v->hart;
	bool go = time_now() >= h->preempt_at;

	for (unsigned i = 0; i < h->nplaced && !go; i++) {
		struct vcpu *u = h->placed[i];
		go = u != v && !u->sched.exited && kicked(u);
	}
	if (go) {
		v->stats.preempted++;
		to_scheduler(v);
	}
}

void sched_exit(struct vcpu *v)
{
	struct hart *h = v->hart;

	v->sched.exited = true;
	h->nlive--;
	sched_switch(&v->sched.ctx, &h->sched_ctx);
	panic("vCPU %u of VM %u ran after it exited", v->id, v->vm->id);
}
