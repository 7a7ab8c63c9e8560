/*
 * hostile_virtio - a virtio-blk driver that attacks the device.
 *
 * A minimal modern (virtio 1.x, virtio-mmio version 2) driver for the
 * virtio-blk device the device tree lists, with split virtqueues, polled.
 * Between legitimate requests - which must complete with VIRTIO_BLK_S_OK
 * and move exactly the bytes asked for - it hands the device:
 *
 *   descriptors whose buffers are outside RAM, wrap around 2^64, straddle
 *   the end of RAM or are huge; chains that loop, that name descriptors
 *   past the queue, that are longer than the queue; headers shorter than
 *   16 bytes or device-writable, no status byte, a read into a buffer that
 *   is read-only for the device; sectors past the capacity and a write that
 *   starts inside and runs past it; indirect descriptors without
 *   negotiating them (and, where offered, nested and malformed indirect
 *   tables); available indices that jump ahead; queue sizes of 0, not a
 *   power of 2, larger than QueueNumMax; rings outside RAM, wrapping,
 *   misaligned; QueueReady dropped and a device reset with requests
 *   outstanding; feature sets the device did not offer.
 *
 * The virtio spec pins little of the device's answer to such requests: it
 * may complete them with VIRTIO_BLK_S_IOERR, set DEVICE_NEEDS_RESET
 * (2.1.2), or, where the queue itself is unusable, ignore them.  QEMU and
 * Umbra choose differently, so for those the guest prints only "refused"
 * (not completed with S_OK) and checks what every correct device must do:
 * no write reaches the disk (the attack writes carry a pattern the disk
 * test looks for, and sectors are read back), no byte of guest memory
 * outside the buffers the device may write changes (guard bytes around
 * every buffer and around the rings), the guest survives, and after a
 * reset the device works again: a legitimate write of a known pattern to
 * a known sector lands and reads back.  What the spec does pin (S_OK for
 * a legitimate request, S_UNSUPP for an unknown type, FEATURES_OK refused
 * for features never offered, QueueReady ignored rings...) is printed.
 *
 * tests/test_hostile_disk.py runs this guest with a 1 MiB disk image and
 * checks that the image changed exactly in the sectors written
 * legitimately here (LEGIT_* below), nowhere else.  Without a disk the
 * guest says so and attacks only a virtio-console if there is one, which
 * QEMU does not have here: those checks print nothing unless they fail.
 */
#include <stdio.h>
#include <string.h>
#include "../lib/guest.h"
#include "../lib/fdt.h"
#include "../lib/virtio_mmio.h"

/* ---- What the disk test knows -------------------------------------------------------
 * Legitimate writes: sector LEGIT_A (2 sectors, one descriptor), LEGIT_B
 * (3 sectors split over 3 descriptors), and the last sector of the disk.
 * Byte i of legitimately written sector s is legit_byte(s, i).  Attack
 * writes carry ATTACK_BYTE and must land nowhere.
 */
#define LEGIT_A      8
#define LEGIT_B      100
#define ATTACK_BYTE  0xee
static inline uint8_t legit_byte(unsigned long s, unsigned i)
{
	return (uint8_t)(s * 13 + i * 7 + 0x5a);
}

/* ---- virtio (registers: lib/virtio_mmio.h) ------------------------------------------------- */
#define S_ACK         1u
#define S_DRIVER      2u
#define S_DRIVER_OK   4u
#define S_FEATURES_OK 8u
#define S_NEEDS_RESET 0x40u
#define S_FAILED      0x80u

#define F_INDIRECT 28
#define F_VERSION1 32

#define D_NEXT     1
#define D_WRITE    2
#define D_INDIRECT 4

#define BLK_T_IN     0
#define BLK_T_OUT    1
#define BLK_T_FLUSH  4
#define BLK_T_GET_ID 8
#define BLK_S_OK     0
#define BLK_S_IOERR  1
#define BLK_S_UNSUPP 2

static unsigned long dev;	/* the transport */
static uint64_t offered;	/* device features */
static uint64_t capacity;	/* sectors */
static unsigned qmax;		/* QueueNumMax of queue 0 */
static unsigned long ram_base = 0x80000000UL, ram_end = 0x88000000UL;

/*
 * QEMU's virtio-blk-device (vendor "QEMU") departs from the spec or from
 * what a hypervisor must do in three places, found natively: it sets
 * FEATURES_OK for features it never offered (2.2.2 says it must not), it
 * goes on executing requests of a queue whose QueueReady is 0, and it
 * completes requests whose buffers are not RAM (it bounce-buffers them:
 * a write stores whatever it reads there, e.g. zeros, on the disk).  Those
 * attacks are checked only on a device that is not QEMU's ('strict'), and
 * print the same line either way.
 */
#define VENDOR_QEMU 0x554d4551
static int strict;

/* A check only made when 'strict', printed only when it fails. */
#define strict_check(cond, ...) check_if(strict, cond, __VA_ARGS__)

static inline uint32_t rr(unsigned off) { return *(volatile uint32_t *)(dev + off); }
static inline void wreg(unsigned off, uint32_t v) { *(volatile uint32_t *)(dev + off) = v; }
static inline void fence_all(void) { asm volatile("fence iorw, iorw" ::: "memory"); }

/* ---- Memory: rings and buffers, every one between guard bytes ---------------------------- */

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

#define QN    16	/* the queue size used unless an attack says otherwise */
#define QMAXN 64
#define GUARD 0xc5

