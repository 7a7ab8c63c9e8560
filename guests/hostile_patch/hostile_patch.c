/*
 * hostile_patch - a guest that looks for the patches of Umbra's
 * trap-and-patch fast path (src/patch): on the shadow backend a privileged
 * instruction the guest kernel runs often has its first halfword replaced
 * by c.ebreak in guest memory.  The guest must never be able to tell.
 *
 * One page of code (hp_page) holds CSR reads run often enough to be patched.
 * With Sv39 on, the page is mapped at its own address (RWX) and through
 * aliases: read-only, read-write, execute-only and U-mode executable.  The
 * guest then:
 *   1. runs a site 50 times: the CSR value each time;
 *   2. reads the site's bytes through its own mapping, through the
 *      read-only alias, and with sstatus.MXR through the execute-only alias
 *      (ld, lwu, lhu, lbu of each byte): the original instruction;
 *   3. jumps into the middle of a site: the second halfword of the original
 *      runs (c.addi4spn a2, sp, 36, then mv a0, a2);
 *   4. takes its own ebreak and c.ebreak on that page;
 *   5. prints the site's bytes with the SBI debug console (the SBI reads
 *      them from memory);
 *   6. runs the site from U-mode through the U alias: illegal instruction,
 *      stval = the original bits;
 *   7. runs the site again, then writes another CSR instruction over it
 *      through the read-write alias: the new instruction runs and reads back;
 *   8. rewrites another instruction on the page (li a0, 1 -> li a0, 2);
 *   9. runs csrr fcsr and fld with sstatus.FS = Off (illegal, 10 times
 *      each), then with FS on: now they run.
 * After each step the site still returns what its instruction says.
 * Natively every check holds; under Umbra the output must be the same.
 */
#include <stdio.h>
#include "../lib/pt.h"
#include "../lib/sbi.h"

/* The page under test: each function at a fixed offset, all 4-byte
 * instructions (norvc) except the c.ebreak. */
asm(".text\n.balign 4096\n.globl hp_page\nhp_page:\n"
    ".option push\n.option norvc\n"
    ".globl hp_site\nhp_site: csrr a0, stvec\nret\n"                 /* +0 */
    ".globl hp_mid\nhp_mid: csrr a0, stvec\nmv a0, a2\nret\n"       /* +8 */
    ".globl hp_li\nhp_li: li a0, 1\nret\n"                          /* +20 */
    ".globl hp_ebreak\nhp_ebreak: ebreak\nret\n"                    /* +28 */
    ".option rvc\n.globl hp_cebreak\nhp_cebreak: c.ebreak\n.option norvc\nret\n" /* +36 */
    ".option pop\n.balign 4096\n");
extern char hp_page[];
unsigned long hp_site(unsigned long);
unsigned long hp_mid(unsigned long);
unsigned long hp_li(unsigned long);
unsigned long hp_ebreak(unsigned long);
unsigned long hp_cebreak(unsigned long);

/* Call hp_mid + 2: the second half of its csrr runs as an instruction of
 * its own.  Returns a2 - sp as that code left it. */
unsigned long hp_call_mid(void);
asm(".text\n.globl hp_call_mid\nhp_call_mid:\n"
    "addi sp, sp, -16\nsd ra, 8(sp)\n"
    "la t0, hp_mid\naddi t0, t0, 2\njalr t0\n"
    "sub a0, a0, sp\nld ra, 8(sp)\naddi sp, sp, 16\nret\n");

#define CSRR_STVEC    0x10502573u	/* csrr a0, stvec */
#define CSRR_SSCRATCH 0x14002573u	/* csrr a0, sscratch */
#define RET           0x00008067u	/* jalr zero, 0(ra) */
#define LI_A0_1       0x00100513u
#define LI_A0_2       0x00200513u

#define RO_VA 0x40000000UL		/* aliases of hp_page */
#define RW_VA 0x40001000UL
#define XO_VA 0x40002000UL
#define U_VA  0x40003000UL

