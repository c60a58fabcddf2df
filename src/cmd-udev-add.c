// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl udev-add DEVICE: run by the udev rule (contrib/udev/69-vfioctl.rules)
 * on the "add" event of every PCI device, before 80-drivers.rules loads the
 * host driver by modalias. For a device the configuration names (a [device],
 * a member of its IOMMU group, or a VF of a [pf] with vf-driver): set
 * driver_override, so no other driver can probe it, then probe it (the
 * wanted driver's module loaded first); for a VF, set its configured
 * attributes. Not listed in --help: it is the rule's helper.
 *
 * It never unbinds: a device some driver already holds (a built-in driver,
 * one loaded from the initramfs, or a VF probed while its PF had
 * sriov_drivers_autoprobe on) is left for `vfioctl apply`, with its checks.
 * While `vfioctl apply` runs (it holds /run/vfioctl/apply.lock) it does
 * nothing: apply binds what it creates itself, and two writers would race.
 * Exit 0 unless the configuration is invalid (2) or a write failed (3).
 */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "config.h"
#include "sriov.h"
#include "sysfs.h"
#include "kmodlib.h"
#include "state.h"
#include "topo.h"
#include "util.h"
#include "vfioctl.h"

/* The IOMMU group number of a device, -1 if none (or no such device). */
static int group_of(const char *addr)
{
	_cleanup_free_ char *p = sysfs_pci_dev(addr, "iommu_group");
	_cleanup_free_ char *name = NULL;

	return sysfs_link_name(p, &name) < 0 ? -1 : atoi(name);
}

/*
 * A cheap look before scanning the whole bus (this runs for every PCI device
 * at coldplug): named, a VF of a configured PF, or in a configured device's
 * IOMMU group.
 */
static bool may_be_configured(const struct config *c, const char *addr)
{
	_cleanup_free_ char *physfn = sysfs_pci_dev(addr, "physfn");
	_cleanup_free_ char *pf = NULL;
	int group;

	if (config_find_device(c, addr))
		return true;
	if (sysfs_link_name(physfn, &pf) == 0)
		return config_find_pf(c, pf) != NULL;
	group = group_of(addr);
	for (size_t i = 0; i < c->n_devices && group >= 0; i++)
		if (group_of(c->devices[i].addr) == group)
			return true;
	return false;
}

/*
 * driver_override first (no other driver can probe it), then the probe.
 * Shared with `apply --early` (src/early.c).
 */
int claim_device(const struct topo_dev *d, const char *want, const struct cfg_origin *origin)
{
	_cleanup_free_ char *ovr_path = sysfs_pci_dev(d->addr, "driver_override");
	int r;

	if (!streq(d->driver_override, want)) {
		r = sysfs_write(ovr_path, want);
		if (r < 0) {
			log_error("%s: driver_override: %s", d->addr, strerror(-r));
			return r;
		}
	}
	if (d->driver) {
		if (!streq(d->driver, want))
			log_warn("%s: already bound to %s, not %s (%s:%d): run 'vfioctl apply'",
				 d->addr, d->driver, want, origin->file, origin->line);
		return 0;
	}
	r = pci_driver_ensure(want);
	if (r < 0) {
		log_error("%s: %s (%s:%d): no such PCI driver, and no module of that name", d->addr,
			  want, origin->file, origin->line);
		return r;
	}
	r = sysfs_write("/sys/bus/pci/drivers_probe", d->addr);
	if (r < 0) {
		log_error("%s: drivers_probe: %s", d->addr, strerror(-r));
		return r;
	}
	log_debug("%s: claimed for %s", d->addr, want);
	return 0;
}

int cmd_udev_add(int argc, char *argv[])
{
	_cleanup_config_ struct config *cfg = NULL;
	_cleanup_topo_ struct topo *t = NULL;
	const struct cfg_origin *origin = NULL;
	struct topo_dev *d;
	const char *want;
	char addr[16];
	int r;

	if (argc != 2 || pci_addr_parse(argv[1], addr, NULL) < 0 || !streq(addr, argv[1])) {
		log_error("udev-add: usage: vfioctl udev-add PCI-ADDRESS (run by the udev rule)");
		return -E_USAGE;
	}
	if (!sysfs_live() || geteuid() != 0) {
		log_error("udev-add: runs as root on the live host, from the udev rule");
		return -E_USAGE;
	}
	r = config_load(NULL, config_default_flags(), &cfg);
	if (r < 0)
		return r;
	if (!cfg->n_devices && !cfg->n_pfs)
		return 0;
	if (state_lock_busy(STATE_LOCK_APPLY)) {
		log_debug("%s: vfioctl apply is running and binds it", addr);
		return 0;
	}
	if (!may_be_configured(cfg, addr))
		return 0;
	r = topo_scan_reported(&t, 0);
	if (r < 0)
		return r;
	d = topo_find(t, addr);
	if (!d)
		return 0;
	want = config_wanted_driver(cfg, t, d, &origin);
	if (want) {
		r = claim_device(d, want, origin);
		if (r < 0)
			return r;
	}
	if (d->physfn) {
		const struct cfg_pf *pf = config_find_pf(cfg, d->physfn->addr);
		const struct cfg_vf *vf = pf ? config_find_vf(pf, d->vf_index) : NULL;

		if (vf) {
			r = sriov_vf_set(pf->addr, vf->index, &vf->attrs, false);
			if (r < 0)
				return r;
		}
	}
	return 0;
}
