/*
 * decode.c - table-driven decoder for the instructions Umbra emulates
 * (and the atomics, which it only recognises).
 *
 * How it works.  RISC-V instructions are identified by fixed bit fields
 * (opcode, funct3, funct7, sometimes whole register fields).  So every
 * instruction is one row { mask, match }: the word is that instruction iff
 * (raw & mask) == match.  The row also says which op it is and which
 * *format* its operands use; a small helper per format pulls the operand
 * fields out.  decode_insn() is a single loop over the table; the first
 * matching row wins.  Per-op facts (mnemonic, class, access width,
 * signedness, FP-ness) live in a second table indexed by op.
 *
 * The 32-bit base formats (unprivileged spec, RV32I "Base Instruction
 * Formats"):
 *
 *    31      25 24  20 19  15 14  12 11       7 6      0
 *   |  funct7  |  rs2 |  rs1 |funct3|    rd     | opcode |  R-type
 *   |     imm[11:0]   |  rs1 |funct3|    rd     | opcode |  I-type
 *   | imm[11:5]|  rs2 |  rs1 |funct3| imm[4:0]  | opcode |  S-type
 *
 * and the A extension's R-type variant, where funct7 is funct5 and the
 * two ordering bits, a(q) at bit 26 and r(l) at bit 25:
 *
 *   |funct5|a|r|  rs2 |  rs1 |funct3|    rd     | opcode |  AMO
 *
 * Compressed instructions (16 bits) have bits [1:0] != 0b11, a 3-bit funct3
 * in [15:13] and the quadrant in [1:0].  Only what MMIO emulation needs is
 * listed; see the C* formats below.
 */
#include <stddef.h>

#include "decode.h"
#include "riscv.h"

/* ---- Helpers to spell encodings by field rather than as magic hex ----- */

#define OPC(x)   ((uint32_t)(x))		/* opcode, bits 6:0 */
#define F3(x)    ((uint32_t)(x) << 12)		/* funct3, bits 14:12 */
#define RS2(x)   ((uint32_t)(x) << 20)		/* rs2 field, bits 24:20 */
#define F7(x)    ((uint32_t)(x) << 25)		/* funct7, bits 31:25 */
#define F5(x)    ((uint32_t)(x) << 27)		/* AMO funct5, bits 31:27 */
#define F12(x)   ((uint32_t)(x) << 20)		/* I-imm / funct12, 31:20 */
#define SYS      OPC(INSN_OPCODE_SYSTEM)	/* 1110011 */
#define AMO      OPC(INSN_OPCODE_AMO)		/* 0101111 */

#define M_F3        0x0000707fu		/* + funct3 */
#define M_F7_F3_RD  0xfe007fffu		/* + funct7, rd (R-type, rd = 0) */
#define M_F7_RS2_F3 0xfff0707fu		/* + funct7, rs2 (rs2 selects op) */
#define M_F5_F3     0xf800707fu		/* + AMO funct5 (aq, rl free) */
#define M_F5_RS2_F3 0xf9f0707fu		/* + AMO funct5, rs2 (lr: rs2 = 0) */
#define M_ALL       0xffffffffu		/* every bit fixed */

#define C_OP(q)  ((uint32_t)(q))		/* quadrant, bits 1:0 */
#define C_F3(x)  ((uint32_t)(x) << 13)		/* funct3, bits 15:13 */
#define M_C_F3      0x0000e003u		/* funct3 + quadrant */
#define M_C_F3_RD   0x0000ef83u		/* + rd, bits 11:7 */
#define M_C_ALL     0x0000ffffu

/* ---- Operand formats ------------------------------------------------- */

enum format {
	FMT_NONE,	/* no operands: ecall, sret, sfence.w.inval, ... */
	FMT_RESERVED,	/* carve-out: matches, but is not a valid encoding */
	FMT_CSR,	/* I-type: rd, rs1, csr = imm[11:0] */
	FMT_CSRI,	/* I-type: rd, uimm[4:0] in rs1, csr */
	FMT_FENCE,	/* R-type with rd = 0: rs1 (vaddr), rs2 (asid/vmid) */
	FMT_HLV,	/* R-type: rd, rs1; rs2 field is part of the opcode */
	FMT_HSV,	/* R-type with rd = 0: rs1 (address), rs2 (data) */
	FMT_I,		/* I-type load: rd, imm(rs1) */
	FMT_S,		/* S-type store: rs2, imm(rs1) */
	FMT_CL_W,	/* c.lw:         rd', uimm[6:2](rs1') */
	FMT_CL_D,	/* c.ld, c.fld:  rd', uimm[7:3](rs1') */
	FMT_CS_W,	/* c.sw:         rs2', uimm[6:2](rs1') */
	FMT_CS_D,	/* c.sd, c.fsd:  rs2', uimm[7:3](rs1') */
	FMT_CI_W,	/* c.lwsp:       rd, uimm[7:2](sp) */
	FMT_CI_D,	/* c.ldsp, c.fldsp: rd, uimm[8:3](sp) */
	FMT_CSS_W,	/* c.swsp:       rs2, uimm[7:2](sp) */
	FMT_CSS_D,	/* c.sdsp, c.fsdsp: rs2, uimm[8:3](sp) */
	FMT_LR,		/* AMO R-type, rs2 = 0: rd, (rs1), aq, rl */
	FMT_AMO,	/* AMO R-type: rd, rs2, (rs1), aq, rl */
};

