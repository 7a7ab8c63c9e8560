/*
 * test_uart.c - host unit test for src/vdev/uart.c, the NS16550A model.
 *
 * One TABLE of cases.  Each case starts from a freshly reset UART and runs a
 * short script of operations: register reads (with the value the PC16550D
 * datasheet says must come back) and writes through the vdev handler, bytes
 * pushed from the host side, and checks of what went out through the
 * callbacks (bytes transmitted, the irq line, how often it moved).  Expected
 * values were worked out by hand from the datasheet and Linux's 8250 driver.
 *
 * After every operation the harness also checks that the irq line the
 * callback reported equals "IIR says an interrupt is pending" - read from a
 * copy of the state, since reading IIR has a side effect - and that the
 * callback only fired on changes.
 *
 * Build and run (from the repository root):
 *   gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -DUMBRA_HOST_TEST \
 *       -Isrc/include -Isrc/core -Isrc/trap -Isrc/decode -Isrc/shadowpt -Isrc/vdev \
 *       -o build/host/test_uart tests/host/test_uart.c src/vdev/uart.c
 *   ./build/host/test_uart
 * Prints one line per failure and "uart: N passed, M failed" (N, M count
 * cases); exits 1 on any failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "models.h"

#define HARNESS_NAME "uart"
#include "harness.h"

/* ---- What the callbacks saw ------------------------------------------------ */

struct sim {
	uint8_t tx[256];
	unsigned ntx;
	bool irq;             /* the line as last reported */
	unsigned irq_calls;
	bool irq_repeat;      /* a callback that did not change the line */
};

static void sim_tx(void *ctx, uint8_t byte)
{
	struct sim *s = ctx;

	if (s->ntx < sizeof(s->tx))
		s->tx[s->ntx] = byte;
	s->ntx++;
}

static void sim_irq(void *ctx, bool level)
{
	struct sim *s = ctx;

	if (level == s->irq)
		s->irq_repeat = true;
	s->irq = level;
	s->irq_calls++;
}

/* ---- The script language ------------------------------------------------------ */

enum op_kind {
	OP_END,
	OP_WRITE,     /* write val at off, width bytes */
	OP_READ,      /* read at off, width bytes: must be val */
	OP_BAD,       /* read and write at off, width bytes: both must fail */
	OP_PUSH,      /* uart_rx_push(val): must return width (0/1) */
	OP_PUSHN,     /* push off bytes val, val+1, ...: all taken */
	OP_READN,     /* read RBR off times: val, val+1, ... */
	OP_RXERR,     /* uart_rx_error(val) */
	OP_IRQ,       /* the irq line is val */
	OP_TX,        /* off bytes transmitted so far, the last one val */
	OP_CALLS,     /* the irq callback ran val times so far */
};

struct op {
	enum op_kind kind;
	unsigned off, width;
	uint64_t val;
};

#define W(o, v)        { OP_WRITE, (o), 1, (v) }
#define R(o, v)        { OP_READ, (o), 1, (v) }
#define WW(o, w, v)    { OP_WRITE, (o), (w), (v) }
#define RW(o, w, v)    { OP_READ, (o), (w), (v) }
#define BAD(o, w)      { OP_BAD, (o), (w), 0 }
#define PUSH(b, ok)    { OP_PUSH, 0, (ok), (b) }
#define PUSHN(n, b)    { OP_PUSHN, (n), 0, (b) }
#define READN(n, b)    { OP_READN, (n), 0, (b) }
#define RXERR(bits)    { OP_RXERR, 0, 0, (bits) }
#define IRQ(l)         { OP_IRQ, 0, 0, (l) }
#define TX(n, last)    { OP_TX, (n), 0, (last) }
#define CALLS(n)       { OP_CALLS, 0, 0, (n) }

/* Register offsets, short. */
enum { RBR = UART_RBR, THR = UART_THR, DLL = UART_DLL, DLM = UART_DLM,
       IER = UART_IER, IIR = UART_IIR, FCR = UART_FCR, LCR = UART_LCR,
       MCR = UART_MCR, LSR = UART_LSR, MSR = UART_MSR, SCR = UART_SCR };

