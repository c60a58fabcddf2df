// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The declarative configuration (see include/config.h): parsed with inih,
 * validated completely before anything uses it, every error with file and line.
 */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include <ini.h>

#include "config.h"
#include "errors.h"
#include "state.h"
#include "sysfs.h"
#include "topo.h"
#include "util.h"

enum section_kind {
	SEC_NONE,
	SEC_DEVICE,
	SEC_PF,
	SEC_INVALID
};

/* Per-key lines of a PF's VF, to report duplicates. */
struct vf_lines {
	int mac, vlan, qos, trust, spoofchk, state;
};

/* Parser state for one file. */
struct parse {
	struct config *c;
	const char *file; /* as stored in c->files */
	FILE *f;
	int line; /* of the line inih is processing */
	int errors;
	int last_error_line;
	enum section_kind kind;
	size_t idx; /* into c->devices or c->pfs */
	int key_line_driver, key_line_vfs, key_line_vf_driver; /* 0: not seen */
	struct vf_lines *vf_lines; /* parallel to the current PF's vfs */
};

_printf_(3, 4) static void perr(struct parse *p, int line, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	/* through log_error: escaped for the terminal, kept for --json */
	log_error("%s:%d: %s", p->file, line, r < 0 ? fmt : msg);
	p->errors++;
	p->last_error_line = line;
}

bool config_driver_valid(const char *s)
{
	size_t n = strlen(s);

	/* Module/driver names: what /sys/bus/pci/drivers/NAME can be. */
	if (n == 0 || n > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

int config_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	int n = 0;

	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 17; i++)
		if ((i % 3 == 2) ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return -EINVAL;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &n) !=
		    6 ||
	    n != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	if (mac[0] & 1)
		return -EINVAL; /* multicast/broadcast */
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return -EINVAL;
	return 0;
}

