#!/usr/bin/env bats
# groups/check over snapshots of real kernels: predictions against the groups
# the kernel made (truth.json), explain and check outputs against golden files.
load helpers

# A partition as one canonical line per group: sorted addresses, groups sorted.
partition_of_truth() {
	jq -r '.groups | [.[] | sort | join(" ")] | sort | .[]' "$1"
}
partition_of_groups() {
	jq -r '[.groups[] | [.devices[] | select(.role != "non-pci") | .address] | sort | join(" ")] | sort | .[]'
}

assert_predict_matches_truth() {
	use_fixture "$1"
	run vf --json groups --predict
	assert_success
	assert_equal "$(partition_of_groups <<<"$output")" "$(partition_of_truth "$FIXTURES/${2:-$1}/truth.json")"
}

@test "bridge: --predict gives the kernel's partition" { assert_predict_matches_truth bridge; }
@test "switch: --predict gives the kernel's partition" { assert_predict_matches_truth switch; }
@test "sriov: --predict gives the kernel's partition" { assert_predict_matches_truth sriov; }
@test "sriov-vfs: --predict gives the kernel's partition, VFs included" { assert_predict_matches_truth sriov-vfs; }
@test "legacy: --predict gives the kernel's partition (DMI-to-PCI chain, ioh3420, pxb-pcie)" {
	assert_predict_matches_truth legacy
}
@test "legacy: the PCI bridge chain behind the DMI-to-PCI bridge is one group, explained as alias" {
	use_fixture legacy
	run vf --json groups --explain
	assert_success
	dmi=$(jq -r '.devices[] | select(.address | endswith(":1d.0")) | .iommu_group' "$TRUTH")
	assert_equal "$(jq --argjson g "$dmi" '[.groups[] | select(.id == $g) | .devices[]] | length' <<<"$output")" 4
	assert_equal "$(jq -r --argjson g "$dmi" '[.groups[] | select(.id == $g) | .explain[].rule] | unique | .[]' <<<"$output")" dma-alias-bridge
	run vf groups --explain
	assert_golden legacy/groups-explain.txt
}
@test "legacy: the ioh3420 root port without ACS shares its group with its endpoint" {
	use_fixture legacy
	run vf --json groups --explain 0000:00:1b.0
	assert_success
	assert_equal "$(jq '.groups[0].devices | length' <<<"$output")" 2
	assert_equal "$(jq -r '.groups[0].explain[0].rule' <<<"$output")" acs-upstream
}
@test "bridge booted without IOMMU: --predict gives the partition of the IOMMU boot" {
	assert_predict_matches_truth bridge-noiommu bridge
}
@test "switch booted without IOMMU: --predict gives the partition of the IOMMU boot" {
	assert_predict_matches_truth switch-noiommu switch
}

@test "kernel groups: the partition equals truth and agrees with the model" {
	for f in bridge switch sriov sriov-vfs legacy; do
		use_fixture $f
		run vf --json groups --explain
		assert_success
		assert_equal "$(partition_of_groups <<<"$output")" "$(partition_of_truth "$TRUTH")"
		assert_equal "$(jq '[.groups[] | select(.model_agrees == false)] | length' <<<"$output")" 0
	done
}

@test "no-IOMMU snapshot: groups says so and points to --predict" {
	use_fixture switch-noiommu
	run vf groups
	assert_success
	assert_output --partial "groups --predict"
}

@test "switch: --explain golden" {
	use_fixture switch
	run vf groups --explain
	assert_success
	assert_golden switch/groups-explain.txt
	run vf --json groups --explain
	assert_golden switch/groups-explain.json
}

@test "bridge: --explain names the PCIe-to-PCI bridge DMA alias" {
	use_fixture bridge
	run vf --json groups --explain
	assert_success
	assert_equal "$(jq -r '[.groups[].explain[]?.rule] | unique | index("dma-alias-bridge") != null' <<<"$output")" true
	run vf groups --explain
	assert_golden bridge/groups-explain.txt
}

@test "switch: --explain names the downstream port without ACS and the missing bits" {
	use_fixture switch
	run vf --json groups --explain
	assert_equal "$(jq -c '[.groups[].explain[]? | select(.rule == "acs-upstream") | .missing] | unique' <<<"$output")" \
		'[["SV","RR","CR","UF"]]'
}

