/*
 * fp - floating point state and sstatus.FS.
 *
 * FS tells the kernel whether the F/D registers and fcsr need saving:
 *   0 Off     - any FP instruction or fcsr access is illegal
 *   1 Initial - state is in its initial (reset) form
 *   2 Clean   - state matches what was last saved
 *   3 Dirty   - state has been modified since; SD = 1 summarises this
 * The hart sets FS to Dirty when an instruction changes FP state.
 * This guest uses FP only through inline assembly on bit patterns, so
 * no compiler-generated FP code runs while FS is Off.
 */
#include "../lib/guest.h"

static const char *fs_name[] = { "Off", "Initial", "Clean", "Dirty" };

static unsigned long get_fs(void)
{
	return (csr_read(CSR_SSTATUS) >> 13) & 3;
}

static void set_fs(unsigned long fs)
{
	csr_clear(CSR_SSTATUS, SSTATUS_FS);
	csr_set(CSR_SSTATUS, fs << 13);
}

/* Load/store all 32 FP registers from/to an array of bit patterns. */
void fp_load(const uint64_t *r);
void fp_store(uint64_t *r);
asm(".text\n.balign 4\n"
    "fp_load:\n"
    ".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
    "fld f\\n, \\n*8(a0)\n"
    ".endr\n"
    "ret\n"
    "fp_store:\n"
    ".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
    "fsd f\\n, \\n*8(a0)\n"
    ".endr\n"
    "ret\n");

static uint64_t pattern[32], readback[32];

static void make_pattern(unsigned salt)
{
	for (unsigned i = 0; i < 32; i++)
		pattern[i] = 0x0123456789abcdefULL * (i + 1) + salt;
}

static int fp_regs_intact(void)
{
	fp_store(readback);
	for (int i = 0; i < 32; i++)
		if (readback[i] != pattern[i])
			return 0;
	return 1;
}

static unsigned long read_fcsr(void)
{
	return csr_read(CSR_FCSR);
}

TRAP_FN(do_ebreak, "ebreak");
TRAP_FN(u_ecall, "li a7, 0x1234\necall");

static volatile int softs;
static int soft_hook(struct trap_frame *f)
{
	if (f->scause != (CAUSE_INTERRUPT | IRQ_S_SOFT))
		return 0;
	softs++;
	csr_clear(CSR_SIP, SIP_SSIP);
	return 1;
}

static void test_survive_traps(void)
{
	struct trap_record t;

	cprintf("-- FP registers across traps\n");
	set_fs(1);
	make_pattern(1);
	fp_load(pattern);
	csr_write(CSR_FCSR, 0x5a);	/* frm = 2 (RDN), fflags = 0x1a */
	sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION);
	check(fp_regs_intact() && read_fcsr() == 0x5a,
	      "f0-f31 and fcsr survive an SBI ecall");

	make_pattern(2);
	fp_load(pattern);
	expect_trap(do_ebreak, 0, &t);
	check(t.taken && fp_regs_intact() && read_fcsr() == 0x5a,
	      "f0-f31 and fcsr survive an S-mode trap (ebreak)");
	cprintf("FS seen by the trap handler: %s\n",
		fs_name[(t.sstatus >> 13) & 3]);

	make_pattern(3);
	fp_load(pattern);
	run_user(u_ecall, 0, &t);
	check(t.taken && t.scause == CAUSE_USER_ECALL && fp_regs_intact() &&
	      read_fcsr() == 0x5a, "f0-f31 and fcsr survive a U-mode round trip");

	make_pattern(4);
	fp_load(pattern);
	trap_hook = soft_hook;
	csr_set(CSR_SIE, SIE_SSIE);
	csr_set(CSR_SSTATUS, SSTATUS_SIE);
	csr_set(CSR_SIP, SIP_SSIP);	/* taken right here */
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	csr_clear(CSR_SIE, SIE_SSIE);
	trap_hook = 0;
	check(softs == 1 && fp_regs_intact() && read_fcsr() == 0x5a,
	      "f0-f31 and fcsr survive an interrupt");
	csr_write(CSR_FCSR, 0);
}

static void test_fs_transitions(void)
{
	unsigned long s, x;

	cprintf("-- sstatus.FS transitions\n");
	/* Put known values in f1, f2 first (this dirties FS). */
	set_fs(3);
	asm volatile("li t0, 0x3ff0000000000000\n"	/* 1.0 */
		     "fmv.d.x f1, t0\n"
		     "li t0, 0x4008000000000000\n"	/* 3.0 */
		     "fmv.d.x f2, t0\n" ::: "t0", "memory");

	set_fs(1);
	cprintf("FS=%s before fdiv.d\n", fs_name[get_fs()]);
	asm volatile("fdiv.d f3, f1, f2\nfmv.x.d %0, f3" : "=r"(x) :: "memory");
	s = csr_read(CSR_SSTATUS);
	cprintf("after fdiv.d: FS=%s SD=%lu, 1.0/3.0 = 0x%016lx\n",
		fs_name[(s >> 13) & 3], s >> 63, x);
	check(((s >> 13) & 3) == 3 && (s >> 63), "fdiv.d from Initial: FS=Dirty, SD=1");
	check(x == 0x3fd5555555555555UL, "1.0/3.0 rounds to 0x3fd5555555555555");

	set_fs(2);
	asm volatile("fmv.x.d %0, f3" : "=r"(x) :: "memory");
	s = csr_read(CSR_SSTATUS);
	cprintf("FS=Clean, fmv.x.d (reads FP state only): FS=%s SD=%lu\n",
		fs_name[(s >> 13) & 3], s >> 63);
	check(((s >> 13) & 3) != 0, "FS stays on after a read");

	set_fs(2);
	asm volatile("fmv.d.x f4, zero" ::: "memory");
	s = csr_read(CSR_SSTATUS);
	cprintf("FS=Clean, fmv.d.x (writes an FP register): FS=%s SD=%lu\n",
		fs_name[(s >> 13) & 3], s >> 63);
	check(((s >> 13) & 3) == 3 && (s >> 63), "write from Clean: FS=Dirty, SD=1");

	set_fs(2);
	csr_write(CSR_FFLAGS, 0);
	s = csr_read(CSR_SSTATUS);
	cprintf("FS=Clean, csrw fflags: FS=%s SD=%lu\n", fs_name[(s >> 13) & 3],
		s >> 63);
	check(((s >> 13) & 3) == 3, "fcsr write from Clean: FS=Dirty");
	set_fs(3);
}

