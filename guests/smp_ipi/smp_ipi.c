/*
 * smp_ipi - starting harts and sending them IPIs (SBI HSM hart_start, SBI
 * IPI send_ipi and the legacy send_ipi), run with 2 or more harts.
 *
 * The boot hart starts every other hart at smp_entry with an opaque value
 * of its own; each must come in with a0 = its hartid, a1 = that value,
 * satp = 0 and sstatus.SIE = 0.  Then all harts run the same sequence,
 * step by step between spin barriers: a token passed around the ring of
 * harts by IPI (each hart takes exactly ROUNDS software interrupts, its
 * handler clearing sip.SSIP), IPIs with hart masks of every form
 * (hart_mask_base = -1 for all harts, masks with several bits, mask 0,
 * the legacy call), invalid masks, and an all-to-all storm where every
 * hart posts MSGS messages to every other one and sends an IPI after each
 * (interrupts may merge; messages may not be lost).
 *
 * Harts are named by index (0 = the boot hart, then the others in hartid
 * order) and only the boot hart prints, after a barrier, so the output
 * does not depend on the order in which harts ran.
 */
#include "../lib/guest.h"

#define SOFT_IRQ  (CAUSE_INTERRUPT | IRQ_S_SOFT)
#define TIMER_IRQ (CAUSE_INTERRUPT | IRQ_S_TIMER)
#define NEVER     (~0UL)
#define OPAQUE(k) (0x1f00d000UL + (k))	/* hart_start's opaque for index k */
#define ROUNDS    48			/* times the token goes around the ring */
#define MSGS      40			/* messages from each hart to each other */
#define SETTLE_MS 20			/* time for a stray IPI to show up */

static unsigned long n;				/* harts */
static struct smp_barrier bar;
static volatile unsigned long started[SMP_MAX_HARTS];	/* by index */
static volatile unsigned long softs[SMP_MAX_HARTS];	/* interrupts taken, by index */
static volatile unsigned long bad_sip[SMP_MAX_HARTS];	/* SSIP still set after the handler */
static volatile unsigned long wait_fail[SMP_MAX_HARTS];	/* a bounded wait ran out */
static volatile unsigned long send_errors;		/* send_ipi errors in the ring/storm */
static volatile unsigned long passes;			/* ring: token passes so far */

/* All-to-all: posted[from][to] counts messages, consumed[to] what the handler saw. */
static volatile unsigned long posted[SMP_MAX_HARTS][SMP_MAX_HARTS];
static volatile unsigned long consumed[SMP_MAX_HARTS];
static volatile int storm;

/* One delivery: the sender's call and its outcome, for the boot hart to print. */
static volatile long last_error;
static unsigned long before[SMP_MAX_HARTS];

static unsigned long me(void)
{
	return smp_index(smp_hartid());
}

static unsigned long bit(unsigned long k)
{
	return 1UL << smp_hart[k];
}

static void drain(unsigned long k)
{
	unsigned long sum = 0;

	for (unsigned long s = 0; s < n; s++)
		sum += __atomic_load_n(&posted[s][k], __ATOMIC_ACQUIRE);
	consumed[k] = sum;
}

static int irq_hook(struct trap_frame *f)
{
	unsigned long k = me();

	if (f->scause == SOFT_IRQ) {
		/*
		 * Acknowledge first: an IPI sent after this sets SSIP again
		 * (which only the storm does: outside it, SSIP must read 0).
		 */
		csr_clear(CSR_SIP, SIP_SSIP);
		if (!storm && (csr_read(CSR_SIP) & SIP_SSIP))
			bad_sip[k]++;
		softs[k]++;
		if (storm)
			drain(k);
		return 1;
	}
	if (f->scause == TIMER_IRQ) {	/* the backstop of a wfi wait */
		sbi_set_timer(NEVER);
		return 1;
	}
	return 0;
}

static void sync(void)
{
	if (!smp_barrier_wait(&bar, n, deadline_ms(SMP_WAIT_MS))) {
		cprintf("barrier timed out on hart index %lu\n", me());
		__atomic_fetch_add(&test_failures, 1, __ATOMIC_SEQ_CST);
		test_end();
	}
}

/*
 * Sleep in wfi until this hart has taken `want` software interrupts.  The
 * check runs with SIE = 0 and wfi wakes on a pending enabled interrupt
 * even then, so an IPI between the check and the wfi is not missed; the
 * interrupt is taken when SIE is set again.  A timer is the backstop.
 */
