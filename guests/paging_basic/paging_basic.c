/*
 * paging_basic - turning Sv39 / Sv48 translation on and what a walk does
 * with each kind of PTE.
 *
 * For each mode:
 *  - paging is turned on the way Linux does it: executing at the physical
 *    address (not mapped 1:1 in the first table), stvec = the virtual
 *    address of the instruction after the satp write; that fetch takes a
 *    fetch page fault, delivered to the virtual stvec;
 *  - C code then runs from the high-half alias of the image
 *    (0xffffffff80200000, a 2 MiB leaf);
 *  - data is read (and code fetched) through 4 KiB, 2 MiB, 1 GiB and,
 *    in Sv48, 512 GiB leaves; a write through one alias is read through
 *    another;
 *  - a walk faults on: misaligned superpages (2 MiB, 1 GiB, 512 GiB),
 *    the reserved encodings W without R (-W- and -WX), a leaf with V=0,
 *    an invalid non-leaf PTE, a pointer (V=1, RWX=0) at the last level.
 */
#include <stdio.h>
#include "../lib/pt.h"

#define HIGH_OFF   (0xffffffff80000000UL - PT_RAM_BASE)	/* high alias - PA */
#define HIGH_IMAGE 0xffffffff80200000UL
#define VA_4K      0x40001000UL	/* 4 KiB leaf -> data_page */
#define VA_4K_CODE 0x40010000UL	/* 4 KiB leaves -> the page(s) holding pt_ld */
#define VA_RES_W   0x40002000UL	/* -W- leaf (reserved) */
#define VA_RES_WX  0x40003000UL	/* -WX leaf (reserved) */
#define VA_INVAL   0x40004000UL	/* leaf with V=0 */
#define VA_PTR_L0  0x40005000UL	/* V=1, RWX=0 at level 0 */
#define VA_MIS_2M  0x40400000UL	/* 2 MiB leaf with PPN[0] != 0 */
#define VA_HOLE_L1 0x40600000UL	/* level-1 PTE with V=0 (and junk) */
#define VA_HOLE_L2 0x200000000UL	/* top-level (Sv39) / level-2 PTE all zero */
#define VA_RES_BITS 0x40020000UL	/* + bit * 4 KiB: leaf with a reserved bit set */
#define VA_NONLEAF_UAD 0x40800000UL	/* + i * 2 MiB: non-leaf PTE with U, A or D */
#define VA_1G      0x100000000UL	/* 1 GiB leaf -> PT_RAM_BASE */
#define VA_MIS_1G  0x140000000UL	/* 1 GiB leaf with PPN[1] != 0 */
#define VA_512G    0x8000000000UL	/* Sv48: 512 GiB leaf -> PA 0 */
#define VA_MIS_512G 0x10000000000UL	/* Sv48: 512 GiB leaf -> PT_RAM_BASE */

