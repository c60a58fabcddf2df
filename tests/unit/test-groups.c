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
#include "unit.h"
#include "util.h"

static int verbose;

/* CHECK() of unit.h, with a message saying what differed. */
#define EXPECT(cond, ...)                             \
	do {                                          \
		bool ok_ = (cond);                    \
		CHECK(ok_);                           \
		if (!ok_) {                           \
			fprintf(stderr, "  ");        \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr);          \
		}                                     \
	} while (0)

static void topo_free_test(struct topo *t)
{
	free(t->devs);
	free(t);
}

static void print_groups(const struct group_set *s)
{
	for (size_t i = 0; i < s->n_groups; i++) {
		const struct group *g = &s->groups[i];
		json_t *ex = group_explain(s, g), *x;
		size_t j;

		printf("  group %zu%s:", i + 1, g->uncertain ? " (uncertain)" : "");
		for (size_t k = 0; k < g->n_devs; k++)
			printf(" %s", g->devs[k]->addr);
		putchar('\n');
		json_array_foreach (ex, j, x)
			printf("    %s: %s\n", json_string_value(json_object_get(x, "rule")),
			       json_string_value(json_object_get(x, "text")));
		json_decref(ex);
	}
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

int main(int argc, char *argv[])
{
	verbose = argc > 1 && streq(argv[1], "-v");
	test_override_parse();
	test_q35();
	test_switch();
	test_multifunction();
	test_unreadable();
	test_check();
	return unit_report("test-groups");
}
