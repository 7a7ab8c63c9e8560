/*
 * trace.c - the exit trace (see trace.h for the line format and how the
 * dispatcher and the handlers feed it).
 *
 * Lines are formatted on the hart that took the exit, into the record in
 * its vCPU (no lock), then appended to one buffer under trace_lock, which
 * goes out through the host virtio console when it is nearly full, when
 * it is a tenth of a second old, when tracing is switched off and when
 * the machine ends.  Writing is synchronous (QEMU writes the file during
 * the notify), so a line in the buffer is never lost, only late.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "trace.h"
#include "umbra.h"
#include "decode.h"
#include "host.h"
#include "lock.h"
#include "mm.h"
#include "platform.h"
#include "vm.h"
#include "vcpu.h"

#define TRACE_BUF_SIZE  (64 * 1024)
#define TRACE_LINE_MAX  (TRACE_DETAIL_MAX + 160)
#define TRACE_FLUSH_HZ  10          /* a line waits at most 1/10 s */

unsigned trace_kinds;

static spinlock_t trace_lock = SPINLOCK_INIT;   /* last in lock.h's order */
static char *buf;
static unsigned buf_len;
static uint64_t buf_since;          /* time of the oldest line in buf */
static bool header_written;

static struct {
	unsigned kinds;                 /* as configured (Ctrl-] t turns these on) */
	char vm[24];                    /* vCPU filter: VM name ("" any) ... */
	int vcpu;                       /* ... and vCPU index (-1 any) */
	uint64_t pc_lo, pc_hi;          /* guest pc filter [lo, hi) */
} opt = { .vcpu = -1, .pc_hi = ~0UL };

static const char *const kind_names[TRACE_NKINDS] = {
	[TRACE_CSR] = "csr", [TRACE_SBI] = "sbi", [TRACE_PF] = "pf", [TRACE_MMIO] = "mmio",
	[TRACE_IRQ] = "irq", [TRACE_PRIV] = "priv", [TRACE_EXC] = "exc",
};

/* ---- Options ------------------------------------------------------------------ */

int trace_configure(const char *kinds, const char *vcpu, const char *pc_range)
{
	char *end;

	for (const char *k = kinds; k && *k;) {
		size_t n = strcspn(k, ",");
		unsigned i;
		if (n == 3 && !strncmp(k, "all", 3)) {
			opt.kinds = TRACE_ALL;
		} else {
			for (i = 0; i < TRACE_NKINDS; i++)
				if (strlen(kind_names[i]) == n && !strncmp(k, kind_names[i], n))
					break;
			if (i == TRACE_NKINDS) {
				pr_err("trace: unknown kind in '%s' (csr, sbi, pf, mmio, irq, priv, exc, all)\n",
				       kinds);
				return ERR_INVAL;
			}
			opt.kinds |= 1u << i;
		}
		k += n + (k[n] == ',');
	}
	if (vcpu && *vcpu) {
		const char *slash = strchr(vcpu, '/');
		const char *num = slash ? slash + 1 : vcpu;
		size_t nlen = slash ? (size_t)(slash - vcpu) : strlen(vcpu);
		if (*num >= '0' && *num <= '9') {
			opt.vcpu = (int)strtoul(num, &end, 10);
			if (*end)
				goto bad_vcpu;
		} else if (slash) {
			goto bad_vcpu;
		} else {
			nlen = strlen(vcpu);	/* a VM's name alone */
		}
		if (slash || !(*num >= '0' && *num <= '9')) {
			if (nlen == 0 || nlen >= sizeof(opt.vm))
				goto bad_vcpu;
			memcpy(opt.vm, vcpu, nlen);
		}
	}
	if (pc_range && *pc_range) {
		opt.pc_lo = strtoul(pc_range, &end, 16);
		if (*end != '-')
			goto bad_pc;
		opt.pc_hi = strtoul(end + 1, &end, 16);
		if (*end || opt.pc_hi <= opt.pc_lo)
			goto bad_pc;
	}
	return 0;
bad_vcpu:
	pr_err("trace: bad vCPU '%s' (NAME/N, NAME or N)\n", vcpu);
	return ERR_INVAL;
bad_pc:
	pr_err("trace: bad pc range '%s' (LO-HI, hex, LO < HI)\n", pc_range);
	return ERR_INVAL;
}

void trace_start(void)
{
	if (platform.nvirtio && host_cons_init(platform.virtio_pa, platform.nvirtio) == 0)
		buf = mm_alloc_contig(TRACE_BUF_SIZE, PAGE_SIZE);
	if (opt.kinds && !buf)
		pr_err("trace: no host virtio console to write the trace to (boot through scripts/run.py)\n");
	else
		trace_kinds = opt.kinds;
}

