/*
 * sbi_ext - the SBI extensions beyond the basic ones, as a guest kernel
 * finds them: which extensions exist (every standard id probed), the PMU
 * (counters, their info, firmware events counted, hardware counters
 * started and stopped), FWFT (features, values, errors, locking), SUSP,
 * SSE and DBTR (only what the firmware and Umbra must answer alike).
 *
 * Umbra offers what OpenSBI 1.5.1 offers on QEMU virt, so every line here
 * is the same natively and under Umbra.  Where the spec lets an SBI choose
 * (how many debug triggers or software events it has, answers the firmware
 * gets wrong) nothing is printed: see the notes at each test.
 */
#include <stdio.h>
#include "../lib/guest.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *err_name(long e)
{
	static const char *names[] = {
		"SUCCESS", "ERR_FAILED", "ERR_NOT_SUPPORTED", "ERR_INVALID_PARAM",
		"ERR_DENIED", "ERR_INVALID_ADDRESS", "ERR_ALREADY_AVAILABLE",
		"ERR_ALREADY_STARTED", "ERR_ALREADY_STOPPED", "ERR_NO_SHMEM",
		"ERR_INVALID_STATE", "ERR_BAD_RANGE",
	};
	return e <= 0 && e >= -11 ? names[-e] : "?";
}

static void show(const char *what, struct sbiret r)
{
	cprintf("%-44s error=%ld (%s)\n", what, r.error, err_name(r.error));
}

static void show_value(const char *what, struct sbiret r)
{
	cprintf("%-44s error=%ld (%s) value=%ld\n", what, r.error, err_name(r.error), r.value);
}

/* ---- Which extensions exist ------------------------------------------------ */

static void test_probe(void)
{
	static const struct {
		const char *name;
		unsigned long id;
	} exts[] = {
		{ "legacy set_timer", 0 }, { "legacy putchar", 1 }, { "legacy getchar", 2 },
		{ "legacy clear_ipi", 3 }, { "legacy send_ipi", 4 }, { "legacy fence_i", 5 },
		{ "legacy sfence_vma", 6 }, { "legacy sfence_vma_asid", 7 },
		{ "legacy shutdown", 8 }, { "BASE", SBI_EXT_BASE }, { "TIME", SBI_EXT_TIME },
		{ "IPI", SBI_EXT_IPI }, { "RFENCE", SBI_EXT_RFENCE }, { "HSM", SBI_EXT_HSM },
		{ "SRST", SBI_EXT_SRST }, { "PMU", SBI_EXT_PMU }, { "DBCN", SBI_EXT_DBCN },
		{ "SUSP", SBI_EXT_SUSP }, { "CPPC", SBI_EXT_CPPC }, { "NACL", SBI_EXT_NACL },
		{ "STA", SBI_EXT_STA }, { "SSE", SBI_EXT_SSE }, { "FWFT", SBI_EXT_FWFT },
		{ "DBTR", SBI_EXT_DBTR }, { "MPXY", SBI_EXT_MPXY },
		{ "experimental 0x08000000", 0x08000000 }, { "vendor 0x09000000", 0x09000000 },
		{ "firmware 0x0a000000", 0x0a000000 },
	};
	struct sbiret r;

	cprintf("-- probe_extension\n");
	for (unsigned i = 0; i < ARRAY_SIZE(exts); i++) {
		r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, exts[i].id);
		cprintf("%-24s 0x%08lx error=%ld %s\n", exts[i].name, exts[i].id, r.error,
			r.value ? "available" : "-");
		check(r.error == SBI_SUCCESS, "probe %s succeeds", exts[i].name);
	}
}

/* ---- PMU ------------------------------------------------------------------- */

static unsigned long num_counters, first_fw, fw_mask;

static struct sbiret pmu(unsigned long fid, unsigned long a0, unsigned long a1,
			 unsigned long a2, unsigned long a3, unsigned long a4)
{
	return sbi_call(SBI_EXT_PMU, fid, a0, a1, a2, a3, a4);
}

