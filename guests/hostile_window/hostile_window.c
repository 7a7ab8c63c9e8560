/*
 * hostile_window - the top 1 GiB of the virtual address space
 * (0xffffffffc0000000 and up), where Umbra keeps itself in every table the
 * guest runs on under the shadow backend.
 *
 * Architecturally the top 1 GiB is ordinary address space: a guest may map
 * it like any other (natively, and on Umbra's H backend, where the guest's
 * tables are its own).  Under Umbra's shadow backend README "Limits" says
 * the guest may not: Umbra stops such a guest with a clear error.  What
 * must hold everywhere is that the guest never sees a byte that is not its
 * own there.  In this order, in Sv39 and Sv48:
 *
 *  1. mappings of the top 1 GiB that do not lead to guest RAM behave as
 *     anywhere else: invalid and reserved PTEs are page faults, a leaf to a
 *     device reaches the device (the UART's scratch register), a leaf to no
 *     memory is an access fault, fetches from the device an access fault;
 *  2. a leaf to one of the guest's own RAM pages: loads return what the
 *     guest stored there (anything else prints ESCAPE), stores and fetches
 *     work.  Under the shadow backend Umbra stops the guest at the first
 *     such access (that is the documented outcome; tests/test_hostile.py
 *     lists this guest in NOT_DIFFERENTIAL);
 *  3. the whole window page by page at Umbra's interesting offsets (its
 *     image at +2 MiB, its device window in the last 2 MiB, the last page)
 *     through one guest leaf each: only the guest's page is ever seen.
 */
#include <stdio.h>
#include "../lib/pt.h"

#define WIN      0xffffffffc0000000UL
#define UART_PA  0x10000000UL
#define UART_SCR 7

