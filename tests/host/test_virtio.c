/*
 * test_virtio.c - host unit test for the virtio models: the virtio-mmio
 * transport and split virtqueues (src/vdev/virtio.c), the block device
 * (virtio_blk.c) and the console (virtio_console.c).
 *
 * Guest memory is simulated: 32 MiB at guest-physical 0x80000000, a plain
 * array with 64 KiB guard zones ("canaries") on both sides.  Its
 * gpa_to_hva() hands out pointers into the array and NULL for any range
 * not wholly inside it; it also checks the model keeps the callback's
 * contract (never an empty or wrapping range).  The disk behind the block
 * device is another array with guards; its backend checks every buffer it
 * gets is inside guest RAM and every sector range inside the disk.
 *
 * A tiny driver in this file talks to the devices only through the MMIO
 * handler and guest memory, as a guest would: the real handshake (reset,
 * ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queue setup, DRIVER_OK),
 * then descriptor chains in the rings and QueueNotify.  Parts:
 *
 *   1. registers: identification, access widths, feature offer
 *   2. status and feature negotiation rules, reset
 *   3. queue setup validation (sizes, alignment, addresses outside RAM)
 *   4. block requests: read/write/flush/get_id/unsupported, bounds, layouts
 *   5. hostile requests: buffers outside RAM, bad lengths, wrong layouts
 *   6. broken queues: looping chains, bad indices -> DEVICE_NEEDS_RESET
 *   7. interrupts: status, ACK, suppression, index wrap-around
 *   8. console: tx, rx, bad chains
 *   9. a randomized hostile driver (fixed seed) against both devices
 *
 * After every part the guard zones must be intact.
 *
 * Build and run (from the repository root):
 *   gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -DUMBRA_HOST_TEST \
 *       -Isrc/include -Isrc/core -Isrc/trap -Isrc/decode -Isrc/shadowpt \
 *       -Isrc/vdev [-fsanitize=address,undefined] \
 *       -o build/host/test_virtio tests/host/test_virtio.c \
 *       src/vdev/virtio.c src/vdev/virtio_blk.c src/vdev/virtio_console.c
 *   ./build/host/test_virtio
 * Prints one line per failure and "virtio: N passed, M failed"; exits 1 on
 * any failure.  "./build/host/test_virtio SEED" runs part 9 with another
 * seed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio.h"

#define HARNESS_NAME "virtio"
#include "harness.h"

/* ---- Simulated guest memory (guest_ram.h) ----------------------------------------- */

#define RAM_SIZE   (32ull << 20)   /* big enough for a chain over 4 GiB */
#include "guest_ram.h"

/* ---- Interrupt line ------------------------------------------------------------ */

struct irq_line {
	bool level;
	unsigned rises;
	unsigned bad_calls;   /* called without a change of level */
};

static void irq_cb(void *ctx, bool level)
{
	struct irq_line *l = ctx;

	if (level == l->level)
		l->bad_calls++;
	if (level && !l->level)
		l->rises++;
	l->level = level;
}

/* ---- The disk -------------------------------------------------------------------- */

#define DISK_SECTORS 64
#define DISK_BYTES   (DISK_SECTORS * 512)

static uint8_t disk_mem[GUARD + DISK_BYTES + GUARD];
#define DISK (disk_mem + GUARD)

struct disk_state {
	unsigned reads, writes, flushes;
	unsigned violations;    /* a buffer outside RAM, a range outside the disk */
	int fail;               /* make the next calls return this error */
};

static bool host_buf_ok(const void *buf, uint32_t len)
{
	const uint8_t *p = buf;

	return len && len % 512 == 0 && p >= RAM && p <= RAM + RAM_SIZE &&
	       len <= (size_t)(RAM + RAM_SIZE - p);
}

static bool sectors_ok(uint64_t sector, uint32_t len)
{
	return sector < DISK_SECTORS && len / 512 <= DISK_SECTORS - sector;
}

static int disk_read(void *ctx, uint64_t sector, void *buf, uint32_t len)
{
	struct disk_state *s = ctx;

	s->reads++;
	if (!host_buf_ok(buf, len) || !sectors_ok(sector, len)) {
		s->violations++;
		return -1;
	}
	if (s->fail)
		return s->fail;
	memcpy(buf, DISK + sector * 512, len);
	return 0;
}

static int disk_write(void *ctx, uint64_t sector, const void *buf, uint32_t len)
{
	struct disk_state *s = ctx;

	s->writes++;
	if (!host_buf_ok(buf, len) || !sectors_ok(sector, len)) {
		s->violations++;
		return -1;
	}
	if (s->fail)
		return s->fail;
	memcpy(DISK + sector * 512, buf, len);
	return 0;
}

static int disk_flush(void *ctx)
{
	struct disk_state *s = ctx;

	s->flushes++;
	return s->fail;
}

static void disk_guards_fill(void)
{
	memset(disk_mem, CANARY, GUARD);
	memset(disk_mem + GUARD + DISK_BYTES, CANARY, GUARD);
}

static bool disk_guards_ok(void)
{
	for (size_t i = 0; i < GUARD; i++)
		if (disk_mem[i] != CANARY || disk_mem[GUARD + DISK_BYTES + i] != CANARY)
			return false;
	return true;
}

/* ---- The test driver ---------------------------------------------------------------- */

struct drvq {
	uint64_t desc, avail, used;
	unsigned num;
	uint16_t avail_idx, used_seen;
};

struct drv {
	struct vdev vdev;       /* accesses go through the vdev handler */
	struct virtio_dev *d;
	struct drvq q[2];
};

static bool mmio_ok = true;   /* a register access the test expects to work failed */

static uint32_t rd(struct drv *v, uint32_t off)
{
	uint64_t val = 0xdeadbeefdeadbeefull;

	if (v->vdev.access(&v->vdev, off, 4, false, &val) != 0)
		mmio_ok = false;
	return (uint32_t)val;
}

static void wr(struct drv *v, uint32_t off, uint32_t val)
{
	uint64_t x = val;

	if (v->vdev.access(&v->vdev, off, 4, true, &x) != 0)
		mmio_ok = false;
}

static void drv_bind(struct drv *v, struct virtio_dev *d)
{
	memset(v, 0, sizeof(*v));
	v->d = d;
	v->vdev.name = "test";
	v->vdev.base = 0x10001000;
	v->vdev.size = VIRTIO_MMIO_SIZE;
	v->vdev.access = virtio_mmio_access;
	v->vdev.priv = d;
}

/* Where the rings of queue qi live: 16 KiB per queue from 'base'. */
static uint64_t ring_base(unsigned qi)
{
	return RAM_BASE + 0x10000 * (uint64_t)qi;
}

static void q_layout(struct drv *v, unsigned qi, unsigned num)
{
	struct drvq *q = &v->q[qi];

	q->desc = ring_base(qi);
	q->avail = ring_base(qi) + 0x1000;
	q->used = ring_base(qi) + 0x2000;
	q->num = num;
	q->avail_idx = q->used_seen = 0;
	memset(G(q->desc), 0, 0x3000);
}

