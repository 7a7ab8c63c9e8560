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

bool hext_probe(void)
{
	uint64_t v = 0;
	bool ok = HART_PROBE(v = csr_read(CSR_HGATP));
	(void)v;
	return ok;
}

int hext_vm_init(struct vm *vm)
{
	const struct pt_format *fmt = platform.guest_satp_mode == SATP_MODE_SV48 ? &pt_sv48x4
										    : &pt_sv39x4;
	/* The root table of an x4 format is 16 KiB, 16 KiB aligned. */
	uint64_t *root = mm_alloc_contig(4 * PAGE_SIZE, 4 * PAGE_SIZE);
	if (!root)
		return ERR_NOMEM;
	/* G-stage leaves must have U set: every guest access counts as U here. */
	int err = pt_map(fmt, root, vm->ram_gpa, mm_va_to_pa(vm->ram), vm->ram_size,
			 PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D);
	if (err)
		return err;
	vm->hgatp = pt_satp(fmt, root, vm->id + 1);	/* the VMID is id + 1 */
	return 0;
}

void hext_vcpu_run(struct vcpu *v)
{
	vcpu_attach(v);

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

	/* The guest's supervisor state as OpenSBI would have handed it over. */
	csr_write(CSR_VSSTATUS, boot_csrs.sstatus & ~(SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP));
	csr_write(CSR_VSIE, 0);
	csr_write(CSR_VSTVEC, v->csr.stvec);
	csr_write(CSR_VSSCRATCH, 0);
	csr_write(CSR_VSEPC, 0);
	csr_write(CSR_VSCAUSE, 0);
	csr_write(CSR_VSTVAL, 0);
	csr_write(CSR_VSATP, 0);
	hfence_vvma_all();

	/* sret enters VS-mode (hstatus.SPV = 1, sstatus.SPP = S; wfi exits):
	 * vcpu_load_context sets that up, as before every entry. */
	v->mode = PRV_S;
	csr_clear(sstatus, SSTATUS_SIE);
	vcpu_poll_timer(v);
	vcpu_load_context(v);
	trap_return(&v->tf);
}

/* ---- Exits ------------------------------------------------------------------- */

/* An ecall from VS-mode: the guest kernel calls its SBI. */
static enum trap_outcome exit_ecall(struct vcpu *v)
{
	v->insn_len = 4;
	return sbi_handle(v);
}

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

	if (!fault_in_guest_walk(v, gpa, acc) && vcpu_emulate_mmio(v, gpa, acc) == 0)
		return TRAP_NEXT;
	vcpu_inject_trap(v, access_fault(acc), v->tf.tval);
	return TRAP_RESUME;
}

/* Everything else: give it to the guest as it came. */
static enum trap_outcome exit_reflect(struct vcpu *v)
{
	vcpu_inject_trap(v, v->tf.cause, v->tf.tval);
	return TRAP_RESUME;
}

typedef enum trap_outcome (*exit_handler)(struct vcpu *v);

static const exit_handler hext_exits[CAUSE_EXCEPTION_COUNT] = {
	[CAUSE_VIRTUAL_SUPERVISOR_ECALL] = exit_ecall,
	[CAUSE_FETCH_GUEST_PAGE_FAULT]   = exit_guest_page_fault,
	[CAUSE_LOAD_GUEST_PAGE_FAULT]    = exit_guest_page_fault,
	[CAUSE_STORE_GUEST_PAGE_FAULT]   = exit_guest_page_fault,
	[CAUSE_VIRTUAL_INSTRUCTION]      = exit_virtual_instruction,
};

enum trap_outcome hext_handle_exit(struct vcpu *v)
{
	uint64_t cause = v->tf.cause;

	/* (trap_handle has set v->mode from hstatus.SPVP.) */
	if (cause < ARRAY_SIZE(hext_exits) && hext_exits[cause])
		return hext_exits[cause](v);
	return exit_reflect(v);
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

int hext_read_guest(struct vcpu *v, uint64_t va, void *buf, size_t len, enum spt_access acc)
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