static char pool[48 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static unsigned long data_page[PAGE_SIZE / 8] __attribute__((aligned(PAGE_SIZE)));
volatile unsigned long magic = 0x6d61676963303031UL;	/* "magic001" */
volatile unsigned long alias_word;
static const unsigned res_bits[] = { 54, 59, 60, 61, 62, 63 };

/*
 * pt_linux_on(satp_high, satp_full, out): stvec = the high alias of the
 * label after the satp write, satp = satp_high (maps only the high alias),
 * and the fetch of that label at its physical address faults to stvec.
 * There, record scause/sepc/stval, the pc (auipc) and satp, then switch
 * to satp_full (which maps both) and return to the physical caller.
 */
unsigned long pt_linux_on(unsigned long, unsigned long, unsigned long *);
extern char linux_landing[];
asm(".text\n.balign 4\n.globl pt_linux_on\npt_linux_on:\n"
    ".option push\n.option norvc\n.option norelax\n"
    "lla t0, linux_landing\n"
    "li t1, 0xffffffff80000000 - 0x80000000\n"
    "add t0, t0, t1\n"
    "csrw " STR(CSR_STVEC) ", t0\n"
    "sfence.vma\n"
    "csrw " STR(CSR_SATP) ", a0\n"
    ".globl linux_landing\nlinux_landing:\n"
    "csrr t1, " STR(CSR_SCAUSE) "\n"
    "csrr t2, " STR(CSR_SEPC) "\n"
    "csrr t3, " STR(CSR_STVAL) "\n"
    "auipc t4, 0\n"
    "csrr t5, " STR(CSR_SATP) "\n"
    "csrw " STR(CSR_SATP) ", a1\n"
    "sfence.vma\n"
    "sd t1, 0(a2)\nsd t2, 8(a2)\nsd t3, 16(a2)\nsd t4, 24(a2)\nsd t5, 32(a2)\n"
    "ret\n"
    ".option pop\n");

/* Run from the high alias: their pc and PC-relative addresses are high. */
TRAP_FN(hi_pc, ".option norelax\nauipc a0, 0");
TRAP_FN(hi_magic_addr, ".option norelax\nlla a0, magic");

static unsigned long rd(unsigned long va)
{
	return *(volatile unsigned long *)va;
}

static void linux_style_on(unsigned long mode, unsigned long *high_only,
			   unsigned long *full)
{
	unsigned long out[5], s1 = pt_satp(mode, 0, high_only), s2 = pt_satp(mode, 0, full);
	unsigned long land_va = (unsigned long)linux_landing + HIGH_OFF;

	cprintf("-- %s: turn on like Linux (stvec = high alias of the next insn)\n",
		pt_mode_name(mode));
	pt_linux_on(s1, s2, out);
	pt_install_trap_entry();
	cprintf("landed: scause=%lu (%s) sepc=%s stval=%s\n", out[0],
		pt_cause_name(out[0]), addr_str(out[1]), addr_str(out[2]));
	cprintf("landed: pc=%s, satp=%s\n",
		out[3] == land_va + 12 ? "high alias of landing + 12" : addr_str(out[3]),
		out[4] == s1 ? "as written" : "other");
	check(out[0] == CAUSE_FETCH_PAGE_FAULT, "first fetch after satp: fetch page fault");
	check(out[1] == (unsigned long)linux_landing && out[2] == out[1],
	      "sepc = stval = physical address of the next instruction");
	check(out[3] == land_va + 12, "trap entered at the virtual stvec");
	check(out[4] == s1, "satp reads back as written (%s, ASID 0)", pt_mode_name(mode));
	check(csr_read(CSR_SATP) == s2, "second satp reads back as written");
}

static void high_half(void)
{
	unsigned long pc = ((trap_fn)((unsigned long)hi_pc + HIGH_OFF))(0);
	unsigned long ma = ((trap_fn)((unsigned long)hi_magic_addr + HIGH_OFF))(0);

	cprintf("hi_pc called at its high alias: pc=%s\n",
		pc == (unsigned long)hi_pc + HIGH_OFF ? "high alias of hi_pc" : addr_str(pc));
	cprintf("lla magic from high alias: %s\n",
		ma == (unsigned long)&magic + HIGH_OFF ? "&magic + high offset" : addr_str(ma));
	check(pc == (unsigned long)hi_pc + HIGH_OFF, "code runs at the high alias");
	check(ma == (unsigned long)&magic + HIGH_OFF, "PC-relative data address is high");
	cprintf("magic via high alias (2 MiB leaf) = 0x%lx\n", rd(ma));
	check(rd(ma) == magic, "read through the 2 MiB leaf");
}

static void leaves(unsigned long mode)
{
	int sv48 = mode == SATP_MODE_SV48;
	unsigned long v, pa_magic = (unsigned long)&magic;
	unsigned long ld_va = VA_4K_CODE + ((unsigned long)pt_ld & (PAGE_SIZE - 1));

	cprintf("-- %s: leaves of every size\n", pt_mode_name(mode));
	v = rd(VA_4K + 0x18);
	cprintf("data_page[3] via 4 KiB leaf 0x%lx = 0x%lx\n", VA_4K + 0x18, v);
	check(v == data_page[3], "read through a 4 KiB leaf");
	v = rd(VA_1G + pa_magic - PT_RAM_BASE);
	cprintf("magic via 1 GiB leaf = 0x%lx\n", v);
	check(v == magic, "read through a 1 GiB leaf");
	if (sv48) {
		v = rd(VA_512G + pa_magic);
		cprintf("magic via 512 GiB leaf = 0x%lx\n", v);
		check(v == magic, "read through a 512 GiB leaf");
	}
	/* A store through one alias is seen through the others. */
	*(volatile unsigned long *)(VA_1G + (unsigned long)&alias_word - PT_RAM_BASE) =
		0x1111000000000000UL | mode;
	v = rd((unsigned long)&alias_word + HIGH_OFF);
	cprintf("stored via 1 GiB leaf, read via high alias: 0x%lx, identity: 0x%lx\n",
		v, alias_word);
	check(v == (0x1111000000000000UL | mode) && alias_word == v,
	      "aliases see the same memory");
	/* Instruction fetch through each size: pt_ld's copies at other VAs. */
	pt_try("fetch+ld via 4 KiB leaf", 0, ld_va, pa_magic, PT_NO_TRAP, 0, &v);
	check(v == magic, "code fetched through a 4 KiB leaf ran");
	pt_try("fetch+ld via 1 GiB leaf", 0,
	       VA_1G + (unsigned long)pt_ld - PT_RAM_BASE, pa_magic, PT_NO_TRAP, 0, &v);
	check(v == magic, "code fetched through a 1 GiB leaf ran");
	pt_try("fetch+ld via high alias", 0, (unsigned long)pt_ld + HIGH_OFF,
	       pa_magic, PT_NO_TRAP, 0, &v);
	check(v == magic, "code fetched through a 2 MiB leaf ran");
	if (sv48) {
		pt_try("fetch+ld via 512 GiB leaf", 0, VA_512G + (unsigned long)pt_ld,
		       pa_magic, PT_NO_TRAP, 0, &v);
		check(v == magic, "code fetched through a 512 GiB leaf ran");
	}
}

static void bad(const char *what, unsigned long va)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "%s: ld", what);
	pt_try(buf, 0, (unsigned long)pt_ld, va, CAUSE_LOAD_PAGE_FAULT, va, 0);
	snprintf(buf, sizeof(buf), "%s: sd", what);
	pt_try(buf, 0, (unsigned long)pt_sd, va, CAUSE_STORE_PAGE_FAULT, va, 0);
	snprintf(buf, sizeof(buf), "%s: fetch", what);
	pt_try(buf, 0, va, 0, CAUSE_FETCH_PAGE_FAULT, va, 0);
}

