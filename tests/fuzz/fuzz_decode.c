/*
 * fuzz_decode.c - libFuzzer harness for src/decode/decode.c.
 *
 * What it fuzzes.  The input is up to 8 32-bit little-endian words.
 * Each word is decoded as an instruction, and each of its two halves as a
 * 16-bit one.  (Once, at start-up, all 65536 16-bit words are checked too:
 * that space is small enough to cover exhaustively.)
 *
 * Invariants checked for every word, against an oracle written here from
 * the ISA manuals, independently of decode.c's mask/match table:
 *
 *  1. Shape.  len is 4 if the low two bits are 0b11, else 2; the return is
 *     0 exactly when op != DECODE_OP_UNKNOWN, and -1 otherwise; op is below
 *     DECODE_OP_COUNT; register numbers are below 32; an unknown word has
 *     every other field 0.
 *  2. Recognition.  op is what ref_op() (a field-by-field reading of the
 *     opcode maps: opcode, funct3, funct7 or an AMO's funct5, rs2/rd where
 *     they are part of the opcode, the compressed quadrants) says it is.
 *  3. Per-op facts.  cls, width, is_signed and fp are what the op's row in
 *     ref_info[] says; the fields an instruction does not have are 0.
 *  4. Round trip.  encode(decoded) gives back exactly the word that was
 *     decoded (for a compressed one, its low 16 bits): every operand field
 *     was extracted completely and put where the encoding says, and every
 *     value is representable in its field (immediates in range and scaled).
 *  5. Determinism and no stale state.  Decoding into a struct filled with
 *     garbage gives the same fields as decoding into a zeroed one; a
 *     compressed word decodes the same whatever its upper 16 bits hold.
 *  6. decode_op_name() is non-NULL for any value, "unknown" outside the
 *     enum, and gives distinct non-empty names to the ops.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "decode.h"
#include "riscv.h"
#include "fuzz.h"

/* ---- The oracle: which op a word is -------------------------------------- */

static uint32_t field(uint32_t raw, unsigned hi, unsigned lo)
{
	return (raw >> lo) & ((1u << (hi - lo + 1)) - 1);
}

/* SYSTEM, funct3 = 0: environment calls, returns, wfi, the fences. */
static enum decode_op ref_system_priv(uint32_t raw)
{
	uint32_t f7 = field(raw, 31, 25), rs2 = field(raw, 24, 20);
	uint32_t rs1 = field(raw, 19, 15), rd = field(raw, 11, 7);

	if (rd != 0)
		return DECODE_OP_UNKNOWN;
	switch (f7) {	/* R-type fences: rs1 = vaddr, rs2 = asid/vmid */
	case 0x09: return DECODE_OP_SFENCE_VMA;
	case 0x0b: return DECODE_OP_SINVAL_VMA;
	case 0x11: return DECODE_OP_HFENCE_VVMA;
	case 0x31: return DECODE_OP_HFENCE_GVMA;
	case 0x13: return DECODE_OP_HINVAL_VVMA;
	case 0x33: return DECODE_OP_HINVAL_GVMA;
	}
	if (rs1 != 0)
		return DECODE_OP_UNKNOWN;
	switch (field(raw, 31, 20)) {	/* funct12 */
	case 0x000: return DECODE_OP_ECALL;
	case 0x001: return DECODE_OP_EBREAK;
	case 0x102: return DECODE_OP_SRET;
	case 0x302: return DECODE_OP_MRET;
	case 0x105: return DECODE_OP_WFI;
	case 0x180: return DECODE_OP_SFENCE_W_INVAL;	/* funct7 0001100, rs2 0 */
	case 0x181: return DECODE_OP_SFENCE_INVAL_IR;	/* funct7 0001100, rs2 1 */
	}
	(void)rs2;
	return DECODE_OP_UNKNOWN;
}

