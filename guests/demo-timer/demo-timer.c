/*
 * demo-timer - the supervisor timer interrupt, step by step.  A demo for a
 * class; it also runs in the differential suite (tests/test_diff.py).
 *
 * The pieces:
 *   time        a CSR counting up at a fixed rate (10 MHz on QEMU virt);
 *               any mode may read it (rdtime) if scounteren.TM allows.
 *   set_timer   an SBI call (extension TIME): "raise my timer interrupt
 *               once time >= t".  The firmware programs the real
 *               comparator (M-mode's mtimecmp, or stimecmp with Sstc).
 *   sip.STIP    "the supervisor timer interrupt is pending" (interrupt
 *               5).  Set by the hardware when time passes t; cleared only
 *               by another set_timer (a later t, or -1 = never).
 *   sie.STIE    "I want timer interrupts" (the per-interrupt enable).
 *   sstatus.SIE the global switch for S-mode: while the hart runs in S,
 *               a pending interrupt is taken only if SIE = 1 too.  While
 *               it runs in U, S-mode interrupts are always taken (a lower
 *               privilege cannot block a higher one's interrupts).
 *   wfi         "wait for interrupt": sleep until some interrupt enabled
 *               in sie is pending, whatever sstatus.SIE says.
 * Taking the interrupt is a trap: scause = bit 63 | 5, sepc = the
 * instruction that had not run yet, SPIE = SIE, SIE = 0, SPP = the mode.
 *
 * The guest takes four ticks: two in S-mode while idle, one with
 * set_timer re-armed (a later call replaces an earlier one), one while a
 * U-mode program runs.  It prints the order of events, never times.
 */
#include "../lib/guest.h"

#define TIMER_IRQ (CAUSE_INTERRUPT | IRQ_S_TIMER)
#define NEVER     (~0UL)
#define SCOUNTEREN_TM BIT(1)	/* U-mode may read time */

static volatile int ticks;
static volatile int tick_flag;	/* set by every tick; the U program waits for it */
static unsigned long tick_sepc;	/* where the last tick interrupted */
static const char *waiting_in = "?";	/* what the code was doing (for the log) */

static const char *yes(int c)
{
	return c ? "yes" : "no";
}

/*
 * The interrupt handler (start.S saved the registers; returning 1 makes it
 * restore them and sret back to sepc).  The timer stays pending (STIP = 1)
 * until the next set_timer: without one, sret would take it again at once.
 */
static int timer_trap(struct trap_frame *f)
{
	if (f->scause != TIMER_IRQ)
		return 0;
	ticks++;
	tick_flag = 1;
	tick_sepc = f->sepc;
	cprintf("  event: tick %d: timer interrupt taken in %s-mode while %s, "
		"scause=0x%lx\n", ticks, (f->sstatus & SSTATUS_SPP) ? "S" : "U",
		waiting_in, f->scause);
	sbi_set_timer(NEVER);	/* STIP = 0: acknowledged, nothing armed */
	return 1;
}

static int stip(void)
{
	return !!(csr_read(CSR_SIP) & SIP_STIP);
}

/*
 * Sleep until the tick counter reaches n, the way kernels idle without a
 * race: with sstatus.SIE = 0, wfi still wakes up when the timer becomes
 * pending (it looks at sie, not at SIE), and the interrupt is then taken
 * the moment SIE is set, right after the csrs.  Had we set SIE before
 * wfi, an interrupt arriving between the check of the counter and the
 * wfi would be handled there, and wfi would sleep on (perhaps forever).
 * wfi may also return early for no reason: hence the loop.  Bounded by
 * the time CSR, so a missing interrupt fails the test instead of hanging.
 */
static unsigned long idle_until(int n)
{
	unsigned long end = deadline_ms(2000), after_csrs = 0;

	while (ticks < n && rdtime() < end)
		asm volatile("wfi\n"
			     "la %0, 1f\n"
			     "csrs sstatus, %1\n"	/* taken here, if pending */
			     "1: csrc sstatus, %1\n"
			     : "=&r"(after_csrs) : "r"(SSTATUS_SIE) : "memory");
	return after_csrs;
}

/* U-mode: spin until the tick flag is set (the kernel's handler sets it). */
static unsigned long user_spin(unsigned long deadline)
{
	return wait_flag(&tick_flag, deadline);
}

