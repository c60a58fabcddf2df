// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The configuration parser: values, errors with file:line: key, whole-config
 * rules, the default file set under a sysroot, ownership checks, --persist.
 * Config files are the user's input, written here into a temp dir.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "sysfs.h"
#include "unit.h"
#include "util.h"
#include "vfioctl.h"

static char tmpdir[] = "/tmp/test-config.XXXXXX";
static char errbuf[8192];

static char *write_file(const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

/* config_load() of text, with stderr captured into errbuf. */
static int load(const char *text, unsigned flags, struct config **c)
{
	_cleanup_free_ char *path = write_file("t.conf", text, 0644);
	_cleanup_free_ char *errpath = xasprintf("%s/stderr", tmpdir);
	int saved = dup(2), fd, r;
	ssize_t n;

	fflush(stderr);
	fd = open(errpath, O_RDWR | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	r = config_load(path, flags, c);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, errbuf, sizeof(errbuf) - 1);
	errbuf[n > 0 ? n : 0] = '\0';
	close(fd);
	return r;
}

/* Loading fails with exactly this message line in the errors (file name replaced by F). */
static int fails_with(const char *text, const char *want)
{
	struct config *c = NULL;
	_cleanup_free_ char *prefix = xasprintf("%s/t.conf", tmpdir);
	char *p;
	int r = load(text, 0, &c);

	if (r != -E_USAGE || c) {
		fprintf(stderr, "expected -E_USAGE, got %d for:\n%s\n", r, text);
		config_free(c);
		return 0;
	}
	while ((p = strstr(errbuf, prefix))) {
		p[0] = 'F';
		memmove(p + 1, p + strlen(prefix), strlen(p + strlen(prefix)) + 1);
	}
	if (!strstr(errbuf, want)) {
		fprintf(stderr, "missing '%s' in errors:\n%s", want, errbuf);
		return 0;
	}
	return 1;
}

static void test_valid(void)
{
	_cleanup_config_ struct config *c = NULL;
	const struct cfg_pf *pf;
	const struct cfg_vf *vf;
	char mac[18];
	int r;

	r = load("# the issue's example\n"
		 "[device 0000:02:00.0]        # bind this device's whole group\n"
		 "driver = vfio-pci\n"
		 "\n"
		 "[pf 01:00.0]            ; SR-IOV PF\n"
		 "vfs = 3\n"
		 "vf-driver = vfio-pci\n"
		 "vf.0.mac = 02:00:00:00:00:10\n"
		 "vf.0.vlan = 100\n"
		 "vf.0.trust = on\n"
		 "vf.0.spoofchk = off   # comment\n"
		 "  vf.2.qos = 3\n"
		 "vf.2.vlan = 7\n"
		 "vf.1.state = disable\n"
		 "vf.1.mac = 02:AB:cd:00:00:01\n",
		 0, &c);
	CHECK(r == 0 && c);
	if (!c)
		return;
	CHECK(c->n_files == 1);
	CHECK(c->n_devices == 1);
	CHECK(streq(c->devices[0].addr, "0000:02:00.0"));
	CHECK(streq(c->devices[0].driver, "vfio-pci"));
	CHECK(c->devices[0].origin.line == 2);
	CHECK(c->n_pfs == 1);
	pf = config_find_pf(c, "0000:01:00.0");
	CHECK(pf && pf->numvfs == 3 && streq(pf->vf_driver, "vfio-pci"));
	CHECK(pf && pf->origin.line == 5);
	CHECK(pf && pf->n_vfs == 3);
	if (!pf || pf->n_vfs != 3)
		return;
	/* sorted by index */
	CHECK(pf->vfs[0].index == 0 && pf->vfs[1].index == 1 && pf->vfs[2].index == 2);
	vf = config_find_vf(pf, 0);
	config_format_mac(vf->attrs.mac, mac);
	CHECK(vf->attrs.has_mac && streq(mac, "02:00:00:00:00:10"));
	CHECK(vf->attrs.vlan == 100 && vf->attrs.qos == -1);
	CHECK(vf->attrs.trust == 1 && vf->attrs.spoofchk == 0 && vf->attrs.link_state == -1);
	CHECK(vf->origin.line == 8);
	vf = config_find_vf(pf, 1);
	config_format_mac(vf->attrs.mac, mac);
	CHECK(streq(mac, "02:ab:cd:00:00:01") && vf->attrs.link_state == 2);
	vf = config_find_vf(pf, 2);
	CHECK(vf->attrs.qos == 3 && vf->attrs.vlan == 7 && !vf->attrs.has_mac);
	CHECK(config_find_vf(pf, 3) == NULL);
	CHECK(config_find_device(c, "0000:02:00.1") == NULL);
}

static void test_empty(void)
{
	_cleanup_config_ struct config *c = NULL;

	CHECK(load("# nothing\n\n; nothing\n", 0, &c) == 0);
	CHECK(c && c->n_devices == 0 && c->n_pfs == 0 && c->n_files == 1);
}

static void test_errors(void)
{
	/* syntax */
	CHECK(fails_with("[device 0000:02:00.0]\ndriver vfio-pci\n", "F:2: syntax error"));
	CHECK(fails_with("[device 0000:02:00.0\ndriver = vfio-pci\n",
			 "F:1: section header without ']'"));
	CHECK(fails_with("[device 0000:02:00.0] x\ndriver = vfio-pci\n",
			 "F:1: text after the section header's ']'"));
	CHECK(fails_with("driver = vfio-pci\n", "F:1: driver: outside a section"));
	{
		/* comments may be of any length; what they follow may not */
		char comment[400], text[1024];
		_cleanup_config_ struct config *c = NULL;

		memset(comment, 'x', sizeof(comment));
		comment[0] = '#';
		comment[sizeof(comment) - 1] = '\0';
		snprintf(text, sizeof(text), "%s\n[device 0000:02:00.0]\ndriver = vfio-pci  %s\n",
			 comment, comment);
		CHECK(load(text, 0, &c) == 0 && c && c->n_devices == 1);
		snprintf(text, sizeof(text), "[device 0000:02:00.0]\ndriver = vfio-pci%s\n",
			 comment + 1);
		CHECK(fails_with(text, "F:2: line too long: 415 characters before its comment"));
	}
	CHECK(fails_with("[device 0000:02:00.0]\ndri\033[31mver = vfio-pci\n",
			 "F:2: control character 0x1b at column 4"));
	/* sections */
	CHECK(fails_with("[devices 0000:02:00.0]\n",
			 "F:1: [devices 0000:02:00.0]: unknown section"));
	CHECK(fails_with("[device]\n", "F:1: [device]: expected [device ADDRESS] or [pf ADDRESS]"));
	CHECK(fails_with("[device 0000:02:00.0 x]\n", "F:1: [device 0000:02:00.0 x]: expected"));
	CHECK(fails_with("[device 0000:02:00.8]\ndriver = vfio-pci\n",
			 "F:1: [device 0000:02:00.8]: '0000:02:00.8' is not a PCI address"));
	CHECK(fails_with("[device eth0]\ndriver = vfio-pci\n",
			 "interface names change when a device is rebound"));
	CHECK(fails_with("[device 0000:02:00.0]\n", "F:1: [device 0000:02:00.0]: driver: missing"));
	CHECK(fails_with("[device 02:00.0]\ndriver = vfio-pci\n[device 0000:02:00.0]\ndriver = x\n",
			 "F:3: [device 0000:02:00.0]: 0000:02:00.0 is already configured at F:1"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvf-driver = vfio-pci\n",
			 "F:1: [pf 0000:01:00.0]: vfs: missing"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 1\n[pf 01:00.0]\nvfs = 2\n",
			 "F:3: [pf 01:00.0]: PF 0000:01:00.0 is already configured at F:1"));
	CHECK(fails_with(
		"[pf 0000:01:00.0]\nvfs = 1\n[device 0000:01:00.0]\ndriver = vfio-pci\n",
		"F:3: [device 0000:01:00.0]: also configured as [pf 0000:01:00.0] at F:1"));
	/* keys and values */
	CHECK(fails_with("[device 0000:02:00.0]\ndriver = vfio-pci\ndriver = vfio-pci\n",
			 "F:3: driver: already set at line 2"));
	CHECK(fails_with("[device 0000:02:00.0]\ndrv = vfio-pci\n", "F:2: drv: unknown key"));
	CHECK(fails_with("[device 0000:02:00.0]\ndriver = vfio/pci\n",
			 "F:2: driver: 'vfio/pci' is not a driver name"));
	CHECK(fails_with("[device 0000:02:00.0]\ndriver =\n", "F:2: driver: '' is not a driver"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = -1\n", "F:2: vfs: '-1' is not a number of VFs"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 03\n", "F:2: vfs: '03' is not"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 3x\n", "F:2: vfs: '3x' is not"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 2\nvf.2.vlan = 1\n",
			 "F:3: vf.2: no such VF: vfs = 2 (VFs 0 to 1)"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 2\nvf.0.mac = 01:00:00:00:00:10\n",
			 "F:3: vf.0.mac: '01:00:00:00:00:10' is not a unicast, non-zero MAC"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 2\nvf.0.mac = 00:00:00:00:00:00\n",
			 "F:3: vf.0.mac: '00:00:00:00:00:00' is not"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 2\nvf.0.mac = 02:00:00:00:00\n",
			 "F:3: vf.0.mac: '02:00:00:00:00' is not"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 2\nvf.0.mac = 02:00:00:00:00:1g\n",
			 "F:3: vf.0.mac:"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 2\nvf.0.vlan = 4096\n",
			 "F:3: vf.0.vlan: '4096' is not a VLAN ID (0-4095"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 2\nvf.0.vlan = 5\nvf.0.qos = 8\n",
			 "F:4: vf.0.qos: '8' is not a priority (0-7)"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 2\nvf.0.qos = 1\n",
			 "F:3: vf.0.qos: needs vf.0.vlan"));
	/* VLAN 0 is no VLAN: no tag to carry the priority */
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 2\nvf.0.qos = 1\nvf.0.vlan = 0\n",
			 "F:3: vf.0.qos: needs vf.0.vlan 1-4095"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 2\nvf.0.trust = yes\n",
			 "F:3: vf.0.trust: 'yes': expected on or off"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 2\nvf.0.spoofchk = 1\n",
			 "F:3: vf.0.spoofchk: '1': expected on or off"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 2\nvf.0.state = up\n",
			 "F:3: vf.0.state: 'up': expected auto, enable or disable"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 2\nvf.0.speed = 10\n",
			 "F:3: vf.0.speed: unknown VF attribute 'speed'"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 2\nvf.x.mac = 02:00:00:00:00:01\n",
			 "F:3: vf.x.mac: unknown key"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 2\nvf.01.vlan = 1\n",
			 "F:3: vf.01.vlan: unknown key"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 2\nvf.0.vlan = 1\nvf.0.vlan = 2\n",
			 "F:4: vf.0.vlan: already set at line 3"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = 2\nvf-drivers = vfio-pci\n",
			 "F:3: vf-drivers: unknown key in a [pf] section"));
	/* every error is reported, not only the first */
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = x\nvf.0.vlan = 9999\n",
			 "F:3: vf.0.vlan: '9999'"));
	CHECK(fails_with("[pf 0000:01:00.0]\nvfs = x\nvf.0.vlan = 9999\n", "F:2: vfs: 'x'"));
}

