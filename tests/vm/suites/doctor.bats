#!/usr/bin/env bats
# doctor on a real kernel, issue 6's four boots of the bridge topology:
#   bridge             IOMMU on: no check fails
#   bridge-noiommu     no intel-iommu device: no firmware table, IOMMU not enabled
#   bridge-iommu-off   intel_iommu=off after the harness' intel_iommu=on
#   bridge-nointremap  -device intel-iommu,intremap=off
#   amd                -device amd-iommu (AMD-Vi), the guest with noapic: no
#                      interrupt remapping (run.sh, README "AMD-Vi")
# and the proof behind the verdicts: VFIO_SET_IOMMU on a group bound to vfio-pci
# works when doctor passes and is refused (EPERM) when interrupt remapping is off,
# until allow_unsafe_interrupts is set. Other boots only get the cheap sysfs test.
load helpers

DOCTOR_BOOTS=" bridge bridge-noiommu bridge-iommu-off bridge-nointremap amd "

# Verdicts ("id=status ...") expected as root before anything is loaded.
expected() {
	local pre="cpu-virt=pass firmware-table=pass"
	local tail="vfio-modules=pass vfio-device=pass iommufd=pass vfio-cdev=pass noiommu-mode=pass acs-override=pass iommu-faults=pass early-binding=skip"
	case $BOOT in
	bridge) echo "$pre kernel-cmdline=pass iommu-enabled=pass interrupt-remapping=pass iommu-mode=pass $tail" ;;
	bridge-noiommu) echo "cpu-virt=pass firmware-table=fail kernel-cmdline=skip iommu-enabled=fail interrupt-remapping=skip iommu-mode=skip $tail" ;;
	bridge-iommu-off) echo "$pre kernel-cmdline=fail iommu-enabled=fail interrupt-remapping=pass iommu-mode=skip $tail" ;;
	bridge-nointremap) echo "$pre kernel-cmdline=pass iommu-enabled=pass interrupt-remapping=fail iommu-mode=pass $tail" ;;
	amd) echo "$pre kernel-cmdline=pass iommu-enabled=pass interrupt-remapping=fail iommu-mode=pass $tail" ;;
	esac
}

verdicts() {
	jq -r '[.checks[] | "\(.id)=\(.status)"] | join(" ")'
}

check_field() { # json id field
	jq -r --arg id "$2" ".checks[] | select(.id == \$id) | .$3" <<<"$1"
}

doctor_boot() {
	[[ $DOCTOR_BOOTS == *" $BOOT "* ]] || skip "doctor's boots only (bridge, bridge-noiommu, bridge-iommu-off, bridge-nointremap, amd)"
}

setup() {
	[ "$EUID" = 0 ] || skip "VM tier runs as root"
}

