/*
 * fuzz_sbi.c - libFuzzer harness for the SBI implementation the guest calls
 * (src/trap/sbi.c: sbi_handle).
 *
 * The fuzzer is a guest kernel making ecalls: any extension id in a7 (the
 * implemented ones, the legacy v0.1 ones, unknown and 64-bit ones), any
 * function id in a6, any a0..a5 (small numbers, hart masks and bases, -1,
 * guest-physical addresses inside, at the edge of and outside guest RAM,
 * addresses at the top of the address space, anything).  The input:
 *
 *   byte 0     harts in the VM (1..VM_MAX_VCPUS); byte 1 which one calls;
 *   byte 2     the other harts' HSM states (2 bits each); byte 3 flags
 *              (bit 0: a firmware reset request returns, i.e. fails;
 *              bit 1: the firmware offers SUSP; bit 2: the VM runs on the
 *              shadow backend (else hext); bit 3: the firmware delegates
 *              misaligned accesses; bits 4-5: the firmware's answer for
 *              PTE A/D updating (none, 0, 1); bit 6: the firmware has no
 *              PMU)
 *   u8 + bytes what the console has to read (for DBCN read, legacy getchar)
 *   then operations: an ecall (a7, a6, a0..a5), a write into guest RAM (a
 *   hart mask for a legacy call, bytes for DBCN), or a change of another
 *   hart's HSM state.
 *
 * Everything sbi.c reaches outside itself is a stub here that records what
 * it was asked: the timer, IPIs (vcpu_set_irq), sfence.vma on a vCPU's
 * behalf, the console, hart start and suspend, trap injection, and the
 * guest's memory: 4 KiB of guest RAM at 0x80000000 (a global array, so
 * AddressSanitizer catches any access past it) that vm_gpa_to_hva() hands
 * out, and a guest virtual address space where S-mode sees that RAM at the
 * same addresses and nothing else (vcpu_read_guest faults elsewhere).
 * vm_exit() and a firmware reset longjmp back to the harness.
 *
 * After every ecall the harness checks, from the SBI specification (v2.0)
 * rather than from sbi.c:
 *   - the call returns (or stops, or resumes the guest elsewhere) - a
 *     bounded amount of work: remote fences of a range fence at most the
 *     pages of the range, on the harts named;
 *   - only a0 and a1 change (legacy calls: only a0), and a0 is 0 or one of
 *     the standard error codes; each function's result is the one the
 *     spec gives for those arguments: BASE's values, probe_extension
 *     agreeing with which extensions answer, NOT_SUPPORTED for unknown
 *     extensions and functions;
 *   - hart masks: a mask naming a hart the VM does not have is
 *     INVALID_PARAM and nothing is sent; otherwise exactly the harts named
 *     (all of them for base -1) get the IPI or the fence, and a fence
 *     covers every page of the range (or everything, for size -1 or 0/0);
 *   - HSM: status per hart, start/stop/suspend with their error cases
 *     (suspend types reserved / platform-specific, resume addresses outside
 *     RAM), the state reported as SUSPENDED while suspended;
 *   - SRST: only a valid type and reason reset or shut down, with that
 *     reason;
 *   - DBCN: a buffer not wholly in guest RAM (or above 4 GiB... any high
 *     half) is INVALID_PARAM and never dereferenced; writes send exactly the
 *     buffer's bytes, reads change guest RAM only inside the buffer;
 *   - legacy calls: a hart-mask pointer the guest cannot read injects that
 *     fault into the guest (a0 untouched); a NULL pointer means all harts;
 *   - SUSP: offered exactly when the firmware offers it; reserved sleep
 *     types, resume addresses outside RAM, other harts not STOPPED are
 *     refused, else the hart sleeps once and resumes at resume_addr;
 *   - PMU: each function's errors are those of its table; a counter set
 *     naming a missing counter is INVALID_PARAM and reaches nothing; the
 *     firmware is asked only about hardware counters of the guest's set
 *     and hardware events; a firmware event is configured on a firmware
 *     counter of the set; fw_read only reads configured firmware counters,
 *     fw_read_hi is 0 (RV64); a started SET_TIMER counter counts each
 *     set_timer once, and firmware counters do not move otherwise (but
 *     for the IPI and fence events);
 *   - FWFT: get answers 0/1 or an error (value 0), reserved features are
 *     DENIED, a set that succeeds leaves the feature at that value, a
 *     locked feature cannot be set until the hart stops;
 *   - DBTR and SSE: the errors of their tables (no triggers, no events).
 *
 * sbi.c and the sbi_*.c files are compiled into this file (see "Building
 * sbi.c on the host").
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "umbra.h"
#include "trap_internal.h"
#include "platform.h"
#include "vm.h"

/* ---- Failing ------------------------------------------------------------------- */

static void show_call(void);

static void fail(const char *what) __attribute__((noreturn));
static void fail(const char *what)
{
	fprintf(stderr, "fuzz_sbi: invariant violated: %s\n", what);
	show_call();
	abort();
}

#define INVARIANT(cond, what) do { if (!(cond)) fail(what); } while (0)

/* Checking code is not instrumented for coverage (see fuzz_virtio.c). */
#define CHECKER FUZZ_NOCOV

/* ---- The machine the SBI sees: what the stubs record ------------------------------ */

#define RAM_BASE   0x80000000ull
#define RAM_SIZE   0x1000ull
#define MAX_FENCES 4096         /* far more than any legal remote fence needs */

static uint8_t ram[RAM_SIZE];
static struct vm vm;
static struct vcpu vcpus[VM_MAX_VCPUS];
static jmp_buf stopped;         /* vm_exit and a firmware reset end up here */
static bool fw_reset_fails;

/* What one ecall did, as the stubs saw it. */
static struct effects {
	unsigned timer_calls;
	uint64_t timer;
	uint64_t ipi_set;           /* harts that got SSIP raised */
	unsigned ipi_clears;        /* SSIP lowered on the caller */
	unsigned fences;            /* vcpu_sfence_vma calls */
	uint64_t full_fence;        /* harts fenced whole */
	uint64_t fenced;            /* harts fenced at all */
	uint64_t fence_i_set;       /* harts given a remote fence.i */
	uint64_t posted;            /* vCPUs sent a request (hart_start) */
	bool fence_asid_wrong;      /* a fence with the wrong ASID selection */
	uint64_t pages[MAX_FENCES];
	unsigned npages;
	uint64_t page_harts[MAX_FENCES];
	uint8_t out[1024];          /* console output */
	unsigned nout;
	unsigned reads;             /* guest memory reads */
	bool injected;
	uint64_t inj_cause, inj_tval;
	bool started;
	uint64_t start_pc, start_opaque;
	unsigned waits;
	bool wait_state_ok;
	int exit_reason;            /* vm_exit; -1 none */
	long reset_type, reset_reason;   /* vm_reboot; -1 none */
	uint64_t want_asid;
	bool by_asid;
	unsigned fw_pmu_calls;      /* PMU calls passed on to the firmware */
	bool fw_pmu_bad;            /* ... naming a counter that is not hardware */
	uint64_t fw_pmu_mask;       /* ... the counters named (absolute) */
} fx;

/* The console's input, from the fuzzer. */
static const uint8_t *cons_in;
static size_t cons_in_n;

void console_guest_putc(unsigned id, int c)
{
	(void)id;
	if (fx.nout < sizeof(fx.out))
		fx.out[fx.nout] = (uint8_t)c;
	fx.nout++;
}

int console_guest_getc(unsigned id)
{
	(void)id;
	if (!cons_in_n)
		return -1;
	cons_in_n--;
	return *cons_in++;
}

void console_puts(const char *s)
{
	(void)s;
}

void console_printf(const char *fmt, ...)
{
	(void)fmt;
}

void vcpu_set_timer(struct vcpu *v, uint64_t deadline)
{
	(void)v;
	fx.timer_calls++;
	fx.timer = deadline;
}

