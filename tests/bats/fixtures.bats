#!/usr/bin/env bats
# list/show over snapshots of real kernels (tests/fixtures/, from `make fixtures`),
# compared with the kernel's own view (truth.json) and with golden outputs.
load helpers

# The kernel's devices, drivers, groups and PFs, as vfioctl --json list reports them.
assert_matches_truth() {
	use_fixture "$1"
	run vf --json list
	assert_success
	assert_equal "$(jq -S '[.devices[] | {address, driver, iommu_group, physfn}]' <<<"$output")" \
		"$(jq -S .devices "$TRUTH")"
}

assert_list_golden() {
	use_fixture "$1"
	run vf list
	assert_success
	assert_golden "$1/list.txt"
	run vf --json list
	assert_success
	assert_golden "$1/list.json"
}

# Every device's show, text and JSON, in one golden file each.
assert_show_golden() {
	use_fixture "$1"
	local a all_txt="" all_json=""
	for a in $(vf --json list | jq -r '.devices[].address'); do
		run vf show "$a"
		assert_success
		all_txt+="$output"$'\n'
		run vf --json show "$a"
		assert_success
		all_json+="$output"$'\n'
	done
	output=$all_txt
	assert_golden "$1/show.txt"
	output=$all_json
	assert_golden "$1/show.json"
}

@test "bridge: list matches the kernel's devices, drivers and groups" { assert_matches_truth bridge; }
@test "bridge: list golden" { assert_list_golden bridge; }
@test "bridge: show golden" { assert_show_golden bridge; }
@test "bridge-noiommu: list matches the kernel (no groups)" { assert_matches_truth bridge-noiommu; }
@test "bridge-noiommu: list golden" { assert_list_golden bridge-noiommu; }
@test "bridge-user: list matches the kernel" { assert_matches_truth bridge-user; }
@test "bridge-user: show golden (non-root snapshot)" { assert_show_golden bridge-user; }
@test "switch: list matches the kernel's devices, drivers and groups" { assert_matches_truth switch; }
@test "switch: list golden" { assert_list_golden switch; }
@test "switch: show golden" { assert_show_golden switch; }
@test "switch-noiommu: list matches the kernel (no groups)" { assert_matches_truth switch-noiommu; }
@test "sriov: list matches the kernel's devices, drivers and groups" { assert_matches_truth sriov; }
@test "sriov: list golden" { assert_list_golden sriov; }
@test "sriov: show golden" { assert_show_golden sriov; }
@test "sriov-vfs: list matches the kernel, VFs with their PF" { assert_matches_truth sriov-vfs; }
@test "sriov-vfs: list golden" { assert_list_golden sriov-vfs; }
@test "sriov-vfs: show golden" { assert_show_golden sriov-vfs; }

@test "legacy: list matches the kernel's devices, drivers and groups" { assert_matches_truth legacy; }
@test "legacy: list golden" { assert_list_golden legacy; }
@test "legacy: show golden" { assert_show_golden legacy; }

@test "no-IOMMU snapshot: every device has a null group" {
	use_fixture bridge-noiommu
	run vf --json list
	assert_success
	assert_equal "$(jq '[.devices[] | select(.iommu_group != null)] | length' <<<"$output")" 0
}

@test "bridge: the e1000 functions behind the PCIe-to-PCI bridge share its group" {
	use_fixture bridge
	run vf --json list
	br=$(jq -r '.devices[] | select(.device == "000e") | .address' <<<"$output")
	g=$(jq --arg br "$br" '.devices[] | select(.address == $br) | .iommu_group' <<<"$output")
	assert_equal "$(jq --argjson g "$g" '[.devices[] | select(.iommu_group == $g)] | length' <<<"$output")" 3
	assert_equal "$(jq -r --arg br "$br" '[.devices[] | select(.parent == $br) | .driver] | unique | .[]' <<<"$output")" e1000
}

@test "list --class filters by class keyword" {
	use_fixture switch
	run vf --json list --class net
	assert_success
	assert_equal "$(jq -r '[.devices[].class_keyword] | unique | .[]' <<<"$output")" net
	run vf --json list --class net,multimedia
	assert_equal "$(jq -r '[.devices[].class_keyword] | unique | join(",")' <<<"$output")" multimedia,net
}

@test "list --driver filters by driver, 'none' for unbound" {
	use_fixture bridge
	run vf --json list --driver e1000
	assert_success
	assert_equal "$(jq '.devices | length' <<<"$output")" 2
	run vf --json list --driver none
	assert_equal "$(jq '[.devices[] | select(.driver != null)] | length' <<<"$output")" 0
}

