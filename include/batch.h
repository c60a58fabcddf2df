/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

struct rebind_batch;
struct topo;

/*
 * The common tail of bind/unbind/restore: run the batch (rebind_execute()),
 * print it (text, or --json with "operation"), say what failed or is left.
 * Returns what main() maps to the exit code.
 */
int batch_execute(struct rebind_batch *b, struct topo *t, const char *operation);
