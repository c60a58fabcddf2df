// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl apply [--config FILE] [--dry-run] [--force]: make the host match the
 * configuration, in order: driver modules, PFs (sriov_drivers_autoprobe off
 * where the VFs get a vf-driver, VF count; new VFs bound through the batch
 * engine), VF attributes (rtnetlink), binds (one engine batch: each device's
 * whole IOMMU group, and every VF of a PF with vf-driver). Idempotent: what
 * is already right is "unchanged". On a failure, every change of this run is
 * undone in reverse order (exit 3), or what is left is named (exit 4).
 *
 * JSON (see vfioctl(8), JSON OUTPUT):
 *   { "operation": "apply", "dry_run": bool, "files": [string],
 *     "status": "ok" | "planned" | "refused" | "rolled-back" | "partial",
 *     "changed": bool,
 *     "items": [ { "step": "module" | "pf" | "vf" | "bind",
 *                  "target": string,               module name or PCI address
 *                  "vf": int | null,
 *                  "source": "FILE:LINE" | null,
 *                  "before": object | null, "after": object | null,
 *                  "status": "planned" | "unchanged" | "done" | "failed" |
 *                            "rolled-back" | "left" | "skipped",
 *                  "error": string | null } ],
 *     "blockers": [string], "warnings": [string] }
 *   before/after: module {"loaded": bool}; pf {"numvfs": int, "autoprobe": int};
 *   vf {"mac", "vlan", "qos", "trust", "spoofchk", "state"} (configured keys only;
 *   null: not known); bind {"driver", "override"}.
 */
#include <getopt.h>
#include <time.h>

#include <libudev.h>

#include "config.h"
#include "early.h"
#include "output.h"
#include "kmodlib.h"
#include "rebind.h"
#include "state.h"
#include "sriov.h"
#include "sysfs.h"
#include "topo.h"
#include "util.h"
#include "vfioctl.h"

static void apply_help(FILE *f)
{
	command_usage(f);
	/* the initramfs' mode takes neither --dry-run nor --force: a usage of its own */
	fputs("       vfioctl apply --early [--config FILE]\n"
	      "\n"
	      "Make the host match the configuration (/etc/vfioctl.conf and\n"
	      "/etc/vfioctl.d/*.conf, see vfioctl(8), CONFIGURATION): load the driver\n"
	      "modules, set each PF's VF count (autoprobe off where the VFs get a\n"
	      "vf-driver), set the VF attributes, then bind each configured device's IOMMU\n"
	      "group and the VFs in one batch. What is already right is left alone; on a\n"
	      "failure every change of the run is undone. An invalid configuration changes\n"
	      "nothing (exit 2). Run at boot by vfioctl.service.\n"
	      "\n"
	      "--early is the initramfs' mode (vfioctl(8), BOOT): bind the configured\n"
	      "devices by address only (driver_override, driver module, probe), with no\n"
	      "systemd, udevd or root file system; record the result in\n"
	      "/run/vfioctl/early.json and the configuration in /run/vfioctl/initramfs.conf;\n"
	      "errors go to the kernel log too, and it exits 0 whatever happened.\n"
	      "\n"
	      "  -c, --config FILE  read FILE instead of the default files\n"
	      "  -e, --early        the initramfs' binding (see above)\n"
	      "  -n, --dry-run      print the plan, change nothing\n"
	      "  -f, --force        go on despite devices in use\n"
	      "  -j, --json         print JSON\n"
	      "  -h, --help         show this help\n",
	      f);
}

enum item_status {
	IT_PLANNED,
	IT_UNCHANGED,
	IT_DONE,
	IT_FAILED,
	IT_ROLLED_BACK,
	IT_LEFT,
	IT_SKIPPED
};
static const char *const item_status_names[] = {
	[IT_PLANNED] = "planned", [IT_UNCHANGED] = "unchanged",	    [IT_DONE] = "done",
	[IT_FAILED] = "failed",	  [IT_ROLLED_BACK] = "rolled-back", [IT_LEFT] = "left",
	[IT_SKIPPED] = "skipped",
};

