/*
 * disasm.c - print a decoded instruction as text, the way GNU objdump
 * prints it with `-M no-aliases` (for the exit trace: issue 12), and the
 * names of the CSRs.
 *
 * What objdump prints.  With -M no-aliases objdump shows the real
 * instruction, never a pseudo-instruction: "csrrs a0,sstatus,zero", not
 * "csrr a0,sstatus"; "c.sdsp ra,8(sp)", not "sd ra,8(sp)".  The operands
 * follow the mnemonic, separated by commas without spaces:
 *
 *   - registers by their ABI names (calling convention, unpriv. spec
 *     "RISC-V Assembly Programmer's Handbook"): zero ra sp gp tp t0-t2
 *     s0 s1 a0-a7 s2-s11 t3-t6, and ft0-ft7 fs0 fs1 fa0-fa7 fs2-fs11
 *     ft8-ft11 for the FP registers; x8 is "s0", not "fp";
 *   - immediates in decimal, negative ones with a minus sign: "sd a1,-8(sp)",
 *     "csrrwi zero,sie,5";
 *   - a memory operand as offset(base), "(base)" when the instruction has
 *     no offset field (lr, sc, the AMOs, the H loads and stores);
 *   - a CSR by its name, or its number as "0x%x" if it has none
 *     ("csrrs a0,0x7c0,zero": 0x7c0 is a custom machine-mode CSR);
 *   - the A extension's ordering bits as suffixes of the mnemonic:
 *     "amoswap.w.aqrl a0,a1,(a2)", "lr.d.aq a0,(a1)".
 *
 * objdump puts a tab between mnemonic and operands; we put one space (the
 * trace is read by people, and split on " | "): tests/test_disasm.py
 * compares the two with objdump's tab turned into a space.
 *
 * A word the decoder does not know prints as ".word 0x%08x" (a 16-bit one
 * as ".short 0x%04x"); binutils 2.40 would print ".4byte" / ".2byte".
 *
 * Like decode.c this is pure: tables of constants, no state, the caller's
 * buffer only, so it runs in any context and in the host tests.
 */
#include <stddef.h>
#include <stdio.h>

#include "decode.h"
#include "riscv.h"

/* ---- Register names --------------------------------------------------- */

