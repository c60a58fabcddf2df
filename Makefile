# vfioctl — see README.md. `make` builds ./vfioctl; `make check` runs the fast tests.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share
# udev and systemd read these whatever PREFIX is
UDEVRULESDIR ?= /usr/lib/udev/rules.d
# mkinitramfs reads hooks and boot scripts only from here (and /etc)
INITRAMFSTOOLSDIR ?= /usr/share/initramfs-tools
SYSTEMDUNITDIR ?= /usr/lib/systemd/system
# dracut reads its modules only here
DRACUTMODDIR ?= /usr/lib/dracut/modules.d
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

PKGS := libpci libudev jansson libkmod libmnl inih
CC ?= cc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libkmod is dlopen()ed when needed (src/kmodlib.c): its cflags only
PKG_LIBS = $(shell pkg-config --libs $(filter-out libkmod,$(PKGS)) 2>/dev/null)
BASE_CFLAGS = -std=gnu11 $(WARN) -Iinclude -DVERSION='"$(VERSION)"' -DVFIOCTL_DATADIR='"$(DATADIR)"' -D_GNU_SOURCE
ALL_CFLAGS = $(BASE_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)

SRCS := $(sort $(wildcard src/*.c))
OBJS := $(SRCS:src/%.c=build/obj/%.o)
SAN_OBJS := $(SRCS:src/%.c=build/san/%.o)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.PHONY: FORCE all deps run check check-unit check-bats check-fuzz check-docs check-format check-vm check-vm-arm64 check-dracut fixtures \
	golden install clean bench format deb check-deb

all: vfioctl

vfioctl: $(OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $(OBJS) $(PKG_LIBS) $(LDFLAGS)

build/obj/%.o: src/%.c $(wildcard include/*.h) | build/obj
	$(CC) $(ALL_CFLAGS) -MMD -c -o $@ $<

# The same sources with ASan and UBSan, for the test suite.
build/vfioctl-san: $(SAN_OBJS)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $(SAN_OBJS) $(PKG_LIBS) $(LDFLAGS)

build/san/%.o: src/%.c $(wildcard include/*.h) | build/san
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

build/obj build/san:
	mkdir -p $@

# VERSION is compiled into these two: rebuild them when `git describe` changes
build/version: FORCE | build/obj
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' >$@
build/obj/main.o build/obj/cmd-snapshot.o build/san/main.o build/san/cmd-snapshot.o: build/version
FORCE:

deps:
	scripts/install-deps.sh

# The README's first command: install what is missing, build, run read-only on this host.
run: deps
	$(MAKE) vfioctl
	./vfioctl list
	./vfioctl groups
	@# exit 1 means a check failed on this host (e.g. a CI VM without an IOMMU): not an error here
	./vfioctl doctor || true

# The README's second command: all fast tests, no root needed, no VM.
check: deps
	$(MAKE) vfioctl build/vfioctl-san
	$(MAKE) check-unit check-bats check-fuzz check-docs check-format

UNIT_SRCS := $(sort $(wildcard tests/unit/test-*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/unit/%)
LIB_SAN_OBJS := $(filter-out build/san/main.o,$(SAN_OBJS))

# Unit tests link the library objects (not main) with the sanitizers on.
build/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIB_SAN_OBJS) | build/unit
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -Itests/unit -o $@ $< $(LIB_SAN_OBJS) $(PKG_LIBS) $(LDFLAGS)

build/unit:
	mkdir -p $@

check-unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do $$t || exit 1; done

check-bats: vfioctl build/vfioctl-san
	VFIOCTL=$(CURDIR)/vfioctl bats tests/bats
	VFIOCTL=$(CURDIR)/build/vfioctl-san ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 bats tests/bats

# Mutated copies of the snapshots, every read-only command, sanitizers on.
check-fuzz: build/vfioctl-san
	VFIOCTL=$(CURDIR)/build/vfioctl-san bats tests/fuzz

check-docs: vfioctl
	tests/check-docs.sh

check-format:
	@command -v clang-format >/dev/null || { echo "clang-format missing: run scripts/install-deps.sh"; exit 1; }
	clang-format --dry-run --Werror src/*.c include/*.h

format:
	clang-format -i src/*.c include/*.h

# The dracut module: build an initramfs with it (dracut unpacked, not installed), list it.
check-dracut: vfioctl
	scripts/install-deps.sh --dracut
	tests/check-dracut.sh

# Real kernel: boot each topology under QEMU and run tests/vm/*.bats inside.
check-vm: vfioctl
	scripts/install-deps.sh --vm
	tests/vm/check-vm.sh

# aarch64 cross build for the Arm SMMUv3 boot, in build/arm64/ (the x86 ./vfioctl stays):
# Debian's gcc-aarch64-linux-gnu and the arm64 -dev packages (install-deps.sh --vm-arm64).
ARM64_CC ?= aarch64-linux-gnu-gcc
ARM64_PKG_CONFIG = PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig pkg-config
build/arm64/vfioctl: $(SRCS) $(wildcard include/*.h) build/version
	mkdir -p build/arm64
	$(ARM64_CC) $(BASE_CFLAGS) $(shell $(ARM64_PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) -O2 -g \
		-o $@ $(SRCS) $(shell $(ARM64_PKG_CONFIG) --libs $(filter-out libkmod,$(PKGS)) 2>/dev/null)

# Arm: qemu-system-aarch64 -M virt,iommu=smmuv3 (TCG), Debian's arm64 kernel, an arm64 initramfs.
check-vm-arm64:
	scripts/install-deps.sh --vm-arm64
	$(MAKE) build/arm64/vfioctl
	tests/vm/arm64/run.sh

# Boot each topology, snapshot it, store under tests/fixtures/ (then `make golden`).
fixtures: vfioctl
	scripts/install-deps.sh --vm
	tests/vm/make-fixtures.sh

golden: vfioctl
	tests/bats/update-golden.sh

bench: vfioctl
	scripts/install-deps.sh --bench
	tests/vm/bench.sh

install: vfioctl
	install -Dm755 vfioctl $(DESTDIR)$(BINDIR)/vfioctl
	scdoc < man/vfioctl.8.scd > build/vfioctl.8
	install -Dm644 build/vfioctl.8 $(DESTDIR)$(MANDIR)/man8/vfioctl.8
	install -Dm644 completions/vfioctl.bash $(DESTDIR)$(DATADIR)/bash-completion/completions/vfioctl
	install -Dm644 completions/_vfioctl $(DESTDIR)$(DATADIR)/zsh/vendor-completions/_vfioctl
	install -Dm644 completions/vfioctl.fish $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/vfioctl.fish
	sed 's|@BINDIR@|$(BINDIR)|g' contrib/udev/69-vfioctl.rules >build/69-vfioctl.rules
	install -Dm644 build/69-vfioctl.rules $(DESTDIR)$(UDEVRULESDIR)/69-vfioctl.rules
	sed 's|@BINDIR@|$(BINDIR)|g' contrib/systemd/vfioctl.service >build/vfioctl.service
	install -Dm644 build/vfioctl.service $(DESTDIR)$(SYSTEMDUNITDIR)/vfioctl.service
	@# the dracut module (contrib/dracut/90vfioctl)
	install -Dm755 contrib/dracut/90vfioctl/module-setup.sh $(DESTDIR)$(DRACUTMODDIR)/90vfioctl/module-setup.sh
	install -Dm755 contrib/dracut/90vfioctl/vfioctl-early.sh $(DESTDIR)$(DRACUTMODDIR)/90vfioctl/vfioctl-early.sh
	@# initramfs-tools: the early binding (vfioctl(8), BOOT)
	for f in hooks/vfioctl scripts/init-top/vfioctl; do \
		sed 's|@BINDIR@|$(BINDIR)|g' contrib/initramfs-tools/$$f >build/initramfs-$${f%%/*}-vfioctl && \
		install -Dm755 build/initramfs-$${f%%/*}-vfioctl $(DESTDIR)$(INITRAMFSTOOLSDIR)/$$f || exit 1; done
	@# the Ansible collection vfioctl.vfioctl (contrib/ansible/README.md)
	cd contrib/ansible && find ansible_collections -type f ! -path '*/__pycache__/*' | sort | while read -r f; do \
		install -Dm644 "$$f" "$(DESTDIR)$(DATADIR)/vfioctl/ansible/$$f" || exit 1; done

# The Debian package, built from a clone of the committed HEAD (never the work
# tree) into build/deb/: scripts/build-deb.sh. check-deb also runs lintian.
deb:
	scripts/install-deps.sh --deb
	scripts/build-deb.sh

check-deb:
	scripts/install-deps.sh --deb
	scripts/build-deb.sh --lintian

clean:
	rm -rf build vfioctl

-include $(OBJS:.o=.d)
