/*
 * hart.h - per-physical-hart state.  While Umbra runs on a hart, tp points
 * at that hart's struct hart (whose first bytes are the hart's thread-local
 * storage, where picolibc keeps errno).
 */
#ifndef UMBRA_HART_H
#define UMBRA_HART_H

#include "umbra.h"
#include "layout.h"
#include "sched.h"

#define HART_TLS_SIZE 64

struct vcpu;

struct hart {
	uint8_t tls[HART_TLS_SIZE];   /* must stay first: tp points here */
	unsigned long hartid;         /* the physical hart id */
	unsigned index;               /* 0 .. nharts-1 */
	struct vcpu *vcpu;            /* the vCPU whose thread runs now (NULL:
					 the scheduler's) */
	uint64_t stack_top;
	/* ---- The scheduler (sched.c) ---- */
	struct vcpu *placed[SCHED_MAX_VCPUS];   /* the vCPUs placed on it */
	unsigned nplaced;             /* ... how many */
	unsigned nlive;               /* ... of them not exited */
	unsigned rr;                  /* round robin: the one that ran last */
	struct vcpu *loaded;          /* whose guest state (FP, VS CSRs) the hart holds */
	uint64_t preempt_at;          /* switch to another vCPU from this time on */
	struct sched_context sched_ctx;   /* the scheduler loop's thread */
	uint64_t timer_armed;         /* what the real timer is set to */
	bool probing;                 /* an exception now is expected (probe) */
	bool probe_trapped;           /* ... and it happened: */
	uint64_t probe_cause;         /* ... its scause */
	uint64_t probe_tval;          /* ... and stval */
};

static inline struct hart *hart_this(void)
{
	struct hart *h;
	__asm__("mv %0, tp" : "=r"(h));
	return h;
}

/* Set up the calling hart's struct hart and point tp at it. */
struct hart *hart_init(unsigned index, unsigned long hartid, uint64_t stack_top);
/* Hart 'index' (0 is the boot hart), set up or not. */
struct hart *hart_get(unsigned index);
/* Program this hart's real timer, unless it is already set to 'when'
 * (~0: disarmed). */
void hart_timer_set(struct hart *h, uint64_t when);
/*
 * Start harts 1 .. n-1 (the firmware's HSM): each enters entry.S's
 * _start_secondary and then hart_secondary_main(hartid, index) (main.c).
 * Returns 0 or the firmware's error for the first that failed.
 */
int hart_start_secondaries(unsigned n);
/* main.c: where a hart started by hart_start_secondaries goes. */
void hart_secondary_main(unsigned long hartid, unsigned index) __attribute__((noreturn));
/* Hart ids (a bit per id, as a configuration names them) to hart indexes. */
uint64_t hart_mask_to_index(uint64_t hartid_mask);
/* The stack of hart 'index' (entry.S switches to it). */
uint64_t hart_stack_top(unsigned index);

/*
 * Run 'stmt' (one CSR access) and report whether it completed without an
 * exception, e.g. to find out whether a CSR exists.  The exception is caught
 * by trap_host_fault(), which skips the 4-byte instruction and records the
 * exception in probe_cause and probe_tval.  A trap taken in Umbra changes
 * state a guest runs with (sstatus.SPP, hstatus.SPV): nothing may assume it
 * survives a probe; vcpu_load_context() rebuilds it before every entry.
 */
#define HART_PROBE(stmt) ({						\
	struct hart *__h = hart_this();					\
	__h->probing = true;						\
	__h->probe_trapped = false;					\
	__asm__ volatile("" ::: "memory");				\
	stmt;								\
	__asm__ volatile("" ::: "memory");				\
	__h->probing = false;						\
	!__h->probe_trapped;						\
})

#endif
