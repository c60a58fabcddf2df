#!/usr/bin/env bats
# The snapshots taken on bookworm-backports' 6.12 (tests/fixtures/*-6.12, from
# `make fixtures`): vfioctl reads them as it reads 6.1's, and its prediction
# gives the groups that kernel made.
load helpers

partition_of_truth() {
	jq -r '.groups | [.[] | sort | join(" ")] | sort | .[]' "$1"
}
partition_of_groups() {
	jq -r '[.groups[] | [.devices[] | select(.role != "non-pci") | .address] | sort | join(" ")] | sort | .[]'
}

# Each 6.12 fixture against its kernel's view and its goldens.
check_612_fixture() {
	local name=$1
	use_fixture "$name"
	run --separate-stderr vf --json list
	assert_success
	assert_equal "$(jq -S '[.devices[] | {address, driver, iommu_group, physfn}]' <<<"$output")" \
		"$(jq -S .devices "$TRUTH")"
	assert_golden "$name/list.json"
	run --separate-stderr vf list
	assert_golden "$name/list.txt"
	# snapshots taken without the IOMMU: the prediction is of the IOMMU boot
	local truth=$TRUTH
	[ "$(jq '.groups | length' "$truth")" -gt 0 ] || truth=$FIXTURES/${name%%-*}-6.12/truth.json
	run --separate-stderr vf --json groups --predict
	assert_success
	# the snapshot's release picks the rules: 6.12.y's
	assert_equal "$(jq -r .kernel_model <<<"$output")" linux-6.12
	if [[ $name == *-user-* ]]; then
		# without root no ACS was read: the groups that depend on it are uncertain
		assert_equal "$(jq '[.groups[] | select(.uncertain)] | length > 0' <<<"$output")" true
	else
		assert_equal "$(partition_of_groups <<<"$output")" "$(partition_of_truth "$truth")"
	fi
	run --separate-stderr vf groups --explain
	assert_golden "$name/groups-explain.txt"
}

@test "6.12 bridge: list equals the kernel's view, --predict its groups (golden)" { check_612_fixture bridge-6.12; }
@test "6.12 bridge-noiommu: list equals the kernel's view, --predict its groups (golden)" { check_612_fixture bridge-noiommu-6.12; }
@test "6.12 bridge-user: list equals the kernel's view, --predict its groups (golden)" { check_612_fixture bridge-user-6.12; }
@test "6.12 bridge-iommu-off: list equals the kernel's view, --predict its groups (golden)" { check_612_fixture bridge-iommu-off-6.12; }
@test "6.12 bridge-nointremap: list equals the kernel's view, --predict its groups (golden)" { check_612_fixture bridge-nointremap-6.12; }
@test "6.12 switch: list equals the kernel's view, --predict its groups (golden)" { check_612_fixture switch-6.12; }
@test "6.12 switch-noiommu: list equals the kernel's view, --predict its groups (golden)" { check_612_fixture switch-noiommu-6.12; }
@test "6.12 sriov: list equals the kernel's view, --predict its groups (golden)" { check_612_fixture sriov-6.12; }
@test "6.12 legacy: list equals the kernel's view, --predict its groups (golden)" { check_612_fixture legacy-6.12; }
@test "6.12 sriov-vfs: list equals the kernel's view, --predict its groups (golden)" { check_612_fixture sriov-vfs-6.12; }