/* SYSTEM, funct3 = 4: hypervisor loads (funct7 0110ww0) and stores (0110ww1). */
static enum decode_op ref_system_hls(uint32_t raw)
{
	static const enum decode_op hlv[4][4] = {	/* [ww][rs2] */
		{ DECODE_OP_HLV_B, DECODE_OP_HLV_BU, 0, 0 },
		{ DECODE_OP_HLV_H, DECODE_OP_HLV_HU, 0, DECODE_OP_HLVX_HU },
		{ DECODE_OP_HLV_W, DECODE_OP_HLV_WU, 0, DECODE_OP_HLVX_WU },
		{ DECODE_OP_HLV_D, 0, 0, 0 },
	};
	static const enum decode_op hsv[4] = {
		DECODE_OP_HSV_B, DECODE_OP_HSV_H, DECODE_OP_HSV_W, DECODE_OP_HSV_D,
	};
	uint32_t f7 = field(raw, 31, 25), rs2 = field(raw, 24, 20);
	unsigned ww = (f7 >> 1) & 3;

	if ((f7 & ~7u) != 0x30)
		return DECODE_OP_UNKNOWN;
	if (f7 & 1)
		return field(raw, 11, 7) == 0 ? hsv[ww] : DECODE_OP_UNKNOWN;
	return rs2 < 4 ? hlv[ww][rs2] : DECODE_OP_UNKNOWN;
}

/* AMO opcode: funct5 [31:27] names the operation, funct3 the width (2 = W,
 * 3 = D; Zabha's 0/1 and amocas.q's 4 are not decoded); aq/rl [26:25] are
 * free; lr has no rs2 (the field must be 0). */
static enum decode_op ref_amo(uint32_t raw)
{
	static const enum decode_op amo[32][2] = {	/* [funct5][D] */
		[0x02] = { DECODE_OP_LR_W, DECODE_OP_LR_D },
		[0x03] = { DECODE_OP_SC_W, DECODE_OP_SC_D },
		[0x01] = { DECODE_OP_AMOSWAP_W, DECODE_OP_AMOSWAP_D },
		[0x00] = { DECODE_OP_AMOADD_W, DECODE_OP_AMOADD_D },
		[0x04] = { DECODE_OP_AMOXOR_W, DECODE_OP_AMOXOR_D },
		[0x0c] = { DECODE_OP_AMOAND_W, DECODE_OP_AMOAND_D },
		[0x08] = { DECODE_OP_AMOOR_W, DECODE_OP_AMOOR_D },
		[0x10] = { DECODE_OP_AMOMIN_W, DECODE_OP_AMOMIN_D },
		[0x14] = { DECODE_OP_AMOMAX_W, DECODE_OP_AMOMAX_D },
		[0x18] = { DECODE_OP_AMOMINU_W, DECODE_OP_AMOMINU_D },
		[0x1c] = { DECODE_OP_AMOMAXU_W, DECODE_OP_AMOMAXU_D },
		[0x05] = { DECODE_OP_AMOCAS_W, DECODE_OP_AMOCAS_D },
	};
	uint32_t f5 = field(raw, 31, 27), f3 = field(raw, 14, 12);

	if (f3 != 2 && f3 != 3)
		return DECODE_OP_UNKNOWN;
	if (f5 == 0x02 && field(raw, 24, 20) != 0)
		return DECODE_OP_UNKNOWN;
	return amo[f5][f3 - 2];
}

static enum decode_op ref_op32(uint32_t raw)
{
	static const enum decode_op csr[8] = {
		0, DECODE_OP_CSRRW, DECODE_OP_CSRRS, DECODE_OP_CSRRC,
		0, DECODE_OP_CSRRWI, DECODE_OP_CSRRSI, DECODE_OP_CSRRCI,
	};
	static const enum decode_op load[8] = {
		DECODE_OP_LB, DECODE_OP_LH, DECODE_OP_LW, DECODE_OP_LD,
		DECODE_OP_LBU, DECODE_OP_LHU, DECODE_OP_LWU, 0,	/* ldu: reserved */
	};
	static const enum decode_op store[8] = {
		DECODE_OP_SB, DECODE_OP_SH, DECODE_OP_SW, DECODE_OP_SD,
	};
	uint32_t f3 = field(raw, 14, 12);

