/*
 * demo-paging - turning on virtual memory (Sv39) and watching the hardware
 * use the page table.  A demo for a class; it also runs in the
 * differential suite (tests/test_diff.py).
 *
 * Sv39: a 39-bit virtual address is cut into
 *     VPN[2] (bits 38:30) | VPN[1] (29:21) | VPN[0] (20:12) | offset (11:0)
 * and translated by a walk through up to three 4 KiB tables of 512 PTEs:
 * satp.PPN names the root table; VPN[2] picks a PTE in it; a PTE with
 * R, W and X clear points to the next table, one with any of them set is a
 * leaf mapping a page (at level 2: 1 GiB, level 1: 2 MiB, level 0: 4 KiB).
 * A PTE is  PPN (bits 53:10) | D A G U X W R V (bits 7:0):
 *     V valid, R/W/X what the page allows, U user page, G global,
 *     A accessed (the page was read, written or executed since A was
 *       cleared), D dirty (the page was written since D was cleared).
 * With A = 0 (or D = 0 for a store) the hart either sets the bit in the
 * PTE in memory itself (QEMU does: Svadu) or raises a page fault for the
 * kernel to set it (Svade); this guest prints what it sees.
 *
 * The address space built here:
 *     0x80200000  2 MiB  identity (VA = PA): this kernel, its stack, the tables
 *     UART        4 KiB  identity: the serial port's registers
 *     DATA_VA     4 KiB  -> data_page, read/write, A = D = 0
 *     RO_VA       4 KiB  -> ro_page, read-only, A = 0
 *     HOLE_VA     4 KiB  nothing (V = 0) until the fault handler maps it
 * Then: write satp, sfence.vma, touch each page, print what happened and
 * the PTE afterwards.
 */
#include "../lib/pt.h"
#include "../lib/fdt.h"

#define DATA_VA 0x40000000UL
#define RO_VA   0x40001000UL
#define HOLE_VA 0x40002000UL

#define UART_LSR  5		/* line status register (byte offset) */
#define LSR_THRE  0x20		/* transmitter holding register empty */

