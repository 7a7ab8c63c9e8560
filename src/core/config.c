/*
 * config.c - read a configuration (config.h) from a flattened device tree.
 *
 * Every property a guest node may have is a row of one table: its name,
 * what kind of value it holds, and where the value goes.  The parser walks
 * a guest's properties, finds each one's row (none: "unknown property"),
 * checks the value's form, then checks the guest as a whole.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <libfdt.h>
#include "config.h"

enum prop_kind {
	PROP_U32,      /* one cell */
	PROP_STRING,   /* a NUL-terminated string */
	PROP_FLAG,     /* no value: present or not */
	PROP_CELLS,    /* a list of cells */
	PROP_RANGE,    /* <address size>, 64-bit each (four cells) */
};

struct prop_rule {
	const char *name;
	enum prop_kind kind;
	bool staged_only;     /* written by run.py into the copy Umbra boots */
};

enum {
	P_VCPUS, P_MEMORY, P_KERNEL, P_INITRD, P_BOOTARGS, P_DISK, P_NETWORK,
	P_HARTS, P_STAGED_KERNEL, P_STAGED_INITRD, P_COUNT,
};

static const struct prop_rule rules[P_COUNT] = {
	[P_VCPUS]         = { "vcpus",        PROP_U32,    false },
	[P_MEMORY]        = { "memory-mib",   PROP_U32,    false },
	[P_KERNEL]        = { "kernel",       PROP_STRING, false },
	[P_INITRD]        = { "initrd",       PROP_STRING, false },
	[P_BOOTARGS]      = { "bootargs",     PROP_STRING, false },
	[P_DISK]          = { "disk",         PROP_STRING, false },
	[P_NETWORK]       = { "network",      PROP_FLAG,   false },
	[P_HARTS]         = { "harts",        PROP_CELLS,  false },
	[P_STAGED_KERNEL] = { "umbra,kernel", PROP_RANGE,  true },
	[P_STAGED_INITRD] = { "umbra,initrd", PROP_RANGE,  true },
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ERR_INVAL;
}

/* Does the value have the form its rule asks for? */
static bool value_ok(enum prop_kind kind, const char *val, int len)
{
	switch (kind) {
	case PROP_U32:
		return len == 4;
	case PROP_STRING:
		return len >= 1 && val[len - 1] == '\0' && strlen(val) == (size_t)len - 1;
	case PROP_FLAG:
		return len == 0;
	case PROP_CELLS:
		return len > 0 && len % 4 == 0;
	case PROP_RANGE:
		return len == 16;
	}
	return false;
}

static uint64_t cell64(const char *val, unsigned i)
{
	const fdt32_t *c = (const fdt32_t *)val;
	return (uint64_t)fdt32_to_cpu(c[2 * i]) << 32 | fdt32_to_cpu(c[2 * i + 1]);
}

static int parse_guest(const void *fdt, int node, unsigned nharts, bool staged,
		       struct config_guest *g, char *err, size_t errlen)
{
	const char *val[P_COUNT] = { 0 };
	int len[P_COUNT] = { 0 };
	const char *name = fdt_get_name(fdt, node, NULL);
	int prop;

	if (!name || !*name || strlen(name) >= CONFIG_NAME_MAX)
		return fail(err, errlen, "a guest's node name must have 1 to %d characters",
			    CONFIG_NAME_MAX - 1);
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
			return fail(err, errlen, "guest '%s': a name may only have a-z, 0-9 and '-'",
				    name);
	snprintf(g->name, sizeof(g->name), "%s", name);
	if (fdt_first_subnode(fdt, node) >= 0)
		return fail(err, errlen, "guest '%s': unexpected child node", name);

	fdt_for_each_property_offset(prop, fdt, node) {
		const char *pname;
		int plen;
		const char *pval = fdt_getprop_by_offset(fdt, prop, &pname, &plen);
		unsigned r;

		if (!pval || !pname)
			return fail(err, errlen, "guest '%s': unreadable property", name);
		for (r = 0; r < P_COUNT; r++)
			if (!strcmp(pname, rules[r].name) && (staged || !rules[r].staged_only))
				break;
		if (r == P_COUNT)
			return fail(err, errlen, "guest '%s': unknown property '%s'", name, pname);
		if (!value_ok(rules[r].kind, pval, plen))
			return fail(err, errlen, "guest '%s': property '%s' has a malformed value",
				    name, pname);
		val[r] = pval;
		len[r] = plen;
	}

