/*
 * test_patch.c - host unit test for src/patch/patch.c, the table of patched
 * sites of trap-and-patch.
 *
 * A simulated guest RAM of 256 pages holds CSR instructions at random
 * 4-byte-aligned places.  A random script notes them as emulated (each
 * enough times to be patched, or only once), releases random pages, and
 * checks after every step against a reference model (which sites are live):
 *   - patch_find finds exactly the live sites (so the table's hash chains
 *     survive removals: Knuth's algorithm R);
 *   - each live site's first halfword in RAM is c.ebreak and its second
 *     halfword untouched; every other byte of RAM is the original;
 *   - patch_overlay over any range gives back the original bytes;
 *   - a page got its ebreaks only after the shadows were told it is
 *     execute-only (spt_xonly_enforce), and a page with live sites stays
 *     marked;
 *   - a page released PATCH_MAX_RELEASES (4) times is not patched again.
 * The shadow side (spt_xonly_*) is simulated here: a bitmap, and a record of
 * which pages were marked when spt_xonly_enforce last ran.
 *
 * Prints the first failures and "patch: N passed, M failed" (checks); exits
 * 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vm.h"

/* Checks; console_printf() (patch.c's stats) is harness.h's. */
#define HARNESS_NAME "patch"
#define HARNESS_STUB_CONSOLE
#include "harness.h"

#define PAGES 256
#define RAM_GPA 0x80000000UL
#define MAX_RELEASES 4

static struct vm vm;
static uint8_t *orig;              /* RAM as the guest wrote it */
static bool marked[PAGES], enforced[PAGES];

/* ---- Umbra's side, simulated ----------------------------------------------------- */
void *mm_alloc_contig(uint64_t size, uint64_t align)
{
	void *p = aligned_alloc(align, size);
	if (p)
		memset(p, 0, size);
	return p;
}

static unsigned page_of(uint64_t gpa)
{
	return (unsigned)((gpa - RAM_GPA) >> PAGE_SHIFT);
}

void spt_xonly_init(struct vm *m, uint64_t *bitmap, void (*release)(struct vm *, uint64_t))
{
	m->xonly.bits = bitmap;
	m->xonly.release = release;
}

void spt_lookups_stale(struct vm *m)
{
	(void)m;
}

bool spt_xonly(struct vm *m, uint64_t gpa)
{
	(void)m;
	return gpa >= RAM_GPA && page_of(gpa) < PAGES && marked[page_of(gpa)];
}

void spt_xonly_set(struct vm *m, uint64_t gpa, bool on)
{
	(void)m;
	marked[page_of(gpa)] = on;
	if (!on)
		enforced[page_of(gpa)] = false;
}

void spt_xonly_enforce(struct vm *m)
{
	(void)m;
	memcpy(enforced, marked, sizeof(enforced));
}

/* ---- The model ---------------------------------------------------------------------- */
#define NSITES 4096
static uint64_t site_gpa[NSITES];
static uint32_t site_insn[NSITES];
static bool live[NSITES];
static unsigned releases[PAGES];

static uint32_t rnd(void)
{
	static uint64_t x = 0x9e3779b97f4a7c15UL;
	x ^= x << 13, x ^= x >> 7, x ^= x << 17;
	return (uint32_t)x;
}

static void check_all(const char *when)
{
	uint8_t *ram = vm.ram;
	static uint8_t want[PAGES * PAGE_SIZE];

	memcpy(want, orig, sizeof(want));
	for (unsigned i = 0; i < NSITES; i++) {
		const struct patch_site *s = patch_find(&vm, site_gpa[i]);
		HARNESS_CHECKF(!!s == live[i], "%s: site %u (0x%lx) found %d, live %d", when, i,
			       site_gpa[i], !!s, live[i]);
		if (s)
			HARNESS_CHECKF(s->insn == site_insn[i] && s->gpa == site_gpa[i],
				       "%s: site %u holds another instruction", when, i);
		if (live[i]) {
			unsigned p = page_of(site_gpa[i]);
			HARNESS_CHECKF(marked[p] && enforced[p], "%s: page %u has ebreaks but is not "
				       "execute-only in the shadows", when, p);
			want[site_gpa[i] - RAM_GPA] = PATCH_EBREAK & 0xff;
			want[site_gpa[i] - RAM_GPA + 1] = PATCH_EBREAK >> 8;
		}
	}
	HARNESS_CHECKF(!memcmp(ram, want, sizeof(want)),
		       "%s: RAM is not the originals plus the live ebreaks", when);
	/* The overlay of a few random ranges, and of everything. */
	for (int k = 0; k < 8; k++) {
		uint64_t off = rnd() % (PAGES * PAGE_SIZE), len = 1 + rnd() % 9000;
		uint8_t buf[9000];
		len = len < PAGES * PAGE_SIZE - off ? len : PAGES * PAGE_SIZE - off;
		memcpy(buf, ram + off, len);
		patch_overlay(&vm, RAM_GPA + off, buf, len);
		HARNESS_CHECKF(!memcmp(buf, orig + off, len),
			       "%s: overlay of [0x%lx, +%lu) is not the original",
			       when, RAM_GPA + off, len);
	}
}

