// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IOMMU and VFIO readiness: gather the facts (sysfs, /proc, the kernel log,
 * the module index) and judge them, one check per reason passthrough can fail.
 *
 * Rules measured on the Debian 6.1 kernel under QEMU (tests/vm, four boots):
 *  - "DMAR: IOMMU enabled" only says intel_iommu=on was parsed: it is printed
 *    with no DMAR table too, and is followed by "DMAR: IOMMU disabled" when a
 *    later intel_iommu=off wins. VT-d is up when "DMAR: Intel(R)
 *    Virtualization Technology for Directed I/O" is printed, units appear in
 *    /sys/class/iommu and devices in /sys/kernel/iommu_groups.
 *  - "iommu: Default domain type: Translated" and "AMD-Vi: AMD IOMMUv2
 *    functionality not available" are printed without any IOMMU: no evidence.
 *  - Interrupt remapping is independent of DMA translation: with
 *    intel_iommu=off it is still enabled ("DMAR-IR: Enabled IRQ remapping").
 *    Without it vfio_iommu_type1 refuses VFIO_SET_IOMMU (EPERM, "No interrupt
 *    remapping support") unless allow_unsafe_interrupts is set.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <jansson.h>

#include "kmodlib.h"
#include "iommu.h"
#include "sysfs.h"
#include "util.h"

const char *const doctor_mod_names[DOCTOR_NMODS] = { "vfio", "vfio_pci", "vfio_iommu_type1",
						     "iommufd" };
enum {
	MOD_VFIO,
	MOD_VFIO_PCI,
	MOD_TYPE1,
	MOD_IOMMUFD
};

#define LOADER_INFO "/sys/firmware/efi/efivars/LoaderInfo-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"

const char *iommu_kind_name(enum iommu_kind k)
{
	switch (k) {
	case IOMMU_KIND_INTEL:
		return "Intel VT-d";
	case IOMMU_KIND_AMD:
		return "AMD-Vi";
	case IOMMU_KIND_ARM:
		return "Arm SMMU";
	case IOMMU_KIND_VIRTIO:
		return "virtio-iommu";
	case IOMMU_KIND_OTHER:
		return "IOMMU";
	default:
		return "none";
	}
}

const char *check_status_name(enum check_status s)
{
	static const char *const names[] = { "pass", "warn", "fail", "skip" };

	return names[s];
}

/* ---------------------------------------------------------------------------------------------
 * Small readers
 */

/* A whole file under the root (sysfs_read stops at 4 KiB). */
static int read_all(const char *host_path, char **out, size_t *len)
{
	_cleanup_free_ char *p = sysfs_resolve(host_path);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	size_t cap = 8192, n = 0;
	char *buf;

	if (fd < 0)
		return -errno;
	buf = xmalloc(cap + 1);
	for (;;) {
		ssize_t r;

		if (n == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			free(buf);
			return (int)r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

static bool word_in(const char *list, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += wl) {
		bool start = p == list || isspace((unsigned char)p[-1]);
		bool end = !p[wl] || isspace((unsigned char)p[wl]);

		if (start && end)
			return true;
	}
	return false;
}

static void strv_sort(char **v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* ---------------------------------------------------------------------------------------------
 * Kernel log
 */

static void klog_push(struct klog *log, const char *s, size_t len)
{
	log->lines = xrealloc(log->lines, (log->n + 1) * sizeof(char *));
	log->lines[log->n] = xmalloc(len + 1);
	memcpy(log->lines[log->n], s, len);
	log->lines[log->n][len] = '\0';
	log->n++;
}

void klog_parse_kmsg(struct klog *log, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	bool first = true;

	log->read = true;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *semi;

		if (!eol)
			eol = end;
		/* continuation lines (" SUBSYSTEM=pci") carry the record's dictionary */
		semi = *p == ' ' ? NULL : memchr(p, ';', (size_t)(eol - p));
		if (semi) {
			if (first) {
				unsigned long long seq;

				/* "PRIO,SEQ,...": sequence 0 is the first record of the boot */
				log->complete = sscanf(p, "%*u,%llu,", &seq) == 1 && seq == 0;
				first = false;
			}
			klog_push(log, semi + 1, (size_t)(eol - semi - 1));
		}
		p = eol + 1;
	}
}

void klog_parse_syslog(struct klog *log, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	bool first = true;

	log->read = true;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *text = p;

		if (!eol)
			eol = end;
		if (*text == '<') {
			const char *gt = memchr(text, '>', (size_t)(eol - text));

			if (gt)
				text = gt + 1;
		}
		if (*text == '[') {
			const char *rb = memchr(text, ']', (size_t)(eol - text));

			if (first) {
				double t;

				log->complete = sscanf(text + 1, "%lf", &t) == 1 && t == 0.0;
				first = false;
			}
			if (rb)
				text = rb + 1 + (rb + 1 < eol && rb[1] == ' ');
		}
		if (eol > p)
			klog_push(log, text, (size_t)(eol - text));
		p = eol + 1;
	}
}

void klog_clear(struct klog *log)
{
	for (size_t i = 0; i < log->n; i++)
		free(log->lines[i]);
	free(log->lines);
	free(log->why);
	*log = (struct klog){ 0 };
}

/* Index of the first line at or after `from` containing needle, or -1. */
static long klog_find(const struct klog *log, const char *needle, long from)
{
	for (size_t i = from < 0 ? 0 : (size_t)from; i < log->n; i++)
		if (strstr(log->lines[i], needle))
			return (long)i;
	return -1;
}

static long klog_find_last(const struct klog *log, const char *needle)
{
	for (size_t i = log->n; i-- > 0;)
		if (strstr(log->lines[i], needle))
			return (long)i;
	return -1;
}

/* The live kernel log: /dev/kmsg, else syslog(2). */
static void klog_read_live(struct klog *log)
{
	_cleanup_free_ char *kmsg = sysfs_resolve("/dev/kmsg");
	_cleanup_close_ int fd = open(kmsg, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	int kmsg_err;

	if (fd >= 0) {
		char rec[8192];

		for (;;) {
			ssize_t n = read(fd, rec, sizeof(rec) - 1);

			if (n < 0 && (errno == EPIPE || errno == EINTR))
				continue; /* overwritten while reading: go on */
			if (n <= 0)
				break;
			if (len + (size_t)n + 1 > cap) {
				cap = (len + (size_t)n + 1) * 2;
				buf = xrealloc(buf, cap);
			}
			memcpy(buf + len, rec, (size_t)n);
			len += (size_t)n;
		}
		if (len) {
			klog_parse_kmsg(log, buf, len);
			return;
		}
	}
	kmsg_err = fd < 0 ? errno : ENODATA;
	{
		int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
		_cleanup_free_ char *sbuf = NULL;
		int n;

		if (size > 0) {
			sbuf = xmalloc((size_t)size);
			n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, sbuf, size);
			if (n > 0) {
				klog_parse_syslog(log, sbuf, (size_t)n);
				return;
			}
		}
	}
	log->err = kmsg_err;
	if (kmsg_err == EPERM || kmsg_err == EACCES) {
		long restrict_ = -1;

		sysfs_read_long("/proc/sys/kernel/dmesg_restrict", 10, &restrict_);
		log->why = xasprintf("the kernel log is readable by root only%s",
				     restrict_ == 1 ? " (kernel.dmesg_restrict=1)" : "");
	} else {
		log->why = xasprintf("/dev/kmsg: %s", strerror(kmsg_err));
	}
}

static void klog_read(struct klog *log, bool snapshot_root)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	if (sysfs_live()) {
		klog_read_live(log);
		return;
	}
	r = read_all("/dev/kmsg", &buf, &len);
	if (r == 0) {
		klog_parse_kmsg(log, buf, len);
		return;
	}
	log->err = -r;
	log->why = xstrdup(r == -ENOENT && !snapshot_root
				   ? "the snapshot has no kernel log (it was taken without root)"
			   : r == -ENOENT ? "the snapshot has no kernel log"
					  : "the snapshot's /dev/kmsg cannot be read");
}

/* ---------------------------------------------------------------------------------------------
 * Kernel command line
 */

void kcmdline_parse(struct kcmdline *c, const char *s)
{
	const char *p = s;

	while (p && *p) {
		_cleanup_free_ char *word = NULL;
		size_t n = 0;
		bool quoted = false;
		char *eq;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		word = xmalloc(strlen(p) + 1);
		/* the kernel's next_arg(): spaces inside double quotes do not split */
		for (; *p && (quoted || !isspace((unsigned char)*p)); p++) {
			if (*p == '"') {
				quoted = !quoted;
				continue;
			}
			word[n++] = *p;
		}
		word[n] = '\0';
		if (streq(word, "--"))
			break; /* the rest is for init */
		eq = strchr(word, '=');
		if (eq)
			*eq = '\0';
		for (char *k = word; *k; k++)
			if (*k == '-')
				*k = '_'; /* parameq(): dashes and underscores are the same */
		c->keys = xrealloc(c->keys, (c->n + 1) * sizeof(char *));
		c->vals = xrealloc(c->vals, (c->n + 1) * sizeof(char *));
		c->keys[c->n] = xstrdup(word);
		c->vals[c->n] = eq ? xstrdup(eq + 1) : NULL;
		c->n++;
	}
}

void kcmdline_clear(struct kcmdline *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->keys[i]);
		free(c->vals[i]);
	}
	free(c->keys);
	free(c->vals);
	*c = (struct kcmdline){ 0 };
}

