/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <jansson.h>

/*
 * Early binding (issue 17): which initramfs generator the host uses, whether
 * vfioctl's hook (initramfs-tools) or module (dracut) is installed, what the
 * running boot's initramfs did (/run/vfioctl/early.json, written by `apply
 * --early` in the initramfs; /run survives switch_root), and for each
 * configured device whether its host driver reaches it before vfioctl does:
 * a driver built into the kernel always does; one in the initramfs does
 * unless vfioctl's hook is in that initramfs and its copy of the
 * configuration names the device. Read by status and doctor.
 */

struct config;
struct topo;

#define EARLY_STATE "/run/vfioctl/early.json"
#define EARLY_CONF "/run/vfioctl/initramfs.conf"

enum initramfs_tool {
	INITRAMFS_UNKNOWN,
	INITRAMFS_TOOLS, /* Debian/Ubuntu: update-initramfs, mkinitramfs */
	INITRAMFS_DRACUT,
};

struct early_dev {
	char addr[16];
	char *want; /* the configured driver */
	char *entry; /* the [device] entry's address (d or a group-mate) */
	char *source; /* "FILE:LINE" */
	char *host_driver; /* the module its modalias resolves to; NULL: none/unknown */
	int builtin; /* host_driver built into the kernel: 1, 0, -1 unknown */
	int in_initramfs; /* host_driver in the initramfs image: 1, 0, -1 unknown */
	int loses; /* the host driver probes it first at the next boot: 1, 0, -1 unknown */
	char *why; /* the verdict in a sentence */
	char *fix; /* NULL: nothing to do */
	char **same_id; /* loses to a built-in driver: other devices with its vendor:device */
};

struct early_report {
	enum initramfs_tool tool;
	const char *regenerate; /* "update-initramfs -u" / "dracut -f", NULL: no tool */
	char *hook; /* the installed hook or module (host path), NULL: not installed */
	char *image; /* the initramfs image read (host path), NULL: none */
	int image_has_hook; /* the image has vfioctl's boot script: 1, 0, -1 not read */
	char **image_modules; /* module names in the image (NULL: not read) */
	char *image_why; /* why the image was not read */
	json_t *boot; /* early.json of this boot (NULL: absent) */
	bool boot_conf; /* EARLY_CONF was read */
	struct config *boot_config; /* its contents */
	char **drift; /* config vs the initramfs: one sentence each */
	struct early_dev *devs;
	size_t n_devs;
	char **notes;
	bool needed; /* a configured device's host driver is built in or in the initramfs */
};

/*
 * Fill rep for the configuration c (NULL: no configuration) on topology t
 * (with modalias read). Reads the module index under the sysroot with libkmod
 * and, on the live host, the initramfs image of the running kernel with
 * lsinitramfs or lsinitrd ($VFIOCTL_INITRAMFS names another image).
 */
void early_report_read(const struct config *c, const struct topo *t, struct early_report *rep);
void early_report_clear(struct early_report *rep);
/* This boot's early.json "error" (malloc'd), or NULL: none, or no early.json. */
char *early_boot_error(void);
json_t *early_report_json(const struct early_report *rep);
/* Devices that lose the race, plus drift sentences: what status/doctor count. */
size_t early_problems(const struct early_report *rep);

/*
 * After `bind --persist` or `apply`: if the configuration's [device] set is
 * not the one the initramfs binds and early binding is in use (hook
 * installed, or this boot ran it), or (full) a configured device needs it,
 * say on stderr that the initramfs must be regenerated, with the command.
 */
void early_regen_notice(bool full);
