// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfioctl doctor: is this host ready for VFIO passthrough, and if not, why and
 * what to do. The checks live in src/doctor.c (the facts in src/iommu.c); this prints them.
 *
 * JSON output (--json), keys stable:
 *
 *   {
 *     "ok": bool,                      no check failed (exit 0)
 *     "checks": [
 *       {
 *         "id": "iommu-enabled",       see vfioctl(8), doctor, for the ids
 *         "status": "pass" | "warn" | "fail" | "skip",
 *         "detail": string,            what was found
 *         "hint": string | null        what to do about it
 *       }
 *     ]
 *   }
 */
#include <getopt.h>

#include "config.h"
#include "doctor.h"
#include "early.h"
#include "iommu.h"
#include "topo.h"
#include "output.h"
#include "util.h"
#include "vfioctl.h"

static void doctor_help(FILE *f)
{
	command_usage(f);
	fputs("\n"
	      "Check that this host (or the snapshot given with --sysroot) can do VFIO\n"
	      "passthrough: CPU virtualization, the IOMMU's firmware table, the kernel command\n"
	      "line, whether the IOMMU is enabled, interrupt remapping, the IOMMU mode, the VFIO\n"
	      "modules and /dev/vfio/vfio, no-IOMMU mode, the ACS override, IOMMU faults in\n"
	      "the kernel log and early binding (see vfioctl status). Prints one line per\n"
	      "check (PASS, WARN, FAIL or SKIP) with what was found, and a hint for what to\n"
	      "do. Run as root to read the kernel log.\n"
	      "Exit status: 0 no check failed, 1 a check failed.\n"
	      "\n"
	      "  -j, --json  print JSON\n"
	      "  -h, --help  show this help\n",
	      f);
}

static json_t *report_json(const struct doctor_report *rep)
{
	json_t *root = json_object(), *checks = json_array();

	for (size_t i = 0; i < rep->n; i++) {
		const struct doctor_check *k = &rep->checks[i];

		json_array_append_new(checks,
				      json_pack("{s:s, s:s, s:s, s:o}", "id", k->id, "status",
						check_status_name(k->status), "detail", k->detail,
						"hint", json_string_or_null(k->hint)));
	}
	json_object_set_new(root, "ok", json_boolean(doctor_ok(rep)));
	json_object_set_new(root, "checks", checks);
	return root;
}

/*
 * early-binding: the configured devices whose host driver gets them before
 * vfioctl at boot (status says the same). WARN, not FAIL: `apply` still
 * moves them after boot, so passthrough works; what is lost is that the
 * host driver never touches them.
 */
static void early_check(struct doctor_report *rep)
{
	_cleanup_config_ struct config *c = NULL;
	_cleanup_topo_ struct topo *t = NULL;
	struct doctor_check *k;
	struct early_report e;
	size_t n, nd;
	char *detail = NULL, *hint = NULL;

	if (rep->n == DOCTOR_MAX_CHECKS)
		return;
	k = &rep->checks[rep->n];
	*k = (struct doctor_check){ .id = "early-binding", .status = CHECK_SKIP };
	if (config_load(NULL, 0, &c) < 0) {
		k->detail = xstrdup("the configuration is not valid (see vfioctl status)");
		rep->n++;
		return;
	}
	if (!c->n_devices || topo_scan(&t, 0) < 0) {
		k->detail = xstrdup("no [device] in the configuration: nothing to bind early");
		rep->n++;
		return;
	}
	early_report_read(c, t, &e);
	n = early_problems(&e);
	nd = strv_length(e.drift);
	if (!n) {
		size_t unknown = 0;

		for (size_t i = 0; i < e.n_devs; i++)
			unknown += e.devs[i].loses < 0;
		k->status = unknown ? CHECK_SKIP : CHECK_PASS;
		k->detail = unknown ? xasprintf("%zu configured device%s: not known whether the "
						"host driver gets there first (%s)",
						unknown, unknown == 1 ? "" : "s",
						e.notes ? e.notes[0] : "no module index")
				    : xasprintf("every configured device is bound before its host "
						"driver can probe it (%zu checked)",
						e.n_devs);
	} else {
		k->status = CHECK_WARN;
		for (size_t i = 0; i < e.n_devs; i++) {
			const struct early_dev *d = &e.devs[i];
			char *x;

			if (d->loses != 1)
				continue;
			x = xasprintf("%s%s%s: %s", detail ? detail : "", detail ? "; " : "",
				      d->addr, d->why);
			free(detail);
			detail = x;
			x = xasprintf("%s%s%s: %s", hint ? hint : "", hint ? "; " : "", d->addr,
				      d->fix);
			free(hint);
			hint = x;
		}
		for (size_t i = 0; i < nd; i++) {
			char *x = xasprintf("%s%sinitramfs: %s", detail ? detail : "",
					    detail ? "; " : "", e.drift[i]);

			free(detail);
			detail = x;
		}
		if (!hint && e.regenerate)
			hint = xasprintf("regenerate the initramfs: %s", e.regenerate);
		k->detail = detail;
		k->hint = hint;
	}
	rep->n++;
	early_report_clear(&e);
}

static bool use_color(void)
{
	const char *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term && !streq(term, "dumb");
}

static void print_text(const struct doctor_report *rep)
{
	static const char *const labels[] = { "PASS", "WARN", "FAIL", "SKIP" };
	static const char *const colors[] = { "\033[32m", "\033[33m", "\033[1;31m", "\033[2m" };
	bool color = use_color();
	unsigned counts[4] = { 0 };

	for (size_t i = 0; i < rep->n; i++) {
		const struct doctor_check *k = &rep->checks[i];

		counts[k->status]++;
		if (color)
			printf("%s%s\033[0m", colors[k->status], labels[k->status]);
		else
			fputs(labels[k->status], stdout);
		printf("  %-19s  %s\n", k->id, k->detail);
		if (k->hint)
			printf("      %-19s  hint: %s\n", "", k->hint);
	}
	if (counts[CHECK_FAIL])
		printf("\n%u check%s failed: VFIO passthrough is not possible now.\n",
		       counts[CHECK_FAIL], counts[CHECK_FAIL] == 1 ? "" : "s");
	else
		printf("\nNo check failed (%u warning%s).\n", counts[CHECK_WARN],
		       counts[CHECK_WARN] == 1 ? "" : "s");
}

static const struct option doctor_longopts[] = {
	COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};
const struct cmd_options doctor_options = { COMMON_SHORTOPTS, doctor_longopts };

int cmd_doctor(int argc, char *argv[])
{
	struct iommu_facts facts;
	struct doctor_report rep;
	bool ok;
	int r;

	r = common_options_only(argc, argv, &doctor_options, doctor_help);
	if (r <= 0)
		return r;

	r = iommu_facts_read(&facts);
	if (r < 0) {
		log_error("doctor: %s", strerror(-r));
		return r;
	}
	iommu_doctor_eval(&facts, &rep);
	iommu_facts_clear(&facts);
	early_check(&rep);
	ok = doctor_ok(&rep);
	if (opts.json)
		r = output_json(report_json(&rep));
	else
		print_text(&rep);
	doctor_report_clear(&rep);
	if (r < 0)
		return r;
	return ok ? 0 : VERDICT_PROBLEM;
}
