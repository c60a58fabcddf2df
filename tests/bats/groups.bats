#!/usr/bin/env bats
# groups/check over snapshots of real kernels: predictions against the groups
# the kernel made (truth.json), explain and check outputs against golden files.
load helpers

# A partition as one canonical line per group: sorted addresses, groups sorted.
partition_of_truth() {
	jq -r '.groups | [.[] | sort | join(" ")] | sort | .[]' "$1"
}
partition_of_groups() {
	jq -r '[.groups[] | [.devices[] | select(.role != "non-pci") | .address] | sort | join(" ")] | sort | .[]'
}

assert_predict_matches_truth() {
	use_fixture "$1"
	run vf --json groups --predict
	assert_success
	assert_equal "$(partition_of_groups <<<"$output")" "$(partition_of_truth "$FIXTURES/${2:-$1}/truth.json")"
}

@test "bridge: --predict gives the kernel's partition" { assert_predict_matches_truth bridge; }
@test "switch: --predict gives the kernel's partition" { assert_predict_matches_truth switch; }
@test "sriov: --predict gives the kernel's partition" { assert_predict_matches_truth sriov; }
@test "sriov-vfs: --predict gives the kernel's partition, VFs included" { assert_predict_matches_truth sriov-vfs; }
@test "legacy: --predict gives the kernel's partition (DMI-to-PCI chain, ioh3420, pxb-pcie)" {
	assert_predict_matches_truth legacy
}
@test "legacy: the PCI bridge chain behind the DMI-to-PCI bridge is one group, explained as alias" {
	use_fixture legacy
	run vf --json groups --explain
	assert_success
	dmi=$(jq -r '.devices[] | select(.address | endswith(":1d.0")) | .iommu_group' "$TRUTH")
	assert_equal "$(jq --argjson g "$dmi" '[.groups[] | select(.id == $g) | .devices[]] | length' <<<"$output")" 4
	assert_equal "$(jq -r --argjson g "$dmi" '[.groups[] | select(.id == $g) | .explain[].rule] | unique | .[]' <<<"$output")" dma-alias-bridge
	run vf groups --explain
	assert_golden legacy/groups-explain.txt
}
@test "legacy: the ioh3420 root port without ACS shares its group with its endpoint" {
	use_fixture legacy
	run vf --json groups --explain 0000:00:1b.0
	assert_success
	assert_equal "$(jq '.groups[0].devices | length' <<<"$output")" 2
	assert_equal "$(jq -r '.groups[0].explain[0].rule' <<<"$output")" acs-upstream
}
@test "bridge booted without IOMMU: --predict gives the partition of the IOMMU boot" {
	assert_predict_matches_truth bridge-noiommu bridge
}
@test "switch booted without IOMMU: --predict gives the partition of the IOMMU boot" {
	assert_predict_matches_truth switch-noiommu switch
}

@test "kernel groups: the partition equals truth and agrees with the model" {
	for f in bridge switch sriov sriov-vfs legacy; do
		use_fixture $f
		run vf --json groups --explain
		assert_success
		assert_equal "$(partition_of_groups <<<"$output")" "$(partition_of_truth "$TRUTH")"
		assert_equal "$(jq '[.groups[] | select(.model_agrees == false)] | length' <<<"$output")" 0
	done
}

@test "no-IOMMU snapshot: groups says so and points to --predict" {
	use_fixture switch-noiommu
	run vf groups
	assert_success
	assert_output --partial "groups --predict"
}

@test "switch: --explain golden" {
	use_fixture switch
	run vf groups --explain
	assert_success
	assert_golden switch/groups-explain.txt
	run vf --json groups --explain
	assert_golden switch/groups-explain.json
}

@test "bridge: --explain names the PCIe-to-PCI bridge DMA alias" {
	use_fixture bridge
	run vf --json groups --explain
	assert_success
	assert_equal "$(jq -r '[.groups[].explain[]?.rule] | unique | index("dma-alias-bridge") != null' <<<"$output")" true
	run vf groups --explain
	assert_golden bridge/groups-explain.txt
}

