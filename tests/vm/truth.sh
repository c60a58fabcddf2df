#!/bin/sh
# The kernel's own view of PCI devices, read straight from sysfs without
# vfioctl: what the VM tier and the fixtures' truth.json compare against.
# Output: {"devices":[{"address","driver","iommu_group","physfn"}],"groups":{"N":[addr...]}}
set -eu
root=${1:-}
{
	for d in "$root"/sys/bus/pci/devices/*; do
		a=${d##*/}
		drv=$(readlink "$d/driver" 2>/dev/null || true)
		grp=$(readlink "$d/iommu_group" 2>/dev/null || true)
		pf=$(readlink "$d/physfn" 2>/dev/null || true)
		printf '%s\t%s\t%s\t%s\n' "$a" "${drv##*/}" "${grp##*/}" "${pf##*/}"
	done
} | jq -M -R -s '
	[split("\n")[] | select(length > 0) | split("\t") |
	 {address: .[0], driver: (if .[1] == "" then null else .[1] end),
	  iommu_group: (if .[2] == "" then null else (.[2] | tonumber) end),
	  physfn: (if .[3] == "" then null else .[3] end)}] as $devs |
	{devices: $devs,
	 groups: ($devs | map(select(.iommu_group != null)) | group_by(.iommu_group) |
		  map({key: (.[0].iommu_group | tostring), value: map(.address)}) | from_entries)}'
