/*
 * vm.c - create a virtual machine: guest RAM, the kernel image, an initrd,
 * the guest's device tree, and its vCPUs.
 */
#include <stdio.h>
#include <string.h>
#include "vm.h"
#include "mm.h"
#include "spt.h"
#include "vcpu.h"
#include "platform.h"
#include "fw.h"
#include "net.h"
#include "hart.h"
#include "sched.h"
#include "trace.h"

/* Every VM created, for the end of the machine: it ends with the last. */
static struct vm *vms[VM_MAX];
static unsigned nvms;
static uint32_t nended;

/* Enter the VM in the list; its index is its id (its VMID and host ASIDs
 * derive from it). */
static int vm_register(struct vm *vm)
{
	if (nvms == VM_MAX)
		return ERR_NOMEM;
	vm->id = nvms;
	vms[nvms++] = vm;
	return 0;
}

/* The parts of the ELF64 format a loader needs (System V gABI). */
struct elf64_ehdr {
	uint8_t  ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
#define ELF_MACHINE_RISCV 243
#define ELF_PT_LOAD 1

/* How much of the bottom of RAM is the firmware's (platform.fw_resv,
 * regions within the first 2 MiB, where OpenSBI lives). */
uint64_t vm_fw_hole(void)
{
	uint64_t end = 0;
	for (unsigned i = 0; i < platform.nfw_resv; i++) {
		uint64_t off = platform.fw_resv[i].base - platform.ram_base;
		if (platform.fw_resv[i].base >= platform.ram_base && off < (2 << 20) &&
		    platform.fw_resv[i].size <= (2 << 20) - off)
			end = MAX(end, off + platform.fw_resv[i].size);
	}
	return ALIGN_UP(end, PAGE_SIZE);
}

/* Copy an ELF image's loadable segments to their physical addresses. */
static int load_elf(struct vm *vm, const uint8_t *img, uint64_t size)
{
	const struct elf64_ehdr *eh = (const void *)img;

	if (size < sizeof(*eh) || eh->ident[4] != 2 /* 64-bit */ ||
	    eh->ident[5] != 1 /* little-endian */ || eh->machine != ELF_MACHINE_RISCV) {
		pr_err("guest '%s': kernel image: not a 64-bit little-endian RISC-V ELF file\n", vm->name);
		return ERR_INVAL;
	}
	if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phoff > size ||
	    (uint64_t)eh->phnum * sizeof(struct elf64_phdr) > size - eh->phoff) {
		pr_err("guest '%s': kernel image: bad program header table\n", vm->name);
		return ERR_INVAL;
	}
	const struct elf64_phdr *ph = (const void *)(img + eh->phoff);
	for (unsigned i = 0; i < eh->phnum; i++, ph++) {
		if (ph->type != ELF_PT_LOAD || ph->memsz == 0)
			continue;
		uint8_t *dst = vm_gpa_to_hva(vm, ph->paddr, ph->memsz);
		if (!dst || ph->filesz > ph->memsz || ph->offset > size ||
		    ph->filesz > size - ph->offset) {
			pr_err("guest '%s': kernel image: segment %u (0x%lx, %lu bytes) is outside guest RAM or the file\n", vm->name,
			       i, ph->paddr, ph->memsz);
			return ERR_RANGE;
		}
		memcpy(dst, img + ph->offset, ph->filesz);
		memset(dst + ph->filesz, 0, ph->memsz - ph->filesz);
	}
	if (!vm_gpa_to_hva(vm, eh->entry, 4)) {
		pr_err("guest '%s': kernel image: entry point 0x%lx is outside guest RAM\n", vm->name, eh->entry);
		return ERR_RANGE;
	}
	vm->entry_gpa = eh->entry;
	return 0;
}

