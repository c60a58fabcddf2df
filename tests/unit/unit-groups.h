/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the grouping tests print of a prediction (-v, or when it differs). */
#pragma once
#include <jansson.h>
#include <stdio.h>

#include "groups.h"

/* Each group, its members and the rules that explain it. */
static inline void print_groups(const struct group_set *s)
{
	for (size_t i = 0; i < s->n_groups; i++) {
		const struct group *g = &s->groups[i];
		json_t *ex = group_explain(s, g), *x;
		size_t j;

		printf("  group %zu%s:", i + 1, g->uncertain ? " (uncertain)" : "");
		for (size_t k = 0; k < g->n_devs; k++)
			printf(" %s", g->devs[k]->addr);
		putchar('\n');
		json_array_foreach (ex, j, x)
			printf("    %s: %s\n", json_string_value(json_object_get(x, "rule")),
			       json_string_value(json_object_get(x, "text")));
		json_decref(ex);
	}
}
