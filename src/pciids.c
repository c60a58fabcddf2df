// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pci.ids lookups in the mapped file (see pciids.h for why). One pass over
 * the top-level lines indexes vendors and classes; a device or subclass is
 * found by walking only its vendor's or class's block. The line rules are
 * libpci's (lib/names-parse.c): text ends at '\n' or '\r', one trailing
 * blank is dropped, blank and '#' lines are skipped, the nesting level is the
 * number of leading tabs, and the name starts after the ID and its blanks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "pciids.h"
#include "util.h"

enum block_kind {
	BLOCK_VENDOR,
	BLOCK_CLASS,
	BLOCK_OTHER
};

struct entry {
	unsigned id;
	const char *name;
	size_t name_len;
};

struct block {
	enum block_kind kind;
	unsigned id;
	const char *name; /* NULL: malformed top-level line */
	size_t name_len;
	const char *body, *end; /* the nested lines that follow */
	struct entry *nested; /* level-1 entries, sorted by id, on first use */
	size_t n_nested;
	bool indexed;
};

struct pciids {
	const char *map;
	size_t len;
	struct block *blocks; /* in file order */
	size_t n_blocks;
	struct block **vendors; /* sorted by id */
	size_t n_vendors;
	struct block *classes[256];
};

/* One line of the file: [start, end) without the newline, trimmed as libpci does. */
struct line {
	const char *start, *end, *next;
};

