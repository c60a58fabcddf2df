/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/*
 * The batch engine behind bind, unbind, restore (and sriov set --bind, apply):
 * plan, check, journal, apply, verify; on any failure undo the whole batch in
 * reverse order. Binding is by address only: driver_override, unbind,
 * drivers_probe; never new_id.
 *
 * Journal: /run/vfioctl/journal.json (under the sysroot), written atomically
 * before the first write of a batch; it keeps each device's original driver
 * and override until `restore` gives it back. Lock: /run/vfioctl/lock (flock).
 */

struct topo;
struct topo_dev;

enum rebind_op {
	REBIND_BIND, /* to item->target via driver_override */
	REBIND_UNBIND, /* detach; driver_override "none" blocks re-probing */
	REBIND_RESTORE, /* to the journal's original driver, or the default match */
};

enum rebind_status {
	RB_PLANNED, /* not run (dry run, or refused before any write) */
	RB_UNCHANGED, /* already in the wanted state */
	RB_DONE, /* changed and verified */
	RB_FAILED, /* this device's step failed */
	RB_ROLLED_BACK, /* changed, then undone after a failure in the batch */
	RB_LEFT, /* could not be undone: see message */
	RB_REMOVED, /* the device left the bus during the batch */
};

struct rebind_item {
	char addr[16];
	enum rebind_op op;
	char *target; /* BIND: driver name; else NULL */
	int iommu_group; /* -1: none */
	char *before_driver, *before_override; /* NULL: none */
	char *after_driver, *after_override;
	enum rebind_status status;
	int error; /* -errno of the failure, 0 */
	char *message; /* why it failed / what is left; NULL */
	bool requested; /* named by the user (not added by group expansion) */

	/* Internal to the engine: the state to reach, and progress flags. */
	char *want_driver, *want_override;
	bool want_default; /* restore without a journal entry: the kernel's default match */
	bool has_journal; /* an entry existed before this batch */
	bool touched; /* at least one write was made */
	bool probed; /* its last move wrote bind or drivers_probe: a bind event is due */
	bool got_bind_event;
	bool vfio_node_new; /* its /dev/vfio/N did not exist before the writes */
	int vf_count; /* PF: VFs enabled (a driver change destroys them) */
};

struct rebind_batch {
	struct rebind_item *items;
	size_t n, cap;
	size_t *index, index_size; /* items by address (rebind.c) */
	bool dry_run;
	bool force; /* go on despite blockers */
	bool no_udev_wait; /* verify with the kernel's events, not udev's (bind --no-udev-wait) */
	char **blockers; /* human-readable reasons the batch is refused */
	size_t n_blockers;
	char **warnings;
	size_t n_warnings;
	/* why the batch failed before any write (no driver, lock, journal); NULL */
	char *error;
	/* scanned under the engine lock (rebind_lock_try()): no re-read before writing */
	bool state_locked;
};

struct rebind_batch *rebind_batch_new(bool dry_run, bool force);
void rebind_batch_free(struct rebind_batch *b);
static inline void rebind_batch_freep(struct rebind_batch **b)
{
	if (*b)
		rebind_batch_free(*b);
}
#define _cleanup_rebind_batch_ __attribute__((cleanup(rebind_batch_freep)))

/* Add one device (no group expansion here). Duplicates are merged. 0 or -errno. */
int rebind_add(struct rebind_batch *b, const struct topo_dev *d, enum rebind_op op,
	       const char *target);

/*
 * The scan a batch of DEVICE arguments needs: those devices and every member
 * of their IOMMU groups (topo_scan_for()). 0 or -errno (said on stderr).
 */
int rebind_scan_for(struct topo **t, char *const *args, size_t n);

/*
 * The front end of bind, unbind and restore: resolve each DEVICE argument,
 * add it (requested) and, since a group is only usable as a whole, the rest
 * of its IOMMU group: every endpoint for bind and unbind, for restore those
 * with journal entries (what vfioctl moved). only: just the named devices,
 * with a warning for each group it leaves split. 0 or -errno (said on stderr).
 */
int rebind_add_named(struct rebind_batch *b, const struct topo *t, char *const *args, size_t n,
		     enum rebind_op op, const char *target, bool only);

/*
 * Safety checks on the live host: interfaces up with addresses/routes or
 * enslaved, mounted/swap/held block devices, open /dev/vfio group or cdev
 * files (names PID and command), boot VGA with a framebuffer console.
 * Fills b->blockers/b->warnings. Returns 0, or -E_REFUSED when blocked and
 * !b->force (nothing written).
 */
int rebind_check(struct rebind_batch *b, struct topo *t);

/*
 * Apply the batch: lock, journal, writes, verify (bind event + driver link,
 * /dev/vfio/N for vfio-pci); roll back everything on failure.
 * 0, -E_REFUSED (failed, fully rolled back) or -E_PARTIAL (see items).
 * In a dry run only prints nothing and returns 0 (items stay RB_PLANNED).
 */
int rebind_run(struct rebind_batch *b);

/* One result object per device, plus status/blockers; for --json. */
json_t *rebind_batch_json(const struct rebind_batch *b);
/* "planned", "done", ... (the JSON names). */
const char *rebind_status_name(enum rebind_status s);
/* Devices left in a state the batch could not undo (RB_LEFT). */
int rebind_batch_left(const struct rebind_batch *b);

/*
 * Devices with journal entries (moved by vfioctl and not restored yet),
 * as a NULL-terminated list of addresses. 0 or -errno.
 */
int rebind_journal_devices(char ***addrs);

/*
 * Drop the journal entries of devices that left the bus for good (VFs that
 * `sriov set` removed): a device re-created at the same address starts afresh
 * instead of being "restored" to a dead device's original driver. 0 or -errno.
 */
int rebind_journal_forget(char *const *addrs, size_t n);

/* Root and live-host requirement for a mutating command (not for dry runs). */
int rebind_require_root(const char *what, bool dry_run);

/*
 * Take the lock that keeps two vfioctl processes from changing devices at
 * once (/run/vfioctl/lock) and hold it until exit, for an operation made of
 * more than one batch (sriov set: resize, then bind). rebind_run() inside it
 * shares it. 0, or -E_REFUSED when another process holds it (said on stderr).
 */
int rebind_lock_hold(void);
/*
 * The same, quietly, before a batch's scan: true if held. What is then read
 * cannot be moved by another vfioctl before the writes, so the engine skips
 * re-reading it (make bench: one read of every device less).
 */
bool rebind_lock_try(void);
/* In a forked child that may outlive the caller: do not keep the lock. */
void rebind_lock_close_inherited(void);

/*
 * The udev rule's single-device move (vfioctl udev-add, at the device's "add"
 * event): driver_override = want, then, if no driver holds the device, want's
 * module and drivers_probe, through the engine's move. Never unbinds. No
 * batch, lock, journal or event wait: it runs inside the udev worker of this
 * very event (the bind event it causes is queued behind it), and a device
 * that only ever had this override has nothing to give back (restore's
 * default match undoes it). origin ("FILE:LINE") goes into the message of a
 * missing driver. 0 or -errno (said on stderr).
 */
int rebind_claim(const struct topo_dev *d, const char *want, const char *origin);

/*
 * Check and run a batch (rebind_check(), rebind_run()); the results stay in
 * b (items, blockers, warnings, error) for the caller to print. 0, -E_REFUSED
 * or -E_PARTIAL; prints nothing but "vfioctl:" messages of the failure.
 */
int rebind_execute(struct rebind_batch *b, struct topo *t);
