#!/bin/bash
# --setup of the early-binding boots (tests/vm/check-vm.sh, suites/early.bats)
# that start from an initramfs-tools image (run.sh --initrd): stage 2 runs it
# right after switch_root, before systemd: the first moment of userspace on
# the real root. It records what the initramfs left (drivers of the two
# e1000e, /run/vfioctl) in /run/vfioctl-vm-first for the suite, then gives the
# root the disk state that image was built from: /etc/vfioctl.conf as the
# early-build boot wrote it, and (boots whose image has the hook) the files
# `make install` installed there (kept in its /mnt/out/root), hook included.
set -euo pipefail
{
	echo "uptime $(cut -d' ' -f1 /proc/uptime)"
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x8086:0x10d3 ] || continue
		drv=none
		[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
		echo "dev ${d##*/} $drv"
	done
	for f in /run/vfioctl/*; do [ -e "$f" ] && echo "file $f"; done
} >/run/vfioctl-vm-first 2>&1 || true

build=early-build
[ "${VM_KERNEL:-current}" = current ] || build=early-build-$(uname -r | cut -d. -f1-2)
BUILD=${VM_STATE:?}/$build
case "${VM_BOOT:-}" in
early-nohook) cp "$BUILD/vfioctl.conf" /etc/vfioctl.conf ;;
early-invalid) cp "$BUILD/invalid.conf" /etc/vfioctl.conf ;;
*)
	cp "$BUILD/vfioctl.conf" /etc/vfioctl.conf
	# what `make install` installed before the image was built (early.bats)
	cp -a "$BUILD/root/." /
	;;
esac
chmod 0644 /etc/vfioctl.conf
