// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The text of `lspci -vvnn` as a struct topo (lspci.h).
 *
 * The formats are those pciutils prints (lspci.c, ls-caps.c, ls-ecaps.c of
 * 3.6 to 3.14). Strict where the model reads: a device header, the Bus:,
 * IOMMU group:, Subsystem: and driver lines, the PCI Express and the extended
 * capability headers, ACSCap/ACSCtl and the SR-IOV counts must parse whole, and
 * every first-level line must be one lspci prints. Capability detail lines
 * (two tabs) vary too much between versions to check and are skipped.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>

#include "lspci.h"
#include "util.h"

/* One device block, with what the text says beyond struct topo_dev. */
struct pdev {
	struct topo_dev d;
	unsigned line; /* its header line */
	unsigned bus_line; /* its Bus: line, 0: none */
	bool access_denied, unreadable, ext, express;
	int vf_offset, vf_stride, numvfs; /* -1: not in the text */
	bool vf_enable;
	size_t order; /* position in the text, for messages */
};

enum in_cap {
	IN_NONE,
	IN_ACS,
	IN_SRIOV,
	IN_OTHER
};

struct parser {
	struct lspci_info *info;
	struct pdev *devs;
	size_t n, cap;
	struct pdev *cur; /* the block being read; NULL before the first and after a blank line */
	enum in_cap in; /* the capability whose detail lines follow */
	unsigned acs_line; /* the open ACS capability's line */
	bool acs_cap_seen, acs_ctl_seen;
	unsigned lineno;
};

_printf_(3, 4) static int fail(struct parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->info->why, sizeof(p->info->why), fmt, ap);
	va_end(ap);
	p->info->line = line;
	return -EINVAL;
}

/* Exactly n hex digits at s. */
static bool hexn(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return false;
		v = v * 16 + (unsigned)(isdigit((unsigned char)s[i])
						? s[i] - '0'
						: tolower((unsigned char)s[i]) - 'a' + 10);
	}
	*out = v;
	return true;
}

/* Decimal digits at *s (at most 9), advancing *s. */
static bool decimal(const char **s, int *out)
{
	const char *p = *s;
	int v = 0;

	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		if (p - *s >= 9)
			return false;
		v = v * 10 + (*p - '0');
	}
	*s = p;
	*out = v;
	return true;
}

/* *s starts with lit: skip it. */
static bool lit(const char **s, const char *l)
{
	size_t n = strlen(l);

	if (strncmp(*s, l, n))
		return false;
	*s += n;
	return true;
}

/* "[vvvv:dddd]" at s. */
static bool ids_at(const char *s, unsigned *v, unsigned *d)
{
	return s[0] == '[' && hexn(s + 1, 4, v) && s[5] == ':' && hexn(s + 6, 4, d) && s[10] == ']';
}

/* The last " [vvvv:dddd]" of names (names of devices may hold brackets themselves). */
static const char *last_ids(const char *names, unsigned *v, unsigned *d)
{
	const char *found = NULL;
	unsigned a, b;

	for (const char *q = strchr(names, '['); q; q = strchr(q + 1, '['))
		if ((q == names || q[-1] == ' ') && ids_at(q, &a, &b)) {
			found = q;
			*v = a;
			*d = b;
		}
	return found;
}

static void dev_init(struct pdev *x, unsigned line)
{
	struct topo_dev *d = &x->d;

	memset(x, 0, sizeof(*x));
	x->line = line;
	x->vf_offset = x->vf_stride = x->numvfs = -1;
	d->iommu_group = -1;
	d->revision = -1;
	d->numa_node = -1;
	d->boot_vga = -1;
	d->vf_index = -1;
	d->header_type = 0;
	d->secondary_bus = d->subordinate_bus = -1;
	d->pcie_type = PCIE_NONE;
	d->sriov_totalvfs = d->sriov_numvfs = d->sriov_autoprobe = -1;
}

/*
 * "BB:SS.F Class name [cccc]: Vendor Device [vvvv:dddd] (rev rr) (prog-if pp [name])",
 * the address with a domain (-D, or any device outside domain 0) or without.
 */
