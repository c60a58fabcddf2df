#!/usr/bin/env bats
# Broken sysfs and bad input: vfioctl names what is broken and never reports
# it as fine. Each test corrupts a private copy of a real kernel's snapshot
# (copy_fixture), never the fixture itself.
load helpers

# A private, writable copy of fixture $1 in this test's temp dir; sets SYSROOT.
copy_fixture() {
	SYSROOT=$BATS_TEST_TMPDIR/$1
	mkdir -p "$SYSROOT"
	tar -C "$SYSROOT" -xzf "$FIXTURES/$1/snapshot.tar.gz"
}

# The sysfs directory of PCI device $1 in the copy.
devdir() {
	local link
	link=$(readlink "$SYSROOT/sys/bus/pci/devices/$1")
	echo "$SYSROOT/sys/bus/pci/devices/$link"
}

@test "a device whose sysfs directory is gone is no such device, never in group 0" {
	copy_fixture sriov-vfs
	ln -sfn ../../../devices/pci0000:00/0000:00:1c.0/gone "$SYSROOT/sys/bus/pci/devices/0000:01:00.0"
	run --separate-stderr vf check 01:00.0
	assert_equal "$status" 2
	[[ "$stderr" == *"0000:01:00.0: removed while being read: not listed"* ]]
	[[ "$stderr" == *"01:00.0: no such PCI device or network interface"* ]]
	[[ "$output" != *"viable"* ]]
	run --separate-stderr vf bind --dry-run 01:00.0
	assert_equal "$status" 2
	assert_output ""
	run --separate-stderr vf show 01:00.0
	assert_equal "$status" 2
	[[ "$output" != *"Vendor 0000"* ]]
	# nowhere listed, least of all in group 0 with the host bridge
	run --separate-stderr vf --json list
	assert_success
	assert_equal "$(jq '[.devices[] | select(.address == "0000:01:00.0")] | length' <<<"$output")" 0
	run --separate-stderr vf --json groups
	assert_success
	assert_equal "$(jq '[.groups[] | select(.id == 0) | .devices[].address]' -c <<<"$output")" '["0000:00:00.0"]'
}

@test "attributes that cannot be read are unknown (- / null), with one warning per device" {
	copy_fixture sriov-vfs
	local pf nvme
	pf=$(devdir 0000:01:00.0)
	nvme=$(devdir 0000:02:00.0)
	rm "$pf/vendor" "$pf/class"
	echo zz >"$pf/sriov_totalvfs"
	: >"$nvme/device"
	echo 0x123456 >"$(devdir 0000:01:10.0)/device"
	run --separate-stderr vf --json list
	assert_success
	assert_equal "$(jq -c '.devices[] | select(.address == "0000:01:00.0") | [.vendor, .class, .class_keyword, .vendor_name, .device_name, .sriov.totalvfs]' <<<"$output")" \
		'[null,null,null,null,null,null]'
	assert_equal "$(jq -c '.devices[] | select(.address == "0000:02:00.0") | [.vendor, .device, .device_name]' <<<"$output")" \
		'["1b36",null,null]'
	assert_equal "$(jq -c '.devices[] | select(.address == "0000:01:10.0") | .device' <<<"$output")" null
	# one warning per device, naming what could not be read
	assert_equal "$(grep -c 'warning: 0000:01:00.0: could not read vendor, class, sriov_totalvfs: shown as unknown' <<<"$stderr")" 1
	assert_equal "$(grep -c 'warning: 0000:02:00.0: could not read device: shown as unknown' <<<"$stderr")" 1
	assert_equal "$(grep -c 'warning: 0000:01:10.0: could not read device: shown as unknown' <<<"$stderr")" 1
	assert_equal "$(grep -c warning <<<"$stderr")" 3
	run --separate-stderr vf show 01:00.0
	assert_success
	assert_line --index 1 '  IDs:             -:10c9, subsystem 1af4:1100'
	assert_line --index 2 '  Class:           - (-)'
	[[ "$output" != *ffff* && "$output" != *"Illegal"* && "$output" != *000000* ]]
	run --separate-stderr vf list
	assert_line --regexp '^0000:01:00\.0  -  +-  +igb  +7  +PF 3/-$'
	# the PF whose VF count is unknown is still shown, and says so
	run --separate-stderr vf sriov show
	assert_success
	assert_line 'PF 0000:01:00.0: interface enp1s0, driver igb, 3 of - VFs, drivers_autoprobe on'
	run --separate-stderr vf --json sriov show
	assert_equal "$(jq -c '.pfs[] | select(.address == "0000:01:00.0") | .totalvfs' <<<"$output")" null
	# and nothing resizes it on a guess
	run --separate-stderr vf sriov set 01:00.0 --vfs 2 --dry-run
	assert_equal "$status" 3
	[[ "$stderr" == *"could not be read: not resizing"* ]]
}

