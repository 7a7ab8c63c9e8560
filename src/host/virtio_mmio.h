/*
 * virtio_mmio.h - what Umbra's drivers for the host's virtio devices
 * (virtio_blk.c, virtio_net.c, virtio_console.c) share: the virtio-mmio
 * register layout (Virtio 1.1, 4.2.2), the split virtqueue's descriptor
 * (2.6.5), and the steps of bringing a device up (3.1.1).  Private to
 * src/host.
 *
 * A device is found by probing each virtio-mmio slot the host device tree
 * lists: the magic value "virt", version 2 (the modern interface: run.py
 * passes -global virtio-mmio.force-legacy=false) and a device ID
 * (1 network card, 2 block device, 3 console).
 */
#ifndef UMBRA_HOST_VIRTIO_MMIO_H
#define UMBRA_HOST_VIRTIO_MMIO_H

#include "umbra.h"

/* Registers, as byte offsets. */
#define VIRTIO_MAGIC            0x000
#define VIRTIO_VERSION          0x004
#define VIRTIO_DEVICE_ID        0x008
#define VIRTIO_DEVICE_FEATURES  0x010
#define VIRTIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_DRIVER_FEATURES  0x020
#define VIRTIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_QUEUE_SEL        0x030
#define VIRTIO_QUEUE_NUM_MAX    0x034
#define VIRTIO_QUEUE_NUM        0x038
#define VIRTIO_QUEUE_READY      0x044
#define VIRTIO_QUEUE_NOTIFY     0x050
#define VIRTIO_INTERRUPT_STATUS 0x060
#define VIRTIO_INTERRUPT_ACK    0x064
#define VIRTIO_STATUS           0x070
#define VIRTIO_QUEUE_DESC_LOW   0x080
#define VIRTIO_QUEUE_DRIVER_LOW 0x090
#define VIRTIO_QUEUE_DEVICE_LOW 0x0a0
#define VIRTIO_CONFIG           0x100

#define VIRTIO_ID_NET     1
#define VIRTIO_ID_BLOCK   2
#define VIRTIO_ID_CONSOLE 3

#define VIRTQ_DESC_F_NEXT  1
#define VIRTQ_DESC_F_WRITE 2       /* the device writes this buffer */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

/* One buffer of a request chain: where it is (host physical), how long. */
struct virtq_desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
/* One buffer the device is done with: the head of its chain, bytes written. */
struct virtq_used_elem { uint32_t id, len; };

static inline uint32_t vmmio_rd(volatile uint32_t *regs, unsigned off)
{
	return regs[off / 4];
}

static inline void vmmio_wr(volatile uint32_t *regs, unsigned off, uint32_t v)
{
	regs[off / 4] = v;
}

/* The slot at 'pa' if it holds a modern device of type 'id'; NULL if it
 * holds something else.  *err is set (and NULL returned) if the slot cannot
 * be mapped or holds a legacy device of that type ('what' names it). */
volatile uint32_t *vmmio_probe(uint64_t pa, uint32_t id, const char *what, int *err);

/* Reset the device and agree on features: VIRTIO_F_VERSION_1 plus those of
 * 'want' (feature bits 0-31) the device offers, which are returned. */
int vmmio_negotiate(volatile uint32_t *regs, uint32_t want, uint32_t *got);

/* Give queue 'qi' its three rings (host physical addresses), 'num' entries. */
int vmmio_queue_setup(volatile uint32_t *regs, unsigned qi, unsigned num,
		      uint64_t desc, uint64_t driver, uint64_t device);

/* The driver is ready: the device may use the queues. */
void vmmio_driver_ok(volatile uint32_t *regs);

#endif
