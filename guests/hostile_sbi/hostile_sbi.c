/*
 * hostile_sbi - every SBI extension called with bad arguments.
 *
 * BASE, TIME, IPI, RFENCE, HSM, SRST, DBCN and the legacy extensions
 * 0x00-0x08 get wild hart masks (base -1, huge bases, holes, harts that do
 * not exist), fence ranges that wrap around the address space or are
 * huge, console buffers outside RAM, wrapping or huge, reserved and
 * platform-specific suspend and reset types, and legacy hart-mask pointers
 * that fault.  Every attack states the outcome the SBI 2.0 spec (or, for
 * the legacy calls the spec leaves open, the machine natively) gives, and
 * checks it.  Beyond error codes:
 *
 *  - a remote fence that names the calling hart must really fence: a PTE
 *    is changed without sfence.vma, the SBI is asked to fence, and the
 *    next access must see the new translation;
 *  - a non-retentive suspend must resume at resume_addr in S-mode with
 *    a0 = hartid, a1 = opaque, satp = 0 and sstatus.SIE = 0;
 *  - after a legacy call whose hart-mask pointer faults, the guest gets
 *    that fault at the ecall (as OpenSBI redirects the fault of its own
 *    load), and afterwards still runs deprivileged: `csrr hgatp` must be
 *    an illegal instruction (else it prints ESCAPE) and an ebreak must
 *    arrive at its own stvec.
 *
 *  - an ecall from U-mode, whatever a7 says, is the guest's own system
 *    call (scause 8 at its stvec), never an SBI call.
 *
 * Where OpenSBI 1.5.1 departs from the spec, the guest prints what the
 * spec says and checks it only when the SBI is not OpenSBI ('strict'):
 * OpenSBI drops hart-mask bits of harts that do not exist and truncates
 * hart ids to 32 bits (SUCCESS where the spec says INVALID_PARAM), returns
 * FAILED, not INVALID_PARAM, for a DBCN buffer above 64 bits, and accepts
 * resume addresses and console buffers outside RAM (then jumps there, or
 * faults in M-mode and hangs the machine): those last attacks are not made
 * on OpenSBI at all.  Strict-only checks print nothing unless they fail,
 * so the output is the same on both.
 */
#include <stdio.h>
#include "../lib/guest.h"
#include "../lib/pt.h"
#include "../lib/fdt.h"

#define SBI_IMPL_OPENSBI 1

/* The SBI is not OpenSBI: also check where OpenSBI 1.5.1 departs from the spec. */
static int strict;

/* A check only made when 'strict', printed only when it fails. */
#define strict_check(cond, ...) check_if(strict, cond, __VA_ARGS__)

/* Print the error of a call and check it is 'want'. */
static int expect_err(const char *what, struct sbiret r, long want)
{
	cprintf("%-52s error=%ld (%s)\n", what, r.error, sbi_err_name(r.error));
	return check(r.error == want, "%s: %s", what, sbi_err_name(want));
}

/* The error must be one of two the spec allows; print which two, not which one. */
static int expect_either(const char *what, struct sbiret r, long a, long b)
{
	cprintf("%-52s %s or %s\n", what, sbi_err_name(a), sbi_err_name(b));
	if (check(r.error == a || r.error == b, "%s: %s or %s", what, sbi_err_name(a), sbi_err_name(b)))
		return 1;
	cprintf("  got %ld\n", r.error);
	return 0;
}

/* ---- RAM: from the device tree ------------------------------------------------ */

static unsigned long ram_base = 0x80000000UL, ram_end = 0x88000000UL;

/* The first /memory range of the device tree (lib/fdt.h), if it has one. */
static void find_ram(void)
{
	unsigned long base, size;

	if (fdt_ram(boot_dtb, &base, &size)) {
		ram_base = base;
		ram_end = base + size;
	}
}

/* ---- Pending interrupts ------------------------------------------------------- */

/* Wait (bounded) for a bit of sip to become set; returns whether it did. */
static int sip_wait(unsigned long bit, unsigned long ms)
{
	unsigned long end = deadline_ms(ms);
	do {
		if (csr_read(CSR_SIP) & bit)
			return 1;
	} while (rdtime() < end);
	return 0;
}

static void ssip_clear(void)
{
	csr_clear(CSR_SIP, SIP_SSIP);
}

/* ---- BASE and unknown extensions / functions ------------------------------------- */

static void test_base(void)
{
	struct sbiret r;
	char what[64];

	cprintf("-- BASE, unknown extensions and functions\n");
	static const unsigned long no_ext[] = {
		0x12345678UL, 0x7fffffffUL, 0xffffffffUL, ~0UL, 0x09000000UL, 0x0a000000UL,
		0x0affffffUL, 0x09ffffffUL, 0x80000000UL,
	};
	for (unsigned i = 0; i < ARRAY_SIZE(no_ext); i++) {
		r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, no_ext[i]);
		cprintf("probe_extension(0x%lx): error=%ld value=%ld\n", no_ext[i], r.error, r.value);
		check(r.error == SBI_SUCCESS && r.value == 0, "probe 0x%lx: 0", no_ext[i]);
		r = sbi_call(no_ext[i], 0, 1, 2, 3, 4, 5, 6);
		snprintf(what, sizeof(what), "extension 0x%lx function 0", no_ext[i]);
		expect_err(what, r, SBI_ERR_NOT_SUPPORTED);
	}

	static const struct { unsigned long ext, fid; const char *name; } no_fid[] = {
		{ SBI_EXT_BASE, 7, "BASE fid 7" },
		{ SBI_EXT_BASE, 0x7fffffff, "BASE fid 0x7fffffff" },
		{ SBI_EXT_BASE, ~0UL, "BASE fid -1" },
		{ SBI_EXT_TIME, 1, "TIME fid 1" },
		{ SBI_EXT_TIME, ~0UL, "TIME fid -1" },
		{ SBI_EXT_IPI, 1, "IPI fid 1" },
		{ SBI_EXT_IPI, ~0UL, "IPI fid -1" },
		{ SBI_EXT_RFENCE, 7, "RFENCE fid 7" },
		{ SBI_EXT_RFENCE, ~0UL, "RFENCE fid -1" },
		{ SBI_EXT_HSM, 4, "HSM fid 4" },
		{ SBI_EXT_HSM, ~0UL, "HSM fid -1" },
		{ SBI_EXT_SRST, 1, "SRST fid 1" },
		{ SBI_EXT_SRST, ~0UL, "SRST fid -1" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(no_fid); i++) {
		/* Arguments that would be dangerous for the function with fid 0. */
		r = sbi_call(no_fid[i].ext, no_fid[i].fid, 0, 0, 0, 0, 0, 0);
		expect_err(no_fid[i].name, r, SBI_ERR_NOT_SUPPORTED);
	}
	/* HFENCE functions (3-6): the guest's harts have no H extension. */
	for (unsigned long fid = 3; fid <= 6; fid++) {
		snprintf(what, sizeof(what), "RFENCE fid %lu (hfence, no H)", fid);
		r = sbi_call(SBI_EXT_RFENCE, fid, 1, 0, 0, 0, 0);
		expect_err(what, r, SBI_ERR_NOT_SUPPORTED);
	}
}

/* ---- TIME ------------------------------------------------------------------------- */

