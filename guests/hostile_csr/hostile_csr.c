/*
 * hostile_csr - a guest that tries to write every CSR number and to run
 * every privileged and hypervisor instruction, from S-mode and from U-mode,
 * and checks after each attempt that it gained nothing and lost nothing.
 *
 *  1. Every CSR number 0x000-0xfff except the ones the guest may write
 *     (fflags, frm, fcsr, its S-mode CSRs; stimecmp, which QEMU offers and
 *     Umbra does not, is left out): csrrw with all-ones, csrrs with
 *     0x5555..., csrrci with 0x1f from S; csrrw with all-ones and csrrc
 *     with 0xaaaa... from U.  Each must be an illegal instruction (cause 2,
 *     sepc the instruction, stval its bits).  After each CSR the guest's
 *     own CSRs (sstatus, sie, stvec, sscratch, satp, scounteren, senvcfg)
 *     and a canary page must be as they were, and after each H- or M-level
 *     one `csrr hgatp` and `csrr hstatus` must still trap (if not: ESCAPE,
 *     the guest runs with hypervisor privilege).  Printed as runs.
 *  2. The guest's own writable CSRs written with all-ones, zero and a
 *     pattern: what reads back (WARL), then restored.  satp only with
 *     reserved modes (no effect).  fflags/frm/fcsr with FS=Off: illegal.
 *  3. Hypervisor and M-mode instructions (hlv.*, hlvx.*, hsv.*, hfence.*,
 *     hinval.*, mret, dret, mnret, uret, Svinval's) from S and U, and the
 *     S-mode ones (sret, sfence.vma, sinval.vma, wfi) from U: illegal, stval
 *     = the instruction.  wfi from S with an interrupt pending returns.
 *     mret right after an instruction the hypervisor emulated (QEMU leaves
 *     that instruction's bits in stval for mret): still illegal, and the
 *     instruction before it runs once.  Again with Sv39 on, U-mode code on
 *     an execute-only page.
 *  4. The guest is still itself: its CSRs, its memory, its traps at stvec.
 */
#include <stdio.h>
#include <string.h>
#include "../lib/pt.h"

#define CSR_FFLAGS   0x001
#define CSR_FRM      0x002
#define CSR_FCSR     0x003
#define CSR_HSTATUS_ 0x600
#define CSR_HGATP_   0x680

