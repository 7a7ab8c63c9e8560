/*
 * sbi_fwft.c - the SBI's firmware features (FWFT) extension: the guest
 * asks for, or asks to change, features its SBI controls on its behalf
 * (SBI 3.0, "Firmware Features Extension"; OpenSBI 1.5.1 implements it).
 *
 *   feature                     what the guest gets under Umbra
 *   0 MISALIGNED_EXC_DELEG      what the firmware does for Umbra's hart: by
 *                               default it emulates misaligned accesses (0),
 *                               for the guest too, below Umbra; if it
 *                               delegated them, Umbra would reflect them to
 *                               the guest (1).  Changing it: DENIED
 *   1 LANDING_PAD               NOT_SUPPORTED (Umbra has no Zicfilp, Zicfiss
 *   2 SHADOW_STACK              or Ssdbltrp for its guests; OpenSBI 1.5.1 on
 *   3 DOUBLE_TRAP               QEMU 10 virt answers the same)
 *   4 PTE_AD_HW_UPDATING        shadow backend: 1, Umbra's walker sets A and
 *                               D the way Svadu hardware does (walk.c);
 *                               H backend: the hardware does it for the
 *                               guest's own tables where the firmware lets
 *                               it (henvcfg.ADUE, hext.c), so the firmware's
 *                               answer.  Changing it: DENIED
 *   other                       DENIED (reserved or platform-specific, and
 *                               unimplemented)
 *
 * DENIED for a change is what the spec's note foresees for hypervisors
 * that "simply passthrough the misaligned delegation state to the
 * Guest/VM and deny any changes"; the same holds for A/D updating, which
 * on the shadow backend is how Umbra's walker works.  Setting a feature
 * to the value it has succeeds, and with the LOCK flag locks it: until the
 * hart is reset (HSM hart_stop, sbi_vcpu_reset) any set is DENIED.
 */
#include "sbi_internal.h"
#include "fw.h"

/* The value the guest sees for a supported feature; SBI_ERR_NOT_SUPPORTED
 * or SBI_ERR_DENIED for the others. */
static long fwft_value(struct vcpu *v, uint32_t feature, unsigned long *value)
{
	struct sbiret r;

	*value = 0;
	switch (feature) {
	case SBI_FWFT_MISALIGNED_EXC_DELEG:
		r = fw_probe(SBI_EXT_FWFT) ? fw_ecall(SBI_EXT_FWFT, SBI_FWFT_GET, feature, 0, 0, 0, 0)
					   : (struct sbiret){ 0, 0 };
		*value = !r.error && r.value;
		return SBI_SUCCESS;
	case SBI_FWFT_LANDING_PAD:
	case SBI_FWFT_SHADOW_STACK:
	case SBI_FWFT_DOUBLE_TRAP:
		return SBI_ERR_NOT_SUPPORTED;
	case SBI_FWFT_PTE_AD_HW_UPDATING:
		if (v->vm->backend == &vcpu_backend_shadow) {
			*value = 1;
			return SBI_SUCCESS;
		}
		if (!fw_probe(SBI_EXT_FWFT))
			return SBI_ERR_NOT_SUPPORTED;
		r = fw_ecall(SBI_EXT_FWFT, SBI_FWFT_GET, feature, 0, 0, 0, 0);
		if (r.error)
			return SBI_ERR_NOT_SUPPORTED;
		*value = r.value != 0;
		return SBI_SUCCESS;
	default:
		return SBI_ERR_DENIED;
	}
}

enum trap_outcome sbi_fwft(struct vcpu *v, struct sbi_call *c)
{
	uint32_t feature = (uint32_t)c->arg[0];	/* a 32-bit parameter */
	unsigned long now, value = c->arg[1], flags = c->arg[2];
	long err;

	switch (c->fid) {
	case SBI_FWFT_GET:
		/* "In case of failure, the content of sbiret.value is zero." */
		c->error = fwft_value(v, feature, &now);
		c->value = (long)now;
		break;
	case SBI_FWFT_SET:
		err = fwft_value(v, feature, &now);
		if (err)
			c->error = err;
		else if (flags & ~SBI_FWFT_SET_FLAG_LOCK)
			c->error = SBI_ERR_INVALID_PARAM;	/* reserved flags */
		else if (v->sbi.fwft_locked & BIT(feature))
			c->error = SBI_ERR_DENIED;
		else if (value > 1)
			c->error = SBI_ERR_INVALID_PARAM;	/* both are 0 or 1 */
		else if (value != now)
			c->error = SBI_ERR_DENIED;		/* see the top */
		else if (flags & SBI_FWFT_SET_FLAG_LOCK)
			v->sbi.fwft_locked |= BIT(feature);
		break;
	default:
		c->error = SBI_ERR_NOT_SUPPORTED;
		break;
	}
	return TRAP_NEXT;
}
