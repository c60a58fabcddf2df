#!/bin/sh
# SR-IOV physical functions, each on its own root port.
# Prints one QEMU argument per line (read by tests/vm/run.sh).
#
#   00:1c.0        pcie-root-port, multifunction
#     xx:00.0      igb 82576 (8086:10c9), sriov_totalvfs=7, VFs 8086:10ca
#   00:1c.1        pcie-root-port
#     xx:00.0      nvme (1b36:0010), sriov_totalvfs=4
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
-device
nvme-subsys,id=nvmesubsys0,nqn=nqn.2024-01.org.vfioctl:subsys0
-device
nvme,id=nvme0,bus=rp2,addr=00.0,serial=vfioctl0,subsys=nvmesubsys0,sriov_max_vfs=4,sriov_vq_flexible=8,sriov_vi_flexible=4,max_ioqpairs=12,msix_qsize=8
ARGS
