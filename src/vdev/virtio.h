/*
 * virtio.h - the guest-facing virtio devices: the virtio-mmio transport
 * (virtio.c), a block device (virtio_blk.c), a console (virtio_console.c)
 * and a network card (virtio_net.c).
 *
 * The models are PURE: no CSRs, no Umbra globals, no allocation.  The caller
 * owns every state struct and supplies the model's whole view of the world
 * as callbacks (struct virtio_host):
 *
 *   - gpa_to_hva: the ONLY way a model reaches guest memory.  Every ring,
 *     descriptor and buffer address the guest hands the device goes through
 *     it, and a range it refuses (returns NULL) is never touched.
 *   - irq: the device's interrupt line (level), e.g. a PLIC wire.
 *
 * Spec references are to "Virtual I/O Device (VIRTIO) Version 1.1" (the 1.2
 * text keeps the same rules; 1.2 section numbers differ slightly):
 *   2.1 Device Status Field, 2.2 Feature Bits, 2.4 Device Configuration
 *   Space, 2.6 Split Virtqueues, 3.1 Device Initialization,
 *   4.2 Virtio Over MMIO, 5.1 Network Device, 5.2 Block Device,
 *   5.3 Console Device,
 *   6 Reserved Feature Bits.
 *
 * How Umbra uses it (one device):
 *
 *	static struct virtio_blk blk;
 *	static struct vdev blk_vdev = {
 *		.name = "virtio-blk", .base = 0x10008000, .size = VIRTIO_MMIO_SIZE,
 *		.access = virtio_mmio_access, .priv = &blk.vdev,
 *	};
 *	struct virtio_host host = { vm, vm_gpa_to_hva, vm_virtio_irq };
 *	virtio_blk_init(&blk, &host, &disk_backend, &params);
 *	vdev_register(vm, &blk_vdev);
 *
 * Guest memory is little-endian, like the RISC-V host: fields are read and
 * written with memcpy (no alignment assumptions about host pointers).
 */
#ifndef UMBRA_VIRTIO_H
#define UMBRA_VIRTIO_H

#include "umbra.h"
#include "vdev.h"

/* ---- Transport constants (4.2.2, table "MMIO Device Register Layout") ---- */

#define VIRTIO_MMIO_MAGIC            0x74726976   /* "virt" in little-endian */
#define VIRTIO_MMIO_VERSION_MODERN   2            /* version 1 was legacy */
/* Umbra's vendor ID: the bytes 'U' 'M' 'B' 'R' in little-endian order (the
 * same convention as QEMU's 0x554d4551, which is "QEMU" in memory). */
#define VIRTIO_VENDOR_UMBRA          0x52424d55

#define VIRTIO_MMIO_MAGIC_VALUE        0x000   /* R */
#define VIRTIO_MMIO_VERSION            0x004   /* R */
#define VIRTIO_MMIO_DEVICE_ID          0x008   /* R */
#define VIRTIO_MMIO_VENDOR_ID          0x00c   /* R */
#define VIRTIO_MMIO_DEVICE_FEATURES    0x010   /* R  32 bits selected by ...SEL */
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014  /* W */
#define VIRTIO_MMIO_DRIVER_FEATURES    0x020   /* W */
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024  /* W */
#define VIRTIO_MMIO_QUEUE_SEL          0x030   /* W */
#define VIRTIO_MMIO_QUEUE_NUM_MAX      0x034   /* R */
#define VIRTIO_MMIO_QUEUE_NUM          0x038   /* W */
#define VIRTIO_MMIO_QUEUE_READY        0x044   /* RW */
#define VIRTIO_MMIO_QUEUE_NOTIFY       0x050   /* W */
#define VIRTIO_MMIO_INTERRUPT_STATUS   0x060   /* R */
#define VIRTIO_MMIO_INTERRUPT_ACK      0x064   /* W */
#define VIRTIO_MMIO_STATUS             0x070   /* RW */
#define VIRTIO_MMIO_QUEUE_DESC_LOW     0x080   /* W */
#define VIRTIO_MMIO_QUEUE_DESC_HIGH    0x084   /* W */
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW   0x090   /* W  the available ring */
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH  0x094   /* W */
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW   0x0a0   /* W  the used ring */
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH  0x0a4   /* W */
#define VIRTIO_MMIO_SHM_SEL            0x0ac   /* W  (1.2) */
#define VIRTIO_MMIO_SHM_LEN_LOW        0x0b0   /* R  (1.2) */
#define VIRTIO_MMIO_SHM_LEN_HIGH       0x0b4   /* R */
#define VIRTIO_MMIO_SHM_BASE_LOW       0x0b8   /* R */
#define VIRTIO_MMIO_SHM_BASE_HIGH      0x0bc   /* R */
#define VIRTIO_MMIO_QUEUE_RESET        0x0c0   /* RW (1.2, only with F_RING_RESET) */
#define VIRTIO_MMIO_CONFIG_GENERATION  0x0fc   /* R */
#define VIRTIO_MMIO_CONFIG             0x100   /* device-specific, byte access */
/* The window one device decodes: like QEMU's virt machine, one page per
 * device.  Offsets past the registers and the config space read as zero. */
