// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What bind, unbind and restore print of a batch the engine ran (rebind.c
 * returns the results as data): the table or the JSON document, and what
 * failed or is left, as "vfioctl: ..." lines.
 */
#include <jansson.h>

#include "batch.h"
#include "output.h"
#include "rebind.h"
#include "util.h"
#include "vfioctl.h"

bool batch_flag(struct batch_flags *f, int c)
{
	switch (c) {
	case 'o':
		f->only = true;
		return true;
	case 'n':
		f->dry_run = true;
		return true;
	case 'f':
		f->force = true;
		return true;
	default:
		return false;
	}
}

int batch_named(struct rebind_batch **b, struct topo **t, const char *operation, char *const *devs,
		size_t n, const struct batch_flags *f, enum rebind_op op, const char *driver)
{
	int r = rebind_require_root(operation, f->dry_run);
	bool locked;

	if (r < 0)
		return r;
	locked = !f->dry_run && rebind_lock_try();
	r = rebind_scan_for(t, devs, n);
	if (r < 0)
		return r;
	*b = rebind_batch_new(f->dry_run, f->force);
	(*b)->state_locked = locked;
	return rebind_add_named(*b, *t, devs, n, op, driver, f->only);
}

static char *state_text(const char *driver, const char *override)
{
	if (override && !streq_null(override, driver))
		return xasprintf("%s (override %s)", driver ? driver : "none", override);
	return xstrdup(driver ? driver : "none");
}

/* Text: a line per device (plan or result). */
static void batch_print(const struct rebind_batch *b)
{
	static const char *const headers[] = { "DEVICE", "GROUP", "BEFORE", "AFTER", "STATUS" };
	_cleanup_table_ struct table *t = table_new(5, headers);

	for (size_t i = 0; i < b->n; i++) {
		const struct rebind_item *it = &b->items[i];
		_cleanup_free_ char *group =
			it->iommu_group >= 0 ? xasprintf("%d", it->iommu_group) : xstrdup("-");
		_cleanup_free_ char *before = state_text(it->before_driver, it->before_override);
		_cleanup_free_ char *after = state_text(it->after_driver, it->after_override);
		const char *cells[] = { it->addr, group, before, after,
					rebind_status_name(it->status) };

		table_add(t, cells);
	}
	if (b->dry_run)
		puts("Dry run: nothing was changed.");
	if (!b->n) {
		puts("Nothing to do.");
		return;
	}
	table_print(t, stdout);
	for (size_t i = 0; i < b->n; i++)
		if (b->items[i].message)
			printf("%s: %s: %s\n", b->items[i].addr,
			       rebind_status_name(b->items[i].status), b->items[i].message);
}

int batch_execute(struct rebind_batch *b, struct topo *t, const char *operation)
{
	int r = rebind_execute(b, t), rp, nleft = 0;

	for (size_t i = 0; i < b->n_warnings; i++)
		log_warn("%s", b->warnings[i]);
	for (size_t i = 0; i < b->n_blockers; i++) {
		if (b->force)
			log_warn("%s (going on: --force)", b->blockers[i]);
		else
			log_error("refused: %s", b->blockers[i]);
	}
	if (opts.json) {
		json_t *root = rebind_batch_json(b);

		json_object_set_new(root, "operation", json_string(operation));
		rp = output_json(root);
	} else {
		batch_print(b);
		rp = 0;
	}
	if (r == -E_REFUSED && b->n_blockers && !b->force)
		log_error("%s: refused, nothing was changed (use --force to override)", operation);
	else if (r == -E_REFUSED) {
		bool removed = false;

		for (size_t i = 0; i < b->n; i++)
			if (b->items[i].status == RB_REMOVED) {
				removed = true;
				log_error(
					"%s: removed from the bus during the batch; 'echo 1 > "
					"/sys/bus/pci/rescan' brings it back with its default driver",
					b->items[i].addr);
			}
		log_error("%s: failed; every device %swas put back as it was", operation,
			  removed ? "still on the bus " : "");
	} else if (r == -E_PARTIAL) {
		nleft = rebind_batch_left(b);
		log_error("%s: failed, and %d device%s could not be put back:", operation, nleft,
			  nleft == 1 ? "" : "s");
		for (size_t i = 0; i < b->n; i++)
			if (b->items[i].status == RB_LEFT)
				log_error("  %s: now %s, was %s: %s", b->items[i].addr,
					  b->items[i].after_driver ?: "driverless",
					  b->items[i].before_driver ?: "driverless",
					  b->items[i].message ?: "unknown");
		log_error("run 'vfioctl restore' once the cause is fixed");
	}
	return r < 0 ? r : rp;
}
