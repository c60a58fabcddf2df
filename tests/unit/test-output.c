// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * json_fields: the streamed text is byte for byte what jansson dumps for the
 * tree of the same fields (list --json relies on it), for the strings
 * jansson has to escape, strings it refuses, empty and nested containers.
 */
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "unit.h"

static void fields(struct json_fields *w)
{
	char *names[] = { "eth0", "we\"ird\\", "tab\there", "\xc3\xa9t\xc3\xa9", "bad\xff", NULL };
	char *none[] = { NULL };
	char *only_bad[] = { "\xc3", NULL };

	json_fields_string(w, "plain", "0000:01:00.0");
	json_fields_string(w, "quote", "say \"hi\"");
	json_fields_string(w, "control", "a\nb\x01");
	json_fields_string(w, "utf8", "M\xc3\xbcller \xf0\x9f\x98\x80");
	json_fields_string(w, "invalid", "\xff\xfe");
	json_fields_string(w, "slash", "a/b");
	json_fields_string(w, "empty", "");
	json_fields_string(w, "null", NULL);
	json_fields_int(w, "int", -42);
	json_fields_int(w, "big", 1LL << 40);
	json_fields_bool(w, "yes", true);
	json_fields_bool(w, "no", false);
	json_fields_null(w, "nothing");
	json_fields_strv(w, "names", names);
	json_fields_strv(w, "none", none);
	json_fields_strv(w, "nullv", NULL);
	json_fields_strv(w, "only_bad", only_bad);
	json_fields_object_begin(w, "empty_obj");
	json_fields_object_end(w);
	json_fields_object_begin(w, "obj");
	json_fields_int(w, "a", 1);
	json_fields_object_begin(w, "inner");
	json_fields_string(w, "b", "c");
	json_fields_object_end(w);
	json_fields_object_end(w);
	json_fields_string(w, "last", "x");
}

int main(void)
{
	json_t *root = json_object();
	struct json_fields w;
	char *text = NULL, *want;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	json_fields_tree(&w, root);
	fields(&w);
	want = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII);

	json_fields_text(&w, f, 0);
	fields(&w);
	json_fields_text_end(&w);
	fclose(f);
	CHECK(want && text && strcmp(want, text) == 0);
	if (want && text && strcmp(want, text) != 0)
		fprintf(stderr, "jansson:\n%s\njson_fields:\n%s\n", want, text);

	/* an object with no fields */
	free(text);
	f = open_memstream(&text, &len);
	json_fields_text(&w, f, 3);
	json_fields_text_end(&w);
	fclose(f);
	CHECK(strcmp(text, "{}") == 0);

	free(text);
	free(want);
	json_decref(root);
	return unit_report("test-output");
}
