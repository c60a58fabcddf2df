#!/bin/bash
# Check that the man page and the bash, zsh and fish completions cover what the
# binary offers: every command of `vfioctl --help`, every long option of
# `vfioctl --help` and `vfioctl COMMAND --help`, and every JSON key the
# commands print (run over the snapshots in tests/fixtures/).
#
# Usage: tests/check-docs.sh     (from `make check-docs`; needs ./vfioctl)
# Environment: VFIOCTL  the binary (default ./vfioctl of the repository)
#
# Read-only, no root needed. bash completions are exercised for real (with and
# without the bash-completion package); fish's too when fish is installed;
# zsh's file is checked statically (and parsed by zsh when installed).
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 2
VFIOCTL=${VFIOCTL:-$REPO/vfioctl}
MAN=man/vfioctl.8.scd
BASHC=completions/vfioctl.bash
ZSHC=completions/_vfioctl
FISHC=completions/vfioctl.fish

errors=0
nopts=0
err() {
	echo "check-docs: $*" >&2
	errors=$((errors + 1))
}
note() { echo "check-docs: note: $*" >&2; }

[ -x "$VFIOCTL" ] || {
	echo "check-docs: $VFIOCTL not built (make vfioctl)" >&2
	exit 2
}
for f in "$MAN" "$BASHC" "$ZSHC" "$FISHC"; do
	[ -f "$f" ] || err "$f is missing"
done
[ "$errors" = 0 ] || exit 1

