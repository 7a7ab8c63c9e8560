/*
 * board.c - the machine a guest sees: QEMU virt's devices at QEMU virt's
 * addresses, so an unmodified kernel built for QEMU virt finds them where it
 * expects (and in its device tree, written here too):
 *
 *   0x0c000000  PLIC          sources 1..95, contexts M and S per hart
 *   0x10000000  NS16550A UART PLIC source 10  <->  the host console
 *   0x10001000  virtio-blk    PLIC source 1   <->  its host virtio disk (vm->disk)
 *   0x10002000  virtio-console PLIC source 2  <->  the host console
 *   0x10003000  virtio-net    PLIC source 3  <->  Umbra's switch (vm->net)
 *
 * Input typed on the host console is polled (vdev_board_poll) and goes to
 * the UART; so are frames waiting for the network card (src/net).
 */
#include <stdio.h>
#include <string.h>
#include <libfdt.h>
#include "vdev.h"
#include "models.h"
#include "virtio.h"
#include "vm.h"
#include "vcpu.h"
#include "mm.h"
#include "host.h"
#include "lock.h"
#include "net.h"

#define VIRTIO_BLK_BASE  0x10001000UL
#define VIRTIO_CON_BASE  0x10002000UL
#define VIRTIO_SIZE      0x1000UL
#define VIRTIO_BLK_IRQ   1
#define VIRTIO_CON_IRQ   2
#define VIRTIO_NET_BASE  0x10003000UL
#define VIRTIO_NET_IRQ   3
#define PLIC_PHANDLE     0x100

struct board {
	spinlock_t lock;          /* one device access, poll or completion at a time */
	struct plic plic;
	struct uart16550 uart;
	struct virtio_blk blk;
	struct virtio_console con;
	struct vdev plic_dev, uart_dev, blk_dev, con_dev;
	bool has_blk;
	struct vnic *nic;         /* the network card (src/net), or NULL */
	int held;                 /* an input byte the UART had no room for, or -1 */
};

/* ---- Wiring ----------------------------------------------------------------- */

/* A PLIC context's output: S-mode contexts drive their hart's sip.SEIP. */
static void board_eip(void *ctx, unsigned context, bool level)
{
	struct vm *vm = ctx;
	unsigned hart = context / 2;

	if (context % 2 == 0 || hart >= vm->nvcpus || !vm->vcpus[hart])
		return;		/* M-mode contexts go nowhere: a guest has no M-mode */
	vcpu_set_irq(vm->vcpus[hart], SIP_SEIP, level);
}

/* The devices' interrupt wires all go to the PLIC. */
void vdev_irq(struct vm *vm, unsigned irq, bool level)
{
	plic_set_irq(&vm->board->plic, irq, level);
}

int vdev_access(struct vm *vm, struct vdev *d, uint64_t offset, unsigned width,
		bool write, uint64_t *val)
{
	struct board *b = vm->board;
	spin_lock(&b->lock);
	int err = d->access(d, offset, width, write, val);
	spin_unlock(&b->lock);
	return err;
}

static void uart_irq(void *ctx, bool level)
{
	vdev_irq(ctx, UART_VIRT_IRQ, level);
}

static void blk_irq(void *ctx, bool level)
{
	vdev_irq(ctx, VIRTIO_BLK_IRQ, level);
}

static void con_irq(void *ctx, bool level)
{
	vdev_irq(ctx, VIRTIO_CON_IRQ, level);
}

static void uart_tx(void *ctx, uint8_t byte)
{
	struct vm *vm = ctx;
	console_guest_putc(vm->id, byte);
}

static void con_tx(void *ctx, const uint8_t *buf, size_t len)
{
	struct vm *vm = ctx;
	while (len--)
		console_guest_putc(vm->id, *buf++);
}

static void *board_gpa_to_hva(void *ctx, uint64_t gpa, uint64_t len)
{
	return vm_guest_ram(ctx, gpa, len);
}

/* The guest's disk is the host's: its buffers go to the real device by
 * their host physical address (guest RAM is host RAM). */
