// SPDX-License-Identifier: GPL-2.0-or-later
/* vfioctl show DEVICE: everything known about one device. */
#include <getopt.h>

#include "devmodel.h"
#include "output.h"
#include "topo.h"
#include "util.h"
#include "vfioctl.h"

static void show_help(FILE *f)
{
	command_usage(f);
	fputs("\n"
	      "Show IDs, names, driver, IOMMU group, config-space details (PCIe port type,\n"
	      "multifunction, ACS), SR-IOV state, interfaces, block devices and the upstream\n"
	      "path to the root port with each bridge's ACS bits.\n"
	      "\n"
	      "  -j, --json  print JSON\n"
	      "  -h, --help  show this help\n",
	      f);
}

static void acs_text(const struct topo_dev *d, char *buf, size_t len)
{
	char cap[64], ctl[64];

	if (!topo_acs_known(d)) {
		snprintf(buf, len, "unknown");
		return;
	}
	if (!d->acs_cap_offset) {
		snprintf(buf, len, "not present");
		return;
	}
	acs_bits_format(d->acs_cap, cap, sizeof(cap));
	acs_bits_format(d->acs_ctrl, ctl, sizeof(ctl));
	snprintf(buf, len, "capability %s; control %s", cap, ctl);
}

static _Bool any_unreadable(const struct topo_dev *d)
{
	for (; d; d = d->parent)
		if (d->cfg_size == 64)
			return 1;
	return 0;
}

static void join(char *buf, size_t len, char **v)
{
	buf[0] = '\0';
	for (; v && *v; v++) {
		if (buf[0])
			strncat(buf, " ", len - strlen(buf) - 1);
		strncat(buf, *v, len - strlen(buf) - 1);
	}
}

/* A count, or "-" when it is unknown (-1). */
static const char *count_text(int v, char buf[16])
{
	if (v < 0)
		return "-";
	snprintf(buf, 16, "%d", v);
	return buf;
}

