/*
 * sbi_dbtr.c - the SBI's debug triggers (DBTR) extension (SBI 3.0, "Debug
 * Triggers Extension"; OpenSBI 1.5.1 implements it on QEMU virt, whose
 * harts have two Sdtrig triggers).
 *
 * Umbra offers the extension with no triggers: trig_max is 0.  Why it does
 * not hand the guest the hart's triggers: they are M-mode CSRs (tdata1-3)
 * that match on the hart's real privilege modes and addresses.  On the
 * shadow backend the guest's S-mode and U-mode both run in U-mode, so a
 * trigger for the guest's kernel would also fire in its user programs (and
 * not the other way round), and the breakpoint exceptions a trigger raises
 * reach Umbra, which uses breakpoints itself (trap-and-patch).  Sharing the
 * triggers between the guest and the firmware's own users would also need
 * the firmware's DBTR to keep the guest's configuration per vCPU.  A DBTR
 * with trig_max = 0 is what the spec permits for a hart with no triggers
 * to give, and every function then answers as the spec's error tables say:
 *
 *   num_triggers(tdata1)        0, SUCCESS ("the number of matching triggers")
 *   set_shmem(lo, hi, flags)    flags != 0 or lo not XLEN/8 aligned:
 *                               INVALID_PARAM; all-ones: disabled; otherwise
 *                               guest RAM or INVALID_ADDRESS
 *   read_triggers(base, n)      NO_SHMEM without shared memory, else
 *                               BAD_RANGE (trig_idx_base >= trig_max)
 *   install/update(n)           NO_SHMEM, else BAD_RANGE (trig_count >= trig_max)
 *   uninstall/enable/disable    INVALID_PARAM for any trigger named (each
 *     (base, mask)              has trig_idx >= trig_max), SUCCESS for none
 */
#include "sbi_internal.h"

#define DBTR_TRIG_MAX 0

enum trap_outcome sbi_dbtr(struct vcpu *v, struct sbi_call *c)
{
	unsigned long lo = c->arg[0], hi = c->arg[1];

	switch (c->fid) {
	case SBI_DBTR_NUM_TRIGGERS:
		c->value = DBTR_TRIG_MAX;
		break;
	case SBI_DBTR_SET_SHMEM:
		if (c->arg[2] || (lo != ~0UL && (lo & 7))) {
			c->error = SBI_ERR_INVALID_PARAM;
		} else if (lo == ~0UL && hi == ~0UL) {
			v->sbi.dbtr_shmem = false;
		} else if (!sbi_shmem_ok(v, lo, hi, DBTR_TRIG_MAX * 32)) {
			c->error = SBI_ERR_INVALID_ADDRESS;
		} else {
			v->sbi.dbtr_shmem = true;
			v->sbi.dbtr_shmem_gpa = lo;
		}
		break;
	case SBI_DBTR_READ_TRIGGERS:
	case SBI_DBTR_INSTALL_TRIGGERS:
	case SBI_DBTR_UPDATE_TRIGGERS:
		c->error = v->sbi.dbtr_shmem ? SBI_ERR_BAD_RANGE : SBI_ERR_NO_SHMEM;
		break;
	case SBI_DBTR_UNINSTALL_TRIGGERS:
	case SBI_DBTR_ENABLE_TRIGGERS:
	case SBI_DBTR_DISABLE_TRIGGERS:
		if (hi)		/* (trig_idx_mask) */
			c->error = SBI_ERR_INVALID_PARAM;
		break;
	default:
		c->error = SBI_ERR_NOT_SUPPORTED;
		break;
	}
	return TRAP_NEXT;
}
