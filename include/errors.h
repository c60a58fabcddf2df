/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Results with a fixed exit code (vfioctl(8), EXIT STATUS): engines return
 * them, only main() maps them (main.c: exit_code()).
 */

#include <errno.h>

#define VERDICT_PROBLEM 1 /* a check found a problem: exit 1 */

/*
 * E_USAGE is not an errno: a kernel -EINVAL (a sysfs write the kernel refused) is a
 * failure (exit 3), never "bad usage".
 */
#define E_USAGE 4096 /* bad usage or input: exit 2 */
#define E_REFUSED ECANCELED /* refused, or failed and rolled back: exit 3 */
#define E_PARTIAL ENOTRECOVERABLE /* failed, not fully rolled back: exit 4 */
