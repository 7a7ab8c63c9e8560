/*
 * shadow.c - shadow page tables: the tables the real MMU walks while the
 * guest runs with paging on.
 *
 * The guest keeps its own page tables and believes the MMU walks them.  It
 * cannot: it runs in real U-mode, so every page it may touch must be a U
 * page for the real MMU, and guest-physical addresses are not host-physical.
 * So Umbra keeps a shadow of the guest's tables, filled lazily: a real page
 * fault on an address the shadow does not map yet makes Umbra walk the
 * guest's tables (walk.c) like the hardware would, and either copy the
 * translation into the shadow (and retry the instruction) or give the guest
 * the fault the walk found.
 *
 * Views.  What a guest mapping allows depends on guest state the real MMU
 * cannot see, because the guest's S-mode is really U-mode:
 *   - virtual U-mode may use only guest U pages; virtual S-mode may use
 *     guest S pages, and guest U pages for loads and stores only if
 *     sstatus.SUM is set, and never executes them;
 *   - sstatus.MXR makes execute-only pages readable.
 * Each combination (S/U, SUM, MXR) gets its own shadow, and switching mode,
 * SUM or MXR switches shadows.  A store to a clean page (D = 0) is not
 * allowed by the shadow until the guest PTE is dirty, so that the first
 * store faults and Umbra sets D, as a hart with hardware A/D updating would.
 *
 * Cache.  Shadows are cached by (guest satp = mode + ASID + root, view), up
 * to SPT_SLOTS, evicting the least recently used.  Each slot has its own host
 * ASID (when the hart has enough ASID bits), so switching between cached
 * shadows needs no TLB flush.
 *
 * What flushes what (the guest's sfence.vma is the only signal: like a TLB,
 * a shadow may hold a translation the guest has since changed until the
 * guest fences it):
 *   sfence.vma x0, x0     every entry of every shadow
 *   sfence.vma x0, asid   every entry of the shadows of that guest ASID
 *   sfence.vma va, x0     the entries for va in every shadow
 *   sfence.vma va, asid   the entries for va in the shadows of that ASID
 * "The entries for va" are the 4 KiB shadow entry for va or, if va was
 * shadowed from a guest superpage, everything shadowed from that superpage
 * (the shadow marks the table entry that covers it, see SPT_PTE_SUPER).
 * Satp writes flush nothing: they select (or start) a shadow.  A flushed
 * shadow that is not the one in use is only marked stale and emptied when
 * it is next selected, so a fence costs nothing for address spaces that
 * never run again; the mark is the "generation" of its cache key: a root
 * page the guest freed and reused is always preceded by such a fence.
 * Besides fences, one thing empties every shadow: a fill that would take the
 * VM past its quota of table pages (SPT_MAX_PAGES) or find the host's pool
 * empty (spt_fault).  Shadows are caches, so that costs refills, not
 * correctness; the guest decides how many tables its address spaces need,
 * and this is what keeps it from taking the host's memory with them.
 * And one thing changes entries without emptying them: a page becoming
 * execute-only (spt_xonly_enforce, for src/patch) loses R and W in every
 * shadow that maps it.
 */
#include <string.h>
#include "spt.h"
#include "mm.h"
#include "vm.h"
#include "platform.h"

/* RSW bit of a shadow non-leaf PTE: the region it covers was shadowed from
 * one guest superpage of this size (the MMU ignores RSW bits). */
#define SPT_PTE_SUPER BIT(8)

/* Give a shadow table page back to the pool. */
static void free_table(struct spt_cache *c, uint64_t *table)
{
	mm_free_page(table);
	c->pages--;
}

/*
 * Clear a table at 'level' and free the tables below it, except the path to
 * Umbra's window, which every shadow keeps: the window's own entry (shared by
 * all shadows) and, in Sv48, the table that holds it.  Returns whether
 * 'table' still leads to the window.
 */
static bool free_subtables(struct spt_cache *c, uint64_t *table, unsigned level)
{
	uint64_t window = mm_window_pte();
	bool keeps_window = false;

	for (unsigned i = 0; i < 512; i++) {
		uint64_t pte = table[i];
		if (pte == window) {
			keeps_window = true;
			continue;
		}
		if (level > 0 && pte_is_table(pte)) {
			uint64_t *child = mm_pa_to_va(pte_pa(pte));
			if (free_subtables(c, child, level - 1)) {
				table[i] = pte & ~SPT_PTE_SUPER;
				keeps_window = true;
				continue;
			}
			free_table(c, child);
		}
		table[i] = 0;
	}
	return keeps_window;
}

