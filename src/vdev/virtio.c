/*
 * virtio.c - the virtio-mmio transport, version 2 ("modern"), and split
 * virtqueues: the part every virtio device model shares.
 *
 * Spec: Virtio 1.1.  Section 4.2.2 is the register file, 2.1 the status
 * byte, 3.1 the initialization handshake, 2.6 the split virtqueue.
 *
 * The guest is untrusted.  Everything it writes - queue addresses, ring
 * indices, descriptors - is checked before use, and guest memory is only
 * ever reached through host->gpa_to_hva() with the exact range about to be
 * touched.  Each shared field (a ring index, a descriptor) is copied out of
 * guest memory once and only the copy is used, so a guest changing it
 * underneath (another vCPU, later) cannot make a check and a use disagree.
 *
 * Errors the guest makes fall in two classes:
 *   - a broken queue (indices that cannot be right, a chain that loops):
 *     the device cannot go on safely, so it sets DEVICE_NEEDS_RESET and
 *     sends a configuration change notification (2.1.2: "The device SHOULD
 *     set DEVICE_NEEDS_RESET when it enters an error state that a reset is
 *     needed. If DRIVER_OK is set, after it sets DEVICE_NEEDS_RESET, the
 *     device MUST send a device configuration change notification").
 *   - a bad request (a buffer outside guest RAM, readable after writable,
 *     the wrong layout for the device): the chain is marked 'bad', the
 *     device model fails that one request (blk: status IOERR) and the
 *     queue goes on.
 */
#include <string.h>

#include "virtio.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "virtio structures are little-endian; so must the host be");

#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

/* ---- Guest memory ------------------------------------------------------------ */

/* The host view of [gpa, gpa+len), or NULL.  Rejects empty and wrapping
 * ranges here so the callback never sees them. */
static uint8_t *g2h(const struct virtio_dev *d, uint64_t gpa, uint64_t len)
{
	if (len == 0 || gpa + len < gpa)
		return NULL;
	return d->host.gpa_to_hva(d->host.ctx, gpa, len);
}

/* Little-endian loads and stores through host pointers of any alignment. */
static inline uint16_t ld16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t ld32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t ld64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void st16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void st32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/*
 * Ordering against the driver (2.6.13 / 2.6.14): read avail->idx BEFORE the
 * ring entries and descriptors it publishes; write the used element BEFORE
 * used->idx; write used->idx BEFORE reading avail->flags to decide on an
 * interrupt.  One vCPU makes these compiler barriers in practice; with more
 * harts they are real fences.  They also keep the compiler from re-reading
 * a guest field after it was checked.
 */
#define rmb()  __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb()  __atomic_thread_fence(__ATOMIC_RELEASE)
#define mb()   __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* ---- Interrupts and status ------------------------------------------------ */

static void update_irq(struct virtio_dev *d)
{
	bool level = d->int_status != 0;

	if (level != d->irq_level) {
		d->irq_level = level;
		d->host.irq(d->host.ctx, level);
	}
}

/* 4.2.2: "The device MUST present each event by setting the corresponding
 * bit in InterruptStatus from the moment it takes place, until the driver
 * acknowledges the interrupt by writing a corresponding bit mask to the
 * InterruptACK register." */
static void raise_int(struct virtio_dev *d, uint32_t bits)
{
	d->int_status |= bits;
	update_irq(d);
}

bool virtio_live(const struct virtio_dev *d)
{
	return (d->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_DEVICE_NEEDS_RESET |
			     VIRTIO_STATUS_FAILED)) == VIRTIO_STATUS_DRIVER_OK;
}