static void print_text(struct topo *t, struct topo_dev *d, json_t *o)
{
	char buf[512], numvfs[16], totalvfs[16];
	json_t *vfs = json_object_get(o, "vfs");

	char ids[16], sub[16], class[8] = "-";
	struct topo_dev subsys = { .vendor = d->subsys_vendor, .device = d->subsys_device };

	if (d->unknown & TOPO_UNKNOWN_SUBSYS_VENDOR)
		subsys.unknown |= TOPO_UNKNOWN_VENDOR;
	if (d->unknown & TOPO_UNKNOWN_SUBSYS_DEVICE)
		subsys.unknown |= TOPO_UNKNOWN_DEVICE;
	printf("%s %s: %s %s", d->addr, dash(topo_class_name(t, d)), dash(topo_vendor_name(t, d)),
	       dash(topo_device_name(t, d)));
	if (d->revision >= 0)
		printf(" (rev %02x)", d->revision);
	putchar('\n');
	kv_print(stdout, 2, "IDs", "%s, subsystem %s", topo_ids_text(d, ids, sizeof(ids)),
		 topo_ids_text(&subsys, sub, sizeof(sub)));
	if (!(d->unknown & TOPO_UNKNOWN_CLASS))
		snprintf(class, sizeof(class), "%06x", d->class);
	kv_print(stdout, 2, "Class", "%s (%s)", class, dash(topo_dev_class_keyword(d)));
	kv_print(stdout, 2, "Driver", "%s", dash(d->driver));
	kv_print(stdout, 2, "Driver override", "%s", dash(d->driver_override));
	if (d->iommu_group >= 0)
		kv_print(stdout, 2, "IOMMU group", "%d", d->iommu_group);
	else
		kv_print(stdout, 2, "IOMMU group", "- (no IOMMU group: IOMMU off?)");
	if (d->driver && startswith(d->driver, "vfio") && d->iommu_group >= 0) {
		char cdev[64] = "no device cdev";

		if (d->vfio_cdev)
			snprintf(cdev, sizeof(cdev), "/dev/vfio/devices/%s", d->vfio_cdev);
		kv_print(stdout, 2, "VFIO", "/dev/vfio/%s%d, %s", d->vfio_noiommu ? "noiommu-" : "",
			 d->iommu_group, cdev);
	}
	if (d->numa_node >= 0)
		kv_print(stdout, 2, "NUMA node", "%d", d->numa_node);
	else
		kv_print(stdout, 2, "NUMA node", "-");
	kv_print(stdout, 2, "Reset methods", "%s", dash(d->reset_method));
	if (d->boot_vga >= 0)
		kv_print(stdout, 2, "Boot VGA", "%s", d->boot_vga ? "yes" : "no");
	kv_print(stdout, 2, "Config space", "%s",
		 json_string_value(json_object_get(json_object_get(o, "config"), "access")));
	if (d->cfg_read)
		kv_print(stdout, 2, "Type", "%s%s",
			 pcie_type_name(d->pcie_type) ? pcie_type_name(d->pcie_type)
			 : topo_is_bridge(d)	      ? "PCI bridge"
			 : d->cfg_size >= 256	      ? "conventional PCI"
						      : "unknown",
			 d->multifunction ? ", multifunction" : "");
	acs_text(d, buf, sizeof(buf));
	kv_print(stdout, 2, "ACS", "%s", buf);
	if (d->sriov_pf)
		kv_print(stdout, 2, "SR-IOV", "PF, %s of %s VFs enabled, drivers_autoprobe %s",
			 count_text(d->sriov_numvfs, numvfs),
			 count_text(d->sriov_totalvfs, totalvfs),
			 d->sriov_autoprobe < 0 ? "?"
			 : d->sriov_autoprobe	? "on"
						: "off");
	else if (d->physfn)
		kv_print(stdout, 2, "SR-IOV", "VF %d of %s", d->vf_index, d->physfn->addr);
	if (json_array_size(vfs) > 0) {
		size_t i;
		json_t *v;

		kv_print(stdout, 2, "VFs", "%zu", json_array_size(vfs));
		json_array_foreach (vfs, i, v) {
			struct topo_dev *vf = topo_find(t, json_string_value(v));

			printf("    %d  %s  %s\n", vf->vf_index, vf->addr, dash(vf->driver));
		}
	}
	join(buf, sizeof(buf), d->netdevs);
	kv_print(stdout, 2, "Interfaces", "%s", dash(buf));
	join(buf, sizeof(buf), d->blockdevs);
	kv_print(stdout, 2, "Block devices", "%s", dash(buf));
	if (d->parent) {
		printf("  Upstream path:\n");
		for (struct topo_dev *p = d->parent; p; p = p->parent) {
			char acs[160];
			const char *type = pcie_type_name(p->pcie_type);

			acs_text(p, acs, sizeof(acs));
			printf("    %s  %s, group %s, ACS %s\n", p->addr,
			       type		   ? type
			       : topo_is_bridge(p) ? "PCI bridge"
						   : "unknown",
			       p->iommu_group >= 0
				       ? (snprintf(buf, sizeof(buf), "%d", p->iommu_group), buf)
				       : "-",
			       acs);
		}
	} else {
		printf("  Upstream path:   - (on root bus %s)\n", dash(d->root_bus));
	}
	if (any_unreadable(d))
		printf("  Note: extended config space (PCIe type, ACS, SR-IOV capability) is readable "
		       "only by root.\n");
}

static const struct option show_longopts[] = {
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};
const struct cmd_options show_options = { COMMON_SHORTOPTS, show_longopts };

int cmd_show(int argc, char *argv[])
{
	_cleanup_topo_ struct topo *t = NULL;
	struct topo_dev *d;
	json_t *root;
	int r;

	r = common_options_only(argc, argv, &show_options, show_help);
	if (r <= 0)
		return r;
	r = topo_scan_reported(&t, TOPO_SCAN_CONFIG | TOPO_SCAN_LINKS);
	if (r < 0)
		return r;
	r = topo_resolve(t, argv[optind], &d);
	if (r < 0)
		return report_resolve_error(argv[optind], r);

	root = json_object();
	json_object_set_new(root, "device", devmodel_detail(t, d));
	if (opts.json)
		return output_json(root);
	print_text(t, d, json_object_get(root, "device"));
	json_decref(root);
	return 0;
}
