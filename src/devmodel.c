// SPDX-License-Identifier: GPL-2.0-or-later
/* One data model of a device, shared by list, show and groups. */
#include "devmodel.h"
#include "output.h"
#include "util.h"

static json_t *hex_string(unsigned v, int width)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%0*x", width, v);
	return json_string(buf);
}

static json_t *int_or_null(int v)
{
	return v < 0 ? json_null() : json_integer(v);
}

json_t *devmodel_summary(struct topo *t, struct topo_dev *d)
{
	json_t *o = json_object();
	json_t *sriov = json_null();
	const char *role = NULL;

	json_object_set_new(o, "address", json_string(d->addr));
	json_object_set_new(o, "vendor", hex_string(d->vendor, 4));
	json_object_set_new(o, "device", hex_string(d->device, 4));
	json_object_set_new(o, "subsystem_vendor", hex_string(d->subsys_vendor, 4));
	json_object_set_new(o, "subsystem_device", hex_string(d->subsys_device, 4));
	json_object_set_new(o, "class", hex_string(d->class, 6));
	json_object_set_new(o, "class_keyword", json_string(topo_class_keyword(d->class)));
	json_object_set_new(o, "revision",
			    d->revision < 0 ? json_null() : hex_string((unsigned)d->revision, 2));
	json_object_set_new(o, "vendor_name", json_string(topo_vendor_name(t, d)));
	json_object_set_new(o, "device_name", json_string(topo_device_name(t, d)));
	json_object_set_new(o, "class_name", json_string(topo_class_name(t, d)));
	json_object_set_new(o, "driver", json_string_or_null(d->driver));
	json_object_set_new(o, "driver_override", json_string_or_null(d->driver_override));
	json_object_set_new(o, "iommu_group", int_or_null(d->iommu_group));
	json_object_set_new(o, "parent", json_string_or_null(d->parent ? d->parent->addr : NULL));
	json_object_set_new(o, "numa_node", int_or_null(d->numa_node));
	if (d->sriov_pf) {
		role = "pf";
		sriov = json_object();
		json_object_set_new(sriov, "totalvfs", int_or_null(d->sriov_totalvfs));
		json_object_set_new(sriov, "numvfs", int_or_null(d->sriov_numvfs));
		json_object_set_new(sriov, "drivers_autoprobe",
				    d->sriov_autoprobe < 0 ? json_null()
							   : json_boolean(d->sriov_autoprobe));
	} else if (d->physfn) {
		role = "vf";
	}
	json_object_set_new(o, "sriov_role", json_string_or_null(role));
	json_object_set_new(o, "sriov", sriov);
	json_object_set_new(o, "physfn", json_string_or_null(d->physfn ? d->physfn->addr : NULL));
	json_object_set_new(o, "vf_index", int_or_null(d->vf_index));
	json_object_set_new(o, "netdevs", json_strv(d->netdevs));
	json_object_set_new(o, "blockdevs", json_strv(d->blockdevs));
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
	if (d->sriov_pf)
		return xasprintf("PF %d/%d", d->sriov_numvfs, d->sriov_totalvfs);
	if (d->physfn)
		return xasprintf("VF %d of %s", d->vf_index, d->physfn->addr);
	return NULL;
}
