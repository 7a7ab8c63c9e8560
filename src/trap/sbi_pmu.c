/*
 * sbi_pmu.c - the SBI's performance monitoring unit (PMU) extension.
 *
 * A guest kernel counts events with the SBI PMU (SBI 2.0, "Performance
 * Monitoring Unit Extension"): it asks how many counters there are and
 * what each one is (num_counters, counter_get_info), has the SBI pick and
 * program a counter for an event (counter_config_matching), starts and
 * stops sets of counters, and reads them: a hardware counter directly
 * through its CSR (cycle, instret, hpmcounter3..31), a firmware counter
 * with counter_fw_read.  Umbra's counters, by index:
 *
 *   0 .. nhw-1            the hart's hardware counters, as the firmware has
 *                         them (OpenSBI on QEMU virt: cycle, -, instret,
 *                         hpmcounter3..18; index 1, time, is no counter)
 *   nhw .. nhw+15         firmware counters, Umbra's own, one set per vCPU
 *
 * Hardware counters.  Only M-mode can program and start them (mhpmeventN,
 * mcountinhibit), so Umbra passes the guest's calls for them on to the
 * firmware, unchanged but for the filter flags (below).  That is honest
 * because a vCPU never leaves its hart (vCPU i runs on hart i): the hart's
 * counters are the vCPU's, and the guest reads them where it would
 * natively - on the shadow backend from U-mode (Umbra's scounteren lets
 * the guest's S-mode read what the firmware's mcounteren allows, csr.c),
 * on the H backend from VS-mode (hcounteren, hext.c).  What they count
 * includes Umbra's exits on the guest's behalf, as natively they include
 * the firmware's M-mode time.
 *
 * Filter flags (config_flags[7:3]) are hints the spec lets an SBI ignore.
 * Umbra turns the guest's into the real modes its guest runs in: on the H
 * backend the guest's S and U are VS and VU; on the shadow backend both
 * are U, so inhibiting one of them alone cannot be done and is dropped.
 * The guest's M-mode (its SBI) is Umbra and the firmware: S and M.
 *
 * Firmware counters count firmware events (table "PMU Firmware Events")
 * that Umbra itself, as the guest's SBI, sees: SET_TIMER, the IPIs and
 * remote fences sent to and received from other harts, and the HFENCE
 * requests, which never happen (a guest has no H extension: RFENCE's
 * HFENCE functions are NOT_SUPPORTED) and so count 0.  The trap events
 * (MISALIGNED_*, ACCESS_*, ILLEGAL_INSN) are the firmware's own work of
 * emulating an instruction for S-mode, which under Umbra happens below it
 * in OpenSBI, out of its sight: no counter can monitor them, and
 * config_matching says so (NOT_SUPPORTED).
 *
 * Counter snapshots (snapshot_set_shmem) and event_get_info are optional
 * and not offered (NOT_SUPPORTED), as with OpenSBI 1.5.1.
 */
#include <string.h>
#include "sbi_internal.h"
#include "fw.h"

/* All counters fit in one 64-bit set. */
#define PMU_HW_MAX (64 - SBI_PMU_FW_COUNTERS)

/* The firmware's hardware counters: indices 0 .. nhw-1 (found once; every
 * hart finds the same, so two harts racing to find them is harmless). */
static struct {
	bool ready;
	unsigned nhw;
} pmu_hw;

static unsigned pmu_nhw(void)
{
	if (__atomic_load_n(&pmu_hw.ready, __ATOMIC_ACQUIRE))
		return pmu_hw.nhw;
	unsigned n = 0;
	if (fw_probe(SBI_EXT_PMU)) {
		struct sbiret r = fw_ecall(SBI_EXT_PMU, SBI_PMU_NUM_COUNTERS, 0, 0, 0, 0, 0);
		unsigned long total = r.error ? 0 : (unsigned long)r.value;
		/* OpenSBI numbers its hardware counters first: they end at
		 * the first firmware counter. */
		for (; n < total && n < PMU_HW_MAX; n++) {
			r = fw_ecall(SBI_EXT_PMU, SBI_PMU_COUNTER_GET_INFO, n, 0, 0, 0, 0);
			if (!r.error && ((unsigned long)r.value & SBI_PMU_INFO_FW))
				break;
		}
	}
	pmu_hw.nhw = n;
	__atomic_store_n(&pmu_hw.ready, true, __ATOMIC_RELEASE);
	return n;
}

/* ---- Firmware events and counters ------------------------------------------------- */

void sbi_pmu_fw_event(struct vcpu *v, unsigned code)
{
	__atomic_fetch_add(&v->sbi.fw_events[code], 1, __ATOMIC_RELAXED);
}

static uint64_t fw_total(struct vcpu *v, unsigned code)
{
	return __atomic_load_n(&v->sbi.fw_events[code], __ATOMIC_RELAXED);
}

static uint64_t fw_ctr_read(struct vcpu *v, struct sbi_pmu_fw_counter *k)
{
	return k->started ? k->value + (fw_total(v, k->event) - k->base) : k->value;
}

