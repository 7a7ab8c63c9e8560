/*
 * pagebench - what paging costs a guest, for `make bench`: natively the
 * MMU walks the guest's tables; under Umbra a first touch of a page is a
 * shadow fill (a trap, a walk of the guest's tables, A/D updates) and a
 * remap costs the trapped sfence.vma and a refill.
 *
 *   touch_first    store to each of N pages just mapped (A/D clear): cold
 *   touch_again    the same stores again: translations are cached
 *   remap_sfence   point a page at another frame, sfence.vma it, touch it
 *   switch_as      switch satp between two address spaces with their own
 *                  ASIDs (no fence needed) and touch a page in each
 *   sfence_all     sfence.vma x0, x0 and touch a page (refill)
 */
#include "../../guests/lib/bench.h"
#include "../../guests/lib/pt.h"

#define NPAGES   256
#define NSWITCH  512
#define REGION   0x40000000UL	/* VA of the benchmark pages */

static char pool[64 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static char frames[2 * NPAGES * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

#define DATA (PTE_V | PTE_R | PTE_W)	/* A and D clear: the first store sets them */

static void touch_all(void)
{
	for (unsigned long i = 0; i < NPAGES; i++)
		*(volatile unsigned long *)(REGION + i * PAGE_SIZE) = i;
}

int main(void)
{
	int levels = pt_levels(SATP_MODE_SV39);
	unsigned long *a, *b;
	struct bench_mark m;

	pt_pool_init(pool, sizeof(pool));
	cprintf("pagebench: %d pages, %d address-space switches\n", NPAGES, NSWITCH);

	/* Two address spaces: RAM identity-mapped, plus the region. */
	a = pt_new_space(levels, 0);
	b = pt_new_space(levels, 0);
	pt_map_range(a, levels, REGION, (unsigned long)frames, NPAGES * PAGE_SIZE, DATA);
	pt_map_range(b, levels, REGION, (unsigned long)frames + NPAGES * PAGE_SIZE,
		     NPAGES * PAGE_SIZE, DATA);
	pt_switch(pt_satp(SATP_MODE_SV39, 1, a));
	pt_sfence_all();

	m = bench_start();
	touch_all();
	bench_report("touch_first", m, NPAGES, NULL);

	m = bench_start();
	touch_all();
	bench_report("touch_again", m, NPAGES, NULL);

	m = bench_start();
	for (unsigned long i = 0; i < NPAGES; i++) {
		unsigned long va = REGION + i * PAGE_SIZE;
		pt_map(a, levels, va, (unsigned long)frames + (NPAGES + i) * PAGE_SIZE, 0,
		       DATA | PTE_A | PTE_D);
		pt_sfence_va(va);
		*(volatile unsigned long *)va = i;
	}
	bench_report("remap_sfence", m, NPAGES, NULL);

	/* Warm both address spaces, then switch back and forth. */
	pt_switch(pt_satp(SATP_MODE_SV39, 2, b));
	touch_all();
	m = bench_start();
	for (unsigned long i = 0; i < NSWITCH; i++) {
		csr_write(CSR_SATP, pt_satp(SATP_MODE_SV39, 1 + (i & 1), (i & 1) ? b : a));
		*(volatile unsigned long *)(REGION + (i % NPAGES) * PAGE_SIZE) = i;
	}
	bench_report("switch_as", m, NSWITCH, NULL);

	m = bench_start();
	for (unsigned long i = 0; i < NSWITCH; i++) {
		pt_sfence_all();
		*(volatile unsigned long *)(REGION + (i % NPAGES) * PAGE_SIZE) = i;
	}
	bench_report("sfence_all", m, NSWITCH, NULL);

	pt_switch(0);
	sbi_shutdown(0);
}
