/*
 * riscv.h - the one hardware header: CSR numbers, CSR fields, trap causes,
 * page-table entry bits and SBI numbers, as the RISC-V privileged spec and
 * the SBI spec define them.  Nothing here is Umbra policy; it is all ISA.
 *
 * Usable from C (host and target) and from assembly (only the #defines).
 */
#ifndef UMBRA_RISCV_H
#define UMBRA_RISCV_H

#ifdef __ASSEMBLER__
#define _UL(x) x
#else
#define _UL(x) x##UL
#endif
#define BIT(n) (_UL(1) << (n))

/* ---- Privilege levels ------------------------------------------------ */
#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

/* ---- Integer registers by ABI name (the calling convention; the SBI
 * passes arguments in a0-a5, the function in a6, the extension in a7) ---- */
#define REG_RA 1
#define REG_SP 2
#define REG_A0 10
#define REG_A1 11
#define REG_A2 12
#define REG_A3 13
#define REG_A4 14
#define REG_A5 15
#define REG_A6 16
#define REG_A7 17

/* ---- CSR numbers (privileged spec, table 2.2-2.6) --------------------- */
/* Unprivileged floating point and counters. */
#define CSR_FFLAGS     0x001
#define CSR_FRM        0x002
#define CSR_FCSR       0x003
#define CSR_CYCLE      0xc00
#define CSR_TIME       0xc01
#define CSR_INSTRET    0xc02
/* Supervisor. */
#define CSR_SSTATUS    0x100
#define CSR_SIE        0x104
#define CSR_STVEC      0x105
#define CSR_SCOUNTEREN 0x106
#define CSR_SENVCFG    0x10a
#define CSR_SSCRATCH   0x140
#define CSR_SEPC       0x141
#define CSR_SCAUSE     0x142
#define CSR_STVAL      0x143
#define CSR_SIP        0x144
#define CSR_STIMECMP   0x14d
#define CSR_SATP       0x180
/* Hypervisor (H extension): HS-mode's view of the guest. */
#define CSR_HSTATUS    0x600
#define CSR_HEDELEG    0x602
#define CSR_HIDELEG    0x603
#define CSR_HIE        0x604
#define CSR_HTIMEDELTA 0x605
#define CSR_HCOUNTEREN 0x606
#define CSR_HGEIE      0x607
#define CSR_HENVCFG    0x60a
#define CSR_HTVAL      0x643
#define CSR_HIP        0x644
#define CSR_HVIP       0x645
#define CSR_HTINST     0x64a
#define CSR_HGATP      0x680
/* The virtual supervisor's own CSRs (what a guest in VS-mode sees as s*). */
#define CSR_VSSTATUS   0x200
#define CSR_VSIE       0x204
#define CSR_VSTVEC     0x205
#define CSR_VSSCRATCH  0x240
#define CSR_VSEPC      0x241
#define CSR_VSCAUSE    0x242
#define CSR_VSTVAL     0x243
#define CSR_VSIP       0x244
#define CSR_VSTIMECMP  0x24d
#define CSR_VSATP      0x280

/* hstatus */
#define HSTATUS_GVA    BIT(6)
#define HSTATUS_SPV    BIT(7)   /* sret returns to a virtual mode */
#define HSTATUS_SPVP   BIT(8)   /* ... its privilege (1 = VS) */
#define HSTATUS_HU     BIT(9)
#define HSTATUS_VTVM   BIT(20)
#define HSTATUS_VTW    BIT(21)  /* wfi in VS traps (virtual instruction) */
#define HSTATUS_VTSR   BIT(22)
#define HSTATUS_VSXL   (3UL << 32)  /* VS-mode XLEN (WARL) */
/* The VS-level interrupts in hip/hie/hvip/hideleg sit one bit above the
 * S-level ones they are to the guest (VSSIP = bit 2 is the guest's SSIP). */
