// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl restore: give devices back the driver and override they had before
 * vfioctl moved them (the journal), or the kernel's default match.
 * JSON: as bind's, "operation": "restore".
 */
#include <getopt.h>

#include "rebind.h"
#include "topo.h"
#include "util.h"
#include "vfioctl.h"

static void restore_help(FILE *f)
{
	fputs("Usage: vfioctl restore [--dry-run] [--force] [DEVICE...]\n"
	      "\n"
	      "Return each DEVICE to the driver it had before vfioctl moved it (from the\n"
	      "journal in /run/vfioctl), or, for devices vfioctl did not move, to the\n"
	      "kernel's default match. Without DEVICE: everything in the journal. Also\n"
	      "completes or undoes a batch that was interrupted (killed, power loss of\n"
	      "the process). Refuses devices in use (a VM holding the group) unless --force.\n"
	      "\n"
	      "  -n, --dry-run  print the plan, change nothing\n"
	      "  -f, --force    go on despite devices in use\n"
	      "  -j, --json     print JSON\n"
	      "  -h, --help     show this help\n",
	      f);
}

int cmd_restore(int argc, char *argv[])
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
	char **journal = NULL;
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
			restore_help(stdout);
			return 0;
		default:
			return usage_error(argc, argv);
		}
	}
	r = rebind_require_root("restore", dry_run);
	if (r < 0)
		return r;
	if (optind >= argc)
		rebind_journal_devices(&journal);
	/* as bind: only the devices named (or journaled) and their groups */
	r = topo_scan_for(&t, TOPO_SCAN_HEADER | TOPO_SCAN_BATCH | TOPO_SCAN_LINKS,
			  optind < argc ? argv + optind : journal,
			  optind < argc ? (size_t)(argc - optind) : strv_length(journal));
	if (r < 0) {
		strv_free(journal);
		log_error("/sys/bus/pci/devices: %s", strerror(-r));
		return r;
	}
	b = rebind_batch_new(dry_run, force);
	if (optind >= argc) {
		for (char **a = journal; a && *a; a++) {
			struct topo_dev *d = topo_find(t, *a);

			if (!d) {
				log_warn("%s: in the journal but not on the bus; dropped when it "
					 "comes back",
					 *a);
				continue;
			}
			r = rebind_add(b, d, REBIND_RESTORE, NULL);
			if (r < 0)
				break;
			b->items[b->n - 1].requested = true;
		}
		strv_free(journal);
		if (r < 0)
			return r;
	}
	for (int i = optind; i < argc; i++) {
		struct topo_dev *d;

		r = topo_resolve(t, argv[i], &d);
		if (r < 0)
			return report_resolve_error(argv[i], r);
		r = rebind_add(b, d, REBIND_RESTORE, NULL);
		if (r < 0)
			return r;
		b->items[b->n - 1].requested = true;
	}
	return rebind_execute(b, t, "restore");
}