const char *kcmdline_get(const struct kcmdline *c, const char *key, bool *found)
{
	const char *v = NULL;
	bool f = false;

	for (size_t i = 0; i < c->n; i++)
		if (streq(c->keys[i], key)) {
			v = c->vals[i];
			f = true;
		}
	if (found)
		*found = f;
	return v;
}

/* The last of the comma-separated options of every occurrence of key that is one of a or b. */
static const char *kcmdline_last_opt(const struct kcmdline *c, const char *key, const char *a,
				     const char *b)
{
	const char *last = NULL;

	for (size_t i = 0; i < c->n; i++) {
		_cleanup_free_ char *copy = NULL;
		char *save = NULL;

		if (!streq(c->keys[i], key) || !c->vals[i])
			continue;
		copy = xstrdup(c->vals[i]);
		for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
			if (streq(o, a))
				last = a;
			else if (b && streq(o, b))
				last = b;
		}
	}
	return last;
}

/* kstrtobool(); a bare boolean module parameter means true. */
static int bool_value(const char *v, bool present)
{
	if (!present)
		return -1;
	if (!v || !*v)
		return 1;
	switch (v[0]) {
	case 'y':
	case 'Y':
	case '1':
		return 1;
	case 'n':
	case 'N':
	case '0':
		return 0;
	case 'o':
	case 'O':
		return v[1] == 'n' || v[1] == 'N' ? 1 : 0;
	default:
		return -1;
	}
}

/* ---------------------------------------------------------------------------------------------
 * Facts
 */

static void read_cpuinfo(struct iommu_facts *f)
{
	_cleanup_free_ char *buf = NULL;
	char *save = NULL;

	if (read_all("/proc/cpuinfo", &buf, NULL) < 0)
		return;
	f->cpuinfo = true;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		const char *val;

		if (!colon)
			continue;
		val = colon + 1 + (colon[1] == ' ');
		if (startswith(line, "vendor_id") && !f->cpu_vendor[0])
			snprintf(f->cpu_vendor, sizeof(f->cpu_vendor), "%s", val);
		else if (startswith(line, "flags") && !f->x86) {
			f->x86 = true;
			f->vmx = word_in(val, "vmx");
			f->svm = word_in(val, "svm");
			f->hypervisor = word_in(val, "hypervisor");
		}
	}
}

static enum iommu_kind dt_compatible_kind(int dirfd)
{
	char buf[512];
	size_t len = 0;

	if (sysfs_read_bytes_at(dirfd, "compatible", buf, sizeof(buf) - 1, &len) < 0)
		return IOMMU_KIND_OTHER;
	/* a list of NUL-separated strings */
	for (size_t i = 0; i < len; i++)
		buf[i] = buf[i] ? (char)tolower((unsigned char)buf[i]) : ' ';
	buf[len] = '\0';
	if (strstr(buf, "smmu"))
		return IOMMU_KIND_ARM;
	if (strstr(buf, "virtio"))
		return IOMMU_KIND_VIRTIO;
	return IOMMU_KIND_OTHER;
}

/* IOMMU nodes ("iommu@...", "smmu@...") of the device tree, a few levels down. */
static void find_dt_iommu(struct iommu_facts *f, const char *dir, int depth)
{
	_cleanup_closedir_ DIR *d = sysfs_opendir(dir);
	struct dirent *de;

	while (d && !f->dt_iommu && (de = readdir(d))) {
		_cleanup_free_ char *sub = NULL, *status = NULL;
		_cleanup_close_ int fd = -1;

		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		sub = xasprintf("%s/%s", dir, de->d_name);
		fd = sysfs_open_dir(sub);
		if (fd < 0)
			continue;
		if (startswith(de->d_name, "iommu") || startswith(de->d_name, "smmu")) {
			if (sysfs_read_at(fd, "status", &status) == 0 && !streq(status, "okay") &&
			    !streq(status, "ok"))
				continue; /* disabled node */
			f->dt_iommu = xstrdup(de->d_name);
			f->dt_kind = dt_compatible_kind(fd);
			return;
		}
		if (depth > 1)
			find_dt_iommu(f, sub, depth - 1);
	}
}

static void read_firmware(struct iommu_facts *f)
{
	unsigned char hdr[38];
	size_t len = 0;
	_cleanup_free_ char *dmar = sysfs_resolve("/sys/firmware/acpi/tables/DMAR");

	f->acpi = sysfs_exists("/sys/firmware/acpi/tables");
	f->dmar = sysfs_exists("/sys/firmware/acpi/tables/DMAR");
	f->ivrs = sysfs_exists("/sys/firmware/acpi/tables/IVRS");
	f->iort = sysfs_exists("/sys/firmware/acpi/tables/IORT");
	f->viot = sysfs_exists("/sys/firmware/acpi/tables/VIOT");
	f->dmar_flags = -1;
	/* the table itself is root-only; a snapshot taken without root holds an empty file */
	if (f->dmar && sysfs_read_bytes_at(AT_FDCWD, dmar, hdr, sizeof(hdr), &len) == 0 &&
	    len == sizeof(hdr) && memcmp(hdr, "DMAR", 4) == 0)
		f->dmar_flags = hdr[37];
	f->devicetree = sysfs_exists("/sys/firmware/devicetree/base");
	if (f->devicetree)
		find_dt_iommu(f, "/sys/firmware/devicetree/base", 3);
}

static void read_units(struct iommu_facts *f)
{
	_cleanup_closedir_ DIR *d = sysfs_opendir("/sys/class/iommu");
	struct dirent *de;
	size_t n = 0;
	int ir = 1;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			strv_push(&f->units, &n, de->d_name);
	f->n_units = n;
	strv_sort(f->units, n);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *p = NULL;
		long ecap;

		if (!startswith(f->units[i], "dmar"))
			continue;
		p = xasprintf("/sys/class/iommu/%s/intel-iommu/ecap", f->units[i]);
		if (sysfs_read_long(p, 16, &ecap) < 0) {
			ir = -1;
			break;
		}
		if (!(ecap & (1L << 3))) /* ECAP_IR: interrupt remapping support */
			ir = 0;
	}
	f->ir_ecap = n ? ir : -1;
}