# Fixtures are extracted here: tmpfs is much faster than a disk for that.
tmpbase=${TMPDIR:-/tmp}
[ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && tmpbase=/dev/shm
TMP=$(mktemp -d "$tmpbase/check-docs.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT

# --- What the binary offers ---------------------------------------------------

"$VFIOCTL" --help >"$TMP/help" 2>&1 || err "vfioctl --help failed"
# "Commands:" section: "  NAME  description"
mapfile -t COMMANDS < <(sed -n '/^Commands:/,/^$/{s/^  \([a-z][a-z0-9-]*\) .*/\1/p}' "$TMP/help")
[ "${#COMMANDS[@]}" -gt 0 ] || err "no commands found in 'vfioctl --help'"

# Long options of a help text: those of the usage line and of the option lines
# ("  -x, --name ..." / "      --name ..."), not ones mentioned in prose.
long_opts() {
	grep -E '^(Usage:|[[:space:]]+-)' "$1" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}
mapfile -t GLOBAL_OPTS < <(long_opts "$TMP/help")
declare -A CMD_OPTS
for c in "${COMMANDS[@]}"; do
	"$VFIOCTL" "$c" --help >"$TMP/help-$c" 2>"$TMP/help-$c.err"
	rc=$?
	if [ "$rc" != 0 ]; then
		# a silent exit 3 (ENOSYS) is a stub of a command being written
		if [ "$rc" = 3 ] && [ ! -s "$TMP/help-$c" ] && [ ! -s "$TMP/help-$c.err" ]; then
			note "'vfioctl $c --help' is a stub (exit 3, no output): options not checked"
		else
			err "'vfioctl $c --help' exited $rc: $(head -2 "$TMP/help-$c.err")"
		fi
		CMD_OPTS[$c]=""
		continue
	fi
	# `help --help` is the global help: no options of its own
	if cmp -s "$TMP/help-$c" "$TMP/help"; then
		CMD_OPTS[$c]=""
		continue
	fi
	CMD_OPTS[$c]=$(long_opts "$TMP/help-$c" | tr '\n' ' ')
done

# Subcommands: a "Subcommands:" section in `vfioctl COMMAND --help` (e.g.
# sriov); `vfioctl COMMAND SUB --help` lists the subcommand's own options.
declare -A SUB_OPTS
SUBS=() # "COMMAND SUB"
for c in "${COMMANDS[@]}"; do
	for s in $(sed -n '/^Subcommands:/,/^$/{s/^  \([a-z][a-z0-9-]*\) .*/\1/p}' "$TMP/help-$c"); do
		SUBS+=("$c $s")
		if ! "$VFIOCTL" "$c" "$s" --help >"$TMP/help-$c-$s" 2>"$TMP/help-$c-$s.err"; then
			err "'vfioctl $c $s --help' failed: $(head -2 "$TMP/help-$c-$s.err")"
			SUB_OPTS[$c $s]=""
			continue
		fi
		SUB_OPTS[$c $s]=$(long_opts "$TMP/help-$c-$s" | tr '\n' ' ')
	done
done

# --- Man page ----------------------------------------------------------------

if command -v scdoc >/dev/null; then
	scdoc <"$MAN" >"$TMP/vfioctl.8" 2>"$TMP/scdoc.err" ||
		err "scdoc fails on $MAN: $(cat "$TMP/scdoc.err")"
else
	err "scdoc missing: run scripts/install-deps.sh"
fi

# Text of "# SECTION" (level 1) or of "## sub" inside "# SECTION"; "\_" -> "_".
man_section() {
	awk -v sec="$1" -v sub_="${2-}" '
		/^[[:space:]]*```/ { fence = !fence }
		!fence && /^# / { in1 = ($0 == "# " sec); in2 = 0; next }
		!fence && /^## / { in2 = (sub_ != "" && in1 && $0 == "## " sub_); next }
		in1 && (sub_ == "" || in2) { print }
	' "$MAN" | sed 's/\\_/_/g'
}
has_opt() { grep -qE -- "$1([^a-z0-9-]|\$)"; }

man_section "GLOBAL OPTIONS" >"$TMP/man-global"
man_section "SYNOPSIS" >"$TMP/man-synopsis"
for o in "${GLOBAL_OPTS[@]}"; do
	has_opt "$o" <"$TMP/man-global" || err "$MAN: global option $o is not in GLOBAL OPTIONS"
done
for c in "${COMMANDS[@]}"; do
	man_section COMMANDS "$c" >"$TMP/man-$c"
	if ! grep -q "^## $c\$" "$MAN" || [ ! -s "$TMP/man-$c" ]; then
		err "$MAN: command '$c' has no '## $c' section under COMMANDS"
		continue
	fi
	grep -q "vfioctl $c\b" "$TMP/man-synopsis" || err "$MAN: command '$c' is not in SYNOPSIS"
	for o in ${CMD_OPTS[$c]}; do
		has_opt "$o" <"$TMP/man-$c" || err "$MAN: option $o of '$c' is not in its section"
	done
done

# The usage lines: main's command table (src/main.c, and the sriov one in
# src/cmd-sriov.c) prints them in --help; SYNOPSIS must say the same, word
# for word. One "vfioctl ..." entry per line, continuation lines joined.
usage_lines() {
	awk '/^Usage: / { u = 1; sub(/^Usage: +/, ""); printf "%s%s", (n++ ? "\n" : ""), $0; next }
		u && /^$/ { u = 0 }
		u && /^ +vfioctl / { sub(/^ +/, ""); printf "\n%s", $0; next }
		u { sub(/^ +/, " "); printf "%s", $0 }
		END { if (n) print "" }' "$@"
}
sed -e 's/\\_/_/g' -e 's/[*_]//g' -e 's/  */ /g' "$TMP/man-synopsis" | grep . | sort -u >"$TMP/synopsis"
{
	usage_lines "$TMP/help"
	for c in "${COMMANDS[@]}"; do usage_lines "$TMP/help-$c"; done
	for cs in "${SUBS[@]}"; do usage_lines "$TMP/help-${cs/ /-}"; done
} | sed 's/  */ /g' | sort -u >"$TMP/usage"
while IFS= read -r u; do
	grep -qxF -- "$u" "$TMP/synopsis" || err "$MAN: SYNOPSIS lacks '$u' (the usage of --help)"
done <"$TMP/usage"
# (`help --help` is the global help: "vfioctl help" has no usage line of its own)
while IFS= read -r u; do
	[ "$u" = "vfioctl help" ] && continue
	grep -qxF -- "$u" "$TMP/usage" || err "$MAN: SYNOPSIS line '$u' is no command's usage (--help)"
done <"$TMP/synopsis"

for cs in "${SUBS[@]}"; do
	c=${cs% *}
	grep -q "vfioctl $cs\b" "$TMP/man-synopsis" || err "$MAN: '$cs' is not in SYNOPSIS"
	for o in ${SUB_OPTS[$cs]}; do
		has_opt "$o" <"$TMP/man-$c" || err "$MAN: option $o of '$cs' is not in the '$c' section"
	done
done

# --- A sysroot for device completions -----------------------------------------

# Two devices, an interface and an IOMMU group, for device/group completion.
ROOT=$TMP/root
mkdir -p "$ROOT/sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/net/vdoc0" \
	"$ROOT/sys/bus/pci/devices" "$ROOT/sys/class/net" \
	"$ROOT/sys/kernel/iommu_groups/42/devices" "$ROOT/sys/bus/pci/drivers/vfio-pci"
ln -s ../../../devices/pci0000:00/0000:00:1c.0 "$ROOT/sys/bus/pci/devices/0000:00:1c.0"
ln -s ../../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0 "$ROOT/sys/bus/pci/devices/0000:01:00.0"
ln -s ../../devices/pci0000:00/0000:00:1c.0/0000:01:00.0/net/vdoc0 "$ROOT/sys/class/net/vdoc0"
ln -s ../../../0000:01:00.0 "$ROOT/sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/net/vdoc0/device"
mkdir -p "$ROOT/sys/class/net/vdoc-nodev" # virtual interface: not offered

# Expected words in completions: "LINE|word word ...".
CASES=()
CASES+=("vfioctl |${COMMANDS[*]}")
CASES+=("vfioctl --|${GLOBAL_OPTS[*]}")
for c in "${COMMANDS[@]}"; do
	[ -n "${CMD_OPTS[$c]}" ] && CASES+=("vfioctl $c --|${CMD_OPTS[$c]}")
done
for c in show list check groups; do
	printf '%s\n' "${COMMANDS[@]}" | grep -qx "$c" || continue
	CASES+=("vfioctl --sysroot $ROOT $c |0000:00:1c.0 0000:01:00.0 vdoc0")
done
printf '%s\n' "${COMMANDS[@]}" | grep -qx groups && CASES+=("vfioctl --sysroot $ROOT groups |42")
for c in "${COMMANDS[@]}"; do
	case " ${CMD_OPTS[$c]} " in *" --group "*) CASES+=("vfioctl -s $ROOT $c --group |42") ;; esac
	case " ${CMD_OPTS[$c]} " in *" --class "*) CASES+=("vfioctl $c --class net,st|net,storage") ;; esac
	# list --driver filters ("none": driverless); bind --driver is a target
	case "$c: ${CMD_OPTS[$c]} " in
	list:*" --driver "*) CASES+=("vfioctl -s $ROOT $c --driver |none vfio-pci") ;;
	*" --driver "*) CASES+=("vfioctl -s $ROOT $c --driver |vfio-pci") ;;
	esac
	case " ${CMD_OPTS[$c]} " in *" --acs-override "*) CASES+=("vfioctl $c --acs-override=|downstream multifunction") ;; esac
done
for cs in "${SUBS[@]}"; do
	CASES+=("vfioctl ${cs% *} |${cs#* }")
	[ -n "${SUB_OPTS[$cs]}" ] && CASES+=("vfioctl $cs --|${SUB_OPTS[$cs]}")
done
nopts=${#GLOBAL_OPTS[@]}
for c in "${COMMANDS[@]}"; do
	set -- ${CMD_OPTS[$c]}
	nopts=$((nopts + $#))
done
for cs in "${SUBS[@]}"; do
	set -- ${SUB_OPTS[$cs]}
	nopts=$((nopts + $#))
done

# Compare the "LINE| word word ..." lines of file $2 with CASES ($1: shell).
compare() {
	local shell=$1 file=$2 case line want got w
	for case in "${CASES[@]}"; do
		line=${case%%|*}
		want=${case#*|}
		# the words offered, with "--opt=" prefixes of option values dropped
		got=" $(awk -F'|' -v l="$line" '$1 == l { sub(/^[^|]*[|]/, ""); print; exit }' "$file" |
			sed -E 's/ --[a-z0-9-]+=([^ ])/ \1/g') "
		for w in $want; do
			case $got in
			*" $w "* | *" $w= "*) ;;
			*) err "$shell completion: '${line/$TMP/\$TMP}' does not offer '$w'" ;;
			esac
		done
	done
}

# --- bash: run the completion function on simulated command lines -------------

bash_results() { # $1 = "bc" to load bash-completion first
	local line
	{
		[ "$1" = bc ] && echo 'source /usr/share/bash-completion/bash_completion'
		echo "source '$REPO/$BASHC' || exit 1"
		echo 'complete -p vfioctl >/dev/null || { echo "no complete -F for vfioctl" >&2; exit 1; }'
		# COMP_WORDS as readline makes them: words also split at "=" and ":".
		cat <<-'EOF'
			_t() {
				local line=$1 out=() cur= i c
				for ((i = 0; i < ${#line}; i++)); do
					c=${line:i:1}
					if [[ $c == ' ' ]]; then [[ -n $cur ]] && out+=("$cur"); cur=
					elif [[ $c == [=:] ]]; then
						[[ -n $cur && $cur != *[=:] ]] && { out+=("$cur"); cur=; }
						cur+=$c
					else
						[[ $cur == *[=:] ]] && { out+=("$cur"); cur=; }
						cur+=$c
					fi
				done
				out+=("$cur")
				COMP_WORDS=("${out[@]}") COMP_CWORD=$((${#out[@]} - 1))
				COMP_LINE=$line COMP_POINT=${#line} COMPREPLY=()
				_vfioctl vfioctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
				# replies replace the text after the last ":" or "=": put it back
				local last=${line##* } pre
				pre=${last%"${last##*[=:]}"}
				printf '%s|' "$line"; printf ' %s' "${COMPREPLY[@]/#/$pre}"; echo
			}
		EOF
		for case in "${CASES[@]}"; do
			printf '_t %q\n' "${case%%|*}"
		done
	} >"$TMP/bash-$1.sh"
	env -i PATH="$PATH" HOME="$TMP" bash --norc --noprofile "$TMP/bash-$1.sh" >"$TMP/bash-$1.out" 2>"$TMP/bash-$1.err" ||
		err "bash: $BASHC failed to load: $(cat "$TMP/bash-$1.err")"
}
bash -n "$BASHC" || err "bash: syntax error in $BASHC"
bash_results plain
compare "bash" "$TMP/bash-plain.out"
if [ -f /usr/share/bash-completion/bash_completion ]; then
	bash_results bc
	compare "bash (with bash-completion)" "$TMP/bash-bc.out"
fi

# --- fish: `complete -C` when fish is installed, else the file itself ----------

if command -v fish >/dev/null; then
	{
		echo "source '$REPO/$FISHC'; or exit 1"
		for case in "${CASES[@]}"; do
			line=${case%%|*}
			q=${line//\\/\\\\}
			q="'${q//\'/\\\'}'"
			echo "echo -n $q'|'; for r in (complete -C$q); echo -n ' '(string split -f1 \t -- \$r); end; echo"
		done
	} >"$TMP/fish.fish"
	VFIOCTL_SYSROOT= HOME=$TMP fish --no-config "$TMP/fish.fish" >"$TMP/fish.out" 2>"$TMP/fish.err" ||
		err "fish: $FISHC failed: $(cat "$TMP/fish.err")"
	[ -s "$TMP/fish.err" ] && err "fish: errors from $FISHC: $(head -5 "$TMP/fish.err")"
	compare "fish" "$TMP/fish.out"
else
	note "fish not installed: $FISHC checked statically"
	for c in "${COMMANDS[@]}"; do
		grep -qE -- "-a ['\"]?$c([[:space:]'\"]|\$)" "$FISHC" || err "fish: command '$c' missing from $FISHC"
	done
	for o in "${GLOBAL_OPTS[@]}" ${CMD_OPTS[@]+${CMD_OPTS[@]}} ${SUB_OPTS[@]+${SUB_OPTS[@]}}; do
		grep -qE -- "-l ${o#--}([[:space:]]|\$)" "$FISHC" || err "fish: option $o missing from $FISHC"
	done
fi

# --- zsh: statically, per command block ----------------------------------------

if command -v zsh >/dev/null; then
	zsh -n "$ZSHC" || err "zsh: syntax error in $ZSHC"
	zsh -fc "fpath=('$REPO/completions' \$fpath); autoload -Uz compinit; compinit -u -D -d '$TMP/zcompdump'
		[[ \$_comps[vfioctl] == _vfioctl ]]" 2>"$TMP/zsh.err" ||
		err "zsh: compinit does not register _vfioctl for vfioctl: $(cat "$TMP/zsh.err")"
fi
# The global "_arguments -C" (up to "case $state"), and each "(cmd)" block, without
# the exclusion lists "'(-x --xxx)'" of the option specs.
noexcl() { sed -E "s/'\([^)]*\)'//g"; }
sed -n '/_arguments -C/,/case \$state in/p' "$ZSHC" | noexcl >"$TMP/zsh-global"
for o in "${GLOBAL_OPTS[@]}"; do
	has_opt "$o" <"$TMP/zsh-global" || err "zsh: global option $o missing from $ZSHC"
done
for c in "${COMMANDS[@]}"; do
	grep -qE "^[[:space:]]*[\"']$c:" "$ZSHC" || err "zsh: command '$c' missing from $ZSHC"
	awk -v c="($c)" '$1 == c { p = 1; next } p && /^[[:space:]]*;;/ { exit } p' "$ZSHC" | noexcl >"$TMP/zsh-$c"
	for o in ${CMD_OPTS[$c]}; do
		case $o in --json | --help) grep -q '\$common' "$TMP/zsh-$c" && continue ;; esac
		has_opt "$o" <"$TMP/zsh-$c" || err "zsh: option $o of '$c' missing from $ZSHC"
	done
done

# Subcommand options: in the completion function of their command
# (_vfioctl_COMMAND, called from the command's block).
for cs in "${SUBS[@]}"; do
	c=${cs% *}
	sed -n "/^_vfioctl_$c() {/,/^}/p" "$ZSHC" | noexcl >"$TMP/zsh-sub-$c"
	grep -qE "[\"']${cs#* }:" "$TMP/zsh-sub-$c" || err "zsh: subcommand '$cs' missing from _vfioctl_$c in $ZSHC"
	for o in ${SUB_OPTS[$cs]}; do
		case $o in --json | --help) grep -q '\$common' "$TMP/zsh-sub-$c" && continue ;; esac
		has_opt "$o" <"$TMP/zsh-sub-$c" || err "zsh: option $o of '$cs' missing from _vfioctl_$c in $ZSHC"
	done
done

# --- JSON keys: every key printed over the fixtures is in the man page ---------

if command -v jq >/dev/null; then
	{
		man_section "JSON OUTPUT"
		man_section "SNAPSHOT CONTENTS"
	} >"$TMP/man-json"
	: >"$TMP/json"
	has_cmd() { printf '%s\n' "${COMMANDS[@]}" | grep -qx "$1"; }
	# One background job per fixture: extract it, collect every command's JSON.
	fixture_json() {
		local d=$1 fx=$2 first=$3 a addrs
		v() { "$VFIOCTL" --sysroot "$d" --json "$@" 2>/dev/null; }
		mkdir -p "$d" && tar -C "$d" -xzf "$fx" 2>/dev/null || return
		jq . "$d/vfioctl-snapshot.json" 2>/dev/null
		v list | tee "$d.list"
		addrs=$(jq -r '.devices[].address' "$d.list" 2>/dev/null)
		# `show` one device of each kind (class, SR-IOV role, root bus or not):
		# the keys depend on those, and each run costs a pci.ids load
		for a in $(jq -r '.devices | group_by([.class_keyword, .sriov_role,
				.parent == null]) | .[][0].address' "$d.list" 2>/dev/null); do
			v show "$a"
		done
		has_cmd groups && v groups --explain # the keys of groups, and more
		if has_cmd sriov; then
			v sriov show
			# each PF's plan, with a bind (the dry run needs no root)
			for a in $(jq -r '.devices[] | select(.sriov_role == "pf") | .address' "$d.list" 2>/dev/null); do
				v sriov set "$a" --vfs 1 --bind vfio-pci --dry-run
				v sriov vf "$a" 0 --vlan 1 --dry-run
			done
		fi
		has_cmd doctor && v doctor
		if has_cmd check && [ -n "$addrs" ]; then
			v check $addrs
		fi
		# batch commands: their plans (--dry-run works on a snapshot)
		local eps
		eps=$(jq -r '.devices[] | select(.class | startswith("0604") | not) | .address' \
			"$d.list" 2>/dev/null)
		if has_cmd bind && [ -n "$eps" ]; then
			v bind --dry-run --force $eps
		fi
		[ "$first" = 1 ] && v snapshot -o "$d.tar.gz"
		# a failure's error object (JSON OUTPUT, errors)
		[ "$first" = 1 ] && v show ff:1f.7
	}
	nfix=0
	for fx in tests/fixtures/*/snapshot.tar.gz; do
		[ -f "$fx" ] || continue
		nfix=$((nfix + 1))
		fixture_json "$TMP/fx$nfix" "$fx" "$nfix" >"$TMP/json.$nfix" &
	done
	wait
	[ "$nfix" != 0 ] && cat "$TMP"/json.* >>"$TMP/json"
	# groups --from-lspci on a real machine's text without its extended capabilities:
	# the keys of "differences" and "uncertain_due_to" entries
	for f in tests/fixtures/realhw/*.json; do
		jq -r .lspci "$f" | grep -vE '^\s+(Capabilities: \[[0-9a-f]{3} |ACSC)' >"$TMP/lspci.txt"
		"$VFIOCTL" --json groups --predict --explain --from-lspci "$TMP/lspci.txt" >>"$TMP/json" 2>/dev/null ||
			err "'vfioctl groups --from-lspci' failed on the text of $f"
		break
	done
	if [ "$nfix" = 0 ]; then
		note "no tests/fixtures/*/snapshot.tar.gz: JSON keys checked on the live host's list only"
		"$VFIOCTL" --json list >>"$TMP/json" 2>/dev/null
	fi
	jq -r '.. | objects | keys[]' "$TMP/json" >"$TMP/keys" 2>"$TMP/jq.err" ||
		err "a command printed invalid JSON: $(head -3 "$TMP/jq.err")"
	mapfile -t KEYS < <(sort -u "$TMP/keys")
	for k in "${KEYS[@]}"; do
		grep -qE "(^|[^A-Za-z0-9_])$k([^A-Za-z0-9_]|\$)" "$TMP/man-json" ||
			err "$MAN: JSON key \"$k\" is not described in JSON OUTPUT (or SNAPSHOT CONTENTS)"
	done
	# and its exact shape, on an unknown device and on a bad option
	for args in "show ff:1f.7" "list --frob"; do
		# shellcheck disable=SC2086
		shape=$("$VFIOCTL" --json --sysroot "$TMP/fx1" $args 2>/dev/null |
			jq -c '[keys, (.error | keys), (.error.exit | type), (.error.message | type)]')
		[ "$shape" = '[["error"],["exit","message","messages"],"number","string"]' ] ||
			err "'vfioctl --json $args': the error object is not as JSON OUTPUT says: $shape"
	done
else
	note "jq not installed: JSON keys not checked"
	KEYS=()
fi

echo "check-docs: ${#COMMANDS[@]} commands, $nopts options, ${#KEYS[@]} JSON keys checked"
if [ "$errors" != 0 ]; then
	echo "check-docs: $errors problem(s)" >&2
	exit 1
fi
exit 0
