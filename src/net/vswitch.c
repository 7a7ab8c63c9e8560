/*
 * vswitch.c - the learning bridge of vswitch.h.
 *
 * Everything runs under sw->lock, and every loop is bounded by a constant
 * (the ports, the FDB, a port's queue), so no frame a guest sends can make
 * the switch do unbounded work or allocate: the cost of one vswitch_send
 * is one copy of the frame per destination port.
 */
#include <string.h>

#include "vswitch.h"

static bool is_multicast(const uint8_t *mac)
{
	return mac[0] & 1;      /* the I/G bit; broadcast ff:ff:... included */
}

void vswitch_init(struct vswitch *sw)
{
	memset(sw, 0, sizeof(*sw));
}

int vswitch_attach(struct vswitch *sw, const char *name,
		   void (*kick)(void *ctx), void *ctx)
{
	int n = ERR_NOMEM;

	spin_lock(&sw->lock);
	for (unsigned i = 0; i < VSWITCH_PORTS_MAX; i++) {
		struct vswitch_port *p = &sw->port[i];

		if (p->attached)
			continue;
		p->attached = true;
		strncpy(p->name, name, sizeof(p->name) - 1);
		p->name[sizeof(p->name) - 1] = 0;
		p->kick = kick;
		p->ctx = ctx;
		p->head = p->count = 0;
		memset(&p->stats, 0, sizeof(p->stats));
		n = (int)i;
		break;
	}
	spin_unlock(&sw->lock);
	return n;
}

/* ---- The forwarding database ------------------------------------------------ */

static struct vswitch_fdb_entry *fdb_find(struct vswitch *sw, const uint8_t *mac)
{
	for (unsigned i = 0; i < VSWITCH_FDB_SIZE; i++)
		if (sw->fdb[i].valid && !memcmp(sw->fdb[i].mac, mac, 6))
			return &sw->fdb[i];
	return NULL;
}

/* 'mac' was seen coming in on 'port'.  A full table forgets the address
 * seen least recently (a guest sending from many addresses only makes the
 * switch flood more, never fail). */
static void fdb_learn(struct vswitch *sw, const uint8_t *mac, unsigned port)
{
	struct vswitch_fdb_entry *e = fdb_find(sw, mac);

	if (!e) {
		e = &sw->fdb[0];
		for (unsigned i = 0; i < VSWITCH_FDB_SIZE; i++) {
			if (!sw->fdb[i].valid) {
				e = &sw->fdb[i];
				break;
			}
			if (sw->fdb[i].seen < e->seen)
				e = &sw->fdb[i];
		}
		e->valid = true;
		memcpy(e->mac, mac, 6);
	}
	e->port = (uint8_t)port;    /* a station that moved is followed */
	e->seen = sw->clock;
}

int vswitch_lookup(struct vswitch *sw, const uint8_t mac[6])
{
	int port;

	spin_lock(&sw->lock);
	struct vswitch_fdb_entry *e = fdb_find(sw, mac);
	port = e ? e->port : -1;
	spin_unlock(&sw->lock);
	return port;
}

/* ---- Forwarding ----------------------------------------------------------------- */

/* Copy the frame into port p's queue, or count a drop. */
static bool enqueue(struct vswitch_port *p, const uint8_t *frame, uint32_t len)
{
	struct vswitch_frame *f;

	if (p->count == VSWITCH_QUEUE_LEN) {
		p->stats.dropped++;
		return false;
	}
	f = &p->q[(p->head + p->count) % VSWITCH_QUEUE_LEN];
	f->len = len;
	memcpy(f->data, frame, len);
	p->count++;
	p->stats.queued++;
	return true;
}

int vswitch_send(struct vswitch *sw, unsigned in, const uint8_t *frame, uint32_t len)
{
	const uint8_t *dst = frame, *src = frame + 6;
	uint32_t kick = 0;      /* the ports a frame was queued for */
	int n = 0;

	if (in >= VSWITCH_PORTS_MAX)
		return ERR_RANGE;
	spin_lock(&sw->lock);
	if (!sw->port[in].attached) {
		spin_unlock(&sw->lock);
		return ERR_RANGE;
	}
	sw->port[in].stats.in++;
	if (len < VSWITCH_FRAME_MIN || len > VSWITCH_FRAME_MAX) {
		sw->port[in].stats.in_bad++;
		spin_unlock(&sw->lock);
		return ERR_RANGE;
	}
	sw->clock++;
	/* A multicast source address is not a station's: never learned. */
	if (!is_multicast(src))
		fdb_learn(sw, src, in);

	struct vswitch_fdb_entry *e = is_multicast(dst) ? NULL : fdb_find(sw, dst);
	if (e) {
		/* Known: that port only (nowhere if it is the ingress). */
		if (e->port != in && sw->port[e->port].attached &&
		    enqueue(&sw->port[e->port], frame, len)) {
			kick |= 1u << e->port;
			n++;
		}
	} else {
		/* Broadcast, multicast, or unknown: flood. */
		for (unsigned i = 0; i < VSWITCH_PORTS_MAX; i++) {
			if (i == in || !sw->port[i].attached)
				continue;
			if (enqueue(&sw->port[i], frame, len)) {
				kick |= 1u << i;
				n++;
			}
		}
	}
	spin_unlock(&sw->lock);

	/* Kicks run unlocked: a port's owner may want the switch again. */
	for (unsigned i = 0; i < VSWITCH_PORTS_MAX; i++)
		if ((kick >> i) & 1 && sw->port[i].kick)
			sw->port[i].kick(sw->port[i].ctx);
	return n;
}

unsigned vswitch_drain(struct vswitch *sw, unsigned port,
		       int (*deliver)(void *ctx, const uint8_t *frame, uint32_t len),
		       void *ctx)
{
	struct vswitch_port *p;
	unsigned done = 0;

	if (port >= VSWITCH_PORTS_MAX)
		return 0;
	p = &sw->port[port];
	spin_lock(&sw->lock);
	while (p->attached && p->count) {
		struct vswitch_frame *f = &p->q[p->head];
		int r = deliver(ctx, f->data, f->len);

		if (r == 0)
			break;
		p->head = (p->head + 1) % VSWITCH_QUEUE_LEN;
		p->count--;
		if (r > 0) {
			p->stats.out++;
			done++;
		} else {
			p->stats.dropped++;
		}
	}
	spin_unlock(&sw->lock);
	return done;
}

unsigned vswitch_pending(struct vswitch *sw, unsigned port)
{
	unsigned n;

	if (port >= VSWITCH_PORTS_MAX)
		return 0;
	spin_lock(&sw->lock);
	n = sw->port[port].count;
	spin_unlock(&sw->lock);
	return n;
}

int vswitch_port_stats(struct vswitch *sw, unsigned port, struct vswitch_port_stats *out)
{
	int err = 0;

	if (port >= VSWITCH_PORTS_MAX)
		return ERR_RANGE;
	spin_lock(&sw->lock);
	if (sw->port[port].attached)
		*out = sw->port[port].stats;
	else
		err = ERR_RANGE;
	spin_unlock(&sw->lock);
	return err;
}
