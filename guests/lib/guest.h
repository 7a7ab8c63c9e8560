/*
 * guest.h - the runtime every test guest links with.
 *
 * A test guest is a tiny S-mode kernel: OpenSBI (or Umbra) enters it at
 * 0x80200000 in S-mode with a0 = hartid and a1 = device-tree address.
 * start.S sets up a stack and a trap vector and calls main(); this header
 * gives main() CSR access, a console, SBI calls and a trap harness.
 */
#ifndef GUEST_H
#define GUEST_H

#include "../../src/include/riscv.h"

/*
 * Trap frame layout, shared with start.S.  regs[n] holds register xn
 * (regs[0] is unused: x0 is always zero).
 */
#define TF_REGS     0
#define TF_SEPC     (32 * 8)
#define TF_SSTATUS  (33 * 8)
#define TF_SCAUSE   (34 * 8)
#define TF_STVAL    (35 * 8)
#define TF_VECTOR   (36 * 8)
#define TF_SIZE     (38 * 8)	/* keeps sp 16-byte aligned */

/* The a7 value of the ecall that ends a run_user() call (see start.S). */
#define USER_EXIT_A7 0x55534552	/* "USER" */

/*
 * SMP: harts with hartid < SMP_MAX_HARTS can be started at smp_entry;
 * each gets its own stack of SMP_STACK_SIZE bytes (smp.c, start.S).
 * struct smp_entry_regs is SMP_ENTRY_REGS_SIZE bytes.
 */
#define SMP_MAX_HARTS		8
#define SMP_STACK_SIZE		8192
#define SMP_ENTRY_REGS_SIZE	(8 * 8)

#ifndef __ASSEMBLER__

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include "sbi.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- CSR access ---------------------------------------------------------
 * CSRs are named by number (from riscv.h) so the same macros work for any
 * CSR, even ones the assembler has no name for.  csrrw/csrrs/csrrc are the
 * only CSR instructions; csrr/csrw/csrs/csrc are assembler shorthands.
 */
#define __STR(x) #x
#define STR(x) __STR(x)
#define csr_read(csr) ({ unsigned long __v; \
	asm volatile("csrr %0, " STR(csr) : "=r"(__v) :: "memory"); __v; })
#define csr_write(csr, val) ({ unsigned long __v = (unsigned long)(val); \
	asm volatile("csrw " STR(csr) ", %0" :: "rK"(__v) : "memory"); })
#define csr_set(csr, val) ({ unsigned long __v = (unsigned long)(val); \
	asm volatile("csrs " STR(csr) ", %0" :: "rK"(__v) : "memory"); })
#define csr_clear(csr, val) ({ unsigned long __v = (unsigned long)(val); \
	asm volatile("csrc " STR(csr) ", %0" :: "rK"(__v) : "memory"); })
/* Write a CSR and read back what stuck (WARL fields keep only legal values). */
#define csr_write_read(csr, val) ({ csr_write(csr, val); csr_read(csr); })

/* ---- Boot state (start.S) --------------------------------------------- */
extern unsigned long boot_hartid, boot_dtb;
/* CSR values as found at entry, before start.S changed anything. */
struct boot_csrs {
	unsigned long sstatus, sie, sip, stvec, sscratch, sepc, scause,
		stval, satp, scounteren, senvcfg;
};
extern struct boot_csrs boot_csrs;

/* ---- Console (console.c) ------------------------------------------------ */
void console_puts(const char *s);
/* printf to the SBI console; formatting is picolibc's vsnprintf. */
void cprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- Test bookkeeping (console.c) --------------------------------------- */
void test_begin(const char *name);
/* Print "ok: <what>" or "FAIL: <what>"; returns cond. */
int check(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print the final TEST line and power off (never returns). */
void test_end(void) __attribute__((noreturn));
extern int test_failures;
/*
 * A check made only 'when' holds, and printed only if it fails: for what
 * the spec requires but the reference machine (QEMU + OpenSBI, natively)
 * gets wrong.  A guest sets 'when' once it knows it runs elsewhere (on
 * Umbra); its output is the same either way.
 */
#define check_if(when, cond, ...) do {				\
		if ((when) && !(cond))				\
			check(0, __VA_ARGS__);			\
	} while (0)

/* ---- Traps (trap.c, start.S) -------------------------------------------- */
struct trap_frame {
	unsigned long regs[32];
	unsigned long sepc, sstatus, scause, stval;
	long vector;		/* -1: direct entry; n: vectored entry n */
	unsigned long pad;
};

