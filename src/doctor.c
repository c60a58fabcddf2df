// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IOMMU and VFIO readiness, the judgement (vfioctl doctor): turn the facts
 * src/iommu.c gathered into checks, one per reason passthrough can fail, with
 * no I/O of its own (tests/unit/test-iommu.c runs it on made-up facts).
 */
#include <stdarg.h>

#include "doctor.h"
#include "iommu.h"
#include "util.h"

const char *check_status_name(enum check_status s)
{
	static const char *const names[] = { "pass", "warn", "fail", "skip" };

	return names[s];
}

struct ctx {
	const struct iommu_facts *f;
	struct kcmdline cmd;
	enum iommu_kind kind; /* from the kernel's units, else the firmware */
	enum iommu_kind fw_kind; /* from the firmware tables */
	bool intel_cpu, amd_cpu;
	bool active; /* the kernel has an IOMMU up: units and groups */
	bool cmdline_failed; /* kernel-cmdline says the command line keeps it off */
	struct doctor_report *rep;
};

_printf_(4, 5) static void add(struct ctx *c, const char *id, enum check_status st, const char *fmt,
			       ...)
{
	struct doctor_check *k;
	va_list ap;

	if (c->rep->n == DOCTOR_MAX_CHECKS)
		abort(); /* a programming error: raise DOCTOR_MAX_CHECKS */
	k = &c->rep->checks[c->rep->n++];
	k->id = id;
	k->status = st;
	va_start(ap, fmt);
	if (vasprintf(&k->detail, fmt, ap) < 0)
		abort();
	va_end(ap);
	k->hint = NULL;
}

/* Set the hint of the check added last; takes ownership of hint. */
static void hint(struct ctx *c, char *h)
{
	struct doctor_check *k = &c->rep->checks[c->rep->n - 1];

	free(k->hint);
	k->hint = h;
}

static enum iommu_kind unit_kind(const char *name)
{
	if (startswith(name, "dmar"))
		return IOMMU_KIND_INTEL;
	if (startswith(name, "ivhd"))
		return IOMMU_KIND_AMD;
	if (startswith(name, "smmu3.")) /* arm-smmu-v3.c names its units smmu3.<address> */
		return IOMMU_KIND_ARM_SMMUV3;
	if (startswith(name, "smmu"))
		return IOMMU_KIND_ARM;
	if (startswith(name, "virtio"))
		return IOMMU_KIND_VIRTIO;
	return IOMMU_KIND_OTHER;
}

static enum iommu_kind firmware_kind(const struct iommu_facts *f)
{
	if (f->dmar)
		return IOMMU_KIND_INTEL;
	if (f->ivrs)
		return IOMMU_KIND_AMD;
	if (f->viot)
		return IOMMU_KIND_VIRTIO;
	if (f->dt_iommu)
		return f->dt_kind;
	/* IORT also describes GIC ITS blocks: only an IOMMU with an SMMU unit */
	return IOMMU_KIND_NONE;
}

/* How to change the kernel command line with the bootloader in use. */
static char *cmdline_howto(const struct iommu_facts *f, const char *change)
{
	switch (f->boot) {
	case BOOT_GRUB:
		return xasprintf("%s in GRUB_CMDLINE_LINUX_DEFAULT of /etc/default/grub, run "
				 "update-grub (grub2-mkconfig -o /boot/grub2/grub.cfg on "
				 "Fedora/RHEL) and reboot",
				 change);
	case BOOT_SYSTEMD_BOOT:
		return xasprintf(
			"%s in /etc/kernel/cmdline and run 'kernel-install add $(uname -r) "
			"/boot/vmlinuz-$(uname -r)' (or on the options line of the entry "
			"in /boot/loader/entries/ for systemd-boot), then reboot",
			change);
	case BOOT_KERNEL_INSTALL:
		return xasprintf("%s in /etc/kernel/cmdline, run 'kernel-install add $(uname -r) "
				 "/boot/vmlinuz-$(uname -r)' and reboot",
				 change);
	default:
		return xasprintf("%s on the kernel command line (in the bootloader's "
				 "configuration) and reboot",
				 change);
	}
}

static const char *root_hint(const struct iommu_facts *f)
{
	return f->live ? "run as root (sudo vfioctl doctor) to read the kernel log"
		       : "take the snapshot as root (sudo vfioctl snapshot) to include the kernel log";
}

