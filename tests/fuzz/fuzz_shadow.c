/*
 * fuzz_shadow.c - libFuzzer harness for src/shadowpt/shadow.c: the shadow
 * page tables, their cache, fills on real page faults, the guest's
 * sfence.vma, and running out of table pages.
 *
 * What it fuzzes.  The input is a byte 'cfg' (bit 0: the hart has 16 ASID
 * bits, else none; bit 1: guest RAM at 0 instead of 0x80000000) and then
 * up to MAX_OPS operations, each an opcode byte (low 3 bits: which; the
 * other 5: its small arguments) and a few more bytes:
 *
 *   WRITE   the guest stores a PTE: at page p of its RAM, in the slot that
 *           maps va[i] at level l (or any slot); the value's PPN is XORed
 *           with RAM's first PPN, so small values are RAM pages
 *   FENCE   the guest's sfence.vma, each of the four forms, va = va[i],
 *           ASID 0..7 (optionally with bits above the 16 an ASID has)
 *   SWITCH  the guest writes satp (Bare, Sv39, Sv48; root page 0..31;
 *           ASID 0..7) and/or changes mode, SUM, MXR: spt_switch()
 *   ACCESS  the guest touches va[i] + offset (load, store or fetch): the
 *           simulated real MMU (a TLB, then a walk of the shadow the real
 *           satp selects) either allows it or takes a page fault, which
 *           goes to spt_fault(), and the access is retried after a fill
 *   ODD     spt_fault() reported with a mode/SUM/MXR other than the view's
 *   OOM     the host's page pool: no limit, k more pages, or fail the k-th
 *           next allocation
 *   SETVA   replace va[i] by any 64-bit value
 *
 * Everything shadow.c touches outside itself is simulated: the page pool
 * (pages from a static arena, zeroed when handed out, poisoned for ASan
 * when freed, never reused while unused ones remain), Umbra's window (a
 * pointer PTE to a page of supervisor leaves), the hart (satp, and a small
 * TLB that sfence_vma_*() flushes), and the guest's RAM (16 pages).
 *
 * The reference model.  Shadows are caches of the guest's translations, as
 * a TLB is, so the model is a TLB's rules: model[slot] holds, per 4 KiB
 * page, the translation the slot's last fill of that page made - frame and
 * R/W/X computed independently of shadow.c, by asking spt_translate()
 * (checked by fuzz_walk) which accesses the guest's tables allow *without*
 * an A/D update, under the slot's view (mode, SUM, MXR).  A guest fence
 * removes what it covers (x0: everything of the ASID or all ASIDs; va: the
 * page, or the whole guest superpage a fill came from); a new shadow in a
 * slot empties the slot's model.  Invariants:
 *
 *  - every valid leaf of a shadow in use, and every TLB entry of the active
 *    host ASID, is in the model with the same frame and no more permission
 *    (no stale translation after a covering fence, never more than the
 *    guest's tables give for that view, never a page outside guest RAM);
 *    after every operation for va[0..7], at the end for every leaf;
 *  - spt_fault()'s answer agrees with a fresh walk: a guest fault with the
 *    same cause, not-RAM, the window, or a fill; "no memory" only when an
 *    allocation failed;
 *  - after a fill the retried access succeeds (no livelock);
 *  - spt_switch() returns the slot now active, for that satp and view, not
 *    stale, and writes the real satp that selects it with its host ASID
 *    (and cache.satp always says what the real satp is);
 *  - at the end of each input: every table reachable from a slot is a live
 *    pool page reached once, no page is leaked, the accounting of table
 *    pages (cache.pages) is right, leaves are 4 KiB U pages with V, A, D and
 *    no G, and the window is where it must be in every shadow;
 *  - no panic() (a guest-driven sequence must never stop the machine) and
 *    no sanitizer report.
 *
 * Not reached: the per-VM quota (SPT_MAX_PAGES = 4096 tables) is far above
 * what MAX_OPS operations can fill; the failing pool takes the same path.
 *
 * To read a crash: FUZZ_TRACE=1 build/fuzz/fuzz_shadow <file> prints every
 * operation with the state after it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sanitizer/asan_interface.h>

#include "spt.h"
#include "mm.h"
#include "vm.h"
#include "platform.h"
#include "fuzz.h"

#define MAX_OPS    32
#define RAM_PAGES  16
#define RAM_SIZE   (RAM_PAGES * PAGE_SIZE)
#define PPN_MASK   ((1ull << 44) - 1)
#define SPT_PTE_SUPER BIT(8)   /* shadow.c's mark; an RSW bit */

