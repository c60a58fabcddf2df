// SPDX-License-Identifier: GPL-2.0-or-later
/* Address and interface-name validation: the gate before any path is built. */
#include <string.h>

#include "topo.h"
#include "unit.h"

static int parses_to(const char *in, const char *want, int want_short)
{
	char out[16];
	bool is_short;

	if (pci_addr_parse(in, out, &is_short) < 0)
		return 0;
	return strcmp(out, want) == 0 && is_short == want_short;
}

static int rejected(const char *in)
{
	char out[16];

	return pci_addr_parse(in, out, NULL) < 0;
}

int main(void)
{
	CHECK(parses_to("0000:01:00.0", "0000:01:00.0", 0));
	CHECK(parses_to("01:00.0", "0000:01:00.0", 1));
	CHECK(parses_to("0000:AF:1F.7", "0000:af:1f.7", 0));
	CHECK(parses_to("10000:e1:00.1", "10000:e1:00.1", 0));
	CHECK(rejected(""));
	CHECK(rejected("01:00.8"));
	CHECK(rejected("01:20.0"));
	CHECK(rejected("1:00.0"));
	CHECK(rejected("000:01:00.0"));
	CHECK(rejected("000000:01:00.0"));
	CHECK(rejected("0000:01:00.0/../x"));
	CHECK(rejected("0000:01:00"));
	CHECK(rejected("0000:01:00.0 "));
	CHECK(rejected("0x00:01:00.0"));
	CHECK(rejected("eth0"));

	CHECK(ifname_valid("eth0"));
	CHECK(ifname_valid("enp1s0f0np0"));
	CHECK(!ifname_valid(""));
	CHECK(!ifname_valid("."));
	CHECK(!ifname_valid(".."));
	CHECK(!ifname_valid("a/b"));
	CHECK(!ifname_valid("a b"));
	CHECK(!ifname_valid("eth0:1"));
	CHECK(!ifname_valid("sixteen-chars-xx"));

	CHECK(strcmp(topo_class_keyword(0x020000), "net") == 0);
	CHECK(strcmp(topo_class_keyword(0x0c0330), "usb") == 0);
	CHECK(strcmp(topo_class_keyword(0x0c0500), "serial") == 0);
	CHECK(strcmp(topo_class_keyword(0xff0000), "other") == 0);
	{
		char buf[64];

		acs_bits_format(ACS_SV | ACS_RR | ACS_CR | ACS_UF, buf, sizeof(buf));
		CHECK(strcmp(buf, "SV+ TB- RR+ CR+ UF+ EC- DT-") == 0);
	}
	return unit_report("test-topo");
}
