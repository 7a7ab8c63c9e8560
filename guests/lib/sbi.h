/*
 * sbi.h - calling the SBI (Supervisor Binary Interface).
 *
 * An S-mode kernel asks the firmware below it (OpenSBI in M-mode, or
 * Umbra) for services with the ecall instruction: a7 = extension id,
 * a6 = function id, a0..a5 = arguments.  The answer comes back in
 * a0 = error code (SBI_SUCCESS or SBI_ERR_*) and a1 = value.
 */
#ifndef GUEST_SBI_H
#define GUEST_SBI_H

struct sbiret {
	long error;
	long value;
};

struct sbiret sbi_ecall(unsigned long ext, unsigned long fid,
			const unsigned long args[6]);
/* sbi_call(ext, fid, up to 6 args); missing arguments are passed as 0. */
#define sbi_call(ext, fid, ...) \
	sbi_ecall((ext), (fid), (const unsigned long[6]){ __VA_ARGS__ })

/* Legacy (v0.1) console putchar: a7 = 1, a0 = the character. */
void sbi_console_putchar(int c);
/* SBI TIME set_timer: STIP becomes pending once time >= stime_value. */
struct sbiret sbi_set_timer(unsigned long stime_value);
/* SRST system shutdown; reason 0 = none, 1 = system failure. */
void sbi_shutdown(unsigned long reason) __attribute__((noreturn));

/* The name of an SBI error code (SBI 2.0, "Standard SBI Errors"), "?" for
 * anything else.  (Static inline: only the guests that print errors get
 * its code.) */
static inline const char *sbi_err_name(long e)
{
	static const char *const names[] = {
		"SUCCESS", "ERR_FAILED", "ERR_NOT_SUPPORTED", "ERR_INVALID_PARAM",
		"ERR_DENIED", "ERR_INVALID_ADDRESS", "ERR_ALREADY_AVAILABLE",
		"ERR_ALREADY_STARTED", "ERR_ALREADY_STOPPED",
	};
	return e <= 0 && e >= -8 ? names[-e] : "?";
}

#endif /* GUEST_SBI_H */
