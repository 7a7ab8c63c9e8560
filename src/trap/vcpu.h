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
#include "lock.h"
#include "sbi_state.h"
#include "sched.h"
#include "trace.h"

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

/*
 * SBI HSM states of a vCPU (the SBI's own numbers).  A vCPU's state is
 * read by every hart (hart_get_status) and written by the hart that runs
 * it, except STOPPED -> START_PENDING, which the starting hart makes.
 */
enum vcpu_state {
	VCPU_RUNNING       = SBI_HSM_STATE_STARTED,
	VCPU_STOPPED       = SBI_HSM_STATE_STOPPED,
	VCPU_START_PENDING = SBI_HSM_STATE_START_PENDING,
	VCPU_SUSPENDED     = SBI_HSM_STATE_SUSPENDED,
};

/*
 * What other harts ask of a vCPU (vcpu->requests, set with an atomic OR,
 * taken with an atomic swap by the hart that runs it, see request.c).
 */
#define VCPU_REQ_SSIP   BIT(0)   /* an IPI: set the guest's sip.SSIP */
#define VCPU_REQ_IRQ    BIT(1)   /* irq_lines changed (PLIC) */
#define VCPU_REQ_FENCE  BIT(2)   /* remote fences (vcpu->fence) */
#define VCPU_REQ_EXIT   BIT(3)   /* its VM ended: leave the hart (vcpu_exit) */
#define VCPU_REQ_POLL   BIT(4)   /* input waits for its VM's devices (frames
				    from Umbra's switch): vdev_board_poll */

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
	uint64_t switched_in;                /* the scheduler gave it the hart again */
	uint64_t preempted;                  /* ... after it took it away (core/sched.c) */
	uint64_t patched;                    /* patched sites emulated */
	uint64_t chained;                    /* ... in the exit of the one before */
};

