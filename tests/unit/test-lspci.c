// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the lspci -vvnn parser (src/lspci.c) and of the group
 * predictor on real machines:
 *  - the corpus: tests/fixtures/realhw/NAME.json ("lspci": the text, "groups": what the
 *    kernel made) and tests/fixtures/realhw/lspci/NAME.txt (texts with their "IOMMU group:"
 *    lines). For each machine the prediction from the text without its "IOMMU group:"
 *    lines must equal the kernel's partition exactly, and so must the prediction from
 *    the whole text (as `groups --predict --from-lspci` on it). Machines listed in
 *    known_misses[] must still miss (so the list stays true), the others must match;
 *  - the parser's strictness on hand-written texts: each garbled or truncated one is
 *    refused with the number of its first bad line;
 *  - fuzz-style: mutated copies of the corpus (lines cut, dropped, doubled, swapped,
 *    bytes changed), deterministic; every one is parsed and, when accepted,
 *    predicted and explained. Nothing may crash (the unit tests run under ASan and
 *    UBSan) and every refusal is -EINVAL with a line number.
 *
 * `make check-unit` runs it from the repository root (VFIOCTL_REALHW overrides the
 * corpus directory); build/unit/test-lspci -v prints each machine's groups.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>

#include "groups.h"
#include "lspci.h"
#include "topo.h"
#include "unit-groups.h"
#include "unit.h"
#include "util.h"

static int verbose;

/*
 * Machines whose kernel grouped differently from the model, and why (see the
 * corpus README): a rule the model lacks, or something the text cannot show.
 */
static const struct {
	const char *probe, *why;
} known_misses[] = {
	/*
	 * Dell PowerEdge R7525: the root ports of the empty hot-plug NVMe bays (00:01.1-4,
	 * c0:01.1-2) read ACSCtl SrcValid- with ReqRedir, CmpltRedir and UpstreamFwd on, a
	 * state pci_std_enable_acs() never leaves (it sets SV with the others), and the
	 * kernel grouped them with their dummy host bridge as if SV was off at boot: the
	 * write did not stick on those ports (firmware or hardware, not in the text). With
	 * the ACS controls as read ("as on the machine") the prediction is exact; only the
	 * "as the kernel enables them" assumption of a text without groups misses.
	 */
	{ "470CCEF528", "SrcValid of empty hot-plug root ports not kept (firmware), see README" },
	{ NULL, NULL },
};

