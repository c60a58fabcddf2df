// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl snapshot: copy the subset of /sys, /proc and /dev that vfioctl reads
 * into a staging tree and pack it with tar(1). `--sysroot` reads it back.
 * The list of what is captured is documented in vfioctl(8), SNAPSHOT CONTENTS.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include "output.h"
#include "sysfs.h"
#include "util.h"
#include "vfioctl.h"

extern char **environ;

struct snap {
	char *stage;
	unsigned files, links;
	json_t *skipped;
};

static const char *const pci_attrs[] = {
	"vendor",
	"device",
	"subsystem_vendor",
	"subsystem_device",
	"class",
	"revision",
	"config",
	"driver_override",
	"numa_node",
	"reset_method",
	"boot_vga",
	"modalias",
	"enable",
	"irq",
	"local_cpulist",
	"current_link_speed",
	"current_link_width",
	"max_link_speed",
	"max_link_width",
	"d3cold_allowed",
	"power_state",
	"resource",
	"sriov_totalvfs",
	"sriov_numvfs",
	"sriov_drivers_autoprobe",
	"sriov_offset",
	"sriov_stride",
	"sriov_vf_device",
	"sriov_vf_total_msix",
	"msi_bus",
	"ari_enabled",
	"dma_mask_bits",
};
static const char *const pci_links[] = { "driver", "iommu_group", "physfn", "firmware_node" };
static const char *const net_attrs[] = {
	"address", "operstate",	       "flags",		 "ifindex",	  "mtu",
	"type",	   "addr_assign_type", "phys_port_name", "phys_switch_id"
};
static const char *const block_attrs[] = { "dev", "size", "ro", "removable", "partition" };
/* framebuffers and the consoles drawing on them (check, boot VGA) */
static const char *const fb_attrs[] = { "name" };
static const char *const vtcon_attrs[] = { "name", "bind" };
static const char *const iommu_group_attrs[] = { "type", "reserved_regions", "name" };
/* IOMMU units: VT-d capability registers (ecap bit 3: interrupt remapping), AMD-Vi's. */
static const char *const iommu_attrs[] = { "intel-iommu/cap", "intel-iommu/ecap",
					   "intel-iommu/version", "amd-iommu/cap",
					   "amd-iommu/features" };
/* ACPI tables that describe an IOMMU (doctor): DMAR, IVRS, IORT, VIOT. */
static const char *const iommu_tables[] = { "DMAR", "IVRS", "IORT", "VIOT" };
static const char *const host_files[] = {
	"/proc/cmdline",
	"/proc/cpuinfo",
	"/proc/modules",
	"/proc/mounts",
	"/proc/swaps",
	"/proc/interrupts",
	/* what holds the boot VGA device (check): firmware framebuffers in its BARs */
	"/proc/iomem",
	"/proc/sys/kernel/osrelease",
	"/proc/sys/kernel/dmesg_restrict",
	"/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts",
	"/sys/module/vfio/parameters/enable_unsafe_noiommu_mode",
	"/sys/module/vfio_pci/parameters/ids",
	"/sys/module/vfio_pci/parameters/disable_vga",
	"/sys/module/vfio_pci/parameters/disable_idle_d3",
	"/sys/bus/pci/drivers_autoprobe",
	/* the bootloader in use, for doctor's hints */
	"/etc/default/grub",
	"/etc/kernel/cmdline",
	"/sys/firmware/efi/efivars/LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f",
};

static int mkdir_parents(const char *path)
{
	_cleanup_free_ char *copy = xstrdup(path);

	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

static void skip(struct snap *s, const char *path, int err)
{
	json_t *o = json_object();

	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "error", json_string(strerror(err)));
	json_array_append_new(s->skipped, o);
}

