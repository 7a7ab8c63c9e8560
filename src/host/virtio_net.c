/*
 * virtio_net.c - Umbra's driver for the host's network card (QEMU's
 * virtio-net-device on a virtio-mmio slot, modern interface), the uplink of
 * Umbra's virtual switch (src/net).
 *
 * Polled, like the disk driver: Umbra never takes the card's interrupts
 * (and tells it so, VIRTQ_AVAIL_F_NO_INTERRUPT).  Two split virtqueues
 * (Virtio 1.1, 5.1.2): 0 receiveq1, 1 transmitq1.  Only VIRTIO_F_VERSION_1
 * and VIRTIO_NET_F_MAC are accepted, so every frame in both directions is
 * behind a 12-byte struct virtio_net_hdr that asks for nothing (no checksum
 * or segmentation offload), and a receive buffer holds one whole frame.
 *
 *   receive:  QSIZE buffers of BUF_SIZE bytes, all given to the card at
 *             start; host_net_recv() takes the ones the card used (used
 *             ring), hands each frame to the caller and gives the buffer
 *             straight back (avail ring), then one QueueNotify.
 *   transmit: QSIZE buffers; a frame is copied into the next one behind a
 *             zeroed header.  The card uses transmit buffers in order
 *             (QEMU's does), so buffer i is free again once the used index
 *             passed it; when all are in flight the send is refused and the
 *             caller keeps the frame.
 *
 * Not thread-safe: the caller (src/net/net.c, its uplink lock) serialises.
 */
#include <string.h>

#include "host.h"
#include "mm.h"
#include "virtio_mmio.h"


#define VIRTIO_NET_F_MAC        (1u << 5)

#define RXQ 0
#define TXQ 1
#define QSIZE     64
#define BUF_SIZE  2048          /* header + the largest frame, rounded up */
#define HDR_SIZE  12            /* struct virtio_net_hdr with VERSION_1 */
#define FRAME_MIN 14
#define FRAME_MAX 1514

struct virtq_avail { uint16_t flags, idx, ring[QSIZE], used_event; };
struct virtq_used { uint16_t flags, idx; struct virtq_used_elem ring[QSIZE]; uint16_t avail_event; };

/* One queue's rings, in a page of their own. */
struct ring_page {
	struct virtq_desc desc[QSIZE];
	struct virtq_avail avail;
	struct virtq_used used __attribute__((aligned(4)));
};
_Static_assert(sizeof(struct ring_page) <= PAGE_SIZE, "one page");

struct queue {
	struct ring_page *r;
	uint8_t (*buf)[BUF_SIZE];
	uint16_t used_seen;     /* used ring entries taken so far */
};

static struct {
	volatile uint32_t *regs;
	struct queue q[2];
	uint8_t mac[6];
	bool up;
} net;

static inline void wr(unsigned off, uint32_t v) { vmmio_wr(net.regs, off, v); }

static inline void fence(void)
{
	__asm__ volatile("fence rw, rw" ::: "memory");
}

static int queue_setup(unsigned qi)
{
	struct queue *q = &net.q[qi];

	q->r = mm_alloc_page();
	q->buf = mm_alloc_contig(QSIZE * BUF_SIZE, PAGE_SIZE);
	if (!q->r || !q->buf)
		return ERR_NOMEM;
	/* Polled: no used buffer notifications, please (2.6.7). */
	q->r->avail.flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	for (unsigned i = 0; i < QSIZE; i++) {
		q->r->desc[i].addr = mm_va_to_pa(q->buf[i]);
		q->r->desc[i].len = BUF_SIZE;
		q->r->desc[i].flags = qi == RXQ ? VIRTQ_DESC_F_WRITE : 0;
	}
	if (qi == RXQ) {
		/* Every receive buffer goes to the card at once. */
		for (unsigned i = 0; i < QSIZE; i++)
			q->r->avail.ring[i] = i;
		fence();
		q->r->avail.idx = QSIZE;
	}
	return vmmio_queue_setup(net.regs, qi, QSIZE, mm_va_to_pa(q->r->desc),
				 mm_va_to_pa(&q->r->avail), mm_va_to_pa(&q->r->used));
}

