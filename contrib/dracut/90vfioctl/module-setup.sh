#!/bin/bash
# dracut module "vfioctl": bind the devices of /etc/vfioctl.conf to their
# configured driver (vfio-pci) by PCI address in the initramfs, before udev
# can load any host driver there (see vfioctl(8), BOOT). Installed in
# /usr/lib/dracut/modules.d/90vfioctl by `make install`. The initramfs-tools
# hook does the same for Debian's default generator.

# Included whenever there is a configuration; else only when asked for
# (dracut --add vfioctl, add_dracutmodules+=" vfioctl ").
check() {
	require_binaries vfioctl || return 1
	[[ -f $dracutsysrootdir/etc/vfioctl.conf ]] || [[ -d $dracutsysrootdir/etc/vfioctl.d ]] ||
		return 255
	return 0
}

depends() {
	echo udev-rules
	return 0
}

# vfio-pci and what it needs (vfio, vfio_iommu_type1, vfio_pci_core), and
# pci-stub for configurations that name it; whatever the host runs now.
installkernel() {
	hostonly='' instmods vfio-pci vfio vfio_iommu_type1 vfio_pci_core pci-stub
}

install() {
	local f d rule=""
	# where the initramfs' PATH finds it, wherever make install put it
	inst_binary "$(find_binary vfioctl)" /usr/sbin/vfioctl
	# vfioctl opens libkmod with dlopen() to load vfio-pci: ldd does not see it
	inst_libdir_file 'libkmod.so*'
	for f in /etc/vfioctl.conf "$dracutsysrootdir"/etc/vfioctl.d/*.conf; do
		f=${f#"$dracutsysrootdir"}
		[[ -f $dracutsysrootdir$f ]] && inst_simple "$f"
	done
	# the udev rule, calling the binary where the image has it: the admin's
	# copy, the one next to this module's tree (make install), the system's
	for d in "$dracutsysrootdir/etc/udev/rules.d" "${moddir%/lib/dracut/modules.d/*}/lib/udev/rules.d" \
		"$dracutsysrootdir/usr/lib/udev/rules.d" "$dracutsysrootdir/lib/udev/rules.d"; do
		[[ -f $d/69-vfioctl.rules ]] && rule=$d/69-vfioctl.rules && break
	done
	if [[ $rule ]]; then
		inst_dir /usr/lib/udev/rules.d
		sed 's|RUN+="[^"]*/vfioctl |RUN+="/usr/sbin/vfioctl |' "$rule" >"$initdir/usr/lib/udev/rules.d/69-vfioctl.rules"
	else
		dwarn "vfioctl: 69-vfioctl.rules not found: devices added in the initramfs are not claimed"
	fi
	# pre-udev: after the command line is parsed, before systemd-udevd or
	# udevd starts (the kernel itself loads no host driver module)
	inst_hook pre-udev 05 "$moddir/vfioctl-early.sh"
}
