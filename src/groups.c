// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IOMMU groups, the predictor: the groups a kernel would make of a topology.
 * src/group-sets.c reads the kernel's, explains predictions and judges
 * whether VFIO can use a group.
 *
 * The predictor follows Linux 6.1.y (Debian 12) and 6.12.y (bookworm-backports,
 * Debian 13), chosen by the release the topology describes (groups_kernel_parse()).
 * Every rule below names the kernel function it comes from. Read in Debian's
 * 6.1.192 and 6.12.95 sources (6.12.118 likewise), pci_device_group() and its
 * helpers (drivers/iommu/iommu.c), pci_acs_enabled(), pci_acs_flags_enabled(),
 * pci_acs_path_enabled(), pci_std_enable_acs() (drivers/pci/pci.c),
 * pci_for_each_dma_alias() (drivers/pci/search.c), pci_dev_acs_enabled[], the ACS
 * and DMA alias quirks (drivers/pci/quirks.c) are the same in both lines: what
 * 6.12.0 added over 6.1.0 came to 6.1.y as stable backports. What differs is the
 * stable release a quirk arrived in (Debian's changelogs), gated by struct since:
 *   pci_quirk_wangxun_nic_acs                         6.1.18   6.12.0
 *   quirk_dma_func1_alias, Marvell 88SE9235           6.1.40   6.12.0
 *   pci_quirk_qcom_rp_acs SA8775P; Glenfly func0 alias 6.1.113 6.12.0
 *   pci_quirk_wangxun_nic_acs FF5xxx IDs              6.1.120  6.12.5
 *   pci_quirk_mf_endpoint_acs Broadcom BCM5760X       6.1.122  6.12.0
 *   pci_quirk_loongson_acs                            6.1.142  6.12.35
 *   pci_quirk_qcom_rp_acs Hamoa, Glymur               6.1.165  6.12.75
 * Only 6.1-vs-6.12 differences, not modelled: the config_acs= parameter (6.12
 * only; like disable_acs_redir=, a command line option); with tboot,
 * detect_intel_iommu() requests ACS in 6.1.191+ and 6.12 after .95.
 * Newer than 6.12 (2025 patches, in neither line), not modelled:
 *  - PCI_DEV_FLAGS_PCI_BRIDGE_NO_ALIAS (ASPEED AST1150 and similar PCIe-to-PCI
 *    bridges integrated with their device) stops the DMA alias at the bridge, so
 *    such a bridge and its VGA device land in separate groups.
 *  - The rework of pci_device_group() (pci_bus_isolation, reachable sets) merges
 *    sibling downstream ports of a switch that lack ACS into one group; 6.1 and
 *    6.12 give each such port (and what is below it) its own group.
 *  - pci_acs_ctrl_mask() replaces "acs_flags &= cap | EC" (same result for the
 *    SV/RR/CR/UF bits grouping needs).
 * Not knowable from sysfs, hence not modelled: AMD IVRS table aliases
 * (setup_aliases() in drivers/iommu/amd/iommu.c),
 * Switchtec NTB proxy IDs read from device memory, kernel command line options
 * disable_acs_redir=/config_acs=.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>

#include "groups-internal.h"
#include "groups.h"
#include "sysfs.h"
#include "util.h"

#define DEVFN(slot, fn) ((((slot)&0x1f) << 3) | ((fn)&0x07))

void acs_req_names(uint16_t bits, char *buf, size_t len)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} names[] = { { ACS_SV, "SV" }, { ACS_RR, "RR" }, { ACS_CR, "CR" }, { ACS_UF, "UF" },
		      { ACS_TB, "TB" }, { ACS_EC, "EC" }, { ACS_DT, "DT" } };

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (!(bits & names[i].bit))
			continue;
		if (buf[0])
			strncat(buf, " ", len - strlen(buf) - 1);
		strncat(buf, names[i].name, len - strlen(buf) - 1);
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

const char *group_role(const struct topo_dev *d)
{
	if (d->header_type == 1 || d->header_type == 2)
		return "bridge";
	if (d->header_type < 0 && ((d->class >> 8) == 0x0604 || (d->class >> 8) == 0x0607))
		return "bridge";
	return "endpoint";
}

int groups_parse_acs_override(const char *s, struct groups_opts *o)
{
	_cleanup_free_ char *copy = xstrdup(s);
	char *save = NULL;

	/* pcie_acs_override_setup() of the out-of-tree patch. */
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned v, d;
		int n = 0;

		if (streq(tok, "downstream")) {
			o->flags |= GROUPS_OVERRIDE_DOWNSTREAM;
		} else if (streq(tok, "multifunction")) {
			o->flags |= GROUPS_OVERRIDE_MULTIFUNCTION;
		} else if (sscanf(tok, "id:%4x:%4x%n", &v, &d, &n) == 2 && !tok[n] &&
			   o->n_override_ids < GROUPS_MAX_OVERRIDE_IDS) {
			o->override_ids[o->n_override_ids].vendor = (uint16_t)v;
			o->override_ids[o->n_override_ids].device = (uint16_t)d;
			o->n_override_ids++;
		} else {
			return -EINVAL;
		}
	}
	return groups_opts_override(o) ? 0 : -EINVAL;
}

/* ---------------------------------------------------------------------------------------------
 * Prediction context
 */

struct pctx {
	struct topo *t;
	const struct groups_opts *o;
	struct groups_kver kv;
	bool acs_booted; /* ACS control as pci_std_enable_acs() leaves it */
	bool cur_uncertain; /* the device being placed depended on unknown data */
	struct group_unknown *cur_unknown; /* on what of which devices */
	size_t n_cur_unknown;
	int *grp; /* group index per device, -1: none yet */
	size_t n_groups;
	size_t *order; /* probe order (device indices) */
	size_t n_order;
	uint64_t devfns[4]; /* get_pci_alias_group() loop guard */
};

static size_t idx(const struct pctx *c, const struct topo_dev *d)
{
	return (size_t)(d - c->t->devs);
}

/*
 * A rule that came to a line with a stable release: the first release of each
 * line that has it (0: all).
 */
struct since {
	int v6_1, v6_12;
	const char *text;
};

