/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "topo.h"

/*
 * IOMMU groups: the kernel's (/sys/kernel/iommu_groups) and predicted ones.
 *
 * The predictor replays pci_device_group() of Linux 6.1.y or 6.12.y
 * (drivers/iommu/iommu.c) over a struct topo, device by device in the kernel's probe order, with
 * pci_acs_enabled()/pci_acs_path_enabled() (drivers/pci/pci.c), DMA aliases
 * (pci_for_each_dma_alias() in drivers/pci/search.c and the alias quirks) and the
 * device-specific ACS quirks (pci_dev_acs_enabled[] in drivers/pci/quirks.c). It
 * reads nothing but the struct topo, so a test can build one by hand.
 */

/* The kernel lines whose rules the predictor follows (see src/groups.c). */
enum groups_kernel {
	GROUPS_LINUX_6_1, /* 6.1.y: Debian 12 */
	GROUPS_LINUX_6_12, /* 6.12.y: bookworm-backports, Debian 13 */
};

/* A kernel release as the predictor reads it. */
struct groups_kver {
	enum groups_kernel model;
	int sublevel; /* stable release within the model's line; -1: unknown (the newest) */
	bool nearest; /* the release is of no modelled line: the nearest one is used */
};

/* "linux-6.1", "linux-6.12" */
const char *groups_kernel_model(enum groups_kernel k);
/*
 * The model for a kernel release (uname -r: "6.1.0-28-amd64", "6.12.12+bpo-amd64",
 * "6.12.30"). NULL (unknown): 6.1, sublevel -1; unparsable: the same with nearest
 * set. Debian's 6.1 releases ("6.1.0-N") do not tell the stable release: sublevel -1.
 */
struct groups_kver groups_kernel_parse(const char *release);

/* ACS controls a bridge needs to isolate (REQ_ACS_FLAGS, drivers/iommu/iommu.c). */
#define ACS_REQ (ACS_SV | ACS_RR | ACS_CR | ACS_UF)

enum {
	/* pcie_acs_override=downstream (out-of-tree patch, UNSAFE) */
	GROUPS_OVERRIDE_DOWNSTREAM = 1 << 0,
	/* pcie_acs_override=multifunction (out-of-tree patch, UNSAFE) */
	GROUPS_OVERRIDE_MULTIFUNCTION = 1 << 1,
	/* An AMD IOMMU (ACPI IVRS table) exists: enables pci_quirk_amd_sb_acs(). */
	GROUPS_AMD_IVRS = 1 << 2,
	/*
	 * Take ACS control registers as read. Default: as the kernel sets them at
	 * boot when an IOMMU is on (pci_std_enable_acs() turns on every SV/RR/CR/UF
	 * bit the capability has), unless the topology already has IOMMU groups,
	 * in which case the registers were set by that kernel and are used as read.
	 */
	GROUPS_ACS_AS_READ = 1 << 3,
	GROUPS_ACS_AS_BOOTED = 1 << 4, /* force the default above */
};

#define GROUPS_MAX_OVERRIDE_IDS 16

struct groups_opts {
	unsigned flags;
	/* pcie_acs_override=id:VVVV:DDDD */
	struct {
		uint16_t vendor, device;
	} override_ids[GROUPS_MAX_OVERRIDE_IDS];
	size_t n_override_ids;
	/* uname -r of the kernel the topology describes; NULL: unknown (6.1) */
	const char *release;
};

/* Parse "downstream,multifunction,id:8086:1234" into o. 0 or -EINVAL. */
int groups_parse_acs_override(const char *s, struct groups_opts *o);
static inline bool groups_opts_override(const struct groups_opts *o)
{
	return (o->flags & (GROUPS_OVERRIDE_DOWNSTREAM | GROUPS_OVERRIDE_MULTIFUNCTION)) ||
	       o->n_override_ids;
}

/* Why pci_acs_enabled() judged one device as it did. */
enum acs_why {
	ACS_WHY_OK, /* its ACS control has the required bits */
	ACS_WHY_NOT_NEEDED, /* e.g. a single-function endpoint: nothing to isolate */
	ACS_WHY_QUIRK, /* a kernel quirk decided (see quirk) */
	ACS_WHY_OVERRIDE, /* pcie_acs_override decided */
	ACS_WHY_NO_CAP, /* needs ACS but has no ACS capability */
	ACS_WHY_CTRL_OFF, /* ACS capability present, required controls off */
	ACS_WHY_CONVENTIONAL, /* conventional PCI/PCI-X: a shared bus, never isolated */
	ACS_WHY_BRIDGE_TYPE, /* PCIe-to-PCI/PCI-to-PCIe bridge or event collector */
	ACS_WHY_UNKNOWN, /* the config space needed was not readable */
};

struct acs_verdict {
	bool enabled;
	enum acs_why why;
	uint16_t missing; /* required ACS bits missing (NO_CAP, CTRL_OFF, UNKNOWN) */
	const char *quirk; /* kernel function that decided, or NULL */
	const char *since; /* stable releases that have the quirk, if not every modelled one */
};