/* A PF step, kept for rollback. */
struct pf_step {
	const struct cfg_pf *cfg;
	struct topo_dev *dev;
	int before_numvfs, before_autoprobe;
	int want_autoprobe; /* -1: keep */
	json_t *item;
	bool changed;
};

/* A VF attribute step, kept for rollback. */
struct vf_step {
	const struct cfg_pf *pf;
	const struct cfg_vf *cfg;
	struct vf_attrs before; /* what was there, for the configured keys */
	bool before_known;
	json_t *item;
	bool changed;
};

struct apply {
	const struct config *cfg;
	bool dry_run, force;
	json_t *items, *blockers, *warnings;
	struct pf_step *pfs;
	size_t n_pfs;
	struct vf_step *vfs;
	size_t n_vfs;
	bool changed;
};

static json_t *item_new(struct apply *a, const char *step, const char *target, int vf,
			const struct cfg_origin *o)
{
	json_t *it = json_object();

	json_object_set_new(it, "step", json_string(step));
	json_object_set_new(it, "target", json_string(target));
	json_object_set_new(it, "vf", vf >= 0 ? json_integer(vf) : json_null());
	json_object_set_new(it, "source",
			    o ? json_sprintf("%s:%d", o->file, o->line) : json_null());
	json_object_set_new(it, "before", json_null());
	json_object_set_new(it, "after", json_null());
	json_object_set_new(it, "status", json_string("planned"));
	json_object_set_new(it, "error", json_null());
	json_array_append_new(a->items, it);
	return it;
}

static void item_status(json_t *it, enum item_status st, const char *error)
{
	json_object_set_new(it, "status", json_string(item_status_names[st]));
	if (error)
		json_object_set_new(it, "error", json_string(error));
}

/* ------------------------------------------------------------------ modules */

static bool pci_driver_present(const char *name)
{
	_cleanup_free_ char *p = sysfs_pci_drv(name, NULL);

	return sysfs_exists(p);
}

static void add_driver(char ***v, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (streq((*v)[i], name))
			return;
	strv_push(v, n, name);
}

/* Step 1: every driver the configuration names, and each PF's own driver. */
static int step_modules(struct apply *a, struct topo *t)
{
	char **drivers = NULL;
	size_t n = 0;
	int failed = 0;

	for (size_t i = 0; i < a->cfg->n_pfs; i++)
		if (a->cfg->pfs[i].vf_driver)
			add_driver(&drivers, &n, a->cfg->pfs[i].vf_driver);
	for (size_t i = 0; i < a->cfg->n_devices; i++)
		add_driver(&drivers, &n, a->cfg->devices[i].driver);
	for (size_t i = 0; i < n; i++) {
		json_t *it = item_new(a, "module", drivers[i], -1, NULL);
		bool present = pci_driver_present(drivers[i]);
		_cleanup_free_ char *why = NULL;

		json_object_set_new(it, "before", json_pack("{s:b}", "loaded", present));
		json_object_set_new(it, "after", json_pack("{s:b}", "loaded", true));
		if (present) {
			item_status(it, IT_UNCHANGED, NULL);
			continue;
		}
		if (a->dry_run)
			continue;
		module_load(drivers[i], KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY, &why);
		if (!pci_driver_present(drivers[i])) {
			if (!why)
				why = xasprintf("the module does not register PCI driver %s",
						drivers[i]);
			item_status(it, IT_FAILED, why);
			json_object_set_new(it, "after", json_pack("{s:b}", "loaded", false));
			failed++;
			continue;
		}
		item_status(it, IT_DONE, NULL);
		a->changed = true;
	}
	/* A PF needs its driver (sriov_configure) before VFs can be created. */
	for (size_t i = 0; i < a->cfg->n_pfs && !a->dry_run; i++) {
		struct topo_dev *d = topo_find(t, a->cfg->pfs[i].addr);
		_cleanup_free_ char *why = NULL, *drv = NULL, *link = NULL;
		json_t *it;

		if (!d || d->driver || !d->modalias)
			continue;
		it = item_new(a, "module", d->modalias, -1, &a->cfg->pfs[i].origin);
		json_object_set_new(it, "before", json_pack("{s:b}", "loaded", false));
		json_object_set_new(it, "after", json_pack("{s:b}", "loaded", true));
		module_load(d->modalias, KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY, &why);
		/* module init probes synchronously; allow an async probe a moment */
		link = sysfs_pci_dev(d->addr, "driver");
		for (int tries = 0; tries < 50 && sysfs_link_name(link, &drv) < 0; tries++)
			nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
		if (!drv) {
			item_status(it, IT_FAILED,
				    why ? why
					: "no driver bound to the PF after loading its module");
			failed++;
			continue;
		}
		free(d->driver);
		d->driver = xstrdup(drv);
		/* name it by the driver that took the PF, not by the long modalias */
		json_object_set_new(it, "target", json_string(drv));
		item_status(it, IT_DONE, NULL);
		a->changed = true;
	}
	strv_free(drivers);
	return failed ? -E_REFUSED : 0;
}