static const struct since since_wangxun = { 18, 0, "6.1.18+, 6.12" };
static const struct since since_marvell_9235 = { 40, 0, "6.1.40+, 6.12" };
static const struct since since_6_1_113 = { 113, 0, "6.1.113+, 6.12" };
static const struct since since_wangxun_ff5 = { 120, 5, "6.1.120+, 6.12.5+" };
static const struct since since_bcm5760x = { 122, 0, "6.1.122+, 6.12" };
static const struct since since_loongson = { 142, 35, "6.1.142+, 6.12.35+" };
static const struct since since_qcom_hamoa = { 165, 75, "6.1.165+, 6.12.75+" };

/* Does the kernel described have the rule? Unknown stable release: the newest read. */
static bool has(const struct pctx *c, const struct since *s)
{
	int first = c->kv.model == GROUPS_LINUX_6_12 ? s->v6_12 : s->v6_1;

	return c->kv.sublevel < 0 || c->kv.sublevel >= first;
}

const char *groups_kernel_model(enum groups_kernel k)
{
	return k == GROUPS_LINUX_6_12 ? "linux-6.12" : "linux-6.1";
}

struct groups_kver groups_kernel_parse(const char *release)
{
	struct groups_kver v = { .model = GROUPS_LINUX_6_1, .sublevel = -1 };
	int maj, min, sub, n = 0;

	if (!release)
		return v;
	if (sscanf(release, "%d.%d%n", &maj, &min, &n) < 2 || maj < 0 || min < 0) {
		v.nearest = true;
		return v;
	}
	if (maj == 6 && (min == 1 || min == 12)) {
		v.model = min == 12 ? GROUPS_LINUX_6_12 : GROUPS_LINUX_6_1;
		v.sublevel = 0;
		if (sscanf(release + n, ".%d", &sub) == 1 && sub >= 0) {
			const char *p = strchr(release + n + 1, '-');
			size_t digits = strspn(release + n + 1, "0123456789");

			v.sublevel = sub;
			/* Debian 6.1: "6.1.0-ABI-flavour", the ABI number, not the release */
			if (min == 1 && sub == 0 && p == release + n + 1 + digits &&
			    isdigit((unsigned char)p[1]))
				v.sublevel = -1;
		}
		return v;
	}
	/* between the lines or beyond them: the nearest line, its newest release */
	v.nearest = true;
	if (maj > 6 || (maj == 6 && min > 6))
		v.model = GROUPS_LINUX_6_12;
	return v;
}

/* The device being placed depends on something of d that is not known. */
static void unknown(struct pctx *c, const struct topo_dev *d, enum group_unknown_what w)
{
	c->cur_uncertain = true;
	for (size_t i = 0; i < c->n_cur_unknown; i++)
		if (c->cur_unknown[i].dev == d && c->cur_unknown[i].what == w)
			return;
	c->cur_unknown = xrealloc(c->cur_unknown, (c->n_cur_unknown + 1) * sizeof(*c->cur_unknown));
	c->cur_unknown[c->n_cur_unknown++] = (struct group_unknown){ .dev = d, .what = w };
}

const char *group_unknown_name(enum group_unknown_what w)
{
	switch (w) {
	case GROUP_UNKNOWN_ACS:
		return "acs";
	case GROUP_UNKNOWN_PCIE_TYPE:
		return "pcie-type";
	case GROUP_UNKNOWN_HEADER:
		return "header";
	default:
		return "dma-alias";
	}
}

static bool same_bus(const struct topo_dev *a, const struct topo_dev *b)
{
	return a->domain == b->domain && a->bus == b->bus;
}

/*
 * pdev->multifunction: header type bit 7 (pci_setup_device()), and set for every
 * function but 0 by pci_scan_slot() whatever its header says; VFs never
 * (pci_iov_add_virtfn()).
 */
static bool multifunction(struct pctx *c, const struct topo_dev *d)
{
	if (d->physfn)
		return false;
	if (d->func > 0)
		return true;
	if (!d->cfg_read)
		unknown(c, d, GROUP_UNKNOWN_HEADER);
	return d->multifunction;
}

