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
/* A guest decides how many exits it makes, so it decides how much trace is
 * written to the host's disk: at most this much, then tracing stops. */
#define TRACE_MAX_BYTES (1024UL << 20)

unsigned trace_kinds;

static spinlock_t trace_lock = SPINLOCK_INIT;   /* last in lock.h's order */
static char *buf;
static unsigned buf_len;
static uint64_t buf_since;          /* time of the oldest line in buf */
static bool header_written;
static uint64_t written;            /* bytes sent to the host so far */

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
	if (vcpu && *vcpu) {		/* "NAME/N", "N" or "NAME" */
		const char *slash = strchr(vcpu, '/');
		const char *num = slash ? slash + 1 : vcpu;
		size_t nlen = slash ? (size_t)(slash - vcpu) : strlen(vcpu);

		if (*num >= '0' && *num <= '9') {
			opt.vcpu = (int)strtoul(num, &end, 10);
			if (*end)
				goto bad_vcpu;
			if (!slash)
				nlen = 0;		/* "N": that vCPU of any VM */
		} else if (slash) {
			goto bad_vcpu;
		}
		if ((slash && !nlen) || nlen >= sizeof(opt.vm))
			goto bad_vcpu;
		memcpy(opt.vm, vcpu, nlen);
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
	written += buf_len;
	buf_len = 0;
}

