/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * vfioctl's run-time state under /run/vfioctl (resolved under the sysroot):
 * the directory, named flock(2) locks and atomic file replacement. The
 * journal (rebind), the engine's lock, apply's lock and the persisted
 * configuration all go through here.
 */
#define STATE_DIR "/run/vfioctl"

/* Create STATE_DIR if it is missing. 0 or -errno. */
int state_dir_ensure(void);

/*
 * Take the named lock (a file in STATE_DIR, e.g. "lock") exclusively without
 * waiting. Returns the fd that holds it (until closed or exit), -EBUSY when
 * another process holds it, or -errno. With write_pid, the file then holds
 * our PID (for "another vfioctl PID N" messages: state_lock_owner()).
 */
int state_lock(const char *name, bool write_pid);
/* Whether another process holds the named lock now. */
bool state_lock_busy(const char *name);
/* The PID written into the named lock file, as text ("" if none). */
void state_lock_owner(const char *name, char *buf, size_t len);

/*
 * The engine's lock (rebind: one batch at a time) and apply's: apply holds it
 * for a whole run; the udev helper leaves devices alone while it is held, as
 * apply binds what it creates.
 */
#define STATE_LOCK_ENGINE "lock"
#define STATE_LOCK_APPLY "apply.lock"

/*
 * Replace host_path atomically with len bytes of text: a temp file in the
 * same directory, fsync, rename, fsync of the directory. A failure leaves the
 * old file and no temp file. 0 or -errno.
 */
int state_write_atomic(const char *host_path, const char *text, size_t len, mode_t mode);
