#!/bin/bash
# Self-test of the VM harness: boots every topology and checks IOMMU groups,
# udev, driver binding, the overlay, the shares and exit-status propagation.
# Usage: tests/vm/selftest.sh [TOPOLOGY...]   (default: all checks)
# Takes ~2-3 minutes on 2 cores without KVM.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN=$HERE/run.sh
FAIL=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; FAIL=1; }
t() { # name, then run.sh args
	local name=$1 s e
	shift
	s=$(date +%s.%N)
	OUTPUT=$("$RUN" "$@" 2>"$ERRFILE")
	RC=$?
	e=$(date +%s.%N)
	echo "# $name: exit $RC, $(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.1f", e - s }')s"
}
ERRFILE=$(mktemp)
OUTDIR=$(mktemp -d)
trap 'rm -rf "$ERRFILE" "$OUTDIR"' EXIT

# shellcheck disable=SC2016
PROBE='set -e
echo "krel=$(uname -r)"
echo "groups=$(ls /sys/kernel/iommu_groups | wc -l)"
for d in /sys/bus/pci/devices/*; do
	drv=$(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null || true)
	grp=$(basename "$(readlink "$d/iommu_group" 2>/dev/null)" 2>/dev/null || true)
	echo "dev $(basename "$d") $(cat "$d/vendor"):$(cat "$d/device") drv=$drv group=$grp"
done
pgrep -x systemd-udevd >/dev/null && echo udevd=running
udevadm settle --timeout=5 && echo settle=ok
[ -f "$VFIOCTL_VM_REPO_MARK" ] && echo repo=visible
echo x >/usr/vfioctl-vm-overlay-test && echo overlay=writable
echo hello >/mnt/out/hello
'

want() { # pattern description
	if grep -qE "$1" <<<"$OUTPUT"; then pass "$2"; else fail "$2"; fi
}

MARK=$HERE/run.sh
topos=("$@")
[ ${#topos[@]} -gt 0 ] || topos=(none bridge switch sriov)
for topo in "${topos[@]}"; do
	t "$topo" --topology "$topo" --out "$OUTDIR" --env VFIOCTL_VM_REPO_MARK="$MARK" -- bash -c "$PROBE"
	[ "$RC" = 0 ] || { fail "$topo: probe exit $RC"; cat "$ERRFILE"; continue; }
	want '^groups=[1-9]' "$topo: IOMMU groups present"
	want '^udevd=running' "$topo: udevd running"
	want '^settle=ok' "$topo: udevadm settle"
	want '^repo=visible' "$topo: repo visible"
	want '^overlay=writable' "$topo: overlay writable"
	[ ! -e /usr/vfioctl-vm-overlay-test ] && pass "$topo: host untouched" || fail "$topo: host touched"
	[ "$(cat "$OUTDIR/hello" 2>/dev/null)" = hello ] && pass "$topo: out share" || fail "$topo: out share"
	rm -f "$OUTDIR/hello"
	case $topo in
	bridge)
		want 'dev 0000:00:1e.0 0x1b36:0x000e' "bridge: pcie-pci-bridge at 00:1e.0"
		want 'dev 0000:02:0d.0 0x8086:0x100e drv=e1000 ' "bridge: e1000 fn0 bound"
		want 'dev 0000:02:0d.1 0x8086:0x100e drv=e1000 ' "bridge: e1000 fn1 bound"
		want 'dev 0000:01:00.0 0x8086:0x10c9 drv=igb ' "bridge: igb bound" ;;
	switch)
		want 'dev 0000:03:00.0 0x8086:0x10d3 drv=e1000e ' "switch: e1000e below downstream port 0"
		want 'dev 0000:04:00.0 0x8086:0x10d3 drv=e1000e ' "switch: e1000e below downstream port 1"
		want 'dev 0000:05:00.0 0x8086:0x10d3 drv=e1000e ' "switch: multifunction e1000e fn0"
		want 'dev 0000:05:00.1 0x8086:0x293e drv=snd_hda_intel ' "switch: hda fn1" ;;
	sriov)
		want 'dev 0000:01:00.0 0x8086:0x10c9 drv=igb ' "sriov: igb bound"
		want 'dev 0000:02:00.0 0x1b36:0x0010 drv=nvme ' "sriov: nvme bound" ;;
	esac
done

if [[ " ${topos[*]} " == *" sriov "* ]]; then
	t "sriov VFs" --topology sriov -- sh -c '
		echo 2 >/sys/bus/pci/devices/0000:01:00.0/sriov_numvfs
		echo 0 >/sys/bus/pci/devices/0000:02:00.0/sriov_drivers_autoprobe
		echo 2 >/sys/bus/pci/devices/0000:02:00.0/sriov_numvfs
		ls -d /sys/bus/pci/devices/0000:01:00.0/virtfn* /sys/bus/pci/devices/0000:02:00.0/virtfn* | wc -l'
	[ "$RC" = 0 ] && [ "$OUTPUT" = 4 ] && pass "sriov: igb + nvme VFs created" ||
		{ fail "sriov: VFs ($RC, $OUTPUT)"; cat "$ERRFILE"; }
fi

if [ $# -eq 0 ]; then
	t "exit status" -- false
	[ "$RC" = 1 ] && pass "exit status 1 propagates" || fail "exit status ($RC)"
	t "exit status 42" -- sh -c 'exit 42'
	[ "$RC" = 42 ] && pass "exit status 42 propagates" || fail "exit status ($RC)"
	t "no-iommu" --no-iommu -- sh -c 'ls /sys/kernel/iommu_groups | wc -l'
	[ "$RC" = 0 ] && [ "$OUTPUT" = 0 ] && pass "--no-iommu: no groups" || fail "--no-iommu ($RC, $OUTPUT)"
	t "intel_iommu=off" --append intel_iommu=off -- sh -c 'ls /sys/kernel/iommu_groups | wc -l'
	[ "$RC" = 0 ] && [ "$OUTPUT" = 0 ] && pass "intel_iommu=off: no groups" || fail "intel_iommu=off ($RC, $OUTPUT)"
	t "intremap off" --intremap off -- sh -c 'ls /sys/kernel/iommu_groups | wc -l; grep -c "IRQ remapping" /dev/null; dmesg | grep -c "Enabled IRQ remapping" || true'
	[ "$RC" = 0 ] && [ "$(sed -n 1p <<<"$OUTPUT")" -gt 0 ] && [ "$(sed -n 3p <<<"$OUTPUT")" = 0 ] &&
		pass "--intremap off: groups, no IR" || fail "--intremap off ($RC, $OUTPUT)"
	t "systemd" --systemd -- sh -c 'ps -p 1 -o comm=; systemd-detect-virt'
	[ "$RC" = 0 ] && [ "$OUTPUT" = "$(printf 'systemd\nqemu')" ] && pass "--systemd: PID 1 is systemd" ||
		{ fail "--systemd ($RC, $OUTPUT)"; cat "$ERRFILE"; }
	t "stdin" --stdin - -- sh -c 'cat' <<<"piped-stdin"
	[ "$RC" = 0 ] && [ "$OUTPUT" = "piped-stdin" ] && pass "stdin reaches the command" || fail "stdin ($RC, $OUTPUT)"
	t "timeout" --timeout 20 -- sleep 300
	[ "$RC" = 124 ] && pass "timeout gives 124" || fail "timeout ($RC)"
fi
exit $FAIL
