// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>

#include "output.h"
#include "util.h"

bool output_json_started;

int output_json(json_t *root)
{
	int r;

	output_json_started = true;
	r = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);

	json_decref(root);
	if (r < 0)
		return -EIO;
	fputc('\n', stdout);
	return 0;
}

/* key is a plain identifier: nothing to escape */
void json_stream_begin(struct json_stream *s, const char *key)
{
	output_json_started = true;
	*s = (struct json_stream){ .f = stdout };
	fprintf(s->f, "{\n  \"%s\": [", key);
}

void json_stream_item(struct json_stream *s, json_t *item)
{
	char *text = json_dumps(item, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	size_t len, lines = 0;
	char *out, *o;

	json_decref(item);
	if (!text) {
		s->error = -EIO;
		return;
	}
	/* nested two levels deep: every line of the item moves 4 columns right */
	len = strlen(text);
	for (const char *p = text; (p = strchr(p, '\n')); p++)
		lines++;
	o = out = xmalloc(len + 4 * lines + 8);
	o = stpcpy(o, s->n++ ? ",\n    " : "\n    ");
	for (const char *p = text; *p; p++) {
		*o++ = *p;
		if (*p == '\n')
			o = stpcpy(o, "    ");
	}
	fwrite(out, 1, (size_t)(o - out), s->f);
	free(out);
	free(text);
}

void json_stream_item_fields(struct json_stream *s, struct json_fields *w)
{
	fputs(s->n++ ? ",\n    " : "\n    ", s->f);
	json_fields_text(w, s->f, 2);
}

int json_stream_end(struct json_stream *s)
{
	fputs(s->n ? "\n  ]\n}\n" : "]\n}\n", s->f);
	return s->error;
}

void json_fields_tree(struct json_fields *w, json_t *root)
{
	*w = (struct json_fields){ .obj = { root } };
}

/* text mode builds the object in w->buf: stdio per piece cost more than the pieces */
static void put(struct json_fields *w, const char *s, size_t n)
{
	if (w->len + n > w->cap) {
		w->cap = (w->len + n) * 2 + 256;
		w->buf = xrealloc(w->buf, w->cap);
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void puts_(struct json_fields *w, const char *s)
{
	put(w, s, strlen(s));
}

void json_fields_text(struct json_fields *w, FILE *f, int depth)
{
	*w = (struct json_fields){ .f = f, .base = depth };
	put(w, "{", 1);
}

static void indent(struct json_fields *w, int depth)
{
	static const char spaces[] = "\n                                ";
	size_t n = 1 + 2 * (size_t)depth;

	if (n > sizeof(spaces) - 1)
		abort(); /* deeper than JSON_FIELDS_DEPTH allows */
	put(w, spaces, n);
}

/* Text: the separator and "key": of the next field of the open object. */
static void text_key(struct json_fields *w, const char *key)
{
	if (w->has_field[w->level])
		put(w, ",", 1);
	w->has_field[w->level] = true;
	indent(w, w->base + w->level + 1);
	/* keys are identifiers: nothing to escape */
	put(w, "\"", 1);
	puts_(w, key);
	put(w, "\": ", 3);
}

static void close_text(struct json_fields *w)
{
	if (w->has_field[w->level])
		indent(w, w->base + w->level);
	put(w, "}", 1);
}

void json_fields_text_end(struct json_fields *w)
{
	close_text(w);
	fwrite(w->buf, 1, w->len, w->f);
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

/* A string value: as it is when plain, else as jansson escapes it. */
static void put_string(struct json_fields *w, const char *s, char *esc)
{
	if (esc) {
		puts_(w, esc);
		free(esc);
		return;
	}
	put(w, "\"", 1);
	puts_(w, s);
	put(w, "\"", 1);
}

/* What jansson prints for s, or NULL where json_string() refuses it. */
static char *string_text(const char *s)
{
	json_t *j;
	char *r;

	for (const unsigned char *p = (const unsigned char *)s;; p++) {
		if (!*p)
			return NULL; /* plain: the caller prints it as it is */
		if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
			break;
	}
	j = json_string(s);
	if (!j)
		return (char *)-1;
	r = json_dumps(j, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
	json_decref(j);
	return r ? r : (char *)-1;
}

static void tree_set(struct json_fields *w, const char *key, json_t *v)
{
	json_object_set_new(w->obj[w->level], key, v);
}

void json_fields_string(struct json_fields *w, const char *key, const char *s)
{
	char *esc;

	if (!w->f) {
		tree_set(w, key, json_string_or_null(s));
		return;
	}
	if (!s) {
		json_fields_null(w, key);
		return;
	}
	esc = string_text(s);
	if (esc == (char *)-1)
		return;
	text_key(w, key);
	put_string(w, s, esc);
}

void json_fields_int(struct json_fields *w, const char *key, long long v)
{
	if (!w->f) {
		tree_set(w, key, json_integer(v));
		return;
	}
	char num[32];

	text_key(w, key);
	put(w, num, (size_t)snprintf(num, sizeof(num), "%lld", v));
}

void json_fields_bool(struct json_fields *w, const char *key, bool v)
{
	if (!w->f) {
		tree_set(w, key, json_boolean(v));
		return;
	}
	text_key(w, key);
	puts_(w, v ? "true" : "false");
}

void json_fields_null(struct json_fields *w, const char *key)
{
	if (!w->f) {
		tree_set(w, key, json_null());
		return;
	}
	text_key(w, key);
	put(w, "null", 4);
}

void json_fields_strv(struct json_fields *w, const char *key, char **v)
{
	bool any = false;

	if (!w->f) {
		tree_set(w, key, json_strv(v));
		return;
	}
	text_key(w, key);
	put(w, "[", 1);
	for (; v && *v; v++) {
		char *esc = string_text(*v);

		if (esc == (char *)-1)
			continue; /* json_array_append_new() drops it too */
		if (any)
			put(w, ",", 1);
		any = true;
		indent(w, w->base + w->level + 2);
		put_string(w, *v, esc);
	}
	if (any)
		indent(w, w->base + w->level + 1);
	put(w, "]", 1);
}

void json_fields_object_begin(struct json_fields *w, const char *key)
{
	if (w->level + 1 >= JSON_FIELDS_DEPTH)
		abort(); /* a programming error: documents are shallow */
	if (!w->f) {
		json_t *o = json_object();

		tree_set(w, key, o);
		w->obj[++w->level] = o;
		return;
	}
	text_key(w, key);
	put(w, "{", 1);
	w->has_field[++w->level] = false;
}

void json_fields_object_end(struct json_fields *w)
{
	if (w->f)
		close_text(w);
	w->level--;
}

json_t *json_string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *json_strv(char **v)
{
	json_t *a = json_array();

	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

struct table {
	size_t ncols, nrows;
	char **cells; /* (nrows + 1) * ncols, row 0 is the header */
};

struct table *table_new(size_t ncols, const char *const headers[])
{
	struct table *t = xcalloc(1, sizeof(*t));

	t->ncols = ncols;
	table_add(t, headers);
	return t;
}

void table_add(struct table *t, const char *const cells[])
{
	t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(char *));
	for (size_t i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = xstrdup(cells[i] ? cells[i] : "-");
	t->nrows++;
}

void table_print(struct table *t, FILE *f)
{
	_cleanup_free_ size_t *width = xcalloc(t->ncols, sizeof(size_t));

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t w = strlen(t->cells[r * t->ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			if (c + 1 == t->ncols)
				fputs(cell, f);
			else
				fprintf(f, "%-*s  ", (int)width[c], cell);
		}
		fputc('\n', f);
	}
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void kv_print(FILE *f, int indent, const char *key, const char *fmt, ...)
{
	va_list ap;

	fprintf(f, "%*s%s:%*s", indent, "", key, (int)(16 - strlen(key)), "");
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}
