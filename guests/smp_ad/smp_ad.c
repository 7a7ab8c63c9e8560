/*
 * smp_ad - several harts at once: AMO counters on shared memory, and
 * hardware A/D updates of PTEs that several harts go through together.
 *
 * Counters: every hart adds to shared counters in a loop (amoadd.d,
 * amoadd.w, an lr.d/sc.d loop, amoor.d of its own bit, amomax.d), first
 * with paging off, then through pages whose PTEs start with A = D = 0;
 * the totals must be exact.
 *
 * A/D: all harts share one Sv39 address space.  A set of 4 KiB pages
 * (and a 2 MiB leaf) start with A = 0 and D = 0 (a few with A preset);
 * all harts then load, store, AMO, LR/SC and fetch through them at the
 * same time, each page with its own pattern of who does what, while
 * index 0 also sets a software (RSW) bit in every one of those PTEs with
 * amoor.d.  Afterwards every PTE must be exactly as the spec says: A set
 * iff some access went through it, D set iff some store did, the RSW bit
 * kept (A/D updates are atomic with the other harts' PTE writes).  This
 * is done ROUNDS times, the PTEs reset (and every hart's TLB flushed) in
 * between.
 *
 * Harts are named by index (0 = the boot hart, then the others in hartid
 * order); only index 0 prints, after a barrier.
 */
#include "../lib/pt.h"

#define VA       0x40000000UL	/* 4 KiB pages, page p at VA + p * 4 KiB */
#define VA_2M    0x40200000UL	/* the 2 MiB leaf */
#define ROUNDS   4
#define ITERS    1000		/* AMO / LR-SC iterations per hart */
#define PTE_RSW0 (1UL << 8)
#define INSN_LI7 0x00700513U	/* addi a0, zero, 7 */
#define INSN_RET 0x00008067U	/* ret */

