/*
 * fuzz_virtio.c - libFuzzer harness for the virtio models: the virtio-mmio
 * transport and split virtqueues (src/vdev/virtio.c), the block device
 * (virtio_blk.c) and the console (virtio_console.c).
 *
 * The fuzzer plays a hostile guest driver.  Its input is a script: the first
 * two bytes choose the device (a virtio-blk with or without a flush-capable
 * backend, read-only or not, of some capacity; or a virtio-console), then
 * each operation is an opcode byte and its arguments:
 *
 *   MMIO_WRITE / MMIO_READ  a register access at any offset and width (a
 *                           known register, any offset in the window, or
 *                           any 64-bit offset)
 *   RAM        raw bytes written anywhere in guest RAM
 *   DESC       one descriptor written into a queue's table (addresses in,
 *              at the edge of, or outside guest RAM; any length and flags,
 *              INDIRECT included; any 'next', loops included)
 *   PUBLISH    a head put in the available ring; AVAIL raw idx / flags
 *   NOTIFY     QueueNotify of any queue number
 *   INIT       the whole 3.1.1 handshake (reset, ACKNOWLEDGE, DRIVER,
 *              features, FEATURES_OK, queues of any size at a default or
 *              fuzzed layout, DRIVER_OK), so the fuzzer reaches live queues
 *   REQUEST    a plausible block request or console chain (header, data
 *              segments, status), published and maybe notified
 *   RESET      Status <- 0 at any moment, in-flight requests included
 *   HOST       the host side: a capacity change (blk) or input (console)
 *   FAIL       make the disk backend fail from now on (or not)
 *   ACK        InterruptACK of any bits
 *
 * Guest RAM is 32 KiB at guest-physical 0x80000000, an array between two
 * canary zones (and AddressSanitizer's redzones); the disk is 64 sectors,
 * another guarded array.  Invariants, checked after every operation (a
 * violation aborts, which libFuzzer reports as a crash):
 *
 *   - memory: no access outside guest RAM (ASan, the canaries, and every
 *     pointer the backends get lies inside RAM); gpa_to_hva is never called
 *     with an empty or wrapping range (its contract).
 *   - the device writes guest RAM only where the driver let it: the used
 *     rings and the device-writable buffers of the chains it consumed,
 *     which the harness finds by walking the descriptors itself.
 *   - the used ring: chains come back in order, each with its head's id
 *     and a length no larger than the chain's device-writable bytes; a
 *     block request's status byte is OK, IOERR or UNSUPP.
 *   - the disk changes only through a write the harness can justify from
 *     the chain itself: a well-formed OUT request (16-byte header, data a
 *     multiple of 512, exactly one writable byte: the status), on a
 *     read-write device, inside the sectors the header names and inside
 *     the capacity, from the right place of the chain's data.  Reads into
 *     guest RAM are checked the same way (IN, into the data part only).
 *   - termination: every access returns (libFuzzer's -timeout catches a
 *     descriptor loop the model would follow forever; gpa_to_hva calls per
 *     operation are bounded as well).
 *   - the transport: register reads return the fixed identification; a
 *     refused access (bad width, misaligned register, outside the window)
 *     is refused exactly when 4.2.2 says and changes nothing; the irq line
 *     equals InterruptStatus != 0 and the callback fires only on changes;
 *     DRIVER_OK implies FEATURES_OK; negotiated features were offered and
 *     include VERSION_1; a ready queue is a valid one (size a power of two
 *     <= QueueNumMax, areas aligned and in RAM).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "virtio.h"

/* ---- Failing ------------------------------------------------------------------ */

/* A broken invariant stops the run (fuzz.h): libFuzzer keeps the input. */
#define INVARIANT(cond, what) FUZZ_CHECK(cond, "%s", what)

/*
 * The harness's own checking is not instrumented for coverage: its loops
 * over guest RAM would otherwise dominate the run time, and their branches
 * would count as "new coverage" that says nothing about Umbra.  (noinline:
 * the attribute is lost when a function is inlined into an instrumented
 * one.)
 */
#define CHECKER FUZZ_NOCOV

/* ---- The input: a byte stream that reads as zeros once it runs out ----------- */

/* Fields of the input: fuzz.h's reader (zeros once it runs out). */

/* ---- Guest RAM ---------------------------------------------------------------------- */

#define RAM_BASE   0x80000000ull
#define RAM_SIZE   0x8000ull
#define RAM_END    (RAM_BASE + RAM_SIZE)
#define GUARD      256
#define CANARY     0xa5

static uint8_t mem[GUARD + RAM_SIZE + GUARD] __attribute__((aligned(4096)));
#define RAM (mem + GUARD)

/* The default layout INIT uses: per queue the descriptor table (4 KiB
 * for 256 entries), the available ring at +4 KiB, the used ring at +5 KiB;
 * then request headers, status bytes and 16 KiB of data buffers. */
#define QAREA(q)   (RAM_BASE + 0x2000ull * (q))
#define HDR_GPA    (RAM_BASE + 0x3c80)     /* 16 request headers */
#define ST_GPA     (RAM_BASE + 0x3e00)     /* 16 status bytes */
#define DATA_GPA   (RAM_BASE + 0x4000)     /* 32 sectors of data buffers */
#define DATA_SLOTS 32

static unsigned long g2h_calls;