void config_format_mac(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

const char *config_link_state_name(int state)
{
	static const char *const names[] = { "auto", "enable", "disable" };

	return state >= 0 && state < 3 ? names[state] : NULL;
}

/* A decimal number in [min, max], no sign, no leading zeros. */
static bool parse_uint(const char *s, long min, long max, long *out)
{
	long v = 0;

	if (!*s || strlen(s) > 9 || (s[0] == '0' && s[1]))
		return false;
	for (const char *q = s; *q; q++) {
		if (!isdigit((unsigned char)*q))
			return false;
		v = v * 10 + (*q - '0');
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int parse_onoff(const char *s)
{
	if (streq(s, "on"))
		return 1;
	if (streq(s, "off"))
		return 0;
	return -1;
}

/* ------------------------------------------------------------------ sections */

static struct cfg_pf *cur_pf(struct parse *p)
{
	return p->kind == SEC_PF ? &p->c->pfs[p->idx] : NULL;
}

static const char *origin_str(const struct cfg_origin *o, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%d", o->file, o->line);
	return buf;
}

/* A "[TYPE ADDRESS]" header (name is what is between the brackets). */
static void section_begin(struct parse *p, const char *name)
{
	char type[16], arg[64], addr[16], where[PATH_MAX + 16];
	struct config *c = p->c;
	struct cfg_origin o = { p->file, p->line };
	bool is_short;
	int n = 0;

	free(p->vf_lines);
	p->vf_lines = NULL;
	p->key_line_driver = p->key_line_vfs = p->key_line_vf_driver = 0;
	p->kind = SEC_INVALID;
	if (sscanf(name, " %15s %63s %n", type, arg, &n) != 2 || name[n]) {
		perr(p, p->line, "[%s]: expected [device ADDRESS] or [pf ADDRESS]", name);
		return;
	}
	if (!streq(type, "device") && !streq(type, "pf")) {
		perr(p, p->line, "[%s]: unknown section type '%s' (device or pf)", name, type);
		return;
	}
	if (pci_addr_parse(arg, addr, &is_short) < 0) {
		if (ifname_valid(arg))
			perr(p, p->line,
			     "[%s]: '%s' is not a PCI address; give the device's address "
			     "(interface names change when a device is rebound)",
			     name, arg);
		else
			perr(p, p->line, "[%s]: '%s' is not a PCI address (0000:01:00.0)", name,
			     arg);
		return;
	}
	if (streq(type, "device")) {
		struct cfg_device *d = config_find_device(c, addr);

		if (d) {
			perr(p, p->line, "[%s]: %s is already configured at %s", name, addr,
			     origin_str(&d->origin, where, sizeof(where)));
			return;
		}
		c->devices = xrealloc(c->devices, (c->n_devices + 1) * sizeof(*c->devices));
		d = &c->devices[c->n_devices];
		memset(d, 0, sizeof(*d));
		memcpy(d->addr, addr, sizeof(addr));
		d->origin = o;
		p->idx = c->n_devices++;
		p->kind = SEC_DEVICE;
	} else {
		struct cfg_pf *pf = config_find_pf(c, addr);

		if (pf) {
			perr(p, p->line, "[%s]: PF %s is already configured at %s", name, addr,
			     origin_str(&pf->origin, where, sizeof(where)));
			return;
		}
		c->pfs = xrealloc(c->pfs, (c->n_pfs + 1) * sizeof(*c->pfs));
		pf = &c->pfs[c->n_pfs];
		memset(pf, 0, sizeof(*pf));
		memcpy(pf->addr, addr, sizeof(addr));
		pf->numvfs = -1;
		pf->origin = o;
		p->idx = c->n_pfs++;
		p->kind = SEC_PF;
	}
}

static int vf_cmp(const void *a, const void *b)
{
	return ((const struct cfg_vf *)a)->index - ((const struct cfg_vf *)b)->index;
}

/* Required keys and cross-key rules of the section just finished. */
static void section_end(struct parse *p)
{
	struct cfg_pf *pf = cur_pf(p);

	if (p->kind == SEC_DEVICE && !p->c->devices[p->idx].driver)
		perr(p, p->c->devices[p->idx].origin.line, "[device %s]: driver: missing",
		     p->c->devices[p->idx].addr);
	if (!pf)
		goto out;
	if (pf->numvfs < 0)
		perr(p, pf->origin.line, "[pf %s]: vfs: missing (the number of VFs to create)",
		     pf->addr);
	for (size_t i = 0; i < pf->n_vfs; i++) {
		struct cfg_vf *vf = &pf->vfs[i];

		if (pf->numvfs >= 0 && vf->index >= pf->numvfs)
			perr(p, vf->origin.line, "vf.%d: no such VF: vfs = %d (VFs 0 to %d)",
			     vf->index, pf->numvfs, pf->numvfs - 1);
		if (vf->attrs.qos > 0 && vf->attrs.vlan <= 0)
			perr(p, p->vf_lines[i].qos,
			     "vf.%d.qos: needs vf.%d.vlan 1-4095 (the kernel sets VLAN and priority "
			     "together; VLAN 0 means none)",
			     vf->index, vf->index);
	}
	if (pf->n_vfs > 1)
		qsort(pf->vfs, pf->n_vfs, sizeof(*pf->vfs), vf_cmp);
out:
	free(p->vf_lines);
	p->vf_lines = NULL;
	p->kind = SEC_NONE;
}

/* ------------------------------------------------------------------ keys */

static struct cfg_vf *vf_entry(struct parse *p, struct cfg_pf *pf, int index,
			       struct vf_lines **lines)
{
	size_t i;

	for (i = 0; i < pf->n_vfs; i++)
		if (pf->vfs[i].index == index) {
			*lines = &p->vf_lines[i];
			return &pf->vfs[i];
		}
	pf->vfs = xrealloc(pf->vfs, (pf->n_vfs + 1) * sizeof(*pf->vfs));
	p->vf_lines = xrealloc(p->vf_lines, (pf->n_vfs + 1) * sizeof(*p->vf_lines));
	pf->vfs[i] = (struct cfg_vf){ .index = index, .attrs = VF_ATTRS_UNSET };
	pf->vfs[i].origin = (struct cfg_origin){ p->file, p->line };
	memset(&p->vf_lines[i], 0, sizeof(p->vf_lines[i]));
	pf->n_vfs++;
	*lines = &p->vf_lines[i];
	return &pf->vfs[i];
}

/* Reports a duplicate key; returns true if the key was not seen yet. */
static bool first_time(struct parse *p, int *seen_line, const char *key)
{
	if (*seen_line) {
		perr(p, p->line, "%s: already set at line %d", key, *seen_line);
		return false;
	}
	*seen_line = p->line;
	return true;
}

static void vf_key(struct parse *p, struct cfg_pf *pf, const char *name, const char *value)
{
	struct vf_lines *lines;
	struct cfg_vf *vf;
	const char *attr;
	char *end;
	long idx, v;
	int b;

	/* vf.N.ATTR, N decimal */
	errno = 0;
	idx = strtol(name + 3, &end, 10);
	if (!isdigit((unsigned char)name[3]) || *end != '.' || errno || idx > 65535 ||
	    (name[3] == '0' && end != name + 4)) {
		perr(p, p->line,
		     "%s: unknown key (vf.N.mac, vf.N.vlan, vf.N.qos, vf.N.trust, "
		     "vf.N.spoofchk, vf.N.state)",
		     name);
		return;
	}
	attr = end + 1;
	if (!streq(attr, "mac") && !streq(attr, "vlan") && !streq(attr, "qos") &&
	    !streq(attr, "trust") && !streq(attr, "spoofchk") && !streq(attr, "state")) {
		perr(p, p->line,
		     "%s: unknown VF attribute '%s' (mac, vlan, qos, trust, spoofchk, "
		     "state)",
		     name, attr);
		return;
	}
	vf = vf_entry(p, pf, (int)idx, &lines);
	if (streq(attr, "mac")) {
		if (!first_time(p, &lines->mac, name))
			return;
		if (config_parse_mac(value, vf->attrs.mac) < 0) {
			perr(p, p->line,
			     "%s: '%s' is not a unicast, non-zero MAC address "
			     "(02:00:00:00:00:10)",
			     name, value);
			return;
		}
		vf->attrs.has_mac = true;
	} else if (streq(attr, "vlan")) {
		if (!first_time(p, &lines->vlan, name))
			return;
		if (!parse_uint(value, 0, 4095, &v)) {
			perr(p, p->line, "%s: '%s' is not a VLAN ID (0-4095; 0: none)", name,
			     value);
			return;
		}
		vf->attrs.vlan = (int)v;
	} else if (streq(attr, "qos")) {
		if (!first_time(p, &lines->qos, name))
			return;
		if (!parse_uint(value, 0, 7, &v)) {
			perr(p, p->line, "%s: '%s' is not a priority (0-7)", name, value);
			return;
		}
		vf->attrs.qos = (int)v;
	} else if (streq(attr, "trust") || streq(attr, "spoofchk")) {
		bool trust = streq(attr, "trust");

		if (!first_time(p, trust ? &lines->trust : &lines->spoofchk, name))
			return;
		b = parse_onoff(value);
		if (b < 0) {
			perr(p, p->line, "%s: '%s': expected on or off", name, value);
			return;
		}
		if (trust)
			vf->attrs.trust = b;
		else
			vf->attrs.spoofchk = b;
	} else {
		if (!first_time(p, &lines->state, name))
			return;
		for (b = 0; b < 3; b++)
			if (streq(value, config_link_state_name(b)))
				break;
		if (b == 3) {
			perr(p, p->line, "%s: '%s': expected auto, enable or disable", name, value);
			return;
		}
		vf->attrs.link_state = b;
	}
}

static int on_key(void *user, const char *section _unused_, const char *name, const char *value)
{
	struct parse *p = user;
	struct cfg_pf *pf = cur_pf(p);
	long v;

	switch (p->kind) {
	case SEC_INVALID:
		return 1; /* reported at the header */
	case SEC_NONE:
		perr(p, p->line, "%s: outside a section ([device ADDRESS] or [pf ADDRESS])", name);
		return 1;
	case SEC_DEVICE:
		if (!streq(name, "driver")) {
			perr(p, p->line, "%s: unknown key in a [device] section (driver)", name);
			return 1;
		}
		if (!first_time(p, &p->key_line_driver, name))
			return 1;
		if (!config_driver_valid(value)) {
			perr(p, p->line, "driver: '%s' is not a driver name", value);
			return 1;
		}
		p->c->devices[p->idx].driver = xstrdup(value);
		return 1;
	case SEC_PF:
		break;
	}
	if (streq(name, "vfs")) {
		if (!first_time(p, &p->key_line_vfs, name))
			return 1;
		if (!parse_uint(value, 0, 65535, &v)) {
			perr(p, p->line, "vfs: '%s' is not a number of VFs", value);
			return 1;
		}
		pf->numvfs = (int)v;
	} else if (streq(name, "vf-driver")) {
		if (!first_time(p, &p->key_line_vf_driver, name))
			return 1;
		if (!config_driver_valid(value)) {
			perr(p, p->line, "vf-driver: '%s' is not a driver name", value);
			return 1;
		}
		pf->vf_driver = xstrdup(value);
	} else if (startswith(name, "vf.")) {
		vf_key(p, pf, name, value);
	} else {
		perr(p, p->line, "%s: unknown key in a [pf] section (vfs, vf-driver, vf.N.KEY)",
		     name);
	}
	return 1;
}

/*
 * Where the part of a line that inih reads ends: before a comment (a '#' or
 * ';' that starts the line or follows white space, as inih's inline
 * comments) and the white space before it.
 */
static size_t content_length(const char *line, size_t len)
{
	size_t end = len;

	for (size_t i = 0; i < len; i++)
		if ((line[i] == '#' || line[i] == ';') &&
		    (i == 0 || isspace((unsigned char)line[i - 1]))) {
			end = i;
			break;
		}
	while (end > 0 && isspace((unsigned char)line[end - 1]))
		end--;
	return end;
}

/*
 * fgets() for inih that counts lines (so keys have line numbers), reports
 * NUL and other control bytes, hands inih a line without its comment (so
 * comments may be of any length, and inih's fixed line buffer only limits
 * the rest), and handles section headers itself (inih does not report
 * empty sections).
 */
static char *reader(char *buf, int num, void *user)
{
	struct parse *p = user;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, len;
	ssize_t n;
	char *s, *end;

	n = getline(&line, &cap, p->f);
	if (n < 0)
		return NULL;
	p->line++;
	len = (size_t)n;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		/* a line ends in "\n" or "\r\n" */
		if ((ch == '\n' && i == len - 1) ||
		    (ch == '\r' && i + 2 == len && line[i + 1] == '\n'))
			break;
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			if (ch)
				perr(p, p->line, "control character 0x%02x at column %zu", ch,
				     i + 1);
			else
				perr(p, p->line, "NUL byte at column %zu", i + 1);
			strcpy(buf, "\n");
			return buf;
		}
	}
	len = content_length(line, len);
	if (len + 2 > (size_t)num) {
		perr(p, p->line,
		     "line too long: %zu characters before its comment (at most %d; comments may "
		     "be of any length)",
		     len, num - 2);
		strcpy(buf, "\n");
		return buf;
	}
	memcpy(buf, line, len);
	strcpy(buf + len, "\n");
	for (s = buf; isspace((unsigned char)*s); s++)
		;
	if (*s != '[')
		return buf;
	section_end(p);
	end = strchr(s, ']');
	if (!end) {
		perr(p, p->line, "section header without ']'");
		p->kind = SEC_INVALID;
		strcpy(buf, "\n");
		return buf;
	}
	for (const char *q = end + 1; *q && *q != '#' && *q != ';'; q++)
		if (!isspace((unsigned char)*q)) {
			perr(p, p->line, "text after the section header's ']'");
			p->kind = SEC_INVALID;
			strcpy(buf, "\n");
			return buf;
		}
	*end = '\0';
	section_begin(p, s + 1);
	*end = ']';
	return buf;
}

/* Ownership and mode of a config file or directory (opened as fd). */
static int check_owner(int fd, const char *path)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_uid != 0) {
		log_error("%s: owned by uid %u, not root: refusing a configuration others can "
			  "change (fix: chown root: %s)",
			  path, (unsigned)st.st_uid, path);
		return -E_USAGE;
	}
	if ((st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_gid != 0)) {
		log_error("%s: writable by %s: refusing a configuration others can change "
			  "(fix: chmod go-w %s)",
			  path, (st.st_mode & S_IWOTH) ? "others" : "its group", path);
		return -E_USAGE;
	}
	return 0;
}

