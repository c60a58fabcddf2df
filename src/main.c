// SPDX-License-Identifier: GPL-2.0-or-later
/* vfioctl: prepare PCI devices for VFIO passthrough and manage SR-IOV. */
#include <getopt.h>

#include "sysfs.h"
#include "util.h"
#include "vfioctl.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

static int cmd_help(int argc, char *argv[]);

/* The one command table: dispatch, --help and the docs check all read it. */
static const struct command commands[] = {
	{ "list", cmd_list, "list PCI devices with driver, IOMMU group and SR-IOV role" },
	{ "show", cmd_show, "show everything known about one device and its upstream path" },
	{ "groups", cmd_groups, "list IOMMU groups; explain or predict the grouping" },
	{ "check", cmd_check, "check whether a device's IOMMU group can be assigned to a VM" },
	{ "bind", cmd_bind, "bind devices' whole IOMMU groups to vfio-pci in one safe batch" },
	{ "unbind", cmd_unbind, "detach devices from their driver and keep them driverless" },
	{ "restore", cmd_restore,
	  "give devices back the driver they had before vfioctl moved them" },
	{ "sriov", cmd_sriov, "SR-IOV: show PFs and VFs, set the VF count, set VF attributes" },
	{ "doctor", cmd_doctor, "check that IOMMU and VFIO work; say why not and how to fix it" },
	{ "apply", cmd_apply, "apply the configuration: modules, VFs, VF attributes, binds" },
	{ "status", cmd_status, "compare the configuration with the host; exit 1 on drift" },
	{ "udev-add", cmd_udev_add, NULL }, /* the udev rule's helper: not listed */
	{ "snapshot", cmd_snapshot, "save the sysfs/proc subset vfioctl reads as a tar.gz" },
	{ "help", cmd_help, "show this help" },
};

static void usage(FILE *f)
{
	fputs("Usage: vfioctl [--json] [--sysroot DIR] [-v] COMMAND [ARGS...]\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json          print one JSON document on stdout\n"
	      "  -s, --sysroot DIR   read /sys, /proc, /dev, /run under DIR (a snapshot)\n"
	      "  -v, --verbose       print debugging messages on stderr\n"
	      "  -h, --help          show this help\n"
	      "  -V, --version       show the version\n"
	      "\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (commands[i].help)
			fprintf(f, "  %-10s  %s\n", commands[i].name, commands[i].help);
	fputs("\nDEVICE is a PCI address (0000:01:00.0 or 01:00.0) or a network interface name.\n"
	      "Run 'vfioctl COMMAND --help' for a command's options; see vfioctl(8).\n",
	      f);
}

static int cmd_help(int argc _unused_, char *argv[] _unused_)
{
	usage(stdout);
	return 0;
}

/* Only main maps results to exit codes (see vfioctl(8), EXIT STATUS). */
static int exit_code(int r)
{
	if (r >= 0)
		return r == VERDICT_PROBLEM ? 1 : 0;
	switch (-r) {
	case E_USAGE:
	case ENODEV:
	case ENOTUNIQ:
	case ERANGE:
	case E2BIG:
		return 2;
	case E_PARTIAL:
		return 4;
	default:
		return 3;
	}
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },    { "sysroot", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 },
	};
	const char *sysroot = getenv("VFIOCTL_SYSROOT");
	int c, r;

	while ((c = getopt_long(argc, argv, "+js:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opts.json = true;
			break;
		case 's':
			sysroot = optarg;
			break;
		case 'v':
			opts.verbose++;
			verbosity++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			puts("vfioctl " VERSION);
			return 0;
		default:
			fputs("Try 'vfioctl --help'.\n", stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		log_error("missing command");
		usage(stderr);
		return 2;
	}
	r = sysfs_set_root(sysroot);
	if (r < 0) {
		log_error("%s: %s", sysroot, strerror(-r));
		return 2;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!streq(commands[i].name, argv[optind]))
			continue;
		argc -= optind;
		argv += optind;
		optind = 0; /* reset getopt for the command's own options */
		r = commands[i].run(argc, argv);
		if (fflush(stdout) != 0 && r >= 0) {
			log_error("stdout: %s", strerror(errno));
			return 3;
		}
		return exit_code(r);
	}
	log_error("%s: unknown command", argv[optind]);
	fputs("Try 'vfioctl --help'.\n", stderr);
	return 2;
}