@test "list --class: an unknown or empty keyword exits 2 and names the valid ones" {
	use_fixture sriov-vfs
	for c in bogus NET '' net,, ,net; do
		run --separate-stderr vf list --class "$c"
		assert_equal "$status" 2
		assert_output ""
		[[ "$stderr" == "vfioctl: --class $c: "*"(valid: other, storage, net, display,"* ]]
	done
	run --separate-stderr vf list --class net,storage
	assert_success
	assert_equal "${#lines[@]}" 7
}

@test "an unusable --sysroot exits 2 and names the sysroot, not the host's /sys" {
	mkdir -p "$BATS_TEST_TMPDIR/empty" "$BATS_TEST_TMPDIR/nopci/sys/bus"
	for d in empty nopci; do
		run --separate-stderr vfioctl --sysroot "$BATS_TEST_TMPDIR/$d" list
		assert_equal "$status" 2
		assert_equal "$stderr" "vfioctl: --sysroot $BATS_TEST_TMPDIR/$d: not a snapshot or root directory (it has no sys/bus/pci/devices)"
	done
	run --separate-stderr env VFIOCTL_SYSROOT="$BATS_TEST_TMPDIR/empty" "$VFIOCTL" groups
	assert_equal "$status" 2
	[[ "$stderr" == "vfioctl: VFIOCTL_SYSROOT=$BATS_TEST_TMPDIR/empty: not a snapshot"* ]]
	# an unknown command is that, whatever the sysroot
	run --separate-stderr env VFIOCTL_SYSROOT=/nonexistent/dir "$VFIOCTL" frob
	assert_equal "$status" 2
	[[ "$stderr" == "vfioctl: frob: unknown command"* ]]
}

@test "configuration: NUL and control bytes are named with FILE:LINE; comments may be long" {
	use_fixture switch
	local f=$BATS_TEST_TMPDIR/c.conf
	printf '[device 05:00.0]\ndri\0ver = vfio-pci\nx\033]0;pwned\007 = 1\n' >"$f"
	run --separate-stderr vf status --config "$f"
	assert_equal "$status" 2
	[[ "$stderr" == *"vfioctl: $f:2: NUL byte at column 4"* ]]
	[[ "$stderr" == *"vfioctl: $f:3: control character 0x1b at column 2"* ]]
	[[ "$stderr" != *$'\033'* && "$stderr" != *$'\a'* ]]
	printf '[device 05:00.0]   # %0300d\ndriver = vfio-pci   ; %0500d\n' 0 0 >"$f"
	run --separate-stderr vf status --config "$f"
	assert_equal "$status" 1 # drift: a valid configuration
	printf '[device 05:00.0]\ndriver = vfio-pci%0300d\n' 0 >"$f"
	run --separate-stderr vf status --config "$f"
	assert_equal "$status" 2
	[[ "$stderr" == *"$f:2: line too long: 317 characters before its comment (at most 198"* ]]
}