#define VIRTIO_MMIO_SIZE               0x1000

/* InterruptStatus / InterruptACK bits (4.2.2). */
#define VIRTIO_MMIO_INT_VRING          (1u << 0)   /* used buffer notification */
#define VIRTIO_MMIO_INT_CONFIG         (1u << 1)   /* configuration change */

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE      1u
#define VIRTIO_STATUS_DRIVER           2u
#define VIRTIO_STATUS_DRIVER_OK        4u
#define VIRTIO_STATUS_FEATURES_OK      8u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 0x40u
#define VIRTIO_STATUS_FAILED           0x80u

/* Reserved (device-independent) feature bits (6). */
#define VIRTIO_F_INDIRECT_DESC         28   /* not offered */
#define VIRTIO_F_EVENT_IDX             29   /* not offered */
#define VIRTIO_F_VERSION_1             32   /* offered and REQUIRED */
#define VIRTIO_F_ACCESS_PLATFORM       33
#define VIRTIO_F_RING_PACKED           34

/* Device IDs (5). */
#define VIRTIO_ID_NET                  1
#define VIRTIO_ID_BLOCK                2
#define VIRTIO_ID_CONSOLE              3

/* ---- Split virtqueues (2.6) ------------------------------------------------- */

/* struct virtq_desc { le64 addr; le32 len; le16 flags; le16 next; } (2.6.5) */
#define VIRTQ_DESC_SIZE                16
#define VIRTQ_DESC_F_NEXT              1   /* the chain continues at 'next' */
#define VIRTQ_DESC_F_WRITE             2   /* device-writable (else readable) */
#define VIRTQ_DESC_F_INDIRECT          4   /* a table of descriptors (2.6.5.3) */
/* struct virtq_avail { le16 flags; le16 idx; le16 ring[N]; le16 used_event; } */
#define VIRTQ_AVAIL_F_NO_INTERRUPT     1
/* struct virtq_used { le16 flags; le16 idx; struct { le32 id; le32 len; } ring[N];
 *                     le16 avail_event; } */
#define VIRTQ_USED_F_NO_NOTIFY         1
/* Sizes of the three areas of a queue of N entries, and their alignment
 * (2.6, "Virtqueue Part / Alignment / Size"). */
#define VIRTQ_DESC_BYTES(n)            (16ull * (n))
#define VIRTQ_AVAIL_BYTES(n)           (6ull + 2ull * (n))
#define VIRTQ_USED_BYTES(n)            (6ull + 8ull * (n))
#define VIRTQ_DESC_ALIGN               16
#define VIRTQ_AVAIL_ALIGN              2
#define VIRTQ_USED_ALIGN               4

/* What every queue of these models offers in QueueNumMax.  A power of two
 * (split queue sizes must be) and well under the spec's 32768.  It bounds
 * the scratch array a chain is gathered into (struct virtio_chain). */
#define VIRTIO_QUEUE_NUM_MAX           256
/* The most queues a model has (the console's receiveq and transmitq). */
#define VIRTIO_QUEUES_MAX              2
/* The largest device-specific configuration space of these models. */
#define VIRTIO_CONFIG_MAX              64

