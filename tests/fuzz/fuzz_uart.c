/*
 * fuzz_uart.c - libFuzzer harness for the NS16550A model (src/vdev/uart.c).
 *
 * The input is a script.  Byte 0 says which callbacks the UART gets (tx and
 * irq may each be NULL); then each operation is an opcode byte and its
 * arguments:
 *
 *   WRITE / READ  an access through the vdev handler at any offset - a
 *                 register (mostly), anywhere in the device's 256 bytes,
 *                 or any 64-bit offset - and any width (1..4 and the
 *                 invalid ones), with any value
 *   PUSH, BURST   bytes from the host (uart_rx_push)
 *   ERROR         a receive error from the host (uart_rx_error, any bits)
 *   RESET         uart_init again
 *
 * Beside the model runs a reference: the programmer's view of a PC16550D
 * written from the datasheet, as the model's header documents it (the
 * registers, the receive FIFO in 16450 and FIFO mode, the latched line
 * status errors and modem status deltas, the THRE interrupt latch and the
 * interrupt priority table).  After every operation:
 *
 *   - a refused access (width not 1..4) is refused and changes nothing;
 *     offsets 8 and up read 0 and writes there change nothing;
 *   - every read returns what the reference says, zero-extended;
 *   - bytes transmitted are exactly the THR writes outside loopback;
 *     uart_rx_push accepts a byte exactly when the FIFO has room (1 byte
 *     in 16450 mode, 16 in FIFO mode);
 *   - IIR, LSR and MSR - read on a copy of the model, since reading them
 *     has side effects - equal the reference: IIR names the highest
 *     priority enabled pending source (bits 7:6 = FIFO enabled), LSR.DR is
 *     "FIFO not empty", LSR's error bits are the latched ones, THRE/TEMT
 *     always set; every register reads back what the reference holds;
 *   - the FIFO never holds more than its capacity;
 *   - the irq line reported equals "IIR says an interrupt is pending", and
 *     the callback fires only when the line moves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "models.h"

/* ---- Failing ------------------------------------------------------------------- */

/* A broken invariant stops the run (fuzz.h): libFuzzer keeps the input. */
#define INVARIANT(cond, what) FUZZ_CHECK(cond, "%s", what)

/* Checking code is not instrumented for coverage (see fuzz_virtio.c). */
#define CHECKER FUZZ_NOCOV

/* ---- The input: a byte stream that reads as zeros once it runs out ----------- */

/* Fields of the input: fuzz.h's reader (zeros once it runs out). */

/* ---- The reference: a PC16550D as the datasheet describes it ------------------ */

struct ref {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t fcr;                 /* FE, DMA and trigger bits as taken */
	uint8_t fifo[UART_FIFO_SIZE];
	unsigned count;              /* bytes in fifo[], oldest first */
	uint8_t errors;              /* LSR OE/PE/FE/BI latched until LSR is read */
	uint8_t msr_delta;           /* MSR 3:0 latched until MSR is read */
	bool thre;                   /* the THRE interrupt latch */
	/* What the callbacks must have seen. */
	uint8_t last_tx;
	unsigned tx_expected;
};

static struct ref ref;

static bool fifo_mode(void) { return ref.fcr & UART_FCR_FE; }
static unsigned capacity(void) { return fifo_mode() ? UART_FIFO_SIZE : 1; }

/* FCR bits 7:6 ("RCVR trigger"), in FIFO mode only. */
static unsigned trigger(void)
{
	static const unsigned level[4] = { 1, 4, 8, 14 };

	return fifo_mode() ? level[ref.fcr >> 6] : 1;
}

static bool ref_push(uint8_t byte)
{
	if (ref.count >= capacity())
		return false;
	ref.fifo[ref.count++] = byte;
	return true;
}

static uint8_t ref_pop(void)
{
	uint8_t b;

	if (!ref.count)
		return 0;
	b = ref.fifo[0];
	memmove(ref.fifo, ref.fifo + 1, --ref.count);
	return b;
}

/* The modem input lines: CTS, DSR, DCD asserted without a modem; in
 * loopback CTS = RTS, DSR = DTR, RI = OUT1, DCD = OUT2. */
