/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>
#include <jansson.h>

/*
 * Each command builds one JSON document; --json prints it, text mode renders
 * the same data with a table or key/value lines.
 */

/* Print a document on stdout (indented, one trailing newline); steals root. */
int output_json(json_t *root);

/*
 * The same bytes as output_json() of {"KEY": [ITEM, ...]}, printed one item at
 * a time, so a long list never has to be in memory as one JSON tree.
 */
struct json_stream {
	FILE *f;
	size_t n;
	int error;
};
void json_stream_begin(struct json_stream *s, const char *key);
void json_stream_item(struct json_stream *s, json_t *item); /* steals item */
int json_stream_end(struct json_stream *s); /* 0 or -EIO */

/* json_decrefp() comes with jansson (json_auto_t). */
#define _cleanup_json_ __attribute__((cleanup(json_decrefp)))

/* JSON helpers: a string or null. */
json_t *json_string_or_null(const char *s);
json_t *json_strv(char **v); /* array of strings from a NULL-terminated vector */

struct table;
struct table *table_new(size_t ncols, const char *const headers[]);
/* Cells are copied; NULL prints as "-". */
void table_add(struct table *t, const char *const cells[]);
void table_print(struct table *t, FILE *f);
void table_free(struct table *t);
static inline void table_freep(struct table **t)
{
	if (*t)
		table_free(*t);
}
#define _cleanup_table_ __attribute__((cleanup(table_freep)))

/* "key:" padded to a column, then the value. */
void kv_print(FILE *f, int indent, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
