/*
 * harness.h - what every host unit test in tests/host/ shares: counting
 * checks, naming cases, printing failures, and the closing line
 *
 *   <name>: N passed, M failed
 *
 * that tests/test_host.py reads (it wants " 0 failed" and exit status 0).
 * Also a few stand-ins for parts of Umbra that a test does not link, each
 * switched on by the test (see "Stand-ins" at the end).
 *
 * A test defines its name and includes this header once, after Umbra's
 * headers:
 *
 *   #define HARNESS_NAME "uart"
 *   #include "harness.h"
 *
 * How counting works.  There are two kinds of things that count:
 *
 *   - A check outside a case counts by itself: one passed or one failed.
 *   - A case, from harness_begin() to harness_end(), counts once: passed
 *     if none of the checks inside it failed.  Use cases for table rows
 *     and scripts, where "row 17 failed" is the useful number.
 *
 * A test whose numbers are its cases, with setup and audits between them
 * that run thousands of checks, sets harness.cases_only: then a check
 * outside a case counts only when it fails.
 *
 * Every failure prints one line,
 *
 *   FAIL [<case>: ][<function>:<line>: ]<message>
 *
 * (the case name when inside a case; the place for the HARNESS_* macros),
 * so a failing test says which row and which check.  A test with many
 * checks that may fail together can cap the number of lines with
 * harness.max_fail_lines; the counts stay exact.
 *
 * The checks:
 *
 *   HARNESS_CHECK(cond)               cond must hold; prints its text
 *   HARNESS_CHECKF(cond, fmt, ...)    the same, with a message of its own
 *   HARNESS_EQ(got, want)             equal as uint64_t; prints both
 *   HARNESS_EQ_NAMED(what, got, want) the same, with a name for the value
 *   harness_fail(fmt, ...)            a failure found by the test's own code
 *   harness_pass()                    ... and a check it found to hold
 *   harness_fatal(fmt, ...)           a failure the test cannot go on after
 *
 * All of them are expressions whose value is true if the check passed, so
 * a test can write "if (!HARNESS_CHECK(p != NULL)) return;".  The
 * message arguments of HARNESS_CHECKF are evaluated only on failure.
 *
 * main() ends with "return harness_done();".
 *
 * Everything here but the stand-ins is static (one copy per test program,
 * which is one .c file plus the Umbra sources it tests); the stand-ins
 * define Umbra's own names, once, in the test that asks for them.
 */
#ifndef UMBRA_HARNESS_H
#define UMBRA_HARNESS_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef HARNESS_NAME
#error "define HARNESS_NAME (the name on the closing line) before including harness.h"
#endif

/* ---- State -------------------------------------------------------------- */

struct harness {
	unsigned passed, failed;	/* what the closing line reports */
	bool cases_only;		/* passes outside a case do not count */
	bool in_case;			/* between harness_begin and harness_end */
	bool case_failed;		/* a check of the current case failed */
	char case_name[256];
	unsigned fail_lines;		/* FAIL lines printed so far */
	unsigned max_fail_lines;	/* print at most this many (0: all) */
};

static struct harness harness;

/* ---- Reporting ------------------------------------------------------------ */

/*
 * Record one failure and print its line.  func is NULL for a failure without
 * a place (the message says what it is).
 */
static inline bool harness_vfail_at(const char *func, int line, const char *fmt, va_list ap)
{
	if (harness.in_case)
		harness.case_failed = true;
	else
		harness.failed++;

	if (harness.max_fail_lines && harness.fail_lines >= harness.max_fail_lines) {
		if (harness.fail_lines++ == harness.max_fail_lines)
			printf("FAIL ... (more failures, not printed)\n");
		return false;
	}
	harness.fail_lines++;
	fputs("FAIL ", stdout);
	if (harness.in_case)
		printf("%s: ", harness.case_name);
	if (func)
		printf("%s:%d: ", func, line);
	vprintf(fmt, ap);
	putchar('\n');
	return false;
}

static inline bool harness_fail_at(const char *func, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline bool harness_fail_at(const char *func, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	harness_vfail_at(func, line, fmt, ap);
	va_end(ap);
	return false;
}

/* A failure the test's own code found; always returns false. */
static inline bool harness_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline bool harness_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	harness_vfail_at(NULL, 0, fmt, ap);
	va_end(ap);
	return false;
}

/* A check that held: counts outside a case; always returns true. */
static inline bool harness_pass(void)
{
	if (!harness.in_case && !harness.cases_only)
		harness.passed++;
	return true;
}

static inline bool harness_eq_at(const char *func, int line, const char *what,
				 uint64_t got, uint64_t want)
{
	if (got == want)
		return harness_pass();
	return harness_fail_at(func, line, "%s: got 0x%" PRIx64 ", want 0x%" PRIx64,
			       what, got, want);
}

/* Passes a check's result on: the macros below wrap their ?: in a call, so
 * that a check with a constant condition (HARNESS_CHECKF(false, ...)) used
 * as a statement is not "a value computed and not used". */
