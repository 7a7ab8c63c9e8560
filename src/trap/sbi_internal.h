/*
 * sbi_internal.h - what the files of Umbra's SBI share (src/trap/sbi*.c).
 *
 * sbi.c dispatches a guest's ecall to the extension's handler (the table
 * there) and holds BASE, TIME, IPI, RFENCE, SRST, DBCN and the legacy
 * calls; every other extension has a file of its own:
 *   sbi_hsm.c   HSM (hart state) and SUSP (system suspend)
 *   sbi_pmu.c   PMU (performance counters)
 *   sbi_fwft.c  FWFT (firmware features)
 *   sbi_dbtr.c  DBTR (debug triggers)
 *   sbi_sse.c   SSE (supervisor software events)
 * Nothing outside src/trap/sbi*.c includes this header.
 */
#ifndef UMBRA_SBI_INTERNAL_H
#define UMBRA_SBI_INTERNAL_H

#include "trap_internal.h"

/* One call: the function id, its arguments, and what it returns. */
struct sbi_call {
	unsigned long fid;
	unsigned long arg[6];
	long error;          /* returned in a0 */
	long value;          /* returned in a1 (not for legacy calls) */
};

typedef enum trap_outcome (*sbi_handler)(struct vcpu *v, struct sbi_call *c);

/* The extensions' handlers. */
enum trap_outcome sbi_hsm(struct vcpu *v, struct sbi_call *c);
enum trap_outcome sbi_susp(struct vcpu *v, struct sbi_call *c);
enum trap_outcome sbi_pmu(struct vcpu *v, struct sbi_call *c);
enum trap_outcome sbi_fwft(struct vcpu *v, struct sbi_call *c);
enum trap_outcome sbi_dbtr(struct vcpu *v, struct sbi_call *c);
enum trap_outcome sbi_sse(struct vcpu *v, struct sbi_call *c);

/* sbi_hsm.c: SUSP is offered where the firmware offers it (see there). */
bool sbi_susp_offered(void);

/* sbi_pmu.c: a firmware event happened on vCPU 'v' (any hart may call it
 * for any vCPU: the _RECEIVED events are counted by the sender). */
void sbi_pmu_fw_event(struct vcpu *v, unsigned code);

/* The vCPU stops (HSM hart_stop): its SBI state goes back to what a hart
 * starts with (each extension's part: PMU counters, FWFT locks, SSE mask,
 * DBTR shared memory). */
void sbi_pmu_reset(struct vcpu *v);
void sbi_vcpu_reset(struct vcpu *v);

/* sbi.c: is [gpa, gpa + len) guest RAM, given as the SBI's "shared memory
 * physical address range" (lo, hi: hi must be 0 here)? */
bool sbi_shmem_ok(struct vcpu *v, unsigned long lo, unsigned long hi, uint64_t len);

#endif
