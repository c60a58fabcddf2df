#!/usr/bin/env bats
# sriov show/set/vf on a real kernel (sriov topology, IOMMU on): an igb 82576
# PF (VFs 8086:10ca, igbvf) and a QEMU NVMe PF. VFs are created, resized and
# bound to vfio-pci without igbvf ever probing them; VF attributes go through
# rtnetlink; VFs in use, bad input and failures leave everything as it was.
# Each test leaves both PFs with 0 VFs and autoprobe on.
load helpers

# Fork-light helpers: every fork costs under TCG.
rd() { local v; read -r v <"$1" && echo "$v"; }
numvfs() { rd "/sys/bus/pci/devices/$1/sriov_numvfs"; }
autoprobe() { rd "/sys/bus/pci/devices/$1/sriov_drivers_autoprobe"; }
drv() { link_name "/sys/bus/pci/devices/$1/driver" || echo none; }
# The VFs of PF $1 in index order.
vfs() {
	local i=0
	while [ -e "/sys/bus/pci/devices/$1/virtfn$i" ]; do
		link_name "/sys/bus/pci/devices/$1/virtfn$i"
		i=$((i + 1))
	done
}
# "ADDRESS=DRIVER ..." of PF $1's VFs.
vf_drivers() {
	local a out=
	for a in $(vfs "$1"); do out+="$a=$(drv "$a") "; done
	echo "${out% }"
}
# "ADDRESS=DRIVER ..." with every VF of PF $1 on driver $2.
all_on() {
	local a out=
	for a in $(vfs "$1"); do out+="$a=$2 "; done
	echo "${out% }"
}

