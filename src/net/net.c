/*
 * net.c - guest networking in Umbra (see net.h): the switch, its uplink to
 * the host's card, and a virtio-net card per VM plugged into it.
 *
 * Latency.  Nothing here takes interrupts: the host card is polled.  A
 * frame from the outside reaches a guest at the next poll: right away when
 * the guest is transmitting (every transmit polls), else at its next timer
 * exit or, when it sleeps in wfi, within 1/INPUT_POLL_HZ (10 ms, irq.c).
 * A frame a guest sends leaves on the host card at once.
 */
#include <stdio.h>

#include "net.h"
#include "vswitch.h"
#include "virtio.h"
#include "vdev.h"
#include "vm.h"
#include "vcpu.h"
#include "hart.h"
#include "fw.h"
#include "mm.h"
#include "host.h"
#include "platform.h"

struct vnic {
	struct virtio_net dev;
	struct vdev vdev;
	struct vm *vm;
	unsigned irq;
	int port;
	char name[VSWITCH_NAME_LEN];
};

static struct vswitch *sw;      /* allocated with the first card */
static struct vnic *vnics[VSWITCH_PORTS_MAX];  /* by switch port, for the stats */
static spinlock_t uplink_lock;  /* the host card's driver (lock.h ORDER) */
static int uplink = -1;         /* its switch port, -1 without one */

/* Received frames taken off the host card per poll: bounds one poll's work. */
#define UPLINK_RX_BATCH 64

void net_default_mac(unsigned vm_id, uint8_t mac[6])
{
	static const uint8_t base[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x10 };

	for (unsigned i = 0; i < 6; i++)
		mac[i] = base[i];
	mac[5] += (uint8_t)vm_id;
}

/* ---- The uplink ---------------------------------------------------------------- */

static int uplink_deliver(void *ctx, const uint8_t *frame, uint32_t len)
{
	(void)ctx;
	return host_net_send(frame, len);   /* 1 sent, 0 busy: keep it */
}

/* Frames for the uplink go out at once (the caller may hold a board lock). */
static void uplink_kick(void *ctx)
{
	(void)ctx;
	spin_lock(&uplink_lock);
	vswitch_drain(sw, (unsigned)uplink, uplink_deliver, NULL);
	spin_unlock(&uplink_lock);
}

static void uplink_rx(void *ctx, const uint8_t *frame, uint32_t len)
{
	(void)ctx;
	vswitch_send(sw, (unsigned)uplink, frame, len);
}

/* Take what the host card received into the switch, and send what still
 * waits for it.  A hart that finds another polling goes on: that one
 * does the work. */
static void uplink_poll(void)
{
	if (uplink < 0 || !spin_trylock(&uplink_lock))
		return;
	host_net_recv(uplink_rx, NULL, UPLINK_RX_BATCH);
	vswitch_drain(sw, (unsigned)uplink, uplink_deliver, NULL);
	spin_unlock(&uplink_lock);
}

