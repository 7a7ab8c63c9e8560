/*
 * timer - the supervisor timer interrupt (STIP, interrupt 5).
 *
 * An S-mode kernel asks the SBI for a timer with set_timer(t): once the
 * time CSR reaches t, sip.STIP becomes pending.  It is taken as a trap
 * when it is enabled in sie (STIE) AND either we run in S-mode with
 * sstatus.SIE = 1, or we run in U-mode (then SIE does not matter).
 * Another set_timer() call (e.g. to "infinity") clears STIP again.
 *
 * Only orders and counts are printed, never times.
 */
#include "../lib/guest.h"

#define TIMER_IRQ (CAUSE_INTERRUPT | IRQ_S_TIMER)
#define NEVER (~0UL)

/* What the interrupt handler saw. */
static volatile int ticks;
static unsigned long tick_sepc, tick_sstatus, tick_scause;
static long tick_vector;

static int timer_hook(struct trap_frame *f)
{
	if (f->scause != TIMER_IRQ)
		return 0;
	ticks++;
	tick_sepc = f->sepc;
	tick_scause = f->scause;
	tick_sstatus = f->sstatus;
	tick_vector = f->vector;
	sbi_set_timer(NEVER);	/* clears STIP, or we would trap again */
	return 1;
}

static void reset(void)
{
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	csr_clear(CSR_SIE, SIE_STIE);
	sbi_set_timer(NEVER);
	ticks = 0;
	tick_sepc = tick_sstatus = tick_scause = 0;
	tick_vector = -2;
}

static const char *yes(int c)
{
	return c ? "yes" : "no";
}

/* Spin (bounded) until sip.STIP is pending; no interrupt may be taken. */
static int wait_stip(void)
{
	unsigned long end = deadline_ms(2000);

	while (!(csr_read(CSR_SIP) & SIP_STIP))
		if (rdtime() > end)
			return 0;
	return 1;
}

static void test_far_future_clears(void)
{
	cprintf("-- set_timer and STIP\n");
	reset();
	cprintf("STIP after set_timer(-1): %lu\n", (csr_read(CSR_SIP) >> 5) & 1);
	struct sbiret r = sbi_set_timer(0);	/* already in the past */
	cprintf("set_timer(0) error=%ld\n", r.error);
	check(r.error == SBI_SUCCESS, "set_timer returns SBI_SUCCESS");
	check(wait_stip(), "set_timer(0): STIP becomes pending");
	check(ticks == 0, "no interrupt while sie.STIE=0 and SIE=0");
	sbi_set_timer(NEVER);
	check(!(csr_read(CSR_SIP) & SIP_STIP), "set_timer(-1) clears STIP");
}

static void test_taken_in_s(void)
{
	cprintf("-- armed, enabled: taken while spinning\n");
	reset();
	csr_set(CSR_SIE, SIE_STIE);
	csr_set(CSR_SSTATUS, SSTATUS_SIE);
	sbi_set_timer(deadline_ms(10));
	int got = wait_flag(&ticks, deadline_ms(2000));
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	cprintf("timer taken: %s, count=%d, scause=0x%lx\n", yes(got), ticks,
		tick_scause);
	check(got && ticks == 1, "timer interrupt taken once");
	check(in_wait_loop(tick_sepc), "sepc is inside the wait loop");
	check(tick_sstatus & SSTATUS_SPP, "taken from S (SPP=1)");
	check(tick_sstatus & SSTATUS_SPIE, "SPIE = 1 (SIE was 1)");
	check(tick_vector == -1, "direct mode: entered at BASE");
	check(!(csr_read(CSR_SIP) & SIP_STIP), "STIP clear after the handler");
}

static void test_masked_by_sie_bit(void)
{
	unsigned long after;

	cprintf("-- masked by sstatus.SIE=0, then unmasked\n");
	reset();
	csr_set(CSR_SIE, SIE_STIE);
	sbi_set_timer(deadline_ms(5));
	int pending = wait_stip();
	cprintf("STIP pending: %s, taken while SIE=0: %s\n", yes(pending),
		yes(ticks));
	check(pending && ticks == 0, "no timer while sstatus.SIE=0");
	/* Setting SIE must let it in right away, before the next instruction. */
	asm volatile("la %0, 1f\n"
		     "csrs sstatus, %1\n"
		     "1: nop\n"
		     : "=&r"(after) : "r"(SSTATUS_SIE) : "memory");
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	cprintf("taken after csrs sstatus.SIE: %s, sepc = instruction after csrs: %s\n",
		yes(ticks == 1), yes(tick_sepc == after));
	check(ticks == 1, "taken once SIE is set");
	check(tick_sepc == after, "sepc = the instruction after the csrs");
}

