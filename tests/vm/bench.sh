#!/bin/bash
# `make bench`: vfioctl against lspci, dpdk-devbind.py, driverctl and the
# sysfs floor, at scale, measured inside the guest (tests/vm/run.sh, topology
# `scale`, 4 GiB), in three boots: listing with 8 NVMe PFs x 127 VFs (1039 PCI
# devices) without the vIOMMU; binding and sriov set behind intel-iommu with
# 64 VFs per PF (535 devices: QEMU needs >22 GiB for 1039 devices behind its
# intel-iommu, see topologies/scale.sh); binding thirds of all 1016 VFs
# behind virtio-iommu (1040 devices, 6.12 guest), with udevd running and
# stopped. Ratios compare within one boot.
#
# Usage: tests/vm/bench.sh [--runs N] [--slow-runs N] [--quick] [--snapshot]
#                          [--no-readme] [--out DIR]
#   --runs N       timed runs per command (default 5); the table shows medians
#   --slow-runs N  runs of the slow tools (dpdk-devbind.py, driverctl; default
#                  --runs)
#   --quick        --runs 3 --slow-runs 1 (for iterating; not for the README)
#   --snapshot     also save `vfioctl snapshot` of the full-scale guests in DIR
#                  (scale-snapshot.tar.gz: listing boot, full-snapshot.tar.gz:
#                  the virtio-iommu boot with all VFs)
#   --no-readme    do not rewrite README.md's Performance table
#   --out DIR      where results go (default build/bench); bench/latest.json
#                  and README.md are updated unless --no-readme
#   --only list|bind|full  only the listing boot, the binding boot (535
#                  devices, intel-iommu) or the full-scale binding boot (1040
#                  devices, virtio-iommu, 6.12); the other boots' results are
#                  kept from the previous bench/latest.json
#   --vfioctl BIN  measure this binary (default ./vfioctl); it is copied to
#                  DIR/bin first, so rebuilding during a run changes nothing
# Times are wall-clock medians in ms (bash $EPOCHREALTIME around each run);
# peak RSS from GNU time (-f %M) in a separate run. Absolute numbers vary a lot
# between runs of a TCG guest on a shared host: compare ratios within one run.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