struct vcpu {
	struct trap_frame tf;     /* must stay first: sscratch points here */
	struct vm *vm;
	struct hart *hart;        /* the hart it runs on (fixed: sched_add) */
	struct sched_vcpu sched;  /* its thread on that hart (core/sched.c) */
	unsigned id;              /* the guest's hart id */
	unsigned mode;            /* virtual privilege: PRV_S or PRV_U */
	enum vcpu_state state;    /* (atomic: other harts read it) */
	struct vcpu_csrs csr;
	uint64_t timer_deadline;  /* from SBI set_timer; STIP when time >= it */
	uint64_t irq_lines;       /* STIP/SEIP as driven by the virtual devices
				     (atomic: the PLIC may run on another hart) */
	/* ---- Requests from other harts (request.c) ---- */
	uint32_t requests;        /* VCPU_REQ_* (atomic) */
	spinlock_t start_lock;    /* HSM hart_start: STOPPED -> START_PENDING */
	uint64_t start_pc, start_opaque;   /* ... where it starts */
	struct {                  /* for VCPU_REQ_FENCE, under 'lock' */
		spinlock_t lock;
		bool pending_sfence;       /* an sfence.vma of [start, start + size) */
		bool pending_fence_i;      /* a fence.i */
		bool all;                  /* several sfences: fence everything */
		bool by_asid;
		uint64_t start, size, asid;
		uint64_t posted, done;     /* tickets: requests made / carried out */
	} fence;
	/* ---- Trap-and-emulate backend (src/trap/emulate.c) ---- */
	struct spt_cache spt;        /* this vCPU's shadows (its "TLB") */
	struct spt_shadow *shadow;   /* the shadow the real MMU uses (NULL: Bare view) */
	uint64_t mmu_satp;           /* ... selected for this guest satp */
	unsigned mmu_view;           /* ... and this view */
	uint64_t host_satp;          /* the real satp that selects it */
	struct {                     /* what the last failed guest-memory access */
		uint64_t cause;      /* by Umbra (vcpu_read_guest) would have */
		uint64_t tval;       /* raised on the guest's own hart */
	} mem_fault;
	struct {                  /* patched sites recently reached, by pc */
		uint64_t pc, host_satp, gen;   /* valid while spt.gen == gen */
		const struct patch_site *site;
	} site_cache[32];
	bool chainable;           /* the last site emulated lets the next one run now */
	uint32_t insn_raw;        /* the instruction being emulated ... */
	uint8_t insn_len;         /* ... and its length, 2 or 4 */
	/* ---- H backend (src/hext/hext.c) ---- */
	struct {                  /* its VS CSRs while it is off its hart */
		uint64_t vsstatus, vsie, vstvec, vsscratch, vsepc, vscause,
			 vstval, vsatp, hvip, vstimecmp;
	} hs;
	struct sbi_vcpu_state sbi;   /* the SBI's per-vCPU state (sbi_state.h) */
	struct vcpu_stats stats;
	struct trace_rec *trace;     /* this exit's trace record, NULL: not traced (core/trace.h) */
	struct trace_rec trace_rec;
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

typedef enum trap_outcome (*trap_handler)(struct vcpu *v);

/*
 * A backend: how a vCPU really runs.  The dispatcher, the SBI, virtual
 * interrupts and device emulation are written once, on this interface;
 * each backend fills it in:
 *   vcpu_backend_shadow  trap-and-emulate with shadow page tables (src/trap/emulate.c)
 *   hext_backend         the H extension, two-stage translation (src/hext/hext.c)
 * Functions marked "optional" may be NULL.
 */
struct vcpu_backend {
	const char *name;
	/* Build the VM's translation (the Bare view and shadow state, or the
	 * G-stage), and each vCPU's part of it. */
	int (*vm_init)(struct vm *vm, bool patch);
	int (*vcpu_init)(struct vcpu *v);
	/* Set up the calling hart's backend state before the vCPU first runs. */
	void (*hart_setup)(struct vcpu *v);
	/* Optional: first thing on every exit (hext: read the virtual mode). */
	void (*exit_begin)(struct vcpu *v);
	/* The exception the guest took (v->tf.cause), by the backend's table. */
	trap_handler exception;
	/* Optional: after an instruction emulated with TRAP_NEXT (which was at
	 * 'last_pc'), emulate the next one in the same exit if the guest could
	 * not tell (*out: its outcome); false if there is none. */
	bool (*chain)(struct vcpu *v, uint64_t last_pc, enum trap_outcome *out);
	/* Read guest memory at a guest virtual address as the guest's current
	 * mode would (see vcpu_read_guest). */
	int (*read_guest)(struct vcpu *v, uint64_t va, void *buf, size_t len,
			  enum spt_access acc);
	/* Optional: the load or store that faulted on a device, as the
	 * hardware reports it (1: it does not; read it from memory). */
	int (*mmio_insn)(struct vcpu *v, uint32_t *raw, struct decode_insn *in);
	/* The guest's sip and sie as its CSRs would read now. */
	uint64_t (*sip)(struct vcpu *v);
	uint64_t (*sie)(struct vcpu *v);
	/* Set or clear the guest's SSIP; make v->irq_lines (STIP, SEIP) take
	 * effect on the hart (optional: shadow reads irq_lines when it needs). */
	void (*set_ssip)(struct vcpu *v, bool level);
	void (*sync_irq_lines)(struct vcpu *v);
	/* Optional: the interrupts Umbra must deliver now (NULL: the hardware
	 * delivers them itself). */
	uint64_t (*interrupts_ready)(struct vcpu *v);
	/* Optional: the guest's trap CSRs (sstatus, stvec / sepc, scause,
	 * stval) live in the hart: copy them into v->csr, and back. */
	void (*trap_csrs_load)(struct vcpu *v);
	void (*trap_csrs_store)(struct vcpu *v);
	/* The virtual privilege changed (v->mode is already the new one). */
	void (*mode_changed)(struct vcpu *v);
	/* Start over as the SBI starts a hart: satp = 0, sstatus.SIE = 0. */
	void (*reset)(struct vcpu *v);
	/* sfence.vma on the vCPU's own translations (on its own hart). */
	void (*sfence_vma)(struct vcpu *v, bool by_va, uint64_t va, bool by_asid, uint64_t asid);
	/* Optional: does the hardware raise the guest's timer interrupt
	 * itself (Sstc's vstimecmp)?  Then program it with this. */
	bool (*hw_timer)(struct vcpu *v);
	void (*hw_timer_set)(struct vcpu *v, uint64_t deadline);
	uint64_t (*hw_timer_get)(struct vcpu *v);
	/* Make the hart's state the guest runs with the vCPU's (every entry). */
	void (*load_context)(struct vcpu *v);
	/* Optional: the scheduler switches the hart to another vCPU: save
	 * what of 'v' lives in the hart (put), or make the hart v's (load;
	 * 'other': the hart last ran another vCPU, whose TLB entries may be
	 * tagged like v's).  The generic part (FP) is vcpu_put/vcpu_load. */
	void (*vcpu_put)(struct vcpu *v);
	void (*vcpu_load)(struct vcpu *v, bool other);
	/* Optional: the backend's part of a vCPU's exit table. */
	void (*print_stats)(struct vcpu *v);
};
extern const struct vcpu_backend vcpu_backend_shadow;

/* Create vCPU 'id' of 'vm' with its registers as the boot protocol says. */
struct vcpu *vcpu_create(struct vm *vm, unsigned id);
/* Enter the guest on the calling hart; never returns. */
void vcpu_run(struct vcpu *v) __attribute__((noreturn));
/* A stopped vCPU: wait until it is started (HSM), then run it. */
void vcpu_hart_idle(struct vcpu *v) __attribute__((noreturn));
/* The scheduler (core/sched.c) moves the hart from one vCPU to another:
 * save what of v lives in the hart; make the hart v's ('prev': the vCPU
 * whose state it held, or NULL); after every switch back into v's thread. */
void vcpu_put(struct vcpu *v);
void vcpu_load(struct vcpu *v, struct vcpu *prev);
void vcpu_switched_in(struct vcpu *v);
/* Its VM ended: the vCPU leaves its hart for good (VCPU_REQ_EXIT). */
void vcpu_exit(struct vcpu *v) __attribute__((noreturn));
/* Stop the vCPU (HSM hart_stop) and idle its hart. */
void vcpu_stop(struct vcpu *v) __attribute__((noreturn));
/* The trap dispatcher, called from vector.S. */
struct trap_frame *trap_handle(struct trap_frame *tf);
/* Drive one of the guest's interrupt lines (SIP_SSIP, SIP_STIP, SIP_SEIP),
 * from any hart. */
void vcpu_set_irq(struct vcpu *v, uint64_t sip_bit, bool level);
/* Post requests (VCPU_REQ_*) to a vCPU from anywhere, and kick it
 * (request.c). */
void vcpu_post(struct vcpu *v, uint32_t req);
/* Print the exit table of every vCPU of 'vm'. */
void vcpu_print_stats(struct vm *vm);
/* An scause value's name in the exit table ("load page fault"). */
const char *vcpu_cause_name(uint64_t cause);

#endif
