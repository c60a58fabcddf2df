#!/usr/bin/env bats
# Fuzz-style: mutated copies of real kernels' snapshots, every read-only
# command under the ASan/UBSan binary (make check-fuzz). Each mutation breaks
# one thing in sysfs: a file deleted, emptied, garbled, overlong or turned into
# a directory, a link left dangling or pointed elsewhere. Asserted for every
# run: an exit code in 0-4, no sanitizer report, and no device reported in an
# IOMMU group that the mutated snapshot does not put it in. Deterministic: the
# mutations come from bash's RANDOM with a fixed seed per fixture; a failure
# names the seed, the mutation and the command.
bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
VFIOCTL=${VFIOCTL:-$REPO/build/vfioctl-san}
FIXTURES=$REPO/tests/fixtures
# out-of-range exit codes for the sanitizers, on top of the report grep
export ASAN_OPTIONS=detect_leaks=1:exitcode=86
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87
MUTATIONS=${VFIOCTL_FUZZ_MUTATIONS:-24}

# Values that have broken parsers: garbage, signs, spaces, huge, control bytes.
GARBAGE=('zz' '' '-1' '+5' ' 5' '0x' '0xffffffffffff' '99999999999999999999' $'\x1b[2J'
	$'7\n8' $'\xff\xfe' '0x10c9zz' '(null)' '../..' '%s%n')

# Run one command on the mutated root; check exit code and sanitizer output.
check_run() {
	local root=$1 what=$2 rc
	shift 2
	"$VFIOCTL" --sysroot "$root" "$@" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" && rc=0 || rc=$?
	if [ "$rc" -gt 4 ] || grep -qE 'Sanitizer|runtime error:' "$BATS_TEST_TMPDIR/err"; then
		echo "# $what: vfioctl $* exited $rc" >&3
		head -30 "$BATS_TEST_TMPDIR/err" >&3
		return 1
	fi
}

# Every device that --json list or groups puts in group G must be in G in the
# snapshot: its iommu_group link names G, or G's devices directory lists it.
check_groups() {
	local root=$1 what=$2 addr g link
	while read -r addr g; do
		[ -n "$addr" ] || continue
		link=$(readlink "$root/sys/bus/pci/devices/$addr/iommu_group" 2>/dev/null) || link=
		if [ "${link##*/}" != "$g" ] && [ ! -e "$root/sys/kernel/iommu_groups/$g/devices/$addr" ] &&
			[ ! -L "$root/sys/kernel/iommu_groups/$g/devices/$addr" ]; then
			echo "# $what: $addr reported in group $g; the snapshot says '${link##*/}'" >&3
			return 1
		fi
	done < <(
		"$VFIOCTL" --sysroot "$root" --json list 2>/dev/null |
			jq -r '.devices[]? | select(.iommu_group != null) | "\(.address) \(.iommu_group)"' 2>/dev/null
		"$VFIOCTL" --sysroot "$root" --json groups 2>/dev/null |
			jq -r '.groups[]? | select(.id != null) | .id as $g | .devices[] |
				select(.address != null) | "\(.address) \($g)"' 2>/dev/null
	)
}

