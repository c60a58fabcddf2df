// SPDX-License-Identifier: GPL-2.0-or-later
/* The /run/vfioctl state module: named locks and atomic writes, under a private sysroot. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "state.h"
#include "sysfs.h"
#include "unit.h"
#include "util.h"

static char root[] = "/tmp/test-state.XXXXXX";

static char *slurp(const char *host_path)
{
	_cleanup_free_ char *p = sysfs_resolve(host_path);
	char *out = NULL;

	return sysfs_read_at(AT_FDCWD, p, &out) == 0 ? out : NULL;
}

/* Files in STATE_DIR: a failed or finished write leaves no temp file behind. */
static int count_files(void)
{
	_cleanup_closedir_ DIR *d = sysfs_opendir(STATE_DIR);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	return n;
}

static void test_locks(void)
{
	char owner[32];
	int fd, fd2, status;
	pid_t pid;

	CHECK(!state_lock_busy(STATE_LOCK_ENGINE)); /* no file yet */
	fd = state_lock(STATE_LOCK_ENGINE, true);
	CHECK(fd >= 0);
	state_lock_owner(STATE_LOCK_ENGINE, owner, sizeof(owner));
	CHECK(atoi(owner) == (int)getpid());
	/* another process sees it held, and cannot take it */
	pid = fork();
	if (pid == 0)
		_exit(state_lock_busy(STATE_LOCK_ENGINE) && state_lock(STATE_LOCK_ENGINE, true) == -EBUSY
			      ? 0
			      : 1);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	/* other names are other locks */
	fd2 = state_lock(STATE_LOCK_APPLY, false);
	CHECK(fd2 >= 0);
	close(fd2);
	close(fd);
	/* released with its fd */
	pid = fork();
	if (pid == 0)
		_exit(!state_lock_busy(STATE_LOCK_ENGINE) && state_lock(STATE_LOCK_ENGINE, true) >= 0
			      ? 0
			      : 1);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
}

static void test_atomic_write(void)
{
	_cleanup_free_ char *a = NULL, *p = sysfs_resolve(STATE_DIR "/j.json");
	_cleanup_free_ char *big = xmalloc(300001);
	int before = count_files();
	struct stat st;

	CHECK(state_write_atomic(STATE_DIR "/j.json", "one\n", 4, 0644) == 0);
	a = slurp(STATE_DIR "/j.json");
	CHECK(a && streq(a, "one"));
	CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0644);
	memset(big, 'x', 300000);
	big[300000] = '\0';
	CHECK(state_write_atomic(STATE_DIR "/j.json", big, 300000, 0600) == 0);
	CHECK(stat(p, &st) == 0 && st.st_size == 300000 && (st.st_mode & 0777) == 0600);
	CHECK(count_files() == before + 1);
	/* a directory that does not exist: an error, and the old file untouched */
	CHECK(state_write_atomic("/run/nonexistent/j.json", "two", 3, 0644) == -ENOENT);
	CHECK(stat(p, &st) == 0 && st.st_size == 300000);
	CHECK(count_files() == before + 1);
}

int main(void)
{
	_cleanup_free_ char *run = NULL;

	if (!mkdtemp(root))
		return 1;
	run = xasprintf("%s/run", root);
	mkdir(run, 0755);
	CHECK(sysfs_set_root(root) == 0);
	CHECK(state_dir_ensure() == 0);
	CHECK(state_dir_ensure() == 0); /* already there */
	test_locks();
	test_atomic_write();
	sysfs_set_root(NULL);
	{
		_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", root);

		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", root);
	}
	return unit_report("test-state");
}