/* Parse one file into c. Returns the number of errors, or -errno if unreadable. */
static int parse_file(struct config *c, const char *path, unsigned flags)
{
	_cleanup_fclose_ FILE *f = NULL;
	struct parse p = { .c = c };
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "re");
	if (!f) {
		r = -errno;
		close(fd);
		return r;
	}
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		log_error("%s: not a regular file", path);
		return 1;
	}
	if (flags & CONFIG_CHECK_OWNER) {
		r = check_owner(fd, path);
		if (r == -E_USAGE)
			return 1;
		if (r < 0)
			return r;
	}
	strv_push(&c->files, &c->n_files, path);
	p.file = c->files[c->n_files - 1];
	p.f = f;

	/* Global knobs of Debian's libinih: '#' comments after values too, and no
	 * continuation lines (an indented "key = value" is a key, not a value). */
	ini_allow_multiline = false;
	ini_inline_comment_prefixes = (char *)";#";
	r = ini_parse_stream(reader, &p, on_key, &p);
	section_end(&p);
	if (r > 0 && r != p.last_error_line)
		perr(&p, r,
		     "syntax error: expected [device ADDRESS], [pf ADDRESS], "
		     "'key = value' or a # comment");
	else if (r < 0)
		perr(&p, p.line, "cannot parse (inih error %d)", r);
	if (ferror(f))
		return -EIO;
	return p.errors;
}