/* ---- What the caller provides --------------------------------------------- */

struct virtio_host {
	void *ctx;      /* passed back to both callbacks */
	/*
	 * A host pointer to the guest-physical range [gpa, gpa+len), or NULL
	 * unless ALL of it is guest RAM (and contiguous in the host, so the
	 * model may touch any byte of the range through the pointer).  Never
	 * called with len == 0 or with a range that wraps around.
	 */
	void *(*gpa_to_hva)(void *ctx, uint64_t gpa, uint64_t len);
	/* Drive the device's interrupt line: high while InterruptStatus != 0.
	 * Called only when the level changes. */
	void (*irq)(void *ctx, bool level);
};

/* ---- A descriptor chain, gathered and translated ------------------------- */

/* One descriptor of a chain. */
struct virtio_buf {
	uint8_t *hva;     /* host pointer to the whole buffer, or NULL when len
			     is 0 or the buffer is not guest RAM (then the
			     chain is 'bad') */
	uint32_t len;
	bool writable;    /* VIRTQ_DESC_F_WRITE */
};

/*
 * A request as the device sees it (2.6.4 Message Framing): the
 * device-readable bytes (the concatenation of the readable buffers) then
 * the device-writable bytes.  Devices must not assume any particular
 * split into descriptors; virtio_chain_read/write() give stream access.
 */
struct virtio_chain {
	uint16_t head;          /* the head descriptor: the used element's id */
	uint16_t n;             /* buffers in buf[] */
	/*
	 * The request must fail without using its buffers: a buffer is not
	 * guest RAM or wraps around, a readable buffer follows a writable one
	 * (2.6.4.2: "The driver MUST place any device-writable descriptor
	 * elements after any device-readable descriptor elements"), an
	 * INDIRECT descriptor (not negotiated), or the totals overflow 32 bits.
	 */
	bool bad;
	uint32_t read_len;      /* total of the readable buffers */
	uint32_t write_len;     /* total of the writable buffers */
	struct virtio_buf buf[VIRTIO_QUEUE_NUM_MAX];
};

/* One virtqueue's registers (4.2.2) and the device's progress through it. */
struct virtq {
	uint32_t num;           /* QueueNum, as the driver wrote it */
	bool ready;             /* QueueReady: validated and in use */
	uint64_t desc, driver, device;  /* the three areas, guest-physical */
	uint16_t last_avail;    /* next available-ring index to consume */
	uint16_t used_idx;      /* next used-ring index to fill (== used->idx) */
	struct virtio_chain chain;      /* scratch: the chain being handled */
};

struct virtio_dev;

/* The device-specific half of a model, called by the transport. */
struct virtio_device_ops {
	/* The driver notified queue q (QueueNotify), or set DRIVER_OK while
	 * q was ready.  Only called while the device is live (DRIVER_OK, no
	 * DEVICE_NEEDS_RESET, no FAILED) and q is ready. */
	void (*notify)(struct virtio_dev *d, unsigned q);
	/* The driver reset the device (optional). */
	void (*reset)(struct virtio_dev *d);
};

/* The transport's state: one virtio-mmio device.  Embedded first in each
 * device model's struct; &model->vdev is what goes in struct vdev .priv. */
struct virtio_dev {
	/* Set at init. */
	struct virtio_host host;
	const struct virtio_device_ops *ops;
	uint32_t device_id;
	unsigned num_queues;
	uint64_t device_features;     /* offered: always has VIRTIO_F_VERSION_1 */

	/* Registers. */
	uint32_t status;
	uint32_t device_features_sel, driver_features_sel, queue_sel;
	uint64_t driver_features;     /* as written by the driver */
	uint64_t features;            /* negotiated: valid once FEATURES_OK */
	uint32_t int_status;
	bool irq_level;
	uint32_t config_generation;
	uint32_t config_len;
	uint8_t config[VIRTIO_CONFIG_MAX];   /* little-endian, as the guest sees it */
	struct virtq vq[VIRTIO_QUEUES_MAX];
};

/* ---- Transport API (virtio.c) ---------------------------------------------- */

