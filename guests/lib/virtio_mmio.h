/*
 * virtio_mmio.h - the register file of a virtio-mmio transport (virtio 1.x,
 * "4.2.2 MMIO Device Register Layout"), for the guests that drive it or
 * attack it.  Offsets from the transport's base; every register is 32 bits
 * wide.  The device-specific configuration space starts at V_CONFIG.
 */
#ifndef GUEST_VIRTIO_MMIO_H
#define GUEST_VIRTIO_MMIO_H

#define V_MAGIC     0x000	/* reads VIRTIO_MMIO_MAGIC */
#define V_VERSION   0x004	/* 2: the modern (1.x) transport */
#define V_DEVID     0x008	/* 0: no device here; 2: block; 3: console */
#define V_VENDOR    0x00c
#define V_DFEAT     0x010	/* device features, the word V_DFEATSEL selects */
#define V_DFEATSEL  0x014
#define V_DRFEAT    0x020	/* driver features, the word V_DRFEATSEL selects */
#define V_DRFEATSEL 0x024
#define V_QSEL      0x030	/* the queue the V_Q* registers are about */
#define V_QNUMMAX   0x034
#define V_QNUM      0x038
#define V_QREADY    0x044
#define V_NOTIFY    0x050
#define V_ISTATUS   0x060
#define V_IACK      0x064
#define V_STATUS    0x070
#define V_QDESC     0x080	/* 64-bit addresses: low word, high word at +4 */
#define V_QDRIVER   0x090
#define V_QDEVICE   0x0a0
#define V_CFGGEN    0x0fc
#define V_CONFIG    0x100

#define VIRTIO_MMIO_MAGIC 0x74726976	/* "virt", little-endian */

#endif /* GUEST_VIRTIO_MMIO_H */
