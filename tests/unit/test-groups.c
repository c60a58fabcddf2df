// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the IOMMU group predictor (src/groups.c) on hand-built topologies,
 * for the rules real machines do not exercise (QEMU q35 bridges, switches without
 * ACS, quirks, pcie_acs_override, unreadable config). The real machines of
 * tests/fixtures/realhw are in test-lspci.c.
 *
 * `make check-unit` builds and runs it from the repository root.
 */
#include <errno.h>
#include <jansson.h>

#include "groups.h"
#include "sysfs.h"
#include "topo.h"
#include "unit-groups.h"
#include "unit.h"
#include "util.h"

static int verbose;

static void topo_free_test(struct topo *t)
{
	free(t->devs);
	free(t);
}

/* ---------------------------------------------------------------------------------------------
 * Hand-built topologies
 */

struct spec {
	const char *addr;
	uint16_t vendor, device;
	uint32_t class;
	int pcie_type; /* PCIE_NONE: conventional */
	int parent; /* index in the spec array, -1: root bus */
	int sec; /* bridges: secondary bus; -1 otherwise */
	bool acs; /* has ACS capability with SV RR CR UF (capability and control) */
	bool mf;
	int physfn; /* index, -1 */
};

static struct topo *topo_build(const struct spec *s, size_t n)
{
	struct topo *t = xcalloc(1, sizeof(*t));

	t->devs = xcalloc(n, sizeof(*t->devs));
	t->n = n;
	for (size_t i = 0; i < n; i++) {
		struct topo_dev *d = &t->devs[i];

		snprintf(d->addr, sizeof(d->addr), "%s", s[i].addr);
		sscanf(s[i].addr, "%x:%x:%x.%x", &d->domain, &d->bus, &d->slot, &d->func);
		d->vendor = s[i].vendor;
		d->device = s[i].device;
		d->class = s[i].class;
		d->iommu_group = -1;
		d->boot_vga = -1;
		d->cfg_read = true;
		d->cfg_size = s[i].pcie_type == PCIE_NONE ? 256 : 4096;
		d->cfg_extended = s[i].pcie_type != PCIE_NONE;
		d->pcie_type = s[i].pcie_type;
		d->pcie_cap = s[i].pcie_type == PCIE_NONE ? 0 : 0x40;
		d->header_type = s[i].sec >= 0 ? 1 : 0;
		d->secondary_bus = d->subordinate_bus = s[i].sec;
		d->multifunction = s[i].mf;
		if (s[i].acs) {
			d->acs_cap_offset = 0x100;
			d->acs_cap = d->acs_ctrl = ACS_REQ;
		}
		d->parent = s[i].parent >= 0 ? &t->devs[s[i].parent] : NULL;
		d->physfn = s[i].physfn >= 0 ? &t->devs[s[i].physfn] : NULL;
	}
	return t;
}

/* "0000:00:1e.0 0000:01:0d.0|0000:00:1f.0" style partition of the grouped devices */
static char *partition(const struct group_set *s)
{
	char buf[2048] = "";

	for (size_t i = 0; i < s->n_groups; i++) {
		if (i)
			strncat(buf, "|", sizeof(buf) - strlen(buf) - 1);
		for (size_t k = 0; k < s->groups[i].n_devs; k++) {
			if (k)
				strncat(buf, " ", sizeof(buf) - strlen(buf) - 1);
			strncat(buf, s->groups[i].devs[k]->addr + 5, sizeof(buf) - strlen(buf) - 1);
		}
	}
	return xstrdup(buf);
}

static void expect(const char *name, struct topo *t, const struct groups_opts *o, const char *want)
{
	struct group_set *s = NULL;
	_cleanup_free_ char *got = NULL;

	EXPECT(groups_predict_opts(t, o, &s) == 0, "%s: predict", name);
	got = partition(s);
	EXPECT(streq(got, want), "%s:\n   got  %s\n   want %s", name, got, want);
	if (verbose) {
		printf("%s:\n", name);
		print_groups(s);
	}
	group_set_free(s);
}

