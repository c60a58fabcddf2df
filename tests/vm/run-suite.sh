#!/bin/bash
# Run a bats suite inside a VM with the given topology.
# Usage: tests/vm/run-suite.sh [run.sh OPTIONS] TOPOLOGY SUITE.bats [BATS ARGS...]
#   e.g. tests/vm/run-suite.sh sriov tests/vm/suites/sriov.bats
#        tests/vm/run-suite.sh --no-iommu none tests/vm/suites/noiommu.bats
# Options before TOPOLOGY are passed to run.sh (--mem, --append, --out, ...).
# Output is TAP (bats --tap) unless BATS ARGS are given.  Exit status: bats'
# status, or run.sh's 124/125 if the VM timed out / did not report.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OPTS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--no-iommu | --systemd | -v | --verbose) OPTS+=("$1"); shift ;;
	--*=*) OPTS+=("$1"); shift ;;
	--*) OPTS+=("$1" "$2"); shift 2 ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
TOPOLOGY=$1 SUITE=$2
shift 2
[ -e "$SUITE" ] || { echo "run-suite: $SUITE not found" >&2; exit 2; }
SUITE=$(cd "$(dirname "$SUITE")" && pwd)/$(basename "$SUITE")
[ $# -gt 0 ] || set -- --tap
exec "$HERE/run.sh" "${OPTS[@]+"${OPTS[@]}"}" --topology "$TOPOLOGY" -- bats "$@" "$SUITE"