	switch (field(raw, 6, 0)) {
	case 0x03: return load[f3];
	case 0x23: return store[f3];
	case 0x07: return f3 == 2 ? DECODE_OP_FLW : f3 == 3 ? DECODE_OP_FLD : 0;
	case 0x27: return f3 == 2 ? DECODE_OP_FSW : f3 == 3 ? DECODE_OP_FSD : 0;
	case 0x2f: return ref_amo(raw);
	case 0x73:
		if (f3 == 0)
			return ref_system_priv(raw);
		if (f3 == 4)
			return ref_system_hls(raw);
		return csr[f3];
	}
	return DECODE_OP_UNKNOWN;
}

/* RV64C: quadrant 0 (CL/CS) and quadrant 2 (CI/CSS, c.ebreak). */
static enum decode_op ref_op16(uint32_t raw)
{
	static const enum decode_op q0[8] = {
		0, DECODE_OP_C_FLD, DECODE_OP_C_LW, DECODE_OP_C_LD,
		0, DECODE_OP_C_FSD, DECODE_OP_C_SW, DECODE_OP_C_SD,
	};
	static const enum decode_op q2[8] = {
		0, DECODE_OP_C_FLDSP, DECODE_OP_C_LWSP, DECODE_OP_C_LDSP,
		0, DECODE_OP_C_FSDSP, DECODE_OP_C_SWSP, DECODE_OP_C_SDSP,
	};
	uint32_t f3 = field(raw, 15, 13), rd = field(raw, 11, 7);

	switch (raw & 3) {
	case 0:
		return q0[f3];
	case 2:
		if (raw == 0x9002)
			return DECODE_OP_C_EBREAK;
		if ((f3 == 2 || f3 == 3) && rd == 0)	/* c.lwsp/c.ldsp x0: reserved */
			return DECODE_OP_UNKNOWN;
		return q2[f3];
	}
	return DECODE_OP_UNKNOWN;
}

static enum decode_op ref_op(uint32_t raw)
{
	return (raw & 3) == 3 ? ref_op32(raw) : ref_op16(raw & 0xffff);
}

/* ---- The oracle: per-op facts and encodings --------------------------------- */

/* Which operand fields an op has (the others must be 0). */
enum { F_RD = 1, F_RS1 = 2, F_RS2 = 4, F_CSR = 8, F_IMM = 16, F_ORDER = 32 };

/* How an op's operands are laid out, for encode(). */
enum layout {
	L_NONE, L_CSR, L_FENCE, L_HLV, L_HSV, L_LOAD, L_STORE,
	L_CLW, L_CLD, L_CSW, L_CSD, L_CIW, L_CID, L_CSSW, L_CSSD, L_LR, L_AMO,
};

struct ref_info {
	enum decode_class cls;
	uint8_t width;
	bool is_signed, fp;
	enum layout layout;
	uint32_t base;		/* the encoding with every operand field 0 */
};

#define SYSTEM(f12)	{ DECODE_CLASS_SYSTEM, 0, 0, 0, L_NONE, (f12) << 20 | 0x73 }
#define CSROP(f3)	{ DECODE_CLASS_CSR, 0, 0, 0, L_CSR, (f3) << 12 | 0x73 }
#define FENCE(f7)	{ DECODE_CLASS_FENCE, 0, 0, 0, L_FENCE, (uint32_t)(f7) << 25 | 0x73 }
#define HLV(f7, sel, w, s) { DECODE_CLASS_HLS, w, s, 0, L_HLV, \
			     (uint32_t)(f7) << 25 | (sel) << 20 | 4 << 12 | 0x73 }
