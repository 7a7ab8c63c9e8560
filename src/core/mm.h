/*
 * mm.h - host memory: the page allocator and Umbra's window mappings.
 *
 * All host RAM is mapped in Umbra's window at VA = PA + UMBRA_VA_OFFSET
 * (layout.h), so converting between the two is an addition.
 */
#ifndef UMBRA_MM_H
#define UMBRA_MM_H

#include "umbra.h"
#include "layout.h"

static inline void *mm_pa_to_va(uint64_t pa) { return (void *)(pa + UMBRA_VA_OFFSET); }
static inline uint64_t mm_va_to_pa(const void *va) { return (uint64_t)va - UMBRA_VA_OFFSET; }

/* Hand Umbra the RAM [base, base+size) minus what is in use below 'free_from'
 * and the 'reserved' ranges (staged guest images).  Builds the final window
 * page table and switches to it. */
struct mm_range { uint64_t base, size; };
int mm_init(uint64_t base, uint64_t size, uint64_t free_from,
	    const struct mm_range *reserved, unsigned nreserved);

void *mm_alloc_page(void);                       /* one zeroed 4 KiB page */
void mm_free_page(void *page);
void *mm_alloc_contig(uint64_t size, uint64_t align); /* zeroed, never freed */
uint64_t mm_free_bytes(void);

/* Map a device's registers into the I/O part of the window (NULL before mm_init). */
void *mm_map_io(uint64_t pa, uint64_t size);

/* The root PTE every page table Umbra installs must carry in slot 511 so that
 * the window (and so the trap vector) stays mapped, and Umbra's own satp. */
uint64_t mm_window_pte(void);
uint64_t mm_host_satp(void);

#endif