static int conf_filter(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return de->d_name[0] != '.' && n > 5 && streq(de->d_name + n - 5, ".conf");
}

/* Cross-entry rules once every file is read. */
static int check_whole(struct config *c)
{
	int errors = 0;

	for (size_t i = 0; i < c->n_pfs; i++) {
		struct cfg_device *d = config_find_device(c, c->pfs[i].addr);

		if (d) {
			log_error("%s:%d: [device %s]: also configured as [pf %s] at %s:%d: a "
				  "PF's VFs go away when its driver is unbound",
				  d->origin.file, d->origin.line, d->addr, c->pfs[i].addr,
				  c->pfs[i].origin.file, c->pfs[i].origin.line);
			errors++;
		}
	}
	return errors;
}

unsigned config_default_flags(void)
{
	return sysfs_live() && geteuid() == 0 ? CONFIG_CHECK_OWNER : 0;
}

int config_load(const char *file, unsigned flags, struct config **out)
{
	struct config *c = xcalloc(1, sizeof(*c));
	int errors = 0, r;

	*out = NULL;
	if (file) {
		r = parse_file(c, file, flags);
		if (r == -ENOENT && (flags & CONFIG_MISSING_OK))
			r = 0;
		if (r < 0) {
			log_error("%s: %s", file, strerror(-r));
			config_free(c);
			return r == -ENOENT ? -E_USAGE : r;
		}
		errors += r;
	} else {
		_cleanup_free_ char *main_path = sysfs_resolve(CONFIG_MAIN);
		_cleanup_free_ char *dir = sysfs_resolve(CONFIG_DIR);
		struct dirent **names = NULL;
		int n;

		r = parse_file(c, main_path, flags);
		if (r < 0 && r != -ENOENT) {
			log_error("%s: %s", main_path, strerror(-r));
			config_free(c);
			return r;
		}
		errors += r > 0 ? r : 0;
		if (flags & CONFIG_CHECK_OWNER) {
			_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			if (fd >= 0 && check_owner(fd, dir) < 0) {
				config_free(c);
				return -E_USAGE;
			}
		}
		n = scandir(dir, &names, conf_filter, alphasort);
		if (n < 0 && errno != ENOENT && errno != ENOTDIR) {
			r = -errno;
			log_error("%s: %s", dir, strerror(-r));
			config_free(c);
			return r;
		}
		for (int i = 0; i < n; i++) {
			_cleanup_free_ char *path = xasprintf("%s/%s", dir, names[i]->d_name);

			r = parse_file(c, path, flags);
			if (r < 0 && r != -ENOENT) {
				log_error("%s: %s", path, strerror(-r));
				errors++;
			} else if (r > 0) {
				errors += r;
			}
		}
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	if (!errors)
		errors += check_whole(c);
	if (errors) {
		config_free(c);
		return -E_USAGE;
	}
	*out = c;
	return 0;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_devices; i++)
		free(c->devices[i].driver);
	free(c->devices);
	for (size_t i = 0; i < c->n_pfs; i++) {
		free(c->pfs[i].vf_driver);
		free(c->pfs[i].vfs);
	}
	free(c->pfs);
	strv_free(c->files);
	free(c);
}