static void check_cpu(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	const char *nested =
		f->hypervisor ? "; this is a virtual machine (nested virtualization)" : "";

	if (!f->cpuinfo) {
		add(c, "cpu-virt", CHECK_SKIP, "/proc/cpuinfo cannot be read");
		return;
	}
	if (!f->x86) {
		add(c, "cpu-virt", CHECK_SKIP, "not an x86 CPU: no vmx/svm flags to check");
		return;
	}
	if (f->vmx || f->svm) {
		add(c, "cpu-virt", CHECK_PASS, "%s (%s flag)%s", f->vmx ? "Intel VT-x" : "AMD-V",
		    f->vmx ? "vmx" : "svm", nested);
		return;
	}
	add(c, "cpu-virt", CHECK_WARN,
	    "no vmx or svm CPU flag%s: KVM cannot run virtual machines here (VFIO for "
	    "userspace drivers still works)%s",
	    f->virt_disabled_by_bios ? ", the firmware disabled it" : "", nested);
	if (f->hypervisor)
		hint(c, xstrdup("enable nested virtualization on the host that runs this VM "
				"(KVM: kvm_intel nested=1 / kvm_amd nested=1; QEMU: -cpu host)"));
	else if (c->amd_cpu)
		hint(c, xstrdup("enable SVM (AMD-V) in the firmware (BIOS/UEFI) setup"));
	else
		hint(c, xstrdup("enable Intel Virtualization Technology (VT-x) in the firmware "
				"(BIOS/UEFI) setup"));
}

static const char *firmware_tables(const struct iommu_facts *f, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	if (f->dmar)
		n += (size_t)snprintf(buf + n, size - n, "%sDMAR", n ? ", " : "");
	if (f->ivrs && n < size)
		n += (size_t)snprintf(buf + n, size - n, "%sIVRS", n ? ", " : "");
	if (f->iort && n < size)
		n += (size_t)snprintf(buf + n, size - n, "%sIORT", n ? ", " : "");
	if (f->viot && n < size)
		snprintf(buf + n, size - n, "%sVIOT", n ? ", " : "");
	return buf;
}

static void check_firmware(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	char tables[64];
	const char *mixed = "";

	firmware_tables(f, tables, sizeof(tables));
	if ((c->fw_kind == IOMMU_KIND_INTEL && c->amd_cpu) ||
	    (c->fw_kind == IOMMU_KIND_AMD && c->intel_cpu))
		mixed = " (the CPU is from another vendor: an emulator or a nested host)";
	if (c->fw_kind != IOMMU_KIND_NONE && *tables) {
		add(c, "firmware-table", CHECK_PASS, "ACPI %s: %s%s", tables,
		    iommu_kind_name(c->fw_kind), mixed);
		return;
	}
	if (c->fw_kind != IOMMU_KIND_NONE) {
		add(c, "firmware-table", CHECK_PASS, "device tree node %s: %s", f->dt_iommu,
		    iommu_kind_name(c->fw_kind));
		return;
	}
	if (c->kind != IOMMU_KIND_NONE) {
		/* an IORT with SMMUs, or tables the snapshot did not record */
		add(c, "firmware-table", CHECK_PASS, "%s%s%sthe kernel registered %s (%s)",
		    *tables ? "ACPI " : "", tables, *tables ? "; " : "", f->units[0],
		    iommu_kind_name(c->kind));
		return;
	}
	add(c, "firmware-table", CHECK_FAIL,
	    "no IOMMU described by the firmware (%s%s%s): the kernel has no IOMMU to enable",
	    f->acpi ? "no ACPI DMAR, IVRS or VIOT table" : "no ACPI tables",
	    f->iort ? "; the IORT table lists no SMMU the kernel uses" : "",
	    f->devicetree ? ", no IOMMU node in the device tree"
			  : (f->acpi ? "" : " and no device tree"));
	if (f->hypervisor)
		hint(c,
		     xstrdup("this is a virtual machine: give it a virtual IOMMU (QEMU: -machine "
			     "q35,kernel-irqchip=split -device intel-iommu,intremap=on; "
			     "libvirt: <iommu model='intel'><driver intremap='on'/></iommu>)"));
	else if (c->amd_cpu)
		hint(c, xstrdup("enable the IOMMU in the firmware (BIOS/UEFI) setup; it is called "
				"'IOMMU', 'AMD-Vi' or 'AMD I/O Virtualization'"));
	else if (c->intel_cpu)
		hint(c, xstrdup("enable VT-d ('Intel Virtualization Technology for Directed I/O') "
				"in the firmware (BIOS/UEFI) setup"));
	else
		hint(c, xstrdup("enable the IOMMU in the firmware setup, if the platform has one"));
}

