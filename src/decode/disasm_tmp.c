/* TEMPORARY until the disasm branch merges */
#include <stdio.h>
#include "decode.h"
int decode_format(const struct decode_insn *in, uint32_t raw, char *buf, size_t size)
{
	(void)raw;
	return snprintf(buf, size, "%s", decode_op_name(in->op));
}
const char *decode_csr_name(uint16_t csr)
{
	static char b[8];
	snprintf(b, sizeof b, "0x%x", csr);
	return b;
}