void vcpu_set_irq(struct vcpu *v, uint64_t sip_bit, bool level)
{
	INVARIANT(v >= vcpus && v < vcpus + vm.nvcpus, "an interrupt for a vCPU the VM does not have");
	INVARIANT(sip_bit == SIP_SSIP, "the SBI drove an interrupt other than SSIP");
	if (level)
		fx.ipi_set |= 1ull << v->id;
	else
		fx.ipi_clears++;
}

void vcpu_sfence_vma(struct vcpu *v, bool by_va, uint64_t va, bool by_asid, uint64_t asid)
{
	INVARIANT(v >= vcpus && v < vcpus + vm.nvcpus, "a fence for a vCPU the VM does not have");
	INVARIANT(++fx.fences <= MAX_FENCES, "unbounded remote fence: far more sfence.vma than the range has pages");
	if (by_asid != fx.by_asid || (by_asid && asid != fx.want_asid))
		fx.fence_asid_wrong = true;
	fx.fenced |= 1ull << v->id;
	if (!by_va) {
		fx.full_fence |= 1ull << v->id;
		return;
	}
	fx.page_harts[fx.npages] = v->id;
	fx.pages[fx.npages++] = va;
}

/* S-mode's view: guest RAM at its own addresses, nothing else. */
int vcpu_read_guest(struct vcpu *v, uint64_t va, void *buf, size_t len, enum spt_access acc)
{
	INVARIANT(acc == SPT_LOAD && len && len <= 8, "an odd guest read");
	fx.reads++;
	if (va < RAM_BASE || va - RAM_BASE > RAM_SIZE - len) {
		v->mem_fault.cause = CAUSE_LOAD_PAGE_FAULT;
		v->mem_fault.tval = va;
		return ERR_FAULT;
	}
	memcpy(buf, ram + (va - RAM_BASE), len);
	return 0;
}

void vcpu_inject_trap(struct vcpu *v, uint64_t cause, uint64_t tval)
{
	(void)v;
	fx.injected = true;
	fx.inj_cause = cause;
	fx.inj_tval = tval;
}

/* A request to another vCPU: only hart_start posts one (the kick). */
void vcpu_post(struct vcpu *v, uint32_t req)
{
	INVARIANT(v >= vcpus && v < vcpus + vm.nvcpus, "a request to a vCPU the VM does not have");
	(void)req;
	fx.posted |= 1ull << v->id;
}

/* Remote fences run on each target's own hart (request.c): here at once,
 * through the SBI's range rule (sbi.c's vcpu_fence_range). */
void vcpu_remote_fence(struct vcpu *self, uint64_t set, bool fence_i, uint64_t start,
		       uint64_t size, bool by_asid, uint64_t asid)
{
	(void)self;
	for (unsigned i = 0; i < vm.nvcpus; i++) {
		if (!(set & (1ull << i)))
			continue;
		if (fence_i)
			fx.fence_i_set |= 1ull << i;
		else
			vcpu_fence_range(&vcpus[i], start, size, by_asid, asid);
	}
}

void vcpu_start_at(struct vcpu *v, uint64_t pc, uint64_t opaque)
{
	(void)v;
	fx.started = true;
	fx.start_pc = pc;
	fx.start_opaque = opaque;
}

/* The hart sleeps until an interrupt; here one arrives at once.  Meanwhile
 * the others would see it SUSPENDED. */
void vcpu_wait_for_interrupt(struct vcpu *v)
{
	fx.waits++;
	fx.wait_state_ok = v->state == VCPU_SUSPENDED;
}

void vcpu_print_stats(struct vm *m)
{
	(void)m;
}

/* No patched sites here (src/patch is not linked): nothing to release. */
void spt_xonly_release(struct vm *m, uint64_t gpa, uint64_t len)
{
	(void)m, (void)gpa, (void)len;
}

void vm_exit(struct vm *m, int reason)
{
	(void)m;
	fx.exit_reason = reason;
	longjmp(stopped, 1);
}

/* A reboot (one VM: the firmware resets the machine) records the request
 * and longjmps back, as the machine would reset, unless the input makes
 * the firmware fail: then it returns. */
void vm_reboot(struct vm *m, unsigned long type, unsigned long reason)
{
	(void)m;
	fx.reset_type = (long)type;
	fx.reset_reason = (long)reason;
	if (!fw_reset_fails)
		longjmp(stopped, 1);
}

/* ---- Building sbi.c on the host ----------------------------------------------------- */

/*
 * Two things in sbi.c are RISC-V only.  fw.h's calls down to OpenSBI are
 * inline functions around an ecall: this file supplies its own fw.h (its
 * include guard defined, so sbi.c's #include "fw.h" adds nothing) whose
 * fw_base answers from a table (a reboot goes through vm_reboot, stubbed
 * above).  And sbi.c's remote fence.i is
 * an inline `__asm__ volatile("fence.i" ...)`: while sbi.c is compiled the
 * function-like macro below turns `volatile(...)` into `("")`, an empty asm
 * statement.  (A `fence_i()` helper with a UMBRA_HOST_TEST variant in
 * umbra.h, and host declarations in fw.h, would make both unnecessary.)
 */
#define UMBRA_FW_H

static const long fw_ids[3] = { 0x489, 0x7000000000000007, 0x20181004 };

static long fw_base(unsigned long fid)
{
	return fid >= SBI_BASE_GET_MVENDORID && fid <= SBI_BASE_GET_MIMPID ?
	       fw_ids[fid - SBI_BASE_GET_MVENDORID] : 0;
}


/* The firmware under Umbra, as the flags of the input make it (see the
 * top): its extensions, a PMU with FW_NHW hardware counters (counter 1,
 * time, is none, as with OpenSBI), FWFT's values. */
struct sbiret { long error; long value; };
#define FW_NHW 19
static uint8_t fw_flags;
static unsigned fw_err_tick;

static bool fw_probe(unsigned long ext)
{
	return ext == SBI_EXT_SUSP ? (fw_flags & 2) != 0
	     : ext == SBI_EXT_PMU  ? !(fw_flags & 0x40)
	     : ext == SBI_EXT_FWFT;
}

static struct sbiret fw_ecall(unsigned long ext, unsigned long fid, unsigned long a0,
			      unsigned long a1, unsigned long a2, unsigned long a3,
			      unsigned long a4)
{
	(void)a2, (void)a3, (void)a4;
	if (ext == SBI_EXT_FWFT) {
		if (fid != SBI_FWFT_GET)
			return (struct sbiret){ SBI_ERR_DENIED, 0 };
		if (a0 == SBI_FWFT_MISALIGNED_EXC_DELEG)
			return (struct sbiret){ 0, (fw_flags >> 3) & 1 };
		if (a0 == SBI_FWFT_PTE_AD_HW_UPDATING && ((fw_flags >> 4) & 3))
			return (struct sbiret){ 0, ((fw_flags >> 4) & 3) == 2 };
		return (struct sbiret){ SBI_ERR_NOT_SUPPORTED, 0 };
	}
	INVARIANT(ext == SBI_EXT_PMU && fw_probe(SBI_EXT_PMU), "a firmware call to an extension it lacks");
	switch (fid) {
	case SBI_PMU_NUM_COUNTERS:
		return (struct sbiret){ 0, FW_NHW + 16 };
	case SBI_PMU_COUNTER_GET_INFO:
		if (a0 == 1 || a0 >= FW_NHW + 16)
			return (struct sbiret){ SBI_ERR_INVALID_PARAM, 0 };
		return (struct sbiret){ 0, a0 >= FW_NHW ? (long)(SBI_PMU_INFO_FW | (63UL << 12))
							  : (long)((63UL << 12) | (0xc00 + a0)) };
	case SBI_PMU_COUNTER_CONFIG_MATCHING:
	case SBI_PMU_COUNTER_START:
	case SBI_PMU_COUNTER_STOP: {
		uint64_t set = a0 < 64 ? a1 << a0 : 0;
		fx.fw_pmu_calls++;
		if (!a1 || a0 >= 64 || (set >> a0) != a1 || (set & ~((1ull << FW_NHW) - 1)))
			fx.fw_pmu_bad = true;
		fx.fw_pmu_mask |= set;
		/* Some calls fail, as the firmware may answer. */
		long err = ++fw_err_tick % 4 ? 0 : fid == SBI_PMU_COUNTER_CONFIG_MATCHING ?
			   SBI_ERR_NOT_SUPPORTED : fid == SBI_PMU_COUNTER_START ?
			   SBI_ERR_ALREADY_STARTED : SBI_ERR_ALREADY_STOPPED;
		return (struct sbiret){ err, err || !set ? 0 : (long)__builtin_ctzll(set) };
	}
	default:
		fx.fw_pmu_bad = true;	/* nothing else is passed on */
		return (struct sbiret){ SBI_ERR_NOT_SUPPORTED, 0 };
	}
}

