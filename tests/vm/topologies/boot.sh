#!/bin/sh
# Boot-time persistence (tests/vm/suites/boot.bats): the switch topology's
# multifunction "GPU + HDMI audio" endpoint, the sriov topology's igb PF, and
# an unconfigured e1000e that must keep its host driver.
# Prints one QEMU argument per line (read by tests/vm/run.sh).
#
#   00:1c.0        pcie-root-port, multifunction
#     xx:00.0      igb 82576 (8086:10c9), sriov_totalvfs=7, VFs 8086:10ca
#   00:1c.1        pcie-root-port
#     xx:00.0      e1000e (8086:10d3), multifunction=on  ("GPU")
#     xx:00.1      ich9-intel-hda (8086:293e)            ("HDMI audio")
#   00:1c.2        pcie-root-port
#     xx:00.0      e1000e (8086:10d3)                    (left alone)
# (secondary bus numbers are assigned by SeaBIOS; see README.md)
cat <<'ARGS'
-device
pcie-root-port,id=rp1,bus=pcie.0,addr=1c.0,multifunction=on,chassis=1,slot=1
-netdev
user,id=n1,restrict=on
-device
igb,id=igb0,bus=rp1,addr=00.0,netdev=n1,romfile=,mac=52:54:00:00:1c:00
-device
pcie-root-port,id=rp2,bus=pcie.0,addr=1c.1,chassis=2,slot=2
-netdev
user,id=n2,restrict=on
-device
e1000e,id=gpu0,bus=rp2,addr=00.0,multifunction=on,netdev=n2,romfile=,mac=52:54:00:00:1c:10
-device
ich9-intel-hda,id=hda0,bus=rp2,addr=00.1
-device
pcie-root-port,id=rp3,bus=pcie.0,addr=1c.2,chassis=3,slot=3
-netdev
user,id=n3,restrict=on
-device
e1000e,id=nic3,bus=rp3,addr=00.0,netdev=n3,romfile=,mac=52:54:00:00:1c:20
ARGS
