/*
 * hart.c - per-hart state, and what happens when Umbra itself traps.
 */
#include <string.h>
#include "hart.h"
#include "fw.h"

static struct hart harts[MAX_HARTS];

extern char _tdata_start[], _tdata_end[], _tbss_start[], _tbss_end[];

struct hart *hart_init(unsigned index, unsigned long hartid, uint64_t stack_top)
{
	struct hart *h = &harts[index];
	size_t tdata = _tdata_end - _tdata_start;
	size_t tbss = _tbss_end - _tbss_start;

	if (tdata + tbss > HART_TLS_SIZE)
		panic("thread-local data (%zu bytes) does not fit the hart's TLS", tdata + tbss);
	/* RISC-V TLS: tp points at the start of the block, .tdata then .tbss. */
	memcpy(h->tls, _tdata_start, tdata);
	memset(h->tls + tdata, 0, tbss);
	h->hartid = hartid;
	h->index = index;
	h->stack_top = stack_top;
	/* The real timer may still be set from before a reboot (its STIP
	 * pending): disarm it, so that the cache below tells the truth. */
	fw_set_timer(~0UL);
	h->timer_armed = ~0UL;
	__asm__ volatile("mv tp, %0" :: "r"(h));
	return h;
}

/* Called by vector.S for an exception taken while Umbra was running. */
uint64_t trap_host_fault(uint64_t cause, uint64_t epc, uint64_t tval)
{
	struct hart *h = hart_this();
	if (h->probing && !(cause & CAUSE_INTERRUPT)) {
		h->probe_trapped = true;
		h->probe_cause = cause;
		h->probe_tval = tval;
		return epc + 4;
	}
	panic("Umbra trapped on itself: scause 0x%lx sepc 0x%lx stval 0x%lx",
	      cause, epc, tval);
}
