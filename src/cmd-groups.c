// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl groups [--explain] [--predict] [--acs-override=LIST] [--from-lspci FILE]
 *                [GROUP|DEVICE...]
 *
 * JSON output (--json), keys stable:
 *
 *   {
 *     "mode": "kernel" | "predicted" | "acs-override",
 *     "kernel_model": "linux-6.1" | "linux-6.12" | null,  rules the prediction follows:
 *                                      the described kernel's line (null: kernel mode)
 *     "unsafe": bool,                      true with --acs-override
 *     "iommu": bool,                       the running kernel has IOMMU groups
 *     "agrees_with_kernel": bool | null,   predicted partition == kernel's (null: not comparable)
 *     "from_lspci": string | null,         --from-lspci FILE ("-": stdin), else null
 *     "differences": [                     kernel groups the prediction does not reproduce
 *       { "kernel_group": 7, "kernel": ["0000:01:00.0", ...], "predicted": [...] }
 *     ],
 *     "notes": [string],                   remarks about the prediction
 *     "groups": [
 *       {
 *         "id": 7 | null,                  kernel group number; null for a predicted group
 *         "devices": [
 *           {
 *             "address": "0000:01:00.0",   PCI address (non-PCI members: their device name)
 *             "name": string,              device name from pci.ids ("" if unknown)
 *             "ids": "10de:2204",          vendor:device ("" for non-PCI)
 *             "driver": string | null,
 *             "role": "endpoint" | "bridge" | "non-pci",
 *             "iommu_group": int | null    the kernel's group of this device
 *           }
 *         ],
 *         "viable": bool,                  VFIO could use it now (drivers; see `check`)
 *         "reasons": [string],             why not viable (empty when viable)
 *         "uncertain": bool,               prediction relied on unreadable config space
 *         "uncertain_due_to": [            what it relied on: which device, and what of it
 *           { "device": "0000:00:1c.0", "unknown": "acs" | "pcie-type" | "header" | "dma-alias" }
 *         ],
 *         "model_agrees": bool | null,     --explain on kernel groups: prediction matches
 *         "explain": [                     --explain only; one entry per device that
 *           {                              joined the group after its first member
 *             "device": "0000:0d:00.1",
 *             "rule": "dma-alias-bridge" | "acs-upstream" | "multifunction" |
 *                     "dma-alias-quirk",
 *             "joined": "0000:0d:00.0",    the member whose group it joined
 *             "culprit": "0000:0d:00.1" | null,  the device lacking isolation
 *             "missing": ["SV","RR","CR","UF"],  ACS controls the culprit lacks
 *             "acs_unknown": bool,         culprit's ACS could not be read
 *             "quirk": string | null,      kernel quirk involved (function name)
 *             "text": string               the explanation as a sentence
 *           }
 *         ]
 *       }
 *     ]
 *   }
 *
 * Rules (kernel functions): dma-alias-bridge: pci_for_each_dma_alias() reached a
 * PCIe-to-PCI or conventional PCI bridge, or started at a VMD endpoint
 * (pci_real_dma_dev(), quirk "pci_real_dma_dev"); acs-upstream: pci_acs_path_enabled()
 * failed on a root/downstream port upstream; multifunction:
 * get_pci_function_alias_group(); dma-alias-quirk: get_pci_alias_group() with a
 * pci_add_dma_alias() quirk.
 */
#include <ctype.h>
#include <getopt.h>

#include "groups.h"
#include "iommu.h"
#include "lspci.h"
#include "output.h"
#include "sysfs.h"
#include "topo.h"
#include "util.h"
#include "vfioctl.h"

