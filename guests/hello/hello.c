/*
 * hello - the demo guest `make run` boots by default.
 *
 * A tiny S-mode kernel: it says hello, tells which SBI implementation it
 * runs on (OpenSBI natively, Umbra under the hypervisor: the one thing a
 * guest may notice), takes a few timer interrupts while sleeping in wfi,
 * runs a little code in U-mode, and powers off.  Try:
 *     make run                     (under Umbra)
 *     make run BACKEND=native      (directly on QEMU + OpenSBI)
 */
#include "../lib/guest.h"

#define TICKS 3

static volatile int ticks;

static int tick(struct trap_frame *f)
{
	if (f->scause != (CAUSE_INTERRUPT | IRQ_S_TIMER))
		return 0;
	ticks++;
	/* Next tick in 10 ms, or never after the last one (clears STIP). */
	sbi_set_timer(ticks < TICKS ? deadline_ms(10) : ~0UL);
	return 1;
}

static unsigned long user_sum(unsigned long n)
{
	unsigned long s = 0;
	for (unsigned long i = 1; i <= n; i++)
		s += i;
	return s;
}

int main(void)
{
	struct trap_record rec;
	struct sbiret impl = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID);
	struct sbiret ver = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION);

	cprintf("Hello from a guest kernel in S-mode (hart %lu).\n", boot_hartid);
	cprintf("SBI implementation: %s, SBI spec %lu.%lu\n",
		impl.value == 1 ? "OpenSBI" : impl.value == 0x554d4252 ? "Umbra" : "other",
		(ver.value >> 24) & 0x7f, ver.value & 0xffffff);

	trap_hook = tick;
	csr_set(CSR_SIE, SIE_STIE);
	csr_set(CSR_SSTATUS, SSTATUS_SIE);
	sbi_set_timer(deadline_ms(10));
	while (ticks < TICKS)
		asm volatile("wfi");
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	cprintf("Slept in wfi through %d timer interrupts.\n", ticks);

	csr_clear(CSR_SSTATUS, SSTATUS_SPIE);
	unsigned long sum = run_user(user_sum, 100, &rec);
	cprintf("U-mode computed 1+2+...+100 = %lu.\n", sum);
	cprintf("Goodbye.\n");
	sbi_shutdown(0);
}
