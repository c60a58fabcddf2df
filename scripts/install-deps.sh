#!/bin/sh
# Install build/test dependencies of vfioctl on Debian 12 (bookworm).
#
# Usage: scripts/install-deps.sh [--deb] [--vm] [--vm-arm64] [--bench] [--dracut] [--help]
#   (no option)  build + unit/bats test dependencies only
#   --deb        additionally: what `make deb` / `make check-deb` need to
#                build the Debian package and lint it (debhelper, dpkg-dev,
#                lintian)
#   --vm         --deb, ansible-core (the playbooks of tests/vm/suites/deb.bats
#                run the host's ansible in the guest), and:
#                qemu-system-x86 >= 8 (bookworm-backports)
#                and the Debian stock kernels (downloaded + unpacked, not
#                installed) used by tests/vm/run.sh: bookworm's 6.1
#                ($VFIOCTL_VM_CACHE/current) and bookworm-backports' 6.12
#                ($VFIOCTL_VM_CACHE/backports).
#   --vm-arm64   --vm plus what `make check-vm-arm64` (tests/vm/arm64) needs:
#                qemu-system-arm (bookworm-backports), the arm64 architecture
#                (dpkg --add-architecture), gcc-aarch64-linux-gnu and the arm64
#                -dev packages of the build (a cross build of vfioctl), and,
#                downloaded + unpacked, not installed: bookworm-backports'
#                linux-image-arm64 ($VFIOCTL_VM_CACHE/arm64-backports) and
#                busybox-static:arm64 ($VFIOCTL_VM_CACHE/arm64-busybox).
#   --bench      --vm plus the tools `make bench` compares against:
#                driverctl and dpdk (dpdk-devbind.py); lspci is in pciutils.
#   --dracut     for `make check-dracut`: bookworm's dracut-core downloaded and
#                unpacked into $VFIOCTL_VM_CACHE/dracut, not installed (Debian's
#                dracut conflicts with initramfs-tools, the host's generator)
#
# Environment:
#   VFIOCTL_VM_CACHE  kernel cache dir (default /var/cache/vfioctl-vm)
#
# Idempotent: packages already installed are not touched and apt-get update
# only runs when something is missing. Must run as root.
set -eu

DEB=0 VM=0 VMARM64=0 BENCH=0 DRACUT=0
for a in "$@"; do
	case "$a" in
	--dracut) DRACUT=1 ;;
	--deb) DEB=1 ;;
	--vm) DEB=1 VM=1 ;;
	--vm-arm64) DEB=1 VM=1 VMARM64=1 ;;
	--bench) DEB=1 VM=1 BENCH=1 ;;
	-h | --help)
		sed -n '2,/^set -eu$/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "install-deps: unknown option: $a" >&2
		exit 2
		;;
	esac
done

CACHE=${VFIOCTL_VM_CACHE:-/var/cache/vfioctl-vm}
export DEBIAN_FRONTEND=noninteractive