static void fw_ctr_start(struct vcpu *v, struct sbi_pmu_fw_counter *k)
{
	k->base = fw_total(v, k->event);
	k->started = true;
}

static void fw_ctr_stop(struct vcpu *v, struct sbi_pmu_fw_counter *k)
{
	k->value = fw_ctr_read(v, k);
	k->started = false;
}

/* Can a firmware counter of Umbra's count this event (see the top)? */
static bool fw_event_countable(unsigned long code)
{
	return code >= SBI_PMU_FW_SET_TIMER && code < SBI_PMU_FW_EVENTS;
}

void sbi_pmu_reset(struct vcpu *v)
{
	memset(v->sbi.fw_ctr, 0, sizeof(v->sbi.fw_ctr));
}

/* ---- Counter sets -------------------------------------------------------------------- */

/*
 * The counters a (counter_idx_base, counter_idx_mask) pair names, as a set
 * of indices: bit i of the mask is counter base + i.  False if it names a
 * counter that does not exist.
 */
static bool pmu_set(unsigned long base, unsigned long mask, unsigned total, uint64_t *set)
{
	*set = 0;
	if (!mask)
		return true;
	unsigned top = 63 - __builtin_clzl(mask);
	if (base >= total || top >= total - base)
		return false;
	*set = mask << base;
	return true;
}

/* The guest's filter flags as the firmware must see them (see the top). */
static unsigned long pmu_filter(struct vcpu *v, unsigned long flags)
{
	unsigned long out = flags & (SBI_PMU_CFG_FLAG_SKIP_MATCH | SBI_PMU_CFG_FLAG_CLEAR_VALUE |
				     SBI_PMU_CFG_FLAG_AUTO_START);
	bool s = flags & SBI_PMU_CFG_FLAG_SET_SINH, u = flags & SBI_PMU_CFG_FLAG_SET_UINH;

	if (flags & SBI_PMU_CFG_FLAG_SET_MINH)
		out |= SBI_PMU_CFG_FLAG_SET_SINH | SBI_PMU_CFG_FLAG_SET_MINH;
	if (v->vm->backend == &vcpu_backend_shadow) {
		if (s && u)
			out |= SBI_PMU_CFG_FLAG_SET_UINH;
	} else {
		out |= (s ? SBI_PMU_CFG_FLAG_SET_VSINH : 0) | (u ? SBI_PMU_CFG_FLAG_SET_VUINH : 0);
	}
	return out;
}

/* ---- The functions ------------------------------------------------------------------- */

/*
 * counter_config_matching(base, mask, flags, event_idx, event_data): pick
 * a counter of the set that is not started and can count the event, and
 * program it.  With SKIP_MATCH the first counter of the set is taken as
 * it is.  INVALID_PARAM if the set names a counter that does not exist,
 * NOT_SUPPORTED if none of its counters can count the event.
 */
static void pmu_config_matching(struct vcpu *v, struct sbi_call *c, uint64_t set, unsigned nhw)
{
	unsigned long flags = c->arg[2], event = c->arg[3];
	unsigned type = SBI_PMU_EVENT_TYPE(event);
	uint64_t hwset = set & ((1UL << nhw) - 1);
	struct sbi_pmu_fw_counter *k = NULL;

	if (!set || (event >> 20)) {	/* no counters; event_idx is 20 bits */
		c->error = SBI_ERR_NOT_SUPPORTED;
		return;
	}
	if (type <= SBI_PMU_TYPE_HW_RAW_V2) {
		/* A hardware event: the firmware's counters, by the firmware. */
		if (!hwset) {	/* (hardware counters come first in any set) */
			c->error = SBI_ERR_NOT_SUPPORTED;
			return;
		}
		struct sbiret r = fw_ecall(SBI_EXT_PMU, SBI_PMU_COUNTER_CONFIG_MATCHING,
					   c->arg[0], hwset >> c->arg[0], pmu_filter(v, flags),
					   event, c->arg[4]);
		c->error = r.error;
		c->value = r.value;
		return;
	}
	if (type != SBI_PMU_TYPE_FW || !fw_event_countable(SBI_PMU_EVENT_CODE(event))) {
		c->error = SBI_ERR_NOT_SUPPORTED;
		return;
	}
	/* A firmware event (event_data is unused: its reserved values are
	 * ignored, as OpenSBI does). */
	if (flags & SBI_PMU_CFG_FLAG_SKIP_MATCH) {
		unsigned first = __builtin_ctzl(set);
		if (first >= nhw)
			k = &v->sbi.fw_ctr[first - nhw];
	} else {
		for (unsigned i = 0; i < SBI_PMU_FW_COUNTERS && !k; i++)
			if ((set >> (nhw + i) & 1) && !v->sbi.fw_ctr[i].configured)
				k = &v->sbi.fw_ctr[i];
	}
	if (!k) {
		c->error = SBI_ERR_NOT_SUPPORTED;
		return;
	}
	bool running = k->started;	/* (SKIP_MATCH on a running counter: it goes on) */
	if (running)
		fw_ctr_stop(v, k);
	k->event = SBI_PMU_EVENT_CODE(event);
	k->configured = true;
	if (flags & SBI_PMU_CFG_FLAG_CLEAR_VALUE)
		k->value = 0;
	if ((flags & SBI_PMU_CFG_FLAG_AUTO_START) || running)
		fw_ctr_start(v, k);
	c->value = nhw + (k - v->sbi.fw_ctr);
}

