/*
 * test_shadow.c - host unit test for src/shadowpt/shadow.c: the shadow page
 * tables, their cache, the fills on a real page fault and the guest's
 * sfence.vma.
 *
 * Everything shadow.c touches outside itself is simulated here:
 *
 *  - Host memory.  mm_pa_to_va()/mm_va_to_pa() are "+/- UMBRA_VA_OFFSET" in
 *    plain wrapping arithmetic, so a host heap pointer minus the offset is
 *    a "physical address" that round-trips; PTEs hold (pa >> 12) << 10, so
 *    that pa must fit in 56 bits (asserted for every page).  mm_alloc_page()
 *    hands out zeroed 4 KiB pages from aligned_alloc and records them;
 *    mm_free_page() checks the page is a live one of ours (no double free,
 *    no foreign page), poisons it and keeps it until the case ends, when the
 *    poison is checked (a write after free shows).  A limit on live pages
 *    simulates running out of memory.
 *  - Umbra's window.  mm_window_pte() is a pointer PTE to a test-owned page
 *    filled with a pattern of leaves; the test recognises the value, checks
 *    the page is never freed or written, and that the window entry sits
 *    exactly where it must in every shadow (Sv39: root[511]; Sv48: entry
 *    511 of the table in root[511]).
 *  - The hart: satp writes (the last value is kept), sfence.vma calls (a
 *    log), struct platform (asid_bits = 16, and 0 for the no-ASID path).
 *  - Guest memory: a struct vm whose RAM is a 16 MiB host buffer at
 *    guest-physical 0x80000000 (0 for the one case that needs a 512 GiB
 *    guest page to map RAM); guest Sv39/Sv48 tables are built in it.
 *
 * After every case the whole shadow state is audited (audit()): every table
 * reachable from a slot is a live page of ours, no page is reachable twice,
 * the live page count equals the reachable count (no leak), every leaf is a
 * 4 KiB U page with V, A, D and no G whose frame lies inside guest RAM,
 * no non-zero invalid entries, the window is present exactly once, and the
 * active shadow (spc.active) is a used slot that is not stale.
 *
 * Parts: spt_view; the cache (spt_switch: Bare, hits, misses, LRU, host
 * ASIDs, the satp written); the fill matrix (every view x guest permission
 * x U x A x D x access, Sv39 and Sv48, three VAs each, against an oracle
 * written from the privileged spec); view safety (a shadow never allows
 * what its view forbids, even for a fault reported with another mode);
 * fill sequences (a clean page turns writable only through a store fault);
 * superpages (2 MiB, 1 GiB, Sv48's 512 GiB over the window's slot); every
 * sfence form, with the stale-marking of shadows not in use; Sv39 <-> Sv48
 * in the same slots; what is not RAM or is the window; running out of
 * pages; the stats printout.
 *
 * Build and run (from the repository root):
 *   gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -DUMBRA_HOST_TEST \
 *       -Isrc/include -Isrc/core -Isrc/trap -Isrc/decode -Isrc/shadowpt -Isrc/vdev \
 *       -o build/host/test_shadow tests/host/test_shadow.c \
 *       src/shadowpt/shadow.c src/shadowpt/walk.c src/core/pt.c
 *   ./build/host/test_shadow
 * Prints one line per failed check and "shadow: N passed, M failed"
 * (N and M count cases); exits 1 on any failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spt.h"
#include "mm.h"
#include "vm.h"
#include "platform.h"

/* Cases and checks; panic() and console_printf() (what shadow.c prints
 * lands in harness_console, for the stats test) are harness.h's. */
#define HARNESS_NAME "shadow"
#define HARNESS_STUB_PANIC
#define HARNESS_STUB_CONSOLE
#include "harness.h"

/* Short names. */
#define V PTE_V
#define R PTE_R
#define W PTE_W
#define X PTE_X
#define U PTE_U
#define G PTE_G
#define A PTE_A
#define D PTE_D
#define SUM SSTATUS_SUM
#define MXR SSTATUS_MXR
/* shadow.c's private mark on a table entry shadowed from a guest superpage. */
#define SUPER BIT(8)
#define RSW (3UL << 8)

#define RAM_SIZE  (16UL << 20)
#define GT_OFF    (12UL << 20)      /* guest tables: the top 4 MiB of RAM */
#define RAM_GPA   0x80000000UL

/* ---- The simulated hart ----------------------------------------------------------- */

struct platform platform;

static uint64_t last_satp;
static unsigned satp_writes;

uint64_t host_csr_read(const char *name)
{
	if (!strcmp(name, "satp"))
		return last_satp;
	return 0;
}

void host_csr_write(const char *name, uint64_t val)
{
	if (!strcmp(name, "satp")) {
		last_satp = val;
		satp_writes++;
	} else {
		harness_fail("unexpected CSR write %s", name);
	}
}

struct sf { bool by_va; uint64_t va; bool by_asid; uint64_t asid; };
#define SF_MAX 256
static struct sf sf_log[SF_MAX];
static unsigned sf_n;

void host_sfence_vma(bool by_va, uint64_t va, bool by_asid, uint64_t asid)
{
	if (sf_n < SF_MAX)
		sf_log[sf_n] = (struct sf){ by_va, va, by_asid, asid };
	sf_n++;
}

/* How many logged fences match (by_va, page of va, by_asid, asid). */
static unsigned sf_count(bool by_va, uint64_t va, bool by_asid, uint64_t asid)
{
	unsigned n = 0;
	for (unsigned i = 0; i < sf_n && i < SF_MAX; i++) {
		const struct sf *f = &sf_log[i];
		if (f->by_va == by_va && f->by_asid == by_asid &&
		    (!by_va || (f->va >> 12) == (va >> 12)) && (!by_asid || f->asid == asid))
			n++;
	}
	return n;
}

/* ---- Host memory -------------------------------------------------------------------- */

static uint64_t host_pa(const void *p)
{
	return mm_va_to_pa(p);
}

static uint64_t *host_va(uint64_t pa)
{
	return mm_pa_to_va(pa);
}

static bool pa_fits(const void *p)
{
	return (host_pa(p) >> 56) == 0;
}

struct page_rec { uint8_t *p; bool live; unsigned seen; };
static struct page_rec *pages;
static size_t npages, pages_cap;
static uint64_t n_alloc, n_free, n_live, n_alloc_failed;
/* What spt_init takes for good: each slot's root and its Sv48 window table. */
#define SLOT_PAGES (2 * SPT_SLOTS)
static int64_t live_limit = -1;       /* < 0: no limit */
static unsigned audit_gen;
#define POISON 0xa5

void *mm_alloc_page(void)
{
	if (live_limit >= 0 && n_live >= (uint64_t)live_limit) {
		n_alloc_failed++;
		return NULL;
	}
	uint8_t *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!p) {
		harness_fatal("out of host memory");
	}
	if (!pa_fits(p)) {
		harness_fatal("host address %p minus UMBRA_VA_OFFSET does not fit in 56 bits",
			      (void *)p);
	}
	memset(p, 0, PAGE_SIZE);
	if (npages == pages_cap) {
		pages_cap = pages_cap ? 2 * pages_cap : 256;
		pages = realloc(pages, pages_cap * sizeof(*pages));
		if (!pages)
			harness_fatal("out of host memory");
	}
	pages[npages++] = (struct page_rec){ p, true, 0 };
	n_alloc++;
	n_live++;
	return p;
}

static struct page_rec *find_page(const void *p)
{
	for (size_t i = npages; i-- > 0;)
		if (pages[i].p == p)
			return &pages[i];
	return NULL;
}

static unsigned bad_frees;

void mm_free_page(void *page)
{
	struct page_rec *r = find_page(page);
	if (!HARNESS_CHECKF(r != NULL, "mm_free_page(%p): not a page of the pool", page) ||
	    !HARNESS_CHECKF(r->live, "mm_free_page(%p): double free", page)) {
		bad_frees++;
		return;
	}
	r->live = false;
	memset(r->p, POISON, PAGE_SIZE);
	n_free++;
	n_live--;
}

/* Umbra's window: a pointer PTE to a page the test owns. */
static uint64_t window_page[512] __attribute__((aligned(4096)));
static uint64_t WPTE;

static uint64_t window_pattern(unsigned i)
{
	return ((0xdead0UL + i) << 10) | V | R | W | X | A | D | G;
}

uint64_t mm_window_pte(void)
{
	return WPTE;
}

/* Release every page (checking the poison of freed ones) and start afresh. */
static void pool_reset(void)
{
	for (size_t i = 0; i < npages; i++) {
		if (!pages[i].live) {
			for (unsigned b = 0; b < PAGE_SIZE; b++)
				if (pages[i].p[b] != POISON) {
					harness_fail("freed page %p written after free (byte %u)",
						     (void *)pages[i].p, b);
					break;
				}
		}
		free(pages[i].p);
	}
	npages = 0;
	n_alloc = n_free = n_live = n_alloc_failed = 0;
	live_limit = -1;
	bad_frees = 0;
}

/* ---- Guest memory --------------------------------------------------------------------- */

static struct vm vm;
static struct spt_cache spc;   /* the vCPU's shadows under test */
static uint8_t *ram_buf;
static uint64_t bare_page[512] __attribute__((aligned(4096)));
static uint64_t gt_next;     /* next free guest table (gpa) */

static uint64_t *g_ptr(uint64_t gpa)
{
	if (gpa < vm.ram_gpa || gpa - vm.ram_gpa >= RAM_SIZE) {
		harness_fatal("test bug: gpa 0x%" PRIx64 " outside guest RAM", gpa);
	}
	return (uint64_t *)(vm.ram + (gpa - vm.ram_gpa));
}

static uint64_t g_table(void)
{
	uint64_t gpa = gt_next;
	gt_next += PAGE_SIZE;
	memset(g_ptr(gpa), 0, PAGE_SIZE);
	return gpa;
}

static uint64_t mkpte(uint64_t pa, uint64_t bits)
{
	return (pa >> 12) << 10 | bits;
}

static unsigned vpn(uint64_t va, unsigned level)
{
	return (va >> (12 + 9 * level)) & 511;
}

/* The guest-physical address of the PTE that maps 'va' at 'level', building
 * the tables above it as needed. */
static uint64_t g_slot(const struct pt_format *fmt, uint64_t root, uint64_t va, unsigned level)
{
	uint64_t t = root;
	for (unsigned l = fmt->levels - 1; l > level; l--) {
		uint64_t *e = g_ptr(t + vpn(va, l) * 8);
		if (!(*e & V))
			*e = mkpte(g_table(), V);
		t = (*e >> 10) << 12;
	}
	return t + vpn(va, level) * 8;
}

static uint64_t *g_map(const struct pt_format *fmt, uint64_t root, uint64_t va, unsigned level,
		       uint64_t pa, uint64_t bits)
{
	uint64_t *e = g_ptr(g_slot(fmt, root, va, level));
	*e = mkpte(pa, bits);
	return e;
}

static uint64_t g_satp(const struct pt_format *fmt, uint64_t asid, uint64_t root)
{
	return fmt->satp_mode << SATP_MODE_SHIFT | asid << SATP_ASID_SHIFT | root >> 12;
}

/* The host PTE frame bits for guest-physical page 'gpa'. */
static uint64_t frame_bits(uint64_t gpa)
{
	return (host_pa(vm.ram + ((gpa & ~0xfffUL) - vm.ram_gpa)) >> 12) << 10;
}

/* ---- Worlds: a fresh vm and pool ---------------------------------------------------------- */

static void audit(void);

static void world_begin(unsigned asid_bits, uint64_t ram_gpa)
{
	pool_reset();
	memset(&platform, 0, sizeof(platform));
	platform.asid_bits = asid_bits;
	memset(&vm, 0, sizeof(vm));
	vm.ram_gpa = ram_gpa;
	vm.ram_size = RAM_SIZE;
	vm.ram = ram_buf;
	vm.bare_root = bare_page;
	gt_next = ram_gpa + GT_OFF;
	sf_n = 0;
	last_satp = 0;
	satp_writes = 0;
	int r = spt_init(&spc, &vm, SPT_MAX_PAGES, 1);
	HARNESS_EQ(r, 0);
	HARNESS_EQ(n_live, SLOT_PAGES);
}