static const char *known_miss(const char *probe)
{
	for (size_t i = 0; i < ARRAY_SIZE(known_misses); i++)
		if (streq(known_misses[i].probe, probe))
			return known_misses[i].why;
	return NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Helpers
 */

static int parse(const char *text, struct topo **t, struct lspci_info *info)
{
	return lspci_parse(text, strlen(text), t, info);
}

/* The text without its "IOMMU group:" lines. */
static char *strip_groups(const char *text)
{
	char *out = xmalloc(strlen(text) + 1), *o = out;

	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
		const char *q = p;

		while (q < p + n && (*q == '\t' || *q == ' '))
			q++;
		if (!(q > p && startswith(q, "IOMMU group:"))) {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	*o = '\0';
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "a b|c d e|...": each group's addresses, groups sorted; only grouped devices. */
static char *partition(const struct group_set *s)
{
	char **lines = NULL, *out;
	size_t n = 0, len = 1;

	for (size_t i = 0; i < s->n_groups; i++) {
		const struct group *g = &s->groups[i];
		char *line = xstrdup("");

		if (!g->n_devs)
			continue;
		for (size_t k = 0; k < g->n_devs; k++) {
			char *more = xasprintf("%s%s%s", line, k ? " " : "", g->devs[k]->addr);

			free(line);
			line = more;
		}
		strv_consume(&lines, &n, line);
	}
	if (n)
		qsort(lines, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++)
		len += strlen(lines[i]) + 1;
	out = xcalloc(1, len);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(out, "|");
		strcat(out, lines[i]);
	}
	strv_free(lines);
	return out;
}

/* Print the groups of want that got lacks, and the other way round. */
static void print_diff(const char *name, const char *what, const char *want, const char *got)
{
	_cleanup_free_ char *w = xstrdup(want), *g = xstrdup(got);
	char *save = NULL;

	for (char *x = strtok_r(w, "|", &save); x; x = strtok_r(NULL, "|", &save)) {
		_cleanup_free_ char *needle = xasprintf("|%s|", x), *hay = xasprintf("|%s|", got);

		if (!strstr(hay, needle))
			fprintf(stderr, "  %s (%s): kernel group %s is not predicted\n", name, what,
				x);
	}
	for (char *x = strtok_r(g, "|", &save); x; x = strtok_r(NULL, "|", &save)) {
		_cleanup_free_ char *needle = xasprintf("|%s|", x), *hay = xasprintf("|%s|", want);

		if (!strstr(hay, needle))
			fprintf(stderr, "  %s (%s): predicted group %s is not the kernel's\n", name,
				what, x);
	}
}

/* ---------------------------------------------------------------------------------------------
 * The corpus
 */

struct tally {
	int machines, exact, known;
};

/* Predict t; 0 or 1 (exact) compared with want. */
static bool predict_matches(const char *name, const char *what, struct topo *t,
			    const struct lspci_info *info, const char *want, bool quiet)
{
	_cleanup_free_ char *got = NULL;
	struct group_set *ps = NULL;
	bool same;

	EXPECT(groups_predict(t, info->amd_iommu ? GROUPS_AMD_IVRS : 0, &ps) == 0, "%s: predict",
	       name);
	if (!ps)
		return false;
	got = partition(ps);
	same = streq(got, want);
	/* without extended capabilities in the text, groups behind ports are uncertain */
	for (size_t i = 0; i < ps->n_groups && info->extended; i++)
		EXPECT(!ps->groups[i].uncertain, "%s (%s): group of %s uncertain in a root dump",
		       name, what, ps->groups[i].devs[0]->addr);
	if (!same && !quiet)
		print_diff(name, what, want, got);
	if (verbose && streq(what, "without IOMMU group lines"))
		print_groups(ps);
	group_set_free(ps);
	return same;
}

static void test_machine(const char *name, const char *probe, const char *text, struct tally *tl)
{
	_cleanup_free_ char *stripped = strip_groups(text), *want = NULL;
	struct topo *kt = NULL, *pt = NULL;
	struct lspci_info info, sinfo;
	struct group_set *ks = NULL;
	const char *why = known_miss(probe);
	bool on, off;
	int r;

	r = parse(text, &kt, &info);
	EXPECT(r == 0, "%s:%u: %s", name, info.line, info.why);
	if (r < 0)
		return;
	EXPECT(info.groups && !info.access_denied, "%s: needs IOMMU group lines and a root dump",
	       name);
	EXPECT(groups_kernel(kt, &ks) == 0, "%s: kernel groups", name);
	want = partition(ks);
	group_set_free(ks);

	r = parse(stripped, &pt, &sinfo);
	EXPECT(r == 0 && !sinfo.groups, "%s: stripped:%u: %s", name, sinfo.line, sinfo.why);
	if (r < 0) {
		topo_free(kt);
		return;
	}
	if (verbose)
		printf("%s:\n", name);
	off = predict_matches(name, "without IOMMU group lines", pt, &sinfo, want, why != NULL);
	on = predict_matches(name, "as on the machine", kt, &info, want, why != NULL);
	printf("%s: %s%s%s\n", name, on && off ? "predicted exactly" : "MISS",
	       why ? ": known: " : "", why ? why : "");
	tl->machines++;
	tl->exact += on && off;
	if (why) {
		tl->known++;
		EXPECT(!(on && off),
		       "%s is listed in known_misses but now matches: update the list", probe);
	} else {
		EXPECT(on && off, "%s: the prediction differs from the kernel's groups", name);
	}
	topo_free(kt);
	topo_free(pt);
}

/* Every text of the corpus, for the fuzz test: NULL-terminated, with names. */
static char **corpus_texts, **corpus_names;
static size_t n_corpus;

static void corpus_add(const char *name, const char *text)
{
	size_t n = n_corpus;

	strv_push(&corpus_names, &n, name);
	strv_push(&corpus_texts, &n_corpus, text);
}

static char *read_text(const char *path)
{
	char *text = NULL;
	size_t len = 0;

	EXPECT(lspci_read(path, &text, &len) == 0, "%s: %s", path, strerror(errno));
	return text;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir ending in suffix, sorted. */
static char **list_dir(const char *dir, const char *suffix, size_t *n)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	char **names = NULL;
	struct dirent *de;

	*n = 0;
	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name), s = strlen(suffix);

		if (l > s && streq(de->d_name + l - s, suffix))
			strv_push(&names, n, de->d_name);
	}
	if (*n > 1)
		qsort(names, *n, sizeof(char *), cmp_strp);
	return names;
}

