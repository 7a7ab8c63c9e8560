/*
 * sched.h - the vCPU scheduler: more vCPUs than harts.
 *
 * Each vCPU is a thread of Umbra (xv6 style): it has its own Umbra stack
 * (the trap vector switches to it, tf.host_sp, on every exit of the guest)
 * and a saved context (ra, sp, s0-s11) for when it is not on its hart.
 * Each hart runs a scheduler loop on the hart's own stack, over a fixed
 * list of vCPUs placed on it at boot (sched_add; no migration, so a
 * vCPU's hart never changes).  A vCPU gives the hart back in three ways:
 *   sched_wait    it waits (wfi, a stopped vCPU, a fence for a vCPU on the
 *                 same hart): the scheduler runs another vCPU, or, when all
 *                 of them wait, sleeps in a real wfi until the earliest
 *                 deadline or an interrupt, then lets each re-check;
 *   preemption    its time slice is over and another vCPU wants the hart
 *                 (sched_preempt_check at the end of every exit);
 *   sched_exit    its VM ended: it leaves the hart for good.
 * A hart with one vCPU never switches after the first time: sched_wait is
 * the plain wfi it always was, and no slice timer is armed.
 */
#ifndef UMBRA_SCHED_H
#define UMBRA_SCHED_H

#include "umbra.h"

struct vcpu;
struct hart;

/* The registers a C function must keep (the callee-saved ones): all a
 * switch between two threads of Umbra has to save (sched_switch.S). */
struct sched_context {
	uint64_t ra, sp;
	uint64_t s[12];
};

/* The guest's FP state, while the vCPU is not on its hart. */
struct sched_fp {
	uint64_t f[32];
	uint64_t fcsr;
};

/* A vCPU's part of the scheduler (in struct vcpu). */
struct sched_vcpu {
	struct sched_context ctx;   /* where its thread stopped */
	uint64_t stack_top;         /* its own Umbra stack */
	bool started;               /* its thread has run */
	bool waiting;               /* in sched_wait ... */
	bool recheck;               /* ... and should look again (after a wfi) */
	bool exited;                /* left its hart for good (sched_exit) */
	uint64_t wake_at;           /* ... until this time (~0: only a kick) */
	uint32_t kicked;            /* another hart or vCPU posted to it (atomic) */
	uint64_t real_sstatus;      /* FS, VS and UXL of the real sstatus ... */
	uint64_t real_scounteren;   /* ... and scounteren, while it is off the hart */
	struct sched_fp fp;
	uint8_t *vregs;             /* a host with V: the vector registers */
	uint64_t vcsrs[4];          /* ... and vstart, vl, vtype, vcsr */
};

/* The vCPUs of all VMs together (the pool in vcpu.c): more than the harts,
 * so that harts can be shared. */
#define SCHED_MAX_VCPUS 16

/* The time slice of a vCPU when others on its hart want to run: long
 * enough that switching (a few hundred instructions and a TLB flush)
 * costs little, short enough that a guest's timer tick or IPI waits at
 * most this long behind a CPU-bound vCPU. */
#define SCHED_SLICE_MS 10

/* Place 'v' on the least-loaded hart among 'hart_mask' (bit i: hart index
 * i; 0: any).  ERR_RANGE when no allowed hart exists, ERR_NOMEM without
 * room for its stack. */
int sched_add(struct vcpu *v, uint64_t hart_mask);
/* The boot hart: start the other harts that have vCPUs and run this hart's
 * scheduler. */
void sched_start(void) __attribute__((noreturn));
/* A secondary hart (hart_secondary_main): run its scheduler. */
void sched_hart_main(void) __attribute__((noreturn));
/* The vCPU (the caller's thread) waits until 'deadline' (time CSR; ~0:
 * none) or a kick, whichever is first, while the hart runs others; it may
 * return early (spuriously): the caller re-checks what it waits for. */
void sched_wait(struct vcpu *v, uint64_t deadline);
/* Is the vCPU alone on its hart (no switching, no slices)? */
bool sched_alone(const struct vcpu *v);
/* Wake 'v' if it waits (vcpu_post does this): its hart re-checks it soon. */
void sched_kick(struct vcpu *v);
/* At the end of an exit: give the hart to another vCPU if v's slice is
 * over, or a vCPU that waited has been kicked.  Cheap when v is alone. */
void sched_preempt_check(struct vcpu *v);
/* The vCPU leaves its hart for good (its VM ended). */
void sched_exit(struct vcpu *v) __attribute__((noreturn));

/* sched_switch.S: save the caller's context in 'from', continue in 'to'. */
void sched_switch(struct sched_context *from, struct sched_context *to);
/* sched_switch.S: the guest's FP registers and fcsr, to and from memory
 * (the caller turns sstatus.FS on first). */
void sched_fp_save(struct sched_fp *fp);
void sched_fp_restore(const struct sched_fp *fp);
/* sched_switch.S: the vector registers (32 x vlenb bytes) and vstart, vl,
 * vtype, vcsr (sstatus.VS on first; only on a host with V). */
void sched_v_save(uint8_t *regs, uint64_t csrs[4]);
void sched_v_restore(const uint8_t *regs, const uint64_t csrs[4]);
/* Does the host have V (then a switch moves the vector state too)? */
bool sched_host_has_v(void);

#endif