static int wait_softs(unsigned long k, unsigned long want)
{
	unsigned long end = deadline_ms(SMP_WAIT_MS);
	int ok;

	sbi_set_timer(end);
	for (;;) {
		csr_clear(CSR_SSTATUS, SSTATUS_SIE);
		if ((ok = softs[k] >= want) || rdtime() > end)
			break;
		asm volatile("wfi" ::: "memory");
		csr_set(CSR_SSTATUS, SSTATUS_SIE);
	}
	sbi_set_timer(NEVER);
	if (!ok)
		wait_fail[k]++;
	return ok;
}

/* Spin a while with interrupts on: time for a stray IPI to be taken. */
static void settle(void)
{
	unsigned long end = deadline_ms(SETTLE_MS);

	csr_set(CSR_SSTATUS, SSTATUS_SIE);
	while (rdtime() < end)
		;
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
}

static struct sbiret send_ipi(unsigned long mask, unsigned long base)
{
	return sbi_call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, mask, base);
}

/* An IPI to index t, the hart mask in one of three equivalent forms. */
static void send_to(unsigned long t, unsigned long form)
{
	unsigned long h = smp_hart[t];
	struct sbiret r;

	switch (form % 3) {
	case 0: r = send_ipi(1, h); break;			/* base = the hart */
	case 1: r = send_ipi(1UL << h, 0); break;		/* base 0, its bit */
	default:						/* a base below it */
		r = h ? send_ipi(2, h - 1) : send_ipi(1, 0);
		break;
	}
	if (r.error)
		__atomic_fetch_add(&send_errors, 1, __ATOMIC_SEQ_CST);
}

/* ---- Start -------------------------------------------------------------------- */
static void secondary(unsigned long hartid, unsigned long opaque);

static void start_all(void)
{
	cprintf("-- hart_start of every other hart at smp_entry, opaque = 0x%lx + index\n",
		OPAQUE(0));
	for (unsigned long k = 1; k < n; k++) {
		struct sbiret r = smp_start(smp_hart[k], secondary, OPAQUE(k));

		cprintf("hart_start(index %lu): error=%ld (%s)\n", k, r.error,
			sbi_err_name(r.error));
		check(r.error == SBI_SUCCESS, "hart_start(index %lu) succeeds", k);
	}
	for (unsigned long k = 1; k < n; k++) {
		int up = smp_wait_eq(&started[k], 1, deadline_ms(SMP_WAIT_MS));
		struct smp_entry_regs *e = &smp_entry_regs[smp_hart[k]];

		cprintf("index %lu: running: %s, a0 = its hartid: %s, a1 = opaque: %s, "
			"satp=0x%lx, sstatus.SIE=%lu, entries=%lu, status=%ld\n", k,
			up ? "yes" : "no", e->a0 == smp_hart[k] ? "yes" : "no",
			e->a1 == OPAQUE(k) ? "yes" : "no", e->satp,
			(e->sstatus & SSTATUS_SIE) ? 1UL : 0UL, e->entries,
			smp_hart_status(smp_hart[k]));
		check(up, "index %lu runs", k);
		check(e->a0 == smp_hart[k] && e->a1 == OPAQUE(k),
		      "index %lu: a0 = hartid, a1 = opaque", k);
		check(e->satp == 0 && !(e->sstatus & SSTATUS_SIE),
		      "index %lu: satp = 0, sstatus.SIE = 0 at entry", k);
		check(smp_hart_status(smp_hart[k]) == SBI_HSM_STATE_STARTED,
		      "index %lu is STARTED", k);
	}
}

/* ---- The ring ------------------------------------------------------------------ */
static void ring(unsigned long k)
{
	unsigned long next = (k + 1) % n;

	if (k == 0)
		cprintf("-- token ring: %d times around, each pass one send_ipi "
			"(mask forms: base=hart mask=1 / base=0 mask=1<<hart / "
			"base=hart-1 mask=2)\n", ROUNDS);
	softs[k] = 0;
	sync();
	if (k == 0)
		send_to(next, __atomic_fetch_add(&passes, 1, __ATOMIC_SEQ_CST));
	for (unsigned long round = 1; round <= ROUNDS; round++) {
		if (!wait_softs(k, round))
			break;
		if (k != 0 || round < ROUNDS)
			send_to(next, __atomic_fetch_add(&passes, 1, __ATOMIC_SEQ_CST));
	}
	sync();
	if (k == 0) {
		int all = 1;

		cprintf("passes=%lu, send_ipi errors=%lu, software interrupts taken by index:",
			passes, send_errors);
		for (unsigned long i = 0; i < n; i++) {
			cprintf(" %lu", softs[i]);
			all &= softs[i] == ROUNDS && !wait_fail[i] && !bad_sip[i];
		}
		cprintf("\n");
		check(passes == ROUNDS * n && send_errors == 0, "every pass sent");
		check(all, "every hart took exactly %d interrupts, SSIP clear after each", ROUNDS);
	}
	sync();
}