static void test_pmu_info(void)
{
	struct sbiret r;

	cprintf("-- PMU counters\n");
	r = pmu(SBI_PMU_NUM_COUNTERS, 0, 0, 0, 0, 0);
	show_value("num_counters", r);
	check(r.error == SBI_SUCCESS && r.value > 0 && r.value <= 64, "num_counters");
	num_counters = r.value;
	first_fw = num_counters;
	/* counter_info: [11:0] CSR, [17:12] width - 1, [XLEN-1] firmware. */
	for (unsigned long i = 0; i < num_counters; i++) {
		r = pmu(SBI_PMU_COUNTER_GET_INFO, i, 0, 0, 0, 0);
		unsigned long info = r.value;
		if (r.error) {
			cprintf("counter %2lu: error=%ld (%s)\n", i, r.error, err_name(r.error));
			continue;
		}
		if (info >> 63) {
			cprintf("counter %2lu: firmware\n", i);
			fw_mask |= 1UL << i;
			if (i < first_fw)
				first_fw = i;
		} else {
			cprintf("counter %2lu: hardware, csr 0x%03lx, %lu bits\n", i, info & 0xfff,
				((info >> 12) & 0x3f) + 1);
			check((info & 0xfff) >= CSR_CYCLE && (info & 0xfff) <= CSR_CYCLE + 31,
			      "counter %lu's CSR is one of cycle..hpmcounter31", i);
		}
	}
	check(fw_mask != 0, "there are firmware counters");
	r = pmu(SBI_PMU_COUNTER_GET_INFO, num_counters, 0, 0, 0, 0);
	show("counter_get_info(num_counters)", r);
	check(r.error == SBI_ERR_INVALID_PARAM, "a counter past the last: INVALID_PARAM");
}

/*
 * A firmware counter for SET_TIMER: every sbi_set_timer counts.  (OpenSBI
 * 1.5.1 also lets a started firmware counter be started again, and a
 * stopped one stopped, without an error, where the spec has
 * ALREADY_STARTED/STOPPED, and its config_matching with an empty counter
 * set returns counter 0: none of that is done here.)
 */
static void test_pmu_fw(void)
{
	unsigned long ev = (SBI_PMU_TYPE_FW << 16) | SBI_PMU_FW_SET_TIMER;
	struct sbiret r;
	long idx;

	cprintf("-- PMU firmware counter: SET_TIMER\n");
	r = pmu(SBI_PMU_COUNTER_CONFIG_MATCHING, 0, fw_mask,
		SBI_PMU_CFG_FLAG_CLEAR_VALUE | SBI_PMU_CFG_FLAG_AUTO_START, ev, 0);
	cprintf("config_matching(SET_TIMER, clear, auto start): error=%ld counter is %s\n",
		r.error, r.value == (long)first_fw ? "the first firmware one" : "another");
	check(r.error == SBI_SUCCESS && (fw_mask >> r.value & 1), "a firmware counter is configured");
	idx = r.value;
	show_value("fw_read", pmu(SBI_PMU_COUNTER_FW_READ, idx, 0, 0, 0, 0));
	for (int i = 0; i < 3; i++)
		sbi_set_timer(~0UL);
	r = pmu(SBI_PMU_COUNTER_FW_READ, idx, 0, 0, 0, 0);
	show_value("fw_read after 3 set_timer", r);
	check(r.error == SBI_SUCCESS && r.value == 3, "3 set_timer calls counted");
	show("counter_stop", pmu(SBI_PMU_COUNTER_STOP, idx, 1, 0, 0, 0));
	sbi_set_timer(~0UL);
	r = pmu(SBI_PMU_COUNTER_FW_READ, idx, 0, 0, 0, 0);
	show_value("fw_read after a set_timer while stopped", r);
	check(r.value == 3, "a stopped counter does not count");
	r = pmu(SBI_PMU_COUNTER_START, idx, 1, SBI_PMU_START_SET_INIT_VALUE, 100, 0);
	show("counter_start(initial value 100)", r);
	sbi_set_timer(~0UL);
	sbi_set_timer(~0UL);
	r = pmu(SBI_PMU_COUNTER_FW_READ, idx, 0, 0, 0, 0);
	show_value("fw_read after 2 set_timer", r);
	check(r.error == SBI_SUCCESS && r.value == 102, "counts on from the initial value");
	show_value("fw_read_hi (RV64: always 0)", pmu(SBI_PMU_COUNTER_FW_READ_HI, idx, 0, 0, 0, 0));
	r = pmu(SBI_PMU_COUNTER_STOP, idx, 1, SBI_PMU_STOP_FLAG_RESET, 0, 0);
	show("counter_stop(reset)", r);
	r = pmu(SBI_PMU_COUNTER_FW_READ, idx, 0, 0, 0, 0);
	show("fw_read of the reset counter", r);
	check(r.error == SBI_ERR_INVALID_PARAM, "a counter without an event cannot be read");

	/* Every firmware counter can take an event at once. */
	unsigned got = 0;
	for (unsigned long i = 0; i < num_counters; i++) {
		r = pmu(SBI_PMU_COUNTER_CONFIG_MATCHING, 0, fw_mask, SBI_PMU_CFG_FLAG_CLEAR_VALUE,
			ev, 0);
		if (r.error)
			break;
		got++;
	}
	cprintf("firmware counters configured for SET_TIMER: %u, then error=%ld (%s)\n", got,
		r.error, err_name(r.error));
	check(r.error == SBI_ERR_NOT_SUPPORTED, "no free counter: NOT_SUPPORTED");
	r = pmu(SBI_PMU_COUNTER_STOP, 0, fw_mask, SBI_PMU_STOP_FLAG_RESET, 0, 0);
	cprintf("counter_stop(all firmware counters, reset): done\n");
}