struct cfg_device *config_find_device(const struct config *c, const char *addr)
{
	for (size_t i = 0; i < c->n_devices; i++)
		if (streq(c->devices[i].addr, addr))
			return &c->devices[i];
	return NULL;
}

struct cfg_pf *config_find_pf(const struct config *c, const char *addr)
{
	for (size_t i = 0; i < c->n_pfs; i++)
		if (streq(c->pfs[i].addr, addr))
			return &c->pfs[i];
	return NULL;
}

const struct cfg_vf *config_find_vf(const struct cfg_pf *pf, int index)
{
	for (size_t i = 0; i < pf->n_vfs; i++)
		if (pf->vfs[i].index == index)
			return &pf->vfs[i];
	return NULL;
}

/* ------------------------------------------------------------------ writing */

static void write_vf(const struct cfg_vf *vf, FILE *f)
{
	const struct vf_attrs *a = &vf->attrs;
	char mac[18];

	if (a->has_mac) {
		config_format_mac(a->mac, mac);
		fprintf(f, "vf.%d.mac = %s\n", vf->index, mac);
	}
	if (a->vlan >= 0)
		fprintf(f, "vf.%d.vlan = %d\n", vf->index, a->vlan);
	if (a->qos >= 0)
		fprintf(f, "vf.%d.qos = %d\n", vf->index, a->qos);
	if (a->trust >= 0)
		fprintf(f, "vf.%d.trust = %s\n", vf->index, a->trust ? "on" : "off");
	if (a->spoofchk >= 0)
		fprintf(f, "vf.%d.spoofchk = %s\n", vf->index, a->spoofchk ? "on" : "off");
	if (a->link_state >= 0)
		fprintf(f, "vf.%d.state = %s\n", vf->index, config_link_state_name(a->link_state));
}