/* ------------------------------------------------------------------ PFs */

/*
 * Before any change: every PF exists and can have its VFs; every device
 * exists, unless it may be a VF still to be created.
 */
static int check_fit(struct apply *a, struct topo *t)
{
	bool vfs_change = false;
	int bad = 0;

	for (size_t i = 0; i < a->cfg->n_pfs; i++) {
		const struct cfg_pf *pf = &a->cfg->pfs[i];
		struct topo_dev *d = topo_find(t, pf->addr);

		if (!d) {
			log_error("%s:%d: [pf %s]: no such PCI device", pf->origin.file,
				  pf->origin.line, pf->addr);
			bad++;
		} else if (!d->sriov_pf) {
			log_error("%s:%d: [pf %s]: not an SR-IOV PF (no sriov_totalvfs)",
				  pf->origin.file, pf->origin.line, pf->addr);
			bad++;
		} else if (d->sriov_totalvfs >= 0 && pf->numvfs > d->sriov_totalvfs) {
			log_error("%s:%d: [pf %s]: vfs = %d, but the device supports %d",
				  pf->origin.file, pf->origin.line, pf->addr, pf->numvfs,
				  d->sriov_totalvfs);
			bad++;
		} else if (d->sriov_numvfs != pf->numvfs) {
			vfs_change = true;
		}
	}
	for (size_t i = 0; i < a->cfg->n_devices; i++) {
		const struct cfg_device *e = &a->cfg->devices[i];

		if (!topo_find(t, e->addr) && !vfs_change) {
			log_error("%s:%d: [device %s]: no such PCI device", e->origin.file,
				  e->origin.line, e->addr);
			bad++;
		}
	}
	return bad ? -ENODEV : 0;
}

static json_t *pf_state(int numvfs, int autoprobe)
{
	return json_pack("{s:o, s:o}", "numvfs", numvfs >= 0 ? json_integer(numvfs) : json_null(),
			 "autoprobe", autoprobe >= 0 ? json_integer(autoprobe) : json_null());
}