static void read_groups(struct iommu_facts *f)
{
	_cleanup_closedir_ DIR *d = sysfs_opendir("/sys/kernel/iommu_groups");
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *tp = NULL, *np = NULL, *type = NULL, *name = NULL;
		size_t i;

		if (de->d_name[0] == '.')
			continue;
		np = xasprintf("/sys/kernel/iommu_groups/%s/name", de->d_name);
		if (sysfs_read(np, &name) == 0 && streq(name, "vfio-noiommu")) {
			f->n_noiommu_groups++;
			continue;
		}
		f->n_groups++;
		tp = xasprintf("/sys/kernel/iommu_groups/%s/type", de->d_name);
		if (sysfs_read(tp, &type) < 0 || !*type) {
			free(type);
			type = xstrdup("unknown");
		}
		for (i = 0; i < f->n_group_types; i++)
			if (streq(f->group_types[i], type))
				break;
		if (i == f->n_group_types) {
			size_t n = f->n_group_types;

			strv_push(&f->group_types, &n, type);
			f->group_type_count =
				xrealloc(f->group_type_count, (n + 1) * sizeof(size_t));
			f->group_type_count[i] = 0;
			f->n_group_types = n;
		}
		f->group_type_count[i]++;
	}
}

/* Interrupt chips in use: "IR-IO-APIC"/"IR-PCI-MSI" when interrupts are remapped. */
static void read_interrupts(struct iommu_facts *f)
{
	_cleanup_free_ char *buf = NULL;
	bool ir = false, plain = false;
	char *save = NULL;

	f->interrupts_ir = -1;
	if (read_all("/proc/interrupts", &buf, NULL) < 0)
		return;
	for (char *tok = strtok_r(buf, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		if (!strstr(tok, "IO-APIC") && !strstr(tok, "PCI-MSI"))
			continue;
		if (startswith(tok, "IR-"))
			ir = true;
		else
			plain = true;
	}
	if (ir)
		f->interrupts_ir = 1;
	else if (plain)
		f->interrupts_ir = 0;
}

static enum mod_state loaded_state(const char *name, const char *proc_modules)
{
	_cleanup_free_ char *dir = xasprintf("/sys/module/%s", name);
	_cleanup_free_ char *st = xasprintf("/sys/module/%s/initstate", name);
	_cleanup_free_ char *state = NULL;
	size_t nl = strlen(name);

	for (const char *p = proc_modules; p && *p;) {
		if (strncmp(p, name, nl) == 0 && p[nl] == ' ')
			return MOD_LOADED;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	if (sysfs_read(st, &state) == 0)
		return streq(state, "live") || streq(state, "coming") ? MOD_LOADED : MOD_UNKNOWN;
	/* built-in code with parameters has a /sys/module directory and no initstate */
	if (sysfs_exists(dir))
		return MOD_BUILTIN;
	return MOD_UNKNOWN;
}

static void kmod_log_quiet(void *data _unused_, int priority _unused_, const char *file _unused_,
			   int line _unused_, const char *fn _unused_, const char *format,
			   va_list args)
{
	if (verbosity > 1) {
		fputs("vfioctl: libkmod: ", stderr);
		vfprintf(stderr, format, args);
	}
}

char *kernel_release(void)
{
	char *rel = NULL;
	struct utsname u;

	if (sysfs_read("/proc/sys/kernel/osrelease", &rel) == 0 && *rel)
		return rel;
	free(rel);
	if (sysfs_live() && uname(&u) == 0)
		return xstrdup(u.release);
	{
		/* an older snapshot: its manifest names the kernel */
		_cleanup_free_ char *m = sysfs_resolve("/vfioctl-snapshot.json");
		json_t *j = json_load_file(m, 0, NULL);
		const char *k = json_string_value(json_object_get(j, "kernel"));

		rel = k ? xstrdup(k) : NULL;
		json_decref(j);
	}
	return rel;
}

static void read_modules(struct iommu_facts *f, const struct kcmdline *cmd)
{
	static const char *const no_config[] = { NULL };
	_cleanup_free_ char *proc_modules = NULL, *release = kernel_release();
	_cleanup_free_ char *index = NULL, *dir = NULL;
	struct kmod_ctx *ctx = NULL;

	read_all("/proc/modules", &proc_modules, NULL);
	if (release && !strchr(release, '/')) {
		f->mod_dir = xasprintf("/lib/modules/%s", release);
		index = xasprintf("%s/modules.dep.bin", f->mod_dir);
		f->mod_index = sysfs_exists(index);
	}
	if (f->mod_index && kmodlib_open() == 0) {
		dir = sysfs_resolve(f->mod_dir);
		/* the live host's modprobe.d matters; a snapshot's host has none of ours */
		ctx = sym_kmod_new(dir, sysfs_live() ? NULL : no_config);
		if (ctx)
			sym_kmod_set_log_fn(ctx, kmod_log_quiet, NULL);
	}
	for (size_t i = 0; i < DOCTOR_NMODS; i++) {
		struct kmod_list *l = NULL, *it;

		f->mods[i] = loaded_state(doctor_mod_names[i], proc_modules);
		if (f->mods[i] != MOD_UNKNOWN || !ctx)
			continue;
		f->mods[i] = MOD_MISSING;
		if (sym_kmod_module_new_from_lookup(ctx, doctor_mod_names[i], &l) < 0) {
			f->mods[i] = MOD_UNKNOWN;
			continue;
		}
		sym_kmod_list_foreach(it, l)
		{
			struct kmod_module *m = sym_kmod_module_get_module(it);

			if (streq(sym_kmod_module_get_name(m), doctor_mod_names[i]))
				f->mods[i] =
					sym_kmod_module_get_path(m) ? MOD_AVAILABLE : MOD_BUILTIN;
			sym_kmod_module_unref(m);
		}
		sym_kmod_module_unref_list(l);
	}

	/* allow_unsafe_interrupts: the live value, else what a load would get */
	if (sysfs_read("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts",
		       &f->allow_unsafe) == 0) {
		f->allow_unsafe_src = "module parameter";
	} else {
		bool found;
		const char *v =
			kcmdline_get(cmd, "vfio_iommu_type1.allow_unsafe_interrupts", &found);

		if (found) {
			f->allow_unsafe = xstrdup(v ? v : "Y");
			f->allow_unsafe_src = "kernel command line";
		} else if (ctx && sysfs_live()) {
			struct kmod_module *m = NULL;

			if (sym_kmod_module_new_from_name(ctx, "vfio_iommu_type1", &m) == 0) {
				const char *o = sym_kmod_module_get_options(m);
				const char *a = o ? strstr(o, "allow_unsafe_interrupts") : NULL;

				if (a) {
					a += strlen("allow_unsafe_interrupts");
					a = *a == '=' ? a + 1 : "Y";
					f->allow_unsafe =
						xasprintf("%.*s", (int)strcspn(a, " "), a);
					f->allow_unsafe_src = "modprobe.d";
				}
				sym_kmod_module_unref(m);
			}
		}
	}
	if (sysfs_read("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode",
		       &f->noiommu_param) < 0) {
		bool found;
		const char *v = kcmdline_get(cmd, "vfio.enable_unsafe_noiommu_mode", &found);

		if (found)
			f->noiommu_param = xstrdup(v ? v : "Y");
	}
	if (ctx)
		sym_kmod_unref(ctx);
}

static void read_dev(struct iommu_facts *f)
{
	_cleanup_closedir_ DIR *d = sysfs_opendir("/dev/vfio");
	struct dirent *de;

	f->dev_vfio = sysfs_exists("/dev/vfio/vfio");
	while (d && (de = readdir(d)))
		if (startswith(de->d_name, "noiommu-"))
			f->dev_noiommu = true;
}

/*
 * CONFIG_VFIO_DEVICE_CDEV: a loaded vfio says it in /sys/class/vfio-dev (each
 * device has a "dev" attribute only as a char device); else the kernel's
 * config; it also needs iommufd, so a kernel without iommufd has none.
 */
static void read_vfio_cdev(struct iommu_facts *f)
{
	_cleanup_closedir_ DIR *d = sysfs_opendir("/sys/class/vfio-dev");
	_cleanup_free_ char *release = kernel_release(), *config = NULL, *text = NULL;
	struct dirent *de;

	f->dev_iommu = sysfs_exists("/dev/iommu");
	f->vfio_cdev = -1;
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *dev = NULL;

		if (de->d_name[0] == '.')
			continue;
		dev = xasprintf("/sys/class/vfio-dev/%s/dev", de->d_name);
		f->vfio_cdev = sysfs_exists(dev);
		f->vfio_cdev_src = xasprintf("/sys/class/vfio-dev/%s", de->d_name);
		return;
	}
	if (f->mods[MOD_IOMMUFD] == MOD_MISSING) {
		f->vfio_cdev = 0;
		f->vfio_cdev_src = xstrdup("it needs iommufd, which this kernel does not have");
		return;
	}
	if (!release || strchr(release, '/'))
		return;
	config = xasprintf("/boot/config-%s", release);
	if (read_all(config, &text, NULL) < 0)
		return;
	f->vfio_cdev = strstr(text, "\nCONFIG_VFIO_DEVICE_CDEV=y\n") != NULL;
	f->vfio_cdev_src = xasprintf("%s", config);
}

static void read_bootloader(struct iommu_facts *f)
{
	char buf[128];
	size_t len = 0;
	_cleanup_free_ char *li = sysfs_resolve(LOADER_INFO);

	/* efivarfs: 4 bytes of attributes, then UTF-16LE text such as "systemd-boot 252" */
	if (sysfs_read_bytes_at(AT_FDCWD, li, buf, sizeof(buf), &len) == 0 && len > 4) {
		char ascii[64];
		size_t n = 0;

		for (size_t i = 4; i + 1 < len && n + 1 < sizeof(ascii); i += 2)
			ascii[n++] = buf[i];
		ascii[n] = '\0';
		if (strstr(ascii, "systemd-boot")) {
			f->boot = BOOT_SYSTEMD_BOOT;
			return;
		}
	}
	if (sysfs_exists("/etc/default/grub"))
		f->boot = BOOT_GRUB;
	else if (sysfs_exists("/etc/kernel/cmdline"))
		f->boot = BOOT_KERNEL_INSTALL;
}

static bool snapshot_taken_as_root(void)
{
	_cleanup_free_ char *m = sysfs_resolve("/vfioctl-snapshot.json");
	json_t *j = json_load_file(m, 0, NULL);
	bool root = json_is_true(json_object_get(j, "root"));

	json_decref(j);
	return root;
}

int iommu_facts_read(struct iommu_facts *f)
{
	struct kcmdline cmd = { 0 };
	_cleanup_free_ char *cmdline = NULL;

	*f = (struct iommu_facts){ 0 };
	f->live = sysfs_live();
	f->root = f->live ? geteuid() == 0 : snapshot_taken_as_root();
	read_cpuinfo(f);
	read_firmware(f);
	if (read_all("/proc/cmdline", &cmdline, NULL) == 0) {
		cmdline[strcspn(cmdline, "\n")] = '\0';
		f->cmdline = xstrdup(cmdline);
	}
	kcmdline_parse(&cmd, f->cmdline);
	read_units(f);
	read_groups(f);
	read_interrupts(f);
	klog_read(&f->log, f->root);
	if (klog_find(&f->log, "VMX (outside TXT) disabled by BIOS", 0) >= 0 ||
	    klog_find(&f->log, "SVM disabled (by BIOS)", 0) >= 0 ||
	    klog_find(&f->log, "kvm: disabled by bios", 0) >= 0)
		f->virt_disabled_by_bios = true;
	read_modules(f, &cmd);
	read_dev(f);
	read_vfio_cdev(f);
	read_bootloader(f);
	kcmdline_clear(&cmd);
	return 0;
}

void iommu_facts_clear(struct iommu_facts *f)
{
	free(f->dt_iommu);
	free(f->cmdline);
	free(f->vfio_cdev_src);
	strv_free(f->units);
	strv_free(f->group_types);
	free(f->group_type_count);
	klog_clear(&f->log);
	free(f->mod_dir);
	free(f->allow_unsafe);
	free(f->noiommu_param);
	*f = (struct iommu_facts){ 0 };
}

/* ---------------------------------------------------------------------------------------------
 * Judgement
 */

struct ctx {
	const struct iommu_facts *f;
	struct kcmdline cmd;
	enum iommu_kind kind; /* from the kernel's units, else the firmware */
	enum iommu_kind fw_kind; /* from the firmware tables */
	bool intel_cpu, amd_cpu;
	bool active; /* the kernel has an IOMMU up: units and groups */
	bool cmdline_failed; /* kernel-cmdline says the command line keeps it off */
	struct doctor_report *rep;
};

_printf_(4, 5) static void add(struct ctx *c, const char *id, enum check_status st, const char *fmt,
			       ...)
{
	struct doctor_check *k;
	va_list ap;

	if (c->rep->n == DOCTOR_MAX_CHECKS)
		abort(); /* a programming error: raise DOCTOR_MAX_CHECKS */
	k = &c->rep->checks[c->rep->n++];
	k->id = id;
	k->status = st;
	va_start(ap, fmt);
	if (vasprintf(&k->detail, fmt, ap) < 0)
		abort();
	va_end(ap);
	k->hint = NULL;
}

/* Set the hint of the check added last; takes ownership of hint. */
static void hint(struct ctx *c, char *h)
{
	struct doctor_check *k = &c->rep->checks[c->rep->n - 1];

	free(k->hint);
	k->hint = h;
}

static enum iommu_kind unit_kind(const char *name)
{
	if (startswith(name, "dmar"))
		return IOMMU_KIND_INTEL;
	if (startswith(name, "ivhd"))
		return IOMMU_KIND_AMD;
	if (startswith(name, "smmu"))
		return IOMMU_KIND_ARM;
	if (startswith(name, "virtio"))
		return IOMMU_KIND_VIRTIO;
	return IOMMU_KIND_OTHER;
}

static enum iommu_kind firmware_kind(const struct iommu_facts *f)
{
	if (f->dmar)
		return IOMMU_KIND_INTEL;
	if (f->ivrs)
		return IOMMU_KIND_AMD;
	if (f->viot)
		return IOMMU_KIND_VIRTIO;
	if (f->dt_iommu)
		return f->dt_kind;
	/* IORT also describes GIC ITS blocks: only an IOMMU with an SMMU unit */
	return IOMMU_KIND_NONE;
}

/* How to change the kernel command line with the bootloader in use. */
static char *cmdline_howto(const struct iommu_facts *f, const char *change)
{
	switch (f->boot) {
	case BOOT_GRUB:
		return xasprintf("%s in GRUB_CMDLINE_LINUX_DEFAULT of /etc/default/grub, run "
				 "update-grub (grub2-mkconfig -o /boot/grub2/grub.cfg on "
				 "Fedora/RHEL) and reboot",
				 change);
	case BOOT_SYSTEMD_BOOT:
		return xasprintf(
			"%s in /etc/kernel/cmdline and run 'kernel-install add $(uname -r) "
			"/boot/vmlinuz-$(uname -r)' (or on the options line of the entry "
			"in /boot/loader/entries/ for systemd-boot), then reboot",
			change);
	case BOOT_KERNEL_INSTALL:
		return xasprintf("%s in /etc/kernel/cmdline, run 'kernel-install add $(uname -r) "
				 "/boot/vmlinuz-$(uname -r)' and reboot",
				 change);
	default:
		return xasprintf("%s on the kernel command line (in the bootloader's "
				 "configuration) and reboot",
				 change);
	}
}

static const char *root_hint(const struct iommu_facts *f)
{
	return f->live ? "run as root (sudo vfioctl doctor) to read the kernel log"
		       : "take the snapshot as root (sudo vfioctl snapshot) to include the kernel log";
}

static void check_cpu(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	const char *nested =
		f->hypervisor ? "; this is a virtual machine (nested virtualization)" : "";

	if (!f->cpuinfo) {
		add(c, "cpu-virt", CHECK_SKIP, "/proc/cpuinfo cannot be read");
		return;
	}
	if (!f->x86) {
		add(c, "cpu-virt", CHECK_SKIP, "not an x86 CPU: no vmx/svm flags to check");
		return;
	}
	if (f->vmx || f->svm) {
		add(c, "cpu-virt", CHECK_PASS, "%s (%s flag)%s", f->vmx ? "Intel VT-x" : "AMD-V",
		    f->vmx ? "vmx" : "svm", nested);
		return;
	}
	add(c, "cpu-virt", CHECK_WARN,
	    "no vmx or svm CPU flag%s: KVM cannot run virtual machines here (VFIO for "
	    "userspace drivers still works)%s",
	    f->virt_disabled_by_bios ? ", the firmware disabled it" : "", nested);
	if (f->hypervisor)
		hint(c, xstrdup("enable nested virtualization on the host that runs this VM "
				"(KVM: kvm_intel nested=1 / kvm_amd nested=1; QEMU: -cpu host)"));
	else if (c->amd_cpu)
		hint(c, xstrdup("enable SVM (AMD-V) in the firmware (BIOS/UEFI) setup"));
	else
		hint(c, xstrdup("enable Intel Virtualization Technology (VT-x) in the firmware "
				"(BIOS/UEFI) setup"));
}

static const char *firmware_tables(const struct iommu_facts *f, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	if (f->dmar)
		n += (size_t)snprintf(buf + n, size - n, "%sDMAR", n ? ", " : "");
	if (f->ivrs && n < size)
		n += (size_t)snprintf(buf + n, size - n, "%sIVRS", n ? ", " : "");
	if (f->iort && n < size)
		n += (size_t)snprintf(buf + n, size - n, "%sIORT", n ? ", " : "");
	if (f->viot && n < size)
		snprintf(buf + n, size - n, "%sVIOT", n ? ", " : "");
	return buf;
}

static void check_firmware(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	char tables[64];
	const char *mixed = "";

	firmware_tables(f, tables, sizeof(tables));
	if ((c->fw_kind == IOMMU_KIND_INTEL && c->amd_cpu) ||
	    (c->fw_kind == IOMMU_KIND_AMD && c->intel_cpu))
		mixed = " (the CPU is from another vendor: an emulator or a nested host)";
	if (c->fw_kind != IOMMU_KIND_NONE && *tables) {
		add(c, "firmware-table", CHECK_PASS, "ACPI %s: %s%s", tables,
		    iommu_kind_name(c->fw_kind), mixed);
		return;
	}
	if (c->fw_kind != IOMMU_KIND_NONE) {
		add(c, "firmware-table", CHECK_PASS, "device tree node %s: %s", f->dt_iommu,
		    iommu_kind_name(c->fw_kind));
		return;
	}
	if (c->kind != IOMMU_KIND_NONE) {
		/* an IORT with SMMUs, or tables the snapshot did not record */
		add(c, "firmware-table", CHECK_PASS, "%s%s%sthe kernel registered %s (%s)",
		    *tables ? "ACPI " : "", tables, *tables ? "; " : "", f->units[0],
		    iommu_kind_name(c->kind));
		return;
	}
	add(c, "firmware-table", CHECK_FAIL,
	    "no IOMMU described by the firmware (%s%s%s): the kernel has no IOMMU to enable",
	    f->acpi ? "no ACPI DMAR, IVRS or VIOT table" : "no ACPI tables",
	    f->iort ? "; the IORT table lists no SMMU the kernel uses" : "",
	    f->devicetree ? ", no IOMMU node in the device tree"
			  : (f->acpi ? "" : " and no device tree"));
	if (f->hypervisor)
		hint(c,
		     xstrdup("this is a virtual machine: give it a virtual IOMMU (QEMU: -machine "
			     "q35,kernel-irqchip=split -device intel-iommu,intremap=on; "
			     "libvirt: <iommu model='intel'><driver intremap='on'/></iommu>)"));
	else if (c->amd_cpu)
		hint(c, xstrdup("enable the IOMMU in the firmware (BIOS/UEFI) setup; it is called "
				"'IOMMU', 'AMD-Vi' or 'AMD I/O Virtualization'"));
	else if (c->intel_cpu)
		hint(c, xstrdup("enable VT-d ('Intel Virtualization Technology for Directed I/O') "
				"in the firmware (BIOS/UEFI) setup"));
	else
		hint(c, xstrdup("enable the IOMMU in the firmware setup, if the platform has one"));
}

struct cmdline_state {
	const char *off; /* the parameter that turns the IOMMU off, or NULL */
	bool on; /* explicitly on */
	const char *pt; /* passthrough parameter, or NULL */
};

static struct cmdline_state cmdline_state(const struct ctx *c, enum iommu_kind kind)
{
	struct cmdline_state s = { 0 };
	const char *o;
	bool found;

	if (kcmdline_last_opt(&c->cmd, "iommu", "off", NULL))
		s.off = "iommu=off";
	if (kind == IOMMU_KIND_INTEL || kind == IOMMU_KIND_NONE) {
		o = kcmdline_last_opt(&c->cmd, "intel_iommu", "on", "off");
		if (streq(o, "off") && kind == IOMMU_KIND_INTEL)
			s.off = "intel_iommu=off";
		s.on = streq(o, "on");
	}
	if (kind == IOMMU_KIND_AMD && kcmdline_last_opt(&c->cmd, "amd_iommu", "off", NULL))
		s.off = "amd_iommu=off";
	o = kcmdline_last_opt(&c->cmd, "iommu", "pt", "nopt");
	if (streq(o, "pt"))
		s.pt = "iommu=pt";
	o = kcmdline_get(&c->cmd, "iommu.passthrough", &found);
	if (found && bool_value(o, true) == 1)
		s.pt = "iommu.passthrough=1";
	return s;
}

/* The IOMMU-related words of the command line, for details. */
static char *cmdline_iommu_words(const struct ctx *c)
{
	static const char *const keys[] = { "intel_iommu",
					    "amd_iommu",
					    "iommu",
					    "iommu.passthrough",
					    "iommu.strict",
					    "intremap",
					    "pcie_acs_override",
					    "vfio_iommu_type1.allow_unsafe_interrupts",
					    "vfio.enable_unsafe_noiommu_mode" };
	char *out = xstrdup("");

	for (size_t i = 0; i < c->cmd.n; i++)
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			char *n;

			if (!streq(c->cmd.keys[i], keys[k]))
				continue;
			n = xasprintf("%s%s%s%s%s", out, *out ? " " : "", keys[k],
				      c->cmd.vals[i] ? "=" : "",
				      c->cmd.vals[i] ? c->cmd.vals[i] : "");
			free(out);
			out = n;
		}
	return out;
}