/* The device can no longer trust what the driver gave it (2.1.2). */
static void needs_reset(struct virtio_dev *d)
{
	if (d->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
		return;
	d->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	if (d->status & VIRTIO_STATUS_DRIVER_OK)
		raise_int(d, VIRTIO_MMIO_INT_CONFIG);
}

static void queue_clear(struct virtq *vq)
{
	vq->num = 0;
	vq->ready = false;
	vq->desc = vq->driver = vq->device = 0;
	vq->last_avail = vq->used_idx = 0;
	vq->chain.n = 0;
}

/*
 * Device reset: the driver wrote 0 to Status (2.1, 4.2.2: "Upon reset, the
 * device MUST clear all bits in InterruptStatus and ready bits in the
 * QueueReady register for all queues in the device").  Everything the
 * driver set up is forgotten; the configuration space stays.
 */
static void device_reset(struct virtio_dev *d)
{
	d->status = 0;
	d->device_features_sel = d->driver_features_sel = d->queue_sel = 0;
	d->driver_features = d->features = 0;
	for (unsigned q = 0; q < VIRTIO_QUEUES_MAX; q++)
		queue_clear(&d->vq[q]);
	d->int_status = 0;
	update_irq(d);
	if (d->ops->reset)
		d->ops->reset(d);
}

void virtio_dev_init(struct virtio_dev *d, const struct virtio_host *host,
		     const struct virtio_device_ops *ops, uint32_t device_id,
		     unsigned num_queues, uint64_t device_features)
{
	memset(d, 0, sizeof(*d));
	d->host = *host;
	d->ops = ops;
	d->device_id = device_id;
	d->num_queues = MIN(num_queues, (unsigned)VIRTIO_QUEUES_MAX);
	/* 6.2: "A device MUST offer VIRTIO_F_VERSION_1"; we only speak the
	 * modern interface, so it is also required (see features_acceptable). */
	d->device_features = device_features | (1ull << VIRTIO_F_VERSION_1);
	/* No indirect descriptors, no event index, no packed rings. */
	d->device_features &= ~((1ull << VIRTIO_F_INDIRECT_DESC) |
				(1ull << VIRTIO_F_EVENT_IDX) |
				(1ull << VIRTIO_F_RING_PACKED));
}

void virtio_config_set(struct virtio_dev *d, const void *cfg, uint32_t len)
{
	len = MIN(len, (uint32_t)VIRTIO_CONFIG_MAX);
	memset(d->config, 0, sizeof(d->config));
	memcpy(d->config, cfg, len);
	d->config_len = len;
	/* 4.2.2: "The device MUST change value returned in ConfigGeneration if
	 * there is any risk of a driver seeing an inconsistent configuration
	 * state." */
	d->config_generation++;
	if (d->status & VIRTIO_STATUS_DRIVER_OK)
		raise_int(d, VIRTIO_MMIO_INT_CONFIG);
}

/* ---- Feature negotiation and the status byte (2.1, 2.2, 3.1.1) ---------- */

/* 3.1.1 steps 5-6: the driver sets FEATURES_OK and re-reads Status.  2.2.2:
 * "The device SHOULD accept any valid subset of features the driver
 * accepts, otherwise it MUST fail to set the FEATURES_OK device status bit
 * when the driver writes it."  Valid here: nothing we did not offer (2.2.1:
 * "The driver MUST NOT accept a feature which the device did not offer"),
 * and VERSION_1 accepted (6.2: "A device MAY fail to operate further if
 * VIRTIO_F_VERSION_1 is not accepted" - we have no legacy interface). */
static bool features_acceptable(const struct virtio_dev *d)
{
	return (d->driver_features & ~d->device_features) == 0 &&
	       (d->driver_features >> VIRTIO_F_VERSION_1) & 1;
}

static void write_status(struct virtio_dev *d, uint32_t val)
{
	uint32_t old = d->status, set;

	if (val == 0) {
		device_reset(d);
		return;
	}
	/* "The driver MUST NOT clear a device status bit" (2.1.1): only reset
	 * clears, so a write can only add bits.  DEVICE_NEEDS_RESET is the
	 * device's to set. */
	set = val & 0xff & ~old & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET;

	if (set & VIRTIO_STATUS_FEATURES_OK) {
		if (features_acceptable(d))
			d->features = d->driver_features;
		else
			set &= ~VIRTIO_STATUS_FEATURES_OK;
	}
	/* DRIVER_OK before FEATURES_OK is a legacy driver's sequence (3.1.1
	 * order: ..., FEATURES_OK, queues, DRIVER_OK); refuse it: without
	 * FEATURES_OK nothing was negotiated. */
	if ((set & VIRTIO_STATUS_DRIVER_OK) &&
	    !((old | set) & VIRTIO_STATUS_FEATURES_OK))
		set &= ~VIRTIO_STATUS_DRIVER_OK;

	d->status = old | set;

	/* The device may now use buffers the driver made available before
	 * DRIVER_OK (2.1.2: "The device MUST NOT consume buffers or send any
	 * used buffer notifications to the driver before DRIVER_OK"). */
	if ((set & VIRTIO_STATUS_DRIVER_OK) && virtio_live(d)) {
		for (unsigned q = 0; q < d->num_queues; q++)
			if (d->vq[q].ready && virtio_live(d))
				d->ops->notify(d, q);
	}
}

/* ---- Queue setup (4.2.3.2) ------------------------------------------------ */

/*
 * QueueReady <- 1: the only point where the queue's size and addresses are
 * accepted.  Split queue sizes are powers of two (2.6: "Queue Size value
 * is always a power of 2. The maximum Queue Size value is 32768"), at most
 * QueueNumMax (4.2.2
 * driver requirement), the areas aligned as 2.6's table says, and all
 * three wholly in guest RAM.  While ready, the size and address registers
 * ignore writes (4.2.2: "When QueueReady is not zero, the driver MUST NOT
 * access QueueNum, QueueDescLow, ..."), so what was checked stays true.
 */
static bool queue_valid(const struct virtio_dev *d, const struct virtq *vq)
{
	uint32_t n = vq->num;

	if (n == 0 || n > VIRTIO_QUEUE_NUM_MAX || (n & (n - 1)))
		return false;
	if (vq->desc % VIRTQ_DESC_ALIGN || vq->driver % VIRTQ_AVAIL_ALIGN ||
	    vq->device % VIRTQ_USED_ALIGN)
		return false;
	return g2h(d, vq->desc, VIRTQ_DESC_BYTES(n)) &&
	       g2h(d, vq->driver, VIRTQ_AVAIL_BYTES(n)) &&
	       g2h(d, vq->device, VIRTQ_USED_BYTES(n));
}

static void write_queue_ready(struct virtio_dev *d, struct virtq *vq, uint32_t val)
{
	if (!(val & 1)) {
		/* 4.2.2: "To stop using the queue the driver MUST write zero
		 * (0x0) to this QueueReady".  The next enable starts afresh. */
		vq->ready = false;
		return;
	}
	if (vq->ready)
		return;
	if (!queue_valid(d, vq)) {
		/* There is no error register for queue setup: the queue stays
		 * not ready (a driver reading QueueReady back sees 0), and the
		 * device needs a reset before it can be used. */
		needs_reset(d);
		return;
	}
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->ready = true;
}

/* ---- The register file (4.2.2) -------------------------------------------------- */

static uint32_t reg_read(struct virtio_dev *d, uint32_t off)
{
	struct virtq *vq = d->queue_sel < d->num_queues ? &d->vq[d->queue_sel] : NULL;

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:   return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:       return VIRTIO_MMIO_VERSION_MODERN;
	case VIRTIO_MMIO_DEVICE_ID:     return d->device_id;
	case VIRTIO_MMIO_VENDOR_ID:     return VIRTIO_VENDOR_UMBRA;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return d->device_features_sel < 2 ?
		       (uint32_t)(d->device_features >> (32 * d->device_features_sel)) : 0;
	/* "Reading from the register returns the maximum size of the queue
	 * the device is ready to process or zero (0x0) if the queue is not
	 * available." */
	case VIRTIO_MMIO_QUEUE_NUM_MAX: return vq ? VIRTIO_QUEUE_NUM_MAX : 0;
	case VIRTIO_MMIO_QUEUE_READY:   return vq && vq->ready;
	case VIRTIO_MMIO_INTERRUPT_STATUS: return d->int_status;
	case VIRTIO_MMIO_STATUS:        return d->status;
	/* Write-only in the spec; reading back what was written is harmless
	 * and handy for debugging. */
	case VIRTIO_MMIO_QUEUE_NUM:         return vq ? vq->num : 0;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:    return vq ? (uint32_t)vq->desc : 0;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:   return vq ? (uint32_t)(vq->desc >> 32) : 0;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:  return vq ? (uint32_t)vq->driver : 0;
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH: return vq ? (uint32_t)(vq->driver >> 32) : 0;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:  return vq ? (uint32_t)vq->device : 0;
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH: return vq ? (uint32_t)(vq->device >> 32) : 0;
	/* No shared memory regions: "Reading from a non-existent region ...
	 * results in a length of -1" and a base of all ones (1.2). */
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return 0xffffffff;
	case VIRTIO_MMIO_CONFIG_GENERATION: return d->config_generation;
	default:
		return 0;   /* write-only and unassigned registers read as zero */
	}
}