static int blk_read(void *ctx, uint64_t sector, void *buf, uint32_t len)
{
	struct vm *vm = ctx;
	return host_blk_rw(vm->disk, sector, mm_va_to_pa(buf), len, false);
}

static int blk_write(void *ctx, uint64_t sector, const void *buf, uint32_t len)
{
	struct vm *vm = ctx;
	return host_blk_rw(vm->disk, sector, mm_va_to_pa(buf), len, true);
}

static int blk_flush(void *ctx)
{
	struct vm *vm = ctx;
	return host_blk_flush(vm->disk);
}

/* ---- Creation -------------------------------------------------------------- */

static int add(struct vm *vm, struct vdev *d, const char *name, uint64_t base,
	       uint64_t size, vdev_access_fn access, void *priv)
{
	*d = (struct vdev){ .name = name, .base = base, .size = size,
			    .access = access, .priv = priv };
	return vdev_register(vm, d);
}

int vdev_board_create(struct vm *vm)
{
	struct board *b = mm_alloc_contig(ALIGN_UP(sizeof(*b), PAGE_SIZE), PAGE_SIZE);
	const struct virtio_host host = { vm, board_gpa_to_hva, NULL };
	int err;

	if (!b)
		return ERR_NOMEM;
	vm->board = b;
	b->held = -1;
	err = plic_init(&b->plic, PLIC_VIRT_NSOURCES, 2 * vm->nvcpus, board_eip, vm);
	if (!err)
		err = add(vm, &b->plic_dev, "plic", PLIC_VIRT_BASE, PLIC_VIRT_SIZE,
			  plic_access, &b->plic);

	uart_init(&b->uart, uart_tx, uart_irq, vm);
	if (!err)
		err = add(vm, &b->uart_dev, "uart", UART_VIRT_BASE, UART_VIRT_SIZE,
			  uart_access, &b->uart);

	if (!err && vm->disk) {
		struct virtio_host h = host;
		const struct virtio_blk_backend be = { vm, blk_read, blk_write, blk_flush };
		const struct virtio_blk_params p = { .capacity = host_blk_capacity(vm->disk),
						     .id = "umbra-disk" };
		h.irq = blk_irq;
		err = virtio_blk_init(&b->blk, &h, &be, &p);
		if (!err)
			err = add(vm, &b->blk_dev, "virtio-blk", VIRTIO_BLK_BASE, VIRTIO_SIZE,
				  virtio_mmio_access, &b->blk.vdev);
		b->has_blk = !err;
	}
	if (!err) {
		struct virtio_host h = host;
		const struct virtio_console_backend be = { vm, con_tx, NULL };
		h.irq = con_irq;
		err = virtio_console_init(&b->con, &h, &be, 0, 0);
		if (!err)
			err = add(vm, &b->con_dev, "virtio-console", VIRTIO_CON_BASE, VIRTIO_SIZE,
				  virtio_mmio_access, &b->con.vdev);
	}
	if (!err && vm->net) {
		uint8_t mac[6], zero[6] = { 0 };

		if (memcmp(vm->mac, zero, 6))
			memcpy(mac, vm->mac, 6);
		else
			net_default_mac(vm->id, mac);
		err = net_vnic_create(vm, VIRTIO_NET_BASE, VIRTIO_NET_IRQ, mac, &b->nic);
	}
	return err;
}

/* Move what the user typed into the guest's UART, as far as it has room. */
void vdev_board_poll(struct vm *vm)
{
	struct board *b = vm->board;
	int c;

	if (!b)
		return;
	spin_lock(&b->lock);
	for (;;) {
		c = b->held >= 0 ? b->held : console_guest_getc(vm->id);
		if (c < 0)
			break;
		if (!uart_rx_push(&b->uart, (uint8_t)c)) {
			b->held = c;
			break;
		}
		b->held = -1;
	}
	if (b->nic)
		net_vnic_poll(b->nic);
	spin_unlock(&b->lock);
}

/* ---- The guest's device tree ------------------------------------------------- */

#define CHECK(x) do { int __e = (x); if (__e < 0) return __e; } while (0)