static void check_cmdline(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	enum iommu_kind kind = c->kind != IOMMU_KIND_NONE ? c->kind : c->fw_kind;
	struct cmdline_state s = cmdline_state(c, kind);
	_cleanup_free_ char *words = NULL;
	_cleanup_free_ char *pt = NULL;

	if (!f->cmdline) {
		add(c, "kernel-cmdline", CHECK_SKIP, "/proc/cmdline cannot be read");
		return;
	}
	words = cmdline_iommu_words(c);
	pt = s.pt ? xasprintf("; %s: host devices bypass the IOMMU, VFIO still isolates the "
			      "groups it takes",
			      s.pt)
		  : xstrdup("");
	if (kind == IOMMU_KIND_NONE) {
		if (s.off) {
			_cleanup_free_ char *what = xasprintf("remove %s", s.off);

			add(c, "kernel-cmdline", CHECK_WARN,
			    "%s would keep an IOMMU off, but the firmware describes none", s.off);
			hint(c, cmdline_howto(f, what));
			return;
		}
		add(c, "kernel-cmdline", CHECK_SKIP,
		    "%s%sno IOMMU is described by the firmware (see firmware-table): no "
		    "parameter can enable one",
		    words, *words ? "; " : "");
		return;
	}
	if (s.off && !c->active) {
		/* VT-d also needs intel_iommu=on where the kernel does not default to it */
		_cleanup_free_ char *what =
			kind == IOMMU_KIND_INTEL
				? xasprintf("remove %s and add intel_iommu=on", s.off)
				: xasprintf("remove %s", s.off);

		add(c, "kernel-cmdline", CHECK_FAIL, "%s turns %s off", s.off,
		    iommu_kind_name(kind));
		c->cmdline_failed = true;
		hint(c, cmdline_howto(f, what));
		return;
	}
	if (kind == IOMMU_KIND_INTEL && !s.on && !c->active) {
		_cleanup_free_ char *what = xstrdup("add intel_iommu=on");

		add(c, "kernel-cmdline", CHECK_FAIL,
		    "no intel_iommu=on%s%s%s, and this kernel does not turn VT-d on by default",
		    *words ? " (" : "", words, *words ? ")" : "");
		c->cmdline_failed = true;
		hint(c, cmdline_howto(f, what));
		return;
	}
	if (kind == IOMMU_KIND_INTEL && !s.on)
		add(c, "kernel-cmdline", CHECK_PASS,
		    "no intel_iommu=on, VT-d is on by this kernel's default%s", pt);
	else if (!*words)
		add(c, "kernel-cmdline", CHECK_PASS, "no IOMMU parameters: the %s is on by default",
		    iommu_kind_name(kind));
	else
		add(c, "kernel-cmdline", CHECK_PASS, "IOMMU parameters: %s%s", words, pt);
}