#define IRQ_VS_SOFT    2
#define IRQ_VS_TIMER   6
#define IRQ_VS_EXT     10
#define HIP_VS_MASK    (BIT(IRQ_VS_SOFT) | BIT(IRQ_VS_TIMER) | BIT(IRQ_VS_EXT))
/* hgatp */
#define HGATP_MODE_SHIFT 60
#define HGATP_VMID_SHIFT 44
#define HGATP_VMID       (_UL(0x3fff) << HGATP_VMID_SHIFT)   /* VMIDLEN <= 14 (WARL) */
#define HGATP_MODE_SV39X4 _UL(8)
#define HGATP_MODE_SV48X4 _UL(9)
#define HENVCFG_STCE   BIT(63)
#define HENVCFG_ADUE   BIT(61)  /* Svadu: VS-stage A/D updated by hardware */
#define INSN_WRS_NTO   0x00d00073  /* Zawrs wrs.nto */
/* Machine (never accessible to a guest; listed for tests). */
#define CSR_MSTATUS    0x300
#define CSR_MISA       0x301
#define CSR_MHARTID    0xf14

/*
 * A CSR number encodes its own access rules (spec section 2.1):
 * bits 11:10 = 3 means read-only, bits 9:8 = lowest privilege that may
 * access it (0 U, 1 S, 2 H/VS, 3 M).
 */
#define CSR_READ_ONLY(csr)  ((((csr) >> 10) & 3) == 3)
#define CSR_MIN_PRIV(csr)   (((csr) >> 8) & 3)

/* ---- sstatus ------------------------------------------------------------ */
#define SSTATUS_SIE    BIT(1)
#define SSTATUS_SPIE   BIT(5)
#define SSTATUS_UBE    BIT(6)
#define SSTATUS_SPP    BIT(8)
#define SSTATUS_VS     (_UL(3) << 9)
#define SSTATUS_FS     (_UL(3) << 13)
#define SSTATUS_FS_OFF     (_UL(0) << 13)
#define SSTATUS_FS_INITIAL (_UL(1) << 13)
#define SSTATUS_FS_CLEAN   (_UL(2) << 13)
#define SSTATUS_FS_DIRTY   (_UL(3) << 13)
#define SSTATUS_XS     (_UL(3) << 15)
#define SSTATUS_SUM    BIT(18)
#define SSTATUS_MXR    BIT(19)
#define SSTATUS_UXL    (_UL(3) << 32)
#define SSTATUS_UXL_64 (_UL(2) << 32)
#define SSTATUS_SD     BIT(63)

/* ---- sie / sip: interrupt numbers and bits -------------------------------- */
#define IRQ_S_SOFT     1
#define IRQ_S_TIMER    5
#define IRQ_S_EXT      9
#define IRQ_LCOF       13
#define SIP_SSIP       BIT(IRQ_S_SOFT)
#define SIP_STIP       BIT(IRQ_S_TIMER)
#define SIP_SEIP       BIT(IRQ_S_EXT)
#define SIE_SSIE       SIP_SSIP
#define SIE_STIE       SIP_STIP
#define SIE_SEIE       SIP_SEIP

/* ---- stvec ------------------------------------------------------------------ */
#define STVEC_MODE_MASK     _UL(3)
#define STVEC_MODE_DIRECT   0
#define STVEC_MODE_VECTORED 1

/* ---- scause ------------------------------------------------------------------ */
#define CAUSE_INTERRUPT            BIT(63)
#define CAUSE_MISALIGNED_FETCH     0
#define CAUSE_FETCH_ACCESS         1
#define CAUSE_ILLEGAL_INSTRUCTION  2
#define CAUSE_BREAKPOINT           3
#define CAUSE_MISALIGNED_LOAD      4
#define CAUSE_LOAD_ACCESS          5
#define CAUSE_MISALIGNED_STORE     6
#define CAUSE_STORE_ACCESS         7
#define CAUSE_USER_ECALL           8
#define CAUSE_SUPERVISOR_ECALL     9
#define CAUSE_VIRTUAL_SUPERVISOR_ECALL 10
#define CAUSE_MACHINE_ECALL        11
#define CAUSE_FETCH_PAGE_FAULT     12
#define CAUSE_LOAD_PAGE_FAULT      13
#define CAUSE_STORE_PAGE_FAULT     15
#define CAUSE_FETCH_GUEST_PAGE_FAULT 20
#define CAUSE_LOAD_GUEST_PAGE_FAULT  21
#define CAUSE_VIRTUAL_INSTRUCTION    22
#define CAUSE_STORE_GUEST_PAGE_FAULT 23
#define CAUSE_EXCEPTION_COUNT        24

