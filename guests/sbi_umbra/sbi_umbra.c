/*
 * sbi_umbra - what Umbra's SBI offers beyond OpenSBI 1.1, so it cannot be
 * compared with a native run: spec version 2.0, Umbra's implementation id,
 * and the debug console (DBCN).  tests/test_sbi.py checks the output.
 */
#include "../lib/guest.h"

static char msg[] = "dbcn: hello through DBCN write\n";

int main(void)
{
	struct sbiret r;

	r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION);
	cprintf("spec version: %ld.%ld\n", (r.value >> 24) & 0x7f, r.value & 0xffffff);
	r = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID);
	cprintf("impl id: 0x%lx\n", r.value);
	r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, SBI_EXT_DBCN);
	cprintf("probe DBCN: %ld\n", r.value);

	/* DBCN write: num_bytes, base address low, high (guest-physical). */
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, sizeof(msg) - 1, (unsigned long)msg, 0);
	cprintf("write: error %ld, wrote %ld\n", r.error, r.value);
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE_BYTE, '!');
	cprintf("\nwrite_byte: error %ld\n", r.error);
	/* Nothing typed: a read returns 0 bytes. */
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_READ, 8, (unsigned long)msg, 0);
	cprintf("read: error %ld, read %ld\n", r.error, r.value);
	/* Buffers outside guest RAM, or above 64 bits, are refused. */
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, 16, 0x1000, 0);
	cprintf("write outside RAM: error %ld\n", r.error);
	r = sbi_call(SBI_EXT_DBCN, SBI_DBCN_WRITE, 16, (unsigned long)msg, 1);
	cprintf("write with high address bits: error %ld\n", r.error);
	r = sbi_call(SBI_EXT_DBCN, 7);
	cprintf("unknown DBCN function: error %ld\n", r.error);
	sbi_shutdown(0);
}