#define NO -1
#define E PCIE_ENDPOINT
#define RP PCIE_ROOT_PORT
#define UP PCIE_UPSTREAM
#define DP PCIE_DOWNSTREAM
#define P2P PCIE_PCIE_TO_PCI
#define PCI PCIE_NONE

/* QEMU q35 as in tests/vm/topologies/bridge.sh and switch.sh. */
static void test_q35(void)
{
	static const struct spec q35[] = {
		/* 0 */ { "0000:00:00.0", 0x8086, 0x29c0, 0x060000, PCI, NO, NO, false, false, NO },
		/* 1 */ { "0000:00:1c.0", 0x1b36, 0x000c, 0x060400, RP, NO, 2, true, false, NO },
		/* 2 */ { "0000:00:1e.0", 0x1b36, 0x000e, 0x060400, P2P, NO, 1, false, false, NO },
		/* 3 */ { "0000:00:1f.0", 0x8086, 0x2918, 0x060100, PCI, NO, NO, false, true, NO },
		/* 4 */ { "0000:00:1f.2", 0x8086, 0x2922, 0x010601, PCI, NO, NO, false, true, NO },
		/* 5 */ { "0000:00:1f.3", 0x8086, 0x2930, 0x0c0500, PCI, NO, NO, false, true, NO },
		/* 6 */ { "0000:01:0d.0", 0x8086, 0x100e, 0x020000, PCI, 2, NO, false, true, NO },
		/* 7 */ { "0000:01:0d.1", 0x8086, 0x100e, 0x020000, PCI, 2, NO, false, true, NO },
		/* 8 */ { "0000:02:00.0", 0x8086, 0x10c9, 0x020000, E, 1, NO, false, false, NO },
		/* 9 */ { "0000:02:10.0", 0x8086, 0x10ca, 0x020000, E, 1, NO, false, false, 8 },
		/* 10 */ { "0000:02:10.2", 0x8086, 0x10ca, 0x020000, E, 1, NO, false, false, 8 },
	};
	struct groups_opts o = { 0 };
	struct topo *t = topo_build(q35, ARRAY_SIZE(q35));

	expect("q35 bridge+SR-IOV", t, &o,
	       "00:00.0|00:1c.0|00:1e.0 01:0d.0 01:0d.1|00:1f.0 00:1f.2 00:1f.3|02:00.0|"
	       "02:10.0|02:10.2");
	topo_free_test(t);
}

