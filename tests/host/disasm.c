/*
 * disasm.c - host helper for tests/test_disasm.py: reads instruction words
 * as hex (whitespace separated, from the arguments or, if there are none,
 * from stdin) and prints what decode_format() makes of each, one line per
 * word:
 *
 *   $ echo 10002573 e406 | build/host/disasm
 *   csrrs a0,sstatus,zero
 *   c.sdsp ra,8(sp)
 *
 * test_disasm.py compares these lines with GNU objdump's.
 */
#include <stdio.h>
#include <stdlib.h>

#include "decode.h"

static int show(const char *word)
{
	struct decode_insn d;
	char text[64];
	char *end;
	unsigned long v = strtoul(word, &end, 16);

	if (*word == '\0' || *end != '\0' || v > 0xffffffffUL) {
		fprintf(stderr, "disasm: bad hex word '%s'\n", word);
		return 1;
	}
	decode_insn((uint32_t)v, &d);
	if (decode_format(&d, (uint32_t)v, text, sizeof(text)) >= (int)sizeof(text)) {
		fprintf(stderr, "disasm: text of %s does not fit %zu bytes\n", word, sizeof(text));
		return 1;
	}
	puts(text);
	return 0;
}

int main(int argc, char **argv)
{
	char buf[64];
	int bad = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			bad |= show(argv[i]);
		return bad;
	}
	while (scanf("%63s", buf) == 1)
		bad |= show(buf);
	return bad;
}