static void test_time(void)
{
	struct sbiret r;

	cprintf("-- TIME\n");
	csr_clear(CSR_SIE, SIE_STIE);
	r = sbi_set_timer(0);
	expect_err("set_timer(0)", r, SBI_SUCCESS);
	int p = sip_wait(SIP_STIP, 20);
	cprintf("  STIP pending: %s\n", p ? "yes" : "no");
	check(p, "set_timer(0): STIP becomes pending");
	static const unsigned long far[] = { ~0UL, 1UL << 63, ~0UL - 1 };
	for (unsigned i = 0; i < ARRAY_SIZE(far); i++) {
		sbi_set_timer(0);
		sip_wait(SIP_STIP, 20);
		r = sbi_set_timer(far[i]);
		cprintf("set_timer(0x%lx): error=%ld\n", far[i], r.error);
		check(r.error == SBI_SUCCESS, "set_timer(0x%lx) succeeds", far[i]);
		int still = !!(csr_read(CSR_SIP) & SIP_STIP);
		cprintf("  STIP pending: %s\n", still ? "yes" : "no");
		check(!still, "set_timer(0x%lx): STIP cleared", far[i]);
	}
}

/* ---- Hart masks: IPI and RFENCE ------------------------------------------------------ */

/*
 * What the spec says about a hart mask, and where OpenSBI 1.5.1 differs.
 * The machine has one hart, hart 0 (QEMU -smp 1, and one vCPU under Umbra).
 * SBI 2.0 3.2: base = -1 names every hart (the mask is ignored); otherwise
 * bit i names hart base + i.  IPI and RFENCE: "SBI_ERR_INVALID_PARAM: At
 * least one hartid constructed from hart_mask_base and hart_mask is not
 * valid".  OpenSBI 1.5.1 instead drops mask bits of harts that do not exist
 * and truncates hart ids to 32 bits (base 1<<32 is hart 0 to it), so there
 * it answers SUCCESS.  A mask of 0 names no hart, whatever the base: the
 * spec has nothing to refuse, OpenSBI refuses a base that is not a hart.
 * Umbra answers hart lists as the firmware does, so that a guest (an SMP
 * kernel probing its harts, the guests/smp_* tests) cannot tell the two
 * apart: bits of harts that do not exist are dropped (SUCCESS, and only the
 * harts that exist get the IPI); a base that is no hart is INVALID_PARAM.
 */
enum mask_kind {
	M_SELF,		/* names this hart (and only harts that exist): SUCCESS, IPI */
	M_NONE,		/* names no hart, valid base: SUCCESS, no IPI */
	M_NONE_ODD,	/* names no hart from a base that is no hart: either */
	M_BAD,		/* names a hart that does not exist: INVALID_PARAM */
	M_BAD_OSBI,	/* a base that is no hart, which OpenSBI 1.5.1 truncates
			   to one that is: the spec's INVALID_PARAM under Umbra */
};

struct mask_case {
	unsigned long mask, base;
	enum mask_kind kind;
	const char *name;
};

static const struct mask_case masks[] = {
	{ 1, 0, M_SELF, "mask=1 base=0" },
	{ 0, ~0UL, M_SELF, "mask=0 base=-1 (all harts)" },
	{ ~0UL, ~0UL, M_SELF, "mask=-1 base=-1 (all harts)" },
	{ 0x1234, ~0UL, M_SELF, "mask=0x1234 base=-1 (all harts)" },
	{ 0, 0, M_NONE, "mask=0 base=0 (no hart)" },
	{ 0, 5, M_NONE_ODD, "mask=0 base=5 (no hart)" },
	{ 0, 1UL << 63, M_NONE_ODD, "mask=0 base=1<<63 (no hart)" },
	{ 1, 1, M_BAD, "mask=1 base=1" },
	{ 1, 64, M_BAD, "mask=1 base=64" },
	{ 1, 0xffffffffUL, M_BAD, "mask=1 base=0xffffffff" },
	{ 1, ~0UL - 1, M_BAD, "mask=1 base=-2" },
	{ 2, ~0UL - 1, M_BAD, "mask=2 base=-2 (hart -1)" },
	/* Bits of harts that do not exist, from a valid base: dropped. */
	{ 2, 0, M_NONE, "mask=2 base=0 (hart 1)" },
	{ 3, 0, M_SELF, "mask=3 base=0 (harts 0, 1)" },
	{ 5, 0, M_SELF, "mask=5 base=0 (harts 0, 2: a hole)" },
	{ 1UL << 63, 0, M_NONE, "mask=1<<63 base=0 (hart 63)" },
	{ ~0UL, 0, M_SELF, "mask=-1 base=0 (harts 0-63)" },
	{ 1, 1UL << 32, M_BAD_OSBI, "mask=1 base=1<<32" },
	{ 1, 1UL << 63, M_BAD_OSBI, "mask=1 base=1<<63" },
	{ ~0UL, 1UL << 62, M_BAD_OSBI, "mask=-1 base=1<<62" },
};

/*
 * The spec's answer is 'want'; OpenSBI 1.5.1 gives 'osbi' instead.  Print
 * what the spec says, check it when strict, else accept either.
 */
static int expect_spec(const char *what, struct sbiret r, long want, long osbi)
{
	int ok = strict ? r.error == want : r.error == want || r.error == osbi;

	cprintf("%-52s spec: %s\n", what, sbi_err_name(want));
	if (check(ok, "%s: %s (OpenSBI 1.5.1: %s)", what, sbi_err_name(want), sbi_err_name(osbi)))
		return 1;
	cprintf("  got %ld\n", r.error);
	return 0;
}

/* Print and check the answer to one hart-mask case of an IPI or RFENCE call. */
static void mask_result(const char *what, const struct mask_case *m, struct sbiret r)
{
	switch (m->kind) {
	case M_SELF:
	case M_NONE:
		expect_err(what, r, SBI_SUCCESS);
		break;
	case M_NONE_ODD:
		expect_either(what, r, SBI_SUCCESS, SBI_ERR_INVALID_PARAM);
		break;
	case M_BAD:
		expect_err(what, r, SBI_ERR_INVALID_PARAM);
		break;
	case M_BAD_OSBI:
		expect_spec(what, r, SBI_ERR_INVALID_PARAM, SBI_SUCCESS);
		break;
	}
}

static void test_ipi(void)
{
	struct sbiret r;
	char what[80];

	cprintf("-- IPI send_ipi\n");
	csr_clear(CSR_SIE, SIE_SSIE);
	for (unsigned i = 0; i < ARRAY_SIZE(masks); i++) {
		const struct mask_case *m = &masks[i];
		ssip_clear();
		r = sbi_call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, m->mask, m->base);
		snprintf(what, sizeof(what), "send_ipi %s", m->name);
		mask_result(what, m, r);
		if (m->kind == M_SELF || m->kind == M_NONE) {
			/* Exactly the named harts get it: here, this one or none. */
			int self = m->kind == M_SELF;
			int got = sip_wait(SIP_SSIP, self ? 50 : 2);
			cprintf("  SSIP: %d\n", got);
			check(got == self, "%s: SSIP %s", what, self ? "set" : "not set");
		} else {
			sip_wait(SIP_SSIP, 2);
		}
		ssip_clear();
	}
	/*
	 * A base near the top whose bits wrap around to hart 0 names harts
	 * -2, -1, 0 by unbounded arithmetic: the spec does not say; no hang,
	 * no crash, and no pending IPI left behind.
	 */
	r = sbi_call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, 4, ~0UL - 1);
	sip_wait(SIP_SSIP, 5);
	ssip_clear();
	check(r.error == SBI_SUCCESS || r.error == SBI_ERR_INVALID_PARAM,
	      "send_ipi mask=4 base=-2 (wraps to hart 0): SUCCESS or INVALID_PARAM");
}

