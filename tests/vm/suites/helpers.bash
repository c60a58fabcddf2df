# VM-tier helpers: these suites run inside the guest, as root, on a live kernel.
bats_require_minimum_version 1.5.0
# Not their load.bash: it forks dirname for each file it sources, about 15
# forks per test, 0.66 s per test in the TCG guest. src/ only defines functions.
for _lib in /usr/lib/bats/bats-support/src/*.bash /usr/lib/bats/bats-assert/src/*.bash; do
	source "$_lib"
done
unset _lib

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
	local d v i
	for d in /sys/bus/pci/devices/*; do
		read -r v <"$d/vendor" && read -r i <"$d/device" || continue
		if [ "$v" = "0x$1" ] && [ "$i" = "0x$2" ]; then
			echo "${d##*/}"
			return 0
		fi
	done
	return 1
}