# ============================================================== guest side
# guest list|bind: the listing boot (no IOMMU, 1039 devices) or the binding
# boot (IOMMU, fewer VFs); results are appended to DIR/results.jsonl
guest() {
	local out=${VFIOCTL_VM_OUT:-/tmp/bench-out}
	RUNS=${BENCH_RUNS:-5} SLOW_RUNS=${BENCH_SLOW_RUNS:-${BENCH_RUNS:-5}}
	VF=$BENCH_BIN/vfioctl FLOOR=$BENCH_BIN/floor
	RESULTS=$out/results.jsonl ERRLOG=$out/guest-stderr-$1.log
	: >"$ERRLOG"
	cd /tmp

	modprobe vfio-pci
	PFS=()
	for d in /sys/bus/pci/devices/*; do
		[ -e "$d/sriov_totalvfs" ] && PFS+=("$(basename "$d")")
	done
	log "guest $(uname -r), $(nproc) vCPUs, ${#PFS[@]} PFs"
	jq -n --arg kernel "$(uname -r)" --argjson cpus "$(nproc)" \
		--argjson mem "$(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo)" \
		--arg lspci "$(lspci --version 2>&1 | head -n1)" \
		--arg dpdk "$(dpkg-query -W -f='${Version}' dpdk 2>/dev/null || echo none)" \
		--arg driverctl "$(dpkg-query -W -f='${Version}' driverctl 2>/dev/null || echo none)" \
		--argjson sriov_set "$(sriov_set_available && echo true || echo false)" \
		'{guest_kernel: $kernel, guest_cpus: $cpus, guest_mem_mib: $mem, lspci: $lspci,
		  dpdk: $dpdk, driverctl: $driverctl, sriov_set: $sriov_set}' >"$out/guest-$1.json"
	if [ "$1" = full ]; then # its own kernel: do not overwrite the other boots' facts
		jq '{full_kernel: .guest_kernel, full_mem_mib: .guest_mem_mib}' "$out/guest-$1.json" \
			>"$out/guest-$1.json.tmp" && mv "$out/guest-$1.json.tmp" "$out/guest-$1.json"
	fi

	MAXV=$(cat "/sys/bus/pci/devices/${PFS[0]}/sriov_totalvfs")
	IOMMU=false
	[ -e /sys/kernel/iommu_groups/0 ] && IOMMU=true
	local k n sizes
	if [ "$1" = full ]; then
		bench_full
		set_vfs 0
		log "done"
		return
	fi
	if [ "$1" = list ]; then
		sizes="13 62 $MAXV" # 127, 519, 1039 devices
	else
		sizes="16 $MAXV" # 151, 535 devices with MAXV=64
	fi
	for k in $sizes; do
		set_vfs 0
		timed_once "create.$k" "create ${k} VFs on each PF (autoprobe off)" set_vfs "$k"
		n=$(find /sys/bus/pci/devices/ -mindepth 1 -maxdepth 1 | wc -l)
		log "$n devices ($k VFs per PF, IOMMU $IOMMU)"
		# round-robin: noise from the shared host hits every command alike
		local cmds=("list|vfioctl list|1|$VF list" "json|vfioctl --json list|1|$VF --json list"
			"floor|floor (C, attributes of list)|0|$FLOOR" "lspci|lspci -D|0|lspci -D")
		[ "$IOMMU" = false ] || cmds+=("groups|vfioctl groups|1|$VF groups")
		[ "$k" != "$MAXV" ] || cmds+=("lspcivvv|lspci -vvv|0|lspci -vvv")
		# cheap: twice the runs, so one stall of the host moves the median less
		measure_rr "$n" $((2 * RUNS - 1)) "${cmds[@]}"
		if [ "$1" = list ] && [ "$k" = "$MAXV" ]; then
			measure_rr "$n" "$SLOW_RUNS" "dpdkstatus|dpdk-devbind.py --status|0|dpdk-devbind.py --status" \
				"driverctl|driverctl list-devices|0|driverctl list-devices"
			# the live path (uevent) must list exactly what a snapshot of it lists
			local snap=/tmp/bench-snap same=false
			mkdir -p "$snap/root"
			if "$VF" snapshot -o "$snap/s.tar.gz" >/dev/null 2>>"$ERRLOG" &&
				tar -C "$snap/root" -xzf "$snap/s.tar.gz" &&
				cmp -s <("$VF" --json list) <("$VF" --sysroot "$snap/root" --json list) &&
				cmp -s <("$VF" list) <("$VF" --sysroot "$snap/root" list); then
				same=true
			fi
			emit "parity.$n" "live list = list of its snapshot" "$n" "" "" "$same" \
				"--json list and list, live vs --sysroot: identical: $same"
			[ -z "${BENCH_SNAPSHOT:-}" ] || cp "$snap/s.tar.gz" "$out/scale-snapshot.tar.gz"
		fi
		[ "$1" = list ] || bench_bind "$n"
	done

	# --- sriov set --vfs MAXV --bind vfio-pci on all PFs vs the shell -----
	[ "$1" = list ] || bench_sriov
	set_vfs 0
	log "done"
}

log() { echo "bench: $*" >&2; }

sriov_set_available() {
	"$VF" sriov set --help >/dev/null 2>&1
}

now_us() {
	local t=${EPOCHREALTIME/./}
	echo "$t"
}

# emit KEY LABEL DEVICES TIMES_US RSS_KIB OK NOTE
emit() {
	jq -nc --arg key "$1" --arg lbl "$2" --argjson devices "$3" --arg times "$4" \
		--arg rss "$5" --argjson ok "$6" --arg note "$7" --argjson iommu "${IOMMU:-false}" \
		'{key: $key, label: $lbl, devices: $devices, iommu: $iommu,
		  times_ms: ($times | split(" ") | map(select(. != "") | tonumber / 1000)),
		  rss_kib: (if $rss == "" then null else ($rss | tonumber) end),
		  ok: $ok, note: (if $note == "" then null else $note end)}' >>"$RESULTS"
}

# measure KEY LABEL DEVICES RUNS WANT_RSS -- CMD...: RUNS timed runs of CMD
measure() {
	local key=$1 label=$2 devices=$3 runs=$4 want_rss=$5 times="" rss="" ok=true i t0 t1
	shift 6
	for ((i = 0; i < runs; i++)); do
		t0=$(now_us)
		"$@" >/dev/null 2>>"$ERRLOG" || ok=false
		t1=$(now_us)
		times+=" $((t1 - t0))"
	done
	if [ "$want_rss" = 1 ]; then
		/usr/bin/time -f %M -o /tmp/bench-rss "$@" >/dev/null 2>>"$ERRLOG" || ok=false
		rss=$(tail -n1 /tmp/bench-rss)
	fi
	log "$key: $times us${rss:+, $rss KiB}"
	emit "$key" "$label" "$devices" "$times" "$rss" "$ok" ""
}

# measure_rr DEVICES RUNS "KEY|LABEL|WANT_RSS|CMD ARGS" ...: RUNS rounds, each
# command once per round (words of CMD split on spaces)
measure_rr() {
	local devices=$1 runs=$2 i j jj t0 t1 key label want cmd rss
	local -a argv
	shift 2
	local -a times=() oks=()
	for ((i = 0; i < runs; i++)); do
		# each round starts one command later: no command is always first
		# (the first after another program pays for what that one evicted)
		for ((jj = 0; jj < $#; jj++)); do
			j=$(((i + jj) % $# + 1))
			IFS='|' read -r key label want cmd <<<"${!j}"
			read -ra argv <<<"$cmd"
			t0=$(now_us)
			"${argv[@]}" >/dev/null 2>>"$ERRLOG" || oks[j]=false
			t1=$(now_us)
			times[j]+=" $((t1 - t0))"
		done
	done
	for ((j = 1; j <= $#; j++)); do
		IFS='|' read -r key label want cmd <<<"${!j}"
		read -ra argv <<<"$cmd"
		rss=""
		if [ "$want" = 1 ]; then
			/usr/bin/time -f %M -o /tmp/bench-rss "${argv[@]}" >/dev/null 2>>"$ERRLOG" ||
				oks[j]=false
			rss=$(tail -n1 /tmp/bench-rss)
		fi
		log "$key.$devices:${times[j]} us${rss:+, $rss KiB}"
		emit "$key.$devices" "$label" "$devices" "${times[j]}" "$rss" "${oks[j]:-true}" ""
	done
}

# timed_once KEY LABEL CMD...: one timed run of a state-changing step
timed_once() {
	local key=$1 label=$2 t0 t1 ok=true
	shift 2
	t0=$(now_us)
	"$@" >/dev/null 2>>"$ERRLOG" || ok=false
	t1=$(now_us)
	emit "$key" "$label" "$(ls /sys/bus/pci/devices | wc -l)" "$((t1 - t0))" "" "$ok" ""
}

# set_vfs K: K VFs on every PF, without probing drivers on them (the nvme
# driver retries ~20 s on each QEMU VF)
set_vfs() {
	local pf
	for pf in "${PFS[@]}"; do
		echo 0 >"/sys/bus/pci/devices/$pf/sriov_drivers_autoprobe"
		[ "$(cat "/sys/bus/pci/devices/$pf/sriov_numvfs")" = "$1" ] && continue
		[ "$1" = 0 ] || echo 0 >"/sys/bus/pci/devices/$pf/sriov_numvfs"
		echo "$1" >"/sys/bus/pci/devices/$pf/sriov_numvfs"
	done
}

all_vfs() {
	local pf v
	for pf in "${PFS[@]}"; do
		for v in /sys/bus/pci/devices/"$pf"/virtfn*; do
			[ -e "$v" ] && basename "$(readlink "$v")"
		done
	done | sort
}

# how many of the given devices are bound to DRIVER (no fork per device: a
# TCG guest on a loaded host takes ~100 ms per fork)
count_bound() {
	local drv=$1 n=0 a
	shift
	for a in "$@"; do
		[ -e "/sys/bus/pci/drivers/$drv/$a" ] && n=$((n + 1))
	done
	echo "$n"
}

# untimed: back to no driver and no override, the state VFs are created in
reset_devs() {
	local a l
	for a in "$@"; do
		if [ -e "/sys/bus/pci/drivers/vfio-pci/$a" ]; then
			echo "$a" >/sys/bus/pci/drivers/vfio-pci/unbind
		elif [ -e "/sys/bus/pci/devices/$a/driver" ]; then
			l=$(readlink "/sys/bus/pci/devices/$a/driver" 2>/dev/null || true)
			[ -n "$l" ] && echo "$a" >"/sys/bus/pci/drivers/${l##*/}/unbind"
		fi
		echo >"/sys/bus/pci/devices/$a/driver_override" 2>/dev/null || true
	done
	rm -f /run/vfioctl/journal.json
}