# Bind the two e1000 functions (one group with their PCIe-to-PCI bridge) to vfio-pci.
bind_e1000_group() {
	local d
	modprobe vfio-pci
	for d in $(for x in /sys/bus/pci/devices/*; do
		[ "$(cat "$x/device")" = 0x100e ] && basename "$x"
	done); do
		[ -e "/sys/bus/pci/devices/$d/driver" ] && echo "$d" >"/sys/bus/pci/devices/$d/driver/unbind"
		echo vfio-pci >"/sys/bus/pci/devices/$d/driver_override"
		echo "$d" >/sys/bus/pci/drivers_probe
		E1000=$d
	done
	udevadm settle
	GROUP=$(group_of "$E1000")
}

# What QEMU does with an assigned group: container, group, VFIO_SET_IOMMU (type1v2).
set_iommu() {
	python3 - "$1" <<-'PY'
		import fcntl, os, struct, sys
		container = os.open("/dev/vfio/vfio", os.O_RDWR)
		group = os.open("/dev/vfio/" + sys.argv[1], os.O_RDWR)
		fcntl.ioctl(group, 0x3b68, struct.pack("i", container))  # VFIO_GROUP_SET_CONTAINER
		try:
		    fcntl.ioctl(container, 0x3b66, 3)  # VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU
		except OSError as e:
		    print("SET_IOMMU:", os.strerror(e.errno))
		    sys.exit(1)
		print("SET_IOMMU: ok")
	PY
}

@test "live doctor: iommu-enabled passes exactly when the kernel has IOMMU groups" {
	run vfioctl --json doctor
	[ "$status" = 0 ] || [ "$status" = 1 ]
	want=fail
	[ -n "$(ls /sys/kernel/iommu_groups)" ] && want=pass
	assert_equal "$(check_field "$output" iommu-enabled status)" "$want"
	assert_equal "$(jq .ok <<<"$output")" "$([ "$status" = 0 ] && echo true || echo false)"
}

@test "live doctor: the verdicts of this boot" {
	doctor_boot
	run vfioctl --json doctor
	assert_equal "$(verdicts <<<"$output")" "$(expected)"
	if [[ $(expected) == *=fail* ]]; then
		assert_equal "$status" 1
	else
		assert_equal "$status" 0
	fi
	run vfioctl doctor
	assert_line --regexp '^(PASS|FAIL)  iommu-enabled  '
}

@test "live doctor: a snapshot taken now gives the same report" {
	doctor_boot
	vfioctl snapshot -o "$BATS_TEST_TMPDIR/s.tar.gz"
	mkdir "$BATS_TEST_TMPDIR/root"
	tar -C "$BATS_TEST_TMPDIR/root" -xzf "$BATS_TEST_TMPDIR/s.tar.gz"
	# exit 1 on the boots where a check fails
	live=$(vfioctl --json doctor) || true
	snap=$(vfioctl --sysroot "$BATS_TEST_TMPDIR/root" --json doctor) || true
	[ -n "$live" ]
	assert_equal "$snap" "$live"
}

@test "live doctor: as non-root, no crash; only the kernel log is out of reach" {
	doctor_boot
	root=$(vfioctl --json doctor | verdicts)
	run su nobody -s /bin/sh -c "'$VFIOCTL' --json doctor"
	[ "$status" = 0 ] || [ "$status" = 1 ]
	if [ "$(cat /proc/sys/kernel/dmesg_restrict)" = 1 ]; then
		assert_equal "$(verdicts <<<"$output")" "${root/iommu-faults=pass/iommu-faults=skip}"
		assert_equal "$(check_field "$output" iommu-faults detail)" \
			"kernel log not read: the kernel log is readable by root only (kernel.dmesg_restrict=1)"
	else
		assert_equal "$(verdicts <<<"$output")" "$root"
	fi
}

@test "live bridge-iommu-off: \"DMAR: IOMMU enabled\" is in the log and not believed" {
	[ "$BOOT" = bridge-iommu-off ] || skip "bridge-iommu-off boot only"
	dmesg | grep -q 'DMAR: IOMMU enabled'
	dmesg | grep -q 'DMAR: IOMMU disabled'
	run vfioctl --json doctor
	assert_equal "$(check_field "$output" kernel-cmdline detail)" "intel_iommu=off turns Intel VT-d off"
	assert_equal "$(check_field "$output" iommu-enabled status)" fail
}

@test "live bridge: doctor passes, and QEMU's VFIO_SET_IOMMU works on a vfio-pci group" {
	[ "$BOOT" = bridge ] || skip "bridge boot only"
	command -v python3 >/dev/null || skip "no python3 for the VFIO ioctls"
	bind_e1000_group
	run vfioctl --json doctor
	assert_success
	assert_equal "$(check_field "$output" vfio-modules detail)" \
		"vfio: loaded; vfio_pci: loaded; vfio_iommu_type1: loaded"
	assert_equal "$(check_field "$output" vfio-device detail)" "/dev/vfio/vfio is present"
	run set_iommu "$GROUP"
	assert_output "SET_IOMMU: ok"
}

@test "live bridge-nointremap: VFIO refuses the group as doctor says, until allow_unsafe_interrupts" {
	[ "$BOOT" = bridge-nointremap ] || skip "bridge-nointremap boot only"
	command -v python3 >/dev/null || skip "no python3 for the VFIO ioctls"
	bind_e1000_group
	run set_iommu "$GROUP"
	assert_output "SET_IOMMU: Operation not permitted"
	run vfioctl --json doctor
	assert_equal "$status" 1
	assert_equal "$(check_field "$output" interrupt-remapping status)" fail
	# the refusal the kernel logged is quoted
	assert_equal "$(check_field "$output" interrupt-remapping detail | grep -c 'No interrupt remapping support')" 1

	echo 1 >/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts
	run vfioctl --json doctor
	echo N >/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts
	assert_equal "$status" 0
	assert_equal "$(check_field "$output" interrupt-remapping status)" warn
	echo 1 >/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts
	run set_iommu "$GROUP"
	echo N >/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts
	assert_output "SET_IOMMU: ok"
}

@test "live amd: doctor names AMD-Vi (IVRS, ivhd0) and interrupt remapping off, as the kernel says; VFIO refuses the group" {
	[ "$BOOT" = amd ] || skip "amd boot only"
	[ -e /sys/class/iommu/ivhd0 ]
	# noapic (run.sh): the kernel does not enable interrupt remapping
	dmesg | grep -q 'Not enabling interrupt remapping due to skipped IO-APIC setup'
	run grep -c ' IR-' /proc/interrupts
	assert_output 0
	run vfioctl --json doctor
	assert_equal "$status" 1
	assert_equal "$(check_field "$output" firmware-table detail)" "ACPI IVRS: AMD-Vi"
	[[ "$(check_field "$output" iommu-enabled detail)" == "AMD-Vi: 1 unit (ivhd0), $(ls /sys/kernel/iommu_groups | wc -l) IOMMU groups; "* ]]
	line=$(dmesg | sed -n 's/^\[[ 0-9.]*\] //; /Not enabling interrupt remapping due to skipped IO-APIC setup/{p;q}')
	assert_equal "$(check_field "$output" interrupt-remapping detail)" \
		"disabled: kernel log: \"$line\" (noapic on the command line); vfio_iommu_type1 refuses to attach IOMMU groups without it"
	[[ "$(check_field "$output" interrupt-remapping hint)" == *"remove noapic"* ]]
	command -v python3 >/dev/null || skip "no python3 for the VFIO ioctls"
	bind_e1000_group
	run set_iommu "$GROUP"
	assert_output "SET_IOMMU: Operation not permitted"
}

@test "live bridge-noiommu: vfio loads, /dev/vfio/vfio appears, doctor still fails" {
	[ "$BOOT" = bridge-noiommu ] || skip "bridge-noiommu boot only"
	modprobe vfio-pci
	run vfioctl --json doctor
	assert_equal "$status" 1
	assert_equal "$(check_field "$output" vfio-device status)" pass
	assert_equal "$(check_field "$output" firmware-table status)" fail
	assert_equal "$(check_field "$output" iommu-enabled status)" fail
}

# ---------------------------------------------------------------- boot VGA (issue 17)
# The legacy boot (topologies/legacy-vga.sh) has a VGA device with SeaBIOS' VGA ROM at 00:01.0 (the
# boot VGA device, boot_vga 1, bochs-drm with fb0 and the framebuffer console)
# and one without a ROM at 00:02.0 (boot_vga 0). The kernel's view is read here
# from sysfs; check must name the same holders, and nothing for the second.
boot_vga_dev() {
	local d b
	for d in /sys/bus/pci/devices/*; do
		[ -r "$d/boot_vga" ] && read -r b <"$d/boot_vga" && [ "$b" = 1 ] && echo "${d##*/}" && return 0
	done
	return 1
}