/* A flat binary goes where OpenSBI would have put it. */
static int load_flat(struct vm *vm, const uint8_t *img, uint64_t size)
{
	uint8_t *dst = vm_gpa_to_hva(vm, GUEST_KERNEL_GPA, size);
	if (!dst) {
		pr_err("guest '%s': kernel image: %lu bytes do not fit in guest RAM at 0x%lx\n", vm->name,
		       size, GUEST_KERNEL_GPA);
		return ERR_RANGE;
	}
	memcpy(dst, img, size);
	vm->entry_gpa = GUEST_KERNEL_GPA;
	return 0;
}

int vm_create(struct vm *vm, const struct vm_config *cfg)
{
	static const uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };
	const uint8_t *img = mm_pa_to_va(cfg->kernel_pa);
	int err;

	memset(vm, 0, sizeof(*vm));
	snprintf(vm->name, sizeof(vm->name), "%s", cfg->name ? cfg->name : "guest");
	vm->disk = cfg->disk;
	vm->exit_reason = -1;
	vm->backend = cfg->backend;
	err = vm_register(vm);
	if (err) {
		pr_err("at most %u VMs\n", VM_MAX);
		return err;
	}
	if (cfg->mem_size < (4 << 20) || cfg->mem_size % (2 << 20)) {
		pr_err("guest '%s': memory must be a multiple of 2 MiB and at least 4 MiB\n", vm->name);
		return ERR_INVAL;
	}
	/* 2 MiB alignment lets the guest's view map RAM with 2 MiB pages. */
	vm->ram = mm_alloc_contig(cfg->mem_size, 2 << 20);
	if (!vm->ram) {
		pr_err("guest '%s': no room for %lu MiB of guest RAM (%lu MiB free)\n", vm->name,
		       cfg->mem_size >> 20, mm_free_bytes() >> 20);
		return ERR_NOMEM;
	}
	/*
	 * Natively the bottom of RAM is the firmware's, and S-mode cannot touch
	 * it (PMP).  The guest gets the same hole: its RAM, the one range it
	 * can name, begins above it, and its device tree keeps the firmware's
	 * /reserved-memory nodes (guest_fdt.c), so it sees RAM where a kernel
	 * on the real machine would.
	 */
	uint64_t hole = vm_fw_hole();
	vm->mem_size = cfg->mem_size;
	vm->ram += hole;
	vm->ram_gpa = GUEST_RAM_BASE + hole;
	vm->ram_size = cfg->mem_size - hole;

	if (cfg->kernel_size >= 4 && !memcmp(img, elf_magic, 4))
		err = load_elf(vm, img, cfg->kernel_size);
	else
		err = load_flat(vm, img, cfg->kernel_size);
	if (err)
		return err;

	/* The device tree goes in the last 2 MiB, an initrd just below it. */
	uint64_t initrd_gpa = 0;
	if (cfg->initrd_size) {
		initrd_gpa = ALIGN_DOWN(vm->ram_gpa + vm->ram_size - (2 << 20) - cfg->initrd_size,
					PAGE_SIZE);
		void *dst = vm_gpa_to_hva(vm, initrd_gpa, cfg->initrd_size);
		if (initrd_gpa < vm->ram_gpa + (4 << 20) || !dst) {
			pr_err("guest '%s': initrd of %lu bytes does not fit in guest RAM\n", vm->name, cfg->initrd_size);
			return ERR_RANGE;
		}
		memcpy(dst, mm_pa_to_va(cfg->initrd_pa), cfg->initrd_size);
	}
	vm->nvcpus = cfg->nvcpus;
	vm->net = cfg->net;
	memcpy(vm->mac, cfg->mac, sizeof(vm->mac));
	err = vdev_board_create(vm);
	if (err) {
		pr_err("guest '%s': creating its devices: %s\n", vm->name, err_str(err));
		return err;
	}
	err = vm_build_fdt(vm, cfg, initrd_gpa);
	if (err)
		return err;

	err = vm->backend->vm_init(vm, cfg->patch);
	if (err)
		return err;
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		vm->vcpus[i] = vcpu_create(vm, i);
		if (!vm->vcpus[i])
			return ERR_NOMEM;
		err = sched_add(vm->vcpus[i], cfg->hart_mask);
		if (err) {
			pr_err("placing vCPU %u on a hart (mask 0x%lx): %s\n", i, cfg->hart_mask,
			       err_str(err));
			return err;
		}
	}
	return 0;
}