static void check_enabled(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	const struct klog *log = &f->log;
	long en = klog_find(log, "DMAR: IOMMU enabled", 0);
	long dis = klog_find_last(log, "DMAR: IOMMU disabled");
	long vtd = klog_find(log, "DMAR: Intel(R) Virtualization Technology for Directed I/O", 0);
	long amd = klog_find(log, "AMD-Vi: Found IOMMU", 0);
	long amd_dis = klog_find(log, "AMD-Vi: AMD IOMMU disabled", 0);
	long smmu = klog_find(log, "probing hardware configuration", 0);
	long failed = klog_find(log, "DMAR: Failed", 0);
	_cleanup_free_ char *units = xstrdup("");
	_cleanup_free_ char *evidence = NULL;

	for (size_t i = 0; i < f->n_units && i < 4; i++) {
		char *n = xasprintf("%s%s%s", units, i ? ", " : "", f->units[i]);

		free(units);
		units = n;
	}
	if (f->n_units > 4) {
		char *n = xasprintf("%s, ...", units);

		free(units);
		units = n;
	}
	if (vtd >= 0)
		evidence = xasprintf("kernel log: \"%s\"", log->lines[vtd]);
	else if (amd >= 0)
		evidence = xasprintf("kernel log: \"%s\"", log->lines[amd]);
	else if (smmu >= 0)
		evidence = xasprintf("kernel log: \"%s\"", log->lines[smmu]);
	else if (!log->read)
		evidence = xasprintf("kernel log not read: %s", log->why ? log->why : "unknown");
	else
		evidence = xstrdup("the kernel log has no IOMMU initialisation line");

	if (f->n_units && f->n_groups) {
		add(c, "iommu-enabled", CHECK_PASS, "%s: %zu unit%s (%s), %zu IOMMU groups; %s",
		    iommu_kind_name(c->kind), f->n_units, f->n_units == 1 ? "" : "s", units,
		    f->n_groups, evidence);
		return;
	}
	if (f->n_units) {
		add(c, "iommu-enabled", CHECK_FAIL,
		    "%s unit%s %s registered, but there are no IOMMU groups: no device is behind "
		    "an IOMMU; %s",
		    iommu_kind_name(c->kind), f->n_units == 1 ? "" : "s", units, evidence);
		return;
	}
	if (f->n_groups) {
		add(c, "iommu-enabled", CHECK_WARN,
		    "%zu IOMMU groups but no unit in /sys/class/iommu (a driver that does not "
		    "register one); %s",
		    f->n_groups, evidence);
		return;
	}
	/* Not enabled: say why, from the most to the least specific evidence. */
	if (dis >= 0 && dis > en) {
		add(c, "iommu-enabled", CHECK_FAIL,
		    "no IOMMU units or groups: the kernel log says \"%s\"%s", log->lines[dis],
		    en >= 0 ? " after the \"IOMMU enabled\" of an earlier intel_iommu=on" : "");
	} else if (amd_dis >= 0) {
		add(c, "iommu-enabled", CHECK_FAIL,
		    "no IOMMU units or groups: the kernel log says \"%s\"", log->lines[amd_dis]);
	} else if (failed >= 0) {
		add(c, "iommu-enabled", CHECK_FAIL,
		    "no IOMMU units or groups: VT-d initialisation failed (\"%s\")",
		    log->lines[failed]);
	} else if (c->fw_kind == IOMMU_KIND_NONE) {
		add(c, "iommu-enabled", CHECK_FAIL,
		    "no IOMMU units or groups: the firmware describes no IOMMU (see "
		    "firmware-table)%s",
		    en >= 0 ? "; \"DMAR: IOMMU enabled\" only means intel_iommu=on was parsed"
			    : "");
	} else {
		add(c, "iommu-enabled", CHECK_FAIL,
		    "no IOMMU units or groups although the firmware describes the %s; %s",
		    iommu_kind_name(c->fw_kind), evidence);
	}
	if (c->fw_kind != IOMMU_KIND_NONE && c->cmdline_failed)
		hint(c, xstrdup("see kernel-cmdline"));
	else if (c->fw_kind != IOMMU_KIND_NONE)
		hint(c, xstrdup("look for the reason in the kernel log: dmesg | grep -i -e iommu "
				"-e dmar -e amd-vi -e smmu"));
}