/* x3130 switch whose downstream ports lack ACS, under a root port with ACS. */
static void test_switch(void)
{
	static const struct spec sw[] = {
		/* 0 */ { "0000:00:1c.0", 0x1b36, 0x000c, 0x060400, RP, NO, 1, true, false, NO },
		/* 1 */ { "0000:01:00.0", 0x104c, 0x8232, 0x060400, UP, 0, 2, false, false, NO },
		/* 2 */ { "0000:02:00.0", 0x104c, 0x8233, 0x060400, DP, 1, 3, false, false, NO },
		/* 3 */ { "0000:02:01.0", 0x104c, 0x8233, 0x060400, DP, 1, 4, false, false, NO },
		/* 4 */ { "0000:03:00.0", 0x1af4, 0x1041, 0x020000, E, 2, NO, false, false, NO },
		/* 5 */ { "0000:04:00.0", 0x1af4, 0x1042, 0x010000, E, 3, NO, false, false, NO },
	};
	struct groups_opts o = { 0 };
	struct topo *t = topo_build(sw, ARRAY_SIZE(sw));
	struct group_set *s = NULL;

	/* Linux 6.1: each ACS-less downstream port gets its own group with its devices */
	expect("switch without ACS", t, &o, "00:1c.0|01:00.0|02:00.0 03:00.0|02:01.0 04:00.0");
	o.flags = GROUPS_OVERRIDE_DOWNSTREAM;
	expect("switch, pcie_acs_override=downstream", t, &o,
	       "00:1c.0|01:00.0|02:00.0|02:01.0|03:00.0|04:00.0");

	/* the explanation names the port and the four missing bits */
	o.flags = 0;
	groups_predict_opts(t, &o, &s);
	{
		json_t *ex = group_explain(s, group_set_find(s, &t->devs[4]));
		json_t *x = json_array_get(ex, 0);
		char *dump = json_dumps(json_object_get(x, "missing"), JSON_COMPACT);

		EXPECT(streq(json_string_value(json_object_get(x, "rule")), "acs-upstream"),
		       "rule");
		EXPECT(streq(json_string_value(json_object_get(x, "culprit")), "0000:02:00.0"),
		       "culprit");
		EXPECT(streq(dump, "[\"SV\",\"RR\",\"CR\",\"UF\"]"), "missing %s", dump);
		free(dump);
		json_decref(ex);
	}
	group_set_free(s);

	/* a root port without ACS puts the whole switch in its group */
	t->devs[0].acs_cap_offset = 0;
	expect("root port without ACS", t, &o, "00:1c.0 01:00.0 02:00.0 02:01.0 03:00.0 04:00.0");
	/* ACS present but off: as read (kernel running with IOMMU) vs. as booted */
	t->devs[0].acs_cap_offset = 0x100;
	t->devs[0].acs_ctrl = ACS_SV;
	o.flags = GROUPS_ACS_AS_READ;
	expect("root port ACS off, as read", t, &o,
	       "00:1c.0 01:00.0 02:00.0 02:01.0 03:00.0 04:00.0");
	o.flags = 0;
	expect("root port ACS off, as booted", t, &o,
	       "00:1c.0|01:00.0|02:00.0 03:00.0|02:01.0 04:00.0");
	/* capability lacking RR/CR/UF: missing capability bits count as hard-wired on */
	t->devs[0].acs_cap = t->devs[0].acs_ctrl = ACS_SV;
	o.flags = GROUPS_ACS_AS_READ;
	expect("root port ACS cap SV only", t, &o,
	       "00:1c.0|01:00.0|02:00.0 03:00.0|02:01.0 04:00.0");
	topo_free_test(t);
}

static void test_multifunction(void)
{
	static const struct spec mf[] = {
		/* 0 */ { "0000:00:01.0", 0x1022, 0x1483, 0x060400, RP, NO, 1, true, false, NO },
		/* 1 */ { "0000:00:02.0", 0x1022, 0x1483, 0x060400, RP, NO, 2, true, false, NO },
		/* 2 */ { "0000:00:03.0", 0x1022, 0x1483, 0x060400, RP, NO, 3, true, false, NO },
		/* Intel RCiEP, multifunction without ACS: pci_quirk_rciep_acs */
		/* 3 */ { "0000:00:14.0", 0x8086, 0xa0ed, 0x0c0330, PCI, NO, NO, false, true, NO },
		/* 4 */
		{ "0000:00:14.3", 0x8086, 0xa0f0, 0x028000, PCIE_RC_ENDPOINT, NO, NO, false, true,
		  NO },
		/* GPU + audio without ACS */
		/* 5 */
		{ "0000:01:00.0", 0x10de, 0x2204, 0x030000, PCIE_LEGACY_ENDPOINT, 0, NO, false,
		  true, NO },
		/* 6 */ { "0000:01:00.1", 0x10de, 0x1aef, 0x040300, E, 0, NO, false, true, NO },
		/* dual-port 82576: pci_quirk_mf_endpoint_acs */
		/* 7 */ { "0000:02:00.0", 0x8086, 0x10c9, 0x020000, E, 1, NO, false, true, NO },
		/* 8 */ { "0000:02:00.1", 0x8086, 0x10c9, 0x020000, E, 1, NO, false, true, NO },
		/* Marvell 88SE9123 (function 1 DMA alias) and its IDE function, which has ACS */
		/* 9 */ { "0000:03:00.0", 0x1b4b, 0x9123, 0x010601, E, 2, NO, false, true, NO },
		/* 10 */ { "0000:03:00.1", 0x1b4b, 0x91a4, 0x01018f, E, 2, NO, true, true, NO },
	};

	struct groups_opts o = { 0 };
	struct topo *t = topo_build(mf, ARRAY_SIZE(mf));

	expect("multifunction", t, &o,
	       "00:01.0|00:02.0|00:03.0|00:14.0|00:14.3|01:00.0 01:00.1|02:00.0|02:00.1|"
	       "03:00.0 03:00.1");
	o.flags = GROUPS_OVERRIDE_MULTIFUNCTION;
	expect("multifunction override", t, &o,
	       "00:01.0|00:02.0|00:03.0|00:14.0|00:14.3|01:00.0|01:00.1|02:00.0|02:00.1|"
	       "03:00.0 03:00.1");
	topo_free_test(t);
}

