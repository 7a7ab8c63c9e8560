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
 * How it is wired, so that tracing costs nothing while it is off: only
 * the dispatcher knows about it.  trap_handle() opens a record for the
 * exit (trace_exit_begin: the time, pc, cause, the guest's a0-a7 and a few
 * counters), and at the end of the exit trace_exit_end() works out from
 * the vCPU what happened (the instruction Umbra read, v->insn_raw; a0/a1
 * after an SBI call; a trap injected, from the injected count and the
 * guest's scause/stval; a shadow fill, from the shadow cache's counters)
 * and writes the line.  Only two things cannot be seen afterwards and are
 * noted where they happen: a CSR's value before the write
 * (trace_note_csr) and a device access (trace_note_mmio), each behind
 * `if (trace_on(v))`.  With tracing off an exit pays a load and a branch
 * at each end; built with -DUMBRA_NO_TRACE not even that (make bench
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
	uint64_t a[8];           /* the guest's a0-a7 when it exited */
	uint64_t injected;       /* vcpu_stats.injected then */
	uint64_t fills, ad_updates;   /* the shadow cache's counters then */
	uint64_t csr_old, csr_new;    /* trace_note_csr */
	uint8_t mode;            /* virtual privilege at the exit */
	int8_t kind;             /* set by a note; -1: worked out at the end */
	bool chained;            /* not an exit: one more instruction of one */
	bool csr_noted;
	unsigned len;            /* of 'detail' */
	char detail[TRACE_DETAIL_MAX];   /* trace_note_mmio's words */
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
/* A second instruction emulated in one exit (a trap-and-patch chain): the
 * line of the first goes out, a '+' line begins. */
void trace_exit_step(struct vcpu *v);
/* An exit that does not return to the dispatcher (the guest shut down). */
void trace_exit_abandon(struct vcpu *v);

/* What cannot be seen after the exit: the emulated CSR's value before and
 * after the instruction, and a load or store done on a device. */
void trace_note_csr(struct vcpu *v, uint64_t old, uint64_t new_val);
void trace_note_mmio(struct vcpu *v, const char *dev, uint64_t off, unsigned width,
		     bool store, uint64_t val);

#endif
