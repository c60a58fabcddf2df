#!/bin/bash
# The Arm SMMUv3 boot (make check-vm-arm64): Debian's arm64 stock kernel under
# qemu-system-aarch64 -M virt,iommu=smmuv3 (TCG), PCIe root ports with an
# e1000e NIC, an NVMe, and a switch with two e1000e behind them, and an arm64
# initramfs (busybox-static,
# the cross-built vfioctl with its libraries and loader, the modules it needs)
# whose /test.sh prints TAP on the serial console. Exits 0 if every test
# passed, 1 on a failed or missing test, 124 on timeout.
#
# Environment: VFIOCTL_VM_CACHE (/var/cache/vfioctl-vm, filled by
# scripts/install-deps.sh --vm-arm64), VFIOCTL_ARM64 (the aarch64 vfioctl,
# default build/arm64/vfioctl: make build/arm64/vfioctl), VFIOCTL_VM_TIMEOUT
# (seconds, default 900), VFIOCTL_VM_LOG (the console log, default
# build/arm64/console.log).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
CACHE=${VFIOCTL_VM_CACHE:-/var/cache/vfioctl-vm}
TREE=$CACHE/arm64-backports
BUSYBOX=$CACHE/arm64-busybox/bin/busybox
VFIOCTL=${VFIOCTL_ARM64:-$REPO/build/arm64/vfioctl}
TIMEOUT=${VFIOCTL_VM_TIMEOUT:-900}
OUTDIR=$REPO/build/arm64
LOG=${VFIOCTL_VM_LOG:-$OUTDIR/console.log}
ARCHLIB=/usr/lib/aarch64-linux-gnu
die() {
	echo "arm64: error: $*" >&2
	exit 2
}

[ -s "$CACHE/arm64-backports.release" ] && [ -x "$BUSYBOX" ] ||
	die "no arm64 kernel or busybox in $CACHE: run scripts/install-deps.sh --vm-arm64"
KREL=$(cat "$CACHE/arm64-backports.release")
KERNEL=$TREE/boot/vmlinuz-$KREL
[ -x "$VFIOCTL" ] || die "$VFIOCTL missing: make build/arm64/vfioctl"
aarch64-linux-gnu-readelf -h "$VFIOCTL" 2>/dev/null | grep -q 'Machine: *AArch64' ||
	die "$VFIOCTL is not an aarch64 binary (make build/arm64/vfioctl)"
command -v qemu-system-aarch64 >/dev/null || die "qemu-system-aarch64 missing (install-deps.sh --vm-arm64)"
READELF=aarch64-linux-gnu-readelf

# iommufd and the VFIO device cdev: tested when the kernel has both (Debian's
# 6.12 arm64 kernel, like the amd64 one, has CONFIG_IOMMUFD unset)
CFG=$TREE/boot/config-$KREL
IOMMUFD=$(sed -n 's/^CONFIG_IOMMUFD=//p' "$CFG")
CDEV=$(sed -n 's/^CONFIG_VFIO_DEVICE_CDEV=//p' "$CFG")
echo "arm64: $KREL: CONFIG_IOMMUFD=${IOMMUFD:-n} CONFIG_VFIO_DEVICE_CDEV=${CDEV:-n}" >&2
MODULES="vfio vfio_pci vfio_iommu_type1 e1000e nvme"
[ -n "$IOMMUFD" ] && [ "$CDEV" = y ] && MODULES+=" iommufd"

# ------------------------------------------------------------- initramfs
mkdir -p "$OUTDIR"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W"/{bin,lib,etc,root,usr/share/misc}
cp "$BUSYBOX" "$W/bin/busybox"
ln -s busybox "$W/bin/sh"
install -m 0755 "$HERE/init" "$W/init"
install -m 0755 "$HERE/test.sh" "$W/test.sh"
install -m 0755 "$VFIOCTL" "$W/bin/vfioctl"
# pci.ids for the device names libpci prints
[ -f /usr/share/misc/pci.ids ] && cp /usr/share/misc/pci.ids "$W/usr/share/misc/"