/* The shadow backend, as the SBI tells backends apart (its PMU's filter
 * flags, FWFT's A/D updating). */
const struct vcpu_backend vcpu_backend_shadow = { .name = "shadow" };

#define volatile(...) ("")
#include "sbi.c"
#include "sbi_hsm.c"
#include "sbi_pmu.c"
#include "sbi_fwft.c"
#include "sbi_dbtr.c"
#include "sbi_sse.c"
#undef volatile

/* ---- The input ------------------------------------------------------------------- */

/* Fields of the input: fuzz.h's reader (zeros once it runs out). */

/* The extensions a guest might ask for: Umbra's, the legacy ones, some it
 * does not implement (PMU, SUSP, CPPC, NACL, STA, ...), experimental and
 * vendor ranges. */
static const uint64_t eids[] = {
	SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_IPI, SBI_EXT_RFENCE, SBI_EXT_HSM,
	SBI_EXT_SRST, SBI_EXT_DBCN, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x0f,
	SBI_EXT_PMU, SBI_EXT_SUSP, SBI_EXT_CPPC, SBI_EXT_NACL, SBI_EXT_STA, 0x08000000,
	0x09000000, 0x0fffffff, 0x10 | (1ull << 32), SBI_EXT_HSM | (1ull << 63),
	SBI_EXT_PMU, SBI_EXT_PMU, SBI_EXT_FWFT, SBI_EXT_DBTR, SBI_EXT_SSE, SBI_EXT_MPXY,
};

/* The ones Umbra says it implements: what OpenSBI 1.5.1 offers on QEMU
 * virt (BASE 2.0, TIME, IPI, RFENCE, HSM, SRST, PMU, DBCN, SSE, FWFT, DBTR,
 * legacy v0.1), and SUSP where the firmware offers it. */
static bool implemented(uint64_t eid)
{
	return eid <= 8 || eid == SBI_EXT_BASE || eid == SBI_EXT_TIME || eid == SBI_EXT_IPI ||
	       eid == SBI_EXT_RFENCE || eid == SBI_EXT_HSM || eid == SBI_EXT_SRST ||
	       eid == SBI_EXT_DBCN || eid == SBI_EXT_PMU || eid == SBI_EXT_SSE ||
	       eid == SBI_EXT_FWFT || eid == SBI_EXT_DBTR ||
	       (eid == SBI_EXT_SUSP && (fw_flags & 2));
}

static uint64_t pick_eid(struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);

	if (sel < 0xf0)
		return eids[sel % ARRAY_SIZE(eids)];
	return sel < 0xfe ? fuzz_u32(in) : fuzz_u64(in);
}

static uint64_t pick_fid(struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);

	return sel < 0xf0 ? sel % 8 : fuzz_u64(in);
}

static uint64_t pick_arg(struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);

	switch (sel % 8) {
	case 0: return fuzz_u8(in);                          /* small numbers, masks */
	case 1: return RAM_BASE + fuzz_u16(in) % RAM_SIZE;   /* in guest RAM */
	case 2: return RAM_BASE + RAM_SIZE - fuzz_u8(in);    /* at its end */
	case 3: return RAM_BASE - 1 - fuzz_u8(in);           /* just below it */
	case 4: return ~0ull - fuzz_u16(in);                 /* -1 and the top pages */
	case 5: return 1ull << (fuzz_u8(in) % 64);
	case 6: return fuzz_u64(in);
	default: return (uint64_t)fuzz_u16(in) << 12;        /* page addresses, sizes */
	}
}

/* ---- What the specification says ---------------------------------------------------- */

/* The harts a (hart_mask, hart_mask_base) pair names (SBI 2.0, "Hart
 * List Parameter"): base -1 is every hart; else bit i is hart base + i.
 * What is refused is what OpenSBI 1.5.1 refuses natively (a guest must not
 * tell Umbra from it): a base that is no hart, whatever the mask; mask bits
 * for harts beyond the last are ignored. */
enum hart_list { LIST_OK, LIST_BAD };

static CHECKER enum hart_list hart_list(uint64_t mask, uint64_t base, uint64_t *set)
{
	uint64_t all = (1ull << vm.nvcpus) - 1;

	*set = 0;
	if (base == ~0ull) {
		*set = all;
		return LIST_OK;
	}
	if (base >= vm.nvcpus)
		return LIST_BAD;
	for (unsigned i = 0; i < 64; i++)
		if ((mask >> i & 1) && base + i < vm.nvcpus)
			*set |= 1ull << (base + i);
	return LIST_OK;
}

static bool is_error_code(int64_t e)
{
	return e >= SBI_ERR_BAD_RANGE && e <= SBI_SUCCESS;
}

/* One ecall: registers before and after, what came back, what happened. */
struct call {
	uint64_t eid, fid, a[6];
	uint64_t x_before[32], x_after[32];
	enum trap_outcome out;
	bool ended;                  /* vm_exit or a firmware reset */
	struct vcpu *v;
	enum vcpu_state before_state;   /* HSM: the state of the hart in a0, before */
	bool others_stopped;            /* SUSP: all other harts STOPPED, before */
	uint64_t fw_before[SBI_PMU_FW_COUNTERS];   /* the firmware counters' values, before */
	struct sbi_pmu_fw_counter ctr_before[SBI_PMU_FW_COUNTERS];
	uint32_t locked_before;         /* FWFT locks, before */
	uint8_t ram_before[RAM_SIZE];
	const uint8_t *cons_before;
};

#define A0(c) ((int64_t)(c)->x_after[10])
#define A1(c) ((int64_t)(c)->x_after[11])

static CHECKER void expect_nothing_else(const struct call *c)
{
	INVARIANT(!fx.ipi_set && !fx.ipi_clears && !fx.fences && !fx.started && !fx.injected &&
		  !fx.waits && !c->ended && fx.reset_type < 0 && !fx.fence_i_set && !fx.fw_pmu_calls &&
		  (!fx.posted || (c->eid == SBI_EXT_HSM && c->fid == SBI_HSM_HART_START)),
		  "a side effect that call should not have");
}

/* A remote fence of [start, start+size) on 'set': every page on every
 * named hart, or everything (required for 0/0 and size -1). */
static CHECKER void check_fence(const struct call *c, uint64_t set, uint64_t start, uint64_t size)
{
	bool must_all = (start == 0 && size == 0) || size == ~0ull;

	INVARIANT(!(fx.fenced & ~set), "a fence on a hart not named");
	INVARIANT(!fx.fence_asid_wrong, "a fence with the wrong ASID");
	INVARIANT(!fx.timer_calls && !fx.ipi_set && !c->ended, "a fence did something else");
	for (unsigned h = 0; h < vm.nvcpus; h++) {
		if (!(set >> h & 1) || fx.full_fence >> h & 1)
			continue;
		INVARIANT(!must_all, "a full fence asked for, not done");
		if (size == 0)
			continue;       /* an empty range */
		INVARIANT(start + size - 1 >= start, "a wrapping range not fenced whole");
		INVARIANT(((start + size - 1) >> PAGE_SHIFT) - (start >> PAGE_SHIFT) < MAX_FENCES,
			  "a huge range not fenced whole");
		/* Every page the range touches, page-by-page fenced. */
		for (uint64_t p = start & ~(PAGE_SIZE - 1), last = (start + size - 1) & ~(PAGE_SIZE - 1);; p += PAGE_SIZE) {
			bool found = false;

			for (unsigned i = 0; i < fx.npages && !found; i++)
				found = fx.pages[i] == p && fx.page_harts[i] == h;
			INVARIANT(found, "a page of the range not fenced");
			if (p == last)
				break;
		}
	}
}

