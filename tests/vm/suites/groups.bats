#!/usr/bin/env bats
# groups/check against the live kernel's IOMMU groups.
load helpers

partition_of_sysfs() {
	local g
	for g in /sys/kernel/iommu_groups/*; do
		ls "$g/devices" | sort | tr '\n' ' ' | sed 's/ $//'
		echo
	done | sort
}
partition_of_groups() {
	jq -r '[.groups[] | [.devices[] | select(.role != "non-pci") | .address] | sort | join(" ")] | sort | .[]'
}

has_groups() {
	[ -n "$(ls /sys/kernel/iommu_groups 2>/dev/null)" ]
}

# Move a device to DRIVER (or back to its default with "") through sysfs.
sysfs_rebind() {
	local dev=/sys/bus/pci/devices/$1
	if [ -e "$dev/driver" ]; then echo "$1" >"$dev/driver/unbind"; fi
	if [ -n "$2" ]; then echo "$2" >"$dev/driver_override"; else echo >"$dev/driver_override"; fi
	echo "$1" >/sys/bus/pci/drivers_probe
	udevadm settle
}

@test "live: groups shows exactly /sys/kernel/iommu_groups" {
	has_groups || skip "no IOMMU in this boot"
	run vfioctl --json groups
	assert_success
	assert_equal "$(partition_of_groups <<<"$output")" "$(partition_of_sysfs)"
}

@test "live: --predict gives the partition the kernel made" {
	has_groups || skip "no IOMMU in this boot"
	run vfioctl --json groups --predict
	assert_success
	assert_equal "$(partition_of_groups <<<"$output")" "$(partition_of_sysfs)"
	run vfioctl --json groups --explain
	assert_equal "$(jq '[.groups[] | select(.model_agrees == false)] | length' <<<"$output")" 0
}

@test "live without IOMMU: --predict gives the partition of the IOMMU boot (fixture truth)" {
	has_groups && skip "IOMMU on in this boot"
	topo=${BOOT%%-*} # bridge-noiommu, bridge-iommu-off: the bridge boot's truth
	[ -f "$REPO/tests/fixtures/$topo/truth.json" ] || skip "no fixture for $topo"
	run vfioctl --json groups --predict
	assert_success
	assert_equal "$(partition_of_groups <<<"$output")" \
		"$(jq -r '.groups | [.[] | sort | join(" ")] | sort | .[]' "$REPO/tests/fixtures/$topo/truth.json")"
}

@test "live switch: check before and after binding the NIC+audio endpoint to vfio-pci" {
	[[ $BOOT == boot ]] && skip "boot: the endpoint is on vfio-pci from boot (boot.bats)"
	has_groups || skip "no IOMMU in this boot"
	audio=$(pci_by_id 8086 293e) || skip "no ich9 audio in this topology"
	nic=${audio%.1}.0
	run vfioctl check "$nic"
	assert_equal "$status" 1
	modprobe vfio-pci
	sysfs_rebind "$nic" vfio-pci
	sysfs_rebind "$audio" vfio-pci
	run vfioctl --json check "$nic"
	assert_success
	assert_equal "$(jq .groups[0].viable <<<"$output")" true
	assert_equal "$(jq .groups[0].kernel_viable <<<"$output")" true
	group=$(jq .groups[0].id <<<"$output")

	# A process holding the group open is what a running VM looks like.
	sleep 30 </dev/vfio/"$group" &
	holder=$!
	sleep 1
	run vfioctl --json check "$nic"
	kill "$holder"
	wait "$holder" || true
	assert_equal "$(jq .groups[0].in_use <<<"$output")" true

	sysfs_rebind "$nic" ""
	sysfs_rebind "$audio" ""
	run vfioctl --json check "$nic"
	assert_equal "$status" 1
	assert_equal "$(jq -r '[.groups[0].devices[].driver] | join(" ")' <<<"$output")" "e1000e snd_hda_intel"
}

@test "live: check with only one function bound is not viable, and the kernel agrees" {
	[[ $BOOT == boot ]] && skip "boot: the endpoint is on vfio-pci from boot (boot.bats)"
	has_groups || skip "no IOMMU in this boot"
	audio=$(pci_by_id 8086 293e) || skip "no ich9 audio in this topology"
	nic=${audio%.1}.0
	modprobe vfio-pci
	sysfs_rebind "$nic" vfio-pci
	run vfioctl --json check "$nic"
	sysfs_rebind "$nic" ""
	assert_equal "$status" 1
	assert_equal "$(jq .groups[0].viable <<<"$output")" false
	assert_equal "$(jq .groups[0].kernel_viable <<<"$output")" false
}
