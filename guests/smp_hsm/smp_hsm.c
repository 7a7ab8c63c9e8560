/*
 * smp_hsm - SBI Hart State Management with 2 or more harts: hart_start,
 * hart_stop, hart_get_status and hart_suspend.
 *
 * The boot hart (index 0; the others are indices 1.. in hartid order)
 * starts and stops the others over and over, checking the entry state
 * the SBI spec defines (a0 = hartid, a1 = opaque, satp = 0,
 * sstatus.SIE = 0), hart_get_status once each state is settled (a hart
 * that said it runs is STARTED, one that called hart_stop is STOPPED once
 * the transient STOP_PENDING has passed, one in hart_suspend SUSPENDED),
 * the error codes of invalid calls, harts starting harts, several harts
 * racing to start the same one (exactly one wins), and both suspend
 * types: a retentive suspend returns to the instruction after the ecall
 * with every register but a0/a1 kept, woken by an IPI from another hart
 * (taken right there if sstatus.SIE = 1, left pending in sip if not); a
 * non-retentive one resumes at resume_addr like a started hart.
 * START_PENDING and STOP_PENDING are never printed: when they are seen
 * depends on timing.
 */
#include <stdio.h>
#include "../lib/pt.h"

#define SOFT_IRQ  (CAUSE_INTERRUPT | IRQ_S_SOFT)
#define CYCLES    3		/* start/stop cycles per hart */
#define FW_ADDR   0x80000000UL	/* OpenSBI, reserved-memory in the DT */
#define UART_ADDR 0x10000000UL	/* a device: not executable */

static unsigned long n;

/* Per index, written by the hart itself, read by the boot hart. */
struct report {
	unsigned long running;		/* set once the hart runs */
	long self_status;		/* hart_get_status(self) */
	long boot_status;		/* hart_get_status(boot hart) */
	long start_boot;		/* hart_start(boot hart) */
	long start_result;		/* chain/race: its hart_start call */
	long suspend_error;		/* hart_suspend's a0 */
	unsigned long bad_regs;		/* registers changed by a retentive suspend */
	unsigned long sip_after;	/* sip after the suspend returned */
	unsigned long softs;		/* software interrupts taken */
	unsigned long soft_sepc;	/* where the last one was taken */
	unsigned long resumed;		/* non-retentive: came back */
	unsigned long entries_before;	/* smp_entry_regs.entries before suspending */
};
static volatile struct report rep[SMP_MAX_HARTS];
static volatile unsigned long cmd[SMP_MAX_HARTS];	/* boot hart -> hart: CMD_* */
#define CMD_STOP 1

static void reset_reports(void)
{
	for (unsigned long k = 0; k < SMP_MAX_HARTS; k++) {
		rep[k] = (struct report){ 0 };
		cmd[k] = 0;
	}
	asm volatile("fence rw, rw" ::: "memory");
}

static unsigned long me(void)
{
	return smp_index(smp_hartid());
}

static int irq_hook(struct trap_frame *f)
{
	if (f->scause == SOFT_IRQ) {
		unsigned long k = me();

		csr_clear(CSR_SIP, SIP_SSIP);
		rep[k].softs++;
		rep[k].soft_sepc = f->sepc;
		return 1;
	}
	return 0;
}

static const char *state_name(long s)
{
	static const char *names[] = { "STARTED", "STOPPED", "START_PENDING",
				       "STOP_PENDING", "SUSPENDED", "SUSPEND_PENDING",
				       "RESUME_PENDING" };

	if (s < 0)
		return sbi_err_name(s);
	return s <= 6 ? names[s] : "?";
}

static const char *yes(int c)
{
	return c ? "yes" : "no";
}

/* Poll hart_get_status(index k) until it is `state` (bounded). */
static int wait_state(unsigned long k, long state)
{
	unsigned long end = deadline_ms(SMP_WAIT_MS);

	while (smp_hart_status(smp_hart[k]) != state)
		if (rdtime() > end)
			return 0;
	return 1;
}

