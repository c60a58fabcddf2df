/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "iommu.h"

/*
 * IOMMU and VFIO readiness checks (vfioctl doctor): iommu_doctor_eval() turns
 * the facts of iommu_facts_read() into checks, without any I/O, so it can be
 * tested on made-up facts.
 */

enum check_status {
	CHECK_PASS,
	CHECK_WARN,
	CHECK_FAIL,
	CHECK_SKIP
};

struct doctor_check {
	const char *id; /* "iommu-enabled", ... (static) */
	enum check_status status;
	char *detail;
	char *hint; /* NULL: nothing to do */
};

#define DOCTOR_MAX_CHECKS 24
struct doctor_report {
	struct doctor_check checks[DOCTOR_MAX_CHECKS];
	size_t n;
};

void iommu_doctor_eval(const struct iommu_facts *f, struct doctor_report *rep);
void doctor_report_clear(struct doctor_report *rep);
const char *check_status_name(enum check_status s); /* "pass", "warn", "fail", "skip" */
bool doctor_ok(const struct doctor_report *rep); /* no check failed */