/* ---- satp ------------------------------------------------------------------- */
#define SATP_MODE_SHIFT 60
#define SATP_MODE       (_UL(0xf) << SATP_MODE_SHIFT)
#define SATP_ASID_SHIFT 44
#define SATP_ASID       (_UL(0xffff) << SATP_ASID_SHIFT)
#define SATP_PPN        ((_UL(1) << 44) - 1)
#define SATP_MODE_BARE  _UL(0)
#define SATP_MODE_SV39  _UL(8)
#define SATP_MODE_SV48  _UL(9)
#define SATP_MODE_SV57  _UL(10)

/* ---- scounteren / senvcfg ----------------------------------------------------- */
#define COUNTEREN_CY   BIT(0)
#define COUNTEREN_TM   BIT(1)
#define COUNTEREN_IR   BIT(2)
#define SENVCFG_FIOM   BIT(0)

/* ---- Page-table entries (Sv39/Sv48/Sv57) ---------------------------------------- */
#define PTE_V  BIT(0)
#define PTE_R  BIT(1)
#define PTE_W  BIT(2)
#define PTE_X  BIT(3)
#define PTE_U  BIT(4)
#define PTE_G  BIT(5)
#define PTE_A  BIT(6)
#define PTE_D  BIT(7)
#define PTE_PPN_SHIFT 10
#define PAGE_SHIFT 12
#define PAGE_SIZE  (_UL(1) << PAGE_SHIFT)

/* ---- Instruction encodings Umbra emulates -------------------------------------- */
#define INSN_OPCODE_SYSTEM 0x73
#define INSN_OPCODE_LOAD     0x03  /* lb lh lw ld lbu lhu lwu */
#define INSN_OPCODE_LOAD_FP  0x07  /* flw fld */
#define INSN_OPCODE_STORE    0x23  /* sb sh sw sd */
#define INSN_OPCODE_STORE_FP 0x27  /* fsw fsd */
#define INSN_OPCODE_AMO      0x2f  /* lr sc amo*: decoded, never emulated */
#define INSN_IS_COMPRESSED(raw) (((raw) & 3) != 3)  /* 16-bit if low bits != 0b11 */

/* ---- SBI (SBI spec v2.0) ----------------------------------------------------- */
#define SBI_EXT_LEGACY_SET_TIMER        0x00
#define SBI_EXT_LEGACY_CONSOLE_PUTCHAR  0x01
#define SBI_EXT_LEGACY_CONSOLE_GETCHAR  0x02
#define SBI_EXT_LEGACY_CLEAR_IPI        0x03
#define SBI_EXT_LEGACY_SEND_IPI         0x04
#define SBI_EXT_LEGACY_REMOTE_FENCE_I   0x05
#define SBI_EXT_LEGACY_REMOTE_SFENCE_VMA 0x06
#define SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID 0x07
#define SBI_EXT_LEGACY_SHUTDOWN         0x08
#define SBI_EXT_BASE   0x10
#define SBI_EXT_TIME   0x54494d45  /* "TIME" */
#define SBI_EXT_IPI    0x735049    /* "sPI" */
#define SBI_EXT_RFENCE 0x52464e43  /* "RFNC" */
#define SBI_EXT_HSM    0x48534d    /* "HSM" */
#define SBI_EXT_SRST   0x53525354  /* "SRST" */
#define SBI_EXT_DBCN   0x4442434e  /* "DBCN" */
#define SBI_EXT_PMU    0x504d55    /* "PMU" */
#define SBI_EXT_SUSP   0x53555350  /* "SUSP" */
#define SBI_EXT_CPPC   0x43505043  /* "CPPC" */
#define SBI_EXT_NACL   0x4e41434c  /* "NACL" */
#define SBI_EXT_STA    0x535441    /* "STA" */
#define SBI_EXT_SSE    0x535345    /* "SSE" */
#define SBI_EXT_FWFT   0x46574654  /* "FWFT" */
#define SBI_EXT_DBTR   0x44425452  /* "DBTR" */
#define SBI_EXT_MPXY   0x4d505859  /* "MPXY" */

