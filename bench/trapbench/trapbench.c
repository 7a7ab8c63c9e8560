/*
 * trapbench - the cost of the operations a guest kernel does most, for
 * `make bench`: each is repeated N times and measured (see bench.h).
 * Natively a CSR access is one instruction; under Umbra it is a trap round
 * trip through the firmware (illegal instructions are not delegated to
 * S-mode by OpenSBI) and Umbra.  The paged_* rows repeat the CSR accesses
 * with paging on, where Umbra's shadow backend patches a hot site to
 * c.ebreak (a breakpoint goes to Umbra directly); with satp Bare it does not.
 */
#include "../../guests/lib/bench.h"
#include "../../guests/lib/pt.h"

#define N 2000

/* Each body is one operation; the loop around it is measured by the
 * "loop" row and subtracted from the others. */
static struct bench_mark loop_cost;

#define BENCH(name, body) do {						\
	struct bench_mark m = bench_start();				\
	for (int i = 0; i < N; i++) {					\
		body;							\
		asm volatile("" ::: "memory");				\
	}								\
	bench_report(name, m, N, &loop_cost);				\
} while (0)

static char pool[8 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static unsigned long user_nop(unsigned long x)
{
	return x;
}

int main(void)
{
	struct trap_record rec;

	cprintf("trapbench: %d iterations per operation\n", N);
	struct bench_mark m = bench_start();
	for (int i = 0; i < N; i++)
		asm volatile("" ::: "memory");
	loop_cost = (struct bench_mark){ rdinstret() - m.instret, rdtime() - m.time };

	BENCH("csrr_sstatus", (void)csr_read(CSR_SSTATUS));
	BENCH("csrs_csrc_sstatus_sie", ({ csr_set(CSR_SSTATUS, SSTATUS_SIE);
					  csr_clear(CSR_SSTATUS, SSTATUS_SIE); }));
	BENCH("csrw_sscratch", csr_write(CSR_SSCRATCH, i));
	BENCH("sbi_get_spec_version", (void)sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION));
	BENCH("sbi_set_timer", (void)sbi_set_timer(~0UL));
	BENCH("user_roundtrip", (void)run_user(user_nop, 1, &rec));

	/* The same CSR accesses with paging on (RAM identity-mapped). */
	pt_pool_init(pool, sizeof(pool));
	pt_install_trap_entry();
	pt_switch(pt_satp(SATP_MODE_SV39, 0, pt_new_space(pt_levels(SATP_MODE_SV39), 0)));
	BENCH("paged_csrr_sstatus", (void)csr_read(CSR_SSTATUS));
	BENCH("paged_csrs_csrc_sstatus_sie", ({ csr_set(CSR_SSTATUS, SSTATUS_SIE);
						csr_clear(CSR_SSTATUS, SSTATUS_SIE); }));
	BENCH("paged_csrw_sscratch", csr_write(CSR_SSCRATCH, i));
	sbi_shutdown(0);
}
