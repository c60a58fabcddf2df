#!/bin/bash
# Boot each topology, take `vfioctl snapshot` inside (the real kernel's sysfs),
# and store it with the kernel's own view (truth.json) under tests/fixtures/NAME/.
# Usage: tests/vm/make-fixtures.sh [NAME...]   (default: all)
# Each fixture is taken on both kernels (VFIOCTL_VM_KERNELS, default "current
# backports"): bookworm's 6.1 as NAME, bookworm-backports' 6.12 as NAME-6.12.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

# name | run.sh options | shell run inside the guest before the snapshot
FIXTURES=(
	"bridge|--topology bridge|"
	"bridge-noiommu|--topology bridge --no-iommu|"
	"bridge-user|--topology bridge|user"
	"bridge-iommu-off|--topology bridge --append intel_iommu=off|"
	"bridge-nointremap|--topology bridge --intremap off|"
	"switch|--topology switch|"
	"switch-noiommu|--topology switch --no-iommu|"
	"sriov|--topology sriov|"
	"legacy|--topology legacy|"
	# the boot VGA device held by vesafb (bzImage boot, vga= mode, no bochs-drm)
	"legacy-vesafb|--topology legacy-vga --no-pvh --append vga=0x317 --append modprobe.blacklist=bochs|"
	"sriov-vfs|--topology sriov|for d in /sys/bus/pci/devices/*; do [ \$(cat \$d/device) = 0x10c9 ] && echo 3 > \$d/sriov_numvfs; done; udevadm settle"
)

CACHE=${VFIOCTL_VM_CACHE:-/var/cache/vfioctl-vm}
read -r -a KERNELS <<<"${VFIOCTL_VM_KERNELS:-current backports}"
want=("$@")
for kernel in "${KERNELS[@]}"; do
	for f in "${FIXTURES[@]}"; do
		IFS='|' read -r name opts prep <<<"$f"
		if [ "$kernel" != current ]; then
			name=$name-$(cut -d. -f1-2 "$CACHE/$kernel.release")
		fi
		if [ ${#want[@]} -gt 0 ] && [[ " ${want[*]} " != *" $name "* ]]; then
			continue
		fi
		opts="--kernel $kernel $opts"
		out=$(mktemp -d)
		if [ "$prep" = user ]; then
			snap="su nobody -s /bin/sh -c './vfioctl snapshot -o /tmp/snap.tar.gz' && cp /tmp/snap.tar.gz /mnt/out/snapshot.tar.gz"
			prep=""
		else
			snap="./vfioctl snapshot -o /mnt/out/snapshot.tar.gz"
		fi
		echo "== fixture $name"
		# shellcheck disable=SC2086
		"$HERE/run.sh" $opts --out "$out" -- sh -c "cd '$REPO' && ${prep:+$prep && }$snap && tests/vm/truth.sh > /mnt/out/truth.json"
		mkdir -p "$REPO/tests/fixtures/$name"
		cp "$out/snapshot.tar.gz" "$out/truth.json" "$REPO/tests/fixtures/$name/"
		rm -rf "$out"
		echo "   $(tar -tzf "$REPO/tests/fixtures/$name/snapshot.tar.gz" | wc -l) entries, $(jq '.devices | length' "$REPO/tests/fixtures/$name/truth.json") devices"
	done
done
