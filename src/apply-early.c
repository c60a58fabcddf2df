// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl apply --early: the initramfs' binding by address, run by the
 * initramfs-tools boot script contrib/initramfs-tools/scripts/init-top/vfioctl
 * before any host driver module is loaded (see vfioctl(8), BOOT). It needs
 * no systemd, no udevd and no root file system: only sysfs, /run and, for
 * its messages, /dev/kmsg.
 *
 * For every PCI device the configuration wants on a driver (a [device] and
 * the members of its IOMMU group; VFs do not exist yet): driver_override,
 * the driver's module, drivers_probe (rebind_claim(), as the udev helper
 * does). Nothing else: no VF count, no VF attributes, no unbinding and no
 * in-use checks (nothing runs yet); vfioctl.service's `apply` does the rest
 * once the root is mounted and finds these devices "unchanged".
 *
 * It never fails the boot: an unreadable or invalid configuration binds
 * nothing; every error goes to stderr and to the kernel log ("vfioctl: ...")
 * and the result is 0. What it did is left for `vfioctl status` after the
 * switch to the real root (/run survives it):
 *   /run/vfioctl/initramfs.conf  the bytes of the configuration files it read,
 *                                concatenated in reading order
 *   /run/vfioctl/early.json      { "operation": "apply-early",
 *                                  "config": "/run/vfioctl/initramfs.conf" | null,
 *                                  "files": [string], "config_bytes": int,
 *                                  "bound": [string], "error": string | null,
 *                                  "uptime": number }
 */
#include <fcntl.h>
#include <sys/stat.h>

#include <jansson.h>

#include "config.h"
#include "rebind.h"
#include "output.h"
#include "state.h"
#include "sysfs.h"
#include "topo.h"
#include "util.h"
#include "vfioctl.h"

#define EARLY_JSON STATE_DIR "/early.json"
#define EARLY_CONF STATE_DIR "/initramfs.conf"

/* Append the whole of host path f to *buf. 0 or -errno. */
static int slurp(const char *f, char **buf, size_t *len)
{
	_cleanup_free_ char *p = sysfs_resolve(f);
	_cleanup_fclose_ FILE *in = fopen(p, "re");
	char chunk[4096];
	size_t n;

	if (!in)
		return -errno;
	while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0) {
		*buf = xrealloc(*buf, *len + n + 1);
		memcpy(*buf + *len, chunk, n);
		*len += n;
		(*buf)[*len] = '\0';
	}
	return ferror(in) ? -EIO : 0;
}

static double uptime_now(void)
{
	_cleanup_free_ char *s = NULL;

	return sysfs_read("/proc/uptime", &s) < 0 ? -1 : strtod(s, NULL);
}

/* Errors so far, "; "-joined; NULL if none. */
static char *errors_joined(void)
{
	char *s = NULL;

	for (char **e = log_errors; e && *e; e++) {
		char *n = xasprintf("%s%s%s", s ? s : "", s ? "; " : "", *e);

		free(s);
		s = n;
	}
	return s;
}

/* One kernel log record per message; the console may be gone or quiet. */
static void kmsg(int fd, const char *level, const char *msg)
{
	_cleanup_free_ char *line = xasprintf("<%s>vfioctl: %s\n", level, msg);

	if (fd >= 0 && write(fd, line, strlen(line)) < 0)
		log_debug("/dev/kmsg: %s", strerror(errno));
}

/* the engine's claim, as the udev helper's; a device a driver holds only warns */
static int early_claim(const struct topo_dev *d, const char *want, const struct cfg_origin *origin)
{
	_cleanup_free_ char *where = xasprintf("%s:%d", origin->file, origin->line);
	int r = rebind_claim(d, want, where);

	if (r == 0 && d->driver && !streq(d->driver, want))
		log_warn("%s: already bound to %s, not %s (%s): run 'vfioctl apply'", d->addr,
			 d->driver, want, where);
	return r;
}