/* Code that tests run and watch for traps: takes and returns one value. */
typedef unsigned long (*trap_fn)(unsigned long);

/* What one trap looked like. */
struct trap_record {
	int taken;		/* 0: no trap happened */
	int count;		/* traps seen (expect_trap records the first) */
	unsigned long scause, sepc, stval;
	unsigned long sstatus;	/* sstatus as seen by the handler */
	unsigned long insn;	/* instruction bits at sepc (0 if unreadable) */
	unsigned long insn_len;	/* 2 or 4 (0 if unreadable) */
	unsigned long ret;	/* what fn returned (expect_trap only) */
};

/*
 * Call fn(arg) in S-mode and catch the exceptions it raises.  The handler
 * records the first one, counts all, and resumes after the faulting
 * instruction each time (sepc += 2 or 4).  An instruction-fetch fault has
 * nothing to skip: it resumes at the return address ra, so the faulting
 * code must be reached by a call.  Returns rec->taken.
 */
int expect_trap(trap_fn fn, unsigned long arg, struct trap_record *rec);

/*
 * Run fn(arg) in U-mode.  sret drops to U with sstatus.SIE = SPIE, so the
 * caller chooses the U-mode SIE by setting SPIE first.  The run ends when
 * fn returns (rec->taken = 0, returns fn's value) or at the first
 * exception taken from U (rec->taken = 1, returns 0).  Interrupts taken
 * in U go to trap_hook and then back to U.
 */
unsigned long run_user(trap_fn fn, unsigned long arg, struct trap_record *rec);

/*
 * Optional per-test hook called first for every trap; return 1 if it
 * handled the trap (the handler then returns to frame->sepc), 0 to fall
 * through to the default handling.  Interrupts must be handled here.
 */
extern int (*trap_hook)(struct trap_frame *f);

/* Entry points in start.S, for tests that program stvec themselves. */
extern char trap_entry[];	/* direct-mode entry, 4-byte aligned */
extern char trap_vector_table[];	/* vectored-mode table, 256-byte aligned */
extern char user_exit[];		/* where a run_user() fn returns to */
extern char user_exit_ecall[];	/* the ecall there that ends the run */

/* Length of the instruction at addr: 2 if compressed, else 4. */
unsigned long insn_length(unsigned long addr);
/* Instruction bits at addr (16 or 32 bits). */
unsigned long insn_fetch(unsigned long addr);

/*
 * TRAP_FN(name, "insns") defines a trap_fn in assembly,
 * unsigned long name(unsigned long a0), made of exactly the given
 * instructions (uncompressed unless the body says ".option rvc"), then
 * ret; it returns whatever is left in a0.  The trapping instruction is
 * thus at a known offset from name (0 if it comes first).
 */