# Break one thing under $1/sys, chosen by RANDOM (no subshell: it would not
# advance the parent's RANDOM); sets MUT_TARGET and MUT_WHAT. One time in four
# the target is a device's entry of /sys/bus/pci/devices (hot-unplug).
mutate() {
	local root=$1 t kind n other
	if ((RANDOM % 4 == 0)); then
		t=sys/bus/pci/devices/${ADDRS[RANDOM % ${#ADDRS[@]}]}
	else
		t=${TARGETS[RANDOM % ${#TARGETS[@]}]}
	fi
	MUT_TARGET=$t
	cp -a "$root/$t" "$BATS_TEST_TMPDIR/saved"
	kind=$((RANDOM % 7))
	if [ -L "$root/$t" ]; then
		case $((kind % 3)) in
		0) ln -sfn "../../nonexistent/$RANDOM" "$root/$t" && MUT_WHAT="dangle $t" ;;
		1) rm -f "$root/$t" && MUT_WHAT="delete $t" ;;
		2) # point it at another link's target: a plausible but wrong tree
			other=${TARGETS[RANDOM % ${#TARGETS[@]}]}
			ln -sfn "$(readlink "$root/$other" 2>/dev/null || echo ..)" "$root/$t"
			MUT_WHAT="repoint $t like $other"
			;;
		esac
		return
	fi
	case $kind in
	0) rm -f "$root/$t" && MUT_WHAT="delete $t" ;;
	1) : >"$root/$t" && MUT_WHAT="empty $t" ;;
	2 | 3)
		n=$((RANDOM % ${#GARBAGE[@]}))
		printf '%s' "${GARBAGE[n]}" >"$root/$t" && MUT_WHAT="garbage[$n] $t"
		;;
	4) head -c 5000 /dev/zero | tr '\0' 7 >"$root/$t" && MUT_WHAT="overlong $t" ;;
	5) rm -f "$root/$t" && mkdir "$root/$t" && MUT_WHAT="directory $t" ;;
	6) head -c $((RANDOM % 300)) "$VFIOCTL" >"$root/$t" && MUT_WHAT="binary $t" ;;
	esac
}

# Undo mutate(): the one target back as it was.
unmutate() {
	rm -rf "${1:?}/$MUT_TARGET"
	cp -a "$BATS_TEST_TMPDIR/saved" "$1/$MUT_TARGET"
	rm -rf "$BATS_TEST_TMPDIR/saved"
}

fuzz_fixture() {
	local fx=$1 seed=$2 root=$BATS_TEST_TMPDIR/root i what a
	mkdir -p "$root"
	tar -C "$root" -xzf "$FIXTURES/$fx/snapshot.tar.gz"
	mapfile -t ADDRS < <(cd "$root/sys/bus/pci/devices" && ls)
	mapfile -t TARGETS < <(cd "$root" && find sys/devices sys/bus/pci/devices sys/kernel/iommu_groups \
		sys/class/net -mindepth 1 \( -type f -o -type l \) 2>/dev/null | sort)
	RANDOM=$seed
	for ((i = 0; i < MUTATIONS; i++)); do
		mutate "$root"
		what="$fx seed $seed #$i: $MUT_WHAT"
		a=${ADDRS[RANDOM % ${#ADDRS[@]}]}
		check_run "$root" "$what" list || return 1
		check_run "$root" "$what" --json list || return 1
		check_run "$root" "$what" groups --explain || return 1
		check_run "$root" "$what" --json groups --predict || return 1
		check_run "$root" "$what" show "$a" || return 1
		check_run "$root" "$what" --json show "$a" || return 1
		check_run "$root" "$what" check "${ADDRS[@]}" || return 1
		check_run "$root" "$what" --json sriov show || return 1
		check_run "$root" "$what" doctor || return 1
		check_run "$root" "$what" status || return 1
		check_run "$root" "$what" bind --dry-run --force "$a" || return 1
		check_run "$root" "$what" --json restore --dry-run || return 1
		check_groups "$root" "$what" || return 1
		unmutate "$root"
	done
}

@test "fuzz: mutated sriov-vfs snapshots (PF, VFs, NVMe PF)" {
	fuzz_fixture sriov-vfs 1
}

@test "fuzz: mutated switch snapshots (PCIe switch, multifunction endpoint)" {
	fuzz_fixture switch 2
}

@test "fuzz: mutated bridge snapshots (PCIe-to-PCI bridge)" {
	fuzz_fixture bridge 3
}

@test "fuzz: mutated legacy snapshots (conventional PCI)" {
	fuzz_fixture legacy 4
}

@test "fuzz: mutated non-root snapshot (no extended config space)" {
	fuzz_fixture bridge-user 5
}
