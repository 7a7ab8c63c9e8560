/*
 * paging_sfence - changing page tables under a running hart, and what
 * sfence.vma (by address, by ASID, both, all) guarantees afterwards.
 *
 * Only what the spec guarantees is printed: a read after a PTE write is
 * printed only once a fence that covers that PTE (or an address-space
 * switch to tables that were fenced since their last change) has run
 * between the write and the read.
 *
 *  - 4 KiB page: remap + sfence.vma va; + sfence.vma (all); + sfence.vma
 *    va, asid; + sfence.vma zero, asid; fence by another address in the
 *    same page; unmap (V=0) then fault, map again; permission downgrade
 *    (store faults) and upgrade; the same from U-mode;
 *  - 2 MiB leaf: repoint it and fence one address inside: every address
 *    in the superpage sees the new frame; split it into 4 KiB pages (one
 *    different) and merge it back, with full fences;
 *  - two Sv39 address spaces (ASID 1, 2) and one Sv48 (ASID 3), the same
 *    VA mapping different frames: switch back and forth without fences;
 *    change the other space's PTE and fence by its ASID (or by address
 *    and ASID, or by address for all ASIDs) before switching to it;
 *    a global mapping changed in both and fenced by address;
 *  - satp's ASID field (how many bits are writable).
 */
#include <stdio.h>
#include "../lib/pt.h"

#define VA_P   0x40000000UL	/* the 4 KiB page being remapped */
#define VA_PU  0x40010000UL	/* the same, U=1, read from U-mode */
#define VA_S   0x40200000UL	/* the 2 MiB leaf */
#define VA_X   0x40400000UL	/* same VA, different frame per address space */
#define VA_G   0x40600000UL	/* a global mapping, in every address space */
#define N_FRAMES 12

