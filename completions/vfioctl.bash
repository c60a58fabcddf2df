# bash completion for vfioctl(8)                          -*- shell-script -*-
# Installed as $datadir/bash-completion/completions/vfioctl. Works with the
# bash-completion package (preferred) and without it (plain `complete -F`).

_vfioctl_commands="list show groups check bind unbind restore sriov doctor apply status snapshot help"
_vfioctl_global_opts="--json --sysroot --verbose --help --version"
_vfioctl_class_keywords="other storage net display multimedia memory bridge comm
system input docking processor serial usb wireless intelligent satellite crypto
signal accel instrumentation"
_vfioctl_acs_modes="downstream multifunction"

# Options of each command (after its name).
_vfioctl_cmd_opts()
{
	case $1 in
	list) echo "--class --driver --json --help" ;;
	show) echo "--json --help" ;;
	groups) echo "--explain --predict --acs-override= --from-lspci --json --help" ;;
	check) echo "--group --json --help" ;;
	bind) echo "--driver --only --dry-run --force --persist --no-udev-wait --json --help" ;;
	unbind | restore) echo "--only --dry-run --force --json --help" ;;
	sriov) echo "--json --help" ;;
	sriov-show) echo "--json --help" ;;
	sriov-set) echo "--vfs --bind --autoprobe --timeout --dry-run --force --persist --json --help" ;;
	sriov-vf) echo "--mac --vlan --qos --trust --spoofchk --state --dry-run --persist --json --help" ;;
	doctor) echo "--json --help" ;;
	apply) echo "--config --dry-run --force --early --json --help" ;;
	status) echo "--config --json --help" ;;
	snapshot) echo "--output --json --help" ;;
	esac
}

# PCI addresses and (PCI-backed) network interface names under sysroot $1.
_vfioctl_devices()
{
	local p
	for p in "$1"/sys/bus/pci/devices/*; do
		[[ -e $p || -L $p ]] && printf '%s\n' "${p##*/}"
	done
	for p in "$1"/sys/class/net/*; do
		[[ -e $p/device || -L $p/device ]] && printf '%s\n' "${p##*/}"
	done
}

# SR-IOV PFs (address and interfaces) under sysroot $1.
_vfioctl_sriov_pfs()
{
	local p n
	for p in "$1"/sys/bus/pci/devices/*; do
		[[ -e $p/sriov_totalvfs ]] || continue
		printf '%s\n' "${p##*/}"
		for n in "$p"/net/*; do
			[[ -e $n ]] && printf '%s\n' "${n##*/}"
		done
	done
}

# VF numbers of PF $2 (address or interface) under sysroot $1.
_vfioctl_sriov_vfs()
{
	local d=$1/sys/bus/pci/devices/$2 l
	[[ -d $d ]] || d=$1/sys/class/net/$2/device
	for l in "$d"/virtfn*; do
		[[ -e $l || -L $l ]] && printf '%s\n' "${l##*virtfn}"
	done
}

_vfioctl_groups()
{
	local p
	for p in "$1"/sys/kernel/iommu_groups/*; do
		[[ -d $p ]] && printf '%s\n' "${p##*/}"
	done
}

# "id:VVVV:DDDD" of the devices present, for --acs-override.
_vfioctl_ids()
{
	local p v d
	for p in "$1"/sys/bus/pci/devices/*; do
		[[ -r $p/vendor && -r $p/device ]] || continue
		read -r v <"$p/vendor" && read -r d <"$p/device" && echo "id:${v#0x}:${d#0x}"
	done | sort -u
}

_vfioctl_drivers()
{
	local p
	echo none
	for p in "$1"/sys/bus/pci/drivers/*; do
		[[ -d $p ]] && printf '%s\n' "${p##*/}"
	done
}

# COMPREPLY = words of the list $2 that start with $1.
_vfioctl_add()
{
	COMPREPLY+=($(compgen -W "$2" -- "$1"))
}

