/*
 * lock.h - a spinlock for Umbra's shared state, and the order locks are
 * taken in.
 *
 * Umbra runs with interrupts off (sstatus.SIE = 0 whenever it is in
 * S-mode), so a lock never needs to mask them: a hart holding a lock cannot
 * be interrupted into code that wants it again.  The lock is one word taken
 * with an atomic swap that has acquire ordering (amoswap.w.aq) and given
 * back with a store that has release ordering (amoswap.w.rl / fence +
 * sw), so whatever one hart wrote under the lock is seen by the next.
 *
 * Lock order (a hart holding one of these may take only locks further down
 * the list, never one above it; none is taken twice):
 *   1. board->lock   a VM's device models, its disk requests and console
 *                    input (vdev/board.c)
 *   2. mm lock       the host page allocator (core/mm.c)
 *   3. console lock  Umbra's console output and the host UART (core/console.c)
 * and two per-vCPU locks that are taken alone, holding nothing else:
 *      vcpu->fence.lock  the remote fences posted to it (trap/request.c)
 *      vcpu->start_lock  HSM hart_start claiming it (trap/sbi_hsm.c)
 * What is not in the list needs no lock: a vCPU's state belongs to the hart
 * that runs it (others post requests to it with atomics, see request.c in
 * src/trap), and per-hart data is reached through tp.  The scheduler
 * (core/sched.c) adds no lock: a hart's run list and its vCPUs' scheduler
 * state are touched only by that hart, whose scheduler and vCPU threads
 * take turns; a vCPU's 'kicked' flag is an atomic.  A vCPU's thread gives
 * its hart away only where it holds no lock (sched_wait, the end of an
 * exit): a vCPU of the same hart spinning on a lock the descheduled one
 * holds would wait forever.
 */
#ifndef UMBRA_LOCK_H
#define UMBRA_LOCK_H

#include <stdint.h>

typedef struct {
	uint32_t locked;
} spinlock_t;

#define SPINLOCK_INIT { 0 }

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			;	/* spin on a plain load: no bus traffic */
}

static inline bool spin_trylock(spinlock_t *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
