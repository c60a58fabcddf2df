// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the doctor's rules (src/doctor.c, src/iommu.c): the kernel log and command
 * line parsers, and iommu_doctor_eval() on facts made up for the cases the VM
 * boots do not produce (AMD-Vi, passthrough, faults, unsafe interrupts, ...).
 * The kernel log lines are the ones the Debian 6.1 kernel printed in the VM
 * boots (tests/vm), or copied from the kernel's sources.
 */
#include <string.h>

#include "doctor.h"
#include "iommu.h"
#include "unit.h"
#include "util.h"

static const struct doctor_check *find(const struct doctor_report *r, const char *id)
{
	for (size_t i = 0; i < r->n; i++)
		if (streq(r->checks[i].id, id))
			return &r->checks[i];
	return NULL;
}

/* Status of a check, "missing" if absent. */
static const char *st(const struct doctor_report *r, const char *id)
{
	const struct doctor_check *k = find(r, id);

	return k ? check_status_name(k->status) : "missing";
}

static bool detail_has(const struct doctor_report *r, const char *id, const char *s)
{
	const struct doctor_check *k = find(r, id);

	return k && strstr(k->detail, s);
}

static bool hint_has(const struct doctor_report *r, const char *id, const char *s)
{
	const struct doctor_check *k = find(r, id);

	return k && k->hint && strstr(k->hint, s);
}

#define EXPECT_ST(rep, id, want)                                                                  \
	EXPECT(streq(st(rep, id), want), "%s: %s is %s, want %s (%s)", __func__, id, st(rep, id), \
	       want, find(rep, id) ? find(rep, id)->detail : "")

/* Kernel log as /dev/kmsg records, one per line of text, from sequence 0. */
static void set_log(struct iommu_facts *f, const char *const lines[], size_t n)
{
	char *buf = xstrdup("");

	for (size_t i = 0; i < n; i++) {
		char *b = xasprintf("%s6,%zu,%zu,-;%s\n SUBSYSTEM=x\n", buf, i, i * 1000, lines[i]);

		free(buf);
		buf = b;
	}
	klog_clear(&f->log);
	klog_parse_kmsg(&f->log, buf, strlen(buf));
	free(buf);
}

static void set_units(struct iommu_facts *f, const char *unit, size_t groups, const char *type)
{
	size_t n = 0, nt = 0;

	strv_free(f->units);
	f->units = NULL;
	strv_free(f->group_types);
	f->group_types = NULL;
	free(f->group_type_count);
	f->group_type_count = NULL;
	f->n_units = 0;
	f->n_group_types = 0;
	f->n_groups = groups;
	if (unit) {
		strv_push(&f->units, &n, unit);
		f->n_units = n;
	}
	if (groups) {
		strv_push(&f->group_types, &nt, type);
		f->group_type_count = xcalloc(1, sizeof(size_t));
		f->group_type_count[0] = groups;
		f->n_group_types = nt;
	}
}

/* The VM's "bridge" boot: q35 + intel-iommu under TCG, CPU flags of -cpu max. */
static void vm_facts(struct iommu_facts *f)
{
	static const char *const log[] = {
		"Command line: console=ttyS0,115200 intel_iommu=on",
		"ACPI: DMAR 0x000000003FFE364B 000090 (v01 BOCHS  BXPC     00000001 BXPC 00000001)",
		"DMAR: IOMMU enabled",
		"DMAR: Host address width 48",
		"DMAR-IR: Enabled IRQ remapping in xapic mode",
		"iommu: Default domain type: Translated ",
		"DMAR: Intel(R) Virtualization Technology for Directed I/O",
		"AMD-Vi: AMD IOMMUv2 functionality not available on this system - This is not a bug.",
	};

	*f = (struct iommu_facts){ 0 };
	f->cpuinfo = f->x86 = f->svm = f->hypervisor = true;
	strcpy(f->cpu_vendor, "AuthenticAMD");
	f->acpi = f->dmar = true;
	f->dmar_flags = 1;
	f->cmdline = xstrdup("console=ttyS0,115200 intel_iommu=on");
	set_units(f, "dmar0", 8, "DMA");
	f->ir_ecap = 1;
	f->interrupts_ir = 1;
	set_log(f, log, ARRAY_SIZE(log));
	for (size_t i = 0; i < DOCTOR_NMODS; i++)
		f->mods[i] = MOD_AVAILABLE;
	f->mod_index = true;
	f->mod_dir = xstrdup("/lib/modules/6.1.0-56-amd64");
	/* Debian 12's kernels: no iommufd (CONFIG_IOMMUFD is off), so no VFIO cdev */
	f->mods[3] = MOD_MISSING;
	f->vfio_cdev = 0;
	f->vfio_cdev_src = xstrdup("it needs iommufd, which this kernel does not have");
	f->live = f->root = true;
}

