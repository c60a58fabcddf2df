/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "topo.h"

/*
 * A struct topo from the text of `lspci -vvnn` (with -D or without), as
 * pciutils 3.6 to 3.14 print it: what a user can paste from any machine. It
 * holds what the group predictor reads (bus numbers and bridge ranges, PCIe
 * port types, ACS capability and control, multifunction slots, SR-IOV and ARI,
 * vendor/device/subsystem IDs, the driver and the "IOMMU group:" lines); the
 * rest of the text is checked for shape only.
 */

/* What a dump holds, besides the devices. */
struct lspci_info {
	unsigned line; /* parse error: the first line that could not be read (1-based) */
	char why[192]; /* parse error: what is wrong with it */
	size_t lines; /* lines read */
	bool extended; /* some device shows extended capabilities (lspci ran as root) */
	size_t access_denied; /* devices shown with "Capabilities: <access denied>" */
	size_t unreadable; /* devices lspci could not read ("!!! Unknown header type") */
	bool groups; /* has "IOMMU group:" lines (pciutils >= 3.7, IOMMU on) */
	bool amd_iommu; /* an AMD IOMMU PCI function is listed (the ACPI IVRS quirk applies) */
};

/* Largest dump read (a 1000-device server's lspci -vvnn is about 5 MiB). */
#define LSPCI_MAX_BYTES (64u << 20)

/*
 * Parse len bytes of text. 0, or -EINVAL with info->line and info->why set
 * (garbled or truncated: nothing is guessed). *out has t->origin TOPO_ORIGIN_LSPCI.
 */
int lspci_parse(const char *text, size_t len, struct topo **out, struct lspci_info *info);

/* Read a whole file ("-": stdin) of at most LSPCI_MAX_BYTES. 0 or -errno (-E2BIG). */
int lspci_read(const char *path, char **text, size_t *len);
