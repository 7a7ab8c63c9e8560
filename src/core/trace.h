/*
 * trace.h - the exit trace: one line per guest exit, written to a file on
 * the host (build/trace.log through a host virtio console, not the guests'
 * console), for watching the emulation happen.  docs/walkthrough.md reads
 * one exit end to end with it; scripts/umbra-trace summarises a trace.
 *
 * A line is
 *
 *   <time> <vm>/<vcpu> <U|S> <pc> <kind> | <instruction> | <what Umbra did> [=> <trap injected>]...
 *
 * kinds (TRACE=csr,sbi,... on run.py's/make's command line, or all):
 *   csr   a CSR access emulated (old -> new value)
 *   sbi   an SBI call (extension, function, arguments, result)
 *   pf    a page fault (shadow: fill, A/D update, guest fault; hext: the
 *         guest-page fault) that did not end at a device
 *   mmio  a load or store emulated on a device model
 *   irq   one of Umbra's own interrupts (its timer, a request by a hart)
 *   priv  another privileged instruction emulated (sret, wfi, sfence.vma)
 *   exc   an exception given back to the guest as it came
 * A kind marked '+' is one more instruction emulated in the same exit
 * (a trap-and-patch chain, src/patch), not an exit of its own.
 *
 * How it is wired: trap_handle() opens a record for the exit
 * (trace_exit_begin), the handlers add what they did through the
 * trace_note_* calls below, each behind `if (trace_on(v))`, and
 * trace_exit_end() writes the line.  With tracing off an exit pays one
 * load and branch; built with -DUMBRA_NO_TRACE not even that (make bench
 * compares the two).
 */
#ifndef UMBRA_TRACE_H
#define UMBRA_TRACE_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

enum trace_kind {
	TRACE_CSR, TRACE_SBI, TRACE_PF, TRACE_MMIO, TRACE_IRQ, TRACE_PRIV, TRACE_EXC,
	TRACE_NKINDS
};
#define TRACE_ALL ((1u << TRACE_NKINDS) - 1)

#define TRACE_DETAIL_MAX 200

/* The exit being traced (struct vcpu holds one). */
struct trace_rec {
	uint64_t time, pc, cause, tval;
	uint8_t mode;            /* virtual privilege at the exit */
	int8_t kind;             /* -1: not known yet */
	bool have_insn;          /* 'raw' is the instruction emulated */
	bool chained;            /* not an exit: one more instruction of one */
	uint32_t raw;
	unsigned len;            /* of 'detail' */
	char detail[TRACE_DETAIL_MAX];
};

/* The kinds being traced now (0: tracing is off). */
extern unsigned trace_kinds;

#ifdef UMBRA_NO_TRACE
#define trace_on(v) false
#else
#define trace_on(v) __builtin_expect((v)->trace != 0, 0)
#endif

/* Options from Umbra's command line: the kinds ("csr,sbi", "all"; "" or
 * NULL: off until Ctrl-] t), a vCPU ("NAME/N", "NAME" or "N"; NULL: all)
 * and a guest pc range ("LO-HI", hex, HI excluded; NULL: all).  Called
 * before the allocator is up: it only parses. */
int trace_configure(const char *kinds, const char *vcpu, const char *pc_range);
/* Find the host virtio console and its buffer (after mm_init). */
void trace_start(void);
/* Ctrl-] t: tracing off, or on with the configured kinds (else all);
 * returns what happened, for the console to say. */
const char *trace_toggle(void);
/* Write out what is buffered (at the machine's end, and when toggled off). */
void trace_flush(void);

void trace_exit_begin(struct vcpu *v);
void trace_exit_end(struct vcpu *v);

/* What the handlers did, in the words of the trace line.  Each appends to
 * the exit's record (and may settle its kind). */
void trace_note_insn(struct vcpu *v, uint32_t raw);
void trace_note_csr(struct vcpu *v, uint16_t csr, uint64_t old, uint64_t new_val, bool wrote);
void trace_note_sbi_call(struct vcpu *v, const char *ext, uint64_t ext_id, uint64_t fid,
			 const uint64_t arg[6]);
void trace_note_sbi_result(struct vcpu *v, long error, long value);
void trace_note_pf(struct vcpu *v, uint64_t va, int acc, const char *action);
void trace_note_mmio(struct vcpu *v, const char *dev, uint64_t off, unsigned width,
		     bool store, uint64_t val);
void trace_note_inject(struct vcpu *v, uint64_t cause, uint64_t tval);
void trace_note(struct vcpu *v, const char *text);

#endif
