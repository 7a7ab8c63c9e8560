/*
 * console.c - Umbra's own console output, through the firmware's console.
 * Formatting is picolibc's vsnprintf.
 */
#include <stdarg.h>
#include <stdio.h>
#include "umbra.h"
#include "fw.h"
#include "host.h"

static bool have_uart;

/* From now on write to the UART directly rather than through the firmware. */
void console_use_uart(void)
{
	have_uart = true;
}

void console_putc(int c)
{
	if (have_uart)
		host_uart_putc(c);
	else
		fw_putchar(c);
}

int console_getc(void)
{
	return have_uart ? host_uart_getc() : fw_getchar();
}

void console_puts(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			console_putc('\r');
		console_putc(*s);
	}
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
	va_list ap;
	console_puts("\numbra: PANIC: ");
	va_start(ap, fmt);
	console_vprintf(fmt, ap);
	va_end(ap);
	console_puts("\n");
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
