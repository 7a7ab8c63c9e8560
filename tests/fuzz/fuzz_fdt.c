/*
 * fuzz_fdt.c - libFuzzer harness for the guest device-tree builder
 * (src/core/guest_fdt.c: vm_build_fdt).
 *
 * vm_build_fdt() writes the guest's DTB into the last 2 MiB of guest RAM
 * from the VM's description: RAM size, number of harts, the bootargs, an
 * initrd range, and what the host's DT said (the ISA string, the timebase,
 * the paging mode offered).  The fuzzer chooses all of these:
 *
 *   byte 0      flags: bit 0 an initrd, bit 1 Sv48 (else Sv39), bit 2 the
 *               board's /soc part fails, bit 3 the board's part is padded
 *               (so the tree runs out of room in different places)
 *   u16         guest RAM: 4 MiB + 2 MiB * (n % 511), up to 1 GiB - what
 *               vm_create accepts (multiples of 2 MiB, at least 4 MiB, and
 *               no more than Umbra's host RAM window)
 *   u8          harts: 1..VM_MAX_VCPUS
 *   u32         the host timebase (a u32 in the host DT)
 *   u32         initrd size (if bit 0), placed the way vm_create places it
 *   u16         padding bytes of the board part (if bit 3)
 *   u8 + bytes  the host's riscv,isa: any bytes, up to 255 (a NUL ends it)
 *   u8 + rest   the bootargs: the rest of the input, any bytes (a NUL ends
 *               it), repeated 1..64 times so it can outgrow the 64 KiB tree
 *
 * The outcome must be one of:
 *   - an error (ERR_INVAL, with a message), the VM's fdt_gpa untouched -
 *     and only when the tree cannot fit: the board part failed, or the
 *     bootargs and padding leave too little room (never for a tree well
 *     under 64 KiB, always for bootargs of 64 KiB or more);
 *   - success, with fdt_gpa at the top of RAM minus 2 MiB and there a tree
 *     that passes a full structural check (header, blocks inside the
 *     buffer, every tag and name and property inside the structure and
 *     strings blocks, nesting balanced, properties before subnodes, no
 *     duplicate property in a node, unique phandles - what libfdt's
 *     fdt_check_full()
 *     checks; the copy of libfdt in Linux 6.1 leaves that function out, so
 *     the harness has its own) and that holds what was asked: /chosen
 *     bootargs byte for byte, the initrd range, stdout-path naming a node
 *     that exists, one memory node with the RAM's base and size, the
 *     timebase, exactly N cpu@i nodes each with reg i, the guest ISA string
 *     (the host's without 'h' and the privileged multi-letter extensions;
 *     exact unless the host's has tokens of 63 bytes or more), the
 *     mmu-type, and an interrupt controller carrying the phandle the board
 *     part was given for that hart;
 *   - and either way nothing written outside the 64 KiB the tree may use
 *     (canaries around it; ASan everywhere).
 *
 * guest_fdt.c calls out of itself only for vdev_board_fdt() (the /soc node,
 * src/vdev/board.c) and pr_err(); the stubs are below.  libfdt is compiled
 * into this harness from the sources the Makefile extracts from Debian's
 * linux-source-6.1 (build/libfdt/src), included here so that the harness
 * needs no rule of its own.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/*
 * libfdt, compiled into the harness.  The builder uses the sequential-write
 * part (fdt_sw.c, fdt_strerror.c): instrumented like Umbra's code.  The
 * read-only part only serves the harness's checks, so like the rest of the
 * checking it is left out of the coverage (it would dominate the run time).
 *
 * libfdt's memcmp() calls go to a plain loop instead: libFuzzer hooks every
 * memcmp to learn the bytes compared, and fdt_sw.c's string-table search
 * (one memcmp per offset of the table, for every property added) spent half
 * the run time there, for guidance worth nothing (the names are constants).
 */
#include <string.h>

static __attribute__((no_sanitize("coverage"))) int fdt_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

