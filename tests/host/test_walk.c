/*
 * test_walk.c - host unit test for src/shadowpt/walk.c, the software walk
 * of the guest's Sv39/Sv48 page tables.
 *
 * The guest's memory is simulated: 64 MiB at guest-physical 0x80000000, a
 * plain array here.  Its pte_ptr() hands out pointers into the array and
 * returns NULL for any address outside it, which the walker must turn into
 * an access fault.
 *
 * Three parts:
 *
 *  1. spt_guest_format() for all sixteen satp.MODE values.
 *
 *  2. One explicit TABLE of cases.  Each row says how to build the guest
 *     tables (the level and bits of the leaf PTE, what it maps, and
 *     optionally an altered pointer PTE, a moved table or root, a PTE
 *     another hart rewrites in the middle of the walk), the access (VA,
 *     load/store/fetch, S/U, SUM, MXR, whether A/D are set by "hardware"),
 *     and what must come out: the exception cause (0 = none), the
 *     guest-physical address, and the leaf's A/D bits in guest memory
 *     afterwards.  Expected values were worked out by hand from the spec.
 *
 *  3. A generated permission matrix, with its own oracle written as
 *     look-up tables (the spec's R/W/X encoding table and the U/SUM rules),
 *     so the expected outcomes do not share code with walk.c:
 *     R/W/X x U x S/U-mode x SUM x MXR x access x A x D x set_ad
 *     x aligned/misaligned, for every page size of Sv39 and Sv48.
 *
 * Checked for every walk: the return value and cause; on success the gpa,
 * level, leaf PTE and its address; the leaf PTE in memory (only A/D may
 * change, and only as expected) and ad_updated (set iff this walk changed
 * it); every pointer PTE unchanged (hardware never sets A/D on non-leaf
 * PTEs).
 *
 * Build and run (from the repository root):
 *   gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -DUMBRA_HOST_TEST \
 *       -Isrc/include -Isrc/core -Isrc/trap -Isrc/decode -Isrc/shadowpt \
 *       -o build/host/test_walk tests/host/test_walk.c src/shadowpt/walk.c
 *   ./build/host/test_walk
 * Prints one line per failure and "walk: N passed, M failed"; exits 1 on
 * any failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "spt.h"

/* src/core/pt.c owns pt_sv39/pt_sv48 in Umbra, but it needs the host
 * allocator (and panic): the walk of guest tables needs only the formats,
 * which harness.h provides. */
#define HARNESS_NAME "walk"
#define HARNESS_STUB_PT_FORMATS
#include "harness.h"

/* ---- Simulated guest memory ------------------------------------------------- */

#define RAM_BASE  0x80000000UL
#define RAM_SIZE  (64UL << 20)
#define RAM_END   (RAM_BASE + RAM_SIZE)
#define TABLES    (RAM_BASE + (48UL << 20))   /* where the builder puts tables */
#define ASID      0x5a5UL                     /* every satp carries it; it must not matter */

static uint64_t ram[RAM_SIZE / 8];

static bool in_ram(uint64_t gpa)
{
	return gpa >= RAM_BASE && gpa < RAM_END;
}

static uint64_t *ram_at(uint64_t gpa)
{
	return in_ram(gpa) ? &ram[(gpa - RAM_BASE) / 8] : NULL;
}

/*
 * The pte_ptr callback.  It counts calls, and can play "another hart": on
 * the second request for 'tamper_gpa' - the walker's step-7 check before
 * it writes A/D - it rewrites that PTE, so the walker's compare-and-swap
 * sees a value different from the one it read.
 */
struct sim {
	unsigned calls;
	uint64_t tamper_gpa;
	uint64_t tamper_val;
	unsigned tamper_seen;
	bool tamper_armed;
};

static uint64_t *sim_pte_ptr(void *ctx, uint64_t gpa)
{
	struct sim *s = ctx;
	s->calls++;
	if (gpa & 7)
		return NULL;   /* never happens: PTEs are 8-byte aligned */
	if (s->tamper_armed && gpa == s->tamper_gpa && ++s->tamper_seen == 2) {
		*ram_at(gpa) = s->tamper_val;
		s->tamper_armed = false;
	}
	return ram_at(gpa);
}

/* ---- Building guest page tables ------------------------------------------------- */

static uint64_t next_table;
static uint64_t used_pages[16];
static unsigned n_used;
static struct { uint64_t *slot; uint64_t val; } ptrs[8];
static unsigned n_ptrs;

static void use_page(uint64_t pa)
{
	if (!in_ram(pa))
		return;
	memset(ram_at(pa), 0, PAGE_SIZE);
	if (n_used < ARRAY_SIZE(used_pages))
		used_pages[n_used++] = pa;
}

static void reset_memory(void)
{
	for (unsigned i = 0; i < n_used; i++)
		memset(ram_at(used_pages[i]), 0, PAGE_SIZE);
	n_used = 0;
	n_ptrs = 0;
	next_table = TABLES;
}

static uint64_t table_alloc(void)
{
	uint64_t pa = next_table;
	next_table += PAGE_SIZE;
	return pa;
}

static uint64_t vpn(uint64_t va, unsigned level)
{
	return (va >> (12 + 9 * level)) & 511;
}

static uint64_t make_pte(uint64_t pa, uint64_t bits)
{
	return (pa >> 12) << 10 | bits;
}

/* How one row wants its tables built. */
struct layout {
	const struct pt_format *fmt;
	uint64_t va;
	unsigned level;     /* level of the leaf PTE */
	uint64_t pte;       /* leaf PTE bits (everything but the PPN) */
	uint64_t pa;        /* what the leaf maps: its PPN */
	uint64_t root_pa;   /* 0: allocate; else the root table lives here */
	unsigned ptr_level; /* 0: none; else the pointer PTE at this level ... */
	uint64_t ptr_set;   /* ... gets these bits set ... */
	uint64_t ptr_clr;   /* ... and these cleared ... */
	uint64_t table_pa;  /* ... and (if nonzero) points to a table here */
};

/*
 * Build tables for 'l' and return the root's guest-physical address.  The
 * leaf PTE's address goes to *leaf_gpa (0 if the build stopped at a table
 * outside RAM).  Every pointer PTE written is remembered in ptrs[].
 */
static uint64_t build(const struct layout *l, uint64_t *leaf_gpa)
{
	uint64_t root = l->root_pa ? l->root_pa : table_alloc();
	uint64_t table = root;

	*leaf_gpa = 0;
	use_page(root);
	for (unsigned lv = l->fmt->levels - 1; lv > l->level; lv--) {
		uint64_t *slot = ram_at(table + vpn(l->va, lv) * 8);
		if (!slot)
			return root;
		uint64_t next = (lv == l->ptr_level && l->table_pa) ? l->table_pa : table_alloc();
		use_page(next);
		uint64_t pte = make_pte(next, PTE_V);
		if (lv == l->ptr_level)
			pte = (pte | l->ptr_set) & ~l->ptr_clr;
		*slot = pte;
		ptrs[n_ptrs].slot = slot;
		ptrs[n_ptrs++].val = pte;
		table = next;
	}
	uint64_t *slot = ram_at(table + vpn(l->va, l->level) * 8);
	if (slot) {
		*slot = make_pte(l->pa, l->pte);
		*leaf_gpa = table + vpn(l->va, l->level) * 8;
	}
	return root;
}

/* ---- The table of cases ------------------------------------------------------- */