static void world_end(void)
{
	audit();
	pool_reset();
}

/* ---- The audit -------------------------------------------------------------------------------- */

static unsigned windows_seen;

static bool is_table(uint64_t pte)
{
	return (pte & V) && !(pte & (R | W | X));
}

/* Audit the table at 'level' covering the VAs from 'prefix'; returns the
 * number of tables reached (this one included). */
static size_t audit_table(unsigned slot, const struct pt_format *fmt, uint64_t *table,
			  unsigned level, uint64_t prefix)
{
	size_t n = 1;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t pte = table[i];
		uint64_t va = prefix | (uint64_t)i << (12 + 9 * level);
		if (level == fmt->levels - 1 && i >= 256)
			va |= ~0UL << (12 + 9 * fmt->levels);     /* sign-extend */
		if (pte == 0)
			continue;
		if (pte == WPTE) {
			windows_seen++;
			if (!HARNESS_CHECKF(level == 2 && va == WINDOW_VA,
					    "slot %u: window PTE at level %u for VA 0x%" PRIx64, slot, level, va))
				return n;
			continue;
		}
		if (!HARNESS_CHECKF(pte & V, "slot %u: non-zero invalid PTE 0x%" PRIx64 " at level %u VA 0x%" PRIx64,
				    slot, pte, level, va))
			continue;
		if (is_table(pte)) {
			if (!HARNESS_CHECKF(level > 0, "slot %u: table PTE at level 0 VA 0x%" PRIx64, slot, va))
				continue;
			HARNESS_CHECKF((pte & ((1UL << 10) - 1) & ~(V | SUPER)) == 0 && (pte >> 54) == 0,
				       "slot %u: table PTE 0x%" PRIx64 " has stray bits", slot, pte);
			uint64_t *child = host_va((pte >> 10) << 12);
			struct page_rec *r = find_page(child);
			if (!HARNESS_CHECKF(r && r->live, "slot %u: table at VA 0x%" PRIx64 " level %u is %s", slot, va,
					    level, r ? "a freed page" : "not a pool page"))
				continue;
			if (!HARNESS_CHECKF(r->seen != audit_gen, "slot %u: table %p reached twice", slot, (void *)child))
				continue;
			r->seen = audit_gen;
			n += audit_table(slot, fmt, child, level - 1, va);
			continue;
		}
		/* A leaf: only 4 KiB, always U, V, A, D, never G; its frame is guest RAM. */
		HARNESS_CHECKF(level == 0, "slot %u: leaf at level %u VA 0x%" PRIx64, slot, level, va);
		HARNESS_CHECKF((pte & (V | U | A | D | G | RSW)) == (V | U | A | D) && (pte >> 54) == 0,
			       "slot %u: leaf 0x%" PRIx64 " VA 0x%" PRIx64 " has wrong flag bits", slot, pte, va);
		HARNESS_CHECKF(!(pte & W) || (pte & R), "slot %u: leaf 0x%" PRIx64 " is W without R", slot, pte);
		HARNESS_CHECKF(va < WINDOW_VA, "slot %u: leaf in the window VA 0x%" PRIx64, slot, va);
		uint8_t *hva = (uint8_t *)host_va((pte >> 10) << 12);
		HARNESS_CHECKF(hva >= vm.ram && hva < vm.ram + vm.ram_size,
			       "slot %u: leaf 0x%" PRIx64 " VA 0x%" PRIx64 " maps a frame outside guest RAM",
			       slot, pte, va);
	}
	return n;
}

static void audit(void)
{
	size_t reached = 0;
	audit_gen++;
	for (unsigned s = 0; s < SPT_SLOTS; s++) {
		struct spt_shadow *sh = &spc.slot[s];
		struct page_rec *r = find_page(sh->root);
		if (!HARNESS_CHECKF(r && r->live, "slot %u: root is not a live pool page", s))
			continue;
		r->seen = audit_gen;
		struct page_rec *wl2 = find_page(sh->window_l2);
		if (HARNESS_CHECKF(wl2 && wl2->live, "slot %u: window table is not a live pool page", s))
			HARNESS_CHECKF(sh->window_l2[511] == WPTE, "slot %u: window table lost the window", s);
		if (!sh->fmt) {
			bool zero = true;
			for (unsigned i = 0; i < 512; i++)
				zero &= sh->root[i] == 0;
			HARNESS_CHECKF(!sh->used && zero, "slot %u: never used but not empty", s);
			reached += 2;	/* the root and the window table */
			continue;
		}
		HARNESS_CHECKF(sh->fmt == spt_guest_format(sh->satp) || !sh->used,
			       "slot %u: format does not match its satp", s);
		windows_seen = 0;
		reached += audit_table(s, sh->fmt, sh->root, sh->fmt->levels - 1, 0);
		HARNESS_CHECKF(windows_seen == 1, "slot %u: the window is reachable %u times", s, windows_seen);
		/* The window table is the slot's, reached or not (Sv39). */
		if (wl2 && wl2->seen != audit_gen) {
			wl2->seen = audit_gen;
			reached++;
		}
		if (spc.host_asids)
			HARNESS_EQ(sh->host_asid, s + 1);
		else
			HARNESS_EQ(sh->host_asid, 0);
	}
	struct spt_shadow *act = spc.active;
	HARNESS_CHECKF(!act || (act >= spc.slot && act < spc.slot + SPT_SLOTS && act->used && !act->stale),
		       "the active shadow is not a used, fresh slot");
	HARNESS_CHECKF(reached == n_live, "leak: %zu live pages, %zu reachable (allocated %" PRIu64
		       ", freed %" PRIu64 ")", (size_t)n_live, reached, n_alloc, n_free);
	HARNESS_EQ(n_alloc, n_free + n_live);
	HARNESS_EQ(bad_frees, 0);
	for (unsigned i = 0; i < 512; i++)
		if (!HARNESS_CHECKF(window_page[i] == window_pattern(i), "window table written at %u", i))
			break;
}

/* ---- Shadow probes ------------------------------------------------------------------------------- */

/* The shadow's 4 KiB entry for va, or 0. */
static uint64_t sh_leaf(struct spt_shadow *sh, uint64_t va)
{
	uint64_t *p = pt_walk(sh->fmt, sh->root, va, 0, false);
	return p ? *p : 0;
}

/* The shadow's entry covering va at 'level', or ~0 if the walk stops above. */
static uint64_t sh_entry(struct spt_shadow *sh, uint64_t va, unsigned level)
{
	uint64_t *p = pt_walk(sh->fmt, sh->root, va, level, false);
	return p ? *p : ~0UL;
}

/* Only the window left in 'sh'. */
static bool sh_empty(struct spt_shadow *sh)
{
	for (unsigned i = 0; i < 511; i++)
		if (sh->root[i])
			return false;
	if (sh->fmt->levels == 3)
		return sh->root[511] == WPTE;
	uint64_t top = sh->root[511];
	if (!is_table(top) || (top & SUPER))
		return false;
	uint64_t *holder = host_va((top >> 10) << 12);
	for (unsigned i = 0; i < 511; i++)
		if (holder[i])
			return false;
	return holder[511] == WPTE;
}

/* The window path of 'sh' is right (whatever else it holds). */
static bool sh_window_ok(struct spt_shadow *sh)
{
	uint64_t top = sh->root[511];
	if (sh->fmt->levels == 3)
		return top == WPTE;
	if (!is_table(top))
		return false;
	uint64_t *holder = host_va((top >> 10) << 12);
	struct page_rec *r = find_page(holder);
	return r && r->live && holder[511] == WPTE;
}

static uint64_t sstatus_of_view(unsigned view)
{
	return (view & SPT_VIEW_SUM ? SUM : 0) | (view & SPT_VIEW_MXR ? MXR : 0);
}

static unsigned priv_of_view(unsigned view)
{
	return view & SPT_VIEW_S ? PRV_S : PRV_U;
}

/* A load fault in 'sh' at 'va' that must fill. */
static void fill(struct spt_shadow *sh, uint64_t va)
{
	struct spt_walk w;
	int r = spt_fault(&spc, sh, va, SPT_LOAD, priv_of_view(sh->view), sstatus_of_view(sh->view), &w);
	HARNESS_CHECKF(r == SPT_FILLED, "fill 0x%" PRIx64 ": spt_fault returned %d (cause %" PRIu64 ")", va, r, w.cause);
}

/* ---- spt_view --------------------------------------------------------------------------------- */