/* IPI and RFENCE take a hart list in a0 (mask) and a1 (base). */
static CHECKER void check_hart_list_call(const struct call *c, bool fence)
{
	uint64_t set;
	enum hart_list l = hart_list(c->a[0], c->a[1], &set);
	bool known_fid = fence ? c->fid <= SBI_RFENCE_SFENCE_VMA_ASID : c->fid == SBI_IPI_SEND_IPI;

	if (!known_fid) {
		/* Functions 3-6 of RFENCE fence the H extension's translations,
		 * which a guest does not have: NOT_SUPPORTED like unknown ones. */
		INVARIANT(A0(c) == SBI_ERR_NOT_SUPPORTED || (l == LIST_BAD && A0(c) == SBI_ERR_INVALID_PARAM),
			  "unknown IPI/RFENCE function not NOT_SUPPORTED");
		expect_nothing_else(c);
		return;
	}
	if (l == LIST_BAD) {
		INVARIANT(A0(c) == SBI_ERR_INVALID_PARAM, "a hart list naming a missing hart not refused");
		expect_nothing_else(c);
		return;
	}
	INVARIANT(A0(c) == SBI_SUCCESS, "a valid hart list refused");
	if (!fence) {
		INVARIANT(fx.ipi_set == set && !fx.fences, "IPIs not sent to exactly the harts named");
		return;
	}
	INVARIANT(!fx.ipi_set, "a fence sent an IPI");
	if (c->fid == SBI_RFENCE_FENCE_I)
		INVARIANT(!fx.fences && fx.fence_i_set == set, "fence.i not on exactly the harts named");
	else
		check_fence(c, set, c->a[2], c->a[3]);
}

static CHECKER void check_base(const struct call *c)
{
	switch (c->fid) {
	case SBI_BASE_GET_SPEC_VERSION:
		INVARIANT(A0(c) == 0 && A1(c) == (2 << 24), "spec version is not 2.0");
		break;
	case SBI_BASE_GET_IMPL_ID:
	case SBI_BASE_GET_IMPL_VERSION:
		INVARIANT(A0(c) == 0, "impl id/version failed");
		break;
	case SBI_BASE_PROBE_EXT:
		INVARIANT(A0(c) == 0 && (A1(c) != 0) == implemented(c->a[0]),
			  "probe_extension disagrees with the extensions implemented");
		break;
	case SBI_BASE_GET_MVENDORID:
	case SBI_BASE_GET_MARCHID:
	case SBI_BASE_GET_MIMPID:
		INVARIANT(A0(c) == 0 && A1(c) == fw_ids[c->fid - SBI_BASE_GET_MVENDORID],
			  "machine id registers not the firmware's");
		break;
	default:
		INVARIANT(A0(c) == SBI_ERR_NOT_SUPPORTED, "unknown BASE function not NOT_SUPPORTED");
	}
	expect_nothing_else(c);
}

static CHECKER void check_hsm(const struct call *c)
{
	uint64_t hart = c->a[0];
	uint32_t type = (uint32_t)c->a[0];
	static const int64_t status_of[] = {
		[VCPU_STOPPED] = SBI_HSM_STATE_STOPPED, [VCPU_RUNNING] = SBI_HSM_STATE_STARTED,
		[VCPU_SUSPENDED] = SBI_HSM_STATE_SUSPENDED,
		[VCPU_START_PENDING] = SBI_HSM_STATE_START_PENDING,
	};
	bool start_in_ram = c->a[1] >= RAM_BASE && c->a[1] <= RAM_BASE + RAM_SIZE - 2;

	switch (c->fid) {
	case SBI_HSM_HART_START:
		/* (Which of a bad address and a started hart is reported
		 * first, the spec does not say; OpenSBI checks the address.) */
		if (hart >= vm.nvcpus) {
			INVARIANT(A0(c) == SBI_ERR_INVALID_PARAM, "hart_start of a missing hart");
		} else if (!start_in_ram) {
			INVARIANT(A0(c) == SBI_ERR_INVALID_ADDRESS, "hart_start outside guest RAM");
		} else if (c->before_state != VCPU_STOPPED) {
			/* (OpenSBI 1.5.1: only a STARTED hart is "already
			 * available"; a pending or suspended one is a bad request.) */
			INVARIANT(A0(c) == (c->before_state == VCPU_RUNNING ? SBI_ERR_ALREADY_AVAILABLE
									      : SBI_ERR_INVALID_PARAM),
				  "hart_start of a started hart");
		} else {
			INVARIANT(A0(c) == SBI_SUCCESS && vcpus[hart].state == VCPU_START_PENDING &&
				  vcpus[hart].start_pc == c->a[1] && vcpus[hart].start_opaque == c->a[2] &&
				  fx.posted == 1ull << hart, "hart_start of a stopped hart did not start it");
			expect_nothing_else(c);
			return;
		}
		INVARIANT(!fx.posted, "a refused hart_start woke a hart");
		break;
	case SBI_HSM_HART_STOP:
		INVARIANT(c->out == TRAP_STOP, "hart_stop did not stop");
		/* A hart starts again with its SBI state reset. */
		INVARIANT(!c->v->sbi.fwft_locked && !c->v->sbi.sse_unmasked && !c->v->sbi.dbtr_shmem,
			  "a stopped hart keeps FWFT locks, SSE or DBTR state");
		for (unsigned i = 0; i < SBI_PMU_FW_COUNTERS; i++)
			INVARIANT(!c->v->sbi.fw_ctr[i].configured, "a stopped hart keeps its PMU counters");
		return;
	case SBI_HSM_HART_STATUS:
		if (hart >= vm.nvcpus)
			INVARIANT(A0(c) == SBI_ERR_INVALID_PARAM, "hart_get_status of a missing hart");
		else
			INVARIANT(A0(c) == 0 && A1(c) == status_of[vcpus[hart].state], "hart_get_status wrong");
		break;
	case SBI_HSM_HART_SUSPEND:
		if (type != SBI_HSM_SUSPEND_RETENTIVE && type != SBI_HSM_SUSPEND_NON_RETENTIVE) {
			/* 0x00000001-0x0fffffff and 0x80000001-0x8fffffff are
			 * reserved; the rest is platform-specific, which this
			 * platform does not implement. */
			bool reserved = !(type & 0x70000000);

			INVARIANT(A0(c) == SBI_ERR_INVALID_PARAM || (!reserved && A0(c) == SBI_ERR_NOT_SUPPORTED),
				  "hart_suspend of a reserved or unimplemented type");
			INVARIANT(!fx.waits, "suspended for a type refused");
			break;
		}
		/* resume_addr must be guest RAM (in its last 3 bytes, whether
		 * an instruction must fit is the implementation's call). */
		if (type == SBI_HSM_SUSPEND_NON_RETENTIVE) {
			uint64_t a = c->a[1];
			bool outside = a < RAM_BASE || a >= RAM_BASE + RAM_SIZE;
			bool edge = !outside && a > RAM_BASE + RAM_SIZE - 4;

			if (outside || (edge && A0(c) == SBI_ERR_INVALID_ADDRESS)) {
				INVARIANT(c->out == TRAP_NEXT && A0(c) == SBI_ERR_INVALID_ADDRESS && !fx.waits,
					  "non-retentive suspend resuming outside guest RAM");
				break;
			}
		}
		INVARIANT(fx.waits == 1 && fx.wait_state_ok, "suspend did not wait once, SUSPENDED");
		INVARIANT(c->v->state == VCPU_RUNNING, "not RUNNING after the suspend");
		if (type == SBI_HSM_SUSPEND_RETENTIVE)
			INVARIANT(c->out == TRAP_NEXT && A0(c) == 0 && !fx.started, "retentive suspend did not return 0");
		else
			INVARIANT(c->out == TRAP_RESUME && fx.started && fx.start_pc == c->a[1] &&
				  fx.start_opaque == c->a[2], "non-retentive suspend did not resume at resume_addr");
		return;
	default:
		INVARIANT(A0(c) == SBI_ERR_NOT_SUPPORTED, "unknown HSM function not NOT_SUPPORTED");
	}
	INVARIANT(c->out == TRAP_NEXT && !fx.waits && !fx.started, "an HSM call that should just return");
}