#define TRAP_FN(name, body)						\
	unsigned long name(unsigned long);				\
	asm(".text\n.balign 4\n.globl " #name "\n.type " #name ", @function\n" \
	    #name ":\n.option push\n.option norvc\n" body "\n"	\
	    ".option pop\nret\n.size " #name ", . - " #name "\n")

/* Print-friendly address: "img+0x..." inside the guest image, else hex. */
const char *addr_str(unsigned long addr);
extern char _start[], _end[];

/* Time from the time CSR (only for bounded waits; never print it). */
static inline unsigned long rdtime(void)
{
	unsigned long t;
	asm volatile("rdtime %0" : "=r"(t));
	return t;
}

/* The time CSR ticks at 10 MHz on QEMU virt (DT timebase-frequency). */
#define TICKS_PER_MS 10000UL

/* Spin until *flag != 0 or time >= deadline (start.S); returns *flag. */
int wait_flag(volatile int *flag, unsigned long deadline);
extern char wait_loop[], wait_loop_end[];	/* the spinning instructions */

/* Was this interrupt taken while spinning in wait_flag()? */
static inline int in_wait_loop(unsigned long epc)
{
	return epc >= (unsigned long)wait_loop && epc < (unsigned long)wait_loop_end;
}

/* A deadline ms milliseconds from now, for bounded waits. */
static inline unsigned long deadline_ms(unsigned long ms)
{
	return rdtime() + ms * TICKS_PER_MS;
}

/* ---- SMP (smp.c, start.S) ---------------------------------------------------
 * The boot hart (boot_hartid, the one OpenSBI or Umbra entered at _start)
 * runs main() on the runtime's stack.  Other harts are started with SBI HSM
 * hart_start at smp_entry (smp_start() does it): smp_entry records a0, a1
 * and a few CSRs as found (smp_entry_regs[hartid]), takes the hart's own
 * stack (smp_stacks[hartid]), sets gp/tp and stvec = trap_entry, and calls
 * the function smp_start() (or smp_suspend_nonret()) named for that hart,
 * fn(hartid, opaque).  When fn returns, the hart stops itself (HSM
 * hart_stop).  The same entry serves as a non-retentive suspend's resume
 * address.
 *
 * What is per hart: the stack, expect_trap() (armed per hart), the trap
 * frame.  What is not: trap_hook (one hook for all harts: it can tell them
 * apart with smp_hartid()), run_user() and the pt_run_user() runner (boot
 * hart only), the page-table pool (allocate on one hart), picolibc's TLS
 * (errno: shared, tp is the same on every hart).  The console is locked
 * per call (cprintf, check and console_puts print whole), but tests should
 * print from one hart only and keep the output independent of the order
 * in which harts ran.
 */
struct smp_entry_regs {
	unsigned long a0, a1;		/* hartid, opaque */
	unsigned long sstatus, satp, sie, sip;
	unsigned long entries;		/* times this hart came in at smp_entry */
	unsigned long stvec;
};
extern struct smp_entry_regs smp_entry_regs[SMP_MAX_HARTS];
extern char smp_entry[];

/* Code a started hart runs: its hartid and the opaque value of the start. */
typedef void (*smp_fn)(unsigned long hartid, unsigned long opaque);

/*
 * The harts by index: smp_hart[0] is the boot hart, then the others in
 * hartid order, so that what a test prints does not depend on which hart
 * the firmware happened to boot on.  smp_init() fills them in (and stops
 * the test unless there are 2..SMP_MAX_HARTS harts); smp_index() maps a
 * hartid back.
 */
extern unsigned long smp_nharts;
extern unsigned long smp_hart[SMP_MAX_HARTS];
unsigned long smp_init(void);
long smp_index(unsigned long hartid);
/* How long SMP tests wait for another hart before they call it a failure. */
#define SMP_WAIT_MS 20000

/* The hartid of the hart that calls it (from the stack it runs on). */
unsigned long smp_hartid(void);
/*
 * How many harts there are: hartids 0..n-1 (QEMU virt numbers them so),
 * found with HSM hart_get_status until it answers INVALID_PARAM.
 */
unsigned long smp_count_harts(void);
/* HSM hart_start(hartid, smp_entry, opaque), the hart to run fn(hartid, opaque). */
struct sbiret smp_start(unsigned long hartid, smp_fn fn, unsigned long opaque);
/* HSM hart_get_status(hartid); returns the state or the (negative) error. */
long smp_hart_status(unsigned long hartid);
/*
 * HSM non-retentive suspend of the calling hart: on resume it comes in at
 * smp_entry (fresh stack) and runs fn(hartid, opaque).  Returns only if
 * the suspend failed.
 */
struct sbiret smp_suspend_nonret(smp_fn fn, unsigned long opaque);

/* A spin barrier for n harts on shared memory (AMOs); zero-initialise. */
struct smp_barrier {
	volatile int count;
	volatile int gen;
};
/* Wait until n harts arrived; returns 1, or 0 if deadline (time CSR) passed. */
int smp_barrier_wait(struct smp_barrier *b, int n, unsigned long deadline);
/* Spin until *p == value or the deadline passes; returns 1 if it did. */
int smp_wait_eq(volatile unsigned long *p, unsigned long value, unsigned long deadline);
/* Atomic add, returns the old value (amoadd.d). */
static inline unsigned long smp_fetch_add(volatile unsigned long *p, unsigned long v)
{
	return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}

/*
 * Pseudo-random numbers for the guests that attack with random input:
 * xorshift64* (Vigna, "An experimental exploration of Marsaglia's
 * xorshift generators, scrambled"), a fixed seed per guest in *state
 * (never 0), so every run makes the same attacks.
 */
static inline uint64_t rand_next(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dUL;
}

/* 0 .. n-1, from the high bits (the better ones). */
static inline unsigned rand_below(uint64_t *state, unsigned n)
{
	return (unsigned)((rand_next(state) >> 33) % n);
}

#endif /* __ASSEMBLER__ */
#endif /* GUEST_H */