void config_write(const struct config *c, FILE *f)
{
	bool first = true;

	for (size_t i = 0; i < c->n_devices; i++) {
		fprintf(f, "%s[device %s]\ndriver = %s\n", first ? "" : "\n", c->devices[i].addr,
			c->devices[i].driver);
		first = false;
	}
	for (size_t i = 0; i < c->n_pfs; i++) {
		const struct cfg_pf *pf = &c->pfs[i];

		fprintf(f, "%s[pf %s]\nvfs = %d\n", first ? "" : "\n", pf->addr, pf->numvfs);
		if (pf->vf_driver)
			fprintf(f, "vf-driver = %s\n", pf->vf_driver);
		for (size_t j = 0; j < pf->n_vfs; j++)
			write_vf(&pf->vfs[j], f);
		first = false;
	}
}

/* Write CONFIG_PERSIST atomically (state.c): readers see the old file or the new one. */
static int persist_write(const struct config *c)
{
	_cleanup_free_ char *dir = sysfs_resolve(CONFIG_DIR);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		log_error("%s: %s", dir, strerror(-r));
		return r;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return -errno;
	fputs("# Written by vfioctl --persist; read at boot by 'vfioctl apply' and the udev rule.\n"
	      "# See vfioctl(8), CONFIGURATION. Edits are kept; comments are not.\n\n",
	      f);
	config_write(c, f);
	if (fclose(f) != 0)
		return -ENOMEM;
	r = state_write_atomic(CONFIG_PERSIST, text, len, 0644);
	if (r < 0) {
		log_error("%s: %s", CONFIG_PERSIST, strerror(-r));
		return r;
	}
	log_debug("%s: written", CONFIG_PERSIST);
	return 0;
}