/* ---- Output ------------------------------------------------------------------- */

static void flush_locked(void)
{
	if (buf_len)
		host_cons_write(buf, buf_len);
	buf_len = 0;
}

static void append(const char *line, unsigned len)
{
	uint64_t now = csr_read(time);

	spin_lock(&trace_lock);
	if (!header_written) {
		static const char header[] =
			"# umbra trace v1\n"
			"# time(s) vcpu mode pc kind | instruction | what Umbra did [=> trap injected into the guest]\n";
		memcpy(buf + buf_len, header, sizeof(header) - 1);
		buf_len += sizeof(header) - 1;
		header_written = true;
	}
	if (buf_len + len > TRACE_BUF_SIZE)
		flush_locked();
	if (!buf_len)
		buf_since = now;
	memcpy(buf + buf_len, line, len);
	buf_len += len;
	if (now - buf_since > platform.timebase_hz / TRACE_FLUSH_HZ)
		flush_locked();
	spin_unlock(&trace_lock);
}

void trace_flush(void)
{
	if (!buf)
		return;
	/* (At the machine's end a hart may have stopped holding the lock.) */
	for (unsigned i = 0; i < 1000000; i++)
		if (spin_trylock(&trace_lock)) {
			flush_locked();
			spin_unlock(&trace_lock);
			return;
		}
}

const char *trace_toggle(void)
{
	if (!buf)
		return "no trace device (boot through scripts/run.py)";
	if (trace_kinds) {
		trace_kinds = 0;
		trace_flush();
		return "tracing off";
	}
	trace_kinds = opt.kinds ? opt.kinds : TRACE_ALL;
	return "tracing on (into run.py's trace file: build/trace.log for make run)";
}

/* ---- The record of one exit ---------------------------------------------------------- */

