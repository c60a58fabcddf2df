// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The batch engine's udev event waiter (src/rebind.c runs the batch): listen
 * to udev (or the kernel) before the writes, then wait for each device's bind
 * event and each new /dev/vfio/N, so that a batch returns once udev's rules
 * ran. The driver links, read afterwards, decide success.
 */
#include <errno.h>
#include <poll.h>

#include <libudev.h>

#include "rebind-internal.h"
#include "rebind.h"
#include "sysfs.h"
#include "topo.h"
#include "util.h"

#define EVENT_TIMEOUT_MS 10000 /* per batch, restarted by every event seen */
#define UNSEEN_NAMES_MAX 8 /* names in the "udev had not finished" warning */

void rebind_waiter_close(struct event_waiter *ew)
{
	if (ew->mon)
		udev_monitor_unref(ew->mon);
	if (ew->udev)
		udev_unref(ew->udev);
}

/*
 * Listen before the writes. By default to the "udev" source, which delivers
 * an event once udev has processed it (its rules ran). udevd orders a PCI
 * device's bind after the events of its children (net, nvme, ...), but
 * /dev/vfio/N hangs off /devices/virtual/vfio: its "add" is waited for too,
 * so the rules that set its owner and mode have run when bind returns.
 * Without a running udevd, or with bind --no-udev-wait, nothing is listened
 * to: drivers_probe and bind probe synchronously, inside our write, so the
 * driver link verify_item() reads is there when the write returns, and
 * /dev/vfio/N comes from devtmpfs. Draining the kernel's copies of those
 * events only cost time (make bench: ~280 ms for 338 VFs at 1040 devices).
 * udev_wait: the batch waits for udev and udevd runs (the caller asked it).
 */
void rebind_waiter_open(struct event_waiter *ew, bool udev_wait)
{
	*ew = (struct event_waiter){ 0 };
	if (!udev_wait)
		return;
	ew->udev = udev_new();
	if (!ew->udev)
		return;
	ew->mon = udev_monitor_new_from_netlink(ew->udev, "udev");
	if (!ew->mon)
		return;
	ew->udev_source = true;
	udev_monitor_set_receive_buffer_size(ew->mon, 16 * 1024 * 1024);
	if (udev_monitor_filter_add_match_subsystem_devtype(ew->mon, "pci", NULL) < 0 ||
	    udev_monitor_filter_add_match_subsystem_devtype(ew->mon, "vfio", NULL) < 0 ||
	    udev_monitor_enable_receiving(ew->mon) < 0) {
		udev_monitor_unref(ew->mon);
		ew->mon = NULL;
	}
}

/* Expecting a bind event: the item should end up on a driver. */
static bool expects_bind(const struct rebind_item *it, bool rollback)
{
	/* an override-only change (a batch killed after that write) binds nothing */
	if (!it->touched || it->error || !it->probed)
		return false;
	if (rollback)
		return it->before_driver != NULL;
	return it->want_driver != NULL || it->want_default;
}

static const struct rebind_batch *sort_batch;

static int cmp_item_index(const void *a, const void *b)
{
	return strcmp(sort_batch->items[*(const size_t *)a].addr,
		      sort_batch->items[*(const size_t *)b].addr);
}

/* Item indexes in address order: one event is matched in O(log n), not O(n). */
static size_t *index_by_addr(const struct rebind_batch *b)
{
	size_t *idx = xcalloc(b->n + 1, sizeof(size_t));

	for (size_t i = 0; i < b->n; i++)
		idx[i] = i;
	sort_batch = b;
	qsort(idx, b->n, sizeof(size_t), cmp_item_index);
	return idx;
}

static struct rebind_item *item_by_addr(struct rebind_batch *b, const size_t *idx, const char *addr)
{
	size_t lo = 0, hi = b->n;

	if (!addr)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(b->items[idx[mid]].addr, addr);