static int wait_flag_ul(volatile unsigned long *p)
{
	unsigned long end = deadline_ms(SMP_WAIT_MS);

	while (!*p)
		if (rdtime() > end)
			return 0;
	return 1;
}

static void print_states(const char *what)
{
	cprintf("%s:", what);
	for (unsigned long k = 0; k < n; k++)
		cprintf(" %s", state_name(smp_hart_status(smp_hart[k])));
	cprintf("\n");
}

static struct sbiret start_raw(unsigned long hartid, unsigned long addr, unsigned long opaque)
{
	return sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, hartid, addr, opaque);
}

/*
 * Retentive suspend with registers to check: every register but a0/a1
 * (and sp, gp, tp, ra, saved and checked separately) is loaded with a
 * pattern, hart_suspend(type) is called, and afterwards the registers
 * that changed are counted.  out[0] = a0 (the error), out[1] = how many
 * registers changed.  suspend_keep_after is the instruction after the
 * ecall.
 */
void suspend_keep(unsigned long type, unsigned long *out);
extern char suspend_keep_after[];
#define PAT(n) "0x5eed000000000000 + " #n " * 0x010101"
asm(".text\n.balign 4\n.globl suspend_keep\nsuspend_keep:\n"
    "addi sp, sp, -256\n"		/* xN is saved at N * 8 */
    "sd ra, 0(sp)\n"
    ".irp r, 8,9,18,19,20,21,22,23,24,25,26,27\n"
    "sd x\\r, (\\r * 8)(sp)\n"
    ".endr\n"
    "sd gp, 224(sp)\n"
    "sd tp, 232(sp)\n"
    "sd a1, 240(sp)\n"
    ".irp r, 5,6,7,8,9,12,13,14,15,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
    "li x\\r, " PAT(\\r) "\n"
    ".endr\n"
    "li a1, 0\n"			/* resume_addr: unused by a retentive suspend */
    "li a6, " STR(SBI_HSM_HART_SUSPEND) "\n"
    "li a7, " STR(SBI_EXT_HSM) "\n"
    "ecall\n"
    ".globl suspend_keep_after\nsuspend_keep_after:\n"
    "li ra, 0\n"
    ".irp r, 5,6,7,8,9,12,13,14,15,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
    "li a1, " PAT(\\r) "\n"
    "beq x\\r, a1, 1f\n"
    "addi ra, ra, 1\n"
    "1:\n"
    ".endr\n"
    "li a1, " STR(SBI_HSM_HART_SUSPEND) "\n"
    "beq a6, a1, 1f\naddi ra, ra, 1\n1:\n"
    "li a1, " STR(SBI_EXT_HSM) "\n"
    "beq a7, a1, 1f\naddi ra, ra, 1\n1:\n"
    "ld a1, 224(sp)\n"
    "beq gp, a1, 1f\naddi ra, ra, 1\n1:\n"
    "ld a1, 232(sp)\n"
    "beq tp, a1, 1f\naddi ra, ra, 1\n1:\n"
    "ld a1, 240(sp)\n"
    "sd a0, 0(a1)\n"
    "sd ra, 8(a1)\n"
    "ld ra, 0(sp)\n"
    ".irp r, 8,9,18,19,20,21,22,23,24,25,26,27\n"
    "ld x\\r, (\\r * 8)(sp)\n"
    ".endr\n"
    "addi sp, sp, 256\n"
    "ret\n");

