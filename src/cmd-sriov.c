// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl sriov show|set|vf: SR-IOV physical functions and their VFs.
 *
 * JSON output (--json), keys stable (see vfioctl(8), JSON OUTPUT):
 *
 *   sriov show:
 *   {
 *     "netlink": bool,                     VF attributes were read over rtnetlink
 *     "notes": [string],                   why some are unknown
 *     "pfs": [
 *       {
 *         "address": "0000:01:00.0", "interface": "enp1s0" | null, "driver": string | null,
 *         "totalvfs": 7, "numvfs": 3, "drivers_autoprobe": bool | null,
 *         "vfs": [
 *           {
 *             "index": 0, "address": "0000:01:10.0", "driver": string | null,
 *             "iommu_group": 9 | null, "interface": "enp1s0v0" | null,
 *             "mac": "52:54:00:..." | null, "vlan": 0 | null, "qos": 0 | null,
 *             "trust": bool | null, "spoofchk": bool | null,
 *             "link_state": "auto" | "enable" | "disable" | null
 *           }
 *         ]
 *       }
 *     ]
 *   }
 *
 *   sriov set: the result of sriov_set() (src/sriov.c); sriov vf: pf, interface,
 *   vf, address, dry_run, requested/before/after (attribute objects as above), changed.
 */
#include <ctype.h>
#include <getopt.h>
#include <limits.h>

#include "config.h"
#include "netlink.h"
#include "output.h"
#include "rebind.h"
#include "sriov.h"
#include "sysfs.h"
#include "topo.h"
#include "util.h"
#include "vfioctl.h"

/* The subcommand table (at the end): dispatch, operand counts, usage lines. */
static const struct command subcommands[3];

static void sriov_help(FILE *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
		command_usage_of(f, i ? "       " : "Usage: ", "vfioctl sriov", &subcommands[i]);
	fputs("\n"
	      "Manage SR-IOV physical functions (PFs) and their virtual functions (VFs).\n"
	      "PF is the PF's PCI address or network interface name.\n"
	      "\n"
	      "Subcommands:\n"
	      "  show  list SR-IOV PFs and their VFs: driver, IOMMU group, MAC, VLAN, trust\n"
	      "  set   create, resize or remove VFs; --bind DRIVER binds them without the host\n"
	      "        VF driver ever probing them\n"
	      "  vf    set a VF's MAC, VLAN/QoS, trust, spoofchk and link state (rtnetlink)\n"
	      "\n"
	      "Run 'vfioctl sriov SUBCOMMAND --help' for its options.\n"
	      "\n"
	      "  -j, --json  print JSON\n"
	      "  -h, --help  show this help\n",
	      f);
}

static void show_help(FILE *f)
{
	command_usage(f);
	fputs("\n"
	      "List each SR-IOV PF (address, interface, driver, totalvfs, numvfs,\n"
	      "drivers_autoprobe) and its VFs (index, address, driver, IOMMU group, interface\n"
	      "and, from rtnetlink on the PF's interface, MAC, VLAN/QoS, trust, spoofchk and\n"
	      "link state). With PF, only that PF. Under --sysroot the rtnetlink attributes\n"
	      "are unknown.\n"
	      "\n"
	      "  -j, --json  print JSON\n"
	      "  -h, --help  show this help\n",
	      f);
}

static void set_help(FILE *f)
{
	command_usage(f);
	fprintf(f,
		"\n"
		"Set the number of VFs of PF (may be omitted when the host has one SR-IOV PF).\n"
		"A non-zero count changes through 0, as the kernel requires, after checking\n"
		"that no VF goes away while in use (a VM holding its group, an interface that is\n"
		"up). With --bind, sriov_drivers_autoprobe is off while the VFs appear, so the\n"
		"host VF driver never probes them; they are then bound to DRIVER (with the\n"
		"batch engine of 'vfioctl bind') and the autoprobe setting is restored.\n"
		"\n"
		"  -N, --vfs N               the number of VFs (0 removes them; at most totalvfs)\n"
		"  -b, --bind DRIVER         bind the VFs to DRIVER, e.g. vfio-pci\n"
		"  -a, --autoprobe yes|no    leave sriov_drivers_autoprobe so (default: as it was)\n"
		"  -t, --timeout SEC         give up waiting for a sriov_numvfs write after SEC\n"
		"                            seconds (default %d); the kernel finishes it later\n"
		"  -n, --dry-run             print the plan, write nothing\n"
		"  -f, --force               go on even if VFs that go away are in use\n"
		"  -p, --persist             also write the count and --bind driver to the\n"
		"                            configuration, applied at boot (vfioctl apply)\n"
		"  -j, --json                print JSON\n"
		"  -h, --help                show this help\n",
		SRIOV_TIMEOUT_DEFAULT);
}