static int step_pfs(struct apply *a, struct topo *t)
{
	a->pfs = xcalloc(a->cfg->n_pfs, sizeof(*a->pfs));
	for (size_t i = 0; i < a->cfg->n_pfs; i++) {
		const struct cfg_pf *pf = &a->cfg->pfs[i];
		struct pf_step *s = &a->pfs[a->n_pfs++];
		struct sriov_set_req req = { .dry_run = a->dry_run, .force = a->force };
		json_t *result = NULL;
		int r;

		s->cfg = pf;
		s->dev = topo_find(t, pf->addr);
		s->before_numvfs = s->dev->sriov_numvfs;
		s->before_autoprobe = s->dev->sriov_autoprobe;
		/* VFs with a vf-driver must wait for the udev rule, not meet the host's driver */
		s->want_autoprobe = pf->vf_driver ? 0 : -1;
		s->item = item_new(a, "pf", pf->addr, -1, &pf->origin);
		json_object_set_new(s->item, "before",
				    pf_state(s->before_numvfs, s->before_autoprobe));
		json_object_set_new(s->item, "after",
				    pf_state(pf->numvfs, s->want_autoprobe >= 0
								 ? s->want_autoprobe
								 : s->before_autoprobe));
		if (s->before_numvfs == pf->numvfs &&
		    (s->want_autoprobe < 0 || s->want_autoprobe == s->before_autoprobe)) {
			item_status(s->item, IT_UNCHANGED, NULL);
			continue;
		}
		req.numvfs = pf->numvfs;
		req.bind_driver = pf->numvfs > 0 ? pf->vf_driver : NULL;
		req.autoprobe = s->want_autoprobe;
		r = sriov_set(pf->addr, &req, &result);
		if (result)
			json_object_set_new(s->item, "sriov", result);
		if (a->dry_run)
			continue;
		if (r < 0) {
			item_status(s->item, r == -E_PARTIAL ? IT_LEFT : IT_FAILED, strerror(-r));
			return r == -E_PARTIAL ? r : -E_REFUSED;
		}
		s->changed = true;
		a->changed = true;
		item_status(s->item, IT_DONE, NULL);
	}
	return 0;
}

/* Undo the PF steps, newest first. Returns -E_PARTIAL if one cannot be undone. */
static int rollback_pfs(struct apply *a)
{
	int r = 0;

	for (size_t i = a->n_pfs; i-- > 0;) {
		struct pf_step *s = &a->pfs[i];
		struct sriov_set_req req = { .numvfs = s->before_numvfs,
					     .autoprobe = s->before_autoprobe,
					     .force = true };

		if (!s->changed)
			continue;
		if (sriov_set(s->cfg->addr, &req, NULL) < 0) {
			item_status(s->item, IT_LEFT, "could not restore the VF count");
			r = -E_PARTIAL;
		} else {
			item_status(s->item, IT_ROLLED_BACK, NULL);
		}
	}
	return r;
}

/* ------------------------------------------------------------------ VF attributes */

static json_t *vf_state(const struct vf_attrs *w, const struct vf_attrs *h, bool known)
{
	static const char *const onoff[] = { "off", "on" };
	static const char *const states[] = { "auto", "enable", "disable" };
	json_t *o = json_object();
	char mac[18];

	if (w->has_mac) {
		if (known && h->has_mac)
			config_format_mac(h->mac, mac);
		json_object_set_new(o, "mac", known && h->has_mac ? json_string(mac) : json_null());
	}
#define SET_INT(field, key)          \
	if (w->field >= 0)           \
		json_object_set_new( \
			o, key, known && h->field >= 0 ? json_integer(h->field) : json_null());
#define SET_NAMED(field, key, names)                                                      \
	if (w->field >= 0)                                                                \
		json_object_set_new(o, key,                                               \
				    known && h->field >= 0 ? json_string(names[h->field]) \
							   : json_null());
	SET_INT(vlan, "vlan");
	SET_INT(qos, "qos");
	SET_NAMED(trust, "trust", onoff);
	SET_NAMED(spoofchk, "spoofchk", onoff);
	SET_NAMED(link_state, "state", states);
#undef SET_INT
#undef SET_NAMED
	return o;
}

