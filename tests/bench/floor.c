// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The floor for `make bench`: the least a program can do to print what
 * `vfioctl list` shows. It reads exactly those attributes with the cheapest
 * calls (openat/read/readlinkat relative to the open bus directory) and
 * prints one line per device: address, class, vendor:device (no pci.ids
 * lookup), driver, IOMMU group, SR-IOV role. No sorting, no JSON, no checks.
 *
 * Usage: floor [SYSFS_BUS_PCI_DEVICES_DIR]   (default /sys/bus/pci/devices)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int read_attr(int dfd, const char *name, char *buf, size_t len)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

/* Basename of a link's target into buf; "-" when there is no link. */
static void link_name(int dfd, const char *name, char *buf, size_t len)
{
	char target[4096];
	ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
	const char *base;

	if (n < 0) {
		snprintf(buf, len, "-");
		return;
	}
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	n = (ssize_t)strnlen(base, len - 1);
	memcpy(buf, base, (size_t)n);
	buf[n] = '\0';
}

int main(int argc, char *argv[])
{
	const char *path = argc > 1 ? argv[1] : "/sys/bus/pci/devices";
	DIR *dir = opendir(path);
	struct dirent *de;

	if (!dir) {
		perror(path);
		return 1;
	}
	while ((de = readdir(dir))) {
		char cls[32], ven[16], dev[16], drv[256], grp[64], role[300];
		char total[16], num[16];
		int dfd;

		if (de->d_name[0] == '.')
			continue;
		dfd = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			continue;
		if (read_attr(dfd, "class", cls, sizeof(cls)) < 0)
			snprintf(cls, sizeof(cls), "?");
		if (read_attr(dfd, "vendor", ven, sizeof(ven)) < 0)
			snprintf(ven, sizeof(ven), "?");
		if (read_attr(dfd, "device", dev, sizeof(dev)) < 0)
			snprintf(dev, sizeof(dev), "?");
		link_name(dfd, "driver", drv, sizeof(drv));
		link_name(dfd, "iommu_group", grp, sizeof(grp));
		if (read_attr(dfd, "sriov_totalvfs", total, sizeof(total)) == 0) {
			if (read_attr(dfd, "sriov_numvfs", num, sizeof(num)) < 0)
				snprintf(num, sizeof(num), "?");
			snprintf(role, sizeof(role), "PF %s/%s", num, total);
			/* list shows each VF's index: one virtfnN link per VF */
			for (int i = 0; i < atoi(num); i++) {
				char name[32], vf[256];

				snprintf(name, sizeof(name), "virtfn%d", i);
				link_name(dfd, name, vf, sizeof(vf));
			}
		} else {
			char pf[256];

			link_name(dfd, "physfn", pf, sizeof(pf));
			if (strcmp(pf, "-") != 0)
				snprintf(role, sizeof(role), "VF of %s", pf);
			else
				snprintf(role, sizeof(role), "-");
		}
		close(dfd);
		printf("%s  %.6s  %s:%s  %s  %s  %s\n", de->d_name, cls + 2, ven + 2, dev + 2, drv,
		       grp, role);
	}
	closedir(dir);
	return 0;
}
