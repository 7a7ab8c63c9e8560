/*
 * trap_frame.h - where the trap vector saves a guest's registers.
 * Shared by vector.S and C; vcpu.h checks with _Static_assert that the C
 * struct trap_frame has exactly these offsets.
 *
 * While a guest runs, sscratch holds the address of its vCPU's trap frame.
 * While Umbra runs, sscratch is 0, which is how the vector tells the two apart.
 */
#ifndef UMBRA_TRAP_FRAME_H
#define UMBRA_TRAP_FRAME_H

#define TF_X(n)     ((n) * 8)   /* x0..x31; the x0 slot is never used */
#define TF_PC       (32 * 8)    /* guest pc: sepc at the trap, sepc at sret */
#define TF_CAUSE    (33 * 8)    /* scause of the trap being handled */
#define TF_TVAL     (34 * 8)    /* stval of the trap being handled */
#define TF_HOST_SP  (35 * 8)    /* top of this hart's Umbra stack */
#define TF_HOST_TP  (36 * 8)    /* this hart's struct hart (tp in Umbra) */
#define TF_SIZE     (37 * 8)

#endif
