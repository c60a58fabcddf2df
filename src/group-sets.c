// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IOMMU group sets: the kernel's groups (/sys/kernel/iommu_groups), comparing
 * them with a prediction (src/groups.c), --explain of a predicted group's
 * links, and whether VFIO can use a group (viability).
 */
#include <errno.h>

#include "groups-internal.h"
#include "groups.h"
#include "sysfs.h"
#include "util.h"

/* ---------------------------------------------------------------------------------------------
 * The kernel's groups
 */

static struct group *set_group(struct group_set *s, int id)
{
	struct group *g = group_set_find_id(s, id);

	if (g)
		return g;
	s->groups = xrealloc(s->groups, (s->n_groups + 1) * sizeof(*s->groups));
	g = &s->groups[s->n_groups++];
	memset(g, 0, sizeof(*g));
	g->id = id;
	return g;
}

static void group_add_dev(struct group *g, struct topo_dev *d)
{
	for (size_t i = 0; i < g->n_devs; i++)
		if (g->devs[i] == d)
			return;
	g->devs = xrealloc(g->devs, (g->n_devs + 1) * sizeof(*g->devs));
	g->devs[g->n_devs++] = d;
}

static int cmp_str_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_group_id(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

int groups_kernel(struct topo *t, struct group_set **out)
{
	/* an lspci text is another machine: its groups are its "IOMMU group:" lines */
	_cleanup_closedir_ DIR *dir =
		t->origin == TOPO_ORIGIN_SYSFS ? sysfs_opendir("/sys/kernel/iommu_groups") : NULL;
	struct group_set *s = xcalloc(1, sizeof(*s));
	struct dirent *de;

	s->t = t;
	while (dir && (de = readdir(dir))) {
		_cleanup_free_ char *path = NULL;
		_cleanup_closedir_ DIR *gd = NULL;
		struct dirent *ge;
		struct group *g;
		int id;

		if (!parse_group_id(de->d_name, &id))
			continue;
		g = set_group(s, id);
		path = xasprintf("/sys/kernel/iommu_groups/%s/devices", de->d_name);
		gd = sysfs_opendir(path);
		while (gd && (ge = readdir(gd))) {
			struct topo_dev *d;

			if (ge->d_name[0] == '.')
				continue;
			d = topo_find(t, ge->d_name);
			if (d)
				group_add_dev(g, d);
			else
				strv_push(&g->others, &g->n_others, ge->d_name);
		}
	}
	/* Devices whose iommu_group link names a group the directory lacks (snapshots). */
	for (size_t i = 0; i < t->n; i++)
		if (t->devs[i].iommu_group >= 0)
			group_add_dev(set_group(s, t->devs[i].iommu_group), &t->devs[i]);
	for (size_t i = 0; i < s->n_groups; i++) {
		struct group *g = &s->groups[i];

		if (g->n_devs > 1)
			qsort(g->devs, g->n_devs, sizeof(*g->devs), cmp_devp);
		if (g->n_others > 1)
			qsort(g->others, g->n_others, sizeof(char *), cmp_str_p);
	}
	if (s->n_groups > 1)
		qsort(s->groups, s->n_groups, sizeof(*s->groups), cmp_group_id);
	*out = s;
	return 0;
}

void group_set_free(struct group_set *s)
{
	for (size_t i = 0; i < s->n_groups; i++) {
		free(s->groups[i].devs);
		strv_free(s->groups[i].others);
		free(s->groups[i].unknown);
	}
	free(s->groups);
	free(s->links);
	strv_free(s->notes);
	free(s);
}

struct group *group_set_find(const struct group_set *s, const struct topo_dev *d)
{
	for (size_t i = 0; i < s->n_groups; i++)
		for (size_t j = 0; j < s->groups[i].n_devs; j++)
			if (s->groups[i].devs[j] == d)
				return &s->groups[i];
	return NULL;
}

struct group *group_set_find_id(const struct group_set *s, int id)
{
	for (size_t i = 0; i < s->n_groups; i++)
		if (s->groups[i].id == id)
			return &s->groups[i];
	return NULL;
}

bool group_same_members(const struct group *a, const struct group *b)
{
	if (a->n_devs != b->n_devs)
		return false;
	for (size_t i = 0; i < a->n_devs; i++) {
		bool found = false;

		for (size_t j = 0; j < b->n_devs && !found; j++)
			found = a->devs[i] == b->devs[j];
		if (!found)
			return false;
	}
	return true;
}

bool group_sets_agree(const struct group_set *kernel, const struct group_set *pred)
{
	for (size_t i = 0; i < kernel->n_groups; i++) {
		const struct group *k = &kernel->groups[i];
		const struct group *p;

		if (!k->n_devs)
			continue;
		p = group_set_find(pred, k->devs[0]);
		if (!p || !group_same_members(k, p))
			return false;
	}
	/* and no predicted group joins devices the kernel keeps apart: covered above */
	return true;
}

/* ---------------------------------------------------------------------------------------------
 * --explain
 */

static const char *port_kind(const struct topo_dev *d)
{
	if (!pcie_known(d))
		return is_bridge(d) ? "bridge (type unknown)" : "device (type unknown)";
	if (!is_pcie(d))
		return is_bridge(d) ? "PCI bridge" : "conventional PCI device";
	/* pcie_type_name() knows every type but "not PCIe", handled above. */
	return pcie_type_name(d->pcie_type) ? pcie_type_name(d->pcie_type) : "endpoint";
}

/* "has no ACS capability (SV RR CR UF missing)" etc. */
static void acs_why_text(const struct acs_verdict *v, char *buf, size_t len, bool lspci)
{
	char bits[64];

	acs_req_names(v->missing, bits, sizeof(bits));
	switch (v->why) {
	case ACS_WHY_NO_CAP:
		snprintf(buf, len, "has no ACS capability (%s missing)", bits);
		break;
	case ACS_WHY_CTRL_OFF:
		snprintf(buf, len, "has ACS but %s not enabled", bits);
		break;
	case ACS_WHY_CONVENTIONAL:
		snprintf(buf, len,
			 "is not PCI Express: the kernel treats it as conventional PCI, "
			 "which never isolates");
		break;
	case ACS_WHY_BRIDGE_TYPE:
		snprintf(buf, len, "is a bridge type the kernel never treats as isolating");
		break;
	case ACS_WHY_QUIRK:
	case ACS_WHY_OVERRIDE:
		snprintf(buf, len, "is %s isolating per kernel quirk %s%s%s%s",
			 v->enabled ? "treated as" : "not", v->quirk, v->since ? " (Linux " : "",
			 v->since ? v->since : "", v->since ? ")" : "");
		break;
	case ACS_WHY_UNKNOWN:
		snprintf(buf, len, "%s",
			 lspci ? "has unknown ACS (not in the lspci text: run lspci -vvnn as root)"
			       : "has unknown ACS (config space not readable; run as root)");
		break;
	default:
		snprintf(buf, len, "is isolated");
		break;
	}
}

static json_t *missing_json(const struct acs_verdict *v)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} names[] = { { ACS_SV, "SV" }, { ACS_RR, "RR" }, { ACS_CR, "CR" }, { ACS_UF, "UF" } };
	json_t *a = json_array();

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (v->missing & names[i].bit)
			json_array_append_new(a, json_string(names[i].name));
	return a;
}