/* Rings: a page each, the rings at the start and guard bytes after them. */
static uint8_t ring_pages[3][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
#define DESC_PAGE  ring_pages[0]
#define AVAIL_PAGE ring_pages[1]
#define USED_PAGE  ring_pages[2]
/* queue_setup's last three arguments, the rings where they belong. */
#define RINGS (unsigned long)DESC_PAGE, (unsigned long)AVAIL_PAGE, (unsigned long)USED_PAGE

static struct desc *desc_tab = (struct desc *)ring_pages[0];	/* where set_desc writes */
static unsigned qnum;
static uint16_t avail_idx, used_seen;

static inline volatile uint16_t *avail_flags(void) { return (volatile uint16_t *)AVAIL_PAGE; }
static inline volatile uint16_t *avail_idx_p(void) { return (volatile uint16_t *)(AVAIL_PAGE + 2); }
static inline volatile uint16_t *avail_ring(unsigned i) { return (volatile uint16_t *)(AVAIL_PAGE + 4 + 2 * i); }
static inline volatile uint16_t *used_idx_p(void) { return (volatile uint16_t *)(USED_PAGE + 2); }
static inline volatile uint32_t *used_elem(unsigned i) { return (volatile uint32_t *)(USED_PAGE + 4 + 8 * i); }

/*
 * Buffers in one page-aligned arena, each with 64 guard bytes on both
 * sides: header, status, data (16 KiB), a spare (indirect tables etc.).
 */
#define G 64
struct arena {
	uint8_t g0[G], hdr[16], g1[G], status[1], g2[G - 1], data[16384], g3[G],
		spare[4096], g4[G], data2[4096], g5[G];
};
static struct arena A __attribute__((aligned(PAGE_SIZE)));
/* Buffers of the full-queue test. */
static struct {
	uint8_t hdr[QMAXN / 3][16];
	uint8_t status[QMAXN / 3];
	uint8_t data[QMAXN / 3][512];
} many __attribute__((aligned(16)));
/* A whole-disk buffer for the 1 MiB read, and its guard. */
static uint8_t big[1 << 20] __attribute__((aligned(PAGE_SIZE)));
static uint8_t big_guard[G];

static void guards_set(void)
{
	memset(A.g0, GUARD, G);
	memset(A.g1, GUARD, G);
	memset(A.g2, GUARD, G - 1);
	memset(A.g3, GUARD, G);
	memset(A.g4, GUARD, G);
	memset(A.g5, GUARD, G);
	memset(big_guard, GUARD, G);
	/* Ring pages: everything after the rings of the largest queue. */
	memset(DESC_PAGE + 16 * QMAXN, GUARD, PAGE_SIZE - 16 * QMAXN);
	memset(AVAIL_PAGE + 6 + 2 * QMAXN, GUARD, PAGE_SIZE - 6 - 2 * QMAXN);
	memset(USED_PAGE + 6 + 8 * QMAXN, GUARD, PAGE_SIZE - 6 - 8 * QMAXN);
}

static int all(const uint8_t *p, uint8_t v, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

/* No byte outside the buffers and rings was written. */
static int guards_ok(void)
{
	return all(A.g0, GUARD, G) && all(A.g1, GUARD, G) && all(A.g2, GUARD, G - 1) &&
	       all(A.g3, GUARD, G) && all(A.g4, GUARD, G) && all(A.g5, GUARD, G) &&
	       all(big_guard, GUARD, G) &&
	       all(DESC_PAGE + 16 * QMAXN, GUARD, PAGE_SIZE - 16 * QMAXN) &&
	       all(AVAIL_PAGE + 6 + 2 * QMAXN, GUARD, PAGE_SIZE - 6 - 2 * QMAXN) &&
	       all(USED_PAGE + 6 + 8 * QMAXN, GUARD, PAGE_SIZE - 6 - 8 * QMAXN);
}

/* ---- The device tree (lib/fdt.h) --------------------------------------------------------------- */

static unsigned long vio_base[16];
static unsigned vio_n;

/* The virtio-mmio transports and the first /memory range. */
static void scan_dt(void)
{
	unsigned long base, size;

	vio_n = fdt_compatible(boot_dtb, "virtio,mmio", vio_base, ARRAY_SIZE(vio_base));
	if (fdt_ram(boot_dtb, &base, &size)) {
		ram_base = base;
		ram_end = base + size;
	}
}

/* ---- Driver --------------------------------------------------------------------------------- */

static void dev_reset(void)
{
	wreg(V_STATUS, 0);
	for (int i = 0; i < 1000 && rr(V_STATUS) != 0; i++)
		;
	avail_idx = used_seen = 0;
}

static uint64_t dev_features(void)
{
	wreg(V_DFEATSEL, 0);
	uint64_t lo = rr(V_DFEAT);
	wreg(V_DFEATSEL, 1);
	return lo | (uint64_t)rr(V_DFEAT) << 32;
}

/* 3.1.1 steps 1-6; returns the status after FEATURES_OK. */
static uint32_t negotiate(uint64_t feats)
{
	dev_reset();
	wreg(V_STATUS, S_ACK);
	wreg(V_STATUS, S_ACK | S_DRIVER);
	offered = dev_features();
	wreg(V_DRFEATSEL, 0);
	wreg(V_DRFEAT, (uint32_t)feats);
	wreg(V_DRFEATSEL, 1);
	wreg(V_DRFEAT, (uint32_t)(feats >> 32));
	wreg(V_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	return rr(V_STATUS);
}

/* Queue qi with 'num' entries at the given rings (4.2.3.2). */
static void queue_setup(unsigned qi, unsigned num, unsigned long d, unsigned long a,
			unsigned long u)
{
	wreg(V_QSEL, qi);
	wreg(V_QNUM, num);
	wreg(V_QDESC, (uint32_t)d);
	wreg(V_QDESC + 4, (uint32_t)(d >> 32));
	wreg(V_QDRIVER, (uint32_t)a);
	wreg(V_QDRIVER + 4, (uint32_t)(a >> 32));
	wreg(V_QDEVICE, (uint32_t)u);
	wreg(V_QDEVICE + 4, (uint32_t)(u >> 32));
	fence_all();
	wreg(V_QREADY, 1);
	qnum = num;
}

static void rings_clear(void)
{
	memset(DESC_PAGE, 0, 16 * QMAXN);
	memset(AVAIL_PAGE, 0, 6 + 2 * QMAXN);
	memset(USED_PAGE, 0, 6 + 8 * QMAXN);
	/* No interrupts: this driver polls. */
	*avail_flags() = 1;
}

/* The whole initialization, the default way; returns 0 when the device is live. */
static int dev_up(unsigned num, uint64_t feats)
{
	rings_clear();
	if (!(negotiate(feats) & S_FEATURES_OK))
		return -1;
	queue_setup(0, num, RINGS);
	if (rr(V_QREADY) != 1)
		return -2;
	wreg(V_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return rr(V_STATUS) & (S_NEEDS_RESET | S_FAILED) ? -3 : 0;
}

/* The device up the usual way: queue 0 of QN entries, VERSION_1 alone. */
static int blk_up(void)
{
	return dev_up(QN, 1ull << F_VERSION1);
}

/* What became of a request. */
enum outcome { DONE, NEEDS_RESET, NOTHING };
struct result {
	enum outcome out;
	uint32_t used_id, used_len;
	uint8_t status;
};

/* A request the device never saw (it did not even come up). */
#define NOT_MADE ((struct result){ NOTHING, 0, 0, 0xff })

/* Make descriptor 'head' available (no notification). */
static void avail_put(uint16_t head)
{
	*avail_ring(avail_idx % (qnum ? qnum : 1)) = head;
	fence_all();
	*avail_idx_p() = ++avail_idx;
	fence_all();
}

/* Make descriptor 'head' available and notify; wait (bounded) for the device. */
static struct result kick(uint16_t head, unsigned long ms)
{
	struct result r = NOT_MADE;

	avail_put(head);
	wreg(V_NOTIFY, 0);
	unsigned long end = deadline_ms(ms);
	for (;;) {
		fence_all();
		if (*used_idx_p() != used_seen) {
			unsigned i = used_seen % (qnum ? qnum : 1);
			r.out = DONE;
			r.used_id = used_elem(i)[0];
			r.used_len = used_elem(i)[1];
			r.status = A.status[0];
			used_seen++;
			break;
		}
		if (rr(V_STATUS) & S_NEEDS_RESET) {
			r.out = NEEDS_RESET;
			break;
		}
		if (rdtime() >= end)
			break;
	}
	wreg(V_IACK, rr(V_ISTATUS));
	return r;
}

static void set_desc(unsigned i, unsigned long addr, uint32_t len, uint16_t flags, uint16_t next)
{
	desc_tab[i] = (struct desc){ addr, len, flags, next };
}

static void set_hdr(uint32_t type, uint64_t sector)
{
	memset(A.hdr, 0, 16);
	memcpy(A.hdr, &type, 4);
	memcpy(A.hdr + 8, &sector, 8);
	A.status[0] = 0xff;
}

/*
 * A request as a driver lays it out, in descriptors 0-2: the header for
 * (type, sector), the data buffer (addr, len; device-writable unless the
 * request writes the disk or flushes), the status byte.  The attacks
 * start from this and change what they attack.
 */
static void req_layout(uint32_t type, uint64_t sector, unsigned long addr, uint32_t len)
{
	int in = type != BLK_T_OUT && type != BLK_T_FLUSH;

	set_hdr(type, sector);
	set_desc(0, (unsigned long)A.hdr, 16, D_NEXT, 1);
	set_desc(1, addr, len, D_NEXT | (in ? D_WRITE : 0), 2);
	set_desc(2, (unsigned long)A.status, 1, D_WRITE, 0);
}

/* A plain request: header, one data buffer (none if len = 0), status. */
static struct result blk_req(uint32_t type, uint64_t sector, void *buf, uint32_t len)
{
	req_layout(type, sector, (unsigned long)buf, len);
	if (!len)	/* no data: the header leads to the status byte */
		set_desc(1, (unsigned long)A.status, 1, D_WRITE, 0);
	return kick(0, 1000);
}

static const char *outcome_str(struct result r)
{
	static char b[48];
	if (r.out == NEEDS_RESET)
		return "DEVICE_NEEDS_RESET";
	if (r.out == NOTHING)
		return "not used";
	snprintf(b, sizeof(b), "used, status %u", r.status);
	return b;
}

/* ---- Disk content helpers ------------------------------------------------------------------- */

static void fill_legit(uint8_t *p, unsigned long sector, unsigned nsect)
{
	for (unsigned s = 0; s < nsect; s++)
		for (unsigned i = 0; i < 512; i++)
			p[512 * s + i] = legit_byte(sector + s, i);
}

static int is_legit(const uint8_t *p, unsigned long sector, unsigned nsect)
{
	for (unsigned s = 0; s < nsect; s++)
		for (unsigned i = 0; i < 512; i++)
			if (p[512 * s + i] != legit_byte(sector + s, i))
				return 0;
	return 1;
}

/* Sectors an attack may aim at, and what they held before (to show nothing changed). */
#define WATCH_N 6
static unsigned long watch[WATCH_N];
static uint8_t watch_before[WATCH_N][512];
static uint8_t sect_buf[512] __attribute__((aligned(16)));

/* Read one sector with a fresh, working device (reset first). */
static int read_sector(unsigned long s, uint8_t *out)
{
	if (blk_up())
		return -1;
	memset(A.data, 0, 512);
	struct result r = blk_req(BLK_T_IN, s, A.data, 512);
	if (r.out != DONE || r.status != BLK_S_OK)
		return -1;
	memcpy(out, A.data, 512);
	return 0;
}

static void watch_init(void)
{
	watch[0] = 0;
	watch[1] = 1;
	watch[2] = 50;
	watch[3] = capacity - 2;
	watch[4] = capacity - 1;
	watch[5] = 200;
	for (int i = 0; i < WATCH_N; i++)
		if (read_sector(watch[i], watch_before[i]))
			check(0, "read sector %lu before the attacks", watch[i]);
}

/* The watched sectors still hold what they held (the legit ones may have become legit). */
static int watch_ok(void)
{
	for (int i = 0; i < WATCH_N; i++) {
		if (read_sector(watch[i], sect_buf))
			return 0;
		if (memcmp(sect_buf, watch_before[i], 512) &&
		    !(watch[i] == capacity - 1 && is_legit(sect_buf, watch[i], 1)))
			return 0;
	}
	return 1;
}

/* ---- Legitimate I/O: must work, every time ------------------------------------------------------ */

static int legit_ok = 1;

static int legit_write_read(const char *why)
{
	int ok = 1;
	struct result r;

	if (blk_up()) {
		check(0, "%s: the device comes up after a reset", why);
		legit_ok = 0;
		return 0;
	}
	fill_legit(A.data, LEGIT_A, 2);
	r = blk_req(BLK_T_OUT, LEGIT_A, A.data, 1024);
	ok &= r.out == DONE && r.status == BLK_S_OK && r.used_id == 0;
	memset(A.data, 0, 1024);
	r = blk_req(BLK_T_IN, LEGIT_A, A.data, 1024);
	ok &= r.out == DONE && r.status == BLK_S_OK && r.used_len >= 1025 - 1 &&
	      is_legit(A.data, LEGIT_A, 2);
	ok &= guards_ok();
	if (!ok) {
		check(0, "%s: then a legitimate write and read of sector %d work", why, LEGIT_A);
		legit_ok = 0;
	}
	return ok;
}

/* ---- One attack ------------------------------------------------------------------------------------ */

/*
 * An attack: 'setup' brings the device into whatever state it needs and
 * makes the hostile request, returning its result; the attack passed if
 * the request was not completed with S_OK (unless 'ok_allowed'), the guards
 * hold, and a legitimate write/read works after a reset.
 */
enum kind {
	K_REFUSE,	/* must not complete with S_OK */
	K_ANY,		/* a read whose outcome is the device's choice */
	K_STRICT,	/* must not complete with S_OK; QEMU does: not run there */
};

static void attack(const char *what, struct result (*fn)(void), enum kind kind)
{
	guards_set();
	int run = kind != K_STRICT || strict;
	struct result r = run ? fn() : NOT_MADE;
	int refused = !(r.out == DONE && r.status == BLK_S_OK);
	int guards = guards_ok();

	switch (kind) {
	case K_REFUSE:
		cprintf("%-58s %s\n", what, refused ? "refused" : "COMPLETED OK");
		check(refused, "%s: not completed with S_OK", what);
		break;
	case K_ANY:
		cprintf("%-58s done\n", what);
		break;
	case K_STRICT:
		cprintf("%-58s must be refused (QEMU completes it)\n", what);
		strict_check(refused, "%s: not completed with S_OK", what);
		break;
	}
	check(guards, "%s: no byte outside the buffers written", what);
	legit_write_read(what);
}

/* ---- The attacks ------------------------------------------------------------------------------------ */

static uint8_t *attack_data(void)
{
	memset(A.data, ATTACK_BYTE, sizeof(A.data));
	return A.data;
}

/* The device up, then a request of descriptors 0-2 (req_layout) whose data
 * descriptor is (addr, len): for a write, one attack sector's worth. */
static struct result with_data(uint32_t type, uint64_t sector, unsigned long addr, uint32_t len)
{
	if (blk_up())
		return NOT_MADE;
	req_layout(type, sector, addr, len);
	return kick(0, 300);
}

static struct result write_with_data(uint64_t sector, unsigned long addr, uint32_t len)
{
	return with_data(BLK_T_OUT, sector, addr, len);
}

static struct result read_with_data(uint64_t sector, unsigned long addr, uint32_t len)
{
	return with_data(BLK_T_IN, sector, addr, len);
}

static struct result a_write_nowhere(void) { attack_data(); return write_with_data(50, 0x400000000000UL, 512); }
static struct result a_write_zero(void) { attack_data(); return write_with_data(50, 0, 512); }
static struct result a_read_nowhere(void) { return read_with_data(50, 0x400000000000UL, 512); }
static struct result a_read_wrap(void) { return read_with_data(50, ~0UL - 255, 512); }
static struct result a_write_wrap(void) { return write_with_data(50, ~0UL - 255, 512); }
static struct result a_read_ram_end(void) { return read_with_data(50, ram_end - 512 + 256, 512); }
static struct result a_read_ram_start(void) { return read_with_data(50, ram_base - 256, 512); }
static struct result a_read_top(void) { return read_with_data(50, 0xffffffffc0000000UL, 512); }
static struct result a_read_huge(void) { return read_with_data(0, (unsigned long)A.data, 0xfffffe00); }
static struct result a_read_ram_size(void) { return read_with_data(0, ram_base, 0x80000000u); }
static struct result a_write_huge(void)
{
	attack_data();
	return write_with_data(0, (unsigned long)A.data, 0xfffffe00);
}

/* Sectors past the capacity; a write that starts inside and runs past. */
static struct result a_read_at_cap(void) { return read_with_data(capacity, (unsigned long)A.data, 512); }
static struct result a_write_at_cap(void) { attack_data(); return write_with_data(capacity, (unsigned long)A.data, 512); }
static struct result a_write_across(void)
{
	attack_data();
	return write_with_data(capacity - 1, (unsigned long)A.data, 2048);
}
static struct result a_read_across(void) { return read_with_data(capacity - 2, (unsigned long)A.data, 4096); }
static struct result a_write_far(void) { attack_data(); return write_with_data(1UL << 62, (unsigned long)A.data, 512); }
static struct result a_write_wrapsect(void)
{
	attack_data();
	return write_with_data(~0UL, (unsigned long)A.data, 1024);	/* sector -1 + 2 wraps to 1 */
}
static struct result a_write_wrapsect2(void)
{
	attack_data();
	/* 2^14 sectors from sector 2^64 - 2^13: would wrap around to sectors 0 .. 2^13-1. */
	return write_with_data(~0UL - 0x1fff, (unsigned long)A.data, 0x800000);
}

/*
 * The attacks on the layout: each is the usual request (req_layout: a
 * write of an attack sector, or a read) with one thing changed, given as
 * a row: CHANGE(d, buffer, len, flags, next) makes descriptor d that, or
 * NO_CHANGE leaves the descriptors and the row changes the available
 * head or index instead.
 */
enum buf { B_HDR, B_DATA, B_STATUS, B_HDR_END };
struct layout_attack {
	uint32_t type;		/* BLK_T_OUT (with attack data) or BLK_T_IN */
	uint64_t sector;
	int desc;
	enum buf buf;
	uint32_t len;
	uint16_t flags, next;
	uint16_t head;		/* the available head */
	uint16_t avail_idx;	/* if not 0: the available index jumps here first */
};

static unsigned long buf_addr(enum buf b)
{
	switch (b) {
	case B_HDR:    return (unsigned long)A.hdr;
	case B_DATA:   return (unsigned long)A.data;
	case B_STATUS: return (unsigned long)A.status;
	default:       return (unsigned long)A.hdr + 15;	/* the header's last byte */
	}
}

static struct result layout_attack(const struct layout_attack *la)
{
	if (blk_up())
		return NOT_MADE;
	if (la->type == BLK_T_OUT)
		attack_data();
	req_layout(la->type, la->sector, (unsigned long)A.data, 512);
	if (la->desc >= 0)
		set_desc((unsigned)la->desc, buf_addr(la->buf), la->len, la->flags, la->next);
	if (la->avail_idx)
		avail_idx = la->avail_idx;
	return kick(la->head, 300);
}

#define CHANGE(d, b, l, f, n) .desc = (d), .buf = (b), .len = (l), .flags = (f), .next = (n)
#define NO_CHANGE .desc = -1
#define LAYOUT_ATTACK(name, t, sect, ...)				\
	static struct result name(void)					\
	{								\
		static const struct layout_attack la = {		\
			.type = (t), .sector = (sect), __VA_ARGS__	\
		};							\
		return layout_attack(&la);				\
	}

/* Bad lengths and layouts. */
static struct result a_len_not_512(void) { attack_data(); return write_with_data(50, (unsigned long)A.data, 100); }
/* type and reserved only */
LAYOUT_ATTACK(a_short_header, BLK_T_OUT, 50, CHANGE(0, B_HDR, 8, D_NEXT, 1))
LAYOUT_ATTACK(a_header_writable, BLK_T_IN, 50, CHANGE(0, B_HDR, 16, D_NEXT | D_WRITE, 1))
/* no status byte */
LAYOUT_ATTACK(a_no_status, BLK_T_OUT, 50, CHANGE(1, B_DATA, 512, 0, 0))
LAYOUT_ATTACK(a_header_only, BLK_T_OUT, 50, CHANGE(0, B_HDR, 16, 0, 0))
/* a writable part of 0 bytes */
LAYOUT_ATTACK(a_status_zero_len, BLK_T_OUT, 50, CHANGE(2, B_STATUS, 0, D_WRITE, 0))
/* A read into a buffer that is read-only for the device: it must not be written. */
static int ro_untouched;
static struct result a_read_into_ro(void)
{
	if (blk_up())
		return NOT_MADE;
	memset(A.data, 0x77, 512);
	req_layout(BLK_T_IN, LEGIT_A, (unsigned long)A.data, 512);
	set_desc(1, (unsigned long)A.data, 512, D_NEXT, 2);	/* no D_WRITE */
	struct result r = kick(0, 300);
	ro_untouched = all(A.data, 0x77, 512);
	return r;
}
/* Readable after writable (2.6.4.2): a write whose status precedes its data. */
static struct result a_readable_after_writable(void)
{
	if (blk_up())
		return NOT_MADE;
	attack_data();
	req_layout(BLK_T_OUT, 50, (unsigned long)A.data, 512);
	set_desc(1, (unsigned long)A.status, 1, D_NEXT | D_WRITE, 2);
	set_desc(2, (unsigned long)A.data, 512, 0, 0);
	return kick(0, 300);
}

/* Chains that loop or leave the table. */
LAYOUT_ATTACK(a_loop2, BLK_T_OUT, 50, CHANGE(1, B_DATA, 512, D_NEXT, 0))		/* back to 0 */
LAYOUT_ATTACK(a_loop_self, BLK_T_IN, 50, CHANGE(1, B_DATA, 512, D_NEXT | D_WRITE, 1))	/* itself */
LAYOUT_ATTACK(a_next_past, BLK_T_IN, 50, CHANGE(1, B_DATA, 512, D_NEXT | D_WRITE, QN))	/* past the table */
LAYOUT_ATTACK(a_next_ffff, BLK_T_IN, 50, CHANGE(0, B_HDR, 16, D_NEXT, 0xffff))
/* an available head that is no descriptor */
LAYOUT_ATTACK(a_head_past, BLK_T_IN, 50, NO_CHANGE, .head = QN + 3)
/* A chain through all N descriptors and back to the first: longer than the queue. */
static struct result a_chain_longer(void)
{
	if (blk_up())
		return NOT_MADE;
	attack_data();
	req_layout(BLK_T_OUT, 50, (unsigned long)A.data, 512);
	for (unsigned i = 1; i < QN; i++)
		set_desc(i, (unsigned long)A.data, 512, D_NEXT, (i + 1) % QN);
	return kick(0, 300);
}
/* Exactly N descriptors: header, N-2 data, status.  Legitimate (a read). */
static struct result a_chain_full(void)
{
	if (blk_up())
		return NOT_MADE;
	req_layout(BLK_T_IN, 0, (unsigned long)A.data, 512);
	for (unsigned i = 1; i < QN - 1; i++)
		set_desc(i, (unsigned long)A.data + 512 * (i - 1), 512, D_NEXT | D_WRITE, i + 1);
	set_desc(QN - 1, (unsigned long)A.status, 1, D_WRITE, 0);
	return kick(0, 1000);
}
/* The available index runs more than N ahead of the device. */
LAYOUT_ATTACK(a_avail_jump, BLK_T_IN, 50, NO_CHANGE, .avail_idx = 1000)

/* Indirect descriptors, never negotiated here: forbidden (2.6.5.3.1).  A read. */
static struct desc *ind_tab = (struct desc *)A.spare;
static struct result a_indirect_unnegotiated(void)
{
	if (blk_up())
		return NOT_MADE;
	set_hdr(BLK_T_IN, LEGIT_A);
	ind_tab[0] = (struct desc){ (unsigned long)A.hdr, 16, D_NEXT, 1 };
	ind_tab[1] = (struct desc){ (unsigned long)A.data, 512, D_NEXT | D_WRITE, 2 };
	ind_tab[2] = (struct desc){ (unsigned long)A.status, 1, D_WRITE, 0 };
	set_desc(0, (unsigned long)ind_tab, 3 * 16, D_INDIRECT, 0);
	return kick(0, 300);
}

/* Queue sizes and rings the device must not use as given. */
static struct result queue_attack(unsigned num, unsigned long d, unsigned long a, unsigned long u)
{
	rings_clear();
	if (!(negotiate(1ull << F_VERSION1) & S_FEATURES_OK))
		return NOT_MADE;
	queue_setup(0, num, d, a, u);
	wreg(V_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	/* A read, with the descriptors where the device will look if that is ours. */
	if (d - (unsigned long)DESC_PAGE < 16 * QMAXN)
		desc_tab = (struct desc *)d;
	req_layout(BLK_T_IN, 50, (unsigned long)A.data, 512);
	struct result r = kick(0, 300);
	desc_tab = (struct desc *)DESC_PAGE;
	return r;
}
/* The usual descriptor table, available and used rings (one changes per attack). */
#define D0 ((unsigned long)DESC_PAGE)
#define A0 ((unsigned long)AVAIL_PAGE)
#define U0 ((unsigned long)USED_PAGE)
static struct result a_qnum0(void) { return queue_attack(0, RINGS); }
static struct result a_qnum3(void) { return queue_attack(3, RINGS); }
static struct result a_qnum_big(void) { return queue_attack(qmax * 2, RINGS); }
static struct result a_qnum_huge(void) { return queue_attack(0x10000, RINGS); }
static struct result a_desc_nowhere(void) { return queue_attack(QN, 0x400000000000UL, A0, U0); }
static struct result a_used_nowhere(void) { return queue_attack(QN, D0, A0, 0x400000000000UL); }
static struct result a_avail_nowhere(void) { return queue_attack(QN, D0, 0, U0); }
static struct result a_desc_wrap(void) { return queue_attack(QN, ~0UL - 127, A0, U0); }
static struct result a_used_ram_end(void) { return queue_attack(QN, D0, A0, ram_end - 64); }
static struct result a_desc_misaligned(void) { return queue_attack(QN, D0 + 8, A0, U0); }
static struct result a_used_misaligned(void) { return queue_attack(QN, D0, A0, U0 + 2); }

/* Buffers the device may write that overlap the rings or the header: legal memory. */
static struct result a_read_into_desc(void) { return read_with_data(LEGIT_A, (unsigned long)DESC_PAGE, 1024); }
static struct result a_read_into_used(void) { return read_with_data(LEGIT_A, (unsigned long)USED_PAGE, 512); }
LAYOUT_ATTACK(a_status_in_header, BLK_T_IN, LEGIT_A, CHANGE(2, B_HDR_END, 1, D_WRITE, 0))
/* Queue registers rewritten while the queue is ready (4.2.2: the driver MUST NOT). */
static struct result a_queue_regs_while_ready(void)
{
	if (blk_up())
		return NOT_MADE;
	wreg(V_QNUM, 0x10000);
	wreg(V_QDESC, 0);
	wreg(V_QDESC + 4, 0x4000);
	wreg(V_QDEVICE, 0);
	wreg(V_QDRIVER + 4, 0xffffffff);
	req_layout(BLK_T_IN, LEGIT_A, (unsigned long)A.data, 512);
	return kick(0, 300);
}
/* QueueReady 1 -> 0 -> 1 with the same rings after a request, then a read. */
static struct result a_queue_toggle(void)
{
	if (blk_up())
		return NOT_MADE;
	req_layout(BLK_T_IN, LEGIT_A, (unsigned long)A.data, 512);
	kick(0, 300);
	wreg(V_QREADY, 0);
	rr(V_QREADY);
	wreg(V_QREADY, 1);
	return kick(0, 300);
}
/* Notifications of queues that do not exist. */
static struct result a_notify_garbage(void)
{
	if (blk_up())
		return NOT_MADE;
	static const uint32_t q[] = { 1, 2, 0xffff, 0x10000, 0xffffffff };
	for (unsigned i = 0; i < ARRAY_SIZE(q); i++)
		wreg(V_NOTIFY, q[i]);
	wreg(V_QSEL, 5);
	wreg(V_QNUM, 16);
	wreg(V_QREADY, 1);
	wreg(V_QSEL, 0);
	wreg(V_IACK, 0xffffffff);
	req_layout(BLK_T_IN, LEGIT_A, (unsigned long)A.data, 512);
	return kick(0, 300);
}

/* Features: DRIVER_OK without FEATURES_OK; a request then must not run. */
static struct result a_no_features_ok(void)
{
	rings_clear();
	dev_reset();
	wreg(V_STATUS, S_ACK);
	wreg(V_STATUS, S_ACK | S_DRIVER);
	wreg(V_DRFEATSEL, 1);
	wreg(V_DRFEAT, 1);
	queue_setup(0, QN, RINGS);
	wreg(V_STATUS, S_ACK | S_DRIVER | S_DRIVER_OK);
	/* A read: a device may take this for a legacy driver's sequence. */
	req_layout(BLK_T_IN, 50, (unsigned long)A.data, 512);
	return kick(0, 300);
}

/* QueueReady dropped with a request made available: it must not run. */
static struct result a_queue_not_ready(void)
{
	if (blk_up())
		return NOT_MADE;
	wreg(V_QREADY, 0);
	attack_data();
	req_layout(BLK_T_OUT, 50, (unsigned long)A.data, 512);
	return kick(0, 300);
}

/* Reset with a request available but not notified: after the reset it must never run. */
static struct result a_reset_pending(void)
{
	if (blk_up())
		return NOT_MADE;
	attack_data();
	req_layout(BLK_T_OUT, 50, (unsigned long)A.data, 512);
	avail_put(0);
	dev_reset();		/* no notify: reset instead */
	/* Up again with the same (not cleared) rings: a new driver would zero them,
	 * so do that, and notify: nothing is available. */
	if (blk_up())
		return NOT_MADE;
	wreg(V_NOTIFY, 0);
	unsigned long end = deadline_ms(50);
	while (rdtime() < end && *used_idx_p() == 0)
		;
	return (struct result){ *used_idx_p() ? DONE : NOTHING, 0, 0, A.status[0] };
}

/* ---- The legitimate requests the disk test expects --------------------------------------------- */

static void test_legit(void)
{
	struct result r;

	cprintf("-- legitimate requests\n");
	check(blk_up() == 0, "the device comes up");
	guards_set();
	fill_legit(A.data, LEGIT_A, 2);
	r = blk_req(BLK_T_OUT, LEGIT_A, A.data, 1024);
	cprintf("write sectors %d-%d: %s, used len %s\n", LEGIT_A, LEGIT_A + 1, outcome_str(r),
		r.used_len <= 1 ? "0 or 1" : "?");
	check(r.out == DONE && r.status == BLK_S_OK, "legitimate write: S_OK");
	/* Three descriptors of 512, 512 and 512 bytes, one request. */
	if (blk_up() == 0) {
		fill_legit(A.data, LEGIT_B, 3);
		set_hdr(BLK_T_OUT, LEGIT_B);
		set_desc(0, (unsigned long)A.hdr, 16, D_NEXT, 5);
		set_desc(5, (unsigned long)A.data, 512, D_NEXT, 9);
		set_desc(9, (unsigned long)A.data + 512, 512, D_NEXT, 2);
		set_desc(2, (unsigned long)A.data + 1024, 512, D_NEXT, 15);
		set_desc(15, (unsigned long)A.status, 1, D_WRITE, 0);
		r = kick(0, 1000);
		cprintf("write sectors %d-%d from 3 descriptors: %s\n", LEGIT_B, LEGIT_B + 2,
			outcome_str(r));
		check(r.out == DONE && r.status == BLK_S_OK && r.used_id == 0,
		      "legitimate scattered write: S_OK, used id = head");
	}
	if (blk_up() == 0) {
		fill_legit(A.data, capacity - 1, 1);
		r = blk_req(BLK_T_OUT, capacity - 1, A.data, 512);
		cprintf("write the last sector: %s\n", outcome_str(r));
		check(r.out == DONE && r.status == BLK_S_OK, "legitimate write of the last sector: S_OK");
	}
	/* Read them back, and the whole disk in one 1 MiB descriptor if it is 1 MiB. */
	if (blk_up() == 0) {
		memset(A.data, 0, 3 * 512);
		r = blk_req(BLK_T_IN, LEGIT_B, A.data, 3 * 512);
		cprintf("read sectors %d-%d: %s, used len %u, data %s\n", LEGIT_B, LEGIT_B + 2,
			outcome_str(r), r.used_len, is_legit(A.data, LEGIT_B, 3) ? "as written" : "WRONG");
		check(r.out == DONE && r.status == BLK_S_OK && r.used_len == 3 * 512 + 1 &&
		      is_legit(A.data, LEGIT_B, 3),
		      "read back: S_OK, used length = data + status, the data written");
	}
	if (capacity <= sizeof(big) / 512 && blk_up() == 0) {
		memset(big, 0, sizeof(big));
		r = blk_req(BLK_T_IN, 0, big, capacity * 512);
		int ok = r.out == DONE && r.status == BLK_S_OK && is_legit(big + 512 * LEGIT_A, LEGIT_A, 2) &&
			 is_legit(big + 512 * LEGIT_B, LEGIT_B, 3) &&
			 is_legit(big + 512 * (capacity - 1), capacity - 1, 1);
		cprintf("read the whole disk in one descriptor: %s, legit sectors %s\n",
			outcome_str(r), ok ? "as written" : "WRONG");
		check(ok, "whole-disk read: S_OK, the legit sectors as written");
	}
	if (blk_up() == 0) {
		r = a_chain_full();
		cprintf("read through a chain of all %d descriptors: %s, data %s\n", QN,
			outcome_str(r), is_legit(A.data + 512 * LEGIT_A, LEGIT_A, 2) ? "as written" : "WRONG");
		check(r.out == DONE && r.status == BLK_S_OK && is_legit(A.data + 512 * LEGIT_A, LEGIT_A, 2),
		      "a chain as long as the queue: S_OK");
	}
	if (blk_up() == 0) {
		r = blk_req(0x12345678, 0, A.data, 512);
		cprintf("request type 0x12345678: %s\n", outcome_str(r));
		check(r.out == DONE && r.status == BLK_S_UNSUPP, "unknown type: S_UNSUPP");
		r = blk_req(BLK_T_GET_ID, 0, A.data, 20);
		cprintf("GET_ID: %s\n", r.out == DONE && r.status == BLK_S_OK ? "S_OK" : outcome_str(r));
		check(r.out == DONE && r.status == BLK_S_OK, "GET_ID: S_OK");
	}
	/* The last 512 bytes of RAM are RAM. */
	if (blk_up() == 0) {
		uint8_t *tail = (uint8_t *)(ram_end - 512);
		memset(tail, 0, 512);
		r = blk_req(BLK_T_IN, LEGIT_A, tail, 512);
		cprintf("read into the last 512 bytes of RAM: %s, data %s\n", outcome_str(r),
			is_legit(tail, LEGIT_A, 1) ? "as written" : "WRONG");
		check(r.out == DONE && r.status == BLK_S_OK && is_legit(tail, LEGIT_A, 1),
		      "a buffer ending at the end of RAM: S_OK");
	}
	/* A full queue of requests, one notification; then 40 more one by one. */
	if (dev_up(QMAXN, 1ull << F_VERSION1) == 0) {
		unsigned n = QMAXN / 3, done = 0, good = 0;
		for (unsigned k = 0; k < n; k++) {
			uint8_t *h = many.hdr[k];
			uint32_t type = BLK_T_IN;
			uint64_t sector = LEGIT_B + k % 3;
			memcpy(h, &type, 4);
			memset(h + 4, 0, 4);
			memcpy(h + 8, &sector, 8);
			many.status[k] = 0xff;
			set_desc(3 * k, (unsigned long)h, 16, D_NEXT, 3 * k + 1);
			set_desc(3 * k + 1, (unsigned long)many.data[k], 512, D_NEXT | D_WRITE, 3 * k + 2);
			set_desc(3 * k + 2, (unsigned long)&many.status[k], 1, D_WRITE, 0);
			*avail_ring(k) = 3 * k;
		}
		fence_all();
		*avail_idx_p() = avail_idx = n;
		fence_all();
		wreg(V_NOTIFY, 0);
		unsigned long end = deadline_ms(2000);
		while (*used_idx_p() != n && rdtime() < end)
			fence_all();
		done = *used_idx_p();
		for (unsigned k = 0; k < n; k++)
			good += many.status[k] == BLK_S_OK && is_legit(many.data[k], LEGIT_B + k % 3, 1);
		cprintf("%u requests, one notification: %u used, %u with S_OK and the right data\n",
			n, done, good);
		check(done == n && good == n, "a full queue of requests: all done");
	}
	if (blk_up() == 0) {
		unsigned good = 0;
		for (unsigned k = 0; k < 40; k++) {
			memset(A.data, 0, 512);
			r = blk_req(BLK_T_IN, LEGIT_B + k % 3, A.data, 512);
			good += r.out == DONE && r.status == BLK_S_OK && r.used_id == 0 &&
				is_legit(A.data, LEGIT_B + k % 3, 1);
		}
		cprintf("40 requests in a row through a queue of %d: %u S_OK\n", QN, good);
		check(good == 40, "the rings wrap around");
	}
	check(guards_ok(), "legitimate requests: no byte outside the buffers written");
}

/* ---- Feature negotiation ---------------------------------------------------------------------------- */

static void test_features(void)
{
	cprintf("-- feature negotiation\n");
	/* 2.2.2: "The device SHOULD accept any valid subset of features the
	 * driver accepts, otherwise it MUST fail to set the FEATURES_OK device
	 * status bit".  QEMU sets it (and drops the bits it did not offer). */
	uint32_t st = negotiate(~0ull);
	cprintf("accept every feature bit: FEATURES_OK must be refused (QEMU sets it)\n");
	strict_check(!(st & S_FEATURES_OK), "features never offered: FEATURES_OK refused (2.2.2)");
	st = negotiate(offered | 1ull << 63);
	cprintf("offered features plus bit 63: FEATURES_OK must be refused (QEMU sets it)\n");
	strict_check(!(st & S_FEATURES_OK), "bit 63 never offered: FEATURES_OK refused");
	if (!strict && (st & S_FEATURES_OK)) {
		/* What QEMU negotiated must still be only what it offered. */
		wreg(V_STATUS, st | S_DRIVER_OK);
	}
	st = negotiate(1ull << F_VERSION1);
	cprintf("VERSION_1 only: FEATURES_OK %s\n", st & S_FEATURES_OK ? "set" : "refused");
	check(st & S_FEATURES_OK, "VERSION_1 alone: FEATURES_OK");
	/* The capacity is not the driver's to write. */
	uint32_t lo = rr(V_CONFIG), hi = rr(V_CONFIG + 4);
	wreg(V_CONFIG, 0xffffffff);
	wreg(V_CONFIG + 4, 0xffffffff);
	*(volatile uint8_t *)(dev + V_CONFIG) = 0;
	cprintf("capacity after writes to it: %s\n",
		rr(V_CONFIG) == lo && rr(V_CONFIG + 4) == hi ? "unchanged" : "CHANGED");
	check(rr(V_CONFIG) == lo && rr(V_CONFIG + 4) == hi, "capacity is read-only");
	dev_reset();
}

/* ---- Indirect descriptors, where offered (QEMU offers them, Umbra does not) ---------------------------
 * Negotiated, then: a nested indirect descriptor (2.6.5.3.1: "The driver
 * MUST NOT set the VIRTQ_DESC_F_INDIRECT flag within an indirect
 * descriptor"), a table whose length is not a multiple of 16, a table
 * outside RAM, a table with NEXT pointing past its end: none may reach the
 * disk or memory outside the buffers.  Printed only if a check fails.
 */
static void test_indirect_negotiated(void)
{
	static const char *names[] = { "nested", "length 40", "outside RAM", "next past the table",
				       "legitimate" };

	if (!(offered >> F_INDIRECT & 1))
		return;
	for (int k = 0; k < 5; k++) {
		guards_set();
		if (dev_up(QN, 1ull << F_VERSION1 | 1ull << F_INDIRECT)) {
			check(0, "indirect: the device comes up with INDIRECT_DESC");
			return;
		}
		struct desc *t = ind_tab, *t2 = ind_tab + 8;
		int legit = k == 4;
		if (legit)
			fill_legit(A.data2, LEGIT_A, 2);
		else
			memset(A.data2, ATTACK_BYTE, 1024);
		set_hdr(BLK_T_OUT, legit ? LEGIT_A : 50);
		t[0] = (struct desc){ (unsigned long)A.hdr, 16, D_NEXT, 1 };
		t[1] = (struct desc){ (unsigned long)A.data2, 1024, D_NEXT, 2 };
		t[2] = (struct desc){ (unsigned long)A.status, 1, D_WRITE, 0 };
		unsigned long tab = (unsigned long)t;
		uint32_t len = 48;
		if (k == 0) {
			t2[0] = t[1];
			t2[0].flags = 0;
			t[1] = (struct desc){ (unsigned long)t2, 16, D_INDIRECT | D_NEXT, 2 };
		} else if (k == 1) {
			len = 40;
		} else if (k == 2) {
			tab = 0x400000000000UL;
		} else if (k == 3) {
			t[1].next = 7;
		}
		set_desc(0, tab, len, D_INDIRECT, 0);
		struct result r = kick(0, 300);
		int refused = !(r.out == DONE && r.status == BLK_S_OK);
		if (!legit && !refused)
			check(0, "indirect %s: refused", names[k]);
		if (legit && refused)
			check(0, "indirect legitimate write: S_OK");
		if (!guards_ok())
			check(0, "indirect %s: no byte outside the buffers written", names[k]);
		if (!legit_write_read(names[k]))
			return;
	}
}

/* ---- virtio-console (only Umbra has one here): quiet ------------------------------------------------------ */

static void test_console(unsigned long base)
{
	unsigned long save = dev;

	dev = base;
	/* Queue 1 is the transmitq.  Whatever the attacks are, the console must
	 * print nothing (anything printed would show in the output) and write
	 * nothing outside the buffers. */
	static const struct { unsigned long addr; uint32_t len; uint16_t flags; } tx[] = {
		{ 0x400000000000UL, 16, 0 }, { ~0UL - 7, 16, 0 }, { 0, 0x1000, 0 },
		{ (unsigned long)A.data, 0xffffffff, 0 }, { (unsigned long)A.data, 16, D_WRITE },
		{ (unsigned long)A.data, 0, 0 },
	};
	for (unsigned k = 0; k < ARRAY_SIZE(tx) + 2; k++) {
		guards_set();
		rings_clear();
		if (!(negotiate(1ull << F_VERSION1) & S_FEATURES_OK)) {
			check(0, "virtio-console: FEATURES_OK");
			break;
		}
		queue_setup(1, QN, RINGS);
		wreg(V_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
		if (k < ARRAY_SIZE(tx)) {
			set_desc(0, tx[k].addr, tx[k].len, tx[k].flags, 0);
		} else if (k == ARRAY_SIZE(tx)) {
			set_desc(0, (unsigned long)A.data, 0, D_NEXT, 1);
			set_desc(1, (unsigned long)A.data, 0, D_NEXT, 0);	/* loop */
		} else {
			set_desc(0, (unsigned long)A.data, 0, D_NEXT, QN + 1);	/* past */
		}
		avail_idx = used_seen = 0;
		avail_put(0);
		wreg(V_NOTIFY, 1);
		if (!guards_ok())
			check(0, "virtio-console attack %u: no byte outside the buffers written", k);
		dev_reset();
	}
	dev_reset();
	dev = save;
}

/* ---- main ------------------------------------------------------------------------------------------ */

static const struct {
	const char *what;
	struct result (*fn)(void);
	enum kind kind;
} attacks[] = {
	/* Not RAM: QEMU bounce-buffers these (and DMAs into its firmware below RAM). */
	{ "write, data at 0x400000000000", a_write_nowhere, K_STRICT },
	{ "write, data at 0", a_write_zero, K_STRICT },
	{ "read, data at 0x400000000000", a_read_nowhere, K_STRICT },
	{ "read, data wrapping around 2^64", a_read_wrap, K_STRICT },
	{ "write, data wrapping around 2^64", a_write_wrap, K_STRICT },
	{ "read, data straddling the end of RAM", a_read_ram_end, K_STRICT },
	{ "read, data straddling the start of RAM", a_read_ram_start, K_STRICT },
	{ "read, data in the top 1 GiB", a_read_top, K_STRICT },
	{ "read, data length 0xfffffe00", a_read_huge, K_REFUSE },
	{ "read, data: 2 GiB from the start of RAM", a_read_ram_size, K_REFUSE },
	{ "write, data length 0xfffffe00", a_write_huge, K_REFUSE },
	{ "read at sector = capacity", a_read_at_cap, K_REFUSE },
	{ "write at sector = capacity", a_write_at_cap, K_REFUSE },
	{ "write of 4 sectors from the last sector on", a_write_across, K_REFUSE },
	{ "read of 8 sectors from capacity - 2 on", a_read_across, K_REFUSE },
	{ "write at sector 2^62", a_write_far, K_REFUSE },
	{ "write of 2 sectors at sector 2^64-1", a_write_wrapsect, K_REFUSE },
	{ "write of 8 MiB at sector 2^64-2^13 (wraps to 0)", a_write_wrapsect2, K_REFUSE },
	{ "write of 100 bytes", a_len_not_512, K_REFUSE },
	{ "write with an 8-byte header", a_short_header, K_REFUSE },
	{ "read with a device-writable header", a_header_writable, K_REFUSE },
	{ "write without a status byte", a_no_status, K_REFUSE },
	{ "a header and nothing else", a_header_only, K_REFUSE },
	{ "write with a 0-byte status descriptor", a_status_zero_len, K_REFUSE },
	{ "write: status before data (readable after writable)", a_readable_after_writable, K_REFUSE },
	{ "chain 0 -> 1 -> 0 ...", a_loop2, K_REFUSE },
	{ "chain whose descriptor 1 points at itself", a_loop_self, K_REFUSE },
	{ "chain to descriptor N (past the table)", a_next_past, K_REFUSE },
	{ "chain to descriptor 0xffff", a_next_ffff, K_REFUSE },
	{ "available head N+3 (no such descriptor)", a_head_past, K_REFUSE },
	{ "chain through all N descriptors and around", a_chain_longer, K_REFUSE },
	{ "available index 1000 ahead", a_avail_jump, K_REFUSE },
	{ "indirect descriptor, not negotiated (a read)", a_indirect_unnegotiated, K_ANY },
	/* QEMU ignores a QueueNum of 0 or above its maximum (and keeps its
	 * default size): a read then may work. */
	{ "queue size 0 (a read)", a_qnum0, K_ANY },
	{ "queue size 3 (not a power of 2; a read)", a_qnum3, K_ANY },
	{ "queue size 2 * QueueNumMax (a read)", a_qnum_big, K_ANY },
	{ "queue size 0x10000 (a read)", a_qnum_huge, K_ANY },
	{ "descriptor table at 0x400000000000", a_desc_nowhere, K_REFUSE },
	{ "available ring at 0", a_avail_nowhere, K_REFUSE },
	{ "used ring at 0x400000000000 (a read)", a_used_nowhere, K_ANY },
	{ "descriptor table wrapping around 2^64", a_desc_wrap, K_REFUSE },
	{ "used ring straddling the end of RAM (a read)", a_used_ram_end, K_ANY },
	{ "descriptor table 8-byte aligned (a read)", a_desc_misaligned, K_ANY },
	{ "used ring 2-byte aligned (a read)", a_used_misaligned, K_ANY },
	{ "DRIVER_OK without FEATURES_OK, then a read", a_no_features_ok, K_ANY },
	{ "read into the descriptor table", a_read_into_desc, K_ANY },
	{ "read into the used ring", a_read_into_used, K_ANY },
	{ "read whose status byte is the header's last", a_status_in_header, K_ANY },
	{ "queue registers rewritten while ready, then a read", a_queue_regs_while_ready, K_ANY },
	{ "QueueReady 1 -> 0 -> 1 on used rings, then a read", a_queue_toggle, K_ANY },
	{ "notify queues 1, 2, 0xffff, -1; QueueSel 5 ready; a read", a_notify_garbage, K_ANY },
	/* QEMU goes on serving a queue whose QueueReady is 0. */
	{ "QueueReady = 0, then a write", a_queue_not_ready, K_STRICT },
	{ "reset with a write available, not notified", a_reset_pending, K_REFUSE },
};

int main(void)
{
	test_begin("hostile_virtio");
	scan_dt();
	dev = 0;
	for (unsigned i = 0; i < vio_n; i++) {
		if (*(volatile uint32_t *)(vio_base[i] + V_MAGIC) != VIRTIO_MMIO_MAGIC ||
		    *(volatile uint32_t *)(vio_base[i] + V_VERSION) != 2)
			continue;
		uint32_t id = *(volatile uint32_t *)(vio_base[i] + V_DEVID);
		if (id == 2 && !dev)
			dev = vio_base[i];
		if (id == 3)
			test_console(vio_base[i]);
	}
	if (!dev) {
		cprintf("no virtio-blk device: nothing to attack\n");
		test_end();
	}
	cprintf("virtio-blk found\n");
	strict = rr(V_VENDOR) != VENDOR_QEMU;
	capacity = (uint64_t)rr(V_CONFIG) | (uint64_t)rr(V_CONFIG + 4) << 32;
	wreg(V_QSEL, 0);
	qmax = rr(V_QNUMMAX);
	cprintf("capacity %lu sectors; QueueNumMax >= %d: %s\n", (unsigned long)capacity, QMAXN,
		qmax >= QMAXN ? "yes" : "no");
	if (!check(capacity >= 256 && qmax >= QMAXN, "a disk of at least 128 KiB, queues of 64"))
		test_end();
	test_features();
	watch_init();
	test_legit();

	cprintf("-- attacks (\"refused\": not completed with S_OK)\n");
	for (unsigned i = 0; i < ARRAY_SIZE(attacks); i++)
		attack(attacks[i].what, attacks[i].fn, attacks[i].kind);
	/* The read-only buffer attack separately: either outcome, but the buffer stays. */
	guards_set();
	struct result r = a_read_into_ro();
	cprintf("%-58s buffer %s\n", "read into a buffer read-only for the device",
		ro_untouched ? "untouched" : "WRITTEN");
	check(ro_untouched && guards_ok(), "read into a read-only buffer: the buffer untouched");
	(void)r;
	legit_write_read("read into a read-only buffer");
	test_indirect_negotiated();

	/* After everything: a reset mid-I/O (the write rewrites what is there). */
	if (blk_up() == 0) {
		fill_legit(A.data, LEGIT_A, 2);
		req_layout(BLK_T_OUT, LEGIT_A, (unsigned long)A.data, 1024);
		avail_put(0);
		wreg(V_NOTIFY, 0);
		dev_reset();
		cprintf("reset right after notifying a write: survived\n");
	}
	legit_write_read("reset mid-I/O");
	cprintf("watched sectors (0, 1, 50, 200, capacity-2, capacity-1): %s\n",
		watch_ok() ? "unchanged" : "CHANGED");
	check(watch_ok(), "no attack reached the disk");
	check(legit_ok, "after every attack, a reset brought the device back");
	dev_reset();
	test_end();
}