struct decode_row {
	uint32_t mask;
	uint32_t match;
	enum decode_op op;
	enum format fmt;
};

/*
 * The encoding table.  Compressed rows only fix bits in [15:0] and always
 * fix [1:0] != 0b11; 32-bit rows always fix [1:0] == 0b11, so the two kinds
 * can never match each other's words.
 */
static const struct decode_row decode_table[] = {
	/*
	 * Zicsr (unpriv. spec, "CSR Instructions"), SYSTEM opcode, I-type:
	 * csr[31:20] rs1/uimm[19:15] funct3[14:12] rd[11:7] 1110011.
	 * funct3 bit 2 selects the immediate form; 0 and 4 are not CSR ops.
	 */
	{ M_F3, F3(1) | SYS, DECODE_OP_CSRRW,  FMT_CSR },
	{ M_F3, F3(2) | SYS, DECODE_OP_CSRRS,  FMT_CSR },
	{ M_F3, F3(3) | SYS, DECODE_OP_CSRRC,  FMT_CSR },
	{ M_F3, F3(5) | SYS, DECODE_OP_CSRRWI, FMT_CSRI },
	{ M_F3, F3(6) | SYS, DECODE_OP_CSRRSI, FMT_CSRI },
	{ M_F3, F3(7) | SYS, DECODE_OP_CSRRCI, FMT_CSRI },

	/*
	 * funct3 = 0 (PRIV): funct12 in [31:20] names the instruction and
	 * rs1, rd must be 0, so every bit is fixed (unpriv. spec
	 * "Environment Call and Breakpoints"; priv. spec "Machine-Mode
	 * Privileged Instructions" for mret/sret/wfi).
	 */
	{ M_ALL, F12(0x000) | SYS, DECODE_OP_ECALL,  FMT_NONE },
	{ M_ALL, F12(0x001) | SYS, DECODE_OP_EBREAK, FMT_NONE },
	{ M_ALL, F12(0x102) | SYS, DECODE_OP_SRET,   FMT_NONE },
	{ M_ALL, F12(0x302) | SYS, DECODE_OP_MRET,   FMT_NONE },
	{ M_ALL, F12(0x105) | SYS, DECODE_OP_WFI,    FMT_NONE },

	/*
	 * Address-translation fences, funct3 = 0, R-type with rd = 0; funct7
	 * names the fence, rs1 = virtual address, rs2 = ASID (or VMID).
	 * sfence.vma: priv. spec "Supervisor Memory-Management Fence
	 * Instruction".  Svinval extension: sinval.vma has the same operands;
	 * sfence.w.inval / sfence.inval.ir fix all bits (funct7 0001100,
	 * rs2 = 0 / 1).  H extension ("Hypervisor Instructions"): hfence.*
	 * and their Svinval twins hinval.*; for the .gvma forms rs1 holds a
	 * guest physical address shifted right by 2 and rs2 a VMID.
	 */
	{ M_F7_F3_RD, F7(0x09) | SYS, DECODE_OP_SFENCE_VMA,  FMT_FENCE },
	{ M_F7_F3_RD, F7(0x0b) | SYS, DECODE_OP_SINVAL_VMA,  FMT_FENCE },
	{ M_ALL, F7(0x0c) | RS2(0) | SYS, DECODE_OP_SFENCE_W_INVAL,  FMT_NONE },
	{ M_ALL, F7(0x0c) | RS2(1) | SYS, DECODE_OP_SFENCE_INVAL_IR, FMT_NONE },
	{ M_F7_F3_RD, F7(0x11) | SYS, DECODE_OP_HFENCE_VVMA, FMT_FENCE },
	{ M_F7_F3_RD, F7(0x31) | SYS, DECODE_OP_HFENCE_GVMA, FMT_FENCE },
	{ M_F7_F3_RD, F7(0x13) | SYS, DECODE_OP_HINVAL_VVMA, FMT_FENCE },
	{ M_F7_F3_RD, F7(0x33) | SYS, DECODE_OP_HINVAL_GVMA, FMT_FENCE },

	/*
	 * Hypervisor virtual-machine loads (priv. spec, H extension), funct3
	 * = 4: funct7 = 0110 ww 0 gives the width (ww = log2 bytes);
	 * the rs2 field is 0 (signed), 1 (unsigned) or 3 (hlvx: execute
	 * permission, unsigned).
	 */
	{ M_F7_RS2_F3, F7(0x30) | RS2(0) | F3(4) | SYS, DECODE_OP_HLV_B,   FMT_HLV },
	{ M_F7_RS2_F3, F7(0x30) | RS2(1) | F3(4) | SYS, DECODE_OP_HLV_BU,  FMT_HLV },
	{ M_F7_RS2_F3, F7(0x32) | RS2(0) | F3(4) | SYS, DECODE_OP_HLV_H,   FMT_HLV },
	{ M_F7_RS2_F3, F7(0x32) | RS2(1) | F3(4) | SYS, DECODE_OP_HLV_HU,  FMT_HLV },
	{ M_F7_RS2_F3, F7(0x32) | RS2(3) | F3(4) | SYS, DECODE_OP_HLVX_HU, FMT_HLV },
	{ M_F7_RS2_F3, F7(0x34) | RS2(0) | F3(4) | SYS, DECODE_OP_HLV_W,   FMT_HLV },
	{ M_F7_RS2_F3, F7(0x34) | RS2(1) | F3(4) | SYS, DECODE_OP_HLV_WU,  FMT_HLV },
	{ M_F7_RS2_F3, F7(0x34) | RS2(3) | F3(4) | SYS, DECODE_OP_HLVX_WU, FMT_HLV },
	{ M_F7_RS2_F3, F7(0x36) | RS2(0) | F3(4) | SYS, DECODE_OP_HLV_D,   FMT_HLV },

	/*
	 * Hypervisor virtual-machine stores, funct3 = 4, rd = 0:
	 * funct7 = 0110 ww 1, rs2 = data, rs1 = address.
	 */
	{ M_F7_F3_RD, F7(0x31) | F3(4) | SYS, DECODE_OP_HSV_B, FMT_HSV },
	{ M_F7_F3_RD, F7(0x33) | F3(4) | SYS, DECODE_OP_HSV_H, FMT_HSV },
	{ M_F7_F3_RD, F7(0x35) | F3(4) | SYS, DECODE_OP_HSV_W, FMT_HSV },
	{ M_F7_F3_RD, F7(0x37) | F3(4) | SYS, DECODE_OP_HSV_D, FMT_HSV },

	/*
	 * Integer loads (unpriv. spec, RV32I/RV64I "Load and Store
	 * Instructions"), LOAD opcode 0000011, I-type.
	 * funct3 = u ww: ww = log2(bytes), u = zero-extend.  (funct3 = 7
	 * would be "ldu", reserved in RV64.)
	 */
	{ M_F3, F3(0) | OPC(INSN_OPCODE_LOAD), DECODE_OP_LB,  FMT_I },
	{ M_F3, F3(1) | OPC(INSN_OPCODE_LOAD), DECODE_OP_LH,  FMT_I },
	{ M_F3, F3(2) | OPC(INSN_OPCODE_LOAD), DECODE_OP_LW,  FMT_I },
	{ M_F3, F3(3) | OPC(INSN_OPCODE_LOAD), DECODE_OP_LD,  FMT_I },
	{ M_F3, F3(4) | OPC(INSN_OPCODE_LOAD), DECODE_OP_LBU, FMT_I },
	{ M_F3, F3(5) | OPC(INSN_OPCODE_LOAD), DECODE_OP_LHU, FMT_I },
	{ M_F3, F3(6) | OPC(INSN_OPCODE_LOAD), DECODE_OP_LWU, FMT_I },

	/*
	 * Integer stores, STORE opcode 0100011, S-type: funct3 = 0 ww.
	 */
	{ M_F3, F3(0) | OPC(INSN_OPCODE_STORE), DECODE_OP_SB, FMT_S },
	{ M_F3, F3(1) | OPC(INSN_OPCODE_STORE), DECODE_OP_SH, FMT_S },
	{ M_F3, F3(2) | OPC(INSN_OPCODE_STORE), DECODE_OP_SW, FMT_S },
	{ M_F3, F3(3) | OPC(INSN_OPCODE_STORE), DECODE_OP_SD, FMT_S },

	/*
	 * FP loads/stores (unpriv. spec, F and D extensions): LOAD-FP
	 * 0000111 (I-type) and STORE-FP 0100111 (S-type), funct3 = width
	 * (2 = W, 3 = D).  The other funct3 values of these opcodes are H/Q
	 * and vector accesses.
	 */
	{ M_F3, F3(2) | OPC(INSN_OPCODE_LOAD_FP),  DECODE_OP_FLW, FMT_I },
	{ M_F3, F3(3) | OPC(INSN_OPCODE_LOAD_FP),  DECODE_OP_FLD, FMT_I },
	{ M_F3, F3(2) | OPC(INSN_OPCODE_STORE_FP), DECODE_OP_FSW, FMT_S },
	{ M_F3, F3(3) | OPC(INSN_OPCODE_STORE_FP), DECODE_OP_FSD, FMT_S },

	/*
	 * C.EBREAK (unpriv. spec, C extension "Breakpoint Instruction"):
	 * quadrant 2, funct4 = 1001, rd = rs2 = 0.
	 */
	{ M_C_ALL, 0x9002, DECODE_OP_C_EBREAK, FMT_NONE },

	/*
	 * Compressed loads/stores, quadrant 0 (unpriv. spec, C extension
	 * "Load and Store Instructions"): CL/CS formats, 3-bit registers
	 * rd'/rs2' in [4:2] and rs1' in [9:7] (meaning x8..x15 / f8..f15).
	 * (c.flw/c.fsw at funct3 3/7 are RV32 only; on RV64 those slots are
	 * c.ld/c.sd.)
	 */
	{ M_C_F3, C_F3(1) | C_OP(0), DECODE_OP_C_FLD, FMT_CL_D },
	{ M_C_F3, C_F3(2) | C_OP(0), DECODE_OP_C_LW,  FMT_CL_W },
	{ M_C_F3, C_F3(3) | C_OP(0), DECODE_OP_C_LD,  FMT_CL_D },
	{ M_C_F3, C_F3(5) | C_OP(0), DECODE_OP_C_FSD, FMT_CS_D },
	{ M_C_F3, C_F3(6) | C_OP(0), DECODE_OP_C_SW,  FMT_CS_W },
	{ M_C_F3, C_F3(7) | C_OP(0), DECODE_OP_C_SD,  FMT_CS_D },

	/*
	 * Stack-pointer-relative loads/stores, quadrant 2: CI (loads, full
	 * 5-bit rd in [11:7]) and CSS (stores, full rs2 in [6:2]).
	 * c.lwsp / c.ldsp with rd = x0 are reserved: carve them out first.
	 */
	{ M_C_F3_RD, C_F3(2) | C_OP(2), DECODE_OP_UNKNOWN, FMT_RESERVED },
	{ M_C_F3_RD, C_F3(3) | C_OP(2), DECODE_OP_UNKNOWN, FMT_RESERVED },
	{ M_C_F3, C_F3(1) | C_OP(2), DECODE_OP_C_FLDSP, FMT_CI_D },
	{ M_C_F3, C_F3(2) | C_OP(2), DECODE_OP_C_LWSP,  FMT_CI_W },
	{ M_C_F3, C_F3(3) | C_OP(2), DECODE_OP_C_LDSP,  FMT_CI_D },
	{ M_C_F3, C_F3(5) | C_OP(2), DECODE_OP_C_FSDSP, FMT_CSS_D },
	{ M_C_F3, C_F3(6) | C_OP(2), DECODE_OP_C_SWSP,  FMT_CSS_W },
	{ M_C_F3, C_F3(7) | C_OP(2), DECODE_OP_C_SDSP,  FMT_CSS_D },

	/*
	 * Atomics (unpriv. spec, "A" extension: Zalrsc and Zaamo; the Zacas
	 * extension for amocas), AMO opcode 0101111, R-type with funct7 =
	 * funct5 aq rl: funct5 names the operation, funct3 the width (2 = W,
	 * 3 = D), aq/rl are free.  rs1 holds the address, rs2 the value to
	 * store or combine (amocas: to store if memory equals rd), rd gets
	 * the old memory value (sc: 0 on success).  lr has no rs2: the field
	 * must be 0.  (funct3 0/1 are Zabha's byte/halfword AMOs and 4
	 * amocas.q, on register pairs: not decoded.)
	 */
	{ M_F5_RS2_F3, F5(0x02) | F3(2) | AMO, DECODE_OP_LR_W,      FMT_LR },
	{ M_F5_RS2_F3, F5(0x02) | F3(3) | AMO, DECODE_OP_LR_D,      FMT_LR },
	{ M_F5_F3,     F5(0x03) | F3(2) | AMO, DECODE_OP_SC_W,      FMT_AMO },
	{ M_F5_F3,     F5(0x03) | F3(3) | AMO, DECODE_OP_SC_D,      FMT_AMO },
	{ M_F5_F3,     F5(0x01) | F3(2) | AMO, DECODE_OP_AMOSWAP_W, FMT_AMO },
	{ M_F5_F3,     F5(0x01) | F3(3) | AMO, DECODE_OP_AMOSWAP_D, FMT_AMO },
	{ M_F5_F3,     F5(0x00) | F3(2) | AMO, DECODE_OP_AMOADD_W,  FMT_AMO },
	{ M_F5_F3,     F5(0x00) | F3(3) | AMO, DECODE_OP_AMOADD_D,  FMT_AMO },
	{ M_F5_F3,     F5(0x04) | F3(2) | AMO, DECODE_OP_AMOXOR_W,  FMT_AMO },
	{ M_F5_F3,     F5(0x04) | F3(3) | AMO, DECODE_OP_AMOXOR_D,  FMT_AMO },
	{ M_F5_F3,     F5(0x0c) | F3(2) | AMO, DECODE_OP_AMOAND_W,  FMT_AMO },
	{ M_F5_F3,     F5(0x0c) | F3(3) | AMO, DECODE_OP_AMOAND_D,  FMT_AMO },
	{ M_F5_F3,     F5(0x08) | F3(2) | AMO, DECODE_OP_AMOOR_W,   FMT_AMO },
	{ M_F5_F3,     F5(0x08) | F3(3) | AMO, DECODE_OP_AMOOR_D,   FMT_AMO },
	{ M_F5_F3,     F5(0x10) | F3(2) | AMO, DECODE_OP_AMOMIN_W,  FMT_AMO },
	{ M_F5_F3,     F5(0x10) | F3(3) | AMO, DECODE_OP_AMOMIN_D,  FMT_AMO },
	{ M_F5_F3,     F5(0x14) | F3(2) | AMO, DECODE_OP_AMOMAX_W,  FMT_AMO },
	{ M_F5_F3,     F5(0x14) | F3(3) | AMO, DECODE_OP_AMOMAX_D,  FMT_AMO },
	{ M_F5_F3,     F5(0x18) | F3(2) | AMO, DECODE_OP_AMOMINU_W, FMT_AMO },
	{ M_F5_F3,     F5(0x18) | F3(3) | AMO, DECODE_OP_AMOMINU_D, FMT_AMO },
	{ M_F5_F3,     F5(0x1c) | F3(2) | AMO, DECODE_OP_AMOMAXU_W, FMT_AMO },
	{ M_F5_F3,     F5(0x1c) | F3(3) | AMO, DECODE_OP_AMOMAXU_D, FMT_AMO },
	{ M_F5_F3,     F5(0x05) | F3(2) | AMO, DECODE_OP_AMOCAS_W,  FMT_AMO },
	{ M_F5_F3,     F5(0x05) | F3(3) | AMO, DECODE_OP_AMOCAS_D,  FMT_AMO },
};

