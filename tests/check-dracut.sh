#!/bin/bash
# make check-dracut: build an initramfs with dracut and vfioctl's module
# (contrib/dracut/90vfioctl) and check that vfioctl's files are in it:
# the binary, the configuration, the udev rule calling /usr/sbin/vfioctl, the
# pre-udev hook and (with a kernel module tree) vfio-pci with its
# dependencies; then that `vfioctl status` finds its hook in that image.
#
# dracut is not installed: Debian's dracut conflicts with initramfs-tools.
# scripts/install-deps.sh --dracut unpacks bookworm's dracut-core into
# $VFIOCTL_VM_CACHE/dracut; it runs from there (dracutbasedir), with a copy
# of its tree holding vfioctl's module as `make install` puts it. Nothing is
# written outside build/dracut (the configuration is --include'd into the
# image, never put in /etc).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${VFIOCTL_VM_CACHE:-/var/cache/vfioctl-vm}
DRACUT_TREE=$CACHE/dracut
T=$REPO/build/dracut
fail() {
	echo "check-dracut: FAIL: $*" >&2
	exit 1
}
[ -x "$DRACUT_TREE/usr/bin/dracut" ] || fail "no dracut in $DRACUT_TREE (scripts/install-deps.sh --dracut)"
start=$SECONDS
rm -rf "$T"
mkdir -p "$T/none"
# vfioctl as `make install PREFIX=/usr/local` puts it (the binary not in /usr/sbin)
make -s -C "$REPO" install DESTDIR="$T/root" PREFIX=/usr/local >/dev/null
# dracut's tree plus the installed module and udev rule (as under /usr)
cp -a "$DRACUT_TREE/usr" "$T/dracut"
cp -a "$T/root/usr/lib/dracut/modules.d/90vfioctl" "$T/dracut/lib/dracut/modules.d/"
mkdir -p "$T/dracut/lib/udev/rules.d"
cp "$T/root/usr/lib/udev/rules.d/69-vfioctl.rules" "$T/dracut/lib/udev/rules.d/"
printf '[device 0000:01:00.0]\ndriver = vfio-pci\n' >"$T/vfioctl.conf"

# a kernel's modules for vfio-pci: the VM tier's 6.1, else the running one's
kargs=(--no-kernel)
for k in "$CACHE/current" ""; do
	rel=$(cat "$CACHE/current.release" 2>/dev/null || true)
	[ -n "$k" ] || rel=$(uname -r)
	if [ -n "$rel" ] && [ -s "$k/lib/modules/$rel/modules.dep" ]; then
		kargs=(--kver "$rel" --kmoddir "$k/lib/modules/$rel")
		break
	fi
done
echo "check-dracut: dracut $(sed -n "s/^DRACUT_VERSION=//p" "$T/dracut/lib/dracut/dracut-version.sh"), ${kargs[*]}"
DRACUT_PATH="$T/root/usr/local/sbin /sbin /bin /usr/sbin /usr/bin" dracutbasedir=$T/dracut/lib/dracut \
	"$T/dracut/bin/dracut" --force --no-compress --no-hostonly --no-early-microcode \
	--conf /dev/null --confdir "$T/none" --tmpdir "$T" \
	-m "vfioctl" --include "$T/vfioctl.conf" /etc/vfioctl.conf \
	"${kargs[@]}" "$T/initramfs.img" >"$T/dracut.log" 2>&1 ||
	{ cat "$T/dracut.log" >&2; fail "dracut failed"; }
cpio -it --quiet <"$T/initramfs.img" | sort >"$T/list"

want=(usr/sbin/vfioctl etc/vfioctl.conf usr/lib/udev/rules.d/69-vfioctl.rules
	usr/lib/dracut/hooks/pre-udev/05-vfioctl-early.sh)
[ "${kargs[0]}" = --no-kernel ] || want+=(vfio-pci.ko vfio.ko vfio_iommu_type1.ko)
for f in "${want[@]}"; do
	grep -qE "(^|/)$f(\.(xz|zst|gz))?\$" "$T/list" || { cat "$T/dracut.log" >&2; fail "$f is not in the image"; }
	echo "check-dracut: in the image: $(grep -E "(^|/)$f(\.(xz|zst|gz))?\$" "$T/list" | head -n1)"
done
grep -qx libkmod.so.2 <(sed 's|.*/||' "$T/list") || fail "libkmod.so.2 (dlopen()ed by vfioctl) is not in the image"
# the image's copy of the udev rule calls the binary where the image has it
mkdir -p "$T/x"
(cd "$T/x" && cpio -id --quiet usr/lib/udev/rules.d/69-vfioctl.rules etc/vfioctl.conf <"$T/initramfs.img")
grep -q 'RUN+="/usr/sbin/vfioctl udev-add $kernel"' "$T/x/usr/lib/udev/rules.d/69-vfioctl.rules" ||
	fail "the image's rule does not call /usr/sbin/vfioctl: $(grep RUN "$T/x/usr/lib/udev/rules.d/69-vfioctl.rules")"
cmp -s "$T/x/etc/vfioctl.conf" "$T/vfioctl.conf" || fail "the image's /etc/vfioctl.conf is not the configuration"
# vfioctl status, on a snapshot of the VM tier (legacy: 01:00.0 is an e1000e)
# with dracut's files and this configuration, sees its hook in that image
# (listed with dracut's lsinitrd) and e1000e not in it: nothing loses.
S=$T/sysroot
mkdir -p "$S/etc/dracut.conf.d" "$S/usr/lib/dracut/modules.d"
tar -C "$S" -xzf "$REPO/tests/fixtures/legacy/snapshot.tar.gz"
cp "$T/vfioctl.conf" "$S/etc/vfioctl.conf"
cp -a "$T/root/usr/lib/dracut/modules.d/90vfioctl" "$S/usr/lib/dracut/modules.d/"
PATH=$T/dracut/bin:$PATH dracutbasedir=$T/dracut/lib/dracut VFIOCTL_INITRAMFS=$T/initramfs.img \
	"$REPO/vfioctl" --sysroot "$S" --json status >"$T/status.json" || true
got=$(jq -c '[.early.tool, .early.hook, .early.image_has_hook, .early.devices[0].in_initramfs, .early.devices[0].loses]' "$T/status.json")
[ "$got" = '["dracut","/usr/lib/dracut/modules.d/90vfioctl/module-setup.sh",true,false,false]' ] ||
	fail "vfioctl status on the image: $got: $(jq -c .early "$T/status.json")"
echo "check-dracut: vfioctl status: $got"
echo "check-dracut: ok, $(wc -l <"$T/list") files in the image, $((SECONDS - start)) s"
