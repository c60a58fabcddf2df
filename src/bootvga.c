// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The boot VGA device's holders (see include/bootvga.h). The firmware hands
 * the kernel a framebuffer in one of the GPU's BARs; efifb, vesafb or
 * simpledrm (through sysfb, which reserves it as "BOOTFB") then draw the
 * console there, as does the GPU's own DRM driver once loaded (fbN). A
 * device given to a VM while they do leaves the host console on a GPU the
 * guest resets, or the guest sees a GPU the host still scans out.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bootvga.h"
#include "output.h"
#include "sysfs.h"
#include "topo.h"
#include "util.h"

#define IORESOURCE_MEM 0x200
#define NBARS 7 /* BARs 0-5 and the ROM */

struct range {
	uint64_t start, end;
};

struct ctx {
	const struct topo_dev *d;
	json_t *o, *holders, *fixes, *notes;
	bool firmware_fb; /* a firmware framebuffer is on the device (or may be) */
	bool fbdev; /* an fbN is on it */
};

static void push_unique(json_t *a, char *s)
{
	json_t *x;
	size_t i;

	json_array_foreach (a, i, x)
		if (streq(json_string_value(x), s)) {
			free(s);
			return;
		}
	json_array_append_new(a, json_string(s));
	free(s);
}

/* The fix for a firmware framebuffer driver, by the name /proc/iomem or its device has. */
static char *fb_fix(const char *name)
{
	if (startswith(name, "efifb") || startswith(name, "efi-framebuffer"))
		return xstrdup("video=efifb:off on the kernel command line (efifb leaves the "
			       "device alone)");
	if (startswith(name, "vesafb") || startswith(name, "vesa-framebuffer"))
		return xstrdup("video=vesafb:off on the kernel command line (vesafb leaves the "
			       "device alone)");
	if (startswith(name, "simpledrm") || startswith(name, "simplefb") ||
	    startswith(name, "simple-framebuffer") || startswith(name, "BOOTFB"))
		return xstrdup("initcall_blacklist=sysfb_init on the kernel command line (no "
			       "firmware framebuffer device: simpledrm and simplefb stay away)");
	return NULL;
}

static bool is_firmware_fb(const char *name)
{
	_cleanup_free_ char *fix = fb_fix(name);

	return fix != NULL;
}

static size_t read_bars(const struct topo_dev *d, struct range bars[NBARS])
{
	_cleanup_free_ char *p = xasprintf("%s/resource", d->sysfs_path);
	_cleanup_free_ char *text = NULL;
	size_t n = 0;
	char *line, *save = NULL;

	if (sysfs_read(p, &text) < 0)
		return 0;
	line = strtok_r(text, "\n", &save);
	for (int i = 0; line && i < NBARS; i++, line = strtok_r(NULL, "\n", &save)) {
		uint64_t s, e, flags;

		if (sscanf(line, "%" SCNx64 " %" SCNx64 " %" SCNx64, &s, &e, &flags) == 3 &&
		    (flags & IORESOURCE_MEM) && e > s)
			bars[n++] = (struct range){ s, e };
	}
	return n;
}

/* Firmware framebuffer ranges of /proc/iomem that overlap a memory BAR. */
static void read_iomem(struct ctx *c)
{
	_cleanup_free_ char *p = sysfs_resolve("/proc/iomem");
	_cleanup_fclose_ FILE *f = fopen(p, "re");
	_cleanup_free_ char *line = NULL;
	struct range bars[NBARS];
	size_t nbars = read_bars(c->d, bars), cap = 0;
	json_t *fbs = json_array();
	bool any = false, nonzero = false;

	while (f && getline(&line, &cap, f) > 0) {
		uint64_t s, e;
		char *name;
		int off = 0;

		if (sscanf(line, " %" SCNx64 "-%" SCNx64 " :%n", &s, &e, &off) != 2 || !off)
			continue;
		any = true;
		nonzero = nonzero || s || e;
		name = line + off;
		name += strspn(name, " ");
		name[strcspn(name, "\n")] = '\0';
		if (!is_firmware_fb(name))
			continue;
		for (size_t i = 0; i < nbars; i++) {
			char *fix;

			if (s > bars[i].end || e < bars[i].start)
				continue;
			json_array_append_new(fbs, json_pack("{s:s, s:o, s:o, s:s}", "name", name,
							     "start", json_sprintf("%" PRIx64, s),
							     "end", json_sprintf("%" PRIx64, e),
							     "source", "/proc/iomem"));
			push_unique(c->holders,
				    xasprintf("%s: a firmware framebuffer in its BAR (/proc/iomem "
					      "%" PRIx64 "-%" PRIx64 ")",
					      name, s, e));
			fix = fb_fix(name);
			push_unique(c->fixes, fix);
			c->firmware_fb = true;
			break;
		}
	}
	if (!f)
		json_array_append_new(c->notes, json_string("/proc/iomem is not readable: "
							    "firmware framebuffers not matched"));
	else if (any && !nonzero)
		json_array_append_new(c->notes,
				      json_string("/proc/iomem shows no addresses without root: "
						  "run as root to match firmware framebuffers to "
						  "the BARs"));
	json_object_set_new(c->o, "iomem_readable", json_boolean(any && nonzero));
	json_object_set_new(c->o, "framebuffers", fbs);
}

