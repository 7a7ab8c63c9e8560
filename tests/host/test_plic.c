/*
 * test_plic.c - host unit test for src/vdev/plic.c, the SiFive PLIC model.
 *
 * 1. plic_init's argument checks.
 *
 * 2. One TABLE of cases.  Each case starts from a freshly reset PLIC (95
 *    sources and 4 contexts - two harts, M and S each - unless the case says
 *    otherwise) and runs a short script: register reads (with the value the
 *    PLIC spec / QEMU virt say must come back) and writes through the vdev
 *    handler, source wires driven with plic_set_irq, claims, completions,
 *    and checks of the eip callback.
 *
 * After every operation the harness checks, for every context, that the
 * level the eip callback last reported equals an independent oracle: the
 * PLIC spec's rule "some source is pending, enabled for the context, and of
 * priority above its threshold", evaluated from the priority, pending,
 * enable and threshold registers as the guest would read them.  So "eip is
 * called on every change" is checked everywhere, not only where a case says
 * so; the callback must also never repeat a level.
 *
 * Build and run (from the repository root):
 *   gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -DUMBRA_HOST_TEST \
 *       -Isrc/include -Isrc/core -Isrc/trap -Isrc/decode -Isrc/shadowpt -Isrc/vdev \
 *       -o build/host/test_plic tests/host/test_plic.c src/vdev/plic.c
 *   ./build/host/test_plic
 * Prints one line per failure and "plic: N passed, M failed" (N, M count
 * cases and init checks); exits 1 on any failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "models.h"

#define HARNESS_NAME "plic"
#include "harness.h"

/* ---- What the eip callback saw --------------------------------------------------- */

struct sim {
	bool eip[PLIC_MAX_CONTEXTS];   /* each line as last reported */
	unsigned calls;
	unsigned last_ctx;
	bool last_level;
	bool repeat;                   /* a call that did not change the line */
	bool bad_ctx;                  /* a call for a context that does not exist */
	unsigned ncontexts;
};

static void sim_eip(void *ctx, unsigned context, bool level)
{
	struct sim *s = ctx;

	if (context >= s->ncontexts) {
		s->bad_ctx = true;
		return;
	}
	if (s->eip[context] == level)
		s->repeat = true;
	s->eip[context] = level;
	s->calls++;
	s->last_ctx = context;
	s->last_level = level;
}

/* ---- The script language ------------------------------------------------------------ */

enum op_kind {
	OP_END,
	OP_WRITE,     /* 32-bit write of val at a */
	OP_READ,      /* 32-bit read at a: must be val */
	OP_BAD,       /* read and write at a, b bytes wide: both must fail */
	OP_IRQ,       /* plic_set_irq(a, val) */
	OP_CLAIM,     /* read context a's claim register: must be val */
	OP_EIP,       /* context a's line is val (callback and plic_eip_level) */
	OP_CALLS,     /* the eip callback ran val times so far ... */
	OP_LAST,      /* ... the last time for context a with level val */
};

struct op {
	enum op_kind kind;
	uint32_t a, b;
	uint64_t val;
};

#define PRIO_REG(s)      (PLIC_PRIORITY_BASE + 4 * (s))
#define PEND_REG(w)      (PLIC_PENDING_BASE + 4 * (w))
#define EN_REG(c, w)     (PLIC_ENABLE_BASE + PLIC_ENABLE_STRIDE * (c) + 4 * (w))
#define THR_REG(c)       (PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * (c) + PLIC_THRESHOLD)
#define CLAIM_REG(c)     (PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * (c) + PLIC_CLAIM)