static void test_corpus(void)
{
	const char *dir =
		getenv("VFIOCTL_REALHW") ? getenv("VFIOCTL_REALHW") : "tests/fixtures/realhw";
	_cleanup_free_ char *sub = xasprintf("%s/lspci", dir);
	struct tally tl = { 0 };
	char **names;
	size_t n;

	/* the JSON files: the kernel's groups are also given apart from the text */
	names = list_dir(dir, ".json", &n);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, names[i]);
		_cleanup_free_ char *probe = xstrdup(names[i]);
		json_error_t err;
		json_t *root = json_load_file(p, 0, &err), *kg, *a;
		const char *text = json_string_value(json_object_get(root, "lspci"));
		struct topo *kt = NULL;
		struct lspci_info info;
		size_t j, k;

		EXPECT(root && text, "%s: %s", p, err.text);
		if (!text) {
			json_decref(root);
			continue;
		}
		*strstr(probe, ".json") = '\0';
		/* the text's "IOMMU group:" lines are the "groups" of the file */
		if (parse(text, &kt, &info) == 0) {
			json_array_foreach (json_object_get(root, "groups"), j, kg)
				json_array_foreach (kg, k, a) {
					struct topo_dev *d = topo_find(kt, json_string_value(a));

					EXPECT(d && d->iommu_group ==
							       kt->devs[topo_find(
										kt,
										json_string_value(
											json_array_get(
												kg,
												0))) -
									kt->devs]
								       .iommu_group,
					       "%s: %s: groups and IOMMU group lines disagree", p,
					       json_string_value(a));
				}
			topo_free(kt);
		}
		test_machine(p, probe, text, &tl);
		corpus_add(p, text);
		json_decref(root);
	}
	strv_free(names);

	names = list_dir(sub, ".txt", &n);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", sub, names[i]);
		_cleanup_free_ char *text = read_text(p);
		_cleanup_free_ char *probe = xstrdup(names[i]);

		if (!text)
			continue;
		*strstr(probe, ".txt") = '\0';
		test_machine(p, probe, text, &tl);
		corpus_add(p, text);
	}
	strv_free(names);
	printf("real machines: %d/%d predicted exactly (%d known misses)\n", tl.exact, tl.machines,
	       tl.known);
	EXPECT(tl.machines >= 4, "expected the corpus, found %d machines", tl.machines);
}

/* ---------------------------------------------------------------------------------------------
 * Strictness
 */

/* A root port with ACS, a switch without ACS below it, two endpoints. */
static const char good[] =
	"00:00.0 Host bridge [0600]: Intel Corporation Device [8086:3e30] (rev 07)\n"
	"\tSubsystem: Dell Device [1028:0869]\n"
	"\tControl: I/O- Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR- "
	"FastB2B- DisINTx-\n"
	"\tCapabilities: [e0] Vendor Specific Information: Len=10 <?>\n"
	"\n"
	"00:01.0 PCI bridge [0604]: Intel Corporation 6th-10th Gen Core Processor PCIe Controller "
	"(x16) [8086:1901] (rev 07) (prog-if 00 [Normal decode])\n"
	"\tIOMMU group: 1\n"
	"\tBus: primary=00, secondary=01, subordinate=03, sec-latency=0\n"
	"\tBridgeCtl: Parity- SERR- NoISA- VGA+ VGA16+ MAbort- >Reset- FastB2B-\n"
	"\t\tPriDiscTmr- SecDiscTmr- DiscTmrStat- DiscTmrSERREn-\n"
	"\tCapabilities: [a0] Express (v2) Root Port (Slot+), MSI 00\n"
	"\t\tDevCap:\tMaxPayload 256 bytes, PhantFunc 0\n"
	"\tCapabilities: [100 v1] Virtual Channel\n"
	"\tCapabilities: [140 v1] Access Control Services\n"
	"\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- "
	"DirectTrans-\n"
	"\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- "
	"DirectTrans-\n"
	"\tKernel driver in use: pcieport\n"
	"\n"
	"01:00.0 PCI bridge [0604]: PLX Technology, Inc. PEX 8747 48-Lane PCI Express Gen 3 Switch "
	"[10b5:8747] (rev ca) (prog-if 00 [Normal decode])\n"
	"\tIOMMU group: 1\n"
	"\tBus: primary=01, secondary=02, subordinate=03, sec-latency=0\n"
	"\tCapabilities: [68] Express (v2) Upstream Port, MSI 00\n"
	"\n"
	"02:08.0 PCI bridge [0604]: PLX Technology, Inc. PEX 8747 [10b5:8747] (rev ca) (prog-if 00 "
	"[Normal decode])\n"
	"\tIOMMU group: 1\n"
	"\tBus: primary=02, secondary=03, subordinate=03, sec-latency=0\n"
	"\tCapabilities: [68] Express (v2) Downstream Port (Slot+), MSI 00\n"
	"\n"
	"03:00.0 VGA compatible controller [0300]: NVIDIA Corporation GP104 [GeForce GTX 1070] "
	"[10de:1b81] (rev a1) (prog-if 00 [VGA controller])\n"
	"\tSubsystem: eVga.com. Corp. Device [3842:6276]\n"
	"\tIOMMU group: 1\n"
	"\tCapabilities: [68] Express (v2) Legacy Endpoint, MSI 00\n"
	"\tCapabilities: [100 v1] Virtual Channel\n"
	"\tKernel driver in use: nvidia\n"
	"\tKernel modules: nvidiafb, nouveau, nvidia_drm, nvidia\n"
	"\n"
	"03:00.1 Audio device [0403]: NVIDIA Corporation GP104 High Definition Audio Controller "
	"[10de:10f0] (rev a1)\n"
	"\tIOMMU group: 1\n"
	"\tCapabilities: [68] Express (v2) Endpoint, MSI 00\n"
	"\n";