static unsigned long n;
static struct smp_barrier bar;
static char pool[8 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static unsigned long *root;

/*
 * The pages.  Who: which indices touch the page how -- ops by index k:
 * 'l' load, 's' store (own word), 'a' AMOs, 'q' LR/SC loop, 'f' fetch.
 */
enum { P_NONE, P_LOAD, P_STORE, P_EVEN_ODD, P_LOAD_LAST, P_AMO, P_LRSC, P_FETCH,
       P_A_LOAD, P_A_STORE, P_RO, P_ZERO_ONLY, NPAGES };
static const struct page {
	const char *what;
	unsigned long flags;	/* initial, V added */
	unsigned long want;	/* A/D afterwards */
} pages[NPAGES] = {
	[P_NONE]      = { "rw- A=0 D=0: touched by nobody", PTE_R | PTE_W, 0 },
	[P_LOAD]      = { "rw- A=0 D=0: loads by all", PTE_R | PTE_W, PTE_A },
	[P_STORE]     = { "rw- A=0 D=0: stores by all", PTE_R | PTE_W, PTE_A | PTE_D },
	[P_EVEN_ODD]  = { "rw- A=0 D=0: even indices load, odd store", PTE_R | PTE_W,
			  PTE_A | PTE_D },
	[P_LOAD_LAST] = { "rw- A=0 D=0: loads by all, a store by the last",
			  PTE_R | PTE_W, PTE_A | PTE_D },
	[P_AMO]       = { "rw- A=0 D=0: AMOs by all", PTE_R | PTE_W, PTE_A | PTE_D },
	[P_LRSC]      = { "rw- A=0 D=0: LR/SC loops by all", PTE_R | PTE_W, PTE_A | PTE_D },
	[P_FETCH]     = { "r-x A=0: fetches by all", PTE_R | PTE_X, PTE_A },
	[P_A_LOAD]    = { "rw- A=1 D=0: loads by all", PTE_R | PTE_W | PTE_A, PTE_A },
	[P_A_STORE]   = { "rw- A=1 D=0: stores by all", PTE_R | PTE_W | PTE_A,
			  PTE_A | PTE_D },
	[P_RO]        = { "r-- A=0: loads by all", PTE_R, PTE_A },
	[P_ZERO_ONLY] = { "rw- A=0 D=0: loads by index 0 only", PTE_R | PTE_W, PTE_A },
};
#define SUPER_WHAT "2 MiB rw- A=0 D=0: loads by all, stores by odd"

static unsigned char frames[NPAGES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static unsigned char big[PT_2M] __attribute__((aligned(PT_2M)));
static unsigned long *slot[NPAGES], *super_slot;

/* Counters: in the image (paging off), then in P_AMO / P_LRSC (paging on). */
struct counters {
	unsigned long add;	/* amoadd.d 1 */
	unsigned long or;	/* amoor.d 1 << index */
	unsigned long max;	/* amomax.d index * ITERS + i */
	unsigned int add32;	/* amoadd.w 3 */
	unsigned int pad;
};
static struct counters plain_ctr;
static unsigned long plain_lrsc;

static volatile unsigned long started[SMP_MAX_HARTS];
static volatile unsigned long fetched[SMP_MAX_HARTS];

static unsigned long me(void)
{
	return smp_index(smp_hartid());
}

static const char *yes(int c)
{
	return c ? "yes" : "no";
}

static void sync(void)
{
	if (!smp_barrier_wait(&bar, n, deadline_ms(SMP_WAIT_MS))) {
		cprintf("barrier timed out on hart index %lu\n", me());
		__atomic_fetch_add(&test_failures, 1, __ATOMIC_SEQ_CST);
		test_end();
	}
}

static void lrsc_inc(volatile unsigned long *p)
{
	unsigned long v, fail;

	asm volatile("1: lr.d %0, (%2)\n"
		     "addi %0, %0, 1\n"
		     "sc.d %1, %0, (%2)\n"
		     "bnez %1, 1b\n"
		     : "=&r"(v), "=&r"(fail) : "r"(p) : "memory");
}

static void count(unsigned long k, struct counters *c, volatile unsigned long *lrsc)
{
	for (unsigned long i = 0; i < ITERS; i++) {
		__atomic_fetch_add(&c->add, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&c->add32, 3, __ATOMIC_RELAXED);
		__atomic_fetch_or(&c->or, 1UL << k, __ATOMIC_RELAXED);
		/* amomax.d */
		unsigned long v = k * ITERS + i;
		asm volatile("amomax.d zero, %1, (%0)" :: "r"(&c->max), "r"(v) : "memory");
		lrsc_inc(lrsc);
	}
}

static int counters_ok(const struct counters *c, unsigned long lrsc, const char *where)
{
	int ok = c->add == n * ITERS && c->add32 == 3 * n * ITERS &&
		 c->or == (1UL << n) - 1 && c->max == (n - 1) * ITERS + ITERS - 1 &&
		 lrsc == n * ITERS;

	cprintf("%s: amoadd.d %lu, amoadd.w %u, amoor.d 0x%lx, amomax.d %lu, lr/sc %lu\n",
		where, c->add, c->add32, c->or, c->max, lrsc);
	return ok;
}

/* ---- Paging off ------------------------------------------------------------------ */
static void test_plain(unsigned long k)
{
	if (k == 0)
		cprintf("-- paging off: every hart %d times: amoadd.d 1, amoadd.w 3, "
			"amoor.d its bit, amomax.d, lr.d/sc.d +1\n", ITERS);
	sync();
	count(k, &plain_ctr, &plain_lrsc);
	sync();
	if (k == 0)
		check(counters_ok(&plain_ctr, plain_lrsc, "totals"), "paging off: totals exact");
	sync();
}

/* ---- Paging on: A/D ------------------------------------------------------------------ */
static unsigned long page_va(int p)
{
	return VA + (unsigned long)p * PAGE_SIZE;
}

static void reset_ptes(void)
{
	for (int p = 0; p < NPAGES; p++)
		*slot[p] = pt_pte((unsigned long)frames[p], PTE_V | pages[p].flags);
	*super_slot = pt_pte((unsigned long)big, PTE_V | PTE_R | PTE_W);
	for (int p = 0; p < NPAGES; p++)
		if (p != P_FETCH)
			for (unsigned long i = 0; i < PAGE_SIZE; i++)
				frames[p][i] = 0;
	for (unsigned long k = 0; k < SMP_MAX_HARTS; k++) {
		*(unsigned long *)(big + (2 * k + 1) * PAGE_SIZE) = 0;
		fetched[k] = 0;
	}
	asm volatile("fence rw, rw" ::: "memory");
}

static void set_rsw(void)
{
	for (int p = 0; p < NPAGES; p++)
		__atomic_fetch_or(slot[p], PTE_RSW0, __ATOMIC_SEQ_CST);
	__atomic_fetch_or(super_slot, PTE_RSW0, __ATOMIC_SEQ_CST);
}

static void load(int p, unsigned long k)
{
	(void)*(volatile unsigned long *)(page_va(p) + 8 * k);
}

static void store(int p, unsigned long k)
{
	*(volatile unsigned long *)(page_va(p) + 8 * k) = k + 1;
}

/* One hart's accesses; index 0 sets the RSW bits halfway through. */
static void touch(unsigned long k)
{
	struct counters *c = (struct counters *)page_va(P_AMO);
	volatile unsigned long *lrsc = (volatile unsigned long *)page_va(P_LRSC);

	/* Start at a different page on each hart. */
	for (int i = 0; i < NPAGES; i++) {
		int p = (int)((i + k) % NPAGES);

		switch (p) {
		case P_LOAD: case P_A_LOAD: case P_RO:
			load(p, k);
			break;
		case P_STORE: case P_A_STORE:
			store(p, k);
			break;
		case P_EVEN_ODD:
			if (k & 1)
				store(p, k);
			else
				load(p, k);
			break;
		case P_LOAD_LAST:
			load(p, k);
			if (k == n - 1)
				store(p, k);
			break;
		case P_FETCH:
			fetched[k] = ((unsigned long (*)(void))page_va(P_FETCH))();
			break;
		case P_ZERO_ONLY:
			if (k == 0)
				load(p, k);
			break;
		default:
			break;
		}
		if (k == 0 && i == NPAGES / 2)
			set_rsw();
	}
	(void)*(volatile unsigned long *)(VA_2M + 2 * k * PAGE_SIZE);
	if (k & 1)
		*(volatile unsigned long *)(VA_2M + (2 * k + 1) * PAGE_SIZE) = k;
	count(k, c, lrsc);
}

static int show_pte(const char *what, unsigned long pte, unsigned long flags,
		    unsigned long want, int print)
{
	unsigned long expect = PTE_V | flags | want | PTE_RSW0;
	unsigned long mask = 0x3ff;		/* the flag and RSW bits */
	int ok = (pte & mask) == expect && pt_pte_pa(pte) != 0;

	if (print)
		cprintf("%-48s %s rsw=%lu%s\n", what, pt_flags_str(pte), (pte >> 8) & 3,
			ok ? "" : " (wrong)");
	return ok;
}

/* Check everything after a round; print it all if `print`.  Returns 1 if all ok. */
static int verify(int print)
{
	struct counters *c = (struct counters *)frames[P_AMO];
	unsigned long lrsc = *(unsigned long *)frames[P_LRSC];
	int ok = 1, data = 1, fetch = 1;

	for (int p = 0; p < NPAGES; p++)
		ok &= show_pte(pages[p].what, *slot[p], pages[p].flags, pages[p].want, print);
	ok &= show_pte(SUPER_WHAT, *super_slot, PTE_R | PTE_W, PTE_A | PTE_D, print);

	/* What the stores left. */
	for (unsigned long k = 0; k < n; k++) {
		unsigned long *st = (unsigned long *)frames[P_STORE];
		unsigned long *as = (unsigned long *)frames[P_A_STORE];
		unsigned long *eo = (unsigned long *)frames[P_EVEN_ODD];
		unsigned long *sp = (unsigned long *)(big + (2 * k + 1) * PAGE_SIZE);

		data &= st[k] == k + 1 && as[k] == k + 1 && eo[k] == ((k & 1) ? k + 1 : 0) &&
			*sp == ((k & 1) ? k : 0);
		fetch &= fetched[k] == 7;
	}
	data &= ((unsigned long *)frames[P_LOAD_LAST])[n - 1] == n;
	if (print) {
		cprintf("stores landed: %s, every hart's fetch returned 7: %s\n", yes(data),
			yes(fetch));
		ok &= counters_ok(c, lrsc, "totals through the A=0 D=0 pages");
	} else {
		ok &= c->add == n * ITERS && c->add32 == 3 * n * ITERS &&
		      c->or == (1UL << n) - 1 && c->max == (n - 1) * ITERS + ITERS - 1 &&
		      lrsc == n * ITERS;
	}
	return ok && data && fetch;
}

static void test_ad(unsigned long k)
{
	if (k == 0)
		cprintf("-- paging on: every hart at once through pages with A=0/D=0; index 0 "
			"also sets RSW bit 8 in each PTE with amoor.d\n");
	for (int r = 1; r <= ROUNDS; r++) {
		if (k == 0)
			reset_ptes();
		sync();
		/* Forget the old translations, A/D as they were cached. */
		pt_sfence_all();
		asm volatile("fence.i" ::: "memory");
		sync();
		touch(k);
		sync();
		if (k == 0) {
			if (r == 1) {
				cprintf("round 1, PTEs afterwards (flags VRWXUGAD):\n");
				check(verify(1), "round 1: every PTE, store and total as required");
			} else {
				int ok = verify(0);

				cprintf("round %d: everything as in round 1: %s\n", r, yes(ok));
				check(ok, "round %d: every PTE, store and total as required", r);
			}
		}
		sync();
	}
}

/* ---- What every hart runs ------------------------------------------------------------- */
static void run(unsigned long k)
{
	test_plain(k);
	pt_switch(pt_satp(SATP_MODE_SV39, 0, root));
	test_ad(k);
	pt_switch(0);
}

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

	test_begin("smp_ad");
	n = smp_init();
	cprintf("harts: %lu\n", n);
	pt_pool_init(pool, sizeof(pool));
	root = pt_new_space(3, 0);
	for (int p = 0; p < NPAGES; p++)
		slot[p] = pt_slot(root, 3, page_va(p), 0);
	super_slot = pt_slot(root, 3, VA_2M, 1);
	((unsigned int *)frames[P_FETCH])[0] = INSN_LI7;
	((unsigned int *)frames[P_FETCH])[1] = INSN_RET;
	asm volatile("fence.i" ::: "memory");

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
