/*
 * virtio_blk.c - a virtio block device (Virtio 1.1 section 5.2) over the
 * virtio-mmio transport of virtio.c.
 *
 * One request queue (5.2.2).  A request is (5.2.6):
 *
 *	struct virtio_blk_req {
 *		le32 type;        device-readable: the 16-byte header
 *		le32 reserved;
 *		le64 sector;      in 512-byte units, whatever blk_size says
 *		u8 data[];        readable for OUT, writable for IN and GET_ID
 *		u8 status;        device-writable: the last byte of the chain
 *	};
 *
 * spread over the descriptors in any way (2.6.4: no assumption about
 * framing).  Data goes to and from the backend directly from guest RAM
 * (host pointers gpa_to_hva validated), one call per contiguous piece.
 *
 * Decisions:
 *   - Layout is checked strictly: IN and GET_ID carry exactly the header
 *     as readable bytes, OUT exactly the status byte as writable bytes
 *     (FLUSH may carry data, which is ignored: the spec only says SHOULD
 *     NOT).  Anything else fails with IOERR, without touching data or the
 *     disk.
 *   - Every data piece handed to the backend is a multiple of 512 bytes
 *     (the backend interface works in sectors).  Linux's block layer never
 *     builds anything else; a request that does fails with IOERR.
 *   - A chain with no writable byte has nowhere to put a status: it is
 *     returned with used length 0 and nothing else happens.
 *   - VIRTIO_BLK_F_FLUSH is offered iff the backend can flush.  If it is
 *     offered but the driver does not accept it, every write is flushed
 *     before it completes (5.2.6.2: a write is stable when "neither
 *     VIRTIO_BLK_F_CONFIG_WCE nor VIRTIO_BLK_F_FLUSH feature were
 *     negotiated, but VIRTIO_BLK_F_FLUSH was offered by the device").
 *   - SEG_MAX is offered (a request may use all but 2 descriptors of the
 *     queue for data); no SIZE_MAX, GEOMETRY, BLK_SIZE, TOPOLOGY, MQ,
 *     DISCARD, WRITE_ZEROES: requests of those types get UNSUPP.
 */
#include <string.h>

#include "virtio.h"

#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

static struct virtio_blk *to_blk(struct virtio_dev *d)
{
	return container_of(d, struct virtio_blk, vdev);
}

/* The status byte: the last byte of the device-writable part, or NULL. */
static uint8_t *status_byte(const struct virtio_chain *c)
{
	for (unsigned i = c->n; i-- > 0;) {
		const struct virtio_buf *b = &c->buf[i];

		if (!b->writable || b->len == 0)
			continue;
		return b->hva ? b->hva + b->len - 1 : NULL;
	}
	return NULL;
}

/*
 * One pass over the data: the bytes [start, start+len) of the chain's
 * readable (OUT) or writable (IN) stream, cut at descriptor boundaries.
 * With 'doit' false only check that every piece is a multiple of 512;
 * with 'doit' true move the data.  Returns a VIRTIO_BLK_S_* status.
 */
