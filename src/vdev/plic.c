/*
 * plic.c - a SiFive PLIC, as QEMU's virt machine has at 0x0c000000.
 *
 * Reference: "RISC-V Platform-Level Interrupt Controller Specification"
 * (riscv-plic-spec 1.0.0, cited as "spec", with the section name), which
 * describes SiFive's PLIC ("sifive,plic-1.0.0").
 *
 * The PLIC collects interrupt wires from devices ("sources", numbered 1..N;
 * 0 means "none") and presents them to "contexts": a hart in one privilege
 * mode.  Per spec "Interrupt Gateways" and "Interrupt Notifications":
 *
 *   wire --> gateway --> IP bit --> [enabled for context, priority >
 *                                    context's threshold] --> context's EIP
 *
 * A context's handler "claims" the interrupt (reads its claim register: it
 * gets the best source's id and that IP bit clears), services the device,
 * then "completes" it (writes the id back).  Between claim and completion
 * the source is "in service": its gateway forwards no new request.
 *
 * Gateways here are level-triggered, as for every source on QEMU virt: the
 * IP bit is set while the wire is high and the source is not in service, and
 * follows the wire when it drops before being claimed (QEMU's behaviour; the
 * spec would leave such a request pending).  When a completed source's wire
 * is still high it becomes pending again at once.
 *
 * Memory map (spec "Memory Map"), 32-bit registers:
 *
 *   0x000000 + 4*s                   priority of source s (0 = never interrupts)
 *   0x001000 + 4*w                   IP bits of sources 32w..32w+31 (read-only)
 *   0x002000 + 0x80*c + 4*w          context c's enable bits for 32w..32w+31
 *   0x200000 + 0x1000*c              context c's priority threshold
 *   0x200000 + 0x1000*c + 4          context c's claim (read) / complete (write)
 *
 * Contexts on QEMU virt: 2h is hart h's M-mode, 2h+1 its S-mode.  The model
 * does not care which is which; the eip callback's owner does.
 *
 * Pure code: state in struct plic, effects through its eip callback.
 */
#include "models.h"

/* ---- Bit arrays, one bit per source --------------------------------------- */

static bool bit_get(const uint32_t *words, unsigned n)
{
	return (words[n / 32] >> (n % 32)) & 1;
}

static void bit_put(uint32_t *words, unsigned n, bool v)
{
	uint32_t m = (uint32_t)1 << (n % 32);

	if (v)
		words[n / 32] |= m;
	else
		words[n / 32] &= ~m;
}

static bool source_exists(const struct plic *p, unsigned s)
{
	return s >= 1 && s <= p->nsources;
}

/* The bits of word w that stand for existing sources: bit 0 of word 0 is
 * source 0, which does not exist, and bits past nsources are hardwired 0. */
static uint32_t word_mask(const struct plic *p, unsigned w)
{
	uint32_t mask = 0;

	for (unsigned j = 0; j < 32; j++)
		if (source_exists(p, 32 * w + j))
			mask |= (uint32_t)1 << j;
	return mask;
}

/* ---- The core ------------------------------------------------------------- */

/* Spec "Interrupt Gateways", level-triggered: request while the wire is high,
 * but only one request in flight until the handler completes it. */
static void gateway(struct plic *p, unsigned s)
{
	bit_put(p->pending, s, bit_get(p->level, s) && !bit_get(p->in_service, s));
}

/*
 * The source context c would get from a claim now: the pending, enabled
 * source of highest priority, that priority above the context's threshold;
 * among equals the lowest id (spec "Interrupt Priorities").  0 if none.
 * This one function decides both the EIP line and the claim, so the two
 * never disagree.  (The spec lets a claim ignore the threshold; QEMU applies
 * it, and so does this model.)
 */
static unsigned best_source(const struct plic *p, unsigned c)
{
	unsigned best = 0;
	unsigned best_prio = p->threshold[c];

	for (unsigned s = 1; s <= p->nsources; s++) {
		if (bit_get(p->pending, s) && bit_get(p->enable[c], s) &&
		    p->priority[s] > best_prio) {
			best = s;
			best_prio = p->priority[s];
		}
	}
	return best;
}

/* Recompute every context's EIP line; report the ones that moved. */
static void eip_update(struct plic *p)
{
	for (unsigned c = 0; c < p->ncontexts; c++) {
		bool level = best_source(p, c) != 0;

		if (level == p->eip_line[c])
			continue;
		p->eip_line[c] = level;
		if (p->eip)
			p->eip(p->ctx, c, level);
	}
}

/* Spec "Interrupt Claim Process". */
static unsigned claim(struct plic *p, unsigned c)
{
	unsigned s = best_source(p, c);

	if (s) {
		bit_put(p->pending, s, false);
		bit_put(p->in_service, s, true);
	}
	return s;
}

/* Spec "Interrupt Completion": "If the completion ID does not match an
 * interrupt source that is currently enabled for the target, the completion
 * is silently ignored." */
static void complete(struct plic *p, unsigned c, uint32_t s)
{
	if (!source_exists(p, s) || !bit_get(p->enable[c], s))
		return;
	bit_put(p->in_service, s, false);
	gateway(p, s);
}