struct row {
	const char *desc;
	const struct pt_format *fmt;
	unsigned level;
	uint64_t pte, pa;           /* the leaf */
	uint64_t root_pa;
	unsigned ptr_level;
	uint64_t ptr_set, ptr_clr, table_pa;
	bool raw_mode;              /* satp.MODE = mode instead of fmt's */
	uint64_t mode;
	bool tamper;                /* another hart rewrites the leaf to tpte/tpa */
	uint64_t tpte, tpa;
	uint64_t va;
	enum spt_access acc;
	unsigned priv;
	uint64_t ss;                /* sstatus */
	bool set_ad;
	uint64_t cause;             /* expected; 0 = translation succeeds */
	uint64_t gpa;               /* expected when cause == 0 */
	uint64_t ad;                /* expected A|D bits of the leaf afterwards */
	bool no_reads;              /* the walk must not read any PTE */
	bool inval;                 /* expect ERR_INVAL (a satp mode not offered) */
	bool fill;                  /* fill the page at 'pa' with valid RWX leaves */
};

/* Short names, so a row reads like a line of a spec table. */
#define V PTE_V
#define R PTE_R
#define W PTE_W
#define X PTE_X
#define U PTE_U
#define G PTE_G
#define A PTE_A
#define D PTE_D
#define RSW (3UL << 8)          /* bits 9:8, reserved for supervisor software */
#define N_BIT (1UL << 63)       /* Svnapot */
#define PBMT_NC (1UL << 61)     /* Svpbmt: PBMT = 1 */
#define PBMT_IO (2UL << 61)     /* Svpbmt: PBMT = 2 */
#define SUM SSTATUS_SUM
#define MXR SSTATUS_MXR

#define SV39 .fmt = &pt_sv39
#define SV48 .fmt = &pt_sv48
#define LEAF(lvl, bits, pa_) .level = (lvl), .pte = (bits), .pa = (pa_)
#define LOAD  .acc = SPT_LOAD
#define STORE .acc = SPT_STORE
#define FETCH .acc = SPT_FETCH
#define SMODE .priv = PRV_S
#define UMODE .priv = PRV_U
#define HWAD  .set_ad = true     /* emulate the hardware A/D update */
#define SVADE .set_ad = false    /* A=0 or (store and D=0) is a page fault */
#define OK(g) .cause = 0, .gpa = (g)
#define IPF .cause = CAUSE_FETCH_PAGE_FAULT
#define LPF .cause = CAUSE_LOAD_PAGE_FAULT
#define SPF .cause = CAUSE_STORE_PAGE_FAULT
#define IAF .cause = CAUSE_FETCH_ACCESS
#define LAF .cause = CAUSE_LOAD_ACCESS
#define SAF .cause = CAUSE_STORE_ACCESS

/*
 * Addresses used throughout.  VA39/VA48 have nonzero indices at every
 * level (vpn[3..0] of VA48 = 0xfe, 0x48, 0x1a2, 0x167); the K variants are
 * kernel-half (negative) addresses.
 */
#define VA39   0x0000001234567abcUL
#define VA39K  0xffffffffc0201abcUL   /* vpn = 0x1ff, 1, 1 */
#define VA48   0x00007f1234567abcUL
#define VA48K  0xffff800000001abcUL   /* vpn = 0x100, 0, 0, 1 */
#define PA4K   0x80123000UL
#define PA2M   0x80400000UL
#define PA1G   0x80000000UL
#define PA512G 0x8000000000UL