static void test_good(void)
{
	struct topo *t = NULL, *t2 = NULL;
	struct lspci_info info;
	struct topo_dev *d;
	char *variant;

	EXPECT(parse(good, &t, &info) == 0, "good:%u: %s", info.line, info.why);
	if (!t)
		return;
	EXPECT(t->n == 6 && info.groups && info.extended && !info.amd_iommu, "good: info");
	d = topo_find(t, "0000:03:00.0");
	EXPECT(d && d->parent && streq(d->parent->addr, "0000:02:08.0") && d->parent->parent &&
		       streq(d->parent->parent->addr, "0000:01:00.0"),
	       "good: parents");
	EXPECT(d && d->multifunction && d->pcie_type == PCIE_LEGACY_ENDPOINT && d->cfg_extended &&
		       !d->acs_cap_offset && d->vendor == 0x10de && d->device == 0x1b81 &&
		       d->class == 0x030000 && d->revision == 0xa1 && d->subsys_vendor == 0x3842 &&
		       streq(d->driver, "nvidia") && d->iommu_group == 1,
	       "good: 03:00.0 fields");
	d = topo_find(t, "0000:00:01.0");
	EXPECT(d && d->header_type == 1 && d->secondary_bus == 1 && d->subordinate_bus == 3 &&
		       d->pcie_type == PCIE_ROOT_PORT && d->acs_cap_offset == 0x140 &&
		       d->acs_cap == (ACS_SV | ACS_TB | ACS_RR | ACS_CR | ACS_UF) &&
		       d->acs_ctrl == ACS_REQ && !d->parent && !d->multifunction,
	       "good: root port fields");
	d = topo_find(t, "0000:00:00.0");
	EXPECT(d && d->pcie_type == PCIE_NONE && d->cfg_size == 256 && d->class == 0x060000,
	       "good: host bridge");

	/* the same with -D, CRLF line ends, spaces for tabs: the same devices */
	variant = xstrdup("");
	for (const char *p = good; *p; p++) {
		char *n;

		if (p == good || p[-1] == '\n')
			n = xasprintf("%s%s", variant, isxdigit((unsigned char)*p) ? "0000:" : "");
		else
			n = xstrdup(variant);
		free(variant);
		variant = xasprintf("%s%s", n,
				    *p == '\n'	 ? "\r\n"
				    : *p == '\t' ? "        "
						 : (char[]){ *p, 0 });
		free(n);
	}
	EXPECT(parse(variant, &t2, &info) == 0, "variant:%u: %s", info.line, info.why);
	if (t2) {
		EXPECT(t2->n == t->n, "variant: %zu devices", t2->n);
		for (size_t i = 0; i < t->n && i < t2->n; i++)
			EXPECT(streq(t->devs[i].addr, t2->devs[i].addr) &&
				       t->devs[i].pcie_type == t2->devs[i].pcie_type &&
				       t->devs[i].acs_ctrl == t2->devs[i].acs_ctrl &&
				       (t->devs[i].parent == NULL) ==
					       (t2->devs[i].parent == NULL) &&
				       t->devs[i].iommu_group == t2->devs[i].iommu_group,
			       "variant: %s", t->devs[i].addr);
		topo_free(t2);
	}
	free(variant);
	topo_free(t);
}

/* Each text must be refused at line `line`, with why containing `why`. */
static void expect_bad(const char *name, const char *text, unsigned line, const char *why)
{
	struct topo *t = NULL;
	struct lspci_info info;
	int r = parse(text, &t, &info);

	EXPECT(r == -EINVAL && info.line == line && strstr(info.why, why),
	       "%s: got %d at line %u (%s), want line %u (%s)", name, r, info.line, info.why, line,
	       why);
	if (t)
		topo_free(t);
}