/* ---- What the other harts run ----------------------------------------------------- */
/* Say we run, make a few HSM calls, wait for CMD_STOP, return (hart_stop). */
static void hold(unsigned long hartid, unsigned long opaque)
{
	unsigned long k = smp_index(hartid), end;

	(void)opaque;
	rep[k].self_status = smp_hart_status(hartid);
	rep[k].boot_status = smp_hart_status(smp_hart[0]);
	rep[k].start_boot = start_raw(smp_hart[0], (unsigned long)smp_entry, 0).error;
	asm volatile("fence rw, rw" ::: "memory");
	rep[k].running = 1;
	end = deadline_ms(SMP_WAIT_MS);
	while (cmd[k] != CMD_STOP && rdtime() < end)
		;
	csr_clear(CSR_SIP, SIP_SSIP);
}

/* Chain: start the next index, then hold. */
static void chain(unsigned long hartid, unsigned long opaque)
{
	unsigned long k = smp_index(hartid);

	if (k + 1 < n)
		rep[k].start_result = smp_start(smp_hart[k + 1], chain, opaque + 1).error;
	hold(hartid, opaque);
}

/* Race: all but the last index start the last one at once. */
static struct smp_barrier race_bar;
static volatile unsigned long raced[SMP_MAX_HARTS];

static void race_start(unsigned long k)
{
	smp_barrier_wait(&race_bar, n - 1, deadline_ms(SMP_WAIT_MS));
	rep[k].start_result = smp_start(smp_hart[n - 1], hold, 0x4ace0000UL).error;
	asm volatile("fence rw, rw" ::: "memory");
	raced[k] = 1;
}

static void racer(unsigned long hartid, unsigned long opaque)
{
	unsigned long k = smp_index(hartid), end;

	(void)opaque;
	rep[k].running = 1;
	race_start(k);
	end = deadline_ms(SMP_WAIT_MS);
	while (cmd[k] != CMD_STOP && rdtime() < end)
		;
}

/* Retentive suspend with SIE = `sie`, SSIE = 1; woken by the boot hart. */
static void suspend_ret(unsigned long hartid, unsigned long sie)
{
	unsigned long k = smp_index(hartid), out[2];

	csr_set(CSR_SIE, SIE_SSIE);
	if (sie)
		csr_set(CSR_SSTATUS, SSTATUS_SIE);
	rep[k].running = 1;
	suspend_keep(SBI_HSM_SUSPEND_RETENTIVE, out);
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	rep[k].sip_after = csr_read(CSR_SIP);
	csr_clear(CSR_SIP, SIP_SSIP);
	rep[k].suspend_error = out[0];
	rep[k].bad_regs = out[1];
	asm volatile("fence rw, rw" ::: "memory");
	rep[k].resumed = 1;
	hold(hartid, 0);
}

/* Non-retentive suspend with paging on and SIE = 1; resumes in resumed(). */
static unsigned long *space;

static void resumed(unsigned long hartid, unsigned long opaque)
{
	unsigned long k = smp_index(hartid);

	(void)opaque;
	rep[k].sip_after = csr_read(CSR_SIP);
	csr_clear(CSR_SIP, SIP_SSIP);
	asm volatile("fence rw, rw" ::: "memory");
	rep[k].resumed = 1;
	hold(hartid, 0);
}

#define NONRET_OPAQUE(k) (0xb0e00000UL + (k))

static void suspend_nonret(unsigned long hartid, unsigned long opaque)
{
	unsigned long k = smp_index(hartid);
	struct sbiret r;

	(void)opaque;
	pt_switch(pt_satp(SATP_MODE_SV39, 0, space));
	csr_set(CSR_SIE, SIE_SSIE);
	csr_set(CSR_SSTATUS, SSTATUS_SIE);
	rep[k].entries_before = smp_entry_regs[hartid].entries;
	asm volatile("fence rw, rw" ::: "memory");
	rep[k].running = 1;
	r = smp_suspend_nonret(resumed, NONRET_OPAQUE(k));
	/* Only on failure. */
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	pt_switch(0);
	rep[k].suspend_error = r.error;
	rep[k].resumed = 2;
	hold(hartid, 0);
}