struct cmdline_state {
	const char *off; /* the parameter that turns the IOMMU off, or NULL */
	bool on; /* explicitly on */
	const char *pt; /* passthrough parameter, or NULL */
};

static struct cmdline_state cmdline_state(const struct ctx *c, enum iommu_kind kind)
{
	struct cmdline_state s = { 0 };
	const char *o;
	bool found;

	if (kcmdline_last_opt(&c->cmd, "iommu", "off", NULL))
		s.off = "iommu=off";
	if (kind == IOMMU_KIND_INTEL || kind == IOMMU_KIND_NONE) {
		o = kcmdline_last_opt(&c->cmd, "intel_iommu", "on", "off");
		if (streq(o, "off") && kind == IOMMU_KIND_INTEL)
			s.off = "intel_iommu=off";
		s.on = streq(o, "on");
	}
	if (kind == IOMMU_KIND_AMD && kcmdline_last_opt(&c->cmd, "amd_iommu", "off", NULL))
		s.off = "amd_iommu=off";
	o = kcmdline_last_opt(&c->cmd, "iommu", "pt", "nopt");
	if (streq(o, "pt"))
		s.pt = "iommu=pt";
	o = kcmdline_get(&c->cmd, "iommu.passthrough", &found);
	if (found && bool_value(o, true) == 1)
		s.pt = "iommu.passthrough=1";
	return s;
}

/* The IOMMU-related words of the command line, for details. */
static char *cmdline_iommu_words(const struct ctx *c)
{
	static const char *const keys[] = { "intel_iommu",
					    "amd_iommu",
					    "iommu",
					    "iommu.passthrough",
					    "iommu.strict",
					    "intremap",
					    "pcie_acs_override",
					    "vfio_iommu_type1.allow_unsafe_interrupts",
					    "vfio.enable_unsafe_noiommu_mode" };
	char *out = xstrdup("");

	for (size_t i = 0; i < c->cmd.n; i++)
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			char *n;

			if (!streq(c->cmd.keys[i], keys[k]))
				continue;
			n = xasprintf("%s%s%s%s%s", out, *out ? " " : "", keys[k],
				      c->cmd.vals[i] ? "=" : "",
				      c->cmd.vals[i] ? c->cmd.vals[i] : "");
			free(out);
			out = n;
		}
	return out;
}

static void check_cmdline(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	enum iommu_kind kind = c->kind != IOMMU_KIND_NONE ? c->kind : c->fw_kind;
	struct cmdline_state s = cmdline_state(c, kind);
	_cleanup_free_ char *words = NULL;
	_cleanup_free_ char *pt = NULL;

	if (!f->cmdline) {
		add(c, "kernel-cmdline", CHECK_SKIP, "/proc/cmdline cannot be read");
		return;
	}
	words = cmdline_iommu_words(c);
	pt = s.pt ? xasprintf("; %s: host devices bypass the IOMMU, VFIO still isolates the "
			      "groups it takes",
			      s.pt)
		  : xstrdup("");
	if (kind == IOMMU_KIND_NONE) {
		if (s.off) {
			_cleanup_free_ char *what = xasprintf("remove %s", s.off);

			add(c, "kernel-cmdline", CHECK_WARN,
			    "%s would keep an IOMMU off, but the firmware describes none", s.off);
			hint(c, cmdline_howto(f, what));
			return;
		}
		add(c, "kernel-cmdline", CHECK_SKIP,
		    "%s%sno IOMMU is described by the firmware (see firmware-table): no "
		    "parameter can enable one",
		    words, *words ? "; " : "");
		return;
	}
	if (s.off && !c->active) {
		/* VT-d also needs intel_iommu=on where the kernel does not default to it */
		_cleanup_free_ char *what =
			kind == IOMMU_KIND_INTEL
				? xasprintf("remove %s and add intel_iommu=on", s.off)
				: xasprintf("remove %s", s.off);

		add(c, "kernel-cmdline", CHECK_FAIL, "%s turns %s off", s.off,
		    iommu_kind_name(kind));
		c->cmdline_failed = true;
		hint(c, cmdline_howto(f, what));
		return;
	}
	if (kind == IOMMU_KIND_INTEL && !s.on && !c->active) {
		_cleanup_free_ char *what = xstrdup("add intel_iommu=on");

		add(c, "kernel-cmdline", CHECK_FAIL,
		    "no intel_iommu=on%s%s%s, and this kernel does not turn VT-d on by default",
		    *words ? " (" : "", words, *words ? ")" : "");
		c->cmdline_failed = true;
		hint(c, cmdline_howto(f, what));
		return;
	}
	if (kind == IOMMU_KIND_INTEL && !s.on)
		add(c, "kernel-cmdline", CHECK_PASS,
		    "no intel_iommu=on, VT-d is on by this kernel's default%s", pt);
	else if (!*words)
		add(c, "kernel-cmdline", CHECK_PASS, "no IOMMU parameters: the %s is on by default",
		    iommu_kind_name(kind));
	else
		add(c, "kernel-cmdline", CHECK_PASS, "IOMMU parameters: %s%s", words, pt);
}

