/*
 * trap.c - the dispatcher: every trap a guest takes comes through
 * trap_handle(), which picks a handler from a table indexed by scause.
 *
 * The guest runs in real U-mode, so the real scause says nothing about the
 * guest's virtual privilege: an ecall is always "ecall from U-mode", every
 * privileged instruction is an "illegal instruction".  The handlers decide
 * with v->mode what the guest's own hardware would have done.
 */
#include "trap_internal.h"
#include <string.h>
#include "vm.h"
#include "hext.h"
#include "platform.h"
#include "hart.h"

typedef enum trap_outcome (*trap_handler)(struct vcpu *v);

/* Give the guest the exception it caused, unchanged: the real hart already
 * computed the cause and stval the virtual one would have. */
static enum trap_outcome handle_reflect(struct vcpu *v)
{
	vcpu_inject_trap(v, v->tf.cause, v->tf.tval);
	return TRAP_RESUME;
}

/*
 * Read guest memory at a guest virtual address, translated by the guest's
 * own tables with the permissions of its current mode (so it can fail
 * only where the guest itself would fault).  A failure leaves in
 * v->mem_fault the exception the guest's hart would have raised: a page
 * fault from its tables, or the access fault of an address that is not
 * its RAM.
 */
int vcpu_read_guest(struct vcpu *v, uint64_t va, void *buf, size_t len, enum spt_access acc)
{
	uint8_t *dst = buf;
	if (v->vm->hext)
		return hext_read_guest(v, va, buf, len, acc);
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

/* Read the instruction at the guest's pc: 16 bits, and 16 more unless it
 * is a compressed one. */
int vcpu_fetch_insn(struct vcpu *v, uint32_t *raw)
{
	uint16_t lo, hi;
	if (vcpu_read_guest(v, v->tf.pc, &lo, 2, SPT_FETCH))
		return ERR_FAULT;
	*raw = lo;
	if ((lo & 3) == 3) {
		if (vcpu_read_guest(v, v->tf.pc + 2, &hi, 2, SPT_FETCH))
			return ERR_FAULT;
		*raw |= (uint32_t)hi << 16;
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
	v->insn_len = 4;
	return sbi_handle(v);
}

/* Does the load or store 'in' begin at the faulting address (and not in the
 * page before it, if misaligned)? */
static bool access_at_tval(struct vcpu *v, const struct decode_insn *in)
{
	return v->tf.x[in->rs1] + (uint64_t)in->imm == v->tf.tval;
}

/*
 * The load or store that touched a device.  On the H backend the hardware
 * may hand it over in htinst, transformed (bit 0 set; bit 1 clear when the
 * original was a 16-bit instruction); else it is read from guest memory.
 */
static int mmio_insn(struct vcpu *v, uint32_t *raw, struct decode_insn *in)
{
	if (v->vm->hext) {
		uint64_t tinst = csr_read(CSR_HTINST);
		if (tinst & 1) {
			*raw = (uint32_t)tinst | 2;
			if (decode_insn(*raw, in) < 0)
				return ERR_INVAL;
			in->len = tinst & 2 ? 4 : 2;
			/* rs1 of a transformed access: how far into it the
			 * faulting address lies. */
			return in->rs1 ? ERR_RANGE : 0;
		}
	}
	if (vcpu_fetch_insn(v, raw) || decode_insn(*raw, in) < 0)
		return ERR_INVAL;
	/* A misaligned access that began in the page before (RAM) and faulted
	 * on the device's page: the spec lets such an access raise an access
	 * fault, which is what it gets. */
	if ((in->cls == DECODE_CLASS_LOAD || in->cls == DECODE_CLASS_STORE) &&
	    !access_at_tval(v, in))
		return ERR_RANGE;
	return 0;
}

/* Write what a load read to its destination register, sign- or
 * zero-extended from its width as the load says. */
static void load_result(struct vcpu *v, const struct decode_insn *in, uint64_t val)
{
	if (in->width < 8) {
		unsigned shift = 64 - 8 * in->width;
		val = in->is_signed ? (uint64_t)((int64_t)(val << shift) >> shift)
				    : (val << shift) >> shift;
	}
	if (in->rd)
		v->tf.x[in->rd] = val;
}

/*
 * A load or store to a device.  The guest's view never maps device
 * ranges, so the instruction faulted; Umbra decodes it, makes the access
 * on the device model and writes a load's result to its register (0; the
 * dispatcher then moves past the instruction).
 * What cannot be a device access (a fetch, an AMO, an FP register, an
 * access crossing the device's end, an access the device refuses) gets the
 * access fault a bus error would give.
 */
int vcpu_emulate_mmio(struct vcpu *v, uint64_t gpa, enum spt_access acc)
{
	struct vdev *d = vdev_find(v->vm, gpa);
	struct decode_insn in;
	uint32_t raw;
	uint64_t val = 0;

	if (!d || acc == SPT_FETCH || mmio_insn(v, &raw, &in) ||
	    (in.cls != DECODE_CLASS_LOAD && in.cls != DECODE_CLASS_STORE) || in.fp ||
	    (in.cls == DECODE_CLASS_STORE) != (acc == SPT_STORE) ||
	    gpa - d->base + in.width > d->size)
		return -1;
	v->stats.insn[in.op]++;
	if (in.cls == DECODE_CLASS_STORE) {
		val = v->tf.x[in.rs2];
		if (in.width < 8)
			val &= (1UL << (8 * in.width)) - 1;
		if (d->access(d, gpa - d->base, in.width, true, &val))
			return -1;
	} else {
		if (d->access(d, gpa - d->base, in.width, false, &val))
			return -1;
		load_result(v, &in, val);
	}
	v->insn_len = in.len;
	return 0;
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
	    in.cls == DECODE_CLASS_LOAD && !in.fp && access_at_tval(v, &in) &&
	    (gpa & (PAGE_SIZE - 1)) + in.width <= PAGE_SIZE) {
		memcpy(&val, vm_gpa_to_hva(v->vm, gpa, in.width), in.width);
		patch_overlay(v->vm, gpa, &val, in.width);
		load_result(v, &in, val);
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

	switch (spt_fault(v->vm, v->shadow, v->tf.tval, acc, v->mode, v->csr.sstatus, &w)) {
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
	if (e->pc != v->tf.pc || e->host_satp != v->host_satp || e->gen != v->vm->spt.gen) {
		uint64_t gpa = spt_shadow_gpa(v->vm, v->shadow, v->tf.pc);
		const struct patch_site *site = gpa ? patch_find(v->vm, gpa) : NULL;
		*e = (typeof(*e)){ v->tf.pc, v->host_satp, v->vm->spt.gen, site };
	}
	return e->site;
}

/* Run the original instruction of a patched site, in virtual S-mode. */
static enum trap_outcome emulate_site(struct vcpu *v, const struct patch_site *site)
{
	v->insn_raw = site->insn;
	v->insn_len = site->in.len;
	v->stats.patched++;
	/* A CSR access leaves the hart fetching from the same place (satp
	 * aside): the next site, if there is one, may run in this exit. */
	v->chainable = site->next_live && site->in.cls == DECODE_CLASS_CSR &&
		       site->in.csr != CSR_SATP;
	/* (The handlers read what they need of 'in' before anything they do
	 * can release the site: a satp write entering the Bare view.) */
	return insn_emulate(v, &site->in);
}

/*
 * After an emulated site, the site right after it, if it may run without
 * the guest running in between (trap_handle): Linux saves five CSRs in a
 * row on every trap and restores two in a row.  The next instruction must
 * be a live site in the same page (so the same mapping fetches it), the
 * last one a CSR access that did not switch address space, and no
 * interrupt may have become ready (the hart would take it first).
 */
static const struct patch_site *site_next(struct vcpu *v, uint64_t last_pc)
{
	if (!v->chainable)
		return NULL;
	v->chainable = false;
	if ((v->tf.pc ^ last_pc) >> PAGE_SHIFT)
		return NULL;
	const struct patch_site *site = site_at_pc(v);
	return site && !vcpu_interrupts_ready(v) ? site : NULL;
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

static const trap_handler exception_handlers[CAUSE_EXCEPTION_COUNT] = {
	[CAUSE_BREAKPOINT]          = handle_breakpoint,
	[CAUSE_ILLEGAL_INSTRUCTION] = handle_illegal,
	[CAUSE_USER_ECALL]          = handle_ecall,
	[CAUSE_FETCH_PAGE_FAULT]    = handle_page_fault,
	[CAUSE_LOAD_PAGE_FAULT]     = handle_page_fault,
	[CAUSE_STORE_PAGE_FAULT]    = handle_page_fault,
	/* everything else (misaligned, access faults): reflect */
};

/* The real timer fired: it was armed for this vCPU's deadline.  A good
 * moment to look for console input too. */
static enum trap_outcome handle_timer(struct vcpu *v)
{
	/* The real timer fired, so whatever it was armed for is past: forget
	 * the cached deadline, so that vcpu_poll_timer programs it again even
	 * when the new one equals the old (else a STIP left pending by a race
	 * in the machine would interrupt Umbra forever). */
	v->hart->timer_armed = 0;
	vcpu_poll_timer(v);
	vdev_board_poll(v->vm);
	return TRAP_RESUME;
}

/* A real software interrupt: no one sends Umbra IPIs yet; clear it. */
static enum trap_outcome handle_soft(struct vcpu *v)
{
	(void)v;
	csr_clear(sip, SIP_SSIP);
	return TRAP_RESUME;
}

/* An interrupt Umbra has no use for: mask it so it cannot storm. */
static enum trap_outcome handle_unknown_irq(struct vcpu *v)
{
	uint64_t irq = v->tf.cause & ~CAUSE_INTERRUPT;
	if (irq < 64)
		csr_clear(sie, BIT(irq));
	return TRAP_RESUME;
}

static const trap_handler interrupt_handlers[16] = {
	[IRQ_S_SOFT]  = handle_soft,
	[IRQ_S_TIMER] = handle_timer,
};

struct trap_frame *trap_handle(struct trap_frame *tf)
{
	struct vcpu *v = tf_vcpu(tf);
	uint64_t cause = tf->cause;
	trap_handler h;

	v->stats.exits++;
	/* On the H backend the hardware switches between VS and VU itself:
	 * the mode the guest was in is hstatus.SPVP (for interrupts too). */
	if (v->vm->hext)
		v->mode = csr_read(CSR_HSTATUS) & HSTATUS_SPVP ? PRV_S : PRV_U;
	if (cause & CAUSE_INTERRUPT) {
		uint64_t irq = cause & ~CAUSE_INTERRUPT;
		h = irq < ARRAY_SIZE(interrupt_handlers) ? interrupt_handlers[irq] : NULL;
		if (irq < ARRAY_SIZE(v->stats.interrupt))
			v->stats.interrupt[irq]++;
		if (!h)
			h = handle_unknown_irq;
	} else {
		/* The H backend has its own exits; this table is trap-and-emulate's. */
		h = v->vm->hext ? hext_handle_exit
		  : cause < ARRAY_SIZE(exception_handlers) ? exception_handlers[cause] : NULL;
		if (cause < ARRAY_SIZE(v->stats.exception))
			v->stats.exception[cause]++;
		if (!h)
			h = handle_reflect;
	}

	v->chainable = false;
	enum trap_outcome out = h(v);
	for (;;) {
		uint64_t pc = tf->pc;
		switch (out) {
		case TRAP_NEXT:
			tf->pc += v->insn_len;
			break;
		case TRAP_RESUME:
			break;
		case TRAP_STOP:
			/* One vCPU per VM: when it stops, nothing is left to run. */
			vm_exit(v->vm, SBI_SRST_REASON_NONE);
		}
		/* A run of patched sites goes in one exit (see site_next). */
		const struct patch_site *next = out == TRAP_NEXT ? site_next(v, pc) : NULL;
		if (!next)
			break;
		v->stats.chained++;
		out = emulate_site(v, next);
	}
	vcpu_deliver_interrupts(v);
	vcpu_load_context(v);
	return tf;
}