static const struct row rows[] = {
	/* ---- Page sizes, both formats, user and kernel halves --------------- */
	{ "sv39 4K load", SV39, LEAF(0, V|R|W|X|A|D, PA4K), .va = VA39, LOAD, SMODE, OK(0x80123abc), .ad = A|D },
	{ "sv39 2M load", SV39, LEAF(1, V|R|W|X|A|D, PA2M), .va = VA39, LOAD, SMODE, OK(0x80567abc), .ad = A|D },
	{ "sv39 1G load", SV39, LEAF(2, V|R|W|X|A|D, PA1G), .va = VA39, LOAD, SMODE, OK(0xb4567abc), .ad = A|D },
	{ "sv39 4K kernel VA", SV39, LEAF(0, V|R|W|X|A|D, PA4K), .va = VA39K, LOAD, SMODE, OK(0x80123abc), .ad = A|D },
	{ "sv39 2M kernel VA", SV39, LEAF(1, V|R|W|X|A|D, PA2M), .va = VA39K, STORE, SMODE, OK(0x80401abc), .ad = A|D },
	{ "sv39 1G kernel VA", SV39, LEAF(2, V|R|W|X|A|D, PA1G), .va = VA39K, FETCH, SMODE, OK(0x80201abc), .ad = A|D },
	{ "sv48 4K load", SV48, LEAF(0, V|R|W|X|A|D, PA4K), .va = VA48, LOAD, SMODE, OK(0x80123abc), .ad = A|D },
	{ "sv48 2M load", SV48, LEAF(1, V|R|W|X|A|D, PA2M), .va = VA48, LOAD, SMODE, OK(0x80567abc), .ad = A|D },
	{ "sv48 1G load", SV48, LEAF(2, V|R|W|X|A|D, PA1G), .va = VA48, LOAD, SMODE, OK(0xb4567abc), .ad = A|D },
	{ "sv48 512G load", SV48, LEAF(3, V|R|W|X|A|D, PA512G), .va = VA48, LOAD, SMODE, OK(0x9234567abc), .ad = A|D },
	{ "sv48 512G kernel VA", SV48, LEAF(3, V|R|W|X|A|D, PA512G), .va = VA48K, STORE, SMODE, OK(0x8000001abc), .ad = A|D },
	{ "sv48 4K kernel VA", SV48, LEAF(0, V|R|W|X|A|D, PA4K), .va = VA48K, FETCH, SMODE, OK(0x80123abc), .ad = A|D },
	{ "sv48 VA canonical in Sv48, not in Sv39", SV48, LEAF(0, V|R|A|D, PA4K), .va = 0x0000400000000abcUL, LOAD, SMODE, OK(0x80123abc), .ad = A|D },
	{ "sv39 4K leaf at an odd PPN is fine", SV39, LEAF(0, V|R|A|D, 0x80001000), .va = VA39, LOAD, SMODE, OK(0x80001abc), .ad = A|D },

	/* ---- R/W/X encodings, S-mode on a supervisor page (4K) --------------- */
	{ "R: load", SV39, LEAF(0, V|R|A|D, PA4K), .va = VA39, LOAD, SMODE, OK(0x80123abc), .ad = A|D },
	{ "R: store", SV39, LEAF(0, V|R|A|D, PA4K), .va = VA39, STORE, SMODE, SPF, .ad = A|D },
	{ "R: fetch", SV39, LEAF(0, V|R|A|D, PA4K), .va = VA39, FETCH, SMODE, IPF, .ad = A|D },
	{ "RW: load", SV39, LEAF(0, V|R|W|A|D, PA4K), .va = VA39, LOAD, SMODE, OK(0x80123abc), .ad = A|D },
	{ "RW: store", SV39, LEAF(0, V|R|W|A|D, PA4K), .va = VA39, STORE, SMODE, OK(0x80123abc), .ad = A|D },
	{ "RW: fetch", SV39, LEAF(0, V|R|W|A|D, PA4K), .va = VA39, FETCH, SMODE, IPF, .ad = A|D },
	{ "X: load", SV39, LEAF(0, V|X|A|D, PA4K), .va = VA39, LOAD, SMODE, LPF, .ad = A|D },
	{ "X: store", SV39, LEAF(0, V|X|A|D, PA4K), .va = VA39, STORE, SMODE, SPF, .ad = A|D },
	{ "X: fetch", SV39, LEAF(0, V|X|A|D, PA4K), .va = VA39, FETCH, SMODE, OK(0x80123abc), .ad = A|D },
	{ "RX: load", SV39, LEAF(0, V|R|X|A|D, PA4K), .va = VA39, LOAD, SMODE, OK(0x80123abc), .ad = A|D },
	{ "RX: store", SV39, LEAF(0, V|R|X|A|D, PA4K), .va = VA39, STORE, SMODE, SPF, .ad = A|D },
	{ "RX: fetch", SV39, LEAF(0, V|R|X|A|D, PA4K), .va = VA39, FETCH, SMODE, OK(0x80123abc), .ad = A|D },
	{ "RWX: load", SV39, LEAF(0, V|R|W|X|A|D, PA4K), .va = VA39, LOAD, SMODE, OK(0x80123abc), .ad = A|D },
	{ "RWX: store", SV39, LEAF(0, V|R|W|X|A|D, PA4K), .va = VA39, STORE, SMODE, OK(0x80123abc), .ad = A|D },
	{ "RWX: fetch", SV39, LEAF(0, V|R|W|X|A|D, PA4K), .va = VA39, FETCH, SMODE, OK(0x80123abc), .ad = A|D },
	{ "W without R (reserved): load", SV39, LEAF(0, V|W|A|D, PA4K), .va = VA39, LOAD, SMODE, LPF, .ad = A|D },
	{ "W without R (reserved): store", SV39, LEAF(0, V|W|A|D, PA4K), .va = VA39, STORE, SMODE, SPF, .ad = A|D },
	{ "W without R (reserved): fetch", SV39, LEAF(0, V|W|A|D, PA4K), .va = VA39, FETCH, SMODE, IPF, .ad = A|D },
	{ "WX without R (reserved): fetch", SV39, LEAF(0, V|W|X|A|D, PA4K), .va = VA39, FETCH, SMODE, IPF, .ad = A|D },
	{ "WX without R (reserved): store", SV48, LEAF(0, V|W|X|A|D, PA4K), .va = VA48, STORE, SMODE, SPF, .ad = A|D },
	{ "W without R (reserved) at 2M", SV39, LEAF(1, V|W|A|D, PA2M), .va = VA39, STORE, SMODE, SPF, .ad = A|D },

	/* ---- MXR: loads from executable pages --------------------------------- */
	{ "MXR: S load X-only", SV39, LEAF(0, V|X|A|D, PA4K), .va = VA39, LOAD, SMODE, .ss = MXR, OK(0x80123abc), .ad = A|D },
	{ "MXR: S store X-only still faults", SV39, LEAF(0, V|X|A|D, PA4K), .va = VA39, STORE, SMODE, .ss = MXR, SPF, .ad = A|D },
	{ "MXR: S fetch X-only", SV39, LEAF(0, V|X|A|D, PA4K), .va = VA39, FETCH, SMODE, .ss = MXR, OK(0x80123abc), .ad = A|D },
	{ "MXR: S load R-only", SV39, LEAF(0, V|R|A|D, PA4K), .va = VA39, LOAD, SMODE, .ss = MXR, OK(0x80123abc), .ad = A|D },
	{ "MXR: does not make R fetchable", SV39, LEAF(0, V|R|A|D, PA4K), .va = VA39, FETCH, SMODE, .ss = MXR, IPF, .ad = A|D },
	{ "MXR: U load X-only user page", SV39, LEAF(0, V|X|U|A|D, PA4K), .va = VA39, LOAD, UMODE, .ss = MXR, OK(0x80123abc), .ad = A|D },
	{ "MXR: U load X-only supervisor page", SV39, LEAF(0, V|X|A|D, PA4K), .va = VA39, LOAD, UMODE, .ss = MXR, LPF, .ad = A|D },
	{ "MXR+SUM: S load X-only user page", SV39, LEAF(0, V|X|U|A|D, PA4K), .va = VA39, LOAD, SMODE, .ss = MXR|SUM, OK(0x80123abc), .ad = A|D },
	{ "MXR without SUM: S load X-only user page", SV39, LEAF(0, V|X|U|A|D, PA4K), .va = VA39, LOAD, SMODE, .ss = MXR, LPF, .ad = A|D },
	{ "MXR: U load X-only 1G user page", SV39, LEAF(2, V|X|U|A|D, PA1G), .va = VA39, LOAD, UMODE, .ss = MXR, OK(0xb4567abc), .ad = A|D },

	/* ---- The U bit, privilege and SUM -------------------------------------- */
	{ "U on user RWX: load", SV39, LEAF(0, V|R|W|X|U|A|D, PA4K), .va = VA39, LOAD, UMODE, OK(0x80123abc), .ad = A|D },
	{ "U on user RWX: store", SV39, LEAF(0, V|R|W|X|U|A|D, PA4K), .va = VA39, STORE, UMODE, OK(0x80123abc), .ad = A|D },
	{ "U on user RWX: fetch", SV39, LEAF(0, V|R|W|X|U|A|D, PA4K), .va = VA39, FETCH, UMODE, OK(0x80123abc), .ad = A|D },
	{ "U on supervisor RWX: load", SV39, LEAF(0, V|R|W|X|A|D, PA4K), .va = VA39, LOAD, UMODE, LPF, .ad = A|D },
	{ "U on supervisor RWX: store", SV39, LEAF(0, V|R|W|X|A|D, PA4K), .va = VA39, STORE, UMODE, SPF, .ad = A|D },
	{ "U on supervisor RWX: fetch", SV39, LEAF(0, V|R|W|X|A|D, PA4K), .va = VA39, FETCH, UMODE, IPF, .ad = A|D },
	{ "U on supervisor page, SUM=1 irrelevant", SV39, LEAF(0, V|R|W|X|A|D, PA4K), .va = VA39, LOAD, UMODE, .ss = SUM, LPF, .ad = A|D },
	{ "U on user page, SUM=1 irrelevant", SV39, LEAF(0, V|R|U|A|D, PA4K), .va = VA39, LOAD, UMODE, .ss = SUM, OK(0x80123abc), .ad = A|D },
	{ "U store on user R-only", SV39, LEAF(0, V|R|U|A|D, PA4K), .va = VA39, STORE, UMODE, SPF, .ad = A|D },
	{ "U fetch on user RW", SV39, LEAF(0, V|R|W|U|A|D, PA4K), .va = VA39, FETCH, UMODE, IPF, .ad = A|D },
	{ "S on user page, SUM=0: load", SV39, LEAF(0, V|R|W|X|U|A|D, PA4K), .va = VA39, LOAD, SMODE, LPF, .ad = A|D },
	{ "S on user page, SUM=0: store", SV39, LEAF(0, V|R|W|X|U|A|D, PA4K), .va = VA39, STORE, SMODE, SPF, .ad = A|D },
	{ "S on user page, SUM=0: fetch", SV39, LEAF(0, V|R|W|X|U|A|D, PA4K), .va = VA39, FETCH, SMODE, IPF, .ad = A|D },
	{ "S on user page, SUM=1: load", SV39, LEAF(0, V|R|W|X|U|A|D, PA4K), .va = VA39, LOAD, SMODE, .ss = SUM, OK(0x80123abc), .ad = A|D },
	{ "S on user page, SUM=1: store", SV39, LEAF(0, V|R|W|X|U|A|D, PA4K), .va = VA39, STORE, SMODE, .ss = SUM, OK(0x80123abc), .ad = A|D },
	{ "S on user page, SUM=1: fetch never", SV39, LEAF(0, V|R|W|X|U|A|D, PA4K), .va = VA39, FETCH, SMODE, .ss = SUM, IPF, .ad = A|D },
	{ "S on user page, SUM+MXR: fetch never", SV48, LEAF(0, V|X|U|A|D, PA4K), .va = VA48, FETCH, SMODE, .ss = SUM|MXR, IPF, .ad = A|D },
	{ "S on user page, SUM=1: store to R-only", SV39, LEAF(0, V|R|U|A|D, PA4K), .va = VA39, STORE, SMODE, .ss = SUM, SPF, .ad = A|D },
	{ "S on supervisor page, SUM=1: load", SV39, LEAF(0, V|R|X|A|D, PA4K), .va = VA39, LOAD, SMODE, .ss = SUM, OK(0x80123abc), .ad = A|D },
	{ "S on supervisor page, SUM=1: fetch", SV39, LEAF(0, V|R|X|A|D, PA4K), .va = VA39, FETCH, SMODE, .ss = SUM, OK(0x80123abc), .ad = A|D },
	{ "other sstatus bits ignored (no SUM)", SV39, LEAF(0, V|R|W|U|A|D, PA4K), .va = VA39, LOAD, SMODE, .ss = ~(SUM|MXR), LPF, .ad = A|D },
	{ "other sstatus bits ignored (SUM)", SV39, LEAF(0, V|R|W|U|A|D, PA4K), .va = VA39, STORE, SMODE, .ss = ~MXR, OK(0x80123abc), .ad = A|D },
	{ "other sstatus bits ignored (no MXR)", SV39, LEAF(0, V|X|A|D, PA4K), .va = VA39, LOAD, SMODE, .ss = ~MXR, LPF, .ad = A|D },

	/* ---- Permissions on superpages ----------------------------------------- */
	{ "2M user page: U store", SV39, LEAF(1, V|R|W|U|A|D, PA2M), .va = VA39, STORE, UMODE, OK(0x80567abc), .ad = A|D },
	{ "1G X-only: S fetch", SV39, LEAF(2, V|X|A|D, PA1G), .va = VA39, FETCH, SMODE, OK(0xb4567abc), .ad = A|D },
	{ "512G user page, SUM=1: S store", SV48, LEAF(3, V|R|W|U|A|D, PA512G), .va = VA48, STORE, SMODE, .ss = SUM, OK(0x9234567abc), .ad = A|D },
	{ "512G supervisor page: U load", SV48, LEAF(3, V|R|W|A|D, PA512G), .va = VA48, LOAD, UMODE, LPF, .ad = A|D },
	{ "2M RW: S fetch", SV39, LEAF(1, V|R|W|A|D, PA2M), .va = VA39, FETCH, SMODE, IPF, .ad = A|D },
	{ "1G user page, SUM=1: S fetch", SV48, LEAF(2, V|R|X|U|A|D, PA1G), .va = VA48, FETCH, SMODE, .ss = SUM, IPF, .ad = A|D },

	/* ---- Misaligned superpages (step 6) ----------------------------------- */
	{ "2M leaf, ppn[0] != 0", SV39, LEAF(1, V|R|W|A|D, 0x80401000), .va = VA39, LOAD, SMODE, LPF, .ad = A|D },
	{ "2M leaf, ppn[0] = 0x1ff", SV39, LEAF(1, V|R|W|A|D, 0x805ff000), .va = VA39, STORE, SMODE, SPF, .ad = A|D },
	{ "2M leaf, aligned elsewhere", SV39, LEAF(1, V|R|W|A|D, 0x80600000), .va = VA39, LOAD, SMODE, OK(0x80767abc), .ad = A|D },
	{ "1G leaf, ppn[1] != 0", SV39, LEAF(2, V|R|W|X|A|D, 0x80200000), .va = VA39, FETCH, SMODE, IPF, .ad = A|D },
	{ "1G leaf, ppn[0] != 0", SV39, LEAF(2, V|R|W|A|D, 0x80001000), .va = VA39, STORE, SMODE, SPF, .ad = A|D },
	{ "sv48 1G leaf, ppn[1] != 0", SV48, LEAF(2, V|R|A|D, 0x80200000), .va = VA48, LOAD, SMODE, LPF, .ad = A|D },
	{ "512G leaf, ppn[2] != 0", SV48, LEAF(3, V|R|W|A|D, 0x8040000000), .va = VA48, LOAD, SMODE, LPF, .ad = A|D },
	{ "512G leaf, ppn[1] != 0", SV48, LEAF(3, V|R|X|A|D, 0x8000200000), .va = VA48, FETCH, SMODE, IPF, .ad = A|D },
	{ "512G leaf, ppn[0] != 0", SV48, LEAF(3, V|R|W|A|D, 0x8000001000), .va = VA48, STORE, SMODE, SPF, .ad = A|D },
	{ "512G leaf at 1 TiB, aligned", SV48, LEAF(3, V|R|W|A|D, 0x10000000000), .va = VA48, LOAD, SMODE, OK(0x11234567abc), .ad = A|D },
	{ "misaligned 2M, A=0: sets nothing", SV39, LEAF(1, V|R|W, 0x80401000), .va = VA39, STORE, SMODE, HWAD, SPF, .ad = 0 },
	{ "misaligned 2M and not permitted", SV39, LEAF(1, V|R|A|D, 0x80401000), .va = VA39, STORE, SMODE, SPF, .ad = A|D },

	/* ---- Reserved bits 63:54 (no Svnapot, no Svpbmt), RSW, G ------------ */
	{ "leaf N bit (63)", SV39, LEAF(0, N_BIT|V|R|W|A|D, PA4K), .va = VA39, LOAD, SMODE, LPF, .ad = A|D },
	{ "leaf PBMT=1 (61)", SV39, LEAF(0, PBMT_NC|V|R|W|A|D, PA4K), .va = VA39, STORE, SMODE, SPF, .ad = A|D },
	{ "leaf PBMT=2 (62)", SV48, LEAF(0, PBMT_IO|V|R|X|A|D, PA4K), .va = VA48, FETCH, SMODE, IPF, .ad = A|D },
	{ "leaf bit 60", SV39, LEAF(0, (1UL << 60)|V|R|W|A|D, PA4K), .va = VA39, LOAD, SMODE, LPF, .ad = A|D },
	{ "leaf bit 54", SV39, LEAF(0, (1UL << 54)|V|R|W|A|D, PA4K), .va = VA39, LOAD, SMODE, LPF, .ad = A|D },
	{ "2M leaf N bit", SV39, LEAF(1, N_BIT|V|R|W|A|D, PA2M), .va = VA39, LOAD, SMODE, LPF, .ad = A|D },
	{ "reserved bit, A=0: sets nothing", SV39, LEAF(0, (1UL << 55)|V|R|W, PA4K), .va = VA39, LOAD, SMODE, HWAD, LPF, .ad = 0 },
	{ "pointer N bit (level 2)", SV39, LEAF(0, V|R|W|A|D, PA4K), .ptr_level = 2, .ptr_set = N_BIT, .va = VA39, LOAD, SMODE, LPF, .ad = A|D },
	{ "pointer PBMT (level 1)", SV39, LEAF(0, V|R|W|A|D, PA4K), .ptr_level = 1, .ptr_set = PBMT_NC, .va = VA39, STORE, SMODE, SPF, .ad = A|D },
	{ "pointer bit 54 (sv48 level 3)", SV48, LEAF(0, V|R|X|A|D, PA4K), .ptr_level = 3, .ptr_set = 1UL << 54, .va = VA48, FETCH, SMODE, IPF, .ad = A|D },
	{ "pointer D bit (reserved in non-leaf)", SV39, LEAF(0, V|R|W|A|D, PA4K), .ptr_level = 2, .ptr_set = D, .va = VA39, LOAD, SMODE, LPF, .ad = A|D },
	{ "pointer A bit (reserved in non-leaf)", SV39, LEAF(0, V|R|W|A|D, PA4K), .ptr_level = 1, .ptr_set = A, .va = VA39, STORE, SMODE, SPF, .ad = A|D },
	{ "pointer U bit (reserved in non-leaf)", SV48, LEAF(0, V|R|W|U|A|D, PA4K), .ptr_level = 2, .ptr_set = U, .va = VA48, LOAD, UMODE, LPF, .ad = A|D },
	{ "pointer G bit is allowed", SV39, LEAF(0, V|R|W|A|D, PA4K), .ptr_level = 2, .ptr_set = G, .va = VA39, LOAD, SMODE, OK(0x80123abc), .ad = A|D },
	{ "pointer RSW bits are ignored", SV48, LEAF(0, V|R|W|A|D, PA4K), .ptr_level = 1, .ptr_set = RSW, .va = VA48, LOAD, SMODE, OK(0x80123abc), .ad = A|D },
	{ "leaf G and RSW bits are ignored", SV39, LEAF(0, RSW|G|V|R|A|D, PA4K), .va = VA39, LOAD, SMODE, OK(0x80123abc), .ad = A|D },

	/* ---- Non-canonical virtual addresses ----------------------------------- */
	{ "sv39 bit 38 set, top clear", SV39, LEAF(2, V|R|W|X|A|D, PA1G), .va = 0x0000004000000000UL, LOAD, SMODE, LPF, .ad = A|D, .no_reads = true },
	{ "sv39 bit 38 clear, top set", SV39, LEAF(2, V|R|W|X|A|D, PA1G), .va = 0xffffffbfffffffffUL, STORE, SMODE, SPF, .ad = A|D, .no_reads = true },
	{ "sv39 bit 63 only", SV39, LEAF(2, V|R|W|X|A|D, PA1G), .va = 0x8000000000000000UL, FETCH, SMODE, IPF, .ad = A|D, .no_reads = true },
	{ "sv39 bit 39 only", SV39, LEAF(2, V|R|W|X|A|D, PA1G), .va = 0x0000008000000000UL, LOAD, UMODE, LPF, .ad = A|D, .no_reads = true },
	{ "sv39 all ones but bit 63", SV39, LEAF(2, V|R|W|X|A|D, PA1G), .va = 0x7fffffffffffffffUL, LOAD, SMODE, LPF, .ad = A|D, .no_reads = true },
	{ "sv39 non-canonical beats root outside RAM", SV39, LEAF(0, V|R|A|D, PA4K), .root_pa = 0x1000, .va = 0x0000004000000000UL, LOAD, SMODE, LPF, .no_reads = true },
	{ "sv39 highest canonical low VA", SV39, LEAF(2, V|R|W|X|A|D, PA1G), .va = 0x0000003fffffffffUL, LOAD, SMODE, OK(0xbfffffff), .ad = A|D },
	{ "sv39 lowest canonical high VA", SV39, LEAF(2, V|R|W|X|A|D, PA1G), .va = 0xffffffc000000000UL, LOAD, SMODE, OK(0x80000000), .ad = A|D },
	{ "sv48 bit 47 set, top clear", SV48, LEAF(3, V|R|W|X|A|D, PA512G), .va = 0x0000800000000000UL, LOAD, SMODE, LPF, .ad = A|D, .no_reads = true },
	{ "sv48 bit 47 clear, top set", SV48, LEAF(3, V|R|W|X|A|D, PA512G), .va = 0xffff7fffffffffffUL, STORE, SMODE, SPF, .ad = A|D, .no_reads = true },
	{ "sv48 bit 48 only", SV48, LEAF(3, V|R|W|X|A|D, PA512G), .va = 0x0001000000000000UL, FETCH, UMODE, IPF, .ad = A|D, .no_reads = true },
	{ "sv48 highest canonical low VA", SV48, LEAF(3, V|R|W|X|A|D, PA512G), .va = 0x00007fffffffffffUL, LOAD, SMODE, OK(0xffffffffff), .ad = A|D },
	{ "sv48 lowest canonical high VA", SV48, LEAF(3, V|R|W|X|A|D, PA512G), .va = 0xffff800000000000UL, LOAD, SMODE, OK(0x8000000000), .ad = A|D },

	/* ---- PTE addresses outside guest RAM: access faults -------------------- */
	{ "root outside RAM: load", SV39, LEAF(0, V|R|W|X|A|D, PA4K), .root_pa = 0x1000, .va = VA39, LOAD, SMODE, LAF },
	{ "root outside RAM: store", SV39, LEAF(0, V|R|W|X|A|D, PA4K), .root_pa = 0x1000, .va = VA39, STORE, SMODE, SAF },
	{ "root outside RAM: fetch", SV48, LEAF(0, V|R|W|X|A|D, PA4K), .root_pa = 0x1000, .va = VA48, FETCH, SMODE, IAF },
	{ "root just past the end of RAM", SV39, LEAF(0, V|R|W|X|A|D, PA4K), .root_pa = RAM_END, .va = VA39, LOAD, UMODE, LAF },
	{ "root in the last page of RAM", SV39, LEAF(0, V|R|W|X|A|D, PA4K), .root_pa = RAM_END - 4096, .va = VA39, LOAD, SMODE, OK(0x80123abc), .ad = A|D },
	{ "root in the first page of RAM", SV48, LEAF(1, V|R|W|X|A|D, PA2M), .root_pa = RAM_BASE, .va = VA48, LOAD, SMODE, OK(0x80567abc), .ad = A|D },
	{ "level-1 table outside RAM", SV39, LEAF(0, V|R|W|A|D, PA4K), .ptr_level = 2, .table_pa = 0x40000000, .va = VA39, LOAD, SMODE, LAF },
	{ "level-0 table outside RAM", SV39, LEAF(0, V|R|W|A|D, PA4K), .ptr_level = 1, .table_pa = RAM_END, .va = VA39, STORE, SMODE, SAF },
	{ "sv48 level-2 table outside RAM", SV48, LEAF(0, V|R|W|X|A|D, PA4K), .ptr_level = 3, .table_pa = 0x10000000, .va = VA48, FETCH, SMODE, IAF },
	{ "table at the top of the PA space", SV48, LEAF(0, V|R|W|X|A|D, PA4K), .ptr_level = 1, .table_pa = 0xfffffffffff000UL, .va = VA48, LOAD, SMODE, LAF },
	{ "level-0 table in the last page of RAM", SV39, LEAF(0, V|R|W|A|D, PA4K), .ptr_level = 1, .table_pa = RAM_END - 4096, .va = VA39, LOAD, SMODE, OK(0x80123abc), .ad = A|D },
	{ "leaf maps outside RAM (not the walker's business)", SV39, LEAF(0, V|R|W|A|D, 0x10000000), .va = VA39, LOAD, SMODE, OK(0x10000abc), .ad = A|D },
	{ "leaf maps the top of the 56-bit PA space", SV39, LEAF(0, V|R|W|A|D, 0xfffffffffff000UL), .va = VA39, LOAD, SMODE, OK(0xfffffffffffabcUL), .ad = A|D },
	{ "A/D update of a PTE outside RAM never happens", SV39, LEAF(0, V|R|W|X, PA4K), .root_pa = 0x1000, .va = VA39, STORE, SMODE, HWAD, SAF },

	/* ---- V=0 at each level --------------------------------------------------- */
	{ "sv39 V=0 in the root", SV39, LEAF(0, V|R|W|A|D, PA4K), .ptr_level = 2, .ptr_clr = V, .va = VA39, LOAD, SMODE, LPF, .ad = A|D },
	{ "sv39 V=0 at level 1", SV39, LEAF(0, V|R|W|A|D, PA4K), .ptr_level = 1, .ptr_clr = V, .va = VA39, STORE, SMODE, SPF, .ad = A|D },
	{ "sv39 V=0 in the leaf", SV39, LEAF(0, R|W|X|A|D, PA4K), .va = VA39, FETCH, SMODE, IPF, .ad = A|D },
	{ "sv39 V=0 in a 1G leaf", SV39, LEAF(2, R|W|A|D, PA1G), .va = VA39, LOAD, UMODE, LPF, .ad = A|D },
	{ "sv39 all-zero root (empty table)", SV39, LEAF(2, 0, 0), .va = VA39, LOAD, SMODE, LPF, .ad = 0 },
	{ "sv48 V=0 in the root", SV48, LEAF(0, V|R|W|A|D, PA4K), .ptr_level = 3, .ptr_clr = V, .va = VA48, STORE, SMODE, SPF, .ad = A|D },
	{ "sv48 V=0 at level 2", SV48, LEAF(0, V|R|W|A|D, PA4K), .ptr_level = 2, .ptr_clr = V, .va = VA48, LOAD, SMODE, LPF, .ad = A|D },
	{ "sv48 V=0 at level 1", SV48, LEAF(0, V|R|W|X|A|D, PA4K), .ptr_level = 1, .ptr_clr = V, .va = VA48, FETCH, SMODE, IPF, .ad = A|D },
	{ "sv48 V=0 in the leaf", SV48, LEAF(0, R|W|A|D, PA4K), .va = VA48, LOAD, SMODE, LPF, .ad = A|D },
	{ "V=0 leaf with A=0: sets nothing", SV39, LEAF(0, R|W, PA4K), .va = VA39, STORE, SMODE, HWAD, SPF, .ad = 0 },

	/* ---- A non-leaf PTE at level 0 ------------------------------------------ */
	/* The page the pointer names is full of valid leaves ('fill'), so a
	 * walker that descended past level 0 would find something to use. */
	{ "sv39 pointer at level 0: load", SV39, LEAF(0, V, PA4K), .fill = true, .va = VA39, LOAD, SMODE, LPF },
	{ "sv39 pointer at level 0: store", SV39, LEAF(0, V, PA4K), .fill = true, .va = VA39, STORE, SMODE, SPF },
	{ "sv39 pointer at level 0: fetch", SV39, LEAF(0, V, PA4K), .fill = true, .va = VA39, FETCH, SMODE, IPF },
	{ "sv48 pointer at level 0", SV48, LEAF(0, V, 0x80002000), .fill = true, .va = VA48, LOAD, SMODE, LPF },
	{ "pointer at level 0 with G", SV39, LEAF(0, V|G, PA4K), .fill = true, .va = VA39, LOAD, SMODE, LPF },

	/* ---- A and D: the hardware-update emulation (set_ad = true) ------------ */
	{ "load, A=0 D=0: sets A", SV39, LEAF(0, V|R|W, PA4K), .va = VA39, LOAD, SMODE, HWAD, OK(0x80123abc), .ad = A },
	{ "load, A=0 D=1: sets A", SV39, LEAF(0, V|R|W|D, PA4K), .va = VA39, LOAD, SMODE, HWAD, OK(0x80123abc), .ad = A|D },
	{ "load, A=1 D=0: no change", SV39, LEAF(0, V|R|W|A, PA4K), .va = VA39, LOAD, SMODE, HWAD, OK(0x80123abc), .ad = A },
	{ "store, A=0 D=0: sets A and D", SV39, LEAF(0, V|R|W, PA4K), .va = VA39, STORE, SMODE, HWAD, OK(0x80123abc), .ad = A|D },
	{ "store, A=1 D=0: sets D", SV39, LEAF(0, V|R|W|A, PA4K), .va = VA39, STORE, SMODE, HWAD, OK(0x80123abc), .ad = A|D },
	{ "store, A=0 D=1: sets A", SV39, LEAF(0, V|R|W|D, PA4K), .va = VA39, STORE, SMODE, HWAD, OK(0x80123abc), .ad = A|D },
	{ "fetch, A=0: sets A only", SV39, LEAF(0, V|X, PA4K), .va = VA39, FETCH, SMODE, HWAD, OK(0x80123abc), .ad = A },
	{ "fetch, A=1 D=0: no change", SV39, LEAF(0, V|R|X|A, PA4K), .va = VA39, FETCH, SMODE, HWAD, OK(0x80123abc), .ad = A },
	{ "MXR load of X-only, A=0: sets A", SV39, LEAF(0, V|X, PA4K), .va = VA39, LOAD, SMODE, .ss = MXR, HWAD, OK(0x80123abc), .ad = A },
	{ "U store on user page, A=0: sets A and D", SV48, LEAF(0, V|R|W|U, PA4K), .va = VA48, STORE, UMODE, HWAD, OK(0x80123abc), .ad = A|D },
	{ "2M load, A=0: sets A", SV39, LEAF(1, V|R, PA2M), .va = VA39, LOAD, SMODE, HWAD, OK(0x80567abc), .ad = A },
	{ "1G store, D=0: sets D", SV39, LEAF(2, V|R|W|A, PA1G), .va = VA39K, STORE, SMODE, HWAD, OK(0x80201abc), .ad = A|D },
	{ "512G store, A=0 D=0: sets A and D", SV48, LEAF(3, V|R|W, PA512G), .va = VA48, STORE, SMODE, HWAD, OK(0x9234567abc), .ad = A|D },
	{ "store, A=0: RSW/G/U preserved", SV39, LEAF(0, RSW|G|U|V|R|W, PA4K), .va = VA39, STORE, UMODE, HWAD, OK(0x80123abc), .ad = A|D },
	{ "store to R-only, A=0: sets nothing", SV39, LEAF(0, V|R, PA4K), .va = VA39, STORE, SMODE, HWAD, SPF, .ad = 0 },
	{ "U load of supervisor page, A=0: sets nothing", SV39, LEAF(0, V|R|W, PA4K), .va = VA39, LOAD, UMODE, HWAD, LPF, .ad = 0 },
	{ "S load of user page, SUM=0, A=0: sets nothing", SV39, LEAF(0, V|R|W|U, PA4K), .va = VA39, LOAD, SMODE, HWAD, LPF, .ad = 0 },
	{ "fetch of RW, A=0 D=0: sets nothing", SV48, LEAF(0, V|R|W, PA4K), .va = VA48, FETCH, SMODE, HWAD, IPF, .ad = 0 },
	{ "store to W-without-R, A=0: sets nothing", SV39, LEAF(0, V|W, PA4K), .va = VA39, STORE, SMODE, HWAD, SPF, .ad = 0 },

	/* ---- A and D without the update (set_ad = false, Svade) -------------- */
	{ "Svade: load, A=0", SV39, LEAF(0, V|R|W, PA4K), .va = VA39, LOAD, SMODE, SVADE, LPF, .ad = 0 },
	{ "Svade: load, A=0 D=1", SV39, LEAF(0, V|R|W|D, PA4K), .va = VA39, LOAD, SMODE, SVADE, LPF, .ad = D },
	{ "Svade: load, A=1 D=0 is fine", SV39, LEAF(0, V|R|W|A, PA4K), .va = VA39, LOAD, SMODE, SVADE, OK(0x80123abc), .ad = A },
	{ "Svade: store, A=1 D=0", SV39, LEAF(0, V|R|W|A, PA4K), .va = VA39, STORE, SMODE, SVADE, SPF, .ad = A },
	{ "Svade: store, A=0 D=0", SV39, LEAF(0, V|R|W, PA4K), .va = VA39, STORE, SMODE, SVADE, SPF, .ad = 0 },
	{ "Svade: store, A=0 D=1", SV48, LEAF(0, V|R|W|D, PA4K), .va = VA48, STORE, UMODE, SVADE, SPF, .ad = D },
	{ "Svade: store, A=1 D=1 is fine", SV39, LEAF(0, V|R|W|A|D, PA4K), .va = VA39, STORE, SMODE, SVADE, OK(0x80123abc), .ad = A|D },
	{ "Svade: fetch, A=0", SV39, LEAF(0, V|X, PA4K), .va = VA39, FETCH, SMODE, SVADE, IPF, .ad = 0 },
	{ "Svade: fetch, A=1 D=0 is fine", SV39, LEAF(0, V|X|A, PA4K), .va = VA39, FETCH, SMODE, SVADE, OK(0x80123abc), .ad = A },
	{ "Svade: 2M load, A=0", SV39, LEAF(1, V|R, PA2M), .va = VA39, LOAD, SMODE, SVADE, LPF, .ad = 0 },

	/* ---- Another hart rewrites the leaf between read and A/D update -------
	 * Step 7's compare fails, the walk returns to step 2 and re-reads. */
	{ "race: other hart set A first", SV39, LEAF(0, V|R|W, PA4K), .tamper = true, .tpte = V|R|W|A,
	  .va = VA39, LOAD, SMODE, HWAD, OK(0x80123abc), .ad = A },
	{ "race: other hart cleared V", SV39, LEAF(0, V|R|W, PA4K), .tamper = true, .tpte = R|W,
	  .va = VA39, LOAD, SMODE, HWAD, LPF, .ad = 0 },
	{ "race: other hart made it read-only", SV48, LEAF(0, V|R|W, PA4K), .tamper = true, .tpte = V|R,
	  .va = VA48, STORE, SMODE, HWAD, SPF, .ad = 0 },
	{ "race: other hart remapped it", SV39, LEAF(0, V|R|W, PA4K), .tamper = true, .tpte = V|R|W, .tpa = 0x80777000,
	  .va = VA39, STORE, SMODE, HWAD, OK(0x80777abc), .ad = A|D },
	{ "race: 2M page became a pointer", SV39, LEAF(1, V|R|W, PA2M), .tamper = true, .tpte = V, .tpa = PA4K,
	  .va = VA39, LOAD, SMODE, HWAD, LPF, .ad = 0 },

	/* ---- satp modes that do not walk ---------------------------------------- */
	{ "Bare: identity", SV39, LEAF(0, 0, 0), .raw_mode = true, .mode = SATP_MODE_BARE, .va = 0x80001234, LOAD, SMODE, OK(0x80001234), .no_reads = true },
	{ "Bare: no canonical check", SV39, LEAF(0, 0, 0), .raw_mode = true, .mode = SATP_MODE_BARE, .va = 0x0000004000000000UL, STORE, UMODE, OK(0x0000004000000000UL), .no_reads = true },
	{ "Sv57 not offered", SV48, LEAF(0, V|R|W|X|A|D, PA4K), .raw_mode = true, .mode = SATP_MODE_SV57, .va = VA48, LOAD, SMODE, LAF, .ad = A|D, .no_reads = true, .inval = true },
	{ "reserved mode 1", SV39, LEAF(0, V|R|W|X|A|D, PA4K), .raw_mode = true, .mode = 1, .va = VA39, FETCH, SMODE, IAF, .ad = A|D, .no_reads = true, .inval = true },
	{ "reserved mode 15", SV39, LEAF(0, V|R|W|X|A|D, PA4K), .raw_mode = true, .mode = 15, .va = VA39, STORE, SMODE, SAF, .ad = A|D, .no_reads = true, .inval = true },
};

