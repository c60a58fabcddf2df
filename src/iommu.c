// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IOMMU and VFIO readiness, the facts: what sysfs, /proc, the kernel log and
 * the module index show. src/doctor.c judges them (vfioctl doctor).
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
	case IOMMU_KIND_ARM_SMMUV3:
		return "Arm SMMUv3";
	case IOMMU_KIND_VIRTIO:
		return "virtio-iommu";
	case IOMMU_KIND_OTHER:
		return "IOMMU";
	default:
		return "none";
	}
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
long klog_find(const struct klog *log, const char *needle, long from)
{
	for (size_t i = from < 0 ? 0 : (size_t)from; i < log->n; i++)
		if (strstr(log->lines[i], needle))
			return (long)i;
	return -1;
}

long klog_find_last(const struct klog *log, const char *needle)
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
const char *kcmdline_last_opt(const struct kcmdline *c, const char *key, const char *a,
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
int bool_value(const char *v, bool present)
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
	if (strstr(buf, "smmu-v3"))
		return IOMMU_KIND_ARM_SMMUV3;
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