static void check_interrupt_remapping(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	const struct klog *log = &f->log;
	long ir = klog_find(log, "DMAR-IR: Enabled IRQ remapping", 0);
	long amd_ir = klog_find(log, "AMD-Vi: Interrupt remapping enabled", 0);
	long refused = klog_find_last(log, "No interrupt remapping support");
	int unsafe = bool_value(f->allow_unsafe, f->allow_unsafe != NULL);
	const char *intremap = kcmdline_last_opt(&c->cmd, "intremap", "off", "on");
	bool on = false, off = false;
	_cleanup_free_ char *why = NULL;

	if (c->kind == IOMMU_KIND_ARM) {
		add(c, "interrupt-remapping", CHECK_SKIP,
		    "Arm: MSIs are isolated by the GIC ITS, not by the SMMU (not checked)");
		return;
	}
	if (ir >= 0 || amd_ir >= 0) {
		on = true;
		why = xasprintf("kernel log: \"%s\"", log->lines[ir >= 0 ? ir : amd_ir]);
	} else if (f->interrupts_ir == 1) {
		on = true;
		why = xstrdup("/proc/interrupts shows IR- interrupt chips");
	} else if (streq(intremap, "off")) {
		off = true;
		why = xstrdup("intremap=off on the kernel command line");
	} else if (f->dmar_flags >= 0 && !(f->dmar_flags & 1)) {
		off = true;
		why = xstrdup(
			"the firmware's DMAR table does not allow it (INTR_REMAP flag clear)");
	} else if (f->ir_ecap == 0) {
		off = true;
		why = xstrdup("the VT-d unit does not support it (ecap IR bit clear)");
	} else if (f->interrupts_ir == 0) {
		off = true;
		why = xstrdup("/proc/interrupts shows no IR- interrupt chips");
	} else if (log->read && log->complete) {
		off = true;
		why = xstrdup("the kernel log has no \"Enabled IRQ remapping\" line");
	}

	if (on) {
		add(c, "interrupt-remapping", CHECK_PASS, "enabled: %s%s", why,
		    unsafe == 1 ? "; allow_unsafe_interrupts is set but not needed" : "");
		return;
	}
	if (!c->active) {
		add(c, "interrupt-remapping", CHECK_SKIP,
		    "the IOMMU is not enabled (see iommu-enabled)%s%s", why ? "; " : "",
		    why ? why : "");
		return;
	}
	if (!off) {
		add(c, "interrupt-remapping", CHECK_WARN, "cannot tell whether it is enabled: %s",
		    log->read ? "the kernel log does not start at boot"
			      : (log->why ? log->why : "the kernel log cannot be read"));
		hint(c, xstrdup(root_hint(c->f)));
		return;
	}
	if (unsafe == 1) {
		add(c, "interrupt-remapping", CHECK_WARN,
		    "disabled: %s; vfio_iommu_type1 allow_unsafe_interrupts=%s (%s) lets VFIO "
		    "use groups anyway, but an assigned device can then inject interrupts into "
		    "the host",
		    why, f->allow_unsafe, f->allow_unsafe_src);
		return;
	}
	add(c, "interrupt-remapping", CHECK_FAIL,
	    "disabled: %s; vfio_iommu_type1 refuses to attach IOMMU groups without it%s%s%s", why,
	    refused >= 0 ? " (kernel log: \"" : "", refused >= 0 ? log->lines[refused] : "",
	    refused >= 0 ? "\")" : "");
	if (streq(intremap, "off")) {
		_cleanup_free_ char *what = xstrdup("remove intremap=off");

		hint(c, cmdline_howto(f, what));
	} else if (f->hypervisor) {
		hint(c, xstrdup("give the VM an IOMMU with interrupt remapping (QEMU: -device "
				"intel-iommu,intremap=on with -machine kernel-irqchip=split); or, "
				"accepting the risk, load vfio_iommu_type1 with "
				"allow_unsafe_interrupts=1"));
	} else {
		hint(c,
		     xstrdup("enable interrupt remapping in the firmware setup (often part of "
			     "the VT-d / IOMMU option) or update the firmware; or, accepting the "
			     "risk, set 'options vfio_iommu_type1 allow_unsafe_interrupts=1' in "
			     "/etc/modprobe.d/"));
	}
}

