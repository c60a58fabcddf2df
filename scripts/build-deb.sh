#!/bin/bash
# Build the Debian package (debian/) from a clean clone of the committed HEAD,
# never from the work tree: uncommitted changes, build/ and ./vfioctl cannot
# leak into it. Output in build/deb/: vfioctl_VERSION_ARCH.deb, .changes,
# .buildinfo, build.log, and the clone (vfioctl/). VERSION comes from
# `git describe` (debian/gen-changelog). A package already built from HEAD is
# reused.
#
# Usage: scripts/build-deb.sh [--lintian] [--force]
#   --lintian  then run lintian on the .changes (which names the .deb):
#              fails on any error or warning
#   --force    rebuild even if build/deb/ holds HEAD's package
# Needs debhelper, dpkg-dev and the build dependencies of debian/control
# (scripts/install-deps.sh --deb); no root (Rules-Requires-Root: no).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$REPO/build/deb
LINTIAN=0 FORCE=0
for a in "$@"; do
	case "$a" in
	--lintian) LINTIAN=1 ;;
	--force) FORCE=1 ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "build-deb: unknown option: $a" >&2
		exit 2
		;;
	esac
done

rev=$(git -C "$REPO" rev-parse HEAD)
if [ -n "$(git -C "$REPO" status --porcelain --untracked-files=no)" ]; then
	echo "build-deb: note: uncommitted changes are not in the package (built from HEAD ${rev:0:12})"
fi
start=$SECONDS
if [ "$FORCE" = 0 ] && [ "$(cat "$OUT/rev" 2>/dev/null)" = "$rev" ] &&
	compgen -G "$OUT/vfioctl_*.deb" >/dev/null; then
	echo "build-deb: $(cd "$OUT" && echo vfioctl_*.deb) is built from HEAD ${rev:0:12}"
else
	rm -rf "$OUT"
	mkdir -p "$OUT"
	git clone -q --no-checkout "$REPO" "$OUT/vfioctl"
	git -C "$OUT/vfioctl" checkout -q --detach "$rev"
	echo "build-deb: building version $("$OUT/vfioctl/debian/gen-changelog" --version) from ${rev:0:12} in $OUT/vfioctl"
	if ! (cd "$OUT/vfioctl" && debian/gen-changelog && dpkg-buildpackage -us -uc -b) >"$OUT/build.log" 2>&1; then
		tail -n 40 "$OUT/build.log" >&2
		echo "build-deb: dpkg-buildpackage failed (log: $OUT/build.log)" >&2
		exit 1
	fi
	echo "$rev" >"$OUT/rev"
	echo "build-deb: built $(cd "$OUT" && echo vfioctl_*.deb) in $((SECONDS - start)) s"
fi
if [ "$LINTIAN" = 1 ]; then
	changes=$(echo "$OUT"/vfioctl_*.changes)
	echo "build-deb: lintian --fail-on error,warning $(basename "$changes")"
	lstart=$SECONDS
	rc=0
	lintian --fail-on error,warning "$changes" || rc=$?
	echo "build-deb: lintian exit $rc in $((SECONDS - lstart)) s"
	exit "$rc"
fi
