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

static struct vcpu vcpu_pool[MAX_HARTS];
static unsigned vcpu_count;

struct vcpu *vcpu_create(struct vm *vm, unsigned id)
{
	if (vcpu_count == ARRAY_SIZE(vcpu_pool))
		return NULL;
	struct vcpu *v = &vcpu_pool[vcpu_count++];
	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->id = id;
	v->state = id == 0 ? VCPU_RUNNING : VCPU_STOPPED;
	v->mode = PRV_S;
	vcsr_init(v);
	/* OpenSBI points stvec at the kernel's entry before starting it. */
	v->csr.stvec = vm->entry_gpa;
	/* The timer starts as OpenSBI left it: pending if STIP was. */
	v->timer_deadline = boot_csrs.sip & SIP_STIP ? 0 : ~0UL;
	/* The boot protocol: a0 = hart id, a1 = device tree, pc = entry. */
	v->tf.x[10] = id;
	v->tf.x[11] = vm->fdt_gpa;
	v->tf.pc = vm->entry_gpa;
	v->mmu_satp = ~0UL;	/* nothing selected yet */
	return v;
}

/* Put the vCPU on the calling hart: its traps come back on this hart's stack. */
void vcpu_attach(struct vcpu *v)
{
	struct hart *h = hart_this();

	v->hart = h;
	h->vcpu = v;
	v->tf.host_sp = h->stack_top;
	v->tf.host_tp = (uint64_t)h;
}

void vcpu_run(struct vcpu *v)
{
	vcpu_attach(v);
	vcpu_set_mode(v, v->mode);
	vcpu_poll_timer(v);

	/* The real SIE stays 0 in Umbra: interrupts wait until sret. */
	csr_clear(sstatus, SSTATUS_SIE);
	sfence_vma_all();
	vcpu_load_context(v);
	trap_return(&v->tf);
}

/*
 * Start the vCPU over as the SBI starts a hart (HSM hart_start, and the
 * resume from a non-retentive suspend): in S-mode at 'pc' with a0 = its hart
 * id, a1 = opaque, satp = 0 and sstatus.SIE = 0.  On the H backend those
 * are the live VS registers the hardware uses.
 */
void vcpu_start_at(struct vcpu *v, uint64_t pc, uint64_t opaque)
{
	v->tf.pc = pc;
	v->tf.x[10] = v->id;
	v->tf.x[11] = opaque;
	if (v->vm->hext) {
		csr_write(CSR_VSATP, 0);
		csr_clear(CSR_VSSTATUS, SSTATUS_SIE);
		hfence_vvma_all();
	} else {
		v->csr.satp = 0;
		v->csr.sstatus &= ~SSTATUS_SIE;
	}
	vcpu_set_mode(v, PRV_S);	/* (on shadow: selects the Bare view) */
}

/*
 * sfence.vma for the guest (its own, trapped on shadow, or one the SBI does
 * on its behalf): on shadow the shadows drop what the fence names (see
 * shadow.c); on the H backend the hardware's VS-stage TLB of this VM does
 * (hfence.vvma: the VMID is hgatp's).
 */
void vcpu_sfence_vma(struct vcpu *v, bool by_va, uint64_t va, bool by_asid, uint64_t asid)
{
	if (!v->vm->hext) {
		spt_sfence(v->vm, by_va, va, by_asid, asid);
		return;
	}
	if (by_va && by_asid)
		hfence_vvma(va, asid);
	else if (by_va)
		hfence_vvma_va(va);
	else if (by_asid)
		hfence_vvma_asid(asid);
	else
		hfence_vvma_all();
}

/*
 * The last step before every entry into a guest (sret in vector.S): set up
 * from the vCPU alone everything the hart needs to run the guest with the
 * right privilege and translation.  Nothing is taken from what the last trap
 * left behind: a trap Umbra takes itself (a probe of guest memory that
 * faulted) rewrites sstatus.SPP and, on the H backend, hstatus.SPV, and an
 * sret with SPV = 0 would run the guest outside virtualization, with
 * Umbra's privilege for the next trap it is given.
 *
 * Trap-and-emulate (both virtual modes run in real U-mode):
 *   sstatus.SPP = 0        sret enters U-mode
 *   sstatus.SUM = MXR = 0  the views decide what U-mode may touch
 *   satp                   the guest's view: its shadow or the Bare view
 * H extension (the hardware runs VS and VU):
 *   hstatus.SPV = 1        sret enters a virtual mode ...
 *   hstatus.SPVP, sstatus.SPP   ... VS if the guest is in S, else VU
 *   hstatus.VTW = 1        wfi exits (Umbra sleeps for the guest)
 *   hstatus.VTSR = VTVM = HU = 0, VGEIN = 0
 *   hgatp                  the VM's G-stage table
 * Reading a CSR is cheap; writing satp or hgatp makes QEMU flush its TLB,
 * so those are written only when they differ.
 */
void vcpu_load_context(struct vcpu *v)
{
	if (v->vm->hext) {
		uint64_t hs = (csr_read(CSR_HSTATUS) & HSTATUS_VSXL) | HSTATUS_SPV | HSTATUS_VTW;
		if (v->mode == PRV_S) {
			hs |= HSTATUS_SPVP;
			csr_set(sstatus, SSTATUS_SPP);
		} else {
			csr_clear(sstatus, SSTATUS_SPP);
		}
		csr_write(CSR_HSTATUS, hs);
		if (csr_read(CSR_HGATP) != v->vm->hgatp) {
			csr_write(CSR_HGATP, v->vm->hgatp);
			hfence_gvma_all();
		}
		return;
	}
	csr_clear(sstatus, SSTATUS_SPP | SSTATUS_SUM | SSTATUS_MXR);
	if (csr_read(satp) != v->host_satp)
		csr_write(satp, v->host_satp);
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
	}
	if (!vm->hext) {
		spt_print_stats(vm);
		patch_print_stats(vm);
	}
}
