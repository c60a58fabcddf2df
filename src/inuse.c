// SPDX-License-Identifier: GPL-2.0-or-later
/* Is a device in use? The safety checks behind bind, unbind, restore and sriov set. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "inuse.h"
#include "sysfs.h"
#include "topo.h"
#include "util.h"

struct opener {
	char *path; /* "/dev/vfio/12" or "/dev/vfio/devices/vfio0" */
	int pid;
	char *comm;
};

struct mount {
	unsigned major, minor;
	char *target;
};

struct route {
	int ifindex;
	int family;
	char dst[INET6_ADDRSTRLEN + 4];
};

struct inuse_ctx {
	bool have_openers, have_mounts, have_routes;
	const struct topo *vfio_seen_in; /* any_vfio is of this topology */
	bool any_vfio;
	struct opener *openers;
	size_t n_openers;
	struct mount *mounts;
	size_t n_mounts;
	char **swaps; /* device names without /dev/ */
	size_t n_swaps;
	struct route *routes;
	size_t n_routes;
	struct ifaddrs *ifaddrs;
};

struct inuse_ctx *inuse_ctx_new(void)
{
	return xcalloc(1, sizeof(struct inuse_ctx));
}

void inuse_ctx_free(struct inuse_ctx *c)
{
	for (size_t i = 0; i < c->n_openers; i++) {
		free(c->openers[i].path);
		free(c->openers[i].comm);
	}
	free(c->openers);
	for (size_t i = 0; i < c->n_mounts; i++)
		free(c->mounts[i].target);
	free(c->mounts);
	strv_free(c->swaps);
	free(c->routes);
	if (c->ifaddrs)
		freeifaddrs(c->ifaddrs);
	free(c);
}

/* One pass over /proc/PID/fd: who holds VFIO group or device files open. */
static void load_openers(struct inuse_ctx *c)
{
	_cleanup_closedir_ DIR *proc = NULL;
	struct dirent *de;

	if (c->have_openers)
		return;
	c->have_openers = true;
	proc = sysfs_opendir("/proc");
	if (!proc)
		return;
	while ((de = readdir(proc))) {
		_cleanup_close_ int pidfd = -1;
		_cleanup_closedir_ DIR *fds = NULL;
		struct dirent *fe;
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		int fdfd;

		if (*end || pid <= 0)
			continue;
		pidfd = openat(dirfd(proc), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pidfd < 0)
			continue;
		fdfd = openat(pidfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fdfd < 0)
			continue; /* gone, or not ours to read */
		fds = fdopendir(fdfd);
		if (!fds) {
			close(fdfd);
			continue;
		}
		while ((fe = readdir(fds))) {
			_cleanup_free_ char *target = NULL;
			struct opener *o;

			if (fe->d_name[0] == '.')
				continue;
			if (sysfs_readlink_at(dirfd(fds), fe->d_name, &target) < 0)
				continue;
			if (!startswith(target, "/dev/vfio/"))
				continue;
			c->openers = xrealloc(c->openers, (c->n_openers + 1) * sizeof(*o));
			o = &c->openers[c->n_openers++];
			o->path = target;
			target = NULL;
			o->pid = (int)pid;
			if (sysfs_read_at(pidfd, "comm", &o->comm) < 0)
				o->comm = xstrdup("?");
		}
	}
}

static char *holders_of(struct inuse_ctx *c, const char *path)
{
	char *out = NULL;

	load_openers(c);
	for (size_t i = 0; i < c->n_openers; i++) {
		char *s;
		bool seen = false;

		if (!streq(c->openers[i].path, path))
			continue;
		for (size_t j = 0; j < i; j++)
			seen |= streq(c->openers[j].path, path) &&
				c->openers[j].pid == c->openers[i].pid;
		if (seen)
			continue;
		s = xasprintf("%s%sPID %d (%s)", out ? out : "", out ? ", " : "", c->openers[i].pid,
			      c->openers[i].comm);
		free(out);
		out = s;
	}
	return out;
}

char *inuse_vfio_group_holders(struct inuse_ctx *c, int group)
{
	char path[64];

	if (group < 0)
		return NULL;
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	return holders_of(c, path);
}

