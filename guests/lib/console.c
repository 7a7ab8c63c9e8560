/*
 * console.c - printing and test bookkeeping.
 *
 * Every character goes out through the SBI legacy console_putchar call,
 * the one console every SBI implementation has.  Formatting is done by
 * picolibc's vsnprintf into a buffer first.
 */
#include <stdio.h>
#include "guest.h"

static const char *test_name = "?";
int test_failures;

void console_puts(const char *s)
{
	while (*s)
		sbi_console_putchar(*s++);
}

static void vcprintf(const char *fmt, va_list ap)
{
	char buf[256];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	console_puts(buf);
}

void cprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcprintf(fmt, ap);
	va_end(ap);
}

void test_begin(const char *name)
{
	test_name = name;
	cprintf("TEST %s: start\n", name);
}

int check(int cond, const char *fmt, ...)
{
	va_list ap;

	console_puts(cond ? "ok: " : "FAIL: ");
	va_start(ap, fmt);
	vcprintf(fmt, ap);
	va_end(ap);
	console_puts("\n");
	if (!cond)
		test_failures++;
	return cond;
}

void test_end(void)
{
	if (test_failures == 0) {
		cprintf("TEST %s: PASS\n", test_name);
		sbi_shutdown(SBI_SRST_REASON_NONE);
	}
	cprintf("TEST %s: FAIL (%d checks)\n", test_name, test_failures);
	sbi_shutdown(SBI_SRST_REASON_SYSFAIL);
}

const char *addr_str(unsigned long addr)
{
	static char bufs[4][24];	/* a few may be used in one cprintf */
	static unsigned int next;
	char *b = bufs[next++ % 4];

	if (addr >= (unsigned long)_start && addr < (unsigned long)_end)
		snprintf(b, sizeof(bufs[0]), "img+0x%lx",
			 addr - (unsigned long)_start);
	else
		snprintf(b, sizeof(bufs[0]), "0x%lx", addr);
	return b;
}