static void test_view(void)
{
	static const struct { unsigned mode; uint64_t ss; unsigned view; } rows[] = {
		{ PRV_U, 0, 0 },
		{ PRV_U, SUM, 0 },                       /* SUM means nothing in U-mode */
		{ PRV_U, MXR, SPT_VIEW_MXR },            /* MXR applies to U-mode loads too */
		{ PRV_U, SUM | MXR, SPT_VIEW_MXR },
		{ PRV_S, 0, SPT_VIEW_S },
		{ PRV_S, SUM, SPT_VIEW_S | SPT_VIEW_SUM },
		{ PRV_S, MXR, SPT_VIEW_S | SPT_VIEW_MXR },
		{ PRV_S, SUM | MXR, SPT_VIEW_S | SPT_VIEW_SUM | SPT_VIEW_MXR },
		{ PRV_S, SSTATUS_SIE | SSTATUS_SPP | SSTATUS_FS, SPT_VIEW_S },   /* other bits */
		{ PRV_U, SSTATUS_SPIE | SSTATUS_UXL, 0 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(rows); i++) {
		harness_begin("spt_view(%u, 0x%" PRIx64 ")", rows[i].mode, rows[i].ss);
		HARNESS_EQ(spt_view(rows[i].mode, rows[i].ss), rows[i].view);
		harness_end();
	}
}

/* ---- The cache ------------------------------------------------------------------------------- */

static uint64_t expect_satp(const struct spt_shadow *sh)
{
	return sh->fmt->satp_mode << 60 | (uint64_t)sh->host_asid << 44 | host_pa(sh->root) >> 12;
}

static void test_cache(unsigned asid_bits)
{
	const char *cfg = asid_bits ? "asid16" : "noasid";
	bool asids = asid_bits >= 5;

	world_begin(asid_bits, RAM_GPA);
	/* Four Sv39 roots and one Sv48, each mapping one page. */
	uint64_t roots[5];
	for (unsigned i = 0; i < 5; i++) {
		const struct pt_format *fmt = i < 4 ? &pt_sv39 : &pt_sv48;
		roots[i] = g_table();
		g_map(fmt, roots[i], 0x10000000, 0, RAM_GPA + 0x100000 + i * 0x1000, V | R | W | A | D);
	}
	struct spt_stats *st = &spc.stats;

	harness_begin("%s: spt_init", cfg);
	HARNESS_EQ(spc.host_asids, asids);
	HARNESS_EQ(n_live, SLOT_PAGES);
	for (unsigned s = 0; s < SPT_SLOTS; s++) {
		HARNESS_EQ(spc.slot[s].used, 0);
		HARNESS_EQ(spc.slot[s].host_asid, asids ? s + 1 : 0);
	}
	harness_end();

	harness_begin("%s: Bare", cfg);
	sf_n = 0;
	HARNESS_CHECK(spt_switch(&spc, 0, SPT_VIEW_S) == NULL);
	HARNESS_EQ(last_satp, SATP_MODE_SV39 << 60 | host_pa(bare_page) >> 12);
	HARNESS_EQ(sf_n, asids ? 0 : 1);
	if (!asids)
		HARNESS_EQ(sf_count(false, 0, false, 0), 1);
	/* A Bare satp with an ASID field is still Bare. */
	HARNESS_CHECK(spt_switch(&spc, 5UL << SATP_ASID_SHIFT | 0x80000, 0) == NULL);
	HARNESS_EQ(st->hits + st->misses, 0);
	HARNESS_EQ(n_live, SLOT_PAGES);
	harness_end();

	harness_begin("%s: Bare fault is NOT_RAM at the same address", cfg);
	{
		struct spt_walk w;
		uint64_t f = st->faults;
		HARNESS_EQ(spt_fault(&spc, NULL, 0x1234567, SPT_LOAD, PRV_S, 0, &w), SPT_NOT_RAM);
		HARNESS_EQ(w.gpa, 0x1234567);
		HARNESS_EQ(st->faults, f + 1);
	}
	harness_end();

	uint64_t sA = g_satp(&pt_sv39, 1, roots[0]);
	harness_begin("%s: first Sv39 shadow", cfg);
	sf_n = 0;
	struct spt_shadow *a = spt_switch(&spc, sA, SPT_VIEW_S);
	if (HARNESS_CHECK(a != NULL)) {
		HARNESS_EQ(a->used, 1);
		HARNESS_EQ(a->satp, sA);
		HARNESS_EQ(a->view, SPT_VIEW_S);
		HARNESS_CHECK(a->fmt == &pt_sv39);
		HARNESS_EQ(a->root[511], WPTE);
		HARNESS_CHECK(sh_empty(a));
		HARNESS_EQ(last_satp, expect_satp(a));
		HARNESS_EQ((last_satp >> 44) & 0xffff, asids ? a->host_asid : 0);
		if (asids)
			HARNESS_CHECK(a->host_asid >= 1 && a->host_asid <= SPT_SLOTS);
		else
			HARNESS_CHECK(sf_count(false, 0, false, 0) >= 1);
	}
	HARNESS_EQ(st->misses, 1);
	HARNESS_EQ(st->hits, 0);
	harness_end();

	harness_begin("%s: same (satp, view) hits", cfg);
	fill(a, 0x10000000);
	uint64_t alloc0 = n_alloc;
	struct spt_shadow *a2 = spt_switch(&spc, sA, SPT_VIEW_S);
	HARNESS_CHECK(a2 == a);
	HARNESS_EQ(st->hits, 1);
	HARNESS_EQ(st->misses, 1);
	HARNESS_EQ(last_satp, expect_satp(a));
	HARNESS_CHECK(sh_leaf(a, 0x10000000) != 0); /* a hit keeps the contents */
	HARNESS_EQ(n_alloc, alloc0);
	harness_end();

	harness_begin("%s: other view misses", cfg);
	struct spt_shadow *b = spt_switch(&spc, sA, SPT_VIEW_S | SPT_VIEW_SUM);
	HARNESS_CHECK(b && b != a);
	HARNESS_EQ(st->misses, 2);
	if (b) {
		HARNESS_EQ(b->view, SPT_VIEW_S | SPT_VIEW_SUM);
		HARNESS_CHECK(sh_empty(b));
		HARNESS_EQ(last_satp, expect_satp(b));
	}
	harness_end();

	harness_begin("%s: other ASID, same root misses", cfg);
	struct spt_shadow *c = spt_switch(&spc, g_satp(&pt_sv39, 2, roots[0]), SPT_VIEW_S);
	HARNESS_CHECK(c && c != a && c != b);
	HARNESS_EQ(st->misses, 3);
	harness_end();

	harness_begin("%s: other root, same ASID misses", cfg);
	struct spt_shadow *d = spt_switch(&spc, g_satp(&pt_sv39, 1, roots[1]), SPT_VIEW_S);
	HARNESS_CHECK(d && d != a && d != b && d != c);
	HARNESS_EQ(st->misses, 4);
	harness_end();

	harness_begin("%s: Sv48 shadow has the window in a table at 511", cfg);
	struct spt_shadow *e = spt_switch(&spc, g_satp(&pt_sv48, 1, roots[4]), SPT_VIEW_S);
	if (HARNESS_CHECK(e != NULL)) {
		HARNESS_CHECK(e->fmt == &pt_sv48);
		HARNESS_CHECK(sh_empty(e));
		HARNESS_CHECK(sh_window_ok(e));
		HARNESS_EQ(last_satp, expect_satp(e));
		HARNESS_EQ(last_satp >> 60, SATP_MODE_SV48);
	}
	HARNESS_EQ(n_live, SLOT_PAGES + 2); /* a's fill (the window table is the slot's) */
	harness_end();

	harness_begin("%s: same root in Sv39 and Sv48 are different shadows", cfg);
	struct spt_shadow *e39 = spt_switch(&spc, g_satp(&pt_sv39, 1, roots[4]), SPT_VIEW_S);
	HARNESS_CHECK(e39 && e39 != e);
	harness_end();

	/* Fill the cache with distinct keys: 6 used so far, key k = (root, asid, view). */
	harness_begin("%s: %u distinct keys, distinct slots and host ASIDs", cfg, SPT_SLOTS);
	uint64_t satp_of[SPT_SLOTS + 4];
	unsigned view_of[SPT_SLOTS + 4];
	for (unsigned k = 0; k < SPT_SLOTS + 4; k++) {
		satp_of[k] = g_satp(&pt_sv39, 100 + k / 2, roots[2 + (k & 1)]);
		view_of[k] = k % 3 == 0 ? 0 : SPT_VIEW_S;
	}
	uint64_t ev0 = st->evictions;
	for (unsigned k = 0; k < SPT_SLOTS - 6; k++)
		HARNESS_CHECK(spt_switch(&spc, satp_of[k], view_of[k]) != NULL);
	HARNESS_EQ(st->evictions, ev0);
	HARNESS_EQ(st->misses, SPT_SLOTS);
	bool asid_used[SPT_SLOTS + 2] = { false };
	for (unsigned s = 0; s < SPT_SLOTS; s++) {
		struct spt_shadow *sh = &spc.slot[s];
		HARNESS_CHECKF(sh->used, "slot %u unused after %u distinct keys", s, SPT_SLOTS);
		if (asids) {
			HARNESS_CHECKF(sh->host_asid >= 1 && sh->host_asid <= SPT_SLOTS && !asid_used[sh->host_asid],
				       "slot %u host ASID %u", s, sh->host_asid);
			if (sh->host_asid <= SPT_SLOTS)
				asid_used[sh->host_asid] = true;
		}
	}
	harness_end();

	/* The least recently used is 'a'... but touch it: then b is the LRU. */
	harness_begin("%s: LRU eviction", cfg);
	HARNESS_CHECK(spt_switch(&spc, sA, SPT_VIEW_S) == a);
	sf_n = 0;
	uint64_t frees0 = n_free;
	struct spt_shadow *n1 = spt_switch(&spc, satp_of[SPT_SLOTS - 6], view_of[SPT_SLOTS - 6]);
	HARNESS_CHECK(n1 == b);
	HARNESS_EQ(st->evictions, ev0 + 1);
	if (n1) {
		HARNESS_EQ(n1->satp, satp_of[SPT_SLOTS - 6]);
		HARNESS_CHECK(sh_empty(n1));
		if (asids)
			HARNESS_CHECK(sf_count(false, 0, true, n1->host_asid) >= 1);
		HARNESS_EQ(last_satp, expect_satp(n1));
	}
	HARNESS_EQ(n_free, frees0); /* b held nothing */
	/* Next LRU is c: it gets evicted next, 'a' (just touched) is kept. */
	struct spt_shadow *n2 = spt_switch(&spc, satp_of[SPT_SLOTS - 5], view_of[SPT_SLOTS - 5]);
	HARNESS_CHECK(n2 == c);
	HARNESS_CHECK(spt_switch(&spc, sA, SPT_VIEW_S) == a);
	HARNESS_CHECK(sh_leaf(a, 0x10000000) != 0);
	/* An evicted key comes back as a miss. */
	uint64_t m0 = st->misses;
	struct spt_shadow *bb = spt_switch(&spc, sA, SPT_VIEW_S | SPT_VIEW_SUM);
	HARNESS_CHECK(bb == d);                /* d was the LRU now */
	HARNESS_EQ(st->misses, m0 + 1);
	harness_end();

	harness_begin("%s: evicting a filled shadow frees its tables", cfg);
	/* Make 'a' the LRU by touching every other slot, then evict it. */
	for (unsigned s = 0; s < SPT_SLOTS; s++) {
		struct spt_shadow *sh = &spc.slot[s];
		if (sh != a)
			spt_switch(&spc, sh->satp, sh->view);
	}
	frees0 = n_free;
	sf_n = 0;
	struct spt_shadow *n3 = spt_switch(&spc, satp_of[SPT_SLOTS - 4], view_of[SPT_SLOTS - 4]);
	HARNESS_CHECK(n3 == a);
	HARNESS_EQ(n_free, frees0 + 2);       /* Sv39: the L1 and L0 tables of the fill */
	if (n3) {
		HARNESS_CHECK(sh_empty(n3));
		HARNESS_EQ(sh_leaf(n3, 0x10000000), 0);
		if (asids)
			HARNESS_EQ(sf_count(false, 0, true, n3->host_asid), 1);
		else
			HARNESS_CHECK(sf_count(false, 0, false, 0) >= 1);
	}
	harness_end();

	harness_begin("%s: stats", cfg);
	HARNESS_EQ(st->hits, 1 + 1 + 1 + (SPT_SLOTS - 1));
	HARNESS_EQ(st->misses, 6 + (SPT_SLOTS - 6) + 4);
	HARNESS_EQ(st->evictions, 4);
	harness_end();
	world_end();
}

/* ---- The fill matrix ------------------------------------------------------------------------------ */

/* The oracle: the exception a hart raises for this access through a leaf
 * (0 = allowed), from the privileged spec's step 3 and step 5. */
static uint64_t oracle_cause(uint64_t pte, enum spt_access acc, unsigned priv, uint64_t ss)
{
	static const uint64_t pf[] = { [SPT_LOAD] = CAUSE_LOAD_PAGE_FAULT,
				       [SPT_STORE] = CAUSE_STORE_PAGE_FAULT,
				       [SPT_FETCH] = CAUSE_FETCH_PAGE_FAULT };
	if ((pte & W) && !(pte & R))
		return pf[acc];                      /* reserved encoding */
	if (priv == PRV_U && !(pte & U))
		return pf[acc];
	if (priv == PRV_S && (pte & U) && (acc == SPT_FETCH || !(ss & SUM)))
		return pf[acc];
	bool ok = acc == SPT_FETCH ? (pte & X) :
		  acc == SPT_STORE ? (pte & W) :
		  (pte & R) || ((ss & MXR) && (pte & X));
	return ok ? 0 : pf[acc];
}

static void test_fill_matrix(void)
{
	static const struct { const char *name; uint64_t bits; } kinds[] = {
		{ "R", R }, { "RW", R | W }, { "X", X }, { "RX", R | X }, { "RWX", R | W | X },
		{ "W", W }, { "WX", W | X },
	};
	static const struct { const struct pt_format *fmt; uint64_t va; } vas[] = {
		{ &pt_sv39, 0x0000000012345000UL },
		{ &pt_sv39, 0xffffffc0deadb000UL },
		{ &pt_sv39, 0xffffffffbffff000UL },   /* the page just below the window */
		{ &pt_sv48, 0x00007f0012345000UL },
		{ &pt_sv48, 0xffff8000abcde000UL },
		{ &pt_sv48, 0xffffffffbffff000UL },   /* through the window's holder table */
	};
	static const char *acc_name[] = { "load", "store", "fetch" };
	unsigned n = 0;

	for (unsigned vi = 0; vi < ARRAY_SIZE(vas); vi++)
	for (unsigned mode = 0; mode < 2; mode++)
	for (unsigned sum = 0; sum < 2; sum++)
	for (unsigned mxr = 0; mxr < 2; mxr++)
	for (unsigned ki = 0; ki < ARRAY_SIZE(kinds); ki++)
	for (unsigned uad = 0; uad < 8; uad++)
	for (unsigned acc = 0; acc < 3; acc++, n++) {
		const struct pt_format *fmt = vas[vi].fmt;
		uint64_t va = vas[vi].va;
		unsigned priv = mode ? PRV_S : PRV_U;
		uint64_t ss = (sum ? SUM : 0) | (mxr ? MXR : 0);
		uint64_t bits = V | kinds[ki].bits | (uad & 1 ? U : 0) | (uad & 2 ? A : 0) | (uad & 4 ? D : 0);
		/* Some rows carry G and the RSW bits: neither may reach the shadow. */
		if (n % 5 == 0)
			bits |= G | RSW;
		uint64_t frame = RAM_GPA + 0x345000;
		uint64_t fva = va + (acc == SPT_FETCH ? 0x122 : 0x128);

		world_begin(n & 1 ? 0 : 16, RAM_GPA);
		harness_begin("fill %s va=0x%" PRIx64 " %c sum=%u mxr=%u pte=%s%s%s%s %s", fmt->name, va,
			      mode ? 'S' : 'U', sum, mxr, kinds[ki].name, uad & 1 ? "U" : "", uad & 2 ? "A" : "",
			      uad & 4 ? "D" : "", acc_name[acc]);
		uint64_t root = g_table();
		uint64_t *leaf = g_map(fmt, root, va, 0, frame, bits);
		uint64_t leaf_gpa = g_slot(fmt, root, va, 0);
		uint64_t orig = *leaf;
		unsigned view = spt_view(priv, ss);
		struct spt_shadow *sh = spt_switch(&spc, g_satp(fmt, 7, root), view);
		if (!HARNESS_CHECK(sh != NULL)) {
			harness_end();
			world_end();
			continue;
		}
		struct spt_stats before = spc.stats;
		uint64_t alloc0 = n_alloc;
		sf_n = 0;
		struct spt_walk w;
		memset(&w, 0x5a, sizeof(w));
		int r = spt_fault(&spc, sh, fva, acc, priv, ss, &w);
		struct spt_stats *st = &spc.stats;
		uint64_t cause = oracle_cause(bits, acc, priv, ss);
		HARNESS_EQ(st->faults, before.faults + 1);
		if (cause) {
			HARNESS_EQ(r, SPT_GUEST_FAULT);
			HARNESS_EQ(w.cause, cause);
			HARNESS_EQ(*leaf, orig);         /* a faulting access never sets A/D */
			HARNESS_EQ(st->guest_faults, before.guest_faults + 1);
			HARNESS_EQ(st->fills, before.fills);
			HARNESS_EQ(st->ad_updates, before.ad_updates);
			HARNESS_EQ(n_alloc, alloc0);
			HARNESS_EQ(sf_n, 0);
			HARNESS_EQ(sh_leaf(sh, fva), 0);
		} else {
			uint64_t want_pte = orig | A | (acc == SPT_STORE ? D : 0);
			bool adu = want_pte != orig;
			HARNESS_EQ(r, SPT_FILLED);
			HARNESS_EQ(w.cause, 0);
			HARNESS_EQ(w.gpa, frame | (fva & 0xfff));
			HARNESS_EQ(w.level, 0);
			HARNESS_EQ(w.pte_gpa, leaf_gpa);
			HARNESS_EQ(w.pte, want_pte);
			HARNESS_EQ(*leaf, want_pte);
			HARNESS_EQ(w.ad_updated, adu);
			HARNESS_EQ(st->ad_updates, before.ad_updates + adu);
			HARNESS_EQ(st->fills, before.fills + 1);
			HARNESS_EQ(st->guest_faults, before.guest_faults);
			/* The view rules, from the final guest PTE. */
			bool s_view = view & SPT_VIEW_S;
			bool gu = want_pte & U;
			bool er = (want_pte & R) || (mxr && (want_pte & X));
			bool ew = (want_pte & W) && (want_pte & D);
			bool ex = (want_pte & X) && !(s_view && gu);
			uint64_t want = frame_bits(frame) | V | U | A | D |
					(er ? R : 0) | (ew ? W : 0) | (ex ? X : 0);
			uint64_t got = sh_leaf(sh, fva);
			HARNESS_EQ(got, want);
			/* Whatever the rules, the retried access must now succeed
			 * on the real MMU (real U-mode, MXR off)... */
			HARNESS_CHECKF(got & (acc == SPT_LOAD ? R : acc == SPT_STORE ? W : X),
				       "retry would fault again: shadow 0x%" PRIx64, got);
			/* ...and nothing the view forbids is allowed. */
			if (!s_view)
				HARNESS_CHECK(gu);
			if (s_view && gu)
				HARNESS_CHECK(sum && !(got & X));
			/* New tables: the path below the root (Sv48's top 512 GiB
			 * already has the window's holder). */
			unsigned want_tables = fmt->levels - 1 - (fmt->levels == 4 && vpn(va, 3) == 511);
			HARNESS_EQ(n_alloc, alloc0 + want_tables);
			HARNESS_EQ(sf_n, 1);
			HARNESS_EQ(sf_count(true, fva, true, sh->host_asid), 1);
			HARNESS_CHECK(sh_window_ok(sh));
			/* The neighbour pages are not mapped. */
			HARNESS_EQ(sh_leaf(sh, va + 0x1000), 0);
			HARNESS_EQ(sh_leaf(sh, va - 0x1000), 0);
		}
		harness_end();
		world_end();
	}
	printf("(fill matrix: %u cases)\n", n);
}

/* ---- Defence in depth: a shadow never allows what its view forbids --------------------------------
 *
 * Umbra always reports a fault with the privilege and sstatus its active
 * view was chosen from.  Even if it did not, the shadow of a view must not
 * let through what that view forbids (a U view mapping guest S pages would
 * let guest user code read the kernel).  Every view x every (priv, SUM,
 * MXR) the fault could be reported with x permissions x U x access.
 */
static void test_view_safety(void)
{
	static const uint64_t kinds[] = { R, R | W, X, R | X, R | W | X };
	unsigned cases = 0;
	for (unsigned view = 0; view < 8; view++) {
		if ((view & SPT_VIEW_SUM) && !(view & SPT_VIEW_S))
			continue;           /* spt_view never makes it */
		for (unsigned pm = 0; pm < 8; pm++, cases++) {
			unsigned priv = pm & 1 ? PRV_S : PRV_U;
			uint64_t ss = (pm & 2 ? SUM : 0) | (pm & 4 ? MXR : 0);
			world_begin(16, RAM_GPA);
			harness_begin("view safety: view %u, fault reported as %c sum=%u mxr=%u", view,
				      priv == PRV_S ? 'S' : 'U', !!(pm & 2), !!(pm & 4));
			uint64_t root = g_table();
			struct { uint64_t va, pte; } pg[ARRAY_SIZE(kinds) * 2];
			for (unsigned i = 0; i < ARRAY_SIZE(pg); i++) {
				pg[i].va = 0x20000000 + i * 0x1000UL;
				pg[i].pte = V | A | D | kinds[i / 2] | (i & 1 ? U : 0);
				g_map(&pt_sv39, root, pg[i].va, 0, RAM_GPA + 0x100000 + i * 0x1000UL, pg[i].pte);
			}
			struct spt_shadow *sh = spt_switch(&spc, g_satp(&pt_sv39, 0, root), view);
			for (unsigned i = 0; i < ARRAY_SIZE(pg); i++)
			for (unsigned acc = 0; acc < 3; acc++) {
				struct spt_walk w;
				spt_fault(&spc, sh, pg[i].va, acc, priv, ss, &w);
				uint64_t leaf = sh_leaf(sh, pg[i].va);
				if (!(leaf & V))
					continue;
				uint64_t g = pg[i].pte, allowed = 0;
				bool s = view & SPT_VIEW_S;
				bool reach = s ? (!(g & U) || (view & SPT_VIEW_SUM)) : (g & U);
				if (reach) {
					if ((g & R) || ((view & SPT_VIEW_MXR) && (g & X)))
						allowed |= R;
					if ((g & W) && (g & D))
						allowed |= W;
					if ((g & X) && !(s && (g & U)))
						allowed |= X;
				}
				HARNESS_CHECKF((leaf & (R | W | X) & ~allowed) == 0,
					       "page %s%s %s: shadow 0x%" PRIx64 " allows more than 0x%" PRIx64,
					       (const char *[]){ "R", "RW", "X", "RX", "RWX" }[i / 2],
					       i & 1 ? "U" : "", (const char *[]){ "load", "store", "fetch" }[acc],
					       leaf, allowed);
			}
			/* An access the view forbids leaves an invalid entry behind:
			 * empty the shadow before the audit. */
			spt_sfence(&spc, false, 0, false, 0);
			harness_end();
			world_end();
		}
	}
	printf("(view safety: %u cases)\n", cases);
}

/* ---- Fill sequences: a clean page becomes writable only through a store fault ------------------ */

static void test_sequences(void)
{
	static const struct {
		const char *desc;
		const struct pt_format *fmt;
		uint64_t bits;
		unsigned view;
		unsigned n;
		enum spt_access acc[3];
		uint64_t shadow[3];          /* R/W/X of the shadow after each */
		uint64_t guest_ad[3];        /* A/D of the guest PTE after each */
	} rows[] = {
		{ "clean RW: load, then store", &pt_sv39, V | R | W, SPT_VIEW_S, 2,
		  { SPT_LOAD, SPT_STORE }, { R, R | W }, { A, A | D } },
		{ "clean RWX user: fetch, load, store (U view)", &pt_sv48, V | R | W | X | U, 0, 3,
		  { SPT_FETCH, SPT_LOAD, SPT_STORE }, { R | X, R | X, R | W | X }, { A, A, A | D } },
		{ "dirty, not accessed: load gives W at once", &pt_sv39, V | R | W | D, SPT_VIEW_S, 1,
		  { SPT_LOAD }, { R | W }, { A | D } },
		{ "clean user RW with SUM: load then store", &pt_sv39, V | R | W | U,
		  SPT_VIEW_S | SPT_VIEW_SUM, 2, { SPT_LOAD, SPT_STORE }, { R, R | W }, { A, A | D } },
		{ "X-only, MXR: fetch then load", &pt_sv48, V | X | A, SPT_VIEW_S | SPT_VIEW_MXR, 2,
		  { SPT_FETCH, SPT_LOAD }, { R | X, R | X }, { A, A } },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(rows); i++) {
		world_begin(16, RAM_GPA);
		harness_begin("sequence: %s", rows[i].desc);
		uint64_t root = g_table(), va = 0x40001000, frame = RAM_GPA + 0x7000;
		uint64_t *leaf = g_map(rows[i].fmt, root, va, 0, frame, rows[i].bits);
		struct spt_shadow *sh = spt_switch(&spc, g_satp(rows[i].fmt, 0, root), rows[i].view);
		unsigned ad_updates = 0;
		for (unsigned k = 0; k < rows[i].n; k++) {
			struct spt_walk w;
			uint64_t before = *leaf, alloc0 = n_alloc;
			int r = spt_fault(&spc, sh, va + 8, rows[i].acc[k], priv_of_view(rows[i].view),
					  sstatus_of_view(rows[i].view), &w);
			HARNESS_EQ(r, SPT_FILLED);
			HARNESS_EQ(*leaf & (A | D), rows[i].guest_ad[k]);
			ad_updates += *leaf != before;
			HARNESS_EQ(sh_leaf(sh, va) & (R | W | X), rows[i].shadow[k]);
			HARNESS_EQ(sh_leaf(sh, va) & ~0x3ffUL, frame_bits(frame));
			if (k > 0)
				HARNESS_EQ(n_alloc, alloc0); /* the same entry is rewritten */
		}
		HARNESS_EQ(spc.stats.ad_updates, ad_updates);
		HARNESS_EQ(spc.stats.fills, rows[i].n);
		harness_end();
		world_end();
	}

	world_begin(16, RAM_GPA);
	harness_begin("spt_translate: updates A/D, touches no shadow");
	{
		uint64_t root = g_table();
		uint64_t *leaf = g_map(&pt_sv39, root, 0x5000, 0, RAM_GPA + 0x9000, V | R | W);
		struct spt_walk w;
		uint64_t alloc0 = n_alloc;
		HARNESS_EQ(spt_translate(&vm, g_satp(&pt_sv39, 0, root), 0x5010, SPT_STORE, PRV_S, 0, true, &w), 0);
		HARNESS_EQ(w.gpa, RAM_GPA + 0x9010);
		HARNESS_EQ(*leaf & (A | D), A | D);
		HARNESS_EQ(n_alloc, alloc0);
		HARNESS_EQ(spc.stats.faults, 0);
		HARNESS_CHECK(spt_translate(&vm, g_satp(&pt_sv39, 0, root), 0x5010, SPT_FETCH, PRV_S, 0, true, &w) < 0);
		HARNESS_EQ(w.cause, CAUSE_FETCH_PAGE_FAULT);
	}
	harness_end();
	world_end();
}

/* ---- Superpages -------------------------------------------------------------------------------- */

/* Count the valid entries of the table an entry points to. */
static unsigned count_below(uint64_t pte)
{
	if (!is_table(pte))
		return 0;
	uint64_t *t = host_va((pte >> 10) << 12);
	unsigned n = 0;
	for (unsigned i = 0; i < 512; i++)
		n += (t[i] & V) != 0;
	return n;
}

static void test_superpages(unsigned asid_bits)
{
	const char *cfg = asid_bits ? "asid16" : "noasid";
	struct spt_walk w;

	/* ---- Sv39, a 2 MiB guest page next to 4 KiB ones ---- */
	world_begin(asid_bits, RAM_GPA);
	harness_begin("%s: sv39 2M: fills map 4K pages and mark the L1 entry", cfg);
	uint64_t root = g_table();
	uint64_t sva = 0x40600000, spa = RAM_GPA + 0x400000;
	g_map(&pt_sv39, root, sva, 1, spa, V | R | W | A | D);
	g_map(&pt_sv39, root, sva + 0x200000, 0, RAM_GPA + 0x9000, V | R | W | A | D);
	struct spt_shadow *sh = spt_switch(&spc, g_satp(&pt_sv39, 3, root), SPT_VIEW_S);
	uint64_t alloc0 = n_alloc;
	HARNESS_EQ(spt_fault(&spc, sh, sva + 0x5008, SPT_LOAD, PRV_S, 0, &w), SPT_FILLED);
	HARNESS_EQ(w.level, 1);
	HARNESS_EQ(w.gpa, spa + 0x5008);
	HARNESS_EQ(sh_leaf(sh, sva + 0x5000), frame_bits(spa + 0x5000) | V | U | A | D | R | W);
	HARNESS_EQ(spt_fault(&spc, sh, sva + 0x1ff000, SPT_STORE, PRV_S, 0, &w), SPT_FILLED);
	HARNESS_EQ(sh_leaf(sh, sva + 0x1ff000), frame_bits(spa + 0x1ff000) | V | U | A | D | R | W);
	HARNESS_EQ(spt_fault(&spc, sh, sva + 0x200010, SPT_LOAD, PRV_S, 0, &w), SPT_FILLED);
	HARNESS_EQ(w.level, 0);
	HARNESS_CHECK(sh_entry(sh, sva, 1) & SUPER);
	HARNESS_CHECK(!(sh_entry(sh, sva + 0x200000, 1) & SUPER));
	HARNESS_CHECK(!(sh_entry(sh, sva, 2) & SUPER));
	HARNESS_EQ(count_below(sh_entry(sh, sva, 1)), 2); /* one 4K entry per fill, no more */
	HARNESS_EQ(sh_leaf(sh, sva + 0x6000), 0);
	HARNESS_EQ(n_alloc, alloc0 + 3);                /* L1, and an L0 per 2 MiB */
	harness_end();

	harness_begin("%s: sv39 2M: sfence of another address in it drops the whole superpage", cfg);
	uint64_t free0 = n_free;
	sf_n = 0;
	spt_sfence(&spc, true, sva + 0x100000, false, 0);
	HARNESS_EQ(sh_entry(sh, sva, 1), 0);
	HARNESS_EQ(n_free, free0 + 1);
	HARNESS_EQ(sh_leaf(sh, sva + 0x5000), 0);
	HARNESS_EQ(sh_leaf(sh, sva + 0x1ff000), 0);
	HARNESS_CHECK(sh_leaf(sh, sva + 0x200000) != 0); /* the 4K neighbour stays */
	HARNESS_EQ(spc.stats.flush_super, 1);
	HARNESS_EQ(spc.stats.flush_va, 1);
	HARNESS_EQ(sf_count(false, 0, true, sh->host_asid), 1);
	HARNESS_CHECK(sh_window_ok(sh));
	harness_end();

	harness_begin("%s: sv39 4K flush leaves its table", cfg);
	free0 = n_free;
	sf_n = 0;
	spt_sfence(&spc, true, sva + 0x200abc, false, 0);
	HARNESS_EQ(sh_leaf(sh, sva + 0x200000), 0);
	HARNESS_CHECK(is_table(sh_entry(sh, sva + 0x200000, 1)));
	HARNESS_EQ(n_free, free0);
	HARNESS_EQ(sf_n, 1);
	HARNESS_EQ(sf_count(true, sva + 0x200000, true, sh->host_asid), 1);
	HARNESS_EQ(spc.stats.flush_super, 1);
	harness_end();

	harness_begin("%s: sv39 2M: a flush in another 2M of the same 1G keeps the superpage", cfg);
	HARNESS_EQ(spt_fault(&spc, sh, sva + 0x3000, SPT_LOAD, PRV_S, 0, &w), SPT_FILLED);
	spt_sfence(&spc, true, sva + 0x400000, false, 0);
	HARNESS_CHECK(sh_leaf(sh, sva + 0x3000) != 0);
	HARNESS_CHECK(sh_entry(sh, sva, 1) & SUPER);
	harness_end();

	harness_begin("%s: sv39 2M: superpage flush in every view", cfg);
	struct spt_shadow *sh2 = spt_switch(&spc, g_satp(&pt_sv39, 3, root), SPT_VIEW_S | SPT_VIEW_MXR);
	HARNESS_CHECK(sh2 != sh);
	HARNESS_EQ(spt_fault(&spc, sh2, sva + 0x3000, SPT_LOAD, PRV_S, MXR, &w), SPT_FILLED);
	HARNESS_EQ(spt_fault(&spc, sh2, sva + 0x4000, SPT_LOAD, PRV_S, MXR, &w), SPT_FILLED);
	uint64_t fs0 = spc.stats.flush_super;
	free0 = n_free;
	spt_sfence(&spc, true, sva + 0x1f0000, false, 0);
	HARNESS_EQ(sh_leaf(sh, sva + 0x3000), 0);
	HARNESS_EQ(sh_leaf(sh2, sva + 0x3000), 0);
	HARNESS_EQ(sh_leaf(sh2, sva + 0x4000), 0);
	HARNESS_EQ(spc.stats.flush_super, fs0 + 2);
	HARNESS_EQ(n_free, free0 + 2);
	harness_end();
	world_end();

	/* ---- Sv39, a 1 GiB guest page just below the window ---- */
	world_begin(asid_bits, RAM_GPA);
	harness_begin("%s: sv39 1G below the window", cfg);
	root = g_table();
	sva = 0xffffffff80000000UL;
	g_map(&pt_sv39, root, sva, 2, RAM_GPA, V | R | W | X | A | D);
	sh = spt_switch(&spc, g_satp(&pt_sv39, 0, root), SPT_VIEW_S);
	alloc0 = n_alloc;
	HARNESS_EQ(spt_fault(&spc, sh, sva + 0x123000, SPT_FETCH, PRV_S, 0, &w), SPT_FILLED);
	HARNESS_EQ(w.level, 2);
	HARNESS_EQ(sh_leaf(sh, sva + 0x123000), frame_bits(RAM_GPA + 0x123000) | V | U | A | D | R | W | X);
	HARNESS_EQ(spt_fault(&spc, sh, sva + 0x801000, SPT_LOAD, PRV_S, 0, &w), SPT_FILLED);
	/* Past the end of guest RAM, inside the superpage: nothing mapped. */
	HARNESS_EQ(spt_fault(&spc, sh, sva + 0x2000000, SPT_LOAD, PRV_S, 0, &w), SPT_NOT_RAM);
	HARNESS_EQ(w.gpa, RAM_GPA + 0x2000000);
	HARNESS_EQ(sh_leaf(sh, sva + 0x2000000), 0);
	HARNESS_EQ(n_alloc, alloc0 + 3);
	HARNESS_CHECK(sh->root[510] & SUPER);
	HARNESS_CHECK(!(sh_entry(sh, sva + 0x123000, 1) & SUPER));
	HARNESS_EQ(sh->root[511], WPTE);
	free0 = n_free;
	sf_n = 0;
	spt_sfence(&spc, true, sva + 0x30000000, false, 0);
	HARNESS_EQ(sh->root[510], 0);
	HARNESS_EQ(n_free, free0 + 3);
	HARNESS_EQ(sh->root[511], WPTE);
	HARNESS_CHECK(sh_empty(sh));
	HARNESS_EQ(sf_count(false, 0, true, sh->host_asid), 1);
	HARNESS_EQ(sf_count(false, 0, false, 0), 0);    /* a superpage flush is by ASID, even ASID 0 */
	harness_end();
	world_end();

	/* ---- Sv48, 1 GiB and 2 MiB guest pages in the low half ---- */
	world_begin(asid_bits, RAM_GPA);
	harness_begin("%s: sv48 1G and 2M", cfg);
	root = g_table();
	uint64_t gva = 0x0000004000000000UL, mva = 0x0000004080000000UL;
	g_map(&pt_sv48, root, gva, 2, RAM_GPA, V | R | W | A | D);
	g_map(&pt_sv48, root, mva, 1, RAM_GPA + 0x200000, V | R | X | A);
	sh = spt_switch(&spc, g_satp(&pt_sv48, 9, root), SPT_VIEW_S);
	alloc0 = n_alloc;
	HARNESS_EQ(spt_fault(&spc, sh, gva + 0x5000, SPT_STORE, PRV_S, 0, &w), SPT_FILLED);
	HARNESS_EQ(w.level, 2);
	HARNESS_EQ(spt_fault(&spc, sh, mva + 0x7000, SPT_FETCH, PRV_S, 0, &w), SPT_FILLED);
	HARNESS_EQ(w.level, 1);
	HARNESS_EQ(sh_leaf(sh, mva + 0x7000), frame_bits(RAM_GPA + 0x207000) | V | U | A | D | R | X);
	HARNESS_EQ(n_alloc, alloc0 + 5); /* L2; L1, L0 for the 1G; L1, L0 for the 2M */
	HARNESS_CHECK(sh_entry(sh, gva, 2) & SUPER);
	HARNESS_CHECK(sh_entry(sh, mva, 1) & SUPER);
	HARNESS_CHECK(!(sh_entry(sh, mva, 2) & SUPER));
	free0 = n_free;
	spt_sfence(&spc, true, mva + 0x1000, true, 9);
	HARNESS_EQ(n_free, free0 + 1);
	HARNESS_EQ(sh_leaf(sh, mva + 0x7000), 0);
	HARNESS_CHECK(sh_leaf(sh, gva + 0x5000) != 0);
	spt_sfence(&spc, true, gva + 0x3f000000, true, 9);
	HARNESS_EQ(n_free, free0 + 3);
	HARNESS_EQ(sh_leaf(sh, gva + 0x5000), 0);
	HARNESS_CHECK(is_table(sh->root[0]));           /* the L2 stays */
	HARNESS_CHECK(sh_window_ok(sh));
	harness_end();
	world_end();

	/* ---- Sv48, a 1 GiB guest page in the window's 512 GiB ---- */
	world_begin(asid_bits, RAM_GPA);
	harness_begin("%s: sv48 1G next to the window", cfg);
	root = g_table();
	sva = 0xffffffff80000000UL;
	g_map(&pt_sv48, root, sva, 2, RAM_GPA, V | R | W | A | D);
	sh = spt_switch(&spc, g_satp(&pt_sv48, 0, root), SPT_VIEW_S);
	alloc0 = n_alloc;
	HARNESS_EQ(spt_fault(&spc, sh, sva + 0x10000, SPT_LOAD, PRV_S, 0, &w), SPT_FILLED);
	HARNESS_EQ(n_alloc, alloc0 + 2);
	HARNESS_CHECK(sh_entry(sh, sva, 2) & SUPER);
	HARNESS_CHECK(!(sh->root[511] & SUPER));
	free0 = n_free;
	spt_sfence(&spc, true, sva + 0x20000000, false, 0);
	HARNESS_EQ(n_free, free0 + 2);
	HARNESS_CHECK(sh_empty(sh));
	harness_end();
	world_end();

	/* ---- Sv48, a 512 GiB guest page over the window's slot (RAM at gpa 0) ----
	 * Regression: the flush of the superpage shadowed from root[511] once
	 * freed the table holding the window. */
	world_begin(asid_bits, 0);
	harness_begin("%s: sv48 512G in root[511]: flush keeps the window holder", cfg);
	root = g_table();
	sva = 0xffffff8000000000UL;
	g_map(&pt_sv48, root, sva, 3, 0, V | R | W | X | A | D);
	sh = spt_switch(&spc, g_satp(&pt_sv48, 4, root), SPT_VIEW_S);
	uint64_t holder_pte = sh->root[511];
	alloc0 = n_alloc;
	HARNESS_EQ(spt_fault(&spc, sh, sva + 0x3000, SPT_LOAD, PRV_S, 0, &w), SPT_FILLED);
	HARNESS_EQ(w.level, 3);
	HARNESS_EQ(w.gpa, 0x3000);
	HARNESS_EQ(spt_fault(&spc, sh, sva + 0xa01000, SPT_STORE, PRV_S, 0, &w), SPT_FILLED);
	HARNESS_EQ(spt_fault(&spc, sh, sva + 0x40001000, SPT_LOAD, PRV_S, 0, &w), SPT_NOT_RAM);
	/* The window's VAs translate through it too, to non-RAM here. */
	HARNESS_EQ(spt_fault(&spc, sh, WINDOW_VA + 0x1000, SPT_LOAD, PRV_S, 0, &w), SPT_NOT_RAM);
	HARNESS_EQ(n_alloc, alloc0 + 3);
	HARNESS_EQ(sh->root[511], holder_pte | SUPER);
	HARNESS_CHECK(sh_window_ok(sh));
	free0 = n_free;
	sf_n = 0;
	spt_sfence(&spc, true, sva + 0x200000, false, 0);
	HARNESS_EQ(n_free, free0 + 3);
	HARNESS_EQ(sh->root[511], holder_pte);          /* same holder, mark cleared */
	HARNESS_CHECK(sh_window_ok(sh));
	HARNESS_CHECK(sh_empty(sh));
	HARNESS_EQ(spc.stats.flush_super, 1);
	HARNESS_EQ(sf_count(false, 0, true, sh->host_asid), 1);
	audit();
	/* Fill again, then a full flush and a clear by switching formats. */
	HARNESS_EQ(spt_fault(&spc, sh, sva + 0x3000, SPT_LOAD, PRV_S, 0, &w), SPT_FILLED);
	spt_sfence(&spc, false, 0, false, 0);
	HARNESS_EQ(sh->root[511], holder_pte);
	HARNESS_CHECK(sh_empty(sh));
	HARNESS_EQ(spt_fault(&spc, sh, sva + 0x3000, SPT_LOAD, PRV_S, 0, &w), SPT_FILLED);
	spt_sfence(&spc, false, 0, true, 4);
	HARNESS_CHECK(sh_empty(sh));
	harness_end();
	world_end();
}

/* ---- sfence.vma forms ----------------------------------------------------------------------------- */

static void test_sfence(unsigned asid_bits)
{
	const char *cfg = asid_bits ? "asid16" : "noasid";
	bool asids = asid_bits >= 5;
	const uint64_t P1 = 0x10000000, P2 = 0x10001000, P3 = 0x7f000000, P4 = 0xffffff8000001000UL;
	struct spt_stats *st = &spc.stats;

	world_begin(asid_bits, RAM_GPA);
	/* Roots: A (ASID 1), B (ASID 2), C (ASID 1), D (ASID 2, Sv48). */
	const struct pt_format *fmts[4] = { &pt_sv39, &pt_sv39, &pt_sv39, &pt_sv48 };
	uint64_t asid[4] = { 1, 2, 1, 2 }, satp[4];
	for (unsigned i = 0; i < 4; i++) {
		uint64_t root = g_table();
		g_map(fmts[i], root, P1, 0, RAM_GPA + 0x10000 + i * 0x3000, V | R | W | A | D);
		g_map(fmts[i], root, P2, 0, RAM_GPA + 0x11000 + i * 0x3000, V | R | W | A | D);
		g_map(fmts[i], root, P3, 0, RAM_GPA + 0x12000 + i * 0x3000, V | R | A);
		if (i == 3)
			g_map(fmts[i], root, P4, 0, RAM_GPA + 0x20000, V | R | A);
		satp[i] = g_satp(fmts[i], asid[i], root);
	}
	/* Shadows: A in two views, then B, C, D. */
	struct spt_shadow *sh[5];
	uint64_t sh_asid[5] = { 1, 1, 2, 1, 2 };
	sh[0] = spt_switch(&spc, satp[0], SPT_VIEW_S);
	sh[1] = spt_switch(&spc, satp[0], SPT_VIEW_S | SPT_VIEW_SUM);
	sh[2] = spt_switch(&spc, satp[1], SPT_VIEW_S);
	sh[3] = spt_switch(&spc, satp[2], SPT_VIEW_S);
	sh[4] = spt_switch(&spc, satp[3], SPT_VIEW_S);
	/* Select each shadow (as the guest would, emptying a stale one), fill it. */
#define REFILL() do { for (unsigned i_ = 0; i_ < 5; i_++) { \
		HARNESS_CHECK(spt_switch(&spc, sh[i_]->satp, sh[i_]->view) == sh[i_]); \
		fill(sh[i_], P1); fill(sh[i_], P2); fill(sh[i_], P3); } fill(sh[4], P4); } while (0)
	REFILL();

	harness_begin("%s: sfence va (all ASIDs)", cfg);
	uint64_t free0 = n_free;
	sf_n = 0;
	spt_sfence(&spc, true, P1 + 0x10, false, 0);
	for (unsigned i = 0; i < 5; i++) {
		HARNESS_EQ(sh_leaf(sh[i], P1), 0);
		HARNESS_CHECK(sh_leaf(sh[i], P2) != 0);
		HARNESS_CHECK(sh_leaf(sh[i], P3) != 0);
		HARNESS_EQ(sf_count(true, P1, true, sh[i]->host_asid), asids ? 1 : 5);
	}
	HARNESS_EQ(sf_n, 5);
	HARNESS_EQ(n_free, free0);
	HARNESS_EQ(st->flush_va, 1);
	harness_end();

	harness_begin("%s: sfence va, asid (only that ASID's shadows)", cfg);
	sf_n = 0;
	spt_sfence(&spc, true, P2, true, 1);
	for (unsigned i = 0; i < 5; i++) {
		if (sh_asid[i] == 1)
			HARNESS_EQ(sh_leaf(sh[i], P2), 0);
		else
			HARNESS_CHECK(sh_leaf(sh[i], P2) != 0);
		HARNESS_CHECK(sh_leaf(sh[i], P3) != 0);
	}
	HARNESS_EQ(sf_n, 3);
	if (asids)
		for (unsigned i = 0; i < 5; i++)
			HARNESS_EQ(sf_count(true, P2, true, sh[i]->host_asid), sh_asid[i] == 1);
	HARNESS_EQ(st->flush_va, 2);
	harness_end();

	harness_begin("%s: sfence va, asid ignores rs2 bits above the ASID", cfg);
	sf_n = 0;
	spt_sfence(&spc, true, P3, true, 0x10002);
	for (unsigned i = 0; i < 5; i++)
		HARNESS_EQ(sh_leaf(sh[i], P3) == 0, sh_asid[i] == 2);
	HARNESS_EQ(sf_n, 2);
	harness_end();

	harness_begin("%s: sfence va of an unmapped page or the window does nothing", cfg);
	sf_n = 0;
	free0 = n_free;
	spt_sfence(&spc, true, 0x12345678000UL, false, 0);
	spt_sfence(&spc, true, WINDOW_VA, false, 0);
	spt_sfence(&spc, true, WINDOW_VA + 0x12345000, true, 2);
	spt_sfence(&spc, true, IO_VA_BASE, false, 0);
	spt_sfence(&spc, true, 0xffffffffffffffffUL, false, 0);
	HARNESS_EQ(sf_n, 0);
	HARNESS_EQ(n_free, free0);
	for (unsigned i = 0; i < 5; i++)
		HARNESS_CHECK(sh_window_ok(sh[i]));
	audit();
	harness_end();

	harness_begin("%s: sfence va in Sv48's top 512 GiB keeps the window", cfg);
	REFILL();
	free0 = n_free;
	sf_n = 0;
	spt_sfence(&spc, true, P4, true, 2);
	HARNESS_EQ(sh_leaf(sh[4], P4), 0);
	HARNESS_CHECK(sh_window_ok(sh[4]));
	HARNESS_EQ(n_free, free0);
	HARNESS_EQ(sf_count(true, P4, true, sh[4]->host_asid), 1);
	audit();
	harness_end();

	harness_begin("%s: sfence asid: the active shadow is emptied, others marked stale", cfg);
	REFILL();                                   /* leaves sh[4] (ASID 2) active */
	HARNESS_CHECK(spc.active == sh[4]);
	free0 = n_free;
	sf_n = 0;
	spt_sfence(&spc, false, 0, true, 2);
	HARNESS_CHECK(sh_empty(sh[4]));
	HARNESS_EQ(sh[4]->stale, 0);
	HARNESS_EQ(sh[2]->stale, 1);                /* B: ASID 2, not in use */
	HARNESS_CHECK(sh_leaf(sh[2], P1) != 0);     /* emptied only when used again */
	for (unsigned i = 0; i < 5; i++)
		if (sh_asid[i] == 1)
			HARNESS_CHECK(!sh[i]->stale && sh_leaf(sh[i], P1) && sh_leaf(sh[i], P2) && sh_leaf(sh[i], P3));
	HARNESS_EQ(sf_n, 1);
	HARNESS_EQ(sf_count(false, 0, asids, asids ? sh[4]->host_asid : 0), 1);
	/* D (Sv48): L2 + 2 L1 + 2 L0 in the low half, L1 + L0 under the
	 * window's holder. */
	HARNESS_EQ(n_free, free0 + 7);
	HARNESS_EQ(st->flush_asid, 1);
	audit();
	harness_end();

	harness_begin("%s: stale: fences skip it, selecting it empties it", cfg);
	sf_n = 0;
	free0 = n_free;
	spt_sfence(&spc, true, P1, false, 0);
	spt_sfence(&spc, false, 0, true, 2);
	HARNESS_CHECK(sh_leaf(sh[2], P1) != 0);     /* untouched while stale */
	HARNESS_EQ(sf_count(true, P1, true, sh[2]->host_asid), asids ? 0 : 3);
	HARNESS_EQ(n_free, free0);
	sf_n = 0;
	uint64_t h0 = st->hits;
	HARNESS_CHECK(spt_switch(&spc, satp[1], SPT_VIEW_S) == sh[2]);
	HARNESS_EQ(st->hits, h0 + 1);
	HARNESS_EQ(sh[2]->stale, 0);
	HARNESS_CHECK(spc.active == sh[2]);
	HARNESS_CHECK(sh_empty(sh[2]));
	HARNESS_EQ(n_free, free0 + 4);              /* B (Sv39): 2 L1 + 2 L0 (P3 is in the second GiB) */
	HARNESS_EQ(sf_count(false, 0, asids, asids ? sh[2]->host_asid : 0), asids ? 1 : 2);
	HARNESS_EQ(last_satp, expect_satp(sh[2]));
	fill(sh[2], P1);
	audit();
	harness_end();

	harness_begin("%s: sfence all", cfg);
	REFILL();
	sf_n = 0;
	free0 = n_free;
	spt_sfence(&spc, false, 0, false, 0);
	HARNESS_CHECK(sh_empty(sh[4]));
	for (unsigned i = 0; i < 4; i++)
		HARNESS_CHECK(sh[i]->stale);
	HARNESS_EQ(sf_n, 1);
	HARNESS_EQ(st->flush_all, 1);
	/* Selecting each empties it; the shadows stay cached: hits. */
	h0 = st->hits;
	for (unsigned i = 0; i < 5; i++) {
		HARNESS_CHECK(spt_switch(&spc, sh[i]->satp, sh[i]->view) == sh[i]);
		HARNESS_CHECK(sh_empty(sh[i]));
	}
	HARNESS_EQ(st->hits, h0 + 5);
	HARNESS_EQ(sf_n, 1 + 4 + (asids ? 0 : 5));
	HARNESS_EQ(n_live, SLOT_PAGES);            /* roots and window tables */
	audit();
	harness_end();

	harness_begin("%s: sfence all in Bare marks every shadow stale", cfg);
	REFILL();
	HARNESS_CHECK(spt_switch(&spc, 0, 0) == NULL);
	HARNESS_CHECK(spc.active == NULL);
	sf_n = 0;
	free0 = n_free;
	spt_sfence(&spc, false, 0, false, 0);
	HARNESS_EQ(sf_n, 0);
	HARNESS_EQ(n_free, free0);
	for (unsigned i = 0; i < 5; i++)
		HARNESS_CHECK(sh[i]->stale);
	audit();
	harness_end();

	harness_begin("%s: evicting a stale shadow frees its tables once", cfg);
	/* The 11 free slots first, then the LRU: sh[0], stale. */
	uint64_t ev0 = st->evictions;
	for (unsigned k = 0; k < SPT_SLOTS - 5; k++)
		HARNESS_CHECK(spt_switch(&spc, g_satp(&pt_sv39, 500 + k, 0x80001000), SPT_VIEW_S) != NULL);
	HARNESS_EQ(st->evictions, ev0);
	free0 = n_free;
	struct spt_shadow *ev = spt_switch(&spc, g_satp(&pt_sv39, 600, 0x80001000), SPT_VIEW_S);
	HARNESS_CHECK(ev == sh[0]);
	HARNESS_EQ(st->evictions, ev0 + 1);
	HARNESS_EQ(ev->stale, 0);
	HARNESS_CHECK(sh_empty(ev));
	HARNESS_EQ(n_free, free0 + 4);
	audit();
	harness_end();

	harness_begin("%s: sfence asid with no such shadow", cfg);
	spt_switch(&spc, satp[3], SPT_VIEW_S);
	sf_n = 0;
	free0 = n_free;
	spt_sfence(&spc, false, 0, true, 77);
	HARNESS_EQ(sf_n, 0);
	HARNESS_EQ(n_free, free0);
	for (unsigned i = 1; i < 5; i++)
		HARNESS_EQ(sh[i]->stale, sh[i] != sh[4]);  /* unchanged */
	harness_end();