/* Replace the low or high half of a 64-bit queue address register. */
static void set_half(uint64_t *r, bool high, uint32_t val)
{
	if (high)
		*r = (*r & 0xffffffffull) | (uint64_t)val << 32;
	else
		*r = (*r & ~0xffffffffull) | val;
}

static void reg_write(struct virtio_dev *d, uint32_t off, uint32_t val)
{
	struct virtq *vq = d->queue_sel < d->num_queues ? &d->vq[d->queue_sel] : NULL;
	/* Size and addresses are frozen while the queue is ready. */
	struct virtq *setup = vq && !vq->ready ? vq : NULL;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL: d->device_features_sel = val; break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL: d->driver_features_sel = val; break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* Once FEATURES_OK is set the negotiated set is fixed (3.1.1). */
		if (!(d->status & VIRTIO_STATUS_FEATURES_OK) && d->driver_features_sel < 2)
			set_half(&d->driver_features, d->driver_features_sel == 1, val);
		break;
	case VIRTIO_MMIO_QUEUE_SEL:  d->queue_sel = val; break;
	case VIRTIO_MMIO_QUEUE_NUM:  if (setup) setup->num = val; break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:    if (setup) set_half(&setup->desc, false, val); break;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:   if (setup) set_half(&setup->desc, true, val); break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:  if (setup) set_half(&setup->driver, false, val); break;
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH: if (setup) set_half(&setup->driver, true, val); break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:  if (setup) set_half(&setup->device, false, val); break;
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH: if (setup) set_half(&setup->device, true, val); break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (vq)
			write_queue_ready(d, vq, val);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/* Without VIRTIO_F_NOTIFICATION_DATA the value is the queue
		 * index (4.2.3, available buffer notifications).  Processing is
	 * synchronous, right here. */
		if (val < d->num_queues && d->vq[val].ready && virtio_live(d))
			d->ops->notify(d, val);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		d->int_status &= ~val;
		update_irq(d);
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(d, val);
		break;
	default:
		break;   /* read-only and unassigned registers ignore writes */
	}
}