#define HSV(f7, w)	{ DECODE_CLASS_HLS, w, 0, 0, L_HSV, (uint32_t)(f7) << 25 | 4 << 12 | 0x73 }
#define LOAD(opc, f3, w, s, f)  { DECODE_CLASS_LOAD, w, s, f, L_LOAD, (f3) << 12 | (opc) }
#define STORE(opc, f3, w, f)    { DECODE_CLASS_STORE, w, 0, f, L_STORE, (f3) << 12 | (opc) }
#define CLOAD(l, f3, q, w, s, f)  { DECODE_CLASS_LOAD, w, s, f, l, (f3) << 13 | (q) }
#define CSTORE(l, f3, q, w, f)    { DECODE_CLASS_STORE, w, 0, f, l, (f3) << 13 | (q) }
#define ATOMIC(l, f5, d, s)       { DECODE_CLASS_AMO, (d) ? 8 : 4, s, 0, l, \
				    (uint32_t)(f5) << 27 | (2 + (d)) << 12 | 0x2f }
#define AMOPAIR(op, f5) [DECODE_OP_##op##_W] = ATOMIC(L_AMO, f5, 0, 1), \
			[DECODE_OP_##op##_D] = ATOMIC(L_AMO, f5, 1, 1)

static const struct ref_info ref_info[DECODE_OP_COUNT] = {
	[DECODE_OP_UNKNOWN] = { DECODE_CLASS_NONE, 0, 0, 0, L_NONE, 0 },
	[DECODE_OP_CSRRW] = CSROP(1), [DECODE_OP_CSRRS] = CSROP(2),
	[DECODE_OP_CSRRC] = CSROP(3), [DECODE_OP_CSRRWI] = CSROP(5),
	[DECODE_OP_CSRRSI] = CSROP(6), [DECODE_OP_CSRRCI] = CSROP(7),
	[DECODE_OP_ECALL] = SYSTEM(0x000), [DECODE_OP_EBREAK] = SYSTEM(0x001),
	[DECODE_OP_SRET] = SYSTEM(0x102), [DECODE_OP_MRET] = SYSTEM(0x302),
	[DECODE_OP_WFI] = SYSTEM(0x105),
	[DECODE_OP_C_EBREAK] = { DECODE_CLASS_SYSTEM, 0, 0, 0, L_NONE, 0x9002 },
	[DECODE_OP_SFENCE_VMA] = FENCE(0x09), [DECODE_OP_SINVAL_VMA] = FENCE(0x0b),
	[DECODE_OP_SFENCE_W_INVAL] = { DECODE_CLASS_FENCE, 0, 0, 0, L_NONE, 0x18000073 },
	[DECODE_OP_SFENCE_INVAL_IR] = { DECODE_CLASS_FENCE, 0, 0, 0, L_NONE, 0x18100073 },
	[DECODE_OP_HFENCE_VVMA] = FENCE(0x11), [DECODE_OP_HFENCE_GVMA] = FENCE(0x31),
	[DECODE_OP_HINVAL_VVMA] = FENCE(0x13), [DECODE_OP_HINVAL_GVMA] = FENCE(0x33),
	[DECODE_OP_HLV_B] = HLV(0x30, 0, 1, 1), [DECODE_OP_HLV_BU] = HLV(0x30, 1, 1, 0),
	[DECODE_OP_HLV_H] = HLV(0x32, 0, 2, 1), [DECODE_OP_HLV_HU] = HLV(0x32, 1, 2, 0),
	[DECODE_OP_HLV_W] = HLV(0x34, 0, 4, 1), [DECODE_OP_HLV_WU] = HLV(0x34, 1, 4, 0),
	[DECODE_OP_HLV_D] = HLV(0x36, 0, 8, 1),
	[DECODE_OP_HLVX_HU] = HLV(0x32, 3, 2, 0), [DECODE_OP_HLVX_WU] = HLV(0x34, 3, 4, 0),
	[DECODE_OP_HSV_B] = HSV(0x31, 1), [DECODE_OP_HSV_H] = HSV(0x33, 2),
	[DECODE_OP_HSV_W] = HSV(0x35, 4), [DECODE_OP_HSV_D] = HSV(0x37, 8),
	[DECODE_OP_LB] = LOAD(0x03, 0, 1, 1, 0), [DECODE_OP_LH] = LOAD(0x03, 1, 2, 1, 0),
	[DECODE_OP_LW] = LOAD(0x03, 2, 4, 1, 0), [DECODE_OP_LD] = LOAD(0x03, 3, 8, 1, 0),
	[DECODE_OP_LBU] = LOAD(0x03, 4, 1, 0, 0), [DECODE_OP_LHU] = LOAD(0x03, 5, 2, 0, 0),
	[DECODE_OP_LWU] = LOAD(0x03, 6, 4, 0, 0),
	[DECODE_OP_FLW] = LOAD(0x07, 2, 4, 0, 1), [DECODE_OP_FLD] = LOAD(0x07, 3, 8, 0, 1),
	[DECODE_OP_SB] = STORE(0x23, 0, 1, 0), [DECODE_OP_SH] = STORE(0x23, 1, 2, 0),
	[DECODE_OP_SW] = STORE(0x23, 2, 4, 0), [DECODE_OP_SD] = STORE(0x23, 3, 8, 0),
	[DECODE_OP_FSW] = STORE(0x27, 2, 4, 1), [DECODE_OP_FSD] = STORE(0x27, 3, 8, 1),
	[DECODE_OP_C_LW] = CLOAD(L_CLW, 2, 0, 4, 1, 0),
	[DECODE_OP_C_LD] = CLOAD(L_CLD, 3, 0, 8, 1, 0),
	[DECODE_OP_C_FLD] = CLOAD(L_CLD, 1, 0, 8, 0, 1),
	[DECODE_OP_C_SW] = CSTORE(L_CSW, 6, 0, 4, 0),
	[DECODE_OP_C_SD] = CSTORE(L_CSD, 7, 0, 8, 0),
	[DECODE_OP_C_FSD] = CSTORE(L_CSD, 5, 0, 8, 1),
	[DECODE_OP_C_LWSP] = CLOAD(L_CIW, 2, 2, 4, 1, 0),
	[DECODE_OP_C_LDSP] = CLOAD(L_CID, 3, 2, 8, 1, 0),
	[DECODE_OP_C_FLDSP] = CLOAD(L_CID, 1, 2, 8, 0, 1),
	[DECODE_OP_C_SWSP] = CSTORE(L_CSSW, 6, 2, 4, 0),
	[DECODE_OP_C_SDSP] = CSTORE(L_CSSD, 7, 2, 8, 0),
	[DECODE_OP_C_FSDSP] = CSTORE(L_CSSD, 5, 2, 8, 1),
	/* lr and the AMOs return the old value sign-extended (.w); sc a code */
	[DECODE_OP_LR_W] = ATOMIC(L_LR, 0x02, 0, 1), [DECODE_OP_LR_D] = ATOMIC(L_LR, 0x02, 1, 1),
	[DECODE_OP_SC_W] = ATOMIC(L_AMO, 0x03, 0, 0), [DECODE_OP_SC_D] = ATOMIC(L_AMO, 0x03, 1, 0),
	AMOPAIR(AMOSWAP, 0x01), AMOPAIR(AMOADD, 0x00), AMOPAIR(AMOXOR, 0x04),
	AMOPAIR(AMOAND, 0x0c), AMOPAIR(AMOOR, 0x08), AMOPAIR(AMOMIN, 0x10),
	AMOPAIR(AMOMAX, 0x14), AMOPAIR(AMOMINU, 0x18), AMOPAIR(AMOMAXU, 0x1c),
	AMOPAIR(AMOCAS, 0x05),
};

/* The operand fields each layout has. */
static unsigned layout_fields(enum layout l)
{
	switch (l) {
	case L_NONE:  return 0;
	case L_CSR:   return F_RD | F_RS1 | F_CSR;
	case L_FENCE: return F_RS1 | F_RS2;
	case L_HLV:   return F_RD | F_RS1;
	case L_HSV:   return F_RS1 | F_RS2;
	case L_LOAD:  return F_RD | F_RS1 | F_IMM;
	case L_STORE: return F_RS1 | F_RS2 | F_IMM;
	case L_CLW: case L_CLD: case L_CIW: case L_CID:
		return F_RD | F_RS1 | F_IMM;
	case L_CSW: case L_CSD: case L_CSSW: case L_CSSD:
		return F_RS1 | F_RS2 | F_IMM;
	case L_LR:    return F_RD | F_RS1 | F_ORDER;
	case L_AMO:   return F_RD | F_RS1 | F_RS2 | F_ORDER;
	}
	return 0;
}

/* A field value, checked to fit in 'bits' bits. */
static uint32_t fit(uint64_t v, unsigned bits, const char *what)
{
	FUZZ_CHECK(v < (1ull << bits), "%s = %llu does not fit in %u bits", what,
		   (unsigned long long)v, bits);
	return (uint32_t)v;
}

/* A compressed register field: x8..x15 as 3 bits. */
static uint32_t creg(uint8_t r, const char *what)
{
	FUZZ_CHECK(r >= 8 && r < 16, "%s = x%u is not a compressed register", what, r);
	return r - 8u;
}

/* An unsigned, 'scale'-aligned compressed offset below 'limit'. */
static uint32_t cimm(int64_t imm, unsigned scale, int64_t limit)
{
	FUZZ_CHECK(imm >= 0 && imm < limit && imm % scale == 0,
		   "compressed offset %lld is not a multiple of %u in [0, %lld)",
		   (long long)imm, scale, (long long)limit);
	return (uint32_t)imm;
}

/* Bits [hi:lo] of v placed at bit 'at'. */
static uint32_t put(uint32_t v, unsigned hi, unsigned lo, unsigned at)
{
	return field(v, hi, lo) << at;
}

/* Encode a decoded instruction from its fields, per the ISA's formats. */
static uint32_t encode(const struct decode_insn *d)
{
	const struct ref_info *ri = &ref_info[d->op];
	uint32_t rd = fit(d->rd, 5, "rd"), rs1 = fit(d->rs1, 5, "rs1");
	uint32_t rs2 = fit(d->rs2, 5, "rs2"), u;
	int64_t imm = d->imm;

	switch (ri->layout) {
	case L_NONE:
		return ri->base;
	case L_CSR:
		return ri->base | fit(d->csr, 12, "csr") << 20 | rs1 << 15 | rd << 7;
	case L_FENCE:
	case L_HSV:
		return ri->base | rs2 << 20 | rs1 << 15;
	case L_HLV:
		return ri->base | rs1 << 15 | rd << 7;
	case L_LOAD:
		FUZZ_CHECK(imm >= -2048 && imm < 2048, "I-immediate %lld", (long long)imm);
		return ri->base | ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | rd << 7;
	case L_STORE:
		FUZZ_CHECK(imm >= -2048 && imm < 2048, "S-immediate %lld", (long long)imm);
		u = (uint32_t)imm & 0xfff;
		return ri->base | put(u, 11, 5, 25) | rs2 << 20 | rs1 << 15 | put(u, 4, 0, 7);
	case L_CLW:	/* c.lw: uimm[5:3] -> 12:10, uimm[2] -> 6, uimm[6] -> 5 */
	case L_CSW:
		u = cimm(imm, 4, 128);
		return ri->base | put(u, 5, 3, 10) | put(u, 2, 2, 6) | put(u, 6, 6, 5) |
		       creg(d->rs1, "rs1'") << 7 |
		       creg(ri->layout == L_CLW ? d->rd : d->rs2, "rd'/rs2'") << 2;
	case L_CLD:	/* c.ld: uimm[5:3] -> 12:10, uimm[7:6] -> 6:5 */
	case L_CSD:
		u = cimm(imm, 8, 256);
		return ri->base | put(u, 5, 3, 10) | put(u, 7, 6, 5) |
		       creg(d->rs1, "rs1'") << 7 |
		       creg(ri->layout == L_CLD ? d->rd : d->rs2, "rd'/rs2'") << 2;
	case L_CIW:	/* c.lwsp: uimm[5] -> 12, uimm[4:2] -> 6:4, uimm[7:6] -> 3:2 */
		FUZZ_CHECK(d->rs1 == 2, "c.lwsp base x%u", d->rs1);
		u = cimm(imm, 4, 256);
		return ri->base | put(u, 5, 5, 12) | rd << 7 | put(u, 4, 2, 4) | put(u, 7, 6, 2);
	case L_CID:	/* c.ldsp: uimm[5] -> 12, uimm[4:3] -> 6:5, uimm[8:6] -> 4:2 */
		FUZZ_CHECK(d->rs1 == 2, "c.ldsp base x%u", d->rs1);
		u = cimm(imm, 8, 512);
		return ri->base | put(u, 5, 5, 12) | rd << 7 | put(u, 4, 3, 5) | put(u, 8, 6, 2);
	case L_CSSW:	/* c.swsp: uimm[5:2] -> 12:9, uimm[7:6] -> 8:7 */
		FUZZ_CHECK(d->rs1 == 2, "c.swsp base x%u", d->rs1);
		u = cimm(imm, 4, 256);
		return ri->base | put(u, 5, 2, 9) | put(u, 7, 6, 7) | rs2 << 2;
	case L_CSSD:	/* c.sdsp: uimm[5:3] -> 12:10, uimm[8:6] -> 9:7 */
		FUZZ_CHECK(d->rs1 == 2, "c.sdsp base x%u", d->rs1);
		u = cimm(imm, 8, 512);
		return ri->base | put(u, 5, 3, 10) | put(u, 8, 6, 7) | rs2 << 2;
	case L_LR:	/* aq -> 26, rl -> 25; no rs2 */
		return ri->base | (uint32_t)d->aq << 26 | (uint32_t)d->rl << 25 |
		       rs1 << 15 | rd << 7;
	case L_AMO:
		return ri->base | (uint32_t)d->aq << 26 | (uint32_t)d->rl << 25 |
		       rs2 << 20 | rs1 << 15 | rd << 7;
	}
	return 0;
}

/* ---- The checks ------------------------------------------------------------ */

static bool same(const struct decode_insn *a, const struct decode_insn *b)
{
	return a->op == b->op && a->cls == b->cls && a->len == b->len &&
	       a->rd == b->rd && a->rs1 == b->rs1 && a->rs2 == b->rs2 &&
	       a->csr == b->csr && a->csr_imm == b->csr_imm && a->imm == b->imm &&
	       a->width == b->width && a->is_signed == b->is_signed && a->fp == b->fp &&
	       a->aq == b->aq && a->rl == b->rl;
}

/* Operand fields the op does not have are 0 (imm: csr_imm ops carry the uimm). */
static void check_unused_fields(const struct decode_insn *d, uint32_t raw)
{
	unsigned f = layout_fields(ref_info[d->op].layout);
	bool imm_op = d->cls == DECODE_CLASS_CSR && (field(raw, 14, 12) & 4);

	FUZZ_CHECK((f & F_RD) || d->rd == 0, "0x%08x: rd = %u", raw, d->rd);
	FUZZ_CHECK((f & F_RS1) || d->rs1 == 0, "0x%08x: rs1 = %u", raw, d->rs1);
	FUZZ_CHECK((f & F_RS2) || d->rs2 == 0, "0x%08x: rs2 = %u", raw, d->rs2);
	FUZZ_CHECK((f & F_CSR) || d->csr == 0, "0x%08x: csr = 0x%x", raw, d->csr);
	FUZZ_CHECK((f & F_ORDER) || (!d->aq && !d->rl), "0x%08x: aq %d rl %d", raw, d->aq, d->rl);
	FUZZ_CHECK(d->csr_imm == imm_op, "0x%08x: csr_imm = %d", raw, d->csr_imm);
	if (imm_op)
		FUZZ_CHECK(d->imm == d->rs1, "0x%08x: uimm %lld != rs1 %u", raw,
			   (long long)d->imm, d->rs1);
	else
		FUZZ_CHECK((f & F_IMM) || d->imm == 0, "0x%08x: imm = %lld", raw,
			   (long long)d->imm);
}

static void check_word(uint32_t raw)
{
	struct decode_insn d, again;
	bool compressed = (raw & 3) != 3;
	uint32_t bits = compressed ? raw & 0xffff : raw;

	memset(&d, 0, sizeof(d));
	int ret = decode_insn(raw, &d);

	/* 1. Shape. */
	FUZZ_CHECK(d.len == (compressed ? 2 : 4), "0x%08x: len %u", raw, d.len);
	FUZZ_CHECK((unsigned)d.op < DECODE_OP_COUNT, "0x%08x: op %u", raw, (unsigned)d.op);
	FUZZ_CHECK(ret == (d.op == DECODE_OP_UNKNOWN ? -1 : 0), "0x%08x: ret %d for op %s",
		   raw, ret, decode_op_name(d.op));
	FUZZ_CHECK(d.rd < 32 && d.rs1 < 32 && d.rs2 < 32, "0x%08x: register out of range", raw);

	/* 2. Recognition. */
	enum decode_op want = ref_op(raw);
	FUZZ_CHECK(d.op == want, "0x%08x: decoded as %s, the ISA says %s", raw,
		   decode_op_name(d.op), decode_op_name(want));

	/* 3. Per-op facts and unused fields. */
	const struct ref_info *ri = &ref_info[d.op];
	FUZZ_CHECK(d.cls == ri->cls && d.width == ri->width && d.is_signed == ri->is_signed &&
		   d.fp == ri->fp, "0x%08x (%s): cls %d width %u signed %d fp %d", raw,
		   decode_op_name(d.op), d.cls, d.width, d.is_signed, d.fp);
	check_unused_fields(&d, raw);

	/* 4. Round trip (an unknown word has nothing to re-encode). */
	if (d.op != DECODE_OP_UNKNOWN) {
		uint32_t enc = encode(&d);
		FUZZ_CHECK(enc == bits, "0x%08x (%s) re-encodes as 0x%08x", raw,
			   decode_op_name(d.op), enc);
	}

	/* 5. Determinism, every field written, upper half of a compressed word ignored. */
	memset(&again, 0xa5, sizeof(again));
	decode_insn(raw, &again);
	FUZZ_CHECK(same(&d, &again), "0x%08x: decoding over garbage differs", raw);
	if (compressed) {
		memset(&again, 0x5a, sizeof(again));
		decode_insn(bits | (~raw & 0xffff0000u), &again);
		FUZZ_CHECK(same(&d, &again), "0x%08x: upper half changes a compressed decode", raw);
	}
}

/* 6. Names: once for the whole enum, and for any value the input names. */
static void check_names(void)
{
	for (unsigned a = 0; a < DECODE_OP_COUNT; a++) {
		const char *na = decode_op_name((enum decode_op)a);
		FUZZ_CHECK(na && na[0], "op %u has no name", a);
		FUZZ_CHECK(a == DECODE_OP_UNKNOWN || strcmp(na, "unknown"),
			   "op %u is named \"unknown\"", a);
		for (unsigned b = 0; b < a; b++)
			FUZZ_CHECK(strcmp(na, decode_op_name((enum decode_op)b)),
				   "ops %u and %u are both \"%s\"", a, b, na);
	}
}

static void check_name_of(uint32_t v)
{
	const char *n = decode_op_name((enum decode_op)v);
	FUZZ_CHECK(n != NULL, "decode_op_name(%u) is NULL", v);
	if (v >= DECODE_OP_COUNT)
		FUZZ_CHECK(!strcmp(n, "unknown"), "decode_op_name(%u) = \"%s\"", v, n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	check_names();
	for (uint32_t w = 0; w < 0x10000; w++)
		if ((w & 3) != 3)
			check_word(w);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	/* A few words per input: short inputs keep the executions fast. */
	for (unsigned i = 0; i < 8 && in.n; i++) {
		uint32_t raw = fuzz_u32(&in);
		check_word(raw);
		check_word(raw & 0xffff);
		check_word(raw >> 16);
		check_name_of(raw);
	}
	return 0;
}