static int parse_header(struct parser *p, const char *line)
{
	const char *sp = strchr(line, ' '), *rest, *cls_end, *ids, *tail;
	unsigned cls, v, dv, rev = 0, progif = 0;
	char tok[16], addr[16];
	struct topo_dev *d;
	struct pdev *x;

	if (!sp || sp - line >= (ptrdiff_t)sizeof(tok))
		return fail(p, p->lineno, "not a device line of lspci -vvnn");
	memcpy(tok, line, (size_t)(sp - line));
	tok[sp - line] = '\0';
	if (pci_addr_parse(tok, addr, NULL) < 0)
		return fail(p, p->lineno,
			    "not a device line of lspci -vvnn: '%s' is no PCI address", tok);
	rest = sp + 1;
	cls_end = strstr(rest, "]: ");
	if (!cls_end || cls_end - rest < 5 || cls_end[-5] != '[' || !hexn(cls_end - 4, 4, &cls))
		return fail(p, p->lineno,
			    "no class number '[cccc]:' (the text of lspci -vvnn has names and "
			    "numbers)");
	ids = last_ids(cls_end + 3, &v, &dv);
	if (!ids)
		return fail(p, p->lineno,
			    "no '[vendor:device]' IDs (truncated, or not lspci -nn?)");
	tail = ids + 11;
	if (lit(&tail, " (rev ") && !(hexn(tail, 2, &rev) && tail[2] == ')' && (tail += 3)))
		return fail(p, p->lineno, "unreadable '(rev ...)'");
	if (lit(&tail, " (prog-if ")) {
		const char *close;

		if (!hexn(tail, 2, &progif))
			return fail(p, p->lineno, "unreadable '(prog-if ...)'");
		tail += 2;
		if (*tail == ')') {
			tail++;
		} else if (startswith(tail, " [") && (close = strrchr(tail, ']')) &&
			   close[1] == ')' && !close[2]) {
			tail = close + 2;
		} else {
			return fail(p, p->lineno, "unreadable '(prog-if ...)'");
		}
	}
	if (*tail)
		return fail(p, p->lineno, "unexpected text after the device's IDs");

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->devs = xrealloc(p->devs, p->cap * sizeof(*p->devs));
	}
	x = &p->devs[p->n];
	dev_init(x, p->lineno);
	x->order = p->n++;
	d = &x->d;
	memcpy(d->addr, addr, sizeof(d->addr));
	sscanf(addr, "%x:%x:%x.%x", &d->domain, &d->bus, &d->slot, &d->func);
	d->vendor = (uint16_t)v;
	d->device = (uint16_t)dv;
	d->class = cls << 8 | progif;
	d->revision = (int)rev;
	/* what lspci reads is there: only a Subsystem: line names those IDs */
	d->unknown = TOPO_UNKNOWN_SUBSYS_VENDOR | TOPO_UNKNOWN_SUBSYS_DEVICE;
	d->cfg_read = true;
	p->cur = x;
	p->in = IN_NONE;
	return 0;
}

/* The open ACS capability got both of its lines (lspci -vv prints them together). */
static int close_acs(struct parser *p)
{
	if (p->in == IN_ACS && !(p->acs_cap_seen && p->acs_ctl_seen))
		return fail(p, p->acs_line,
			    "Access Control Services without its ACSCap: and ACSCtl: lines "
			    "(truncated, or lspci -v instead of -vv?)");
	p->in = IN_NONE;
	return 0;
}

