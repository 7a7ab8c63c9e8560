/*
 * walk.c - walk the guest's own page tables, in software.
 *
 * The guest kernel runs in real U-mode, so the hardware MMU never walks the
 * guest's tables: Umbra does, here, whenever it needs to know what a guest
 * virtual address means (to fill a shadow table, to emulate a load or store
 * the guest trapped on, ...).  The answer must be exactly what a real hart
 * would do, so this file is a transcription of the privileged spec (v1.12,
 * section 4.3.2 "Virtual Address Translation Process", with the Sv39/Sv48
 * differences of 4.4 and 4.5).  The numbered comments below are the spec's
 * steps.
 *
 * Page-table formats are data (struct pt_format in core/pt.h: how many
 * levels), so there is one walker loop for Sv39 and Sv48: every level
 * indexes 9 more bits of the virtual address, and everything else is the
 * same.  Indexing and PTE fields are pt.h's helpers (pt_index, pte_pa).
 *
 * A pure function: no CSRs, no allocation.  Guest memory is reached only
 * through mem->pte_ptr(), which turns a guest-physical address into a host
 * pointer, or NULL when the address is not guest RAM.  That is what lets
 * tests/host/test_walk.c run this code over a simulated guest memory.
 */
#include "spt.h"

/* For non-leaf PTEs, D, A and U are "reserved for future standard use". */
#define PTE_NONLEAF_RESERVED (PTE_D | PTE_A | PTE_U)

/* The exception of each kind that "corresponds to the original access type". */
static uint64_t page_fault(enum spt_access acc)
{
	switch (acc) {
	case SPT_FETCH: return CAUSE_FETCH_PAGE_FAULT;
	case SPT_LOAD:  return CAUSE_LOAD_PAGE_FAULT;
	default:        return CAUSE_STORE_PAGE_FAULT;   /* stores and AMOs */
	}
}

static uint64_t access_fault(enum spt_access acc)
{
	switch (acc) {
	case SPT_FETCH: return CAUSE_FETCH_ACCESS;
	case SPT_LOAD:  return CAUSE_LOAD_ACCESS;
	default:        return CAUSE_STORE_ACCESS;
	}
}

const struct pt_format *spt_guest_format(uint64_t satp)
{
	switch ((satp & SATP_MODE) >> SATP_MODE_SHIFT) {
	case SATP_MODE_SV39: return &pt_sv39;
	case SATP_MODE_SV48: return &pt_sv48;
	default:             return NULL;   /* Bare, Sv57, reserved encodings */
	}
}

/*
 * Step 5: does the leaf PTE allow this access?  Two independent questions,
 * both of which must be answered yes:
 *
 *  - Privilege (the U bit).  U-mode may touch only U=1 pages.  S-mode may
 *    touch U=1 pages only with sstatus.SUM=1, and then only with loads and
 *    stores: "S-mode can never execute instructions from user pages,
 *    regardless of the state of SUM."
 *  - Kind (R/W/X).  A fetch needs X, a store needs W, a load needs R, or X
 *    when sstatus.MXR=1 ("make executable readable").  MXR affects loads
 *    only, and only the R/X question - never the U question above.
 */
static bool leaf_allows(uint64_t pte, enum spt_access acc, unsigned priv,
			uint64_t sstatus)
{
	if (priv == PRV_U) {
		if (!(pte & PTE_U))
			return false;
	} else if (pte & PTE_U) {
		if (acc == SPT_FETCH || !(sstatus & SSTATUS_SUM))
			return false;
	}

	switch (acc) {
	case SPT_FETCH:
		return pte & PTE_X;
	case SPT_LOAD:
		return (pte & PTE_R) || ((sstatus & SSTATUS_MXR) && (pte & PTE_X));
	case SPT_STORE:
		return pte & PTE_W;
	}
	return false;
}

/* Record a fault: where the walk stopped, and the exception. */
static int walk_fault(struct spt_walk *out, uint64_t cause)
{
	out->gpa = 0;
	out->cause = cause;
	return ERR_FAULT;
}

