#!/usr/bin/env bats
# A device that leaves the bus while vfioctl reads or moves it (hot-unplug):
# the answer is the device as it was, "no such PCI device" (exit 2) or
# "removed" (exit 3 for a batch), never made-up values or a group the kernel
# did not put it in. Runs on the bridge boot; the igb NIC is removed and
# rescanned, and is back on igb at the end.
load helpers

setup() {
	[ -n "$(ls /sys/kernel/iommu_groups 2>/dev/null)" ] || skip "no IOMMU in this boot"
	NIC=$(pci_by_id 8086 10c9) || skip "no igb in this topology"
}

# The group a JSON check reported for $NIC must be its group right before or
# right after the command (a rescan may give it a new group number).
check_group_answer() { # JSON BEFORE AFTER
	local got
	got=$(jq -r --arg a "$NIC" '.groups[] | select(.devices[].address == $a) | .id' <<<"$1" | head -n1)
	[ -n "$got" ] && { [ "$got" = "$2" ] || [ "$got" = "$3" ]; } ||
		fail "check reported $NIC in group '$got'; the kernel had '$2' before, '$3' after"
}

@test "live hot-unplug: check and bind during remove/rescan answer present, no such device or removed" {
	local cycles=0 before after seen_gone=0 seen_ok=0
	# remove and rescan in the background, 4 times
	(
		for i in 1 2 3 4; do
			echo 1 >"/sys/bus/pci/devices/$NIC/remove"
			sleep 0.4
			echo 1 >/sys/bus/pci/rescan
			sleep 0.6
		done
	) &
	local pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		cycles=$((cycles + 1))
		before=$(group_of "$NIC") || before=gone
		run --separate-stderr vfioctl --json check "$NIC"
		after=$(group_of "$NIC") || after=gone
		case $status in
		0 | 1)
			check_group_answer "$output" "$before" "$after"
			seen_ok=$((seen_ok + 1))
			;;
		2)
			[[ "$stderr" == *"no such PCI device"* ]] || fail "check exit 2: $stderr"
			assert_equal "$(jq .error.exit <<<"$output")" 2
			seen_gone=$((seen_gone + 1))
			;;
		*) fail "check $NIC exited $status: $stderr" ;;
		esac
		[[ "$output" != *'"id": 0,'* ]] || [ "$before" = 0 ] || fail "group 0 reported: $output"
		run --separate-stderr vfioctl bind --no-udev-wait "$NIC"
		case $status in
		0) ;;
		2) [[ "$stderr" == *"no such PCI device"* ]] || fail "bind exit 2: $stderr" ;;
		# refused or failed with nothing left changed: the device was removed,
		# or was being probed again after a rescan (its driver changed)
		3) [[ "$stderr" == *removed* || "$stderr" == *"nothing was changed"* ||
			"$stderr" == *"put back as it was"* ]] ||
			fail "bind exit 3 without saying why: $output $stderr" ;;
		*) fail "bind $NIC exited $status: $output $stderr" ;;
		esac
	done
	wait "$pid"
	echo "# $cycles rounds: $seen_ok answers with the device, $seen_gone without it" >&3
	[ "$seen_ok" -gt 0 ] || fail "the device was never seen"
	# the rescanned device is back on its host driver; restore clears the journal
	run vfioctl restore
	[ "$status" -le 3 ] || fail "restore exited $status: $output"
	udevadm settle
	assert_equal "$(link_name "/sys/bus/pci/devices/$NIC/driver")" igb
}
