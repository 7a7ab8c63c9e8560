/*
 * sbi_umbra - what Umbra's SBI answers differently from OpenSBI 1.5.1, so
 * it cannot be compared with a native run: Umbra's implementation id, the
 * debug console (DBCN) writing through Umbra's console, and where the spec
 * lets the SBI choose and Umbra chooses otherwise than the firmware: no
 * debug triggers (DBTR) and no software events (SSE), FWFT features that
 * cannot be changed, the firmware events Umbra cannot see (PMU), and the
 * spec's errors where OpenSBI 1.5.1 departs from them.  tests/test_sbi.py
 * checks the output.
 */
#include "../lib/guest.h"

static char msg[] = "dbcn: hello through DBCN write\n";

int main(void)
{
	struct sbiret r;

	r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION);
	cprintf("spec version: %ld.%ld\n", (r.value >> 24) & 0x7f, r.value & 0xffffff);
	r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID);
	cprintf("impl id: 0x%lx\n", r.value);
	r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, SBI_EXT_DBCN);
	cprintf("probe DBCN: %ld\n", r.value);

	/* DBCN write: num_bytes, base address low, high (guest-physical). */
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, sizeof(msg) - 1, (unsigned long)msg, 0);
	cprintf("write: error %ld, wrote %ld\n", r.error, r.value);
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE_BYTE, '!');
	cprintf("\nwrite_byte: error %ld\n", r.error);
	/* Nothing typed: a read returns 0 bytes. */
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_READ, 8, (unsigned long)msg, 0);
	cprintf("read: error %ld, read %ld\n", r.error, r.value);
	/* Buffers outside guest RAM, or above 64 bits, are refused. */
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, 16, 0x1000, 0);
	cprintf("write outside RAM: error %ld\n", r.error);
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, 16, (unsigned long)msg, 1);
	cprintf("write with high address bits: error %ld\n", r.error);
	r = sbi_call(SBI_EXT_DBCN, 7);
	cprintf("unknown DBCN function: error %ld\n", r.error);

	/* DBTR: no triggers (src/trap/sbi_dbtr.c says why). */
	r = sbi_call(SBI_EXT_DBTR, SBI_DBTR_NUM_TRIGGERS, 0);
	cprintf("dbtr num_triggers: error %ld, %ld\n", r.error, r.value);
	r = sbi_call(SBI_EXT_DBTR, SBI_DBTR_READ_TRIGGERS, 0, 1);
	cprintf("dbtr read_triggers without shmem: error %ld\n", r.error);
	r = sbi_call(SBI_EXT_DBTR, SBI_DBTR_SET_SHMEM, (unsigned long)msg & ~7UL, 0, 0);
	cprintf("dbtr set_shmem: error %ld\n", r.error);
	r = sbi_call(SBI_EXT_DBTR, SBI_DBTR_INSTALL_TRIGGERS, 1);
	cprintf("dbtr install_triggers(1): error %ld\n", r.error);
	r = sbi_call(SBI_EXT_DBTR, SBI_DBTR_UNINSTALL_TRIGGERS, 0, 1);
	cprintf("dbtr uninstall_triggers(0): error %ld\n", r.error);
	/* SSE: no events; the hart's mask still works. */
	r = sbi_call(SBI_EXT_SSE, SBI_SSE_REGISTER, 0xffff0000, (unsigned long)_start, 0);
	cprintf("sse register(local software event): error %ld\n", r.error);
	r = sbi_call(SBI_EXT_SSE, SBI_SSE_HART_UNMASK);
	cprintf("sse hart_unmask: error %ld\n", r.error);
	r = sbi_call(SBI_EXT_SSE, SBI_SSE_HART_UNMASK);
	cprintf("sse hart_unmask again: error %ld\n", r.error);
	r = sbi_call(SBI_EXT_SSE, SBI_SSE_HART_MASK);
	cprintf("sse hart_mask: error %ld\n", r.error);
	r = sbi_call(SBI_EXT_SSE, SBI_SSE_HART_MASK);
	cprintf("sse hart_mask again: error %ld\n", r.error);
	/* FWFT: the features' values cannot be changed (DENIED). */
	r = sbi_call(SBI_EXT_FWFT, SBI_FWFT_SET, SBI_FWFT_MISALIGNED_EXC_DELEG, 1, 0);
	cprintf("fwft set MISALIGNED_EXC_DELEG = 1: error %ld\n", r.error);
	r = sbi_call(SBI_EXT_FWFT, SBI_FWFT_SET, SBI_FWFT_PTE_AD_HW_UPDATING, 0, 0);
	cprintf("fwft set PTE_AD_HW_UPDATING = 0: error %ld\n", r.error);
	/* PMU: trap events happen in the firmware, out of Umbra's sight; the
	 * spec's errors where OpenSBI 1.5.1 has others. */
	r = sbi_call(SBI_EXT_PMU, SBI_PMU_COUNTER_CONFIG_MATCHING, 0, ~0UL >> 29, 0,
		     (SBI_PMU_TYPE_FW << 16) | SBI_PMU_FW_MISALIGNED_LOAD, 0);
	cprintf("pmu config_matching(MISALIGNED_LOAD): error %ld\n", r.error);
	r = sbi_call(SBI_EXT_PMU, SBI_PMU_COUNTER_CONFIG_MATCHING, 0, 0, 0, 1, 0);
	cprintf("pmu config_matching(no counters): error %ld\n", r.error);
	r = sbi_call(SBI_EXT_PMU, SBI_PMU_COUNTER_FW_READ_HI, 0);
	cprintf("pmu fw_read_hi(hardware counter): error %ld\n", r.error);
	r = sbi_call(SBI_EXT_PMU, SBI_PMU_COUNTER_CONFIG_MATCHING, 0, ~0UL >> 29,
		     SBI_PMU_CFG_FLAG_AUTO_START, (SBI_PMU_TYPE_FW << 16) | SBI_PMU_FW_SET_TIMER, 0);
	long idx = r.value;
	r = sbi_call(SBI_EXT_PMU, SBI_PMU_COUNTER_START, idx, 1, 0, 0);
	cprintf("pmu start a started firmware counter: error %ld\n", r.error);
	sbi_call(SBI_EXT_PMU, SBI_PMU_COUNTER_STOP, idx, 1, 0);
	r = sbi_call(SBI_EXT_PMU, SBI_PMU_COUNTER_STOP, idx, 1, 0);
	cprintf("pmu stop a stopped firmware counter: error %ld\n", r.error);
	sbi_shutdown(0);
}