static const char *rule_name(enum group_rule r)
{
	switch (r) {
	case GROUP_RULE_ALIAS_BRIDGE:
		return "dma-alias-bridge";
	case GROUP_RULE_ACS_PATH:
		return "acs-upstream";
	case GROUP_RULE_MULTIFUNCTION:
		return "multifunction";
	case GROUP_RULE_DMA_ALIAS:
		return "dma-alias-quirk";
	case GROUP_RULE_UNGROUPED:
		return "ungrouped";
	default:
		return "first";
	}
}

static char *link_text(const struct topo_dev *d, const struct group_link *l, bool lspci)
{
	char why[160], why2[160];

	switch (l->rule) {
	case GROUP_RULE_ALIAS_BRIDGE:
		if (l->quirk && streq(l->quirk, "pci_real_dma_dev"))
			return xasprintf("%s is in the PCI domain of the VMD controller %s, which "
					 "issues the domain's DMA with its own requester ID",
					 d->addr, l->via->addr);
		if (is_type(l->via, PCIE_PCIE_TO_PCI) || pcie_bridge_alias(l->via))
			return xasprintf("%s is behind %s %s, which issues its DMA with the "
					 "requester ID of its secondary bus (%02x:00.0): the "
					 "IOMMU cannot tell the devices behind it apart",
					 d->addr, port_kind(l->via), l->via->addr,
					 l->via->secondary_bus < 0 ? 0 : l->via->secondary_bus);
		return xasprintf("%s is behind %s %s, which takes ownership of its DMA "
				 "(requester ID of the bridge)",
				 d->addr, port_kind(l->via), l->via->addr);
	case GROUP_RULE_ACS_PATH:
		acs_why_text(&l->acs, why, sizeof(why), lspci);
		if (l->culprit == l->via)
			return xasprintf("%s is below %s %s, which %s: peer-to-peer "
					 "requests can pass it without reaching the IOMMU",
					 d->addr, port_kind(l->via), l->via->addr, why);
		return xasprintf("%s is below %s %s; %s %s upstream %s, so that part of "
				 "the hierarchy is not isolated",
				 d->addr, port_kind(l->via), l->via->addr, port_kind(l->culprit),
				 l->culprit->addr, why);
	case GROUP_RULE_MULTIFUNCTION:
		acs_why_text(&l->acs, why, sizeof(why), lspci);
		acs_why_text(&l->other, why2, sizeof(why2), lspci);
		return xasprintf("%s and %s are functions of one multifunction device without "
				 "isolation between them: %s %s; %s %s",
				 l->culprit->addr, l->via->addr, l->culprit->addr, why,
				 l->via->addr, why2);
	case GROUP_RULE_DMA_ALIAS:
		return xasprintf("%s and %s share a DMA requester ID (kernel quirk %s%s%s)",
				 l->culprit == d ? l->via->addr : d->addr, l->culprit->addr,
				 l->quirk ? l->quirk : "DMA alias", l->since ? ", Linux " : "",
				 l->since ? l->since : "");
	default:
		return NULL;
	}
}