/* ---- Single deliveries ---------------------------------------------------------- */
/*
 * Index `from` calls send_ipi(mask, base) (or the legacy call); every hart
 * then waits for the interrupts it expects (want is a mask of indices),
 * lets a stray one arrive, and the boot hart prints who took how many.
 */
static void deliver_how(unsigned long k, unsigned long from, const char *what, int legacy,
			unsigned long mask, unsigned long base, unsigned long want,
			long want_error, int by_index)
{
	static volatile unsigned long legacy_mask;

	before[k] = softs[k];
	sync();
	if (k == from) {
		struct sbiret r;

		if (legacy) {
			legacy_mask = mask;
			r = sbi_call(SBI_EXT_LEGACY_SEND_IPI, 0, (unsigned long)&legacy_mask);
		} else {
			r = send_ipi(mask, base);
		}
		last_error = r.error;
	}
	if (want & (1UL << k))
		wait_softs(k, before[k] + 1);
	settle();
	sync();
	if (k == 0) {
		int ok = 1;

		cprintf("%-52s error=%ld (%s), taken", what, last_error,
			sbi_err_name(last_error));
		for (unsigned long i = 0; i < n; i++)
			ok &= softs[i] - before[i] == ((want >> i) & 1) && !bad_sip[i];
		if (by_index) {
			cprintf(" by index:");
			for (unsigned long i = 0; i < n; i++)
				cprintf(" %lu", softs[i] - before[i]);
		} else {
			/* Which index that is depends on the boot hart's hartid. */
			cprintf(" by the hart(s) meant only: %s", ok ? "yes" : "no");
		}
		cprintf("\n");
		if (want_error == SBI_SUCCESS)
			check(last_error == SBI_SUCCESS && ok, "%s", what);
		else if (want_error == SBI_ERR_INVALID_PARAM)
			check(last_error == SBI_ERR_INVALID_PARAM && ok, "%s", what);
		else	/* spec: INVALID_PARAM; OpenSBI 1.5.1: SUCCESS, the bit ignored */
			check((last_error == SBI_ERR_INVALID_PARAM ||
			       last_error == SBI_SUCCESS) && ok, "%s", what);
	}
	sync();
}

static void deliver(unsigned long k, unsigned long from, const char *what, int legacy,
		    unsigned long mask, unsigned long base, unsigned long want,
		    long want_error)
{
	deliver_how(k, from, what, legacy, mask, base, want, want_error, 1);
}

#define MAYBE 1		/* want_error: INVALID_PARAM or SUCCESS (see README) */

static void masks(unsigned long k)
{
	unsigned long all = 0, idx_all = (1UL << n) - 1, last = n - 1;
	unsigned long nobody = 1UL << n;	/* hartid n does not exist */

	for (unsigned long i = 0; i < n; i++)
		all |= bit(i);
	if (k == 0)
		cprintf("-- send_ipi with each form of hart mask (harts are hartids 0..%lu)\n",
			n - 1);
	deliver(k, 0, "index 0: base=hart(1) mask=1", 0, 1, smp_hart[1], 1UL << 1, 0);
	deliver(k, 1, "index 1: base=hart(0) mask=1", 0, 1, smp_hart[0], 1UL << 0, 0);
	deliver(k, 0, "index 0: base=0 mask=all harts", 0, all, 0, idx_all, 0);
	deliver(k, 0, "index 0: base=0 mask=all but self", 0, all & ~bit(0), 0,
		idx_all & ~1UL, 0);
	deliver(k, last, "last index: base=0 mask=self", 0, bit(last), 0, 1UL << last, 0);
	deliver(k, last, "last index: base=-1 mask=0 (all harts)", 0, 0, ~0UL, idx_all, 0);
	deliver(k, 1, "index 1: base=-1 mask=~0 (all harts)", 0, ~0UL, ~0UL, idx_all, 0);
	deliver(k, 0, "index 0: base=0 mask=0 (nobody)", 0, 0, 0, 0, 0);
	deliver(k, 0, "index 0: legacy send_ipi, mask=hart(1)", 1, bit(1), 0, 1UL << 1, 0);
	deliver(k, 1, "index 1: legacy send_ipi, mask=hart(0)+hart(1)", 1,
		bit(0) | bit(1), 0, 3, 0);

	if (k == 0)
		cprintf("-- invalid hart masks\n");
	deliver(k, 0, "base=nharts (beyond the last hart) mask=1", 0, 1, n, 0,
		SBI_ERR_INVALID_PARAM);
	deliver(k, 0, "base=nharts mask=0", 0, 0, n, 0, SBI_ERR_INVALID_PARAM);
	deliver(k, 0, "base=1000 mask=1", 0, 1, 1000, 0, SBI_ERR_INVALID_PARAM);
	deliver(k, 0, "base=-2 mask=1", 0, 1, ~1UL, 0, SBI_ERR_INVALID_PARAM);
	deliver(k, 0, "base=0 mask=1<<nharts (no such hart)", 0, nobody, 0, 0, MAYBE);
	deliver(k, 0, "base=0 mask=hart(1) + 1<<nharts", 0, bit(1) | nobody, 0,
		1UL << 1, MAYBE);
	deliver_how(k, 0, "base=nharts-1 mask=3 (hart nharts-1 and one more)", 0, 3, n - 1,
		    1UL << smp_index(n - 1), MAYBE, 0);
}