static void load_mounts(struct inuse_ctx *c)
{
	_cleanup_free_ char *p = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	if (c->have_mounts)
		return;
	c->have_mounts = true;
	p = sysfs_resolve("/proc/self/mountinfo");
	f = fopen(p, "re");
	while (f && getline(&line, &cap, f) > 0) {
		unsigned maj, min;
		char target[4096];

		/* "36 35 98:0 /mnt1 /mnt2 rw,..." */
		if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &maj, &min, target) != 3)
			continue;
		c->mounts = xrealloc(c->mounts, (c->n_mounts + 1) * sizeof(struct mount));
		c->mounts[c->n_mounts++] = (struct mount){ maj, min, xstrdup(target) };
	}
	fclose(f);
	free(p);
	p = sysfs_resolve("/proc/swaps");
	f = fopen(p, "re");
	while (f && getline(&line, &cap, f) > 0) {
		char dev[4096];

		if (sscanf(line, "/dev/%4095s", dev) == 1)
			strv_push(&c->swaps, &c->n_swaps, dev);
	}
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct inuse_ctx *c = data;
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	int oif = 0;
	unsigned table = rtm->rtm_table;
	const void *dst = NULL;
	struct route *r;
	char buf[INET6_ADDRSTRLEN];

	if (rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm))
	{
		switch (mnl_attr_get_type(attr)) {
		case RTA_OIF:
			oif = (int)mnl_attr_get_u32(attr);
			break;
		case RTA_TABLE:
			table = mnl_attr_get_u32(attr);
			break;
		case RTA_DST:
			dst = mnl_attr_get_payload(attr);
			break;
		}
	}
	if (table != RT_TABLE_MAIN || oif <= 0)
		return MNL_CB_OK;
	if (rtm->rtm_family == AF_INET6 && dst) {
		const struct in6_addr *a = dst;

		/* every interface that is up has these; they carry no traffic of the host */
		if (IN6_IS_ADDR_LINKLOCAL(a) || IN6_IS_ADDR_MULTICAST(a))
			return MNL_CB_OK;
	}
	c->routes = xrealloc(c->routes, (c->n_routes + 1) * sizeof(*r));
	r = &c->routes[c->n_routes++];
	r->ifindex = oif;
	r->family = rtm->rtm_family;
	if (!dst)
		snprintf(r->dst, sizeof(r->dst), "default");
	else
		snprintf(r->dst, sizeof(r->dst), "%s/%u",
			 inet_ntop(rtm->rtm_family, dst, buf, sizeof(buf)) ?: "?",
			 rtm->rtm_dst_len);
	return MNL_CB_OK;
}

/* Dump the main routing table once (rtnetlink, libmnl). */
static void load_routes(struct inuse_ctx *c)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	unsigned seq = (unsigned)time(NULL), portid;
	ssize_t n;

	if (c->have_routes || !sysfs_live())
		return;
	c->have_routes = true;
	if (getifaddrs(&c->ifaddrs) < 0)
		c->ifaddrs = NULL;
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		return;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) >= 0) {
		while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
			int r = mnl_cb_run(buf, (size_t)n, seq, portid, route_cb, c);

			if (r <= MNL_CB_STOP)
				break;
		}
	}
	mnl_socket_close(nl);
}

