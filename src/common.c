// SPDX-License-Identifier: GPL-2.0-or-later

#include <getopt.h>

#include "kmodlib.h"
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

int topo_scan_reported(struct topo **t, unsigned flags)
{
	int r = topo_scan(t, flags);

	if (r < 0)
		log_error("/sys/bus/pci/devices: %s", strerror(-r));
	return r;
}

int module_load(const char *name_or_alias, unsigned probe_flags, char **why)
{
	struct kmod_ctx *ctx;
	struct kmod_list *list = NULL, *l;
	int r, loaded = 0, err = -ENOENT;

	r = kmodlib_open();
	if (r < 0) {
		if (why)
			*why = xstrdup("libkmod.so.2 could not be loaded");
		return r;
	}
	ctx = sym_kmod_new(NULL, NULL);
	if (!ctx)
		return -ENOMEM;
	r = sym_kmod_module_new_from_lookup(ctx, name_or_alias, &list);
	if (r < 0 || !list) {
		sym_kmod_unref(ctx);
		if (why)
			*why = xasprintf("no module for %s", name_or_alias);
		return r < 0 ? r : -ENOENT;
	}
	sym_kmod_list_foreach(l, list)
	{
		struct kmod_module *m = sym_kmod_module_get_module(l);

		r = sym_kmod_module_probe_insert_module(m, probe_flags, NULL, NULL, NULL, NULL);
		if (r >= 0) {
			loaded++;
		} else {
			err = r;
			log_debug("modprobe %s: %s", sym_kmod_module_get_name(m), strerror(-r));
			if (why) {
				free(*why);
				*why = xasprintf("modprobe %s: %s", sym_kmod_module_get_name(m),
						 strerror(-r));
			}
		}
		sym_kmod_module_unref(m);
	}
	sym_kmod_module_unref_list(list);
	sym_kmod_unref(ctx);
	return loaded ? 0 : err;
}
