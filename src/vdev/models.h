/*
 * models.h - the device models behind Umbra's vdevs: an NS16550A UART and a
 * SiFive PLIC, both laid out as on QEMU's virt machine.
 *
 * The models are pure: no CSR access, no Umbra globals, no allocation.  Each
 * one's state is a struct its caller owns, and everything the device does to
 * the outside world (a byte sent, an interrupt line moving) goes through a
 * callback.  That is what lets tests/host/ run them on the host, and lets
 * Umbra wire them together: the UART's irq callback calls plic_set_irq() (via
 * vdev_irq), the PLIC's eip callback drives a vCPU's virtual sip.SEIP.
 *
 * Each model's access function has the vdev_access_fn signature and finds its
 * state in d->priv, so a device is just
 *
 *	static struct uart16550 uart;
 *	static struct vdev uart_dev = {
 *		"uart", UART_VIRT_BASE, UART_VIRT_SIZE, uart_access, &uart,
 *	};
 *	uart_init(&uart, console_tx, uart_irq, vm);
 *	vdev_register(vm, &uart_dev);
 */
#ifndef UMBRA_VDEV_MODELS_H
#define UMBRA_VDEV_MODELS_H

#include "umbra.h"
#include "vdev.h"

/* ======================================================================== */
/* NS16550A UART (National Semiconductor PC16550D datasheet)                  */
/* ======================================================================== */

/* Where QEMU virt puts it: compatible "ns16550a", reg-shift 0, PLIC irq 10. */
#define UART_VIRT_BASE   0x10000000UL
#define UART_VIRT_SIZE   0x100UL
#define UART_VIRT_IRQ    10

#define UART_FIFO_SIZE   16      /* the 16550's receiver FIFO depth */

struct uart16550 {
	/* Programmer-visible registers (datasheet table II). */
	uint8_t ier;            /* interrupt enable, bits 3:0 */
	uint8_t lcr;            /* line control; bit 7 is DLAB */
	uint8_t mcr;            /* modem control, bits 4:0 */
	uint8_t scr;            /* scratch */
	uint8_t dll, dlm;       /* divisor latch, low and high byte */
	uint8_t fcr;            /* FIFO control as last written: FE and RX trigger */
	uint8_t lsr_errors;     /* LSR OE/PE/FE/BI, latched until LSR is read */
	uint8_t msr_delta;      /* MSR bits 3:0, latched until MSR is read */

	/* The receiver FIFO (one byte deep while FIFOs are disabled). */
	uint8_t rx[UART_FIFO_SIZE];
	unsigned rx_head, rx_count;

	/*
	 * The "THR empty" interrupt latch: set when the THR becomes empty with
	 * IER.ETBEI on, cleared by reading IIR while it is the reported source
	 * (or by turning ETBEI off).  See uart.c for why it is a latch.
	 */
	bool thre_ipending;

	bool irq_line;          /* the level last reported to irq() */

	/* Effects.  Either may be NULL. */
	void (*tx)(void *ctx, uint8_t byte);   /* a byte the guest transmitted */
	void (*irq)(void *ctx, bool level);    /* the INTR pin, on every change */
	void *ctx;
};

/* Power-on state (datasheet "master reset"); the irq line starts low and is
 * not reported. */
void uart_init(struct uart16550 *u, void (*tx)(void *ctx, uint8_t byte),
	       void (*irq)(void *ctx, bool level), void *ctx);

/*
 * The vdev handler: d->priv is a struct uart16550.  Offsets 0..7 are the
 * registers (reg-shift 0), 8..size read 0 and ignore writes.  Widths 1..4 act
 * on the byte register at 'offset' (reads zero-extend it, writes use the low
 * byte); any other width is ERR_INVAL.
 */
int uart_access(struct vdev *d, uint64_t offset, unsigned width, bool write,
		uint64_t *val);

/* A byte from the host for the guest to read.  false (the byte is not taken)
 * when the receiver FIFO is full: the caller keeps it and tries again later. */
bool uart_rx_push(struct uart16550 *u, uint8_t byte);

/* A receive error the host side saw (any of UART_LSR_OE/PE/FE/BI), e.g. an
 * overrun when the caller had to drop a byte uart_rx_push() refused. */
void uart_rx_error(struct uart16550 *u, uint8_t lsr_bits);

/* Register offsets (DLAB = LCR bit 7 selects DLL/DLM at 0/1). */
#define UART_RBR 0   /* read:  receiver buffer */
#define UART_THR 0   /* write: transmitter holding */
#define UART_DLL 0   /* DLAB:  divisor latch LSB */
#define UART_IER 1   /* interrupt enable */
#define UART_DLM 1   /* DLAB:  divisor latch MSB */
#define UART_IIR 2   /* read:  interrupt identification */
#define UART_FCR 2   /* write: FIFO control */
#define UART_LCR 3   /* line control */
#define UART_MCR 4   /* modem control */
#define UART_LSR 5   /* line status */
#define UART_MSR 6   /* modem status */
#define UART_SCR 7   /* scratch */

#define UART_IER_ERBFI 0x01  /* received data available (and timeout) */
#define UART_IER_ETBEI 0x02  /* transmitter holding register empty */
#define UART_IER_ELSI  0x04  /* receiver line status */
#define UART_IER_EDSSI 0x08  /* modem status */

