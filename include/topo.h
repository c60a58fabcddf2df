/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* PCI Express port types (PCI_EXP_FLAGS_TYPE values, pci_regs.h). */
enum pcie_type {
	PCIE_NONE = -1, /* conventional PCI, or config space not readable */
	PCIE_ENDPOINT = 0x0,
	PCIE_LEGACY_ENDPOINT = 0x1,
	PCIE_ROOT_PORT = 0x4,
	PCIE_UPSTREAM = 0x5,
	PCIE_DOWNSTREAM = 0x6,
	PCIE_PCIE_TO_PCI = 0x7,
	PCIE_PCI_TO_PCIE = 0x8,
	PCIE_RC_ENDPOINT = 0x9,
	PCIE_RC_EVENT_COLLECTOR = 0xa,
};

/* ACS capability/control bits (PCI_ACS_*, pci_regs.h). */
#define ACS_SV 0x0001 /* Source Validation */
#define ACS_TB 0x0002 /* Translation Blocking */
#define ACS_RR 0x0004 /* P2P Request Redirect */
#define ACS_CR 0x0008 /* P2P Completion Redirect */
#define ACS_UF 0x0010 /* Upstream Forwarding */
#define ACS_EC 0x0020 /* P2P Egress Control */
#define ACS_DT 0x0040 /* Direct Translated P2P */

/* topo_dev.unknown: attributes that could not be read (missing or garbled) */
enum {
	TOPO_UNKNOWN_VENDOR = 1 << 0,
	TOPO_UNKNOWN_DEVICE = 1 << 1,
	TOPO_UNKNOWN_SUBSYS_VENDOR = 1 << 2,
	TOPO_UNKNOWN_SUBSYS_DEVICE = 1 << 3,
	TOPO_UNKNOWN_CLASS = 1 << 4,
	TOPO_UNKNOWN_SRIOV_TOTALVFS = 1 << 5,
	TOPO_UNKNOWN_SRIOV_NUMVFS = 1 << 6,
};

struct topo_dev {
	char addr[16]; /* "0000:01:00.0"; domains may have 5 hex digits */
	unsigned domain, bus, slot, func;
	/* an unknown vendor is 0xffff (no quirk matches it); see unknown */
	uint16_t vendor, device, subsys_vendor, subsys_device;
	uint32_t class; /* 24 bits: base, sub, prog-if */
	unsigned unknown; /* TOPO_UNKNOWN_*: shown as unknown, never as a value */
	bool removed; /* its directory went away while it was read: dropped by the scan */
	int revision; /* -1: unknown */
	char *driver; /* NULL: no driver bound */
	char *driver_override; /* NULL: none */
	int iommu_group; /* -1: no group (IOMMU off) */
	struct topo_dev *parent; /* upstream PCI bridge; NULL on a root bus */
	char *root_bus; /* host bridge directory, e.g. "pci0000:00" */
	char *sysfs_path; /* "/sys/devices/pci0000:00/0000:00:1c.0/..." */
	int numa_node; /* -1: none/unknown */
	char *reset_method; /* NULL: attribute absent */
	int boot_vga; /* -1: attribute absent */
	char *modalias;
	char *vfio_cdev; /* "vfio0": its VFIO device cdev (/dev/vfio/devices/vfio0); NULL: none */
	bool vfio_noiommu; /* its group is VFIO's no-IOMMU one: /dev/vfio/noiommu-N */

	/* Config space, filled with TOPO_SCAN_CONFIG. */
	bool cfg_read; /* at least the standard header was readable */
	bool cfg_extended; /* extended space (offset >= 0x100) was readable */
	int cfg_size; /* bytes readable: 0, 64 (not root), 256 or 4096 */
	int header_type; /* 0 normal, 1 bridge, 2 cardbus; -1 unknown */
	bool multifunction; /* header type bit 7 */
	int pcie_type; /* enum pcie_type */
	int pcie_cap; /* offset of the PCIe capability, 0: none */
	int secondary_bus, subordinate_bus; /* bridges only; -1 otherwise */
	int acs_cap_offset; /* 0: no ACS capability (or unknown, see cfg_extended) */
	uint16_t acs_cap, acs_ctrl;
	int sriov_cap_offset; /* 0: none */
	int ari_cap_offset; /* 0: none */

	/* SR-IOV */
	bool sriov_pf; /* has sriov_totalvfs */
	int sriov_totalvfs, sriov_numvfs, sriov_autoprobe; /* -1: unknown */
	struct topo_dev *physfn; /* for VFs */
	int vf_index; /* -1: not a VF */

	char **netdevs; /* NULL-terminated, may be NULL */
	size_t n_netdevs;
	char **blockdevs; /* whole disks only */
	size_t n_blockdevs;

