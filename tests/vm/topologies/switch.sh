#!/bin/sh
# A PCIe switch and a multifunction "GPU + HDMI audio" style endpoint.
# Prints one QEMU argument per line (read by tests/vm/run.sh).
#
#   00:1c.0        pcie-root-port, multifunction
#     upstream     x3130-upstream (104c:8232)
#       down 0     xio3130-downstream (104c:8233) -> e1000e (8086:10d3)
#       down 1     xio3130-downstream (104c:8233) -> e1000e (8086:10d3)
#   00:1c.1        pcie-root-port
#     xx:00.0      e1000e (8086:10d3), multifunction=on  ("GPU")
#     xx:00.1      ich9-intel-hda (8086:293e)            ("HDMI audio")
# (secondary bus numbers are assigned by SeaBIOS; see README.md)
cat <<'ARGS'
-device
pcie-root-port,id=rp1,bus=pcie.0,addr=1c.0,multifunction=on,chassis=1,slot=1
-device
x3130-upstream,id=up1,bus=rp1,addr=00.0
-device
xio3130-downstream,id=dn1,bus=up1,addr=00.0,chassis=2,slot=0
-device
xio3130-downstream,id=dn2,bus=up1,addr=01.0,chassis=3,slot=0
-netdev
user,id=n1,restrict=on
-device
e1000e,id=e1000e_d1,bus=dn1,addr=00.0,netdev=n1,romfile=,mac=52:54:00:00:d1:00
-netdev
user,id=n2,restrict=on
-device
e1000e,id=e1000e_d2,bus=dn2,addr=00.0,netdev=n2,romfile=,mac=52:54:00:00:d2:00
-device
pcie-root-port,id=rp2,bus=pcie.0,addr=1c.1,chassis=4,slot=2
-netdev
user,id=n3,restrict=on
-device
e1000e,id=gpu0,bus=rp2,addr=00.0,multifunction=on,netdev=n3,romfile=,mac=52:54:00:00:1c:10
-device
ich9-intel-hda,id=hda0,bus=rp2,addr=00.1
ARGS