#define UART_IIR_NONE  0x01  /* bit 0 = 1: no interrupt pending */
#define UART_IIR_MSR   0x00
#define UART_IIR_THRE  0x02
#define UART_IIR_RDA   0x04
#define UART_IIR_RLS   0x06
#define UART_IIR_CTI   0x0c  /* character timeout (FIFO mode) */
#define UART_IIR_FIFO  0xc0  /* both set while FCR.FE = 1 */

#define UART_FCR_FE        0x01  /* FIFO enable */
#define UART_FCR_CLEAR_RX  0x02
#define UART_FCR_CLEAR_TX  0x04
#define UART_FCR_DMA       0x08
#define UART_FCR_TRIGGER   0xc0  /* RX trigger level: 1, 4, 8, 14 bytes */

#define UART_LCR_DLAB  0x80

#define UART_MCR_DTR   0x01
#define UART_MCR_RTS   0x02
#define UART_MCR_OUT1  0x04
#define UART_MCR_OUT2  0x08
#define UART_MCR_LOOP  0x10

#define UART_LSR_DR    0x01  /* data ready */
#define UART_LSR_OE    0x02  /* overrun error */
#define UART_LSR_PE    0x04  /* parity error */
#define UART_LSR_FE    0x08  /* framing error */
#define UART_LSR_BI    0x10  /* break interrupt */
#define UART_LSR_THRE  0x20  /* transmitter holding register empty */
#define UART_LSR_TEMT  0x40  /* transmitter empty */
#define UART_LSR_FIFOE 0x80  /* error in RX FIFO (FIFO mode) */
#define UART_LSR_ERRORS (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

#define UART_MSR_DCTS  0x01
#define UART_MSR_DDSR  0x02
#define UART_MSR_TERI  0x04
#define UART_MSR_DDCD  0x08
#define UART_MSR_CTS   0x10
#define UART_MSR_DSR   0x20
#define UART_MSR_RI    0x40
#define UART_MSR_DCD   0x80

/* ======================================================================== */
/* SiFive PLIC (RISC-V Platform-Level Interrupt Controller Specification)     */
/* ======================================================================== */

/* Where QEMU virt puts it: compatible "sifive,plic-1.0.0", "riscv,plic0". */
#define PLIC_VIRT_BASE      0x0c000000UL
#define PLIC_VIRT_SIZE      0x600000UL
#define PLIC_VIRT_NSOURCES  95      /* riscv,ndev */

#define PLIC_MAX_SOURCES    127     /* sources 1..127; 0 means "no interrupt" */
#define PLIC_MAX_CONTEXTS   16      /* 8 harts: an M and an S context each */
#define PLIC_WORDS          ((PLIC_MAX_SOURCES + 1 + 31) / 32)
#define PLIC_PRIO_MASK      7       /* 3 priority bits: 0 (never) .. 7 */

/* QEMU virt's contexts: hart h's M-mode, then its S-mode. */
#define PLIC_CONTEXT_M(hart) (2 * (hart))
#define PLIC_CONTEXT_S(hart) (2 * (hart) + 1)

/* Register map (PLIC spec, "Memory Map"). */
#define PLIC_PRIORITY_BASE   0x000000  /* + 4 * source */
#define PLIC_PENDING_BASE    0x001000  /* + 4 * word */
#define PLIC_ENABLE_BASE     0x002000  /* + 0x80 * context + 4 * word */
#define PLIC_ENABLE_STRIDE   0x80
#define PLIC_CONTEXT_BASE    0x200000  /* + 0x1000 * context */
#define PLIC_CONTEXT_STRIDE  0x1000
#define PLIC_THRESHOLD       0x0       /* within a context's page */
#define PLIC_CLAIM           0x4       /* read: claim, write: complete */

struct plic {
	unsigned nsources;                 /* sources 1..nsources exist */
	unsigned ncontexts;
	uint8_t priority[PLIC_MAX_SOURCES + 1];
	uint32_t level[PLIC_WORDS];        /* each source's wire, as last set */
	uint32_t pending[PLIC_WORDS];      /* IP bits: requests the gateways sent */
	uint32_t in_service[PLIC_WORDS];   /* claimed, not yet completed */
	uint32_t enable[PLIC_MAX_CONTEXTS][PLIC_WORDS];
	uint8_t threshold[PLIC_MAX_CONTEXTS];
	bool eip_line[PLIC_MAX_CONTEXTS];  /* each context's EIP as last reported */

	/* A context's external-interrupt line changed (may be NULL). */
	void (*eip)(void *ctx, unsigned context, bool level);
	void *ctx;
};

/* Reset state: every priority, enable and threshold 0, nothing pending, all
 * lines low (not reported).  ERR_INVAL if nsources is not 1..PLIC_MAX_SOURCES
 * or ncontexts not 1..PLIC_MAX_CONTEXTS. */
int plic_init(struct plic *p, unsigned nsources, unsigned ncontexts,
	      void (*eip)(void *ctx, unsigned context, bool level), void *ctx);

/* The vdev handler: d->priv is a struct plic.  Aligned 32-bit accesses only
 * (anything else is ERR_INVAL: the guest gets an access fault); offsets the
 * map does not define read 0 and ignore writes. */
int plic_access(struct vdev *d, uint64_t offset, unsigned width, bool write,
		uint64_t *val);

/* Drive the level-triggered wire of 'source' (1..nsources; others ignored). */
void plic_set_irq(struct plic *p, unsigned source, bool level);

/* A context's external-interrupt line now (the value eip() last reported). */
bool plic_eip_level(const struct plic *p, unsigned context);

#endif
