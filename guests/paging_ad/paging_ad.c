/*
 * paging_ad - the Accessed and Dirty bits.
 *
 * QEMU manages A and D in hardware (7.2 always; 10.0 implements Svadu and
 * does so while menvcfg.ADUE is set, as it is natively, or for a VS-mode
 * guest henvcfg.ADUE): an access to a page whose PTE has A = 0 (or a
 * store with D = 0) sets the bit in the page table in memory instead of
 * faulting.  Each scenario maps a fresh page with given PTE
 * bits, performs a sequence of accesses (load, store, fetch, AMO, LR/SC,
 * from S and from U, MXR loads, page-crossing accesses, through 4 KiB,
 * 2 MiB and 1 GiB leaves) and prints the outcome of each and the PTE as
 * read back from memory afterwards.  Checked against the spec: a
 * successful access leaves A = 1; a store (AMO, SC) leaves D = 1; a load
 * or fetch does not set D; a faulting access changes nothing; no other
 * PTE bit changes; non-leaf PTEs are never touched.
 */
#include <stdio.h>
#include <string.h>
#include "../lib/pt.h"

#define VA_BASE   0x40000000UL	/* scenario i: VA_BASE + i * 64 KiB */
#define VA_2M     0x40800000UL	/* 2 MiB leaf -> the image's 2 MiB */
#define VA_1G     0x100000000UL	/* 1 GiB leaf -> PT_RAM_BASE */
#define STORE_OFF 0x100
#define INSN_LI   0x07a00513UL	/* addi a0, zero, 0x7a */
#define INSN_RET  0x00008067UL	/* ret */

