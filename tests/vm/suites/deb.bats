#!/usr/bin/env bats
# The Debian package and its Ansible modules (issue 18), in the "deb" boot:
# systemd is PID 1, boot topology, nothing of vfioctl installed at boot (the
# host drivers have all devices). In order:
#   1. dpkg -i build/deb/vfioctl_*.deb on the running system: files in their
#      Debian paths, /etc/vfioctl.conf a conffile that configures nothing, the
#      unit installed but disabled, no device touched (also by the udev rule).
#   2. ansible-playbook (tests/vm/ansible/vfioctl.yml, connection local, the
#      collection from /usr/share/vfioctl/ansible): the first run binds the
#      "GPU" group and creates 3 VFs with MACs (changed), the second changes
#      nothing, a bad MAC fails with nothing changed, a check-mode run
#      changes nothing.
#   3. systemctl enable vfioctl.service; the files all that wrote are saved to
#      /mnt/out/disk-state.tar: the "boot" boot after this one starts from
#      them (the tier cannot reboot a guest: its / is a tmpfs overlay).
#   4. dpkg --purge: no file of the package is left, and no device moves.
# Run: tests/vm/check-vm.sh deb  (it builds the package first: make deb)
load helpers
# the package's binary (helpers' vfioctl is the checkout's)
vfioctl() { /usr/sbin/vfioctl "$@"; }

setup_file() {
	[[ ${VM_BOOT:-} == deb ]] || return 0
	export DEB
	DEB=$(echo "$REPO"/build/deb/vfioctl_*.deb)
	export PF=$(pci_by_id 8086 10c9) AUDIO=$(pci_by_id 8086 293e)
	export GPU=${AUDIO%.*}.0
	export NIC3=$(pci_by_id 8086 10d3 "$GPU")
	local d
	for d in "/sys/bus/pci/devices/$PF/net/"*; do export PFIF=${d##*/}; done
	# the package's files and tools, not a vfioctl the host may have in /usr/local
	export PATH=/usr/sbin:/usr/bin:/sbin:/bin
	export ANSIBLE_CONFIG=$REPO/tests/vm/ansible/ansible.cfg
}

setup() {
	[[ ${VM_BOOT:-} == deb ]] || skip "deb boot (systemd, boot topology) only"
	[ "$EUID" = 0 ] || skip "VM tier runs as root"
	[ -f "$DEB" ] || {
		echo "no package in $REPO/build/deb: run make deb" >&2
		return 1
	}
	SYS=/sys/bus/pci/devices
}

driver_of() { link_name "$SYS/$1/driver" || echo none; }
vfs_of() {
	local i=0
	while [ -e "$SYS/$PF/virtfn$i" ]; do
		link_name "$SYS/$PF/virtfn$i"
		i=$((i + 1))
	done
}
# Driver and override of every PCI device, the PF's VF count and autoprobe,
# the VFs' attributes.
pci_state() {
	local d o
	for d in "$SYS"/*; do
		read -r o <"$d/driver_override" || o=?
		echo "${d##*/} $(driver_of "${d##*/}") $o"
	done
	cat "$SYS/$PF/sriov_numvfs" "$SYS/$PF/sriov_drivers_autoprobe"
	ip link show "$PFIF" | grep ' vf ' || true
}

# playbook [ARGS]: run tests/vm/ansible/vfioctl.yml; $recap is its PLAY RECAP line
playbook() {
	local t=$SECONDS
	run ansible-playbook -i localhost, "$REPO/tests/vm/ansible/vfioctl.yml" \
		-e "gpu=$GPU" -e "pf=$PF" "$@"
	recap=$(grep -E '^localhost +:' <<<"$output" | tr -s ' ') || recap="(no PLAY RECAP)"
	# in the TAP output: the result of each run
	echo "# ansible-playbook $*: exit $status in $((SECONDS - t)) s: $recap" >&3
}

