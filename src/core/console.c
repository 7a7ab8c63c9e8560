/*
 * console.c - the one console of the machine, shared by Umbra and its
 * guests.  Output goes to the host UART (or, before it is set up, the
 * firmware's console); formatting is picolibc's vsnprintf.
 *
 * With several guests, each line a guest writes is tagged with its name
 * ("[alpha] login: ...").  A guest's line is held until it ends (or is
 * full), so lines of different guests never mix; a line that stays
 * unfinished (a shell's prompt) goes out once it is CONSOLE_LINE_WAIT old,
 * when the guest next looks for input.  What the user types goes to one guest at a
 * time, the one with the input focus; an escape sequence moves it:
 *
 *	Ctrl-] 1 .. Ctrl-] 9   input goes to guest 1 .. 9 (config order)
 *	Ctrl-] Ctrl-]          one Ctrl-] for the guest that has the focus
 *	Ctrl-] s               print the exit statistics so far (the guests run on)
 *	Ctrl-] t               exit trace on or off (core/trace.h)
 *	Ctrl-] ?               list the guests (and these keys)
 *
 * A guest's input waits in a buffer of CONSOLE_IN_SIZE bytes until it reads
 * it; beyond that, input for it is dropped (with a word on the console).
 * (Ctrl-A is QEMU's own escape under -nographic; Ctrl-] is not.)  With one
 * guest nothing is tagged, and every byte typed but these sequences is the
 * guest's.
 */
#include <stdarg.h>
#include <stdio.h>
#include "umbra.h"
#include "fw.h"
#include "host.h"
#include "lock.h"
#include "platform.h"
#include "vm.h"
#include "trace.h"

static bool have_uart;
/* Whole lines (and the UART's registers) one hart at a time; last in the
 * lock order (lock.h).  Everything below is under it. */
static spinlock_t console_lock = SPINLOCK_INIT;

#define CONSOLE_ESCAPE   0x1d      /* Ctrl-] */
#define CONSOLE_IN_SIZE  4096      /* bytes typed for a guest, not read yet */
#define CONSOLE_LINE_MAX 160       /* a guest's line, held until it ends */
#define CONSOLE_LINE_WAIT_HZ 20    /* an unfinished line goes out after 1/20 s */

static struct {
	const char *name;
	char line[CONSOLE_LINE_MAX];   /* its unfinished line */
	unsigned line_len;
	uint64_t line_since;           /* when its first byte came (time CSR) */
	uint8_t in[CONSOLE_IN_SIZE];   /* typed for it while it had the focus */
	unsigned in_head, in_count;
	bool in_overrun;               /* bytes were dropped: said so once */
} guests[CONSOLE_MAX_GUESTS];
static unsigned nguests;
static unsigned focus;           /* the guest that gets what is typed */
static bool escape;              /* Ctrl-] was typed: the next key is a command */
static bool stats_wanted;        /* Ctrl-] s: print them once the lock is free */
static bool at_line_start = true;  /* (one guest: untagged, unbuffered) */
static int open_line = -1;         /* the guest whose unfinished line is on
				      the terminal (-1: none) */

/* From now on write to the UART directly rather than through the firmware. */
void console_use_uart(void)
{
	have_uart = true;
}

static void raw_putc(int c)
{
	if (have_uart)
		host_uart_putc(c);
	else
		fw_putchar(c);
}

/* Write a guest's held line, tagged with its name. */
static void flush_line_locked(unsigned id)
{
	typeof(guests[0]) *g = &guests[id];

	if (!g->line_len)
		return;
	/* Its own unfinished line (a prompt, an echo) just goes on. */
	if (open_line != (int)id || at_line_start) {
		if (!at_line_start) {
			raw_putc('\r');
			raw_putc('\n');
		}
		raw_putc('[');
		for (const char *n = g->name; *n; n++)
			raw_putc(*n);
		raw_putc(']');
		raw_putc(' ');
	}
	for (unsigned i = 0; i < g->line_len; i++)
		raw_putc(g->line[i]);
	at_line_start = g->line[g->line_len - 1] == '\n';
	open_line = at_line_start ? -1 : (int)id;
	g->line_len = 0;
}

/* One byte a guest (id >= 0) or Umbra (-1) writes. */
static void putc_locked(int id, int c)
{
	if (id < 0 || nguests <= 1) {
		if (nguests > 1 && open_line >= 0 && !at_line_start) {
			raw_putc('\r');	/* Umbra's lines start lines of their own */
			raw_putc('\n');
		}
		open_line = -1;
		raw_putc(c);
		at_line_start = c == '\n';
		return;
	}
	typeof(guests[0]) *g = &guests[id];
	if (!g->line_len)
		g->line_since = csr_read(time);
	g->line[g->line_len++] = (char)c;
	if (c == '\n' || g->line_len == CONSOLE_LINE_MAX)
		flush_line_locked(id);
}

