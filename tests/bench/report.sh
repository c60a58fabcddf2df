#!/bin/bash
# Render a `make bench` result (bench/latest.json) as Markdown tables.
# Usage: tests/bench/report.sh RESULT.json            -> tables on stdout
#        tests/bench/report.sh --readme RESULT.json README.md
#            replace the text between the bench markers in README.md
set -euo pipefail

if [ "${1:-}" = --readme ]; then
	json=$2 readme=$3
	table=$(mktemp)
	trap 'rm -f "$table"' EXIT
	"$0" "$json" >"$table"
	grep -q '^<!-- bench:begin -->$' "$readme" || {
		echo "report: no '<!-- bench:begin -->' line in $readme" >&2
		exit 1
	}
	awk -v table="$table" '
		/^<!-- bench:begin -->$/ { print; while ((getline l < table) > 0) print l; skip = 1; next }
		/^<!-- bench:end -->$/ { skip = 0 }
		!skip' "$readme" >"$readme.tmp"
	mv "$readme.tmp" "$readme"
	exit 0
fi

jq -r '
def r(key): first(.results[] | select(.key == key)) // null;
def ms: if . == null then "–" elif . >= 1000 then "\(. / 1000 * 100 | round / 100) s"
	else "\(. * 10 | round / 10) ms" end;
def mib: if . == null then "–" else "\(. / 1024 * 10 | round / 10) MiB" end;
def ratio(a; b): if a == null or b == null or b == 0 then "–"
	else "\(a / b * 100 | round / 100)×" end;