#define WR(o, v)         { OP_WRITE, (o), 0, (v) }
#define RD(o, v)         { OP_READ, (o), 0, (v) }
#define BAD(o, w)        { OP_BAD, (o), (w), 0 }
#define PRIO(s, v)       WR(PRIO_REG(s), (v))
#define EN(c, w, v)      WR(EN_REG(c, w), (v))
#define THR(c, v)        WR(THR_REG(c), (v))
#define COMPLETE(c, id)  WR(CLAIM_REG(c), (id))
#define PEND(w, v)       RD(PEND_REG(w), (v))
#define IRQ(s, l)        { OP_IRQ, (s), 0, (l) }
#define CLAIM(c, v)      { OP_CLAIM, (c), 0, (v) }
#define EIP(c, l)        { OP_EIP, (c), 0, (l) }
#define CALLS(n)         { OP_CALLS, 0, 0, (n) }
#define LAST(c, l)       { OP_LAST, (c), 0, (l) }

/* Context numbers on a two-hart guest. */
enum { M0 = PLIC_CONTEXT_M(0), S0 = PLIC_CONTEXT_S(0),
       M1 = PLIC_CONTEXT_M(1), S1 = PLIC_CONTEXT_S(1) };

#define B(s) ((uint32_t)1 << ((s) % 32))   /* source s's bit in its word */

#define MAX_OPS 40

struct tcase {
	const char *name;
	unsigned nsources, ncontexts;   /* 0: 95 and 4 */
	struct op ops[MAX_OPS];
};

