/*
 * test_vcsr.c - host unit test of the guest's virtual S-mode CSRs
 * (src/trap/csr.c) and of the illegal-instruction trap they inject
 * (src/trap/inject.c).
 *
 * The guest kernel runs in real U-mode; every CSR instruction it executes
 * in virtual S-mode traps, is decoded by decode_insn() and lands in
 * vcsr_emulate().  This test does exactly that with real instruction
 * encodings, one table row per case:
 *
 *   { description, platform, instruction (op, csr, rd, rs1/uimm),
 *     initial virtual CSR value (+ initial real sstatus bits, irq lines),
 *     value of rs1, expected old value in rd, expected value read back,
 *     expected outcome }
 *
 * and checks the WARL ("write any value, read legal value") rule of each
 * CSR as the RISC-V privileged spec states it (section numbers refer to
 * the privileged spec, version 20211203 / 20240411).
 *
 * After every emulated access the CSR is read back with a second emulated
 * instruction, csrr x12, <csr>, so the read path is what the guest sees.
 *
 * The real hart is simulated by host_csr_read()/host_csr_write() below
 * (src/include/umbra.h routes csr_read()/csr_write() there under
 * UMBRA_HOST_TEST): its sstatus computes SD from FS/VS/XS and applies the
 * same UXL WARL table Umbra probed.
 *
 * Build and run (from the repository root):
 *   gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -DUMBRA_HOST_TEST \
 *       -Isrc/include -Isrc/core -Isrc/trap -Isrc/decode -Isrc/shadowpt \
 *       -o build/host/test_vcsr tests/host/test_vcsr.c \
 *       src/trap/csr.c src/trap/inject.c src/decode/decode.c
 *   ./build/host/test_vcsr
 *
 * Output: one line per failing check, then "vcsr: N passed, M failed";
 * the exit status is 1 if any row failed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "trap_internal.h"
#include "platform.h"
#include "vm.h"

#define HARNESS_NAME "vcsr"
#define HARNESS_STUB_PANIC
#define HARNESS_STUB_CONSOLE
#define HARNESS_STUB_PT_FORMATS
#include "harness.h"

/* ---- What the linked Umbra sources need from the rest of Umbra ---------- */

struct platform platform;
struct boot_csrs boot_csrs;
static struct vm test_vm;       /* what the vCPU belongs to (its backend: below) */

/* Same logic as src/trap/irq.c (not linked: it needs the real timer). */
uint64_t vcpu_sip(struct vcpu *v)
{
	return ((v->csr.sip & SIP_SSIP) | v->irq_lines) & platform.sie_mask;
}

/* Same rule as src/trap/irq.c: STIP rises once the real time reaches the
 * vCPU's deadline (the real timer, armed otherwise, is not simulated). */
void vcpu_poll_timer(struct vcpu *v)
{
	if (host_csr_read("time") >= v->timer_deadline)
		v->irq_lines |= SIP_STIP;
}

/* The shadow MMU is not simulated: a switch only has to be asked for. */
unsigned spt_view(unsigned mode, uint64_t sstatus)
{
	return (mode == PRV_S) | (sstatus & SSTATUS_SUM ? 2 : 0) | (sstatus & SSTATUS_MXR ? 4 : 0);
}

/* The formats the guest may select (shadowpt/walk.c, not linked; the
 * formats themselves are harness.h's copies of pt.c's). */
const struct pt_format *spt_guest_format(uint64_t satp)
{
	switch (satp >> SATP_MODE_SHIFT) {
	case SATP_MODE_SV39: return &pt_sv39;
	case SATP_MODE_SV48: return &pt_sv48;
	default:             return NULL;
	}
}

struct spt_shadow *spt_switch(struct spt_cache *c, uint64_t satp, unsigned view)
{
	(void)c, (void)satp, (void)view;
	return NULL;
}

/* The shadow backend as far as the CSRs need it: a change of privilege. */
static const struct vcpu_backend test_backend = { .mode_changed = vcsr_mode_changed };

/* No patched sites here (src/patch is not linked). */
void patch_release_all(struct vm *vm)
{
	(void)vm;
}

/* console_printf and panic: harness.h's stand-ins (a panic fails the test). */

/* ---- The simulated real hart ------------------------------------------------ */

static struct {
	uint64_t sstatus;     /* without SD: SD is computed when read */
	uint64_t scounteren;
	uint64_t sie, sip, time;
	unsigned sstatus_writes;
} hw;

/* The bits of the real sstatus S-mode software can write (SIE, SPIE, SPP,
 * VS, FS, SUM, MXR); UXL goes through the hart's WARL table; XS is
 * read-only (it summarises extension state); SD is derived. */
/* The real sstatus fields a guest access may change (SD follows them). */
#define SSTATUS_REAL_BITS (SSTATUS_FS | SSTATUS_VS | SSTATUS_SD)

#define HW_SSTATUS_WRITABLE (SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP | SSTATUS_VS | \
			     SSTATUS_FS | SSTATUS_SUM | SSTATUS_MXR)

uint64_t host_csr_read(const char *name)
{
	if (!strcmp(name, "sstatus")) {
		/* Privileged spec 4.1.1.6 (3.1.6.6): SD is read-only and set
		 * iff FS, VS or XS is Dirty (3). */
		uint64_t s = hw.sstatus;
		bool dirty = (s & SSTATUS_FS) == SSTATUS_FS || (s & SSTATUS_VS) == SSTATUS_VS ||
			     (s & SSTATUS_XS) == SSTATUS_XS;
		return s | (dirty ? SSTATUS_SD : 0);
	}
	if (!strcmp(name, "scounteren"))
		return hw.scounteren;
	if (!strcmp(name, "sie"))
		return hw.sie;
	if (!strcmp(name, "sip"))
		return hw.sip;
	if (!strcmp(name, "time"))
		return hw.time;
	harness_fatal("Umbra read unexpected real CSR %s", name);
}

void host_csr_write(const char *name, uint64_t val)
{
	if (!strcmp(name, "sstatus")) {
		hw.sstatus_writes++;
		unsigned uxl = platform.uxl_warl[(hw.sstatus & SSTATUS_UXL) >> 32]
						[(val & SSTATUS_UXL) >> 32];
		hw.sstatus = (hw.sstatus & ~(HW_SSTATUS_WRITABLE | SSTATUS_UXL)) |
			     (val & HW_SSTATUS_WRITABLE) | (uint64_t)uxl << 32;
	} else if (!strcmp(name, "scounteren")) {
		hw.scounteren = val & platform.scounteren_mask;
	} else if (!strcmp(name, "sie")) {
		hw.sie = val & platform.sie_mask;
	} else if (!strcmp(name, "sip")) {
		hw.sip = val & SIP_SSIP;
	} else {
		harness_fatal("Umbra wrote unexpected real CSR %s = %#" PRIx64, name, val);
	}
}

