/*
 * exceptions - every synchronous exception an S-mode guest can cause with
 * translation off (satp = Bare), and what the hart reports for it:
 * scause (why), sepc (which instruction) and stval (extra information:
 * the bad address, or the instruction bits).
 */
#include <stdio.h>
#include "../lib/guest.h"

/*
 * Physical addresses where QEMU virt has neither RAM nor a device.  The
 * last two are where a hypervisor may keep itself (Umbra's window is the
 * top 1 GiB of the address space): a guest must see nothing there either.
 */
#define NOWHERE_LOW  0x0UL
#define NOWHERE_HIGH 0x400000000000UL
#define NOWHERE_TOP  0xffffffffc0200000UL
#define NOWHERE_LAST 0xfffffffffffff000UL
static const unsigned long nowhere[] = { NOWHERE_LOW, NOWHERE_HIGH, NOWHERE_TOP, NOWHERE_LAST };
#define N_NOWHERE (sizeof(nowhere) / sizeof(nowhere[0]))

static void show(const char *what, trap_fn fn, const struct trap_record *t)
{
	if (!t->taken) {
		cprintf("%-24s no trap\n", what);
		return;
	}
	/*
	 * A breakpoint's stval is 0 or the pc of the ebreak: the spec lets the
	 * hart choose (QEMU 7.2 writes 0, QEMU 10 the pc), so print which.
	 */
	if (t->scause == CAUSE_BREAKPOINT && (t->stval == 0 || t->stval == t->sepc))
		cprintf("%-24s scause=%lu sepc=fn+0x%lx stval=%s", what, t->scause,
			t->sepc - (unsigned long)fn, t->stval ? "pc" : "0");
	else
		cprintf("%-24s scause=%lu sepc=fn+0x%lx stval=%s", what, t->scause,
			t->sepc - (unsigned long)fn, addr_str(t->stval));
	if (t->insn_len)
		cprintf(" insn=0x%0*lx", t->insn_len == 2 ? 4 : 8, t->insn);
	if (t->count > 1)
		cprintf(" (%d traps)", t->count);
	cprintf("\n");
}

/* ---- Illegal instruction and breakpoint ---------------------------------- */
TRAP_FN(ill_zero16, ".half 0x0000");		/* all-zero 16-bit: defined illegal */
TRAP_FN(ill_zero32, ".word 0x00000000");	/* traps on its first 16 bits */
TRAP_FN(ill_unimp, "unimp");			/* csrrw x0, cycle, x0 */
TRAP_FN(ill_custom0, ".word 0x0000000b");	/* custom-0 opcode, unimplemented */
TRAP_FN(ill_op_funct7, ".word 0xfe000033");	/* OP with an unused funct7 */
TRAP_FN(brk32, "ebreak");
TRAP_FN(brk16, ".option rvc\nc.ebreak");

static void expect_cause(const char *what, trap_fn fn, unsigned long arg,
			 unsigned long cause, unsigned long epc_off)
{
	struct trap_record t;

	expect_trap(fn, arg, &t);
	show(what, fn, &t);
	if (!check(t.taken, "%s: traps", what))
		return;
	check(t.scause == cause, "%s: scause = %lu", what, cause);
	check(t.sepc == (unsigned long)fn + epc_off, "%s: sepc = fn+0x%lx", what,
	      epc_off);
	if (cause == CAUSE_ILLEGAL_INSTRUCTION)
		check(t.stval == 0 || t.stval == t.insn,
		      "%s: stval is 0 or the instruction bits", what);
	if (cause == CAUSE_BREAKPOINT)
		check(t.stval == 0 || t.stval == t.sepc,
		      "%s: stval is 0 or the pc", what);
}

static void test_illegal_and_breakpoint(void)
{
	cprintf("-- illegal instruction, breakpoint\n");
	expect_cause(".half 0", ill_zero16, 0, CAUSE_ILLEGAL_INSTRUCTION, 0);
	/*
	 * With the C extension, 32 zero bits are two illegal 16-bit
	 * instructions: two traps, at fn+0 and fn+2.
	 */
	expect_cause(".word 0", ill_zero32, 0, CAUSE_ILLEGAL_INSTRUCTION, 0);
	expect_cause("unimp", ill_unimp, 0, CAUSE_ILLEGAL_INSTRUCTION, 0);
	expect_cause("custom-0 opcode", ill_custom0, 0, CAUSE_ILLEGAL_INSTRUCTION, 0);
	expect_cause("OP funct7=0x7f", ill_op_funct7, 0, CAUSE_ILLEGAL_INSTRUCTION, 0);
	expect_cause("ebreak", brk32, 0, CAUSE_BREAKPOINT, 0);
	expect_cause("c.ebreak", brk16, 0, CAUSE_BREAKPOINT, 0);
}