int apply_early(const char *file)
{
	_cleanup_config_ struct config *cfg = NULL;
	_cleanup_topo_ struct topo *t = NULL;
	_cleanup_close_ int kfd = -1, lock_fd = -1;
	_cleanup_free_ char *conf = NULL, *err = NULL, *text = NULL, *summary = NULL;
	size_t conf_len = 0;
	json_t *files, *bound, *root;
	bool have_copy = false;
	int r, rp = 0;

	r = rebind_require_root("apply --early", false);
	if (r < 0)
		return r;
	files = json_array();
	bound = json_array();
	kfd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	r = state_dir_ensure();
	if (r < 0)
		log_error("apply --early: %s: %s", STATE_DIR, strerror(-r));

	r = config_load(file, config_default_flags(), &cfg);
	if (r < 0) {
		log_error("apply --early: %s configuration: nothing bound",
			  r == -E_USAGE ? "invalid" : "unreadable");
		/* what it could read, for status to show: the one file asked for */
		if (slurp(file ? file : "/etc/vfioctl.conf", &conf, &conf_len) == 0) {
			json_array_append_new(files,
					      json_string(file ? file : "/etc/vfioctl.conf"));
			have_copy = true;
		}
	} else {
		for (char **f = cfg->files; f && *f; f++) {
			json_array_append_new(files, json_string(*f));
			r = slurp(*f, &conf, &conf_len);
			if (r < 0)
				log_error("apply --early: %s: %s", *f, strerror(-r));
		}
		have_copy = true;
		/* the udev rule's helper leaves the devices alone meanwhile */
		lock_fd = state_lock(STATE_LOCK_APPLY, false);
		if (lock_fd < 0)
			log_debug("apply --early: %s: %s", STATE_LOCK_APPLY, strerror(-lock_fd));
		r = cfg->n_devices ? topo_scan_reported(&t, 0) : 0;
		for (size_t i = 0; t && i < t->n; i++) {
			struct topo_dev *d = &t->devs[i];
			const struct cfg_origin *origin = NULL;
			const char *want = config_wanted_driver(cfg, t, d, &origin);
			_cleanup_free_ char *drv_link = NULL, *drv = NULL;

			if (!want || early_claim(d, want, origin) < 0)
				continue;
			drv_link = sysfs_pci_dev(d->addr, "driver");
			if (sysfs_link_name(drv_link, &drv) == 0 && streq(drv, want))
				json_array_append_new(bound, json_string(d->addr));
			else
				log_error("%s: not bound to %s (%s)", d->addr, want,
					  drv ? drv : "no driver took it");
		}
		for (size_t i = 0; t && i < cfg->n_devices; i++)
			if (!topo_find(t, cfg->devices[i].addr))
				log_error("%s:%d: [device %s]: no such PCI device",
					  cfg->devices[i].origin.file, cfg->devices[i].origin.line,
					  cfg->devices[i].addr);
		if (cfg->n_pfs)
			log_debug("apply --early: [pf] entries are left to vfioctl.service");
	}
	if (have_copy) {
		r = state_write_atomic(EARLY_CONF, conf ? conf : "", conf_len, 0644);
		if (r < 0) {
			log_error("apply --early: %s: %s", EARLY_CONF, strerror(-r));
			have_copy = false;
		}
	}
	err = errors_joined();
	root = json_pack("{s:s, s:o, s:o, s:I, s:O, s:o, s:f}", "operation", "apply-early",
			 "config", have_copy ? json_string(EARLY_CONF) : json_null(), "files",
			 files, "config_bytes", (json_int_t)conf_len, "bound", bound, "error",
			 err ? json_string(err) : json_null(), "uptime", uptime_now());
	text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
	if (text) {
		size_t n = strlen(text);

		text = xrealloc(text, n + 2);
		memcpy(text + n, "\n", 2);
		r = state_write_atomic(EARLY_JSON, text, n + 1, 0644);
		if (r < 0)
			log_error("apply --early: %s: %s", EARLY_JSON, strerror(-r));
	}

	for (char **e = log_errors; e && *e; e++)
		kmsg(kfd, "3", *e);
	if (json_array_size(bound)) {
		_cleanup_free_ char *list = NULL;
		size_t i;
		json_t *a;

		json_array_foreach (bound, i, a) {
			char *n = xasprintf("%s%s%s", list ? list : "", list ? " " : "",
					    json_string_value(a));

			free(list);
			list = n;
		}
		summary = xasprintf("early: bound %s by address (%s)", list, EARLY_JSON);
	} else {
		summary = xasprintf("early: nothing bound (%s)", EARLY_JSON);
	}
	kmsg(kfd, "6", summary);

	if (opts.json) {
		rp = output_json(root);
	} else {
		puts(summary);
		json_decref(root);
	}
	/* the boot goes on whatever happened; only stdout failing is reported */
	return rp < 0 ? rp : 0;
}
