/*
 * csr.c - the guest's supervisor CSRs.
 *
 * Every csrr/csrw/csrs/csrc the guest kernel executes traps (it runs in
 * U-mode) and ends here as one read-modify-write of a virtual CSR:
 *
 *     new = (old & ~write_mask) | (new_val & write_mask)
 *
 * csrrw writes all bits (write_mask = ~0); csrrs sets the bits of rs1
 * (new_val = ~0, write_mask = rs1); csrrc clears them (new_val = 0).  The
 * CSR's write function then applies its WARL rule ("write any, read legal"):
 * which bits exist, and what an illegal value turns into.
 */
#include "trap_internal.h"
#include "platform.h"

struct vcsr {
	uint16_t num;
	const char *name;
	uint64_t (*read)(struct vcpu *v);
	void (*write)(struct vcpu *v, uint64_t val);
};

/*
 * sstatus: FS and VS, the state of the FP and vector units, live in the real
 * sstatus (the guest's FP and vector registers are the real ones); the real
 * hart keeps their WARL rules and computes SD from them.  UXL, U-mode's XLEN,
 * follows the real hart's WARL rule (probed at boot) and goes into the real
 * sstatus while the guest runs in virtual U-mode.  The rest is virtual.
 */
#define SSTATUS_VIRTUAL (SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP | SSTATUS_SUM | SSTATUS_MXR)
#define SSTATUS_REAL    (SSTATUS_FS | SSTATUS_VS)

static uint64_t sstatus_read(struct vcpu *v)
{
	return v->csr.sstatus | (csr_read(sstatus) & (SSTATUS_REAL | SSTATUS_XS | SSTATUS_SD));
}

static void sstatus_write(struct vcpu *v, uint64_t val)
{
	unsigned uxl = platform.uxl_warl[(v->csr.sstatus & SSTATUS_UXL) >> 32]
					[(val & SSTATUS_UXL) >> 32];
	v->csr.sstatus = (val & SSTATUS_VIRTUAL) | (uint64_t)uxl << 32;
	csr_write(sstatus, (csr_read(sstatus) & ~SSTATUS_REAL) | (val & SSTATUS_REAL));
	vcpu_update_mmu(v);	/* SUM and MXR change what the shadow may map */
}

/* sie: only the interrupts the machine delegates to S-mode exist. */
static uint64_t sie_read(struct vcpu *v) { return v->csr.sie; }
static void sie_write(struct vcpu *v, uint64_t val) { v->csr.sie = val & platform.sie_mask; }

/* sip: software can only set or clear SSIP; STIP and SEIP are read-only
 * wires from the timer and the interrupt controller. */
static uint64_t sip_read(struct vcpu *v)
{
	vcpu_poll_timer(v);	/* STIP shows from the deadline on, as on hardware */
	return vcpu_sip(v);
}
static void sip_write(struct vcpu *v, uint64_t val) { v->csr.sip = val & SIP_SSIP; }

/* stvec: MODE 0 (direct) and 1 (vectored) exist; a write of a reserved
 * mode is ignored, as the hart Umbra runs on does. */
static uint64_t stvec_read(struct vcpu *v) { return v->csr.stvec; }
static void stvec_write(struct vcpu *v, uint64_t val)
{
	if ((val & STVEC_MODE_MASK) <= STVEC_MODE_VECTORED)
		v->csr.stvec = val;
}

static uint64_t sscratch_read(struct vcpu *v) { return v->csr.sscratch; }
static void sscratch_write(struct vcpu *v, uint64_t val) { v->csr.sscratch = val; }

/* sepc: the spec keeps bit 0 zero (and bit 1 too without compressed
 * instructions); the bits are those the real sepc keeps. */
static uint64_t sepc_read(struct vcpu *v) { return v->csr.sepc; }
static void sepc_write(struct vcpu *v, uint64_t val) { v->csr.sepc = val & platform.sepc_mask; }

static uint64_t scause_read(struct vcpu *v) { return v->csr.scause; }
static void scause_write(struct vcpu *v, uint64_t val) { v->csr.scause = val; }

static uint64_t stval_read(struct vcpu *v) { return v->csr.stval; }
static void stval_write(struct vcpu *v, uint64_t val) { v->csr.stval = val; }