bind_loop() {
	local a
	for a in "$@"; do
		echo vfio-pci >"/sys/bus/pci/devices/$a/driver_override"
		echo "$a" >/sys/bus/pci/drivers_probe
	done
}

# bench_bind DEVICES: bind every other VF (half) to vfio-pci three ways,
# round-robin; reset (untimed) to no driver and no override after each
bench_bind() {
	local n=$1 half=() i t0 t1 bound left=0 rss="" rrss="" dpdk_bound=""
	local t_bind="" t_restore="" t_loop="" t_settle="" t_dpdk="" t_nowait=""
	local ok_bind=true ok_loop=true ok_settle=true ok_dpdk=true ok_nowait=true
	mapfile -t vfs < <(all_vfs)
	for ((i = 0; i < ${#vfs[@]}; i += 2)); do half+=("${vfs[i]}"); done
	log "bind: ${#half[@]} of ${#vfs[@]} VFs"
	reset_devs "${vfs[@]}"
	udevadm settle --timeout=120 || true

	for ((i = 0; i < RUNS; i++)); do
		# vfioctl bind --only, then vfioctl restore (both timed)
		t0=$(now_us)
		"$VF" bind --only "${half[@]}" >/dev/null 2>>"$ERRLOG" || ok_bind=false
		t1=$(now_us)
		t_bind+=" $((t1 - t0))"
		bound=$(count_bound vfio-pci "${half[@]}")
		[ "$bound" = "${#half[@]}" ] || {
			ok_bind=false
			log "vfioctl bind: only $bound bound"
		}
		t0=$(now_us)
		"$VF" restore >/dev/null 2>>"$ERRLOG" || ok_bind=false
		t1=$(now_us)
		t_restore+=" $((t1 - t0))"
		left=$((left + $(count_bound vfio-pci "${half[@]}")))
		[ "$(jq '.devices | length' /run/vfioctl/journal.json 2>/dev/null || echo 0)" = 0 ] || {
			ok_bind=false
			log "restore left journal entries"
		}
		reset_devs "${half[@]}"
		udevadm settle --timeout=120 || true

		# vfioctl bind --only --no-udev-wait (kernel events only), restore untimed
		t0=$(now_us)
		"$VF" bind --only --no-udev-wait "${half[@]}" >/dev/null 2>>"$ERRLOG" || ok_nowait=false
		t1=$(now_us)
		t_nowait+=" $((t1 - t0))"
		[ "$(count_bound vfio-pci "${half[@]}")" = "${#half[@]}" ] || ok_nowait=false
		"$VF" restore >/dev/null 2>>"$ERRLOG" || ok_nowait=false
		reset_devs "${half[@]}"
		udevadm settle --timeout=120 || true

		# the sequential sysfs loop (driver_override + drivers_probe, bash builtins)
		t0=$(now_us)
		bind_loop "${half[@]}" 2>>"$ERRLOG" || ok_loop=false
		t1=$(now_us)
		t_loop+=" $((t1 - t0))"
		[ "$(count_bound vfio-pci "${half[@]}")" = "${#half[@]}" ] || ok_loop=false
		udevadm settle --timeout=120 || true
		reset_devs "${half[@]}"
		udevadm settle --timeout=120 || true

		# the same loop, then waiting for udev to finish (what vfioctl waits for)
		t0=$(now_us)
		bind_loop "${half[@]}" 2>>"$ERRLOG" || ok_settle=false
		udevadm settle --timeout=120 || ok_settle=false
		t1=$(now_us)
		t_settle+=" $((t1 - t0))"
		reset_devs "${half[@]}"
		udevadm settle --timeout=120 || true

		# dpdk-devbind.py -b vfio-pci with all of them at once (full scale only)
		if [ "${#vfs[@]}" = $((${#PFS[@]} * MAXV)) ] && [ "$i" -lt "$SLOW_RUNS" ]; then
			t0=$(now_us)
			dpdk-devbind.py -b vfio-pci "${half[@]}" >/dev/null 2>>"$ERRLOG" || ok_dpdk=false
			t1=$(now_us)
			t_dpdk+=" $((t1 - t0))"
			dpdk_bound=$(count_bound vfio-pci "${half[@]}")
			[ "$dpdk_bound" = "${#half[@]}" ] || ok_dpdk=false
			reset_devs "${half[@]}"
			udevadm settle --timeout=120 || true
		fi
	done
	# peak RSS: one more bind and restore under GNU time
	/usr/bin/time -f %M -o /tmp/bench-rss "$VF" bind --only "${half[@]}" >/dev/null 2>>"$ERRLOG" ||
		ok_bind=false
	rss=$(tail -n1 /tmp/bench-rss)
	/usr/bin/time -f %M -o /tmp/bench-rss "$VF" restore >/dev/null 2>>"$ERRLOG" || ok_bind=false
	rrss=$(tail -n1 /tmp/bench-rss)
	left=$((left + $(count_bound vfio-pci "${half[@]}")))
	reset_devs "${half[@]}"
	udevadm settle --timeout=120 || true

	log "bind.$n:$t_bind us ($rss KiB); restore:$t_restore; loop:$t_loop; settle:$t_settle; dpdk:$t_dpdk"
	emit "bind.$n" "vfioctl bind --only (${#half[@]} VFs)" "$n" "$t_bind" "$rss" "$ok_bind" \
		"all ${#half[@]} bound every run: $ok_bind"
	emit "bindnowait.$n" "vfioctl bind --only --no-udev-wait (${#half[@]} VFs)" "$n" "$t_nowait" "" \
		"$ok_nowait" "all ${#half[@]} bound every run: $ok_nowait"
	emit "restore.$n" "vfioctl restore (${#half[@]} VFs)" "$n" "$t_restore" "$rrss" \
		"$([ "$left" = 0 ] && echo true || echo false)" "devices left on vfio-pci: $left"
	emit "loop.$n" "sysfs loop, sequential (${#half[@]} VFs)" "$n" "$t_loop" "" "$ok_loop" ""
	emit "loopsettle.$n" "sysfs loop + udevadm settle (${#half[@]} VFs)" "$n" "$t_settle" "" \
		"$ok_settle" ""
	[ -z "$t_dpdk" ] ||
		emit "dpdkbind.$n" "dpdk-devbind.py -b vfio-pci (${#half[@]} VFs)" "$n" "$t_dpdk" "" \
			"$ok_dpdk" "bound $dpdk_bound of ${#half[@]} (last run)"
}

# bench_full: the binding boot at full scale (127 VFs per PF, 1039 devices,
# virtio-iommu). The VFs are cut into three equal thirds; each round binds one
# third with the sysfs loop (then udevadm settle, timed apart), one with
# `vfioctl bind --only --no-udev-wait`, one with `vfioctl bind --only`, and the
# next round rotates which method gets which third; each method starts with no
# VF bound and no journal (the previous one's third is reset, untimed, and
# udev has settled). Rounds run with udevd
# running, then again with udevd stopped. Then one `-v` run of each vfioctl
# mode records its phases and one `strace -c -f` where the time goes.
bench_full() {
	local n i k m third t0 t1 t2 key
	local -a vfs thirds
	set_vfs "$MAXV"
	udevadm settle --timeout=300 || true
	n=$(find /sys/bus/pci/devices/ -mindepth 1 -maxdepth 1 | wc -l)
	mapfile -t vfs < <(all_vfs)
	third=$((${#vfs[@]} / 3))
	thirds=("${vfs[*]:0:third}" "${vfs[*]:third:third}" "${vfs[*]:2*third:third}")
	log "full: $n devices, ${#vfs[@]} VFs, thirds of $third"
	# for profiling the planner on the host (callgrind on --sysroot, --dry-run)
	[ -z "${BENCH_SNAPSHOT:-}" ] || "$VF" snapshot -o "$out/full-snapshot.tar.gz" >/dev/null 2>>"$ERRLOG" ||
		log "full: snapshot failed"
	# the listing targets hold in this boot too
	measure_rr "$n" $((2 * RUNS - 1)) "fulllist|vfioctl list|0|$VF list" \
		"fulllspci|lspci -D|0|lspci -D" "fullgroups|vfioctl groups|0|$VF groups" \
		"fullstartup|vfioctl --version (start-up alone)|0|$VF --version"
	reset_devs "${vfs[@]}"
	local -A T=() OK=()
	local udev
	for udev in on off; do
		if [ "$udev" = off ]; then
			udevadm control --exit 2>/dev/null || pkill -x systemd-udevd || true
			for ((i = 0; i < 50; i++)); do
				pgrep -x systemd-udevd >/dev/null || break
				sleep 0.1
			done
			pgrep -x systemd-udevd >/dev/null && log "udevd still running" || log "udevd stopped"
		fi
		for ((i = 0; i < RUNS; i++)); do
			for ((k = 0; k < 3; k++)); do
				m=$(((i + k) % 3))
				# shellcheck disable=SC2086
				set -- ${thirds[k]}
				case $m in
				0)
					t0=$(now_us)
					bind_loop "$@" 2>>"$ERRLOG" || OK[loop.$udev]=false
					t1=$(now_us)
					T[loop.$udev]+=" $((t1 - t0))"
					if [ "$udev" = on ]; then
						udevadm settle --timeout=300 || OK[loopsettle.$udev]=false
						t2=$(now_us)
						T[loopsettle.$udev]+=" $((t2 - t0))"
					fi
					key=loop
					;;
				1)
					t0=$(now_us)
					"$VF" bind --only --no-udev-wait "$@" >/dev/null 2>>"$ERRLOG" ||
						OK[nowait.$udev]=false
					t1=$(now_us)
					T[nowait.$udev]+=" $((t1 - t0))"
					key=nowait
					;;
				2)
					t0=$(now_us)
					"$VF" bind --only "$@" >/dev/null 2>>"$ERRLOG" ||
						OK[default.$udev]=false
					t1=$(now_us)
					T[default.$udev]+=" $((t1 - t0))"
					key=default
					;;
				esac
				[ "$(count_bound vfio-pci "$@")" = "$#" ] || {
					OK[$key.$udev]=false
					log "full: $key (udevd $udev) bound only $(count_bound vfio-pci "$@") of $#"
				}
				# untimed: every method starts from the same state (no VF
				# bound, no journal, udev idle), whatever ran before it
				reset_devs "$@"
				[ "$udev" = off ] || udevadm settle --timeout=300 || true
			done
		done
		# where the time goes (untimed in the table): phases and syscalls
		# shellcheck disable=SC2086
		set -- ${thirds[0]}
		"$VF" -v bind --only --no-udev-wait "$@" 2>&1 >/dev/null |
			sed -n 's/^vfioctl: debug: \(.*: [0-9]* ms.*\)/\1/p' >"$out/phases-nowait-udev$udev.txt"
		reset_devs "$@"
		[ "$udev" = off ] || udevadm settle --timeout=300 || true
		"$VF" -v bind --only "$@" 2>&1 >/dev/null |
			sed -n 's/^vfioctl: debug: \(.*: [0-9]* ms.*\)/\1/p' >"$out/phases-default-udev$udev.txt"
		reset_devs "$@"
		[ "$udev" = off ] || udevadm settle --timeout=300 || true
		if command -v strace >/dev/null; then
			strace -c -f -o "$out/strace-nowait-udev$udev.txt" \
				"$VF" bind --only --no-udev-wait "$@" >/dev/null 2>>"$ERRLOG" || true
			reset_devs "$@"
			[ "$udev" = off ] || udevadm settle --timeout=300 || true
			# every call, to see which paths cost (tests/vm/README.md, make bench)
			[ "$udev" = on ] || strace -f -o "$out/strace-full-nowait.txt" \
				"$VF" bind --only --no-udev-wait "$@" >/dev/null 2>>"$ERRLOG" || true
			reset_devs "$@"
		fi
	done
	local label
	for key in loop.on loopsettle.on nowait.on default.on loop.off nowait.off default.off; do
		case ${key%.*} in
		loop) label="sysfs loop, sequential" ;;
		loopsettle) label="sysfs loop + udevadm settle" ;;
		nowait) label="vfioctl bind --only --no-udev-wait" ;;
		default) label="vfioctl bind --only" ;;
		esac
		log "full.$key.$n:${T[$key]:-} us"
		emit "full.$key.$n" "$label ($third VFs, udevd ${key#*.})" "$n" "${T[$key]:-}" "" \
			"${OK[$key]:-true}" ""
	done
}

# sriov set --vfs 127 --bind vfio-pci on all PFs vs the shell equivalent
bench_sriov() {
	local n times ok i t0 t1 pf rss="" bound total=$((${#PFS[@]} * MAXV))
	n=$((23 + total))
	if ! sriov_set_available; then
		log "skipped: sriov set not available"
		emit "sriovset.$n" "vfioctl sriov set --vfs $MAXV --bind vfio-pci (${#PFS[@]} PFs)" "$n" "" \
			"" false "skipped: sriov set not available"
	else
		times="" ok=true
		for ((i = 0; i <= RUNS; i++)); do
			set_vfs 0
			rm -f /run/vfioctl/journal.json
			udevadm settle --timeout=120 || true
			t0=$(now_us)
			for pf in "${PFS[@]}"; do
				if [ "$i" = "$RUNS" ]; then
					/usr/bin/time -f %M -o /tmp/bench-rss "$VF" sriov set "$pf" \
						--vfs "$MAXV" --bind vfio-pci >/dev/null 2>>"$ERRLOG" || ok=false
					rss=$(sort -n /tmp/bench-rss <(echo "${rss:-0}") | tail -n1)
				else
					"$VF" sriov set "$pf" --vfs "$MAXV" --bind vfio-pci \
						>/dev/null 2>>"$ERRLOG" || ok=false
				fi
			done
			t1=$(now_us)
			[ "$i" = "$RUNS" ] || times+=" $((t1 - t0))"
			mapfile -t vfs < <(all_vfs)
			bound=$(count_bound vfio-pci "${vfs[@]}")
			[ "$bound" = "$total" ] || {
				ok=false
				log "sriov set: $bound of $total VFs bound"
			}
		done
		log "sriovset: $times us, $rss KiB"
		emit "sriovset.$n" "vfioctl sriov set --vfs $MAXV --bind vfio-pci (${#PFS[@]} PFs)" "$n" \
			"$times" "$rss" "$ok" "$total VFs bound each run: $ok"
	fi

	times="" ok=true
	for ((i = 0; i < RUNS; i++)); do
		set_vfs 0
		rm -f /run/vfioctl/journal.json
		udevadm settle --timeout=120 || true
		t0=$(now_us)
		set_vfs "$MAXV"
		mapfile -t vfs < <(all_vfs)
		bind_loop "${vfs[@]}" 2>>"$ERRLOG" || ok=false
		t1=$(now_us)
		times+=" $((t1 - t0))"
		bound=$(count_bound vfio-pci "${vfs[@]}")
		[ "$bound" = "$total" ] || ok=false
	done
	log "sriovshell: $times us"
	emit "sriovshell.$n" "shell: sriov_numvfs=$MAXV + sysfs loop (${#PFS[@]} PFs)" "$n" "$times" "" "$ok" ""
}

if [ "${1:-}" = --guest ]; then
	guest "$2"
	exit 0
fi

# =============================================================== host side
RUNS=5 SLOW_RUNS="" SNAPSHOT="" README=1 OUT=$REPO/build/bench BIN="" ONLY=""
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) RUNS=$2; shift 2 ;;
	--slow-runs) SLOW_RUNS=$2; shift 2 ;;
	--quick) RUNS=3 SLOW_RUNS=1 README=0; shift ;;
	--snapshot) SNAPSHOT=1; shift ;;
	--no-readme) README=0; shift ;;
	--out) OUT=$2; shift 2 ;;
	--vfioctl) BIN=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown option: $1" >&2; exit 2 ;;
	esac
