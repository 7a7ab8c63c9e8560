/*
 * hostile_net - a virtio-net driver that attacks the device.
 *
 * A minimal modern (virtio 1.x, virtio-mmio version 2) driver for the
 * virtio-net card the device tree lists (run with run.py --net: natively
 * QEMU's card on user networking, under Umbra Umbra's card on its switch,
 * uplinked to the same), two split virtqueues (0 receive, 1 transmit),
 * polled, waiting in wfi with a 1 ms timer (Umbra looks at its uplink
 * when a guest sleeps).  The legitimate exchange is ARP: "who has 10.0.2.2
 * (QEMU's gateway)? tell 10.0.2.15", which must be answered.
 *
 * Between legitimate exchanges it hands the card:
 *   transmit chains whose buffers are outside RAM, wrap around 2^64,
 *   straddle the end of RAM or are huge; device-writable transmit buffers;
 *   frames shorter than a header or longer than 1514 bytes; chains that
 *   loop or name descriptors past the queue; available indices that jump
 *   ahead; receive buffers that are read-only for the device, too small,
 *   outside RAM; and a flood of frames as fast as the card takes them.
 *
 * The spec lets the device refuse such chains in several ways (drop the
 * frame and return the chain, return it empty, or DEVICE_NEEDS_RESET), and
 * QEMU and Umbra choose differently, so each attack prints only
 * "survived" and checks what every correct device must do: no byte of
 * guest memory outside the buffers the device may write changes (guard
 * bytes around every buffer and after the rings), a read-only buffer stays
 * as it was, and after a reset the card works again: the ARP exchange
 * succeeds.  Umbra's own choices (README) are checked only on a device
 * that is not QEMU's ('strict'): broken queues set DEVICE_NEEDS_RESET, bad
 * chains come back with used length 0.
 */
#include <stdio.h>
#include <string.h>
#include "../lib/guest.h"
#include "../lib/fdt.h"
#include "../lib/sbi.h"
#include "../lib/virtio_mmio.h"

#define S_ACK         1u
#define S_DRIVER      2u
#define S_DRIVER_OK   4u
#define S_FEATURES_OK 8u
#define S_NEEDS_RESET 0x40u

#define F_MAC      5
#define F_STATUS   16
#define F_VERSION1 32

#define D_NEXT     1
#define D_WRITE    2

#define RXQ 0
#define TXQ 1
#define QN  16
#define HDR 12          /* struct virtio_net_hdr with VERSION_1 */
#define GUARD 0xc5
#define VENDOR_QEMU 0x554d4551

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static unsigned long dev;
static int strict;
static unsigned long ram_base = 0x80000000UL, ram_end = 0x88000000UL;
static uint8_t mac[6];

static inline uint32_t rr(unsigned off) { return *(volatile uint32_t *)(dev + off); }
static inline void wreg(unsigned off, uint32_t v) { *(volatile uint32_t *)(dev + off) = v; }
static inline void fence_all(void) { asm volatile("fence iorw, iorw" ::: "memory"); }

/* ---- Rings (a page each: desc, avail, used per queue, guards after) -------- */

