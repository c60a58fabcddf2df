#!/bin/sh
# Early binding from the initramfs (tests/vm/suites/early.bats): two identical
# e1000e (8086:10d3) on separate root ports; the configuration names the
# first, the second keeps e1000e. (e1000e stands in for a GPU driver loaded
# from the initramfs.) Prints one QEMU argument per line (read by run.sh).
#
#   00:1c.0   pcie-root-port
#     xx:00.0 e1000e (8086:10d3)   configured: vfio-pci
#   00:1c.1   pcie-root-port
#     xx:00.0 e1000e (8086:10d3)   left alone
cat <<'ARGS'
-device
pcie-root-port,id=rp1,bus=pcie.0,addr=1c.0,multifunction=on,chassis=1,slot=1
-netdev
user,id=n1,restrict=on
-device
e1000e,id=nic1,bus=rp1,addr=00.0,netdev=n1,romfile=,mac=52:54:00:00:1c:10
-device
pcie-root-port,id=rp2,bus=pcie.0,addr=1c.1,chassis=2,slot=2
-netdev
user,id=n2,restrict=on
-device
e1000e,id=nic2,bus=rp2,addr=00.0,netdev=n2,romfile=,mac=52:54:00:00:1c:20
ARGS