static void *gpa_to_hva(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	INVARIANT(len != 0 && gpa + len >= gpa, "gpa_to_hva called with an empty or wrapping range");
	/* A descriptor loop the model followed forever would show up here. */
	INVARIANT(++g2h_calls < (1ul << 26), "runaway: too many guest memory translations");
	if (gpa < RAM_BASE || gpa - RAM_BASE >= RAM_SIZE || len > RAM_SIZE - (gpa - RAM_BASE))
		return NULL;
	return RAM + (gpa - RAM_BASE);
}

/* Harness-side access to guest memory: NULL outside RAM. */
static uint8_t *G(uint64_t gpa, uint64_t len)
{
	if (gpa < RAM_BASE || gpa - RAM_BASE >= RAM_SIZE || len > RAM_SIZE - (gpa - RAM_BASE))
		return NULL;
	return RAM + (gpa - RAM_BASE);
}

static void put(uint64_t gpa, const void *v, unsigned len)
{
	uint8_t *p = G(gpa, len);

	if (p)
		memcpy(p, v, len);
}

static void put16(uint64_t gpa, uint16_t v) { put(gpa, &v, 2); }
static void put32(uint64_t gpa, uint32_t v) { put(gpa, &v, 4); }
static void put64(uint64_t gpa, uint64_t v) { put(gpa, &v, 8); }

static uint64_t get(const uint8_t *ram, uint64_t gpa, unsigned len)
{
	uint64_t v = 0;

	memcpy(&v, ram + (gpa - RAM_BASE), len);
	return v;
}

static bool in_ram(const void *p, uint64_t len)
{
	const uint8_t *b = p;

	return b >= RAM && b <= RAM + RAM_SIZE && len <= (uint64_t)(RAM + RAM_SIZE - b);
}

CHECKER static bool guards_ok(void)
{
	static const uint8_t canary[GUARD] = { [0 ... GUARD - 1] = CANARY };

	return !memcmp(mem, canary, GUARD) && !memcmp(mem + GUARD + RAM_SIZE, canary, GUARD);
}

/* ---- The interrupt line -------------------------------------------------------------- */

static bool irq_level;

static void irq_cb(void *ctx, bool level)
{
	(void)ctx;
	INVARIANT(level != irq_level, "irq callback without a change of level");
	irq_level = level;
}

/* ---- The devices and their backends ------------------------------------------------- */

#define DISK_SECTORS 64
#define GUARD_DISK   512

static uint8_t disk_mem[GUARD_DISK + DISK_SECTORS * 512 + GUARD_DISK];
#define DISK (disk_mem + GUARD_DISK)
static uint8_t disk_image[DISK_SECTORS * 512];   /* what the disk holds at first */

static bool is_console;
static struct virtio_blk blk;
static struct virtio_console con;
static struct virtio_dev *dev;
static int disk_fail;

/* The n-th byte of a chain's readable (w = false) or writable stream, as
 * the chain struct the device works from describes it: its host pointer,
 * or NULL.  *contig: how many bytes follow it in the same buffer. */
CHECKER static uint8_t *stream_at(const struct virtio_chain *c, bool w, uint64_t off,
			  uint64_t *contig)
{
	for (unsigned i = 0; i < c->n; i++) {
		const struct virtio_buf *b = &c->buf[i];

		if (b->writable != w)
			continue;
		if (off < b->len) {
			*contig = b->len - off;
			return b->hva ? b->hva + off : NULL;
		}
		off -= b->len;
	}
	return NULL;
}

/* The request header as the chain's first 16 readable bytes, or false. */
CHECKER static bool chain_header(const struct virtio_chain *c, uint32_t *type, uint64_t *sector)
{
	uint8_t hdr[VIRTIO_BLK_REQ_HDR_SIZE];

	for (unsigned i = 0; i < sizeof(hdr); i++) {
		uint64_t contig;
		uint8_t *p = stream_at(c, false, i, &contig);

		if (!p)
			return false;
		hdr[i] = *p;
	}
	memcpy(type, hdr, 4);
	memcpy(sector, hdr + 8, 8);
	return true;
}

/*
 * What every backend transfer must be: part of the request being handled
 * (the chain the device last popped from queue 0), of the right type and
 * layout, inside the capacity and the sectors its header names, and at the
 * place in the chain the sector offset says.  'out': a write to the disk.
 */
CHECKER static void check_transfer(bool out, uint64_t sector, const void *buf, uint32_t len)
{
	const struct virtio_chain *c = &blk.vdev.vq[0].chain;
	uint64_t hdr_sector, data_len, first, contig;
	uint32_t type;
	uint8_t *want;

	INVARIANT(!is_console && blk.vdev.vq[0].ready, "disk transfer outside a block request");
	INVARIANT(len && len % 512 == 0 && in_ram(buf, len), "disk transfer buffer not sectors of guest RAM");
	INVARIANT(!c->bad, "disk transfer for a bad chain");
	INVARIANT(chain_header(c, &type, &hdr_sector), "disk transfer without a request header");
	INVARIANT(type == (out ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN), "disk transfer of the wrong request type");
	if (out) {
		INVARIANT(!blk.read_only, "write to a read-only disk");
		INVARIANT(c->write_len == 1, "write request with writable bytes besides the status");
		data_len = c->read_len - VIRTIO_BLK_REQ_HDR_SIZE;
	} else {
		INVARIANT(c->read_len == VIRTIO_BLK_REQ_HDR_SIZE, "read request with readable data");
		data_len = c->write_len - 1;
	}
	INVARIANT(data_len % 512 == 0, "transfer for a request that is not whole sectors");
	INVARIANT(hdr_sector <= blk.capacity && data_len / 512 <= blk.capacity - hdr_sector,
		  "request beyond the capacity reached the disk");
	INVARIANT(sector >= hdr_sector && sector - hdr_sector < data_len / 512 &&
		  len / 512 <= data_len / 512 - (sector - hdr_sector),
		  "transfer outside the sectors the request names");
	first = (sector - hdr_sector) * 512 + (out ? VIRTIO_BLK_REQ_HDR_SIZE : 0);
	want = stream_at(c, !out, first, &contig);
	INVARIANT(want == buf && len <= contig, "transfer from the wrong place of the chain");
	INVARIANT(sector < DISK_SECTORS && len / 512 <= DISK_SECTORS - sector, "transfer outside the disk");
}