@test "switch: --explain names the downstream port without ACS and the missing bits" {
	use_fixture switch
	run vf --json groups --explain
	assert_equal "$(jq -c '[.groups[].explain[]? | select(.rule == "acs-upstream") | .missing] | unique' <<<"$output")" \
		'[["SV","RR","CR","UF"]]'
}

@test "switch: the NIC+audio multifunction endpoint is one group, explained as multifunction" {
	use_fixture switch
	run vf --json groups --explain 05:00.0
	assert_success
	assert_equal "$(jq -r '.groups[0].devices[].address' <<<"$output" | tr '\n' ' ')" "0000:05:00.0 0000:05:00.1 "
	assert_equal "$(jq -r '.groups[0].explain[0].rule' <<<"$output")" multifunction
}

@test "--acs-override is labelled unsafe and splits the switch ports" {
	use_fixture switch
	run vf --json groups --predict --acs-override=downstream,multifunction
	assert_success
	assert_equal "$(jq .unsafe <<<"$output")" true
	run vf groups --predict --acs-override=downstream,multifunction
	assert_output --partial "UNSAFE"
	assert_golden switch/groups-acs-override.txt
}

@test "--acs-override with a bad value: exit 2" {
	use_fixture switch
	run vf groups --predict --acs-override=sideways
	assert_equal "$status" 2
}

@test "groups GROUP selects one kernel group" {
	use_fixture switch
	g=$(jq -r '.devices[] | select(.address == "0000:05:00.0") | .iommu_group' "$TRUTH")
	run vf --json groups "$g"
	assert_success
	assert_equal "$(jq '.groups | length' <<<"$output")" 1
	assert_equal "$(jq ".groups[0].id" <<<"$output")" "$g"
}

@test "check: a group with host drivers is not viable (exit 1) with the fix" {
	use_fixture switch
	run vf check 05:00.0
	assert_equal "$status" 1
	assert_output --partial "BLOCKER"
	assert_output --partial "vfioctl bind 0000:05:00.0"
	assert_golden switch/check-05.txt
	run vf --json check 05:00.0
	assert_equal "$status" 1
	assert_equal "$(jq .viable <<<"$output")" false
	assert_equal "$(jq -r '[.groups[0].devices[].status] | unique | .[]' <<<"$output")" BLOCKER
}

@test "check: a group with no driver bound is viable (exit 0)" {
	use_fixture switch
	run vf check 00:00.0
	assert_success
	run vf --json check 00:00.0
	assert_equal "$(jq .viable <<<"$output")" true
}

@test "check: bridges in a group do not block" {
	use_fixture bridge
	run vf --json check 00:1c.0
	assert_success
	assert_equal "$(jq -r '.groups[0].devices[0].role' <<<"$output")" bridge
}

@test "check --group N equals check DEVICE" {
	use_fixture switch
	g=$(jq -r '.devices[] | select(.address == "0000:05:00.0") | .iommu_group' "$TRUTH")
	assert_equal "$(vf --json check --group "$g")" "$(vf --json check 0000:05:00.0)"
}

@test "check: bad input exits 2" {
	use_fixture switch
	run vf check 0000:zz:00.0
	assert_equal "$status" 2
	run vf check 0000:7f:00.0
	assert_equal "$status" 2
	run vf check
	assert_equal "$status" 2
	run vf check --group nine
	assert_equal "$status" 2
}

@test "check on a snapshot does not ask the kernel (kernel_viable null)" {
	use_fixture switch
	run vf --json check 05:00.0
	assert_equal "$(jq .groups[0].kernel_viable <<<"$output")" null
	assert_equal "$(jq .groups[0].in_use <<<"$output")" false
}

@test "non-root snapshot: predictions are marked uncertain" {
	use_fixture bridge-user
	run vf --json groups --predict
	assert_success
	assert_equal "$(jq '[.groups[] | select(.uncertain)] | length > 0' <<<"$output")" true
}
