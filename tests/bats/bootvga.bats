#!/usr/bin/env bats
# check on the boot VGA device (issue 17): the legacy-vesafb snapshot (6.1,
# taken as root in the VM tier: bzImage boot with vga=0x317, bochs-drm
# blacklisted) has a VGA device at 00:01.0 with SeaBIOS' ROM (boot_vga 1)
# whose BAR vesafb holds (/proc/iomem), the framebuffer console bound to it,
# and a second VGA device at 00:02.0 without a ROM (boot_vga 0).
load helpers

setup() {
	use_fixture legacy-vesafb
}

@test "check on the boot VGA device: vesafb in its BAR and the framebuffer console, with the fixes; still viable (golden)" {
	run vf check 00:01.0
	[ "$status" = 0 ]
	assert_line "boot VGA: 0000:00:01.0: held by vesafb: a firmware framebuffer in its BAR (/proc/iomem fb000000-fbffffff)"
	assert_line "boot VGA fix: video=vesafb:off on the kernel command line (vesafb leaves the device alone)"
	assert_line --partial "boot VGA fix: echo 0 > /sys/class/vtconsole/vtcon1/bind"
	assert_golden legacy-vesafb/check-bootvga.txt
	run vf --json check 00:01.0
	[ "$status" = 0 ]
	assert_golden legacy-vesafb/check-bootvga.json
	[ "$(jq -c '.groups[0].boot_vga | [.iomem_readable, .framebuffers[0].name, .fbdevs[0].device, ([.vtconsoles[] | select(.bound)] | map(.name))]' <<<"$output")" = '[true,"vesafb","vesa-framebuffer.0",["vtcon1"]]' ]
}

@test "check on a secondary GPU: no boot VGA lines, no warning, boot_vga null" {
	run vf check 00:02.0
	[ "$status" = 0 ]
	refute_output --partial "boot VGA"
	refute_output --partial "warning:"
	run vf --json check 00:02.0
	[ "$(jq -c '[.groups[0].boot_vga, .groups[0].warnings]' <<<"$output")" = '[null,[]]' ]
}

@test "check on the boot VGA device of a snapshot without /proc/iomem addresses: says root is needed, names the firmware framebuffer device" {
	# a copy of the snapshot as a non-root reader sees /proc/iomem: every range 0-0
	local root=$BATS_TEST_TMPDIR/root
	cp -a "$SYSROOT" "$root"
	sed -E 's/^( *)[0-9a-f]+-[0-9a-f]+ /\100000000-00000000 /' "$SYSROOT/proc/iomem" >"$root/proc/iomem"
	run "$VFIOCTL" --sysroot "$root" check 00:01.0
	[ "$status" = 0 ]
	assert_line "boot VGA note: /proc/iomem shows no addresses without root: run as root to match firmware framebuffers to the BARs"
	assert_line "boot VGA: 0000:00:01.0: held by fb0 (VESA VGA, vesa-framebuffer.0): a firmware framebuffer, most likely on the boot VGA device"
	assert_line "boot VGA fix: video=vesafb:off on the kernel command line (vesafb leaves the device alone)"
}
