// SPDX-License-Identifier: GPL-2.0-or-later
#include <dlfcn.h>
#include <errno.h>

#include "kmodlib.h"
#include "sysfs.h"
#include "util.h"

#define KMODLIB_DEFINE(name) typeof(name) *sym_##name;
KMODLIB_SYMBOLS(KMODLIB_DEFINE)
#undef KMODLIB_DEFINE

int kmodlib_open(void)
{
	static int state; /* 0 not tried, 1 open, -ENOSYS failed */
	void *h;

	if (state)
		return state < 0 ? state : 0;
	state = -ENOSYS;
	h = dlopen("libkmod.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		log_debug("libkmod: %s", dlerror());
		return state;
	}
#define KMODLIB_LOAD(name)                                     \
	if (!(sym_##name = (typeof(name) *)dlsym(h, #name))) { \
		log_debug("libkmod: no symbol %s", #name);     \
		return state;                                  \
	}
	KMODLIB_SYMBOLS(KMODLIB_LOAD)
#undef KMODLIB_LOAD
	state = 1;
	return 0;
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

int pci_driver_ensure(const char *name)
{
	_cleanup_free_ char *p = sysfs_pci_drv(name, NULL);

	if (sysfs_exists(p))
		return 0;
	if (!sysfs_live())
		return -ENOENT; /* a snapshot loads nothing */
	module_load(name, 0, NULL);
	return sysfs_exists(p) ? 0 : -ENOENT;
}
