/*
 * smp_fence - remote fences that must take effect on the other harts: SBI
 * RFENCE remote_fence_i, remote_sfence_vma and remote_sfence_vma_asid
 * (and their legacy forms), run with 2 or more harts.
 *
 * remote_fence_i: index 0 (the boot hart) writes a small function into a
 * buffer, fences the other harts, and every hart calls it: each must run
 * the new code, also after it ran the old one there.
 *
 * remote_sfence_vma: all harts share one Sv39 address space.  Every hart
 * reads pages through a virtual range (so its TLB holds the translation);
 * index 0 points the PTEs at other frames and fences the other harts the
 * way the case says (one page, a range, everything; by ASID; base = -1
 * including itself; the legacy calls); then every hart must read the new
 * frames.  Reads before the change and after the fence are printed, never
 * reads in between (stale or not is up to the TLB).
 *
 * Harts are named by index (0 = the boot hart, then the others in hartid
 * order); only index 0 prints, after a barrier.
 */
#include "../lib/pt.h"

#define VA       0x40000000UL	/* the remapped range: up to NPAGES pages */
#define NPAGES   4
#define ASID     7
#define INSN_RET 0x00008067U	/* ret */

static unsigned long n;
static struct smp_barrier bar;
static char pool[8 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
/* Frames: old[p] and new[p] back page p before and after the remap. */
static unsigned long frames[2][NPAGES][PAGE_SIZE / 8] __attribute__((aligned(PAGE_SIZE)));
static unsigned int code[PAGE_SIZE / 4] __attribute__((aligned(PAGE_SIZE)));
static unsigned long *root;

static volatile unsigned long seen[SMP_MAX_HARTS];	/* per index, see read_pages() */
static volatile long fence_error;

static unsigned long me(void)
{
	return smp_index(smp_hartid());
}

static void sync(void)
{
	if (!smp_barrier_wait(&bar, n, deadline_ms(SMP_WAIT_MS))) {
		cprintf("barrier timed out on hart index %lu\n", me());
		__atomic_fetch_add(&test_failures, 1, __ATOMIC_SEQ_CST);
		test_end();
	}
}

/* What page p's frame holds in its first word: which frame it is. */
static unsigned long tag(int new, unsigned long p)
{
	return (new ? 0x2000UL : 0x1000UL) + p;
}

static unsigned long others_mask(void)
{
	unsigned long m = 0;

	for (unsigned long k = 1; k < n; k++)
		m |= 1UL << smp_hart[k];
	return m;
}

/* ---- remote_fence_i --------------------------------------------------------------- */
static unsigned long run_code(void)
{
	return ((unsigned long (*)(void))code)();
}

static void write_code(long value)
{
	/* addi a0, zero, value; ret */
	code[0] = (unsigned int)(value & 0xfff) << 20 | 10 << 7 | 0x13;
	code[1] = INSN_RET;
}

static void fence_i_round(unsigned long k, const char *what, long value, int all)
{
	if (k == 0) {
		write_code(value);
		if (all) {
			fence_error = sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I, 0, ~0UL).error;
		} else {
			asm volatile("fence.i" ::: "memory");
			fence_error = sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I,
					       others_mask(), 0).error;
		}
	}
	sync();
	seen[k] = run_code();
	sync();
	if (k == 0) {
		int ok = fence_error == SBI_SUCCESS;

		cprintf("%-48s error=%ld (%s), returned by index:", what, fence_error,
			sbi_err_name(fence_error));
		for (unsigned long i = 0; i < n; i++) {
			cprintf(" %ld", (long)seen[i]);
			ok &= (long)seen[i] == value;
		}
		cprintf("\n");
		check(ok, "%s: every hart ran the new code", what);
	}
	sync();
}

static void test_fence_i(unsigned long k)
{
	if (k == 0)
		cprintf("-- remote_fence_i: index 0 rewrites a function every hart then calls\n");
	fence_i_round(k, "li a0, 11 (first time), fence.i + others", 11, 0);
	fence_i_round(k, "li a0, 22, fence.i + others", 22, 0);
	fence_i_round(k, "li a0, 33, base=-1 (all harts)", 33, 1);
	fence_i_round(k, "li a0, 44, fence.i + others", 44, 0);
}

