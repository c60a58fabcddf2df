// SPDX-License-Identifier: GPL-2.0-or-later
/* One data model of a device, shared by list, show and groups. */
#include "devmodel.h"
#include "output.h"
#include "util.h"

static json_t *int_or_null(int v)
{
	return v < 0 ? json_null() : json_integer(v);
}

/* "%0*x" without printf: six of these per device in list --json; null if unknown */
static void hex_field(struct json_fields *w, const char *key, unsigned v, int width, bool unknown)
{
	char buf[16];

	if (unknown) {
		json_fields_null(w, key);
		return;
	}

	buf[width] = '\0';
	for (int i = width - 1; i >= 0; i--, v >>= 4)
		buf[i] = "0123456789abcdef"[v & 0xf];
	json_fields_string(w, key, buf);
}

static void int_or_null_field(struct json_fields *w, const char *key, int v)
{
	if (v < 0)
		json_fields_null(w, key);
	else
		json_fields_int(w, key, v);
}

void devmodel_summary_fields(struct json_fields *w, struct topo *t, struct topo_dev *d)
{
	const char *role = d->sriov_pf ? "pf" : d->physfn ? "vf" : NULL;

	json_fields_string(w, "address", d->addr);
	hex_field(w, "vendor", d->vendor, 4, d->unknown & TOPO_UNKNOWN_VENDOR);
	hex_field(w, "device", d->device, 4, d->unknown & TOPO_UNKNOWN_DEVICE);
	hex_field(w, "subsystem_vendor", d->subsys_vendor, 4,
		  d->unknown & TOPO_UNKNOWN_SUBSYS_VENDOR);
	hex_field(w, "subsystem_device", d->subsys_device, 4,
		  d->unknown & TOPO_UNKNOWN_SUBSYS_DEVICE);
	hex_field(w, "class", d->class, 6, d->unknown & TOPO_UNKNOWN_CLASS);
	json_fields_string(w, "class_keyword", topo_dev_class_keyword(d));
	if (d->revision < 0)
		json_fields_null(w, "revision");
	else
		hex_field(w, "revision", (unsigned)d->revision, 2, false);
	json_fields_string(w, "vendor_name", topo_vendor_name(t, d));
	json_fields_string(w, "device_name", topo_device_name(t, d));
	json_fields_string(w, "class_name", topo_class_name(t, d));
	json_fields_string(w, "driver", d->driver);
	json_fields_string(w, "driver_override", d->driver_override);
	int_or_null_field(w, "iommu_group", d->iommu_group);
	json_fields_string(w, "parent", d->parent ? d->parent->addr : NULL);
	int_or_null_field(w, "numa_node", d->numa_node);
	json_fields_string(w, "sriov_role", role);
	if (d->sriov_pf) {
		json_fields_object_begin(w, "sriov");
		int_or_null_field(w, "totalvfs", d->sriov_totalvfs);
		int_or_null_field(w, "numvfs", d->sriov_numvfs);
		if (d->sriov_autoprobe < 0)
			json_fields_null(w, "drivers_autoprobe");
		else
			json_fields_bool(w, "drivers_autoprobe", d->sriov_autoprobe);
		json_fields_object_end(w);
	} else {
		json_fields_null(w, "sriov");
	}
	json_fields_string(w, "physfn", d->physfn ? d->physfn->addr : NULL);
	int_or_null_field(w, "vf_index", d->vf_index);
	json_fields_strv(w, "netdevs", d->netdevs);
	json_fields_strv(w, "blockdevs", d->blockdevs);
	devmodel_vfio_fields(w, d);
}

void devmodel_vfio_fields(struct json_fields *w, const struct topo_dev *d)
{
	char node[64];

	/* the two ways into a device VFIO has: its group's node, and (6.6+) its cdev */
	if (!d->driver || !startswith(d->driver, "vfio") || d->iommu_group < 0) {
		json_fields_null(w, "vfio");
		return;
	}
	json_fields_object_begin(w, "vfio");
	snprintf(node, sizeof(node), "/dev/vfio/%s%d", d->vfio_noiommu ? "noiommu-" : "",
		 d->iommu_group);
	json_fields_string(w, "group_node", node);
	if (d->vfio_cdev)
		snprintf(node, sizeof(node), "/dev/vfio/devices/%s", d->vfio_cdev);
	json_fields_string(w, "cdev", d->vfio_cdev ? node : NULL);
	json_fields_object_end(w);
}

json_t *devmodel_summary(struct topo *t, struct topo_dev *d)
{
	json_t *o = json_object();
	struct json_fields w;

	json_fields_tree(&w, o);
	devmodel_summary_fields(&w, t, d);
	return o;
}

