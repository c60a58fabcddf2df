#!/usr/bin/env bats
# Command line: usage, exit codes, argument validation. Read-only.
load helpers

@test "--help lists every command" {
	run vfioctl --help
	assert_success
	for c in list show groups check snapshot; do
		assert_output --partial "  $c "
	done
}

@test "--version prints the version" {
	run vfioctl --version
	assert_success
	assert_output --regexp '^vfioctl .+'
}

@test "no command: exit 2 with a message on stderr" {
	run --separate-stderr vfioctl
	assert_equal "$status" 2
	[[ "$stderr" == *"vfioctl: missing command"* ]]
}

@test "unknown command: exit 2" {
	run --separate-stderr vfioctl frobnicate
	assert_equal "$status" 2
	assert_equal "$output" ""
	[[ "$stderr" == "vfioctl: frobnicate: unknown command"* ]]
}

@test "unknown global option: exit 2" {
	run vfioctl --bogus list
	assert_equal "$status" 2
}

@test "unknown command option: exit 2" {
	run vfioctl list --bogus
	assert_equal "$status" 2
}

@test "--sysroot that does not exist: exit 2" {
	run --separate-stderr vfioctl --sysroot /nonexistent/dir list
	assert_equal "$status" 2
	[[ "$stderr" == "vfioctl: --sysroot /nonexistent/dir: No such file or directory" ]]
}

@test "each command has --help" {
	for c in list show groups check snapshot; do
		run vfioctl "$c" --help
		assert_success
		assert_output --partial "Usage: vfioctl $c"
	done
}

@test "show needs exactly one DEVICE" {
	run vfioctl show
	assert_equal "$status" 2
	run vfioctl show 00:00.0 00:01.0
	assert_equal "$status" 2
}

@test "operand counts (the command table): missing or unexpected arguments exit 2" {
	run --separate-stderr vfioctl bind
	assert_equal "$status" 2
	[[ "$stderr" == "vfioctl: bind: missing DEVICE"* ]] || fail "$stderr"
	run --separate-stderr vfioctl show 00:00.0 00:01.0
	assert_equal "$status" 2
	[[ "$stderr" == "vfioctl: show: unexpected argument '00:01.0'"* ]] || fail "$stderr"
	run --separate-stderr vfioctl sriov vf 00:00.0
	assert_equal "$status" 2
	[[ "$stderr" == "vfioctl: sriov vf: missing VF"* ]] || fail "$stderr"
	run --separate-stderr vfioctl sriov
	assert_equal "$status" 2
	run --separate-stderr vfioctl --json status extra
	assert_equal "$status" 2
	assert_equal "$(jq -r .error.message <<<"$output")" "status: unexpected argument 'extra'"
	# --help and option errors come first, whatever the count
	run vfioctl show --help 1 2 3
	assert_success
	run vfioctl bind --frob
	assert_equal "$status" 2
	assert_output --partial "unrecognized option '--frob'"
}

@test "malformed device arguments are rejected before any path is built" {
	for arg in '../../etc' '0000:00:00.8' '00:20.0' '0000:0:00.0' 'g0:00.0' \
		'0000:00:00.0/x' 'a b' 'toolonginterfacename0' '' '.' '..' 'x:y'; do
		run --separate-stderr vfioctl show "$arg"
		assert_equal "$status" 2
		[[ "$stderr" == "vfioctl: $arg: "* ]] || fail "bad message for '$arg': $stderr"
	done
}

@test "unknown but well-formed address: exit 2, says no such device" {
	run --separate-stderr vfioctl show 0000:fe:1f.7
	assert_equal "$status" 2
	[[ "$stderr" == *"no such PCI device"* ]]
}

@test "--json goes before or after the command" {
	run vfioctl --json list
	assert_success
	a=$output
	run vfioctl list --json
	assert_success
	assert_equal "$output" "$a"
}

@test "live host: --json list has exactly the devices of /sys/bus/pci/devices" {
	run vfioctl --json list
	assert_success
	got=$(jq -r '.devices[].address' <<<"$output" | sort)
	want=$(ls /sys/bus/pci/devices | sort)
	assert_equal "$got" "$want"
}

@test "live host: drivers in --json list match the driver links" {
	run vfioctl --json list
	assert_success
	while read -r addr drv; do
		link=$(readlink "/sys/bus/pci/devices/$addr/driver" 2>/dev/null || true)
		assert_equal "$drv" "$( [ -n "$link" ] && basename "$link" || echo null)"
	done < <(jq -r '.devices[] | "\(.address) \(.driver // "null")"' <<<"$output")
}

@test "live host: text list has a header and one row per device" {
	run vfioctl list
	assert_success
	assert_line --index 0 --regexp '^ADDRESS +CLASS +NAME +DRIVER +GROUP +SR-IOV$'
	assert_equal "$(( ${#lines[@]} - 1 ))" "$(ls /sys/bus/pci/devices | wc -l)"
}

@test "VFIOCTL_SYSROOT works like --sysroot" {
	run env VFIOCTL_SYSROOT=/nonexistent/dir "$VFIOCTL" list
	assert_equal "$status" 2
}

@test "sysroot without PCI devices: bad input, exit 2, naming the sysroot" {
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	run --separate-stderr vfioctl --sysroot "$BATS_TEST_TMPDIR/empty" list
	assert_equal "$status" 2
	[[ "$stderr" == "vfioctl: --sysroot $BATS_TEST_TMPDIR/empty: not a snapshot or root directory"* ]]
}
