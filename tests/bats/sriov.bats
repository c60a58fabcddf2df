#!/usr/bin/env bats
# sriov show/set/vf over snapshots of real kernels (fixtures sriov: igb PF with
# no VFs and an NVMe PF; sriov-vfs: the igb PF with 3 VFs on igbvf): goldens
# for show and for dry-run plans, and bad input that must exit 2.
load helpers

@test "sriov --help lists the subcommands; each has --help" {
	run vfioctl sriov --help
	assert_success
	assert_line --regexp '^  show '
	assert_line --regexp '^  set '
	assert_line --regexp '^  vf '
	for s in show set vf; do
		run vfioctl sriov "$s" --help
		assert_success
		assert_line --index 0 --partial "Usage: vfioctl sriov $s"
	done
	run vfioctl sriov
	assert_failure 2
	run vfioctl sriov frobnicate
	assert_failure 2
}

@test "sriov: show golden (text and JSON)" {
	use_fixture sriov
	run vf sriov show
	assert_success
	assert_golden sriov/sriov-show.txt
	run vf --json sriov show
	assert_success
	assert_golden sriov/sriov-show.json
}

@test "sriov-vfs: show golden; VF attributes unknown in a snapshot" {
	use_fixture sriov-vfs
	run vf sriov show
	assert_success
	assert_golden sriov-vfs/sriov-show.txt
	run vf --json sriov show
	assert_success
	assert_golden sriov-vfs/sriov-show.json
	assert_equal "$(jq -r .netlink <<<"$output")" false
	assert_equal "$(jq -c '[.pfs[0].vfs[] | [.index, .driver, .mac]]' <<<"$output")" \
		'[[0,"igbvf",null],[1,"igbvf",null],[2,"igbvf",null]]'
}

@test "sriov-vfs: show PF by interface name equals by address; a VF or a non-PF is refused" {
	use_fixture sriov-vfs
	run vf --json sriov show enp1s0
	assert_success
	by_name=$output
	run vf --json sriov show 01:00.0
	assert_success
	assert_equal "$output" "$by_name"
	assert_equal "$(jq -r '.pfs | length' <<<"$output")" 1
	run vf sriov show 0000:01:10.2
	assert_failure 2
	assert_output --partial "VF 1 of 0000:01:00.0"
	run vf sriov show 00:1c.0
	assert_failure 2
	assert_output --partial "not an SR-IOV physical function"
	run vf sriov show nosuchif0
	assert_failure 2
}

@test "sriov-vfs: set dry-run plans (resize through 0, --bind with autoprobe off) golden" {
	use_fixture sriov-vfs
	run vf sriov set enp1s0 --vfs 5 --bind vfio-pci --dry-run
	assert_success
	assert_golden sriov-vfs/sriov-set-bind.txt
	run --separate-stderr vf --json sriov set enp1s0 --vfs 5 --bind vfio-pci --dry-run
	assert_success
	assert_golden sriov-vfs/sriov-set-bind.json
	run vf sriov set 0000:01:00.0 --vfs 0 --dry-run
	assert_success
	assert_golden sriov-vfs/sriov-set-0.txt
}

@test "sriov-vfs: same count with --bind plans a bind of the existing VFs; same count alone is nothing to do" {
	use_fixture sriov-vfs
	run --separate-stderr vf --json sriov set enp1s0 --vfs 3 --bind vfio-pci -n
	assert_success
	assert_equal "$(jq -r '[.steps[] | .action] | join(" ")' <<<"$output")" bind
	assert_equal "$(jq -r '.steps[0].devices | join(" ")' <<<"$output")" \
		"0000:01:10.0 0000:01:10.2 0000:01:10.4"
	assert_equal "$(jq -r '[.bind_result.devices[] | "\(.before.driver)>\(.after.driver)"] | unique | join(" ")' <<<"$output")" \
		"igbvf>vfio-pci"
	run vf sriov set enp1s0 --vfs 3 -n
	assert_success
	assert_output --partial "nothing to do"
}

