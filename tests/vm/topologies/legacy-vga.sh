#!/bin/sh
# The legacy topology plus two VGA devices (1234:1111) on bus 0, for check on
# the boot VGA device (issue 17). Prints one QEMU argument per line.
#
#   00:01.0        VGA with SeaBIOS' VGA ROM: the boot VGA device (boot_vga 1);
#                  with the PVH boot, bochs-drm takes it (fb0, framebuffer console)
#   00:02.0        VGA without a ROM: a secondary GPU (boot_vga 0)
# Endpoints on bus 0: the bridges' bus numbers do not move; the IOMMU group
# numbers do, so the legacy fixture (and --predict against its truth on the
# legacy-noiommu boot) keeps the plain legacy topology.
sh "$(dirname "$0")/legacy.sh"
cat <<'ARGS'
-device
VGA,id=vga0,bus=pcie.0,addr=01.0
-device
VGA,id=vga1,bus=pcie.0,addr=02.0,romfile=
ARGS
