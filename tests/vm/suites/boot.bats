#!/usr/bin/env bats
# Persistence at boot (issue 7): systemd is PID 1; the Debian package is
# installed (binary, udev rule, vfioctl.service), /etc/vfioctl.conf written and
# the unit enabled: by the "deb" boot before this one (suites/deb.bats: dpkg -i,
# the Ansible playbook, systemctl enable), whose disk tests/vm/boot-setup.sh
# restores, or by boot-setup.sh itself when run alone:
#   [device GPU]  driver = vfio-pci      (the multifunction NIC+audio endpoint)
#   [pf PF]       vfs = 3, vf-driver = vfio-pci, MACs, VLAN, trust, spoofchk
# The first tests look at the state the boot left; later ones change it.
# Run: tests/vm/check-vm.sh boot  (or run.sh --systemd --topology boot
#      --setup 'bash tests/vm/boot-setup.sh' -- bats tests/vm/suites/boot.bats)
load helpers

# (bats 1.8 cannot skip from setup_file: each test skips in setup)
setup() {
	[[ ${VM_BOOT:-} == boot ]] || skip "boot topology with systemd and boot-setup.sh only"
	[ "$EUID" = 0 ] || skip "VM tier runs as root"
	PF=$(pci_by_id 8086 10c9)
	AUDIO=$(pci_by_id 8086 293e)
	GPU=${AUDIO%.*}.0
	NIC3=$(pci_by_id 8086 10d3 "$GPU")
	PFIF=$(ls "/sys/bus/pci/devices/$PF/net")
	SYS=/sys/bus/pci/devices
}

driver_of() {
	local l
	if l=$(readlink "$SYS/$1/driver"); then basename "$l"; else echo none; fi
}

vfs_of() {
	local v
	for v in "$SYS/$PF"/virtfn*; do
		[ -e "$v" ] && basename "$(readlink "$v")"
	done | sort
}

# Drivers of the configured devices, VF count, autoprobe and VF attributes.
host_state() {
	local d
	for d in "$GPU" "$AUDIO" "$NIC3" $(vfs_of); do
		echo "$d $(driver_of "$d") $(cat "$SYS/$d/driver_override")"
	done
	cat "$SYS/$PF/sriov_numvfs" "$SYS/$PF/sriov_drivers_autoprobe"
	ip link show "$PFIF" | grep ' vf '
}

recreate_vfs() {
	echo 0 >"$SYS/$PF/sriov_numvfs"
	echo "$1" >"$SYS/$PF/sriov_numvfs"
	udevadm settle
}

@test "boot: vfioctl.service ran 'vfioctl apply' successfully, before udev's coldplug" {
	run systemctl show -p ActiveState -p Result -p ExecMainStatus vfioctl.service
	assert_success
	assert_line ActiveState=active
	assert_line Result=success
	assert_line ExecMainStatus=0
	done_at=$(systemctl show -p ActiveEnterTimestampMonotonic --value vfioctl.service)
	trigger_at=$(systemctl show -p InactiveExitTimestampMonotonic --value systemd-udev-trigger.service)
	echo "apply finished at $done_at us, coldplug started at $trigger_at us"
	((done_at > 0 && trigger_at > 0 && done_at <= trigger_at))
	[ -x /usr/sbin/vfioctl ]
	[ "$(dpkg-query -W -f='${db:Status-Status}' vfioctl)" = installed ]
	[ -f /usr/lib/udev/rules.d/69-vfioctl.rules ]
	grep -q 'RUN+="/usr/sbin/vfioctl udev-add $kernel"' /usr/lib/udev/rules.d/69-vfioctl.rules
}

@test "boot: the multifunction NIC+audio endpoint is on vfio-pci; e1000e and snd_hda_intel never probed it" {
	assert_equal "$(driver_of "$GPU") $(driver_of "$AUDIO")" "vfio-pci vfio-pci"
	run dmesg
	refute_output --partial "e1000e $GPU"
	refute_output --partial "snd_hda_intel $AUDIO"
	# the host drivers were loaded, and took the device nobody configured
	assert_output --partial "e1000e $NIC3"
	assert_equal "$(driver_of "$NIC3")" e1000e
	[ -e "/dev/vfio/$(group_of "$GPU")" ]
}

