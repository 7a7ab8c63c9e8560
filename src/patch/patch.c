/*
 * patch.c - the table of patched sites, and writing and removing patches.
 * patch.h says what trap-and-patch is and how the guest is kept from seeing
 * it; trap.c's breakpoint and page-fault handlers use this table.
 *
 * When a site is patched.  An emulated instruction becomes a pending site.
 * When any site has been emulated PATCH_HOT times, every pending site that
 * was emulated at least twice is patched in one batch (code that ran once,
 * like the kernel's init code, stays as it is).  A batch costs one scan of
 * all shadows, which takes read and write permission away from the pages
 * that got their first patch (spt_xonly_enforce); the ebreaks are written
 * only after that, so no shadow entry can ever read one.
 */
#include <string.h>
#include "patch.h"
#include "spt.h"
#include "mm.h"
#include "vm.h"

#define PATCH_SLOTS        8192   /* a power of two */
#define PATCH_MAX_USED     6144   /* keep probe chains short */
#define PATCH_HOT          4
#define PATCH_MAX_RELEASES 4

static inline void fence_i(void)
{
#ifndef UMBRA_HOST_TEST
	__asm__ volatile("fence.i" ::: "memory");
#endif
}

/* Home slot of 'gpa' (sites are 2-byte aligned: drop bit 0). */
static unsigned slot_of(uint64_t gpa)
{
	return (unsigned)(((gpa >> 1) * 0x9e3779b97f4a7c15UL) >> 51) & (PATCH_SLOTS - 1);
}

/* The slot holding 'gpa', or the free slot that ends its probe chain. */
static struct patch_site *lookup(struct patch_table *t, uint64_t gpa)
{
	for (unsigned i = slot_of(gpa);; i = (i + 1) & (PATCH_SLOTS - 1))
		if (t->site[i].state == PATCH_FREE || t->site[i].gpa == gpa)
			return &t->site[i];
}

/*
 * Remove a slot's site.  Linear probing cannot leave a hole in a chain: the
 * sites after it that belong before the hole move back into it (Knuth's
 * algorithm R), so a lookup still finds every site.
 */
static void remove_slot(struct vm *vm, struct patch_site *s)
{
	struct patch_table *t = &vm->patch;
	unsigned hole = (unsigned)(s - t->site);

	if (s->state == PATCH_LIVE)
		t->live--;
	t->used--;
	spt_lookups_stale(vm);	/* (lookups that found it are stale) */
	for (unsigned i = (hole + 1) & (PATCH_SLOTS - 1);; i = (i + 1) & (PATCH_SLOTS - 1)) {
		struct patch_site *n = &t->site[i];
		if (n->state == PATCH_FREE)
			break;
		unsigned home = slot_of(n->gpa);
		/* n may move to the hole if its home is not in (hole, i]. */
		if (((i - home) & (PATCH_SLOTS - 1)) >= ((i - hole) & (PATCH_SLOTS - 1))) {
			t->site[hole] = *n;
			hole = i;
		}
	}
	memset(&t->site[hole], 0, sizeof(t->site[hole]));
}

static uint8_t *release_count(struct vm *vm, uint64_t gpa)
{
	return &vm->patch.releases[(gpa - vm->ram_gpa) >> PAGE_SHIFT];
}

int patch_init(struct vm *vm, bool enabled)
{
	struct patch_table *t = &vm->patch;

	memset(t, 0, sizeof(*t));
	if (!enabled)
		return 0;
	t->site = mm_alloc_contig(ALIGN_UP(PATCH_SLOTS * sizeof(*t->site), PAGE_SIZE), PAGE_SIZE);
	t->releases = mm_alloc_contig(ALIGN_UP(vm->ram_size >> PAGE_SHIFT, PAGE_SIZE), PAGE_SIZE);
	uint64_t *xonly = mm_alloc_contig(ALIGN_UP(SPT_XONLY_BYTES(vm->ram_size), PAGE_SIZE),
					  PAGE_SIZE);
	if (!t->site || !t->releases || !xonly)
		return ERR_NOMEM;
	spt_xonly_init(vm, xonly, patch_release_page);
	t->enabled = true;
	return 0;
}

/* Write every pending site emulated at least twice. */
static void commit(struct vm *vm)
{
	struct patch_table *t = &vm->patch;
	unsigned n = 0;

	/* 1. Mark their pages execute-only; drop sites the guest has changed
	 *    since (their bytes are no longer the instruction we decoded). */
	for (unsigned i = 0; i < PATCH_SLOTS; i++) {
		struct patch_site *s = &t->site[i];
		if (s->state != PATCH_PENDING || s->hits < 2)
			continue;
		const void *p = vm_gpa_to_hva(vm, s->gpa, 4);
		uint32_t now = 0;
		if (p)
			memcpy(&now, p, 4);	/* (2-byte aligned) */
		if (now != s->insn || *release_count(vm, s->gpa) >= PATCH_MAX_RELEASES) {
			remove_slot(vm, s);
			i--;	/* another site may have moved into slot i */
			continue;
		}
		spt_xonly_set(vm, s->gpa, true);
		n++;
	}
	if (!n)
		return;
	/* 2. No shadow may read or write those pages any more. */
	spt_xonly_enforce(vm);
	/* 3. Now the first halfword of each becomes c.ebreak. */
	for (unsigned i = 0; i < PATCH_SLOTS; i++) {
		struct patch_site *s = &t->site[i];
		if (s->state != PATCH_PENDING || s->hits < 2)
			continue;
		*(uint16_t *)vm_gpa_to_hva(vm, s->gpa, 2) = PATCH_EBREAK;
		s->state = PATCH_LIVE;
		t->live++;
	}
	/* 4. The hart fetches the new instructions from here on. */
	fence_i();
	/* 5. Which sites are followed by another (in the same page). */
	for (unsigned i = 0; i < PATCH_SLOTS; i++) {
		struct patch_site *s = &t->site[i];
		uint64_t next = s->gpa + s->in.len;
		if (s->state == PATCH_LIVE)
			s->next_live = (next & (PAGE_SIZE - 1)) && lookup(t, next)->state == PATCH_LIVE;
	}
	t->stats.patched += n;
	t->stats.commits++;
}