/* ---- The machines Umbra may run on ------------------------------------------ */

/*
 * sstatus.UXL is WARL (4.1.1.5 / 3.1.6.2 "Base ISA control"): a hart may
 * hardwire it (UXL = 2, XLEN 64, on every current 64-bit core) or let it be
 * written.  Umbra probes the table uxl_warl[old][new] = UXL after writing
 * 'new' over 'old'.
 */
#define UXL_QEMU_LIKE { { 0, 1, 2, 3 }, { 1, 1, 2, 3 }, { 2, 1, 2, 3 }, { 3, 1, 2, 3 } }
#define UXL_FIXED_64  { { 2, 2, 2, 2 }, { 2, 2, 2, 2 }, { 2, 2, 2, 2 }, { 2, 2, 2, 2 } }

enum machine { QEMU, SPEC, MIN, MACHINE_COUNT };

static const char *const machine_name[] = { "qemu", "spec", "min" };

static const struct platform machines[MACHINE_COUNT] = {
	/* QEMU virt's hart: SSI/STI/SEI delegated, all 32 counters, senvcfg
	 * with FIOM and the Zicbo{m,z} bits (CBIE, CBCFE, CBZE), and a sepc
	 * that keeps bit 0 (QEMU does not clear it). */
	[QEMU] = { .sie_mask = 0x222, .scounteren_mask = 0xffffffff,
		   .senvcfg_mask = SENVCFG_FIOM | 0xf0, .has_senvcfg = true,
		   .sepc_mask = ~0UL, .uxl_warl = UXL_QEMU_LIKE,
		   .asid_bits = 16, .guest_satp_mode = SATP_MODE_SV48 },
	/* A hart that follows the spec to the letter: sepc[0] is always 0
	 * (IALIGN = 16 with the C extension), UXL hardwired to 64. */
	[SPEC] = { .sie_mask = 0x222, .scounteren_mask = 0xffffffff,
		   .senvcfg_mask = SENVCFG_FIOM | 0xf0, .has_senvcfg = true,
		   .sepc_mask = ~1UL, .uxl_warl = UXL_FIXED_64,
		   .asid_bits = 16, .guest_satp_mode = SATP_MODE_SV48 },
	/* A minimal, older hart: no C (sepc[1:0] = 0), only CY/TM/IR counters,
	 * no senvcfg (privileged spec before 1.12). */
	[MIN]  = { .sie_mask = 0x222, .scounteren_mask = 0x7,
		   .senvcfg_mask = 0, .has_senvcfg = false,
		   .sepc_mask = ~3UL, .uxl_warl = UXL_FIXED_64,
		   .asid_bits = 0, .guest_satp_mode = SATP_MODE_SV39 },
};

/* ---- The table -------------------------------------------------------------- */

enum { A0 = 10, A1 = 11, A2 = 12 };   /* rd, rs1, and the read-back register */
enum want { OK, ILL };                 /* TRAP_NEXT, or illegal instruction injected */

#define GUEST_PC      0x80201234UL      /* where the trapping instruction is */
#define DEFAULT_STVEC 0x80200800UL      /* direct mode */
#define U64           SSTATUS_UXL_64
#define U32           (1UL << 32)
#define U128          (3UL << 32)
#define S_VIRT_ALL    (SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP | SSTATUS_SUM | SSTATUS_MXR)

struct row {
	const char *desc;
	enum machine m;
	enum decode_op op;
	uint16_t csr;
	uint8_t rd;
	uint8_t rs1;          /* register number, or uimm for the immediate forms */
	uint64_t operand;     /* value of x[rs1] (register forms, rs1 != 0) */
	uint64_t init;        /* initial virtual value of the CSR */
	uint64_t real;        /* initial real sstatus bits (FS, VS, XS); UXL is always 64 */
	uint64_t lines;       /* initial irq_lines (STIP/SEIP from the devices) */
	uint64_t deadline;    /* SBI set_timer deadline (0 = none: ~0); time is 1000 */
	uint64_t old;         /* expected in rd (only checked if rd != 0) */
	uint64_t after;       /* expected when read back (only for OK rows) */
	enum want want;
	/* Illegal rows: the state before the trap, and optionally the state
	 * after it, given by hand (0 = not checked beyond the generic rules). */
	uint64_t pre_sstatus; /* virtual sstatus (UXL 64 is added) */
	uint64_t pre_stvec;   /* 0 = DEFAULT_STVEC */
	uint64_t trap_sstatus;
	uint64_t trap_pc;
};

/* Instruction forms.  rd = a0, rs1 = a1 unless the name says x0. */
#define RW(c, val)     .op = DECODE_OP_CSRRW,  .csr = (c), .rd = A0, .rs1 = A1, .operand = (val)
#define RS(c, val)     .op = DECODE_OP_CSRRS,  .csr = (c), .rd = A0, .rs1 = A1, .operand = (val)
#define RC(c, val)     .op = DECODE_OP_CSRRC,  .csr = (c), .rd = A0, .rs1 = A1, .operand = (val)
#define RWI(c, imm)    .op = DECODE_OP_CSRRWI, .csr = (c), .rd = A0, .rs1 = (imm)
#define RSI(c, imm)    .op = DECODE_OP_CSRRSI, .csr = (c), .rd = A0, .rs1 = (imm)
#define RCI(c, imm)    .op = DECODE_OP_CSRRCI, .csr = (c), .rd = A0, .rs1 = (imm)
#define READ(c)        .op = DECODE_OP_CSRRS,  .csr = (c), .rd = A0, .rs1 = 0   /* csrr a0, c */
#define READ_RC(c)     .op = DECODE_OP_CSRRC,  .csr = (c), .rd = A0, .rs1 = 0   /* csrrc a0, c, x0 */
#define RW_X0(c, val)  .op = DECODE_OP_CSRRW,  .csr = (c), .rd = 0,  .rs1 = A1, .operand = (val)
#define RS_X0(c, val)  .op = DECODE_OP_CSRRS,  .csr = (c), .rd = 0,  .rs1 = A1, .operand = (val)
#define RC_X0(c, val)  .op = DECODE_OP_CSRRC,  .csr = (c), .rd = 0,  .rs1 = A1, .operand = (val)
#define RWI_X0(c, imm) .op = DECODE_OP_CSRRWI, .csr = (c), .rd = 0,  .rs1 = (imm)