json_t *devmodel_acs_bits(uint16_t bits)
{
	static const struct {
		const char *name;
		uint16_t bit;
	} acs[] = {
		{ "SV", ACS_SV }, { "TB", ACS_TB }, { "RR", ACS_RR }, { "CR", ACS_CR },
		{ "UF", ACS_UF }, { "EC", ACS_EC }, { "DT", ACS_DT },
	};
	json_t *o = json_object();

	for (size_t i = 0; i < ARRAY_SIZE(acs); i++)
		json_object_set_new(o, acs[i].name, json_boolean(bits & acs[i].bit));
	return o;
}

/* "acs": null when the device has none, "unknown" when it could not be read. */
static json_t *acs_json(const struct topo_dev *d)
{
	json_t *o;

	if (!topo_acs_known(d))
		return json_string("unknown");
	if (!d->acs_cap_offset)
		return json_null();
	o = json_object();
	json_object_set_new(o, "capability", devmodel_acs_bits(d->acs_cap));
	json_object_set_new(o, "control", devmodel_acs_bits(d->acs_ctrl));
	return o;
}

static const char *config_access(const struct topo_dev *d)
{
	switch (d->cfg_size) {
	case 4096:
		return "extended";
	case 256:
		return "standard";
	case 64:
		return "header"; /* what the kernel gives a non-root reader */
	default:
		return "none";
	}
}

json_t *devmodel_detail(struct topo *t, struct topo_dev *d)
{
	json_t *o = devmodel_summary(t, d);
	json_t *cfg = json_object(), *path = json_array(), *vfs = json_array();
	json_t *resets = json_array();

	if (d->reset_method) {
		_cleanup_free_ char *copy = xstrdup(d->reset_method);
		char *save = NULL;

		for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			json_array_append_new(resets, json_string(tok));
	}
	json_object_set_new(o, "reset_methods", resets);
	json_object_set_new(o, "boot_vga",
			    d->boot_vga < 0 ? json_null() : json_boolean(d->boot_vga));
	json_object_set_new(o, "modalias", json_string_or_null(d->modalias));
	json_object_set_new(o, "sysfs_path", json_string_or_null(d->sysfs_path));
	json_object_set_new(o, "root_bus", json_string_or_null(d->root_bus));

	json_object_set_new(cfg, "access", json_string(config_access(d)));
	json_object_set_new(cfg, "header_type", int_or_null(d->header_type));
	json_object_set_new(cfg, "multifunction",
			    d->cfg_read ? json_boolean(d->multifunction) : json_null());
	json_object_set_new(cfg, "pcie_type", json_string_or_null(pcie_type_name(d->pcie_type)));
	json_object_set_new(cfg, "secondary_bus", int_or_null(d->secondary_bus));
	json_object_set_new(cfg, "subordinate_bus", int_or_null(d->subordinate_bus));
	json_object_set_new(cfg, "acs", acs_json(d));
	json_object_set_new(cfg, "ari",
			    d->cfg_extended ? json_boolean(d->ari_cap_offset) : json_null());
	json_object_set_new(o, "config", cfg);

	for (struct topo_dev *p = d->parent; p; p = p->parent) {
		json_t *hop = json_object();

		json_object_set_new(hop, "address", json_string(p->addr));
		json_object_set_new(hop, "pcie_type",
				    json_string_or_null(pcie_type_name(p->pcie_type)));
		json_object_set_new(hop, "driver", json_string_or_null(p->driver));
		json_object_set_new(hop, "iommu_group", int_or_null(p->iommu_group));
		json_object_set_new(hop, "acs", acs_json(p));
		json_array_append_new(path, hop);
	}
	json_object_set_new(o, "upstream", path);

	for (size_t i = 0; i < t->n; i++)
		if (t->devs[i].physfn == d)
			json_array_append_new(vfs, json_string(t->devs[i].addr));
	json_object_set_new(o, "vfs", vfs);
	return o;
}

char *devmodel_sriov_role_text(const struct topo_dev *d)
{
	if (d->sriov_pf && d->sriov_numvfs >= 0 && d->sriov_totalvfs >= 0)
		return xasprintf("PF %d/%d", d->sriov_numvfs, d->sriov_totalvfs);
	if (d->sriov_pf) /* "-": could not be read */
		return d->sriov_numvfs >= 0	? xasprintf("PF %d/-", d->sriov_numvfs)
		       : d->sriov_totalvfs >= 0 ? xasprintf("PF -/%d", d->sriov_totalvfs)
						: xstrdup("PF -/-");
	if (d->physfn)
		return xasprintf("VF %d of %s", d->vf_index, d->physfn->addr);
	return NULL;
}
