/*
 * decode.h - instruction decoder: turns one trapped instruction word into
 * the fields the hypervisor needs to emulate it.
 *
 * The decoder knows only the instructions Umbra emulates:
 *   - every SYSTEM-opcode instruction a guest can trap on (CSR accesses,
 *     ecall/ebreak/sret/mret/wfi, the TLB fences incl. Svinval and the H
 *     fences, the H-extension hypervisor loads/stores), and
 *   - the loads and stores (integer and FP, 32-bit and compressed) a guest
 *     uses to touch emulated MMIO, and
 *   - the A extension's atomics (lr, sc, the AMOs; Zacas's amocas.w/.d),
 *     which also touch memory: Umbra emulates none of them (an AMO to a
 *     device gets the access fault a bus error would give), but a caller
 *     can tell one from an instruction it does not know.
 * Anything else decodes as DECODE_OP_UNKNOWN and the caller falls back
 * (usually by injecting an illegal-instruction exception).
 *
 * decode_format() prints a decoded instruction as objdump does (for the
 * exit trace), decode_csr_name() names a CSR number.
 *
 * All of them are pure functions: no globals, no side effects, safe to
 * call from any context and from host unit tests.
 */
#ifndef UMBRA_DECODE_H
#define UMBRA_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One value per recognised instruction.  Keep in step with decode.c (and
 * disasm.c's op_syntax[]). */
enum decode_op {
	DECODE_OP_UNKNOWN = 0,
	/* Zicsr */
	DECODE_OP_CSRRW, DECODE_OP_CSRRS, DECODE_OP_CSRRC,
	DECODE_OP_CSRRWI, DECODE_OP_CSRRSI, DECODE_OP_CSRRCI,
	/* Trap entry/return and wait */
	DECODE_OP_ECALL, DECODE_OP_EBREAK, DECODE_OP_C_EBREAK,
	DECODE_OP_SRET, DECODE_OP_MRET, DECODE_OP_WFI,
	/* Address-translation fences (privileged, Svinval, H) */
	DECODE_OP_SFENCE_VMA, DECODE_OP_SINVAL_VMA,
	DECODE_OP_SFENCE_W_INVAL, DECODE_OP_SFENCE_INVAL_IR,
	DECODE_OP_HFENCE_VVMA, DECODE_OP_HFENCE_GVMA,
	DECODE_OP_HINVAL_VVMA, DECODE_OP_HINVAL_GVMA,
	/* H-extension virtual-machine loads and stores */
	DECODE_OP_HLV_B, DECODE_OP_HLV_BU, DECODE_OP_HLV_H, DECODE_OP_HLV_HU,
	DECODE_OP_HLV_W, DECODE_OP_HLV_WU, DECODE_OP_HLV_D,
	DECODE_OP_HLVX_HU, DECODE_OP_HLVX_WU,
	DECODE_OP_HSV_B, DECODE_OP_HSV_H, DECODE_OP_HSV_W, DECODE_OP_HSV_D,
	/* Loads (RV64I, F, D) */
	DECODE_OP_LB, DECODE_OP_LH, DECODE_OP_LW, DECODE_OP_LD,
	DECODE_OP_LBU, DECODE_OP_LHU, DECODE_OP_LWU,
	DECODE_OP_FLW, DECODE_OP_FLD,
	/* Stores (RV64I, F, D) */
	DECODE_OP_SB, DECODE_OP_SH, DECODE_OP_SW, DECODE_OP_SD,
	DECODE_OP_FSW, DECODE_OP_FSD,
	/* Compressed (RV64C) loads and stores */
	DECODE_OP_C_LW, DECODE_OP_C_LD, DECODE_OP_C_FLD,
	DECODE_OP_C_SW, DECODE_OP_C_SD, DECODE_OP_C_FSD,
	DECODE_OP_C_LWSP, DECODE_OP_C_LDSP, DECODE_OP_C_FLDSP,
	DECODE_OP_C_SWSP, DECODE_OP_C_SDSP, DECODE_OP_C_FSDSP,
	/* Atomics (A: Zalrsc, Zaamo; Zacas), 32- and 64-bit */
	DECODE_OP_LR_W, DECODE_OP_LR_D, DECODE_OP_SC_W, DECODE_OP_SC_D,
	DECODE_OP_AMOSWAP_W, DECODE_OP_AMOSWAP_D, DECODE_OP_AMOADD_W, DECODE_OP_AMOADD_D,
	DECODE_OP_AMOXOR_W, DECODE_OP_AMOXOR_D, DECODE_OP_AMOAND_W, DECODE_OP_AMOAND_D,
	DECODE_OP_AMOOR_W, DECODE_OP_AMOOR_D, DECODE_OP_AMOMIN_W, DECODE_OP_AMOMIN_D,
	DECODE_OP_AMOMAX_W, DECODE_OP_AMOMAX_D, DECODE_OP_AMOMINU_W, DECODE_OP_AMOMINU_D,
	DECODE_OP_AMOMAXU_W, DECODE_OP_AMOMAXU_D, DECODE_OP_AMOCAS_W, DECODE_OP_AMOCAS_D,
	DECODE_OP_COUNT
};