/* Copy one regular file's contents (sysfs sizes lie, so read until EOF). */
static int copy_file(struct snap *s, const char *host_path, bool report)
{
	_cleanup_free_ char *src = sysfs_resolve(host_path);
	_cleanup_free_ char *dst = xasprintf("%s%s", s->stage, host_path);
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	_cleanup_close_ int out = -1;
	char buf[8192];
	ssize_t n;
	int r;

	if (in < 0) {
		r = errno;
		if (report && r != ENOENT)
			skip(s, host_path, r);
		return -r;
	}
	r = mkdir_parents(dst);
	if (r < 0)
		return r;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return -errno;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -EIO;
	/* Unreadable attributes (e.g. carrier of a down link) still show they exist. */
	if (n < 0 && report && errno != EINVAL && errno != ENODATA && errno != EAGAIN)
		skip(s, host_path, errno);
	s->files++;
	return 0;
}

static int copy_link(struct snap *s, const char *host_path)
{
	_cleanup_free_ char *src = sysfs_resolve(host_path);
	_cleanup_free_ char *dst = xasprintf("%s%s", s->stage, host_path);
	char target[PATH_MAX];
	ssize_t n = readlink(src, target, sizeof(target) - 1);
	int r;

	if (n < 0)
		return -errno;
	target[n] = '\0';
	r = mkdir_parents(dst);
	if (r < 0)
		return r;
	if (symlink(target, dst) < 0 && errno != EEXIST)
		return -errno;
	s->links++;
	return 0;
}

static void make_dir(struct snap *s, const char *host_path)
{
	_cleanup_free_ char *dst = xasprintf("%s%s/", s->stage, host_path);

	mkdir_parents(dst);
}

/* The real directory a /sys/.../X link points to, as a host path. */
static char *link_dir(const char *host_link)
{
	_cleanup_free_ char *src = sysfs_resolve(host_link);
	char real[PATH_MAX];
	size_t rootlen = strlen(sysfs_root());

	if (!realpath(src, real))
		return NULL;
	return xstrdup(real + rootlen);
}

static void copy_attrs(struct snap *s, const char *dir, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, names[i]);

		copy_file(s, p, true);
	}
}

/* Links of a class directory plus the attributes of what they point to. */
static void copy_class(struct snap *s, const char *class_dir, const char *const *attrs, size_t n,
		       bool holders)
{
	_cleanup_closedir_ DIR *d = sysfs_opendir(class_dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		_cleanup_free_ char *link = NULL, *real = NULL;

		if (de->d_name[0] == '.')
			continue;
		link = xasprintf("%s/%s", class_dir, de->d_name);
		if (copy_link(s, link) < 0)
			continue;
		real = link_dir(link);
		if (!real)
			continue;
		make_dir(s, real);
		copy_attrs(s, real, attrs, n);
		{
			_cleanup_free_ char *dev = xasprintf("%s/device", real);

			copy_link(s, dev);
		}
		if (holders) {
			_cleanup_free_ char *hdir = xasprintf("%s/holders", real);
			_cleanup_closedir_ DIR *h = sysfs_opendir(hdir);
			struct dirent *he;

			make_dir(s, hdir);
			while (h && (he = readdir(h))) {
				_cleanup_free_ char *hl = xasprintf("%s/%s", hdir, he->d_name);

				if (he->d_name[0] != '.')
					copy_link(s, hl);
			}
		}
	}
}

/* vfio-dev/vfioN of a device VFIO has: its cdev, if "dev" is there (6.6+). */
static void copy_vfio_dev(struct snap *s, const char *real)
{
	static const char *const attrs[] = { "dev" };
	_cleanup_free_ char *dir = xasprintf("%s/vfio-dev", real);
	_cleanup_closedir_ DIR *d = sysfs_opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL;

		if (!startswith(de->d_name, "vfio"))
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		make_dir(s, p);
		copy_attrs(s, p, attrs, ARRAY_SIZE(attrs));
	}
}

