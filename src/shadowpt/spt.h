/*
 * spt.h - guest page tables in software: the walk of the guest's own tables
 * (walk.c), the shadow tables the real MMU walks while the guest runs with
 * paging on (shadow.c), and the fixed view of guest RAM used while its satp
 * is Bare (view.c).  The formats, the PTE helpers and the walker of the
 * tables Umbra builds are core's (pt.h).
 */
#ifndef UMBRA_SPT_H
#define UMBRA_SPT_H

#include "umbra.h"
#include "pt.h"

struct vm;

/* PTE bits 63:54 of a guest PTE.  Bit 63 is N (Svnapot), 62:61 PBMT
 * (Svpbmt), 60:54 are reserved.  The guest is offered neither extension, so
 * for it all ten bits are reserved: a PTE with any of them set raises a page
 * fault. */
#define PTE_HI_RESERVED  (~_UL(0) << 54)

/* ---- The guest's own page tables (walk.c) ---------------------------------
 *
 * A pure function: it reads and updates guest PTEs only through 'mem', so
 * host unit tests can run it over a simulated guest memory.
 */
enum spt_access { SPT_LOAD, SPT_STORE, SPT_FETCH };

struct spt_gmem {
	void *ctx;
	/* Host pointer to the 8-byte guest PTE at guest-physical 'gpa', or
	 * NULL if 'gpa' is not guest RAM. */
	uint64_t *(*pte_ptr)(void *ctx, uint64_t gpa);
};

struct spt_walk {
	uint64_t gpa;      /* the translated guest-physical address */
	uint64_t pte;      /* the leaf PTE, after the A/D update */
	uint64_t pte_gpa;  /* where the leaf PTE lives */
	unsigned level;    /* of the leaf: 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB, 3 = 512 GiB */
	uint64_t cause;    /* 0, or the exception the access raises (CAUSE_*) */
	bool ad_updated;   /* the walk set A or D in the guest PTE */
};

/* The format satp's MODE selects (Sv39, Sv48), or NULL for Bare and for
 * modes the guest is not offered. */
const struct pt_format *spt_guest_format(uint64_t satp);

/*
 * Translate 'va' for an access of kind 'acc' made in privilege 'priv'
 * (PRV_S or PRV_U) with the guest's sstatus (SUM, MXR) through the tables
 * satp points at, exactly as the privileged spec's "Virtual Address
 * Translation Process" does, including the hardware update of A and D
 * (when 'set_ad').  Returns 0 with out->cause = 0 on success; otherwise
 * out->cause is the page fault or access fault the guest gets.
 */
int spt_guest_walk(const struct spt_gmem *mem, uint64_t satp, uint64_t va,
		   enum spt_access acc, unsigned priv, uint64_t sstatus,
		   bool set_ad, struct spt_walk *out);

/* ---- Shadows (shadow.c) ---------------------------------------------------- */

/* A view: the guest state (besides satp) that decides what a shadow may map. */
#define SPT_VIEW_S   1u   /* virtual S-mode (else U-mode) */
#define SPT_VIEW_SUM 2u   /* sstatus.SUM, in S-mode */
#define SPT_VIEW_MXR 4u   /* sstatus.MXR */

#define SPT_SLOTS 16
/* A VM's shadows may hold at most this many table pages (16 MiB): past it,
 * a fill empties every shadow first.  The guest decides how many tables its
 * address spaces need; this quota decides what that may cost the host. */
#define SPT_MAX_PAGES 4096
/* At most this many caches (vCPUs) per VM. */
#define SPT_MAX_CACHES 8

struct spt_shadow {
	bool used;
	uint64_t satp;            /* the guest satp it shadows: MODE, ASID, root */
	unsigned view;
	const struct pt_format *fmt;
	uint64_t *root;
	uint64_t *window_l2;      /* Sv48: the level-2 table that holds the window */
	uint16_t host_asid;
	uint64_t lru;
	bool stale;               /* flushed while not in use: clear before use */
};

struct spt_stats {
	uint64_t faults;          /* real page faults handled */
	uint64_t fills;           /* shadow entries written */
	uint64_t guest_faults;    /* faults the guest's own tables raised */
	uint64_t ad_updates;      /* guest PTEs given A or D */
	uint64_t hits, misses, evictions;   /* the shadow cache */
	uint64_t purges;          /* every shadow emptied: quota or pool exhausted */
	uint64_t flush_all, flush_asid, flush_va, flush_super;
};

/*
 * A vCPU's shadows.  Each vCPU has its own cache, used only by the hart that
 * runs it, as each real hart has its own TLB: a guest's sfence.vma fences
 * its own hart's cache, and another hart's only through the SBI's remote
 * fences (which run on that hart).  So a cache needs no lock.
 */
struct spt_cache {
	struct vm *vm;
	struct spt_shadow slot[SPT_SLOTS];
	uint64_t clock;
	struct spt_shadow *active;   /* the one the real satp selects (NULL: Bare) */
	uint64_t satp;            /* ... the real satp that selects it */
	unsigned pages;           /* table pages the shadows hold now (roots aside) */
	unsigned max_pages;       /* this cache's share of the VM's quota */
	bool host_asids;          /* slots have their own host ASIDs */
	/* Bumped whenever a shadow entry changes or goes (a fill, a flush, an
	 * emptied shadow) and when a page becomes or stops being execute-only:
	 * what was looked up through the shadows before is then stale. */
	uint64_t gen;
	struct spt_stats stats;
};