done
SLOW_RUNS=${SLOW_RUNS:-$RUNS}
cd "$REPO"
[ -n "$BIN" ] || { make vfioctl >/dev/null && BIN=./vfioctl; }
mkdir -p "$OUT/vm" "$OUT/bin"
OUT=$(cd "$OUT" && pwd)
cp "$BIN" "$OUT/bin/vfioctl"
cp "$0" "$OUT/bin/bench.sh" # bash reads a script as it runs: edits must not reach the guest
cc -O2 -Wall -Wextra -o "$OUT/bin/floor" tests/bench/floor.c
for t in lspci dpdk-devbind.py driverctl jq /usr/bin/time; do
	command -v "$t" >/dev/null || {
		echo "bench: $t missing: run scripts/install-deps.sh --bench" >&2
		exit 1
	}
done
rm -f "$OUT/vm/results.jsonl"
START=$(date -u +%Y-%m-%dT%H:%M:%SZ)
T0=$(date +%s)
# 89-vfio-uio.rules (driverctl's package) runs a bash script for every new
# /dev/vfio/N: not part of a host without driverctl, and it would charge the
# udev work of every bind to whoever waits for udev.
# Two boots (see topologies/scale.sh, Memory): listing at 1039 devices
# without the IOMMU; binding and sriov set with the IOMMU and 64 VFs per PF.
boot() { # MODE run.sh-options...
	local mode=$1
	shift
	"$HERE/run.sh" --topology scale --mem 4096 --timeout 7200 --out "$OUT/vm" \
		"$@" \
		--setup 'ln -sf /dev/null /etc/udev/rules.d/89-vfio-uio.rules' \
		--env BENCH_RUNS="$RUNS" --env BENCH_SLOW_RUNS="$SLOW_RUNS" \
		--env BENCH_SNAPSHOT="$SNAPSHOT" --env BENCH_BIN="$OUT/bin" -- \
		bash "$OUT/bin/bench.sh" --guest "$mode"
}
[ -z "$ONLY" ] || [ "$ONLY" = list ] && SCALE_MAX_VFS=127 boot list --no-iommu
[ -z "$ONLY" ] || [ "$ONLY" = bind ] && SCALE_MAX_VFS=64 boot bind
# Binding at full scale needs a vIOMMU whose per-device address spaces QEMU
# does not rebuild all at once: virtio-iommu (boot-bypass on) keeps 1040
# devices under 1.5 GiB on the host. bookworm's 6.1 has no virtio-iommu
# driver, so this boot runs bookworm-backports' 6.12.
[ -z "$ONLY" ] || [ "$ONLY" = full ] &&
	SCALE_MAX_VFS=127 boot full --kernel backports --iommu virtio