/* The first line of the log with both needles. */
static long klog_find_both(const struct klog *log, const char *a, const char *b)
{
	for (long i = klog_find(log, a, 0); i >= 0; i = klog_find(log, a, i + 1))
		if (strstr(log->lines[i], b))
			return i;
	return -1;
}

static void check_enabled(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	const struct klog *log = &f->log;
	long en = klog_find(log, "DMAR: IOMMU enabled", 0);
	long dis = klog_find_last(log, "DMAR: IOMMU disabled");
	long vtd = klog_find(log, "DMAR: Intel(R) Virtualization Technology for Directed I/O", 0);
	long amd = klog_find(log, "AMD-Vi: Found IOMMU", 0);
	long amd_dis = klog_find(log, "AMD-Vi: AMD IOMMU disabled", 0);
	long smmu = klog_find(log, "probing hardware configuration", 0);
	/* SMMUv3 (6.12): "arm-smmu-v3 9050000.smmuv3: ias 44-bit, oas 44-bit (features ...)" */
	long smmu3 = klog_find_both(log, "arm-smmu-v3", ": ias ");
	long failed = klog_find(log, "DMAR: Failed", 0);
	_cleanup_free_ char *units = xstrdup("");
	_cleanup_free_ char *evidence = NULL;

	for (size_t i = 0; i < f->n_units && i < 4; i++) {
		char *n = xasprintf("%s%s%s", units, i ? ", " : "", f->units[i]);

		free(units);
		units = n;
	}
	if (f->n_units > 4) {
		char *n = xasprintf("%s, ...", units);

		free(units);
		units = n;
	}
	if (vtd >= 0)
		evidence = xasprintf("kernel log: \"%s\"", log->lines[vtd]);
	else if (amd >= 0)
		evidence = xasprintf("kernel log: \"%s\"", log->lines[amd]);
	else if (smmu >= 0)
		evidence = xasprintf("kernel log: \"%s\"", log->lines[smmu]);
	else if (smmu3 >= 0)
		evidence = xasprintf("kernel log: \"%s\"", log->lines[smmu3]);
	else if (!log->read)
		evidence = xasprintf("kernel log not read: %s", log->why ? log->why : "unknown");
	else
		evidence = xstrdup("the kernel log has no IOMMU initialisation line");

	if (f->n_units && f->n_groups) {
		add(c, "iommu-enabled", CHECK_PASS, "%s: %zu unit%s (%s), %zu IOMMU groups; %s",
		    iommu_kind_name(c->kind), f->n_units, f->n_units == 1 ? "" : "s", units,
		    f->n_groups, evidence);
		return;
	}
	if (f->n_units) {
		add(c, "iommu-enabled", CHECK_FAIL,
		    "%s unit%s %s registered, but there are no IOMMU groups: no device is behind "
		    "an IOMMU; %s",
		    iommu_kind_name(c->kind), f->n_units == 1 ? "" : "s", units, evidence);
		return;
	}
	if (f->n_groups) {
		add(c, "iommu-enabled", CHECK_WARN,
		    "%zu IOMMU groups but no unit in /sys/class/iommu (a driver that does not "
		    "register one); %s",
		    f->n_groups, evidence);
		return;
	}
	/* Not enabled: say why, from the most to the least specific evidence. */
	if (dis >= 0 && dis > en) {
		add(c, "iommu-enabled", CHECK_FAIL,
		    "no IOMMU units or groups: the kernel log says \"%s\"%s", log->lines[dis],
		    en >= 0 ? " after the \"IOMMU enabled\" of an earlier intel_iommu=on" : "");
	} else if (amd_dis >= 0) {
		add(c, "iommu-enabled", CHECK_FAIL,
		    "no IOMMU units or groups: the kernel log says \"%s\"", log->lines[amd_dis]);
	} else if (failed >= 0) {
		add(c, "iommu-enabled", CHECK_FAIL,
		    "no IOMMU units or groups: VT-d initialisation failed (\"%s\")",
		    log->lines[failed]);
	} else if (c->fw_kind == IOMMU_KIND_NONE) {
		add(c, "iommu-enabled", CHECK_FAIL,
		    "no IOMMU units or groups: the firmware describes no IOMMU (see "
		    "firmware-table)%s",
		    en >= 0 ? "; \"DMAR: IOMMU enabled\" only means intel_iommu=on was parsed"
			    : "");
	} else {
		add(c, "iommu-enabled", CHECK_FAIL,
		    "no IOMMU units or groups although the firmware describes the %s; %s",
		    iommu_kind_name(c->fw_kind), evidence);
	}
	if (c->fw_kind != IOMMU_KIND_NONE && c->cmdline_failed)
		hint(c, xstrdup("see kernel-cmdline"));
	else if (c->fw_kind != IOMMU_KIND_NONE)
		hint(c, xstrdup("look for the reason in the kernel log: dmesg | grep -i -e iommu "
				"-e dmar -e amd-vi -e smmu"));
}

