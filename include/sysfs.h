/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <dirent.h>

/*
 * Every host path (/sys, /proc, /dev, /run) goes through this module so that
 * --sysroot (or VFIOCTL_SYSROOT) redirects all of them to a snapshot.
 */

/* root: NULL, "" or "/" for the live host. Returns 0 or -errno. */
int sysfs_set_root(const char *root);
/* "" on the live host, else the root without a trailing slash. */
const char *sysfs_root(void);
/* True when reading the running kernel (no --sysroot). */
bool sysfs_live(void);
/*
 * True when a udevd listens on /run/udev/control (live host only). The file
 * alone (libudev's udev_queue_get_udev_is_active()) outlives a udevd that
 * was stopped: waiting for such a udevd's events would only time out.
 */
bool sysfs_udevd_running(void);

/* Malloc'd host path under the root. */
char *sysfs_resolve(const char *host_path);

/*
 * Host paths (malloc'd, not yet under the root: pass them to the functions
 * below) of a PCI device, "/sys/bus/pci/devices/ADDR[/ATTR]", and of a PCI
 * driver, "/sys/bus/pci/drivers/NAME[/ATTR]"; attr may be NULL.
 */
char *sysfs_pci_dev(const char *addr, const char *attr);
char *sysfs_pci_drv(const char *driver, const char *attr);

/* Open a directory (O_DIRECTORY|O_PATH-like fd) or DIR under the root. */
int sysfs_open_dir(const char *host_path);
DIR *sysfs_opendir(const char *host_path);

/* Read a small attribute; trailing newline stripped. 0 or -errno. */
int sysfs_read(const char *host_path, char **out);
int sysfs_read_at(int dirfd, const char *name, char **out);
/* Parse an attribute as an integer in the given base (0: auto). */
int sysfs_read_long_at(int dirfd, const char *name, int base, long *out);
int sysfs_read_long(const char *host_path, int base, long *out);
/* Read raw bytes (config space). *len is set to what was read. */
int sysfs_read_bytes_at(int dirfd, const char *name, void *buf, size_t max, size_t *len);

/* readlink() of a link; *out is the raw target. */
int sysfs_readlink_at(int dirfd, const char *name, char **out);
/* Basename of a link's target, e.g. the driver name of ".../driver". */
int sysfs_link_name_at(int dirfd, const char *name, char **out);
int sysfs_link_name(const char *host_path, char **out);

bool sysfs_exists(const char *host_path);
bool sysfs_exists_at(int dirfd, const char *name);

/* Write a value to an attribute (whole value in one write). 0 or -errno. */
int sysfs_write(const char *host_path, const char *value);
