#!/bin/bash
# --setup of the "boot" boot (tests/vm/check-vm.sh, suites/boot.bats): runs in
# the guest before systemd starts. Installs vfioctl with `make install` (the
# binary, the udev rule, vfioctl.service) into the guest's overlay, writes
# /etc/vfioctl.conf for the boot topology and enables the unit, so that the
# first thing the suite sees is the state systemd + udev + vfioctl made at boot.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

make -s -C "$REPO" install DESTDIR=/ PREFIX=/usr/local >/dev/null

# First PCI device with this vendor:device (addresses come from SeaBIOS' scan).
by_id() {
	local d
	for d in /sys/bus/pci/devices/*; do
		if [ "$(cat "$d/vendor"):$(cat "$d/device")" = "0x$1:0x$2" ]; then
			basename "$d"
			return 0
		fi
	done
	echo "boot-setup: no PCI device $1:$2" >&2
	return 1
}
PF=$(by_id 8086 10c9)    # igb 82576
AUDIO=$(by_id 8086 293e) # the "HDMI audio" function 1 of the "GPU"
GPU=${AUDIO%.*}.0        # its e1000e function 0

cat >/etc/vfioctl.conf <<CONF
# Written by tests/vm/boot-setup.sh.
[device $GPU]        # "GPU": its audio function is in the same IOMMU group
driver = vfio-pci

[pf $PF]
vfs = 3
vf-driver = vfio-pci
vf.0.mac = 02:00:00:00:00:10
vf.0.vlan = 100
vf.0.trust = on
vf.0.spoofchk = off
vf.1.mac = 02:00:00:00:00:11
vf.2.mac = 02:00:00:00:00:12
CONF
chmod 0644 /etc/vfioctl.conf
systemctl enable vfioctl.service >/dev/null 2>&1
