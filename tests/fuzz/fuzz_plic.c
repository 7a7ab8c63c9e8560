/*
 * fuzz_plic.c - libFuzzer harness for the SiFive PLIC model (src/vdev/plic.c).
 *
 * The input is a script.  Bytes 0 and 1 size the PLIC (1..127 sources,
 * 1..16 contexts); then each operation is an opcode byte and its arguments:
 *
 *   WRITE / READ  an access through the vdev handler: a priority, pending
 *                 word, enable word, threshold or claim register of any
 *                 source/context (existing or not), any other offset of the
 *                 4 MiB window (unmapped holes included), or any 64-bit
 *                 offset; any width and alignment; any value
 *   IRQ           a device wire moves (plic_set_irq, any source number)
 *   CLAIM         a context reads its claim register
 *   COMPLETE      a context writes an id (any: claimed or not, enabled or
 *                 not, existing or not) to its claim register
 *   SETUP         enable a source for a context with a priority and a
 *                 threshold, the way a driver does (several writes)
 *
 * Beside the model runs a reference written from the PLIC specification:
 * priorities and thresholds (3 bits, WARL), enable bits (only for sources
 * that exist), level-triggered gateways (a source is pending while its wire
 * is high and it is not in service), claims (the highest-priority pending
 * enabled source above the context's threshold, ties to the lowest id;
 * 0 if none) and completions (ignored unless the id is a source enabled
 * for that context).  After every operation:
 *
 *   - an access that is not an aligned 32-bit one is refused and changes
 *     nothing; offsets the map does not define read 0 and writes there
 *     change nothing;
 *   - every read returns what the reference says; a claim returns only a
 *     pending enabled source above the threshold, and 0 otherwise;
 *   - completing an id that is not in service changes nothing at all;
 *   - priorities, enables, thresholds, pending and in-service bits equal
 *     the reference's;
 *   - each context's interrupt line - as the eip callback last reported it
 *     and as plic_eip_level() says - equals "some source is pending,
 *     enabled for the context and above its threshold"; the callback fires
 *     only on a change and only for contexts that exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "models.h"

/* ---- Failing ------------------------------------------------------------------- */

/* A broken invariant stops the run (fuzz.h): libFuzzer keeps the input. */
#define INVARIANT(cond, what) FUZZ_CHECK(cond, "%s", what)

/* Checking code is not instrumented for coverage (see fuzz_virtio.c); the
 * reference's small helpers may still be inlined into it. */
#define CHECKER FUZZ_NOCOV
#define REFERENCE __attribute__((no_sanitize("coverage")))

/* ---- The input: a byte stream that reads as zeros once it runs out ----------- */

/* Fields of the input: fuzz.h's reader (zeros once it runs out). */

/* ---- The reference: the PLIC specification --------------------------------------- */

/* One bit per source, 32 to a word, as the register map lays them out. */
typedef uint32_t bits_t[PLIC_WORDS];

struct ref {
	unsigned nsources, ncontexts;
	bits_t exists;                           /* sources 1..nsources */
	uint8_t priority[PLIC_MAX_SOURCES + 1];
	bits_t level;                            /* each wire */
	bits_t in_service;                       /* claimed, not completed */
	bits_t enable[PLIC_MAX_CONTEXTS];
	uint8_t threshold[PLIC_MAX_CONTEXTS];
};

static struct ref ref;

static REFERENCE bool bit(const uint32_t *b, uint64_t s)
{
	return s <= PLIC_MAX_SOURCES && (b[s / 32] >> (s % 32) & 1);
}

static REFERENCE void set_bit(uint32_t *b, unsigned s, bool v)
{
	if (v)
		b[s / 32] |= 1u << (s % 32);
	else
		b[s / 32] &= ~(1u << (s % 32));
}

static REFERENCE bool exists(uint64_t s)
{
	return bit(ref.exists, s);
}

/* A level-triggered gateway forwards a request while the wire is high,
 * one at a time: nothing new until the handler completes the last. */
static REFERENCE uint32_t pending_word(unsigned w)
{
	return ref.level[w] & ~ref.in_service[w] & ref.exists[w];
}

/* What a claim by context c returns: the pending enabled source of highest
 * priority, that priority above the threshold; ties to the lowest id. */
