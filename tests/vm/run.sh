#!/bin/bash
# Run a command inside a throw-away QEMU/TCG guest running the Debian stock
# kernel, with the host's root filesystem as a read-only 9p lower layer and a
# tmpfs overlay on top.  See tests/vm/README.md.
#
# Usage: tests/vm/run.sh [OPTIONS] -- COMMAND [ARGS...]
#   --topology NAME   extra devices from tests/vm/topologies/NAME.sh (default: none)
#   --no-iommu        no IOMMU device (and no intel_iommu=on)
#   --iommu intel|amd|virtio the emulated IOMMU: intel-iommu (VT-d, default),
#                     amd-iommu (AMD-Vi) or virtio-iommu (6.12 only: bookworm's
#                     6.1 lacks CONFIG_VIRTIO_IOMMU)
#   --intremap on|off the IOMMU's interrupt remapping (default on; with amd
#                     the guest gets noapic and never enables it, see README)
#   --append ARGS     extra kernel command line (appended last, so it wins)
#   --mem MiB         guest RAM (default 1024)
#   --smp N           vCPUs (default 2)
#   --systemd         boot systemd as PID 1; the command runs from a unit
#   --out DIR         host dir shared rw at /mnt/out (default: new temp dir,
#                     removed afterwards if left empty)
#   --env NAME=VALUE  export to the command (repeatable)
#   --setup CMD       bash command run as root in the guest before udevd /
#                     systemd start (e.g. install files into the overlay)
#   --stdin FILE      feed FILE ("-": all of our stdin, read up front) to the
#                     command; default: /dev/null, or the terminal when both
#                     stdin and stdout are terminals (interactive use)
#   --timeout SEC     kill the VM after SEC seconds (default 600)
#   --qemu-arg ARG    extra raw QEMU argument (repeatable)
#   --initrd FILE     boot this initramfs-tools image instead of the harness'
#                     initramfs: one built by mkinitramfs with the test-only
#                     root script of tests/vm/initramfs-tools (boot=vmroot),
#                     which hands over to guest-stage2.sh (init=)
#   --kernel NAME     guest kernel: "current" (bookworm's 6.1, default) or
#                     "backports" (bookworm-backports' 6.12), as unpacked by
#                     scripts/install-deps.sh --vm ($VFIOCTL_VM_KERNEL)
#   --no-pvh          boot the bzImage (real-mode setup: vga= works), not the
#                     extracted vmlinux (same as VFIOCTL_VM_PVH=0)
#   -v, --verbose     kernel loglevel 7, timing summary, show QEMU command
# Environment: VFIOCTL_VM_CACHE (default /var/cache/vfioctl-vm),
#   VFIOCTL_VM_TIMEOUT, VFIOCTL_VM_BOOT_TIMEOUT (default 300: seconds the guest
#   may take to reach the command, --setup included), VFIOCTL_VM_VERBOSE=1,
#   QEMU (qemu-system-x86_64),
#   VFIOCTL_VM_PVH=0 (boot the bzImage instead of the extracted vmlinux).
# Exit status: that of COMMAND; 124 on timeout; 125 if the guest did not
# report a status (kernel panic, boot failure, ...); 126 on an infrastructure
# failure (QEMU crashed, or the guest hung before the command); 2 on usage errors.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${VFIOCTL_VM_CACHE:-/var/cache/vfioctl-vm}
QEMU=${QEMU:-qemu-system-x86_64}

TOPOLOGY=none IOMMU=1 IOMMU_KIND=intel INTREMAP=on APPEND="" MEM=1024 SMP=2 SYSTEMD=0
OUT="" TIMEOUT=${VFIOCTL_VM_TIMEOUT:-600} VERBOSE=${VFIOCTL_VM_VERBOSE:-0}
BOOT_TIMEOUT=${VFIOCTL_VM_BOOT_TIMEOUT:-300}
KNAME=${VFIOCTL_VM_KERNEL:-current}
ENVS=() QARGS=() SETUP="" STDIN="" ITINITRD=""

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() {
	echo "vm: error: $*" >&2
	exit "${2:-125}"
}

