// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The scanner: one pass over /sys/bus/pci/devices (under the sysroot), plus
 * config space through libpci pointed at the same root.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <pci/pci.h>

#include "errors.h"
#include "pciids.h"
#include "sysfs.h"
#include "topo.h"
#include "util.h"

static jmp_buf pci_error_jmp;
static bool pci_error_armed;

/* libpci's default error handler calls exit(); ours reports and unwinds. */
static void __attribute__((noreturn)) pci_error_handler(char *msg, ...)
{
	va_list ap;

	fputs("vfioctl: libpci: ", stderr);
	va_start(ap, msg);
	vfprintf(stderr, msg, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (pci_error_armed)
		longjmp(pci_error_jmp, 1);
	abort();
}

static void pci_warning_handler(char *msg, ...)
{
	va_list ap;

	if (verbosity < 1)
		return;
	fputs("vfioctl: libpci: ", stderr);
	va_start(ap, msg);
	vfprintf(stderr, msg, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void pci_debug_handler(char *msg _unused_, ...)
{
}

static struct pci_access *pacc_new(void)
{
	struct pci_access *pacc = pci_alloc();
	_cleanup_free_ char *path = sysfs_resolve("/sys/bus/pci");

	pacc->error = pci_error_handler;
	pacc->warning = pci_warning_handler;
	pacc->debug = pci_debug_handler;
	pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	pci_set_param(pacc, "sysfs.path", path);
	pci_error_armed = true;
	if (setjmp(pci_error_jmp)) {
		pci_error_armed = false;
		return NULL; /* leaks pacc: libpci state is unknown after an error */
	}
	pci_init(pacc);
	pci_error_armed = false;
	return pacc;
}

int pci_addr_parse(const char *s, char out[16], bool *is_short)
{
	unsigned domain = 0, bus, slot, func;
	const char *p = s;
	size_t ndom = 0;

	/* Strict: [DDDD[D]:]BB:SS.F, hex digits only, slot <= 0x1f, func <= 7. */
	for (const char *q = s; *q && *q != ':'; q++)
		ndom++;
	if (strlen(s) > 13)
		return -EINVAL;
	for (const char *q = s; *q; q++)
		if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.')
			return -EINVAL;
	if (strchr(s, ':') != strrchr(s, ':')) {
		if (ndom < 4 || ndom > 5)
			return -EINVAL;
		domain = (unsigned)strtoul(p, NULL, 16);
		p += ndom + 1;
		if (is_short)
			*is_short = false;
	} else if (is_short) {
		*is_short = true;
	}
	if (strlen(p) != 7 || p[2] != ':' || p[5] != '.')
		return -EINVAL;
	bus = (unsigned)strtoul(p, NULL, 16);
	slot = (unsigned)strtoul(p + 3, NULL, 16);
	if (!isxdigit((unsigned char)p[6]) || p[6] > '7')
		return -EINVAL;
	func = (unsigned)(p[6] - '0');
	if (slot > 0x1f)
		return -EINVAL;
	snprintf(out, 16, "%04x:%02x:%02x.%x", domain, bus, slot, func);
	return 0;
}

bool ifname_valid(const char *s)
{
	size_t len = strlen(s);

	/* dev_valid_name() in net/core/dev.c, plus no ':' (alias syntax). */
	if (len == 0 || len >= 16 || streq(s, ".") || streq(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s) ||
		    !isprint((unsigned char)*s))
			return false;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool hex_field(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++) {
		int h = hexval(s[i]);

		if (h < 0)
			return false;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return true;
}

/*
 * Exactly the names pci_addr_parse() normalises to ("%04x:%02x:%02x.%x"),
 * without its copies and sscanf: run for every entry of the bus.
 */
static bool parse_canonical(const char *s, unsigned *dom, unsigned *bus, unsigned *slot,
			    unsigned *func)
{
	size_t nd = strlen(s) == 13 ? 5 : 4;

	if (strlen(s) != nd + 8 || (nd == 5 && s[0] == '0'))
		return false;
	if (s[nd] != ':' || s[nd + 3] != ':' || s[nd + 6] != '.')
		return false;
	if (!hex_field(s, nd, dom) || !hex_field(s + nd + 1, 2, bus) ||
	    !hex_field(s + nd + 4, 2, slot) || !hex_field(s + nd + 7, 1, func))
		return false;
	return *slot <= 0x1f && *func <= 7;
}

int topo_dev_cmp(const void *a, const void *b)
{
	const struct topo_dev *x = a, *y = b;

	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	if (x->bus != y->bus)
		return x->bus < y->bus ? -1 : 1;
	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	return (int)x->func - (int)y->func;
}

struct topo_dev *topo_find(const struct topo *t, const char *addr)
{
	struct topo_dev key = { 0 };
	unsigned d, b, s, f;

	if (!parse_canonical(addr, &d, &b, &s, &f) &&
	    sscanf(addr, "%x:%x:%x.%x", &d, &b, &s, &f) != 4)
		return NULL;
	key.domain = d;
	key.bus = b;
	key.slot = s;
	key.func = f;
	return bsearch(&key, t->devs, t->n, sizeof(key), topo_dev_cmp);
}

static long read_hex_at(int dfd, const char *name, long fallback)
{
	long v;

	return sysfs_read_long_at(dfd, name, 16, &v) < 0 ? fallback : v;
}

static long read_dec_at(int dfd, const char *name, long fallback)
{
	long v;

	return sysfs_read_long_at(dfd, name, 10, &v) < 0 ? fallback : v;
}

/* "KEY=XXXX:YYYY" (hex, as the kernel prints PCI_ID and PCI_SUBSYS_ID) */
static bool uevent_pair(const char *line, const char *key, unsigned *a, unsigned *b)
{
	char *end;

	if (!startswith(line, key))
		return false;
	line += strlen(key);
	*a = (unsigned)strtoul(line, &end, 16);
	if (end == line || *end != ':')
		return false;
	line = end + 1;
	*b = (unsigned)strtoul(line, &end, 16);
	return end != line;
}

/*
 * Live sysfs: the uevent attribute carries the driver, class, IDs and
 * modalias in one read, where separate attributes cost an open, a read and a
 * close each (the bulk of `list` at ~1000 devices). Snapshots have no uevent
 * (and a partial one falls back): false means read the attributes one by one.
 */
static bool read_uevent(struct topo_dev *d, int dfd)
{
	_cleanup_close_ int fd = openat(dfd, "uevent", O_RDONLY | O_CLOEXEC);
	char buf[1024], *save = NULL;
	unsigned have = 0;
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0 || n == (ssize_t)sizeof(buf) - 1)
		return false;
	buf[n] = '\0';
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned a, b;

		if (startswith(line, "DRIVER=") && line[7]) {
			free(d->driver);
			d->driver = xstrdup(line + 7);
		} else if (startswith(line, "MODALIAS=")) {
			free(d->modalias);
			d->modalias = xstrdup(line + 9);
		} else if (startswith(line, "PCI_CLASS=")) {
			d->class = (uint32_t)strtoul(line + 10, NULL, 16) & 0xffffff;
			have |= 1;
		} else if (uevent_pair(line, "PCI_ID=", &a, &b)) {
			d->vendor = (uint16_t)a;
			d->device = (uint16_t)b;
			have |= 2;
		} else if (uevent_pair(line, "PCI_SUBSYS_ID=", &a, &b)) {
			d->subsys_vendor = (uint16_t)a;
			d->subsys_device = (uint16_t)b;
			have |= 4;
		}
	}
	if (have == 7)
		return true;
	free(d->driver);
	free(d->modalias);
	d->driver = d->modalias = NULL;
	return false;
}

/*
 * An ID attribute as the kernel prints it ("0x8086"): hex, at most max. false
 * when it is missing, empty, garbled or too large: the caller marks it unknown.
 */
static bool read_id_at(int dfd, const char *name, unsigned long max, unsigned long *out)
{
	_cleanup_free_ char *s = NULL;
	const char *p;
	char *end;

	if (sysfs_read_at(dfd, name, &s) < 0)
		return false;
	p = startswith(s, "0x") ? s + 2 : s;
	if (!*p || strlen(p) > 8 || !isxdigit((unsigned char)*p))
		return false;
	*out = strtoul(p, &end, 16);
	return !*end && *out <= max;
}

static void read_ids(struct topo_dev *d, int dfd)
{
	static const struct {
		const char *name;
		unsigned long max;
		unsigned flag;
	} ids[] = {
		{ "vendor", 0xffff, TOPO_UNKNOWN_VENDOR },
		{ "device", 0xffff, TOPO_UNKNOWN_DEVICE },
		{ "subsystem_vendor", 0xffff, TOPO_UNKNOWN_SUBSYS_VENDOR },
		{ "subsystem_device", 0xffff, TOPO_UNKNOWN_SUBSYS_DEVICE },
		{ "class", 0xffffff, TOPO_UNKNOWN_CLASS },
	};
	unsigned long v[ARRAY_SIZE(ids)];

	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		if (!read_id_at(dfd, ids[i].name, ids[i].max, &v[i])) {
			d->unknown |= ids[i].flag;
			v[i] = 0;
		}
	/* 0xffff is no vendor's: no quirk or name matches an unknown one */
	d->vendor = d->unknown & TOPO_UNKNOWN_VENDOR ? 0xffff : (uint16_t)v[0];
	d->device = d->unknown & TOPO_UNKNOWN_DEVICE ? 0xffff : (uint16_t)v[1];
	d->subsys_vendor = (uint16_t)v[2];
	d->subsys_device = (uint16_t)v[3];
	d->class = (uint32_t)v[4];
}

/* A count attribute: -1 if absent; -1 and the unknown flag if present but garbled. */
static int read_count_at(struct topo_dev *d, int dfd, const char *name, unsigned flag)
{
	long v;
	int r = sysfs_read_long_at(dfd, name, 10, &v);

	if (r == 0 && v >= 0 && v <= 0xffff)
		return (int)v;
	if (r != -ENOENT)
		d->unknown |= flag;
	return -1;
}

static void read_sysfs_attrs(struct topo_dev *d, int dfd, unsigned flags)
{
	char *s = NULL;

	if (!read_uevent(d, dfd)) {
		read_ids(d, dfd);
		if (sysfs_link_name_at(dfd, "driver", &s) == 0)
			d->driver = s;
		if (sysfs_read_at(dfd, "modalias", &s) == 0)
			d->modalias = s;
	}
	d->revision = flags & TOPO_SCAN_BATCH ? -1 : (int)read_hex_at(dfd, "revision", -1);
	d->numa_node = flags & TOPO_SCAN_BATCH ? -1 : (int)read_dec_at(dfd, "numa_node", -1);
	/* the kernel has boot_vga only for VGA-class devices (pci_dev_attrs_are_visible) */
	d->boot_vga = flags & TOPO_SCAN_BRIEF || (d->class >> 8) != 0x0300
			      ? -1
			      : (int)read_dec_at(dfd, "boot_vga", -1);
	if (sysfs_read_at(dfd, "driver_override", &s) == 0) {
		if (streq(s, "(null)") || !*s)
			free(s);
		else
			d->driver_override = s;
	}
	/* topo_scan_for() knows the groups of what it selected */
	if (d->iommu_group < 0 && sysfs_link_name_at(dfd, "iommu_group", &s) == 0) {
		int id;

		if (parse_group_id(s, &id))
			d->iommu_group = id;
		free(s);
	}
	if (!(flags & (TOPO_SCAN_BRIEF | TOPO_SCAN_BATCH)) &&
	    sysfs_read_at(dfd, "reset_method", &s) == 0)
		d->reset_method = s;

	/* a VF (linked by its PF, scanned before it) has no SR-IOV capability */
	if (__atomic_load_n(&d->physfn, __ATOMIC_RELAXED))
		return;
	/* only a driver enables VFs: a driverless PF has none for a batch to mind */
	if ((flags & TOPO_SCAN_BATCH) && !d->driver)
		return;
	d->sriov_totalvfs = read_count_at(d, dfd, "sriov_totalvfs", TOPO_UNKNOWN_SRIOV_TOTALVFS);
	/* present, even if garbled: a PF whose VF count is unknown */
	if (d->sriov_totalvfs >= 0 || (d->unknown & TOPO_UNKNOWN_SRIOV_TOTALVFS)) {
		d->sriov_pf = true;
		d->sriov_numvfs = read_count_at(d, dfd, "sriov_numvfs", TOPO_UNKNOWN_SRIOV_NUMVFS);
		d->sriov_autoprobe = (int)read_dec_at(dfd, "sriov_drivers_autoprobe", -1);
	}
}

/* ".../devices/pci0000:00/0000:00:1c.0/0000:01:00.0" -> root bus and parent. */
static void parse_device_path(struct topo *t, struct topo_dev *d, const char *target)
{
	const char *p = strstr(target, "devices/");
	_cleanup_free_ char *copy = NULL;
	char *save = NULL, *tok, *prev_pci = NULL;

	if (!p)
		return;
	d->sysfs_path = xasprintf("/sys/%s", p);
	copy = xstrdup(p + strlen("devices/"));
	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		char norm[16];

		if (startswith(tok, "pci") && !d->root_bus && strchr(tok, ':'))
			d->root_bus = xstrdup(tok);
		if (streq(tok, d->addr))
			break;
		if (pci_addr_parse(tok, norm, NULL) == 0 && streq(norm, tok))
			prev_pci = tok;
	}
	if (prev_pci)
		d->parent = topo_find(t, prev_pci);
}

static void read_config(struct topo *t, struct topo_dev *d)
{
	struct pci_access *pacc = t->pacc;
	struct pci_dev *pd;
	struct pci_cap *cap;
	uint8_t probe[4];

	d->header_type = -1;
	d->secondary_bus = d->subordinate_bus = -1;
	d->pcie_type = PCIE_NONE;
	if (!pacc)
		return;
	pd = pci_get_dev(pacc, (int)d->domain, (int)d->bus, (int)d->slot, (int)d->func);
	if (!pd)
		return;
	d->pcidev = pd;
	if (!pci_read_block(pd, 0, probe, 4))
		return;
	d->cfg_read = true;
	d->cfg_size = 64;
	d->header_type = pci_read_byte(pd, PCI_HEADER_TYPE) & 0x7f;
	d->multifunction = pci_read_byte(pd, PCI_HEADER_TYPE) & 0x80;
	if (d->header_type == PCI_HEADER_TYPE_BRIDGE) {
		d->secondary_bus = pci_read_byte(pd, PCI_SECONDARY_BUS);
		d->subordinate_bus = pci_read_byte(pd, PCI_SUBORDINATE_BUS);
	}
	/* Without CAP_SYS_ADMIN the kernel returns only the first 64 bytes. */
	if (!pci_read_block(pd, 64, probe, 4))
		return;
	d->cfg_size = 256;
	cap = pci_find_cap(pd, PCI_CAP_ID_EXP, PCI_CAP_NORMAL);
	if (cap) {
		d->pcie_cap = (int)cap->addr;
		d->pcie_type =
			(pci_read_word(pd, cap->addr + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_TYPE) >> 4;
	}
	if (d->pcie_cap && pci_read_block(pd, 0x100, probe, 4)) {
		d->cfg_extended = true;
		d->cfg_size = 4096;
	}
	if (!d->cfg_extended)
		return;
	cap = pci_find_cap(pd, PCI_EXT_CAP_ID_ACS, PCI_CAP_EXTENDED);
	if (cap) {
		d->acs_cap_offset = (int)cap->addr;
		d->acs_cap = pci_read_word(pd, cap->addr + PCI_ACS_CAP);
		d->acs_ctrl = pci_read_word(pd, cap->addr + PCI_ACS_CTRL);
	}
	cap = pci_find_cap(pd, PCI_EXT_CAP_ID_SRIOV, PCI_CAP_EXTENDED);
	if (cap)
		d->sriov_cap_offset = (int)cap->addr;
	cap = pci_find_cap(pd, PCI_EXT_CAP_ID_ARI, PCI_CAP_EXTENDED);
	if (cap)
		d->ari_cap_offset = (int)cap->addr;
}

/* The last PCI address in a sysfs path: the device an interface or disk sits under. */
static bool link_owner(const char *target, char out[16])
{
	_cleanup_free_ char *copy = xstrdup(target);
	char *save = NULL, *tok;
	bool found = false;

	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		char norm[16];

		if (pci_addr_parse(tok, norm, NULL) == 0 && streq(norm, tok)) {
			memcpy(out, norm, 16);
			found = true;
		}
	}
	return found;
}

/* Map class/net/X and class/block/X links to the PCI device they sit under. */
static void scan_class_links(struct topo *t, const char *class_dir, bool block)
{
	_cleanup_closedir_ DIR *dir = sysfs_opendir(class_dir);
	struct dirent *de;
	int dfd;

	if (!dir)
		return;
	dfd = dirfd(dir);
	while ((de = readdir(dir))) {
		_cleanup_free_ char *target = NULL;
		struct topo_dev *owner;
		char addr[16];

		if (de->d_name[0] == '.')
			continue;
		if (sysfs_readlink_at(dfd, de->d_name, &target) < 0)
			continue;
		if (block) {
			_cleanup_free_ char *part = xasprintf("%s/partition", de->d_name);

			if (sysfs_exists_at(dfd, part))
				continue;
		}
		/* not scanned (a partial scan): not ours to report */
		if (!link_owner(target, addr) || !(owner = topo_find(t, addr)))
			continue;
		if (block)
			strv_push(&owner->blockdevs, &owner->n_blockdevs, de->d_name);
		else
			strv_push(&owner->netdevs, &owner->n_netdevs, de->d_name);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* pf_dfd: the PF's directory; its virtfnN links name the VFs. */
static void link_vfs(struct topo *t, struct topo_dev *pf, int pf_dfd)
{
	for (int i = 0; pf->sriov_numvfs > 0 && i < pf->sriov_numvfs; i++) {
		char name[32];
		_cleanup_free_ char *vf = NULL;
		struct topo_dev *d;

		snprintf(name, sizeof(name), "virtfn%d", i);
		if (sysfs_link_name_at(pf_dfd, name, &vf) < 0)
			continue;
		d = topo_find(t, vf);
		if (d) {
			__atomic_store_n(&d->physfn, pf, __ATOMIC_RELAXED); /* scan_worker() */
			d->vf_index = i;
		}
	}
}

char *topo_read_vfio_cdev(int dfd)
{
	int fd = openat(dfd, "vfio-dev", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *dir = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;

	if (fd >= 0 && !dir)
		close(fd);
	while (dir && (de = readdir(dir))) {
		_cleanup_free_ char *dev = xasprintf("%s/dev", de->d_name);
		int id;

		/* a vfio-dev/vfioN without "dev": the kernel has no cdev (6.2-6.5, or off) */
		if (startswith(de->d_name, "vfio") && parse_group_id(de->d_name + 4, &id) &&
		    faccessat(dirfd(dir), dev, F_OK, 0) == 0)
			return xstrdup(de->d_name);
	}
	return NULL;
}

/* Every device's address from one readdir, sorted; no attribute read yet. */
static int list_addrs(DIR *dir, struct topo *t)
{
	struct dirent *de;
	size_t cap = 0;

	while ((de = readdir(dir))) {
		struct topo_dev *d;
		unsigned dom, bus, slot, func;

		if (de->d_name[0] == '.' || !parse_canonical(de->d_name, &dom, &bus, &slot, &func))
			continue;
		if (t->n == cap) {
			cap = cap ? cap * 2 : 64;
			t->devs = xrealloc(t->devs, cap * sizeof(*t->devs));
		}
		d = &t->devs[t->n++];
		memset(d, 0, sizeof(*d));
		memcpy(d->addr, de->d_name, strlen(de->d_name) + 1); /* <= 13 chars: checked */
		d->domain = dom;
		d->bus = bus;
		d->slot = slot;
		d->func = func;
		d->vf_index = -1;
		/* unknown until read: a device that vanishes keeps these */
		d->iommu_group = d->revision = d->numa_node = d->boot_vga = -1;
		d->sriov_totalvfs = d->sriov_numvfs = d->sriov_autoprobe = -1;
		d->header_type = d->secondary_bus = d->subordinate_bus = d->pcie_type = -1;
	}
	qsort(t->devs, t->n, sizeof(*t->devs), topo_dev_cmp);
	return 0;
}

/* Header type only (one byte of config space): enough for topo_is_bridge(). */
static void read_header(struct topo_dev *d, int dfd)
{
	_cleanup_close_ int fd = openat(dfd, "config", O_RDONLY | O_CLOEXEC);
	uint8_t ht;

	if (fd < 0 || pread(fd, &ht, 1, PCI_HEADER_TYPE) != 1)
		return;
	d->cfg_read = true;
	d->cfg_size = 64;
	d->header_type = ht & 0x7f;
	d->multifunction = ht & 0x80;
}

/*
 * A batch reads the header type only to tell bridges: pci_setup_device()
 * keeps a type 1 or 2 header only with class 0x0604 or 0x0607 (else class 0),
 * so a device of another base class has a type 0 header (make bench: three
 * system calls less per VF).
 */
static bool header_needed(const struct topo_dev *d, unsigned flags)
{
	unsigned base = d->class >> 16;

	if (!(flags & TOPO_SCAN_BATCH) || (d->unknown & TOPO_UNKNOWN_CLASS))
		return true;
	return base == 0x06 || base == 0x00 || base == 0xff;
}

/*
 * Where a batch reads the sysfs path (and parent): a VGA device's resources
 * (bootvga.c) and a VFIO device's vfio-dev (inuse.c). One link read less per
 * other device.
 */
static bool path_needed(const struct topo_dev *d, unsigned flags)
{
	if (!(flags & TOPO_SCAN_BATCH) || (d->unknown & TOPO_UNKNOWN_CLASS))
		return true;
	return (d->class >> 16) == 0x03 || (d->driver && startswith(d->driver, "vfio"));
}

/* One device's attributes, links and (with TOPO_SCAN_HEADER) header type. */
static void scan_one(struct topo *t, DIR *dir, struct topo_dev *d, unsigned flags)
{
	_cleanup_free_ char *target = NULL;
	/* O_PATH: only a base for the *at() calls, nothing for sysfs to open */
	_cleanup_close_ int dfd = openat(dirfd(dir), d->addr, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0) {
		/* listed, but its directory is gone (hot-unplug, or a dangling link) */
		d->removed = errno == ENOENT || errno == ENOTDIR;
		return;
	}
	read_sysfs_attrs(d, dfd, flags);
	/* reads that failed because the device left the bus meanwhile */
	if ((d->unknown & (TOPO_UNKNOWN_VENDOR | TOPO_UNKNOWN_CLASS)) &&
	    faccessat(dirfd(dir), d->addr, F_OK, 0) < 0) {
		d->removed = true;
		return;
	}
	/* VFs sort after their PF (a higher routing ID): link them before they come */
	if (d->sriov_pf)
		link_vfs(t, d, dfd);
	/* a batch needs the device's place only for what it checks there */
	if (path_needed(d, flags) && sysfs_readlink_at(dirfd(dir), d->addr, &target) == 0)
		parse_device_path(t, d, target);
	d->header_type = d->secondary_bus = d->subordinate_bus = d->pcie_type = -1;
	/* one more directory read, only for devices VFIO has */
	if (d->driver && startswith(d->driver, "vfio")) {
		_cleanup_free_ char *name = NULL;

		d->vfio_cdev = topo_read_vfio_cdev(dfd);
		/* vfio_noiommu_group_alloc() names its fake groups so */
		d->vfio_noiommu = sysfs_read_at(dfd, "iommu_group/name", &name) == 0 &&
				  streq(name, "vfio-noiommu");
	}
	if (!(flags & TOPO_SCAN_CONFIG) && (flags & TOPO_SCAN_HEADER) && header_needed(d, flags))
		read_header(d, dfd);
}

/*
 * Reading sysfs is kernel CPU time, device after device: on a big host
 * (make bench: 1039 devices) threads share it out in blocks of devices.
 * Each thread writes only the devices of its blocks, except a PF linking
 * its VFs (physfn, vf_index: fields no other thread writes). A VF whose PF
 * was not linked yet probes for sriov_totalvfs, which a VF does not have:
 * the same answer, one failed open more.
 */
#define SCAN_BLOCK 32
#define SCAN_THREADS_MAX 8

struct scan_ctx {
	struct topo *t;
	DIR *dir;
	unsigned flags;
	atomic_size_t next;
};

static void *scan_worker(void *arg)
{
	struct scan_ctx *c = arg;
	size_t b;

	while ((b = atomic_fetch_add(&c->next, 1)) * SCAN_BLOCK < c->t->n)
		for (size_t i = b * SCAN_BLOCK; i < c->t->n && i < (b + 1) * SCAN_BLOCK; i++)
			scan_one(c->t, c->dir, &c->t->devs[i], c->flags);
	return NULL;
}

static size_t scan_threads(size_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 4 * SCAN_BLOCK || cpus < 2)
		return 1;
	return cpus < SCAN_THREADS_MAX ? (size_t)cpus : SCAN_THREADS_MAX;
}

/* Run worker(ctx) on this thread and on scan_threads(n) - 1 more; return when all are done. */
static void run_workers(size_t n, void *(*worker)(void *), void *ctx)
{
	size_t nthreads = scan_threads(n), started = 0;
	pthread_t threads[SCAN_THREADS_MAX];

	for (size_t i = 1; i < nthreads; i++)
		if (pthread_create(&threads[started], NULL, worker, ctx) == 0)
			started++;
	worker(ctx);
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
}

static void dev_clear(struct topo_dev *d)
{
	free(d->driver);
	free(d->driver_override);
	free(d->root_bus);
	free(d->sysfs_path);
	free(d->reset_method);
	free(d->modalias);
	free(d->vfio_cdev);
	strv_free(d->netdevs);
	strv_free(d->blockdevs);
	free(d->vendor_name);
	free(d->device_name);
	free(d->class_name);
	if (d->pcidev)
		pci_free_dev(d->pcidev);
}

/*
 * A device that left the bus while it was read is not on it: keeping it
 * would show made-up values (no group read is not group 0). The parent and
 * physfn pointers into the array follow the move.
 */
static void drop_removed(struct topo *t)
{
	_cleanup_free_ size_t *to = NULL;
	size_t n = 0, gone = 0;

	for (size_t i = 0; i < t->n; i++)
		gone += t->devs[i].removed;
	if (!gone)
		return;
	to = xcalloc(t->n, sizeof(*to));
	for (size_t i = 0; i < t->n; i++) {
		to[i] = n;
		if (t->devs[i].removed)
			log_warn("%s: removed while being read: not listed", t->devs[i].addr);
		else
			n++;
	}
	for (size_t i = 0; i < t->n; i++) {
		struct topo_dev *d = &t->devs[i];

		if (d->removed) {
			dev_clear(d);
			continue;
		}
		if (d->parent)
			d->parent = d->parent->removed ? NULL : &t->devs[to[d->parent - t->devs]];
		if (d->physfn)
			d->physfn = d->physfn->removed ? NULL : &t->devs[to[d->physfn - t->devs]];
	}
	for (size_t i = 0; i < t->n; i++)
		if (!t->devs[i].removed)
			t->devs[to[i]] = t->devs[i];
	t->n = n;
}

/* One warning per device that has attributes it could not read. */
static void warn_unknown(const struct topo *t)
{
	static const char *const names[] = { "vendor",		 "device", "subsystem_vendor",
					     "subsystem_device", "class",  "sriov_totalvfs",
					     "sriov_numvfs" };

	for (size_t i = 0; i < t->n; i++) {
		char buf[160] = "";

		if (!t->devs[i].unknown)
			continue;
		for (size_t b = 0; b < ARRAY_SIZE(names); b++)
			if (t->devs[i].unknown & (1u << b)) {
				strcat(buf, *buf ? ", " : "");
				strcat(buf, names[b]);
			}
		log_warn("%s: could not read %s: shown as unknown", t->devs[i].addr, buf);
	}
}

/* Read the attributes of the devices listed in t (all of the bus, or a selection). */
static void scan_devices(struct topo *t, DIR *dir, unsigned flags)
{
	struct scan_ctx ctx = { .t = t, .dir = dir, .flags = flags };

	run_workers(t->n, scan_worker, &ctx);
	drop_removed(t);
	warn_unknown(t);

	/* libpci keeps per-access state: config space is read from one thread */
	if (flags & TOPO_SCAN_CONFIG) {
		t->pacc = pacc_new();
		for (size_t i = 0; i < t->n; i++)
			read_config(t, &t->devs[i]);
	}
	t->have_config = t->pacc != NULL;
	if (flags & TOPO_SCAN_LINKS) {
		scan_class_links(t, "/sys/class/net", false);
		scan_class_links(t, "/sys/class/block", true);
		for (size_t i = 0; i < t->n; i++) {
			struct topo_dev *d = &t->devs[i];

			if (d->n_netdevs > 1)
				qsort(d->netdevs, d->n_netdevs, sizeof(char *), cmp_str);
			if (d->n_blockdevs > 1)
				qsort(d->blockdevs, d->n_blockdevs, sizeof(char *), cmp_str);
		}
	}
}

int topo_scan(struct topo **out, unsigned flags)
{
	_cleanup_closedir_ DIR *dir = sysfs_opendir("/sys/bus/pci/devices");
	struct topo *t;

	if (!dir)
		return -errno;
	t = xcalloc(1, sizeof(*t));
	list_addrs(dir, t);
	scan_devices(t, dir, flags);
	*out = t;
	return 0;
}

/* Keep what a DEVICE argument may resolve to (topo_resolve() decides later). */
static void select_arg(const struct topo *t, bool *keep, const char *arg)
{
	char norm[16];
	bool is_short;

	if (pci_addr_parse(arg, norm, &is_short) == 0) {
		unsigned dom, b, s, f;
		const struct topo_dev *d;

		if (!is_short) {
			/* sorted by address: no pass over the bus per argument */
			if ((d = topo_find(t, norm)))
				keep[d - t->devs] = true;
			return;
		}
		sscanf(norm, "%x:%x:%x.%x", &dom, &b, &s, &f);
		/* a short address keeps every domain's match: ambiguity stays visible */
		for (size_t i = 0; i < t->n; i++)
			if (t->devs[i].bus == b && t->devs[i].slot == s && t->devs[i].func == f)
				keep[i] = true;
		return;
	}
	if (ifname_valid(arg)) {
		_cleanup_free_ char *path = xasprintf("/sys/class/net/%s", arg);
		_cleanup_free_ char *dev = xasprintf("%s/device", path);
		_cleanup_free_ char *p = sysfs_resolve(path), *target = NULL, *addr = NULL;
		const struct topo_dev *d = NULL;
		char owner[16];

		/* the same two ways topo_resolve() finds an interface's device */
		if (sysfs_readlink_at(AT_FDCWD, p, &target) == 0 && link_owner(target, owner))
			d = topo_find(t, owner);
		if (d)
			keep[d - t->devs] = true;
		if (sysfs_link_name(dev, &addr) == 0 && (d = topo_find(t, addr)))
			keep[d - t->devs] = true;
	}
}

static int group_of(DIR *dir, const char *addr)
{
	_cleanup_free_ char *link = xasprintf("%s/iommu_group", addr), *s = NULL;
	int id;

	if (sysfs_link_name_at(dirfd(dir), link, &s) < 0)
		return -1;
	return parse_group_id(s, &id) ? id : -1;
}

/*
 * The IOMMU group of one named device and the names its group lists, read in
 * scan threads like the attributes (make bench: 338 VFs named at 1040 devices).
 */
struct group_job {
	const char *addr;
	int group;
	bool listed; /* false: no group directory */
	char **members;
	size_t n_members;
};

struct group_ctx {
	DIR *bus;
	struct group_job *jobs;
	size_t n;
	atomic_size_t next;
};

static void read_group(DIR *bus, struct group_job *j)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;

	j->group = group_of(bus, j->addr);
	if (j->group < 0)
		return;
	path = xasprintf("/sys/kernel/iommu_groups/%d/devices", j->group);
	dir = sysfs_opendir(path);
	if (!dir)
		return;
	j->listed = true;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			strv_push(&j->members, &j->n_members, de->d_name);
}

static void *group_worker(void *arg)
{
	struct group_ctx *c = arg;
	size_t b;

	while ((b = atomic_fetch_add(&c->next, 1)) * SCAN_BLOCK < c->n)
		for (size_t i = b * SCAN_BLOCK; i < c->n && i < (b + 1) * SCAN_BLOCK; i++)
			read_group(c->bus, &c->jobs[i]);
	return NULL;
}

static void read_groups(DIR *bus, struct group_job *jobs, size_t n)
{
	struct group_ctx ctx = { .bus = bus, .jobs = jobs, .n = n };

	run_workers(n, group_worker, &ctx);
}

/* Keep every member of job j's group: the group's own device list. */
static void select_group(struct topo *t, DIR *bus, bool *keep, const struct group_job *j)
{
	if (!j->listed) {
		/* no group directory: compare every device's group link */
		for (size_t i = 0; i < t->n; i++)
			if (!keep[i] && group_of(bus, t->devs[i].addr) == j->group) {
				keep[i] = true;
				t->devs[i].iommu_group = j->group;
			}
		return;
	}
	for (size_t m = 0; m < j->n_members; m++) {
		struct topo_dev *d = topo_find(t, j->members[m]);

		if (d) {
			keep[d - t->devs] = true;
			d->iommu_group = j->group; /* scan_one() need not read it again */
		}
	}
}

int topo_scan_for(struct topo **out, unsigned flags, char *const args[], size_t nargs)
{
	_cleanup_closedir_ DIR *dir = sysfs_opendir("/sys/bus/pci/devices");
	_cleanup_free_ bool *keep = NULL, *named = NULL;
	_cleanup_free_ struct group_job *jobs = NULL;
	struct topo *t;
	size_t n = 0, njobs = 0;

	if (!dir)
		return -errno;
	t = xcalloc(1, sizeof(*t));
	list_addrs(dir, t);
	keep = xcalloc(t->n + 1, sizeof(bool));
	named = xcalloc(t->n + 1, sizeof(bool));
	for (size_t i = 0; i < nargs; i++)
		select_arg(t, named, args[i]);
	jobs = xcalloc(t->n + 1, sizeof(*jobs));
	for (size_t i = 0; i < t->n; i++)
		if (named[i]) {
			keep[i] = true;
			jobs[njobs++].addr = t->devs[i].addr;
		}
	read_groups(dir, jobs, njobs);
	for (size_t i = 0; i < njobs; i++) {
		struct group_job *j = &jobs[i];
		const struct topo_dev *d = topo_find(t, j->addr);

		/* select_group() sets the group of what it kept: a group named twice is kept */
		if (j->group >= 0 && d && d->iommu_group != j->group)
			select_group(t, dir, keep, j);
		strv_free(j->members);
	}
	for (size_t i = 0; i < t->n; i++)
		if (keep[i])
			t->devs[n++] = t->devs[i];
	t->n = n;
	scan_devices(t, dir, flags);
	*out = t;
	return 0;
}

void topo_free(struct topo *t)
{
	for (size_t i = 0; i < t->n; i++)
		dev_clear(&t->devs[i]);
	free(t->devs);
	if (t->pacc)
		pci_cleanup(t->pacc);
	free(t);
}

int topo_resolve(const struct topo *t, const char *arg, struct topo_dev **out)
{
	char norm[16];
	bool is_short;

	if (pci_addr_parse(arg, norm, &is_short) == 0) {
		struct topo_dev *found = NULL;

		if (!is_short) {
			found = topo_find(t, norm);
		} else {
			unsigned b, s, f;

			sscanf(norm + 5, "%x:%x.%x", &b, &s, &f);
			for (size_t i = 0; i < t->n; i++) {
				struct topo_dev *d = &t->devs[i];

				if (d->bus != b || d->slot != s || d->func != f)
					continue;
				if (found)
					return -ENOTUNIQ;
				found = d;
			}
		}
		if (!found)
			return -ENODEV;
		*out = found;
		return 0;
	}
	if (!ifname_valid(arg))
		return -EINVAL;
	for (size_t i = 0; i < t->n; i++)
		for (size_t j = 0; j < t->devs[i].n_netdevs; j++)
			if (streq(t->devs[i].netdevs[j], arg)) {
				*out = &t->devs[i];
				return 0;
			}
	/* Interfaces were not scanned: ask sysfs directly (name validated above). */
	{
		_cleanup_free_ char *path = xasprintf("/sys/class/net/%s/device", arg);
		_cleanup_free_ char *addr = NULL;
		struct topo_dev *d;

		if (sysfs_link_name(path, &addr) < 0)
			return -ENODEV;
		d = topo_find(t, addr);
		if (!d)
			return -ENODEV;
		*out = d;
		return 0;
	}
}

/* Every keyword topo_class_keyword() returns, in its table's order. */
static const char *const class_keywords[] = {
	"other",     "storage",	  "net",    "display",	"multimedia",
	"memory",    "bridge",	  "comm",   "system",	"input",
	"docking",   "processor", "serial", "wireless", "intelligent",
	"satellite", "crypto",	  "signal", "accel",	"instrumentation",
	"usb",
};

const char *topo_class_keyword(uint32_t class)
{
	unsigned base = class >> 16;

	if ((class >> 8) == 0x0c03)
		return "usb";
	/* the table's first 0x14 entries are the base classes 0x00-0x13 */
	if (base <= 0x13)
		return class_keywords[base];
	return "other";
}

const char *topo_dev_class_keyword(const struct topo_dev *d)
{
	return d->unknown & TOPO_UNKNOWN_CLASS ? NULL : topo_class_keyword(d->class);
}

bool topo_class_keyword_valid(const char *kw)
{
	for (size_t i = 0; i < ARRAY_SIZE(class_keywords); i++)
		if (streq(kw, class_keywords[i]))
			return true;
	return false;
}

const char *topo_class_keywords(void)
{
	static char buf[256];

	if (!*buf)
		for (size_t i = 0; i < ARRAY_SIZE(class_keywords); i++) {
			strcat(buf, i ? ", " : "");
			strcat(buf, class_keywords[i]);
		}
	return buf;
}

const char *topo_ids_text(const struct topo_dev *d, char *buf, size_t len)
{
	char v[8] = "-", dv[8] = "-";

	if (!(d->unknown & TOPO_UNKNOWN_VENDOR))
		snprintf(v, sizeof(v), "%04x", d->vendor);
	if (!(d->unknown & TOPO_UNKNOWN_DEVICE))
		snprintf(dv, sizeof(dv), "%04x", d->device);
	snprintf(buf, len, "%s:%s", v, dv);
	return buf;
}

bool topo_is_bridge(const struct topo_dev *d)
{
	if (d->header_type == 1 || d->header_type == 2)
		return true;
	/* PCI-to-PCI and CardBus bridges by class when config was not read. */
	return (d->class >> 8) == 0x0604 || (d->class >> 8) == 0x0607;
}

bool topo_acs_known(const struct topo_dev *d)
{
	return d->cfg_extended || d->cfg_size == 256;
}

const char *pcie_type_name(int type)
{
	switch (type) {
	case PCIE_ENDPOINT:
		return "endpoint";
	case PCIE_LEGACY_ENDPOINT:
		return "legacy endpoint";
	case PCIE_ROOT_PORT:
		return "root port";
	case PCIE_UPSTREAM:
		return "upstream port";
	case PCIE_DOWNSTREAM:
		return "downstream port";
	case PCIE_PCIE_TO_PCI:
		return "PCIe-to-PCI bridge";
	case PCIE_PCI_TO_PCIE:
		return "PCI-to-PCIe bridge";
	case PCIE_RC_ENDPOINT:
		return "root complex integrated endpoint";
	case PCIE_RC_EVENT_COLLECTOR:
		return "root complex event collector";
	default:
		return NULL;
	}
}

void acs_bits_format(uint16_t bits, char *buf, size_t len)
{
	snprintf(buf, len, "SV%c TB%c RR%c CR%c UF%c EC%c DT%c", bits & ACS_SV ? '+' : '-',
		 bits & ACS_TB ? '+' : '-', bits & ACS_RR ? '+' : '-', bits & ACS_CR ? '+' : '-',
		 bits & ACS_UF ? '+' : '-', bits & ACS_EC ? '+' : '-', bits & ACS_DT ? '+' : '-');
}

static struct pci_access *names_pacc(struct topo *t)
{
	static struct pci_access *names_only;

	if (t->pacc)
		return t->pacc;
	if (!names_only) {
		names_only = pci_alloc();
		names_only->error = pci_error_handler;
		names_only->warning = pci_warning_handler;
		names_only->debug = pci_debug_handler;
	}
	return names_only;
}

/*
 * pci.ids through pciids (no full load) when it can map the file libpci
 * would read; libpci itself otherwise. Either way pci.ids only: hwdb answers
 * may differ between hosts and guests.
 */
static struct pciids *names_ids(struct topo *t)
{
	static struct pciids *ids;
	static bool tried;

	if (!tried) {
		tried = true;
		if (pciids_open(names_pacc(t)->id_file_name, &ids) < 0)
			ids = NULL;
	}
	return ids;
}

static const char *lookup(struct topo *t, char **cache, int flags, int a, int b)
{
	struct pciids *ids = names_ids(t);
	char buf[256];
	const char *r;

	if (*cache)
		return *cache;
	if (ids && flags == PCI_LOOKUP_VENDOR)
		r = pciids_vendor_name(ids, buf, sizeof(buf), (unsigned)a);
	else if (ids && flags == PCI_LOOKUP_DEVICE)
		r = pciids_device_name(ids, buf, sizeof(buf), (unsigned)a, (unsigned)b);
	else if (ids && flags == PCI_LOOKUP_CLASS)
		r = pciids_class_name(ids, buf, sizeof(buf), (unsigned)a);
	else
		r = pci_lookup_name(names_pacc(t), buf, sizeof(buf), flags | PCI_LOOKUP_NO_HWDB, a,
				    b);
	*cache = xstrdup(r ? r : "");
	return *cache;
}

const char *topo_vendor_name(struct topo *t, struct topo_dev *d)
{
	if (d->unknown & TOPO_UNKNOWN_VENDOR)
		return NULL;
	return lookup(t, &d->vendor_name, PCI_LOOKUP_VENDOR, d->vendor, 0);
}

const char *topo_device_name(struct topo *t, struct topo_dev *d)
{
	if (d->unknown & (TOPO_UNKNOWN_VENDOR | TOPO_UNKNOWN_DEVICE))
		return NULL;
	return lookup(t, &d->device_name, PCI_LOOKUP_DEVICE, d->vendor, d->device);
}

const char *topo_class_name(struct topo *t, struct topo_dev *d)
{
	if (d->unknown & TOPO_UNKNOWN_CLASS)
		return NULL;
	return lookup(t, &d->class_name, PCI_LOOKUP_CLASS, (int)(d->class >> 8), 0);
}

int report_resolve_error(const char *arg, int r)
{
	switch (r) {
	case -EINVAL:
		log_error("%s: not a PCI address (0000:01:00.0, 01:00.0) or interface name", arg);
		return -E_USAGE;
	case -ENODEV:
		log_error("%s: no such PCI device or network interface", arg);
		return r;
	case -ENOTUNIQ:
		log_error("%s: matches devices in several PCI domains; give the full address", arg);
		return r;
	default:
		log_error("%s: %s", arg, strerror(-r));
		return r;
	}
}

int topo_scan_reported(struct topo **t, unsigned flags)
{
	int r = topo_scan(t, flags);

	if (r < 0)
		log_error("/sys/bus/pci/devices: %s", strerror(-r));
	return r;
}
