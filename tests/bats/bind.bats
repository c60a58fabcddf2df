#!/usr/bin/env bats
# bind/unbind/restore plans over snapshots of real kernels. A snapshot is not
# a host: only --dry-run runs on it (the real batches are tested in the VM
# tier, tests/vm/suites/bind.bats).
load helpers

# The multifunction "GPU + audio" endpoint of the switch topology.
setup() {
	use_fixture switch
	AUDIO=$(vf --json list | jq -r '.devices[] | select(.device == "293e") | .address')
	NIC=${AUDIO%.1}.0
}

@test "switch: bind --dry-run expands to the whole IOMMU group (text)" {
	run --separate-stderr vf bind --dry-run "$NIC"
	assert_success
	assert_golden switch/bind-dry-run.txt
}

@test "switch: bind --dry-run --json: one planned result per device" {
	run --separate-stderr vf --json bind --dry-run "$NIC"
	assert_success
	assert_golden switch/bind-dry-run.json
	assert_equal "$(jq -r '[.devices[] | .address + ":" + .status + ":" + (.requested|tostring)] | join(" ")' <<<"$output")" \
		"$NIC:planned:true $AUDIO:planned:false"
}

@test "switch: bind --only plans one function and warns that the group is not viable" {
	run --separate-stderr vf bind --dry-run --only "$NIC"
	assert_success
	assert_equal "$(grep -c "$AUDIO" <<<"$output")" 0
	[[ $stderr == *"not viable for a VM while $AUDIO (snd_hda_intel) stays"* ]]
}

@test "switch: a device named twice or by its group partner is planned once" {
	run --separate-stderr vf --json bind --dry-run "$NIC" "$AUDIO" "$NIC"
	assert_success
	assert_equal "$(jq '.devices | length' <<<"$output")" 2
	# named after it came in as a group-mate: still requested
	lone=$(vf --json list | jq -r --arg n "$NIC" '[.devices[] | select(.device == "10d3" and .address != $n)][0].address')
	run --separate-stderr vf --json bind --dry-run "$NIC" "$lone" "$AUDIO"
	assert_success
	assert_equal "$(jq -r '[.devices[] | .address + ":" + (.requested|tostring)] | join(" ")' <<<"$output")" \
		"$NIC:true $AUDIO:true $lone:true"
}

@test "switch: unbind --dry-run plans the whole group driverless with override none" {
	run --separate-stderr vf --json unbind --dry-run "$NIC"
	assert_success
	assert_equal "$(jq -c '.devices[0].after' <<<"$output")" '{"driver":null,"override":"none"}'
	assert_equal "$(jq -r .operation <<<"$output")" unbind
	assert_equal "$(jq -r '[.devices[] | .address + ":" + .status + ":" + (.requested|tostring) + ":" + .after.override] | join(" ")' <<<"$output")" \
		"$NIC:planned:true:none $AUDIO:planned:false:none"
}

@test "switch: unbind --only plans one function and warns that the group is not viable" {
	run --separate-stderr vf --json unbind --dry-run --only "$NIC"
	assert_success
	assert_equal "$(jq -r '[.devices[].address] | join(" ")' <<<"$output")" "$NIC"
	[[ $stderr == *"not viable for a VM while $AUDIO (snd_hda_intel) stays"* ]]
}

# A private copy of the snapshot as bind leaves it: NIC and AUDIO on vfio-pci
# with the override, their original drivers in the journal, and LONE too
# (another group).
moved_copy() {
	local a
	root=$BATS_TEST_TMPDIR/root
	cp -a "$SYSROOT" "$root"
	mkdir -p "$root/sys/bus/pci/drivers/vfio-pci" "$root/run/vfioctl"
	for a in "$NIC" "$AUDIO" "$LONE"; do
		a=$(cd -P "$root/sys/bus/pci/devices/$a" && pwd)
		ln -sfn ../../../../bus/pci/drivers/vfio-pci "$a/driver"
		echo vfio-pci >"$a/driver_override"
	done
	printf '{"version":1,"devices":{%s}}\n' "$(printf '"%s":{"driver":"%s","override":null,"to":"vfio-pci"},' \
		"$NIC" e1000e "$AUDIO" snd_hda_intel "$LONE" e1000e | sed 's/,$//')" >"$root/run/vfioctl/journal.json"
}

