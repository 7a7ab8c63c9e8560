/*
 * spt.h - page tables Umbra builds for the real MMU: its own window and the
 * views the guest runs on.  In this first version the guest always runs with
 * satp = Bare, so its view is a fixed map of guest-physical RAM; shadow
 * tables that mirror the guest's own page tables build on the same walker.
 */
#ifndef UMBRA_SPT_H
#define UMBRA_SPT_H

#include "umbra.h"

/*
 * A page-table format is data: how many levels, and what satp calls it.
 * Every level indexes 9 bits of the virtual address above the 12-bit offset.
 */
struct pt_format {
	const char *name;
	unsigned levels;     /* 3 for Sv39, 4 for Sv48 */
	uint64_t satp_mode;  /* SATP_MODE_* */
};
extern const struct pt_format pt_sv39;
extern const struct pt_format pt_sv48;

/* Size of the region one PTE at 'level' covers (level 0 = 4 KiB pages). */
static inline uint64_t pt_level_size(unsigned level)
{
	return PAGE_SIZE << (9 * level);
}

/*
 * Find the PTE that maps 'va' at 'level' (0 = 4 KiB leaf, 1 = 2 MiB, ...).
 * With 'alloc', missing intermediate tables are allocated; without it NULL
 * is returned where the walk stops early (an invalid or leaf PTE above
 * 'level').  Host tables only: the PTEs hold host physical addresses.
 */
uint64_t *spt_walk(const struct pt_format *fmt, uint64_t *root, uint64_t va,
		   unsigned level, bool alloc);

/* Map [va, va+size) to [pa, pa+size) with 'flags' (PTE_R/W/X/U/G/A/D),
 * using the largest pages alignment allows.  Returns 0 or ERR_NOMEM. */
int spt_map(const struct pt_format *fmt, uint64_t *root, uint64_t va,
	    uint64_t pa, uint64_t size, uint64_t flags);

/* The satp value that selects 'root' in 'fmt' with 'asid'. */
uint64_t spt_satp(const struct pt_format *fmt, uint64_t *root, uint16_t asid);

struct vm;
/* Build the view a guest runs on while its satp is Bare: guest-physical RAM
 * mapped at its guest-physical address, user-accessible, plus Umbra's
 * window.  Returns the root table or NULL. */
uint64_t *spt_bare_view_create(struct vm *vm);

#endif