@test "dpkg -i on the running system: Debian paths, a conffile that configures nothing, the unit disabled, no device touched" {
	before=$(pci_state)
	run dpkg -i "$DEB"
	assert_success
	version=${DEB##*/vfioctl_}
	version=${version%_*.deb}
	assert_equal "$(dpkg-query -W -f='${db:Status-Status} ${Version}' vfioctl)" "installed $version"
	assert_equal "$(/usr/sbin/vfioctl --version)" "vfioctl $version"
	# what the Ansible modules find
	assert_equal "$(type -P vfioctl)" /usr/sbin/vfioctl
	for f in /usr/share/man/man8/vfioctl.8.gz /usr/share/bash-completion/completions/vfioctl \
		/usr/share/zsh/vendor-completions/_vfioctl /usr/share/fish/vendor_completions.d/vfioctl.fish \
		/usr/share/vfioctl/ansible/ansible_collections/vfioctl/vfioctl/plugins/modules/vfioctl_config.py \
		/usr/share/vfioctl/ansible/ansible_collections/vfioctl/vfioctl/plugins/modules/vfioctl_facts.py; do
		[ -f "$f" ] || fail "$f is missing"
	done
	# the modules' documentation parses (ansible-playbook never reads it)
	run ansible-doc -t module vfioctl.vfioctl.vfioctl_config vfioctl.vfioctl.vfioctl_facts
	assert_success
	assert_output --partial "> VFIOCTL.VFIOCTL.VFIOCTL_CONFIG"
	assert_output --partial "> VFIOCTL.VFIOCTL.VFIOCTL_FACTS"
	grep -qF 'RUN+="/usr/sbin/vfioctl udev-add $kernel"' /usr/lib/udev/rules.d/69-vfioctl.rules
	grep -qx 'ExecStart=/usr/sbin/vfioctl apply' /usr/lib/systemd/system/vfioctl.service
	run dpkg-query -W -f='${Conffiles}' vfioctl
	assert_output --regexp '^ /etc/vfioctl.conf [0-9a-f]{32}$'
	refute grep -qv '^\(#.*\)\?$' /etc/vfioctl.conf # comments only
	run systemctl is-enabled vfioctl.service
	assert_output disabled
	run systemctl is-active vfioctl.service
	assert_output inactive
	run vfioctl status
	assert_success
	# the package ships the initramfs hook: status names it, and nothing to do
	assert_line "early binding: initramfs-tools (update-initramfs -u), vfioctl's hook installed: /usr/share/initramfs-tools/hooks/vfioctl"
	assert_line "In sync: 0 checks."
	assert_equal "${#lines[@]}" 2
	# the udev rule runs for the conffile, and has nothing to do
	udevadm trigger --action=add --subsystem-match=pci
	udevadm settle
	assert_equal "$(pci_state)" "$before"
	assert_equal "$(driver_of "$GPU") $(driver_of "$AUDIO") $(cat "$SYS/$PF/sriov_numvfs")" "e1000e snd_hda_intel 0"
}

@test "ansible-playbook, first run: the GPU's group and 3 VFs with MACs on vfio-pci, changed" {
	playbook
	assert_success
	[[ $recap == *" changed=1 "*" failed=0 "* ]]
	assert_output --partial "status=ok changed=True config_changed=True"
	assert_equal "$(driver_of "$GPU") $(driver_of "$AUDIO") $(driver_of "$NIC3")" "vfio-pci vfio-pci e1000e"
	assert_equal "$(cat "$SYS/$PF/sriov_numvfs") $(cat "$SYS/$PF/sriov_drivers_autoprobe")" "3 0"
	for v in $(vfs_of); do
		assert_equal "$v $(driver_of "$v")" "$v vfio-pci"
	done
	run ip link show "$PFIF"
	assert_line --regexp '^ +vf 0 .*link/ether 02:00:00:00:00:10 .*vlan 100, spoof checking off, .*trust on'
	assert_line --regexp '^ +vf 1 .*link/ether 02:00:00:00:00:11 '
	assert_line --regexp '^ +vf 2 .*link/ether 02:00:00:00:00:12 '
	run vfioctl status
	assert_success
	assert_output --partial "In sync: 13 checks."
	assert_equal "$(stat -c '%a %U' /etc/vfioctl.conf)" "644 root"
}

@test "ansible-playbook, second run: changed=false, nothing changed" {
	before=$(pci_state) conf=$(sha256sum /etc/vfioctl.conf)
	playbook
	assert_success
	[[ $recap == *" changed=0 "*" failed=0 "* ]]
	assert_output --partial "status=ok changed=False config_changed=False done=[]"
	assert_equal "$(pci_state)" "$before"
	assert_equal "$(sha256sum /etc/vfioctl.conf)" "$conf"
}

@test "ansible-playbook with a bad MAC: fails before anything is changed, the host is unchanged" {
	before=$(pci_state) conf=$(sha256sum /etc/vfioctl.conf)
	playbook -e mac0=01:00:5e:00:00:01
	assert_failure
	[[ $recap == *" changed=0 "*" failed=1 "* ]]
	assert_output --partial "invalid configuration, nothing changed: /etc/vfioctl.conf:"
	assert_output --partial "vf.0.mac: '01:00:5e:00:00:01' is not a unicast"
	assert_equal "$(pci_state)" "$before"
	assert_equal "$(sha256sum /etc/vfioctl.conf)" "$conf"
	run ls -A /etc
	refute_output --partial .vfioctl-ansible.
}

@test "ansible-playbook --check --diff with a new MAC: reports the change and the diff, changes nothing" {
	before=$(pci_state) conf=$(sha256sum /etc/vfioctl.conf)
	playbook --check --diff -e mac0=02:00:00:00:00:20
	assert_success
	[[ $recap == *" changed=1 "*" failed=0 "* ]]
	assert_line -- "-vf.0.mac = 02:00:00:00:00:10"
	assert_line -- "+vf.0.mac = 02:00:00:00:00:20"
	assert_output --partial "status=planned changed=True config_changed=True done=['vf']"
	assert_equal "$(pci_state)" "$before"
	assert_equal "$(sha256sum /etc/vfioctl.conf)" "$conf"
}

@test "systemctl enable vfioctl.service; the files written since boot are saved for the next boot" {
	run systemctl enable vfioctl.service
	assert_success
	assert_equal "$(systemctl is-enabled vfioctl.service)" enabled
	[ -L /etc/systemd/system/sysinit.target.wants/vfioctl.service ]
	# what dpkg, the playbook and systemctl wrote to the disk (here: the overlay)
	files=()
	while read -r f; do
		[ -d "$f" ] && [ ! -L "$f" ] || files+=("${f#/}")
	done < <(dpkg-query -L vfioctl)
	files+=(var/lib/dpkg/status etc/systemd/system/sysinit.target.wants/vfioctl.service
		var/lib/systemd/deb-systemd-helper-enabled)
	for f in /var/lib/dpkg/info/vfioctl.*; do files+=("${f#/}"); done
	tar -C / -cf /mnt/out/disk-state.tar "${files[@]}"
	# boot-setup.sh uses it only with this package
	echo "${DEB##*/}" >/mnt/out/disk-state.deb
	echo "# saved ${#files[@]} paths ($(du -k /mnt/out/disk-state.tar | cut -f1) KiB) for the boot boot" >&3
}

@test "dpkg --purge: no file of the package is left; no device is given back or taken away" {
	mapfile -t files < <(dpkg-query -L vfioctl)
	before=$(pci_state)
	run dpkg --purge vfioctl
	assert_success
	left=()
	for f in "${files[@]}" /etc/vfioctl.conf /etc/systemd/system/sysinit.target.wants/vfioctl.service \
		/var/lib/systemd/deb-systemd-helper-enabled/vfioctl.service.dsh-also \
		/var/lib/systemd/deb-systemd-helper-enabled/sysinit.target.wants/vfioctl.service; do
		# directories other packages share (/usr/sbin, ...) stay
		[ -d "$f" ] && [ ! -L "$f" ] && [[ $f != */vfioctl* ]] && continue
		[ -e "$f" ] || [ -L "$f" ] && left+=("$f")
	done
	for f in /var/lib/dpkg/info/vfioctl.*; do [ -e "$f" ] && left+=("$f"); done
	echo "left: ${left[*]}"
	assert_equal "${#left[@]}" 0
	run dpkg-query -W -f='${db:Status-Status}' vfioctl
	refute_output installed
	run systemctl is-enabled vfioctl.service
	assert_failure
	udevadm settle
	assert_equal "$(pci_state)" "$before"
	assert_equal "$(driver_of "$GPU") $(driver_of "$AUDIO") $(cat "$SYS/$PF/sriov_numvfs")" "vfio-pci vfio-pci 3"
}
