# Makefile - builds everything uninstalled; `make check` runs the tests.
ifeq ($(wildcard config.mk),)
$(error run ./configure first (see README))
endif
include config.mk

WARN := -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers
CFLAGS += -std=gnu11 $(WARN)
CPPFLAGS += -I. -D_GNU_SOURCE

STAP_SRCS := $(sort $(wildcard stap/*.c))
STAP_OBJS := $(STAP_SRCS:.c=.o)
ASAN_DIR := build/asan
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -g -O1 \
	-Wno-format-truncation  # GCC 12 misfires on vsnprintf under -fsanitize
ASAN_OBJS := $(patsubst stap/%.c,$(ASAN_DIR)/stap/%.o,$(STAP_SRCS))

STAPRUN_PROGS :=
STAPRUN_STATIC_PROGS :=
-include staprun/Makefrag
include man/Makefrag

all: stap/stap $(STAPRUN_PROGS) syscalls man

# syscall.* and nd_syscall.*: generated from a table (the results are
# committed; testsuite/host/tapset/syscalls_gen.sh checks them).
UNISTD_DIR ?= /usr/include/x86_64-linux-gnu/asm
SYSCALL_GEN := tapset/linux/syscalls.stp tapset/linux/nd_syscalls.stp
syscalls: tapset/linux/syscalls.stp
tapset/linux/syscalls.stp: tapset/linux/syscalls.tab scripts/gen-syscalls
	scripts/gen-syscalls $< $(UNISTD_DIR)/unistd_64.h \
		$(UNISTD_DIR)/unistd_32.h tapset/linux
tapset/linux/nd_syscalls.stp: tapset/linux/syscalls.stp
$(MAN_OUT)/.stamp: tapset/linux/syscalls.stp

stap/stap: $(STAP_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBDW) $(LIBELF) -llzma

stap/%.o: stap/%.c stap/stap.h $(wildcard stap/*.h)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The same translator under ASan and UBSan, for the host tests.
$(ASAN_DIR)/stap/stap: $(ASAN_OBJS)
	$(CC) $(ASAN_FLAGS) $(LDFLAGS) -o $@ $^ $(LIBDW) $(LIBELF) -llzma

$(ASAN_DIR)/stap/%.o: stap/%.c stap/stap.h $(wildcard stap/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(ASAN_FLAGS) -c -o $@ $<

asan: $(ASAN_DIR)/stap/stap

# libFuzzer target for passes 1-2 (clang); main() is libFuzzer's.
FUZZ_DIR := build/fuzz
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer
$(FUZZ_DIR)/fuzz_front: testsuite/fuzz/fuzz_front.c $(STAP_SRCS) stap/stap.h
	@mkdir -p $(FUZZ_DIR)
	clang -std=gnu11 $(CPPFLAGS) $(FUZZ_FLAGS) -Dmain=stap_main -o $@ \
		testsuite/fuzz/fuzz_front.c $(STAP_SRCS) $(LIBDW) $(LIBELF) -llzma

fuzz: $(FUZZ_DIR)/fuzz_front

check: all asan fuzz
	testsuite/run-tests

check-host: all asan fuzz
	testsuite/run-tests --host

configure: configure.ac
	autoconf

# The test VM's programs: static staprun/stapio/stapsh/stap-merge, their
# install-runtime tree build/vm/runtime-root, stapvm-client (vm/stapvm
# builds them on demand in the tree).
vm-progs:
	$(MAKE) -f vm/vm.mk vm-progs

# install: everything; install-runtime (staprun/Makefrag): only what a
# host that runs prebuilt modules needs; install-man (man/Makefrag): the
# manual pages; install-stap: the translator, stap-prep, stap-report,
# tapsets and runtime sources; install-vm: the test VM (stap
# --remote=vm), in $(pkglibexecdir)/vm/, where the installed stap looks
# for stapvm (../lib/systemtap/vm/stapvm from $(bindir)): stapvm, its
# client, fetch-kernel, the initramfs' init, inittab, mkinitramfs and the
# VM's runtime side (runtime-root; staprun is made setuid in the image
# only).  The Debian packages (make deb) take install-stap,
# install-runtime and install-man.
VMDIR = $(pkglibexecdir)/vm
install: install-stap install-vm install-runtime install-man

install-stap: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(datadir)/systemtap
	install -m 755 stap/stap scripts/stap-prep scripts/stap-report \
		$(DESTDIR)$(bindir)/
	cp -r tapset runtime $(DESTDIR)$(datadir)/systemtap/

install-vm: all vm-progs
	install -d $(DESTDIR)$(VMDIR)
	install -m 755 vm/stapvm vm/mkinitramfs vm/init scripts/fetch-kernel \
		build/vm/stapvm-client $(DESTDIR)$(VMDIR)/
	install -m 644 vm/inittab $(DESTDIR)$(VMDIR)/
	rm -rf $(DESTDIR)$(VMDIR)/runtime-root
	cp -a build/vm/runtime-root $(DESTDIR)$(VMDIR)/

# The Debian packages systemtap-c (all but the test VM) and
# systemtap-c-runtime (install-runtime), built by dpkg-buildpackage from
# debian/ in a copy of the sources, into build/deb/.
deb:
	scripts/mkdeb build/deb

# lintian over both packages (4 minutes: the 2,400 pages of the full one).
deb-lintian: deb
	lintian --pedantic -I build/deb/*.changes

clean:
	rm -f stap/*.o stap/stap $(STAPRUN_PROGS) $(STAPRUN_STATIC_PROGS)
	rm -rf build testsuite/out

.PHONY: syscalls all asan fuzz check check-host install install-stap \
	install-vm clean vm-progs deb deb-lintian
