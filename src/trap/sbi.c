/*
 * sbi.c - the Supervisor Binary Interface as the guest sees it.
 *
 * A guest kernel calls its firmware with ecall: a7 = extension id, a6 =
 * function id, a0..a5 = arguments; the answer is a0 = error, a1 = value.
 * Natively OpenSBI would answer; under Umbra the ecall traps to Umbra
 * (the guest runs in U-mode) and Umbra is the guest's SBI implementation.
 * The legacy v0.1 extensions (ids 0x00-0x08) return only a0.
 *
 * Umbra offers the extensions the firmware under it offers (OpenSBI 1.5.1
 * on QEMU virt: BASE, TIME, IPI, RFENCE, HSM, SRST, PMU, DBCN, SSE, FWFT,
 * DBTR and the legacy calls, with or without the H extension), each
 * answering as the SBI spec says.  This file dispatches a call through the
 * table at its end and implements the small extensions; the larger ones
 * have files of their own (see sbi_internal.h).
 */
#include <string.h>
#include "sbi_internal.h"
#include "platform.h"
#include "vm.h"
#include "fw.h"

#define SBI_SPEC_VERSION   ((2UL << 24) | 0)   /* 2.0: major in bits 30:24 */
#define SBI_IMPL_ID_UMBRA  0x554d4252UL        /* "UMBR" */
#define SBI_IMPL_VERSION   1

struct sbi_ext {
	unsigned long id;
	const char *name;
	bool legacy;
	sbi_handler handler;
	bool (*offered)(void);   /* NULL: always; else probe_extension asks this */
};

static const struct sbi_ext *sbi_find(unsigned long id);

/* legacy_hart_set(): reading the hart mask faulted (v->mem_fault says how). */
#define LEGACY_FAULTED (-2L)

/* ---- Hart masks ---------------------------------------------------------- */

/*
 * The harts an IPI or remote fence is for (SBI 2.0, "Hart List Parameter"):
 * bit i of 'mask' names hart base + i, and base = -1 names every hart.
 * Returns the set as a bit mask of vCPU ids, or -1 for INVALID_PARAM.
 * What is invalid is what OpenSBI 1.5.1 refuses on the real machine, so
 * that a guest cannot tell the two apart: a base that is no hart, even
 * with an empty mask.  Mask bits for harts beyond the last are ignored
 * (the spec's wording would refuse them; the firmware does not).
 */
static long sbi_hart_set(struct vm *vm, unsigned long mask, unsigned long base)
{
	unsigned long all = (1UL << vm->nvcpus) - 1;
	if (base == ~0UL)
		return (long)all;
	if (base >= vm->nvcpus)
		return -1;
	return (long)((mask << base) & all);
}

/*
 * An IPI is the target's sip.SSIP, set from any hart (vcpu_set_irq kicks
 * the target's hart if it is another).  The PMU's firmware events count
 * IPIs "sent to other hart" and "received from other hart" (SBI PMU,
 * table "PMU Firmware Events"): an IPI to itself is neither.
 */
static void sbi_send_ipis(struct vcpu *v, unsigned long set)
{
	struct vm *vm = v->vm;

	for (unsigned i = 0; i < vm->nvcpus; i++) {
		if (!(set & (1UL << i)))
			continue;
		if (vm->vcpus[i] != v) {
			sbi_pmu_fw_event(v, SBI_PMU_FW_IPI_SENT);
			sbi_pmu_fw_event(vm->vcpus[i], SBI_PMU_FW_IPI_RECEIVED);
		}
		vcpu_set_irq(vm->vcpus[i], SIP_SSIP, true);
	}
}

/*
 * A remote fence.i or sfence.vma(_asid) for the vCPUs in 'set', counted as
 * the PMU's firmware events: sent by this vCPU, received by each other one
 * it reaches (a stopped vCPU has nothing to fence, request.c skips it).
 */
