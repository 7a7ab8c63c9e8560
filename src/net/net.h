/*
 * net.h - guest networking: each VM that has networking gets a virtio-net
 * card (src/vdev/virtio_net.c) plugged into a port of Umbra's one virtual
 * switch (vswitch.c), whose uplink port is the host's own network card
 * (src/host/virtio_net.c; under QEMU, user networking).
 *
 *   guest A's virtio-net --port 0--+
 *   guest B's virtio-net --port 1--+-- vswitch --port n-- uplink: host card
 *
 * Who moves frames, and under which lock (lock.h ORDER: board -> uplink ->
 * switch):
 *   - a guest's transmit runs in its device model, under its VM's board
 *     lock: the frame is copied into the destination ports' queues (switch
 *     lock), then the destinations are kicked.  The uplink's kick sends at
 *     once (uplink lock); a VM's kick is a real IPI to its first vCPU's
 *     hart, whose next board poll takes the frames.
 *   - each VM's board poll (vdev_board_poll: timer exits, wfi sleeps) and
 *     each transmit first poll the host card's receive ring (uplink lock,
 *     tried: a hart that finds it taken skips) into the switch, then move
 *     what waits in the VM's own port into its receive queue.
 * No hart ever holds two VMs' board locks.
 */
#ifndef UMBRA_NET_H
#define UMBRA_NET_H

#include "umbra.h"

struct vm;
struct vnic;

/* A VM's default address: 52:54:00:12:34:(0x10 + vm id), locally
 * administered space QEMU uses too (QEMU's own cards count from :56). */
void net_default_mac(unsigned vm_id, uint8_t mac[6]);

/*
 * Give 'vm' a virtio-net card at guest-physical 'base' (one virtio-mmio
 * page) on PLIC source 'irq', with address 'mac', plugged into the switch
 * (set up, with the uplink if the host has a card, by the first call).
 * Registers the vdev.  0 or a negative error.
 */
int net_vnic_create(struct vm *vm, uint64_t base, unsigned irq,
		    const uint8_t mac[6], struct vnic **out);
/* With the VM's board lock held: poll the uplink, deliver what waits for
 * this card. */
void net_vnic_poll(struct vnic *n);
/* Print the switch's ports and their counters (the exit table). */
void net_print_stats(void);

#endif