/* Coarse grouping of the ops, which is what most callers switch on. */
enum decode_class {
	DECODE_CLASS_NONE = 0,	/* DECODE_OP_UNKNOWN */
	DECODE_CLASS_CSR,	/* csrr{w,s,c}[i] */
	DECODE_CLASS_SYSTEM,	/* ecall, ebreak, c.ebreak, sret, mret, wfi */
	DECODE_CLASS_FENCE,	/* sfence.*, sinval.vma, hfence.*, hinval.* */
	DECODE_CLASS_HLS,	/* hlv.*, hlvx.*, hsv.* */
	DECODE_CLASS_LOAD,	/* integer and FP loads, incl. compressed */
	DECODE_CLASS_STORE,	/* integer and FP stores, incl. compressed */
	DECODE_CLASS_AMO,	/* lr, sc, amo* (never a plain load or store) */
};

/*
 * A decoded instruction.  Fields an instruction does not have are 0/false.
 * Register numbers are always full 5-bit numbers (a compressed rd' of 0
 * comes back as 8, the SP forms report rs1 = 2).
 */
struct decode_insn {
	enum decode_op op;
	enum decode_class cls;
	uint8_t len;	/* 2 (compressed) or 4; set even for UNKNOWN */
	uint8_t rd;	/* destination (CSR ops, loads, hlv/hlvx, AMOs) */
	uint8_t rs1;	/* source / base; for csr_imm ops the 5-bit uimm */
	uint8_t rs2;	/* stores/hsv/sc/amo*: data register; fences:
			 * asid/vmid reg; amocas: the value to store */
	uint16_t csr;	/* CSR number (CSR class only) */
	bool csr_imm;	/* csrr{w,s,c}i: rs1 is an immediate, not a register */
	int64_t imm;	/* loads/stores: byte offset, sign-extended and
			 * scaled; csr_imm ops: the uimm (== rs1) */
	uint8_t width;	/* access size in bytes (LOAD, STORE, HLS, AMO) */
	bool is_signed;	/* loads, lr, amo*: the value read from memory is
			 * sign-extended to 64 bits in rd */
	bool fp;	/* data register is f<rd>/f<rs2>, not x<rd>/x<rs2> */
	bool aq, rl;	/* AMO class: the acquire / release ordering bits */
};

/*
 * Decode one instruction.  If raw's low two bits are not 0b11 it is a
 * 16-bit compressed instruction and only raw & 0xffff is looked at.
 * Returns 0 on success; on an unrecognised instruction returns -1 with
 * out->op = DECODE_OP_UNKNOWN (out->len is still set).
 */
int decode_insn(uint32_t raw, struct decode_insn *out);

/* Lower-case mnemonic of op ("csrrw", "c.lwsp", ...; "unknown"). */
const char *decode_op_name(enum decode_op op);

/*
 * Text of a decoded instruction as GNU objdump -d -M no-aliases prints it
 * (with -M priv-spec=1.12 for CSR names), but with one space instead of
 * objdump's tab after the mnemonic: "csrrs a0,sstatus,zero",
 * "c.sdsp ra,8(sp)", "amoswap.w.aqrl a0,a1,(a2)", "sret".  in is what
 * decode_insn() made of raw; an unknown raw prints as ".word 0x%08x" (or
 * ".short 0x%04x" if it is a 16-bit one).  Like snprintf: writes at most
 * size bytes including the NUL, returns the length of the whole text (so
 * a return >= size means it was cut short).  64 bytes always suffice.
 * Lives in disasm.c, with the CSR names.
 */
int decode_format(const struct decode_insn *in, uint32_t raw, char *buf, size_t size);

/*
 * objdump's name of CSR number csr ("sstatus", "hgatp", "mhpmcounter3"),
 * or NULL if it has none: objdump then prints the number, "0x%x".
 */
const char *decode_csr_name(uint16_t csr);

#endif /* UMBRA_DECODE_H */
