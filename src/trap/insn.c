/*
 * insn.c - the privileged instructions a guest kernel executes in (virtual)
 * S-mode.  They all trap, because the guest really runs in U-mode; this
 * table says which ones S-mode may execute and how.  Anything not in it
 * (mret, hypervisor instructions, instructions of extensions the guest was
 * not given) raises the illegal-instruction exception, as the hardware would.
 */
#include "trap_internal.h"

typedef enum trap_outcome (*insn_handler)(struct vcpu *v, const struct decode_insn *in);

/*
 * sret (privileged spec, "Trap-Return Instructions"):
 * pc = sepc; privilege = SPP; SIE = SPIE; SPIE = 1; SPP = U.
 */
static enum trap_outcome emulate_sret(struct vcpu *v, const struct decode_insn *in)
{
	uint64_t s = v->csr.sstatus;
	unsigned to = s & SSTATUS_SPP ? PRV_S : PRV_U;

	(void)in;
	s = s & SSTATUS_SPIE ? s | SSTATUS_SIE : s & ~SSTATUS_SIE;
	s |= SSTATUS_SPIE;
	s &= ~SSTATUS_SPP;
	v->csr.sstatus = s;
	v->tf.pc = v->csr.sepc;
	vcpu_set_mode(v, to);
	return TRAP_RESUME;
}

/* wfi: the hart sleeps until an interrupt is pending, then goes on with the
 * next instruction (where the interrupt, if enabled, is taken). */
static enum trap_outcome emulate_wfi(struct vcpu *v, const struct decode_insn *in)
{
	(void)in;
	vcpu_wait_for_interrupt(v);
	return TRAP_NEXT;
}

/*
 * sfence.vma orders the guest's page-table writes before its later
 * translations: the shadows drop what the fence names (rs1 = an address or
 * x0 for all, rs2 = an ASID or x0 for all); see shadow.c for exactly what.
 */
static enum trap_outcome emulate_sfence_vma(struct vcpu *v, const struct decode_insn *in)
{
	vcpu_sfence_vma(v, in->rs1 != 0, v->tf.x[in->rs1], in->rs2 != 0, v->tf.x[in->rs2]);
	return TRAP_NEXT;
}

static const insn_handler insn_handlers[DECODE_OP_COUNT] = {
	[DECODE_OP_CSRRW]      = vcsr_emulate,
	[DECODE_OP_CSRRS]      = vcsr_emulate,
	[DECODE_OP_CSRRC]      = vcsr_emulate,
	[DECODE_OP_CSRRWI]     = vcsr_emulate,
	[DECODE_OP_CSRRSI]     = vcsr_emulate,
	[DECODE_OP_CSRRCI]     = vcsr_emulate,
	[DECODE_OP_SRET]       = emulate_sret,
	[DECODE_OP_WFI]        = emulate_wfi,
	[DECODE_OP_SFENCE_VMA] = emulate_sfence_vma,
};

enum trap_outcome insn_emulate(struct vcpu *v, const struct decode_insn *in)
{
	v->stats.insn[in->op]++;
	if (insn_handlers[in->op])
		return insn_handlers[in->op](v, in);
	vcpu_inject_trap(v, CAUSE_ILLEGAL_INSTRUCTION, v->insn_raw);
	return TRAP_RESUME;
}