/* The configured keys of w all equal in h. */
static bool vf_attrs_match(const struct vf_attrs *w, const struct vf_attrs *h)
{
	return (!w->has_mac || (h->has_mac && !memcmp(w->mac, h->mac, 6))) &&
	       (w->vlan < 0 || w->vlan == h->vlan) && (w->qos < 0 || w->qos == h->qos) &&
	       (w->trust < 0 || w->trust == h->trust) &&
	       (w->spoofchk < 0 || w->spoofchk == h->spoofchk) &&
	       (w->link_state < 0 || w->link_state == h->link_state);
}

/*
 * VF attributes go through the PF's interface by name. A PF whose driver was
 * just loaded (at boot) has a new interface that udev is about to rename:
 * wait until udev has processed it (at most 10 s), so the name holds.
 */
static void wait_pf_netdevs(const struct config *c)
{
	struct udev *udev = sysfs_udevd_running() ? udev_new() : NULL;

	if (!udev)
		return;
	for (size_t i = 0; i < c->n_pfs; i++) {
		_cleanup_free_ char *dir = NULL;

		if (!c->pfs[i].n_vfs)
			continue;
		dir = sysfs_pci_dev(c->pfs[i].addr, "net");
		for (int tries = 0; tries < 200; tries++) {
			_cleanup_closedir_ DIR *d = sysfs_opendir(dir);
			struct dirent *de;
			bool pending = false;

			while (d && (de = readdir(d))) {
				struct udev_device *nd;

				if (de->d_name[0] == '.')
					continue;
				nd = udev_device_new_from_subsystem_sysname(udev, "net",
									    de->d_name);
				if (nd && !udev_device_get_is_initialized(nd))
					pending = true;
				if (nd)
					udev_device_unref(nd);
			}
			if (!pending)
				break;
			nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000 * 1000 }, NULL);
		}
	}
	udev_unref(udev);
}

static int live_numvfs(const char *pf_addr)
{
	_cleanup_free_ char *p = sysfs_pci_dev(pf_addr, "sriov_numvfs");
	long n;

	return sysfs_read_long(p, 10, &n) < 0 ? -1 : (int)n;
}

static int step_vfs(struct apply *a)
{
	size_t total = 0;

	for (size_t i = 0; i < a->cfg->n_pfs; i++)
		total += a->cfg->pfs[i].n_vfs;
	a->vfs = xcalloc(total, sizeof(*a->vfs));
	for (size_t i = 0; i < a->cfg->n_pfs; i++) {
		const struct cfg_pf *pf = &a->cfg->pfs[i];

		for (size_t j = 0; j < pf->n_vfs; j++) {
			struct vf_step *s = &a->vfs[a->n_vfs++];
			struct vf_attrs want = pf->vfs[j].attrs;
			int r;

			s->pf = pf;
			s->cfg = &pf->vfs[j];
			s->before = (struct vf_attrs)VF_ATTRS_UNSET;
			s->item = item_new(a, "vf", pf->addr, s->cfg->index, &s->cfg->origin);
			/* (a dry run may plan VFs that do not exist yet) */
			if (sysfs_live() && s->cfg->index < live_numvfs(pf->addr) &&
			    sriov_vf_get(pf->addr, s->cfg->index, &s->before) == 0)
				s->before_known = true;
			json_object_set_new(s->item, "before",
					    vf_state(&want, &s->before, s->before_known));
			json_object_set_new(s->item, "after", vf_state(&want, &want, true));
			if (s->before_known && vf_attrs_match(&want, &s->before)) {
				item_status(s->item, IT_UNCHANGED, NULL);
				continue;
			}
			if (a->dry_run)
				continue;
			r = sriov_vf_set(pf->addr, s->cfg->index, &want, false);
			if (r < 0) {
				item_status(s->item, IT_FAILED, strerror(-r));
				return -E_REFUSED;
			}
			s->changed = true;
			a->changed = true;
			item_status(s->item, IT_DONE, NULL);
		}
	}
	return 0;
}