static REFERENCE unsigned best(unsigned c)
{
	unsigned b = 0, prio = ref.threshold[c];

	for (unsigned w = 0; w < PLIC_WORDS; w++)
		for (uint32_t m = pending_word(w) & ref.enable[c][w]; m; m &= m - 1) {
			unsigned s = 32 * w + (unsigned)__builtin_ctz(m);

			if (ref.priority[s] > prio) {
				b = s;
				prio = ref.priority[s];
			}
		}
	return b;
}

/* A register of the map, decoded the spec's way; unmapped: kind NONE. */
enum reg_kind { NONE, PRIORITY, PENDING, ENABLE, THRESHOLD, CLAIM };

struct reg {
	enum reg_kind kind;
	unsigned index;      /* source, pending word, or context */
	unsigned word;       /* ENABLE: the word within the context's block */
};

REFERENCE static struct reg decode(uint64_t off)
{
	if (off < PLIC_PENDING_BASE)
		return (struct reg){ off / 4 <= PLIC_MAX_SOURCES ? PRIORITY : NONE, (unsigned)(off / 4), 0 };
	if (off < PLIC_ENABLE_BASE)
		return (struct reg){ (off - PLIC_PENDING_BASE) / 4 < PLIC_WORDS ? PENDING : NONE,
				     (unsigned)((off - PLIC_PENDING_BASE) / 4), 0 };
	if (off < PLIC_ENABLE_BASE + PLIC_ENABLE_STRIDE * PLIC_MAX_CONTEXTS)
		return (struct reg){ ENABLE, (unsigned)((off - PLIC_ENABLE_BASE) / PLIC_ENABLE_STRIDE),
				     (unsigned)((off - PLIC_ENABLE_BASE) % PLIC_ENABLE_STRIDE / 4) };
	if (off >= PLIC_CONTEXT_BASE && off < PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * PLIC_MAX_CONTEXTS) {
		uint64_t c = (off - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE;
		uint64_t r = (off - PLIC_CONTEXT_BASE) % PLIC_CONTEXT_STRIDE;

		if (r == PLIC_THRESHOLD)
			return (struct reg){ THRESHOLD, (unsigned)c, 0 };
		if (r == PLIC_CLAIM)
			return (struct reg){ CLAIM, (unsigned)c, 0 };
	}
	return (struct reg){ NONE, 0, 0 };
}

REFERENCE static uint32_t ref_read(struct reg r)
{
	unsigned s;

	switch (r.kind) {
	case PRIORITY:
		return exists(r.index) ? ref.priority[r.index] : 0;
	case PENDING:
		return pending_word(r.index);
	case ENABLE:
		return r.index < ref.ncontexts && r.word < PLIC_WORDS ? ref.enable[r.index][r.word] : 0;
	case THRESHOLD:
		return r.index < ref.ncontexts ? ref.threshold[r.index] : 0;
	case CLAIM:
		if (r.index >= ref.ncontexts)
			return 0;
		s = best(r.index);
		if (s)
			set_bit(ref.in_service, s, true);
		return s;
	default:
		return 0;
	}
}

REFERENCE static void ref_write(struct reg r, uint32_t v)
{
	switch (r.kind) {
	case PRIORITY:
		if (exists(r.index))
			ref.priority[r.index] = v & PLIC_PRIO_MASK;
		break;
	case ENABLE:
		if (r.index < ref.ncontexts && r.word < PLIC_WORDS)
			ref.enable[r.index][r.word] = v & ref.exists[r.word];
		break;
	case THRESHOLD:
		if (r.index < ref.ncontexts)
			ref.threshold[r.index] = v & PLIC_PRIO_MASK;
		break;
	case CLAIM:
		/* Completion: "If the completion ID does not match an interrupt
		 * source that is currently enabled for the target, the
		 * completion is silently ignored." */
		if (r.index < ref.ncontexts && exists(v) && bit(ref.enable[r.index], v))
			set_bit(ref.in_service, v, false);
		break;
	default:
		break;      /* pending bits are read-only; holes ignore writes */
	}
}

/* ---- The model and its callback -------------------------------------------------- */

static struct plic plic;
static struct vdev dev = { "plic", PLIC_VIRT_BASE, PLIC_VIRT_SIZE, plic_access, &plic, NULL };
static bool eip[PLIC_MAX_CONTEXTS];

static void on_eip(void *ctx, unsigned context, bool level)
{
	(void)ctx;
	INVARIANT(context < ref.ncontexts, "eip callback for a context that does not exist");
	INVARIANT(eip[context] != level, "eip callback without a change of level");
	eip[context] = level;
}

/* ---- Checks ------------------------------------------------------------------------ */

static CHECKER void check_state(void)
{
	for (unsigned w = 0; w < PLIC_WORDS; w++) {
		INVARIANT(plic.pending[w] == pending_word(w), "pending bits differ from the gateway's rule");
		INVARIANT((plic.in_service[w] & ref.exists[w]) == ref.in_service[w], "in-service bits wrong");
	}
	for (unsigned s = 0; s <= PLIC_MAX_SOURCES; s++)
		INVARIANT(plic.priority[s] == (exists(s) ? ref.priority[s] : 0), "priority wrong");
	for (unsigned c = 0; c < ref.ncontexts; c++) {
		bool want = best(c) != 0;

		INVARIANT(!memcmp(plic.enable[c], ref.enable[c], sizeof(bits_t)), "enable bits wrong");
		INVARIANT(plic.threshold[c] == ref.threshold[c], "threshold wrong");
		INVARIANT(eip[c] == want, "interrupt line is not 'a pending enabled source above threshold'");
		INVARIANT(plic_eip_level(&plic, c) == want, "plic_eip_level disagrees with the line");
	}
	for (unsigned c = ref.ncontexts; c < PLIC_MAX_CONTEXTS + 2; c++)
		INVARIANT(!plic_eip_level(&plic, c), "a context that does not exist has a line up");
}

/* ---- Operations ----------------------------------------------------------------------- */

static unsigned pick_source(struct fuzz_in *in)
{
	return fuzz_u8(in) % (ref.nsources + 2);     /* 0 and one past the last too */
}

static unsigned pick_context(struct fuzz_in *in)
{
	return fuzz_u8(in) % (PLIC_MAX_CONTEXTS + 1);
}

static uint64_t pick_offset(struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);

	switch (sel % 8) {
	case 0: return PLIC_PRIORITY_BASE + 4ull * fuzz_u8(in);
	case 1: return PLIC_PENDING_BASE + 4ull * (fuzz_u8(in) % 8);
	case 2: {
		unsigned c = pick_context(in);

		return PLIC_ENABLE_BASE + PLIC_ENABLE_STRIDE * c + 4ull * (fuzz_u8(in) % 32);
	}
	case 3: return PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * (uint64_t)pick_context(in);
	case 4: return PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * (uint64_t)pick_context(in) + PLIC_CLAIM;
	case 5: {
		unsigned c = pick_context(in);

		return PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * c + 4ull * (fuzz_u16(in) % 1024);
	}
	case 6: return fuzz_u32(in) % PLIC_VIRT_SIZE;
	default: return fuzz_u64(in);
	}
}

