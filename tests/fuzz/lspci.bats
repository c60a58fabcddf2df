#!/usr/bin/env bats
# Fuzz-style: mutated copies of real machines' lspci -vvnn texts
# (tests/fixtures/realhw) through `groups --from-lspci` of the ASan/UBSan binary
# (make check-fuzz). Each mutation cuts the text, drops, doubles or moves a line,
# or changes a byte. Asserted for every run: exit 0, or exit 2 with the message
# naming a line of the text ("FILE:N: ..."); no sanitizer report. The unit test
# test-lspci runs many more mutations in-process; this one checks the CLI's exit
# codes. Deterministic: RANDOM with a fixed seed per machine.
bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
VFIOCTL=${VFIOCTL:-$REPO/build/vfioctl-san}
export ASAN_OPTIONS=detect_leaks=1:exitcode=86
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87
MUTATIONS=${VFIOCTL_FUZZ_MUTATIONS:-24}

# Write mutation $RANDOM of $1 to $2; sets MUT_WHAT.
mutate_text() {
	local src=$1 dst=$2 n len at
	n=$(wc -l <"$src")
	len=$(wc -c <"$src")
	at=$((RANDOM % n + 1))
	case $((RANDOM % 5)) in
	0)
		head -c $((RANDOM * 32768 % len + RANDOM % len)) "$src" | head -c "$len" >"$dst"
		MUT_WHAT="cut"
		;;
	1) sed "${at}d" "$src" >"$dst" && MUT_WHAT="drop line $at" ;;
	2) sed "${at}p" "$src" >"$dst" && MUT_WHAT="double line $at" ;;
	3)
		{ sed "${at}d" "$src" | head -n $((RANDOM % n)); sed -n "${at}p" "$src"; sed "${at}d" "$src" | tail -n +$((RANDOM % n + 1)); } >"$dst"
		MUT_WHAT="move line $at"
		;;
	4)
		local bytes=(':' ']' '[' '+' '-' 'z' ' ' $'\t' '0' 'f')
		cp "$src" "$dst"
		printf '%s' "${bytes[RANDOM % ${#bytes[@]}]}" |
			dd of="$dst" bs=1 seek=$((RANDOM * 32768 % len + RANDOM % len)) count=1 conv=notrunc status=none
		MUT_WHAT="change a byte"
		;;
	esac
}

fuzz_machine() {
	local probe=$1 src=$BATS_TEST_TMPDIR/$1.txt mut=$BATS_TEST_TMPDIR/mut.txt rc i
	RANDOM=$2
	REFUSED=0
	jq -r .lspci "$REPO/tests/fixtures/realhw/$probe.json" >"$src"
	for ((i = 0; i < MUTATIONS; i++)); do
		mutate_text "$src" "$mut"
		for args in "groups --predict" "--json groups --explain"; do
			# shellcheck disable=SC2086
			"$VFIOCTL" $args --from-lspci "$mut" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" && rc=0 || rc=$?
			[ "$rc" = 2 ] && REFUSED=$((REFUSED + 1))
			if grep -qE 'Sanitizer|runtime error:' "$BATS_TEST_TMPDIR/err" ||
				{ [ "$rc" != 0 ] && [ "$rc" != 2 ]; } ||
				{ [ "$rc" = 2 ] && ! grep -qE "mut\.txt:[0-9]+: " "$BATS_TEST_TMPDIR/err"; }; then
				echo "# $probe, mutation $i ($MUT_WHAT), vfioctl $args: exit $rc" >&3
				head -20 "$BATS_TEST_TMPDIR/err" >&3
				return 1
			fi
		done
	done
	echo "# $probe: $MUTATIONS mutations, $REFUSED runs refused with exit 2" >&3
}

@test "fuzz: mutated lspci text of an AMD X570 desktop (switch, GPU)" { fuzz_machine BC3F2240B9 11; }
@test "fuzz: mutated lspci text of an AMD Ryzen 7040 laptop (USB4)" { fuzz_machine 23175F9255 12; }
@test "fuzz: mutated lspci text of an Intel Tiger Lake laptop" { fuzz_machine 92736B8DE6 13; }
@test "fuzz: mutated lspci text of an AMD EPYC server" { fuzz_machine EB1D734A53 14; }
