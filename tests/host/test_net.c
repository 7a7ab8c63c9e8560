/*
 * test_net.c - host unit test for guest networking's pure parts: the
 * virtio-net model (src/vdev/virtio_net.c, over the transport of
 * virtio.c) and the learning switch (src/net/vswitch.c).
 *
 * Guest memory is simulated as in test_virtio.c: 4 MiB at 0x80000000 with
 * guard zones ("canaries") on both sides; gpa_to_hva() refuses anything not
 * wholly inside.  A tiny driver talks to the cards only through the MMIO
 * handler and guest memory, as a guest would.  Parts:
 *
 *   1. identification, features, config space (MAC, link status)
 *   2. transmit: good frames in any framing, and every hostile chain
 *      (outside RAM, huge lengths, too short/long, writable buffers, GSO
 *      asked for) dropped without harm; a looping chain -> NEEDS_RESET
 *   3. receive: the header, the frame, buffers too small / readable /
 *      outside RAM skipped, no buffer -> the caller keeps the frame
 *   4. the switch: learning, flooding, filtering, per-port queue limits and
 *      drop counts, drain order, the forwarding table under a flood of
 *      source addresses
 *   5. two cards on one switch: frames from one guest to the other
 *
 * After every part the guard zones must be intact.  Prints one line per
 * failure and "net: N passed, M failed"; exits 1 on any failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio.h"
#include "vswitch.h"

#define HARNESS_NAME "net"
#include "harness.h"

/* ---- Simulated guest memory (guest_ram.h) ----------------------------------------- */

#define RAM_SIZE   (4ull << 20)
#include "guest_ram.h"

/* ---- A card and its test driver ---------------------------------------------------- */

#define QN 16   /* queue size the driver uses */

struct drvq {
	uint64_t desc, avail, used;
	uint16_t avail_idx, used_seen;
};

/* One card: the model, its backend's record of what it sent, its irq, and
 * the driver's view; rings and buffers in its own 1 MiB of guest RAM. */
struct card {
	struct virtio_net net;
	struct vdev vdev;
	uint64_t base;                  /* its area of guest RAM */
	struct drvq q[2];
	bool irq;
	unsigned irq_rises, rx_ready_calls;
	/* What the backend got: the last frame, and how many. */
	unsigned tx_count;
	uint32_t tx_len;
	uint8_t tx_last[2048];
	/* Optional: where tx goes (the switch, part 5). */
	struct vswitch *sw;
	int port;
};

static bool mmio_ok = true;

static uint32_t rd(struct card *c, uint32_t off)
{
	uint64_t val = 0;
	if (c->vdev.access(&c->vdev, off, 4, false, &val) != 0)
		mmio_ok = false;
	return (uint32_t)val;
}

static void wr(struct card *c, uint32_t off, uint32_t val)
{
	uint64_t x = val;
	if (c->vdev.access(&c->vdev, off, 4, true, &x) != 0)
		mmio_ok = false;
}

static void card_irq(void *ctx, bool level)
{
	struct card *c = ctx;
	if (level && !c->irq)
		c->irq_rises++;
	c->irq = level;
}

static void card_tx(void *ctx, const uint8_t *frame, uint32_t len)
{
	struct card *c = ctx;

	c->tx_count++;
	c->tx_len = len;
	if (len <= sizeof(c->tx_last))
		memcpy(c->tx_last, frame, len);
	if (c->sw)
		vswitch_send(c->sw, (unsigned)c->port, frame, len);
}

static void card_rx_ready(void *ctx)
{
	struct card *c = ctx;
	c->rx_ready_calls++;
}

static void card_make(struct card *c, uint64_t base, const uint8_t mac[6])
{
	const struct virtio_host host = { c, gpa_to_hva, card_irq };
	const struct virtio_net_backend be = { c, card_tx, card_rx_ready };

	memset(c, 0, sizeof(*c));
	c->base = base;
	c->vdev = (struct vdev){ .name = "net", .base = 0x10003000, .size = VIRTIO_MMIO_SIZE,
				 .access = virtio_mmio_access, .priv = &c->net.vdev };
	HARNESS_EQ(virtio_net_init(&c->net, &host, &be, mac), 0);
	memset(G(base), 0, 1 << 20);
}