static void groups_help(FILE *f)
{
	command_usage(f);
	fputs("\n"
	      "List IOMMU groups with their members (address, role, driver, name) and whether\n"
	      "VFIO could use each group now. GROUP is a group number, DEVICE a PCI address or\n"
	      "interface name: show only the groups containing them.\n"
	      "\n"
	      "  -e, --explain            say why the members of each group are together: the\n"
	      "                           DMA alias, missing ACS bits or quirk that joined them\n"
	      "  -p, --predict            compute the groups from topology and ACS the way\n"
	      "                           the kernel described does (6.1.y or 6.12.y rules),\n"
	      "                           without needing the IOMMU on\n"
	      "  -o, --acs-override=LIST  predict with the out-of-tree pcie_acs_override patch\n"
	      "                           (downstream,multifunction,id:VVVV:DDDD). UNSAFE: it\n"
	      "                           only pretends devices are isolated\n"
	      "  -l, --from-lspci FILE    read another machine from the text of its\n"
	      "                           'lspci -vvnn' (run as root; FILE - for stdin) instead\n"
	      "                           of this host; with its 'IOMMU group:' lines, report\n"
	      "                           every difference from the prediction\n"
	      "  -j, --json               print JSON\n"
	      "  -h, --help               show this help\n",
	      f);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static const char *dev_name(struct topo *t, struct topo_dev *d)
{
	const char *n = topo_device_name(t, d);

	return n ? n : "";
}

static char *other_driver(int id, const char *name)
{
	_cleanup_free_ char *path =
		xasprintf("/sys/kernel/iommu_groups/%d/devices/%s/driver", id, name);
	char *drv = NULL;

	return sysfs_link_name(path, &drv) < 0 ? NULL : drv;
}

static json_t *device_json(struct topo *t, struct topo_dev *d)
{
	json_t *o = json_object();
	char ids[16];

	json_object_set_new(o, "address", json_string(d->addr));
	json_object_set_new(o, "name", json_string(dev_name(t, d)));
	json_object_set_new(o, "ids",
			    d->unknown & (TOPO_UNKNOWN_VENDOR | TOPO_UNKNOWN_DEVICE)
				    ? json_null()
				    : json_string(topo_ids_text(d, ids, sizeof(ids))));
	json_object_set_new(o, "driver", json_string_or_null(d->driver));
	json_object_set_new(o, "role", json_string(group_role(d)));
	json_object_set_new(o, "iommu_group",
			    d->iommu_group >= 0 ? json_integer(d->iommu_group) : json_null());
	return o;
}

/* [{"device", "unknown"}]: what the prediction of g relied on without knowing it */
static json_t *unknown_json(const struct group *g)
{
	json_t *a = json_array();

	for (size_t i = 0; g && i < g->n_unknown; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "device", json_string(g->unknown[i].dev->addr));
		json_object_set_new(o, "unknown",
				    json_string(group_unknown_name(g->unknown[i].what)));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *group_json(struct topo *t, const struct group_set *s, const struct group *g,
			  const struct group_set *pred, bool explain)
{
	json_t *o = json_object(), *devs = json_array(), *reasons = json_array();
	struct group_verdict v;

	group_check(s, g, false, &v);
	for (size_t i = 0; i < g->n_devs; i++)
		json_array_append_new(devs, device_json(t, g->devs[i]));
	for (size_t i = 0; i < g->n_others; i++) {
		_cleanup_free_ char *drv = other_driver(g->id, g->others[i]);
		json_t *d = json_object();

		json_object_set_new(d, "address", json_string(g->others[i]));
		json_object_set_new(d, "name", json_string(""));
		json_object_set_new(d, "ids", json_string(""));
		json_object_set_new(d, "driver", json_string_or_null(drv));
		json_object_set_new(d, "role", json_string("non-pci"));
		json_object_set_new(d, "iommu_group", json_integer(g->id));
		json_array_append_new(devs, d);
	}
	for (size_t i = 0; i < v.n_reasons; i++)
		json_array_append_new(reasons, json_string(v.reasons[i]));
	json_object_set_new(o, "id", g->id >= 0 ? json_integer(g->id) : json_null());
	json_object_set_new(o, "devices", devs);
	json_object_set_new(o, "viable", json_boolean(v.viable));
	json_object_set_new(o, "reasons", reasons);
	json_object_set_new(o, "uncertain", json_boolean(g->uncertain));
	json_object_set_new(o, "uncertain_due_to", unknown_json(g));
	if (explain && pred) {
		const struct group *pg = g->n_devs ? group_set_find(pred, g->devs[0]) : NULL;
		bool agrees = pg && group_same_members(g, pg);

		json_object_set_new(o, "model_agrees",
				    s == pred ? json_null() : json_boolean(agrees));
		json_object_set_new(o, "explain", group_explain(pred, g));
		if (pg && pg->uncertain && s != pred) {
			json_object_set_new(o, "uncertain", json_true());
			json_object_set_new(o, "uncertain_due_to", unknown_json(pg));
		}
	} else {
		json_object_set_new(o, "model_agrees", json_null());
	}
	group_verdict_clear(&v);
	return o;
}

/* "a b c" of a JSON array of strings (malloc'd). */
static char *addr_list(json_t *a)
{
	char *out = xstrdup("");
	size_t i;
	json_t *x;

	json_array_foreach (a, i, x) {
		char *n = xasprintf("%s%s%s", out, i ? " " : "", json_string_value(x));

		free(out);
		out = n;
	}
	return out;
}

/* "group p3: uncertain: the ACS of 0000:00:1c.0 is unknown", one line per kind. */
static void print_uncertain(json_t *g, size_t index)
{
	static const struct {
		const char *key, *text;
	} kinds[] = { { "acs", "the ACS of" },
		      { "pcie-type", "the PCIe port type of" },
		      { "header", "the header of" },
		      { "dma-alias", "the DMA aliases (kept in device memory) of" } };
	json_t *id = json_object_get(g, "id"), *u;
	_cleanup_free_ char *label = json_is_integer(id)
					     ? xasprintf("group %lld", json_integer_value(id))
					     : xasprintf("group p%zu", index + 1);

	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		_cleanup_free_ char *devs = xstrdup("");
		size_t i, n = 0;

		json_array_foreach (json_object_get(g, "uncertain_due_to"), i, u) {
			char *more;

			if (!streq(json_string_value(json_object_get(u, "unknown")), kinds[k].key))
				continue;
			more = xasprintf("%s%s%s", devs, n++ ? ", " : "",
					 json_string_value(json_object_get(u, "device")));
			free(devs);
			devs = more;
		}
		if (n)
			printf("%s: uncertain: %s %s %s unknown\n", label, kinds[k].text, devs,
			       n > 1 ? "are" : "is");
	}
}

/* model: the kernel line predicted for (--explain, --predict), else NULL */
static void print_text(struct topo *t, json_t *root, bool predicted, const char *model)
{
	static const char *const headers[] = { "GROUP", "VIABLE", "ADDRESS",
					       "ROLE",	"DRIVER", "DEVICE" };
	_cleanup_table_ struct table *tab = table_new(ARRAY_SIZE(headers), headers);
	json_t *groups = json_object_get(root, "groups"), *g,
	       *notes = json_object_get(root, "notes");
	size_t i, j;
	json_t *n;

	json_array_foreach (notes, i, n)
		printf("note: %s\n", json_string_value(n));
	if (!json_array_size(groups)) {
		if (!predicted && !json_is_true(json_object_get(root, "iommu")))
			puts("No IOMMU groups: the IOMMU is off or not supported. "
			     "'vfioctl groups --predict' shows the groups the kernel would make.");
		return;
	}
	json_array_foreach (groups, i, g) {
		json_t *id = json_object_get(g, "id"), *d;
		_cleanup_free_ char *label = json_is_integer(id)
						     ? xasprintf("%lld", json_integer_value(id))
						     : xasprintf("p%zu", i + 1);
		const char *viable = json_is_true(json_object_get(g, "viable")) ? "yes" : "no";

		json_array_foreach (json_object_get(g, "devices"), j, d) {
			char idbuf[16];
			struct topo_dev *td =
				topo_find(t, json_string_value(json_object_get(d, "address")));
			const char *name = json_string_value(json_object_get(d, "name"));
			_cleanup_free_ char *ids =
				td ? xasprintf("[%s]", topo_ids_text(td, idbuf, sizeof(idbuf)))
				   : NULL;
			_cleanup_free_ char *label2 = NULL;

			if (j == 0 && json_is_true(json_object_get(g, "uncertain")))
				label2 = xasprintf("%s?", label);
			table_add(tab, (const char *const[]){
					       j == 0 ? (label2 ? label2 : label) : "",
					       j == 0 ? viable : "",
					       json_string_value(json_object_get(d, "address")),
					       json_string_value(json_object_get(d, "role")),
					       json_string_value(json_object_get(d, "driver")),
					       name && *name ? name : ids });
		}
	}
	table_print(tab, stdout);
	json_array_foreach (groups, i, g)
		if (json_is_true(json_object_get(g, "uncertain"))) {
			puts("?: the prediction for this group relies on config space vfioctl could "
			     "not read");
			break;
		}
	json_array_foreach (groups, i, g)
		print_uncertain(g, i);

	json_array_foreach (groups, i, g) {
		json_t *id = json_object_get(g, "id"), *x;
		_cleanup_free_ char *label =
			json_is_integer(id) ? xasprintf("group %lld", json_integer_value(id))
					    : xasprintf("group p%zu", i + 1);

		json_array_foreach (json_object_get(g, "reasons"), j, x)
			printf("%s: not viable: %s\n", label, json_string_value(x));
		if (json_is_false(json_object_get(g, "model_agrees")))
			printf("%s: vfioctl's model of %s predicts different groups for these "
			       "devices (an IVRS alias, a quirk vfioctl lacks, or another kernel "
			       "version); the explanation below is the model's\n",
			       label, model);
		json_array_foreach (json_object_get(g, "explain"), j, x)
			printf("%s: %s\n", label, json_string_value(json_object_get(x, "text")));
	}
	json_array_foreach (json_object_get(root, "differences"), i, g) {
		_cleanup_free_ char *k = addr_list(json_object_get(g, "kernel"));
		_cleanup_free_ char *p = addr_list(json_object_get(g, "predicted"));

		printf("difference: kernel group %lld has %s; predicted: %s\n",
		       json_integer_value(json_object_get(g, "kernel_group")), k,
		       *p ? p : "not grouped");
	}
	if (json_is_false(json_object_get(root, "agrees_with_kernel")))
		puts(json_is_string(json_object_get(root, "from_lspci"))
			     ? "note: the prediction differs from the groups in the lspci text"
			     : "note: the prediction differs from the running kernel's groups");
}

/* The devices of g ("predicted": g may be NULL) as a JSON array. */
static json_t *members_json(const struct group *g)
{
	json_t *a = json_array();

	for (size_t i = 0; g && i < g->n_devs; i++)
		json_array_append_new(a, json_string(g->devs[i]->addr));
	return a;
}

/* Every kernel group the prediction does not reproduce, with what it predicts instead. */
static json_t *differences(const struct group_set *ks, const struct group_set *ps)
{
	json_t *a = json_array();

	for (size_t i = 0; i < ks->n_groups; i++) {
		const struct group *k = &ks->groups[i], *p;
		json_t *o;

		if (!k->n_devs)
			continue; /* non-PCI devices only: nothing to predict */
		p = group_set_find(ps, k->devs[0]);
		if (p && group_same_members(k, p))
			continue;
		o = json_object();
		json_object_set_new(o, "kernel_group", json_integer(k->id));
		json_object_set_new(o, "kernel", members_json(k));
		json_object_set_new(o, "predicted", members_json(p));
		json_array_append_new(a, o);
	}
	return a;
}

/* --from-lspci FILE: the machine of that text. Errors are bad input (exit 2). */
static int load_lspci(const char *path, struct topo **t, struct lspci_info *info)
{
	_cleanup_free_ char *text = NULL;
	const char *name = streq(path, "-") ? "stdin" : path;
	size_t len = 0;
	int r;

	r = lspci_read(path, &text, &len);
	if (r < 0) {
		log_error("--from-lspci: %s: %s", name,
			  r == -E2BIG ? "larger than any lspci text (64 MiB)" : strerror(-r));
		return -E_USAGE;
	}
	r = lspci_parse(text, len, t, info);
	if (r < 0) {
		log_error("--from-lspci: %s:%u: %s", name, info->line, info->why);
		return -E_USAGE;
	}
	return 0;
}

static const struct option groups_longopts[] = {
	{ "explain", no_argument, NULL, 'e' },
	{ "predict", no_argument, NULL, 'p' },
	{ "acs-override", required_argument, NULL, 'o' },
	{ "from-lspci", required_argument, NULL, 'l' },
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};
const struct cmd_options groups_options = { "epo:l:" COMMON_SHORTOPTS, groups_longopts };

int cmd_groups(int argc, char *argv[])
{
	_cleanup_topo_ struct topo *t = NULL;
	_cleanup_group_set_ struct group_set *ks = NULL, *ps = NULL;
	_cleanup_free_ bool *wanted = NULL;
	_cleanup_free_ char *release = NULL;
	struct groups_opts gopts = { 0 };
	struct lspci_info info = { 0 };
	const char *from = NULL;
	bool explain = false, predict = false;
	const struct group_set *shown;
	json_t *root, *groups, *notes;
	int c, r;

	while ((c = getopt_long(argc, argv, groups_options.shortopts, groups_options.longopts,
				NULL)) != -1) {
		switch (c) {
		case 'e':
			explain = true;
			break;
		case 'p':
			predict = true;
			break;
		case 'o':
			if (groups_parse_acs_override(optarg, &gopts) < 0) {
				log_error("--acs-override: %s: expected downstream, multifunction "
					  "or id:VVVV:DDDD, comma-separated",
					  optarg);
				return -E_USAGE;
			}
			predict = true;
			break;
		case 'l':
			from = optarg;
			break;
		default:
			r = common_option(c, argc, argv, groups_help);
			if (r <= 0)
				return r;
			break;
		}
	}

	if (from)
		r = load_lspci(from, &t, &info);
	else
		r = topo_scan_reported(&t, TOPO_SCAN_CONFIG | TOPO_SCAN_NAMES | TOPO_SCAN_LINKS);
	if (r < 0)
		return r;
	r = groups_kernel(t, &ks);
	if (r < 0) {
		log_error("/sys/kernel/iommu_groups: %s", strerror(-r));
		return r;
	}
	if (predict || explain) {
		if (from ? info.amd_iommu : sysfs_exists("/sys/firmware/acpi/tables/IVRS"))
			gopts.flags |= GROUPS_AMD_IVRS;
		/* the rules of the kernel described; an lspci text does not say which */
		release = from ? NULL : kernel_release();
		gopts.release = release;
		r = groups_predict_opts(t, &gopts, &ps);
		if (r < 0) {
			log_error("predicting groups: %s", strerror(-r));
			return r;
		}
	}
	shown = predict ? ps : ks;

	/* GROUP|DEVICE filters: select the groups (of the shown set) containing them. */
	if (optind < argc) {
		wanted = xcalloc(shown->n_groups + 1, sizeof(bool));
		for (int i = optind; i < argc; i++) {
			struct topo_dev *d;
			struct group *g;

			if (all_digits(argv[i])) {
				const struct group *kg;

				if (predict) {
					log_error(
						"%s: group numbers name the kernel's groups; with "
						"--predict name a DEVICE",
						argv[i]);
					return -E_USAGE;
				}
				kg = strlen(argv[i]) < 8 ? group_set_find_id(ks, atoi(argv[i]))
							 : NULL;
				if (!kg) {
					log_error("%s: no such IOMMU group", argv[i]);
					return -E_USAGE;
				}
				wanted[kg - shown->groups] = true;
				continue;
			}
			r = topo_resolve(t, argv[i], &d);
			if (r < 0)
				return report_resolve_error(argv[i], r);
			g = group_set_find(shown, d);
			if (!g) {
				log_warn(
					"%s: %s", argv[i],
					predict ? "not grouped (the kernel leaves it out)"
						: "not in any IOMMU group (IOMMU off? try --predict)");
				continue;
			}
			wanted[g - shown->groups] = true;
		}
	}

	root = json_object();
	groups = json_array();
	notes = json_array();
	json_object_set_new(root, "mode",
			    json_string(!predict		       ? "kernel"
					: groups_opts_override(&gopts) ? "acs-override"
								       : "predicted"));
	json_object_set_new(root, "kernel_model",
			    predict ? json_string(groups_kernel_model(ps->kernel.model))
				    : json_null());
	json_object_set_new(root, "unsafe", json_boolean(groups_opts_override(&gopts)));
	json_object_set_new(root, "iommu", json_boolean(ks->n_groups > 0));
	json_object_set_new(root, "agrees_with_kernel",
			    predict && ks->n_groups ? json_boolean(group_sets_agree(ks, ps))
						    : json_null());
	json_object_set_new(root, "from_lspci", from ? json_string(from) : json_null());
	json_object_set_new(root, "differences",
			    ps && ks->n_groups ? differences(ks, ps) : json_array());
	if (from && !info.extended && (predict || explain))
		json_array_append_new(
			notes,
			json_string(
				"the lspci text shows no extended capabilities: lspci ran "
				"without root, or the kernel could not read extended configuration "
				"space (then it sees no ACS either, as the prediction assumes); "
				"the groups that depend on ACS are uncertain"));
	for (size_t i = 0; ps && (predict || explain) && i < ps->n_notes; i++)
		json_array_append_new(notes, json_string(ps->notes[i]));
	json_object_set_new(root, "notes", notes);
	for (size_t i = 0; i < shown->n_groups; i++) {
		if (wanted && !wanted[i])
			continue;
		json_array_append_new(groups, group_json(t, shown, &shown->groups[i], ps, explain));
	}
	json_object_set_new(root, "groups", groups);

	if (opts.json)
		return output_json(root);
	print_text(t, root, predict, ps ? groups_kernel_model(ps->kernel.model) : NULL);
	json_decref(root);
	return 0;
}
