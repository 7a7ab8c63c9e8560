/*
 * host_fdt.c - read what Umbra needs from the host device tree that
 * OpenSBI hands over in a1: RAM, harts, timebase, the ISA string, QEMU's test
 * finisher, and Umbra's own command line.
 */
#include <stdio.h>
#include <string.h>
#include <libfdt.h>
#include "platform.h"
#include "mm.h"

struct platform platform;

#define fdt_for_each_compatible(fdt, node, compat)				\
	for (node = fdt_node_offset_by_compatible(fdt, -1, compat); node >= 0;	\
	     node = fdt_node_offset_by_compatible(fdt, node, compat))

static uint64_t fdt_read_cells(const fdt32_t *p, int cells)
{
	uint64_t v = 0;
	while (cells--)
		v = v << 32 | fdt32_to_cpu(*p++);
	return v;
}

/* The first (address, size) pair of a node's reg, using the parent's
 * #address-cells and #size-cells. */
static int fdt_reg(const void *fdt, int node, uint64_t *addr, uint64_t *size)
{
	int parent = fdt_parent_offset(fdt, node);
	int ac = fdt_address_cells(fdt, parent);
	int sc = fdt_size_cells(fdt, parent);
	int len;
	const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg || ac < 1 || sc < 0 || len < (ac + sc) * 4)
		return ERR_NOTFOUND;
	*addr = fdt_read_cells(reg, ac);
	*size = sc ? fdt_read_cells(reg + ac, sc) : 0;
	return 0;
}

static void copy_string_prop(const void *fdt, int node, const char *name,
			     char *dst, size_t dstlen)
{
	const char *s = fdt_getprop(fdt, node, name, NULL);
	dst[0] = 0;
	if (s)
		snprintf(dst, dstlen, "%s", s);
}

int host_fdt_parse(uint64_t fdt_pa)
{
	const void *fdt = mm_pa_to_va(fdt_pa);
	int node, err;

	if (fdt_check_header(fdt))
		return ERR_INVAL;
	platform.fdt_pa = fdt_pa;
	platform.fdt_size = fdt_totalsize(fdt);

	/* RAM: the first memory node. */
	node = fdt_node_offset_by_prop_value(fdt, -1, "device_type", "memory", 7);
	if (node < 0)
		return ERR_NOTFOUND;
	err = fdt_reg(fdt, node, &platform.ram_base, &platform.ram_size);
	if (err)
		return err;

	/* Harts: every enabled cpu node under /cpus. */
	int cpus = fdt_path_offset(fdt, "/cpus");
	if (cpus < 0)
		return ERR_NOTFOUND;
	const fdt32_t *tb = fdt_getprop(fdt, cpus, "timebase-frequency", NULL);
	platform.timebase_hz = tb ? fdt32_to_cpu(*tb) : 0;
	fdt_for_each_subnode(node, fdt, cpus) {
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);
		const char *status = fdt_getprop(fdt, node, "status", NULL);
		uint64_t hartid, unused;
		if (!type || strcmp(type, "cpu") || (status && strcmp(status, "okay")))
			continue;
		if (fdt_reg(fdt, node, &hartid, &unused) || platform.nharts == MAX_HARTS)
			continue;
		if (platform.nharts == 0) {
			copy_string_prop(fdt, node, "riscv,isa", platform.isa, sizeof(platform.isa));
			copy_string_prop(fdt, node, "mmu-type", platform.mmu_type, sizeof(platform.mmu_type));
		}
		platform.hartids[platform.nharts++] = hartid;
	}
	if (platform.nharts == 0)
		return ERR_NOTFOUND;

	/* The firmware's regions: /reserved-memory children marked no-map. */
	int resv = fdt_path_offset(fdt, "/reserved-memory");
	if (resv >= 0) {
		fdt_for_each_subnode(node, fdt, resv) {
			uint64_t base, size;
			if (!fdt_getprop(fdt, node, "no-map", NULL) || fdt_reg(fdt, node, &base, &size) ||
			    platform.nfw_resv == ARRAY_SIZE(platform.fw_resv))
				continue;
			platform.fw_resv[platform.nfw_resv].base = base;
			platform.fw_resv[platform.nfw_resv++].size = size;
		}
	}

	/* QEMU's test device ends the simulation with an exit status. */
	node = fdt_node_offset_by_compatible(fdt, -1, "sifive,test1");
	if (node < 0)
		node = fdt_node_offset_by_compatible(fdt, -1, "sifive,test0");
	uint64_t size;
	if (node < 0 || fdt_reg(fdt, node, &platform.finisher_pa, &size))
		platform.finisher_pa = 0;

	node = fdt_node_offset_by_compatible(fdt, -1, "ns16550a");
	if (node < 0 || fdt_reg(fdt, node, &platform.uart_pa, &size))
		platform.uart_pa = 0;
	fdt_for_each_compatible(fdt, node, "virtio,mmio") {
		uint64_t pa;
		if (platform.nvirtio < ARRAY_SIZE(platform.virtio_pa) && !fdt_reg(fdt, node, &pa, &size))
			platform.virtio_pa[platform.nvirtio++] = pa;
	}

	node = fdt_path_offset(fdt, "/chosen");
	platform.bootargs = node >= 0 ? fdt_getprop(fdt, node, "bootargs", NULL) : NULL;
	if (!platform.bootargs)
		platform.bootargs = "";
	return 0;
}
