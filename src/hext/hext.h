/*
 * hext.h - the H-extension backend: where the hart has the hypervisor
 * extension, the guest kernel runs in VS-mode and its user programs in
 * VU-mode, on the real hart, with two-stage address translation: the
 * guest's own page tables (vsatp) and Umbra's G-stage table (hgatp) from
 * guest-physical to host-physical.  Only what the hardware cannot do alone
 * exits to Umbra: SBI calls, device accesses, wfi, and instructions a hart
 * without H would refuse.  SBI, device models, guest loading and the
 * device tree are shared with the trap-and-emulate backend.
 */
#ifndef UMBRA_HEXT_H
#define UMBRA_HEXT_H

#include "umbra.h"
#include "vcpu.h"

struct vm;

/* Does this hart have H?  (Reading hgatp traps if it has not.) */
bool hext_probe(void);
/* Build the VM's G-stage translation: guest RAM only. */
int hext_vm_init(struct vm *vm);
/* Set up the hart's H state for this vCPU and enter the guest. */
void hext_vcpu_run(struct vcpu *v) __attribute__((noreturn));
/* An exception a guest on this backend took to Umbra (called by trap.c's
 * dispatcher, which also handles Umbra's interrupts for both backends);
 * what it did, as every exit handler does. */
enum trap_outcome hext_handle_exit(struct vcpu *v);

#endif