static void test_rfence_masks(void)
{
	static const struct { unsigned long fid; const char *name; } fids[] = {
		{ SBI_RFENCE_FENCE_I, "remote_fence_i" },
		{ SBI_RFENCE_SFENCE_VMA, "remote_sfence_vma" },
		{ SBI_RFENCE_SFENCE_VMA_ASID, "remote_sfence_vma_asid" },
	};
	struct sbiret r;
	char what[96];

	cprintf("-- RFENCE hart masks\n");
	for (unsigned f = 0; f < ARRAY_SIZE(fids); f++) {
		for (unsigned i = 0; i < ARRAY_SIZE(masks); i++) {
			const struct mask_case *m = &masks[i];
			r = sbi_call(SBI_EXT_RFENCE, fids[f].fid, m->mask, m->base, 0, 0, 0);
			snprintf(what, sizeof(what), "%s %s", fids[f].name, m->name);
			mask_result(what, m, r);
		}
	}
}

/*
 * Address ranges: (0, 0) and size = -1 mean everything (SBI 2.0 8.1);
 * others must just work.  A range that wraps around the address space or
 * starts at a non-canonical address may be refused with
 * SBI_ERR_INVALID_ADDRESS ("start_addr or size is not valid") or fenced.
 */
static void test_rfence_ranges(void)
{
	static const struct {
		unsigned long start, size;
		int maybe_invalid;
		const char *name;
	} ranges[] = {
		{ 0, 0, 0, "start=0 size=0 (all)" },
		{ 0, ~0UL, 0, "start=0 size=-1 (all)" },
		{ 0x80200000UL, ~0UL, 0, "start=0x80200000 size=-1 (all)" },
		{ 0x80200000UL, 4096, 0, "start=0x80200000 size=4096" },
		{ 0x80200123UL, 1, 0, "start=0x80200123 size=1" },
		{ 0x80200000UL, 0, 1, "start=0x80200000 size=0" },
		{ 0, 1UL << 38, 0, "start=0 size=1<<38" },
		{ 0, 1UL << 40, 1, "start=0 size=1<<40" },
		{ 0x1000, 1UL << 62, 1, "start=0x1000 size=1<<62" },
		{ 0x80200000UL, ~0UL - 1, 1, "start=0x80200000 size=-2 (wraps)" },
		{ ~0UL - 4095, 8192, 1, "start=-4096 size=8192 (wraps)" },
		{ ~0UL, 2, 1, "start=-1 size=2 (wraps)" },
		{ 1UL << 63, 4096, 1, "start=1<<63 (non-canonical)" },
		{ 0x4000000000UL, 0x4000000000UL, 1, "start=1<<38 size=1<<38 (past Sv39)" },
	};
	struct sbiret r;
	char what[96];

	cprintf("-- RFENCE address ranges\n");
	for (unsigned asid = 0; asid < 2; asid++) {
		for (unsigned i = 0; i < ARRAY_SIZE(ranges); i++) {
			unsigned long t0 = rdtime();
			r = sbi_call(SBI_EXT_RFENCE,
				     asid ? SBI_RFENCE_SFENCE_VMA_ASID : SBI_RFENCE_SFENCE_VMA, 1, 0,
				     ranges[i].start, ranges[i].size, asid ? ~0UL : 0);
			unsigned long ms = (rdtime() - t0) / TICKS_PER_MS;
			snprintf(what, sizeof(what), "%s %s",
					   asid ? "sfence_vma_asid(asid -1)" : "sfence_vma",
					   ranges[i].name);
			if (ranges[i].maybe_invalid)
				expect_either(what, r, SBI_SUCCESS, SBI_ERR_INVALID_ADDRESS);
			else
				expect_err(what, r, SBI_SUCCESS);
			/* A fence of any range is one operation, not a loop over 2^64 bytes. */
			check(ms < 2000, "%s: returns in under 2 s", what);
		}
	}
}

/* ---- Remote fences must fence: change a PTE without sfence.vma, ask the SBI ---------- */

static char pool[24 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static unsigned long page_a[PAGE_SIZE / 8] __attribute__((aligned(PAGE_SIZE)));
static unsigned long page_b[PAGE_SIZE / 8] __attribute__((aligned(PAGE_SIZE)));
static unsigned long mask_one = 1, mask_zero, mask_two = 2, mask_all = ~0UL;
static unsigned long mask_buf[4] __attribute__((aligned(8)));

#define TV 0x40000000UL		/* the remapped test address */
#define VAL_A 0xaaaa0000aaaa0001UL
#define VAL_B 0xbbbb0000bbbb0002UL

static unsigned long *root, *tv_pte;
static unsigned long cur_asid;

/* Legacy calls: a0 = pointer to the hart mask, a1.. = the other arguments. */
static long legacy(unsigned long ext, unsigned long a0, unsigned long a1, unsigned long a2,
		   unsigned long a3)
{
	return sbi_call(ext, 0, a0, a1, a2, a3).error;
}

static unsigned long fence_arg;	/* what the fence functions below may use */

static long f_vma_page(void)
{
	return sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 1, 0, TV, PAGE_SIZE).error;
}
static long f_vma_byte(void)
{
	return sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 1, 0, TV + 0x800, 1).error;
}
static long f_vma_span(void)
{
	return sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 1, 0, TV - PAGE_SIZE,
			3 * PAGE_SIZE).error;
}
static long f_vma_all00(void)
{
	return sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 1, 0, 0, 0).error;
}
static long f_vma_allm1(void)
{
	return sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 1, 0, 0, ~0UL).error;
}
static long f_vma_huge(void)
{
	return sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 1, 0, 0, 1UL << 38).error;
}
static long f_vma_base_all(void)
{
	return sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 0, ~0UL, TV, PAGE_SIZE).error;
}
static long f_vma_wrap(void)
{
	/* [-4 KiB, 2^64) and on round to TV + 4 KiB: refused, or fences TV. */
	long e = sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 1, 0, ~0UL - 4095,
			  TV + 2 * PAGE_SIZE).error;
	return e == SBI_ERR_INVALID_ADDRESS ? 1 : e;
}
static long f_asid_page(void)
{
	return sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA_ASID, 1, 0, TV, PAGE_SIZE,
			cur_asid).error;
}
static long f_asid_all(void)
{
	return sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA_ASID, 1, 0, 0, 0, cur_asid).error;
}
static long f_asid_allm1(void)
{
	return sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA_ASID, 1, 0, 0, ~0UL,
			cur_asid).error;
}
static long f_asid_base_all(void)
{
	return sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA_ASID, 0, ~0UL, TV, PAGE_SIZE,
			cur_asid).error;
}
static long f_legacy_vma(void)
{
	return legacy(SBI_EXT_LEGACY_REMOTE_SFENCE_VMA, (unsigned long)&mask_one, TV, PAGE_SIZE, 0);
}
static long f_legacy_vma_null(void)
{
	return legacy(SBI_EXT_LEGACY_REMOTE_SFENCE_VMA, 0, TV, PAGE_SIZE, 0);
}
static long f_legacy_vma_misaligned(void)
{
	return legacy(SBI_EXT_LEGACY_REMOTE_SFENCE_VMA, fence_arg, TV, PAGE_SIZE, 0);
}
static long f_legacy_asid(void)
{
	return legacy(SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID, (unsigned long)&mask_one, TV,
		      PAGE_SIZE, cur_asid);
}
static long f_legacy_asid_null(void)
{
	return legacy(SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID, 0, TV, PAGE_SIZE, cur_asid);
}

static unsigned long read_tv(void)
{
	return *(volatile unsigned long *)TV;
}

/*
 * TV -> page A, touched (so a TLB or a shadow holds it); then the PTE is
 * changed to page B with no sfence.vma, and 'fence' asks the SBI to fence
 * this hart.  The next read of TV must see page B.  ('fence' returns the
 * SBI error, or 1 for "refused, so nothing to check".)
 */
