# vm/vm.mk: what vm/stapvm builds (run from the top of the tree):
#   make -f vm/vm.mk vm-progs     static staprun/stapio/stapsh/stap-merge/stap-exporter for the
#                                 initramfs, installed by install-runtime into
#                                 build/vm/runtime-root (the VM's runtime side,
#                                 staprun not yet setuid: vm/mkinitramfs does
#                                 that in the image; no staprun@.service, the
#                                 VM has no systemd), and the host stapvm-client;
#                                 the image's paths are always the same,
#                                 whatever a `make install` above passed on
include staprun/Makefrag

CC ?= cc
CFLAGS ?= -O2 -g -Wall -Wextra

$(STAPRUN_VMDIR)/stapvm-client: vm/client.c stap/remote.c stap/remote.h
	@mkdir -p $(STAPRUN_VMDIR)
	$(CC) $(CFLAGS) -std=gnu11 -I. $(LDFLAGS) -o $@ vm/client.c stap/remote.c

VM_ROOT := $(STAPRUN_VMDIR)/runtime-root
$(VM_ROOT).stamp: $(STAPRUN_STATIC_PROGS) staprun/Makefrag vm/vm.mk \
		man/staprun.8 man/stap-merge.1 man/stap-exporter.8
	rm -rf $(VM_ROOT)
	$(MAKE) -s -f vm/vm.mk install-runtime DESTDIR=$(abspath $(VM_ROOT)) \
		prefix=/usr exec_prefix=/usr bindir=/usr/bin \
		datarootdir=/usr/share mandir=/usr/share/man \
		pkglibexecdir=/usr/lib/systemtap \
		STAPRUN_FROM=$(STAPRUN_VMDIR) STAPRUN_SETUID=0 systemdsystemunitdir=
	touch $@

.PHONY: vm-progs
vm-progs: $(STAPRUN_STATIC_PROGS) $(STAPRUN_VMDIR)/stapvm-client \
	$(VM_ROOT).stamp