static uint8_t lines(uint8_t mcr)
{
	if (!(mcr & UART_MCR_LOOP))
		return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	return (mcr & UART_MCR_RTS ? UART_MSR_CTS : 0) | (mcr & UART_MCR_DTR ? UART_MSR_DSR : 0) |
	       (mcr & UART_MCR_OUT1 ? UART_MSR_RI : 0) | (mcr & UART_MCR_OUT2 ? UART_MSR_DCD : 0);
}

/* IIR bits 3:0 by the datasheet's priority table (table IV). */
static uint8_t ref_iir_id(void)
{
	if ((ref.ier & UART_IER_ELSI) && ref.errors)
		return UART_IIR_RLS;
	if ((ref.ier & UART_IER_ERBFI) && ref.count >= trigger())
		return UART_IIR_RDA;
	if ((ref.ier & UART_IER_ERBFI) && ref.count)
		return UART_IIR_CTI;
	if ((ref.ier & UART_IER_ETBEI) && ref.thre)
		return UART_IIR_THRE;
	if ((ref.ier & UART_IER_EDSSI) && ref.msr_delta)
		return UART_IIR_MSR;
	return UART_IIR_NONE;
}

static uint8_t ref_iir(void)
{
	return (fifo_mode() ? UART_IIR_FIFO : 0) | ref_iir_id();
}

static uint8_t ref_lsr(void)
{
	uint8_t lsr = UART_LSR_THRE | UART_LSR_TEMT | ref.errors;

	if (ref.count)
		lsr |= UART_LSR_DR;
	if (fifo_mode() && (ref.errors & ~UART_LSR_OE))
		lsr |= UART_LSR_FIFOE;
	return lsr;
}

static uint8_t ref_msr(void)
{
	return lines(ref.mcr) | ref.msr_delta;
}

static bool dlab(void) { return ref.lcr & UART_LCR_DLAB; }

static void ref_write(unsigned off, uint8_t v)
{
	switch (off) {
	case 0:
		if (dlab()) {
			ref.dll = v;
		} else {
			if (ref.mcr & UART_MCR_LOOP) {
				if (!ref_push(v))
					ref.errors |= UART_LSR_OE;
			} else {
				ref.tx_expected++;
				ref.last_tx = v;
			}
			ref.thre = ref.ier & UART_IER_ETBEI;
		}
		break;
	case 1:
		if (dlab()) {
			ref.dlm = v;
		} else {
			uint8_t old = ref.ier;

			ref.ier = v & 0x0f;
			if ((old ^ ref.ier) & UART_IER_ETBEI)
				ref.thre = ref.ier & UART_IER_ETBEI;
		}
		break;
	case 2:
		if ((v ^ ref.fcr) & UART_FCR_FE)
			ref.count = 0;
		if (!(v & UART_FCR_FE)) {
			ref.fcr = 0;
			break;
		}
		if (v & UART_FCR_CLEAR_RX)
			ref.count = 0;
		ref.fcr = v & (UART_FCR_FE | UART_FCR_DMA | UART_FCR_TRIGGER);
		break;
	case 3:
		ref.lcr = v;
		break;
	case 4: {
		uint8_t before = lines(ref.mcr), after;

		ref.mcr = v & 0x1f;
		after = lines(ref.mcr);
		if ((before ^ after) & UART_MSR_CTS)
			ref.msr_delta |= UART_MSR_DCTS;
		if ((before ^ after) & UART_MSR_DSR)
			ref.msr_delta |= UART_MSR_DDSR;
		if ((before & UART_MSR_RI) && !(after & UART_MSR_RI))
			ref.msr_delta |= UART_MSR_TERI;
		if ((before ^ after) & UART_MSR_DCD)
			ref.msr_delta |= UART_MSR_DDCD;
		break;
	}
	case 7:
		ref.scr = v;
		break;
	default:
		break;      /* LSR, MSR: factory test only */
	}
}

