/*
 * fuzz_walk.c - libFuzzer harness for src/shadowpt/walk.c, the software
 * walk of the guest's page tables (spt_guest_walk).
 *
 * What it fuzzes.  One walk per input over a simulated guest RAM of
 * NPAGES pages whose page-table entries come from the input:
 *
 *   byte 0     satp.MODE (all 16 values) | where RAM is << 4 | set_ad << 6
 *              | priv (0 = U, 1 = S) << 7
 *   byte 1     access (0 load, 1 store, 2 fetch; 3 = load) | SUM << 2
 *              | MXR << 3 | "another hart" writes at memory access n << 4
 *   8 bytes    the virtual address (any 64-bit value, canonical or not)
 *   8 bytes    the other sstatus bits (must not matter)
 *   4 bytes    satp.PPN, XORed with RAM's first PPN (so 0..NPAGES-1 are
 *              the RAM pages and most other values lie outside RAM)
 *   2 bytes    satp.ASID (must not matter)
 *   8 bytes    what "another hart" writes (PPN XORed the same way)
 *   1 byte     filler for the rest of RAM
 *   then for every page p and level l (NPAGES x 4 x 8 bytes): the PTE at
 *   page p, index va.vpn[l] - the entries a walk of va can ever read,
 *   whichever page each level's table turns out to be.  Every PTE's PPN
 *   is XORed with RAM's first PPN, for the same reason as satp's.
 *
 * RAM sits at 0x80000000, at 0, or at the very top of the 56-bit physical
 * space, so address arithmetic near both ends is exercised.
 *
 * "Another hart" may store a value to the PTE of the n-th memory access of
 * the walk (just before that access): that is how the compare-and-swap of
 * the hardware A/D update (step 7 of the spec's algorithm) loses its race
 * and the walk must start that level again.
 *
 * Invariants: the walk's result is exactly what oracle() says.  oracle()
 * is the privileged spec's "Virtual Address Translation Process" (v1.12,
 * 4.3.2, with 4.4/4.5 for Sv39/Sv48) written afresh here over its own copy
 * of RAM: canonical addresses, V, W-without-R, reserved bits 63:54 (no
 * Svnapot/Svpbmt for guests), D/A/U reserved in non-leaf PTEs, running out
 * of levels, R/W/X/U against the privilege mode, SUM and MXR, misaligned
 * superpages, A/D (a page fault under Svade, the atomic update otherwise),
 * and the final address.  Checked: the return value and cause (one of the
 * six page/access faults, of the access's kind), the gpa (0 on a fault),
 * and on success the level, leaf PTE, its address and ad_updated.  Then
 * RAM: after the walk it must equal the oracle's RAM word for word, i.e.
 * nothing but the leaf PTE's A and D bits (and the other hart's store) has
 * changed.  Every PTE read is 8-byte aligned and inside RAM (pte_ptr() is
 * the walk's only way in; ASan watches the rest).  Finally a successful
 * walk repeated gives the same answer and changes nothing.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "spt.h"
#include "fuzz.h"

/* src/core/pt.c owns these in Umbra, but it needs the host allocator (and
 * panic): the walk of guest tables needs only the formats. */
const struct pt_format pt_sv39 = { "sv39", 3, SATP_MODE_SV39, 0 };
const struct pt_format pt_sv48 = { "sv48", 4, SATP_MODE_SV48, 0 };

#define NPAGES    4
#define RAM_WORDS (NPAGES * 512)
#define PPN_MASK  ((1ull << 44) - 1)
#define PPN_FIELD (PPN_MASK << 10)

static const uint64_t ram_bases[4] = {
	0x80000000ull, 0, (1ull << 56) - NPAGES * 4096ull, 0x80000000ull,
};

/* The simulated RAM: what the walker sees, what the oracle sees, and the
 * contents before either ran. */
static uint64_t ram[RAM_WORDS], oram[RAM_WORDS], before[RAM_WORDS];

/* One memory, as both the walker and the oracle reach it. */
struct mem {
	uint64_t *words;
	uint64_t base;
	unsigned accesses;     /* PTE accesses so far */
	unsigned tamper_at;    /* 1-based access that the other hart precedes; 0: never */
	uint64_t tamper_val;
};

static uint64_t *mem_access(struct mem *m, uint64_t gpa)
{
	m->accesses++;
	FUZZ_CHECK((gpa & 7) == 0, "PTE access at unaligned gpa 0x%llx",
		   (unsigned long long)gpa);
	if (gpa < m->base || gpa - m->base >= RAM_WORDS * 8ull)
		return NULL;
	uint64_t *p = &m->words[(gpa - m->base) / 8];
	if (m->accesses == m->tamper_at)
		*p = m->tamper_val;
	return p;
}

static uint64_t *walker_pte_ptr(void *ctx, uint64_t gpa)
{
	return mem_access(ctx, gpa);
}

/* ---- The oracle ------------------------------------------------------------ */

struct result {
	int ok;                /* 1: translated */
	bool leaf;             /* through a leaf PTE (not Bare) */
	uint64_t cause, gpa, pte, pte_gpa;
	unsigned level;
	bool ad_updated;
};