/*
 * The hardware counters are the hart's (cycle and instret are counter 0
 * and 2 on QEMU virt): the guest reads them itself.
 */
static void test_pmu_hw(void)
{
	struct sbiret r;

	cprintf("-- PMU hardware counters\n");
	r = pmu(SBI_PMU_COUNTER_CONFIG_MATCHING, 0, (1UL << first_fw) - 1, 0, 1, 0);
	show_value("config_matching(CPU_CYCLES)", r);
	long cyc = r.value;
	r = pmu(SBI_PMU_COUNTER_CONFIG_MATCHING, 0, (1UL << first_fw) - 1, 0, 2, 0);
	show_value("config_matching(INSTRUCTIONS)", r);
	show("counter_start(cycles) (running since boot)", pmu(SBI_PMU_COUNTER_START, cyc, 1, 0, 0, 0));
	show("counter_stop(cycles)", pmu(SBI_PMU_COUNTER_STOP, cyc, 1, 0, 0, 0));
	show("counter_stop(cycles) again", pmu(SBI_PMU_COUNTER_STOP, cyc, 1, 0, 0, 0));
	r = pmu(SBI_PMU_COUNTER_START, cyc, 1, SBI_PMU_START_SET_INIT_VALUE, 0, 0);
	show("counter_start(cycles, initial value 0)", r);
	unsigned long a = csr_read(CSR_CYCLE);
	for (volatile int i = 0; i < 1000; i++)
		;
	unsigned long b = csr_read(CSR_CYCLE);
	cprintf("cycle counts: %s\n", b > a ? "yes" : "no");
	check(b > a, "a started cycle counter counts");
	show("counter_stop(cycles)", pmu(SBI_PMU_COUNTER_STOP, cyc, 1, 0, 0, 0));
	show("counter_start(cycles)", pmu(SBI_PMU_COUNTER_START, cyc, 1, 0, 0, 0));
	r = pmu(SBI_PMU_COUNTER_FW_READ, cyc, 0, 0, 0, 0);
	show("fw_read(a hardware counter)", r);
	check(r.error == SBI_ERR_INVALID_PARAM, "fw_read of a hardware counter: INVALID_PARAM");
}

static void test_pmu_errors(void)
{
	struct sbiret r;

	cprintf("-- PMU errors\n");
	r = pmu(SBI_PMU_COUNTER_CONFIG_MATCHING, num_counters - 2, 0xf, 0, 1, 0);
	show("config_matching(set past the last counter)", r);
	check(r.error == SBI_ERR_INVALID_PARAM, "a set with a missing counter: INVALID_PARAM");
	r = pmu(SBI_PMU_COUNTER_START, num_counters, 1, 0, 0, 0);
	show("counter_start(num_counters)", r);
	check(r.error == SBI_ERR_INVALID_PARAM, "start of a missing counter: INVALID_PARAM");
	r = pmu(SBI_PMU_COUNTER_STOP, num_counters + 5, 1, 0, 0, 0);
	show("counter_stop(num_counters + 5)", r);
	check(r.error == SBI_ERR_INVALID_PARAM, "stop of a missing counter: INVALID_PARAM");
	show("fw_read(num_counters)", pmu(SBI_PMU_COUNTER_FW_READ, num_counters, 0, 0, 0, 0));
	r = pmu(SBI_PMU_COUNTER_START, 0, 1, SBI_PMU_START_INIT_SNAPSHOT, 0, 0);
	show("counter_start(INIT_SNAPSHOT, no shmem)", r);
	check(r.error == SBI_ERR_NO_SHMEM, "no snapshot memory: NO_SHMEM");
	r = pmu(SBI_PMU_COUNTER_CONFIG_MATCHING, 0, (1UL << first_fw) - 1, 0, 3, 0);
	show("config_matching(CACHE_REFERENCES)", r);
	r = pmu(SBI_PMU_COUNTER_CONFIG_MATCHING, 0, (1UL << first_fw) - 1, 0, 0x20000, 0);
	show("config_matching(raw event 0)", r);
	r = pmu(SBI_PMU_COUNTER_CONFIG_MATCHING, 0, fw_mask, 0,
		(SBI_PMU_TYPE_FW << 16) | SBI_PMU_FW_SET_TIMER, 0);
	r = pmu(SBI_PMU_COUNTER_CONFIG_MATCHING, 0, (1UL << first_fw) - 1, 0,
		(SBI_PMU_TYPE_FW << 16) | SBI_PMU_FW_SET_TIMER, 0);
	show("config_matching(firmware event, hw counters)", r);
	pmu(SBI_PMU_COUNTER_STOP, 0, fw_mask, SBI_PMU_STOP_FLAG_RESET, 0, 0);
	show("snapshot_set_shmem (optional)", pmu(SBI_PMU_SNAPSHOT_SET_SHMEM, 0x80200000, 0, 0, 0, 0));
	show("event_get_info (optional)", pmu(SBI_PMU_EVENT_GET_INFO, 0x80200000, 0, 1, 0, 0));
	show("PMU function 9", pmu(9, 0, 0, 0, 0, 0));
}

