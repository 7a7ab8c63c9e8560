/*
 * fdt_ram.h - the size of guest RAM from the device tree's /memory node,
 * for the hostile_* guests (a minimal flattened-device-tree walk: the first
 * node named memory@... under the root, its "reg" with the root's
 * #address-cells and #size-cells).  Returns 0 if the tree is not readable.
 */
#ifndef HOSTILE_FDT_RAM_H
#define HOSTILE_FDT_RAM_H

#include <stdint.h>
#include <string.h>

static inline uint32_t fdt_be32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline unsigned long fdt_cells(const uint8_t *p, unsigned n)
{
	unsigned long v = 0;
	for (unsigned i = 0; i < n; i++)
		v = v << 32 | fdt_be32(p + 4 * i);
	return v;
}

/* Base and size of the first memory node; returns 1 if found. */
static inline int fdt_ram(unsigned long dtb, unsigned long *base, unsigned long *size)
{
	const uint8_t *h = (const uint8_t *)dtb;
	if (!dtb || fdt_be32(h) != 0xd00dfeed)
		return 0;
	const uint8_t *st = h + fdt_be32(h + 8);
	const char *strs = (const char *)h + fdt_be32(h + 12);
	unsigned depth = 0, acells = 2, scells = 1, in_mem = 0;

	for (const uint8_t *p = st;;) {
		uint32_t tok = fdt_be32(p);
		p += 4;
		if (tok == 1) {			/* FDT_BEGIN_NODE */
			const char *name = (const char *)p;
			depth++;
			in_mem = depth == 2 && !strncmp(name, "memory", 6) &&
				 (name[6] == '@' || name[6] == 0);
			p += (strlen(name) + 4) & ~3UL;
		} else if (tok == 2) {		/* FDT_END_NODE */
			depth--;
			in_mem = 0;
		} else if (tok == 3) {		/* FDT_PROP */
			uint32_t len = fdt_be32(p), nameoff = fdt_be32(p + 4);
			const char *pname = strs + nameoff;
			const uint8_t *val = p + 8;
			if (depth == 1 && !strcmp(pname, "#address-cells"))
				acells = fdt_be32(val);
			if (depth == 1 && !strcmp(pname, "#size-cells"))
				scells = fdt_be32(val);
			if (in_mem && !strcmp(pname, "reg") && len >= 4 * (acells + scells)) {
				*base = fdt_cells(val, acells);
				*size = fdt_cells(val + 4 * acells, scells);
				return 1;
			}
			p += 8 + ((len + 3) & ~3UL);
		} else if (tok == 4) {		/* FDT_NOP */
		} else {
			return 0;		/* FDT_END or garbage */
		}
	}
}

#endif
