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

/*
 * Several harts may print: each call prints whole under a lock.  The lock
 * remembers its owner (hartid + 1), so a hart that traps while printing
 * and prints from the handler (UNEXPECTED TRAP ...) goes on instead of
 * waiting for itself.
 */
static unsigned long console_owner;

static int console_lock(void)
{
	unsigned long me = smp_hartid() + 1, free = 0;

	if (__atomic_load_n(&console_owner, __ATOMIC_RELAXED) == me)
		return 0;	/* nested: the outer call unlocks */
	while (!__atomic_compare_exchange_n(&console_owner, &free, me, 0,
					    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		free = 0;
	return 1;
}

static void console_unlock(int locked)
{
	if (locked)
		__atomic_store_n(&console_owner, 0, __ATOMIC_RELEASE);
}

static void puts_unlocked(const char *s)
{
	while (*s)
		sbi_console_putchar(*s++);
}

void console_puts(const char *s)
{
	int locked = console_lock();

	puts_unlocked(s);
	console_unlock(locked);
}

static void vcprintf(const char *fmt, va_list ap)
{
	char buf[256];
	int locked;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	locked = console_lock();
	puts_unlocked(buf);
	console_unlock(locked);
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
	int locked = console_lock();
	va_list ap;

	console_puts(cond ? "ok: " : "FAIL: ");
	va_start(ap, fmt);
	vcprintf(fmt, ap);
	va_end(ap);
	console_puts("\n");
	console_unlock(locked);
	if (!cond)
		__atomic_fetch_add(&test_failures, 1, __ATOMIC_SEQ_CST);
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