/* Write the queue registers and QueueReady; true if the queue went ready. */
static bool q_setup_at(struct drv *v, unsigned qi, uint32_t num,
		       uint64_t desc, uint64_t avail, uint64_t used)
{
	wr(v, VIRTIO_MMIO_QUEUE_SEL, qi);
	if (rd(v, VIRTIO_MMIO_QUEUE_READY) != 0)
		return false;
	wr(v, VIRTIO_MMIO_QUEUE_NUM, num);
	wr(v, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(v, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	wr(v, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
	wr(v, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
	wr(v, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
	wr(v, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
	wr(v, VIRTIO_MMIO_QUEUE_READY, 1);
	return rd(v, VIRTIO_MMIO_QUEUE_READY) == 1;
}

static bool q_setup(struct drv *v, unsigned qi, unsigned num)
{
	q_layout(v, qi, num);
	return q_setup_at(v, qi, num, v->q[qi].desc, v->q[qi].avail, v->q[qi].used);
}

static uint64_t offered_features(struct drv *v)
{
	uint64_t f;

	wr(v, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f = rd(v, VIRTIO_MMIO_DEVICE_FEATURES);
	wr(v, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f |= (uint64_t)rd(v, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	return f;
}

static void write_features(struct drv *v, uint64_t f)
{
	wr(v, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(v, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	wr(v, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(v, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

/*
 * The driver side of 3.1.1: reset, ACKNOWLEDGE, DRIVER, read and accept
 * features (the offered ones within 'accept'), FEATURES_OK and check it
 * stuck, set up nq queues of 'num' entries, DRIVER_OK.
 */
static bool drv_init(struct drv *v, uint64_t accept, unsigned nq, unsigned num)
{
	uint32_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	if (rd(v, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC ||
	    rd(v, VIRTIO_MMIO_VERSION) != 2 || rd(v, VIRTIO_MMIO_DEVICE_ID) == 0)
		return false;
	wr(v, VIRTIO_MMIO_STATUS, 0);
	wr(v, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(v, VIRTIO_MMIO_STATUS, st);
	write_features(v, offered_features(v) & accept);
	st |= VIRTIO_STATUS_FEATURES_OK;
	wr(v, VIRTIO_MMIO_STATUS, st);
	if (!(rd(v, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
		return false;
	for (unsigned qi = 0; qi < nq; qi++)
		if (!q_setup(v, qi, num))
			return false;
	st |= VIRTIO_STATUS_DRIVER_OK;
	wr(v, VIRTIO_MMIO_STATUS, st);
	return rd(v, VIRTIO_MMIO_STATUS) == st;
}

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool w;
};

/* Write one descriptor. */
static void desc_put(struct drvq *q, unsigned idx, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	uint64_t a = q->desc + 16 * (uint64_t)idx;

	put64(a, addr);
	put32(a + 8, len);
	put16(a + 12, flags);
	put16(a + 14, next);
}

/* Make 'head' available (without a notification). */
static void q_publish(struct drv *v, unsigned qi, uint16_t head)
{
	struct drvq *q = &v->q[qi];

	put16(q->avail + 4 + 2 * (q->avail_idx % q->num), head);
	q->avail_idx++;
	put16(q->avail + 2, q->avail_idx);
}

/* A chain of n segments in descriptors head, head+1, ... (mod N). */
static void q_chain(struct drv *v, unsigned qi, uint16_t head,
		    const struct seg *s, unsigned n)
{
	struct drvq *q = &v->q[qi];

	for (unsigned i = 0; i < n; i++) {
		unsigned idx = (head + i) % q->num;
		uint16_t flags = (s[i].w ? VIRTQ_DESC_F_WRITE : 0) |
				 (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0);

		desc_put(q, idx, s[i].gpa, s[i].len, flags, (idx + 1) % q->num);
	}
}

static void q_kick(struct drv *v, unsigned qi)
{
	wr(v, VIRTIO_MMIO_QUEUE_NOTIFY, qi);
}

/* The next used element, if the device produced one. */
static bool q_used(struct drv *v, unsigned qi, uint32_t *id, uint32_t *len)
{
	struct drvq *q = &v->q[qi];
	uint64_t e;

	if (get16(q->used + 2) == q->used_seen)
		return false;
	e = q->used + 4 + 8 * (uint64_t)(q->used_seen % q->num);
	*id = get32(e);
	*len = get32(e + 4);
	q->used_seen++;
	return true;
}

static unsigned used_pending(struct drv *v, unsigned qi)
{
	return (uint16_t)(get16(v->q[qi].used + 2) - v->q[qi].used_seen);
}

/* ---- Block device fixtures ----------------------------------------------------------- */

#define HDR     (RAM_BASE + 0x40000)   /* request header */
#define ST      (RAM_BASE + 0x40100)   /* status byte */
#define DATA    (RAM_BASE + 0x50000)   /* data buffers, 64 KiB */
#define DATA2   (RAM_BASE + 0x60000)   /* a second data area */
#define ST_NONE 0xee                   /* status byte before the device writes it */

static struct virtio_blk blk;
static struct disk_state ds;
static struct irq_line blk_irq;
static struct drv bd;

static const struct virtio_host blk_host = { &blk_irq, gpa_to_hva, irq_cb };

static void blk_make(bool flush, bool ro, uint64_t capacity)
{
	struct virtio_blk_backend be = { &ds, disk_read, disk_write, flush ? disk_flush : NULL };
	struct virtio_blk_params p = { capacity, ro, "umbra-disk-0" };
	int r;

	memset(&ds, 0, sizeof(ds));
	memset(&blk_irq, 0, sizeof(blk_irq));
	r = virtio_blk_init(&blk, &blk_host, &be, &p);
	if (r)
		harness_fatal("virtio_blk_init: %d", r);
	drv_bind(&bd, &blk.vdev);
}

/* A device up with the usual features and one queue of 'num'. */
static bool blk_up(unsigned num)
{
	return drv_init(&bd, ~0ull, 1, num);
}

struct result {
	bool done;          /* a used element came back */
	uint32_t id, len;
	uint8_t status;
};

/* Submit header + data segments + status byte as one chain from desc 0. */
static struct result blk_submit(uint32_t type, uint64_t sector,
				const struct seg *data, unsigned ndata)
{
	struct seg s[16];
	struct result r = { 0 };
	unsigned n = 0;

	put32(HDR, type);
	put32(HDR + 4, 0);
	put64(HDR + 8, sector);
	*G(ST) = ST_NONE;
	s[n++] = (struct seg){ HDR, 16, false };
	for (unsigned i = 0; i < ndata; i++)
		s[n++] = data[i];
	s[n++] = (struct seg){ ST, 1, true };
	q_chain(&bd, 0, 0, s, n);
	q_publish(&bd, 0, 0);
	q_kick(&bd, 0);
	r.done = q_used(&bd, 0, &r.id, &r.len);
	r.status = *G(ST);
	return r;
}

static struct result blk_read(uint64_t sector, uint64_t gpa, uint32_t len)
{
	struct seg s = { gpa, len, true };
	return blk_submit(VIRTIO_BLK_T_IN, sector, &s, 1);
}

static struct result blk_write(uint64_t sector, uint64_t gpa, uint32_t len)
{
	struct seg s = { gpa, len, false };
	return blk_submit(VIRTIO_BLK_T_OUT, sector, &s, 1);
}

static void pattern(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

static bool needs_reset_set(struct drv *v)
{
	return rd(v, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DEVICE_NEEDS_RESET;
}

/* ---- 1. Registers ------------------------------------------------------------------- */

static void test_registers(void)
{
	uint64_t val, f;

	blk_make(true, false, DISK_SECTORS);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_MAGIC_VALUE) == 0x74726976, "magic");
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_VERSION) == 2, "version");
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_BLOCK, "device id");
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_VENDOR_ID) == VIRTIO_VENDOR_UMBRA, "vendor id");
	HARNESS_CHECKF(mmio_ok, "32-bit register reads accepted");

	/* Control registers: 32-bit aligned only. */
	for (unsigned w = 1; w <= 8; w *= 2) {
		val = 0;
		if (w != 4)
			HARNESS_CHECKF(virtio_mmio_rw(&blk.vdev, 0, w, false, &val) < 0,
				       "width %u read of MagicValue refused", w);
	}
	HARNESS_CHECKF(virtio_mmio_rw(&blk.vdev, 2, 4, false, &val) < 0, "unaligned read refused");
	HARNESS_CHECKF(virtio_mmio_rw(&blk.vdev, 0x72, 2, true, &val) < 0, "16-bit Status write refused");
	HARNESS_CHECKF(virtio_mmio_rw(&blk.vdev, 0x70, 3, false, &val) < 0, "width 3 refused");
	HARNESS_CHECKF(virtio_mmio_rw(&blk.vdev, VIRTIO_MMIO_SIZE, 4, false, &val) < 0, "offset past window refused");
	HARNESS_CHECKF(virtio_mmio_rw(&blk.vdev, VIRTIO_MMIO_SIZE - 2, 4, false, &val) < 0, "access crossing the end refused");
	HARNESS_CHECKF(virtio_mmio_rw(&blk.vdev, ~0ull - 1, 4, false, &val) < 0, "huge offset refused");
	val = 0;
	HARNESS_CHECKF(virtio_mmio_rw(&blk.vdev, 0x18, 4, false, &val) == 0 && val == 0, "hole reads zero");
	val = 0;
	HARNESS_CHECKF(virtio_mmio_rw(&blk.vdev, VIRTIO_MMIO_SHM_LEN_LOW, 4, false, &val) == 0 &&
		       val == 0xffffffff, "no shared memory region: length -1");

	/* Config space: any width, any offset. */
	val = 0;
	HARNESS_CHECKF(virtio_mmio_rw(&blk.vdev, VIRTIO_MMIO_CONFIG, 8, false, &val) == 0 &&
		       val == DISK_SECTORS, "capacity, 64-bit read: %" PRIu64, val);
	val = 1;
	HARNESS_CHECKF(virtio_mmio_rw(&blk.vdev, VIRTIO_MMIO_CONFIG + 4, 4, false, &val) == 0 &&
		       val == 0, "capacity high word");
	val = 0;
	HARNESS_CHECKF(virtio_mmio_rw(&blk.vdev, VIRTIO_MMIO_CONFIG, 1, false, &val) == 0 &&
		       val == DISK_SECTORS, "capacity, byte read");
	val = 0;
	HARNESS_CHECKF(virtio_mmio_rw(&blk.vdev, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_SEG_MAX, 4, false, &val) == 0 &&
		       val == VIRTIO_QUEUE_NUM_MAX - 2, "seg_max");
	val = 0;
	HARNESS_CHECKF(virtio_mmio_rw(&blk.vdev, VIRTIO_MMIO_CONFIG + 1, 2, false, &val) == 0 &&
		       val == 0, "unaligned config read accepted");
	val = 7;
	HARNESS_CHECKF(virtio_mmio_rw(&blk.vdev, VIRTIO_MMIO_CONFIG + 0x800, 4, false, &val) == 0 &&
		       val == 0, "config past the structure reads zero");
	val = 0x1234;
	HARNESS_CHECKF(virtio_mmio_rw(&blk.vdev, VIRTIO_MMIO_CONFIG, 8, true, &val) == 0, "config write accepted");
	val = 0;
	virtio_mmio_rw(&blk.vdev, VIRTIO_MMIO_CONFIG, 8, false, &val);
	HARNESS_CHECKF(val == DISK_SECTORS, "config write ignored (capacity is read-only)");

	/* The feature offer. */
	f = offered_features(&bd);
	HARNESS_CHECKF(f & (1ull << VIRTIO_F_VERSION_1), "VERSION_1 offered");
	HARNESS_CHECKF(f & (1ull << VIRTIO_BLK_F_FLUSH), "FLUSH offered with a flushing backend");
	HARNESS_CHECKF(f & (1ull << VIRTIO_BLK_F_SEG_MAX), "SEG_MAX offered");
	HARNESS_CHECKF(!(f & (1ull << VIRTIO_BLK_F_RO)), "RO not offered");
	HARNESS_CHECKF(!(f & (1ull << VIRTIO_F_INDIRECT_DESC)), "INDIRECT_DESC not offered");
	HARNESS_CHECKF(!(f & (1ull << VIRTIO_F_EVENT_IDX)), "EVENT_IDX not offered");
	wr(&bd, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_DEVICE_FEATURES) == 0, "feature word 2 is zero");

	/* Queues: one for blk. */
	wr(&bd, VIRTIO_MMIO_QUEUE_SEL, 0);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_QUEUE_NUM_MAX) == VIRTIO_QUEUE_NUM_MAX, "QueueNumMax");
	wr(&bd, VIRTIO_MMIO_QUEUE_SEL, 1);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_QUEUE_NUM_MAX) == 0, "no queue 1");
	wr(&bd, VIRTIO_MMIO_QUEUE_READY, 1);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_QUEUE_READY) == 0, "queue 1 cannot be made ready");
	HARNESS_CHECKF(!needs_reset_set(&bd), "selecting a missing queue is harmless");
	HARNESS_CHECKF(mmio_ok, "register accesses accepted");
}

/* ---- 2. Status and features ---------------------------------------------------------------- */

static void test_negotiation(void)
{
	const uint32_t AD = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	uint64_t val;

	blk_make(true, false, DISK_SECTORS);

	/* Without VERSION_1: FEATURES_OK does not stick. */
	wr(&bd, VIRTIO_MMIO_STATUS, 0);
	wr(&bd, VIRTIO_MMIO_STATUS, AD);
	write_features(&bd, 1ull << VIRTIO_BLK_F_FLUSH);
	wr(&bd, VIRTIO_MMIO_STATUS, AD | VIRTIO_STATUS_FEATURES_OK);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_STATUS) == AD, "FEATURES_OK refused without VERSION_1");

	/* A feature that was not offered: refused. */
	write_features(&bd, (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_INDIRECT_DESC));
	wr(&bd, VIRTIO_MMIO_STATUS, AD | VIRTIO_STATUS_FEATURES_OK);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_STATUS) == AD, "FEATURES_OK refused with an unoffered feature");

	/* DRIVER_OK before FEATURES_OK: refused. */
	wr(&bd, VIRTIO_MMIO_STATUS, AD | VIRTIO_STATUS_DRIVER_OK);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_STATUS) == AD, "DRIVER_OK refused before FEATURES_OK");

	/* A valid subset: accepted. */
	write_features(&bd, (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_BLK_F_FLUSH));
	wr(&bd, VIRTIO_MMIO_STATUS, AD | VIRTIO_STATUS_FEATURES_OK);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_STATUS) == (AD | VIRTIO_STATUS_FEATURES_OK), "FEATURES_OK accepted");
	HARNESS_CHECKF(virtio_has_feature(&blk.vdev, VIRTIO_BLK_F_FLUSH), "FLUSH negotiated");
	HARNESS_CHECKF(!virtio_has_feature(&blk.vdev, VIRTIO_BLK_F_SEG_MAX), "SEG_MAX not negotiated");

	/* Feature writes after FEATURES_OK are ignored. */
	write_features(&bd, 1ull << VIRTIO_F_VERSION_1);
	HARNESS_CHECKF(virtio_has_feature(&blk.vdev, VIRTIO_BLK_F_FLUSH), "features frozen after FEATURES_OK");

	/* Status bits cannot be cleared except by reset; NEEDS_RESET is the device's. */
	wr(&bd, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_STATUS) == (AD | VIRTIO_STATUS_FEATURES_OK), "status bits not cleared by a write");
	wr(&bd, VIRTIO_MMIO_STATUS, AD | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	HARNESS_CHECKF(!needs_reset_set(&bd), "driver cannot set DEVICE_NEEDS_RESET");

	/* A queue, DRIVER_OK, then reset clears everything. */
	HARNESS_CHECKF(q_setup(&bd, 0, 16), "queue setup");
	wr(&bd, VIRTIO_MMIO_STATUS, AD | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DRIVER_OK, "DRIVER_OK");
	HARNESS_CHECKF(blk_read(0, DATA, 512).status == VIRTIO_BLK_S_OK, "request works");
	HARNESS_CHECKF(blk_irq.level && rd(&bd, VIRTIO_MMIO_INTERRUPT_STATUS) == VIRTIO_MMIO_INT_VRING,
		       "interrupt pending before reset");
	wr(&bd, VIRTIO_MMIO_STATUS, 0);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_STATUS) == 0, "reset clears Status");
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_INTERRUPT_STATUS) == 0 && !blk_irq.level, "reset clears interrupts and the line");
	wr(&bd, VIRTIO_MMIO_QUEUE_SEL, 0);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_QUEUE_READY) == 0, "reset clears QueueReady");
	HARNESS_CHECKF(!virtio_has_feature(&blk.vdev, VIRTIO_BLK_F_FLUSH), "reset forgets features");

	/* Config reads still work, and the full handshake again. */
	val = 0;
	virtio_mmio_rw(&blk.vdev, VIRTIO_MMIO_CONFIG, 8, false, &val);
	HARNESS_CHECKF(val == DISK_SECTORS, "config survives reset");
	HARNESS_CHECKF(blk_up(16), "handshake after reset");

	/* Notifications before DRIVER_OK are not acted on; DRIVER_OK picks
	 * up what was made available. */
	wr(&bd, VIRTIO_MMIO_STATUS, 0);
	wr(&bd, VIRTIO_MMIO_STATUS, AD);
	write_features(&bd, 1ull << VIRTIO_F_VERSION_1);
	wr(&bd, VIRTIO_MMIO_STATUS, AD | VIRTIO_STATUS_FEATURES_OK);
	HARNESS_CHECKF(q_setup(&bd, 0, 16), "queue setup");
	{
		struct result r = blk_read(0, DATA, 512);
		HARNESS_CHECKF(!r.done && r.status == ST_NONE, "no processing before DRIVER_OK");
	}
	wr(&bd, VIRTIO_MMIO_STATUS, AD | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	HARNESS_CHECKF(used_pending(&bd, 0) == 1 && *G(ST) == VIRTIO_BLK_S_OK, "request done at DRIVER_OK");

	/* FAILED stops processing. */
	wr(&bd, VIRTIO_MMIO_STATUS, AD | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FAILED);
	bd.q[0].used_seen = get16(bd.q[0].used + 2);
	{
		struct result r = blk_read(0, DATA, 512);
		HARNESS_CHECKF(!r.done, "no processing after FAILED");
	}
	HARNESS_CHECKF(mmio_ok, "register accesses accepted");
}