static uint64_t fault_cause(enum spt_access acc, bool page)
{
	static const uint64_t causes[3][2] = {
		[SPT_LOAD]  = { CAUSE_LOAD_ACCESS, CAUSE_LOAD_PAGE_FAULT },
		[SPT_STORE] = { CAUSE_STORE_ACCESS, CAUSE_STORE_PAGE_FAULT },
		[SPT_FETCH] = { CAUSE_FETCH_ACCESS, CAUSE_FETCH_PAGE_FAULT },
	};
	return causes[acc][page];
}

/* The accesses (1 << acc) a leaf allows in a privilege mode, SUM, MXR. */
static unsigned leaf_rights(uint64_t pte, unsigned priv, bool sum, bool mxr)
{
	unsigned rights = 0;

	if (pte & PTE_R)
		rights |= 1u << SPT_LOAD;
	if (pte & PTE_W)
		rights |= 1u << SPT_STORE;
	if (pte & PTE_X)
		rights |= 1u << SPT_FETCH | (mxr ? 1u << SPT_LOAD : 0);
	if (pte & PTE_U) {
		if (priv == PRV_S)   /* S never executes user pages; loads/stores need SUM */
			rights &= sum ? (1u << SPT_LOAD | 1u << SPT_STORE) : 0;
	} else if (priv == PRV_U) {
		rights = 0;
	}
	return rights;
}

static struct result oracle_fault(enum spt_access acc, bool page)
{
	return (struct result){ .cause = fault_cause(acc, page) };
}

static struct result oracle(struct mem *m, uint64_t satp, uint64_t va, enum spt_access acc,
			    unsigned priv, uint64_t sstatus, bool set_ad)
{
	unsigned mode = satp >> 60, levels;
	bool sum = sstatus & SSTATUS_SUM, mxr = sstatus & SSTATUS_MXR;

	if (mode == SATP_MODE_BARE)
		return (struct result){ .ok = 1, .gpa = va };
	if (mode == SATP_MODE_SV39)
		levels = 3;
	else if (mode == SATP_MODE_SV48)
		levels = 4;
	else
		return oracle_fault(acc, false);   /* never offered: refused */

	/* Bits 63..VABITS-1 all equal: the top as a signed number is 0 or -1. */
	int64_t top = (int64_t)va >> (12 + 9 * levels - 1);
	if (top != 0 && top != -1)
		return oracle_fault(acc, true);

	uint64_t table = (satp & PPN_MASK) << 12;
	for (int i = (int)levels - 1;; ) {
		uint64_t pte_gpa = table + ((va >> (12 + 9 * i)) & 511) * 8;
		uint64_t *p = mem_access(m, pte_gpa);
		if (!p)
			return oracle_fault(acc, false);
		uint64_t pte = *p;
		bool r = pte & PTE_R, w = pte & PTE_W, x = pte & PTE_X;

		if (!(pte & PTE_V) || (w && !r) || (pte >> 54))
			return oracle_fault(acc, true);
		if (!r && !x) {                    /* a pointer to the next level */
			if (pte & (PTE_A | PTE_D | PTE_U) || i == 0)
				return oracle_fault(acc, true);
			i--;
			table = ((pte >> 10) & PPN_MASK) << 12;
			continue;
		}
		if (!(leaf_rights(pte, priv, sum, mxr) & (1u << acc)))
			return oracle_fault(acc, true);
		uint64_t ppn = (pte >> 10) & PPN_MASK;
		if (ppn & ((1ull << (9 * i)) - 1))    /* superpage not aligned to its size */
			return oracle_fault(acc, true);

		bool ad = false;
		uint64_t need = PTE_A | (acc == SPT_STORE ? PTE_D : 0);
		if ((pte & need) != need) {
			if (!set_ad)
				return oracle_fault(acc, true);
			p = mem_access(m, pte_gpa);   /* the atomic update is an access */
			if (!p)
				return oracle_fault(acc, false);
			if (*p != pte)
				continue;             /* lost the race: this level again */
			*p = pte |= need;
			ad = true;
		}
		uint64_t size = 1ull << (12 + 9 * i);
		return (struct result){
			.ok = 1, .leaf = true, .gpa = (ppn << 12 & ~(size - 1)) | (va & (size - 1)),
			.pte = pte, .pte_gpa = pte_gpa, .level = (unsigned)i, .ad_updated = ad,
		};
	}
}

/* ---- The harness ------------------------------------------------------------- */

static uint64_t vpn(uint64_t va, unsigned level)
{
	return (va >> (12 + 9 * level)) & 511;
}

static bool valid_fault(uint64_t cause, enum spt_access acc)
{
	return cause == fault_cause(acc, false) || cause == fault_cause(acc, true);
}

