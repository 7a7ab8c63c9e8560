/*
 * ssip_wfi - the supervisor software interrupt (SSIP, interrupt 1) and wfi.
 *
 * sip.SSIP is the one interrupt-pending bit S-mode may write itself; the
 * SBI IPI extension sets it on other harts (or on ourselves).  wfi stalls
 * the hart until an interrupt is pending AND enabled in sie -- even with
 * sstatus.SIE = 0, in which case wfi simply returns and no trap is taken.
 */
#include "../lib/guest.h"

#define SOFT_IRQ  (CAUSE_INTERRUPT | IRQ_S_SOFT)
#define TIMER_IRQ (CAUSE_INTERRUPT | IRQ_S_TIMER)
#define NEVER (~0UL)

static volatile int softs, ticks;
static unsigned long last_sepc, last_scause;
static long last_vector;

static int irq_hook(struct trap_frame *f)
{
	if (f->scause == SOFT_IRQ) {
		softs++;
		csr_clear(CSR_SIP, SIP_SSIP);	/* acknowledge */
	} else if (f->scause == TIMER_IRQ) {
		ticks++;
		sbi_set_timer(NEVER);
	} else {
		return 0;
	}
	last_sepc = f->sepc;
	last_scause = f->scause;
	last_vector = f->vector;
	return 1;
}

static void reset(void)
{
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	csr_clear(CSR_SIE, SIE_SSIE | SIE_STIE);
	csr_clear(CSR_SIP, SIP_SSIP);
	sbi_set_timer(NEVER);
	softs = ticks = 0;
	last_sepc = last_scause = 0;
	last_vector = -2;
}

static const char *yes(int c)
{
	return c ? "yes" : "no";
}

/* Set an enable bit (csrs on sip/sie/sstatus) and return the address of
 * the instruction after the csrs: a newly enabled pending interrupt must
 * be taken right there. */
#define CSRS_AND_MARK(csr, bits) ({					\
	unsigned long __after;						\
	asm volatile("la %0, 1f\n"					\
		     "csrs " STR(csr) ", %1\n"				\
		     "1: nop\n"						\
		     : "=&r"(__after) : "r"(bits) : "memory");		\
	__after; })

static void test_ssip_self(void)
{
	unsigned long after;

	cprintf("-- csrs sip.SSIP with SSIE=1, SIE=1\n");
	reset();
	csr_set(CSR_SIE, SIE_SSIE);
	csr_set(CSR_SSTATUS, SSTATUS_SIE);
	after = CSRS_AND_MARK(CSR_SIP, SIP_SSIP);
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	cprintf("taken: %s, count=%d, scause=0x%lx, sepc = after the csrs: %s, "
		"vector=%ld\n", yes(softs), softs, last_scause,
		yes(last_sepc == after), last_vector);
	check(softs == 1 && last_scause == SOFT_IRQ, "software interrupt taken once");
	check(last_sepc == after, "taken right after csrs sip");
	check(!(csr_read(CSR_SIP) & SIP_SSIP), "SSIP clear after the handler");

	cprintf("-- same in vectored mode\n");
	reset();
	unsigned long vec = (unsigned long)trap_vector_table | STVEC_MODE_VECTORED;
	csr_write(CSR_STVEC, vec);
	int vectored = csr_read(CSR_STVEC) == vec;
	csr_set(CSR_SIE, SIE_SSIE);
	csr_set(CSR_SSTATUS, SSTATUS_SIE);
	after = CSRS_AND_MARK(CSR_SIP, SIP_SSIP);
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	csr_write(CSR_STVEC, (unsigned long)trap_entry);
	cprintf("taken: %s, entered at BASE+4*%ld\n", yes(softs), last_vector);
	check(softs == 1 && last_sepc == after, "taken right after csrs sip");
	if (vectored)
		check(last_vector == IRQ_S_SOFT, "vectored: entered at BASE + 4*1");
}

static void test_ssip_masked(void)
{
	unsigned long after;

	cprintf("-- masked by sie.SSIE=0\n");
	reset();
	csr_set(CSR_SSTATUS, SSTATUS_SIE);
	csr_set(CSR_SIP, SIP_SSIP);
	int pending = !!(csr_read(CSR_SIP) & SIP_SSIP);
	cprintf("SSIP pending: %s, taken: %s\n", yes(pending), yes(softs));
	check(pending && softs == 0, "SSIP pending but not taken while SSIE=0");
	after = CSRS_AND_MARK(CSR_SIE, SIE_SSIE);
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	cprintf("after csrs sie.SSIE: taken %s, sepc = after the csrs: %s\n",
		yes(softs == 1), yes(last_sepc == after));
	check(softs == 1 && last_sepc == after, "taken right after csrs sie");

	cprintf("-- masked by sstatus.SIE=0\n");
	reset();
	csr_set(CSR_SIE, SIE_SSIE);
	csr_set(CSR_SIP, SIP_SSIP);
	pending = !!(csr_read(CSR_SIP) & SIP_SSIP);
	cprintf("SSIP pending: %s, taken: %s\n", yes(pending), yes(softs));
	check(pending && softs == 0, "SSIP pending but not taken while SIE=0");
	after = CSRS_AND_MARK(CSR_SSTATUS, SSTATUS_SIE);
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	cprintf("after csrs sstatus.SIE: taken %s, sepc = after the csrs: %s\n",
		yes(softs == 1), yes(last_sepc == after));
	check(softs == 1 && last_sepc == after, "taken right after csrs sstatus");
}

