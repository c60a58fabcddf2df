// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl restore: give devices back the driver and override they had before
 * vfioctl moved them (the journal), or the kernel's default match.
 * JSON: as bind's, "operation": "restore".
 */
#include <getopt.h>

#include "batch.h"
#include "rebind.h"
#include "topo.h"
#include "util.h"
#include "vfioctl.h"

static void restore_help(FILE *f)
{
	command_usage(f);
	fputs("\n"
	      "Return each DEVICE, and the devices of its IOMMU group that vfioctl moved, to\n"
	      "the driver they had before (from the journal in /run/vfioctl); a DEVICE that\n"
	      "vfioctl did not move goes to the kernel's default match. Without DEVICE:\n"
	      "everything in the journal. Also completes or undoes a batch that was\n"
	      "interrupted (killed, power loss of the process). Refuses devices in use (a VM\n"
	      "holding the group) unless --force.\n"
	      "\n"
	      "  -o, --only     restore only the named devices, not their group-mates\n"
	      "  -n, --dry-run  print the plan, change nothing\n"
	      "  -f, --force    go on despite devices in use\n"
	      "  -j, --json     print JSON\n"
	      "  -h, --help     show this help\n",
	      f);
}

static const struct option restore_longopts[] = {
	BATCH_LONGOPTS,
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};
const struct cmd_options restore_options = { BATCH_SHORTOPTS COMMON_SHORTOPTS, restore_longopts };

int cmd_restore(int argc, char *argv[])
{
	_cleanup_topo_ struct topo *t = NULL;
	_cleanup_rebind_batch_ struct rebind_batch *b = NULL;
	struct batch_flags f = { 0 };
	char **journal = NULL;
	bool locked;
	int c, r;

	while ((c = getopt_long(argc, argv, restore_options.shortopts, restore_options.longopts,
				NULL)) != -1) {
		if (batch_flag(&f, c))
			continue;
		r = common_option(c, argc, argv, restore_help);
		if (r <= 0)
			return r;
	}
	if (f.only && optind >= argc) {
		log_error("restore: --only needs a DEVICE");
		restore_help(stderr);
		return -E_USAGE;
	}
	if (optind < argc) {
		r = batch_named(&b, &t, "restore", argv + optind, (size_t)(argc - optind), &f,
				REBIND_RESTORE, NULL);
		if (r < 0)
			return r;
		return batch_execute(b, t, "restore");
	}

	/* everything in the journal */
	r = rebind_require_root("restore", f.dry_run);
	if (r < 0)
		return r;
	locked = !f.dry_run && rebind_lock_try();
	rebind_journal_devices(&journal);
	r = rebind_scan_for(&t, journal, strv_length(journal));
	if (r < 0) {
		strv_free(journal);
		return r;
	}
	b = rebind_batch_new(f.dry_run, f.force);
	b->state_locked = locked;
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
	return batch_execute(b, t, "restore");
}
