#!/usr/bin/env bats
# Early binding (issue 17): status and doctor over the legacy snapshot (6.1):
# 0000:01:00.0 is an e1000e on its host driver e1000e (a module, in
# /proc/modules). What the snapshot cannot hold is the user's side: the
# configuration, the initramfs generator's files, this boot's
# /run/vfioctl/early.json (written by `apply --early`) and the initramfs
# image, a small cpio archive made here and listed by lsinitramfs.
load helpers

setup() {
	use_fixture legacy
	rm -rf "$SYSROOT/etc" "$SYSROOT/run/vfioctl" "$SYSROOT/usr"
	mkdir -p "$SYSROOT/etc/initramfs-tools"
	printf '[device 0000:01:00.0]\ndriver = vfio-pci\n' >"$SYSROOT/etc/vfioctl.conf"
	command -v lsinitramfs >/dev/null || skip "lsinitramfs missing (scripts/install-deps.sh)"
}

# image FILE...: an initramfs (newc cpio) holding these (empty) files
image() {
	local dir=$BATS_TEST_TMPDIR/img
	rm -rf "$dir"
	for f in "$@"; do
		mkdir -p "$dir/${f%/*}"
		: >"$dir/$f"
	done
	(cd "$dir" && find . | cpio -o -H newc --quiet >"$BATS_TEST_TMPDIR/initrd.img")
	export VFIOCTL_INITRAMFS=$BATS_TEST_TMPDIR/initrd.img
}

E1000E=usr/lib/modules/6.1.0-57-amd64/kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko

@test "status: a host driver in the initramfs without vfioctl's hook loses the race, exit 1, with the fix" {
	image "$E1000E"
	run --separate-stderr vf status
	[ "$status" = 1 ]
	assert_line --partial "early binding: initramfs-tools (update-initramfs -u), vfioctl's hook not installed"
	assert_line --partial "0000:01:00.0: LOSES: its host driver e1000e is in the initramfs"
	assert_line --partial "drift: initramfs: vfioctl's initramfs-tools hook is not installed, and a configured device needs early binding"
	assert_line --partial "fix: install vfioctl's initramfs-tools hook (make install, or the Debian package), then regenerate the initramfs: update-initramfs -u"
	run --separate-stderr vf --json status
	[ "$status" = 1 ]
	[ "$(jq -c '.early.devices[0] | [.address, .host_driver, .builtin, .in_initramfs, .loses]' <<<"$output")" = '["0000:01:00.0","e1000e",false,true,true]' ]
	[ "$(jq -r '.early.tool, .early.regenerate, .early.hook, .early.image_has_hook' <<<"$output")" = "initramfs-tools
update-initramfs -u
null
false" ]
}

@test "status: the hook installed but not in the image: the fix is only the regeneration" {
	image "$E1000E"
	mkdir -p "$SYSROOT/usr/share/initramfs-tools/hooks"
	: >"$SYSROOT/usr/share/initramfs-tools/hooks/vfioctl"
	run --separate-stderr vf status
	[ "$status" = 1 ]
	assert_line --partial "vfioctl's hook installed: /usr/share/initramfs-tools/hooks/vfioctl"
	assert_line --partial "fix: regenerate the initramfs: update-initramfs -u"
	refute_line --partial "is not installed"
}

@test "status: vfioctl's boot script in the image with the host driver: it wins; a driver not in the image: vfioctl.service wins" {
	mkdir -p "$SYSROOT/usr/share/initramfs-tools/hooks"
	: >"$SYSROOT/usr/share/initramfs-tools/hooks/vfioctl"
	image "$E1000E" scripts/init-top/vfioctl usr/sbin/vfioctl
	run --separate-stderr vf --json status
	[ "$(jq -c '[.early.image_has_hook, .early.devices[0].loses, .early.drift]' <<<"$output")" = '[true,false,[]]' ]
	[[ "$(jq -r '.early.devices[0].why' <<<"$output")" == *"and so is vfioctl's hook, which binds the device first" ]]
	image usr/lib/modules/6.1.0-57-amd64/kernel/drivers/net/ethernet/intel/e1000/e1000.ko
	run --separate-stderr vf --json status
	[ "$(jq -c '[.early.devices[0].in_initramfs, .early.devices[0].loses]' <<<"$output")" = '[false,false]' ]
	[[ "$(jq -r '.differences[]' <<<"$output")" != *"race"* ]]
}

@test "status: no image on a snapshot: unknown, a note, not a difference" {
	unset VFIOCTL_INITRAMFS
	run --separate-stderr vf --json status
	[ "$(jq -c '[.early.devices[0].loses, .early.image]' <<<"$output")" = '[null,null]' ]
	[ "$(jq -r '.notes[]' <<<"$output")" = "early binding: a snapshot has no initramfs image" ]
	[ "$(jq -r '.differences | length' <<<"$output")" = 1 ] # only the driver on the live host
}

@test "status: this boot's initramfs: its error, and its copy of the configuration against the configuration" {
	image "$E1000E" scripts/init-top/vfioctl
	mkdir -p "$SYSROOT/run/vfioctl"
	echo '{"config": "/etc/vfioctl.conf", "bound": [], "error": "/etc/vfioctl.conf:1: bad section"}' >"$SYSROOT/run/vfioctl/early.json"
	run --separate-stderr vf status
	[ "$status" = 1 ]
	assert_line "this boot's initramfs: /etc/vfioctl.conf:1: bad section"
	assert_line "drift: initramfs: the initramfs bound nothing at this boot: /etc/vfioctl.conf:1: bad section"
	echo '{"config": "/etc/vfioctl.conf", "bound": ["0000:03:02.0"], "error": null}' >"$SYSROOT/run/vfioctl/early.json"
	printf '[device 0000:03:02.0]\ndriver = vfio-pci\n' >"$SYSROOT/run/vfioctl/initramfs.conf"
	run --separate-stderr vf status
	[ "$status" = 1 ]
	assert_line --partial "drift: initramfs: 0000:01:00.0 (driver vfio-pci, $SYSROOT/etc/vfioctl.conf:1) is configured but not in the initramfs's copy of the configuration"
	assert_line "drift: initramfs: the initramfs's copy of the configuration binds 0000:03:02.0 (driver vfio-pci), the configuration does not"
	assert_line --partial "0000:01:00.0: LOSES: its host driver e1000e is in the initramfs, whose copy of the configuration does not bind the device"
	run --separate-stderr vf --json status
	[ "$(jq -c '.early.boot' <<<"$output")" = '{"config":"/etc/vfioctl.conf","bound":["0000:03:02.0"],"error":null}' ]
}

@test "status: dracut is recognised by its files; its fix is dracut -f" {
	rm -rf "$SYSROOT/etc/initramfs-tools"
	mkdir -p "$SYSROOT/etc/dracut.conf.d"
	image "$E1000E"
	run --separate-stderr vf status
	[ "$status" = 1 ]
	assert_line --partial "early binding: dracut (dracut -f), vfioctl's hook not installed"
	assert_line --partial "fix: install vfioctl's dracut module (90vfioctl) (make install, or the Debian package), then regenerate the initramfs: dracut -f"
}

@test "doctor: early-binding is a warning with the fix; skipped without a [device]" {
	image "$E1000E"
	run --separate-stderr vf --json doctor
	[ "$(jq -r '.checks[] | select(.id == "early-binding") | .status' <<<"$output")" = warn ]
	[[ "$(jq -r '.checks[] | select(.id == "early-binding") | .hint' <<<"$output")" == "0000:01:00.0: install vfioctl's initramfs-tools hook"* ]]
	rm "$SYSROOT/etc/vfioctl.conf"
	run --separate-stderr vf --json doctor
	[ "$(jq -r '.checks[] | select(.id == "early-binding") | .status' <<<"$output")" = skip ]
}