/*
 * The whole configuration (to find entries in other files) and the persist
 * file alone (what we rewrite). Refuses when the configuration is invalid.
 */
static int persist_load(struct config **all, struct config **own)
{
	_cleanup_free_ char *path = sysfs_resolve(CONFIG_PERSIST);
	int r;

	r = config_load(NULL, config_default_flags(), all);
	if (r < 0) {
		log_error("--persist: fix the configuration first");
		return r;
	}
	r = config_load(path, config_default_flags() | CONFIG_MISSING_OK, own);
	if (r < 0) {
		config_free(*all);
		*all = NULL;
	}
	return r;
}

/* An entry in a file other than the persist file: where, or NULL. */
static const struct cfg_origin *elsewhere(const struct cfg_origin *o)
{
	_cleanup_free_ char *path = sysfs_resolve(CONFIG_PERSIST);

	return o && !streq(o->file, path) ? o : NULL;
}

int config_persist_device(const char *addr, const char *driver, bool check_only)
{
	_cleanup_config_ struct config *all = NULL, *own = NULL;
	const struct cfg_origin *o;
	struct cfg_device *d;
	int r;

	r = persist_load(&all, &own);
	if (r < 0)
		return r;
	d = config_find_device(all, addr);
	o = elsewhere(d ? &d->origin : NULL);
	if (o) {
		if (streq(d->driver, driver))
			return 0;
		log_error("%s:%d: [device %s] sets driver = %s: change it there, --persist "
			  "only writes %s",
			  o->file, o->line, addr, d->driver, CONFIG_PERSIST);
		return -E_USAGE;
	}
	if (config_find_pf(all, addr)) {
		log_error("%s: configured as an SR-IOV PF: not persisting a driver for it", addr);
		return -E_USAGE;
	}
	if (check_only)
		return 0;
	d = config_find_device(own, addr);
	if (!d) {
		own->devices = xrealloc(own->devices, (own->n_devices + 1) * sizeof(*d));
		d = &own->devices[own->n_devices++];
		memset(d, 0, sizeof(*d));
		snprintf(d->addr, sizeof(d->addr), "%s", addr);
	}
	free(d->driver);
	d->driver = xstrdup(driver);
	return persist_write(own);
}

/* The PF entry of the persist file, created with numvfs if missing. */
static int persist_pf_entry(struct config *all, struct config *own, const char *addr, int numvfs,
			    struct cfg_pf **out)
{
	struct cfg_pf *pf = config_find_pf(all, addr);
	const struct cfg_origin *o = elsewhere(pf ? &pf->origin : NULL);

	if (o) {
		log_error("%s:%d: [pf %s] is configured there: change it there, --persist only "
			  "writes %s",
			  o->file, o->line, addr, CONFIG_PERSIST);
		return -E_USAGE;
	}
	if (config_find_device(all, addr)) {
		log_error("%s: configured as a [device]: not persisting SR-IOV settings for it",
			  addr);
		return -E_USAGE;
	}
	pf = config_find_pf(own, addr);
	if (!pf) {
		own->pfs = xrealloc(own->pfs, (own->n_pfs + 1) * sizeof(*pf));
		pf = &own->pfs[own->n_pfs++];
		memset(pf, 0, sizeof(*pf));
		snprintf(pf->addr, sizeof(pf->addr), "%s", addr);
		pf->numvfs = numvfs;
	}
	*out = pf;
	return 0;
}

int config_persist_pf(const char *addr, int numvfs, const char *vf_driver, bool check_only)
{
	_cleanup_config_ struct config *all = NULL, *own = NULL;
	struct cfg_pf *pf;
	size_t keep = 0;
	int r;

	r = persist_load(&all, &own);
	if (r < 0)
		return r;
	r = persist_pf_entry(all, own, addr, numvfs, &pf);
	if (r < 0 || check_only)
		return r;
	pf->numvfs = numvfs;
	free(pf->vf_driver);
	pf->vf_driver = vf_driver ? xstrdup(vf_driver) : NULL;
	/* attributes of VFs that no longer exist would make the file invalid */
	for (size_t i = 0; i < pf->n_vfs; i++)
		if (pf->vfs[i].index < numvfs)
			pf->vfs[keep++] = pf->vfs[i];
	pf->n_vfs = keep;
	return persist_write(own);
}