static void test_bad(void)
{
	static const char hdr[] =
		"00:1c.0 PCI bridge [0604]: Intel Corporation Device [8086:a110]\n";
	char *s;

	expect_bad("empty", "", 1, "no devices");
	expect_bad("blank", "\n\n", 2, "no devices");
	expect_bad("prompt", "$ sudo lspci -vvnn\n", 1, "not a device line");
	expect_bad("no class", "00:1c.0 PCI bridge: Intel Corporation Device [8086:a110]\n", 1,
		   "class");
	expect_bad("lspci -vv", "00:1c.0 PCI bridge: Intel Corporation Device\n", 1, "class");
	expect_bad("no ids", "00:1c.0 PCI bridge [0604]: Intel Corporation Device [8086:a1\n", 1,
		   "IDs");
	expect_bad("tail", "00:1c.0 PCI bridge [0604]: Intel Corporation Device [8086:a110] (re\n",
		   1, "after the device's IDs");
	expect_bad("no newline", "00:1c.0 PCI bridge [0604]: Intel Corporation Device [8086:a110]",
		   1, "ends inside");
	s = xasprintf("%s\tIOMMU group: 7\n\tBus: primary=00, secondary=01, subor", hdr);
	expect_bad("truncated", s, 3, "ends inside");
	free(s);
	s = xasprintf("%s\tBus: primary=00, secondary=01, subordinate=01\n", hdr);
	expect_bad("bus", s, 2, "Bus:");
	free(s);
	s = xasprintf("%s\tIOMMU group: x\n", hdr);
	expect_bad("group", s, 2, "IOMMU group");
	free(s);
	s = xasprintf("%s\tCapabilities: [40] Express (v2) Root Prt (Slot+), MSI 00\n", hdr);
	expect_bad("express", s, 2, "port type");
	free(s);
	/* pciutils 3.13 prints the interrupt message number in decimal, 0 to 31 */
	s = xasprintf("%s\tCapabilities: [40] Express (v2) Root Port (Slot+), IntMsgNum 0x\n", hdr);
	expect_bad("intmsgnum", s, 2, "capability line");
	free(s);
	s = xasprintf("%s\tCapabilities: [40] Express (v2) Root Port (Slot+), IntMsgNum 32\n", hdr);
	expect_bad("intmsgnum range", s, 2, "capability line");
	free(s);
	s = xasprintf("%s\tCapabilities: [220 v1] Access Control Services\n\n%s", hdr, hdr);
	expect_bad("acs lines missing", s, 2, "ACSCap");
	free(s);
	s = xasprintf("%s\tCapabilities: [220 v1] Access Control Services\n"
		      "\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+\n",
		      hdr);
	expect_bad("acs bits", s, 3, "ACS bits");
	free(s);
	s = xasprintf("%s\t\tACSCtl:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ "
		      "EgressCtrl- DirectTrans-\n",
		      hdr);
	expect_bad("acs outside", s, 2, "outside");
	free(s);
	s = xasprintf("%s\tFrobnicator: on\n", hdr);
	expect_bad("unknown line", s, 2, "not a line lspci");
	free(s);
	s = xasprintf("%s\n\tIOMMU group: 3\n", hdr);
	expect_bad("indent after blank", s, 3, "outside a device");
	free(s);
	s = xasprintf("%s\n%s", hdr, hdr);
	expect_bad("twice", s, 3, "listed twice");
	free(s);
	s = xasprintf("%s\tIOMMU group: 3\x1b[2J\n", hdr);
	expect_bad("control byte", s, 2, "control byte");
	free(s);
	{
		static const char nul[] = "00:1c.0 PCI bridge [0604]: Intel\0 [8086:a110]\n";
		struct topo *t = NULL;
		struct lspci_info info;

		EXPECT(lspci_parse(nul, sizeof(nul) - 1, &t, &info) == -EINVAL && info.line == 1 &&
			       strstr(info.why, "NUL"),
		       "nul: %s", info.why);
	}
	s = xasprintf("%s\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n\n"
		      "00:1d.0 PCI bridge [0604]: Intel Corporation Device [8086:a118]\n"
		      "\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n",
		      hdr);
	expect_bad("two parents", s, 5, "both have secondary bus 01");
	free(s);
}

/* lspci's stderr in the text (hw-probe): whole lines, or cut into a line of stdout. */
static void test_stderr(void)
{
	static const char text[] =
		"lspci: Unable to load libkmod resources: error -2\n"
		"00:08.2 PCI bridge [0604]: Advanced Micro Devices, Inc. [AMD] Device [1022:14eb] "
		"(prog-if 00 [Normal decode])\n"
		"\tIOMMU group: 4\n"
		"\tBus: primary=00, secondary=c2, subordinate=c2, sec-latency=0\n"
		"\tI/O behind bridge: pcilib: Error reading /sys/bus/pci/devices/0000:00:08.3/label: "
		"Operation not permitted\n"
		"[disabled] [32-bit]\n"
		"\tMemory behind bridge: 90900000-909fffff [size=1M] [32-bit]\n"
		"\tBus: primary=00, secondary=c2, subordinate=c2, sec-latency=0\n";
	struct topo *t = NULL;
	struct lspci_info info;

	/* the second Bus: line is the error: its number counts the joined lines */
	EXPECT(parse(text, &t, &info) == -EINVAL && info.line == 8 && strstr(info.why, "Bus:"),
	       "stderr: %d at line %u: %s", t ? 0 : -1, info.line, info.why);
	if (t)
		topo_free(t);
	EXPECT(lspci_parse(text, strlen(text) - 62, &t, &info) == 0, "stderr:%u: %s", info.line,
	       info.why);
	EXPECT(t && t->n == 1 && t->devs[0].iommu_group == 4, "stderr: the device");
	if (t)
		topo_free(t);
}

/* The PCI Express line of pciutils 3.13 ("IntMsgNum N") reads like the older "MSI NN". */
static void test_intmsgnum(void)
{
	static const char text[] =
		"00:1c.0 PCI bridge [0604]: Intel Corporation Device [8086:a110] (rev f1)\n"
		"\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
		"\tCapabilities: [40] Express (v2) Root Port (Slot+), IntMsgNum 12\n"
		"\n"
		"01:00.0 Ethernet controller [0200]: Intel Corporation I210 [8086:1533] (rev 03)\n"
		"\tCapabilities: [a0] Express (v2) Endpoint, IntMsgNum 0\n"
		"\n";
	struct topo *t = NULL;
	struct lspci_info info;

	EXPECT(parse(text, &t, &info) == 0, "intmsgnum:%u: %s", info.line, info.why);
	EXPECT(t && t->n == 2 && t->devs[0].pcie_type == PCIE_ROOT_PORT &&
		       t->devs[0].pcie_cap == 0x40 && t->devs[1].pcie_type == PCIE_ENDPOINT,
	       "intmsgnum: the port types");
	if (t)
		topo_free(t);
}

