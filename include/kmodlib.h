/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <libkmod.h>

/*
 * libkmod, opened the first time a command needs it (a driver to load,
 * doctor's module facts) instead of at every start: it brings libcrypto,
 * liblzma and libzstd along, and relocating them was 4.5M of the ~33M
 * instructions of `vfioctl list` at 1039 devices. 0, or -ENOSYS when
 * libkmod.so.2 or one of its symbols is missing (logged at -v).
 */
int kmodlib_open(void);

#define KMODLIB_SYMBOLS(X)                 \
	X(kmod_new)                        \
	X(kmod_unref)                      \
	X(kmod_set_log_fn)                 \
	X(kmod_list_next)                  \
	X(kmod_module_new_from_lookup)     \
	X(kmod_module_new_from_name)       \
	X(kmod_module_get_module)          \
	X(kmod_module_get_name)            \
	X(kmod_module_get_path)            \
	X(kmod_module_get_options)         \
	X(kmod_module_probe_insert_module) \
	X(kmod_module_unref)               \
	X(kmod_module_unref_list)          \
	X(kmod_module_apply_filter)

#define KMODLIB_DECLARE(name) extern typeof(name) *sym_##name;
KMODLIB_SYMBOLS(KMODLIB_DECLARE)
#undef KMODLIB_DECLARE

/* kmod_list_foreach() through the opened library */
#define sym_kmod_list_foreach(entry, first) \
	for (entry = first; entry != NULL; entry = sym_kmod_list_next(first, entry))

/*
 * Load every module a name or alias (a driver name like vfio-pci, or a
 * modalias) resolves to, through libkmod with KMOD_PROBE_* probe_flags.
 * 0 if any loaded, else -errno; why (may be NULL) gets a message to free.
 */
int module_load(const char *name_or_alias, unsigned probe_flags, char **why);

/*
 * The PCI driver NAME (/sys/bus/pci/drivers/NAME) is there, loaded through
 * libkmod if needed: 0, or -ENOENT (nothing is loaded under a --sysroot).
 * Every driver a batch or the udev helper binds to comes through here.
 */
int pci_driver_ensure(const char *name);
