/*
 * virtio_console.c - a virtio console (Virtio 1.1 section 5.3) over the
 * virtio-mmio transport of virtio.c: one port, no VIRTIO_CONSOLE_F_MULTIPORT,
 * so exactly two queues (5.3.2): 0 receiveq (port0 input, device ->
 * driver) and 1 transmitq (port0 output, driver -> device).
 *
 * 5.3.6 (Device Operation): output is the device-readable buffers the
 * driver places in transmitq; for input the driver keeps receiveq supplied
 * with device-writable buffers, which the device fills.  Hence:
 *   - transmitq chains must be readable only; each readable buffer goes to
 *     the backend's tx() in order.  A chain with a writable buffer, or a
 *     bad one (not guest RAM, ...), is returned unsent.
 *   - receiveq chains must be writable only; input fills them in order.
 *     A chain with a readable buffer, or a bad one, is returned with
 *     length 0 and the input goes to the next chain.
 * Input is never buffered here: virtio_console_rx_push() tells the caller
 * how much the guest took.
 */
#include <string.h>

#include "virtio.h"

#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))

static struct virtio_console *to_con(struct virtio_dev *d)
{
	return container_of(d, struct virtio_console, vdev);
}

/* One transmitq chain: nothing is written into it, so used length 0. */
static uint32_t con_tx(struct virtio_dev *d, struct virtio_chain *c)
{
	struct virtio_console *con = to_con(d);

	if (c->bad || c->write_len != 0) {
		con->stats.bad_chains++;
		return 0;
	}
	for (unsigned i = 0; i < c->n; i++) {
		const struct virtio_buf *b = &c->buf[i];

		if (b->len == 0)
			continue;
		con->be.tx(con->be.ctx, b->hva, b->len);
		con->stats.tx_bytes += b->len;
	}
	return 0;
}

static void con_notify(struct virtio_dev *d, unsigned q)
{
	struct virtio_console *con = to_con(d);

	if (q == VIRTIO_CONSOLE_TX_Q)
		virtio_queue_process(d, q, con_tx);
	else if (q == VIRTIO_CONSOLE_RX_Q && con->be.rx_ready)
		con->be.rx_ready(con->be.ctx);
}

static const struct virtio_device_ops con_ops = {
	.notify = con_notify,
};

size_t virtio_console_rx_push(struct virtio_console *con, const uint8_t *buf,
			      size_t len)
{
	struct virtio_dev *d = &con->vdev;
	struct virtio_chain *c;
	size_t done = 0;
	bool pushed = false;

	while (done < len && virtq_pop(d, VIRTIO_CONSOLE_RX_Q, &c) > 0) {
		uint32_t n = 0;

		if (c->bad || c->read_len != 0) {
			con->stats.bad_chains++;
		} else {
			n = (uint32_t)MIN(len - done, (size_t)c->write_len);
			n = virtio_chain_write(c, 0, buf + done, n);
		}
		virtq_push(d, VIRTIO_CONSOLE_RX_Q, c, n);
		pushed = true;
		done += n;
	}
	if (pushed)
		virtq_notify_used(d, VIRTIO_CONSOLE_RX_Q);
	con->stats.rx_bytes += done;
	return done;
}

int virtio_console_init(struct virtio_console *con, const struct virtio_host *host,
			const struct virtio_console_backend *be,
			uint16_t cols, uint16_t rows)
{
	/* struct virtio_console_config (5.3.4): le16 cols, le16 rows,
	 * le32 max_nr_ports, le32 emerg_wr.  Only cols/rows mean anything
	 * here, and only with VIRTIO_CONSOLE_F_SIZE. */
	uint8_t cfg[VIRTIO_CONSOLE_CFG_LEN] = { 0 };
	uint64_t features = 0;

	if (!be->tx || !host->gpa_to_hva || !host->irq)
		return ERR_INVAL;
	if (cols && rows) {
		features |= 1ull << VIRTIO_CONSOLE_F_SIZE;
		memcpy(cfg + VIRTIO_CONSOLE_CFG_COLS, &cols, 2);
		memcpy(cfg + VIRTIO_CONSOLE_CFG_ROWS, &rows, 2);
	}
	virtio_dev_init(&con->vdev, host, &con_ops, VIRTIO_ID_CONSOLE, 2, features);
	con->be = *be;
	memset(&con->stats, 0, sizeof(con->stats));
	virtio_config_set(&con->vdev, cfg, sizeof(cfg));
	return 0;
}
