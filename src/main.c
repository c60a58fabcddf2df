// SPDX-License-Identifier: GPL-2.0-or-later
/* vfioctl: prepare PCI devices for VFIO passthrough and manage SR-IOV. */
#include <getopt.h>
#include <sys/stat.h>

#include "output.h"
#include "sysfs.h"
#include "util.h"
#include "vfioctl.h"

#ifndef VERSION
#define VERSION "0.1"
#endif

static int cmd_help(int argc, char *argv[]);

/*
 * The one command table: dispatch, operand counts, usage lines, --help and
 * the docs check (tests/check-docs.sh compares the usage lines with the man
 * page's SYNOPSIS) all read it.
 */
static const struct command commands[] = {
	{ "list", cmd_list, "list PCI devices with driver, IOMMU group and SR-IOV role",
	  "[--class CLASS[,CLASS...]] [--driver DRIVER] [DEVICE...]", 0, -1, 0, &list_options },
	{ "show", cmd_show, "show everything known about one device and its upstream path",
	  "DEVICE", 1, 1, 0, &show_options },
	{ "groups", cmd_groups, "list IOMMU groups; explain or predict the grouping",
	  "[--explain] [--predict] [--acs-override=LIST] [--from-lspci FILE] [GROUP|DEVICE...]", 0,
	  -1, 0, &groups_options },
	/* DEVICE or --group: cmd_check() checks which */
	{ "check", cmd_check, "check whether a device's IOMMU group can be assigned to a VM",
	  "DEVICE... | --group N", 0, -1, 0, &check_options },
	{ "bind", cmd_bind, "bind devices' whole IOMMU groups to vfio-pci in one safe batch",
	  "[--driver DRIVER] [--only] [--dry-run] [--force] [--persist] DEVICE...", 1, -1, 0,
	  &bind_options },
	{ "unbind", cmd_unbind, "detach devices' whole IOMMU groups and keep them driverless",
	  "[--only] [--dry-run] [--force] DEVICE...", 1, -1, 0, &unbind_options },
	{ "restore", cmd_restore,
	  "give devices and the group-mates vfioctl moved back their drivers",
	  "[--only] [--dry-run] [--force] [DEVICE...]", 0, -1, 0, &restore_options },
	/* its subcommands have their own table (src/cmd-sriov.c) */
	{ "sriov", cmd_sriov, "SR-IOV: show PFs and VFs, set the VF count, set VF attributes",
	  "SUBCOMMAND [ARGS...]", 1, -1, 0, &sriov_options },
	{ "doctor", cmd_doctor, "check that IOMMU and VFIO work; say why not and how to fix it", "",
	  0, 0, 0, &doctor_options },
	{ "apply", cmd_apply, "apply the configuration: modules, VFs, VF attributes, binds",
	  "[--config FILE] [--dry-run] [--force]", 0, 0, 0, &apply_options },
	{ "status", cmd_status, "compare the configuration with the host; exit 1 on drift",
	  "[--config FILE]", 0, 0, 0, &status_options },
	/* the udev rule's helper: not listed, no options */
	{ "udev-add", cmd_udev_add, NULL, "PCI-ADDRESS", 1, 1, CMD_HIDDEN, NULL },
	{ "snapshot", cmd_snapshot, "save the sysfs/proc subset vfioctl reads as a tar.gz",
	  "[--output FILE]", 0, 0, 0, &snapshot_options },
	{ "help", cmd_help, "show this help", "", 0, -1, CMD_NO_SYSROOT, NULL },
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
		if (!(commands[i].flags & CMD_HIDDEN))
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

/*
 * With --json a failure still gives scripts one document to parse, unless
 * the command printed its own (bind's "refused" result, say).
 */
static int finish(int code)
{
	json_t *msgs, *err;

	if (!opts.json || code < 2 || output_json_started)
		return code;
	msgs = json_strv(log_errors);
	err = json_pack("{s:{s:o,s:i,s:o}}", "error", "message",
			json_string_or_null(log_errors ? log_errors[0] : NULL), "exit", code,
			"messages", msgs);
	if (err)
		output_json(err);
	return code;
}

/* A --sysroot must look like one: the root of a snapshot or of a host. */
static int set_sysroot(const char *sysroot, bool from_env)
{
	const char *what = from_env ? "VFIOCTL_SYSROOT=" : "--sysroot ";
	_cleanup_free_ char *pci = NULL;
	struct stat st;
	int r;

	r = sysfs_set_root(sysroot);
	if (r < 0) {
		log_error("%s%s: %s", what, sysroot, strerror(-r));
		return -E_USAGE;
	}
	if (sysfs_live())
		return 0;
	pci = sysfs_resolve("/sys/bus/pci/devices");
	if (stat(pci, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_error("%s%s: not a snapshot or root directory (it has no sys/bus/pci/devices)",
			  what, sysroot);
		return -E_USAGE;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },    { "sysroot", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 },
	};
	const char *sysroot = getenv("VFIOCTL_SYSROOT");
	const struct command *cmd = NULL;
	bool sysroot_from_env = sysroot != NULL;
	int c, r;

	argv[0] = (char *)"vfioctl";
	while ((c = getopt_long(argc, argv, "+js:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opts.json = true;
			break;
		case 's':
			sysroot = optarg;
			sysroot_from_env = false;
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
			usage_error(argc, argv);
			return finish(2);
		}
	}
	if (optind >= argc) {
		log_error("missing command");
		usage(stderr);
		return finish(2);
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (streq(commands[i].name, argv[optind]))
			cmd = &commands[i];
	if (!cmd) {
		log_error("%s: unknown command", argv[optind]);
		fputs("Try 'vfioctl --help'.\n", stderr);
		return finish(2);
	}
	if (!(cmd->flags & CMD_NO_SYSROOT) && set_sysroot(sysroot, sysroot_from_env) < 0)
		return finish(2);
	/* getopt's own messages start with argv[0]: "vfioctl list: unrecognized option" */
	r = command_run("vfioctl", cmd, argc - optind, argv + optind);
	if (fflush(stdout) != 0 && r >= 0) {
		log_error("stdout: %s", strerror(errno));
		return 3;
	}
	return finish(exit_code(r));
}