static int disk_read(void *ctx, uint64_t sector, void *buf, uint32_t len)
{
	(void)ctx;
	check_transfer(false, sector, buf, len);
	if (disk_fail)
		return disk_fail;
	memcpy(buf, DISK + sector * 512, len);
	return 0;
}

static int disk_write(void *ctx, uint64_t sector, const void *buf, uint32_t len)
{
	(void)ctx;
	check_transfer(true, sector, buf, len);
	if (disk_fail)
		return disk_fail;
	memcpy(DISK + sector * 512, buf, len);
	return 0;
}

static int disk_flush(void *ctx)
{
	(void)ctx;
	return disk_fail;
}

static void con_tx(void *ctx, const uint8_t *buf, size_t len)
{
	(void)ctx;
	INVARIANT(len && in_ram(buf, len), "console output not from guest RAM");
}

static void con_rx_ready(void *ctx)
{
	(void)ctx;
}

static const struct virtio_host host = { NULL, gpa_to_hva, irq_cb };

/* Byte 0: bit 0 console, bit 1 flush backend, bit 2 read-only, bit 3
 * console size; byte 1: the capacity in sectors (at most the disk). */
static void device_create(struct fuzz_in *in)
{
	uint8_t how = fuzz_u8(in), cap = fuzz_u8(in);

	memset(mem, CANARY, sizeof(mem));
	memset(RAM, 0, RAM_SIZE);
	memset(disk_mem, CANARY, sizeof(disk_mem));
	memcpy(DISK, disk_image, sizeof(disk_image));
	irq_level = false;
	disk_fail = 0;
	is_console = how & 1;
	if (is_console) {
		struct virtio_console_backend be = { NULL, con_tx, con_rx_ready };

		if (virtio_console_init(&con, &host, &be, how & 8 ? 80 : 0, how & 8 ? 25 : 0))
			FUZZ_CHECK(0, "%s", "virtio_console_init");
		dev = &con.vdev;
	} else {
		struct virtio_blk_backend be = { NULL, disk_read, disk_write,
						 how & 2 ? disk_flush : NULL };
		struct virtio_blk_params p = { cap % (DISK_SECTORS + 1), how & 4, "umbra-fuzz-disk" };

		if (virtio_blk_init(&blk, &host, &be, &p))
			FUZZ_CHECK(0, "%s", "virtio_blk_init");
		dev = &blk.vdev;
	}
}

/*
 * Before each access that may make the device consume chains (any register
 * write, console input), the harness photographs guest RAM and the queues;
 * afterwards check_consumed() compares (see there).
 */
static bool snapped;
static CHECKER void snapshot(bool status_write);

/* ---- Register accesses ---------------------------------------------------------------- */

static const uint16_t regs[] = {
	VIRTIO_MMIO_MAGIC_VALUE, VIRTIO_MMIO_VERSION, VIRTIO_MMIO_DEVICE_ID,
	VIRTIO_MMIO_VENDOR_ID, VIRTIO_MMIO_DEVICE_FEATURES, VIRTIO_MMIO_DEVICE_FEATURES_SEL,
	VIRTIO_MMIO_DRIVER_FEATURES, VIRTIO_MMIO_DRIVER_FEATURES_SEL, VIRTIO_MMIO_QUEUE_SEL,
	VIRTIO_MMIO_QUEUE_NUM_MAX, VIRTIO_MMIO_QUEUE_NUM, VIRTIO_MMIO_QUEUE_READY,
	VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_MMIO_INTERRUPT_STATUS, VIRTIO_MMIO_INTERRUPT_ACK,
	VIRTIO_MMIO_STATUS, VIRTIO_MMIO_QUEUE_DESC_LOW, VIRTIO_MMIO_QUEUE_DESC_HIGH,
	VIRTIO_MMIO_QUEUE_DRIVER_LOW, VIRTIO_MMIO_QUEUE_DRIVER_HIGH,
	VIRTIO_MMIO_QUEUE_DEVICE_LOW, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, VIRTIO_MMIO_SHM_SEL,
	VIRTIO_MMIO_SHM_LEN_LOW, VIRTIO_MMIO_SHM_LEN_HIGH, VIRTIO_MMIO_SHM_BASE_LOW,
	VIRTIO_MMIO_SHM_BASE_HIGH, VIRTIO_MMIO_QUEUE_RESET, VIRTIO_MMIO_CONFIG_GENERATION,
	VIRTIO_MMIO_CONFIG, VIRTIO_MMIO_CONFIG + 4, VIRTIO_MMIO_CONFIG + 8,
	VIRTIO_MMIO_CONFIG + 0x20, VIRTIO_MMIO_CONFIG + 0x3f, VIRTIO_MMIO_SIZE - 8,
};

/* An offset: a known register (mostly), any offset of the window, or any
 * 64-bit value. */
static uint64_t pick_offset(struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);

	if (sel < 0xc0)
		return regs[sel % ARRAY_SIZE(regs)];
	if (sel < 0xfe)
		return fuzz_u16(in) % VIRTIO_MMIO_SIZE;
	return fuzz_u64(in);
}

