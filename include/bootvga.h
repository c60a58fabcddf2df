/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

/*
 * What holds the boot VGA device (boot_vga = 1), for `check`: firmware
 * framebuffers (efifb, vesafb, simpledrm, the BOOTFB range sysfb reserves)
 * whose /proc/iomem range overlaps one of its memory BARs, framebuffer
 * devices (/sys/class/graphics/fbN) on it, and the virtual consoles
 * (/sys/class/vtconsole) that draw on them; and what to do about each.
 */

struct topo_dev;

/*
 * JSON for d, or NULL when d is not the boot VGA device (a secondary GPU
 * gets nothing):
 *   { "address", "iomem_readable": bool,
 *     "framebuffers": [ { "name", "start", "end", "source" } ],  firmware's, in a BAR
 *     "fbdevs": [ { "name", "id", "device" } ],    /sys/class/graphics/fbN
 *     "vtconsoles": [ { "name", "description", "bound" } ],
 *     "holders": [string], "fixes": [string], "notes": [string] }
 */
json_t *bootvga_json(const struct topo_dev *d);