static void check_netdev(struct inuse_ctx *c, const char *ifname, char ***blockers, size_t *nb,
			 char ***warnings, size_t *nw)
{
	_cleanup_free_ char *base = xasprintf("/sys/class/net/%s", ifname);
	_cleanup_free_ char *flags_path = xasprintf("%s/flags", base);
	_cleanup_free_ char *master_path = xasprintf("%s/master", base);
	_cleanup_free_ char *master = NULL;
	_cleanup_free_ char *addrs = NULL;
	long flags = 0;
	unsigned ifindex;
	size_t nroutes = 0;
	const char *first_route = NULL;

	if (sysfs_link_name(master_path, &master) == 0) {
		strv_consume(
			blockers, nb,
			xasprintf(
				"%s is enslaved to %s: release it first (ip link set %s nomaster)",
				ifname, master, ifname));
	}
	if (sysfs_read_long(flags_path, 16, &flags) < 0 || !(flags & IFF_UP))
		return;
	if (!sysfs_live()) {
		strv_consume(
			warnings, nw,
			xasprintf(
				"%s is up (addresses and routes are only checked on the live host)",
				ifname));
		return;
	}
	load_routes(c);
	for (struct ifaddrs *a = c->ifaddrs; a; a = a->ifa_next) {
		char buf[INET6_ADDRSTRLEN];
		const void *in;
		char *s;

		if (!streq(a->ifa_name, ifname) || !a->ifa_addr)
			continue;
		if (a->ifa_addr->sa_family == AF_INET) {
			in = &((struct sockaddr_in *)(void *)a->ifa_addr)->sin_addr;
		} else if (a->ifa_addr->sa_family == AF_INET6) {
			in = &((struct sockaddr_in6 *)(void *)a->ifa_addr)->sin6_addr;
			if (IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)in))
				continue;
		} else {
			continue;
		}
		if (!inet_ntop(a->ifa_addr->sa_family, in, buf, sizeof(buf)))
			continue;
		s = xasprintf("%s%s%s", addrs ? addrs : "", addrs ? ", " : "", buf);
		free(addrs);
		addrs = s;
	}
	ifindex = if_nametoindex(ifname);
	for (size_t i = 0; i < c->n_routes; i++) {
		if (ifindex && c->routes[i].ifindex == (int)ifindex) {
			if (!first_route)
				first_route = c->routes[i].dst;
			nroutes++;
		}
	}
	if (addrs)
		strv_consume(
			blockers, nb,
			xasprintf("%s is up with address %s: take it down first (ip link set %s "
				  "down) and remove it from the network configuration",
				  ifname, addrs, ifname));
	else if (nroutes)
		strv_consume(
			blockers, nb,
			xasprintf("%s is up with %zu route%s (%s): take it down first (ip link "
				  "set %s down)",
				  ifname, nroutes, nroutes == 1 ? "" : "s", first_route, ifname));
	else
		strv_consume(
			warnings, nw,
			xasprintf("%s is up (no addresses or routes); it goes away with the driver",
				  ifname));
}

/* dev_t numbers ("maj:min") of a disk and its partitions, with their names. */
static void check_block(struct inuse_ctx *c, const char *disk, char ***blockers, size_t *nb)
{
	_cleanup_free_ char *dpath = xasprintf("/sys/class/block/%s", disk);
	_cleanup_closedir_ DIR *dir = sysfs_opendir(dpath);
	char **names = NULL;
	size_t n_names = 0;
	struct dirent *de;

	strv_push(&names, &n_names, disk);
	while (dir && (de = readdir(dir))) {
		if (startswith(de->d_name, disk) && !streq(de->d_name, disk))
			strv_push(&names, &n_names, de->d_name);
	}
	load_mounts(c);
	for (size_t i = 0; i < n_names; i++) {
		_cleanup_free_ char *devp = xasprintf("/sys/class/block/%s/dev", names[i]);
		_cleanup_free_ char *holdp = xasprintf("/sys/class/block/%s/holders", names[i]);
		_cleanup_free_ char *dev = NULL;
		_cleanup_closedir_ DIR *holders = NULL;
		unsigned maj, min;

		if (sysfs_read(devp, &dev) == 0 && sscanf(dev, "%u:%u", &maj, &min) == 2) {
			for (size_t m = 0; m < c->n_mounts; m++)
				if (c->mounts[m].major == maj && c->mounts[m].minor == min)
					strv_consume(
						blockers, nb,
						xasprintf("%s is mounted on %s: unmount it first "
							  "(umount %s)",
							  names[i], c->mounts[m].target,
							  c->mounts[m].target));
		}
		for (size_t s = 0; s < c->n_swaps; s++)
			if (streq(c->swaps[s], names[i]))
				strv_consume(blockers, nb,
					     xasprintf("%s is used as swap: swapoff /dev/%s first",
						       names[i], names[i]));
		holders = sysfs_opendir(holdp);
		while (holders && (de = readdir(holders))) {
			if (de->d_name[0] == '.')
				continue;
			strv_consume(
				blockers, nb,
				xasprintf("%s is held by %s (device-mapper/md): stop that first "
					  "(dmsetup remove / mdadm --stop)",
					  names[i], de->d_name));
		}
	}
	strv_free(names);
}

