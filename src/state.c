// SPDX-License-Identifier: GPL-2.0-or-later
/* /run/vfioctl: the state directory, named locks, atomic writes (see state.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "state.h"
#include "sysfs.h"
#include "util.h"

int state_dir_ensure(void)
{
	_cleanup_free_ char *p = sysfs_resolve(STATE_DIR);

	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static char *lock_path(const char *name)
{
	_cleanup_free_ char *host = xasprintf("%s/%s", STATE_DIR, name);

	return sysfs_resolve(host);
}

int state_lock(const char *name, bool write_pid)
{
	_cleanup_free_ char *p = lock_path(name);
	char pid[32];
	int fd, r;

	r = state_dir_ensure();
	if (r < 0)
		return r;
	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		return r;
	}
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (write_pid && (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0))
		log_debug("%s: %s", p, strerror(errno));
	return fd;
}

bool state_lock_busy(const char *name)
{
	_cleanup_free_ char *p = lock_path(name);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	/* a shared lock fails only while someone holds it exclusively */
	return flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

void state_lock_owner(const char *name, char *buf, size_t len)
{
	_cleanup_free_ char *p = lock_path(name);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static int write_all(int fd, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

int state_write_atomic(const char *host_path, const char *text, size_t len, mode_t mode)
{
	_cleanup_free_ char *p = sysfs_resolve(host_path);
	_cleanup_free_ char *tmp = xasprintf("%s.XXXXXX", p);
	_cleanup_free_ char *dir = xstrdup(p);
	_cleanup_close_ int fd = -1, dfd = -1;
	char *slash = strrchr(dir, '/');
	int r;

	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = fchmod(fd, mode) < 0 ? -errno : write_all(fd, text, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	if (rename(tmp, p) < 0) {
		r = -errno;
		unlink(tmp);
		return r;
	}
	/* the rename itself survives a crash only once the directory is synced */
	dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
		fsync(dfd);
	return 0;
}
