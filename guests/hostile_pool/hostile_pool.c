/*
 * hostile_pool - many large address spaces, to exhaust whatever a
 * hypervisor keeps per address space (Umbra: 16 cached shadows, a quota of
 * shadow table pages per VM, the host's page pool) and to catch a stale or
 * wrong translation when it recycles what it had.
 *
 * Every address space k (40 of them, Sv39 and Sv48 alternating, ASID k+1)
 * maps thousands of 2 MiB regions through tables it shares with itself:
 * all its root slots point at one table of the next level, and so on down
 * to one level-0 table, whose entry j maps data page (k*7 + j + shift) % 64.
 * So the translation of any address is known, while a shadow needs a
 * table page per region touched.  Every load is checked against that.
 *
 *  1. rounds over all address spaces, switching satp without fences (each
 *     has its own ASID), touching random pages of random regions from S,
 *     from S with SUM on U pages, and from U; then twelve spaces, Sv39 and
 *     Sv48 in turn, each touching 1536 new regions, interleaved (more
 *     level-0 tables than Umbra's quota of shadow pages and its pool);
 *  2. every address space remapped (its level-0 table rewritten) and
 *     fenced by ASID while it is not running, then checked;
 *  3. root pages reused for other address spaces (and the other format)
 *     under the same ASID, after sfence.vma x0, asid: only the new
 *     translation may be seen;
 *  4. Sv39 <-> Sv48 ping-pong, one new region each time;
 *  5. the guest still works: Bare mode, its own memory intact.
 *
 * Nothing printed depends on timing or on what the hypervisor caches.
 */
#include <stdio.h>
#include "../lib/pt.h"

#define NAS      40		/* address spaces */
#define NDATA    64		/* data pages */
#define REGIONS  4096		/* 2 MiB regions per address space */
#define SV39_SLOT0 16		/* Sv39: root slots 16.. (below: the runtime's) */