int virtio_mmio_rw(struct virtio_dev *d, uint64_t offset, unsigned width,
		   bool write, uint64_t *val)
{
	if (width != 1 && width != 2 && width != 4 && width != 8)
		return ERR_INVAL;
	if (offset >= VIRTIO_MMIO_SIZE || width > VIRTIO_MMIO_SIZE - offset)
		return ERR_RANGE;

	if (offset >= VIRTIO_MMIO_CONFIG) {
		/* The device-specific configuration space "is accessed with
		 * byte alignment" (4.2.2): any width at any offset.  Bytes
		 * past the device's structure read as zero.  None of our
		 * config fields is driver-writable, so writes are ignored. */
		uint64_t at = offset - VIRTIO_MMIO_CONFIG;

		if (!write) {
			uint8_t bytes[8] = { 0 };

			for (unsigned i = 0; i < width; i++)
				if (at + i < d->config_len)
					bytes[i] = d->config[at + i];
			*val = ld64(bytes);
		}
		return 0;
	}

	/* 4.2.2: "The driver MUST only use 32 bit wide and aligned reads and
	 * writes to access the control registers".  Anything else is a bus
	 * error. */
	if (width != 4 || offset % 4)
		return ERR_INVAL;
	if (write)
		reg_write(d, (uint32_t)offset, (uint32_t)*val);
	else
		*val = reg_read(d, (uint32_t)offset);
	return 0;
}

