#!/bin/bash
# make check-vm: boot each topology under QEMU/TCG (real Debian kernel) and run
# the bats suites of tests/vm/suites/ inside as root.
# Usage: tests/vm/check-vm.sh [TOPOLOGY...]   (default: all below)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# A boot runs every suite; under load (TCG on 2 busy cores) the sriov boot
# needed more than run.sh's 600 s default.
export VFIOCTL_VM_TIMEOUT=${VFIOCTL_VM_TIMEOUT:-1200}

# name | run.sh options | --setup script (run as root in the guest before
# udevd/systemd start, from the repository; may be empty) | suites of
# tests/vm/suites to run (default: list groups doctor). A suite's tests also
# skip on boots they do not apply to; leaving whole files out saves bats'
# per-file and per-test overhead, which is large under TCG.
BOOTS=(
	"bridge|--topology bridge||list groups doctor hotplug"
	"switch|--topology switch||list groups doctor bind"
	"sriov|--topology sriov||list groups doctor sriov"
	# legacy with a boot VGA and a secondary VGA device (topologies/legacy-vga.sh)
	"legacy|--topology legacy-vga"
	"bridge-noiommu|--topology bridge --no-iommu"
	"switch-noiommu|--topology switch --no-iommu"
	"sriov-noiommu|--topology sriov --no-iommu"
	"legacy-noiommu|--topology legacy --no-iommu"
	"bridge-iommu-off|--topology bridge --append intel_iommu=off"
	"bridge-nointremap|--topology bridge --intremap off"
	# AMD-Vi (amd-iommu; the guest runs with noapic, so no interrupt remapping)
	"amd|--topology bridge --iommu amd"
	# the Debian package and Ansible (suites/deb.bats), then the boot after it:
	# boot-setup.sh unpacks the disk state deb.bats saved (see there)
	"deb|--topology boot --systemd --timeout 1200||deb"
	"boot|--topology boot --systemd --timeout 1200|tests/vm/boot-setup.sh|boot"
	# early binding from a real initramfs (suites/early.bats): early-build
	# runs initramfs-tools' mkinitramfs in the guest (images in its /mnt/out);
	# the three boots after it start from those images, systemd as PID 1
	# (@STATE@: $STATE, @LABEL@: "" or "-6.12", the kernel's build)
	"early-build|--topology early||early"
	"early|--topology early --systemd --initrd @STATE@/early-build@LABEL@/hook.img|tests/vm/early-setup.sh|early"
	"early-nohook|--topology early --systemd --initrd @STATE@/early-build@LABEL@/nohook.img|tests/vm/early-setup.sh|early"
	"early-invalid|--topology early --systemd --initrd @STATE@/early-build@LABEL@/invalid.img|tests/vm/early-setup.sh|early"
)
# Each boot's /mnt/out is $STATE/NAME (emptied before the boot); a boot reads
# the output of earlier ones under $VM_STATE (boot: deb's disk-state.tar, kept
# from an earlier run too, so `check-vm.sh boot` after `check-vm.sh deb` works).
STATE=$REPO/build/vm-state
# Every boot runs on each kernel: bookworm's 6.1 ("current") and
# bookworm-backports' 6.12 ("backports"); a boot on the latter is named
# NAME/6.12 (its major.minor). VFIOCTL_VM_KERNELS picks the kernels.
CACHE=${VFIOCTL_VM_CACHE:-/var/cache/vfioctl-vm}
read -r -a KERNELS <<<"${VFIOCTL_VM_KERNELS:-current backports}"
RUNS=()
for k in "${KERNELS[@]}"; do
	label=
	if [ "$k" != current ]; then
		rel=$(cat "$CACHE/$k.release" 2>/dev/null) || {
			echo "check-vm: no kernel '$k' in $CACHE (scripts/install-deps.sh --vm)" >&2
			exit 2
		}
		label=/$(echo "$rel" | cut -d. -f1-2)
	fi
	for b in "${BOOTS[@]}"; do RUNS+=("$k|$label|$b"); done
done
# BOOT... selects boots by name: "bridge" (both kernels) or "bridge/6.12"
want=("$@")
# deb and boot install the Debian package built from HEAD (cached per commit)
if [ ${#want[@]} = 0 ] || [[ " ${want[*]} " == *" deb "* || " ${want[*]} " == *" boot"[\ /]* ]]; then
	"$REPO/scripts/build-deb.sh"
fi
failed=() retried=() passed=0
for run in "${RUNS[@]}"; do
	IFS='|' read -r kernel label name opts setup suites <<<"$run"
	if [ ${#want[@]} -gt 0 ] && [[ " ${want[*]} " != *" $name "* ]] &&
		[[ " ${want[*]} " != *" $name$label "* ]]; then
		continue
	fi
	# the package and Ansible do not depend on the kernel: deb runs on 6.1 only
	if [ "$name" = deb ] && [ -n "$label" ]; then
		continue
	fi
	opts=${opts//@STATE@/$STATE}
	opts=${opts//@LABEL@/${label//\//-}}
	name=$name$label
	outname=${name//\//-} # boot/6.12 -> boot-6.12
	echo "== check-vm: $name"
	start=$SECONDS
	files=""
	for s in ${suites:-list groups doctor}; do files+=" tests/vm/suites/$s.bats"; done
	setup_opt=()
	[ -z "$setup" ] || setup_opt=(--setup "bash '$REPO/$setup'")
	# run.sh exits 126 when QEMU crashed or the guest never reached the
	# suites (not a verdict on vfioctl): boot once more, and say so.
	for attempt in 1 2; do
		rc=0
		rm -rf "${STATE:?}/$outname"
		mkdir -p "$STATE/$outname"
		# shellcheck disable=SC2086
		"$HERE/run.sh" --kernel "$kernel" $opts "${setup_opt[@]+"${setup_opt[@]}"}" \
			--env "VM_BOOT=${name%/*}" --env "VM_KERNEL=$kernel" \
			--out "$STATE/$outname" --env "VM_STATE=$STATE" -- \
			sh -c "cd '$REPO' && bats --formatter tap --timing$files" || rc=$?
		if [ "$rc" != 126 ] || [ "$attempt" = 2 ]; then
			break
		fi
		echo "== check-vm: $name: infrastructure failure (exit 126), booting again"
		retried+=("$name")
	done
	if [ "$rc" = 0 ]; then
		passed=$((passed + 1))
	else
		failed+=("$name")
	fi
	echo "== check-vm: $name took $((SECONDS - start)) s"
done
# One line per run, counted in boots (each boot runs every suite).
echo "check-vm: $passed passed, ${#failed[@]} failed, ${#retried[@]} booted twice${retried[*]+ (${retried[*]})}"
if [ ${#failed[@]} -gt 0 ]; then
	echo "check-vm: failed boots: ${failed[*]}"
	exit 1
fi
