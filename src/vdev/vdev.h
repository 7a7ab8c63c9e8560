/*
 * vdev.h - the devices a guest sees.
 *
 * Every emulated device is a range of guest-physical addresses and one
 * access handler: {base, size, access}.  The guest's view never maps a
 * device range, so each guest load or store there faults; Umbra decodes the
 * faulting instruction (src/decode) and calls the device's handler with
 * the offset, the width and the value, then completes the instruction.
 *
 * Devices that interrupt raise a wire of the VM's interrupt controller
 * (the PLIC model) with vdev_irq(); the PLIC model in turn drives the
 * guest hart's external-interrupt line (sip.SEIP).
 */
#ifndef UMBRA_VDEV_H
#define UMBRA_VDEV_H

#include "umbra.h"

struct vm;
struct vdev;

/*
 * Read (write = false: fill *val) or write (*val) 'width' bytes (1, 2, 4
 * or 8) at 'offset' into the device.  Return 0, or a negative error for an
 * access the device does not accept: the guest then gets an access fault,
 * as a bus error would give it.
 */
typedef int (*vdev_access_fn)(struct vdev *d, uint64_t offset, unsigned width,
			      bool write, uint64_t *val);

struct vdev {
	const char *name;
	uint64_t base, size;      /* guest-physical */
	vdev_access_fn access;
	void *priv;               /* the device model's state */
	struct vm *vm;            /* set by vdev_register */
};

#define VDEV_MAX 16

/* Add a device to the VM's guest-physical map. */
int vdev_register(struct vm *vm, struct vdev *d);
/* The device at guest-physical 'gpa', or NULL. */
struct vdev *vdev_find(struct vm *vm, uint64_t gpa);
/* Drive interrupt wire 'irq' of the VM's interrupt controller (board.c;
 * called by the device models, with the board's lock held). */
void vdev_irq(struct vm *vm, unsigned irq, bool level);
/* A guest's load or store to device 'd', from any of its harts: the device
 * models run one access at a time (the board's lock, see lock.h). */
int vdev_access(struct vm *vm, struct vdev *d, uint64_t offset, unsigned width,
		bool write, uint64_t *val);

/* The QEMU-virt-like machine a guest gets (board.c): create its devices,
 * describe them in the guest's device tree (the /soc node), and feed them
 * what the user typed. */
int vdev_board_create(struct vm *vm);
int vdev_board_fdt(struct vm *vm, void *fdt, uint32_t (*intc_phandle)(unsigned hart));
void vdev_board_poll(struct vm *vm);
#define VDEV_CONSOLE_PATH "/soc/serial@10000000"

#endif
