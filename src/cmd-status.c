// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl status [--config FILE]: the configuration (desired) against the
 * host (live): each configured device's group members' drivers, each PF's VF
 * count, sriov_drivers_autoprobe and VF driver, and VF attributes (rtnetlink,
 * live host only). Exit 0: in sync; 1: a difference; 2: invalid config.
 *
 * JSON (see vfioctl(8), JSON OUTPUT):
 *   { "files": [string],                      configuration files read
 *     "in_sync": bool,
 *     "checks": [ { "address": string,        the device the check is about
 *                   "vf": int | null,         VF index (PF sections)
 *                   "key": "present" | "driver" | "numvfs" | "autoprobe" |
 *                          "mac" | "vlan" | "qos" | "trust" | "spoofchk" | "state",
 *                   "want": string, "have": string | null,
 *                   "ok": bool | null,       null: not known (say why in notes)
 *                   "source": "FILE:LINE" } ],
 *     "differences": [string],               one sentence per check not ok
 *     "notes": [string] }
 */
#include <getopt.h>

#include "config.h"
#include "early.h"
#include "output.h"
#include "sriov.h"
#include "sysfs.h"
#include "topo.h"
#include "util.h"
#include "vfioctl.h"

static void status_help(FILE *f)
{
	command_usage(f);
	fputs("\n"
	      "Compare the configuration (/etc/vfioctl.conf and /etc/vfioctl.d/*.conf, see\n"
	      "vfioctl(8), CONFIGURATION) with the host: the driver of every configured device\n"
	      "and of the other endpoints of its IOMMU group, each PF's VF count, VF driver and\n"
	      "VF attributes; and early binding: whether the initramfs's copy of the\n"
	      "configuration matches, and each configured device whose host driver would probe\n"
	      "it first at boot (built in, or in the initramfs without vfioctl's hook), with\n"
	      "the fix. Prints a line per difference.\n"
	      "Exit status: 0 in sync, 1 a difference, 2 an invalid configuration.\n"
	      "\n"
	      "  -c, --config FILE  read FILE instead of the default files\n"
	      "  -j, --json         print JSON\n"
	      "  -h, --help         show this help\n",
	      f);
}

struct status {
	json_t *checks, *differences, *notes;
	bool attrs_unknown_noted;
};

/* " (VF N)" in a static buffer, for one message at a time. */
static const char *vf_suffix(int vf)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), " (VF %d)", vf);
	return buf;
}

static void add_check(struct status *s, const char *addr, int vf, const char *key, const char *want,
		      const char *have, int ok, const struct cfg_origin *o, const char *why,
		      const char *sentence)
{
	_cleanup_free_ char *src = xasprintf("%s:%d", o->file, o->line);

	json_array_append_new(s->checks,
			      json_pack("{s:s, s:o, s:s, s:s, s:o, s:o, s:s}", "address", addr,
					"vf", vf >= 0 ? json_integer(vf) : json_null(), "key", key,
					"want", want, "have", json_string_or_null(have), "ok",
					ok < 0 ? json_null() : json_boolean(ok), "source", src));
	if (ok == 0 && sentence)
		json_array_append_new(s->differences,
				      json_sprintf("%s: %s (%s)", addr, sentence, src));
	else if (ok == 0)
		json_array_append_new(s->differences,
				      json_sprintf("%s%s: %s is %s, want %s%s%s (%s)", addr,
						   vf >= 0 ? vf_suffix(vf) : "", key,
						   have ? have : "none", want, why ? ": " : "",
						   why ? why : "", src));
}

static void check_device(struct status *s, struct topo *t, const struct cfg_device *e)
{
	struct topo_dev *d = topo_find(t, e->addr);
	_cleanup_free_ struct topo_dev **members = NULL;

	if (!d) {
		add_check(s, e->addr, -1, "present", "yes", "no", 0, &e->origin, NULL,
			  "not on the bus");
		return;
	}
	members = config_members(t, d);
	for (struct topo_dev **m = members; *m; m++) {
		_cleanup_free_ char *why =
			*m != d ? xasprintf("in IOMMU group %d with %s", d->iommu_group, d->addr)
				: NULL;

		add_check(s, (*m)->addr, -1, "driver", e->driver, (*m)->driver,
			  streq((*m)->driver, e->driver), &e->origin, why, NULL);
	}
}

static char *fmt_int(int v)
{
	return v < 0 ? NULL : xasprintf("%d", v);
}

/* An integer attribute (names: its value names, or NULL for numbers); want < 0: not set. */
static void check_int(struct status *s, const char *addr, const struct cfg_vf *vf, const char *key,
		      int want, int have, bool known, const char *const *names)
{
	_cleanup_free_ char *want_s = NULL, *have_s = NULL;

	if (want < 0)
		return;
	known = known && have >= 0;
	want_s = names ? xstrdup(names[want]) : fmt_int(want);
	if (known)
		have_s = names ? xstrdup(names[have]) : fmt_int(have);
	add_check(s, addr, vf->index, key, want_s, have_s, known ? have == want : -1, &vf->origin,
		  NULL, NULL);
}