static int parse_express(struct parser *p, const char *s, unsigned off)
{
	static const struct {
		const char *text;
		int type;
		bool slot; /* "(Slot+)" or "(Slot-)" follows */
	} types[] = {
		/* longest first: "Root Complex Integrated Endpoint" before "Endpoint" */
		{ "Root Complex Integrated Endpoint", PCIE_RC_ENDPOINT, false },
		{ "Root Complex Event Collector", PCIE_RC_EVENT_COLLECTOR, false },
		{ "Legacy Endpoint", PCIE_LEGACY_ENDPOINT, false },
		{ "Endpoint", PCIE_ENDPOINT, false },
		{ "Root Port ", PCIE_ROOT_PORT, true },
		{ "Upstream Port", PCIE_UPSTREAM, false },
		{ "Downstream Port ", PCIE_DOWNSTREAM, true },
		{ "PCI-Express to PCI/PCI-X Bridge", PCIE_PCIE_TO_PCI, false },
		{ "PCI/PCI-X to PCI-Express Bridge ", PCIE_PCI_TO_PCIE, true },
		{ "PCI/PCI-X to PCI-Express Bridge", PCIE_PCI_TO_PCIE, false },
	};
	struct topo_dev *d = &p->cur->d;
	unsigned irq;
	int ver, type = -1;

	if (lit(&s, "(v") && !(decimal(&s, &ver) && lit(&s, ") ")))
		return fail(p, p->lineno, "unreadable PCI Express capability version");
	for (size_t i = 0; i < ARRAY_SIZE(types) && type < 0; i++)
		if (lit(&s, types[i].text)) {
			type = types[i].type;
			if (types[i].slot && !lit(&s, "(Slot+)") && !lit(&s, "(Slot-)"))
				return fail(p, p->lineno, "unreadable PCI Express port type");
		}
	if (type < 0 && lit(&s, "Unknown type ") && !decimal(&s, &type))
		type = -1;
	if (type < 0 || type > 15)
		return fail(p, p->lineno, "unknown PCI Express port type");
	/* "MSI 00" up to pciutils 3.12, "IntMsgNum 0" (decimal) from 3.13 on */
	if (lit(&s, ", IntMsgNum ")) {
		int num;

		if (!decimal(&s, &num) || *s || num > 31)
			return fail(p, p->lineno, "unreadable PCI Express capability line");
	} else if (!lit(&s, ", MSI ") || !hexn(s, 2, &irq) || s[2]) {
		return fail(p, p->lineno, "unreadable PCI Express capability line");
	}
	if (p->cur->express)
		return fail(p, p->lineno, "a second PCI Express capability");
	p->cur->express = true;
	d->pcie_type = type;
	d->pcie_cap = (int)off;
	return 0;
}

/* "Capabilities: [off] Name", "[off vN] Name" (extended), "<access denied>". */
static int parse_capability(struct parser *p, const char *s)
{
	struct pdev *x = p->cur;
	struct topo_dev *d = &x->d;
	unsigned off = 0;
	size_t ndig = 0;
	int ver;
	int r;

	r = close_acs(p);
	if (r < 0)
		return r;
	p->in = IN_OTHER;
	if (streq(s, "<access denied>")) {
		x->access_denied = true;
		return 0;
	}
	if (!lit(&s, "["))
		return fail(p, p->lineno, "unreadable Capabilities line");
	while (ndig < 3 && isxdigit((unsigned char)s[ndig]))
		ndig++;
	if (ndig < 2 || !hexn(s, ndig, &off))
		return fail(p, p->lineno, "unreadable capability offset");
	s += ndig;
	if (lit(&s, " v") && !decimal(&s, &ver))
		return fail(p, p->lineno, "unreadable capability version");
	if (!lit(&s, "] ") || !*s)
		return fail(p, p->lineno, "unreadable Capabilities line");
	if (startswith(s, "<chain "))
		return 0; /* <chain looped>, <chain broken>: lspci stopped there too */
	if (off < 0x40 || (ndig == 3) != (off >= 0x100))
		return fail(p, p->lineno, "capability offset %x out of range", off);
	if (off < 0x100) {
		if (lit(&s, "Express "))
			return parse_express(p, s, off);
		return 0;
	}
	x->ext = true;
	p->info->extended = true;
	if (streq(s, "Access Control Services")) {
		if (d->acs_cap_offset)
			return fail(p, p->lineno, "a second Access Control Services capability");
		d->acs_cap_offset = (int)off;
		p->in = IN_ACS;
		p->acs_line = p->lineno;
		p->acs_cap_seen = p->acs_ctl_seen = false;
	} else if (streq(s, "Single Root I/O Virtualization (SR-IOV)")) {
		d->sriov_cap_offset = (int)off;
		d->sriov_pf = true;
		p->in = IN_SRIOV;
	} else if (streq(s, "Alternative Routing-ID Interpretation (ARI)")) {
		d->ari_cap_offset = (int)off;
	}
	return 0;
}