static void check_interrupt_remapping(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	const struct klog *log = &f->log;
	long ir = klog_find(log, "DMAR-IR: Enabled IRQ remapping", 0);
	long amd_ir = klog_find(log, "AMD-Vi: Interrupt remapping enabled", 0);
	long refused = klog_find_last(log, "No interrupt remapping support");
	int unsafe = bool_value(f->allow_unsafe, f->allow_unsafe != NULL);
	const char *intremap = kcmdline_last_opt(&c->cmd, "intremap", "off", "on");
	/* x86 enable_IR_x2apic(): no IO-APIC set up (noapic), no remapping either */
	long skipped = klog_find(log, "Not enabling interrupt remapping due to skipped IO-APIC", 0);
	bool noapic = false, on = false, off = false;
	_cleanup_free_ char *why = NULL;

	if (c->kind == IOMMU_KIND_ARM || c->kind == IOMMU_KIND_ARM_SMMUV3) {
		add(c, "interrupt-remapping", CHECK_SKIP,
		    "Arm: MSIs are isolated by the GIC ITS, not by the SMMU (not checked)");
		return;
	}
	if (ir >= 0 || amd_ir >= 0) {
		on = true;
		why = xasprintf("kernel log: \"%s\"", log->lines[ir >= 0 ? ir : amd_ir]);
	} else if (f->interrupts_ir == 1) {
		on = true;
		why = xstrdup("/proc/interrupts shows IR- interrupt chips");
	} else if (streq(intremap, "off")) {
		off = true;
		why = xstrdup("intremap=off on the kernel command line");
	} else if (skipped >= 0) {
		kcmdline_get(&c->cmd, "noapic", &noapic);
		off = true;
		why = xasprintf("kernel log: \"%s\"%s", log->lines[skipped],
				noapic ? " (noapic on the command line)" : "");
	} else if (f->dmar_flags >= 0 && !(f->dmar_flags & 1)) {
		off = true;
		why = xstrdup(
			"the firmware's DMAR table does not allow it (INTR_REMAP flag clear)");
	} else if (f->ir_ecap == 0) {
		off = true;
		why = xstrdup("the VT-d unit does not support it (ecap IR bit clear)");
	} else if (f->interrupts_ir == 0) {
		off = true;
		why = xstrdup("/proc/interrupts shows no IR- interrupt chips");
	} else if (log->read && log->complete) {
		off = true;
		why = xstrdup("the kernel log has no \"Enabled IRQ remapping\" line");
	}

	if (on) {
		add(c, "interrupt-remapping", CHECK_PASS, "enabled: %s%s", why,
		    unsafe == 1 ? "; allow_unsafe_interrupts is set but not needed" : "");
		return;
	}
	if (!c->active) {
		add(c, "interrupt-remapping", CHECK_SKIP,
		    "the IOMMU is not enabled (see iommu-enabled)%s%s", why ? "; " : "",
		    why ? why : "");
		return;
	}
	if (!off) {
		add(c, "interrupt-remapping", CHECK_WARN, "cannot tell whether it is enabled: %s",
		    log->read ? "the kernel log does not start at boot"
			      : (log->why ? log->why : "the kernel log cannot be read"));
		hint(c, xstrdup(root_hint(c->f)));
		return;
	}
	if (unsafe == 1) {
		add(c, "interrupt-remapping", CHECK_WARN,
		    "disabled: %s; vfio_iommu_type1 allow_unsafe_interrupts=%s (%s) lets VFIO "
		    "use groups anyway, but an assigned device can then inject interrupts into "
		    "the host",
		    why, f->allow_unsafe, f->allow_unsafe_src);
		return;
	}
	add(c, "interrupt-remapping", CHECK_FAIL,
	    "disabled: %s; vfio_iommu_type1 refuses to attach IOMMU groups without it%s%s%s", why,
	    refused >= 0 ? " (kernel log: \"" : "", refused >= 0 ? log->lines[refused] : "",
	    refused >= 0 ? "\")" : "");
	if (streq(intremap, "off") || noapic) {
		_cleanup_free_ char *what =
			xstrdup(noapic ? "remove noapic" : "remove intremap=off");

		hint(c, cmdline_howto(f, what));
	} else if (f->hypervisor) {
		hint(c, xasprintf("give the VM an IOMMU with interrupt remapping (QEMU: -device "
				  "%s,intremap=on with -machine kernel-irqchip=split); or, "
				  "accepting the risk, load vfio_iommu_type1 with "
				  "allow_unsafe_interrupts=1",
				  c->kind == IOMMU_KIND_AMD ? "amd-iommu" : "intel-iommu"));
	} else {
		hint(c,
		     xstrdup("enable interrupt remapping in the firmware setup (often part of "
			     "the VT-d / IOMMU option) or update the firmware; or, accepting the "
			     "risk, set 'options vfio_iommu_type1 allow_unsafe_interrupts=1' in "
			     "/etc/modprobe.d/"));
	}
}