@test "live check: the boot VGA device is held by its framebuffer and the bound vtconsole, with the fixes; a secondary GPU gets nothing" {
	vga=$(boot_vga_dev) || skip "no boot VGA device on this boot (the legacy topology has one)"
	udevadm settle
	run vfioctl check "$vga"
	# the kernel's own view: fbN on the device, bound vtconsoles drawing on framebuffers
	for fb in /sys/class/graphics/fb*; do
		[ "$(link_name "$fb/device")" = "$vga" ] || continue
		assert_line --partial "boot VGA: $vga: held by ${fb##*/} ($(cat "$fb/name")): the framebuffer of its driver $(link_name "/sys/bus/pci/devices/$vga/driver")"
		nfb=1
	done
	[ "${nfb:-0}" = 1 ]
	for vt in /sys/class/vtconsole/vtcon*; do
		if [ "$(cat "$vt/bind")" = 1 ] && grep -q "frame buffer" "$vt/name"; then
			assert_line "boot VGA: $vga: held by ${vt##*/} ($(cat "$vt/name")), which draws the console on it"
			assert_line --partial "boot VGA fix: echo 0 > /sys/class/vtconsole/${vt##*/}/bind"
		fi
	done
	run vfioctl --json check "$vga"
	assert_equal "$(jq -r '.groups[0].boot_vga.iomem_readable' <<<"$output")" true
	assert_equal "$(jq -r '.groups[0].boot_vga.vtconsoles | length' <<<"$output")" "$(ls -d /sys/class/vtconsole/vtcon* | wc -l)"
	# as non-root /proc/iomem has no addresses: said, the rest the same
	run su nobody -s /bin/sh -c "'$VFIOCTL' --json check $vga"
	assert_equal "$(jq -r '.groups[0].boot_vga.iomem_readable' <<<"$output")" false
	assert_equal "$(jq -r '.groups[0].boot_vga.notes[0]' <<<"$output")" \
		"/proc/iomem shows no addresses without root: run as root to match firmware framebuffers to the BARs"
	# the other VGA device: class 0x0300, boot_vga 0, no boot VGA lines or warnings
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/class")" = 0x030000 ] && [ "$(cat "$d/boot_vga" 2>/dev/null)" = 0 ] || continue
		run vfioctl check "${d##*/}"
		refute_output --partial "boot VGA"
		run vfioctl --json check "${d##*/}"
		assert_equal "$(jq -c '[.groups[0].boot_vga, .groups[0].warnings]' <<<"$output")" "[null,[]]"
		second=1
	done
	[ "${second:-0}" = 1 ]
}

