#!/bin/sh
# The Arm SMMUv3 test, busybox sh as root in the guest: TAP on the console.
# Assertions only on what the kernel shows (sysfs) and vfioctl prints.
N=0 FAILED=0
ok() {
	N=$((N + 1))
	echo "ok $N - $*"
}
not_ok() {
	N=$((N + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $N - $*"
}
check() { # DESCRIPTION COMMAND...
	d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
diag() { sed 's/^/# /'; }

# PCI address of the first device with vendor:device $1
find_pci() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = "0x${1%:*}:0x${1#*:}" ] &&
			{ basename "$d"; return 0; }
	done
	return 1
}
driver_of() {
	l=$(readlink "/sys/bus/pci/devices/$1/driver" 2>/dev/null) || { echo none; return; }
	basename "$l"
}
# group membership of a pretty-printed `vfioctl --json groups` document: one
# line per group, its addresses sorted and joined, lines sorted
json_groups() {
	awk '/^    \{$/ { if (g != "") print g; g = "" }
	     /^          "address": / { gsub(/[",]/, "", $2); g = g " " $2 }
	     END { if (g != "") print g }' "$1" |
		while read -r line; do
			# shellcheck disable=SC2086 # split the addresses
			printf '%s\n' $line | sort | tr '\n' ' '
			echo
		done | sort
}
sysfs_groups() {
	for g in /sys/kernel/iommu_groups/*; do
		ls "$g/devices" | sort | tr '\n' ' '
		echo
	done | sort
}

NIC=$(find_pci 8086:10d3) # e1000e behind rp1
NVME=$(find_pci 1b36:0010) # QEMU NVMe behind rp2
# rp3 -> x3130 switch -> two downstream ports -> e1000e at 05:00.0 and 06:00.0
echo "# NIC $NIC (driver $(driver_of "$NIC")), NVMe $NVME (driver $(driver_of "$NVME"))"

# --- doctor: the SMMUv3 is on
vfioctl doctor >/tmp/doctor.txt 2>&1
rc=$?
diag </tmp/doctor.txt
check "doctor exits 0 (got $rc)" [ "$rc" = 0 ]
check "doctor: iommu-enabled PASS names the SMMUv3 unit (smmu3.*)" \
	grep -q '^PASS  iommu-enabled .*Arm SMMUv3.*smmu3\.' /tmp/doctor.txt
check "doctor: iommu-enabled quotes the arm-smmu-v3 kernel log line" \
	grep -q '^PASS  iommu-enabled .*arm-smmu-v3' /tmp/doctor.txt
check "doctor: firmware-table PASS, the device tree's SMMUv3 node" \
	grep -q '^PASS  firmware-table .*device tree node smmuv3@.*: Arm SMMUv3$' /tmp/doctor.txt
check "kernel: a unit /sys/class/iommu/smmu3.* and IOMMU groups" \
	sh -c 'ls -d /sys/class/iommu/smmu3.* /sys/kernel/iommu_groups/1 >/dev/null'
dmesg | grep -m2 -i 'arm-smmu-v3' | diag

# --- groups: the kernel's, as vfioctl reads them, as it predicts them
vfioctl groups 2>&1 | diag
vfioctl --json groups >/tmp/g.json 2>/tmp/g.err
check "groups --json exits 0" [ $? = 0 ]
vfioctl --json groups --predict >/tmp/p.json 2>/tmp/p.err
check "groups --predict --json exits 0" [ $? = 0 ]
json_groups /tmp/g.json >/tmp/g.m
json_groups /tmp/p.json >/tmp/p.m
sysfs_groups >/tmp/s.m
echo "# kernel groups:"
diag </tmp/s.m
check "groups --json membership = /sys/kernel/iommu_groups" cmp -s /tmp/g.m /tmp/s.m
check "groups --predict --json membership = groups --json" cmp -s /tmp/p.m /tmp/g.m
check "groups --predict: agrees_with_kernel true" grep -q '^  "agrees_with_kernel": true,$' /tmp/p.json
grep '"kernel_model"' /tmp/p.json | diag
check "NIC and NVMe in different non-empty groups" sh -c \
	"grep -q ' *$NIC ' /tmp/s.m && ! grep '$NIC ' /tmp/s.m | grep -q '$NVME '"
vfioctl groups --explain >/tmp/x.txt 2>&1
rc=$?
diag </tmp/x.txt
check "groups --explain exits 0 (got $rc)" [ "$rc" = 0 ]

# --- bind the NIC to vfio-pci and back
# run.sh leaves this file when the kernel has CONFIG_IOMMUFD and CONFIG_VFIO_DEVICE_CDEV
CDEV=0
[ -e /etc/vfioctl-test-cdev ] && CDEV=1 && modprobe iommufd
vfioctl check "$NIC" >/tmp/c.txt 2>&1
rc=$?
diag </tmp/c.txt
check "check $NIC on e1000e: not viable, exit 1 (got $rc)" [ "$rc" = 1 ]
vfioctl bind "$NIC" >/tmp/b.txt 2>&1
rc=$?
diag </tmp/b.txt
check "bind $NIC exits 0 (got $rc)" [ "$rc" = 0 ]
check "$NIC is on vfio-pci (driver link: $(driver_of "$NIC"))" [ "$(driver_of "$NIC")" = vfio-pci ]
G=$(basename "$(readlink "/sys/bus/pci/devices/$NIC/iommu_group")")
check "/dev/vfio/$G exists" [ -c "/dev/vfio/$G" ]
vfioctl check "$NIC" >/tmp/c.txt 2>&1
rc=$?
diag </tmp/c.txt
check "check $NIC after bind: viable, exit 0 (got $rc)" [ "$rc" = 0 ]
check "check: the kernel's VFIO (/dev/vfio/$G) says viable" grep -q '^kernel: VFIO says viable' /tmp/c.txt
vfioctl --json list >/tmp/l.json 2>&1
check "list --json: $NIC driver vfio-pci" sh -c \
	"awk '/\"address\": \"$NIC\"/ { f = 1 } f && /\"driver\":/ { print; exit }' /tmp/l.json | grep -q '\"vfio-pci\"'"
awk "/\"address\": \"$NIC\"/ { f = 1 } f && /\"vfio\":/ { p = 1 } p { print } p && /^      }/ { exit }" /tmp/l.json | diag
if [ "$CDEV" = 1 ]; then
	C=$(ls "/sys/bus/pci/devices/$NIC/vfio-dev" 2>/dev/null)
	check "the kernel made the cdev /dev/vfio/devices/${C:-?} (iommufd loaded)" [ -c "/dev/vfio/devices/$C" ]
	check "list --json: $NIC cdev /dev/vfio/devices/${C:-?}" \
		grep -q "\"cdev\": \"/dev/vfio/devices/$C\"" /tmp/l.json
else
	ok "# SKIP cdev: the kernel has no CONFIG_IOMMUFD or CONFIG_VFIO_DEVICE_CDEV"
fi
vfioctl restore >/tmp/r.txt 2>&1
rc=$?
diag </tmp/r.txt
check "restore exits 0 (got $rc)" [ "$rc" = 0 ]
check "$NIC is back on e1000e (driver link: $(driver_of "$NIC"))" [ "$(driver_of "$NIC")" = e1000e ]

# --- the switch's group: one bind takes both of its NICs, the ports stay
SW1=0000:05:00.0 SW2=0000:06:00.0
vfioctl bind "$SW1" >/tmp/b.txt 2>&1
rc=$?
diag </tmp/b.txt
check "bind $SW1 (the switch's group) exits 0 (got $rc)" [ "$rc" = 0 ]
check "$SW1 and its group-mate $SW2 are on vfio-pci ($(driver_of $SW1), $(driver_of $SW2))" \
	[ "$(driver_of $SW1) $(driver_of $SW2)" = "vfio-pci vfio-pci" ]
check "the switch's ports stay on pcieport ($(driver_of 0000:04:00.0))" \
	[ "$(driver_of 0000:03:00.0) $(driver_of 0000:04:00.0) $(driver_of 0000:04:01.0)" = "pcieport pcieport pcieport" ]
vfioctl restore "$SW1" >/tmp/r.txt 2>&1
rc=$?
diag </tmp/r.txt
check "restore $SW1 exits 0 (got $rc); both back on e1000e ($(driver_of $SW1), $(driver_of $SW2))" \
	[ "$rc $(driver_of $SW1) $(driver_of $SW2)" = "0 e1000e e1000e" ]

# --- bad input exits 2
vfioctl bind 0000:7f:1f.7 >/dev/null 2>/tmp/e
rc=$?
check "bind of a device that does not exist exits 2 (got $rc): $(head -n1 /tmp/e)" [ "$rc" = 2 ]
vfioctl show not-a-device >/dev/null 2>/tmp/e
rc=$?
check "show not-a-device exits 2 (got $rc): $(head -n1 /tmp/e)" [ "$rc" = 2 ]
vfioctl --no-such-option list >/dev/null 2>/tmp/e
rc=$?
check "an unknown option exits 2 (got $rc): $(head -n1 /tmp/e)" [ "$rc" = 2 ]

echo "1..$N"
[ "$FAILED" = 0 ]
