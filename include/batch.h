/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "rebind.h"

struct topo;

/* The options bind, unbind and restore share: -o/--only, -n/--dry-run, -f/--force. */
struct batch_flags {
	bool only, dry_run, force;
};
#define BATCH_SHORTOPTS "onf"
/* clang-format off: one initializer a line, as in the option tables */
// clang-format off
#define BATCH_LONGOPTS \
	{ "only", no_argument, NULL, 'o' }, \
	{ "dry-run", no_argument, NULL, 'n' }, \
	{ "force", no_argument, NULL, 'f' }
// clang-format on

/* Sets the flag of option c and returns true, or returns false: not one of them. */
bool batch_flag(struct batch_flags *f, int c);

/*
 * The batch of the named devices: refuses a non-root caller at once (unless
 * a dry run), scans them and their groups, adds them (rebind_add_named()).
 * driver: bind's target, NULL for unbind and restore.
 */
int batch_named(struct rebind_batch **b, struct topo **t, const char *operation, char *const *devs,
		size_t n, const struct batch_flags *f, enum rebind_op op, const char *driver);

/*
 * The common tail of bind/unbind/restore: run the batch (rebind_execute()),
 * print it (text, or --json with "operation"), say what failed or is left.
 * Returns what main() maps to the exit code.
 */
int batch_execute(struct rebind_batch *b, struct topo *t, const char *operation);
