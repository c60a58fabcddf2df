// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl unbind: detach devices from their driver and keep them driverless
 * (driver_override "none" stops re-probing). JSON: as bind's, "operation": "unbind".
 */
#include <getopt.h>

#include "batch.h"
#include "rebind.h"
#include "topo.h"
#include "util.h"
#include "vfioctl.h"

static void unbind_help(FILE *f)
{
	command_usage(f);
	fputs("\n"
	      "Detach every endpoint of each DEVICE's IOMMU group from its driver and leave\n"
	      "it without one (driver_override \"none\" keeps the kernel from probing it\n"
	      "again), in one batch as bind does. Bridges are never touched. Refuses devices\n"
	      "in use unless --force. 'vfioctl restore' gives the original drivers back.\n"
	      "\n"
	      "  -o, --only     unbind only the named devices, not their whole groups\n"
	      "  -n, --dry-run  print the plan, change nothing\n"
	      "  -f, --force    go on despite devices in use\n"
	      "  -j, --json     print JSON\n"
	      "  -h, --help     show this help\n",
	      f);
}

static const struct option unbind_longopts[] = {
	{ "only", no_argument, NULL, 'o' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "force", no_argument, NULL, 'f' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};
const struct cmd_options unbind_options = { "onf" COMMON_SHORTOPTS, unbind_longopts };

int cmd_unbind(int argc, char *argv[])
{
	_cleanup_topo_ struct topo *t = NULL;
	_cleanup_rebind_batch_ struct rebind_batch *b = NULL;
	bool only = false, dry_run = false, force = false;
	int c, r;

	while ((c = getopt_long(argc, argv, unbind_options.shortopts, unbind_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'o':
			only = true;
			break;
		case 'n':
			dry_run = true;
			break;
		case 'f':
			force = true;
			break;
		default:
			r = common_option(c, argc, argv, unbind_help);
			if (r <= 0)
				return r;
			break;
		}
	}
	r = rebind_require_root("unbind", dry_run);
	if (r < 0)
		return r;
	r = rebind_scan_for(&t, argv + optind, (size_t)(argc - optind));
	if (r < 0)
		return r;
	b = rebind_batch_new(dry_run, force);
	r = rebind_add_named(b, t, argv + optind, (size_t)(argc - optind), REBIND_UNBIND, NULL,
			     only);
	if (r < 0)
		return r;
	return batch_execute(b, t, "unbind");
}