static int net_init(void)
{
	uint8_t mac[6];
	int err;

	sw = mm_alloc_contig(ALIGN_UP(sizeof(*sw), PAGE_SIZE), PAGE_SIZE);
	if (!sw)
		return ERR_NOMEM;
	vswitch_init(sw);
	err = platform.nvirtio ? host_net_init(platform.virtio_pa, platform.nvirtio)
			       : ERR_NOTFOUND;
	if (err == ERR_NOTFOUND) {
		pr_info("net: the host has no network card: the switch has no uplink\n");
		return 0;
	}
	if (err)
		return err;
	uplink = vswitch_attach(sw, "uplink", uplink_kick, NULL);
	host_net_mac(mac);
	pr_info("net: uplink is the host's virtio-net %02x:%02x:%02x:%02x:%02x:%02x\n",
		mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return uplink < 0 ? uplink : 0;
}

/* ---- A VM's card ------------------------------------------------------------ */

static int vnic_deliver(void *ctx, const uint8_t *frame, uint32_t len)
{
	struct vnic *n = ctx;
	return virtio_net_rx(&n->dev, frame, len);  /* 0: no buffer, keep it */
}

static void vnic_drain(struct vnic *n)
{
	vswitch_drain(sw, (unsigned)n->port, vnic_deliver, n);
}

/* The guest sent a frame (board lock held). */
static void vnic_tx(void *ctx, const uint8_t *frame, uint32_t len)
{
	struct vnic *n = ctx;

	vswitch_send(sw, (unsigned)n->port, frame, len);
	/* A guest that sends is likely waiting for an answer. */
	uplink_poll();
	vnic_drain(n);
}

/* The guest gave receive buffers (board lock held). */
static void vnic_rx_ready(void *ctx)
{
	vnic_drain(ctx);
}

/*
 * Frames wait in this VM's port: ask one of its live vCPUs to poll its
 * devices (VCPU_REQ_POLL), which drains the port into its card.  The
 * request kicks that vCPU's hart, out of the guest or out of wfi, and on
 * a hart shared by several vCPUs gets it the hart early (sched_kick).
 * Not needed when this hart runs a vCPU of the same VM: every path that
 * queues frames here (a transmit, an uplink poll) drains its own VM's port
 * right after.  Lock-free (atomics and an IPI): the caller may hold
 * another VM's board lock.
 */
static void vnic_kick(void *ctx)
{
	struct vnic *n = ctx;
	struct vcpu *cur = hart_this()->vcpu;

	if (cur && cur->vm == n->vm)
		return;
	for (unsigned i = 0; i < n->vm->nvcpus; i++) {
		struct vcpu *v = n->vm->vcpus[i];
		enum vcpu_state st = v ? __atomic_load_n(&v->state, __ATOMIC_ACQUIRE) : VCPU_STOPPED;
		if (st == VCPU_RUNNING || st == VCPU_SUSPENDED) {
			/* One poll request at a time: while one is pending (its
			 * IPI sent), the poll it leads to will find this frame
			 * too (the request is taken before the poll runs), so a
			 * flood costs the receiver one exit per poll, not per
			 * frame. */
			if (!(__atomic_load_n(&v->requests, __ATOMIC_ACQUIRE) & VCPU_REQ_POLL))
				vcpu_post(v, VCPU_REQ_POLL);
			return;
		}
	}
}

static void vnic_irq(void *ctx, bool level)
{
	struct vnic *n = ctx;
	vdev_irq(n->vm, n->irq, level);
}

static void *vnic_gpa_to_hva(void *ctx, uint64_t gpa, uint64_t len)
{
	struct vnic *n = ctx;
	return vm_guest_ram(n->vm, gpa, len);
}

int net_vnic_create(struct vm *vm, uint64_t base, unsigned irq,
		    const uint8_t mac[6], struct vnic **out)
{
	struct vnic *n;
	int err;

	if (!sw && (err = net_init()) < 0)
		return err;
	n = mm_alloc_contig(ALIGN_UP(sizeof(*n), PAGE_SIZE), PAGE_SIZE);
	if (!n)
		return ERR_NOMEM;
	n->vm = vm;
	n->irq = irq;
	snprintf(n->name, sizeof(n->name), "vm%u", vm->id);
	const struct virtio_host host = { n, vnic_gpa_to_hva, vnic_irq };
	const struct virtio_net_backend be = { n, vnic_tx, vnic_rx_ready };
	err = virtio_net_init(&n->dev, &host, &be, mac);
	if (err)
		return err;
	n->port = vswitch_attach(sw, n->name, vnic_kick, n);
	if (n->port < 0)
		return n->port;
	vnics[n->port] = n;
	n->vdev = (struct vdev){ .name = "virtio-net", .base = base, .size = VIRTIO_MMIO_SIZE,
				 .access = virtio_mmio_access, .priv = &n->dev.vdev };
	err = vdev_register(vm, &n->vdev);
	if (err)
		return err;
	pr_info("net: vm%u: virtio-net %02x:%02x:%02x:%02x:%02x:%02x on switch port %d\n",
		vm->id, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], n->port);
	*out = n;
	return 0;
}

void net_vnic_poll(struct vnic *n)
{
	uplink_poll();
	vnic_drain(n);
}

void net_print_stats(void)
{
	struct vswitch_port_stats st;

	if (!sw)
		return;
	console_printf("switch port  frames in  bad in     queued        out    dropped\n");
	for (unsigned i = 0; i < VSWITCH_PORTS_MAX; i++) {
		if (vswitch_port_stats(sw, i, &st) < 0)
			continue;
		console_printf("%u %-9s %10lu %7lu %10lu %10lu %10lu\n", i, sw->port[i].name,
			       st.in, st.in_bad, st.queued, st.out, st.dropped);
	}
	/* What each card refused (virtio_net.c): chains it could not use. */
	for (unsigned i = 0; i < VSWITCH_PORTS_MAX; i++)
		if (vnics[i] && (vnics[i]->dev.stats.tx_bad || vnics[i]->dev.stats.rx_bad))
			console_printf("%s virtio-net: %lu transmit and %lu receive chains refused\n",
				       vnics[i]->name, vnics[i]->dev.stats.tx_bad,
				       vnics[i]->dev.stats.rx_bad);
}
