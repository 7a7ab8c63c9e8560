/*
 * fuzz_config.c - libFuzzer harness for the configuration parser
 * (src/core/config.c), which reads a device tree a user wrote: Umbra parses
 * the staged copy at boot, before any guest runs, so a damaged blob must be
 * refused with a message, never read out of bounds.
 *
 * The input is the blob itself, given to config_parse() both as the host
 * tool parses it and as Umbra does (staged), with a hart count from the
 * input's last byte.  Checked on every input:
 *   - the parser returns 0 or ERR_INVAL, and on ERR_INVAL a non-empty
 *     message that fits the buffer;
 *   - on success, every guest is within the limits config.h states (1 to 8
 *     vCPUs, memory even MiB >= 4, a kernel name, a NUL-terminated name of
 *     a-z 0-9 '-', pinned harts that exist and are at least its vCPUs) and
 *     every string it names lies inside the blob, NUL included;
 *   - ASan and UBSan on everything, the blob in a buffer of its exact size.
 * The seed corpus (tests/fuzz/corpus/config/) holds compiled good configs.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#pragma clang attribute push(__attribute__((no_sanitize("coverage"))), apply_to = function)
#include "fdt.c"
#pragma clang attribute pop
#include "fdt_ro.c"

#include "config.h"

static void check_string_in(const char *s, const uint8_t *blob, size_t size)
{
	FUZZ_CHECK((const uint8_t *)s >= blob && (const uint8_t *)s < blob + size,
		   "%s", "a string outside the blob");
	FUZZ_CHECK(memchr(s, 0, blob + size - (const uint8_t *)s) != NULL, "%s",
		   "a string without its NUL inside the blob");
}

static void check_result(int err, const struct config *cfg, const char *msg,
			 const uint8_t *blob, size_t size, unsigned nharts, bool staged)
{
	if (err) {
		FUZZ_CHECK(err == ERR_INVAL, "error %d", err);
		FUZZ_CHECK(msg[0] != 0, "%s", "an error without a message");
		return;
	}
	FUZZ_CHECK(cfg->nguests >= 1 && cfg->nguests <= CONFIG_MAX_GUESTS, "%u guests", cfg->nguests);
	for (unsigned i = 0; i < cfg->nguests; i++) {
		const struct config_guest *g = &cfg->guests[i];
		size_t n = strnlen(g->name, sizeof(g->name));
		FUZZ_CHECK(n >= 1 && n < sizeof(g->name), "%s", "a bad name length");
		for (size_t k = 0; k < n; k++)
			FUZZ_CHECK((g->name[k] >= 'a' && g->name[k] <= 'z') ||
				   (g->name[k] >= '0' && g->name[k] <= '9') || g->name[k] == '-',
				   "%s", "a name with a character outside a-z 0-9 -");
		FUZZ_CHECK(g->vcpus >= 1 && g->vcpus <= CONFIG_MAX_VCPUS, "vcpus %u", g->vcpus);
		FUZZ_CHECK(g->mem_size >= (4 << 20) && g->mem_size % (2 << 20) == 0, "%s",
			   "memory not even MiB >= 4");
		check_string_in(g->kernel, blob, size);
		if (*g->bootargs)	/* (none: the parser's own "") */
			check_string_in(g->bootargs, blob, size);
		if (g->initrd)
			check_string_in(g->initrd, blob, size);
		if (g->disk)
			check_string_in(g->disk, blob, size);
		if (g->hart_mask) {
			FUZZ_CHECK(nharts >= 64 || g->hart_mask >> nharts == 0, "%s", "a hart that does not exist");
			FUZZ_CHECK((unsigned)__builtin_popcountll(g->hart_mask) >= g->vcpus, "%s",
				   "more vCPUs than pinned harts");
		}
		if (staged)
			FUZZ_CHECK(g->kernel_size != 0, "%s", "a staged guest without a kernel");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned nharts = size ? data[size - 1] % 10 : 1;   /* 0 too: refused */
	uint8_t *blob = malloc(size ? size : 1);
	struct config cfg;
	char msg[128];

	memcpy(blob, data, size);
	for (int staged = 0; staged < 2; staged++) {
		memset(msg, 0, sizeof(msg));
		int err = config_parse(blob, size, nharts, staged, &cfg, msg, sizeof(msg));
		check_result(err, &cfg, msg, blob, size, nharts, staged);
		FUZZ_CHECK(memchr(msg, 0, sizeof(msg)) != NULL, "%s", "an unterminated message");
	}
	free(blob);
	return 0;
}