static const struct tcase cases[] = {
	/* ---- Reset and plain registers ---- */
	{ "reset: everything 0", 0, 0, {
		RD(PRIO_REG(1), 0), RD(PRIO_REG(95), 0), PEND(0, 0), PEND(2, 0),
		RD(EN_REG(S0, 0), 0), RD(THR_REG(S0), 0), CLAIM(S0, 0), CLAIM(M0, 0),
		EIP(S0, 0), CALLS(0) } },
	{ "priority: WARL, 3 bits", 0, 0, {
		PRIO(1, 7), RD(PRIO_REG(1), 7), PRIO(1, 0xf), RD(PRIO_REG(1), 7),
		PRIO(1, 8), RD(PRIO_REG(1), 0), PRIO(1, 0xffffffff), RD(PRIO_REG(1), 7),
		PRIO(95, 5), RD(PRIO_REG(95), 5), PRIO(2, 3), RD(PRIO_REG(2), 3),
		RD(PRIO_REG(1), 7) } },
	{ "priority: source 0 and missing sources are 0", 0, 0, {
		PRIO(0, 7), RD(PRIO_REG(0), 0), PRIO(96, 7), RD(PRIO_REG(96), 0),
		PRIO(127, 7), RD(PRIO_REG(127), 0), WR(0x800, 7), RD(0x800, 0) } },
	{ "priority: 127 sources", 127, 0, {
		PRIO(127, 3), RD(PRIO_REG(127), 3), PRIO(96, 1), RD(PRIO_REG(96), 1),
		PRIO(128, 1), RD(PRIO_REG(128), 0) } },
	{ "threshold: WARL, 3 bits, per context", 0, 0, {
		THR(S0, 3), RD(THR_REG(S0), 3), THR(S0, 0xf), RD(THR_REG(S0), 7),
		THR(S0, 8), RD(THR_REG(S0), 0), THR(S1, 5), RD(THR_REG(S1), 5),
		RD(THR_REG(S0), 0), RD(THR_REG(M0), 0), THR(M1, 2), RD(THR_REG(M1), 2) } },
	{ "enable: existing sources only", 0, 0, {
		EN(S0, 0, 0xffffffff), RD(EN_REG(S0, 0), 0xfffffffe),
		EN(S0, 2, 0xffffffff), RD(EN_REG(S0, 2), 0xffffffff),
		EN(S0, 3, 0xffffffff), RD(EN_REG(S0, 3), 0),
		EN(S0, 4, 0xffffffff), RD(EN_REG(S0, 4), 0) } },
	{ "enable: 40 sources", 40, 0, {
		EN(S0, 1, 0xffffffff), RD(EN_REG(S0, 1), 0x1ff), EN(S0, 2, 1), RD(EN_REG(S0, 2), 0),
		IRQ(41, 1), PEND(1, 0), IRQ(40, 1), PEND(1, B(40)) } },
	{ "enable: per context", 0, 0, {
		EN(S0, 0, B(5)), RD(EN_REG(S0, 0), B(5)), RD(EN_REG(M0, 0), 0),
		RD(EN_REG(S1, 0), 0), RD(EN_REG(M1, 0), 0), PRIO(5, 1), IRQ(5, 1),
		EIP(S0, 1), EIP(M0, 0), EIP(S1, 0), EIP(M1, 0),
		EN(S1, 0, B(5)), EIP(S1, 1), EN(S0, 0, 0), EIP(S0, 0), EIP(S1, 1) } },
	{ "pending: follows a level source, read-only", 0, 0, {
		IRQ(5, 1), PEND(0, B(5)), WR(PEND_REG(0), 0), PEND(0, B(5)),
		WR(PEND_REG(0), 0xffffffff), PEND(0, B(5)), IRQ(5, 0), PEND(0, 0),
		IRQ(33, 1), PEND(1, B(33)), IRQ(95, 1), PEND(2, B(95)), IRQ(64, 1),
		PEND(2, B(95) | B(64)) } },
	{ "pending: missing sources ignored", 0, 0, {
		IRQ(0, 1), IRQ(96, 1), IRQ(127, 1), IRQ(1000, 1), PEND(0, 0), PEND(3, 0),
		EN(S0, 3, 0xffffffff), CLAIM(S0, 0) } },

	/* ---- Threshold and priority masking ---- */
	{ "threshold masks the line and the claim", 0, 0, {
		PRIO(5, 3), EN(S0, 0, B(5)), IRQ(5, 1), EIP(S0, 1), THR(S0, 2),
		EIP(S0, 1), THR(S0, 3), EIP(S0, 0), CLAIM(S0, 0), PEND(0, B(5)),
		THR(S0, 7), EIP(S0, 0), THR(S0, 2), EIP(S0, 1), CLAIM(S0, 5), EIP(S0, 0) } },
	{ "threshold: only sources above it are claimed", 0, 0, {
		PRIO(5, 2), PRIO(6, 4), EN(S0, 0, B(5) | B(6)), IRQ(5, 1), IRQ(6, 1),
		THR(S0, 2), CLAIM(S0, 6), EIP(S0, 0), CLAIM(S0, 0), THR(S0, 1),
		EIP(S0, 1), CLAIM(S0, 5) } },
	{ "priority 0 never interrupts", 0, 0, {
		EN(S0, 0, B(5)), IRQ(5, 1), PEND(0, B(5)), EIP(S0, 0), CLAIM(S0, 0),
		PRIO(5, 1), EIP(S0, 1), PRIO(5, 0), EIP(S0, 0), CLAIM(S0, 0) } },

	/* ---- Claim order ---- */
	{ "claim: highest priority first", 0, 0, {
		PRIO(3, 1), PRIO(7, 5), PRIO(9, 6), PRIO(2, 2),
		EN(S0, 0, B(2) | B(3) | B(7) | B(9)),
		IRQ(3, 1), IRQ(7, 1), IRQ(9, 1), IRQ(2, 1),
		CLAIM(S0, 9), CLAIM(S0, 7), CLAIM(S0, 2), EIP(S0, 1), CLAIM(S0, 3),
		EIP(S0, 0), CLAIM(S0, 0) } },
	{ "claim: ties go to the lowest id", 0, 0, {
		PRIO(40, 4), PRIO(10, 4), PRIO(70, 4), PRIO(11, 3),
		EN(S0, 0, B(10) | B(11)), EN(S0, 1, B(40)), EN(S0, 2, B(70)),
		IRQ(70, 1), IRQ(40, 1), IRQ(11, 1), IRQ(10, 1),
		CLAIM(S0, 10), CLAIM(S0, 40), CLAIM(S0, 70), CLAIM(S0, 11), CLAIM(S0, 0) } },
	{ "claim: disabled sources skipped", 0, 0, {
		PRIO(4, 7), PRIO(6, 1), EN(S0, 0, B(6)), IRQ(4, 1), IRQ(6, 1),
		CLAIM(S0, 6), CLAIM(S0, 0), PEND(0, B(4)) } },
	{ "claim: nothing pending returns 0 and changes nothing", 0, 0, {
		PRIO(5, 1), EN(S0, 0, B(5)), CLAIM(S0, 0), CLAIM(S0, 0), CALLS(0),
		IRQ(5, 1), EIP(S0, 1), CLAIM(S0, 5) } },
	{ "claim: high sources 64 and 95", 0, 0, {
		PRIO(64, 1), PRIO(95, 2), EN(S0, 2, B(64) | B(95)), IRQ(64, 1),
		IRQ(95, 1), CLAIM(S0, 95), CLAIM(S0, 64), PEND(2, 0) } },

	/* ---- In service: claim ... complete ---- */
	{ "claim clears the IP bit", 0, 0, {
		PRIO(5, 1), EN(S0, 0, B(5)), IRQ(5, 1), PEND(0, B(5)), CLAIM(S0, 5),
		PEND(0, 0), EIP(S0, 0) } },
	{ "no second claim before completion", 0, 0, {
		PRIO(5, 1), EN(S0, 0, B(5)), IRQ(5, 1), CLAIM(S0, 5), CLAIM(S0, 0),
		IRQ(5, 1), PEND(0, 0), IRQ(5, 0), IRQ(5, 1), PEND(0, 0), CLAIM(S0, 0),
		EIP(S0, 0) } },
	{ "complete re-pends a still-high source", 0, 0, {
		PRIO(5, 1), EN(S0, 0, B(5)), IRQ(5, 1), CLAIM(S0, 5), COMPLETE(S0, 5),
		PEND(0, B(5)), EIP(S0, 1), CLAIM(S0, 5), COMPLETE(S0, 5), CLAIM(S0, 5) } },
	{ "complete after the line dropped", 0, 0, {
		PRIO(5, 1), EN(S0, 0, B(5)), IRQ(5, 1), CLAIM(S0, 5), IRQ(5, 0),
		COMPLETE(S0, 5), PEND(0, 0), EIP(S0, 0), CLAIM(S0, 0), IRQ(5, 1),
		EIP(S0, 1), CLAIM(S0, 5) } },
	{ "complete: ignored for a source not enabled", 0, 0, {
		PRIO(5, 1), EN(S0, 0, B(5)), IRQ(5, 1), CLAIM(S0, 5), EN(S0, 0, 0),
		COMPLETE(S0, 5), EN(S0, 0, B(5)), PEND(0, 0), CLAIM(S0, 0),
		COMPLETE(S0, 5), CLAIM(S0, 5) } },
	{ "complete: bad ids ignored", 0, 0, {
		PRIO(5, 1), EN(S0, 0, B(5)), IRQ(5, 1), CLAIM(S0, 5), COMPLETE(S0, 0),
		COMPLETE(S0, 96), COMPLETE(S0, 0xffffffff), COMPLETE(S0, 6),
		COMPLETE(S0, 5 + 0x100), PEND(0, 0), CLAIM(S0, 0), COMPLETE(S0, 5),
		CLAIM(S0, 5) } },
	{ "complete: not in service is harmless", 0, 0, {
		PRIO(5, 1), EN(S0, 0, B(5)), COMPLETE(S0, 5), IRQ(5, 1), COMPLETE(S0, 5),
		PEND(0, B(5)), CLAIM(S0, 5), CLAIM(S0, 0) } },
	{ "two contexts share a source", 0, 0, {
		PRIO(5, 1), EN(S0, 0, B(5)), EN(S1, 0, B(5)), IRQ(5, 1), EIP(S0, 1),
		EIP(S1, 1), CLAIM(S0, 5), EIP(S0, 0), EIP(S1, 0), CLAIM(S1, 0),
		COMPLETE(S1, 5), EIP(S0, 1), EIP(S1, 1), CLAIM(S1, 5), CLAIM(S0, 0) } },
	{ "M contexts are real registers", 0, 0, {
		PRIO(5, 1), EN(M0, 0, B(5)), RD(EN_REG(M0, 0), B(5)), IRQ(5, 1),
		EIP(M0, 1), EIP(S0, 0), LAST(M0, 1), CLAIM(M0, 5), EIP(M0, 0),
		COMPLETE(M0, 5), EIP(M0, 1), EN(M0, 0, 0), EIP(M0, 0) } },

	/* ---- The eip callback ---- */
	{ "eip: called on every change, only then", 0, 0, {
		IRQ(5, 1), CALLS(0), EN(S0, 0, B(5)), CALLS(0), PRIO(5, 2), CALLS(1),
		LAST(S0, 1), PRIO(5, 0), CALLS(2), LAST(S0, 0), PRIO(5, 1), CALLS(3),
		THR(S0, 1), CALLS(4), LAST(S0, 0), THR(S0, 0), CALLS(5), LAST(S0, 1),
		IRQ(5, 1), CALLS(5), CLAIM(S0, 5), CALLS(6), LAST(S0, 0),
		COMPLETE(S0, 5), CALLS(7), LAST(S0, 1), IRQ(5, 0), CALLS(8), LAST(S0, 0),
		RD(PEND_REG(0), 0), CALLS(8) } },
	{ "eip: set_irq alone raises and lowers", 0, 0, {
		PRIO(10, 1), EN(S1, 0, B(10)), CALLS(0), IRQ(10, 1), CALLS(1),
		LAST(S1, 1), IRQ(10, 0), CALLS(2), LAST(S1, 0), IRQ(10, 0), CALLS(2) } },
	{ "Linux-style flow for the UART (irq 10)", 0, 0, {
		PRIO(10, 1), EN(S0, 0, B(10)), THR(S0, 0), THR(M0, 7), IRQ(10, 1),
		EIP(S0, 1), CLAIM(S0, 10), EIP(S0, 0), IRQ(10, 0), COMPLETE(S0, 10),
		EIP(S0, 0), CLAIM(S0, 0), CALLS(2) } },

	/* ---- Access widths and the map's holes ---- */
	{ "bad widths and alignment fail", 0, 0, {
		BAD(PRIO_REG(1), 1), BAD(PRIO_REG(1), 2), BAD(PRIO_REG(1), 8),
		BAD(PRIO_REG(1) + 1, 4), BAD(PRIO_REG(1) + 2, 4), BAD(EN_REG(S0, 0), 8),
		BAD(THR_REG(S0), 1), RD(PRIO_REG(1), 0) } },
	{ "a failed claim access claims nothing", 0, 0, {
		PRIO(5, 1), EN(S0, 0, B(5)), IRQ(5, 1), BAD(CLAIM_REG(S0), 8),
		BAD(CLAIM_REG(S0), 2), BAD(CLAIM_REG(S0), 1), PEND(0, B(5)), CLAIM(S0, 5) } },
	{ "holes read 0, ignore writes", 0, 0, {
		WR(0x1080, 1), RD(0x1080, 0), RD(PEND_REG(4), 0), WR(0x1ffffc, 1),
		RD(0x1ffffc, 0), WR(THR_REG(S0) + 8, 5), RD(THR_REG(S0) + 8, 0),
		RD(THR_REG(S0) + 0xffc, 0), RD(0x5ffffc, 0), WR(0x5ffffc, 1),
		RD(THR_REG(S0), 0) } },
	{ "contexts past ncontexts do not exist", 0, 0, {
		EN(4, 0, 0xffffffff), RD(EN_REG(4, 0), 0), THR(4, 3), RD(THR_REG(4), 0),
		PRIO(5, 1), IRQ(5, 1), CLAIM(4, 0), PEND(0, B(5)), COMPLETE(4, 5),
		RD(EN_REG(15, 0), 0) } },
	{ "16 contexts", 95, 16, {
		PRIO(5, 1), EN(15, 0, B(5)), RD(EN_REG(15, 0), B(5)), THR(15, 0),
		IRQ(5, 1), EIP(15, 1), LAST(15, 1), CLAIM(15, 5), EIP(15, 0),
		COMPLETE(15, 5), EIP(15, 1) } },
};