/* Bring the card up (virtio_mmio.c) with its two queues. */
static int net_setup(volatile uint32_t *regs)
{
	uint32_t f;
	int err;

	net.regs = regs;
	if ((err = vmmio_negotiate(regs, VIRTIO_NET_F_MAC, &f)))
		return err;
	err = queue_setup(RXQ);
	if (!err)
		err = queue_setup(TXQ);
	if (err)
		return err;
	vmmio_driver_ok(regs);
	/* Config space (5.1.4): mac[6] first, valid with VIRTIO_NET_F_MAC.
	 * Byte reads: the config space "is accessed with byte alignment". */
	for (unsigned i = 0; i < 6 && f; i++)
		net.mac[i] = ((volatile uint8_t *)regs)[VIRTIO_CONFIG + i];
	net.up = true;
	wr(VIRTIO_QUEUE_NOTIFY, RXQ);
	return 0;
}

int host_net_init(const uint64_t *mmio_pa, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		int err;
		volatile uint32_t *regs = vmmio_probe(mmio_pa[i], VIRTIO_ID_NET, "virtio-net", &err);
		if (err)
			return err;
		if (regs)
			return net_setup(regs);
	}
	return ERR_NOTFOUND;
}

bool host_net_present(void)
{
	return net.up;
}

void host_net_mac(uint8_t mac[6])
{
	memcpy(mac, net.mac, 6);
}

int host_net_send(const void *frame, uint32_t len)
{
	struct queue *q = &net.q[TXQ];
	struct ring_page *r = q->r;
	uint16_t idx, slot;

	if (!net.up)
		return ERR_NOTFOUND;
	if (len < FRAME_MIN || len > FRAME_MAX)
		return ERR_RANGE;
	/* Transmit buffers come back in order: the used index says how many. */
	fence();
	q->used_seen = *(volatile uint16_t *)&r->used.idx;
	idx = r->avail.idx;
	if ((uint16_t)(idx - q->used_seen) >= QSIZE)
		return 0;                       /* all in flight: try again later */
	slot = idx % QSIZE;
	memset(q->buf[slot], 0, HDR_SIZE);
	memcpy(q->buf[slot] + HDR_SIZE, frame, len);
	r->desc[slot].len = HDR_SIZE + len;
	r->avail.ring[slot] = slot;
	fence();
	*(volatile uint16_t *)&r->avail.idx = idx + 1;
	fence();
	wr(VIRTIO_QUEUE_NOTIFY, TXQ);
	return 1;
}

unsigned host_net_recv(void (*fn)(void *ctx, const uint8_t *frame, uint32_t len),
		       void *ctx, unsigned max)
{
	struct queue *q = &net.q[RXQ];
	struct ring_page *r = q->r;
	unsigned done = 0;

	if (!net.up)
		return 0;
	while (done < max && *(volatile uint16_t *)&r->used.idx != q->used_seen) {
		struct virtq_used_elem e;

		fence();
		e = r->used.ring[q->used_seen % QSIZE];
		q->used_seen++;
		if (e.id >= QSIZE)
			continue;       /* a broken card: lose the buffer, not Umbra */
		if (e.len >= HDR_SIZE + FRAME_MIN && e.len <= HDR_SIZE + FRAME_MAX)
			fn(ctx, q->buf[e.id] + HDR_SIZE, e.len - HDR_SIZE);
		/* The buffer goes straight back to the card. */
		r->avail.ring[r->avail.idx % QSIZE] = (uint16_t)e.id;
		fence();
		*(volatile uint16_t *)&r->avail.idx = r->avail.idx + 1;
		done++;
	}
	if (done) {
		fence();
		wr(VIRTIO_QUEUE_NOTIFY, RXQ);
	}
	return done;
}