static void vf_help(FILE *f)
{
	command_usage(f);
	fputs("\n"
	      "Set attributes of VF number VF (or VF's PCI address) of PF through rtnetlink on\n"
	      "the PF's interface, then read them back and verify. Without options, print the\n"
	      "VF's attributes.\n"
	      "\n"
	      "  -m, --mac MAC                      unicast, non-zero MAC address\n"
	      "  -V, --vlan ID                      VLAN ID 0-4095 (0: no VLAN)\n"
	      "  -q, --qos N                        802.1p priority 0-7 (with --vlan)\n"
	      "  -T, --trust on|off                 trusted VF (may change MAC, promiscuous)\n"
	      "  -s, --spoofchk on|off              MAC/VLAN anti-spoofing check\n"
	      "  -S, --state auto|enable|disable    VF link state\n"
	      "  -n, --dry-run                      check and print the plan, write nothing\n"
	      "  -p, --persist                      also write the attributes to the\n"
	      "                                     configuration, applied at boot\n"
	      "  -j, --json                         print JSON\n"
	      "  -h, --help                         show this help\n",
	      f);
}

/* --- show ---------------------------------------------------------------------- */

static json_t *int_or_null(int v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *pf_json(struct topo *t, struct topo_dev *pf, bool live, json_t *notes)
{
	_cleanup_free_ struct vf_attrs *attrs = NULL;
	json_t *o = json_object(), *vfs = json_array();
	const char *ifname = sriov_pf_ifname(pf);
	size_t n_attrs = 0;

	if (live && ifname) {
		int r = nl_vf_list(ifname, &attrs, &n_attrs);

		if (r < 0)
			json_array_append_new(
				notes, json_sprintf("%s: rtnetlink: %s", ifname, strerror(-r)));
	}
	json_object_set_new(o, "address", json_string(pf->addr));
	json_object_set_new(o, "interface", json_string_or_null(ifname));
	json_object_set_new(o, "driver", json_string_or_null(pf->driver));
	json_object_set_new(o, "totalvfs", int_or_null(pf->sriov_totalvfs));
	json_object_set_new(o, "numvfs", int_or_null(pf->sriov_numvfs));
	json_object_set_new(o, "drivers_autoprobe",
			    pf->sriov_autoprobe < 0 ? json_null()
						    : json_boolean(pf->sriov_autoprobe));
	for (int i = 0; i < pf->sriov_numvfs; i++) {
		struct vf_attrs none = VF_ATTRS_UNSET;
		struct topo_dev *vf = NULL;
		json_t *v, *a;

		for (size_t j = 0; j < t->n && !vf; j++)
			if (t->devs[j].physfn == pf && t->devs[j].vf_index == i)
				vf = &t->devs[j];
		if (!vf)
			continue;
		v = json_object();
		json_object_set_new(v, "index", json_integer(i));
		json_object_set_new(v, "address", json_string(vf->addr));
		json_object_set_new(v, "driver", json_string_or_null(vf->driver));
		json_object_set_new(v, "iommu_group", int_or_null(vf->iommu_group));
		json_object_set_new(v, "interface",
				    json_string_or_null(vf->n_netdevs ? vf->netdevs[0] : NULL));
		a = sriov_vf_attrs_json((size_t)i < n_attrs ? &attrs[i] : &none);
		json_object_update(v, a);
		json_decref(a);
		json_array_append_new(vfs, v);
	}
	json_object_set_new(o, "vfs", vfs);
	return o;
}

static const char *yes_no(json_t *b, bool live)
{
	if (json_is_boolean(b))
		return json_is_true(b) ? "on" : "off";
	return live ? "-" : "?";
}

static void print_show(json_t *root)
{
	bool live = json_is_true(json_object_get(root, "netlink"));
	json_t *pfs = json_object_get(root, "pfs"), *pf, *n;
	size_t i, j;

	if (!json_array_size(pfs))
		puts("No SR-IOV physical functions.");
	json_array_foreach (pfs, i, pf) {
		static const char *const headers[] = { "  VF",	    "ADDRESS",	"DRIVER", "GROUP",
						       "INTERFACE", "MAC",	"VLAN",	  "QOS",
						       "TRUST",	    "SPOOFCHK", "LINK" };
		_cleanup_table_ struct table *tab = table_new(ARRAY_SIZE(headers), headers);
		json_t *ap = json_object_get(pf, "drivers_autoprobe"), *vf;
		bool has_if = json_is_string(json_object_get(pf, "interface"));

		if (i)
			putchar('\n');
		char numvfs[24] = "-", totalvfs[24] = "-";

		if (json_is_integer(json_object_get(pf, "numvfs")))
			snprintf(numvfs, sizeof(numvfs), "%lld",
				 json_integer_value(json_object_get(pf, "numvfs")));
		if (json_is_integer(json_object_get(pf, "totalvfs")))
			snprintf(totalvfs, sizeof(totalvfs), "%lld",
				 json_integer_value(json_object_get(pf, "totalvfs")));
		printf("PF %s: interface %s, driver %s, %s of %s VFs, drivers_autoprobe %s\n",
		       json_string_value(json_object_get(pf, "address")),
		       dash(json_string_value(json_object_get(pf, "interface"))),
		       dash(json_string_value(json_object_get(pf, "driver"))), numvfs, totalvfs,
		       json_is_boolean(ap) ? (json_is_true(ap) ? "on" : "off") : "?");
		if (!json_array_size(json_object_get(pf, "vfs")))
			continue;
		json_array_foreach (json_object_get(pf, "vfs"), j, vf) {
			/* "?": unknown (snapshot); "-": none or not reported. */
			bool known = live && has_if;
			const char *unk = has_if && !live ? "?" : "-";
			json_t *grp = json_object_get(vf, "iommu_group");
			json_t *mac = json_object_get(vf, "mac"),
			       *vlan = json_object_get(vf, "vlan");
			json_t *qos = json_object_get(vf, "qos");
			_cleanup_free_ char *idx = xasprintf(
				"  %lld", json_integer_value(json_object_get(vf, "index")));
			_cleanup_free_ char *g =
				json_is_integer(grp) ? xasprintf("%lld", json_integer_value(grp))
						     : NULL;
			_cleanup_free_ char *vl =
				json_is_integer(vlan) ? xasprintf("%lld", json_integer_value(vlan))
						      : xstrdup(unk);
			_cleanup_free_ char *q =
				json_is_integer(qos) ? xasprintf("%lld", json_integer_value(qos))
						     : xstrdup(unk);
			const char *ls = json_string_value(json_object_get(vf, "link_state"));

			table_add(
				tab,
				(const char *const[]){
					idx, json_string_value(json_object_get(vf, "address")),
					json_string_value(json_object_get(vf, "driver")), g,
					json_string_value(json_object_get(vf, "interface")),
					json_is_string(mac) ? json_string_value(mac) : unk, vl, q,
					known ? yes_no(json_object_get(vf, "trust"), true) : unk,
					known ? yes_no(json_object_get(vf, "spoofchk"), true) : unk,
					ls ? ls : unk });
		}
		table_print(tab, stdout);
	}
	json_array_foreach (json_object_get(root, "notes"), i, n)
		printf("note: %s\n", json_string_value(n));
}

static const struct option sriov_show_longopts[] = {
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};
static const struct cmd_options sriov_show_options = { COMMON_SHORTOPTS, sriov_show_longopts };

static int sriov_show(int argc, char *argv[])
{
	_cleanup_topo_ struct topo *t = NULL;
	struct topo_dev *only = NULL;
	bool live = sysfs_live();
	json_t *root, *pfs, *notes;
	int r;

	r = common_options_only(argc, argv, &sriov_show_options, show_help);
	if (r <= 0)
		return r;
	r = topo_scan_reported(&t, TOPO_SCAN_LINKS);
	if (r < 0)
		return r;
	if (optind < argc) {
		r = sriov_resolve_pf(t, argv[optind], &only);
		if (r < 0)
			return r;
	}
	root = json_object();
	pfs = json_array();
	notes = json_array();
	if (!live)
		json_array_append_new(
			notes, json_string("VF MAC, VLAN, QoS, trust, spoofchk and link state "
					   "come from rtnetlink of the running kernel: "
					   "unknown (?) when reading a snapshot"));
	for (size_t i = 0; i < t->n; i++) {
		struct topo_dev *d = &t->devs[i];

		if (d->sriov_pf && (!only || only == d))
			json_array_append_new(pfs, pf_json(t, d, live, notes));
	}
	json_object_set_new(root, "netlink", json_boolean(live));
	json_object_set_new(root, "notes", notes);
	json_object_set_new(root, "pfs", pfs);
	if (opts.json)
		return output_json(root);
	print_show(root);
	json_decref(root);
	return 0;
}

/* --- set ----------------------------------------------------------------------- */

static int parse_uint(const char *s, long max, long *out)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static void print_step(json_t *s)
{
	const char *action = json_string_value(json_object_get(s, "action"));
	const char *status = json_string_value(json_object_get(s, "status"));
	const char *err = json_string_value(json_object_get(s, "error"));
	json_t *devs = json_object_get(s, "devices"), *d;
	char what[512] = "";
	size_t i, len = 0;

	if (streq(action, "write")) {
		snprintf(what, sizeof(what), "%s = %s",
			 json_string_value(json_object_get(s, "attribute")),
			 json_string_value(json_object_get(s, "value")));
	} else {
		if (streq(action, "check"))
			len = (size_t)snprintf(what, sizeof(what), "VFs not in use:");
		json_array_foreach (devs, i, d)
			if (len < sizeof(what))
				len += (size_t)snprintf(what + len, sizeof(what) - len, "%s%s",
							len ? " " : "", json_string_value(d));
		if (!json_array_size(devs) && !streq(action, "check"))
			len = (size_t)snprintf(what, sizeof(what), "the new VFs");
		if (streq(action, "bind") && len < sizeof(what))
			snprintf(what + len, sizeof(what) - len, " -> %s",
				 dash(json_string_value(json_object_get(s, "driver"))));
	}
	printf("  %s%-6s %s  [%s%s%s]\n", json_is_true(json_object_get(s, "undo")) ? "undo " : "",
	       action, what, status, err ? ": " : "", err ? err : "");
}

static void print_set(json_t *res)
{
	json_t *steps = json_object_get(res, "steps"), *s;
	const char *status = json_string_value(json_object_get(res, "status"));
	const char *bind = json_string_value(json_object_get(res, "bind"));
	const char *left = json_string_value(json_object_get(res, "left"));
	const char *ifname = json_string_value(json_object_get(res, "interface"));
	size_t i;

	printf("%s (%s%s%s): %lld -> %lld VFs", json_string_value(json_object_get(res, "pf")),
	       ifname ? ifname : "", ifname ? ", " : "",
	       dash(json_string_value(json_object_get(res, "driver"))),
	       json_integer_value(json_object_get(res, "numvfs_before")),
	       json_integer_value(json_object_get(res, "numvfs_requested")));
	if (bind)
		printf(", %s %s", streq(status, "done") ? "bound to" : "bind to", bind);
	printf(", drivers_autoprobe %s\n",
	       json_is_true(json_object_get(res, "drivers_autoprobe_after")) ? "on" : "off");
	json_array_foreach (steps, i, s)
		print_step(s);
	for (int u = 0; u < 2; u++)
		json_array_foreach (
			json_object_get(json_object_get(res, u ? "undo_result" : "bind_result"),
					"devices"),
			i, s)
			if (json_is_string(json_object_get(s, "error")))
				printf("  %s: %s: %s\n",
				       json_string_value(json_object_get(s, "address")),
				       json_string_value(json_object_get(s, "status")),
				       json_string_value(json_object_get(s, "error")));
	/* Blockers and warnings were said on stderr as they were found. */
	if (streq(status, "unchanged"))
		puts("nothing to do");
	else if (streq(status, "planned"))
		puts("dry run: nothing was written");
	else if (streq(status, "rolled-back"))
		printf("failed; undone: %lld VFs, as before\n",
		       json_integer_value(json_object_get(res, "numvfs_after")));
	else if (streq(status, "partial"))
		printf("failed; NOT fully undone: %s\n", dash(left));
}

/* After a real change: the VFs and their drivers as they are now. */
static void print_vfs_now(const char *pf_addr)
{
	_cleanup_topo_ struct topo *t = NULL;
	struct topo_dev *pf;

	if (topo_scan(&t, 0) < 0 || !(pf = topo_find(t, pf_addr)))
		return;
	for (int i = 0; i < pf->sriov_numvfs; i++)
		for (size_t j = 0; j < t->n; j++)
			if (t->devs[j].physfn == pf && t->devs[j].vf_index == i)
				printf("  VF %-3d %s  %s\n", i, t->devs[j].addr,
				       dash(t->devs[j].driver));
}

static const struct option sriov_set_longopts[] = {
	{ "vfs", required_argument, NULL, 'N' },
	{ "bind", required_argument, NULL, 'b' },
	{ "autoprobe", required_argument, NULL, 'a' },
	{ "timeout", required_argument, NULL, 't' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "force", no_argument, NULL, 'f' },
	{ "persist", no_argument, NULL, 'p' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};
static const struct cmd_options sriov_set_options = { "N:b:a:t:nfp" COMMON_SHORTOPTS,
						      sriov_set_longopts };

static int sriov_set_cmd(int argc, char *argv[])
{
	struct sriov_set_req req = { .numvfs = -1, .autoprobe = -1 };
	bool persist = false;
	_cleanup_topo_ struct topo *t = NULL;
	json_t *res = NULL;
	struct topo_dev *pf;
	long v;
	int c, r;

	while ((c = getopt_long(argc, argv, sriov_set_options.shortopts, sriov_set_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'N':
			if (parse_uint(optarg, 65535, &v) < 0) {
				log_error("--vfs: %s: expected a number of VFs", optarg);
				return -E_USAGE;
			}
			req.numvfs = (int)v;
			break;
		case 'b':
			/* A driver name: one sysfs directory component. */
			if (!*optarg || strchr(optarg, '/') || streq(optarg, ".") ||
			    streq(optarg, "..") || strlen(optarg) > 64) {
				log_error("--bind: %s: not a driver name", optarg);
				return -E_USAGE;
			}
			req.bind_driver = optarg;
			break;
		case 'a':
			if (streq(optarg, "yes") || streq(optarg, "on") || streq(optarg, "1"))
				req.autoprobe = 1;
			else if (streq(optarg, "no") || streq(optarg, "off") || streq(optarg, "0"))
				req.autoprobe = 0;
			else {
				log_error("--autoprobe: %s: expected yes or no", optarg);
				return -E_USAGE;
			}
			break;
		case 't':
			if (parse_uint(optarg, 86400, &v) < 0 || v == 0) {
				log_error("--timeout: %s: expected seconds (1-86400)", optarg);
				return -E_USAGE;
			}
			req.timeout = (int)v;
			break;
		case 'n':
			req.dry_run = true;
			break;
		case 'f':
			req.force = true;
			break;
		case 'p':
			persist = true;
			break;
		default:
			r = common_option(c, argc, argv, set_help);
			if (r <= 0)
				return r;
			break;
		}
	}
	if (req.numvfs < 0) {
		log_error("sriov set: --vfs N is required");
		set_help(stderr);
		return -E_USAGE;
	}
	r = topo_scan_reported(&t, TOPO_SCAN_LINKS);
	if (r < 0)
		return r;
	r = sriov_resolve_pf(t, optind < argc ? argv[optind] : NULL, &pf);
	if (r < 0)
		return r;
	if (persist) {
		r = config_persist_pf(pf->addr, req.numvfs, req.bind_driver, true);
		if (r < 0)
			return r;
	}
	r = sriov_set(pf->addr, &req, &res);
	if (r == 0 && persist && !req.dry_run) {
		r = config_persist_pf(pf->addr, req.numvfs, req.bind_driver, false);
		if (r == 0 && !opts.json)
			printf("Persisted in %s.\n", CONFIG_PERSIST);
	}
	if (!res)
		return r;
	if (opts.json) {
		int w = output_json(res);

		return r < 0 ? r : w;
	}
	print_set(res);
	if (r == 0 && !req.dry_run &&
	    !streq(json_string_value(json_object_get(res, "status")), "unchanged"))
		print_vfs_now(pf->addr);
	json_decref(res);
	return r;
}

/* --- vf ------------------------------------------------------------------------ */

static int parse_on_off(const char *opt, const char *s, int *out)
{
	if (streq(s, "on") || streq(s, "yes") || streq(s, "1"))
		*out = 1;
	else if (streq(s, "off") || streq(s, "no") || streq(s, "0"))
		*out = 0;
	else {
		log_error("%s: %s: expected on or off", opt, s);
		return -E_USAGE;
	}
	return 0;
}

/* VF number, or the PCI address of one of pf's VFs. */
static int parse_vf(struct topo *t, struct topo_dev *pf, const char *s, int *vf)
{
	struct topo_dev *d;
	long v;

	if (parse_uint(s, INT_MAX, &v) == 0) {
		if (v >= pf->sriov_numvfs && pf->sriov_numvfs > 0) {
			log_error("%s: no VF %ld: %d VFs enabled (VF numbers 0-%d)", pf->addr, v,
				  pf->sriov_numvfs, pf->sriov_numvfs - 1);
			return -E_USAGE;
		}
		if (v >= pf->sriov_numvfs) {
			log_error(
				"%s: no VF %ld: no VFs enabled ('vfioctl sriov set' creates them)",
				pf->addr, v);
			return -E_USAGE;
		}
		*vf = (int)v;
		return 0;
	}
	if (topo_resolve(t, s, &d) == 0 && d->physfn == pf) {
		*vf = d->vf_index;
		return 0;
	}
	log_error("%s: not a VF number or a VF of %s", s, pf->addr);
	return -E_USAGE;
}

static void print_attrs_line(const char *label, json_t *a)
{
	const char *keys[] = { "mac", "vlan", "qos", "trust", "spoofchk", "link_state" };

	printf("  %-10s", label);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		json_t *v = json_object_get(a, keys[i]);

		if (json_is_string(v))
			printf(" %s %s", keys[i], json_string_value(v));
		else if (json_is_integer(v))
			printf(" %s %lld", keys[i], json_integer_value(v));
		else if (json_is_boolean(v))
			printf(" %s %s", keys[i], json_is_true(v) ? "on" : "off");
	}
	putchar('\n');
}

static json_t *changed_keys(json_t *before, json_t *after)
{
	json_t *a = json_array(), *v;
	const char *k;

	json_object_foreach (after, k, v)
		if (!json_equal(v, json_object_get(before, k)))
			json_array_append_new(a, json_string(k));
	return a;
}

/* An attribute option of sriov vf into want: 0, -E_USAGE (said), 1 if c is none of them. */
static int vf_attr_option(int c, const char *arg, struct vf_attrs *want)
{
	long v;

	switch (c) {
	case 'm':
		if (sriov_parse_mac(arg, want->mac) < 0) {
			log_error("--mac: %s: expected six hex bytes, 52:54:00:12:34:56", arg);
			return -E_USAGE;
		}
		want->has_mac = true;
		break;
	case 'V':
		if (parse_uint(arg, 4095, &v) < 0) {
			log_error("--vlan: %s: expected a VLAN ID 0-4095", arg);
			return -E_USAGE;
		}
		want->vlan = (int)v;
		break;
	case 'q':
		if (parse_uint(arg, 7, &v) < 0) {
			log_error("--qos: %s: expected a priority 0-7", arg);
			return -E_USAGE;
		}
		want->qos = (int)v;
		break;
	case 'T':
		if (parse_on_off("--trust", arg, &want->trust) < 0)
			return -E_USAGE;
		break;
	case 's':
		if (parse_on_off("--spoofchk", arg, &want->spoofchk) < 0)
			return -E_USAGE;
		break;
	case 'S':
		if (streq(arg, "auto"))
			want->link_state = 0;
		else if (streq(arg, "enable"))
			want->link_state = 1;
		else if (streq(arg, "disable"))
			want->link_state = 2;
		else {
			log_error("--state: %s: expected auto, enable or disable", arg);
			return -E_USAGE;
		}
		break;
	default:
		return 1;
	}
	return 0;
}

static const struct option sriov_vf_longopts[] = {
	{ "mac", required_argument, NULL, 'm' },
	{ "vlan", required_argument, NULL, 'V' },
	{ "qos", required_argument, NULL, 'q' },
	{ "trust", required_argument, NULL, 'T' },
	{ "spoofchk", required_argument, NULL, 's' },
	{ "state", required_argument, NULL, 'S' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "persist", no_argument, NULL, 'p' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};
static const struct cmd_options sriov_vf_options = { "m:V:q:T:s:S:np" COMMON_SHORTOPTS,
						     sriov_vf_longopts };

static int sriov_vf_cmd(int argc, char *argv[])
{
	struct vf_attrs want = VF_ATTRS_UNSET, before = VF_ATTRS_UNSET, after = VF_ATTRS_UNSET;
	bool persist = false;
	_cleanup_topo_ struct topo *t = NULL;
	bool dry_run = false, any, have_before = false, have_after = false;
	struct topo_dev *pf, *vfdev = NULL;
	const char *why, *ifname;
	json_t *root;
	int c, r, vf;

	while ((c = getopt_long(argc, argv, sriov_vf_options.shortopts, sriov_vf_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'n':
			dry_run = true;
			break;
		case 'p':
			persist = true;
			break;
		default:
			r = vf_attr_option(c, optarg, &want);
			if (r < 0)
				return r;
			if (r > 0 && (r = common_option(c, argc, argv, vf_help)) <= 0)
				return r;
			break;
		}
	}
	if (sriov_vf_attrs_validate(&want, &why) < 0) {
		log_error("sriov vf: %s", why);
		return -E_USAGE;
	}
	any = want.has_mac || want.vlan >= 0 || want.trust >= 0 || want.spoofchk >= 0 ||
	      want.link_state >= 0;
	r = topo_scan_reported(&t, TOPO_SCAN_LINKS);
	if (r < 0)
		return r;
	r = sriov_resolve_pf(t, argv[optind], &pf);
	if (r < 0)
		return r;
	r = parse_vf(t, pf, argv[optind + 1], &vf);
	if (r < 0)
		return r;
	for (size_t i = 0; i < t->n; i++)
		if (t->devs[i].physfn == pf && t->devs[i].vf_index == vf)
			vfdev = &t->devs[i];
	ifname = sriov_pf_ifname(pf);
	if (!ifname) {
		log_error("%s: no network interface (is its driver bound?): VF attributes are set "
			  "through the PF's interface",
			  pf->addr);
		return -ENODEV;
	}
	if (any && !dry_run && sysfs_live() && geteuid() != 0) {
		log_error("sriov vf: setting VF attributes needs root (CAP_NET_ADMIN); try "
			  "--dry-run");
		return -EPERM;
	}
	if (any) {
		r = rebind_require_root("sriov vf", dry_run);
		if (r < 0)
			return r;
	}
	if (persist) {
		if (!any) {
			log_error("sriov vf: --persist needs an attribute to set");
			return -E_USAGE;
		}
		r = config_persist_vf(pf->addr, vf, &want, pf->sriov_numvfs, true);
		if (r < 0)
			return r;
	}
	if (sysfs_live())
		have_before = sriov_vf_get(pf->addr, vf, &before) == 0;
	if (any && !dry_run) {
		r = sriov_vf_set(pf->addr, vf, &want, false);
		have_after = sriov_vf_get(pf->addr, vf, &after) == 0;
		if (r == 0 && persist)
			r = config_persist_vf(pf->addr, vf, &want, pf->sriov_numvfs, false);
	} else {
		r = 0;
	}

	root = json_object();
	json_object_set_new(root, "pf", json_string(pf->addr));
	json_object_set_new(root, "interface", json_string(ifname));
	json_object_set_new(root, "vf", json_integer(vf));
	json_object_set_new(root, "address", json_string_or_null(vfdev ? vfdev->addr : NULL));
	json_object_set_new(root, "dry_run", json_boolean(dry_run));
	json_object_set_new(root, "requested", sriov_vf_attrs_json(&want));
	json_object_set_new(root, "before",
			    have_before ? sriov_vf_attrs_json(&before) : json_null());
	json_object_set_new(root, "after", have_after ? sriov_vf_attrs_json(&after) : json_null());
	json_object_set_new(root, "changed",
			    have_before && have_after
				    ? changed_keys(json_object_get(root, "before"),
						   json_object_get(root, "after"))
				    : json_array());
	if (opts.json) {
		int w = output_json(root);

		return r < 0 ? r : w;
	}
	printf("%s VF %d (%s):\n", ifname, vf, dash(vfdev ? vfdev->addr : NULL));
	if (have_before)
		print_attrs_line(any ? "before:" : "now:", json_object_get(root, "before"));
	else if (!sysfs_live())
		puts("  (attributes unknown: they come from rtnetlink of the running kernel)");
	if (any)
		print_attrs_line(dry_run ? "would set:" : "requested:",
				 json_object_get(root, "requested"));
	if (have_after)
		print_attrs_line("after:", json_object_get(root, "after"));
	if (dry_run && any)
		puts("dry run: nothing was written");
	else if (persist && r == 0)
		printf("Persisted in %s.\n", CONFIG_PERSIST);
	json_decref(root);
	return r;
}

/* --- dispatch ------------------------------------------------------------------ */

static const struct command subcommands[3] = {
	{ "show", sriov_show, "list SR-IOV PFs and their VFs", "[PF]", 0, 1, 0,
	  &sriov_show_options },
	{ "set", sriov_set_cmd, "create, resize or remove VFs; bind them",
	  "[PF] --vfs N [--bind DRIVER] [--autoprobe yes|no] [--timeout SEC] [--dry-run] [--force] "
	  "[--persist]",
	  0, 1, 0, &sriov_set_options },
	{ "vf", sriov_vf_cmd, "set a VF's MAC, VLAN/QoS, trust, spoofchk and link state",
	  "PF VF [--mac MAC] [--vlan ID [--qos N]] [--trust on|off] [--spoofchk on|off] "
	  "[--state auto|enable|disable] [--dry-run] [--persist]",
	  2, 2, 0, &sriov_vf_options },
};

static const struct option sriov_longopts[] = {
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};
const struct cmd_options sriov_options = { "+" COMMON_SHORTOPTS, sriov_longopts };

int cmd_sriov(int argc, char *argv[])
{
	int c, r;

	/* "+": options up to the subcommand only; the rest are the subcommand's. */
	while ((c = getopt_long(argc, argv, sriov_options.shortopts, sriov_options.longopts,
				NULL)) != -1) {
		r = common_option(c, argc, argv, sriov_help);
		if (r <= 0)
			return r;
	}
	/* main checked that a subcommand follows */
	for (size_t i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (streq(subcommands[i].name, argv[optind]))
			/* getopt's messages: "vfioctl sriov vf: invalid option -- '1'" */
			return command_run(argv[0], &subcommands[i], argc - optind, argv + optind);
	log_error("sriov: %s: unknown subcommand (show, set or vf)", argv[optind]);
	return -E_USAGE;
}