/* ---- The harness -------------------------------------------------------------------- */

static uint32_t reg_read(struct vdev *d, uint32_t off)
{
	uint64_t v = 0;

	plic_access(d, off, 4, false, &v);
	return (uint32_t)v;
}

/*
 * The oracle: is context c's line up, per the spec, from what the guest can
 * read (the claim register is the one read with a side effect; not used).
 */
static bool oracle_eip(struct vdev *d, const struct plic *p, unsigned c)
{
	uint32_t thr = reg_read(d, THR_REG(c));

	for (unsigned s = 1; s <= p->nsources; s++) {
		bool pending = reg_read(d, PEND_REG(s / 32)) & B(s);
		bool enabled = reg_read(d, EN_REG(c, s / 32)) & B(s);

		if (pending && enabled && reg_read(d, PRIO_REG(s)) > thr)
			return true;
	}
	return false;
}

static bool run_op(const struct op *op, struct plic *p, struct vdev *d,
		   struct sim *s, char *why, size_t len)
{
	uint64_t v;
	int rc;

	switch (op->kind) {
	case OP_END:
		break;
	case OP_WRITE:
		v = op->val;
		rc = plic_access(d, op->a, 4, true, &v);
		if (rc) {
			snprintf(why, len, "write %#x returned %d", op->a, rc);
			return false;
		}
		break;
	case OP_READ:
		v = 0xdeadbeefdeadbeefULL;
		rc = plic_access(d, op->a, 4, false, &v);
		if (rc || v != op->val) {
			snprintf(why, len, "read %#x: rc %d value %#" PRIx64 ", expected %#" PRIx64,
				 op->a, rc, v, op->val);
			return false;
		}
		break;
	case OP_BAD:
		v = 0;
		if (plic_access(d, op->a, op->b, false, &v) >= 0 ||
		    plic_access(d, op->a, op->b, true, &v) >= 0) {
			snprintf(why, len, "access %#x w%u did not fail", op->a, op->b);
			return false;
		}
		break;
	case OP_IRQ:
		plic_set_irq(p, op->a, op->val != 0);
		break;
	case OP_CLAIM:
		v = 0xdeadbeef;
		rc = plic_access(d, CLAIM_REG(op->a), 4, false, &v);
		if (rc || v != op->val) {
			snprintf(why, len, "claim on context %u: rc %d got %" PRIu64 ", expected %" PRIu64,
				 op->a, rc, v, op->val);
			return false;
		}
		break;
	case OP_EIP:
		if (s->eip[op->a] != (op->val != 0) ||
		    plic_eip_level(p, op->a) != (op->val != 0)) {
			snprintf(why, len, "context %u: callback level %d, plic_eip_level %d, expected %d",
				 op->a, s->eip[op->a], plic_eip_level(p, op->a), (int)op->val);
			return false;
		}
		break;
	case OP_CALLS:
		if (s->calls != op->val) {
			snprintf(why, len, "eip callback ran %u times, expected %u",
				 s->calls, (unsigned)op->val);
			return false;
		}
		break;
	case OP_LAST:
		if (!s->calls || s->last_ctx != op->a || s->last_level != (op->val != 0)) {
			snprintf(why, len, "last eip call (context %u, %d), expected (%u, %d)",
				 s->last_ctx, s->last_level, op->a, (int)op->val);
			return false;
		}
		break;
	}
	return true;
}

