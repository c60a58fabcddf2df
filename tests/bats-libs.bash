# bats-support and bats-assert for tests/bats and tests/vm/suites. Not their
# load.bash: it forks dirname for each file it sources, about 15 forks per
# test, 0.66 s per test in the TCG guest. src/ only defines functions.
for _lib in /usr/lib/bats/bats-support/src/*.bash /usr/lib/bats/bats-assert/src/*.bash; do
	source "$_lib"
done
unset _lib