/* ---- Per-op facts ------------------------------------------------------ */

struct decode_op_info {
	const char *name;
	enum decode_class cls;
	uint8_t width;		/* bytes accessed; 0 if not a memory access */
	bool is_signed;		/* load sign-extends */
	bool fp;		/* data register is an FP register */
};

#define CSR_OP(n)     { n, DECODE_CLASS_CSR,    0, false, false }
#define SYS_OP(n)     { n, DECODE_CLASS_SYSTEM, 0, false, false }
#define FENCE_OP(n)   { n, DECODE_CLASS_FENCE,  0, false, false }
#define HLS_OP(n, w, s) { n, DECODE_CLASS_HLS,  w, s, false }
#define LD_OP(n, w, s, f) { n, DECODE_CLASS_LOAD,  w, s, f }
#define ST_OP(n, w, f)    { n, DECODE_CLASS_STORE, w, false, f }
#define AMO_OP(n, w, s)   { n, DECODE_CLASS_AMO,   w, s, false }

/*
 * "Signed" follows the mnemonic: loads without a 'u' sign-extend.  For
 * 8-byte loads on RV64 there is nothing to extend, so it makes no
 * difference; FP loads never sign-extend (narrow values are NaN-boxed).
 * lr and the AMOs put the old memory value in rd, sign-extended from 32
 * bits for the .w forms (amominu/amomaxu too: only their comparison is
 * unsigned), so they are signed like lw and ld; sc puts a success code
 * there, not a value read from memory.
 */