static void faults(unsigned long mode, unsigned long *root)
{
	int sv48 = mode == SATP_MODE_SV48;
	int levels = pt_levels(mode);

	cprintf("-- %s: PTEs that end a walk with a page fault\n", pt_mode_name(mode));
	cprintf("misaligned 2 MiB leaf PTE %s -> PA 0x%lx\n",
		pt_flags_str(*pt_slot(root, levels, VA_MIS_2M, 1)),
		pt_pte_pa(*pt_slot(root, levels, VA_MIS_2M, 1)));
	bad("misaligned 2 MiB leaf", VA_MIS_2M);
	bad("misaligned 2 MiB leaf +0x1238", VA_MIS_2M + 0x1238);
	bad("misaligned 1 GiB leaf", VA_MIS_1G + 0x200000);
	if (sv48)
		bad("misaligned 512 GiB leaf", VA_MIS_512G + PT_RAM_BASE);
	bad("reserved -W- leaf", VA_RES_W + 8);
	bad("reserved -WX leaf", VA_RES_WX + 16);
	bad("leaf with V=0", VA_INVAL);
	bad("V=1 RWX=0 at level 0", VA_PTR_L0 + 0x20);
	bad("level-1 PTE with V=0", VA_HOLE_L1 + 0x3000);
	bad(sv48 ? "level-2 PTE all zero" : "root PTE all zero", VA_HOLE_L2);
	/*
	 * Bits 63:54 of a PTE are reserved (no Svpbmt, no Svnapot here), and
	 * so are D, A and U in a non-leaf PTE: QEMU 7.2 faults on both.
	 */
	for (unsigned i = 0; i < sizeof(res_bits) / sizeof(res_bits[0]); i++) {
		char buf[48];
		unsigned long va = VA_RES_BITS + res_bits[i] * PAGE_SIZE;

		snprintf(buf, sizeof(buf), "leaf with bit %u set: ld", res_bits[i]);
		pt_try(buf, 0, (unsigned long)pt_ld, va, CAUSE_LOAD_PAGE_FAULT, va, 0);
	}
	for (unsigned i = 0; i < 3; i++) {
		char buf[48];
		unsigned long va = VA_NONLEAF_UAD + i * PT_2M + 0x10;

		snprintf(buf, sizeof(buf), "non-leaf PTE with %c set: ld", "UAD"[i]);
		pt_try(buf, 0, (unsigned long)pt_ld, va, CAUSE_LOAD_PAGE_FAULT, va, 0);
	}
	/* The faulting walks changed nothing in the tables. */
	check(*pt_slot(root, levels, VA_RES_W, 0) ==
	      pt_pte((unsigned long)data_page, PTE_V | PTE_W | PTE_A | PTE_D),
	      "faulting walks leave the PTEs unchanged");
}

