/*
 * umbra.h - things every Umbra source file uses: fixed-width types, the
 * console, panic, and a few tiny helpers.
 */
#ifndef UMBRA_H
#define UMBRA_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "riscv.h"
#include "errors.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)   (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Console output (src/core/console.c), formatted by picolibc's vsnprintf. */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_puts(const char *s);
/* A guest's console (console.c): its output, tagged with its name when
 * there are several guests, and what the user typed for it (-1: nothing). */
#define CONSOLE_MAX_GUESTS 8
void console_guest_register(unsigned id, const char *name);
void console_guest_putc(unsigned id, int c);
int console_guest_getc(unsigned id);
void console_use_uart(void);
#define pr_info(...)  console_printf("umbra: " __VA_ARGS__)
#define pr_err(...)   console_printf("umbra: error: " __VA_ARGS__)

/* A broken Umbra invariant: report and stop the machine. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
#define ASSERT(c) do { if (!(c)) panic("%s:%d: assertion '%s' failed", __FILE__, __LINE__, #c); } while (0)

/*
 * CSR access by name: csr_read(sstatus), csr_write(stvec, x), ...
 * Host unit tests (tests/host/) compile Umbra's pure logic with
 * UMBRA_HOST_TEST and supply a simulated hart's CSRs instead.
 */
#ifdef UMBRA_HOST_TEST
uint64_t host_csr_read(const char *name);
void host_csr_write(const char *name, uint64_t val);
void host_sfence_vma(bool by_va, uint64_t va, bool by_asid, uint64_t asid);
#define __csr_read(csr)       host_csr_read(#csr)
#define __csr_write(csr, val) host_csr_write(#csr, (uint64_t)(val))
#define __csr_set(csr, val)   host_csr_write(#csr, host_csr_read(#csr) | (uint64_t)(val))
#define __csr_clear(csr, val) host_csr_write(#csr, host_csr_read(#csr) & ~(uint64_t)(val))
#define sfence_vma_all()         host_sfence_vma(false, 0, false, 0)
#define sfence_vma_asid(asid)    host_sfence_vma(false, 0, true, (asid))
#define sfence_vma_va(va, asid)  host_sfence_vma(true, (va), true, (asid))
#define hfence_gvma_all()        ((void)0)
#define hfence_vvma_all()        ((void)0)
#define hfence_vvma(va, asid)    ((void)(va), (void)(asid))
#define hfence_vvma_va(va)       ((void)(va))
#define hfence_vvma_asid(asid)   ((void)(asid))
#else
/* The real hart's TLB: drop everything, one ASID's entries, or one page's. */
#define sfence_vma_all() __asm__ volatile("sfence.vma" ::: "memory")
#define sfence_vma_asid(asid) \
	__asm__ volatile("sfence.vma zero, %0" :: "r"((uint64_t)(asid)) : "memory")
#define sfence_vma_va(va, asid) \
	__asm__ volatile("sfence.vma %0, %1" :: "r"((uint64_t)(va)), "r"((uint64_t)(asid)) : "memory")
/*
 * The H extension's TLB fences (written as .insn: the assembler knows them
 * only with H in -march).  hfence.vvma fences the guest's own (VS-stage)
 * translations of the VMID in hgatp: by address (rs1), guest ASID (rs2),
 * both, or all; hfence.gvma fences the G-stage.
 */
#define hfence_gvma_all() __asm__ volatile(".insn r 0x73, 0, 0x31, x0, x0, x0" ::: "memory")
#define hfence_vvma_all() __asm__ volatile(".insn r 0x73, 0, 0x11, x0, x0, x0" ::: "memory")
#define hfence_vvma(va, asid) __asm__ volatile(".insn r 0x73, 0, 0x11, x0, %0, %1" \
	:: "r"((uint64_t)(va)), "r"((uint64_t)(asid)) : "memory")
#define hfence_vvma_va(va) __asm__ volatile(".insn r 0x73, 0, 0x11, x0, %0, x0" \
	:: "r"((uint64_t)(va)) : "memory")
#define hfence_vvma_asid(asid) __asm__ volatile(".insn r 0x73, 0, 0x11, x0, x0, %0" \
	:: "r"((uint64_t)(asid)) : "memory")
#define __csr_read(csr) ({ uint64_t __v; __asm__ volatile("csrr %0, " #csr : "=r"(__v) :: "memory"); __v; })
#define __csr_write(csr, val) ({ __asm__ volatile("csrw " #csr ", %0" :: "rK"((uint64_t)(val)) : "memory"); })
#define __csr_set(csr, val)   ({ __asm__ volatile("csrs " #csr ", %0" :: "rK"((uint64_t)(val)) : "memory"); })
#define __csr_clear(csr, val) ({ __asm__ volatile("csrc " #csr ", %0" :: "rK"((uint64_t)(val)) : "memory"); })
#endif
/* One more level, so that a CSR named by a number macro (CSR_HSTATUS) works:
 * the assembler knows the H CSRs only by number when H is not in -march. */
#define csr_read(csr)       __csr_read(csr)
#define csr_write(csr, val) __csr_write(csr, val)
#define csr_set(csr, val)   __csr_set(csr, val)
#define csr_clear(csr, val) __csr_clear(csr, val)

#endif