static void check_mode(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	_cleanup_free_ char *list = xstrdup("");
	bool identity = false, odd = false;

	if (!f->n_groups) {
		add(c, "iommu-mode", CHECK_SKIP, "no IOMMU groups");
		return;
	}
	for (size_t i = 0; i < f->n_group_types; i++) {
		const char *t = f->group_types[i];
		char *n = xasprintf("%s%s%zu %s", list, i ? ", " : "", f->group_type_count[i], t);

		free(list);
		list = n;
		if (streq(t, "identity"))
			identity = true;
		else if (!streq(t, "DMA") && !streq(t, "DMA-FQ") && !streq(t, "unmanaged"))
			odd = true;
	}
	if (odd) {
		add(c, "iommu-mode", CHECK_WARN, "default domain types: %s (not DMA or identity)",
		    list);
		return;
	}
	if (identity)
		add(c, "iommu-mode", CHECK_PASS,
		    "default domain types: %s; identity is passthrough (iommu=pt): host "
		    "drivers bypass translation, VFIO gives the groups it takes their own domain",
		    list);
	else
		add(c, "iommu-mode", CHECK_PASS, "default domain types: %s (DMA translated)", list);
}

static const char *mod_state_name(enum mod_state s)
{
	switch (s) {
	case MOD_LOADED:
		return "loaded";
	case MOD_BUILTIN:
		return "built in";
	case MOD_AVAILABLE:
		return "available (not loaded)";
	case MOD_MISSING:
		return "missing";
	default:
		return "unknown";
	}
}

static void check_modules(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	_cleanup_free_ char *list = xstrdup("");
	bool missing = false, unknown = false, unloaded = false;

	for (size_t i = 0; i <= MOD_TYPE1; i++) {
		char *n = xasprintf("%s%s%s: %s", list, i ? "; " : "", doctor_mod_names[i],
				    mod_state_name(f->mods[i]));

		free(list);
		list = n;
		missing |= f->mods[i] == MOD_MISSING;
		unknown |= f->mods[i] == MOD_UNKNOWN;
		unloaded |= f->mods[i] == MOD_AVAILABLE;
	}
	if (missing && f->mods[MOD_VFIO] != MOD_MISSING && f->mods[MOD_VFIO_PCI] != MOD_MISSING &&
	    f->mods[MOD_TYPE1] == MOD_MISSING && f->mods[MOD_IOMMUFD] >= MOD_AVAILABLE) {
		add(c, "vfio-modules", CHECK_WARN,
		    "%s; iommufd is %s: VMMs that use iommufd work, the legacy VFIO container "
		    "needs vfio_iommu_type1 or CONFIG_IOMMUFD_VFIO_CONTAINER",
		    list, mod_state_name(f->mods[MOD_IOMMUFD]));
		return;
	}
	if (missing) {
		add(c, "vfio-modules", CHECK_FAIL, "%s (module index %s)", list, f->mod_dir);
		hint(c, xstrdup("install a kernel built with VFIO (CONFIG_VFIO, CONFIG_VFIO_PCI, "
				"CONFIG_VFIO_IOMMU_TYPE1), or its modules package"));
		return;
	}
	if (unknown) {
		add(c, "vfio-modules", CHECK_WARN, "%s; no module index at %s%s", list,
		    f->mod_dir ? f->mod_dir : "/lib/modules/RELEASE",
		    f->live ? "" : " in the snapshot");
		return;
	}
	add(c, "vfio-modules", CHECK_PASS, "%s", list);
	if (unloaded)
		hint(c, xstrdup("modprobe vfio-pci (loads vfio and vfio_iommu_type1 too); vfioctl "
				"bind loads it when needed"));
}