@test "untrusted bytes are escaped in every message" {
	use_fixture switch
	run --separate-stderr vf show $'05:00.0\nvfioctl: all fine'
	assert_equal "$status" 2
	assert_equal "${#stderr_lines[@]}" 1
	[[ "$stderr" == 'vfioctl: 05:00.0\nvfioctl: all fine: not a PCI address'* ]]
	run --separate-stderr vf show $'eth\033[2J0'
	assert_equal "$status" 2
	[[ "$stderr" == 'vfioctl: eth\x1b[2J0: not a PCI address'* ]]
	# a binary file as configuration: raw bytes never reach the terminal
	local f=$BATS_TEST_TMPDIR/bin.conf
	printf '[device 05:00.0]\n\xff\xfe\x9b31m = 1\nk\xc3\xa9y = 2\n' >"$f"
	run --separate-stderr vf status --config "$f"
	assert_equal "$status" 2
	[[ "$stderr" == *'\xff\xfe\x9b31m'* ]]
	[[ "$stderr" == *'kéy'* ]] # valid UTF-8 stays as it is
	! grep -q $'\xff' <<<"$stderr"
}

@test "getopt errors have the vfioctl COMMAND: form and point to --help" {
	use_fixture sriov-vfs
	run --separate-stderr vf list --frob
	assert_equal "$status" 2
	assert_equal "$stderr" "vfioctl list: unrecognized option '--frob'
Try 'vfioctl list --help'."
	run --separate-stderr vf sriov vf 01:00.0 -1 --mac 02:00:00:00:00:01
	assert_equal "$status" 2
	assert_equal "$stderr" "vfioctl sriov vf: invalid option -- '1'
Try 'vfioctl sriov vf --help'."
	run --separate-stderr vf bind --driver
	assert_equal "$status" 2
	[[ "$stderr" == "vfioctl bind: option '--driver' requires an argument"* ]]
	run --separate-stderr vf --frob list
	assert_equal "$status" 2
	[[ "$stderr" == "vfioctl: unrecognized option '--frob'"* ]]
}

@test "--json: an error is a JSON error object on stdout, with the exit code" {
	use_fixture sriov-vfs
	run --separate-stderr vf --json show 09:00.0
	assert_equal "$status" 2
	assert_equal "$(jq -c . <<<"$output")" '{"error":{"message":"09:00.0: no such PCI device or network interface","exit":2,"messages":["09:00.0: no such PCI device or network interface"]}}'
	run --separate-stderr vf list --json --frob
	assert_equal "$status" 2
	assert_equal "$(jq -r .error.message <<<"$output")" "vfioctl list: --frob: unknown option or missing argument"
	run --separate-stderr vfioctl --json --sysroot "$BATS_TEST_TMPDIR" list
	assert_equal "$status" 2
	assert_equal "$(jq .error.exit <<<"$output")" 2
	copy_fixture sriov-vfs
	echo zz >"$(devdir 0000:01:00.0)/sriov_totalvfs"
	run --separate-stderr vf --json sriov set 01:00.0 --vfs 2 --dry-run
	assert_equal "$status" 3
	assert_equal "$(jq .error.exit <<<"$output")" 3
	# a command that printed its own document keeps it alone: one document
	run --separate-stderr vf --json check 01:10.0
	assert_equal "$status" 1
	assert_equal "$(jq -s length <<<"$output")" 1
	assert_equal "$(jq 'has("error")' <<<"$output")" false
}

@test "sriov vf --vlan 0 --qos N is refused: VLAN 0 is no VLAN, so no tag for a priority" {
	use_fixture sriov-vfs
	run --separate-stderr vf sriov vf 01:00.0 0 --vlan 0 --qos 3 --dry-run
	assert_equal "$status" 2
	assert_equal "$stderr" "vfioctl: sriov vf: QoS needs a VLAN ID 1-4095 (VLAN 0 means no VLAN, so no priority)"
	run --separate-stderr vf sriov vf 01:00.0 0 --vlan 0 --qos 0 --dry-run
	assert_success
}
