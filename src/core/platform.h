/*
 * platform.h - what the host device tree says about the machine Umbra runs
 * on, read once at boot (host_fdt.c), and Umbra's own command line.
 */
#ifndef UMBRA_PLATFORM_H
#define UMBRA_PLATFORM_H

#include "umbra.h"
#include "layout.h"

struct platform {
	uint64_t ram_base, ram_size;
	unsigned nharts;
	unsigned long hartids[MAX_HARTS];
	uint64_t timebase_hz;
	char isa[256];          /* riscv,isa of the boot hart */
	char mmu_type[32];
	uint64_t finisher_pa;   /* QEMU's sifive,test finisher, 0 if none */
	uint64_t uart_pa;       /* the console UART (ns16550a), 0 if none */
	uint64_t virtio_pa[8];  /* virtio-mmio slots */
	unsigned nvirtio;
	const char *bootargs;   /* Umbra's command line (chosen/bootargs) */
	/* The firmware's own memory at the bottom of RAM, as OpenSBI lists it
	 * in /reserved-memory (no-map): S-mode cannot touch it, so neither can
	 * a guest (it gets the same nodes and the same hole). */
	struct { uint64_t base, size; } fw_resv[4];
	unsigned nfw_resv;
	uint64_t fdt_pa, fdt_size;
	/* What the hart implements, found by probing its CSRs at boot. */
	uint64_t sie_mask;        /* S-level interrupts delegated to us */
	uint64_t scounteren_mask;
	uint64_t senvcfg_mask;
	uint64_t sepc_mask;       /* the spec says bit 0 is always 0; QEMU keeps it */
	uint8_t uxl_warl[4][4];   /* sstatus.UXL after writing [new] over [old] */
	bool has_senvcfg;
	unsigned asid_bits;       /* ASIDLEN of the real satp */
	unsigned vmid_bits;       /* VMIDLEN of hgatp (H only) */
	uint64_t guest_satp_mode; /* the widest paging mode offered to guests */
	bool has_h;               /* the hart has the H extension */
	bool has_c;               /* ... compressed instructions (riscv,isa) */
	bool has_sstc;            /* S-mode may use stimecmp (Sstc, enabled by M) */
	uint64_t hcounteren_mask;
};

extern struct platform platform;

/* The S-mode CSRs as OpenSBI handed them to Umbra: a guest starts with these,
 * just as it would have if OpenSBI had started it directly. */
struct boot_csrs {
	uint64_t sstatus, sie, sip, scounteren, senvcfg;
};
extern struct boot_csrs boot_csrs;

int host_fdt_parse(uint64_t fdt_pa);

#endif
