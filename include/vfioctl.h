/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

/* Global options parsed by main() before the command. */
struct vfioctl_opts {
	bool json;
	int verbose;
};
extern struct vfioctl_opts opts;

/*
 * Command handlers get argv starting at the command name (getopt-ready) and
 * return 0, a positive VERDICT_* or -errno; only main() maps to exit codes.
 */
#define VERDICT_PROBLEM 1 /* a check found a problem: exit 1 */

/* Error codes with a fixed exit-code meaning (see main.c: exit_code()). */
/*
 * Not an errno: a kernel -EINVAL (a sysfs write the kernel refused) is a
 * failure (exit 3), never "bad usage".
 */
#define E_USAGE 4096 /* bad usage or input: exit 2 */
#define E_REFUSED ECANCELED /* refused, or failed and rolled back: exit 3 */
#define E_PARTIAL ENOTRECOVERABLE /* failed, not fully rolled back: exit 4 */

struct command {
	const char *name;
	int (*run)(int argc, char *argv[]);
	const char *help;
};

int cmd_list(int argc, char *argv[]);
int cmd_show(int argc, char *argv[]);
int cmd_snapshot(int argc, char *argv[]);
int cmd_groups(int argc, char *argv[]);
int cmd_check(int argc, char *argv[]);
int cmd_doctor(int argc, char *argv[]);
int cmd_bind(int argc, char *argv[]);
int cmd_unbind(int argc, char *argv[]);
int cmd_restore(int argc, char *argv[]);
int cmd_sriov(int argc, char *argv[]);
int cmd_apply(int argc, char *argv[]);
int cmd_status(int argc, char *argv[]);
int cmd_udev_add(int argc, char *argv[]);

struct topo_dev;
struct cfg_origin;
/*
 * Set d's driver_override to want, and probe it for want (its module loaded)
 * unless a driver holds it already (then only a warning). 0 or -errno, said on
 * stderr. The udev helper's and apply --early's one action (cmd-udev-add.c).
 */
int claim_device(const struct topo_dev *d, const char *want, const struct cfg_origin *origin);
/*
 * `vfioctl apply --early` (src/early.c): the initramfs' binding by address.
 * Never fails for the boot's sake: always 0 once started (see there).
 */
int apply_early(const char *file);

/* Options every command accepts after its name, too. */
#define COMMON_LONGOPTS                        \
	{ "json", no_argument, NULL, 'j' },    \
	{                                      \
		"help", no_argument, NULL, 'h' \
	}
#define COMMON_SHORTOPTS "jh"

/*
 * After getopt's own message ("vfioctl list: unrecognized option '--frob'":
 * argv[0] is "vfioctl COMMAND"): point at --help. Returns -E_USAGE.
 */
int usage_error(int argc, char *argv[]);

/*
 * The options every command has (COMMON_SHORTOPTS), for the default: of its
 * getopt loop: -j/--json (1: go on), -h/--help (help on stdout; 0: return 0),
 * or getopt's error (usage_error(): return -E_USAGE).
 */
int common_option(int c, int argc, char *argv[], void (*help)(FILE *));

struct topo;
/* topo_scan() that reports a failure on stderr. */
int topo_scan_reported(struct topo **t, unsigned flags);

/* Print a DEVICE resolution error ("vfioctl: ARG: why") and return it. */
int report_resolve_error(const char *arg, int r);
