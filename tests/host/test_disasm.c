/*
 * test_disasm.c - host unit test for decode_format() and decode_csr_name()
 * (src/decode/disasm.c).
 *
 * One table of { encoding, expected text } rows.  The texts are what GNU
 * objdump 2.40 printed for the encodings (riscv64-unknown-elf-as
 * -mpriv-spec=1.12 -march=rv64gc_zicsr_zifencei_h_svinval, then
 * objdump -d -M no-aliases), with objdump's tab after the mnemonic turned
 * into the one space decode_format() writes.  Rows marked "hand-built"
 * are encodings binutils 2.40 does not print as instructions (Zacas's
 * amocas, which it does not know yet, and words the decoder does not
 * know, printed as .word/.short).  tests/test_disasm.py does the same
 * comparison against objdump live, over many more words.
 *
 * Then: every op has a passing row, the text is cut like snprintf's,
 * decode_csr_name() on a few well-known and unknown numbers, and any word
 * at all gives a well-formed text.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"

#define HARNESS_NAME "disasm"
#include "harness.h"

struct row {
	uint32_t raw;
	const char *text;
};

static const struct row rows[] = {
	/* Zicsr: CSRs by name; numbers without one as objdump writes them */
	{ 0x10002573, "csrrs a0,sstatus,zero" },
	{ 0x18051073, "csrrw zero,satp,a0" },
	{ 0x14463373, "csrrc t1,sip,a2" },
	{ 0x7c059573, "csrrw a0,0x7c0,a1" },
	{ 0x00002573, "csrrs a0,0x0,zero" },
	{ 0x10afadf3, "csrrs s11,senvcfg,t6" },
	{ 0x1042d073, "csrrwi zero,sie,5" },
	{ 0xc01067f3, "csrrsi a5,time,0" },
	{ 0xfffff5f3, "csrrci a1,0xfff,31" },
	{ 0x68002573, "csrrs a0,hgatp,zero" },
	{ 0x28002573, "csrrs a0,vsatp,zero" },
	{ 0xb9102573, "csrrs a0,mhpmcounter17h,zero" },
	{ 0x3ef02573, "csrrs a0,pmpaddr63,zero" },
	/* Trap entry/return and wait */
	{ 0x00000073, "ecall" },
	{ 0x00100073, "ebreak" },
	{ 0x10200073, "sret" },
	{ 0x30200073, "mret" },
	{ 0x10500073, "wfi" },
	/* Fences: sfence.vma/hfence.* print both registers, zero included */
	{ 0x12b50073, "sfence.vma a0,a1" },
	{ 0x12000073, "sfence.vma zero,zero" },
	{ 0x16028073, "sinval.vma t0,zero" },
	{ 0x18000073, "sfence.w.inval" },
	{ 0x18100073, "sfence.inval.ir" },
	{ 0x22050073, "hfence.vvma a0,zero" },
	{ 0x62000073, "hfence.gvma zero,zero" },
	{ 0x26c58073, "hinval.vvma a1,a2" },
	{ 0x66940073, "hinval.gvma s0,s1" },
	/* H-extension loads and stores: no offset field, "(rs1)" */
	{ 0x6005c573, "hlv.b a0,(a1)" },
	{ 0x601142f3, "hlv.bu t0,(sp)" },
	{ 0x6405c573, "hlv.h a0,(a1)" },
	{ 0x641fc073, "hlv.hu zero,(t6)" },
	{ 0x6805c573, "hlv.w a0,(a1)" },
	{ 0x6815c573, "hlv.wu a0,(a1)" },
	{ 0x6c01c0f3, "hlv.d ra,(gp)" },
	{ 0x6435c573, "hlvx.hu a0,(a1)" },
	{ 0x6835c573, "hlvx.wu a0,(a1)" },
	{ 0x62a5c073, "hsv.b a0,(a1)" },
	{ 0x6605c073, "hsv.h zero,(a1)" },
	{ 0x6bf94073, "hsv.w t6,(s2)" },
	{ 0x6ea5c073, "hsv.d a0,(a1)" },
	/* Loads and stores: decimal offsets, FP registers by ABI name */
	{ 0x80058503, "lb a0,-2048(a1)" },
	{ 0x7ff59503, "lh a0,2047(a1)" },
	{ 0x0001a203, "lw tp,0(gp)" },
	{ 0xff843503, "ld a0,-8(s0)" },
	{ 0x0015c503, "lbu a0,1(a1)" },
	{ 0x0025d503, "lhu a0,2(a1)" },
	{ 0x0045e503, "lwu a0,4(a1)" },
	{ 0xffc52007, "flw ft0,-4(a0)" },
	{ 0x0105b507, "fld fa0,16(a1)" },
	{ 0x00a58023, "sb a0,0(a1)" },
	{ 0xfea59f23, "sh a0,-2(a1)" },
	{ 0x00012223, "sw zero,4(sp)" },
	{ 0x00b13423, "sd a1,8(sp)" },
	{ 0x7fb2afa7, "fsw fs11,2047(t0)" },
	{ 0x81f53027, "fsd ft11,-2048(a0)" },
	/* Atomics: the ordering bits as mnemonic suffixes */
	{ 0x0eb6252f, "amoswap.w.aqrl a0,a1,(a2)" },
	{ 0x08b6352f, "amoswap.d a0,a1,(a2)" },
	{ 0x04b6252f, "amoadd.w.aq a0,a1,(a2)" },
	{ 0x02b6352f, "amoadd.d.rl a0,a1,(a2)" },
	{ 0x20b6252f, "amoxor.w a0,a1,(a2)" },
	{ 0x20b6352f, "amoxor.d a0,a1,(a2)" },
	{ 0x60b6252f, "amoand.w a0,a1,(a2)" },
	{ 0x60b6352f, "amoand.d a0,a1,(a2)" },
	{ 0x40b6252f, "amoor.w a0,a1,(a2)" },
	{ 0x40b6352f, "amoor.d a0,a1,(a2)" },
	{ 0x80b6252f, "amomin.w a0,a1,(a2)" },
	{ 0x80b6352f, "amomin.d a0,a1,(a2)" },
	{ 0xa0b6252f, "amomax.w a0,a1,(a2)" },
	{ 0xa0b6352f, "amomax.d a0,a1,(a2)" },
	{ 0xc0b6252f, "amominu.w a0,a1,(a2)" },
	{ 0xc0b6352f, "amominu.d a0,a1,(a2)" },
	{ 0xe0b6252f, "amomaxu.w a0,a1,(a2)" },
	{ 0xe600302f, "amomaxu.d.aqrl zero,zero,(zero)" },
	{ 0x1005a52f, "lr.w a0,(a1)" },
	{ 0x1005b52f, "lr.d a0,(a1)" },
	{ 0x160322af, "lr.w.aqrl t0,(t1)" },
	{ 0x1205b52f, "lr.d.rl a0,(a1)" },
	{ 0x18b6252f, "sc.w a0,a1,(a2)" },
	{ 0x1cb6352f, "sc.d.aq a0,a1,(a2)" },
	{ 0x415c, "c.lw a5,4(a0)" },
	/* hand-built: amocas.w.aqrl a0,a1,(a2) and amocas.d a0,a1,(a2)
	 * (funct5 00101; binutils 2.40 prints them as .4byte) */
	{ 0x2eb6252f, "amocas.w.aqrl a0,a1,(a2)" },
	{ 0x28b6352f, "amocas.d a0,a1,(a2)" },
	/* Compressed: full register names, scaled unsigned offsets */
	{ 0x7ce0, "c.ld s0,248(s1)" },
	{ 0x2588, "c.fld fa0,8(a1)" },
	{ 0xdfe8, "c.sw a0,124(a5)" },
	{ 0xe10c, "c.sd a1,0(a0)" },
	{ 0xaa04, "c.fsd fs1,16(a2)" },
	{ 0x4082, "c.lwsp ra,0(sp)" },
	{ 0x5ffe, "c.lwsp t6,252(sp)" },
	{ 0x757e, "c.ldsp a0,504(sp)" },
	{ 0x2442, "c.fldsp fs0,16(sp)" },
	{ 0xc202, "c.swsp zero,4(sp)" },
	{ 0xe406, "c.sdsp ra,8(sp)" },
	{ 0xbffe, "c.fsdsp ft11,504(sp)" },
	{ 0x9002, "c.ebreak" },
	/* hand-built: a compressed word's upper half is not looked at */
	{ 0xdead415c, "c.lw a5,4(a0)" },

	/* hand-built: words the decoder does not know print as data */
	{ 0x00c58533, ".word 0x00c58533" },	/* add a0,a1,a2 */
	{ 0xffffffff, ".word 0xffffffff" },
	{ 0x00000000, ".short 0x0000" },	/* the all-zero illegal instruction */
	{ 0x00000001, ".short 0x0001" },	/* c.nop */
	{ 0xdead0001, ".short 0x0001" },
	{ 0x00004002, ".short 0x4002" },	/* c.lwsp zero,0(sp): reserved */
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* decode_format() of raw, decoded first, into buf. */
static int format(uint32_t raw, char *buf, size_t size)
{
	struct decode_insn d;

	decode_insn(raw, &d);
	return decode_format(&d, raw, buf, size);
}