int config_persist_vf(const char *pf_addr, int vf, const struct vf_attrs *attrs, int numvfs,
		      bool check_only)
{
	_cleanup_config_ struct config *all = NULL, *own = NULL;
	struct cfg_vf *e = NULL;
	struct cfg_pf *pf;
	int r;

	r = persist_load(&all, &own);
	if (r < 0)
		return r;
	r = persist_pf_entry(all, own, pf_addr, numvfs, &pf);
	if (r < 0)
		return r;
	if (vf >= pf->numvfs) {
		log_error("%s: VF %d: the configuration has vfs = %d", pf_addr, vf, pf->numvfs);
		return -E_USAGE;
	}
	if (check_only)
		return 0;
	for (size_t i = 0; i < pf->n_vfs; i++)
		if (pf->vfs[i].index == vf)
			e = &pf->vfs[i];
	if (!e) {
		pf->vfs = xrealloc(pf->vfs, (pf->n_vfs + 1) * sizeof(*pf->vfs));
		e = &pf->vfs[pf->n_vfs++];
		*e = (struct cfg_vf){ .index = vf, .attrs = VF_ATTRS_UNSET };
	}
	if (attrs->has_mac) {
		e->attrs.has_mac = true;
		memcpy(e->attrs.mac, attrs->mac, 6);
	}
	if (attrs->vlan >= 0)
		e->attrs.vlan = attrs->vlan;
	if (attrs->qos >= 0)
		e->attrs.qos = attrs->qos;
	if (attrs->trust >= 0)
		e->attrs.trust = attrs->trust;
	if (attrs->spoofchk >= 0)
		e->attrs.spoofchk = attrs->spoofchk;
	if (attrs->link_state >= 0)
		e->attrs.link_state = attrs->link_state;
	qsort(pf->vfs, pf->n_vfs, sizeof(*pf->vfs), vf_cmp);
	return persist_write(own);
}

/* ------------------------------------------------------------------ vs. the topology */

struct topo_dev **config_members(const struct topo *t, const struct topo_dev *d)
{
	struct topo_dev **v = xcalloc(2, sizeof(*v));
	size_t n = 1;

	v[0] = (struct topo_dev *)d;
	if (d->iommu_group < 0)
		return v;
	for (size_t i = 0; i < t->n; i++) {
		struct topo_dev *m = &t->devs[i];

		if (m == d || m->iommu_group != d->iommu_group || topo_is_bridge(m))
			continue;
		v = xrealloc(v, (n + 2) * sizeof(*v));
		v[n++] = m;
		v[n] = NULL;
	}
	return v;
}

struct topo_dev *config_vf_dev(const struct topo *t, const struct topo_dev *pf, int index)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->devs[i].physfn == pf && t->devs[i].vf_index == index)
			return &t->devs[i];
	return NULL;
}

const char *config_wanted_driver(const struct config *c, const struct topo *t,
				 const struct topo_dev *d, const struct cfg_origin **origin)
{
	const struct cfg_device *e = config_find_device(c, d->addr);

	if (e) {
		*origin = &e->origin;
		return e->driver;
	}
	/* another member of the group is configured: the whole group moves */
	for (size_t i = 0; i < c->n_devices && d->iommu_group >= 0 && !topo_is_bridge(d); i++) {
		const struct topo_dev *m = topo_find(t, c->devices[i].addr);

		if (m && m->iommu_group == d->iommu_group) {
			*origin = &c->devices[i].origin;
			return c->devices[i].driver;
		}
	}
	if (d->physfn) {
		const struct cfg_pf *pf = config_find_pf(c, d->physfn->addr);

		if (pf && pf->vf_driver) {
			*origin = &pf->origin;
			return pf->vf_driver;
		}
	}
	return NULL;
}