#undef REFILL
	world_end();
}

/* ---- Format switches: Sv39 <-> Sv48 in the same slots -------------------------------------------- */

static void test_format_switch(unsigned asid_bits)
{
	const char *cfg = asid_bits ? "asid16" : "noasid";
	world_begin(asid_bits, RAM_GPA);
	uint64_t r39 = g_table(), r48 = g_table();
	const uint64_t lo = 0x10000000, hi39 = 0xffffffff80001000UL, hi48 = 0xffffff8000001000UL;
	g_map(&pt_sv39, r39, lo, 0, RAM_GPA + 0x1000, V | R | A);
	g_map(&pt_sv39, r39, hi39, 0, RAM_GPA + 0x2000, V | R | A);
	g_map(&pt_sv48, r48, lo, 0, RAM_GPA + 0x3000, V | R | A);
	g_map(&pt_sv48, r48, hi48, 0, RAM_GPA + 0x4000, V | R | A);
	g_map(&pt_sv48, r48, hi39, 0, RAM_GPA + 0x5000, V | R | A);

	for (unsigned phase = 0; phase < 5; phase++) {
		/* 0: Sv39, 1: Sv48, 2: Sv39, 3: mixed, 4: Sv48 */
		harness_begin("%s: format switch phase %u", cfg, phase);
		for (unsigned k = 0; k < SPT_SLOTS; k++) {
			bool is48 = phase == 1 || phase == 4 || (phase == 3 && (k & 1));
			const struct pt_format *fmt = is48 ? &pt_sv48 : &pt_sv39;
			uint64_t satp = g_satp(fmt, phase * 100 + k, is48 ? r48 : r39);
			struct spt_shadow *sh = spt_switch(&spc, satp, SPT_VIEW_S);
			if (!HARNESS_CHECK(sh != NULL))
				continue;
			HARNESS_CHECK(sh->fmt == fmt);
			HARNESS_CHECK(sh_empty(sh));
			HARNESS_EQ(last_satp >> 60, fmt->satp_mode);
			fill(sh, lo);
			fill(sh, hi39);
			if (is48)
				fill(sh, hi48);
			HARNESS_CHECK(sh_window_ok(sh));
		}
		if (phase > 0)
			HARNESS_EQ(spc.stats.evictions, phase * SPT_SLOTS);
		audit();
		harness_end();
	}
	harness_begin("%s: format switch: all flushed, only roots and holders remain", cfg);
	spt_sfence(&spc, false, 0, false, 0);
	for (unsigned k = 0; k < SPT_SLOTS; k++)    /* select each: stale ones are emptied */
		spt_switch(&spc, g_satp(&pt_sv48, 4 * 100 + k, r48), SPT_VIEW_S);
	HARNESS_EQ(spc.stats.evictions, 4 * SPT_SLOTS);
	HARNESS_EQ(n_live, SLOT_PAGES); /* phase 4 is all Sv48: roots and window tables */
	for (unsigned k = 0; k < SPT_SLOTS; k++)
		spt_switch(&spc, g_satp(&pt_sv39, 999 + k, r39), 0);
	HARNESS_EQ(n_live, SLOT_PAGES); /* window tables stay with their slots */
	HARNESS_EQ(n_alloc, n_free + n_live);
	audit();
	harness_end();
	world_end();
}