static const struct row rows[] = {
	/*
	 * sstatus (4.1.1 / 10.1.1): the S-level view of mstatus.  Only SIE,
	 * SPIE, SPP, SUM and MXR are Umbra's virtual bits; UBE is hardwired
	 * to 0 (little-endian only), the M-level bits (MIE, MPIE, MPP, MPRV,
	 * ...) are not in sstatus at all and read 0.  FS and VS (WARL, the
	 * FP/vector state) are the real sstatus's: the guest's FP and vector
	 * registers are the real ones.  XS is read-only; SD is read-only and
	 * reads 1 iff FS, VS or XS is Dirty.  UXL is WARL and follows the
	 * real hart's rule (the probed uxl_warl table).
	 */
	{ "sstatus: csrrw all ones sets every writable bit, UXL=3 sticks (qemu)", QEMU,
	  RW(CSR_SSTATUS, ~0UL), .init = U64, .real = SSTATUS_FS_INITIAL,
	  .old = U64 | SSTATUS_FS_INITIAL,
	  .after = S_VIRT_ALL | SSTATUS_FS | SSTATUS_VS | U128 | SSTATUS_SD },
	{ "sstatus: csrrw all ones, UXL hardwired to 64 (spec)", SPEC,
	  RW(CSR_SSTATUS, ~0UL), .init = U64,
	  .old = U64,
	  .after = S_VIRT_ALL | SSTATUS_FS | SSTATUS_VS | U64 | SSTATUS_SD },
	{ "sstatus: csrrw 0 clears everything, UXL=0 keeps the old UXL (qemu)", QEMU,
	  RW(CSR_SSTATUS, 0), .init = S_VIRT_ALL | U64, .real = SSTATUS_FS_DIRTY | (2UL << 9),
	  .old = S_VIRT_ALL | U64 | SSTATUS_FS_DIRTY | (2UL << 9) | SSTATUS_SD,
	  .after = U64 },
	{ "sstatus: csrrw 0, UXL hardwired to 64 (spec)", SPEC,
	  RW(CSR_SSTATUS, 0), .init = SSTATUS_SIE | U64, .real = SSTATUS_FS_CLEAN,
	  .old = SSTATUS_SIE | U64 | SSTATUS_FS_CLEAN, .after = U64 },
	{ "sstatus: read-only and absent bits (SD XS UBE MIE MPIE MPP MPRV SPELP) ignored", QEMU,
	  RW(CSR_SSTATUS, SSTATUS_SD | SSTATUS_XS | SSTATUS_UBE | BIT(3) | BIT(7) |
			  (3UL << 11) | BIT(17) | BIT(23) | U64),
	  .init = U64, .old = U64, .after = U64 },
	{ "sstatus: csrrs SIE", QEMU,
	  RS(CSR_SSTATUS, SSTATUS_SIE), .init = SSTATUS_SPP | U64,
	  .old = SSTATUS_SPP | U64, .after = SSTATUS_SPP | SSTATUS_SIE | U64 },
	{ "sstatus: csrrc SUM|MXR", QEMU,
	  RC(CSR_SSTATUS, SSTATUS_SUM | SSTATUS_MXR), .init = S_VIRT_ALL | U64,
	  .old = S_VIRT_ALL | U64, .after = SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP | U64 },
	{ "sstatus: csrrs FS=Dirty goes to the real sstatus, SD follows", QEMU,
	  RS(CSR_SSTATUS, SSTATUS_FS_DIRTY), .init = U64, .real = SSTATUS_FS_INITIAL,
	  .old = U64 | SSTATUS_FS_INITIAL, .after = U64 | SSTATUS_FS_DIRTY | SSTATUS_SD },
	{ "sstatus: csrrc FS back to Off clears SD", QEMU,
	  RC(CSR_SSTATUS, SSTATUS_FS), .init = U64, .real = SSTATUS_FS_DIRTY,
	  .old = U64 | SSTATUS_FS_DIRTY | SSTATUS_SD, .after = U64 },
	{ "sstatus: VS=Dirty alone sets SD", QEMU,
	  RS(CSR_SSTATUS, 3UL << 9), .init = U64, .real = SSTATUS_FS_CLEAN,
	  .old = U64 | SSTATUS_FS_CLEAN,
	  .after = U64 | SSTATUS_FS_CLEAN | (3UL << 9) | SSTATUS_SD },
	{ "sstatus: XS=Dirty (read-only) gives SD; csrrc XS cannot clear it", QEMU,
	  RC(CSR_SSTATUS, SSTATUS_XS | SSTATUS_SD), .init = U64, .real = SSTATUS_XS,
	  .old = U64 | SSTATUS_XS | SSTATUS_SD, .after = U64 | SSTATUS_XS | SSTATUS_SD },
	{ "sstatus: csrrs bit 32 over UXL=64 writes UXL=3, which sticks (qemu)", QEMU,
	  RS(CSR_SSTATUS, U32), .init = U64, .old = U64, .after = U128 },
	{ "sstatus: csrrw UXL=32 sticks (qemu)", QEMU,
	  RW(CSR_SSTATUS, U32 | SSTATUS_SUM), .init = U64, .old = U64,
	  .after = U32 | SSTATUS_SUM },
	{ "sstatus: csrrw UXL=0 over UXL=32 keeps 32 (qemu)", QEMU,
	  RW(CSR_SSTATUS, SSTATUS_SIE), .init = U32, .old = U32, .after = U32 | SSTATUS_SIE },
	{ "sstatus: csrrw UXL=32 ignored when UXL is hardwired (spec)", SPEC,
	  RW(CSR_SSTATUS, U32 | SSTATUS_MXR), .init = U64, .old = U64,
	  .after = U64 | SSTATUS_MXR },
	{ "sstatus: csrrc UXL ignored when UXL is hardwired (min)", MIN,
	  RC(CSR_SSTATUS, SSTATUS_UXL), .init = U64 | SSTATUS_SPIE, .old = U64 | SSTATUS_SPIE,
	  .after = U64 | SSTATUS_SPIE },
	{ "sstatus: csrrsi SIE (uimm 2)", QEMU,
	  RSI(CSR_SSTATUS, 2), .init = U64, .old = U64, .after = U64 | SSTATUS_SIE },
	{ "sstatus: csrrci SIE (uimm 2)", QEMU,
	  RCI(CSR_SSTATUS, 2), .init = U64 | SSTATUS_SIE | SSTATUS_SPP,
	  .old = U64 | SSTATUS_SIE | SSTATUS_SPP, .after = U64 | SSTATUS_SPP },
	{ "sstatus: csrrwi 31 writes bits 4:0 only (SIE)", QEMU,
	  RWI(CSR_SSTATUS, 31), .init = S_VIRT_ALL | U64, .real = SSTATUS_FS_CLEAN,
	  .old = S_VIRT_ALL | U64 | SSTATUS_FS_CLEAN,
	  /* UXL=0 written: keeps 64 (qemu); FS written 0 */
	  .after = SSTATUS_SIE | U64 },
	{ "sstatus: csrr (csrrs rs1=x0) reads without writing", QEMU,
	  READ(CSR_SSTATUS), .init = SSTATUS_SPP | SSTATUS_SUM | U64, .real = SSTATUS_FS_DIRTY,
	  .old = SSTATUS_SPP | SSTATUS_SUM | U64 | SSTATUS_FS_DIRTY | SSTATUS_SD,
	  .after = SSTATUS_SPP | SSTATUS_SUM | U64 | SSTATUS_FS_DIRTY | SSTATUS_SD },
	{ "sstatus: csrw (rd=x0) writes, no register changes", QEMU,
	  RW_X0(CSR_SSTATUS, SSTATUS_SPP | SSTATUS_FS_INITIAL | U64), .init = U64,
	  .after = SSTATUS_SPP | SSTATUS_FS_INITIAL | U64 },

	/*
	 * sie (10.1.3 / 4.1.3): a bit exists only for an interrupt the
	 * machine delegates to S-mode (mideleg); the others are read-only
	 * zero.  On QEMU virt that is SSIE, STIE, SEIE = 0x222.
	 */
	{ "sie: csrrw all ones keeps only 0x222", QEMU,
	  RW(CSR_SIE, ~0UL), .init = 0, .old = 0, .after = 0x222 },
	{ "sie: csrrs SSIE|MSIE|LCOFIE sets only SSIE", QEMU,
	  RS(CSR_SIE, SIE_SSIE | BIT(3) | BIT(IRQ_LCOF)), .init = SIE_SEIE, .old = SIE_SEIE,
	  .after = SIE_SEIE | SIE_SSIE },
	{ "sie: csrrc STIE", QEMU,
	  RC(CSR_SIE, SIE_STIE), .init = 0x222, .old = 0x222, .after = SIE_SSIE | SIE_SEIE },
	{ "sie: csrrwi 31 (only bit 1 of 4:0 exists)", QEMU,
	  RWI(CSR_SIE, 31), .init = 0x220, .old = 0x220, .after = SIE_SSIE },
	{ "sie: csrrs rs1=x0 does not write", QEMU,
	  READ(CSR_SIE), .init = 0x20, .old = 0x20, .after = 0x20 },

	/*
	 * sip (10.1.3 / 4.1.3): SSIP is writable by S-mode; STIP and SEIP are
	 * read-only, driven by the timer and the interrupt controller (here
	 * the vCPU's irq_lines).  Undelegated bits read zero.
	 */
	{ "sip: csrrw all ones sets SSIP only; STIP shows the line", QEMU,
	  RW(CSR_SIP, ~0UL), .init = 0, .lines = SIP_STIP,
	  .old = SIP_STIP, .after = SIP_STIP | SIP_SSIP },
	{ "sip: csrrc STIP|SEIP cannot clear device lines", QEMU,
	  RC(CSR_SIP, SIP_STIP | SIP_SEIP), .init = 0, .lines = SIP_STIP | SIP_SEIP,
	  .old = SIP_STIP | SIP_SEIP, .after = SIP_STIP | SIP_SEIP },
	{ "sip: csrrs SEIP cannot set it", QEMU,
	  RS(CSR_SIP, SIP_SEIP | SIP_STIP), .init = 0, .old = 0, .after = 0 },
	{ "sip: csrrc SSIP clears it, lines stay", QEMU,
	  RC(CSR_SIP, SIP_SSIP), .init = SIP_SSIP, .lines = SIP_SEIP,
	  .old = SIP_SSIP | SIP_SEIP, .after = SIP_SEIP },
	{ "sip: csrrsi SSIP (uimm 2)", QEMU,
	  RSI(CSR_SIP, 2), .init = 0, .old = 0, .after = SIP_SSIP },
	{ "sip: STIP shows once the timer deadline has passed", QEMU,
	  READ(CSR_SIP), .init = SIP_SSIP, .deadline = 999,
	  .old = SIP_SSIP | SIP_STIP, .after = SIP_SSIP | SIP_STIP },
	{ "sip: no STIP before the deadline", QEMU,
	  RS(CSR_SIP, SIP_STIP), .init = 0, .deadline = 1001, .old = 0, .after = 0 },
	{ "sip: csrrw 0 clears SSIP", QEMU,
	  RW(CSR_SIP, 0), .init = SIP_SSIP, .old = SIP_SSIP, .after = 0 },

	/*
	 * stvec (10.1.2 / 4.1.2): BASE is WARL, MODE is WARL with 0 = Direct,
	 * 1 = Vectored, >= 2 reserved.  Umbra, like QEMU, ignores a write of
	 * a reserved mode altogether (the old value stays).
	 */
	{ "stvec: direct sticks", QEMU,
	  RW(CSR_STVEC, 0x80200000UL), .init = DEFAULT_STVEC, .old = DEFAULT_STVEC,
	  .after = 0x80200000UL },
	{ "stvec: vectored sticks", QEMU,
	  RW(CSR_STVEC, 0xffffffff80200101UL), .init = DEFAULT_STVEC, .old = DEFAULT_STVEC,
	  .after = 0xffffffff80200101UL },
	{ "stvec: mode 2 leaves the old value", QEMU,
	  RW(CSR_STVEC, 0x80300002UL), .init = 0x80200001UL, .old = 0x80200001UL,
	  .after = 0x80200001UL },
	{ "stvec: mode 3 leaves the old value", QEMU,
	  RW(CSR_STVEC, 0x80300003UL), .init = 0x80200000UL, .old = 0x80200000UL,
	  .after = 0x80200000UL },
	{ "stvec: csrrsi 2 over vectored (-> mode 3) leaves it", QEMU,
	  RSI(CSR_STVEC, 2), .init = 0x80200001UL, .old = 0x80200001UL, .after = 0x80200001UL },
	{ "stvec: csrrsi 1 makes direct vectored", QEMU,
	  RSI(CSR_STVEC, 1), .init = 0x80200000UL, .old = 0x80200000UL, .after = 0x80200001UL },
	{ "stvec: csrrci 1 makes vectored direct", QEMU,
	  RCI(CSR_STVEC, 1), .init = 0x80200001UL, .old = 0x80200001UL, .after = 0x80200000UL },
	{ "stvec: csrrc rs1=x0 does not write", QEMU,
	  READ_RC(CSR_STVEC), .init = 0x80200001UL, .old = 0x80200001UL, .after = 0x80200001UL },

	/* sscratch (10.1.6 / 4.1.6): a full 64-bit read/write register. */
	{ "sscratch: csrrw any value", QEMU,
	  RW(CSR_SSCRATCH, 0xdeadbeefcafef00dUL), .init = 0x1234, .old = 0x1234,
	  .after = 0xdeadbeefcafef00dUL },
	{ "sscratch: csrrs", QEMU,
	  RS(CSR_SSCRATCH, 0xf0), .init = 0x0f, .old = 0x0f, .after = 0xff },
	{ "sscratch: csrrc", QEMU,
	  RC(CSR_SSCRATCH, 0xf0), .init = 0xffff, .old = 0xffff, .after = 0xff0f },
	{ "sscratch: csrrwi x0 (rd=x0)", QEMU,
	  RWI_X0(CSR_SSCRATCH, 17), .init = ~0UL, .after = 17 },
	{ "sscratch: csrrw x0 (rd=x0)", QEMU,
	  RW_X0(CSR_SSCRATCH, 0x55), .init = 1, .after = 0x55 },

	/*
	 * sepc (10.1.7 / 4.1.7): WARL; bit 0 is always zero, and bit 1 too
	 * when IALIGN = 32 (no C).  The bits that exist are the real sepc's
	 * (QEMU keeps bit 0).
	 */
	{ "sepc: bit 0 kept (qemu)", QEMU,
	  RW(CSR_SEPC, 0x80200001UL), .init = 0, .old = 0, .after = 0x80200001UL },
	{ "sepc: bit 0 reads 0 (spec)", SPEC,
	  RW(CSR_SEPC, 0x80200003UL), .init = 0, .old = 0, .after = 0x80200002UL },
	{ "sepc: bits 1:0 read 0 without C (min)", MIN,
	  RW(CSR_SEPC, 0x80200003UL), .init = 0x80000000UL, .old = 0x80000000UL,
	  .after = 0x80200000UL },
	{ "sepc: csrrsi 1 no effect (spec)", SPEC,
	  RSI(CSR_SEPC, 1), .init = 0x80200004UL, .old = 0x80200004UL, .after = 0x80200004UL },
	{ "sepc: full 64-bit value (spec)", SPEC,
	  RW(CSR_SEPC, 0xffffffffc0001236UL), .init = 0, .old = 0, .after = 0xffffffffc0001236UL },

	/* scause, stval (10.1.8-9 / 4.1.8-9): WLRL / WARL, stored as written. */
	{ "scause: interrupt bit and code", QEMU,
	  RW(CSR_SCAUSE, CAUSE_INTERRUPT | IRQ_S_TIMER), .init = 2, .old = 2,
	  .after = CAUSE_INTERRUPT | IRQ_S_TIMER },
	{ "scause: csrrci", QEMU,
	  RCI(CSR_SCAUSE, 1), .init = 0xd, .old = 0xd, .after = 0xc },
	{ "stval: any value", QEMU,
	  RW(CSR_STVAL, 0xffffffffffff0000UL), .init = 0x30200073, .old = 0x30200073,
	  .after = 0xffffffffffff0000UL },
	{ "stval: csrrs rd=x0", QEMU,
	  RS_X0(CSR_STVAL, 0x100), .init = 0x1, .after = 0x101 },

	/*
	 * satp (10.1.11 / 4.1.11): "if satp is written with an unsupported
	 * MODE, the entire write has no effect; no fields in satp are
	 * modified."  Umbra offers only Bare (so far).  Bare with nonzero
	 * ASID/PPN is UNSPECIFIED; Umbra keeps the value as written.
	 */
	{ "satp: Bare 0 sticks", QEMU,
	  RW(CSR_SATP, 0), .init = 0x0000123400000042UL, .old = 0x0000123400000042UL,
	  .after = 0 },
	{ "satp: Bare with ASID and PPN sticks", QEMU,
	  RW(CSR_SATP, 0x0fffffffffffffffUL), .init = 0, .old = 0, .after = 0x0fffffffffffffffUL },
	{ "satp: Sv39 sticks", QEMU,
	  RW(CSR_SATP, SATP_MODE_SV39 << SATP_MODE_SHIFT | 0x80400), .init = 0x42, .old = 0x42,
	  .after = SATP_MODE_SV39 << SATP_MODE_SHIFT | 0x80400 },
	{ "satp: Sv48 not offered on an Sv39-only host, no effect", MIN,
	  RW(CSR_SATP, SATP_MODE_SV48 << SATP_MODE_SHIFT | 0x80400), .init = 0x42, .old = 0x42,
	  .after = 0x42 },
	{ "satp: ASID bits beyond ASIDLEN (0) read 0", MIN,
	  RW(CSR_SATP, SATP_MODE_SV39 << SATP_MODE_SHIFT | (5UL << SATP_ASID_SHIFT) | 0x80400),
	  .init = 0, .old = 0, .after = SATP_MODE_SV39 << SATP_MODE_SHIFT | 0x80400 },
	{ "satp: Sv48 with an ASID sticks", QEMU,
	  RW(CSR_SATP, SATP_MODE_SV48 << SATP_MODE_SHIFT | (5UL << SATP_ASID_SHIFT) | 0x80400),
	  .init = 0, .old = 0,
	  .after = SATP_MODE_SV48 << SATP_MODE_SHIFT | (5UL << SATP_ASID_SHIFT) | 0x80400 },
	{ "satp: Sv57 not offered, no effect", QEMU,
	  RW(CSR_SATP, SATP_MODE_SV57 << SATP_MODE_SHIFT | 0x80400), .init = 0, .old = 0, .after = 0 },
	{ "satp: reserved mode 1, no effect", QEMU,
	  RW(CSR_SATP, 1UL << SATP_MODE_SHIFT), .init = 7, .old = 7, .after = 7 },
	{ "satp: reserved mode 15, no effect", QEMU,
	  RW(CSR_SATP, SATP_MODE), .init = 0, .old = 0, .after = 0 },
	{ "satp: csrrs a mode bit making reserved mode 4, no effect", QEMU,
	  RS(CSR_SATP, 1UL << 62), .init = 0x1000, .old = 0x1000, .after = 0x1000 },
	{ "satp: csrrs bit 63 from Bare selects Sv39", QEMU,
	  RS(CSR_SATP, 1UL << 63), .init = 0x1000, .old = 0x1000, .after = 0x8000000000001000UL },
	{ "satp: csrrc PPN bits in Bare", QEMU,
	  RC(CSR_SATP, 0xff), .init = 0x1ff, .old = 0x1ff, .after = 0x100 },
	{ "satp: csrrwi x0, 0", QEMU,
	  RWI_X0(CSR_SATP, 0), .init = 0x5, .after = 0 },

	/*
	 * scounteren (10.1.5 / 4.1.5): WARL; the bits that exist are those
	 * the real hart implements (QEMU: all 32).
	 */
	{ "scounteren: csrrw all ones (qemu: 32 bits)", QEMU,
	  RW(CSR_SCOUNTEREN, ~0UL), .init = 0, .old = 0, .after = 0xffffffffUL },
	{ "scounteren: csrrw all ones (min: CY TM IR)", MIN,
	  RW(CSR_SCOUNTEREN, ~0UL), .init = 0, .old = 0, .after = 7 },
	{ "scounteren: csrrci TM", QEMU,
	  RCI(CSR_SCOUNTEREN, COUNTEREN_TM), .init = 7, .old = 7, .after = 5 },
	{ "scounteren: csrrsi CY|IR", MIN,
	  RSI(CSR_SCOUNTEREN, 0x1d), .init = 0, .old = 0, .after = 5 },

	/*
	 * senvcfg (10.1.4 / 4.1.4, priv 1.12): WARL; FIOM plus the bits of
	 * the extensions the hart has.  A hart before 1.12 has no senvcfg
	 * at all: access is illegal.
	 */
	{ "senvcfg: csrrw all ones keeps the implemented bits", QEMU,
	  RW(CSR_SENVCFG, ~0UL), .init = 0, .old = 0, .after = SENVCFG_FIOM | 0xf0 },
	{ "senvcfg: csrrsi FIOM", QEMU,
	  RSI(CSR_SENVCFG, 1), .init = 0, .old = 0, .after = SENVCFG_FIOM },
	{ "senvcfg: csrrc FIOM", SPEC,
	  RC(CSR_SENVCFG, SENVCFG_FIOM | BIT(62)), .init = 0x11, .old = 0x11, .after = 0x10 },
	{ "senvcfg: absent on a pre-1.12 hart (read)", MIN,
	  READ(CSR_SENVCFG), .want = ILL },
	{ "senvcfg: absent on a pre-1.12 hart (write)", MIN,
	  RW(CSR_SENVCFG, 1), .want = ILL },

	/*
	 * Illegal instructions (2.1, 2.2): a CSR that does not exist at the
	 * current privilege (M-level 0x3xx/0x7xx/0xBxx/0xFxx, H-level
	 * 0x2xx/0x6xx/0xAxx/0xExx, unimplemented S numbers) raises an
	 * illegal-instruction exception even for a pure read (csrrs rs1=x0);
	 * so does any write to a read-only CSR (number bits 11:10 = 3).
	 * Umbra offers no counter CSR (the real hart serves cycle/time/
	 * instret directly as far as scounteren lets it; a trap means the
	 * guest's hardware would have refused too) and no Sstc stimecmp.
	 */
	{ "cycle (0xc00): csrrw to a read-only number", QEMU,
	  RW(CSR_CYCLE, 0), .want = ILL },
	{ "cycle (0xc00): csrrs x0-source read still illegal (not offered)", QEMU,
	  READ(CSR_CYCLE), .want = ILL },
	{ "time (0xc01): csrrsi uimm 0 read (not offered)", QEMU,
	  RSI(CSR_TIME, 0), .want = ILL },
	{ "instret (0xc02): csrrc rd=x0, rs1=a1", QEMU,
	  RC_X0(CSR_INSTRET, 0), .want = ILL },
	{ "mstatus (0x300): csrrw", QEMU,
	  RW(CSR_MSTATUS, 0x8), .want = ILL },
	{ "mstatus (0x300): csrr", QEMU,
	  READ(CSR_MSTATUS), .want = ILL },
	{ "misa (0x301): csrrs", SPEC,
	  RS(CSR_MISA, 0), .want = ILL },
	{ "mhartid (0xf14): csrr", QEMU,
	  READ(CSR_MHARTID), .want = ILL },
	{ "mhartid (0xf14): csrrwi x0", QEMU,
	  RWI_X0(CSR_MHARTID, 0), .want = ILL },
	{ "hstatus (0x600): csrr", QEMU,
	  READ(CSR_HSTATUS), .want = ILL },
	{ "hgatp (0x680): csrrw", QEMU,
	  RW(CSR_HGATP, 0), .want = ILL },
	{ "unknown S CSR 0x1ff: csrrs x0-source read", QEMU,
	  READ(0x1ff), .want = ILL },
	{ "unknown S CSR 0x1ff: csrrci", QEMU,
	  RCI(0x1ff, 1), .want = ILL },
	{ "sstateen0 (0x10c): not offered", QEMU,
	  READ(0x10c), .want = ILL },
	{ "stimecmp (0x14d): csrrw (no Sstc offered)", QEMU,
	  RW(CSR_STIMECMP, 1000), .want = ILL },
	{ "stimecmp (0x14d): csrr", QEMU,
	  READ(CSR_STIMECMP), .want = ILL },
	{ "fcsr (0x003): traps only with FS=Off; then illegal", QEMU,
	  READ(CSR_FCSR), .want = ILL },

	/*
	 * Trap entry (10.1.1, "Supervisor Trap Handling"): on an exception
	 * taken from S-mode, SPP = 1, SPIE = the old SIE, SIE = 0, sepc =
	 * the instruction, scause = 2, stval = the instruction bits, and
	 * pc = stvec.BASE: vectored mode only offsets *interrupts*.
	 */
	{ "trap entry: SIE=1 vectored stvec -> SPP=1 SPIE=1 SIE=0, pc=BASE", QEMU,
	  RW(CSR_MSTATUS, 0), .want = ILL,
	  .pre_sstatus = SSTATUS_SIE | SSTATUS_SUM, .pre_stvec = 0x80204001UL,
	  .trap_sstatus = SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SUM | U64,
	  .trap_pc = 0x80204000UL },
	{ "trap entry: SIE=0 SPIE=1 -> SPIE=0", QEMU,
	  READ(0x1ff), .want = ILL,
	  .pre_sstatus = SSTATUS_SPIE | SSTATUS_MXR, .pre_stvec = 0x80200100UL,
	  .trap_sstatus = SSTATUS_SPP | SSTATUS_MXR | U64,
	  .trap_pc = 0x80200100UL },
};