#define memcmp fdt_memcmp
#pragma clang attribute push(__attribute__((no_sanitize("coverage"))), apply_to = function)
#include "fuzz.h"
#include "fdt.c"
#include "fdt_ro.c"
#pragma clang attribute pop
#include "fdt_sw.c"
#include "fdt_strerror.c"
#undef memcmp

#include "platform.h"
#include "vm.h"

#define GUEST_FDT_MAX (64 * 1024)      /* as guest_fdt.c */
#define RAM_MAX       (1ull << 30)     /* HOST_RAM_MAX, rounded up */
#define CANARY_SIZE   4096
#define CANARY        0x5c

/* ---- Failing ------------------------------------------------------------------- */

/* A broken invariant stops the run (fuzz.h): libFuzzer keeps the input. */
#define INVARIANT(cond, what) FUZZ_CHECK(cond, "%s", what)

/* Checking code is not instrumented for coverage (see fuzz_virtio.c). */
#define CHECKER FUZZ_NOCOV

/* ---- The input ------------------------------------------------------------------- */

/* Fields of the input: fuzz.h's reader (zeros once it runs out). */

/* ---- Stubs for what guest_fdt.c calls ------------------------------------------------ */

struct platform platform;

static unsigned errors_printed;

void console_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	errors_printed++;
}

/* What the board part should do this run. */
static bool board_fails;
static uint32_t board_pad;
static uint32_t board_phandles[VM_MAX_VCPUS];

/*
 * A stand-in for board.c's /soc: the console node stdout-path names, and an
 * interrupt controller whose interrupts-extended refers to each hart's
 * interrupt controller through the callback - the references the harness
 * checks resolve.  Optionally padded, or failing.
 */
int vdev_board_fdt(struct vm *vm, void *fdt, uint32_t (*intc_phandle)(unsigned hart))
{
	static const uint8_t zeros[48 * 1024];
	fdt32_t ext[2 * VM_MAX_VCPUS];
	int err;

	if (board_fails)
		return -FDT_ERR_BADSTATE;
	for (unsigned h = 0; h < vm->nvcpus; h++) {
		board_phandles[h] = intc_phandle(h);
		ext[2 * h] = cpu_to_fdt32(board_phandles[h]);
		ext[2 * h + 1] = cpu_to_fdt32(9);
	}
	if ((err = fdt_begin_node(fdt, "soc")) < 0 ||
	    (err = fdt_property(fdt, "fuzz,pad", zeros, board_pad)) < 0 ||
	    (err = fdt_begin_node(fdt, "plic@c000000")) < 0 ||
	    (err = fdt_property(fdt, "interrupts-extended", ext, 8 * vm->nvcpus)) < 0 ||
	    (err = fdt_end_node(fdt)) < 0 ||
	    (err = fdt_begin_node(fdt, "serial@10000000")) < 0 ||
	    (err = fdt_property_string(fdt, "compatible", "ns16550a")) < 0 ||
	    (err = fdt_end_node(fdt)) < 0)
		return err;
	return fdt_end_node(fdt);
}

/* ---- A full structural check of a DTB (DT specification v0.4, ch. 5) ------------ */

/* Property names seen in the node being walked, to catch duplicates. */
#define MAX_PROPS 64

struct level {
	bool seen_child;
	unsigned nprops;
	const char *props[MAX_PROPS];
};

/* Phandles must be unique, and neither 0 nor -1 (DT spec 2.3.3). */
static uint32_t phandles[64];
static unsigned nphandles;

static CHECKER bool phandle_new(uint32_t ph)
{
	if (ph == 0 || ph == 0xffffffff || nphandles >= ARRAY_SIZE(phandles))
		return false;
	for (unsigned i = 0; i < nphandles; i++)
		if (phandles[i] == ph)
			return false;
	phandles[nphandles++] = ph;
	return true;
}