/* Bounded wait for sip.SSIP (an IPI may take a moment to arrive). */
static int wait_ssip(void)
{
	unsigned long end = deadline_ms(2000);

	while (!(csr_read(CSR_SIP) & SIP_SSIP))
		if (rdtime() > end)
			return 0;
	return 1;
}

static void test_sbi_ipi(void)
{
	/* hart_mask bit 0 relative to hart_mask_base = ourselves. */
	static const struct {
		const char *what;
		int all;
	} how[] = { { "mask=1 base=self", 0 }, { "base=-1 (all harts)", 1 } };

	for (int i = 0; i < 2; i++) {
		unsigned long base = how[i].all ? ~0UL : boot_hartid;
		struct sbiret r;

		cprintf("-- SBI send_ipi %s\n", how[i].what);
		reset();
		r = sbi_call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1, base);
		int pending = wait_ssip();
		cprintf("send_ipi error=%ld, SSIP pending: %s, taken with SSIE=0: %s\n",
			r.error, yes(pending), yes(softs));
		check(r.error == SBI_SUCCESS, "send_ipi succeeds");
		check(pending && softs == 0, "IPI sets sip.SSIP");
		csr_clear(CSR_SIP, SIP_SSIP);
		check(!(csr_read(CSR_SIP) & SIP_SSIP), "csrc sip clears SSIP");

		/* Now enabled: the IPI must arrive as an interrupt. */
		csr_set(CSR_SIE, SIE_SSIE);
		csr_set(CSR_SSTATUS, SSTATUS_SIE);
		r = sbi_call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1, base);
		int got = wait_flag(&softs, deadline_ms(2000));
		csr_clear(CSR_SSTATUS, SSTATUS_SIE);
		cprintf("send_ipi error=%ld, software interrupt taken: %s, count=%d\n",
			r.error, yes(got), softs);
		check(r.error == SBI_SUCCESS && got && softs == 1,
		      "IPI taken as a software interrupt");
	}
}

static void test_wfi(void)
{
	unsigned long end;
	int woke;

	cprintf("-- wfi with SSIP pending and enabled, SIE=0\n");
	reset();
	csr_set(CSR_SIE, SIE_SSIE);
	csr_set(CSR_SIP, SIP_SSIP);
	asm volatile("wfi" ::: "memory");	/* must not stall */
	cprintf("wfi returned: yes, trap taken: %s\n", yes(softs));
	check(softs == 0, "wfi returns without a trap when SIE=0");
	csr_clear(CSR_SIP, SIP_SSIP);

	cprintf("-- wfi woken by the timer, SIE=0\n");
	reset();
	csr_set(CSR_SIE, SIE_STIE);
	sbi_set_timer(deadline_ms(10));
	end = deadline_ms(2000);
	/* wfi may also return early (spec): loop until STIP is pending. */
	while (!(woke = !!(csr_read(CSR_SIP) & SIP_STIP)) && rdtime() < end)
		asm volatile("wfi" ::: "memory");
	cprintf("woke with STIP pending: %s, trap taken: %s\n", yes(woke),
		yes(ticks));
	check(woke && ticks == 0, "wfi wakes on STIP with SIE=0, no trap");
	sbi_set_timer(NEVER);
	check(!(csr_read(CSR_SIP) & SIP_STIP), "STIP cleared by set_timer(-1)");

	cprintf("-- wfi, then the timer interrupt is taken (SIE=1)\n");
	reset();
	unsigned long wfi_pc, loop_end;
	csr_set(CSR_SIE, SIE_STIE);
	sbi_set_timer(deadline_ms(10));
	end = deadline_ms(2000);
	csr_set(CSR_SSTATUS, SSTATUS_SIE);
	asm volatile("la %0, 1f\n"
		     "la %1, 3f\n"
		     "1: wfi\n"
		     "2: lw t0, 0(%2)\n"
		     "bnez t0, 3f\n"
		     "rdtime t1\n"
		     "bltu t1, %3, 1b\n"
		     "3:\n"
		     : "=&r"(wfi_pc), "=&r"(loop_end)
		     : "r"(&ticks), "r"(end) : "t0", "t1", "memory");
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	cprintf("timer taken: %s, count=%d, sepc = instruction after wfi: %s\n",
		yes(ticks), ticks, yes(last_sepc == wfi_pc + 4));
	check(ticks == 1, "timer interrupt taken once");
	check(last_sepc >= wfi_pc && last_sepc < loop_end,
	      "sepc inside the wfi loop");
}

int main(void)
{
	test_begin("ssip_wfi");
	trap_hook = irq_hook;
	test_ssip_self();
	test_ssip_masked();
	test_sbi_ipi();
	test_wfi();
	reset();
	test_end();
}