static uint64_t hpa(const void *p) { return mm_va_to_pa(p); }

/* ---- The hart: satp, a TLB, and what else Umbra calls ------------------------ */

struct platform platform;
static uint64_t real_satp;

uint64_t host_csr_read(const char *name)
{
	FUZZ_CHECK(!strcmp(name, "satp"), "unexpected CSR read %s", name);
	return real_satp;
}

void host_csr_write(const char *name, uint64_t val)
{
	FUZZ_CHECK(!strcmp(name, "satp"), "unexpected CSR write %s", name);
	real_satp = val;
}

/* A small TLB of 4 KiB leaves, tagged with the host ASID. */
#define TLB_N 16
static struct tlbe { bool v; uint16_t asid; uint64_t page, pte; } tlb[TLB_N];
static unsigned tlb_next;

FUZZ_NOCOV void host_sfence_vma(bool by_va, uint64_t va, bool by_asid, uint64_t asid)
{
	for (unsigned i = 0; i < TLB_N; i++)
		if ((!by_asid || tlb[i].asid == asid) &&
		    (!by_va || tlb[i].page == (va & ~(PAGE_SIZE - 1))))
			tlb[i].v = false;
}

void panic(const char *fmt, ...)
{
	fprintf(stderr, "panic() reached from a guest-driven sequence: %s\n", fmt);
	abort();
}

void console_printf(const char *fmt, ...)
{
	(void)fmt;
}

/* ---- The host's page pool ---------------------------------------------------- */