/*
 * Empty a shadow: only the window stays mapped.  Sv39 maps it in root slot
 * 511; Sv48 one level lower, in slot 511 of the slot's own window_l2 table
 * (allocated with the slot, so emptying never needs a page).
 */
static void shadow_clear(struct spt_cache *c, struct spt_shadow *sh)
{
	c->gen++;
	free_subtables(c, sh->root, sh->fmt->levels - 1);
	if (sh->fmt->levels == 3)
		sh->root[511] = mm_window_pte();
	else
		sh->root[511] = pte_make(mm_va_to_pa(sh->window_l2), PTE_V);
	if (c->host_asids)
		sfence_vma_asid(sh->host_asid);
	else
		sfence_vma_all();
}

int spt_init(struct spt_cache *c, struct vm *vm, unsigned max_pages, unsigned asid_base)
{
	struct spt_xonly_set *xo = &vm->xonly;

	memset(c, 0, sizeof(*c));
	c->vm = vm;
	c->max_pages = max_pages;
	if (xo->ncaches == SPT_MAX_CACHES)
		return ERR_NOMEM;
	xo->caches[xo->ncaches++] = c;
	/* Slot i uses host ASID asid_base + i; ASID 0 is the Bare view's. */
	c->host_asids = asid_base + SPT_SLOTS <= (1u << platform.asid_bits);
	for (unsigned i = 0; i < SPT_SLOTS; i++) {
		c->slot[i].host_asid = c->host_asids ? asid_base + i : 0;
		c->slot[i].root = mm_alloc_page();
		c->slot[i].window_l2 = mm_alloc_page();
		if (!c->slot[i].root || !c->slot[i].window_l2)
			return ERR_NOMEM;
		c->slot[i].window_l2[511] = mm_window_pte();
	}
	return 0;
}

/* The guest state that decides which shadow applies. */
unsigned spt_view(unsigned mode, uint64_t sstatus)
{
	unsigned view = sstatus & SSTATUS_MXR ? SPT_VIEW_MXR : 0;
	if (mode == PRV_S)
		view |= SPT_VIEW_S | (sstatus & SSTATUS_SUM ? SPT_VIEW_SUM : 0);
	return view;
}

struct spt_shadow *spt_switch(struct spt_cache *c, uint64_t satp, unsigned view)
{
	struct vm *vm = c->vm;
	const struct pt_format *fmt = spt_guest_format(satp);
	struct spt_shadow *sh, *victim = NULL;

	if (!fmt) {
		/* Bare: the fixed view of guest RAM. */
		c->active = NULL;
		c->satp = pt_satp(&pt_sv39, vm->bare_root, 0);
		csr_write(satp, c->satp);
		if (!c->host_asids)
			sfence_vma_all();
		return NULL;
	}
	c->clock++;
	for (unsigned i = 0; i < SPT_SLOTS; i++) {
		sh = &c->slot[i];
		if (sh->used && sh->satp == satp && sh->view == view) {
			c->stats.hits++;
			goto found;
		}
		if (!victim || !sh->used || (victim->used && sh->lru < victim->lru))
			victim = sh;
	}
	/* Miss: start a new shadow in a free slot or the least recently used one. */
	c->stats.misses++;
	sh = victim;
	if (sh->used)
		c->stats.evictions++;
	if (!sh->fmt)
		sh->fmt = fmt;
	/* Clear with the old format (it knows the old tree), then adopt the new. */
	shadow_clear(c, sh);
	if (sh->fmt != fmt) {
		sh->fmt = fmt;
		shadow_clear(c, sh);
	}
	sh->used = true;
	sh->stale = false;
	sh->satp = satp;
	sh->view = view;
found:
	if (sh->stale) {
		shadow_clear(c, sh);
		sh->stale = false;
	}
	c->active = sh;
	sh->lru = c->clock;
	c->satp = pt_satp(sh->fmt, sh->root, sh->host_asid);
	csr_write(satp, c->satp);
	if (!c->host_asids)
		sfence_vma_all();
	return sh;
}