@test "boot: the igb PF has 3 VFs on vfio-pci with the configured MAC, VLAN, trust, spoofchk; igbvf never bound" {
	assert_equal "$(cat "$SYS/$PF/sriov_numvfs")" 3
	assert_equal "$(cat "$SYS/$PF/sriov_drivers_autoprobe")" 0
	for v in $(vfs_of); do
		assert_equal "$v $(driver_of "$v")" "$v vfio-pci"
	done
	run ip link show "$PFIF"
	assert_line --regexp '^ +vf 0 .*link/ether 02:00:00:00:00:10 .*vlan 100, spoof checking off, .*trust on'
	assert_line --regexp '^ +vf 1 .*link/ether 02:00:00:00:00:11 '
	assert_line --regexp '^ +vf 2 .*link/ether 02:00:00:00:00:12 '
	run dmesg
	refute_output --regexp 'igbvf [0-9a-f]{4}:'
}

@test "boot: status exits 0; a second apply changes nothing" {
	run vfioctl status
	assert_success
	assert_output --partial "In sync: 13 checks."
	run --separate-stderr vfioctl --json apply
	assert_success
	assert_equal "$(jq -r '[.status, .changed] | join(" ")' <<<"$output")" "ok false"
	assert_equal "$(jq -r '[.items[].status] | unique | join(" ")' <<<"$output")" unchanged
	assert_equal "$(jq '[.items[] | select(.step == "bind")] | length' <<<"$output")" 5
}

@test "VFs re-created after boot (echo 0, echo 3) are claimed by the udev rule, with their attributes" {
	recreate_vfs 3
	for v in $(vfs_of); do
		assert_equal "$v $(driver_of "$v") $(cat "$SYS/$v/driver_override")" "$v vfio-pci vfio-pci"
	done
	run ip link show "$PFIF"
	assert_line --regexp '^ +vf 0 .*link/ether 02:00:00:00:00:10 .*vlan 100, spoof checking off, .*trust on'
	assert_line --regexp '^ +vf 2 .*link/ether 02:00:00:00:00:12 '
	run dmesg
	refute_output --regexp 'igbvf [0-9a-f]{4}:'
	run vfioctl status
	assert_success
}

@test "invalid configurations: exit 2 from apply and status, nothing changed, the udev rule does nothing" {
	before=$(host_state)
	bad=$BATS_TEST_TMPDIR
	printf '[device %s]\ndriver vfio-pci\n' "$NIC3" >"$bad/syntax.conf"
	printf '[device %s]\ndriver = vfio-pci\nmode = fast\n' "$NIC3" >"$bad/key.conf"
	printf '[pf %s]\nvfs = 2\nvf.0.mac = 01:00:5e:00:00:01\n' "$PF" >"$bad/mac.conf"
	printf '[pf %s]\nvfs = 1\nvf.1.vlan = 7\n' "$PF" >"$bad/vfindex.conf"
	printf '[pf %s]\nvfs = 99\n' "$PF" >"$bad/toomany.conf"
	printf '[device %s]\ndriver = vfio-pci\n[device 0000:7f:00.0]\ndriver = vfio-pci\n' "$NIC3" >"$bad/absent.conf"
	for f in syntax key mac vfindex toomany absent; do
		run --separate-stderr vfioctl apply --config "$bad/$f.conf"
		echo "$f: $stderr"
		assert_equal "$f:$status" "$f:2"
	done
	assert_equal "$(host_state)" "$before"

	# The default files: one bad file makes the whole configuration unusable.
	mkdir -p /etc/vfioctl.d
	printf '[device %s]\ndriver = vfio-pci\nmode = fast\n' "$NIC3" >/etc/vfioctl.d/50-bad.conf
	run --separate-stderr vfioctl apply
	assert_equal "$status" 2
	[[ $stderr == *"/etc/vfioctl.d/50-bad.conf:3: mode: unknown key"* ]]
	run vfioctl status
	assert_equal "$status" 2
	# the rule finds the configuration invalid: the new VFs stay driverless
	recreate_vfs 3
	for v in $(vfs_of); do
		assert_equal "$v $(driver_of "$v")" "$v none"
	done
	assert_equal "$(driver_of "$NIC3")" e1000e
	rm /etc/vfioctl.d/50-bad.conf
	run vfioctl status
	assert_equal "$status" 1

	# A file others can write is refused, with the fix.
	chmod o+w /etc/vfioctl.conf
	run --separate-stderr vfioctl apply
	chmod o-w /etc/vfioctl.conf
	assert_equal "$status" 2
	[[ $stderr == *"writable by others"*"chmod go-w /etc/vfioctl.conf"* ]]

	# Valid again: apply binds the driverless VFs and sets their attributes.
	run vfioctl apply
	assert_success
	run vfioctl status
	assert_success
}