/* LSR with nothing received: THRE | TEMT. */
#define LSR_IDLE 0x60
/* MSR with no modem: CTS | DSR | DCD. */
#define MSR_IDLE 0xb0

#define MAX_OPS 40

struct tcase {
	const char *name;
	bool no_callbacks;          /* uart_init with NULL tx and irq */
	struct op ops[MAX_OPS];
};

static const struct tcase cases[] = {
	/* ---- Reset values (datasheet table V) and plain registers ---- */
	{ "reset values", false, {
		R(RBR, 0), R(IER, 0), R(IIR, 0x01), R(LCR, 0), R(MCR, 0),
		R(LSR, LSR_IDLE), R(MSR, MSR_IDLE), R(SCR, 0), IRQ(0), CALLS(0) } },
	{ "SCR reads back", false, {
		W(SCR, 0x5a), R(SCR, 0x5a), W(SCR, 0xa5), R(SCR, 0xa5), W(SCR, 0), R(SCR, 0) } },
	{ "LCR reads back all 8 bits", false, {
		W(LCR, 0x1b), R(LCR, 0x1b), W(LCR, 0x03), R(LCR, 0x03),
		W(LCR, 0xff), R(LCR, 0xff), W(LCR, 0x7f), R(LCR, 0x7f) } },
	{ "IER keeps bits 3:0 only", false, {
		W(IER, 0xf0), R(IER, 0x00), W(IER, 0x0d), R(IER, 0x0d) } },
	{ "MCR keeps bits 4:0 only", false, {
		W(MCR, 0xe3), R(MCR, 0x03), W(MCR, 0xff), R(MCR, 0x1f) } },
	{ "LSR and MSR ignore writes", false, {
		W(LSR, 0x00), R(LSR, LSR_IDLE), W(LSR, 0xff), R(LSR, LSR_IDLE),
		W(MSR, 0x0f), R(MSR, MSR_IDLE) } },

	/* ---- The divisor latch (DLAB = LCR bit 7) ---- */
	{ "DLAB: divisor latch reads back", false, {
		W(LCR, 0x83), W(DLL, 0x0c), W(DLM, 0x01), R(DLL, 0x0c), R(DLM, 0x01),
		R(LCR, 0x83), W(LCR, 0x03), R(IER, 0), R(RBR, 0),
		W(LCR, 0x80), R(DLL, 0x0c), R(DLM, 0x01), TX(0, 0) } },
	{ "DLAB: offset 0/1 writes reach DLL/DLM, not THR/IER", false, {
		W(LCR, 0x80), W(0, 'x'), W(1, 0x0f), TX(0, 0), W(LCR, 0x00),
		R(IER, 0), IRQ(0), W(THR, 'y'), TX(1, 'y'), W(LCR, 0x80), R(DLL, 'x'),
		R(DLM, 0x0f) } },
	{ "DLAB: IER/THR writes leave the latch alone", false, {
		W(LCR, 0x80), W(DLL, 0x34), W(DLM, 0x12), W(LCR, 0), W(THR, 'a'),
		W(IER, 0x05), W(LCR, 0x80), R(DLL, 0x34), R(DLM, 0x12), W(LCR, 0),
		R(IER, 0x05) } },
	{ "DLAB: offsets 2..7 unaffected", false, {
		W(LCR, 0x80), W(SCR, 0x11), R(SCR, 0x11), R(IIR, 0x01),
		R(LSR, LSR_IDLE), W(MCR, 0x03), R(MCR, 0x03), R(MSR, MSR_IDLE) } },
	{ "DLAB: RBR hidden while set", false, {
		PUSH('q', 1), W(LCR, 0x80), R(0, 0), R(LSR, LSR_IDLE | UART_LSR_DR),
		W(LCR, 0x00), R(RBR, 'q'), R(LSR, LSR_IDLE) } },

	/* ---- Transmit ---- */
	{ "THR writes go out at once, THRE/TEMT stay set", false, {
		W(THR, 'h'), TX(1, 'h'), R(LSR, LSR_IDLE), W(THR, 'i'), TX(2, 'i'),
		R(LSR, LSR_IDLE) } },

	/* ---- Receive, 16450 mode and FIFO mode ---- */
	{ "RX: one byte, LSR.DR", false, {
		R(LSR, LSR_IDLE), PUSH('a', 1), R(LSR, 0x61), R(RBR, 'a'),
		R(LSR, LSR_IDLE), R(RBR, 0) } },
	{ "RX: FIFO off holds one byte", false, {
		PUSH('a', 1), PUSH('b', 0), R(LSR, 0x61), R(RBR, 'a'),
		R(LSR, LSR_IDLE), PUSH('c', 1), R(RBR, 'c') } },
	{ "RX: FIFO fills to 16, then refuses", false, {
		W(FCR, 0x01), PUSHN(16, 'A'), PUSH('!', 0), R(LSR, 0x61),
		READN(16, 'A'), R(LSR, LSR_IDLE), R(RBR, 0), PUSH('z', 1), R(RBR, 'z') } },
	{ "RX: FIFO order across wrap-around", false, {
		W(FCR, 0x01), PUSHN(10, 'a'), READN(5, 'a'), PUSHN(11, 'k'),
		PUSH('#', 0), READN(5, 'f'), READN(11, 'k'), R(LSR, LSR_IDLE) } },
	{ "RX: refused push is not an overrun", false, {
		W(FCR, 0x01), PUSHN(16, 'A'), PUSH('!', 0), R(LSR, 0x61), R(LSR, 0x61) } },
	{ "FCR: clear RX FIFO", false, {
		W(FCR, 0x01), PUSHN(3, '1'), W(FCR, 0x03), R(LSR, LSR_IDLE), R(RBR, 0),
		PUSH('x', 1), R(RBR, 'x') } },
	{ "FCR: toggling FE empties the FIFO", false, {
		W(FCR, 0x01), PUSHN(2, '1'), W(FCR, 0x00), R(LSR, LSR_IDLE),
		PUSH('x', 1), W(FCR, 0x01), R(LSR, LSR_IDLE), PUSHN(2, '1'),
		W(FCR, 0x01), R(LSR, 0x61) } },
	{ "FCR: IIR bits 7:6 follow FE", false, {
		R(IIR, 0x01), W(FCR, 0x01), R(IIR, 0xc1), W(FCR, 0xc7), R(IIR, 0xc1),
		W(FCR, 0x00), R(IIR, 0x01) } },

	/* ---- Interrupts: receive ---- */
	{ "IRQ: RX data available, not cleared by IIR", false, {
		W(IER, 0x01), IRQ(0), PUSH('a', 1), IRQ(1), R(IIR, 0x04), R(IIR, 0x04),
		IRQ(1), R(RBR, 'a'), IRQ(0), R(IIR, 0x01) } },
	{ "IRQ: RX disabled in IER raises nothing", false, {
		PUSH('a', 1), IRQ(0), R(IIR, 0x01), W(IER, 0x01), IRQ(1), W(IER, 0x00),
		IRQ(0) } },
	{ "IRQ: trigger 8 -> timeout below, RDA at 8", false, {
		W(FCR, 0x81), W(IER, 0x01), PUSH('a', 1), IRQ(1), R(IIR, 0xcc),
		PUSHN(7, 'b'), R(IIR, 0xc4), READN(1, 'a'), R(IIR, 0xcc),
		READN(7, 'b'), R(IIR, 0xc1), IRQ(0) } },
	{ "IRQ: trigger 14", false, {
		W(FCR, 0xc1), W(IER, 0x01), PUSHN(13, 'a'), R(IIR, 0xcc),
		PUSH('n', 1), R(IIR, 0xc4) } },
	{ "IRQ: trigger 4", false, {
		W(FCR, 0x41), W(IER, 0x01), PUSHN(3, 'a'), R(IIR, 0xcc),
		PUSH('d', 1), R(IIR, 0xc4) } },
	{ "IRQ: trigger bits ignored without FE", false, {
		W(FCR, 0xc0), W(FCR, 0x01), W(IER, 0x01), PUSH('a', 1), R(IIR, 0xc4) } },

	/* ---- Interrupts: THR empty ---- */
	{ "THRE: pending when ETBEI set, cleared by IIR", false, {
		IRQ(0), W(IER, 0x02), IRQ(1), R(IIR, 0x02), IRQ(0), R(IIR, 0x01) } },
	{ "THRE: Linux 8250 startup re-arm test", false, {
		W(IER, 0x02), R(IIR, 0x02), W(IER, 0x00), W(IER, 0x02), IRQ(1),
		R(IIR, 0x02), W(IER, 0x00), R(IIR, 0x01), IRQ(0) } },
	{ "THRE: same test with FIFOs on", false, {
		W(FCR, 0x81), W(IER, 0x02), R(IIR, 0xc2), W(IER, 0x00), W(IER, 0x02),
		R(IIR, 0xc2), R(IIR, 0xc1) } },
	{ "THRE: IER write keeping ETBEI does not re-arm", false, {
		W(IER, 0x02), R(IIR, 0x02), W(IER, 0x03), R(IIR, 0x01), W(IER, 0x02),
		R(IIR, 0x01), IRQ(0) } },
	{ "THRE: THR write re-arms (byte left at once)", false, {
		W(IER, 0x02), R(IIR, 0x02), IRQ(0), W(THR, 'x'), IRQ(1), R(IIR, 0x02),
		IRQ(0), W(THR, 'y'), W(THR, 'z'), R(IIR, 0x02), R(IIR, 0x01), TX(3, 'z') } },
	{ "THRE: ETBEI off forgets it", false, {
		W(IER, 0x02), W(IER, 0x00), R(IIR, 0x01), W(THR, 'x'), R(IIR, 0x01),
		IRQ(0) } },
	{ "THRE: 4-byte IER write re-arms too", false, {
		WW(IER, 4, 0x02), RW(IIR, 4, 0x02), WW(IER, 4, 0), WW(IER, 4, 0xffffff02),
		RW(IIR, 4, 0x02), RW(IER, 4, 0x02) } },

	/* ---- Interrupt priorities (datasheet table IV) ---- */
	{ "priority: RX data over THRE", false, {
		W(IER, 0x03), PUSH('a', 1), R(IIR, 0x04), R(IIR, 0x04), R(RBR, 'a'),
		R(IIR, 0x02), R(IIR, 0x01), IRQ(0) } },
	{ "priority: character timeout over THRE", false, {
		W(FCR, 0x81), W(IER, 0x03), PUSH('a', 1), R(IIR, 0xcc), R(RBR, 'a'),
		R(IIR, 0xc2), R(IIR, 0xc1) } },
	{ "priority: line status over RX over THRE over modem", false, {
		W(IER, 0x0f), W(MCR, 0x10), PUSH('a', 1), RXERR(UART_LSR_OE),
		R(IIR, 0x06), IRQ(1), R(LSR, 0x63), R(IIR, 0x04), R(RBR, 'a'),
		R(IIR, 0x02), R(IIR, 0x00), IRQ(1), R(MSR, 0x0b), R(IIR, 0x01), IRQ(0) } },
	{ "RLS: only with ELSI, LSR read clears", false, {
		W(IER, 0x01), RXERR(UART_LSR_OE), R(IIR, 0x01), IRQ(0),
		W(IER, 0x04), IRQ(1), R(IIR, 0x06), R(LSR, 0x62), R(LSR, LSR_IDLE),
		R(IIR, 0x01), IRQ(0) } },
	{ "RLS: each error bit, FIFO error bit 7", false, {
		RXERR(UART_LSR_PE | UART_LSR_FE), R(LSR, 0x6c), RXERR(UART_LSR_BI),
		R(LSR, 0x70), W(FCR, 0x01), RXERR(UART_LSR_FE), R(LSR, 0xe8),
		RXERR(UART_LSR_OE), R(LSR, 0x62), RXERR(0x61), R(LSR, LSR_IDLE) } },

	/* ---- Modem status and loopback (MCR bit 4) ---- */
	{ "MSR: loopback maps MCR outputs, deltas clear on read", false, {
		W(MCR, 0x10), R(MSR, 0x0b), R(MSR, 0x00), W(MCR, 0x1f), R(MSR, 0xfb),
		W(MCR, 0x1b), R(MSR, 0xb4), R(MSR, 0xb0), W(MCR, 0x11), R(MSR, 0x29),
		W(MCR, 0x00), R(MSR, 0xb9) } },
	{ "MSR: interrupt is lowest priority", false, {
		W(IER, 0x0a), W(MCR, 0x10), R(IIR, 0x02), IRQ(1), R(IIR, 0x00),
		R(IIR, 0x00), R(MSR, 0x0b), R(IIR, 0x01), IRQ(0) } },
	{ "loopback: THR comes back as RX", false, {
		W(MCR, 0x10), W(THR, 'z'), TX(0, 0), R(LSR, 0x61), R(RBR, 'z'),
		W(MCR, 0x00), W(THR, 'w'), TX(1, 'w'), R(LSR, LSR_IDLE) } },
	{ "loopback: receiver overrun sets OE", false, {
		W(MCR, 0x10), W(THR, 'a'), W(THR, 'b'), R(LSR, 0x63), R(RBR, 'a'),
		R(LSR, LSR_IDLE) } },

	/* ---- The irq callback ---- */
	{ "irq callback: only on changes", false, {
		W(FCR, 0x01), W(IER, 0x01), CALLS(0), PUSH('a', 1), CALLS(1), IRQ(1), PUSH('b', 1),
		CALLS(1), R(RBR, 'a'), CALLS(1), R(RBR, 'b'), CALLS(2), IRQ(0),
		R(LSR, LSR_IDLE), CALLS(2) } },
	{ "irq callback: push outside an access raises it", false, {
		W(FCR, 0x01), W(IER, 0x05), PUSH('a', 1), IRQ(1), R(RBR, 'a'), IRQ(0),
		RXERR(UART_LSR_BI), IRQ(1), R(LSR, 0xf0), IRQ(0), CALLS(4) } },

	/* ---- Widths and offsets ---- */
	{ "widths 1..4 act on the byte register", false, {
		WW(SCR, 4, 0x12345678), R(SCR, 0x78), RW(SCR, 4, 0x78), RW(SCR, 2, 0x78),
		WW(SCR, 2, 0xabcd), R(SCR, 0xcd), WW(THR, 4, 0x4142), TX(1, 0x42),
		PUSH('r', 1), RW(RBR, 4, 'r'), RW(LSR, 4, LSR_IDLE) } },
	{ "width 0 and 8 fail", false, {
		BAD(SCR, 0), BAD(SCR, 8), BAD(THR, 8), TX(0, 0), BAD(RBR, 16), R(SCR, 0) } },
	{ "offsets 8..0xff read 0, ignore writes", false, {
		W(SCR, 0x77), R(8, 0), W(8, 0xff), R(0x10, 0), W(0xff, 0x12), R(0xff, 0),
		R(0x80, 0), R(SCR, 0x77), TX(0, 0), R(LCR, 0) } },

	/* ---- No callbacks at all ---- */
	{ "NULL callbacks", true, {
		W(IER, 0x0f), W(THR, 'x'), PUSH('a', 1), R(IIR, 0x04), R(RBR, 'a'),
		R(IIR, 0x02) } },
};

