// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Early binding: who gets a configured device first at boot, vfioctl or its
 * host driver (see include/early.h and vfioctl(8), BOOT).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "early.h"
#include "iommu.h"
#include "kmodlib.h"
#include "output.h"
#include "sysfs.h"
#include "topo.h"
#include "util.h"

#ifndef VFIOCTL_DATADIR
#define VFIOCTL_DATADIR "/usr/local/share"
#endif

extern char **environ;

/* --------------------------------------------------------------- the host */

static enum initramfs_tool detect_tool(void)
{
	bool tools =
		sysfs_exists("/usr/sbin/update-initramfs") || sysfs_exists("/usr/sbin/mkinitramfs");
	bool dracut = sysfs_exists("/usr/bin/dracut") || sysfs_exists("/usr/sbin/dracut");

	/* Debian's dracut and initramfs-tools conflict: the binaries decide first */
	if (tools && !dracut)
		return INITRAMFS_TOOLS;
	if (dracut && !tools)
		return INITRAMFS_DRACUT;
	if (sysfs_exists("/etc/initramfs-tools"))
		return INITRAMFS_TOOLS;
	if (sysfs_exists("/etc/dracut.conf") || sysfs_exists("/etc/dracut.conf.d"))
		return INITRAMFS_DRACUT;
	return INITRAMFS_UNKNOWN;
}

static char *find_hook(enum initramfs_tool tool)
{
	static const char *const tools_hooks[] = {
		"/etc/initramfs-tools/hooks/vfioctl",
		"/usr/share/initramfs-tools/hooks/vfioctl",
		VFIOCTL_DATADIR "/initramfs-tools/hooks/vfioctl",
	};
	static const char *const dracut_mods[] = {
		"/usr/lib/dracut/modules.d/90vfioctl/module-setup.sh",
		"/etc/dracut/modules.d/90vfioctl/module-setup.sh",
	};
	const char *const *v = tool == INITRAMFS_DRACUT ? dracut_mods : tools_hooks;
	size_t n = tool == INITRAMFS_DRACUT ? ARRAY_SIZE(dracut_mods) : ARRAY_SIZE(tools_hooks);

	for (size_t i = 0; i < n; i++)
		if (sysfs_exists(v[i]))
			return xstrdup(v[i]);
	return NULL;
}

/* A module name as libkmod and /proc/modules spell it: '-' is '_'. */
static char *modname(const char *s, size_t len)
{
	char *m = xasprintf("%.*s", (int)len, s);

	for (char *p = m; *p; p++)
		if (*p == '-')
			*p = '_';
	return m;
}

static bool strv_has(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (streq(*v, s))
			return true;
	return false;
}

/* One path of the lister's output: the last word (lsinitrd: `ls -l` lines, "a -> b"). */
static void image_line(struct early_report *rep, size_t *n, char *line)
{
	char *arrow = strstr(line, " -> ");
	char *path, *base, *ko;

	if (arrow)
		*arrow = '\0';
	line[strcspn(line, "\n")] = '\0';
	path = strrchr(line, ' ');
	path = path ? path + 1 : line;
	if (strstr(path, "scripts/init-top/vfioctl") ||
	    (strstr(path, "/hooks/pre-udev/") && strstr(path, "vfioctl")))
		rep->image_has_hook = 1;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	ko = strstr(base, ".ko");
	if (ko && (!ko[3] || ko[3] == '.'))
		strv_consume(&rep->image_modules, n, modname(base, (size_t)(ko - base)));
}

/*
 * The image the running kernel booted (and the next boot of it uses):
 * $VFIOCTL_INITRAMFS, else /boot/initrd.img-RELEASE (Debian, both tools) or
 * /boot/initramfs-RELEASE.img (dracut elsewhere). Listed by the generator's
 * own lister, which knows its compression and early-microcode layout.
 */