# the shared libraries, by DT_NEEDED, from the arm64 multiarch dir (libkmod is
# dlopen()ed by vfioctl); all in /lib, the loader's default path
declare -A SEEN=()
add_lib() { # SONAME
	local f n
	[ -z "${SEEN[$1]:-}" ] || return 0
	SEEN[$1]=1
	f=$ARCHLIB/$1
	[ -e "$f" ] || die "arm64 library $1 not in $ARCHLIB"
	cp -L "$f" "$W/lib/$1"
	for n in $("$READELF" -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		add_lib "$n"
	done
}
for n in $("$READELF" -d "$VFIOCTL" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p') libkmod.so.2; do
	add_lib "$n"
done
add_lib ld-linux-aarch64.so.1

# the modules (and their dependencies), decompressed, under
# /lib/modules/KREL with the tree's own modules.dep (depmod -b) so that
# busybox modprobe and vfioctl's libkmod find them
MODDIR=lib/modules/$KREL
for m in $MODULES; do
	modprobe -d "$TREE" -S "$KREL" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | sort -u | while read -r ko; do
	rel=${ko#"$TREE/"}
	mkdir -p "$W/$(dirname "$rel")"
	case "$ko" in
	*.ko.xz) xz -dc "$ko" >"$W/${rel%.xz}" ;;
	*.ko.zst) zstd -qdc "$ko" >"$W/${rel%.zst}" ;;
	*) cp "$ko" "$W/$rel" ;;
	esac
done
for f in modules.builtin modules.builtin.modinfo modules.order; do
	[ -e "$TREE/$MODDIR/$f" ] && cp "$TREE/$MODDIR/$f" "$W/$MODDIR/"
done
depmod -b "$W" "$KREL"
[ -n "$IOMMUFD" ] && [ "$CDEV" = y ] && : >"$W/etc/vfioctl-test-cdev"
INITRD=$OUTDIR/initramfs.cpio.gz
(cd "$W" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1 >"$INITRD"

# ------------------------------------------------------------------ qemu
# gic-version=3: the GIC ITS isolates MSIs, which vfio_iommu_type1 requires
# shellcheck disable=SC2054
ARGS=(-accel tcg -M virt,iommu=smmuv3,gic-version=3 -cpu cortex-a72 -smp 2 -m 1024
	-nodefaults -no-user-config -display none -no-reboot
	-chardev stdio,id=con,signal=off -serial chardev:con
	-kernel "$KERNEL" -initrd "$INITRD"
	-append "console=ttyAMA0 panic=-1 rdinit=/init loglevel=4"
	-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1
	-netdev user,id=n1,restrict=on
	-device e1000e,bus=rp1,netdev=n1,romfile=,mac=52:54:00:00:a6:01
	-device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=2
	-device nvme,bus=rp2,serial=vfioctl-arm64
	-device pcie-root-port,id=rp3,bus=pcie.0,chassis=3,slot=3
	-device x3130-upstream,id=up1,bus=rp3
	-device xio3130-downstream,id=dn1,bus=up1,addr=00.0,chassis=4,slot=0
	-device xio3130-downstream,id=dn2,bus=up1,addr=01.0,chassis=5,slot=0
	-netdev user,id=n2,restrict=on
	-device e1000e,bus=dn1,netdev=n2,romfile=,mac=52:54:00:00:a6:02
	-netdev user,id=n3,restrict=on
	-device e1000e,bus=dn2,netdev=n3,romfile=,mac=52:54:00:00:a6:03)

echo "arm64: kernel $KREL, initramfs $(du -h "$INITRD" | cut -f1), timeout ${TIMEOUT}s" >&2
T0=$(date +%s)
set +e
timeout -k 10 "$TIMEOUT" qemu-system-aarch64 "${ARGS[@]}" </dev/null | tr -d '\r' | tee "$LOG"
QRC=${PIPESTATUS[0]}
set -e
T1=$(date +%s)

PASS=$(grep -c '^ok [0-9]' "$LOG" || true)
FAIL=$(grep -c '^not ok [0-9]' "$LOG" || true)
PLAN=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$LOG" | tail -n1)
echo "arm64: $PASS passed, $FAIL failed, plan ${PLAN:-missing}; $((T1 - T0)) s boot + test (qemu exit $QRC)" >&2
if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
	echo "arm64: error: timeout after ${TIMEOUT}s" >&2
	exit 124
fi
[ -n "$PLAN" ] && [ "$FAIL" = 0 ] && [ "$PASS" = "$PLAN" ] || exit 1
