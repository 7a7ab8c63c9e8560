/*
 * main.c - Umbra's boot: from OpenSBI's hand-over to the first guest
 * instruction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "umbra.h"
#include "platform.h"
#include "hart.h"
#include "mm.h"
#include "vm.h"
#include "fw.h"
#include "vcpu.h"
#include "host.h"
#include "hext.h"
#include "config.h"
#include "sched.h"

#define UMBRA_VERSION "0.1"

extern char _umbra_end[], boot_stack[];

struct boot_csrs boot_csrs;

static struct vm vms[CONFIG_MAX_GUESTS];
static struct config config;
static unsigned nvms;

/* Parse a number with an optional K/M/G suffix. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);
	if (end == s)
		return ERR_INVAL;
	switch (*end) {
	case 'G': case 'g': v <<= 10; /* fall through */
	case 'M': case 'm': v <<= 10; /* fall through */
	case 'K': case 'k': v <<= 10; end++; break;
	default: break;
	}
	if (*end && *end != ' ' && *end != ',')
		return ERR_INVAL;
	*out = v;
	return 0;
}

/* "0xADDR,SIZE" */
static int parse_range(const char *s, uint64_t *addr, uint64_t *size)
{
	const char *comma = strchr(s, ',');
	if (!comma || parse_size(s, addr) || parse_size(comma + 1, size))
		return ERR_INVAL;
	return 0;
}

/* What Umbra's command line says: where the configuration is, and how
 * every guest runs. */
struct boot_args {
	uint64_t config_pa, config_size;   /* the staged configuration (config.h) */
	const char *backend;               /* auto, shadow or hext */
	bool patch;                        /* shadow: patch hot sites (src/patch) */
	const char *trace, *trace_vcpu, *trace_pc;   /* the exit trace (trace.h) */
};

/*
 * Umbra's command line (chosen/bootargs of the host DT, written by
 * scripts/run.py): "config=ADDR,SIZE [backend=auto|shadow|hext] [patch=0|1]
 * [trace=KINDS] [trace_vcpu=NAME/N] [trace_pc=LO-HI]".
 * The configuration lists the guests; run.py staged it, and each guest's
 * images, in host RAM with QEMU's loader device.
 */
static int parse_cmdline(const char *line, struct boot_args *args)
{
	static char buf[512];
	snprintf(buf, sizeof(buf), "%s", line);
	args->backend = "auto";
	args->patch = true;

	for (char *p = buf; *p;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		char *tok = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = 0;
		int err = 0;
		if (!strncmp(tok, "config=", 7))
			err = parse_range(tok + 7, &args->config_pa, &args->config_size);
		else if (!strncmp(tok, "backend=", 8)) {
			if (!strcmp(tok + 8, "hext") || !strcmp(tok + 8, "shadow") ||
			    !strcmp(tok + 8, "auto"))
				args->backend = tok + 8;
			else
				err = ERR_INVAL;
		} else if (!strcmp(tok, "patch=0") || !strcmp(tok, "patch=1")) {
			args->patch = tok[6] == '1';
		} else if (!strncmp(tok, "trace=", 6)) {
			args->trace = tok + 6;
		} else if (!strncmp(tok, "trace_vcpu=", 11)) {
			args->trace_vcpu = tok + 11;
		} else if (!strncmp(tok, "trace_pc=", 9)) {
			args->trace_pc = tok + 9;
		} else {
			pr_err("unknown option '%s' on Umbra's command line\n", tok);
			return ERR_INVAL;
		}
		if (err) {
			pr_err("bad value in '%s'\n", tok);
			return err;
		}
	}
	if (trace_configure(args->trace, args->trace_vcpu, args->trace_pc))
		return ERR_INVAL;
	if (!args->config_size) {
		pr_err("no configuration given (config=ADDR,SIZE; boot Umbra through scripts/run.py)\n");
		return ERR_INVAL;
	}
	return 0;
}

/* Write sstatus.UXL (leaving the rest of sstatus as it is) and read it back. */
static unsigned uxl_write(unsigned uxl)
{
	csr_write(sstatus, (csr_read(sstatus) & ~SSTATUS_UXL) | (uint64_t)uxl << 32);
	return (csr_read(sstatus) & SSTATUS_UXL) >> 32;
}

/*
 * sstatus.UXL (U-mode's XLEN) is WARL, and a hart may keep it fixed, accept
 * some values, or (QEMU) ignore a write of 0.  Record what every write does
 * from every value the field can hold, so the guest's virtual UXL behaves
 * exactly like this hart's.  UXL affects only U-mode, so changing it here
 * while Umbra runs in S-mode is harmless.
 */
