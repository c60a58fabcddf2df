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
	BATCH_LONGOPTS,
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};
const struct cmd_options unbind_options = { BATCH_SHORTOPTS COMMON_SHORTOPTS, unbind_longopts };

int cmd_unbind(int argc, char *argv[])
{
	_cleanup_topo_ struct topo *t = NULL;
	_cleanup_rebind_batch_ struct rebind_batch *b = NULL;
	struct batch_flags f = { 0 };
	int c, r;

	while ((c = getopt_long(argc, argv, unbind_options.shortopts, unbind_options.longopts,
				NULL)) != -1) {
		if (batch_flag(&f, c))
			continue;
		r = common_option(c, argc, argv, unbind_help);
		if (r <= 0)
			return r;
	}
	r = batch_named(&b, &t, "unbind", argv + optind, (size_t)(argc - optind), &f, REBIND_UNBIND,
			NULL);
	if (r < 0)
		return r;
	return batch_execute(b, t, "unbind");
}