/* SRST: reset_type and reset_reason are 32-bit parameters. */
static CHECKER void check_srst(const struct call *c)
{
	uint32_t type = (uint32_t)c->a[0], reason = (uint32_t)c->a[1];
	bool valid = type <= SBI_SRST_TYPE_WARM_REBOOT && reason <= SBI_SRST_REASON_SYSFAIL;
	/* A caller with junk in the upper halves breaks the calling convention:
	 * INVALID_PARAM, or acting on the low halves, are both fine. */
	bool upper = (c->a[0] >> 32) || (c->a[1] >> 32);

	if (c->fid != SBI_SRST_RESET) {
		INVARIANT(A0(c) == SBI_ERR_NOT_SUPPORTED && !c->ended, "unknown SRST function");
		return;
	}
	if (!valid || (upper && !c->ended && A0(c) == SBI_ERR_INVALID_PARAM && fx.reset_type < 0)) {
		INVARIANT(!c->ended && A0(c) == SBI_ERR_INVALID_PARAM && fx.reset_type < 0,
			  "a reserved reset type or reason accepted");
		return;
	}
	if (type == SBI_SRST_TYPE_SHUTDOWN) {
		INVARIANT(c->ended && fx.exit_reason == (int)reason && fx.reset_type < 0,
			  "shutdown did not end the VM with its reason");
		return;
	}
	INVARIANT((uint32_t)fx.reset_type == type && (uint32_t)fx.reset_reason == reason &&
		  fx.exit_reason < 0, "reboot did not ask the firmware for that reset");
	INVARIANT(c->ended || A0(c) == SBI_ERR_FAILED, "a reset that returned did not fail");
}

/* DBCN: the buffer is num_bytes at base_addr_lo + 2^64 * base_addr_hi. */
static CHECKER void check_dbcn(const struct call *c)
{
	uint64_t n = c->a[0], lo = c->a[1], hi = c->a[2];
	bool in_ram = !hi && lo >= RAM_BASE && lo - RAM_BASE <= RAM_SIZE && n <= RAM_SIZE - (lo - RAM_BASE);

	switch (c->fid) {
	case SBI_DBCN_WRITE:
	case SBI_DBCN_READ:
		if (!in_ram) {
			INVARIANT(A0(c) == SBI_ERR_INVALID_PARAM && !fx.nout && c->cons_before == cons_in,
				  "a console buffer outside guest RAM not refused");
			INVARIANT(!memcmp(c->ram_before, ram, RAM_SIZE), "a refused console read changed RAM");
			break;
		}
		if (n == 0 && A0(c) == SBI_ERR_INVALID_PARAM)
			break;
		INVARIANT(A0(c) == 0 && (uint64_t)A1(c) <= n, "console transfer result");
		if (c->fid == SBI_DBCN_WRITE) {
			INVARIANT((uint64_t)fx.nout == (uint64_t)A1(c) &&
				  !memcmp(fx.out, ram + (lo - RAM_BASE), MIN(fx.nout, sizeof(fx.out))),
				  "console output is not the buffer's bytes");
			INVARIANT(!memcmp(c->ram_before, ram, RAM_SIZE), "console write changed RAM");
		} else {
			size_t off = lo - RAM_BASE, got = (size_t)A1(c);

			INVARIANT(cons_in == c->cons_before + got, "console read result is not the bytes taken");
			INVARIANT(!memcmp(ram + off, c->cons_before, got) && !memcmp(c->ram_before, ram, off) &&
				  !memcmp(c->ram_before + off + got, ram + off + got, RAM_SIZE - off - got),
				  "console read wrote outside the bytes read");
		}
		break;
	case SBI_DBCN_WRITE_BYTE:
		INVARIANT(A0(c) == 0 && fx.nout == 1 && fx.out[0] == (uint8_t)c->a[0], "write_byte");
		break;
	default:
		INVARIANT(A0(c) == SBI_ERR_NOT_SUPPORTED, "unknown DBCN function not NOT_SUPPORTED");
	}
	expect_nothing_else(c);
}

/* The legacy v0.1 calls: a0 only; IPI and fences take a pointer to a hart
 * mask (NULL: all harts) read as the guest's S-mode would. */
static CHECKER void check_legacy(const struct call *c)
{
	uint64_t mask, set, all = (1ull << vm.nvcpus) - 1;
	enum hart_list l;

	INVARIANT(c->x_after[11] == c->x_before[11], "a legacy call changed a1");
	switch (c->eid) {
	case SBI_EXT_LEGACY_SET_TIMER:
		INVARIANT(fx.timer_calls == 1 && fx.timer == c->a[0] && A0(c) == 0, "legacy set_timer");
		return;
	case SBI_EXT_LEGACY_CONSOLE_PUTCHAR:
		INVARIANT(fx.nout == 1 && fx.out[0] == (uint8_t)c->a[0] && A0(c) == 0, "legacy putchar");
		return;
	case SBI_EXT_LEGACY_CONSOLE_GETCHAR:
		INVARIANT(c->cons_before == cons_in ? A0(c) == -1 : A0(c) == *c->cons_before,
			  "legacy getchar is not the next byte or -1");
		return;
	case SBI_EXT_LEGACY_CLEAR_IPI:
		INVARIANT(fx.ipi_clears == 1 && !fx.ipi_set && A0(c) == 0, "legacy clear_ipi");
		return;
	case SBI_EXT_LEGACY_SHUTDOWN:
		INVARIANT(c->ended && fx.exit_reason == SBI_SRST_REASON_NONE, "legacy shutdown");
		return;
	}
	/* SEND_IPI, REMOTE_FENCE_I, REMOTE_SFENCE_VMA(_ASID). */
	if (c->a[0] && (c->a[0] < RAM_BASE || c->a[0] > RAM_BASE + RAM_SIZE - 8)) {
		INVARIANT(c->out == TRAP_RESUME && fx.injected && fx.inj_cause == CAUSE_LOAD_PAGE_FAULT &&
			  fx.inj_tval == c->a[0] && c->x_after[10] == c->x_before[10],
			  "an unreadable hart mask pointer did not give the guest its fault");
		INVARIANT(!fx.ipi_set && !fx.fences, "IPI or fence with an unreadable hart mask");
		return;
	}
	INVARIANT(!fx.injected && c->out == TRAP_NEXT, "a readable hart mask faulted");
	if (c->a[0])
		memcpy(&mask, c->ram_before + (c->a[0] - RAM_BASE), 8);
	else
		mask = all;
	l = hart_list(mask, 0, &set);
	if (l != LIST_OK) {
		/* v0.1: "0 on success or an implementation specific negative
		 * error code"; if it goes ahead, only with harts that exist. */
		INVARIANT(A0(c) < 0 ? !fx.ipi_set && !fx.fences : !(fx.ipi_set & ~all) && !(fx.fenced & ~all),
			  "legacy hart mask naming missing harts");
		return;
	}
	INVARIANT(A0(c) == 0, "legacy IPI/fence with a valid mask failed");
	if (c->eid == SBI_EXT_LEGACY_SEND_IPI)
		INVARIANT(fx.ipi_set == set && !fx.fences, "legacy IPI not to exactly the harts in the mask");
	else if (c->eid == SBI_EXT_LEGACY_REMOTE_FENCE_I)
		INVARIANT(!fx.fences && !fx.ipi_set, "legacy fence.i did something else");
	else
		check_fence(c, set, c->a[1], c->a[2]);
}

