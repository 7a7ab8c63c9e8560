/*
 * vcpu.c - creating a vCPU, entering the guest, and the end of a guest's
 * life: the exit table and the power-off.
 */
#include <string.h>
#include "trap_internal.h"
#include "platform.h"
#include "hart.h"
#include "mm.h"
#include "vm.h"
#include "spt.h"
#include "fw.h"

/* The vCPUs of all VMs (more than the harts: the scheduler shares them). */
static struct vcpu vcpu_pool[SCHED_MAX_VCPUS];
static unsigned vcpu_count;

struct vcpu *vcpu_create(struct vm *vm, unsigned id)
{
	if (vcpu_count == ARRAY_SIZE(vcpu_pool))
		return NULL;
	struct vcpu *v = &vcpu_pool[vcpu_count++];
	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->id = id;
	/* vCPU 0 starts running; the others wait for the guest's HSM hart_start. */
	v->state = id == 0 ? VCPU_RUNNING : VCPU_STOPPED;
	v->mode = PRV_S;
	vcsr_init(v);
	/* OpenSBI points stvec at the kernel's entry before starting it. */
	v->csr.stvec = vm->entry_gpa;
	/* The timer starts as OpenSBI left it: pending if STIP was. */
	v->timer_deadline = boot_csrs.sip & SIP_STIP ? 0 : ~0UL;
	/* The boot protocol: a0 = hart id, a1 = device tree, pc = entry. */
	v->tf.x[REG_A0] = id;
	v->tf.x[REG_A1] = vm->fdt_gpa;
	v->tf.pc = vm->entry_gpa;
	v->mmu_satp = ~0UL;	/* nothing selected yet */
	v->hs.vstimecmp = ~0UL;	/* (hext with Sstc: no timer until set) */
	if (vm->backend->vcpu_init && vm->backend->vcpu_init(v))
		return NULL;
	return v;
}

/* The vCPU runs on its hart (sched_add chose it, the calling one): its
 * traps come back on its own stack, with tp this hart's. */
static void vcpu_attach(struct vcpu *v)
{
	struct hart *h = hart_this();

	if (v->hart != h)
		panic("vCPU %u of VM %u runs on the wrong hart", v->id, v->vm->id);
	v->tf.host_sp = v->sched.stack_top;
	v->tf.host_tp = (uint64_t)h;
}

/* Enter the guest on this hart, from nothing but the vCPU. */
static void __attribute__((noreturn)) enter(struct vcpu *v)
{
	const struct vcpu_backend *be = v->vm->backend;

	vcpu_set_mode(v, v->mode);
	vcpu_poll_timer(v);
	/* The real SIE stays 0 in Umbra: interrupts wait until sret. */
	csr_clear(sstatus, SSTATUS_SIE);
	sfence_vma_all();
	vcpu_process_requests(v);
	if (be->sync_irq_lines)
		be->sync_irq_lines(v);
	vcpu_load_context(v);
	trap_return(&v->tf);
}

void vcpu_run(struct vcpu *v)
{
	const struct vcpu_backend *be = v->vm->backend;

	vcpu_attach(v);
	if (be->hart_setup)
		be->hart_setup(v);
	enter(v);
}

/* A vCPU the guest started with HSM hart_start: run it on this hart from
 * 'pc' as the SBI starts a hart. */
void vcpu_run_at(struct vcpu *v, uint64_t pc, uint64_t opaque)
{
	const struct vcpu_backend *be = v->vm->backend;

	vcpu_attach(v);
	if (be->hart_setup)
		be->hart_setup(v);
	vcpu_start_at(v, pc, opaque);
	__atomic_store_n(&v->state, VCPU_RUNNING, __ATOMIC_RELEASE);
	enter(v);
}

/*
 * Start the vCPU over as the SBI starts a hart (HSM hart_start, and the
 * resume from a non-retentive suspend): in S-mode at 'pc' with a0 = its hart
 * id, a1 = opaque, satp = 0 and sstatus.SIE = 0.
 */
void vcpu_start_at(struct vcpu *v, uint64_t pc, uint64_t opaque)
{
	v->tf.pc = pc;
	v->tf.x[REG_A0] = v->id;
	v->tf.x[REG_A1] = opaque;
	v->vm->backend->reset(v);
	vcpu_set_mode(v, PRV_S);	/* (on shadow: selects the Bare view) */
}