static int rollback_vfs(struct apply *a)
{
	int r = 0;

	for (size_t i = a->n_vfs; i-- > 0;) {
		struct vf_step *s = &a->vfs[i];
		struct vf_attrs old = s->before;

		if (!s->changed)
			continue;
		/* a VF re-created by a PF step goes away with that step's rollback */
		if (!s->before_known || sriov_vf_set(s->pf->addr, s->cfg->index, &old, false) < 0) {
			item_status(s->item, s->before_known ? IT_LEFT : IT_ROLLED_BACK,
				    s->before_known ? "could not restore the attributes" : NULL);
			if (s->before_known)
				r = -E_PARTIAL;
		} else {
			item_status(s->item, IT_ROLLED_BACK, NULL);
		}
	}
	return r;
}

/* ------------------------------------------------------------------ binds */

static const struct cfg_origin *bind_origin(const struct config *c, const struct topo *t,
					    const struct topo_dev *d)
{
	const struct cfg_origin *o = NULL;

	config_wanted_driver(c, t, d, &o);
	return o;
}

static int step_binds(struct apply *a, struct rebind_batch **out, struct topo **out_topo)
{
	_cleanup_topo_ struct topo *t = NULL;
	struct rebind_batch *b = rebind_batch_new(a->dry_run, a->force);
	json_t *res, *dev;
	size_t i;
	int r;

	*out = b;
	/* VFs may have been created: scan again */
	r = topo_scan_reported(&t, TOPO_SCAN_CONFIG | TOPO_SCAN_LINKS);
	if (r < 0)
		return r;
	for (i = 0; i < a->cfg->n_pfs; i++) {
		const struct cfg_pf *pf = &a->cfg->pfs[i];
		struct topo_dev *d = topo_find(t, pf->addr);

		for (int v = 0; d && pf->vf_driver && v < pf->numvfs; v++) {
			struct topo_dev *vf = config_vf_dev(t, d, v);

			if (vf) {
				r = rebind_add(b, vf, REBIND_BIND, pf->vf_driver);
				if (r < 0)
					return r;
			} else if (!a->dry_run) {
				log_error("%s: VF %d is missing after setting the VF count",
					  pf->addr, v);
				return -E_REFUSED;
			}
		}
	}
	for (i = 0; i < a->cfg->n_devices; i++) {
		const struct cfg_device *e = &a->cfg->devices[i];
		struct topo_dev *d = topo_find(t, e->addr);
		_cleanup_free_ struct topo_dev **members = NULL;

		if (!d && a->dry_run) {
			/* check_fit() let it through: a VF still to be created */
			json_array_append_new(
				a->warnings,
				json_sprintf("%s: not on the bus yet (a VF the VF count "
					     "creates?): not planned",
					     e->addr));
			continue;
		}
		if (!d) {
			log_error("%s:%d: [device %s]: no such PCI device", e->origin.file,
				  e->origin.line, e->addr);
			return -E_REFUSED;
		}
		members = config_members(t, d);
		for (struct topo_dev **m = members; *m; m++) {
			r = rebind_add(b, *m, REBIND_BIND, e->driver);
			if (r < 0)
				return r;
		}
	}
	for (i = 0; i < b->n; i++)
		b->items[i].requested = config_find_device(a->cfg, b->items[i].addr) != NULL;

	r = rebind_check(b, t);
	if (r == 0)
		r = rebind_run(b);
	res = rebind_batch_json(b);
	json_array_foreach (json_object_get(res, "devices"), i, dev) {
		struct topo_dev *d =
			topo_find(t, json_string_value(json_object_get(dev, "address")));
		const struct cfg_origin *o = d ? bind_origin(a->cfg, t, d) : NULL;
		json_t *it = item_new(a, "bind", json_string_value(json_object_get(dev, "address")),
				      -1, o);

		json_object_set(it, "before", json_object_get(dev, "before"));
		json_object_set(it, "after", json_object_get(dev, "after"));
		json_object_set(it, "status", json_object_get(dev, "status"));
		json_object_set(it, "error", json_object_get(dev, "error"));
		if (streq(json_string_value(json_object_get(dev, "status")), "done"))
			a->changed = true;
	}
	json_array_extend(a->blockers, json_object_get(res, "blockers"));
	json_array_extend(a->warnings, json_object_get(res, "warnings"));
	json_decref(res);
	*out_topo = t;
	t = NULL;
	return r;
}

