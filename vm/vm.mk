# vm/vm.mk: what vm/stapvm builds (run from the top of the tree):
#   make -f vm/vm.mk vm-progs     static staprun/stapio/stapsh/stap-merge for the
#                                 initramfs and the host stapvm-client
include staprun/Makefrag

CC ?= cc
CFLAGS ?= -O2 -g -Wall -Wextra

$(STAPRUN_VMDIR)/stapvm-client: vm/client.c stap/remote.c stap/remote.h
	@mkdir -p $(STAPRUN_VMDIR)
	$(CC) $(CFLAGS) -std=gnu11 -I. $(LDFLAGS) -o $@ vm/client.c stap/remote.c

.PHONY: vm-progs
vm-progs: $(STAPRUN_STATIC_PROGS) $(STAPRUN_VMDIR)/stapvm-client
