/*
 * uart.c - the host's NS16550A UART, polled.  Umbra's own console output
 * and the guest's console go out through it, and what the user types comes
 * in through it.
 */
#include "host.h"
#include "mm.h"

/* 16550 registers (one byte apart on QEMU virt: reg-shift 0). */
#define UART_RBR 0   /* receive buffer (read) */
#define UART_THR 0   /* transmit holding (write) */
#define UART_LSR 5   /* line status */
#define LSR_DR   0x01   /* data ready */
#define LSR_THRE 0x20   /* transmit holding register empty */

static volatile uint8_t *uart;

int host_uart_init(uint64_t pa)
{
	uart = mm_map_io(pa, 8);
	return uart ? 0 : ERR_NOMEM;
}

void host_uart_putc(int c)
{
	while (!(uart[UART_LSR] & LSR_THRE))
		;
	uart[UART_THR] = (uint8_t)c;
}

int host_uart_getc(void)
{
	return uart[UART_LSR] & LSR_DR ? uart[UART_RBR] : -1;
}