#define POOL_PAGES 512
static uint8_t pool[POOL_PAGES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static enum { P_UNUSED, P_LIVE, P_FREED } pstate[POOL_PAGES];
static unsigned pool_seen[POOL_PAGES], audit_gen;
static unsigned pool_cursor, live, allocs, failed;
static int64_t live_limit = -1;     /* fail while live >= this (< 0: never) */
static int64_t fail_at = -1;        /* fail allocation number fail_at (once) */

FUZZ_NOCOV void *mm_alloc_page(void)
{
	unsigned n = allocs++;
	if ((live_limit >= 0 && live >= live_limit) || n == fail_at) {
		failed++;
		return NULL;
	}
	/* Unused pages first, so that a freed page stays poisoned as long as
	 * possible: a use after free shows. */
	for (unsigned k = 0; k < POOL_PAGES; k++) {
		unsigned i = (pool_cursor + k) % POOL_PAGES;
		if (pstate[i] == P_LIVE)
			continue;
		pool_cursor = i + 1;
		ASAN_UNPOISON_MEMORY_REGION(pool[i], PAGE_SIZE);
		memset(pool[i], 0, PAGE_SIZE);
		pstate[i] = P_LIVE;
		live++;
		return pool[i];
	}
	failed++;
	return NULL;
}

/* The pool index of a page, or -1 if it is not one of ours. */
FUZZ_NOCOV static int pool_index(const void *p)
{
	uintptr_t off = (uintptr_t)p - (uintptr_t)pool;
	if (off >= sizeof(pool) || off % PAGE_SIZE)
		return -1;
	return (int)(off / PAGE_SIZE);
}

FUZZ_NOCOV void mm_free_page(void *page)
{
	int i = pool_index(page);
	FUZZ_CHECK(i >= 0, "mm_free_page(%p): not a pool page", page);
	FUZZ_CHECK(pstate[i] == P_LIVE, "mm_free_page(%p): double free", page);
	pstate[i] = P_FREED;
	live--;
	ASAN_POISON_MEMORY_REGION(pool[i], PAGE_SIZE);
}

FUZZ_NOCOV static void pool_reset(void)
{
	for (unsigned i = 0; i < POOL_PAGES; i++) {
		if (pstate[i] == P_FREED)
			ASAN_UNPOISON_MEMORY_REGION(pool[i], PAGE_SIZE);
		pstate[i] = P_UNUSED;
	}
	pool_cursor = live = allocs = failed = 0;
	live_limit = fail_at = -1;
}

/* Umbra's window: a pointer PTE to a page of supervisor (no U) leaves. */
static uint64_t window_page[512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t window_pte;

uint64_t mm_window_pte(void)
{
	return window_pte;
}

/* ---- The guest ------------------------------------------------------------------ */

static struct vm vm;
static struct spt_cache spc;   /* the vCPU's shadows under test */
static uint8_t ram[RAM_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint64_t bare_page[512] __attribute__((aligned(PAGE_SIZE)));

/* The guest hart: what the view of the next fault is. */
static struct { unsigned priv; uint64_t sstatus; } hart;

static uint64_t va_set[8];
static const uint64_t va_initial[8] = {
	0x0, 0x1000, 0x200000, 0x40000000,       /* sharing tables, or not */
	0x3ffffff000, 0xffffffffbffff000,        /* Sv39's top, just below the window */
	WINDOW_VA, 0x8000000000,                 /* the window; canonical in Sv48 only */
};

static unsigned vpn(uint64_t va, unsigned level)
{
	return (va >> (12 + 9 * level)) & 511;
}

static bool gpa_page_in_ram(uint64_t gpa)
{
	uint64_t page = gpa & ~(PAGE_SIZE - 1);
	return page >= vm.ram_gpa && page - vm.ram_gpa < RAM_SIZE;
}

/* ---- The reference model ------------------------------------------------------------ */

#define MAX_ENT (MAX_OPS + 4)
struct ment { uint64_t page, frame, perms; unsigned level; };
static struct mslot {
	bool keyed;
	uint64_t satp;
	unsigned view;
	unsigned n;
	struct ment e[MAX_ENT];
} model[SPT_SLOTS];

static unsigned slot_of(const struct spt_shadow *sh)
{
	return (unsigned)(sh - spc.slot);
}

/* The slot now shadows (satp, view): a different key means a new shadow. */
FUZZ_NOCOV static void model_key(unsigned s, uint64_t satp, unsigned view)
{
	struct mslot *m = &model[s];
	if (!m->keyed || m->satp != satp || m->view != view)
		*m = (struct mslot){ .keyed = true, .satp = satp, .view = view };
}

FUZZ_NOCOV static struct ment *model_find(unsigned s, uint64_t page)
{
	for (unsigned i = 0; i < model[s].n; i++)
		if (model[s].e[i].page == page)
			return &model[s].e[i];
	return NULL;
}

FUZZ_NOCOV static void model_fill(unsigned s, uint64_t page, unsigned level, uint64_t frame, uint64_t perms)
{
	struct ment *e = model_find(s, page);
	if (!e) {
		FUZZ_CHECK(model[s].n < MAX_ENT, "harness: model full");
		e = &model[s].e[model[s].n++];
	}
	*e = (struct ment){ page, frame, perms, level };
}

/* Does a guest fence of va cover entry e (a translation from a level-L leaf)? */
FUZZ_NOCOV static bool fence_covers(const struct ment *e, uint64_t va)
{
	uint64_t mask = ~((PAGE_SIZE << (9 * e->level)) - 1);
	return (e->page & mask) == (va & mask);
}

FUZZ_NOCOV static void model_fence(bool by_va, uint64_t va, bool by_asid, uint64_t asid)
{
	for (unsigned s = 0; s < SPT_SLOTS; s++) {
		struct mslot *m = &model[s];
		if (!m->keyed || (by_asid && ((m->satp >> 44) & 0xffff) != (asid & 0xffff)))
			continue;
		for (unsigned i = 0; i < m->n; )
			if (!by_va || fence_covers(&m->e[i], va))
				m->e[i] = m->e[--m->n];
			else
				i++;
	}
}

/* The accesses (as PTE_R/W/X) the guest's tables allow at va for a view,
 * without an A/D update; *gpa is where they go. */
static uint64_t view_perms(uint64_t satp, unsigned view, uint64_t va, uint64_t *gpa)
{
	static const uint64_t bit[3] = { [SPT_LOAD] = PTE_R, [SPT_STORE] = PTE_W, [SPT_FETCH] = PTE_X };
	unsigned priv = view & SPT_VIEW_S ? PRV_S : PRV_U;
	uint64_t ss = (view & SPT_VIEW_SUM ? SSTATUS_SUM : 0) | (view & SPT_VIEW_MXR ? SSTATUS_MXR : 0);
	uint64_t perms = 0;

	for (unsigned acc = 0; acc < 3; acc++) {
		struct spt_walk w;
		if (spt_translate(&vm, satp, va, acc, priv, ss, false, &w) == 0) {
			FUZZ_CHECK(!perms || w.gpa == *gpa, "walks of one va disagree");
			perms |= bit[acc];
			*gpa = w.gpa;
		}
	}
	return perms;
}

/* A valid shadow leaf (or TLB entry) for 'page' in slot s must be in the
 * model: same frame, no more permission (exactly the same if 'exact'). */
FUZZ_NOCOV static void justify(unsigned s, uint64_t page, uint64_t pte, bool exact, const char *what)
{
	if (!(pte & PTE_V))
		return;
	FUZZ_CHECK((pte & (PTE_V | PTE_U | PTE_A | PTE_D | PTE_G)) == (PTE_V | PTE_U | PTE_A | PTE_D) &&
		   !(pte >> 54) && (!(pte & PTE_W) || (pte & PTE_R)),
		   "%s: slot %u va 0x%llx: leaf 0x%llx has wrong flags", what, s,
		   (unsigned long long)page, (unsigned long long)pte);
	uint8_t *frame = mm_pa_to_va(pte_pa(pte));
	FUZZ_CHECK(frame >= ram && frame < ram + RAM_SIZE,
		   "%s: slot %u va 0x%llx maps host page %p outside guest RAM", what, s,
		   (unsigned long long)page, (void *)frame);
	const struct ment *e = model_find(s, page);
	FUZZ_CHECK(e, "%s: slot %u (guest satp 0x%llx view %u) maps va 0x%llx (pte 0x%llx), "
		   "but no fill since the last fence covering it says so: a stale translation",
		   what, s, (unsigned long long)spc.slot[s].satp, spc.slot[s].view,
		   (unsigned long long)page, (unsigned long long)pte);
	uint64_t perms = pte & (PTE_R | PTE_W | PTE_X);
	FUZZ_CHECK(pte_pa(pte) == e->frame && !(perms & ~e->perms) && (!exact || perms == e->perms),
		   "%s: slot %u va 0x%llx: pte 0x%llx, but the guest's tables gave frame 0x%llx "
		   "perms 0x%llx", what, s, (unsigned long long)page, (unsigned long long)pte,
		   (unsigned long long)e->frame, (unsigned long long)e->perms);
}

/* ---- Walking the shadow tables as the real MMU does ----------------------------------- */

/* The host table a PTE points to: a live pool page, or the window page. */
FUZZ_NOCOV static uint64_t *host_table(uint64_t pte)
{
	uint64_t *t = mm_pa_to_va(pte_pa(pte));
	int i = pool_index(t);
	FUZZ_CHECK(t == window_page || (i >= 0 && pstate[i] == P_LIVE),
		   "a shadow table entry 0x%llx points to %s", (unsigned long long)pte,
		   i >= 0 ? "a freed pool page" : "memory that is not a table page");
	return t;
}

/* The leaf for va under a host root in format 'levels', or 0.  *level gets
 * the level where the walk stopped. */
FUZZ_NOCOV static uint64_t shadow_leaf(uint64_t *root, unsigned levels, uint64_t va, unsigned *level)
{
	unsigned top = 64 - (12 + 9 * levels);
	uint64_t *t = root;

	*level = levels - 1;
	if ((uint64_t)((int64_t)(va << top) >> top) != va)
		return 0;
	for (int l = (int)levels - 1; l >= 0; l--) {
		uint64_t pte = t[vpn(va, l)];
		*level = (unsigned)l;
		if (!(pte & PTE_V))
			return 0;
		if (pte & (PTE_R | PTE_W | PTE_X))
			return pte;
		if (l == 0)
			return 0;
		t = host_table(pte);
	}
	return 0;
}

/* Would a U-mode access through this leaf be allowed by the real MMU? */
static bool hw_allows(uint64_t pte, enum spt_access acc)
{
	static const uint64_t need[3] = {
		[SPT_LOAD] = PTE_R, [SPT_STORE] = PTE_W | PTE_D, [SPT_FETCH] = PTE_X,
	};
	return (pte & PTE_V) && (pte & PTE_U) && (pte & PTE_A) && (pte & need[acc]) == need[acc] &&
	       (!(pte & PTE_W) || (pte & PTE_R));
}

/* The real MMU: the TLB, else a walk from the real satp.  true: allowed. */
FUZZ_NOCOV static bool mmu_access(struct spt_shadow *sh, uint64_t va, enum spt_access acc)
{
	uint64_t page = va & ~(PAGE_SIZE - 1);
	uint16_t asid = (real_satp >> 44) & 0xffff;
	unsigned s = slot_of(sh), level;

	uint64_t *root = mm_pa_to_va((real_satp & PPN_MASK) << 12);

	FUZZ_CHECK(asid == sh->host_asid && root == sh->root,
		   "the real satp 0x%llx does not select the active shadow",
		   (unsigned long long)real_satp);
	for (unsigned i = 0; i < TLB_N; i++)
		if (tlb[i].v && tlb[i].asid == asid && tlb[i].page == page) {
			if (!hw_allows(tlb[i].pte, acc))
				return false;
			justify(s, page, tlb[i].pte, false, "TLB");
			return true;
		}
	uint64_t pte = shadow_leaf(root, (real_satp >> 60) == SATP_MODE_SV48 ? 4 : 3, va, &level);
	if (!hw_allows(pte, acc))
		return false;
	FUZZ_CHECK(level == 0, "a user leaf at level %u", level);
	justify(s, page, pte, true, "shadow");
	tlb[tlb_next] = (struct tlbe){ true, asid, page, pte };
	tlb_next = (tlb_next + 1) % TLB_N;
	return true;
}

/* ---- Checks after every operation ----------------------------------------------------- */

FUZZ_NOCOV static void check_now(void)
{
	struct spt_shadow *act = spc.active;

	FUZZ_CHECK(!act || (act >= spc.slot && act < spc.slot + SPT_SLOTS && act->used &&
			    !act->stale), "the active shadow is not a used, fresh slot");
	FUZZ_CHECK(spc.satp == real_satp, "cache.satp 0x%llx, the real satp is 0x%llx",
		   (unsigned long long)spc.satp, (unsigned long long)real_satp);
	for (unsigned s = 0; s < SPT_SLOTS; s++) {
		struct spt_shadow *sh = &spc.slot[s];
		if (!sh->used || sh->stale)
			continue;
		for (unsigned i = 0; i < 8; i++) {
			unsigned level;
			uint64_t pte = shadow_leaf(sh->root, sh->fmt->levels, va_set[i], &level);
			if (!(pte & PTE_V))
				continue;
			FUZZ_CHECK(level == 0 || !(pte & PTE_U), "a user leaf at level %u", level);
			if (level == 0)
				justify(s, va_set[i] & ~(PAGE_SIZE - 1), pte, true, "shadow");
		}
	}
	if (act)
		for (unsigned i = 0; i < TLB_N; i++)
			if (tlb[i].v && tlb[i].asid == act->host_asid)
				justify(slot_of(act), tlb[i].page, tlb[i].pte, false, "TLB");
}

/* spt_fault()'s answer against a fresh walk of the guest's tables. */
static void check_fault(struct spt_shadow *sh, uint64_t va, enum spt_access acc, unsigned priv,
			uint64_t ss, int r, const struct spt_walk *w, unsigned failed_before)
{
	struct spt_walk ref;

	if (!sh) {
		FUZZ_CHECK(r == SPT_NOT_RAM && w->gpa == va, "Bare: fault at 0x%llx gave %d",
			   (unsigned long long)va, r);
		return;
	}
	/* A/D were set by the fault's walk if they had to be: no update now. */
	int rr = spt_translate(&vm, sh->satp, va, acc, priv, ss, false, &ref);
	if (r == SPT_GUEST_FAULT) {
		FUZZ_CHECK(rr < 0 && w->cause == ref.cause, "va 0x%llx: guest fault %llu, the "
			   "tables say %d/%llu", (unsigned long long)va,
			   (unsigned long long)w->cause, rr, (unsigned long long)ref.cause);
		return;
	}
	FUZZ_CHECK(rr == 0 && ref.gpa == w->gpa, "va 0x%llx: spt_fault %d at gpa 0x%llx, the "
		   "tables say %d (cause %llu) gpa 0x%llx", (unsigned long long)va, r,
		   (unsigned long long)w->gpa, rr, (unsigned long long)ref.cause,
		   (unsigned long long)ref.gpa);
	bool in_ram = gpa_page_in_ram(w->gpa);
	switch (r) {
	case SPT_NOT_RAM:
		FUZZ_CHECK(!in_ram, "gpa 0x%llx is RAM, not SPT_NOT_RAM", (unsigned long long)w->gpa);
		break;
	case SPT_IN_WINDOW:
		FUZZ_CHECK(in_ram && va >= WINDOW_VA, "SPT_IN_WINDOW for va 0x%llx",
			   (unsigned long long)va);
		break;
	case SPT_NO_MEMORY:
		FUZZ_CHECK(in_ram && va < WINDOW_VA && failed > failed_before,
			   "SPT_NO_MEMORY though no allocation failed");
		break;
	default:
		FUZZ_CHECK(r == SPT_FILLED && in_ram && va < WINDOW_VA, "spt_fault returned %d for "
			   "va 0x%llx gpa 0x%llx", r, (unsigned long long)va,
			   (unsigned long long)w->gpa);
	}
}

/* A fill happened: record what the guest's tables give the slot's view. */
static void record_fill(struct spt_shadow *sh, uint64_t va, const struct spt_walk *w)
{
	uint64_t gpa = w->gpa;
	uint64_t perms = view_perms(sh->satp, sh->view, va, &gpa);

	FUZZ_CHECK(gpa == w->gpa, "the view's walk reaches another page");
	uint64_t frame = hpa(ram + ((gpa & ~(PAGE_SIZE - 1)) - vm.ram_gpa));
	model_fill(slot_of(sh), va & ~(PAGE_SIZE - 1), w->level, frame, perms);
}

/* spt_fault() as the trap handler calls it, with its checks. */
static int fault(struct spt_shadow *sh, uint64_t va, enum spt_access acc, unsigned priv,
		 uint64_t ss)
{
	struct spt_walk w;
	unsigned failed_before = failed;

	int r = spt_fault(&spc, sh, va, acc, priv, ss, &w);
	check_fault(sh, va, acc, priv, ss, r, &w, failed_before);
	FUZZ_CHECK(spc.active == sh, "spt_fault changed the active shadow");
	if (r == SPT_FILLED)
		record_fill(sh, va, &w);
	return r;
}

/* ---- The operations --------------------------------------------------------------------- */

enum { OP_WRITE, OP_FENCE, OP_SWITCH, OP_ACCESS, OP_ODD, OP_OOM, OP_SETVA, OP_ACCESS2 };

static void op_write(struct fuzz_in *in, unsigned arg)
{
	uint64_t va = va_set[arg & 7];
	unsigned level = arg >> 3;
	uint8_t b = fuzz_u8(in);
	unsigned page = b % RAM_PAGES;
	unsigned idx = b & 0x80 ? fuzz_u16(in) % 512 : vpn(va, level);
	uint64_t val = fuzz_u64(in) ^ (vm.ram_gpa >> 12) << 10;

	memcpy(ram + page * PAGE_SIZE + idx * 8, &val, 8);
}

static void op_fence(struct fuzz_in *in, unsigned arg)
{
	bool by_va = arg & 1, by_asid = arg & 2;
	uint8_t b = fuzz_u8(in);
	uint64_t va = va_set[(arg >> 2) & 7] + (uint64_t)(b >> 4) * 0x100;
	uint64_t asid = (b & 7) | (b & 8 ? 0x10000 : 0);   /* bits above 15 are ignored */

	model_fence(by_va, va, by_asid, asid);
	spt_sfence(&spc, by_va, va, by_asid, asid);
}

static void op_switch(struct fuzz_in *in, unsigned arg)
{
	static const uint64_t modes[4] = { SATP_MODE_BARE, SATP_MODE_SV39, SATP_MODE_SV48,
					   SATP_MODE_SV48 };
	uint8_t b = fuzz_u8(in);
	uint64_t root = ((vm.ram_gpa >> 12) ^ (b & 31)) & PPN_MASK;
	uint64_t satp = modes[arg & 3] << 60 | (uint64_t)(b >> 5) << 44 | root;

	hart.priv = arg & 4 ? PRV_S : PRV_U;
	hart.sstatus = (arg & 8 ? SSTATUS_SUM : 0) | (arg & 16 ? SSTATUS_MXR : 0);
	unsigned view = spt_view(hart.priv, hart.sstatus);
	struct spt_shadow *sh = spt_switch(&spc, satp, view);
	const struct pt_format *fmt = spt_guest_format(satp);

	FUZZ_CHECK(sh == spc.active, "spt_switch returned another shadow than the active one");
	if (!fmt) {
		FUZZ_CHECK(!sh && real_satp == pt_satp(&pt_sv39, bare_page, 0),
			   "Bare: real satp 0x%llx", (unsigned long long)real_satp);
		return;
	}
	FUZZ_CHECK(sh && sh->satp == satp && sh->view == view && sh->fmt == fmt,
		   "spt_switch(0x%llx, %u) chose a shadow of another satp/view",
		   (unsigned long long)satp, view);
	FUZZ_CHECK(real_satp == pt_satp(fmt, sh->root, sh->host_asid),
		   "real satp 0x%llx does not select slot %u", (unsigned long long)real_satp,
		   slot_of(sh));
	model_key(slot_of(sh), satp, view);
}

static void op_access(struct fuzz_in *in, unsigned arg)
{
	struct spt_shadow *sh = spc.active;
	uint64_t va = va_set[arg & 7] + (uint64_t)fuzz_u8(in) * 16;
	enum spt_access acc = (arg >> 3) % 3;

	if (sh && mmu_access(sh, va, acc))
		return;
	/* A real page fault: the trap handler asks shadow.c. */
	if (fault(sh, va, acc, hart.priv, hart.sstatus) == SPT_FILLED)
		FUZZ_CHECK(mmu_access(sh, va, acc), "livelock: after a fill of va 0x%llx the %s "
			   "still faults", (unsigned long long)va,
			   acc == SPT_LOAD ? "load" : acc == SPT_STORE ? "store" : "fetch");
}

static void op_odd(struct fuzz_in *in, unsigned arg)
{
	uint8_t b = fuzz_u8(in);
	uint64_t va = va_set[arg & 7] + (uint64_t)(b >> 3) * 64;
	unsigned priv = b & 1 ? PRV_S : PRV_U;
	uint64_t ss = (b & 2 ? SSTATUS_SUM : 0) | (b & 4 ? SSTATUS_MXR : 0);

	fault(spc.active, va, (arg >> 3) % 3, priv, ss);
}

static void op_oom(unsigned arg)
{
	unsigned k = arg >> 2;
	switch (arg & 3) {
	case 0: live_limit = fail_at = -1; break;
	case 1: live_limit = live + k; break;
	case 2: fail_at = allocs + k; break;
	case 3: live_limit = live + k / 2; fail_at = -1; break;
	}
}

/* ---- The audit at the end of each input ---------------------------------------------------- */

static unsigned windows_seen;

/* Audit the table at 'level' of slot s covering the VAs from 'prefix';
 * returns the number of pool pages it holds (itself included). */
FUZZ_NOCOV static unsigned audit_table(unsigned s, const struct spt_shadow *sh, uint64_t *table,
			    unsigned level, uint64_t prefix)
{
	unsigned n = 0;
	int pi = pool_index(table);

	FUZZ_CHECK(pi >= 0 && pstate[pi] == P_LIVE, "slot %u: a table is not a live pool page", s);
	FUZZ_CHECK(pool_seen[pi] != audit_gen, "slot %u: table %p reached twice", s, (void *)table);
	pool_seen[pi] = audit_gen;
	if (table != sh->window_l2)
		n++;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t pte = table[i], va = prefix | (uint64_t)i << (12 + 9 * level);
		if (level == sh->fmt->levels - 1 && i >= 256)
			va |= ~0ull << (12 + 9 * sh->fmt->levels);
		if (!(pte & PTE_V))
			continue;
		if (pte == window_pte) {
			windows_seen++;
			FUZZ_CHECK(level == 2 && va == WINDOW_VA, "slot %u: the window at level %u "
				   "va 0x%llx", s, level, (unsigned long long)va);
			continue;
		}
		if (!(pte & (PTE_R | PTE_W | PTE_X))) {
			FUZZ_CHECK(level > 0 && !(pte & ~(PTE_V | SPT_PTE_SUPER | (PPN_MASK << 10))),
				   "slot %u: table pte 0x%llx at level %u", s,
				   (unsigned long long)pte, level);
			n += audit_table(s, sh, mm_pa_to_va(pte_pa(pte)), level - 1, va);
			continue;
		}
		FUZZ_CHECK(level == 0, "slot %u: a leaf at level %u", s, level);
		FUZZ_CHECK(va < WINDOW_VA, "slot %u: a leaf in the window", s);
		if (sh->used && !sh->stale)
			justify(s, va, pte, true, "audit");
	}
	return n;
}

FUZZ_NOCOV static void audit(void)
{
	unsigned held = 0, reached = 0;

	audit_gen++;
	for (unsigned s = 0; s < SPT_SLOTS; s++) {
		struct spt_shadow *sh = &spc.slot[s];
		int wi = pool_index(sh->window_l2);
		FUZZ_CHECK(wi >= 0 && pstate[wi] == P_LIVE && sh->window_l2[511] == window_pte,
			   "slot %u: its window table is gone", s);
		if (!sh->fmt) {
			static const uint64_t zero[512];
			FUZZ_CHECK(!memcmp(sh->root, zero, sizeof(zero)), "slot %u: never used, not empty", s);
			pool_seen[wi] = audit_gen;
			reached += 2;
			continue;
		}
		FUZZ_CHECK(!sh->used || sh->fmt == spt_guest_format(sh->satp),
			   "slot %u: format does not match its satp", s);
		windows_seen = 0;
		if (sh->fmt->levels == 4)
			FUZZ_CHECK(pte_pa(sh->root[511]) == hpa(sh->window_l2),
				   "slot %u: Sv48 root[511] is not its window table", s);
		else
			pool_seen[wi] = audit_gen;
		unsigned n = audit_table(s, sh, sh->root, sh->fmt->levels - 1, 0);
		FUZZ_CHECK(windows_seen == 1, "slot %u: the window is mapped %u times", s, windows_seen);
		held += n - 1;          /* the root is not a table page the quota counts */
		reached += n + 1;       /* + the window table */
	}
	FUZZ_CHECK(reached == live, "leak: %u live pool pages, %u reachable", live, reached);
	FUZZ_CHECK(spc.pages == held, "cache.pages says %u table pages, the shadows hold %u",
		   spc.pages, held);
}

/* ---- The entry point ---------------------------------------------------------------------- */

FUZZ_NOCOV static void world_begin(uint8_t cfg)
{
	pool_reset();
	memset(tlb, 0, sizeof(tlb));
	memset(model, 0, sizeof(model));
	memset(ram, 0, sizeof(ram));
	memcpy(va_set, va_initial, sizeof(va_set));
	memset(&platform, 0, sizeof(platform));
	platform.asid_bits = cfg & 1 ? 16 : 0;
	memset(&vm, 0, sizeof(vm));
	vm.ram_gpa = cfg & 2 ? 0 : GUEST_RAM_BASE;
	vm.ram_size = RAM_SIZE;
	vm.ram = ram;
	vm.bare_root = bare_page;
	real_satp = 0;
	hart.priv = PRV_S;
	hart.sstatus = 0;
	FUZZ_CHECK(spt_init(&spc, &vm, SPT_MAX_PAGES, 1) == 0, "spt_init failed");
}

/* FUZZ_TRACE=1 in the environment prints each operation (to read a crash). */
static bool trace;

static void trace_op(unsigned i, uint8_t op, const uint8_t *args, const struct fuzz_in *in)
{
	static const char *const names[8] = {
		"WRITE", "FENCE", "SWITCH", "ACCESS", "ODD", "OOM", "SETVA", "ACCESS",
	};
	fprintf(stderr, "op %2u: %-6s 0x%02x:", i, names[op & 7], op >> 3);
	for (const uint8_t *a = args; a < in->p; a++)
		fprintf(stderr, " %02x", *a);
	fprintf(stderr, "  -> active slot %d, %u live pages, cache.pages %u, %u failed allocations\n",
		spc.active ? (int)slot_of(spc.active) : -1, live, spc.pages, failed);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	trace = getenv("FUZZ_TRACE") != NULL;
	for (unsigned i = 0; i < 512; i++)
		window_page[i] = ((0xdead0ull + i) << 10) | PTE_V | PTE_R | PTE_W | PTE_X |
				 PTE_A | PTE_D | PTE_G;
	window_pte = hpa(window_page) >> 12 << 10 | PTE_V;
	FUZZ_CHECK(hpa(pool[POOL_PAGES - 1]) >> 56 == 0 && hpa(ram) >> 56 == 0 &&
		   hpa(window_page) >> 56 == 0, "host addresses do not fit a PTE");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	world_begin(fuzz_u8(&in));
	for (unsigned i = 0; i < MAX_OPS && in.n; i++) {
		uint8_t op = fuzz_u8(&in);
		unsigned arg = op >> 3;
		const uint8_t *args = in.p;
		switch (op & 7) {
		case OP_WRITE:   op_write(&in, arg); break;
		case OP_FENCE:   op_fence(&in, arg); break;
		case OP_SWITCH:  op_switch(&in, arg); break;
		case OP_ACCESS:
		case OP_ACCESS2: op_access(&in, arg); break;
		case OP_ODD:     op_odd(&in, arg); break;
		case OP_OOM:     op_oom(arg); break;
		case OP_SETVA:   va_set[arg & 7] = fuzz_u64(&in); break;
		}
		if (trace)
			trace_op(i, op, args, &in);
		check_now();
	}
	live_limit = fail_at = -1;
	audit();
	return 0;
}