/* "SrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-" */
static int parse_acs_bits(struct parser *p, const char *s, uint16_t *out)
{
	static const struct {
		const char *name;
		uint16_t bit;
	} names[] = { { "SrcValid", ACS_SV },	{ "TransBlk", ACS_TB },	   { "ReqRedir", ACS_RR },
		      { "CmpltRedir", ACS_CR }, { "UpstreamFwd", ACS_UF }, { "EgressCtrl", ACS_EC },
		      { "DirectTrans", ACS_DT } };
	uint16_t v = 0;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!lit(&s, names[i].name) || (*s != '+' && *s != '-'))
			return fail(p, p->lineno, "unreadable ACS bits (expected %s+ or %s-)",
				    names[i].name, names[i].name);
		if (*s++ == '+')
			v |= names[i].bit;
	}
	if (*s)
		return fail(p, p->lineno, "unexpected text after the ACS bits");
	*out = v;
	return 0;
}

/* A capability's detail line (two tabs deep): only ACS and SR-IOV ones are read. */
static int parse_detail(struct parser *p, const char *s)
{
	struct pdev *x = p->cur;
	struct topo_dev *d = &x->d;
	int a, b, c;
	unsigned h;

	if (startswith(s, "ACSCap:") || startswith(s, "ACSCtl:")) {
		bool is_cap = s[4] == 'a';
		int r;

		if (p->in != IN_ACS)
			return fail(p, p->lineno,
				    "%.7s outside an Access Control Services capability", s);
		if (is_cap ? p->acs_cap_seen : p->acs_ctl_seen)
			return fail(p, p->lineno, "a second %.7s line", s);
		r = parse_acs_bits(p, s + 7, is_cap ? &d->acs_cap : &d->acs_ctrl);
		if (r < 0)
			return r;
		if (is_cap)
			p->acs_cap_seen = true;
		else
			p->acs_ctl_seen = true;
		return 0;
	}
	if (p->in != IN_SRIOV)
		return 0;
	if (lit(&s, "IOVCtl:")) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!lit(&s, "Enable") || (*s != '+' && *s != '-'))
			return fail(p, p->lineno, "unreadable IOVCtl: line");
		x->vf_enable = *s == '+';
	} else if (lit(&s, "Initial VFs: ")) {
		if (!(decimal(&s, &a) && lit(&s, ", Total VFs: ") && decimal(&s, &b) &&
		      lit(&s, ", Number of VFs: ") && decimal(&s, &c) &&
		      lit(&s, ", Function Dependency Link: ") && hexn(s, 2, &h) && !s[2]))
			return fail(p, p->lineno, "unreadable SR-IOV VF counts");
		d->sriov_totalvfs = b;
		x->numvfs = c;
	} else if (lit(&s, "VF offset: ")) {
		if (!(decimal(&s, &a) && lit(&s, ", stride: ") && decimal(&s, &b) &&
		      lit(&s, ", Device ID: ") && hexn(s, 4, &h) && !s[4]))
			return fail(p, p->lineno, "unreadable SR-IOV VF offset line");
		x->vf_offset = a;
		x->vf_stride = b;
	}
	return 0;
}

/* First-level lines lspci -v/-vv prints (lspci.c, ls-kernel.c); only some are read. */
static const char *const first_level[] = {
	"Subsystem: ",
	"DeviceName: ",
	"Physical Slot: ",
	"Device tree node: ",
	"Control: ",
	"Status: ",
	"Latency: ",
	"Interrupt: ",
	"BIST ",
	"NUMA node: ",
	"IOMMU group: ",
	"Region ",
	"Memory at ",
	"I/O ports at ",
	"Expansion ROM at ",
	"[virtual] ",
	"[enhanced] ",
	"Bus: ",
	"I/O behind bridge",
	"Memory behind bridge",
	"Prefetchable memory behind bridge",
	"Unknown resource behind bridge",
	"Secondary status: ",
	"BridgeCtl: ",
	"Memory window ",
	"I/O window ",
	"16-bit legacy interface ports at ",
	"<access denied to the rest>",
	"Capabilities: ",
	"Kernel driver in use: ",
	"Kernel modules: ",
	"Driver in use: ",
	"Flags: ",
	"!!! ",
};

