/*
 * hext.c - running a guest on the hypervisor extension.
 *
 * Set-up (privileged spec, "Hypervisor Extension"):
 *   hedeleg   the exceptions a guest handles itself go straight to VS-mode
 *   hideleg   so do its interrupts (VS software, timer, external)
 *   hstatus   SPV: sret enters the guest; VTW: wfi exits to Umbra, which
 *             sleeps with an eye on the console
 *   hgatp     guest-physical -> host-physical: guest RAM only, so a device
 *             access is a guest-page fault that Umbra emulates
 *   vs*       the guest's supervisor CSRs, real registers the hardware uses
 * What exits: ecall from VS (SBI), guest-page faults (devices, or nothing:
 * an access fault for the guest), virtual-instruction exceptions (wfi, and
 * the H instructions and CSRs a hart without H does not have: illegal for
 * the guest), and Umbra's own interrupts.
 */
#include "hext.h"
#include "trap_internal.h"
#include "platform.h"
#include "hart.h"
#include "mm.h"
#include "vm.h"
#include "pt.h"
#include "spt.h"

/* The exceptions a guest's own handler gets directly. */
#define HEDELEG_GUEST (BIT(CAUSE_MISALIGNED_FETCH) | BIT(CAUSE_FETCH_ACCESS) | \
	BIT(CAUSE_ILLEGAL_INSTRUCTION) | BIT(CAUSE_BREAKPOINT) |                \
	BIT(CAUSE_MISALIGNED_LOAD) | BIT(CAUSE_LOAD_ACCESS) |                    \
	BIT(CAUSE_MISALIGNED_STORE) | BIT(CAUSE_STORE_ACCESS) |                  \
	BIT(CAUSE_USER_ECALL) | BIT(CAUSE_FETCH_PAGE_FAULT) |                    \
	BIT(CAUSE_LOAD_PAGE_FAULT) | BIT(CAUSE_STORE_PAGE_FAULT))

/*
 * Does the hart have H?  (hgatp exists.)  If so, how many VMID bits it
 * keeps (VMIDLEN, 0 to 14): write all-ones to hgatp.VMID with MODE = Bare
 * and count the bits that stick.
 */
bool hext_probe(void)
{
	uint64_t v = 0;
	if (!HART_PROBE(v = csr_read(CSR_HGATP)))
		return false;
	csr_write(CSR_HGATP, HGATP_VMID);
	platform.vmid_bits = __builtin_popcountl(csr_read(CSR_HGATP) & HGATP_VMID);
	csr_write(CSR_HGATP, v);
	return true;
}

/* The VM's G-stage table: guest RAM only, shared by its vCPUs (it never
 * changes), tagged with its VMID. */
static int hext_vm_init(struct vm *vm, bool patch)
{
	const struct pt_format *fmt = platform.guest_satp_mode == SATP_MODE_SV48 ? &pt_sv48x4
										    : &pt_sv39x4;
	/* The root table of an x4 format is 16 KiB, 16 KiB aligned. */
	uint64_t *root = mm_alloc_contig(4 * PAGE_SIZE, 4 * PAGE_SIZE);
	(void)patch;	/* (trap-and-patch is for the shadow backend) */
	if (!root)
		return ERR_NOMEM;
	/* G-stage leaves must have U set: every guest access counts as U here. */
	int err = pt_map(fmt, root, vm->ram_gpa, mm_va_to_pa(vm->ram), vm->ram_size,
			 PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D);
	if (err)
		return err;
	/*
	 * The G-stage and VS-stage TLB entries of a VM are tagged with its
	 * VMID, id + 1, so VMs never see each other's translations.  A hart
	 * with too few VMID bits for that gives every VM VMID 0 instead; then
	 * a hart that switches between VMs must flush them (hfence.gvma) on
	 * every switch (vm->vmid_shared).
	 */
	vm->vmid_shared = vm->id + 1 >= (1UL << platform.vmid_bits);
	vm->hgatp = pt_satp(fmt, root, vm->vmid_shared ? 0 : vm->id + 1);
	return 0;
}

/*
 * Set up the calling hart's H state for the vCPU, and the guest's
 * supervisor state as OpenSBI would hand it over (on a restart by HSM,
 * vcpu_start_at then applies the start rules).
 */