static void test_fcsr(void)
{
	unsigned long fl;

	cprintf("-- fcsr, frm, fflags\n");
	set_fs(3);
	static const unsigned long vals[] = { 0xffffffff, 0, 0xe0, 0x1f, 0xa5 };
	for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		csr_write(CSR_FCSR, vals[i]);
		unsigned long f = csr_read(CSR_FCSR);
		cprintf("fcsr w=0x%lx r=0x%lx frm=%lu fflags=0x%lx\n", vals[i], f,
			csr_read(CSR_FRM), csr_read(CSR_FFLAGS));
		check(f == (vals[i] & 0xff), "fcsr keeps the low 8 bits");
	}
	csr_write(CSR_FCSR, 0);
	asm volatile("fmv.d.x f5, zero\n"
		     "fdiv.d f6, f1, f5" ::: "memory");	/* 1.0 / 0.0 */
	fl = csr_read(CSR_FFLAGS);
	cprintf("1.0/0.0: fflags=0x%lx\n", fl);
	check(fl == 0x08, "divide by zero sets only DZ");
	csr_write(CSR_FFLAGS, 0);
	asm volatile("fdiv.d f6, f1, f2" ::: "memory");	/* 1.0 / 3.0 */
	fl = csr_read(CSR_FFLAGS);
	cprintf("1.0/3.0: fflags=0x%lx\n", fl);
	check(fl == 0x01, "inexact sets only NX");
	csr_write(CSR_FCSR, 0);
}

/* With FS=Off every one of these is an illegal instruction. */
TRAP_FN(off_fadd, "fadd.d f1, f2, f3");
TRAP_FN(off_fld, "fld f1, 0(sp)");
TRAP_FN(off_fsd, "fsd f1, -8(sp)");
TRAP_FN(off_cfld, ".option rvc\nc.fldsp f8, 0(sp)");
TRAP_FN(off_fmvxd, "fmv.x.d t0, f1");
TRAP_FN(off_fmvdx, "fmv.d.x f1, zero");
TRAP_FN(off_rd_fcsr, "csrr t0, fcsr");
TRAP_FN(off_wr_fcsr, "csrw fcsr, zero");
TRAP_FN(off_rd_frm, "csrr t0, frm");
TRAP_FN(off_wr_frm, "csrwi frm, 1");
TRAP_FN(off_rd_fflags, "csrr t0, fflags");
TRAP_FN(off_wr_fflags, "csrw fflags, zero");

static void test_fs_off(void)
{
	static const struct {
		const char *what;
		trap_fn fn;
	} ops[] = {
		{ "fadd.d", off_fadd }, { "fld", off_fld }, { "fsd", off_fsd },
		{ "c.fldsp", off_cfld }, { "fmv.x.d", off_fmvxd },
		{ "fmv.d.x", off_fmvdx }, { "csrr fcsr", off_rd_fcsr },
		{ "csrw fcsr", off_wr_fcsr }, { "csrr frm", off_rd_frm },
		{ "csrwi frm", off_wr_frm }, { "csrr fflags", off_rd_fflags },
		{ "csrw fflags", off_wr_fflags },
	};

	cprintf("-- FS=Off\n");
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		struct trap_record t;
		unsigned long fs_after;

		set_fs(0);
		expect_trap(ops[i].fn, 0, &t);
		fs_after = get_fs();
		set_fs(3);
		if (!check(t.taken, "%s with FS=Off traps", ops[i].what))
			continue;
		cprintf("%-12s scause=%lu sepc=fn+0x%lx stval=0x%lx insn=0x%0*lx "
			"FS in handler=%s after=%s\n", ops[i].what, t.scause,
			t.sepc - (unsigned long)ops[i].fn, t.stval,
			t.insn_len == 2 ? 4 : 8, t.insn,
			fs_name[(t.sstatus >> 13) & 3], fs_name[fs_after]);
		check(t.scause == CAUSE_ILLEGAL_INSTRUCTION && t.sepc == (unsigned long)ops[i].fn,
		      "%s with FS=Off: illegal instruction at the instruction", ops[i].what);
		check(t.stval == 0 || t.stval == t.insn,
		      "%s: stval is 0 or the instruction bits", ops[i].what);
		check(fs_after == 0, "%s: FS still Off", ops[i].what);
	}
}

int main(void)
{
	test_begin("fp");
	cprintf("sstatus.FS at entry: %s\n", fs_name[(boot_csrs.sstatus >> 13) & 3]);
	test_survive_traps();
	test_fs_transitions();
	test_fcsr();
	test_fs_off();
	test_end();
}
