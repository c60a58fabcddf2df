#!/bin/bash
# --setup of the "boot" boot (tests/vm/check-vm.sh, suites/boot.bats): runs in
# the guest before systemd starts. It gives the guest the disk of a host on
# which the Debian package is installed, /etc/vfioctl.conf written and
# vfioctl.service enabled, so that the first thing the suite sees is the state
# systemd + udev + vfioctl made at boot.
#
# This boot is the reboot of the "deb" boot before it (suites/deb.bats:
# dpkg -i, the Ansible playbook, systemctl enable): the tier cannot reboot a
# guest (its / is a tmpfs overlay, gone at poweroff), so that boot saved the
# files they wrote in $VM_STATE/deb/disk-state.tar (check-vm.sh sets
# VM_STATE) and they are unpacked here, as a disk keeps them. Without it
# (check-vm.sh boot alone, or the deb boot failed before saving) the same is
# done here: dpkg -i build/deb/vfioctl_*.deb, the same configuration as the
# playbook's, systemctl enable.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STATE=${VM_STATE:-}/deb/disk-state
debs=("$REPO"/build/deb/vfioctl_*.deb)
[ -f "${debs[0]}" ] || {
	echo "boot-setup: no package in $REPO/build/deb (make deb)" >&2
	exit 1
}

if [ -n "${VM_STATE:-}" ] && [ -s "$STATE.tar" ] &&
	[ "$(cat "$STATE.deb" 2>/dev/null)" = "${debs[0]##*/}" ]; then
	tar -C / -xpf "$STATE.tar"
	echo "boot-setup: the disk as the deb boot left it ($STATE.tar, ${debs[0]##*/})" >&2
	exit 0
fi
echo "boot-setup: no disk state of the deb boot with ${debs[0]##*/}: installing it here" >&2
dpkg -i "${debs[0]}" >/dev/null

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

# what tests/vm/ansible/vfioctl.yml makes vfioctl_config write
cat >/etc/vfioctl.conf <<CONF
# Written by tests/vm/boot-setup.sh.

[device $GPU]
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