static uint8_t ref_read(unsigned off)
{
	uint8_t v;

	switch (off) {
	case 0: return dlab() ? ref.dll : ref_pop();
	case 1: return dlab() ? ref.dlm : ref.ier;
	case 2:
		v = ref_iir();
		if ((v & 0x0f) == UART_IIR_THRE)
			ref.thre = false;
		return v;
	case 3: return ref.lcr;
	case 4: return ref.mcr;
	case 5:
		v = ref_lsr();
		ref.errors = 0;
		return v;
	case 6:
		v = ref_msr();
		ref.msr_delta = 0;
		return v;
	default: return ref.scr;
	}
}

/* ---- The model and its callbacks -------------------------------------------------- */

static struct uart16550 uart;
static struct vdev dev = { "uart", UART_VIRT_BASE, UART_VIRT_SIZE, uart_access, &uart, NULL };
static bool irq_line;
static unsigned tx_seen;
static uint8_t tx_last;

static void on_tx(void *ctx, uint8_t byte)
{
	(void)ctx;
	tx_seen++;
	tx_last = byte;
}

static void on_irq(void *ctx, bool level)
{
	(void)ctx;
	INVARIANT(level != irq_line, "irq callback without a change of level");
	irq_line = level;
}

static bool have_tx, have_irq;

static void reset(uint8_t how)
{
	have_tx = !(how & 1);
	have_irq = !(how & 2);
	uart_init(&uart, have_tx ? on_tx : NULL, have_irq ? on_irq : NULL, NULL);
	memset(&ref, 0, sizeof(ref));
	irq_line = false;
	tx_seen = 0;
	tx_last = 0;
}

/* ---- Checks ------------------------------------------------------------------------ */

/* Every register as the guest would read it now, read from a copy of the
 * model so the reads' side effects (IIR clearing THRE, LSR the errors, MSR
 * the deltas, RBR taking a byte) do not touch the real one.  The order
 * makes each read independent of the earlier ones' side effects. */
struct view {
	uint8_t iir, lsr, msr, ier, lcr, mcr, scr, rbr, dll, dlm;
};

static CHECKER uint8_t peek(struct vdev *d, unsigned off)
{
	uint64_t v = ~0ull;

	INVARIANT(uart_access(d, off, 1, false, &v) == 0, "byte read refused");
	INVARIANT(v <= 0xff, "byte read beyond 8 bits");
	return (uint8_t)v;
}

static CHECKER void look(struct view *v)
{
	struct uart16550 copy = uart;
	struct vdev d = dev;

	copy.tx = NULL;
	copy.irq = NULL;
	copy.lcr &= (uint8_t)~UART_LCR_DLAB;
	d.priv = &copy;
	v->iir = peek(&d, UART_IIR);
	v->lsr = peek(&d, UART_LSR);
	v->msr = peek(&d, UART_MSR);
	v->ier = peek(&d, UART_IER);
	v->mcr = peek(&d, UART_MCR);
	v->scr = peek(&d, UART_SCR);
	v->rbr = peek(&d, UART_RBR);
	copy.lcr = uart.lcr | UART_LCR_DLAB;
	v->dll = peek(&d, UART_DLL);
	v->dlm = peek(&d, UART_DLM);
	v->lcr = peek(&d, UART_LCR) & (uint8_t)~UART_LCR_DLAB;
	v->lcr |= uart.lcr & UART_LCR_DLAB;
}

