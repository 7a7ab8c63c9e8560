/*
 * patch.h - trap-and-patch: the shadow backend's fast path for the guest
 * kernel's privileged instructions.
 *
 * On a core without H the guest kernel runs in U-mode, so each of its CSR
 * accesses (and sret, wfi, sfence.vma) is an illegal instruction.  OpenSBI
 * does not delegate illegal instructions: each goes U -> M (the firmware
 * redirects it) -> S (Umbra), the slowest exit there is.  A breakpoint is
 * delegated: U -> S directly.  So once Umbra has emulated an instruction at
 * a site a few times, it replaces the site's first halfword in guest memory
 * with c.ebreak and keeps the original instruction in a per-VM table keyed
 * by guest-physical address.  The next time the guest gets there, it traps
 * as a breakpoint, and Umbra emulates the original from the table.
 *
 * The guest must never see a patch:
 *   - only the first 16 bits change: a jump into the middle of the original
 *     4-byte instruction still finds the original's second half;
 *   - a page with patches is execute-only in every shadow (spt_xonly_*):
 *     the guest's loads from it are served from the original bytes, and
 *     a store to it (Linux patches its own text, through another mapping)
 *     first puts the original bytes back (the page is "released");
 *   - Umbra's own reads of guest memory see the originals (patch_overlay),
 *     and its direct accesses (devices, SBI, the page-table walker) release
 *     the pages they touch first;
 *   - a breakpoint at a site that is not in the table is the guest's own
 *     (Linux's BUG/WARN, a debugger) and is delivered to it; a patched site
 *     reached from virtual U-mode (through a user alias) is released and
 *     retried, so that the real hart runs the original;
 *   - the Bare view maps all guest RAM readable: entering it releases every
 *     page.
 * A page released 4 times (PATCH_MAX_RELEASES) is not patched again.
 * On the H backend nothing is patched: there the guest's CSR accesses do not
 * trap at all.
 *
 * One vCPU per VM (this version): a batch of patches is written while the
 * guest cannot run.  With SMP the VM's other vCPUs must be stopped (or
 * IPI-fenced) around a batch and a release, and the table locked.
 */
#ifndef UMBRA_PATCH_H
#define UMBRA_PATCH_H

#include "umbra.h"
#include "decode.h"

struct vm;

/* c.ebreak: what a patched site's first halfword becomes. */
#define PATCH_EBREAK 0x9002u

enum patch_state { PATCH_FREE, PATCH_PENDING, PATCH_LIVE };

struct patch_site {
	uint64_t gpa;             /* where the instruction is (guest-physical) */
	uint32_t insn;            /* the original instruction */
	uint8_t state;            /* enum patch_state */
	uint8_t hits;             /* emulations while pending */
	bool next_live;           /* the instruction after it is a live site too */
	struct decode_insn in;    /* ... decoded */
};

struct patch_stats {
	uint64_t noted;           /* sites seen emulated */
	uint64_t patched;         /* sites written with c.ebreak */
	uint64_t commits;         /* batches written (one shadow scan each) */
	uint64_t released;        /* pages given their original bytes back */
	uint64_t loads;           /* guest loads from patched pages, served */
	uint64_t full;            /* sites not noted: the table was full */
};

struct patch_table {
	bool enabled;
	struct patch_site *site;  /* PATCH_SLOTS, open addressing by gpa */
	unsigned used;            /* slots in use */
	unsigned live;            /* sites patched now */
	uint8_t *releases;        /* per guest page: times released */
	struct patch_stats stats;
};

/* Set up the table ('enabled': the patch=1 option and a hart with C). */
int patch_init(struct vm *vm, bool enabled);
/* Umbra emulated 'in' (raw bits 'raw') at guest-physical 'gpa', fetched in
 * virtual S-mode with paging on: a candidate site. */
void patch_note(struct vm *vm, uint64_t gpa, uint32_t raw, const struct decode_insn *in);
/* The live site at 'gpa', or NULL. */
const struct patch_site *patch_find(struct vm *vm, uint64_t gpa);
/* Give the page of 'gpa' (or every page) its original bytes back. */
void patch_release_page(struct vm *vm, uint64_t gpa);
void patch_release_all(struct vm *vm);
/* 'buf' holds guest RAM read from [gpa, gpa+len): put the original bytes of
 * any patched site in it. */
void patch_overlay(struct vm *vm, uint64_t gpa, void *buf, size_t len);
void patch_print_stats(struct vm *vm);

#endif