/* ---- The harness ---------------------------------------------------------------- */

/* IIR without its side effect: ask a copy. */
static bool iir_says_pending(const struct uart16550 *u)
{
	struct uart16550 copy = *u;
	struct vdev d = { .name = "copy", .priv = &copy };
	uint64_t v = 0;

	copy.irq = NULL;
	copy.tx = NULL;
	uart_access(&d, UART_IIR, 1, false, &v);
	return !(v & UART_IIR_NONE);
}

static bool run_op(const struct op *op, struct uart16550 *u, struct vdev *d,
		   struct sim *s, char *why, size_t len)
{
	uint64_t v;
	int rc;

	switch (op->kind) {
	case OP_END:
		break;
	case OP_WRITE:
		v = op->val;
		rc = uart_access(d, op->off, op->width, true, &v);
		if (rc) {
			snprintf(why, len, "write %#x w%u returned %d", op->off, op->width, rc);
			return false;
		}
		break;
	case OP_READ:
		v = 0xdeadbeefdeadbeefULL;
		rc = uart_access(d, op->off, op->width, false, &v);
		if (rc || v != op->val) {
			snprintf(why, len, "read %#x w%u: rc %d value %#" PRIx64 ", expected %#" PRIx64,
				 op->off, op->width, rc, v, op->val);
			return false;
		}
		break;
	case OP_BAD:
		v = 0;
		if (uart_access(d, op->off, op->width, false, &v) >= 0 ||
		    uart_access(d, op->off, op->width, true, &v) >= 0) {
			snprintf(why, len, "access %#x w%u did not fail", op->off, op->width);
			return false;
		}
		break;
	case OP_PUSH:
		if (uart_rx_push(u, (uint8_t)op->val) != (op->width != 0)) {
			snprintf(why, len, "push %#x: expected %s", (unsigned)op->val,
				 op->width ? "taken" : "refused");
			return false;
		}
		break;
	case OP_PUSHN:
		for (unsigned i = 0; i < op->off; i++) {
			if (!uart_rx_push(u, (uint8_t)(op->val + i))) {
				snprintf(why, len, "push #%u of %u refused", i, op->off);
				return false;
			}
		}
		break;
	case OP_READN:
		for (unsigned i = 0; i < op->off; i++) {
			uart_access(d, UART_RBR, 1, false, &v);
			if (v != (uint8_t)(op->val + i)) {
				snprintf(why, len, "RBR read #%u: %#" PRIx64 ", expected %#x",
					 i, v, (unsigned)(uint8_t)(op->val + i));
				return false;
			}
		}
		break;
	case OP_RXERR:
		uart_rx_error(u, (uint8_t)op->val);
		break;
	case OP_IRQ:
		if (s->irq != (op->val != 0)) {
			snprintf(why, len, "irq line %d, expected %d", s->irq, (int)op->val);
			return false;
		}
		break;
	case OP_TX:
		if (s->ntx != op->off || (s->ntx && s->tx[s->ntx - 1] != op->val)) {
			snprintf(why, len, "%u bytes sent (last %#x), expected %u (last %#x)",
				 s->ntx, s->ntx ? s->tx[s->ntx - 1] : 0, op->off,
				 (unsigned)op->val);
			return false;
		}
		break;
	case OP_CALLS:
		if (s->irq_calls != op->val) {
			snprintf(why, len, "irq callback ran %u times, expected %u",
				 s->irq_calls, (unsigned)op->val);
			return false;
		}
		break;
	}
	return true;
}

static void run_case(const struct tcase *tc)
{
	struct sim s = { 0 };
	struct uart16550 u;
	struct vdev d = { "uart", UART_VIRT_BASE, UART_VIRT_SIZE, uart_access, &u, NULL };
	char why[200];

	harness_begin("%s", tc->name);
	if (tc->no_callbacks)
		uart_init(&u, NULL, NULL, NULL);
	else
		uart_init(&u, sim_tx, sim_irq, &s);

	for (unsigned i = 0; i < MAX_OPS && tc->ops[i].kind != OP_END; i++) {
		bool ok = run_op(&tc->ops[i], &u, &d, &s, why, sizeof(why));

		/* Invariants after every step. */
		if (ok && !tc->no_callbacks && s.irq != iir_says_pending(&u)) {
			snprintf(why, sizeof(why), "irq line %d but IIR says %s", s.irq,
				 s.irq ? "none pending" : "pending");
			ok = false;
		}
		if (ok && s.irq_repeat) {
			snprintf(why, sizeof(why), "irq callback repeated the same level");
			ok = false;
		}
		if (!ok) {
			harness_fail("step %u: %s", i + 1, why);
			break;
		}
	}
	harness_end();
}

int main(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		run_case(&cases[i]);
	return harness_done();
}
