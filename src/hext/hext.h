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
/* The backend (see struct vcpu_backend). */
extern const struct vcpu_backend hext_backend;

#endif