static void sbi_fence(struct vcpu *v, unsigned long set, bool fence_i, uint64_t start,
		      uint64_t size, bool by_asid, uint64_t asid)
{
	struct vm *vm = v->vm;
	unsigned sent = fence_i ? SBI_PMU_FW_FENCE_I_SENT
		      : by_asid ? SBI_PMU_FW_SFENCE_VMA_ASID_SENT : SBI_PMU_FW_SFENCE_VMA_SENT;

	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vcpu *t = vm->vcpus[i];
		if (!(set & (1UL << i)) || t == v ||
		    __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) == VCPU_STOPPED)
			continue;
		sbi_pmu_fw_event(v, sent);
		sbi_pmu_fw_event(t, sent + 1);	/* (each _RECEIVED follows its _SENT) */
	}
	vcpu_remote_fence(v, set, fence_i, start, size, by_asid, asid);
}

/*
 * A "shared memory physical address range" (SBI 2.0, section 3.2): lo and
 * hi are the low and high XLEN bits of the base.  Here it must be guest RAM
 * (the guest's physical memory is all that is), so hi must be 0.
 */
bool sbi_shmem_ok(struct vcpu *v, unsigned long lo, unsigned long hi, uint64_t len)
{
	return hi == 0 && vm_gpa_to_hva(v->vm, lo, len ? len : 1) != NULL;
}

/* Ranges longer than this many pages are fenced whole, as OpenSBI does
 * beyond its flush limit: the result is the same, only cheaper. */
#define SBI_FENCE_MAX_PAGES 64

/*
 * A remote sfence.vma(_asid) as the SBI defines it, carried out on one vCPU
 * (on its own hart: request.c): what sfence.vma would do on the vCPU for every page of [start, start +
 * size), or for all addresses when the SBI spec says so (start = size = 0,
 * or size = -1) or the range is too long to fence page by page or wraps.
 */
void vcpu_fence_range(struct vcpu *v, uint64_t start, uint64_t size, bool by_asid, uint64_t asid)
{
	uint64_t first = start & ~(PAGE_SIZE - 1);
	bool all = (start == 0 && size == 0) || size == ~0UL || start + size < start;
	/* The pages the range touches, counted rather than walked to its end:
	 * a range in the last page of the address space would wrap to 0. */
	uint64_t pages = all || !size ? 0
		       : ((start + size - 1) >> PAGE_SHIFT) - (start >> PAGE_SHIFT) + 1;

	if (all || pages >= SBI_FENCE_MAX_PAGES) {
		vcpu_sfence_vma(v, false, 0, by_asid, asid);
		return;
	}
	for (uint64_t n = 0; n < pages; n++)
		vcpu_sfence_vma(v, true, first + n * PAGE_SIZE, by_asid, asid);
}

/* ---- BASE ------------------------------------------------------------------ */

static enum trap_outcome sbi_base(struct vcpu *v, struct sbi_call *c)
{
	(void)v;
	switch (c->fid) {
	case SBI_BASE_GET_SPEC_VERSION: c->value = SBI_SPEC_VERSION; break;
	case SBI_BASE_GET_IMPL_ID:      c->value = SBI_IMPL_ID_UMBRA; break;
	case SBI_BASE_GET_IMPL_VERSION: c->value = SBI_IMPL_VERSION; break;
	case SBI_BASE_PROBE_EXT:        c->value = sbi_find(c->arg[0]) != NULL; break;
	/* (sbi_find leaves out what is not offered: see the table.) */
	/* The machine's identity registers, as the firmware reports them. */
	case SBI_BASE_GET_MVENDORID:
	case SBI_BASE_GET_MARCHID:
	case SBI_BASE_GET_MIMPID:       c->value = fw_base(c->fid); break;
	default:                        c->error = SBI_ERR_NOT_SUPPORTED; break;
	}
	return TRAP_NEXT;
}

/* ---- TIME, IPI, RFENCE ------------------------------------------------------- */

static enum trap_outcome sbi_time(struct vcpu *v, struct sbi_call *c)
{
	if (c->fid != SBI_TIME_SET_TIMER) {
		c->error = SBI_ERR_NOT_SUPPORTED;
	} else {
		sbi_pmu_fw_event(v, SBI_PMU_FW_SET_TIMER);
		vcpu_set_timer(v, c->arg[0]);
	}
	return TRAP_NEXT;
}

