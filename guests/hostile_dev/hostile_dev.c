/*
 * hostile_dev - every register of the emulated devices, at every width and
 * offset, read and written: the NS16550A UART (0x10000000, 0x100 bytes in
 * the DT), the PLIC (0x0c000000, 0x600000: priorities, pending bits,
 * enables and threshold/claim of every context, existing or not, reserved
 * gaps), the virtio-mmio transports the device tree lists (a page each),
 * the holes between and after them, and loads, stores, AMOs, LR and FP
 * accesses that a device cannot sensibly take.
 *
 * What the 16550 datasheet, the PLIC spec and virtio 1.x (4.2.2) define is
 * printed and checked: register read-back and writable bits with byte
 * (UART) and aligned 32-bit (PLIC, virtio) accesses, the UART's THRE
 * interrupt through the PLIC to sip.SEIP and a claim, the PLIC's WARL
 * priorities and thresholds, read-only pending bits, contexts that do not
 * exist, virtio's MagicValue and Version, access faults where nothing is
 * decoded.  The rest (wider, narrower or misaligned accesses than a
 * register takes, AMOs, LR, FP loads and stores) is implementation-defined,
 * and QEMU 10 and Umbra answer differently: QEMU's UART decodes 8 bytes
 * (Umbra 0x100), QEMU splits misaligned accesses into bytes and lets AMOs,
 * LR and FP accesses reach a device (Umbra gives an access fault), QEMU's
 * virtio-mmio window is 0x200 bytes and ignores non-32-bit register
 * accesses (Umbra: 0x1000, access fault), QEMU's PLIC takes a 64-bit
 * access at 4 mod 8 as two registers (Umbra: access fault).  For those the
 * guest only checks that it survives, that nothing it did leaks into what
 * the defined accesses show afterwards, and that the devices still work.  Checks of virtio devices that exist only under one of the two
 * machines (QEMU has no virtio-console here, Umbra no empty transports)
 * print nothing unless they fail.
 *
 * Natively the UART is also the firmware's console: nothing is printed
 * while the UART is in a state where OpenSBI's output would be lost (DLAB
 * set, loopback) - the state is restored first.
 */
#include <stdio.h>
#include <string.h>
#include "../lib/guest.h"
#include "../lib/fdt.h"
#include "../lib/virtio_mmio.h"

#define UART      0x10000000UL
#define PLIC      0x0c000000UL
#define PLIC_SIZE 0x600000UL
#define VIRTIO0   0x10001000UL
#define VIRTIO_N  8
#define UART_IRQ  10

/* ---- Accesses that may fault ------------------------------------------------ */

unsigned long dev_wval;		/* what the store stubs store */

TRAP_FN(ld1, "lbu a0, 0(a0)");
TRAP_FN(ld2, "lhu a0, 0(a0)");
TRAP_FN(ld4, "lwu a0, 0(a0)");
TRAP_FN(ld8, "ld a0, 0(a0)");
TRAP_FN(st1, "la t0, dev_wval\nld t0, 0(t0)\nsb t0, 0(a0)");
TRAP_FN(st2, "la t0, dev_wval\nld t0, 0(t0)\nsh t0, 0(a0)");
TRAP_FN(st4, "la t0, dev_wval\nld t0, 0(t0)\nsw t0, 0(a0)");
TRAP_FN(st8, "la t0, dev_wval\nld t0, 0(t0)\nsd t0, 0(a0)");
TRAP_FN(amoswap_w, "la t0, dev_wval\nld t0, 0(t0)\namoswap.w a0, t0, (a0)");
TRAP_FN(amoadd_d, "li t0, 0\namoadd.d a0, t0, (a0)");
TRAP_FN(lr_w, "lr.w a0, (a0)");
TRAP_FN(flw_, "flw fa0, 0(a0)\nfmv.x.w a0, fa0");
TRAP_FN(fld_, "fld fa0, 0(a0)\nfmv.x.d a0, fa0");
TRAP_FN(fsw_, "fmv.w.x fa0, zero\nfsw fa0, 0(a0)");
TRAP_FN(c_lw, ".option rvc\nc.lw a0, 0(a0)\nc.nop");

static const trap_fn lds[4] = { ld1, ld2, ld4, ld8 };
static const trap_fn sts[4] = { st1, st2, st4, st8 };

static unsigned long accesses, faults;

/* Read 'w' bytes (w index 0..3: 1, 2, 4, 8) at a: -1 and *v, or the trap cause. */
static long rd(unsigned long a, int wi, unsigned long *v)
{
	struct trap_record t;

	accesses++;
	expect_trap(lds[wi], a, &t);
	if (v)
		*v = t.taken ? 0 : t.ret;
	if (t.taken)
		faults++;
	return t.taken ? (long)t.scause : -1;
}

