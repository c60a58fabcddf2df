// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl check DEVICE... | --group N
 *
 * Exit 0: every group checked is viable; 1: one is not; 2: bad input.
 *
 * JSON output (--json), keys stable:
 *
 *   {
 *     "viable": bool,                      every group below is viable
 *     "groups": [
 *       {
 *         "id": 7 | null,                  null: the device is in no IOMMU group
 *         "viable": bool,                  VFIO can use the group now
 *         "kernel_viable": bool | null,    VFIO_GROUP_GET_STATUS on /dev/vfio/N (live host
 *                                          only; null: not asked, no node, or in use)
 *         "in_use": bool,                  /dev/vfio/N is held open (EBUSY): a VM has it
 *         "devices": [
 *           {
 *             "address": "0000:01:00.0",   (non-PCI members: their device name)
 *             "name": string,
 *             "driver": string | null,
 *             "role": "endpoint" | "bridge" | "non-pci",
 *             "status": "OK" | "BLOCKER",
 *             "reason": string | null,     why it blocks
 *             "fix": string | null         the command that fixes it
 *           }
 *         ],
 *         "reasons": [string],             why not viable
 *         "warnings": [string]             do not fail the check: boot VGA, interface up,
 *                                          block devices, bus-reset-only members sharing
 *                                          the reset with devices outside the group
 *       }
 *     ]
 *   }
 *
 * Viable (the VFIO rule, iommu_group_dma_owner_claimed()): every endpoint is bound
 * to a VFIO driver (any driver whose name contains "vfio"), to pci-stub or to no
 * driver; bridges may also be bound to pcieport.
 */
#include <fcntl.h>
#include <getopt.h>
#include <sys/ioctl.h>
#include <linux/vfio.h>

#include "groups.h"
#include "bootvga.h"
#include "output.h"
#include "sysfs.h"
#include "topo.h"
#include "util.h"
#include "vfioctl.h"

static void check_help(FILE *f)
{
	command_usage(f);
	fputs("\n"
	      "Check whether the IOMMU group of each DEVICE (or group N) can be assigned to a\n"
	      "VM now: every endpoint bound to vfio-pci (or another VFIO driver, or pci-stub)\n"
	      "or to no driver; bridges may keep pcieport. Prints each member as OK or\n"
	      "BLOCKER with the command that fixes it, and warns about the boot VGA device,\n"
	      "interfaces that are up and resets shared with devices outside the group; for\n"
	      "the boot VGA device, what holds it (firmware framebuffers in its BARs from\n"
	      "/proc/iomem, needing root; its fbN; bound vtconsoles) and the fixes.\n"
	      "On a live host, also asks VFIO (/dev/vfio/N) whether the group is viable.\n"
	      "Exit status: 0 viable, 1 not viable, 2 bad input.\n"
	      "\n"
	      "  -g, --group N  check IOMMU group N\n"
	      "  -j, --json     print JSON\n"
	      "  -h, --help     show this help\n",
	      f);
}

struct kernel_status {
	int viable; /* -1: unknown */
	bool in_use;
};

/* VFIO_GROUP_GET_STATUS on /dev/vfio/N (vfio_group_ioctl_get_status()). */
static struct kernel_status kernel_status(int id)
{
	struct kernel_status ks = { .viable = -1 };
	struct vfio_group_status st = { .argsz = sizeof(st) };
	_cleanup_free_ char *dev = NULL, *path = NULL;
	_cleanup_close_ int fd = -1;

	if (!sysfs_live() || id < 0)
		return ks;
	dev = xasprintf("/dev/vfio/%d", id);
	path = sysfs_resolve(dev);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		/* vfio_group_fops_open(): one opener at a time */
		if (errno == EBUSY)
			ks.in_use = true;
		else if (errno != ENOENT)
			log_debug("%s: %s", path, strerror(errno));
		return ks;
	}
	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &st) < 0) {
		log_debug("%s: VFIO_GROUP_GET_STATUS: %s", path, strerror(errno));
		return ks;
	}
	ks.viable = (st.flags & (VFIO_GROUP_FLAGS_VIABLE | VFIO_GROUP_FLAGS_CONTAINER_SET)) != 0;
	ks.in_use = st.flags & VFIO_GROUP_FLAGS_CONTAINER_SET;
	return ks;
}

static json_t *member_json(struct topo *t, const struct group *g, const struct member_verdict *m)
{
	json_t *o = json_object();

	if (m->dev) {
		const char *name = topo_device_name(t, m->dev);

		json_object_set_new(o, "address", json_string(m->dev->addr));
		json_object_set_new(o, "name", json_string(name ? name : ""));
		json_object_set_new(o, "driver", json_string_or_null(m->dev->driver));
		json_object_set_new(o, "role", json_string(group_role(m->dev)));
	} else {
		_cleanup_free_ char *path =
			xasprintf("/sys/kernel/iommu_groups/%d/devices/%s/driver", g->id, m->other);
		_cleanup_free_ char *drv = NULL;

		if (sysfs_link_name(path, &drv) < 0)
			drv = NULL;
		json_object_set_new(o, "address", json_string(m->other));
		json_object_set_new(o, "name", json_string(""));
		json_object_set_new(o, "driver", json_string_or_null(drv));
		json_object_set_new(o, "role", json_string("non-pci"));
	}
	json_object_set_new(o, "status", json_string(m->ok ? "OK" : "BLOCKER"));
	json_object_set_new(o, "reason", json_string_or_null(m->reason));
	json_object_set_new(o, "fix", json_string_or_null(m->fix));
	return o;
}