/* /sys/class/graphics/fbN: on the device (its DRM driver's), or a firmware one. */
static void read_fbdevs(struct ctx *c, bool iomem_readable)
{
	_cleanup_closedir_ DIR *dir = sysfs_opendir("/sys/class/graphics");
	json_t *fbs = json_array();
	struct dirent *de;

	while (dir && (de = readdir(dir))) {
		_cleanup_free_ char *dp = NULL, *np = NULL, *dev = NULL, *id = NULL;

		if (!startswith(de->d_name, "fb") || streq(de->d_name, "fbcon"))
			continue;
		dp = xasprintf("/sys/class/graphics/%s/device", de->d_name);
		np = xasprintf("/sys/class/graphics/%s/name", de->d_name);
		if (sysfs_link_name(dp, &dev) < 0)
			continue;
		if (sysfs_read(np, &id) < 0)
			id = NULL;
		if (streq(dev, c->d->addr)) {
			c->fbdev = true;
			push_unique(c->holders,
				    xasprintf("%s (%s): the framebuffer of its driver %s",
					      de->d_name, id ? id : "?",
					      c->d->driver ? c->d->driver : "-"));
		} else if (is_firmware_fb(dev)) {
			/* a firmware framebuffer; /proc/iomem tells whether it is on this device */
			if (iomem_readable && !c->firmware_fb)
				continue;
			if (!iomem_readable) {
				c->firmware_fb = true;
				push_unique(c->holders,
					    xasprintf("%s (%s, %s): a firmware framebuffer, "
						      "most likely on the boot VGA device",
						      de->d_name, id ? id : "?", dev));
				push_unique(c->fixes, fb_fix(dev));
			}
		} else {
			continue;
		}
		json_array_append_new(fbs, json_pack("{s:s, s:o, s:s}", "name", de->d_name, "id",
						     json_string_or_null(id), "device", dev));
	}
	json_object_set_new(c->o, "fbdevs", fbs);
}

/* Virtual consoles drawing on those framebuffers, or VGA text mode (vgacon). */
static void read_vtcons(struct ctx *c)
{
	_cleanup_closedir_ DIR *dir = sysfs_opendir("/sys/class/vtconsole");
	json_t *vts = json_array();
	struct dirent *de;

	while (dir && (de = readdir(dir))) {
		_cleanup_free_ char *np = NULL, *bp = NULL, *name = NULL, *bind = NULL;
		bool bound, fbcon, vga;

		if (!startswith(de->d_name, "vtcon"))
			continue;
		np = xasprintf("/sys/class/vtconsole/%s/name", de->d_name);
		bp = xasprintf("/sys/class/vtconsole/%s/bind", de->d_name);
		if (sysfs_read(np, &name) < 0)
			continue;
		bound = sysfs_read(bp, &bind) == 0 && streq(bind, "1");
		json_array_append_new(vts, json_pack("{s:s, s:s, s:b}", "name", de->d_name,
						     "description", name, "bound", bound));
		fbcon = strstr(name, "frame buffer") != NULL;
		vga = strstr(name, "VGA") != NULL;
		if (!bound || !(vga || (fbcon && (c->fbdev || c->firmware_fb))))
			continue;
		push_unique(c->holders,
			    xasprintf("%s (%s), which draws the console on it", de->d_name, name));
		push_unique(c->fixes, xasprintf("echo 0 > /sys/class/vtconsole/%s/bind (until "
						"the next boot; or console=ttyS0 and no "
						"framebuffer console)",
						de->d_name));
	}
	json_object_set_new(c->o, "vtconsoles", vts);
}

json_t *bootvga_json(const struct topo_dev *d)
{
	struct ctx c = { .d = d };

	if (d->boot_vga != 1)
		return NULL;
	c.o = json_object();
	c.holders = json_array();
	c.fixes = json_array();
	c.notes = json_array();
	json_object_set_new(c.o, "address", json_string(d->addr));
	read_iomem(&c);
	read_fbdevs(&c, json_is_true(json_object_get(c.o, "iomem_readable")));
	read_vtcons(&c);
	json_object_set_new(c.o, "holders", c.holders);
	json_object_set_new(c.o, "fixes", c.fixes);
	json_object_set_new(c.o, "notes", c.notes);
	return c.o;
}