static void fence_case(const char *name, long (*fence)(void))
{
	*tv_pte = pt_pte((unsigned long)page_a, PT_KRWX);
	pt_sfence_all();
	unsigned long before = read_tv();
	*tv_pte = pt_pte((unsigned long)page_b, PT_KRWX);
	asm volatile("" ::: "memory");
	long e = fence();
	unsigned long after = read_tv();

	cprintf("%-44s error=%ld, before: page %s, after: page %s\n", name, e,
		before == VAL_A ? "A" : before == VAL_B ? "B" : "?",
		e == 1 ? "-" : after == VAL_A ? "A" : after == VAL_B ? "B" : "?");
	check(before == VAL_A, "%s: TV read page A first", name);
	if (e == 1)
		return;
	check(e == 0, "%s: succeeds", name);
	check(after == VAL_B, "%s: fenced: TV now reads page B", name);
}

/* remote_fence_i on this hart: new code written to memory must run. */
static uint32_t code_buf[4] __attribute__((aligned(16)));

static void write_code(uint32_t li_a0_imm)
{
	/* li a0, imm (addi a0, zero, imm); ret */
	((volatile uint32_t *)code_buf)[0] = 0x00000513u | (li_a0_imm & 0xfff) << 20;
	((volatile uint32_t *)code_buf)[1] = 0x00008067u;
}

static void fence_i_case(const char *name, long (*fence)(void))
{
	unsigned long (*code)(void) = (unsigned long (*)(void))(void *)code_buf;

	write_code(1);
	asm volatile("fence.i" ::: "memory");
	unsigned long first = code();
	write_code(2);
	long e = fence();
	unsigned long second = code();
	cprintf("%-44s error=%ld, code returned %lu then %lu\n", name, e, first, second);
	check(e == 0 && first == 1 && second == 2, "%s: the new code runs", name);
}

static long fi_sbi(void)
{
	return sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I, 1, 0).error;
}
static long fi_sbi_all(void)
{
	return sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I, 0, ~0UL).error;
}
static long fi_legacy(void)
{
	return legacy(SBI_EXT_LEGACY_REMOTE_FENCE_I, (unsigned long)&mask_one, 0, 0, 0);
}
static long fi_legacy_null(void)
{
	return legacy(SBI_EXT_LEGACY_REMOTE_FENCE_I, 0, 0, 0, 0);
}

static void paging_on(void)
{
	pt_pool_init(pool, sizeof(pool));
	root = pt_new_space(3, 0);
	tv_pte = pt_map(root, 3, TV, (unsigned long)page_a, 0, PT_KRWX);
	/* Ask for ASID 5; use whatever the hart keeps (ASIDLEN may be 0). */
	csr_write(CSR_SATP, pt_satp(SATP_MODE_SV39, 5, root));
	pt_sfence_all();
	cur_asid = (csr_read(CSR_SATP) & SATP_ASID) >> SATP_ASID_SHIFT;
}

static void paging_off(void)
{
	pt_switch(0);
}

static void test_fences_fence(void)
{
	cprintf("-- remote fences on the calling hart must fence (Sv39)\n");
	for (unsigned i = 0; i < PAGE_SIZE / 8; i++) {
		page_a[i] = VAL_A;
		page_b[i] = VAL_B;
	}
	paging_on();
	fence_case("remote_sfence_vma(self, TV, 4096)", f_vma_page);
	fence_case("remote_sfence_vma(self, TV+0x800, 1)", f_vma_byte);
	fence_case("remote_sfence_vma(self, TV-4096, 12288)", f_vma_span);
	fence_case("remote_sfence_vma(self, 0, 0)", f_vma_all00);
	fence_case("remote_sfence_vma(self, 0, -1)", f_vma_allm1);
	fence_case("remote_sfence_vma(self, 0, 1<<38)", f_vma_huge);
	fence_case("remote_sfence_vma(base=-1, TV, 4096)", f_vma_base_all);
	fence_case("remote_sfence_vma(self, wrapping over TV)", f_vma_wrap);
	fence_case("remote_sfence_vma_asid(self, TV, 4096, asid)", f_asid_page);
	fence_case("remote_sfence_vma_asid(self, 0, 0, asid)", f_asid_all);
	fence_case("remote_sfence_vma_asid(self, 0, -1, asid)", f_asid_allm1);
	fence_case("remote_sfence_vma_asid(base=-1, TV, asid)", f_asid_base_all);
	fence_case("legacy 0x06 sfence_vma(&mask=1, TV, 4096)", f_legacy_vma);
	fence_case("legacy 0x06 sfence_vma(NULL: all, TV)", f_legacy_vma_null);
	mask_buf[0] = mask_buf[1] = 0;
	fence_arg = (unsigned long)mask_buf + 3;	/* misaligned, mask = 1 */
	*(volatile uint8_t *)fence_arg = 1;
	fence_case("legacy 0x06 sfence_vma(misaligned &mask=1)", f_legacy_vma_misaligned);
	fence_case("legacy 0x07 sfence_vma_asid(&mask=1, TV, asid)", f_legacy_asid);
	fence_case("legacy 0x07 sfence_vma_asid(NULL, TV, asid)", f_legacy_asid_null);
	paging_off();

	fence_i_case("remote_fence_i(self)", fi_sbi);
	fence_i_case("remote_fence_i(base=-1)", fi_sbi_all);
	fence_i_case("legacy 0x05 remote_fence_i(&mask=1)", fi_legacy);
	fence_i_case("legacy 0x05 remote_fence_i(NULL)", fi_legacy_null);
}

/* ---- HSM ------------------------------------------------------------------------------- */

static void start_target(void)
{
	for (;;)
		asm volatile("wfi");
}

/*
 * Non-retentive suspend: nr_suspend(type, resume_addr, opaque) saves the
 * callee-saved registers, sp, gp, tp and ra, and makes the call.  If the
 * call returns, it returns the error.  If the hart resumes at nr_resume,
 * that records a0, a1, satp and sstatus as found, restores the registers
 * and stvec, and returns NR_RESUMED from nr_suspend.
 */
#define NR_RESUMED 0x7e5
long nr_suspend(unsigned long type, unsigned long raddr, unsigned long opaque);
extern char nr_resume[], nr_suspend_ecall[];
struct nr_seen { unsigned long a0, a1, satp, sstatus; };
struct nr_seen nr_seen;
asm(".text\n.balign 4\n"
    ".globl nr_suspend\nnr_suspend:\n"
    "la t0, nr_ctx\n"
    "sd ra, 0(t0)\nsd sp, 8(t0)\nsd gp, 16(t0)\nsd tp, 24(t0)\n"
    ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11\nsd s\\n, (32+8*\\n)(t0)\n.endr\n"
    "li a7, " STR(SBI_EXT_HSM) "\n"
    "li a6, " STR(SBI_HSM_HART_SUSPEND) "\n"
    ".globl nr_suspend_ecall\nnr_suspend_ecall:\n"
    "ecall\n"
    "ret\n"
    ".balign 4\n"
    ".globl nr_resume\nnr_resume:\n"
    "csrr t0, satp\n"
    "csrr t1, sstatus\n"
    "la t2, nr_seen\n"
    "sd a0, 0(t2)\nsd a1, 8(t2)\nsd t0, 16(t2)\nsd t1, 24(t2)\n"
    "la t0, nr_ctx\n"
    "ld ra, 0(t0)\nld sp, 8(t0)\nld gp, 16(t0)\nld tp, 24(t0)\n"
    ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11\nld s\\n, (32+8*\\n)(t0)\n.endr\n"
    "la t0, trap_entry\n"
    "csrw stvec, t0\n"
    "li a0, " STR(NR_RESUMED) "\n"
    "ret\n"
    ".bss\n.balign 8\nnr_ctx: .space 14*8\n.text\n");