static unsigned pick_width(struct fuzz_in *in)
{
	static const unsigned widths[] = { 4, 4, 4, 4, 4, 4, 1, 2, 8, 0, 3 };
	uint8_t sel = fuzz_u8(in);

	return sel < 0xf0 ? widths[sel % ARRAY_SIZE(widths)] : sel;
}

static uint64_t pick_value(struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);

	if (sel < 0xe0)
		return fuzz_u8(in);
	return sel < 0xf0 ? fuzz_u32(in) : fuzz_u64(in);
}

/* One access through the vdev handler, checked against the reference. */
static void access(uint64_t off, unsigned width, bool write, uint64_t val)
{
	static struct plic saved;
	bool ok = width == 4 && off % 4 == 0;
	struct reg r = decode(off);
	bool quiet = !ok || r.kind == NONE || (write && r.kind == PENDING);
	int rc;

	/* Completing an id that is not in service must change nothing. */
	if (write && r.kind == CLAIM && !bit(ref.in_service, (uint32_t)val))
		quiet = true;
	if (quiet)
		saved = plic;
	rc = plic_access(&dev, off, width, write, &val);
	INVARIANT((rc == 0) == ok, "access accepted or refused against the aligned-32-bit rule");
	if (quiet)
		INVARIANT(!memcmp(&saved, &plic, sizeof(plic)), "a refused, unmapped or no-op access changed the PLIC");
	if (!ok)
		return;
	if (write) {
		ref_write(r, (uint32_t)val);
	} else {
		uint32_t want = ref_read(r);

		INVARIANT(val == want, "register read differs from the specification");
		if (r.kind == CLAIM && want)
			INVARIANT(bit(ref.enable[r.index], want) && ref.priority[want] > ref.threshold[r.index],
				  "claim returned a source not enabled or not above the threshold");
	}
}