static bool id_in(uint16_t id, const uint16_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* ---------------------------------------------------------------------------------------------
 * Device-specific ACS: pci_dev_specific_acs_enabled() and pci_dev_acs_enabled[] in
 * drivers/pci/quirks.c. Each returns -1 (-ENOTTY: no opinion), 0 or 1.
 */

/* pci_acs_ctrl_enabled() */
static int ctrl_enabled(uint16_t req, uint16_t ena)
{
	return (req & ena) == req;
}

/* pci_quirk_mf_endpoint_acs(): vendor-verified no peer-to-peer between functions. */
static int quirk_mf_endpoint(uint16_t flags)
{
	return ctrl_enabled(flags, ACS_SV | ACS_TB | ACS_RR | ACS_CR | ACS_UF | ACS_DT);
}

/* clang-format off */
static const uint16_t intel_mf_endpoint_ids[] = {
	0x10c6, 0x10db, 0x10dd, 0x10e1, 0x10f1, 0x10f7, 0x10f8, 0x10f9, 0x10fa, 0x10fb, 0x10fc,
	0x1507, 0x1514, 0x151c, 0x1529, 0x152a, 0x154d, 0x154f, 0x1551, 0x1558,
	/* 82580 */
	0x1509, 0x150e, 0x150f, 0x1510, 0x1511, 0x1516, 0x1527,
	/* 82576 */
	0x10c9, 0x10e6, 0x10e7, 0x10e8, 0x150a, 0x150d, 0x1518, 0x1526,
	/* 82575 */
	0x10a7, 0x10a9, 0x10d6,
	/* I350 */
	0x1521, 0x1522, 0x1523, 0x1524,
	/* 82571 (quads omitted due to non-ACS switch) */
	0x105e, 0x105f, 0x1060, 0x10d9,
	/* I219 */
	0x15b7, 0x15b8,
};
/* clang-format on */

/* pci_quirk_intel_pch_acs_ids[]: PCH root ports with ACS-like features, no capability. */
/* clang-format off */
static const uint16_t intel_pch_acs_ids[] = {
	/* Ibexpeak PCH */
	0x3b42, 0x3b43, 0x3b44, 0x3b45, 0x3b46, 0x3b47, 0x3b48, 0x3b49, 0x3b4a, 0x3b4b, 0x3b4c,
	0x3b4d, 0x3b4e, 0x3b4f, 0x3b50, 0x3b51,
	/* Cougarpoint PCH */
	0x1c10, 0x1c11, 0x1c12, 0x1c13, 0x1c14, 0x1c15, 0x1c16, 0x1c17, 0x1c18, 0x1c19, 0x1c1a,
	0x1c1b, 0x1c1c, 0x1c1d, 0x1c1e, 0x1c1f,
	/* Pantherpoint PCH */
	0x1e10, 0x1e11, 0x1e12, 0x1e13, 0x1e14, 0x1e15, 0x1e16, 0x1e17, 0x1e18, 0x1e19, 0x1e1a,
	0x1e1b, 0x1e1c, 0x1e1d, 0x1e1e, 0x1e1f,
	/* Lynxpoint-H PCH */
	0x8c10, 0x8c11, 0x8c12, 0x8c13, 0x8c14, 0x8c15, 0x8c16, 0x8c17, 0x8c18, 0x8c19, 0x8c1a,
	0x8c1b, 0x8c1c, 0x8c1d, 0x8c1e, 0x8c1f,
	/* Lynxpoint-LP PCH */
	0x9c10, 0x9c11, 0x9c12, 0x9c13, 0x9c14, 0x9c15, 0x9c16, 0x9c17, 0x9c18, 0x9c19, 0x9c1a,
	0x9c1b,
	/* Wildcat PCH */
	0x9c90, 0x9c91, 0x9c92, 0x9c93, 0x9c94, 0x9c95, 0x9c96, 0x9c97, 0x9c98, 0x9c99, 0x9c9a,
	0x9c9b,
	/* Patsburg (X79) PCH */
	0x1d10, 0x1d12, 0x1d14, 0x1d16, 0x1d18, 0x1d1a, 0x1d1c, 0x1d1e,
	/* Wellsburg (X99) PCH */
	0x8d10, 0x8d11, 0x8d12, 0x8d13, 0x8d14, 0x8d15, 0x8d16, 0x8d17, 0x8d18, 0x8d19, 0x8d1a,
	0x8d1b, 0x8d1c, 0x8d1d, 0x8d1e,
	/* Lynx Point (9 series) PCH */
	0x8c90, 0x8c92, 0x8c94, 0x8c96, 0x8c98, 0x8c9a, 0x8c9c, 0x8c9e,
};
/* clang-format on */

/* clang-format off */
static const uint16_t nxp_rp_ids[] = {
	0x8d81, 0x8da1, 0x8d83, 0x8d80, 0x8da0, 0x8d82, 0x8d90, 0x8db0, 0x8d92, 0x8d91, 0x8db1,
	0x8d93, 0x8d89, 0x8da9, 0x8d8b, 0x8d88, 0x8da8, 0x8d8a, 0x8d98, 0x8db8, 0x8d9a, 0x8d99,
	0x8db9, 0x8d9b,
};
/* clang-format on */

/* pci_quirk_intel_spt_pch_acs_match(): ACS registers at the wrong offset. */
static bool intel_spt_pch_match(const struct topo_dev *d)
{
	if (!is_type(d, PCIE_ROOT_PORT))
		return false;
	return (d->device >= 0xa110 && d->device <= 0xa11f) ||
	       (d->device >= 0xa167 && d->device <= 0xa16a) ||
	       (d->device >= 0xa290 && d->device <= 0xa29f) ||
	       (d->device >= 0xa2e7 && d->device <= 0xa2ee) ||
	       (d->device >= 0x9d10 && d->device <= 0x9d1b);
}

/* The pcie_acs_override patch: pcie_acs_overrides(), last entry of the table. */
static int acs_override(struct pctx *c, const struct topo_dev *d)
{
	const struct groups_opts *o = c->o;

	if (!groups_opts_override(o))
		return -1;
	if (!pcie_known(d)) {
		unknown(c, d, GROUP_UNKNOWN_PCIE_TYPE);
		return -1;
	}
	/* "Never override ACS for legacy devices or devices with ACS caps" */
	if (!is_pcie(d) || d->acs_cap_offset)
		return -1;
	if (!d->cfg_extended)
		unknown(c, d, GROUP_UNKNOWN_ACS); /* it may have an ACS capability we cannot see */
	for (size_t i = 0; i < o->n_override_ids; i++)
		if (o->override_ids[i].vendor == d->vendor &&
		    o->override_ids[i].device == d->device)
			return 1;
	switch (d->pcie_type) {
	case PCIE_DOWNSTREAM:
	case PCIE_ROOT_PORT:
		if (o->flags & GROUPS_OVERRIDE_DOWNSTREAM)
			return 1;
		break;
	case PCIE_ENDPOINT:
	case PCIE_UPSTREAM:
	case PCIE_LEGACY_ENDPOINT:
	case PCIE_RC_ENDPOINT:
		if ((o->flags & GROUPS_OVERRIDE_MULTIFUNCTION) && multifunction(c, d))
			return 1;
		break;
	}
	return -1;
}

static int acs_quirk(struct pctx *c, const struct topo_dev *d, uint16_t flags, const char **name,
		     const struct since **since)
{
	static const uint16_t ati_sb[] = { 0x4385, 0x439c, 0x4383, 0x439d, 0x4384, 0x4399 };
	static const uint16_t amd_sb[] = { 0x780f, 0x7809 };
	static const uint16_t sfc_mf[] = { 0x0903, 0x0923, 0x0a03 };
	static const uint16_t cavium_mf[] = { 0xa026, 0xa059, 0xa060 };
	/* BCM5760X: all but 0x16d7 (BCM57414) */
	static const uint16_t brcm_mf[] = { 0x16d7, 0x1750, 0x1751, 0x1752,
					    0x1760, 0x1761, 0x1762, 0x1763 };
	static const uint16_t loongson_rp[] = { 0x3c09, 0x3c19, 0x3c29, 0x7a09, 0x7a19,
						0x7a29, 0x7a39, 0x7a49, 0x7a59, 0x7a69 };
	static const uint16_t zhaoxin_mf[] = { 0x3038, 0x3104, 0x9083 };
	int r;

	/* pci_quirk_amd_sb_acs(): southbridge functions on the root bus, with an AMD IOMMU. */
	if ((d->vendor == 0x1002 && id_in(d->device, ati_sb, ARRAY_SIZE(ati_sb))) ||
	    (d->vendor == 0x1022 && id_in(d->device, amd_sb, ARRAY_SIZE(amd_sb)))) {
		if (multifunction(c, d) && !d->parent && (c->o->flags & GROUPS_AMD_IVRS)) {
			*name = "pci_quirk_amd_sb_acs";
			flags &= ACS_RR | ACS_CR | ACS_EC | ACS_DT;
			return ctrl_enabled(flags, ACS_RR | ACS_CR);
		}
	}
	if (d->vendor == 0x1924 && id_in(d->device, sfc_mf, ARRAY_SIZE(sfc_mf)))
		goto mf_endpoint;
	if (d->vendor == 0x8086 &&
	    id_in(d->device, intel_mf_endpoint_ids, ARRAY_SIZE(intel_mf_endpoint_ids)))
		goto mf_endpoint;
	/* pci_quirk_rciep_acs(): Intel RCiEPs allow p2p only on translated addresses. */
	if (d->vendor == 0x8086 && is_type(d, PCIE_RC_ENDPOINT)) {
		*name = "pci_quirk_rciep_acs";
		return ctrl_enabled(flags, ACS_REQ);
	}
	/* pci_quirk_qcom_rp_acs(): QCOM QDF2xxx, SA8775P, Hamoa, Glymur, HXT SD4800 root ports */
	if (d->vendor == 0x17cb && d->device == 0x0115)
		*since = &since_6_1_113; /* SA8775P */
	if (d->vendor == 0x17cb && (d->device == 0x0111 || d->device == 0x0120))
		*since = &since_qcom_hamoa;
	if (((d->vendor == 0x17cb && (d->device == 0x0400 || d->device == 0x0401)) ||
	     (d->vendor == 0x1dbf && d->device == 0x0401) || *since) &&
	    (!*since || has(c, *since))) {
		*name = "pci_quirk_qcom_rp_acs";
		return ctrl_enabled(flags, ACS_REQ);
	}
	*since = NULL;
	/*
	 * pci_quirk_intel_pch_acs(): assumes pci_quirk_enable_intel_pch_acs() succeeded
	 * at boot (PCI_DEV_FLAGS_ACS_ENABLED_QUIRK; it fails only if the LPC's RCBA is off).
	 */
	if (d->vendor == 0x8086 && is_type(d, PCIE_ROOT_PORT) &&
	    id_in(d->device, intel_pch_acs_ids, ARRAY_SIZE(intel_pch_acs_ids))) {
		*name = "pci_quirk_intel_pch_acs";
		return ctrl_enabled(flags, ACS_REQ);
	}
	/*
	 * pci_quirk_intel_spt_pch_acs(): the control register is a dword at +8, which
	 * pci_quirk_enable_intel_spt_pch_acs() fills with the capability's SV/RR/CR/UF
	 * at boot; lspci and config reads at +6 show something else.
	 */
	if (d->vendor == 0x8086 && intel_spt_pch_match(d) && d->acs_cap_offset) {
		*name = "pci_quirk_intel_spt_pch_acs";
		return 1;
	}
	if ((d->vendor == 0x19a2 && d->device == 0x0710) ||
	    (d->vendor == 0x10df && d->device == 0x0720))
		goto mf_endpoint; /* Emulex BE3-R, Skyhawk-R */
	/* pci_quirk_cavium_acs(): ThunderX root ports */
	if (d->vendor == 0x177d && is_type(d, PCIE_ROOT_PORT) &&
	    ((d->device >= 0xa000 && d->device <= 0xa7ff) || d->device == 0xaf84 ||
	     d->device == 0xb884)) {
		*name = "pci_quirk_cavium_acs";
		return ctrl_enabled(flags, ACS_REQ);
	}
	if (d->vendor == 0x177d && id_in(d->device, cavium_mf, ARRAY_SIZE(cavium_mf)))
		goto mf_endpoint;
	/* pci_quirk_xgene_acs(): APM X-Gene, Ampere root ports */
	if ((d->vendor == 0x10e8 && d->device == 0xe004) ||
	    (d->vendor == 0x1def && d->device >= 0xe005 && d->device <= 0xe00c)) {
		*name = "pci_quirk_xgene_acs";
		return ctrl_enabled(flags, ACS_REQ);
	}
	if (d->vendor == 0x14e4 && id_in(d->device, brcm_mf, ARRAY_SIZE(brcm_mf))) {
		if (d->device == 0x16d7)
			goto mf_endpoint;
		if (has(c, &since_bcm5760x)) {
			*since = &since_bcm5760x;
			goto mf_endpoint;
		}
	}
	if (d->vendor == 0x14e4 && d->device == 0xd714) {
		*name = "pci_quirk_brcm_acs";
		return ctrl_enabled(flags, ACS_REQ);
	}
	if (d->vendor == 0x0014 && id_in(d->device, loongson_rp, ARRAY_SIZE(loongson_rp)) &&
	    has(c, &since_loongson)) {
		*name = "pci_quirk_loongson_acs";
		*since = &since_loongson;
		return ctrl_enabled(flags, ACS_REQ);
	}
	/* pci_quirk_al_acs(): Amazon Annapurna Labs root ports */
	if (d->vendor == 0x1c36 && d->device == 0x0031 && is_type(d, PCIE_ROOT_PORT)) {
		*name = "pci_quirk_al_acs";
		return (flags & ~ACS_REQ) ? 0 : 1;
	}
	if (d->vendor == 0x1d17 && id_in(d->device, zhaoxin_mf, ARRAY_SIZE(zhaoxin_mf)))
		goto mf_endpoint;
	if (d->vendor == 0x1957 && id_in(d->device, nxp_rp_ids, ARRAY_SIZE(nxp_rp_ids))) {
		*name = "pci_quirk_nxp_rp_acs";
		return ctrl_enabled(flags, ACS_REQ);
	}
	/* pci_quirk_zhaoxin_pcie_ports_acs(): listed ports isolate, the others never do. */
	if (d->vendor == 0x1d17 && (is_type(d, PCIE_ROOT_PORT) || is_type(d, PCIE_DOWNSTREAM))) {
		*name = "pci_quirk_zhaoxin_pcie_ports_acs";
		if ((d->device >= 0x0710 && d->device <= 0x071e) || d->device == 0x0721 ||
		    (d->device >= 0x0723 && d->device <= 0x0752))
			return ctrl_enabled(flags, ACS_REQ);
		return 0;
	}
	/* pci_quirk_wangxun_nic_acs(): listed NICs isolate functions, others "false". */
	if (d->vendor == 0x8088 && has(c, &since_wangxun)) {
		bool ff5 = d->device == 0x5010 || d->device == 0x5025 || d->device == 0x5040 ||
			   d->device == 0x5110 || d->device == 0x5125 || d->device == 0x5140;

		*name = "pci_quirk_wangxun_nic_acs";
		*since = ff5 && has(c, &since_wangxun_ff5) ? &since_wangxun_ff5 : &since_wangxun;
		if ((d->device >= 0x0100 && d->device <= 0x010f) || d->device == 0x1001 ||
		    d->device == 0x2001 || (ff5 && has(c, &since_wangxun_ff5)))
			return ctrl_enabled(flags, ACS_REQ);
		return 0;
	}
	r = acs_override(c, d);
	if (r >= 0)
		*name = "pcie_acs_override";
	return r;

mf_endpoint:
	*name = "pci_quirk_mf_endpoint_acs";
	return quirk_mf_endpoint(flags);
}

/* ---------------------------------------------------------------------------------------------
 * pci_acs_enabled() and pci_acs_path_enabled(), drivers/pci/pci.c
 */

/* pci_acs_flags_enabled(): bits missing from the capability count as hard-wired on. */
static struct acs_verdict acs_flags_enabled(struct pctx *c, const struct topo_dev *d,
					    uint16_t flags)
{
	struct acs_verdict v = { 0 };
	uint16_t ctrl;

	if (!d->cfg_extended) {
		unknown(c, d, GROUP_UNKNOWN_ACS);
		v.why = ACS_WHY_UNKNOWN;
		v.missing = flags;
		return v;
	}
	if (!d->acs_cap_offset) {
		v.why = ACS_WHY_NO_CAP;
		v.missing = flags;
		return v;
	}
	flags &= d->acs_cap | ACS_EC;
	ctrl = d->acs_ctrl;
	/* pci_std_enable_acs(), at boot with an IOMMU (pci_acs_enable set) */
	if (c->acs_booted)
		ctrl |= d->acs_cap & ACS_REQ;
	v.missing = flags & ~ctrl;
	v.enabled = !v.missing;
	v.why = v.enabled ? ACS_WHY_OK : ACS_WHY_CTRL_OFF;
	return v;
}

static struct acs_verdict acs_enabled(struct pctx *c, const struct topo_dev *d, uint16_t flags)
{
	struct acs_verdict v = { 0 };
	const char *quirk = NULL;
	const struct since *since = NULL;
	int r;

	r = acs_quirk(c, d, flags, &quirk, &since);
	if (r >= 0) {
		v.enabled = r > 0;
		v.why = streq(quirk, "pcie_acs_override") ? ACS_WHY_OVERRIDE : ACS_WHY_QUIRK;
		v.quirk = quirk;
		v.since = since ? since->text : NULL;
		v.missing = v.enabled ? 0 : flags;
		return v;
	}
	if (!pcie_known(d)) {
		unknown(c, d, GROUP_UNKNOWN_PCIE_TYPE);
		v.why = ACS_WHY_UNKNOWN;
		v.missing = flags;
		return v;
	}
	/* Conventional PCI and PCI-X devices never support ACS: a shared bus. */
	if (!is_pcie(d)) {
		v.why = ACS_WHY_CONVENTIONAL;
		v.missing = flags;
		return v;
	}
	switch (d->pcie_type) {
	/* PCI/X-to-PCIe and PCIe-to-PCI bridges, event collectors: conservatively never. */
	case PCIE_PCI_TO_PCIE:
	case PCIE_PCIE_TO_PCI:
	case PCIE_RC_EVENT_COLLECTOR:
		v.why = ACS_WHY_BRIDGE_TYPE;
		v.missing = flags;
		return v;
	/* Downstream and root ports must implement ACS, single- or multifunction. */
	case PCIE_DOWNSTREAM:
	case PCIE_ROOT_PORT:
		return acs_flags_enabled(c, d, flags);
	/* The other types need ACS only as part of a multifunction device. */
	case PCIE_ENDPOINT:
	case PCIE_UPSTREAM:
	case PCIE_LEGACY_ENDPOINT:
	case PCIE_RC_ENDPOINT:
		if (!multifunction(c, d))
			break;
		return acs_flags_enabled(c, d, flags);
	}
	v.enabled = true;
	v.why = ACS_WHY_NOT_NEEDED;
	return v;
}

/* pci_acs_path_enabled(start, NULL, flags): *bad is the first device failing. */
static bool acs_path_enabled(struct pctx *c, struct topo_dev *start, struct topo_dev **bad,
			     struct acs_verdict *why)
{
	for (struct topo_dev *p = start; p; p = p->parent) {
		struct acs_verdict v = acs_enabled(c, p, ACS_REQ);

		if (!v.enabled) {
			*bad = p;
			*why = v;
			return false;
		}
	}
	return true;
}

/* ---------------------------------------------------------------------------------------------
 * DMA aliases: pci_for_each_dma_alias() (drivers/pci/search.c), pci_devs_are_dma_aliases()
 * (drivers/pci/pci.c) and the quirks that call pci_add_dma_alias() (drivers/pci/quirks.c).
 */

/* If d's dma_alias_mask (set by a header quirk) has devfn: the quirk's name. */
static const char *dma_alias_quirk(struct pctx *c, const struct topo_dev *d, unsigned devfn,
				   const struct since **since)
{
	static const uint16_t marvell_func1[] = { 0x9120, 0x9123, 0x9125, 0x9128, 0x9130,
						  0x9170, 0x9172, 0x917a, 0x9182, 0x9183,
						  0x91a0, 0x9215, 0x9220, 0x9230, 0x9235 };
	static const uint16_t vca[] = { 0x2954, 0x2955, 0x2956, 0x2958, 0x2959, 0x295a };

	bool glenfly = d->vendor == 0x6766 && (d->device == 0x3d40 || d->device == 0x3d41);
	bool m9235 = d->vendor == 0x1b4b && d->device == 0x9235;

	*since = NULL;
	/* quirk_dma_func0_alias(): Ricoh, Glenfly use function 0's requester ID */
	if (((d->vendor == 0x1180 && (d->device == 0xe832 || d->device == 0xe476)) ||
	     (glenfly && has(c, &since_6_1_113))) &&
	    d->func != 0 && devfn == DEVFN(d->slot, 0)) {
		*since = glenfly ? &since_6_1_113 : NULL;
		return "quirk_dma_func0_alias";
	}
	/* quirk_dma_func1_alias(): Marvell SATA, TTI, JMicron, Plextor use function 1 */
	if (((d->vendor == 0x1b4b && id_in(d->device, marvell_func1, ARRAY_SIZE(marvell_func1)) &&
	      (!m9235 || has(c, &since_marvell_9235))) ||
	     (d->vendor == 0x1103 && (d->device == 0x0642 || d->device == 0x0645)) ||
	     (d->vendor == 0x197b && d->device == 0x2392) ||
	     (d->vendor == 0x1c28 && d->device == 0x0122)) &&
	    d->func != 1 && devfn == DEVFN(d->slot, 1)) {
		*since = m9235 ? &since_marvell_9235 : NULL;
		return "quirk_dma_func1_alias";
	}
	/* quirk_fixed_dma_alias(): Adaptec 3405/3805 DMA from 01.0 */
	if (d->vendor == 0x9005 && d->device == 0x0285 && d->subsys_vendor == 0x9005 &&
	    (d->subsys_device == 0x02bb || d->subsys_device == 0x02bc) && devfn == DEVFN(1, 0))
		return "quirk_fixed_dma_alias";
	/* quirk_mic_x200_dma_alias() */
	if (d->vendor == 0x8086 && (d->device == 0x2260 || d->device == 0x2264) &&
	    (devfn == DEVFN(0x10, 0) || devfn == DEVFN(0x11, 0) || devfn == DEVFN(0x12, 3)))
		return "quirk_mic_x200_dma_alias";
	/* quirk_pex_vca_alias(): functions 0-4 of every slot */
	if (d->vendor == 0x8086 && id_in(d->device, vca, ARRAY_SIZE(vca)) && (devfn & 7) < 5)
		return "quirk_pex_vca_alias";
	/* quirk_plx_ntb_dma_alias(): all 256 devfns */
	if (d->vendor == 0x10b5 && (d->device == 0x87b0 || d->device == 0x87b1))
		return "quirk_plx_ntb_dma_alias";
	/* quirk_switchtec_ntb_dma_alias(): proxy IDs come from device memory */
	if ((d->vendor == 0x11f8 || d->vendor == 0x1055) && (d->class >> 8) == 0x0680)
		unknown(c, d, GROUP_UNKNOWN_DMA_ALIAS);
	return NULL;
}

/* pci_devs_are_dma_aliases() */
static const char *devs_are_dma_aliases(struct pctx *c, const struct topo_dev *a,
					const struct topo_dev *b, const struct since **since)
{
	const char *q = dma_alias_quirk(c, a, DEVFN(b->slot, b->func), since);

	return q ? q : dma_alias_quirk(c, b, DEVFN(a->slot, a->func), since);
}

/* PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT: quirk_bridge_cavm_thrx2_pcie_root() */
static bool bridge_xlate_root(const struct topo_dev *d)
{
	return d->vendor == 0x14e4 && (d->device == 0x9000 || d->device == 0x9084);
}

/*
 * VMD (drivers/pci/controller/vmd.c): the NVMe ports behind an Intel Volume
 * Management Device sit on a PCI domain of their own, numbered by
 * vmd_find_free_domain() from 0x10000 up, one per VMD endpoint as it binds; their
 * DMA carries the VMD endpoint's requester ID, and pci_for_each_dma_alias() starts
 * at pci_real_dma_dev(), the VMD endpoint. The n-th VMD domain is taken to be the
 * n-th VMD endpoint's (vmd binds them in probe order); with several endpoints and
 * no way to tell which domain is whose, the result is marked uncertain.
 */
static bool is_vmd_endpoint(const struct topo_dev *d)
{
	/*
	 * Intel VMD endpoints: vmd_ids[] of drivers/pci/controller/vmd.c (b60b and b06f came
	 * in together, also in stable; b07f later). A VMD domain exists only where vmd bound one.
	 */
	static const uint16_t ids[] = { 0x201d, 0x28c0, 0x467f, 0x4c3d, 0x7d0b, 0x9a0b,
					0xa77f, 0xad0b, 0xb06f, 0xb07f, 0xb60b };

	return d->vendor == 0x8086 && d->domain < 0x10000 && id_in(d->device, ids, ARRAY_SIZE(ids));
}

static struct topo_dev *vmd_owner(struct pctx *c, const struct topo_dev *d)
{
	struct topo *t = c->t;
	size_t rank = 0, n_vmd = 0;
	struct topo_dev *owner = NULL;

	if (d->domain < 0x10000)
		return NULL;
	/* devs are sorted: count the VMD domains below d's */
	for (size_t i = 0; i < t->n; i++)
		if (t->devs[i].domain >= 0x10000 && t->devs[i].domain < d->domain &&
		    (i == 0 || t->devs[i - 1].domain != t->devs[i].domain))
			rank++;
	for (size_t i = 0; i < t->n; i++)
		if (is_vmd_endpoint(&t->devs[i]) && n_vmd++ == rank)
			owner = &t->devs[i];
	if (!owner || n_vmd > 1)
		unknown(c, d, GROUP_UNKNOWN_DMA_ALIAS);
	return owner;
}

/* ---------------------------------------------------------------------------------------------
 * pci_device_group() and helpers, drivers/iommu/iommu.c
 */

struct hit {
	int group;
	struct topo_dev *dev; /* whose group was found */
	struct topo_dev *alias; /* DMA alias partner on the first hop */
	const char *quirk;
	const struct since *since;
};

static bool devfn_test_and_set(struct pctx *c, const struct topo_dev *d)
{
	unsigned bit = DEVFN(d->slot, d->func);
	uint64_t mask = 1ULL << (bit % 64);
	bool was = c->devfns[bit / 64] & mask;

	c->devfns[bit / 64] |= mask;
	return was;
}

static int function_alias_group(struct pctx *c, struct topo_dev *pdev, struct hit *h);

/*
 * get_pci_alias_group(): existing groups of devices that alias pdev or that pdev
 * aliases, on pdev's bus.
 */
static int alias_group(struct pctx *c, struct topo_dev *pdev, struct hit *h)
{
	struct topo *t = c->t;

	if (devfn_test_and_set(c, pdev))
		return -1;
	if (c->grp[idx(c, pdev)] >= 0) {
		h->dev = pdev;
		return h->group = c->grp[idx(c, pdev)];
	}
	for (size_t k = 0; k < c->n_order; k++) {
		struct topo_dev *tmp = &t->devs[c->order[k]];
		const struct since *since;
		const char *q;
		int g;

		if (tmp == pdev || !same_bus(tmp, pdev))
			continue;
		q = devs_are_dma_aliases(c, pdev, tmp, &since);
		if (!q)
			continue;
		g = alias_group(c, tmp, h);
		if (g < 0)
			g = function_alias_group(c, tmp, h);
		if (g >= 0) {
			h->alias = tmp;
			h->quirk = q;
			h->since = since;
			return g;
		}
	}
	return -1;
}

/*
 * get_pci_function_alias_group(): functions in pdev's slot that are, like pdev,
 * not isolated by ACS, and their aliases.
 */
static int function_alias_group(struct pctx *c, struct topo_dev *pdev, struct hit *h)
{
	struct topo *t = c->t;

	if (!multifunction(c, pdev) || acs_enabled(c, pdev, ACS_REQ).enabled)
		return -1;
	for (size_t k = 0; k < c->n_order; k++) {
		struct topo_dev *tmp = &t->devs[c->order[k]];
		int g;

		if (tmp == pdev || !same_bus(tmp, pdev) || tmp->slot != pdev->slot ||
		    acs_enabled(c, tmp, ACS_REQ).enabled)
			continue;
		g = alias_group(c, tmp, h);
		if (g >= 0)
			return g;
	}
	return -1;
}

/* pci_device_group(): the group d joins, or -1 for a new one; *l says why. */
static int device_group(struct pctx *c, struct topo_dev *d, struct group_link *l)
{
	struct topo_dev *pdev = d;
	struct hit h = { .group = -1 };
	int g;

	memset(l, 0, sizeof(*l));
	/* pci_real_dma_dev(): a device behind VMD issues its DMA as the VMD endpoint */
	{
		struct topo_dev *vmd = vmd_owner(c, d);

		if (vmd && c->grp[idx(c, vmd)] >= 0) {
			l->rule = GROUP_RULE_ALIAS_BRIDGE;
			l->via = l->culprit = vmd;
			l->quirk = "pci_real_dma_dev";
			return c->grp[idx(c, vmd)];
		}
	}
	/*
	 * pci_for_each_dma_alias() with get_pci_alias_or_group(): the device, then
	 * each bridge upstream that takes ownership of its requests. PCIe ports do
	 * not; PCIe-to-PCI bridges alias to (secondary bus, 00.0), PCI-X-to-PCIe and
	 * conventional bridges to themselves. Either way the alias belongs to the
	 * bridge, so the search stops at the first bridge that has a group.
	 */
	for (struct topo_dev *b = d; b->parent; b = b->parent) {
		struct topo_dev *tmp = b->parent;
		bool alias;

		if (bridge_xlate_root(tmp))
			break;
		if (!pcie_known(tmp)) {
			unknown(c, tmp, GROUP_UNKNOWN_PCIE_TYPE);
			alias = false;
		} else if (is_pcie(tmp)) {
			alias = tmp->pcie_type == PCIE_PCIE_TO_PCI ||
				tmp->pcie_type == PCIE_PCI_TO_PCIE;
		} else {
			alias = true;
		}
		if (!alias)
			continue;
		pdev = tmp;
		if (c->grp[idx(c, tmp)] >= 0) {
			l->rule = GROUP_RULE_ALIAS_BRIDGE;
			l->via = l->culprit = tmp;
			l->quirk =
				pcie_bridge_alias(tmp) ? "quirk_use_pcie_bridge_dma_alias" : NULL;
			return c->grp[idx(c, tmp)];
		}
	}

	/*
	 * Continue upstream from the point of minimum IOMMU granularity to where
	 * ACS protects against peer-to-peer DMA on the whole path.
	 */
	for (struct topo_dev *p = pdev->parent; p; p = p->parent) {
		struct topo_dev *bad = NULL;
		struct acs_verdict why;

		if (acs_path_enabled(c, p, &bad, &why))
			break;
		pdev = p;
		if (c->grp[idx(c, p)] >= 0) {
			l->rule = GROUP_RULE_ACS_PATH;
			l->via = p;
			l->culprit = bad;
			l->acs = why;
			return c->grp[idx(c, p)];
		}
	}

	/* get_pci_alias_group(): devices aliasing pdev or aliased by it */
	g = alias_group(c, pdev, &h);
	if (g >= 0) {
		l->rule = GROUP_RULE_DMA_ALIAS;
		l->via = h.dev;
		l->culprit = h.alias ? h.alias : h.dev;
		l->quirk = h.quirk;
		l->since = h.since ? h.since->text : NULL;
		return g;
	}
	/* get_pci_function_alias_group(): non-isolated functions of the same slot */
	h = (struct hit){ .group = -1 };
	g = function_alias_group(c, pdev, &h);
	if (g >= 0) {
		l->rule = GROUP_RULE_MULTIFUNCTION;
		l->via = h.dev;
		l->culprit = pdev;
		l->acs = acs_enabled(c, pdev, ACS_REQ);
		l->other = acs_enabled(c, h.dev, ACS_REQ);
		l->quirk = h.quirk;
		l->since = h.since ? h.since->text : NULL;
		return g;
	}
	return -1;
}

/*
 * The kernel probes devices in the order they were added: each bus's devices by
 * devfn, then recursively each bridge's secondary bus (pci_scan_child_bus_extend());
 * root buses in order; VFs are added later, when enabled.
 */
static void order_bus(struct pctx *c, const struct topo_dev *self, unsigned domain, unsigned bus)
{
	struct topo *t = c->t;
	size_t first = c->n_order;

	for (size_t i = 0; i < t->n; i++) {
		const struct topo_dev *d = &t->devs[i];

		if (d->physfn || d->parent != self)
			continue;
		if (!self && (d->domain != domain || d->bus != bus))
			continue;
		c->order[c->n_order++] = i;
	}
	for (size_t k = first, end = c->n_order; k < end; k++) {
		const struct topo_dev *d = &t->devs[c->order[k]];

		if (is_bridge(d))
			order_bus(c, d, 0, 0);
	}
}

static void compute_order(struct pctx *c)
{
	struct topo *t = c->t;
	bool *seen = xcalloc(t->n ? t->n : 1, sizeof(bool));

	for (size_t i = 0; i < t->n; i++) {
		const struct topo_dev *d = &t->devs[i];

		/* devs are sorted: the first device of each root bus starts it */
		if (d->parent || d->physfn)
			continue;
		if (i > 0) {
			bool done = false;

			for (size_t j = 0; j < i && !done; j++)
				done = !t->devs[j].parent && !t->devs[j].physfn &&
				       t->devs[j].domain == d->domain && t->devs[j].bus == d->bus;
			if (done)
				continue;
		}
		order_bus(c, NULL, d->domain, d->bus);
	}
	for (size_t k = 0; k < c->n_order; k++)
		seen[c->order[k]] = true;
	/* VFs, and anything unreachable (a parent loop would be a bug elsewhere) */
	for (size_t i = 0; i < t->n; i++)
		if (!seen[i])
			c->order[c->n_order++] = i;
	free(seen);
}

/*
 * Devices the kernel does not group: the AMD IOMMU function itself (class 0806,
 * never behind itself) and, on the same root-bus slot, the AMD root complex at
 * 00.0, which IVRS device ranges leave out (all AMD machines in the test data).
 * When the topology has kernel groups, any device without one.
 */
static bool ungrouped(const struct topo *t, const struct topo_dev *d, bool kernel_groups)
{
	if (kernel_groups)
		return d->iommu_group < 0;
	if ((d->class >> 8) == 0x0806)
		return true;
	if (!d->parent && d->func == 0 && (d->vendor == 0x1022 || d->vendor == 0x1002) &&
	    (d->class >> 8) == 0x0600) {
		for (size_t i = 0; i < t->n; i++) {
			const struct topo_dev *o = &t->devs[i];

			if (o != d && same_bus(o, d) && o->slot == d->slot &&
			    (o->class >> 8) == 0x0806)
				return true;
		}
	}
	return false;
}

static int cmp_group_first(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (!x->n_devs || !y->n_devs)
		return (int)y->n_devs - (int)x->n_devs;
	return cmp_devp(&x->devs[0], &y->devs[0]);
}

/* By device (address order: t->devs is sorted), then by what. */
static int cmp_unknown(const void *a, const void *b)
{
	const struct group_unknown *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return (int)x->what - (int)y->what;
}

int groups_predict(struct topo *t, unsigned flags, struct group_set **out)
{
	struct groups_opts o = { .flags = flags };

	return groups_predict_opts(t, &o, out);
}

int groups_predict_opts(struct topo *t, const struct groups_opts *o, struct group_set **out)
{
	struct group_set *s = xcalloc(1, sizeof(*s));
	struct pctx c = { .t = t, .o = &s->opts, .kv = groups_kernel_parse(o->release) };
	_cleanup_free_ bool *unc = NULL;
	_cleanup_free_ struct group *gu = NULL; /* per group index: its unknown list */
	bool kernel_groups = false, header_only = false;
	size_t n = t->n ? t->n : 1;

	s->t = t;
	s->predicted = true;
	s->opts = *o;
	s->opts.release = NULL; /* the caller's; read once, into c.kv */
	s->kernel = c.kv;
	s->links = xcalloc(n, sizeof(*s->links));
	c.grp = xcalloc(n, sizeof(int));
	c.order = xcalloc(n, sizeof(size_t));
	unc = xcalloc(n, sizeof(bool));
	gu = xcalloc(n, sizeof(*gu));

	for (size_t i = 0; i < t->n; i++) {
		c.grp[i] = -1;
		kernel_groups |= t->devs[i].iommu_group >= 0;
		header_only |= t->devs[i].cfg_size < 256;
	}
	c.acs_booted = !(o->flags & GROUPS_ACS_AS_READ) &&
		       (!kernel_groups || (o->flags & GROUPS_ACS_AS_BOOTED));
	if (c.kv.nearest)
		strv_pushf(&s->notes, &s->n_notes,
			   "kernel %s is of no modelled line (6.1.y, 6.12.y): predicted with the "
			   "rules of %s, the nearest",
			   o->release, groups_kernel_model(c.kv.model));
	if (header_only)
		strv_pushf(&s->notes, &s->n_notes,
			   "config space beyond the header is not readable for some devices "
			   "(run as root): their PCIe type and ACS are unknown");
	if (c.acs_booted && !(o->flags & GROUPS_ACS_AS_BOOTED))
		strv_pushf(&s->notes, &s->n_notes,
			   "no IOMMU groups: ACS controls taken as the kernel enables them when "
			   "an IOMMU is on");
	if (groups_opts_override(o))
		strv_pushf(&s->notes, &s->n_notes,
			   "UNSAFE: pcie_acs_override claims isolation the hardware does not "
			   "provide; devices in different predicted groups may still reach each "
			   "other by peer-to-peer DMA");

	compute_order(&c);
	for (size_t k = 0; k < c.n_order; k++) {
		size_t i = c.order[k];
		struct topo_dev *d = &t->devs[i];
		int g;

		if (ungrouped(t, d, kernel_groups)) {
			s->links[i].rule = GROUP_RULE_UNGROUPED;
			continue;
		}
		c.cur_uncertain = false;
		c.n_cur_unknown = 0;
		memset(c.devfns, 0, sizeof(c.devfns));
		g = device_group(&c, d, &s->links[i]);
		if (g < 0)
			g = (int)c.n_groups++;
		c.grp[i] = g;
		if (c.cur_uncertain)
			unc[g] = true; /* group indices < n */
		for (size_t u = 0; u < c.n_cur_unknown; u++) {
			struct group *x = &gu[g];
			bool dup = false;

			for (size_t v = 0; v < x->n_unknown && !dup; v++)
				dup = x->unknown[v].dev == c.cur_unknown[u].dev &&
				      x->unknown[v].what == c.cur_unknown[u].what;
			if (dup)
				continue;
			x->unknown = xrealloc(x->unknown, (x->n_unknown + 1) * sizeof(*x->unknown));
			x->unknown[x->n_unknown++] = c.cur_unknown[u];
		}
	}

	s->groups = xcalloc(c.n_groups ? c.n_groups : 1, sizeof(*s->groups));
	s->n_groups = c.n_groups;
	for (size_t g = 0; g < c.n_groups; g++) {
		s->groups[g].id = -1;
		s->groups[g].uncertain = unc[g];
		s->groups[g].unknown = gu[g].unknown;
		s->groups[g].n_unknown = gu[g].n_unknown;
		if (gu[g].n_unknown > 1)
			qsort(gu[g].unknown, gu[g].n_unknown, sizeof(*gu[g].unknown), cmp_unknown);
		gu[g].unknown = NULL;
	}
	for (size_t i = 0; i < t->n; i++) {
		struct group *gr;

		if (c.grp[i] < 0)
			continue;
		gr = &s->groups[c.grp[i]];
		gr->devs = xrealloc(gr->devs, (gr->n_devs + 1) * sizeof(*gr->devs));
		gr->devs[gr->n_devs++] = &t->devs[i];
	}
	if (s->n_groups > 1)
		qsort(s->groups, s->n_groups, sizeof(*s->groups), cmp_group_first);
	free(c.cur_unknown);
	free(c.grp);
	free(c.order);
	*out = s;
	return 0;
}