/* ---- All to all ------------------------------------------------------------------ */
static void all_to_all(unsigned long k)
{
	unsigned long want = MSGS * (n - 1);

	if (k == 0)
		cprintf("-- all to all: every hart posts %d messages to every other, "
			"an IPI after each, all at once\n", MSGS);
	consumed[k] = 0;
	softs[k] = 0;
	storm = 1;
	sync();
	csr_set(CSR_SSTATUS, SSTATUS_SIE);
	for (unsigned long m = 0; m < MSGS; m++)
		for (unsigned long t = 0; t < n; t++) {
			if (t == k)
				continue;
			__atomic_fetch_add(&posted[k][t], 1, __ATOMIC_RELEASE);
			send_to(t, m + t);
		}
	unsigned long end = deadline_ms(SMP_WAIT_MS);
	while (consumed[k] < want && rdtime() < end)
		;
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	if (consumed[k] < want)
		wait_fail[k]++;
	sync();
	storm = 0;
	if (k == 0) {
		int ok = 1, sane = 1;

		cprintf("send_ipi errors=%lu, messages received by index:", send_errors);
		for (unsigned long i = 0; i < n; i++) {
			cprintf(" %lu", consumed[i]);
			ok &= consumed[i] == want && !wait_fail[i];
			sane &= softs[i] >= 1 && softs[i] <= want;
		}
		cprintf("\n");
		check(send_errors == 0, "every send_ipi succeeded");
		check(ok, "every hart received all %lu messages", want);
		check(sane, "every hart took between 1 and %lu interrupts", want);
	}
	sync();
}

/* ---- What every hart runs ----------------------------------------------------------- */
static void run(unsigned long k)
{
	csr_set(CSR_SIE, SIE_SSIE | SIE_STIE);
	ring(k);
	masks(k);
	all_to_all(k);
	csr_clear(CSR_SIE, SIE_SSIE | SIE_STIE);
}

static void secondary(unsigned long hartid, unsigned long opaque)
{
	unsigned long k = smp_index(hartid);

	(void)opaque;
	started[k] = 1;
	run(k);
	/* Returning stops the hart (hart_stop). */
}

int main(void)
{
	test_begin("smp_ipi");
	trap_hook = irq_hook;
	n = smp_init();
	cprintf("harts: %lu\n", n);
	start_all();
	run(0);
	/* Every other hart stops itself once done. */
	for (unsigned long k = 1; k < n; k++) {
		unsigned long end = deadline_ms(SMP_WAIT_MS);

		while (smp_hart_status(smp_hart[k]) != SBI_HSM_STATE_STOPPED && rdtime() < end)
			;
	}
	cprintf("-- the other harts stopped themselves\nstatus by index:");
	for (unsigned long k = 0; k < n; k++)
		cprintf(" %ld", smp_hart_status(smp_hart[k]));
	cprintf("\n");
	for (unsigned long k = 1; k < n; k++)
		check(smp_hart_status(smp_hart[k]) == SBI_HSM_STATE_STOPPED,
		      "index %lu is STOPPED", k);
	test_end();
}