static bool driver_name_ok(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

static int parse_first_level(struct parser *p, const char *s)
{
	struct pdev *x = p->cur;
	struct topo_dev *d = &x->d;
	const char *q = s;
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(first_level); i++)
		if (startswith(s, first_level[i]))
			break;
	if (i == ARRAY_SIZE(first_level))
		return fail(p, p->lineno, "not a line lspci -vv prints");
	if (lit(&q, "Capabilities: "))
		return parse_capability(p, q);
	r = close_acs(p);
	if (r < 0)
		return r;
	if (lit(&q, "IOMMU group: ")) {
		if (d->iommu_group >= 0 || !parse_group_id(q, &d->iommu_group))
			return fail(p, p->lineno, "unreadable IOMMU group number");
		p->info->groups = true;
	} else if (lit(&q, "Bus: ")) {
		unsigned pri, sec, sub;
		int lat;

		if (!(lit(&q, "primary=") && hexn(q, 2, &pri) && (q += 2) &&
		      lit(&q, ", secondary=") && hexn(q, 2, &sec) && (q += 2) &&
		      lit(&q, ", subordinate=") && hexn(q, 2, &sub) && (q += 2) &&
		      lit(&q, ", sec-latency=") && decimal(&q, &lat) && !*q) ||
		    x->bus_line)
			return fail(p, p->lineno, "unreadable Bus: line");
		x->bus_line = p->lineno;
		d->secondary_bus = (int)sec;
		d->subordinate_bus = (int)sub;
	} else if (lit(&q, "Subsystem: ")) {
		unsigned v, sd;
		const char *ids = last_ids(q, &v, &sd);

		if (!ids || ids[11])
			return fail(p, p->lineno, "no '[vendor:device]' subsystem IDs");
		d->subsys_vendor = (uint16_t)v;
		d->subsys_device = (uint16_t)sd;
		d->unknown &= ~(unsigned)(TOPO_UNKNOWN_SUBSYS_VENDOR | TOPO_UNKNOWN_SUBSYS_DEVICE);
	} else if (lit(&q, "Kernel driver in use: ")) {
		if (!driver_name_ok(q) || d->driver)
			return fail(p, p->lineno, "unreadable driver name");
		d->driver = xstrdup(q);
	} else if (lit(&q, "!!! Unknown header type ")) {
		/* config space read as all ones: a device in D3cold, or gone */
		x->unreadable = true;
	}
	return 0;
}

/* One line (no newline); len bytes, NULs refused before. */
static int parse_line(struct parser *p, char *line)
{
	size_t tabs = 0;
	char *s = line, *end = line + strlen(line);
	bool blank = true;

	if (end > line && end[-1] == '\r')
		*--end = '\0'; /* a copy from a CRLF system */
	for (char *q = line; q < end; q++) {
		if ((unsigned char)*q < 0x20 && *q != '\t')
			return fail(p, p->lineno, "control byte 0x%02x", (unsigned char)*q);
		if (*q == 0x7f)
			return fail(p, p->lineno, "control byte 0x7f");
		blank &= *q == ' ' || *q == '\t';
	}
	if (blank) {
		if (p->cur) {
			int r = close_acs(p);

			if (r < 0)
				return r;
		}
		p->cur = NULL;
		return 0;
	}
	if (*s != ' ' && *s != '\t') {
		int r = p->cur ? close_acs(p) : 0;

		return r < 0 ? r : parse_header(p, s);
	}
	if (!p->cur)
		return fail(p, p->lineno,
			    p->n ? "indented line outside a device (after a blank line)"
				 : "indented line before the first device");
	while (*s == '\t') {
		s++;
		tabs++;
	}
	/* pasted copies may have spaces for tabs: then the key says which level */
	if (tabs == 0 || *s == ' ') {
		while (*s == ' ' || *s == '\t')
			s++;
		for (size_t i = 0; i < ARRAY_SIZE(first_level); i++)
			if (startswith(s, first_level[i]))
				return parse_first_level(p, s);
		return parse_detail(p, s);
	}
	if (tabs == 1)
		return parse_first_level(p, s);
	return parse_detail(p, s);
}

static int cmp_pdev(const void *a, const void *b)
{
	return topo_dev_cmp(&((const struct pdev *)a)->d, &((const struct pdev *)b)->d);
}