/* After every step: each context's reported line is the oracle's, and the
 * callback neither repeated itself nor named a missing context. */
static bool check_invariants(struct plic *p, struct vdev *d, struct sim *s,
			     char *why, size_t len)
{
	if (s->repeat) {
		snprintf(why, len, "eip callback repeated a level");
		return false;
	}
	if (s->bad_ctx) {
		snprintf(why, len, "eip callback for a missing context");
		return false;
	}
	for (unsigned c = 0; c < p->ncontexts; c++) {
		bool want = oracle_eip(d, p, c);

		if (s->eip[c] != want || plic_eip_level(p, c) != want) {
			snprintf(why, len, "context %u: line %d (plic_eip_level %d), the spec says %d",
				 c, s->eip[c], plic_eip_level(p, c), want);
			return false;
		}
	}
	return true;
}

static void run_case(const struct tcase *tc)
{
	static struct plic p;   /* a few KiB: keep it off the stack */
	struct sim s = { 0 };
	struct vdev d = { "plic", PLIC_VIRT_BASE, PLIC_VIRT_SIZE, plic_access, &p, NULL };
	unsigned nsrc = tc->nsources ? tc->nsources : PLIC_VIRT_NSOURCES;
	unsigned nctx = tc->ncontexts ? tc->ncontexts : 4;
	char why[200];

	harness_begin("%s", tc->name);
	s.ncontexts = nctx;
	if (plic_init(&p, nsrc, nctx, sim_eip, &s) != 0) {
		harness_fail("plic_init(%u, %u) failed", nsrc, nctx);
		harness_end();
		return;
	}
	for (unsigned i = 0; i < MAX_OPS && tc->ops[i].kind != OP_END; i++) {
		if (!run_op(&tc->ops[i], &p, &d, &s, why, sizeof(why)) ||
		    !check_invariants(&p, &d, &s, why, sizeof(why))) {
			harness_fail("step %u: %s", i + 1, why);
			break;
		}
	}
	harness_end();
}

