/*
 * console.c - Umbra's own console output, through the firmware's console.
 * Formatting is picolibc's vsnprintf.
 */
#include <stdarg.h>
#include <stdio.h>
#include "umbra.h"
#include "fw.h"
#include "host.h"
#include "lock.h"

static bool have_uart;
/* Whole lines (and the UART's registers) one hart at a time; last in the
 * lock order (lock.h). */
static spinlock_t console_lock = SPINLOCK_INIT;

/* From now on write to the UART directly rather than through the firmware. */
void console_use_uart(void)
{
	have_uart = true;
}

static void putc_locked(int c)
{
	if (have_uart)
		host_uart_putc(c);
	else
		fw_putchar(c);
}

void console_putc(int c)
{
	spin_lock(&console_lock);
	putc_locked(c);
	spin_unlock(&console_lock);
}

int console_getc(void)
{
	spin_lock(&console_lock);
	int c = have_uart ? host_uart_getc() : fw_getchar();
	spin_unlock(&console_lock);
	return c;
}

static void puts_locked(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			putc_locked('\r');
		putc_locked(*s);
	}
}

void console_puts(const char *s)
{
	spin_lock(&console_lock);
	puts_locked(s);
	spin_unlock(&console_lock);
}

static void console_vprintf(const char *fmt, va_list ap)
{
	char buf[256];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	console_puts(buf);
}

void console_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	console_vprintf(fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	/* A panic may come from under the console lock: take it if it can be
	 * had soon, else write anyway. */
	for (unsigned i = 0; i < 1000000 && !spin_trylock(&console_lock); i++)
		;
	puts_locked("\numbra: PANIC: ");
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	puts_locked(buf);
	puts_locked("\n");
	fw_reset(SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_SYSFAIL);
	for (;;)
		__asm__ volatile("wfi");
}

const char *err_str(int err)
{
	static const char *const names[] = {
		[0] = "success",
		[-ERR_NOMEM] = "out of memory",
		[-ERR_INVAL] = "invalid argument or image",
		[-ERR_RANGE] = "out of range",
		[-ERR_NOTFOUND] = "not found",
		[-ERR_NOTSUPP] = "not supported",
		[-ERR_FAULT] = "bad guest address",
	};
	if (err > 0 || -err >= (int)ARRAY_SIZE(names) || !names[-err])
		return "unknown error";
	return names[-err];
}
