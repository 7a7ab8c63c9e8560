/*
 * sched_fair - two CPU-bound harts, to see how fairly Umbra's scheduler
 * shares one real hart between two vCPUs (tests/test_sched.py runs it with
 * smp=2 on 1 hart).  Not a differential test: the counts depend on the
 * machine's speed, so it prints them and the test compares the two.
 *
 * Both harts wait for the same start time, then count loop iterations
 * until the same end time (the time CSR is the same clock on every hart,
 * virtual or not), so each count measures how much of that second the
 * hart really ran.  Each hart also keeps its own value in f31 and its own
 * rounding mode in fcsr across the run: under Umbra they survive only if
 * the scheduler moves the FP state with the vCPU ("fp ok" or "fp LOST").
 * On a hart with V (sstatus.VS can be turned on), the same with v31 and
 * vl ("vector ok", "vector LOST"; "vector none" without V).
 */
#include "guest.h"

#define RUN_TICKS_DIV 1        /* run for timebase / this: one second */
#define TIMEBASE_HZ 10000000UL /* QEMU virt's time CSR */

static volatile unsigned long start_at, end_at;
static volatile unsigned long count1, done1, fp_ok1, v_ok1;

/* Can sstatus.VS be turned on (does the hart have V)? */
static int has_v(void)
{
	csr_set(CSR_SSTATUS, SSTATUS_VS & (SSTATUS_VS >> 1));	/* Initial */
	return (csr_read(CSR_SSTATUS) & SSTATUS_VS) != 0;
}

/* Put 'pattern' in element 0 of v31, with vl = 'vl' 32-bit elements. */
static void v_set(unsigned long pattern, unsigned long vl)
{
	asm volatile(".option push; .option arch, +v\n"
		     "vsetvli zero, %1, e32, m1, ta, ma\n"
		     "vmv.v.x v31, %0\n"
		     ".option pop" :: "r"(pattern), "r"(vl));
}

static int v_check(unsigned long pattern, unsigned long vl)
{
	unsigned long got, cur;
	asm volatile(".option push; .option arch, +v\n"
		     "csrr %1, vl\n"
		     "vmv.x.s %0, v31\n"
		     ".option pop" : "=r"(got), "=r"(cur));
	return (unsigned)got == (unsigned)pattern && cur == vl;
}

static inline unsigned long now(void)
{
	return csr_read(CSR_TIME);
}

/* Put 'pattern' in f31 and 'frm' in fcsr.frm (FS on first). */
static void fp_set(unsigned long pattern, unsigned long frm)
{
	csr_set(CSR_SSTATUS, SSTATUS_FS_INITIAL);
	asm volatile("fmv.d.x f31, %0; fsrm %1" :: "r"(pattern), "r"(frm));
}

/* Are they still there? */
static int fp_check(unsigned long pattern, unsigned long frm)
{
	unsigned long got, rm;
	asm volatile("fmv.x.d %0, f31; frrm %1" : "=r"(got), "=r"(rm));
	return got == pattern && rm == frm;
}

/* Count iterations from start_at to end_at (the time read every 256). */
static unsigned long spin(void)
{
	unsigned long n = 0;

	while (now() < start_at)
		;
	for (;;) {
		for (int i = 0; i < 256; i++)
			asm volatile("" ::: "memory");
		n++;
		if (now() >= end_at)
			return n;
	}
}

static void second(unsigned long hartid, unsigned long opaque)
{
	(void)hartid, (void)opaque;
	fp_set(0x1111222233334444UL, 1);
	if (has_v())
		v_set(0x13579bdf, 1);
	count1 = spin();
	fp_ok1 = fp_check(0x1111222233334444UL, 1);
	v_ok1 = !has_v() || v_check(0x13579bdf, 1);
	__atomic_store_n(&done1, 1, __ATOMIC_RELEASE);
}

int main(void)
{
	smp_init();
	start_at = now() + TIMEBASE_HZ / 10;
	end_at = start_at + TIMEBASE_HZ / RUN_TICKS_DIV;
	struct sbiret r = smp_start(smp_hart[1], second, 0);
	if (r.error) {
		cprintf("sched_fair: hart_start failed: %ld\n", r.error);
		sbi_shutdown(1);
	}
	fp_set(0x5555666677778888UL, 2);
	int v = has_v();
	if (v)
		v_set(0x2468ace0, 2);
	unsigned long count0 = spin();
	int fp_ok0 = fp_check(0x5555666677778888UL, 2);
	int v_ok0 = !v || v_check(0x2468ace0, 2);
	while (!__atomic_load_n(&done1, __ATOMIC_ACQUIRE))
		;
	cprintf("sched_fair: counts %lu %lu\n", count0, count1);
	cprintf("sched_fair: fp %s\n", fp_ok0 && fp_ok1 ? "ok" : "LOST");
	cprintf("sched_fair: vector %s\n", !v ? "none" : v_ok0 && v_ok1 ? "ok" : "LOST");
	sbi_shutdown(0);
}
