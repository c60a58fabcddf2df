#!/bin/sh
# dracut pre-udev hook of the vfioctl module (module-setup.sh): bind the
# configured devices before udev loads host drivers. The same contract as the
# initramfs-tools boot script: `vfioctl apply --early` writes
# /run/vfioctl/early.json (what it bound, or why nothing) and keeps the copy
# of the configuration it used as /run/vfioctl/initramfs.conf; /run survives
# switch_root, where `vfioctl status` reads both. A failure never stops the
# boot.
type warn >/dev/null 2>&1 || . /lib/dracut-lib.sh

if [ -e /etc/vfioctl.conf ] || [ -d /etc/vfioctl.d ]; then
	vfioctl apply --early || warn "vfioctl: apply --early failed (exit $?): the host drivers may take the configured devices"
fi