/* Initialise the transport for a device model (the models call this). */
void virtio_dev_init(struct virtio_dev *d, const struct virtio_host *host,
		     const struct virtio_device_ops *ops, uint32_t device_id,
		     unsigned num_queues, uint64_t device_features);

/* The vdev access handler: d->priv is the struct virtio_dev.  Registers
 * below 0x100 take 32-bit aligned accesses only (4.2.2 driver requirement);
 * anything else is refused with ERR_INVAL (an access fault for the guest).
 * The config space takes any width at any offset. */
int virtio_mmio_access(struct vdev *d, uint64_t offset, unsigned width,
		       bool write, uint64_t *val);
/* The same on the transport struct itself. */
int virtio_mmio_rw(struct virtio_dev *d, uint64_t offset, unsigned width,
		   bool write, uint64_t *val);

/* Replace the device-specific configuration space (len <= VIRTIO_CONFIG_MAX):
 * bumps ConfigGeneration and, once DRIVER_OK, sends a configuration change
 * notification (2.4, 4.2.2). */
void virtio_config_set(struct virtio_dev *d, const void *cfg, uint32_t len);

/* Did the driver accept feature 'bit' (valid once FEATURES_OK)? */
static inline bool virtio_has_feature(const struct virtio_dev *d, unsigned bit)
{
	return (d->status & VIRTIO_STATUS_FEATURES_OK) && (d->features >> bit) & 1;
}

/* DRIVER_OK set, and neither DEVICE_NEEDS_RESET nor FAILED. */
bool virtio_live(const struct virtio_dev *d);

/*
 * Take the next available chain of queue q.  Returns 1 with *out set (the
 * chain lives in the queue's scratch until the next pop of that queue), 0
 * when there is none (or the device is not live / q not ready), or a
 * negative error when the queue itself is corrupt (an available index more
 * than N ahead, a descriptor index >= N, a chain longer than N, rings no
 * longer in guest RAM): the device then sets DEVICE_NEEDS_RESET, raises a
 * configuration change interrupt and processes nothing until reset.
 */
int virtq_pop(struct virtio_dev *d, unsigned q, struct virtio_chain **out);
/* Return a popped chain to the driver with 'len' bytes written into it. */
void virtq_push(struct virtio_dev *d, unsigned q, const struct virtio_chain *c,
		uint32_t len);
/* After pushing: a used buffer notification, unless the driver asked for
 * none (VIRTQ_AVAIL_F_NO_INTERRUPT, 2.6.7). */
void virtq_notify_used(struct virtio_dev *d, unsigned q);
/* Pop every available chain of q, hand it to fn (which returns the bytes it
 * wrote into the chain), push it, and notify once.  Returns chains done. */
unsigned virtio_queue_process(struct virtio_dev *d, unsigned q,
			      uint32_t (*fn)(struct virtio_dev *d, struct virtio_chain *c));

/* Stream access to a chain's bytes; both return the bytes copied (short
 * when the stream ends, or at a buffer that is not guest RAM). */
uint32_t virtio_chain_read(const struct virtio_chain *c, uint32_t off,
			   void *dst, uint32_t len);
uint32_t virtio_chain_write(const struct virtio_chain *c, uint32_t off,
			    const void *src, uint32_t len);

/* ---- Block device (virtio_blk.c, 5.2) ----------------------------------------- */

#define VIRTIO_BLK_F_SIZE_MAX    1
#define VIRTIO_BLK_F_SEG_MAX     2
#define VIRTIO_BLK_F_GEOMETRY    4
#define VIRTIO_BLK_F_RO          5
#define VIRTIO_BLK_F_BLK_SIZE    6
#define VIRTIO_BLK_F_FLUSH       9

#define VIRTIO_BLK_T_IN          0
#define VIRTIO_BLK_T_OUT         1
#define VIRTIO_BLK_T_FLUSH       4
#define VIRTIO_BLK_T_GET_ID      8

#define VIRTIO_BLK_S_OK          0
#define VIRTIO_BLK_S_IOERR       1
#define VIRTIO_BLK_S_UNSUPP      2