/*
 * VMD: the devices of domain 10000 join the VMD endpoint's group (pci_real_dma_dev());
 * with two VMD endpoints, which domain is whose is a guess: uncertain.
 */
static void test_vmd(void)
{
	static const char one[] =
		"0000:00:0e.0 RAID bus controller [0104]: Intel Corporation Volume Management "
		"Device NVMe RAID Controller [8086:467f]\n"
		"\tCapabilities: [90] Express (v2) Root Complex Integrated Endpoint, MSI 00\n"
		"\n"
		"10000:e0:06.0 PCI bridge [0604]: Intel Corporation Device [8086:464d] (rev 02)\n"
		"\tBus: primary=00, secondary=e1, subordinate=e1, sec-latency=0\n"
		"\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
		"\tCapabilities: [220 v1] Access Control Services\n"
		"\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- "
		"DirectTrans-\n"
		"\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- "
		"DirectTrans-\n"
		"\n"
		"10000:e1:00.0 Non-Volatile memory controller [0108]: Samsung Device [144d:a80a]\n"
		"\tCapabilities: [70] Express (v2) Endpoint, MSI 00\n"
		"\n";
	_cleanup_free_ char *two =
		xasprintf("%s0000:00:0f.0 RAID bus controller [0104]: Intel Corporation Device "
			  "[8086:467f]\n\n",
			  one);
	const char *texts[] = { one, two };

	for (size_t k = 0; k < ARRAY_SIZE(texts); k++) {
		struct topo *t = NULL;
		struct group_set *s = NULL;
		struct lspci_info info;
		_cleanup_free_ char *p = NULL;

		EXPECT(parse(texts[k], &t, &info) == 0, "vmd %zu:%u: %s", k, info.line, info.why);
		if (!t)
			continue;
		EXPECT(groups_predict(t, 0, &s) == 0, "vmd %zu: predict", k);
		if (s) {
			p = partition(s);
			EXPECT(strstr(p, "0000:00:0e.0 10000:e0:06.0 10000:e1:00.0") != NULL,
			       "vmd %zu: the VMD domain joins 00:0e.0: %s", k, p);
			for (size_t i = 0; i < s->n_groups; i++)
				if (s->groups[i].n_devs == 3)
					EXPECT(s->groups[i].uncertain == (k == 1),
					       "vmd %zu: uncertain only with two VMD endpoints", k);
		}
		group_set_free(s);
		topo_free(t);
	}
}

/* lspci without root, and a dump without extended capabilities: uncertain, and why. */
static void test_unknown_acs(void)
{
	static const char nonroot[] =
		"00:1c.0 PCI bridge [0604]: Intel Corporation Device [8086:a110] (rev f1) (prog-if "
		"00 [Normal decode])\n"
		"\tControl: I/O+ Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- "
		"SERR- FastB2B- DisINTx+\n"
		"\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
		"\tCapabilities: <access denied>\n"
		"\tKernel driver in use: pcieport\n"
		"\n"
		"01:00.0 Ethernet controller [0200]: Intel Corporation I210 [8086:1533] (rev 03)\n"
		"\tCapabilities: <access denied>\n"
		"\n";
	static const char noext[] =
		"00:1c.0 PCI bridge [0604]: Intel Corporation Device [8086:a110] (rev f1)\n"
		"\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
		"\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00\n"
		"\n"
		"01:00.0 Ethernet controller [0200]: Intel Corporation I210 [8086:1533] (rev 03)\n"
		"\tCapabilities: [a0] Express (v2) Endpoint, MSI 00\n"
		"\n";
	const char *texts[] = { nonroot, noext };

	for (size_t k = 0; k < ARRAY_SIZE(texts); k++) {
		struct topo *t = NULL;
		struct group_set *s = NULL;
		struct lspci_info info;
		bool found = false;

		EXPECT(parse(texts[k], &t, &info) == 0, "unknown %zu:%u: %s", k, info.line,
		       info.why);
		if (!t)
			continue;
		EXPECT(!info.extended && info.access_denied == (k == 0 ? 2 : 0),
		       "unknown %zu: info", k);
		EXPECT(groups_predict(t, 0, &s) == 0, "predict");
		for (size_t i = 0; s && i < s->n_groups; i++) {
			const struct group *g = &s->groups[i];

			if (!g->n_devs || !streq(g->devs[g->n_devs - 1]->addr, "0000:01:00.0"))
				continue;
			EXPECT(g->uncertain, "unknown %zu: the endpoint's group is uncertain", k);
			for (size_t u = 0; u < g->n_unknown; u++)
				found |= streq(g->unknown[u].dev->addr, "0000:00:1c.0") &&
					 g->unknown[u].what == (k == 0 ? GROUP_UNKNOWN_PCIE_TYPE
								       : GROUP_UNKNOWN_ACS);
		}
		EXPECT(found, "unknown %zu: the root port's unknown ACS is named", k);
		group_set_free(s);
		topo_free(t);
	}
}