		if (c == 0)
			return &b->items[idx[mid]];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A bind to vfio-pci that creates its group's /dev/vfio/N: udev sends that node's "add". */
static bool expects_node(const struct rebind_item *it)
{
	return it->vfio_node_new && expects_bind(it, false); /* vfio_node_new: to vfio-pci */
}

/* The group number of a vfio class device's "add" ("N" or "noiommu-N"), -1 for anything else. */
static int vfio_event_group(struct udev_device *dev)
{
	const char *name = udev_device_get_sysname(dev);
	int g;

	if (!name || !streq(udev_device_get_action(dev), "add"))
		return -1;
	return parse_vfio_node_name(name, &g) ? g : -1;
}

/* Test hook: a shorter event timeout (tests of a udev rule slower than it). */
static long long event_timeout_ms(void)
{
	const char *s = getenv("VFIOCTL_EVENT_TIMEOUT_MS");
	long long v = s && *s ? strtoll(s, NULL, 10) : 0;

	return v > 0 ? v : EVENT_TIMEOUT_MS;
}

/* Append name (consumed) to a ", "-separated list of at most UNSEEN_NAMES_MAX; count all. */
static void unseen_add(char **list, size_t *n, char *name)
{
	if ((*n)++ < UNSEEN_NAMES_MAX) {
		char *s = xasprintf("%s%s%s", *list ? *list : "", *list ? ", " : "", name);

		free(*list);
		*list = s;
	}
	free(name);
}

/*
 * Wait for the bind events (and, from udev, the /dev/vfio/N "add" events) the
 * batch causes. Returns, for a batch that waited for udev, what udev had not
 * finished by the deadline (NULL if nothing): the driver links still decide
 * success, but the node's owner and mode may not be set yet.
 */
char *rebind_wait_events(struct event_waiter *ew, struct rebind_batch *b, bool rollback)
{
	const long long timeout_ms = event_timeout_ms();
	long long deadline = now_ms() + timeout_ms;
	/* udev still busy with an earlier batch's events extends the wait, up to this */
	const long long hard_deadline = now_ms() + 6 * timeout_ms;
	_cleanup_free_ size_t *byaddr = NULL;
	_cleanup_free_ int *groups = NULL; /* sorted: the new /dev/vfio/N to see */
	_cleanup_free_ bool *node_seen = NULL;
	_cleanup_free_ char *names = NULL, *more = NULL; /* what udev had not finished */
	size_t pending = 0, n_groups = 0, n_unseen = 0;

	if (!ew->mon)
		return NULL;
	byaddr = index_by_addr(b);
	for (size_t i = 0; i < b->n; i++) {
		b->items[i].got_bind_event = false;
		if (expects_bind(&b->items[i], rollback)) {
			/* already bound before our write returned: the event is queued */
			pending++;
		}
	}
	if (ew->udev_source && !rollback) {
		size_t k = 0;

		groups = xcalloc(b->n + 1, sizeof(int));
		for (size_t i = 0; i < b->n; i++)
			if (expects_node(&b->items[i]))
				groups[n_groups++] = b->items[i].iommu_group;
		qsort(groups, n_groups, sizeof(int), cmp_int);
		for (size_t i = 0; i < n_groups; i++)
			if (k == 0 || groups[i] != groups[k - 1])
				groups[k++] = groups[i];
		n_groups = k;
		node_seen = xcalloc(n_groups + 1, sizeof(bool));
		pending += n_groups;
	}
	while (pending > 0) {
		struct pollfd pfd = { .fd = udev_monitor_get_fd(ew->mon), .events = POLLIN };
		long long left = deadline - now_ms();
		struct udev_device *dev;
		int r;

		if (left <= 0)
			break;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		dev = udev_monitor_receive_device(ew->mon);
		if (!dev)
			continue;
		/* any event udev finished is progress: only a stalled udev times out */
		deadline = now_ms() + timeout_ms;
		if (deadline > hard_deadline)
			deadline = hard_deadline;
		if (streq(udev_device_get_subsystem(dev), "vfio")) {
			int g = vfio_event_group(dev);
			int *seen = g < 0 || !n_groups
					    ? NULL
					    : bsearch(&g, groups, n_groups, sizeof(int), cmp_int);

			if (seen && !node_seen[seen - groups]) {
				node_seen[seen - groups] = true;
				pending--;
				deadline = now_ms() + timeout_ms;
			}
		} else if (streq(udev_device_get_action(dev), "bind")) {
			struct rebind_item *it =
				item_by_addr(b, byaddr, udev_device_get_sysname(dev));

			if (it && !it->got_bind_event && expects_bind(it, rollback)) {
				it->got_bind_event = true;
				pending--;
				deadline = now_ms() + timeout_ms;
			}
		}
		udev_device_unref(dev);
	}
	if (!pending)
		return NULL;
	log_debug("%zu bind or /dev/vfio event(s) not seen within %lld ms; checking the driver "
		  "links",
		  pending, timeout_ms);
	if (!ew->udev_source || rollback)
		return NULL;
	for (size_t i = 0; i < b->n; i++)
		if (expects_bind(&b->items[i], false) && !b->items[i].got_bind_event)
			unseen_add(&names, &n_unseen, xstrdup(b->items[i].addr));
	for (size_t i = 0; i < n_groups; i++)
		if (!node_seen[i])
			unseen_add(&names, &n_unseen, xasprintf("/dev/vfio/%d", groups[i]));
	more = n_unseen > UNSEEN_NAMES_MAX ? xasprintf(" and %zu more", n_unseen - UNSEEN_NAMES_MAX)
					   : xstrdup("");
	return xasprintf("udev had not finished with %s%s after %lld ms: its rules (the owner and "
			 "mode of /dev/vfio nodes, for one) may still be running",
			 names ? names : "?", more, timeout_ms);
}