/* ---- 3. Queue setup ------------------------------------------------------------------------- */

/* Bring the device to FEATURES_OK, then try one queue configuration. */
static bool try_queue(uint32_t num, uint64_t desc, uint64_t avail, uint64_t used)
{
	const uint32_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			    VIRTIO_STATUS_FEATURES_OK;
	bool ok;

	wr(&bd, VIRTIO_MMIO_STATUS, 0);
	wr(&bd, VIRTIO_MMIO_STATUS, st & ~VIRTIO_STATUS_FEATURES_OK);
	write_features(&bd, 1ull << VIRTIO_F_VERSION_1);
	wr(&bd, VIRTIO_MMIO_STATUS, st);
	ok = q_setup_at(&bd, 0, num, desc, avail, used);
	/* A refused setup, and only that, leaves DEVICE_NEEDS_RESET. */
	HARNESS_CHECKF(ok != needs_reset_set(&bd), "num %u desc 0x%" PRIx64 ": QueueReady %d, NEEDS_RESET %d",
		       num, desc, ok, needs_reset_set(&bd));
	return ok;
}

static void test_queue_setup(void)
{
	const uint64_t D = RAM_BASE, A = RAM_BASE + 0x1000, U = RAM_BASE + 0x2000;

	blk_make(true, false, DISK_SECTORS);
	HARNESS_CHECKF(try_queue(256, D, A, U), "num 256 (max)");
	HARNESS_CHECKF(try_queue(1, D, A, U), "num 1");
	HARNESS_CHECKF(!try_queue(512, D, A, U), "num above QueueNumMax refused");
	HARNESS_CHECKF(!try_queue(0x10000, D, A, U), "num 65536 refused");
	HARNESS_CHECKF(!try_queue(0, D, A, U), "num 0 refused");
	HARNESS_CHECKF(!try_queue(100, D, A, U), "num not a power of two refused");
	HARNESS_CHECKF(!try_queue(0xffffffff, D, A, U), "num ~0 refused");
	HARNESS_CHECKF(!try_queue(16, D + 8, A, U), "descriptor table not 16-aligned refused");
	HARNESS_CHECKF(!try_queue(16, D, A + 1, U), "avail ring not 2-aligned refused");
	HARNESS_CHECKF(!try_queue(16, D, A, U + 2), "used ring not 4-aligned refused");
	HARNESS_CHECKF(try_queue(16, D, A + 2, U + 4), "minimal alignments accepted");
	HARNESS_CHECKF(!try_queue(16, 0, A, U), "descriptor table at 0 refused");
	HARNESS_CHECKF(!try_queue(16, D, RAM_BASE - 0x1000, U), "avail ring below RAM refused");
	HARNESS_CHECKF(!try_queue(16, D, A, RAM_END), "used ring at end of RAM refused");
	HARNESS_CHECKF(!try_queue(16, D, A, RAM_END - 8), "used ring straddling end of RAM refused");
	HARNESS_CHECKF(!try_queue(256, RAM_END - 0x800, A, U), "descriptor table straddling end of RAM refused");
	HARNESS_CHECKF(!try_queue(16, D | (1ull << 32), A, U), "high address bits refused");
	HARNESS_CHECKF(!try_queue(16, 0xfffffffffffffff0ull, A, U), "wrapping descriptor table refused");
	HARNESS_CHECKF(try_queue(16, RAM_END - 256, A, U), "descriptor table ending exactly at end of RAM");
	HARNESS_CHECKF(g2h_contract_violations == 0, "gpa_to_hva contract kept");

	/* While ready, size and address registers are frozen. */
	HARNESS_CHECKF(try_queue(16, D, A, U), "setup");
	wr(&bd, VIRTIO_MMIO_QUEUE_NUM, 1024);
	wr(&bd, VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	wr(&bd, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0xffff);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_QUEUE_NUM) == 16 && rd(&bd, VIRTIO_MMIO_QUEUE_DESC_LOW) == (uint32_t)D &&
		       rd(&bd, VIRTIO_MMIO_QUEUE_DEVICE_HIGH) == 0, "queue registers ignore writes while ready");
	/* Disable, change, re-enable: validated again. */
	wr(&bd, VIRTIO_MMIO_QUEUE_READY, 0);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_QUEUE_READY) == 0, "queue disabled");
	wr(&bd, VIRTIO_MMIO_QUEUE_NUM, 1024);
	wr(&bd, VIRTIO_MMIO_QUEUE_READY, 1);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_QUEUE_READY) == 0 && needs_reset_set(&bd), "re-enable validates again");

	/* After a refused setup, reset makes the device usable again. */
	HARNESS_CHECKF(blk_up(16), "usable after reset");
	HARNESS_CHECKF(blk_read(0, DATA, 512).status == VIRTIO_BLK_S_OK, "request after recovery");
	HARNESS_CHECKF(guards_ok(), "guest memory guards intact");
	HARNESS_CHECKF(mmio_ok, "register accesses accepted");
}