/* ---- remote_sfence_vma -------------------------------------------------------------- */
struct vma_case {
	const char *what;
	unsigned long first, pages;	/* the pages index 0 remaps */
	int how;			/* FENCE_* */
	int asid;			/* satp.ASID = ASID and the _asid call */
	int all;			/* base = -1: index 0 fenced by the call too */
	int from_zero;			/* start_addr 0, else the first remapped page */
	unsigned long size;		/* the call's size (~0: everything) */
};
enum { FENCE_SBI, FENCE_LEGACY };

#define P PAGE_SIZE
static const struct vma_case cases[] = {
	{ "sfence_vma(others, 1 page)",           0, 1, FENCE_SBI, 0, 0, 0, P },
	{ "sfence_vma(others, 4 pages)",          0, 4, FENCE_SBI, 0, 0, 0, 4 * P },
	{ "sfence_vma(others, 3rd page, 1 page)", 2, 1, FENCE_SBI, 0, 0, 0, P },
	{ "sfence_vma(others, 2nd page, 2 bytes)", 1, 1, FENCE_SBI, 0, 0, 0, 2 },
	{ "sfence_vma(others, start 0, size -1)", 0, 4, FENCE_SBI, 0, 0, 1, ~0UL },
	{ "sfence_vma(others, start 0, size 0)",  0, 4, FENCE_SBI, 0, 0, 1, 0 },
	{ "sfence_vma(base=-1, 4 pages)",         0, 4, FENCE_SBI, 0, 1, 0, 4 * P },
	{ "sfence_vma_asid(others, 1 page, 7)",   0, 1, FENCE_SBI, 1, 0, 0, P },
	{ "sfence_vma_asid(others, size -1, 7)",  0, 4, FENCE_SBI, 1, 0, 1, ~0UL },
	{ "sfence_vma_asid(base=-1, 4 pages, 7)", 0, 4, FENCE_SBI, 1, 1, 0, 4 * P },
	{ "legacy remote_sfence_vma(others, 4 pages)", 0, 4, FENCE_LEGACY, 0, 0, 0, 4 * P },
	{ "legacy remote_sfence_vma_asid(others, 4 pages, 7)", 0, 4, FENCE_LEGACY, 1, 0, 0,
	  4 * P },
};
#undef P