/* The default set: /etc/vfioctl.conf, then /etc/vfioctl.d/\*.conf sorted, under the sysroot. */
static void test_default_files(void)
{
	_cleanup_free_ char *root = xasprintf("%s/root", tmpdir);
	_cleanup_free_ char *etc = xasprintf("%s/etc", root);
	_cleanup_free_ char *d = xasprintf("%s/etc/vfioctl.d", root);
	_cleanup_config_ struct config *c = NULL;
	char *p;

	mkdir(root, 0755);
	mkdir(etc, 0755);
	CHECK(sysfs_set_root(root) == 0);
	/* nothing configured: an empty configuration */
	CHECK(config_load(NULL, 0, &c) == 0 && c && c->n_files == 0);
	config_free(c);
	c = NULL;
	mkdir(d, 0755);
	free(write_file("root/etc/vfioctl.conf", "[device 0000:02:00.0]\ndriver = vfio-pci\n",
			0644));
	free(write_file("root/etc/vfioctl.d/20-b.conf", "[pf 0000:01:00.0]\nvfs = 1\n", 0644));
	free(write_file("root/etc/vfioctl.d/10-a.conf", "[device 0000:03:00.0]\ndriver = a\n",
			0644));
	free(write_file("root/etc/vfioctl.d/30-c.conf.disabled", "garbage\n", 0644));
	free(write_file("root/etc/vfioctl.d/.hidden.conf", "garbage\n", 0644));
	CHECK(config_load(NULL, 0, &c) == 0 && c);
	if (c) {
		CHECK(c->n_files == 3);
		CHECK(strstr(c->files[0], "/root/etc/vfioctl.conf") != NULL);
		CHECK(strstr(c->files[1], "/10-a.conf") != NULL);
		CHECK(strstr(c->files[2], "/20-b.conf") != NULL);
		CHECK(c->n_devices == 2 && streq(c->devices[1].addr, "0000:03:00.0"));
		CHECK(c->n_pfs == 1 && c->pfs[0].origin.file == c->files[2]);
	}
	config_free(c);
	c = NULL;
	/* an error in one file: nothing is used */
	p = write_file("root/etc/vfioctl.d/15-bad.conf", "[device 0000:03:00.0]\ndriver = b\n",
		       0644);
	CHECK(config_load(NULL, 0, &c) == -E_USAGE && !c);
	unlink(p);
	free(p);
	/* ownership: only root may be able to write a config file */
	if (geteuid() == 0) {
		p = write_file("root/etc/vfioctl.d/10-a.conf",
			       "[device 0000:03:00.0]\ndriver = a\n", 0664);
		chown(p, 0, 1000);
		CHECK(config_load(NULL, CONFIG_CHECK_OWNER, &c) == -E_USAGE && !c);
		chmod(p, 0644);
		CHECK(config_load(NULL, CONFIG_CHECK_OWNER, &c) == 0 && c);
		config_free(c);
		c = NULL;
		chown(p, 1000, 0);
		CHECK(config_load(NULL, CONFIG_CHECK_OWNER, &c) == -E_USAGE && !c);
		CHECK(config_load(NULL, 0, &c) == 0 && c);
		config_free(c);
		c = NULL;
		chown(p, 0, 0);
		chmod(d, 0777);
		CHECK(config_load(NULL, CONFIG_CHECK_OWNER, &c) == -E_USAGE && !c);
		chmod(d, 0755);
		free(p);
	} else {
		p = write_file("root/etc/vfioctl.d/10-a.conf",
			       "[device 0000:03:00.0]\ndriver = a\n", 0644);
		/* not owned by root */
		CHECK(config_load(NULL, CONFIG_CHECK_OWNER, &c) == -E_USAGE && !c);
		free(p);
	}
	CHECK(sysfs_set_root(NULL) == 0);
}

