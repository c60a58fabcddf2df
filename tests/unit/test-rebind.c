// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The batch planner (rebind_add_named()) on a real kernel's snapshot (the
 * switch fixture): which devices bind, unbind and restore take for a DEVICE,
 * with and without --only. Plans only: nothing is run.
 */
#include <errno.h>
#include <sys/stat.h>

#include "rebind.h"
#include "state.h"
#include "sysfs.h"
#include "topo.h"
#include "unit.h"
#include "util.h"

static char root[] = "/tmp/test-rebind.XXXXXX";

#define NIC "0000:05:00.0" /* function 0 of the NIC + audio endpoint, group 10 */
#define AUDIO "0000:05:00.1"
#define LONE "0000:03:00.0" /* behind downstream port 02:00.0, which shares its group */

/* Plan op for the named devices; the batch is returned (free it). */
static struct rebind_batch *plan(enum rebind_op op, bool only, char *const *args, size_t n)
{
	struct topo *t = NULL;
	struct rebind_batch *b = rebind_batch_new(true, false);

	if (rebind_scan_for(&t, args, n) < 0 ||
	    rebind_add_named(b, t, args, n, op, op == REBIND_BIND ? "vfio-pci" : NULL, only) < 0) {
		rebind_batch_free(b);
		b = NULL;
	}
	if (t)
		topo_free(t);
	return b;
}

static const struct rebind_item *item(const struct rebind_batch *b, const char *addr)
{
	for (size_t i = 0; b && i < b->n; i++)
		if (streq(b->items[i].addr, addr))
			return &b->items[i];
	return NULL;
}

static void test_bind(void)
{
	char *nic[] = { (char *)NIC }, *both[] = { (char *)AUDIO, (char *)NIC };
	char *lone[] = { (char *)LONE }, *bogus[] = { (char *)"09:00.0" };
	struct rebind_batch *b;

	/* the whole group: the named function and its group-mate */
	b = plan(REBIND_BIND, false, nic, 1);
	CHECK(b && b->n == 2 && item(b, NIC) && item(b, AUDIO));
	CHECK(b && item(b, NIC)->requested && !item(b, AUDIO)->requested);
	CHECK(b && streq(item(b, AUDIO)->target, "vfio-pci") && item(b, AUDIO)->iommu_group == 10);
	CHECK(b && b->n_warnings == 0);
	rebind_batch_free(b);
	/* --only: just the named one, and a warning that the group stays split */
	b = plan(REBIND_BIND, true, nic, 1);
	CHECK(b && b->n == 1 && item(b, NIC));
	CHECK(b && b->n_warnings == 1 && strstr(b->warnings[0], AUDIO));
	rebind_batch_free(b);
	/* a device named after it came in as a group-mate is still "requested" */
	b = plan(REBIND_BIND, false, both, 2);
	CHECK(b && b->n == 2 && item(b, NIC)->requested && item(b, AUDIO)->requested);
	rebind_batch_free(b);
	/* bridges are never taken: the downstream port in LONE's group stays */
	b = plan(REBIND_BIND, false, lone, 1);
	CHECK(b && b->n == 1 && item(b, LONE) && !item(b, "0000:02:00.0"));
	rebind_batch_free(b);
	/* no such device: an error, no plan */
	CHECK(plan(REBIND_BIND, false, bogus, 1) == NULL);
}

/* Every endpoint of the bus named twice: each is in the batch once (rebind.c's index). */
static void test_named_twice(void)
{
	struct topo *t = NULL;
	_cleanup_free_ char **args = NULL;
	struct rebind_batch *b;
	size_t n = 0, endpoints = 0;

	CHECK(topo_scan(&t, TOPO_SCAN_HEADER) == 0);
	if (!t)
		return;
	args = xcalloc(2 * t->n + 1, sizeof(*args));
	for (size_t i = 0; i < t->n; i++)
		if (!topo_is_bridge(&t->devs[i])) {
			args[n++] = t->devs[i].addr;
			endpoints++;
		}
	for (size_t i = 0; i < endpoints; i++)
		args[n++] = args[i];
	b = plan(REBIND_BIND, true, args, n);
	CHECK(b && b->n == endpoints);
	for (size_t i = 0; b && i < endpoints; i++)
		CHECK(item(b, args[i]) && item(b, args[i])->requested);
	if (b)
		rebind_batch_free(b);
	topo_free(t);
}

