/*
 * sbi_state.h - what Umbra's SBI remembers for one vCPU between calls: the
 * PMU's firmware events and counters, which FWFT features are locked, SSE's
 * hart mask, DBTR's shared memory.  It is part of struct vcpu (vcpu.h);
 * only the sbi*.c files look inside.
 */
#ifndef UMBRA_SBI_STATE_H
#define UMBRA_SBI_STATE_H

#include "umbra.h"

/* Firmware counters per vCPU: as many as OpenSBI 1.5.1 has per hart. */
#define SBI_PMU_FW_COUNTERS 16

/*
 * One firmware counter (SBI PMU, "Firmware events (Type #15)").  Counting
 * is done by totals, not by the counter: every firmware event the vCPU has
 * seen since it was created is added to fw_events[code], whether or not a
 * counter watches it.  A started counter reads value + (the total now -
 * base, the total when it started); a stopped one reads value.
 */
struct sbi_pmu_fw_counter {
	bool configured;     /* config_matching gave it an event (until stop+RESET) */
	bool started;
	uint16_t event;      /* the firmware event code (SBI_PMU_FW_*) */
	uint64_t value;
	uint64_t base;
};

struct sbi_vcpu_state {
	/* Firmware events seen (atomic: the _RECEIVED ones are added by the
	 * sending vCPU's hart). */
	uint64_t fw_events[SBI_PMU_FW_EVENTS];
	struct sbi_pmu_fw_counter fw_ctr[SBI_PMU_FW_COUNTERS];
	uint32_t fwft_locked;     /* FWFT features locked, bit = feature id */
	bool sse_unmasked;        /* SSE hart_unmask was called (events masked at start) */
	bool dbtr_shmem;          /* DBTR shared memory set (and where) */
	uint64_t dbtr_shmem_gpa;
};

#endif