/* ---- FWFT -------------------------------------------------------------------- */

static struct sbiret fwft(unsigned long fid, unsigned long a0, unsigned long a1,
			  unsigned long a2)
{
	return sbi_call(SBI_EXT_FWFT, fid, a0, a1, a2);
}

/*
 * What is printed is what the firmware and Umbra must agree on: which
 * features exist, the errors for bad values and flags, locking.  (Natively
 * MISALIGNED_EXC_DELEG and PTE_AD_HW_UPDATING can be changed; Umbra denies
 * changes, as the spec lets a hypervisor do: the values are set to what
 * they are.)
 */
static void test_fwft(void)
{
	static const struct {
		const char *name;
		unsigned long id;
	} feats[] = {
		{ "LANDING_PAD", 1 }, { "SHADOW_STACK", 2 }, { "DOUBLE_TRAP", 3 },
		{ "PTE_AD_HW_UPDATING", 4 }, { "0x5 (reserved here)", 5 },
		{ "0x3fffffff (reserved)", 0x3fffffff }, { "0x40000000 (platform)", 0x40000000 },
		{ "0x80000000 (global reserved)", 0x80000000 },
		{ "0xc0000000 (global platform)", 0xc0000000 },
	};
	struct sbiret r;
	char what[64];

	cprintf("-- FWFT\n");
	r = fwft(SBI_FWFT_GET, SBI_FWFT_MISALIGNED_EXC_DELEG, 0, 0);
	show_value("get MISALIGNED_EXC_DELEG", r);
	check(r.error == SBI_SUCCESS && r.value == 0, "misaligned accesses are not delegated at boot");
	for (unsigned i = 0; i < ARRAY_SIZE(feats); i++) {
		snprintf(what, sizeof(what), "get %s", feats[i].name);
		r = fwft(SBI_FWFT_GET, feats[i].id, 0, 0);
		show_value(what, r);
		check(r.error || r.value <= 1, "%s", what);
	}
	r = fwft(SBI_FWFT_GET, SBI_FWFT_PTE_AD_HW_UPDATING, 0, 0);
	unsigned long ad = r.value;
	r = fwft(SBI_FWFT_SET, SBI_FWFT_PTE_AD_HW_UPDATING, ad, 0);
	show("set PTE_AD_HW_UPDATING to its value", r);
	check(r.error == SBI_SUCCESS, "setting the value a feature has succeeds");
	r = fwft(SBI_FWFT_SET, SBI_FWFT_PTE_AD_HW_UPDATING, 2, 0);
	show("set PTE_AD_HW_UPDATING = 2", r);
	check(r.error == SBI_ERR_INVALID_PARAM, "value 2: INVALID_PARAM");
	r = fwft(SBI_FWFT_SET, SBI_FWFT_MISALIGNED_EXC_DELEG, 2, 0);
	show("set MISALIGNED_EXC_DELEG = 2", r);
	check(r.error == SBI_ERR_INVALID_PARAM, "value 2: INVALID_PARAM");
	r = fwft(SBI_FWFT_SET, SBI_FWFT_MISALIGNED_EXC_DELEG, 0, 2);
	show("set MISALIGNED_EXC_DELEG, flags = 2", r);
	check(r.error == SBI_ERR_INVALID_PARAM, "a reserved flag: INVALID_PARAM");
	r = fwft(SBI_FWFT_SET, SBI_FWFT_LANDING_PAD, 1, 0);
	show("set LANDING_PAD = 1", r);
	check(r.error == SBI_ERR_NOT_SUPPORTED, "LANDING_PAD: NOT_SUPPORTED");
	r = fwft(SBI_FWFT_SET, 0x40000000, 1, 0);
	show("set 0x40000000 = 1", r);
	check(r.error == SBI_ERR_DENIED, "an unimplemented feature: DENIED");
	r = fwft(SBI_FWFT_SET, SBI_FWFT_MISALIGNED_EXC_DELEG, 0, SBI_FWFT_SET_FLAG_LOCK);
	show("set MISALIGNED_EXC_DELEG = 0, LOCK", r);
	check(r.error == SBI_SUCCESS, "locking succeeds");
	r = fwft(SBI_FWFT_SET, SBI_FWFT_MISALIGNED_EXC_DELEG, 0, 0);
	show("set MISALIGNED_EXC_DELEG = 0 (locked)", r);
	check(r.error == SBI_ERR_DENIED, "a locked feature: DENIED");
	r = fwft(SBI_FWFT_GET, SBI_FWFT_MISALIGNED_EXC_DELEG, 0, 0);
	show_value("get MISALIGNED_EXC_DELEG (locked)", r);
	/* feature is a 32-bit parameter: the upper half is not looked at. */
	r = fwft(SBI_FWFT_GET, (1UL << 32) | SBI_FWFT_PTE_AD_HW_UPDATING, 0, 0);
	cprintf("get 0x100000004 is get 0x4: %s\n", !r.error && (unsigned long)r.value == ad ? "yes" : "no");
	show("FWFT function 2", fwft(2, 0, 0, 0));
}