static inline bool harness_result(bool ok)
{
	return ok;
}

#define HARNESS_CHECK(cond) harness_result((cond) ? harness_pass() : \
	harness_fail_at(__func__, __LINE__, "%s", #cond))
#define HARNESS_CHECKF(cond, ...) harness_result((cond) ? harness_pass() : \
	harness_fail_at(__func__, __LINE__, __VA_ARGS__))
#define HARNESS_EQ(got, want) \
	harness_eq_at(__func__, __LINE__, #got " == " #want, (uint64_t)(got), (uint64_t)(want))
#define HARNESS_EQ_NAMED(what, got, want) \
	harness_eq_at(__func__, __LINE__, (what), (uint64_t)(got), (uint64_t)(want))

/* ---- Cases ---------------------------------------------------------------- */

/* Start a case named by fmt (printf-style).  Cases do not nest: beginning
 * one ends the open one. */
static inline bool harness_end(void);
static inline void harness_begin(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void harness_begin(const char *fmt, ...)
{
	va_list ap;

	if (harness.in_case)
		harness_end();
	va_start(ap, fmt);
	vsnprintf(harness.case_name, sizeof(harness.case_name), fmt, ap);
	va_end(ap);
	harness.case_failed = false;
	harness.in_case = true;
}

/* End the case: it counts once.  Returns whether it passed. */
static inline bool harness_end(void)
{
	bool ok = !harness.case_failed;

	if (!harness.in_case)
		return true;
	if (ok)
		harness.passed++;
	else
		harness.failed++;
	harness.in_case = false;
	harness.case_failed = false;
	return ok;
}

/* ---- The end ------------------------------------------------------------------ */

/* Print the closing line; the exit status for main (1 on any failure). */
static inline int harness_done(void)
{
	harness_end();
	printf("%s: %u passed, %u failed\n", HARNESS_NAME, harness.passed, harness.failed);
	fflush(stdout);
	return harness.failed ? 1 : 0;
}

/* A failure the test cannot go on after (a broken stand-in, a bug in the
 * test itself): report it, close with the counts so far, exit 1. */
static inline void harness_fatal(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
static inline void harness_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	harness_vfail_at(NULL, 0, fmt, ap);
	va_end(ap);
	harness_done();
	exit(1);
}

/* ---- Stand-ins for Umbra ---------------------------------------------------------
 *
 * Umbra's own versions of these need the real hart.  A test that links
 * sources calling them defines the switch before including this header.
 *
 * HARNESS_STUB_PANIC: panic().  Umbra panics only on a broken invariant, so
 * a panic fails the test (harness_fatal) - unless the test expects one: it
 * sets harness_panic_armed and calls setjmp(harness_panic_jmp) itself
 * (setjmp must be called from the function that goes on afterwards), and a
 * panic then comes back there with its message in harness_panic_msg:
 *
 *	harness_panic_armed = true;
 *	if (!setjmp(harness_panic_jmp))
 *		... code that may panic ...
 *	else
 *		... it panicked: harness_panic_msg says why ...
 *	harness_panic_armed = false;
 */
#ifdef HARNESS_STUB_PANIC
#include <setjmp.h>

static jmp_buf harness_panic_jmp;
static bool harness_panic_armed;
static char harness_panic_msg[256];

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(harness_panic_msg, sizeof(harness_panic_msg), fmt, ap);
	va_end(ap);
	if (harness_panic_armed) {
		harness_panic_armed = false;
		longjmp(harness_panic_jmp, 1);
	}
	harness_fatal("unexpected panic: %s", harness_panic_msg);
}
#endif

/*
 * HARNESS_STUB_CONSOLE: console_printf().  What Umbra prints is kept in
 * harness_console (the last byte always a NUL; what does not fit is
 * dropped), where a test can look for it; harness_console_clear() empties
 * it.  Nothing goes to stdout: a test's output is its FAIL lines.
 */
#ifdef HARNESS_STUB_CONSOLE
static char harness_console[4096];
static size_t harness_console_len;

static inline void harness_console_clear(void)
{
	harness_console_len = 0;
	harness_console[0] = '\0';
}

void console_printf(const char *fmt, ...)
{
	size_t room = sizeof(harness_console) - harness_console_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(harness_console + harness_console_len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		harness_console_len += (size_t)n < room ? (size_t)n : room - 1;
}
#endif

/*
 * HARNESS_STUB_PT_FORMATS: the Sv39 and Sv48 formats of src/core/pt.c,
 * for a test that needs only them (pt.c itself needs the host allocator).
 * Keep in step with pt.c.
 */
#ifdef HARNESS_STUB_PT_FORMATS
const struct pt_format pt_sv39 = { "sv39", 3, SATP_MODE_SV39, 0 };
const struct pt_format pt_sv48 = { "sv48", 4, SATP_MODE_SV48, 0 };
#endif

#endif /* UMBRA_HARNESS_H */
