/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * What makes moving a device unsafe right now: its network interfaces (up
 * with addresses or routes, enslaved), its block devices (mounted, swap, held
 * by dm/md), its VFIO group or device files held open (a running VM or DPDK
 * app), the boot VGA device with a framebuffer console. Each finding is one
 * sentence: what, why, and how to free it.
 */

struct topo;
struct topo_dev;
struct inuse_ctx;

/* Gathers host-wide state (open files, mounts, routes) lazily, once. */
struct inuse_ctx *inuse_ctx_new(void);
void inuse_ctx_free(struct inuse_ctx *c);
static inline void inuse_ctx_freep(struct inuse_ctx **c)
{
	if (*c)
		inuse_ctx_free(*c);
}
#define _cleanup_inuse_ctx_ __attribute__((cleanup(inuse_ctx_freep)))

/* Append blockers and warnings for d, one of t (strv vectors, see util.h strv_push). */
void inuse_check(struct inuse_ctx *c, const struct topo *t, const struct topo_dev *d,
		 char ***blockers, size_t *nb, char ***warnings, size_t *nw);

/* Processes holding /dev/vfio/GROUP open, "PID (comm)" joined with ", "; NULL: none. */
char *inuse_vfio_group_holders(struct inuse_ctx *c, int group);