/* ---- SUSP, SSE, DBTR ------------------------------------------------------------ */

/*
 * OpenSBI offers SUSP only on platforms that can suspend (QEMU virt: not);
 * Umbra offers it exactly when the firmware does.  SSE and DBTR: how many
 * events and triggers an SBI has is its own (OpenSBI on QEMU: the standard
 * events, 2 triggers; Umbra: none, see src/trap/sbi_sse.c, sbi_dbtr.c), so
 * only what does not depend on that is printed.
 */
static void test_others(void)
{
	struct sbiret r;

	cprintf("-- SUSP, SSE, DBTR\n");
	r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, SBI_EXT_SUSP);
	if (!r.value) {
		r = sbi_call(SBI_EXT_SUSP, SBI_SUSP_SYSTEM_SUSPEND, SBI_SUSP_TO_RAM, 0x80200000, 0);
		show("system_suspend (no SUSP)", r);
		check(r.error == SBI_ERR_NOT_SUPPORTED, "no SUSP: NOT_SUPPORTED");
	} else {
		r = sbi_call(SBI_EXT_SUSP, SBI_SUSP_SYSTEM_SUSPEND, 1, 0x80200000, 0);
		show("system_suspend(reserved sleep type 1)", r);
		check(r.error == SBI_ERR_INVALID_PARAM, "a reserved sleep type: INVALID_PARAM");
	}
	r = sbi_call(SBI_EXT_SSE, SBI_SSE_READ_ATTRS, 0x2, 0, 1, 0x80200000, 0);
	show("SSE read_attrs(reserved event 0x2)", r);
	check(r.error == SBI_ERR_INVALID_PARAM, "a reserved event: INVALID_PARAM");
	r = sbi_call(SBI_EXT_SSE, SBI_SSE_COMPLETE);
	show("SSE complete (no event running)", r);
	check(r.error == SBI_SUCCESS, "complete without a running event succeeds");
	show("SSE function 10", sbi_call(SBI_EXT_SSE, 10));
	r = sbi_call(SBI_EXT_DBTR, SBI_DBTR_NUM_TRIGGERS, 0);
	cprintf("DBTR num_triggers: error=%ld\n", r.error);
	check(r.error == SBI_SUCCESS, "num_triggers always succeeds");
	show("DBTR function 8", sbi_call(SBI_EXT_DBTR, 8));
}

int main(void)
{
	test_begin("sbi_ext");
	test_probe();
	test_pmu_info();
	test_pmu_fw();
	test_pmu_hw();
	test_pmu_errors();
	test_fwft();
	test_others();
	test_end();
}