static json_t *check_group(struct topo *t, const struct group_set *s, const struct group *g)
{
	json_t *o = json_object(), *devs = json_array(), *reasons = json_array();
	json_t *warnings = json_array();
	struct kernel_status ks = kernel_status(g->id);
	struct group_verdict v;
	bool viable;

	group_check(s, g, true, &v);
	for (size_t i = 0; i < v.n_members; i++)
		json_array_append_new(devs, member_json(t, g, &v.members[i]));
	for (size_t i = 0; i < v.n_reasons; i++)
		json_array_append_new(reasons, json_string(v.reasons[i]));
	for (size_t i = 0; i < v.n_warnings; i++)
		json_array_append_new(warnings, json_string(v.warnings[i]));
	viable = v.viable;
	/* The kernel has the last word: it knows every driver's driver_managed_dma. */
	if (ks.viable == 0 && viable) {
		viable = false;
		json_array_append_new(reasons,
				      json_string("VFIO reports the group not viable (a member's "
						  "driver claims DMA ownership)"));
	} else if (ks.viable == 1 && !viable) {
		viable = true;
		json_array_append_new(
			warnings, json_string("VFIO reports the group viable although a member's "
					      "driver is not one vfioctl knows as VFIO-safe"));
	}
	if (ks.in_use)
		json_array_append_new(warnings,
				      json_string("the group is in use (its /dev/vfio node is held "
						  "open, e.g. by a running VM)"));
	json_object_set_new(o, "id", json_integer(g->id));
	json_object_set_new(o, "viable", json_boolean(viable));
	json_object_set_new(o, "kernel_viable",
			    ks.viable < 0 ? json_null() : json_boolean(ks.viable));
	json_object_set_new(o, "in_use", json_boolean(ks.in_use));
	json_object_set_new(o, "devices", devs);
	json_object_set_new(o, "reasons", reasons);
	json_object_set_new(o, "warnings", warnings);
	json_object_set_new(o, "boot_vga", json_null());
	for (size_t i = 0; i < v.n_members; i++) {
		json_t *bv = v.members[i].dev ? bootvga_json(v.members[i].dev) : NULL;

		if (bv)
			json_object_set_new(o, "boot_vga", bv);
	}
	group_verdict_clear(&v);
	return o;
}

/* A device the kernel did not put in any group: nothing VFIO can use. */
static json_t *ungrouped_json(struct topo *t, struct topo_dev *d, bool iommu)
{
	json_t *o = json_object(), *devs = json_array(), *m = json_object(), *bv;
	const char *name = topo_device_name(t, d);
	_cleanup_free_ char *why =
		xasprintf("%s is in no IOMMU group: %s", d->addr,
			  iommu ? "the IOMMU does not cover it"
				: "the IOMMU is off (see 'vfioctl groups --predict')");

	json_object_set_new(m, "address", json_string(d->addr));
	json_object_set_new(m, "name", json_string(name ? name : ""));
	json_object_set_new(m, "driver", json_string_or_null(d->driver));
	json_object_set_new(m, "role", json_string(group_role(d)));
	json_object_set_new(m, "status", json_string("BLOCKER"));
	json_object_set_new(m, "reason", json_string("no IOMMU group"));
	json_object_set_new(m, "fix", json_null());
	json_array_append_new(devs, m);
	json_object_set_new(o, "id", json_null());
	json_object_set_new(o, "viable", json_false());
	json_object_set_new(o, "kernel_viable", json_null());
	json_object_set_new(o, "in_use", json_false());
	json_object_set_new(o, "devices", devs);
	json_object_set_new(o, "reasons", json_pack("[s]", why));
	json_object_set_new(o, "warnings", json_array());
	bv = bootvga_json(d);
	json_object_set_new(o, "boot_vga", bv ? bv : json_null());
	return o;
}

/* What holds the boot VGA device, and the fixes (a secondary GPU has none). */
static void print_boot_vga(json_t *bv)
{
	json_t *x;
	size_t i;

	if (!json_is_object(bv))
		return;
	if (!json_array_size(json_object_get(bv, "holders")))
		printf("boot VGA: %s: nothing holds it now\n",
		       json_string_value(json_object_get(bv, "address")));
	json_array_foreach (json_object_get(bv, "holders"), i, x)
		printf("boot VGA: %s: held by %s\n",
		       json_string_value(json_object_get(bv, "address")), json_string_value(x));
	json_array_foreach (json_object_get(bv, "fixes"), i, x)
		printf("boot VGA fix: %s\n", json_string_value(x));
	json_array_foreach (json_object_get(bv, "notes"), i, x)
		printf("boot VGA note: %s\n", json_string_value(x));
}