static uint32_t code[4] __attribute__((aligned(64)));
static unsigned long canary[PAGE_SIZE / 8] __attribute__((aligned(PAGE_SIZE)));
static char pool[16 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint32_t xo_page[PAGE_SIZE / 4] __attribute__((aligned(PAGE_SIZE)));

#define SSCRATCH_MAGIC 0x5c7a7c4d61676963UL

/* ---- The guest's own state ---------------------------------------------------------- */
struct state {
	unsigned long sstatus, sie, stvec, sscratch, satp, scounteren, senvcfg;
};

static void snapshot(struct state *s)
{
	/* SPP and SPIE are the trap machinery's own (every trap and sret sets them). */
	s->sstatus = csr_read(CSR_SSTATUS) & ~(SSTATUS_SPP | SSTATUS_SPIE);
	s->sie = csr_read(CSR_SIE);
	s->stvec = csr_read(CSR_STVEC);
	s->sscratch = csr_read(CSR_SSCRATCH);
	s->satp = csr_read(CSR_SATP);
	s->scounteren = csr_read(CSR_SCOUNTEREN);
	s->senvcfg = csr_read(CSR_SENVCFG);
}

static unsigned long canary_sum(void)
{
	unsigned long h = 0;
	for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
		h = h * 31 + canary[i];
	return h;
}

static struct state ref;
static unsigned long ref_canary;

/* Returns a short description of what changed, or NULL. */
static const char *changed(void)
{
	struct state s;

	snapshot(&s);
	if (s.sstatus != ref.sstatus) return "sstatus";
	if (s.sie != ref.sie) return "sie";
	if (s.stvec != ref.stvec) return "stvec";
	if (s.sscratch != ref.sscratch) return "sscratch";
	if (s.satp != ref.satp) return "satp";
	if (s.scounteren != ref.scounteren) return "scounteren";
	if (s.senvcfg != ref.senvcfg) return "senvcfg";
	if (canary_sum() != ref_canary) return "memory";
	return NULL;
}

/* ---- Hypervisor privilege marker ------------------------------------------------------ */
TRAP_FN(read_hgatp, "csrr a0, 0x680");
TRAP_FN(read_hstatus, "csrr a0, 0x600");
static unsigned long escapes;

static void marker(const char *after)
{
	struct trap_record t;

	if (!expect_trap(read_hgatp, 0, &t) || t.scause != CAUSE_ILLEGAL_INSTRUCTION) {
		cprintf("ESCAPE: runs with hypervisor privilege (csrr hgatp %s, after %s)\n",
			t.taken ? "trapped otherwise" : "did not trap", after);
		escapes++;
	}
	if (!expect_trap(read_hstatus, 0, &t) || t.scause != CAUSE_ILLEGAL_INSTRUCTION) {
		cprintf("ESCAPE: runs with hypervisor privilege (csrr hstatus %s, after %s)\n",
			t.taken ? "trapped otherwise" : "did not trap", after);
		escapes++;
	}
}

/* ---- Generated CSR instructions --------------------------------------------------------- */
static uint32_t csr_insn(unsigned csr, unsigned funct3, unsigned rs1)
{
	return csr << 20 | rs1 << 15 | funct3 << 12 | 10 << 7 | 0x73;	/* rd = a0 */
}

static trap_fn gen(uint32_t insn)
{
	code[0] = insn;
	code[1] = 0x00008067;	/* ret */
	asm volatile("fence.i" ::: "memory");
	return (trap_fn)code;
}

/* Run insn from S (user = 0) or U with a0 = arg; 'T' if it was an illegal
 * instruction with sepc and stval right, 't' for another trap, '-' if none. */
static char attempt(uint32_t insn, unsigned long arg, int user, struct trap_record *t)
{
	trap_fn fn = gen(insn);

	if (user)
		run_user(fn, arg, t);
	else
		expect_trap(fn, arg, t);
	if (!t->taken)
		return '-';
	if (t->scause == CAUSE_ILLEGAL_INSTRUCTION && t->sepc == (unsigned long)code &&
	    t->stval == insn)
		return 'T';
	return 't';
}

static int own_csr(unsigned c, int user)
{
	if (c == CSR_FFLAGS || c == CSR_FRM || c == CSR_FCSR)
		return 1;
	if (user)
		return 0;
	switch (c) {
	case CSR_SSTATUS: case CSR_SIE: case CSR_STVEC: case CSR_SCOUNTEREN:
	case CSR_SENVCFG: case CSR_SSCRATCH: case CSR_SEPC: case CSR_SCAUSE:
	case CSR_STVAL: case CSR_SIP: case CSR_SATP:
		return 1;
	}
	return 0;
}

static int excluded(unsigned c)
{
	/* stimecmp(h): QEMU has Sstc, Umbra not; htimedelta(h): OpenSBI
	 * emulates it natively although the hart has no H. */
	return c == 0x14d || c == 0x15d || c == 0x605 || c == 0x615;
}

/* ---- 1. The storm --------------------------------------------------------------------------- */
static void storm(int user)
{
	static const struct { unsigned funct3, rs1; unsigned long arg; } s_ops[] = {
		{ 1, 10, ~0UL }, { 2, 10, 0x5555555555555555UL }, { 7, 0x1f, 0 },
	}, u_ops[] = {
		{ 1, 10, ~0UL }, { 3, 10, 0xaaaaaaaaaaaaaaaaUL },
	};
	unsigned nops = user ? 2 : 3;
	char prev[8] = "", cur[8];
	unsigned run_start = 0, bad = 0, detail = 0;

	cprintf("-- writes to every CSR from %s (T: illegal instruction, stval = the instruction)\n",
		user ? "U" : "S");
	for (unsigned c = 0; c <= 0x1000; c++) {
		if (c < 0x1000) {
			if (own_csr(c, user) || excluded(c)) {
				snprintf(cur, sizeof(cur), "own");
			} else {
				struct trap_record t;
				for (unsigned i = 0; i < nops; i++) {
					unsigned f3 = user ? u_ops[i].funct3 : s_ops[i].funct3;
					unsigned rs1 = user ? u_ops[i].rs1 : s_ops[i].rs1;
					unsigned long arg = user ? u_ops[i].arg : s_ops[i].arg;
					cur[i] = attempt(csr_insn(c, f3, rs1), arg, user, &t);
					if (cur[i] != 'T' && detail++ < 8)
						cprintf("  0x%03x op %u: %s scause=%lu stval=0x%lx\n", c, i,
							t.taken ? "trap" : "no trap", t.scause, t.stval);
				}
				cur[nops] = 0;
				const char *what = changed();
				if (what) {
					cprintf("  0x%03x: the guest's %s changed\n", c, what);
					strcat(cur, "!");
					snapshot(&ref);
					ref_canary = canary_sum();
				}
				if (strcmp(cur, user ? "TT" : "TTT"))
					bad++;
				if (!user && ((c >> 8) & 3) >= 2)
					marker("a write to an H/M CSR");
			}
		}
		if (c == 0x1000 || (c > 0 && strcmp(cur, prev))) {
			if (c > 0)
				cprintf("%s 0x%03x-0x%03x: %s\n", user ? "U" : "S", run_start, c - 1, prev);
			run_start = c;
		}
		strcpy(prev, cur);
	}
	check(bad == 0, "from %s, every write to a CSR that is not the guest's is illegal "
	      "and changes nothing", user ? "U" : "S");
}

/* ---- 2. The guest's own CSRs ------------------------------------------------------------------ */
static void own_csrs(void)
{
	static const struct { const char *name; unsigned num; } own[] = {
		{ "sstatus", CSR_SSTATUS }, { "sie", CSR_SIE }, { "stvec", CSR_STVEC },
		{ "scounteren", CSR_SCOUNTEREN }, { "senvcfg", CSR_SENVCFG },
		{ "sscratch", CSR_SSCRATCH }, { "sepc", CSR_SEPC }, { "scause", CSR_SCAUSE },
		{ "stval", CSR_STVAL }, { "sip", CSR_SIP },
	};
	static const unsigned long pats[] = { ~0UL, 0, 0x5555555555555555UL, 0xaaaaaaaaaaaaaaaaUL };
	struct trap_record t;

	cprintf("-- the guest's own CSRs: what a write of all-ones, 0, 0x55.., 0xaa.. leaves\n");
	for (unsigned i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		cprintf("%-10s", own[i].name);
		for (unsigned p = 0; p < 4; p++) {
			/* sie, sip: only all-ones and 0.  For a guest in VS-mode QEMU
			 * takes a write's sie/sip bits from the VS positions (2, 6,
			 * 10), not the S ones (1, 5, 9): a QEMU bug, not Umbra's
			 * (tests/test_diff.py QEMU_H). */
			if (p >= 2 && (own[i].num == CSR_SIE || own[i].num == CSR_SIP)) {
				cprintf(" -");
				continue;
			}
			/* csrrw a0, csr, a0 twice: write the pattern, then put the
			 * old value back while reading what the pattern left. */
			trap_fn fn = gen(csr_insn(own[i].num, 1, 10));
			unsigned long old, left;
			expect_trap(fn, pats[p], &t);
			old = t.ret;
			expect_trap(fn, old, &t);
			left = t.ret;
			if (own[i].num == CSR_SSTATUS)
				left &= ~(SSTATUS_SD | SSTATUS_FS | SSTATUS_XS | SSTATUS_VS);
			cprintf(" 0x%lx", left);
		}
		cprintf("\n");
	}
	const char *what = changed();
	check(!what, "restored: %s", what ? what : "everything");
	snapshot(&ref);

	/* satp: reserved modes have no effect (Sv57, mode 10, is QEMU's and not
	 * Umbra's: not written). */
	unsigned long bad = 0;
	for (unsigned long m = 1; m < 16; m++) {
		if (m == 8 || m == 9 || m == 10)
			continue;
		csr_write(CSR_SATP, m << 60 | 0x123456789UL);
		bad += csr_read(CSR_SATP) != 0;
	}
	cprintf("satp with modes 1-7, 11-15: %lu writes took effect\n", bad);
	check(bad == 0, "reserved satp modes are ignored");

	/* FP CSRs with FS = Off: illegal from S and U. */
	unsigned long fs = csr_read(CSR_SSTATUS) & SSTATUS_FS;
	csr_clear(CSR_SSTATUS, SSTATUS_FS);
	static const unsigned fp[] = { CSR_FFLAGS, CSR_FRM, CSR_FCSR };
	for (unsigned i = 0; i < 3; i++)
		for (int user = 0; user < 2; user++) {
			char r1 = attempt(csr_insn(fp[i], 2, 0), 0, user, &t);	/* read */
			char r2 = attempt(csr_insn(fp[i], 1, 10), 1, user, &t);	/* write */
			cprintf("FS=Off %s 0x%03x read %c write %c\n", user ? "U" : "S", fp[i], r1, r2);
			check(r1 == 'T' && r2 == 'T', "FS=Off: 0x%03x is illegal from %s", fp[i],
			      user ? "U" : "S");
		}
	csr_set(CSR_SSTATUS, fs);
	snapshot(&ref);
}

/* ---- 3. Instructions ---------------------------------------------------------------------------- */
/*
 * stale_tval: QEMU 10 does not record mret's bits for stval (it leaves what
 * the last instruction that could trap left there), natively and for a
 * guest in VS-mode; for it only cause and sepc are checked.
 */
static const struct { const char *name; uint32_t insn; int s_ok; } insns[] = {
	{ "hlv.b", 0x60054573, 0 }, { "hlv.bu", 0x60154573, 0 }, { "hlv.h", 0x64054573, 0 },
	{ "hlv.hu", 0x64154573, 0 }, { "hlv.w", 0x68054573, 0 }, { "hlv.wu", 0x68154573, 0 },
	{ "hlv.d", 0x6c054573, 0 }, { "hlvx.hu", 0x64354573, 0 }, { "hlvx.wu", 0x68354573, 0 },
	{ "hsv.b", 0x62a54073, 0 }, { "hsv.h", 0x66a54073, 0 }, { "hsv.w", 0x6aa54073, 0 },
	{ "hsv.d", 0x6ea54073, 0 },
	{ "hfence.vvma", 0x22000073, 0 }, { "hfence.vvma a0,a1", 0x22b50073, 0 },
	{ "hfence.gvma", 0x62000073, 0 }, { "hfence.gvma a0,a1", 0x62b50073, 0 },
	{ "hinval.vvma a0,a1", 0x26b50073, 0 }, { "hinval.gvma a0,a1", 0x66b50073, 0 },
	{ "sinval.vma a0,a1", 0x16b50073, 0 }, { "sfence.w.inval", 0x18000073, 0 },
	{ "sfence.inval.ir", 0x18100073, 0 },
	{ "mret", 0x30200073, 0 }, { "dret", 0x7b200073, 0 }, { "mnret", 0x70200073, 0 },
	{ "uret", 0x00200073, 0 },
	{ "sret", 0x10200073, 1 }, { "sfence.vma", 0x12000073, 1 },
	{ "sfence.vma a0,a1", 0x12b50073, 1 }, { "wfi", 0x10500073, 1 },
};
#define N_INSNS (sizeof(insns) / sizeof(insns[0]))

/* Code for U-mode on an execute-only page: slot i = insns[i]; ret. */
#define XO_VA 0x40000000UL

#define MRET 0x30200073
TRAP_FN(csrr_then_mret, "csrr a0, sscratch\nmret");
TRAP_FN(csrrw_then_mret, "csrrw a0, scounteren, a0\nmret");

static char attempt_at(unsigned long fn, uint32_t insn, int user, int paged, struct trap_record *t)
{
	unsigned long arg = (unsigned long)canary;	/* a valid address, for hlv/hsv */

	if (user && paged)
		pt_run_user(fn, arg, t);
	else if (user)
		run_user((trap_fn)fn, arg, t);
	else
		expect_trap((trap_fn)fn, arg, t);
	if (!t->taken)
		return '-';
	/* pt_run_user leaves rec->insn at 0: the stval check is what counts. */
	return t->scause == CAUSE_ILLEGAL_INSTRUCTION && t->sepc == fn &&
	       (t->stval == insn || insn == MRET) ? 'T' : 't';
}

static void instructions(int paged)
{
	struct trap_record t;
	unsigned long bad = 0;

	cprintf("-- privileged and hypervisor instructions%s\n",
		paged ? " (Sv39; U code on an execute-only page)" : " (Bare)");
	for (unsigned i = 0; i < N_INSNS; i++) {
		char s = '.', u;
		if (!insns[i].s_ok) {
			s = attempt_at((unsigned long)gen(insns[i].insn), insns[i].insn, 0, paged, &t);
			bad += s != 'T';
			marker(insns[i].name);
		}
		unsigned long ufn = paged ? XO_VA + 8 * i : (unsigned long)gen(insns[i].insn);
		u = attempt_at(ufn, insns[i].insn, 1, paged, &t);
		bad += u != 'T';
		cprintf("%-20s S %c  U %c\n", insns[i].name, s, u);

	}
	check(bad == 0, "every one is illegal (from S: all but the S-mode ones; from U: all)");

	/*
	 * mret right after an instruction the hypervisor emulates: the hart's
	 * stval for mret still holds that instruction's bits.  mret must trap
	 * all the same (and the instruction before it must not run twice).
	 */
	unsigned long scount = csr_read(CSR_SCOUNTEREN);
	expect_trap(csrr_then_mret, 0, &t);
	cprintf("csrr a0, sscratch; mret: %s", t.taken ? "trap" : "no trap");
	if (t.taken)
		cprintf(" scause=%lu at fn+%ld", t.scause, (long)(t.sepc - (unsigned long)csrr_then_mret));
	cprintf("\n");
	check(t.taken && t.scause == CAUSE_ILLEGAL_INSTRUCTION &&
	      t.sepc == (unsigned long)csrr_then_mret + 4, "mret after csrr: illegal instruction at the mret");
	csr_write(CSR_SCOUNTEREN, 0);
	expect_trap(csrrw_then_mret, 5, &t);
	cprintf("csrrw a0, scounteren, a0; mret: %s", t.taken ? "trap" : "no trap");
	if (t.taken)
		cprintf(" scause=%lu at fn+%ld", t.scause, (long)(t.sepc - (unsigned long)csrrw_then_mret));
	cprintf(", scounteren %s\n", csr_read(CSR_SCOUNTEREN) == 5 ? "= the value written once" :
		"is not the value written once");
	check(t.taken && t.scause == CAUSE_ILLEGAL_INSTRUCTION &&
	      t.sepc == (unsigned long)csrrw_then_mret + 4 && csr_read(CSR_SCOUNTEREN) == 5,
	      "mret after csrrw: illegal instruction at the mret, the csrrw ran once");
	csr_write(CSR_SCOUNTEREN, scount);

	/* The S-mode ones from S: sfence.vma works, wfi returns when an
	 * interrupt is pending and enabled (even with SIE = 0). */
	expect_trap(gen(0x12000073), 0, &t);
	cprintf("S sfence.vma: %s\n", t.taken ? "trap" : "ok");
	check(!t.taken, "sfence.vma from S works");
	csr_set(CSR_SIE, SIE_SSIE);
	csr_set(CSR_SIP, SIP_SSIP);
	expect_trap(gen(0x10500073), 0, &t);
	cprintf("S wfi with SSIP pending and enabled, SIE=0: %s\n", t.taken ? "trap" : "returns");
	check(!t.taken, "wfi returns");
	csr_clear(CSR_SIP, SIP_SSIP);
	csr_clear(CSR_SIE, SIE_SSIE);
	const char *what = changed();
	check(!what, "the guest's state is unchanged: %s", what ? what : "yes");
	check(escapes == 0, "no H CSR became readable");
}

/* ---- main ------------------------------------------------------------------------------------------ */
TRAP_FN(do_ebreak, "ebreak");

int main(void)
{
	struct trap_record t;

	test_begin("hostile_csr");
	for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
		canary[i] = 0x636e7279UL * (i + 1);
	csr_write(CSR_SSCRATCH, SSCRATCH_MAGIC);
	snapshot(&ref);
	ref_canary = canary_sum();

	storm(0);
	storm(1);
	own_csrs();
	instructions(0);

	/* Again with paging on: S code in the identity-mapped image, U code on
	 * an execute-only U page. */
	for (unsigned i = 0; i < N_INSNS; i++) {
		xo_page[2 * i] = insns[i].insn;
		xo_page[2 * i + 1] = 0x00008067;
	}
	asm volatile("fence.i" ::: "memory");
	pt_pool_init(pool, sizeof(pool));
	unsigned long *root = pt_new_space(3, 1);
	pt_map(root, 3, XO_VA, (unsigned long)xo_page, 0, PTE_V | PTE_X | PTE_U | PTE_A);
	pt_install_trap_entry();
	pt_switch(pt_satp(SATP_MODE_SV39, 0, root));
	csr_write(CSR_SSCRATCH, 0);
	snapshot(&ref);
	instructions(1);
	pt_switch(0);
	csr_write(CSR_STVEC, (unsigned long)trap_entry);
	csr_write(CSR_SSCRATCH, SSCRATCH_MAGIC);

	/* 4. Still itself. */
	cprintf("-- the guest afterwards\n");
	expect_trap(do_ebreak, 0, &t);
	cprintf("ebreak: scause=%lu sepc=%s\n", t.scause, addr_str(t.sepc));
	check(t.taken && t.scause == CAUSE_BREAKPOINT && t.sepc == (unsigned long)do_ebreak,
	      "its traps still arrive at its stvec");
	check(csr_read(CSR_STVEC) == (unsigned long)trap_entry, "stvec is its own");
	check(csr_read(CSR_SSCRATCH) == SSCRATCH_MAGIC, "sscratch is its own");
	check(csr_read(CSR_SATP) == 0, "satp is Bare");
	check(canary_sum() == ref_canary, "its memory is intact");
	check(!(csr_read(CSR_SSTATUS) & (SSTATUS_SIE | SSTATUS_SUM | SSTATUS_MXR)),
	      "sstatus: SIE, SUM, MXR as it left them (off)");
	check(escapes == 0, "never ran with hypervisor privilege");
	test_end();
}