@test "switch: restore DEVICE plans the group-mates vfioctl moved, not other groups (text)" {
	LONE=$(vf --json list | jq -r --arg n "$NIC" '[.devices[] | select(.device == "10d3" and .address != $n)][0].address')
	moved_copy
	run --separate-stderr "$VFIOCTL" --sysroot "$root" restore --dry-run "$NIC"
	assert_success
	assert_golden switch/restore-dry-run.txt
	run --separate-stderr "$VFIOCTL" --sysroot "$root" --json restore --dry-run "$AUDIO"
	assert_success
	assert_equal "$(jq -r '[.devices[] | .address + ":" + (.requested|tostring) + ":" + .before.driver + ">" + .after.driver] | join(" ")' <<<"$output")" \
		"$AUDIO:true:vfio-pci>snd_hda_intel $NIC:false:vfio-pci>e1000e"
}

@test "switch: restore --only plans the named function and warns that its group-mate stays moved" {
	LONE=$(vf --json list | jq -r --arg n "$NIC" '[.devices[] | select(.device == "10d3" and .address != $n)][0].address')
	moved_copy
	run --separate-stderr "$VFIOCTL" --sysroot "$root" --json restore --dry-run --only "$NIC"
	assert_success
	assert_equal "$(jq -r '[.devices[] | .address + ":" + .after.driver] | join(" ")' <<<"$output")" "$NIC:e1000e"
	[[ $stderr == *"not viable for a VM, and $AUDIO (vfio-pci) stays moved"* ]]
	# without a DEVICE there is nothing to restrict
	run "$VFIOCTL" --sysroot "$root" restore --dry-run --only
	assert_failure 2
}

@test "switch: a device that vfioctl did not move leaves its group-mates alone" {
	run --separate-stderr vf --json restore --dry-run "$NIC"
	assert_success
	assert_equal "$(jq -r '[.devices[] | .address + ":" + .status] | join(" ")' <<<"$output")" "$NIC:unchanged"
}

@test "restore --dry-run with an empty journal: nothing to do" {
	run vf restore --dry-run
	assert_success
	assert_output --partial "Nothing to do."
}

@test "restore --dry-run reads the journal of a private copy of the snapshot" {
	root=$BATS_TEST_TMPDIR/root
	cp -a "$SYSROOT" "$root"
	mkdir -p "$root/run/vfioctl"
	# what bind writes: the original driver of a device it moved
	printf '{"version":1,"devices":{"%s":{"driver":"e1000e","override":null,"to":"vfio-pci"}}}\n' \
		"$AUDIO" >"$root/run/vfioctl/journal.json"
	run --separate-stderr "$VFIOCTL" --sysroot "$root" --json restore --dry-run
	assert_success
	assert_equal "$(jq -r '.devices[] | .address + " " + .after.driver' <<<"$output")" "$AUDIO e1000e"
}

@test "bind refuses to touch a bridge (exit 2)" {
	bridge=$(vf --json list | jq -r '[.devices[] | select(.class | startswith("0604"))][0].address')
	run vf bind --dry-run "$bridge"
	assert_failure 2
	assert_output --partial "never rebinds bridges"
}

@test "bind without --dry-run on a snapshot: exit 2, nothing written" {
	run vf bind "$NIC"
	assert_failure 2
	assert_output --partial "only --dry-run works on it"
	[ ! -e "$SYSROOT/run/vfioctl" ]
}

@test "bad input: no device, unknown device, malformed driver name (exit 2)" {
	run vf bind --dry-run
	assert_failure 2
	run vf bind --dry-run 0000:42:00.0
	assert_failure 2
	run vf bind --dry-run --driver ../../x "$NIC"
	assert_failure 2
	assert_output --partial "not a valid driver name"
}

@test "bridge-noiommu: binding to vfio-pci without an IOMMU group is refused (exit 3)" {
	use_fixture bridge-noiommu
	ep=$(vf --json list | jq -r '[.devices[] | select(.driver == "e1000")][0].address')
	run vf bind --dry-run "$ep"
	assert_failure 3
	assert_output --partial "has no IOMMU group"
	run vf bind --dry-run --force "$ep"
	assert_success
}

@test "sriov-vfs: bind reads only the named devices and their groups, and plans what list shows" {
	use_fixture sriov-vfs
	mapfile -t vfs < <(vf --json list | jq -r '.devices[] | select(.sriov_role == "vf") | .address')
	[ "${#vfs[@]}" -gt 2 ]
	out=$(vf --json bind --dry-run --only "${vfs[@]}" 2>/dev/null)
	# every VF once, with the driver and group the whole-bus scan of list reports
	assert_equal "$(jq -c '[.devices[] | {address, group, driver: .before.driver}]' <<<"$out")" \
		"$(vf --json list "${vfs[@]}" | jq -c '[.devices[] | {address, group: .iommu_group, driver}]')"
	# a short address and the full one name the same device
	out=$(vf --json bind --dry-run "${vfs[0]#0000:}" 2>/dev/null)
	assert_equal "$(jq -r '.devices[0].address' <<<"$out")" "${vfs[0]}"
}