/* Wakes the boot hart from its retentive suspend. */
static void waker(unsigned long hartid, unsigned long opaque)
{
	unsigned long k = smp_index(hartid);

	(void)opaque;
	rep[k].running = 1;
	if (wait_state(0, SBI_HSM_STATE_SUSPENDED))
		rep[k].start_result = sbi_call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1, smp_hart[0]).error;
	else
		rep[k].start_result = 99;
	asm volatile("fence rw, rw" ::: "memory");
	rep[k].resumed = 1;	/* here: done */
	hold(hartid, 0);
}

/* ---- Boot hart ------------------------------------------------------------------- */
static void stop_all(void)
{
	for (unsigned long k = 1; k < n; k++)
		cmd[k] = CMD_STOP;
	for (unsigned long k = 1; k < n; k++)
		wait_state(k, SBI_HSM_STATE_STOPPED);
}

static void test_boot_state(void)
{
	cprintf("-- at boot\n");
	print_states("status by index");
	check(smp_hart_status(smp_hart[0]) == SBI_HSM_STATE_STARTED, "the boot hart is STARTED");
	for (unsigned long k = 1; k < n; k++)
		check(smp_hart_status(smp_hart[k]) == SBI_HSM_STATE_STOPPED,
		      "index %lu is STOPPED", k);
}

static void show(const char *what, long error, long want)
{
	cprintf("%-50s error=%ld (%s)\n", what, error, sbi_err_name(error));
	check(error == want, "%s: %s", what, sbi_err_name(want));
}

static void test_invalid(void)
{
	unsigned long entry = (unsigned long)smp_entry, h1 = smp_hart[1];

	cprintf("-- invalid calls\n");
	show("hart_get_status(nharts)", smp_hart_status(n), SBI_ERR_INVALID_PARAM);
	show("hart_get_status(-1)", smp_hart_status(~0UL), SBI_ERR_INVALID_PARAM);
	show("hart_start(nharts)", start_raw(n, entry, 0).error, SBI_ERR_INVALID_PARAM);
	show("hart_start(-1)", start_raw(~0UL, entry, 0).error, SBI_ERR_INVALID_PARAM);
	show("hart_start(self)", start_raw(smp_hart[0], entry, 0).error,
	     SBI_ERR_ALREADY_AVAILABLE);
	show("hart_start(index 1, the firmware at 0x80000000)",
	     start_raw(h1, FW_ADDR, 0).error, SBI_ERR_INVALID_ADDRESS);
	show("hart_start(index 1, the UART at 0x10000000)",
	     start_raw(h1, UART_ADDR, 0).error, SBI_ERR_INVALID_ADDRESS);
	cprintf("index 1 after the failed starts: %s\n", state_name(smp_hart_status(h1)));
	check(smp_hart_status(h1) == SBI_HSM_STATE_STOPPED, "index 1 still STOPPED");

	/*
	 * suspend_type: 0 and 0x80000000 are the defaults; 0x00000001-
	 * 0x0fffffff and 0x80000001-0x8fffffff are reserved (INVALID_PARAM);
	 * 0x10000000-0x7fffffff and 0x90000000-0xffffffff platform-specific,
	 * which QEMU virt has none of (NOT_SUPPORTED).
	 */
	static const struct { unsigned long type; long want; } types[] = {
		{ 0x00000001, SBI_ERR_INVALID_PARAM }, { 0x0fffffff, SBI_ERR_INVALID_PARAM },
		{ 0x80000001, SBI_ERR_INVALID_PARAM }, { 0x8fffffff, SBI_ERR_INVALID_PARAM },
		{ 0x10000000, SBI_ERR_NOT_SUPPORTED }, { 0x7fffffff, SBI_ERR_NOT_SUPPORTED },
		{ 0x90000000, SBI_ERR_NOT_SUPPORTED }, { 0xffffffff, SBI_ERR_NOT_SUPPORTED },
	};
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		char what[64];
		struct sbiret r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, types[i].type,
					   entry, 0);

		snprintf(what, sizeof(what), "hart_suspend(type 0x%08lx)", types[i].type);
		show(what, r.error, types[i].want);
	}
	show("hart_suspend(non-retentive, resume at the firmware)",
	     sbi_call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, SBI_HSM_SUSPEND_NON_RETENTIVE,
		      FW_ADDR, 0).error, SBI_ERR_INVALID_ADDRESS);
	print_states("status by index");
}

