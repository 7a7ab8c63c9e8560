/*
 * layout.h - where Umbra lives in physical and virtual memory.
 * Included from C and assembly.
 *
 * Physical: QEMU virt puts RAM at 0x80000000; OpenSBI owns the first 2 MiB and
 * starts its S-mode payload (us) at 0x80200000.
 *
 * Virtual: the guest kernel runs in real U-mode under Umbra, on page tables
 * Umbra builds (later: shadows of the guest's own tables).  The trap vector,
 * Umbra's code and data must be mapped in those same tables, because a trap
 * does not change satp.  Umbra therefore lives in one window that no guest
 * uses: the top 1 GiB of the address space, 0xffffffffc0000000 and up,
 * mapped without PTE_U so the guest can never touch it.  In Bare mode a guest
 * cannot reach it (it is far above any physical address); Linux's own layout
 * keeps its kernel image below it.  The window holds a linear map of host RAM
 * (VA = PA + UMBRA_VA_OFFSET) and, in its last 2 MiB, Umbra's device mappings.
 */
#ifndef UMBRA_LAYOUT_H
#define UMBRA_LAYOUT_H

#define RAM_PA_BASE      0x80000000
#define UMBRA_PA_BASE    0x80200000
#define WINDOW_VA        0xffffffffc0000000
#define WINDOW_SIZE      0x40000000           /* 1 GiB: one root slot of Sv39 */
#define UMBRA_VA_OFFSET  0xffffffff40000000   /* WINDOW_VA - RAM_PA_BASE */
#define IO_VA_BASE       0xffffffffffe00000   /* last 2 MiB of the window */
#define IO_VA_SIZE       0x200000
#define HOST_RAM_MAX     (WINDOW_SIZE - IO_VA_SIZE)

#define HART_STACK_SIZE  (16 * 1024)
#define MAX_HARTS        8

#endif