/* ---- Not RAM, the window, guest tables outside RAM ----------------------------------------------- */

enum { NONE, ROOT_OUT, PTR_OUT, ROOT_END };

static void test_edges(void)
{
	static const struct {
		const char *desc;
		const struct pt_format *fmt;
		uint64_t va;
		unsigned level;
		uint64_t pa;             /* what the leaf maps */
		uint64_t bits;
		int where;               /* break the table pointers: ROOT_OUT, PTR_OUT, ROOT_END */
		enum spt_access acc;
		int ret;
		uint64_t cause;
		uint64_t gpa;            /* expected w.gpa for FILLED/NOT_RAM (abs) */
	} rows[] = {
		{ "leaf at the last page of RAM", &pt_sv39, 0x5000, 0, RAM_GPA + RAM_SIZE - 0x1000,
		  V | R | A, NONE, SPT_LOAD, SPT_FILLED, 0, RAM_GPA + RAM_SIZE - 0x1000 + 0x10 },
		{ "leaf just past RAM", &pt_sv39, 0x5000, 0, RAM_GPA + RAM_SIZE,
		  V | R | A, NONE, SPT_LOAD, SPT_NOT_RAM, 0, RAM_GPA + RAM_SIZE + 0x10 },
		{ "leaf just below RAM", &pt_sv48, 0x5000, 0, RAM_GPA - 0x1000,
		  V | R | W | A | D, NONE, SPT_STORE, SPT_NOT_RAM, 0, RAM_GPA - 0x1000 + 0x10 },
		{ "leaf at a device (UART)", &pt_sv39, 0x5000, 0, 0x10000000,
		  V | R | W | A | D, NONE, SPT_LOAD, SPT_NOT_RAM, 0, 0x10000010 },
		{ "leaf at gpa 0", &pt_sv48, 0x5000, 0, 0,
		  V | X | A, NONE, SPT_FETCH, SPT_NOT_RAM, 0, 0x10 },
		{ "2M leaf at the top of RAM", &pt_sv39, 0x200000, 1, RAM_GPA + RAM_SIZE - 0x200000,
		  V | R | A, NONE, SPT_LOAD, SPT_FILLED, 0, RAM_GPA + RAM_SIZE - 0x200000 + 0x10 },
		{ "guest maps the window (Sv39)", &pt_sv39, WINDOW_VA + 0x1000, 0, RAM_GPA + 0x6000,
		  V | R | A, NONE, SPT_LOAD, SPT_IN_WINDOW, 0, RAM_GPA + 0x6010 },
		{ "guest maps the window (Sv48)", &pt_sv48, WINDOW_VA, 0, RAM_GPA + 0x6000,
		  V | R | W | A | D, NONE, SPT_STORE, SPT_IN_WINDOW, 0, RAM_GPA + 0x6010 },
		{ "guest maps the I/O window (Sv39)", &pt_sv39, IO_VA_BASE + 0x3000, 0, RAM_GPA + 0x6000,
		  V | X | A, NONE, SPT_FETCH, SPT_IN_WINDOW, 0, RAM_GPA + 0x6010 },
		{ "guest 1G leaf over the window (Sv39)", &pt_sv39, WINDOW_VA + 0x5000, 2, RAM_GPA,
		  V | R | A, NONE, SPT_LOAD, SPT_IN_WINDOW, 0, RAM_GPA + 0x5010 },
		{ "guest 2M leaf at the window's top (Sv48)", &pt_sv48, 0xffffffffffe00000UL, 1, RAM_GPA + 0x200000,
		  V | R | A, NONE, SPT_LOAD, SPT_IN_WINDOW, 0, RAM_GPA + 0x200010 },
		{ "root outside RAM: load", &pt_sv39, 0x5000, 0, RAM_GPA + 0x6000,
		  V | R | A, ROOT_OUT, SPT_LOAD, SPT_GUEST_FAULT, CAUSE_LOAD_ACCESS, 0 },
		{ "root outside RAM: store", &pt_sv48, 0x5000, 0, RAM_GPA + 0x6000,
		  V | R | W | A | D, ROOT_OUT, SPT_STORE, SPT_GUEST_FAULT, CAUSE_STORE_ACCESS, 0 },
		{ "root just past RAM: fetch", &pt_sv39, 0x5000, 0, RAM_GPA + 0x6000,
		  V | X | A, ROOT_END, SPT_FETCH, SPT_GUEST_FAULT, CAUSE_FETCH_ACCESS, 0 },
		{ "table pointer outside RAM: load", &pt_sv39, 0x5000, 0, RAM_GPA + 0x6000,
		  V | R | A, PTR_OUT, SPT_LOAD, SPT_GUEST_FAULT, CAUSE_LOAD_ACCESS, 0 },
		{ "table pointer outside RAM: fetch", &pt_sv48, 0x5000, 0, RAM_GPA + 0x6000,
		  V | X | A, PTR_OUT, SPT_FETCH, SPT_GUEST_FAULT, CAUSE_FETCH_ACCESS, 0 },
		{ "non-canonical Sv39 VA", &pt_sv39, 0x0000008000005000UL, 0, RAM_GPA + 0x6000,
		  V | R | A, NONE, SPT_LOAD, SPT_GUEST_FAULT, CAUSE_LOAD_PAGE_FAULT, 0 },
		{ "unmapped VA", &pt_sv39, 0x5000, 0, RAM_GPA + 0x6000,
		  0, NONE, SPT_STORE, SPT_GUEST_FAULT, CAUSE_STORE_PAGE_FAULT, 0 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(rows); i++) {
		world_begin(i & 1 ? 0 : 16, RAM_GPA);
		harness_begin("edge: %s", rows[i].desc);
		const struct pt_format *fmt = rows[i].fmt;
		uint64_t root = g_table();
		uint64_t va = rows[i].va;
		g_map(fmt, root, va, rows[i].level, rows[i].pa, rows[i].bits);
		if (rows[i].where == ROOT_OUT)
			root = 0x1000;
		else if (rows[i].where == ROOT_END)
			root = RAM_GPA + RAM_SIZE;
		else if (rows[i].where == PTR_OUT)
			*g_ptr(root + vpn(va, fmt->levels - 1) * 8) = mkpte(RAM_GPA + RAM_SIZE + 0x3000, V);
		struct spt_shadow *sh = spt_switch(&spc, g_satp(fmt, 1, root), SPT_VIEW_S);
		uint64_t alloc0 = n_alloc;
		struct spt_walk w;
		sf_n = 0;
		int r = spt_fault(&spc, sh, va + 0x10, rows[i].acc, PRV_S, 0, &w);
		HARNESS_EQ(r, rows[i].ret);
		if (r == SPT_GUEST_FAULT)
			HARNESS_EQ(w.cause, rows[i].cause);
		else
			HARNESS_EQ(w.gpa, rows[i].gpa);
		if (r == SPT_FILLED) {
			HARNESS_EQ(sh_leaf(sh, va) & ~0x3ffUL, frame_bits(rows[i].gpa));
		} else {
			HARNESS_EQ(n_alloc, alloc0);
			HARNESS_EQ(sf_n, 0);
			HARNESS_EQ(spc.stats.fills, 0);
			if (va < WINDOW_VA)
				HARNESS_EQ(sh_leaf(sh, va), 0);
		}
		HARNESS_CHECK(sh_window_ok(sh));
		harness_end();
		world_end();
	}
}

/* ---- Running out of pages ---------------------------------------------------------------------- */

static void test_oom(void)
{
	struct spt_walk w;
	world_begin(16, RAM_GPA);
	uint64_t root = g_table();
	const uint64_t P = 0x10000000, Q = 0x50000000, Q2 = 0x50200000;
	g_map(&pt_sv39, root, P, 0, RAM_GPA + 0x1000, V | R | A);
	g_map(&pt_sv39, root, Q, 0, RAM_GPA + 0x2000, V | R | A);
	g_map(&pt_sv39, root, Q2, 0, RAM_GPA + 0x3000, V | R | A);
	struct spt_shadow *sh = spt_switch(&spc, g_satp(&pt_sv39, 0, root), SPT_VIEW_S);

	harness_begin("oom: a fill with no page left restarts the shadow");
	fill(sh, P);
	HARNESS_EQ(n_live, SLOT_PAGES + 2);
	live_limit = (int64_t)n_live;
	sf_n = 0;
	HARNESS_EQ(spt_fault(&spc, sh, Q, SPT_LOAD, PRV_S, 0, &w), SPT_FILLED);
	HARNESS_EQ(sh_leaf(sh, P), 0);
	HARNESS_CHECK(sh_leaf(sh, Q) != 0);
	HARNESS_EQ(n_live, SLOT_PAGES + 2);
	HARNESS_CHECK(n_alloc_failed >= 1);
	HARNESS_EQ(sf_count(false, 0, true, sh->host_asid), 1);
	audit();
	harness_end();

	harness_begin("oom: a walk that allocated part of the path, then ran out");
	live_limit = (int64_t)n_live + 1;      /* Q2 needs one L0; P needs an L1 and an L0 */
	fill(sh, Q2);                          /* uses the one spare page */
	HARNESS_EQ(n_live, SLOT_PAGES + 3);
	live_limit = (int64_t)n_live + 1;
	HARNESS_EQ(spt_fault(&spc, sh, P, SPT_LOAD, PRV_S, 0, &w), SPT_FILLED);
	HARNESS_CHECK(sh_leaf(sh, P) != 0);
	HARNESS_EQ(sh_leaf(sh, Q), 0);
	HARNESS_EQ(sh_leaf(sh, Q2), 0);
	HARNESS_EQ(n_live, SLOT_PAGES + 2);
	audit();
	harness_end();

	/* A guest can drive this: Umbra must not panic, but say so (the
	 * dispatcher stops that guest with a message). */
	harness_begin("oom: no page at all is SPT_NO_MEMORY, not a panic");
	live_limit = SLOT_PAGES;
	harness_panic_armed = true;
	if (!setjmp(harness_panic_jmp)) {
		HARNESS_EQ(spt_fault(&spc, sh, Q, SPT_LOAD, PRV_S, 0, &w), SPT_NO_MEMORY);
	} else {
		HARNESS_CHECKF(false, "panicked: %s", harness_panic_msg);
	}
	harness_panic_armed = false;
	live_limit = -1;
	HARNESS_EQ(spc.pages, 0);
	audit();
	harness_end();
	world_end();

	/* Pages held by a shadow that is stale (fenced while not in use) are
	 * garbage: running out of pages must reclaim them before giving up. */
	world_begin(16, RAM_GPA);
	harness_begin("oom: pages of stale shadows are reclaimed before panicking");
	{
		uint64_t rx = g_table(), ry = g_table();
		for (unsigned i = 0; i < 4; i++)        /* four 1 GiB regions: 8 tables */
			g_map(&pt_sv39, rx, (uint64_t)i << 30, 0, RAM_GPA + 0x1000, V | R | A);
		g_map(&pt_sv39, ry, P, 0, RAM_GPA + 0x1000, V | R | A);
		g_map(&pt_sv39, ry, Q, 0, RAM_GPA + 0x2000, V | R | A);
		struct spt_shadow *x = spt_switch(&spc, g_satp(&pt_sv39, 1, rx), SPT_VIEW_S);
		for (unsigned i = 0; i < 4; i++)
			fill(x, (uint64_t)i << 30);
		struct spt_shadow *y = spt_switch(&spc, g_satp(&pt_sv39, 2, ry), SPT_VIEW_S);
		fill(y, P);
		spt_sfence(&spc, false, 0, false, 0);   /* y emptied, x stale */
		HARNESS_EQ(x->stale, 1);
		HARNESS_EQ(n_live, SLOT_PAGES + 8);
		live_limit = (int64_t)n_live + 1;       /* Q needs 2 tables: one short */
		harness_panic_armed = true;
		if (!setjmp(harness_panic_jmp)) {
			int r = spt_fault(&spc, y, Q, SPT_LOAD, PRV_S, 0, &w);
			harness_panic_armed = false;
			HARNESS_EQ(r, SPT_FILLED);
			HARNESS_CHECK(sh_leaf(y, Q) != 0);
		} else {
			HARNESS_CHECKF(false, "panicked (\"%s\") with %u pages held by a stale shadow",
				       harness_panic_msg, 8);
		}
		harness_panic_armed = false;
		live_limit = -1;
		audit();
	}
	harness_end();
	world_end();

	world_begin(16, RAM_GPA);
	harness_begin("oom: spt_init without pages fails");
	pool_reset();
	memset(&spc, 0, sizeof(spc));
	live_limit = 3;
	HARNESS_EQ(spt_init(&spc, &vm, SPT_MAX_PAGES, 1), ERR_NOMEM);
	live_limit = -1;
	harness_end();
	pool_reset();
}

/*
 * The quota: a guest decides how many tables its address spaces need (here
 * one 2 MiB guest leaf in every 2 MiB of 9 GiB, so that every fill needs a
 * shadow table of its own), but its shadows never hold more than
 * SPT_MAX_PAGES table pages: the fill that would pass it empties every
 * shadow first, and the fill itself still works.
 */
static void test_quota(void)
{
	const unsigned gib = SPT_MAX_PAGES / 512 + 1;
	world_begin(16, RAM_GPA);
	harness_begin("quota: shadows hold at most SPT_MAX_PAGES tables");
	uint64_t root = g_table();
	for (unsigned g = 0; g < gib; g++)
		for (unsigned j = 0; j < 512; j++)
			g_map(&pt_sv39, root, (uint64_t)g << 30 | (uint64_t)j << 21, 1, RAM_GPA,
			      V | R | A);
	struct spt_shadow *sh = spt_switch(&spc, g_satp(&pt_sv39, 0, root), SPT_VIEW_S);
	uint64_t most = 0;
	for (unsigned g = 0; g < gib; g++)
		for (unsigned j = 0; j < 512; j++) {
			fill(sh, (uint64_t)g << 30 | (uint64_t)j << 21);
			most = spc.pages > most ? spc.pages : most;
			if (n_live - SLOT_PAGES != spc.pages) {
				HARNESS_CHECKF(false, "the quota's count (%u) is not the pages held (%" PRIu64 ")",
					       spc.pages, n_live - SLOT_PAGES);
				g = gib;
				break;
			}
		}
	HARNESS_CHECKF(most <= SPT_MAX_PAGES, "the shadows held %" PRIu64 " tables", most);
	HARNESS_EQ(spc.stats.purges, 1);
	HARNESS_CHECK(sh_leaf(sh, (uint64_t)(gib - 1) << 30 | 511UL << 21) != 0);
	audit();
	harness_end();
	world_end();
}

/* ---- The stats printout ------------------------------------------------------------------------ */

static void test_print(void)
{
	world_begin(16, RAM_GPA);
	harness_begin("spt_print_stats");
	uint64_t root = g_table();
	g_map(&pt_sv39, root, 0x1000, 0, RAM_GPA + 0x1000, V | R);
	struct spt_shadow *sh = spt_switch(&spc, g_satp(&pt_sv39, 0, root), SPT_VIEW_S);
	fill(sh, 0x1000);
	harness_console_clear();
	spt_print_stats(&spc);
	HARNESS_CHECK(strstr(harness_console, "fills") != NULL);
	HARNESS_CHECK(strstr(harness_console, "A/D updates") != NULL);
	HARNESS_CHECK(strstr(harness_console, "cache misses") != NULL);
	HARNESS_CHECK(strstr(harness_console, "flush all") == NULL); /* zero rows are left out */
	harness_end();
	world_end();
}

int main(void)
{
	/* The numbers are cases: the audits between them check every PTE. */
	harness.cases_only = true;
	ram_buf = aligned_alloc(2UL << 20, RAM_SIZE);
	if (!ram_buf)
		harness_fatal("out of host memory");
	memset(ram_buf, 0, RAM_SIZE);
	gt_next = 0;
	for (unsigned i = 0; i < 512; i++)
		window_page[i] = window_pattern(i);
	if (!pa_fits(window_page) || !pa_fits(ram_buf) || !pa_fits(bare_page) ||
	    !pa_fits(ram_buf + RAM_SIZE)) {
		harness_fatal("host addresses minus UMBRA_VA_OFFSET do not fit in 56 bits");
	}
	WPTE = (host_pa(window_page) >> 12) << 10 | V;

	test_view();
	for (unsigned bits = 0; bits <= 16; bits += 16) {
		test_cache(bits);
		test_superpages(bits);
		test_sfence(bits);
		test_format_switch(bits);
	}
	test_fill_matrix();
	test_view_safety();
	test_sequences();
	test_edges();
	test_oom();
	test_quota();
	test_print();

	free(pages);
	free(ram_buf);
	return harness_done();
}