void patch_note(struct vm *vm, uint64_t gpa, uint32_t raw, const struct decode_insn *in)
{
	struct patch_table *t = &vm->patch;

	/* Only whole 4-byte instructions within one page: both halves must come
	 * from the same physical page whichever alias runs them. */
	if (!t->enabled || in->len != 4 || (gpa & (PAGE_SIZE - 1)) > PAGE_SIZE - 4 ||
	    !vm_gpa_to_hva(vm, gpa, 4) || *release_count(vm, gpa) >= PATCH_MAX_RELEASES)
		return;
	struct patch_site *s = lookup(t, gpa);
	if (s->state == PATCH_FREE) {
		if (t->used >= PATCH_MAX_USED) {
			t->stats.full++;
			return;
		}
		*s = (struct patch_site){ .gpa = gpa, .insn = raw, .state = PATCH_PENDING,
					  .in = *in };
		t->used++;
		t->stats.noted++;
	} else if (s->state == PATCH_LIVE) {
		return;		/* (cannot happen: its bytes are the ebreak) */
	} else if (s->insn != raw) {
		/* The guest changed the instruction: start over with this one. */
		s->insn = raw;
		s->in = *in;
		s->hits = 0;
	}
	if (++s->hits >= PATCH_HOT)
		commit(vm);
}

const struct patch_site *patch_find(struct vm *vm, uint64_t gpa)
{
	struct patch_table *t = &vm->patch;
	if (!t->live)
		return NULL;
	struct patch_site *s = lookup(t, gpa);
	if (s->state != PATCH_LIVE)
		return NULL;
	/* Belt and braces: every way to change guest RAM releases the page
	 * first, so the ebreak is still there. */
	uint16_t *p = vm_gpa_to_hva(vm, gpa, 2);
	if (*p != PATCH_EBREAK) {
		remove_slot(vm, s);
		return NULL;
	}
	return s;
}

/* Remove the sites of the page of 'gpa' (of every page: 'all'), the live
 * ones given their original bytes back first. */
static void release(struct vm *vm, uint64_t gpa, bool all)
{
	struct patch_table *t = &vm->patch;
	uint64_t page = ALIGN_DOWN(gpa, PAGE_SIZE);

	for (unsigned i = 0; i < PATCH_SLOTS; i++) {
		struct patch_site *s = &t->site[i];
		if (s->state == PATCH_FREE || (!all && ALIGN_DOWN(s->gpa, PAGE_SIZE) != page))
			continue;
		if (s->state == PATCH_LIVE) {
			uint16_t *p = vm_gpa_to_hva(vm, s->gpa, 2);
			if (*p == PATCH_EBREAK)
				*p = (uint16_t)s->insn;
			spt_xonly_set(vm, s->gpa, false);
		}
		remove_slot(vm, s);
		i--;	/* another site may have moved into slot i */
	}
	fence_i();
	t->stats.released++;
	/* The guest itself touched this page: it may be code it rewrites. */
	if (!all && *release_count(vm, page) < 255)
		(*release_count(vm, page))++;
}

void patch_release_page(struct vm *vm, uint64_t gpa)
{
	release(vm, gpa, false);
}

void patch_release_all(struct vm *vm)
{
	if (vm->patch.used)
		release(vm, 0, true);
}

void patch_overlay(struct vm *vm, uint64_t gpa, void *buf, size_t len)
{
	struct patch_table *t = &vm->patch;
	uint8_t *b = buf;

	if (!t->live)
		return;
	for (uint64_t at = ALIGN_DOWN(gpa, 2); at < gpa + len; at += 2) {
		/* Only execute-only pages hold patches: skip the others whole. */
		if (!spt_xonly(vm, at)) {
			at = ALIGN_DOWN(at, PAGE_SIZE) + PAGE_SIZE - 2;
			continue;
		}
		struct patch_site *s = lookup(t, at);
		if (s->state != PATCH_LIVE)
			continue;
		for (unsigned k = 0; k < 2; k++)
			if (at + k >= gpa && at + k < gpa + len)
				b[at + k - gpa] = (uint8_t)(s->insn >> (8 * k));
	}
}

void patch_print_stats(struct vm *vm)
{
	const struct patch_stats *s = &vm->patch.stats;
	const struct { const char *name; uint64_t n; } rows[] = {
		{ "sites noted", s->noted },
		{ "sites patched", s->patched },
		{ "batches", s->commits },
		{ "pages released", s->released },
		{ "loads served", s->loads },
		{ "table full", s->full },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(rows); i++)
		if (rows[i].n)
			console_printf("  %-12s %-26s %10lu\n", "patch", rows[i].name, rows[i].n);
}