static CHECKER bool dt_valid(const void *fdt, size_t bufsize)
{
	static struct level lv[32];
	int depth = -1, off = 0, next;
	bool ended = false;

	nphandles = 0;
	if (fdt_check_header(fdt) || fdt_totalsize(fdt) > bufsize || fdt_num_mem_rsv(fdt) < 0)
		return false;
	for (;;) {
		uint32_t tag = fdt_next_tag(fdt, off, &next);

		if (next < 0)
			return false;
		switch (tag) {
		case FDT_BEGIN_NODE: {
			int len;
			const char *name = fdt_get_name(fdt, off, &len);

			if (!name || (depth < 0) != (len == 0) || ended || depth + 1 >= 32)
				return false;
			if (depth >= 0)
				lv[depth].seen_child = true;
			depth++;
			lv[depth].seen_child = false;
			lv[depth].nprops = 0;
			break;
		}
		case FDT_END_NODE:
			if (depth < 0)
				return false;
			if (--depth < 0)
				ended = true;
			break;
		case FDT_PROP: {
			int len, nlen;
			const struct fdt_property *p = fdt_get_property_by_offset(fdt, off, &len);
			const char *name;
			struct level *l;

			if (depth < 0 || !p)
				return false;
			name = fdt_get_string(fdt, fdt32_to_cpu(p->nameoff), &nlen);
			l = &lv[depth];
			if (!name || nlen == 0 || l->seen_child || l->nprops >= MAX_PROPS)
				return false;
			for (unsigned i = 0; i < l->nprops; i++)
				if (!strcmp(l->props[i], name))
					return false;
			l->props[l->nprops++] = name;
			if (!strcmp(name, "phandle") &&
			    (len != 4 || !phandle_new(fdt32_to_cpu(*(const fdt32_t *)p->data))))
				return false;
			break;
		}
		case FDT_NOP:
			break;
		case FDT_END:
			return ended && depth < 0 &&
			       (unsigned)next == fdt_size_dt_struct(fdt);
		default:
			return false;
		}
		off = next;
	}
}

/* ---- What the tree must say ------------------------------------------------------------- */

/* The guest ISA string by the rule guest_fdt.c states: single letters of
 * the "rv..." token without 'h' (after "rv64"), and of the multi-letter
 * extensions only the 'z' ones other than zicbo*.  false when the host
 * string is too odd for an exact answer (a token of 64 bytes or more, or a
 * result that would not fit). */
static CHECKER bool expected_isa(const char *host, char *out, size_t outlen)
{
	char copy[256], *save = NULL;
	size_t n = 0;

	snprintf(copy, sizeof(copy), "%s", host);
	for (char *tok = strtok_r(copy, "_", &save); tok; tok = strtok_r(NULL, "_", &save)) {
		size_t len = strlen(tok);

		if (len >= 63)
			return false;
		if (!strncmp(tok, "rv", 2)) {
			for (size_t i = 0; i < len; i++)
				if (i < 4 || tok[i] != 'h') {
					if (n + 1 >= outlen)
						return false;
					out[n++] = tok[i];
				}
		} else if (tok[0] == 'z' && strncmp(tok, "zicbo", 5)) {
			if (n + 1 + len + 1 >= outlen)
				return false;
			out[n++] = '_';
			memcpy(out + n, tok, len);
			n += len;
		}
	}
	out[n] = 0;
	return true;
}

/* A host ISA string of the usual form: "rv32..." or "rv64..." followed by
 * lowercase letters, then "_"-separated multi-letter extensions. */
static CHECKER bool well_formed_isa(const char *isa)
{
	size_t i = 4;

	if (strncmp(isa, "rv32", 4) && strncmp(isa, "rv64", 4))
		return false;
	while (isa[i] >= 'a' && isa[i] <= 'z')
		i++;
	for (; isa[i]; i++)
		if (!(isa[i] == '_' && isa[i + 1] >= 'a' && isa[i + 1] <= 'z') &&
		    !(isa[i] >= 'a' && isa[i] <= 'z') && !(isa[i] >= '0' && isa[i] <= '9'))
			return false;
	return !strstr(isa, "_rv");
}