/*
 * What the real MMU may allow through a guest leaf PTE in a view: the
 * guest's permissions under the view's rules, as a U page (the guest runs
 * in U-mode), writable only once the guest PTE is dirty.  0: not at all.
 */
static uint64_t shadow_perms(uint64_t gpte, unsigned view)
{
	uint64_t r = gpte & PTE_R, w = gpte & PTE_W, x = gpte & PTE_X;

	if ((view & SPT_VIEW_MXR) && x)
		r = PTE_R;
	if (!(gpte & PTE_D))
		w = 0;
	if (gpte & PTE_U) {
		if (view & SPT_VIEW_S) {
			if (!(view & SPT_VIEW_SUM))
				return 0;
			x = 0;		/* S-mode never executes U pages */
		}
	} else if (!(view & SPT_VIEW_S)) {
		return 0;		/* U-mode never touches S pages */
	}
	if (!(r | w | x) || !(gpte & PTE_A))
		return 0;
	return r | w | x | PTE_U | PTE_A | PTE_D | PTE_V;
}

/* The walker reads and updates the guest's PTEs in place: a PTE that lies in
 * an execute-only page gets its page back first (see spt_xonly_release). */
static uint64_t *guest_pte_ptr(void *ctx, uint64_t gpa)
{
	if (gpa & 7)
		return NULL;
	return vm_guest_ram(ctx, gpa, 8);
}

int spt_translate(struct vm *vm, uint64_t satp, uint64_t va, enum spt_access acc,
		  unsigned priv, uint64_t sstatus, bool set_ad, struct spt_walk *w)
{
	const struct spt_gmem mem = { vm, guest_pte_ptr };
	return spt_guest_walk(&mem, satp, va, acc, priv, sstatus, set_ad, w);
}

/*
 * How many tables a fill of 'va' must add to 'sh': 0 if the level-0 table
 * is there, else one per level down from the deepest table that is.
 */
static unsigned tables_missing(struct spt_shadow *sh, uint64_t va)
{
	unsigned level = 0;
	while (level < sh->fmt->levels - 1 && !pt_walk(sh->fmt, sh->root, va, level, false))
		level++;
	return level;
}

/* Empty every shadow (they are caches; stale ones are garbage anyway). */
static void purge_all(struct spt_cache *c)
{
	c->stats.purges++;
	for (unsigned i = 0; i < SPT_SLOTS; i++) {
		struct spt_shadow *o = &c->slot[i];
		if (o->used) {
			shadow_clear(c, o);
			o->stale = false;
		}
	}
	c->pages = 0;	/* (also forgets tables a failed walk added uncounted) */
}

int spt_fault(struct spt_cache *c, struct spt_shadow *sh, uint64_t va, enum spt_access acc,
	      unsigned priv, uint64_t sstatus, struct spt_walk *w)
{
	struct vm *vm = c->vm;
	const struct spt_gmem mem = { vm, guest_pte_ptr };

	c->stats.faults++;
	if (!sh) {
		/* Bare: guest virtual = guest physical, and all RAM is mapped. */
		memset(w, 0, sizeof(*w));
		w->gpa = va;
		return SPT_NOT_RAM;
	}
	if (spt_guest_walk(&mem, sh->satp, va, acc, priv, sstatus, true, w) < 0) {
		c->stats.guest_faults++;
		return SPT_GUEST_FAULT;
	}
	if (w->ad_updated)
		c->stats.ad_updates++;
	void *hva = vm_gpa_to_hva(vm, w->gpa & ~(PAGE_SIZE - 1), PAGE_SIZE);
	if (!hva)
		return SPT_NOT_RAM;
	if (va >= WINDOW_VA)
		return SPT_IN_WINDOW;

	uint64_t perms = shadow_perms(w->pte, sh->view);
	if (spt_xonly(vm, w->gpa)) {
		perms &= ~(uint64_t)(PTE_R | PTE_W);
		if (acc != SPT_FETCH || !(perms & PTE_X))
			return SPT_XONLY;
	}
	uint64_t page = va & ~(PAGE_SIZE - 1);
	unsigned need = tables_missing(sh, page);
	uint64_t *pte = NULL;
	if (c->pages + need <= c->max_pages)
		pte = pt_walk(sh->fmt, sh->root, page, 0, true);
	if (!pte) {
		/* Over the quota or out of pages (a walk that failed half-way
		 * keeps the tables it added: the purge frees them): empty every
		 * shadow and try once more. */
		purge_all(c);
		need = tables_missing(sh, page);
		pte = pt_walk(sh->fmt, sh->root, page, 0, true);
		if (!pte) {
			/* The walk may have added tables before the pool ran
			 * dry: give them back (every shadow is empty already). */
			shadow_clear(c, sh);
			c->pages = 0;
			return SPT_NO_MEMORY;
		}
	}
	c->pages += need;
	c->gen++;
	*pte = pte_make(mm_va_to_pa(hva), perms);
	if (w->level > 0)
		*pt_walk(sh->fmt, sh->root, page, w->level, false) |= SPT_PTE_SUPER;
	sfence_vma_va(page, sh->host_asid);
	c->stats.fills++;
	return SPT_FILLED;
}