static char pool[(NAS * 20 + 64) * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static unsigned long data[NDATA][PAGE_SIZE / 8] __attribute__((aligned(PAGE_SIZE)));

struct space {
	unsigned long mode, asid, satp;
	unsigned long *root, *l0;
	int levels, shift, user;	/* user: data pages are U pages */
};
static struct space as[NAS];

static uint64_t rng = 0x243f6a8885a308d3UL;	/* rand_next()'s state (guest.h) */

static unsigned long data_word(unsigned d, unsigned long off)
{
	return (unsigned long)d << 32 | off;
}

static unsigned data_page(const struct space *s, unsigned j)
{
	return (unsigned)(((unsigned long)(s - as) * 7 + j + s->shift) % NDATA);
}

/* The virtual address of page j of region r in s. */
static unsigned long region_va(const struct space *s, unsigned r, unsigned j)
{
	if (s->levels == 3)
		return (unsigned long)(SV39_SLOT0 + r / 512) << 30 | (unsigned long)(r % 512) << 21 |
		       (unsigned long)j << 12;
	/* Sv48: root slots 1.. (slot 0 holds RAM and the U area). */
	return (unsigned long)(1 + r / (512 * 512)) << 39 | (unsigned long)(r / 512 % 512) << 30 |
	       (unsigned long)(r % 512) << 21 | (unsigned long)j << 12;
}

static void fill_l0(struct space *s)
{
	unsigned long flags = PT_KRWX | (s->user ? PTE_U : 0);
	for (unsigned j = 0; j < 512; j++)
		s->l0[j] = pt_pte((unsigned long)data[data_page(s, j)], flags);
}

/* Build s over its root page: RAM, the U area, and the shared chain. */
static void build(struct space *s, unsigned long mode)
{
	unsigned long *root = s->root;

	s->mode = mode;
	s->levels = pt_levels(mode);
	for (unsigned i = 0; i < 512; i++)
		root[i] = 0;
	/* pt_new_space's work, on our own root page. */
	unsigned long *fresh = pt_new_space(s->levels, 1);
	for (unsigned i = 0; i < 512; i++)
		root[i] = fresh[i];
	if (!s->l0)
		s->l0 = pt_alloc();
	fill_l0(s);
	if (s->levels == 3) {
		unsigned long *l1 = pt_alloc();
		for (unsigned i = 0; i < 512; i++)
			l1[i] = pt_pte((unsigned long)s->l0, PTE_V);
		for (unsigned i = SV39_SLOT0; i < SV39_SLOT0 + REGIONS / 512; i++)
			root[i] = pt_pte((unsigned long)l1, PTE_V);
	} else {
		unsigned long *l1 = pt_alloc(), *l2 = pt_alloc();
		for (unsigned i = 0; i < 512; i++) {
			l1[i] = pt_pte((unsigned long)s->l0, PTE_V);
			l2[i] = pt_pte((unsigned long)l1, PTE_V);
		}
		root[1] = pt_pte((unsigned long)l2, PTE_V);
	}
	s->satp = pt_satp(mode, s->asid, root);
}

TRAP_FN(p_ld, "ld a0, 0(a0)");

static unsigned long touches, wrong, faults;

/* Load page j of region r in the running space s, from S or U; check it. */
static void touch(struct space *s, unsigned r, unsigned j, int user)
{
	unsigned long off = 8 * rand_below(&rng, 512);
	unsigned long va = region_va(s, r, j) + off;
	unsigned long want = data_word(data_page(s, j), off);
	struct trap_record t;
	unsigned long v;

	if (user) {
		v = pt_run_user(pt_ustub(pt_ld), va, &t);
	} else {
		if (s->user)
			csr_set(CSR_SSTATUS, SSTATUS_SUM);
		expect_trap(p_ld, va, &t);
		v = t.ret;
		if (s->user)
			csr_clear(CSR_SSTATUS, SSTATUS_SUM);
	}
	touches++;
	if (t.taken) {
		if (faults++ < 5)
			cprintf("  fault: %s space %ld region %u page %u: scause %lu\n",
				user ? "U" : "S", (long)(s - as), r, j, t.scause);
		return;
	}
	if (v != want && wrong++ < 5)
		cprintf("  WRONG: space %ld (%s) region %u page %u: read data page %lu, want %u\n",
			(long)(s - as), pt_mode_name(s->mode), r, j, v >> 32, data_page(s, j));
}

static void report(const char *what)
{
	cprintf("%s: %lu loads, %lu wrong, %lu faulted\n", what, touches, wrong, faults);
	check(wrong == 0 && faults == 0, "%s: every load saw its own address space's page", what);
	touches = wrong = faults = 0;
}

static void run_in(struct space *s)
{
	csr_write(CSR_SATP, s->satp);	/* no fence: every space has its own ASID */
}

int main(void)
{
	test_begin("hostile_pool");
	for (unsigned d = 0; d < NDATA; d++)
		for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
			data[d][i] = data_word(d, i * 8);
	pt_pool_init(pool, sizeof(pool));
	pt_install_trap_entry();

	/* ASID width: the spaces need 7 bits. */
	csr_write(CSR_SATP, pt_satp(SATP_MODE_SV39, 0xffff, pt_new_space(3, 0)));
	unsigned long asids = (csr_read(CSR_SATP) >> SATP_ASID_SHIFT) & 0xffff;
	csr_write(CSR_SATP, 0);
	pt_sfence_all();
	cprintf("ASID bits: %s\n", asids >= 127 ? "at least 7" : "fewer than 7");
	check(asids >= 127, "ASIDs 1..%d exist", NAS);

	for (int k = 0; k < NAS; k++) {
		as[k].asid = k + 1;
		as[k].root = pt_alloc();
		as[k].user = k % 3 == 0;
		build(&as[k], k % 2 ? SATP_MODE_SV48 : SATP_MODE_SV39);
	}
	pt_sfence_all();
	cprintf("%d address spaces (Sv39 and Sv48), %d regions of 2 MiB each\n", NAS, REGIONS);

	/* 1. Rounds: touch random pages of random regions in every space. */
	for (int round = 0; round < 3; round++) {
		for (int n = 0; n < NAS; n++) {
			struct space *s = &as[(n * 17 + round * 5) % NAS];
			run_in(s);
			for (int i = 0; i < 150; i++)
				touch(s, rand_below(&rng, REGIONS), rand_below(&rng, 512), s->user && i % 25 == 0);
		}
	}
	report("rounds over 40 address spaces");

	/* 1b. Twelve spaces (all fit in a 16-slot cache), a new region of each
	 * in turn: some 18000 level-0 tables a shadow would need at once. */
	for (unsigned r = 0; r < 1536; r++) {
		for (int k = 0; k < 12; k++) {
			struct space *s = &as[k];
			run_in(s);
			touch(s, (r * 2 + (unsigned)k) % REGIONS, rand_below(&rng, 512), 0);
		}
	}
	report("12 spaces, 1536 new regions each, interleaved");

	/* 2. Remap every space while another one runs; fence by its ASID. */
	run_in(&as[0]);
	for (int k = 1; k < NAS; k++) {
		as[k].shift++;
		fill_l0(&as[k]);
		pt_sfence_asid(as[k].asid);
	}
	for (int n = 0; n < NAS; n++) {
		struct space *s = &as[(n * 13) % NAS];
		run_in(s);
		for (int i = 0; i < 200; i++)
			touch(s, rand_below(&rng, REGIONS), rand_below(&rng, 512), 0);
	}
	/* Space 0 remaps itself while it runs, fenced by va. */
	run_in(&as[0]);
	as[0].shift += 3;
	fill_l0(&as[0]);
	for (int i = 0; i < 100; i++) {
		unsigned r = rand_below(&rng, REGIONS), j = rand_below(&rng, 512);
		pt_sfence_va(region_va(&as[0], r, j));
		touch(&as[0], r, j, 0);
	}
	report("remapped, fenced by ASID or address");

	/* 3. Roots reused: space k's root page becomes a space of the other
	 * format under the same ASID, fenced by that ASID first. */
	for (int k = 0; k < NAS; k++) {
		struct space *s = &as[k];
		run_in(&as[(k + 1) % NAS]);
		build(s, s->mode == SATP_MODE_SV39 ? SATP_MODE_SV48 : SATP_MODE_SV39);
		s->shift += 5;
		fill_l0(s);
		pt_sfence_asid(s->asid);
		run_in(s);
		for (int i = 0; i < 150; i++)
			touch(s, rand_below(&rng, REGIONS), rand_below(&rng, 512), s->user && i % 30 == 0);
	}
	report("root pages reused for the other format");

	/* 4. Sv39 <-> Sv48 ping-pong, a new region each time. */
	for (int i = 0; i < 3000; i++) {
		struct space *s = &as[i % 2 ? 2 * rand_below(&rng, NAS / 2) + 1 : 2 * rand_below(&rng, NAS / 2)];
		run_in(s);
		touch(s, rand_below(&rng, REGIONS), rand_below(&rng, 512), 0);
	}
	report("Sv39 <-> Sv48 ping-pong");

	/* 5. Still the guest's own machine. */
	csr_write(CSR_SATP, 0);
	pt_sfence_all();
	unsigned long bad = 0;
	for (unsigned d = 0; d < NDATA; d++)
		for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
			bad += data[d][i] != data_word(d, i * 8);
	cprintf("back in Bare mode: %lu data words changed\n", bad);
	check(bad == 0, "the data pages are intact");
	check(csr_read(CSR_SATP) == 0, "satp is Bare");
	test_end();
}
