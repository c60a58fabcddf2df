// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl unbind: detach devices from their driver and keep them driverless
 * (driver_override "none" stops re-probing). JSON: as bind's, "operation": "unbind".
 */
#include <getopt.h>

#include "rebind.h"
#include "topo.h"
#include "util.h"
#include "vfioctl.h"

static void unbind_help(FILE *f)
{
	fputs("Usage: vfioctl unbind [--dry-run] [--force] DEVICE...\n"
	      "\n"
	      "Detach each DEVICE from its driver and leave it without one (driver_override\n"
	      "\"none\" keeps the kernel from probing it again). Refuses devices in use unless\n"
	      "--force. 'vfioctl restore' gives the original driver back.\n"
	      "\n"
	      "  -n, --dry-run  print the plan, change nothing\n"
	      "  -f, --force    go on despite devices in use\n"
	      "  -j, --json     print JSON\n"
	      "  -h, --help     show this help\n",
	      f);
}

int cmd_unbind(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_topo_ struct topo *t = NULL;
	_cleanup_rebind_batch_ struct rebind_batch *b = NULL;
	bool dry_run = false, force = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "nf" COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry_run = true;
			break;
		case 'f':
			force = true;
			break;
		case 'j':
			opts.json = true;
			break;
		case 'h':
			unbind_help(stdout);
			return 0;
		default:
			return usage_error(argc, argv);
		}
	}
	if (optind >= argc) {
		log_error("unbind: no DEVICE given");
		unbind_help(stderr);
		return -E_USAGE;
	}
	r = rebind_require_root("unbind", dry_run);
	if (r < 0)
		return r;
	r = topo_scan_reported(&t, TOPO_SCAN_CONFIG | TOPO_SCAN_LINKS);
	if (r < 0)
		return r;
	b = rebind_batch_new(dry_run, force);
	for (int i = optind; i < argc; i++) {
		struct topo_dev *d;

		r = topo_resolve(t, argv[i], &d);
		if (r < 0)
			return report_resolve_error(argv[i], r);
		r = rebind_add(b, d, REBIND_UNBIND, NULL);
		if (r < 0)
			return r;
		b->items[b->n - 1].requested = true;
	}
	return rebind_execute(b, t, "unbind");
}
