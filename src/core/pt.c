/*
 * pt.c - the page-table formats, and one walker for the tables Umbra builds
 * (see pt.h for the layout of a table and a PTE).
 */
#include "pt.h"
#include "mm.h"

const struct pt_format pt_sv39 = { "sv39", 3, SATP_MODE_SV39, 0 };
const struct pt_format pt_sv48 = { "sv48", 4, SATP_MODE_SV48, 0 };
const struct pt_format pt_sv39x4 = { "sv39x4", 3, HGATP_MODE_SV39X4, 2 };
const struct pt_format pt_sv48x4 = { "sv48x4", 4, HGATP_MODE_SV48X4, 2 };

uint64_t *pt_walk(const struct pt_format *fmt, uint64_t *root, uint64_t va,
		  unsigned level, bool alloc)
{
	uint64_t *table = root;

	for (unsigned l = fmt->levels - 1; l > level; l--) {
		uint64_t *pte = &table[pt_index(fmt, va, l)];
		if (!(*pte & PTE_V)) {
			if (!alloc)
				return NULL;
			void *next = mm_alloc_page();
			if (!next)
				return NULL;
			*pte = pte_make(mm_va_to_pa(next), PTE_V);
		} else if (pte_is_leaf(*pte)) {
			return NULL;
		}
		table = mm_pa_to_va(pte_pa(*pte));
	}
	return &table[pt_index(fmt, va, level)];
}

int pt_map(const struct pt_format *fmt, uint64_t *root, uint64_t va,
	   uint64_t pa, uint64_t size, uint64_t flags)
{
	ASSERT(((va | pa | size) & (PAGE_SIZE - 1)) == 0);
	while (size) {
		/* The largest page whose alignment and size both fit. */
		unsigned level = fmt->levels - 1;
		while (level > 0 && (((va | pa) & (pt_level_size(level) - 1)) ||
				     size < pt_level_size(level)))
			level--;
		uint64_t *pte = pt_walk(fmt, root, va, level, true);
		if (!pte)
			return ERR_NOMEM;
		*pte = pte_make(pa, flags | PTE_V);
		va += pt_level_size(level);
		pa += pt_level_size(level);
		size -= pt_level_size(level);
	}
	return 0;
}

/* (hgatp's fields sit where satp's do: pt_satp serves both.) */
_Static_assert(HGATP_MODE_SHIFT == SATP_MODE_SHIFT && HGATP_VMID_SHIFT == SATP_ASID_SHIFT,
	       "hgatp and satp differ");

uint64_t pt_satp(const struct pt_format *fmt, uint64_t *root, uint16_t asid)
{
	return fmt->satp_mode << SATP_MODE_SHIFT |
	       (uint64_t)asid << SATP_ASID_SHIFT |
	       mm_va_to_pa(root) >> PAGE_SHIFT;
}