log() { echo "install-deps: $*"; }
die() {
	echo "install-deps: error: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root"
command -v apt-get >/dev/null || die "apt-get not found (Debian 12 expected)"

PKGS="build-essential git fish zsh bash-completion pkg-config libpci-dev libudev-dev libjansson-dev
libkmod-dev libmnl-dev libinih-dev bats bats-assert bats-support bats-file
scdoc jq pciutils hwdata busybox-static cpio kmod udev systemd iproute2
clang-format valgrind xz-utils zstd initramfs-tools-core"

UPDATED=0
apt_update() {
	if [ "$UPDATED" = 0 ]; then
		log "apt-get update"
		apt-get update -qq
		UPDATED=1
	fi
}

# print the packages of $* that are not installed (PKG: the native or the
# arch-all one, not a foreign-architecture copy of it; PKG:ARCH: that one)
NATIVE=$(dpkg --print-architecture)
missing() {
	for p in "$@"; do
		case "$p" in *:*) a=${p#*:} ;; *) a=$NATIVE ;; esac
		dpkg-query -W -f='${Architecture} ${db:Status-Status}\n' "$p" 2>/dev/null |
			awk -v a="$a" '($1 == a || $1 == "all") && $2 == "installed" { f = 1 } END { exit !f }' ||
			echo "$p"
	done
}

# install_missing WHAT PACKAGE...: apt-get install those not installed yet
install_missing() {
	what=$1
	shift
	m=$(missing "$@")
	if [ -n "$m" ]; then
		# shellcheck disable=SC2086
		log "installing ($what):" $m
		apt_update
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $m
	else
		log "$what packages already installed"
	fi
}

# shellcheck disable=SC2086
install_missing build/test $PKGS
# the Debian package: debian/control's Build-Depends are in PKGS above
[ "$DEB" = 0 ] || install_missing deb debhelper dpkg-dev lintian
# the Ansible modules' VM test (contrib/ansible, tests/vm/suites/deb.bats)
[ "$VM" = 0 ] || install_missing ansible ansible-core
# the early-binding boots (tests/vm/suites/early.bats) build a real initramfs
# with initramfs-tools' mkinitramfs inside the guest
[ "$VM" = 0 ] || install_missing initramfs initramfs-tools
# only for `make bench`: the tools it measures vfioctl against
[ "$BENCH" = 0 ] || install_missing bench driverctl dpdk

# unpack_pkg PKG[:ARCH]=VERSION TREE: download the package (as the unprivileged
# _apt user where possible: no sandbox warning) and unpack it into TREE, never
# installing it; TREE/.unpacked marks a complete unpack. Returns 1 if TREE was
# already unpacked.
unpack_pkg() {
	spec=$1 tree=$2 dl="$CACHE/download.$$"
	if [ -f "$tree/.unpacked" ]; then
		log "$spec already unpacked in $tree"
		return 1
	fi
	log "downloading $spec into $CACHE"
	rm -rf "$tree" "$dl"
	mkdir -p "$dl" "$tree"
	chown _apt "$dl" 2>/dev/null || true
	(cd "$dl" && apt-get download -qq "$spec") || {
		apt_update
		(cd "$dl" && apt-get download -qq "$spec")
	}
	for deb in "$dl"/*.deb; do
		log "unpacking $(basename "$deb")"
		dpkg-deb -x "$deb" "$tree"
	done
	rm -rf "$dl"
	touch "$tree/.unpacked"
}

# dracut-core, unpacked: the dracut script, its modules, dracut-install, lsinitrd
if [ "$DRACUT" = 1 ]; then
	DVER=$(apt-cache show dracut-core 2>/dev/null | sed -n 's/^Version: //p' | sort -V | grep -v bpo | tail -n1)
	[ -n "$DVER" ] || { apt_update; DVER=$(apt-cache show dracut-core | sed -n 's/^Version: //p' | grep -v bpo | sort -V | tail -n1); }
	[ -n "$DVER" ] || die "no dracut-core package"
	DTREE="$CACHE/dracut-core_$DVER"
	unpack_pkg "dracut-core=$DVER" "$DTREE" || true
	ln -sfn "$(basename "$DTREE")" "$CACHE/dracut"
fi

[ "$VM" = 1 ] || {
	log "done (use --vm for qemu + guest kernel)"
	exit 0
}

# ---------------------------------------------------------------- qemu >= 8
qemu_major() {
	qemu-system-x86_64 --version 2>/dev/null |
		sed -n 's/^QEMU emulator version \([0-9]*\).*/\1/p' | head -n1
}

# URI of the main Debian archive from the configured apt sources
debian_mirror() {
	uri=""
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		case "$f" in *vfioctl-backports*) continue ;; esac
		# deb822: first URIs: of a stanza with a bookworm suite, not security
		uri=$(awk '
			/^[ \t]*$/ { if (u != "" && s ~ /(^| )bookworm( |$)/) { print u; exit } u = ""; s = "" }
			/^URIs:/ { u = $2 }
			/^Suites:/ { $1 = ""; s = $0 " " }
			END { if (u != "" && s ~ /(^| )bookworm( |$)/) print u }
		' "$f" | grep -v security | head -n1)
		[ -n "$uri" ] && break
	done
	if [ -z "$uri" ]; then
		uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk '$1 == "deb" {
				i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
				if ($(i+1) == "bookworm") { print $i; exit }
			}')
	fi
	[ -n "$uri" ] || die "cannot find the Debian bookworm mirror in /etc/apt/sources*"
	echo "$uri"
}

# qemu >= 8 and the 6.12 guest kernel come from bookworm-backports
BP=/etc/apt/sources.list.d/vfioctl-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	MIRROR=$(debian_mirror)
	log "adding bookworm-backports ($MIRROR) as $BP"
	cat >"$BP" <<EOS
Types: deb
URIs: $MIRROR
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
	UPDATED=0
	apt_update
fi