static void check_device(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	enum mod_state vfio = f->mods[MOD_VFIO];

	if (f->dev_vfio) {
		add(c, "vfio-device", CHECK_PASS, "/dev/vfio/vfio is present");
		return;
	}
	if (vfio == MOD_LOADED || vfio == MOD_BUILTIN) {
		add(c, "vfio-device", CHECK_WARN,
		    "vfio is %s but /dev/vfio/vfio is missing (no devtmpfs or udev here?)",
		    mod_state_name(vfio));
		hint(c, xstrdup("create it with 'mknod /dev/vfio/vfio c 10 196' or run udev"));
		return;
	}
	add(c, "vfio-device", CHECK_PASS,
	    "/dev/vfio/vfio is not there yet: it appears when vfio is loaded (see vfio-modules)");
}

/* iommufd (/dev/iommu): what QEMU's -object iommufd and the VFIO device cdev use. */
static void check_iommufd(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	enum mod_state m = f->mods[MOD_IOMMUFD];

	if (f->dev_iommu) {
		add(c, "iommufd", CHECK_PASS, "/dev/iommu is present (iommufd %s)",
		    mod_state_name(m));
		return;
	}
	switch (m) {
	case MOD_LOADED:
	case MOD_BUILTIN:
		add(c, "iommufd", CHECK_WARN, "iommufd is %s but /dev/iommu is missing",
		    mod_state_name(m));
		hint(c, xstrdup("run udev, or create it: mknod /dev/iommu c 10 $(sed -n "
				"'s/ iommu$//p' /proc/misc)"));
		return;
	case MOD_AVAILABLE:
		add(c, "iommufd", CHECK_PASS,
		    "available (not loaded): /dev/iommu appears when it is");
		hint(c,
		     xstrdup("modprobe iommufd, for VMMs that use iommufd (QEMU -object iommufd, "
			     "the VFIO device cdev)"));
		return;
	case MOD_MISSING:
		add(c, "iommufd", CHECK_PASS,
		    "not in this kernel (CONFIG_IOMMUFD): VMMs use the VFIO group and container "
		    "interface (/dev/vfio/N), which works");
		hint(c, xstrdup("for iommufd and the VFIO device cdev, boot a kernel built with "
				"CONFIG_IOMMUFD and CONFIG_VFIO_DEVICE_CDEV"));
		return;
	default:
		add(c, "iommufd", CHECK_SKIP, "unknown: no module index (see vfio-modules)");
	}
}

/* The per-device cdev /dev/vfio/devices/vfioN (Linux 6.6+, CONFIG_VFIO_DEVICE_CDEV). */
static void check_vfio_cdev(struct ctx *c)
{
	const struct iommu_facts *f = c->f;

	if (f->vfio_cdev == 1)
		add(c, "vfio-cdev", CHECK_PASS,
		    "enabled (%s): each vfio-pci device also gets /dev/vfio/devices/vfioN",
		    f->vfio_cdev_src);
	else if (f->vfio_cdev == 0)
		add(c, "vfio-cdev", CHECK_PASS,
		    "not in this kernel (%s): devices are opened through their group, /dev/vfio/N",
		    f->vfio_cdev_src);
	else
		add(c, "vfio-cdev", CHECK_SKIP,
		    "unknown until vfio is loaded (no kernel config to read)");
	if (f->vfio_cdev == 0)
		hint(c, xstrdup("VMMs that need the cdev (iommufd passthrough) need a kernel with "
				"CONFIG_VFIO_DEVICE_CDEV"));
}

static void check_noiommu(struct ctx *c)
{
	const struct iommu_facts *f = c->f;
	int on = bool_value(f->noiommu_param, f->noiommu_param != NULL);

	if (on == 1 || f->dev_noiommu) {
		add(c, "noiommu-mode", CHECK_WARN,
		    "VFIO no-IOMMU mode is on%s: devices bound to vfio-pci%s get no DMA isolation "
		    "at all (/dev/vfio/noiommu-N); safe only for trusted userspace drivers",
		    on == 1 ? " (vfio enable_unsafe_noiommu_mode=Y)" : "",
		    c->active ? " outside an IOMMU group" : "");
		hint(c, xstrdup("echo N > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode "
				"(and remove the option from /etc/modprobe.d and the kernel "
				"command line)"));
		return;
	}
	if (f->noiommu_param)
		add(c, "noiommu-mode", CHECK_PASS, "off (enable_unsafe_noiommu_mode=%s)",
		    f->noiommu_param);
	else if (f->mods[MOD_VFIO] == MOD_LOADED || f->mods[MOD_VFIO] == MOD_BUILTIN)
		add(c, "noiommu-mode", CHECK_PASS, "off (this vfio has no no-IOMMU mode)");
	else
		add(c, "noiommu-mode", CHECK_PASS, "off (vfio is not loaded)");
}