/* Non-root reader: 64 bytes of config, PCIe type and ACS unknown. */
static void test_unreadable(void)
{
	static const struct spec s[] = {
		{ "0000:00:1c.0", 0x1b36, 0x000c, 0x060400, RP, NO, 1, true, false, NO },
		{ "0000:01:00.0", 0x1af4, 0x1041, 0x020000, E, 0, NO, false, false, NO },
	};
	struct groups_opts o = { 0 };
	struct topo *t = topo_build(s, ARRAY_SIZE(s));
	struct group_set *gs = NULL;

	for (size_t i = 0; i < t->n; i++) {
		t->devs[i].cfg_size = 64;
		t->devs[i].cfg_extended = false;
		t->devs[i].pcie_cap = 0;
		t->devs[i].pcie_type = PCIE_NONE;
		t->devs[i].acs_cap_offset = 0;
	}
	groups_predict_opts(t, &o, &gs);
	EXPECT(gs->n_groups >= 1 && gs->groups[gs->n_groups - 1].uncertain,
	       "unreadable config must be flagged uncertain");
	EXPECT(gs->n_notes >= 1, "a note about unreadable config");
	group_set_free(gs);
	topo_free_test(t);
}

/* group_check(): VFIO's driver rule and the warnings. */
static void test_check(void)
{
	static const struct spec s[] = {
		/* 0 */ { "0000:00:1c.0", 0x1b36, 0x000c, 0x060400, RP, NO, 1, true, false, NO },
		/* 1 */ { "0000:01:00.0", 0x10de, 0x2204, 0x030000, E, 0, NO, false, true, NO },
		/* 2 */ { "0000:01:00.1", 0x10de, 0x1aef, 0x040300, E, 0, NO, false, true, NO },
		/* 3 */ { "0000:01:00.2", 0x10de, 0x1ada, 0x0c0330, E, 0, NO, false, true, NO },
	};
	char tmpl[] = "/tmp/test-groups.XXXXXX";
	struct topo *t = topo_build(s, ARRAY_SIZE(s));
	char *netdevs[] = { "eth9", NULL };
	struct group g = { .id = 3 };
	struct topo_dev *devs[4];
	struct group_set gs = { .t = t };
	struct group_verdict v;
	_cleanup_free_ char *dir = NULL;
	FILE *f;

	EXPECT(mkdtemp(tmpl) != NULL, "mkdtemp");
	dir = xasprintf("mkdir -p %s/sys/class/net/eth9", tmpl);
	EXPECT(system(dir) == 0, "mkdir");
	free(dir);
	dir = xasprintf("%s/sys/class/net/eth9/operstate", tmpl);
	f = fopen(dir, "w");
	fputs("up\n", f);
	fclose(f);
	EXPECT(sysfs_set_root(tmpl) == 0, "sysroot");

	for (size_t i = 0; i < 4; i++)
		devs[i] = &t->devs[i];
	g.devs = devs;
	g.n_devs = 4;
	t->devs[0].driver = "pcieport";
	t->devs[1].driver = "vfio-pci";
	t->devs[2].driver = "mlx5_vfio_pci"; /* a variant driver: contains "vfio" */
	t->devs[3].driver = NULL;
	group_check(&gs, &g, true, &v);
	EXPECT(v.viable && v.n_reasons == 0, "viable group judged not viable");
	group_verdict_clear(&v);

	t->devs[1].driver = "nvidia";
	t->devs[1].boot_vga = 1;
	t->devs[1].netdevs = netdevs;
	t->devs[1].n_netdevs = 1;
	t->devs[3].driver = "pci-stub";
	t->devs[3].reset_method = "bus";
	group_check(&gs, &g, true, &v);
	EXPECT(!v.viable && v.n_reasons == 1, "nvidia must block (%zu reasons)", v.n_reasons);
	EXPECT(v.members[1].fix && streq(v.members[1].fix, "vfioctl bind 0000:01:00.0"), "fix %s",
	       v.members[1].fix);
	EXPECT(v.n_warnings == 2, "boot VGA and eth9 up: %zu warnings", v.n_warnings);
	group_verdict_clear(&v);

	/* bus reset of 01:00.2 also resets 01:00.1, which is outside this group */
	g.n_devs = 3;
	devs[2] = &t->devs[3];
	t->devs[1].boot_vga = -1;
	t->devs[1].n_netdevs = 0;
	group_check(&gs, &g, true, &v);
	EXPECT(v.n_warnings == 1 && strstr(v.warnings[0], "0000:01:00.2"), "reset warning: %s",
	       v.n_warnings ? v.warnings[0] : "none");
	group_verdict_clear(&v);

	/* a bridge bound to something else than pcieport blocks too */
	t->devs[0].driver = "shpchp";
	t->devs[1].driver = NULL;
	group_check(&gs, &g, false, &v);
	EXPECT(!v.viable && v.members[0].fix && strstr(v.members[0].fix, "unbind"), "bridge");
	group_verdict_clear(&v);

	sysfs_set_root(NULL);
	free(dir);
	dir = xasprintf("rm -rf %s", tmpl);
	EXPECT(system(dir) == 0, "cleanup");
	for (size_t i = 0; i < t->n; i++) {
		t->devs[i].driver = NULL;
		t->devs[i].reset_method = NULL;
		t->devs[i].netdevs = NULL;
	}
	topo_free_test(t);
}