static void read_image(struct early_report *rep)
{
	_cleanup_free_ char *rel = kernel_release();
	const char *env = getenv("VFIOCTL_INITRAMFS");
	const char *listers[2];
	char *argv[3];
	size_t n = 0;
	int pipefd[2], status;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;

	rep->image_has_hook = -1;
	if (env && *env) {
		rep->image = xstrdup(env);
	} else if (!sysfs_live()) {
		rep->image_why = xstrdup("a snapshot has no initramfs image");
		return;
	} else if (rel) {
		_cleanup_free_ char *a = xasprintf("/boot/initrd.img-%s", rel);
		_cleanup_free_ char *b = xasprintf("/boot/initramfs-%s.img", rel);

		if (access(a, R_OK) == 0)
			rep->image = xstrdup(a);
		else if (access(b, R_OK) == 0)
			rep->image = xstrdup(b);
	}
	if (!rep->image || access(rep->image, R_OK) < 0) {
		rep->image_why = rep->image ? xasprintf("%s: %s", rep->image, strerror(errno))
					    : xasprintf("no /boot/initrd.img-%s", rel ? rel : "?");
		free(rep->image);
		rep->image = NULL;
		return;
	}
	listers[0] = rep->tool == INITRAMFS_DRACUT ? "lsinitrd" : "lsinitramfs";
	listers[1] = rep->tool == INITRAMFS_DRACUT ? "lsinitramfs" : "lsinitrd";
	for (size_t i = 0; i < 2; i++) {
		if (pipe2(pipefd, O_CLOEXEC) < 0)
			break;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
		argv[0] = (char *)listers[i];
		argv[1] = rep->image;
		argv[2] = NULL;
		if (posix_spawnp(&pid, listers[i], &fa, NULL, argv, environ) != 0) {
			posix_spawn_file_actions_destroy(&fa);
			close(pipefd[0]);
			close(pipefd[1]);
			continue;
		}
		posix_spawn_file_actions_destroy(&fa);
		close(pipefd[1]);
		f = fdopen(pipefd[0], "r");
		rep->image_has_hook = 0;
		while (f && getline(&line, &cap, f) > 0)
			image_line(rep, &n, line);
		if (f)
			fclose(f);
		else
			close(pipefd[0]);
		/* lsinitramfs complains after a plain cpio archive: its list still counts */
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && n > 0)
			break;
		/* a lister that failed (or another generator's format): try the other */
		strv_free(rep->image_modules);
		rep->image_modules = NULL;
		n = 0;
		rep->image_has_hook = -1;
	}
	free(line);
	if (!rep->image_modules)
		rep->image_why = xasprintf("%s: could not be listed (lsinitramfs or lsinitrd "
					   "missing, or it failed)",
					   rep->image);
}

/* ---------------------------------------------------------- this boot */

static bool entry_in(const struct config *c, const struct cfg_device *e)
{
	const struct cfg_device *o = c ? config_find_device(c, e->addr) : NULL;

	return o && streq(o->driver, e->driver);
}

char *early_boot_error(void)
{
	_cleanup_free_ char *p = sysfs_resolve(EARLY_STATE);
	_cleanup_json_ json_t *j = json_load_file(p, 0, NULL);
	const char *err = json_string_value(json_object_get(j, "error"));

	return err ? xstrdup(err) : NULL;
}

static void read_boot(const struct config *c, struct early_report *rep, size_t *ndrift)
{
	_cleanup_free_ char *p = sysfs_resolve(EARLY_STATE);
	_cleanup_free_ char *cp = sysfs_resolve(EARLY_CONF);
	struct config *ic = NULL;
	json_t *err;
	size_t nn = strv_length(rep->notes);

	rep->boot = json_load_file(p, 0, NULL);
	if (!rep->boot || !json_is_object(rep->boot)) {
		json_decref(rep->boot);
		rep->boot = NULL;
		return;
	}
	err = json_object_get(rep->boot, "error");
	if (json_is_string(err)) {
		strv_consume(&rep->drift, ndrift,
			     xasprintf("the initramfs bound nothing at this boot: %s",
				       json_string_value(err)));
		return;
	}
	if (access(cp, R_OK) < 0)
		return;
	if (config_load(cp, 0, &ic) < 0) {
		strv_consume(
			&rep->notes, &nn,
			xasprintf("%s (the initramfs's configuration) is not valid", EARLY_CONF));
		return;
	}
	rep->boot_conf = true;
	rep->boot_config = ic;
	for (size_t i = 0; c && i < c->n_devices; i++)
		if (!entry_in(ic, &c->devices[i]))
			strv_consume(&rep->drift, ndrift,
				     xasprintf("%s (driver %s, %s:%d) is configured but not in the "
					       "initramfs's copy of the configuration",
					       c->devices[i].addr, c->devices[i].driver,
					       c->devices[i].origin.file,
					       c->devices[i].origin.line));
	for (size_t i = 0; i < ic->n_devices; i++)
		if (!entry_in(c, &ic->devices[i]))
			strv_consume(&rep->drift, ndrift,
				     xasprintf("the initramfs's copy of the configuration binds %s "
					       "(driver %s), the configuration does not",
					       ic->devices[i].addr, ic->devices[i].driver));
}