static void op_access(struct fuzz_in *in, bool write)
{
	uint64_t off = pick_offset(in);
	unsigned width = pick_width(in);
	uint64_t val = write ? pick_value(in) : 0x5a5a5a5a5a5a5a5aull;

	access(off, width, write, val);
}

static void op_irq(struct fuzz_in *in)
{
	unsigned s = pick_source(in);
	bool level = fuzz_u8(in) & 1;

	if (exists(s))
		set_bit(ref.level, s, level);
	plic_set_irq(&plic, s, level);
}

static uint64_t claim_reg(unsigned c)
{
	return PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * (uint64_t)c + PLIC_CLAIM;
}

/* Enable source s for context c at priority p, threshold t. */
static void op_setup(struct fuzz_in *in)
{
	unsigned c = pick_context(in), s = pick_source(in);
	uint8_t p = fuzz_u8(in), t = fuzz_u8(in);
	uint64_t en = PLIC_ENABLE_BASE + PLIC_ENABLE_STRIDE * c + 4ull * (s / 32);

	access(PLIC_PRIORITY_BASE + 4ull * s, 4, true, p);
	access(en, 4, true, (s / 32 < PLIC_WORDS ? ref.enable[c % PLIC_MAX_CONTEXTS][s / 32] : 0) | 1u << (s % 32));
	access(PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * c + PLIC_THRESHOLD, 4, true, t);
}

enum op { OP_WRITE, OP_READ, OP_IRQ, OP_CLAIM, OP_COMPLETE, OP_SETUP, OP_COUNT };

#define MAX_OPS 32

static void run_op(struct fuzz_in *in, enum op op)
{
	switch (op) {
	case OP_WRITE:    op_access(in, true); break;
	case OP_READ:     op_access(in, false); break;
	case OP_IRQ:      op_irq(in); break;
	case OP_CLAIM:    access(claim_reg(pick_context(in)), 4, false, 0); break;
	case OP_COMPLETE: {
		unsigned c = pick_context(in);
		uint8_t sel = fuzz_u8(in);
		uint64_t id = sel < 0xf0 ? sel % (ref.nsources + 2) : fuzz_u32(in);

		access(claim_reg(c), 4, true, id);
		break;
	}
	case OP_SETUP:    op_setup(in); break;
	case OP_COUNT:    break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned nsources = 1 + fuzz_u8(&in) % PLIC_MAX_SOURCES;
	unsigned ncontexts = 1 + fuzz_u8(&in) % PLIC_MAX_CONTEXTS;

	INVARIANT(plic_init(&plic, 0, 1, NULL, NULL) != 0 &&
		  plic_init(&plic, PLIC_MAX_SOURCES + 1, 1, NULL, NULL) != 0 &&
		  plic_init(&plic, 1, 0, NULL, NULL) != 0 &&
		  plic_init(&plic, 1, PLIC_MAX_CONTEXTS + 1, NULL, NULL) != 0, "plic_init accepted a bad size");
	INVARIANT(plic_init(&plic, nsources, ncontexts, on_eip, NULL) == 0, "plic_init refused a good size");
	memset(&ref, 0, sizeof(ref));
	memset(eip, 0, sizeof(eip));
	ref.nsources = nsources;
	ref.ncontexts = ncontexts;
	for (unsigned s = 1; s <= nsources; s++)
		set_bit(ref.exists, s, true);
	check_state();
	for (unsigned ops = 0; in.n && ops < MAX_OPS; ops++) {
		run_op(&in, (enum op)(fuzz_u8(&in) % OP_COUNT));
		check_state();
	}
	return 0;
}