while [ $# -gt 0 ]; do
	case "$1" in
	--topology) TOPOLOGY=$2; shift 2 ;;
	--topology=*) TOPOLOGY=${1#*=}; shift ;;
	--no-iommu) IOMMU=0; shift ;;
	--iommu) IOMMU_KIND=$2; shift 2 ;;
	--iommu=*) IOMMU_KIND=${1#*=}; shift ;;
	--intremap) INTREMAP=$2; shift 2 ;;
	--intremap=*) INTREMAP=${1#*=}; shift ;;
	--append) APPEND="$APPEND $2"; shift 2 ;;
	--append=*) APPEND="$APPEND ${1#*=}"; shift ;;
	--mem) MEM=$2; shift 2 ;;
	--mem=*) MEM=${1#*=}; shift ;;
	--smp) SMP=$2; shift 2 ;;
	--systemd) SYSTEMD=1; shift ;;
	--out) OUT=$2; shift 2 ;;
	--out=*) OUT=${1#*=}; shift ;;
	--env) ENVS+=("$2"); shift 2 ;;
	--setup) SETUP=$2; shift 2 ;;
	--stdin) STDIN=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--qemu-arg) QARGS+=("$2"); shift 2 ;;
	--initrd) ITINITRD=$2; shift 2 ;;
	--kernel) KNAME=$2; shift 2 ;;
	--kernel=*) KNAME=${1#*=}; shift ;;
	--no-pvh) VFIOCTL_VM_PVH=0; shift ;;
	-v | --verbose) VERBOSE=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	*) echo "vm: unknown option: $1" >&2; usage >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "vm: missing -- COMMAND" >&2; usage >&2; exit 2; }
case "$INTREMAP" in on | off) ;; *) die "--intremap must be on or off" 2 ;; esac
case "$IOMMU_KIND" in intel | amd | virtio) ;; *) die "--iommu must be intel, amd or virtio" 2 ;; esac
TOPO_FILE=$HERE/topologies/$TOPOLOGY.sh
[ -f "$TOPO_FILE" ] || die "unknown topology '$TOPOLOGY' (see $HERE/topologies)" 2

# ---------------------------------------------------------------- kernel
command -v "$QEMU" >/dev/null || die "$QEMU not found (scripts/install-deps.sh --vm)"
case "$KNAME" in current | backports) ;; *) die "--kernel must be current or backports" 2 ;; esac
KTREE=$(readlink -f "$CACHE/$KNAME" 2>/dev/null || true)
[ -n "$KTREE" ] && [ -d "$KTREE/lib/modules" ] ||
	die "no guest kernel '$KNAME' in $CACHE (run scripts/install-deps.sh --vm)"
KREL=$(cat "$CACHE/$KNAME.release" 2>/dev/null || ls "$KTREE/lib/modules" | head -n1)
VMLINUZ=$KTREE/boot/vmlinuz-$KREL
[ -r "$VMLINUZ" ] || die "$VMLINUZ not readable"
MODDIR=$KTREE/lib/modules/$KREL

# initramfs cache: next to the kernel if writable, else per user
ICACHE=$CACHE/initramfs
if ! { mkdir -p "$ICACHE" && [ -w "$ICACHE" ]; } 2>/dev/null; then
	ICACHE=${XDG_CACHE_HOME:-$HOME/.cache}/vfioctl-vm
fi
# virtio-iommu: its driver must be in before any endpoint it translates probes
EXTRA_MODULES=""
[ "$IOMMU" = 1 ] && [ "$IOMMU_KIND" = virtio ] && EXTRA_MODULES=virtio_iommu
if [ -n "$ITINITRD" ]; then
	[ -s "$ITINITRD" ] || die "--initrd $ITINITRD: no such image (built by the early-build boot?)"
	INITRD=$ITINITRD
else
	INITRD=$(VFIOCTL_VM_EXTRA_MODULES=$EXTRA_MODULES "$HERE/mkinitramfs.sh" "$KTREE" "$KREL" "$ICACHE") ||
		die "initramfs build failed"
