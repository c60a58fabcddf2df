#!/usr/bin/env bats
# list/show/snapshot against the live kernel.
load helpers

setup() {
	[ "$EUID" = 0 ] || skip "VM tier runs as root"
}

@test "live: list --json has exactly the kernel's devices, drivers and groups" {
	run vfioctl --json list
	assert_success
	got=$(jq -S '[.devices[] | {address, driver, iommu_group, physfn}]' <<<"$output")
	want=$(truth | jq -S '.devices')
	assert_equal "$got" "$want"
}

@test "live: every group in /sys/kernel/iommu_groups is reported" {
	run vfioctl --json list
	assert_success
	got=$(jq -c '[.devices[] | select(.iommu_group != null) | .iommu_group] | unique' <<<"$output")
	want=$(ls /sys/kernel/iommu_groups 2>/dev/null | sort -n | jq -R -s -c 'split("\n") | map(select(length>0) | tonumber)')
	assert_equal "$got" "$want"
}

@test "live: show reads PCIe port types and ACS as root" {
	run vfioctl --json list
	for a in $(jq -r '.devices[] | select(.class | startswith("0604")) | .address' <<<"$output"); do
		run vfioctl --json show "$a"
		assert_success
		assert_equal "$(jq -r .device.config.access <<<"$output" | grep -c -E '^(extended|standard)$')" 1
	done
}

@test "live: show by interface name equals show by address" {
	ifname=$(ls /sys/class/net | grep -v '^lo$' | head -n1)
	[ -n "$ifname" ] || skip "no network interface"
	addr=$(basename "$(readlink -f "/sys/class/net/$ifname/device")")
	run vfioctl --json show "$ifname"
	assert_success
	a=$output
	run vfioctl --json show "$addr"
	assert_equal "$output" "$a"
	run vfioctl --json show "${addr#0000:}"
	assert_equal "$output" "$a"
}

@test "live: a snapshot read back with --sysroot lists the same" {
	run vfioctl snapshot -o "$BATS_TEST_TMPDIR/s.tar.gz"
	assert_success
	mkdir "$BATS_TEST_TMPDIR/root"
	tar -C "$BATS_TEST_TMPDIR/root" -xzf "$BATS_TEST_TMPDIR/s.tar.gz"
	live=$(vfioctl --json list)
	snap=$(vfioctl --sysroot "$BATS_TEST_TMPDIR/root" --json list)
	assert_equal "$snap" "$live"
	# every device's show, compared as one stream: two jq runs, not two per device
	for a in $(jq -r '.devices[].address' <<<"$live"); do
		vfioctl --sysroot "$BATS_TEST_TMPDIR/root" --json show "$a" >>"$BATS_TEST_TMPDIR/snap.json"
		vfioctl --json show "$a" >>"$BATS_TEST_TMPDIR/live.json"
	done
	assert_equal "$(jq -S 'del(.device.sysfs_path)' "$BATS_TEST_TMPDIR/snap.json")" \
		"$(jq -S 'del(.device.sysfs_path)' "$BATS_TEST_TMPDIR/live.json")"
}

@test "live: snapshot as non-root says what only root can read" {
	run su nobody -s /bin/sh -c "cd /tmp && '$VFIOCTL' snapshot -o /tmp/user-snap.tar.gz"
	assert_success
	assert_output --partial "not root"
}

@test "live: SR-IOV PFs report totalvfs like sysfs" {
	for d in /sys/bus/pci/devices/*; do
		[ -f "$d/sriov_totalvfs" ] || continue
		a=$(basename "$d")
		run vfioctl --json show "$a"
		assert_success
		assert_equal "$(jq .device.sriov.totalvfs <<<"$output")" "$(cat "$d/sriov_totalvfs")"
		assert_equal "$(jq -r .device.sriov_role <<<"$output")" pf
	done
}

@test "live sriov: VFs created through sysfs are listed as VFs of their PF" {
	[[ $BOOT == boot ]] && skip "boot: the PF has VFs from boot (boot.bats)"
	pf=$(pci_by_id 8086 10c9) || skip "no igb PF in this topology"
	echo 2 >"/sys/bus/pci/devices/$pf/sriov_numvfs"
	udevadm settle
	run vfioctl --json list
	echo 0 >"/sys/bus/pci/devices/$pf/sriov_numvfs"
	assert_success
	assert_equal "$(jq --arg pf "$pf" '[.devices[] | select(.physfn == $pf)] | length' <<<"$output")" 2
	assert_equal "$(jq --arg pf "$pf" '[.devices[] | select(.physfn == $pf) | .vf_index] | sort' <<<"$output" | jq -c .)" "[0,1]"
	assert_equal "$(jq --arg pf "$pf" '.devices[] | select(.address == $pf) | .sriov.numvfs' <<<"$output")" 2
}
