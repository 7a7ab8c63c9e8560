/*
 * hart.c - per-hart state, and what happens when Umbra itself traps.
 */
#include <string.h>
#include "hart.h"
#include "fw.h"

#include "platform.h"
#include "mm.h"

static struct hart harts[MAX_HARTS];

/* Stacks of harts 1 .. MAX_HARTS-1 (the boot hart runs on entry.S's
 * boot_stack); entry.S finds hart i's at hart_stacks + (i + 1) * size. */
uint8_t hart_stacks[MAX_HARTS][HART_STACK_SIZE] __attribute__((aligned(16)));
/* The satp of Umbra's own table, for harts starting after the boot hart. */
uint64_t hart_boot_satp;

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

struct hart *hart_get(unsigned index)
{
	return index < MAX_HARTS ? &harts[index] : NULL;
}

uint64_t hart_stack_top(unsigned index)
{
	return (uint64_t)hart_stacks[index] + HART_STACK_SIZE;
}

void hart_timer_set(struct hart *h, uint64_t when)
{
	if (h->timer_armed != when) {
		h->timer_armed = when;
		fw_set_timer(when);
	}
}

/*
 * Hart index 0 is the boot hart, whatever its id; the others are numbered
 * in the order the host device tree lists them.
 */
uint64_t hart_mask_to_index(uint64_t hartid_mask)
{
	unsigned long boot = harts[0].hartid;
	uint64_t out = 0;
	unsigned index = 1;

	for (unsigned i = 0; i < platform.nharts; i++) {
		unsigned long id = platform.hartids[i];
		unsigned at = id == boot ? 0 : index++;
		if (id < 64 && (hartid_mask & (1UL << id)))
			out |= 1UL << at;
	}
	return out;
}

int hart_start_secondaries(unsigned n)
{
	extern char _start_secondary[];
	unsigned long boot = hart_this()->hartid;
	unsigned index = 1;

	hart_boot_satp = mm_host_satp();
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < platform.nharts && index < n; i++) {
		if (platform.hartids[i] == boot)
			continue;
		harts[index].hartid = platform.hartids[i];
		long err = fw_hart_start(platform.hartids[i], mm_va_to_pa(_start_secondary), index);
		if (err)
			return (int)err;
		index++;
	}
	return index == n ? 0 : ERR_RANGE;
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