static enum trap_outcome sbi_ipi(struct vcpu *v, struct sbi_call *c)
{
	long set = sbi_hart_set(v->vm, c->arg[0], c->arg[1]);
	if (c->fid != SBI_IPI_SEND_IPI)
		c->error = SBI_ERR_NOT_SUPPORTED;
	else if (set < 0)
		c->error = SBI_ERR_INVALID_PARAM;
	else
		sbi_send_ipis(v, set);
	return TRAP_NEXT;
}

static enum trap_outcome sbi_rfence(struct vcpu *v, struct sbi_call *c)
{
	long set = sbi_hart_set(v->vm, c->arg[0], c->arg[1]);
	/* Functions 3-6 fence the H extension's translations: a guest has none. */
	if (c->fid > SBI_RFENCE_SFENCE_VMA_ASID)
		c->error = SBI_ERR_NOT_SUPPORTED;
	else if (set < 0)
		c->error = SBI_ERR_INVALID_PARAM;
	else
		sbi_fence(v, set, c->fid == SBI_RFENCE_FENCE_I, c->arg[2], c->arg[3],
			  c->fid == SBI_RFENCE_SFENCE_VMA_ASID, c->arg[4]);
	return TRAP_NEXT;
}

/* ---- SRST: system reset --------------------------------------------------------- */

static enum trap_outcome sbi_srst(struct vcpu *v, struct sbi_call *c)
{
	unsigned long type = c->arg[0], reason = c->arg[1];

	if (c->fid != SBI_SRST_RESET) {
		c->error = SBI_ERR_NOT_SUPPORTED;
		return TRAP_NEXT;
	}
	if (type > SBI_SRST_TYPE_WARM_REBOOT || reason > SBI_SRST_REASON_SYSFAIL) {
		c->error = SBI_ERR_INVALID_PARAM;
		return TRAP_NEXT;
	}
	if (type == SBI_SRST_TYPE_SHUTDOWN)
		vm_exit(v->vm, (int)reason);
	/* A reboot: see vm_reboot (with one VM the machine restarts). */
	vm_reboot(v->vm, type, reason);
	c->error = SBI_ERR_FAILED;	/* (the firmware did not reset) */
	return TRAP_NEXT;
}

/* ---- DBCN: debug console ---------------------------------------------------------- */

static enum trap_outcome sbi_dbcn(struct vcpu *v, struct sbi_call *c)
{
	unsigned long n = c->arg[0];
	uint8_t *buf;

	switch (c->fid) {
	case SBI_DBCN_WRITE:
	case SBI_DBCN_READ:
		/* The buffer is guest-physical: arg1 low bits, arg2 high bits. */
		buf = c->arg[2] ? NULL : vm_guest_ram(v->vm, c->arg[1], n);
		if (!buf) {
			c->error = SBI_ERR_INVALID_PARAM;
			break;
		}
		if (c->fid == SBI_DBCN_WRITE) {
			for (unsigned long i = 0; i < n; i++)
				console_guest_putc(v->vm->id, buf[i]);
			c->value = (long)n;
		} else {
			unsigned long got = 0;
			int ch;
			while (got < n && (ch = console_guest_getc(v->vm->id)) >= 0)
				buf[got++] = (uint8_t)ch;
			c->value = (long)got;
		}
		break;
	case SBI_DBCN_WRITE_BYTE:
		console_guest_putc(v->vm->id, (uint8_t)c->arg[0]);
		break;
	default:
		c->error = SBI_ERR_NOT_SUPPORTED;
		break;
	}
	return TRAP_NEXT;
}

/* ---- Legacy v0.1 extensions: one function each, result in a0 only ------------------ */

/*
 * Legacy IPI and fence calls pass a pointer to the hart mask: a virtual
 * address of the guest kernel's, read as its S-mode would read it.  If that
 * read faults, the guest gets the fault, at the ecall, as the firmware of a
 * real machine gives it (OpenSBI redirects the trap of its own load).
 */
