# VM-tier helpers: these suites run inside the guest, as root, on a live kernel.
bats_require_minimum_version 1.5.0
source "${BASH_SOURCE[0]%/*}/../../bats-libs.bash"

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

# First PCI device whose vendor:device matches, other than the EXCEPTs, e.g.
# pci_by_id 8086 10c9. Builtins only: setup() calls it per test, and a fork
# costs ~20 ms under TCG.
pci_by_id() { # VENDOR DEVICE [EXCEPT...]
	local d v i
	for d in /sys/bus/pci/devices/*; do
		read -r v <"$d/vendor" && read -r i <"$d/device" || continue
		if [ "$v" = "0x$1" ] && [ "$i" = "0x$2" ] && [[ " ${*:3} " != *" ${d##*/} "* ]]; then
			echo "${d##*/}"
			return 0
		fi
	done
	return 1
}

# Basename of a directory symlink's target, without readlink(1).
link_name() {
	local p
	p=$(cd -P "$1" 2>/dev/null && pwd) || return 1
	echo "${p##*/}"
}

# The IOMMU group number of a PCI device.
group_of() { link_name "/sys/bus/pci/devices/$1/iommu_group"; }
