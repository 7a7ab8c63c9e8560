/*
 * demo-privilege - a kernel, a user program, and the two ways the user
 * program comes back into the kernel: on purpose (a system call) and by
 * mistake (a privileged instruction).  A demo for a class; it also runs
 * in the differential suite (tests/test_diff.py).
 *
 * RISC-V privilege levels, from most to least privileged:
 *   M  machine     the firmware (OpenSBI), or under Umbra: Umbra + OpenSBI
 *   S  supervisor  this kernel
 *   U  user        the "program" below (user_main)
 * A lower level cannot touch the state of a higher one: an attempt traps
 * into the higher level instead.  Traps from U go to S when the firmware
 * delegates them (medeleg); OpenSBI delegates the ecall from U and, for
 * instructions it cannot emulate itself, passes illegal instructions on.
 *
 * The story:
 *   1. the kernel points stvec at its trap entry,
 *   2. sret drops to U-mode at user_main,
 *   3. user_main makes a system call: ecall with a7 = the call number
 *      (like Linux: 64 = write, 93 = exit) -> scause 8 in the kernel,
 *   4. user_main reads sstatus, an S-mode CSR -> illegal instruction,
 *      scause 2; the kernel skips the instruction and returns,
 *   5. user_main calls exit -> the kernel shuts the machine down.
 * Everything printed is the same on every run (no times, no addresses
 * outside the image), natively and under Umbra.
 */
#include "../lib/guest.h"

/* System call numbers (the Linux ones, for familiarity). */
#define SYS_WRITE 64
#define SYS_EXIT  93

/* csrrs a0, sstatus, zero ("csrr a0, sstatus"): the bits the hart reports. */
#define INSN_CSRR_A0_SSTATUS 0x10002573UL
#define INSN_ECALL           0x00000073UL

/* ---- The user program (runs in U-mode) ------------------------------------
 * It may not call the SBI (an ecall from U reaches the kernel, not the
 * firmware) nor touch S-mode CSRs: all it can do is compute and ask the
 * kernel.  In Bare mode (satp = 0, no paging) U-mode can still read and
 * write all memory the firmware's PMP lets S-mode have: isolation between
 * programs needs page tables (see demo-paging).
 */

/*
 * A system call: a7 = number, a0 = argument; the kernel's answer comes
 * back in a0.  ecall itself does nothing else: it raises "environment
 * call from U-mode" (scause 8) with sepc = the ecall's own address.
 */
static long syscall1(long num, unsigned long arg)
{
	register long a7 asm("a7") = num;
	register unsigned long a0 asm("a0") = arg;

	asm volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
	return (long)a0;
}

/*
 * Read sstatus from U-mode: the CSR number's bits 9:8 (01 = S) say which
 * privilege it needs, so the hart refuses and raises an illegal
 * instruction exception (scause 2, stval = the instruction bits or 0).
 * a0 = 0 first: if the kernel skips the instruction, 0 is what we get.
 */
TRAP_FN(user_read_sstatus, "li a0, 0\ncsrr a0, sstatus");

static volatile int user_step;	/* how far user_main got (the kernel checks) */

static void user_main(void)
{
	user_step = 1;
	syscall1(SYS_WRITE, (unsigned long)"hello from U-mode, through the write system call");
	user_step = 2;
	unsigned long s = user_read_sstatus(0);
	user_step = 3;
	syscall1(SYS_WRITE, (unsigned long)(s == 0 ? "the csrr came back without a value"
						   : "the csrr gave a value?!"));
	syscall1(SYS_EXIT, 0);
	for (;;)
		;		/* not reached: exit does not return */
}

/* The U-mode stack (the kernel's own stack is the runtime's, in start.S). */
static unsigned long user_stack[512] __attribute__((aligned(16)));

/* ---- The kernel (S-mode) ------------------------------------------------------ */

static int syscalls, illegal_traps;

static const char *mode_name(unsigned long sstatus)
{
	/* sstatus.SPP: the privilege the hart was in when the trap came. */
	return (sstatus & SSTATUS_SPP) ? "S" : "U";
}

static const char *insn_name(unsigned long insn)
{
	if (insn == INSN_ECALL)
		return "ecall";
	if (insn == INSN_CSRR_A0_SSTATUS)
		return "csrrs a0,sstatus,zero";
	return "?";
}