int virtio_mmio_access(struct vdev *v, uint64_t offset, unsigned width,
		       bool write, uint64_t *val)
{
	return virtio_mmio_rw((struct virtio_dev *)v->priv, offset, width, write, val);
}

/* ---- Split virtqueues (2.6) -------------------------------------------------------- */

/* The three areas of a ready queue, translated afresh for each use (guest
 * RAM does not move in Umbra, but this keeps the model honest if it ever
 * does: nothing is cached across calls). */
struct rings {
	uint8_t *desc, *avail, *used;
};

static bool rings_get(struct virtio_dev *d, const struct virtq *vq, struct rings *r)
{
	r->desc = g2h(d, vq->desc, VIRTQ_DESC_BYTES(vq->num));
	r->avail = g2h(d, vq->driver, VIRTQ_AVAIL_BYTES(vq->num));
	r->used = g2h(d, vq->device, VIRTQ_USED_BYTES(vq->num));
	return r->desc && r->avail && r->used;
}

/*
 * Gather the chain that starts at descriptor 'head' (2.6.5).  Each
 * descriptor is copied out of the table once.  Returns false if the queue
 * is broken: an index >= N, or more than N descriptors - a chain visits
 * each of the N descriptors at most once, so a longer one loops (2.6.5.1:
 * "Drivers MUST NOT add a descriptor chain longer than 2^32 bytes in total;
 * this implies that loops in the descriptor chain are forbidden!").
 * Problems with single buffers only make the chain 'bad'.
 */
static bool chain_gather(struct virtio_dev *d, const struct virtq *vq,
			 const uint8_t *desc_table, uint16_t head,
			 struct virtio_chain *c)
{
	uint64_t rlen = 0, wlen = 0;
	bool seen_writable = false;
	uint32_t i = head;

	c->head = head;
	c->n = 0;
	c->bad = false;

	for (;;) {
		uint8_t raw[VIRTQ_DESC_SIZE];
		uint64_t addr;
		uint32_t len;
		uint16_t flags, next;
		struct virtio_buf *b;

		if (i >= vq->num || c->n >= vq->num)
			return false;
		memcpy(raw, desc_table + (size_t)i * VIRTQ_DESC_SIZE, sizeof(raw));
		addr = ld64(raw);
		len = ld32(raw + 8);
		flags = ld16(raw + 12);
		next = ld16(raw + 14);

		b = &c->buf[c->n++];
		b->len = len;
		b->writable = flags & VIRTQ_DESC_F_WRITE;
		b->hva = NULL;
		if (flags & VIRTQ_DESC_F_INDIRECT) {
			/* 2.6.5.3.1: "The driver MUST NOT set the
			 * VIRTQ_DESC_F_INDIRECT flag unless the
			 * VIRTIO_F_INDIRECT_DESC feature was negotiated" -
			 * and we never offer it. */
			c->bad = true;
		} else if (len) {
			b->hva = g2h(d, addr, len);
			if (!b->hva)
				c->bad = true;
		}
		if (b->writable)
			seen_writable = true;
		else if (seen_writable)
			c->bad = true;      /* readable after writable (2.6.4.2) */
		if (b->writable)
			wlen += len;
		else
			rlen += len;

		if (!(flags & VIRTQ_DESC_F_NEXT))
			break;
		i = next;
	}
	if (rlen > UINT32_MAX || wlen > UINT32_MAX) {
		c->bad = true;
		rlen = MIN(rlen, (uint64_t)UINT32_MAX);
		wlen = MIN(wlen, (uint64_t)UINT32_MAX);
	}
	c->read_len = (uint32_t)rlen;
	c->write_len = (uint32_t)wlen;
	return true;
}