static void check_mode(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	_cleanup_free_ char *list = xstrdup("");
	bool identity = false, odd = false;

	if (!f->n_groups) {
		add(c, "iommu-mode", CHECK_SKIP, "no IOMMU groups");
		return;
	}
	for (size_t i = 0; i < f->n_group_types; i++) {
		const char *t = f->group_types[i];
		char *n = xasprintf("%s%s%zu %s", list, i ? ", " : "", f->group_type_count[i], t);

		free(list);
		list = n;
		if (streq(t, "identity"))
			identity = true;
		else if (!streq(t, "DMA") && !streq(t, "DMA-FQ") && !streq(t, "unmanaged"))
			odd = true;
	}
	if (odd) {
		add(c, "iommu-mode", CHECK_WARN, "default domain types: %s (not DMA or identity)",
		    list);
		return;
	}
	if (identity)
		add(c, "iommu-mode", CHECK_PASS,
		    "default domain types: %s; identity is passthrough (iommu=pt): host "
		    "drivers bypass translation, VFIO gives the groups it takes their own domain",
		    list);
	else
		add(c, "iommu-mode", CHECK_PASS, "default domain types: %s (DMA translated)", list);
}

static const char *mod_state_name(enum mod_state s)
{
	switch (s) {
	case MOD_LOADED:
		return "loaded";
	case MOD_BUILTIN:
		return "built in";
	case MOD_AVAILABLE:
		return "available (not loaded)";
	case MOD_MISSING:
		return "missing";
	default:
		return "unknown";
	}
}

static void check_modules(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	_cleanup_free_ char *list = xstrdup("");
	bool missing = false, unknown = false, unloaded = false;

	for (size_t i = 0; i <= MOD_TYPE1; i++) {
		char *n = xasprintf("%s%s%s: %s", list, i ? "; " : "", doctor_mod_names[i],
				    mod_state_name(f->mods[i]));

		free(list);
		list = n;
		missing |= f->mods[i] == MOD_MISSING;
		unknown |= f->mods[i] == MOD_UNKNOWN;
		unloaded |= f->mods[i] == MOD_AVAILABLE;
	}
	if (missing && f->mods[MOD_VFIO] != MOD_MISSING && f->mods[MOD_VFIO_PCI] != MOD_MISSING &&
	    f->mods[MOD_TYPE1] == MOD_MISSING && f->mods[MOD_IOMMUFD] >= MOD_AVAILABLE) {
		add(c, "vfio-modules", CHECK_WARN,
		    "%s; iommufd is %s: VMMs that use iommufd work, the legacy VFIO container "
		    "needs vfio_iommu_type1 or CONFIG_IOMMUFD_VFIO_CONTAINER",
		    list, mod_state_name(f->mods[MOD_IOMMUFD]));
		return;
	}
	if (missing) {
		add(c, "vfio-modules", CHECK_FAIL, "%s (module index %s)", list, f->mod_dir);
		hint(c, xstrdup("install a kernel built with VFIO (CONFIG_VFIO, CONFIG_VFIO_PCI, "
				"CONFIG_VFIO_IOMMU_TYPE1), or its modules package"));
		return;
	}
	if (unknown) {
		add(c, "vfio-modules", CHECK_WARN, "%s; no module index at %s%s", list,
		    f->mod_dir ? f->mod_dir : "/lib/modules/RELEASE",
		    f->live ? "" : " in the snapshot");
		return;
	}
	add(c, "vfio-modules", CHECK_PASS, "%s", list);
	if (unloaded)
		hint(c, xstrdup("modprobe vfio-pci (loads vfio and vfio_iommu_type1 too); vfioctl "
				"bind loads it when needed"));
}

static void check_device(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	enum mod_state vfio = f->mods[MOD_VFIO];

	if (f->dev_vfio) {
		add(c, "vfio-device", CHECK_PASS, "/dev/vfio/vfio is present");
		return;
	}
	if (vfio == MOD_LOADED || vfio == MOD_BUILTIN) {
		add(c, "vfio-device", CHECK_WARN,
		    "vfio is %s but /dev/vfio/vfio is missing (no devtmpfs or udev here?)",
		    mod_state_name(vfio));
		hint(c, xstrdup("create it with 'mknod /dev/vfio/vfio c 10 196' or run udev"));
		return;
	}
	add(c, "vfio-device", CHECK_PASS,
	    "/dev/vfio/vfio is not there yet: it appears when vfio is loaded (see vfio-modules)");
}

