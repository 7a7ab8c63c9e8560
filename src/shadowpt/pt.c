/*
 * pt.c - one walker for the RISC-V page-table formats.
 *
 * A virtual address is split into a 12-bit page offset and one 9-bit index
 * per level.  Each table is one 4 KiB page of 512 8-byte PTEs.  A PTE with V=0
 * is invalid; V=1 with R=W=X=0 points to the next-level table; V=1 with any
 * of R/W/X set is a leaf that maps a page of the size of its level.
 */
#include "spt.h"
#include "mm.h"

const struct pt_format pt_sv39 = { "sv39", 3, SATP_MODE_SV39, 0 };
const struct pt_format pt_sv48 = { "sv48", 4, SATP_MODE_SV48, 0 };

/* The index into the table at 'level' (the root may be wider: x4 formats). */
static inline unsigned vpn(const struct pt_format *fmt, uint64_t va, unsigned level)
{
	unsigned bits = 9 + (level == fmt->levels - 1 ? fmt->root_extra_bits : 0);
	return (va >> (PAGE_SHIFT + 9 * level)) & ((1u << bits) - 1);
}

static inline bool pte_is_leaf(uint64_t pte)
{
	return pte & (PTE_R | PTE_W | PTE_X);
}

static inline uint64_t pte_pa(uint64_t pte)
{
	return (pte >> PTE_PPN_SHIFT) << PAGE_SHIFT;
}

uint64_t *spt_walk(const struct pt_format *fmt, uint64_t *root, uint64_t va,
		   unsigned level, bool alloc)
{
	uint64_t *table = root;

	for (unsigned l = fmt->levels - 1; l > level; l--) {
		uint64_t *pte = &table[vpn(fmt, va, l)];
		if (!(*pte & PTE_V)) {
			if (!alloc)
				return NULL;
			void *next = mm_alloc_page();
			if (!next)
				return NULL;
			*pte = (mm_va_to_pa(next) >> PAGE_SHIFT) << PTE_PPN_SHIFT | PTE_V;
		} else if (pte_is_leaf(*pte)) {
			return NULL;
		}
		table = mm_pa_to_va(pte_pa(*pte));
	}
	return &table[vpn(fmt, va, level)];
}

int spt_map(const struct pt_format *fmt, uint64_t *root, uint64_t va,
	    uint64_t pa, uint64_t size, uint64_t flags)
{
	ASSERT(((va | pa | size) & (PAGE_SIZE - 1)) == 0);
	while (size) {
		/* The largest page whose alignment and size both fit. */
		unsigned level = fmt->levels - 1;
		while (level > 0 && (((va | pa) & (pt_level_size(level) - 1)) ||
				     size < pt_level_size(level)))
			level--;
		uint64_t *pte = spt_walk(fmt, root, va, level, true);
		if (!pte)
			return ERR_NOMEM;
		*pte = (pa >> PAGE_SHIFT) << PTE_PPN_SHIFT | flags | PTE_V;
		va += pt_level_size(level);
		pa += pt_level_size(level);
		size -= pt_level_size(level);
	}
	return 0;
}

uint64_t spt_satp(const struct pt_format *fmt, uint64_t *root, uint16_t asid)
{
	return fmt->satp_mode << SATP_MODE_SHIFT |
	       (uint64_t)asid << SATP_ASID_SHIFT |
	       mm_va_to_pa(root) >> PAGE_SHIFT;
}