int main(void)
{
	bool covered[DECODE_OP_COUNT] = { false };
	char buf[64];

	/* 1. The table. */
	for (size_t i = 0; i < NROWS; i++) {
		struct decode_insn d;
		int n;

		harness_begin("0x%08x %s", rows[i].raw, rows[i].text);
		memset(buf, 0x5a, sizeof(buf));
		decode_insn(rows[i].raw, &d);
		n = decode_format(&d, rows[i].raw, buf, sizeof(buf));
		HARNESS_CHECKF(!strcmp(buf, rows[i].text), "got \"%s\"", buf);
		HARNESS_EQ_NAMED("returned length", n, strlen(rows[i].text));
		if (harness_end())
			covered[d.op] = true;
	}

	/* 2. Every op has a passing row (so op_syntax[] has every op). */
	for (int op = 0; op < DECODE_OP_COUNT; op++)
		HARNESS_CHECKF(covered[op], "op %s (%d) has no passing row",
			       decode_op_name((enum decode_op)op), op);

	/* 3. Cut short like snprintf: at most size bytes with the NUL, the
	 * return value is still the whole length; size 0 writes nothing. */
	{
		const char *full = "amoswap.w.aqrl a0,a1,(a2)";
		int len = (int)strlen(full);

		memset(buf, 0x5a, sizeof(buf));
		HARNESS_EQ(format(0x0eb6252f, buf, 8), len);
		HARNESS_CHECKF(!strcmp(buf, "amoswap"), "cut to 8: \"%s\"", buf);
		HARNESS_EQ((unsigned char)buf[8], 0x5a);
		HARNESS_EQ(format(0x0eb6252f, buf, 1), len);
		HARNESS_EQ(buf[0], '\0');
		buf[0] = 'x';
		HARNESS_EQ(format(0x0eb6252f, buf, 0), len);
		HARNESS_EQ(buf[0], 'x');
		HARNESS_EQ(format(0x0eb6252f, NULL, 0), len);
	}

	/* 4. The longest texts fit the 64 bytes decode.h promises. */
	HARNESS_CHECK(format(0xe7ffb02f, buf, sizeof(buf)) < 64);	/* amomaxu.d.aqrl */
	HARNESS_CHECK(format(0xb9ffeff3, buf, sizeof(buf)) < 64);	/* csrrsi mhpmcounter..h */

	/* 5. CSR names: a few by number; none for a custom or unused one, nor
	 * for numbers past 12 bits; every name is on one number only. */
	HARNESS_CHECK(!strcmp(decode_csr_name(0x100), "sstatus"));
	HARNESS_CHECK(!strcmp(decode_csr_name(0x001), "fflags"));
	HARNESS_CHECK(!strcmp(decode_csr_name(0x10a), "senvcfg"));
	HARNESS_CHECK(!strcmp(decode_csr_name(0x3b0), "pmpaddr0"));
	HARNESS_CHECK(!strcmp(decode_csr_name(0x3ef), "pmpaddr63"));
	HARNESS_CHECK(!strcmp(decode_csr_name(0xc03), "hpmcounter3"));
	HARNESS_CHECK(!strcmp(decode_csr_name(0xc9f), "hpmcounter31h"));
	HARNESS_CHECK(!strcmp(decode_csr_name(0xf14), "mhartid"));
	HARNESS_CHECK(!strcmp(decode_csr_name(0xfb0), "mtopi"));
	HARNESS_CHECK(decode_csr_name(0x000) == NULL);	/* 1.11's ustatus */
	HARNESS_CHECK(decode_csr_name(0x7c0) == NULL);	/* custom */
	HARNESS_CHECK(decode_csr_name(0xfff) == NULL);
	HARNESS_CHECK(decode_csr_name(0x1100) == NULL);	/* 0x100 + bit 12 */
	HARNESS_CHECK(decode_csr_name(0xffff) == NULL);
	{
		const char *seen[4096] = { NULL };
		unsigned named = 0;

		for (unsigned c = 0; c < 4096; c++) {
			const char *name = decode_csr_name((uint16_t)c);

			if (!name)
				continue;
			named++;
			for (unsigned d = 0; d < c; d++)
				if (seen[d] && !strcmp(seen[d], name))
					harness_fail("csr 0x%x and 0x%x are both \"%s\"", d, c, name);
			seen[c] = name;
		}
		/* binutils 2.40, priv. spec 1.12: 407 named CSRs (test_disasm.py
		 * compares each of them with objdump). */
		HARNESS_EQ_NAMED("named CSRs", named, 407);
	}

	/* 6. Any word at all: every 16-bit one, and 2^20 32-bit ones from a
	 * fixed xorshift sequence.  The text fits 64 bytes, is terminated,
	 * and is as long as the return value says. */
	{
		uint32_t x = 0x2545f491;
		unsigned bad = 0;

		for (uint32_t i = 0; i < 0x10000 + (1u << 20); i++) {
			uint32_t raw;
			int n;

			if (i < 0x10000) {
				raw = i;
			} else {
				x ^= x << 13;
				x ^= x >> 17;
				x ^= x << 5;
				raw = x;
			}
			memset(buf, 0x5a, sizeof(buf));
			n = format(raw, buf, sizeof(buf));
			if (n <= 0 || n >= (int)sizeof(buf) || strlen(buf) != (size_t)n) {
				if (bad++ < 5)
					harness_fail("0x%08x: returned %d, \"%.*s\"", raw, n,
						     (int)sizeof(buf), buf);
			}
		}
		HARNESS_EQ_NAMED("words with a bad text", bad, 0);
	}

	return harness_done();
}