static void check_same(const struct spt_walk *w, int ret, const struct result *o, uint64_t va)
{
	FUZZ_CHECK((ret == 0) == (o->ok == 1), "va 0x%llx: walk returned %d (cause %llu), "
		   "the spec says %s (cause %llu)", (unsigned long long)va, ret,
		   (unsigned long long)w->cause, o->ok ? "success" : "a fault",
		   (unsigned long long)o->cause);
	FUZZ_CHECK(w->cause == o->cause, "va 0x%llx: cause %llu, the spec says %llu",
		   (unsigned long long)va, (unsigned long long)w->cause,
		   (unsigned long long)o->cause);
	FUZZ_CHECK(w->gpa == o->gpa, "va 0x%llx: gpa 0x%llx, the spec says 0x%llx",
		   (unsigned long long)va, (unsigned long long)w->gpa,
		   (unsigned long long)o->gpa);
	if (ret != 0 || !o->leaf)
		return;    /* a fault, or Bare: nothing more is defined */
	FUZZ_CHECK(w->level == o->level && w->pte == o->pte && w->pte_gpa == o->pte_gpa &&
		   w->ad_updated == o->ad_updated,
		   "va 0x%llx: leaf level %u pte 0x%llx at 0x%llx ad %d, the spec says "
		   "level %u pte 0x%llx at 0x%llx ad %d", (unsigned long long)va, w->level,
		   (unsigned long long)w->pte, (unsigned long long)w->pte_gpa, w->ad_updated,
		   o->level, (unsigned long long)o->pte, (unsigned long long)o->pte_gpa,
		   o->ad_updated);
}

/* RAM after the walk is RAM after the oracle, word for word. */
FUZZ_NOCOV static void check_ram(uint64_t base)
{
	if (!memcmp(ram, oram, sizeof(ram)))
		return;
	for (unsigned i = 0; i < RAM_WORDS; i++)
		FUZZ_CHECK(ram[i] == oram[i], "RAM word %u (gpa 0x%llx): 0x%llx -> 0x%llx, "
			   "the spec leaves 0x%llx", i, (unsigned long long)(base + 8 * i),
			   (unsigned long long)before[i], (unsigned long long)ram[i],
			   (unsigned long long)oram[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t b0 = fuzz_u8(&in), b1 = fuzz_u8(&in);
	uint64_t mode = b0 & 15, base = ram_bases[(b0 >> 4) & 3];
	bool set_ad = b0 & 0x40;
	unsigned priv = b0 & 0x80 ? PRV_S : PRV_U;
	enum spt_access acc = (enum spt_access)((b1 & 3) % 3);
	uint64_t va = fuzz_u64(&in);
	uint64_t sstatus = (fuzz_u64(&in) & ~(SSTATUS_SUM | SSTATUS_MXR)) |
			   (b1 & 4 ? SSTATUS_SUM : 0) | (b1 & 8 ? SSTATUS_MXR : 0);
	uint64_t base_ppn = base >> 12;
	uint64_t root = (fuzz_u32(&in) ^ base_ppn) & PPN_MASK;
	uint64_t satp = mode << 60 | (uint64_t)fuzz_u16(&in) << 44 | root;
	uint64_t tamper = fuzz_u64(&in) ^ base_ppn << 10;

	/* Build RAM: filler, then the entries a walk of va can read. */
	memset(ram, fuzz_u8(&in), sizeof(ram));
	for (unsigned p = 0; p < NPAGES; p++)
		for (unsigned l = 0; l < 4; l++)
			ram[p * 512 + vpn(va, l)] = fuzz_u64(&in) ^ base_ppn << 10;
	memcpy(before, ram, sizeof(ram));
	memcpy(oram, ram, sizeof(ram));

	struct mem wm = { ram, base, 0, b1 >> 4, tamper };
	struct mem om = { oram, base, 0, b1 >> 4, tamper };
	const struct spt_gmem gmem = { &wm, walker_pte_ptr };
	struct spt_walk w;

	memset(&w, 0xa5, sizeof(w));
	int ret = spt_guest_walk(&gmem, satp, va, acc, priv, sstatus, set_ad, &w);
	struct result o = oracle(&om, satp, va, acc, priv, sstatus, set_ad);

	FUZZ_CHECK(ret <= 0, "walk returned %d", ret);
	if (ret < 0)
		FUZZ_CHECK(valid_fault(w.cause, acc), "cause %llu for access %d",
			   (unsigned long long)w.cause, acc);
	check_same(&w, ret, &o, va);
	FUZZ_CHECK(wm.accesses == om.accesses, "the walk made %u PTE accesses, the spec %u",
		   wm.accesses, om.accesses);
	check_ram(base);

	/* The same walk again: A/D are set now, so nothing may change. */
	if (ret == 0) {
		struct spt_walk again;
		wm.tamper_at = 0;
		memcpy(before, ram, sizeof(ram));
		int ret2 = spt_guest_walk(&gmem, satp, va, acc, priv, sstatus, set_ad, &again);
		FUZZ_CHECK(ret2 == 0 && again.gpa == w.gpa && again.level == w.level &&
			   again.pte == w.pte && !again.ad_updated,
			   "a repeated walk of va 0x%llx differs", (unsigned long long)va);
		FUZZ_CHECK(!memcmp(before, ram, sizeof(ram)), "a repeated walk changed RAM");
	}
	return 0;
}
