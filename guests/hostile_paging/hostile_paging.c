/*
 * hostile_paging - a guest that attacks the translation of its own
 * addresses, in Bare mode, Sv39 and Sv48, and states for each attack what
 * the architecture says must happen:
 *
 *  - bytes that are not the guest's: physical addresses from RAM's end
 *    on (the device tree's /memory node says where that is), below RAM and
 *    in the first page, from S and U, in Bare mode and through leaf PTEs:
 *    every access is an access fault (loads 5, stores/AMOs 7, fetches 1).
 *    A load that returns instead prints ESCAPE;
 *  - page tables outside RAM: a non-leaf PTE at every level pointing past
 *    RAM's end, at 0, at the CLINT, the PLIC, the UART, a virtio slot and far
 *    above: the walk's implicit read raises the access fault of the
 *    original access (spec, walk step 2).  QEMU 10 (like 7.2) raises the
 *    page fault of the access instead, except where PMP forbids the read
 *    (the CLINT): natively either is accepted, under Umbra only the access
 *    fault, and both print "5 or 13";
 *  - a root table in the last page of RAM (works).  A root outside RAM is
 *    not attempted: every fetch, the trap vector's included, would fault
 *    forever, natively as under a hypervisor, and a single-hart guest
 *    cannot come back from that; the non-leaf PTEs above exercise the same
 *    walk step at every level below the root;
 *  - leaves to devices (the UART's scratch register, a virtio magic value,
 *    through 4 KiB, 2 MiB, 1 GiB and 512 GiB leaves: loads and stores work,
 *    fetches are access faults), a misaligned load that crosses from a RAM
 *    page into the UART's page (two bytes from each), leaves to addresses
 *    without memory;
 *  - superpages that straddle RAM's end (1 GiB, 512 GiB) and 2 MiB pages on
 *    either side of it: inside RAM works, past it is an access fault;
 *  - reserved PTE bits 54-63 (the guest has neither Svpbmt nor Svnapot),
 *    the top PPN bit, RSW, non-leaf A/D/U/G, -W- and -WX-, misaligned
 *    superpages, a non-leaf PTE at level 0;
 *  - self-referencing tables: a root PTE pointing at the root makes the
 *    root readable (and writable) as data through a 4 KiB leaf; writing a
 *    PTE through it and fencing changes the guest's own translation;
 *  - changes without sfence.vma: remap, unmap, permission downgrade,
 *    another ASID, a global mapping; before the fence either translation
 *    is allowed (only membership is checked, nothing printed), after it
 *    the new one is required;
 *  - a random PTE storm: a fixed-seed generator writes valid, reserved and
 *    misaligned leaves and non-leaves into an L1 table and four L0 tables
 *    (fencing after every change), and makes random loads, stores and
 *    fetches from S (SUM, MXR random) and U; the hash of every outcome
 *    (cause, stval, value, the PTE's A/D bits afterwards) is printed;
 *  - addresses just below the top 1 GiB (Umbra's window begins above them):
 *    mapped and used like any other.
 *
 * Outcomes that depend on the platform rather than the architecture are
 * not printed: device ranges Umbra does not give (QEMU's MROM at 0x1000,
 * PCIe, flash, fw_cfg, RTC), AMOs and 8-byte accesses on device registers.
 * Hardware A/D updating (Svadu) is what the native hart does and what the
 * guest is checked for.  The guest uses no AMO on a page that is readable
 * but not writable: QEMU makes the AMO's read first (setting A, and
 * raising an access fault where the page fault comes first).
 */
#include <stdio.h>
#include "../lib/pt.h"
#include "../lib/fdt.h"

#define SBI_IMPL_UMBRA 0x554d4252UL	/* "UMBR" */

/* Test areas (each has its own Sv39 root slot; the U runner uses slot 1,
 * guest RAM slot 2). */
#define VA_LEAF    0xc0000000UL		/* 4 KiB and 2 MiB leaves */
#define VA_G1      0x100000000UL	/* 1 GiB leaf -> RAM's start */
#define VA_G0      0x140000000UL	/* 1 GiB leaf -> PA 0 */
#define VA_RES     0x180000000UL	/* reserved-bit leaves */
#define VA_NOSF    0x200000000UL	/* changes without sfence */
#define SELF_R     9			/* root slot pointing at the root */
#define SELF_X     10			/* root slot: leaf to the root */
#define VA_STORM   0x2c0000000UL	/* the storm's 1 GiB */
#define VA_NL39    0x300000000UL	/* non-leaf attacks (Sv39) */
#define VA_NL48    0x10300000000UL	/* non-leaf attacks (Sv48: root slot 2) */
#define VA_G512    0x8000000000UL	/* Sv48: 512 GiB leaf -> PA 0 */
#define VA_BELOW_WINDOW 0xffffffff80000000UL

#define UART_PA    0x10000000UL
#define UART_SCR   7
#define VIRTIO_CON_PA 0x10002000UL	/* a virtio-mmio slot natively and under Umbra */
#define VIRTIO_MAGIC 0x74726976UL	/* "virt" */
#define CLINT_PA   0x2000000UL
#define PLIC_PA    0x0c000000UL
#define FAR_PA     0x400000000000UL