static volatile int nr_irq_at_resume, nr_irq_other;

/* Timer interrupts during the suspend tests: before the suspend call, put
 * the deadline off a little (the call must still be woken); at resume_addr
 * (SIE was left 1), record it and stop the timer. */
static int nr_hook(struct trap_frame *f)
{
	if (f->scause != (CAUSE_INTERRUPT | IRQ_S_TIMER))
		return 0;
	if (f->sepc == (unsigned long)nr_resume) {
		nr_irq_at_resume++;
		sbi_set_timer(~0UL);
	} else {
		nr_irq_other++;
		sbi_set_timer(rdtime() + 2 * TICKS_PER_MS);
	}
	return 1;
}

static void test_hsm(void)
{
	struct sbiret r;
	char what[96];

	cprintf("-- HSM\n");
	r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_STATUS, boot_hartid);
	expect_err("hart_get_status(self)", r, SBI_SUCCESS);
	check(r.value == SBI_HSM_STATE_STARTED, "own hart is STARTED");

	/* Hart ids that do not exist: INVALID_PARAM.  OpenSBI 1.5.1 truncates
	 * hart ids to 32 bits: 1<<32 and 1<<63 are hart 0 to it. */
	static const struct { unsigned long id; int osbi_trunc; } no_hart[] = {
		{ 1, 0 }, { 2, 0 }, { 63, 0 }, { 64, 0 }, { 1000, 0 }, { 0xffffffffUL, 0 },
		{ ~0UL, 0 }, { ~0UL - 1, 0 }, { 1UL << 32, 1 }, { 1UL << 63, 1 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(no_hart); i++) {
		unsigned long id = no_hart[i].id;
		snprintf(what, sizeof(what), "hart_get_status(0x%lx)", id);
		r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_STATUS, id);
		if (no_hart[i].osbi_trunc)
			expect_spec(what, r, SBI_ERR_INVALID_PARAM, SBI_SUCCESS);
		else
			expect_err(what, r, SBI_ERR_INVALID_PARAM);
		snprintf(what, sizeof(what), "hart_start(0x%lx, valid address)", id);
		r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, id, (unsigned long)start_target, 0);
		if (no_hart[i].osbi_trunc)
			expect_spec(what, r, SBI_ERR_INVALID_PARAM, SBI_ERR_ALREADY_AVAILABLE);
		else
			expect_err(what, r, SBI_ERR_INVALID_PARAM);
		/* Both arguments bad: the spec does not order the checks. */
		snprintf(what, sizeof(what), "hart_start(0x%lx, address 0x400000000000)", id);
		r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, id, 0x400000000000UL, 0);
		if (no_hart[i].osbi_trunc) {
			cprintf("%-52s refused\n", what);
			check(r.error < 0, "%s: refused", what);
			strict_check(r.error == SBI_ERR_INVALID_PARAM || r.error == SBI_ERR_INVALID_ADDRESS,
				     "%s: INVALID_PARAM or INVALID_ADDRESS (got %ld)", what, r.error);
		} else {
			expect_either(what, r, SBI_ERR_INVALID_PARAM, SBI_ERR_INVALID_ADDRESS);
		}
	}
	r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, boot_hartid, (unsigned long)start_target, 0);
	expect_err("hart_start(self, valid address)", r, SBI_ERR_ALREADY_AVAILABLE);
	static const unsigned long bad_addr[] = { 0, 0x400000000000UL, ~0UL, ~0UL - 3 };
	for (unsigned i = 0; i < ARRAY_SIZE(bad_addr); i++) {
		snprintf(what, sizeof(what), "hart_start(self, 0x%lx)", bad_addr[i]);
		expect_either(what, sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, boot_hartid,
					     bad_addr[i], ~0UL),
			      SBI_ERR_ALREADY_AVAILABLE, SBI_ERR_INVALID_ADDRESS);
	}

	/*
	 * Suspend types (SBI 2.0 9.4, table 33): 0x00000001-0x0FFFFFFF and
	 * 0x80000001-0x8FFFFFFF are reserved: INVALID_PARAM.  0x10000000-
	 * 0x7FFFFFFF and 0x90000000-0xFFFFFFFF are platform-specific, not
	 * reserved: a platform without them says NOT_SUPPORTED (or FAILED),
	 * never INVALID_PARAM.  None of these may suspend the hart.
	 */
	static const unsigned long reserved[] = { 1, 2, 0x0fffffff, 0x80000001UL, 0x8fffffffUL };
	for (unsigned i = 0; i < ARRAY_SIZE(reserved); i++) {
		snprintf(what, sizeof(what), "hart_suspend(type 0x%lx, reserved)", reserved[i]);
		expect_err(what, sbi_call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, reserved[i],
					  (unsigned long)nr_resume, 0),
			   SBI_ERR_INVALID_PARAM);
	}
	static const unsigned long platform[] = { 0x10000000, 0x7fffffff, 0x90000000UL, 0xffffffffUL };
	for (unsigned i = 0; i < ARRAY_SIZE(platform); i++) {
		snprintf(what, sizeof(what), "hart_suspend(type 0x%lx, platform)", platform[i]);
		expect_either(what, sbi_call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, platform[i],
					     (unsigned long)nr_resume, 0),
			      SBI_ERR_NOT_SUPPORTED, SBI_ERR_FAILED);
	}

	/* Retentive suspend: woken by the timer, returns SUCCESS. */
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	csr_set(CSR_SIE, SIE_STIE);
	sbi_set_timer(rdtime() + 2 * TICKS_PER_MS);
	r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, SBI_HSM_SUSPEND_RETENTIVE, 0, 0);
	expect_err("hart_suspend(retentive), timer armed", r, SBI_SUCCESS);
	sbi_set_timer(~0UL);
	csr_clear(CSR_SIE, SIE_STIE);

	/*
	 * Non-retentive suspend with a resume address that is not RAM:
	 * INVALID_ADDRESS ("not a valid physical address").  OpenSBI 1.5.1
	 * accepts any address S-mode may execute by its PMP (everything but
	 * itself), so only when strict; a timer is armed so that a wrongly
	 * accepted call still wakes (and then faults at that address).
	 */
	if (strict) {
		unsigned long nowhere[] = { 0, 0x400000000000UL, ram_end, ~0UL - 3,
					    0xffffffffc0000000UL };
		for (unsigned i = 0; i < ARRAY_SIZE(nowhere); i++) {
			csr_set(CSR_SIE, SIE_STIE);
			sbi_set_timer(rdtime() + 5 * TICKS_PER_MS);
			r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND,
				     SBI_HSM_SUSPEND_NON_RETENTIVE, nowhere[i], 0);
			sbi_set_timer(~0UL);
			csr_clear(CSR_SIE, SIE_STIE);
			strict_check(r.error == SBI_ERR_INVALID_ADDRESS,
				     "non-retentive suspend, resume_addr 0x%lx: INVALID_ADDRESS (got %ld)",
				     nowhere[i], r.error);
		}
	}

	/*
	 * Non-retentive suspend done right, from a state it must not keep:
	 * satp = Sv39 (identity-mapped RAM), sstatus.SIE = 1, the timer armed
	 * and enabled to wake the hart.  It must resume at resume_addr in
	 * S-mode with a0 = hartid, a1 = opaque, satp = 0, sstatus.SIE = 0
	 * (SBI 2.0 9.4: "as if the hart was started with hart_start").
	 */
	pt_pool_init(pool, sizeof(pool));
	root = pt_new_space(3, 0);
	csr_write(CSR_SATP, pt_satp(SATP_MODE_SV39, 0, root));
	pt_sfence_all();
	unsigned long satp_before = csr_read(CSR_SATP);
	trap_hook = nr_hook;
	nr_seen = (struct nr_seen){ ~0UL, ~0UL, ~0UL, ~0UL };
	csr_set(CSR_SIE, SIE_STIE);
	sbi_set_timer(rdtime() + 3 * TICKS_PER_MS);
	csr_set(CSR_SSTATUS, SSTATUS_SIE);
	long ret = nr_suspend(SBI_HSM_SUSPEND_NON_RETENTIVE, (unsigned long)nr_resume,
			      0x0123456789abcdefUL);
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	sbi_set_timer(~0UL);
	csr_write(CSR_SIE, 0);
	trap_hook = 0;
	pt_switch(0);

	cprintf("hart_suspend(non-retentive, valid resume_addr):    %s\n",
		ret == NR_RESUMED ? "resumed at resume_addr" : sbi_err_name(ret));
	if (check(ret == NR_RESUMED, "non-retentive suspend resumes at resume_addr")) {
		cprintf("  at resume_addr: a0 = %s, a1 = 0x%lx, satp = 0x%lx, sstatus.SIE = %lu\n",
			nr_seen.a0 == boot_hartid ? "hartid" : "?", nr_seen.a1, nr_seen.satp,
			nr_seen.sstatus & SSTATUS_SIE ? 1UL : 0UL);
		check(satp_before != 0, "satp was Sv39 before the suspend");
		check(nr_seen.a0 == boot_hartid, "resume: a0 = hartid");
		check(nr_seen.a1 == 0x0123456789abcdefUL, "resume: a1 = opaque");
		check(nr_seen.satp == 0, "resume: satp = 0");
		check(!(nr_seen.sstatus & SSTATUS_SIE), "resume: sstatus.SIE = 0");
		check(!nr_irq_at_resume, "resume: no interrupt taken at resume_addr (SIE was 0)");
	}
}

