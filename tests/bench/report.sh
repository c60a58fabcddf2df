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
([.results[] | select(.rss_kib != null and (.label | startswith("vfioctl")))] |
 (map(.rss_kib) | max) as $m |
 row(["peak RSS ≤ 10 MiB (list at \($n), bind at \($nb) devices)", "max \($m | mib) (\(map(select(.rss_kib == $m)) | .[0].label))",
      verdict($m <= 10240)]))
' "$1"
