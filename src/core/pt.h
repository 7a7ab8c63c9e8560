/*
 * pt.h - RISC-V page tables: the formats, the PTE, and one walker for the
 * tables Umbra builds itself (its own window, mm.c; the Bare view and the
 * shadows, src/shadowpt; the G-stage, src/hext).
 *
 * A virtual address is split into a 12-bit page offset and one 9-bit index
 * per level; the root of the G-stage's x4 formats takes 2 more bits (a
 * 16 KiB root of 2048 PTEs).  Every other table is one 4 KiB page of 512
 * 8-byte PTEs.  A PTE with V=0 is invalid; V=1 with R=W=X=0 points to the
 * next-level table; V=1 with any of R/W/X set is a leaf that maps a page of
 * the size of its level.  Bits 53:10 hold the physical page number (PPN) of
 * the table or page, in every format.
 *
 * The PTE helpers below are pure, so the walk of the guest's own tables
 * (shadowpt/walk.c), whose PTEs hold guest-physical addresses, uses them too.
 */
#ifndef UMBRA_PT_H
#define UMBRA_PT_H

#include "umbra.h"

/*
 * A page-table format is data: how many levels, what satp (or hgatp) calls
 * it, and how many more index bits its root has.  One walker loop serves
 * them all.
 */
struct pt_format {
	const char *name;
	unsigned levels;     /* 3 for Sv39(x4), 4 for Sv48(x4) */
	uint64_t satp_mode;  /* SATP_MODE_* (or HGATP_MODE_*) */
	unsigned root_extra_bits;  /* 2 for the G-stage's x4 formats (16 KiB root) */
};
extern const struct pt_format pt_sv39;
extern const struct pt_format pt_sv48;
/* G-stage formats (hgatp): like Sv39/Sv48 with 2 more bits at the root. */
extern const struct pt_format pt_sv39x4;
extern const struct pt_format pt_sv48x4;

/* The PPN field of a PTE, bits 53:10: 44 bits in Sv39 and Sv48 alike. */
#define PTE_PPN_MASK (((_UL(1) << 44) - 1) << PTE_PPN_SHIFT)

/* Size of the region one PTE at 'level' covers (level 0 = 4 KiB pages). */
static inline uint64_t pt_level_size(unsigned level)
{
	return PAGE_SIZE << (9 * level);
}

/* va.vpn[level]: the index of the PTE for 'va' in the table at 'level'
 * (9 bits; the root of an x4 format has 2 more). */
static inline unsigned pt_index(const struct pt_format *fmt, uint64_t va, unsigned level)
{
	unsigned bits = 9 + (level == fmt->levels - 1 ? fmt->root_extra_bits : 0);
	return (va >> (PAGE_SHIFT + 9 * level)) & ((1u << bits) - 1);
}

/* A PTE for the page or table at physical address 'pa' (page aligned) with
 * 'flags' (PTE_V and the rest: nothing is added). */
static inline uint64_t pte_make(uint64_t pa, uint64_t flags)
{
	return (pa >> PAGE_SHIFT) << PTE_PPN_SHIFT | flags;
}

/* The physical address a PTE points at: its PPN x PAGESIZE. */
static inline uint64_t pte_pa(uint64_t pte)
{
	return (pte & PTE_PPN_MASK) >> PTE_PPN_SHIFT << PAGE_SHIFT;
}

/* Valid, and points to the next-level table. */
static inline bool pte_is_table(uint64_t pte)
{
	return (pte & PTE_V) && !(pte & (PTE_R | PTE_W | PTE_X));
}

/* Valid, and maps a page of its level's size. */
static inline bool pte_is_leaf(uint64_t pte)
{
	return (pte & PTE_V) && (pte & (PTE_R | PTE_W | PTE_X));
}

/* ---- Host tables (pt.c): PTEs hold host physical addresses ------------------ */

/*
 * Find the PTE that maps 'va' at 'level' (0 = 4 KiB leaf, 1 = 2 MiB, ...).
 * With 'alloc', missing intermediate tables are allocated (mm_alloc_page);
 * without it NULL is returned where the walk stops early (an invalid or leaf
 * PTE above 'level').  NULL also when allocation fails: the tables added
 * before that stay.
 */
uint64_t *pt_walk(const struct pt_format *fmt, uint64_t *root, uint64_t va,
		  unsigned level, bool alloc);

/* Map [va, va+size) to [pa, pa+size) with 'flags' (PTE_R/W/X/U/G/A/D),
 * using the largest pages alignment allows.  Returns 0 or ERR_NOMEM. */
int pt_map(const struct pt_format *fmt, uint64_t *root, uint64_t va,
	   uint64_t pa, uint64_t size, uint64_t flags);

/* The satp value that selects 'root' in 'fmt' with 'asid'.  hgatp has the
 * same fields (MODE, VMID where satp has the ASID, PPN): pass the VMID. */
uint64_t pt_satp(const struct pt_format *fmt, uint64_t *root, uint16_t asid);

#endif