@test "drift: status names each difference (exit 1), apply --dry-run changes nothing, apply fixes it" {
	echo 1 >"$SYS/$PF/sriov_drivers_autoprobe"
	vfioctl sriov vf "$PF" 1 --mac 02:00:00:00:00:99 >/dev/null
	vfioctl unbind --only "$AUDIO" >/dev/null # one device of the configured group
	run vfioctl status
	assert_equal "$status" 1
	assert_line "3 differences:"
	assert_line --partial "drift: $PF: autoprobe is 1, want 0"
	vf1=$(basename "$(readlink "$SYS/$PF/virtfn1")")
	assert_line --regexp "^drift: $vf1 \(VF 1\): mac is 02:00:00:00:00:99, want 02:00:00:00:00:11 \(/etc/vfioctl.conf:[0-9]+\)$"
	assert_line --regexp "^drift: $AUDIO: driver is none, want vfio-pci: in IOMMU group [0-9]+ with $GPU \(/etc/vfioctl.conf:[0-9]+\)$"
	before=$(host_state)
	run vfioctl apply --dry-run
	assert_success
	assert_equal "$(host_state)" "$before"
	run --separate-stderr vfioctl --json apply
	assert_success
	assert_equal "$(jq -r '[.items[] | select(.status == "done") | .step + ":" + .target] | join(" ")' <<<"$output")" \
		"pf:$PF vf:$PF bind:$AUDIO"
	run vfioctl status
	assert_success
	run dmesg
	refute_output --partial "snd_hda_intel $AUDIO"
}

@test "--persist: bind, sriov set and sriov vf write what apply, status and the rule use" {
	persist=/etc/vfioctl.d/vfioctl-persist.conf
	cp /etc/vfioctl.conf "$BATS_TEST_TMPDIR/orig.conf"

	run vfioctl bind --persist "$NIC3"
	assert_success
	assert_output --partial "Persisted in $persist."
	assert_equal "$(driver_of "$NIC3")" vfio-pci
	grep -A1 -x "\[device $NIC3\]" "$persist" | grep -qx 'driver = vfio-pci'
	run vfioctl status
	assert_success

	# The PF is configured in /etc/vfioctl.conf: --persist does not override it.
	run --separate-stderr vfioctl sriov set "$PF" --vfs 2 --persist
	assert_equal "$status" 2
	[[ $stderr == *"/etc/vfioctl.conf:"*"[pf $PF] is configured there"* ]]
	assert_equal "$(cat "$SYS/$PF/sriov_numvfs")" 3

	# Without it there, sriov set/vf --persist write the PF's entry.
	sed -i '/^\[pf /,$d' /etc/vfioctl.conf
	run vfioctl sriov set "$PF" --vfs 2 --bind vfio-pci --persist
	assert_success
	run vfioctl sriov vf "$PF" 1 --mac 02:00:00:00:00:21 --trust on --persist
	assert_success
	run cat "$persist"
	assert_line "[pf $PF]"
	assert_line "vfs = 2"
	assert_line "vf-driver = vfio-pci"
	assert_line "vf.1.mac = 02:00:00:00:00:21"
	assert_line "vf.1.trust = on"
	assert_equal "$(stat -c '%a %U' "$persist")" "644 root"
	run vfioctl status
	assert_success
	# ... and the rule uses it for re-created VFs
	recreate_vfs 2
	for v in $(vfs_of); do
		assert_equal "$v $(driver_of "$v")" "$v vfio-pci"
	done
	run ip link show "$PFIF"
	assert_line --regexp '^ +vf 1 .*link/ether 02:00:00:00:00:21 .*trust on'
	run vfioctl status
	assert_success

	# Back to the boot's configuration.
	rm "$persist"
	cp "$BATS_TEST_TMPDIR/orig.conf" /etc/vfioctl.conf
	run vfioctl apply
	assert_success
	run vfioctl restore "$NIC3"
	assert_success
	assert_equal "$(driver_of "$NIC3")" e1000e
	run vfioctl status
	assert_success
}
