/*
 * guest_ram.h - simulated guest RAM for the device-model host tests
 * (test_virtio.c, test_net.c): RAM_SIZE bytes at guest-physical RAM_BASE,
 * between two guard zones filled with a canary, so that a model that
 * reaches outside guest RAM (which Umbra's gpa_to_hva would never let it)
 * is caught when the test checks the guards.
 *
 * Define RAM_SIZE before including it.  One test file includes it once:
 * the functions are static, for that file.
 */
#ifndef UMBRA_TEST_GUEST_RAM_H
#define UMBRA_TEST_GUEST_RAM_H

#include <inttypes.h>
#include <string.h>

#ifndef RAM_SIZE
#error "define RAM_SIZE before including guest_ram.h"
#endif

#define RAM_BASE   0x80000000ull
#define RAM_END    (RAM_BASE + RAM_SIZE)
#define GUARD      (64u << 10)
#define CANARY     0xa5

static uint8_t mem[GUARD + RAM_SIZE + GUARD] __attribute__((aligned(4096)));
#define RAM (mem + GUARD)

/* Calls that broke the contract of the models' gpa_to_hva callback (a
 * zero length, a range that wraps): a model bug, counted, checked at the
 * end. */
static unsigned g2h_contract_violations;

/* The callback the models get: guest-physical -> host pointer, NULL for
 * anything not wholly in guest RAM (what vm_gpa_to_hva does in Umbra). */
static void *gpa_to_hva(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (len == 0 || gpa + len < gpa) {
		g2h_contract_violations++;
		return NULL;
	}
	if (gpa < RAM_BASE || gpa - RAM_BASE >= RAM_SIZE ||
	    len > RAM_SIZE - (gpa - RAM_BASE))
		return NULL;
	return RAM + (gpa - RAM_BASE);
}

/* Test-side access to guest memory (the test's own addresses are valid). */
static uint8_t *G(uint64_t gpa)
{
	if (gpa < RAM_BASE || gpa >= RAM_END)
		harness_fatal("test bug: G(0x%" PRIx64 ")", gpa);
	return RAM + (gpa - RAM_BASE);
}
static inline void put16(uint64_t gpa, uint16_t v) { memcpy(G(gpa), &v, 2); }
static inline void put32(uint64_t gpa, uint32_t v) { memcpy(G(gpa), &v, 4); }
static inline void put64(uint64_t gpa, uint64_t v) { memcpy(G(gpa), &v, 8); }
static inline uint16_t get16(uint64_t gpa) { uint16_t v; memcpy(&v, G(gpa), 2); return v; }
static inline uint32_t get32(uint64_t gpa) { uint32_t v; memcpy(&v, G(gpa), 4); return v; }

static void guards_fill(void)
{
	memset(mem, CANARY, GUARD);
	memset(mem + GUARD + RAM_SIZE, CANARY, GUARD);
}

static bool guards_ok(void)
{
	for (size_t i = 0; i < GUARD; i++)
		if (mem[i] != CANARY || mem[GUARD + RAM_SIZE + i] != CANARY)
			return false;
	return true;
}

#endif