/* What the block says about config space, as read_config() would have set it. */
static void config_view(struct parser *p, struct pdev *x)
{
	struct topo_dev *d = &x->d;

	if (x->bus_line)
		d->header_type = (d->class >> 8) == 0x0607 ? 2 : 1;
	if (x->unreadable) {
		d->cfg_read = false;
		d->cfg_size = 0;
		d->header_type = -1;
		p->info->unreadable++;
		return;
	}
	if (x->access_denied) {
		/* lspci without root: the 64-byte header only */
		d->cfg_size = 64;
		d->pcie_type = PCIE_NONE;
		d->pcie_cap = 0;
		p->info->access_denied++;
		return;
	}
	d->cfg_size = 256;
	if (!x->express)
		return;
	/*
	 * A root dump shows every extended capability, so a PCIe device without
	 * any has none the kernel could find; without one anywhere, ACS is unknown.
	 */
	if (p->info->extended) {
		d->cfg_extended = true;
		d->cfg_size = 4096;
	}
}

/* Parents from bus numbers: the bridge whose secondary bus a device is on. */
static int link_parents(struct parser *p, struct topo *t, struct pdev *xs)
{
	/* unconfigured bridges show secondary=00; buses grow downstream */
	for (size_t i = 0; i < t->n; i++)
		for (size_t j = i + 1; j < t->n; j++) {
			const struct topo_dev *a = &t->devs[i], *b = &t->devs[j];

			if (a->secondary_bus > (int)a->bus && a->domain == b->domain &&
			    a->secondary_bus == b->secondary_bus)
				return fail(p, xs[xs[i].order > xs[j].order ? i : j].bus_line,
					    "bridges %s and %s both have secondary bus %02x",
					    a->addr, b->addr, (unsigned)a->secondary_bus);
		}
	for (size_t i = 0; i < t->n; i++) {
		struct topo_dev *d = &t->devs[i];
		struct topo_dev *par = NULL;

		for (size_t j = 0; j < t->n; j++) {
			const struct topo_dev *b = &t->devs[j];

			if (b->domain == d->domain && b->secondary_bus == (int)d->bus &&
			    (int)b->bus < b->secondary_bus)
				par = &t->devs[j];
		}
		d->parent = par;
		if (!par)
			d->root_bus = xasprintf("pci%04x:%02x", d->domain, d->bus);
	}
	return 0;
}

/* VFs from the PFs' SR-IOV counts: routing ID = PF's + offset + i * stride. */
static void link_vfs(struct topo *t, struct pdev *xs)
{
	for (size_t i = 0; i < t->n; i++) {
		struct topo_dev *pf = &t->devs[i];
		const struct pdev *x = &xs[i];
		unsigned rid = pf->bus << 8 | pf->slot << 3 | pf->func;

		if (!pf->sriov_pf)
			continue;
		pf->sriov_numvfs = x->vf_enable ? (x->numvfs < 0 ? -1 : x->numvfs) : 0;
		if (!x->vf_enable || x->numvfs <= 0 || x->vf_offset <= 0 || x->vf_stride < 0)
			continue;
		for (int k = 0; k < x->numvfs; k++) {
			unsigned vrid =
				rid + (unsigned)x->vf_offset + (unsigned)k * (unsigned)x->vf_stride;
			char addr[16];
			struct topo_dev *vf;

			if (vrid > 0xffff)
				break;
			snprintf(addr, sizeof(addr), "%04x:%02x:%02x.%x", pf->domain, vrid >> 8,
				 (vrid >> 3) & 0x1f, vrid & 7);
			vf = topo_find(t, addr);
			if (!vf || vf == pf || vf->sriov_pf)
				continue;
			vf->physfn = pf;
			vf->vf_index = k;
			/* pci_upstream_bridge() of a VF is its PF's */
			vf->parent = pf->parent;
			free(vf->root_bus);
			vf->root_bus = pf->root_bus ? xstrdup(pf->root_bus) : NULL;
		}
	}
}

/* Header type bit 7 is not in the text: a function 0 with siblings has it set. */
static void set_multifunction(struct topo *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct topo_dev *x = &t->devs[i];

		if (x->physfn || x->func != 0)
			continue;
		for (size_t j = 0; j < t->n; j++) {
			const struct topo_dev *o = &t->devs[j];

			if (j != i && !o->physfn && o->domain == x->domain && o->bus == x->bus &&
			    o->slot == x->slot)
				x->multifunction = true;
		}
	}
}