/*
 * satp: Bare, Sv39 and Sv48 are offered (Sv48 only where the host has it);
 * writing any other mode has no effect at all, as on a hart that does not
 * implement it.  The ASID field keeps the bits the real satp keeps.  A
 * write selects the shadow for the new address space; it flushes nothing.
 */
static uint64_t satp_read(struct vcpu *v) { return v->csr.satp; }
static void satp_write(struct vcpu *v, uint64_t val)
{
	uint64_t mode = val >> SATP_MODE_SHIFT;
	uint64_t asid_mask = ((1UL << platform.asid_bits) - 1) << SATP_ASID_SHIFT;

	if (mode != SATP_MODE_BARE && !(mode <= platform.guest_satp_mode && spt_guest_format(val)))
		return;
	v->csr.satp = val & (SATP_MODE | asid_mask | SATP_PPN);
	vcpu_update_mmu(v);
}

/* scounteren and senvcfg: the bits the real hart implements. */
static uint64_t scounteren_read(struct vcpu *v) { return v->csr.scounteren; }
static void scounteren_write(struct vcpu *v, uint64_t val)
{
	v->csr.scounteren = val & platform.scounteren_mask;
}

static uint64_t senvcfg_read(struct vcpu *v) { return v->csr.senvcfg; }
static void senvcfg_write(struct vcpu *v, uint64_t val)
{
	v->csr.senvcfg = val & platform.senvcfg_mask;
}

static const struct vcsr vcsrs[] = {
	{ CSR_SSTATUS,    "sstatus",    sstatus_read,    sstatus_write },
	{ CSR_SIE,        "sie",        sie_read,        sie_write },
	{ CSR_SIP,        "sip",        sip_read,        sip_write },
	{ CSR_STVEC,      "stvec",      stvec_read,      stvec_write },
	{ CSR_SSCRATCH,   "sscratch",   sscratch_read,   sscratch_write },
	{ CSR_SEPC,       "sepc",       sepc_read,       sepc_write },
	{ CSR_SCAUSE,     "scause",     scause_read,     scause_write },
	{ CSR_STVAL,      "stval",      stval_read,      stval_write },
	{ CSR_SATP,       "satp",       satp_read,       satp_write },
	{ CSR_SCOUNTEREN, "scounteren", scounteren_read, scounteren_write },
	{ CSR_SENVCFG,    "senvcfg",    senvcfg_read,    senvcfg_write },
};
_Static_assert(ARRAY_SIZE(vcsrs) < STATS_CSR_SLOTS, "stats slots");
#define VCSR_OTHER ARRAY_SIZE(vcsrs)   /* stats slot for CSRs that fault */

/* CSR number -> 1 + its row in vcsrs (0: not a virtual CSR). */
static const uint8_t vcsr_row[4096] = {
	[CSR_SSTATUS] = 1, [CSR_SIE] = 2, [CSR_SIP] = 3, [CSR_STVEC] = 4,
	[CSR_SSCRATCH] = 5, [CSR_SEPC] = 6, [CSR_SCAUSE] = 7, [CSR_STVAL] = 8,
	[CSR_SATP] = 9, [CSR_SCOUNTEREN] = 10, [CSR_SENVCFG] = 11,
};

static const struct vcsr *vcsr_find(uint16_t num)
{
	unsigned row = vcsr_row[num & 0xfff];
	if (!row || (num == CSR_SENVCFG && !platform.has_senvcfg))
		return NULL;
	return &vcsrs[row - 1];
}

bool vcsr_is_virtual(uint16_t num)
{
	return vcsr_find(num) != NULL;
}

const char *vcsr_stats_name(unsigned slot)
{
	return slot < ARRAY_SIZE(vcsrs) ? vcsrs[slot].name : slot == VCSR_OTHER ? "other" : NULL;
}

enum trap_outcome vcsr_emulate(struct vcpu *v, const struct decode_insn *in)
{
	const struct vcsr *c = vcsr_find(in->csr);
	uint64_t src = in->csr_imm ? in->rs1 : v->tf.x[in->rs1];
	uint64_t new_val, write_mask;
	bool writes;