#define SBI_BASE_GET_SPEC_VERSION 0
#define SBI_BASE_GET_IMPL_ID      1
#define SBI_BASE_GET_IMPL_VERSION 2
#define SBI_BASE_PROBE_EXT        3
#define SBI_BASE_GET_MVENDORID    4
#define SBI_BASE_GET_MARCHID      5
#define SBI_BASE_GET_MIMPID       6

#define SBI_TIME_SET_TIMER 0
#define SBI_IPI_SEND_IPI   0
#define SBI_RFENCE_FENCE_I         0
#define SBI_RFENCE_SFENCE_VMA      1
#define SBI_RFENCE_SFENCE_VMA_ASID 2
#define SBI_HSM_HART_START   0
#define SBI_HSM_HART_STOP    1
#define SBI_HSM_HART_STATUS  2
#define SBI_HSM_HART_SUSPEND 3
#define SBI_HSM_STATE_STARTED 0
#define SBI_HSM_STATE_STOPPED 1
#define SBI_HSM_STATE_START_PENDING 2
#define SBI_HSM_STATE_STOP_PENDING  3
#define SBI_HSM_STATE_SUSPENDED     4
#define SBI_HSM_SUSPEND_RETENTIVE     _UL(0x00000000)
#define SBI_HSM_SUSPEND_NON_RETENTIVE _UL(0x80000000)
#define SBI_SRST_RESET   0
#define SBI_SRST_TYPE_SHUTDOWN    0
#define SBI_SRST_TYPE_COLD_REBOOT 1
#define SBI_SRST_TYPE_WARM_REBOOT 2
#define SBI_SRST_REASON_NONE      0
#define SBI_SRST_REASON_SYSFAIL   1
#define SBI_DBCN_WRITE      0
#define SBI_DBCN_READ       1
#define SBI_DBCN_WRITE_BYTE 2

/* SUSP: system suspend (SBI 2.0 chapter "System Suspend Extension"). */
#define SBI_SUSP_SYSTEM_SUSPEND 0
#define SBI_SUSP_TO_RAM         0

/* PMU (SBI 2.0 chapter "Performance Monitoring Unit Extension"). */
#define SBI_PMU_NUM_COUNTERS          0
#define SBI_PMU_COUNTER_GET_INFO      1
#define SBI_PMU_COUNTER_CONFIG_MATCHING 2
#define SBI_PMU_COUNTER_START         3
#define SBI_PMU_COUNTER_STOP          4
#define SBI_PMU_COUNTER_FW_READ       5
#define SBI_PMU_COUNTER_FW_READ_HI    6
#define SBI_PMU_SNAPSHOT_SET_SHMEM    7
#define SBI_PMU_EVENT_GET_INFO        8
#define SBI_PMU_EVENT_TYPE(idx)       (((idx) >> 16) & 0xf)   /* event_idx[19:16] */
#define SBI_PMU_EVENT_CODE(idx)       ((idx) & 0xffff)        /* event_idx[15:0] */
#define SBI_PMU_TYPE_HW               0
#define SBI_PMU_TYPE_HW_CACHE         1
#define SBI_PMU_TYPE_HW_RAW           2
#define SBI_PMU_TYPE_HW_RAW_V2        3
#define SBI_PMU_TYPE_FW               15
#define SBI_PMU_FW_MISALIGNED_LOAD    0
#define SBI_PMU_FW_MISALIGNED_STORE   1
#define SBI_PMU_FW_ACCESS_LOAD        2
#define SBI_PMU_FW_ACCESS_STORE       3
#define SBI_PMU_FW_ILLEGAL_INSN       4
#define SBI_PMU_FW_SET_TIMER          5
#define SBI_PMU_FW_IPI_SENT           6
#define SBI_PMU_FW_IPI_RECEIVED       7
#define SBI_PMU_FW_FENCE_I_SENT       8
#define SBI_PMU_FW_FENCE_I_RECEIVED   9
#define SBI_PMU_FW_SFENCE_VMA_SENT    10
#define SBI_PMU_FW_SFENCE_VMA_RECEIVED 11
#define SBI_PMU_FW_SFENCE_VMA_ASID_SENT 12
#define SBI_PMU_FW_SFENCE_VMA_ASID_RECEIVED 13
#define SBI_PMU_FW_HFENCE_VVMA_ASID_RECEIVED 21   /* the last standard one */
#define SBI_PMU_FW_EVENTS             22
#define SBI_PMU_CFG_FLAG_SKIP_MATCH   BIT(0)
#define SBI_PMU_CFG_FLAG_CLEAR_VALUE  BIT(1)
#define SBI_PMU_CFG_FLAG_AUTO_START   BIT(2)
#define SBI_PMU_CFG_FLAG_SET_VUINH    BIT(3)
#define SBI_PMU_CFG_FLAG_SET_VSINH    BIT(4)
#define SBI_PMU_CFG_FLAG_SET_UINH     BIT(5)
#define SBI_PMU_CFG_FLAG_SET_SINH     BIT(6)
#define SBI_PMU_CFG_FLAG_SET_MINH     BIT(7)
#define SBI_PMU_START_SET_INIT_VALUE  BIT(0)
#define SBI_PMU_START_INIT_SNAPSHOT   BIT(1)
#define SBI_PMU_STOP_FLAG_RESET       BIT(0)
#define SBI_PMU_STOP_TAKE_SNAPSHOT    BIT(1)
#define SBI_PMU_INFO_FW               BIT(63)        /* counter_info[XLEN-1]: firmware */
#define SBI_PMU_INFO_WIDTH_SHIFT      12             /* counter_info[17:12]: width - 1 */