QM=$(qemu_major || true)
if [ -n "$QM" ] && [ "$QM" -ge 8 ]; then
	log "qemu-system-x86 $QM.x already installed"
else
	apt_update
	log "installing qemu-system-x86 from bookworm-backports"
	apt-get install -y -qq --no-install-recommends -t bookworm-backports \
		qemu-system-x86 ipxe-qemu
	QM=$(qemu_major || true)
	[ -n "$QM" ] && [ "$QM" -ge 8 ] || die "qemu-system-x86_64 >= 8 not available"
fi

# ------------------------------------------------------------ guest kernels
# Resolve linux-image-amd64 of a suite (bookworm's candidate, or
# bookworm-backports') to the real linux-image-<ver>-amd64 package, download
# and unpack it into $CACHE/<pkg>_<version>/ and point $CACHE/NAME at it
# (NAME.release: its uname -r). Never installed on the host.
mkdir -p "$CACHE"
KARCH=amd64
resolve_kernel_pkg() { # [-t SUITE]
	apt-cache depends "$@" "linux-image-$KARCH:$KARCH" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ :]*\)\(:[a-z0-9]*\)\{0,1\}$/\1/p' | head -n1
}
fetch_kernel() { # NAME [-t SUITE]
	name=$1
	shift
	KPKG=$(resolve_kernel_pkg "$@")
	if [ -z "$KPKG" ]; then
		apt_update
		KPKG=$(resolve_kernel_pkg "$@")
	fi
	[ -n "$KPKG" ] || die "cannot resolve linux-image-$KARCH $*"
	KVER=$(apt-cache show "$KPKG:$KARCH" 2>/dev/null | sed -n 's/^Version: //p' | head -n1)
	[ -n "$KVER" ] || die "no version of $KPKG"
	TREE="$CACHE/${KPKG}_$KVER"
	if unpack_pkg "$KPKG:$KARCH=$KVER" "$TREE"; then
		# the package's postinst would run depmod; do it for the unpacked tree
		for r in "$TREE"/lib/modules/*; do
			depmod -b "$TREE" "$(basename "$r")"
		done
	fi
	UNAME=$(ls "$TREE/lib/modules" | head -n1)
	[ -s "$TREE/lib/modules/$UNAME/modules.dep" ] || depmod -b "$TREE" "$UNAME"
	ln -sfn "$(basename "$TREE")" "$CACHE/$name"
	echo "$UNAME" >"$CACHE/$name.release"
	log "guest kernel $name: $CACHE/$name/boot/vmlinuz-$UNAME"
}
# bookworm's 6.1 (the candidate: bookworm or bookworm-security) ...
fetch_kernel current
# ... and bookworm-backports' (6.12 today): iommufd and the VFIO device cdev
fetch_kernel backports -t bookworm-backports
[ "$VMARM64" = 1 ] || {
	log "done"
	exit 0
}

# ------------------------------------------- Arm SMMUv3 boot (check-vm-arm64)
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	log "dpkg --add-architecture arm64"
	dpkg --add-architecture arm64
	UPDATED=0
	apt_update
fi
if command -v qemu-system-aarch64 >/dev/null &&
	[ "$(dpkg-query -W -f='${Version}' qemu-system-arm 2>/dev/null)" = \
		"$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null)" ]; then
	log "qemu-system-arm already installed"
else
	log "installing qemu-system-arm from bookworm-backports"
	apt_update
	# the same backports suite as qemu-system-x86 (its qemu-system-data)
	apt-get install -y -qq --no-install-recommends -t bookworm-backports qemu-system-arm
fi
install_missing arm64-cross gcc-aarch64-linux-gnu libc6-dev:arm64 libpci-dev:arm64 \
	libudev-dev:arm64 libjansson-dev:arm64 libkmod-dev:arm64 libmnl-dev:arm64 libinih-dev:arm64
KARCH=arm64
fetch_kernel arm64-backports -t bookworm-backports
# busybox-static:arm64 for the guest's initramfs (installing it would replace
# the host's amd64 busybox-static)
BBVER=$(apt-cache show busybox-static:arm64 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n1)
[ -n "$BBVER" ] || die "no busybox-static:arm64"
BBTREE="$CACHE/busybox-static-arm64_$BBVER"
unpack_pkg "busybox-static:arm64=$BBVER" "$BBTREE" || true
ln -sfn "$(basename "$BBTREE")" "$CACHE/arm64-busybox"
log "done"