static void test_cycles(void)
{
	cprintf("-- start/stop each hart %d times\n", CYCLES);
	for (unsigned long k = 1; k < n; k++) {
		unsigned long h = smp_hart[k];

		for (unsigned long c = 0; c < CYCLES; c++) {
			unsigned long opaque = 0x5a000000UL | k << 8 | c;
			unsigned long entries = smp_entry_regs[h].entries;
			struct smp_entry_regs *e = &smp_entry_regs[h];
			struct sbiret r;
			long st, again;
			int up, down;

			reset_reports();
			r = smp_start(h, hold, opaque);
			up = wait_flag_ul(&rep[k].running);
			st = smp_hart_status(h);
			again = start_raw(h, (unsigned long)smp_entry, 0).error;
			cmd[k] = CMD_STOP;
			down = wait_state(k, SBI_HSM_STATE_STOPPED);
			cprintf("index %lu cycle %lu: hart_start %s, runs %s, a0=hartid %s, "
				"a1=opaque %s, satp=0x%lx, SIE=%lu, entries +%lu\n",
				k, c, sbi_err_name(r.error), yes(up), yes(e->a0 == h),
				yes(e->a1 == opaque), e->satp,
				(e->sstatus & SSTATUS_SIE) ? 1UL : 0UL, e->entries - entries);
			cprintf("  status %s, hart_start again %s; on it: status(self) %s, "
				"status(boot) %s, hart_start(boot) %s; after hart_stop: STOPPED %s\n",
				state_name(st), sbi_err_name(again),
				state_name(rep[k].self_status), state_name(rep[k].boot_status),
				sbi_err_name(rep[k].start_boot), yes(down));
			check(r.error == SBI_SUCCESS && up && e->a0 == h && e->a1 == opaque &&
			      e->satp == 0 && !(e->sstatus & SSTATUS_SIE) &&
			      e->entries - entries == 1,
			      "index %lu cycle %lu: started with the state the spec defines", k, c);
			check(st == SBI_HSM_STATE_STARTED && again == SBI_ERR_ALREADY_AVAILABLE &&
			      rep[k].self_status == SBI_HSM_STATE_STARTED &&
			      rep[k].boot_status == SBI_HSM_STATE_STARTED &&
			      rep[k].start_boot == SBI_ERR_ALREADY_AVAILABLE,
			      "index %lu cycle %lu: STARTED, hart_start again ALREADY_AVAILABLE", k, c);
			check(down, "index %lu cycle %lu: STOPPED after hart_stop", k, c);
		}
	}
}

static void test_all_at_once(void)
{
	int all = 1;

	cprintf("-- start every hart at once, then stop them all at once\n");
	reset_reports();
	for (unsigned long k = 1; k < n; k++)
		all &= smp_start(smp_hart[k], hold, k).error == SBI_SUCCESS;
	for (unsigned long k = 1; k < n; k++)
		all &= wait_flag_ul(&rep[k].running);
	print_states("status by index");
	stop_all();
	print_states("status by index after hart_stop");
	check(all, "every hart started");
	for (unsigned long k = 1; k < n; k++)
		check(smp_hart_status(smp_hart[k]) == SBI_HSM_STATE_STOPPED,
		      "index %lu is STOPPED", k);
}

