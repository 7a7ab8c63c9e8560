/*
 * trap.c - the C half of trap handling: the trap harness used by tests.
 */
#include "guest.h"

_Static_assert(offsetof(struct trap_frame, sepc) == TF_SEPC, "frame");
_Static_assert(offsetof(struct trap_frame, sstatus) == TF_SSTATUS, "frame");
_Static_assert(offsetof(struct trap_frame, scause) == TF_SCAUSE, "frame");
_Static_assert(offsetof(struct trap_frame, stval) == TF_STVAL, "frame");
_Static_assert(offsetof(struct trap_frame, vector) == TF_VECTOR, "frame");
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "frame");

int (*trap_hook)(struct trap_frame *f);

/* expect_trap() in progress, per hart (smp_hartid() modulo the array). */
static struct trap_record *armed_by_hart[SMP_MAX_HARTS];

static struct trap_record **armed_slot(void)
{
	return &armed_by_hart[smp_hartid() % SMP_MAX_HARTS];
}
static struct trap_record *user_rec;	/* run_user() in progress (boot hart) */

unsigned long user_enter(trap_fn fn, unsigned long arg);
void user_leave(unsigned long value) __attribute__((noreturn));

/*
 * The two low bits of every instruction tell its length: 11 means a
 * 32-bit instruction, anything else a 16-bit compressed one (C extension).
 * Read in 16-bit pieces: a 32-bit instruction may be only 2-byte aligned.
 */
unsigned long insn_length(unsigned long addr)
{
	return (*(volatile uint16_t *)addr & 3) == 3 ? 4 : 2;
}

unsigned long insn_fetch(unsigned long addr)
{
	unsigned long lo = *(volatile uint16_t *)addr;

	if ((lo & 3) != 3)
		return lo;
	return lo | (unsigned long)*(volatile uint16_t *)(addr + 2) << 16;
}

/* A fetch fault means sepc itself is unreadable (and there is nothing to skip). */
static int is_fetch_fault(unsigned long cause)
{
	return cause == CAUSE_MISALIGNED_FETCH || cause == CAUSE_FETCH_ACCESS ||
	       cause == CAUSE_FETCH_PAGE_FAULT;
}

static void record(struct trap_record *rec, struct trap_frame *f)
{
	rec->taken = 1;
	rec->scause = f->scause;
	rec->sepc = f->sepc;
	rec->stval = f->stval;
	rec->sstatus = f->sstatus;
	if (is_fetch_fault(f->scause)) {
		rec->insn = 0;
		rec->insn_len = 0;
	} else {
		rec->insn = insn_fetch(f->sepc);
		rec->insn_len = insn_length(f->sepc);
	}
}

int expect_trap(trap_fn fn, unsigned long arg, struct trap_record *rec)
{
	struct trap_record **armed = armed_slot();
	unsigned long ret;

	*rec = (struct trap_record){ 0 };
	*armed = rec;
	ret = fn(arg);
	*armed = 0;
	rec->ret = ret;
	return rec->taken;
}

unsigned long run_user(trap_fn fn, unsigned long arg, struct trap_record *rec)
{
	*rec = (struct trap_record){ 0 };
	user_rec = rec;
	return user_enter(fn, arg);
}

void main_returned(void)
{
	cprintf("main() returned\n");
	__atomic_fetch_add(&test_failures, 1, __ATOMIC_SEQ_CST);
	test_end();
}

/* Called from start.S with the saved registers of the interrupted code. */
void trap_handler(struct trap_frame *f)
{
	int from_user = !(f->sstatus & SSTATUS_SPP);
	struct trap_record *armed;

	if (trap_hook && trap_hook(f))
		return;
	armed = *armed_slot();

	if (!(f->scause & CAUSE_INTERRUPT)) {
		/* An exception in U-mode ends the current run_user(). */
		if (from_user && user_rec) {
			struct trap_record *rec = user_rec;

			user_rec = 0;
			if (f->scause == CAUSE_USER_ECALL &&
			    f->sepc == (unsigned long)user_exit_ecall &&
			    f->regs[17] == USER_EXIT_A7)
				user_leave(f->regs[10]);  /* fn returned a0 */
			record(rec, f);
			rec->count = 1;
			user_leave(0);
		}
		/* An exception expected by expect_trap(): record and skip it. */
		if (!from_user && armed) {
			if (!armed->taken)
				record(armed, f);
			armed->count++;
			if (is_fetch_fault(f->scause))
				f->sepc = f->regs[1];	/* back to the caller */
			else
				f->sepc += insn_length(f->sepc);
			return;
		}
	}

	cprintf("UNEXPECTED TRAP: scause=0x%lx sepc=%s stval=0x%lx from %s\n",
		f->scause, addr_str(f->sepc), f->stval, from_user ? "U" : "S");
	__atomic_fetch_add(&test_failures, 1, __ATOMIC_SEQ_CST);
	test_end();
}