static void test_parsers(void)
{
	struct klog log = { 0 };
	struct kcmdline c = { 0 };
	const char *kmsg = "6,0,0,-;Linux version 6.1\n SUBSYSTEM=x\n"
			   "4,1,10,c;DMAR: IOMMU enabled\n";
	const char *wrapped = "6,1234,99,-;late line\n";
	const char *syslog = "<6>[    0.000000] Linux version 6.1\n<4>[    1.5] DMAR-IR: x\n";
	bool found;

	klog_parse_kmsg(&log, kmsg, strlen(kmsg));
	CHECK(log.read && log.complete && log.n == 2);
	CHECK(streq(log.lines[1], "DMAR: IOMMU enabled"));
	klog_clear(&log);
	klog_parse_kmsg(&log, wrapped, strlen(wrapped));
	CHECK(log.read && !log.complete && log.n == 1);
	klog_clear(&log);
	klog_parse_syslog(&log, syslog, strlen(syslog));
	CHECK(log.complete && log.n == 2 && streq(log.lines[0], "Linux version 6.1"));
	CHECK(streq(log.lines[1], "DMAR-IR: x"));
	klog_clear(&log);

	kcmdline_parse(&c, "BOOT_IMAGE=/vmlinuz intel-iommu=on quiet "
			   "opt=\"a b\" intel_iommu=off,igfx_off -- intel_iommu=on");
	CHECK(c.n == 5);
	CHECK(streq(kcmdline_get(&c, "intel_iommu", &found), "off,igfx_off") && found);
	CHECK(streq(kcmdline_get(&c, "opt", NULL), "a b"));
	CHECK(kcmdline_get(&c, "quiet", &found) == NULL && found);
	CHECK(kcmdline_get(&c, "iommu", &found) == NULL && !found);
	kcmdline_clear(&c);
	kcmdline_parse(&c, NULL);
	CHECK(c.n == 0);
	kcmdline_clear(&c);
}

static void eval(const struct iommu_facts *f, struct doctor_report *r)
{
	doctor_report_clear(r);
	iommu_doctor_eval(f, r);
}

