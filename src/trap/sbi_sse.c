/*
 * sbi_sse.c - the SBI's supervisor software events (SSE) extension (SBI
 * 3.0, "Supervisor Software Events Extension"; OpenSBI 1.5.1 implements a
 * draft of it, without hart_mask/hart_unmask).
 *
 * Umbra offers the extension with no events: every event_id is one this
 * SBI implementation does not have, which the spec's error tables call an
 * invalid event_id (INVALID_PARAM) for read_attrs, write_attrs, register,
 * unregister, enable, disable and inject.  What each standard event would
 * need, and why Umbra has none of them:
 *   0x00000000, 0x00008000  RAS events: the VM has no RAS error source
 *   0x00000001              double trap: Umbra gives guests no Ssdbltrp
 *   0x00010000              PMU overflow: needs counter overflow interrupts
 *                           (Sscofpmf), which the guest does not get
 *   0xffff0000, 0xffff8000  software-injected events: could be delivered
 *                           like a trap (save sepc, SPP, SPIE, a6, a7 and
 *                           enter the handler in S-mode), which Umbra's
 *                           trap path does not do yet
 * With no event ever RUNNING, complete does nothing and succeeds; the
 * hart's event mask is kept as the spec says (masked at start: unmask
 * succeeds once, then ALREADY_STARTED; mask likewise, ALREADY_STOPPED).
 */
#include "sbi_internal.h"

enum trap_outcome sbi_sse(struct vcpu *v, struct sbi_call *c)
{
	switch (c->fid) {
	case SBI_SSE_READ_ATTRS:
	case SBI_SSE_WRITE_ATTRS:
	case SBI_SSE_REGISTER:
	case SBI_SSE_UNREGISTER:
	case SBI_SSE_ENABLE:
	case SBI_SSE_DISABLE:
	case SBI_SSE_INJECT:
		c->error = SBI_ERR_INVALID_PARAM;	/* no such event */
		break;
	case SBI_SSE_COMPLETE:
		break;					/* no event RUNNING */
	case SBI_SSE_HART_UNMASK:
		if (v->sbi.sse_unmasked)
			c->error = SBI_ERR_ALREADY_STARTED;
		v->sbi.sse_unmasked = true;
		break;
	case SBI_SSE_HART_MASK:
		if (!v->sbi.sse_unmasked)
			c->error = SBI_ERR_ALREADY_STOPPED;
		v->sbi.sse_unmasked = false;
		break;
	default:
		c->error = SBI_ERR_NOT_SUPPORTED;
		break;
	}
	return TRAP_NEXT;
}
