#!/bin/sh
# vfioctl VM harness: stage 2 (see tests/vm/README.md).
#
# Invoked by the initramfs as PID 1 right after switch_root.  The root
# filesystem is an overlay: host "/" over read-only 9p + tmpfs upper layer,
# so anything written here stays in guest RAM.
#   /mnt/vmctl (9p, rw): env (sourced), cmd (bash script), setup (optional
#                        bash script), stdin (optional); receives status,
#                        t-start, t-end
#   /mnt/out   (9p, rw): the --out directory
#
# Modes:
#   guest-stage2.sh           PID 1: mount API filesystems, run setup, then
#                             either start udevd and run the command, or
#                             (--systemd) exec systemd
#   guest-stage2.sh run       run the command (used by vfioctl-vm.service)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# LANG=C: every process that calls setlocale (bash, jq, ...) then loads no
# locale files, ~18 ms per process under TCG; the suites print only ASCII.
export HOME=/root LANG=C
umask 022

CTL=/mnt/vmctl
# shellcheck source=/dev/null
. "$CTL/env"
CMDTTY=/dev/ttyS1

say() { [ -z "$VM_VERBOSE" ] || echo "vm-stage2: $*" >&2; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

poweroff_now() {
	sync
	# wait until the serial ports have sent everything (tcsetattr with
	# TCSADRAIN): poweroff -f would cut off pending output
	for t in /dev/console $CMDTTY; do
		stty -F "$t" "$(stty -F "$t" -g 2>/dev/null)" 2>/dev/null
	done
	# silence "reboot: Power down" (KERN_EMERG) unless verbose
	[ -n "$VM_VERBOSE" ] || echo 0 >/proc/sys/kernel/printk
	busybox poweroff -f 2>/dev/null
	echo o >/proc/sysrq-trigger
	sleep 60
}

setup_ttys() {
	# ttyS0 = kernel console -> host stderr (diagnostics, command's stderr)
	# ttyS1 = command's stdin/stdout <-> host stdin/stdout
	# no "\n" -> "\r\n" translation: output reaches the host verbatim
	stty -F /dev/console -onlcr 2>/dev/null
	if [ "${VM_TTY:-0}" = 1 ]; then
		# interactive (QEMU puts the host terminal in raw mode but keeps
		# its output processing, which adds the "\r"): cooked guest tty
		# with echo, like a serial login
		stty -F $CMDTTY sane -onlcr 2>/dev/null
	else
		stty -F $CMDTTY raw -echo 2>/dev/null
	fi
}

run_command() {
	udevadm settle --timeout=120 || echo "vm-stage2: warning: udevadm settle failed" >&2
	cd "$VM_CWD" 2>/dev/null || cd "$VM_REPO" || cd /
	say "running command (uptime $(uptime_s)s)"
	uptime_s >"$CTL/t-start"
	if [ "${VM_TTY:-0}" = 1 ]; then
		# stderr on the same tty (bash needs it for job control); the
		# window size lives only while the tty is open: set it here
		# shellcheck disable=SC2016,SC2094
		setsid -c -w sh -c 'stty rows "$1" cols "$2" 2>/dev/null; exec bash "$3"' \
			sh "${VM_ROWS:-24}" "${VM_COLS:-80}" "$CTL/cmd" <$CMDTTY >$CMDTTY 2>&1
	elif [ -e "$CTL/stdin" ]; then
		setsid -w bash "$CTL/cmd" <"$CTL/stdin" >$CMDTTY 2>/dev/console
	else
		setsid -w bash "$CTL/cmd" </dev/null >$CMDTTY 2>/dev/console
	fi
	rc=$?
	uptime_s >"$CTL/t-end"
	echo "$rc" >"$CTL/status"
	sync
	poweroff_now
}

if [ "${1:-}" = run ]; then
	# from vfioctl-vm.service (--systemd)
	exec </dev/null >/dev/console 2>&1
	setup_ttys
	run_command
fi

# what we mount ourselves (an initramfs-tools image hands over /run, /dev, ...)
MOUNTED=""
mnt() { # fstype source target options
	mountpoint -q "$3" 2>/dev/null && return 0
	mkdir -p "$3"
	mount -t "$1" -o "$4" "$2" "$3" && MOUNTED="$MOUNTED $3"
}
mnt proc proc /proc nosuid,nodev,noexec
mnt sysfs sysfs /sys nosuid,nodev,noexec
mnt devtmpfs devtmpfs /dev mode=755,nosuid
mnt devpts devpts /dev/pts gid=5,mode=620,ptmxmode=666,nosuid,noexec
mnt tmpfs tmpfs /dev/shm nosuid,nodev
mnt tmpfs tmpfs /run mode=755,nosuid,nodev
mnt securityfs securityfs /sys/kernel/security nosuid,nodev,noexec 2>/dev/null
mnt debugfs debugfs /sys/kernel/debug nosuid,nodev,noexec 2>/dev/null
mnt cgroup2 cgroup2 /sys/fs/cgroup nosuid,nodev,noexec 2>/dev/null
# NB: no tmpfs on /tmp: the checkout may live under the host's /tmp, and the
# overlay already makes /tmp writable.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd

exec </dev/null >/dev/console 2>&1
setup_ttys

hostname vfioctl-vm 2>/dev/null
# the host may be a container; the guest is not (systemd would otherwise
# detect "docker" and ignore the kernel command line)
rm -f /.dockerenv /.containerenv 2>/dev/null
echo vfioctl-vm >/etc/hostname
mkdir -p /etc/modprobe.d
cp "$VM_REPO/tests/vm/guest-modprobe.conf" /etc/modprobe.d/vfioctl-vm.conf

if [ -s "$CTL/setup" ]; then
	say "running setup"
	(cd "$VM_CWD" 2>/dev/null || cd "$VM_REPO"; bash "$CTL/setup") || {
		echo "vm-stage2: setup failed (status $?)" >&2
		echo 125 >"$CTL/setup-failed"
		poweroff_now
	}
fi

if [ "${VM_SYSTEMD:-0}" = 1 ]; then
	# --systemd: hand over to systemd.  vfioctl-vm.target (booted via
	# systemd.unit=) pulls in basic.target and vfioctl-vm.service, which
	# runs "guest-stage2.sh run".
	U=/etc/systemd/system
	mkdir -p $U/vfioctl-vm.target.wants $U/multi-user.target.wants
	for f in "$VM_REPO"/tests/vm/systemd/*; do
		sed "s|@STAGE2@|$VM_STAGE2|g" "$f" >"$U/$(basename "$f")"
	done
	ln -sf ../vfioctl-vm.service $U/vfioctl-vm.target.wants/
	ln -sf ../vfioctl-vm.service $U/multi-user.target.wants/
	# host mounts/units must not leak into the guest boot
	: >/etc/fstab
	ln -sf /dev/null "$U/tmp.mount"
	# Debian's tmpfiles.d/tmp.conf ("D /tmp") would empty /tmp at boot:
	# slow over 9p and it would hide a checkout living under the host's /tmp
	mkdir -p /etc/tmpfiles.d
	ln -sf /dev/null /etc/tmpfiles.d/tmp.conf
	say "exec systemd (uptime $(uptime_s)s)"
	# systemd mounts these itself; /run from an initramfs stays (vfioctl's
	# /run/vfioctl/early.json is in it)
	for m in /dev/shm /dev/pts /run /sys/fs/cgroup /sys/kernel/debug /sys/kernel/security; do
		case " $MOUNTED " in *" $m "*) umount "$m" 2>/dev/null ;; esac
	done
	exec /lib/systemd/systemd
fi

say "starting udevd"
if [ -n "$VM_VERBOSE" ]; then
	/lib/systemd/systemd-udevd --daemon
else
	SYSTEMD_LOG_LEVEL=warning /lib/systemd/systemd-udevd --daemon
fi
udevadm trigger --type=subsystems --action=add
udevadm trigger --type=devices --action=add
run_command