/* ---- 4. Block requests ---------------------------------------------------------------------- */

static void test_blk_io(void)
{
	struct result r;
	uint8_t expect[4096];
	unsigned before;

	blk_make(true, false, DISK_SECTORS);
	memset(DISK, 0, DISK_BYTES);
	HARNESS_CHECKF(blk_up(64), "handshake");

	/* Write 2 sectors at 3, read them back. */
	pattern(G(DATA), 1024, 1);
	memcpy(expect, G(DATA), 1024);
	r = blk_write(3, DATA, 1024);
	HARNESS_CHECKF(r.done && r.id == 0 && r.len == 1 && r.status == VIRTIO_BLK_S_OK,
		       "write: done=%d id=%u len=%u status=%u", r.done, r.id, r.len, r.status);
	HARNESS_CHECKF(memcmp(DISK + 3 * 512, expect, 1024) == 0, "write reached the disk");
	HARNESS_CHECKF(DISK[3 * 512 - 1] == 0 && DISK[5 * 512] == 0, "write touched only its sectors");
	memset(G(DATA2), 0, 1024);
	r = blk_read(3, DATA2, 1024);
	HARNESS_CHECKF(r.done && r.len == 1025 && r.status == VIRTIO_BLK_S_OK,
		       "read: len=%u status=%u", r.len, r.status);
	HARNESS_CHECKF(memcmp(G(DATA2), expect, 1024) == 0, "read data");

	/* Scatter-gather: three segments, in reverse memory order. */
	{
		struct seg s[3] = {
			{ DATA2 + 0x2000, 512, true }, { DATA2 + 0x1000, 1024, true },
			{ DATA2, 512, true },
		};
		pattern(DISK + 10 * 512, 2048, 2);
		r = blk_submit(VIRTIO_BLK_T_IN, 10, s, 3);
		HARNESS_CHECKF(r.status == VIRTIO_BLK_S_OK && r.len == 2049, "sg read");
		HARNESS_CHECKF(memcmp(G(DATA2 + 0x2000), DISK + 10 * 512, 512) == 0 &&
			       memcmp(G(DATA2 + 0x1000), DISK + 11 * 512, 1024) == 0 &&
			       memcmp(G(DATA2), DISK + 13 * 512, 512) == 0, "sg read data in order");
	}

	/* Any layout (2.6.4): header and data in one readable buffer; data
	 * and status in one writable buffer. */
	{
		struct seg s[2];

		put32(DATA, VIRTIO_BLK_T_OUT);
		put32(DATA + 4, 0);
		put64(DATA + 8, 20);
		pattern(G(DATA + 16), 512, 3);
		memcpy(expect, G(DATA + 16), 512);
		s[0] = (struct seg){ DATA, 16 + 512, false };
		s[1] = (struct seg){ ST, 1, true };
		*G(ST) = ST_NONE;
		q_chain(&bd, 0, 5, s, 2);
		q_publish(&bd, 0, 5);
		q_kick(&bd, 0);
		HARNESS_CHECKF(q_used(&bd, 0, &r.id, &r.len) && r.id == 5 && r.len == 1 &&
			       *G(ST) == VIRTIO_BLK_S_OK, "header+data in one buffer");
		HARNESS_CHECKF(memcmp(DISK + 20 * 512, expect, 512) == 0, "combined write data");

		put32(HDR, VIRTIO_BLK_T_IN);
		put64(HDR + 8, 20);
		memset(G(DATA2), 0, 513);
		s[0] = (struct seg){ HDR, 16, false };
		s[1] = (struct seg){ DATA2, 513, true };
		q_chain(&bd, 0, 9, s, 2);
		q_publish(&bd, 0, 9);
		q_kick(&bd, 0);
		HARNESS_CHECKF(q_used(&bd, 0, &r.id, &r.len) && r.id == 9 && r.len == 513 &&
			       *G(DATA2 + 512) == VIRTIO_BLK_S_OK, "data+status in one buffer");
		HARNESS_CHECKF(memcmp(G(DATA2), expect, 512) == 0, "combined read data");

		/* Header split over two descriptors. */
		put32(HDR, VIRTIO_BLK_T_IN);
		put64(HDR + 8, 20);
		{
			struct seg t[4] = { { HDR, 5, false }, { HDR + 5, 11, false },
					    { DATA2, 512, true }, { ST, 1, true } };
			memset(G(DATA2), 0, 512);
			*G(ST) = ST_NONE;
			q_chain(&bd, 0, 0, t, 4);
			q_publish(&bd, 0, 0);
			q_kick(&bd, 0);
			HARNESS_CHECKF(q_used(&bd, 0, &r.id, &r.len) && *G(ST) == VIRTIO_BLK_S_OK &&
				       memcmp(G(DATA2), expect, 512) == 0, "header split over descriptors");
		}
	}

	/* Flush. */
	before = ds.flushes;
	r = blk_submit(VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_OK && r.len == 1 && ds.flushes == before + 1, "flush");
	/* Writes are not flushed one by one when FLUSH was negotiated. */
	before = ds.flushes;
	blk_write(0, DATA, 512);
	HARNESS_CHECKF(ds.flushes == before, "no implicit flush with FLUSH negotiated");

	/* GET_ID. */
	memset(G(DATA2), 0x77, 32);
	{
		struct seg s = { DATA2, 20, true };
		r = blk_submit(VIRTIO_BLK_T_GET_ID, 0, &s, 1);
	}
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_OK && r.len == 21, "get_id status %u len %u", r.status, r.len);
	HARNESS_CHECKF(memcmp(G(DATA2), "umbra-disk-0\0\0\0\0\0\0\0\0", 20) == 0 && *G(DATA2 + 20) == 0x77,
		       "get_id string NUL-padded to 20 bytes");

	/* Unsupported types. */
	{
		const uint32_t types[] = { 2, 3, 5, 10, 11, 13, 14, 0x80000000u, 0xffffffffu };
		for (unsigned i = 0; i < ARRAY_SIZE(types); i++) {
			struct seg s = { DATA2, 512, true };
			r = blk_submit(types[i], 0, &s, 1);
			HARNESS_CHECKF(r.done && r.status == VIRTIO_BLK_S_UNSUPP && r.len == 1,
				       "type %u -> UNSUPP (got %u)", types[i], r.status);
		}
	}

	/* Bounds. */
	before = ds.reads + ds.writes;
	r = blk_read(DISK_SECTORS, DATA2, 512);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "read at capacity -> IOERR");
	r = blk_read(DISK_SECTORS - 1, DATA2, 1024);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "read across capacity -> IOERR");
	r = blk_write(DISK_SECTORS - 1, DATA, 1024);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "write across capacity -> IOERR");
	r = blk_read(~0ull, DATA2, 512);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "sector ~0 -> IOERR");
	r = blk_read(~0ull - 1, DATA2, 1024);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "sector + length overflowing -> IOERR");
	HARNESS_CHECKF(ds.reads + ds.writes == before, "out-of-range requests never reach the backend");
	r = blk_read(DISK_SECTORS - 2, DATA2, 1024);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_OK, "read of the last sectors");
	r = blk_read(DISK_SECTORS, DATA2, 0);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_OK, "empty read at capacity");

	/* Lengths that are not whole sectors. */
	before = ds.reads + ds.writes;
	r = blk_read(0, DATA2, 513);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "513-byte read -> IOERR");
	r = blk_write(0, DATA, 100);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "100-byte write -> IOERR");
	{
		struct seg s[2] = { { DATA2, 256, true }, { DATA2 + 256, 256, true } };
		r = blk_submit(VIRTIO_BLK_T_IN, 0, s, 2);
		HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "half-sector pieces -> IOERR");
	}
	{
		/* A whole sector first, then halves: nothing may be read into
		 * the first buffer before the request is found bad. */
		struct seg s[3] = { { DATA2, 512, true }, { DATA2 + 512, 256, true },
				    { DATA2 + 768, 256, true } };
		memset(G(DATA2), 0x5a, 1024);
		r = blk_submit(VIRTIO_BLK_T_IN, 0, s, 3);
		HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR && *G(DATA2) == 0x5a, "sector then halves -> IOERR, no data");
	}
	HARNESS_CHECKF(ds.reads + ds.writes == before, "bad lengths never reach the backend");

	/* Backend errors. */
	ds.fail = -5;
	r = blk_read(0, DATA2, 512);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "backend read error -> IOERR");
	r = blk_write(0, DATA, 512);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "backend write error -> IOERR");
	r = blk_submit(VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "backend flush error -> IOERR");
	ds.fail = 0;

	HARNESS_CHECKF(blk.stats.requests > 20, "stats count requests");
	HARNESS_CHECKF(ds.violations == 0, "backend saw only valid buffers and sectors");
	HARNESS_CHECKF(guards_ok() && disk_guards_ok(), "guards intact");
}

