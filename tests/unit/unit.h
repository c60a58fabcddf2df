/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A minimal test harness: CHECK() counts, main prints "N passed, N failed". */
#pragma once
#include <stdbool.h>
#include <stdio.h>

static int unit_passed, unit_failed;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (cond) {                                                                      \
			unit_passed++;                                                           \
		} else {                                                                         \
			unit_failed++;                                                           \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                                \
	} while (0)

/* CHECK(), with a message saying what differed. */
#define EXPECT(cond, ...)                             \
	do {                                          \
		bool ok_ = (cond);                    \
		CHECK(ok_);                           \
		if (!ok_) {                           \
			fprintf(stderr, "  ");        \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr);          \
		}                                     \
	} while (0)

static inline int unit_report(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}