/* Drop what 'sh' holds for 'va': one 4 KiB entry, or everything shadowed
 * from the guest superpage that covered va. */
static void shadow_flush_va(struct spt_cache *c, struct spt_shadow *sh, uint64_t va)
{
	uint64_t *table = sh->root;

	c->gen++;
	for (unsigned level = sh->fmt->levels - 1;; level--) {
		uint64_t *pte = &table[pt_index(sh->fmt, va, level)];
		if (!(*pte & PTE_V) || *pte == mm_window_pte())
			return;
		if (level == 0) {
			*pte = 0;
			sfence_vma_va(va, sh->host_asid);
			return;
		}
		if (*pte & SPT_PTE_SUPER) {
			uint64_t *child = mm_pa_to_va(pte_pa(*pte));
			if (free_subtables(c, child, level - 1)) {
				*pte &= ~SPT_PTE_SUPER;
			} else {
				free_table(c, child);
				*pte = 0;
			}
			c->stats.flush_super++;
			sfence_vma_asid(sh->host_asid);
			return;
		}
		table = mm_pa_to_va(pte_pa(*pte));
	}
}

void spt_sfence(struct spt_cache *c, bool by_va, uint64_t va, bool by_asid, uint64_t asid)
{

	if (!by_va && !by_asid)
		c->stats.flush_all++;
	else if (!by_va)
		c->stats.flush_asid++;
	else
		c->stats.flush_va++;
	for (unsigned i = 0; i < SPT_SLOTS; i++) {
		struct spt_shadow *sh = &c->slot[i];
		if (!sh->used || sh->stale)
			continue;
		if (by_asid && ((sh->satp & SATP_ASID) >> SATP_ASID_SHIFT) != (asid & 0xffff))
			continue;
		if (by_va)
			shadow_flush_va(c, sh, va);
		else if (sh == c->active)
			shadow_clear(c, sh);
		else
			sh->stale = true;
	}
}

void spt_flush_all(struct spt_cache *c)
{
	for (unsigned i = 0; i < SPT_SLOTS; i++)
		if (c->slot[i].used && &c->slot[i] != c->active)
			c->slot[i].stale = true;
	if (c->active)
		shadow_clear(c, c->active);
}

/* ---- Execute-only pages ------------------------------------------------------- */

void spt_xonly_init(struct vm *vm, uint64_t *bitmap,
		    void (*release)(struct vm *vm, uint64_t page_gpa))
{
	vm->xonly.bits = bitmap;
	vm->xonly.release = release;
}

/* The bit of the page of 'gpa', or NULL if it is not guest RAM. */
static uint64_t *xonly_word(struct vm *vm, uint64_t gpa, uint64_t *bit)
{
	if (!vm->xonly.bits || gpa < vm->ram_gpa || gpa - vm->ram_gpa >= vm->ram_size)
		return NULL;
	uint64_t page = (gpa - vm->ram_gpa) >> PAGE_SHIFT;
	*bit = BIT(page % 64);
	return &vm->xonly.bits[page / 64];
}

