/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <jansson.h>

#include "topo.h"

/* The JSON object of one device as `list` prints it (documented in vfioctl(8)). */
json_t *devmodel_summary(struct topo *t, struct topo_dev *d);
/* The same fields into a tree or straight out as text (list --json streams them). */
struct json_fields;
void devmodel_summary_fields(struct json_fields *w, struct topo *t, struct topo_dev *d);
/* "vfio": {"group_node", "cdev"} for a device bound to a VFIO driver, else null. */
void devmodel_vfio_fields(struct json_fields *w, const struct topo_dev *d);
/* The summary plus config-space details, upstream path and VFs (`show`). */
json_t *devmodel_detail(struct topo *t, struct topo_dev *d);
/* {"SV":true,...} for an ACS register value. */
json_t *devmodel_acs_bits(uint16_t bits);
/* The SR-IOV column of `list`: "PF 2/7", "VF 0 of 0000:01:00.0" or NULL. */
char *devmodel_sriov_role_text(const struct topo_dev *d);