static void probe_uxl(void)
{
	unsigned saved = (csr_read(sstatus) & SSTATUS_UXL) >> 32;

	for (unsigned from = 0; from < 4; from++)
		for (unsigned w = 0; w < 4; w++)
			platform.uxl_warl[from][w] = from;
	for (unsigned from = 0; from < 4; from++) {
		if (uxl_write(from) != from)
			continue;	/* the field cannot hold this value */
		for (unsigned w = 0; w < 4; w++) {
			uxl_write(from);
			platform.uxl_warl[from][w] = uxl_write(w);
		}
	}
	uxl_write(saved);
}

/*
 * Find out what this hart implements by writing all-ones to a CSR and
 * reading back which bits stuck (restoring the old value after).  The guest's
 * virtual CSRs then keep exactly the bits the real ones keep.
 */
static void probe_hart(void)
{
	uint64_t old;

	old = csr_read(sepc);
	csr_write(sepc, ~0UL);
	platform.sepc_mask = csr_read(sepc);
	csr_write(sepc, old);
	probe_uxl();

	old = csr_read(sie);
	csr_write(sie, ~0UL);
	platform.sie_mask = csr_read(sie);
	csr_write(sie, old);

	old = csr_read(scounteren);
	csr_write(scounteren, ~0UL);
	platform.scounteren_mask = csr_read(scounteren);
	csr_write(scounteren, old);

	/* ASIDLEN: write all-ones to satp.ASID (same root, same mode) and count
	 * the bits that stick. */
	old = csr_read(satp);
	csr_write(satp, old | SATP_ASID);
	platform.asid_bits = __builtin_popcountl(csr_read(satp) & SATP_ASID);
	csr_write(satp, old);
	sfence_vma_all();

	platform.has_sstc = HART_PROBE(old = csr_read(stimecmp));
	platform.has_h = hext_probe();
	/* C: riscv,isa's single letters ("rv64imafdch_zicsr...") name it. */
	const char *isa = platform.isa + (strncmp(platform.isa, "rv64", 4) ? 0 : 4);
	for (; *isa && *isa != '_'; isa++)
		platform.has_c |= *isa == 'c';
	if (platform.has_h) {
		csr_write(CSR_HCOUNTEREN, ~0UL);
		platform.hcounteren_mask = csr_read(CSR_HCOUNTEREN);
	}

	platform.has_senvcfg = HART_PROBE(old = csr_read(senvcfg));
	if (platform.has_senvcfg) {
		csr_write(senvcfg, ~0UL);
		platform.senvcfg_mask = csr_read(senvcfg);
		csr_write(senvcfg, old);
	}
}

/* Stop with a clear message: bad input, not an Umbra bug. */
static void __attribute__((noreturn)) fail(const char *what, int err)
{
	pr_err("%s: %s\n", what, err_str(err));
	vm_exit(NULL, SBI_SRST_REASON_SYSFAIL);
}

/* Create the VM of config guest 'i'. */
static int create_vm(unsigned i, const struct boot_args *args, const struct vcpu_backend *backend)
{
	const struct config_guest *g = &config.guests[i];
	struct vm_config cfg = {
		.name = g->name,
		.kernel_pa = g->kernel_pa, .kernel_size = g->kernel_size,
		.initrd_pa = g->initrd_pa, .initrd_size = g->initrd_size,
		.mem_size = g->mem_size, .backend = backend, .patch = args->patch,
		.nvcpus = g->vcpus, .bootargs = g->bootargs, .net = g->network,
		/* (the config names harts by id, the scheduler by index) */
		.hart_mask = hart_mask_to_index(g->hart_mask),
	};
	if (g->disk) {
		cfg.disk = host_blk_find(g->name);
		if (!cfg.disk) {
			pr_err("guest '%s': its disk is not among the host's virtio-blk devices "
			       "(run.py attaches it with serial=%s)\n", g->name, g->name);
			return ERR_NOTFOUND;
		}
	}
	console_guest_register(i, g->name);
	int err = vm_create(&vms[i], &cfg);
	if (err)
		return err;
	pr_info("guest %s: %lu MiB RAM, %u vCPU%s, entry 0x%lx, %s\n", vms[i].name,
		vms[i].mem_size >> 20, vms[i].nvcpus, vms[i].nvcpus > 1 ? "s" : "",
		vms[i].entry_gpa, cfg.bootargs);
	return 0;
}