# Complete the last item of a comma-separated list: $1 = word, $2 = choices.
_vfioctl_add_list()
{
	local head= last=$1 w
	if [[ $1 == *,* ]]; then
		head=${1%,*},
		last=${1##*,}
	fi
	for w in $2; do
		[[ $w == "$last"* && ,$head != *,$w,* ]] && COMPREPLY+=("$head$w")
	done
}

_vfioctl_files()
{
	# $1 = word, $2 = -d for directories only
	_vfioctl_filenames=1
	if declare -F _filedir >/dev/null; then
		local cur=$1
		if [[ $2 == -d ]]; then _filedir -d; else _filedir; fi
		return
	fi
	local IFS=$'\n'
	compopt -o filenames 2>/dev/null
	if [[ $2 == -d ]]; then
		COMPREPLY+=($(compgen -d -- "$1"))
	else
		COMPREPLY+=($(compgen -f -- "$1"))
	fi
}

# Complete the value $2 of option $1 of command $4 (sysroot $3).
# Return 1 if the option takes no value.
_vfioctl_optarg()
{
	local opt=$1 val=$2 root=$3 cmd=$4
	case $cmd:$opt in
	:-s | :--sysroot) _vfioctl_files "$val" -d ;;
	snapshot:-o | snapshot:--output) _vfioctl_files "$val" ;;
	apply:-c | apply:--config | status:-c | status:--config) _vfioctl_files "$val" ;;
	groups:-l | groups:--from-lspci) _vfioctl_files "$val" ;;
	list:-c | list:--class) _vfioctl_add_list "$val" "$_vfioctl_class_keywords" ;;
	list:-d | list:--driver) _vfioctl_add "$val" "$(_vfioctl_drivers "$root")" ;;
	bind:-d | bind:--driver) _vfioctl_add "$val" "vfio-pci $(_vfioctl_drivers "$root" | grep -vx none)" ;;
	sriov-set:-b | sriov-set:--bind) _vfioctl_add "$val" "vfio-pci $(_vfioctl_drivers "$root" | grep -vx none)" ;;
	sriov-set:-a | sriov-set:--autoprobe) _vfioctl_add "$val" "yes no" ;;
	sriov-set:-N | sriov-set:--vfs | sriov-set:-t | sriov-set:--timeout) ;;
	sriov-vf:-m | sriov-vf:--mac | sriov-vf:-V | sriov-vf:--vlan | sriov-vf:-q | sriov-vf:--qos) ;;
	sriov-vf:-T | sriov-vf:--trust | sriov-vf:-s | sriov-vf:--spoofchk) _vfioctl_add "$val" "on off" ;;
	sriov-vf:-S | sriov-vf:--state) _vfioctl_add "$val" "auto enable disable" ;;
	check:-g | check:--group) _vfioctl_add "$val" "$(_vfioctl_groups "$root")" ;;
	groups:-o | groups:--acs-override)
		_vfioctl_add_list "$val" "$_vfioctl_acs_modes id: $(_vfioctl_ids "$root")"
		# "id:" alone: let the vendor:device follow
		[[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *id: ]] && compopt -o nospace 2>/dev/null
		;;
	*) return 1 ;;
	esac
	return 0
}