/* Whatever the host said, the result is a string of < 256 bytes and has no
 * privileged multi-letter extension; from a well-formed host string it has
 * no 'h' among the single letters either. */
static CHECKER void check_isa_shape(const char *isa, size_t len)
{
	char copy[256], *save = NULL;
	bool first = true;

	INVARIANT(len < sizeof(copy) && memchr(isa, 0, len + 1) == isa + len, "riscv,isa not a string of < 256 bytes");
	memcpy(copy, isa, len + 1);
	for (char *tok = strtok_r(copy, "_", &save); tok; tok = strtok_r(NULL, "_", &save), first = false) {
		if (!strncmp(tok, "rv", 2)) {
			if (first && well_formed_isa(platform.isa))
				INVARIANT(strlen(tok) < 4 || !strchr(tok + 4, 'h'), "guest ISA has the H extension");
		} else {
			INVARIANT(tok[0] == 'z' && strncmp(tok, "zicbo", 5), "guest ISA has a privileged extension");
		}
	}
}

static const void *prop(const void *fdt, int node, const char *name, int *len)
{
	return node < 0 ? NULL : fdt_getprop(fdt, node, name, len);
}

static CHECKER bool prop_is(const void *fdt, int node, const char *name,
			    const void *want, size_t want_len)
{
	int len;
	const void *p = prop(fdt, node, name, &len);

	return p && (size_t)len == want_len && !memcmp(p, want, want_len);
}

static bool prop_str(const void *fdt, int node, const char *name, const char *want)
{
	return prop_is(fdt, node, name, want, strlen(want) + 1);
}

static bool prop_u32(const void *fdt, int node, const char *name, uint32_t want)
{
	fdt32_t v = cpu_to_fdt32(want);

	return prop_is(fdt, node, name, &v, sizeof(v));
}

static bool prop_u64(const void *fdt, int node, const char *name, uint64_t want)
{
	fdt64_t v = cpu_to_fdt64(want);

	return prop_is(fdt, node, name, &v, sizeof(v));
}

struct request {
	struct vm vm;
	struct vm_config cfg;
	uint64_t initrd_gpa;
	const char *bootargs;
	size_t bootargs_len;
};

static CHECKER void check_cpus(const void *fdt, const struct request *rq)
{
	char isa[256], name[32];
	bool exact = expected_isa(platform.isa, isa, sizeof(isa));
	const char *mmu = platform.guest_satp_mode == SATP_MODE_SV48 ? "riscv,sv48" : "riscv,sv39";
	int cpus = fdt_path_offset(fdt, "/cpus");

	INVARIANT(prop_u32(fdt, cpus, "#address-cells", 1) && prop_u32(fdt, cpus, "#size-cells", 0),
		  "/cpus cells");
	INVARIANT(prop_u32(fdt, cpus, "timebase-frequency", (uint32_t)platform.timebase_hz),
		  "timebase-frequency is not the host's");
	for (unsigned i = 0; i < rq->vm.nvcpus; i++) {
		int len, cpu, intc;
		const char *got;

		snprintf(name, sizeof(name), "cpu@%u", i);
		cpu = fdt_subnode_offset(fdt, cpus, name);
		INVARIANT(prop_str(fdt, cpu, "device_type", "cpu") && prop_u32(fdt, cpu, "reg", i) &&
			  prop_str(fdt, cpu, "status", "okay") && prop_str(fdt, cpu, "compatible", "riscv"),
			  "cpu node properties");
		INVARIANT(prop_str(fdt, cpu, "mmu-type", mmu), "mmu-type is not the paging mode offered");
		got = prop(fdt, cpu, "riscv,isa", &len);
		INVARIANT(got && len >= 1, "cpu without riscv,isa");
		check_isa_shape(got, (size_t)len - 1);
		if (exact)
			INVARIANT(!strcmp(got, isa), "guest ISA string is not the host's filtered");
		intc = fdt_subnode_offset(fdt, cpu, "interrupt-controller");
		INVARIANT(prop_str(fdt, intc, "compatible", "riscv,cpu-intc") &&
			  prop_u32(fdt, intc, "#interrupt-cells", 1) &&
			  prop(fdt, intc, "interrupt-controller", &len) && len == 0,
			  "hart interrupt controller");
		INVARIANT(board_phandles[i] && prop_u32(fdt, intc, "phandle", board_phandles[i]),
			  "the board's phandle does not lead to the hart's interrupt controller");
	}
	snprintf(name, sizeof(name), "cpu@%u", rq->vm.nvcpus);
	INVARIANT(fdt_subnode_offset(fdt, cpus, name) < 0, "more cpu nodes than harts");
}

