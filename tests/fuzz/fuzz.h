/*
 * fuzz.h - what the libFuzzer harnesses in tests/fuzz/ share: reading the
 * fuzzer's input as a stream of little-endian fields, and a check that
 * stops the run.
 *
 * Reading past the end of the input gives zeros, so a harness never has to
 * care how long its input is: a short input is a long one padded with 0.
 *
 * A failed FUZZ_CHECK prints what was expected and abort()s; libFuzzer then
 * saves the input as crash-<sha1> and reports it like a sanitizer error.
 */
#ifndef UMBRA_FUZZ_H
#define UMBRA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t fuzz_bytes(struct fuzz_in *in, unsigned len)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < len; i++) {
		if (in->n) {
			v |= (uint64_t)*in->p++ << (8 * i);
			in->n--;
		}
	}
	return v;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in)   { return (uint8_t)fuzz_bytes(in, 1); }
static inline uint16_t fuzz_u16(struct fuzz_in *in) { return (uint16_t)fuzz_bytes(in, 2); }
static inline uint32_t fuzz_u32(struct fuzz_in *in) { return (uint32_t)fuzz_bytes(in, 4); }
static inline uint64_t fuzz_u64(struct fuzz_in *in) { return fuzz_bytes(in, 8); }

/*
 * For a harness's own bookkeeping (models, audits, simulated memory): no
 * coverage instrumentation, so its loops neither slow the run down nor
 * count as progress (not inlined: inlined, it would be instrumented as part
 * of its caller).  The code under test stays instrumented.
 */
#define FUZZ_NOCOV __attribute__((no_sanitize("coverage"), noinline))

#define FUZZ_CHECK(cond, ...) do {						\
	if (!(cond)) {								\
		fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: ", __FILE__,	\
			__LINE__, #cond);					\
		fprintf(stderr, __VA_ARGS__);					\
		fputc('\n', stderr);						\
		abort();							\
	}									\
} while (0)

#endif
