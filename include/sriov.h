/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "vfattrs.h"

/*
 * SR-IOV operations shared by `sriov set|vf` and `apply`. PFs are given by
 * full PCI address (callers resolve DEVICE arguments with topo_resolve()).
 */

struct sriov_set_req {
	int numvfs;
	const char *bind_driver; /* bind the new VFs here (autoprobe off meanwhile); NULL: host */
	int autoprobe; /* sriov_drivers_autoprobe to leave: 0/1, -1 keep the user's */
	bool dry_run, force;
	int timeout; /* seconds a sriov_numvfs write may take; 0: SRIOV_TIMEOUT_DEFAULT */
};
#define SRIOV_TIMEOUT_DEFAULT 120

/*
 * Resize pf's VFs (through 0 when the kernel requires it) after the engine's
 * safety checks on the VFs that go away; with bind_driver, bind the new VFs
 * through the batch engine. *result (may be NULL): JSON of what was done.
 * 0, -E_USAGE (bad count), -E_REFUSED (nothing left changed), -E_PARTIAL.
 */
int sriov_set(const char *pf_addr, const struct sriov_set_req *req, json_t **result);

/* Set VF attributes over rtnetlink on the PF's interface and read them back. */
int sriov_vf_set(const char *pf_addr, int vf, const struct vf_attrs *want, bool dry_run);
/* Read one VF's attributes (rtnetlink IFLA_VFINFO_LIST of the PF's interface). */
int sriov_vf_get(const char *pf_addr, int vf, struct vf_attrs *out);

/* Helpers shared by the sriov commands and apply. */
struct topo;
struct topo_dev;

/*
 * The PF a user named (address or interface; NULL: the host's only SR-IOV PF,
 * else the PFs are listed on stderr). Errors are reported: -E_USAGE, -ENODEV.
 */
int sriov_resolve_pf(struct topo *t, const char *arg, struct topo_dev **pf);
/* The PF's network interface (first of its netdevs), NULL if none. */
const char *sriov_pf_ifname(const struct topo_dev *pf);
/* "52:54:00:12:34:56" -> mac. 0 or -EINVAL. */
int sriov_parse_mac(const char *s, uint8_t mac[6]);
void sriov_format_mac(const uint8_t mac[6], char buf[18]);
/* Check requested attributes: unicast non-zero MAC, VLAN 0-4095, QoS 0-7 with a VLAN. */
int sriov_vf_attrs_validate(const struct vf_attrs *a, const char **why);
/* {"mac","vlan","qos","trust","spoofchk","link_state"}; unknown: null. */
json_t *sriov_vf_attrs_json(const struct vf_attrs *a);
/* "auto", "enable", "disable"; NULL for -1. */
const char *sriov_link_state_name(int state);
