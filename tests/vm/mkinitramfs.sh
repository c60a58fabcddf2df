#!/bin/bash
# Build (or reuse) the harness initramfs for a given unpacked kernel tree.
# Usage: mkinitramfs.sh KERNEL_TREE RELEASE OUTDIR
# Prints the path of the (cached) cpio archive.  The archive name contains a
# hash of all inputs (init script, busybox binary, module files), so it is
# rebuilt automatically when any of them changes.
set -euo pipefail
TREE=$1 KREL=$2 OUTDIR=$3
HERE=$(cd "$(dirname "$0")" && pwd)
MODDIR=$TREE/lib/modules/$KREL
BUSYBOX=${VFIOCTL_VM_BUSYBOX:-/bin/busybox}
# VFIOCTL_VM_EXTRA_MODULES: loaded first (run.sh --iommu virtio: virtio_iommu,
# which the 9p transport's probe waits for when the VIOT table lists it)
MODULES="${VFIOCTL_VM_EXTRA_MODULES:-} virtio_pci 9pnet_virtio 9p overlay"

file "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' ||
	ldd "$BUSYBOX" 2>&1 | grep -q 'not a dynamic' || {
	echo "mkinitramfs: $BUSYBOX is not static (install busybox-static)" >&2
	exit 1
}

# module files in load order (deduplicated), from modules.dep
[ -s "$MODDIR/modules.dep" ] || {
	echo "mkinitramfs: $MODDIR/modules.dep missing (run depmod -b $TREE $KREL)" >&2
	exit 1
}
mapfile -t KOS < <(for m in $MODULES; do
	modprobe -d "$TREE" -S "$KREL" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++')

HASH=$( {
	sha256sum "$HERE/initramfs/init" "$BUSYBOX" "$0"
	echo "$KREL"
	sha256sum "${KOS[@]}"
} | sha256sum | cut -c1-16)
OUT=$OUTDIR/initramfs-$KREL-$HASH.cpio
if [ -s "$OUT" ]; then
	echo "$OUT"
	exit 0
fi

mkdir -p "$OUTDIR"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W"/{bin,dev,proc,sys,modules,lower,rw,newroot}
cp "$BUSYBOX" "$W/bin/busybox"
ln -s busybox "$W/bin/sh"
install -m 0755 "$HERE/initramfs/init" "$W/init"
: >"$W/modules.list"
for ko in "${KOS[@]}"; do
	base=$(basename "$ko")
	case "$base" in
	*.ko.xz) xz -dc "$ko" >"$W/modules/${base%.xz}"; base=${base%.xz} ;;
	*.ko.zst) zstd -qdc "$ko" >"$W/modules/${base%.zst}"; base=${base%.zst} ;;
	*.ko.gz) gzip -dc "$ko" >"$W/modules/${base%.gz}"; base=${base%.gz} ;;
	*) cp "$ko" "$W/modules/$base" ;;
	esac
	echo "$base" >>"$W/modules.list"
done
# /dev/console for the kernel's initial stdio (needs root; the init script
# mounts devtmpfs anyway)
mknod -m 600 "$W/dev/console" c 5 1 2>/dev/null || true
(cd "$W" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) >"$OUT.$$.tmp"
mv "$OUT.$$.tmp" "$OUT"
echo "$OUT"