int main(void)
{
	unsigned long t0, t1, after;
	struct trap_record rec;

	test_begin("demo-timer");
	trap_hook = timer_trap;
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);

	/* The time CSR: read it twice; it moved (the values are not printed). */
	t0 = rdtime();
	for (volatile int i = 0; i < 1000; i++)
		;
	t1 = rdtime();
	cprintf("time moves forward between two reads: %s\n", yes(t1 > t0));
	check(t1 > t0, "time counts up");

	/* No timer armed yet (the firmware starts with none): STIP = 0. */
	sbi_set_timer(NEVER);
	cprintf("set_timer(-1): nothing armed, STIP=%d\n", stip());
	check(!stip(), "STIP = 0 with nothing armed");

	cprintf("-- 1: arm the timer 10 ms ahead, enable STIE, idle in wfi\n");
	csr_set(CSR_SIE, SIE_STIE);
	sbi_set_timer(rdtime() + 10 * TICKS_PER_MS);
	cprintf("  event: armed, STIE=1, idle (wfi with SIE=0, then SIE=1)\n");
	waiting_in = "idle";
	after = idle_until(1);
	cprintf("  event: back in main, ticks=%d, interrupted right after the "
		"csrs that set SIE: %s\n", ticks, yes(tick_sepc == after));
	check(ticks == 1, "tick 1 taken");
	check(tick_sepc == after, "the tick was taken at the instruction after csrs sstatus.SIE");
	check(!stip(), "the handler's set_timer(-1) cleared STIP");

	/*
	 * A set_timer in the past: STIP at once.  With SIE = 0 nothing is
	 * taken, but the bit is visible in sip; STIE = 0 would not hide it
	 * either (sie only decides what is taken, sip shows what is pending).
	 */
	cprintf("-- 2: set_timer(time now): pending at once, but SIE=0\n");
	sbi_set_timer(rdtime());
	while (!stip())
		;
	cprintf("  event: STIP=1, ticks still %d (SIE=0 holds it back)\n", ticks);
	check(ticks == 1, "not taken while sstatus.SIE = 0");
	waiting_in = "idle";
	after = idle_until(2);
	cprintf("  event: taken as soon as SIE=1: %s\n", yes(tick_sepc == after));
	check(ticks == 2 && tick_sepc == after, "tick 2 taken at the csrs that set SIE");

	/*
	 * There is one comparator per hart: each set_timer replaces the
	 * previous deadline.  Arm one far away (10 s), then re-arm 10 ms
	 * ahead: the tick comes after ~10 ms, and the 10 s one never comes.
	 */
	cprintf("-- 3: set_timer(+10 s), then set_timer(+10 ms): the second replaces the first\n");
	t0 = rdtime();
	sbi_set_timer(t0 + 10000 * TICKS_PER_MS);
	sbi_set_timer(rdtime() + 10 * TICKS_PER_MS);
	cprintf("  event: re-armed\n");
	waiting_in = "idle";
	idle_until(3);
	t1 = rdtime();
	cprintf("  event: tick arrived long before the first deadline: %s\n",
		yes(ticks == 3 && t1 - t0 < 5000 * TICKS_PER_MS));
	check(ticks == 3 && t1 - t0 < 5000 * TICKS_PER_MS, "the later set_timer replaced the earlier");

	/*
	 * A tick while a U-mode program runs.  The program runs with
	 * sstatus.SIE = 0 (sret copies SPIE, cleared here, into SIE), yet the
	 * interrupt is taken: S-mode interrupts cannot be masked from U.
	 * scounteren.TM = 1 lets the program read time (for its own timeout).
	 */
	cprintf("-- 4: arm 10 ms ahead, sret to a U-mode program (SIE=0 in U) that spins\n");
	csr_set(CSR_SCOUNTEREN, SCOUNTEREN_TM);
	csr_clear(CSR_SSTATUS, SSTATUS_SPIE);
	cprintf("  event: arming, entering U-mode\n");
	waiting_in = "spinning";
	tick_flag = 0;
	sbi_set_timer(rdtime() + 10 * TICKS_PER_MS);
	unsigned long seen = run_user(user_spin, deadline_ms(2000), &rec);
	cprintf("  event: the U-mode program saw the tick and returned: %s\n",
		yes(!rec.taken && seen));
	check(!rec.taken && seen && ticks == 4, "tick 4 taken in U-mode, program finished");
	check(in_wait_loop(tick_sepc), "interrupted inside the U-mode spin loop");

	csr_clear(CSR_SIE, SIE_STIE);
	cprintf("total ticks: %d\n", ticks);
	test_end();
}