/* ---- Running a case ---------------------------------------------------------- */

static const char *acc_name(enum spt_access acc)
{
	return acc == SPT_LOAD ? "load" : acc == SPT_STORE ? "store" : "fetch";
}

/* Build, walk, compare: one case, named by 'desc' and the access. */
static void run_case(const char *desc, const struct row *r)
{
	struct layout l = {
		.fmt = r->fmt, .va = r->va, .level = r->level, .pte = r->pte,
		.pa = r->pa, .root_pa = r->root_pa, .ptr_level = r->ptr_level,
		.ptr_set = r->ptr_set, .ptr_clr = r->ptr_clr, .table_pa = r->table_pa,
	};
	uint64_t leaf_gpa;
	struct sim sim = { 0 };
	struct spt_gmem mem = { .ctx = &sim, .pte_ptr = sim_pte_ptr };
	struct spt_walk w;
	char why[160] = "";

	reset_memory();
	if (r->fill && in_ram(r->pa)) {
		use_page(r->pa);
		for (unsigned i = 0; i < 512; i++)
			ram_at(r->pa)[i] = make_pte(PA4K, V|R|W|X|A|D);
	}
	uint64_t root = build(&l, &leaf_gpa);
	uint64_t mode = r->raw_mode ? r->mode : r->fmt->satp_mode;
	uint64_t satp = mode << SATP_MODE_SHIFT | ASID << SATP_ASID_SHIFT | root >> PAGE_SHIFT;

	uint64_t before = leaf_gpa ? *ram_at(leaf_gpa) : 0;
	if (r->tamper) {
		sim.tamper_armed = true;
		sim.tamper_gpa = leaf_gpa;
		sim.tamper_val = make_pte(r->tpa ? r->tpa : r->pa, r->tpte);
	}
	uint64_t base = r->tamper ? sim.tamper_val : before;

	int ret = spt_guest_walk(&mem, satp, r->va, r->acc, r->priv, r->ss, r->set_ad, &w);
	uint64_t after = leaf_gpa ? *ram_at(leaf_gpa) : 0;
	int want_ret = r->cause == 0 ? 0 : r->inval ? ERR_INVAL : ERR_FAULT;

	if (ret != want_ret || w.cause != r->cause)
		snprintf(why, sizeof(why), "ret %d cause %" PRIu64 ", want ret %d cause %" PRIu64,
			 ret, w.cause, want_ret, r->cause);
	else if (r->cause == 0 && w.gpa != r->gpa)
		snprintf(why, sizeof(why), "gpa %#" PRIx64 ", want %#" PRIx64, w.gpa, r->gpa);
	else if (r->cause == 0 && leaf_gpa && !r->raw_mode &&
		 (w.level != r->level || w.pte_gpa != leaf_gpa || w.pte != after))
		snprintf(why, sizeof(why), "level %u pte %#" PRIx64 " at %#" PRIx64
			 ", want level %u pte %#" PRIx64 " at %#" PRIx64,
			 w.level, w.pte, w.pte_gpa, r->level, after, leaf_gpa);
	else if (leaf_gpa && after != ((base & ~(A | D)) | r->ad))
		snprintf(why, sizeof(why), "leaf PTE %#" PRIx64 " after the walk, want %#" PRIx64,
			 after, (base & ~(A | D)) | r->ad);
	else if (w.ad_updated != (r->cause == 0 && leaf_gpa && after != base))
		snprintf(why, sizeof(why), "ad_updated %d, want %d", w.ad_updated, !w.ad_updated);
	else if (r->no_reads && sim.calls)
		snprintf(why, sizeof(why), "%u PTE reads, want none", sim.calls);
	for (unsigned i = 0; !why[0] && i < n_ptrs; i++)
		if (*ptrs[i].slot != ptrs[i].val)
			snprintf(why, sizeof(why), "pointer PTE changed: %#" PRIx64 " -> %#" PRIx64,
				 ptrs[i].val, *ptrs[i].slot);

	harness_begin("%s [%s %s va %#" PRIx64 " %s%s%s]", desc,
		      r->fmt->name, r->priv == PRV_U ? "U" : "S", r->va, acc_name(r->acc),
		      (r->ss & SUM) ? " SUM" : "", (r->ss & MXR) ? " MXR" : "");
	if (why[0])
		harness_fail("%s", why);
	harness_end();
}