/* QEMU's test finisher: writing PASS or FAIL|(code << 16) ends QEMU. */
#define FINISHER_PASS 0x5555
#define FINISHER_FAIL 0x3333

/* The end of the machine: QEMU's exit status is 0 when 'pass'. */
static void __attribute__((noreturn)) machine_end(bool pass)
{
	static uint32_t exiting;

	/* The first hart to end the machine does it; any other waits. */
	if (__atomic_exchange_n(&exiting, 1, __ATOMIC_ACQ_REL))
		for (;;)
			__asm__ volatile("wfi");
	trace_flush();
	volatile uint32_t *fin = platform.finisher_pa ? mm_map_io(platform.finisher_pa, 4) : NULL;
	if (fin) {
		/* QEMU ends with this status once it handles the request; a
		 * firmware shutdown after it would race it with status 0. */
		*fin = pass ? FINISHER_PASS : (1 << 16) | FINISHER_FAIL;
	} else {
		fw_reset(SBI_SRST_TYPE_SHUTDOWN,
			 pass ? SBI_SRST_REASON_NONE : SBI_SRST_REASON_SYSFAIL);
	}
	for (;;)
		__asm__ volatile("wfi");
}

/*
 * A VM powered off (vm == NULL: Umbra could not start).  The first of its
 * vCPUs to get here ends it: its exit table, then every vCPU of it is told
 * to leave its hart (VCPU_REQ_EXIT: each does at its next exit or wake-up,
 * vcpu_exit); any other vCPU of it that gets here just leaves.  The last
 * VM to end ends the machine, passing if every VM powered off with reason
 * NONE.
 */
void vm_exit(struct vm *vm, int reason)
{
	struct vcpu *self = hart_this()->vcpu;

	/* The exit that got here (an SBI shutdown) does not return to the
	 * dispatcher: its trace line goes out now. */
	if (self && trace_on(self))
		trace_exit_end(self);
	if (!vm)
		machine_end(false);
	if (__atomic_exchange_n(&vm->ended, 1, __ATOMIC_ACQ_REL)) {
		if (self)
			vcpu_exit(self);
		machine_end(false);	/* (not from a vCPU: cannot happen) */
	}
	console_printf("\numbra: guest %s powered off (%s)\n", vm->name,
		       reason == SBI_SRST_REASON_NONE ? "success" : "system failure");
	vcpu_print_stats(vm);
	vm->exit_reason = reason;
	if (__atomic_add_fetch(&nended, 1, __ATOMIC_ACQ_REL) == nvms) {
		bool pass = true;
		net_print_stats();	/* (the switch, which all VMs shared) */
		for (unsigned i = 0; i < nvms; i++)
			pass &= vms[i]->exit_reason == SBI_SRST_REASON_NONE;
		machine_end(pass);
	}
	for (unsigned i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i] != self)
			vcpu_post(vm->vcpus[i], VCPU_REQ_EXIT);
	if (self && self->vm == vm)
		vcpu_exit(self);
	machine_end(false);	/* (only a vCPU of the VM ends it) */
}

/* Ctrl-] s (console.c): every VM's exit table so far; the guests run on. */
void vm_print_all_stats(void)
{
	for (unsigned i = 0; i < nvms; i++) {
		console_printf("\numbra: exit statistics of guest %s so far\n", vms[i]->name);
		vcpu_print_stats(vms[i]);
	}
}

void vm_reboot(struct vm *vm, unsigned long type, unsigned long reason)
{
	if (nvms == 1) {
		/* The machine restarts: Umbra starts again and reloads the
		 * guest from its staged image. */
		vcpu_print_stats(vm);
		fw_reset(type, reason);
		return;		/* (the firmware failed: the guest hears so) */
	}
	console_printf("\numbra: VM %u asked for a reboot; restarting one VM of several is not supported: it is stopped\n",
		       vm->id);
	vm_exit(vm, (int)reason);
}