/* Why a device joined a group that existed before it was probed. */
enum group_rule {
	GROUP_RULE_NEW, /* the group was allocated for this device */
	GROUP_RULE_ALIAS_BRIDGE, /* DMA alias of a PCIe-to-PCI or PCI bridge upstream */
	GROUP_RULE_ACS_PATH, /* a port upstream does not isolate with ACS */
	GROUP_RULE_MULTIFUNCTION, /* functions of one device not isolated by ACS */
	GROUP_RULE_DMA_ALIAS, /* a DMA alias quirk between devices on one bus */
	GROUP_RULE_UNGROUPED, /* not grouped (the kernel left it out) */
};

struct group_link {
	enum group_rule rule;
	struct topo_dev *via; /* the device whose group was joined */
	struct topo_dev *culprit; /* the bridge/function lacking isolation */
	struct acs_verdict acs; /* pci_acs_enabled() of culprit (ACS_PATH, MULTIFUNCTION) */
	struct acs_verdict other; /* of via (MULTIFUNCTION) */
	const char *quirk; /* DMA alias quirk (DMA_ALIAS), bridge flag (ALIAS_BRIDGE) */
	const char *since; /* as in struct acs_verdict, for quirk */
};

/* What a prediction needed but could not know. */
enum group_unknown_what {
	GROUP_UNKNOWN_ACS, /* a port's or function's ACS (extended config space not read) */
	GROUP_UNKNOWN_PCIE_TYPE, /* whether a device is PCIe, and its port type */
	GROUP_UNKNOWN_HEADER, /* the header (multifunction bit): config space unreadable */
	GROUP_UNKNOWN_DMA_ALIAS, /* DMA aliases kept in device memory (Switchtec NTB) */
};

struct group_unknown {
	const struct topo_dev *dev;
	enum group_unknown_what what;
};

struct group {
	int id; /* kernel group number; -1 for a predicted group */
	struct topo_dev **devs; /* PCI members by address */
	size_t n_devs;
	char **others; /* non-PCI members of a kernel group, e.g. "AMDI0010:00" */
	size_t n_others;
	bool uncertain; /* predicted from unreadable config space or an unknown quirk */
	struct group_unknown *unknown; /* why uncertain: each device and what of it */
	size_t n_unknown;
};

/* "acs", "pcie-type", "header", "dma-alias" */
const char *group_unknown_name(enum group_unknown_what w);

struct group_set {
	struct topo *t;
	bool predicted;
	struct groups_opts opts;
	struct groups_kver kernel; /* predicted: the rules followed */
	struct group *groups; /* ordered by first member's address */
	size_t n_groups;
	struct group_link *links; /* predicted: per t->devs index */
	char **notes; /* remarks about the whole prediction */
	size_t n_notes;
};

/*
 * The kernel's groups, from /sys/kernel/iommu_groups and the devices' iommu_group
 * (a TOPO_ORIGIN_LSPCI topology: its "IOMMU group:" lines only). 0 or -errno.
 */
int groups_kernel(struct topo *t, struct group_set **out);
/* Predict from t alone (see above). 0 or -errno. */
int groups_predict(struct topo *t, unsigned flags, struct group_set **out);
int groups_predict_opts(struct topo *t, const struct groups_opts *o, struct group_set **out);

void group_set_free(struct group_set *s);
static inline void group_set_freep(struct group_set **s)
{
	if (*s)
		group_set_free(*s);
}
#define _cleanup_group_set_ __attribute__((cleanup(group_set_freep)))

struct group *group_set_find(const struct group_set *s, const struct topo_dev *d);
struct group *group_set_find_id(const struct group_set *s, int id);
/* True if both sets put the devices of `kernel` into the same partition. */
bool group_sets_agree(const struct group_set *kernel, const struct group_set *pred);
/* Same members (PCI only)? */
bool group_same_members(const struct group *a, const struct group *b);

/* "bridge" for PCI-to-PCI/CardBus bridges, else "endpoint". */
const char *group_role(const struct topo_dev *d);
/* "SV RR" for bits (ACS_REQ order); "none" for 0. */
void acs_req_names(uint16_t bits, char *buf, size_t len);

/*
 * --explain: why the members of g are together, as a JSON array of
 * {"device","rule","joined","culprit","missing","quirk","text"} (see cmd-groups.c),
 * from the links of the predicted set pred.
 */
json_t *group_explain(const struct group_set *pred, const struct group *g);

/* VFIO viability of one group (see cmd-check.c). */
struct member_verdict {
	struct topo_dev *dev; /* NULL: non-PCI member `other` */
	const char *other;
	bool ok;
	char *reason; /* blockers: why */
	char *fix; /* blockers: the command that fixes it */
};

struct group_verdict {
	bool viable;
	struct member_verdict *members;
	size_t n_members;
	char **reasons; /* one line per blocker */
	size_t n_reasons;
	char **warnings; /* do not fail the check */
	size_t n_warnings;
};

/* Fill v; with_warnings also reads interface state and reset domains. */
void group_check(const struct group_set *s, const struct group *g, bool with_warnings,
		 struct group_verdict *v);
void group_verdict_clear(struct group_verdict *v);
/* Driver names that leave a device usable by VFIO ("vfio*", pci-stub, none). */
bool group_driver_ok(const struct topo_dev *d);
