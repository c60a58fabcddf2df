#!/usr/bin/env bats
# The configuration, status and apply --dry-run over snapshots of real kernels.
# Config files are the user's input: written into a private copy of the
# fixture (under $SYSROOT/etc) or into the test's temp dir.
load helpers

setup() {
	rm -rf "$BATS_FILE_TMPDIR"/fixture-*/etc
}

# Write $SYSROOT/etc/vfioctl.conf (stdin).
conf() {
	mkdir -p "$SYSROOT/etc"
	cat >"$SYSROOT/etc/vfioctl.conf"
}

# Paths of the temp dirs differ per run: name them in goldens.
sanitize() {
	output=${output//$SYSROOT/SYSROOT}
	output=${output//$BATS_TEST_TMPDIR/TMP}
}

@test "status: no configuration is nothing to compare, exit 0" {
	use_fixture switch
	run --separate-stderr vf status
	assert_success
	assert_output --partial "No configuration"
	run --separate-stderr vf --json status
	assert_success
	assert_equal "$(jq -c '[.files, .in_sync, .checks, .differences]' <<<"$output")" '[[],true,[],[]]'
}

@test "status switch: a [device] covers its group's other endpoint; drift exits 1 (golden)" {
	use_fixture switch
	conf <<-'EOF'
		[device 05:00.0]   # NIC + audio
		driver = vfio-pci
	EOF
	run --separate-stderr vf status
	assert_equal "$status" 1
	sanitize
	assert_golden switch/status-drift.txt
	run --separate-stderr vf --json status
	assert_equal "$status" 1
	sanitize
	assert_golden switch/status-drift.json
	assert_equal "$(jq -r '[.checks[] | .address + "=" + .have] | join(" ")' <<<"$output")" \
		"0000:05:00.0=e1000e 0000:05:00.1=snd_hda_intel"
	assert_equal "$(jq '.differences | length' <<<"$output")" 2
}

@test "status switch: the host's own drivers as configuration are in sync, exit 0" {
	use_fixture switch
	conf <<-'EOF'
		[device 0000:03:00.0]
		driver = e1000e
	EOF
	run --separate-stderr vf status
	assert_success
	assert_output --partial "In sync: 1 check."
}

@test "status sriov-vfs: VF count, autoprobe, VF drivers; VF attributes unknown in a snapshot (golden)" {
	use_fixture sriov-vfs
	conf <<-'EOF'
		[pf 0000:01:00.0]
		vfs = 3
		vf-driver = vfio-pci
		vf.0.mac = 02:00:00:00:00:10
		vf.0.vlan = 100
		vf.2.trust = on
		[pf 0000:02:00.0]
		vfs = 2
	EOF
	run --separate-stderr vf status
	assert_equal "$status" 1
	sanitize
	assert_golden sriov-vfs/status.txt
	run --separate-stderr vf --json status
	assert_equal "$status" 1
	sanitize
	assert_golden sriov-vfs/status.json
	assert_equal "$(jq -r '.checks[] | select(.key == "mac") | .ok' <<<"$output")" null
	assert_equal "$(jq -r '.notes[0]' <<<"$output")" \
		"VF attributes (mac, vlan, qos, trust, spoofchk, state) are not in a snapshot: not compared"
	assert_equal "$(jq -r '.checks[] | select(.address == "0000:02:00.0") | .have' <<<"$output")" 0
}

@test "status reads /etc/vfioctl.conf, then /etc/vfioctl.d/*.conf in name order" {
	use_fixture sriov-vfs
	mkdir -p "$SYSROOT/etc/vfioctl.d"
	printf '[pf 01:00.0]\nvfs = 3\n' | conf
	printf '[device 0000:02:00.0]\ndriver = nvme\n' >"$SYSROOT/etc/vfioctl.d/20-nvme.conf"
	printf '[device 0000:00:10.0]\ndriver = virtio-pci\n' >"$SYSROOT/etc/vfioctl.d/10-virtio.conf"
	printf 'garbage\n' >"$SYSROOT/etc/vfioctl.d/30-off.conf.disabled"
	run --separate-stderr vf --json status
	assert_success
	sanitize
	assert_equal "$(jq -c .files <<<"$output")" \
		'["SYSROOT/etc/vfioctl.conf","SYSROOT/etc/vfioctl.d/10-virtio.conf","SYSROOT/etc/vfioctl.d/20-nvme.conf"]'
	assert_equal "$(jq -r '[.checks[] | .source] | unique | join(" ")' <<<"$output")" \
		"SYSROOT/etc/vfioctl.conf:1 SYSROOT/etc/vfioctl.d/10-virtio.conf:1 SYSROOT/etc/vfioctl.d/20-nvme.conf:1"
}

@test "invalid configuration: every error as FILE:LINE: key: why, exit 2, nothing printed on stdout" {
	use_fixture switch
	conf <<-'EOF'
		[device 0000:05:00.0]
		driver = vfio-pci
		colour = blue
		[pf 0000:01:00.0]
		vfs = 2
		vf.0.mac = ff:ff:ff:ff:ff:ff
		vf.5.vlan = 1
	EOF
	for cmd in status "apply --dry-run"; do
		run --separate-stderr vf $cmd
		assert_equal "$status" 2
		assert_equal "$output" ""
		stderr=${stderr//$SYSROOT/SYSROOT}
		[[ "$stderr" == *"vfioctl: SYSROOT/etc/vfioctl.conf:3: colour: unknown key in a [device] section (driver)"* ]]
		[[ "$stderr" == *"vfioctl: SYSROOT/etc/vfioctl.conf:6: vf.0.mac: 'ff:ff:ff:ff:ff:ff' is not a unicast, non-zero MAC address"* ]]
		[[ "$stderr" == *"vfioctl: SYSROOT/etc/vfioctl.conf:7: vf.5: no such VF: vfs = 2 (VFs 0 to 1)"* ]]
	done
	run --separate-stderr vf apply --dry-run
	[[ "$stderr" == *"apply: invalid configuration: nothing was changed"* ]]
}

@test "apply --early: only on the live host, never with --dry-run or --force" {
	use_fixture switch
	printf '[device 0000:05:00.0]\ndriver = vfio-pci\n' | conf
	run --separate-stderr vf apply --early
	assert_equal "$status" 2
	[[ "$stderr" == *"apply --early: --sysroot is a snapshot, not a host"* ]]
	for opt in --dry-run --force; do
		run --separate-stderr vf apply --early $opt
		assert_equal "$status" 2
		[[ "$stderr" == *"apply: --early takes neither --dry-run nor --force"* ]]
	done
	# nothing written next to the snapshot
	[ ! -e "$SYSROOT/run/vfioctl/early.json" ]
}

@test "--config FILE: only that file; a missing one is an error" {
	use_fixture switch
	printf '[device 0000:05:00.0]\ndriver = vfio-pci\n' | conf
	printf '[device 0000:03:00.0]\ndriver = e1000e\n' >"$BATS_TEST_TMPDIR/only.conf"
	run --separate-stderr vf --json status --config "$BATS_TEST_TMPDIR/only.conf"
	assert_success
	sanitize
	assert_equal "$(jq -c .files <<<"$output")" '["TMP/only.conf"]'
	run --separate-stderr vf status --config "$BATS_TEST_TMPDIR/missing.conf"
	assert_equal "$status" 2
	[[ "$stderr" == *"missing.conf: No such file or directory"* ]]
}

@test "apply --dry-run switch: the whole group to vfio-pci, modules first (golden)" {
	use_fixture switch
	printf '[device 05:00.0]\ndriver = vfio-pci\n' | conf
	run --separate-stderr vf apply --dry-run
	assert_success
	sanitize
	assert_golden switch/apply-dry-run.txt
	run --separate-stderr vf --json apply --dry-run
	assert_success
	sanitize
	assert_golden switch/apply-dry-run.json
	assert_equal "$(jq -r '[.items[] | .step + ":" + .target + ":" + .status] | join(" ")' <<<"$output")" \
		"module:vfio-pci:planned bind:0000:05:00.0:planned bind:0000:05:00.1:planned"
	assert_equal "$(jq -r '[.status, .changed, .dry_run] | join(" ")' <<<"$output")" "planned false true"
}

@test "apply --dry-run sriov-vfs: PF resize and VF binds planned; what is right is unchanged" {
	use_fixture sriov-vfs
	conf <<-'EOF'
		[pf 0000:01:00.0]
		vfs = 3
		vf-driver = vfio-pci
		vf.1.mac = 02:00:00:00:00:11
		[device 0000:02:00.0]   # already on nvme, without driver_override
		driver = nvme
	EOF
	run --separate-stderr vf --json apply --dry-run
	assert_success
	assert_equal "$(jq -r '[.items[] | .step + ":" + .target + ":" + .status] | join(" ")' <<<"$output")" \
		"module:vfio-pci:planned module:nvme:unchanged pf:0000:01:00.0:planned vf:0000:01:00.0:planned bind:0000:01:10.0:planned bind:0000:01:10.2:planned bind:0000:01:10.4:planned bind:0000:02:00.0:planned"
	# on its driver already: only driver_override is to be set
	assert_equal "$(jq -c '.items[-1] | [.before, .after]' <<<"$output")" \
		'[{"driver":"nvme","override":null},{"driver":"nvme","override":"nvme"}]'
	# the count is right; only autoprobe changes
	assert_equal "$(jq -c '.items[] | select(.step == "pf") | [.before, .after]' <<<"$output")" \
		'[{"numvfs":3,"autoprobe":1},{"numvfs":3,"autoprobe":0}]'
	assert_equal "$(jq -r '.items[] | select(.step == "pf") | .sriov.status' <<<"$output")" planned
}

@test "apply: a configuration that does not fit the host changes nothing, exit 2" {
	use_fixture sriov-vfs
	printf '[pf 0000:01:00.0]\nvfs = 8\n' | conf
	run --separate-stderr vf apply --dry-run
	assert_equal "$status" 2
	[[ "$stderr" == *"vfs = 8, but the device supports 7"* ]]
	printf '[pf 0000:02:00.0]\nvfs = 1\n[pf 0000:00:1f.2]\nvfs = 1\n[device 0000:09:00.0]\ndriver = vfio-pci\n' | conf
	run --separate-stderr vf apply --dry-run
	assert_equal "$status" 2
	[[ "$stderr" == *"[pf 0000:00:1f.2]: not an SR-IOV PF"* ]]
	printf '[device 0000:09:00.0]\ndriver = vfio-pci\n' | conf
	run --separate-stderr vf apply --dry-run
	assert_equal "$status" 2
	[[ "$stderr" == *"[device 0000:09:00.0]: no such PCI device"* ]]
	[[ "$stderr" == *"nothing was changed"* ]]
}

@test "apply and udev-add change nothing on a snapshot; only --dry-run works there" {
	use_fixture switch
	printf '[device 05:00.0]\ndriver = vfio-pci\n' | conf
	run --separate-stderr vf apply
	assert_equal "$status" 2
	[[ "$stderr" == *"only --dry-run works on it"* ]]
	run --separate-stderr vf udev-add 0000:05:00.0
	assert_equal "$status" 2
	run --separate-stderr vf udev-add 05:00.0
	assert_equal "$status" 2
	[ ! -e "$SYSROOT/run/vfioctl" ]
}

@test "udev-add is not listed in --help (the udev rule's helper)" {
	run vfioctl --help
	assert_success
	refute_output --partial udev-add
	assert_output --partial "  apply "
	assert_output --partial "  status "
}

@test "bind --persist: refused with --only; a dry run writes nothing" {
	use_fixture switch
	run --separate-stderr vf bind --persist --only --dry-run 05:00.0
	assert_equal "$status" 2
	[[ "$stderr" == *"--persist records whole groups"* ]]
	run --separate-stderr vf bind --persist --dry-run 05:00.0
	assert_success
	[ ! -e "$SYSROOT/etc/vfioctl.d/vfioctl-persist.conf" ]
}

@test "bind --persist: refused before any change when the configuration is invalid" {
	use_fixture switch
	printf '[device 0000:05:00.0]\n' | conf
	run --separate-stderr vf bind --persist --dry-run 05:00.0
	assert_equal "$status" 2
	[[ "$stderr" == *"driver: missing"* ]]
	[[ "$stderr" == *"--persist: fix the configuration first"* ]]
}

@test "apply --dry-run: a [device] that may be a VF still to be created is a warning, not an error" {
	use_fixture sriov-vfs
	printf '[pf 0000:02:00.0]\nvfs = 2\nvf-driver = vfio-pci\n[device 0000:02:00.1]\ndriver = vfio-pci\n' | conf
	run --separate-stderr vf --json apply --dry-run
	assert_success
	[[ "$stderr" == *"0000:02:00.1: not on the bus yet (a VF the VF count creates?): not planned"* ]]
	assert_equal "$(jq -r '.items[] | select(.step == "pf") | .status' <<<"$output")" planned
}