def verdict(ok): if ok then "met" else "**not met**" end;
def row(cells): "| " + (cells | join(" | ")) + " |";
. as $all |
(.results | map(select(.key | startswith("list."))) | map(.devices) | max) as $n |
r("list.\($n)") as $list | r("json.\($n)") as $json | r("lspci.\($n)") as $lspci |
r("floor.\($n)") as $floor |
(.results | map(select(.key | startswith("bind."))) | map(.devices) | max) as $nb |
r("bind.\($nb)") as $bind | r("loop.\($nb)") as $loop |
r("bindnowait.\($nb)") as $nowait | r("loopsettle.\($nb)") as $settle |
(first(.results[] | select(.key | startswith("sriovset."))) // null) as $sset |
(first(.results[] | select(.key | startswith("fulllist."))) // null) as $fl |
($fl.devices // 0) as $fn | r("fulllspci.\($fn)") as $fls |
r("full.loop.on.\($fn)") as $flon | r("full.loop.off.\($fn)") as $floff |
r("full.loopsettle.on.\($fn)") as $fset |
r("full.nowait.on.\($fn)") as $fnwon | r("full.nowait.off.\($fn)") as $fnwoff |
r("full.default.on.\($fn)") as $fdon | r("full.default.off.\($fn)") as $fdoff |
(first(.results[] | select(.key | startswith("sriovshell."))) // null) as $sshell |
def io(x): if x.iommu then "vIOMMU" else "no vIOMMU" end;
"Measured \(.date | .[0:10]) with vfioctl \(.vfioctl): guest \(.machine.guest_kernel), " +
"\(.machine.guest_cpus) vCPUs, \(.machine.guest_mem_mib) MiB under \(.machine.accel) " +
"(\(.machine.qemu)) on \(.machine.cpu), \(.machine.cores) host cores shared with other work. " +
"Medians of \(.runs) runs (\(2 * .runs - 1) for the listing commands, \(.slow_runs) for dpdk-devbind.py and driverctl; round-robin); " +
"ratios are within this one run.",
"",
"**Listing, \($n) PCI devices (\(io($list)))**",
"",
"| command | median | vs `lspci -D` | vs floor | peak RSS |",
"|---|---:|---:|---:|---:|",
(["list", "json", "groups", "floor", "lspci", "lspcivvv", "dpdkstatus", "driverctl"][] as $k |
 r("\($k).\($n)") | select(. != null) |
 row(["`\(.label)`", (.median_ms | ms), ratio(.median_ms; $lspci.median_ms),
      ratio(.median_ms; $floor.median_ms), (.rss_kib | mib)])),
"",
"**Binding half the VFs to vfio-pci, \($nb) PCI devices (\(io($bind)))**",
"",
"| command | median | vs sysfs loop | vs loop + settle | peak RSS | note |",
"|---|---:|---:|---:|---:|---|",
(["bind", "bindnowait", "restore", "loop", "loopsettle", "dpdkbind"][] as $k | r("\($k).\($nb)") |
 select(. != null) |
 row(["`\(.label)`", (.median_ms | ms), ratio(.median_ms; $loop.median_ms),
      ratio(.median_ms; $settle.median_ms), (.rss_kib | mib), (.note // "")])),
"",
"**SR-IOV: all VFs of 8 PFs created and bound to vfio-pci, \($sset.devices // "–") PCI devices (vIOMMU)**",
"",
"| command | median | vs shell | peak RSS | note |",
"|---|---:|---:|---:|---|",
([$sset, $sshell][] | select(. != null) |
 row(["`\(.label)`", (.median_ms | ms), ratio(.median_ms; $sshell.median_ms), (.rss_kib | mib),
      (.note // "")])),
"",
(if $fl == null then empty else
 "**Binding a third of the VFs to vfio-pci, \($fn) PCI devices (virtio-iommu, guest \(.machine.full_kernel // "6.12"))**",
 "",
 (if .partial.full then "Measured \(.partial.full.date | .[0:10]) with vfioctl \(.partial.full.vfioctl) (`make bench --only full`, the other tables are from the run above)" + (if .partial.full.cpu and .partial.full.cpu != .machine.cpu then ", on \(.partial.full.cpu)" else "" end) + ". " else "" end) +
 "Medians of \(.partial.full.runs // .runs) rounds. All 8×127 VFs exist; each round binds one third per method, each from no VF bound, and the next round rotates the thirds. " +
 "Same boot: `vfioctl list` \($fl.median_ms | ms) against `lspci -D` \($fls.median_ms | ms) " +
 "(\(ratio($fl.median_ms; $fls.median_ms))), `vfioctl groups` \(r("fullgroups.\($fn)").median_ms | ms).",
 "",
 "| command | udevd | median | vs sysfs loop | vs loop + settle | note |",
 "|---|---|---:|---:|---:|---|",
 (["on", "off"][] as $u | r("full.loop.\($u).\($fn)") as $lp |
  ["loop", "loopsettle", "nowait", "default"][] as $k | r("full.\($k).\($u).\($fn)") |
  select(. != null) |
  row(["`\(.label | sub(", udevd (on|off)\\)$"; ")"))`", $u, (.median_ms | ms),
       ratio(.median_ms; $lp.median_ms),
       (if $u == "on" then ratio(.median_ms; $fset.median_ms) else "–" end),
       (if .ok then "all bound every run" else "**not all bound**" end)])),
 "" end),
"**Scaling**",
"",
"| devices | vIOMMU | `vfioctl list` | `--json list` | floor | `lspci -D` | `bind --only` half the VFs | per bound VF | RSS of list | RSS of `--json list` | RSS of bind |",
"|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
(.results | map(select(.key | startswith("list."))) | map(.devices) | sort[] as $d |
 $all | r("bind.\($d)") as $b |
 ($b.label // "" | capture("\\((?<v>[0-9]+) VFs") // {v: null} | .v) as $nv |
 row(["\($d)", (if r("list.\($d)").iommu then "yes" else "no" end),
      (r("list.\($d)").median_ms | ms), (r("json.\($d)").median_ms | ms),
      (r("floor.\($d)").median_ms | ms), (r("lspci.\($d)").median_ms | ms),
      ($b.median_ms | ms),
      (if $nv == null or $b == null then "–" else ($b.median_ms / ($nv | tonumber) | ms) end),
      (r("list.\($d)").rss_kib | mib), (r("json.\($d)").rss_kib | mib), ($b.rss_kib | mib)])),
"",
"**Targets**",
"",
"| target | measured | |",
"|---|---|---|",
(r("parity.\($n)") | select(. != null) | row(["live `list` = `list` of its snapshot", .note, verdict(.ok)])),
row(["`list` ≤ 0.5 × `lspci -D`", ratio($list.median_ms; $lspci.median_ms),
     verdict($list.median_ms <= 0.5 * $lspci.median_ms)]),
row(["`list` ≤ 2 × floor", ratio($list.median_ms; $floor.median_ms),
     verdict($list.median_ms <= 2 * $floor.median_ms)]),
row(["`--json list` within 10 % of text", ratio($json.median_ms; $list.median_ms),
     verdict($json.median_ms <= 1.1 * $list.median_ms)]),
row(["batch bind `--no-udev-wait` ≤ 0.7 × sequential loop", ratio($nowait.median_ms; $loop.median_ms),
     verdict($nowait != null and $nowait.median_ms <= 0.7 * $loop.median_ms and $nowait.ok)]),
row(["batch bind (waits for udev) ≤ 0.7 × loop + `udevadm settle`", ratio($bind.median_ms; $settle.median_ms),
     verdict($bind.median_ms <= 0.7 * $settle.median_ms and $bind.ok)]),
(if $fl == null then empty else
 row(["at \($fn) devices: `--no-udev-wait` ≤ 0.7 × loop (udevd on / off)",
      "\(ratio($fnwon.median_ms; $flon.median_ms)) / \(ratio($fnwoff.median_ms; $floff.median_ms))",
      verdict($fnwon.median_ms <= 0.7 * $flon.median_ms and $fnwoff.median_ms <= 0.7 * $floff.median_ms
	      and $fnwon.ok and $fnwoff.ok)]),
 row(["at \($fn) devices: default mode ≤ 1.0 × loop, udevd stopped",
      ratio($fdoff.median_ms; $floff.median_ms),
      verdict($fdoff.median_ms <= $floff.median_ms and $fdoff.ok)]),
 row(["at \($fn) devices: default mode ≤ 1.0 × loop + `udevadm settle`, udevd running",
      ratio($fdon.median_ms; $fset.median_ms),
      verdict($fdon.median_ms <= $fset.median_ms and $fdon.ok)]),
 row(["at \($fn) devices: `list` ≤ 0.5 × `lspci -D` (same boot)", ratio($fl.median_ms; $fls.median_ms),
      verdict($fl.median_ms <= 0.5 * $fls.median_ms)]) end),
([.results[] | select(.rss_kib != null and (.label | startswith("vfioctl")))] |
 (map(.rss_kib) | max) as $m |
 row(["peak RSS ≤ 10 MiB (list at \($n), bind at \($nb) devices)", "max \($m | mib) (\(map(select(.rss_kib == $m)) | .[0].label))",
      verdict($m <= 10240)]))
' "$1"