void umbra_main(unsigned long hartid, uint64_t fdt_pa)
{
	struct boot_args args;
	char msg[256];
	int err;

	boot_csrs.sstatus = csr_read(sstatus);
	boot_csrs.sie = csr_read(sie);
	boot_csrs.sip = csr_read(sip);
	boot_csrs.scounteren = csr_read(scounteren);

	hart_init(0, hartid, (uint64_t)boot_stack + HART_STACK_SIZE);
	console_puts("Umbra " UMBRA_VERSION ": a RISC-V hypervisor\n");

	err = host_fdt_parse(fdt_pa);
	if (err)
		fail("reading the host device tree", err);
	probe_hart();
	/* Guests get Sv39, and Sv48 where the host has it (shadows use the
	 * guest's own format). */
	platform.guest_satp_mode = strcmp(platform.mmu_type, "riscv,sv39") ? SATP_MODE_SV48
									    : SATP_MODE_SV39;
	if (platform.has_senvcfg)
		boot_csrs.senvcfg = csr_read(senvcfg);
	csr_write(sie, SIE_STIE | SIE_SSIE | SIE_SEIE);

	err = parse_cmdline(platform.bootargs, &args);
	if (err)
		fail("command line", err);
	if (args.config_pa < platform.ram_base || args.config_size > platform.ram_size ||
	    args.config_pa - platform.ram_base > platform.ram_size - args.config_size)
		fail("the configuration is not in host RAM", ERR_RANGE);
	err = config_parse(mm_pa_to_va(args.config_pa), args.config_size, platform.nharts, true,
			   &config, msg, sizeof(msg));
	if (err) {
		pr_err("configuration: %s\n", msg);
		fail("configuration", err);
	}
	/* auto: the H extension where the hart has it, else trap-and-emulate. */
	if (!strcmp(args.backend, "hext") && !platform.has_h) {
		pr_err("backend=hext: this hart has no H extension (use backend=shadow or auto)\n");
		vm_exit(NULL, SBI_SRST_REASON_SYSFAIL);
	}
	bool hext = !strcmp(args.backend, "hext") || (!strcmp(args.backend, "auto") && platform.has_h);
	pr_info("backend: %s (%s)\n", hext ? "hext, two-stage translation" :
		"shadow, trap-and-emulate",
		!strcmp(args.backend, "auto") ? (platform.has_h ? "the hart has H" : "the hart has no H")
					      : "as asked");

	/* Hand RAM to the allocator, keeping the host DT, the configuration
	 * and the staged images. */
	struct mm_range reserved[2 + 2 * CONFIG_MAX_GUESTS];
	unsigned nreserved = 0;
	reserved[nreserved++] = (struct mm_range){ platform.fdt_pa, platform.fdt_size };
	reserved[nreserved++] = (struct mm_range){ args.config_pa, args.config_size };
	for (unsigned i = 0; i < config.nguests; i++) {
		const struct config_guest *g = &config.guests[i];
		reserved[nreserved++] = (struct mm_range){ g->kernel_pa, g->kernel_size };
		if (g->initrd_size)
			reserved[nreserved++] = (struct mm_range){ g->initrd_pa, g->initrd_size };
	}
	err = mm_init(platform.ram_base, platform.ram_size, mm_va_to_pa(_umbra_end),
		      reserved, nreserved);
	if (err)
		fail("host memory (are the staged images inside RAM?)", err);

	if (platform.uart_pa && host_uart_init(platform.uart_pa) == 0)
		console_use_uart();
	if (platform.nvirtio) {
		err = host_blk_init(platform.virtio_pa, platform.nvirtio);
		if (err && err != ERR_NOTFOUND)
			fail("the host's virtio-blk disks", err);
	}
	trace_start();

	const struct vcpu_backend *backend = hext ? &hext_backend : &vcpu_backend_shadow;
	for (nvms = 0; nvms < config.nguests; nvms++) {
		err = create_vm(nvms, &args, backend);
		if (err)
			fail("creating the guests", err);
	}
	/* vm_create placed each VM's vCPUs on the harts (sched_add); each
	 * hart's scheduler runs them, vCPU 0 of each VM at once, the others
	 * once their guest starts them (SBI HSM). */
	sched_start();
}

/* A hart other than the boot hart, started by hart_start_secondaries:
 * run the vCPUs placed on it. */
void hart_secondary_main(unsigned long hartid, unsigned index)
{
	hart_init(index, hartid, hart_stack_top(index));
	csr_write(sie, SIE_STIE | SIE_SSIE | SIE_SEIE);
	csr_clear(sstatus, SSTATUS_SIE);
	sched_hart_main();
}
