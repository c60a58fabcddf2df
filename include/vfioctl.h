/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "errors.h"

/* Global options parsed by main() before the command. */
struct vfioctl_opts {
	bool json;
	int verbose;
};
extern struct vfioctl_opts opts;

/*
 * Command handlers get argv starting at the command name (getopt-ready) and
 * return 0, a positive VERDICT_* or -errno; only main() maps to exit codes
 * (errors.h).
 */

/* A command's options, for its getopt loop and main's argument count check. */
struct cmd_options {
	const char *shortopts;
	const struct option *longopts;
};

enum {
	CMD_HIDDEN = 1 << 0, /* not listed in --help (udev-add: the udev rule's helper) */
	CMD_NO_SYSROOT = 1 << 1, /* runs without a valid --sysroot (help) */
};

/*
 * An entry of main's command table or of a command's subcommand table (sriov).
 * command_run() checks the operand count against min_args/max_args (-1: no
 * limit) before run(); the message names the missing operands from usage.
 */
struct command {
	const char *name;
	int (*run)(int argc, char *argv[]);
	const char *help; /* one line for 'vfioctl --help' */
	const char *usage; /* after "vfioctl NAME ": the synopsis of vfioctl(8) */
	int min_args, max_args;
	unsigned flags;
	const struct cmd_options *options; /* NULL: no getopt (operands from argv[1]) */
};

/*
 * Run cmd with argv[0] its name: argv[0] becomes "PARENT NAME" (getopt's
 * messages start with it). Wrong operand counts return -E_USAGE with a
 * message, unless the options ask for --help or are wrong (the command's own
 * getopt loop then says so).
 */
int command_run(const char *parent, const struct command *cmd, int argc, char *argv[]);

/*
 * "Usage: vfioctl NAME USAGE" of the running command, wrapped at 80 columns:
 * the first line of every help text.
 */
void command_usage(FILE *f);
/* Print the usage line of a given (sub)command: "PREFIX vfioctl NAME USAGE". */
void command_usage_of(FILE *f, const char *prefix, const char *parent, const struct command *cmd);

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

extern const struct cmd_options list_options, show_options, snapshot_options, groups_options,
	check_options, doctor_options, bind_options, unbind_options, restore_options, sriov_options,
	apply_options, status_options;
/*
 * `vfioctl apply --early` (src/apply-early.c): the initramfs' binding by
 * address. Never fails for the boot's sake: always 0 once started (see there).
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

/*
 * The whole getopt loop of a command that has only the common options:
 * 1 go on (optind at the first operand), 0 help was shown, -E_USAGE.
 */
int common_options_only(int argc, char *argv[], const struct cmd_options *o, void (*help)(FILE *));
