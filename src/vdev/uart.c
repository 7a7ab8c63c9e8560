/*
 * uart.c - an NS16550A UART, as QEMU's virt machine has at 0x10000000.
 *
 * Reference: National Semiconductor "PC16550D Universal Asynchronous
 * Receiver/Transmitter with FIFOs" datasheet (cited below as "datasheet",
 * with the section name).  The model is the programmer's view only: there is
 * no line, so bytes leave and arrive instantly and the baud-rate divisor is a
 * pair of registers that merely remember what was written.
 *
 * Eight byte registers at offsets 0..7 (reg-shift 0).  LCR bit 7, the
 * Divisor Latch Access Bit (DLAB), turns offsets 0 and 1 into the divisor
 * latch:
 *
 *	off  DLAB=0 read    DLAB=0 write    DLAB=1
 *	 0   RBR receive    THR transmit    DLL divisor low
 *	 1   IER            IER             DLM divisor high
 *	 2   IIR            FCR             (as DLAB=0)
 *	 3   LCR            LCR
 *	 4   MCR            MCR
 *	 5   LSR            (ignored)
 *	 6   MSR            (ignored)
 *	 7   SCR            SCR
 *
 * Interrupts (datasheet table IV, "Interrupt Identification Register"): four
 * prioritised sources, each enabled by an IER bit; IIR reports the highest
 * one pending, and the INTR pin (our irq callback) is high while any enabled
 * source is pending.  uart_irq_sources[] below is that table.
 *
 * Pure code: state in struct uart16550, effects through its callbacks.
 */
#include "models.h"

/* ---- The receiver FIFO -------------------------------------------------- */

/*
 * With FCR.FE = 0 the UART is in "16450 mode": the receiver buffer holds one
 * character.  With FE = 1 it is a 16-byte FIFO (datasheet "FIFO Control
 * Register").
 */
static unsigned rx_capacity(const struct uart16550 *u)
{
	return (u->fcr & UART_FCR_FE) ? UART_FIFO_SIZE : 1;
}