#define VIRTIO_BLK_SECTOR_SIZE   512
#define VIRTIO_BLK_ID_BYTES      20
#define VIRTIO_BLK_REQ_HDR_SIZE  16   /* le32 type, le32 reserved, le64 sector */

/* Config space offsets (struct virtio_blk_config, 5.2.4). */
#define VIRTIO_BLK_CFG_CAPACITY  0x00  /* le64, in 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX  0x08  /* le32 */
#define VIRTIO_BLK_CFG_SEG_MAX   0x0c  /* le32 */
#define VIRTIO_BLK_CFG_BLK_SIZE  0x14  /* le32 */
#define VIRTIO_BLK_CFG_LEN       0x24  /* through num_queues */

/*
 * The disk behind the device.  'buf' is a HOST pointer into guest RAM that
 * gpa_to_hva validated for all 'len' bytes (Umbra's backend may hand its
 * physical address to the real disk as a DMA address); len is a non-zero
 * multiple of 512 and [sector, sector + len/512) is within the capacity.
 * Return 0, or a negative error (the request then fails with IOERR).
 * Completion is synchronous.
 */
struct virtio_blk_backend {
	void *ctx;
	int (*read)(void *ctx, uint64_t sector, void *buf, uint32_t len);
	int (*write)(void *ctx, uint64_t sector, const void *buf, uint32_t len);
	/* Make completed writes durable.  NULL: the backend has no volatile
	 * cache, and VIRTIO_BLK_F_FLUSH is not offered. */
	int (*flush)(void *ctx);
};

struct virtio_blk_params {
	uint64_t capacity;      /* in 512-byte sectors */
	bool read_only;         /* offer VIRTIO_BLK_F_RO; writes fail with IOERR */
	const char *id;         /* GET_ID string, at most 20 bytes used; NULL: "" */
};

struct virtio_blk {
	struct virtio_dev vdev;         /* first */
	struct virtio_blk_backend be;
	uint64_t capacity;
	bool read_only;
	char id[VIRTIO_BLK_ID_BYTES];   /* NUL-padded, no terminator at 20 */
	struct {
		uint64_t requests, ioerr, unsupp, no_status;
	} stats;
};

/* Returns 0, or ERR_INVAL for a backend without read/write. */
int virtio_blk_init(struct virtio_blk *b, const struct virtio_host *host,
		    const struct virtio_blk_backend *be,
		    const struct virtio_blk_params *p);
/* The disk changed size: update the config space (configuration change
 * notification once the driver is up; 5.2.6.2 "the device SHOULD trigger
 * a configuration change notification"). */
void virtio_blk_set_capacity(struct virtio_blk *b, uint64_t sectors);

/* ---- Console (virtio_console.c, 5.3) ------------------------------------------ */

#define VIRTIO_CONSOLE_F_SIZE       0
#define VIRTIO_CONSOLE_F_MULTIPORT  1   /* not offered */
#define VIRTIO_CONSOLE_F_EMERG_WRITE 2  /* not offered */

#define VIRTIO_CONSOLE_RX_Q      0   /* receiveq: device -> driver */
#define VIRTIO_CONSOLE_TX_Q      1   /* transmitq: driver -> device */

#define VIRTIO_CONSOLE_CFG_COLS  0x00  /* le16 */
#define VIRTIO_CONSOLE_CFG_ROWS  0x02  /* le16 */
#define VIRTIO_CONSOLE_CFG_LEN   0x0c  /* cols, rows, max_nr_ports, emerg_wr */

struct virtio_console_backend {
	void *ctx;
	/* Bytes the guest wrote (one call per readable buffer). */
	void (*tx)(void *ctx, const uint8_t *buf, size_t len);
	/* Optional: the driver made receive buffers available; a good moment
	 * to virtio_console_rx_push() input that was held back. */
	void (*rx_ready)(void *ctx);
};

struct virtio_console {
	struct virtio_dev vdev;         /* first */
	struct virtio_console_backend be;
	struct {
		uint64_t tx_bytes, rx_bytes, bad_chains;
	} stats;
};

/* cols/rows: both non-zero offers VIRTIO_CONSOLE_F_SIZE.  Returns 0, or
 * ERR_INVAL for a backend without tx. */