static long legacy_hart_set(struct vcpu *v, unsigned long mask_ptr)
{
	unsigned long mask;
	if (!mask_ptr)
		return (long)((1UL << v->vm->nvcpus) - 1);
	if (vcpu_read_guest(v, mask_ptr, &mask, sizeof(mask), SPT_LOAD))
		return LEGACY_FAULTED;
	return sbi_hart_set(v->vm, mask, 0);
}

static enum trap_outcome sbi_legacy(struct vcpu *v, struct sbi_call *c)
{
	long set;
	int ch;

	switch (c->fid) {   /* for legacy calls fid holds the extension id */
	case SBI_EXT_LEGACY_SET_TIMER:
		sbi_pmu_fw_event(v, SBI_PMU_FW_SET_TIMER);
		vcpu_set_timer(v, c->arg[0]);
		break;
	case SBI_EXT_LEGACY_CONSOLE_PUTCHAR:
		console_guest_putc(v->vm->id, (int)c->arg[0]);
		break;
	case SBI_EXT_LEGACY_CONSOLE_GETCHAR:
		ch = console_guest_getc(v->vm->id);
		c->error = ch;
		break;
	case SBI_EXT_LEGACY_CLEAR_IPI:
		vcpu_set_irq(v, SIP_SSIP, false);
		break;
	case SBI_EXT_LEGACY_SEND_IPI:
	case SBI_EXT_LEGACY_REMOTE_FENCE_I:
	case SBI_EXT_LEGACY_REMOTE_SFENCE_VMA:
	case SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID:
		set = legacy_hart_set(v, c->arg[0]);
		if (set == LEGACY_FAULTED) {
			vcpu_inject_trap(v, v->mem_fault.cause, v->mem_fault.tval);
			return TRAP_RESUME;
		}
		if (set < 0)
			c->error = SBI_ERR_INVALID_PARAM;
		else if (c->fid == SBI_EXT_LEGACY_SEND_IPI)
			sbi_send_ipis(v, set);
		else
			sbi_fence(v, set, c->fid == SBI_EXT_LEGACY_REMOTE_FENCE_I,
				  c->arg[1], c->arg[2],
				  c->fid == SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID, c->arg[3]);
		break;
	case SBI_EXT_LEGACY_SHUTDOWN:
		vm_exit(v->vm, SBI_SRST_REASON_NONE);
	}
	return TRAP_NEXT;
}

/* ---- The extensions ------------------------------------------------------------------ */

/*
 * Every extension Umbra implements; a row's index is its slot in the exit
 * statistics (vcpu_stats.sbi).  What the firmware on QEMU virt offers and
 * Umbra does not: nothing (SUSP, CPPC, NACL, STA and MPXY are not offered
 * by OpenSBI 1.5.1 there either; SUSP is implemented, and offered when the
 * firmware offers it, see sbi_hsm.c).
 */