static void hext_hart_setup(struct vcpu *v)
{
	csr_write(CSR_HEDELEG, HEDELEG_GUEST);
	csr_write(CSR_HIDELEG, HIP_VS_MASK);
	csr_write(CSR_HCOUNTEREN, platform.hcounteren_mask);
	csr_write(CSR_HVIP, 0);
	csr_write(CSR_HGEIE, 0);
	/* The guest's page tables get A/D updated by hardware where the machine
	 * does it natively (ADUE sticks only if M-mode enabled Svadu), as the
	 * shadow walker does on the other backend. */
	csr_write(CSR_HENVCFG, HENVCFG_ADUE | (platform.has_sstc ? HENVCFG_STCE : 0));
	if (platform.has_sstc) {
		csr_write(CSR_HTIMEDELTA, 0);
		csr_write(CSR_VSTIMECMP, v->timer_deadline);
	}
	csr_write(CSR_HGATP, v->vm->hgatp);
	hfence_gvma_all();

	csr_write(CSR_VSSTATUS, boot_csrs.sstatus & ~(SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP));
	csr_write(CSR_VSIE, 0);
	csr_write(CSR_VSTVEC, v->csr.stvec);
	csr_write(CSR_VSSCRATCH, 0);
	csr_write(CSR_VSEPC, 0);
	csr_write(CSR_VSCAUSE, 0);
	csr_write(CSR_VSTVAL, 0);
	csr_write(CSR_VSATP, 0);
	hfence_vvma_all();
	/* (sret enters VS-mode: hext_load_context sets that up, before every
	 * entry.) */
}

/* ---- Exits ------------------------------------------------------------------- */

/*
 * A virtual-instruction exception: the guest executed something VS-mode may
 * not.  wfi (hstatus.VTW) is emulated; everything else is an instruction a
 * hart without H does not have (H CSRs and instructions): illegal.
 */
static enum trap_outcome exit_virtual_instruction(struct vcpu *v)
{
	struct decode_insn in;
	uint32_t raw;

	/* The instruction itself, read from guest memory: QEMU's stval for this
	 * exception is not always the instruction. */
	if (vcpu_fetch_insn(v, &raw))
		raw = (uint32_t)v->tf.tval;
	v->insn_raw = (raw & 3) == 3 ? raw : (raw & 0xffff);
	if (trace_on(v))
		trace_note_insn(v, v->insn_raw);
	/* wfi in VS-mode only: in (V)U-mode it is illegal, as on any hart. */
	if (v->mode == PRV_S && decode_insn(v->insn_raw, &in) == 0 && in.op == DECODE_OP_WFI) {
		v->stats.insn[in.op]++;
		v->insn_len = in.len;
		vcpu_wait_for_interrupt(v);
		return TRAP_NEXT;
	}
	/* wrs.nto (Zawrs, which the guest's ISA string has) exits under VTW
	 * as wfi does; it may return at any time: it simply completes. */
	if (v->insn_raw == INSN_WRS_NTO) {
		v->insn_len = 4;
		return TRAP_NEXT;
	}
	vcpu_inject_trap(v, CAUSE_ILLEGAL_INSTRUCTION, v->insn_raw);
	return TRAP_RESUME;
}

/*
 * Was this guest-page fault taken by the guest's own page-table walk (an
 * implicit access of VS-stage translation that read a PTE outside its RAM)
 * rather than by the access itself?  The hardware says so in htinst where
 * it can: a transformed instruction (bit 0 set) is the access itself, a
 * pseudoinstruction (bit 0 clear: 0x2000/0x3000 read a PTE, 0x2020/0x3020
 * write one for A/D) the walk.  Where htinst is 0, Umbra walks the guest's
 * tables itself: the walk failed if it cannot read a PTE, or if it ends at
 * another guest-physical page than the one that faulted.
 */
static bool fault_in_guest_walk(struct vcpu *v, uint64_t gpa, enum spt_access acc)
{
	uint64_t tinst = csr_read(CSR_HTINST);
	uint64_t vsatp = csr_read(CSR_VSATP);
	struct spt_walk w;

	if (tinst)
		return !(tinst & 1);
	if (!spt_guest_format(vsatp))
		return false;		/* Bare: no walk at all */
	if (spt_translate(v->vm, vsatp, v->tf.tval, acc, v->mode, csr_read(CSR_VSSTATUS),
			  false, &w) < 0)
		return w.cause == access_fault(acc);
	return (w.gpa >> PAGE_SHIFT) != (gpa >> PAGE_SHIFT);
}