/* ------------------------------------------------------------------ output */

static const char *overall_status(const struct apply *a, int r)
{
	if (r == -E_PARTIAL)
		return "partial";
	if (r < 0 && json_array_size(a->blockers) && !a->force)
		return "refused";
	if (r < 0)
		return "rolled-back";
	return a->dry_run ? "planned" : "ok";
}

static char *state_text(json_t *o)
{
	const char *k;
	json_t *v;
	char *s = xstrdup("");

	if (!json_is_object(o))
		return xstrdup("-");
	json_object_foreach (o, k, v) {
		_cleanup_free_ char *val = json_is_string(v) ? xstrdup(json_string_value(v))
					   : json_is_integer(v)
						   ? xasprintf("%lld", json_integer_value(v))
					   : json_is_true(v)  ? xstrdup("yes")
					   : json_is_false(v) ? xstrdup("no")
							      : xstrdup("-");
		char *n;

		if (streq(k, "override") && json_is_null(v))
			continue;
		n = xasprintf("%s%s%s=%s", s, *s ? " " : "", k, val);
		free(s);
		s = n;
	}
	return s;
}

static void print_text(json_t *root)
{
	static const char *const headers[] = { "STEP", "TARGET", "BEFORE", "AFTER", "STATUS" };
	_cleanup_table_ struct table *tab = table_new(ARRAY_SIZE(headers), headers);
	json_t *items = json_object_get(root, "items"), *it, *x;
	size_t i;

	if (json_is_true(json_object_get(root, "dry_run")))
		puts("Dry run: nothing was changed.");
	if (!json_array_size(items)) {
		puts(json_array_size(json_object_get(root, "files"))
			     ? "Nothing configured."
			     : "No configuration (/etc/vfioctl.conf, /etc/vfioctl.d/*.conf).");
		return;
	}
	json_array_foreach (items, i, it) {
		json_t *vf = json_object_get(it, "vf");
		_cleanup_free_ char *target =
			json_is_integer(vf)
				? xasprintf("%s VF %lld",
					    json_string_value(json_object_get(it, "target")),
					    json_integer_value(vf))
				: xstrdup(json_string_value(json_object_get(it, "target")));
		_cleanup_free_ char *before = state_text(json_object_get(it, "before"));
		_cleanup_free_ char *after = state_text(json_object_get(it, "after"));

		table_add(tab,
			  (const char *const[]){
				  json_string_value(json_object_get(it, "step")), target, before,
				  after, json_string_value(json_object_get(it, "status")) });
	}
	table_print(tab, stdout);
	json_array_foreach (items, i, it)
		if (json_is_string(json_object_get(it, "error")))
			printf("%s: %s: %s\n", json_string_value(json_object_get(it, "target")),
			       json_string_value(json_object_get(it, "status")),
			       json_string_value(json_object_get(it, "error")));
	json_array_foreach (json_object_get(root, "blockers"), i, x)
		printf("blocker: %s\n", json_string_value(x));
}

static const struct option apply_longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "force", no_argument, NULL, 'f' },
	{ "early", no_argument, NULL, 'e' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};
const struct cmd_options apply_options = { "c:nfe" COMMON_SHORTOPTS, apply_longopts };

