// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The batch engine: plan, check, journal, apply, verify, roll back. The udev
 * event waiter the verification starts with is in src/rebind-wait.c.
 *
 * Devices move by address only (driver_override, unbind, drivers_probe or the
 * original driver's bind), never with new_id, so identical cards elsewhere
 * are never grabbed. The journal (/run/vfioctl/journal.json) is written and
 * fsynced before the first write; it keeps each device's original driver and
 * override until `restore` gives them back, so a batch killed at any point
 * can be undone.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "errors.h"
#include "inuse.h"
#include "kmodlib.h"
#include "output.h"
#include "rebind-internal.h"
#include "rebind.h"
#include "state.h"
#include "sysfs.h"
#include "topo.h"
#include "util.h"

#define JOURNAL_PATH STATE_DIR "/journal.json"
#define LOCK_PATH STATE_DIR "/" STATE_LOCK_ENGINE
#define MAX_WORKERS 8

static const char *const status_names[] = {
	[RB_PLANNED] = "planned", [RB_UNCHANGED] = "unchanged",	    [RB_DONE] = "done",
	[RB_FAILED] = "failed",	  [RB_ROLLED_BACK] = "rolled-back", [RB_LEFT] = "left",
	[RB_REMOVED] = "removed",
};

#define GONE_MESSAGE "the device is gone from the bus (removed or hot-unplugged)"

static bool item_gone(const struct rebind_item *it)
{
	return it->error == -ENODEV;
}

static long long start_ms;

struct rebind_batch *rebind_batch_new(bool dry_run, bool force)
{
	if (!start_ms)
		start_ms = now_ms();
	struct rebind_batch *b = xcalloc(1, sizeof(*b));

	b->dry_run = dry_run;
	b->force = force;
	return b;
}

static void item_clear(struct rebind_item *it)
{
	free(it->target);
	free(it->before_driver);
	free(it->before_override);
	free(it->after_driver);
	free(it->after_override);
	free(it->message);
	free(it->want_driver);
	free(it->want_override);
}

void rebind_batch_free(struct rebind_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		item_clear(&b->items[i]);
	free(b->items);
	free(b->index);
	strv_free(b->blockers);
	strv_free(b->warnings);
	free(b->error);
	free(b);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* Driver names come from users and the journal and become path components. */
static bool driver_name_valid(const char *s)
{
	if (!s || !*s || strlen(s) > 64 || streq(s, ".") || streq(s, ".."))
		return false;
	for (const char *p = s; *p; p++)
		if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') ||
		      ('0' <= *p && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return false;
	return true;
}

/*
 * Items by address (open addressing, slots hold index + 1): a batch of a
 * thousand devices looks each up several times while it is planned.
 */
static size_t addr_hash(const char *addr)
{
	size_t h = 14695981039346656037ULL;

	for (; *addr; addr++)
		h = (h ^ (unsigned char)*addr) * 1099511628211ULL;
	return h;
}

static void index_put(struct rebind_batch *b, size_t i)
{
	size_t slot = addr_hash(b->items[i].addr) & (b->index_size - 1);

	while (b->index[slot])
		slot = (slot + 1) & (b->index_size - 1);
	b->index[slot] = i + 1;
}

/* Room for one more item, at most half full. */
static void index_reserve(struct rebind_batch *b)
{
	if (2 * (b->n + 1) > b->index_size) {
		free(b->index);
		b->index_size = b->index_size ? 2 * b->index_size : 64;
		b->index = xcalloc(b->index_size, sizeof(*b->index));
		for (size_t j = 0; j < b->n; j++)
			index_put(b, j);
	}
}

static struct rebind_item *item_find(struct rebind_batch *b, const char *addr)
{
	size_t slot;

	if (!b->index_size)
		return NULL;
	for (slot = addr_hash(addr) & (b->index_size - 1); b->index[slot];
	     slot = (slot + 1) & (b->index_size - 1))
		if (streq(b->items[b->index[slot] - 1].addr, addr))
			return &b->items[b->index[slot] - 1];
	return NULL;
}

int rebind_add(struct rebind_batch *b, const struct topo_dev *d, enum rebind_op op,
	       const char *target)
{
	struct rebind_item *it;

	if (topo_is_bridge(d)) {
		log_error("%s: a PCI bridge: vfioctl never rebinds bridges", d->addr);
		return -E_USAGE;
	}
	if (op == REBIND_BIND && !driver_name_valid(target)) {
		log_error("%s: not a valid driver name", target ? target : "(none)");
		return -E_USAGE;
	}
	it = item_find(b, d->addr);
	if (it) {
		if (it->op != op || !streq_null(it->target, target)) {
			log_error("%s: asked for twice with different targets", d->addr);
			return -E_USAGE;
		}
		return 0;
	}
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->items = xrealloc(b->items, b->cap * sizeof(*it));
	}
	index_reserve(b);
	it = &b->items[b->n++];
	*it = (struct rebind_item){ .op = op, .iommu_group = d->iommu_group };
	snprintf(it->addr, sizeof(it->addr), "%s", d->addr);
	index_put(b, b->n - 1);
	it->target = dup_or_null(target);
	it->before_driver = dup_or_null(d->driver);
	it->before_override = dup_or_null(d->driver_override);
	it->vf_count = d->sriov_pf && d->sriov_numvfs > 0 ? d->sriov_numvfs : 0;
	return 0;
}

/* --- journal ------------------------------------------------------------- */

static json_t *journal_load(void)
{
	_cleanup_free_ char *p = sysfs_resolve(JOURNAL_PATH);
	json_error_t err;
	json_t *j = json_load_file(p, 0, &err);

	if (!j || !json_is_object(json_object_get(j, "devices"))) {
		if (j || access(p, F_OK) == 0)
			log_warn("%s: unreadable journal (%s); starting a new one", JOURNAL_PATH,
				 err.text);
		json_decref(j);
		j = json_pack("{s:i, s:{}}", "version", 1, "devices");
	}
	return j;
}

/* Atomic replace (state.c): the journal is whole, old or new, after any crash. */
static int journal_save(json_t *j)
{
	_cleanup_free_ char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	_cleanup_free_ char *line = NULL;
	int r = state_dir_ensure();

	if (r < 0)
		return r;
	line = xasprintf("%s\n", text);
	return state_write_atomic(JOURNAL_PATH, line, strlen(line), 0644);
}

int rebind_journal_devices(char ***addrs)
{
	_cleanup_json_ json_t *j = journal_load();
	json_t *devs = json_object_get(j, "devices");
	const char *key;
	json_t *v;
	size_t n = 0;

	*addrs = NULL;
	json_object_foreach (devs, key, v) {
		char norm[16];
		bool is_short;

		if (pci_addr_parse(key, norm, &is_short) == 0 && !is_short)
			strv_push(addrs, &n, norm);
	}
	return 0;
}

/* --- the front end of bind, unbind, restore ------------------------------ */

/* -v: where a batch spends its time (wall ms since its scan began, CPU ms in all). */
static void phase(const char *what)
{
	struct timespec ts;

	if (verbosity < 1)
		return;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	log_debug("%s: %lld ms (%lld ms CPU)", what, now_ms() - start_ms,
		  (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int rebind_scan_for(struct topo **t, char *const *args, size_t n)
{
	int r;

	if (!start_ms)
		start_ms = now_ms(); /* -v phases count from here */
	/* only the named devices and their groups: a batch never needs the whole bus */
	r = topo_scan_for(t, TOPO_SCAN_HEADER | TOPO_SCAN_BATCH | TOPO_SCAN_LINKS, args, n);

	if (r < 0)
		log_error("/sys/bus/pci/devices: %s", strerror(-r));
	phase("scanned");
	return r;
}

/* A group-mate that the command takes along (journal: for restore, NULL otherwise). */
static bool mate_taken(const struct topo_dev *m, enum rebind_op op, json_t *journal)
{
	if (topo_is_bridge(m))
		return false;
	/* restore: only what vfioctl moved; the others never left their driver */
	return op != REBIND_RESTORE ||
	       json_object_get(json_object_get(journal, "devices"), m->addr);
}

/* A taken mate that --only left out keeps the group from a VM (bind, unbind) or moved (restore). */
static bool mate_split(const struct topo_dev *m, enum rebind_op op, const char *target,
		       json_t *journal)
{
	json_t *entry;

	switch (op) {
	case REBIND_BIND:
		return !streq(m->driver, target);
	case REBIND_UNBIND:
		/* the kernel lets a group with driverless and vfio-pci devices into a VM */
		return m->driver && !streq(m->driver, "vfio-pci");
	case REBIND_RESTORE:
		break;
	}
	/* not yet back where the journal says it was (a killed batch may not have moved it) */
	entry = json_object_get(json_object_get(journal, "devices"), m->addr);
	return !streq_null(m->driver, json_string_value(json_object_get(entry, "driver"))) ||
	       !streq_null(m->driver_override,
			   json_string_value(json_object_get(entry, "override")));
}

/* --only: one warning per group of the named devices that the batch leaves split. */
static int cmp_group_only(const void *a, const void *b)
{
	const struct topo_dev *x = *(const struct topo_dev *const *)a;
	const struct topo_dev *y = *(const struct topo_dev *const *)b;

	return (x->iommu_group > y->iommu_group) - (x->iommu_group < y->iommu_group);
}

static int cmp_group(const void *a, const void *b)
{
	const struct topo_dev *x = *(const struct topo_dev *const *)a;
	const struct topo_dev *y = *(const struct topo_dev *const *)b;

	if (x->iommu_group != y->iommu_group)
		return x->iommu_group < y->iommu_group ? -1 : 1;
	return (x > y) - (x < y); /* the bus order within a group, as before */
}

static void warn_only(struct rebind_batch *b, const struct topo *t, enum rebind_op op,
		      const char *target, json_t *journal)
{
	/* the devices by group, each group once: no pass over them per named device */
	_cleanup_free_ const struct topo_dev **by_group = xcalloc(t->n + 1, sizeof(*by_group));
	_cleanup_free_ bool *warned = xcalloc(t->n + 1, sizeof(*warned));

	for (size_t j = 0; j < t->n; j++)
		by_group[j] = &t->devs[j];
	qsort(by_group, t->n, sizeof(*by_group), cmp_group);
	for (size_t i = 0; i < b->n; i++) {
		const struct rebind_item *it = &b->items[i];
		_cleanup_free_ char *others = NULL;
		struct topo_dev key = { .iommu_group = it->iommu_group };
		const struct topo_dev *kp = &key, **first;
		size_t j;

		if (!it->requested || it->iommu_group < 0)
			continue;
		first = bsearch(&kp, by_group, t->n, sizeof(*by_group), cmp_group_only);
		if (!first)
			continue;
		j = (size_t)(first - by_group);
		while (j > 0 && by_group[j - 1]->iommu_group == it->iommu_group)
			j--;
		if (warned[j])
			continue;
		warned[j] = true;
		for (; j < t->n && by_group[j]->iommu_group == it->iommu_group; j++) {
			const struct topo_dev *m = by_group[j];
			char *s;

			if (!mate_taken(m, op, journal) || item_find(b, m->addr) ||
			    !mate_split(m, op, target, journal))
				continue;
			s = xasprintf("%s%s%s (%s)", others ? others : "", others ? ", " : "",
				      m->addr, m->driver ? m->driver : "no driver");
			free(others);
			others = s;
		}
		if (!others)
			continue;
		strv_consume(&b->warnings, &b->n_warnings,
			     xasprintf("--only: IOMMU group %d of %s is not viable for a VM%s %s "
				       "stay%s%s",
				       it->iommu_group, it->addr,
				       op == REBIND_RESTORE ? ", and" : " while", others,
				       strchr(others, ',') ? "" : "s",
				       op == REBIND_RESTORE ? " moved" : ""));
	}
}

int rebind_add_named(struct rebind_batch *b, const struct topo *t, char *const *args, size_t n,
		     enum rebind_op op, const char *target, bool only)
{
	_cleanup_json_ json_t *journal = op == REBIND_RESTORE ? journal_load() : NULL;
	int r;

	for (size_t i = 0; i < n; i++) {
		struct topo_dev *d;

		r = topo_resolve(t, args[i], &d);
		if (r < 0)
			return report_resolve_error(args[i], r);
		r = rebind_add(b, d, op, target);
		if (r < 0)
			return r;
		/* by address: it may have come in before as a group-mate */
		item_find(b, d->addr)->requested = true;
		if (only || d->iommu_group < 0)
			continue;
		/* a group is only usable as a whole */
		for (size_t j = 0; j < t->n; j++) {
			const struct topo_dev *m = &t->devs[j];

			if (m == d || m->iommu_group != d->iommu_group ||
			    !mate_taken(m, op, journal))
				continue;
			r = rebind_add(b, m, op, target);
			if (r < 0)
				return r;
		}
	}
	if (only)
		warn_only(b, t, op, target, journal);
	return 0;
}

/* --- locking ------------------------------------------------------------- */

/* The lock taken by rebind_lock_hold(), kept until exit; -1 if none. */
static int held_lock_fd = -1;

/* why (may be NULL): the message of a failure, as also said on stderr */
static int lock_take(char **why)
{
	_cleanup_free_ char *msg = NULL;
	char other[32];
	int fd;

	if (held_lock_fd >= 0) {
		/* a dup shares the flock; closing it leaves the lock held */
		fd = fcntl(held_lock_fd, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
	fd = state_lock(STATE_LOCK_ENGINE, true);
	if (fd == -EBUSY) {
		state_lock_owner(STATE_LOCK_ENGINE, other, sizeof(other));
		msg = xasprintf("%s: another vfioctl%s%s is changing devices; try again when it is "
				"done",
				LOCK_PATH, *other ? " PID " : "", other);
	} else if (fd < 0) {
		msg = xasprintf("%s: %s", LOCK_PATH, strerror(-fd));
	}
	if (msg) {
		log_error("%s", msg);
		if (why) {
			*why = msg;
			msg = NULL;
		}
	}
	return fd; /* held until exit */
}

int rebind_lock_hold(void)
{
	int fd;

	if (held_lock_fd >= 0)
		return 0;
	fd = lock_take(NULL);
	if (fd < 0)
		return fd == -EBUSY ? -E_REFUSED : fd;
	held_lock_fd = fd;
	return 0;
}

bool rebind_lock_try(void)
{
	int fd;

	if (held_lock_fd >= 0)
		return true;
	fd = state_lock(STATE_LOCK_ENGINE, true);
	if (fd < 0)
		return false; /* rebind_run() takes it again and says why */
	held_lock_fd = fd;
	return true;
}

void rebind_lock_close_inherited(void)
{
	if (held_lock_fd >= 0)
		close(held_lock_fd);
	held_lock_fd = -1;
}

/* --- sysfs writes -------------------------------------------------------- */

/*
 * Test hook, VFIOCTL_FAULT_KILL_AFTER_WRITES: SIGKILL ourselves once the batch
 * has made N sysfs writes (0: the journal is written, nothing else yet), or,
 * with "end", after the last write and the verification, before the journal
 * is updated: the states a crash leaves for restore. The batch then moves one
 * device at a time, so the Nth write is the same on every run.
 */
enum {
	KILL_OFF = -1,
	KILL_AT_END = -2
};
static long kill_after = KILL_OFF;
static long writes_made;

static long fault_kill_after(void)
{
	const char *s = getenv("VFIOCTL_FAULT_KILL_AFTER_WRITES");
	char *end;
	long v;

	if (!s || !*s)
		return KILL_OFF;
	if (streq(s, "end"))
		return KILL_AT_END;
	v = strtol(s, &end, 10);
	return *end || v < 0 ? KILL_OFF : v;
}

static void fault_kill_point(void)
{
	if (kill_after >= 0 && writes_made == kill_after)
		raise(SIGKILL);
}

/* Write raw bytes: "\n" clears driver_override (an empty write never reaches the kernel). */
static int write_attr(const char *host_path, const char *value)
{
	int r = sysfs_write(host_path, value);

	log_debug("write %s <- %s: %s", host_path, streq(value, "\n") ? "\\n" : value,
		  r < 0 ? strerror(-r) : "ok");
	if (kill_after >= 0) {
		/* sequential under the hook (apply_all): no other thread counts */
		writes_made++;
		fault_kill_point();
	}
	return r;
}

static int read_state(const char *addr, char **driver, char **override)
{
	_cleanup_free_ char *base = sysfs_pci_dev(addr, NULL);
	_cleanup_free_ char *drv = xasprintf("%s/driver", base);
	_cleanup_free_ char *ovr = NULL;

	*driver = NULL;
	if (!override) {
		/* the driver alone: right after our own write of the override */
		if (sysfs_link_name(drv, driver) < 0) {
			*driver = NULL;
			if (!sysfs_exists(base))
				return -ENODEV;
		}
		return 0;
	}
	*override = NULL;
	ovr = xasprintf("%s/driver_override", base);
	if (sysfs_read(ovr, override) < 0) {
		*override = NULL;
		/* every PCI device has driver_override: one syscall less per read */
		if (!sysfs_exists(base))
			return -ENODEV;
	} else if (streq(*override, "(null)") || !**override) {
		free(*override);
		*override = NULL;
	}
	if (sysfs_link_name(drv, driver) < 0)
		*driver = NULL;
	return 0;
}

/*
 * Move one device to (driver, override). explicit_bind: bind through the
 * driver's own bind file (restoring an original driver that may not be the
 * default match); otherwise drivers_probe. default_match: clear the override
 * and let the kernel choose. Returns 0 or -errno with *why set; *probed says
 * whether it wrote bind or drivers_probe (only then does a bind event follow).
 */
/* A write failed: say so, unless the device itself is gone. */
static int write_failed(const char *addr, int r, char **why, char *what)
{
	_cleanup_free_ char *base = sysfs_pci_dev(addr, NULL);

	if (!sysfs_exists(base)) {
		free(what);
		*why = xstrdup(GONE_MESSAGE);
		return -ENODEV;
	}
	*why = what;
	return r;
}

static int move_device(const char *addr, const char *known_driver, const char *known_override,
		       bool known, const char *driver, const char *override, bool explicit_bind,
		       bool default_match, char **why, bool *probed)
{
	_cleanup_free_ char *cur_driver = NULL, *cur_override = NULL;
	_cleanup_free_ char *ovr_path = sysfs_pci_dev(addr, "driver_override");
	int r;

	*probed = false;
	if (known) {
		/* read under the lock just before: no second read per device */
		cur_driver = dup_or_null(known_driver);
		cur_override = dup_or_null(known_override);
	} else {
		r = read_state(addr, &cur_driver, &cur_override);
		if (r < 0) {
			*why = xstrdup(GONE_MESSAGE);
			return r;
		}
	}
	if (!streq_null(cur_override, override)) {
		r = write_attr(ovr_path, override ? override : "\n");
		if (r < 0)
			return write_failed(addr, r, why,
					    xasprintf("setting driver_override: %s", strerror(-r)));
	}
	if (cur_driver && (default_match || !streq(cur_driver, driver))) {
		_cleanup_free_ char *unbind = NULL;

		if (default_match && !cur_override)
			return 0; /* already on the kernel's choice */
		unbind = sysfs_pci_drv(cur_driver, "unbind");
		r = write_attr(unbind, addr);
		if (r < 0)
			return write_failed(
				addr, r, why,
				xasprintf("unbinding from %s: %s", cur_driver, strerror(-r)));
	} else if (cur_driver) {
		return 0; /* already on the wanted driver */
	}
	if (!driver && !default_match)
		return 0;
	if (explicit_bind && driver) {
		_cleanup_free_ char *bind = sysfs_pci_drv(driver, "bind");

		*probed = true;
		r = write_attr(bind, addr);
		if (r < 0)
			return write_failed(addr, r, why,
					    xasprintf("binding to %s: %s", driver, strerror(-r)));
		return 0;
	}
	/* drivers_probe reports success even when no driver binds: verified later */
	*probed = true;
	r = write_attr("/sys/bus/pci/drivers_probe", addr);
	if (r < 0)
		return write_failed(addr, r, why, xasprintf("drivers_probe: %s", strerror(-r)));
	return 0;
}

int rebind_claim(const struct topo_dev *d, const char *want, const char *origin)
{
	_cleanup_free_ char *ovr_path = sysfs_pci_dev(d->addr, "driver_override");
	_cleanup_free_ char *why = NULL;
	bool probed;
	int r;

	/* the override first, even if the probe cannot follow: no other driver takes it */
	if (!streq(d->driver_override, want)) {
		r = write_attr(ovr_path, want);
		if (r < 0) {
			log_error("%s: driver_override: %s", d->addr, strerror(-r));
			return r;
		}
	}
	if (d->driver)
		return 0; /* never unbinds: the caller says so */
	r = pci_driver_ensure(want);
	if (r < 0) {
		log_error("%s: %s (%s): no such PCI driver, and no module of that name", d->addr,
			  want, origin);
		return r;
	}
	/* known state: no driver, the override just written; so only drivers_probe */
	r = move_device(d->addr, NULL, want, true, want, want, false, false, &why, &probed);
	if (r < 0) {
		log_error("%s: %s", d->addr, why);
		return r;
	}
	/* verified like a batch's device: the probe ran inside the write */
	_cleanup_free_ char *drv = NULL, *ovr = NULL;
	r = read_state(d->addr, &drv, &ovr);
	if (r < 0) {
		log_error("%s: %s", d->addr, GONE_MESSAGE);
		return r;
	}
	if (!streq_null(drv, want)) {
		log_error("%s: %s did not bind (driver is %s; see dmesg)", d->addr, want,
			  drv ? drv : "none");
		return -EIO;
	}
	log_debug("%s: claimed for %s", d->addr, want);
	return 0;
}

/* --- planning ------------------------------------------------------------ */

static void item_plan(struct rebind_item *it, json_t *journal)
{
	json_t *entry = json_object_get(json_object_get(journal, "devices"), it->addr);

	it->has_journal = entry != NULL;
	switch (it->op) {
	case REBIND_BIND:
		it->want_driver = xstrdup(it->target);
		it->want_override = xstrdup(it->target);
		break;
	case REBIND_UNBIND:
		it->want_override = xstrdup("none");
		break;
	case REBIND_RESTORE:
		if (entry) {
			const char *drv = json_string_value(json_object_get(entry, "driver"));
			const char *ovr = json_string_value(json_object_get(entry, "override"));

			it->want_driver = driver_name_valid(drv) ? xstrdup(drv) : NULL;
			it->want_override = ovr && *ovr ? xstrdup(ovr) : NULL;
		} else {
			it->want_default = true;
		}
		break;
	}
}

static bool item_unchanged(const struct rebind_item *it)
{
	if (it->want_default)
		return it->before_driver && !it->before_override;
	return streq_null(it->before_driver, it->want_driver) &&
	       streq_null(it->before_override, it->want_override);
}

static void plan_all(struct rebind_batch *b)
{
	_cleanup_json_ json_t *j = journal_load();

	for (size_t i = 0; i < b->n; i++) {
		struct rebind_item *it = &b->items[i];

		if (it->want_driver || it->want_override || it->want_default)
			continue; /* planned already */
		item_plan(it, j);
		it->status = item_unchanged(it) ? RB_UNCHANGED : RB_PLANNED;
		/* predicted end state */
		it->after_driver =
			dup_or_null(it->want_default ? it->before_driver : it->want_driver);
		it->after_override = dup_or_null(it->want_override);
	}
}

/* --- checks -------------------------------------------------------------- */

int rebind_check(struct rebind_batch *b, struct topo *t)
{
	_cleanup_inuse_ctx_ struct inuse_ctx *c = inuse_ctx_new();
	bool vfio_noiommu = false;
	_cleanup_free_ char *noiommu = NULL;

	plan_all(b);
	if (sysfs_read("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", &noiommu) == 0)
		vfio_noiommu = streq(noiommu, "Y") || streq(noiommu, "1");
	for (size_t i = 0; i < b->n; i++) {
		struct rebind_item *it = &b->items[i];
		const struct topo_dev *d = topo_find(t, it->addr);

		if (it->status == RB_UNCHANGED || !d)
			continue;
		inuse_check(c, t, d, &b->blockers, &b->n_blockers, &b->warnings, &b->n_warnings);
		if (it->vf_count > 0 && !streq_null(it->before_driver, it->want_driver))
			strv_consume(
				&b->blockers, &b->n_blockers,
				xasprintf("%s has %d SR-IOV VFs enabled; taking %s away from it "
					  "destroys them: remove them first (vfioctl sriov set "
					  "%s --vfs 0)",
					  it->addr, it->vf_count, it->before_driver ?: "its driver",
					  it->addr));
		if (streq(it->want_driver, "vfio-pci") && it->iommu_group < 0) {
			if (vfio_noiommu)
				strv_consume(&b->warnings, &b->n_warnings,
					     xasprintf("%s has no IOMMU group: vfio-pci will use "
						       "unsafe no-IOMMU mode (no DMA isolation)",
						       it->addr));
			else
				strv_consume(
					&b->blockers, &b->n_blockers,
					xasprintf("%s has no IOMMU group (the IOMMU is off): "
						  "vfio-pci cannot take it; see vfioctl doctor",
						  it->addr));
		}
	}
	if (!sysfs_live())
		strv_push(
			&b->warnings, &b->n_warnings,
			"a snapshot: open VFIO files, addresses and routes are only checked on the "
			"live host");
	if (b->n_blockers && !b->force)
		return -E_REFUSED;
	return 0;
}

/* --- apply --------------------------------------------------------------- */

struct worker_ctx {
	struct rebind_batch *b;
	atomic_size_t next;
	atomic_size_t done;
	size_t total;
	bool progress;
	pthread_mutex_t lock;
	bool rollback;
};

static void item_apply(struct rebind_item *it, bool rollback)
{
	char *why = NULL;
	int r;

	if (rollback)
		r = move_device(it->addr, NULL, NULL, false, it->before_driver, it->before_override,
				it->before_driver != NULL, false, &why, &it->probed);
	else
		/* rebind_run() checked under the lock that the state is still "before" */
		r = move_device(it->addr, it->before_driver, it->before_override, true,
				it->want_driver, it->want_override,
				it->op == REBIND_RESTORE && !it->want_default, it->want_default,
				&why, &it->probed);
	it->touched = true;
	if (r < 0) {
		it->error = r;
		free(it->message);
		it->message = why;
		it->status = r == -ENODEV ? RB_REMOVED : rollback ? RB_LEFT : RB_FAILED;
	} else {
		free(why);
	}
}

static void progress_tick(struct worker_ctx *w)
{
	size_t done = atomic_fetch_add(&w->done, 1) + 1;

	if (!w->progress)
		return;
	pthread_mutex_lock(&w->lock);
	fprintf(stderr, "\rvfioctl: %s %zu/%zu devices", w->rollback ? "rolling back" : "moving",
		done, w->total);
	if (done == w->total)
		fputc('\n', stderr);
	pthread_mutex_unlock(&w->lock);
}

static void verify_item(struct rebind_item *it, bool rollback, bool just_written);

/* One planned device: write it, then read back its driver link at once. */
static void apply_one(struct worker_ctx *w, struct rebind_item *it)
{
	item_apply(it, false);
	if (it->status == RB_PLANNED)
		verify_item(it, false, true);
	progress_tick(w);
}

static void *worker(void *arg)
{
	struct worker_ctx *w = arg;
	size_t i;

	while ((i = atomic_fetch_add(&w->next, 1)) < w->b->n)
		if (w->b->items[i].status == RB_PLANNED)
			apply_one(w, &w->b->items[i]);
	return NULL;
}

/* make bench hook, VFIOCTL_BENCH_WRITERS=N: this many writer threads (at most 8). */
static long bench_writers(void)
{
	const char *s = getenv("VFIOCTL_BENCH_WRITERS");
	long v = s && *s ? strtol(s, NULL, 10) : 0;

	return v > 0 && v <= MAX_WORKERS ? v : 0;
}

/* Test hook: stop ourselves after N devices (tests kill or fault us there). */
static long fault_stop_after(void)
{
	const char *s = getenv("VFIOCTL_FAULT_STOP_AFTER");

	return s && *s ? strtol(s, NULL, 10) : -1;
}

/*
 * Write every planned device, in threads; each writer verifies its device at
 * once: drivers_probe and bind probe inside the write, so the driver link is
 * there when it returns, beside the other writers' probes. udevd: whether it
 * runs (fewer writers then).
 */
static void apply_all(struct rebind_batch *b, size_t total, bool udevd)
{
	struct worker_ctx w = { .b = b, .total = total, .lock = PTHREAD_MUTEX_INITIALIZER };
	long stop_after = fault_stop_after();
	size_t nworkers = total < MAX_WORKERS ? total : MAX_WORKERS;
	pthread_t threads[MAX_WORKERS];
	size_t started = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	bool teardown = false;

	/*
	 * Writers beyond the CPUs overlap what sleeps: a driver tearing down
	 * (resets, firmware). Probing a driverless device is CPU work in the
	 * kernel: then more writers than CPUs only contend, and while udevd
	 * runs its workers, busy with each bind's events, need the CPUs more.
	 * make bench, 2 vCPUs, 338 VFs at 1040 devices: udevd stopped, 8
	 * writers 616 ms, 2 writers 520 ms; udevd running, until udev is done,
	 * 2 writers 3.65 s, 1 writer 3.43 s (README, "where the time goes").
	 */
	for (size_t i = 0; i < b->n && !teardown; i++)
		teardown = b->items[i].status == RB_PLANNED && b->items[i].before_driver;
	if (cpus > 0 && (udevd || !teardown)) {
		size_t fit = udevd && !teardown ? (size_t)(cpus + 1) / 2 : (size_t)cpus;

		if (fit < nworkers)
			nworkers = fit;
	}
	if (bench_writers() > 0)
		nworkers = (size_t)bench_writers() < total ? (size_t)bench_writers() : total;

	w.progress = isatty(STDERR_FILENO) && total >= 16; /* small batches are instant */
	if (stop_after >= 0 || kill_after != KILL_OFF || nworkers <= 1) {
		long n = 0;

		for (size_t i = 0; i < b->n; i++) {
			if (b->items[i].status != RB_PLANNED)
				continue;
			if (n++ == stop_after)
				raise(SIGSTOP);
			apply_one(&w, &b->items[i]);
		}
		return;
	}
	/* the kernel serialises probing per device, not per batch */
	for (size_t i = 0; i < nworkers; i++)
		if (pthread_create(&threads[started], NULL, worker, &w) == 0)
			started++;
	if (!started)
		worker(&w);
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
}

/*
 * The groups that have a /dev/vfio/N (or noiommu-N) node, sorted: one read of
 * the directory, not two lookups per device (338 VFs: 676 calls).
 */
static int *vfio_nodes_read(size_t *n)
{
	_cleanup_closedir_ DIR *dir = sysfs_opendir("/dev/vfio");
	struct dirent *de;
	int *ids = NULL;
	size_t cap = 0;

	*n = 0;
	while (dir && (de = readdir(dir))) {
		int id;

		if (!parse_vfio_node_name(de->d_name, &id))
			continue; /* ".", "vfio" (the container), "devices" (the cdevs) */
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			ids = xrealloc(ids, cap * sizeof(int));
		}
		ids[(*n)++] = id;
	}
	if (*n)
		qsort(ids, *n, sizeof(int), cmp_int);
	return ids;
}

static bool vfio_node_present(int group)
{
	char p[64], q[64];

	snprintf(p, sizeof(p), "/dev/vfio/%d", group);
	snprintf(q, sizeof(q), "/dev/vfio/noiommu-%d", group);
	return sysfs_exists(p) || sysfs_exists(q);
}

/*
 * Where the kernel gives the device a VFIO cdev (6.6+, CONFIG_VFIO_DEVICE_CDEV),
 * its /dev/vfio/devices/vfioN must be there too: VMMs on iommufd open that.
 * udev processed the device's bind after its children (the vfio-dev device),
 * so by now the node is there, from devtmpfs or udev. Sets the message if not.
 */
/* -1 not known yet, else whether this kernel gives vfio-pci devices a cdev */
static int kernel_has_cdev = -1;

static bool vfio_cdev_present(struct rebind_item *it)
{
	_cleanup_free_ char *dir = NULL, *cdev = NULL, *node = NULL;
	_cleanup_close_ int dfd = -1;

	if (__atomic_load_n(&kernel_has_cdev, __ATOMIC_RELAXED) == 0)
		return true; /* the first device bound told: ~5 syscalls saved per device */
	dir = sysfs_pci_dev(it->addr, NULL);
	dfd = sysfs_open_dir(dir);
	if (dfd < 0)
		return true;
	cdev = topo_read_vfio_cdev(dfd);
	/* writer threads race here only to store the same answer */
	__atomic_store_n(&kernel_has_cdev, cdev != NULL, __ATOMIC_RELAXED);
	if (!cdev)
		return true; /* no cdev in this kernel */
	node = xasprintf("/dev/vfio/devices/%s", cdev);
	if (sysfs_exists(node))
		return true;
	free(it->message);
	it->message = xasprintf("bound to vfio-pci but %s did not appear", node);
	return false;
}

/* The device left the bus while we moved it: nothing is left to give back. */
static void mark_removed(struct rebind_item *it, int error)
{
	it->error = error;
	free(it->message);
	it->message = xstrdup(GONE_MESSAGE);
	it->status = RB_REMOVED;
}

/*
 * Compare the driver link (the only proof) with what was wanted. just_written:
 * called by the writer right after its writes succeeded, so the override is
 * the one it wrote (one read of it less per device).
 */
static void verify_item(struct rebind_item *it, bool rollback, bool just_written)
{
	_cleanup_free_ char *drv = NULL, *ovr = NULL;
	const char *want = rollback ? it->before_driver : it->want_driver;
	int r;

	if (!it->touched || (rollback ? it->status == RB_LEFT : it->status == RB_FAILED))
		return;
	r = read_state(it->addr, &drv, just_written ? NULL : &ovr);
	if (just_written)
		ovr = dup_or_null(it->want_override);
	free(it->after_driver);
	free(it->after_override);
	it->after_driver = dup_or_null(drv);
	it->after_override = dup_or_null(ovr);
	if (r < 0) {
		mark_removed(it, r);
		return;
	}
	if (!rollback && it->want_default) {
		it->status = RB_DONE;
		return;
	}
	if (!streq_null(drv, want)) {
		it->error = -EIO;
		free(it->message);
		it->message = want ? xasprintf("%s did not bind (driver is %s; see dmesg)", want,
					       drv ? drv : "none")
				   : xasprintf("still bound to %s", drv);
		it->status = rollback ? RB_LEFT : RB_FAILED;
		return;
	}
	if (!rollback && streq(want, "vfio-pci") && it->iommu_group >= 0 &&
	    !vfio_node_present(it->iommu_group)) {
		it->error = -ENOENT;
		free(it->message);
		it->message = xasprintf("bound to vfio-pci but /dev/vfio/%d did not appear",
					it->iommu_group);
		it->status = RB_FAILED;
		return;
	}
	if (!rollback && streq(want, "vfio-pci") && !vfio_cdev_present(it)) {
		it->error = -ENOENT;
		it->status = RB_FAILED;
		return;
	}
	it->status = rollback ? RB_ROLLED_BACK : RB_DONE;
}

/*
 * Verified by its writer before udev processed its events: still on the
 * driver afterwards (a udev rule may have moved it)? One link read.
 */
static void still_there(struct rebind_item *it)
{
	_cleanup_free_ char *drv = NULL;
	int r = read_state(it->addr, &drv, NULL);

	if (r < 0) {
		/* hot-unplugged while udev processed it: as verify_item() tells it */
		mark_removed(it, r);
		return;
	}
	if (streq_null(drv, it->after_driver))
		return;
	it->error = -EIO;
	free(it->message);
	it->message = xasprintf("bound to %s, then moved to %s while udev processed it",
				it->after_driver ? it->after_driver : "no driver",
				drv ? drv : "no driver");
	free(it->after_driver);
	it->after_driver = dup_or_null(drv);
	it->status = RB_FAILED;
}

static void journal_record(json_t *j, const struct rebind_item *it, int pid)
{
	json_t *devs = json_object_get(j, "devices");

	if (json_object_get(devs, it->addr))
		return; /* keep the first original state */
	json_object_set_new(devs, it->addr,
			    json_pack("{s:o, s:o, s:o, s:i}", "driver",
				      json_string_or_null(it->before_driver), "override",
				      json_string_or_null(it->before_override), "to",
				      json_string_or_null(it->want_driver), "pid", pid));
}

/*
 * The batch fails before any write: say why on stderr and keep it as the
 * batch's error (its JSON "error", status "failed"). Returns -E_REFUSED.
 */
_printf_(2, 3) static int refuse(struct rebind_batch *b, const char *fmt, ...)
{
	va_list ap;

	free(b->error);
	va_start(ap, fmt);
	if (vasprintf(&b->error, fmt, ap) < 0)
		b->error = NULL;
	va_end(ap);
	log_error("%s", b->error ? b->error : fmt);
	return -E_REFUSED;
}

/* The state may have moved since the scan: re-read it under the lock. */
static int recheck_locked(struct rebind_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct rebind_item *it = &b->items[i];
		_cleanup_free_ char *drv = NULL, *ovr = NULL;

		if (read_state(it->addr, &drv, &ovr) < 0)
			continue; /* reported when applied */
		if (!streq_null(drv, it->before_driver) || !streq_null(ovr, it->before_override)) {
			return refuse(
				b,
				"%s: changed while planning (driver %s); nothing was changed, "
				"run again",
				it->addr, drv ? drv : "none");
		}
	}
	return 0;
}

/* Load the drivers the batch binds to. */
static int ensure_drivers(struct rebind_batch *b)
{
	const char *ensured = NULL; /* batches bind to one driver: ask once, not per device */

	for (size_t i = 0; i < b->n; i++) {
		const char *drv = b->items[i].want_driver;

		if (b->items[i].status != RB_PLANNED || !drv || b->items[i].op == REBIND_RESTORE)
			continue;
		if (streq_null(ensured, drv))
			continue;
		ensured = drv;
		if (pci_driver_ensure(drv) < 0)
			return refuse(b,
				      "%s: no such PCI driver, and no module of that name could be "
				      "loaded",
				      drv);
	}
	return 0;
}

/* Undo everything this batch touched, newest first, and verify that. */
static void rollback_all(struct rebind_batch *b, struct event_waiter *ew)
{
	for (size_t i = b->n; i-- > 0;) {
		struct rebind_item *it = &b->items[i];

		if (!it->touched || item_gone(it))
			continue;
		it->error = 0;
		item_apply(it, true);
	}
	free(rebind_wait_events(ew, b, true));
	for (size_t i = 0; i < b->n; i++) {
		struct rebind_item *it = &b->items[i];

		if (it->touched && it->status != RB_LEFT && it->status != RB_REMOVED)
			verify_item(it, true, false);
	}
}

/*
 * The journal keeps only what is still moved after the batch; a removed device
 * counts as a failure. Returns the devices left in a state it could not undo.
 */
static size_t journal_settle(struct rebind_batch *b, json_t *journal, size_t *failed)
{
	size_t left = 0;

	for (size_t i = 0; i < b->n; i++) {
		struct rebind_item *it = &b->items[i];
		json_t *devs = json_object_get(journal, "devices");
		if (it->status == RB_LEFT)
			left++;
		if (it->status == RB_REMOVED) {
			/* a re-added device starts afresh with its default driver */
			json_object_del(devs, it->addr);
			free(it->after_driver);
			free(it->after_override);
			it->after_driver = it->after_override = NULL;
			if (!*failed)
				(*failed)++;
		} else if (it->op == REBIND_RESTORE &&
			   (it->status == RB_DONE || it->status == RB_UNCHANGED)) {
			json_object_del(devs, it->addr);
		} else if (it->status == RB_ROLLED_BACK && !it->has_journal) {
			json_object_del(devs, it->addr);
		} else if (it->status == RB_DONE || it->status == RB_LEFT) {
			json_t *e = json_object_get(devs, it->addr);

			if (e)
				json_object_set_new(e, "state", json_string("moved"));
		}
	}
	return left;
}

int rebind_run(struct rebind_batch *b)
{
	_cleanup_close_ int lock_fd = -1;
	_cleanup_json_ json_t *journal = NULL;
	struct event_waiter ew;
	_cleanup_free_ char *udev_unfinished = NULL; /* warning if the batch succeeds */
	size_t todo = 0, failed = 0, left = 0;
	bool udevd;
	int r, pid;

	plan_all(b);
	for (size_t i = 0; i < b->n; i++)
		if (b->items[i].status == RB_PLANNED)
			todo++;
	if (b->dry_run)
		return 0;
	kill_after = fault_kill_after();
	writes_made = 0;
	kernel_has_cdev = -1;

	lock_fd = lock_take(&b->error);
	if (lock_fd < 0)
		return lock_fd == -EBUSY ? -E_REFUSED : lock_fd;
	/* read under the lock already (rebind_lock_try()): nobody of ours moved it since */
	r = b->state_locked ? 0 : recheck_locked(b);
	if (r == 0)
		r = ensure_drivers(b);
	if (r < 0)
		return r;

	journal = journal_load();
	pid = (int)getpid();
	for (size_t i = 0; i < b->n; i++)
		if (b->items[i].status == RB_PLANNED && b->items[i].op != REBIND_RESTORE)
			journal_record(journal, &b->items[i], pid);
	if (todo) {
		r = journal_save(journal);
		if (r < 0)
			return refuse(b, "%s: %s; nothing was changed", JOURNAL_PATH, strerror(-r));
	}

	udevd = sysfs_udevd_running();
	rebind_waiter_open(&ew, !b->no_udev_wait && udevd);
	/* after listening: a node that appears from now on sends its event to us */
	if (ew.udev_source) {
		size_t n_nodes;
		_cleanup_free_ int *nodes = vfio_nodes_read(&n_nodes);

		for (size_t i = 0; i < b->n; i++) {
			struct rebind_item *it = &b->items[i];

			it->vfio_node_new = it->status == RB_PLANNED && it->iommu_group >= 0 &&
					    streq_null(it->want_driver, "vfio-pci") &&
					    !(n_nodes && bsearch(&it->iommu_group, nodes, n_nodes,
								 sizeof(int), cmp_int));
		}
	}
	phase("checked under the lock, journal written");
	fault_kill_point();
	apply_all(b, todo, udevd);
	phase("writes done");
	udev_unfinished = rebind_wait_events(&ew, b, false);
	phase("bind events seen");
	for (size_t i = 0; i < b->n; i++) {
		if (b->items[i].status == RB_PLANNED)
			verify_item(&b->items[i], false, false);
		else if (ew.udev_source && b->items[i].status == RB_DONE)
			still_there(&b->items[i]);
		if (b->items[i].status == RB_FAILED || b->items[i].status == RB_REMOVED)
			failed++;
	}

	if (failed)
		rollback_all(b, &ew);
	rebind_waiter_close(&ew);

	left = journal_settle(b, journal, &failed);
	if (kill_after == KILL_AT_END)
		raise(SIGKILL);
	r = journal_save(journal);
	if (r < 0)
		log_warn("%s: %s", JOURNAL_PATH, strerror(-r));
	phase("verified, journal updated");
	if (udev_unfinished && !failed) {
		strv_consume(&b->warnings, &b->n_warnings, udev_unfinished);
		udev_unfinished = NULL;
	}
	if (left)
		return -E_PARTIAL;
	return failed ? -E_REFUSED : 0;
}

/* --- output -------------------------------------------------------------- */

static json_t *state_json(const char *driver, const char *override)
{
	return json_pack("{s:o, s:o}", "driver", json_string_or_null(driver), "override",
			 json_string_or_null(override));
}

static const char *batch_status(const struct rebind_batch *b, int *nleft)
{
	bool failed = false, left = false;

	for (size_t i = 0; i < b->n; i++) {
		failed |= b->items[i].status == RB_FAILED || b->items[i].status == RB_ROLLED_BACK ||
			  b->items[i].status == RB_REMOVED;
		left |= b->items[i].status == RB_LEFT;
		if (b->items[i].status == RB_LEFT && nleft)
			(*nleft)++;
	}
	if (left)
		return "partial";
	if (failed)
		return "rolled-back";
	if (b->error)
		return "failed"; /* before any write: nothing to undo */
	if (b->n_blockers && !b->force)
		return "refused";
	return b->dry_run ? "planned" : "ok";
}

json_t *rebind_batch_json(const struct rebind_batch *b)
{
	json_t *devs = json_array();

	for (size_t i = 0; i < b->n; i++) {
		const struct rebind_item *it = &b->items[i];

		json_array_append_new(
			devs, json_pack("{s:s, s:o, s:b, s:o, s:o, s:s, s:o}", "address", it->addr,
					"group",
					it->iommu_group >= 0 ? json_integer(it->iommu_group)
							     : json_null(),
					"requested", it->requested, "before",
					state_json(it->before_driver, it->before_override), "after",
					state_json(it->after_driver, it->after_override), "status",
					status_names[it->status], "error",
					json_string_or_null(it->message)));
	}
	return json_pack("{s:b, s:s, s:o, s:o, s:o, s:o}", "dry_run", b->dry_run, "status",
			 batch_status(b, NULL), "devices", devs, "blockers", json_strv(b->blockers),
			 "warnings", json_strv(b->warnings), "error",
			 json_string_or_null(b->error));
}

int rebind_require_root(const char *what, bool dry_run)
{
	if (dry_run)
		return 0;
	if (!sysfs_live()) {
		log_error("%s: --sysroot is a snapshot, not a host: only --dry-run works on it",
			  what);
		return -E_USAGE;
	}
	if (geteuid() != 0) {
		log_error("%s: changing drivers needs root (try --dry-run to see the plan)", what);
		return -EPERM;
	}
	return 0;
}

int rebind_execute(struct rebind_batch *b, struct topo *t)
{
	int r;

	phase("scanned and planned");
	r = rebind_check(b, t);
	phase("in-use checks done");
	if (r == 0)
		r = rebind_run(b);
	else
		plan_all(b);
	return r;
}

const char *rebind_status_name(enum rebind_status s)
{
	return status_names[s];
}

int rebind_batch_left(const struct rebind_batch *b)
{
	int nleft = 0;

	batch_status(b, &nleft);
	return nleft;
}

int rebind_journal_forget(char *const *addrs, size_t n)
{
	_cleanup_close_ int lock_fd = -1;
	_cleanup_json_ json_t *journal = NULL;
	json_t *devs;
	bool changed = false;

	lock_fd = lock_take(NULL);
	if (lock_fd < 0)
		return lock_fd;
	journal = journal_load();
	devs = json_object_get(journal, "devices");
	for (size_t i = 0; i < n; i++)
		if (addrs[i] && json_object_del(devs, addrs[i]) == 0)
			changed = true;
	return changed ? journal_save(journal) : 0;
}
