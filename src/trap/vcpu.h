/*
 * vcpu.h - a virtual hart, and the trap-and-emulate engine that runs it.
 *
 * The guest kernel believes it runs in S-mode; it really runs in U-mode.
 * Each vCPU keeps the guest-visible S-mode CSRs in 'csr' and the virtual
 * privilege level in 'mode'.  Every trap the guest takes lands in
 * trap_handle() (trap.c), which emulates, injects a trap into the guest,
 * or blocks, and then returns to the guest.
 */
#ifndef UMBRA_VCPU_H
#define UMBRA_VCPU_H

#include <stddef.h>
#include "umbra.h"
#include "trap_frame.h"
#include "decode.h"
#include "spt.h"

struct vm;
struct hart;

struct trap_frame {
	uint64_t x[32];
	uint64_t pc;
	uint64_t cause;
	uint64_t tval;
	uint64_t host_sp;
	uint64_t host_tp;
};

/* The assembly in vector.S uses the TF_* offsets: they must agree. */
_Static_assert(offsetof(struct trap_frame, x[1]) == TF_X(1), "TF_X");
_Static_assert(offsetof(struct trap_frame, x[31]) == TF_X(31), "TF_X");
_Static_assert(offsetof(struct trap_frame, pc) == TF_PC, "TF_PC");
_Static_assert(offsetof(struct trap_frame, cause) == TF_CAUSE, "TF_CAUSE");
_Static_assert(offsetof(struct trap_frame, tval) == TF_TVAL, "TF_TVAL");
_Static_assert(offsetof(struct trap_frame, host_sp) == TF_HOST_SP, "TF_HOST_SP");
_Static_assert(offsetof(struct trap_frame, host_tp) == TF_HOST_TP, "TF_HOST_TP");
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "TF_SIZE");

/* The guest-visible supervisor CSRs. */
struct vcpu_csrs {
	uint64_t sstatus;     /* SIE, SPIE, SPP, SUM, MXR (FS lives in the real sstatus) */
	uint64_t sie;
	uint64_t sip;         /* only SSIP is stored; STIP/SEIP come from devices */
	uint64_t stvec;
	uint64_t sscratch;
	uint64_t sepc;
	uint64_t scause;
	uint64_t stval;
	uint64_t satp;
	uint64_t scounteren;
	uint64_t senvcfg;
};

/* SBI HSM states of a vCPU. */
enum vcpu_state { VCPU_STOPPED, VCPU_RUNNING, VCPU_SUSPENDED };

/* Exit statistics, kept per vCPU and summed when the guest ends. */
#define STATS_CSR_SLOTS 16
#define STATS_SBI_SLOTS 24
struct vcpu_stats {
	uint64_t exits;
	uint64_t exception[CAUSE_EXCEPTION_COUNT];
	uint64_t interrupt[16];
	uint64_t insn[DECODE_OP_COUNT];      /* emulated instructions by op */
	uint64_t csr[STATS_CSR_SLOTS];       /* CSR accesses by vcsr table row */
	uint64_t sbi[STATS_SBI_SLOTS];       /* SBI calls by extension table row */
	uint64_t injected;                   /* traps delivered to the guest */
	uint64_t injected_exception[CAUSE_EXCEPTION_COUNT];
	uint64_t injected_interrupt[16];
	uint64_t wfi_sleeps;
	uint64_t patched;                    /* patched sites emulated */
	uint64_t chained;                    /* ... in the exit of the one before */
};

struct vcpu {
	struct trap_frame tf;     /* must stay first: sscratch points here */
	struct vm *vm;
	struct hart *hart;
	unsigned id;              /* the guest's hart id */
	unsigned mode;            /* virtual privilege: PRV_S or PRV_U */
	enum vcpu_state state;
	struct vcpu_csrs csr;
	uint64_t timer_deadline;  /* from SBI set_timer; STIP when time >= it */
	uint64_t irq_lines;       /* STIP/SEIP as driven by the virtual devices */
	struct spt_shadow *shadow;   /* the shadow the real MMU uses (NULL: Bare view) */
	uint64_t mmu_satp;           /* ... selected for this guest satp */
	unsigned mmu_view;           /* ... and this view */
	uint64_t host_satp;          /* the real satp that selects it */
	struct {                     /* what the last failed guest-memory access */
		uint64_t cause;      /* by Umbra (vcpu_read_guest) would have */
		uint64_t tval;       /* raised on the guest's own hart */
	} mem_fault;
	struct {                  /* patched sites recently reached, by pc */
		uint64_t pc, host_satp, gen;   /* valid while vm->spt.gen == gen */
		const struct patch_site *site;
	} site_cache[32];
	bool chainable;           /* the last site emulated lets the next one run now */
	uint32_t insn_raw;        /* the instruction being emulated ... */
	uint8_t insn_len;         /* ... and its length, 2 or 4 */
	struct vcpu_stats stats;
};

/*
 * What a handler did.  Only the dispatcher moves the guest's pc, and only
 * for TRAP_NEXT, by the length of the instruction that trapped.
 */
enum trap_outcome {
	TRAP_NEXT,     /* emulated: continue after the trapping instruction */
	TRAP_RESUME,   /* continue at tf.pc as it now stands (retry, or the
			  handler redirected the guest: sret, an injected trap) */
	TRAP_STOP,     /* the vCPU stopped (SBI HSM stop, SRST) */
};

/* Create vCPU 'id' of 'vm' with its registers as the boot protocol says. */
struct vcpu *vcpu_create(struct vm *vm, unsigned id);
/* Enter the guest on the calling hart; never returns. */
void vcpu_run(struct vcpu *v) __attribute__((noreturn));
/* The trap dispatcher, called from vector.S. */
struct trap_frame *trap_handle(struct trap_frame *tf);
/* Drive one of the guest's interrupt lines (SIP_SSIP, SIP_STIP, SIP_SEIP). */
void vcpu_set_irq(struct vcpu *v, uint64_t sip_bit, bool level);
/* Print the exit table of every vCPU of 'vm'. */
void vcpu_print_stats(struct vm *vm);

#endif
