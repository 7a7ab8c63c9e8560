/*
 * trap_internal.h - what the files of src/trap share with each other.
 * Nothing outside src/trap includes it.
 */
#ifndef UMBRA_TRAP_INTERNAL_H
#define UMBRA_TRAP_INTERNAL_H

#include "vcpu.h"
#include "vm.h"


static inline struct vcpu *tf_vcpu(struct trap_frame *tf)
{
	return (struct vcpu *)tf;
}

/* The kind of access a (guest-)page fault cause reports. */
static inline enum spt_access fault_access(uint64_t cause)
{
	switch (cause) {
	case CAUSE_FETCH_PAGE_FAULT:
	case CAUSE_FETCH_GUEST_PAGE_FAULT: return SPT_FETCH;
	case CAUSE_STORE_PAGE_FAULT:
	case CAUSE_STORE_GUEST_PAGE_FAULT: return SPT_STORE;
	default:                           return SPT_LOAD;
	}
}

/* The access fault for a kind of access: what touching no memory raises. */
static inline uint64_t access_fault(enum spt_access acc)
{
	return acc == SPT_FETCH ? CAUSE_FETCH_ACCESS
	     : acc == SPT_STORE ? CAUSE_STORE_ACCESS : CAUSE_LOAD_ACCESS;
}

/* vcpu.c: run a vCPU the guest started (HSM) on the calling hart. */
void vcpu_run_at(struct vcpu *v, uint64_t pc, uint64_t opaque) __attribute__((noreturn));
/* vcpu.c: start the vCPU over in S-mode at 'pc' as the SBI starts a hart
 * (a0 = hart id, a1 = opaque, satp = 0, sstatus.SIE = 0). */
void vcpu_start_at(struct vcpu *v, uint64_t pc, uint64_t opaque);
/* vcpu.c: sfence.vma on the vCPU's behalf (rs1 != x0: by_va, rs2 != x0: by_asid). */
void vcpu_sfence_vma(struct vcpu *v, bool by_va, uint64_t va, bool by_asid, uint64_t asid);
/* vcpu.c: make the hart's state the guest runs with the vCPU's, right before
 * entering it (see there: nothing is trusted to have survived Umbra). */
void vcpu_load_context(struct vcpu *v);
/* vector.S: enter the guest whose trap frame this is. */
void trap_return(struct trap_frame *tf) __attribute__((noreturn));

/* inject.c: deliver a trap to the guest as the hardware would. */
void vcpu_inject_trap(struct vcpu *v, uint64_t cause, uint64_t tval);
/* inject.c: change the virtual privilege level (and what follows from it). */
void vcpu_set_mode(struct vcpu *v, unsigned mode);
/* trap.c: the handlers both backends share: give the guest the exception
 * it took; the guest kernel's SBI call. */
enum trap_outcome trap_reflect(struct vcpu *v);
/* trap.c: run the handler 'table' names for v's scause, else reflect. */
enum trap_outcome trap_by_cause(const trap_handler table[CAUSE_EXCEPTION_COUNT], struct vcpu *v);
enum trap_outcome trap_sbi(struct vcpu *v);
/* trap.c: does load/store 'in' begin at the faulting address (stval)? */
bool trap_access_at_tval(struct vcpu *v, const struct decode_insn *in);
/* trap.c: write what load 'in' read to its register, extended as it says. */
void trap_load_result(struct vcpu *v, const struct decode_insn *in, uint64_t val);
/* trap.c: a guest load or store to a device: 0 if emulated (the dispatcher
 * then moves past it), negative if there is no device there to take it. */
int vcpu_emulate_mmio(struct vcpu *v, uint64_t gpa, enum spt_access acc);
/* trap.c: the instruction at the guest's pc. */
int vcpu_fetch_insn(struct vcpu *v, uint32_t *raw);
/* trap.c: read guest memory at a guest virtual address as the guest's
 * current mode would; ERR_FAULT with v->mem_fault set to the trap the guest's
 * hart would have taken. */
int vcpu_read_guest(struct vcpu *v, uint64_t va, void *buf, size_t len, enum spt_access acc);

/* irq.c: virtual interrupts and the virtual timer. */
uint64_t vcpu_sip(struct vcpu *v);
uint64_t vcpu_sie(struct vcpu *v);
/* The interrupts the virtual hart would take now (0: none). */
uint64_t vcpu_interrupts_ready(struct vcpu *v);
void vcpu_deliver_interrupts(struct vcpu *v);
void vcpu_set_timer(struct vcpu *v, uint64_t deadline);
void vcpu_poll_timer(struct vcpu *v);
void vcpu_wait_for_interrupt(struct vcpu *v);

/* request.c: what other harts ask of a vCPU (see there). */
void vcpu_process_requests(struct vcpu *v);
void vcpu_fence_range(struct vcpu *v, uint64_t start, uint64_t size, bool by_asid, uint64_t asid);
void vcpu_remote_fence(struct vcpu *self, uint64_t set, bool fence_i, uint64_t start,
		       uint64_t size, bool by_asid, uint64_t asid);

/* csr.c: after a change of satp, SUM or MXR: switch the real MMU's tables;
 * after a change of virtual privilege: the view, the counters, UXL. */
void vcpu_update_mmu(struct vcpu *v);
void vcsr_mode_changed(struct vcpu *v);

/* csr.c: one read-modify-write of a virtual CSR. */
enum trap_outcome vcsr_emulate(struct vcpu *v, const struct decode_insn *in);
/* Is 'num' one of the guest's S-mode CSRs (which always trap)? */
bool vcsr_is_virtual(uint16_t num);
void vcsr_init(struct vcpu *v);
const char *vcsr_stats_name(unsigned slot);

/* sbi.c (and sbi_*.c, see sbi_internal.h): the SBI implementation the guest
 * calls with ecall. */
enum trap_outcome sbi_handle(struct vcpu *v);
const char *sbi_stats_name(unsigned slot);

/* insn.c: privileged instructions other than CSR accesses. */
enum trap_outcome insn_emulate(struct vcpu *v, const struct decode_insn *in);

#endif