	switch (in->op) {
	case DECODE_OP_CSRRW: case DECODE_OP_CSRRWI:
		new_val = src, write_mask = ~0UL, writes = true;
		break;
	case DECODE_OP_CSRRS: case DECODE_OP_CSRRSI:
		new_val = ~0UL, write_mask = src, writes = in->rs1 != 0;
		break;
	default: /* CSRRC, CSRRCI */
		new_val = 0, write_mask = src, writes = in->rs1 != 0;
		break;
	}

	/*
	 * Illegal, as on real hardware: a CSR that does not exist for S-mode
	 * (M- and H-level CSRs, unknown numbers), and any write to a
	 * read-only CSR (number bits 11:10 = 3).
	 */
	if (!c || (writes && CSR_READ_ONLY(in->csr))) {
		if (trace_on(v))
			trace_note(v, "illegal");
		v->stats.csr[VCSR_OTHER]++;
		vcpu_inject_trap(v, CAUSE_ILLEGAL_INSTRUCTION, v->insn_raw);
		return TRAP_RESUME;
	}
	v->stats.csr[c - vcsrs]++;

	uint64_t old = c->read(v);
	unsigned rd = in->rd;	/* (before the write: see trap.c, emulate_site) */
	if (writes)
		c->write(v, (old & ~write_mask) | (new_val & write_mask));
	if (trace_on(v))
		trace_note_csr(v, in->csr, old, writes ? c->read(v) : old, writes);
	if (rd)
		v->tf.x[rd] = old;
	return TRAP_NEXT;
}

/* A vCPU starts with the CSR values OpenSBI gave Umbra, as it would have
 * found them had OpenSBI started it directly. */
void vcsr_init(struct vcpu *v)
{
	for (unsigned i = 0; i < ARRAY_SIZE(vcsrs); i++)
		ASSERT(vcsr_row[vcsrs[i].num] == i + 1);	/* the two tables agree */
	v->csr.sstatus = (boot_csrs.sstatus & SSTATUS_VIRTUAL) | (boot_csrs.sstatus & SSTATUS_UXL);
	v->csr.sie = boot_csrs.sie & platform.sie_mask;
	v->csr.sip = boot_csrs.sip & SIP_SSIP;
	v->csr.scounteren = boot_csrs.scounteren & platform.scounteren_mask;
	v->csr.senvcfg = boot_csrs.senvcfg & platform.senvcfg_mask;
}

/* ---- What the virtual CSRs make the real hart do ---------------------------- */

/*
 * Point the real MMU at what the guest's translation state calls for: the
 * Bare view, or the shadow of its satp for its current view (mode, SUM,
 * MXR).  Called whenever one of those changes.
 */
void vcpu_update_mmu(struct vcpu *v)
{
	unsigned view = spt_view(v->mode, v->csr.sstatus);
	if (v->mmu_satp == v->csr.satp && v->mmu_view == view)
		return;
	v->mmu_satp = v->csr.satp;
	v->mmu_view = view;
	/* The Bare view maps all guest RAM readable: no patch may stay. */
	if (!spt_guest_format(v->csr.satp))
		patch_release_all(v->vm);
	v->shadow = spt_switch(&v->spt, v->csr.satp, view);
	v->host_satp = v->spt.satp;
}

/*
 * The virtual privilege changed (the shadow backend's mode_changed): both
 * virtual privileges run in real U-mode; what differs is what the real
 * hart must let through.  Counters (cycle, time, instret) are readable in
 * virtual S-mode as far as the machine allows, and in virtual U-mode only
 * as far as the guest's own scounteren allows too.
 */
void vcsr_mode_changed(struct vcpu *v)
{
	unsigned mode = v->mode;
	csr_write(scounteren, mode == PRV_U ? v->csr.scounteren & platform.scounteren_mask
					    : platform.scounteren_mask);
	/* U-mode's XLEN is the guest's sstatus.UXL in virtual U-mode; the guest
	 * kernel itself always runs with the XLEN Umbra was started with. */
	uint64_t uxl = mode == PRV_U ? v->csr.sstatus & SSTATUS_UXL : boot_csrs.sstatus & SSTATUS_UXL;
	if ((csr_read(sstatus) & SSTATUS_UXL) != uxl)
		csr_write(sstatus, (csr_read(sstatus) & ~SSTATUS_UXL) | uxl);
	vcpu_update_mmu(v);
}
