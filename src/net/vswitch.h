/*
 * vswitch.h - Umbra's virtual switch: a learning Ethernet bridge between
 * the VMs' network cards and the uplink (the host's card).
 *
 * A bridge (IEEE 802.1D, "transparent bridging") learns where each address
 * lives from the source address of every frame it sees, and forwards:
 *   - to a multicast or broadcast address (first byte's low bit set):
 *     every port but the one it came in on ("flooding");
 *   - to a unicast address it learned: that port only, or nowhere if that
 *     is the port it came in on (the two ends are on the same segment);
 *   - to a unicast address it has not learned: flooding again.
 * A frame never goes back out of its ingress port.
 *
 * Each port has a bounded queue of frames waiting to be taken (a fixed ring
 * of VSWITCH_QUEUE_LEN frame buffers): when it is full, further frames for
 * that port are dropped and counted against the port.  So a guest that
 * floods the switch fills the other ports' queues at worst - each of which
 * its owner drains at its own pace - and costs nobody memory or time
 * beyond that.  The forwarding table is fixed-size too (the least recently
 * seen address makes room).
 *
 * Pure like the device models (no CSRs, no allocation): the caller owns the
 * struct; host unit tests run it.  One spinlock (sw->lock, see lock.h's
 * ORDER: taken after a board lock and after the uplink lock) guards it all;
 * it is never held while a port's kick runs.
 */
#ifndef UMBRA_VSWITCH_H
#define UMBRA_VSWITCH_H

#include "umbra.h"
#include "lock.h"

#define VSWITCH_PORTS_MAX   9     /* a port per VM (up to 8) and the uplink */
#define VSWITCH_QUEUE_LEN   64    /* frames a port can have waiting */
#define VSWITCH_FDB_SIZE    64    /* learned addresses */
#define VSWITCH_FRAME_MAX   1514  /* Ethernet: 14-byte header + 1500 */
#define VSWITCH_FRAME_MIN   14
#define VSWITCH_NAME_LEN    16

struct vswitch_frame {
	uint32_t len;
	uint8_t data[VSWITCH_FRAME_MAX];
};

struct vswitch_port_stats {
	uint64_t in;        /* frames the port sent into the switch */
	uint64_t in_bad;    /* ... of a size no Ethernet frame has (dropped) */
	uint64_t queued;    /* frames queued for the port */
	uint64_t out;       /* ... and taken by it */
	uint64_t dropped;   /* frames for the port lost: its queue was full */
};

struct vswitch_port {
	bool attached;
	char name[VSWITCH_NAME_LEN];
	/* Frames were queued for the port: its owner should take them soon.
	 * Called without the switch's lock (the caller of vswitch_send may
	 * hold its own board lock: a kick must not take another one). */
	void (*kick)(void *ctx);
	void *ctx;
	unsigned head, count;           /* the ring of waiting frames */
	struct vswitch_frame q[VSWITCH_QUEUE_LEN];
	struct vswitch_port_stats stats;
};

/* A learned address: 'mac' was last seen coming in on 'port'. */
struct vswitch_fdb_entry {
	bool valid;
	uint8_t mac[6];
	uint8_t port;
	uint64_t seen;                  /* sw->clock when it was last seen */
};

struct vswitch {
	spinlock_t lock;
	uint64_t clock;                 /* counts frames: the FDB's LRU clock */
	struct vswitch_fdb_entry fdb[VSWITCH_FDB_SIZE];
	struct vswitch_port port[VSWITCH_PORTS_MAX];
};

void vswitch_init(struct vswitch *sw);
/* A new port: its number, or ERR_NOMEM when all are taken.  'kick' may be
 * NULL (the owner polls). */
int vswitch_attach(struct vswitch *sw, const char *name,
		   void (*kick)(void *ctx), void *ctx);
/*
 * A frame (copied) came in on 'port': learn its source, queue it for the
 * ports it goes to, kick those.  Returns how many ports it was queued for
 * (0: filtered, or dropped everywhere), or ERR_RANGE for a bad port or a
 * frame shorter than VSWITCH_FRAME_MIN or longer than VSWITCH_FRAME_MAX.
 */
int vswitch_send(struct vswitch *sw, unsigned port, const uint8_t *frame, uint32_t len);
/*
 * Hand the frames waiting for 'port' to deliver(), oldest first, while it
 * takes them (returns > 0); a frame it refuses (0: no room right now)
 * stays queued, and so do the ones behind it; one it fails (< 0) is
 * dropped (counted) and the next one is offered.  deliver() runs under the
 * switch's lock: it may write the frame into guest memory and raise an
 * interrupt, but not take a lock above the switch's.  Returns the number
 * taken.
 */
unsigned vswitch_drain(struct vswitch *sw, unsigned port,
		       int (*deliver)(void *ctx, const uint8_t *frame, uint32_t len),
		       void *ctx);
/* Frames waiting for 'port'. */
unsigned vswitch_pending(struct vswitch *sw, unsigned port);
/* A copy of a port's counters (ERR_RANGE for a port not attached). */
int vswitch_port_stats(struct vswitch *sw, unsigned port, struct vswitch_port_stats *out);
/* The port 'mac' was learned on, or -1. */
int vswitch_lookup(struct vswitch *sw, const uint8_t mac[6]);

#endif