static void test_vm_boots(void)
{
	struct iommu_facts f;
	struct doctor_report r = { 0 };

	/* IOMMU on */
	vm_facts(&f);
	eval(&f, &r);
	CHECK(doctor_ok(&r));
	CHECK(r.n == 13);
	for (size_t i = 0; i < r.n; i++)
		EXPECT(r.checks[i].status == CHECK_PASS, "on: %s is %s: %s", r.checks[i].id,
		       check_status_name(r.checks[i].status), r.checks[i].detail);
	CHECK(detail_has(&r, "firmware-table", "another vendor"));
	CHECK(detail_has(&r, "iommu-enabled", "Directed I/O"));

	/* intel_iommu=off after intel_iommu=on: "IOMMU enabled" is no evidence */
	{
		static const char *const log[] = {
			"DMAR: IOMMU enabled",
			"DMAR: IOMMU disabled",
			"DMAR-IR: Enabled IRQ remapping in xapic mode",
		};

		free(f.cmdline);
		f.cmdline = xstrdup("intel_iommu=on intel_iommu=off");
		set_units(&f, NULL, 0, NULL);
		set_log(&f, log, ARRAY_SIZE(log));
		eval(&f, &r);
		CHECK(!doctor_ok(&r));
		EXPECT_ST(&r, "firmware-table", "pass");
		EXPECT_ST(&r, "kernel-cmdline", "fail");
		CHECK(hint_has(&r, "kernel-cmdline",
			       "remove intel_iommu=off and add intel_iommu=on"));
		EXPECT_ST(&r, "iommu-enabled", "fail");
		CHECK(detail_has(&r, "iommu-enabled", "DMAR: IOMMU disabled"));
		EXPECT_ST(&r, "interrupt-remapping", "pass");
		EXPECT_ST(&r, "iommu-mode", "skip");
	}
	/* the same kernel without intel_iommu=on: off by this kernel's default */
	{
		static const char *const log[] = { "ACPI: DMAR 0x000000003FFE364B" };

		free(f.cmdline);
		f.cmdline = xstrdup("quiet");
		set_log(&f, log, ARRAY_SIZE(log));
		f.interrupts_ir = 0;
		eval(&f, &r);
		EXPECT_ST(&r, "kernel-cmdline", "fail");
		CHECK(detail_has(&r, "kernel-cmdline", "no intel_iommu=on"));
		CHECK(hint_has(&r, "kernel-cmdline", "add intel_iommu=on"));
		EXPECT_ST(&r, "iommu-enabled", "fail");
		EXPECT_ST(&r, "interrupt-remapping", "skip");
	}
	iommu_facts_clear(&f);

	/* no IOMMU hardware, intel_iommu=on given anyway */
	{
		static const char *const log[] = {
			"DMAR: IOMMU enabled",
			"iommu: Default domain type: Translated ",
			"AMD-Vi: AMD IOMMUv2 functionality not available on this system",
		};

		vm_facts(&f);
		f.dmar = false;
		f.dmar_flags = -1;
		set_units(&f, NULL, 0, NULL);
		f.interrupts_ir = 0;
		f.ir_ecap = -1;
		set_log(&f, log, ARRAY_SIZE(log));
		eval(&f, &r);
		EXPECT_ST(&r, "firmware-table", "fail");
		CHECK(hint_has(&r, "firmware-table", "virtual IOMMU"));
		EXPECT_ST(&r, "kernel-cmdline", "skip");
		EXPECT_ST(&r, "iommu-enabled", "fail");
		CHECK(detail_has(&r, "iommu-enabled", "only means intel_iommu=on was parsed"));
		EXPECT_ST(&r, "interrupt-remapping", "skip");
		EXPECT_ST(&r, "iommu-mode", "skip");
		EXPECT_ST(&r, "vfio-modules", "pass");
		iommu_facts_clear(&f);
	}

	/* intremap=off in QEMU: DMAR flags clear, no DMAR-IR line */
	{
		static const char *const log[] = {
			"DMAR: IOMMU enabled",
			"DMAR: Intel(R) Virtualization Technology for Directed I/O",
			"vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the "
			"module param \"allow_unsafe_interrupts\" to enable VFIO IOMMU support on "
			"this platform",
		};

		vm_facts(&f);
		f.dmar_flags = 0;
		f.ir_ecap = 0;
		f.interrupts_ir = 0;
		set_log(&f, log, ARRAY_SIZE(log));
		eval(&f, &r);
		EXPECT_ST(&r, "interrupt-remapping", "fail");
		CHECK(detail_has(&r, "interrupt-remapping", "INTR_REMAP"));
		CHECK(detail_has(&r, "interrupt-remapping", "No interrupt remapping support"));
		CHECK(!doctor_ok(&r));

		/* each source alone says it is off */
		f.dmar_flags = -1;
		eval(&f, &r);
		CHECK(detail_has(&r, "interrupt-remapping", "ecap"));
		f.ir_ecap = -1;
		eval(&f, &r);
		CHECK(detail_has(&r, "interrupt-remapping", "/proc/interrupts"));
		f.interrupts_ir = -1;
		eval(&f, &r);
		EXPECT_ST(&r, "interrupt-remapping", "fail");
		CHECK(detail_has(&r, "interrupt-remapping", "no \"Enabled IRQ remapping\""));
		/* a log that does not start at boot proves nothing */
		f.log.complete = false;
		eval(&f, &r);
		EXPECT_ST(&r, "interrupt-remapping", "warn");
		f.log.complete = true;

		/* allow_unsafe_interrupts: VFIO works, unsafely */
		f.allow_unsafe = xstrdup("Y");
		f.allow_unsafe_src = "module parameter";
		eval(&f, &r);
		EXPECT_ST(&r, "interrupt-remapping", "warn");
		CHECK(doctor_ok(&r));

		/* intremap=off on the command line */
		free(f.allow_unsafe);
		f.allow_unsafe = NULL;
		free(f.cmdline);
		f.cmdline = xstrdup("intel_iommu=on intremap=off");
		eval(&f, &r);
		EXPECT_ST(&r, "interrupt-remapping", "fail");
		CHECK(hint_has(&r, "interrupt-remapping", "remove intremap=off"));
		iommu_facts_clear(&f);
	}

	/* noapic (the amd VM boot): no IO-APIC set up, so no interrupt remapping */
	{
		static const char *const log[] = {
			"AMD-Vi: Using global IVHD EFR:0x0, EFR2:0x0",
			"x86/cpu: Not enabling interrupt remapping due to skipped IO-APIC setup",
		};

		vm_facts(&f);
		f.interrupts_ir = 0;
		free(f.cmdline);
		f.cmdline = xstrdup("console=ttyS0 noapic");
		set_log(&f, log, ARRAY_SIZE(log));
		eval(&f, &r);
		EXPECT_ST(&r, "interrupt-remapping", "fail");
		CHECK(detail_has(&r, "interrupt-remapping", "skipped IO-APIC setup\" (noapic on"));
		CHECK(hint_has(&r, "interrupt-remapping", "remove noapic"));
		/* the IO-APIC skipped for another reason: nothing to remove */
		free(f.cmdline);
		f.cmdline = xstrdup("console=ttyS0");
		eval(&f, &r);
		EXPECT_ST(&r, "interrupt-remapping", "fail");
		CHECK(!detail_has(&r, "interrupt-remapping", "noapic on"));
		CHECK(!hint_has(&r, "interrupt-remapping", "remove noapic"));
		iommu_facts_clear(&f);
	}
	doctor_report_clear(&r);
}