/* ---- Running a row ------------------------------------------------------------ */

static unsigned funct3(enum decode_op op)
{
	switch (op) {
	case DECODE_OP_CSRRW:  return 1;
	case DECODE_OP_CSRRS:  return 2;
	case DECODE_OP_CSRRC:  return 3;
	case DECODE_OP_CSRRWI: return 5;
	case DECODE_OP_CSRRSI: return 6;
	case DECODE_OP_CSRRCI: return 7;
	default:               return 0;
	}
}

/* The I-type SYSTEM layout: csr[31:20] rs1/uimm[19:15] funct3[14:12] rd[11:7] opcode. */
static uint32_t encode(enum decode_op op, unsigned csr, unsigned rd, unsigned rs1)
{
	return (uint32_t)csr << 20 | rs1 << 15 | funct3(op) << 12 | rd << 7 | INSN_OPCODE_SYSTEM;
}

/* Encodings from riscv64-unknown-elf-as, to check encode() itself. */
static const struct { const char *text; uint32_t raw; } asm_checks[] = {
	{ "csrrw a0, sstatus, a1",  0x10059573 },
	{ "csrr a0, sie",           0x10402573 },
	{ "csrc sip, a1",           0x1445b073 },
	{ "csrrwi a0, stvec, 31",   0x105fd573 },
	{ "csrrsi a0, sepc, 1",     0x1410e573 },
	{ "csrci satp, 5",          0x1802f073 },
	{ "csrrw a0, stimecmp, a1", 0x14d59573 },
	{ "csrr a2, scounteren",    0x10602673 },
	{ "csrrw a0, mstatus, a1",  0x30059573 },
};