static int build(struct parser *p, struct topo **out)
{
	struct topo *t;
	int r;

	if (!p->n)
		return fail(p, p->lineno ? p->lineno : 1,
			    "no devices: not the text of lspci -vvnn");
	qsort(p->devs, p->n, sizeof(*p->devs), cmp_pdev);
	for (size_t i = 1; i < p->n; i++)
		if (streq(p->devs[i].d.addr, p->devs[i - 1].d.addr)) {
			const struct pdev *later = p->devs[i].order > p->devs[i - 1].order
							   ? &p->devs[i]
							   : &p->devs[i - 1];

			return fail(p, later->line, "%s is listed twice", later->d.addr);
		}
	for (size_t i = 0; i < p->n; i++) {
		struct topo_dev *d = &p->devs[i].d;

		config_view(p, &p->devs[i]);
		if (d->vendor == 0x1022 && (d->class >> 8) == 0x0806)
			p->info->amd_iommu = true;
	}
	t = xcalloc(1, sizeof(*t));
	t->origin = TOPO_ORIGIN_LSPCI;
	t->n = p->n;
	t->devs = xcalloc(p->n, sizeof(*t->devs));
	for (size_t i = 0; i < p->n; i++)
		t->devs[i] = p->devs[i].d;
	for (size_t i = 0; i < p->n; i++)
		p->devs[i].d.driver = NULL; /* owned by t now */
	r = link_parents(p, t, p->devs);
	if (r < 0) {
		topo_free(t);
		return r;
	}
	link_vfs(t, p->devs);
	set_multifunction(t);
	*out = t;
	return 0;
}

int lspci_parse(const char *text, size_t len, struct topo **out, struct lspci_info *info)
{
	struct parser p = { .info = info };
	_cleanup_free_ char *copy = NULL;
	char *line, *nl;
	int r = 0;

	memset(info, 0, sizeof(*info));
	*out = NULL;
	if (memchr(text, '\0', len)) {
		const char *z = memchr(text, '\0', len);
		unsigned n = 1;

		for (const char *q = text; q < z; q++)
			n += *q == '\n';
		return fail(&p, n, "NUL byte: not a text file");
	}
	copy = xmalloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	for (line = copy; *line && r == 0; line = nl + 1) {
		_cleanup_free_ char *joined = NULL;
		char *msg;

		p.lineno++;
		nl = strchr(line, '\n');
		if (!nl) {
			r = fail(&p, p.lineno, "the text ends inside this line (truncated?)");
			break;
		}
		*nl = '\0';
		/*
		 * lspci's stderr copied along (hw-probe does): its warnings are whole
		 * lines, or cut into a line of stdout, whose rest follows on the next line.
		 */
		msg = startswith(line, "lspci: ") ? line : strstr(line, "pcilib: ");
		if (msg == line)
			continue;
		if (msg) {
			char *next = nl + 1, *nl2 = strchr(next, '\n');

			if (!nl2) {
				r = fail(&p, p.lineno,
					 "the text ends inside this line (truncated?)");
				break;
			}
			*nl2 = '\0';
			joined = xasprintf("%.*s%s", (int)(msg - line), line, next);
			nl = nl2;
			r = parse_line(&p, joined);
			p.lineno++;
			continue;
		}
		r = parse_line(&p, line);
	}
	if (r == 0 && p.cur)
		r = close_acs(&p);
	info->lines = p.lineno;
	if (r == 0)
		r = build(&p, out);
	for (size_t i = 0; i < p.n; i++)
		free(p.devs[i].d.driver);
	free(p.devs);
	return r;
}

int lspci_read(const char *path, char **text, size_t *len)
{
	_cleanup_close_ int fd = -1;
	size_t n = 0, cap = 0;
	char *buf = NULL;

	if (streq(path, "-")) {
		fd = dup(STDIN_FILENO);
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t k;

		if (n == cap) {
			if (cap >= LSPCI_MAX_BYTES) {
				free(buf);
				return -E2BIG;
			}
			cap = cap ? cap * 2 : 65536;
			buf = xrealloc(buf, cap + 1);
		}
		k = read(fd, buf + n, cap - n);
		if (k < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			free(buf);
			return -e;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (n > LSPCI_MAX_BYTES) {
		free(buf);
		return -E2BIG;
	}
	buf = xrealloc(buf, n + 1);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}
