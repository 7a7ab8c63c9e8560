/*
 * fuzz_net.c - libFuzzer harness for guest networking: the virtio-net model
 * (src/vdev/virtio_net.c over the transport of virtio.c) and the switch
 * (src/net/vswitch.c).
 *
 * Two cards, A and B, each with its own 32 KiB of guest RAM, are plugged
 * into one switch with a third port, the "uplink" (the harness).  The
 * fuzzer plays a hostile driver of card A (and a sloppy one of B); its input
 * is a script of operations, an opcode byte and its arguments:
 *
 *   MMIO       a register access of A or B at any offset and width
 *   RAM        raw bytes anywhere in A's RAM
 *   DESC       one descriptor in one of A's queues (addresses in, at the
 *              edge of, or outside RAM; any length and flags; any 'next')
 *   PUBLISH    a head in an available ring (raw avail idx jumps included)
 *   NOTIFY     QueueNotify (transmit: frames into the switch)
 *   INIT       the 3.1.1 handshake of A or B with queues of a fuzzed size
 *   RXBUF      a plausible receive buffer of A or B, published
 *   TXFRAME    a plausible transmit chain of A (header + frame, fuzzed
 *              length, destination and source), published and notified
 *   UPLINK     a frame from the uplink into the switch
 *   DRAIN      a port's queue into its card (or the uplink's into nothing)
 *   ACK        InterruptACK of any bits
 *
 * Invariants (a violation aborts; libFuzzer keeps the input):
 *   - no access outside each card's RAM (ASan and canaries); gpa_to_hva is
 *     never called with an empty or wrapping range;
 *   - each frame the model hands its backend is ETH_HLEN..ETH_FRAME_MAX
 *     bytes; delivering a frame the switch holds never fails;
 *   - the switch: no port holds more than VSWITCH_QUEUE_LEN frames, a frame
 *     never comes back to the port it came from (the harness tags frames
 *     with their ingress port), and a port's counters account for what
 *     waits in its queue;
 *   - each card's irq line equals InterruptStatus != 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "virtio.h"
#include "vswitch.h"

#define INVARIANT(cond, what) FUZZ_CHECK(cond, "%s", what)

#define RAM_BASE   0x80000000ull
#define RAM_SIZE   0x8000ull
#define GUARD      256
#define CANARY     0xa5
#define QAREA(q)   (RAM_BASE + 0x1000ull * (q))   /* desc, avail +0x800, used +0xc00 */
#define BUFS       (RAM_BASE + 0x2000)            /* 12 buffers of 2 KiB */

struct card {
	struct virtio_net net;
	uint8_t mem[GUARD + RAM_SIZE + GUARD];
	bool irq;
	int port;
	uint16_t avail_idx[2];
	unsigned qnum[2];
};

static struct card cards[2];
static struct vswitch sw;
static int uplink;

#define RAM(c) ((c)->mem + GUARD)

static void *gpa_to_hva(void *ctx, uint64_t gpa, uint64_t len)
{
	struct card *c = ctx;

	INVARIANT(len != 0 && gpa + len >= gpa, "gpa_to_hva: empty or wrapping range");
	if (gpa < RAM_BASE || gpa - RAM_BASE >= RAM_SIZE || len > RAM_SIZE - (gpa - RAM_BASE))
		return NULL;
	return RAM(c) + (gpa - RAM_BASE);
}

static void put(struct card *c, uint64_t gpa, const void *v, unsigned len)
{
	if (gpa >= RAM_BASE && gpa - RAM_BASE < RAM_SIZE && len <= RAM_SIZE - (gpa - RAM_BASE))
		memcpy(RAM(c) + (gpa - RAM_BASE), v, len);
}
static void put16(struct card *c, uint64_t gpa, uint16_t v) { put(c, gpa, &v, 2); }
static void put32(struct card *c, uint64_t gpa, uint32_t v) { put(c, gpa, &v, 4); }
static void put64(struct card *c, uint64_t gpa, uint64_t v) { put(c, gpa, &v, 8); }

static void irq_cb(void *ctx, bool level)
{
	struct card *c = ctx;
	INVARIANT(level != c->irq, "irq callback without a change");
	c->irq = level;
}

/* The frames the switch carries are tagged: byte 12 (the type's high byte)
 * is the ingress port, so no port may ever receive its own. */
static void card_tx(void *ctx, const uint8_t *frame, uint32_t len)
{
	struct card *c = ctx;
	uint8_t f[ETH_FRAME_MAX];

	INVARIANT(len >= ETH_HLEN && len <= ETH_FRAME_MAX, "tx frame of a bad size");
	memcpy(f, frame, len);
	f[12] = (uint8_t)c->port;
	vswitch_send(&sw, (unsigned)c->port, f, len);
}

