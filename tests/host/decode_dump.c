/*
 * decode_dump.c - host helper for the decoder's tests: reads instruction
 * words as hex (whitespace separated, from the arguments or, if there are
 * none, from stdin) and prints what decode_insn() makes of each, one line
 * per word, in a fixed key=value form (decode_asm_check.py):
 *
 *   raw=0x30059573 ret=0 op=csrrw len=4 cls=csr rd=10 rs1=11 rs2=0 \
 *       csr=0x300 csr_imm=0 imm=0 width=0 signed=0 fp=0 aq=0 rl=0
 *
 * or, with --text first, as decode_format() prints it, GNU objdump's
 * -M no-aliases syntax (tests/test_disasm.py compares it with objdump):
 *
 *   $ echo 10002573 e406 | build/host/decode_dump --text
 *   csrrs a0,sstatus,zero
 *   c.sdsp ra,8(sp)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

static const char *const class_names[] = {
	[DECODE_CLASS_NONE] = "none",
	[DECODE_CLASS_CSR] = "csr",
	[DECODE_CLASS_SYSTEM] = "system",
	[DECODE_CLASS_FENCE] = "fence",
	[DECODE_CLASS_HLS] = "hls",
	[DECODE_CLASS_LOAD] = "load",
	[DECODE_CLASS_STORE] = "store",
	[DECODE_CLASS_AMO] = "amo",
};

static int text_mode;

static int dump(const char *word)
{
	struct decode_insn d;
	char text[64];
	char *end;
	unsigned long v = strtoul(word, &end, 16);
	int ret;

	if (*word == '\0' || *end != '\0' || v > 0xffffffffUL) {
		fprintf(stderr, "decode_dump: bad hex word '%s'\n", word);
		return 1;
	}
	ret = decode_insn((uint32_t)v, &d);
	if (text_mode) {
		if (decode_format(&d, (uint32_t)v, text, sizeof(text)) >= (int)sizeof(text)) {
			fprintf(stderr, "decode_dump: text of %s does not fit %zu bytes\n",
				word, sizeof(text));
			return 1;
		}
		puts(text);
		return 0;
	}
	printf("raw=0x%08lx ret=%d op=%s len=%u cls=%s rd=%u rs1=%u rs2=%u "
	       "csr=0x%03x csr_imm=%d imm=%" PRId64 " width=%u signed=%d fp=%d "
	       "aq=%d rl=%d\n",
	       v, ret, decode_op_name(d.op), d.len, class_names[d.cls],
	       d.rd, d.rs1, d.rs2, d.csr, d.csr_imm, d.imm, d.width,
	       d.is_signed, d.fp, d.aq, d.rl);
	return 0;
}

int main(int argc, char **argv)
{
	char buf[64];
	int bad = 0;

	if (argc > 1 && !strcmp(argv[1], "--text")) {
		text_mode = 1;
		argv++, argc--;
	}
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			bad |= dump(argv[i]);
		return bad;
	}
	while (scanf("%63s", buf) == 1)
		bad |= dump(buf);
	return bad;
}
