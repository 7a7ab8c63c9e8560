/*
 * vdev.c - the VM's map of emulated devices.
 */
#include "vdev.h"
#include "vm.h"

int vdev_register(struct vm *vm, struct vdev *d)
{
	if (vm->ndevs == VDEV_MAX || d->size == 0)
		return ERR_INVAL;
	for (unsigned i = 0; i < vm->ndevs; i++) {
		struct vdev *o = vm->devs[i];
		if (d->base < o->base + o->size && o->base < d->base + d->size)
			return ERR_INVAL;	/* overlapping devices */
	}
	if (vm_gpa_to_hva(vm, d->base, 1) || vm_gpa_to_hva(vm, d->base + d->size - 1, 1))
		return ERR_INVAL;		/* devices live outside RAM */
	d->vm = vm;
	vm->devs[vm->ndevs++] = d;
	return 0;
}

struct vdev *vdev_find(struct vm *vm, uint64_t gpa)
{
	for (unsigned i = 0; i < vm->ndevs; i++) {
		struct vdev *d = vm->devs[i];
		if (gpa - d->base < d->size)
			return d;
	}
	return NULL;
}
