/*
 * isolation - does this guest see only its own memory?
 *
 * Run alone it is an ordinary differential test guest; its point is to
 * run as several VMs at once (tests/test_multi.py), where a hypervisor bug
 * that maps one VM's page into another, or lets a guest reach host memory
 * past the end of its RAM, becomes visible:
 *
 *  1. Marks.  The guest makes a marker of its own: a constant prefix, an
 *     id taken from the time CSR when it starts (two VMs start at different
 *     times, so their ids differ) and a check word that ties the two
 *     together.  It writes the marker at the start of every free page of
 *     its RAM (from the end of its image to the end of RAM, except the
 *     device tree).  Its RAM comes from the device tree's /memory node.
 *
 *  2. Scans.  After a pause (the other VMs mark their RAM meanwhile), it
 *     reads every 8-byte word of its RAM, from its image to the end, and
 *     counts the markers it finds: its own (at least one per marked page),
 *     and OTHER ones, with another id.  Another VM's marker in this VM's
 *     RAM means that VM's memory leaked in: other markers must be 0.
 *
 *     The prefix never appears in the image as a constant: it is built at
 *     run time from bytes XORed with a key the compiler cannot see (a
 *     volatile), so the scan cannot find it in the guest's code or data.
 *     A copy of the prefix alone (a register spilled to the stack) is not a
 *     marker: the check word must follow the id.
 *
 *  3. Probes.  Loads and stores just beyond the end of RAM, and further up
 *     to where QEMU virt puts its next device (the 64-bit PCIe window at
 *     16 GiB, above RAM), must raise access faults, as on the real machine:
 *     nothing is there, neither the other VMs' RAM nor the hypervisor's.
 *     (Below RAM QEMU virt has devices that Umbra's board does not model,
 *     so those addresses are not probed here.)
 *
 * Its output is the same natively and under Umbra for the same RAM size
 * (the id is never printed), so it is also in the differential suite.
 *
 * Bootargs (/chosen/bootargs) words:
 *   plant  the negative self-check: plant a marker with ANOTHER id in the
 *          middle of a free page (not at a page start, so only a scan of
 *          every word finds it); the scan must then find exactly that one
 *          other marker, at that address, and the test passes only then.
 *   echo   after the checks, read the console (legacy SBI getchar) and
 *          echo each line typed as "got: <line>" until "quit": lets
 *          test_multi.py see which VM gets the input.
 *   deaf   with echo: read nothing for the first 3 s (a guest that does
 *          not read its console; test_multi.py types more than Umbra
 *          holds for it, then moves the focus away).
 *   fail   fail on purpose, at once (one failing check, then SRST with
 *          reason system failure), for the tests of a VM that fails beside
 *          others.
 */
#include <string.h>
#include "../lib/guest.h"
#include "../lib/fdt.h"

#define PAGE 4096UL
#define NOWHERE_LIMIT 0x400000000UL	/* QEMU virt's 64-bit PCIe window (16 GiB) */

struct marker {
	unsigned long prefix, id, check;
};

/* "UMBRA-VM" XOR 0x5a; the key is a volatile, so no constant holds the prefix. */
static const unsigned char prefix_xored[8] = {
	'U' ^ 0x5a, 'M' ^ 0x5a, 'B' ^ 0x5a, 'R' ^ 0x5a, 'A' ^ 0x5a, '-' ^ 0x5a, 'V' ^ 0x5a, 'M' ^ 0x5a,
};
static volatile unsigned char prefix_key = 0x5a;

static unsigned long prefix;
static struct marker me;	/* this VM's marker (the scan finds it here too) */

static unsigned long marker_check(unsigned long id)
{
	return ~(id * 0x9e3779b97f4a7c15UL) ^ prefix;
}

static void marker_make(struct marker *m, unsigned long id)
{
	m->prefix = prefix;
	m->id = id;
	m->check = marker_check(id);
}

