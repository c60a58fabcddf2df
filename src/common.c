// SPDX-License-Identifier: GPL-2.0-or-later

#include <getopt.h>

#include "topo.h"
#include "util.h"
#include "vfioctl.h"

/* Global options, parsed by main(). */
struct vfioctl_opts opts;

int report_resolve_error(const char *arg, int r)
{
	switch (r) {
	case -EINVAL:
		log_error("%s: not a PCI address (0000:01:00.0, 01:00.0) or interface name", arg);
		return -E_USAGE;
	case -ENODEV:
		log_error("%s: no such PCI device or network interface", arg);
		return r;
	case -ENOTUNIQ:
		log_error("%s: matches devices in several PCI domains; give the full address", arg);
		return r;
	default:
		log_error("%s: %s", arg, strerror(-r));
		return r;
	}
}

int usage_error(int argc, char *argv[])
{
	/* getopt said what on stderr; --json's error object gets the argument */
	log_record("%s: %s: unknown option or missing argument", argv[0],
		   optind > 0 && optind <= argc ? argv[optind - 1] : "?");
	fprintf(stderr, "Try '%s --help'.\n", argv[0]);
	return -E_USAGE;
}

int common_option(int c, int argc, char *argv[], void (*help)(FILE *))
{
	switch (c) {
	case 'j':
		opts.json = true;
		return 1;
	case 'h':
		help(stdout);
		return 0;
	default:
		return usage_error(argc, argv);
	}
}

int topo_scan_reported(struct topo **t, unsigned flags)
{
	int r = topo_scan(t, flags);

	if (r < 0)
		log_error("/sys/bus/pci/devices: %s", strerror(-r));
	return r;
}
