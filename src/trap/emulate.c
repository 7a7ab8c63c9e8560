/*
 * emulate.c - the trap-and-emulate backend: the guest kernel runs in real
 * U-mode on shadow page tables (src/shadowpt), and every privileged thing
 * it does traps to Umbra, which emulates it on the vCPU.
 *
 * The real scause says nothing about the guest's virtual privilege: an
 * ecall is always "ecall from U-mode", every privileged instruction is an
 * "illegal instruction".  The handlers decide with v->mode what the
 * guest's own hardware would have done.  Trap-and-patch (src/patch) turns
 * hot privileged instructions into breakpoints, which come here too.
 */
#include "trap_internal.h"
#include <string.h>
#include "vm.h"
#include "platform.h"
#include "hart.h"
#include "mm.h"

/* vcpu_read_guest: through the guest's own tables (walked by Umbra), or
 * none while its satp is Bare. */
static int shadow_read_guest(struct vcpu *v, uint64_t va, void *buf, size_t len, enum spt_access acc)
{
	uint8_t *dst = buf;
	while (len) {
		uint64_t gpa = va;
		size_t chunk = MIN(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		v->mem_fault.tval = va;
		if (v->shadow) {
			struct spt_walk w;
			if (spt_translate(v->vm, v->csr.satp, va, acc, v->mode, v->csr.sstatus,
					  true, &w) < 0) {
				v->mem_fault.cause = w.cause;
				return ERR_FAULT;
			}
			gpa = w.gpa;
		}
		const uint8_t *src = vm_gpa_to_hva(v->vm, gpa, chunk);
		if (!src) {
			v->mem_fault.cause = access_fault(acc);
			return ERR_FAULT;
		}
		memcpy(dst, src, chunk);
		patch_overlay(v->vm, gpa, dst, chunk);	/* never show a patch */
		dst += chunk, va += chunk, len -= chunk;
	}
	return 0;
}


/*
 * Illegal instruction: in virtual U-mode the guest's own hardware would
 * have trapped too (the real hart enforces exactly U-mode's rules), so the
 * trap goes to the guest.  In virtual S-mode it is a privileged instruction
 * to emulate.  Which instruction it was is read from guest memory, never
 * taken from stval: the spec lets a hart write 0 there, and QEMU leaves a
 * stale value for some instructions (7.2: hypervisor loads and stores; 10.0:
 * mret, whose stval may hold the bits of the guest's previous CSR access or
 * of Umbra's own sret), which Umbra would otherwise emulate instead.
 */
static enum trap_outcome handle_illegal(struct vcpu *v)
{
	struct decode_insn in;
	uint32_t raw;

	if (vcpu_fetch_insn(v, &raw))
		raw = 0;
	v->insn_raw = (raw & 3) == 3 ? raw : (raw & 0xffff);
	if (trace_on(v))
		trace_note_insn(v, v->insn_raw);
	if (v->mode == PRV_U || decode_insn(v->insn_raw, &in) < 0) {
		vcpu_inject_trap(v, CAUSE_ILLEGAL_INSTRUCTION, v->insn_raw);
		return TRAP_RESUME;
	}
	v->insn_len = in.len;
	/*
	 * A privileged instruction of the guest kernel with paging on is a
	 * candidate for trap-and-patch (src/patch) if it traps whatever the
	 * guest's state: an access to one of its S-mode CSRs, sret, wfi,
	 * sfence.vma.  Not an instruction that traps only now: an FP load or
	 * an fcsr access with sstatus.FS = Off runs on the hart once FS is on.
	 */
	if (v->vm->patch.enabled && v->shadow &&
	    (in.cls == DECODE_CLASS_CSR ? vcsr_is_virtual(in.csr)
	     : in.op == DECODE_OP_SRET || in.op == DECODE_OP_WFI || in.op == DECODE_OP_SFENCE_VMA))
		patch_note(v->vm, spt_shadow_gpa(v->vm, v->shadow, v->tf.pc), v->insn_raw, &in);
	return insn_emulate(v, &in);
}

/* ecall: a system call of the guest's user space, or the guest kernel
 * calling its SBI. */
static enum trap_outcome handle_ecall(struct vcpu *v)
{
	if (v->mode == PRV_U) {
		vcpu_inject_trap(v, CAUSE_USER_ECALL, 0);
		return TRAP_RESUME;
	}
	return trap_sbi(v);
}

/*
 * The guest may access the page at 'gpa', but the shadows map it
 * execute-only because it holds patched sites (src/patch).  An integer load
 * within the page is served here, with the original bytes; anything else (a
 * store, an AMO, an FP or page-crossing load) first gives the page its
 * original bytes back and is then retried, to run on the real hart.
 */
static enum trap_outcome handle_xonly(struct vcpu *v, uint64_t gpa, enum spt_access acc)
{
	struct decode_insn in;
	uint32_t raw;
	uint64_t val = 0;

	if (acc == SPT_LOAD && !vcpu_fetch_insn(v, &raw) && !decode_insn(raw, &in) &&
	    in.cls == DECODE_CLASS_LOAD && !in.fp && trap_access_at_tval(v, &in) &&
	    (gpa & (PAGE_SIZE - 1)) + in.width <= PAGE_SIZE) {
		memcpy(&val, vm_gpa_to_hva(v->vm, gpa, in.width), in.width);
		patch_overlay(v->vm, gpa, &val, in.width);
		trap_load_result(v, &in, val);
		v->insn_len = in.len;
		v->vm->patch.stats.loads++;
		return TRAP_NEXT;
	}
	patch_release_page(v->vm, gpa);
	return TRAP_RESUME;
}

/*
 * A real page fault: the real MMU found nothing in the guest's view.  With
 * paging on, the shadow may just not have the translation yet (spt_fault
 * fills it and the instruction is retried), or the guest's own tables
 * forbid the access (the guest gets that page fault).  An address that
 * translates to no guest RAM (always the case for a fault in the Bare
 * view, which maps all of it) is a device, or no memory: an access fault.
 */
static enum trap_outcome handle_page_fault(struct vcpu *v)
{
	enum spt_access acc = fault_access(v->tf.cause);
	struct spt_walk w;

	int res = spt_fault(&v->spt, v->shadow, v->tf.tval, acc, v->mode,
			 v->csr.sstatus, &w);
	if (trace_on(v))
		trace_note_pf(v, v->tf.tval, acc, res == SPT_FILLED ? (w.ad_updated ? "fill a/d" : "fill")
				 : res == SPT_GUEST_FAULT ? "guest-fault" : res == SPT_XONLY ? "xonly"
				 : res == SPT_NOT_RAM ? "not-ram" : "fatal");
	switch (res) {
	case SPT_FILLED:
		return TRAP_RESUME;
	case SPT_GUEST_FAULT:
		vcpu_inject_trap(v, w.cause, v->tf.tval);
		return TRAP_RESUME;
	case SPT_XONLY:
		return handle_xonly(v, w.gpa, acc);
	case SPT_IN_WINDOW:
		pr_err("the guest mapped virtual address 0x%lx, in the top 1 GiB that Umbra reserves\n",
		       v->tf.tval);
		vm_exit(v->vm, SBI_SRST_REASON_SYSFAIL);
	case SPT_NO_MEMORY:
		pr_err("no host memory left for the guest's shadow page tables\n");
		vm_exit(v->vm, SBI_SRST_REASON_SYSFAIL);
	default: { /* SPT_NOT_RAM: a device, or nothing */
		if (vcpu_emulate_mmio(v, w.gpa, acc) == 0)
			return TRAP_NEXT;
		vcpu_inject_trap(v, access_fault(acc), v->tf.tval);
		return TRAP_RESUME;
	}
	}
}

/*
 * The live patched site (src/patch) at the guest's pc, or NULL: pc ->
 * guest-physical through the shadow the hart fetched it through -> the
 * table.  The answer is cached by pc until a shadow or the table changes.
 */
static const struct patch_site *site_at_pc(struct vcpu *v)
{
	if (!v->shadow || !v->vm->patch.live)
		return NULL;
	typeof(v->site_cache[0]) *e = &v->site_cache[(v->tf.pc >> 1) % ARRAY_SIZE(v->site_cache)];
	if (e->pc != v->tf.pc || e->host_satp != v->host_satp || e->gen != v->spt.gen) {
		uint64_t gpa = spt_shadow_gpa(v->vm, v->shadow, v->tf.pc);
		const struct patch_site *site = gpa ? patch_find(v->vm, gpa) : NULL;
		*e = (typeof(*e)){ v->tf.pc, v->host_satp, v->spt.gen, site };
	}
	return e->site;
}

/* Run the original instruction of a patched site, in virtual S-mode. */
static enum trap_outcome emulate_site(struct vcpu *v, const struct patch_site *site)
{
	v->insn_raw = site->insn;
	v->insn_len = site->in.len;
	v->stats.patched++;
	if (trace_on(v))
		trace_note_insn(v, site->insn);
	/* A CSR access leaves the hart fetching from the same place (satp
	 * aside): the next site, if there is one, may run in this exit. */
	v->chainable = site->next_live && site->in.cls == DECODE_CLASS_CSR &&
		       site->in.csr != CSR_SATP;
	/* (The handlers read what they need of 'in' before anything they do
	 * can release the site: a satp write entering the Bare view.) */
	return insn_emulate(v, &site->in);
}

/*
 * After an emulated site, run the site right after it if it may run without
 * the guest running in between (the dispatcher asks, see vcpu_backend.chain): Linux saves five CSRs in a
 * row on every trap and restores two in a row.  The next instruction must
 * be a live site in the same page (so the same mapping fetches it), the
 * last one a CSR access that did not switch address space, and no
 * interrupt may have become ready (the hart would take it first).
 */
static bool shadow_chain(struct vcpu *v, uint64_t last_pc, enum trap_outcome *out)
{
	if (!v->chainable)
		return false;
	v->chainable = false;
	if ((v->tf.pc ^ last_pc) >> PAGE_SHIFT)
		return false;
	const struct patch_site *site = site_at_pc(v);
	if (!site || vcpu_interrupts_ready(v))
		return false;
	v->stats.chained++;
	*out = emulate_site(v, site);
	return true;
}

/*
 * A breakpoint at a patched site is the guest kernel's privileged
 * instruction: emulate the original.  In virtual U-mode (a user alias of
 * the kernel's page) the real hart must run the original instead: the page
 * gets its bytes back, and the instruction is retried.
 *
 * Any other breakpoint (ebreak, c.ebreak) is the guest's own: it gets it
 * with stval 0 or the ebreak's address, as the hart chose.  The hart's own
 * value is not passed on: QEMU 10 builds the pc into code it shares between
 * virtual aliases of one physical page, and both virtual modes run in real
 * U-mode here, so its stval may name another alias.
 */
static enum trap_outcome handle_breakpoint(struct vcpu *v)
{
	const struct patch_site *site = site_at_pc(v);

	if (site && v->mode == PRV_U) {
		patch_release_page(v->vm, site->gpa);
		return TRAP_RESUME;
	}
	if (site)
		return emulate_site(v, site);
	vcpu_inject_trap(v, CAUSE_BREAKPOINT, v->tf.tval ? v->tf.pc : 0);
	return TRAP_RESUME;
}

static const trap_handler shadow_exits[CAUSE_EXCEPTION_COUNT] = {
	[CAUSE_BREAKPOINT]          = handle_breakpoint,
	[CAUSE_ILLEGAL_INSTRUCTION] = handle_illegal,
	[CAUSE_USER_ECALL]          = handle_ecall,
	[CAUSE_FETCH_PAGE_FAULT]    = handle_page_fault,
	[CAUSE_LOAD_PAGE_FAULT]     = handle_page_fault,
	[CAUSE_STORE_PAGE_FAULT]    = handle_page_fault,
	/* everything else (misaligned, access faults): reflect */
};

static enum trap_outcome shadow_exception(struct vcpu *v)
{
	return trap_by_cause(shadow_exits, v);
}

/* ---- Interrupts -------------------------------------------------------------- */

/* sip as the guest sees it: SSIP as software wrote it, STIP and SEIP as the
 * timer and devices drive them, masked to what the machine delegates. */
static uint64_t shadow_sip(struct vcpu *v)
{
	return ((v->csr.sip & SIP_SSIP) | __atomic_load_n(&v->irq_lines, __ATOMIC_RELAXED)) &
	       platform.sie_mask;
}

static uint64_t shadow_sie(struct vcpu *v)
{
	return v->csr.sie;
}

static void shadow_set_ssip(struct vcpu *v, bool level)
{
	v->csr.sip = level ? v->csr.sip | SIP_SSIP : v->csr.sip & ~SIP_SSIP;
}

/*
 * The interrupt the virtual hart would take now.  An S-level interrupt is
 * taken when it is pending in sip and enabled in sie, and either the hart
 * runs below S (U-mode: always enabled) or sstatus.SIE is set.
 */
static uint64_t shadow_interrupts_ready(struct vcpu *v)
{
	if (v->mode == PRV_S && !(v->csr.sstatus & SSTATUS_SIE))
		return 0;
	return shadow_sip(v) & v->csr.sie;
}

/* ---- Translation ----------------------------------------------------------------- */

/* Start over with satp = 0 and SIE = 0; the hart's "TLB" (this vCPU's
 * shadows) starts empty, as a hart's does after reset. */
static void shadow_reset(struct vcpu *v)
{
	v->csr.satp = 0;
	v->csr.sstatus &= ~SSTATUS_SIE;
	spt_flush_all(&v->spt);
}

/* sfence.vma: the vCPU's shadows drop what the fence names (see shadow.c). */
static void shadow_sfence_vma(struct vcpu *v, bool by_va, uint64_t va, bool by_asid, uint64_t asid)
{
	spt_sfence(&v->spt, by_va, va, by_asid, asid);
}

/*
 * The last step before every entry into the guest (see vcpu_load_context):
 * both virtual modes run in real U-mode, so
 *   sstatus.SPP = 0        sret enters U-mode
 *   sstatus.SUM = MXR = 0  the views decide what U-mode may touch
 *   satp                   the guest's view: its shadow or the Bare view
 * Reading a CSR is cheap; writing satp makes QEMU flush its TLB, so it is
 * written only when it differs.
 */
static void shadow_load_context(struct vcpu *v)
{
	csr_clear(sstatus, SSTATUS_SPP | SSTATUS_SUM | SSTATUS_MXR);
	if (csr_read(satp) != v->host_satp)
		csr_write(satp, v->host_satp);
}

/*
 * Another vCPU ran on this hart (core/sched.c).  Each vCPU's shadows have
 * host ASIDs of their own, so its TLB entries are its own; a hart without
 * enough ASID bits tags them all 0, and another vCPU's are in the way.
 * (The Bare view, ASID 0 too, is the VM's, shared by its vCPUs.)
 */
static void shadow_vcpu_load(struct vcpu *v, bool other)
{
	if (other && !v->spt.host_asids)
		sfence_vma_all();
}

/* ---- Set-up and statistics ---------------------------------------------------------- */

/*
 * The Bare view, shared by the VM's vCPUs (it never changes), and the
 * patch table.  Trap-and-patch runs only in a VM with one vCPU: patching
 * rewrites guest code and every vCPU's shadows at once (see patch.h).
 */
static int shadow_vm_init(struct vm *vm, bool patch)
{
	vm->bare_root = spt_bare_view_create(vm);
	if (!vm->bare_root || patch_init(vm, patch && platform.has_c && vm->nvcpus == 1))
		return ERR_NOMEM;
	return 0;
}

/* Each vCPU its own shadow cache, its share of the VM's quota of table
 * pages, and host ASIDs no other vCPU of any VM uses. */
static int shadow_vcpu_init(struct vcpu *v)
{
	unsigned asid_base = 1 + (v->vm->id * VM_MAX_VCPUS + v->id) * SPT_SLOTS;
	return spt_init(&v->spt, v->vm, SPT_MAX_PAGES / v->vm->nvcpus, asid_base);
}

static void shadow_print_stats(struct vcpu *v)
{
	spt_print_stats(&v->spt);
	if (v->id == 0)
		patch_print_stats(v->vm);
}

const struct vcpu_backend vcpu_backend_shadow = {
	.name             = "shadow",
	.vm_init          = shadow_vm_init,
	.vcpu_init        = shadow_vcpu_init,
	.exception        = shadow_exception,
	.chain            = shadow_chain,
	.read_guest       = shadow_read_guest,
	.sip              = shadow_sip,
	.sie              = shadow_sie,
	.set_ssip         = shadow_set_ssip,
	.interrupts_ready = shadow_interrupts_ready,
	.mode_changed     = vcsr_mode_changed,
	.reset            = shadow_reset,
	.sfence_vma       = shadow_sfence_vma,
	.load_context     = shadow_load_context,
	.vcpu_load        = shadow_vcpu_load,
	.print_stats      = shadow_print_stats,
};