	char *vendor_name, *device_name, *class_name; /* lazily from libpci */
	void *pcidev; /* struct pci_dev * when config was read */
};

/* Where a struct topo came from. */
enum topo_origin {
	TOPO_ORIGIN_SYSFS, /* topo_scan(): the running kernel or a --sysroot snapshot */
	TOPO_ORIGIN_LSPCI, /* lspci_parse(): the text of lspci -vvnn (no sysfs at all) */
};

struct topo {
	struct topo_dev *devs; /* sorted by address */
	size_t n;
	void *pacc; /* struct pci_access * */
	bool have_config;
	enum topo_origin origin;
};

enum {
	TOPO_SCAN_CONFIG = 1 << 0, /* read config space (header, PCIe, ACS, SR-IOV caps) */
	TOPO_SCAN_NAMES = 1 << 1, /* look up vendor/device/class names */
	TOPO_SCAN_LINKS = 1 << 2, /* network interfaces and block devices */
	TOPO_SCAN_BRIEF = 1 << 3, /* only what list shows: no boot_vga, reset_method */
	TOPO_SCAN_HEADER = 1 << 4, /* without CONFIG: just the header type (bridges) */
	/* what a rebind batch needs: no revision, numa_node, reset_method (make bench: bind) */
	TOPO_SCAN_BATCH = 1 << 5,
};

/* Enumerate /sys/bus/pci/devices once. 0 or -errno. */
int topo_scan(struct topo **out, unsigned flags);
/*
 * The same for only the devices that DEVICE arguments may name (see
 * topo_resolve()) and every member of their IOMMU groups: what a batch acts
 * on, without reading the rest of the bus. Parents outside it are NULL.
 */
int topo_scan_for(struct topo **out, unsigned flags, char *const args[], size_t nargs);
void topo_free(struct topo *t);
static inline void topo_freep(struct topo **t)
{
	if (*t)
		topo_free(*t);
}
#define _cleanup_topo_ __attribute__((cleanup(topo_freep)))

struct topo_dev *topo_find(const struct topo *t, const char *addr);
/* qsort/bsearch order of devices: domain, bus, slot, function. */
int topo_dev_cmp(const void *a, const void *b);

/*
 * Resolve a user's DEVICE argument: full BDF "0000:01:00.0", short BDF
 * "01:00.0" or a network interface name. -EINVAL: malformed; -ENODEV: no such
 * device; -ENOTUNIQ: a short BDF matches devices in several domains.
 */
int topo_resolve(const struct topo *t, const char *arg, struct topo_dev **out);
/*
 * Say why topo_resolve() failed for arg on stderr ("vfioctl: ARG: why") and
 * return its result, -E_USAGE for a malformed argument.
 */
int report_resolve_error(const char *arg, int r);

/* topo_scan() that reports a failure on stderr. */
int topo_scan_reported(struct topo **t, unsigned flags);

/* Parse a full or short BDF strictly; writes the normalised full form. */
int pci_addr_parse(const char *s, char out[16], bool *is_short);
/* True if s is a syntactically valid network interface name. */
bool ifname_valid(const char *s);

/*
 * The VFIO device cdev the kernel made for a device bound to a VFIO driver
 * (Linux 6.6+ with CONFIG_VFIO_DEVICE_CDEV): "vfioN" from its vfio-dev/
 * directory, or NULL. dfd: the device's sysfs directory.
 */
char *topo_read_vfio_cdev(int dfd);

/* Short class keyword: "net", "storage", "display", ... */
const char *topo_class_keyword(uint32_t class);
/* The same for a device; NULL when its class could not be read. */
const char *topo_dev_class_keyword(const struct topo_dev *d);
/* Whether kw is a keyword topo_class_keyword() can return. */
bool topo_class_keyword_valid(const char *kw);
/* "other, storage, net, ...": every keyword, for messages. */
const char *topo_class_keywords(void);
/* "8086:10c9" into buf, with "-" for a part that could not be read. */
const char *topo_ids_text(const struct topo_dev *d, char *buf, size_t len);
bool topo_is_bridge(const struct topo_dev *d);
/*
 * Whether ACS presence is known: extended space was read, or only 256 bytes
 * exist (no extended space, so no ACS). Not known for non-root readers.
 */
bool topo_acs_known(const struct topo_dev *d);
const char *pcie_type_name(int type);
/* "SV+ TB- RR+ CR+ UF+ EC- DT-" into buf. */
void acs_bits_format(uint16_t bits, char *buf, size_t len);
/* Names (lazy libpci lookups); NULL when the IDs they need are unknown. */
const char *topo_vendor_name(struct topo *t, struct topo_dev *d);
const char *topo_device_name(struct topo *t, struct topo_dev *d);
const char *topo_class_name(struct topo *t, struct topo_dev *d);
