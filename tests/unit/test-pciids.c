// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pciids answers exactly what libpci's pci_lookup_name() answers: every
 * vendor ID, every class, and every device ID that the installed pci.ids
 * names (plus its unnamed neighbour), then a small file with the corner
 * cases of the format (CRLF, trailing blanks, indented comments, upper-case
 * hex, a class without its subclass, a vendor with no devices).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pci/pci.h>

#include "pciids.h"
#include "unit.h"
#include "util.h"

/* never freed: pci_cleanup() wants pci_init(), which would read this host's bus */
static struct pci_access *libpci[4];
static size_t n_libpci;

static void __attribute__((noreturn)) libpci_error(char *msg, ...)
{
	fprintf(stderr, "libpci: %s\n", msg);
	exit(1);
}

static void libpci_quiet(char *msg _unused_, ...)
{
}

static struct pci_access *libpci_for(const char *path)
{
	struct pci_access *a = pci_alloc();

	/* pci_init() would set these */
	a->error = libpci_error;
	a->warning = a->debug = libpci_quiet;

	if (path)
		pci_set_name_list_path(a, xstrdup(path), 1);
	libpci[n_libpci++] = a;
	return a;
}

static int mismatches;

static void same(const char *what, unsigned x, unsigned y, const char *ours, const char *theirs)
{
	if (strcmp(ours, theirs) == 0)
		return;
	if (mismatches++ < 10)
		fprintf(stderr, "%s %04x:%04x: pciids \"%s\", libpci \"%s\"\n", what, x, y, ours,
			theirs);
}

static void compare_vendor(struct pciids *ids, struct pci_access *a, unsigned v)
{
	char b1[256], b2[256];

	same("vendor", v, 0, pciids_vendor_name(ids, b1, sizeof(b1), v),
	     pci_lookup_name(a, b2, sizeof(b2), PCI_LOOKUP_VENDOR | PCI_LOOKUP_NO_HWDB, v));
}

static void compare_device(struct pciids *ids, struct pci_access *a, unsigned v, unsigned d)
{
	char b1[256], b2[256];

	same("device", v, d, pciids_device_name(ids, b1, sizeof(b1), v, d),
	     pci_lookup_name(a, b2, sizeof(b2), PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_HWDB, v, d));
}

static void compare_class(struct pciids *ids, struct pci_access *a, unsigned c)
{
	char b1[256], b2[256];

	same("class", c >> 8, c & 0xff, pciids_class_name(ids, b1, sizeof(b1), c),
	     pci_lookup_name(a, b2, sizeof(b2), PCI_LOOKUP_CLASS | PCI_LOOKUP_NO_HWDB, c));
}

/* Every vendor and class, and the devices a plain reading of the file finds. */
static void compare_file(const char *path, size_t *n_devices)
{
	struct pci_access *a = libpci_for(path);
	struct pciids *ids = NULL;
	FILE *f;
	char line[1100];
	unsigned vendor = 0;
	bool in_vendor = false;

	CHECK(pciids_open(path, &ids) == 0);
	if (!ids)
		return;
	for (unsigned v = 0; v <= 0xffff; v++)
		compare_vendor(ids, a, v);
	for (unsigned c = 0; c <= 0xffff; c++)
		compare_class(ids, a, c);
	f = fopen(path, "r");
	if (!f && strlen(path) > 3) { /* "pci.ids.gz" may mean "pci.ids", as in libpci */
		_cleanup_free_ char *plain = xstrdup(path);

		plain[strlen(plain) - 3] = '\0';
		f = fopen(plain, "r");
	}
	CHECK(f != NULL);
	*n_devices = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned id;

		if (line[0] != '\t' && line[0] != '#' && line[0] != '\n') {
			in_vendor = line[1] != ' ' && sscanf(line, "%4x", &vendor) == 1;
		} else if (in_vendor && line[0] == '\t' && line[1] != '\t' &&
			   sscanf(line + 1, "%4x", &id) == 1) {
			compare_device(ids, a, vendor, id);
			compare_device(ids, a, vendor, (id + 1) & 0xffff);
			(*n_devices)++;
		}
	}
	if (f)
		fclose(f);
	pciids_close(ids);
}

static const char corner_cases[] =
	"# comment\n"
	"\n"
	"1234  Vendor with devices\r\n"
	"\t0001  Device one\r\n"
	"\t\t1234 0001  Subsystem (not a device)\n"
	"\t  # indented comment\n"
	"\t0002  Trailing tab\t\n"
	"\t0003\tTab separated  \n"
	"\t00AB  Upper-case hex\n"
	"\n"
	"abcd  Vendor without devices \n"
	"ffff  Illegal Vendor ID\n"
	"S 1234\n"
	"\t0005  Generic subsystem (not a device of 1234)\n"
	"X 00\n"
	"\t0006  Unknown block\n"
	"C 0c  Serial bus controller\n"
	"\t03  USB controller\n"
	"\t\t30  XHCI\n"
	"C 12  Processing accelerators\n"
	"C ff  Unassigned class\n";

int main(void)
{
	char tmpl[] = "/tmp/test-pciids.XXXXXX";
	const char *installed = libpci_for(NULL)->id_file_name;
	size_t n_devices = 0;
	struct pciids *ids = NULL;
	char buf[8];
	FILE *f;
	int fd;

	/* the installed file: what list and show name */
	compare_file(installed, &n_devices);
	CHECK(n_devices > 1000);
	printf("test-pciids: %s: %zu devices compared\n", installed, n_devices);
	fd = mkstemp(tmpl);
	CHECK(fd >= 0);
	f = fdopen(fd, "w");
	fputs(corner_cases, f);
	fclose(f);
	compare_file(tmpl, &n_devices);
	CHECK(n_devices == 4);

	CHECK(pciids_open(tmpl, &ids) == 0);
	CHECK(strcmp(pciids_device_name(ids, buf, sizeof(buf), 0x1234, 1), "Devi...") == 0);
	pciids_close(ids);

	/* compressed: libpci's job */
	f = fopen(tmpl, "w");
	fputs("\x1f\x8b\x08", f);
	fclose(f);
	CHECK(pciids_open(tmpl, &ids) == -EMEDIUMTYPE);
	unlink(tmpl);
	CHECK(pciids_open(tmpl, &ids) == -ENOENT);

	CHECK(mismatches == 0);
	return unit_report("test-pciids");
}