/* ---- Access faults: no memory or device at the address --------------------- */
TRAP_FN(load_d, "ld a0, 0(a0)");
TRAP_FN(load_w, "lw a0, 0(a0)");
TRAP_FN(load_h, "lh a0, 0(a0)");
TRAP_FN(load_b, "lbu a0, 0(a0)");
TRAP_FN(store_d, "sd a0, 0(a0)");
TRAP_FN(store_w, "sw a0, 0(a0)");
TRAP_FN(store_b, "sb a0, 0(a0)");
TRAP_FN(amo_w, "amoadd.w a0, a0, (a0)");
TRAP_FN(amo_d, "amoswap.d a0, a0, (a0)");
TRAP_FN(lr_w, "lr.w a0, (a0)");
TRAP_FN(lr_d, "lr.d a0, (a0)");
TRAP_FN(sc_w, "sc.w a0, a0, (a0)");

/*
 * Loads fault with the load causes (5 access, 4 misaligned), stores and
 * AMOs with the store/AMO causes (7, 6).  QEMU 10 does so; QEMU 7.2
 * reports AMO faults with the load causes, so for AMOs the checks accept
 * both (the guest also passes there) and the printed scause shows which.
 */
enum { LOAD, STORE, AMO };

struct mem_op {
	const char *name;
	trap_fn fn;
	int kind;
};

static const struct mem_op mem_ops[] = {
	{ "ld", load_d, LOAD }, { "lw", load_w, LOAD }, { "lh", load_h, LOAD },
	{ "lbu", load_b, LOAD }, { "sd", store_d, STORE },
	{ "sw", store_w, STORE }, { "sb", store_b, STORE },
	{ "amoadd.w", amo_w, AMO }, { "amoswap.d", amo_d, AMO },
	{ "lr.w", lr_w, LOAD }, { "lr.d", lr_d, LOAD },
};

static int cause_ok(int kind, unsigned long cause, int misaligned)
{
	unsigned long ld = misaligned ? CAUSE_MISALIGNED_LOAD : CAUSE_LOAD_ACCESS;
	unsigned long st = misaligned ? CAUSE_MISALIGNED_STORE : CAUSE_STORE_ACCESS;

	if (kind == LOAD)
		return cause == ld || (misaligned && cause == CAUSE_LOAD_ACCESS);
	if (kind == STORE)
		return cause == st || (misaligned && cause == CAUSE_STORE_ACCESS);
	return cause == ld || cause == st ||
	       (misaligned && (cause == CAUSE_LOAD_ACCESS ||
			       cause == CAUSE_STORE_ACCESS));
}

static const char *kind_name[] = { "load", "store", "AMO" };
#define N_MEM_OPS (sizeof(mem_ops) / sizeof(mem_ops[0]))

static void test_access_faults(void)
{
	const unsigned long *where = nowhere;
	char what[48];

	cprintf("-- access faults\n");
	for (unsigned w = 0; w < N_NOWHERE; w++) {
		for (unsigned i = 0; i < N_MEM_OPS; i++) {
			const struct mem_op *op = &mem_ops[i];
			struct trap_record t;

			snprintf(what, sizeof(what), "%s 0x%lx", op->name, where[w]);
			expect_trap(op->fn, where[w], &t);
			show(what, op->fn, &t);
			if (!check(t.taken, "%s: traps", what))
				continue;
			check(cause_ok(op->kind, t.scause, 0), "%s: %s access fault",
			      what, kind_name[op->kind]);
			check(t.sepc == (unsigned long)op->fn, "%s: sepc = fn", what);
			check(t.stval == where[w] || t.stval == 0,
			      "%s: stval = the address (or 0)", what);
		}
	}
}