static void check_acs_override(struct ctx *c)
{
	bool found;
	const char *v = kcmdline_get(&c->cmd, "pcie_acs_override", &found);

	if (!found) {
		add(c, "acs-override", CHECK_PASS,
		    "no pcie_acs_override on the kernel command line");
		return;
	}
	add(c, "acs-override", CHECK_WARN,
	    "pcie_acs_override=%s: the IOMMU groups are split by an out-of-tree patch and are "
	    "not real isolation; devices in different groups may still reach each other by "
	    "peer-to-peer DMA",
	    v ? v : "");
	hint(c, xstrdup("'vfioctl groups --predict' shows the groups the hardware really "
			"isolates; assign only devices you trust together"));
}

static bool fault_line(const char *s)
{
	if (strstr(s, "DMAR") && (strstr(s, "fault addr") || strstr(s, "fault index") ||
				  strstr(s, "handling fault status")))
		return true;
	if (strstr(s, "AMD-Vi: Event logged ["))
		return true;
	if (strstr(s, "arm-smmu") &&
	    (strstr(s, "Unhandled context fault") || strstr(s, "event 0x") ||
	     strstr(s, "Blocked unknown Stream ID")))
		return true;
	return false;
}

static void check_faults(struct ctx *c)
{
	const struct klog *log = &c->f->log;
	size_t n = 0;
	long last = -1;

	if (!log->read) {
		add(c, "iommu-faults", CHECK_SKIP, "kernel log not read: %s",
		    log->why ? log->why : "unknown");
		if (!c->f->root)
			hint(c, xstrdup(root_hint(c->f)));
		return;
	}
	for (size_t i = 0; i < log->n; i++)
		if (fault_line(log->lines[i])) {
			n++;
			last = (long)i;
		}
	if (!n) {
		add(c, "iommu-faults", CHECK_PASS, "no DMAR/AMD-Vi/SMMU fault in the kernel log%s",
		    log->complete ? "" : " (it does not start at boot)");
		return;
	}
	add(c, "iommu-faults", CHECK_WARN,
	    "%zu IOMMU fault line%s in the kernel log, the last: \"%s\"", n, n == 1 ? "" : "s",
	    log->lines[last]);
	hint(c, xstrdup("a device did DMA that the IOMMU blocked: a buggy driver or firmware, a "
			"device needing an RMRR/identity mapping, or a device reset while in use; "
			"look at the device named in the line"));
}

void iommu_doctor_eval(const struct iommu_facts *f, struct doctor_report *rep)
{
	struct ctx c = { .f = f, .rep = rep };

	*rep = (struct doctor_report){ 0 };
	kcmdline_parse(&c.cmd, f->cmdline);
	c.intel_cpu = streq(f->cpu_vendor, "GenuineIntel");
	c.amd_cpu = streq(f->cpu_vendor, "AuthenticAMD") || streq(f->cpu_vendor, "HygonGenuine");
	c.fw_kind = firmware_kind(f);
	c.kind = f->n_units ? unit_kind(f->units[0]) : c.fw_kind;
	c.active = f->n_units > 0 && f->n_groups > 0;

	check_cpu(&c);
	check_firmware(&c);
	check_cmdline(&c);
	check_enabled(&c);
	check_interrupt_remapping(&c);
	check_mode(&c);
	check_modules(&c);
	check_device(&c);
	check_iommufd(&c);
	check_vfio_cdev(&c);
	check_noiommu(&c);
	check_acs_override(&c);
	check_faults(&c);
	kcmdline_clear(&c.cmd);
}

void doctor_report_clear(struct doctor_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		free(rep->checks[i].detail);
		free(rep->checks[i].hint);
	}
	*rep = (struct doctor_report){ 0 };
}

bool doctor_ok(const struct doctor_report *rep)
{
	for (size_t i = 0; i < rep->n; i++)
		if (rep->checks[i].status == CHECK_FAIL)
			return false;
	return true;
}