static CHECKER void check_state(void)
{
	struct view v;

	look(&v);
	INVARIANT(uart.rx_count <= UART_FIFO_SIZE && uart.rx_head < UART_FIFO_SIZE,
		  "receive FIFO indices out of bounds");
	INVARIANT(uart.rx_count == ref.count, "receive FIFO holds the wrong number of bytes");
	INVARIANT(uart.rx_count <= capacity(), "receive FIFO beyond its capacity");
	INVARIANT(v.iir == ref_iir(), "IIR is not the highest-priority pending source");
	INVARIANT((v.iir & 0x30) == 0 && ((v.iir & 0xc0) == 0 || (v.iir & 0xc0) == 0xc0),
		  "IIR reserved or FIFO bits wrong");
	INVARIANT(v.lsr == ref_lsr(), "LSR wrong (DR, errors, THRE/TEMT)");
	INVARIANT(v.msr == ref_msr(), "MSR wrong (lines or deltas)");
	INVARIANT(v.ier == ref.ier, "IER read back");
	INVARIANT(v.lcr == ref.lcr, "LCR read back");
	INVARIANT(v.mcr == ref.mcr, "MCR read back");
	INVARIANT(v.scr == ref.scr, "SCR read back");
	INVARIANT(v.dll == ref.dll && v.dlm == ref.dlm, "divisor latch read back");
	INVARIANT(v.rbr == (ref.count ? ref.fifo[0] : 0), "RBR is not the oldest byte received");
	if (have_irq)
		INVARIANT(irq_line == !(v.iir & UART_IIR_NONE), "irq line is not 'IIR: interrupt pending'");
	if (have_tx)
		INVARIANT(tx_seen == ref.tx_expected && (!tx_seen || tx_last == ref.last_tx),
			  "bytes transmitted are not the THR writes");
}

/* ---- Operations ----------------------------------------------------------------------- */

static uint64_t pick_offset(struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);

	if (sel < 0xe0)
		return sel % 8;
	if (sel < 0xfe)
		return fuzz_u8(in);                  /* anywhere in the 256-byte window */
	return fuzz_u64(in);
}

static unsigned pick_width(struct fuzz_in *in)
{
	static const unsigned widths[] = { 1, 1, 1, 1, 1, 2, 4, 3, 0, 8 };
	uint8_t sel = fuzz_u8(in);

	return sel < 0xf0 ? widths[sel % ARRAY_SIZE(widths)] : sel;
}

static void op_access(struct fuzz_in *in, bool write)
{
	uint64_t off = pick_offset(in);
	unsigned width = pick_width(in);
	uint64_t val = write ? (fuzz_u8(in) < 0xf0 ? fuzz_u8(in) : fuzz_u64(in)) : 0x5a5a5a5a5a5a5a5aull;
	bool ok = width >= 1 && width <= 4;
	struct uart16550 saved = uart;
	int r = uart_access(&dev, off, width, write, &val);

	INVARIANT((r == 0) == ok, "access accepted or refused against the width rule");
	if (!ok || off >= 8) {
		INVARIANT(!memcmp(&saved, &uart, sizeof(uart)), "refused or out-of-map access changed the UART");
		if (ok && !write)
			INVARIANT(val == 0, "offset past the registers does not read 0");
		return;
	}
	if (write) {
		ref_write((unsigned)off, (uint8_t)val);
	} else {
		uint8_t want = ref_read((unsigned)off);

		INVARIANT(val == want, "register read differs from the datasheet");
	}
}

static void push(uint8_t byte)
{
	bool want = ref_push(byte);

	INVARIANT(uart_rx_push(&uart, byte) == want, "rx push accepted or refused against the FIFO's room");
}

#define MAX_OPS 64

enum op { OP_WRITE, OP_READ, OP_PUSH, OP_BURST, OP_ERROR, OP_RESET, OP_COUNT };

static void run_op(struct fuzz_in *in, enum op op)
{
	switch (op) {
	case OP_WRITE: op_access(in, true); break;
	case OP_READ:  op_access(in, false); break;
	case OP_PUSH:  push(fuzz_u8(in)); break;
	case OP_BURST: {
		uint8_t n = fuzz_u8(in) % 20, b = fuzz_u8(in);

		for (unsigned i = 0; i < n; i++)
			push((uint8_t)(b + i));
		break;
	}
	case OP_ERROR: {
		uint8_t bits = fuzz_u8(in);

		ref.errors |= bits & UART_LSR_ERRORS;
		uart_rx_error(&uart, bits);
		break;
	}
	case OP_RESET: reset(fuzz_u8(in)); break;
	case OP_COUNT: break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	reset(fuzz_u8(&in));
	check_state();
	/* Longer scripts add little to a 16-byte FIFO and cost speed. */
	for (unsigned ops = 0; in.n && ops < MAX_OPS; ops++) {
		run_op(&in, (enum op)(fuzz_u8(&in) % OP_COUNT));
		check_state();
	}
	return 0;
}