/* sfence.vma for the guest on its own hart (its own, trapped on shadow, or
 * a remote fence carried out here). */
void vcpu_sfence_vma(struct vcpu *v, bool by_va, uint64_t va, bool by_asid, uint64_t asid)
{
	v->vm->backend->sfence_vma(v, by_va, va, by_asid, asid);
}

/*
 * The last step before every entry into a guest (sret in vector.S): set up
 * from the vCPU alone everything the hart needs to run the guest with the
 * right privilege and translation (the backend knows what: see its
 * load_context).  Nothing is taken from what the last trap left behind: a
 * trap Umbra takes itself (a probe of guest memory that faulted) rewrites
 * sstatus.SPP and, on the H backend, hstatus.SPV, and an sret with SPV = 0
 * would run the guest outside virtualization, with Umbra's privilege for
 * the next trap it is given.
 */
void vcpu_load_context(struct vcpu *v)
{
	v->vm->backend->load_context(v);
}

/* ---- Switching vCPUs on a hart (core/sched.c) -------------------------------------- */

/*
 * Besides the backend's state, both backends leave in the hart the guest's
 * FP registers and fcsr (the guest uses the real ones), sstatus.FS (the FP
 * unit's state: shadow keeps the guest's FS there; hext the HS-level one,
 * which gates the guest's FP together with vsstatus.FS), sstatus.UXL and
 * scounteren (shadow: as vcsr_mode_changed set them for the guest's mode);
 * on a host with V, the vector registers and CSRs and sstatus.VS likewise.
 * The registers move whatever FS and VS say: a guest that turns FS on must
 * find its own registers, not another vCPU's (maybe another VM's).  FS and
 * VS are turned on while they move (the instructions trap when Off).
 */
void vcpu_put(struct vcpu *v)
{
	const struct vcpu_backend *be = v->vm->backend;
	uint64_t st = csr_read(sstatus);

	v->sched.real_sstatus = st & (SSTATUS_FS | SSTATUS_VS | SSTATUS_UXL);
	v->sched.real_scounteren = csr_read(scounteren);
	csr_set(sstatus, SSTATUS_FS_DIRTY);
	sched_fp_save(&v->sched.fp);
	if (v->sched.vregs) {
		csr_set(sstatus, SSTATUS_VS);
		sched_v_save(v->sched.vregs, v->sched.vcsrs);
	}
	if (be->vcpu_put)
		be->vcpu_put(v);
}

void vcpu_load(struct vcpu *v, struct vcpu *prev)
{
	const struct vcpu_backend *be = v->vm->backend;

	csr_set(sstatus, SSTATUS_FS_DIRTY);
	sched_fp_restore(&v->sched.fp);
	if (v->sched.vregs) {
		csr_set(sstatus, SSTATUS_VS);
		sched_v_restore(v->sched.vregs, v->sched.vcsrs);
	}
	csr_write(sstatus, (csr_read(sstatus) & ~(SSTATUS_FS | SSTATUS_VS | SSTATUS_UXL)) |
			   v->sched.real_sstatus);
	csr_write(scounteren, v->sched.real_scounteren);
	/* Another VM ran here: its translations in the TLB may carry the same
	 * tags as this one's (shadow: the Bare view's ASID 0 of every VM;
	 * ASIDs of a hart without enough of them).  (Within one VM the
	 * backend decides what must go.) */
	if (!prev || prev->vm != v->vm)
		sfence_vma_all();
	if (be->vcpu_load)
		be->vcpu_load(v, prev != v);
}

void vcpu_switched_in(struct vcpu *v)
{
	vcpu_poll_timer(v);
}

/* Its VM ended (vm_exit): it never runs again.  Whoever waits for it (a
 * fence) sees it is no longer live. */
void vcpu_exit(struct vcpu *v)
{
	__atomic_store_n(&v->state, VCPU_STOPPED, __ATOMIC_RELEASE);
	sched_exit(v);
}

/* ---- The exit table ----------------------------------------------------------- */

