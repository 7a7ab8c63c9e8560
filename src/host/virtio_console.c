/*
 * virtio_console.c - Umbra's driver for a host virtio console (QEMU's
 * virtio-serial-device with one virtconsole port), write-only: it carries
 * Umbra's exit trace (src/core/trace.c) out of the machine into a file on
 * the host (run.py: -chardev file,path=build/trace.log), away from the
 * guests' console.
 *
 * Without the MULTIPORT feature a virtio console has one port, port 0, on
 * two queues (Virtio 1.1, 5.3.2): 0 receiveq (host to Umbra: unused, never
 * set up) and 1 transmitq.  Writes are synchronous: one buffer, one
 * notify, wait until the device has used it (QEMU writes it to the file
 * during the notify).  The caller serialises (trace.c's lock).
 */
#include "host.h"
#include "mm.h"
#include "virtio_mmio.h"

#define TXQ   1
#define QSIZE 2

struct virtq_avail { uint16_t flags, idx, ring[QSIZE], used_event; };
struct virtq_used { uint16_t flags, idx; struct virtq_used_elem ring[QSIZE]; uint16_t avail_event; };

static struct {
	volatile uint32_t *regs;
	struct {
		struct virtq_desc desc[QSIZE];
		struct virtq_avail avail;
		struct virtq_used used __attribute__((aligned(4)));
	} *q;
	uint16_t used_seen;
} cons;

int host_cons_init(const uint64_t *mmio_pa, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t f;
		int err;
		volatile uint32_t *regs = vmmio_probe(mmio_pa[i], VIRTIO_ID_CONSOLE,
						      "virtio-console", &err);
		if (err)
			return err;
		if (!regs)
			continue;
		/* No feature bits: one port, no size or emergency write. */
		if ((err = vmmio_negotiate(regs, 0, &f)))
			return err;
		cons.q = mm_alloc_page();
		if (!cons.q)
			return ERR_NOMEM;
		/* Polled: no used buffer notifications, please (2.6.7). */
		cons.q->avail.flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
		if ((err = vmmio_queue_setup(regs, TXQ, QSIZE, mm_va_to_pa(cons.q->desc),
					     mm_va_to_pa(&cons.q->avail),
					     mm_va_to_pa(&cons.q->used))))
			return err;
		vmmio_driver_ok(regs);
		cons.regs = regs;
		return 0;
	}
	return ERR_NOTFOUND;
}

bool host_cons_present(void)
{
	return cons.regs != NULL;
}

int host_cons_write(const void *buf, uint32_t len)
{
	if (!cons.regs)
		return ERR_NOTFOUND;
	if (!len)
		return 0;
	/* One descriptor: the bytes, which the device reads. */
	cons.q->desc[0] = (struct virtq_desc){ mm_va_to_pa(buf), len, 0, 0 };
	cons.q->avail.ring[cons.q->avail.idx % QSIZE] = 0;
	__asm__ volatile("fence rw, rw" ::: "memory");
	*(volatile uint16_t *)&cons.q->avail.idx = cons.q->avail.idx + 1;
	__asm__ volatile("fence rw, rw" ::: "memory");
	vmmio_wr(cons.regs, VIRTIO_QUEUE_NOTIFY, TXQ);
	while (*(volatile uint16_t *)&cons.q->used.idx == cons.used_seen)
		;
	cons.used_seen++;
	return 0;
}
