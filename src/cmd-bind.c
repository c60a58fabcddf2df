// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl bind: move whole IOMMU groups to vfio-pci (or another driver) in
 * one batch. JSON (see vfioctl(8), JSON OUTPUT):
 *   { "operation": "bind", "dry_run": bool,
 *     "status": "ok" | "planned" | "refused" | "failed" | "rolled-back" | "partial",
 *     "devices": [ { "address", "group": int|null, "requested": bool,
 *                    "before": {"driver","override"}, "after": {"driver","override"},
 *                    "status": "planned"|"unchanged"|"done"|"failed"|"rolled-back"|"left",
 *                    "error": string|null } ],
 *     "blockers": [string], "warnings": [string] }
 */
#include <getopt.h>

#include "config.h"
#include "early.h"
#include "batch.h"
#include "rebind.h"
#include "topo.h"
#include "util.h"
#include "vfioctl.h"

static void bind_help(FILE *f)
{
	command_usage(f);
	fputs("\n"
	      "Bind every endpoint of each DEVICE's IOMMU group to DRIVER (default vfio-pci)\n"
	      "in one batch: by address with driver_override (never new_id), verified, and\n"
	      "undone as a whole if any device fails. Bridges are never touched. Refuses\n"
	      "devices in use (interface up with addresses, mounted disks, a VM holding the\n"
	      "group, the boot VGA console) unless --force. 'vfioctl restore' undoes it.\n"
	      "\n"
	      "  -d, --driver DRIVER  bind to DRIVER (default vfio-pci)\n"
	      "  -o, --only           bind only the named devices, not their whole groups\n"
	      "  -n, --dry-run        print the plan, change nothing\n"
	      "  -f, --force          go on despite devices in use\n"
	      "  -p, --persist        also write the binding to the configuration (vfioctl\n"
	      "                       apply and the udev rule then keep it across reboots)\n"
	      "      --no-udev-wait   verify with the driver links, without waiting for udev\n"
	      "                       to process the bind events (faster for large batches)\n"
	      "  -j, --json           print JSON\n"
	      "  -h, --help           show this help\n",
	      f);
}

enum {
	OPT_NO_UDEV_WAIT = 0x100
}; /* long option only */

static const struct option bind_longopts[] = {
	{ "driver", required_argument, NULL, 'd' },
	BATCH_LONGOPTS,
	{ "persist", no_argument, NULL, 'p' },
	{ "no-udev-wait", no_argument, NULL, OPT_NO_UDEV_WAIT },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};
const struct cmd_options bind_options = { "d:p" BATCH_SHORTOPTS COMMON_SHORTOPTS, bind_longopts };

int cmd_bind(int argc, char *argv[])
{
	_cleanup_topo_ struct topo *t = NULL;
	_cleanup_rebind_batch_ struct rebind_batch *b = NULL;
	const char *driver = "vfio-pci";
	struct batch_flags f = { 0 };
	bool persist = false, no_udev_wait = false;
	int c, r;

	while ((c = getopt_long(argc, argv, bind_options.shortopts, bind_options.longopts, NULL)) !=
	       -1) {
		if (batch_flag(&f, c))
			continue;
		switch (c) {
		case 'd':
			driver = optarg;
			break;
		case 'p':
			persist = true;
			break;
		case OPT_NO_UDEV_WAIT:
			no_udev_wait = true;
			break;
		default:
			r = common_option(c, argc, argv, bind_help);
			if (r <= 0)
				return r;
			break;
		}
	}
	r = batch_named(&b, &t, "bind", argv + optind, (size_t)(argc - optind), &f, REBIND_BIND,
			driver);
	if (r < 0)
		return r;
	b->no_udev_wait = no_udev_wait;
	if (persist) {
		if (f.only) {
			log_error("bind: --persist records whole groups ([device] entries): not "
				  "with --only");
			return -E_USAGE;
		}
		/* refuse before any change if the entry cannot be written */
		for (size_t i = 0; i < b->n; i++)
			if (b->items[i].requested &&
			    (r = config_persist_device(b->items[i].addr, driver, true)) < 0)
				return r;
	}
	r = batch_execute(b, t, "bind");
	if (r < 0 || !persist || f.dry_run)
		return r;
	for (size_t i = 0; i < b->n; i++)
		if (b->items[i].requested &&
		    (r = config_persist_device(b->items[i].addr, driver, false)) < 0)
			return r;
	if (!opts.json)
		printf("Persisted in %s.\n", CONFIG_PERSIST);
	/* the initramfs binds from its own copy of the configuration */
	early_regen_notice(true);
	return 0;
}