static const struct virtio_net_backend be0 = { &cards[0], card_tx, NULL };
static const struct virtio_net_backend be1 = { &cards[1], card_tx, NULL };

static int mmio(struct card *c, uint64_t off, unsigned width, bool write, uint64_t *val)
{
	return virtio_mmio_rw(&c->net.vdev, off, width, write, val);
}

static void wr(struct card *c, uint32_t off, uint32_t v)
{
	uint64_t x = v;
	mmio(c, off, 4, true, &x);
}

static void init(struct card *c, struct fuzz_in *in)
{
	uint8_t shift = fuzz_u8(in);

	wr(c, VIRTIO_MMIO_STATUS, 0);
	wr(c, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(c, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(c, VIRTIO_MMIO_DRIVER_FEATURES, fuzz_u8(in) & 1 ? 0 : 1u << VIRTIO_NET_F_MAC);
	wr(c, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(c, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	wr(c, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				  VIRTIO_STATUS_FEATURES_OK);
	for (unsigned q = 0; q < 2; q++) {
		unsigned num = 1u << ((shift >> (4 * q)) % 8);  /* 1..128 */

		memset(RAM(c) + (QAREA(q) - RAM_BASE), 0, 0x1000);
		c->qnum[q] = num;
		c->avail_idx[q] = 0;
		wr(c, VIRTIO_MMIO_QUEUE_SEL, q);
		wr(c, VIRTIO_MMIO_QUEUE_NUM, num);
		wr(c, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)QAREA(q));
		wr(c, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
		wr(c, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)QAREA(q) + 0x800);
		wr(c, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
		wr(c, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)QAREA(q) + 0xc00);
		wr(c, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
		wr(c, VIRTIO_MMIO_QUEUE_READY, 1);
	}
	wr(c, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				  VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

static uint64_t fuzz_addr(struct fuzz_in *in)
{
	switch (fuzz_u8(in) % 4) {
	case 0:  return RAM_BASE + fuzz_u16(in) % RAM_SIZE;
	case 1:  return RAM_BASE + RAM_SIZE - (fuzz_u8(in) % 64);
	case 2:  return BUFS + 0x800ull * (fuzz_u8(in) % 12);
	default: return fuzz_u64(in);
	}
}

static void publish(struct card *c, unsigned q, uint16_t head)
{
	unsigned num = c->qnum[q] ? c->qnum[q] : 1;

	put16(c, QAREA(q) + 0x800 + 4 + 2 * (c->avail_idx[q] % num), head);
	c->avail_idx[q]++;
	put16(c, QAREA(q) + 0x800 + 2, c->avail_idx[q]);
}

static void desc(struct card *c, unsigned q, unsigned i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	uint64_t a = QAREA(q) + 16ull * (i % 128);

	put64(c, a, addr);
	put32(c, a + 8, len);
	put16(c, a + 12, flags);
	put16(c, a + 14, next);
}

static int deliver(void *ctx, const uint8_t *frame, uint32_t len)
{
	struct card *c = ctx;
	int r;

	INVARIANT(frame[12] != (uint8_t)c->port, "a frame came back to its ingress port");
	r = virtio_net_rx(&c->net, frame, len);
	INVARIANT(r == 0 || r == 1, "virtio_net_rx of a switch frame failed");
	return r;
}

static int uplink_deliver(void *ctx, const uint8_t *frame, uint32_t len)
{
	(void)ctx;
	(void)len;
	INVARIANT(frame[12] != (uint8_t)uplink, "a frame came back to the uplink");
	return 1;
}

static void check(void)
{
	for (unsigned i = 0; i < 2; i++) {
		struct card *c = &cards[i];

		INVARIANT(c->irq == (c->net.vdev.int_status != 0), "irq line != InterruptStatus");
		for (unsigned g = 0; g < GUARD; g++)
			INVARIANT(c->mem[g] == CANARY && c->mem[GUARD + RAM_SIZE + g] == CANARY,
				  "a canary changed");
	}
	for (unsigned p = 0; p < VSWITCH_PORTS_MAX; p++) {
		struct vswitch_port_stats st;

		if (vswitch_port_stats(&sw, p, &st) < 0)
			continue;
		INVARIANT(sw.port[p].count <= VSWITCH_QUEUE_LEN, "a port queue overflowed");
		/* queued = taken + waiting + dropped by a failing deliver */
		INVARIANT(st.queued >= st.out + sw.port[p].count, "queue count unaccounted");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	static const uint8_t mac0[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x10 };
	static const uint8_t mac1[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x11 };

	vswitch_init(&sw);
	for (unsigned i = 0; i < 2; i++) {
		struct card *c = &cards[i];
		const struct virtio_host host = { c, gpa_to_hva, irq_cb };

		memset(c->mem, CANARY, sizeof(c->mem));
		memset(RAM(c), 0, RAM_SIZE);
		c->irq = false;
		virtio_net_init(&c->net, &host, i ? &be1 : &be0, i ? mac1 : mac0);
		c->port = vswitch_attach(&sw, i ? "vm1" : "vm0", NULL, NULL);
		c->qnum[0] = c->qnum[1] = 1;
		c->avail_idx[0] = c->avail_idx[1] = 0;
	}
	uplink = vswitch_attach(&sw, "uplink", NULL, NULL);

	for (unsigned ops = 0; in.n && ops < 256; ops++) {
		uint8_t op = fuzz_u8(&in);
		struct card *c = &cards[(op >> 4) & 1];
		uint8_t f[ETH_FRAME_MAX + 64];

		switch (op % 11) {
		case 0: {       /* MMIO */
			uint64_t off = fuzz_u16(&in) % 0x140, val = fuzz_u32(&in);
			unsigned width = 1u << (fuzz_u8(&in) % 4);
			mmio(c, off, width, fuzz_u8(&in) & 1, &val);
			break;
		}
		case 1: {       /* RAM */
			uint64_t at = RAM_BASE + fuzz_u16(&in) % RAM_SIZE;
			uint8_t n = fuzz_u8(&in) % 16, b[16];
			for (unsigned i = 0; i < n; i++)
				b[i] = fuzz_u8(&in);
			put(&cards[0], at, b, n);
			break;
		}
		case 2: {       /* DESC */
			unsigned q = fuzz_u8(&in) & 1, i = fuzz_u8(&in);
			uint64_t addr = fuzz_addr(&in);
			uint32_t len = fuzz_u8(&in) & 1 ? fuzz_u16(&in) : fuzz_u32(&in);
			uint16_t flags = fuzz_u8(&in) & 7, next = fuzz_u8(&in);
			desc(c, q, i, addr, len, flags, next);
			break;
		}
		case 3:         /* PUBLISH */
			if (fuzz_u8(&in) & 1)
				publish(c, fuzz_u8(&in) & 1, fuzz_u8(&in));
			else
				put16(c, QAREA(fuzz_u8(&in) & 1) + 0x802, fuzz_u16(&in));
			break;
		case 4:         /* NOTIFY */
			wr(c, VIRTIO_MMIO_QUEUE_NOTIFY, fuzz_u8(&in) % 3);
			break;
		case 5:         /* INIT */
			init(c, &in);
			break;
		case 6: {       /* RXBUF */
			unsigned q = VIRTIO_NET_RX_Q, d = fuzz_u8(&in) % 8;
			uint32_t len = fuzz_u8(&in) & 1 ? 1526 : fuzz_u16(&in) % 2048;
			desc(c, q, d, BUFS + 0x800ull * (d % 12), len, VIRTQ_DESC_F_WRITE, 0);
			publish(c, q, (uint16_t)d);
			break;
		}
		case 7: {       /* TXFRAME */
			unsigned d = 8 + fuzz_u8(&in) % 4;
			uint32_t len = fuzz_u16(&in) % (ETH_FRAME_MAX + 20);
			uint64_t at = BUFS + 0x800ull * d;
			memset(f, 0, 12);
			put(c, at, f, 12);
			f[0] = fuzz_u8(&in);                 /* dst: multicast or not */
			f[5] = fuzz_u8(&in) % 4 + 0x10;
			f[6] = fuzz_u8(&in) & 0xfe;          /* src */
			f[11] = fuzz_u8(&in) % 4 + 0x10;
			put(c, at + 12, f, 12);
			desc(c, VIRTIO_NET_TX_Q, d, at, 12 + len, 0, 0);
			publish(c, VIRTIO_NET_TX_Q, (uint16_t)d);
			wr(c, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TX_Q);
			break;
		}
		case 8: {       /* UPLINK */
			uint32_t len = ETH_HLEN + fuzz_u16(&in) % (ETH_FRAME_MAX - ETH_HLEN + 1);
			memset(f, 0, len);
			f[0] = fuzz_u8(&in);
			f[5] = fuzz_u8(&in) % 4 + 0x10;
			f[6] = fuzz_u8(&in) & 0xfe;
			f[11] = fuzz_u8(&in) % 4 + 0x10;
			f[12] = (uint8_t)uplink;
			vswitch_send(&sw, (unsigned)uplink, f, len);
			break;
		}
		case 9: {       /* DRAIN */
			unsigned p = fuzz_u8(&in) % 3;
			if (p == (unsigned)uplink)
				vswitch_drain(&sw, p, uplink_deliver, NULL);
			else
				vswitch_drain(&sw, p, deliver, &cards[p == (unsigned)cards[1].port]);
			break;
		}
		default:        /* ACK */
			wr(c, VIRTIO_MMIO_INTERRUPT_ACK, fuzz_u8(&in));
			break;
		}
		check();
	}
	return 0;
}
