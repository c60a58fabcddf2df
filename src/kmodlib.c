// SPDX-License-Identifier: GPL-2.0-or-later
#include <dlfcn.h>
#include <errno.h>

#include "kmodlib.h"
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
