/*
 * umbra-config - check an Umbra configuration on the host, before QEMU
 * starts, with the very parser Umbra uses at boot (src/core/config.c).
 *
 *	umbra-config [--harts N] CONFIG.dtb
 *
 * Prints one line per guest, tab-separated key=value fields, for
 * scripts/run.py to stage the images from:
 *
 *	name=alpha  vcpus=2  mem=268435456  kernel=...  initrd=...  disk=...  network=1  harts=0x3
 *
 * (empty values for what a guest does not have).  A bad configuration, or a
 * file it names that is missing or empty, is one line on stderr naming the
 * guest and the property, and exit status 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "config.h"

static int die(const char *file, const char *msg)
{
	fprintf(stderr, "%s: %s\n", file, msg);
	return 2;
}

/* A file the guest names must exist and hold something. */
static int check_file(const char *cfgfile, const struct config_guest *g,
		      const char *prop, const char *path)
{
	struct stat st;
	char msg[512];

	if (!path)
		return 0;
	if (stat(path, &st) || !S_ISREG(st.st_mode)) {
		snprintf(msg, sizeof(msg), "guest '%s': %s '%s' does not exist%s", g->name, prop,
			 path, strncmp(path, "build/", 6) ? "" : " (build it with 'make')");
		return die(cfgfile, msg);
	}
	if (st.st_size == 0) {
		snprintf(msg, sizeof(msg), "guest '%s': %s '%s' is empty", g->name, prop, path);
		return die(cfgfile, msg);
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned nharts = 1;
	int a = 1;

	if (argc == 4 && !strcmp(argv[1], "--harts")) {
		nharts = (unsigned)strtoul(argv[2], NULL, 0);
		a = 3;
	}
	if (a != argc - 1) {
		fprintf(stderr, "usage: umbra-config [--harts N] CONFIG.dtb\n");
		return 2;
	}
	const char *file = argv[a];
	FILE *f = fopen(file, "rb");
	if (!f)
		return die(file, "cannot open it");
	static char blob[1 << 20];
	size_t size = fread(blob, 1, sizeof(blob), f);
	fclose(f);

	struct config cfg;
	char err[256];
	if (config_parse(blob, size, nharts, false, &cfg, err, sizeof(err)))
		return die(file, err);
	for (unsigned i = 0; i < cfg.nguests; i++) {
		const struct config_guest *g = &cfg.guests[i];
		int e = check_file(file, g, "kernel", g->kernel);
		if (!e)
			e = check_file(file, g, "initrd", g->initrd);
		if (!e)
			e = check_file(file, g, "disk", g->disk);
		if (e)
			return e;
	}
	for (unsigned i = 0; i < cfg.nguests; i++) {
		const struct config_guest *g = &cfg.guests[i];
		printf("name=%s\tvcpus=%u\tmem=%lu\tkernel=%s\tinitrd=%s\tdisk=%s\tnetwork=%d\tharts=%#lx\n",
		       g->name, g->vcpus, (unsigned long)g->mem_size, g->kernel,
		       g->initrd ? g->initrd : "", g->disk ? g->disk : "", g->network,
		       (unsigned long)g->hart_mask);
	}
	return 0;
}