json_t *group_explain(const struct group_set *pred, const struct group *g)
{
	json_t *a = json_array();
	struct topo *t = pred->t;

	if (!pred->links)
		return a;
	for (size_t i = 0; i < g->n_devs; i++) {
		struct topo_dev *d = g->devs[i];
		const struct group_link *l = &pred->links[d - t->devs];
		_cleanup_free_ char *text = NULL;
		json_t *o;

		if (l->rule == GROUP_RULE_NEW || l->rule == GROUP_RULE_UNGROUPED)
			continue;
		text = link_text(d, l, t->origin == TOPO_ORIGIN_LSPCI);
		o = json_object();
		json_object_set_new(o, "device", json_string(d->addr));
		json_object_set_new(o, "rule", json_string(rule_name(l->rule)));
		json_object_set_new(o, "joined", json_string(l->via->addr));
		json_object_set_new(o, "culprit",
				    l->culprit ? json_string(l->culprit->addr) : json_null());
		json_object_set_new(o, "missing",
				    l->rule == GROUP_RULE_ACS_PATH ||
						    l->rule == GROUP_RULE_MULTIFUNCTION
					    ? missing_json(&l->acs)
					    : json_array());
		json_object_set_new(o, "acs_unknown",
				    json_boolean(l->acs.why == ACS_WHY_UNKNOWN ||
						 l->other.why == ACS_WHY_UNKNOWN));
		json_object_set_new(o, "quirk",
				    l->quirk	     ? json_string(l->quirk)
				    : l->acs.quirk   ? json_string(l->acs.quirk)
				    : l->other.quirk ? json_string(l->other.quirk)
						     : json_null());
		json_object_set_new(o, "text", json_string(text ? text : ""));
		json_array_append_new(a, o);
	}
	return a;
}

/* ---------------------------------------------------------------------------------------------
 * VFIO viability: vfio_group_ioctl_get_status() reports VFIO_GROUP_FLAGS_VIABLE when
 * no device of the group is bound to a driver that claims DMA ownership
 * (iommu_group_dma_owner_claimed()); vfio-pci & co, pci-stub and pcieport declare
 * driver_managed_dma and do not.
 */

bool group_driver_ok(const struct topo_dev *d)
{
	if (!d->driver)
		return true;
	if (strstr(d->driver, "vfio") || streq(d->driver, "pci-stub"))
		return true;
	return is_bridge(d) && streq(d->driver, "pcieport");
}

static bool reset_bus_only(const char *methods)
{
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;
	bool any = false;

	if (!methods || !*methods)
		return false;
	copy = xstrdup(methods);
	for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (!streq(tok, "bus") && !streq(tok, "slot") && !streq(tok, "cxl_bus"))
			return false;
		any = true;
	}
	return any;
}

static bool in_group(const struct group *g, const struct topo_dev *d)
{
	for (size_t i = 0; i < g->n_devs; i++)
		if (g->devs[i] == d)
			return true;
	return false;
}

static bool below(const struct topo_dev *d, const struct topo_dev *bridge)
{
	for (const struct topo_dev *p = d->parent; p; p = p->parent)
		if (p == bridge)
			return true;
	return false;
}

