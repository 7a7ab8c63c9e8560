/*
 * errors.h - Umbra's error codes.  Functions that can fail return 0 or a
 * positive value on success and one of these negative codes on failure.
 * panic() is kept for broken Umbra invariants, never for bad input.
 */
#ifndef UMBRA_ERRORS_H
#define UMBRA_ERRORS_H

#define ERR_NOMEM     -1   /* out of host memory */
#define ERR_INVAL     -2   /* bad argument, configuration or image */
#define ERR_RANGE     -3   /* address or size outside what is allowed */
#define ERR_NOTFOUND  -4   /* a device-tree node or property is missing */
#define ERR_NOTSUPP   -5   /* the hardware or Umbra lacks what is asked for */
#define ERR_FAULT     -6   /* a guest address does not map to guest memory */

const char *err_str(int err);

#endif