fi

# Boot the uncompressed vmlinux through its PVH entry point when possible:
# saves the real-mode setup + xz decompression (~3 s under TCG).
extract_vmlinux() { # bzImage out
	local magic dec off
	for magic in xz:$'\xfd7zXZ\x00' zstd:$'\x28\xb5\x2f\xfd' gzip:$'\x1f\x8b\x08'; do
		dec=${magic%%:*} magic=${magic#*:}
		for off in $(LC_ALL=C grep -abo "$magic" "$1" 2>/dev/null | cut -d: -f1); do
			# trailing data after the stream makes the decompressor fail:
			# judge by the result, not the exit status
			tail -c "+$((off + 1))" "$1" | "$dec" -dc >"$2.$$.tmp" 2>/dev/null
			if readelf -n "$2.$$.tmp" 2>/dev/null | grep -q 'Xen.*0x00000012'; then
				mv "$2.$$.tmp" "$2"
				return 0
			fi
		done
	done
	rm -f "$2.$$.tmp"
	return 1
}
KERNEL=$VMLINUZ
if [ "${VFIOCTL_VM_PVH:-1}" = 1 ]; then
	VMLINUX=$ICACHE/vmlinux-$KREL-$(stat -c %s-%Y "$VMLINUZ")
	if [ -s "$VMLINUX" ] || extract_vmlinux "$VMLINUZ" "$VMLINUX"; then
		KERNEL=$VMLINUX
	fi
fi

# ---------------------------------------------------------------- shares
CTL=$(mktemp -d "${TMPDIR:-/tmp}/vfioctl-vm-ctl.XXXXXX")
OUT_IS_TEMP=0
if [ -z "$OUT" ]; then
	OUT=$(mktemp -d "${TMPDIR:-/tmp}/vfioctl-vm-out.XXXXXX")
	OUT_IS_TEMP=1
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# shellcheck disable=SC2317
cleanup() {
	rm -rf "$CTL"
	if [ "$OUT_IS_TEMP" = 1 ]; then rmdir "$OUT" 2>/dev/null ||
		echo "vm: guest output kept in $OUT" >&2; fi
}
trap cleanup EXIT

q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
	echo "VM_REPO=$(q "$REPO")"
	echo "VM_CWD=$(q "$PWD")"
	echo "VM_STAGE2=$(q "$HERE/guest-stage2.sh")"
	echo "VM_MODDIR=$(q "$MODDIR")"
	echo "VM_TOPOLOGY=$(q "$TOPOLOGY")"
	echo "VM_SYSTEMD=$SYSTEMD"
	[ "$VERBOSE" = 1 ] && echo "VM_VERBOSE=1" || echo "VM_VERBOSE="
} >"$CTL/env"
{
	echo "# generated by tests/vm/run.sh"
	echo "export VFIOCTL_VM=1 VFIOCTL_VM_TOPOLOGY=$(q "$TOPOLOGY") VFIOCTL_VM_OUT=/mnt/out"
	echo "export VFIOCTL_VM_IOMMU=$IOMMU"
	for e in "${ENVS[@]+"${ENVS[@]}"}"; do
		case "$e" in
		[A-Za-z_]*=*) echo "export ${e%%=*}=$(q "${e#*=}")" ;;
		*) die "--env expects NAME=VALUE" 2 ;;
		esac
	done
	printf 'exec'
	printf ' %q' "$@"
	echo
} >"$CTL/cmd"
if [ -n "$SETUP" ]; then
	{
		echo "# generated by tests/vm/run.sh (--setup)"
		echo "set -e"
		sed -n '/^export /p' "$CTL/cmd"
		printf '%s\n' "$SETUP"
	} >"$CTL/setup"
fi

# ---------------------------------------------------------------- qemu
# ttyS0 (kernel console, guest diagnostics, command stderr) -> our stderr;
# ttyS1 (command stdin/stdout) <-> our stdin/stdout.  QEMU opens $CONSOLE
# itself; /dev/stderr cannot be opened if it is a socket, so fall back to a
# log file that is copied to stderr afterwards.
CONSOLE=/dev/stderr CONSOLE_LOG=""
if [ -S /dev/stderr ] || ! [ -w /dev/stderr ]; then
	CONSOLE_LOG=$CTL/console.log CONSOLE=$CONSOLE_LOG