static int fdt_reg(void *fdt, uint64_t base, uint64_t size)
{
	fdt64_t v[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };
	return fdt_property(fdt, "reg", v, sizeof(v));
}

static int fdt_virtio(void *fdt, uint64_t base, unsigned irq)
{
	char name[32];
	snprintf(name, sizeof(name), "virtio_mmio@%lx", base);
	CHECK(fdt_begin_node(fdt, name));
	CHECK(fdt_property_string(fdt, "compatible", "virtio,mmio"));
	CHECK(fdt_reg(fdt, base, VIRTIO_SIZE));
	CHECK(fdt_property_u32(fdt, "interrupts", irq));
	CHECK(fdt_property_u32(fdt, "interrupt-parent", PLIC_PHANDLE));
	return fdt_end_node(fdt);
}

/* The /soc node; 'intc_phandle(i)' is hart i's interrupt-controller node. */
int vdev_board_fdt(struct vm *vm, void *fdt, uint32_t (*intc_phandle)(unsigned hart))
{
	struct board *b = vm->board;
	char name[32];

	CHECK(fdt_begin_node(fdt, "soc"));
	CHECK(fdt_property_u32(fdt, "#address-cells", 2));
	CHECK(fdt_property_u32(fdt, "#size-cells", 2));
	CHECK(fdt_property_string(fdt, "compatible", "simple-bus"));
	CHECK(fdt_property(fdt, "ranges", "", 0));

	snprintf(name, sizeof(name), "plic@%lx", PLIC_VIRT_BASE);
	CHECK(fdt_begin_node(fdt, name));
	static const char plic_compat[] = "sifive,plic-1.0.0\0riscv,plic0";
	CHECK(fdt_property(fdt, "compatible", plic_compat, sizeof(plic_compat)));
	CHECK(fdt_reg(fdt, PLIC_VIRT_BASE, PLIC_VIRT_SIZE));
	CHECK(fdt_property_u32(fdt, "#interrupt-cells", 1));
	CHECK(fdt_property_u32(fdt, "#address-cells", 0));
	CHECK(fdt_property(fdt, "interrupt-controller", "", 0));
	CHECK(fdt_property_u32(fdt, "riscv,ndev", PLIC_VIRT_NSOURCES));
	/* Context 2h is hart h's M-mode (interrupt 11), 2h+1 its S-mode (9). */
	fdt32_t ext[4 * VM_MAX_VCPUS];
	for (unsigned h = 0; h < vm->nvcpus; h++) {
		ext[4 * h + 0] = cpu_to_fdt32(intc_phandle(h));
		ext[4 * h + 1] = cpu_to_fdt32(11);
		ext[4 * h + 2] = cpu_to_fdt32(intc_phandle(h));
		ext[4 * h + 3] = cpu_to_fdt32(9);
	}
	CHECK(fdt_property(fdt, "interrupts-extended", ext, 16 * vm->nvcpus));
	CHECK(fdt_property_u32(fdt, "phandle", PLIC_PHANDLE));
	CHECK(fdt_end_node(fdt));

	snprintf(name, sizeof(name), "serial@%lx", UART_VIRT_BASE);
	CHECK(fdt_begin_node(fdt, name));
	CHECK(fdt_property_string(fdt, "compatible", "ns16550a"));
	CHECK(fdt_reg(fdt, UART_VIRT_BASE, UART_VIRT_SIZE));
	CHECK(fdt_property_u32(fdt, "clock-frequency", 3686400));
	CHECK(fdt_property_u32(fdt, "interrupts", UART_VIRT_IRQ));
	CHECK(fdt_property_u32(fdt, "interrupt-parent", PLIC_PHANDLE));
	CHECK(fdt_end_node(fdt));

	if (b->has_blk)
		CHECK(fdt_virtio(fdt, VIRTIO_BLK_BASE, VIRTIO_BLK_IRQ));
	CHECK(fdt_virtio(fdt, VIRTIO_CON_BASE, VIRTIO_CON_IRQ));
	if (b->nic)
		CHECK(fdt_virtio(fdt, VIRTIO_NET_BASE, VIRTIO_NET_IRQ));
	return fdt_end_node(fdt);
}
