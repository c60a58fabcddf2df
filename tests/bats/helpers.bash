# Shared by tests/bats/*.bats. Tests read only snapshots of real kernels
# (tests/fixtures/*/snapshot.tar.gz, captured by `make fixtures` in the VM tier)
# and, read-only, the live /sys of the machine running them.
bats_require_minimum_version 1.5.0
source "${BASH_SOURCE[0]%/*}/../bats-libs.bash"

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
VFIOCTL=${VFIOCTL:-$REPO/vfioctl}
FIXTURES=$REPO/tests/fixtures
GOLDEN=$REPO/tests/golden

# Extract a fixture once per test file; sets SYSROOT.
use_fixture() {
	local name=$1
	SYSROOT=$BATS_FILE_TMPDIR/fixture-$name
	if [ ! -d "$SYSROOT" ]; then
		mkdir -p "$SYSROOT"
		tar -C "$SYSROOT" -xzf "$FIXTURES/$name/snapshot.tar.gz"
	fi
	TRUTH=$FIXTURES/$name/truth.json
}

vfioctl() {
	"$VFIOCTL" "$@"
}

# vfioctl against the current fixture.
vf() {
	"$VFIOCTL" --sysroot "$SYSROOT" "$@"
}

# Compare $output with a golden file; UPDATE_GOLDEN=1 rewrites it instead.
assert_golden() {
	local file=$GOLDEN/$1
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		mkdir -p "$(dirname "$file")"
		printf '%s\n' "$output" >"$file"
	fi
	[ -f "$file" ] || fail "golden file $file is missing (make golden)"
	diff -u "$file" <(printf '%s\n' "$output") || fail "output differs from $file"
}