static void print_text(json_t *root)
{
	json_t *groups = json_object_get(root, "groups"), *g;
	size_t i;

	json_array_foreach (groups, i, g) {
		static const char *const headers[] = { "ADDRESS", "ROLE", "DRIVER", "STATUS",
						       "FIX" };
		_cleanup_table_ struct table *tab = table_new(ARRAY_SIZE(headers), headers);
		json_t *id = json_object_get(g, "id"), *kv = json_object_get(g, "kernel_viable");
		json_t *d, *x;
		size_t j;

		if (i)
			putchar('\n');
		if (json_is_integer(id))
			printf("IOMMU group %lld: %s\n", json_integer_value(id),
			       json_is_true(json_object_get(g, "viable")) ? "viable"
									  : "NOT viable");
		else
			printf("no IOMMU group: NOT viable\n");
		json_array_foreach (json_object_get(g, "devices"), j, d)
			table_add(tab, (const char *const[]){
					       json_string_value(json_object_get(d, "address")),
					       json_string_value(json_object_get(d, "role")),
					       json_string_value(json_object_get(d, "driver")),
					       json_string_value(json_object_get(d, "status")),
					       json_string_value(json_object_get(d, "fix")) });
		table_print(tab, stdout);
		json_array_foreach (json_object_get(g, "reasons"), j, x)
			printf("blocker: %s\n", json_string_value(x));
		json_array_foreach (json_object_get(g, "warnings"), j, x)
			printf("warning: %s\n", json_string_value(x));
		if (!json_is_null(kv))
			printf("kernel: VFIO says %s\n",
			       json_is_true(kv) ? "viable" : "not viable");
		print_boot_vga(json_object_get(g, "boot_vga"));
	}
}

static const struct option check_longopts[] = {
	{ "group", required_argument, NULL, 'g' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};
const struct cmd_options check_options = { "g:" COMMON_SHORTOPTS, check_longopts };

int cmd_check(int argc, char *argv[])
{
	_cleanup_topo_ struct topo *t = NULL;
	_cleanup_group_set_ struct group_set *ks = NULL;
	_cleanup_free_ bool *done = NULL;
	const char *group_arg = NULL;
	json_t *root, *groups;
	bool all_viable = true;
	int c, r, gid = -1;

	while ((c = getopt_long(argc, argv, check_options.shortopts, check_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'g':
			group_arg = optarg;
			break;
		default:
			r = common_option(c, argc, argv, check_help);
			if (r <= 0)
				return r;
			break;
		}
	}
	if (!group_arg == !(optind < argc)) {
		log_error("check: give DEVICE... or --group N");
		check_help(stderr);
		return -E_USAGE;
	}
	if (group_arg && !parse_group_id(group_arg, &gid)) {
		log_error("%s: not an IOMMU group number", group_arg);
		return -E_USAGE;
	}

	r = topo_scan_reported(&t, TOPO_SCAN_CONFIG | TOPO_SCAN_LINKS);
	if (r < 0)
		return r;
	r = groups_kernel(t, &ks);
	if (r < 0) {
		log_error("/sys/kernel/iommu_groups: %s", strerror(-r));
		return r;
	}

	root = json_object();
	groups = json_array();
	done = xcalloc(ks->n_groups + 1, sizeof(bool));
	if (group_arg) {
		const struct group *g = group_set_find_id(ks, gid);

		if (!g) {
			json_decref(groups);
			json_decref(root);
			log_error("%s: no such IOMMU group", group_arg);
			return -E_USAGE;
		}
		json_array_append_new(groups, check_group(t, ks, g));
	}
	for (int i = optind; !group_arg && i < argc; i++) {
		struct topo_dev *d;
		const struct group *g;

		r = topo_resolve(t, argv[i], &d);
		if (r < 0) {
			json_decref(groups);
			json_decref(root);
			return report_resolve_error(argv[i], r);
		}
		g = group_set_find(ks, d);
		if (!g) {
			json_array_append_new(groups, ungrouped_json(t, d, ks->n_groups > 0));
			continue;
		}
		if (done[g - ks->groups])
			continue;
		done[g - ks->groups] = true;
		json_array_append_new(groups, check_group(t, ks, g));
	}
	for (size_t i = 0; i < json_array_size(groups); i++)
		all_viable &= json_is_true(json_object_get(json_array_get(groups, i), "viable"));
	json_object_set_new(root, "viable", json_boolean(all_viable));
	json_object_set_new(root, "groups", groups);

	if (opts.json)
		r = output_json(root);
	else {
		print_text(root);
		json_decref(root);
		r = 0;
	}
	if (r < 0)
		return r;
	return all_viable ? 0 : VERDICT_PROBLEM;
}