int virtio_console_init(struct virtio_console *c, const struct virtio_host *host,
			const struct virtio_console_backend *be,
			uint16_t cols, uint16_t rows);
/* Deliver input to the guest: fills the available receive buffers, raises
 * the interrupt, returns how many bytes were accepted (0 when the driver is
 * not up or has no buffers; the caller may drop or retry the rest). */
size_t virtio_console_rx_push(struct virtio_console *c, const uint8_t *buf,
			      size_t len);

/* ---- Network card (virtio_net.c, 5.1) ---------------------------------------- */

#define VIRTIO_NET_F_MAC         5    /* config space has the MAC address */
#define VIRTIO_NET_F_STATUS      16   /* config space has the link status */

#define VIRTIO_NET_RX_Q          0    /* receiveq1: device -> driver */
#define VIRTIO_NET_TX_Q          1    /* transmitq1: driver -> device */

/* struct virtio_net_config (5.1.4): u8 mac[6]; le16 status; ... */
#define VIRTIO_NET_CFG_MAC       0x00
#define VIRTIO_NET_CFG_STATUS    0x06
#define VIRTIO_NET_CFG_LEN       0x08
#define VIRTIO_NET_S_LINK_UP     1

/*
 * struct virtio_net_hdr (5.1.6): u8 flags; u8 gso_type; le16 hdr_len;
 * le16 gso_size; le16 csum_start; le16 csum_offset; le16 num_buffers.
 * With VIRTIO_F_VERSION_1 num_buffers is always there: 12 bytes, in front
 * of every frame in both directions.
 */
#define VIRTIO_NET_HDR_SIZE      12
#define VIRTIO_NET_HDR_GSO_TYPE  1    /* offset of gso_type */
#define VIRTIO_NET_HDR_NUM_BUFS  10   /* offset of num_buffers */
#define VIRTIO_NET_HDR_GSO_NONE  0

/* Ethernet frames as the device carries them: destination, source, type
 * (14 bytes) and up to 1500 bytes of payload; no FCS, no VLAN tag room. */
#define ETH_ALEN                 6
#define ETH_HLEN                 14
#define ETH_FRAME_MAX            1514

struct virtio_net_backend {
	void *ctx;
	/* A frame the guest sent: ETH_HLEN..ETH_FRAME_MAX bytes, without the
	 * virtio_net_hdr, in a buffer of the model's (not guest RAM). */
	void (*tx)(void *ctx, const uint8_t *frame, uint32_t len);
	/* Optional: the driver made receive buffers available; a good moment
	 * to virtio_net_rx() frames that were held back. */
	void (*rx_ready)(void *ctx);
};

struct virtio_net {
	struct virtio_dev vdev;         /* first */
	struct virtio_net_backend be;
	uint8_t mac[ETH_ALEN];
	uint8_t frame[ETH_FRAME_MAX];   /* a transmitted frame, gathered */
	struct {
		uint64_t tx_frames, tx_bytes, tx_bad;   /* sent; chains refused */
		uint64_t rx_frames, rx_bytes, rx_bad;   /* received; chains refused */
	} stats;
};

/* Offers VIRTIO_NET_F_MAC (this 'mac') and VIRTIO_NET_F_STATUS (link up).
 * Returns 0, or ERR_INVAL for a backend without tx. */
int virtio_net_init(struct virtio_net *n, const struct virtio_host *host,
		    const struct virtio_net_backend *be, const uint8_t mac[ETH_ALEN]);
/*
 * Deliver one frame (ETH_HLEN..ETH_FRAME_MAX bytes) to the guest: into the
 * next receive buffer, behind a virtio_net_hdr, with an interrupt.
 * Returns 1 when it was delivered, 0 when the driver is not up or has no
 * receive buffer (the caller keeps the frame or drops it), ERR_RANGE for a
 * frame of the wrong size.  Receive chains that cannot hold a frame are
 * given back empty (stats.rx_bad) and the frame goes to the next one.
 */
int virtio_net_rx(struct virtio_net *n, const uint8_t *frame, uint32_t len);

#endif