static const struct decode_op_info decode_op_info[DECODE_OP_COUNT] = {
	[DECODE_OP_UNKNOWN]	= { "unknown", DECODE_CLASS_NONE, 0, false, false },
	[DECODE_OP_CSRRW]	= CSR_OP("csrrw"),
	[DECODE_OP_CSRRS]	= CSR_OP("csrrs"),
	[DECODE_OP_CSRRC]	= CSR_OP("csrrc"),
	[DECODE_OP_CSRRWI]	= CSR_OP("csrrwi"),
	[DECODE_OP_CSRRSI]	= CSR_OP("csrrsi"),
	[DECODE_OP_CSRRCI]	= CSR_OP("csrrci"),
	[DECODE_OP_ECALL]	= SYS_OP("ecall"),
	[DECODE_OP_EBREAK]	= SYS_OP("ebreak"),
	[DECODE_OP_C_EBREAK]	= SYS_OP("c.ebreak"),
	[DECODE_OP_SRET]	= SYS_OP("sret"),
	[DECODE_OP_MRET]	= SYS_OP("mret"),
	[DECODE_OP_WFI]		= SYS_OP("wfi"),
	[DECODE_OP_SFENCE_VMA]	= FENCE_OP("sfence.vma"),
	[DECODE_OP_SINVAL_VMA]	= FENCE_OP("sinval.vma"),
	[DECODE_OP_SFENCE_W_INVAL]  = FENCE_OP("sfence.w.inval"),
	[DECODE_OP_SFENCE_INVAL_IR] = FENCE_OP("sfence.inval.ir"),
	[DECODE_OP_HFENCE_VVMA]	= FENCE_OP("hfence.vvma"),
	[DECODE_OP_HFENCE_GVMA]	= FENCE_OP("hfence.gvma"),
	[DECODE_OP_HINVAL_VVMA]	= FENCE_OP("hinval.vvma"),
	[DECODE_OP_HINVAL_GVMA]	= FENCE_OP("hinval.gvma"),
	[DECODE_OP_HLV_B]	= HLS_OP("hlv.b", 1, true),
	[DECODE_OP_HLV_BU]	= HLS_OP("hlv.bu", 1, false),
	[DECODE_OP_HLV_H]	= HLS_OP("hlv.h", 2, true),
	[DECODE_OP_HLV_HU]	= HLS_OP("hlv.hu", 2, false),
	[DECODE_OP_HLV_W]	= HLS_OP("hlv.w", 4, true),
	[DECODE_OP_HLV_WU]	= HLS_OP("hlv.wu", 4, false),
	[DECODE_OP_HLV_D]	= HLS_OP("hlv.d", 8, true),
	[DECODE_OP_HLVX_HU]	= HLS_OP("hlvx.hu", 2, false),
	[DECODE_OP_HLVX_WU]	= HLS_OP("hlvx.wu", 4, false),
	[DECODE_OP_HSV_B]	= HLS_OP("hsv.b", 1, false),
	[DECODE_OP_HSV_H]	= HLS_OP("hsv.h", 2, false),
	[DECODE_OP_HSV_W]	= HLS_OP("hsv.w", 4, false),
	[DECODE_OP_HSV_D]	= HLS_OP("hsv.d", 8, false),
	[DECODE_OP_LB]		= LD_OP("lb", 1, true, false),
	[DECODE_OP_LH]		= LD_OP("lh", 2, true, false),
	[DECODE_OP_LW]		= LD_OP("lw", 4, true, false),
	[DECODE_OP_LD]		= LD_OP("ld", 8, true, false),
	[DECODE_OP_LBU]		= LD_OP("lbu", 1, false, false),
	[DECODE_OP_LHU]		= LD_OP("lhu", 2, false, false),
	[DECODE_OP_LWU]		= LD_OP("lwu", 4, false, false),
	[DECODE_OP_FLW]		= LD_OP("flw", 4, false, true),
	[DECODE_OP_FLD]		= LD_OP("fld", 8, false, true),
	[DECODE_OP_SB]		= ST_OP("sb", 1, false),
	[DECODE_OP_SH]		= ST_OP("sh", 2, false),
	[DECODE_OP_SW]		= ST_OP("sw", 4, false),
	[DECODE_OP_SD]		= ST_OP("sd", 8, false),
	[DECODE_OP_FSW]		= ST_OP("fsw", 4, true),
	[DECODE_OP_FSD]		= ST_OP("fsd", 8, true),
	[DECODE_OP_C_LW]	= LD_OP("c.lw", 4, true, false),
	[DECODE_OP_C_LD]	= LD_OP("c.ld", 8, true, false),
	[DECODE_OP_C_FLD]	= LD_OP("c.fld", 8, false, true),
	[DECODE_OP_C_SW]	= ST_OP("c.sw", 4, false),
	[DECODE_OP_C_SD]	= ST_OP("c.sd", 8, false),
	[DECODE_OP_C_FSD]	= ST_OP("c.fsd", 8, true),
	[DECODE_OP_C_LWSP]	= LD_OP("c.lwsp", 4, true, false),
	[DECODE_OP_C_LDSP]	= LD_OP("c.ldsp", 8, true, false),
	[DECODE_OP_C_FLDSP]	= LD_OP("c.fldsp", 8, false, true),
	[DECODE_OP_C_SWSP]	= ST_OP("c.swsp", 4, false),
	[DECODE_OP_C_SDSP]	= ST_OP("c.sdsp", 8, false),
	[DECODE_OP_C_FSDSP]	= ST_OP("c.fsdsp", 8, true),
	[DECODE_OP_LR_W]	= AMO_OP("lr.w", 4, true),
	[DECODE_OP_LR_D]	= AMO_OP("lr.d", 8, true),
	[DECODE_OP_SC_W]	= AMO_OP("sc.w", 4, false),
	[DECODE_OP_SC_D]	= AMO_OP("sc.d", 8, false),
	[DECODE_OP_AMOSWAP_W]	= AMO_OP("amoswap.w", 4, true),
	[DECODE_OP_AMOSWAP_D]	= AMO_OP("amoswap.d", 8, true),
	[DECODE_OP_AMOADD_W]	= AMO_OP("amoadd.w", 4, true),
	[DECODE_OP_AMOADD_D]	= AMO_OP("amoadd.d", 8, true),
	[DECODE_OP_AMOXOR_W]	= AMO_OP("amoxor.w", 4, true),
	[DECODE_OP_AMOXOR_D]	= AMO_OP("amoxor.d", 8, true),
	[DECODE_OP_AMOAND_W]	= AMO_OP("amoand.w", 4, true),
	[DECODE_OP_AMOAND_D]	= AMO_OP("amoand.d", 8, true),
	[DECODE_OP_AMOOR_W]	= AMO_OP("amoor.w", 4, true),
	[DECODE_OP_AMOOR_D]	= AMO_OP("amoor.d", 8, true),
	[DECODE_OP_AMOMIN_W]	= AMO_OP("amomin.w", 4, true),
	[DECODE_OP_AMOMIN_D]	= AMO_OP("amomin.d", 8, true),
	[DECODE_OP_AMOMAX_W]	= AMO_OP("amomax.w", 4, true),
	[DECODE_OP_AMOMAX_D]	= AMO_OP("amomax.d", 8, true),
	[DECODE_OP_AMOMINU_W]	= AMO_OP("amominu.w", 4, true),
	[DECODE_OP_AMOMINU_D]	= AMO_OP("amominu.d", 8, true),
	[DECODE_OP_AMOMAXU_W]	= AMO_OP("amomaxu.w", 4, true),
	[DECODE_OP_AMOMAXU_D]	= AMO_OP("amomaxu.d", 8, true),
	[DECODE_OP_AMOCAS_W]	= AMO_OP("amocas.w", 4, true),
	[DECODE_OP_AMOCAS_D]	= AMO_OP("amocas.d", 8, true),
};