/* ---- PMU, FWFT, DBTR, SSE, SUSP -------------------------------------------------------- */

#define NHW (fw_probe(SBI_EXT_PMU) ? FW_NHW : 0)
#define NCTR (NHW + SBI_PMU_FW_COUNTERS)

/* The counters (base, mask) names, or false if one does not exist. */
static CHECKER bool ctr_set(uint64_t base, uint64_t mask, uint64_t *set)
{
	*set = 0;
	for (unsigned i = 0; i < 64; i++) {
		if (!(mask >> i & 1))
			continue;
		if (base + i < base || base + i >= NCTR)
			return false;
		*set |= 1ull << (base + i);
	}
	return true;
}

static CHECKER bool fw_event_ok(uint64_t ev)
{
	return !(ev >> 20) && SBI_PMU_EVENT_TYPE(ev) == SBI_PMU_TYPE_FW &&
	       SBI_PMU_EVENT_CODE(ev) >= SBI_PMU_FW_SET_TIMER &&
	       SBI_PMU_EVENT_CODE(ev) < SBI_PMU_FW_EVENTS;
}

/* Is this call a set_timer (which a SET_TIMER counter counts)? */
static CHECKER bool is_set_timer(const struct call *c)
{
	return (c->eid == SBI_EXT_TIME && c->fid == SBI_TIME_SET_TIMER) ||
	       c->eid == SBI_EXT_LEGACY_SET_TIMER;
}

/* Firmware counters of the caller: configured and started ones count
 * their events only.  (IPI and fence events depend on the other harts:
 * those counters are only checked not to go backwards.) */
static CHECKER void check_fw_counters(const struct call *c)
{
	struct vcpu *v = c->v;

	if (c->eid == SBI_EXT_PMU || c->ended || c->out == TRAP_STOP)
		return;
	for (unsigned i = 0; i < SBI_PMU_FW_COUNTERS; i++) {
		struct sbi_pmu_fw_counter *k = &v->sbi.fw_ctr[i];
		const struct sbi_pmu_fw_counter *b = &c->ctr_before[i];
		uint64_t now = fw_ctr_read(v, k), before = c->fw_before[i];

		INVARIANT(k->configured == b->configured && k->started == b->started &&
			  k->event == b->event, "a firmware counter changed by a call not to the PMU");
		if (!k->configured)
			continue;
		if (!k->started || (k->event != SBI_PMU_FW_SET_TIMER && k->event < SBI_PMU_FW_IPI_SENT) ||
		    k->event > SBI_PMU_FW_SFENCE_VMA_ASID_RECEIVED)
			INVARIANT(now == before, "a firmware counter moved without its event");
		else if (k->event == SBI_PMU_FW_SET_TIMER)
			INVARIANT(now == before + (is_set_timer(c) && (c->eid <= 8 || A0(c) == 0)),
				  "a SET_TIMER counter did not count each set_timer once");
		else
			INVARIANT(now >= before, "a firmware counter went backwards");
	}
}

static CHECKER void check_pmu(const struct call *c)
{
	uint64_t set, base = c->a[0], flags = c->a[2];
	bool set_ok = ctr_set(base, c->a[1], &set);
	uint64_t hw = (1ull << NHW) - 1;
	int64_t e = A0(c);

	INVARIANT(c->out == TRAP_NEXT, "a PMU call did not return");
	INVARIANT(!fx.fw_pmu_bad, "the firmware was asked about a counter that is not its hardware one");
	switch (c->fid) {
	case SBI_PMU_NUM_COUNTERS:
		INVARIANT(e == 0 && A1(c) == NCTR, "num_counters");
		break;
	case SBI_PMU_COUNTER_GET_INFO:
		if (c->a[0] >= NCTR)
			INVARIANT(e == SBI_ERR_INVALID_PARAM, "get_info of a missing counter");
		else if (c->a[0] >= NHW)
			INVARIANT(e == 0 && ((uint64_t)A1(c) >> 63), "a firmware counter's info");
		else
			INVARIANT(e == (c->a[0] == 1 ? SBI_ERR_INVALID_PARAM : 0),
				  "a hardware counter's info is not the firmware's");
		break;
	case SBI_PMU_COUNTER_CONFIG_MATCHING:
	case SBI_PMU_COUNTER_START:
	case SBI_PMU_COUNTER_STOP:
		if (!set_ok) {
			INVARIANT(e == SBI_ERR_INVALID_PARAM && !fx.fw_pmu_calls,
				  "a set naming a missing counter not refused, or passed on");
			INVARIANT(!memcmp(c->ctr_before, c->v->sbi.fw_ctr, sizeof(c->ctr_before)),
				  "a refused PMU call changed a counter");
			break;
		}
		INVARIANT(!(fx.fw_pmu_mask & ~(set & hw)), "a counter outside the set passed on");
		if (c->fid == SBI_PMU_COUNTER_CONFIG_MATCHING) {
			uint64_t ev = c->a[3];
			INVARIANT(e == 0 || e == SBI_ERR_NOT_SUPPORTED, "config_matching's error");
			if (SBI_PMU_EVENT_TYPE(ev) > SBI_PMU_TYPE_HW_RAW_V2 || (ev >> 20))
				INVARIANT(!fx.fw_pmu_calls, "a firmware event passed on");
			if (!fw_event_ok(ev)) {
				INVARIANT(e || SBI_PMU_EVENT_TYPE(ev) <= SBI_PMU_TYPE_HW_RAW_V2,
					  "an event no counter can count configured");
				break;
			}
			if (e)
				break;
			uint64_t idx = (uint64_t)A1(c);
			INVARIANT(idx >= NHW && idx < NCTR && (set >> idx & 1),
				  "a firmware event not on a firmware counter of the set");
			struct sbi_pmu_fw_counter *k = &c->v->sbi.fw_ctr[idx - NHW];
			INVARIANT(k->configured && k->event == SBI_PMU_EVENT_CODE(ev),
				  "the counter is not configured for the event");
			if (flags & SBI_PMU_CFG_FLAG_CLEAR_VALUE)
				INVARIANT(fw_ctr_read(c->v, k) == 0, "CLEAR_VALUE did not clear");
			if (flags & SBI_PMU_CFG_FLAG_AUTO_START)
				INVARIANT(k->started, "AUTO_START did not start");
			if (!(flags & SBI_PMU_CFG_FLAG_SKIP_MATCH))
				INVARIANT(!c->ctr_before[idx - NHW].configured, "a counter in use taken");
			break;
		}
		{
			bool start = c->fid == SBI_PMU_COUNTER_START;
			uint64_t snap = start ? SBI_PMU_START_INIT_SNAPSHOT : SBI_PMU_STOP_TAKE_SNAPSHOT;
			if (flags & snap) {
				INVARIANT(e == SBI_ERR_NO_SHMEM && !fx.fw_pmu_calls, "snapshot without shmem");
				break;
			}
			INVARIANT(e == 0 || e == SBI_ERR_INVALID_PARAM ||
				  e == (start ? SBI_ERR_ALREADY_STARTED : SBI_ERR_ALREADY_STOPPED),
				  "start/stop's error");
			for (unsigned i = 0; i < SBI_PMU_FW_COUNTERS; i++) {
				const struct sbi_pmu_fw_counter *b = &c->ctr_before[i];
				struct sbi_pmu_fw_counter *k = &c->v->sbi.fw_ctr[i];
				if (!(set >> (NHW + i) & 1))
					continue;
				if (!b->configured)
					INVARIANT(e == SBI_ERR_INVALID_PARAM && !k->configured,
						  "start/stop of an unconfigured counter");
				else if (b->started == start)
					INVARIANT(e != 0, "start/stop of a started/stopped counter succeeded");
				else
					INVARIANT(k->started == start, "a counter not started/stopped");
				if (start && b->configured && !b->started &&
				    (flags & SBI_PMU_START_SET_INIT_VALUE))
					INVARIANT(fw_ctr_read(c->v, k) == c->a[3], "the initial value not set");
				if (!start && b->configured && !b->started)
					INVARIANT(fw_ctr_read(c->v, k) == c->fw_before[i] ||
						  (flags & SBI_PMU_STOP_FLAG_RESET), "a stop moved a counter");
			}
		}
		break;
	case SBI_PMU_COUNTER_FW_READ:
	case SBI_PMU_COUNTER_FW_READ_HI: {
		uint64_t idx = c->a[0];
		bool ok = idx >= NHW && idx < NCTR && c->ctr_before[idx - NHW].configured;
		INVARIANT(ok ? e == 0 : e == SBI_ERR_INVALID_PARAM, "fw_read of a counter it cannot read");
		if (ok && c->fid == SBI_PMU_COUNTER_FW_READ)
			INVARIANT((uint64_t)A1(c) == c->fw_before[idx - NHW], "fw_read is not the counter");
		if (c->fid == SBI_PMU_COUNTER_FW_READ_HI)
			INVARIANT(A1(c) == 0, "fw_read_hi is not 0 on RV64");
		break;
	}
	default:
		INVARIANT(e == SBI_ERR_NOT_SUPPORTED, "an unknown PMU function");
	}
	if (c->fid != SBI_PMU_COUNTER_CONFIG_MATCHING && c->fid != SBI_PMU_COUNTER_START &&
	    c->fid != SBI_PMU_COUNTER_STOP)
		INVARIANT(!memcmp(c->ctr_before, c->v->sbi.fw_ctr, sizeof(c->ctr_before)),
			  "a PMU call that only reads changed a counter");
	INVARIANT(!fx.timer_calls && !fx.ipi_set && !fx.fences && !fx.waits && !c->ended,
		  "a PMU call did something else");
}

