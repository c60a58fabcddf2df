/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

#include "vfattrs.h"

/*
 * rtnetlink (libmnl) for SR-IOV VF attributes, which the kernel keeps only in
 * the PF's net_device (IFLA_VFINFO_LIST): there is no sysfs file for them.
 */

/*
 * Read the VF attributes of a PF interface: RTM_GETLINK with IFLA_EXT_MASK =
 * RTEXT_FILTER_VF. *vfs: malloc'd array indexed by VF number, *n entries
 * (IFLA_NUM_VF); fields the driver does not report stay -1. 0 or -errno.
 */
int nl_vf_list(const char *ifname, struct vf_attrs **vfs, size_t *n);

/*
 * Set the attributes of want that are set (has_mac, >= 0) on VF vf of a PF
 * interface: one RTM_SETLINK with IFLA_VFINFO_LIST/IFLA_VF_INFO, acked.
 * want->qos is sent with want->vlan (0 when -1). On failure *why (may be
 * NULL) gets the kernel's extended-ack text, if any. 0 or -errno.
 */
int nl_vf_set(const char *ifname, int vf, const struct vf_attrs *want, char **why);