/* ---- Instruction fetch from nowhere ------------------------------------------ */
static void test_fetch_faults(void)
{
	const unsigned long *where = nowhere;

	cprintf("-- fetch access faults\n");
	for (unsigned w = 0; w < N_NOWHERE; w++) {
		struct trap_record t;
		char what[48];

		/* A call: the harness resumes at ra, right after it. */
		snprintf(what, sizeof(what), "jump to 0x%lx", where[w]);
		expect_trap((trap_fn)where[w], 0, &t);
		if (!check(t.taken, "%s: traps", what))
			continue;
		cprintf("%-24s scause=%lu sepc=%s stval=%s\n", what, t.scause,
			addr_str(t.sepc), addr_str(t.stval));
		check(t.scause == CAUSE_FETCH_ACCESS, "%s: scause = 1", what);
		check(t.sepc == where[w], "%s: sepc = the target", what);
		check(t.stval == where[w] || t.stval == 0,
		      "%s: stval = the target (or 0)", what);
	}
}

/* ---- Misaligned accesses ------------------------------------------------------ */
static uint8_t buf[32] __attribute__((aligned(16)));

static void fill_buf(void)
{
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(0x10 + i);
}

static void test_misaligned(void)
{
	unsigned long b = (unsigned long)buf;
	static const unsigned offs[] = { 1, 2, 3, 4, 7 };

	cprintf("-- misaligned accesses (buf = %s)\n", addr_str(b));
	for (unsigned i = 0; i < N_MEM_OPS + 1; i++) {
		/* mem_ops plus sc.w (which needs no reservation to fault) */
		const struct mem_op sc = { "sc.w", sc_w, AMO };
		const struct mem_op *op = i < N_MEM_OPS ? &mem_ops[i] : &sc;

		for (unsigned o = 0; o < sizeof(offs) / sizeof(offs[0]); o++) {
			struct trap_record t;
			char what[48];
			unsigned long addr = b + offs[o];

			if (op->fn == load_b || op->fn == store_b)
				continue;	/* bytes are never misaligned */
			fill_buf();
			snprintf(what, sizeof(what), "%s buf+%u", op->name, offs[o]);
			expect_trap(op->fn, addr, &t);
			if (!t.taken) {
				/* It worked: show the value / memory it produced. */
				unsigned long lo = *(volatile unsigned long *)b;
				unsigned long hi = *(volatile unsigned long *)(b + 8);
				if (op->kind == LOAD)
					cprintf("%-24s no trap, value=0x%lx\n", what, t.ret);
				else
					cprintf("%-24s no trap, ret=%s buf=%016lx %016lx\n",
						what, addr_str(t.ret), lo, hi);
				continue;
			}
			cprintf("%-24s scause=%lu sepc=fn+0x%lx stval=buf+%ld\n", what,
				t.scause, t.sepc - (unsigned long)op->fn,
				(long)(t.stval - b));
			check(t.sepc == (unsigned long)op->fn, "%s: sepc = fn", what);
			check(cause_ok(op->kind, t.scause, 1),
			      "%s: %s misaligned or access fault", what,
			      kind_name[op->kind]);
			check(t.stval == addr || t.stval == 0,
			      "%s: stval = the address (or 0)", what);
		}
	}
}

/* ---- ecall from U-mode ----------------------------------------------------------- */
TRAP_FN(user_ecall, "li a7, 0x123\necall");

static void test_user_ecall(void)
{
	struct trap_record t;

	cprintf("-- ecall from U\n");
	run_user(user_ecall, 0, &t);
	show("ecall in U", user_ecall, &t);
	check(t.taken && t.scause == CAUSE_USER_ECALL, "ecall in U: scause = 8");
	check(t.sepc == (unsigned long)user_ecall + 4, "ecall in U: sepc = the ecall");
	check(t.stval == 0, "ecall in U: stval = 0");
}

/* ---- Exceptions in vectored mode still enter at BASE -------------------------------- */
static long vec_seen = -2;

static int record_vector(struct trap_frame *f)
{
	if (f->scause == CAUSE_BREAKPOINT) {
		vec_seen = f->vector;
		f->sepc += insn_length(f->sepc);
		return 1;
	}
	return 0;
}

static void test_vectored_exception(void)
{
	cprintf("-- exception with stvec in vectored mode\n");
	trap_hook = record_vector;
	csr_write(CSR_STVEC, (unsigned long)trap_vector_table | STVEC_MODE_VECTORED);
	asm volatile("ebreak");
	csr_write(CSR_STVEC, (unsigned long)trap_entry);
	trap_hook = 0;
	cprintf("ebreak entered vector slot %ld\n", vec_seen);
	check(vec_seen == 0, "vectored mode: exception enters at BASE");
}

int main(void)
{
	test_begin("exceptions");
	test_illegal_and_breakpoint();
	test_access_faults();
	test_fetch_faults();
	test_misaligned();
	test_user_ecall();
	test_vectored_exception();
	test_end();
}