fi
VM_TTY=0
if [ -n "$STDIN" ]; then
	cat -- "$STDIN" >"$CTL/stdin" || die "cannot read --stdin $STDIN" 2
elif [ -t 0 ] && [ -t 1 ]; then
	VM_TTY=1
	read -r ROWS COLS < <(stty size 2>/dev/null || echo 24 80)
	printf 'VM_TTY=1\nVM_ROWS=%s\nVM_COLS=%s\n' "$ROWS" "$COLS" >>"$CTL/env"
fi
mapfile -t TOPO_ARGS < <(sh "$TOPO_FILE" | sed '/^[[:space:]]*#/d; /^[[:space:]]*$/d')

KAPPEND="console=ttyS0,115200 panic=-1 rdinit=/init 8250.nr_uarts=2"
KAPPEND+=" tsc=unstable random.trust_cpu=on"
# TCG on a busy host can miss the IO-APIC timer check, and with interrupt
# remapping the kernel then panics ("timer doesn't work through
# Interrupt-remapped IO-APIC") before anything runs.
KAPPEND+=" no_timer_check"
if [ "$VERBOSE" = 1 ]; then KAPPEND+=" loglevel=7"; else KAPPEND+=" loglevel=4"; fi
# AMD-Vi is on whenever the firmware has an IVRS table; VT-d needs asking
[ "$IOMMU" = 1 ] && [ "$IOMMU_KIND" = intel ] && KAPPEND+=" intel_iommu=on"
# amd-iommu (QEMU 10.0, TCG): once AMD-Vi is on, no IO-APIC interrupt reaches
# a CPU (intremap on or off; MSI-X do): the serial ports' TX never completes
# and the command's output never arrives. noapic routes the ISA IRQs through
# the 8259 instead, which also keeps the kernel from enabling interrupt
# remapping ("Not enabling interrupt remapping due to skipped IO-APIC setup").
[ "$IOMMU" = 1 ] && [ "$IOMMU_KIND" = amd ] && KAPPEND+=" noapic"
[ "$SYSTEMD" = 1 ] && KAPPEND+=" systemd.unit=vfioctl-vm.target systemd.show_status=0"
# initramfs-tools' /init: our root script, then stage 2 as the real root's init
if [ -n "$ITINITRD" ]; then
	KAPPEND+=" boot=vmroot init=$HERE/guest-stage2.sh"
	[ "$VERBOSE" = 1 ] || KAPPEND+=" quiet"
fi
KAPPEND+="$APPEND"

# shellcheck disable=SC2054
ARGS=(-accel tcg -M q35,kernel-irqchip=split -cpu max -smp "$SMP" -m "$MEM"
	-nodefaults -no-user-config -display none -no-reboot
	-chardev "file,id=console,path=$CONSOLE,append=on" -serial chardev:console
	-chardev stdio,id=cmdio,signal=on -serial chardev:cmdio
	-kernel "$KERNEL" -initrd "$INITRD" -append "$KAPPEND")
if [ "$IOMMU" = 1 ] && [ "$IOMMU_KIND" = intel ]; then
	ARGS+=(-device "intel-iommu,intremap=$INTREMAP,caching-mode=on")
elif [ "$IOMMU" = 1 ] && [ "$IOMMU_KIND" = virtio ]; then
	# no interrupt remapping; QEMU builds the ACPI VIOT table for it
	ARGS+=(-device virtio-iommu-pci)
elif [ "$IOMMU" = 1 ]; then
	# pt=off: with QEMU's default pt=on the AHCI controller's DMA fails
	# ("AHCI: Failed to start DMA engine: bad command list buffer address")
	ARGS+=(-device "amd-iommu,intremap=$INTREMAP,pt=off")