static unsigned pick_width(struct fuzz_in *in)
{
	static const unsigned widths[] = { 4, 4, 4, 4, 1, 2, 8, 0, 3, 16 };
	uint8_t sel = fuzz_u8(in);

	return sel < 0xf0 ? widths[sel % ARRAY_SIZE(widths)] : sel;
}

/* Does 4.2.2 (and the model's contract) accept this access? */
static bool access_ok(uint64_t off, unsigned width)
{
	if (width != 1 && width != 2 && width != 4 && width != 8)
		return false;
	if (off >= VIRTIO_MMIO_SIZE || width > VIRTIO_MMIO_SIZE - off)
		return false;
	return off >= VIRTIO_MMIO_CONFIG || (width == 4 && off % 4 == 0);
}

/* Copy of the transport and model state, to check a refused access
 * changed nothing. */
static union {
	struct virtio_blk blk;
	struct virtio_console con;
} saved;

static void *model(void)
{
	return is_console ? (void *)&con : (void *)&blk;
}

static size_t model_size(void)
{
	return is_console ? sizeof(con) : sizeof(blk);
}

CHECKER static void check_read(uint64_t off, unsigned width, uint64_t val)
{
	if (width < 8)
		INVARIANT(val >> (8 * width) == 0, "a read returned bits beyond its width");
	if (off >= VIRTIO_MMIO_CONFIG) {
		for (unsigned i = 0; i < width; i++) {
			uint64_t at = off - VIRTIO_MMIO_CONFIG + i;
			uint8_t want = at < dev->config_len ? dev->config[at] : 0;

			INVARIANT((uint8_t)(val >> (8 * i)) == want, "config space read wrong");
		}
		if (!is_console && off == VIRTIO_MMIO_CONFIG && width == 8)
			INVARIANT(val == blk.capacity, "config capacity is not the capacity");
		return;
	}
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		INVARIANT(val == VIRTIO_MMIO_MAGIC, "magic");
		break;
	case VIRTIO_MMIO_VERSION:
		INVARIANT(val == VIRTIO_MMIO_VERSION_MODERN, "version");
		break;
	case VIRTIO_MMIO_DEVICE_ID:
		INVARIANT(val == (is_console ? VIRTIO_ID_CONSOLE : VIRTIO_ID_BLOCK), "device id");
		break;
	case VIRTIO_MMIO_VENDOR_ID:
		INVARIANT(val == VIRTIO_VENDOR_UMBRA, "vendor id");
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		INVARIANT(val <= 1, "QueueReady not 0 or 1");
		break;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		INVARIANT(val == 0 || val == VIRTIO_QUEUE_NUM_MAX, "QueueNumMax");
		break;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		INVARIANT(val == dev->int_status && !(val & ~3ull), "InterruptStatus");
		break;
	case VIRTIO_MMIO_STATUS:
		INVARIANT(val == dev->status, "Status read back");
		break;
	}
}

static void mmio(struct fuzz_in *in, bool write)
{
	uint64_t off = pick_offset(in);
	unsigned width = pick_width(in);
	uint64_t val = write ? (fuzz_u8(in) & 1 ? fuzz_u64(in) : fuzz_u32(in)) : 0x5a5a5a5a5a5a5a5aull;
	bool ok = access_ok(off, width);
	int r;

	if (!ok)
		memcpy(&saved, model(), model_size());
	if (write)
		snapshot(off == VIRTIO_MMIO_STATUS);
	r = virtio_mmio_rw(dev, off, width, write, &val);
	INVARIANT((r == 0) == ok, "an access accepted or refused against 4.2.2");
	if (!ok) {
		INVARIANT(!memcmp(&saved, model(), model_size()), "a refused access changed the device");
		return;
	}
	if (!write)
		check_read(off, width, val);
}

static void reg_write(uint32_t off, uint32_t val)
{
	uint64_t v = val;

	INVARIANT(virtio_mmio_rw(dev, off, 4, true, &v) == 0, "register write refused");
}

static uint32_t reg_read(uint32_t off)
{
	uint64_t v = 0;

	INVARIANT(virtio_mmio_rw(dev, off, 4, false, &v) == 0, "register read refused");
	return (uint32_t)v;
}

/* ---- Descriptors and rings, from the driver's side -------------------------------------- */

/* The driver's next available index for each queue. */
static uint16_t avail_idx[VIRTIO_QUEUES_MAX];

/* The queue an operation names, and its size as the device has it (at least
 * 1, so descriptor indices can be taken modulo it even before setup). */
static unsigned pick_queue(struct fuzz_in *in)
{
	return fuzz_u8(in) % VIRTIO_QUEUES_MAX;
}

static unsigned qnum(unsigned q)
{
	uint32_t n = dev->vq[q].num;

	return n && n <= VIRTIO_QUEUE_NUM_MAX ? n : 1;
}

static uint64_t pick_addr(struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);

	switch (sel % 8) {
	case 0: return RAM_BASE + fuzz_u16(in) % RAM_SIZE;
	case 1: return RAM_END - fuzz_u8(in) % 64;
	case 2: return RAM_BASE - fuzz_u8(in) % 64;
	case 3: return fuzz_u64(in);
	case 4: return ~0ull - fuzz_u8(in) % 64;
	case 5: return HDR_GPA + 16 * (fuzz_u8(in) % 16);
	case 6: return ST_GPA + fuzz_u8(in) % 16;
	default: return DATA_GPA + 512ull * (fuzz_u8(in) % DATA_SLOTS);
	}
}