/* The physical pages behind the demo mappings (in the image: identity-mapped too). */
static unsigned long data_page[512] __attribute__((aligned(PAGE_SIZE)));
static unsigned long ro_page[512] __attribute__((aligned(PAGE_SIZE)));
static unsigned long hole_page[512] __attribute__((aligned(PAGE_SIZE)));
/* Page tables come from here (pt_alloc: one zeroed 4 KiB frame each). */
static char pool[8 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static unsigned long *pte_data, *pte_ro, *pte_hole;
static int hole_faults;

/* "pte=0x... [VRW---A-]": the PTE as it is in memory now. */
static void show_pte(const char *what, unsigned long *pte)
{
	cprintf("  %-8s PTE = 0x%016lx  flags %s  A=%d D=%d\n", what, *pte,
		pt_flags_str(*pte), !!(*pte & PTE_A), !!(*pte & PTE_D));
}

static const char *va_name(unsigned long va)
{
	return va == DATA_VA ? "DATA_VA" : va == RO_VA ? "RO_VA" :
	       va == HOLE_VA ? "HOLE_VA" : "?";
}

/*
 * Demand paging: a load page fault at HOLE_VA is answered by mapping a
 * page there and returning to the same instruction (sepc unchanged), which
 * then runs again and succeeds.  Everything else goes on to the runtime
 * (expect_trap records it and skips the instruction).
 */
static int fault_handler(struct trap_frame *f)
{
	if (f->scause != CAUSE_LOAD_PAGE_FAULT || f->stval != HOLE_VA)
		return 0;
	hole_faults++;
	cprintf("  handler: load page fault at HOLE_VA: map hole_page there, "
		"sfence.vma HOLE_VA, retry\n");
	*pte_hole = pt_pte((unsigned long)hole_page, PTE_V | PTE_R | PTE_W);
	/*
	 * A page that was not mapped cannot be in the TLB, but the spec
	 * lets a hart remember "not mapped" too: fence before retrying.
	 */
	pt_sfence_va(HOLE_VA);
	return 1;
}

/* One access through expect_trap: "-> ok, value" or "-> scause, stval". */
static void access(const char *what, trap_fn fn, unsigned long va,
		   unsigned long want_cause, unsigned long *value)
{
	struct trap_record t;

	expect_trap(fn, va, &t);
	cprintf("%s %s:", what, va_name(va));
	if (!t.taken) {
		cprintf(" ok");
		if (value)
			*value = t.ret;
		if (fn == pt_ld)
			cprintf(", read 0x%lx", t.ret);
		cprintf("\n");
		check(want_cause == PT_NO_TRAP, "%s %s: no fault", what, va_name(va));
		return;
	}
	cprintf(" scause=%lu (%s) stval=%s (%s), instruction skipped\n",
		t.scause, pt_cause_name(t.scause), va_name(t.stval),
		t.stval == va ? "the address" : "?");
	check(t.scause == want_cause && t.stval == va, "%s %s: %s, stval = the address",
	      what, va_name(va), pt_cause_name(want_cause));
}

int main(void)
{
	unsigned long uart = 0, v;

	test_begin("demo-paging");
	pt_install_trap_entry();
	trap_hook = fault_handler;

	/* Where the UART is: the device tree tells (0x10000000 on QEMU virt). */
	if (fdt_compatible(boot_dtb, "ns16550a", &uart, 1) != 1) {
		check(0, "a UART in the device tree");
		test_end();
	}

	cprintf("-- build the Sv39 page table\n");
	pt_pool_init(pool, sizeof(pool));
	unsigned long *root = pt_alloc();
	/*
	 * The kernel: one 2 MiB leaf at level 1, VA = PA.  A and D are set
	 * in advance: the hart never has to update this PTE.  No U bit:
	 * S-mode only.
	 */
	pt_map(root, 3, 0x80200000UL, 0x80200000UL, 1, PT_KRWX);
	/* The UART's registers: a 4 KiB leaf, read/write, no X. */
	pt_map(root, 3, uart, uart, 0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
	/* The demo pages, with A and D clear to watch the hart set them. */
	pte_data = pt_map(root, 3, DATA_VA, (unsigned long)data_page, 0, PTE_V | PTE_R | PTE_W);
	pte_ro = pt_map(root, 3, RO_VA, (unsigned long)ro_page, 0, PTE_V | PTE_R);
	/* HOLE_VA: the walk creates its level-0 table, the PTE stays 0. */
	pte_hole = pt_slot(root, 3, HOLE_VA, 0);
	data_page[0] = 0x1111;
	ro_page[0] = 0x2222;
	cprintf("  DATA_VA=0x%lx: VPN[2]=%lu VPN[1]=%lu VPN[0]=%lu\n", DATA_VA,
		(DATA_VA >> 30) & 511, (DATA_VA >> 21) & 511, (DATA_VA >> 12) & 511);
	show_pte("DATA_VA", pte_data);
	show_pte("RO_VA", pte_ro);
	show_pte("HOLE_VA", pte_hole);

	/*
	 * satp = MODE (8 = Sv39) | ASID (0) | PPN of the root table.  From
	 * the next instruction on, every fetch, load and store is translated:
	 * the code keeps running only because it is identity-mapped.
	 * sfence.vma (all addresses, all ASIDs) makes the hart forget any
	 * translation it cached from an older table.
	 */
	cprintf("-- satp = Sv39 | root, sfence.vma: paging is on\n");
	pt_switch(pt_satp(SATP_MODE_SV39, 0, root));
	check((csr_read(CSR_SATP) >> SATP_MODE_SHIFT) == SATP_MODE_SV39, "satp.MODE = Sv39");

	/*
	 * A device through the page table: a load from the UART's line
	 * status register (harmless: reading LSR only clears error bits).
	 */
	unsigned char lsr = *(volatile unsigned char *)(uart + UART_LSR);
	cprintf("UART LSR through the identity mapping: transmitter empty = %d\n",
		!!(lsr & LSR_THRE));
	check(lsr & LSR_THRE, "the UART's registers are reachable with paging on");

	cprintf("-- first accesses set A, then D\n");
	access("load from", pt_ld, DATA_VA, PT_NO_TRAP, &v);
	check(v == 0x1111, "DATA_VA shows data_page");
	show_pte("DATA_VA", pte_data);
	check((*pte_data & (PTE_A | PTE_D)) == PTE_A, "a load sets A, not D");
	access("store to", pt_sd, DATA_VA, PT_NO_TRAP, 0);
	show_pte("DATA_VA", pte_data);
	check((*pte_data & (PTE_A | PTE_D)) == (PTE_A | PTE_D), "a store sets D");
	/* The same physical page through its other (identity) address. */
	cprintf("data_page[0] read through its physical address: %s\n",
		data_page[0] == DATA_VA ? "DATA_VA (what the store wrote)" : "something else");
	check(data_page[0] == DATA_VA, "DATA_VA and data_page are the same memory");

	cprintf("-- the read-only page\n");
	access("load from", pt_ld, RO_VA, PT_NO_TRAP, &v);
	check(v == 0x2222, "RO_VA shows ro_page");
	show_pte("RO_VA", pte_ro);
	/* W = 0: the store faults; a faulting access never sets A or D. */
	access("store to", pt_sd, RO_VA, CAUSE_STORE_PAGE_FAULT, 0);
	show_pte("RO_VA", pte_ro);
	check(!(*pte_ro & PTE_D), "the faulting store left D clear");
	check(ro_page[0] == 0x2222, "ro_page unchanged");

	cprintf("-- the unmapped page: a store faults, a load is mapped on demand\n");
	access("store to", pt_sd, HOLE_VA, CAUSE_STORE_PAGE_FAULT, 0);
	access("load from", pt_ld, HOLE_VA, PT_NO_TRAP, &v);
	check(hole_faults == 1, "one load page fault, handled by mapping the page");
	show_pte("HOLE_VA", pte_hole);

	/* Back to Bare mode (no translation) before powering off. */
	pt_switch(0);
	cprintf("-- satp = 0: paging is off\n");
	test_end();
}