int virtq_pop(struct virtio_dev *d, unsigned q, struct virtio_chain **out)
{
	struct virtq *vq;
	struct rings r;
	uint16_t avail_idx, pending, head;

	if (q >= d->num_queues || !virtio_live(d) || !d->vq[q].ready)
		return 0;
	vq = &d->vq[q];
	if (!rings_get(d, vq, &r))
		goto broken;

	/* 2.6.6: avail->idx is where the driver will put the next entry; it
	 * only ever runs ahead of us by at most N. */
	avail_idx = ld16(r.avail + 2);
	rmb();
	pending = (uint16_t)(avail_idx - vq->last_avail);
	if (pending == 0)
		return 0;
	if (pending > vq->num)
		goto broken;

	head = ld16(r.avail + 4 + 2 * (vq->last_avail % vq->num));
	if (!chain_gather(d, vq, r.desc, head, &vq->chain))
		goto broken;
	vq->last_avail++;
	*out = &vq->chain;
	return 1;

broken:
	needs_reset(d);
	return ERR_INVAL;
}

void virtq_push(struct virtio_dev *d, unsigned q, const struct virtio_chain *c,
		uint32_t len)
{
	struct virtq *vq;
	uint8_t *used;
	uint8_t *elem;

	if (q >= d->num_queues || !d->vq[q].ready)
		return;
	vq = &d->vq[q];
	used = g2h(d, vq->device, VIRTQ_USED_BYTES(vq->num));
	if (!used) {
		needs_reset(d);
		return;
	}
	/* 2.6.8.1: "The device MUST set len prior to updating the used idx",
	 * and "MUST write at least len bytes to descriptor, beginning at the
	 * first device-writable buffer": len counts bytes written, so it can
	 * never exceed the writable part. */
	len = MIN(len, c->write_len);
	elem = used + 4 + 8 * (size_t)(vq->used_idx % vq->num);
	st32(elem, c->head);
	st32(elem + 4, len);
	wmb();
	vq->used_idx++;
	st16(used + 2, vq->used_idx);
}

void virtq_notify_used(struct virtio_dev *d, unsigned q)
{
	struct virtq *vq;
	uint8_t *avail;

	if (q >= d->num_queues || !d->vq[q].ready)
		return;
	vq = &d->vq[q];
	/* 2.6.7.2 (no VIRTIO_F_EVENT_IDX): "If flags is 1, the device SHOULD
	 * NOT send a notification".  Read after publishing used->idx. */
	mb();
	avail = g2h(d, vq->driver, VIRTQ_AVAIL_BYTES(vq->num));
	if (!avail) {
		needs_reset(d);
		return;
	}
	if (ld16(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT)
		return;
	raise_int(d, VIRTIO_MMIO_INT_VRING);
}

unsigned virtio_queue_process(struct virtio_dev *d, unsigned q,
			      uint32_t (*fn)(struct virtio_dev *d, struct virtio_chain *c))
{
	struct virtio_chain *c;
	unsigned done = 0;

	while (virtq_pop(d, q, &c) > 0) {
		virtq_push(d, q, c, fn(d, c));
		done++;
	}
	if (done)
		virtq_notify_used(d, q);
	return done;
}

/* ---- Stream access to a chain --------------------------------------------------- */

/* Copy between 'mem' and bytes [off, off+len) of the chain's readable
 * (writable = false) or writable stream. */
static uint32_t chain_copy(const struct virtio_chain *c, bool writable,
			   uint32_t off, uint8_t *mem, uint32_t len)
{
	uint32_t done = 0;

	for (unsigned i = 0; i < c->n && done < len; i++) {
		const struct virtio_buf *b = &c->buf[i];
		uint32_t n;

		if (b->writable != writable)
			continue;
		if (off >= b->len) {
			off -= b->len;
			continue;
		}
		if (!b->hva)
			break;              /* not guest RAM: stop short */
		n = MIN(b->len - off, len - done);
		if (writable)
			memcpy(b->hva + off, mem + done, n);
		else
			memcpy(mem + done, b->hva + off, n);
		done += n;
		off = 0;
	}
	return done;
}

uint32_t virtio_chain_read(const struct virtio_chain *c, uint32_t off,
			   void *dst, uint32_t len)
{
	return chain_copy(c, false, off, dst, len);
}

uint32_t virtio_chain_write(const struct virtio_chain *c, uint32_t off,
			    const void *src, uint32_t len)
{
	return chain_copy(c, true, off, (uint8_t *)src, len);
}
