/*
 * guest_fdt.c - the device tree a guest boots with, built with libfdt's
 * sequential-write API.  It describes what the guest really gets: its RAM,
 * its harts with an ISA string that leaves out what Umbra does not give it,
 * and its command line.
 */
#include <stdio.h>
#include <string.h>
#include <libfdt.h>
#include "vm.h"
#include "platform.h"

#define GUEST_FDT_MAX (64 * 1024)

/*
 * The guest's riscv,isa: the host's, without what the guest does not get.
 * Single-letter extensions stay except 'h' (no hypervisor inside a guest).
 * Of the multi-letter ones only unprivileged 'z' extensions that work the
 * same in U-mode stay; the privileged 's'/'x' ones (sstc, svinval, svpbmt,
 * ...) and cache-block ones that depend on envcfg go.
 */
static void guest_isa(char *out, size_t outlen)
{
	char host[sizeof(platform.isa)];
	snprintf(host, sizeof(host), "%s", platform.isa);
	out[0] = 0;

	char *save = NULL;
	for (char *tok = strtok_r(host, "_", &save); tok; tok = strtok_r(NULL, "_", &save)) {
		size_t len = strlen(out);
		if (!strncmp(tok, "rv", 2)) {
			/* "rv64imafdch": base and single-letter extensions */
			char base[64];
			size_t n = 0;
			for (const char *c = tok; *c && n + 1 < sizeof(base); c++)
				if (c - tok < 4 || *c != 'h')
					base[n++] = *c;
			base[n] = 0;
			snprintf(out + len, outlen - len, "%s", base);
		} else if (tok[0] == 'z' && strncmp(tok, "zicbo", 5)) {
			snprintf(out + len, outlen - len, "_%s", tok);
		}
	}
}

/* Each hart's interrupt controller node is referenced by this phandle. */
static uint32_t intc_phandle(unsigned hart)
{
	return 1 + hart;
}

#define CHECK(x) do { int __e = (x); if (__e < 0) return __e; } while (0)

static int fdt_prop_u64_pair(void *fdt, const char *name, uint64_t a, uint64_t b)
{
	fdt64_t v[2] = { cpu_to_fdt64(a), cpu_to_fdt64(b) };
	return fdt_property(fdt, name, v, sizeof(v));
}

static int build(struct vm *vm, const struct vm_config *cfg, uint64_t initrd_gpa,
		 void *fdt, const char *isa)
{
	char name[32];

	CHECK(fdt_create(fdt, GUEST_FDT_MAX));
	CHECK(fdt_finish_reservemap(fdt));
	CHECK(fdt_begin_node(fdt, ""));
	CHECK(fdt_property_u32(fdt, "#address-cells", 2));
	CHECK(fdt_property_u32(fdt, "#size-cells", 2));
	CHECK(fdt_property_string(fdt, "compatible", "riscv-virtio"));
	CHECK(fdt_property_string(fdt, "model", "riscv-virtio,qemu"));

	CHECK(fdt_begin_node(fdt, "chosen"));
	CHECK(fdt_property_string(fdt, "bootargs", cfg->bootargs));
	CHECK(fdt_property_string(fdt, "stdout-path", VDEV_CONSOLE_PATH));
	if (cfg->initrd_size) {
		CHECK(fdt_property_u64(fdt, "linux,initrd-start", initrd_gpa));
		CHECK(fdt_property_u64(fdt, "linux,initrd-end", initrd_gpa + cfg->initrd_size));
	}
	CHECK(fdt_end_node(fdt));

	snprintf(name, sizeof(name), "memory@%lx", GUEST_RAM_BASE);
	CHECK(fdt_begin_node(fdt, name));
	CHECK(fdt_property_string(fdt, "device_type", "memory"));
	CHECK(fdt_prop_u64_pair(fdt, "reg", GUEST_RAM_BASE, vm->mem_size));
	CHECK(fdt_end_node(fdt));

	/* The firmware's memory, as OpenSBI describes it to the kernel it
	 * starts: never to be used (the guest cannot touch it either). */
	if (vm->ram_gpa > GUEST_RAM_BASE) {
		CHECK(fdt_begin_node(fdt, "reserved-memory"));
		CHECK(fdt_property_u32(fdt, "#address-cells", 2));
		CHECK(fdt_property_u32(fdt, "#size-cells", 2));
		CHECK(fdt_property(fdt, "ranges", "", 0));
		for (unsigned i = 0; i < platform.nfw_resv; i++) {
			uint64_t gpa = platform.fw_resv[i].base - platform.ram_base + GUEST_RAM_BASE;
			if (gpa >= vm->ram_gpa)
				continue;
			snprintf(name, sizeof(name), "mmode_resv%u@%lx", i, gpa);
			CHECK(fdt_begin_node(fdt, name));
			CHECK(fdt_prop_u64_pair(fdt, "reg", gpa, platform.fw_resv[i].size));
			CHECK(fdt_property(fdt, "no-map", "", 0));
			CHECK(fdt_end_node(fdt));
		}
		CHECK(fdt_end_node(fdt));
	}

	CHECK(fdt_begin_node(fdt, "cpus"));
	CHECK(fdt_property_u32(fdt, "#address-cells", 1));
	CHECK(fdt_property_u32(fdt, "#size-cells", 0));
	CHECK(fdt_property_u32(fdt, "timebase-frequency", platform.timebase_hz));
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		snprintf(name, sizeof(name), "cpu@%u", i);
		CHECK(fdt_begin_node(fdt, name));
		CHECK(fdt_property_string(fdt, "device_type", "cpu"));
		CHECK(fdt_property_u32(fdt, "reg", i));
		CHECK(fdt_property_string(fdt, "status", "okay"));
		CHECK(fdt_property_string(fdt, "compatible", "riscv"));
		CHECK(fdt_property_string(fdt, "riscv,isa", isa));
		CHECK(fdt_property_string(fdt, "mmu-type",
			platform.guest_satp_mode == SATP_MODE_SV48 ? "riscv,sv48" : "riscv,sv39"));
		CHECK(fdt_begin_node(fdt, "interrupt-controller"));
		CHECK(fdt_property_u32(fdt, "#interrupt-cells", 1));
		CHECK(fdt_property(fdt, "interrupt-controller", "", 0));
		CHECK(fdt_property_string(fdt, "compatible", "riscv,cpu-intc"));
		CHECK(fdt_property_u32(fdt, "phandle", intc_phandle(i)));
		CHECK(fdt_end_node(fdt));
		CHECK(fdt_end_node(fdt));
	}
	CHECK(fdt_end_node(fdt));

	CHECK(vdev_board_fdt(vm, fdt, intc_phandle));
	CHECK(fdt_end_node(fdt));
	CHECK(fdt_finish(fdt));
	return 0;
}

int vm_build_fdt(struct vm *vm, const struct vm_config *cfg, uint64_t initrd_gpa)
{
	char isa[sizeof(platform.isa)];
	uint64_t gpa = vm->ram_gpa + vm->ram_size - (2 << 20);
	void *fdt = vm_gpa_to_hva(vm, gpa, GUEST_FDT_MAX);

	guest_isa(isa, sizeof(isa));
	int err = build(vm, cfg, initrd_gpa, fdt, isa);
	if (err < 0) {
		pr_err("building the guest device tree: %s\n", fdt_strerror(err));
		return ERR_INVAL;
	}
	vm->fdt_gpa = gpa;
	return 0;
}
