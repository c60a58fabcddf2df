/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Private to src/rebind.c and src/rebind-wait.c: the batch's udev event waiter. */

#include <stdbool.h>
#include <time.h>

#include "rebind.h"

struct udev;
struct udev_monitor;

struct event_waiter {
	struct udev *udev;
	struct udev_monitor *mon;
	bool udev_source; /* events come after udev processed them */
};

/* Listen before the writes (see rebind-wait.c); a waiter without a monitor waits for nothing. */
void rebind_waiter_open(struct event_waiter *ew, bool udev_wait);
void rebind_waiter_close(struct event_waiter *ew);

/*
 * Wait for the bind events (and, from udev, the /dev/vfio/N "add" events) the
 * batch caused; NULL, or what udev had not finished by the deadline (a warning).
 */
char *rebind_wait_events(struct event_waiter *ew, struct rebind_batch *b, bool rollback);

static inline long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