/*
 * A guest-page fault: the G-stage has no mapping for the guest-physical
 * address (htval holds it, shifted right by 2), which is a device, or no
 * memory at all.  The cause is that of the guest's original access (load,
 * store or fetch) even when its page-table walk is what touched the
 * address.  A load or store that reached a device is emulated; anything
 * else (a fetch, a walk reading a PTE from device memory or from nowhere)
 * becomes the access fault the guest's own hart would raise, at the
 * guest-virtual address in stval.
 */
static enum trap_outcome exit_guest_page_fault(struct vcpu *v)
{
	enum spt_access acc = fault_access(v->tf.cause);
	uint64_t gpa = csr_read(CSR_HTVAL) << 2 | (v->tf.tval & 3);

	if (trace_on(v))
		trace_note_pf(v, v->tf.tval, acc, "not-ram");
	if (!fault_in_guest_walk(v, gpa, acc) && vcpu_emulate_mmio(v, gpa, acc) == 0)
		return TRAP_NEXT;
	vcpu_inject_trap(v, access_fault(acc), v->tf.tval);
	return TRAP_RESUME;
}

/* (Everything else is given to the guest as it came.) */
static const trap_handler hext_exits[CAUSE_EXCEPTION_COUNT] = {
	[CAUSE_VIRTUAL_SUPERVISOR_ECALL] = trap_sbi,    /* the guest kernel calls its SBI */
	[CAUSE_FETCH_GUEST_PAGE_FAULT]   = exit_guest_page_fault,
	[CAUSE_LOAD_GUEST_PAGE_FAULT]    = exit_guest_page_fault,
	[CAUSE_STORE_GUEST_PAGE_FAULT]   = exit_guest_page_fault,
	[CAUSE_VIRTUAL_INSTRUCTION]      = exit_virtual_instruction,
};

static enum trap_outcome hext_exception(struct vcpu *v)
{
	return trap_by_cause(hext_exits, v);
}

/* The hardware switches between VS and VU itself: the mode the guest was in
 * is hstatus.SPVP (for interrupts too). */
static void hext_exit_begin(struct vcpu *v)
{
	v->mode = csr_read(CSR_HSTATUS) & HSTATUS_SPVP ? PRV_S : PRV_U;
}

/* ---- Reading guest memory as the guest sees it --------------------------------- */

/*
 * The hypervisor load instructions translate like the guest's own accesses
 * (vsatp, then hgatp, at privilege hstatus.SPVP); HLVX needs execute
 * permission, as an instruction fetch does.  A fault is caught (HART_PROBE).
 */
static bool hlv_bu(uint64_t va, uint8_t *out)
{
	register uint64_t a0 __asm__("a0") = va;
	bool ok = HART_PROBE(__asm__ volatile(".word 0x60154573" : "+r"(a0) :: "memory"));
	*out = (uint8_t)a0;	/* hlv.bu a0, (a0) */
	return ok;
}

static bool hlvx_hu(uint64_t va, uint16_t *out)
{
	register uint64_t a0 __asm__("a0") = va;
	bool ok = HART_PROBE(__asm__ volatile(".word 0x64354573" : "+r"(a0) :: "memory"));
	*out = (uint16_t)a0;	/* hlvx.hu a0, (a0) */
	return ok;
}

/* What a failed hypervisor load means for the guest: its own page fault or
 * access fault as it stands, and a G-stage fault (the address is not its
 * RAM) as the access fault its hart would raise. */
static int hlv_fault(struct vcpu *v, uint64_t va, enum spt_access acc)
{
	uint64_t cause = hart_this()->probe_cause;

	if (cause == CAUSE_FETCH_GUEST_PAGE_FAULT || cause == CAUSE_LOAD_GUEST_PAGE_FAULT ||
	    cause == CAUSE_STORE_GUEST_PAGE_FAULT)
		cause = access_fault(acc);
	v->mem_fault.cause = cause;
	v->mem_fault.tval = va;
	return ERR_FAULT;
}

static int hext_read_guest(struct vcpu *v, uint64_t va, void *buf, size_t len,
			   enum spt_access acc)
{
	uint8_t *dst = buf;