_vfioctl()
{
	local cur words cword
	COMPREPLY=()
	if declare -F _init_completion >/dev/null; then
		# bash-completion: keep "0000:01:00.0" and "--opt=value" in one word
		_init_completion -n =: || return
	else
		read -ra words <<<"${COMP_LINE:0:COMP_POINT}"
		cword=${#words[@]}
		[[ ${COMP_LINE:COMP_POINT-1:1} == [[:space:]] || $cword == 0 ]] && words+=("")
		cword=$((${#words[@]} - 1))
		cur=${words[cword]}
	fi

	# Global options, then the command; note --sysroot for device lists.
	local i w cmd= cmdi=0 root=${VFIOCTL_SYSROOT-}
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		case $w in
		-s | --sysroot)
			((i++))
			((i < cword)) && root=${words[i]}
			;;
		--sysroot=*) root=${w#*=} ;;
		-s?*) root=${w#-s} ;;
		-*) ;;
		*)
			cmd=$w
			cmdi=$i
			break
			;;
		esac
	done
	# sriov SUBCOMMAND: what follows is the subcommand's ("sriov-set", ...)
	if [[ $cmd == sriov ]]; then
		for ((i = cmdi + 1; i < cword; i++)); do
			[[ ${words[i]} == -* ]] && continue
			cmd=sriov-${words[i]}
			cmdi=$i
			break
		done
	fi
	[[ $root == "~/"* ]] && root=$HOME/${root#"~/"}
	[[ $root == / ]] && root=

	local prev=${words[cword - 1]} tcur=$cur _vfioctl_filenames=0
	if [[ $cur == --*=* ]]; then
		# "--opt=value": complete the value
		local opt=${cur%%=*}
		tcur=${cur#*=}
		if _vfioctl_optarg "$opt" "$tcur" "$root" "$cmd" && [[ $COMP_WORDBREAKS != *=* ]]; then
			COMPREPLY=("${COMPREPLY[@]/#/$opt=}")
			tcur=$cur
		fi
	elif ((cword > 1)) && [[ $prev == -* ]] && _vfioctl_optarg "$prev" "$cur" "$root" "$cmd"; then
		:
	elif [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			_vfioctl_add "$cur" "$_vfioctl_global_opts"
		else
			_vfioctl_add "$cur" "$_vfioctl_commands"
		fi
	elif [[ $cur == -* ]]; then
		_vfioctl_add "$cur" "$(_vfioctl_cmd_opts "$cmd")"
	else
		# Count the operands already given (words not options/option values).
		local n=0 predict= # groups --predict/-o, or check --group
		for ((i = cmdi + 1; i < cword; i++)); do
			case ${words[i]} in
			-o | --output | -c | --class | -d | --driver | -g | --group | --acs-override)
				# groups -o: a prediction; check -g: a group, not devices
				[[ $cmd == groups || $cmd == check ]] && predict=1
				((i++))
				;;
			-p | --predict | --acs-override=* | -o?* | --group=* | -g?*) predict=1 ;;
			-l | --from-lspci) [[ $cmd == groups ]] && ((i++)) ;;
			-N | --vfs | -b | --bind | -a | --autoprobe | -t | --timeout | -m | --mac | -V | \
				--vlan | -q | --qos | -T | --trust | -s | --spoofchk | -S | --state)
				[[ $cmd == sriov-* ]] && ((i++))
				;;
			-*) ;;
			*) ((n++)) ;;
			esac
		done
		case $cmd in
		list | bind | unbind | restore) _vfioctl_add "$cur" "$(_vfioctl_devices "$root")" ;;
		check) [[ -z $predict ]] && _vfioctl_add "$cur" "$(_vfioctl_devices "$root")" ;;
		show) ((n == 0)) && _vfioctl_add "$cur" "$(_vfioctl_devices "$root")" ;;
		sriov) _vfioctl_add "$cur" "show set vf" ;;
		sriov-show | sriov-set) ((n == 0)) && _vfioctl_add "$cur" "$(_vfioctl_sriov_pfs "$root")" ;;
		sriov-vf)
			if ((n == 0)); then
				_vfioctl_add "$cur" "$(_vfioctl_sriov_pfs "$root")"
			elif ((n == 1)); then
				# the PF is the first operand after "vf"
				for ((i = cmdi + 1; i < cword; i++)); do
					[[ ${words[i]} == -* ]] && continue
					_vfioctl_add "$cur" "$(_vfioctl_sriov_vfs "$root" "${words[i]}")"
					break
				done
			fi
			;;
		groups)
			# group numbers name the kernel's groups: not with --predict
			[[ -z $predict ]] && _vfioctl_add "$cur" "$(_vfioctl_groups "$root")"
			_vfioctl_add "$cur" "$(_vfioctl_devices "$root")"
			;;
		esac
	fi

	# No space after "--opt=" so that the value can follow.
	if [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *= ]]; then
		compopt -o nospace 2>/dev/null
	fi
	# Readline replaces only the text after the last word-break character
	# (":" and "=" by default): drop what comes before it from the replies.
	local k=-1 c
	for ((i = 0; i < ${#tcur}; i++)); do
		c=${tcur:i:1}
		[[ $c != [[:space:]] && $COMP_WORDBREAKS == *"$c"* ]] && k=$i
	done
	if ((k >= 0 && _vfioctl_filenames == 0)); then
		local pre=${tcur:0:k+1}
		COMPREPLY=("${COMPREPLY[@]#"$pre"}")
	fi
	return 0
}
complete -F _vfioctl vfioctl