static long wr(unsigned long a, int wi, unsigned long v)
{
	struct trap_record t;

	accesses++;
	dev_wval = v;
	asm volatile("" ::: "memory");
	expect_trap(sts[wi], a, &t);
	if (t.taken)
		faults++;
	return t.taken ? (long)t.scause : -1;
}

static long other(trap_fn fn, unsigned long a, unsigned long v)
{
	struct trap_record t;

	accesses++;
	dev_wval = v;
	asm volatile("" ::: "memory");
	expect_trap(fn, a, &t);
	if (t.taken)
		faults++;
	return t.taken ? (long)t.scause : -1;
}

/* Plain accesses for registers that must work (a fault is an UNEXPECTED TRAP). */
static inline uint8_t r8(unsigned long a) { return *(volatile uint8_t *)a; }
static inline void w8(unsigned long a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline uint32_t r32(unsigned long a) { return *(volatile uint32_t *)a; }
static inline void w32(unsigned long a, uint32_t v) { *(volatile uint32_t *)a = v; }

static const char *fault_str(long c)
{
	static char b[4][24];
	static unsigned n;
	char *s = b[n++ % 4];

	if (c < 0)
		return "no fault";
	snprintf(s, sizeof(b[0]), "scause=%ld", c);
	return s;
}

/* ---- The device tree: the virtio-mmio transports (lib/fdt.h finds them) ------ */

static unsigned long vio_base[16];
static unsigned vio_n;

/* ---- UART --------------------------------------------------------------------------- */

#define U_RBR 0
#define U_IER 1
#define U_IIR 2
#define U_FCR 2
#define U_LCR 3
#define U_MCR 4
#define U_LSR 5
#define U_MSR 6
#define U_SCR 7

/* 8N1, FIFOs on and empty, no interrupts, no loopback: what a driver sets. */
static void uart_init_state(void)
{
	w8(UART + U_LCR, 0x03);
	w8(UART + U_IER, 0x00);
	w8(UART + U_FCR, 0x07);
	w8(UART + U_MCR, 0x00);
	/* Anything left in the receiver from garbage writes in loopback. */
	for (int i = 0; i < 32 && (r8(UART + U_LSR) & 1); i++)
		r8(UART + U_RBR);
	r8(UART + U_LSR);	/* clears latched errors */
	r8(UART + U_IIR);	/* clears a THRE indication */
}

static void uart_show(const char *when)
{
	uint8_t ier = r8(UART + U_IER), iir = r8(UART + U_IIR), lcr = r8(UART + U_LCR),
		mcr = r8(UART + U_MCR), lsr = r8(UART + U_LSR);

	r8(UART + U_MSR);	/* read, not printed: modem lines are the machine's */
	cprintf("%s: IER=0x%02x IIR=0x%02x LCR=0x%02x MCR=0x%02x LSR=0x%02x\n", when, ier, iir,
		lcr, mcr, lsr);
	check(ier == 0 && iir == 0xc1 && lcr == 0x03 && mcr == 0 && lsr == 0x60,
	      "%s: IER 0, IIR 0xc1 (FIFOs on, nothing pending), LCR 0x03, MCR 0, LSR 0x60 (THR and "
	      "transmitter empty)", when);
}

static void plic_enable_s(unsigned src, int on);
static unsigned plic_s_claim(void);
static void plic_s_complete(unsigned src);
static int plic_pending(unsigned src);

static void test_uart(void)
{
	uint8_t v[4];

	cprintf("-- UART 0x10000000 (NS16550A), byte registers\n");
	uart_init_state();
	uart_show("after init");

	static const uint8_t pat[] = { 0x00, 0xff, 0xa5, 0x5a };
	int ok = 1;
	for (unsigned i = 0; i < ARRAY_SIZE(pat); i++) {
		w8(UART + U_SCR, pat[i]);
		v[i] = r8(UART + U_SCR);
		ok &= v[i] == pat[i];
	}
	cprintf("SCR 0x00 0xff 0xa5 0x5a -> 0x%02x 0x%02x 0x%02x 0x%02x\n", v[0], v[1], v[2], v[3]);
	check(ok, "SCR keeps every pattern");

	w8(UART + U_IER, 0xf0);
	v[0] = r8(UART + U_IER);
	w8(UART + U_IER, 0);
	w8(UART + U_MCR, 0xef);		/* all but LOOP */
	v[1] = r8(UART + U_MCR);
	w8(UART + U_MCR, 0);
	cprintf("IER 0xf0 -> 0x%02x, MCR 0xef -> 0x%02x\n", v[0], v[1]);
	check(v[0] == 0 && v[1] == 0x0f, "IER bits 7:4 and MCR bits 7:5 read 0");

	/* Divisor latch: DLAB = 1 maps DLL/DLM at 0/1.  No printing meanwhile. */
	w8(UART + U_LCR, 0x83);
	uint8_t dll = r8(UART + 0), dlm = r8(UART + 1);
	w8(UART + 0, 0x12);
	w8(UART + 1, 0x34);
	v[0] = r8(UART + 0);
	v[1] = r8(UART + 1);
	v[2] = r8(UART + U_LCR);
	w8(UART + 0, dll);
	w8(UART + 1, dlm);
	w8(UART + U_LCR, 0x03);
	v[3] = r8(UART + U_IER);
	cprintf("DLAB=1: DLL 0x12 -> 0x%02x, DLM 0x34 -> 0x%02x, LCR 0x%02x; DLAB=0: IER 0x%02x\n",
		v[0], v[1], v[2], v[3]);
	check(v[0] == 0x12 && v[1] == 0x34 && v[2] == 0x83 && v[3] == 0,
	      "the divisor latch is separate from RBR/IER");

	/*
	 * THR empty interrupt: IER.ETBEI with an empty THR raises it (IIR
	 * 0xc2); the UART's PLIC source 10 becomes pending, the S context's
	 * EIP (sip.SEIP) rises, a claim returns 10; reading IIR while it shows
	 * THRE clears the indication, and after completion nothing is left.
	 * SIE stays 0: observed, not taken.  (Nothing printed meanwhile: on
	 * the native machine the firmware writes this UART.)
	 */
	unsigned long sie = csr_read(CSR_SIE);
	uint32_t th1 = r32(PLIC + 0x201000);
	csr_clear(CSR_SSTATUS, SSTATUS_SIE);
	w32(PLIC + 4 * UART_IRQ, 1);
	plic_enable_s(UART_IRQ, 1);
	w32(PLIC + 0x201000, 0);
	w8(UART + U_IER, 0x02);
	unsigned long deadline = deadline_ms(20);
	while (!(csr_read(CSR_SIP) & SIP_SEIP) && rdtime() < deadline)
		;
	int seip1 = !!(csr_read(CSR_SIP) & SIP_SEIP);
	int pend1 = plic_pending(UART_IRQ);
	unsigned claimed = plic_s_claim();
	uint8_t iir1 = r8(UART + U_IIR);
	uint8_t iir2 = r8(UART + U_IIR);
	w8(UART + U_IER, 0);
	plic_s_complete(claimed);
	int pend2 = plic_pending(UART_IRQ);
	int seip2 = !!(csr_read(CSR_SIP) & SIP_SEIP);
	plic_enable_s(UART_IRQ, 0);
	w32(PLIC + 4 * UART_IRQ, 0);
	w32(PLIC + 0x201000, th1);
	csr_write(CSR_SIE, sie);
	cprintf("IER=0x02: sip.SEIP %d, PLIC pending[10] %d, claim %u, IIR 0x%02x then 0x%02x; "
		"completed: pending[10] %d, sip.SEIP %d\n", seip1, pend1, claimed, iir1, iir2, pend2, seip2);
	check(seip1 && pend1 && claimed == UART_IRQ && iir1 == 0xc2 && iir2 == 0xc1 && !pend2 && !seip2,
	      "THRE interrupt: SEIP, pending, claim 10, IIR 0xc2 then 0xc1, then quiet");

	/*
	 * Aligned 16- and 32-bit reads of a register: QEMU's and Umbra's 16550
	 * both return the byte register (zero-extended).  Not in the datasheet,
	 * but both machines agree, and Linux with reg-io-width 4 relies on it.
	 */
	uart_init_state();
	w8(UART + U_SCR, 0xa5);
	unsigned long x;
	ok = 1;
	for (int wi = 1; wi <= 2; wi++) {
		for (unsigned off = 0; off < 8; off += 1u << wi) {
			if (off == U_RBR)
				continue;
			long c = rd(UART + off, wi, &x);
			ok &= c < 0 && x == (off == 4 ? 0 : r8(UART + off));
		}
	}
	check(ok, "aligned 16/32-bit reads of registers 2-7 return the byte register");

	/*
	 * The attack: every offset 0-0xff, every width, aligned or not, read
	 * and written (not THR at 0, which would print; 0 elsewhere, so
	 * nothing ends up in loopback or with DLAB set for long).  QEMU decodes
	 * 8 bytes and splits misaligned accesses; Umbra decodes 0x100 and acts
	 * on one byte register: survival is what is checked.
	 */
	accesses = faults = 0;
	for (unsigned off = 0; off < 0x100; off++)
		for (int wi = 0; wi < 4; wi++)
			rd(UART + off, wi, 0);
	for (unsigned off = 1; off < 0x100; off++)
		for (int wi = 0; wi < 4; wi++)
			wr(UART + off, wi, off == U_SCR ? 0x5a5a5a5a5a5a5a5aUL : 0);
	other(amoswap_w, UART + 4, 0);	/* (not at 0: natively it would print) */
	other(lr_w, UART + 4, 0);
	csr_set(CSR_SSTATUS, SSTATUS_FS_INITIAL);
	other(flw_, UART + 4, 0);
	other(fld_, UART, 0);
	other(fsw_, UART + 4, 0);
	csr_clear(CSR_SSTATUS, SSTATUS_FS);
	other(c_lw, UART + 4, 0);
	uart_init_state();
	cprintf("hostile UART accesses: done, %s\n", accesses > 2000 ? "all returned" : "?");
	uart_show("after the attack and init");
	w8(UART + U_SCR, 0x3c);
	check(r8(UART + U_SCR) == 0x3c, "SCR still works");
	cprintf("THR still prints: ");
	w8(UART + 0, 'O');
	w8(UART + 0, 'K');
	w8(UART + 0, '\n');
	while (!(r8(UART + U_LSR) & 0x40))
		;
}

/* ---- PLIC ----------------------------------------------------------------------------- */

#define P_PRIO(s)      (PLIC + 4 * (s))
#define P_PEND(w)      (PLIC + 0x1000 + 4 * (w))
#define P_EN(c, w)     (PLIC + 0x2000 + 0x80 * (c) + 4 * (w))
#define P_THRESH(c)    (PLIC + 0x200000 + 0x1000 * (c))
#define P_CLAIM(c)     (PLIC + 0x200000 + 0x1000 * (c) + 4)
#define CTX_S 1		/* hart 0's S-mode context on QEMU virt */

static void plic_enable_s(unsigned src, int on)
{
	uint32_t e = r32(P_EN(CTX_S, src / 32));
	w32(P_EN(CTX_S, src / 32), on ? e | 1u << (src % 32) : e & ~(1u << (src % 32)));
}

static unsigned plic_s_claim(void) { return r32(P_CLAIM(CTX_S)); }
static void plic_s_complete(unsigned src) { w32(P_CLAIM(CTX_S), src); }
static int plic_pending(unsigned src) { return (r32(P_PEND(src / 32)) >> (src % 32)) & 1; }

/* Runs of equal values over an index range, printed as "a-b:v a-b:v". */
struct runs {
	char buf[200];
	unsigned len;
	long start, last;
	unsigned long val;
};

static void runs_add(struct runs *r, long i, unsigned long v)
{
	if (r->start >= 0 && v == r->val && i == r->last + 1) {
		r->last = i;
		return;
	}
	if (r->start >= 0 && r->len < sizeof(r->buf) - 40)
		r->len += snprintf(r->buf + r->len, sizeof(r->buf) - r->len, " %ld-%ld:0x%lx",
				   r->start, r->last, r->val);
	r->start = r->last = i;
	r->val = v;
}

static const char *runs_end(struct runs *r)
{
	runs_add(r, -2, 0);
	return r->buf;
}

/* Every source's priority below nsrc after writing all ones to it (then 0
 * again), as runs in rs. */
static const char *prio_runs(struct runs *rs, unsigned nsrc)
{
	*rs = (struct runs){ .start = -1 };
	for (unsigned s = 0; s < nsrc; s++) {
		w32(P_PRIO(s), 0xffffffff);
		runs_add(rs, s, r32(P_PRIO(s)));
		w32(P_PRIO(s), 0);
	}
	return runs_end(rs);
}

static void test_plic(void)
{
	unsigned long v;
	struct runs rs;

	cprintf("-- PLIC 0x0c000000\n");
	/* The thresholds as found (the firmware may have set them), restored at the end. */
	uint32_t th0 = r32(P_THRESH(0)), th1 = r32(P_THRESH(1));

	/* Priorities: WARL, sources 1..95 exist (riscv,ndev = 95). */
	cprintf("priority after writing 0xffffffff, by source:%s\n", prio_runs(&rs, 1024));
	check(!strcmp(rs.buf, " 0-0:0x0 1-95:0x7 96-1023:0x0"),
	      "priorities: 3 bits for sources 1-95, source 0 and 96-1023 hardwired 0");

	/* Pending bits: read-only, nothing pending. */
	rs = (struct runs){ .start = -1 };
	for (unsigned w = 0; w < 32; w++) {
		w32(P_PEND(w), 0xffffffff);
		runs_add(&rs, w, r32(P_PEND(w)));
	}
	cprintf("pending words after writing 0xffffffff:%s\n", runs_end(&rs));
	check(!strcmp(rs.buf, " 0-31:0x0"), "pending bits are read-only (and none is pending)");

	/*
	 * Enables of hart 0's S context (1) and of contexts that do not
	 * exist.  Bit 0 of word 0 (source 0) is writable on QEMU, hardwired 0
	 * on Umbra: not printed.  The M context (0) is left alone: natively
	 * it belongs to the firmware.
	 */
	rs = (struct runs){ .start = -1 };
	for (unsigned w = 0; w < 32; w++) {
		w32(P_EN(CTX_S, w), 0xffffffff);
		runs_add(&rs, w, r32(P_EN(CTX_S, w)) & (w ? ~0u : ~1u));
		w32(P_EN(CTX_S, w), 0);
	}
	cprintf("S context enables after writing 0xffffffff (source 0 masked):%s\n", runs_end(&rs));
	check(!strcmp(rs.buf, " 0-0:0xfffffffe 1-2:0xffffffff 3-31:0x0"),
	      "enables: sources 1-95");
	static const unsigned no_ctx[] = { 2, 3, 15, 16, 17, 100, 1000, 15871 };
	int ok = 1;
	for (unsigned i = 0; i < ARRAY_SIZE(no_ctx); i++)
		for (unsigned w = 0; w < 32; w += 31) {
			w32(P_EN(no_ctx[i], w), 0xffffffff);
			ok &= r32(P_EN(no_ctx[i], w)) == 0;
		}
	cprintf("enables of contexts 2, 3, 15, 16, 17, 100, 1000, 15871: %s\n",
		ok ? "read 0 after writes" : "keep bits");
	check(ok, "contexts that do not exist have no enable bits");

	/* Thresholds: 3 bits, like priorities. */
	w32(P_THRESH(CTX_S), 0xffffffff);
	v = r32(P_THRESH(CTX_S));
	w32(P_THRESH(CTX_S), 0);
	cprintf("S context threshold after writing 0xffffffff: 0x%lx, after 0: 0x%x\n", v,
		r32(P_THRESH(CTX_S)));
	check(v == 7 && r32(P_THRESH(CTX_S)) == 0, "threshold: 3 bits");
	/* Nothing pending: a claim returns 0; completing bogus ids is ignored. */
	unsigned c = plic_s_claim();
	static const uint32_t bogus[] = { 0, 1, 95, 96, 1023, 1024, 0xffffffff };
	for (unsigned i = 0; i < ARRAY_SIZE(bogus); i++)
		plic_s_complete(bogus[i]);
	cprintf("claim with nothing pending: %u; completions of 0, 1, 95, 96, 1023, 1024, -1: "
		"ignored\n", c);
	check(c == 0, "an empty claim returns 0");

	/* Contexts that do not exist: threshold and claim read 0, writes ignored. */
	ok = 1;
	for (unsigned ctx = 2; ctx < 1024; ctx++) {
		w32(P_THRESH(ctx), 0xffffffff);
		w32(P_CLAIM(ctx), 0xffffffff);
		w32(P_THRESH(ctx) + 8, 0xffffffff);
		ok &= r32(P_THRESH(ctx)) == 0 && r32(P_CLAIM(ctx)) == 0 &&
		      r32(P_THRESH(ctx) + 8) == 0 && r32(P_THRESH(ctx) + 0xffc) == 0;
	}
	cprintf("contexts 2-1023: threshold, claim and reserved words %s\n",
		ok ? "read 0 after writes" : "keep values");
	check(ok, "contexts that do not exist read 0");

	/* Reserved words: between pending and enables, after the enables, in the context pages. */
	ok = 1;
	static const unsigned long reserved[] = {
		0x1080, 0x1ffc, 0x1f2000, 0x1ffffc, 0x200008, 0x200ffc, 0x201008, 0x201ffc, 0x5ffffc,
	};
	for (unsigned i = 0; i < ARRAY_SIZE(reserved); i++) {
		w32(PLIC + reserved[i], 0xffffffff);
		ok &= r32(PLIC + reserved[i]) == 0;
	}
	cprintf("reserved words: %s\n", ok ? "read 0 after writes" : "keep values");
	check(ok, "reserved words read 0");

	/* Widths: the PLIC takes naturally aligned 32-bit accesses only. */
	static const struct { unsigned long off; int wi; const char *what; } bad[] = {
		{ 4, 0, "8-bit" }, { 5, 0, "8-bit at +1" }, { 4, 1, "16-bit" }, { 6, 1, "16-bit at +2" },
		{ 5, 2, "32-bit at +1" }, { 6, 2, "32-bit at +2" }, { 7, 2, "32-bit at +3" },
		{ 8, 3, "64-bit (aligned)" }, { 0x200000, 3, "64-bit threshold+claim" },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		long lc = rd(PLIC + bad[i].off, bad[i].wi, 0);
		long sc = wr(PLIC + bad[i].off, bad[i].wi, 0);
		cprintf("%-24s at 0x%06lx: load %s, store %s\n", bad[i].what, bad[i].off,
			fault_str(lc), fault_str(sc));
		check(lc == CAUSE_LOAD_ACCESS && sc == CAUSE_STORE_ACCESS,
		      "%s: access faults", bad[i].what);
	}
	/* Past the PLIC: nothing. */
	static const unsigned long past[] = { PLIC + PLIC_SIZE, PLIC + PLIC_SIZE + 0x1000,
					      0x0c800000UL, 0x0ffffffcUL };
	for (unsigned i = 0; i < ARRAY_SIZE(past); i++) {
		long lc = rd(past[i], 2, 0), sc = wr(past[i], 2, 0);
		cprintf("0x%08lx: load %s, store %s\n", past[i], fault_str(lc), fault_str(sc));
		check(lc == CAUSE_LOAD_ACCESS && sc == CAUSE_STORE_ACCESS,
		      "0x%lx: nothing there", past[i]);
	}

	/*
	 * The attack: every offset of the priority/pending/enable area at
	 * every width, read and (0xffffffff) written, every context page's
	 * first 16 bytes at every width, a word per page everywhere else; then
	 * 64-bit accesses straddling two registers (QEMU splits those at 4
	 * mod 8, Umbra refuses them), AMOs, LR, FP accesses.  Priorities only
	 * ever go up to 7 and thresholds are never lowered while sources are
	 * enabled, so the firmware's M context never fires natively.
	 */
	w32(P_THRESH(CTX_S), 7);
	accesses = faults = 0;
	for (unsigned long off = 0; off < 0x2100; off++)
		for (int wi = 0; wi < 4; wi++)
			if (!(wi == 3 && off % 8 == 4)) {
				rd(PLIC + off, wi, 0);
				if (off < 0x2000 || off >= 0x2080)	/* not the M context */
					wr(PLIC + off, wi, 0xffffffffffffffffUL);
			}
	for (unsigned long off = 0x2100; off < 0x200000; off += 0x1000 - 4)
		rd(PLIC + off, 2, 0), wr(PLIC + off, 2, 0xffffffff);
	for (unsigned ctx = 0; ctx < 1024; ctx += ctx < 4 ? 1 : 97)
		for (unsigned long off = 0; off < 16; off++)
			for (int wi = 0; wi < 4; wi++) {
				unsigned long a = P_THRESH(ctx) + off;
				if (wi == 3 && off % 8 == 4)
					continue;
				rd(a, wi, 0);
				if (ctx >= 2 || off >= 4)
					wr(a, wi, 0xffffffffffffffffUL);
			}
	for (unsigned long off = 0x200000; off < PLIC_SIZE; off += 0x1000 - 4)
		rd(PLIC + off, 2, 0);
	/* Natively these reach two registers at once; both must end up in range. */
	for (unsigned long off = 4; off < 0x80; off += 8)
		rd(PLIC + off, 3, 0), wr(PLIC + off, 3, 0xffffffffffffffffUL);
	other(amoswap_w, P_PRIO(3), 0xffffffff);
	other(amoadd_d, P_PRIO(4), 0);
	other(lr_w, P_PRIO(3), 0);
	csr_set(CSR_SSTATUS, SSTATUS_FS_INITIAL);
	other(flw_, P_PRIO(3), 0);
	other(fld_, P_PRIO(4), 0);
	other(fsw_, P_PRIO(3), 0);
	csr_clear(CSR_SSTATUS, SSTATUS_FS);
	other(c_lw, P_PRIO(3), 0);
	cprintf("hostile PLIC accesses: done, %s\n", accesses > 50000 ? "all returned" : "?");

	/* Back to a clean state; the thresholds as they were. */
	for (unsigned s = 0; s < 128; s++)
		w32(P_PRIO(s), 0);
	for (unsigned w = 0; w < 4; w++)
		w32(P_EN(CTX_S, w), 0);
	for (unsigned i = 0; i < 128 && (c = plic_s_claim()) != 0; i++)
		plic_s_complete(c);
	w32(P_THRESH(1), th1);
	w32(P_THRESH(0), th0);
	cprintf("after the attack, priorities:%s\n", prio_runs(&rs, 128));
	check(!strcmp(rs.buf, " 0-0:0x0 1-95:0x7 96-127:0x0"), "priorities still WARL");
	check(!(csr_read(CSR_SIP) & SIP_SEIP), "no S external interrupt left pending");
}

/* ---- virtio-mmio ------------------------------------------------------------------------- */

/* (The registers: lib/virtio_mmio.h.) */

/*
 * A live device (DeviceID != 0), only on one of the machines here: these
 * checks print nothing unless they fail (virtio 1.x 4.2.2, 2.1, 6).
 */
static void virtio_quiet_checks(unsigned long b)
{
	uint32_t id = r32(b + V_DEVID);

	w32(b + V_STATUS, 0);
	if (r32(b + V_STATUS) != 0)
		check(0, "virtio@0x%lx: Status reads 0 after reset", b);
	w32(b + V_STATUS, 1);
	w32(b + V_STATUS, 3);
	if (r32(b + V_STATUS) != 3)
		check(0, "virtio@0x%lx: Status ACKNOWLEDGE|DRIVER reads back", b);
	w32(b + V_DFEATSEL, 1);
	if (!(r32(b + V_DFEAT) & 1))
		check(0, "virtio@0x%lx: VIRTIO_F_VERSION_1 offered", b);
	/* (A QueueSel of 1024 or more QEMU ignores: it keeps the old one.) */
	w32(b + V_QSEL, 7);
	if (r32(b + V_QNUMMAX) != 0 || r32(b + V_QREADY) != 0)
		check(0, "virtio@0x%lx: a queue that does not exist has QueueNumMax 0, not ready", b);
	w32(b + V_QSEL, 0);
	if (r32(b + V_QNUMMAX) == 0)
		check(0, "virtio@0x%lx: queue 0 exists", b);
	w32(b + V_MAGIC, 0);
	w32(b + V_VERSION, 0);
	w32(b + V_DEVID, 0);
	if (r32(b + V_MAGIC) != VIRTIO_MMIO_MAGIC || r32(b + V_VERSION) != 2 || r32(b + V_DEVID) != id)
		check(0, "virtio@0x%lx: read-only registers ignore writes", b);
	if (r32(b + V_CFGGEN) != r32(b + V_CFGGEN))
		check(0, "virtio@0x%lx: ConfigGeneration stable", b);
	w32(b + V_STATUS, 0);
	if (r32(b + V_STATUS) != 0 || r32(b + V_ISTATUS) != 0)
		check(0, "virtio@0x%lx: reset clears Status and InterruptStatus", b);
}

static void test_virtio(void)
{
	cprintf("-- virtio-mmio transports in the device tree\n");
	vio_n = fdt_compatible(boot_dtb, "virtio,mmio", vio_base, ARRAY_SIZE(vio_base));
	int ok = vio_n > 0;
	for (unsigned i = 0; i < vio_n; i++) {
		unsigned long b = vio_base[i];
		ok &= b >= VIRTIO0 && b < VIRTIO0 + VIRTIO_N * 0x1000 && !(b & 0xfff);
		ok &= r32(b + V_MAGIC) == VIRTIO_MMIO_MAGIC && r32(b + V_VERSION) == 2;
	}
	cprintf("every transport: at 0x10001000 + n*0x1000, MagicValue 0x74726976, Version 2: %s\n",
		ok ? "yes" : "no");
	check(ok, "virtio-mmio transports are where QEMU virt has them and say so");

	for (unsigned i = 0; i < vio_n; i++)
		if (r32(vio_base[i] + V_DEVID) != 0)
			virtio_quiet_checks(vio_base[i]);

	/*
	 * The attack, on every transport: every offset of the register file
	 * and the configuration space at every width, aligned or not, read;
	 * the rest of the page read at every width on word boundaries; every
	 * 32-bit register written with all ones (the Status write last), then
	 * a reset; non-32-bit writes below 0x100 (QEMU ignores them, Umbra
	 * refuses them); AMOs, LR, FP.
	 */
	accesses = faults = 0;
	for (unsigned i = 0; i < vio_n; i++) {
		unsigned long b = vio_base[i];
		for (unsigned long off = 0; off < 0x200; off++)
			for (int wi = 0; wi < 4; wi++)
				rd(b + off, wi, 0);
		for (unsigned long off = 0x200; off < 0x1000; off += 4)
			for (int wi = 0; wi < 4; wi++)
				rd(b + off + (wi == 0 ? 3 : 0), wi, 0);
		for (unsigned long off = 0; off < 0x200; off += 4)
			if (off != V_STATUS && off != V_NOTIFY)
				wr(b + off, 2, 0xffffffff);
		wr(b + V_NOTIFY, 2, 0xffffffff);
		wr(b + V_NOTIFY, 2, 0);
		wr(b + V_STATUS, 2, 0xffffffff);
		w32(b + V_STATUS, 0);
		for (unsigned long off = 0; off < 0x100; off++)
			for (int wi = 0; wi < 4; wi += 1 + (wi == 1))	/* 8, 16, 64 bits */
				if (off != V_STATUS)
					wr(b + off, wi, 0);
		wr(b + 0x200, 2, 0);
		wr(b + 0xffc, 2, 0);
		other(amoswap_w, b + V_QSEL, 0);
		other(amoadd_d, b + V_MAGIC, 0);
		other(lr_w, b + V_MAGIC, 0);
		csr_set(CSR_SSTATUS, SSTATUS_FS_INITIAL);
		other(flw_, b + V_MAGIC, 0);
		other(fld_, b + V_MAGIC, 0);
		other(fsw_, b + V_QSEL, 0);
		csr_clear(CSR_SSTATUS, SSTATUS_FS);
		w32(b + V_STATUS, 0);
	}
	cprintf("hostile virtio-mmio accesses: done\n");
	ok = 1;
	for (unsigned i = 0; i < vio_n; i++) {
		unsigned long b = vio_base[i];
		ok &= r32(b + V_MAGIC) == VIRTIO_MMIO_MAGIC && r32(b + V_VERSION) == 2 &&
		      r32(b + V_STATUS) == 0 && r32(b + V_ISTATUS) == 0;
	}
	cprintf("after the attack and a reset, every transport: magic, version, Status 0, "
		"InterruptStatus 0: %s\n", ok ? "yes" : "no");
	check(ok, "virtio transports intact after the attack");
	for (unsigned i = 0; i < vio_n; i++)
		if (r32(vio_base[i] + V_DEVID) != 0)
			virtio_quiet_checks(vio_base[i]);
}

/* ---- Holes: where the DT has no device ------------------------------------------------------ */

static int in_dt_virtio(unsigned long a)
{
	for (unsigned i = 0; i < vio_n; i++)
		if (a - vio_base[i] < 0x1000)
			return 1;
	return 0;
}

static void test_holes(void)
{
	cprintf("-- addresses with no device\n");
	static const unsigned long holes[] = {
		0x10000100UL, 0x10000800UL, 0x10000ff8UL, 0x10009000UL, 0x1000a000UL, 0x100ff000UL,
		0x0bfffff8UL, 0x0c600000UL, 0x0ff00000UL,
	};
	for (unsigned i = 0; i < ARRAY_SIZE(holes); i++) {
		int ok = 1;
		for (int wi = 0; wi < 4; wi++) {
			long lc = rd(holes[i], wi, 0), sc = wr(holes[i], wi, 0);
			ok &= lc == CAUSE_LOAD_ACCESS && sc == CAUSE_STORE_ACCESS;
		}
		cprintf("0x%08lx, every width: %s\n", holes[i], ok ? "access faults" : "something there");
		check(ok, "nothing at 0x%lx", holes[i]);
	}
	/*
	 * Transport slots the DT does not list: QEMU has a transport with
	 * DeviceID 0 in each, Umbra nothing.  Survival only.
	 */
	for (unsigned long b = VIRTIO0; b < VIRTIO0 + VIRTIO_N * 0x1000; b += 0x1000)
		if (!in_dt_virtio(b))
			for (int wi = 0; wi < 4; wi++)
				rd(b + (wi ? 0 : 8), wi, 0), rd(b + 0x100, wi, 0), wr(b + 0x100, wi, 0);
	cprintf("unlisted transport slots: read and written, survived\n");
}

int main(void)
{
	test_begin("hostile_dev");
	test_uart();
	test_plic();
	test_virtio();
	test_holes();
	uart_show("at the end");
	test_end();
}