/* ---- Part 1: spt_guest_format ------------------------------------------------- */

static void test_formats(void)
{
	for (uint64_t mode = 0; mode < 16; mode++) {
		const struct pt_format *want = mode == 8 ? &pt_sv39 : mode == 9 ? &pt_sv48 : NULL;
		/* Other satp fields must not matter. */
		uint64_t satp = mode << SATP_MODE_SHIFT | SATP_ASID | SATP_PPN;
		const struct pt_format *got = spt_guest_format(satp);
		HARNESS_CHECKF(got == want && spt_guest_format(mode << SATP_MODE_SHIFT) == want,
			       "spt_guest_format(MODE=%" PRIu64 "): got %s, want %s", mode,
			       got ? got->name : "NULL", want ? want->name : "NULL");
	}
}

/* ---- Part 3: the generated permission matrix ----------------------------------
 *
 * The oracle, written as tables rather than as code like walk.c's:
 *
 *  - What each R/W/X encoding grants (the spec's "Encoding of PTE R/W/X
 *    fields" table), indexed by R | W<<1 | X<<2: "r" read, "w" write,
 *    "x" execute; NULL = pointer (not generated here) or reserved.
 *  - Who may use a page, by its U bit: allowed[priv is U][pte.U][SUM] is the
 *    set of accesses ("l" load, "s" store, "f" fetch) the privilege check
 *    lets through.
 */