/* Emulate site i 'times' times, as handle_illegal does, and follow the rule
 * of patch.c in the model: a site's 4th emulation patches every pending
 * site emulated at least twice, on pages released fewer than 4 times. */
static bool pending[NSITES];
static unsigned hits[NSITES];

static void note(unsigned i, int times)
{
	struct decode_insn in;
	if (decode_insn(site_insn[i], &in))
		abort();
	for (int k = 0; k < times; k++) {
		patch_note(&vm, site_gpa[i], site_insn[i], &in);
		if (live[i] || releases[page_of(site_gpa[i])] >= MAX_RELEASES)
			continue;
		if (!pending[i])
			pending[i] = true, hits[i] = 0;
		if (++hits[i] < 4)
			continue;
		for (unsigned j = 0; j < NSITES; j++)
			if (pending[j] && hits[j] >= 2) {
				live[j] = true;
				pending[j] = false;
			}
	}
}

static void forget(unsigned i)
{
	live[i] = pending[i] = false;
	hits[i] = 0;
}

int main(void)
{
	/* A broken table fails thousands of checks at once: show the first. */
	harness.max_fail_lines = 20;
	vm.ram_gpa = RAM_GPA;
	vm.ram_size = PAGES * PAGE_SIZE;
	vm.ram = mm_alloc_contig(vm.ram_size, PAGE_SIZE);
	orig = malloc(vm.ram_size);
	for (uint64_t i = 0; i < vm.ram_size; i++)
		vm.ram[i] = (uint8_t)rnd();

	/* Distinct 4-byte-aligned places; csrr/csrw of S-mode CSRs. */
	static const uint16_t csrs[] = { 0x100, 0x104, 0x105, 0x140, 0x141, 0x142, 0x143, 0x180 };
	for (unsigned i = 0; i < NSITES; i++) {
		uint64_t off;
		bool taken;
		do {
			off = (rnd() % (vm.ram_size / 4)) * 4;
			taken = false;
			for (unsigned j = 0; j < i; j++)
				taken |= site_gpa[j] == RAM_GPA + off;
		} while (taken);
		site_gpa[i] = RAM_GPA + off;
		site_insn[i] = (uint32_t)csrs[rnd() % 8] << 20 | (rnd() % 32) << 15 |
			       (1 + rnd() % 3) << 12 | (rnd() % 32) << 7 | 0x73;
		memcpy(vm.ram + off, &site_insn[i], 4);
	}
	memcpy(orig, vm.ram, vm.ram_size);

	HARNESS_CHECKF(patch_init(&vm, true) == 0, "patch_init");
	check_all("empty");
	for (int step = 0; step < 6000; step++) {
		unsigned r = rnd() % 16;
		if (r < 13) {
			unsigned i = rnd() % NSITES;
			note(i, r < 10 ? 4 : 1);
		} else if (r < 15) {
			unsigned p = rnd() % PAGES;
			for (unsigned i = 0; i < NSITES; i++)
				if (page_of(site_gpa[i]) == p)
					forget(i);
			patch_release_page(&vm, RAM_GPA + (uint64_t)p * PAGE_SIZE);
			releases[p]++;
		} else if (rnd() % 8 == 0) {
			patch_release_all(&vm);
			for (unsigned i = 0; i < NSITES; i++)
				forget(i);
		}
		char when[32];
		snprintf(when, sizeof(when), "step %d", step);
		if (step % 50 == 0 || r >= 13)
			check_all(when);
	}
	/* Pages released MAX_RELEASES times are left alone. */
	for (unsigned i = 0; i < NSITES; i++) {
		if (releases[page_of(site_gpa[i])] >= MAX_RELEASES) {
			note(i, 8);
			HARNESS_CHECKF(!patch_find(&vm, site_gpa[i]), "site %u patched again on a page "
				       "released %u times", i, releases[page_of(site_gpa[i])]);
		}
	}
	patch_release_all(&vm);
	memset(live, 0, sizeof(live));
	check_all("all released");
	HARNESS_CHECKF(!memcmp(vm.ram, orig, vm.ram_size), "RAM is the original after releasing all");

	return harness_done();
}