static const char *const exception_names[CAUSE_EXCEPTION_COUNT] = {
	[CAUSE_MISALIGNED_FETCH] = "misaligned fetch",
	[CAUSE_FETCH_ACCESS] = "fetch access fault",
	[CAUSE_ILLEGAL_INSTRUCTION] = "illegal instruction",
	[CAUSE_BREAKPOINT] = "breakpoint",
	[CAUSE_MISALIGNED_LOAD] = "misaligned load",
	[CAUSE_LOAD_ACCESS] = "load access fault",
	[CAUSE_MISALIGNED_STORE] = "misaligned store",
	[CAUSE_STORE_ACCESS] = "store access fault",
	[CAUSE_USER_ECALL] = "ecall",
	[CAUSE_FETCH_PAGE_FAULT] = "fetch page fault",
	[CAUSE_LOAD_PAGE_FAULT] = "load page fault",
	[CAUSE_STORE_PAGE_FAULT] = "store page fault",
	[CAUSE_VIRTUAL_SUPERVISOR_ECALL] = "ecall from VS",
	[CAUSE_FETCH_GUEST_PAGE_FAULT] = "fetch guest-page fault",
	[CAUSE_LOAD_GUEST_PAGE_FAULT] = "load guest-page fault",
	[CAUSE_VIRTUAL_INSTRUCTION] = "virtual instruction",
	[CAUSE_STORE_GUEST_PAGE_FAULT] = "store guest-page fault",
};

static const char *const interrupt_names[16] = {
	[IRQ_S_SOFT] = "software interrupt",
	[IRQ_S_TIMER] = "timer interrupt",
	[IRQ_S_EXT] = "external interrupt",
};

static void stats_row(const char *group, const char *name, uint64_t n)
{
	if (n)
		console_printf("  %-12s %-26s %10lu\n", group, name, n);
}

static const char *name_or_other(const char *name)
{
	return name ? name : "other";
}

const char *vcpu_cause_name(uint64_t cause)
{
	uint64_t code = cause & ~CAUSE_INTERRUPT;

	if (cause & CAUSE_INTERRUPT)
		return name_or_other(code < ARRAY_SIZE(interrupt_names) ? interrupt_names[code] : NULL);
	return name_or_other(code < ARRAY_SIZE(exception_names) ? exception_names[code] : NULL);
}

/*
 * The exit table: why the guest left to Umbra (real traps by cause), what
 * Umbra emulated (instructions, CSRs, SBI calls), and what it delivered to
 * the guest (virtual exceptions and interrupts).
 */
void vcpu_print_stats(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		const struct vcpu_stats *s = &vm->vcpus[i]->stats;
		console_printf("umbra: exits of vCPU %u: %lu (traps injected into the guest: %lu, wfi sleeps: %lu)\n",
			       i, s->exits, s->injected, s->wfi_sleeps);
		stats_row("sched", "switched in again", s->switched_in);
		stats_row("sched", "preempted", s->preempted);
		stats_row("patch", "sites run", s->patched);
		stats_row("patch", "... of them in a run, no exit", s->chained);
		for (unsigned c = 0; c < ARRAY_SIZE(s->exception); c++)
			stats_row("exit", name_or_other(exception_names[c]), s->exception[c]);
		for (unsigned c = 0; c < ARRAY_SIZE(s->interrupt); c++)
			stats_row("exit", name_or_other(interrupt_names[c]), s->interrupt[c]);
		for (unsigned c = 1; c < ARRAY_SIZE(s->insn); c++)
			stats_row("instruction", decode_op_name(c), s->insn[c]);
		for (unsigned c = 0; vcsr_stats_name(c); c++)
			stats_row("csr", vcsr_stats_name(c), s->csr[c]);
		for (unsigned c = 0; sbi_stats_name(c); c++)
			stats_row("sbi", sbi_stats_name(c), s->sbi[c]);
		for (unsigned c = 0; c < ARRAY_SIZE(s->injected_exception); c++)
			stats_row("to guest", name_or_other(exception_names[c]), s->injected_exception[c]);
		for (unsigned c = 0; c < ARRAY_SIZE(s->injected_interrupt); c++)
			stats_row("to guest", name_or_other(interrupt_names[c]), s->injected_interrupt[c]);
		if (vm->backend->print_stats)
			vm->backend->print_stats(vm->vcpus[i]);
	}
}
