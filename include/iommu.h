/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * IOMMU and VFIO readiness checks (vfioctl doctor). iommu_facts_read() gathers
 * what the host (or a snapshot under --sysroot) shows; iommu_doctor_eval() turns
 * the facts into checks, without any I/O, so it can be tested on made-up facts.
 */

enum check_status {
	CHECK_PASS,
	CHECK_WARN,
	CHECK_FAIL,
	CHECK_SKIP
};

struct doctor_check {
	const char *id; /* "iommu-enabled", ... (static) */
	enum check_status status;
	char *detail;
	char *hint; /* NULL: nothing to do */
};

#define DOCTOR_MAX_CHECKS 24
struct doctor_report {
	struct doctor_check checks[DOCTOR_MAX_CHECKS];
	size_t n;
};

/* Which IOMMU the firmware describes or the kernel registered. */
enum iommu_kind {
	IOMMU_KIND_NONE,
	IOMMU_KIND_INTEL, /* Intel VT-d: ACPI DMAR, /sys/class/iommu/dmarN */
	IOMMU_KIND_AMD, /* AMD-Vi: ACPI IVRS, ivhdN */
	IOMMU_KIND_ARM, /* Arm SMMU: ACPI IORT or device tree, smmu* */
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

enum mod_state {
	MOD_UNKNOWN,
	MOD_MISSING,
	MOD_AVAILABLE,
	MOD_BUILTIN,
	MOD_LOADED
};
#define DOCTOR_NMODS 4 /* vfio, vfio_pci, vfio_iommu_type1, iommufd */

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

void iommu_doctor_eval(const struct iommu_facts *f, struct doctor_report *rep);
void doctor_report_clear(struct doctor_report *rep);
const char *check_status_name(enum check_status s); /* "pass", "warn", "fail", "skip" */
bool doctor_ok(const struct doctor_report *rep); /* no check failed */