/* ---------------------------------------------------------- per device */

static void kmod_quiet(void *data _unused_, int priority _unused_, const char *file _unused_,
		       int line _unused_, const char *fn _unused_, const char *format _unused_,
		       va_list args _unused_)
{
}

static struct kmod_ctx *kmod_ctx_open(void)
{
	static const char *const no_config[] = { NULL };
	_cleanup_free_ char *rel = kernel_release();
	_cleanup_free_ char *dir = NULL, *index = NULL;
	struct kmod_ctx *ctx;

	if (!rel || strchr(rel, '/') || kmodlib_open() < 0)
		return NULL;
	/* a snapshot has modules.dep.bin and modules.builtin.bin, not the aliases */
	index = xasprintf("/lib/modules/%s/modules.alias.bin", rel);
	if (!sysfs_exists(index))
		return NULL;
	dir = xasprintf("%s/lib/modules/%s", sysfs_root(), rel);
	/* modprobe.d (aliases, blacklists) is the live host's only */
	ctx = sym_kmod_new(dir, sysfs_live() ? NULL : no_config);
	if (ctx)
		sym_kmod_set_log_fn(ctx, kmod_quiet, NULL);
	return ctx;
}

static bool vfio_like(const char *m)
{
	return startswith(m, "vfio") || streq(m, "pci_stub") || streq(m, "pci-stub");
}

/* The first module (not a VFIO one) that a modalias load would give the device. */
static void host_driver(struct kmod_ctx *ctx, const char *proc_modules, const struct topo_dev *d,
			struct early_dev *e)
{
	struct kmod_list *l = NULL, *filtered = NULL, *it;

	e->builtin = -1;
	if (ctx && d->modalias && sym_kmod_module_new_from_lookup(ctx, d->modalias, &l) >= 0) {
		/* blacklisted modules are not loaded by modalias (udev, modprobe) */
		if (sym_kmod_module_apply_filter(ctx, KMOD_FILTER_BLACKLIST, l, &filtered) < 0)
			filtered = NULL;
		sym_kmod_list_foreach(it, filtered)
		{
			struct kmod_module *m = sym_kmod_module_get_module(it);
			const char *name = sym_kmod_module_get_name(m);

			if (!e->host_driver && !vfio_like(name)) {
				e->host_driver = xstrdup(name);
				/* modules.builtin: no file */
				e->builtin = sym_kmod_module_get_path(m) ? 0 : 1;
			}
			sym_kmod_module_unref(m);
		}
		sym_kmod_module_unref_list(filtered);
		sym_kmod_module_unref_list(l);
		if (e->host_driver)
			return;
		/* nothing but VFIO matches; unless a built-in driver has it (below) */
		e->builtin = 0;
	}
	/*
	 * The driver it has now, if not ours: a snapshot has no module aliases,
	 * and built-in drivers' device tables are in no index (6.1 exports none).
	 */
	if (d->driver && !vfio_like(d->driver) && !streq(d->driver, e->want)) {
		_cleanup_free_ char *link = sysfs_pci_drv(d->driver, "module");
		_cleanup_free_ char *m = NULL;
		size_t ml;

		if (sysfs_link_name(link, &m) < 0)
			m = modname(d->driver, strlen(d->driver));
		ml = strlen(m);
		e->builtin = -1;
		for (const char *p = proc_modules; p && *p;) {
			if (strncmp(p, m, ml) == 0 && p[ml] == ' ')
				e->builtin = 0;
			p = strchr(p, '\n');
			p = p ? p + 1 : NULL;
		}
		if (e->builtin < 0 && sysfs_live()) {
			/* bound and not a loaded module: in the kernel */
			_cleanup_free_ char *init = xasprintf("/sys/module/%s/initstate", m);

			e->builtin = sysfs_exists(init) ? 0 : 1;
		}
		e->host_driver = xstrdup(m);
	}
}

