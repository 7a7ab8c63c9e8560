/*
 * fdt.h - what the guests read from the device tree OpenSBI (or Umbra)
 * hands them in a1 (boot_dtb): a minimal walk of the flattened tree
 * (devicetree spec, "Flattened Devicetree (DTB) Format"), big-endian
 * 32-bit tokens in the structure block:
 *
 *   FDT_BEGIN_NODE (1), the node's name, NUL-padded to 4 bytes
 *   FDT_END_NODE   (2)
 *   FDT_PROP       (3), value length, name offset in the strings block,
 *                       the value, padded to 4 bytes
 *   FDT_NOP        (4)
 *   FDT_END        (9)
 *
 * The header gives the structure block's offset (at byte 8) and the
 * strings block's (at byte 12).
 *
 * Everything here is static inline: only a guest that calls a function
 * gets its code, so the others' images (and the code addresses some of
 * them print) stay as they are.
 */
#ifndef GUEST_FDT_H
#define GUEST_FDT_H

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

/*
 * Guest RAM: base and size of the first node named memory@... (or memory)
 * under the root, its "reg" read with the root's #address-cells and
 * #size-cells.  Returns 1 if found, 0 if not or if the tree is not
 * readable.
 */
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

/*
 * The devices of one kind: every node whose "compatible" lists 'compat',
 * in tree order, gives the address in the first two cells of its "reg"
 * (two address cells, as under QEMU virt's /soc and in Umbra's tree) to
 * base[], up to max of them.  Returns how many; 0 if the tree is not
 * readable.
 */
static inline unsigned fdt_compatible(unsigned long dtb, const char *compat,
				      unsigned long *base, unsigned max)
{
	const uint8_t *fdt = (const uint8_t *)dtb;
	if (!fdt || fdt_be32(fdt) != 0xd00dfeed)
		return 0;
	const uint8_t *p = fdt + fdt_be32(fdt + 8);
	const char *strs = (const char *)fdt + fdt_be32(fdt + 12);
	int match = 0;
	unsigned long reg = 0;
	unsigned n = 0;

	for (;;) {
		uint32_t tok = fdt_be32(p);
		p += 4;
		if (tok == 1) {			/* FDT_BEGIN_NODE */
			unsigned len = strlen((const char *)p);
			match = 0;
			reg = 0;
			p += (len + 4) & ~3u;
		} else if (tok == 2) {		/* FDT_END_NODE */
			match = 0;
		} else if (tok == 3) {		/* FDT_PROP */
			uint32_t len = fdt_be32(p);
			const char *name = strs + fdt_be32(p + 4);
			const char *val = (const char *)p + 8;
			if (!strcmp(name, "compatible")) {
				/* A list of NUL-terminated strings. */
				for (uint32_t i = 0; i < len; i += strlen(val + i) + 1)
					if (!strcmp(val + i, compat))
						match = 1;
			} else if (!strcmp(name, "reg") && len >= 8) {
				reg = (unsigned long)fdt_be32(val) << 32 | fdt_be32(val + 4);
			}
			/* Both seen, in either order: one device. */
			if (match && reg && n < max) {
				base[n++] = reg;
				match = 0;
			}
			p += 8 + ((len + 3) & ~3u);
		} else if (tok == 4) {		/* FDT_NOP */
		} else {
			return n;		/* FDT_END or garbage */
		}
	}
}

/*
 * The kernel command line: the "bootargs" property of /chosen (a string),
 * or "" if there is none or the tree is not readable.
 */
static inline const char *fdt_bootargs(unsigned long dtb)
{
	const uint8_t *h = (const uint8_t *)dtb;
	if (!dtb || fdt_be32(h) != 0xd00dfeed)
		return "";
	const uint8_t *p = h + fdt_be32(h + 8);
	const char *strs = (const char *)h + fdt_be32(h + 12);
	unsigned depth = 0, in_chosen = 0;

	for (;;) {
		uint32_t tok = fdt_be32(p);
		p += 4;
		if (tok == 1) {			/* FDT_BEGIN_NODE */
			const char *name = (const char *)p;
			depth++;
			in_chosen = depth == 2 && !strcmp(name, "chosen");
			p += (strlen(name) + 4) & ~3UL;
		} else if (tok == 2) {		/* FDT_END_NODE */
			depth--;
			in_chosen = 0;
		} else if (tok == 3) {		/* FDT_PROP */
			uint32_t len = fdt_be32(p);
			const char *val = (const char *)p + 8;
			if (in_chosen && !strcmp(strs + fdt_be32(p + 4), "bootargs") &&
			    len && val[len - 1] == 0)
				return val;
			p += 8 + ((len + 3) & ~3UL);
		} else if (tok == 4) {		/* FDT_NOP */
		} else {
			return "";		/* FDT_END or garbage */
		}
	}
}

#endif /* GUEST_FDT_H */