static void test_override_parse(void)
{
	struct groups_opts o = { 0 };

	EXPECT(groups_parse_acs_override("downstream,multifunction,id:8086:10c9", &o) == 0,
	       "parse");
	EXPECT(o.flags == (GROUPS_OVERRIDE_DOWNSTREAM | GROUPS_OVERRIDE_MULTIFUNCTION), "flags");
	EXPECT(o.n_override_ids == 1 && o.override_ids[0].device == 0x10c9, "id");
	memset(&o, 0, sizeof(o));
	EXPECT(groups_parse_acs_override("upstream", &o) < 0, "bad keyword");
	EXPECT(groups_parse_acs_override("id:zz:1", &o) < 0, "bad id");
	EXPECT(groups_parse_acs_override("", &o) < 0, "empty");
}

/* groups_kernel_parse(): which line's rules a release gets. */
static void test_kernel_parse(void)
{
	static const struct {
		const char *rel;
		enum groups_kernel model;
		int sublevel;
		bool nearest;
	} cases[] = {
		{ NULL, GROUPS_LINUX_6_1, -1, false },
		{ "6.1.0-56-amd64", GROUPS_LINUX_6_1, -1, false }, /* Debian ABI, not release */
		{ "6.1.0", GROUPS_LINUX_6_1, 0, false },
		{ "6.1.55-rt17", GROUPS_LINUX_6_1, 55, false },
		{ "6.12.12+bpo-amd64", GROUPS_LINUX_6_12, 12, false },
		{ "6.12.43+deb12-amd64", GROUPS_LINUX_6_12, 43, false },
		{ "6.12.0", GROUPS_LINUX_6_12, 0, false },
		{ "5.10.0-30-amd64", GROUPS_LINUX_6_1, -1, true },
		{ "6.6.30", GROUPS_LINUX_6_1, -1, true },
		{ "6.8.0-51-generic", GROUPS_LINUX_6_12, -1, true },
		{ "6.18.44", GROUPS_LINUX_6_12, -1, true },
		{ "garbage", GROUPS_LINUX_6_1, -1, true },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct groups_kver v = groups_kernel_parse(cases[i].rel);
		const char *r = cases[i].rel ? cases[i].rel : "(null)";

		EXPECT(v.model == cases[i].model, "%s: model %s", r, groups_kernel_model(v.model));
		EXPECT(v.sublevel == cases[i].sublevel, "%s: sublevel %d", r, v.sublevel);
		EXPECT(v.nearest == cases[i].nearest, "%s: nearest %d", r, v.nearest);
	}
	EXPECT(streq(groups_kernel_model(GROUPS_LINUX_6_12), "linux-6.12"), "model name");
}

