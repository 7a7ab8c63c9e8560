/*
 * vm.h - a virtual machine: guest memory, its vCPUs, and how it was loaded.
 *
 * The guest-physical layout follows QEMU virt: RAM at 0x80000000, the kernel
 * at 0x80200000 (where OpenSBI would have started it), the device tree and
 * initrd near the top of RAM.  Guest RAM is one contiguous block of host RAM,
 * so a guest-physical address converts to a host one by an offset, after a
 * bounds check that is the guest's only way to name memory.
 */
#ifndef UMBRA_VM_H
#define UMBRA_VM_H

#include "umbra.h"
#include "spt.h"
#include "vdev.h"
#include "patch.h"

#define GUEST_RAM_BASE    0x80000000UL
#define GUEST_KERNEL_GPA  0x80200000UL
#define VM_MAX_VCPUS      8
/* VMs at once (each has its own VMID and host ASIDs: see the backends). */
#define VM_MAX            8

struct vcpu;
struct vcpu_backend;

struct host_blk;

/* What to run: one guest of the configuration (config.h), its images
 * staged in host RAM. */
struct vm_config {
	const char *name;                  /* the guest's name in the config */
	uint64_t kernel_pa, kernel_size;   /* the staged image in host RAM */
	uint64_t initrd_pa, initrd_size;   /* optional */
	uint64_t mem_size;                 /* guest RAM */
	const struct vcpu_backend *backend;   /* how its vCPUs run */
	bool patch;                        /* shadow: patch hot sites (src/patch) */
	unsigned nvcpus;
	uint64_t hart_mask;                /* the harts its vCPUs may run on (bit i:
					      hart index i; 0: any; core/sched.c) */
	const char *bootargs;              /* the guest's chosen/bootargs */
	struct host_blk *disk;             /* its disk (NULL: none) */
	bool net;                          /* a virtio-net card on the switch (src/net) */
	uint8_t mac[6];                    /* its address; all zero: net_default_mac */
};

struct vm {
	unsigned id;                  /* 0, 1, ...: feeds its VMID and host ASIDs */
	char name[16];                /* the guest's name, as the config gives it */
	const struct vcpu_backend *backend;   /* shadow (src/trap/emulate.c) or hext */
	uint64_t hgatp;               /* hext: its G-stage translation ... */
	bool vmid_shared;             /* ... tagged VMID 0, as every VM's: too few
					 VMID bits (see hext_vm_init) */
	uint64_t ram_gpa, ram_size;   /* the guest RAM it may use ... */
	uint64_t mem_size;            /* ... of this much from GUEST_RAM_BASE, the
					 rest being the firmware's (vm_fw_hole) */
	uint8_t *ram;                 /* host VA of guest RAM */
	unsigned nvcpus;
	struct vcpu *vcpus[VM_MAX_VCPUS];
	uint64_t entry_gpa, fdt_gpa;
	uint64_t *bare_root;          /* shadow: the view used while the guest's satp is Bare */
	struct spt_xonly_set xonly;   /* shadow: pages no shadow may map readable */
	struct patch_table patch;     /* shadow: its patched sites (src/patch) */
	struct vdev *devs[VDEV_MAX];  /* emulated devices (src/vdev) */
	unsigned ndevs;
	struct board *board;          /* the devices' state (vdev/board.c) */
	struct host_blk *disk;        /* the host disk behind its virtio-blk, or NULL */
	bool net;                     /* has a virtio-net card (vm_config.net) */
	uint8_t mac[6];               /* ... with this address */
	int exit_reason;              /* -1 while running, else the SRST reason */
	uint32_t ended;               /* its end is under way (vm_exit; atomic) */
};

int vm_create(struct vm *vm, const struct vm_config *cfg);
/* The bottom of RAM the firmware keeps (no guest may use it). */
uint64_t vm_fw_hole(void);

/*
 * Translate a guest-physical range to a host pointer.  NULL unless all of
 * [gpa, gpa+len) is guest RAM: this is the check that keeps a guest inside
 * its own memory.
 */
static inline void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa < vm->ram_gpa || len > vm->ram_size ||
	    gpa - vm->ram_gpa > vm->ram_size - len)
		return NULL;
	return vm->ram + (gpa - vm->ram_gpa);
}

/*
 * vm_gpa_to_hva for Umbra's direct accesses to guest RAM on the guest's
 * behalf (a device's DMA, an SBI call's buffer): the guest's own bytes, with
 * any patched site in the range given back its original first.
 */
static inline void *vm_guest_ram(struct vm *vm, uint64_t gpa, uint64_t len)
{
	void *p = vm_gpa_to_hva(vm, gpa, len);
	if (p)
		spt_xonly_release(vm, gpa, len);
	return p;
}

/*
 * The guest powered off with an SBI SRST reason (or Umbra could not start
 * it: vm == NULL).  Prints its exit table and stops all its vCPUs (the
 * calling one, a vCPU's thread, never returns); when it was the last VM,
 * ends the machine: a failure of any VM becomes a non-zero exit status of
 * QEMU.
 */
void vm_exit(struct vm *vm, int reason) __attribute__((noreturn));
/* Ctrl-] s: every VM's exit table so far, the guests running on. */
void vm_print_all_stats(void);
/* SRST reboot: with one VM the machine restarts (Umbra reloads the guest;
 * returns only if the firmware failed to); with several, only this VM
 * would, which Umbra does not do yet: it stops (vm_exit). */
void vm_reboot(struct vm *vm, unsigned long type, unsigned long reason);

/* Build the guest's device tree at the top of its RAM (guest_fdt.c). */
int vm_build_fdt(struct vm *vm, const struct vm_config *cfg, uint64_t initrd_gpa);

#endif
