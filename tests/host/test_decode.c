/*
 * test_decode.c - host unit test for src/decode.
 *
 * One table of { assembly, encoding, expected decode_insn() return,
 * expected struct } rows.  The encodings were produced by the GNU
 * assembler from the assembly text (riscv64-unknown-elf-as
 * -march=rv64gc_zicsr_zifencei_h_svinval); tests/host/decode_asm_check.py
 * re-assembles every row and fails if an encoding or an expected struct
 * disagrees with the assembler.  Rows with empty assembly text are
 * encodings the assembler will not produce (reserved or malformed ones);
 * their comments say how they were built.
 *
 * Fields not named in an expected struct are 0 / false.
 *
 * Build and run (from the repository root):
 *   gcc -std=c11 -Wall -Wextra -Werror -O2 -Isrc/decode -Isrc/include \
 *       -o build/test_decode tests/host/test_decode.c src/decode/decode.c
 *   ./build/test_decode
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"

#define HARNESS_NAME "decode"
#include "harness.h"

struct row {
	const char *asm_text;	/* what was assembled; "" if hand-built */
	uint32_t raw;
	int ret;		/* expected return of decode_insn() */
	struct decode_insn want;
};

static const struct row rows[] = {
	/* Zicsr: register forms (csr, rd, rs1 incl. x0/x31) */
	{ "csrrw a0, 0x300, a1", 0x30059573, 0,
	  { .op = DECODE_OP_CSRRW, .len = 4, .rd = 10, .rs1 = 11, .csr = 0x300, .cls = DECODE_CLASS_CSR } },
	{ "csrrw x0, 0x100, x31", 0x100f9073, 0,
	  { .op = DECODE_OP_CSRRW, .len = 4, .rs1 = 31, .csr = 0x100, .cls = DECODE_CLASS_CSR } },
	{ "csrrw a0, 0x600, a0", 0x60051573, 0,
	  { .op = DECODE_OP_CSRRW, .len = 4, .rd = 10, .rs1 = 10, .csr = 0x600, .cls = DECODE_CLASS_CSR } },
	{ "csrrw x31, 0x180, x0", 0x18001ff3, 0,
	  { .op = DECODE_OP_CSRRW, .len = 4, .rd = 31, .csr = 0x180, .cls = DECODE_CLASS_CSR } },
	{ "csrrs a0, 0xc01, x0", 0xc0102573, 0,
	  { .op = DECODE_OP_CSRRS, .len = 4, .rd = 10, .csr = 0xc01, .cls = DECODE_CLASS_CSR } },
	{ "csrrs x31, 0x180, t0", 0x1802aff3, 0,
	  { .op = DECODE_OP_CSRRS, .len = 4, .rd = 31, .rs1 = 5, .csr = 0x180, .cls = DECODE_CLASS_CSR } },
	{ "csrrs a0, 0xf14, x0", 0xf1402573, 0,
	  { .op = DECODE_OP_CSRRS, .len = 4, .rd = 10, .csr = 0xf14, .cls = DECODE_CLASS_CSR } },
	{ "csrrs x0, 0x144, a2", 0x14462073, 0,
	  { .op = DECODE_OP_CSRRS, .len = 4, .rs1 = 12, .csr = 0x144, .cls = DECODE_CLASS_CSR } },
	{ "csrrc t1, 0x144, a2", 0x14463373, 0,
	  { .op = DECODE_OP_CSRRC, .len = 4, .rd = 6, .rs1 = 12, .csr = 0x144, .cls = DECODE_CLASS_CSR } },
	{ "csrrc x0, 0xfff, x31", 0xffffb073, 0,
	  { .op = DECODE_OP_CSRRC, .len = 4, .rs1 = 31, .csr = 0xfff, .cls = DECODE_CLASS_CSR } },
	{ "csrrc a0, 0x100, x0", 0x10003573, 0,
	  { .op = DECODE_OP_CSRRC, .len = 4, .rd = 10, .csr = 0x100, .cls = DECODE_CLASS_CSR } },
	/* Zicsr: immediate forms (rs1 field is uimm[4:0]) */
	{ "csrrwi a0, 0x100, 31", 0x100fd573, 0,
	  { .op = DECODE_OP_CSRRWI, .len = 4, .rd = 10, .rs1 = 31, .csr = 0x100, .csr_imm = true, .imm = 31, .cls = DECODE_CLASS_CSR } },
	{ "csrrwi x0, 0x180, 0", 0x18005073, 0,
	  { .op = DECODE_OP_CSRRWI, .len = 4, .csr = 0x180, .csr_imm = true, .cls = DECODE_CLASS_CSR } },
	{ "csrrsi x31, 0x300, 1", 0x3000eff3, 0,
	  { .op = DECODE_OP_CSRRSI, .len = 4, .rd = 31, .rs1 = 1, .csr = 0x300, .csr_imm = true, .imm = 1, .cls = DECODE_CLASS_CSR } },
	{ "csrrsi a5, 0xc01, 0", 0xc01067f3, 0,
	  { .op = DECODE_OP_CSRRSI, .len = 4, .rd = 15, .csr = 0xc01, .csr_imm = true, .cls = DECODE_CLASS_CSR } },
	{ "csrrci a1, 0x100, 2", 0x100175f3, 0,
	  { .op = DECODE_OP_CSRRCI, .len = 4, .rd = 11, .rs1 = 2, .csr = 0x100, .csr_imm = true, .imm = 2, .cls = DECODE_CLASS_CSR } },
	{ "csrrci x0, 0x000, 31", 0x000ff073, 0,
	  { .op = DECODE_OP_CSRRCI, .len = 4, .rs1 = 31, .csr = 0x000, .csr_imm = true, .imm = 31, .cls = DECODE_CLASS_CSR } },
	{ "csrrsi x0, 0x14d, 16", 0x14d86073, 0,
	  { .op = DECODE_OP_CSRRSI, .len = 4, .rs1 = 16, .csr = 0x14d, .csr_imm = true, .imm = 16, .cls = DECODE_CLASS_CSR } },
	/* Trap entry/return and wait */
	{ "ecall", 0x00000073, 0,
	  { .op = DECODE_OP_ECALL, .len = 4, .cls = DECODE_CLASS_SYSTEM } },
	{ "ebreak", 0x00100073, 0,
	  { .op = DECODE_OP_EBREAK, .len = 4, .cls = DECODE_CLASS_SYSTEM } },
	{ "sret", 0x10200073, 0,
	  { .op = DECODE_OP_SRET, .len = 4, .cls = DECODE_CLASS_SYSTEM } },
	{ "mret", 0x30200073, 0,
	  { .op = DECODE_OP_MRET, .len = 4, .cls = DECODE_CLASS_SYSTEM } },
	{ "wfi", 0x10500073, 0,
	  { .op = DECODE_OP_WFI, .len = 4, .cls = DECODE_CLASS_SYSTEM } },
	{ "c.ebreak", 0x9002, 0,
	  { .op = DECODE_OP_C_EBREAK, .len = 2, .cls = DECODE_CLASS_SYSTEM } },
	/* Fences: sfence.vma, Svinval, H fences */
	{ "sfence.vma x0, x0", 0x12000073, 0,
	  { .op = DECODE_OP_SFENCE_VMA, .len = 4, .cls = DECODE_CLASS_FENCE } },
	{ "sfence.vma a0, a1", 0x12b50073, 0,
	  { .op = DECODE_OP_SFENCE_VMA, .len = 4, .rs1 = 10, .rs2 = 11, .cls = DECODE_CLASS_FENCE } },
	{ "sfence.vma x31, x31", 0x13ff8073, 0,
	  { .op = DECODE_OP_SFENCE_VMA, .len = 4, .rs1 = 31, .rs2 = 31, .cls = DECODE_CLASS_FENCE } },
	{ "sinval.vma a0, x0", 0x16050073, 0,
	  { .op = DECODE_OP_SINVAL_VMA, .len = 4, .rs1 = 10, .cls = DECODE_CLASS_FENCE } },
	{ "sinval.vma x31, a7", 0x171f8073, 0,
	  { .op = DECODE_OP_SINVAL_VMA, .len = 4, .rs1 = 31, .rs2 = 17, .cls = DECODE_CLASS_FENCE } },
	{ "sfence.w.inval", 0x18000073, 0,
	  { .op = DECODE_OP_SFENCE_W_INVAL, .len = 4, .cls = DECODE_CLASS_FENCE } },
	{ "sfence.inval.ir", 0x18100073, 0,
	  { .op = DECODE_OP_SFENCE_INVAL_IR, .len = 4, .cls = DECODE_CLASS_FENCE } },
	{ "hfence.vvma a0, a1", 0x22b50073, 0,
	  { .op = DECODE_OP_HFENCE_VVMA, .len = 4, .rs1 = 10, .rs2 = 11, .cls = DECODE_CLASS_FENCE } },
	{ "hfence.vvma x0, x0", 0x22000073, 0,
	  { .op = DECODE_OP_HFENCE_VVMA, .len = 4, .cls = DECODE_CLASS_FENCE } },
	{ "hfence.gvma a2, x31", 0x63f60073, 0,
	  { .op = DECODE_OP_HFENCE_GVMA, .len = 4, .rs1 = 12, .rs2 = 31, .cls = DECODE_CLASS_FENCE } },
	{ "hfence.gvma x0, a0", 0x62a00073, 0,
	  { .op = DECODE_OP_HFENCE_GVMA, .len = 4, .rs2 = 10, .cls = DECODE_CLASS_FENCE } },
	{ "hinval.vvma t0, t1", 0x26628073, 0,
	  { .op = DECODE_OP_HINVAL_VVMA, .len = 4, .rs1 = 5, .rs2 = 6, .cls = DECODE_CLASS_FENCE } },
	{ "hinval.gvma x31, x0", 0x660f8073, 0,
	  { .op = DECODE_OP_HINVAL_GVMA, .len = 4, .rs1 = 31, .cls = DECODE_CLASS_FENCE } },
	/* Hypervisor loads/stores */
	{ "hlv.b a0, (a1)", 0x6005c573, 0,
	  { .op = DECODE_OP_HLV_B, .len = 4, .rd = 10, .rs1 = 11, .width = 1, .is_signed = true, .cls = DECODE_CLASS_HLS } },
	{ "hlv.bu x31, (x0)", 0x60104ff3, 0,
	  { .op = DECODE_OP_HLV_BU, .len = 4, .rd = 31, .width = 1, .cls = DECODE_CLASS_HLS } },
	{ "hlv.h t0, (sp)", 0x640142f3, 0,
	  { .op = DECODE_OP_HLV_H, .len = 4, .rd = 5, .rs1 = 2, .width = 2, .is_signed = true, .cls = DECODE_CLASS_HLS } },
	{ "hlv.hu a0, (x31)", 0x641fc573, 0,
	  { .op = DECODE_OP_HLV_HU, .len = 4, .rd = 10, .rs1 = 31, .width = 2, .cls = DECODE_CLASS_HLS } },
	{ "hlv.w a0, (a1)", 0x6805c573, 0,
	  { .op = DECODE_OP_HLV_W, .len = 4, .rd = 10, .rs1 = 11, .width = 4, .is_signed = true, .cls = DECODE_CLASS_HLS } },
	{ "hlv.wu x0, (a1)", 0x6815c073, 0,
	  { .op = DECODE_OP_HLV_WU, .len = 4, .rs1 = 11, .width = 4, .cls = DECODE_CLASS_HLS } },
	{ "hlv.d s11, (s0)", 0x6c044df3, 0,
	  { .op = DECODE_OP_HLV_D, .len = 4, .rd = 27, .rs1 = 8, .width = 8, .is_signed = true, .cls = DECODE_CLASS_HLS } },
	{ "hlvx.hu a0, (a1)", 0x6435c573, 0,
	  { .op = DECODE_OP_HLVX_HU, .len = 4, .rd = 10, .rs1 = 11, .width = 2, .cls = DECODE_CLASS_HLS } },
	{ "hlvx.wu x31, (x31)", 0x683fcff3, 0,
	  { .op = DECODE_OP_HLVX_WU, .len = 4, .rd = 31, .rs1 = 31, .width = 4, .cls = DECODE_CLASS_HLS } },
	{ "hsv.b a0, (a1)", 0x62a5c073, 0,
	  { .op = DECODE_OP_HSV_B, .len = 4, .rs1 = 11, .rs2 = 10, .width = 1, .cls = DECODE_CLASS_HLS } },
	{ "hsv.h x31, (x0)", 0x67f04073, 0,
	  { .op = DECODE_OP_HSV_H, .len = 4, .rs2 = 31, .width = 2, .cls = DECODE_CLASS_HLS } },
	{ "hsv.w x0, (x31)", 0x6a0fc073, 0,
	  { .op = DECODE_OP_HSV_W, .len = 4, .rs1 = 31, .width = 4, .cls = DECODE_CLASS_HLS } },
	{ "hsv.d s1, (sp)", 0x6e914073, 0,
	  { .op = DECODE_OP_HSV_D, .len = 4, .rs1 = 2, .rs2 = 9, .width = 8, .cls = DECODE_CLASS_HLS } },
	/* Integer loads: I-type imm[11:0], -2048..2047 */
	{ "lb a0, 0(a1)", 0x00058503, 0,
	  { .op = DECODE_OP_LB, .len = 4, .rd = 10, .rs1 = 11, .imm = 0, .width = 1, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "lb x31, -2048(x31)", 0x800f8f83, 0,
	  { .op = DECODE_OP_LB, .len = 4, .rd = 31, .rs1 = 31, .imm = -2048, .width = 1, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "lh a0, 2047(a1)", 0x7ff59503, 0,
	  { .op = DECODE_OP_LH, .len = 4, .rd = 10, .rs1 = 11, .imm = 2047, .width = 2, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "lh x0, -1(sp)", 0xfff11003, 0,
	  { .op = DECODE_OP_LH, .len = 4, .rs1 = 2, .imm = -1, .width = 2, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "lw a0, 16(a1)", 0x0105a503, 0,
	  { .op = DECODE_OP_LW, .len = 4, .rd = 10, .rs1 = 11, .imm = 16, .width = 4, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "lw t0, -4(s0)", 0xffc42283, 0,
	  { .op = DECODE_OP_LW, .len = 4, .rd = 5, .rs1 = 8, .imm = -4, .width = 4, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "ld a0, 8(sp)", 0x00813503, 0,
	  { .op = DECODE_OP_LD, .len = 4, .rd = 10, .rs1 = 2, .imm = 8, .width = 8, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "ld x31, -2048(x0)", 0x80003f83, 0,
	  { .op = DECODE_OP_LD, .len = 4, .rd = 31, .imm = -2048, .width = 8, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "lbu a0, 2047(x31)", 0x7fffc503, 0,
	  { .op = DECODE_OP_LBU, .len = 4, .rd = 10, .rs1 = 31, .imm = 2047, .width = 1, .cls = DECODE_CLASS_LOAD } },
	{ "lbu x1, -1(x2)", 0xfff14083, 0,
	  { .op = DECODE_OP_LBU, .len = 4, .rd = 1, .rs1 = 2, .imm = -1, .width = 1, .cls = DECODE_CLASS_LOAD } },
	{ "lhu a0, 0(x0)", 0x00005503, 0,
	  { .op = DECODE_OP_LHU, .len = 4, .rd = 10, .imm = 0, .width = 2, .cls = DECODE_CLASS_LOAD } },
	{ "lhu s2, -2(s3)", 0xffe9d903, 0,
	  { .op = DECODE_OP_LHU, .len = 4, .rd = 18, .rs1 = 19, .imm = -2, .width = 2, .cls = DECODE_CLASS_LOAD } },
	{ "lwu a0, 4(a1)", 0x0045e503, 0,
	  { .op = DECODE_OP_LWU, .len = 4, .rd = 10, .rs1 = 11, .imm = 4, .width = 4, .cls = DECODE_CLASS_LOAD } },
	{ "lwu x31, -2048(a1)", 0x8005ef83, 0,
	  { .op = DECODE_OP_LWU, .len = 4, .rd = 31, .rs1 = 11, .imm = -2048, .width = 4, .cls = DECODE_CLASS_LOAD } },
	/* FP loads: data register is f<rd> */
	{ "flw fa0, 0(a1)", 0x0005a507, 0,
	  { .op = DECODE_OP_FLW, .len = 4, .rd = 10, .rs1 = 11, .imm = 0, .width = 4, .fp = true, .cls = DECODE_CLASS_LOAD } },
	{ "flw f31, -2048(x31)", 0x800faf87, 0,
	  { .op = DECODE_OP_FLW, .len = 4, .rd = 31, .rs1 = 31, .imm = -2048, .width = 4, .fp = true, .cls = DECODE_CLASS_LOAD } },
	{ "fld f0, 2047(sp)", 0x7ff13007, 0,
	  { .op = DECODE_OP_FLD, .len = 4, .rs1 = 2, .imm = 2047, .width = 8, .fp = true, .cls = DECODE_CLASS_LOAD } },
	{ "fld ft0, -8(a0)", 0xff853007, 0,
	  { .op = DECODE_OP_FLD, .len = 4, .rs1 = 10, .imm = -8, .width = 8, .fp = true, .cls = DECODE_CLASS_LOAD } },
	/* Integer stores: S-type imm split over [31:25] and [11:7] */
	{ "sb a0, 0(a1)", 0x00a58023, 0,
	  { .op = DECODE_OP_SB, .len = 4, .rs1 = 11, .rs2 = 10, .imm = 0, .width = 1, .cls = DECODE_CLASS_STORE } },
	{ "sb x31, -2048(x31)", 0x81ff8023, 0,
	  { .op = DECODE_OP_SB, .len = 4, .rs1 = 31, .rs2 = 31, .imm = -2048, .width = 1, .cls = DECODE_CLASS_STORE } },
	{ "sh x0, 2047(x0)", 0x7e001fa3, 0,
	  { .op = DECODE_OP_SH, .len = 4, .imm = 2047, .width = 2, .cls = DECODE_CLASS_STORE } },
	{ "sh a1, -2(sp)", 0xfeb11f23, 0,
	  { .op = DECODE_OP_SH, .len = 4, .rs1 = 2, .rs2 = 11, .imm = -2, .width = 2, .cls = DECODE_CLASS_STORE } },
	{ "sw a0, 16(a1)", 0x00a5a823, 0,
	  { .op = DECODE_OP_SW, .len = 4, .rs1 = 11, .rs2 = 10, .imm = 16, .width = 4, .cls = DECODE_CLASS_STORE } },
	{ "sw t6, -1(s0)", 0xfff42fa3, 0,
	  { .op = DECODE_OP_SW, .len = 4, .rs1 = 8, .rs2 = 31, .imm = -1, .width = 4, .cls = DECODE_CLASS_STORE } },
	{ "sd a0, 8(sp)", 0x00a13423, 0,
	  { .op = DECODE_OP_SD, .len = 4, .rs1 = 2, .rs2 = 10, .imm = 8, .width = 8, .cls = DECODE_CLASS_STORE } },
	{ "sd x31, -2048(x1)", 0x81f0b023, 0,
	  { .op = DECODE_OP_SD, .len = 4, .rs1 = 1, .rs2 = 31, .imm = -2048, .width = 8, .cls = DECODE_CLASS_STORE } },
	{ "sd ra, 2047(x31)", 0x7e1fbfa3, 0,
	  { .op = DECODE_OP_SD, .len = 4, .rs1 = 31, .rs2 = 1, .imm = 2047, .width = 8, .cls = DECODE_CLASS_STORE } },
	{ "sd a0, 32(x0)", 0x02a03023, 0,
	  { .op = DECODE_OP_SD, .len = 4, .rs2 = 10, .imm = 32, .width = 8, .cls = DECODE_CLASS_STORE } },
	/* FP stores: data register is f<rs2> */
	{ "fsw fa0, 4(a1)", 0x00a5a227, 0,
	  { .op = DECODE_OP_FSW, .len = 4, .rs1 = 11, .rs2 = 10, .imm = 4, .width = 4, .fp = true, .cls = DECODE_CLASS_STORE } },
	{ "fsw f31, -2048(x0)", 0x81f02027, 0,
	  { .op = DECODE_OP_FSW, .len = 4, .rs2 = 31, .imm = -2048, .width = 4, .fp = true, .cls = DECODE_CLASS_STORE } },
	{ "fsd f0, 2047(x31)", 0x7e0fbfa7, 0,
	  { .op = DECODE_OP_FSD, .len = 4, .rs1 = 31, .imm = 2047, .width = 8, .fp = true, .cls = DECODE_CLASS_STORE } },
	{ "fsd fs0, -8(sp)", 0xfe813c27, 0,
	  { .op = DECODE_OP_FSD, .len = 4, .rs1 = 2, .rs2 = 8, .imm = -8, .width = 8, .fp = true, .cls = DECODE_CLASS_STORE } },
	/* C.LW/C.LD/C.FLD: rd' and rs1' are x8..x15, scaled unsigned offsets */
	{ "c.lw s0, 0(s1)", 0x4080, 0,
	  { .op = DECODE_OP_C_LW, .len = 2, .rd = 8, .rs1 = 9, .imm = 0, .width = 4, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.lw a5, 124(a5)", 0x5ffc, 0,
	  { .op = DECODE_OP_C_LW, .len = 2, .rd = 15, .rs1 = 15, .imm = 124, .width = 4, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.lw a0, 64(s0)", 0x4028, 0,
	  { .op = DECODE_OP_C_LW, .len = 2, .rd = 10, .rs1 = 8, .imm = 64, .width = 4, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.lw s1, 4(a0)", 0x4144, 0,
	  { .op = DECODE_OP_C_LW, .len = 2, .rd = 9, .rs1 = 10, .imm = 4, .width = 4, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.lw a2, 40(a3)", 0x5690, 0,
	  { .op = DECODE_OP_C_LW, .len = 2, .rd = 12, .rs1 = 13, .imm = 40, .width = 4, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.ld s0, 0(s0)", 0x6000, 0,
	  { .op = DECODE_OP_C_LD, .len = 2, .rd = 8, .rs1 = 8, .imm = 0, .width = 8, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.ld a5, 248(a5)", 0x7ffc, 0,
	  { .op = DECODE_OP_C_LD, .len = 2, .rd = 15, .rs1 = 15, .imm = 248, .width = 8, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.ld a0, 64(a1)", 0x61a8, 0,
	  { .op = DECODE_OP_C_LD, .len = 2, .rd = 10, .rs1 = 11, .imm = 64, .width = 8, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.ld a4, 136(s1)", 0x64d8, 0,
	  { .op = DECODE_OP_C_LD, .len = 2, .rd = 14, .rs1 = 9, .imm = 136, .width = 8, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.fld fs0, 0(s1)", 0x2080, 0,
	  { .op = DECODE_OP_C_FLD, .len = 2, .rd = 8, .rs1 = 9, .imm = 0, .width = 8, .fp = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.fld fa5, 248(a0)", 0x3d7c, 0,
	  { .op = DECODE_OP_C_FLD, .len = 2, .rd = 15, .rs1 = 10, .imm = 248, .width = 8, .fp = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.fld fa1, 72(a2)", 0x262c, 0,
	  { .op = DECODE_OP_C_FLD, .len = 2, .rd = 11, .rs1 = 12, .imm = 72, .width = 8, .fp = true, .cls = DECODE_CLASS_LOAD } },
	/* C.SW/C.SD/C.FSD */
	{ "c.sw s0, 0(s1)", 0xc080, 0,
	  { .op = DECODE_OP_C_SW, .len = 2, .rs1 = 9, .rs2 = 8, .imm = 0, .width = 4, .cls = DECODE_CLASS_STORE } },
	{ "c.sw a5, 124(a5)", 0xdffc, 0,
	  { .op = DECODE_OP_C_SW, .len = 2, .rs1 = 15, .rs2 = 15, .imm = 124, .width = 4, .cls = DECODE_CLASS_STORE } },
	{ "c.sw a0, 68(a1)", 0xc1e8, 0,
	  { .op = DECODE_OP_C_SW, .len = 2, .rs1 = 11, .rs2 = 10, .imm = 68, .width = 4, .cls = DECODE_CLASS_STORE } },
	{ "c.sd a5, 248(s0)", 0xfc7c, 0,
	  { .op = DECODE_OP_C_SD, .len = 2, .rs1 = 8, .rs2 = 15, .imm = 248, .width = 8, .cls = DECODE_CLASS_STORE } },
	{ "c.sd s1, 8(a0)", 0xe504, 0,
	  { .op = DECODE_OP_C_SD, .len = 2, .rs1 = 10, .rs2 = 9, .imm = 8, .width = 8, .cls = DECODE_CLASS_STORE } },
	{ "c.sd a3, 192(a4)", 0xe374, 0,
	  { .op = DECODE_OP_C_SD, .len = 2, .rs1 = 14, .rs2 = 13, .imm = 192, .width = 8, .cls = DECODE_CLASS_STORE } },
	{ "c.fsd fa0, 248(a5)", 0xbfe8, 0,
	  { .op = DECODE_OP_C_FSD, .len = 2, .rs1 = 15, .rs2 = 10, .imm = 248, .width = 8, .fp = true, .cls = DECODE_CLASS_STORE } },
	{ "c.fsd fs1, 0(s0)", 0xa004, 0,
	  { .op = DECODE_OP_C_FSD, .len = 2, .rs1 = 8, .rs2 = 9, .imm = 0, .width = 8, .fp = true, .cls = DECODE_CLASS_STORE } },
	/* SP-relative loads: full 5-bit rd, base x2 */
	{ "c.lwsp ra, 0(sp)", 0x4082, 0,
	  { .op = DECODE_OP_C_LWSP, .len = 2, .rd = 1, .rs1 = 2, .imm = 0, .width = 4, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.lwsp x31, 252(sp)", 0x5ffe, 0,
	  { .op = DECODE_OP_C_LWSP, .len = 2, .rd = 31, .rs1 = 2, .imm = 252, .width = 4, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.lwsp a0, 36(sp)", 0x5512, 0,
	  { .op = DECODE_OP_C_LWSP, .len = 2, .rd = 10, .rs1 = 2, .imm = 36, .width = 4, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.lwsp t0, 192(sp)", 0x428e, 0,
	  { .op = DECODE_OP_C_LWSP, .len = 2, .rd = 5, .rs1 = 2, .imm = 192, .width = 4, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.ldsp x31, 504(sp)", 0x7ffe, 0,
	  { .op = DECODE_OP_C_LDSP, .len = 2, .rd = 31, .rs1 = 2, .imm = 504, .width = 8, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.ldsp a0, 8(sp)", 0x6522, 0,
	  { .op = DECODE_OP_C_LDSP, .len = 2, .rd = 10, .rs1 = 2, .imm = 8, .width = 8, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.ldsp ra, 264(sp)", 0x60b2, 0,
	  { .op = DECODE_OP_C_LDSP, .len = 2, .rd = 1, .rs1 = 2, .imm = 264, .width = 8, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.ldsp s0, 32(sp)", 0x7402, 0,
	  { .op = DECODE_OP_C_LDSP, .len = 2, .rd = 8, .rs1 = 2, .imm = 32, .width = 8, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.fldsp f0, 0(sp)", 0x2002, 0,
	  { .op = DECODE_OP_C_FLDSP, .len = 2, .rs1 = 2, .imm = 0, .width = 8, .fp = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.fldsp f31, 504(sp)", 0x3ffe, 0,
	  { .op = DECODE_OP_C_FLDSP, .len = 2, .rd = 31, .rs1 = 2, .imm = 504, .width = 8, .fp = true, .cls = DECODE_CLASS_LOAD } },
	{ "c.fldsp fa0, 40(sp)", 0x3522, 0,
	  { .op = DECODE_OP_C_FLDSP, .len = 2, .rd = 10, .rs1 = 2, .imm = 40, .width = 8, .fp = true, .cls = DECODE_CLASS_LOAD } },
	/* SP-relative stores: full 5-bit rs2, base x2 */
	{ "c.swsp x0, 0(sp)", 0xc002, 0,
	  { .op = DECODE_OP_C_SWSP, .len = 2, .rs1 = 2, .imm = 0, .width = 4, .cls = DECODE_CLASS_STORE } },
	{ "c.swsp x31, 252(sp)", 0xdffe, 0,
	  { .op = DECODE_OP_C_SWSP, .len = 2, .rs1 = 2, .rs2 = 31, .imm = 252, .width = 4, .cls = DECODE_CLASS_STORE } },
	{ "c.swsp a0, 132(sp)", 0xc32a, 0,
	  { .op = DECODE_OP_C_SWSP, .len = 2, .rs1 = 2, .rs2 = 10, .imm = 132, .width = 4, .cls = DECODE_CLASS_STORE } },
	{ "c.sdsp x31, 504(sp)", 0xfffe, 0,
	  { .op = DECODE_OP_C_SDSP, .len = 2, .rs1 = 2, .rs2 = 31, .imm = 504, .width = 8, .cls = DECODE_CLASS_STORE } },
	{ "c.sdsp ra, 264(sp)", 0xe606, 0,
	  { .op = DECODE_OP_C_SDSP, .len = 2, .rs1 = 2, .rs2 = 1, .imm = 264, .width = 8, .cls = DECODE_CLASS_STORE } },
	{ "c.sdsp a0, 56(sp)", 0xfc2a, 0,
	  { .op = DECODE_OP_C_SDSP, .len = 2, .rs1 = 2, .rs2 = 10, .imm = 56, .width = 8, .cls = DECODE_CLASS_STORE } },
	{ "c.fsdsp f31, 504(sp)", 0xbffe, 0,
	  { .op = DECODE_OP_C_FSDSP, .len = 2, .rs1 = 2, .rs2 = 31, .imm = 504, .width = 8, .fp = true, .cls = DECODE_CLASS_STORE } },
	{ "c.fsdsp fa0, 8(sp)", 0xa42a, 0,
	  { .op = DECODE_OP_C_FSDSP, .len = 2, .rs1 = 2, .rs2 = 10, .imm = 8, .width = 8, .fp = true, .cls = DECODE_CLASS_STORE } },
	/*
	 * Atomics (A; amocas from Zacas): R-type, funct5 names the op,
	 * funct3 the width, aq/rl in bits 26/25.  rd gets the old value
	 * (sign-extended for .w: is_signed; sc: a success code), rs2 the
	 * value to store, rs1 the address.  binutils 2.40 has no Zacas:
	 * decode_asm_check.py assembles the amocas rows with .insn from
	 * their fields (funct5 00101).
	 */
	{ "lr.w a0, (a1)", 0x1005a52f, 0,
	  { .op = DECODE_OP_LR_W, .len = 4, .rd = 10, .rs1 = 11, .width = 4, .is_signed = true, .cls = DECODE_CLASS_AMO } },
	{ "lr.w.aq x31, (x0)", 0x14002faf, 0,
	  { .op = DECODE_OP_LR_W, .len = 4, .rd = 31, .width = 4, .is_signed = true, .aq = true, .cls = DECODE_CLASS_AMO } },
	{ "lr.d.aqrl t0, (sp)", 0x160132af, 0,
	  { .op = DECODE_OP_LR_D, .len = 4, .rd = 5, .rs1 = 2, .width = 8, .is_signed = true, .aq = true, .rl = true, .cls = DECODE_CLASS_AMO } },
	{ "lr.d a0, (a1)", 0x1005b52f, 0,
	  { .op = DECODE_OP_LR_D, .len = 4, .rd = 10, .rs1 = 11, .width = 8, .is_signed = true, .cls = DECODE_CLASS_AMO } },
	{ "lr.d.rl x1, (x31)", 0x120fb0af, 0,
	  { .op = DECODE_OP_LR_D, .len = 4, .rd = 1, .rs1 = 31, .width = 8, .is_signed = true, .rl = true, .cls = DECODE_CLASS_AMO } },
	{ "sc.w a0, a1, (a2)", 0x18b6252f, 0,
	  { .op = DECODE_OP_SC_W, .len = 4, .rd = 10, .rs1 = 12, .rs2 = 11, .width = 4, .cls = DECODE_CLASS_AMO } },
	{ "sc.w.rl x0, x31, (x31)", 0x1bffa02f, 0,
	  { .op = DECODE_OP_SC_W, .len = 4, .rs1 = 31, .rs2 = 31, .width = 4, .rl = true, .cls = DECODE_CLASS_AMO } },
	{ "sc.d.aqrl s11, x0, (s0)", 0x1e043daf, 0,
	  { .op = DECODE_OP_SC_D, .len = 4, .rd = 27, .rs1 = 8, .width = 8, .aq = true, .rl = true, .cls = DECODE_CLASS_AMO } },
	{ "sc.d.aq a5, a4, (a3)", 0x1ce6b7af, 0,
	  { .op = DECODE_OP_SC_D, .len = 4, .rd = 15, .rs1 = 13, .rs2 = 14, .width = 8, .aq = true, .cls = DECODE_CLASS_AMO } },
	{ "amoswap.w a0, a1, (a2)", 0x08b6252f, 0,
	  { .op = DECODE_OP_AMOSWAP_W, .len = 4, .rd = 10, .rs1 = 12, .rs2 = 11, .width = 4, .is_signed = true, .cls = DECODE_CLASS_AMO } },
	{ "amoswap.w.aqrl x31, x31, (x31)", 0x0fffafaf, 0,
	  { .op = DECODE_OP_AMOSWAP_W, .len = 4, .rd = 31, .rs1 = 31, .rs2 = 31, .width = 4, .is_signed = true, .aq = true, .rl = true, .cls = DECODE_CLASS_AMO } },
	{ "amoswap.d.aq x0, ra, (sp)", 0x0c11302f, 0,
	  { .op = DECODE_OP_AMOSWAP_D, .len = 4, .rs1 = 2, .rs2 = 1, .width = 8, .is_signed = true, .aq = true, .cls = DECODE_CLASS_AMO } },
	{ "amoadd.w a0, a1, (a2)", 0x00b6252f, 0,
	  { .op = DECODE_OP_AMOADD_W, .len = 4, .rd = 10, .rs1 = 12, .rs2 = 11, .width = 4, .is_signed = true, .cls = DECODE_CLASS_AMO } },
	{ "amoadd.d.rl t1, t2, (t0)", 0x0272b32f, 0,
	  { .op = DECODE_OP_AMOADD_D, .len = 4, .rd = 6, .rs1 = 5, .rs2 = 7, .width = 8, .is_signed = true, .rl = true, .cls = DECODE_CLASS_AMO } },
	{ "amoxor.w.aqrl s1, s2, (s3)", 0x2729a4af, 0,
	  { .op = DECODE_OP_AMOXOR_W, .len = 4, .rd = 9, .rs1 = 19, .rs2 = 18, .width = 4, .is_signed = true, .aq = true, .rl = true, .cls = DECODE_CLASS_AMO } },
	{ "amoxor.d a0, x0, (a1)", 0x2005b52f, 0,
	  { .op = DECODE_OP_AMOXOR_D, .len = 4, .rd = 10, .rs1 = 11, .width = 8, .is_signed = true, .cls = DECODE_CLASS_AMO } },
	{ "amoand.w x0, x0, (x0)", 0x6000202f, 0,
	  { .op = DECODE_OP_AMOAND_W, .len = 4, .width = 4, .is_signed = true, .cls = DECODE_CLASS_AMO } },
	{ "amoand.d.aq a6, a7, (s4)", 0x651a382f, 0,
	  { .op = DECODE_OP_AMOAND_D, .len = 4, .rd = 16, .rs1 = 20, .rs2 = 17, .width = 8, .is_signed = true, .aq = true, .cls = DECODE_CLASS_AMO } },
	{ "amoor.w.rl a0, a1, (a2)", 0x42b6252f, 0,
	  { .op = DECODE_OP_AMOOR_W, .len = 4, .rd = 10, .rs1 = 12, .rs2 = 11, .width = 4, .is_signed = true, .rl = true, .cls = DECODE_CLASS_AMO } },
	{ "amoor.d x31, x30, (x29)", 0x41eebfaf, 0,
	  { .op = DECODE_OP_AMOOR_D, .len = 4, .rd = 31, .rs1 = 29, .rs2 = 30, .width = 8, .is_signed = true, .cls = DECODE_CLASS_AMO } },
	{ "amomin.w t3, t4, (t5)", 0x81df2e2f, 0,
	  { .op = DECODE_OP_AMOMIN_W, .len = 4, .rd = 28, .rs1 = 30, .rs2 = 29, .width = 4, .is_signed = true, .cls = DECODE_CLASS_AMO } },
	{ "amomin.d.aqrl a0, a1, (a2)", 0x86b6352f, 0,
	  { .op = DECODE_OP_AMOMIN_D, .len = 4, .rd = 10, .rs1 = 12, .rs2 = 11, .width = 8, .is_signed = true, .aq = true, .rl = true, .cls = DECODE_CLASS_AMO } },
	{ "amomax.w.aq s5, s6, (s7)", 0xa56baaaf, 0,
	  { .op = DECODE_OP_AMOMAX_W, .len = 4, .rd = 21, .rs1 = 23, .rs2 = 22, .width = 4, .is_signed = true, .aq = true, .cls = DECODE_CLASS_AMO } },
	{ "amomax.d a0, a1, (x0)", 0xa0b0352f, 0,
	  { .op = DECODE_OP_AMOMAX_D, .len = 4, .rd = 10, .rs2 = 11, .width = 8, .is_signed = true, .cls = DECODE_CLASS_AMO } },
	{ "amominu.w a0, a1, (a2)", 0xc0b6252f, 0,
	  { .op = DECODE_OP_AMOMINU_W, .len = 4, .rd = 10, .rs1 = 12, .rs2 = 11, .width = 4, .is_signed = true, .cls = DECODE_CLASS_AMO } },
	{ "amominu.d.rl s8, s9, (s10)", 0xc39d3c2f, 0,
	  { .op = DECODE_OP_AMOMINU_D, .len = 4, .rd = 24, .rs1 = 26, .rs2 = 25, .width = 8, .is_signed = true, .rl = true, .cls = DECODE_CLASS_AMO } },
	{ "amomaxu.w.aqrl a2, a3, (a4)", 0xe6d7262f, 0,
	  { .op = DECODE_OP_AMOMAXU_W, .len = 4, .rd = 12, .rs1 = 14, .rs2 = 13, .width = 4, .is_signed = true, .aq = true, .rl = true, .cls = DECODE_CLASS_AMO } },
	{ "amomaxu.d t6, x0, (ra)", 0xe000bfaf, 0,
	  { .op = DECODE_OP_AMOMAXU_D, .len = 4, .rd = 31, .rs1 = 1, .width = 8, .is_signed = true, .cls = DECODE_CLASS_AMO } },
	{ "amocas.w a0, a1, (a2)", 0x28b6252f, 0,
	  { .op = DECODE_OP_AMOCAS_W, .len = 4, .rd = 10, .rs1 = 12, .rs2 = 11, .width = 4, .is_signed = true, .cls = DECODE_CLASS_AMO } },
	{ "amocas.w.aq x31, x0, (x31)", 0x2c0fafaf, 0,
	  { .op = DECODE_OP_AMOCAS_W, .len = 4, .rd = 31, .rs1 = 31, .width = 4, .is_signed = true, .aq = true, .cls = DECODE_CLASS_AMO } },
	{ "amocas.d.aqrl t0, t1, (t2)", 0x2e63b2af, 0,
	  { .op = DECODE_OP_AMOCAS_D, .len = 4, .rd = 5, .rs1 = 7, .rs2 = 6, .width = 8, .is_signed = true, .aq = true, .rl = true, .cls = DECODE_CLASS_AMO } },
	{ "amocas.d.rl x0, s1, (a0)", 0x2a95302f, 0,
	  { .op = DECODE_OP_AMOCAS_D, .len = 4, .rs1 = 10, .rs2 = 9, .width = 8, .is_signed = true, .rl = true, .cls = DECODE_CLASS_AMO } },
	/* Not emulated: must be unknown */
	{ "add a0, a1, a2", 0x00c58533, -1,
	  { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	{ "addi a0, a0, 1", 0x00150513, -1,
	  { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	{ "fence", 0x0ff0000f, -1,
	  { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	{ "fence.i", 0x0000100f, -1,
	  { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	{ "fadd.d fa0, fa1, fa2", 0x02c5f553, -1,
	  { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	{ "c.addi a0, 1", 0x0505, -1,
	  { .op = DECODE_OP_UNKNOWN, .len = 2 } },
	{ "c.nop", 0x0001, -1,
	  { .op = DECODE_OP_UNKNOWN, .len = 2 } },
	{ "c.mv a0, a1", 0x852e, -1,
	  { .op = DECODE_OP_UNKNOWN, .len = 2 } },
	{ "c.jr ra", 0x8082, -1,
	  { .op = DECODE_OP_UNKNOWN, .len = 2 } },
	{ "c.addi4spn s0, sp, 4", 0x0040, -1,
	  { .op = DECODE_OP_UNKNOWN, .len = 2 } },

	/*
	 * Hand-built encodings the assembler refuses to produce.  All must be
	 * unknown.  SYSTEM = 1110011, funct3 in [14:12], rd in [11:7].
	 */
	/* funct3 = 4 with funct7 = 0: not an hlv/hsv, reserved */
	{ "", 0x00004073, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* "hlv" with rs2 field = 2 (only 0, 1, 3 are defined): 0x6025c573 */
	{ "", 0x6025c573, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* hsv.b a1, (a1) but with rd = x1 instead of 0 */
	{ "", 0x62b5c0f3, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* sret (0x10200073) with rs1 = x1 */
	{ "", 0x10208073, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* mret (0x30200073) with rd = x8 */
	{ "", 0x30200473, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* wfi (0x10500073) with rs1 = x1 */
	{ "", 0x10508073, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* ecall / ebreak with rd = x1 */
	{ "", 0x000000f3, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	{ "", 0x001000f3, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* sfence.vma x0, x0 (0x12000073) with rd = x1 */
	{ "", 0x120000f3, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* sfence.w.inval (0x18000073) with rs1 = x10 */
	{ "", 0x18050073, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* funct7 = 0001100 with rs2 = 2: past sfence.inval.ir, reserved */
	{ "", 0x18200073, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* dret (debug spec) is not emulated */
	{ "", 0x7b200073, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* LOAD funct3 = 7 ("ldu", reserved in RV64): 0(a1) -> a0 */
	{ "", 0x0005f503, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* STORE funct3 = 4 (reserved) */
	{ "", 0x00b5c023, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* LOAD-FP funct3 = 1 (flh), 4 (flq), 0 (vector load) */
	{ "", 0x00159507, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	{ "", 0x0005c507, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	{ "", 0x02058507, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* 0x00000000 is c.unimp (a 16-bit word), 0xffffffff a >32-bit prefix */
	{ "", 0x00000000, -1, { .op = DECODE_OP_UNKNOWN, .len = 2 } },
	{ "", 0x0000, -1, { .op = DECODE_OP_UNKNOWN, .len = 2 } },
	{ "", 0xffffffff, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* 48-bit instruction prefix (bits [5:0] = 011111) */
	{ "", 0x0000001f, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* c.unimp with junk in the upper half: only [15:0] counts */
	{ "", 0xffff0000, -1, { .op = DECODE_OP_UNKNOWN, .len = 2 } },
	/* c.lwsp / c.ldsp with rd = x0 are reserved */
	{ "", 0x4002, -1, { .op = DECODE_OP_UNKNOWN, .len = 2 } },
	{ "", 0x707e, -1, { .op = DECODE_OP_UNKNOWN, .len = 2 } },
	/* quadrant 0, funct3 = 4: reserved */
	{ "", 0x8000, -1, { .op = DECODE_OP_UNKNOWN, .len = 2 } },
	/* AMO opcode (0101111), from amoadd.w a0, a1, (a2) = 0x00b6252f and
	 * relatives: funct3 = 0 and 1 are Zabha's amo*.b/.h (amoadd.b,
	 * amoswap.h), 4 is amocas.q (register pairs), 7 is unassigned */
	{ "", 0x00b6052f, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	{ "", 0x08b6152f, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	{ "", 0x28b6452f, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	{ "", 0x00b6752f, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* lr.w a0, (a1) (0x1005a52f) with rs2 = x1: lr has no rs2, reserved */
	{ "", 0x1015a52f, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* lr.d.aqrl a0, (a1) (0x1605b52f) with rs2 = x31 */
	{ "", 0x17f5b52f, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	/* funct5 = 00110 and 11111 are unassigned (amoadd.w's fields otherwise) */
	{ "", 0x30b6252f, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },
	{ "", 0xf8b6252f, -1, { .op = DECODE_OP_UNKNOWN, .len = 4 } },

	/* Compressed words with junk in [31:16] still decode from [15:0]. */
	/* c.lw a0, 4(a1) = 0x41c8 */
	{ "", 0xdead41c8, 0,
	  { .op = DECODE_OP_C_LW, .len = 2, .rd = 10, .rs1 = 11, .imm = 4, .width = 4, .is_signed = true, .cls = DECODE_CLASS_LOAD } },
	/* c.sdsp ra, 8(sp) = 0xe406 */
	{ "", 0xffffe406, 0,
	  { .op = DECODE_OP_C_SDSP, .len = 2, .rs1 = 2, .rs2 = 1, .imm = 8, .width = 8, .cls = DECODE_CLASS_STORE } },
	/* c.ebreak = 0x9002 */
	{ "", 0x12349002, 0, { .op = DECODE_OP_C_EBREAK, .len = 2, .cls = DECODE_CLASS_SYSTEM } },
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* Compare one decoded row field by field; a check that fails with what
 * differs. */
static bool row_ok(const struct row *r, int ret, const struct decode_insn *g)
{
	const struct decode_insn *w = &r->want;
	char why[512];
	size_t n = 0;

#define FIELD(f, fmt, cast)						\
	do {								\
		if (g->f != w->f && n < sizeof(why))			\
			n += (size_t)snprintf(why + n, sizeof(why) - n,	\
				" " #f "=" fmt " (want " fmt ")",	\
				(cast)g->f, (cast)w->f);		\
	} while (0)

	why[0] = '\0';
	if (ret != r->ret && n < sizeof(why))
		n += (size_t)snprintf(why + n, sizeof(why) - n,
				      " ret=%d (want %d)", ret, r->ret);
	if (g->op != w->op && n < sizeof(why))
		n += (size_t)snprintf(why + n, sizeof(why) - n,
				      " op=%s (want %s)", decode_op_name(g->op),
				      decode_op_name(w->op));
	FIELD(cls, "%d", int);
	FIELD(len, "%u", unsigned);
	FIELD(rd, "%u", unsigned);
	FIELD(rs1, "%u", unsigned);
	FIELD(rs2, "%u", unsigned);
	FIELD(csr, "0x%x", unsigned);
	FIELD(csr_imm, "%d", int);
	FIELD(imm, "%" PRId64, int64_t);
	FIELD(width, "%u", unsigned);
	FIELD(is_signed, "%d", int);
	FIELD(fp, "%d", int);
	FIELD(aq, "%d", int);
	FIELD(rl, "%d", int);
#undef FIELD
	if (n == 0)
		return harness_pass();
	return harness_fail("0x%08" PRIx32 " %-28s:%s", r->raw,
			    r->asm_text[0] ? r->asm_text : "(hand-built)", why);
}

int main(void)
{
	bool covered[DECODE_OP_COUNT] = { false };

	/* 1. The table. */
	for (size_t i = 0; i < NROWS; i++) {
		struct decode_insn got;
		int ret;

		memset(&got, 0xa5, sizeof(got));	/* catch unset fields */
		ret = decode_insn(rows[i].raw, &got);
		if (row_ok(&rows[i], ret, &got))
			covered[rows[i].want.op] = true;
	}

	/* 2. Every op is exercised by at least one passing row. */
	for (int op = 0; op < DECODE_OP_COUNT; op++)
		HARNESS_CHECKF(covered[op], "op %s (%d) has no passing row",
			       decode_op_name((enum decode_op)op), op);

	/* 3. Op names: present, distinct, "unknown" only for UNKNOWN. */
	for (int op = 0; op < DECODE_OP_COUNT; op++) {
		const char *name = decode_op_name((enum decode_op)op);
		bool ok = name && name[0] &&
			  (op == DECODE_OP_UNKNOWN) == !strcmp(name, "unknown");

		for (int j = 0; ok && j < op; j++)
			ok = strcmp(name, decode_op_name((enum decode_op)j)) != 0;
		HARNESS_CHECKF(ok, "decode_op_name(%d) = \"%s\"", op, name ? name : "(null)");
	}
	HARNESS_CHECK(!strcmp(decode_op_name(DECODE_OP_COUNT), "unknown"));
	HARNESS_CHECK(!strcmp(decode_op_name((enum decode_op)-1), "unknown"));

	return harness_done();
}
