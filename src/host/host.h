/*
 * host.h - Umbra's drivers for the real machine's devices: the UART (the
 * console the user sees), a virtio-blk disk (what a guest's disk is
 * backed by), a virtio-net card (the uplink of Umbra's virtual switch,
 * src/net) and a virtio console (where the exit trace goes).  All are
 * driven by polling: Umbra never takes their interrupts.
 */
#ifndef UMBRA_HOST_H
#define UMBRA_HOST_H

#include "umbra.h"

/* The console UART (NS16550A).  Before host_uart_init the firmware's SBI
 * console is used. */
int host_uart_init(uint64_t pa);
void host_uart_putc(int c);
int host_uart_getc(void);             /* a byte, or -1 if none is waiting */

/* The virtio-blk devices among the host's virtio-mmio slots, each found by
 * its serial number (run.py names each guest's disk after the guest). */
struct host_blk;
int host_blk_init(const uint64_t *mmio_pa, unsigned n);
struct host_blk *host_blk_find(const char *serial);   /* NULL: no such disk */
uint64_t host_blk_capacity(struct host_blk *blk);     /* in 512-byte sectors */
/* Read or write 'len' bytes (a multiple of 512) at 'sector' from/to host
 * physical memory 'pa'; synchronous.  0 or a negative error. */
int host_blk_rw(struct host_blk *blk, uint64_t sector, uint64_t pa, uint32_t len, bool write);
int host_blk_flush(struct host_blk *blk);

/* The first virtio-net card among the host's virtio-mmio slots
 * (virtio_net.c).  Frames are 14..1514 bytes, without an FCS.  The caller
 * serialises all calls (src/net/net.c). */
int host_net_init(const uint64_t *mmio_pa, unsigned n);
bool host_net_present(void);
void host_net_mac(uint8_t mac[6]);    /* the card's own address */
/* Queue a frame for sending (copied): 1, 0 when every transmit buffer is
 * in flight (try again later), or a negative error. */
int host_net_send(const void *frame, uint32_t len);
/* Hand up to 'max' received frames to fn (the frame is only valid during
 * the call); returns how many were taken off the card. */
unsigned host_net_recv(void (*fn)(void *ctx, const uint8_t *frame, uint32_t len),
		       void *ctx, unsigned max);

/* The first virtio console among the host's virtio-mmio slots
 * (virtio_console.c), write-only: where the exit trace goes.  The caller
 * serialises; 'buf' must be in Umbra's own memory (mm_va_to_pa works). */
int host_cons_init(const uint64_t *mmio_pa, unsigned n);
bool host_cons_present(void);
int host_cons_write(const void *buf, uint32_t len);

#endif