static char pool[16 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

#define OFF(f) ((unsigned long)(f) - (unsigned long)hp_page)

TRAP_FN(hp_lwu, "lwu a0, 0(a0)");
TRAP_FN(hp_fcsr, "csrr a0, fcsr");
TRAP_FN(hp_fld, "fld fa0, 0(a0)");
static double fp_data = 1.5;
TRAP_FN(hp_lhu, "lhu a0, 0(a0)");

/* Read the 8 bytes at page offset 'off' through the mapping at 'va' in
 * every width; all must agree with 'want'. */
static void read_back(const char *how, unsigned long va, unsigned long off, unsigned long want)
{
	unsigned long d = pt_ld(va + off);
	int same = d == want;

	same &= pt_ld(va + off) == want;
	same &= hp_lwu(va + off) == (want & 0xffffffff);
	same &= hp_lwu(va + off + 4) == want >> 32;
	same &= hp_lhu(va + off) == (want & 0xffff);
	same &= hp_lhu(va + off + 2) == ((want >> 16) & 0xffff);
	for (unsigned i = 0; i < 8; i++)
		same &= pt_lbu(va + off + i) == ((want >> (8 * i)) & 0xff);
	cprintf("%s: %016lx\n", how, d);
	check(same, "%s: every load sees the original bytes", how);
}

static void run_site(const char *when, unsigned long want)
{
	int same = 1;
	for (int i = 0; i < 50; i++)
		same &= hp_site(0) == want;
	check(same, "%s: the site returns %s 50 times", when,
	      want == csr_read(CSR_STVEC) ? "stvec" : "sscratch");
}

int main(void)
{
	struct trap_record t;

	test_begin("hostile_patch");
	pt_pool_init(pool, sizeof(pool));
	unsigned long *root = pt_new_space(3, 1);
	unsigned long page = (unsigned long)hp_page;
	pt_map(root, 3, RO_VA, page, 0, PTE_V | PTE_R | PTE_A);
	pt_map(root, 3, RW_VA, page, 0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
	pt_map(root, 3, XO_VA, page, 0, PTE_V | PTE_X | PTE_A);
	pt_map(root, 3, U_VA, page, 0, PTE_V | PTE_R | PTE_X | PTE_U | PTE_A);
	pt_install_trap_entry();
	pt_switch(pt_satp(SATP_MODE_SV39, 0, root));
	unsigned long stvec = csr_read(CSR_STVEC);
	unsigned long site_bytes = CSRR_STVEC | (unsigned long)RET << 32;

	/* 1. */
	run_site("1", stvec);

	/* 2. */
	read_back("2 own mapping", page, OFF(hp_site), site_bytes);
	read_back("2 read-only alias", RO_VA, OFF(hp_site), site_bytes);
	csr_set(CSR_SSTATUS, SSTATUS_MXR);
	read_back("2 execute-only alias, MXR", XO_VA, OFF(hp_site), site_bytes);
	csr_clear(CSR_SSTATUS, SSTATUS_MXR);
	pt_try("2 execute-only alias, no MXR", 0, (unsigned long)pt_ld, XO_VA,
	       CAUSE_LOAD_PAGE_FAULT, XO_VA, NULL);
	run_site("2", stvec);

	/* 3. */
	for (int i = 0; i < 50; i++)
		(void)hp_mid(0);
	unsigned long mid = hp_call_mid();
	cprintf("3 into the middle: a2 - sp = %lu\n", mid);
	check(mid == 36, "3: the second half of the csrr runs as c.addi4spn a2, sp, 36");

	/* 4. */
	expect_trap(hp_ebreak, 0, &t);
	cprintf("4 ebreak: scause=%lu sepc=+%lu stval=%s\n", t.scause, OFF(t.sepc),
		t.stval == 0 ? "0" : t.stval == t.sepc ? "pc" : "other");
	check(t.taken && t.scause == CAUSE_BREAKPOINT && t.sepc == (unsigned long)hp_ebreak &&
	      (t.stval == 0 || t.stval == t.sepc), "4: its own ebreak arrives at its stvec");
	expect_trap(hp_cebreak, 0, &t);
	cprintf("4 c.ebreak: scause=%lu sepc=+%lu stval=%s\n", t.scause, OFF(t.sepc),
		t.stval == 0 ? "0" : t.stval == t.sepc ? "pc" : "other");
	check(t.taken && t.scause == CAUSE_BREAKPOINT && t.sepc == (unsigned long)hp_cebreak &&
	      (t.stval == 0 || t.stval == t.sepc), "4: its own c.ebreak arrives at its stvec");
	run_site("4", stvec);

	/* 5.  The SBI reads the buffer from guest-physical memory: "s%" is
	 * the first halfword of csrr a0, stvec (0x2573). */
	cprintf("5 debug console: [");
	struct sbiret r = sbi_call(SBI_EXT_DBCN, 0, 2, page + OFF(hp_site), 0);
	cprintf("]\n");
	check(r.error == 0 && r.value == 2, "5: the SBI wrote 2 bytes");
	run_site("5", stvec);

	/* 6. */
	pt_try("6 the site from U-mode", 1, U_VA + OFF(hp_site), 0,
	       CAUSE_ILLEGAL_INSTRUCTION, CSRR_STVEC, NULL);
	run_site("6", stvec);

	/* 7. */
	run_site("7", stvec);
	*(volatile uint32_t *)(RW_VA + OFF(hp_site)) = CSRR_SSCRATCH;
	asm volatile("fence.i" ::: "memory");
	unsigned long scratch = csr_read(CSR_SSCRATCH);
	run_site("7 rewritten", scratch);
	read_back("7 own mapping", page, OFF(hp_site), CSRR_SSCRATCH | (unsigned long)RET << 32);
	run_site("7 rewritten, again", scratch);

	/* 8. */
	check(hp_li(0) == 1, "8: li a0, 1 returns 1");
	*(volatile uint32_t *)(RW_VA + OFF(hp_li)) = LI_A0_2;
	asm volatile("fence.i" ::: "memory");
	check(hp_li(0) == 2, "8: rewritten to li a0, 2, it returns 2");
	read_back("8 read-only alias", RO_VA, OFF(hp_li), LI_A0_2 | (unsigned long)RET << 32);
	run_site("8", scratch);

	/* 9. */
	int traps = 0;
	csr_clear(CSR_SSTATUS, SSTATUS_FS);
	for (int i = 0; i < 10; i++) {
		expect_trap(hp_fcsr, 0, &t);
		traps += t.taken && t.scause == CAUSE_ILLEGAL_INSTRUCTION;
		expect_trap(hp_fld, (unsigned long)&fp_data, &t);
		traps += t.taken && t.scause == CAUSE_ILLEGAL_INSTRUCTION;
	}
	check(traps == 20, "9: with FS = Off, csrr fcsr and fld trap 10 times each");
	csr_set(CSR_SSTATUS, SSTATUS_FS);
	expect_trap(hp_fcsr, 0, &t);
	check(!t.taken, "9: with FS on, csrr fcsr runs");
	expect_trap(hp_fld, (unsigned long)&fp_data, &t);
	check(!t.taken, "9: with FS on, fld runs");

	pt_switch(0);
	test_end();
}