static void test_persist(void)
{
	_cleanup_free_ char *root = xasprintf("%s/proot", tmpdir);
	_cleanup_free_ char *etc = xasprintf("%s/etc", root);
	_cleanup_free_ char *file = xasprintf("%s/etc/vfioctl.d/vfioctl-persist.conf", root);
	_cleanup_config_ struct config *c = NULL;
	struct vf_attrs a = VF_ATTRS_UNSET;
	struct stat st;
	char *p;

	mkdir(root, 0755);
	mkdir(etc, 0755);
	CHECK(sysfs_set_root(root) == 0);
	/* the check before a change writes nothing */
	CHECK(config_persist_device("0000:02:00.0", "vfio-pci", true) == 0);
	CHECK(config_persist_pf("0000:01:00.0", 2, NULL, true) == 0);
	CHECK(stat(file, &st) < 0 && errno == ENOENT);
	CHECK(config_persist_device("0000:02:00.0", "vfio-pci", false) == 0);
	CHECK(stat(file, &st) == 0 && (st.st_mode & 07777) == 0644);
	CHECK(config_persist_device("0000:02:00.0", "pci-stub", false) == 0);
	CHECK(config_persist_device("0000:03:00.0", "vfio-pci", false) == 0);
	CHECK(config_persist_pf("0000:01:00.0", 4, "vfio-pci", false) == 0);
	CHECK(config_parse_mac("02:00:00:00:00:33", a.mac) == 0);
	a.has_mac = true;
	a.vlan = 7;
	CHECK(config_persist_vf("0000:01:00.0", 3, &a, 0, false) == 0);
	a = (struct vf_attrs)VF_ATTRS_UNSET;
	a.trust = 1;
	CHECK(config_persist_vf("0000:01:00.0", 3, &a, 0, false) == 0);
	CHECK(config_persist_vf("0000:01:00.0", 1, &a, 0, false) == 0);
	/* a VF beyond the configured count */
	CHECK(config_persist_vf("0000:01:00.0", 4, &a, 0, false) == -E_USAGE);
	/* a new PF entry takes the live count */
	CHECK(config_persist_vf("0000:05:00.0", 0, &a, 2, false) == 0);
	CHECK(config_load(NULL, 0, &c) == 0 && c);
	if (c) {
		const struct cfg_pf *pf = config_find_pf(c, "0000:01:00.0");
		const struct cfg_vf *vf = pf ? config_find_vf(pf, 3) : NULL;

		CHECK(c->n_devices == 2 &&
		      streq(config_find_device(c, "0000:02:00.0")->driver, "pci-stub"));
		CHECK(pf && pf->numvfs == 4 && streq(pf->vf_driver, "vfio-pci") && pf->n_vfs == 2);
		CHECK(vf && vf->attrs.has_mac && vf->attrs.vlan == 7 && vf->attrs.trust == 1);
		CHECK(config_find_pf(c, "0000:05:00.0")->numvfs == 2);
	}
	config_free(c);
	c = NULL;
	/* shrinking drops attributes of VFs that go away; no vf-driver: the host's */
	CHECK(config_persist_pf("0000:01:00.0", 2, NULL, false) == 0);
	CHECK(config_load(NULL, 0, &c) == 0 && c);
	if (c) {
		const struct cfg_pf *pf = config_find_pf(c, "0000:01:00.0");

		CHECK(pf && pf->numvfs == 2 && !pf->vf_driver && pf->n_vfs == 1);
	}
	config_free(c);
	c = NULL;
	/* entries of other files are not overridden */
	p = write_file("proot/etc/vfioctl.conf", "[device 0000:06:00.0]\ndriver = vfio-pci\n",
		       0644);
	CHECK(config_persist_device("0000:06:00.0", "vfio-pci", false) ==
	      0); /* same: nothing to do */
	CHECK(config_persist_device("0000:06:00.0", "pci-stub", false) == -E_USAGE);
	CHECK(config_persist_pf("0000:06:00.0", 1, NULL, false) == -E_USAGE);
	/* ... nor written while the configuration is invalid */
	free(p);
	p = write_file("proot/etc/vfioctl.conf", "[device 0000:06:00.0]\n", 0644);
	CHECK(config_persist_device("0000:07:00.0", "vfio-pci", false) == -E_USAGE);
	free(p);
	CHECK(sysfs_set_root(NULL) == 0);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	CHECK(config_driver_valid("vfio-pci") && config_driver_valid("mlx5_vfio_pci"));
	CHECK(!config_driver_valid("") && !config_driver_valid("a b") &&
	      !config_driver_valid(".."));
	test_valid();
	test_empty();
	test_errors();
	test_default_files();
	test_persist();
	{
		_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
	return unit_report("test-config");
}