setup_file() {
	# once: the PFs by vendor:device (pci_by_id forks per device)
	local d id
	[[ ${VFIOCTL_VM_TOPOLOGY:-} == sriov ]] || return 0
	for d in /sys/bus/pci/devices/*; do
		id=$(rd "$d/vendor"):$(rd "$d/device")
		[ "$id" = 0x8086:0x10c9 ] && export PF=${d##*/}
		[ "$id" = 0x1b36:0x0010 ] && export NVME=${d##*/}
	done
	[ -n "${PF:-}" ] && for d in "/sys/bus/pci/devices/$PF/net/"*; do export PF_IF=${d##*/}; done
	return 0
}

setup() {
	# the sriov boot (VM_BOOT=sriov in check-vm; run-suite.sh sets no VM_BOOT)
	[[ ${VFIOCTL_VM_TOPOLOGY:-} == sriov && ${VFIOCTL_VM_IOMMU:-} == 1 ]] ||
		skip "sriov topology with the IOMMU only"
	[ "$EUID" = 0 ] || skip "VM tier runs as root"
	[ -n "${PF:-}" ] && [ -n "${NVME:-}" ] && [ -n "${PF_IF:-}" ]
}

teardown() {
	[[ ${VFIOCTL_VM_TOPOLOGY:-} == sriov && -n ${PF:-} ]] || return 0
	[ -n "${HOLDER:-}" ] && kill -9 "$HOLDER" 2>/dev/null
	for p in $PF $NVME; do
		# a removal blocked by the holder finishes once it is gone
		for _ in $(seq 100); do
			[ "$(numvfs "$p")" = 0 ] && break
			echo 0 >"/sys/bus/pci/devices/$p/sriov_numvfs" 2>/dev/null || sleep 0.2
		done
		[ "$(autoprobe "$p")" = 1 ] || echo 1 >"/sys/bus/pci/devices/$p/sriov_drivers_autoprobe"
	done
	rm -f /run/vfioctl/journal.json
	udevadm settle
}

# A VM's hold on a VF: the VFIO group in a container and the device fd open.
hold_vf() {
	local vf=$1 group
	group=$(group_of "$vf")
	python3 - "$group" "$vf" vfio-vf-holder >"$BATS_TEST_TMPDIR/holder.out" 2>&1 <<-'EOF' &
		import ctypes, os, sys, time
		libc = ctypes.CDLL(None, use_errno=True)
		group = os.open("/dev/vfio/" + sys.argv[1], os.O_RDWR)
		container = os.open("/dev/vfio/vfio", os.O_RDWR)
		# VFIO_GROUP_SET_CONTAINER, VFIO_SET_IOMMU(VFIO_TYPE1_IOMMU), VFIO_GROUP_GET_DEVICE_FD
		if libc.ioctl(group, 0x3B68, ctypes.byref(ctypes.c_int(container))) < 0 or \
		   libc.ioctl(container, 0x3B66, 1) < 0 or \
		   libc.ioctl(group, 0x3B6A, ctypes.c_char_p(sys.argv[2].encode())) < 0:
		    print("ioctl:", os.strerror(ctypes.get_errno()), flush=True)
		    sys.exit(1)
		print("holding", flush=True)
		time.sleep(600)
	EOF
	HOLDER=$!
	for _ in $(seq 100); do
		grep -q holding "$BATS_TEST_TMPDIR/holder.out" && return 0
		sleep 0.1
	done
	cat "$BATS_TEST_TMPDIR/holder.out"
	return 1
}

@test "sriov show: both PFs with the kernel's counts, driver and autoprobe" {
	run vfioctl --json sriov show
	assert_success
	assert_equal "$(jq -r '[.pfs[] | "\(.address) \(.driver) \(.totalvfs) \(.numvfs) \(.drivers_autoprobe)"] | join(",")' <<<"$output")" \
		"$PF igb 7 0 true,$NVME nvme 4 0 true"
	assert_equal "$(jq -r .netlink <<<"$output")" true
	run vfioctl sriov show "$PF_IF"
	assert_success
	assert_output --partial "PF $PF: interface $PF_IF, driver igb, 0 of 7 VFs"
}

@test "igb: --vfs 4 --bind vfio-pci without igbvf probing; resize 4 -> 2; to 0" {
	dmesg -C
	run vfioctl sriov set "$PF" --vfs 4 --bind vfio-pci
	assert_success
	assert_equal "$(numvfs "$PF")" 4
	for a in $(vfs "$PF"); do
		assert_equal "$(drv "$a")" vfio-pci
		[ -c "/dev/vfio/$(group_of "$a")" ]
	done
	# igbvf may be loaded by udev (modalias) but never probed a VF
	run grep -c "igbvf 0000:" <(dmesg)
	assert_output 0
	assert_equal "$(autoprobe "$PF")" 1
	# show agrees, with rtnetlink attributes for each VF
	run vfioctl --json sriov show "$PF"
	assert_success
	assert_equal "$(jq -r '[.pfs[0].vfs[] | "\(.index)=\(.driver)"] | join(" ")' <<<"$output")" \
		"0=vfio-pci 1=vfio-pci 2=vfio-pci 3=vfio-pci"
	assert_equal "$(jq -r '[.pfs[0].vfs[] | .mac | type] | unique | join(",")' <<<"$output")" string

	run vfioctl --json sriov set "$PF" --vfs 2 --bind vfio-pci
	assert_success
	assert_equal "$(jq -r .status <<<"$output")" done
	assert_equal "$(jq -r '[.steps[] | "\(.action):\(.attribute // .driver):\(.value // ""):\(.status)"] | join(" ")' <<<"$output")" \
		"check:null::ok write:sriov_drivers_autoprobe:0:done write:sriov_numvfs:0:done write:sriov_numvfs:2:done bind:vfio-pci::done write:sriov_drivers_autoprobe:1:done"
	assert_equal "$(numvfs "$PF")" 2
	assert_equal "$(vf_drivers "$PF")" "$(all_on "$PF" vfio-pci)"
	run grep -c "igbvf 0000:" <(dmesg)
	assert_output 0
	# the journal holds the two VFs now bound, not the four removed
	assert_equal "$(jq -c '.devices | keys' /run/vfioctl/journal.json)" "$(vfs "$PF" | jq -R . | jq -sc .)"

	run vfioctl sriov set "$PF" --vfs 0
	assert_success
	assert_equal "$(numvfs "$PF")" 0
	assert_equal "$(jq -c .devices /run/vfioctl/journal.json)" "{}"
}

@test "--bind keeps the user's autoprobe off; --autoprobe sets it without touching bound VFs" {
	echo 0 >"/sys/bus/pci/devices/$PF/sriov_drivers_autoprobe"
	run vfioctl sriov set "$PF" --vfs 1 --bind vfio-pci
	assert_success
	assert_equal "$(autoprobe "$PF")" 0
	assert_equal "$(vf_drivers "$PF")" "$(all_on "$PF" vfio-pci)"
	run vfioctl sriov set "$PF" --vfs 1 --autoprobe yes
	assert_success
	assert_equal "$(autoprobe "$PF")" 1
	assert_equal "$(vf_drivers "$PF")" "$(all_on "$PF" vfio-pci)"
}

@test "sriov vf: MAC, VLAN/QoS, trust, spoofchk by PF address and by interface name; ip link agrees" {
	# no VF driver: quicker, and the attributes live in the PF anyway
	run vfioctl sriov set "$PF" --vfs 2 --autoprobe no
	assert_success
	run vfioctl sriov vf "$PF" 0 --mac 02:11:22:33:44:55 --vlan 10 --qos 3 --trust on --spoofchk off
	assert_success
	run vfioctl --json sriov vf "$PF_IF" 1 --mac 02:11:22:33:44:66 --vlan 20
	assert_success
	assert_equal "$(jq -c .changed <<<"$output")" '["mac","vlan"]'
	assert_equal "$(jq -r .after.mac <<<"$output")" 02:11:22:33:44:66
	run ip link show "$PF_IF"
	assert_line --regexp '^ +vf 0 .*link/ether 02:11:22:33:44:55 .*vlan 10, qos 3, spoof checking off, .*trust on'
	assert_line --regexp '^ +vf 1 .*link/ether 02:11:22:33:44:66 .*vlan 20, spoof checking on, .*trust off'
	# by the VF's PCI address; back to no VLAN, trust off
	vf0=$(vfs "$PF" | head -1)
	run vfioctl sriov vf "$PF_IF" "$vf0" --vlan 0 --trust off --spoofchk on
	assert_success
	run ip link show "$PF_IF"
	assert_line --regexp '^ +vf 0 .*link/ether 02:11:22:33:44:55 .*spoof checking on, .*trust off'
	refute_line --regexp '^ +vf 0 .*vlan'
	# show reads them back
	run vfioctl --json sriov show "$PF"
	assert_equal "$(jq -c '.pfs[0].vfs[] | [.mac, .vlan, .qos, .trust, .spoofchk]' <<<"$output" | paste -sd' ')" \
		'["02:11:22:33:44:55",0,0,false,true] ["02:11:22:33:44:66",20,0,false,true]'
}

@test "sriov vf: an attribute the driver lacks (igb: link state) fails cleanly, exit 3, nothing changed" {
	run vfioctl sriov set "$PF" --vfs 1 --autoprobe no
	assert_success
	before=$(ip link show "$PF_IF")
	run vfioctl sriov vf "$PF" 0 --state disable
	assert_failure 3
	assert_output --partial "link state: the PF's driver does not support setting it"
	assert_equal "$(ip link show "$PF_IF")" "$before"
}

@test "NVMe PF: VFs created and bound to vfio-pci, then removed" {
	run vfioctl sriov set "$NVME" --vfs 2 --bind vfio-pci
	assert_success
	assert_equal "$(numvfs "$NVME")" 2
	assert_equal "$(vf_drivers "$NVME")" "$(all_on "$NVME" vfio-pci)"
	assert_equal "$(autoprobe "$NVME")" 1
	run vfioctl sriov set "$NVME" --vfs 0
	assert_success
	assert_equal "$(numvfs "$NVME")" 0
}

@test "bad input: multicast MAC, VF out of range, too many VFs, no PF named: exit 2; lock held elsewhere: exit 3; nothing changes" {
	run vfioctl sriov set "$PF" --vfs 2 --autoprobe no
	assert_success
	links=$(ip link show "$PF_IF")
	drivers=$(vf_drivers "$PF")
	run vfioctl sriov vf "$PF" 0 --mac 01:00:5e:00:00:01
	assert_failure 2
	assert_output --partial multicast
	run vfioctl sriov vf "$PF" 2 --mac 02:00:00:00:00:01
	assert_failure 2
	assert_output --partial "no VF 2"
	run vfioctl sriov vf "$PF" 0 --vlan 4096
	assert_failure 2
	run vfioctl sriov set "$PF" --vfs 8
	assert_failure 2
	assert_output --partial "0-7"
	run vfioctl sriov set --vfs 1
	assert_failure 2
	assert_output --partial "$NVME"
	# another process holds vfioctl's lock: refused before anything is written
	mkdir -p /run/vfioctl
	exec 9>/run/vfioctl/lock
	flock -n 9
	run vfioctl sriov set "$PF" --vfs 1
	exec 9>&-
	assert_failure 3
	assert_output --partial "another vfioctl"
	assert_equal "$(numvfs "$PF")" 2
	assert_equal "$(ip link show "$PF_IF")" "$links"
	assert_equal "$(vf_drivers "$PF")" "$drivers"
}

@test "a VF interface up with an address blocks removing it (exit 3, nothing changed); --force goes on" {
	# autoprobe on: igbvf probes the VF and gives it an interface
	run vfioctl sriov set "$PF" --vfs 1
	assert_success
	assert_equal "$(vf_drivers "$PF")" "$(all_on "$PF" igbvf)"
	udevadm settle
	vf_if=$(ls "/sys/bus/pci/devices/$(vfs "$PF")/net")
	ip link set "$PF_IF" up
	ip addr add 192.0.2.10/24 dev "$vf_if"
	ip link set "$vf_if" up
	run vfioctl sriov set "$PF" --vfs 0
	assert_failure 3
	assert_output --partial "$vf_if is up with address 192.0.2.10"
	assert_equal "$(numvfs "$PF")" 1
	assert_equal "$(vf_drivers "$PF")" "$(all_on "$PF" igbvf)"
	run vfioctl sriov set "$PF" --vfs 0 --force
	assert_success
	assert_equal "$(numvfs "$PF")" 0
}

@test "a VF held by a VM: refused (exit 3); --force --timeout: exit 4 at the deadline, the kernel finishes after release" {
	run vfioctl sriov set "$PF" --vfs 2 --bind vfio-pci
	assert_success
	vf0=$(vfs "$PF" | head -1)
	hold_vf "$vf0"
	run vfioctl sriov set "$PF" --vfs 0
	assert_failure 3
	assert_output --partial "PID $HOLDER"
	assert_equal "$(numvfs "$PF")" 2
	SECONDS=0
	run --separate-stderr vfioctl --json sriov set "$PF" --vfs 0 --force --timeout 3
	assert_failure 4
	[ "$SECONDS" -lt 30 ]
	assert_equal "$(jq -r .status <<<"$output")" partial
	assert_equal "$(jq -r '.steps[-1] | "\(.attribute)=\(.value):\(.status)"' <<<"$output")" "sriov_numvfs=0:failed"
	jq -e '.left | test("still waiting in the kernel")' <<<"$output"
	kill "$HOLDER"
	for _ in $(seq 150); do
		[ "$(numvfs "$PF")" = 0 ] && break
		sleep 0.2
	done
	assert_equal "$(numvfs "$PF")" 0
}

@test "failure after the VFs changed (--bind to a driver that does not exist): undone, VFs back on igbvf, exit 3" {
	run vfioctl sriov set "$PF" --vfs 1
	assert_success
	drivers=$(vf_drivers "$PF")
	assert_equal "$drivers" "$(all_on "$PF" igbvf)"
	run --separate-stderr vfioctl --json sriov set "$PF" --vfs 2 --bind no-such-driver
	assert_failure 3
	assert_equal "$(jq -r .status <<<"$output")" rolled-back
	assert_equal "$(jq -r '[.steps[] | select(.undo) | "\(.attribute)=\(.value):\(.status)"] | join(" ")' <<<"$output")" \
		"sriov_drivers_autoprobe=1:done sriov_numvfs=0:done sriov_numvfs=1:done"
	assert_equal "$(numvfs "$PF")" 1
	assert_equal "$(autoprobe "$PF")" 1
	assert_equal "$(vf_drivers "$PF")" "$drivers"
}

@test "dry run writes nothing and works without root-only effects" {
	run vfioctl --json sriov set "$PF" --vfs 3 --bind vfio-pci --dry-run
	assert_success
	assert_equal "$(jq -r .status <<<"$output")" planned
	assert_equal "$(numvfs "$PF")" 0
	assert_equal "$(autoprobe "$PF")" 1
}