/* iommufd (/dev/iommu): what QEMU's -object iommufd and the VFIO device cdev use. */
static void check_iommufd(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	enum mod_state m = f->mods[MOD_IOMMUFD];

	if (f->dev_iommu) {
		add(c, "iommufd", CHECK_PASS, "/dev/iommu is present (iommufd %s)",
		    mod_state_name(m));
		return;
	}
	switch (m) {
	case MOD_LOADED:
	case MOD_BUILTIN:
		add(c, "iommufd", CHECK_WARN, "iommufd is %s but /dev/iommu is missing",
		    mod_state_name(m));
		hint(c, xstrdup("run udev, or create it: mknod /dev/iommu c 10 $(sed -n "
				"'s/ iommu$//p' /proc/misc)"));
		return;
	case MOD_AVAILABLE:
		add(c, "iommufd", CHECK_PASS,
		    "available (not loaded): /dev/iommu appears when it is");
		hint(c,
		     xstrdup("modprobe iommufd, for VMMs that use iommufd (QEMU -object iommufd, "
			     "the VFIO device cdev)"));
		return;
	case MOD_MISSING:
		add(c, "iommufd", CHECK_PASS,
		    "not in this kernel (CONFIG_IOMMUFD): VMMs use the VFIO group and container "
		    "interface (/dev/vfio/N), which works");
		hint(c, xstrdup("for iommufd and the VFIO device cdev, boot a kernel built with "
				"CONFIG_IOMMUFD and CONFIG_VFIO_DEVICE_CDEV"));
		return;
	default:
		add(c, "iommufd", CHECK_SKIP, "unknown: no module index (see vfio-modules)");
	}
}

/* The per-device cdev /dev/vfio/devices/vfioN (Linux 6.6+, CONFIG_VFIO_DEVICE_CDEV). */
static void check_vfio_cdev(struct ctx *c)
{
	const struct iommu_facts *f = c->f;

	if (f->vfio_cdev == 1)
		add(c, "vfio-cdev", CHECK_PASS,
		    "enabled (%s): each vfio-pci device also gets /dev/vfio/devices/vfioN",
		    f->vfio_cdev_src);
	else if (f->vfio_cdev == 0)
		add(c, "vfio-cdev", CHECK_PASS,
		    "not in this kernel (%s): devices are opened through their group, /dev/vfio/N",
		    f->vfio_cdev_src);
	else
		add(c, "vfio-cdev", CHECK_SKIP,
		    "unknown until vfio is loaded (no kernel config to read)");
	if (f->vfio_cdev == 0)
		hint(c, xstrdup("VMMs that need the cdev (iommufd passthrough) need a kernel with "
				"CONFIG_VFIO_DEVICE_CDEV"));
}

static void check_noiommu(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	int on = bool_value(f->noiommu_param, f->noiommu_param != NULL);

	if (on == 1 || f->dev_noiommu) {
		add(c, "noiommu-mode", CHECK_WARN,
		    "VFIO no-IOMMU mode is on%s: devices bound to vfio-pci%s get no DMA isolation "
		    "at all (/dev/vfio/noiommu-N); safe only for trusted userspace drivers",
		    on == 1 ? " (vfio enable_unsafe_noiommu_mode=Y)" : "",
		    c->active ? " outside an IOMMU group" : "");
		hint(c, xstrdup("echo N > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode "
				"(and remove the option from /etc/modprobe.d and the kernel "
				"command line)"));
		return;
	}
	if (f->noiommu_param)
		add(c, "noiommu-mode", CHECK_PASS, "off (enable_unsafe_noiommu_mode=%s)",
		    f->noiommu_param);
	else if (f->mods[MOD_VFIO] == MOD_LOADED || f->mods[MOD_VFIO] == MOD_BUILTIN)
		add(c, "noiommu-mode", CHECK_PASS, "off (this vfio has no no-IOMMU mode)");
	else
		add(c, "noiommu-mode", CHECK_PASS, "off (vfio is not loaded)");
}

static void check_acs_override(struct ctx *c)
{
	bool found;
	const char *v = kcmdline_get(&c->cmd, "pcie_acs_override", &found);

	if (!found) {
		add(c, "acs-override", CHECK_PASS,
		    "no pcie_acs_override on the kernel command line");
		return;
	}
	add(c, "acs-override", CHECK_WARN,
	    "pcie_acs_override=%s: the IOMMU groups are split by an out-of-tree patch and are "
	    "not real isolation; devices in different groups may still reach each other by "
	    "peer-to-peer DMA",
	    v ? v : "");
	hint(c, xstrdup("'vfioctl groups --predict' shows the groups the hardware really "
			"isolates; assign only devices you trust together"));
}

static bool fault_line(const char *s)
{
	if (strstr(s, "DMAR") && (strstr(s, "fault addr") || strstr(s, "fault index") ||
				  strstr(s, "handling fault status")))
		return true;
	if (strstr(s, "AMD-Vi: Event logged ["))
		return true;
	if (strstr(s, "arm-smmu") &&
	    (strstr(s, "Unhandled context fault") || strstr(s, "event 0x") ||
	     strstr(s, "Blocked unknown Stream ID")))
		return true;
	return false;
}

static void check_faults(struct ctx *c)
{
	const struct klog *log = &c->f->log;
	size_t n = 0;
	long last = -1;

	if (!log->read) {
		add(c, "iommu-faults", CHECK_SKIP, "kernel log not read: %s",
		    log->why ? log->why : "unknown");
		if (!c->f->root)
			hint(c, xstrdup(root_hint(c->f)));
		return;
	}
	for (size_t i = 0; i < log->n; i++)
		if (fault_line(log->lines[i])) {
			n++;
			last = (long)i;
		}
	if (!n) {
		add(c, "iommu-faults", CHECK_PASS, "no DMAR/AMD-Vi/SMMU fault in the kernel log%s",
		    log->complete ? "" : " (it does not start at boot)");
		return;
	}
	add(c, "iommu-faults", CHECK_WARN,
	    "%zu IOMMU fault line%s in the kernel log, the last: \"%s\"", n, n == 1 ? "" : "s",
	    log->lines[last]);
	hint(c, xstrdup("a device did DMA that the IOMMU blocked: a buggy driver or firmware, a "
			"device needing an RMRR/identity mapping, or a device reset while in use; "
			"look at the device named in the line"));
}

void iommu_doctor_eval(const struct iommu_facts *f, struct doctor_report *rep)
{
	struct ctx c = { .f = f, .rep = rep };

	*rep = (struct doctor_report){ 0 };
	kcmdline_parse(&c.cmd, f->cmdline);
	c.intel_cpu = streq(f->cpu_vendor, "GenuineIntel");
	c.amd_cpu = streq(f->cpu_vendor, "AuthenticAMD") || streq(f->cpu_vendor, "HygonGenuine");
	c.fw_kind = firmware_kind(f);
	c.kind = f->n_units ? unit_kind(f->units[0]) : c.fw_kind;
	c.active = f->n_units > 0 && f->n_groups > 0;

	check_cpu(&c);
	check_firmware(&c);
	check_cmdline(&c);
	check_enabled(&c);
	check_interrupt_remapping(&c);
	check_mode(&c);
	check_modules(&c);
	check_device(&c);
	check_iommufd(&c);
	check_vfio_cdev(&c);
	check_noiommu(&c);
	check_acs_override(&c);
	check_faults(&c);
	kcmdline_clear(&c.cmd);
}

void doctor_report_clear(struct doctor_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		free(rep->checks[i].detail);
		free(rep->checks[i].hint);
	}
	*rep = (struct doctor_report){ 0 };
}

bool doctor_ok(const struct doctor_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		if (rep->checks[i].status == CHECK_FAIL)
			return false;
	return true;
}