@test "switch: the NIC+audio multifunction endpoint is one group, explained as multifunction" {
	use_fixture switch
	run vf --json groups --explain 05:00.0
	assert_success
	assert_equal "$(jq -r '.groups[0].devices[].address' <<<"$output" | tr '\n' ' ')" "0000:05:00.0 0000:05:00.1 "
	assert_equal "$(jq -r '.groups[0].explain[0].rule' <<<"$output")" multifunction
}

@test "--acs-override is labelled unsafe and splits the switch ports" {
	use_fixture switch
	run vf --json groups --predict --acs-override=downstream,multifunction
	assert_success
	assert_equal "$(jq .unsafe <<<"$output")" true
	run vf groups --predict --acs-override=downstream,multifunction
	assert_output --partial "UNSAFE"
	assert_golden switch/groups-acs-override.txt
}

@test "--acs-override with a bad value: exit 2" {
	use_fixture switch
	run vf groups --predict --acs-override=sideways
	assert_equal "$status" 2
}

@test "groups GROUP selects one kernel group" {
	use_fixture switch
	g=$(jq -r '.devices[] | select(.address == "0000:05:00.0") | .iommu_group' "$TRUTH")
	run vf --json groups "$g"
	assert_success
	assert_equal "$(jq '.groups | length' <<<"$output")" 1
	assert_equal "$(jq ".groups[0].id" <<<"$output")" "$g"
}

@test "check: a group with host drivers is not viable (exit 1) with the fix" {
	use_fixture switch
	run vf check 05:00.0
	assert_equal "$status" 1
	assert_output --partial "BLOCKER"
	assert_output --partial "vfioctl bind 0000:05:00.0"
	assert_golden switch/check-05.txt
	run vf --json check 05:00.0
	assert_equal "$status" 1
	assert_equal "$(jq .viable <<<"$output")" false
	assert_equal "$(jq -r '[.groups[0].devices[].status] | unique | .[]' <<<"$output")" BLOCKER
}

@test "check: a group with no driver bound is viable (exit 0)" {
	use_fixture switch
	run vf check 00:00.0
	assert_success
	run vf --json check 00:00.0
	assert_equal "$(jq .viable <<<"$output")" true
}

@test "check: bridges in a group do not block" {
	use_fixture bridge
	run vf --json check 00:1c.0
	assert_success
	assert_equal "$(jq -r '.groups[0].devices[0].role' <<<"$output")" bridge
}

@test "check --group N equals check DEVICE" {
	use_fixture switch
	g=$(jq -r '.devices[] | select(.address == "0000:05:00.0") | .iommu_group' "$TRUTH")
	assert_equal "$(vf --json check --group "$g")" "$(vf --json check 0000:05:00.0)"
}

@test "check: bad input exits 2" {
	use_fixture switch
	run vf check 0000:zz:00.0
	assert_equal "$status" 2
	run vf check 0000:7f:00.0
	assert_equal "$status" 2
	run vf check
	assert_equal "$status" 2
	run vf check --group nine
	assert_equal "$status" 2
}

@test "check on a snapshot does not ask the kernel (kernel_viable null)" {
	use_fixture switch
	run vf --json check 05:00.0
	assert_equal "$(jq .groups[0].kernel_viable <<<"$output")" null
	assert_equal "$(jq .groups[0].in_use <<<"$output")" false
}

@test "non-root snapshot: predictions are marked uncertain" {
	use_fixture bridge-user
	run vf --json groups --predict
	assert_success
	assert_equal "$(jq '[.groups[] | select(.uncertain)] | length > 0' <<<"$output")" true
}

# --- groups --from-lspci: another machine from its lspci -vvnn text -------------------------------

REALHW=$REPO/tests/fixtures/realhw

# The text of a realhw JSON file ($1: probe), without its IOMMU group lines when $2 = strip.
realhw_text() {
	if [ "${2-}" = strip ]; then
		jq -r .lspci "$REALHW/$1.json" | grep -v 'IOMMU group:'
	else
		jq -r .lspci "$REALHW/$1.json"
	fi
}
partition_of_realhw() {
	jq -r '.groups | [.[] | sort | join(" ")] | sort | .[]' "$REALHW/$1.json"
}