/* FWFT: firmware features (SBI 3.0 chapter "Firmware Features Extension"). */
#define SBI_FWFT_SET                  0
#define SBI_FWFT_GET                  1
#define SBI_FWFT_MISALIGNED_EXC_DELEG 0
#define SBI_FWFT_LANDING_PAD          1
#define SBI_FWFT_SHADOW_STACK         2
#define SBI_FWFT_DOUBLE_TRAP          3
#define SBI_FWFT_PTE_AD_HW_UPDATING   4
#define SBI_FWFT_SET_FLAG_LOCK        BIT(0)

/* DBTR: debug triggers (SBI 3.0 chapter "Debug Triggers Extension"). */
#define SBI_DBTR_NUM_TRIGGERS         0
#define SBI_DBTR_SET_SHMEM            1
#define SBI_DBTR_READ_TRIGGERS        2
#define SBI_DBTR_INSTALL_TRIGGERS     3
#define SBI_DBTR_UPDATE_TRIGGERS      4
#define SBI_DBTR_UNINSTALL_TRIGGERS   5
#define SBI_DBTR_ENABLE_TRIGGERS      6
#define SBI_DBTR_DISABLE_TRIGGERS     7

/* SSE: supervisor software events (SBI 3.0 chapter "Supervisor Software
 * Events Extension"). */
#define SBI_SSE_READ_ATTRS            0
#define SBI_SSE_WRITE_ATTRS           1
#define SBI_SSE_REGISTER              2
#define SBI_SSE_UNREGISTER            3
#define SBI_SSE_ENABLE                4
#define SBI_SSE_DISABLE               5
#define SBI_SSE_COMPLETE              6
#define SBI_SSE_INJECT                7
#define SBI_SSE_HART_UNMASK           8
#define SBI_SSE_HART_MASK             9

#define SBI_SUCCESS               0
#define SBI_ERR_FAILED           -1
#define SBI_ERR_NOT_SUPPORTED    -2
#define SBI_ERR_INVALID_PARAM    -3
#define SBI_ERR_DENIED           -4
#define SBI_ERR_INVALID_ADDRESS  -5
#define SBI_ERR_ALREADY_AVAILABLE -6
#define SBI_ERR_ALREADY_STARTED  -7
#define SBI_ERR_ALREADY_STOPPED  -8
/* Added by SBI 3.0 (for its FWFT, DBTR, SSE and PMU snapshot functions). */
#define SBI_ERR_NO_SHMEM         -9
#define SBI_ERR_INVALID_STATE    -10
#define SBI_ERR_BAD_RANGE        -11

#endif /* UMBRA_RISCV_H */