static void note(struct trace_rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct trace_rec *r, const char *fmt, ...)
{
	va_list ap;
	if (r->len >= sizeof(r->detail) - 1)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(r->detail + r->len, sizeof(r->detail) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len = MIN(r->len + (unsigned)n, (unsigned)sizeof(r->detail) - 1);
}

static bool selected(struct vcpu *v)
{
	if (opt.vm[0] && strcmp(opt.vm, v->vm->name))
		return false;
	if (opt.vcpu >= 0 && (unsigned)opt.vcpu != v->id)
		return false;
	return v->tf.pc >= opt.pc_lo && v->tf.pc < opt.pc_hi;
}

void trace_exit_begin(struct vcpu *v)
{
	struct trace_rec *r = &v->trace_rec;

	v->trace = NULL;
	if (!selected(v))
		return;
	r->time = csr_read(time);
	r->pc = v->tf.pc;
	r->cause = v->tf.cause;
	r->tval = v->tf.tval;
	r->mode = (uint8_t)v->mode;
	r->kind = -1;
	r->have_insn = r->chained = false;
	r->len = 0;
	r->detail[0] = 0;
	v->trace = r;
}

/* The kind of an exit no handler named. */
static enum trace_kind default_kind(const struct trace_rec *r)
{
	uint64_t code = r->cause & ~CAUSE_INTERRUPT;

	if (r->cause & CAUSE_INTERRUPT)
		return TRACE_IRQ;
	if (code == CAUSE_FETCH_PAGE_FAULT || code == CAUSE_LOAD_PAGE_FAULT ||
	    code == CAUSE_STORE_PAGE_FAULT || code == CAUSE_FETCH_GUEST_PAGE_FAULT ||
	    code == CAUSE_LOAD_GUEST_PAGE_FAULT || code == CAUSE_STORE_GUEST_PAGE_FAULT)
		return TRACE_PF;
	return r->have_insn ? TRACE_PRIV : TRACE_EXC;
}

/* The instruction column. */
static void insn_text(const struct trace_rec *r, char *out, size_t size)
{
	struct decode_insn in;

	if (r->have_insn) {
		decode_insn(r->raw, &in);
		decode_format(&in, r->raw, out, size);
	} else {
		snprintf(out, size, "%s", vcpu_cause_name(r->cause));
	}
}

/* Format the record and queue it, if its kind is traced. */
static void emit(struct vcpu *v)
{
	struct trace_rec *r = &v->trace_rec;
	char line[TRACE_LINE_MAX], insn[64];
	uint64_t hz = platform.timebase_hz ? platform.timebase_hz : 1;

	if (r->kind < 0)
		r->kind = (int8_t)default_kind(r);
	if (!(trace_kinds & (1u << r->kind)) || !buf)
		return;
	insn_text(r, insn, sizeof(insn));
	int n = snprintf(line, sizeof(line), "%lu.%06lu %s/%u %c %016lx %s%s | %s | %s\n",
			 r->time / hz, (r->time % hz) * 1000000 / hz, v->vm->name, v->id,
			 r->mode == PRV_U ? 'U' : 'S', r->pc, kind_names[r->kind],
			 r->chained ? "+" : "", insn, r->detail);
	if (n > 0)
		append(line, MIN((unsigned)n, (unsigned)sizeof(line) - 1));
}

void trace_exit_end(struct vcpu *v)
{
	struct trace_rec *r = &v->trace_rec;
	struct decode_insn in;

	if (r->have_insn && decode_insn(r->raw, &in) == 0) {
		/* sret: where it went; sfence.vma: what it flushed. */
		if (in.op == DECODE_OP_SRET)
			note(r, "-> %c pc=0x%lx", v->mode == PRV_U ? 'U' : 'S', v->tf.pc);
		if (in.op == DECODE_OP_SFENCE_VMA && r->kind < 0) {
			if (in.rs1)
				note(r, "va=0x%lx ", v->tf.x[in.rs1]);
			else
				note(r, "every va ");
			if (in.rs2)
				note(r, "asid=0x%lx", v->tf.x[in.rs2]);
			else
				note(r, "every asid");
		}
	}
	emit(v);
	v->trace = NULL;
}

/* ---- Notes from the handlers ------------------------------------------------------ */

void trace_note_insn(struct vcpu *v, uint32_t raw)
{
	struct trace_rec *r = v->trace;

	/* A second instruction in one exit (a chain of patched sites): the
	 * first one's line goes out, the next one starts where the pc is now. */
	if (r->have_insn) {
		trace_exit_end(v);
		v->trace = r;
		r->pc = v->tf.pc;
		r->kind = -1;
		r->chained = true;
		r->len = 0;
		r->detail[0] = 0;
	}
	r->raw = raw;
	r->have_insn = true;
}

void trace_note_csr(struct vcpu *v, uint16_t csr, uint64_t old, uint64_t new_val, bool wrote)
{
	struct trace_rec *r = v->trace;

	r->kind = TRACE_CSR;
	if (wrote)
		note(r, "%s 0x%016lx -> 0x%016lx", decode_csr_name(csr), old, new_val);
	else
		note(r, "%s 0x%016lx (read)", decode_csr_name(csr), old);
}

#define INSN_ECALL 0x00000073

void trace_note_sbi_call(struct vcpu *v, const char *ext, uint64_t ext_id, uint64_t fid,
			 const uint64_t arg[6])
{
	struct trace_rec *r = v->trace;

	r->kind = TRACE_SBI;
	r->raw = INSN_ECALL;	/* (what trapped: no need to read it) */
	r->have_insn = true;
	if (ext)
		note(r, "%s ", ext);
	else
		note(r, "ext=0x%lx ", ext_id);
	note(r, "fid=%lu a0=0x%lx a1=0x%lx a2=0x%lx", fid, arg[0], arg[1], arg[2]);
}

/* (An SBI call that does not return, a shutdown or hart_stop, has none.) */
void trace_note_sbi_result(struct vcpu *v, long error, long value)
{
	note(v->trace, " -> err=%ld val=0x%lx", error, value);
}

void trace_note_pf(struct vcpu *v, uint64_t va, int acc, const char *action)
{
	struct trace_rec *r = v->trace;
	static const char *const access[] = { "load", "store", "fetch" };

	note(r, "%s va=0x%lx -> %s", access[acc % 3], va, action);
}

void trace_note_mmio(struct vcpu *v, const char *dev, uint64_t off, unsigned width,
		     bool store, uint64_t val)
{
	struct trace_rec *r = v->trace;

	r->kind = TRACE_MMIO;
	note(r, "%s%s+0x%03lx %s %u %s 0x%lx", r->len ? " " : "", dev, off,
	     store ? "store" : "load", width, store ? "<-" : "->", val);
}

void trace_note_inject(struct vcpu *v, uint64_t cause, uint64_t tval)
{
	struct trace_rec *r = v->trace;

	note(r, "%s=> %s tval=0x%lx", r->len ? " " : "", vcpu_cause_name(cause), tval);
}

void trace_note(struct vcpu *v, const char *text)
{
	struct trace_rec *r = v->trace;

	note(r, "%s%s", r->len ? " " : "", text);
}
