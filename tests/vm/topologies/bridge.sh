#!/bin/sh
# Conventional PCI behind a PCIe-to-PCI bridge, plus an SR-IOV NIC on a root
# port.  Prints one QEMU argument per line (read by tests/vm/run.sh).
#
#   00:1e.0        pcie-pci-bridge (1b36:000e) on pcie.0
#     01:0d.0      e1000 (8086:100e) fn0, multifunction
#     01:0d.1      e1000 (8086:100e) fn1
#   00:1c.0        pcie-root-port (1b36:000c)
#     02:00.0      igb 82576 (8086:10c9), SR-IOV capable (7 VFs)
# (secondary bus numbers are assigned by SeaBIOS; see README.md for the
#  BDFs/IOMMU groups observed)
cat <<'ARGS'
-device
pcie-pci-bridge,id=pcibr1,bus=pcie.0,addr=1e.0
-netdev
user,id=n1,restrict=on
-device
e1000,id=e1000a,bus=pcibr1,addr=0d.0,multifunction=on,netdev=n1,romfile=,mac=52:54:00:00:0d:00
-netdev
user,id=n2,restrict=on
-device
e1000,id=e1000b,bus=pcibr1,addr=0d.1,netdev=n2,romfile=,mac=52:54:00:00:0d:01
-device
pcie-root-port,id=rp1,bus=pcie.0,addr=1c.0,chassis=1,slot=1
-netdev
user,id=n3,restrict=on
-device
igb,id=igb0,bus=rp1,addr=00.0,netdev=n3,romfile=,mac=52:54:00:00:1c:00
ARGS