static bool netdev_up(const char *ifname)
{
	_cleanup_free_ char *path = xasprintf("/sys/class/net/%s/operstate", ifname);
	_cleanup_free_ char *state = NULL;
	long flags;

	if (sysfs_read(path, &state) == 0 && streq(state, "up"))
		return true;
	free(path);
	path = xasprintf("/sys/class/net/%s/flags", ifname);
	return sysfs_read_long(path, 16, &flags) == 0 && (flags & 0x1); /* IFF_UP */
}

static void member_warnings(const struct group_set *s, const struct group *g,
			    const struct topo_dev *d, struct group_verdict *v)
{
	struct topo *t = s->t;

	if (d->boot_vga == 1)
		strv_pushf(&v->warnings, &v->n_warnings,
			   "%s is the boot VGA device: the host console and firmware framebuffer "
			   "use it",
			   d->addr);
	for (size_t i = 0; i < d->n_netdevs; i++)
		if (netdev_up(d->netdevs[i]))
			strv_pushf(&v->warnings, &v->n_warnings,
				   "%s: network interface %s is up; binding vfio-pci takes it away",
				   d->addr, d->netdevs[i]);
	for (size_t i = 0; i < d->n_blockdevs; i++)
		strv_pushf(&v->warnings, &v->n_warnings,
			   "%s: provides block device %s; make sure nothing on it is in use",
			   d->addr, d->blockdevs[i]);
	if (d->reset_method && !*d->reset_method)
		strv_pushf(&v->warnings, &v->n_warnings,
			   "%s has no reset method: state may leak between VM runs", d->addr);
	if (reset_bus_only(d->reset_method) && d->parent) {
		char buf[256] = "";
		size_t n = 0;

		/* A secondary bus reset resets everything below the parent bridge. */
		for (size_t i = 0; i < t->n; i++) {
			const struct topo_dev *o = &t->devs[i];

			if (!below(o, d->parent) || in_group(g, o))
				continue;
			if (n++ < 4) {
				if (buf[0])
					strncat(buf, ", ", sizeof(buf) - strlen(buf) - 1);
				strncat(buf, o->addr, sizeof(buf) - strlen(buf) - 1);
			}
		}
		if (n > 4)
			strncat(buf, ", ...", sizeof(buf) - strlen(buf) - 1);
		if (n)
			strv_pushf(&v->warnings, &v->n_warnings,
				   "%s can only be reset with a bus reset (reset_method \"%s\"), "
				   "which also resets %s outside the group",
				   d->addr, d->reset_method, buf);
	}
}

void group_check(const struct group_set *s, const struct group *g, bool with_warnings,
		 struct group_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->viable = true;
	v->members = xcalloc(g->n_devs + g->n_others + 1, sizeof(*v->members));
	for (size_t i = 0; i < g->n_devs; i++) {
		struct topo_dev *d = g->devs[i];
		struct member_verdict *m = &v->members[v->n_members++];

		m->dev = d;
		m->ok = group_driver_ok(d);
		if (!m->ok) {
			v->viable = false;
			if (is_bridge(d)) {
				m->reason =
					xasprintf("bridge bound to %s, which claims DMA ownership",
						  d->driver);
				m->fix = xasprintf("echo %s > /sys/bus/pci/drivers/%s/unbind",
						   d->addr, d->driver);
			} else {
				m->reason = xasprintf("bound to %s, not a VFIO driver", d->driver);
				m->fix = xasprintf("vfioctl bind %s", d->addr);
			}
			strv_pushf(&v->reasons, &v->n_reasons, "%s is %s", d->addr, m->reason);
		}
		if (with_warnings)
			member_warnings(s, g, d, v);
	}
	for (size_t i = 0; i < g->n_others; i++) {
		struct member_verdict *m = &v->members[v->n_members++];
		_cleanup_free_ char *path = xasprintf(
			"/sys/kernel/iommu_groups/%d/devices/%s/driver", g->id, g->others[i]);
		_cleanup_free_ char *drv = NULL;

		m->other = g->others[i];
		m->ok = sysfs_link_name(path, &drv) < 0;
		if (!m->ok) {
			v->viable = false;
			m->reason = xasprintf("non-PCI device bound to %s", drv);
			m->fix = xasprintf("unbind %s from %s", g->others[i], drv);
			strv_pushf(&v->reasons, &v->n_reasons, "%s is %s", g->others[i], m->reason);
		}
	}
}

void group_verdict_clear(struct group_verdict *v)
{
	for (size_t i = 0; i < v->n_members; i++) {
		free(v->members[i].reason);
		free(v->members[i].fix);
	}
	free(v->members);
	strv_free(v->reasons);
	strv_free(v->warnings);
	memset(v, 0, sizeof(*v));
}
