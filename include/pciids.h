/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Names from pci.ids, looked up in the mapped file instead of loaded whole:
 * libpci parses all ~40k lines into a hash table on its first lookup, which
 * was half of `vfioctl list`'s instructions at any bus size. The answers are
 * libpci's own (same lines, same trimming, same "Device 1234" fallbacks);
 * tests/unit/test-pciids.c checks every entry of the installed file against
 * pci_lookup_name(). A file this reader cannot map (compressed, missing)
 * makes pciids_open() fail and the caller keeps using libpci.
 */
struct pciids;

/* Map path. 0 or -errno (-EMEDIUMTYPE: gzip-compressed, leave it to libpci). */
int pciids_open(const char *path, struct pciids **out);
void pciids_close(struct pciids *p);

/*
 * Raw entries: a pointer into the file and its length, or NULL when the file
 * has no such entry.
 */
const char *pciids_vendor(struct pciids *p, unsigned vendor, size_t *len);
const char *pciids_device(struct pciids *p, unsigned vendor, unsigned device, size_t *len);
const char *pciids_class(struct pciids *p, unsigned base, size_t *len);
const char *pciids_subclass(struct pciids *p, unsigned base, unsigned sub, size_t *len);

/*
 * pci_lookup_name()'s text for PCI_LOOKUP_VENDOR, PCI_LOOKUP_DEVICE and
 * PCI_LOOKUP_CLASS (16-bit base+sub class) into buf, as libpci formats it.
 */
const char *pciids_vendor_name(struct pciids *p, char *buf, size_t size, unsigned vendor);
const char *pciids_device_name(struct pciids *p, char *buf, size_t size, unsigned vendor,
			       unsigned device);
const char *pciids_class_name(struct pciids *p, char *buf, size_t size, unsigned class16);