/* ---- Registers -------------------------------------------------------------- */
/* Each handler gets the offset within its region. */

/* Priorities: WARL, 3 bits (QEMU virt: 7 levels above 0). */
static uint32_t priority_read(struct plic *p, uint32_t off)
{
	unsigned s = off / 4;

	return source_exists(p, s) ? p->priority[s] : 0;
}

static void priority_write(struct plic *p, uint32_t off, uint32_t v)
{
	unsigned s = off / 4;

	if (source_exists(p, s))
		p->priority[s] = v & PLIC_PRIO_MASK;
}

/* IP bits: read-only (the gateways and claims set and clear them). */
static uint32_t pending_read(struct plic *p, uint32_t off)
{
	unsigned w = off / 4;

	return w < PLIC_WORDS ? p->pending[w] : 0;
}

/* Enables: one 0x80-byte block (1024 bits) per context. */
static uint32_t enable_read(struct plic *p, uint32_t off)
{
	unsigned c = off / PLIC_ENABLE_STRIDE, w = off % PLIC_ENABLE_STRIDE / 4;

	if (c >= p->ncontexts || w >= PLIC_WORDS)
		return 0;
	return p->enable[c][w];
}

static void enable_write(struct plic *p, uint32_t off, uint32_t v)
{
	unsigned c = off / PLIC_ENABLE_STRIDE, w = off % PLIC_ENABLE_STRIDE / 4;

	if (c >= p->ncontexts || w >= PLIC_WORDS)
		return;
	p->enable[c][w] = v & word_mask(p, w);
}

/* A context's page: threshold at +0, claim/complete at +4, nothing else. */
static uint32_t context_read(struct plic *p, uint32_t off)
{
	unsigned c = off / PLIC_CONTEXT_STRIDE, reg = off % PLIC_CONTEXT_STRIDE;

	if (c >= p->ncontexts)
		return 0;
	switch (reg) {
	case PLIC_THRESHOLD:
		return p->threshold[c];
	case PLIC_CLAIM:
		return claim(p, c);
	default:
		return 0;
	}
}

static void context_write(struct plic *p, uint32_t off, uint32_t v)
{
	unsigned c = off / PLIC_CONTEXT_STRIDE, reg = off % PLIC_CONTEXT_STRIDE;

	if (c >= p->ncontexts)
		return;
	switch (reg) {
	case PLIC_THRESHOLD:
		p->threshold[c] = v & PLIC_PRIO_MASK;   /* WARL, like priorities */
		break;
	case PLIC_CLAIM:
		complete(p, c, v);
		break;
	}
}

static const struct plic_region {
	uint32_t base, size;
	uint32_t (*read)(struct plic *p, uint32_t off);
	void (*write)(struct plic *p, uint32_t off, uint32_t v);   /* NULL: read-only */
} plic_regions[] = {
	{ PLIC_PRIORITY_BASE, 4 * (PLIC_MAX_SOURCES + 1), priority_read, priority_write },
	{ PLIC_PENDING_BASE,  4 * PLIC_WORDS,             pending_read,  NULL },
	{ PLIC_ENABLE_BASE,   PLIC_ENABLE_STRIDE * PLIC_MAX_CONTEXTS, enable_read, enable_write },
	{ PLIC_CONTEXT_BASE,  PLIC_CONTEXT_STRIDE * PLIC_MAX_CONTEXTS, context_read, context_write },
};

static const struct plic_region *plic_region(uint64_t offset)
{
	for (size_t i = 0; i < ARRAY_SIZE(plic_regions); i++) {
		const struct plic_region *r = &plic_regions[i];

		if (offset >= r->base && offset - r->base < r->size)
			return r;
	}
	return NULL;
}

/* ---- Interface ---------------------------------------------------------------- */

int plic_init(struct plic *p, unsigned nsources, unsigned ncontexts,
	      void (*eip)(void *ctx, unsigned context, bool level), void *ctx)
{
	if (nsources < 1 || nsources > PLIC_MAX_SOURCES ||
	    ncontexts < 1 || ncontexts > PLIC_MAX_CONTEXTS)
		return ERR_INVAL;
	*p = (struct plic){ .nsources = nsources, .ncontexts = ncontexts,
			    .eip = eip, .ctx = ctx };
	return 0;
}

int plic_access(struct vdev *d, uint64_t offset, unsigned width, bool write,
		uint64_t *val)
{
	struct plic *p = d->priv;
	const struct plic_region *r;

	/* Every PLIC register is a naturally aligned 32-bit word; QEMU too
	 * rejects other accesses. */
	if (width != 4 || (offset & 3))
		return ERR_INVAL;

	r = plic_region(offset);
	if (write) {
		if (r && r->write)
			r->write(p, (uint32_t)(offset - r->base), (uint32_t)*val);
	} else {
		*val = r ? r->read(p, (uint32_t)(offset - r->base)) : 0;
	}
	eip_update(p);
	return 0;
}

void plic_set_irq(struct plic *p, unsigned source, bool level)
{
	if (!source_exists(p, source))
		return;
	bit_put(p->level, source, level);
	gateway(p, source);
	eip_update(p);
}

bool plic_eip_level(const struct plic *p, unsigned context)
{
	return context < p->ncontexts && p->eip_line[context];
}