static void test_blk_variants(void)
{
	struct result r;
	uint64_t f;
	unsigned before;

	/* Read-only disk. */
	blk_make(true, true, DISK_SECTORS);
	f = offered_features(&bd);
	HARNESS_CHECKF(f & (1ull << VIRTIO_BLK_F_RO), "RO offered");
	HARNESS_CHECKF(blk_up(16), "handshake");
	memset(DISK, 0x11, 512);
	pattern(G(DATA), 512, 4);
	before = ds.writes;
	r = blk_write(0, DATA, 512);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR && ds.writes == before && DISK[0] == 0x11,
		       "write to read-only disk -> IOERR, nothing written");
	r = blk_read(0, DATA2, 512);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_OK, "read from read-only disk");

	/* FLUSH offered but not accepted: writes are made durable one by one. */
	blk_make(true, false, DISK_SECTORS);
	HARNESS_CHECKF(drv_init(&bd, ~(1ull << VIRTIO_BLK_F_FLUSH), 1, 16), "handshake without FLUSH");
	before = ds.flushes;
	r = blk_write(0, DATA, 512);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_OK && ds.flushes == before + 1, "write-through without FLUSH negotiated");

	/* No flush in the backend: FLUSH not offered, flush requests succeed. */
	blk_make(false, false, DISK_SECTORS);
	f = offered_features(&bd);
	HARNESS_CHECKF(!(f & (1ull << VIRTIO_BLK_F_FLUSH)), "FLUSH not offered without backend flush");
	HARNESS_CHECKF(blk_up(16), "handshake");
	r = blk_submit(VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_OK && ds.flushes == 0, "flush without backend flush");
	r = blk_write(0, DATA, 512);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_OK && ds.flushes == 0, "write without backend flush");

	/* Capacity change: config generation and a config interrupt. */
	{
		uint32_t gen = rd(&bd, VIRTIO_MMIO_CONFIG_GENERATION);
		uint64_t val = 0;

		wr(&bd, VIRTIO_MMIO_INTERRUPT_ACK, 3);
		virtio_blk_set_capacity(&blk, 32);
		HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_CONFIG_GENERATION) != gen, "ConfigGeneration changes");
		HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_INTERRUPT_STATUS) == VIRTIO_MMIO_INT_CONFIG && blk_irq.level,
			       "configuration change interrupt");
		virtio_mmio_rw(&blk.vdev, VIRTIO_MMIO_CONFIG, 8, false, &val);
		HARNESS_CHECKF(val == 32, "new capacity");
		r = blk_read(32, DATA2, 512);
		HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "new capacity enforced");
		virtio_blk_set_capacity(&blk, DISK_SECTORS);
	}

	/* Init refuses a backend without read or write. */
	{
		struct virtio_blk b2;
		struct virtio_blk_backend be = { &ds, NULL, disk_write, NULL };
		struct virtio_blk_params p = { 8, false, NULL };

		HARNESS_CHECKF(virtio_blk_init(&b2, &blk_host, &be, &p) < 0, "init without read refused");
	}
	HARNESS_CHECKF(ds.violations == 0, "backend saw only valid buffers and sectors");
	HARNESS_CHECKF(mmio_ok, "register accesses accepted");
}

/* ---- 5. Hostile requests ------------------------------------------------------------------------ */

/* Submit raw descriptors (from index 0) and return the result. */
static struct result raw_submit(const struct seg *s, unsigned n, const uint16_t *extra_flags)
{
	struct result r = { 0 };

	q_chain(&bd, 0, 0, s, n);
	if (extra_flags)
		for (unsigned i = 0; i < n; i++)
			put16(bd.q[0].desc + 16 * i + 12, get16(bd.q[0].desc + 16 * i + 12) | extra_flags[i]);
	q_publish(&bd, 0, 0);
	q_kick(&bd, 0);
	r.done = q_used(&bd, 0, &r.id, &r.len);
	r.status = *G(ST);
	return r;
}

static void test_blk_hostile(void)
{
	static const uint64_t outside[] = {
		RAM_BASE - 512,              /* just below RAM */
		RAM_END - 256,               /* straddles the end */
		RAM_END,                     /* just above */
		0,                           /* address 0 */
		0x10001000,                  /* an MMIO device */
		0xfffffffffffffe00ull,       /* wraps with len 512+ */
		RAM_BASE + (1ull << 32),     /* alias by truncation */
	};
	struct result r;
	unsigned before;

	blk_make(true, false, DISK_SECTORS);
	memset(DISK, 0x3c, DISK_BYTES);
	HARNESS_CHECKF(blk_up(16), "handshake");
	guards_fill();

	/* Data buffers outside guest RAM: IOERR, backend never called. */
	before = ds.reads + ds.writes;
	for (unsigned i = 0; i < ARRAY_SIZE(outside); i++) {
		r = blk_read(0, outside[i], 1024);
		HARNESS_CHECKF(r.done && r.status == VIRTIO_BLK_S_IOERR && r.len == 1,
			       "read into 0x%" PRIx64 " -> IOERR (status %u, len %u)", outside[i], r.status, r.len);
		r = blk_write(0, outside[i], 1024);
		HARNESS_CHECKF(r.done && r.status == VIRTIO_BLK_S_IOERR,
			       "write from 0x%" PRIx64 " -> IOERR", outside[i]);
	}
	HARNESS_CHECKF(ds.reads + ds.writes == before, "backend never saw a buffer outside RAM");

	/* One good and one bad data segment: nothing is transferred at all. */
	{
		struct seg s[2] = { { DATA2, 512, true }, { RAM_END - 256, 512, true } };
		memset(G(DATA2), 0x5a, 512);
		r = blk_submit(VIRTIO_BLK_T_IN, 0, s, 2);
		HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR && *G(DATA2) == 0x5a && *G(DATA2 + 511) == 0x5a,
			       "partly bad read: IOERR, good segment untouched");
	}
	/* Huge lengths. */
	r = blk_read(0, DATA2, 0xfffffe00u);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "4 GiB buffer -> IOERR");
	{
		struct seg s[2] = { { DATA2, 0x80000000u, true }, { DATA2, 0x80000000u, true } };
		r = blk_submit(VIRTIO_BLK_T_IN, 0, s, 2);
		HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "two 2 GiB buffers -> IOERR");
	}
	/* Every buffer valid, but together more than 4 GiB: 129 descriptors
	 * of all of guest RAM (32 MiB) plus the status byte wrap a 32-bit
	 * total to something small. */
	{
		struct seg s[131];
		unsigned n = 0;

		blk_up(256);
		put32(HDR, VIRTIO_BLK_T_IN);
		put64(HDR + 8, 0);
		s[n++] = (struct seg){ HDR, 16, false };
		for (unsigned i = 0; i < 128; i++)
			s[n++] = (struct seg){ RAM_BASE, (uint32_t)RAM_SIZE, true };
		s[n++] = (struct seg){ ST, 1, true };
		*G(ST) = ST_NONE;
		before = ds.reads;
		r = raw_submit(s, n, NULL);
		HARNESS_CHECKF(r.done && r.status == VIRTIO_BLK_S_IOERR && ds.reads == before,
			       "writable total of 4 GiB + 1 -> IOERR (status %u)", r.status);
		blk_up(16);
	}

	/* Header outside RAM or short. */
	{
		struct seg s[3] = { { RAM_END - 8, 16, false }, { DATA2, 512, true }, { ST, 1, true } };
		*G(ST) = ST_NONE;
		r = raw_submit(s, 3, NULL);
		HARNESS_CHECKF(r.done && r.status == VIRTIO_BLK_S_IOERR, "header outside RAM -> IOERR");
		s[0] = (struct seg){ HDR, 8, false };
		put32(HDR, VIRTIO_BLK_T_IN);
		*G(ST) = ST_NONE;
		r = raw_submit(s, 3, NULL);
		HARNESS_CHECKF(r.done && r.status == VIRTIO_BLK_S_IOERR, "8-byte header -> IOERR");
	}

	/* Status byte outside RAM: returned with length 0, nothing done. */
	{
		struct seg s[3] = { { HDR, 16, false }, { DATA2, 512, true }, { RAM_END, 1, true } };
		put32(HDR, VIRTIO_BLK_T_IN);
		put64(HDR + 8, 0);
		memset(G(DATA2), 0x5a, 512);
		before = ds.reads;
		r = raw_submit(s, 3, NULL);
		HARNESS_CHECKF(r.done && r.len == 0 && ds.reads == before && *G(DATA2) == 0x5a,
			       "status outside RAM: used len 0, no I/O");
		/* No writable byte at all. */
		s[1].w = false;
		s[2] = (struct seg){ DATA, 512, false };
		put32(HDR, VIRTIO_BLK_T_OUT);
		before = ds.writes;
		r = raw_submit(s, 3, NULL);
		HARNESS_CHECKF(r.done && r.len == 0 && ds.writes == before, "no status byte: used len 0, no I/O");
	}

	/* Layout violations. */
	{
		/* Readable after writable. */
		struct seg s[4] = { { HDR, 16, false }, { DATA2, 512, true }, { DATA, 512, false }, { ST, 1, true } };
		put32(HDR, VIRTIO_BLK_T_IN);
		put64(HDR + 8, 0);
		*G(ST) = ST_NONE;
		before = ds.reads + ds.writes;
		r = raw_submit(s, 4, NULL);
		HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "readable after writable -> IOERR");
		/* OUT whose data comes after the status byte: only the order
		 * is wrong. */
		{
			struct seg t[3] = { { HDR, 16, false }, { ST, 1, true }, { DATA, 512, false } };
			put32(HDR, VIRTIO_BLK_T_OUT);
			*G(ST) = ST_NONE;
			r = raw_submit(t, 3, NULL);
			HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "OUT data after the status -> IOERR");
			put32(HDR, VIRTIO_BLK_T_IN);
		}
		/* IN with extra readable data. */
		s[1] = (struct seg){ DATA, 512, false };
		s[2] = (struct seg){ DATA2, 512, true };
		r = raw_submit(s, 4, NULL);
		HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "IN with readable data -> IOERR");
		/* OUT with writable data. */
		put32(HDR, VIRTIO_BLK_T_OUT);
		r = raw_submit(s, 4, NULL);
		HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR, "OUT with writable data -> IOERR");
		/* GET_ID with readable data. */
		put32(HDR, VIRTIO_BLK_T_GET_ID);
		memset(G(DATA2), 0x5a, 20);
		r = raw_submit(s, 4, NULL);
		HARNESS_CHECKF(r.status == VIRTIO_BLK_S_IOERR && *G(DATA2) == 0x5a, "GET_ID with readable data -> IOERR");
		HARNESS_CHECKF(ds.reads + ds.writes == before, "layout violations never reach the backend");
	}

	/* An INDIRECT descriptor (never offered). */
	{
		struct seg s[3] = { { HDR, 16, false }, { DATA2, 512, true }, { ST, 1, true } };
		uint16_t fl[3] = { 0, VIRTQ_DESC_F_INDIRECT, 0 };
		put32(HDR, VIRTIO_BLK_T_IN);
		memset(G(DATA2), 0x5a, 512);
		*G(ST) = ST_NONE;
		r = raw_submit(s, 3, fl);
		HARNESS_CHECKF(r.done && r.status == VIRTIO_BLK_S_IOERR && *G(DATA2) == 0x5a, "INDIRECT descriptor -> IOERR");
	}

	/* Zero-length descriptors are harmless. */
	{
		struct seg s[5] = { { HDR, 16, false }, { 0, 0, false }, { DATA2, 512, true },
				    { 0xdead0000, 0, true }, { ST, 1, true } };
		put32(HDR, VIRTIO_BLK_T_IN);
		put64(HDR + 8, 0);
		*G(ST) = ST_NONE;
		r = raw_submit(s, 5, NULL);
		HARNESS_CHECKF(r.done && r.status == VIRTIO_BLK_S_OK, "zero-length descriptors ignored");
	}

	/* The transport never reports more bytes used than were writable. */
	{
		struct seg t[2] = { { HDR, 16, false }, { DATA2, 100, true } };
		struct virtio_chain *c;
		uint32_t id, len;

		q_chain(&bd, 0, 0, t, 2);
		q_publish(&bd, 0, 0);
		HARNESS_CHECKF(virtq_pop(&blk.vdev, 0, &c) == 1 && c->head == 0 && c->n == 2 &&
			       c->read_len == 16 && c->write_len == 100 && !c->bad, "virtq_pop");
		virtq_push(&blk.vdev, 0, c, 5000);
		HARNESS_CHECKF(q_used(&bd, 0, &id, &len) && id == 0 && len == 100, "used len clamped to the writable part");
		HARNESS_CHECKF(virtq_pop(&blk.vdev, 0, &c) == 0, "queue empty");
	}

	/* The device keeps working after all that. */
	HARNESS_CHECKF(!needs_reset_set(&bd), "bad requests do not break the queue");
	r = blk_read(1, DATA2, 512);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_OK, "still working");
	HARNESS_CHECKF(ds.violations == 0, "backend saw only valid buffers and sectors");
	HARNESS_CHECKF(g2h_contract_violations == 0, "gpa_to_hva contract kept");
	HARNESS_CHECKF(guards_ok() && disk_guards_ok(), "guards intact");
}