static char pool[96 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static volatile unsigned long scratch[64] __attribute__((aligned(64)));

/*
 * lr.d then sc.d of the loaded value back, retried (up to 16 times) while
 * the SC fails: an SC may fail spuriously, e.g. after a trap between the
 * two.  a0 = 0 once an SC succeeded.
 */
TRAP_FN(lr_sc, "li t1, 16\n"
	"1: lr.d a1, (a0)\nsc.d t0, a1, (a0)\nbeqz t0, 2f\n"
	"addi t1, t1, -1\nbnez t1, 1b\nli a0, 1\nj 3f\n"
	"2: li a0, 0\n3:");

#define R PTE_R
#define W PTE_W
#define X PTE_X
#define U PTE_U
#define A PTE_A
#define D PTE_D

/*
 * ops: pairs of (operation, expected outcome).  Operations: l load,
 * s store, f fetch, a amoadd.d, q lr.d + sc.d, m load with MXR = 1,
 * u U-mode load, v U-mode store, w U-mode fetch, x store crossing into
 * the next page, y load crossing into the next page.  Outcome: '.' no
 * trap, L/S/F load/store/fetch page fault.
 */
struct scenario {
	const char *name;
	int level;		/* leaf level: 0 4 KiB, 1 2 MiB, 2 1 GiB */
	unsigned long flags;	/* V is added */
	const char *ops;
	unsigned long flags2;	/* second page (x, y), V added; 0 = none */
};

static const struct scenario scenarios[] = {
	{ "rw- A=0 D=0: load, load, store", 0, R | W, "l.l.s.", 0 },
	{ "rw- A=0 D=0: store", 0, R | W, "s.", 0 },
	{ "r-x A=0: fetch, load", 0, R | X, "f.l.", 0 },
	{ "--x A=0: fetch", 0, X, "f.", 0 },
	{ "--x A=0: load (MXR=1)", 0, X, "m.", 0 },
	{ "--x A=0: load (MXR=0) faults", 0, X, "lL", 0 },
	{ "rw- A=1 D=0: store", 0, R | W | A, "s.", 0 },
	{ "rw- A=1 D=0: load, then store", 0, R | W | A, "l.s.", 0 },
	{ "r-- A=0: store faults, then load", 0, R, "sSl.", 0 },
	{ "r-- A=1 D=0: amoadd faults", 0, R | A, "aS", 0 },
	{ "rw- A=0 D=0: amoadd", 0, R | W, "a.", 0 },
	{ "rw- A=0 D=0: lr.d + sc.d", 0, R | W, "q.", 0 },
	{ "rw- A=0 D=0: U load faults (U=0)", 0, R | W, "uLvS", 0 },
	{ "urw A=0 D=0: S load/store fault (SUM=0)", 0, U | R | W, "lLsS", 0 },
	{ "urw A=0 D=0: U load, U store", 0, U | R | W, "u.v.", 0 },
	{ "urw A=0 D=0: U store", 0, U | R | W, "v.", 0 },
	{ "urx A=0: U fetch", 0, U | R | X, "w.", 0 },
	{ "rw- A=0 D=0 x2: store across pages", 0, R | W, "x.", R | W },
	{ "rw- A=0 D=0 x2: load across pages", 0, R | W, "y.", R | W },
	{ "rw- + r-- A=0: store across faults", 0, R | W, "xS", R },
	{ "rw- + (none): load across faults", 0, R | W, "yL", 0 },
	{ "2 MiB rwx A=0 D=0: load, store", 1, R | W | X, "l.s.", 0 },
	{ "2 MiB rwx A=0 D=0: fetch", 1, R | W | X, "f.", 0 },
	{ "1 GiB rwx A=0 D=0: load, store", 2, R | W | X, "l.s.", 0 },
};
#define N_SCEN (sizeof(scenarios) / sizeof(scenarios[0]))

static unsigned long *root;
static unsigned long *pte1[N_SCEN], *pte2[N_SCEN];
static unsigned long va_of[N_SCEN], init1[N_SCEN];

/* Where the accesses of a scenario go: the page, or scratch via a superpage. */
static unsigned long target(unsigned i)
{
	const struct scenario *s = &scenarios[i];

	if (s->level == 1)
		return VA_2M + (unsigned long)scratch - (unsigned long)_start;
	if (s->level == 2)
		return VA_1G + (unsigned long)scratch - PT_RAM_BASE;
	return va_of[i];
}

static void setup(int levels)
{
	root = pt_new_space(levels, 1);
	for (unsigned i = 0; i < N_SCEN; i++) {
		const struct scenario *s = &scenarios[i];
		uint32_t *frame;

		if (s->level == 1) {
			va_of[i] = VA_2M;
			pte1[i] = pt_map(root, levels, VA_2M, (unsigned long)_start, 1, PTE_V | s->flags);
			continue;
		}
		if (s->level == 2) {
			va_of[i] = VA_1G;
			pte1[i] = pt_map(root, levels, VA_1G, PT_RAM_BASE, 2, PTE_V | s->flags);
			continue;
		}
		va_of[i] = VA_BASE + i * 0x10000;
		frame = pt_alloc();
		frame[0] = INSN_LI;
		frame[1] = INSN_RET;
		pte1[i] = pt_map(root, levels, va_of[i], (unsigned long)frame, 0, PTE_V | s->flags);
		if (strchr(s->ops, 'x') || strchr(s->ops, 'y')) {
			/* The second page: mapped (flags2) or an invalid PTE. */
			pte2[i] = pt_slot(root, levels, va_of[i] + PAGE_SIZE, 0);
			*pte2[i] = pt_pte((unsigned long)pt_alloc(), s->flags2 ? PTE_V | s->flags2 : 0);
		}
	}
	for (unsigned i = 0; i < N_SCEN; i++)
		init1[i] = *pte1[i];
	asm volatile("fence.i" ::: "memory");
}

static int is_write(char op)
{
	return op == 's' || op == 'a' || op == 'q' || op == 'v' || op == 'x';
}

static void run_op(unsigned i, char op, char want)
{
	unsigned long t = target(i), fn, arg, tval;
	unsigned long b1 = *pte1[i], b2 = pte2[i] ? *pte2[i] : 0;
	int user = op == 'u' || op == 'v' || op == 'w';
	unsigned long cause = want == '.' ? PT_NO_TRAP :
		want == 'L' ? CAUSE_LOAD_PAGE_FAULT :
		want == 'S' ? CAUSE_STORE_PAGE_FAULT : CAUSE_FETCH_PAGE_FAULT;
	char what[48];
	int ok;

	switch (op) {
	case 'l': case 'm': fn = (unsigned long)pt_ld; arg = t; break;
	case 's': fn = (unsigned long)pt_sd; arg = t + STORE_OFF; break;
	case 'a': fn = (unsigned long)pt_amo; arg = t + STORE_OFF; break;
	case 'q': fn = (unsigned long)lr_sc; arg = t + STORE_OFF; break;
	case 'f': case 'w':
		fn = scenarios[i].level == 0 ? t :
			t - (unsigned long)scratch + (unsigned long)pt_ld;
		arg = (unsigned long)scratch;
		break;
	case 'u': fn = pt_ustub(pt_ld); arg = t; break;
	case 'v': fn = pt_ustub(pt_sd); arg = t + STORE_OFF; break;
	case 'x': fn = (unsigned long)pt_sd; arg = t + PAGE_SIZE - 4; break;
	default:  fn = (unsigned long)pt_ld; arg = t + PAGE_SIZE - 4; break;
	}
	tval = op == 'f' || op == 'w' ? fn : arg;
	if ((op == 'x' || op == 'y') && want != '.')
		tval = t + PAGE_SIZE;	/* the fault is in the second page */
	snprintf(what, sizeof(what), "  %s",
		 op == 'l' ? "load" : op == 'm' ? "load, MXR=1" : op == 's' ? "store" :
		 op == 'f' ? "fetch" : op == 'a' ? "amoadd.d" : op == 'q' ? "lr.d+sc.d" :
		 op == 'u' ? "U load" : op == 'v' ? "U store" : op == 'w' ? "U fetch" :
		 op == 'x' ? "sd across pages" : "ld across pages");
	if (op == 'm')
		csr_set(CSR_SSTATUS, SSTATUS_MXR);
	pt_try(what, user, fn, arg, cause, tval, 0);
	csr_clear(CSR_SSTATUS, SSTATUS_MXR);

	cprintf("    PTE %s -> %s", pt_flags_str(b1), pt_flags_str(*pte1[i]));
	if (pte2[i])
		cprintf(", next page PTE %s -> %s", pt_flags_str(b2), pt_flags_str(*pte2[i]));
	cprintf("\n");

	if (want != '.') {
		ok = b2 == (pte2[i] ? *pte2[i] : 0);
		if (op != 'x' && op != 'y')
			ok &= *pte1[i] == b1;
		check(ok, "%s: a faulting access changes no PTE%s", what,
		      op == 'x' || op == 'y' ? " (of the faulting page)" : "");
		return;
	}
	ok = *pte1[i] == (b1 | PTE_A | (is_write(op) ? PTE_D : 0));
	if (pte2[i])
		ok &= *pte2[i] == (b2 | PTE_A | (is_write(op) ? PTE_D : 0));
	check(ok, "%s: A set%s, nothing else changed", what,
	      is_write(op) ? ", D set" : ", D untouched");
}

static void one_mode(unsigned long mode)
{
	int levels = pt_levels(mode);

	for (unsigned i = 0; i < N_SCEN; i++)
		pte2[i] = 0;
	setup(levels);
	pt_switch(pt_satp(mode, 0, root));
	for (unsigned i = 0; i < N_SCEN; i++) {
		const struct scenario *s = &scenarios[i];

		cprintf("-- %s: %s (va %s)\n", pt_mode_name(mode), s->name,
			addr_str(va_of[i]));
		*pte1[i] = init1[i];	/* superpage scenarios share a PTE */
		pt_sfence_all();
		for (const char *o = s->ops; o[0] && o[1]; o += 2)
			run_op(i, o[0], o[1]);
	}

	/* The walks never wrote a non-leaf PTE. */
	cprintf("-- %s: non-leaf PTEs on the way to 0x%lx:", pt_mode_name(mode), VA_BASE);
	int clean = 1;
	for (int l = levels - 1; l >= 1; l--) {
		unsigned long pte = *pt_slot(root, levels, VA_BASE, l);

		cprintf(" level %d %s", l, pt_flags_str(pte));
		clean &= (pte & 0xff) == PTE_V;
	}
	cprintf("\n");
	check(clean, "%s: non-leaf PTEs keep A = D = 0", pt_mode_name(mode));
	pt_switch(0);
}

int main(void)
{
	test_begin("paging_ad");
	pt_pool_init(pool, sizeof(pool));
	pt_install_trap_entry();
	one_mode(SATP_MODE_SV39);
	one_mode(SATP_MODE_SV48);
	test_end();
}