	/* The guest's privilege decides what its translation allows. */
	if (v->mode == PRV_S)
		csr_set(CSR_HSTATUS, HSTATUS_SPVP);
	else
		csr_clear(CSR_HSTATUS, HSTATUS_SPVP);
	if (acc == SPT_FETCH) {
		for (size_t i = 0; i + 2 <= len; i += 2) {
			uint16_t half;
			if (!hlvx_hu(va + i, &half))
				return hlv_fault(v, va + i, acc);
			dst[i] = (uint8_t)half;
			dst[i + 1] = (uint8_t)(half >> 8);
		}
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		if (!hlv_bu(va + i, &dst[i]))
			return hlv_fault(v, va + i, acc);
	return 0;
}

/*
 * The load or store that faulted on a device: the hardware may hand it over
 * in htinst, transformed (bit 0 set; bit 1 clear when the original was a
 * 16-bit instruction); 1 if it did not.
 */
static int hext_mmio_insn(struct vcpu *v, uint32_t *raw, struct decode_insn *in)
{
	uint64_t tinst = csr_read(CSR_HTINST);
	(void)v;
	if (!(tinst & 1))
		return 1;
	*raw = (uint32_t)tinst | 2;
	if (decode_insn(*raw, in) < 0)
		return ERR_INVAL;
	in->len = tinst & 2 ? 4 : 2;
	/* rs1 of a transformed access: how far into it the faulting address lies. */
	return in->rs1 ? ERR_RANGE : 0;
}

/* ---- Interrupts and the timer ------------------------------------------------------ */

/* The guest's sip is the VS bits of the real hip, one bit higher; its sie
 * the real vsie. */
static uint64_t hext_sip(struct vcpu *v)
{
	(void)v;
	return (csr_read(CSR_HIP) & HIP_VS_MASK) >> 1;
}

static uint64_t hext_sie(struct vcpu *v)
{
	(void)v;
	return csr_read(CSR_VSIE);
}

/* hvip injects VS-level interrupts: bit = the guest's bit + 1.  The guest
 * clears its SSIP itself (vsip.SSIP is hvip.VSSIP). */
static void hext_set_ssip(struct vcpu *v, bool level)
{
	(void)v;
	if (level)
		csr_set(CSR_HVIP, SIP_SSIP << 1);
	else
		csr_clear(CSR_HVIP, SIP_SSIP << 1);
}

/* STIP and SEIP as the devices (and the timer, without Sstc) drive them. */
static void hext_sync_irq_lines(struct vcpu *v)
{
	uint64_t lines = __atomic_load_n(&v->irq_lines, __ATOMIC_RELAXED);
	uint64_t mask = (SIP_STIP | SIP_SEIP) << 1;
	uint64_t hvip = csr_read(CSR_HVIP);
	uint64_t want = (hvip & ~mask) | ((lines & (SIP_STIP | SIP_SEIP)) << 1);
	if (want != hvip)
		csr_write(CSR_HVIP, want);
}

static bool hext_hw_timer(struct vcpu *v)
{
	(void)v;
	return platform.has_sstc;
}

static void hext_hw_timer_set(struct vcpu *v, uint64_t deadline)
{
	(void)v;
	csr_write(CSR_VSTIMECMP, deadline);
}

/* (The guest writes vstimecmp itself, as its stimecmp: the real one is the
 * truth while the vCPU is on the hart.) */
static uint64_t hext_hw_timer_get(struct vcpu *v)
{
	(void)v;
	return csr_read(CSR_VSTIMECMP);
}

/* ---- Sharing a hart (core/sched.c) --------------------------------------------------- */

/*
 * The guest's supervisor state is the hart's VS CSRs, hvip (its pending
 * SSIP, STIP, SEIP) and, with Sstc, vstimecmp: saved when another vCPU
 * takes the hart.  The rest of the H state (hedeleg, hideleg, hcounteren,
 * henvcfg, htimedelta) is the same for every vCPU (hext_hart_setup), and
 * hstatus and hgatp are rebuilt before every entry (hext_load_context).
 */
static void hext_vcpu_put(struct vcpu *v)
{
	v->hs.vsstatus = csr_read(CSR_VSSTATUS);
	v->hs.vsie = csr_read(CSR_VSIE);
	v->hs.vstvec = csr_read(CSR_VSTVEC);
	v->hs.vsscratch = csr_read(CSR_VSSCRATCH);
	v->hs.vsepc = csr_read(CSR_VSEPC);
	v->hs.vscause = csr_read(CSR_VSCAUSE);
	v->hs.vstval = csr_read(CSR_VSTVAL);
	v->hs.vsatp = csr_read(CSR_VSATP);
	v->hs.hvip = csr_read(CSR_HVIP);
	if (platform.has_sstc)
		v->hs.vstimecmp = csr_read(CSR_VSTIMECMP);
}

/*
 * The TLB: VS-stage entries are tagged with the VMID (hgatp) and the
 * guest's ASID, so entries another vCPU of the same VM left on this hart
 * look like this vCPU's, yet were made from that vCPU's vsatp: a guest may
 * well give its harts different page tables under one ASID (each real hart
 * has its own TLB).  So when the hart last ran another vCPU, hfence.vvma
 * (which acts on the VMID in hgatp, hence after hgatp is this VM's) drops
 * the VM's VS-stage entries.  The G-stage is the VM's, shared by its vCPUs
 * and never changed, so within a VM it stays; another VM has another VMID,
 * and a new hgatp is followed by hfence.gvma (for harts with fewer VMID
 * bits than VMs: they may share tags).
 */
static void hext_vcpu_load(struct vcpu *v, bool other)
{
	csr_write(CSR_VSSTATUS, v->hs.vsstatus);
	csr_write(CSR_VSIE, v->hs.vsie);
	csr_write(CSR_VSTVEC, v->hs.vstvec);
	csr_write(CSR_VSSCRATCH, v->hs.vsscratch);
	csr_write(CSR_VSEPC, v->hs.vsepc);
	csr_write(CSR_VSCAUSE, v->hs.vscause);
	csr_write(CSR_VSTVAL, v->hs.vstval);
	csr_write(CSR_VSATP, v->hs.vsatp);
	csr_write(CSR_HVIP, v->hs.hvip);
	if (platform.has_sstc)
		csr_write(CSR_VSTIMECMP, v->hs.vstimecmp);
	if (csr_read(CSR_HGATP) != v->vm->hgatp) {
		csr_write(CSR_HGATP, v->vm->hgatp);
		hfence_gvma_all();
	}
	if (other)
		hfence_vvma_all();
}

/* ---- The guest's supervisor state -------------------------------------------------- */

/* The guest's trap CSRs are the real VS CSRs (vcpu_inject_trap). */
static void hext_trap_csrs_load(struct vcpu *v)
{
	v->csr.sstatus = csr_read(CSR_VSSTATUS);
	v->csr.stvec = csr_read(CSR_VSTVEC);
}

static void hext_trap_csrs_store(struct vcpu *v)
{
	csr_write(CSR_VSSTATUS, v->csr.sstatus);
	csr_write(CSR_VSEPC, v->csr.sepc);
	csr_write(CSR_VSCAUSE, v->csr.scause);
	csr_write(CSR_VSTVAL, v->csr.stval);
}

/* Start over: the live VS registers the hardware uses. */
static void hext_reset(struct vcpu *v)
{
	(void)v;
	csr_write(CSR_VSATP, 0);
	csr_clear(CSR_VSSTATUS, SSTATUS_SIE);
	hfence_vvma_all();
}

/* The guest's sfence.vma, for the hardware's VS-stage TLB of this VM
 * (hfence.vvma: the VMID is hgatp's), on this hart. */
static void hext_sfence_vma(struct vcpu *v, bool by_va, uint64_t va, bool by_asid, uint64_t asid)
{
	(void)v;
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
 * The last step before every entry (see vcpu_load_context).  The hardware
 * runs VS and VU:
 *   hstatus.SPV = 1        sret enters a virtual mode ...
 *   hstatus.SPVP, sstatus.SPP   ... VS if the guest is in S, else VU
 *   hstatus.VTW = 1        wfi exits (Umbra sleeps for the guest)
 *   hstatus.VTSR = VTVM = HU = 0, VGEIN = 0
 *   hgatp                  the VM's G-stage table (written only when it
 *                          differs: QEMU flushes its TLB on every write)
 */
static void hext_load_context(struct vcpu *v)
{
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
}

const struct vcpu_backend hext_backend = {
	.name            = "hext",
	.vm_init         = hext_vm_init,
	.hart_setup      = hext_hart_setup,
	.exit_begin      = hext_exit_begin,
	.exception       = hext_exception,
	.read_guest      = hext_read_guest,
	.mmio_insn       = hext_mmio_insn,
	.sip             = hext_sip,
	.sie             = hext_sie,
	.set_ssip        = hext_set_ssip,
	.sync_irq_lines  = hext_sync_irq_lines,
	.trap_csrs_load  = hext_trap_csrs_load,
	.trap_csrs_store = hext_trap_csrs_store,
	.reset           = hext_reset,
	.sfence_vma      = hext_sfence_vma,
	.hw_timer        = hext_hw_timer,
	.hw_timer_set    = hext_hw_timer_set,
	.hw_timer_get    = hext_hw_timer_get,
	.vcpu_put        = hext_vcpu_put,
	.vcpu_load       = hext_vcpu_load,
	.load_context    = hext_load_context,
};
