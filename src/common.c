// SPDX-License-Identifier: GPL-2.0-or-later

#include <getopt.h>

#include "util.h"
#include "vfioctl.h"

/* Global options, parsed by main(). */
struct vfioctl_opts opts;

int usage_error(int argc, char *argv[])
{
	/* getopt said what on stderr; --json's error object gets the argument */
	log_record("%s: %s: unknown option or missing argument", argv[0],
		   optind > 0 && optind <= argc ? argv[optind - 1] : "?");
	fprintf(stderr, "Try '%s --help'.\n", argv[0]);
	return -E_USAGE;
}

int common_option(int c, int argc, char *argv[], void (*help)(FILE *))
{
	switch (c) {
	case 'j':
		opts.json = true;
		return 1;
	case 'h':
		help(stdout);
		return 0;
	default:
		return usage_error(argc, argv);
	}
}

int common_options_only(int argc, char *argv[], const struct cmd_options *o, void (*help)(FILE *))
{
	int c, r;

	while ((c = getopt_long(argc, argv, o->shortopts, o->longopts, NULL)) != -1) {
		r = common_option(c, argc, argv, help);
		if (r <= 0)
			return r;
	}
	return 1;
}

/* The (sub)command being run, and its name as getopt's messages show it. */
static const struct command *current;
static char current_name[64];

/*
 * The next word of a usage string at *p, a bracket group counting as one
 * ("[--vlan ID [--qos N]]"); its length, 0 at the end. Moves *p past it.
 */
static int usage_word(const char **p, const char **word)
{
	int depth = 0;

	while (**p == ' ')
		(*p)++;
	for (*word = *p; **p && (depth > 0 || **p != ' '); (*p)++)
		depth += (**p == '[') - (**p == ']');
	return (int)(*p - *word);
}

void command_usage_of(FILE *f, const char *prefix, const char *parent, const struct command *cmd)
{
	int col = fprintf(f, "%s%s %s", prefix, parent, cmd->name);
	int indent = col + 1, len;
	const char *p = cmd->usage, *w;

	/* lines break between words only */
	while ((len = usage_word(&p, &w)) > 0) {
		if (col + 1 + len > 80 && col > indent) {
			fprintf(f, "\n%*s", indent - 1, "");
			col = indent - 1;
		}
		col += fprintf(f, " %.*s", len, w);
	}
	fputc('\n', f);
}

void command_usage(FILE *f)
{
	const char *space = strrchr(current_name, ' ');
	_cleanup_free_ char *parent = xasprintf("%.*s", (int)(space - current_name), current_name);

	command_usage_of(f, "Usage: ", parent, current);
}

/*
 * The names of operands first..last-1 of a usage ("PF VF [--mac MAC]...":
 * PF, VF): its words outside brackets that are neither options nor their
 * values, "..." dropped.
 */
static char *operand_names(const char *usage, int first, int last)
{
	char *out = NULL;
	bool after_option = false;
	const char *p = usage, *w;
	int n = 0, len;

	while ((len = usage_word(&p, &w)) > 0) {
		if (*w == '[' || *w == '|')
			continue;
		if (*w == '-') {
			after_option = true;
			continue;
		}
		if (after_option) {
			after_option = false;
			continue;
		}
		if (n >= first && n < last) {
			char *o = out;

			if (len > 3 && strncmp(p - 3, "...", 3) == 0)
				len -= 3;
			out = xasprintf("%s%s%.*s", o ? o : "", o ? " and " : "", len, w);
			free(o);
		}
		n++;
	}
	return out;
}

/*
 * The operand count after the options, or -1 when the command must see its
 * options itself first (--help, or a getopt error it reports).
 */
static int count_operands(const struct command *cmd, int argc, char *argv[])
{
	int c, n = -1, saved = opterr;

	if (!cmd->options)
		return argc - 1;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, cmd->options->shortopts, cmd->options->longopts,
				NULL)) != -1)
		if (c == 'h' || c == '?' || c == ':')
			goto out;
	n = argc - optind;
out:
	opterr = saved;
	optind = 0;
	return n;
}

static int check_operands(const struct command *cmd, int argc, char *argv[])
{
	int n = count_operands(cmd, argc, argv);

	if (n < 0)
		return 0;
	if (cmd->max_args >= 0 && n > cmd->max_args) {
		log_error("%s: unexpected argument '%s'", current_name + strlen("vfioctl "),
			  argv[argc - n + cmd->max_args]);
	} else if (n < cmd->min_args) {
		_cleanup_free_ char *names = operand_names(cmd->usage, n, cmd->min_args);

		log_error("%s: missing %s", current_name + strlen("vfioctl "),
			  names ? names : "arguments");
	} else {
		return 0;
	}
	if (cmd->options) /* udev-add has no --help */
		fprintf(stderr, "Try '%s --help'.\n", current_name);
	return -E_USAGE;
}

int command_run(const char *parent, const struct command *cmd, int argc, char *argv[])
{
	char name[sizeof(current_name)];
	int r;

	snprintf(name, sizeof(name), "%s %s", parent, cmd->name);
	memcpy(current_name, name, sizeof(name));
	current = cmd;
	argv[0] = current_name;
	r = check_operands(cmd, argc, argv);
	if (r < 0)
		return r;
	optind = 0; /* reset getopt for the command's own options */
	return cmd->run(argc, argv);
}
