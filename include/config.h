/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "vfattrs.h"

/*
 * The declarative configuration read by `apply`, `status`, the udev helper
 * and written by `--persist`: /etc/vfioctl.conf, then /etc/vfioctl.d/\*.conf
 * in name order (under the sysroot), INI syntax (inih):
 *
 *   [device 0000:02:00.0]     bind the device's whole IOMMU group
 *   driver = vfio-pci
 *
 *   [pf 0000:01:00.0]         SR-IOV PF
 *   vfs = 3
 *   vf-driver = vfio-pci      (optional; default: the host's VF driver)
 *   vf.0.mac = 02:00:00:00:00:10
 *   vf.0.vlan = 100           (vf.N.qos, .trust, .spoofchk, .state too)
 */

#define CONFIG_MAIN "/etc/vfioctl.conf"
#define CONFIG_DIR "/etc/vfioctl.d"
#define CONFIG_PERSIST CONFIG_DIR "/vfioctl-persist.conf"

/* Where an entry or key is written: file (one of config->files) and line. */
struct cfg_origin {
	const char *file;
	int line;
};

struct cfg_device {
	char addr[16];
	char *driver;
	struct cfg_origin origin; /* the section header */
};

struct cfg_vf {
	int index;
	struct vf_attrs attrs; /* unset fields: not configured */
	struct cfg_origin origin; /* its first key */
};

struct cfg_pf {
	char addr[16];
	int numvfs;
	char *vf_driver; /* NULL: leave the VFs to the host's driver (autoprobe) */
	struct cfg_vf *vfs; /* sorted by index, only VFs with attributes */
	size_t n_vfs;
	struct cfg_origin origin;
};

struct config {
	char **files; /* read, in order; NULL-terminated */
	size_t n_files;
	struct cfg_device *devices; /* in file order */
	size_t n_devices;
	struct cfg_pf *pfs;
	size_t n_pfs;
};

enum {
	/*
	 * Refuse files (and /etc/vfioctl.d) not owned by root or writable by
	 * others (or by a group other than root): a config file decides which
	 * drivers own devices. Set when root on the live host.
	 */
	CONFIG_CHECK_OWNER = 1 << 0,
	/* A missing FILE given to config_load() is an empty config, not an error. */
	CONFIG_MISSING_OK = 1 << 1,
};

/*
 * Load FILE, or (file NULL) the default files under the sysroot; a missing
 * default file or directory is an empty configuration. Every error is printed
 * as "vfioctl: FILE:LINE: key: why"; then -E_USAGE and *out is NULL: nothing
 * of an invalid configuration is used. Other -errno: a file could not be read.
 */
int config_load(const char *file, unsigned flags, struct config **out);
/* The flags for the running process: CONFIG_CHECK_OWNER when root on the live host. */
unsigned config_default_flags(void);
void config_free(struct config *c);
static inline void config_freep(struct config **c)
{
	if (*c)
		config_free(*c);
}
#define _cleanup_config_ __attribute__((cleanup(config_freep)))

struct cfg_device *config_find_device(const struct config *c, const char *addr);
struct cfg_pf *config_find_pf(const struct config *c, const char *addr);
const struct cfg_vf *config_find_vf(const struct cfg_pf *pf, int index);

/* Value syntax shared with the command line (sriov vf): 0 or -EINVAL. */
bool config_driver_valid(const char *s);
int config_parse_mac(const char *s, uint8_t mac[6]); /* unicast, not all-zero */
void config_format_mac(const uint8_t mac[6], char buf[18]);
const char *config_link_state_name(int state); /* "auto", "enable", "disable" */

/*
 * --persist: set the [device ADDR] entry's driver, a PF's VF count and VF
 * driver (NULL: the host's), or merge VF attributes into a PF entry (created
 * with numvfs if missing), in CONFIG_PERSIST (under the sysroot), written
 * atomically, mode 0644. An entry configured in another file is refused
 * (-E_USAGE, says where), as is any write while the configuration is invalid.
 * check_only: the same checks, nothing written (before the change is made).
 */
int config_persist_device(const char *addr, const char *driver, bool check_only);
int config_persist_pf(const char *addr, int numvfs, const char *vf_driver, bool check_only);
int config_persist_vf(const char *pf_addr, int vf, const struct vf_attrs *attrs, int numvfs,
		      bool check_only);

/* Write a configuration in the file format (used by --persist). */
void config_write(const struct config *c, FILE *f);

/* ------------------------------------------------------------------ vs. the topology */

struct topo;
struct topo_dev;

/*
 * The devices a [device] entry for d moves: d and the other endpoints of its
 * IOMMU group (never bridges), as `bind` does. NULL-terminated, malloc'd.
 */
struct topo_dev **config_members(const struct topo *t, const struct topo_dev *d);

/* The VF of pf with this index, or NULL. */
struct topo_dev *config_vf_dev(const struct topo *t, const struct topo_dev *pf, int index);

/*
 * The driver the configuration wants for d, or NULL: d is (in the group of) a
 * [device] entry, or a VF of a [pf] with vf-driver. *origin: the entry.
 */
const char *config_wanted_driver(const struct config *c, const struct topo *t,
				 const struct topo_dev *d, const struct cfg_origin **origin);