static uint32_t pick_len(struct fuzz_in *in)
{
	uint8_t sel = fuzz_u8(in);

	switch (sel % 8) {
	case 0: return 0;
	case 1: return 1;
	case 2: return 16;
	case 3: return 512 * (1 + fuzz_u8(in) % 8);
	case 4: return fuzz_u32(in);
	case 5: return 0xffffffffu - fuzz_u8(in) % 16;
	default: return fuzz_u16(in) % 4096;
	}
}

static void desc_put(unsigned q, unsigned idx, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	uint64_t a = dev->vq[q].desc + 16ull * idx;

	put64(a, addr);
	put32(a + 8, len);
	put16(a + 12, flags);
	put16(a + 14, next);
}

static void op_desc(struct fuzz_in *in)
{
	unsigned q = pick_queue(in);
	uint8_t sel = fuzz_u8(in);
	unsigned idx = sel < 0xf0 ? sel % qnum(q) : fuzz_u16(in);
	uint64_t addr = pick_addr(in);
	uint32_t len = pick_len(in);
	uint8_t fsel = fuzz_u8(in);
	uint16_t flags = fsel < 0xf0 ? fsel % 8 : fuzz_u16(in);
	uint8_t nsel = fuzz_u8(in);
	uint16_t next = nsel < 0xf0 ? nsel % qnum(q) : fuzz_u16(in);

	desc_put(q, idx, addr, len, flags, next);
}

static void publish(unsigned q, uint16_t head)
{
	uint64_t avail = dev->vq[q].driver;

	put16(avail + 4 + 2ull * (avail_idx[q] % qnum(q)), head);
	avail_idx[q]++;
	put16(avail + 2, avail_idx[q]);
}

static void op_publish(struct fuzz_in *in)
{
	unsigned q = pick_queue(in);
	uint8_t sel = fuzz_u8(in);

	publish(q, sel < 0xf0 ? sel % qnum(q) : fuzz_u16(in));
}

/* A raw avail->idx (the driver lying about how much it published) or
 * avail->flags (interrupt suppression). */
static void op_avail(struct fuzz_in *in)
{
	unsigned q = pick_queue(in);
	uint8_t sel = fuzz_u8(in);
	uint16_t v = fuzz_u16(in);

	if (sel & 1) {
		avail_idx[q] = v;
		put16(dev->vq[q].driver + 2, v);
	} else {
		put16(dev->vq[q].driver, v);
	}
}

static void op_ram(struct fuzz_in *in)
{
	uint64_t gpa = RAM_BASE + fuzz_u16(in) % RAM_SIZE;
	unsigned len = fuzz_u8(in) % 33;
	uint8_t buf[32];

	for (unsigned i = 0; i < len; i++)
		buf[i] = fuzz_u8(in);
	len = (unsigned)MIN((uint64_t)len, RAM_END - gpa);
	put(gpa, buf, len);
}

/* ---- The driver's init sequence (3.1.1) -------------------------------------------------- */