@test "sriov: NVMe PF dry run (no interface); --autoprobe no without --bind" {
	use_fixture sriov
	run vf sriov set 0000:02:00.0 --vfs 2 --bind vfio-pci -n
	assert_success
	assert_golden sriov/sriov-set-nvme.txt
	run --separate-stderr vf --json sriov set 0000:02:00.0 --vfs 4 --autoprobe no -n
	assert_success
	assert_equal "$(jq -r '[.steps[] | "\(.attribute)=\(.value)"] | join(" ")' <<<"$output")" \
		"sriov_drivers_autoprobe=0 sriov_numvfs=4"
	assert_equal "$(jq -r '"\(.drivers_autoprobe_before) \(.drivers_autoprobe_after)"' <<<"$output")" "true false"
}

@test "sriov set: bad input exits 2 before any plan" {
	use_fixture sriov
	# two PFs on this host: one must be named
	run vf sriov set --vfs 2 -n
	assert_failure 2
	assert_output --partial "2 SR-IOV physical functions"
	assert_output --partial "0000:01:00.0  enp1s0  igb  0/7 VFs"
	run vf sriov set enp1s0 --vfs 8 -n
	assert_failure 2
	assert_output --partial "supports 0-7"
	run vf sriov set enp1s0 -n
	assert_failure 2
	assert_output --partial "--vfs N is required"
	run vf sriov set enp1s0 --vfs -1 -n
	assert_failure 2
	run vf sriov set enp1s0 --vfs two -n
	assert_failure 2
	run vf sriov set enp1s0 --vfs 0 --bind vfio-pci -n
	assert_failure 2
	run vf sriov set enp1s0 --vfs 2 --bind ../x -n
	assert_failure 2
	run vf sriov set enp1s0 --vfs 2 --autoprobe maybe -n
	assert_failure 2
	run vf sriov set enp1s0 --vfs 2 --timeout 0 -n
	assert_failure 2
}

@test "sriov set/vf: a snapshot is never written (only --dry-run works)" {
	use_fixture sriov-vfs
	run vf sriov set enp1s0 --vfs 4
	assert_failure 2
	assert_output --partial "only --dry-run works"
	run vf sriov vf enp1s0 0 --trust on
	assert_failure 2
	assert_output --partial "only --dry-run works"
}

@test "sriov vf: bad input exits 2 (multicast or zero MAC, VLAN, QoS, VF out of range, no interface)" {
	use_fixture sriov-vfs
	run vf sriov vf enp1s0 0 --mac 01:00:5e:00:00:01 -n
	assert_failure 2
	assert_output --partial "multicast"
	run vf sriov vf enp1s0 0 --mac 00:00:00:00:00:00 -n
	assert_failure 2
	run vf sriov vf enp1s0 0 --mac 02:00:00:00:00 -n
	assert_failure 2
	run vf sriov vf enp1s0 0 --vlan 4096 -n
	assert_failure 2
	run vf sriov vf enp1s0 0 --qos 3 -n
	assert_failure 2
	assert_output --partial "with a VLAN"
	run vf sriov vf enp1s0 0 --vlan 5 --qos 8 -n
	assert_failure 2
	run vf sriov vf enp1s0 0 --trust maybe -n
	assert_failure 2
	run vf sriov vf enp1s0 0 --state up -n
	assert_failure 2
	run vf sriov vf enp1s0 3 --trust on -n
	assert_failure 2
	assert_output --partial "no VF 3: 3 VFs enabled"
	run vf sriov vf enp1s0 0000:02:00.0 --trust on -n
	assert_failure 2
	run vf sriov vf enp1s0 -n
	assert_failure 2
	run vf sriov vf 0000:02:00.0 0 --trust on -n
	assert_failure 2
	assert_output --partial "no VFs enabled"
}

@test "sriov vf: dry run by VF number or VF address prints the plan" {
	use_fixture sriov-vfs
	run vf sriov vf enp1s0 0000:01:10.2 --mac 02:11:22:33:44:55 --vlan 10 --qos 3 --trust on --spoofchk off --state enable -n
	assert_success
	assert_golden sriov-vfs/sriov-vf.txt
	run vf --json sriov vf 01:00.0 1 --mac 02:11:22:33:44:55 --vlan 10 --qos 3 --trust on --spoofchk off --state enable -n
	assert_success
	assert_golden sriov-vfs/sriov-vf.json
}
