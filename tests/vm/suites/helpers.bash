# VM-tier helpers: these suites run inside the guest, as root, on a live kernel.
bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

REPO=$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)
VFIOCTL=$REPO/vfioctl
BOOT=${VM_BOOT:-unknown}

vfioctl() {
	"$VFIOCTL" "$@"
}

# The kernel's own view, read from sysfs without vfioctl.
truth() {
	"$REPO/tests/vm/truth.sh"
}

# First PCI device whose vendor:device matches, e.g. pci_by_id 8086 10c9.
pci_by_id() {
	local d
	for d in /sys/bus/pci/devices/*; do
		if [ "$(cat "$d/vendor")" = "0x$1" ] && [ "$(cat "$d/device")" = "0x$2" ]; then
			basename "$d"
			return 0
		fi
	done
	return 1
}