/* ---- 6. Broken queues --------------------------------------------------------------------------- */

static void expect_broken(const char *what, unsigned io_before)
{
	HARNESS_CHECKF(needs_reset_set(&bd), "%s: DEVICE_NEEDS_RESET", what);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG, "%s: config interrupt", what);
	HARNESS_CHECKF(blk_irq.level, "%s: irq line high", what);
	HARNESS_CHECKF(used_pending(&bd, 0) == 0, "%s: nothing used", what);
	HARNESS_CHECKF(ds.reads + ds.writes + ds.flushes == io_before, "%s: no I/O", what);
	/* The device stays dead until reset, then works again. */
	q_kick(&bd, 0);
	HARNESS_CHECKF(used_pending(&bd, 0) == 0, "%s: notify ignored while broken", what);
	HARNESS_CHECKF(blk_up(8), "%s: recovers after reset", what);
	HARNESS_CHECKF(!needs_reset_set(&bd) && !blk_irq.level, "%s: reset clears the error", what);
	HARNESS_CHECKF(blk_read(0, DATA2, 512).status == VIRTIO_BLK_S_OK, "%s: works after reset", what);
}

static void test_broken_queues(void)
{
	struct drvq *q = &bd.q[0];
	unsigned io;

	blk_make(true, false, DISK_SECTORS);
	HARNESS_CHECKF(blk_up(8), "handshake");
	put32(HDR, VIRTIO_BLK_T_IN);
	put64(HDR + 8, 0);

	/* A loop: 0 -> 1 -> 2 -> 0. */
	io = ds.reads + ds.writes + ds.flushes;
	desc_put(q, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	desc_put(q, 1, DATA2, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	desc_put(q, 2, ST, 1, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0);
	q_publish(&bd, 0, 0);
	q_kick(&bd, 0);
	expect_broken("3-descriptor loop", io);

	/* A descriptor pointing at itself. */
	io = ds.reads + ds.writes + ds.flushes;
	desc_put(q, 3, HDR, 16, VIRTQ_DESC_F_NEXT, 3);
	q_publish(&bd, 0, 3);
	q_kick(&bd, 0);
	expect_broken("self loop", io);

	/* A loop that does not go through the head. */
	io = ds.reads + ds.writes + ds.flushes;
	desc_put(q, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 5);
	desc_put(q, 5, DATA2, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 6);
	desc_put(q, 6, ST, 1, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 5);
	q_publish(&bd, 0, 0);
	q_kick(&bd, 0);
	expect_broken("tail loop", io);

	/* next out of range. */
	io = ds.reads + ds.writes + ds.flushes;
	desc_put(q, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 8);
	q_publish(&bd, 0, 0);
	q_kick(&bd, 0);
	expect_broken("next >= N", io);

	/* head out of range. */
	io = ds.reads + ds.writes + ds.flushes;
	q_publish(&bd, 0, 0xffff);
	q_kick(&bd, 0);
	expect_broken("head >= N", io);

	/* avail->idx more than N ahead. */
	io = ds.reads + ds.writes + ds.flushes;
	put16(q->avail + 2, (uint16_t)(q->avail_idx + 9));
	q_kick(&bd, 0);
	expect_broken("avail idx N+1 ahead", io);
	io = ds.reads + ds.writes + ds.flushes;
	put16(q->avail + 2, (uint16_t)(q->avail_idx - 1));
	q_kick(&bd, 0);
	expect_broken("avail idx behind", io);

	/* A chain of exactly N descriptors is fine (not a loop). */
	{
		struct seg s[8] = { { HDR, 16, false } };
		for (unsigned i = 1; i < 7; i++)
			s[i] = (struct seg){ DATA2 + 512 * (i - 1), 512, true };
		s[7] = (struct seg){ ST, 1, true };
		put32(HDR, VIRTIO_BLK_T_IN);
		*G(ST) = ST_NONE;
		q_chain(&bd, 0, 3, s, 8);   /* wraps around the table */
		q_publish(&bd, 0, 3);
		q_kick(&bd, 0);
		{
			uint32_t id, len;
			HARNESS_CHECKF(q_used(&bd, 0, &id, &len) && id == 3 && len == 6 * 512 + 1 &&
				       *G(ST) == VIRTIO_BLK_S_OK, "chain of exactly N descriptors");
		}
		HARNESS_CHECKF(!needs_reset_set(&bd), "N-descriptor chain is not a loop");
	}

	/* Exactly N requests outstanding at once is fine. */
	{
		unsigned before = used_pending(&bd, 0);
		for (unsigned i = 0; i < 8; i++) {
			desc_put(q, i, HDR, 16, 0, 0);   /* header only: no status byte */
			q_publish(&bd, 0, i);
		}
		q_kick(&bd, 0);
		HARNESS_CHECKF(!needs_reset_set(&bd) && used_pending(&bd, 0) == before + 8, "N requests at once");
	}
	HARNESS_CHECKF(guards_ok() && disk_guards_ok(), "guards intact");
	HARNESS_CHECKF(ds.violations == 0, "backend saw only valid buffers and sectors");
}

/* ---- 7. Interrupts ------------------------------------------------------------------------------- */

static void test_interrupts(void)
{
	struct drvq *q = &bd.q[0];
	struct result r;

	blk_make(true, false, DISK_SECTORS);
	HARNESS_CHECKF(blk_up(4), "handshake");
	HARNESS_CHECKF(!blk_irq.level && rd(&bd, VIRTIO_MMIO_INTERRUPT_STATUS) == 0, "quiet after init");

	r = blk_read(0, DATA2, 512);
	HARNESS_CHECKF(r.status == VIRTIO_BLK_S_OK, "request");
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_INTERRUPT_STATUS) == VIRTIO_MMIO_INT_VRING && blk_irq.level &&
		       blk_irq.rises == 1, "used buffer interrupt");
	wr(&bd, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_CONFIG);
	HARNESS_CHECKF(blk_irq.level, "ACK of another bit keeps the line high");
	wr(&bd, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	HARNESS_CHECKF(rd(&bd, VIRTIO_MMIO_INTERRUPT_STATUS) == 0 && !blk_irq.level, "ACK lowers the line");

	/* Suppressed by the driver. */
	put16(q->avail, VIRTQ_AVAIL_F_NO_INTERRUPT);
	r = blk_read(0, DATA2, 512);
	HARNESS_CHECKF(r.done && r.status == VIRTIO_BLK_S_OK, "request with interrupts suppressed");
	HARNESS_CHECKF(!blk_irq.level && rd(&bd, VIRTIO_MMIO_INTERRUPT_STATUS) == 0, "no interrupt when suppressed");
	put16(q->avail, 0);

	/* Several requests in one notification: one interrupt. */
	{
		unsigned rises = blk_irq.rises;
		for (unsigned i = 0; i < 4; i++) {
			desc_put(q, i, HDR, 16, 0, 0);     /* no status: used len 0 */
			q_publish(&bd, 0, i);
		}
		q_kick(&bd, 0);
		HARNESS_CHECKF(used_pending(&bd, 0) == 4 && blk_irq.rises == rises + 1, "batch: 4 used, one interrupt");
		for (unsigned i = 0; i < 4; i++) {
			uint32_t id, len;
			HARNESS_CHECKF(q_used(&bd, 0, &id, &len) && id == i && len == 0, "batch element %u", i);
		}
		wr(&bd, VIRTIO_MMIO_INTERRUPT_ACK, 3);
	}

	/* Ring indices wrap at 65536. */
	{
		unsigned ok = 0, total = 70000;
		put32(HDR, VIRTIO_BLK_T_FLUSH);
		for (unsigned i = 0; i < total; i++) {
			uint32_t id, len;
			struct seg s[2] = { { HDR, 16, false }, { ST, 1, true } };
			uint16_t head = (uint16_t)(i % 4);

			*G(ST) = ST_NONE;
			q_chain(&bd, 0, head, s, 2);
			q_publish(&bd, 0, head);
			q_kick(&bd, 0);
			if (q_used(&bd, 0, &id, &len) && id == head && len == 1 && *G(ST) == 0)
				ok++;
			wr(&bd, VIRTIO_MMIO_INTERRUPT_ACK, 1);
		}
		HARNESS_CHECKF(ok == total, "index wrap-around: %u of %u requests", ok, total);
		HARNESS_CHECKF(!needs_reset_set(&bd), "no error across the wrap");
	}
	HARNESS_CHECKF(blk_irq.bad_calls == 0, "irq callback only on level changes");
	HARNESS_CHECKF(mmio_ok, "register accesses accepted");
}

/* ---- 8. Console ------------------------------------------------------------------------------------- */

static struct virtio_console con;
static struct irq_line con_irq;
static struct drv cd;
static char tx_out[4096];
static size_t tx_len;
static unsigned tx_bad, rx_ready_calls;

static void con_tx(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	if (!len || buf < RAM || buf > RAM + RAM_SIZE || len > (size_t)(RAM + RAM_SIZE - buf))
		tx_bad++;
	if (tx_len + len <= sizeof(tx_out)) {
		memcpy(tx_out + tx_len, buf, len);
		tx_len += len;
	}
}

static void con_rx_ready(void *ctx)
{
	(void)ctx;
	rx_ready_calls++;
}

static const struct virtio_host con_host = { &con_irq, gpa_to_hva, irq_cb };

#define CBUF  (RAM_BASE + 0x70000)

static void con_make(uint16_t cols, uint16_t rows)
{
	struct virtio_console_backend be = { NULL, con_tx, con_rx_ready };

	memset(&con_irq, 0, sizeof(con_irq));
	tx_len = 0;
	tx_bad = rx_ready_calls = 0;
	if (virtio_console_init(&con, &con_host, &be, cols, rows))
		harness_fatal("virtio_console_init failed");
	drv_bind(&cd, &con.vdev);
}

static void test_console(void)
{
	uint64_t f, val = 0;
	uint32_t id, len;
	size_t n;

	con_make(80, 25);
	HARNESS_CHECKF(rd(&cd, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_CONSOLE, "console device id");
	f = offered_features(&cd);
	HARNESS_CHECKF((f & (1ull << VIRTIO_CONSOLE_F_SIZE)) && !(f & (1ull << VIRTIO_CONSOLE_F_MULTIPORT)) &&
		       !(f & (1ull << VIRTIO_CONSOLE_F_EMERG_WRITE)), "console features: SIZE only");
	virtio_mmio_rw(&con.vdev, VIRTIO_MMIO_CONFIG, 4, false, &val);
	HARNESS_CHECKF(val == (80u | 25u << 16), "cols/rows in config");
	wr(&cd, VIRTIO_MMIO_QUEUE_SEL, 1);
	HARNESS_CHECKF(rd(&cd, VIRTIO_MMIO_QUEUE_NUM_MAX) == VIRTIO_QUEUE_NUM_MAX, "transmitq exists");
	wr(&cd, VIRTIO_MMIO_QUEUE_SEL, 2);
	HARNESS_CHECKF(rd(&cd, VIRTIO_MMIO_QUEUE_NUM_MAX) == 0, "no queue 2");

	/* Input before the driver is up is refused. */
	HARNESS_CHECKF(virtio_console_rx_push(&con, (const uint8_t *)"x", 1) == 0, "rx before DRIVER_OK: 0");

	HARNESS_CHECKF(drv_init(&cd, ~0ull, 2, 8), "console handshake");
	HARNESS_CHECKF(rx_ready_calls == 1, "rx_ready at DRIVER_OK");

	/* TX: two readable buffers. */
	memcpy(G(CBUF), "hello ", 6);
	memcpy(G(CBUF + 0x100), "world\n", 6);
	{
		struct seg s[2] = { { CBUF, 6, false }, { CBUF + 0x100, 6, false } };
		q_chain(&cd, 1, 0, s, 2);
		q_publish(&cd, 1, 0);
		q_kick(&cd, 1);
	}
	HARNESS_CHECKF(tx_len == 12 && memcmp(tx_out, "hello world\n", 12) == 0, "tx output");
	HARNESS_CHECKF(q_used(&cd, 1, &id, &len) && id == 0 && len == 0, "tx chain used, len 0");
	HARNESS_CHECKF(con_irq.level && rd(&cd, VIRTIO_MMIO_INTERRUPT_STATUS) == VIRTIO_MMIO_INT_VRING, "tx interrupt");
	wr(&cd, VIRTIO_MMIO_INTERRUPT_ACK, 1);

	/* TX chains that must not be sent. */
	{
		struct seg s[2] = { { CBUF, 6, false }, { CBUF + 0x100, 6, true } };
		q_chain(&cd, 1, 2, s, 2);
		q_publish(&cd, 1, 2);
		s[0] = (struct seg){ CBUF, 6, false };
		s[1] = (struct seg){ RAM_END - 3, 6, false };
		q_chain(&cd, 1, 4, s, 2);
		q_publish(&cd, 1, 4);
		s[0] = (struct seg){ 0xfffffffffffffffcull, 6, false };
		q_chain(&cd, 1, 6, s, 1);
		q_publish(&cd, 1, 6);
		tx_len = 0;
		q_kick(&cd, 1);
		HARNESS_CHECKF(tx_len == 0, "bad tx chains send nothing");
		HARNESS_CHECKF(used_pending(&cd, 1) == 3, "bad tx chains returned");
		cd.q[1].used_seen += 3;
		HARNESS_CHECKF(con.stats.bad_chains == 3, "bad chains counted");
	}

	/* RX: no buffers yet. */
	HARNESS_CHECKF(virtio_console_rx_push(&con, (const uint8_t *)"abc", 3) == 0, "rx without buffers: 0");

	/* Two 4-byte buffers, then 10 bytes of input. */
	wr(&cd, VIRTIO_MMIO_INTERRUPT_ACK, 3);
	{
		struct seg s = { CBUF + 0x200, 4, true };
		memset(G(CBUF + 0x200), '.', 0x200);
		q_chain(&cd, 0, 0, &s, 1);
		q_publish(&cd, 0, 0);
		s.gpa = CBUF + 0x300;
		q_chain(&cd, 0, 1, &s, 1);
		q_publish(&cd, 0, 1);
		q_kick(&cd, 0);
		HARNESS_CHECKF(rx_ready_calls == 2, "rx_ready on receiveq notify");
		HARNESS_CHECKF(used_pending(&cd, 0) == 0, "notify alone uses no rx buffer");
	}
	n = virtio_console_rx_push(&con, (const uint8_t *)"abcdefghij", 10);
	HARNESS_CHECKF(n == 8, "rx accepted %zu of 10", n);
	HARNESS_CHECKF(memcmp(G(CBUF + 0x200), "abcd.", 5) == 0 && memcmp(G(CBUF + 0x300), "efgh.", 5) == 0,
		       "rx data in the buffers");
	HARNESS_CHECKF(q_used(&cd, 0, &id, &len) && id == 0 && len == 4 &&
		       q_used(&cd, 0, &id, &len) && id == 1 && len == 4, "rx used lengths");
	HARNESS_CHECKF(con_irq.level && (rd(&cd, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_VRING), "rx interrupt");
	HARNESS_CHECKF(virtio_console_rx_push(&con, (const uint8_t *)"ij", 2) == 0, "buffers exhausted");

	/* A short input in a big buffer; a readable rx buffer is skipped. */
	{
		struct seg s = { CBUF + 0x400, 64, false };
		q_chain(&cd, 0, 2, &s, 1);
		q_publish(&cd, 0, 2);
		s = (struct seg){ RAM_END - 2, 64, true };
		q_chain(&cd, 0, 3, &s, 1);
		q_publish(&cd, 0, 3);
		s = (struct seg){ CBUF + 0x500, 64, true };
		q_chain(&cd, 0, 4, &s, 1);
		q_publish(&cd, 0, 4);
		memset(G(CBUF + 0x400), '.', 0x200);
	}
	n = virtio_console_rx_push(&con, (const uint8_t *)"xy", 2);
	HARNESS_CHECKF(n == 2 && memcmp(G(CBUF + 0x500), "xy.", 3) == 0 && *G(CBUF + 0x400) == '.',
		       "rx skips bad chains (n=%zu)", n);
	HARNESS_CHECKF(q_used(&cd, 0, &id, &len) && id == 2 && len == 0 &&
		       q_used(&cd, 0, &id, &len) && id == 3 && len == 0 &&
		       q_used(&cd, 0, &id, &len) && id == 4 && len == 2, "rx used: bad, bad, good");
	/* A receive chain with a readable part is not written at all. */
	{
		struct seg s[2] = { { CBUF + 0x600, 4, false }, { CBUF + 0x700, 4, true } };
		q_chain(&cd, 0, 5, s, 2);
		q_publish(&cd, 0, 5);
		memset(G(CBUF + 0x600), '.', 0x200);
		n = virtio_console_rx_push(&con, (const uint8_t *)"pq", 2);
		HARNESS_CHECKF(n == 0 && *G(CBUF + 0x700) == '.' && q_used(&cd, 0, &id, &len) && id == 5 && len == 0,
			       "rx chain with a readable buffer skipped");
	}

	/* No size: F_SIZE not offered. */
	con_make(0, 0);
	f = offered_features(&cd);
	HARNESS_CHECKF(!(f & (1ull << VIRTIO_CONSOLE_F_SIZE)), "no F_SIZE without a size");
	HARNESS_CHECKF(tx_bad == 0, "tx saw only guest RAM");
	HARNESS_CHECKF(con_irq.bad_calls == 0, "irq callback only on level changes");
	HARNESS_CHECKF(guards_ok(), "guards intact");
	HARNESS_CHECKF(mmio_ok, "register accesses accepted");
}

/* ---- 9. A hostile driver ------------------------------------------------------------------------ */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_addr(void)
{
	switch (rnd() % 8) {
	case 0: return RAM_BASE + rnd() % RAM_SIZE;
	case 1: return RAM_END - rnd() % 1024;
	case 2: return RAM_BASE - rnd() % 1024;
	case 3: return rnd();
	case 4: return ~0ull - rnd() % 1024;
	case 5: return DATA + (rnd() % 64) * 512;
	default: return RAM_BASE + 0x40000 + (rnd() % 0x30000);
	}
}

static uint32_t rnd_len(void)
{
	switch (rnd() % 8) {
	case 0: return 0;
	case 1: return 1;
	case 2: return 16;
	case 3: return 512 * (1 + rnd() % 8);
	case 4: return (uint32_t)rnd();
	case 5: return 0xffffffffu - (uint32_t)(rnd() % 16);
	default: return (uint32_t)(rnd() % 4096);
	}
}

/* Random descriptors, avail entries and register writes against a device
 * with 'nq' queues; the driver re-initialises it whenever it broke. */
static unsigned fuzz_inits;

static void fuzz(struct drv *v, unsigned nq, unsigned iters, bool console)
{
	for (unsigned it = 0; it < iters; it++) {
		unsigned qi = rnd() % nq;
		struct drvq *q = &v->q[qi];

		if (!virtio_live(v->d) || rnd() % 500 == 0) {
			unsigned num = 1u << (rnd() % 9);   /* 1 .. 256 */

			fuzz_inits++;
			if (!drv_init(v, rnd() | (1ull << VIRTIO_F_VERSION_1), nq, num))
				continue;
		}
		/* Request headers with plausible and implausible contents. */
		put32(HDR, rnd() % 3 ? (uint32_t)(rnd() % 9) : (uint32_t)rnd());
		put64(HDR + 8, rnd() % 2 ? rnd() % (DISK_SECTORS + 4) : rnd());

		if (rnd() % 2) {
			/* Descriptor soup. */
			unsigned k = 1 + rnd() % q->num;
			for (unsigned i = 0; i < k; i++) {
				unsigned idx = rnd() % q->num;
				uint16_t flags = rnd() % 4 ? (uint16_t)(rnd() % 4) : (uint16_t)rnd();
				uint16_t next = rnd() % 8 ? (uint16_t)(rnd() % q->num) : (uint16_t)rnd();
				uint64_t addr = rnd() % 3 ? rnd_addr() : (rnd() % 2 ? HDR : ST);

				desc_put(q, idx, addr, rnd_len(), flags, next);
			}
			unsigned heads = 1 + rnd() % 3;
			for (unsigned i = 0; i < heads; i++)
				q_publish(v, qi, rnd() % 16 ? (uint16_t)(rnd() % q->num) : (uint16_t)rnd());
		} else {
			/* A plausible request with the odd defect. */
			static const uint32_t types[] = { 0, 0, 1, 1, 4, 8, 11 };
			uint32_t type = types[rnd() % ARRAY_SIZE(types)];
			bool w = console ? qi == VIRTIO_CONSOLE_RX_Q : type != VIRTIO_BLK_T_OUT;
			struct seg sg[6];
			unsigned n = 0, head = rnd() % q->num;
			unsigned nd = MIN(1 + (unsigned)(rnd() % 4), q->num);

			put32(HDR, type);
			put64(HDR + 8, rnd() % (DISK_SECTORS + 4));
			if (!console && nd > 1)
				sg[n++] = (struct seg){ HDR, 16, false };
			while (n < nd - (!console && nd > 2))
				sg[n++] = (struct seg){ DATA + (rnd() % 64) * 512,
							512 * (1 + (uint32_t)(rnd() % 4)), w };
			if (!console && nd > 2)
				sg[n++] = (struct seg){ ST, 1, true };
			for (unsigned i = 0; i < n; i++) {
				if (rnd() % 16 == 0) sg[i].gpa = rnd_addr();
				if (rnd() % 16 == 0) sg[i].len = rnd_len();
				if (rnd() % 16 == 0) sg[i].w = !sg[i].w;
			}
			q_chain(v, qi, head, sg, n);
			if (rnd() % 8 == 0)
				put16(q->desc + 16 * (rnd() % q->num) + 12, (uint16_t)rnd());
			q_publish(v, qi, head);
		}
		if (rnd() % 50 == 0)
			put16(q->avail + 2, (uint16_t)rnd());
		if (rnd() % 10 == 0)
			put16(q->avail, (uint16_t)rnd());     /* flags */
		if (rnd() % 20 == 0) {
			/* A random register access, any width. */
			uint64_t val = rnd();
			unsigned w = 1u << (rnd() % 4);
			uint64_t off = rnd() % 2 ? (rnd() % 0x110) : rnd();
			v->vdev.access(&v->vdev, off, w, rnd() % 2, &val);
		}
		q_kick(v, rnd() % 8 ? qi : (uint32_t)rnd());
		if (console && rnd() % 2) {
			uint8_t in[300];
			memset(in, 'z', sizeof(in));
			virtio_console_rx_push(&con, in, rnd() % sizeof(in));
		}
		/* Keep the driver's view of the used ring in step. */
		q->used_seen = get16(q->used + 2);
		if (rnd() % 4 == 0)
			wr(v, VIRTIO_MMIO_INTERRUPT_ACK, (uint32_t)rnd());
	}
}

static void test_fuzz(void)
{
	unsigned needs_reset_seen;

	guards_fill();
	disk_guards_fill();
	blk_make(true, false, DISK_SECTORS);
	fuzz(&bd, 1, 30000, false);
	needs_reset_seen = blk.stats.requests;
	HARNESS_CHECKF(needs_reset_seen > 1000, "fuzz reached the block device (%u requests)", needs_reset_seen);
	HARNESS_CHECKF(ds.violations == 0, "fuzz: backend saw only valid buffers and sectors (%u bad)", ds.violations);
	HARNESS_CHECKF(guards_ok(), "fuzz: guest memory guards intact");
	HARNESS_CHECKF(disk_guards_ok(), "fuzz: disk guards intact");
	HARNESS_CHECKF(blk_irq.bad_calls == 0, "fuzz: irq callback only on level changes");
	printf("(fuzz blk: %u inits, %" PRIu64 " requests, %" PRIu64 " IOERR, %" PRIu64 " UNSUPP, "
	       "%u reads, %u writes, %u flushes)\n", fuzz_inits, blk.stats.requests,
	       blk.stats.ioerr, blk.stats.unsupp, ds.reads, ds.writes, ds.flushes);
	fuzz_inits = 0;

	con_make(80, 25);
	fuzz(&cd, 2, 30000, true);
	HARNESS_CHECKF(con.stats.tx_bytes + con.stats.rx_bytes > 0, "fuzz reached the console");
	HARNESS_CHECKF(tx_bad == 0, "fuzz: tx saw only guest RAM");
	printf("(fuzz console: %u inits, %" PRIu64 " bytes out, %" PRIu64 " bytes in, %" PRIu64 " bad chains)\n",
	       fuzz_inits, con.stats.tx_bytes, con.stats.rx_bytes, con.stats.bad_chains);
	HARNESS_CHECKF(guards_ok(), "fuzz: guest memory guards intact");
	HARNESS_CHECKF(con_irq.bad_calls == 0, "fuzz: irq callback only on level changes");
	HARNESS_CHECKF(g2h_contract_violations == 0, "fuzz: gpa_to_hva contract kept (%u)", g2h_contract_violations);
	mmio_ok = true;   /* the fuzzer's own odd accesses may have failed */
}

int main(int argc, char **argv)
{
	/* An optional argument replaces the fuzzer's seed. */
	if (argc > 1)
		rng = strtoull(argv[1], NULL, 0) | 1;
	guards_fill();
	disk_guards_fill();

	test_registers();
	test_negotiation();
	test_queue_setup();
	test_blk_io();
	test_blk_variants();
	test_blk_hostile();
	test_broken_queues();
	test_interrupts();
	test_console();
	test_fuzz();

	HARNESS_CHECKF(guards_ok() && disk_guards_ok(), "guards intact at the end");
	return harness_done();
}