/* One VF's configured attributes against what the PF's driver reports. */
static void check_vf_attrs(struct status *s, const struct cfg_pf *pf, const struct cfg_vf *vf,
			   const char *vf_addr)
{
	static const char *const onoff[] = { "off", "on" };
	static const char *const states[] = { "auto", "enable", "disable" };
	const struct vf_attrs *w = &vf->attrs;
	struct vf_attrs h = VF_ATTRS_UNSET;
	const char *addr = vf_addr ? vf_addr : pf->addr;
	bool known = false;
	int r;

	if (!sysfs_live()) {
		if (!s->attrs_unknown_noted)
			json_array_append_new(s->notes,
					      json_string("VF attributes (mac, vlan, qos, trust, "
							  "spoofchk, state) are not in a snapshot: "
							  "not compared"));
		s->attrs_unknown_noted = true;
	} else if (vf_addr) {
		r = sriov_vf_get(pf->addr, vf->index, &h);
		if (r < 0)
			json_array_append_new(s->notes,
					      json_sprintf("%s: VF %d: attributes not readable: %s",
							   pf->addr, vf->index, strerror(-r)));
		else
			known = true;
	}
	if (w->has_mac) {
		char want[18], have[18];

		config_format_mac(w->mac, want);
		if (known && h.has_mac)
			config_format_mac(h.mac, have);
		add_check(s, addr, vf->index, "mac", want, known && h.has_mac ? have : NULL,
			  known ? (h.has_mac && !memcmp(w->mac, h.mac, 6)) : -1, &vf->origin, NULL,
			  NULL);
	}
	check_int(s, addr, vf, "vlan", w->vlan, h.vlan, known, NULL);
	check_int(s, addr, vf, "qos", w->qos, h.qos, known, NULL);
	check_int(s, addr, vf, "trust", w->trust, h.trust, known, onoff);
	check_int(s, addr, vf, "spoofchk", w->spoofchk, h.spoofchk, known, onoff);
	check_int(s, addr, vf, "state", w->link_state, h.link_state, known, states);
}

static void check_pf(struct status *s, struct topo *t, const struct cfg_pf *pf)
{
	struct topo_dev *d = topo_find(t, pf->addr);
	_cleanup_free_ char *want = xasprintf("%d", pf->numvfs);
	_cleanup_free_ char *have = NULL;

	if (!d) {
		add_check(s, pf->addr, -1, "present", "yes", "no", 0, &pf->origin, NULL,
			  "not on the bus");
		return;
	}
	if (!d->sriov_pf) {
		add_check(s, pf->addr, -1, "numvfs", want, NULL, 0, &pf->origin, NULL,
			  "not an SR-IOV PF (no sriov_totalvfs): no VFs possible");
		return;
	}
	have = fmt_int(d->sriov_numvfs);
	add_check(s, pf->addr, -1, "numvfs", want, have, d->sriov_numvfs == pf->numvfs, &pf->origin,
		  NULL, NULL);
	if (pf->vf_driver && d->sriov_autoprobe >= 0) {
		/* apply leaves autoprobe off so that re-created VFs wait for the udev rule */
		_cleanup_free_ char *ap = fmt_int(d->sriov_autoprobe);

		add_check(s, pf->addr, -1, "autoprobe", "0", ap, d->sriov_autoprobe == 0,
			  &pf->origin, "VFs created later would be probed by the host's VF driver",
			  NULL);
	}
	for (int i = 0; i < pf->numvfs && pf->vf_driver; i++) {
		struct topo_dev *vf = config_vf_dev(t, d, i);

		if (vf)
			add_check(s, vf->addr, i, "driver", pf->vf_driver, vf->driver,
				  streq(vf->driver, pf->vf_driver), &pf->origin, NULL, NULL);
	}
	for (size_t i = 0; i < pf->n_vfs; i++) {
		struct topo_dev *vf = config_vf_dev(t, d, pf->vfs[i].index);

		/* a missing VF is already a numvfs difference */
		check_vf_attrs(s, pf, &pf->vfs[i], vf ? vf->addr : NULL);
	}
}

/* Early binding (issue 17): drift against the initramfs, devices that lose the race. */
static void add_early(struct status *s, const struct early_report *rep)
{
	for (char **d = rep->drift; d && *d; d++)
		json_array_append_new(s->differences, json_sprintf("initramfs: %s", *d));
	for (size_t i = 0; i < rep->n_devs; i++) {
		const struct early_dev *e = &rep->devs[i];

		if (e->loses == 1)
			json_array_append_new(
				s->differences,
				json_sprintf("%s loses the race at boot: %s (%s); fix: %s", e->addr,
					     e->why, e->source, e->fix ? e->fix : "none known"));
	}
	for (char **n = rep->notes; n && *n; n++)
		json_array_append_new(s->notes, json_sprintf("early binding: %s", *n));
}