true
WALL=$(($(date +%s) - T0))

CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
jq -s --arg date "$START" --arg cpu "$CPU" --argjson cores "$(nproc)" \
	--argjson memg "$(awk '/MemTotal/ {print int($2/1048576+0.5)}' /proc/meminfo)" \
	--arg qemu "$(qemu-system-x86_64 --version | head -n1)" \
	--arg version "$("$OUT/bin/vfioctl" --version | awk '{print $NF}')" \
	--argjson wall "$WALL" --argjson runs "$RUNS" --argjson slow "$SLOW_RUNS" \
	--slurpfile guest <(cat "$OUT"/vm/guest-*.json | jq -s 'add') '
	def median: sort | if length == 0 then null
		elif length % 2 == 1 then .[length / 2 | floor]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	{date: $date, vfioctl: $version,
	 machine: ({cpu: $cpu, cores: $cores, mem_gib: $memg, accel: "QEMU TCG (no KVM)",
		   qemu: $qemu} + $guest[0]),
	 runs: $runs, slow_runs: $slow, wall_s: $wall,
	 results: map(. + {median_ms: (.times_ms | median)})}' \
	"$OUT/vm/results.jsonl" >"$OUT/latest.json"
# --only: keep the other boots' results of the previous run, marked as such
if [ -n "$ONLY" ] && [ -s bench/latest.json ]; then
	jq --arg only "$ONLY" --slurpfile old bench/latest.json '
		def mine: if $only == "full" then startswith("full")
			elif $only == "list" then (startswith("full") | not) and
				(test("^(list|json|floor|lspci|lspcivvv|dpdkstatus|driverctl|parity|create)\\.")) 
			else (startswith("full") | not) and
				(test("^(list|json|floor|lspci|lspcivvv|dpdkstatus|driverctl|parity|create)\\.") | not) end;
		. as $new | $old[0] + {
			results: (($old[0].results | map(select(.key | mine | not))) + $new.results),
			# the other boots ran on the old machine: only the facts of the full boot
			# move up; its host is kept beside its date
			machine: (if $only == "full"
				then $old[0].machine + ($new.machine | {full_kernel, full_mem_mib})
				else $old[0].machine + $new.machine end),
			partial: (($old[0].partial // {}) +
				{($only): {date: $new.date, vfioctl: $new.vfioctl, runs: $new.runs,
					   cpu: $new.machine.cpu}})}' \
		"$OUT/latest.json" >"$OUT/latest.json.tmp" && mv "$OUT/latest.json.tmp" "$OUT/latest.json"
fi

"$HERE/../bench/report.sh" "$OUT/latest.json" | tee "$OUT/latest.md"
if [ "$README" = 1 ]; then
	mkdir -p bench
	cp "$OUT/latest.json" bench/latest.json
	"$HERE/../bench/report.sh" --readme "$OUT/latest.json" README.md
	echo "bench: wrote bench/latest.json and README.md (Performance)"
fi
