/*
 * virtio_blk.c - Umbra's driver for the host's virtio-blk disks (QEMU's
 * virtio-blk-device on virtio-mmio slots, modern interface: run.py passes
 * -global virtio-mmio.force-legacy=false).  Each disk belongs to one guest,
 * named by the disk's serial number (run.py sets serial=<guest name>; the
 * driver reads it with a GET_ID request), and is used only under that
 * guest's board lock: disks share no state.
 *
 * One split virtqueue, one request at a time, completion by polling the
 * used ring.  A request is three descriptors: the 16-byte header (type and
 * sector), the data, and the one-byte status the device writes.  Data
 * buffers are given by host physical address, so a guest's buffer (guest
 * RAM is one contiguous block of host RAM) is read or written in place.
 */
#include <string.h>
#include "host.h"
#include "mm.h"
#include "virtio_mmio.h"


#define VIRTIO_BLK_F_FLUSH      (1u << 9)
#define VIRTIO_BLK_T_IN    0
#define VIRTIO_BLK_T_OUT   1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_ID_BYTES 20     /* the serial: up to 20 bytes, NUL-padded */
#define HOST_BLK_MAX 4

#define QSIZE 4

struct virtq_avail { uint16_t flags, idx, ring[QSIZE], used_event; };
struct virtq_used { uint16_t flags, idx; struct virtq_used_elem ring[QSIZE]; uint16_t avail_event; };
struct blk_req { uint32_t type, reserved; uint64_t sector; };

/* Everything the device reads or writes lives in one page of Umbra's. */
struct blk_page {
	struct virtq_desc desc[QSIZE];
	struct virtq_avail avail;
	uint8_t pad[64];
	struct virtq_used used __attribute__((aligned(4)));
	struct blk_req req;
	volatile uint8_t status;
	char id[VIRTIO_BLK_ID_BYTES];
};
_Static_assert(sizeof(struct blk_page) <= PAGE_SIZE, "one page");

struct host_blk {
	volatile uint32_t *regs;
	struct blk_page *q;
	uint16_t used_seen;
	uint64_t capacity;
	bool flush;
	char serial[VIRTIO_BLK_ID_BYTES + 1];
};

static struct host_blk disks[HOST_BLK_MAX];
static unsigned ndisks;

#define rd(off)    vmmio_rd(blk->regs, off)
#define wr(off, v) vmmio_wr(blk->regs, off, v)

static int blk_request(struct host_blk *blk, uint32_t type, uint64_t sector, uint64_t pa,
		       uint32_t len, bool dev_writes);

/* Bring the disk up (virtio_mmio.c) with its one queue. */
static int blk_setup(struct host_blk *blk, volatile uint32_t *regs)
{
	uint32_t f;
	int err;

	blk->regs = regs;
	if ((err = vmmio_negotiate(regs, VIRTIO_BLK_F_FLUSH, &f)))
		return err;
	blk->flush = f & VIRTIO_BLK_F_FLUSH;
	blk->q = mm_alloc_page();
	if (!blk->q)
		return ERR_NOMEM;
	if ((err = vmmio_queue_setup(regs, 0, QSIZE, mm_va_to_pa(blk->q->desc),
				     mm_va_to_pa(&blk->q->avail), mm_va_to_pa(&blk->q->used))))
		return err;
	vmmio_driver_ok(regs);

	/* Config space: capacity in 512-byte sectors (64-bit at offset 0). */
	blk->capacity = rd(VIRTIO_CONFIG) | (uint64_t)rd(VIRTIO_CONFIG + 4) << 32;

	/* The serial (GET_ID): which guest the disk is for.  A device may
	 * not support it: then the disk has no name. */
	if (blk_request(blk, VIRTIO_BLK_T_GET_ID, 0, mm_va_to_pa(blk->q->id),
			VIRTIO_BLK_ID_BYTES, true) == 0)
		memcpy(blk->serial, blk->q->id, VIRTIO_BLK_ID_BYTES);
	return 0;
}

/* Set up every virtio-blk device among the host's virtio-mmio slots. */
int host_blk_init(const uint64_t *mmio_pa, unsigned n)
{
	for (unsigned i = 0; i < n && ndisks < HOST_BLK_MAX; i++) {
		int err;
		volatile uint32_t *regs = vmmio_probe(mmio_pa[i], VIRTIO_ID_BLOCK, "virtio-blk", &err);
		if (err)
			return err;
		if (regs && (err = blk_setup(&disks[ndisks], regs)))
			return err;
		ndisks += regs != NULL;
	}
	return ndisks ? 0 : ERR_NOTFOUND;
}

struct host_blk *host_blk_find(const char *serial)
{
	for (unsigned i = 0; i < ndisks; i++)
		if (!strcmp(disks[i].serial, serial))
			return &disks[i];
	return NULL;
}

uint64_t host_blk_capacity(struct host_blk *blk)
{
	return blk->capacity;
}

/* Submit one request chain and wait for the device to use it. */
static int blk_request(struct host_blk *blk, uint32_t type, uint64_t sector, uint64_t pa,
		       uint32_t len, bool dev_writes)
{
	struct blk_page *q = blk->q;
	unsigned n = 0;

	if (!q)
		return ERR_NOTFOUND;
	q->req = (struct blk_req){ type, 0, sector };
	q->status = 0xff;
	q->desc[n] = (struct virtq_desc){ mm_va_to_pa(&q->req), sizeof(q->req), VIRTQ_DESC_F_NEXT, 1 };
	n++;
	if (len) {
		q->desc[n] = (struct virtq_desc){ pa, len,
			VIRTQ_DESC_F_NEXT | (dev_writes ? VIRTQ_DESC_F_WRITE : 0), 2 };
		n++;
	}
	q->desc[n] = (struct virtq_desc){ mm_va_to_pa((void *)&q->status), 1, VIRTQ_DESC_F_WRITE, 0 };
	if (n == 1)
		q->desc[0].next = 1;

	q->avail.ring[q->avail.idx % QSIZE] = 0;
	__asm__ volatile("fence rw, rw" ::: "memory");
	q->avail.idx++;
	__asm__ volatile("fence rw, rw" ::: "memory");
	wr(VIRTIO_QUEUE_NOTIFY, 0);

	while (*(volatile uint16_t *)&q->used.idx == blk->used_seen)
		;
	blk->used_seen++;
	__asm__ volatile("fence rw, rw" ::: "memory");
	wr(VIRTIO_INTERRUPT_ACK, rd(VIRTIO_INTERRUPT_STATUS));
	return q->status == 0 ? 0 : ERR_FAULT;
}

int host_blk_rw(struct host_blk *blk, uint64_t sector, uint64_t pa, uint32_t len, bool write)
{
	if (len % 512 || sector > blk->capacity || len / 512 > blk->capacity - sector)
		return ERR_RANGE;
	return blk_request(blk, write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, sector, pa, len, !write);
}

int host_blk_flush(struct host_blk *blk)
{
	return blk->flush ? blk_request(blk, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false) : 0;
}