/* SR-IOV: the VFs the PF's counts place are linked to it (and never multifunction). */
static void test_vfs(void)
{
	static const char text[] =
		"00:01.0 PCI bridge [0604]: Intel Corporation Device [8086:1901]\n"
		"\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"
		"\tCapabilities: [a0] Express (v2) Root Port (Slot+), MSI 00\n"
		"\tCapabilities: [140 v1] Access Control Services\n"
		"\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- "
		"DirectTrans-\n"
		"\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- "
		"DirectTrans-\n"
		"\n"
		"01:00.0 Ethernet controller [0200]: Intel Corporation I350 [8086:1521] (rev 01)\n"
		"\tCapabilities: [a0] Express (v2) Endpoint, MSI 00\n"
		"\tCapabilities: [160 v1] Single Root I/O Virtualization (SR-IOV)\n"
		"\t\tIOVCap:\tMigration- 10BitTagReq- Interrupt Message Number: 000\n"
		"\t\tIOVCtl:\tEnable+ Migration- Interrupt- MSE+ ARIHierarchy+ 10BitTagReq-\n"
		"\t\tIOVSta:\tMigration-\n"
		"\t\tInitial VFs: 8, Total VFs: 8, Number of VFs: 2, Function Dependency Link: 00\n"
		"\t\tVF offset: 128, stride: 4, Device ID: 1520\n"
		"\n"
		"01:00.1 Ethernet controller [0200]: Intel Corporation I350 [8086:1521] (rev 01)\n"
		"\tCapabilities: [a0] Express (v2) Endpoint, MSI 00\n"
		"\n"
		"01:10.0 Ethernet controller [0200]: Intel Corporation I350 VF [8086:1520] (rev 01)\n"
		"\tCapabilities: [a0] Express (v2) Endpoint, MSI 00\n"
		"\n"
		"01:10.4 Ethernet controller [0200]: Intel Corporation I350 VF [8086:1520] (rev 01)\n"
		"\tCapabilities: [a0] Express (v2) Endpoint, MSI 00\n"
		"\n";
	struct topo *t = NULL;
	struct lspci_info info;
	struct topo_dev *vf;

	EXPECT(parse(text, &t, &info) == 0, "vfs:%u: %s", info.line, info.why);
	if (!t)
		return;
	vf = topo_find(t, "0000:01:10.4");
	EXPECT(vf && vf->physfn && streq(vf->physfn->addr, "0000:01:00.0") && vf->vf_index == 1 &&
		       vf->parent && streq(vf->parent->addr, "0000:00:01.0"),
	       "vfs: 01:10.4 is VF 1 of 01:00.0");
	vf = topo_find(t, "0000:01:10.0");
	EXPECT(vf && vf->physfn && vf->vf_index == 0 && !vf->multifunction, "vfs: 01:10.0");
	EXPECT(t->devs[1].sriov_pf && t->devs[1].sriov_totalvfs == 8 &&
		       t->devs[1].sriov_numvfs == 2,
	       "vfs: PF counts");
	topo_free(t);
}

/* ---------------------------------------------------------------------------------------------
 * Fuzz
 */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
	/* xorshift64: deterministic across runs and libcs */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (unsigned)(rng_state % n) : 0;
}

/* Offsets of line starts in text; n lines. */
static size_t *line_starts(const char *text, size_t *n)
{
	size_t cap = 64, *v = xmalloc(cap * sizeof(*v));

	*n = 0;
	for (const char *p = text; *p; p++)
		if (p == text || p[-1] == '\n') {
			if (*n == cap)
				v = xrealloc(v, (cap *= 2) * sizeof(*v));
			v[(*n)++] = (size_t)(p - text);
		}
	return v;
}

