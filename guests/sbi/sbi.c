/*
 * sbi - the SBI calls an S-mode kernel makes, checked against the SBI spec.
 *
 * Only facts every conforming SBI implementation shares are printed: not
 * the spec version number, the implementation id or which optional
 * extensions (like DBCN) exist, because those differ between OpenSBI and
 * Umbra.
 */
#include "../lib/guest.h"

#define UNKNOWN_EXT 0x12345678UL

static void show(const char *what, struct sbiret r)
{
	cprintf("%-40s error=%ld (%s)\n", what, r.error, sbi_err_name(r.error));
}

static void test_base(void)
{
	struct sbiret r;

	cprintf("-- BASE\n");
	r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION);
	unsigned long major = ((unsigned long)r.value >> 24) & 0x7f;
	unsigned long minor = (unsigned long)r.value & 0xffffff;
	int ge_02 = major > 0 || minor >= 2;
	cprintf("get_spec_version: error=%ld, version >= 0.2: %s\n", r.error,
		ge_02 ? "yes" : "no");
	check(r.error == SBI_SUCCESS && ge_02, "spec version >= 0.2");

	r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID);
	check(r.error == SBI_SUCCESS, "get_impl_id succeeds");
	r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_VERSION);
	check(r.error == SBI_SUCCESS, "get_impl_version succeeds");

	static const struct {
		const char *name;
		unsigned long fid;
	} ids[] = {
		{ "mvendorid", SBI_BASE_GET_MVENDORID },
		{ "marchid", SBI_BASE_GET_MARCHID },
		{ "mimpid", SBI_BASE_GET_MIMPID },
	};
	for (int i = 0; i < 3; i++) {
		r = sbi_call(SBI_EXT_BASE, ids[i].fid);
		cprintf("get_%s: error=%ld value=0x%lx\n", ids[i].name, r.error,
			r.value);
		check(r.error == SBI_SUCCESS, "get_%s succeeds", ids[i].name);
	}

	static const struct {
		const char *name;
		unsigned long ext;
	} exts[] = {
		{ "BASE", SBI_EXT_BASE }, { "TIME", SBI_EXT_TIME },
		{ "IPI", SBI_EXT_IPI }, { "RFENCE", SBI_EXT_RFENCE },
		{ "HSM", SBI_EXT_HSM }, { "SRST", SBI_EXT_SRST },
	};
	for (int i = 0; i < 6; i++) {
		r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, exts[i].ext);
		cprintf("probe %-8s error=%ld %s\n", exts[i].name, r.error,
			r.value ? "available" : "not available");
		check(r.error == SBI_SUCCESS && r.value != 0, "%s is available",
		      exts[i].name);
	}
	r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, UNKNOWN_EXT);
	cprintf("probe 0x%lx error=%ld value=%ld\n", UNKNOWN_EXT, r.error, r.value);
	check(r.error == SBI_SUCCESS && r.value == 0, "unknown extension probes as 0");
}

static void test_unsupported(void)
{
	struct sbiret r;

	cprintf("-- unknown functions and extensions\n");
	r = sbi_call(SBI_EXT_BASE, 99);
	show("BASE function 99", r);
	check(r.error == SBI_ERR_NOT_SUPPORTED, "BASE fid 99: NOT_SUPPORTED");
	r = sbi_call(SBI_EXT_TIME, 1);
	show("TIME function 1", r);
	check(r.error == SBI_ERR_NOT_SUPPORTED, "TIME fid 1: NOT_SUPPORTED");
	r = sbi_call(UNKNOWN_EXT, 0);
	show("extension 0x12345678 function 0", r);
	check(r.error == SBI_ERR_NOT_SUPPORTED, "unknown extension: NOT_SUPPORTED");
}

static void test_legacy_putchar(void)
{
	struct sbiret r;
	const char *s = "legacy console_putchar: hello\n";

	cprintf("-- legacy console_putchar\n");
	long worst = 0;
	for (; *s; s++) {
		r = sbi_call(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, 0, (unsigned long)*s);
		if (r.error != 0)
			worst = r.error;
	}
	check(worst == 0, "legacy console_putchar returns 0");
}

static void start_target(void)
{
	for (;;)
		asm volatile("wfi");	/* never run: the hart is already started */
}

static void test_hsm(void)
{
	struct sbiret r;

	cprintf("-- HSM\n");
	r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_STATUS, boot_hartid);
	cprintf("hart_get_status(self): error=%ld state=%ld\n", r.error, r.value);
	check(r.error == SBI_SUCCESS && r.value == SBI_HSM_STATE_STARTED,
	      "own hart is STARTED");

	r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, boot_hartid,
		     (unsigned long)start_target, 0);
	show("hart_start(self)", r);
	check(r.error != SBI_SUCCESS, "hart_start of a running hart fails");

	r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_STATUS, 1000);
	show("hart_get_status(1000)", r);
	check(r.error == SBI_ERR_INVALID_PARAM, "invalid hartid: INVALID_PARAM");

	r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, 1000,
		     (unsigned long)start_target, 0);
	show("hart_start(1000)", r);
	check(r.error == SBI_ERR_INVALID_PARAM, "hart_start(1000): INVALID_PARAM");
}

static void test_rfence(void)
{
	struct sbiret r;

	cprintf("-- RFENCE\n");
	r = sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I, 1, boot_hartid);
	show("remote_fence_i(self)", r);
	check(r.error == SBI_SUCCESS, "remote_fence_i on self succeeds");
	r = sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I, 0, ~0UL);
	show("remote_fence_i(all)", r);
	check(r.error == SBI_SUCCESS, "remote_fence_i on all harts succeeds");
	r = sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 1, boot_hartid, 0, ~0UL);
	show("remote_sfence_vma(self, all addresses)", r);
	check(r.error == SBI_SUCCESS, "remote_sfence_vma on self succeeds");
	r = sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 1, boot_hartid,
		     (unsigned long)_start, 4096);
	show("remote_sfence_vma(self, one page)", r);
	check(r.error == SBI_SUCCESS, "remote_sfence_vma of one page succeeds");
	r = sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA_ASID, 1, boot_hartid, 0,
		     ~0UL, 0);
	show("remote_sfence_vma_asid(self, asid 0)", r);
	check(r.error == SBI_SUCCESS, "remote_sfence_vma_asid on self succeeds");
}

static void test_srst_invalid(void)
{
	struct sbiret r;

	cprintf("-- SRST with invalid arguments (must return)\n");
	r = sbi_call(SBI_EXT_SRST, SBI_SRST_RESET, 5, SBI_SRST_REASON_NONE);
	show("system_reset(type 5)", r);
	check(r.error == SBI_ERR_INVALID_PARAM, "reset type 5: INVALID_PARAM");
	r = sbi_call(SBI_EXT_SRST, SBI_SRST_RESET, 0x10000000, SBI_SRST_REASON_NONE);
	show("system_reset(type 0x10000000)", r);
	check(r.error == SBI_ERR_INVALID_PARAM, "reserved reset type: INVALID_PARAM");
}

int main(void)
{
	test_begin("sbi");
	test_base();
	test_unsupported();
	test_legacy_putchar();
	test_hsm();
	test_rfence();
	test_srst_invalid();
	test_end();
}