/* Two root ports of one vendor:device without ACS, each with an endpoint. */
static struct topo *two_ports(uint16_t vendor, uint16_t device)
{
	const struct spec rp[] = {
		{ "0000:00:01.0", vendor, device, 0x060400, RP, NO, 1, false, false, NO },
		{ "0000:00:02.0", vendor, device, 0x060400, RP, NO, 2, false, false, NO },
		{ "0000:01:00.0", 0x1af4, 0x1041, 0x020000, E, 0, NO, false, false, NO },
		{ "0000:02:00.0", 0x1af4, 0x1041, 0x020000, E, 1, NO, false, false, NO },
	};

	return topo_build(rp, ARRAY_SIZE(rp));
}

/* A two-function endpoint without ACS below a root port with ACS. */
static struct topo *two_functions(uint16_t vendor, uint16_t device)
{
	const struct spec mf[] = {
		{ "0000:00:01.0", 0x1022, 0x1483, 0x060400, RP, NO, 1, true, false, NO },
		{ "0000:01:00.0", vendor, device, 0x020000, E, 0, NO, false, true, NO },
		{ "0000:01:00.1", vendor, device, 0x020000, E, 0, NO, false, true, NO },
	};

	return topo_build(mf, ARRAY_SIZE(mf));
}

/*
 * Quirks that came to 6.1.y and 6.12.y with stable releases: absent before their
 * release, present after it and when the release is unknown (Debian 6.1).
 */