static void test_chain(void)
{
	int ok = 1;

	cprintf("-- a chain: index 0 starts 1, 1 starts 2, ...\n");
	reset_reports();
	ok &= smp_start(smp_hart[1], chain, 0xc0de0001UL).error == SBI_SUCCESS;
	for (unsigned long k = 1; k < n; k++) {
		unsigned long h = smp_hart[k];
		int up = wait_flag_ul(&rep[k].running);

		cprintf("index %lu: runs %s, a1=opaque %s", k, yes(up),
			yes(smp_entry_regs[h].a1 == 0xc0de0000UL + k));
		if (k + 1 < n)
			cprintf(", its hart_start(index %lu): %s", k + 1,
				sbi_err_name(rep[k].start_result));
		cprintf("\n");
		ok &= up && smp_entry_regs[h].a1 == 0xc0de0000UL + k &&
		      (k + 1 == n || rep[k].start_result == SBI_SUCCESS);
	}
	print_states("status by index");
	stop_all();
	check(ok, "every hart of the chain started the next");
}

static void test_race(void)
{
	unsigned long target = n - 1, entries = smp_entry_regs[smp_hart[target]].entries;
	unsigned long wins = 0, lost_ok = 0;
	int up;

	cprintf("-- indices 0..%lu start index %lu at the same moment\n", n - 2, target);
	reset_reports();
	race_bar = (struct smp_barrier){ 0 };
	for (unsigned long k = 0; k < SMP_MAX_HARTS; k++)
		raced[k] = 0;
	for (unsigned long k = 1; k < target; k++)
		smp_start(smp_hart[k], racer, 0);
	for (unsigned long k = 1; k < target; k++)
		wait_flag_ul(&rep[k].running);
	race_start(0);
	for (unsigned long k = 0; k < target; k++) {
		long e;

		wait_flag_ul(&raced[k]);
		e = rep[k].start_result;
		if (e == SBI_SUCCESS)
			wins++;
		else if (e == SBI_ERR_ALREADY_AVAILABLE || e == SBI_ERR_INVALID_PARAM)
			lost_ok++;
	}
	up = wait_flag_ul(&rep[target].running);
	stop_all();
	cprintf("winners: %lu, the others got ALREADY_AVAILABLE or INVALID_PARAM: %s, "
		"index %lu ran once: %s\n", wins, yes(lost_ok == target - 1), target,
		yes(up && smp_entry_regs[smp_hart[target]].entries - entries == 1));
	check(wins == 1 && lost_ok == target - 1, "exactly one hart_start won");
	check(up && smp_entry_regs[smp_hart[target]].entries - entries == 1,
	      "the target started exactly once");
}

static long send_ipi(unsigned long mask, unsigned long base)
{
	return sbi_call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, mask, base).error;
}

static unsigned long others_mask(void)
{
	unsigned long m = 0;

	for (unsigned long k = 1; k < n; k++)
		m |= 1UL << smp_hart[k];
	return m;
}