static char *ids_text(const struct topo_dev *d)
{
	return xasprintf("%04x:%04x", d->vendor, d->device);
}

static void verdict(struct early_report *rep, const struct topo *t, const struct topo_dev *d,
		    struct early_dev *e, int vfio_builtin, const struct config *c)
{
	const char *regen = rep->regenerate ? rep->regenerate : "update-initramfs -u";
	bool covered;

	if (!e->host_driver) {
		e->loses = e->builtin == 0 ? 0 : -1;
		e->why =
			xstrdup(e->builtin == 0 ? "no host driver matches its modalias"
						: "its host driver is not known (no module index)");
		return;
	}
	if (streq(e->host_driver, e->want)) {
		e->loses = 0;
		e->why = xstrdup("its host driver is the configured one");
		return;
	}
	if (e->builtin == 1) {
		_cleanup_free_ char *ids = ids_text(d);
		size_t n = 0;
		char *others = NULL;

		rep->needed = true;
		e->loses = 1;
		for (size_t i = 0; i < t->n; i++) {
			const struct topo_dev *o = &t->devs[i];
			const struct cfg_origin *org;

			if (o == d || o->vendor != d->vendor || o->device != d->device)
				continue;
			if (c && streq(config_wanted_driver(c, t, o, &org), e->want))
				continue; /* configured too: meant to go */
			strv_push(&e->same_id, &n, o->addr);
		}
		for (size_t i = 0; i < n; i++) {
			char *x = xasprintf("%s%s%s", others ? others : "", others ? ", " : "",
					    e->same_id[i]);
			free(others);
			others = x;
		}
		e->why = xasprintf("its host driver %s is built into the kernel: it probes the "
				   "device before any initramfs or vfioctl runs",
				   e->host_driver);
		e->fix = xasprintf(
			"bind by ID instead: %s.ids=%s on the kernel command line, "
			"which also takes %s (%s)",
			e->want, ids, others ? others : "no other device here",
			vfio_builtin == 1
				? "the driver is built into this kernel too, so it can probe first"
				: "this beats a built-in driver only if the driver is built "
				  "in too, which it is not here; else `vfioctl apply` moves "
				  "the device after boot");
		free(others);
		return;
	}
	if (e->in_initramfs == 0) {
		e->loses = 0;
		e->why = xasprintf("its host driver %s is not in the initramfs: vfioctl.service "
				   "binds the device before udev loads it",
				   e->host_driver);
		return;
	}
	if (e->in_initramfs < 0) {
		e->loses = -1;
		e->why = xasprintf("whether its host driver %s is in the initramfs is not known",
				   e->host_driver);
		return;
	}
	rep->needed = true;
	/*
	 * In the initramfs: vfioctl must be there too, and its copy of the
	 * configuration must name the device (known when this boot ran it).
	 */
	covered = rep->image_has_hook == 1 || (rep->image_has_hook < 0 && rep->hook && rep->boot);
	if (!covered) {
		e->loses = 1;
		e->why = xasprintf("its host driver %s is in the initramfs%s%s without vfioctl's "
				   "hook: it probes the device before vfioctl.service runs",
				   e->host_driver, rep->image ? " " : "",
				   rep->image ? rep->image : "");
		e->fix = rep->hook ? xasprintf("regenerate the initramfs: %s", regen)
				   : xasprintf("install vfioctl's %s (make install, or the Debian "
					       "package), then regenerate the initramfs: %s",
					       rep->tool == INITRAMFS_DRACUT
						       ? "dracut module (90vfioctl)"
						       : "initramfs-tools hook",
					       regen);
		return;
	}
	if (rep->boot_config) {
		const struct cfg_origin *org;

		if (!streq(config_wanted_driver(rep->boot_config, t, d, &org), e->want)) {
			e->loses = 1;
			e->why = xasprintf(
				"its host driver %s is in the initramfs, whose copy of the "
				"configuration does not bind the device",
				e->host_driver);
			e->fix = xasprintf("regenerate the initramfs: %s", regen);
			return;
		}
	}
	e->loses = 0;
	e->why = xasprintf("its host driver %s is in the initramfs, and so is vfioctl's hook, "
			   "which binds the device first",
			   e->host_driver);
}