/* ---- Field extraction --------------------------------------------------- */

/* Bits [hi:lo] of x, shifted down to bit 0. */
static inline uint32_t bits(uint32_t x, unsigned hi, unsigned lo)
{
	return (x >> lo) & ((1u << (hi - lo + 1)) - 1);
}

/* Sign-extend the low n bits of x. */
static inline int64_t sext(uint32_t x, unsigned n)
{
	uint64_t m = (uint64_t)1 << (n - 1);

	return (int64_t)(((uint64_t)x ^ m) - m);
}

#define RD(raw)      ((uint8_t)bits(raw, 11, 7))
#define RS1(raw)     ((uint8_t)bits(raw, 19, 15))
#define RS2F(raw)    ((uint8_t)bits(raw, 24, 20))
#define C_RD(raw)    ((uint8_t)bits(raw, 11, 7))	/* CI rd */
#define C_RS2(raw)   ((uint8_t)bits(raw, 6, 2))		/* CSS rs2 */
#define C_RDP(raw)   ((uint8_t)(8 + bits(raw, 4, 2)))	/* CL rd', CS rs2' */
#define C_RS1P(raw)  ((uint8_t)(8 + bits(raw, 9, 7)))	/* CL/CS rs1' */

/* I-type: imm[11:0] = inst[31:20]. */
static int64_t imm_i(uint32_t raw)
{
	return sext(bits(raw, 31, 20), 12);
}

