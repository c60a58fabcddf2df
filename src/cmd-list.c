// SPDX-License-Identifier: GPL-2.0-or-later
/* vfioctl list: one row per PCI device. */
#include <getopt.h>

#include "devmodel.h"
#include "output.h"
#include "topo.h"
#include "util.h"
#include "vfioctl.h"

static void list_help(FILE *f)
{
	command_usage(f);
	fputs("\n"
	      "List PCI devices: address, class, name, driver, IOMMU group, SR-IOV role.\n"
	      "\n"
	      "  -c, --class CLASS    only these classes: net, storage, display, multimedia,\n"
	      "                       bridge, usb, serial, system, accel, crypto, other, ...\n"
	      "  -d, --driver DRIVER  only devices bound to DRIVER ('none': no driver)\n"
	      "  -j, --json           print JSON\n"
	      "  -h, --help           show this help\n",
	      f);
}

static bool class_matches(const char *filter, const struct topo_dev *d)
{
	_cleanup_free_ char *copy = xstrdup(filter);
	const char *kw = topo_dev_class_keyword(d);
	char *save = NULL;

	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (streq(tok, kw))
			return true;
	return false;
}

/* Every comma-separated keyword must be one a device can have: a typo is no empty list. */
static int check_class_filter(const char *filter)
{
	const char *p = filter;

	do {
		size_t n = strcspn(p, ",");
		_cleanup_free_ char *kw = strndup(p, n);

		if (!kw || !topo_class_keyword_valid(kw)) {
			if (n)
				log_error("--class %s: '%s' is not a class keyword (valid: %s)",
					  filter, kw, topo_class_keywords());
			else
				log_error("--class %s: empty keyword (valid: %s)", filter,
					  topo_class_keywords());
			return -E_USAGE;
		}
		p += n;
	} while (*p++ == ',');
	return 0;
}

static bool driver_matches(const char *filter, const struct topo_dev *d)
{
	if (streq(filter, "none"))
		return !d->driver;
	return streq(filter, d->driver);
}

static void print_text(struct topo *t, const bool *shown)
{
	static const char *const headers[] = { "ADDRESS", "CLASS", "NAME",
					       "DRIVER",  "GROUP", "SR-IOV" };
	_cleanup_table_ struct table *tab = table_new(ARRAY_SIZE(headers), headers);

	for (size_t i = 0; i < t->n; i++) {
		struct topo_dev *d = &t->devs[i];
		_cleanup_free_ char *role = NULL;
		char group[16];

		if (!shown[i])
			continue;
		role = devmodel_sriov_role_text(d);
		snprintf(group, sizeof(group), "%d", d->iommu_group);
		table_add(tab, (const char *const[]){ d->addr, topo_dev_class_keyword(d),
						      topo_device_name(t, d), d->driver,
						      d->iommu_group >= 0 ? group : NULL, role });
	}
	table_print(tab, stdout);
}

static const struct option list_longopts[] = {
	{ "class", required_argument, NULL, 'c' },
	{ "driver", required_argument, NULL, 'd' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};
const struct cmd_options list_options = { "c:d:" COMMON_SHORTOPTS, list_longopts };

int cmd_list(int argc, char *argv[])
{
	_cleanup_topo_ struct topo *t = NULL;
	_cleanup_free_ bool *wanted = NULL, *shown = NULL;
	const char *class_filter = NULL, *driver_filter = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, list_options.shortopts, list_options.longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'c':
			class_filter = optarg;
			break;
		case 'd':
			driver_filter = optarg;
			break;
		default:
			r = common_option(c, argc, argv, list_help);
			if (r <= 0)
				return r;
			break;
		}
	}
	if (class_filter && (r = check_class_filter(class_filter)) < 0)
		return r;

	r = topo_scan_reported(&t, TOPO_SCAN_LINKS | TOPO_SCAN_BRIEF);
	if (r < 0)
		return r;
	if (optind < argc) {
		wanted = xcalloc(t->n, sizeof(bool));
		for (int i = optind; i < argc; i++) {
			struct topo_dev *d;

			r = topo_resolve(t, argv[i], &d);
			if (r < 0)
				return report_resolve_error(argv[i], r);
			wanted[d - t->devs] = true;
		}
	}

	shown = xcalloc(t->n + 1, sizeof(bool));
	for (size_t i = 0; i < t->n; i++) {
		struct topo_dev *d = &t->devs[i];

		shown[i] = (!wanted || wanted[i]) &&
			   (!class_filter || class_matches(class_filter, d)) &&
			   (!driver_filter || driver_matches(driver_filter, d));
	}
	if (opts.json) {
		/* one device at a time, no tree: ~1000 devices, time and peak RSS */
		struct json_stream js;

		json_stream_begin(&js, "devices");
		for (size_t i = 0; i < t->n; i++) {
			struct json_fields w;

			if (!shown[i])
				continue;
			json_stream_item_fields(&js, &w);
			devmodel_summary_fields(&w, t, &t->devs[i]);
			json_fields_text_end(&w);
		}
		return json_stream_end(&js);
	}
	print_text(t, shown);
	return 0;
}
