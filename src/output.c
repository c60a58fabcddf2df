// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>

#include "output.h"
#include "util.h"

int output_json(json_t *root)
{
	int r = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);

	json_decref(root);
	if (r < 0)
		return -EIO;
	fputc('\n', stdout);
	return 0;
}

/* key is a plain identifier: nothing to escape */
void json_stream_begin(struct json_stream *s, const char *key)
{
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

int json_stream_end(struct json_stream *s)
{
	fputs(s->n ? "\n  ]\n}\n" : "]\n}\n", s->f);
	return s->error;
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