/* Point the NPAGES pages at the old or new frames (A and D preset). */
static void map_pages(unsigned long first, unsigned long count, int new)
{
	for (unsigned long p = first; p < first + count; p++)
		pt_map(root, 3, VA + p * PAGE_SIZE, (unsigned long)frames[new][p], 0,
		       PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
	asm volatile("fence rw, rw" ::: "memory");
}

/* Which frame each page reads as, a bit per page: 1 = new.  ~0 if neither. */
static unsigned long read_pages(void)
{
	unsigned long bits = 0;

	for (unsigned long p = 0; p < NPAGES; p++) {
		unsigned long v = *(volatile unsigned long *)(VA + p * PAGE_SIZE);

		if (v == tag(1, p))
			bits |= 1UL << p;
		else if (v != tag(0, p))
			return ~0UL;
	}
	return bits;
}

static void print_seen(const char *label)
{
	cprintf("  %s, pages read as new by index:", label);
	for (unsigned long i = 0; i < n; i++) {
		if (seen[i] == ~0UL)
			cprintf(" ?");
		else
			cprintf(" %lx", seen[i]);
	}
	cprintf("\n");
}

static void vma_case(unsigned long k, const struct vma_case *c)
{
	static volatile unsigned long legacy_mask;
	unsigned long want = ((1UL << c->pages) - 1) << c->first;
	unsigned long start = c->from_zero ? 0 : VA + c->first * PAGE_SIZE;
	unsigned long asid = c->asid ? ASID : 0;

	if (k == 0)
		map_pages(0, NPAGES, 0);
	sync();
	pt_switch(pt_satp(SATP_MODE_SV39, asid, root));
	seen[k] = read_pages();
	sync();
	if (k == 0) {
		int ok = 1;

		cprintf("%s\n", c->what);
		for (unsigned long i = 0; i < n; i++)
			ok &= seen[i] == 0;
		print_seen("before");
		check(ok, "%s: every hart reads the old pages", c->what);
	}
	sync();
	if (k == 0) {
		unsigned long size = c->size;
		unsigned long mask = c->all ? 0 : others_mask(), base = c->all ? ~0UL : 0;
		struct sbiret r;

		map_pages(c->first, c->pages, 1);
		if (c->how == FENCE_LEGACY) {
			legacy_mask = others_mask();
			r = sbi_call(c->asid ? SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID
					     : SBI_EXT_LEGACY_REMOTE_SFENCE_VMA, 0,
				     (unsigned long)&legacy_mask, start, size, asid);
		} else {
			r = sbi_call(SBI_EXT_RFENCE, c->asid ? SBI_RFENCE_SFENCE_VMA_ASID
							     : SBI_RFENCE_SFENCE_VMA,
				     mask, base, start, size, asid);
		}
		fence_error = r.error;
		if (!c->all)
			pt_sfence_all();
	}
	sync();
	seen[k] = read_pages();
	sync();
	if (k == 0) {
		int ok = fence_error == SBI_SUCCESS;

		for (unsigned long i = 0; i < n; i++)
			ok &= seen[i] == want;
		cprintf("  fence: error=%ld (%s)\n", fence_error, sbi_err_name(fence_error));
		print_seen("after");
		check(ok, "%s: every hart reads the new pages", c->what);
	}
	sync();
	pt_switch(0);
	sync();
}

static void test_sfence_vma(unsigned long k)
{
	if (k == 0)
		cprintf("-- remote_sfence_vma: index 0 remaps pages every hart has read "
			"(bit p = page p reads the new frame)\n");
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		vma_case(k, &cases[i]);
}

/* ---- Invalid hart masks ----------------------------------------------------------------- */
static void test_masks(void)
{
	static const struct { unsigned long fid; const char *name; } fids[] = {
		{ SBI_RFENCE_FENCE_I, "remote_fence_i" },
		{ SBI_RFENCE_SFENCE_VMA, "remote_sfence_vma" },
		{ SBI_RFENCE_SFENCE_VMA_ASID, "remote_sfence_vma_asid" },
	};

	cprintf("-- hart masks (harts are hartids 0..%lu)\n", n - 1);
	for (unsigned i = 0; i < 3; i++) {
		static const char *forms[] = { "base=nharts mask=1", "base=1000 mask=1",
					       "base=0 mask=1<<nharts (no such hart)",
					       "base=0 mask=0", "base=-1 mask=0" };
		unsigned long masks[] = { 1, 1, 1UL << n, 0, 0 };
		unsigned long bases[] = { n, 1000, 0, 0, ~0UL };

		for (unsigned f = 0; f < 5; f++) {
			long e = sbi_call(SBI_EXT_RFENCE, fids[i].fid, masks[f], bases[f],
					  0, ~0UL, 0).error;

			cprintf("%-22s %-38s error=%ld (%s)\n", fids[i].name, forms[f], e,
				sbi_err_name(e));
			if (f < 2)
				check(e == SBI_ERR_INVALID_PARAM, "%s %s: INVALID_PARAM",
				      fids[i].name, forms[f]);
			else if (f == 2)	/* spec: INVALID_PARAM; OpenSBI 1.5.1 ignores the bit */
				check(e == SBI_ERR_INVALID_PARAM || e == SBI_SUCCESS,
				      "%s %s: INVALID_PARAM or SUCCESS", fids[i].name, forms[f]);
			else
				check(e == SBI_SUCCESS, "%s %s: SUCCESS", fids[i].name, forms[f]);
		}
	}
}

/* ---- What every hart runs ------------------------------------------------------------------ */
static void run(unsigned long k)
{
	test_fence_i(k);
	test_sfence_vma(k);
}

static volatile unsigned long started[SMP_MAX_HARTS];

static void secondary(unsigned long hartid, unsigned long opaque)
{
	unsigned long k = smp_index(hartid);

	(void)opaque;
	started[k] = 1;
	run(k);
}

int main(void)
{
	int ok = 1;

	test_begin("smp_fence");
	n = smp_init();
	cprintf("harts: %lu\n", n);
	for (int f = 0; f < 2; f++)
		for (unsigned long p = 0; p < NPAGES; p++)
			frames[f][p][0] = tag(f, p);
	pt_pool_init(pool, sizeof(pool));
	root = pt_new_space(3, 0);
	test_masks();

	for (unsigned long k = 1; k < n; k++)
		ok &= smp_start(smp_hart[k], secondary, k).error == SBI_SUCCESS;
	for (unsigned long k = 1; k < n; k++)
		ok &= smp_wait_eq(&started[k], 1, deadline_ms(SMP_WAIT_MS));
	check(ok, "every other hart started");
	run(0);
	for (unsigned long k = 1; k < n; k++) {
		unsigned long end = deadline_ms(SMP_WAIT_MS);

		while (smp_hart_status(smp_hart[k]) != SBI_HSM_STATE_STOPPED && rdtime() < end)
			;
	}
	test_end();
}