static void copy_pci_device(struct snap *s, const char *addr)
{
	_cleanup_free_ char *link = sysfs_pci_dev(addr, NULL);
	_cleanup_free_ char *real = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (copy_link(s, link) < 0)
		return;
	real = link_dir(link);
	if (!real)
		return;
	make_dir(s, real);
	copy_attrs(s, real, pci_attrs, ARRAY_SIZE(pci_attrs));
	for (size_t i = 0; i < ARRAY_SIZE(pci_links); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", real, pci_links[i]);

		copy_link(s, p);
	}
	d = sysfs_opendir(real);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL;

		if (!startswith(de->d_name, "virtfn"))
			continue;
		p = xasprintf("%s/%s", real, de->d_name);
		copy_link(s, p);
	}
	copy_vfio_dev(s, real);
}

static void copy_pci(struct snap *s)
{
	_cleanup_closedir_ DIR *d = sysfs_opendir("/sys/bus/pci/devices");
	_cleanup_closedir_ DIR *drv = sysfs_opendir("/sys/bus/pci/drivers");
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			copy_pci_device(s, de->d_name);
	while (drv && (de = readdir(drv))) {
		_cleanup_free_ char *p = NULL;

		if (de->d_name[0] == '.')
			continue;
		p = sysfs_pci_drv(de->d_name, NULL);
		make_dir(s, p);
	}
}

static void copy_iommu_groups(struct snap *s)
{
	_cleanup_closedir_ DIR *d = sysfs_opendir("/sys/kernel/iommu_groups");
	struct dirent *de;

	make_dir(s, "/sys/kernel/iommu_groups");
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *dir = NULL, *devdir = NULL;
		_cleanup_closedir_ DIR *g = NULL;
		struct dirent *ge;

		if (de->d_name[0] == '.')
			continue;
		dir = xasprintf("/sys/kernel/iommu_groups/%s", de->d_name);
		devdir = xasprintf("%s/devices", dir);
		make_dir(s, devdir);
		copy_attrs(s, dir, iommu_group_attrs, ARRAY_SIZE(iommu_group_attrs));
		g = sysfs_opendir(devdir);
		while (g && (ge = readdir(g))) {
			_cleanup_free_ char *p = xasprintf("%s/%s", devdir, ge->d_name);

			if (ge->d_name[0] != '.')
				copy_link(s, p);
		}
	}
}

static void copy_modules(struct snap *s)
{
	static const char *const mods[] = {
		"vfio",	     "vfio_pci", "vfio_pci_core", "vfio_iommu_type1", "kvm",
		"kvm_intel", "kvm_amd",	 "pci_stub",	  "iommufd"
	};

	for (size_t i = 0; i < ARRAY_SIZE(mods); i++) {
		_cleanup_free_ char *dir = xasprintf("/sys/module/%s", mods[i]);
		_cleanup_free_ char *state = xasprintf("%s/initstate", dir);

		if (!sysfs_exists(dir))
			continue;
		make_dir(s, dir);
		copy_file(s, state, false);
	}
}

/* The tables are root-only: without root an empty file records that one exists. */
static void copy_acpi_tables(struct snap *s)
{
	if (!sysfs_exists("/sys/firmware/acpi/tables"))
		return;
	make_dir(s, "/sys/firmware/acpi/tables");
	for (size_t i = 0; i < ARRAY_SIZE(iommu_tables); i++) {
		_cleanup_free_ char *p = xasprintf("/sys/firmware/acpi/tables/%s", iommu_tables[i]);
		_cleanup_free_ char *dst = NULL;
		_cleanup_close_ int fd = -1;

		if (copy_file(s, p, true) != -EACCES)
			continue;
		dst = xasprintf("%s%s", s->stage, p);
		fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	}
}

/* IOMMU nodes of the device tree (Arm, RISC-V), with their compatible and status. */
static void copy_dt_iommus(struct snap *s, const char *dir, int depth)
{
	_cleanup_closedir_ DIR *d = sysfs_opendir(dir);
	struct dirent *de;

	if (d && depth == 3)
		make_dir(s, dir);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;

		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		sub = xasprintf("%s/%s", dir, de->d_name);
		if (startswith(de->d_name, "iommu") || startswith(de->d_name, "smmu")) {
			static const char *const attrs[] = { "compatible", "status" };

			make_dir(s, sub);
			copy_attrs(s, sub, attrs, ARRAY_SIZE(attrs));
		} else if (depth > 1) {
			copy_dt_iommus(s, sub, depth - 1);
		}
	}
}

