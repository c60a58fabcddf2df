// SPDX-License-Identifier: GPL-2.0-or-later
/* VF attribute input checks (the gate before any rtnetlink write) and rtnetlink reads. */
#include <errno.h>
#include <string.h>

#include "netlink.h"
#include "sriov.h"
#include "unit.h"

static int mac_is(const char *in, const char *want)
{
	uint8_t mac[6];
	char out[18];

	if (sriov_parse_mac(in, mac) < 0)
		return 0;
	sriov_format_mac(mac, out);
	return strcmp(out, want) == 0;
}

static int mac_rejected(const char *in)
{
	uint8_t mac[6];

	return sriov_parse_mac(in, mac) < 0;
}

static int valid(struct vf_attrs a)
{
	const char *why = NULL;

	return sriov_vf_attrs_validate(&a, &why) == 0 && !why;
}

static struct vf_attrs with_mac(const char *s)
{
	struct vf_attrs a = VF_ATTRS_UNSET;

	a.has_mac = sriov_parse_mac(s, a.mac) == 0;
	return a;
}

int main(void)
{
	struct vf_attrs a = VF_ATTRS_UNSET;
	struct vf_attrs *vfs = NULL;
	size_t n = 99;
	int r;

	CHECK(mac_is("52:54:00:12:34:56", "52:54:00:12:34:56"));
	CHECK(mac_is("02:AB:cd:EF:00:ff", "02:ab:cd:ef:00:ff"));
	CHECK(mac_rejected(""));
	CHECK(mac_rejected("52:54:00:12:34"));
	CHECK(mac_rejected("52:54:00:12:34:56:78"));
	CHECK(mac_rejected("52-54-00-12-34-56"));
	CHECK(mac_rejected("5:54:00:12:34:56"));
	CHECK(mac_rejected("52:54:00:12:34:5g"));
	CHECK(mac_rejected("52:54:00:12:34:56 "));

	CHECK(valid(a)); /* nothing asked */
	CHECK(valid(with_mac("02:00:00:00:00:01")));
	CHECK(!valid(with_mac("01:00:5e:00:00:01"))); /* multicast */
	CHECK(!valid(with_mac("ff:ff:ff:ff:ff:ff"))); /* broadcast */
	CHECK(!valid(with_mac("00:00:00:00:00:00")));
	a.vlan = 4095;
	CHECK(valid(a));
	a.vlan = 4096;
	CHECK(!valid(a));
	a.vlan = 0;
	a.qos = 7;
	CHECK(!valid(a)); /* VLAN 0 is none: no tag for the priority */
	a.qos = 0;
	CHECK(valid(a));
	a.vlan = 1;
	a.qos = 7;
	CHECK(valid(a));
	a.qos = 8;
	CHECK(!valid(a));
	a = (struct vf_attrs)VF_ATTRS_UNSET;
	a.qos = 1; /* QoS without a VLAN */
	CHECK(!valid(a));
	a = (struct vf_attrs)VF_ATTRS_UNSET;
	a.trust = 2;
	CHECK(!valid(a));
	a.trust = 1;
	a.spoofchk = 0;
	a.link_state = 2;
	CHECK(valid(a));
	a.link_state = 3;
	CHECK(!valid(a));
	CHECK(strcmp(sriov_link_state_name(0), "auto") == 0);
	CHECK(sriov_link_state_name(-1) == NULL);

	/* rtnetlink round trip on this host: lo has no VFs, a missing name is ENODEV. */
	r = nl_vf_list("lo", &vfs, &n);
	if (r == -EAFNOSUPPORT || r == -EPERM || r == -EPROTONOSUPPORT) {
		printf("test-sriov: no rtnetlink here (%s): skipped its checks\n", strerror(-r));
	} else {
		CHECK(r == 0 && n == 0);
		free(vfs);
		CHECK(nl_vf_list("vfioctl-nosuch", &vfs, &n) == -ENODEV);
		CHECK(nl_vf_list("a-name-longer-than-ifnamsiz", &vfs, &n) == -EINVAL);
	}
	return unit_report("test-sriov");
}