static uint64_t *vcsr_field(struct vcpu *v, uint16_t csr)
{
	switch (csr) {
	case CSR_SSTATUS:    return &v->csr.sstatus;
	case CSR_SIE:        return &v->csr.sie;
	case CSR_SIP:        return &v->csr.sip;
	case CSR_STVEC:      return &v->csr.stvec;
	case CSR_SSCRATCH:   return &v->csr.sscratch;
	case CSR_SEPC:       return &v->csr.sepc;
	case CSR_SCAUSE:     return &v->csr.scause;
	case CSR_STVAL:      return &v->csr.stval;
	case CSR_SATP:       return &v->csr.satp;
	case CSR_SCOUNTEREN: return &v->csr.scounteren;
	case CSR_SENVCFG:    return &v->csr.senvcfg;
	default:             return NULL;
	}
}

/* Each row is one case, named by what it does: a failure line reads
 * "FAIL [machine] description (instruction): what went wrong". */
static void begin_row(const struct row *r)
{
	harness_begin("[%s] %s (%s csr %#x rd x%u rs1 %s%u)", machine_name[r->m], r->desc,
		      decode_op_name(r->op), r->csr, r->rd,
		      funct3(r->op) >= 5 ? "uimm " : "x", r->rs1);
}

/* Emulate one instruction as trap.c would: it has already checked that
 * the vCPU is in virtual S-mode and recorded the instruction bits. */