static const char *const grants[8] = {
	NULL, "r", NULL, "rw", "x", "rx", NULL, "rwx",
};
static const char *const allowed[2][2][2] = {
	/* S-mode: supervisor pages always; user pages with SUM, never fetch */
	{ { "lsf", "lsf" }, { "", "ls" } },
	/* U-mode: user pages only; SUM is irrelevant */
	{ { "", "" }, { "lsf", "lsf" } },
};

static void test_matrix(void)
{
	static const struct pt_format *const fmts[] = { &pt_sv39, &pt_sv48 };
	static const uint64_t page_pa[] = { PA4K, PA2M, PA1G, PA512G };
	static const char acc_letter[] = { [SPT_LOAD] = 'l', [SPT_STORE] = 's', [SPT_FETCH] = 'f' };
	static const char needs[] = { [SPT_LOAD] = 'r', [SPT_STORE] = 'w', [SPT_FETCH] = 'x' };
	unsigned start_failed = harness.failed;

	for (unsigned f = 0; f < 2; f++)
	for (unsigned level = 0; level < fmts[f]->levels; level++)
	for (unsigned rwx = 1; rwx < 8; rwx++)
	for (unsigned u = 0; u < 2; u++)
	for (unsigned is_u = 0; is_u < 2; is_u++)
	for (unsigned sum = 0; sum < 2; sum++)
	for (unsigned mxr = 0; mxr < 2; mxr++)
	for (unsigned acc = SPT_LOAD; acc <= SPT_FETCH; acc++)
	for (unsigned ad = 0; ad < 4; ad++)
	for (unsigned set_ad = 0; set_ad < 2; set_ad++)
	for (unsigned mis = 0; mis < (level ? 2u : 1u); mis++) {
		struct row r = {
			.fmt = fmts[f], .level = level,
			.pa = page_pa[level] + (mis ? PAGE_SIZE : 0),
			.pte = V | (rwx & 1 ? R : 0) | (rwx & 2 ? W : 0) | (rwx & 4 ? X : 0) |
			       (u ? U : 0) | (ad & 1 ? A : 0) | (ad & 2 ? D : 0),
			.va = f ? VA48 : VA39, .acc = acc, .priv = is_u ? PRV_U : PRV_S,
			.ss = (sum ? SUM : 0) | (mxr ? MXR : 0), .set_ad = set_ad,
		};
		uint64_t fault = acc == SPT_LOAD ? CAUSE_LOAD_PAGE_FAULT :
				 acc == SPT_STORE ? CAUSE_STORE_PAGE_FAULT : CAUSE_FETCH_PAGE_FAULT;
		const char *g = grants[rwx];
		bool kind_ok = g && (strchr(g, needs[acc]) ||
				     (acc == SPT_LOAD && mxr && strchr(g, 'x')));
		bool who_ok = strchr(allowed[is_u][u][sum], acc_letter[acc]) != NULL;
		uint64_t have = r.pte & (A | D);
		uint64_t want_ad = A | (acc == SPT_STORE ? D : 0);
		bool ad_ok = (have & want_ad) == want_ad || set_ad;

		if (!g || !kind_ok || !who_ok || mis || !ad_ok) {
			r.cause = fault;
			r.ad = have;                 /* a fault sets nothing */
		} else {
			r.cause = 0;
			r.gpa = r.pa | (r.va & (pt_level_size(level) - 1));
			r.ad = have | want_ad;
		}

		char desc[128];
		snprintf(desc, sizeof(desc), "matrix L%u %s%s%s%s %sA%u D%u%s", level,
			 rwx & 1 ? "R" : "", rwx & 2 ? "W" : "", rwx & 4 ? "X" : "",
			 u ? " U" : "", set_ad ? "hw-update " : "svade ", ad & 1, ad >> 1,
			 mis ? " misaligned" : "");
		run_case(desc, &r);
		if (harness.failed - start_failed > 40) {
			printf("... giving up on the matrix after 40 failures\n");
			return;
		}
	}
}

int main(void)
{
	test_formats();
	for (unsigned i = 0; i < ARRAY_SIZE(rows); i++)
		run_case(rows[i].desc, &rows[i]);
	unsigned table_rows = ARRAY_SIZE(rows);
	unsigned before_matrix = harness.passed + harness.failed;
	test_matrix();
	printf("(%u table rows, %u matrix cases)\n", table_rows,
	       harness.passed + harness.failed - before_matrix);
	return harness_done();
}
