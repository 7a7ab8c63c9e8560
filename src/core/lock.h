/*
 * lock.h - a spinlock for Umbra's shared state, and the order locks are
 * taken in.
 *
 * Umbra runs with interrupts off (sstatus.SIE = 0 whenever it is in
 * S-mode), so a lock never needs to mask them: a hart holding a lock cannot
 * be interrupted into code that wants it again.
 *
 * It is a ticket lock, so harts get it in the order they asked: a hart
 * draws a ticket (an atomic add on 'next', amoadd.w) and waits until
 * 'serving' shows its number (a load with acquire ordering); unlocking
 * serves the next ticket (a store with release ordering), so whatever one
 * hart wrote under the lock is seen by the next.  A plain test-and-set lock
 * is not fair: a hart that gives the lock back and takes it again at once
 * (a guest printing, one console lock per character) can keep another hart
 * out of it for as long as it likes, and with several VMs that hart is
 * another guest's, which then does not run at all.
 *
 * Lock order (a hart holding one of these may take only locks further down
 * the list, never one above it; none is taken twice):
 *   1. board->lock   a VM's device models, its disk requests and console
 *                    input (vdev/board.c); never two VMs' at once
 *   2. uplink_lock   the host's network card (net/net.c)
 *   3. sw->lock      the virtual switch: its ports' queues and learned
 *                    addresses (net/vswitch.c)
 *   4. mm lock       the host page allocator (core/mm.c)
 *   5. console lock  Umbra's console output and the host UART (core/console.c)
 *   6. trace_lock    the exit trace's buffer and the host virtio console
 *                    it goes out through (core/trace.c)
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
	uint32_t next;       /* the ticket the next hart to ask draws */
	uint32_t serving;    /* the ticket that holds the lock */
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

static inline void spin_lock(spinlock_t *l)
{
	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != ticket)
		;	/* spin on a plain load: no bus traffic */
}

/* Take the lock if no one holds it or waits for it. */
static inline bool spin_trylock(spinlock_t *l)
{
	uint32_t serving = __atomic_load_n(&l->serving, __ATOMIC_RELAXED);
	uint32_t next = serving;
	return __atomic_compare_exchange_n(&l->next, &next, serving + 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *l)
{
	/* Only the holder writes 'serving'. */
	__atomic_store_n(&l->serving, __atomic_load_n(&l->serving, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
}

#endif