/* ---- SRST -------------------------------------------------------------------------------- */

static void test_srst(void)
{
	char what[96];

	cprintf("-- SRST with reserved types and reasons (must return)\n");
	/* SBI 2.0 10.1: types 3-0xEFFFFFFF and reasons 2-0xDFFFFFFF are reserved. */
	static const struct { unsigned long type, reason; } bad[] = {
		{ 3, 0 }, { 0x0fffffff, 0 }, { 0xefffffffUL, 0 }, { 0xefffffffUL, 1 },
		{ 0, 2 }, { 1, 2 }, { 2, 2 }, { 0, 0x10000000 }, { 0, 0xdfffffffUL },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(what, sizeof(what), "system_reset(type 0x%lx, reason 0x%lx)",
				   bad[i].type, bad[i].reason);
		expect_err(what, sbi_call(SBI_EXT_SRST, SBI_SRST_RESET, bad[i].type, bad[i].reason),
			   SBI_ERR_INVALID_PARAM);
	}
	/* Vendor reset types nobody implements here: refused, either way. */
	static const unsigned long vendor[] = { 0xf0000000UL, 0xfffffffeUL };
	for (unsigned i = 0; i < ARRAY_SIZE(vendor); i++) {
		snprintf(what, sizeof(what), "system_reset(vendor type 0x%lx)", vendor[i]);
		expect_either(what, sbi_call(SBI_EXT_SRST, SBI_SRST_RESET, vendor[i], 0),
			      SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED);
	}
}

/* ---- DBCN --------------------------------------------------------------------------------- */

static char dbcn_msg[] = "[dbcn]\n";
static char dbcn_buf[64];

static void test_dbcn(void)
{
	struct sbiret r;

	cprintf("-- DBCN\n");
	r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, SBI_EXT_DBCN);
	if (!r.value) {
		cprintf("no DBCN\n");	/* optional: fine, but then both must lack it */
		return;
	}
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, sizeof(dbcn_msg) - 1, (unsigned long)dbcn_msg, 0);
	check(r.error == SBI_SUCCESS && (unsigned long)r.value <= sizeof(dbcn_msg) - 1,
	      "write of a valid buffer: SUCCESS, at most num_bytes written");
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, 0, (unsigned long)dbcn_msg, 0);
	cprintf("%-52s error=%ld value=%ld\n", "write(0 bytes, valid)", r.error, r.value);
	check(r.error == SBI_SUCCESS && r.value == 0, "write of 0 bytes: SUCCESS, 0 written");
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_READ, 0, (unsigned long)dbcn_buf, 0);
	cprintf("%-52s error=%ld value=%ld\n", "read(0 bytes, valid)", r.error, r.value);
	check(r.error == SBI_SUCCESS && r.value == 0, "read of 0 bytes: SUCCESS, 0 read");

	/* The last bytes of RAM are RAM: a write that ends exactly there works. */
	char *tail = (char *)(ram_end - 6);
	for (int i = 0; i < 6; i++)
		tail[i] = "[end]\n"[i];
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, 6, ram_end - 6, 0);
	check(r.error == SBI_SUCCESS, "write ending at the last byte of RAM: SUCCESS");

	/*
	 * base_addr_hi != 0: above 64 bits, no memory.  The spec's error is
	 * INVALID_PARAM; OpenSBI 1.5.1 answers FAILED.
	 */
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, 8, (unsigned long)dbcn_msg, 1);
	cprintf("%-52s %s\n", "write(base_addr_hi = 1)", r.error < 0 ? "refused" : "accepted");
	check(r.error == SBI_ERR_INVALID_PARAM || r.error == SBI_ERR_FAILED,
	      "write above 64 bits refused");
	strict_check(r.error == SBI_ERR_INVALID_PARAM, "write above 64 bits: INVALID_PARAM (got %ld)",
		     r.error);
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_READ, 8, (unsigned long)dbcn_buf, ~0UL);
	cprintf("%-52s %s\n", "read(base_addr_hi = -1)", r.error < 0 ? "refused" : "accepted");
	check(r.error == SBI_ERR_INVALID_PARAM || r.error == SBI_ERR_FAILED,
	      "read above 64 bits refused");
	strict_check(r.error == SBI_ERR_INVALID_PARAM, "read above 64 bits: INVALID_PARAM (got %ld)",
		     r.error);

	/*
	 * Buffers that are not (all) RAM: outside it, crossing its end,
	 * wrapping around 2^64, huge.  The spec: INVALID_PARAM.  OpenSBI
	 * 1.5.1 checks only its own PMP regions: a write faults in M-mode
	 * (the machine hangs), a read with no input pending returns 0 bytes.
	 * So writes are tried only when strict; reads always, accepting
	 * "0 bytes read" from OpenSBI.  Nothing is typed on the console.
	 */
	static const struct { unsigned long len, addr; const char *name; } bad[] = {
		{ 16, 0, "at 0" },
		{ 16, 0x1000, "at 0x1000 (boot ROM)" },
		{ 16, 0x400000000000UL, "at 0x400000000000" },
		{ 16, 0x88000000UL + 0x100000000UL, "above RAM" },
		{ 16, ~0UL - 15, "the last 16 bytes of 2^64" },
		{ 32, ~0UL - 15, "wrapping around 2^64" },
		{ 16, 0xffffffffc0000000UL, "top 1 GiB" },
		{ 1UL << 62, 0x80200000UL, "huge (1<<62 bytes)" },
		{ ~0UL, 0x80200000UL, "huge (-1 bytes)" },
		{ 0x10000000UL, 0x80200000UL, "256 MiB from the image" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_READ, bad[i].len, bad[i].addr, 0);
		check(r.error == SBI_ERR_INVALID_PARAM || (r.error == SBI_SUCCESS && r.value == 0),
		      "read %s: INVALID_PARAM, or 0 bytes", bad[i].name);
		strict_check(r.error == SBI_ERR_INVALID_PARAM, "read %s: INVALID_PARAM (got %ld)",
			     bad[i].name, r.error);
		if (strict) {
			r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, bad[i].len, bad[i].addr, 0);
			strict_check(r.error == SBI_ERR_INVALID_PARAM,
				     "write %s: INVALID_PARAM (got %ld)", bad[i].name, r.error);
		}
	}
	/* Crossing the end of RAM (16 bytes, 8 of them past it). */
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_READ, 16, ram_end - 8, 0);
	check(r.error == SBI_ERR_INVALID_PARAM || (r.error == SBI_SUCCESS && r.value == 0),
	      "read crossing the end of RAM: INVALID_PARAM, or 0 bytes");
	strict_check(r.error == SBI_ERR_INVALID_PARAM,
		     "read crossing the end of RAM: INVALID_PARAM (got %ld)", r.error);
	if (strict) {
		r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, 16, ram_end - 8, 0);
		strict_check(r.error == SBI_ERR_INVALID_PARAM,
			     "write crossing the end of RAM: INVALID_PARAM (got %ld)", r.error);
		r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, 16, ram_base - 8, 0);
		strict_check(r.error == SBI_ERR_INVALID_PARAM,
			     "write crossing the start of RAM: INVALID_PARAM (got %ld)", r.error);
	}

	/* write_byte takes the low 8 bits of its argument. */
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE_BYTE, 0x123456789abcde0aUL);
	check(r.error == SBI_SUCCESS, "write_byte(0x...0a) succeeds");
	r = sbi_call(SBI_EXT_DBCN, 3);
	expect_err("DBCN fid 3", r, SBI_ERR_NOT_SUPPORTED);
	r = sbi_call(SBI_EXT_DBCN, ~0UL, 16, 0, 0);
	expect_err("DBCN fid -1", r, SBI_ERR_NOT_SUPPORTED);
}

