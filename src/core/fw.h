/*
 * fw.h - calls from Umbra down to the M-mode firmware (OpenSBI) through the
 * SBI.  These are Umbra's own requests; what the guest asks of its SBI is
 * answered by src/trap/sbi*.c, which use these where they need the machine
 * (and pass the guest's PMU calls for hardware counters on, sbi_pmu.c).
 */
#ifndef UMBRA_FW_H
#define UMBRA_FW_H

#include "umbra.h"

struct sbiret { long error; long value; };

/* Any firmware call with up to five arguments (the SBI PMU's
 * config_matching has five). */
static inline struct sbiret fw_ecall(unsigned long ext, unsigned long fid,
				     unsigned long a0, unsigned long a1, unsigned long a2,
				     unsigned long a3, unsigned long a4)
{
	register unsigned long r_a0 __asm__("a0") = a0;
	register unsigned long r_a1 __asm__("a1") = a1;
	register unsigned long r_a2 __asm__("a2") = a2;
	register unsigned long r_a3 __asm__("a3") = a3;
	register unsigned long r_a4 __asm__("a4") = a4;
	register unsigned long r_a6 __asm__("a6") = fid;
	register unsigned long r_a7 __asm__("a7") = ext;
	__asm__ volatile("ecall"
			 : "+r"(r_a0), "+r"(r_a1)
			 : "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a6), "r"(r_a7)
			 : "memory");
	return (struct sbiret){ (long)r_a0, (long)r_a1 };
}

/* The same with up to three arguments. */
static inline struct sbiret fw_call(unsigned long ext, unsigned long fid,
				    unsigned long a0, unsigned long a1,
				    unsigned long a2)
{
	return fw_ecall(ext, fid, a0, a1, a2, 0, 0);
}

/* Does the firmware offer SBI extension 'ext'? */
static inline bool fw_probe(unsigned long ext)
{
	return fw_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, ext, 0, 0).value != 0;
}

/* The legacy console is in every OpenSBI; it is Umbra's console here. */
static inline void fw_putchar(int c)
{
	fw_call(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, 0, (unsigned long)c, 0, 0);
}

static inline int fw_getchar(void)
{
	return (int)fw_call(SBI_EXT_LEGACY_CONSOLE_GETCHAR, 0, 0, 0, 0).error;
}

static inline void fw_set_timer(uint64_t when)
{
	fw_call(SBI_EXT_TIME, SBI_TIME_SET_TIMER, when, 0, 0);
}

static inline long fw_base(unsigned long fid)
{
	return fw_call(SBI_EXT_BASE, fid, 0, 0, 0).value;
}

/* Send a real IPI (a supervisor software interrupt) to one hart. */
static inline void fw_send_ipi(unsigned long hartid)
{
	fw_call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1, hartid, 0);
}

/* Start a stopped hart at physical address 'pc' with a1 = 'opaque'. */
static inline long fw_hart_start(unsigned long hartid, uint64_t pc, unsigned long opaque)
{
	return fw_call(SBI_EXT_HSM, SBI_HSM_HART_START, hartid, pc, opaque).error;
}

static inline void fw_reset(unsigned long type, unsigned long reason)
{
	fw_call(SBI_EXT_SRST, SBI_SRST_RESET, type, reason, 0);
}

#endif