static uint8_t rings[2][3][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint16_t avail_idx[2], used_seen[2];

static struct desc *desc(unsigned q, unsigned i) { return (struct desc *)rings[q][0] + i % QN; }
static volatile uint16_t *avail_idx_p(unsigned q) { return (volatile uint16_t *)(rings[q][1] + 2); }
static volatile uint16_t *avail_ring(unsigned q, unsigned i) { return (volatile uint16_t *)(rings[q][1] + 4 + 2 * (i % QN)); }
static volatile uint16_t *used_idx_p(unsigned q) { return (volatile uint16_t *)(rings[q][2] + 2); }
static volatile uint32_t *used_elem(unsigned q, unsigned i) { return (volatile uint32_t *)(rings[q][2] + 4 + 8 * (i % QN)); }

/* ---- Buffers, each between 64 guard bytes ------------------------------------ */

#define G 64
#define BUF 2048
struct arena {
	uint8_t g0[G];
	struct { uint8_t b[BUF]; uint8_t g[G]; } rx[QN], tx[4];
	uint8_t ro[BUF];        /* a buffer the device may only read */
	uint8_t g1[G];
};
static struct arena A __attribute__((aligned(PAGE_SIZE)));

static int all(const uint8_t *p, uint8_t v, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static void guards_set(void)
{
	memset(A.g0, GUARD, G);
	memset(A.g1, GUARD, G);
	for (unsigned i = 0; i < QN; i++)
		memset(A.rx[i].g, GUARD, G);
	for (unsigned i = 0; i < 4; i++)
		memset(A.tx[i].g, GUARD, G);
	memset(A.ro, 0x77, BUF);
	for (unsigned q = 0; q < 2; q++) {
		memset(rings[q][0] + 16 * QN, GUARD, PAGE_SIZE - 16 * QN);
		memset(rings[q][1] + 6 + 2 * QN, GUARD, PAGE_SIZE - 6 - 2 * QN);
		memset(rings[q][2] + 6 + 8 * QN, GUARD, PAGE_SIZE - 6 - 8 * QN);
	}
}

static int guards_ok(void)
{
	int ok = all(A.g0, GUARD, G) && all(A.g1, GUARD, G) && all(A.ro, 0x77, BUF);

	for (unsigned i = 0; i < QN; i++)
		ok = ok && all(A.rx[i].g, GUARD, G);
	for (unsigned i = 0; i < 4; i++)
		ok = ok && all(A.tx[i].g, GUARD, G);
	for (unsigned q = 0; q < 2; q++)
		ok = ok && all(rings[q][0] + 16 * QN, GUARD, PAGE_SIZE - 16 * QN) &&
		     all(rings[q][1] + 6 + 2 * QN, GUARD, PAGE_SIZE - 6 - 2 * QN) &&
		     all(rings[q][2] + 6 + 8 * QN, GUARD, PAGE_SIZE - 6 - 8 * QN);
	return ok;
}

/* ---- Driver ------------------------------------------------------------------- */

/* Sleep about 1 ms in wfi (the timer wakes it; interrupts stay masked). */
static void nap(void)
{
	sbi_set_timer(rdtime() + TICKS_PER_MS);
	csr_set(sie, 1ul << 5);         /* STIE: wfi wakes on the timer */
	asm volatile("wfi");
	csr_clear(sie, 1ul << 5);
}

static void dev_reset(void)
{
	wreg(V_STATUS, 0);
	for (int i = 0; i < 1000 && rr(V_STATUS) != 0; i++)
		;
	avail_idx[0] = avail_idx[1] = used_seen[0] = used_seen[1] = 0;
}

static void queue_setup(unsigned q)
{
	unsigned long d = (unsigned long)rings[q][0], a = (unsigned long)rings[q][1],
		      u = (unsigned long)rings[q][2];

	memset(rings[q][0], 0, 16 * QN);
	memset(rings[q][1], 0, 6 + 2 * QN);
	memset(rings[q][2], 0, 6 + 8 * QN);
	*(volatile uint16_t *)rings[q][1] = 1;     /* no interrupts: polled */
	wreg(V_QSEL, q);
	wreg(V_QNUM, QN);
	wreg(V_QDESC, (uint32_t)d);
	wreg(V_QDESC + 4, (uint32_t)(d >> 32));
	wreg(V_QDRIVER, (uint32_t)a);
	wreg(V_QDRIVER + 4, (uint32_t)(a >> 32));
	wreg(V_QDEVICE, (uint32_t)u);
	wreg(V_QDEVICE + 4, (uint32_t)(u >> 32));
	fence_all();
	wreg(V_QREADY, 1);
}

static void avail_put(unsigned q, uint16_t head)
{
	*avail_ring(q, avail_idx[q]) = head;
	fence_all();
	*avail_idx_p(q) = ++avail_idx[q];
	fence_all();
}

/* Receive buffer i (whole) to the device. */
static void rx_post(unsigned i)
{
	*desc(RXQ, i) = (struct desc){ (unsigned long)A.rx[i].b, BUF, D_WRITE, 0 };
	avail_put(RXQ, (uint16_t)i);
}

/* Reset the card and bring it up, no buffer posted yet; -1 if it refused
 * the features. */
static int dev_start(void)
{
	dev_reset();
	wreg(V_STATUS, S_ACK);
	wreg(V_STATUS, S_ACK | S_DRIVER);
	wreg(V_DRFEATSEL, 0);
	wreg(V_DRFEAT, 1u << F_MAC | 1u << F_STATUS);
	wreg(V_DRFEATSEL, 1);
	wreg(V_DRFEAT, 1);
	wreg(V_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	if (!(rr(V_STATUS) & S_FEATURES_OK))
		return -1;
	queue_setup(RXQ);
	queue_setup(TXQ);
	wreg(V_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return 0;
}

/* Reset and bring the card up with all receive buffers posted; 0 if live. */
static int dev_up(void)
{
	if (dev_start())
		return -1;
	for (unsigned i = 0; i < QN; i++)
		rx_post(i);
	wreg(V_NOTIFY, RXQ);
	return rr(V_STATUS) & S_NEEDS_RESET ? -2 : 0;
}

/* Wait (bounded) for a used element of q; 1 with its length, 0 if none,
 * -1 if the device set NEEDS_RESET. */
static int wait_used(unsigned q, unsigned long ms, uint32_t *id, uint32_t *len)
{
	unsigned long end = deadline_ms(ms);

	for (;;) {
		fence_all();
		if (*used_idx_p(q) != used_seen[q]) {
			*id = used_elem(q, used_seen[q])[0];
			*len = used_elem(q, used_seen[q])[1];
			used_seen[q]++;
			return 1;
		}
		if (rr(V_STATUS) & S_NEEDS_RESET)
			return -1;
		if (rdtime() >= end)
			return 0;
		nap();
	}
}

/* An ARP request for 10.0.2.2 from 10.0.2.15 in tx buffer t (header + frame). */
static unsigned arp_request(uint8_t *p)
{
	static const uint8_t tail[] = {
		0x08, 0x06,                     /* ethertype ARP */
		0x00, 0x01, 0x08, 0x00, 6, 4,   /* Ethernet, IPv4 */
		0x00, 0x01,                     /* request */
	};
	uint8_t *f = p + HDR;

	memset(p, 0, HDR);
	memset(f, 0xff, 6);                 /* broadcast */
	memcpy(f + 6, mac, 6);
	memcpy(f + 12, tail, sizeof(tail));
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, (uint8_t[]){ 10, 0, 2, 15 }, 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, (uint8_t[]){ 10, 0, 2, 2 }, 4);
	return HDR + 42;
}

/* Send one legitimate frame from tx buffer 0; 1 when the card used it. */
static int send_arp(void)
{
	uint32_t id, len;
	unsigned n = arp_request(A.tx[0].b);

	*desc(TXQ, 0) = (struct desc){ (unsigned long)A.tx[0].b, n, 0, 0 };
	avail_put(TXQ, 0);
	wreg(V_NOTIFY, TXQ);
	return wait_used(TXQ, 2000, &id, &len) == 1 && id == 0;
}

/* Is receive buffer i, used with 'len', an ARP reply from 10.0.2.2 to us? */
static int is_arp_reply(unsigned i, uint32_t len)
{
	const uint8_t *f = A.rx[i].b + HDR;
	static const uint8_t gw[4] = { 10, 0, 2, 2 };

	return len >= HDR + 42 && len <= HDR + 1514 && !memcmp(f, mac, 6) &&
	       f[12] == 0x08 && f[13] == 0x06 && f[20] == 0 && f[21] == 2 &&
	       !memcmp(f + 28, gw, 4);
}

/* The legitimate exchange: an ARP request out, its reply in (other frames
 * are skipped and their buffers given back).  Like a real ARP client it
 * asks again after a second without an answer: a frame may be lost on the
 * way (Umbra's switch drops what a full port queue cannot take, e.g. just
 * after the flood).  1 on success. */
static int arp_exchange(void)
{
	uint32_t id, len;

	for (unsigned attempt = 0; attempt < 5; attempt++) {
		unsigned long end = deadline_ms(1000);

		if (!send_arp())
			return 0;
		while (rdtime() < end) {
			if (wait_used(RXQ, 100, &id, &len) != 1)
				continue;
			if (id >= QN)
				return 0;
			if (is_arp_reply(id, len))
				return 1;
			rx_post(id);
			wreg(V_NOTIFY, RXQ);
		}
	}
	return 0;
}

static int legit_ok = 1;

/* After an attack: reset, bring up, ARP must work. */
static void recover(const char *after)
{
	int ok = dev_up() == 0 && arp_exchange();

	check(ok, "after %s, a reset brought the card back", after);
	legit_ok &= ok;
}

/* ---- Attacks -------------------------------------------------------------------- */

/* A transmit chain of 1..3 descriptors from d[], notified; the outcome is
 * not printed (QEMU and Umbra differ), only checked when strict. */
static void tx_attack(const char *what, const struct desc *d, unsigned n, int breaks_queue)
{
	uint32_t id = 0, len = 0;
	int r;

	guards_set();
	if (dev_up() != 0) {
		check(0, "%s: the card did not come up", what);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		*desc(TXQ, i) = d[i];
		if (i + 1 < n) {
			desc(TXQ, i)->flags |= D_NEXT;
			if (!breaks_queue)
				desc(TXQ, i)->next = (uint16_t)(i + 1);
		}
	}
	avail_put(TXQ, 0);
	wreg(V_NOTIFY, TXQ);
	r = wait_used(TXQ, 500, &id, &len);
	if (breaks_queue)
		check_if(strict, r == -1, "%s: DEVICE_NEEDS_RESET (got %d)", what, r);
	else
		check_if(strict, r == 1 && id == 0 && len == 0,
			 "%s: returned unsent, length 0 (got %d)", what, r);
	cprintf("%-58s survived\n", what);
	check(guards_ok(), "%s: no byte outside the buffers changed", what);
	recover(what);
}

/* Receive buffer attack: all legitimate buffers withdrawn, one bad chain
 * posted first, then good ones; an ARP request makes a frame arrive. */
static void rx_attack(const char *what, struct desc bad)
{
	uint32_t id = 0, len = 0;

	guards_set();
	/* Bring the card up by hand: the bad buffer first in the ring. */
	dev_start();
	*desc(RXQ, QN - 1) = bad;
	avail_put(RXQ, QN - 1);
	for (unsigned i = 0; i < 4; i++)
		rx_post(i);
	wreg(V_NOTIFY, RXQ);
	send_arp();
	int r = wait_used(RXQ, 2000, &id, &len);
	check_if(strict, r == 1 && id == QN - 1 && len == 0,
		 "%s: the bad buffer came back empty (got %d, id %u, len %u)", what, r,
		      (unsigned)id, (unsigned)len);
	cprintf("%-58s survived\n", what);
	check(guards_ok(), "%s: no byte outside the buffers changed", what);
	recover(what);
}

/* The flood: as many frames as the card takes, for a while. */
static void flood(unsigned frames)
{
	unsigned sent = 0;
	uint32_t id, len;

	if (dev_up() != 0)
		return;
	for (unsigned t = 0; t < 4; t++) {
		uint8_t *f = A.tx[t].b;
		memset(f, 0, HDR);
		memset(f + HDR, 0xff, 6);       /* broadcast: every port floods */
		memcpy(f + HDR + 6, mac, 6);
		f[HDR + 12] = 0x88;             /* a local experimental ethertype */
		f[HDR + 13] = 0xb5;
		memset(f + HDR + 14, (int)t, 1500);
		*desc(TXQ, t) = (struct desc){ (unsigned long)f, HDR + 1514, 0, 0 };
	}
	/* Keep 4 in flight; each used one goes out again. */
	for (unsigned t = 0; t < 4; t++)
		avail_put(TXQ, (uint16_t)t);
	wreg(V_NOTIFY, TXQ);
	while (sent < frames && wait_used(TXQ, 2000, &id, &len) == 1) {
		sent++;
		avail_put(TXQ, (uint16_t)(id % 4));
		wreg(V_NOTIFY, TXQ);
	}
	cprintf("flood of %u broadcast frames of 1514 bytes: %s\n", frames,
		sent >= frames ? "all taken" : "STALLED");
	check(sent >= frames, "the card took the whole flood");
	recover("the flood");
}

int main(void)
{
	unsigned long base, size, vio[16];
	unsigned n;

	test_begin("hostile_net");
	n = fdt_compatible(boot_dtb, "virtio,mmio", vio, ARRAY_SIZE(vio));
	if (fdt_ram(boot_dtb, &base, &size)) {
		ram_base = base;
		ram_end = base + size;
	}
	for (unsigned i = 0; i < n && !dev; i++)
		if (*(volatile uint32_t *)(vio[i] + V_MAGIC) == VIRTIO_MMIO_MAGIC &&
		    *(volatile uint32_t *)(vio[i] + V_VERSION) == 2 &&
		    *(volatile uint32_t *)(vio[i] + V_DEVID) == 1)
			dev = vio[i];
	if (!dev) {
		cprintf("no virtio-net device: nothing to attack (run with --net)\n");
		test_end();
	}
	strict = rr(V_VENDOR) != VENDOR_QEMU;
	for (unsigned i = 0; i < 6; i++)
		mac[i] = *(volatile uint8_t *)(dev + V_CONFIG + i);
	cprintf("virtio-net found, address %02x:%02x:%02x:%02x:%02x:%02x\n",
		mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	wreg(V_DFEATSEL, 0);
	uint32_t f = rr(V_DFEAT);
	cprintf("offers MAC: %s, STATUS: %s\n", f & (1u << F_MAC) ? "yes" : "no",
		f & (1u << F_STATUS) ? "yes" : "no");
	guards_set();
	check(dev_up() == 0, "the card comes up");
	cprintf("link: %s\n", *(volatile uint16_t *)(dev + V_CONFIG + 6) & 1 ? "up" : "down");
	int ok = arp_exchange();
	cprintf("ARP for 10.0.2.2 answered: %s\n", ok ? "yes" : "no");
	check(ok, "the legitimate ARP exchange");

	unsigned long tx = (unsigned long)A.tx[1].b;
	unsigned len = arp_request(A.tx[1].b);
	cprintf("-- transmit attacks\n");
	tx_attack("frame outside RAM", (struct desc[]){ { 0x1000, len, 0, 0 } }, 1, 0);
	tx_attack("frame straddling the end of RAM",
		  (struct desc[]){ { ram_end - 20, len, 0, 0 } }, 1, 0);
	tx_attack("frame wrapping around 2^64",
		  (struct desc[]){ { ~0ul - 15, len, 0, 0 } }, 1, 0);
	tx_attack("frame of 4 GiB - 1", (struct desc[]){ { tx, 0xffffffffu, 0, 0 } }, 1, 0);
	tx_attack("two descriptors of 2 GiB", (struct desc[]){ { tx, 0x80000000u, 0, 0 },
		  { tx, 0x80000000u, 0, 0 } }, 2, 0);
	tx_attack("header and frame split, frame outside RAM",
		  (struct desc[]){ { tx, HDR, 0, 0 }, { 0x2000, len - HDR, 0, 0 } }, 2, 0);
	tx_attack("a header and nothing else", (struct desc[]){ { tx, HDR, 0, 0 } }, 1, 0);
	tx_attack("frame of 1515 bytes", (struct desc[]){ { tx, HDR + 1515, 0, 0 } }, 1, 0);
	tx_attack("frame device-writable", (struct desc[]){ { tx, len, D_WRITE, 0 } }, 1, 0);
	tx_attack("chain that loops", (struct desc[]){ { tx, HDR, 0, 0 },
		  { tx + HDR, len - HDR, 0, 0 } }, 2, 1);
	tx_attack("chain naming descriptor 0xffff",
		  (struct desc[]){ { tx, HDR, 0, 0xffff }, { tx, 1, 0, 0 } }, 2, 1);
	/* Available index far ahead of what was published. */
	guards_set();
	if (dev_up() == 0) {
		uint32_t id, l;
		*avail_idx_p(TXQ) = (uint16_t)(avail_idx[TXQ] + 1000);
		wreg(V_NOTIFY, TXQ);
		int r = wait_used(TXQ, 300, &id, &l);
		check_if(strict, r == -1, "avail idx ahead: DEVICE_NEEDS_RESET (got %d)", r);
		cprintf("%-58s survived\n", "transmit avail idx 1000 ahead");
		check(guards_ok(), "avail idx ahead: no byte outside the buffers changed");
		recover("avail idx ahead");
	}

	cprintf("-- receive attacks\n");
	rx_attack("receive buffer read-only for the device",
		  (struct desc){ (unsigned long)A.ro, BUF, 0, 0 });
	rx_attack("receive buffer of 20 bytes",
		  (struct desc){ (unsigned long)A.rx[QN - 1].b, 20, D_WRITE, 0 });
	rx_attack("receive buffer outside RAM", (struct desc){ 0x3000, BUF, D_WRITE, 0 });
	rx_attack("receive buffer straddling the end of RAM",
		  (struct desc){ ram_end - 64, BUF, D_WRITE, 0 });
	rx_attack("receive buffer of 4 GiB - 1",
		  (struct desc){ (unsigned long)A.rx[QN - 1].b, 0xffffffffu, D_WRITE, 0 });

	cprintf("-- flood\n");
	flood(2000);

	check(legit_ok, "after every attack, a reset brought the card back");
	dev_reset();
	test_end();
}
