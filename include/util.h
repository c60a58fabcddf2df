/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_closedir_ _cleanup_(closedirp)

static inline bool streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Equal strings, or both NULL. */
static inline bool streq_null(const char *a, const char *b)
{
	return (!a && !b) || streq(a, b);
}

static inline bool startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* What a text table shows for a missing or empty value. */
static inline const char *dash(const char *s)
{
	return s && *s ? s : "-";
}

/* qsort()/bsearch() order of ints. */
int cmp_int(const void *a, const void *b);

/* An IOMMU group number as the kernel names it: 1 to 7 decimal digits, nothing else. */
bool parse_group_id(const char *s, int *id);
/* The group of a /dev/vfio node name: "N" or "noiommu-N" (nothing else: "vfio", "devices"). */
bool parse_vfio_node_name(const char *name, int *id);

/* Abort on allocation failure: a CLI has no sane way to continue. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);

/* NULL-terminated string vectors. */
void strv_push(char ***v, size_t *n, const char *s);
/* Append s itself (malloc'd; the vector owns it afterwards). */
void strv_consume(char ***v, size_t *n, char *s);
/* Append a formatted string. */
void strv_pushf(char ***v, size_t *n, const char *fmt, ...) _printf_(3, 4);
void strv_free(char **v);
size_t strv_length(char *const *v); /* 0 for NULL */

/* Diagnostics: "vfioctl: <what>: <why>" on stderr. */
void log_error(const char *fmt, ...) _printf_(1, 2);
void log_warn(const char *fmt, ...) _printf_(1, 2);
void log_debug(const char *fmt, ...) _printf_(1, 2);
/* Keep an error for log_errors without printing it (it was said otherwise). */
void log_record(const char *fmt, ...) _printf_(1, 2);
extern int verbosity;
/* Every log_error() message so far (escaped, without "vfioctl: "); NULL: none. */
extern char **log_errors;

/*
 * Malloc'd copy of s for a terminal: control bytes as \n, \t or \xNN and bytes
 * that are not valid UTF-8 as \xNN.
 */
char *escape_text(const char *s);