/* name built into the kernel (modules.builtin): 1, 0, -1 unknown. */
static int module_builtin(struct kmod_ctx *ctx, const char *name)
{
	struct kmod_list *l = NULL, *it;
	int r = -1;

	if (!ctx || !name || sym_kmod_module_new_from_lookup(ctx, name, &l) < 0)
		return -1;
	sym_kmod_list_foreach(it, l)
	{
		struct kmod_module *m = sym_kmod_module_get_module(it);

		if (r < 0)
			r = sym_kmod_module_get_path(m) ? 0 : 1;
		sym_kmod_module_unref(m);
	}
	sym_kmod_module_unref_list(l);
	return r;
}

static void read_proc_modules(char **out)
{
	_cleanup_free_ char *p = sysfs_resolve("/proc/modules");
	_cleanup_fclose_ FILE *f = fopen(p, "re");
	size_t len = 0;

	*out = NULL;
	if (f && getdelim(out, &len, '\0', f) < 0) {
		free(*out);
		*out = NULL;
	}
}

void early_report_read(const struct config *c, const struct topo *t, struct early_report *rep)
{
	_cleanup_free_ char *proc_modules = NULL;
	struct kmod_ctx *ctx = NULL;
	size_t ndrift = 0, nnotes = 0;
	bool want_image = false;

	*rep = (struct early_report){ .image_has_hook = -1 };
	rep->tool = detect_tool();
	rep->regenerate = rep->tool == INITRAMFS_DRACUT	 ? "dracut -f"
			  : rep->tool == INITRAMFS_TOOLS ? "update-initramfs -u"
							 : NULL;
	rep->hook = find_hook(rep->tool);
	read_boot(c, rep, &ndrift);
	nnotes = strv_length(rep->notes);
	if (!c || !c->n_devices)
		return;
	ctx = kmod_ctx_open();
	read_proc_modules(&proc_modules);
	for (size_t i = 0; i < c->n_devices; i++) {
		const struct cfg_device *ce = &c->devices[i];
		struct topo_dev *d = topo_find(t, ce->addr);
		_cleanup_free_ struct topo_dev **members = NULL;

		if (!d)
			continue; /* status says "not on the bus" */
		members = config_members(t, d);
		for (struct topo_dev **m = members; *m; m++) {
			struct early_dev *e;

			rep->devs = xrealloc(rep->devs, (rep->n_devs + 1) * sizeof(*rep->devs));
			e = &rep->devs[rep->n_devs++];
			*e = (struct early_dev){ .in_initramfs = -1, .loses = -1, .builtin = -1 };
			snprintf(e->addr, sizeof(e->addr), "%s", (*m)->addr);
			e->want = xstrdup(ce->driver);
			e->entry = xstrdup(ce->addr);
			e->source = xasprintf("%s:%d", ce->origin.file, ce->origin.line);
			host_driver(ctx, proc_modules, *m, e);
			if (e->host_driver && e->builtin != 1 && !streq(e->host_driver, e->want))
				want_image = true;
		}
	}
	/* lsinitramfs takes a while: only when a module's place decides */
	if (want_image) {
		read_image(rep);
		if (rep->image_why)
			strv_push(&rep->notes, &nnotes, rep->image_why);
	}
	for (size_t i = 0; i < rep->n_devs; i++) {
		struct early_dev *e = &rep->devs[i];
		struct topo_dev *d = topo_find(t, e->addr);

		if (e->host_driver && e->builtin != 1 && rep->image_modules)
			e->in_initramfs = strv_has(rep->image_modules, e->host_driver);
		verdict(rep, t, d, e, module_builtin(ctx, e->want), c);
	}
	if (ctx)
		sym_kmod_unref(ctx);
	/* early binding needed but not installed: the configuration cannot reach it */
	if (rep->needed && !rep->hook && rep->tool != INITRAMFS_UNKNOWN)
		strv_consume(&rep->drift, &ndrift,
			     xasprintf("vfioctl's %s is not installed, and a configured device "
				       "needs early binding",
				       rep->tool == INITRAMFS_DRACUT ? "dracut module"
								     : "initramfs-tools hook"));
}