static enum trap_outcome emulate(struct vcpu *v, uint32_t raw)
{
	struct decode_insn in;

	if (decode_insn(raw, &in) < 0 || in.cls != DECODE_CLASS_CSR) {
		harness_fail("decode_insn(%#x) did not decode a CSR instruction", raw);
		return TRAP_STOP;
	}
	v->insn_raw = raw;
	v->insn_len = in.len;
	return vcsr_emulate(v, &in);
}

static void run_row(const struct row *r)
{
	static struct vcpu v;   /* large (stats): not on the stack */
	uint64_t x_before[32];
	uint32_t raw = encode(r->op, r->csr, r->rd, r->rs1);
	uint64_t *field = vcsr_field(&v, r->csr);

	begin_row(r);
	platform = machines[r->m];
	boot_csrs = (struct boot_csrs){ .sstatus = U64 };

	/* The real hart as Umbra leaves it while the guest is in virtual
	 * S-mode: UXL = 64 (the boot value), scounteren = the machine's. */
	memset(&hw, 0, sizeof(hw));
	hw.sstatus = U64 | r->real;
	hw.scounteren = platform.scounteren_mask;
	hw.time = 1000;

	/* The vCPU: virtual S-mode at GUEST_PC, distinct values in every
	 * register so that a stray write shows; x0's slot is 0, as always. */
	memset(&v, 0, sizeof(v));
	v.vm = &test_vm;	/* a trap-and-emulate VM */
	test_vm.backend = &test_backend;
	v.mode = PRV_S;
	v.tf.pc = GUEST_PC;
	for (unsigned i = 1; i < 32; i++)
		v.tf.x[i] = 0x5a5a000000000000UL | i;
	if (funct3(r->op) < 5 && r->rs1)
		v.tf.x[r->rs1] = r->operand;
	v.csr.sstatus = r->pre_sstatus | U64;
	v.csr.stvec = r->pre_stvec ? r->pre_stvec : DEFAULT_STVEC;
	v.irq_lines = r->lines;
	v.timer_deadline = r->deadline ? r->deadline : ~0UL;
	if (field)
		*field = r->init;
	memcpy(x_before, v.tf.x, sizeof(x_before));
	struct vcpu_csrs csr_before = v.csr;
	uint64_t hw_before = hw.sstatus;

	enum trap_outcome got = emulate(&v, raw);
	if (got == TRAP_STOP)
		return;

	/* Only rd may change, and only if it is not x0 and the access was
	 * legal (x0's slot must stay 0: later emulation reads it as rs1). */
	for (unsigned i = 0; i < 32; i++)
		if (!(r->want == OK && r->rd && i == r->rd) && v.tf.x[i] != x_before[i])
			harness_fail("x%u changed to %#" PRIx64, i, v.tf.x[i]);
	/* csrrs/csrrc with rs1 = x0 and csrrsi/csrrci with uimm 0 do not
	 * write (Zicsr): not even the real sstatus is written back. */
	if (r->op != DECODE_OP_CSRRW && r->op != DECODE_OP_CSRRWI && r->rs1 == 0)
		HARNESS_EQ_NAMED("real sstatus writes by a non-writing access", hw.sstatus_writes, 0);
	/* What vcpu.h promises the virtual fields hold: sstatus only the
	 * virtual bits and UXL (FS/VS live in the real one), sip only SSIP. */
	HARNESS_EQ_NAMED("virtual sstatus bits outside SIE/SPIE/SPP/SUM/MXR/UXL",
			 v.csr.sstatus & ~(S_VIRT_ALL | SSTATUS_UXL), 0);
	HARNESS_EQ_NAMED("virtual sip bits other than SSIP", v.csr.sip & ~SIP_SSIP, 0);
	/* In virtual S-mode the real sstatus changes at most in FS and VS
	 * (its UXL stays the boot value; SIE/SPP belong to Umbra). */
	HARNESS_EQ_NAMED("real sstatus outside FS/VS", hw.sstatus & ~SSTATUS_REAL_BITS,
			 hw_before & ~SSTATUS_REAL_BITS);

	if (r->want == OK) {
		if (got != TRAP_NEXT) {
			harness_fail("outcome %d, expected TRAP_NEXT", got);
			return;
		}
		HARNESS_EQ_NAMED("injected traps", v.stats.injected, 0);
		HARNESS_EQ_NAMED("pc", v.tf.pc, GUEST_PC);
		if (r->rd)
			HARNESS_EQ_NAMED("rd (old value)", v.tf.x[r->rd], r->old);

		/* Read it back as the guest would: csrr x12, <csr>. */
		uint64_t x12 = v.tf.x[A2];
		if (emulate(&v, encode(DECODE_OP_CSRRS, r->csr, A2, 0)) != TRAP_NEXT)
			harness_fail("read-back csrr faulted");
		else
			HARNESS_EQ_NAMED("read back", v.tf.x[A2], r->after);
		v.tf.x[A2] = x12;
		return;
	}

	/* Illegal instruction: the guest takes the trap as its hardware would. */
	if (got != TRAP_RESUME) {
		harness_fail("outcome %d, expected TRAP_RESUME (illegal instruction injected)", got);
		return;
	}
	uint64_t s0 = csr_before.sstatus;
	uint64_t s1 = (s0 | SSTATUS_SPP) & ~(SSTATUS_SPIE | SSTATUS_SIE);
	if (s0 & SSTATUS_SIE)
		s1 |= SSTATUS_SPIE;
	HARNESS_EQ_NAMED("injected traps", v.stats.injected, 1);
	HARNESS_EQ_NAMED("scause", v.csr.scause, CAUSE_ILLEGAL_INSTRUCTION);
	HARNESS_EQ_NAMED("stval (instruction bits)", v.csr.stval, raw);
	HARNESS_EQ_NAMED("sepc", v.csr.sepc, GUEST_PC);
	HARNESS_EQ_NAMED("virtual sstatus", v.csr.sstatus, s1);
	HARNESS_EQ_NAMED("mode", v.mode, PRV_S);
	HARNESS_EQ_NAMED("pc (stvec.BASE)", v.tf.pc, csr_before.stvec & ~STVEC_MODE_MASK);
	if (r->trap_sstatus)
		HARNESS_EQ_NAMED("virtual sstatus (by hand)", v.csr.sstatus, r->trap_sstatus);
	if (r->trap_pc)
		HARNESS_EQ_NAMED("pc (by hand)", v.tf.pc, r->trap_pc);
	/* Everything but the trap CSRs is as it was. */
	struct vcpu_csrs c = v.csr;
	c.sstatus = csr_before.sstatus, c.scause = csr_before.scause;
	c.sepc = csr_before.sepc, c.stval = csr_before.stval;
	if (memcmp(&c, &csr_before, sizeof(c)))
		harness_fail("a virtual CSR other than sstatus/sepc/scause/stval changed");
}