/*
 * counter_start / counter_stop on a set: the hardware counters by the
 * firmware, then Umbra's.  A counter of Umbra's that is not configured is
 * invalid (INVALID_PARAM); one already started (stopped) is left as it is
 * (ALREADY_STARTED / ALREADY_STOPPED).  As with OpenSBI the others in the
 * set are still started (stopped): the guest stops "all counters" at boot
 * whatever state each is in.  The error: INVALID_PARAM if a counter of
 * Umbra's is invalid, else the firmware's, else Umbra's ALREADY_*.
 */
static void pmu_start_stop(struct vcpu *v, struct sbi_call *c, uint64_t set, unsigned nhw,
			   bool start)
{
	unsigned long base = c->arg[0], flags = c->arg[2];
	uint64_t hwset = set & ((1UL << nhw) - 1);
	long err = SBI_SUCCESS;

	/* No snapshot memory can be set (snapshot_set_shmem is NOT_SUPPORTED). */
	if (flags & (start ? SBI_PMU_START_INIT_SNAPSHOT : SBI_PMU_STOP_TAKE_SNAPSHOT)) {
		c->error = SBI_ERR_NO_SHMEM;
		return;
	}
	for (unsigned i = 0; i < SBI_PMU_FW_COUNTERS; i++) {
		struct sbi_pmu_fw_counter *k = &v->sbi.fw_ctr[i];
		if (!(set >> (nhw + i) & 1))
			continue;
		if (!k->configured) {
			err = SBI_ERR_INVALID_PARAM;
		} else if (k->started == start) {
			if (!err)
				err = start ? SBI_ERR_ALREADY_STARTED : SBI_ERR_ALREADY_STOPPED;
		} else if (start) {
			if (flags & SBI_PMU_START_SET_INIT_VALUE)
				k->value = c->arg[3];
			fw_ctr_start(v, k);
		} else {
			fw_ctr_stop(v, k);
		}
		if (!start && k->configured && (flags & SBI_PMU_STOP_FLAG_RESET))
			k->configured = false;
	}
	if (hwset) {
		struct sbiret r = fw_ecall(SBI_EXT_PMU,
					   start ? SBI_PMU_COUNTER_START : SBI_PMU_COUNTER_STOP,
					   base, hwset >> base, flags, c->arg[3], 0);
		if (r.error && err != SBI_ERR_INVALID_PARAM)
			err = r.error;
	}
	c->error = err;
}

enum trap_outcome sbi_pmu(struct vcpu *v, struct sbi_call *c)
{
	unsigned nhw = pmu_nhw(), total = nhw + SBI_PMU_FW_COUNTERS;
	unsigned long idx = c->arg[0];
	uint64_t set;

	switch (c->fid) {
	case SBI_PMU_NUM_COUNTERS:
		c->value = total;
		break;
	case SBI_PMU_COUNTER_GET_INFO:
		/* counter_info: [11:0] CSR, [17:12] width - 1, [XLEN-1] type
		 * (1: firmware, whose CSR and width mean nothing). */
		if (idx < nhw) {
			struct sbiret r = fw_ecall(SBI_EXT_PMU, SBI_PMU_COUNTER_GET_INFO, idx, 0, 0, 0, 0);
			c->error = r.error;
			c->value = r.value;
		} else if (idx < total) {
			c->value = (long)(SBI_PMU_INFO_FW | (63UL << SBI_PMU_INFO_WIDTH_SHIFT));
		} else {
			c->error = SBI_ERR_INVALID_PARAM;
		}
		break;
	case SBI_PMU_COUNTER_CONFIG_MATCHING:
	case SBI_PMU_COUNTER_START:
	case SBI_PMU_COUNTER_STOP:
		if (!pmu_set(c->arg[0], c->arg[1], total, &set))
			c->error = SBI_ERR_INVALID_PARAM;
		else if (c->fid == SBI_PMU_COUNTER_CONFIG_MATCHING)
			pmu_config_matching(v, c, set, nhw);
		else
			pmu_start_stop(v, c, set, nhw, c->fid == SBI_PMU_COUNTER_START);
		break;
	case SBI_PMU_COUNTER_FW_READ:
	case SBI_PMU_COUNTER_FW_READ_HI:
		/* Only a configured firmware counter can be read.  The high
		 * half "always returns zero in sbiret.value for RV64". */
		if (idx < nhw || idx >= total || !v->sbi.fw_ctr[idx - nhw].configured)
			c->error = SBI_ERR_INVALID_PARAM;
		else if (c->fid == SBI_PMU_COUNTER_FW_READ)
			c->value = (long)fw_ctr_read(v, &v->sbi.fw_ctr[idx - nhw]);
		break;
	default:	/* snapshot_set_shmem, event_get_info: optional, not offered */
		c->error = SBI_ERR_NOT_SUPPORTED;
		break;
	}
	return TRAP_NEXT;
}
