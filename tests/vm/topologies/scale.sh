#!/bin/sh
# Scale: 8 NVMe SR-IOV physical functions, each on its own root port, for
# `make bench` (tests/vm/bench.sh). Needs `run.sh --mem 4096`.
# Prints one QEMU argument per line (read by tests/vm/run.sh).
#
#   00:1c.0-7      pcie-root-port (multifunction slot 1c), one per PF
#     xx:00.0      nvme (1b36:0010) in its own nvme-subsys,
#                  sriov_totalvfs=$SCALE_MAX_VFS (default 127);
#                  VFs at xx:00.1 ... (ARI)
# With 127 VFs each: 8 + 8 x 127 + 8 ports + 7 built-ins = 1039 devices.
#
# QEMU's nvme checks: sriov_vq_flexible >= 2 x sriov_max_vfs,
# sriov_vi_flexible >= sriov_max_vfs, max_ioqpairs - sriov_vq_flexible >= 2,
# msix_qsize - sriov_vi_flexible >= 2 (the PF keeps 2 queue pairs/vectors).
#
# Memory: QEMU 10 creates every VF device when the PF is realized, and with
# the intel-iommu each device has its own DMA address space; when the guest
# enables DMA remapping QEMU rebuilds them all in one go, and with 1039
# devices that transiently took >22 GiB on the host (OOM on a 24 GiB
# machine). Boot the full 1039 with --no-iommu, or fewer VFs with the IOMMU
# (SCALE_MAX_VFS=64: 535 devices, a few GiB).
V=${SCALE_MAX_VFS:-127}
for i in 0 1 2 3 4 5 6 7; do
	mf=""
	[ "$i" = 0 ] && mf=",multifunction=on"
	cat <<ARGS
-device
pcie-root-port,id=rp$i,bus=pcie.0,addr=1c.$i$mf,chassis=$((i + 1)),slot=$((i + 1))
-device
nvme-subsys,id=nvmesubsys$i,nqn=nqn.2024-01.org.vfioctl:scale$i
-device
nvme,id=nvme$i,bus=rp$i,addr=00.0,serial=vfioctlscale$i,subsys=nvmesubsys$i,sriov_max_vfs=$V,sriov_vq_flexible=$((2 * V)),sriov_vi_flexible=$V,max_ioqpairs=$((2 * V + 2)),msix_qsize=$((V + 2))
ARGS
done