static void print_early(json_t *e)
{
	json_t *devs = json_object_get(e, "devices"), *d;
	const char *tool = json_string_value(json_object_get(e, "tool"));
	const char *hook = json_string_value(json_object_get(e, "hook"));
	json_t *boot = json_object_get(e, "boot");
	size_t i;

	if (!json_array_size(devs) && !hook && json_is_null(boot))
		return;
	printf("early binding: %s%s%s%s, vfioctl's hook %s%s\n",
	       tool ? tool : "no initramfs tool found", tool ? " (" : "",
	       tool ? json_string_value(json_object_get(e, "regenerate")) : "", tool ? ")" : "",
	       hook ? "installed: " : "not installed", hook ? hook : "");
	if (json_is_object(boot))
		printf("this boot's initramfs: %s\n",
		       json_is_string(json_object_get(boot, "error"))
			       ? json_string_value(json_object_get(boot, "error"))
			       : "vfioctl ran in it");
	json_array_foreach (devs, i, d) {
		json_t *l = json_object_get(d, "loses");

		printf("  %s: %s: %s\n", json_string_value(json_object_get(d, "address")),
		       json_is_true(l)	  ? "LOSES"
		       : json_is_false(l) ? "ok"
					  : "unknown",
		       json_string_value(json_object_get(d, "why")));
	}
}

static void print_text(json_t *root)
{
	static const char *const headers[] = { "ADDRESS", "VF", "KEY", "WANT", "HAVE", "STATUS" };
	_cleanup_table_ struct table *tab = table_new(ARRAY_SIZE(headers), headers);
	json_t *checks = json_object_get(root, "checks"), *c, *x;
	json_t *diffs = json_object_get(root, "differences");
	size_t i;

	json_array_foreach (checks, i, c) {
		json_t *ok = json_object_get(c, "ok");
		json_t *vf = json_object_get(c, "vf");
		_cleanup_free_ char *vfs =
			json_is_integer(vf) ? xasprintf("%lld", json_integer_value(vf)) : NULL;

		table_add(tab,
			  (const char *const[]){ json_string_value(json_object_get(c, "address")),
						 vfs, json_string_value(json_object_get(c, "key")),
						 json_string_value(json_object_get(c, "want")),
						 json_string_value(json_object_get(c, "have")),
						 json_is_null(ok)   ? "unknown"
						 : json_is_true(ok) ? "ok"
								    : "DRIFT" });
	}
	if (json_array_size(checks))
		table_print(tab, stdout);
	print_early(json_object_get(root, "early"));
	json_array_foreach (json_object_get(root, "notes"), i, x)
		printf("note: %s\n", json_string_value(x));
	if (!json_array_size(json_object_get(root, "files")))
		puts("No configuration (/etc/vfioctl.conf, /etc/vfioctl.d/*.conf): nothing to "
		     "compare.");
	else if (!json_array_size(diffs))
		printf("In sync: %zu check%s.\n", json_array_size(checks),
		       json_array_size(checks) == 1 ? "" : "s");
	else
		printf("%zu difference%s:\n", json_array_size(diffs),
		       json_array_size(diffs) == 1 ? "" : "s");
	json_array_foreach (diffs, i, x)
		printf("drift: %s\n", json_string_value(x));
}

static const struct option status_longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};
const struct cmd_options status_options = { "c:" COMMON_SHORTOPTS, status_longopts };

int cmd_status(int argc, char *argv[])
{
	_cleanup_config_ struct config *cfg = NULL;
	_cleanup_topo_ struct topo *t = NULL;
	struct early_report early;
	struct status s;
	const char *file = NULL;
	json_t *root;
	bool in_sync;
	int c, r;

	while ((c = getopt_long(argc, argv, status_options.shortopts, status_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'c':
			file = optarg;
			break;
		default:
			r = common_option(c, argc, argv, status_help);
			if (r <= 0)
				return r;
			break;
		}
	}
	r = config_load(file, config_default_flags(), &cfg);
	if (r < 0) {
		/* the initramfs read the same files: say what it made of them too */
		_cleanup_free_ char *boot_error = early_boot_error();

		if (boot_error)
			log_error("status: the initramfs bound nothing at this boot: %s",
				  boot_error);
		return r;
	}
	r = topo_scan_reported(&t, 0);
	if (r < 0)
		return r;

	s = (struct status){ .checks = json_array(),
			     .differences = json_array(),
			     .notes = json_array() };
	for (size_t i = 0; i < cfg->n_pfs; i++)
		check_pf(&s, t, &cfg->pfs[i]);
	for (size_t i = 0; i < cfg->n_devices; i++)
		check_device(&s, t, &cfg->devices[i]);
	early_report_read(cfg, t, &early);
	add_early(&s, &early);
	in_sync = json_array_size(s.differences) == 0;

	root = json_pack("{s:o, s:b, s:o, s:o, s:o, s:o}", "files", json_strv(cfg->files),
			 "in_sync", in_sync, "checks", s.checks, "differences", s.differences,
			 "notes", s.notes, "early", early_report_json(&early));
	early_report_clear(&early);
	if (opts.json) {
		r = output_json(root);
	} else {
		print_text(root);
		json_decref(root);
		r = 0;
	}
	if (r < 0)
		return r;
	return in_sync ? 0 : VERDICT_PROBLEM;
}