static void queue_setup(unsigned q, uint32_t num, uint64_t desc, uint64_t avail, uint64_t used)
{
	reg_write(VIRTIO_MMIO_QUEUE_SEL, q);
	reg_write(VIRTIO_MMIO_QUEUE_NUM, num);
	reg_write(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	reg_write(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	reg_write(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
	reg_write(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
	reg_write(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
	reg_write(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
	reg_write(VIRTIO_MMIO_QUEUE_READY, 1);
	avail_idx[q] = 0;
}

/*
 * Arguments: flags (bit 0: accept exactly the u64 that follows instead of
 * everything offered; bit 1: fuzzed queue areas; bit 2: stop before
 * DRIVER_OK), log2 of the queue size (num may come out 0 or 512 too), then
 * the features and the areas' offsets if asked for.
 */
static void op_init(struct fuzz_in *in)
{
	uint8_t how = fuzz_u8(in);
	uint32_t num = 1u << (fuzz_u8(in) % 10);
	uint64_t accept;
	uint32_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

	if (num == 512)
		num = 0;
	reg_write(VIRTIO_MMIO_STATUS, 0);
	reg_write(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	reg_write(VIRTIO_MMIO_STATUS, st);
	if (how & 1) {
		accept = fuzz_u64(in);
	} else {
		reg_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
		accept = reg_read(VIRTIO_MMIO_DEVICE_FEATURES);
		reg_write(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
		accept |= (uint64_t)reg_read(VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	}
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)accept);
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	reg_write(VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(accept >> 32));
	st |= VIRTIO_STATUS_FEATURES_OK;
	reg_write(VIRTIO_MMIO_STATUS, st);
	for (unsigned q = 0; q < (is_console ? 2u : 1u); q++) {
		uint64_t desc = QAREA(q), avail = QAREA(q) + 0x1000, used = QAREA(q) + 0x1400;

		if (how & 2) {
			desc = RAM_BASE + fuzz_u16(in);
			avail = RAM_BASE + fuzz_u16(in);
			used = RAM_BASE + fuzz_u16(in);
		}
		queue_setup(q, num, desc, avail, used);
	}
	if (!(how & 4)) {
		snapshot(true);
		reg_write(VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
	}
}

/* ---- Plausible requests --------------------------------------------------------------------- */

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool w;
	bool indirect;      /* VIRTQ_DESC_F_INDIRECT: the device must not use it */
};

/* Lay a chain out in descriptors head, head+1, ... (mod the queue size),
 * publish it and maybe notify. */
static void submit(struct fuzz_in *in, unsigned q, const struct seg *s, unsigned n)
{
	unsigned num = qnum(q), head = fuzz_u8(in) % num;
	uint8_t how = fuzz_u8(in);

	n = MIN(n, num);
	for (unsigned i = 0; i < n; i++) {
		unsigned idx = (head + i) % num;
		uint16_t flags = (s[i].w ? VIRTQ_DESC_F_WRITE : 0) |
				 (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0);

		desc_put(q, idx, s[i].gpa, s[i].len, flags, (idx + 1) % num);
	}
	publish(q, (uint16_t)head);
	if (!(how & 1)) {
		snapshot(false);
		reg_write(VIRTIO_MMIO_QUEUE_NOTIFY, q);
	}
}

/*
 * A block request: type, sector, 0-3 data segments of whole sectors (or
 * any length), the header maybe split in two, the status maybe sharing the
 * last data buffer.  For the console: a transmit chain of readable bytes
 * or a receive chain of writable ones.
 */
static void op_request(struct fuzz_in *in)
{
	static const uint32_t types[] = {
		VIRTIO_BLK_T_IN, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_OUT,
		VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID, 11 /* DISCARD */,
	};
	uint8_t tsel = fuzz_u8(in), layout = fuzz_u8(in), nseg = fuzz_u8(in) % 4;
	struct seg s[8];
	unsigned n = 0, slot = fuzz_u8(in) % 16;

	if (is_console) {
		unsigned q = tsel % 2;

		for (unsigned i = 0; i <= nseg; i++) {
			uint64_t gpa = DATA_GPA + 512ull * (fuzz_u8(in) % DATA_SLOTS);
			uint32_t len = 1 + fuzz_u8(in) % 64;

			s[n++] = (struct seg){ gpa, len, q == VIRTIO_CONSOLE_RX_Q, false };
		}
		submit(in, q, s, n);
		return;
	}

	uint32_t type = tsel < 0xf8 ? types[tsel % ARRAY_SIZE(types)] : fuzz_u32(in);
	uint8_t ssel = fuzz_u8(in);
	uint64_t sector = ssel < 0xf0 ? ssel % (DISK_SECTORS + 2) : fuzz_u64(in);
	uint64_t hdr = HDR_GPA + 16 * slot, st = ST_GPA + slot;
	bool w = type != VIRTIO_BLK_T_OUT;

	put32(hdr, type);
	put32(hdr + 4, 0);
	put64(hdr + 8, sector);
	if (layout & 1) {
		s[n++] = (struct seg){ hdr, 8, false, false };
		s[n++] = (struct seg){ hdr + 8, 8, false, false };
	} else {
		s[n++] = (struct seg){ hdr, 16, false, false };
	}
	for (unsigned i = 0; i < nseg; i++) {
		uint64_t gpa = DATA_GPA + 512ull * (fuzz_u8(in) % DATA_SLOTS);
		uint32_t len = layout & 2 ? pick_len(in) : 512 * (1 + fuzz_u8(in) % 4);

		s[n++] = (struct seg){ gpa, len, w, false };
	}
	if ((layout & 4) && nseg && w)
		s[n - 1].len++;          /* the status shares the last data buffer */
	else
		s[n++] = (struct seg){ st, 1, true, false };
	submit(in, 0, s, n);
}

/* ---- The host side ------------------------------------------------------------------------- */

static void op_host(struct fuzz_in *in)
{
	uint8_t v = fuzz_u8(in);

	if (is_console) {
		uint8_t buf[256];

		memset(buf, 'z', sizeof(buf));
		snapshot(false);
		INVARIANT(virtio_console_rx_push(&con, buf, v) <= v, "console took more input than offered");
	} else {
		virtio_blk_set_capacity(&blk, v % (DISK_SECTORS + 1));
	}
}

/* ---- Checking what the device did to guest memory ------------------------------------------- */

static uint8_t before[RAM_SIZE];   /* guest RAM before the operation */
static uint8_t cover[RAM_SIZE];    /* how many consumed chains may write each byte */

struct qstate {
	bool ready;
	uint32_t num;
	uint64_t desc, driver, device;
	uint16_t last_avail, used_idx;
};
static struct qstate qbefore[VIRTIO_QUEUES_MAX];

/* A chain as the harness reads it from the 'before' image, independently
 * of the model. */
struct ref_chain {
	unsigned n;
	uint64_t wlen;
	struct seg seg[VIRTIO_QUEUE_NUM_MAX];
};

CHECKER static bool ref_walk(const struct qstate *qs, unsigned head, struct ref_chain *rc)
{
	unsigned i = head;

	rc->n = 0;
	rc->wlen = 0;
	for (;;) {
		uint64_t d = qs->desc + 16ull * i;
		uint16_t flags;

		if (i >= qs->num || rc->n >= qs->num)
			return false;
		flags = (uint16_t)get(before, d + 12, 2);
		rc->seg[rc->n] = (struct seg){ get(before, d, 8), (uint32_t)get(before, d + 8, 4),
					       flags & VIRTQ_DESC_F_WRITE,
					       flags & VIRTQ_DESC_F_INDIRECT };
		if (rc->seg[rc->n].w)
			rc->wlen += rc->seg[rc->n].len;
		rc->n++;
		if (!(flags & VIRTQ_DESC_F_NEXT))
			return true;
		i = (uint16_t)get(before, d + 14, 2);
	}
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* Only a live device consumes chains, or one a Status write makes live. */
CHECKER static void snapshot(bool status_write)
{
	if (!virtio_live(dev) && !status_write)
		return;
	snapped = true;
	memcpy(before, RAM, RAM_SIZE);
	for (unsigned q = 0; q < VIRTIO_QUEUES_MAX; q++) {
		const struct virtq *vq = &dev->vq[q];

		qbefore[q] = (struct qstate){ vq->ready, vq->num, vq->desc, vq->driver,
					      vq->device, vq->last_avail, vq->used_idx };
	}
}

/* Does [gpa, gpa+len) touch a ring area of a queue that was ready? */
CHECKER static bool hits_rings(uint64_t gpa, uint64_t len, bool with_used)
{
	for (unsigned q = 0; q < VIRTIO_QUEUES_MAX; q++) {
		const struct qstate *qs = &qbefore[q];

		if (!qs->ready)
			continue;
		if (overlaps(gpa, len, qs->desc, VIRTQ_DESC_BYTES(qs->num)) ||
		    overlaps(gpa, len, qs->driver, VIRTQ_AVAIL_BYTES(qs->num)) ||
		    (with_used && overlaps(gpa, len, qs->device, VIRTQ_USED_BYTES(qs->num))))
			return true;
	}
	return false;
}

CHECKER static void cover_range(uint64_t gpa, uint64_t len)
{
	if (!G(gpa, len))
		return;         /* not guest RAM: the device may not use it at all */
	for (uint64_t i = gpa - RAM_BASE; i < gpa - RAM_BASE + len; i++)
		if (cover[i] < 255)
			cover[i]++;
}

/* The used element the i-th chain consumed by this operation must be:
 * its head, a length within its writable bytes, a valid blk status. */
CHECKER static void check_used(const struct qstate *qs, uint16_t k, unsigned head,
		       const struct ref_chain *rc, bool trust_used)
{
	uint64_t e = qs->device + 4 + 8ull * (k % qs->num);
	const struct seg *last = NULL;

	if (!trust_used)
		return;
	INVARIANT(get(RAM, e, 4) == head, "used element id is not the chain's head");
	INVARIANT(get(RAM, e + 4, 4) <= rc->wlen, "used length exceeds the chain's writable bytes");
	if (is_console)
		return;
	for (unsigned i = 0; i < rc->n; i++)
		if (rc->seg[i].w && rc->seg[i].len)
			last = &rc->seg[i];
	if (last && !last->indirect && G(last->gpa, last->len)) {
		uint64_t at = last->gpa + last->len - 1;

		if (cover[at - RAM_BASE] == 1 && !hits_rings(at, 1, true))
			INVARIANT(get(RAM, at, 1) <= VIRTIO_BLK_S_UNSUPP, "status byte is not OK/IOERR/UNSUPP");
	}
}

/*
 * After an operation that may have made the device consume chains: walk
 * every consumed chain in the 'before' image, then check the device wrote
 * only into the used rings and the chains' writable buffers, and that the
 * used elements are right.  When a writable buffer overlaps a descriptor
 * table or an available ring the device may legitimately have consumed a
 * chain other than the one the harness read (the driver rewrote its own
 * rings through the device), so those operations are not checked.
 */
CHECKER static void check_consumed(void)
{
	static struct ref_chain rc[VIRTIO_QUEUES_MAX];
	bool trust_used = true;
	uint64_t total = 0;

	memset(cover, 0, sizeof(cover));
	/* The console's two used rings on top of each other: elements of one
	 * overwrite the other's. */
	if (qbefore[0].ready && qbefore[1].ready &&
	    overlaps(qbefore[0].device, VIRTQ_USED_BYTES(qbefore[0].num),
		     qbefore[1].device, VIRTQ_USED_BYTES(qbefore[1].num)))
		trust_used = false;
	for (unsigned q = 0; q < VIRTIO_QUEUES_MAX; q++) {
		const struct qstate *qs = &qbefore[q];
		const struct virtq *vq = &dev->vq[q];
		uint16_t consumed;

		if (!qs->ready || !vq->ready)
			continue;
		if (hits_rings(qs->device, VIRTQ_USED_BYTES(qs->num), false))
			return;
		consumed = (uint16_t)(vq->last_avail - qs->last_avail);
		INVARIANT((uint16_t)(vq->used_idx - qs->used_idx) == consumed,
			  "a consumed chain did not come back in the used ring");
		for (uint16_t k = 0; k < consumed; k++) {
			uint16_t a = (uint16_t)(qs->last_avail + k);
			unsigned head = (unsigned)get(before, qs->driver + 4 + 2ull * (a % qs->num), 2);

			INVARIANT(ref_walk(qs, head, &rc[q]), "the device consumed a broken chain");
			for (unsigned i = 0; i < rc[q].n; i++) {
				const struct seg *s = &rc[q].seg[i];

				if (!s->w)
					continue;
				if (G(s->gpa, s->len) && hits_rings(s->gpa, s->len, false))
					return;
				if (G(s->gpa, s->len) && hits_rings(s->gpa, s->len, true))
					trust_used = false;
				total += s->len;
				if (total > (1u << 22))
					return;     /* too much to check cheaply */
				cover_range(s->gpa, s->len);
			}
		}
		cover_range(qs->device, VIRTQ_USED_BYTES(qs->num));
	}
	/* Guest RAM outside the writable areas is untouched. */
	for (size_t i = 0; i < RAM_SIZE; i += 4096) {
		if (!memcmp(before + i, RAM + i, 4096))
			continue;
		for (size_t j = i; j < i + 4096; j++)
			INVARIANT(before[j] == RAM[j] || cover[j], "the device wrote guest RAM it was not given");
	}
	/* The used elements, second pass now that 'cover' is complete. */
	for (unsigned q = 0; q < VIRTIO_QUEUES_MAX; q++) {
		const struct qstate *qs = &qbefore[q];
		const struct virtq *vq = &dev->vq[q];
		uint16_t consumed;

		if (!qs->ready || !vq->ready)
			continue;
		consumed = (uint16_t)(vq->last_avail - qs->last_avail);
		/* Later pushes overwrite earlier elements once the ring wraps. */
		for (uint16_t k = consumed > qs->num ? (uint16_t)(consumed - qs->num) : 0; k < consumed; k++) {
			uint16_t a = (uint16_t)(qs->last_avail + k);
			unsigned head = (unsigned)get(before, qs->driver + 4 + 2ull * (a % qs->num), 2);

			ref_walk(qs, head, &rc[q]);
			check_used(qs, (uint16_t)(qs->used_idx + k), head, &rc[q], trust_used);
		}
	}
}

/* ---- Invariants of the transport, after every operation ------------------------------------ */

CHECKER static void check_state(void)
{
	INVARIANT(guards_ok(), "guest RAM canaries overwritten");
	INVARIANT(irq_level == (dev->int_status != 0), "irq line is not InterruptStatus != 0");
	INVARIANT(!(dev->int_status & ~3u), "InterruptStatus has undefined bits");
	INVARIANT(dev->status <= 0xff, "Status beyond 8 bits");
	if (dev->status & VIRTIO_STATUS_DRIVER_OK)
		INVARIANT(dev->status & VIRTIO_STATUS_FEATURES_OK, "DRIVER_OK without FEATURES_OK");
	if (dev->status & VIRTIO_STATUS_FEATURES_OK) {
		INVARIANT(!(dev->features & ~dev->device_features), "a feature negotiated that was not offered");
		INVARIANT(dev->features >> VIRTIO_F_VERSION_1 & 1, "negotiated without VERSION_1");
	}
	for (unsigned q = 0; q < VIRTIO_QUEUES_MAX; q++) {
		const struct virtq *vq = &dev->vq[q];
		uint32_t n = vq->num;

		if (!vq->ready)
			continue;
		INVARIANT(q < dev->num_queues, "a queue the device does not have is ready");
		INVARIANT(n && n <= VIRTIO_QUEUE_NUM_MAX && !(n & (n - 1)), "ready queue of a bad size");
		INVARIANT(!(vq->desc % 16) && !(vq->driver % 2) && !(vq->device % 4), "ready queue misaligned");
		INVARIANT(G(vq->desc, VIRTQ_DESC_BYTES(n)) && G(vq->driver, VIRTQ_AVAIL_BYTES(n)) &&
			  G(vq->device, VIRTQ_USED_BYTES(n)), "ready queue outside guest RAM");
	}
	if (!is_console)
		INVARIANT(!memcmp(disk_mem, disk_mem + GUARD_DISK + DISK_SECTORS * 512, GUARD_DISK) &&
			  disk_mem[0] == CANARY, "disk canaries overwritten");
}

/* ---- The fuzzer's entry point ------------------------------------------------------------------- */

enum op {
	OP_MMIO_WRITE, OP_MMIO_READ, OP_RAM, OP_DESC, OP_PUBLISH, OP_AVAIL, OP_NOTIFY,
	OP_INIT, OP_REQUEST, OP_RESET, OP_HOST, OP_FAIL, OP_ACK, OP_COUNT
};

static void run_op(struct fuzz_in *in, enum op op)
{
	switch (op) {
	case OP_MMIO_WRITE: mmio(in, true); break;
	case OP_MMIO_READ:  mmio(in, false); break;
	case OP_RAM:        op_ram(in); break;
	case OP_DESC:       op_desc(in); break;
	case OP_PUBLISH:    op_publish(in); break;
	case OP_AVAIL:      op_avail(in); break;
	case OP_NOTIFY: {
		uint8_t sel = fuzz_u8(in);
		uint32_t q = sel < 0xf0 ? sel % 4 : fuzz_u32(in);

		snapshot(false);
		reg_write(VIRTIO_MMIO_QUEUE_NOTIFY, q);
		break;
	}
	case OP_INIT:       op_init(in); break;
	case OP_REQUEST:    op_request(in); break;
	case OP_RESET:      reg_write(VIRTIO_MMIO_STATUS, 0); break;
	case OP_HOST:       op_host(in); break;
	case OP_FAIL:       disk_fail = fuzz_u8(in) & 1 ? -5 : 0; break;
	case OP_ACK: {
		uint32_t bits = fuzz_u8(in) & 0x80 ? fuzz_u32(in) : 3;

		reg_write(VIRTIO_MMIO_INTERRUPT_ACK, bits);
		break;
	}
	case OP_COUNT:      break;
	}
}

#define MAX_OPS 128

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (unsigned i = 0; i < sizeof(disk_image); i++)
		disk_image[i] = (uint8_t)(i * 7 + (i >> 9));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	device_create(&in);
	for (unsigned q = 0; q < VIRTIO_QUEUES_MAX; q++)
		avail_idx[q] = 0;
	/* Each operation that may consume chains photographs guest RAM:
	 * scripts longer than this add little and cost speed. */
	for (unsigned ops = 0; in.n && ops < MAX_OPS; ops++) {
		enum op op = (enum op)(fuzz_u8(&in) % OP_COUNT);

		g2h_calls = 0;
		snapped = false;
		run_op(&in, op);
		if (snapped)
			check_consumed();
		check_state();
	}
	return 0;
}
