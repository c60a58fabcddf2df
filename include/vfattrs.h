/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* VF attributes, as requested (-1 / has_mac=false: leave as is) or as read. */
struct vf_attrs {
	bool has_mac;
	uint8_t mac[6];
	int vlan; /* 0-4095; -1 unset */
	int qos; /* 0-7; -1 unset */
	int trust; /* 0 off, 1 on; -1 unset/unknown */
	int spoofchk; /* 0 off, 1 on; -1 */
	int link_state; /* 0 auto, 1 enable, 2 disable (IFLA_VF_LINK_STATE_*); -1 */
};
#define VF_ATTRS_UNSET                                                                \
	{                                                                             \
		.has_mac = false, .vlan = -1, .qos = -1, .trust = -1, .spoofchk = -1, \
		.link_state = -1                                                      \
	}
