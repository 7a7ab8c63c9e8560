/*
 * sbi.c - the ecall that reaches the SBI implementation below S-mode.
 */
#include "guest.h"

struct sbiret sbi_ecall(unsigned long ext, unsigned long fid,
			const unsigned long args[6])
{
	register unsigned long a0 asm("a0") = args[0];
	register unsigned long a1 asm("a1") = args[1];
	register unsigned long a2 asm("a2") = args[2];
	register unsigned long a3 asm("a3") = args[3];
	register unsigned long a4 asm("a4") = args[4];
	register unsigned long a5 asm("a5") = args[5];
	register unsigned long a6 asm("a6") = fid;
	register unsigned long a7 asm("a7") = ext;

	asm volatile("ecall"
		     : "+r"(a0), "+r"(a1)
		     : "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a6), "r"(a7)
		     : "memory");
	return (struct sbiret){ .error = (long)a0, .value = (long)a1 };
}

void sbi_console_putchar(int c)
{
	/* Legacy extensions return only a0 and ignore a6. */
	sbi_call(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, 0, (unsigned long)c);
}

struct sbiret sbi_set_timer(unsigned long stime_value)
{
	return sbi_call(SBI_EXT_TIME, SBI_TIME_SET_TIMER, stime_value);
}

void sbi_shutdown(unsigned long reason)
{
	sbi_call(SBI_EXT_SRST, SBI_SRST_RESET, SBI_SRST_TYPE_SHUTDOWN, reason);
	/* SRST should not return; try the legacy shutdown, then give up. */
	sbi_call(SBI_EXT_LEGACY_SHUTDOWN, 0);
	for (;;)
		asm volatile("wfi");
}

const char *sbi_err_name(long e)
{
	static const char *names[] = {
		"SUCCESS", "ERR_FAILED", "ERR_NOT_SUPPORTED", "ERR_INVALID_PARAM",
		"ERR_DENIED", "ERR_INVALID_ADDRESS", "ERR_ALREADY_AVAILABLE",
		"ERR_ALREADY_STARTED", "ERR_ALREADY_STOPPED", "ERR_NO_SHMEM",
		"ERR_INVALID_STATE", "ERR_BAD_RANGE", "ERR_TIMEOUT", "ERR_IO",
	};
	return e <= 0 && e >= -13 ? names[-e] : "?";
}