/*
 * vcsr_init: a vCPU starts with the CSRs OpenSBI gave Umbra, each passed
 * through its WARL rule (a guest never sees a bit its hart lacks).
 */
static const struct row init_row = { .desc = "vcsr_init masks the boot CSRs", .m = QEMU };

static void check_vcsr_init(void)
{
	static struct vcpu v;

	begin_row(&init_row);
	platform = machines[QEMU];
	boot_csrs = (struct boot_csrs){
		.sstatus = (~0UL & ~SSTATUS_UXL) | U64, .sie = ~0UL, .sip = ~0UL,
		.scounteren = ~0UL, .senvcfg = ~0UL,
	};
	memset(&v, 0, sizeof(v));
	v.vm = &test_vm;
	vcsr_init(&v);
	HARNESS_EQ_NAMED("sstatus", v.csr.sstatus, S_VIRT_ALL | U64);
	HARNESS_EQ_NAMED("sie", v.csr.sie, 0x222);
	HARNESS_EQ_NAMED("sip", v.csr.sip, SIP_SSIP);
	HARNESS_EQ_NAMED("scounteren", v.csr.scounteren, 0xffffffff);
	HARNESS_EQ_NAMED("senvcfg", v.csr.senvcfg, SENVCFG_FIOM | 0xf0);
}

int main(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(asm_checks); i++) {
		struct decode_insn in;
		uint32_t raw = asm_checks[i].raw;
		HARNESS_CHECKF(decode_insn(raw, &in) == 0 &&
			       encode(in.op, in.csr, in.rd, in.rs1) == raw,
			       "encoder: %s = %#x, built %#x", asm_checks[i].text, raw,
			       encode(in.op, in.csr, in.rd, in.rs1));
	}

	for (unsigned i = 0; i < ARRAY_SIZE(rows); i++) {
		run_row(&rows[i]);
		harness_end();
	}

	check_vcsr_init();
	harness_end();

	return harness_done();
}