	g->vcpus = val[P_VCPUS] ? fdt32_to_cpu(*(const fdt32_t *)val[P_VCPUS]) : 1;
	if (g->vcpus < 1 || g->vcpus > CONFIG_MAX_VCPUS)
		return fail(err, errlen, "guest '%s': 'vcpus' must be 1 to %d", name,
			    CONFIG_MAX_VCPUS);
	if (!val[P_MEMORY])
		return fail(err, errlen, "guest '%s': no 'memory-mib'", name);
	uint32_t mib = fdt32_to_cpu(*(const fdt32_t *)val[P_MEMORY]);
	if (mib < 4 || mib % 2 || mib > 64 * 1024)
		return fail(err, errlen, "guest '%s': 'memory-mib' must be even, at least 4 "
			    "(a multiple of 2 MiB)", name);
	g->mem_size = (uint64_t)mib << 20;
	if (!val[P_KERNEL] || !*val[P_KERNEL])
		return fail(err, errlen, "guest '%s': no 'kernel'", name);
	g->kernel = val[P_KERNEL];
	g->initrd = val[P_INITRD] && *val[P_INITRD] ? val[P_INITRD] : NULL;
	g->disk = val[P_DISK] && *val[P_DISK] ? val[P_DISK] : NULL;
	g->bootargs = val[P_BOOTARGS] ? val[P_BOOTARGS] : "";
	g->network = val[P_NETWORK] != NULL;

	/* harts: the hart ids it may run on; no more vCPUs than harts listed
	 * (pinned vCPUs of one guest do not share a hart). */
	g->hart_mask = 0;
	if (val[P_HARTS]) {
		unsigned n = len[P_HARTS] / 4;
		for (unsigned i = 0; i < n; i++) {
			uint32_t h = fdt32_to_cpu(((const fdt32_t *)val[P_HARTS])[i]);
			if (h >= nharts || h >= 64)
				return fail(err, errlen, "guest '%s': 'harts' names hart %u, and "
					    "the machine has harts 0 to %u", name, h, nharts - 1);
			g->hart_mask |= 1UL << h;
		}
		unsigned pinned = __builtin_popcountl(g->hart_mask);
		if (g->vcpus > pinned)
			return fail(err, errlen, "guest '%s': %u vCPUs pinned to %u hart%s in "
				    "'harts'", name, g->vcpus, pinned, pinned == 1 ? "" : "s");
	}

	if (staged) {
		if (!val[P_STAGED_KERNEL] || (g->initrd && !val[P_STAGED_INITRD]))
			return fail(err, errlen, "guest '%s': its images were not staged "
				    "(boot Umbra through scripts/run.py)", name);
		g->kernel_pa = cell64(val[P_STAGED_KERNEL], 0);
		g->kernel_size = cell64(val[P_STAGED_KERNEL], 1);
		if (val[P_STAGED_INITRD]) {
			g->initrd_pa = cell64(val[P_STAGED_INITRD], 0);
			g->initrd_size = cell64(val[P_STAGED_INITRD], 1);
		}
		if (!g->kernel_size)
			return fail(err, errlen, "guest '%s': 'kernel' is empty", name);
	}
	return 0;
}

int config_parse(const void *fdt, size_t size, unsigned nharts, bool staged,
		 struct config *out, char *err, size_t errlen)
{
	int guests, node;

	memset(out, 0, sizeof(*out));
	/* libfdt reads the structure block a 32-bit cell at a time, and trusts
	 * it to be aligned (dtc always writes it so): a blob whose block is not
	 * would make it load misaligned words, so it is refused here. */
	if (size < sizeof(struct fdt_header) || fdt_check_header(fdt) ||
	    fdt_totalsize(fdt) > size || fdt_off_dt_struct(fdt) % 4)
		return fail(err, errlen, "not a device tree blob (compile the .dts with dtc)");
	if (fdt_node_check_compatible(fdt, 0, "umbra,config"))
		return fail(err, errlen, "the root node is not compatible = \"umbra,config\"");
	if (nharts < 1)
		return fail(err, errlen, "the machine has no harts");
	guests = fdt_subnode_offset(fdt, 0, "guests");
	if (guests < 0)
		return fail(err, errlen, "no /guests node");

	fdt_for_each_subnode(node, fdt, guests) {
		if (out->nguests == CONFIG_MAX_GUESTS)
			return fail(err, errlen, "more than %d guests", CONFIG_MAX_GUESTS);
		struct config_guest *g = &out->guests[out->nguests];
		int e = parse_guest(fdt, node, nharts, staged, g, err, errlen);
		if (e)
			return e;
		/* Two guests writing one disk image would corrupt it. */
		for (unsigned i = 0; i < out->nguests; i++)
			if (g->disk && out->guests[i].disk && !strcmp(g->disk, out->guests[i].disk))
				return fail(err, errlen, "guests '%s' and '%s': the same 'disk' "
					    "'%s' (each guest needs its own)",
					    out->guests[i].name, g->name, g->disk);
		out->nguests++;
	}
	if (node != -FDT_ERR_NOTFOUND)
		return fail(err, errlen, "the device tree is damaged");
	if (!out->nguests)
		return fail(err, errlen, "/guests lists no guest");
	return 0;
}
