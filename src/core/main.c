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
#include "sched.h"

#define UMBRA_VERSION "0.1"

extern char _umbra_end[], boot_stack[];

struct boot_csrs boot_csrs;

static struct vm vm0;

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

/*
 * Umbra's command line (chosen/bootargs of the host DT, written by the run
 * script): "guest=ADDR,SIZE [initrd=ADDR,SIZE] [mem=SIZE] [smp=N]
 * [backend=auto|shadow|hext] [patch=0|1] -- GUEST ARGS".
 * The images were staged in host RAM by QEMU's loader device.
 */
static int parse_cmdline(const char *line, struct vm_config *cfg, const char **backend)
{
	static char buf[1024];
	snprintf(buf, sizeof(buf), "%s", line);
	cfg->mem_size = 128 << 20;
	cfg->nvcpus = 1;
	cfg->bootargs = "";
	cfg->patch = true;

	char *p = buf;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (!strncmp(p, "--", 2) && (p[2] == ' ' || !p[2])) {
			cfg->bootargs = p[2] ? p + 3 : p + 2;
			break;
		}
		char *tok = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = 0;
		int err = 0;
		uint64_t n;
		if (!strncmp(tok, "guest=", 6))
			err = parse_range(tok + 6, &cfg->kernel_pa, &cfg->kernel_size);
		else if (!strncmp(tok, "initrd=", 7))
			err = parse_range(tok + 7, &cfg->initrd_pa, &cfg->initrd_size);
		else if (!strncmp(tok, "mem=", 4))
			err = parse_size(tok + 4, &cfg->mem_size);
		else if (!strncmp(tok, "backend=", 8)) {
			if (!strcmp(tok + 8, "hext") || !strcmp(tok + 8, "shadow") ||
			    !strcmp(tok + 8, "auto"))
				*backend = tok + 8;
			else
				err = ERR_INVAL;
		} else if (!strcmp(tok, "patch=0") || !strcmp(tok, "patch=1")) {
			cfg->patch = tok[6] == '1';
		} else if (!strncmp(tok, "smp=", 4)) {
			err = parse_size(tok + 4, &n);
			cfg->nvcpus = n;
		} else {
			pr_err("unknown option '%s' on Umbra's command line\n", tok);
			return ERR_INVAL;
		}
		if (err) {
			pr_err("bad value in '%s'\n", tok);
			return err;
		}
	}
	if (!cfg->kernel_size) {
		pr_err("no guest image given (guest=ADDR,SIZE)\n");
		return ERR_INVAL;
	}
	/* More vCPUs than harts share them (core/sched.c). */
	if (cfg->nvcpus < 1 || cfg->nvcpus > VM_MAX_VCPUS) {
		pr_err("smp=%u: a VM has 1 to %u vCPUs\n", cfg->nvcpus, VM_MAX_VCPUS);
		return ERR_NOTSUPP;
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

void umbra_main(unsigned long hartid, uint64_t fdt_pa)
{
	struct vm_config cfg = { 0 };
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

	const char *backend = "auto";
	err = parse_cmdline(platform.bootargs, &cfg, &backend);
	if (err)
		fail("command line", err);
	/* auto: the H extension where the hart has it, else trap-and-emulate. */
	if (!strcmp(backend, "hext") && !platform.has_h) {
		pr_err("backend=hext: this hart has no H extension (use backend=shadow or auto)\n");
		vm_exit(NULL, SBI_SRST_REASON_SYSFAIL);
	}
	bool hext = !strcmp(backend, "hext") || (!strcmp(backend, "auto") && platform.has_h);
	cfg.backend = hext ? &hext_backend : &vcpu_backend_shadow;
	pr_info("backend: %s (%s)\n", hext ? "hext, two-stage translation" :
		"shadow, trap-and-emulate",
		!strcmp(backend, "auto") ? (platform.has_h ? "the hart has H" : "the hart has no H")
					 : "as asked");

	/* Hand RAM to the allocator, keeping the staged images and the host DT. */
	struct mm_range reserved[3];
	unsigned nreserved = 0;
	reserved[nreserved++] = (struct mm_range){ cfg.kernel_pa, cfg.kernel_size };
	reserved[nreserved++] = (struct mm_range){ platform.fdt_pa, platform.fdt_size };
	if (cfg.initrd_size)
		reserved[nreserved++] = (struct mm_range){ cfg.initrd_pa, cfg.initrd_size };
	err = mm_init(platform.ram_base, platform.ram_size, mm_va_to_pa(_umbra_end),
		      reserved, nreserved);
	if (err)
		fail("host memory (are the staged images inside RAM?)", err);

	if (platform.uart_pa && host_uart_init(platform.uart_pa) == 0)
		console_use_uart();
	if (platform.nvirtio) {
		err = host_blk_init(platform.virtio_pa, platform.nvirtio);
		if (err && err != ERR_NOTFOUND)
			fail("the host's virtio-blk disk", err);
	}

	err = vm_create(&vm0, &cfg);
	if (err)
		fail("creating the guest", err);
	pr_info("guest: %lu MiB RAM, %u vCPU%s, entry 0x%lx, %s\n",
		vm0.mem_size >> 20, vm0.nvcpus, vm0.nvcpus > 1 ? "s" : "", vm0.entry_gpa,
		cfg.bootargs);
	/* vm_create placed the vCPUs on the harts (sched_add); each hart's
	 * scheduler runs them, vCPU 0 first, the others once the guest starts
	 * them (SBI HSM). */
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