/* One mutation of text (malloc'd); *cut: cut inside a line (must be refused). */
static char *mutate(const char *text, bool *cut, const char **what)
{
	static const char *const garbage[] = {
		"\tCapabilities: [zz] Express\n",
		"\t\tACSCtl:\tSrcValid+\n",
		"\tBus: primary=00, secondary=ff, subordinate=00, sec-latency=0\n",
		"\tIOMMU group: 99999999\n",
		"ff:1f.7 Host bridge [0600]: Intel Corporation Device [8086:ffff]\n",
		"\tCapabilities: [100 v1] Access Control Services\n",
		"\tCapabilities: [60] Express (v2) Upstream Port, MSI 00\n",
		"\tBus: primary=00, secondary=00, subordinate=00, sec-latency=0\n",
		"\tCapabilities: <access denied>\n",
		"\t!!! Unknown header type 7f\n",
		"\n",
		"\t\tVF offset: 1, stride: 1, Device ID: 1520\n",
	};
	size_t len = strlen(text), nl, a, b, *ls = line_starts(text, &nl);
	char *out;

	*cut = false;
	a = ls[rnd((unsigned)nl)];
	b = ls[rnd((unsigned)nl)];
	switch (rnd(8)) {
	case 0: { /* truncate */
		size_t at = rnd((unsigned)len);

		out = xasprintf("%.*s", (int)at, text);
		*cut = at > 0 && text[at - 1] != '\n';
		*what = "truncate";
		break;
	}
	case 1: { /* drop a line */
		const char *e = strchr(text + a, '\n');
		size_t end = e ? (size_t)(e - text) + 1 : len;

		out = xasprintf("%.*s%s", (int)a, text, text + end);
		*what = "drop line";
		break;
	}
	case 2: { /* double a line */
		const char *e = strchr(text + a, '\n');
		size_t end = e ? (size_t)(e - text) + 1 : len;

		out = xasprintf("%.*s%.*s", (int)end, text, (int)(len - a), text + a);
		*what = "double line";
		break;
	}
	case 3: { /* change a byte */
		static const char bytes[] = "\t\n :[]+-0fgzZ\x01\x7f\xff";

		out = xstrdup(text);
		if (len)
			out[rnd((unsigned)len)] = bytes[rnd(sizeof(bytes) - 1)];
		*what = "change byte";
		break;
	}
	case 4: { /* move a line elsewhere */
		const char *e = strchr(text + a, '\n');
		size_t end = e ? (size_t)(e - text) + 1 : len;
		_cleanup_free_ char *rest = xasprintf("%.*s%s", (int)a, text, text + end);
		size_t at = b < strlen(rest) ? b : strlen(rest);

		at = at ? (strchr(rest + at - 1, '\n')
				   ? (size_t)(strchr(rest + at - 1, '\n') - rest) + 1
				   : strlen(rest))
			: 0;
		out = xasprintf("%.*s%.*s%s", (int)at, rest, (int)(end - a), text + a, rest + at);
		*what = "move line";
		break;
	}
	case 5: /* insert a plausible wrong line */
		out = xasprintf("%.*s%s%s", (int)a, text, garbage[rnd(ARRAY_SIZE(garbage))],
				text + a);
		*what = "insert line";
		break;
	case 6: { /* a hex digit of a number changed */
		out = xstrdup(text);
		for (int tries = 0; tries < 64 && len; tries++) {
			size_t at = rnd((unsigned)len);

			if (isxdigit((unsigned char)out[at])) {
				out[at] = "0123456789abcdef"[rnd(16)];
				break;
			}
		}
		*what = "change digit";
		break;
	}
	default: { /* indentation changed */
		out = xstrdup(text);
		if (out[a] == '\t')
			memmove(out + a, out + a + 1, len - a);
		else {
			free(out);
			out = xasprintf("%.*s\t%s", (int)a, text, text + a);
		}
		*what = "indent";
		break;
	}
	}
	free(ls);
	return out;
}

static void test_fuzz(void)
{
	unsigned per = getenv("VFIOCTL_FUZZ_MUTATIONS")
			       ? (unsigned)atoi(getenv("VFIOCTL_FUZZ_MUTATIONS"))
			       : 200;
	size_t accepted = 0, refused = 0;

	for (size_t k = 0; k < n_corpus; k++)
		for (unsigned m = 0; m < per; m++) {
			const char *what = "";
			bool cut;
			_cleanup_free_ char *text = mutate(corpus_texts[k], &cut, &what);
			struct topo *t = NULL;
			struct lspci_info info;
			int r = lspci_parse(text, strlen(text), &t, &info);

			if (r == 0) {
				struct group_set *s = NULL;

				accepted++;
				EXPECT(!cut, "%s: mutation %u (%s) cut a line but was accepted",
				       corpus_names[k], m, what);
				EXPECT(groups_predict(t, info.amd_iommu ? GROUPS_AMD_IVRS : 0,
						      &s) == 0,
				       "fuzz predict");
				for (size_t i = 0; s && i < s->n_groups; i++)
					json_decref(group_explain(s, &s->groups[i]));
				if (s)
					group_set_free(s);
				topo_free(t);
				continue;
			}
			refused++;
			EXPECT(r == -EINVAL && info.line >= 1 && info.line <= info.lines + 1 &&
				       info.why[0] && !t,
			       "%s: mutation %u (%s): %d at line %u of %zu", corpus_names[k], m,
			       what, r, info.line, info.lines);
		}
	printf("fuzz: %zu mutated texts accepted, %zu refused with a line number\n", accepted,
	       refused);
}

int main(int argc, char *argv[])
{
	verbose = argc > 1 && streq(argv[1], "-v");
	test_good();
	test_bad();
	test_intmsgnum();
	test_vmd();
	test_stderr();
	test_unknown_acs();
	test_vfs();
	test_corpus();
	test_fuzz();
	strv_free(corpus_texts);
	strv_free(corpus_names);
	return unit_report("test-lspci");
}
