/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

/*
 * Each command builds one JSON document; --json prints it, text mode renders
 * the same data with a table or key/value lines.
 */

/* A JSON document was begun on stdout (main() then prints no error object). */
extern bool output_json_started;

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

/*
 * The fields of one JSON object, written either into a jansson tree or
 * straight out as the text that json_dumps(JSON_INDENT(2) |
 * JSON_ENSURE_ASCII) prints for that tree at the given depth: one
 * description of a document serves both. `list --json` at ~1000 devices
 * spent most of its time building and dumping trees. Strings that are not
 * plain printable ASCII are escaped by jansson itself; a string jansson
 * would refuse (invalid UTF-8) is left out in both forms, as
 * json_object_set_new() leaves it out.
 */
#define JSON_FIELDS_DEPTH 8
struct json_fields {
	json_t *obj[JSON_FIELDS_DEPTH]; /* tree: the open objects */
	FILE *f; /* text: where it goes; NULL: tree */
	int base; /* text: depth of the outermost object */
	int level; /* open objects below the outermost */
	bool has_field[JSON_FIELDS_DEPTH]; /* text: a field was written at that level */
	char *buf; /* text: the object so far, written out by json_fields_text_end() */
	size_t len, cap;
};
/* Fields go into root (an object). */
void json_fields_tree(struct json_fields *w, json_t *root);
/* Text for f; json_fields_text_end() adds the closing "}" and writes it all. */
void json_fields_text(struct json_fields *w, FILE *f, int depth);
void json_fields_text_end(struct json_fields *w);
void json_fields_string(struct json_fields *w, const char *key, const char *s); /* NULL: null */
void json_fields_int(struct json_fields *w, const char *key, long long v);
void json_fields_bool(struct json_fields *w, const char *key, bool v);
void json_fields_null(struct json_fields *w, const char *key);
void json_fields_strv(struct json_fields *w, const char *key, char **v); /* NULL: [] */
void json_fields_object_begin(struct json_fields *w, const char *key);
void json_fields_object_end(struct json_fields *w);
/* The next item of a stream, written field by field (json_fields_text_end() closes it). */
void json_stream_item_fields(struct json_stream *s, struct json_fields *w);

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