/* S-type: imm[11:5] = inst[31:25], imm[4:0] = inst[11:7]. */
static int64_t imm_s(uint32_t raw)
{
	return sext(bits(raw, 31, 25) << 5 | bits(raw, 11, 7), 12);
}

/* CL/CS word: uimm[5:3] = inst[12:10], uimm[2] = inst[6], uimm[6] = inst[5]. */
static int64_t uimm_clw(uint32_t raw)
{
	return bits(raw, 12, 10) << 3 | bits(raw, 6, 6) << 2 | bits(raw, 5, 5) << 6;
}

/* CL/CS double: uimm[5:3] = inst[12:10], uimm[7:6] = inst[6:5]. */
static int64_t uimm_cld(uint32_t raw)
{
	return bits(raw, 12, 10) << 3 | bits(raw, 6, 5) << 6;
}

/* CI word: uimm[5] = inst[12], uimm[4:2] = inst[6:4], uimm[7:6] = inst[3:2]. */
static int64_t uimm_ciw(uint32_t raw)
{
	return bits(raw, 12, 12) << 5 | bits(raw, 6, 4) << 2 | bits(raw, 3, 2) << 6;
}

/* CI double: uimm[5] = inst[12], uimm[4:3] = inst[6:5], uimm[8:6] = inst[4:2]. */
static int64_t uimm_cid(uint32_t raw)
{
	return bits(raw, 12, 12) << 5 | bits(raw, 6, 5) << 3 | bits(raw, 4, 2) << 6;
}