static const struct sbi_ext sbi_exts[] = {
	{ SBI_EXT_BASE,   "base",   false, sbi_base,   NULL },
	{ SBI_EXT_TIME,   "time",   false, sbi_time,   NULL },
	{ SBI_EXT_IPI,    "ipi",    false, sbi_ipi,    NULL },
	{ SBI_EXT_RFENCE, "rfence", false, sbi_rfence, NULL },
	{ SBI_EXT_HSM,    "hsm",    false, sbi_hsm,    NULL },
	{ SBI_EXT_SRST,   "srst",   false, sbi_srst,   NULL },
	{ SBI_EXT_PMU,    "pmu",    false, sbi_pmu,    NULL },
	{ SBI_EXT_DBCN,   "dbcn",   false, sbi_dbcn,   NULL },
	{ SBI_EXT_SUSP,   "susp",   false, sbi_susp,   sbi_susp_offered },
	{ SBI_EXT_SSE,    "sse",    false, sbi_sse,    NULL },
	{ SBI_EXT_FWFT,   "fwft",   false, sbi_fwft,   NULL },
	{ SBI_EXT_DBTR,   "dbtr",   false, sbi_dbtr,   NULL },
	{ SBI_EXT_LEGACY_SET_TIMER,       "legacy set_timer",   true, sbi_legacy, NULL },
	{ SBI_EXT_LEGACY_CONSOLE_PUTCHAR, "legacy putchar",     true, sbi_legacy, NULL },
	{ SBI_EXT_LEGACY_CONSOLE_GETCHAR, "legacy getchar",     true, sbi_legacy, NULL },
	{ SBI_EXT_LEGACY_CLEAR_IPI,       "legacy clear_ipi",   true, sbi_legacy, NULL },
	{ SBI_EXT_LEGACY_SEND_IPI,        "legacy send_ipi",    true, sbi_legacy, NULL },
	{ SBI_EXT_LEGACY_REMOTE_FENCE_I,  "legacy fence_i",     true, sbi_legacy, NULL },
	{ SBI_EXT_LEGACY_REMOTE_SFENCE_VMA, "legacy sfence_vma", true, sbi_legacy, NULL },
	{ SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID, "legacy sfence_vma_asid", true, sbi_legacy, NULL },
	{ SBI_EXT_LEGACY_SHUTDOWN,        "legacy shutdown",    true, sbi_legacy, NULL },
};
_Static_assert(ARRAY_SIZE(sbi_exts) < STATS_SBI_SLOTS, "stats slots");
#define SBI_STATS_UNKNOWN ARRAY_SIZE(sbi_exts)

/* The extension with this id, if Umbra offers it. */
static const struct sbi_ext *sbi_find(unsigned long id)
{
	for (unsigned i = 0; i < ARRAY_SIZE(sbi_exts); i++)
		if (sbi_exts[i].id == id)
			return !sbi_exts[i].offered || sbi_exts[i].offered() ? &sbi_exts[i] : NULL;
	return NULL;
}

/* Each extension's per-vCPU state, as a hart starts with it (HSM). */
void sbi_vcpu_reset(struct vcpu *v)
{
	sbi_pmu_reset(v);
	v->sbi.fwft_locked = 0;
	v->sbi.sse_unmasked = false;
	v->sbi.dbtr_shmem = false;
	v->sbi.dbtr_shmem_gpa = 0;
}

const char *sbi_stats_name(unsigned slot)
{
	return slot < ARRAY_SIZE(sbi_exts) ? sbi_exts[slot].name
	     : slot == SBI_STATS_UNKNOWN ? "unknown" : NULL;
}

/* An ecall from virtual S-mode: the guest calls its SBI. */
enum trap_outcome sbi_handle(struct vcpu *v)
{
	uint64_t *x = v->tf.x;
	const struct sbi_ext *ext = sbi_find(x[REG_A7]);
	struct sbi_call c = {
		.fid = x[REG_A6],
		.arg = { x[REG_A0], x[REG_A1], x[REG_A2], x[REG_A3], x[REG_A4], x[REG_A5] },
	};

	if (!ext) {
		v->stats.sbi[SBI_STATS_UNKNOWN]++;
		x[REG_A0] = (uint64_t)SBI_ERR_NOT_SUPPORTED;
		x[REG_A1] = 0;
		if (trace_on(v)) {
			trace_note_sbi_call(v, NULL, x[REG_A7], c.fid, c.arg);
			trace_note_sbi_result(v, SBI_ERR_NOT_SUPPORTED, 0);
		}
		return TRAP_NEXT;
	}
	v->stats.sbi[ext - sbi_exts]++;
	if (ext->legacy)
		c.fid = ext->id;
	if (trace_on(v))
		trace_note_sbi_call(v, ext->name, ext->id, c.fid, c.arg);
	enum trap_outcome out = ext->handler(v, &c);
	if (out == TRAP_NEXT) {
		x[REG_A0] = (uint64_t)c.error;
		if (!ext->legacy)
			x[REG_A1] = (uint64_t)c.value;
		if (trace_on(v))
			trace_note_sbi_result(v, c.error, ext->legacy ? 0 : c.value);
	}
	return out;
}