static void append(const char *line, unsigned len)
{
	static const char full[] = "# the trace stops here: it reached its limit (TRACE_MAX_BYTES)\n";
	uint64_t now = csr_read(time);
	bool stopped = false;

	spin_lock(&trace_lock);
	if (!header_written) {
		static const char header[] =
			"# umbra trace v1\n"
			"# time(s) vcpu mode pc kind | instruction | what Umbra did [=> trap injected into the guest]\n";
		memcpy(buf + buf_len, header, sizeof(header) - 1);
		buf_len += sizeof(header) - 1;
		header_written = true;
	}
	if (buf_len + len + sizeof(full) > TRACE_BUF_SIZE)
		flush_locked();
	if (!trace_kinds) {
		/* (switched off, or stopped, while this exit was traced) */
	} else if (written + buf_len + len + sizeof(full) > TRACE_MAX_BYTES) {
		memcpy(buf + buf_len, full, sizeof(full) - 1);
		buf_len += sizeof(full) - 1;
		flush_locked();
		trace_kinds = 0;
		stopped = true;
	} else {
		if (!buf_len)
			buf_since = now;
		memcpy(buf + buf_len, line, len);
		buf_len += len;
		if (now - buf_since > platform.timebase_hz / TRACE_FLUSH_HZ)
			flush_locked();
	}
	spin_unlock(&trace_lock);
	if (stopped)	/* (the console lock comes before trace_lock: lock.h) */
		console_printf("\numbra: the trace reached %lu MiB: tracing is off\n",
			       TRACE_MAX_BYTES >> 20);
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

/* What the end of the exit is compared with. */
static void snapshot(struct vcpu *v, struct trace_rec *r)
{
	r->pc = v->tf.pc;
	r->mode = (uint8_t)v->mode;
	memcpy(r->a, &v->tf.x[REG_A0], sizeof(r->a));
	r->injected = v->stats.injected;
	r->fills = v->spt.stats.fills;
	r->ad_updates = v->spt.stats.ad_updates;
	r->kind = -1;
	r->csr_noted = false;
	r->len = 0;
	r->detail[0] = 0;
	v->insn_raw = 0;	/* set again by whatever reads the instruction */
}

void trace_exit_begin(struct vcpu *v)
{
	struct trace_rec *r = &v->trace_rec;

	v->trace = NULL;
	if (!selected(v))
		return;
	r->time = csr_read(time);
	r->cause = v->tf.cause;
	r->tval = v->tf.tval;
	r->chained = false;
	snapshot(v, r);
	v->trace = r;
}

static bool is_page_fault(uint64_t cause)
{
	return cause == CAUSE_FETCH_PAGE_FAULT || cause == CAUSE_LOAD_PAGE_FAULT ||
	       cause == CAUSE_STORE_PAGE_FAULT || cause == CAUSE_FETCH_GUEST_PAGE_FAULT ||
	       cause == CAUSE_LOAD_GUEST_PAGE_FAULT || cause == CAUSE_STORE_GUEST_PAGE_FAULT;
}

/* An SBI call: an ecall of the guest kernel (shadow: from virtual S-mode,
 * which the hart saw as U; hext: from VS). */
static bool is_sbi_call(const struct trace_rec *r)
{
	return !r->chained && (r->cause == CAUSE_VIRTUAL_SUPERVISOR_ECALL ||
			       (r->cause == CAUSE_USER_ECALL && r->mode == PRV_S));
}

/* Format the exit's line from its record and the vCPU as it is now, and
 * queue it if its kind is traced.  'returned': the exit comes back to the
 * guest (not a shutdown). */
static void emit(struct vcpu *v, bool returned)
{
	struct trace_rec *r = &v->trace_rec;
	uint64_t hz = platform.timebase_hz ? platform.timebase_hz : 1;
	uint32_t raw = v->insn_raw;	/* 0: Umbra did not read it */
	struct decode_insn in;
	bool have_insn = raw && decode_insn(raw, &in) == 0;	/* ... or knows it */
	char line[TRACE_LINE_MAX + 1], insn[64];	/* (+1: the newline) */
	enum { LINE_ROOM = TRACE_LINE_MAX };
	unsigned n = 0;
	int kind = r->kind;

	/* The kind: a note's, else by cause and instruction. */
	if (kind < 0)
		kind = r->cause & CAUSE_INTERRUPT ? TRACE_IRQ
		     : is_sbi_call(r) ? TRACE_SBI
		     : is_page_fault(r->cause) ? TRACE_PF
		     : have_insn && in.cls == DECODE_CLASS_CSR ? TRACE_CSR
		     : have_insn ? TRACE_PRIV : TRACE_EXC;
	if (!(trace_kinds & (1u << kind)) || !buf)
		return;

	/* The instruction column. */
	if (kind == TRACE_SBI)
		snprintf(insn, sizeof(insn), "ecall");
	else if (raw)
		decode_format(&in, raw, insn, sizeof(insn));	/* (".word 0x..." if unknown) */
	else
		snprintf(insn, sizeof(insn), "%s", vcpu_cause_name(r->cause));

	/* (Each piece goes after the last; once the line is full, nowhere.) */
#define OUT(...) (n += (unsigned)snprintf(line + MIN(n, LINE_ROOM), n < LINE_ROOM ? LINE_ROOM - n : 0, \
					   __VA_ARGS__))
	OUT("%lu.%06lu %s/%u %c %016lx %s%s | %s |", r->time / hz, (r->time % hz) * 1000000 / hz,
	    v->vm->name, v->id, r->mode == PRV_U ? 'U' : 'S', r->pc, kind_names[kind],
	    r->chained ? "+" : "", insn);

	/* What Umbra did. */
	if (kind == TRACE_SBI) {
		const char *name = sbi_ext_name(r->a[7]);
		if (name)
			OUT(" %s", name);
		else
			OUT(" ext=0x%lx", r->a[7]);
		OUT(" fid=%lu a0=0x%lx a1=0x%lx a2=0x%lx", r->a[6], r->a[0], r->a[1], r->a[2]);
		/* Its result, if it returned to the instruction after the ecall. */
		if (returned && v->tf.pc == r->pc + 4)
			OUT(" -> err=%ld val=0x%lx", (long)v->tf.x[REG_A0], v->tf.x[REG_A1]);
	}
	if (kind == TRACE_PF || (kind == TRACE_MMIO && is_page_fault(r->cause))) {
		static const char *const access[] = { "fetch", "load", "store" };
		uint64_t c = r->cause;
		OUT(" %s va=0x%lx ->", access[(c == CAUSE_LOAD_PAGE_FAULT || c == CAUSE_LOAD_GUEST_PAGE_FAULT) ? 1
					      : (c == CAUSE_STORE_PAGE_FAULT || c == CAUSE_STORE_GUEST_PAGE_FAULT) ? 2 : 0],
		    r->tval);
		if (kind == TRACE_MMIO)
			OUT(" mmio");
		else if (v->stats.injected != r->injected && is_page_fault(v->csr.scause))
			OUT(" guest-fault");
		else if (v->spt.stats.fills != r->fills)
			OUT(v->spt.stats.ad_updates != r->ad_updates ? " fill a/d" : " fill");
		else if (v->stats.injected == r->injected)
			OUT(" retry");
	}
	if (r->len)
		OUT(" %s", r->detail);
	if (kind == TRACE_CSR && r->csr_noted) {
		const char *name = decode_csr_name(in.csr);
		char num[8];
		bool writes = in.op == DECODE_OP_CSRRW || in.op == DECODE_OP_CSRRWI || in.rs1;
		if (!name) {
			snprintf(num, sizeof(num), "0x%x", in.csr);
			name = num;
		}
		if (writes)
			OUT(" %s 0x%016lx -> 0x%016lx", name, r->csr_old, r->csr_new);
		else
			OUT(" %s 0x%016lx (read)", name, r->csr_old);
	}
	if (have_insn && in.op == DECODE_OP_SRET && returned)
		OUT(" -> %c pc=0x%lx", v->mode == PRV_U ? 'U' : 'S', v->tf.pc);
	if (have_insn && in.op == DECODE_OP_SFENCE_VMA) {
		if (in.rs1)
			OUT(" va=0x%lx", v->tf.x[in.rs1]);
		else
			OUT(" every va");
		if (in.rs2)
			OUT(" asid=0x%lx", v->tf.x[in.rs2]);
		else
			OUT(" every asid");
	}
	/* The trap the guest was given (the last one, if several). */
	if (v->stats.injected != r->injected)
		OUT(" => %s tval=0x%lx", vcpu_cause_name(v->csr.scause), v->csr.stval);
	if (!returned)
		OUT(" (the guest ends)");
#undef OUT
	n = MIN(n, LINE_ROOM - 1);	/* (snprintf's NUL is at LINE_ROOM - 1) */
	line[n++] = '\n';
	append(line, n);
}

void trace_exit_end(struct vcpu *v)
{
	emit(v, true);
	v->trace = NULL;
}

void trace_exit_abandon(struct vcpu *v)
{
	emit(v, false);
	v->trace = NULL;
}

void trace_exit_step(struct vcpu *v)
{
	struct trace_rec *r = v->trace;

	emit(v, true);
	r->chained = true;
	snapshot(v, r);
}

/* ---- Notes from the handlers ------------------------------------------------------ */

void trace_note_csr(struct vcpu *v, uint64_t old, uint64_t new_val)
{
	struct trace_rec *r = v->trace;

	r->kind = TRACE_CSR;
	r->csr_noted = true;
	r->csr_old = old;
	r->csr_new = new_val;
}

void trace_note_mmio(struct vcpu *v, const char *dev, uint64_t off, unsigned width,
		     bool store, uint64_t val)
{
	struct trace_rec *r = v->trace;

	r->kind = TRACE_MMIO;
	note(r, "%s+0x%03lx %s %u %s 0x%lx", dev, off, store ? "store" : "load", width,
	     store ? "<-" : "->", val);
}