static void test_suspend_ret(unsigned long sie)
{
	unsigned long h1 = smp_hart[1];
	int all = 1;
	long e;

	cprintf("-- retentive suspend of every other hart with sstatus.SIE=%lu, sie.SSIE=1; "
		"one send_ipi from index 0 wakes them\n", sie);
	reset_reports();
	for (unsigned long k = 1; k < n; k++)
		all &= smp_start(smp_hart[k], suspend_ret, sie).error == SBI_SUCCESS;
	for (unsigned long k = 1; k < n; k++)
		all &= wait_flag_ul(&rep[k].running) && wait_state(k, SBI_HSM_STATE_SUSPENDED);
	check(all, "every hart started and reached SUSPENDED");
	print_states("status by index");
	e = start_raw(h1, (unsigned long)smp_entry, 0).error;
	cprintf("hart_start(index 1) while it is suspended: error=%ld (%s), index 1 then %s\n",
		e, sbi_err_name(e), state_name(smp_hart_status(h1)));
	/* The spec names no error for this; OpenSBI 1.5.1 says INVALID_PARAM. */
	check((e == SBI_ERR_INVALID_PARAM || e == SBI_ERR_ALREADY_AVAILABLE) &&
	      smp_hart_status(h1) == SBI_HSM_STATE_SUSPENDED,
	      "hart_start of a suspended hart fails and leaves it SUSPENDED");
	e = send_ipi(others_mask(), 0);
	cprintf("send_ipi(all other harts): error=%ld (%s)\n", e, sbi_err_name(e));
	for (unsigned long k = 1; k < n; k++) {
		int back = wait_flag_ul(&rep[k].resumed) && wait_flag_ul(&rep[k].running);
		int pending = !!(rep[k].sip_after & SIP_SSIP);
		int at_after = rep[k].soft_sepc == (unsigned long)suspend_keep_after;

		cprintf("index %lu: resumed %s, error=%ld, registers changed: %lu, "
			"interrupts taken: %lu%s, SSIP pending after: %s\n", k, yes(back),
			rep[k].suspend_error, rep[k].bad_regs, rep[k].softs,
			rep[k].softs ? (at_after ? " (at the instruction after the ecall)"
					       : " (somewhere else)") : "",
			yes(pending));
		check(back && rep[k].suspend_error == SBI_SUCCESS && rep[k].bad_regs == 0,
		      "index %lu: resumed after the ecall, a0=0, registers kept", k);
		if (sie)
			check(rep[k].softs == 1 && at_after && !pending,
			      "index %lu: the IPI is taken right after the ecall", k);
		else
			check(rep[k].softs == 0 && pending,
			      "index %lu: the IPI is left pending (SIE=0)", k);
	}
	print_states("status by index after");
	stop_all();
}

static void test_boot_suspend(void)
{
	unsigned long out[2];
	int pending;

	cprintf("-- retentive suspend of index 0 (SIE=0, SSIE=1), woken by an IPI from index 1\n");
	reset_reports();
	smp_start(smp_hart[1], waker, 0);
	wait_flag_ul(&rep[1].running);
	csr_set(CSR_SIE, SIE_SSIE);
	suspend_keep(SBI_HSM_SUSPEND_RETENTIVE, out);
	pending = !!(csr_read(CSR_SIP) & SIP_SSIP);
	csr_clear(CSR_SIP, SIP_SSIP);
	csr_clear(CSR_SIE, SIE_SSIE);
	wait_flag_ul(&rep[1].resumed);
	cprintf("index 0: error=%ld, registers changed: %lu, SSIP pending: %s; "
		"index 1 saw SUSPENDED and its send_ipi said %s\n", (long)out[0], out[1],
		yes(pending), sbi_err_name(rep[1].start_result));
	check(out[0] == SBI_SUCCESS && out[1] == 0 && pending &&
	      rep[1].start_result == SBI_SUCCESS, "index 0 suspended and woken by index 1");
	stop_all();
}

static void test_suspend_pending(void)
{
	unsigned long out[2];
	int pending;

	cprintf("-- retentive suspend with SSIP already pending and enabled in sie (SIE=0)\n");
	csr_set(CSR_SIE, SIE_SSIE);
	csr_set(CSR_SIP, SIP_SSIP);
	suspend_keep(SBI_HSM_SUSPEND_RETENTIVE, out);
	pending = !!(csr_read(CSR_SIP) & SIP_SSIP);
	csr_clear(CSR_SIP, SIP_SSIP);
	csr_clear(CSR_SIE, SIE_SSIE);
	cprintf("returned at once: error=%ld, registers changed: %lu, SSIP still pending: %s\n",
		(long)out[0], out[1], yes(pending));
	check(out[0] == SBI_SUCCESS && out[1] == 0 && pending,
	      "a pending enabled interrupt ends the suspend at once");
}

