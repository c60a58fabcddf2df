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

# name | run.sh options | optional --setup script (run as root in the guest
# before udevd/systemd start, from the repository)
BOOTS=(
	"bridge|--topology bridge"
	"switch|--topology switch"
	"sriov|--topology sriov"
	"legacy|--topology legacy"
	"bridge-noiommu|--topology bridge --no-iommu"
	"switch-noiommu|--topology switch --no-iommu"
	"sriov-noiommu|--topology sriov --no-iommu"
	"legacy-noiommu|--topology legacy --no-iommu"
	"bridge-iommu-off|--topology bridge --append intel_iommu=off"
	"bridge-nointremap|--topology bridge --intremap off"
	"boot|--topology boot --systemd --timeout 1200|tests/vm/boot-setup.sh"
)
want=("$@")
failed=() retried=() passed=0
for b in "${BOOTS[@]}"; do
	IFS='|' read -r name opts setup <<<"$b"
	if [ ${#want[@]} -gt 0 ] && [[ " ${want[*]} " != *" $name "* ]]; then
		continue
	fi
	echo "== check-vm: $name"
	start=$SECONDS
	setup_opt=()
	[ -z "$setup" ] || setup_opt=(--setup "bash '$REPO/$setup'")
	# run.sh exits 126 when QEMU crashed or the guest never reached the
	# suites (not a verdict on vfioctl): boot once more, and say so.
	for attempt in 1 2; do
		rc=0
		# shellcheck disable=SC2086
		"$HERE/run.sh" $opts "${setup_opt[@]+"${setup_opt[@]}"}" --env "VM_BOOT=$name" -- \
			sh -c "cd '$REPO' && bats --formatter tap --timing tests/vm/suites" || rc=$?
		[ "$rc" = 126 ] && [ "$attempt" = 1 ] || break
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