static void test_other_cases(void)
{
	struct iommu_facts f;
	struct doctor_report r = { 0 };

	/* AMD-Vi on an AMD host, passthrough mode, GRUB */
	{
		static const char *const log[] = {
			"pci 0000:00:00.2: AMD-Vi: Found IOMMU cap 0x40",
			"AMD-Vi: Interrupt remapping enabled",
			"iommu: Default domain type: Passthrough (set via kernel command line)",
		};

		vm_facts(&f);
		f.hypervisor = false;
		f.dmar = false;
		f.ivrs = true;
		f.dmar_flags = -1;
		f.ir_ecap = -1;
		f.interrupts_ir = -1;
		free(f.cmdline);
		f.cmdline = xstrdup("quiet iommu=pt");
		set_units(&f, "ivhd0", 20, "identity");
		set_log(&f, log, ARRAY_SIZE(log));
		f.boot = BOOT_GRUB;
		eval(&f, &r);
		CHECK(doctor_ok(&r));
		EXPECT_ST(&r, "firmware-table", "pass");
		CHECK(detail_has(&r, "firmware-table", "IVRS: AMD-Vi") &&
		      !detail_has(&r, "firmware-table", "another vendor"));
		EXPECT_ST(&r, "kernel-cmdline", "pass");
		CHECK(detail_has(&r, "kernel-cmdline", "iommu=pt"));
		EXPECT_ST(&r, "iommu-enabled", "pass");
		CHECK(detail_has(&r, "iommu-enabled", "AMD-Vi: 1 unit (ivhd0)"));
		EXPECT_ST(&r, "interrupt-remapping", "pass");
		EXPECT_ST(&r, "iommu-mode", "pass");
		CHECK(detail_has(&r, "iommu-mode", "identity is passthrough"));

		/* amd_iommu=off: the hint names GRUB */
		free(f.cmdline);
		f.cmdline = xstrdup("amd_iommu=off");
		set_units(&f, NULL, 0, NULL);
		eval(&f, &r);
		EXPECT_ST(&r, "kernel-cmdline", "fail");
		CHECK(hint_has(&r, "kernel-cmdline", "remove amd_iommu=off in GRUB_CMDLINE_LINUX"));
		CHECK(hint_has(&r, "kernel-cmdline", "update-grub"));
		EXPECT_ST(&r, "iommu-enabled", "fail");
		/* intel_iommu=off does not concern an AMD IOMMU */
		free(f.cmdline);
		f.cmdline = xstrdup("intel_iommu=off");
		set_units(&f, "ivhd0", 20, "DMA-FQ");
		f.boot = BOOT_SYSTEMD_BOOT;
		eval(&f, &r);
		EXPECT_ST(&r, "kernel-cmdline", "pass");
		/* iommu=off turns every IOMMU off; systemd-boot hint */
		free(f.cmdline);
		f.cmdline = xstrdup("iommu=off");
		set_units(&f, NULL, 0, NULL);
		eval(&f, &r);
		EXPECT_ST(&r, "kernel-cmdline", "fail");
		CHECK(hint_has(&r, "kernel-cmdline", "/etc/kernel/cmdline"));
		iommu_facts_clear(&f);
	}

	/* faults, ACS override, no-IOMMU mode, modules */
	{
		static const char *const log[] = {
			"DMAR: Intel(R) Virtualization Technology for Directed I/O",
			"DMAR-IR: Enabled IRQ remapping in x2apic mode",
			"DMAR: DRHD: handling fault status reg 2",
			"DMAR: [DMA Read NO_PASID] Request device [03:00.0] fault addr 0xfee00000 "
			"[fault reason 0x06] PTE Read access is not set",
		};

		vm_facts(&f);
		set_log(&f, log, ARRAY_SIZE(log));
		free(f.cmdline);
		f.cmdline = xstrdup("intel_iommu=on pcie_acs_override=downstream,multifunction");
		f.noiommu_param = xstrdup("Y");
		f.mods[1] = MOD_MISSING;
		eval(&f, &r);
		EXPECT_ST(&r, "iommu-faults", "warn");
		CHECK(detail_has(&r, "iommu-faults", "2 IOMMU fault lines"));
		CHECK(detail_has(&r, "iommu-faults", "03:00.0"));
		EXPECT_ST(&r, "acs-override", "warn");
		CHECK(detail_has(&r, "acs-override", "downstream,multifunction"));
		EXPECT_ST(&r, "noiommu-mode", "warn");
		EXPECT_ST(&r, "vfio-modules", "fail");
		CHECK(!doctor_ok(&r));

		/* vfio_iommu_type1 missing but iommufd there: a warning */
		f.mods[1] = MOD_LOADED;
		f.mods[2] = MOD_MISSING;
		f.mods[3] = MOD_BUILTIN;
		eval(&f, &r);
		EXPECT_ST(&r, "vfio-modules", "warn");
		/* no module index: cannot tell */
		f.mods[2] = MOD_UNKNOWN;
		eval(&f, &r);
		EXPECT_ST(&r, "vfio-modules", "warn");
		/* vfio loaded but no node */
		f.mods[0] = MOD_LOADED;
		eval(&f, &r);
		EXPECT_ST(&r, "vfio-device", "warn");
		f.dev_vfio = true;
		eval(&f, &r);
		EXPECT_ST(&r, "vfio-device", "pass");
		iommu_facts_clear(&f);
	}

	/* no vmx/svm; non-x86; kernel log unreadable */
	{
		vm_facts(&f);
		f.svm = false;
		f.hypervisor = false;
		klog_clear(&f.log);
		f.log.why = xstrdup("the kernel log is readable by root only");
		f.interrupts_ir = -1;
		f.root = false;
		eval(&f, &r);
		EXPECT_ST(&r, "cpu-virt", "warn");
		CHECK(hint_has(&r, "cpu-virt", "SVM"));
		EXPECT_ST(&r, "iommu-faults", "skip");
		CHECK(hint_has(&r, "iommu-faults", "sudo vfioctl doctor"));
		/* ecap IR bit set and no evidence either way: cannot tell */
		EXPECT_ST(&r, "interrupt-remapping", "warn");
		CHECK(doctor_ok(&r));
		f.x86 = false;
		eval(&f, &r);
		EXPECT_ST(&r, "cpu-virt", "skip");
		iommu_facts_clear(&f);
	}

	/* Arm SMMU from the device tree */
	{
		static const char *const log[] = {
			"arm-smmu-v3 arm-smmu-v3.0.auto: probing hardware configuration...",
		};

		vm_facts(&f);
		f.x86 = false;
		f.acpi = f.dmar = false;
		f.dmar_flags = -1;
		f.devicetree = true;
		f.dt_iommu = xstrdup("iommu@2b400000");
		f.dt_kind = IOMMU_KIND_ARM;
		free(f.cmdline);
		f.cmdline = xstrdup("iommu.passthrough=1");
		set_units(&f, "smmu3.0x000000002b400000", 4, "identity");
		set_log(&f, log, ARRAY_SIZE(log));
		f.interrupts_ir = -1;
		eval(&f, &r);
		CHECK(doctor_ok(&r));
		CHECK(detail_has(&r, "firmware-table", "iommu@2b400000: Arm SMMU"));
		EXPECT_ST(&r, "interrupt-remapping", "skip");
		CHECK(detail_has(&r, "kernel-cmdline", "iommu.passthrough=1"));
		iommu_facts_clear(&f);
	}

	/* Arm SMMUv3 of QEMU's virt,iommu=smmuv3 under Debian's 6.12 arm64 kernel
	 * (tests/vm/arm64): its log has no "probing hardware configuration" */
	{
		static const char *const log[] = {
			"arm-smmu-v3 9050000.smmuv3: allocated 65536 entries for cmdq",
			"arm-smmu-v3 9050000.smmuv3: ias 44-bit, oas 44-bit (features 0x00088705)",
		};

		vm_facts(&f);
		f.x86 = false;
		f.acpi = f.dmar = false;
		f.dmar_flags = -1;
		f.devicetree = true;
		f.dt_iommu = xstrdup("smmuv3@9050000");
		f.dt_kind = IOMMU_KIND_ARM_SMMUV3;
		set_units(&f, "smmu3.0x0000000009050000", 2, "DMA");
		set_log(&f, log, ARRAY_SIZE(log));
		f.interrupts_ir = -1;
		eval(&f, &r);
		CHECK(doctor_ok(&r));
		CHECK(detail_has(&r, "firmware-table", "smmuv3@9050000: Arm SMMUv3"));
		CHECK(detail_has(&r, "iommu-enabled",
				 "Arm SMMUv3: 1 unit (smmu3.0x0000000009050000)"));
		CHECK(detail_has(&r, "iommu-enabled", "ias 44-bit, oas 44-bit"));
		EXPECT_ST(&r, "interrupt-remapping", "skip");
		iommu_facts_clear(&f);
	}
	doctor_report_clear(&r);
}