static void rx_clear(struct uart16550 *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

static bool rx_put(struct uart16550 *u, uint8_t byte)
{
	if (u->rx_count >= rx_capacity(u))
		return false;
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
	u->rx_count++;
	return true;
}

/* Reading RBR with nothing received returns 0 (the datasheet leaves it
 * undefined). */
static uint8_t rx_get(struct uart16550 *u)
{
	uint8_t byte;

	if (u->rx_count == 0)
		return 0;
	byte = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	u->rx_count--;
	return byte;
}

/* FCR bits 7:6, the "RCVR FIFO trigger level": 1, 4, 8 or 14 bytes.  In
 * 16450 mode one byte is always enough. */
static unsigned rx_trigger(const struct uart16550 *u)
{
	static const unsigned level[4] = { 1, 4, 8, 14 };

	if (!(u->fcr & UART_FCR_FE))
		return 1;
	return level[(u->fcr & UART_FCR_TRIGGER) >> 6];
}

/* ---- Modem status ------------------------------------------------------- */

/*
 * The upper MSR bits are the complement of the modem input pins.  There is
 * no modem: like QEMU with a non-tty backend, report CTS, DSR and DCD
 * asserted.  In loopback (MCR bit 4, datasheet "Modem Control Register") the
 * inputs are wired to the outputs instead: CTS = RTS, DSR = DTR, RI = OUT1,
 * DCD = OUT2.
 */
static uint8_t msr_lines(uint8_t mcr)
{
	if (!(mcr & UART_MCR_LOOP))
		return UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
	return ((mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
	       ((mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
	       ((mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
	       ((mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0);
}

/* MSR bits 3:0 record changes of the lines since MSR was last read: DCTS,
 * DDSR and DDCD on any change, TERI only when RI goes from on to off. */
static uint8_t msr_deltas(uint8_t before, uint8_t after)
{
	uint8_t changed = before ^ after;
	uint8_t delta = 0;

	if (changed & UART_MSR_CTS)
		delta |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		delta |= UART_MSR_DDSR;
	if ((before & UART_MSR_RI) && !(after & UART_MSR_RI))
		delta |= UART_MSR_TERI;
	if (changed & UART_MSR_DCD)
		delta |= UART_MSR_DDCD;
	return delta;
}

/* ---- Interrupts ----------------------------------------------------------- */

static bool rls_pending(const struct uart16550 *u)
{
	return u->lsr_errors != 0;
}

/* "Received data available": the FIFO reached its trigger level. */
static bool rda_pending(const struct uart16550 *u)
{
	return u->rx_count >= rx_trigger(u);
}

/*
 * "Character timeout": data sits below the trigger level and nothing has
 * moved for four character times.  Without a line there is no time between
 * characters, so the timeout is taken to have passed at once; a guest that
 * asked for an 8-byte trigger still hears about a single key press.
 */
static bool cti_pending(const struct uart16550 *u)
{
	return u->rx_count > 0 && u->rx_count < rx_trigger(u);
}

static bool thre_pending(const struct uart16550 *u)
{
	return u->thre_ipending;
}

static bool msr_pending(const struct uart16550 *u)
{
	return u->msr_delta != 0;
}

/* Datasheet table IV, highest priority first. */
static const struct uart_irq_source {
	uint8_t ier_bit;    /* the IER bit that enables it */
	uint8_t iir_id;     /* what IIR bits 3:0 say when it is reported */
	bool (*pending)(const struct uart16550 *u);
} uart_irq_sources[] = {
	{ UART_IER_ELSI,  UART_IIR_RLS,  rls_pending },   /* cleared by reading LSR */
	{ UART_IER_ERBFI, UART_IIR_RDA,  rda_pending },   /* ... reading RBR below trigger */
	{ UART_IER_ERBFI, UART_IIR_CTI,  cti_pending },   /* ... reading RBR */
	{ UART_IER_ETBEI, UART_IIR_THRE, thre_pending },  /* ... reading IIR, writing THR */
	{ UART_IER_EDSSI, UART_IIR_MSR,  msr_pending },   /* ... reading MSR */
};

/* The highest-priority enabled pending source, or NULL. */
static const struct uart_irq_source *irq_source(const struct uart16550 *u)
{
	for (size_t i = 0; i < ARRAY_SIZE(uart_irq_sources); i++) {
		const struct uart_irq_source *s = &uart_irq_sources[i];

		if ((u->ier & s->ier_bit) && s->pending(u))
			return s;
	}
	return NULL;
}

/* Drive the INTR pin from the state; report it only when it moves. */
static void irq_update(struct uart16550 *u)
{
	bool level = irq_source(u) != NULL;

	if (level == u->irq_line)
		return;
	u->irq_line = level;
	if (u->irq)
		u->irq(u->ctx, level);
}

/* ---- Registers ------------------------------------------------------------ */

/*
 * RBR (read, DLAB = 0): the oldest received byte.  Taking it is what clears
 * the received-data interrupts once the FIFO drops below the trigger level.
 */
static uint8_t rbr_read(struct uart16550 *u)
{
	return rx_get(u);
}

/*
 * THR (write, DLAB = 0): transmit a byte.  It leaves at once (in loopback it
 * comes back into the receiver instead, datasheet "Modem Control Register"
 * bit 4, overrunning it when it is full), so the THR and the shift register are empty again straight away:
 * LSR.THRE and TEMT never drop.
 *
 * The THRE interrupt: writing THR clears it, and the THR becoming empty sets
 * it - both happen within this one write, so with ETBEI on the interrupt is
 * pending again afterwards.  That is what real hardware does once the byte
 * has moved to the shift register (and what QEMU does), and Linux's 8250
 * driver needs it: it writes at most a FIFO's worth of bytes per interrupt
 * and waits for the next THRE interrupt to write more.
 */
static void thr_write(struct uart16550 *u, uint8_t byte)
{
	if (u->mcr & UART_MCR_LOOP) {
		if (!rx_put(u, byte))
			u->lsr_errors |= UART_LSR_OE;   /* the receiver overran */
	} else if (u->tx)
		u->tx(u->ctx, byte);
	u->thre_ipending = (u->ier & UART_IER_ETBEI) != 0;
}

static uint8_t dll_read(struct uart16550 *u) { return u->dll; }
static void dll_write(struct uart16550 *u, uint8_t v) { u->dll = v; }
static uint8_t dlm_read(struct uart16550 *u) { return u->dlm; }
static void dlm_write(struct uart16550 *u, uint8_t v) { u->dlm = v; }

/* IER: four enable bits; bits 7:4 are always 0. */
static uint8_t ier_read(struct uart16550 *u)
{
	return u->ier;
}

/*
 * Turning ETBEI on while the THR is empty (it always is here) makes the THRE
 * interrupt pending even if an IIR read had cleared it before.  The datasheet
 * does not say so, but PC UARTs behave so, QEMU does (on the 0->1 edge), and
 * Linux's 8250 driver checks for it at startup (its UART_BUG_THRE test:
 * IER = THRI, read IIR, IER = 0, IER = THRI, read IIR again).  Turning ETBEI
 * off forgets the interrupt.
 */
static void ier_write(struct uart16550 *u, uint8_t v)
{
	uint8_t old = u->ier;

	u->ier = v & 0x0f;
	if ((old ^ u->ier) & UART_IER_ETBEI)
		u->thre_ipending = (u->ier & UART_IER_ETBEI) != 0;
}

/*
 * IIR: bits 3:0 identify the highest-priority pending interrupt (bit 0 = 1:
 * none); bits 7:6 are both set while the FIFOs are enabled, which is how
 * drivers tell a 16550A from a 16450.  Reading IIR while it reports THRE is
 * one of the two ways that interrupt is cleared.
 */
static uint8_t iir_read(struct uart16550 *u)
{
	const struct uart_irq_source *s = irq_source(u);
	uint8_t fifo = (u->fcr & UART_FCR_FE) ? UART_IIR_FIFO : 0;

	if (!s)
		return fifo | UART_IIR_NONE;
	if (s->iir_id == UART_IIR_THRE)
		u->thre_ipending = false;
	return fifo | s->iir_id;
}

/*
 * FCR (write-only): bit 0 enables the FIFOs, and changing it empties them;
 * bits 1 and 2 empty the receive / transmit FIFO (self-clearing); bit 3 is
 * DMA mode (no effect without DMA pins); bits 7:6 the receive trigger.  The
 * other bits are only taken while bit 0 is (being) set: "FCR0 must be a 1
 * when other FCR bits are written to or they will not be programmed".
 */
static void fcr_write(struct uart16550 *u, uint8_t v)
{
	if ((v ^ u->fcr) & UART_FCR_FE)
		rx_clear(u);
	if (!(v & UART_FCR_FE)) {
		u->fcr = 0;
		return;
	}
	if (v & UART_FCR_CLEAR_RX)
		rx_clear(u);
	/* The transmitter has nothing queued: CLEAR_TX has nothing to do. */
	u->fcr = v & (UART_FCR_FE | UART_FCR_DMA | UART_FCR_TRIGGER);
}

/* LCR: word length, stop bits, parity, break and DLAB; all read back. */
static uint8_t lcr_read(struct uart16550 *u) { return u->lcr; }
static void lcr_write(struct uart16550 *u, uint8_t v) { u->lcr = v; }

/* MCR: DTR, RTS, OUT1, OUT2, LOOP; bits 7:5 are always 0.  A write moves
 * the lines MSR sees in loopback, which may set MSR's delta bits. */
static uint8_t mcr_read(struct uart16550 *u)
{
	return u->mcr;
}

static void mcr_write(struct uart16550 *u, uint8_t v)
{
	uint8_t before = msr_lines(u->mcr);

	u->mcr = v & 0x1f;
	u->msr_delta |= msr_deltas(before, msr_lines(u->mcr));
}

/*
 * LSR: DR while the receiver holds data; the error bits OE/PE/FE/BI as the
 * host side reported them, cleared by this read (which ends the receiver
 * line status interrupt); THRE and TEMT always (nothing ever waits to be
 * sent); bit 7 in FIFO mode while an error condition is latched.
 */
static uint8_t lsr_read(struct uart16550 *u)
{
	uint8_t lsr = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_errors;

	if (u->rx_count)
		lsr |= UART_LSR_DR;
	if ((u->fcr & UART_FCR_FE) && (u->lsr_errors & ~UART_LSR_OE))
		lsr |= UART_LSR_FIFOE;
	u->lsr_errors = 0;
	return lsr;
}

/* MSR: the modem lines and the changes since the last read, which this read
 * clears (ending the modem status interrupt). */
static uint8_t msr_read(struct uart16550 *u)
{
	uint8_t msr = msr_lines(u->mcr) | u->msr_delta;

	u->msr_delta = 0;
	return msr;
}

/* SCR: a byte of storage for the programmer, nothing else. */
static uint8_t scr_read(struct uart16550 *u) { return u->scr; }
static void scr_write(struct uart16550 *u, uint8_t v) { u->scr = v; }

struct uart_reg {
	uint8_t (*read)(struct uart16550 *u);         /* NULL: reads 0 */
	void (*write)(struct uart16550 *u, uint8_t v); /* NULL: ignored */
};

/* The register map with DLAB = 0, indexed by offset. */
static const struct uart_reg uart_regs[8] = {
	[UART_RBR] = { rbr_read, thr_write },
	[UART_IER] = { ier_read, ier_write },
	[UART_IIR] = { iir_read, fcr_write },
	[UART_LCR] = { lcr_read, lcr_write },
	[UART_MCR] = { mcr_read, mcr_write },
	[UART_LSR] = { lsr_read, NULL },      /* writes: "factory test" only */
	[UART_MSR] = { msr_read, NULL },
	[UART_SCR] = { scr_read, scr_write },
};

/* What DLAB = 1 puts at offsets 0 and 1. */
static const struct uart_reg uart_dlab_regs[2] = {
	[UART_DLL] = { dll_read, dll_write },
	[UART_DLM] = { dlm_read, dlm_write },
};

static const struct uart_reg *uart_reg(const struct uart16550 *u, uint64_t offset)
{
	if (offset >= ARRAY_SIZE(uart_regs))
		return NULL;
	if ((u->lcr & UART_LCR_DLAB) && offset < ARRAY_SIZE(uart_dlab_regs))
		return &uart_dlab_regs[offset];
	return &uart_regs[offset];
}

/* ---- Interface ------------------------------------------------------------ */

/* Datasheet table V, "UART Reset Configuration": IER, IIR (= 0x01), FCR,
 * LCR, MCR cleared, LSR = THRE | TEMT, MSR deltas cleared.  The divisor and
 * SCR are not reset by hardware; they start at 0 here. */
void uart_init(struct uart16550 *u, void (*tx)(void *ctx, uint8_t byte),
	       void (*irq)(void *ctx, bool level), void *ctx)
{
	*u = (struct uart16550){ .tx = tx, .irq = irq, .ctx = ctx };
}

int uart_access(struct vdev *d, uint64_t offset, unsigned width, bool write,
		uint64_t *val)
{
	struct uart16550 *u = d->priv;
	const struct uart_reg *r;

	/* A byte device.  Linux uses byte accesses (reg-io-width 1); wider
	 * ones act on the byte register at 'offset'. */
	if (width < 1 || width > 4)
		return ERR_INVAL;

	r = uart_reg(u, offset);
	if (write) {
		if (r && r->write)
			r->write(u, (uint8_t)*val);
	} else {
		*val = (r && r->read) ? r->read(u) : 0;
	}
	irq_update(u);
	return 0;
}

bool uart_rx_push(struct uart16550 *u, uint8_t byte)
{
	bool taken = rx_put(u, byte);

	irq_update(u);
	return taken;
}

void uart_rx_error(struct uart16550 *u, uint8_t lsr_bits)
{
	u->lsr_errors |= lsr_bits & UART_LSR_ERRORS;
	irq_update(u);
}
