#!/bin/sh
# Older and unusual bridges (issue 3's extra topologies).
# Prints one QEMU argument per line (read by tests/vm/run.sh).
#
#   00:1d.0        i82801b11-bridge (DMI-to-PCI, 8086:244e)
#     xx:01.0      pci-bridge (1b36:0001), a PCI-to-PCI bridge chained behind it
#       yy:02.0    e1000 (8086:100e)
#       yy:03.0    e1000 (8086:100e)
#   00:1b.0        ioh3420 root port (8086:3420)
#     zz:00.0      e1000e (8086:10d3)
#   pxb-pcie       expander host bridge, bus 0x80, with a pcie-root-port
#     81:00.0      igb (8086:10c9)
# (secondary bus numbers are assigned by SeaBIOS)
cat <<'ARGS'
-device
i82801b11-bridge,id=dmi1,bus=pcie.0,addr=1d.0
-device
pci-bridge,id=pb1,bus=dmi1,addr=01.0,chassis_nr=7
-netdev
user,id=n1,restrict=on
-device
e1000,id=e1000a,bus=pb1,addr=02.0,netdev=n1,romfile=,mac=52:54:00:00:1d:02
-netdev
user,id=n2,restrict=on
-device
e1000,id=e1000b,bus=pb1,addr=03.0,netdev=n2,romfile=,mac=52:54:00:00:1d:03
-device
ioh3420,id=rp5,bus=pcie.0,addr=1b.0,chassis=5,slot=5
-netdev
user,id=n3,restrict=on
-device
e1000e,id=e1000e5,bus=rp5,addr=00.0,netdev=n3,romfile=,mac=52:54:00:00:1b:00
-device
pxb-pcie,id=pxb1,bus_nr=128,bus=pcie.0,addr=0a.0
-device
pcie-root-port,id=rp6,bus=pxb1,addr=00.0,chassis=6,slot=6
-netdev
user,id=n4,restrict=on
-device
igb,id=igb6,bus=rp6,addr=00.0,netdev=n4,romfile=,mac=52:54:00:00:80:00
ARGS