static void line_at(const char *p, const char *limit, struct line *l)
{
	const char *nl = memchr(p, '\n', (size_t)(limit - p));
	const char *e = nl ? nl : limit, *cr = memchr(p, '\r', (size_t)(e - p));

	l->start = p;
	l->next = nl ? nl + 1 : limit;
	if (cr)
		e = cr;
	if (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	l->end = e;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Blank or comment: libpci skips it whatever its indentation. */
static bool line_skipped(const struct line *l)
{
	const char *p = l->start;

	while (p < l->end && is_blank(*p))
		p++;
	return p == l->end || *p == '#';
}

static int hex_digits(const char *p, const char *end, int n)
{
	int v = 0;

	if (end - p < n)
		return -1;
	for (int i = 0; i < n; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v += c - '0';
		else if (c >= 'a' && c <= 'f')
			v += c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v += c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * "ID<blank>name" at p: the ID (n hex digits) or -1; name and len the name
 * after the blanks, or NULL when there is none (a parse error to libpci).
 */
static int parse_entry(const char *p, const char *end, int n, const char **name, size_t *len)
{
	int id = hex_digits(p, end, n);

	*name = NULL;
	if (id < 0 || end - p <= n || !is_blank(p[n]))
		return -1;
	p += n;
	while (p < end && is_blank(*p))
		p++;
	if (p == end)
		return -1;
	*name = p;
	*len = (size_t)(end - p);
	return id;
}

/* pci.ids is sorted: checking is cheaper than sorting again */
static bool sorted(const void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	for (size_t i = 1; i < n; i++)
		if (cmp((const char *)base + (i - 1) * size, (const char *)base + i * size) > 0)
			return false;
	return true;
}

static int cmp_vendor(const void *a, const void *b)
{
	const struct block *x = *(struct block *const *)a, *y = *(struct block *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

static void index_blocks(struct pciids *p)
{
	const char *pos = p->map, *limit = p->map + p->len;
	size_t cap = 0;
	struct block *cur = NULL;

	while (pos < limit) {
		struct line l;
		struct block *b;

		if (*pos == '\t') { /* nested: only the top level is indexed now */
			const char *nl = memchr(pos, '\n', (size_t)(limit - pos));

			pos = nl ? nl + 1 : limit;
			continue;
		}
		line_at(pos, limit, &l);
		pos = l.next;
		if (line_skipped(&l))
			continue;
		if (cur)
			cur->end = l.start;
		if (p->n_blocks == cap) {
			cap = cap ? 2 * cap : 1024;
			p->blocks = xrealloc(p->blocks, cap * sizeof(*p->blocks));
		}
		b = &p->blocks[p->n_blocks++];
		memset(b, 0, sizeof(*b));
		b->body = l.next;
		if (l.end - l.start >= 2 && l.start[0] == 'C' && l.start[1] == ' ') {
			int id = parse_entry(l.start + 2, l.end, 2, &b->name, &b->name_len);

			b->kind = BLOCK_CLASS;
			b->id = id < 0 ? 0 : (unsigned)id;
			if (id < 0)
				b->name = NULL;
		} else if (l.end - l.start >= 2 && l.start[0] >= 'A' && l.start[0] <= 'Z' &&
			   l.start[1] == ' ') {
			b->kind = BLOCK_OTHER; /* generic subsystems (S), and blocks to come */
		} else {
			int id = parse_entry(l.start, l.end, 4, &b->name, &b->name_len);

			b->kind = id < 0 ? BLOCK_OTHER : BLOCK_VENDOR;
			b->id = id < 0 ? 0 : (unsigned)id;
		}
		cur = b;
	}
	if (cur)
		cur->end = limit;

	p->vendors = xcalloc(p->n_blocks + 1, sizeof(*p->vendors));
	for (size_t i = 0; i < p->n_blocks; i++) {
		struct block *b = &p->blocks[i];

		if (b->kind == BLOCK_VENDOR)
			p->vendors[p->n_vendors++] = b;
		else if (b->kind == BLOCK_CLASS && b->name && !p->classes[b->id])
			p->classes[b->id] = b;
	}
	if (!sorted(p->vendors, p->n_vendors, sizeof(*p->vendors), cmp_vendor))
		qsort(p->vendors, p->n_vendors, sizeof(*p->vendors), cmp_vendor);
}

/* libpci's pci_open(): "pci.ids.gz" that does not exist means "pci.ids" */
static int open_ids(const char *path)
{
	size_t len = strlen(path);
	_cleanup_free_ char *plain = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 || errno != ENOENT || len < 3 || strcmp(path + len - 3, ".gz") != 0)
		return fd < 0 ? -errno : fd;
	plain = xstrdup(path);
	plain[len - 3] = '\0';
	fd = open(plain, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int pciids_open(const char *path, struct pciids **out)
{
	_cleanup_close_ int fd = open_ids(path);
	struct pciids *p;
	struct stat st;
	void *map = NULL;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED)
			return -errno;
		if (st.st_size >= 2 && ((unsigned char *)map)[0] == 0x1f &&
		    ((unsigned char *)map)[1] == 0x8b) {
			munmap(map, (size_t)st.st_size);
			return -EMEDIUMTYPE;
		}
	}
	p = xcalloc(1, sizeof(*p));
	p->map = map;
	p->len = (size_t)st.st_size;
	index_blocks(p);
	*out = p;
	return 0;
}

void pciids_close(struct pciids *p)
{
	if (!p)
		return;
	if (p->map)
		munmap((void *)p->map, p->len);
	for (size_t i = 0; i < p->n_blocks; i++)
		free(p->blocks[i].nested);
	free(p->blocks);
	free(p->vendors);
	free(p);
}

static struct block *find_vendor(const struct pciids *p, unsigned vendor)
{
	struct block key = { .id = vendor }, *kp = &key, **r;

	r = bsearch(&kp, p->vendors, p->n_vendors, sizeof(*p->vendors), cmp_vendor);
	return r ? *r : NULL;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->id != y->id)
		return (x->id > y->id) - (x->id < y->id);
	/* libpci refuses duplicates; keep the first one found first */
	return (x->name > y->name) - (x->name < y->name);
}

/*
 * Index a block's level-1 entries (devices of a vendor, subclasses of a
 * class) once: a vendor like 8086 has ~10k lines, and a host has many of
 * its devices.
 */
static void index_nested(struct block *b, int digits)
{
	const char *pos = b->body;
	size_t cap = 0;

	b->indexed = true;
	while (pos < b->end) {
		struct line l;
		struct entry e;
		int v;

		line_at(pos, b->end, &l);
		pos = l.next;
		if (l.start[0] != '\t' || l.start + 1 >= l.end || l.start[1] == '\t' ||
		    line_skipped(&l))
			continue;
		v = parse_entry(l.start + 1, l.end, digits, &e.name, &e.name_len);
		if (v < 0 || !e.name)
			continue;
		e.id = (unsigned)v;
		if (b->n_nested == cap) {
			cap = cap ? 2 * cap : 16;
			b->nested = xrealloc(b->nested, cap * sizeof(*b->nested));
		}
		b->nested[b->n_nested++] = e;
	}
	if (!sorted(b->nested, b->n_nested, sizeof(*b->nested), cmp_entry))
		qsort(b->nested, b->n_nested, sizeof(*b->nested), cmp_entry);
}

static const char *find_nested(struct block *b, unsigned id, int digits, size_t *len)
{
	size_t lo = 0, hi;

	if (!b->indexed)
		index_nested(b, digits);
	hi = b->n_nested;
	/* the first of equal ids */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->nested[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == b->n_nested || b->nested[lo].id != id)
		return NULL;
	*len = b->nested[lo].name_len;
	return b->nested[lo].name;
}

const char *pciids_vendor(struct pciids *p, unsigned vendor, size_t *len)
{
	struct block *b = find_vendor(p, vendor);

	if (!b)
		return NULL;
	*len = b->name_len;
	return b->name;
}

const char *pciids_device(struct pciids *p, unsigned vendor, unsigned device, size_t *len)
{
	struct block *b = find_vendor(p, vendor);

	return b ? find_nested(b, device, 4, len) : NULL;
}

const char *pciids_class(struct pciids *p, unsigned base, size_t *len)
{
	const struct block *b = base < 256 ? p->classes[base] : NULL;

	if (!b)
		return NULL;
	*len = b->name_len;
	return b->name;
}

const char *pciids_subclass(struct pciids *p, unsigned base, unsigned sub, size_t *len)
{
	struct block *b = base < 256 ? p->classes[base] : NULL;

	return b ? find_nested(b, sub, 2, len) : NULL;
}

/* libpci's format_name(): a name that does not fit ends in "..." */
static const char *fit(char *buf, size_t size, int res)
{
	if (res >= 0 && (size_t)res >= size && size >= 4)
		buf[size - 2] = buf[size - 3] = buf[size - 4] = '.';
	else if (res < 0 || (size_t)res >= size)
		return "<pci_lookup_name: buffer too small>";
	return buf;
}

/* The name as it is (the common case, without printf), or cut as libpci cuts it. */
static const char *copy_name(char *buf, size_t size, const char *name, size_t len)
{
	if (len < size) {
		memcpy(buf, name, len);
		buf[len] = '\0';
		return buf;
	}
	return fit(buf, size, snprintf(buf, size, "%.*s", (int)len, name));
}

const char *pciids_vendor_name(struct pciids *p, char *buf, size_t size, unsigned vendor)
{
	size_t len = 0;
	const char *name = pciids_vendor(p, vendor, &len);

	if (!name)
		return fit(buf, size, snprintf(buf, size, "Vendor %04x", vendor));
	return copy_name(buf, size, name, len);
}

const char *pciids_device_name(struct pciids *p, char *buf, size_t size, unsigned vendor,
			       unsigned device)
{
	size_t len = 0;
	const char *name = pciids_device(p, vendor, device, &len);

	if (!name)
		return fit(buf, size, snprintf(buf, size, "Device %04x", device));
	return copy_name(buf, size, name, len);
}

const char *pciids_class_name(struct pciids *p, char *buf, size_t size, unsigned class16)
{
	size_t len = 0;
	const char *name = pciids_subclass(p, class16 >> 8, class16 & 0xff, &len);

	if (name)
		return copy_name(buf, size, name, len);
	name = pciids_class(p, class16 >> 8, &len);
	if (name) /* libpci adds the number when only the base class is known */
		return fit(buf, size, snprintf(buf, size, "%.*s [%04x]", (int)len, name, class16));
	return fit(buf, size, snprintf(buf, size, "Class %04x", class16));
}