static void test_unbind_restore(void)
{
	char *nic[] = { (char *)NIC };
	_cleanup_free_ char *journal = NULL;
	struct rebind_batch *b;
	const char *text =
		"{\"devices\": {\"" NIC "\": {\"driver\": \"e1000e\", \"override\": null,"
		" \"to\": \"vfio-pci\", \"pid\": 1}, \"" AUDIO "\": {\"driver\":"
		" \"snd_hda_intel\", \"override\": null, \"to\": \"vfio-pci\","
		" \"pid\": 1}}}\n";
	const char *moved =
		"{\"devices\": {\"" NIC "\": {\"driver\": \"e1000e\", \"override\": null,"
		" \"to\": \"vfio-pci\", \"pid\": 1}, \"" AUDIO "\": {\"driver\": null,"
		" \"override\": null, \"to\": \"vfio-pci\", \"pid\": 1}}}\n";

	/* unbind takes the group, as bind does */
	b = plan(REBIND_UNBIND, false, nic, 1);
	CHECK(b && b->n == 2 && item(b, AUDIO) && item(b, AUDIO)->op == REBIND_UNBIND);
	rebind_batch_free(b);
	/* restore takes only what vfioctl moved: nothing in the journal, just the named one */
	b = plan(REBIND_RESTORE, false, nic, 1);
	CHECK(b && b->n == 1 && item(b, NIC));
	rebind_batch_free(b);
	/* with both in the journal, restore of one gives both back ... */
	CHECK(state_dir_ensure() == 0);
	CHECK(state_write_atomic(STATE_DIR "/journal.json", text, strlen(text), 0644) == 0);
	b = plan(REBIND_RESTORE, false, nic, 1);
	CHECK(b && b->n == 2 && item(b, AUDIO) && !item(b, AUDIO)->requested);
	rebind_batch_free(b);
	/* ... and --only just the named one; AUDIO is where the journal says it was */
	b = plan(REBIND_RESTORE, true, nic, 1);
	CHECK(b && b->n == 1 && item(b, NIC) && b->n_warnings == 0);
	rebind_batch_free(b);
	/* a group-mate not back where it was (the journal had it driverless) is named */
	CHECK(state_write_atomic(STATE_DIR "/journal.json", moved, strlen(moved), 0644) == 0);
	b = plan(REBIND_RESTORE, true, nic, 1);
	CHECK(b && b->n == 1 && b->n_warnings == 1 && strstr(b->warnings[0], AUDIO) &&
	      strstr(b->warnings[0], "moved"));
	rebind_batch_free(b);
	journal = sysfs_resolve(STATE_DIR "/journal.json");
	unlink(journal);
}

int main(void)
{
	_cleanup_free_ char *cmd = NULL, *run = NULL;

	if (!mkdtemp(root))
		return 1;
	cmd = xasprintf("tar -C '%s' -xzf tests/fixtures/switch/snapshot.tar.gz", root);
	if (system(cmd) != 0) {
		fprintf(stderr,
			"test-rebind: cannot extract the switch fixture (run from the repo)\n");
		return 1;
	}
	run = xasprintf("%s/run", root);
	mkdir(run, 0755);
	CHECK(sysfs_set_root(root) == 0);
	test_bind();
	test_named_twice();
	test_unbind_restore();
	sysfs_set_root(NULL);
	free(cmd);
	cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "test-rebind: could not remove %s\n", root);
	return unit_report("test-rebind");
}