/* The module index libkmod needs to tell available and built-in modules apart. */
static void copy_module_index(struct snap *s)
{
	static const char *const files[] = { "modules.dep.bin", "modules.builtin.bin" };
	_cleanup_free_ char *rel = NULL;
	struct utsname u;

	if (sysfs_read("/proc/sys/kernel/osrelease", &rel) < 0 || !*rel || strchr(rel, '/')) {
		free(rel);
		rel = NULL;
		if (!sysfs_live() || uname(&u) < 0)
			return;
		rel = xstrdup(u.release);
	}
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *p = xasprintf("/lib/modules/%s/%s", rel, files[i]);

		copy_file(s, p, true);
	}
}

static void copy_dev_nodes(struct snap *s)
{
	_cleanup_closedir_ DIR *d = sysfs_opendir("/dev/vfio");
	struct dirent *de;

	/* Device nodes become empty files: a snapshot records presence only. */
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		_cleanup_close_ int fd = -1;

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/dev/vfio/%s", s->stage, de->d_name);
		if (de->d_type == DT_DIR) {
			mkdir_parents(p);
			mkdir(p, 0755);
			continue;
		}
		mkdir_parents(p);
		fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	}
}

/* The kernel log as /dev/kmsg records ("prio,seq,usec,flags;text"). */
static void copy_kmsg(struct snap *s)
{
	_cleanup_free_ char *src = sysfs_resolve("/dev/kmsg");
	_cleanup_free_ char *dst = xasprintf("%s/dev/kmsg", s->stage);
	_cleanup_close_ int in = -1, out = -1;
	struct stat st;
	char rec[8192];

	in = open(src, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (in < 0) {
		skip(s, "/dev/kmsg", errno);
		return;
	}
	if (fstat(in, &st) == 0 && S_ISREG(st.st_mode)) {
		copy_file(s, "/dev/kmsg", true); /* re-snapshotting a snapshot */
		return;
	}
	mkdir_parents(dst);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		return;
	for (;;) {
		ssize_t n = read(in, rec, sizeof(rec));

		if (n < 0 && errno == EPIPE)
			continue; /* overwritten records: go on with the next */
		if (n <= 0)
			break;
		if (write(out, rec, (size_t)n) != n)
			break;
	}
	s->files++;
}

static void write_manifest(struct snap *s)
{
	_cleanup_free_ char *p = xasprintf("%s/vfioctl-snapshot.json", s->stage);
	_cleanup_json_ json_t *m = json_object();
	struct utsname u;
	char date[32];
	time_t now = time(NULL);

	uname(&u);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_object_set_new(m, "format", json_integer(1));
	json_object_set_new(m, "tool", json_string("vfioctl " VERSION));
	json_object_set_new(m, "date", json_string(date));
	json_object_set_new(m, "kernel", json_string(u.release));
	json_object_set_new(m, "machine", json_string(u.machine));
	json_object_set_new(m, "root", json_boolean(geteuid() == 0));
	json_object_set_new(m, "skipped", json_incref(s->skipped));
	json_dump_file(m, p, JSON_INDENT(2));
}

static int run_tar(const char *stage, const char *out)
{
	char *argv[] = { "tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner",
			 "-C",	(char *)stage, "-czf",	    (char *)out, ".",
			 NULL };
	pid_t pid;
	int status, r;

	r = posix_spawnp(&pid, "tar", NULL, NULL, argv, environ);
	if (r != 0)
		return -r;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int rm_rf(const char *path)
{
	char *argv[] = { "rm", "-rf", "--", (char *)path, NULL };
	pid_t pid;
	int status;

	if (posix_spawnp(&pid, "rm", NULL, NULL, argv, environ) != 0)
		return -EIO;
	return waitpid(pid, &status, 0) < 0 ? -errno : 0;
}

static void snapshot_help(FILE *f)
{
	command_usage(f);
	fputs("\n"
	      "Save the sysfs/proc/dev subset vfioctl reads as a tar.gz, for bug reports and test\n"
	      "fixtures; read it back with 'vfioctl --sysroot DIR' after extracting it.\n"
	      "Run as root to include extended config space and the kernel log.\n"
	      "\n"
	      "  -o, --output FILE  write to FILE ('-' for stdout; default\n"
	      "                     vfioctl-snapshot-HOST-DATE.tar.gz)\n"
	      "  -j, --json         print a JSON summary\n"
	      "  -h, --help         show this help\n",
	      f);
}

static const struct option snapshot_longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};
const struct cmd_options snapshot_options = { "o:" COMMON_SHORTOPTS, snapshot_longopts };

int cmd_snapshot(int argc, char *argv[])
{
	struct snap s = { 0 };
	_cleanup_free_ char *out = NULL, *stage = NULL;
	_cleanup_json_ json_t *skipped = json_array();
	char tmpl[] = "/tmp/vfioctl-snapshot.XXXXXX";
	int c, r;

	while ((c = getopt_long(argc, argv, snapshot_options.shortopts, snapshot_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'o':
			free(out);
			out = xstrdup(optarg);
			break;
		default:
			r = common_option(c, argc, argv, snapshot_help);
			if (r <= 0)
				return r;
			break;
		}
	}
	if (!out) {
		struct utsname u;
		char date[32];
		time_t now = time(NULL);

		uname(&u);
		strftime(date, sizeof(date), "%Y%m%d-%H%M%S", localtime(&now));
		out = xasprintf("vfioctl-snapshot-%s-%s.tar.gz", u.nodename, date);
	}
	if (!mkdtemp(tmpl)) {
		r = -errno;
		log_error("snapshot: cannot create a staging directory: %s", strerror(-r));
		return r;
	}
	stage = xstrdup(tmpl);
	s.stage = stage;
	s.skipped = skipped;

	copy_pci(&s);
	copy_iommu_groups(&s);
	copy_class(&s, "/sys/class/net", net_attrs, ARRAY_SIZE(net_attrs), false);
	copy_class(&s, "/sys/class/block", block_attrs, ARRAY_SIZE(block_attrs), true);
	copy_class(&s, "/sys/class/iommu", iommu_attrs, ARRAY_SIZE(iommu_attrs), false);
	copy_class(&s, "/sys/class/graphics", fb_attrs, ARRAY_SIZE(fb_attrs), false);
	copy_class(&s, "/sys/class/vtconsole", vtcon_attrs, ARRAY_SIZE(vtcon_attrs), false);
	copy_modules(&s);
	for (size_t i = 0; i < ARRAY_SIZE(host_files); i++)
		copy_file(&s, host_files[i], false);
	copy_acpi_tables(&s);
	copy_dt_iommus(&s, "/sys/firmware/devicetree/base", 3);
	copy_module_index(&s);
	copy_dev_nodes(&s);
	copy_kmsg(&s);
	write_manifest(&s);

	r = run_tar(stage, streq(out, "-") ? "/dev/stdout" : out);
	rm_rf(stage);
	if (r < 0) {
		log_error("snapshot: %s: tar failed", out);
		return r;
	}
	if (geteuid() != 0)
		log_warn(
			"not root: config space past 64 bytes and the kernel log were not captured");
	if (streq(out, "-"))
		return 0;
	if (opts.json) {
		json_t *o = json_object();

		json_object_set_new(o, "snapshot", json_string(out));
		json_object_set_new(o, "files", json_integer(s.files));
		json_object_set_new(o, "links", json_integer(s.links));
		json_object_set_new(o, "root", json_boolean(geteuid() == 0));
		json_object_set_new(o, "skipped", json_incref(skipped));
		return output_json(o);
	}
	printf("%s: %u files, %u links\n", out, s.files, s.links);
	return 0;
}
