/*
 * sched_fair - two CPU-bound harts, to see how fairly Umbra's scheduler
 * shares one real hart between two vCPUs (tests/test_sched.py runs it with
 * smp=2 on 1 hart).  Not a differential test: the counts depend on the
 * machine's speed, so it prints them and the test compares the two.
 *
 * Both harts wait for the same start time, then count loop iterations
 * until the same end time (the time CSR is the same clock on every hart,
 * virtual or not), so each count measures how much of that second the
 * hart really ran.
 */
#include "guest.h"

#define RUN_TICKS_DIV 1        /* run for timebase / this: one second */
#define TIMEBASE_HZ 10000000UL /* QEMU virt's time CSR */

static volatile unsigned long start_at, end_at;
static volatile unsigned long count1, done1;

static inline unsigned long now(void)
{
	return csr_read(CSR_TIME);
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
	count1 = spin();
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
	unsigned long count0 = spin();
	while (!__atomic_load_n(&done1, __ATOMIC_ACQUIRE))
		;
	cprintf("sched_fair: counts %lu %lu\n", count0, count1);
	sbi_shutdown(0);
}