int spt_guest_walk(const struct spt_gmem *mem, uint64_t satp, uint64_t va,
		   enum spt_access acc, unsigned priv, uint64_t sstatus,
		   bool set_ad, struct spt_walk *out)
{
	const struct pt_format *fmt = spt_guest_format(satp);

	*out = (struct spt_walk){ 0 };

	if (!fmt) {
		/* Bare: no translation and no protection beyond PMP/PMA. */
		if ((satp & SATP_MODE) >> SATP_MODE_SHIFT == SATP_MODE_BARE) {
			out->gpa = va;
			return 0;
		}
		/* A mode the guest was never offered: its satp is WARL, so
		 * this is a caller bug.  Fail the access rather than guess. */
		out->cause = access_fault(acc);
		return ERR_INVAL;
	}

	/*
	 * Before the walk (4.4.1, 4.5.1): a 64-bit address must have bits
	 * 63..VABITS all equal to bit VABITS-1 ("canonical"), or else a page
	 * fault occurs.  VABITS is 12 + 9 * LEVELS: 39 for Sv39, 48 for Sv48.
	 * Shifting the address up and arithmetically back down copies bit
	 * VABITS-1 over the top bits; a canonical address survives unchanged.
	 */
	unsigned vabits = PAGE_SHIFT + 9 * fmt->levels;
	unsigned top = 64 - vabits;
	if ((uint64_t)((int64_t)(va << top) >> top) != va)
		return walk_fault(out, page_fault(acc));

	/*
	 * 1. Let a be satp.ppn x PAGESIZE, and let i = LEVELS - 1.
	 *    (satp is "active": the caller walks only for S- and U-mode
	 *    accesses.  The ASID does not affect the walk.)
	 */
	uint64_t a = (satp & SATP_PPN) << PAGE_SHIFT;
	int i = (int)fmt->levels - 1;
	uint64_t pte, pte_gpa;
	uint64_t *p;

	for (;;) {
		/*
		 * 2. Let pte be the value of the PTE at address
		 *    a + va.vpn[i] x PTESIZE (PTESIZE = 8).  If accessing pte
		 *    violates a PMA or PMP check, raise an access fault.
		 *    For the guest that means: the PTE is not in guest RAM.
		 *    The read is one 8-byte access, as the spec requires.
		 */
		pte_gpa = a + pt_index(fmt, va, i) * sizeof(uint64_t);
		out->level = i;
		out->pte_gpa = pte_gpa;
		p = mem->pte_ptr(mem->ctx, pte_gpa);
		if (!p)
			return walk_fault(out, access_fault(acc));
		pte = __atomic_load_n(p, __ATOMIC_RELAXED);
		out->pte = pte;

		/*
		 * 3. If pte.v = 0, or if pte.r = 0 and pte.w = 1, or if any
		 *    bits or encodings that are reserved for future standard
		 *    use are set within pte, raise a page fault.
		 *    Reserved here: bits 63:54 (see PTE_HI_RESERVED).  D, A
		 *    and U are also reserved in non-leaf PTEs; that needs
		 *    step 4's leaf test, so it is checked there.
		 */
		if (!(pte & PTE_V) ||
		    (!(pte & PTE_R) && (pte & PTE_W)) ||
		    (pte & PTE_HI_RESERVED))
			return walk_fault(out, page_fault(acc));

		/*
		 * 4. Otherwise the PTE is valid.  If pte.r = 1 or pte.x = 1,
		 *    go to step 5.  Otherwise this PTE points to the next
		 *    level: let i = i - 1; if i < 0 raise a page fault;
		 *    otherwise let a = pte.ppn x PAGESIZE and go to step 2.
		 *    (V is set, and step 3 refused W without R: "r = 0 and
		 *    x = 0" is exactly !pte_is_leaf(pte).)
		 */
		if (!pte_is_leaf(pte)) {
			if (pte & PTE_NONLEAF_RESERVED)
				return walk_fault(out, page_fault(acc));
			if (i == 0)
				return walk_fault(out, page_fault(acc));
			i--;
			a = pte_pa(pte);
			continue;
		}

		/*
		 * 5. A leaf PTE has been found.  Is the access allowed by
		 *    pte.r/w/x/u, the privilege mode, SUM and MXR?  If not,
		 *    raise a page fault.
		 */
		if (!leaf_allows(pte, acc, priv, sstatus))
			return walk_fault(out, page_fault(acc));

		/*
		 * 6. If i > 0 and pte.ppn[i-1:0] != 0, this is a misaligned
		 *    superpage: raise a page fault.  (A level-i page must be
		 *    physically aligned to its own size.)
		 */
		if (i > 0 && (pte_pa(pte) & (pt_level_size(i) - 1)))
			return walk_fault(out, page_fault(acc));

		/*
		 * 7. If pte.a = 0, or the access is a store and pte.d = 0,
		 *    either raise a page fault (Svade: set_ad == false), or
		 *    update the PTE the way hardware does (set_ad == true):
		 *     - if a store to pte would violate a PMA or PMP check,
		 *       raise an access fault;
		 *     - atomically: compare pte with the PTE in memory; if they
		 *       match, set pte.a (and pte.d for a store); if they do not
		 *       (another hart changed it since step 2), go back to
		 *       step 2 - same a and i, so the same PTE is read again
		 *       and every check is redone on its new value.
		 *    All checks came first, so an access that faults never
		 *    sets A or D.
		 */
		uint64_t need = PTE_A | (acc == SPT_STORE ? PTE_D : 0);
		if ((pte & need) != need) {
			if (!set_ad)
				return walk_fault(out, page_fault(acc));
			/* The store is an access of its own: check it too. */
			p = mem->pte_ptr(mem->ctx, pte_gpa);
			if (!p)
				return walk_fault(out, access_fault(acc));
			uint64_t expected = pte;
			if (!__atomic_compare_exchange_n(p, &expected, pte | need,
							 false, __ATOMIC_SEQ_CST,
							 __ATOMIC_RELAXED))
				continue;   /* back to step 2 */
			pte |= need;
			out->pte = pte;
			out->ad_updated = true;
		}
		break;
	}

	/*
	 * 8. The translation is successful:
	 *     pa.pgoff = va.pgoff;
	 *     for a superpage (i > 0), pa.ppn[i-1:0] = va.vpn[i-1:0];
	 *     pa.ppn[LEVELS-1:i] = pte.ppn[LEVELS-1:i].
	 *    The offset within a level-i page is the low 12 + 9i bits of the
	 *    VA; everything above comes from the PTE.
	 */
	uint64_t page_mask = pt_level_size(i) - 1;
	out->gpa = (pte_pa(pte) & ~page_mask) | (va & page_mask);
	out->cause = 0;
	return 0;
}