void console_guest_register(unsigned id, const char *name)
{
	if (id < CONSOLE_MAX_GUESTS) {
		guests[id].name = name;
		nguests = MAX(nguests, id + 1);
	}
}

void console_guest_putc(unsigned id, int c)
{
	spin_lock(&console_lock);
	putc_locked(id < nguests ? (int)id : -1, c);
	spin_unlock(&console_lock);
}

static void say_locked(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			putc_locked(-1, '\r');
		putc_locked(-1, *s);
	}
}

/* A key after Ctrl-]: a command, not input. */
static void escape_command(int c)
{
	char buf[120];

	if (c == CONSOLE_ESCAPE) {
		typeof(guests[0]) *g = &guests[focus];
		if (g->in_count < CONSOLE_IN_SIZE)
			g->in[(g->in_head + g->in_count++) % CONSOLE_IN_SIZE] = (uint8_t)c;
	} else if (c == 's') {
		stats_wanted = true;
	} else if (c == 't') {
		/* (console lock, then trace_lock: the order of lock.h) */
		snprintf(buf, sizeof(buf), "\numbra: %s\n", trace_toggle());
		say_locked(buf);
	} else if (c >= '1' && c <= '9' && (unsigned)(c - '1') < nguests) {
		focus = c - '1';
		snprintf(buf, sizeof(buf), "\numbra: input goes to guest %u, %s\n", focus + 1,
			 guests[focus].name);
		say_locked(buf);
	} else {
		say_locked("\numbra: Ctrl-] then: 1-9 type to that guest, Ctrl-] a Ctrl-], "
			   "s exit statistics, t trace on/off, ? this list\n");
		for (unsigned i = 0; i < nguests; i++) {
			snprintf(buf, sizeof(buf), "umbra:   %u %s%s\n", i + 1, guests[i].name,
				 i == focus ? " (has the input)" : "");
			say_locked(buf);
		}
	}
}

/*
 * Move what was typed into the focused guest's buffer, acting on escape
 * sequences.  A guest that does not read its console fills its buffer;
 * what is typed for it after that is dropped (as a real UART overruns),
 * with a word on the console, so that Ctrl-] keeps working: holding the
 * bytes back in the host UART instead would hold back the Ctrl-] behind
 * them, and the user could not move the focus away.
 */
static void input_poll_locked(void)
{
	for (;;) {
		typeof(guests[0]) *g = &guests[focus];
		int c = have_uart ? host_uart_getc() : fw_getchar();
		if (c < 0)
			return;
		if (escape) {
			escape = false;
			escape_command(c);
		} else if (c == CONSOLE_ESCAPE) {
			escape = true;
		} else if (g->in_count < CONSOLE_IN_SIZE) {
			g->in[(g->in_head + g->in_count++) % CONSOLE_IN_SIZE] = (uint8_t)c;
			g->in_overrun = false;
		} else if (!g->in_overrun) {
			char buf[120];
			g->in_overrun = true;
			snprintf(buf, sizeof(buf), "\numbra: %s is not reading its console: "
				 "input dropped (Ctrl-] ? for the keys)\n", g->name ? g->name : "the guest");
			say_locked(buf);
		}
	}
}

int console_guest_getc(unsigned id)
{
	int c = -1;

	spin_lock(&console_lock);
	if (id < nguests && guests[id].line_len &&
	    csr_read(time) - guests[id].line_since > platform.timebase_hz / CONSOLE_LINE_WAIT_HZ)
		flush_line_locked(id);
	input_poll_locked();
	if (id < CONSOLE_MAX_GUESTS && guests[id].in_count) {
		c = guests[id].in[guests[id].in_head];
		guests[id].in_head = (guests[id].in_head + 1) % CONSOLE_IN_SIZE;
		guests[id].in_count--;
	}
	bool stats = stats_wanted;
	stats_wanted = false;
	spin_unlock(&console_lock);
	if (stats)
		vm_print_all_stats();
	return c;
}

void console_puts(const char *s)
{
	spin_lock(&console_lock);
	say_locked(s);
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
	say_locked("\numbra: PANIC: ");
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	say_locked(buf);
	say_locked("\n");
	/* Through QEMU's finisher where there is one: a failure status (the
	 * firmware's shutdown would exit QEMU with 0). */
	vm_exit(NULL, SBI_SRST_REASON_SYSFAIL);
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