bool spt_xonly(struct vm *vm, uint64_t gpa)
{
	uint64_t bit, *word;
	if (!vm->xonly.count)
		return false;
	word = xonly_word(vm, gpa, &bit);
	return word && (*word & bit);
}

void spt_xonly_set(struct vm *vm, uint64_t gpa, bool on)
{
	uint64_t bit, *word = xonly_word(vm, gpa, &bit);
	if (!word || !!(*word & bit) == on)
		return;
	*word ^= bit;
	vm->xonly.count += on ? 1 : -1;
	spt_lookups_stale(vm);
}

void spt_lookups_stale(struct vm *vm)
{
	for (unsigned i = 0; i < vm->xonly.ncaches; i++)
		vm->xonly.caches[i]->gen++;
}

/* Strip R and W from the leaves under 'table' that map marked pages (the
 * shadows' leaves are all 4 KiB pages; Umbra's window is not guest RAM). */
static void xonly_strip(struct vm *vm, uint64_t *table, unsigned level)
{
	uint64_t window = mm_window_pte(), ram_pa = mm_va_to_pa(vm->ram);

	for (unsigned i = 0; i < 512; i++) {
		uint64_t pte = table[i];
		if (!(pte & PTE_V) || pte == window)
			continue;
		if (pte_is_table(pte)) {
			if (level > 0)
				xonly_strip(vm, mm_pa_to_va(pte_pa(pte)), level - 1);
			continue;
		}
		if (!(pte & (PTE_R | PTE_W)) || pte_pa(pte) < ram_pa ||
		    !spt_xonly(vm, pte_pa(pte) - ram_pa + vm->ram_gpa))
			continue;
		pte &= ~(uint64_t)(PTE_R | PTE_W);
		table[i] = pte & PTE_X ? pte : 0;
	}
}

/* (Every cache of the VM is changed from the calling hart: src/patch runs
 * only while the VM has one vCPU.) */
void spt_xonly_enforce(struct vm *vm)
{
	for (unsigned n = 0; n < vm->xonly.ncaches; n++) {
		struct spt_cache *c = vm->xonly.caches[n];
		for (unsigned i = 0; i < SPT_SLOTS; i++) {
			struct spt_shadow *sh = &c->slot[i];
			/* (a stale shadow is emptied before it is used again) */
			if (sh->used && !sh->stale)
				xonly_strip(vm, sh->root, sh->fmt->levels - 1);
		}
		c->gen++;
	}
	sfence_vma_all();
}

void spt_xonly_release(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (!vm->xonly.count || !vm_gpa_to_hva(vm, gpa, len) || !len)
		return;
	uint64_t first = gpa >> PAGE_SHIFT, last = (gpa + len - 1) >> PAGE_SHIFT;
	for (uint64_t page = first; page <= last; page++)
		if (spt_xonly(vm, page << PAGE_SHIFT))
			vm->xonly.release(vm, page << PAGE_SHIFT);
}

/* (The shadows' leaves for guest pages are all 4 KiB.) */
uint64_t spt_shadow_gpa(struct vm *vm, struct spt_shadow *sh, uint64_t va)
{
	uint64_t *pte = pt_walk(sh->fmt, sh->root, va, 0, false);
	if (!pte || !pte_is_leaf(*pte))
		return 0;
	uint64_t off = pte_pa(*pte) - mm_va_to_pa(vm->ram);
	if (off >= vm->ram_size)
		return 0;
	return vm->ram_gpa + off + (va & (PAGE_SIZE - 1));
}

void spt_print_stats(struct spt_cache *c)
{
	const struct spt_stats *s = &c->stats;
	const struct { const char *name; uint64_t n; } rows[] = {
		{ "page faults", s->faults },
		{ "fills", s->fills },
		{ "guest page faults", s->guest_faults },
		{ "A/D updates", s->ad_updates },
		{ "cache hits", s->hits },
		{ "cache misses", s->misses },
		{ "cache evictions", s->evictions },
		{ "purges", s->purges },
		{ "flush all", s->flush_all },
		{ "flush asid", s->flush_asid },
		{ "flush va", s->flush_va },
		{ "flush superpage", s->flush_super },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(rows); i++)
		if (rows[i].n)
			console_printf("  %-12s %-26s %10lu\n", "shadow", rows[i].name, rows[i].n);
}