/* x0..x31 by ABI name: t = temporary, s = saved, a = argument. */
static const char *const xreg_names[32] = {
	"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
	"s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
	"a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
	"s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

/* f0..f31 by ABI name: the same roles, with an f in front. */
static const char *const freg_names[32] = {
	"ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7",
	"fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
	"fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
	"fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

/* Register numbers come from the decoder (< 32); & 31 keeps a hand-made
 * struct from indexing past the tables. */
#define XREG(n)  xreg_names[(n) & 31]
#define FREG(n)  freg_names[(n) & 31]

/* ---- Operand syntax per op ------------------------------------------------ */

enum syntax {
	SYN_UNSET = 0,	/* no row: DECODE_OP_UNKNOWN, printed as data */
	SYN_NONE,	/* ecall                      */
	SYN_CSR,	/* csrrw    rd,csr,rs1        */
	SYN_CSRI,	/* csrrwi   rd,csr,uimm       */
	SYN_FENCE,	/* sfence.vma rs1,rs2         */
	SYN_HLV,	/* hlv.w    rd,(rs1)          */
	SYN_HSV,	/* hsv.w    rs2,(rs1)         */
	SYN_LOAD,	/* lw       rd,imm(rs1)       (f rd if fp) */
	SYN_STORE,	/* sw       rs2,imm(rs1)      (f rs2 if fp) */
	SYN_LR,		/* lr.w.aq  rd,(rs1)          */
	SYN_AMO,	/* amoadd.w rd,rs2,(rs1)      (sc, amocas too) */
};

/*
 * How each op writes its operands: one entry per op of decode.h (keep in
 * step; tests/host/test_disasm.c checks every op prints).  The compressed
 * loads and stores print like the 32-bit ones: the decoder has already
 * turned rd'/rs1' into full register numbers and the scaled unsigned
 * offset into imm, and the SP forms have rs1 = 2 ("8(sp)").
 */
static const enum syntax op_syntax[DECODE_OP_COUNT] = {
	[DECODE_OP_CSRRW] = SYN_CSR,	[DECODE_OP_CSRRWI] = SYN_CSRI,
	[DECODE_OP_CSRRS] = SYN_CSR,	[DECODE_OP_CSRRSI] = SYN_CSRI,
	[DECODE_OP_CSRRC] = SYN_CSR,	[DECODE_OP_CSRRCI] = SYN_CSRI,

	[DECODE_OP_ECALL] = SYN_NONE,	[DECODE_OP_EBREAK] = SYN_NONE,
	[DECODE_OP_C_EBREAK] = SYN_NONE,
	[DECODE_OP_SRET] = SYN_NONE,	[DECODE_OP_MRET] = SYN_NONE,
	[DECODE_OP_WFI] = SYN_NONE,

	/* rs1 = address (or 0: all), rs2 = ASID/VMID (or 0: all) */
	[DECODE_OP_SFENCE_VMA] = SYN_FENCE,	[DECODE_OP_SINVAL_VMA] = SYN_FENCE,
	[DECODE_OP_SFENCE_W_INVAL] = SYN_NONE,	[DECODE_OP_SFENCE_INVAL_IR] = SYN_NONE,
	[DECODE_OP_HFENCE_VVMA] = SYN_FENCE,	[DECODE_OP_HFENCE_GVMA] = SYN_FENCE,
	[DECODE_OP_HINVAL_VVMA] = SYN_FENCE,	[DECODE_OP_HINVAL_GVMA] = SYN_FENCE,

	[DECODE_OP_HLV_B] = SYN_HLV,	[DECODE_OP_HLV_BU] = SYN_HLV,
	[DECODE_OP_HLV_H] = SYN_HLV,	[DECODE_OP_HLV_HU] = SYN_HLV,
	[DECODE_OP_HLV_W] = SYN_HLV,	[DECODE_OP_HLV_WU] = SYN_HLV,
	[DECODE_OP_HLV_D] = SYN_HLV,
	[DECODE_OP_HLVX_HU] = SYN_HLV,	[DECODE_OP_HLVX_WU] = SYN_HLV,
	[DECODE_OP_HSV_B] = SYN_HSV,	[DECODE_OP_HSV_H] = SYN_HSV,
	[DECODE_OP_HSV_W] = SYN_HSV,	[DECODE_OP_HSV_D] = SYN_HSV,

	[DECODE_OP_LB] = SYN_LOAD,	[DECODE_OP_LH] = SYN_LOAD,
	[DECODE_OP_LW] = SYN_LOAD,	[DECODE_OP_LD] = SYN_LOAD,
	[DECODE_OP_LBU] = SYN_LOAD,	[DECODE_OP_LHU] = SYN_LOAD,
	[DECODE_OP_LWU] = SYN_LOAD,
	[DECODE_OP_FLW] = SYN_LOAD,	[DECODE_OP_FLD] = SYN_LOAD,
	[DECODE_OP_SB] = SYN_STORE,	[DECODE_OP_SH] = SYN_STORE,
	[DECODE_OP_SW] = SYN_STORE,	[DECODE_OP_SD] = SYN_STORE,
	[DECODE_OP_FSW] = SYN_STORE,	[DECODE_OP_FSD] = SYN_STORE,

	[DECODE_OP_C_LW] = SYN_LOAD,	[DECODE_OP_C_LD] = SYN_LOAD,
	[DECODE_OP_C_FLD] = SYN_LOAD,
	[DECODE_OP_C_SW] = SYN_STORE,	[DECODE_OP_C_SD] = SYN_STORE,
	[DECODE_OP_C_FSD] = SYN_STORE,
	[DECODE_OP_C_LWSP] = SYN_LOAD,	[DECODE_OP_C_LDSP] = SYN_LOAD,
	[DECODE_OP_C_FLDSP] = SYN_LOAD,
	[DECODE_OP_C_SWSP] = SYN_STORE,	[DECODE_OP_C_SDSP] = SYN_STORE,
	[DECODE_OP_C_FSDSP] = SYN_STORE,

	[DECODE_OP_LR_W] = SYN_LR,	[DECODE_OP_LR_D] = SYN_LR,
	[DECODE_OP_SC_W] = SYN_AMO,	[DECODE_OP_SC_D] = SYN_AMO,
	[DECODE_OP_AMOSWAP_W] = SYN_AMO, [DECODE_OP_AMOSWAP_D] = SYN_AMO,
	[DECODE_OP_AMOADD_W] = SYN_AMO,	[DECODE_OP_AMOADD_D] = SYN_AMO,
	[DECODE_OP_AMOXOR_W] = SYN_AMO,	[DECODE_OP_AMOXOR_D] = SYN_AMO,
	[DECODE_OP_AMOAND_W] = SYN_AMO,	[DECODE_OP_AMOAND_D] = SYN_AMO,
	[DECODE_OP_AMOOR_W] = SYN_AMO,	[DECODE_OP_AMOOR_D] = SYN_AMO,
	[DECODE_OP_AMOMIN_W] = SYN_AMO,	[DECODE_OP_AMOMIN_D] = SYN_AMO,
	[DECODE_OP_AMOMAX_W] = SYN_AMO,	[DECODE_OP_AMOMAX_D] = SYN_AMO,
	[DECODE_OP_AMOMINU_W] = SYN_AMO, [DECODE_OP_AMOMINU_D] = SYN_AMO,
	[DECODE_OP_AMOMAXU_W] = SYN_AMO, [DECODE_OP_AMOMAXU_D] = SYN_AMO,
	[DECODE_OP_AMOCAS_W] = SYN_AMO,	[DECODE_OP_AMOCAS_D] = SYN_AMO,
};

/* The A extension's ordering suffix, indexed by aq << 1 | rl. */
static const char *const order_suffix[4] = { "", ".rl", ".aq", ".aqrl" };

/* ---- CSR names ---------------------------------------------------------------
 *
 * A CSR number has 12 bits, and two of its fields say who may touch it
 * (priv. spec, "CSR Address Mapping Conventions"):
 *
 *    11 10   9 8   7          0
 *   | rw  | priv |   number   |
 *
 *   rw   = 11: read-only (counters, IDs); otherwise read/write
 *   priv = lowest privilege that may access it: 00 U, 01 S, 10 H/VS, 11 M
 *
 * so the table below, sorted by number, comes out grouped by mode: user
 * (FP, vector, entropy source), supervisor, virtual supervisor, machine,
 * hypervisor, machine again (triggers, debug), then the counters and the
 * read-only CSRs.
 *
 * The names are the privileged spec 1.12's (with its extensions: H, Sstc,
 * Smstateen, Smaia/Ssaia, Sscofpmf, Smepmp, Zkr, V, the debug spec) and are
 * exactly those binutils 2.40's objdump prints with -M priv-spec=1.12:
 * tests/test_disasm.py checks all 4096 numbers.  (The 1.11 N extension's
 * ustatus & co. and sedeleg/sideleg were removed in 1.12: they print as
 * numbers.)  The ...h CSRs are RV32's upper halves: a 64-bit guest traps on
 * them as illegal, but a trace can still name what it tried.
 *
 * The numbered families (hpmcounter3..31, pmpaddr0..63, ...) are spelled
 * out by the CSRS_* macros: CSR_I(0xc00, "hpmcounter", 3, "") is
 * { 0xc03, "hpmcounter3" }, the number pasted into the name by the
 * preprocessor's # operator.
 */
struct csr_name {
	uint16_t csr;
	const char *name;
};

#define CSR(num, name)			{ num, name },
#define CSR_I(base, pre, i, suf)	{ (base) + i, pre #i suf },
#define CSRS_0_3(b, p, s)						\
	CSR_I(b, p, 0, s)  CSR_I(b, p, 1, s)  CSR_I(b, p, 2, s)		\
	CSR_I(b, p, 3, s)
#define CSRS_4_15(b, p, s)						\
	CSR_I(b, p, 4, s)  CSR_I(b, p, 5, s)  CSR_I(b, p, 6, s)		\
	CSR_I(b, p, 7, s)  CSR_I(b, p, 8, s)  CSR_I(b, p, 9, s)		\
	CSR_I(b, p, 10, s) CSR_I(b, p, 11, s) CSR_I(b, p, 12, s)	\
	CSR_I(b, p, 13, s) CSR_I(b, p, 14, s) CSR_I(b, p, 15, s)
#define CSRS_16_31(b, p, s)						\
	CSR_I(b, p, 16, s) CSR_I(b, p, 17, s) CSR_I(b, p, 18, s)	\
	CSR_I(b, p, 19, s) CSR_I(b, p, 20, s) CSR_I(b, p, 21, s)	\
	CSR_I(b, p, 22, s) CSR_I(b, p, 23, s) CSR_I(b, p, 24, s)	\
	CSR_I(b, p, 25, s) CSR_I(b, p, 26, s) CSR_I(b, p, 27, s)	\
	CSR_I(b, p, 28, s) CSR_I(b, p, 29, s) CSR_I(b, p, 30, s)	\
	CSR_I(b, p, 31, s)
#define CSRS_32_47(b, p, s)						\
	CSR_I(b, p, 32, s) CSR_I(b, p, 33, s) CSR_I(b, p, 34, s)	\
	CSR_I(b, p, 35, s) CSR_I(b, p, 36, s) CSR_I(b, p, 37, s)	\
	CSR_I(b, p, 38, s) CSR_I(b, p, 39, s) CSR_I(b, p, 40, s)	\
	CSR_I(b, p, 41, s) CSR_I(b, p, 42, s) CSR_I(b, p, 43, s)	\
	CSR_I(b, p, 44, s) CSR_I(b, p, 45, s) CSR_I(b, p, 46, s)	\
	CSR_I(b, p, 47, s)
#define CSRS_48_63(b, p, s)						\
	CSR_I(b, p, 48, s) CSR_I(b, p, 49, s) CSR_I(b, p, 50, s)	\
	CSR_I(b, p, 51, s) CSR_I(b, p, 52, s) CSR_I(b, p, 53, s)	\
	CSR_I(b, p, 54, s) CSR_I(b, p, 55, s) CSR_I(b, p, 56, s)	\
	CSR_I(b, p, 57, s) CSR_I(b, p, 58, s) CSR_I(b, p, 59, s)	\
	CSR_I(b, p, 60, s) CSR_I(b, p, 61, s) CSR_I(b, p, 62, s)	\
	CSR_I(b, p, 63, s)
#define CSRS_3_31(b, p, s)  CSR_I(b, p, 3, s) CSRS_4_15(b, p, s) CSRS_16_31(b, p, s)
#define CSRS_0_15(b, p, s)  CSRS_0_3(b, p, s) CSRS_4_15(b, p, s)
#define CSRS_0_63(b, p, s)  CSRS_0_15(b, p, s) CSRS_16_31(b, p, s) \
			    CSRS_32_47(b, p, s) CSRS_48_63(b, p, s)

/* Sorted by number (decode_csr_name() searches it by halves). */
static const struct csr_name csr_names[] = {
	/* ---- User (0x0xx), read/write ---- */
	CSR(0x001, "fflags")	/* F: accrued exceptions */
	CSR(0x002, "frm")	/* F: rounding mode */
	CSR(0x003, "fcsr")	/* F: frm + fflags */
	CSR(0x008, "vstart")	/* V: vector state */
	CSR(0x009, "vxsat")
	CSR(0x00a, "vxrm")
	CSR(0x00f, "vcsr")
	CSR(0x015, "seed")	/* Zkr: entropy source */

	/* ---- Supervisor (0x1xx) ---- */
	CSR(0x100, "sstatus")
	CSR(0x104, "sie")
	CSR(0x105, "stvec")
	CSR(0x106, "scounteren")
	CSR(0x10a, "senvcfg")
	CSRS_0_3(0x10c, "sstateen", "")	/* Smstateen */
	CSR(0x114, "sieh")	/* Ssaia, RV32 */
	CSR(0x140, "sscratch")
	CSR(0x141, "sepc")
	CSR(0x142, "scause")
	CSR(0x143, "stval")
	CSR(0x144, "sip")
	CSR(0x14d, "stimecmp")	/* Sstc */
	CSR(0x150, "siselect")	/* Ssaia: indirect register access */
	CSR(0x151, "sireg")
	CSR(0x154, "siph")
	CSR(0x15c, "stopei")
	CSR(0x15d, "stimecmph")
	CSR(0x180, "satp")

	/* ---- Virtual supervisor (0x2xx): what a VS-mode guest's s* CSRs
	 * really are under the H extension ---- */
	CSR(0x200, "vsstatus")
	CSR(0x204, "vsie")
	CSR(0x205, "vstvec")
	CSR(0x214, "vsieh")
	CSR(0x240, "vsscratch")
	CSR(0x241, "vsepc")
	CSR(0x242, "vscause")
	CSR(0x243, "vstval")
	CSR(0x244, "vsip")
	CSR(0x24d, "vstimecmp")
	CSR(0x250, "vsiselect")
	CSR(0x251, "vsireg")
	CSR(0x254, "vsiph")
	CSR(0x25c, "vstopei")
	CSR(0x25d, "vstimecmph")
	CSR(0x280, "vsatp")

	/* ---- Machine (0x3xx) ---- */
	CSR(0x300, "mstatus")
	CSR(0x301, "misa")
	CSR(0x302, "medeleg")
	CSR(0x303, "mideleg")
	CSR(0x304, "mie")
	CSR(0x305, "mtvec")
	CSR(0x306, "mcounteren")
	CSR(0x308, "mvien")	/* Smaia */
	CSR(0x309, "mvip")
	CSR(0x30a, "menvcfg")
	CSRS_0_3(0x30c, "mstateen", "")
	CSR(0x310, "mstatush")	/* RV32 upper halves */
	CSR(0x313, "midelegh")
	CSR(0x314, "mieh")
	CSR(0x318, "mvienh")
	CSR(0x319, "mviph")
	CSR(0x31a, "menvcfgh")
	CSRS_0_3(0x31c, "mstateen", "h")
	CSR(0x320, "mcountinhibit")
	CSRS_3_31(0x320, "mhpmevent", "")
	CSR(0x340, "mscratch")
	CSR(0x341, "mepc")
	CSR(0x342, "mcause")
	CSR(0x343, "mtval")
	CSR(0x344, "mip")
	CSR(0x34a, "mtinst")	/* H */
	CSR(0x34b, "mtval2")
	CSR(0x350, "miselect")	/* Smaia */
	CSR(0x351, "mireg")
	CSR(0x354, "miph")
	CSR(0x35c, "mtopei")
	CSRS_0_15(0x3a0, "pmpcfg", "")	/* physical memory protection */
	CSRS_0_63(0x3b0, "pmpaddr", "")

	/* ---- Supervisor, debug spec (0x5xx) ---- */
	CSR(0x5a8, "scontext")

	/* ---- Hypervisor (0x6xx) ---- */
	CSR(0x600, "hstatus")
	CSR(0x602, "hedeleg")
	CSR(0x603, "hideleg")
	CSR(0x604, "hie")
	CSR(0x605, "htimedelta")
	CSR(0x606, "hcounteren")
	CSR(0x607, "hgeie")
	CSR(0x608, "hvien")	/* Ssaia */
	CSR(0x609, "hvictl")
	CSR(0x60a, "henvcfg")
	CSRS_0_3(0x60c, "hstateen", "")
	CSR(0x613, "hidelegh")	/* RV32 upper halves */
	CSR(0x615, "htimedeltah")
	CSR(0x618, "hvienh")
	CSR(0x61a, "henvcfgh")
	CSRS_0_3(0x61c, "hstateen", "h")
	CSR(0x643, "htval")
	CSR(0x644, "hip")
	CSR(0x645, "hvip")
	CSR(0x646, "hviprio1")
	CSR(0x647, "hviprio2")
	CSR(0x64a, "htinst")
	CSR(0x655, "hviph")
	CSR(0x656, "hviprio1h")
	CSR(0x657, "hviprio2h")
	CSR(0x680, "hgatp")
	CSR(0x6a8, "hcontext")

	/* ---- Machine (0x7xx): RV32 halves, Smepmp, trigger and debug ---- */
	CSRS_3_31(0x720, "mhpmevent", "h")
	CSR(0x747, "mseccfg")
	CSR(0x757, "mseccfgh")
	CSR(0x7a0, "tselect")	/* debug spec: triggers */
	CSR(0x7a1, "tdata1")
	CSR(0x7a2, "tdata2")
	CSR(0x7a3, "tdata3")
	CSR(0x7a4, "tinfo")
	CSR(0x7a5, "tcontrol")
	CSR(0x7a8, "mcontext")
	CSR(0x7aa, "mscontext")
	CSR(0x7b0, "dcsr")	/* debug mode only */
	CSR(0x7b1, "dpc")
	CSR(0x7b2, "dscratch0")
	CSR(0x7b3, "dscratch1")

	/* ---- Machine counters (0xbxx), read/write ---- */
	CSR(0xb00, "mcycle")
	CSR(0xb02, "minstret")
	CSRS_3_31(0xb00, "mhpmcounter", "")
	CSR(0xb80, "mcycleh")
	CSR(0xb82, "minstreth")
	CSRS_3_31(0xb80, "mhpmcounter", "h")

	/* ---- User counters (0xcxx), read-only: shadows of the machine
	 * counters, readable where mcounteren/scounteren/hcounteren allow ---- */
	CSR(0xc00, "cycle")
	CSR(0xc01, "time")
	CSR(0xc02, "instret")
	CSRS_3_31(0xc00, "hpmcounter", "")
	CSR(0xc20, "vl")	/* V */
	CSR(0xc21, "vtype")
	CSR(0xc22, "vlenb")
	CSR(0xc80, "cycleh")
	CSR(0xc81, "timeh")
	CSR(0xc82, "instreth")
	CSRS_3_31(0xc80, "hpmcounter", "h")

	/* ---- Read-only supervisor, hypervisor, machine ---- */
	CSR(0xda0, "scountovf")	/* Sscofpmf */
	CSR(0xdb0, "stopi")	/* Ssaia */
	CSR(0xe12, "hgeip")
	CSR(0xeb0, "vstopi")
	CSR(0xf11, "mvendorid")
	CSR(0xf12, "marchid")
	CSR(0xf13, "mimpid")
	CSR(0xf14, "mhartid")
	CSR(0xf15, "mconfigptr")
	CSR(0xfb0, "mtopi")
};

#define NCSR_NAMES (sizeof(csr_names) / sizeof(csr_names[0]))

const char *decode_csr_name(uint16_t csr)
{
	size_t lo = 0, hi = NCSR_NAMES;	/* the answer is in [lo, hi) */

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (csr_names[mid].csr == csr)
			return csr_names[mid].name;
		if (csr_names[mid].csr < csr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- The formatter ------------------------------------------------------------ */

/* A CSR operand: its name, or its number as objdump writes one it does not
 * know ("0x7c0"), in buf. */
static const char *csr_text(uint16_t csr, char buf[8])
{
	const char *name = decode_csr_name(csr);

	if (name)
		return name;
	snprintf(buf, 8, "0x%x", (unsigned)(csr & 0xfff));
	return buf;
}

int decode_format(const struct decode_insn *in, uint32_t raw, char *buf, size_t size)
{
	enum syntax syn = (unsigned)in->op < DECODE_OP_COUNT ? op_syntax[in->op] : SYN_UNSET;
	const char *name = decode_op_name(in->op);
	const char *order = order_suffix[in->aq << 1 | in->rl];
	const char *data;	/* loads/stores: the data register, x or f */
	char num[8];		/* an unnamed CSR: "0xfff" */

	/*
	 * Offsets are printed as int: a 12-bit signed immediate, or a
	 * compressed form's scaled unsigned one (at most 504), fits easily.
	 */
	switch (syn) {
	case SYN_UNSET:
		break;
	case SYN_NONE:
		return snprintf(buf, size, "%s", name);
	case SYN_CSR:
		return snprintf(buf, size, "%s %s,%s,%s", name, XREG(in->rd),
				csr_text(in->csr, num), XREG(in->rs1));
	case SYN_CSRI:	/* the rs1 field is the 5-bit unsigned immediate */
		return snprintf(buf, size, "%s %s,%s,%u", name, XREG(in->rd),
				csr_text(in->csr, num), (unsigned)(in->rs1 & 31));
	case SYN_FENCE:
		return snprintf(buf, size, "%s %s,%s", name, XREG(in->rs1), XREG(in->rs2));
	case SYN_HLV:
		return snprintf(buf, size, "%s %s,(%s)", name, XREG(in->rd), XREG(in->rs1));
	case SYN_HSV:
		return snprintf(buf, size, "%s %s,(%s)", name, XREG(in->rs2), XREG(in->rs1));
	case SYN_LOAD:
		data = in->fp ? FREG(in->rd) : XREG(in->rd);
		return snprintf(buf, size, "%s %s,%d(%s)", name, data, (int)in->imm,
				XREG(in->rs1));
	case SYN_STORE:
		data = in->fp ? FREG(in->rs2) : XREG(in->rs2);
		return snprintf(buf, size, "%s %s,%d(%s)", name, data, (int)in->imm,
				XREG(in->rs1));
	case SYN_LR:
		return snprintf(buf, size, "%s%s %s,(%s)", name, order,
				XREG(in->rd), XREG(in->rs1));
	case SYN_AMO:
		return snprintf(buf, size, "%s%s %s,%s,(%s)", name, order,
				XREG(in->rd), XREG(in->rs2), XREG(in->rs1));
	}

	/* Not an instruction the decoder knows: the raw bits, as data. */
	if (INSN_IS_COMPRESSED(raw))
		return snprintf(buf, size, ".short 0x%04x", (unsigned)(raw & 0xffff));
	return snprintf(buf, size, ".word 0x%08x", (unsigned)raw);
}