static uint8_t blk_data(struct virtio_blk *b, const struct virtio_chain *c,
			bool out, uint32_t start, uint32_t len, uint64_t sector,
			bool doit)
{
	uint32_t off = start, left = len;

	for (unsigned i = 0; i < c->n && left; i++) {
		const struct virtio_buf *buf = &c->buf[i];
		uint32_t n;
		int r;

		if (buf->writable == out)
			continue;
		if (off >= buf->len) {
			off -= buf->len;
			continue;
		}
		n = MIN(buf->len - off, left);
		if (!buf->hva || n % VIRTIO_BLK_SECTOR_SIZE)
			return VIRTIO_BLK_S_IOERR;
		if (doit) {
			r = out ? b->be.write(b->be.ctx, sector, buf->hva + off, n)
				: b->be.read(b->be.ctx, sector, buf->hva + off, n);
			if (r < 0)
				return VIRTIO_BLK_S_IOERR;
		}
		sector += n / VIRTIO_BLK_SECTOR_SIZE;
		left -= n;
		off = 0;
	}
	return left ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

/* IN (out = false) or OUT (out = true) of 'len' bytes at 'sector'. */
static uint8_t blk_rw(struct virtio_blk *b, const struct virtio_chain *c,
		      bool out, uint32_t start, uint32_t len, uint64_t sector)
{
	uint64_t nsect = len / VIRTIO_BLK_SECTOR_SIZE;
	uint8_t st;

	/* 5.2.6.1: "The length of data MUST be a multiple of 512 bytes for
	 * VIRTIO_BLK_T_IN and VIRTIO_BLK_T_OUT requests." */
	if (len % VIRTIO_BLK_SECTOR_SIZE)
		return VIRTIO_BLK_S_IOERR;
	/* 5.2.6.1: "A driver MUST NOT submit a request which would cause a
	 * read or write beyond capacity."  Checked without overflowing:
	 * sector + nsect <= capacity. */
	if (sector > b->capacity || nsect > b->capacity - sector)
		return VIRTIO_BLK_S_IOERR;
	/* 5.2.6.2: "A device MUST set the status byte to VIRTIO_BLK_S_IOERR
	 * for a write request if the VIRTIO_BLK_F_RO feature if offered, and
	 * MUST NOT write any data." */
	if (out && b->read_only)
		return VIRTIO_BLK_S_IOERR;
	if (len == 0)
		return VIRTIO_BLK_S_OK;
	/* Check every piece before moving any data. */
	st = blk_data(b, c, out, start, len, sector, false);
	if (st == VIRTIO_BLK_S_OK)
		st = blk_data(b, c, out, start, len, sector, true);
	if (st == VIRTIO_BLK_S_OK && out && b->be.flush &&
	    !virtio_has_feature(&b->vdev, VIRTIO_BLK_F_FLUSH) &&
	    b->be.flush(b->be.ctx) < 0)
		st = VIRTIO_BLK_S_IOERR;
	return st;
}

/* Handle one request; returns the bytes written into the chain. */
static uint32_t blk_request(struct virtio_dev *d, struct virtio_chain *c)
{
	struct virtio_blk *b = to_blk(d);
	uint8_t *status = status_byte(c);
	uint8_t hdr[VIRTIO_BLK_REQ_HDR_SIZE];
	uint32_t type, written = 1, data_in;
	uint64_t sector;
	uint8_t st;

	b->stats.requests++;
	if (!status) {
		b->stats.no_status++;
		return 0;
	}
	/* The writable bytes before the status byte. */
	data_in = c->write_len - 1;

	if (c->bad || c->read_len < VIRTIO_BLK_REQ_HDR_SIZE ||
	    virtio_chain_read(c, 0, hdr, sizeof(hdr)) != sizeof(hdr)) {
		st = VIRTIO_BLK_S_IOERR;
		goto done;
	}
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);

	switch (type) {
	case VIRTIO_BLK_T_IN:
		if (c->read_len != VIRTIO_BLK_REQ_HDR_SIZE) {
			st = VIRTIO_BLK_S_IOERR;
			break;
		}
		st = blk_rw(b, c, false, 0, data_in, sector);
		if (st == VIRTIO_BLK_S_OK)
			written += data_in;
		break;
	case VIRTIO_BLK_T_OUT:
		if (data_in != 0) {
			st = VIRTIO_BLK_S_IOERR;
			break;
		}
		st = blk_rw(b, c, true, VIRTIO_BLK_REQ_HDR_SIZE,
			    c->read_len - VIRTIO_BLK_REQ_HDR_SIZE, sector);
		break;
	case VIRTIO_BLK_T_FLUSH:
		/* Offered only with a backend flush; without one there is no
		 * volatile cache and the flush trivially succeeds.  5.2.6.1:
		 * "A driver SHOULD NOT include any data in a VIRTIO_BLK_T_FLUSH
		 * request" - SHOULD, so data is tolerated, and ignored. */
		if (b->be.flush && b->be.flush(b->be.ctx) < 0)
			st = VIRTIO_BLK_S_IOERR;
		else
			st = VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		/* 5.2.6: "The device ID string is a NUL-padded ASCII string
		 * up to 20 bytes long.  If the string is 20 bytes long then
		 * there is no NUL terminator."  The driver gives 20 bytes
		 * (5.2.6.1); a shorter buffer gets the first bytes. */
		uint32_t n = MIN(data_in, (uint32_t)VIRTIO_BLK_ID_BYTES);

		if (c->read_len != VIRTIO_BLK_REQ_HDR_SIZE) {
			st = VIRTIO_BLK_S_IOERR;
			break;
		}
		if (virtio_chain_write(c, 0, b->id, n) != n) {
			st = VIRTIO_BLK_S_IOERR;
			break;
		}
		written += n;
		st = VIRTIO_BLK_S_OK;
		break;
	}
	default:
		/* 5.2.6: VIRTIO_BLK_S_UNSUPP "for a request unsupported by
		 * device" - including DISCARD, WRITE_ZEROES, GET_LIFETIME,
		 * SECURE_ERASE, whose features we never offer. */
		st = VIRTIO_BLK_S_UNSUPP;
		break;
	}