static void test_kernel_versions(void)
{
	static const struct {
		const char *what;
		bool ports; /* two_ports(), else two_functions() */
		uint16_t vendor, device;
		const char *without, *with; /* first release without, first with */
	} cases[] = {
		{ "qcom SA8775P", true, 0x17cb, 0x0115, "6.1.112", "6.1.113" },
		{ "qcom SA8775P 6.12", true, 0x17cb, 0x0115, NULL, "6.12.0" },
		{ "qcom Hamoa", true, 0x17cb, 0x0111, "6.1.164", "6.1.165" },
		{ "qcom Glymur", true, 0x17cb, 0x0120, "6.12.74+bpo-amd64", "6.12.75+bpo-amd64" },
		{ "loongson", true, 0x0014, 0x7a09, "6.12.34", "6.12.35" },
		{ "loongson 6.1", true, 0x0014, 0x3c09, "6.1.141", "6.1.142" },
		{ "wangxun sp", false, 0x8088, 0x1001, "6.1.17", "6.1.18" },
		{ "wangxun FF5xxx", false, 0x8088, 0x5010, "6.12.4", "6.12.5" },
		{ "wangxun FF5xxx 6.1", false, 0x8088, 0x5110, "6.1.119", "6.1.120" },
		{ "broadcom BCM5760X", false, 0x14e4, 0x1750, "6.1.121", "6.1.122" },
		{ "broadcom BCM57414", false, 0x14e4, 0x16d7, NULL, "6.1.0" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct topo *t = cases[i].ports ? two_ports(cases[i].vendor, cases[i].device)
						: two_functions(cases[i].vendor, cases[i].device);
		const char *apart = cases[i].ports ? "00:01.0|00:02.0|01:00.0|02:00.0"
						   : "00:01.0|01:00.0|01:00.1";
		const char *together = cases[i].ports ? "00:01.0 01:00.0|00:02.0 02:00.0"
						      : "00:01.0|01:00.0 01:00.1";
		struct groups_opts o = { .release = cases[i].without };
		_cleanup_free_ char *n1 = xasprintf("%s on %s", cases[i].what, cases[i].without);
		_cleanup_free_ char *n2 = xasprintf("%s on %s", cases[i].what, cases[i].with);
		_cleanup_free_ char *n3 = xasprintf("%s on 6.1.0-56-amd64", cases[i].what);

		/* root ports: each its own group either way; the quirk splits port from device */
		if (cases[i].without)
			expect(n1, t, &o, together);
		o.release = cases[i].with;
		expect(n2, t, &o, apart);
		o.release = "6.1.0-56-amd64";
		expect(n3, t, &o, apart);
		topo_free_test(t);
	}
}

static bool note_has(const struct group_set *s, const char *what)
{
	for (size_t i = 0; i < s->n_notes; i++)
		if (strstr(s->notes[i], what))
			return true;
	return false;
}

/* The Marvell 88SE9235 function 1 DMA alias (6.1.40) and the Glenfly one (6.1.113). */
static void test_kernel_versions_alias(void)
{
	static const struct spec m[] = {
		{ "0000:00:01.0", 0x1022, 0x1483, 0x060400, RP, NO, 1, true, false, NO },
		/* function 0 alone: its DMA uses the requester ID of the absent-from-group 00.1 */
		{ "0000:01:00.0", 0x1b4b, 0x9235, 0x010601, E, 0, NO, true, true, NO },
		{ "0000:01:00.1", 0x1b4b, 0x9235, 0x010185, E, 0, NO, true, true, NO },
	};
	struct topo *t = topo_build(m, ARRAY_SIZE(m));
	struct groups_opts o = { .release = "6.1.39" };
	struct group_set *s = NULL;

	expect("88SE9235 on 6.1.39", t, &o, "00:01.0|01:00.0|01:00.1");
	o.release = "6.1.40";
	expect("88SE9235 on 6.1.40", t, &o, "00:01.0|01:00.0 01:00.1");
	o.release = "6.12.0";
	expect("88SE9235 on 6.12.0", t, &o, "00:01.0|01:00.0 01:00.1");
	/* the explanation names the quirk and the releases that have it */
	o.release = "6.1.40";
	groups_predict_opts(t, &o, &s);
	{
		json_t *ex = group_explain(s, group_set_find(s, &t->devs[2]));
		const char *text =
			json_string_value(json_object_get(json_array_get(ex, 0), "text"));

		EXPECT(text && strstr(text, "quirk_dma_func1_alias, Linux 6.1.40+, 6.12"),
		       "text %s", text);
		json_decref(ex);
	}
	EXPECT(s->kernel.model == GROUPS_LINUX_6_1 && !note_has(s, "nearest"), "6.1: no note");
	group_set_free(s);
	/* out of the modelled lines: the nearest, and a note */
	o.release = "6.18.44";
	groups_predict_opts(t, &o, &s);
	EXPECT(s->kernel.model == GROUPS_LINUX_6_12, "6.18: model 6.12");
	EXPECT(note_has(s, "6.18.44 is of no modelled line"), "6.18: note");
	group_set_free(s);
	t->devs[1].device = t->devs[2].device = 0x3d40; /* Glenfly, function 0 alias */
	t->devs[1].vendor = t->devs[2].vendor = 0x6766;
	o.release = "6.1.112";
	expect("Glenfly on 6.1.112", t, &o, "00:01.0|01:00.0|01:00.1");
	o.release = "6.1.113";
	expect("Glenfly on 6.1.113", t, &o, "00:01.0|01:00.0 01:00.1");
	topo_free_test(t);
}

int main(int argc, char *argv[])
{
	verbose = argc > 1 && streq(argv[1], "-v");
	test_override_parse();
	test_q35();
	test_switch();
	test_multifunction();
	test_unreadable();
	test_check();
	test_kernel_parse();
	test_kernel_versions();
	test_kernel_versions_alias();
	return unit_report("test-groups");
}