@test "live check on the boot VGA device: a snapshot of this guest gives the same answer" {
	vga=$(boot_vga_dev) || skip "no boot VGA device on this boot"
	vfioctl snapshot -o "$BATS_TEST_TMPDIR/s.tar.gz" >/dev/null
	mkdir "$BATS_TEST_TMPDIR/root"
	tar -C "$BATS_TEST_TMPDIR/root" -xzf "$BATS_TEST_TMPDIR/s.tar.gz"
	live=$(vfioctl --json check "$vga" | jq -c '.groups[0].boot_vga')
	snap=$(vfioctl --sysroot "$BATS_TEST_TMPDIR/root" --json check "$vga" | jq -c '.groups[0].boot_vga')
	[ "$live" != null ]
	assert_equal "$snap" "$live"
}

# ---------------------------------------------------------------- early binding (issue 17)
@test "live status: a device on a built-in host driver loses the race; the fix is vfio-pci.ids= with the other devices of its ID" {
	[ "$BOOT" = legacy ] || skip "legacy boot only"
	# the ioh3420 root port's pcieport is built into Debian's kernel; the two
	# e1000 (8086:100e) are modules: as the configuration they are not built in
	rp=$(pci_by_id 8086 3420)
	e1=$(pci_by_id 8086 100e)
	printf '[device %s]\ndriver = vfio-pci\n[device %s]\ndriver = vfio-pci\n' "$rp" "$e1" >"$BATS_TEST_TMPDIR/c.conf"
	run --separate-stderr vfioctl --json status --config "$BATS_TEST_TMPDIR/c.conf"
	assert_equal "$status" 1
	# the built-in module's name: pcieport on 6.1, pcieportdrv on 6.12 (drivers/pcieport/module)
	mod=$(link_name /sys/bus/pci/drivers/pcieport/module 2>/dev/null) || mod=pcieport
	assert_equal "$(jq -c --arg a "$rp" '.early.devices[] | select(.address == $a) | [.host_driver, .builtin, .loses]' <<<"$output")" "[\"$mod\",true,true]"
	assert_equal "$(jq -r --arg a "$rp" '.early.devices[] | select(.address == $a) | .fix' <<<"$output")" \
		"bind by ID instead: vfio-pci.ids=8086:3420 on the kernel command line, which also takes no other device here (this beats a built-in driver only if the driver is built in too, which it is not here; else \`vfioctl apply\` moves the device after boot)"
	assert_equal "$(jq -c --arg a "$e1" '.early.devices[] | select(.address == $a) | [.host_driver, .builtin]' <<<"$output")" '["e1000",false]'
	run --separate-stderr vfioctl status --config "$BATS_TEST_TMPDIR/c.conf"
	assert_line --partial "drift: $rp loses the race at boot: its host driver $mod is built into the kernel"
}

@test "live bind --persist: with vfioctl's hook installed, says the initramfs must be regenerated, with the command" {
	[ "$BOOT" = legacy ] || skip "legacy boot only"
	e1=$(pci_by_id 8086 10d3)
	# the guest's root is a tmpfs overlay: nothing reaches the host's /etc or /usr
	mkdir -p /etc/initramfs-tools/hooks
	: >/etc/initramfs-tools/hooks/vfioctl
	run --separate-stderr vfioctl bind --persist "$e1"
	hook_status=$status
	vfioctl restore >/dev/null 2>&1 || true
	rm -f /etc/initramfs-tools/hooks/vfioctl /etc/vfioctl.d/vfioctl-persist.conf
	assert_equal "$hook_status" 0
	if command -v update-initramfs >/dev/null; then
		[[ "$stderr" == *"vfioctl: warning: the initramfs must be regenerated for the configuration to bind devices early: run 'update-initramfs -u'"* ]]
	else
		[[ "$stderr" == *"the initramfs must be regenerated"* ]]
	fi
}
