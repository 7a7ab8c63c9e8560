/*
 * smp.c - starting other harts and keeping them in step (see guest.h).
 *
 * Every hart has a stack of its own: the boot hart the runtime's (start.S),
 * hart i the block smp_stacks[i], which smp_entry switches to.  A hart
 * tells who it is by where its stack pointer is, so no register or CSR
 * has to be set aside for it (tp belongs to picolibc, sscratch to tests).
 */
#include "guest.h"

struct smp_entry_regs smp_entry_regs[SMP_MAX_HARTS];
_Static_assert(sizeof(struct smp_entry_regs) == SMP_ENTRY_REGS_SIZE, "smp_entry_regs");

char smp_stacks[SMP_MAX_HARTS][SMP_STACK_SIZE] __attribute__((aligned(16)));

/* What each hart runs when it next comes in at smp_entry. */
static smp_fn volatile next_fn[SMP_MAX_HARTS];

unsigned long smp_hartid(void)
{
	unsigned long sp, base = (unsigned long)smp_stacks;

	asm volatile("mv %0, sp" : "=r"(sp));
	if (sp > base && sp <= base + sizeof(smp_stacks))
		return (sp - base - 1) / SMP_STACK_SIZE;
	return boot_hartid;
}

unsigned long smp_nharts;
unsigned long smp_hart[SMP_MAX_HARTS];

unsigned long smp_init(void)
{
	unsigned long n = smp_count_harts(), k = 1;

	if (n < 2 || n > SMP_MAX_HARTS || boot_hartid >= n) {
		cprintf("smp_init: %lu harts (boot hart %lu); these tests need 2 to %d\n",
			n, boot_hartid, SMP_MAX_HARTS);
		__atomic_fetch_add(&test_failures, 1, __ATOMIC_SEQ_CST);
		test_end();
	}
	smp_hart[0] = boot_hartid;
	for (unsigned long h = 0; h < n; h++)
		if (h != boot_hartid)
			smp_hart[k++] = h;
	smp_nharts = n;
	return n;
}

long smp_index(unsigned long hartid)
{
	for (unsigned long k = 0; k < smp_nharts; k++)
		if (smp_hart[k] == hartid)
			return k;
	return -1;
}

long smp_hart_status(unsigned long hartid)
{
	struct sbiret r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_STATUS, hartid);

	return r.error ? r.error : r.value;
}

unsigned long smp_count_harts(void)
{
	unsigned long n = 0;

	while (n < 4096 && smp_hart_status(n) >= 0)
		n++;
	return n;
}

struct sbiret smp_start(unsigned long hartid, smp_fn fn, unsigned long opaque)
{
	if (hartid < SMP_MAX_HARTS)
		next_fn[hartid] = fn;
	/* The started hart must see next_fn (and everything before it). */
	asm volatile("fence rw, rw" ::: "memory");
	return sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, hartid,
			(unsigned long)smp_entry, opaque);
}

struct sbiret smp_suspend_nonret(smp_fn fn, unsigned long opaque)
{
	unsigned long self = smp_hartid();

	if (self < SMP_MAX_HARTS)
		next_fn[self] = fn;
	asm volatile("fence rw, rw" ::: "memory");
	return sbi_call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND,
			SBI_HSM_SUSPEND_NON_RETENTIVE, (unsigned long)smp_entry, opaque);
}

/* Called by smp_entry (start.S) on the hart's own stack. */
void smp_secondary(unsigned long hartid, unsigned long opaque)
{
	smp_fn fn = next_fn[hartid];

	if (fn)
		fn(hartid, opaque);
	else
		cprintf("hart %lu came in at smp_entry with nothing to run\n", hartid);
	sbi_call(SBI_EXT_HSM, SBI_HSM_HART_STOP);
	/* hart_stop does not return when it succeeds. */
	cprintf("hart %lu: hart_stop returned\n", hartid);
	__atomic_fetch_add(&test_failures, 1, __ATOMIC_SEQ_CST);
	for (;;)
		asm volatile("wfi");
}

int smp_barrier_wait(struct smp_barrier *b, int n, unsigned long deadline)
{
	/*
	 * gen cannot move before this hart arrives, so reading it first is
	 * safe; the last to arrive resets count and then bumps gen.
	 */
	int gen = __atomic_load_n(&b->gen, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&b->count, 1, __ATOMIC_ACQ_REL) == n) {
		__atomic_store_n(&b->count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&b->gen, gen + 1, __ATOMIC_RELEASE);
		return 1;
	}
	while (__atomic_load_n(&b->gen, __ATOMIC_ACQUIRE) == gen)
		if (rdtime() > deadline)
			return 0;
	return 1;
}

int smp_wait_eq(volatile unsigned long *p, unsigned long value, unsigned long deadline)
{
	while (__atomic_load_n(p, __ATOMIC_ACQUIRE) != value)
		if (rdtime() > deadline)
			return 0;
	return 1;
}