fi
# the harness' own devices: virtio-9p at 00:10.0, 00:11.0, 00:12.0
ARGS+=(-fsdev "local,id=fs_hostroot,path=/,security_model=none,readonly=on,multidevs=remap"
	-device "virtio-9p-pci,fsdev=fs_hostroot,mount_tag=hostroot,addr=10.0,disable-legacy=on"
	-fsdev "local,id=fs_vmctl,path=$CTL,security_model=none"
	-device "virtio-9p-pci,fsdev=fs_vmctl,mount_tag=vmctl,addr=11.0,disable-legacy=on"
	-fsdev "local,id=fs_out,path=$OUT,security_model=none"
	-device "virtio-9p-pci,fsdev=fs_out,mount_tag=out,addr=12.0,disable-legacy=on")
ARGS+=("${TOPO_ARGS[@]+"${TOPO_ARGS[@]}"}" "${QARGS[@]+"${QARGS[@]}"}")

[ "$VERBOSE" = 1 ] && echo "vm: $QEMU ${ARGS[*]}" >&2
T0=$(date +%s.%N)
set +e
if [ "$VM_TTY" = 1 ]; then
	timeout --foreground -k 10 "$TIMEOUT" "$QEMU" "${ARGS[@]}"
else
	# the serial line has no EOF: never let the guest see our stdin
	timeout --foreground -k 10 "$TIMEOUT" "$QEMU" "${ARGS[@]}" </dev/null &
	QPID=$!
	# A guest that hangs in early boot (an RCU stall 3 s in, seen once under
	# load) would otherwise hold the whole --timeout: give up on it once it
	# has not reached the command after BOOT_TIMEOUT seconds.
	(
		for _ in $(seq "$BOOT_TIMEOUT"); do
			[ -e "$CTL/t-start" ] && exit 0
			kill -0 "$QPID" 2>/dev/null || exit 0
			sleep 1
		done
		[ -e "$CTL/t-start" ] || { : >"$CTL/boot-hung"; kill "$QPID" 2>/dev/null; }
	) &
	WATCHDOG=$!
	wait "$QPID"
fi
QRC=$?
[ -z "${WATCHDOG:-}" ] || { kill "$WATCHDOG" 2>/dev/null; wait "$WATCHDOG" 2>/dev/null; } || true
set -e
T1=$(date +%s.%N)
[ -z "$CONSOLE_LOG" ] || cat "$CONSOLE_LOG" >&2

if [ -s "$CTL/status" ]; then
	RC=$(cat "$CTL/status")
	if [ "$VERBOSE" = 1 ]; then
		awk -v t0="$T0" -v t1="$T1" -v s="$(cat "$CTL/t-start" 2>/dev/null)" \
			-v e="$(cat "$CTL/t-end" 2>/dev/null)" 'BEGIN {
			printf "vm: wall %.1fs; guest uptime at command start %.1fs, command %.1fs\n",
				t1 - t0, s, e - s }' >&2
	fi
	exit "$RC"
fi
if [ -e "$CTL/setup-failed" ]; then
	echo "vm: error: --setup command failed in the guest" >&2
	exit 125
fi
if [ -e "$CTL/boot-hung" ]; then
	echo "vm: error: infrastructure failure: guest did not reach the command within ${BOOT_TIMEOUT}s (topology $TOPOLOGY)" >&2
	exit 126
fi
if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
	echo "vm: error: timeout after ${TIMEOUT}s (topology $TOPOLOGY)" >&2
	exit 124
fi
# QEMU itself aborting (TCG + intel-iommu: iotlb_to_section assertion, seen
# about once in 20 boots under load), or a guest that never reached the
# command, is the harness failing, not the code under test: exit 126 so a
# caller may retry the boot.
if [ "$QRC" -ge 128 ] || [ ! -e "$CTL/t-start" ]; then
	echo "vm: error: infrastructure failure: qemu exit $QRC$([ -e "$CTL/t-start" ] || echo ', guest never reached the command')" >&2
	exit 126
fi
echo "vm: error: guest did not report an exit status (qemu exit $QRC; kernel panic or boot failure? try -v)" >&2
exit 125
