/*
 * virtio_net.c - a virtio network card (Virtio 1.1 section 5.1) over the
 * virtio-mmio transport of virtio.c: one queue pair, no
 * VIRTIO_NET_F_MQ, so exactly two queues (5.1.2): 0 receiveq1 (device ->
 * driver) and 1 transmitq1 (driver -> device).  No control queue
 * (VIRTIO_NET_F_CTRL_VQ is not offered).
 *
 * Every frame in either direction is preceded by a struct virtio_net_hdr
 * (5.1.6), 12 bytes with VIRTIO_F_VERSION_1.  Only VIRTIO_NET_F_MAC and
 * VIRTIO_NET_F_STATUS are offered: no checksum offload, no segmentation
 * offload (GSO/TSO), no mergeable receive buffers.  So (5.1.6.2, 5.1.6.3):
 *   - the driver sends complete, checksummed frames of at most 1514 bytes;
 *     its header's gso_type must be VIRTIO_NET_HDR_GSO_NONE and the flags
 *     ask for nothing we would have to do;
 *   - the device writes one frame per receive chain, with a header that
 *     says nothing but num_buffers = 1 (the field is there with VERSION_1,
 *     and 5.1.6.4.1: "If VIRTIO_NET_F_MRG_RXBUF has not been negotiated,
 *     the device MUST set num_buffers to 1").
 *
 * The guest is untrusted (virtio.c checked every descriptor already):
 *   - a transmit chain must be readable only (5.1.6.2: the driver places
 *     the header and the frame in device-readable buffers), hold the header
 *     and a frame of ETH_HLEN..ETH_FRAME_MAX bytes, and ask for no GSO.
 *     Anything else - including a chain virtio.c found bad (a buffer outside
 *     guest RAM, readable after writable) - is dropped (stats.tx_bad) and
 *     returned with used length 0.  A real card drops what it cannot send
 *     the same way: there is no error status on the transmit queue.
 *   - a receive chain must be writable only and hold the header plus the
 *     frame (5.1.6.3.1: without mergeable buffers the driver "SHOULD
 *     populate the receive queue(s) with buffers of at least 1526 bytes").
 *     One that does not is returned empty (used length 0, which Linux
 *     counts as a length error and recycles) and the frame is offered to
 *     the next chain.
 *   - a broken queue (a loop, an index out of range) is virtio.c's
 *     business: DEVICE_NEEDS_RESET, nothing more is processed.
 * The transmitted frame is copied out of guest memory once, into
 * n->frame, before the backend sees it: the guest cannot change it while
 * the switch looks at its addresses.
 */
#include <string.h>

#include "virtio.h"

#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

static struct virtio_net *to_net(struct virtio_dev *d)
{
	return container_of(d, struct virtio_net, vdev);
}

/* One transmitq chain: nothing is written into it, so used length 0. */
static uint32_t net_tx(struct virtio_dev *d, struct virtio_chain *c)
{
	struct virtio_net *n = to_net(d);
	uint8_t hdr[VIRTIO_NET_HDR_SIZE];
	uint32_t len;

	if (c->bad || c->write_len != 0 || c->read_len < VIRTIO_NET_HDR_SIZE + ETH_HLEN ||
	    c->read_len > VIRTIO_NET_HDR_SIZE + ETH_FRAME_MAX)
		goto drop;
	len = c->read_len - VIRTIO_NET_HDR_SIZE;
	if (virtio_chain_read(c, 0, hdr, sizeof(hdr)) != sizeof(hdr) ||
	    hdr[VIRTIO_NET_HDR_GSO_TYPE] != VIRTIO_NET_HDR_GSO_NONE)
		goto drop;
	if (virtio_chain_read(c, VIRTIO_NET_HDR_SIZE, n->frame, len) != len)
		goto drop;
	n->stats.tx_frames++;
	n->stats.tx_bytes += len;
	n->be.tx(n->be.ctx, n->frame, len);
	return 0;
drop:
	n->stats.tx_bad++;
	return 0;
}

static void net_notify(struct virtio_dev *d, unsigned q)
{
	struct virtio_net *n = to_net(d);

	if (q == VIRTIO_NET_TX_Q)
		virtio_queue_process(d, q, net_tx);
	else if (q == VIRTIO_NET_RX_Q && n->be.rx_ready)
		n->be.rx_ready(n->be.ctx);
}

static const struct virtio_device_ops net_ops = {
	.notify = net_notify,
};

int virtio_net_rx(struct virtio_net *n, const uint8_t *frame, uint32_t len)
{
	struct virtio_dev *d = &n->vdev;
	uint8_t hdr[VIRTIO_NET_HDR_SIZE] = { 0 };
	uint16_t one = 1;
	struct virtio_chain *c;
	int delivered = 0;
	bool pushed = false;

	if (len < ETH_HLEN || len > ETH_FRAME_MAX)
		return ERR_RANGE;
	memcpy(hdr + VIRTIO_NET_HDR_NUM_BUFS, &one, 2);

	/* Each pass consumes a chain, so this ends within one queue's worth. */
	while (!delivered && virtq_pop(d, VIRTIO_NET_RX_Q, &c) > 0) {
		uint32_t used = 0;

		if (c->bad || c->read_len != 0 || c->write_len < VIRTIO_NET_HDR_SIZE + len ||
		    virtio_chain_write(c, 0, hdr, sizeof(hdr)) != sizeof(hdr) ||
		    virtio_chain_write(c, VIRTIO_NET_HDR_SIZE, frame, len) != len) {
			n->stats.rx_bad++;
		} else {
			used = VIRTIO_NET_HDR_SIZE + len;
			n->stats.rx_frames++;
			n->stats.rx_bytes += len;
			delivered = 1;
		}
		virtq_push(d, VIRTIO_NET_RX_Q, c, used);
		pushed = true;
	}
	if (pushed)
		virtq_notify_used(d, VIRTIO_NET_RX_Q);
	return delivered;
}

int virtio_net_init(struct virtio_net *n, const struct virtio_host *host,
		    const struct virtio_net_backend *be, const uint8_t mac[ETH_ALEN])
{
	/* struct virtio_net_config (5.1.4): mac, then status.  The other
	 * fields need features we do not offer (MQ, MTU, SPEED_DUPLEX, RSS). */
	uint8_t cfg[VIRTIO_NET_CFG_LEN] = { 0 };
	uint16_t status = VIRTIO_NET_S_LINK_UP;

	if (!be->tx || !host->gpa_to_hva || !host->irq)
		return ERR_INVAL;
	virtio_dev_init(&n->vdev, host, &net_ops, VIRTIO_ID_NET, 2,
			(1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS));
	n->be = *be;
	memcpy(n->mac, mac, ETH_ALEN);
	memset(&n->stats, 0, sizeof(n->stats));
	memcpy(cfg + VIRTIO_NET_CFG_MAC, mac, ETH_ALEN);
	memcpy(cfg + VIRTIO_NET_CFG_STATUS, &status, 2);
	virtio_config_set(&n->vdev, cfg, sizeof(cfg));
	return 0;
}