static void one_mode(unsigned long mode)
{
	int levels = pt_levels(mode);
	unsigned long *high_only = pt_alloc(), *full = pt_alloc();
	unsigned long img = (unsigned long)_start;
	unsigned long img_size = ((unsigned long)_end - img + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	unsigned long code_page = (unsigned long)pt_ld & ~(PAGE_SIZE - 1);

	/* The first table: only the high alias of the image, one 2 MiB leaf. */
	pt_map(high_only, levels, HIGH_IMAGE, img, 1, PT_KRWX);
	/* The full table: that, the image 1:1 in 4 KiB leaves, and the tests. */
	pt_map(full, levels, HIGH_IMAGE, img, 1, PT_KRWX);
	pt_map_range(full, levels, img, img, img_size, PT_KRWX);
	pt_map(full, levels, VA_4K, (unsigned long)data_page, 0,
	       PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
	pt_map_range(full, levels, VA_4K_CODE, code_page, 2 * PAGE_SIZE,
		     PTE_V | PTE_R | PTE_X | PTE_A);
	pt_map(full, levels, VA_1G, PT_RAM_BASE, 2, PT_KRWX);
	pt_map(full, levels, VA_MIS_2M, img + PAGE_SIZE, 1, PT_KRWX);
	pt_map(full, levels, VA_MIS_1G, img, 2, PT_KRWX);
	pt_map(full, levels, VA_RES_W, (unsigned long)data_page, 0,
	       PTE_V | PTE_W | PTE_A | PTE_D);
	pt_map(full, levels, VA_RES_WX, (unsigned long)data_page, 0,
	       PTE_V | PTE_W | PTE_X | PTE_A | PTE_D);
	pt_map(full, levels, VA_INVAL, (unsigned long)data_page, 0,
	       PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
	*pt_slot(full, levels, VA_PTR_L0, 0) = pt_pte((unsigned long)data_page, PTE_V);
	/* Level-1 slot: the address of a table but V=0. */
	*pt_slot(full, levels, VA_HOLE_L1, 1) = pt_pte((unsigned long)pt_alloc(), 0);
	for (unsigned i = 0; i < sizeof(res_bits) / sizeof(res_bits[0]); i++)
		pt_map(full, levels, VA_RES_BITS + res_bits[i] * PAGE_SIZE,
		       (unsigned long)data_page, 0, PT_KRWX | 1UL << res_bits[i]);
	for (unsigned i = 0; i < 3; i++) {
		unsigned long va = VA_NONLEAF_UAD + i * PT_2M;

		pt_map(full, levels, va, (unsigned long)data_page, 0, PT_KRWX);
		*pt_slot(full, levels, va, 1) |= i == 0 ? PTE_U : i == 1 ? PTE_A : PTE_D;
	}
	if (mode == SATP_MODE_SV48) {
		pt_map(full, levels, VA_512G, 0, 3, PT_KRWX);
		pt_map(full, levels, VA_MIS_512G, PT_RAM_BASE, 3, PT_KRWX);
	}

	linux_style_on(mode, high_only, full);
	high_half();
	leaves(mode);
	faults(mode, full);
	pt_switch(0);
	check(csr_read(CSR_SATP) == 0, "back to Bare");
}

int main(void)
{
	test_begin("paging_basic");
	pt_pool_init(pool, sizeof(pool));
	for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
		data_page[i] = 0xda7a000000000000UL | i;
	cprintf("image size %s 2 MiB\n",
		(unsigned long)_end - (unsigned long)_start <= PT_2M ? "<=" : ">");
	check((unsigned long)_start == 0x80200000UL &&
	      (unsigned long)_end - (unsigned long)_start <= PT_2M,
	      "image fits the 2 MiB high-alias leaf");
	one_mode(SATP_MODE_SV39);
	one_mode(SATP_MODE_SV48);
	test_end();
}