/* A VM's execute-only guest pages (see "Execute-only pages" below): one
 * bit per page of guest RAM, and every cache that must honour them. */
struct spt_xonly_set {
	uint64_t *bits;           /* NULL until spt_xonly_init */
	unsigned count;           /* pages marked */
	void (*release)(struct vm *vm, uint64_t page_gpa);
	struct spt_cache *caches[SPT_MAX_CACHES];
	unsigned ncaches;
};

/* What spt_fault() found. */
enum {
	SPT_FILLED,        /* the shadow now maps it: retry the instruction */
	SPT_GUEST_FAULT,   /* the guest's tables forbid it: w->cause */
	SPT_NOT_RAM,       /* it translates to w->gpa, which is not guest RAM */
	SPT_IN_WINDOW,     /* the guest mapped Umbra's window: cannot shadow */
	SPT_NO_MEMORY,     /* not even an empty cache leaves pages for the fill */
	SPT_XONLY,         /* the guest may, but its page is execute-only: w->gpa */
};

/*
 * Set up an empty cache for a vCPU of 'vm': at most 'max_pages' table
 * pages, host ASIDs from 'asid_base' on (SPT_SLOTS of them) if the hart
 * has enough ASID bits.
 */
int spt_init(struct spt_cache *c, struct vm *vm, unsigned max_pages, unsigned asid_base);
unsigned spt_view(unsigned mode, uint64_t sstatus);
/* Make the real MMU use the shadow of (satp, view); NULL for Bare. */
struct spt_shadow *spt_switch(struct spt_cache *c, uint64_t satp, unsigned view);
/* A real page fault at 'va' while 'sh' was active. */
int spt_fault(struct spt_cache *c, struct spt_shadow *sh, uint64_t va, enum spt_access acc,
	      unsigned priv, uint64_t sstatus, struct spt_walk *w);
/* Translate a guest virtual address as the guest's hart would (for Umbra's
 * own reads of guest memory); 0 or negative with w->cause. */
int spt_translate(struct vm *vm, uint64_t satp, uint64_t va, enum spt_access acc,
		  unsigned priv, uint64_t sstatus, bool set_ad, struct spt_walk *w);
/* The guest's sfence.vma: rs1 != x0 gives by_va, rs2 != x0 gives by_asid. */
void spt_sfence(struct spt_cache *c, bool by_va, uint64_t va, bool by_asid, uint64_t asid);
/* Forget every shadow (a hart starting over: its TLB holds nothing). */
void spt_flush_all(struct spt_cache *c);
void spt_print_stats(struct spt_cache *c);

/*
 * ---- Execute-only pages ----------------------------------------------------
 * A page that holds bytes the guest must not see (the ebreaks of src/patch)
 * is mapped execute-only in every shadow, whatever the guest's own PTEs
 * allow: loads and stores to it fault, and spt_fault reports them as
 * SPT_XONLY for the owner of the page to serve.  Umbra's own direct
 * accesses to guest RAM (devices, the SBI, the page-table walker) call
 * spt_xonly_release first, which hands such pages back to their owner
 * through the 'release' callback, so that they see the guest's bytes.
 */
/* 'bitmap': zeroed, one bit per page of guest RAM (SPT_XONLY_BYTES). */
#define SPT_XONLY_BYTES(ram_size) ((((ram_size) >> PAGE_SHIFT) + 63) / 64 * 8)
void spt_xonly_init(struct vm *vm, uint64_t *bitmap,
		    void (*release)(struct vm *vm, uint64_t page_gpa));
bool spt_xonly(struct vm *vm, uint64_t gpa);
/* Mark or unmark the page of 'gpa'.  Marking takes effect for the shadows'
 * existing entries only with spt_xonly_enforce. */
void spt_xonly_set(struct vm *vm, uint64_t gpa, bool on);
/* Something cached from lookups through the shadows is stale (bump every
 * cache's gen). */
void spt_lookups_stale(struct vm *vm);
/* Take read and write permission away from every shadow entry that maps a
 * marked page (a scan of all shadows: batch the marks). */
void spt_xonly_enforce(struct vm *vm);
/* Umbra is about to access [gpa, gpa+len) of guest RAM directly. */
void spt_xonly_release(struct vm *vm, uint64_t gpa, uint64_t len);
/* The guest-physical address the active shadow 'sh' maps 'va' to; 0 if it
 * maps nothing there. */
uint64_t spt_shadow_gpa(struct vm *vm, struct spt_shadow *sh, uint64_t va);

/* Build the view a guest runs on while its satp is Bare: guest-physical RAM
 * mapped at its guest-physical address, user-accessible, plus Umbra's
 * window.  Returns the root table or NULL. */
uint64_t *spt_bare_view_create(struct vm *vm);

#endif
