// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sysfs.h"
#include "util.h"

static char *root; /* NULL: live host */

int sysfs_set_root(const char *r)
{
	struct stat st;
	size_t len;

	free(root);
	root = NULL;
	if (!r || !*r || streq(r, "/"))
		return 0;
	if (stat(r, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	root = xstrdup(r);
	len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		root[--len] = '\0';
	return 0;
}

const char *sysfs_root(void)
{
	return root ? root : "";
}

bool sysfs_live(void)
{
	return root == NULL;
}

bool sysfs_udevd_running(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/run/udev/control" };
	_cleanup_close_ int fd = -1;

	if (!sysfs_live())
		return false;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return access(sa.sun_path, F_OK) == 0;
	/* a full backlog (EAGAIN) is a busy udevd; ECONNREFUSED a dead one's socket */
	return connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN;
}

char *sysfs_resolve(const char *host_path)
{
	return xasprintf("%s%s", sysfs_root(), host_path);
}

static char *pci_path(const char *kind, const char *name, const char *attr)
{
	return xasprintf("/sys/bus/pci/%s/%s%s%s", kind, name, attr ? "/" : "", attr ? attr : "");
}

char *sysfs_pci_dev(const char *addr, const char *attr)
{
	return pci_path("devices", addr, attr);
}

char *sysfs_pci_drv(const char *driver, const char *attr)
{
	return pci_path("drivers", driver, attr);
}

int sysfs_open_dir(const char *host_path)
{
	_cleanup_free_ char *p = sysfs_resolve(host_path);
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

DIR *sysfs_opendir(const char *host_path)
{
	_cleanup_free_ char *p = sysfs_resolve(host_path);

	return opendir(p);
}

static int read_fd(int fd, char **out)
{
	char buf[4096];
	ssize_t n;
	size_t len;

	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	len = (size_t)n;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\0'))
		len--;
	buf[len] = '\0';
	*out = xstrdup(buf);
	return 0;
}

int sysfs_read_at(int dirfd, const char *name, char **out)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return read_fd(fd, out);
}

int sysfs_read(const char *host_path, char **out)
{
	_cleanup_free_ char *p = sysfs_resolve(host_path);

	return sysfs_read_at(AT_FDCWD, p, out);
}

static int parse_long(const char *s, int base, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, base);
	if (errno || end == s || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int sysfs_read_long_at(int dirfd, const char *name, int base, long *out)
{
	_cleanup_free_ char *s = NULL;
	int r = sysfs_read_at(dirfd, name, &s);

	return r < 0 ? r : parse_long(s, base, out);
}

int sysfs_read_long(const char *host_path, int base, long *out)
{
	_cleanup_free_ char *p = sysfs_resolve(host_path);

	return sysfs_read_long_at(AT_FDCWD, p, base, out);
}

int sysfs_read_bytes_at(int dirfd, const char *name, void *buf, size_t max, size_t *len)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -errno;
	while (got < max) {
		ssize_t n = read(fd, (char *)buf + got, max - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*len = got;
	return 0;
}

int sysfs_readlink_at(int dirfd, const char *name, char **out)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof(buf) - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	*out = xstrdup(buf);
	return 0;
}

int sysfs_link_name_at(int dirfd, const char *name, char **out)
{
	_cleanup_free_ char *target = NULL;
	const char *base;
	int r = sysfs_readlink_at(dirfd, name, &target);

	if (r < 0)
		return r;
	base = strrchr(target, '/');
	*out = xstrdup(base ? base + 1 : target);
	return 0;
}

int sysfs_link_name(const char *host_path, char **out)
{
	_cleanup_free_ char *p = sysfs_resolve(host_path);

	return sysfs_link_name_at(AT_FDCWD, p, out);
}

bool sysfs_exists(const char *host_path)
{
	_cleanup_free_ char *p = sysfs_resolve(host_path);

	return faccessat(AT_FDCWD, p, F_OK, 0) == 0;
}

bool sysfs_exists_at(int dirfd, const char *name)
{
	return faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int sysfs_write(const char *host_path, const char *value)
{
	_cleanup_free_ char *p = sysfs_resolve(host_path);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(value);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	return 0;
}