done:
	if (st == VIRTIO_BLK_S_IOERR)
		b->stats.ioerr++;
	else if (st == VIRTIO_BLK_S_UNSUPP)
		b->stats.unsupp++;
	*status = st;
	return written;
}

static void blk_notify(struct virtio_dev *d, unsigned q)
{
	if (q == 0)
		virtio_queue_process(d, 0, blk_request);
}

static const struct virtio_device_ops blk_ops = {
	.notify = blk_notify,
};

/* Build the configuration space (5.2.4, struct virtio_blk_config). */
static void blk_config(struct virtio_blk *b)
{
	uint8_t cfg[VIRTIO_BLK_CFG_LEN] = { 0 };
	uint32_t seg_max = VIRTIO_QUEUE_NUM_MAX - 2;   /* header and status */

	memcpy(cfg + VIRTIO_BLK_CFG_CAPACITY, &b->capacity, 8);
	memcpy(cfg + VIRTIO_BLK_CFG_SEG_MAX, &seg_max, 4);
	virtio_config_set(&b->vdev, cfg, sizeof(cfg));
}

int virtio_blk_init(struct virtio_blk *b, const struct virtio_host *host,
		    const struct virtio_blk_backend *be,
		    const struct virtio_blk_params *p)
{
	uint64_t features = 1ull << VIRTIO_BLK_F_SEG_MAX;
	size_t idlen;

	if (!be->read || !be->write || !host->gpa_to_hva || !host->irq)
		return ERR_INVAL;
	if (be->flush)
		features |= 1ull << VIRTIO_BLK_F_FLUSH;
	if (p->read_only)
		features |= 1ull << VIRTIO_BLK_F_RO;

	virtio_dev_init(&b->vdev, host, &blk_ops, VIRTIO_ID_BLOCK, 1, features);
	b->be = *be;
	b->capacity = p->capacity;
	b->read_only = p->read_only;
	memset(b->id, 0, sizeof(b->id));
	idlen = p->id ? strnlen(p->id, VIRTIO_BLK_ID_BYTES) : 0;
	memcpy(b->id, p->id ? p->id : "", idlen);
	memset(&b->stats, 0, sizeof(b->stats));
	blk_config(b);
	return 0;
}

void virtio_blk_set_capacity(struct virtio_blk *b, uint64_t sectors)
{
	b->capacity = sectors;
	blk_config(b);
}
