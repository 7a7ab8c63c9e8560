/*
 * config.h - what Umbra runs: a list of guests, read from a device tree.
 *
 * A configuration is a device-tree source (a .dts file in configs/, compiled with
 * dtc) in the form the rest of the RISC-V world uses to describe machines:
 *
 *	/dts-v1/;
 *	/ {
 *		compatible = "umbra,config";
 *		guests {
 *			alpha {                       // the guest's name
 *				vcpus = <2>;              // default 1, at most 8
 *				memory-mib = <256>;       // even, at least 4
 *				kernel = "build/linux/Image";
 *				initrd = "build/linux/initramfs.cpio.gz";   // optional
 *				bootargs = "console=ttyS0";                 // optional
 *				disk = "build/alpha.img";  // optional: a raw disk image
 *				network;                   // optional: a NIC on the switch
 *				harts = <0 1>;             // optional: the harts it may use
 *			};
 *		};
 *	};
 *
 * The same parser runs twice: on the host (tools/umbra-config.c, called by
 * scripts/run.py before QEMU starts: it checks the files and says what to
 * stage), and in Umbra at boot, on the copy run.py staged, where each guest
 * also has the host-RAM addresses of its images ("umbra,kernel" and
 * "umbra,initrd": <address size>, two cells each).  Anything wrong is
 * refused with a message that names the guest and the property.
 *
 * Pure: no Umbra globals, so the host tool and the host tests can use it.
 */
#ifndef UMBRA_CONFIG_H
#define UMBRA_CONFIG_H

#include <stddef.h>
#include "umbra.h"

#define CONFIG_MAX_GUESTS  4
#define CONFIG_MAX_VCPUS   8
#define CONFIG_NAME_MAX    16      /* a guest's name, with its NUL */

struct config_guest {
	char name[CONFIG_NAME_MAX];
	unsigned vcpus;
	uint64_t mem_size;            /* bytes */
	const char *kernel, *initrd;  /* file names (NULL: none); point into the blob */
	const char *disk;
	const char *bootargs;         /* "" if none */
	bool network;
	uint64_t hart_mask;           /* harts it may run on (bit = hart id); 0: any */
	/* Umbra only: where run.py staged the images in host RAM. */
	uint64_t kernel_pa, kernel_size;
	uint64_t initrd_pa, initrd_size;
};

struct config {
	unsigned nguests;
	struct config_guest guests[CONFIG_MAX_GUESTS];
};

/*
 * Read and check the configuration in the flattened device tree 'fdt' of
 * 'size' bytes, for a machine with harts 0 .. nharts-1.  'staged': the copy
 * Umbra boots from, whose guests must give "umbra,kernel" (and
 * "umbra,initrd" if they have an initrd).  Returns 0, or a negative ERR_*
 * with a one-line message in 'err'.  The strings in 'out' point into 'fdt'.
 */
int config_parse(const void *fdt, size_t size, unsigned nharts, bool staged,
		 struct config *out, char *err, size_t errlen);

#endif