/*
 * Every trap comes here (start.S saved all registers in *f and read sepc,
 * sstatus, scause, stval for us).  Return 1: start.S restores the
 * registers, writes f->sepc back to sepc and executes sret, which returns
 * to the privilege in sstatus.SPP (U here) at sepc.
 */
static int kernel_trap(struct trap_frame *f)
{
	unsigned long insn = insn_fetch(f->sepc);

	cprintf("kernel: trap from %s-mode: scause=%lu sepc=%s insn=0x%08lx (%s)\n",
		mode_name(f->sstatus), f->scause, addr_str(f->sepc), insn,
		insn_name(insn));
	check(!(f->sstatus & SSTATUS_SPP), "the trap came from U-mode (sstatus.SPP = 0)");

	switch (f->scause) {
	case CAUSE_USER_ECALL:
		/* A system call: the number in a7, the argument in a0. */
		syscalls++;
		check(insn == INSN_ECALL, "sepc points at the ecall itself");
		if (f->regs[17] == SYS_WRITE) {
			/* (A real kernel checks that the program may read there.) */
			cprintf("kernel: system call write: \"%s\"\n", (const char *)f->regs[10]);
			f->regs[10] = 0;	/* the result, in a0 */
		} else if (f->regs[17] == SYS_EXIT) {
			cprintf("kernel: system call exit(%lu): the program is done\n",
				f->regs[10]);
			check(syscalls == 3 && illegal_traps == 1 && user_step == 3,
			      "the program ran to its end: 2 writes, 1 illegal instruction, exit");
			test_end();	/* powers off through the SBI */
		} else {
			cprintf("kernel: unknown system call %lu\n", f->regs[17]);
			f->regs[10] = -1UL;
		}
		/* sepc is the ecall: return past it, or it would run again. */
		f->sepc += 4;
		cprintf("kernel: sret back to U-mode at sepc + 4\n");
		return 1;
	case CAUSE_ILLEGAL_INSTRUCTION:
		/*
		 * A real kernel would end the program (SIGILL on Unix); this
		 * one says what happened and skips the instruction.
		 */
		illegal_traps++;
		cprintf("kernel: illegal instruction, stval=%s\n",
			f->stval == insn ? "the instruction bits" :
			f->stval == 0 ? "0" : "something else");
		check(insn == INSN_CSRR_A0_SSTATUS, "sepc points at the csrr");
		check(f->stval == insn || f->stval == 0, "stval is the instruction or 0");
		check(user_step == 2, "it came from the csrr in user_main");
		f->sepc += insn_length(f->sepc);
		cprintf("kernel: skipped it, sret back to U-mode after the csrr\n");
		return 1;
	}
	return 0;	/* anything else: the runtime reports UNEXPECTED TRAP */
}

int main(void)
{
	test_begin("demo-privilege");
	cprintf("kernel: hello from S-mode\n");

	/*
	 * 1. Where traps go: stvec = trap_entry (start.S), MODE = 0 (direct:
	 * every trap enters at that one address).  start.S did this already;
	 * a kernel does it before anything can trap.
	 */
	csr_write(CSR_STVEC, (unsigned long)trap_entry);
	trap_hook = kernel_trap;
	cprintf("kernel: stvec = trap_entry, direct mode\n");

	/*
	 * 2. Down to U-mode.  There is no "enter U" instruction: the kernel
	 * pretends it is returning from a trap that came from U.  sret sets
	 * the privilege to sstatus.SPP (0 = U), pc = sepc, and
	 * sstatus.SIE = SPIE (0 here: no interrupts in this demo anyway).
	 * The program gets its own stack.  (This runtime's trap entry saves
	 * the registers on whatever stack is in use, so the kernel handles
	 * the program's traps on the program's stack; a real kernel switches
	 * to its own first, with the help of sscratch.)
	 */
	csr_clear(CSR_SSTATUS, SSTATUS_SPP | SSTATUS_SPIE);
	csr_write(CSR_SEPC, (unsigned long)user_main);
	cprintf("kernel: sret to U-mode at user_main (sstatus.SPP = 0)\n");
	asm volatile("mv sp, %0\n"
		     "sret\n"
		     :: "r"(user_stack + ARRAY_SIZE(user_stack)) : "memory");
	__builtin_unreachable();
}