/* CSS word: uimm[5:2] = inst[12:9], uimm[7:6] = inst[8:7]. */
static int64_t uimm_cssw(uint32_t raw)
{
	return bits(raw, 12, 9) << 2 | bits(raw, 8, 7) << 6;
}

/* CSS double: uimm[5:3] = inst[12:10], uimm[8:6] = inst[9:7]. */
static int64_t uimm_cssd(uint32_t raw)
{
	return bits(raw, 12, 10) << 3 | bits(raw, 9, 7) << 6;
}

/* Fill the operand fields of out from raw according to fmt. */
static void extract(enum format fmt, uint32_t raw, struct decode_insn *out)
{
	switch (fmt) {
	case FMT_NONE:
	case FMT_RESERVED:
		break;
	case FMT_CSR:
		out->rd = RD(raw);
		out->rs1 = RS1(raw);
		out->csr = (uint16_t)bits(raw, 31, 20);
		break;
	case FMT_CSRI:
		out->rd = RD(raw);
		out->rs1 = RS1(raw);
		out->csr = (uint16_t)bits(raw, 31, 20);
		out->csr_imm = true;
		out->imm = out->rs1;
		break;
	case FMT_FENCE:
	case FMT_HSV:
		out->rs1 = RS1(raw);
		out->rs2 = RS2F(raw);
		break;
	case FMT_HLV:
		out->rd = RD(raw);
		out->rs1 = RS1(raw);
		break;
	case FMT_I:
		out->rd = RD(raw);
		out->rs1 = RS1(raw);
		out->imm = imm_i(raw);
		break;
	case FMT_S:
		out->rs1 = RS1(raw);
		out->rs2 = RS2F(raw);
		out->imm = imm_s(raw);
		break;
	case FMT_CL_W:
		out->rd = C_RDP(raw);
		out->rs1 = C_RS1P(raw);
		out->imm = uimm_clw(raw);
		break;
	case FMT_CL_D:
		out->rd = C_RDP(raw);
		out->rs1 = C_RS1P(raw);
		out->imm = uimm_cld(raw);
		break;
	case FMT_CS_W:
		out->rs2 = C_RDP(raw);
		out->rs1 = C_RS1P(raw);
		out->imm = uimm_clw(raw);
		break;
	case FMT_CS_D:
		out->rs2 = C_RDP(raw);
		out->rs1 = C_RS1P(raw);
		out->imm = uimm_cld(raw);
		break;
	case FMT_CI_W:
		out->rd = C_RD(raw);
		out->rs1 = 2;	/* sp */
		out->imm = uimm_ciw(raw);
		break;
	case FMT_CI_D:
		out->rd = C_RD(raw);
		out->rs1 = 2;
		out->imm = uimm_cid(raw);
		break;
	case FMT_CSS_W:
		out->rs2 = C_RS2(raw);
		out->rs1 = 2;
		out->imm = uimm_cssw(raw);
		break;
	case FMT_CSS_D:
		out->rs2 = C_RS2(raw);
		out->rs1 = 2;
		out->imm = uimm_cssd(raw);
		break;
	case FMT_AMO:
		out->rs2 = RS2F(raw);
		/* fall through */
	case FMT_LR:
		out->rd = RD(raw);
		out->rs1 = RS1(raw);
		out->aq = bits(raw, 26, 26);
		out->rl = bits(raw, 25, 25);
		break;
	}
}

/* ---- Public interface ------------------------------------------------------ */

int decode_insn(uint32_t raw, struct decode_insn *out)
{
	const struct decode_row *row = NULL;
	const struct decode_op_info *info;
	size_t i;

	*out = (struct decode_insn){ .op = DECODE_OP_UNKNOWN };
	if (INSN_IS_COMPRESSED(raw)) {
		raw &= 0xffff;
		out->len = 2;
	} else {
		out->len = 4;
	}

	for (i = 0; i < sizeof(decode_table) / sizeof(decode_table[0]); i++) {
		if ((raw & decode_table[i].mask) == decode_table[i].match) {
			row = &decode_table[i];
			break;
		}
	}
	if (!row || row->fmt == FMT_RESERVED)
		return -1;

	info = &decode_op_info[row->op];
	out->op = row->op;
	out->cls = info->cls;
	out->width = info->width;
	out->is_signed = info->is_signed;
	out->fp = info->fp;
	extract(row->fmt, raw, out);
	return 0;
}

const char *decode_op_name(enum decode_op op)
{
	if ((unsigned)op >= DECODE_OP_COUNT || !decode_op_info[op].name)
		return "unknown";
	return decode_op_info[op].name;
}