static void test_masked_by_stie(void)
{
	unsigned long after;

	cprintf("-- masked by sie.STIE=0, then unmasked\n");
	reset();
	csr_set(CSR_SSTATUS, SSTATUS_SIE);
	sbi_set_timer(deadline_ms(5));
	int pending = wait_stip();
	cprintf("STIP pending: %s, taken while STIE=0: %s\n", yes(pending),
		yes(ticks));
	check(pending && ticks == 0, "no timer while sie.STIE=0");
	asm volatile("la %0, 1f\n"
		     "csrs sie, %1\n"
		     "1: nop\n"
		     : "=&r"(after) : "r"(SIE_STIE) : "memory");
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	cprintf("taken after csrs sie.STIE: %s, sepc = instruction after csrs: %s\n",
		yes(ticks == 1), yes(tick_sepc == after));
	check(ticks == 1, "taken once STIE is set");
	check(tick_sepc == after, "sepc = the instruction after the csrs");
}

/* U-mode code: return arg + 1 / spin until the tick counter moves. */
TRAP_FN(u_add1, "addi a0, a0, 1");

static unsigned long u_wait_tick(unsigned long deadline)
{
	return wait_flag(&ticks, deadline);
}

static void test_taken_in_user(void)
{
	struct trap_record t;

	cprintf("-- pending before sret to U with SIE=0: taken in U\n");
	reset();
	csr_set(CSR_SIE, SIE_STIE);
	sbi_set_timer(0);
	int pending = wait_stip();
	check(pending && ticks == 0, "STIP pending, not taken in S with SIE=0");
	/* SPIE=0: the sret in run_user() leaves SIE=0 in U. */
	csr_clear(CSR_SSTATUS, SSTATUS_SPIE);
	unsigned long v = run_user(u_add1, 1, &t);
	cprintf("timer taken in U after sret: %s, at the first U instruction: %s, "
		"SIE in U was %lu\n", yes(ticks == 1),
		yes(tick_sepc == (unsigned long)u_add1),
		(tick_sstatus >> 5) & 1);
	check(ticks == 1, "taken in U even though SIE=0");
	check(!(tick_sstatus & SSTATUS_SPP), "SPP = U");
	check(tick_sepc == (unsigned long)u_add1,
	      "taken right after sret: sepc = the first U instruction");
	check(!t.taken && v == 2, "U code resumed and finished");

	cprintf("-- armed while spinning in U with SIE=0\n");
	reset();
	csr_set(CSR_SIE, SIE_STIE);
	csr_clear(CSR_SSTATUS, SSTATUS_SPIE);
	sbi_set_timer(deadline_ms(10));
	v = run_user(u_wait_tick, deadline_ms(2000), &t);
	cprintf("timer taken in U: %s, count=%d, in the wait loop: %s\n",
		yes(v && ticks == 1), ticks, yes(in_wait_loop(tick_sepc)));
	check(!t.taken && v && ticks == 1, "taken once while in U");
	check(!(tick_sstatus & SSTATUS_SPP) && in_wait_loop(tick_sepc),
	      "taken from the U-mode wait loop");
}

static void test_vectored(void)
{
	unsigned long tbl = (unsigned long)trap_vector_table;

	cprintf("-- vectored stvec\n");
	reset();
	csr_write(CSR_STVEC, tbl | STVEC_MODE_VECTORED);
	int vectored = csr_read(CSR_STVEC) == (tbl | STVEC_MODE_VECTORED);
	csr_set(CSR_SIE, SIE_STIE);
	csr_set(CSR_SSTATUS, SSTATUS_SIE);
	sbi_set_timer(deadline_ms(10));
	int got = wait_flag(&ticks, deadline_ms(2000));
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	csr_write(CSR_STVEC, (unsigned long)trap_entry);
	cprintf("vectored mode supported: %s, timer taken: %s, entered at BASE+4*%ld\n",
		yes(vectored), yes(got), tick_vector);
	check(got && ticks == 1, "timer taken in vectored mode");
	if (vectored)
		check(tick_vector == IRQ_S_TIMER, "entered at BASE + 4*5");
}

static void test_legacy(void)
{
	cprintf("-- legacy set_timer (extension 0)\n");
	reset();
	csr_set(CSR_SIE, SIE_STIE);
	csr_set(CSR_SSTATUS, SSTATUS_SIE);
	sbi_call(SBI_EXT_LEGACY_SET_TIMER, 0, deadline_ms(10));
	int got = wait_flag(&ticks, deadline_ms(2000));
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	cprintf("legacy timer taken: %s, count=%d\n", yes(got), ticks);
	check(got && ticks == 1 && in_wait_loop(tick_sepc),
	      "legacy set_timer fires in the wait loop");
	sbi_call(SBI_EXT_LEGACY_SET_TIMER, 0, NEVER);
	check(!(csr_read(CSR_SIP) & SIP_STIP), "legacy set_timer(-1): STIP clear");
}

int main(void)
{
	test_begin("timer");
	trap_hook = timer_hook;
	test_far_future_clears();
	test_taken_in_s();
	test_masked_by_sie_bit();
	test_masked_by_stie();
	test_taken_in_user();
	test_vectored();
	test_legacy();
	reset();
	test_end();
}