static char pool[40 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
/* Frames with known contents: word i of frame f = 0xf0000 + f << 32 | 8 * i. */
static unsigned long frames[N_FRAMES][PAGE_SIZE / 8] __attribute__((aligned(PAGE_SIZE)));
/* Two 2 MiB regions for the superpage: word at offset o = 0x5e0 + r << 32 | o. */
static unsigned long big[2][PT_2M / 8] __attribute__((aligned(PT_2M)));

#define F(n) ((unsigned long)frames[n])
#define KRW (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define URW (KRW | PTE_U)

static unsigned long rd(unsigned long va)
{
	return *(volatile unsigned long *)va;
}

/* Which frame (or superpage region) a value came from. */
static const char *whence(unsigned long v)
{
	static char b[4][40];
	static unsigned n;
	char *s = b[n++ % 4];
	unsigned long tag = v >> 32;

	if (tag >= 0xf0000 && tag < 0xf0000 + N_FRAMES)
		snprintf(s, 40, "frame %lu +0x%lx", tag - 0xf0000, v & 0xffffffff);
	else if (tag == 0x5e0 || tag == 0x5e1)
		snprintf(s, 40, "2M region %lu +0x%lx", tag - 0x5e0, v & 0xffffffff);
	else
		snprintf(s, 40, "?? 0x%lx", v);
	return s;
}

static void expect_read(const char *what, unsigned long va, unsigned long want)
{
	unsigned long v = rd(va);

	cprintf("%-44s 0x%lx: %s\n", what, va, whence(v));
	check(v == want, "%s: reads %s", what, whence(want));
}

static unsigned long word(int f, unsigned long off)
{
	return frames[f][off / 8];
}

static unsigned long bigword(int r, unsigned long off)
{
	return big[r][off / 8];
}

/* ---- One 4 KiB page --------------------------------------------------------------- */
static void test_page(unsigned long *pte, unsigned long asid)
{
	cprintf("-- 4 KiB page\n");
	expect_read("initial mapping", VA_P + 0x10, word(0, 0x10));

	*pte = pt_pte(F(1), KRW);
	pt_sfence_va(VA_P);
	expect_read("remap, sfence.vma va", VA_P + 0x10, word(1, 0x10));

	*pte = pt_pte(F(2), KRW);
	pt_sfence_all();
	expect_read("remap, sfence.vma (all)", VA_P + 0x18, word(2, 0x18));

	*pte = pt_pte(F(3), KRW);
	pt_sfence_va_asid(VA_P, asid);
	expect_read("remap, sfence.vma va, asid", VA_P + 0x20, word(3, 0x20));

	*pte = pt_pte(F(4), KRW);
	pt_sfence_asid(asid);
	expect_read("remap, sfence.vma zero, asid", VA_P + 0x28, word(4, 0x28));

	*pte = pt_pte(F(5), KRW);
	pt_sfence_va(VA_P + 0xff8);
	expect_read("remap, sfence.vma other va in the page", VA_P + 0x30, word(5, 0x30));

	*pte = pt_pte(F(5), KRW & ~PTE_V);
	pt_sfence_va(VA_P);
	pt_try("unmap (V=0), sfence.vma va: ld", 0, (unsigned long)pt_ld, VA_P + 0x38,
	       CAUSE_LOAD_PAGE_FAULT, VA_P + 0x38, 0);
	*pte = pt_pte(F(6), KRW);
	pt_sfence_va(VA_P);
	expect_read("map again, sfence.vma va", VA_P + 0x38, word(6, 0x38));

	*pte = pt_pte(F(6), PTE_V | PTE_R | PTE_A | PTE_D);
	pt_sfence_va(VA_P);
	pt_try("make read-only, sfence.vma va: sd", 0, (unsigned long)pt_sd, VA_P + 0x40,
	       CAUSE_STORE_PAGE_FAULT, VA_P + 0x40, 0);
	expect_read("  (still readable)", VA_P + 0x40, word(6, 0x40));
	*pte = pt_pte(F(6), KRW);
	pt_sfence_va(VA_P);
	pt_try("make writable, sfence.vma va: sd", 0, (unsigned long)pt_sd, VA_P + 0x40,
	       PT_NO_TRAP, 0, 0);
	expect_read("  (the store landed)", VA_P + 0x40, VA_P + 0x40);
	frames[6][0x40 / 8] = 0xf0006UL << 32 | 0x40;
}

static void test_user_page(unsigned long *pte)
{
	unsigned long v;
	struct trap_record t;

	cprintf("-- 4 KiB U page, read from U-mode\n");
	v = pt_run_user(pt_ustub(pt_ld), VA_PU + 8, &t);
	cprintf("U read 0x%lx: %s\n", VA_PU + 8, t.taken ? "trap" : whence(v));
	check(!t.taken && v == word(7, 8), "U: initial mapping");
	*pte = pt_pte(F(8), URW);
	pt_sfence_va(VA_PU);
	v = pt_run_user(pt_ustub(pt_ld), VA_PU + 8, &t);
	cprintf("remap, sfence.vma va; U read: %s\n", t.taken ? "trap" : whence(v));
	check(!t.taken && v == word(8, 8), "U: remap, sfence.vma va");
	*pte = pt_pte(F(8), URW & ~PTE_U);
	pt_sfence_va(VA_PU);
	pt_try("clear U, sfence.vma va: U ld", 1, pt_ustub(pt_ld), VA_PU + 8,
	       CAUSE_LOAD_PAGE_FAULT, VA_PU + 8, 0);
	*pte = pt_pte(F(7), URW);
	pt_sfence_all();
	v = pt_run_user(pt_ustub(pt_ld), VA_PU + 8, &t);
	cprintf("set U, remap, sfence.vma; U read: %s\n", t.taken ? "trap" : whence(v));
	check(!t.taken && v == word(7, 8), "U: set U again, sfence.vma");
}

/* ---- A 2 MiB leaf ------------------------------------------------------------------- */
static const unsigned long sp_offs[] = { 0x0, 0x123450, 0x1ffff8 };

static void read_super(const char *what, int region, unsigned long special_page,
		       int special_frame)
{
	for (unsigned i = 0; i < 3; i++) {
		unsigned long off = sp_offs[i];
		unsigned long want = (off >> PAGE_SHIFT) == special_page ?
			word(special_frame, off & (PAGE_SIZE - 1)) : bigword(region, off);
		char buf[64];

		snprintf(buf, sizeof(buf), "%s, +0x%lx", what, off);
		expect_read(buf, VA_S + off, want);
	}
}

static void test_superpage(unsigned long *root, int levels)
{
	unsigned long *l1 = pt_slot(root, levels, VA_S, 1), *l0;

	cprintf("-- 2 MiB leaf\n");
	read_super("initial", 0, ~0UL, 0);
	*l1 = pt_pte((unsigned long)big[1], KRW | PTE_X);
	pt_sfence_va(VA_S + 0x123450);
	read_super("repoint, sfence.vma +0x123450", 1, ~0UL, 0);

	/* Split into 4 KiB pages of region 0, page 0x123 -> frame 9. */
	l0 = pt_alloc();
	for (unsigned i = 0; i < 512; i++)
		l0[i] = pt_pte((unsigned long)big[0] + i * PAGE_SIZE, KRW);
	l0[0x123] = pt_pte(F(9), KRW);
	*l1 = pt_pte((unsigned long)l0, PTE_V);
	pt_sfence_all();
	read_super("split (page 0x123 -> frame 9), sfence.vma", 0, 0x123, 9);

	/* And one of the 4 KiB pages changes. */
	l0[0x123] = pt_pte(F(10), KRW);
	pt_sfence_va(VA_S + 0x123000);
	read_super("4K remap inside, sfence.vma va", 0, 0x123, 10);

	/* Merge back into one leaf. */
	*l1 = pt_pte((unsigned long)big[1], KRW);
	pt_sfence_all();
	read_super("merge into a leaf again, sfence.vma", 1, ~0UL, 0);
}

/* ---- Address spaces ------------------------------------------------------------------- */
static unsigned long satp_a, satp_b, satp_c;

static void in(unsigned long satp, const char *name, unsigned long want)
{
	char buf[48];

	csr_write(CSR_SATP, satp);	/* no fence: the tables were fenced */
	snprintf(buf, sizeof(buf), "in %s", name);
	expect_read(buf, VA_X + 0x48, want);
}

static void test_asids(unsigned long *pa, unsigned long *pb, unsigned long *pc)
{
	unsigned long *xa = pt_slot(pa, 3, VA_X, 0), *xb = pt_slot(pb, 3, VA_X, 0);
	unsigned long *xc = pt_slot(pc, 4, VA_X, 0);

	cprintf("-- address spaces: A (Sv39, ASID 1), B (Sv39, ASID 2), C (Sv48, ASID 3)\n");
	in(satp_a, "A", word(0, 0x48));
	in(satp_b, "B", word(1, 0x48));
	in(satp_a, "A again", word(0, 0x48));
	in(satp_c, "C", word(2, 0x48));
	in(satp_b, "B again", word(1, 0x48));
	in(satp_c, "C again", word(2, 0x48));
	in(satp_a, "A again", word(0, 0x48));

	cprintf("in A: B's PTE -> frame 3, sfence.vma zero, 2\n");
	*xb = pt_pte(F(3), KRW);
	pt_sfence_asid(2);
	expect_read("  A unchanged", VA_X + 0x48, word(0, 0x48));
	in(satp_b, "B", word(3, 0x48));

	cprintf("in B: A's PTE -> frame 4, sfence.vma va, 1\n");
	*xa = pt_pte(F(4), KRW);
	pt_sfence_va_asid(VA_X, 1);
	expect_read("  B unchanged", VA_X + 0x48, word(3, 0x48));
	in(satp_a, "A", word(4, 0x48));

	cprintf("in A: C's PTE -> frame 5, sfence.vma va (all ASIDs)\n");
	*xc = pt_pte(F(5), KRW);
	pt_sfence_va(VA_X);
	in(satp_c, "C", word(5, 0x48));

	cprintf("in C: own PTE -> frame 6, sfence.vma zero, 3\n");
	*xc = pt_pte(F(6), KRW);
	pt_sfence_asid(3);
	expect_read("  C", VA_X + 0x48, word(6, 0x48));
	in(satp_b, "B", word(3, 0x48));
	in(satp_a, "A", word(4, 0x48));
	in(satp_c, "C", word(6, 0x48));
	in(satp_a, "A", word(4, 0x48));
}

static void test_global(unsigned long *pa, unsigned long *pb, unsigned long *pc)
{
	unsigned long *ga = pt_slot(pa, 3, VA_G, 0), *gb = pt_slot(pb, 3, VA_G, 0);
	unsigned long *gc = pt_slot(pc, 4, VA_G, 0);

	cprintf("-- a global mapping (G=1), the same in A, B and C\n");
	csr_write(CSR_SATP, satp_a);
	expect_read("in A", VA_G + 0x50, word(11, 0x50));
	csr_write(CSR_SATP, satp_b);
	expect_read("in B", VA_G + 0x50, word(11, 0x50));
	*ga = *gb = *gc = pt_pte(F(10), KRW | PTE_G);
	pt_sfence_va(VA_G);
	expect_read("all -> frame 10, sfence.vma va; in B", VA_G + 0x50, word(10, 0x50));
	csr_write(CSR_SATP, satp_c);
	expect_read("in C", VA_G + 0x50, word(10, 0x50));
	csr_write(CSR_SATP, satp_a);
	expect_read("in A", VA_G + 0x50, word(10, 0x50));
	*ga = *gb = *gc = pt_pte(F(11), KRW | PTE_G);
	pt_sfence_all();
	expect_read("all -> frame 11, sfence.vma; in A", VA_G + 0x50, word(11, 0x50));
}

static void test_satp_asid(unsigned long *pa)
{
	unsigned long s, want = pt_satp(SATP_MODE_SV39, 0xffff, pa);

	cprintf("-- satp ASID field\n");
	s = csr_write_read(CSR_SATP, want);
	pt_sfence_all();
	cprintf("wrote ASID 0xffff, read back ASID 0x%lx, mode %lu, PPN %s\n",
		(s & SATP_ASID) >> SATP_ASID_SHIFT, s >> SATP_MODE_SHIFT,
		(s & SATP_PPN) == ((unsigned long)pa >> PAGE_SHIFT) ? "as written" : "other");
	check((s & ~SATP_ASID) == (want & ~SATP_ASID), "mode and PPN kept");
	expect_read("with that ASID", VA_X + 0x48, word(4, 0x48));
}

int main(void)
{
	unsigned long *pa, *pb, *pc, *pte, *ptu;

	test_begin("paging_sfence");
	pt_pool_init(pool, sizeof(pool));
	for (int f = 0; f < N_FRAMES; f++)
		for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
			frames[f][i] = (0xf0000UL + f) << 32 | 8 * i;
	for (int r = 0; r < 2; r++)
		for (unsigned i = 0; i < PT_2M / 8; i++)
			big[r][i] = (0x5e0UL + r) << 32 | 8 * i;

	pa = pt_new_space(3, 1);
	pte = pt_map(pa, 3, VA_P, F(0), 0, KRW);
	ptu = pt_map(pa, 3, VA_PU, F(7), 0, URW);
	pt_map(pa, 3, VA_S, (unsigned long)big[0], 1, KRW | PTE_X);
	pt_map(pa, 3, VA_X, F(0), 0, KRW);
	pt_map(pa, 3, VA_G, F(11), 0, KRW | PTE_G);
	pb = pt_new_space(3, 0);
	pt_map(pb, 3, VA_X, F(1), 0, KRW);
	pt_map(pb, 3, VA_G, F(11), 0, KRW | PTE_G);
	pc = pt_new_space(4, 0);
	pt_map(pc, 4, VA_X, F(2), 0, KRW);
	pt_map(pc, 4, VA_G, F(11), 0, KRW | PTE_G);
	satp_a = pt_satp(SATP_MODE_SV39, 1, pa);
	satp_b = pt_satp(SATP_MODE_SV39, 2, pb);
	satp_c = pt_satp(SATP_MODE_SV48, 3, pc);
	pt_install_trap_entry();

	pt_switch(satp_a);
	test_page(pte, 1);
	test_user_page(ptu);
	test_superpage(pa, 3);
	test_asids(pa, pb, pc);
	test_global(pa, pb, pc);
	test_satp_asid(pa);
	pt_switch(0);
	test_end();
}