static CHECKER void check_tree(const void *fdt, const struct request *rq)
{
	char path[64];
	fdt64_t reg[2] = { cpu_to_fdt64(rq->vm.ram_gpa), cpu_to_fdt64(rq->vm.ram_size) };
	int root = fdt_path_offset(fdt, "/"), chosen = fdt_path_offset(fdt, "/chosen"), mem, len;
	const char *stdout_path;

	INVARIANT(dt_valid(fdt, GUEST_FDT_MAX), "the guest DTB fails the structural check");
	INVARIANT(prop_u32(fdt, root, "#address-cells", 2) && prop_u32(fdt, root, "#size-cells", 2),
		  "root cells");
	INVARIANT(prop_is(fdt, chosen, "bootargs", rq->bootargs, rq->bootargs_len + 1),
		  "bootargs are not the ones asked for");
	stdout_path = prop(fdt, chosen, "stdout-path", &len);
	INVARIANT(stdout_path && len > 0 && !stdout_path[len - 1] && fdt_path_offset(fdt, stdout_path) >= 0,
		  "stdout-path does not name a node");
	if (rq->cfg.initrd_size)
		INVARIANT(prop_u64(fdt, chosen, "linux,initrd-start", rq->initrd_gpa) &&
			  prop_u64(fdt, chosen, "linux,initrd-end", rq->initrd_gpa + rq->cfg.initrd_size),
			  "initrd range wrong");
	else
		INVARIANT(!prop(fdt, chosen, "linux,initrd-start", &len) &&
			  !prop(fdt, chosen, "linux,initrd-end", &len), "initrd properties without an initrd");
	snprintf(path, sizeof(path), "/memory@%llx", (unsigned long long)rq->vm.ram_gpa);
	mem = fdt_path_offset(fdt, path);
	INVARIANT(prop_str(fdt, mem, "device_type", "memory") && prop_is(fdt, mem, "reg", reg, sizeof(reg)),
		  "memory node wrong");
	check_cpus(fdt, rq);
}

/* ---- The guest RAM window ----------------------------------------------------------------- */

/*
 * Guest RAM is address space, not memory: one reservation of the largest
 * size, of which only the pages around the tree are ever touched.
 */
static uint8_t *ram;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ram = mmap(NULL, RAM_MAX, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ram == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return 0;
}

static CHECKER bool canaries_ok(const uint8_t *p)
{
	static const uint8_t canary[CANARY_SIZE] = { [0 ... CANARY_SIZE - 1] = CANARY };

	return !memcmp(p, canary, CANARY_SIZE);
}

/* ---- The fuzzer's entry point ---------------------------------------------------------------- */

static char isa_in[256];
static char bootargs[256 * 1024];

/* Read the run's request from the input; false if vm_create would have
 * refused it before building a tree. */
