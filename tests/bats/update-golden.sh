#!/bin/sh
# Rewrite tests/golden/ from the current build; review with `git diff tests/golden`.
set -e
cd "$(dirname "$0")/../.."
UPDATE_GOLDEN=1 VFIOCTL="$PWD/vfioctl" bats tests/bats