/* FWFT: feature is the low 32 bits of a0. */
static CHECKER void check_fwft(const struct call *c)
{
	uint32_t f = (uint32_t)c->a[0];
	int64_t e = A0(c);

	if (c->fid > SBI_FWFT_GET) {
		INVARIANT(e == SBI_ERR_NOT_SUPPORTED, "an unknown FWFT function");
	} else if (f > SBI_FWFT_PTE_AD_HW_UPDATING) {
		INVARIANT(e == SBI_ERR_DENIED && A1(c) == 0, "a reserved feature not DENIED");
	} else if (c->fid == SBI_FWFT_GET) {
		INVARIANT(e == 0 ? A1(c) == 0 || A1(c) == 1 : (e == SBI_ERR_NOT_SUPPORTED && A1(c) == 0),
			  "FWFT get: 0/1 or NOT_SUPPORTED with value 0");
		if (f >= SBI_FWFT_LANDING_PAD && f <= SBI_FWFT_DOUBLE_TRAP)
			INVARIANT(e == SBI_ERR_NOT_SUPPORTED, "Umbra has no landing pads, shadow stacks, double trap");
	} else {
		INVARIANT(e == 0 || e == SBI_ERR_NOT_SUPPORTED || e == SBI_ERR_INVALID_PARAM ||
			  e == SBI_ERR_DENIED, "FWFT set's error");
		if (e == 0) {
			unsigned long now;
			INVARIANT(!(c->locked_before >> f & 1), "a locked feature set");
			INVARIANT(c->a[2] <= SBI_FWFT_SET_FLAG_LOCK, "a reserved flag accepted");
			INVARIANT(!fwft_value(c->v, f, &now) && now == c->a[1], "a set did not take");
			if (c->a[2] & SBI_FWFT_SET_FLAG_LOCK)
				INVARIANT(c->v->sbi.fwft_locked >> f & 1, "LOCK did not lock");
		}
		if (c->a[1] > 1 && e != SBI_ERR_NOT_SUPPORTED && e != SBI_ERR_DENIED)
			INVARIANT(e == SBI_ERR_INVALID_PARAM, "an invalid value accepted");
	}
	expect_nothing_else(c);
}

/* DBTR with no triggers (trig_max = 0). */
static CHECKER void check_dbtr(const struct call *c)
{
	int64_t e = A0(c);

	switch (c->fid) {
	case SBI_DBTR_NUM_TRIGGERS:
		INVARIANT(e == 0 && A1(c) == 0, "num_triggers");
		break;
	case SBI_DBTR_SET_SHMEM:
		INVARIANT(e == 0 || e == SBI_ERR_INVALID_PARAM || e == SBI_ERR_INVALID_ADDRESS,
			  "set_shmem's error");
		if (c->a[2])
			INVARIANT(e == SBI_ERR_INVALID_PARAM, "set_shmem with flags");
		if (e == 0 && c->a[0] != ~0ull)
			INVARIANT(c->a[1] == 0 && c->a[0] >= RAM_BASE && c->a[0] < RAM_BASE + RAM_SIZE,
				  "DBTR shared memory outside guest RAM");
		break;
	case SBI_DBTR_READ_TRIGGERS:
	case SBI_DBTR_INSTALL_TRIGGERS:
	case SBI_DBTR_UPDATE_TRIGGERS:
		INVARIANT(e == SBI_ERR_NO_SHMEM || e == SBI_ERR_BAD_RANGE, "no trigger to read or install");
		break;
	case SBI_DBTR_UNINSTALL_TRIGGERS:
	case SBI_DBTR_ENABLE_TRIGGERS:
	case SBI_DBTR_DISABLE_TRIGGERS:
		INVARIANT(e == (c->a[1] ? SBI_ERR_INVALID_PARAM : 0), "triggers named that do not exist");
		break;
	default:
		INVARIANT(e == SBI_ERR_NOT_SUPPORTED, "an unknown DBTR function");
	}
	expect_nothing_else(c);
}

/* SSE with no events. */
static CHECKER void check_sse(const struct call *c)
{
	int64_t e = A0(c);

	if (c->fid <= SBI_SSE_INJECT && c->fid != SBI_SSE_COMPLETE)
		INVARIANT(e == SBI_ERR_INVALID_PARAM, "an SSE event that does not exist");
	else if (c->fid == SBI_SSE_COMPLETE)
		INVARIANT(e == 0, "complete with no event running");
	else if (c->fid == SBI_SSE_HART_UNMASK || c->fid == SBI_SSE_HART_MASK)
		INVARIANT(e == 0 || e == (c->fid == SBI_SSE_HART_UNMASK ? SBI_ERR_ALREADY_STARTED
									: SBI_ERR_ALREADY_STOPPED),
			  "hart_(un)mask's error");
	else
		INVARIANT(e == SBI_ERR_NOT_SUPPORTED, "an unknown SSE function");
	expect_nothing_else(c);
}

/* SUSP (offered: the firmware offers it). */
static CHECKER void check_susp(const struct call *c)
{
	uint32_t type = (uint32_t)c->a[0];
	uint64_t a = c->a[1];

	if (c->fid != SBI_SUSP_SYSTEM_SUSPEND) {
		INVARIANT(A0(c) == SBI_ERR_NOT_SUPPORTED, "an unknown SUSP function");
	} else if (type != SBI_SUSP_TO_RAM) {
		INVARIANT(A0(c) == SBI_ERR_INVALID_PARAM, "a reserved or platform sleep type");
	} else if (a < RAM_BASE || a >= RAM_BASE + RAM_SIZE ||
		   (a > RAM_BASE + RAM_SIZE - 4 && A0(c) == SBI_ERR_INVALID_ADDRESS)) {
		INVARIANT(A0(c) == SBI_ERR_INVALID_ADDRESS, "resuming outside guest RAM");
	} else if (!c->others_stopped) {
		INVARIANT(A0(c) == SBI_ERR_DENIED, "system suspend with other harts not STOPPED");
	} else {
		INVARIANT(fx.waits == 1 && fx.wait_state_ok && c->v->state == VCPU_RUNNING,
			  "system suspend did not sleep once");
		INVARIANT(c->out == TRAP_RESUME && fx.started && fx.start_pc == a &&
			  fx.start_opaque == c->a[2], "system suspend did not resume at resume_addr");
		return;
	}
	INVARIANT(c->out == TRAP_NEXT && !fx.waits && !fx.started, "a refused suspend");
	expect_nothing_else(c);
}