/* The boot VGA device drives the console when a framebuffer is bound to it. */
static void check_boot_vga(const struct topo_dev *d, char ***blockers, size_t *nb)
{
	_cleanup_closedir_ DIR *fbs = NULL, *vts = NULL;
	struct dirent *de;
	char *fb = NULL;

	if (d->boot_vga != 1)
		return;
	fbs = sysfs_opendir("/sys/class/graphics");
	while (fbs && (de = readdir(fbs))) {
		_cleanup_free_ char *link = NULL;
		_cleanup_free_ char *p = NULL;

		if (!startswith(de->d_name, "fb"))
			continue;
		p = xasprintf("/sys/class/graphics/%s/device", de->d_name);
		if (sysfs_link_name(p, &link) == 0 && streq(link, d->addr)) {
			fb = xstrdup(de->d_name);
			break;
		}
	}
	if (!fb)
		return;
	vts = sysfs_opendir("/sys/class/vtconsole");
	while (vts && (de = readdir(vts))) {
		_cleanup_free_ char *name = NULL, *bind = NULL;
		_cleanup_free_ char *np = xasprintf("/sys/class/vtconsole/%s/name", de->d_name);
		_cleanup_free_ char *bp = xasprintf("/sys/class/vtconsole/%s/bind", de->d_name);

		if (!startswith(de->d_name, "vtcon"))
			continue;
		if (sysfs_read(np, &name) < 0 || !strstr(name, "frame buffer"))
			continue;
		if (sysfs_read(bp, &bind) == 0 && streq(bind, "1"))
			strv_consume(
				blockers, nb,
				xasprintf("%s is the boot VGA device and %s drives the console: "
					  "unbind the console first (echo 0 > "
					  "/sys/class/vtconsole/%s/bind)",
					  d->addr, fb, de->d_name));
	}
	free(fb);
}

static bool on_vfio(const struct topo_dev *d)
{
	return d->driver && startswith(d->driver, "vfio");
}

/* Only a VFIO driver gives a group its /dev/vfio/N: else nobody can hold it open. */
static bool group_on_vfio(struct inuse_ctx *c, const struct topo *t, int group)
{
	if (group < 0)
		return false;
	if (c->vfio_seen_in != t) {
		/* once per topology: a batch VFIO has nothing of skips the search */
		c->vfio_seen_in = t;
		c->any_vfio = false;
		for (size_t i = 0; i < t->n && !c->any_vfio; i++)
			c->any_vfio = on_vfio(&t->devs[i]);
	}
	if (!c->any_vfio)
		return false;
	for (size_t i = 0; i < t->n; i++)
		if (t->devs[i].iommu_group == group && on_vfio(&t->devs[i]))
			return true;
	return false;
}

void inuse_check(struct inuse_ctx *c, const struct topo *t, const struct topo_dev *d,
		 char ***blockers, size_t *nb, char ***warnings, size_t *nw)
{
	_cleanup_free_ char *holders = NULL;
	_cleanup_closedir_ DIR *vdir = NULL;
	_cleanup_free_ char *vpath = NULL;
	struct dirent *de;

	for (size_t i = 0; i < d->n_netdevs; i++)
		check_netdev(c, d->netdevs[i], blockers, nb, warnings, nw);
	for (size_t i = 0; i < d->n_blockdevs; i++)
		check_block(c, d->blockdevs[i], blockers, nb);
	check_boot_vga(d, blockers, nb);

	/* no walk of every process's files for a batch that VFIO has none of */
	if (group_on_vfio(c, t, d->iommu_group))
		holders = inuse_vfio_group_holders(c, d->iommu_group);
	if (holders)
		strv_consume(blockers, nb,
			     xasprintf("/dev/vfio/%d (group of %s) is open by %s: a VM or VFIO "
				       "program is using it; stop it first",
				       d->iommu_group, d->addr, holders));
	/* the per-device cdev of iommufd/VFIO cdev users (/dev/vfio/devices/vfioN) */
	if (on_vfio(d) && d->sysfs_path) {
		vpath = xasprintf("%s/vfio-dev", d->sysfs_path);
		vdir = sysfs_opendir(vpath);
	}
	while (vdir && (de = readdir(vdir))) {
		_cleanup_free_ char *cdev = NULL, *who = NULL;

		if (!startswith(de->d_name, "vfio"))
			continue;
		cdev = xasprintf("/dev/vfio/devices/%s", de->d_name);
		who = holders_of(c, cdev);
		if (who)
			strv_consume(
				blockers, nb,
				xasprintf("%s (%s) is open by %s: a VM or VFIO program is using "
					  "it; stop it first",
					  cdev, d->addr, who));
	}
}