static char pool[32 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static volatile unsigned long own[PAGE_SIZE / 8] __attribute__((aligned(PAGE_SIZE)));
/* A page of code: li a0, 0x5a5; ret. */
static uint32_t code[PAGE_SIZE / 4] __attribute__((aligned(PAGE_SIZE)));

static unsigned long *root;
static int levels;
static unsigned long mode;

TRAP_FN(w_ld, "ld a0, 0(a0)");
TRAP_FN(w_lbu, "lbu a0, 0(a0)");
TRAP_FN(w_sb, "sb a0, 0(a0)");
TRAP_FN(w_sd, "sd a0, 0(a0)");

static unsigned long *map(unsigned long va, unsigned long pa, unsigned long flags)
{
	unsigned long *s = pt_map(root, levels, va, pa, 0, flags);
	pt_sfence_all();
	return s;
}

static void fault(const char *what, trap_fn fn, unsigned long va, unsigned long cause)
{
	struct trap_record t;
	char buf[80];

	snprintf(buf, sizeof(buf), "%s 0x%lx", what, va);
	expect_trap(fn, va, &t);
	if (!t.taken) {
		cprintf("%-44s -> no trap, a0=0x%lx\n", buf, t.ret);
		if (fn == w_ld || fn == w_lbu)
			cprintf("ESCAPE: read 0x%lx at 0x%lx through an unmapped or non-RAM window page\n",
				t.ret, va);
	} else {
		cprintf("%-44s -> scause=%lu (%s) stval=%s\n", buf, t.scause,
			pt_cause_name(t.scause), addr_str(t.stval));
	}
	check(t.taken && t.scause == cause && t.stval == va && t.sepc == (unsigned long)fn,
	      "%s: %s", buf, pt_cause_name(cause));
}

static unsigned long works(const char *what, trap_fn fn, unsigned long va, int is_load,
			   unsigned long want)
{
	struct trap_record t;
	char buf[80];

	snprintf(buf, sizeof(buf), "%s 0x%lx", what, va);
	expect_trap(fn, va, &t);
	if (t.taken) {
		cprintf("%-44s -> scause=%lu (%s)\n", buf, t.scause, pt_cause_name(t.scause));
		check(0, "%s: works", buf);
		return 0;
	}
	cprintf("%-44s -> ok%s", buf, is_load ? "" : "\n");
	if (is_load) {
		cprintf(", a0=0x%lx\n", t.ret);
		if (t.ret != want)
			cprintf("ESCAPE: read 0x%lx at 0x%lx, not what the guest stored there\n",
				t.ret, va);
	}
	check(!is_load || t.ret == want, "%s: works%s", buf, is_load ? ", reads the guest's own" : "");
	return t.ret;
}

static void not_ram(void)
{
	unsigned long *s;

	cprintf("-- %s: the top 1 GiB mapped to anything but RAM\n", pt_mode_name(mode));
	fault("S ld (unmapped)", w_ld, WIN, CAUSE_LOAD_PAGE_FAULT);
	fault("S ld (unmapped)", w_ld, 0xfffffffffffff008UL, CAUSE_LOAD_PAGE_FAULT);
	s = map(WIN + 0x200000, (unsigned long)own, 0);		/* V = 0 */
	*s = pt_pte((unsigned long)own, PT_KRWX) & ~PTE_V;
	pt_sfence_all();
	fault("S ld (V=0 leaf to RAM)", w_ld, WIN + 0x200000, CAUSE_LOAD_PAGE_FAULT);
	*s = pt_pte((unsigned long)own, PT_KRWX | 1UL << 60);
	pt_sfence_all();
	fault("S ld (reserved bit 60, leaf to RAM)", w_ld, WIN + 0x200010, CAUSE_LOAD_PAGE_FAULT);
	*s = pt_pte((unsigned long)own, PTE_V | PTE_W | PTE_A | PTE_D);
	pt_sfence_all();
	fault("S sd (-W- leaf to RAM)", w_sd, WIN + 0x200018, CAUSE_STORE_PAGE_FAULT);
	*s = pt_pte((unsigned long)own, PTE_V | PTE_R | PTE_U | PTE_A);
	pt_sfence_all();
	fault("S ld (U leaf to RAM, SUM=0)", w_ld, WIN + 0x200020, CAUSE_LOAD_PAGE_FAULT);
	*s = 0;
	pt_sfence_all();

	s = map(WIN + 0x1000, UART_PA, PT_KRWX);
	works("S sb UART SCR", w_sb, WIN + 0x1000 + UART_SCR, 0, 0);
	works("S lbu UART SCR", w_lbu, WIN + 0x1000 + UART_SCR, 1, UART_SCR);
	{
		struct trap_record t;
		expect_trap((trap_fn)(WIN + 0x1000), 0, &t);
		cprintf("%-44s -> scause=%lu (%s)\n", "S fetch UART", t.scause, pt_cause_name(t.scause));
		check(t.taken && t.scause == CAUSE_FETCH_ACCESS && t.sepc == WIN + 0x1000,
		      "fetch from the UART through the top 1 GiB: fetch access fault");
	}
	*s = 0;
	s = map(0xffffffffffffe000UL, 0x88000000UL + 0x40000000UL, PT_KRWX);
	fault("S ld (leaf to no memory)", w_ld, 0xffffffffffffe000UL, CAUSE_LOAD_ACCESS);
	fault("S sd (leaf to no memory)", w_sd, 0xffffffffffffe008UL, CAUSE_STORE_ACCESS);
	*s = pt_pte(0x400000000000UL, PT_KRWX);
	pt_sfence_all();
	fault("S ld (leaf to PA 2^46)", w_ld, 0xffffffffffffe010UL, CAUSE_LOAD_ACCESS);
	*s = 0;
	pt_sfence_all();
}

static void ram(void)
{
	static const unsigned long where[] = {
		WIN, WIN + 0x200000, WIN + 0x201000, WIN + 0x3ffff000UL - 0x200000,
		0xffffffffffe00000UL, 0xfffffffffffff000UL,
	};

	cprintf("-- %s: the top 1 GiB mapped to the guest's own RAM\n", pt_mode_name(mode));
	for (unsigned i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		unsigned long va = where[i];
		unsigned long *s = map(va, (unsigned long)own, PT_KRWX);

		own[1] = 0x4f574e5041474521UL ^ va;	/* "OWNPAGE!" */
		works("S ld", w_ld, va + 8, 1, own[1]);
		works("S sd", w_sd, va + 16, 0, 0);
		check(own[2] == va + 16, "the store landed in the guest's page");
		*s = pt_pte((unsigned long)code, PT_KRWX);
		pt_sfence_va(va);
		struct trap_record t;
		expect_trap((trap_fn)va, 0, &t);
		cprintf("%-44s -> %s, a0=0x%lx\n", "S fetch li a0, 0x5a5", t.taken ? "trap" : "ok",
			t.taken ? t.scause : t.ret);
		check(!t.taken && t.ret == 0x5a5, "fetch from the guest's own code page at 0x%lx", va);
		*s = 0;
		pt_sfence_all();
	}
}

/* Run test in a new address space of Sv39, then of Sv48. */
static void in_each_mode(void (*test)(void))
{
	for (int m = 0; m < 2; m++) {
		mode = m ? SATP_MODE_SV48 : SATP_MODE_SV39;
		levels = pt_levels(mode);
		root = pt_new_space(levels, 0);
		pt_switch(pt_satp(mode, 0, root));
		test();
		pt_switch(0);
	}
}

int main(void)
{
	test_begin("hostile_window");
	code[0] = 0x5a500513;	/* li a0, 0x5a5 */
	code[1] = 0x00008067;	/* ret */
	asm volatile("fence.i" ::: "memory");
	pt_pool_init(pool, sizeof(pool));
	pt_install_trap_entry();
	in_each_mode(not_ram);
	in_each_mode(ram);
	test_end();
}