int cmd_apply(int argc, char *argv[])
{
	_cleanup_config_ struct config *cfg = NULL;
	_cleanup_topo_ struct topo *t = NULL, *t2 = NULL;
	_cleanup_rebind_batch_ struct rebind_batch *b = NULL;
	struct apply a = { 0 };
	_cleanup_close_ int lock_fd = -1;
	const char *file = NULL;
	bool early = false;
	json_t *root;
	int c, r, rb = 0, rp;

	while ((c = getopt_long(argc, argv, apply_options.shortopts, apply_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'c':
			file = optarg;
			break;
		case 'n':
			a.dry_run = true;
			break;
		case 'f':
			a.force = true;
			break;
		case 'e':
			early = true;
			break;
		default:
			r = common_option(c, argc, argv, apply_help);
			if (r <= 0)
				return r;
			break;
		}
	}
	if (early && (a.dry_run || a.force)) {
		log_error("apply: --early takes neither --dry-run nor --force");
		return -E_USAGE;
	}
	if (early)
		return apply_early(file);
	r = config_load(file, config_default_flags(), &cfg);
	if (r < 0) {
		if (r == -E_USAGE)
			log_error("apply: invalid configuration: nothing was changed");
		return r;
	}
	r = rebind_require_root("apply", a.dry_run);
	if (r < 0)
		return r;
	if (!a.dry_run) {
		/* also tells the udev helper to leave the devices to us */
		lock_fd = state_lock(STATE_LOCK_APPLY, false);
		if (lock_fd < 0) {
			log_error("apply: %s", lock_fd == -EBUSY
						       ? "another 'vfioctl apply' is running"
						       : strerror(-lock_fd));
			return -E_REFUSED;
		}
	}
	r = topo_scan_reported(&t, TOPO_SCAN_CONFIG | TOPO_SCAN_LINKS);
	if (r < 0)
		return r;
	a.cfg = cfg;
	r = check_fit(&a, t);
	if (r < 0) {
		log_error("apply: the configuration does not fit this host: nothing was changed");
		return r;
	}
	a.items = json_array();
	a.blockers = json_array();
	a.warnings = json_array();

	r = step_modules(&a, t);
	if (r == 0)
		r = step_pfs(&a, t);
	if (r == 0 && !a.dry_run)
		wait_pf_netdevs(cfg);
	if (r == 0)
		r = step_vfs(&a);
	if (r == 0)
		r = step_binds(&a, &b, &t2);
	if (r < 0 && !a.dry_run) {
		/* the engine undid its own batch; undo the SR-IOV steps */
		rb = rollback_vfs(&a);
		if (rollback_pfs(&a) < 0)
			rb = -E_PARTIAL;
		if (rb < 0)
			r = rb;
		else if (r != -E_PARTIAL)
			r = -E_REFUSED;
	}
	for (size_t i = 0; i < json_array_size(a.warnings); i++)
		log_warn("%s", json_string_value(json_array_get(a.warnings, i)));
	for (size_t i = 0; i < json_array_size(a.blockers); i++) {
		if (a.force)
			log_warn("%s (going on: --force)",
				 json_string_value(json_array_get(a.blockers, i)));
		else
			log_error("refused: %s", json_string_value(json_array_get(a.blockers, i)));
	}

	root = json_pack("{s:s, s:b, s:o, s:s, s:b, s:o, s:o, s:o}", "operation", "apply",
			 "dry_run", a.dry_run, "files", json_strv(cfg->files), "status",
			 overall_status(&a, r), "changed", a.changed, "items", a.items, "blockers",
			 a.blockers, "warnings", a.warnings);
	if (opts.json) {
		rp = output_json(root);
	} else {
		print_text(root);
		json_decref(root);
		rp = 0;
	}
	free(a.pfs);
	free(a.vfs);
	if (r == -E_PARTIAL)
		log_error("apply: failed, and not everything could be put back (see 'left' above); "
			  "run 'vfioctl restore' and 'vfioctl status' once the cause is fixed");
	else if (r < 0)
		log_error("apply: failed; every change of this run was undone");
	/* the initramfs binds from its own copy of the configuration */
	if (r == 0 && !a.dry_run && !file)
		early_regen_notice(false);
	return r < 0 ? r : rp;
}