static int has_word(const char *args, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = args; (p = strstr(p, word)); p += n)
		if ((p == args || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
			return 1;
	return 0;
}

/* ---- 1 and 2: marks and scan -------------------------------------------------- */

static unsigned long ram_base, ram_end, dtb_start, dtb_end, plant_at;

static int in_dtb(unsigned long page)
{
	return page + PAGE > dtb_start && page < dtb_end;
}

static unsigned long mark_pages(void)
{
	unsigned long n = 0;
	for (unsigned long p = ((unsigned long)_end + PAGE - 1) & ~(PAGE - 1); p + PAGE <= ram_end;
	     p += PAGE) {
		if (in_dtb(p))
			continue;
		marker_make((struct marker *)p, me.id);
		n++;
	}
	return n;
}

struct scan {
	unsigned long own, other, first_other, bytes;
};

static void scan_ram(struct scan *s)
{
	unsigned long start = (unsigned long)_start;
	const unsigned long pfx = prefix;

	memset(s, 0, sizeof(*s));
	for (unsigned long a = start; a + sizeof(struct marker) <= ram_end; a += 8) {
		const volatile unsigned long *w = (const volatile unsigned long *)a;
		if (w[0] != pfx || w[2] != marker_check(w[1]))
			continue;
		if (w[1] == me.id) {
			s->own++;
		} else {
			if (!s->other)
				s->first_other = a;
			s->other++;
		}
	}
	s->bytes = ram_end - start;
}

/* ---- 3: beyond the end of RAM ------------------------------------------------- */

TRAP_FN(load_d, "ld a0, 0(a0)");
TRAP_FN(store_d, "sd a0, 0(a0)");

static void probe(const char *what, unsigned long addr)
{
	static const struct {
		const char *name;
		trap_fn fn;
		unsigned long cause;
	} ops[] = { { "ld", load_d, CAUSE_LOAD_ACCESS }, { "sd", store_d, CAUSE_STORE_ACCESS } };

	for (unsigned i = 0; i < ARRAY_SIZE(ops); i++) {
		struct trap_record t;
		expect_trap(ops[i].fn, addr, &t);
		if (!t.taken) {
			cprintf("%s %-22s no trap\n", ops[i].name, what);
			check(0, "%s %s: access fault", ops[i].name, what);
			continue;
		}
		cprintf("%s %-22s scause=%lu stval=%s\n", ops[i].name, what, t.scause,
			t.stval == addr ? "addr" : t.stval ? "other" : "0");
		check(t.scause == ops[i].cause && t.sepc == (unsigned long)ops[i].fn &&
		      (t.stval == addr || t.stval == 0),
		      "%s %s: access fault, sepc = the instruction, stval = the address", ops[i].name,
		      what);
	}
}

static void probe_beyond_ram(void)
{
	static const struct {
		const char *what;
		unsigned long offset;	/* from the end of RAM */
	} above[] = {
		{ "RAM end", 0 }, { "RAM end + 8", 8 }, { "RAM end + 4 KiB", PAGE },
		{ "RAM end + 2 MiB", 2UL << 20 }, { "RAM end + 1 GiB", 1UL << 30 },
	};

	cprintf("-- beyond the end of RAM: access faults\n");
	for (unsigned i = 0; i < ARRAY_SIZE(above); i++)
		probe(above[i].what, ram_end + above[i].offset);
	/* Fixed addresses, if above RAM: 4 GiB, and the last page below 16 GiB. */
	if (ram_end <= 0x100000000UL)
		probe("4 GiB", 0x100000000UL);
	probe("16 GiB - 4 KiB", NOWHERE_LIMIT - PAGE);
	probe("16 GiB - 8", NOWHERE_LIMIT - 8);
}

/* ---- echo: which VM gets what is typed ---------------------------------------- */

static long legacy_getchar(void)
{
	register long a0 asm("a0");
	register long a7 asm("a7") = 2;		/* legacy console_getchar */
	asm volatile("ecall" : "=r"(a0) : "r"(a7) : "memory");
	return a0;
}

static void echo_lines(int deaf)
{
	char line[80];
	unsigned n = 0;

	cprintf("echo: type lines, 'quit' ends\n");
	if (deaf) {
		unsigned long until = rdtime() + 3 * 10000000UL;   /* 3 s at 10 MHz */
		while (rdtime() < until)
			;
		cprintf("echo: reading now\n");
	}
	for (;;) {
		long c = legacy_getchar();
		if (c < 0)
			continue;
		if (c != '\r' && c != '\n') {
			if (n < sizeof(line) - 1)
				line[n++] = (char)c;
			continue;
		}
		line[n] = 0;
		if (!n)
			continue;
		cprintf("got: %s\n", line);
		if (!strcmp(line, "quit"))
			return;
		n = 0;
	}
}

int main(void)
{
	struct scan s;
	unsigned long size = 0;

	test_begin("isolation");
	for (unsigned i = 0; i < 8; i++)
		prefix |= (unsigned long)(prefix_xored[i] ^ prefix_key) << (8 * i);
	marker_make(&me, (rdtime() ^ boot_hartid << 56) | 1);	/* never 0 */

	if (!check(fdt_ram(boot_dtb, &ram_base, &size), "RAM from the device tree"))
		test_end();
	ram_end = ram_base + size;
	dtb_start = boot_dtb & ~(PAGE - 1);
	dtb_end = boot_dtb + fdt_be32((const void *)(boot_dtb + 4));
	const char *args = fdt_bootargs(boot_dtb);
	int plant = has_word(args, "plant");
	if (has_word(args, "fail")) {
		check(0, "asked to fail (bootargs 'fail')");
		test_end();
	}

	unsigned long marked = mark_pages();
	check(marked > 0, "free RAM above the image to mark");
	cprintf("marked every free page of RAM\n");
	if (plant) {
		/* Half way into free RAM, in the middle of a page. */
		unsigned long free_start = ((unsigned long)_end + PAGE - 1) & ~(PAGE - 1);
		plant_at = ((free_start + ram_end) / 2 & ~(PAGE - 1)) + PAGE / 2;
		if (in_dtb(plant_at & ~(PAGE - 1)))
			plant_at -= 4 * PAGE;
		marker_make((struct marker *)plant_at, me.id ^ 0x100);
		cprintf("planted a marker with another id at RAM + 0x%lx\n", plant_at - ram_base);
	}

	/* Let the other VMs mark their RAM too, then look. */
	for (unsigned long until = deadline_ms(50); rdtime() < until;)
		;
	scan_ram(&s);
	cprintf("scanned %lu KiB, from the image to the end of RAM\n", s.bytes >> 10);
	check(s.own >= marked, "every marked page still has this VM's marker");
	cprintf("other markers found: %lu\n", s.other);
	if (plant) {
		check(s.other == 1 && s.first_other == plant_at,
		      "the scan finds the planted marker, and nothing else");
	} else {
		if (s.other)
			cprintf("first at RAM + 0x%lx\n", s.first_other - ram_base);
		check(s.other == 0, "no other VM's marker in this VM's RAM");
	}

	probe_beyond_ram();

	if (has_word(args, "echo"))
		echo_lines(has_word(args, "deaf"));
	test_end();
}