/* ---- plic_init's argument checks ------------------------------------------------------- */

static const struct {
	unsigned nsources, ncontexts;
	int rc;
} init_cases[] = {
	{ 0, 2, ERR_INVAL }, { 1, 2, 0 }, { 95, 2, 0 }, { 127, 2, 0 },
	{ 128, 2, ERR_INVAL }, { 95, 0, ERR_INVAL }, { 95, 1, 0 },
	{ 95, PLIC_MAX_CONTEXTS, 0 }, { 95, PLIC_MAX_CONTEXTS + 1, ERR_INVAL },
};

static void run_init_checks(void)
{
	static struct plic p;

	for (size_t i = 0; i < ARRAY_SIZE(init_cases); i++) {
		int rc = plic_init(&p, init_cases[i].nsources, init_cases[i].ncontexts,
				   NULL, NULL);

		HARNESS_CHECKF(rc == init_cases[i].rc, "plic_init(%u, %u) = %d, expected %d",
			       init_cases[i].nsources, init_cases[i].ncontexts, rc,
			       init_cases[i].rc);
	}

	/* No callback at all: the model must still work. */
	plic_init(&p, 95, 2, NULL, NULL);
	plic_set_irq(&p, 5, true);
	{
		struct vdev d = { "plic", PLIC_VIRT_BASE, PLIC_VIRT_SIZE, plic_access, &p, NULL };
		uint64_t v = 1;

		plic_access(&d, PRIO_REG(5), 4, true, &v);
		v = B(5);
		plic_access(&d, EN_REG(S0, 0), 4, true, &v);
		HARNESS_CHECKF(plic_eip_level(&p, S0) && !plic_eip_level(&p, 2) &&
			       reg_read(&d, CLAIM_REG(S0)) == 5,
			       "NULL eip callback: wrong line or claim");
	}
}

int main(void)
{
	run_init_checks();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
	return harness_done();
}