static char pool[160 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
/* Pages with known contents: code/data pattern pages (see fill_pattern). */
#define NPAT 8
static uint32_t pat[NPAT][PAGE_SIZE / 4] __attribute__((aligned(PAGE_SIZE)));
/* A 2 MiB-aligned 2 MiB block of pattern pages, for 2 MiB leaves. */
static uint32_t big[2 * 512][PAGE_SIZE / 4] __attribute__((aligned(2 * 1024 * 1024)));
static uint8_t xpage[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static volatile unsigned long marker = 0x6d61726b65722121UL;	/* "marker!!" */

static unsigned long ram_base, ram_size, ram_end;
static int under_umbra;
static unsigned long cur_mode;
static int levels;
static unsigned long *root;

/* ---- Accesses -------------------------------------------------------------------- */
TRAP_FN(f_lw, "lw a0, 0(a0)");

enum acc { A_LD, A_LW, A_LBU, A_SB, A_SD, A_AMO, A_FETCH,
	   A_ULD, A_ULBU, A_USB, A_USD, A_UAMO, A_UFETCH };
static const char *const acc_name[] = {
	"S ld", "S lw", "S lbu", "S sb", "S sd", "S amoadd.d", "S fetch",
	"U ld", "U lbu", "U sb", "U sd", "U amoadd.d", "U fetch" };
static const int acc_kind[] = { 0, 0, 0, 1, 1, 1, 2, 0, 0, 1, 1, 1, 2 };	/* load/store/fetch */

static int acc_user(enum acc a) { return a >= A_ULD; }

static unsigned long acc_fn(enum acc a, unsigned long va)
{
	switch (a) {
	case A_LD: return (unsigned long)pt_ld;
	case A_LW: return (unsigned long)f_lw;
	case A_LBU: return (unsigned long)pt_lbu;
	case A_SB: return (unsigned long)pt_sb;
	case A_SD: return (unsigned long)pt_sd;
	case A_AMO: return (unsigned long)pt_amo;
	case A_ULD: return pt_ustub(pt_ld);
	case A_ULBU: return pt_ustub(pt_lbu);
	case A_USB: return pt_ustub(pt_sb);
	case A_USD: return pt_ustub(pt_sd);
	case A_UAMO: return pt_ustub(pt_amo);
	default: return va;	/* fetches: the target itself */
	}
}

/* Make the access; *t says whether and how it trapped; returns a0. */
static unsigned long access(enum acc a, unsigned long va, unsigned long arg, struct trap_record *t)
{
	unsigned long fn = acc_fn(a, va);

	if (acc_kind[a] != 2)
		arg = va;
	if (acc_user(a))
		return pt_run_user(fn, arg, t);
	return expect_trap((trap_fn)fn, arg, t) ? 0 : t->ret;
}

static unsigned long access_fault(enum acc a)
{
	static const unsigned long c[] = { CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS, CAUSE_FETCH_ACCESS };
	return c[acc_kind[a]];
}

static unsigned long page_fault(enum acc a)
{
	static const unsigned long c[] = { CAUSE_LOAD_PAGE_FAULT, CAUSE_STORE_PAGE_FAULT,
					   CAUSE_FETCH_PAGE_FAULT };
	return c[acc_kind[a]];
}

#define NO_ALT (~0UL)

/*
 * One access that must fault with 'want' (sepc = the instruction, stval =
 * va).  'alt' is a cause QEMU raises instead of the architectural one: it
 * is accepted natively only, and the line prints both so that it reads the
 * same either way.  A load that returns prints ESCAPE when 'not_ours'.
 */
static void expect_fault(const char *what, enum acc a, unsigned long va,
			 unsigned long want, unsigned long alt, int not_ours)
{
	struct trap_record t;
	unsigned long fn = acc_fn(a, va);
	unsigned long v = access(a, va, 0, &t);
	char buf[96];

	snprintf(buf, sizeof(buf), "%s %s", acc_name[a], what);
	cprintf("%-50s", buf);
	if (!t.taken) {
		cprintf(" -> no trap, a0=0x%lx\n", v);
		if (not_ours && acc_kind[a] == 0)
			cprintf("ESCAPE: %s read 0x%lx from 0x%lx, which is not the guest's\n",
				acc_name[a], v, va);
		check(0, "%s: faults", buf);
		return;
	}
	if (alt != NO_ALT && (t.scause == want || t.scause == alt))
		cprintf(" -> scause=%lu or %lu", want, alt);
	else
		cprintf(" -> scause=%lu", t.scause);
	cprintf(" (%s) sepc=%s stval=%s", alt != NO_ALT && t.scause == alt ?
		pt_cause_name(want) : pt_cause_name(t.scause),
		t.sepc == fn ? "insn" : addr_str(t.sepc), addr_str(t.stval));
	if (t.count > 1)
		cprintf(" (%d traps)", t.count);
	cprintf("\n");
	int cause_ok = t.scause == want || (!under_umbra && alt != NO_ALT && t.scause == alt);
	check(cause_ok && t.sepc == fn && t.stval == va, "%s: %s%s", buf, pt_cause_name(want),
	      alt != NO_ALT ? " (QEMU: the page fault)" : "");
}

/* One access that must not fault; a load must return 'want' (if has_want). */
static unsigned long expect_ok(const char *what, enum acc a, unsigned long va,
			       unsigned long arg, int has_want, unsigned long want)
{
	struct trap_record t;
	unsigned long v = access(a, va, arg, &t);
	char buf[96];

	snprintf(buf, sizeof(buf), "%s %s", acc_name[a], what);
	cprintf("%-50s", buf);
	if (t.taken) {
		cprintf(" -> scause=%lu (%s) stval=%s\n", t.scause, pt_cause_name(t.scause),
			addr_str(t.stval));
		check(0, "%s: works", buf);
		return 0;
	}
	if (has_want)
		cprintf(" -> ok, a0=0x%lx\n", v);
	else
		cprintf(" -> ok\n");
	check(!has_want || v == want, "%s: works%s", buf, has_want ? " and reads what it must" : "");
	return v;
}

/* ---- Set-up ------------------------------------------------------------------------ */
/* Pattern page p: "addi a0, a0, p+1" everywhere, "ret" in the last word.
 * A fetch at offset o returns a0 + (p+1) * (1023 - o/4). */
static void fill_pattern(uint32_t *page, unsigned p)
{
	for (unsigned i = 0; i < PAGE_SIZE / 4 - 1; i++)
		page[i] = ((p + 1) & 0xfff) << 20 | 0x50513;
	page[PAGE_SIZE / 4 - 1] = 0x00008067;
}

/* The 64-bit word at byte offset off (8-aligned) of pattern page p. */
static unsigned long pat64(unsigned p, unsigned long off)
{
	unsigned i = off / 4;
	uint32_t lo = i < 1023 ? (((p + 1) & 0xfff) << 20 | 0x50513) : 0x00008067;
	uint32_t hi = i + 1 < 1023 ? (((p + 1) & 0xfff) << 20 | 0x50513) : 0x00008067;
	return lo | (unsigned long)hi << 32;
}

static void fill_all_patterns(void)
{
	for (unsigned p = 0; p < NPAT; p++)
		fill_pattern(pat[p], p);
	for (unsigned p = 0; p < 512; p++)
		fill_pattern(big[p], 100 + p);
	asm volatile("fence.i" ::: "memory");
}

static unsigned long pat_fetch_result(unsigned p, unsigned long off, unsigned long arg)
{
	return arg + (p + 1) * (1023 - off / 4);
}

static void fence_all(void)
{
	pt_sfence_all();
}

static unsigned long *leaf(unsigned long va, unsigned long pa, int level, unsigned long flags)
{
	unsigned long *s = pt_map(root, levels, va, pa, level, flags);
	fence_all();
	return s;
}

static void unmap(unsigned long *slot)
{
	*slot = 0;
	fence_all();
}

#define KRW  (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define KRWX PT_KRWX
#define URWX (PT_KRWX | PTE_U)
#define URW  (KRW | PTE_U)

/* ---- Bare: bytes that are not the guest's ---------------------------------------------- */
TRAP_FN(bare_ld, "ld a0, 0(a0)");
TRAP_FN(bare_sd, "sd a0, 0(a0)");

static unsigned long bare_user_ld(unsigned long a)
{
	return *(volatile unsigned long *)a;
}

static void not_ours_bare(const char *what, unsigned long pa)
{
	struct trap_record t;
	char buf[80];

	snprintf(buf, sizeof(buf), "S ld %s", what);
	expect_trap(bare_ld, pa, &t);
	if (!t.taken)
		cprintf("ESCAPE: S-mode read 0x%lx at 0x%lx, which is not the guest's\n", t.ret, pa);
	cprintf("%-50s -> %s\n", buf, t.taken ? pt_cause_name(t.scause) : "no trap");
	check(t.taken && t.scause == CAUSE_LOAD_ACCESS && t.stval == pa, "%s: load access fault", buf);

	snprintf(buf, sizeof(buf), "S sd %s", what);
	expect_trap(bare_sd, pa, &t);
	cprintf("%-50s -> %s\n", buf, t.taken ? pt_cause_name(t.scause) : "no trap");
	check(t.taken && t.scause == CAUSE_STORE_ACCESS && t.stval == pa, "%s: store access fault", buf);

	snprintf(buf, sizeof(buf), "S fetch %s", what);
	expect_trap((trap_fn)pa, 0, &t);
	cprintf("%-50s -> %s\n", buf, t.taken ? pt_cause_name(t.scause) : "no trap");
	check(t.taken && t.scause == CAUSE_FETCH_ACCESS && t.sepc == pa, "%s: fetch access fault", buf);

	snprintf(buf, sizeof(buf), "U ld %s", what);
	unsigned long v = run_user(bare_user_ld, pa, &t);
	if (!t.taken)
		cprintf("ESCAPE: U-mode read 0x%lx at 0x%lx, which is not the guest's\n", v, pa);
	cprintf("%-50s -> %s\n", buf, t.taken ? pt_cause_name(t.scause) : "no trap");
	check(t.taken && t.scause == CAUSE_LOAD_ACCESS && t.stval == pa, "%s: load access fault", buf);
}

static void test_bare(void)
{
	struct trap_record t;
	char what[48];
	unsigned faults = 0, n = 0;

	cprintf("-- Bare: bytes that are not the guest's\n");
	static const unsigned long low[] = { 0x0, 0x8, 0x100, 0xff8 };
	for (unsigned i = 0; i < 4; i++) {
		snprintf(what, sizeof(what), "0x%lx", low[i]);
		not_ours_bare(what, low[i]);
	}
	not_ours_bare("RAM end", ram_end);
	not_ours_bare("RAM end + 8", ram_end + 8);
	not_ours_bare("RAM end + 4 KiB", ram_end + 0x1000);
	not_ours_bare("0xfffff000", 0xfffff000UL);
	not_ours_bare("0x100000000", 0x100000000UL);
	not_ours_bare("0x800000000", 0x800000000UL);
	not_ours_bare("0x400000000000", FAR_PA);
	not_ours_bare("0xfffffffffffff000", 0xfffffffffffff000UL);
	/* Where a hypervisor keeps its own memory: host RAM past the guest's. */
	for (unsigned long a = ram_end; a < ram_end + (256UL << 20); a += 1UL << 20, n++) {
		expect_trap(bare_ld, a + 0x7f8, &t);
		if (!t.taken)
			cprintf("ESCAPE: S-mode read 0x%lx at 0x%lx, which is not the guest's\n",
				t.ret, a + 0x7f8);
		faults += t.taken && t.scause == CAUSE_LOAD_ACCESS && t.stval == a + 0x7f8;
	}
	cprintf("S ld every MiB of the 256 MiB past RAM's end: %u of %u load access faults\n",
		faults, n);
	check(faults == n, "every load past RAM's end faults");
}

/* ---- Tables outside RAM --------------------------------------------------------------------- */
static const struct { const char *name; unsigned long pa; } outside[] = {
	{ "RAM end", 0 },		/* ram_end, filled in */
	{ "RAM end + 2 MiB", 0 },
	{ "PA 0", 0 },
	{ "the CLINT", CLINT_PA },
	{ "the PLIC", PLIC_PA },
	{ "the UART", UART_PA },
	{ "a virtio slot", VIRTIO_CON_PA },
	{ "PA 2^46", FAR_PA },
};
#define N_OUTSIDE (sizeof(outside) / sizeof(outside[0]))

static unsigned long outside_pa(unsigned i)
{
	return i == 0 ? ram_end : i == 1 ? ram_end + 0x200000 : outside[i].pa;
}

static void test_tables_outside(void)
{
	unsigned long va = cur_mode == SATP_MODE_SV48 ? VA_NL48 : VA_NL39;
	static const enum acc accs[] = { A_LD, A_AMO, A_FETCH, A_ULD };
	char what[80];

	cprintf("-- %s: page tables outside RAM (walk step 2: access fault)\n", pt_mode_name(cur_mode));
	for (int l = 1; l < levels; l++) {
		for (unsigned i = 0; i < N_OUTSIDE; i++) {
			unsigned long pa = outside_pa(i);
			unsigned long *slot = pt_slot(root, levels, va, l);
			/* CLINT: PMP forbids the read natively, so QEMU gives the access fault too. */
			int qemu_pf = pa != CLINT_PA;

			*slot = pt_pte(pa, PTE_V);
			fence_all();
			for (unsigned k = 0; k < 4; k++) {
				enum acc a = accs[k];
				unsigned long target = va + (a == A_FETCH ? 0x40 : 0x18);
				snprintf(what, sizeof(what), "level-%d table at %s", l - 1, outside[i].name);
				expect_fault(what, a, target, access_fault(a),
					     qemu_pf ? page_fault(a) : NO_ALT, 1);
			}
			*slot = 0;
			fence_all();
		}
	}

	/* A root table in the last page of RAM: just RAM, it works. */
	unsigned long *last = (unsigned long *)(ram_end - PAGE_SIZE);
	for (unsigned i = 0; i < 512; i++)
		last[i] = root[i];
	unsigned long old = csr_read(CSR_SATP);
	pt_switch(pt_satp(cur_mode, 0, last));
	expect_ok("marker, root table in RAM's last page", A_LD, (unsigned long)&marker, 0, 1,
		  marker);
	pt_switch(old);
	for (unsigned i = 0; i < 512; i++)
		last[i] = 0;
}

/* ---- Leaves to devices and to nowhere ------------------------------------------------------ */
static void test_leaves(void)
{
	unsigned long *s;

	cprintf("-- %s: leaves to devices and to addresses without memory\n", pt_mode_name(cur_mode));
	/* The UART's scratch register through a 4 KiB leaf: a byte store and load. */
	s = leaf(VA_LEAF, UART_PA, 0, KRWX);
	expect_ok("UART SCR (4 KiB leaf): stores 0x07", A_SB, VA_LEAF + UART_SCR, 0, 0, 0);
	expect_ok("UART SCR (4 KiB leaf)", A_LBU, VA_LEAF + UART_SCR, 0, 1, UART_SCR);
	expect_fault("UART (4 KiB leaf, X)", A_FETCH, VA_LEAF, CAUSE_FETCH_ACCESS, NO_ALT, 0);
	unmap(s);
	s = leaf(VA_LEAF, UART_PA, 0, URWX);
	expect_ok("UART SCR (U leaf): stores 0x07", A_USB, VA_LEAF + UART_SCR, 0, 0, 0);
	expect_ok("UART SCR (U leaf)", A_ULBU, VA_LEAF + UART_SCR, 0, 1, UART_SCR);
	expect_fault("UART (U leaf, X)", A_UFETCH, VA_LEAF, CAUSE_FETCH_ACCESS, NO_ALT, 0);
	unmap(s);
	/* A 2 MiB leaf covering the UART and the virtio slots. */
	s = leaf(VA_LEAF + 0x200000, UART_PA, 1, KRW);
	expect_ok("UART SCR (2 MiB leaf): stores 0x07", A_SB, VA_LEAF + 0x200000 + UART_SCR, 0, 0, 0);
	expect_ok("UART SCR (2 MiB leaf)", A_LBU, VA_LEAF + 0x200000 + UART_SCR, 0, 1, UART_SCR);
	expect_ok("virtio magic (2 MiB leaf)", A_LW, VA_LEAF + 0x200000 + (VIRTIO_CON_PA - UART_PA),
		  0, 1, VIRTIO_MAGIC);
	unmap(s);
	s = leaf(VA_LEAF, VIRTIO_CON_PA, 0, KRW);
	expect_ok("virtio magic (4 KiB leaf)", A_LW, VA_LEAF, 0, 1, VIRTIO_MAGIC);
	unmap(s);

	/* A misaligned load that crosses from a RAM page into the UART's page.
	 * The spec lets it either work (the first two bytes from RAM, the
	 * other two from the UART's RBR and IER, both 0: 0xbeef; QEMU) or
	 * raise an access fault (a misaligned access that crosses into I/O:
	 * Umbra); it must never return anything else. */
	xpage[PAGE_SIZE - 2] = 0xef;
	xpage[PAGE_SIZE - 1] = 0xbe;
	s = leaf(VA_LEAF, (unsigned long)xpage, 0, KRW);
	unsigned long *s2 = leaf(VA_LEAF + PAGE_SIZE, UART_PA, 0, KRW);
	{
		struct trap_record t;
		unsigned long v = access(A_LW, VA_LEAF + PAGE_SIZE - 2, 0, &t);
		int fine = t.taken ? t.scause == CAUSE_LOAD_ACCESS : v == 0xbeef;
		cprintf("%-50s -> %s\n", "lw across RAM -> UART (misaligned)",
			fine ? "0xbeef or a load access fault" : "something else");
		check(fine, "lw across RAM -> UART: 0xbeef or a load access fault");
	}
	unmap(s2);
	unmap(s);

	/* Leaves to where there is nothing: access faults of every kind. */
	static const struct { const char *name; unsigned long pa; } nowhere[] = {
		{ "RAM end", 0 }, { "PA 0", 0 }, { "PA 0x100", 0x100 }, { "the CLINT", CLINT_PA },
		{ "PA 0xfffff000", 0xfffff000UL }, { "PA 2^46", FAR_PA },
	};
	static const enum acc accs[] = { A_LD, A_SD, A_AMO, A_FETCH, A_ULD, A_USB, A_UFETCH };
	for (unsigned i = 0; i < sizeof(nowhere) / sizeof(nowhere[0]); i++) {
		unsigned long pa = i == 0 ? ram_end : nowhere[i].pa;
		char what[64];

		s = leaf(VA_LEAF, pa, 0, URWX);
		unsigned long *k = leaf(VA_LEAF + 0x1000, pa, 0, KRWX);
		for (unsigned j = 0; j < sizeof(accs) / sizeof(accs[0]); j++) {
			enum acc a = accs[j];
			unsigned long va = (acc_user(a) ? VA_LEAF : VA_LEAF + 0x1000) + 0x80;
			snprintf(what, sizeof(what), "leaf to %s", nowhere[i].name);
			expect_fault(what, a, va, access_fault(a), NO_ALT, 1);
		}
		unmap(k);
		unmap(s);
	}
}

/* ---- Superpages that straddle RAM's end ------------------------------------------------------ */
static unsigned long last_word_pa;

static void test_straddle(void)
{
	unsigned long *s;
	unsigned long mk = (unsigned long)&marker - PT_RAM_BASE;

	cprintf("-- %s: superpages that straddle RAM's end\n", pt_mode_name(cur_mode));
	*(volatile unsigned long *)last_word_pa = 0x4c415354574f5244UL;	/* "LASTWORD" */
	s = leaf(VA_G1, PT_RAM_BASE, 2, KRWX);
	expect_ok("1 GiB leaf at RAM's start: marker", A_LD, VA_G1 + mk, 0, 1, marker);
	expect_ok("1 GiB leaf: RAM's last word", A_LD, VA_G1 + ram_size - 8, 0, 1,
		  0x4c415354574f5244UL);
	expect_fault("1 GiB leaf: RAM's end", A_LD, VA_G1 + ram_size, CAUSE_LOAD_ACCESS, NO_ALT, 1);
	expect_fault("1 GiB leaf: RAM's end", A_SD, VA_G1 + ram_size, CAUSE_STORE_ACCESS, NO_ALT, 1);
	expect_fault("1 GiB leaf: RAM's end", A_AMO, VA_G1 + ram_size + 0x40, CAUSE_STORE_ACCESS,
		     NO_ALT, 1);
	expect_fault("1 GiB leaf: RAM's end", A_FETCH, VA_G1 + ram_size, CAUSE_FETCH_ACCESS, NO_ALT, 1);
	expect_fault("1 GiB leaf: its last word", A_LD, VA_G1 + 0x3ffffff8, CAUSE_LOAD_ACCESS,
		     NO_ALT, 1);
	unmap(s);
	s = leaf(VA_G1, PT_RAM_BASE, 2, URWX);
	expect_ok("1 GiB U leaf: RAM's last word", A_ULD, VA_G1 + ram_size - 8, 0, 1,
		  0x4c415354574f5244UL);
	expect_fault("1 GiB U leaf: RAM's end", A_ULD, VA_G1 + ram_size, CAUSE_LOAD_ACCESS, NO_ALT, 1);
	expect_fault("1 GiB U leaf: RAM's end", A_USB, VA_G1 + ram_size + 3, CAUSE_STORE_ACCESS,
		     NO_ALT, 1);
	unmap(s);

	/* 2 MiB leaves on both sides of RAM's end (it is 2 MiB aligned). */
	s = leaf(VA_LEAF + 0x400000, ram_end - 0x200000, 1, KRWX);
	unsigned long *s2 = leaf(VA_LEAF + 0x600000, ram_end, 1, KRWX);
	expect_ok("2 MiB leaf ending at RAM's end: last word", A_LD, VA_LEAF + 0x600000 - 8, 0, 1,
		  0x4c415354574f5244UL);
	expect_fault("2 MiB leaf starting at RAM's end", A_LD, VA_LEAF + 0x600000, CAUSE_LOAD_ACCESS,
		     NO_ALT, 1);
	expect_fault("2 MiB leaf starting at RAM's end", A_SD, VA_LEAF + 0x600000 + 0x1ffff8,
		     CAUSE_STORE_ACCESS, NO_ALT, 1);
	unmap(s2);
	unmap(s);

	/* A 1 GiB leaf at PA 0: the UART inside it works, nothing else there. */
	s = leaf(VA_G0, 0, 2, KRW);
	expect_ok("1 GiB leaf at PA 0: UART SCR: stores", A_SB, VA_G0 + UART_PA + UART_SCR, 0, 0, 0);
	expect_ok("1 GiB leaf at PA 0: UART SCR", A_LBU, VA_G0 + UART_PA + UART_SCR, 0, 1, 0x7);
	expect_fault("1 GiB leaf at PA 0: PA 0", A_LD, VA_G0, CAUSE_LOAD_ACCESS, NO_ALT, 1);
	expect_fault("1 GiB leaf at PA 0: CLINT", A_LD, VA_G0 + CLINT_PA, CAUSE_LOAD_ACCESS, NO_ALT, 1);
	unmap(s);

	if (cur_mode == SATP_MODE_SV48) {
		/* A 512 GiB leaf at PA 0: RAM, RAM's end, a device. */
		s = leaf(VA_G512, 0, 3, KRWX);
		expect_ok("512 GiB leaf: marker", A_LD, VA_G512 + (unsigned long)&marker, 0, 1, marker);
		expect_ok("512 GiB leaf: RAM's last word", A_LD, VA_G512 + ram_end - 8, 0, 1,
			  0x4c415354574f5244UL);
		expect_fault("512 GiB leaf: RAM's end", A_LD, VA_G512 + ram_end, CAUSE_LOAD_ACCESS,
			     NO_ALT, 1);
		expect_fault("512 GiB leaf: RAM's end", A_FETCH, VA_G512 + ram_end,
			     CAUSE_FETCH_ACCESS, NO_ALT, 1);
		expect_fault("512 GiB leaf: PA 2^38", A_SD, VA_G512 + (1UL << 38), CAUSE_STORE_ACCESS,
			     NO_ALT, 1);
		expect_ok("512 GiB leaf: UART SCR", A_LBU, VA_G512 + UART_PA + UART_SCR, 0, 1, 0x7);
		unmap(s);
	}
}

/* ---- Reserved bits and encodings --------------------------------------------------------------- */
static void test_reserved(void)
{
	unsigned long p0 = (unsigned long)pat[0];
	unsigned long *s;
	char what[64];

	cprintf("-- %s: reserved PTE bits and encodings\n", pt_mode_name(cur_mode));
	for (int b = 54; b < 64; b++) {
		snprintf(what, sizeof(what), "leaf with bit %d", b);
		s = leaf(VA_RES, p0, 0, URWX | (1UL << b));
		expect_fault(what, A_LD, VA_RES + 8, CAUSE_LOAD_PAGE_FAULT, NO_ALT, 0);
		expect_fault(what, A_SD, VA_RES + 16, CAUSE_STORE_PAGE_FAULT, NO_ALT, 0);
		expect_fault(what, A_UFETCH, VA_RES, CAUSE_FETCH_PAGE_FAULT, NO_ALT, 0);
		unmap(s);
	}
	/* PPN bit 43 (PTE bit 53): a physical address of 2^55 and up, no memory. */
	s = leaf(VA_RES, p0 | (1UL << 55), 0, KRWX);
	expect_fault("leaf with PTE bit 53 (PA 2^55+)", A_LD, VA_RES, CAUSE_LOAD_ACCESS, NO_ALT, 1);
	unmap(s);
	/* RSW (bits 8, 9) and G are free for software: the leaf works. */
	s = leaf(VA_RES, p0, 0, KRWX | (3UL << 8) | PTE_G);
	expect_ok("leaf with RSW and G", A_LW, VA_RES + 4, 0, 1, pat[0][1]);
	unmap(s);
	/* -W- and -WX are reserved encodings. */
	s = leaf(VA_RES, p0, 0, PTE_V | PTE_W | PTE_A | PTE_D);
	expect_fault("leaf -W-", A_LD, VA_RES, CAUSE_LOAD_PAGE_FAULT, NO_ALT, 0);
	expect_fault("leaf -W-", A_SD, VA_RES, CAUSE_STORE_PAGE_FAULT, NO_ALT, 0);
	unmap(s);
	s = leaf(VA_RES, p0, 0, PTE_V | PTE_W | PTE_X | PTE_A | PTE_D);
	expect_fault("leaf -WX", A_FETCH, VA_RES, CAUSE_FETCH_PAGE_FAULT, NO_ALT, 0);
	expect_fault("leaf -WX", A_SD, VA_RES, CAUSE_STORE_PAGE_FAULT, NO_ALT, 0);
	unmap(s);
	/* Misaligned superpages: page fault, whatever the target. */
	s = leaf(VA_RES, (unsigned long)big + PAGE_SIZE, 1, KRWX);
	expect_fault("2 MiB leaf, PPN not 2 MiB aligned", A_LD, VA_RES, CAUSE_LOAD_PAGE_FAULT, NO_ALT, 0);
	unmap(s);
	s = leaf(VA_RES, PT_RAM_BASE + 0x200000, 2, KRWX);
	expect_fault("1 GiB leaf, PPN not 1 GiB aligned", A_LD, VA_RES, CAUSE_LOAD_PAGE_FAULT, NO_ALT, 0);
	unmap(s);
	/* Non-leaf PTEs: D, A, U and bits 54-63 reserved, G and RSW not. */
	pt_map(root, levels, VA_RES, p0, 0, KRWX);
	unsigned long *l1 = pt_slot(root, levels, VA_RES, 1);
	unsigned long good = *l1;
	static const struct { const char *name; unsigned long bit; int faults; } nl[] = {
		{ "A", PTE_A, 1 }, { "D", PTE_D, 1 }, { "U", PTE_U, 1 }, { "bit 54", 1UL << 54, 1 },
		{ "bit 61", 1UL << 61, 1 }, { "bit 63", 1UL << 63, 1 },
		{ "G", PTE_G, 0 }, { "RSW", 3UL << 8, 0 },
	};
	for (unsigned i = 0; i < sizeof(nl) / sizeof(nl[0]); i++) {
		snprintf(what, sizeof(what), "non-leaf with %s", nl[i].name);
		*l1 = good | nl[i].bit;
		fence_all();
		if (nl[i].faults) {
			expect_fault(what, A_LD, VA_RES + 0x20, CAUSE_LOAD_PAGE_FAULT, NO_ALT, 0);
			expect_fault(what, A_FETCH, VA_RES, CAUSE_FETCH_PAGE_FAULT, NO_ALT, 0);
		} else {
			expect_ok(what, A_LW, VA_RES + 0x20, 0, 1, pat[0][8]);
		}
	}
	/* A non-leaf PTE where a leaf must be (level 0). */
	*l1 = good;
	unsigned long *l0 = pt_slot(root, levels, VA_RES, 0);
	*l0 = pt_pte(p0, PTE_V);
	fence_all();
	expect_fault("non-leaf PTE at level 0", A_LD, VA_RES, CAUSE_LOAD_PAGE_FAULT, NO_ALT, 0);
	expect_fault("non-leaf PTE at level 0", A_SD, VA_RES, CAUSE_STORE_PAGE_FAULT, NO_ALT, 0);
	expect_fault("non-leaf PTE at level 0", A_UFETCH, VA_RES, CAUSE_FETCH_PAGE_FAULT, NO_ALT, 0);
	*l0 = 0;
	fence_all();
}

/* ---- Self-referencing tables ------------------------------------------------------------------ */
static unsigned long self_va(int x)
{
	unsigned long va = (unsigned long)x << PAGE_SHIFT;
	for (int l = 1; l < levels; l++)
		va |= (unsigned long)SELF_R << (PAGE_SHIFT + 9 * l);
	/* Sign-extend (both slots are in the lower half). */
	return va;
}

static void test_self(void)
{
	unsigned long rpa = (unsigned long)root;
	unsigned long va = self_va(SELF_X);
	const int new_slot = SELF_X + 3;

	cprintf("-- %s: self-referencing tables\n", pt_mode_name(cur_mode));
	root[SELF_R] = pt_pte(rpa, PTE_V);
	root[SELF_X] = pt_pte(rpa, KRW);
	fence_all();
	/* Through root[R] (a non-leaf, again and again) to root[X]: at the last
	 * level a 4 KiB leaf that maps the root itself. */
	/* The slot that maps guest RAM: 2 in Sv39, 0 (all of the low 512 GiB) in Sv48. */
	const int ram_slot = levels == 3 ? 2 : 0;
	expect_ok("root[R] -> root .. root[X] -> root: RAM's slot", A_LD, va + ram_slot * 8, 0, 1,
		  root[ram_slot]);
	expect_ok("root[R] -> root .. root[X] -> root: root[R]", A_LD, va + SELF_R * 8, 0, 1,
		  root[SELF_R]);
	/* Directly, root[X] is a misaligned superpage. */
	unsigned long direct = (unsigned long)SELF_X << (PAGE_SHIFT + 9 * (levels - 1));
	expect_fault("root[X] as a superpage (misaligned)", A_LD, direct + 8, CAUSE_LOAD_PAGE_FAULT,
		     NO_ALT, 0);
	/* At the last level root[R] is a non-leaf PTE: page fault. */
	expect_fault("root[R] .. root[R] (non-leaf at level 0)", A_LD, self_va(SELF_R),
		     CAUSE_LOAD_PAGE_FAULT, NO_ALT, 0);
	expect_fault("root[R] .. root[R] (non-leaf at level 0)", A_FETCH, self_va(SELF_R),
		     CAUSE_FETCH_PAGE_FAULT, NO_ALT, 0);

	/* Tables for a new mapping: page 5 of root slot new_slot -> pattern page 3. */
	unsigned long *top = pt_alloc(), *t = top;
	for (int l = levels - 2; l > 0; l--) {
		unsigned long *n = pt_alloc();
		t[0] = pt_pte((unsigned long)n, PTE_V);
		t = n;
	}
	t[5] = pt_pte((unsigned long)pat[3], KRWX);
	unsigned long tva = (unsigned long)new_slot << (PAGE_SHIFT + 9 * (levels - 1));
	expect_fault("slot X+3 before it is written", A_LW, tva + 5 * PAGE_SIZE + 12,
		     CAUSE_LOAD_PAGE_FAULT, NO_ALT, 0);
	/* Write root[X+3] through the self-map, fence, use it. */
	*(volatile unsigned long *)(va + new_slot * 8) = pt_pte((unsigned long)top, PTE_V);
	check(root[new_slot] == pt_pte((unsigned long)top, PTE_V),
	      "a store through the self-map wrote root[X+3]");
	fence_all();
	expect_ok("slot X+3 written through the self-map", A_LW, tva + 5 * PAGE_SIZE + 12, 0, 1,
		  pat[3][3]);
	expect_ok("slot X+3 written through the self-map", A_FETCH, tva + 5 * PAGE_SIZE + 4000, 7, 1,
		  pat_fetch_result(3, 4000, 7));
	/* Read the new PTE's A bit through the self-map: the walk set it. */
	unsigned long got = *(volatile unsigned long *)(va + new_slot * 8);
	check(got == root[new_slot], "the self-map reads the live root[X+3]");
	/* Clear it through the self-map: page fault after the fence. */
	*(volatile unsigned long *)(va + new_slot * 8) = 0;
	fence_all();
	expect_fault("slot X+3 cleared through the self-map", A_LW, tva + 5 * PAGE_SIZE + 12,
		     CAUSE_LOAD_PAGE_FAULT, NO_ALT, 0);
	/* A read-only self-map: the store is a page fault, the root unchanged. */
	root[SELF_X] = pt_pte(rpa, PTE_V | PTE_R | PTE_A);
	fence_all();
	expect_fault("store through a read-only self-map", A_SD, va + new_slot * 8,
		     CAUSE_STORE_PAGE_FAULT, NO_ALT, 0);
	check(root[new_slot] == 0, "the root is unchanged");
	/* A U self-map: U-mode reads the root, cannot write it. */
	root[SELF_X] = pt_pte(rpa, PTE_V | PTE_R | PTE_U | PTE_A);
	fence_all();
	expect_ok("U reads RAM's slot through a U self-map", A_ULD, va + ram_slot * 8, 0, 1,
		  root[ram_slot]);
	expect_fault("U writes through a U read-only self-map", A_UAMO, va + ram_slot * 8,
		     CAUSE_STORE_PAGE_FAULT, NO_ALT, 0);
	root[SELF_R] = root[SELF_X] = 0;
	fence_all();
}

/* ---- Changes without sfence.vma ---------------------------------------------------------------- */
TRAP_FN(ld_quiet, "ld a0, 0(a0)");

/*
 * After a change of a PTE and before (all of) its fence, an access through
 * va (fn: ld_quiet or pt_amo, nothing printed) may use the old translation
 * or the new one: it must give the value a or b, or (if cause is not 0)
 * fault with that cause.  Checked, named 'what'.
 */
static int unfenced(const char *what, trap_fn fn, unsigned long va, unsigned long a,
		    unsigned long b, unsigned long cause)
{
	struct trap_record t;
	unsigned long v = expect_trap(fn, va, &t) ? ~0UL : t.ret;

	return check(v == a || v == b || (cause && t.taken && t.scause == cause), "%s", what);
}

static void test_nosfence(void)
{
	unsigned long va = VA_NOSF, *s;
	unsigned long w1 = pat64(1, 0), w2 = pat64(2, 0);

	cprintf("-- %s: changes without sfence.vma (old or new until the fence, new after it)\n",
		pt_mode_name(cur_mode));
	/* Remap. */
	s = leaf(va, (unsigned long)pat[1], 0, KRWX);
	expect_ok("mapped to pattern page 1", A_LD, va, 0, 1, w1);
	*s = pt_pte((unsigned long)pat[2], KRWX);
	unfenced("remapped, no fence: the old or the new page", ld_quiet, va, w1, w2, 0);
	pt_sfence_va(va);
	expect_ok("remapped to pattern page 2, fenced", A_LD, va, 0, 1, w2);
	/* Unmap. */
	*s = 0;
	unfenced("unmapped, no fence: the old page or a page fault", ld_quiet, va, w2, w2,
		 CAUSE_LOAD_PAGE_FAULT);
	pt_sfence_va(va);
	expect_fault("unmapped, fenced", A_LD, va, CAUSE_LOAD_PAGE_FAULT, NO_ALT, 0);
	/* Map again without a fence: a page fault or the page, either is allowed. */
	*s = pt_pte((unsigned long)pat[1], KRWX);
	unfenced("mapped again, no fence: a page fault or the page", ld_quiet, va, w1, w1,
		 CAUSE_LOAD_PAGE_FAULT);
	pt_sfence_va(va);
	expect_ok("mapped again, fenced", A_LD, va, 0, 1, w1);
	/* Permission downgrade: RW -> R. */
	expect_ok("RW page: AMO", A_AMO, va, 0, 1, w1);
	*s = pt_pte((unsigned long)pat[1], PTE_V | PTE_R | PTE_A | PTE_D);
	unfenced("made read-only, no fence: the AMO works or faults", pt_amo, va, w1, w1,
		 CAUSE_STORE_PAGE_FAULT);
	pt_sfence_va(va);
	expect_fault("made read-only, fenced", A_AMO, va, CAUSE_STORE_PAGE_FAULT, NO_ALT, 0);
	/* Clear D: after the fence a store sets it again. */
	*s = pt_pte((unsigned long)pat[1], PTE_V | PTE_R | PTE_W | PTE_A);
	pt_sfence_va(va);
	expect_ok("D cleared, fenced: AMO", A_AMO, va, 0, 1, w1);
	check(*s & PTE_D, "the store set D again");
	*s = pt_pte((unsigned long)pat[1], PTE_V | PTE_R | PTE_W);
	pt_sfence_va(va);
	expect_ok("A cleared, fenced: load", A_LD, va, 0, 1, w1);
	check((*s & (PTE_A | PTE_D)) == PTE_A, "the load set A, not D");
	unmap(s);

	/* Another ASID: its tables change while it does not run. */
	unsigned long *other = pt_new_space(levels, 1);
	unsigned long *os = pt_map(other, levels, va, (unsigned long)pat[4], 0, KRWX);
	unsigned long mine = csr_read(CSR_SATP);
	unsigned long theirs = pt_satp(cur_mode, 2, other);
	pt_sfence_asid(2);
	csr_write(CSR_SATP, theirs);
	expect_ok("ASID 2: pattern page 4", A_LD, va, 0, 1, pat64(4, 0));
	csr_write(CSR_SATP, mine);
	*os = pt_pte((unsigned long)pat[5], KRWX);
	pt_sfence_asid(2);		/* from ASID 0, for ASID 2 */
	csr_write(CSR_SATP, theirs);
	expect_ok("ASID 2 remapped and fenced by ASID: page 5", A_LD, va, 0, 1, pat64(5, 0));
	*os = pt_pte((unsigned long)pat[6], KRWX);
	pt_sfence_va_asid(va, 2);
	expect_ok("ASID 2 remapped, fenced by va+ASID: page 6", A_LD, va, 0, 1, pat64(6, 0));
	csr_write(CSR_SATP, mine);
	expect_fault("ASID 0 never mapped it", A_LD, va, CAUSE_LOAD_PAGE_FAULT, NO_ALT, 0);

	/* A global mapping: an ASID fence need not flush it, a va fence must. */
	s = leaf(va + 0x1000, (unsigned long)pat[6], 0, KRWX | PTE_G);
	expect_ok("global: pattern page 6", A_LD, va + 0x1000, 0, 1, pat64(6, 0));
	*s = pt_pte((unsigned long)pat[7], KRWX | PTE_G);
	pt_sfence_asid(0);
	unfenced("global remapped, ASID fence: the old or the new page", ld_quiet, va + 0x1000,
		 pat64(6, 0), pat64(7, 0), 0);
	pt_sfence_va(va + 0x1000);
	expect_ok("global remapped, va fence: page 7", A_LD, va + 0x1000, 0, 1, pat64(7, 0));
	unmap(s);
}

/* ---- The PTE storm ---------------------------------------------------------------------------- */
static uint64_t rng = 0x9e3779b97f4a7c15UL;

/* The storm's random numbers: lib's xorshift64* (guest.h) on rng. */
static uint64_t rnd(void)
{
	return rand_next(&rng);
}

static unsigned rndn(unsigned n)
{
	return rand_below(&rng, n);
}

static uint64_t hash = 0xcbf29ce484222325UL;

static void mix(uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		hash ^= (v >> (8 * i)) & 0xff;
		hash *= 0x100000001b3UL;
	}
}

#define STORM_DYN  4		/* L1 slots 0-3: L0 tables the storm rewrites */
#define STORM_L1   16		/* L1 slots 4-15: random 2 MiB entries */
#define STORM_IDX  32		/* L0 entries used in each table */
static unsigned long *storm_l1, *storm_dyn[STORM_DYN], *storm_st[2];

/* Random low bits of a leaf: V, any of R/W/X (W-only encodings included),
 * U, G, A, D. */
static unsigned long rnd_flags(void)
{
	unsigned long f = PTE_V | (rnd() & (PTE_R | PTE_W | PTE_X | PTE_U | PTE_G | PTE_A | PTE_D));
	if (rndn(2))	/* half of them allow everything (U or not) */
		f |= PTE_R | PTE_W | PTE_X;
	if (!(f & (PTE_R | PTE_W | PTE_X)))
		f |= PTE_R;
	return f;
}

static unsigned long rnd_l0_pte(void)
{
	unsigned r = rndn(100);
	if (r < 50)
		return pt_pte((unsigned long)pat[rndn(NPAT)], rnd_flags());
	if (r < 65)
		return pt_pte((unsigned long)big[rndn(512)], rnd_flags());
	if (r < 75)
		return pt_pte(ram_end + PAGE_SIZE * rndn(64), rnd_flags());
	if (r < 80)
		return pt_pte(FAR_PA + PAGE_SIZE * rndn(64), rnd_flags());
	if (r < 85)
		return rnd() & ~PTE_V;				/* invalid, junk */
	if (r < 90)					/* reserved bits 54-63 */
		return pt_pte((unsigned long)pat[rndn(NPAT)], rnd_flags()) | 1UL << (54 + rndn(10));
	if (r < 95)					/* non-leaf at level 0 */
		return pt_pte((unsigned long)pat[rndn(NPAT)], PTE_V | (rnd() & (PTE_G | 3UL << 8)));
	return pt_pte((unsigned long)pat[rndn(NPAT)], rnd_flags()) | (rnd() & (3UL << 8));
}

static unsigned long rnd_l1_pte(void)
{
	unsigned r = rndn(100);
	if (r < 30)
		return pt_pte((unsigned long)big, rnd_flags());		/* 2 MiB leaf */
	if (r < 40)
		return pt_pte((unsigned long)big + PAGE_SIZE * (1 + rndn(511)), rnd_flags());
	if (r < 50)
		return pt_pte(ram_end + 0x200000 * rndn(8), rnd_flags());	/* no memory */
	if (r < 75)
		return pt_pte((unsigned long)storm_st[rndn(2)], PTE_V);	/* non-leaf */
	if (r < 85)		/* non-leaf with reserved A/D/U or high bits */
		return pt_pte((unsigned long)storm_st[rndn(2)], PTE_V) |
		       (rndn(2) ? (rnd() & (PTE_A | PTE_D | PTE_U)) | PTE_A : 1UL << (54 + rndn(10)));
	return rnd() & ~PTE_V;
}

/* The PTE that decides the translation of va (in the storm's 1 GiB), or NULL. */
static unsigned long *storm_leaf(unsigned long va)
{
	unsigned s = (va - VA_STORM) >> 21, i = (va >> 12) & 511;
	unsigned long e = storm_l1[s];
	if (!(e & PTE_V) || (e & (PTE_R | PTE_W | PTE_X)))
		return &storm_l1[s];
	return (unsigned long *)pt_pte_pa(e) + i;
}

static void test_storm(int writes, int accesses_per_write)
{
	/*
	 * Stores are plain sd (of the address itself) to the first half of a
	 * page, fetches run the pattern code in the second half (which stores
	 * never change).  No AMOs: on a readable page that is not writable,
	 * QEMU makes the AMO's read first, so it sets A and reports an access
	 * fault where the spec says page fault, without A.
	 */
	static const enum acc accs[] = { A_LD, A_SD, A_FETCH, A_ULD, A_USD, A_UFETCH };
	unsigned long counts[16] = { 0 }, nok = 0;
	unsigned long saved = csr_read(CSR_SSTATUS) & (SSTATUS_SUM | SSTATUS_MXR);

	cprintf("-- %s: random PTE storm (%d PTE writes, %d accesses)\n", pt_mode_name(cur_mode),
		writes, writes * accesses_per_write);
	storm_l1 = pt_slot(root, levels, VA_STORM, 1);
	for (int k = 0; k < STORM_DYN; k++) {
		storm_dyn[k] = pt_alloc();
		storm_l1[k] = pt_pte((unsigned long)storm_dyn[k], PTE_V);
	}
	for (int k = 0; k < 2; k++) {
		storm_st[k] = pt_alloc();
		for (int i = 0; i < STORM_IDX; i++)
			storm_st[k][i] = rnd_l0_pte();
	}
	for (int k = STORM_DYN; k < STORM_L1; k++)
		storm_l1[k] = rnd_l1_pte();
	fence_all();

	for (int n = 0; n < writes; n++) {
		/* One change, then the fence that makes it visible. */
		if (rndn(4)) {
			unsigned k = rndn(STORM_DYN), i = rndn(STORM_IDX);
			storm_dyn[k][i] = rnd_l0_pte();
			pt_sfence_va(VA_STORM + (unsigned long)k * 0x200000 + (unsigned long)i * PAGE_SIZE);
		} else {
			storm_l1[STORM_DYN + rndn(STORM_L1 - STORM_DYN)] = rnd_l1_pte();
			fence_all();
		}
		for (int j = 0; j < accesses_per_write; j++) {
			unsigned s = rndn(STORM_L1), i = rndn(STORM_IDX);
			enum acc a = accs[rndn(6)];
			unsigned long off = acc_kind[a] == 2 ? 2048 + 4 * rndn(512) :
					    acc_kind[a] == 1 ? 8 * rndn(256) : 8 * rndn(512);
			unsigned long va = VA_STORM + (unsigned long)s * 0x200000 +
					   (unsigned long)i * PAGE_SIZE + off;
			unsigned long st = rnd() & (SSTATUS_SUM | SSTATUS_MXR);
			struct trap_record t;

			csr_clear(CSR_SSTATUS, SSTATUS_SUM | SSTATUS_MXR);
			csr_set(CSR_SSTATUS, st);
			unsigned long v = access(a, va, n, &t);
			csr_clear(CSR_SSTATUS, SSTATUS_SUM | SSTATUS_MXR);
			unsigned long *pte = storm_leaf(va);
			mix(a);
			mix(va - VA_STORM);
			mix(st);
			if (t.taken) {
				mix(t.scause);
				mix(t.stval - VA_STORM);
				mix(t.sepc == acc_fn(a, va));
				counts[t.scause & 15]++;
			} else {
				mix(v);
				nok++;
			}
			mix(*pte & (PTE_A | PTE_D));
		}
	}
	csr_set(CSR_SSTATUS, saved);
	cprintf("storm %s: %lu ok, load AF %lu, store AF %lu, fetch AF %lu, load PF %lu, "
		"store PF %lu, fetch PF %lu, other %lu\n", pt_mode_name(cur_mode), nok,
		counts[5], counts[7], counts[1], counts[13], counts[15], counts[12],
		(unsigned long)writes * accesses_per_write - nok - counts[5] - counts[7] - counts[1] -
		counts[13] - counts[15] - counts[12]);
	cprintf("storm %s: hash 0x%016lx\n", pt_mode_name(cur_mode), (unsigned long)hash);
	check(counts[5] + counts[7] + counts[1] + counts[13] + counts[15] + counts[12] + nok ==
	      (unsigned long)writes * accesses_per_write, "storm: only access and page faults");
	/* Leave the storm's 1 GiB empty and the pattern pages as they were. */
	fill_all_patterns();
	*pt_slot(root, levels, VA_STORM, 2) = 0;
	fence_all();
}

/* ---- Just below the top 1 GiB -------------------------------------------------------------------- */
static void test_below_window(void)
{
	unsigned long *s1, *s2, *s3 = 0;

	cprintf("-- %s: the addresses just below the top 1 GiB\n", pt_mode_name(cur_mode));
	s1 = leaf(VA_BELOW_WINDOW, (unsigned long)pat[6], 0, KRWX);
	s2 = leaf(0xffffffffbffff000UL, (unsigned long)pat[7], 0, URWX);
	expect_ok("0xffffffff80000000 -> page 6", A_LD, VA_BELOW_WINDOW + 0x10, 0, 1,
		  pat64(6, 16));
	expect_ok("0xffffffff80000000 -> page 6", A_AMO, VA_BELOW_WINDOW + 0x18, 0, 1,
		  pat64(6, 24));
	expect_ok("0xffffffff80000000 -> page 6", A_FETCH, VA_BELOW_WINDOW + 0xff0, 1, 1,
		  pat_fetch_result(6, 0xff0, 1));
	expect_ok("0xffffffffbffff000 -> page 7 (U)", A_ULD, 0xffffffffbffffff8UL, 0, 1,
		  pat64(7, 4088));
	expect_ok("0xffffffffbffff000 -> page 7 (U)", A_UFETCH, 0xffffffffbffff800UL, 2, 1,
		  pat_fetch_result(7, 0x800, 2));
	expect_fault("0xffffffffbffff000 (U page) from S", A_FETCH, 0xffffffffbffff800UL,
		     CAUSE_FETCH_PAGE_FAULT, NO_ALT, 0);
	if (cur_mode == SATP_MODE_SV48) {
		s3 = leaf(0xffff800000000000UL, (unsigned long)pat[5], 0, KRWX);
		expect_ok("0xffff800000000000 -> page 5", A_LD, 0xffff800000000008UL, 0, 1,
			  pat64(5, 8));
	}
	unmap(s1);
	unmap(s2);
	if (s3)
		unmap(s3);
	expect_fault("0xffffffff80000000 unmapped again", A_LD, VA_BELOW_WINDOW + 0x10,
		     CAUSE_LOAD_PAGE_FAULT, NO_ALT, 0);
	if (cur_mode == SATP_MODE_SV48) {
		/* A 512 GiB leaf in the root slot that also holds the top 1 GiB:
		 * PA 0 and up, used only below the top 1 GiB. */
		unsigned long base = 0xffffff8000000000UL;
		s1 = pt_slot(root, levels, base, 3);
		unsigned long old = *s1;
		*s1 = pt_pte(0, KRWX);
		fence_all();
		expect_ok("512 GiB leaf at 0xffffff8000000000: marker", A_LD,
			  base + (unsigned long)&marker, 0, 1, marker);
		expect_ok("512 GiB leaf at 0xffffff8000000000: UART SCR", A_LBU,
			  base + UART_PA + UART_SCR, 0, 1, 0x7);
		pt_sfence_va(base + (unsigned long)&marker);
		expect_ok("... after a va fence: marker", A_LD, base + (unsigned long)&marker, 0, 1,
			  marker);
		expect_fault("512 GiB leaf: RAM's end", A_LD, base + ram_end, CAUSE_LOAD_ACCESS, NO_ALT, 1);
		*s1 = old;
		fence_all();
		expect_fault("512 GiB leaf removed", A_LD, base + (unsigned long)&marker,
			     CAUSE_LOAD_PAGE_FAULT, NO_ALT, 0);
	}
}

/* ---- main ---------------------------------------------------------------------------------- */
int main(void)
{
	struct sbiret r;

	test_begin("hostile_paging");
	r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID);
	under_umbra = r.value == (long)SBI_IMPL_UMBRA;
	if (!fdt_ram(boot_dtb, &ram_base, &ram_size) || ram_base != PT_RAM_BASE) {
		cprintf("no /memory node at 0x80000000 in the device tree\n");
		test_failures++;
		test_end();
	}
	ram_end = ram_base + ram_size;
	last_word_pa = ram_end - 8;
	cprintf("RAM: %lu MiB at 0x%lx (device tree)\n", ram_size >> 20, ram_base);
	fill_all_patterns();
	test_bare();

	pt_pool_init(pool, sizeof(pool));
	pt_install_trap_entry();
	for (int m = 0; m < 2; m++) {
		cur_mode = m ? SATP_MODE_SV48 : SATP_MODE_SV39;
		levels = pt_levels(cur_mode);
		root = pt_new_space(levels, 1);
		pt_switch(pt_satp(cur_mode, 0, root));
		test_tables_outside();
		test_leaves();
		test_straddle();
		test_reserved();
		test_self();
		test_nosfence();
		test_storm(1000, 3);
		test_below_window();
		pt_switch(0);
	}
	test_end();
}