/* The handshake of 3.1.1 with both queues of QN entries. */
static bool card_up(struct card *c)
{
	uint32_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	wr(c, VIRTIO_MMIO_STATUS, 0);
	wr(c, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(c, VIRTIO_MMIO_STATUS, st);
	wr(c, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(c, VIRTIO_MMIO_DRIVER_FEATURES, (1u << VIRTIO_NET_F_MAC) | (1u << VIRTIO_NET_F_STATUS));
	wr(c, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(c, VIRTIO_MMIO_DRIVER_FEATURES, 1);  /* VERSION_1 */
	st |= VIRTIO_STATUS_FEATURES_OK;
	wr(c, VIRTIO_MMIO_STATUS, st);
	if (!(rd(c, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
		return false;
	for (unsigned qi = 0; qi < 2; qi++) {
		struct drvq *q = &c->q[qi];

		q->desc = c->base + 0x4000 * qi;
		q->avail = q->desc + 0x1000;
		q->used = q->desc + 0x2000;
		q->avail_idx = q->used_seen = 0;
		memset(G(q->desc), 0, 0x3000);          /* fresh rings */
		wr(c, VIRTIO_MMIO_QUEUE_SEL, qi);
		wr(c, VIRTIO_MMIO_QUEUE_NUM, QN);
		wr(c, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)q->desc);
		wr(c, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(q->desc >> 32));
		wr(c, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)q->avail);
		wr(c, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(q->avail >> 32));
		wr(c, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)q->used);
		wr(c, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(q->used >> 32));
		wr(c, VIRTIO_MMIO_QUEUE_READY, 1);
		if (rd(c, VIRTIO_MMIO_QUEUE_READY) != 1)
			return false;
	}
	st |= VIRTIO_STATUS_DRIVER_OK;
	wr(c, VIRTIO_MMIO_STATUS, st);
	return rd(c, VIRTIO_MMIO_STATUS) == st;
}

/* Buffers for the tests: 64 KiB in from the card's base, 4 KiB each. */
static uint64_t buf(struct card *c, unsigned i)
{
	return c->base + 0x10000 + 0x1000 * (uint64_t)i;
}

struct seg {
	uint64_t gpa;
	uint32_t len;
	uint16_t flags;         /* VIRTQ_DESC_F_WRITE, ... (NEXT is added) */
};

/* Post a chain of n segments at descriptors 0.. and make it available. */
static void post(struct card *c, unsigned qi, const struct seg *s, unsigned n)
{
	struct drvq *q = &c->q[qi];
	unsigned head = (q->avail_idx * 4u) % QN;   /* room for chains of 4 */

	for (unsigned i = 0; i < n; i++) {
		unsigned idx = (head + i) % QN;
		uint64_t a = q->desc + 16 * (uint64_t)idx;

		put64(a, s[i].gpa);
		put32(a + 8, s[i].len);
		put16(a + 12, s[i].flags | (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		put16(a + 14, (uint16_t)((idx + 1) % QN));
	}
	put16(q->avail + 4 + 2 * (q->avail_idx % QN), (uint16_t)head);
	q->avail_idx++;
	put16(q->avail + 2, q->avail_idx);
}

static bool used(struct card *c, unsigned qi, uint32_t *len)
{
	struct drvq *q = &c->q[qi];
	uint64_t e;

	if (get16(q->used + 2) == q->used_seen)
		return false;
	e = q->used + 4 + 8 * (uint64_t)(q->used_seen % QN);
	*len = get32(e + 4);
	q->used_seen++;
	return true;
}

static bool needs_reset(struct card *c)
{
	return rd(c, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET;
}

static const uint8_t MAC_A[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x10 };
static const uint8_t MAC_B[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x11 };
static const uint8_t MAC_C[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* An Ethernet frame: dst, src, type 0x0800, payload bytes from 'seed'. */
static void frame_make(uint8_t *f, uint32_t len, const uint8_t *dst, const uint8_t *src,
		       unsigned seed)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	for (uint32_t i = 14; i < len; i++)
		f[i] = (uint8_t)(seed * 31 + i * 7);
}

/* ---- 1. Identification ---------------------------------------------------------------- */

static struct card ca, cb;

static void test_ident(void)
{
	uint64_t v = 0;

	card_make(&ca, RAM_BASE, MAC_A);
	HARNESS_EQ(rd(&ca, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_NET);
	wr(&ca, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	HARNESS_EQ(rd(&ca, VIRTIO_MMIO_DEVICE_FEATURES),
		   (1u << VIRTIO_NET_F_MAC) | (1u << VIRTIO_NET_F_STATUS));
	wr(&ca, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	HARNESS_EQ(rd(&ca, VIRTIO_MMIO_DEVICE_FEATURES), 1);   /* VERSION_1 */
	/* Config: the MAC byte by byte, then le16 status = LINK_UP. */
	for (unsigned i = 0; i < 6; i++) {
		HARNESS_EQ(ca.vdev.access(&ca.vdev, VIRTIO_MMIO_CONFIG + i, 1, false, &v), 0);
		HARNESS_EQ(v, MAC_A[i]);
	}
	HARNESS_EQ(ca.vdev.access(&ca.vdev, VIRTIO_MMIO_CONFIG + 6, 2, false, &v), 0);
	HARNESS_EQ(v, VIRTIO_NET_S_LINK_UP);
	/* Two queues, no third (no control queue). */
	wr(&ca, VIRTIO_MMIO_QUEUE_SEL, 1);
	HARNESS_EQ(rd(&ca, VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTIO_QUEUE_NUM_MAX);
	wr(&ca, VIRTIO_MMIO_QUEUE_SEL, 2);
	HARNESS_EQ(rd(&ca, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	HARNESS_CHECK(card_up(&ca));
	HARNESS_CHECK(mmio_ok);
}

/* ---- 2. Transmit ------------------------------------------------------------------------ */

/* Post one transmit chain, kick, expect it used with length 0; returns
 * whether the backend got a frame. */
static bool tx_chain(struct card *c, const struct seg *s, unsigned n)
{
	unsigned before = c->tx_count;
	uint32_t len = 0xdead;

	post(c, VIRTIO_NET_TX_Q, s, n);
	wr(c, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TX_Q);
	HARNESS_CHECK(used(c, VIRTIO_NET_TX_Q, &len));
	HARNESS_EQ(len, 0);
	return c->tx_count != before;
}

static void test_tx(void)
{
	uint8_t f[ETH_FRAME_MAX + 8];
	uint64_t h = buf(&ca, 0), d = buf(&ca, 1);
	uint64_t bad_before;

	card_make(&ca, RAM_BASE, MAC_A);
	HARNESS_CHECK(card_up(&ca));

	/* Header and frame in two descriptors. */
	harness_begin("tx two descriptors");
	memset(G(h), 0, VIRTIO_NET_HDR_SIZE);
	frame_make(f, 60, BCAST, MAC_A, 1);
	memcpy(G(d), f, 60);
	HARNESS_CHECK(tx_chain(&ca, (struct seg[]){ { h, 12, 0 }, { d, 60, 0 } }, 2));
	HARNESS_EQ(ca.tx_len, 60);
	HARNESS_CHECK(!memcmp(ca.tx_last, f, 60));
	HARNESS_CHECK(ca.irq);
	harness_end();

	/* One descriptor with both, the largest frame; split in odd places. */
	harness_begin("tx one descriptor, 1514 bytes");
	frame_make(f, ETH_FRAME_MAX, MAC_B, MAC_A, 2);
	memset(G(h), 0, 12);
	memcpy(G(h) + 12, f, ETH_FRAME_MAX);
	HARNESS_CHECK(tx_chain(&ca, (struct seg[]){ { h, 12 + ETH_FRAME_MAX, 0 } }, 1));
	HARNESS_EQ(ca.tx_len, ETH_FRAME_MAX);
	HARNESS_CHECK(!memcmp(ca.tx_last, f, ETH_FRAME_MAX));
	HARNESS_CHECK(tx_chain(&ca, (struct seg[]){ { h, 5, 0 }, { h + 5, 20, 0 },
						   { h + 25, 12 + ETH_FRAME_MAX - 25, 0 } }, 3));
	HARNESS_CHECK(!memcmp(ca.tx_last, f, ETH_FRAME_MAX));
	harness_end();

	/* Hostile chains: each dropped, used with 0, the queue goes on. */
	struct { const char *name; struct seg s[3]; unsigned n; } bad[] = {
		{ "one byte too long", { { h, 12 + ETH_FRAME_MAX + 1, 0 } }, 1 },
		{ "header only", { { h, 12, 0 } }, 1 },
		{ "header + 13 bytes", { { h, 25, 0 } }, 1 },
		{ "short header", { { h, 8, 0 } }, 1 },
		{ "huge length", { { h, 0xffffffffu, 0 } }, 1 },
		{ "two huge lengths", { { h, 0x80000000u, 0 }, { h, 0x80000000u, 0 } }, 2 },
		{ "outside RAM", { { h, 12, 0 }, { 0x1000, 60, 0 } }, 2 },
		{ "past the end of RAM", { { RAM_BASE + RAM_SIZE - 30, 60, 0 } }, 1 },
		{ "wrapping address", { { 0xfffffffffffffff0ull, 100, 0 } }, 1 },
		{ "writable buffer", { { h, 12, 0 }, { d, 60, VIRTQ_DESC_F_WRITE } }, 2 },
		{ "all writable", { { h, 72, VIRTQ_DESC_F_WRITE } }, 1 },
		{ "readable after writable", { { h, 12, VIRTQ_DESC_F_WRITE }, { d, 60, 0 } }, 2 },
		{ "indirect", { { h, 72, VIRTQ_DESC_F_INDIRECT } }, 1 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		harness_begin("tx hostile: %s", bad[i].name);
		bad_before = ca.net.stats.tx_bad;
		HARNESS_CHECK(!tx_chain(&ca, bad[i].s, bad[i].n));
		HARNESS_EQ(ca.net.stats.tx_bad, bad_before + 1);
		HARNESS_CHECK(!needs_reset(&ca));
		harness_end();
	}
	/* GSO asked for without the feature. */
	harness_begin("tx gso_type set");
	memset(G(h), 0, 12);
	G(h)[1] = 1;   /* VIRTIO_NET_HDR_GSO_TCPV4 */
	HARNESS_CHECK(!tx_chain(&ca, (struct seg[]){ { h, 12 + 60, 0 } }, 1));
	G(h)[1] = 0;
	HARNESS_CHECK(tx_chain(&ca, (struct seg[]){ { h, 12 + 60, 0 } }, 1));
	harness_end();

	/* A looping chain breaks the queue: NEEDS_RESET, config interrupt. */
	harness_begin("tx loop");
	{
		struct drvq *q = &ca.q[VIRTIO_NET_TX_Q];
		unsigned before = ca.tx_count;

		put64(q->desc, h);
		put32(q->desc + 8, 72);
		put16(q->desc + 12, VIRTQ_DESC_F_NEXT);
		put16(q->desc + 14, 0);        /* points at itself */
		put16(q->avail + 4 + 2 * (q->avail_idx % QN), 0);
		q->avail_idx++;
		put16(q->avail + 2, q->avail_idx);
		wr(&ca, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TX_Q);
		HARNESS_CHECK(needs_reset(&ca));
		HARNESS_CHECK(rd(&ca, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
		HARNESS_EQ(ca.tx_count, before);
		/* Nothing more is processed until reset; then it works again. */
		HARNESS_EQ(virtio_net_rx(&ca.net, f, 60), 0);
		HARNESS_CHECK(card_up(&ca));
		HARNESS_CHECK(!needs_reset(&ca));
		HARNESS_CHECK(tx_chain(&ca, (struct seg[]){ { h, 12 + 60, 0 } }, 1));
	}
	harness_end();

	/* An available index far ahead of the device: broken too. */
	harness_begin("tx avail idx too far ahead");
	put16(ca.q[VIRTIO_NET_TX_Q].avail + 2, (uint16_t)(ca.q[VIRTIO_NET_TX_Q].avail_idx + QN + 1));
	wr(&ca, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_TX_Q);
	HARNESS_CHECK(needs_reset(&ca));
	harness_end();
	HARNESS_CHECK(mmio_ok);
}

/* ---- 3. Receive -------------------------------------------------------------------------- */

static void test_rx(void)
{
	uint8_t f[ETH_FRAME_MAX];
	uint32_t len;

	card_make(&ca, RAM_BASE, MAC_A);
	frame_make(f, 98, MAC_A, MAC_C, 3);

	harness_begin("rx before DRIVER_OK");
	HARNESS_EQ(virtio_net_rx(&ca.net, f, 98), 0);
	harness_end();
	HARNESS_CHECK(card_up(&ca));

	harness_begin("rx with no buffer");
	HARNESS_EQ(virtio_net_rx(&ca.net, f, 98), 0);
	HARNESS_CHECK(!ca.irq);
	harness_end();

	harness_begin("rx frame sizes");
	HARNESS_EQ(virtio_net_rx(&ca.net, f, 13), ERR_RANGE);
	HARNESS_EQ(virtio_net_rx(&ca.net, f, ETH_FRAME_MAX + 1), ERR_RANGE);
	harness_end();

	harness_begin("rx one frame");
	memset(G(buf(&ca, 0)), 0xee, 2048);
	post(&ca, VIRTIO_NET_RX_Q, (struct seg[]){ { buf(&ca, 0), 1526, VIRTQ_DESC_F_WRITE } }, 1);
	/* (DRIVER_OK counted as one: the device may use buffers from then.) */
	HARNESS_EQ(ca.rx_ready_calls, 1);
	wr(&ca, VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_NET_RX_Q);
	HARNESS_EQ(ca.rx_ready_calls, 2);
	HARNESS_EQ(virtio_net_rx(&ca.net, f, 98), 1);
	HARNESS_CHECK(used(&ca, VIRTIO_NET_RX_Q, &len));
	HARNESS_EQ(len, 12 + 98);
	/* Header: all zero but num_buffers = 1. */
	for (unsigned i = 0; i < 10; i++)
		HARNESS_EQ(G(buf(&ca, 0))[i], 0);
	HARNESS_EQ(get16(buf(&ca, 0) + 10), 1);
	HARNESS_CHECK(!memcmp(G(buf(&ca, 0)) + 12, f, 98));
	HARNESS_EQ(G(buf(&ca, 0))[12 + 98], 0xee);   /* nothing written past it */
	HARNESS_CHECK(ca.irq);
	harness_end();

	harness_begin("rx split over buffers");
	frame_make(f, ETH_FRAME_MAX, MAC_A, MAC_C, 4);
	post(&ca, VIRTIO_NET_RX_Q, (struct seg[]){ { buf(&ca, 0), 10, VIRTQ_DESC_F_WRITE },
		{ buf(&ca, 1), 700, VIRTQ_DESC_F_WRITE }, { buf(&ca, 2), 2000, VIRTQ_DESC_F_WRITE } }, 3);
	HARNESS_EQ(virtio_net_rx(&ca.net, f, ETH_FRAME_MAX), 1);
	HARNESS_CHECK(used(&ca, VIRTIO_NET_RX_Q, &len));
	HARNESS_EQ(len, 12 + ETH_FRAME_MAX);
	HARNESS_EQ(get16(buf(&ca, 1)), 1);            /* num_buffers at 10 */
	HARNESS_CHECK(!memcmp(G(buf(&ca, 1)) + 2, f, 698));
	HARNESS_CHECK(!memcmp(G(buf(&ca, 2)), f + 698, ETH_FRAME_MAX - 698));
	harness_end();

	/* Chains that cannot take the frame are given back empty and the
	 * frame goes to the next good one. */
	struct { const char *name; struct seg s; } bad[] = {
		{ "too small", { buf(&ca, 0), 12 + 97, VIRTQ_DESC_F_WRITE } },
		{ "readable", { buf(&ca, 0), 1526, 0 } },
		{ "outside RAM", { 0x2000, 1526, VIRTQ_DESC_F_WRITE } },
		{ "past the end of RAM", { RAM_BASE + RAM_SIZE - 100, 1526, VIRTQ_DESC_F_WRITE } },
		{ "huge", { buf(&ca, 0), 0xffffffffu, VIRTQ_DESC_F_WRITE } },
		{ "empty", { buf(&ca, 0), 0, VIRTQ_DESC_F_WRITE } },
	};
	frame_make(f, 98, MAC_A, MAC_C, 5);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		uint64_t bad_before = ca.net.stats.rx_bad;

		harness_begin("rx hostile: %s", bad[i].name);
		memset(G(buf(&ca, 3)), 0, 2048);
		post(&ca, VIRTIO_NET_RX_Q, &bad[i].s, 1);
		post(&ca, VIRTIO_NET_RX_Q, (struct seg[]){ { buf(&ca, 3), 1526, VIRTQ_DESC_F_WRITE } }, 1);
		HARNESS_EQ(virtio_net_rx(&ca.net, f, 98), 1);
		HARNESS_CHECK(used(&ca, VIRTIO_NET_RX_Q, &len));
		HARNESS_EQ(len, 0);
		HARNESS_CHECK(used(&ca, VIRTIO_NET_RX_Q, &len));
		HARNESS_EQ(len, 12 + 98);
		HARNESS_CHECK(!memcmp(G(buf(&ca, 3)) + 12, f, 98));
		HARNESS_EQ(ca.net.stats.rx_bad, bad_before + 1);
		HARNESS_CHECK(!needs_reset(&ca));
		harness_end();
	}
	/* Only bad chains: the frame is not delivered, the chain consumed. */
	harness_begin("rx only a bad chain");
	post(&ca, VIRTIO_NET_RX_Q, (struct seg[]){ { buf(&ca, 0), 20, VIRTQ_DESC_F_WRITE } }, 1);
	HARNESS_EQ(virtio_net_rx(&ca.net, f, 98), 0);
	HARNESS_CHECK(used(&ca, VIRTIO_NET_RX_Q, &len));
	HARNESS_EQ(len, 0);
	harness_end();
	HARNESS_CHECK(mmio_ok);
}

/* ---- 4. The switch ------------------------------------------------------------------------ */

static struct vswitch sw;
static unsigned kicks[VSWITCH_PORTS_MAX];

static void kick(void *ctx)
{
	kicks[(uintptr_t)ctx]++;
}

struct sink {
	unsigned n, take;       /* frames seen; take at most this many */
	uint8_t first[VSWITCH_FRAME_MAX];
	uint32_t lens[VSWITCH_QUEUE_LEN * 2];
	uint8_t seeds[VSWITCH_QUEUE_LEN * 2];
};

static int sink_deliver(void *ctx, const uint8_t *frame, uint32_t len)
{
	struct sink *s = ctx;

	if (s->n >= s->take)
		return 0;
	if (s->n == 0)
		memcpy(s->first, frame, len);
	if (s->n < ARRAY_SIZE(s->lens)) {
		s->lens[s->n] = len;
		s->seeds[s->n] = frame[len - 1];
	}
	s->n++;
	return 1;
}

static int fail_deliver(void *ctx, const uint8_t *frame, uint32_t len)
{
	(void)ctx;
	(void)frame;
	(void)len;
	return ERR_RANGE;
}

static unsigned drain_all(unsigned port)
{
	struct sink s = { .take = ~0u };
	return vswitch_drain(&sw, port, sink_deliver, &s);
}

static void test_switch(void)
{
	static uint8_t f[VSWITCH_FRAME_MAX];
	struct vswitch_port_stats st;
	int a, b, u;

	vswitch_init(&sw);
	memset(kicks, 0, sizeof(kicks));
	a = vswitch_attach(&sw, "vm0", kick, (void *)0);
	b = vswitch_attach(&sw, "vm1", kick, (void *)1);
	u = vswitch_attach(&sw, "uplink", kick, (void *)2);
	HARNESS_EQ(a, 0);
	HARNESS_EQ(b, 1);
	HARNESS_EQ(u, 2);

	harness_begin("broadcast floods, not back to the ingress, and learns");
	frame_make(f, 60, BCAST, MAC_A, 1);
	HARNESS_EQ(vswitch_send(&sw, a, f, 60), 2);
	HARNESS_EQ(vswitch_pending(&sw, a), 0);
	HARNESS_EQ(vswitch_pending(&sw, b), 1);
	HARNESS_EQ(vswitch_pending(&sw, u), 1);
	HARNESS_EQ(kicks[0], 0);
	HARNESS_EQ(kicks[1], 1);
	HARNESS_EQ(kicks[2], 1);
	HARNESS_EQ(vswitch_lookup(&sw, MAC_A), a);
	HARNESS_EQ(drain_all(b), 1);
	HARNESS_EQ(drain_all(u), 1);
	harness_end();

	harness_begin("unknown unicast floods");
	frame_make(f, 60, MAC_C, MAC_B, 2);
	HARNESS_EQ(vswitch_send(&sw, b, f, 60), 2);
	HARNESS_EQ(vswitch_pending(&sw, a), 1);
	HARNESS_EQ(vswitch_pending(&sw, u), 1);
	HARNESS_EQ(vswitch_lookup(&sw, MAC_B), b);
	drain_all(a);
	drain_all(u);
	harness_end();

	harness_begin("known unicast goes to its port only");
	frame_make(f, 60, MAC_A, MAC_C, 3);
	HARNESS_EQ(vswitch_send(&sw, u, f, 60), 1);
	HARNESS_EQ(vswitch_pending(&sw, a), 1);
	HARNESS_EQ(vswitch_pending(&sw, b), 0);
	HARNESS_EQ(vswitch_lookup(&sw, MAC_C), u);
	{
		struct sink s = { .take = 1 };
		HARNESS_EQ(vswitch_drain(&sw, a, sink_deliver, &s), 1);
		HARNESS_CHECK(!memcmp(s.first, f, 60));
	}
	harness_end();

	harness_begin("unicast to the ingress port is filtered");
	frame_make(f, 60, MAC_C, MAC_A, 4);
	HARNESS_EQ(vswitch_send(&sw, u, f, 60), 0);   /* C lives on u */
	for (int p = 0; p < 3; p++)
		HARNESS_EQ(vswitch_pending(&sw, p), 0);
	harness_end();

	harness_begin("a station that moves is followed");
	frame_make(f, 60, BCAST, MAC_C, 5);
	vswitch_send(&sw, b, f, 60);
	HARNESS_EQ(vswitch_lookup(&sw, MAC_C), b);
	drain_all(a);
	drain_all(u);
	harness_end();

	harness_begin("a multicast source is not learned");
	{
		uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
		frame_make(f, 60, MAC_A, mc, 6);
		vswitch_send(&sw, b, f, 60);
		HARNESS_EQ(vswitch_lookup(&sw, mc), -1);
		drain_all(a);
	}
	harness_end();

	harness_begin("bad frame sizes and ports");
	HARNESS_EQ(vswitch_send(&sw, a, f, 13), ERR_RANGE);
	HARNESS_EQ(vswitch_send(&sw, a, f, VSWITCH_FRAME_MAX + 1), ERR_RANGE);
	HARNESS_EQ(vswitch_send(&sw, 7, f, 60), ERR_RANGE);
	HARNESS_EQ(vswitch_send(&sw, 1000, f, 60), ERR_RANGE);
	HARNESS_EQ(vswitch_port_stats(&sw, a, &st), 0);
	HARNESS_EQ(st.in_bad, 2);
	HARNESS_EQ(vswitch_port_stats(&sw, 7, &st), ERR_RANGE);
	HARNESS_EQ(drain_all(1000), 0);
	harness_end();

	/* A flood from one port: every other port's queue holds at most
	 * VSWITCH_QUEUE_LEN frames, the rest are counted as drops, and what
	 * is kept comes out in order. */
	harness_begin("flood: bounded queues, drops counted, order kept");
	{
		unsigned extra = 37;
		struct vswitch_port_stats sb0, sb1;
		struct sink s = { .take = ~0u };

		vswitch_port_stats(&sw, b, &sb0);
		for (unsigned i = 0; i < VSWITCH_QUEUE_LEN + extra; i++) {
			frame_make(f, 60 + i, BCAST, MAC_A, 0);
			f[60 + i - 1] = (uint8_t)i;
			vswitch_send(&sw, a, f, 60 + i);
		}
		HARNESS_EQ(vswitch_pending(&sw, b), VSWITCH_QUEUE_LEN);
		HARNESS_EQ(vswitch_pending(&sw, u), VSWITCH_QUEUE_LEN);
		vswitch_port_stats(&sw, b, &sb1);
		HARNESS_EQ(sb1.dropped - sb0.dropped, extra);
		HARNESS_EQ(sb1.queued - sb0.queued, VSWITCH_QUEUE_LEN);
		/* Port b drains in two steps: a refusal keeps the frame. */
		s.take = 10;
		HARNESS_EQ(vswitch_drain(&sw, b, sink_deliver, &s), 10);
		HARNESS_EQ(vswitch_pending(&sw, b), VSWITCH_QUEUE_LEN - 10);
		s.take = ~0u;
		HARNESS_EQ(vswitch_drain(&sw, b, sink_deliver, &s), VSWITCH_QUEUE_LEN - 10);
		for (unsigned i = 0; i < VSWITCH_QUEUE_LEN; i++) {
			HARNESS_EQ(s.lens[i], 60 + i);
			HARNESS_EQ(s.seeds[i], i);
		}
		/* The uplink's queue is full; b's, drained, takes frames again. */
		frame_make(f, 60, MAC_B, MAC_A, 9);
		vswitch_send(&sw, a, f, 60);
		HARNESS_EQ(vswitch_pending(&sw, b), 1);
		drain_all(b);
		drain_all(u);
	}
	harness_end();

	harness_begin("a deliver that fails drops the frame and goes on");
	{
		frame_make(f, 60, BCAST, MAC_A, 10);
		vswitch_send(&sw, a, f, 60);
		vswitch_send(&sw, a, f, 60);
		vswitch_port_stats(&sw, b, &st);
		uint64_t dropped = st.dropped;
		HARNESS_EQ(vswitch_drain(&sw, b, fail_deliver, NULL), 0);
		HARNESS_EQ(vswitch_pending(&sw, b), 0);
		vswitch_port_stats(&sw, b, &st);
		HARNESS_EQ(st.dropped, dropped + 2);
		drain_all(u);
	}
	harness_end();

	/* Many source addresses: the table keeps its size, forgets the
	 * least recently seen, and still forwards. */
	harness_begin("forwarding table flood");
	{
		uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0 };

		for (unsigned i = 0; i < 10 * VSWITCH_FDB_SIZE; i++) {
			src[4] = (uint8_t)(i >> 8);
			src[5] = (uint8_t)i;
			frame_make(f, 60, MAC_C, src, i);
			vswitch_send(&sw, u, f, 60);
			drain_all(a);
			drain_all(b);
		}
		HARNESS_EQ(vswitch_lookup(&sw, src), u);   /* the last one */
		src[5] = 0;
		src[4] = 0;
		HARNESS_EQ(vswitch_lookup(&sw, src), -1);  /* long forgotten */
		unsigned valid = 0;
		for (unsigned i = 0; i < VSWITCH_FDB_SIZE; i++)
			valid += sw.fdb[i].valid;
		HARNESS_EQ(valid, VSWITCH_FDB_SIZE);
	}
	harness_end();

	harness_begin("all ports taken");
	for (unsigned i = 3; i < VSWITCH_PORTS_MAX; i++)
		HARNESS_EQ(vswitch_attach(&sw, "more", NULL, NULL), (int)i);
	HARNESS_EQ(vswitch_attach(&sw, "one too many", NULL, NULL), ERR_NOMEM);
	harness_end();
}

/* ---- 5. Two cards on one switch ---------------------------------------------------------- */

static int card_deliver(void *ctx, const uint8_t *frame, uint32_t len)
{
	return virtio_net_rx(ctx, frame, len);
}

static void test_two_cards(void)
{
	uint8_t f[ETH_FRAME_MAX];
	uint32_t len;
	uint64_t h;

	vswitch_init(&sw);
	card_make(&ca, RAM_BASE, MAC_A);
	card_make(&cb, RAM_BASE + (1 << 20), MAC_B);
	ca.sw = cb.sw = &sw;
	ca.port = vswitch_attach(&sw, "vm0", NULL, NULL);
	cb.port = vswitch_attach(&sw, "vm1", NULL, NULL);
	HARNESS_CHECK(card_up(&ca));
	HARNESS_CHECK(card_up(&cb));

	harness_begin("A to B through the switch");
	/* B has two receive buffers. */
	for (unsigned i = 0; i < 2; i++)
		post(&cb, VIRTIO_NET_RX_Q, (struct seg[]){ { buf(&cb, i), 1526, VIRTQ_DESC_F_WRITE } }, 1);
	h = buf(&ca, 0);
	frame_make(f, 300, BCAST, MAC_A, 7);
	memset(G(h), 0, 12);
	memcpy(G(h) + 12, f, 300);
	/* Three frames from A; B takes two, the third waits in its port. */
	for (unsigned i = 0; i < 3; i++)
		HARNESS_CHECK(tx_chain(&ca, (struct seg[]){ { h, 312, 0 } }, 1));
	HARNESS_EQ(vswitch_drain(&sw, cb.port, card_deliver, &cb.net), 2);
	HARNESS_EQ(vswitch_pending(&sw, cb.port), 1);
	HARNESS_CHECK(used(&cb, VIRTIO_NET_RX_Q, &len));
	HARNESS_EQ(len, 312);
	HARNESS_CHECK(!memcmp(G(buf(&cb, 0)) + 12, f, 300));
	HARNESS_CHECK(cb.irq);
	/* A new buffer: the third arrives. */
	post(&cb, VIRTIO_NET_RX_Q, (struct seg[]){ { buf(&cb, 2), 1526, VIRTQ_DESC_F_WRITE } }, 1);
	HARNESS_EQ(vswitch_drain(&sw, cb.port, card_deliver, &cb.net), 1);
	HARNESS_EQ(vswitch_pending(&sw, cb.port), 0);
	harness_end();

	harness_begin("B answers A by unicast");
	post(&ca, VIRTIO_NET_RX_Q, (struct seg[]){ { buf(&ca, 5), 1526, VIRTQ_DESC_F_WRITE } }, 1);
	h = buf(&cb, 8);
	frame_make(f, 80, MAC_A, MAC_B, 8);
	memset(G(h), 0, 12);
	memcpy(G(h) + 12, f, 80);
	HARNESS_CHECK(tx_chain(&cb, (struct seg[]){ { h, 92, 0 } }, 1));
	HARNESS_EQ(vswitch_drain(&sw, ca.port, card_deliver, &ca.net), 1);
	HARNESS_CHECK(used(&ca, VIRTIO_NET_RX_Q, &len));
	HARNESS_EQ(len, 92);
	HARNESS_CHECK(!memcmp(G(buf(&ca, 5)) + 12, f, 80));
	harness_end();
	HARNESS_CHECK(mmio_ok);
}

int main(void)
{
	guards_fill();
	test_ident();
	HARNESS_CHECK(guards_ok());
	test_tx();
	HARNESS_CHECK(guards_ok());
	test_rx();
	HARNESS_CHECK(guards_ok());
	test_switch();
	test_two_cards();
	HARNESS_CHECK(guards_ok());
	HARNESS_EQ(g2h_contract_violations, 0);
	return harness_done();
}