@test "from-lspci: the four real machines, IOMMU group lines stripped, give their kernels' groups" {
	for f in "$REALHW"/*.json; do
		p=$(basename "$f" .json)
		realhw_text "$p" strip >"$BATS_TEST_TMPDIR/$p.txt"
		run vfioctl --json groups --predict --from-lspci "$BATS_TEST_TMPDIR/$p.txt"
		assert_success
		assert_equal "$(partition_of_groups <<<"$output")" "$(partition_of_realhw "$p")"
		assert_equal "$(jq -r '.mode, .from_lspci, .agrees_with_kernel, ([.groups[] | select(.uncertain)] | length)' <<<"$output")" \
			"$(printf 'predicted\n%s\nnull\n0' "$BATS_TEST_TMPDIR/$p.txt")"
	done
}

@test "from-lspci: with the IOMMU group lines: the kernel's groups, agreement, no differences" {
	realhw_text BC3F2240B9 >"$BATS_TEST_TMPDIR/x570.txt"
	run vfioctl --json groups --from-lspci "$BATS_TEST_TMPDIR/x570.txt"
	assert_success
	assert_equal "$(jq -r '.mode, .iommu, (.groups | length)' <<<"$output")" "$(printf 'kernel\ntrue\n31')"
	assert_equal "$(partition_of_groups <<<"$output")" "$(partition_of_realhw BC3F2240B9)"
	run vfioctl --json groups --predict --from-lspci "$BATS_TEST_TMPDIR/x570.txt"
	assert_success
	assert_equal "$(jq -c '[.agrees_with_kernel, .differences]' <<<"$output")" '[true,[]]'
	# --explain of kernel groups: the model agrees with each, and says why devices share one
	run vfioctl --json groups --explain --from-lspci "$BATS_TEST_TMPDIR/x570.txt"
	assert_success
	assert_equal "$(jq '[.groups[] | select(.model_agrees != true)] | length' <<<"$output")" 0
	assert_equal "$(jq -r '[.groups[].explain[].rule] | unique | join(" ")' <<<"$output")" "acs-upstream multifunction"
	# the GPU and its HDMI audio function: together, and why
	run vfioctl groups --explain --from-lspci "$BATS_TEST_TMPDIR/x570.txt" 0d:00.1
	assert_success
	assert_output --partial "0000:0d:00.0"
	assert_output --partial "functions of one multifunction device"
}

@test "from-lspci: stdin, and -D, give the same prediction as the file" {
	realhw_text 92736B8DE6 strip >"$BATS_TEST_TMPDIR/tgl.txt"
	sed -E 's/^([0-9a-f]{2}:[0-9a-f]{2}\.[0-7] )/0000:\1/' "$BATS_TEST_TMPDIR/tgl.txt" >"$BATS_TEST_TMPDIR/tgl-D.txt"
	want=$(vfioctl --json groups --predict --from-lspci "$BATS_TEST_TMPDIR/tgl.txt" | jq 'del(.from_lspci)')
	run vfioctl --json groups --predict --from-lspci - <"$BATS_TEST_TMPDIR/tgl-D.txt"
	assert_success
	assert_equal "$(jq 'del(.from_lspci)' <<<"$output")" "$want"
	assert_equal "$(jq -r .from_lspci <<<"$output")" -
}

@test "from-lspci: a changed IOMMU group line is reported as a difference" {
	realhw_text BC3F2240B9 | sed 's/IOMMU group: 30$/IOMMU group: 29/' >"$BATS_TEST_TMPDIR/x.txt"
	run vfioctl --json groups --predict --from-lspci "$BATS_TEST_TMPDIR/x.txt"
	assert_success
	assert_equal "$(jq -c '[.agrees_with_kernel, .differences]' <<<"$output")" \
		'[false,[{"kernel_group":29,"kernel":["0000:0f:00.3","0000:0f:00.4"],"predicted":["0000:0f:00.3"]}]]'
	run vfioctl groups --predict --from-lspci "$BATS_TEST_TMPDIR/x.txt"
	assert_output --partial "difference: kernel group 29 has 0000:0f:00.3 0000:0f:00.4; predicted: 0000:0f:00.3"
	assert_output --partial "differs from the groups in the lspci text"
}

@test "from-lspci: lspci without root (<access denied>): every group uncertain, the unknown named" {
	# what lspci prints without root: no capability list at all
	realhw_text 23175F9255 strip | grep -vE '^\s+(Capabilities|ACSC)' |
		sed -E 's/^(\tBus: .*)$/\1\n\tCapabilities: <access denied>/' >"$BATS_TEST_TMPDIR/user.txt"
	run vfioctl --json groups --predict --from-lspci "$BATS_TEST_TMPDIR/user.txt"
	assert_success
	assert_equal "$(jq '[.groups[] | select(.devices[0].role == "bridge" and (.uncertain | not))] | length' <<<"$output")" 0
	assert_equal "$(jq -r '.groups[] | select(.devices | map(.address) | index("0000:01:00.0")) | .uncertain_due_to[] | "\(.device) \(.unknown)"' <<<"$output")" \
		"$(printf '0000:00:02.2 pcie-type\n0000:00:02.4 pcie-type')"
	assert_equal "$(jq '.notes | map(select(test("no extended capabilities"))) | length' <<<"$output")" 1
	run vfioctl groups --predict --from-lspci "$BATS_TEST_TMPDIR/user.txt"
	assert_output --partial "uncertain: the PCIe port type of 0000:00:02.2, 0000:00:02.4 are unknown"
}

@test "from-lspci: no extended capabilities: the groups behind each root port depend on its ACS" {
	realhw_text BC3F2240B9 strip | grep -vE '^\s+(Capabilities: \[[0-9a-f]{3} |ACSC)' >"$BATS_TEST_TMPDIR/noext.txt"
	run vfioctl --json groups --predict --from-lspci "$BATS_TEST_TMPDIR/noext.txt"
	assert_success
	# the GPU behind root port 00:03.1: uncertain because of that port's ACS
	assert_equal "$(jq -r '.groups[] | select(.devices | map(.address) | index("0000:0d:00.0")) | [.uncertain, (.uncertain_due_to[] | "\(.device) \(.unknown)")] | join(",")' <<<"$output")" \
		"true,0000:00:03.1 acs"
	run vfioctl groups --predict --explain --from-lspci "$BATS_TEST_TMPDIR/noext.txt"
	assert_output --partial "uncertain: the ACS of 0000:00:03.1 is unknown"
	assert_output --partial "not in the lspci text: run lspci -vvnn as root"
}

@test "from-lspci: garbled or truncated text exits 2 and names its first bad line" {
	realhw_text 92736B8DE6 >"$BATS_TEST_TMPDIR/ok.txt"
	head -c 3000 "$BATS_TEST_TMPDIR/ok.txt" >"$BATS_TEST_TMPDIR/cut.txt"
	n=$(wc -l <"$BATS_TEST_TMPDIR/cut.txt")
	run vfioctl groups --predict --from-lspci "$BATS_TEST_TMPDIR/cut.txt"
	assert_equal "$status" 2
	assert_output --partial "cut.txt:$((n + 1)): the text ends inside this line"
	sed '5s/Express (v2) Root Port/Express (v2) Rot Port/' "$BATS_TEST_TMPDIR/ok.txt" >"$BATS_TEST_TMPDIR/bad.txt"
	if grep -q 'Rot Port' "$BATS_TEST_TMPDIR/bad.txt"; then
		line=$(grep -n 'Rot Port' "$BATS_TEST_TMPDIR/bad.txt" | cut -d: -f1)
	else
		printf '00:1f.0 ISA bridge [0601] Intel\n' >>"$BATS_TEST_TMPDIR/bad.txt"
		line=$(wc -l <"$BATS_TEST_TMPDIR/bad.txt")
	fi
	run vfioctl groups --predict --from-lspci "$BATS_TEST_TMPDIR/bad.txt"
	assert_equal "$status" 2
	assert_output --partial "bad.txt:$line:"
	run --separate-stderr vfioctl --json groups --predict --from-lspci "$BATS_TEST_TMPDIR/bad.txt"
	assert_equal "$status" 2
	assert_equal "$(jq .error.exit <<<"$output")" 2
	run vfioctl groups --predict --from-lspci "$BATS_TEST_TMPDIR/nonexistent"
	assert_equal "$status" 2
	assert_output --partial "No such file"
	run vfioctl groups --predict --from-lspci - </dev/null
	assert_equal "$status" 2
	assert_output --partial "stdin:1: no devices"
}