static bool read_request(struct fuzz_in *in, struct request *rq)
{
	uint8_t flags = fuzz_u8(in);
	uint64_t top;
	size_t n, chunk_len;
	unsigned reps;
	const char *chunk;

	memset(rq, 0, sizeof(*rq));
	rq->vm.ram_gpa = GUEST_RAM_BASE;
	rq->vm.ram_size = (4ull << 20) + (2ull << 20) * (fuzz_u16(in) % 511);
	rq->vm.mem_size = rq->vm.ram_size;	/* (no firmware hole here) */
	rq->vm.ram = ram;
	rq->vm.nvcpus = 1 + fuzz_u8(in) % VM_MAX_VCPUS;
	rq->vm.exit_reason = -1;
	platform.timebase_hz = fuzz_u32(in);
	platform.guest_satp_mode = flags & 2 ? SATP_MODE_SV48 : SATP_MODE_SV39;
	rq->cfg.mem_size = rq->vm.ram_size;
	rq->cfg.nvcpus = rq->vm.nvcpus;
	rq->cfg.initrd_size = flags & 1 ? fuzz_u32(in) % rq->vm.ram_size : 0;
	board_fails = flags & 4;
	board_pad = flags & 8 ? fuzz_u16(in) % (48 * 1024) : 0;

	/* The host ISA: up to 255 bytes, a C string. */
	n = fuzz_u8(in);
	n = MIN(n, in->n);
	memcpy(isa_in, in->p, n);
	isa_in[n] = 0;
	in->p += n;
	in->n -= n;
	snprintf(platform.isa, sizeof(platform.isa), "%s", isa_in);

	/* The bootargs: the rest, as a C string, repeated. */
	reps = 1 + fuzz_u8(in) % 64;
	chunk = (const char *)in->p;
	chunk_len = strnlen(chunk, in->n);
	chunk_len = MIN(chunk_len, sizeof(bootargs) / reps - 1);
	for (unsigned i = 0; i < reps; i++)
		memcpy(bootargs + i * chunk_len, chunk, chunk_len);
	rq->bootargs_len = reps * chunk_len;
	bootargs[rq->bootargs_len] = 0;
	rq->bootargs = rq->cfg.bootargs = bootargs;

	/* vm_create: the initrd goes just below the tree's 2 MiB, page
	 * aligned, and no lower than 4 MiB into RAM. */
	if (rq->cfg.initrd_size) {
		top = rq->vm.ram_gpa + rq->vm.ram_size - (2 << 20);
		rq->initrd_gpa = ALIGN_DOWN(top - rq->cfg.initrd_size, PAGE_SIZE);
		if (rq->initrd_gpa < rq->vm.ram_gpa + (4 << 20) ||
		    !vm_gpa_to_hva(&rq->vm, rq->initrd_gpa, rq->cfg.initrd_size))
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct request rq;
	struct fuzz_in in = { data, size };
	uint64_t fdt_gpa;
	uint8_t *window;
	int err;

	if (!read_request(&in, &rq))
		return 0;
	fdt_gpa = rq.vm.ram_gpa + rq.vm.ram_size - (2 << 20);
	window = ram + (fdt_gpa - rq.vm.ram_gpa);
	memset(window - CANARY_SIZE, CANARY, CANARY_SIZE + GUEST_FDT_MAX + CANARY_SIZE);
	memset(board_phandles, 0, sizeof(board_phandles));
	errors_printed = 0;

	err = vm_build_fdt(&rq.vm, &rq.cfg, rq.initrd_gpa);

	INVARIANT(canaries_ok(window - CANARY_SIZE) && canaries_ok(window + GUEST_FDT_MAX),
		  "the builder wrote outside the tree's 64 KiB");
	if (err) {
		INVARIANT(err == ERR_INVAL && errors_printed && rq.vm.fdt_gpa == 0,
			  "a failure is not a clean ERR_INVAL with a message");
		INVARIANT(board_fails || rq.bootargs_len + board_pad + 16 * 1024 >= GUEST_FDT_MAX,
			  "a tree well under 64 KiB failed to build");
		return 0;
	}
	INVARIANT(!board_fails, "the board part failed and the tree was still built");
	INVARIANT(rq.bootargs_len < GUEST_FDT_MAX, "64 KiB of bootargs fit in a 64 KiB tree");
	INVARIANT(rq.vm.fdt_gpa == fdt_gpa && !errors_printed, "success, but fdt_gpa wrong or an error printed");
	check_tree(window, &rq);
	return 0;
}
