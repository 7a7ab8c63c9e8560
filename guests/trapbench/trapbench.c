/*
 * trapbench - the cost of the operations a guest kernel does most, for
 * `make bench`: each is repeated N times and measured with instret
 * (instructions retired, on every privilege level: the guest's, Umbra's
 * and OpenSBI's) and the time CSR.  Natively a CSR access is one
 * instruction; under Umbra it is a trap round trip.
 *
 * Output lines: "BENCH <name> <instructions per op> <time ticks per 1000 ops>".
 */
#include "../lib/guest.h"

#define N 2000

static inline unsigned long rdinstret(void)
{
	unsigned long v;
	asm volatile("rdinstret %0" : "=r"(v));
	return v;
}

/* Each body is one operation; the loop around it is measured separately
 * (the "loop" row) and subtracted. */
#define BENCH(name, body) do {						\
	unsigned long i0 = rdinstret(), t0 = rdtime();			\
	for (int i = 0; i < N; i++) {					\
		body;							\
		asm volatile("" ::: "memory");				\
	}								\
	unsigned long di = rdinstret() - i0, dt = rdtime() - t0;	\
	report(name, di, dt);						\
} while (0)

static unsigned long loop_instr, loop_time;

static void report(const char *name, unsigned long di, unsigned long dt)
{
	if (!loop_instr && !loop_time) {
		loop_instr = di;
		loop_time = dt;
	}
	di -= di > loop_instr ? loop_instr : di;
	dt -= dt > loop_time ? loop_time : dt;
	cprintf("BENCH %-22s %8lu %10lu\n", name, di / N, dt * 1000 / N);
}

static unsigned long user_nop(unsigned long x)
{
	return x;
}

int main(void)
{
	struct trap_record rec;

	cprintf("trapbench: %d iterations per operation\n", N);
	BENCH("loop", (void)0);
	BENCH("csrr_sstatus", (void)csr_read(CSR_SSTATUS));
	BENCH("csrs_csrc_sstatus_sie", ({ csr_set(CSR_SSTATUS, SSTATUS_SIE);
					  csr_clear(CSR_SSTATUS, SSTATUS_SIE); }));
	BENCH("csrw_sscratch", csr_write(CSR_SSCRATCH, i));
	BENCH("sbi_get_spec_version", (void)sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION));
	BENCH("sbi_set_timer", (void)sbi_set_timer(~0UL));
	BENCH("user_roundtrip", (void)run_user(user_nop, 1, &rec));
	sbi_shutdown(0);
}
