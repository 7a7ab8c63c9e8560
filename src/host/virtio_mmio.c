/*
 * virtio_mmio.c - bringing up a host virtio-mmio device (see virtio_mmio.h).
 */
#include "virtio_mmio.h"
#include "mm.h"

#define VIRTIO_MAGIC_VALUE 0x74726976        /* "virt", little-endian */
#define VIRTIO_F_VERSION_1_HI (1u << 0)      /* feature bit 32 */

#define STATUS_ACKNOWLEDGE 1                 /* the OS saw the device */
#define STATUS_DRIVER      2                 /* ... and has a driver for it */
#define STATUS_DRIVER_OK   4                 /* ... which is ready */
#define STATUS_FEATURES_OK 8                 /* ... and accepts the features */

volatile uint32_t *vmmio_probe(uint64_t pa, uint32_t id, const char *what, int *err)
{
	volatile uint32_t *regs = mm_map_io(pa, 0x200);

	*err = 0;
	if (!regs) {
		*err = ERR_NOMEM;
		return NULL;
	}
	if (vmmio_rd(regs, VIRTIO_MAGIC) != VIRTIO_MAGIC_VALUE ||
	    vmmio_rd(regs, VIRTIO_DEVICE_ID) != id)
		return NULL;
	if (vmmio_rd(regs, VIRTIO_VERSION) != 2) {
		pr_err("host %s is a legacy (version 1) device; QEMU needs "
		       "-global virtio-mmio.force-legacy=false\n", what);
		*err = ERR_NOTSUPP;
		return NULL;
	}
	return regs;
}

/* The device initialisation sequence of Virtio 1.1, 3.1.1, steps 1-6. */
int vmmio_negotiate(volatile uint32_t *regs, uint32_t want, uint32_t *got)
{
	/* 1-3: reset, then say the device was seen and is understood. */
	vmmio_wr(regs, VIRTIO_STATUS, 0);
	vmmio_wr(regs, VIRTIO_STATUS, STATUS_ACKNOWLEDGE);
	vmmio_wr(regs, VIRTIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);

	/* 4: read the device's features, write the subset understood.  Bit
	 * 32, VERSION_1, is required: the modern layout of everything. */
	vmmio_wr(regs, VIRTIO_DEVICE_FEATURES_SEL, 1);
	if (!(vmmio_rd(regs, VIRTIO_DEVICE_FEATURES) & VIRTIO_F_VERSION_1_HI))
		return ERR_NOTSUPP;
	vmmio_wr(regs, VIRTIO_DEVICE_FEATURES_SEL, 0);
	*got = vmmio_rd(regs, VIRTIO_DEVICE_FEATURES) & want;
	vmmio_wr(regs, VIRTIO_DRIVER_FEATURES_SEL, 1);
	vmmio_wr(regs, VIRTIO_DRIVER_FEATURES, VIRTIO_F_VERSION_1_HI);
	vmmio_wr(regs, VIRTIO_DRIVER_FEATURES_SEL, 0);
	vmmio_wr(regs, VIRTIO_DRIVER_FEATURES, *got);

	/* 5-6: FEATURES_OK, and read it back: the device may refuse. */
	vmmio_wr(regs, VIRTIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
	if (!(vmmio_rd(regs, VIRTIO_STATUS) & STATUS_FEATURES_OK))
		return ERR_NOTSUPP;
	return 0;
}

/* Step 7: the virtqueues (4.2.3.2). */
int vmmio_queue_setup(volatile uint32_t *regs, unsigned qi, unsigned num,
		      uint64_t desc, uint64_t driver, uint64_t device)
{
	vmmio_wr(regs, VIRTIO_QUEUE_SEL, qi);
	if (vmmio_rd(regs, VIRTIO_QUEUE_NUM_MAX) < num)
		return ERR_NOTSUPP;
	vmmio_wr(regs, VIRTIO_QUEUE_NUM, num);
	vmmio_wr(regs, VIRTIO_QUEUE_DESC_LOW, (uint32_t)desc);
	vmmio_wr(regs, VIRTIO_QUEUE_DESC_LOW + 4, (uint32_t)(desc >> 32));
	vmmio_wr(regs, VIRTIO_QUEUE_DRIVER_LOW, (uint32_t)driver);
	vmmio_wr(regs, VIRTIO_QUEUE_DRIVER_LOW + 4, (uint32_t)(driver >> 32));
	vmmio_wr(regs, VIRTIO_QUEUE_DEVICE_LOW, (uint32_t)device);
	vmmio_wr(regs, VIRTIO_QUEUE_DEVICE_LOW + 4, (uint32_t)(device >> 32));
	vmmio_wr(regs, VIRTIO_QUEUE_READY, 1);
	return 0;
}

/* Step 8: DRIVER_OK, the device is live. */
void vmmio_driver_ok(volatile uint32_t *regs)
{
	vmmio_wr(regs, VIRTIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK |
			   STATUS_DRIVER_OK);
}
