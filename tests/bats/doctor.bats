#!/usr/bin/env bats
# doctor over snapshots of the four VM boots of issue 6 (tests/vm/make-fixtures.sh):
# IOMMU on (bridge), no IOMMU hardware (bridge-noiommu), intel_iommu=off
# (bridge-iommu-off), interrupt remapping off (bridge-nointremap), and the IOMMU-on
# boot snapshotted without root (bridge-user).
load helpers

# "id=status" of every check, in order.
verdicts() {
	jq -r '[.checks[] | "\(.id)=\(.status)"] | join(" ")'
}

assert_doctor() { # fixture exit-status verdicts
	use_fixture "$1"
	run vf --json doctor
	assert_equal "$status" "$2"
	assert_equal "$(verdicts <<<"$output")" "$3"
	assert_equal "$(jq .ok <<<"$output")" "$([ "$2" = 0 ] && echo true || echo false)"
	assert_golden "$1/doctor.json"
	run vf doctor
	assert_equal "$status" "$2"
	assert_golden "$1/doctor.txt"
}

@test "doctor bridge (IOMMU on): every check passes" {
	assert_doctor bridge 0 "cpu-virt=pass firmware-table=pass kernel-cmdline=pass iommu-enabled=pass interrupt-remapping=pass iommu-mode=pass vfio-modules=pass vfio-device=pass iommufd=pass vfio-cdev=pass noiommu-mode=pass acs-override=pass iommu-faults=pass early-binding=skip"
}

@test "doctor bridge-noiommu (no IOMMU device): no firmware table, IOMMU not enabled" {
	assert_doctor bridge-noiommu 1 "cpu-virt=pass firmware-table=fail kernel-cmdline=skip iommu-enabled=fail interrupt-remapping=skip iommu-mode=skip vfio-modules=pass vfio-device=pass iommufd=pass vfio-cdev=pass noiommu-mode=pass acs-override=pass iommu-faults=pass early-binding=skip"
}

@test "doctor bridge-iommu-off (intel_iommu=off): the command line is the cause" {
	assert_doctor bridge-iommu-off 1 "cpu-virt=pass firmware-table=pass kernel-cmdline=fail iommu-enabled=fail interrupt-remapping=pass iommu-mode=skip vfio-modules=pass vfio-device=pass iommufd=pass vfio-cdev=pass noiommu-mode=pass acs-override=pass iommu-faults=pass early-binding=skip"
	# "DMAR: IOMMU enabled" is in the log, and is not taken as evidence
	grep -q 'DMAR: IOMMU enabled' "$SYSROOT/dev/kmsg"
	run vf --json doctor
	assert_equal "$(jq -r '.checks[] | select(.id == "iommu-enabled") | .detail' <<<"$output")" \
		'no IOMMU units or groups: the kernel log says "DMAR: IOMMU disabled" after the "IOMMU enabled" of an earlier intel_iommu=on'
	assert_equal "$(jq -r '.checks[] | select(.id == "kernel-cmdline") | .hint' <<<"$output")" \
		"remove intel_iommu=off and add intel_iommu=on on the kernel command line (in the bootloader's configuration) and reboot"
}

@test "doctor bridge-nointremap (intremap=off): interrupt remapping fails, the rest passes" {
	assert_doctor bridge-nointremap 1 "cpu-virt=pass firmware-table=pass kernel-cmdline=pass iommu-enabled=pass interrupt-remapping=fail iommu-mode=pass vfio-modules=pass vfio-device=pass iommufd=pass vfio-cdev=pass noiommu-mode=pass acs-override=pass iommu-faults=pass early-binding=skip"
}

@test "doctor bridge-user (non-root snapshot): no kernel log, interrupt remapping from /proc/interrupts" {
	assert_doctor bridge-user 0 "cpu-virt=pass firmware-table=pass kernel-cmdline=pass iommu-enabled=pass interrupt-remapping=pass iommu-mode=pass vfio-modules=pass vfio-device=pass iommufd=pass vfio-cdev=pass noiommu-mode=pass acs-override=pass iommu-faults=skip early-binding=skip"
	# the ACPI tables are root-only: the snapshot records them as empty files
	[ -f "$SYSROOT/sys/firmware/acpi/tables/DMAR" ] && [ ! -s "$SYSROOT/sys/firmware/acpi/tables/DMAR" ]
}

@test "doctor: the JSON has exactly the keys of the issue, hint a string or null" {
	use_fixture bridge-iommu-off
	run vf --json doctor
	assert_equal "$(jq -c 'keys' <<<"$output")" '["checks","ok"]'
	assert_equal "$(jq -c '[.checks[] | keys] | unique' <<<"$output")" '[["detail","hint","id","status"]]'
	assert_equal "$(jq '[.checks[] | select((.hint | type) != "string" and .hint != null)] | length' <<<"$output")" 0
	assert_equal "$(jq '[.checks[] | select(.status == "fail" and .hint == null)] | length' <<<"$output")" 0
}

@test "doctor: text mode prints no colour when not on a terminal, one line per check" {
	use_fixture bridge-nointremap
	run vf doctor
	refute_output --partial $'\033['
	assert_equal "$(grep -cE '^(PASS|WARN|FAIL|SKIP)  ' <<<"$output")" 14
	assert_line --regexp '^FAIL  interrupt-remapping  disabled: '
	assert_line --partial '1 check failed'
}

@test "doctor: snapshots from before doctor existed give verdicts, no crash" {
	for fx in "$FIXTURES"/*/snapshot.tar.gz; do
		name=$(basename "$(dirname "$fx")")
		use_fixture "$name"
		run vf --json doctor
		[ "$status" = 0 ] || [ "$status" = 1 ] || fail "$name: exit $status: $output"
		assert_equal "$(jq '.checks | length' <<<"$output")" 14
	done
}

@test "doctor: usage errors" {
	run vfioctl doctor extra
	assert_equal "$status" 2
	assert_output --partial "vfioctl: doctor: unexpected argument 'extra'"
	run vfioctl doctor --bogus
	assert_equal "$status" 2
	run vfioctl doctor --help
	assert_success
	assert_output --partial "Usage: vfioctl doctor"
}

@test "doctor on the live host: read-only, exit 0 or 1, valid JSON" {
	run vfioctl --json doctor
	[ "$status" = 0 ] || [ "$status" = 1 ] || fail "exit $status: $output"
	assert_equal "$(jq '.checks | length' <<<"$output")" 14
}
