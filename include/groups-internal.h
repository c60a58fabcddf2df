/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Private to src/groups.c and src/group-sets.c: device tests both need. */

#include "groups.h"
#include "topo.h"
#include "util.h"

static inline bool is_bridge(const struct topo_dev *d)
{
	return streq(group_role(d), "bridge");
}

/* pci_is_pcie(); only meaningful when pcie_known(). */
static inline bool pcie_known(const struct topo_dev *d)
{
	return d->cfg_size >= 256;
}

static inline bool is_pcie(const struct topo_dev *d)
{
	return d->pcie_cap != 0 && d->pcie_type >= 0;
}

static inline bool is_type(const struct topo_dev *d, int type)
{
	return is_pcie(d) && d->pcie_type == type;
}

/* PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS: quirk_use_pcie_bridge_dma_alias() */
static inline bool pcie_bridge_alias(const struct topo_dev *d)
{
	bool listed = (d->vendor == 0x1b21 && d->device == 0x1080) ||
		      (d->vendor == 0x10e3 && d->device == 0x8113) ||
		      (d->vendor == 0x1283 && (d->device == 0x8892 || d->device == 0x8893)) ||
		      (d->vendor == 0x8086 && d->device == 0x244e);

	return listed && d->parent && d->header_type == 1 && !is_pcie(d) && is_pcie(d->parent) &&
	       !is_type(d->parent, PCIE_PCIE_TO_PCI);
}

static inline int cmp_devp(const void *a, const void *b)
{
	const struct topo_dev *x = *(struct topo_dev *const *)a, *y = *(struct topo_dev *const *)b;

	return x < y ? -1 : x > y;
}