static CHECKER void check_call(const struct call *c)
{
	/* Nothing but a0 and a1 changes (a resumed guest: nothing at all). */
	for (unsigned r = 0; r < 32; r++)
		if (r != 10 && r != 11)
			INVARIANT(c->x_after[r] == c->x_before[r], "the SBI changed a register other than a0/a1");
	if (c->ended)
		;
	else if (c->out != TRAP_NEXT)
		INVARIANT(c->x_after[10] == c->x_before[10] && c->x_after[11] == c->x_before[11],
			  "a0/a1 changed by a call that did not return to the next instruction");
	else if (c->eid > 8)
		INVARIANT(is_error_code(A0(c)), "a0 is not an SBI error code");

	if (!implemented(c->eid)) {
		INVARIANT(c->out == TRAP_NEXT && A0(c) == SBI_ERR_NOT_SUPPORTED,
			  "an unknown extension not NOT_SUPPORTED");
		expect_nothing_else(c);
		return;
	}
	switch (c->eid) {
	case SBI_EXT_BASE:   check_base(c); break;
	case SBI_EXT_TIME:
		if (c->fid == SBI_TIME_SET_TIMER)
			INVARIANT(A0(c) == 0 && fx.timer_calls == 1 && fx.timer == c->a[0], "set_timer");
		else
			INVARIANT(A0(c) == SBI_ERR_NOT_SUPPORTED && !fx.timer_calls, "unknown TIME function");
		expect_nothing_else(c);
		break;
	case SBI_EXT_IPI:    check_hart_list_call(c, false); break;
	case SBI_EXT_RFENCE: check_hart_list_call(c, true); break;
	case SBI_EXT_HSM:    check_hsm(c); break;
	case SBI_EXT_SRST:   check_srst(c); break;
	case SBI_EXT_DBCN:   check_dbcn(c); break;
	case SBI_EXT_PMU:    check_pmu(c); break;
	case SBI_EXT_FWFT:   check_fwft(c); break;
	case SBI_EXT_DBTR:   check_dbtr(c); break;
	case SBI_EXT_SSE:    check_sse(c); break;
	case SBI_EXT_SUSP:   check_susp(c); break;
	default:             check_legacy(c); break;
	}
	check_fw_counters(c);
}


/* ---- Running a call ------------------------------------------------------------------ */

static struct call call;

/* On a failure: the call that failed, as a guest would have made it. */
static void show_call(void)
{
	fprintf(stderr, "fuzz_sbi: harts %u, caller %u: a7=%#llx a6=%#llx", vm.nvcpus,
		call.v ? call.v->id : 0, (unsigned long long)call.eid, (unsigned long long)call.fid);
	for (unsigned i = 0; i < 6; i++)
		fprintf(stderr, " a%u=%#llx", i, (unsigned long long)call.a[i]);
	fprintf(stderr, "\n");
}

static void ecall(struct fuzz_in *in, struct vcpu *v)
{
	struct call *c = &call;

	c->eid = pick_eid(in);
	c->fid = pick_fid(in);
	for (unsigned i = 0; i < 6; i++)
		c->a[i] = pick_arg(in);
	for (unsigned r = 0; r < 32; r++)
		v->tf.x[r] = 0x1111111111111111ull * (r % 16);
	v->tf.x[17] = c->eid;
	v->tf.x[16] = c->fid;
	memcpy(&v->tf.x[10], c->a, sizeof(c->a));
	memcpy(c->x_before, v->tf.x, sizeof(c->x_before));
	memcpy(c->ram_before, ram, RAM_SIZE);
	c->cons_before = cons_in;
	c->v = v;
	c->before_state = c->a[0] < vm.nvcpus ? vcpus[c->a[0]].state : VCPU_STOPPED;
	c->others_stopped = true;
	for (unsigned i = 0; i < vm.nvcpus; i++)
		if (&vcpus[i] != v && vcpus[i].state != VCPU_STOPPED)
			c->others_stopped = false;
	memcpy(c->ctr_before, v->sbi.fw_ctr, sizeof(c->ctr_before));
	for (unsigned i = 0; i < SBI_PMU_FW_COUNTERS; i++)
		c->fw_before[i] = fw_ctr_read(v, &v->sbi.fw_ctr[i]);
	c->locked_before = v->sbi.fwft_locked;
	memset(&fx, 0, sizeof(fx));
	fx.exit_reason = -1;
	fx.reset_type = fx.reset_reason = -1;
	fx.by_asid = c->eid == SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID ||
		     (c->eid == SBI_EXT_RFENCE && c->fid == SBI_RFENCE_SFENCE_VMA_ASID);
	fx.want_asid = c->eid == SBI_EXT_RFENCE ? c->a[4] : c->a[3];

	c->ended = setjmp(stopped) != 0;
	if (!c->ended)
		c->out = sbi_handle(v);
	memcpy(c->x_after, v->tf.x, sizeof(c->x_after));
	check_call(c);
	/* A stopped hart is started again, so the script can go on. */
	v->state = VCPU_RUNNING;
}

#define MAX_OPS 64

static void op_ram(struct fuzz_in *in)
{
	uint64_t off = fuzz_u16(in) % RAM_SIZE;
	unsigned len = fuzz_u8(in) % 17;

	for (unsigned i = 0; i < len && off + i < RAM_SIZE; i++)
		ram[off + i] = fuzz_u8(in);
}

static const enum vcpu_state any_state[4] = {
	VCPU_RUNNING, VCPU_STOPPED, VCPU_START_PENDING, VCPU_SUSPENDED,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned n = 1 + fuzz_u8(&in) % VM_MAX_VCPUS, me = fuzz_u8(&in) % n;
	uint8_t states = fuzz_u8(&in), flags = fuzz_u8(&in);
	size_t ncons = fuzz_u8(&in) % 32;

	memset(&vm, 0, sizeof(vm));
	memset(ram, 0, sizeof(ram));
	vm.ram = ram;
	vm.ram_gpa = RAM_BASE;
	vm.ram_size = RAM_SIZE;
	vm.nvcpus = n;
	vm.exit_reason = -1;
	for (unsigned i = 0; i < n; i++) {
		memset(&vcpus[i], 0, sizeof(vcpus[i]));
		vcpus[i].vm = &vm;
		vcpus[i].id = i;
		vcpus[i].mode = PRV_S;
		vcpus[i].state = any_state[(states >> (2 * (i % 4))) % 4];
		vm.vcpus[i] = &vcpus[i];
	}
	vcpus[me].state = VCPU_RUNNING;
	fw_reset_fails = flags & 1;
	fw_flags = flags;
	fw_err_tick = 0;
	vm.backend = flags & 4 ? &vcpu_backend_shadow : NULL;
	/* What the SBI asked the firmware once, it asks again for this machine. */
	pmu_hw.ready = false;
	susp_offered = -1;
	ncons = MIN(ncons, in.n);
	cons_in = in.p;
	cons_in_n = ncons;
	in.p += ncons;
	in.n -= ncons;

	/* Every call copies guest RAM to compare it afterwards: long scripts
	 * would be slow, and add nothing a fresh short one does not. */
	for (unsigned ops = 0; in.n && ops < MAX_OPS; ops++) {
		uint8_t op = fuzz_u8(&in);

		if (op % 8 == 6) {
			op_ram(&in);
		} else if (op % 8 == 7) {
			unsigned h = fuzz_u8(&in) % n;

			if (h != me)
				vcpus[h].state = any_state[fuzz_u8(&in) % 4];
		} else {
			ecall(&in, &vcpus[me]);
		}
	}
	return 0;
}