void early_report_clear(struct early_report *rep)
{
	for (size_t i = 0; i < rep->n_devs; i++) {
		struct early_dev *e = &rep->devs[i];

		free(e->want);
		free(e->entry);
		free(e->source);
		free(e->host_driver);
		free(e->why);
		free(e->fix);
		strv_free(e->same_id);
	}
	free(rep->devs);
	free(rep->hook);
	free(rep->image);
	free(rep->image_why);
	strv_free(rep->image_modules);
	strv_free(rep->drift);
	strv_free(rep->notes);
	json_decref(rep->boot);
	if (rep->boot_config)
		config_free(rep->boot_config);
	*rep = (struct early_report){ 0 };
}

static json_t *tristate(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

static const char *tool_name(enum initramfs_tool t)
{
	return t == INITRAMFS_TOOLS ? "initramfs-tools" : t == INITRAMFS_DRACUT ? "dracut" : NULL;
}

json_t *early_report_json(const struct early_report *rep)
{
	json_t *devs = json_array(), *boot = json_null();

	for (size_t i = 0; i < rep->n_devs; i++) {
		const struct early_dev *e = &rep->devs[i];

		json_array_append_new(
			devs,
			json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:o, s:o}",
				  "address", e->addr, "entry", e->entry, "want", e->want, "source",
				  e->source, "host_driver", json_string_or_null(e->host_driver),
				  "builtin", tristate(e->builtin), "in_initramfs",
				  tristate(e->in_initramfs), "loses", tristate(e->loses), "why",
				  e->why, "fix", json_string_or_null(e->fix), "same_id",
				  json_strv(e->same_id)));
	}
	if (rep->boot) {
		json_t *b = json_object_get(rep->boot, "bound");
		json_t *err = json_object_get(rep->boot, "error");
		json_t *cfg = json_object_get(rep->boot, "config");

		boot = json_object();
		json_object_set_new(boot, "config",
				    json_is_string(cfg) ? json_copy(cfg) : json_null());
		json_object_set_new(boot, "bound",
				    json_is_array(b) ? json_deep_copy(b) : json_array());
		json_object_set_new(boot, "error",
				    json_is_string(err) ? json_copy(err) : json_null());
	}
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "tool",
			 json_string_or_null(tool_name(rep->tool)), "regenerate",
			 json_string_or_null(rep->regenerate), "hook",
			 json_string_or_null(rep->hook), "image", json_string_or_null(rep->image),
			 "image_has_hook", tristate(rep->image_has_hook), "boot", boot, "devices",
			 devs, "drift", json_strv(rep->drift), "notes", json_strv(rep->notes));
}

size_t early_problems(const struct early_report *rep)
{
	size_t n = strv_length(rep->drift);

	for (size_t i = 0; i < rep->n_devs; i++)
		n += rep->devs[i].loses == 1;
	return n;
}

void early_regen_notice(bool full)
{
	_cleanup_config_ struct config *c = NULL;
	_cleanup_topo_ struct topo *t = NULL;
	struct early_report rep;
	bool in_use, differs;

	if (config_load(NULL, 0, &c) < 0)
		return;
	if (!full) {
		/* apply at every boot: only the cheap part, no image listing */
		struct early_report r0 = { .image_has_hook = -1 };
		size_t nd = 0;

		r0.tool = detect_tool();
		r0.hook = find_hook(r0.tool);
		read_boot(c, &r0, &nd);
		in_use = r0.hook || r0.boot;
		differs = nd > 0 || (r0.hook && !r0.boot_conf && c->n_devices);
		if (in_use && differs && r0.tool != INITRAMFS_UNKNOWN)
			log_warn("the initramfs binds other devices than the configuration: "
				 "regenerate it (%s)",
				 r0.tool == INITRAMFS_DRACUT ? "dracut -f" : "update-initramfs -u");
		early_report_clear(&r0);
		return;
	}
	if (topo_scan(&t, 0) < 0)
		return;
	early_report_read(c, t, &rep);
	in_use = rep.hook || rep.boot || rep.needed;
	differs = strv_length(rep.drift) > 0 || (rep.hook && !rep.boot_conf && c->n_devices);
	if (in_use && differs && rep.regenerate)
		log_warn("the initramfs must be regenerated for the configuration to bind "
			 "devices early: run '%s'",
			 rep.regenerate);
	early_report_clear(&rep);
}
