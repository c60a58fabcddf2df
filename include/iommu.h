/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * IOMMU and VFIO readiness, the facts: iommu_facts_read() gathers what the
 * host (or a snapshot under --sysroot) shows. doctor.h judges them.
 */

/* Which IOMMU the firmware describes or the kernel registered. */
enum iommu_kind {
	IOMMU_KIND_NONE,
	IOMMU_KIND_INTEL, /* Intel VT-d: ACPI DMAR, /sys/class/iommu/dmarN */
	IOMMU_KIND_AMD, /* AMD-Vi: ACPI IVRS, ivhdN */
	IOMMU_KIND_ARM, /* Arm SMMU (v1/v2, or unknown): ACPI IORT or device tree, smmu.* */
	IOMMU_KIND_ARM_SMMUV3, /* Arm SMMUv3: "arm,smmu-v3" in the device tree, smmu3.* */
	IOMMU_KIND_VIRTIO, /* virtio-iommu: ACPI VIOT or device tree */
	IOMMU_KIND_OTHER,
};
const char *iommu_kind_name(enum iommu_kind k);

/* The kernel log, as plain message lines in order. */
struct klog {
	char **lines;
	size_t n;
	bool read; /* could be read (else err/why say why not) */
	bool complete; /* starts at boot (first record has sequence 0 / time 0) */
	int err;
	char *why; /* why it could not be read, for details */
};
/* Parse /dev/kmsg records ("PRIO,SEQ,USEC,FLAGS;TEXT", continuation lines start with a space). */
void klog_parse_kmsg(struct klog *log, const char *buf, size_t len);
/* Parse syslog(2) text ("<6>[    0.000000] TEXT" lines). */
void klog_parse_syslog(struct klog *log, const char *buf, size_t len);
void klog_clear(struct klog *log);
/* Index of the first line at or after from containing needle, or -1. */
long klog_find(const struct klog *log, const char *needle, long from);
/* Index of the last line containing needle, or -1. */
long klog_find_last(const struct klog *log, const char *needle);

/*
 * The running kernel's release (uname -r), or under --sysroot the snapshot's
 * (/proc/sys/kernel/osrelease, else its manifest). NULL: unknown. Free it.
 */
char *kernel_release(void);

/* The kernel command line, split like the kernel does ("a=b", quotes, "--" ends it). */
struct kcmdline {
	char **keys; /* '-' normalized to '_' */
	char **vals; /* NULL for a bare word */
	size_t n;
};
void kcmdline_parse(struct kcmdline *c, const char *s);
void kcmdline_clear(struct kcmdline *c);
/* Value of the last occurrence of key (or NULL); *found says whether it occurs at all. */
const char *kcmdline_get(const struct kcmdline *c, const char *key, bool *found);
/* The last of the comma-separated options of every occurrence of key that is a or b; NULL. */
const char *kcmdline_last_opt(const struct kcmdline *c, const char *key, const char *a,
			      const char *b);
/* kstrtobool() of a module parameter's value (bare: true): 1, 0, -1 unknown or !present. */
int bool_value(const char *v, bool present);

enum mod_state {
	MOD_UNKNOWN,
	MOD_MISSING,
	MOD_AVAILABLE,
	MOD_BUILTIN,
	MOD_LOADED
};
#define DOCTOR_NMODS 4 /* vfio, vfio_pci, vfio_iommu_type1, iommufd */
enum { /* indexes of iommu_facts.mods and doctor_mod_names */
	MOD_VFIO,
	MOD_VFIO_PCI,
	MOD_TYPE1,
	MOD_IOMMUFD
};

enum bootloader {
	BOOT_UNKNOWN,
	BOOT_GRUB,
	BOOT_SYSTEMD_BOOT,
	BOOT_KERNEL_INSTALL
};

struct iommu_facts {
	/* /proc/cpuinfo */
	bool cpuinfo; /* readable */
	bool x86, vmx, svm, hypervisor;
	char cpu_vendor[16]; /* "GenuineIntel", "AuthenticAMD", ... or "" */
	bool virt_disabled_by_bios; /* kernel log says so */

	/* firmware */
	bool acpi; /* /sys/firmware/acpi/tables exists */
	bool dmar, ivrs, iort, viot; /* ACPI tables present */
	int dmar_flags; /* DMAR flags byte, -1 unknown (only root reads the table) */
	bool devicetree; /* /sys/firmware/devicetree/base exists */
	char *dt_iommu; /* first enabled IOMMU node of the device tree, or NULL */
	enum iommu_kind dt_kind;

	char *cmdline; /* /proc/cmdline, NULL if unreadable */

	/* kernel */
	char **units; /* /sys/class/iommu names */
	size_t n_units;
	int ir_ecap; /* Intel ecap IR bit of all units: 1 all, 0 one lacks it, -1 unknown */
	size_t n_groups, n_noiommu_groups;
	char **group_types; /* distinct default domain types, with counts below */
	size_t *group_type_count;
	size_t n_group_types;
	int interrupts_ir; /* /proc/interrupts: 1 IR- chips, 0 IO-APIC/PCI-MSI without, -1 unknown */
	struct klog log;

	/* VFIO */
	enum mod_state mods[DOCTOR_NMODS];
	bool mod_index; /* the module index could be read */
	char *mod_dir; /* /lib/modules/RELEASE as a host path */
	char *allow_unsafe; /* vfio_iommu_type1 allow_unsafe_interrupts: param or config */
	const char *allow_unsafe_src; /* "module parameter", "modprobe.d", "kernel command line" */
	char *noiommu_param; /* vfio enable_unsafe_noiommu_mode */
	bool dev_vfio, dev_noiommu; /* /dev/vfio/vfio, /dev/vfio/noiommu-N */
	bool dev_iommu; /* /dev/iommu: iommufd's device */
	int vfio_cdev; /* the VFIO device cdev (/dev/vfio/devices/vfioN): 1, 0, -1 unknown */
	char *vfio_cdev_src; /* how vfio_cdev is known, for the detail */

	enum bootloader boot;
	bool live; /* the running host (not --sysroot) */
	bool root; /* running as root (live), or the snapshot was taken as root */
};

extern const char *const doctor_mod_names[DOCTOR_NMODS];

int iommu_facts_read(struct iommu_facts *f);
void iommu_facts_clear(struct iommu_facts *f);
