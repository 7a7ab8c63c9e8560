/*
 * bench.h - measuring guest operations for `make bench` (bench/).
 *
 * instret counts instructions retired at every privilege level (the
 * guest's, Umbra's, OpenSBI's): under QEMU -icount shift=0 it is exactly
 * the guest-visible time in ns.  The time CSR gives wall time (10 MHz on
 * QEMU virt).  Each result is printed as
 *     BENCH <name> <instructions per op> <time ticks per 1000 ops>
 * which bench/bench.py reads.
 */
#ifndef GUEST_BENCH_H
#define GUEST_BENCH_H

#include "guest.h"

static inline unsigned long rdinstret(void)
{
	unsigned long v;
	asm volatile("rdinstret %0" : "=r"(v));
	return v;
}

struct bench_mark { unsigned long instret, time; };

static inline struct bench_mark bench_start(void)
{
	return (struct bench_mark){ rdinstret(), rdtime() };
}

/* Report 'ops' operations since 'm', less 'base' (a measured empty loop). */
static inline void bench_report(const char *name, struct bench_mark m, unsigned long ops,
				const struct bench_mark *base)
{
	unsigned long di = rdinstret() - m.instret, dt = rdtime() - m.time;
	if (base) {
		di -= di > base->instret ? base->instret : di;
		dt -= dt > base->time ? base->time : dt;
	}
	cprintf("BENCH %-22s %8lu %10lu\n", name, di / ops, dt * 1000 / ops);
}

#endif