@test "list DEVICE... restricts to those devices" {
	use_fixture bridge
	first=$(vf --json list | jq -r '.devices[0].address')
	run vf --json list "$first" "${first#0000:}"
	assert_success
	assert_equal "$(jq -r '.devices[].address' <<<"$output")" "$first"
}

@test "short BDF and full BDF resolve to the same device" {
	use_fixture switch
	for a in $(vf --json list | jq -r '.devices[].address'); do
		assert_equal "$(vf --json show "${a#0000:}")" "$(vf --json show "$a")"
	done
}

@test "show by interface name (from the snapshot) equals show by address" {
	use_fixture bridge
	for link in "$SYSROOT"/sys/class/net/*; do
		if=${link##*/}
		[ -e "$link/device" ] || continue
		addr=$(basename "$(readlink "$link/device")")
		assert_equal "$(vf --json show "$if")" "$(vf --json show "$addr")"
	done
}

@test "interface that is not a PCI device: exit 2" {
	use_fixture bridge
	run --separate-stderr vf show lo
	assert_equal "$status" 2
	[[ "$stderr" == "vfioctl: lo: "* ]]
}

@test "non-root snapshot: show says ACS is unknown and only root can read it" {
	use_fixture bridge-user
	run vf show 00:1c.0
	assert_success
	assert_output --partial "ACS:             unknown"
	assert_output --partial "readable only by root"
	run vf --json show 00:1c.0
	assert_equal "$(jq -r .device.config.access <<<"$output")" header
	assert_equal "$(jq -r .device.config.acs <<<"$output")" unknown
}

@test "root snapshot: the root port's ACS capability is decoded" {
	use_fixture bridge
	run vf --json show 00:1c.0
	assert_success
	assert_equal "$(jq -r .device.config.access <<<"$output")" extended
	assert_equal "$(jq -r .device.config.pcie_type <<<"$output")" "root port"
}

@test "show lists the upstream path to the root port" {
	use_fixture switch
	run vf --json list --class net
	for a in $(jq -r '.devices[] | select(.parent != null) | .address' <<<"$output"); do
		run vf --json show "$a"
		n=$(jq '.device.upstream | length' <<<"$output")
		[ "$n" -ge 1 ]
		assert_equal "$(jq -r '.device.upstream[-1].pcie_type' <<<"$output")" "root port"
	done
}

@test "sriov-vfs: the PF lists its VFs with indexes" {
	use_fixture sriov-vfs
	pf=$(vf --json list | jq -r '.devices[] | select(.sriov_role == "pf" and .sriov.numvfs > 0) | .address' | head -n1)
	run vf --json show "$pf"
	assert_success
	assert_equal "$(jq '.device.vfs | length' <<<"$output")" 3
	for vf_addr in $(jq -r '.device.vfs[]' <<<"$output"); do
		assert_equal "$(vf --json show "$vf_addr" | jq -r .device.physfn)" "$pf"
	done
}

@test "snapshot of a snapshot reads back the same" {
	use_fixture sriov-vfs
	run vf snapshot -o "$BATS_TEST_TMPDIR/again.tar.gz"
	assert_success
	mkdir "$BATS_TEST_TMPDIR/again"
	tar -C "$BATS_TEST_TMPDIR/again" -xzf "$BATS_TEST_TMPDIR/again.tar.gz"
	assert_equal "$("$VFIOCTL" --sysroot "$BATS_TEST_TMPDIR/again" --json list)" "$(vf --json list)"
	assert_equal "$(tar -tzf "$BATS_TEST_TMPDIR/again.tar.gz" | grep -c 'config$')" \
		"$(tar -tzf "$FIXTURES/sriov-vfs/snapshot.tar.gz" | grep -c 'config$')"
}

@test "snapshot --json reports the file" {
	use_fixture bridge
	run vf --json snapshot -o "$BATS_TEST_TMPDIR/s.tar.gz"
	assert_success
	assert_equal "$(jq -r .snapshot <<<"$output")" "$BATS_TEST_TMPDIR/s.tar.gz"
	[ "$(jq .files <<<"$output")" -gt 50 ]
}

@test "snapshot manifest records kernel and root" {
	use_fixture bridge
	jq -e '.format == 1 and .root == true and (.kernel | test("amd64"))' "$SYSROOT/vfioctl-snapshot.json"
	use_fixture bridge-user
	jq -e '.root == false' "$SYSROOT/vfioctl-snapshot.json"
}

@test "snapshot refuses extra arguments" {
	run vfioctl snapshot extra
	assert_equal "$status" 2
}
