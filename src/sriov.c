// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SR-IOV: resize a PF's VFs (sriov_numvfs, through 0), bind new VFs without
 * the host VF driver (sriov_drivers_autoprobe off meanwhile, then the batch
 * engine), and VF attributes over rtnetlink. Kernel side: drivers/pci/iov.c
 * (sriov_numvfs_store) and net/core/rtnetlink.c (do_setvfinfo).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "errors.h"
#include "netlink.h"
#include "output.h"
#include "rebind.h"
#include "sriov.h"
#include "sysfs.h"
#include "topo.h"
#include "util.h"

/* --- helpers ---------------------------------------------------------------- */

const char *sriov_pf_ifname(const struct topo_dev *pf)
{
	return pf->n_netdevs ? pf->netdevs[0] : NULL;
}

int sriov_parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		const char *p = s + 3 * i;

		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]))
			return -EINVAL;
		if (p[2] != (i < 5 ? ':' : '\0'))
			return -EINVAL;
		mac[i] = (uint8_t)strtoul((char[]){ p[0], p[1], '\0' }, NULL, 16);
	}
	return 0;
}

void sriov_format_mac(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

const char *sriov_link_state_name(int state)
{
	switch (state) {
	case 0:
		return "auto";
	case 1:
		return "enable";
	case 2:
		return "disable";
	default:
		return NULL;
	}
}

int sriov_vf_attrs_validate(const struct vf_attrs *a, const char **why)
{
	static const uint8_t zero[6];

	if (a->has_mac && (a->mac[0] & 1)) {
		*why = "MAC address is multicast (a VF needs a unicast address)";
		return -E_USAGE;
	}
	if (a->has_mac && memcmp(a->mac, zero, 6) == 0) {
		*why = "MAC address 00:00:00:00:00:00 is not a usable address";
		return -E_USAGE;
	}
	if (a->vlan > 4095 || a->vlan < -1) {
		*why = "VLAN ID must be 0-4095";
		return -E_USAGE;
	}
	if (a->qos > 7 || a->qos < -1) {
		*why = "QoS (802.1p priority) must be 0-7";
		return -E_USAGE;
	}
	if (a->qos >= 0 && a->vlan < 0) {
		*why = "QoS is set together with a VLAN (--vlan ID --qos N)";
		return -E_USAGE;
	}
	/* the priority lives in a VLAN tag, and VLAN 0 means none */
	if (a->qos > 0 && a->vlan == 0) {
		*why = "QoS needs a VLAN ID 1-4095 (VLAN 0 means no VLAN, so no priority)";
		return -E_USAGE;
	}
	if (a->trust > 1 || a->trust < -1 || a->spoofchk > 1 || a->spoofchk < -1) {
		*why = "trust and spoofchk are on or off";
		return -E_USAGE;
	}
	if (a->link_state > 2 || a->link_state < -1) {
		*why = "link state is auto, enable or disable";
		return -E_USAGE;
	}
	return 0;
}

static json_t *int_or_null(int v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *bool_or_null(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

json_t *sriov_vf_attrs_json(const struct vf_attrs *a)
{
	json_t *o = json_object();
	char mac[18];

	if (a->has_mac)
		sriov_format_mac(a->mac, mac);
	json_object_set_new(o, "mac", a->has_mac ? json_string(mac) : json_null());
	json_object_set_new(o, "vlan", int_or_null(a->vlan));
	json_object_set_new(o, "qos", int_or_null(a->qos));
	json_object_set_new(o, "trust", bool_or_null(a->trust));
	json_object_set_new(o, "spoofchk", bool_or_null(a->spoofchk));
	json_object_set_new(o, "link_state",
			    json_string_or_null(sriov_link_state_name(a->link_state)));
	return o;
}

static size_t count_pfs(const struct topo *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		n += t->devs[i].sriov_pf;
	return n;
}

int sriov_resolve_pf(struct topo *t, const char *arg, struct topo_dev **pf)
{
	struct topo_dev *d = NULL;
	int r;

	if (!arg) {
		size_t n = count_pfs(t);

		for (size_t i = 0; n == 1 && i < t->n; i++)
			if (t->devs[i].sriov_pf)
				d = &t->devs[i];
		if (d) {
			*pf = d;
			return 0;
		}
		if (n == 0) {
			log_error("no SR-IOV physical function on this host");
			return -ENODEV;
		}
		log_error("%zu SR-IOV physical functions: name one (address or interface):", n);
		for (size_t i = 0; i < t->n; i++) {
			const struct topo_dev *p = &t->devs[i];

			if (p->sriov_pf)
				fprintf(stderr, "  %s  %s  %s  %d/%d VFs\n", p->addr,
					sriov_pf_ifname(p) ? sriov_pf_ifname(p) : "-",
					p->driver ? p->driver : "-", p->sriov_numvfs,
					p->sriov_totalvfs);
		}
		return -E_USAGE;
	}
	r = topo_resolve(t, arg, &d);
	if (r < 0)
		return report_resolve_error(arg, r);
	if (d->physfn) {
		log_error("%s: %s is VF %d of %s; name the physical function", arg, d->addr,
			  d->vf_index, d->physfn->addr);
		return -E_USAGE;
	}
	if (!d->sriov_pf) {
		log_error("%s: %s is not an SR-IOV physical function (no sriov_totalvfs)", arg,
			  d->addr);
		return -E_USAGE;
	}
	*pf = d;
	return 0;
}

/* The PF by full address in a fresh scan; reported errors. */
static int scan_pf(const char *pf_addr, struct topo **t, struct topo_dev **pf)
{
	int r = topo_scan_reported(t, TOPO_SCAN_LINKS);

	if (r < 0)
		return r;
	*pf = topo_find(*t, pf_addr);
	if (!*pf) {
		log_error("%s: no such PCI device", pf_addr);
		return -ENODEV;
	}
	if (!(*pf)->sriov_pf) {
		log_error("%s: not an SR-IOV physical function (no sriov_totalvfs)", pf_addr);
		return -E_USAGE;
	}
	return 0;
}

/* VFs of pf in t by index: vfs[i] or NULL; n = pf->sriov_numvfs. */
static struct topo_dev **vfs_of(struct topo *t, const struct topo_dev *pf, size_t *n)
{
	size_t cnt = pf->sriov_numvfs > 0 ? (size_t)pf->sriov_numvfs : 0;
	struct topo_dev **v = xcalloc(cnt + 1, sizeof(*v));

	for (size_t i = 0; i < t->n; i++) {
		struct topo_dev *d = &t->devs[i];

		if (d->physfn == pf && d->vf_index >= 0 && (size_t)d->vf_index < cnt)
			v[d->vf_index] = d;
	}
	*n = cnt;
	return v;
}

/* --- VF attributes ------------------------------------------------------------ */

static int vf_read(const char *ifname, int vf, struct vf_attrs *out)
{
	_cleanup_free_ struct vf_attrs *all = NULL;
	size_t n = 0;
	int r = nl_vf_list(ifname, &all, &n);

	if (r < 0) {
		log_error("%s: reading VF attributes (rtnetlink): %s", ifname, strerror(-r));
		return r;
	}
	if ((size_t)vf >= n) {
		log_error("%s: the interface reports %zu VFs, not VF %d", ifname, n, vf);
		return -ENODEV;
	}
	*out = all[vf];
	return 0;
}

int sriov_vf_get(const char *pf_addr, int vf, struct vf_attrs *out)
{
	_cleanup_topo_ struct topo *t = NULL;
	struct topo_dev *pf;
	const char *ifname;
	int r = scan_pf(pf_addr, &t, &pf);

	if (r < 0)
		return r;
	if (vf < 0 || vf >= pf->sriov_numvfs) {
		log_error("%s: no VF %d (%d VFs enabled)", pf_addr, vf, pf->sriov_numvfs);
		return -E_USAGE;
	}
	ifname = sriov_pf_ifname(pf);
	if (!ifname) {
		log_error("%s: no network interface: VF attributes live in the PF's interface",
			  pf_addr);
		return -ENODEV;
	}
	if (!sysfs_live()) {
		log_error("%s: VF attributes come from rtnetlink: unknown in a snapshot", pf_addr);
		return -EOPNOTSUPP;
	}
	return vf_read(ifname, vf, out);
}

/* The attributes in the order they are set, one RTM_SETLINK each. */
enum vf_field {
	F_MAC,
	F_VLAN,
	F_SPOOFCHK,
	F_TRUST,
	F_LINK_STATE,
	F_N
};
static const char *const field_names[F_N] = { "MAC address", "VLAN", "spoofchk", "trust",
					      "link state" };

static bool field_set(const struct vf_attrs *a, enum vf_field f)
{
	switch (f) {
	case F_MAC:
		return a->has_mac;
	case F_VLAN:
		return a->vlan >= 0;
	case F_SPOOFCHK:
		return a->spoofchk >= 0;
	case F_TRUST:
		return a->trust >= 0;
	case F_LINK_STATE:
		return a->link_state >= 0;
	default:
		return false;
	}
}

static bool field_equal(const struct vf_attrs *a, const struct vf_attrs *b, enum vf_field f)
{
	switch (f) {
	case F_MAC:
		return a->has_mac && b->has_mac && memcmp(a->mac, b->mac, 6) == 0;
	case F_VLAN:
		return a->vlan == b->vlan && (a->qos < 0 ? 0 : a->qos) == (b->qos < 0 ? 0 : b->qos);
	case F_SPOOFCHK:
		return a->spoofchk == b->spoofchk;
	case F_TRUST:
		return a->trust == b->trust;
	case F_LINK_STATE:
		return a->link_state == b->link_state;
	default:
		return false;
	}
}

/* Only field f of src. */
static struct vf_attrs field_only(const struct vf_attrs *src, enum vf_field f)
{
	struct vf_attrs a = VF_ATTRS_UNSET;

	switch (f) {
	case F_MAC:
		a.has_mac = src->has_mac;
		memcpy(a.mac, src->mac, 6);
		break;
	case F_VLAN:
		a.vlan = src->vlan;
		a.qos = src->qos;
		break;
	case F_SPOOFCHK:
		a.spoofchk = src->spoofchk;
		break;
	case F_TRUST:
		a.trust = src->trust;
		break;
	case F_LINK_STATE:
		a.link_state = src->link_state;
		break;
	default:
		break;
	}
	return a;
}

static const char *set_error_text(int r)
{
	switch (-r) {
	case EOPNOTSUPP:
		return "the PF's driver does not support setting it";
	case EPERM:
	case EACCES:
		return "not permitted (needs CAP_NET_ADMIN)";
	case EINVAL:
		return "the PF's driver rejected the value";
	default:
		return strerror(-r);
	}
}

/* Put back the fields in done[] to before; false if one could not be. */
static bool vf_undo(const char *ifname, int vf, const struct vf_attrs *before, const bool *done)
{
	bool ok = true;

	for (int f = F_N - 1; f >= 0; f--) {
		struct vf_attrs a;
		int r;

		if (!done[f])
			continue;
		a = field_only(before, (enum vf_field)f);
		if (!field_set(&a, (enum vf_field)f)) {
			log_error("%s VF %d: %s was changed and its old value is unknown", ifname,
				  vf, field_names[f]);
			ok = false;
			continue;
		}
		r = nl_vf_set(ifname, vf, &a, NULL);
		if (r < 0) {
			log_error("%s VF %d: could not restore %s: %s", ifname, vf, field_names[f],
				  set_error_text(r));
			ok = false;
		}
	}
	return ok;
}

/* As rebind_require_root(), in the words of rtnetlink. */
static int vf_require_root(void)
{
	if (sysfs_live() && geteuid() != 0) {
		log_error("sriov vf: setting VF attributes needs root (CAP_NET_ADMIN); try "
			  "--dry-run");
		return -EPERM;
	}
	return rebind_require_root("sriov vf", false);
}

int sriov_vf_set(const char *pf_addr, int vf, const struct vf_attrs *want, bool dry_run)
{
	_cleanup_topo_ struct topo *t = NULL;
	struct vf_attrs before, after, w = *want;
	bool done[F_N] = { false };
	struct topo_dev *pf;
	const char *ifname, *why;
	int r = scan_pf(pf_addr, &t, &pf);

	if (r < 0)
		return r;
	if (sriov_vf_attrs_validate(want, &why) < 0) {
		log_error("%s VF %d: %s", pf_addr, vf, why);
		return -E_USAGE;
	}
	if (vf < 0 || vf >= pf->sriov_numvfs) {
		log_error("%s: no VF %d (%d VFs enabled)", pf_addr, vf, pf->sriov_numvfs);
		return -E_USAGE;
	}
	ifname = sriov_pf_ifname(pf);
	if (!ifname) {
		log_error("%s: no network interface (is its driver bound?): VF attributes are set "
			  "through the PF's interface",
			  pf_addr);
		return -ENODEV;
	}
	if (dry_run)
		return 0;
	r = vf_require_root();
	if (r < 0)
		return r;
	r = vf_read(ifname, vf, &before);
	if (r < 0)
		return r;
	if (w.qos >= 0 && w.vlan < 0)
		w.vlan = before.vlan;

	for (int f = 0; f < F_N; f++) {
		struct vf_attrs one;
		_cleanup_free_ char *ack = NULL;

		if (!field_set(&w, (enum vf_field)f) || field_equal(&w, &before, (enum vf_field)f))
			continue;
		one = field_only(&w, (enum vf_field)f);
		r = nl_vf_set(ifname, vf, &one, &ack);
		if (r < 0) {
			log_error("%s VF %d: setting %s: %s%s%s", ifname, vf, field_names[f],
				  set_error_text(r), ack ? ": " : "", ack ? ack : "");
			return vf_undo(ifname, vf, &before, done) ? -E_REFUSED : -E_PARTIAL;
		}
		done[f] = true;
	}

	/* Drivers may accept a value and keep another: read back and compare. */
	r = vf_read(ifname, vf, &after);
	if (r < 0)
		return -E_PARTIAL;
	for (int f = 0; f < F_N; f++) {
		if (!field_set(&w, (enum vf_field)f) || field_equal(&w, &after, (enum vf_field)f))
			continue;
		log_error("%s VF %d: %s did not take effect (the driver reports another value)",
			  ifname, vf, field_names[f]);
		return vf_undo(ifname, vf, &before, done) ? -E_REFUSED : -E_PARTIAL;
	}
	return 0;
}

static void strv_freep(char ***v)
{
	strv_free(*v);
}

/* --- sriov_numvfs and sriov_drivers_autoprobe ----------------------------------- */

/*
 * Write sriov_numvfs in a child process: the kernel may block in the write for
 * as long as a driver probes or releases VFs (a VF vfio-pci hands to a VM is
 * not released until the VM lets go). After the deadline vfioctl reports and
 * returns; the child stays blocked in the kernel and finishes on its own.
 * 0, -errno of the write, or -ETIMEDOUT (*pid: the child still writing).
 */
static int write_with_deadline(const char *host_path, const char *value, int timeout, pid_t *pid)
{
	struct timespec start, now, nap = { 0, 10 * 1000 * 1000 };
	int status;
	pid_t child;

	fflush(NULL);
	child = fork();
	if (child < 0)
		return -errno;
	if (child == 0) {
		int r, null = open("/dev/null", O_RDWR | O_CLOEXEC);

		rebind_lock_close_inherited();

		/* Left behind after a timeout, it must not hold the caller's pipes open. */
		for (int fd = 0; fd < 3 && null >= 0; fd++)
			dup2(null, fd);
		r = sysfs_write(host_path, value);

		_exit(r < 0 && -r < 256 ? -r : r < 0 ? EIO : 0);
	}
	*pid = child;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t w = waitpid(child, &status, WNOHANG);

		if (w == child)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= timeout)
			return -ETIMEDOUT;
		nanosleep(&nap, NULL);
	}
	if (!WIFEXITED(status))
		return -EIO;
	return -WEXITSTATUS(status);
}

struct set_ctx {
	const char *pf_addr;
	const struct sriov_set_req *req;
	json_t *res, *steps;
	int numvfs, autoprobe; /* as the device is now (after our writes) */
	bool hung; /* a write is still blocked in the kernel: write nothing more */
	bool wrote; /* something was written (a failure then means an undo) */
	char *left; /* what could not be undone */
};

static void add_left(struct set_ctx *c, const char *fmt, ...) _printf_(2, 3);
static void add_left(struct set_ctx *c, const char *fmt, ...)
{
	_cleanup_free_ char *s = NULL, *old = c->left;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	c->left = old ? xasprintf("%s; %s", old, s) : xstrdup(s);
}

static json_t *step_new(struct set_ctx *c, const char *action, bool undo)
{
	json_t *s = json_object();

	json_object_set_new(s, "action", json_string(action));
	json_object_set_new(s, "attribute", json_null());
	json_object_set_new(s, "value", json_null());
	json_object_set_new(s, "driver", json_null());
	json_object_set_new(s, "devices", json_array());
	json_object_set_new(s, "status", json_string(c->req->dry_run ? "planned" : "running"));
	json_object_set_new(s, "error", json_null());
	json_object_set_new(s, "undo", json_boolean(undo));
	json_array_append_new(c->steps, s);
	return s;
}

static void step_done(json_t *s, int r, const char *error)
{
	json_object_set_new(s, "status", json_string(r == 0 ? "done" : "failed"));
	if (r < 0)
		json_object_set_new(s, "error", json_string(error ? error : strerror(-r)));
}

static const char *numvfs_error(int r)
{
	switch (-r) {
	case EBUSY:
		return "EBUSY: VFs exist already; the count changes through 0";
	case ERANGE:
		return "ERANGE: more VFs than sriov_totalvfs";
	case ENOENT:
		return "ENOENT: the PF's driver cannot enable SR-IOV (no driver, or one without "
		       "sriov_configure)";
	case ENOMEM:
		return "ENOMEM: the kernel could not allocate the VFs' resources (bus numbers, "
		       "MMIO space)";
	case ETIMEDOUT:
		return "still blocked in the kernel after the timeout";
	default:
		return strerror(-r);
	}
}

static int write_attr(struct set_ctx *c, const char *attr, int value, bool undo)
{
	_cleanup_free_ char *path = sysfs_pci_dev(c->pf_addr, attr);
	char buf[16];
	json_t *s = step_new(c, "write", undo);
	bool numvfs = streq(attr, "sriov_numvfs");
	_cleanup_(strv_freep) char **gone = NULL;
	size_t ngone = 0;
	pid_t pid = 0;
	long back;
	int r;

	snprintf(buf, sizeof(buf), "%d", value);
	json_object_set_new(s, "attribute", json_string(attr));
	json_object_set_new(s, "value", json_string(buf));
	if (c->req->dry_run) {
		if (numvfs)
			c->numvfs = value;
		else
			c->autoprobe = value;
		return 0;
	}
	c->wrote = true;
	if (numvfs && value == 0) {
		_cleanup_topo_ struct topo *t = NULL;
		struct topo_dev *pf;

		/* The VFs about to go away, to drop them from the engine's journal. */
		if (topo_scan(&t, 0) == 0 && (pf = topo_find(t, c->pf_addr)))
			for (size_t i = 0; i < t->n; i++)
				if (t->devs[i].physfn == pf)
					strv_push(&gone, &ngone, t->devs[i].addr);
	}
	if (numvfs) {
		int timeout = c->req->timeout > 0 ? c->req->timeout : SRIOV_TIMEOUT_DEFAULT;

		log_debug("%s: %s = %s (deadline %d s)", c->pf_addr, attr, buf, timeout);
		r = write_with_deadline(path, buf, timeout, &pid);
		if (r == -ETIMEDOUT) {
			c->hung = true;
			add_left(c,
				 "writing %s to sriov_numvfs did not finish in %d s; process %d is "
				 "still waiting in the kernel (see the kernel log) and the VF "
				 "count is unknown",
				 buf, timeout, (int)pid);
		}
	} else {
		r = sysfs_write(path, buf);
	}
	if (r == 0 && sysfs_read_long(path, 10, &back) == 0 && back != value) {
		/* sriov_configure may enable fewer VFs than asked and still succeed. */
		_cleanup_free_ char *why =
			xasprintf("the kernel reports %ld after the write", back);

		step_done(s, -EIO, why);
		log_error("%s: %s = %s: %s", c->pf_addr, attr, buf, why);
		if (numvfs)
			c->numvfs = (int)back;
		return -EIO;
	}
	step_done(s, r, numvfs ? numvfs_error(r) : NULL);
	if (r < 0) {
		log_error("%s: writing %s to %s: %s", c->pf_addr, buf, attr,
			  numvfs ? numvfs_error(r) : strerror(-r));
		return r;
	}
	if (numvfs)
		c->numvfs = value;
	else
		c->autoprobe = value;
	if (ngone && rebind_journal_forget(gone, ngone) < 0)
		log_warn("%s: could not drop the removed VFs from the journal", c->pf_addr);
	return 0;
}

static json_t *vf_addrs_json(struct topo_dev **vfs, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		if (vfs[i])
			json_array_append_new(a, json_string(vfs[i]->addr));
	return a;
}

/* The engine's blockers and warnings: into the result, and said on stderr. */
static void merge_messages(struct set_ctx *c, const struct rebind_batch *b)
{
	for (size_t i = 0; i < b->n_blockers; i++) {
		json_array_append_new(json_object_get(c->res, "blockers"),
				      json_string(b->blockers[i]));
		if (c->req->force)
			log_warn("%s (going on: --force)", b->blockers[i]);
		else
			log_error("refused: %s", b->blockers[i]);
	}
	for (size_t i = 0; i < b->n_warnings; i++) {
		json_array_append_new(json_object_get(c->res, "warnings"),
				      json_string(b->warnings[i]));
		log_warn("%s", b->warnings[i]);
	}
}

/*
 * Bind (or unbind, driver NULL) the given VFs through the engine: checks,
 * journal, verify, its own rollback. 0, -E_REFUSED or -E_PARTIAL.
 */
static int engine_bind(struct set_ctx *c, struct topo *t, struct topo_dev **vfs,
		       const char **drivers, size_t n, bool undo)
{
	_cleanup_rebind_batch_ struct rebind_batch *b = NULL;
	json_t *s = step_new(c, drivers ? "bind" : "unbind", undo);
	int r;

	b = rebind_batch_new(c->req->dry_run, c->req->force);
	for (size_t i = 0; i < n; i++) {
		if (!vfs[i])
			continue;
		json_array_append_new(json_object_get(s, "devices"), json_string(vfs[i]->addr));
		if (drivers && drivers[i] && json_is_null(json_object_get(s, "driver")))
			json_object_set_new(s, "driver", json_string(drivers[i]));
		r = rebind_add(b, vfs[i], drivers && drivers[i] ? REBIND_BIND : REBIND_UNBIND,
			       drivers ? drivers[i] : NULL);
		if (r < 0) {
			step_done(s, r, NULL);
			return -E_REFUSED;
		}
		b->items[b->n - 1].requested = true;
	}
	r = rebind_check(b, t);
	merge_messages(c, b);
	if (r == 0 && !c->req->dry_run)
		r = rebind_run(b);
	json_object_set_new(c->res, undo ? "undo_result" : "bind_result", rebind_batch_json(b));
	if (c->req->dry_run && r == 0)
		return 0;
	if (r < 0) {
		const char *why = b->n_blockers && !c->req->force ? "refused: see blockers" : NULL;

		for (size_t i = 0; i < b->n && !why; i++)
			why = b->items[i].message;
		step_done(s, r,
			  why		    ? why
			  : r == -E_PARTIAL ? "not fully undone: see bind_result"
					    : "see the error above");
	} else {
		step_done(s, 0, NULL);
	}
	return r;
}

/* The driver each VF had, to compare with after an undo. */
struct vf_before {
	char addr[16];
	char *driver;
};

/*
 * Undo after a failure: VF count back (through 0) with the user's autoprobe,
 * the old VFs back on their old drivers, autoprobe back. -E_REFUSED when all
 * of it worked, else -E_PARTIAL with c->left saying what is not as before.
 */
static int undo_all(struct set_ctx *c, int old_numvfs, int old_autoprobe,
		    const struct vf_before *before)
{
	bool ok = true;

	if (c->hung)
		return -E_PARTIAL;
	if (c->numvfs != old_numvfs) {
		if (c->autoprobe != old_autoprobe &&
		    write_attr(c, "sriov_drivers_autoprobe", old_autoprobe, true) < 0)
			ok = false;
		if (c->numvfs != 0 && write_attr(c, "sriov_numvfs", 0, true) < 0)
			ok = false;
		if (ok && old_numvfs > 0 && write_attr(c, "sriov_numvfs", old_numvfs, true) < 0)
			ok = false;
		if (c->hung)
			return -E_PARTIAL;
		if (!ok)
			add_left(c, "%s has %d VFs (had %d)", c->pf_addr, c->numvfs, old_numvfs);
	}
	if (ok && c->numvfs == old_numvfs && old_numvfs > 0) {
		_cleanup_topo_ struct topo *t = NULL;
		_cleanup_free_ struct topo_dev **vfs = NULL, **redo = NULL;
		_cleanup_free_ const char **drivers = NULL;
		struct topo_dev *pf;
		size_t n, nredo = 0;

		if (scan_pf(c->pf_addr, &t, &pf) < 0)
			return -E_PARTIAL;
		vfs = vfs_of(t, pf, &n);
		redo = xcalloc(n + 1, sizeof(*redo));
		drivers = xcalloc(n + 1, sizeof(*drivers));
		/* Re-created VFs got the default driver: put back other choices. */
		for (size_t i = 0; i < n && i < (size_t)old_numvfs; i++)
			if (vfs[i] && !(before[i].driver ? streq(vfs[i]->driver, before[i].driver)
							 : !vfs[i]->driver)) {
				redo[nredo] = vfs[i];
				drivers[nredo++] = before[i].driver;
			}
		if (nredo && engine_bind(c, t, redo, drivers, nredo, true) < 0) {
			for (size_t i = 0; i < nredo; i++)
				add_left(c, "VF %s is not back on %s", redo[i]->addr,
					 drivers[i] ? drivers[i] : "no driver");
			ok = false;
		}
	}
	if (c->autoprobe != old_autoprobe &&
	    write_attr(c, "sriov_drivers_autoprobe", old_autoprobe, true) < 0) {
		add_left(c, "sriov_drivers_autoprobe of %s is %d (was %d)", c->pf_addr,
			 c->autoprobe, old_autoprobe);
		ok = false;
	}
	return ok ? -E_REFUSED : -E_PARTIAL;
}

static void set_result(struct set_ctx *c, const char *status, int r)
{
	json_object_set_new(c->res, "status", json_string(status));
	json_object_set_new(c->res, "numvfs_after", json_integer(c->numvfs));
	json_object_set_new(c->res, "drivers_autoprobe_after", json_boolean(c->autoprobe));
	if (r == -E_PARTIAL && c->left)
		json_object_set_new(c->res, "left", json_string(c->left));
}

static int do_set(struct set_ctx *c, struct topo *t, struct topo_dev *pf)
{
	const struct sriov_set_req *req = c->req;
	_cleanup_free_ struct topo_dev **vfs = NULL;
	_cleanup_free_ struct vf_before *before = NULL;
	const int old_numvfs = c->numvfs, old_autoprobe = c->autoprobe;
	const int final_autoprobe = req->autoprobe >= 0 ? req->autoprobe : old_autoprobe;
	const bool resize = req->numvfs != old_numvfs;
	/* Autoprobe off while VFs appear keeps the host VF driver from probing them. */
	const bool quiet_create = req->bind_driver && resize && req->numvfs > 0;
	size_t n;
	int r;

	vfs = vfs_of(t, pf, &n);
	before = xcalloc(n + 1, sizeof(*before));
	for (size_t i = 0; i < n; i++)
		if (vfs[i]) {
			memcpy(before[i].addr, vfs[i]->addr, sizeof(before[i].addr));
			before[i].driver = vfs[i]->driver;
		}

	if (resize && !pf->driver) {
		log_error("%s: no driver bound: the PF's driver enables VFs (bind it first)",
			  c->pf_addr);
		return -E_REFUSED;
	}
	/* VFs that go away: the engine's in-use checks, as for an unbind. */
	if (resize && old_numvfs > 0) {
		_cleanup_rebind_batch_ struct rebind_batch *b = NULL;
		json_t *s = step_new(c, "check", false);

		b = rebind_batch_new(true, req->force);
		for (size_t i = 0; i < n; i++) {
			if (!vfs[i])
				continue;
			json_array_append_new(json_object_get(s, "devices"),
					      json_string(vfs[i]->addr));
			r = rebind_add(b, vfs[i], REBIND_UNBIND, NULL);
			if (r < 0)
				return -E_REFUSED;
		}
		r = rebind_check(b, t);
		merge_messages(c, b);
		if (r < 0) {
			json_object_set_new(s, "status", json_string("refused"));
			json_object_set_new(s, "error", json_string("VFs in use: see blockers"));
			log_error("%s: refusing to remove VFs in use (--force to override)",
				  c->pf_addr);
			return r;
		}
		json_object_set_new(s, "status", json_string(b->n_blockers ? "forced" : "ok"));
	}

	if (quiet_create && c->autoprobe != 0)
		r = write_attr(c, "sriov_drivers_autoprobe", 0, false);
	else if (!quiet_create && final_autoprobe != c->autoprobe)
		r = write_attr(c, "sriov_drivers_autoprobe", final_autoprobe, false);
	else
		r = 0;
	if (r < 0)
		return undo_all(c, old_numvfs, old_autoprobe, before);
	if (resize && old_numvfs > 0) {
		r = write_attr(c, "sriov_numvfs", 0, false);
		if (r < 0)
			return undo_all(c, old_numvfs, old_autoprobe, before);
	}
	if (resize && req->numvfs > 0) {
		r = write_attr(c, "sriov_numvfs", req->numvfs, false);
		if (r < 0)
			return undo_all(c, old_numvfs, old_autoprobe, before);
	}

	if (req->bind_driver) {
		_cleanup_topo_ struct topo *t2 = NULL;
		_cleanup_free_ struct topo_dev **newvfs = NULL;
		_cleanup_free_ const char **drivers = NULL;
		struct topo_dev *pf2;
		size_t n2;

		if (req->dry_run && resize) {
			json_t *s = step_new(c, "bind", false);

			/* The new VFs' addresses are known once the kernel creates them. */
			json_object_set_new(s, "driver", json_string(req->bind_driver));
		} else {
			/* The VFs as they are now: new ones, or the existing ones (same count). */
			if (!req->dry_run) {
				r = scan_pf(c->pf_addr, &t2, &pf2);
				if (r < 0)
					return undo_all(c, old_numvfs, old_autoprobe, before);
				t = t2;
				pf = pf2;
			}
			newvfs = vfs_of(t, pf, &n2);
			drivers = xcalloc(n2 + 1, sizeof(*drivers));
			for (size_t i = 0; i < n2; i++)
				drivers[i] = req->bind_driver;
			r = engine_bind(c, t, newvfs, drivers, n2, false);
			if (r == -E_PARTIAL) {
				add_left(c, "see bind_result for the VFs not bound or restored");
				if (c->autoprobe != final_autoprobe &&
				    write_attr(c, "sriov_drivers_autoprobe", final_autoprobe,
					       false) < 0)
					add_left(c, "sriov_drivers_autoprobe of %s is %d",
						 c->pf_addr, c->autoprobe);
				return r;
			}
			if (r < 0)
				return undo_all(c, old_numvfs, old_autoprobe, before);
		}
	}
	if (c->autoprobe != final_autoprobe) {
		r = write_attr(c, "sriov_drivers_autoprobe", final_autoprobe, false);
		if (r < 0)
			return undo_all(c, old_numvfs, old_autoprobe, before);
	}
	return 0;
}

int sriov_set(const char *pf_addr, const struct sriov_set_req *req, json_t **result)
{
	_cleanup_topo_ struct topo *t = NULL;
	_cleanup_free_ char *left = NULL;
	struct set_ctx c = { .pf_addr = pf_addr, .req = req };
	struct topo_dev *pf;
	json_t *res;
	int r;

	if (result)
		*result = NULL;
	r = scan_pf(pf_addr, &t, &pf);
	if (r < 0)
		return r;
	if (pf->sriov_totalvfs < 0 || pf->sriov_numvfs < 0) {
		log_error("%s: sriov_totalvfs or sriov_numvfs could not be read: not resizing a "
			  "PF whose VF count is unknown",
			  pf_addr);
		return -E_REFUSED;
	}
	if (req->numvfs < 0 || req->numvfs > pf->sriov_totalvfs) {
		log_error("%s: %d VFs: the device supports 0-%d (sriov_totalvfs)", pf_addr,
			  req->numvfs, pf->sriov_totalvfs);
		return -E_USAGE;
	}
	if (req->bind_driver && req->numvfs == 0) {
		log_error("%s: nothing to bind with 0 VFs", pf_addr);
		return -E_USAGE;
	}
	if (req->autoprobe < -1 || req->autoprobe > 1) {
		log_error("%s: drivers_autoprobe is yes or no", pf_addr);
		return -E_USAGE;
	}
	if (pf->sriov_numvfs < 0) {
		log_error("%s: cannot read sriov_numvfs", pf_addr);
		return -EIO;
	}
	r = rebind_require_root("sriov set", req->dry_run);
	if (r < 0)
		return r;
	if (!req->dry_run) {
		/* resize and bind as one operation: no other vfioctl in between */
		r = rebind_lock_hold();
		if (r < 0)
			return r;
		/* what the checks and the undo rely on, read again under the lock */
		topo_free(t);
		t = NULL;
		r = scan_pf(pf_addr, &t, &pf);
		if (r < 0)
			return r;
	}

	c.numvfs = pf->sriov_numvfs;
	/* Unreadable (not in a snapshot): the kernel's default is on. */
	c.autoprobe = pf->sriov_autoprobe < 0 ? 1 : pf->sriov_autoprobe;
	res = c.res = json_object();
	c.steps = json_array();
	json_object_set_new(res, "pf", json_string(pf_addr));
	json_object_set_new(res, "interface", json_string_or_null(sriov_pf_ifname(pf)));
	json_object_set_new(res, "driver", json_string_or_null(pf->driver));
	json_object_set_new(res, "dry_run", json_boolean(req->dry_run));
	json_object_set_new(res, "totalvfs", json_integer(pf->sriov_totalvfs));
	json_object_set_new(res, "numvfs_before", json_integer(c.numvfs));
	json_object_set_new(res, "numvfs_requested", json_integer(req->numvfs));
	json_object_set_new(res, "numvfs_after", json_integer(c.numvfs));
	json_object_set_new(res, "drivers_autoprobe_before", json_boolean(c.autoprobe));
	json_object_set_new(res, "drivers_autoprobe_after", json_boolean(c.autoprobe));
	json_object_set_new(res, "bind", json_string_or_null(req->bind_driver));
	json_object_set_new(res, "steps", c.steps);
	json_object_set_new(res, "blockers", json_array());
	json_object_set_new(res, "warnings", json_array());
	json_object_set_new(res, "bind_result", json_null());
	json_object_set_new(res, "undo_result", json_null());
	json_object_set_new(res, "left", json_null());

	r = do_set(&c, t, pf);
	left = c.left;
	set_result(&c,
		   r == 0	     ? (json_array_size(c.steps) == 0 ? "unchanged"
					: req->dry_run		      ? "planned"
								      : "done")
		   : r == -E_PARTIAL ? "partial"
		   : c.wrote	     ? "rolled-back"
				     : "refused",
		   r);
	if (!req->dry_run && r == 0) {
		_cleanup_topo_ struct topo *t2 = NULL;
		_cleanup_free_ struct topo_dev **vfs = NULL;
		struct topo_dev *pf2;
		size_t n;

		if (scan_pf(pf_addr, &t2, &pf2) == 0) {
			vfs = vfs_of(t2, pf2, &n);
			json_object_set_new(res, "vfs", vf_addrs_json(vfs, n));
		}
	}
	if (!json_object_get(res, "vfs")) {
		_cleanup_free_ struct topo_dev **vfs = NULL;
		size_t n;

		/* Dry run or refused before any write: the VFs as they are. */
		vfs = vfs_of(t, pf, &n);
		json_object_set_new(res, "vfs", c.wrote ? json_null() : vf_addrs_json(vfs, n));
	}
	if (r == -E_PARTIAL && left)
		log_error("%s: not fully undone: %s", pf_addr, left);
	if (result)
		*result = res;
	else
		json_decref(res);
	return r;
}