/* iommufd and the VFIO device cdev: separate checks, each with its own hint. */
static void test_iommufd_cdev(void)
{
	struct iommu_facts f;
	struct doctor_report r = { 0 };

	vm_facts(&f); /* iommufd available, cdev unknown */
	f.mods[3] = MOD_AVAILABLE;
	f.vfio_cdev = -1;
	eval(&f, &r);
	EXPECT_ST(&r, "iommufd", "pass");
	CHECK(hint_has(&r, "iommufd", "modprobe iommufd"));
	EXPECT_ST(&r, "vfio-cdev", "skip");

	iommu_facts_clear(&f);
	vm_facts(&f); /* Debian 12's kernels: no iommufd, so no cdev */
	eval(&f, &r);
	EXPECT_ST(&r, "iommufd", "pass");
	CHECK(detail_has(&r, "iommufd", "not in this kernel"));
	CHECK(hint_has(&r, "iommufd", "CONFIG_IOMMUFD"));
	EXPECT_ST(&r, "vfio-cdev", "pass");
	CHECK(detail_has(&r, "vfio-cdev", "needs iommufd"));
	CHECK(hint_has(&r, "vfio-cdev", "CONFIG_VFIO_DEVICE_CDEV"));
	CHECK(doctor_ok(&r));

	iommu_facts_clear(&f);
	vm_facts(&f); /* iommufd loaded, but no /dev/iommu */
	f.mods[3] = MOD_LOADED;
	eval(&f, &r);
	EXPECT_ST(&r, "iommufd", "warn");
	CHECK(hint_has(&r, "iommufd", "mknod /dev/iommu"));

	iommu_facts_clear(&f);
	vm_facts(&f); /* 6.6+ with both */
	f.mods[3] = MOD_LOADED;
	f.dev_iommu = true;
	f.vfio_cdev = 1;
	free(f.vfio_cdev_src);
	f.vfio_cdev_src = xstrdup("/sys/class/vfio-dev/vfio0");
	eval(&f, &r);
	EXPECT_ST(&r, "iommufd", "pass");
	CHECK(detail_has(&r, "iommufd", "/dev/iommu is present"));
	EXPECT_ST(&r, "vfio-cdev", "pass");
	CHECK(detail_has(&r, "vfio-cdev", "/dev/vfio/devices/vfioN"));
	CHECK(!find(&r, "vfio-cdev")->hint);
	iommu_facts_clear(&f);
	doctor_report_clear(&r);
}

int main(void)
{
	test_parsers();
	test_vm_boots();
	test_other_cases();
	test_iommufd_cdev();
	return unit_report("test-iommu");
}