static void test_suspend_nonret(void)
{
	int all = 1;
	long e;

	cprintf("-- non-retentive suspend of every other hart (Sv39 on, SIE=1, SSIE=1), "
		"resume_addr = smp_entry; one send_ipi from index 0 wakes them\n");
	reset_reports();
	for (unsigned long k = 1; k < n; k++)
		all &= smp_start(smp_hart[k], suspend_nonret, 0).error == SBI_SUCCESS;
	for (unsigned long k = 1; k < n; k++)
		all &= wait_flag_ul(&rep[k].running) && wait_state(k, SBI_HSM_STATE_SUSPENDED);
	check(all, "every hart started and reached SUSPENDED");
	print_states("status by index");
	for (unsigned long k = 1; k < n; k++)
		rep[k].running = 0;
	asm volatile("fence rw, rw" ::: "memory");
	e = send_ipi(others_mask(), 0);
	cprintf("send_ipi(all other harts): error=%ld (%s)\n", e, sbi_err_name(e));
	for (unsigned long k = 1; k < n; k++) {
		unsigned long h = smp_hart[k];
		struct smp_entry_regs *r = &smp_entry_regs[h];
		int back = wait_flag_ul(&rep[k].resumed) && wait_flag_ul(&rep[k].running);

		cprintf("index %lu: came back at resume_addr: %s (entries +%lu), a0=hartid %s, "
			"a1=opaque %s, satp=0x%lx, SIE=%lu, SSIP pending: %s\n", k,
			yes(back && rep[k].resumed == 1), r->entries - rep[k].entries_before,
			yes(r->a0 == h), yes(r->a1 == NONRET_OPAQUE(k)), r->satp,
			(r->sstatus & SSTATUS_SIE) ? 1UL : 0UL,
			yes(rep[k].sip_after & SIP_SSIP));
		check(back && rep[k].resumed == 1 && r->entries - rep[k].entries_before == 1,
		      "index %lu resumed at resume_addr", k);
		check(r->a0 == h && r->a1 == NONRET_OPAQUE(k) && r->satp == 0 &&
		      !(r->sstatus & SSTATUS_SIE),
		      "index %lu: a0 = hartid, a1 = opaque, satp = 0, SIE = 0", k);
	}
	print_states("status by index after");
	stop_all();
}

static void test_ipi_stopped(void)
{
	unsigned long h1 = smp_hart[1];
	struct smp_entry_regs *r = &smp_entry_regs[h1];

	cprintf("-- IPI and remote fences to a stopped hart\n");
	show("send_ipi(index 1, stopped)", send_ipi(1, h1), SBI_SUCCESS);
	show("remote_fence_i(index 1, stopped)",
	     sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I, 1, h1).error, SBI_SUCCESS);
	show("remote_sfence_vma(index 1, stopped)",
	     sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 1, h1, 0, ~0UL).error,
	     SBI_SUCCESS);
	cprintf("index 1: %s\n", state_name(smp_hart_status(h1)));
	reset_reports();
	smp_start(h1, hold, 0);
	wait_flag_ul(&rep[1].running);
	cprintf("index 1 started again: SSIP pending at entry: %s\n", yes(r->sip & SIP_SSIP));
	check(!(r->sip & SIP_SSIP), "an IPI to a stopped hart is not pending when it starts");
	stop_all();
}

static char pool[4 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

int main(void)
{
	test_begin("smp_hsm");
	trap_hook = irq_hook;
	n = smp_init();
	cprintf("harts: %lu\n", n);
	pt_pool_init(pool, sizeof(pool));
	space = pt_new_space(3, 0);

	test_boot_state();
	test_invalid();
	test_cycles();
	test_all_at_once();
	test_chain();
	test_race();
	test_suspend_ret(0);
	test_suspend_ret(1);
	test_boot_suspend();
	test_suspend_pending();
	test_suspend_nonret();
	test_ipi_stopped();
	print_states("-- status by index at the end");
	test_end();
}