/* ---- Legacy extensions --------------------------------------------------------------------- */

static void test_legacy(void)
{
	long e;

	cprintf("-- legacy extensions 0x00-0x08\n");
	csr_write(CSR_SIE, 0);
	e = legacy(SBI_EXT_LEGACY_SET_TIMER, 0, 0, 0, 0);
	int p = sip_wait(SIP_STIP, 20);
	cprintf("0x00 set_timer(0): a0=%ld, STIP pending: %d\n", e, p);
	check(e == 0 && p, "legacy set_timer(0): 0, STIP pending");
	e = legacy(SBI_EXT_LEGACY_SET_TIMER, ~0UL, 0, 0, 0);
	p = !!(csr_read(CSR_SIP) & SIP_STIP);
	cprintf("0x00 set_timer(-1): a0=%ld, STIP pending: %d\n", e, p);
	check(e == 0 && !p, "legacy set_timer(-1): 0, STIP clear");

	/* putchar takes the character from the low byte. */
	e = legacy(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, 0xffffff00UL | '*', 0, 0, 0);
	e |= legacy(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, '\n', 0, 0, 0);
	check(e == 0, "legacy putchar returns 0");
	e = legacy(SBI_EXT_LEGACY_CONSOLE_GETCHAR, 0, 0, 0, 0);
	cprintf("0x02 getchar (nothing typed): a0=%ld\n", e);
	check(e == -1, "legacy getchar with no input: -1");

	csr_set(CSR_SIP, SIP_SSIP);
	e = legacy(SBI_EXT_LEGACY_CLEAR_IPI, 0, 0, 0, 0);
	p = !!(csr_read(CSR_SIP) & SIP_SSIP);
	cprintf("0x03 clear_ipi: a0=%ld, SSIP: %d\n", e, p);
	check(e == 0 && !p, "legacy clear_ipi clears SSIP");

	/*
	 * The legacy spec defines no errors: a mask naming a hart that does not
	 * exist may be refused (as the SBI 0.2+ calls must) or the bit ignored
	 * (OpenSBI 1.5.1).
	 */
	static const struct {
		unsigned long *ptr;
		int either;
		int ipi;
		const char *name;
	} ipis[] = {
		{ &mask_one, 0, 1, "&mask=1" },
		{ 0, 0, 1, "NULL (all harts)" },
		{ &mask_zero, 0, 0, "&mask=0" },
		{ &mask_two, 1, 0, "&mask=2 (hart 1)" },
		{ &mask_all, 1, 0, "&mask=-1" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(ipis); i++) {
		ssip_clear();
		e = legacy(SBI_EXT_LEGACY_SEND_IPI, (unsigned long)ipis[i].ptr, 0, 0, 0);
		p = sip_wait(SIP_SSIP, ipis[i].either ? 2 : ipis[i].ipi ? 50 : 2);
		if (ipis[i].either) {
			cprintf("0x04 send_ipi(%s): 0 or INVALID_PARAM\n", ipis[i].name);
			check(e == 0 || e == SBI_ERR_INVALID_PARAM,
			      "legacy send_ipi(%s): 0 or INVALID_PARAM", ipis[i].name);
		} else {
			cprintf("0x04 send_ipi(%s): a0=%ld, SSIP %s\n", ipis[i].name, e,
				p ? "set" : "clear");
			check(e == 0, "legacy send_ipi(%s): 0", ipis[i].name);
			check(p == ipis[i].ipi, "legacy send_ipi(%s): SSIP %s", ipis[i].name,
			      ipis[i].ipi ? "set" : "clear");
		}
		ssip_clear();
	}
	for (unsigned long ext = SBI_EXT_LEGACY_REMOTE_FENCE_I;
	     ext <= SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID; ext++) {
		e = legacy(ext, (unsigned long)&mask_one, 0, ~0UL, 0);
		cprintf("0x%02lx (&mask=1, all): a0=%ld\n", ext, e);
		check(e == 0, "legacy 0x%02lx on self: 0", ext);
		e = legacy(ext, (unsigned long)&mask_two, 0, ~0UL, 0);
		cprintf("0x%02lx (&mask=2): 0 or INVALID_PARAM\n", ext);
		check(e == 0 || e == SBI_ERR_INVALID_PARAM,
		      "legacy 0x%02lx on hart 1: 0 or INVALID_PARAM", ext);
	}
}

/* ---- SBI calls from U-mode: not the SBI's ------------------------------------------------ */

/*
 * An ecall from U-mode is a system call of the guest's own user space: it
 * must arrive at the guest's stvec as "ecall from U-mode" (scause 8) at the
 * ecall, whatever a7 says - even "shut the machine down".  Nothing may be
 * printed, suspended or reset.
 */
#define U_ECALL(name, setup)						\
	TRAP_FN(name, setup "\n.globl " #name "_ecall\n" #name "_ecall: ecall");	\
	extern char name##_ecall[]
U_ECALL(u_srst, "li a7, 0x53525354\nli a6, 0\nli a0, 0\nli a1, 0");
U_ECALL(u_legacy_shutdown, "li a7, 8");
U_ECALL(u_putchar, "li a7, 1\nli a0, 88");
U_ECALL(u_dbcn, "li a7, 0x4442434e\nli a6, 2\nli a0, 89");
U_ECALL(u_suspend, "li a7, 0x48534d\nli a6, 3\nli a0, 0\nli a1, 0\nli a2, 0");
U_ECALL(u_hart_stop, "li a7, 0x48534d\nli a6, 1");
U_ECALL(u_base, "li a7, 0x10\nli a6, 0");

static void test_user_ecalls(void)
{
	static const struct { trap_fn fn; const char *ecall; const char *name; } u[] = {
		{ u_srst, u_srst_ecall, "SRST shutdown" },
		{ u_legacy_shutdown, u_legacy_shutdown_ecall, "legacy shutdown" },
		{ u_putchar, u_putchar_ecall, "legacy putchar('X')" },
		{ u_dbcn, u_dbcn_ecall, "DBCN write_byte('Y')" },
		{ u_suspend, u_suspend_ecall, "HSM retentive suspend" },
		{ u_hart_stop, u_hart_stop_ecall, "HSM hart_stop" },
		{ u_base, u_base_ecall, "BASE get_spec_version" },
	};
	struct trap_record t;

	cprintf("-- SBI calls from U-mode (must be the guest's own system calls)\n");
	for (unsigned i = 0; i < ARRAY_SIZE(u); i++) {
		run_user(u[i].fn, 0, &t);
		cprintf("%-52s scause=%lu sepc=%s\n", u[i].name, t.scause,
			t.sepc == (unsigned long)u[i].ecall ? "the ecall" : addr_str(t.sepc));
		check(t.taken && t.scause == CAUSE_USER_ECALL && t.sepc == (unsigned long)u[i].ecall,
		      "U-mode %s: ecall from U-mode at the guest's stvec", u[i].name);
	}
}

/* ---- Legacy calls with a hart-mask pointer that faults ---------------------------------------- */

TRAP_FN(leg_send_ipi, "li a7, 4\necall");
TRAP_FN(leg_fence_i, "li a7, 5\necall");
TRAP_FN(leg_sfence_vma, "li a1, 0\nli a2, -1\nli a7, 6\necall");
TRAP_FN(leg_sfence_vma_asid, "li a1, 0\nli a2, -1\nli a3, 0\nli a7, 7\necall");
TRAP_FN(read_hgatp, "csrr a0, hgatp");
TRAP_FN(read_hstatus, "csrr a0, hstatus");
TRAP_FN(do_ebreak, "ebreak");

static const struct {
	trap_fn fn;
	unsigned long ecall_off;
	const char *name;
} leg_calls[] = {
	{ leg_send_ipi, 4, "0x04 send_ipi" },
	{ leg_fence_i, 4, "0x05 remote_fence_i" },
	{ leg_sfence_vma, 12, "0x06 remote_sfence_vma" },
	{ leg_sfence_vma_asid, 16, "0x07 remote_sfence_vma_asid" },
};

/*
 * After anything that made the SBI implementation fault on our behalf:
 * are we still a deprivileged guest?  hgatp exists only for a hypervisor:
 * reading it must be an illegal instruction (on a hart without H, and in
 * VS-mode, where it is made one); an ebreak must reach our stvec.
 */
/* csrr of a hypervisor CSR (read by fn) must be an illegal instruction. */
static int hypervisor_csr_illegal(trap_fn fn, const char *csr, const char *after)
{
	struct trap_record t;

	expect_trap(fn, 0, &t);
	if (!t.taken)
		cprintf("ESCAPE: runs with hypervisor privilege (csrr %s = 0x%lx) after %s\n",
			csr, t.ret, after);
	return check(t.taken && t.scause == CAUSE_ILLEGAL_INSTRUCTION,
		     "after %s: csrr %s is an illegal instruction", after, csr);
}

static int escape_checks(const char *after)
{
	struct trap_record t;
	int ok = 1;

	ok &= hypervisor_csr_illegal(read_hgatp, "hgatp", after);
	ok &= hypervisor_csr_illegal(read_hstatus, "hstatus", after);
	expect_trap(do_ebreak, 0, &t);
	ok &= check(t.taken && t.scause == CAUSE_BREAKPOINT && t.sepc == (unsigned long)do_ebreak,
		    "after %s: ebreak arrives at our stvec", after);
	return ok;
}

static void bad_pointer(const char *where, unsigned long ptr, unsigned long cause,
			unsigned long tval)
{
	char what[112];

	for (unsigned i = 0; i < ARRAY_SIZE(leg_calls); i++) {
		struct trap_record t;
		expect_trap(leg_calls[i].fn, ptr, &t);
		snprintf(what, sizeof(what), "%s(%s)", leg_calls[i].name, where);
		if (t.taken)
			cprintf("%-52s scause=%lu sepc=fn+%lu stval=ptr%+ld (%d traps)\n", what,
				t.scause, t.sepc - (unsigned long)leg_calls[i].fn,
				(long)(t.stval - ptr), t.count);
		else
			cprintf("%-52s no trap, a0=%ld\n", what, (long)t.ret);
		check(t.taken && t.count == 1 && t.scause == cause &&
		      t.sepc == (unsigned long)leg_calls[i].fn + leg_calls[i].ecall_off &&
		      t.stval == tval,
		      "%s: the fault of the mask read, at the ecall", what);
		if (!escape_checks(what))
			break;
	}
}

static void test_legacy_bad_pointers(void)
{
	cprintf("-- legacy hart-mask pointers that fault (OpenSBI redirects the fault)\n");
	/* Bare: physical addresses with no memory. */
	bad_pointer("0x400000000000", 0x400000000000UL, CAUSE_LOAD_ACCESS, 0x400000000000UL);
	bad_pointer("-4", ~0UL - 3, CAUSE_LOAD_ACCESS, ~0UL - 3);
	/* 8 bytes of which the last 4 are past RAM: the fault is at the first byte past it. */
	bad_pointer("RAM end - 4", ram_end - 4, CAUSE_LOAD_ACCESS, ram_end);

	/* Sv39: the pointer is a virtual address, read as S-mode reads it. */
	pt_pool_init(pool, sizeof(pool));
	root = pt_new_space(3, 0);
	unsigned long va_user = TV, va_xonly = TV + PAGE_SIZE, va_io = TV + 2 * PAGE_SIZE,
		      va_none = TV + 3 * PAGE_SIZE, va_cross = TV + 5 * PAGE_SIZE - 4;
	pt_map(root, 3, va_user, (unsigned long)page_a, 0, PT_KRWX | PTE_U);
	pt_map(root, 3, va_xonly, (unsigned long)page_a, 0, PTE_V | PTE_X | PTE_A);
	pt_map(root, 3, va_io, 0x400000000000UL, 0, PT_KRWX);
	pt_map(root, 3, va_cross - 4096 + 4, (unsigned long)page_a, 0, PT_KRWX);	/* TV + 4 pages */
	/* TV + 3 and TV + 5 pages: not mapped. */
	csr_write(CSR_SATP, pt_satp(SATP_MODE_SV39, 0, root));
	pt_sfence_all();
	csr_clear(CSR_SSTATUS, SSTATUS_SUM | SSTATUS_MXR);
	bad_pointer("Sv39 unmapped", va_none, CAUSE_LOAD_PAGE_FAULT, va_none);
	bad_pointer("Sv39 U page, SUM=0", va_user, CAUSE_LOAD_PAGE_FAULT, va_user);
	bad_pointer("Sv39 execute-only page, MXR=0", va_xonly, CAUSE_LOAD_PAGE_FAULT, va_xonly);
	bad_pointer("Sv39 page of no memory", va_io, CAUSE_LOAD_ACCESS, va_io);
	bad_pointer("Sv39 crossing into an unmapped page", va_cross, CAUSE_LOAD_PAGE_FAULT,
		    va_cross + 4);
	bad_pointer("Sv39 non-canonical", 1UL << 63, CAUSE_LOAD_PAGE_FAULT, 1UL << 63);
	pt_switch(0);
}

int main(void)
{
	test_begin("hostile_sbi");
	find_ram();
	strict = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID).value != SBI_IMPL_OPENSBI;
	test_base();
	test_time();
	test_ipi();
	test_rfence_masks();
	test_rfence_ranges();
	test_fences_fence();
	test_hsm();
	test_srst();
	test_dbcn();
	test_legacy();
	test_user_ecalls();
	test_legacy_bad_pointers();
	escape_checks("everything");
	test_end();
}
