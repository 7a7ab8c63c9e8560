# Umbra: a RISC-V hypervisor.  One Makefile builds Umbra, libfdt (from
# Debian's Linux source), the test guests and the host unit tests, and runs
# guests and tests.  `make help` lists the targets.

# ---- Tools -------------------------------------------------------------------
CROSS   ?= riscv64-unknown-elf-
CC      := $(CROSS)gcc
OBJCOPY := $(CROSS)objcopy
HOSTCC  ?= gcc
# Debian's python3, which has python3-pytest and python3-pexpect.
PYTHON  ?= /usr/bin/python3
BUILD   ?= build

# ---- Umbra ---------------------------------------------------------------------
# Umbra itself uses no floating point (the FP registers belong to the guest),
# so it is built for rv64imac with the lp64 ABI, position-independent enough
# (medany) to run in its window at the top of the address space.
# (The link uses plain rv64imac: that is the name of picolibc's multilib.)
UMBRA_ARCH := -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany
UMBRA_DIRS := src/core src/trap src/decode src/shadowpt src/patch src/vdev src/host src/hext \
	src/net
UMBRA_CFLAGS := $(UMBRA_ARCH) -std=gnu11 -O2 -g -ffreestanding -fno-common \
	-fno-stack-protector -fno-builtin-printf -Wall -Wextra -Werror \
	--specs=picolibc.specs -Isrc/include $(addprefix -I,$(UMBRA_DIRS)) \
	-I$(BUILD)/libfdt/src
UMBRA_LDFLAGS := -march=rv64imac -mabi=lp64 -mcmodel=medany -nostartfiles --specs=picolibc.specs \
	-T src/core/umbra.ld -Wl,--gc-sections -Wl,--no-warn-rwx-segments

UMBRA_SRCS := $(foreach d,$(UMBRA_DIRS),$(wildcard $(d)/*.c $(d)/*.S))
UMBRA_OBJS := $(patsubst %,$(BUILD)/umbra/%.o,$(UMBRA_SRCS))

# ---- libfdt, compiled from the copy in Debian's linux-source-6.1 ------------------
LINUX_TAR  := /usr/src/linux-source-6.1.tar.xz
LIBFDT_SRC := $(BUILD)/libfdt/src
LIBFDT_C   := fdt.c fdt_ro.c fdt_rw.c fdt_sw.c fdt_wip.c fdt_strerror.c fdt_addresses.c fdt_empty_tree.c
LIBFDT_OBJS := $(patsubst %.c,$(BUILD)/libfdt/%.o,$(LIBFDT_C))

# ---- Guests: guests/<name>/<name>.c (tests, demo) and bench/<name>/<name>.c
# (benchmarks), each linked with the runtime in guests/lib -------------------------
GUEST_ARCH   := -march=rv64imafdc_zicsr_zifencei -mabi=lp64d -mcmodel=medany
GUEST_CFLAGS := $(GUEST_ARCH) -O2 -g -ffreestanding -nostartfiles \
	--specs=picolibc.specs -Wall -Wextra -Werror -Isrc/include -Iguests/lib
GUEST_LDFLAGS := -T guests/lib/guest.ld -DPICOLIBC_INTEGER_PRINTF_SCANF -Wl,--no-warn-rwx-segments
GUEST_LIB    := $(wildcard guests/lib/*.c guests/lib/*.S)
# (guests/linux/ holds the Linux guest and programs for it: see the initramfs.)
GUEST_NAMES  := $(filter-out lib linux,$(notdir $(patsubst %/,%,$(dir $(wildcard guests/*/*.c)))))
# (bench/linux/ holds programs for the Linux guest instead: see the initramfs.)
BENCH_NAMES  := $(filter-out linux,$(notdir $(patsubst %/,%,$(dir $(wildcard bench/*/*.c)))))
GUEST_ELFS   := $(patsubst %,$(BUILD)/guests/%.elf,$(sort $(GUEST_NAMES) $(BENCH_NAMES)))
GUEST_DEPS   := $(GUEST_LIB) $(wildcard guests/lib/*.h) guests/lib/guest.ld src/include/riscv.h

# ---- Configurations: configs/<name>.dts, compiled by Debian's dtc; checked on
# the host by tools/umbra-config (the parser Umbra uses, src/core/config.c) -----
CONFIG_DTBS  := $(patsubst configs/%.dts,$(BUILD)/configs/%.dtb,$(wildcard configs/*.dts))
UMBRA_CONFIG := $(BUILD)/tools/umbra-config
LIBFDT_RO    := $(addprefix $(LIBFDT_SRC)/,fdt.c fdt_ro.c)

# ---- Host unit tests ----------------------------------------------------------------
# Umbra's pure parts compiled for the host (UMBRA_HOST_TEST: a simulated hart's
# CSRs, see src/include/umbra.h), each test with the sources it exercises.
# They run under AddressSanitizer and UBSan: any report fails the test.
# (UMBRA_NO_TRACE: the exit trace's hooks compile away; the trace is Umbra's.)
HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -DUMBRA_HOST_TEST -DUMBRA_NO_TRACE \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-Isrc/include $(addprefix -I,$(UMBRA_DIRS))
HOST_TESTS  := $(BUILD)/host/test_decode $(BUILD)/host/decode_dump \
	$(BUILD)/host/test_disasm \
	$(BUILD)/host/test_vcsr $(BUILD)/host/test_walk \
	$(BUILD)/host/test_uart $(BUILD)/host/test_plic \
	$(BUILD)/host/test_shadow $(BUILD)/host/test_virtio $(BUILD)/host/test_patch \
	$(BUILD)/host/test_net
HOST_SRCS_test_decode := src/decode/decode.c
HOST_SRCS_decode_dump := src/decode/decode.c src/decode/disasm.c
HOST_SRCS_test_disasm := src/decode/decode.c src/decode/disasm.c
HOST_SRCS_test_vcsr   := src/trap/csr.c src/trap/inject.c src/decode/decode.c
HOST_SRCS_test_walk   := src/shadowpt/walk.c
HOST_SRCS_test_uart   := src/vdev/uart.c
HOST_SRCS_test_plic   := src/vdev/plic.c
HOST_SRCS_test_shadow := src/shadowpt/shadow.c src/shadowpt/walk.c src/core/pt.c
HOST_SRCS_test_virtio := src/vdev/virtio.c src/vdev/virtio_blk.c src/vdev/virtio_console.c
HOST_SRCS_test_patch  := src/patch/patch.c src/decode/decode.c
HOST_SRCS_test_net    := src/vdev/virtio.c src/vdev/virtio_net.c src/net/vswitch.c

# ---- Running guests ------------------------------------------------------------------
# GUEST=linux (the default) is the Linux guest with its initramfs and disk;
# GUEST=<name> one of guests/ or bench/; anything else a kernel image file.
GUEST   ?= linux
ifeq ($(GUEST),linux)
GUEST_ARGS = --guest $(LINUX_OUT)/Image --initrd $(LINUX_OUT)/initramfs.cpio.gz \
	--disk $(LINUX_OUT)/disk.img
GUEST_NEEDS = linux-images
APPEND  ?= console=ttyS0
MEM     ?= 256M
else ifneq ($(wildcard guests/$(GUEST)/$(GUEST).c bench/$(GUEST)/$(GUEST).c),)
GUEST_ARGS = --guest $(BUILD)/guests/$(GUEST).elf
else
GUEST_ARGS = --guest "$(GUEST)"
endif
# CONFIG=configs/<name>.dts: the guests that file lists (GUEST, MEM, SMP, APPEND,
# INITRD and DISK describe a one-guest configuration instead); HARTS: the
# machine's harts (default: one per vCPU).
ifneq ($(CONFIG),)
GUEST_ARGS = --config $(patsubst configs/%.dts,$(BUILD)/configs/%.dtb,$(CONFIG))
GUEST_NEEDS = linux-images
endif
BACKEND ?= auto
SMP     ?= 1
# The machine's harts under Umbra (empty: as many as SMP); fewer share them.
HARTS   ?=
MEM     ?= 128M
CPU     ?= rv64,h=false
PATCH   ?= 1
# The exit trace (src/core/trace.h): TRACE=csr,sbi,pf,mmio,irq,priv,exc|all, written
# to TRACE_FILE; TRACE_VCPU=NAME/N and TRACE_PC=LO-HI (hex) narrow it.
TRACE   ?=
TRACE_FILE ?= $(BUILD)/trace.log
RUN_ARGS = $(GUEST_ARGS) --backend $(BACKEND) --smp $(SMP) $(if $(HARTS),--harts $(HARTS)) --mem $(MEM) \
	--cpu "$(CPU)" --patch $(PATCH) --umbra $(BUILD)/umbra.bin \
	$(if $(APPEND),--append "$(APPEND)") $(if $(INITRD),--initrd "$(INITRD)") \
	$(if $(DISK),--disk "$(DISK)") $(if $(HARTS),--harts $(HARTS)) \
	$(if $(filter 1,$(NET)),--net) $(if $(HOSTFWD),--hostfwd $(HOSTFWD)) \
	--trace-file $(TRACE_FILE) $(if $(TRACE),--trace $(TRACE)) \
	$(if $(TRACE_VCPU),--trace-vcpu $(TRACE_VCPU)) $(if $(TRACE_PC),--trace-pc $(TRACE_PC))

.PHONY: all deps run test test-quick debug bench clean help host-tests guests fuzz fuzzers configs
all: $(BUILD)/umbra.bin $(UMBRA_CONFIG) guests configs

help:
	@echo "make deps    install the Debian packages Umbra needs (root or sudo)"
	@echo "make         build Umbra ($(BUILD)/umbra.bin) and the test guests"
	@echo "make run     boot a guest: GUEST=linux|<guest name>|file BACKEND=auto|shadow|hext|native"
	@echo "             SMP=n HARTS=n MEM=size APPEND=\"bootargs\" INITRD=file DISK=file CPU=qemu-cpu"
	@echo "             PATCH=0 (shadow: trap every privileged instruction, no ebreak patches)"
	@echo "             CONFIG=configs/x.dts: several guests (README: Configurations) HARTS=n"
	@echo "             NET=1 (a network card, QEMU user networking) HOSTFWD=port (-> guest :80)"
	@echo "             TRACE=csr,sbi,pf,mmio,irq,priv,exc|all: one line per exit into TRACE_FILE"
	@echo "             (default build/trace.log); TRACE_VCPU=name/n TRACE_PC=lo-hi narrow it;"
	@echo "             console keys: Ctrl-] t trace on/off, Ctrl-] s exit statistics so far"
	@echo "make linux-images  build the Linux guest (kernel, initramfs, disk)"
	@echo "make test    every test: host unit tests, fuzzers, test guests, Linux"
	@echo "make test-quick  the same without the Linux guest (no kernel build)"
	@echo "make debug   like run, but QEMU waits for gdb-multiarch (started for you)"
	@echo "make bench   benchmarks"

deps:
	@scripts/deps.sh

# Install what is missing first: make run and make test work on a fresh machine.
$(BUILD)/.deps: scripts/deps.sh
	@scripts/deps.sh
	@mkdir -p $(BUILD) && touch $@

# Rules below may compute prerequisites from the target name ($$$$*).
.SECONDEXPANSION:

# ---- Build rules ---------------------------------------------------------------------
$(BUILD)/libfdt/.extracted: | $(BUILD)/.deps
	@mkdir -p $(LIBFDT_SRC)
	@echo "  TAR     libfdt from $(LINUX_TAR)"
	@tar -xJf $(LINUX_TAR) -C $(LIBFDT_SRC) --strip-components=4 \
		--wildcards 'linux-source-6.1/scripts/dtc/libfdt/*'
	@touch $@

$(BUILD)/libfdt/%.o: $(BUILD)/libfdt/.extracted
	@echo "  CC      libfdt/$*.c"
	@$(CC) $(UMBRA_ARCH) -O2 -ffreestanding --specs=picolibc.specs -I$(LIBFDT_SRC) \
		-c $(LIBFDT_SRC)/$*.c -o $@

$(BUILD)/libfdt.a: $(LIBFDT_OBJS)
	@$(CROSS)ar rcs $@ $^

# Each object also gets a .d file (-MMD) listing the headers it includes:
# see "Header dependencies" at the end.
$(BUILD)/umbra/%.c.o: %.c $(BUILD)/umbra/%.c.d $(BUILD)/libfdt/.extracted
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(UMBRA_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/umbra/%.S.o: %.S $(BUILD)/umbra/%.S.d | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(UMBRA_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/umbra.elf: $(UMBRA_OBJS) $(BUILD)/libfdt.a src/core/umbra.ld
	@echo "  LD      $@"
	@$(CC) $(UMBRA_LDFLAGS) -o $@ $(UMBRA_OBJS) $(BUILD)/libfdt.a

# OpenSBI starts a flat image at 0x80200000.
$(BUILD)/umbra.bin: $(BUILD)/umbra.elf
	@$(OBJCOPY) -O binary $< $@

# The same Umbra with the exit trace's hooks compiled out (UMBRA_NO_TRACE,
# src/core/trace.h): make bench runs both to show that tracing, while off,
# costs nothing measurable.
UMBRA_NT_OBJS := $(patsubst %,$(BUILD)/umbra-notrace/%.o,$(UMBRA_SRCS))

$(BUILD)/umbra-notrace/%.o: % $(BUILD)/umbra-notrace/%.d $(BUILD)/libfdt/.extracted
	@mkdir -p $(dir $@)
	@echo "  CC      $< (no trace)"
	@$(CC) $(UMBRA_CFLAGS) -DUMBRA_NO_TRACE -MMD -MP -c $< -o $@

$(BUILD)/umbra-notrace.bin: $(UMBRA_NT_OBJS) $(BUILD)/libfdt.a src/core/umbra.ld
	@echo "  LD      $@"
	@$(CC) $(UMBRA_LDFLAGS) -o $(BUILD)/umbra-notrace.elf $(UMBRA_NT_OBJS) $(BUILD)/libfdt.a
	@$(OBJCOPY) -O binary $(BUILD)/umbra-notrace.elf $@

guests: $(GUEST_ELFS)

configs: $(CONFIG_DTBS)

$(BUILD)/configs/%.dtb: configs/%.dts | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	@echo "  DTC     $<"
	@dtc -q -I dts -O dtb -o $@ $<

# (libfdt's own sources are compiled without -Werror: they are not ours.)
$(UMBRA_CONFIG): tools/umbra-config.c src/core/config.c src/core/config.h $(BUILD)/libfdt/.extracted
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -DUMBRA_HOST_TEST -Isrc/include -Isrc/core \
		-I$(LIBFDT_SRC) -c -o $@.config.o src/core/config.c
	@$(HOSTCC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -DUMBRA_HOST_TEST -Isrc/include -Isrc/core \
		-I$(LIBFDT_SRC) -o $@ tools/umbra-config.c $@.config.o $(LIBFDT_RO)

$(BUILD)/guests/%.elf: $$(wildcard guests/$$*/*.c guests/$$*/*.S bench/$$*/*.c) $(GUEST_DEPS) | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	@echo "  GUEST   $@"
	@$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB) $(wildcard guests/$*/*.c guests/$*/*.S bench/$*/*.c)

# One command compiles and links all of a test's sources, so the headers
# they include are listed first, by a preprocessor pass (-MM), in $@.d.
$(BUILD)/host/%: tests/host/%.c $$(HOST_SRCS_$$*) $(BUILD)/host/%.d $(BUILD)/host/.cflags | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) $(HOST_CFLAGS) -MM -MP -MT $@ $< $(HOST_SRCS_$*) >$@.d
	@$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(HOST_SRCS_$*)

# The flags the host tests were built with, rewritten only when they change:
# new flags (sanitizers on or off) rebuild every host test.
$(BUILD)/host/.cflags: FORCE
	@mkdir -p $(dir $@)
	@echo '$(HOSTCC) $(HOST_CFLAGS)' | cmp -s - $@ || echo '$(HOSTCC) $(HOST_CFLAGS)' >$@

.PHONY: FORCE
FORCE:

host-tests: $(HOST_TESTS)

# ---- Fuzzers (make fuzz) ---------------------------------------------------------------
# libFuzzer harnesses (Debian's clang) with AddressSanitizer and UBSan, one
# per attack surface: tests/fuzz/fuzz_<name>.c, each with the sources it
# exercises, and a seed corpus in tests/fuzz/corpus/<name>/.  `make test`
# runs each one briefly (tests/test_fuzz.py); `make fuzz` runs each for
# FUZZ_SECONDS and keeps what it found under build/fuzz/.
FUZZCC       ?= clang
FUZZ_SECONDS ?= 300
FUZZ_CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Werror -DUMBRA_HOST_TEST -DUMBRA_FUZZ -DUMBRA_NO_TRACE \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Isrc/include $(addprefix -I,$(UMBRA_DIRS))
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZERS      := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))
FUZZ_SRCS_decode := src/decode/decode.c
FUZZ_SRCS_walk   := src/shadowpt/walk.c
FUZZ_SRCS_shadow := src/shadowpt/shadow.c src/shadowpt/walk.c src/core/pt.c
# Emptying a shadow scans whole tables: without trace-cmp callbacks it runs
# 2.5x faster, and reaches the same coverage.
$(BUILD)/fuzz/fuzz_shadow: FUZZ_CFLAGS += -fno-sanitize-coverage=trace-cmp
FUZZ_SRCS_virtio := src/vdev/virtio.c src/vdev/virtio_blk.c src/vdev/virtio_console.c
FUZZ_SRCS_net    := src/vdev/virtio.c src/vdev/virtio_net.c src/net/vswitch.c
FUZZ_SRCS_uart   := src/vdev/uart.c
FUZZ_SRCS_plic   := src/vdev/plic.c
# The PLIC's claim logic compares every source's priority in a loop: without
# trace-cmp callbacks (worthless for those data compares) it runs 5x faster.
$(BUILD)/fuzz/fuzz_plic: FUZZ_CFLAGS += -fno-sanitize-coverage=trace-cmp
# fuzz_fdt.c includes libfdt's sources, extracted from linux-source-6.1.
FUZZ_SRCS_fdt    := src/core/guest_fdt.c
$(BUILD)/fuzz/fuzz_fdt: FUZZ_CFLAGS += -I$(LIBFDT_SRC)
$(BUILD)/fuzz/fuzz_fdt: $(BUILD)/libfdt/.extracted
# fuzz_config.c includes libfdt's read-only part, extracted from linux-source-6.1.
FUZZ_SRCS_config := src/core/config.c
$(BUILD)/fuzz/fuzz_config: FUZZ_CFLAGS += -I$(LIBFDT_SRC) -Isrc/core
$(BUILD)/fuzz/fuzz_config: $(BUILD)/libfdt/.extracted
# fuzz_sbi.c compiles sbi.c and sbi_*.c itself (with host stand-ins for their RISC-V parts).
FUZZ_SRCS_sbi    :=
$(BUILD)/fuzz/fuzz_sbi: $(wildcard src/trap/sbi*.c)

# (The headers: $@.d, as for the host tests.)
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRCS_$$*) $(BUILD)/fuzz/fuzz_%.d | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	@$(FUZZCC) $(FUZZ_CFLAGS) -MM -MP -MT $@ $< $(FUZZ_SRCS_$*) >$@.d
	@$(FUZZCC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS_$*)

fuzzers: $(FUZZERS)

# Each harness in turn, FUZZ_SECONDS each, on its seed corpus plus what
# earlier runs found (build/fuzz/corpus/<name>).  The whole output goes to
# build/fuzz/<name>.log; shown are the final figures (executions, exec/s,
# cov: and ft: on the DONE line) or, when the fuzzer failed (a crash, a
# sanitizer report, a harness's check), the end of the log, and make stops.
fuzz: $(FUZZERS)
	@for n in $(FUZZ_NAMES); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$n $(BUILD)/fuzz/crashes/$$n; \
		log=$(BUILD)/fuzz/$$n.log; \
		seeds=tests/fuzz/corpus/$$n; test -d $$seeds || seeds=; \
		echo "  FUZZ    $$n for $(FUZZ_SECONDS) s (log: $$log)"; \
		if $(BUILD)/fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/crashes/$$n/ \
			$(BUILD)/fuzz/corpus/$$n $$seeds >$$log 2>&1; then \
			grep -E '^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
				$$log | sed 's/^/          /'; \
		else \
			grep -m 5 -E 'FUZZ_CHECK|ERROR:|runtime error:|panic' $$log; \
			tail -n 12 $$log; \
			echo "  FUZZ    $$n FAILED: the input is in $(BUILD)/fuzz/crashes/$$n/" >&2; \
			exit 1; \
		fi; \
	done

# ---- The Linux guest: Linux 6.1 + a busybox initramfs + an ext4 disk, built
# from Debian sources (linux-source-6.1, the busybox source package) ---------
#   $(BUILD)/linux/Image              the kernel (flat image for 0x80200000)
#   $(BUILD)/linux/vmlinux            the same kernel as ELF, for symbols
#   $(BUILD)/linux/initramfs.cpio.gz  busybox + /init (guests/linux/init)
#   $(BUILD)/linux/disk.img           16 MiB ext4 with a README
# Each is rebuilt only when its inputs change; the kernel takes ~5 minutes.
LINUX_CROSS ?= riscv64-linux-gnu-
# Parallel jobs for the kernel and busybox builds.
LINUX_JOBS  ?= $(shell nproc)

LINUX_OUT   := $(BUILD)/linux
LINUX_SRC   := $(LINUX_OUT)/src
LINUX_OBJ   := $(LINUX_OUT)/obj
# apt-get source downloads into BUSYBOX_PKG; dpkg-source unpacks into src/.
BUSYBOX_PKG := $(LINUX_OUT)/busybox-pkg
BUSYBOX_SRC := $(BUSYBOX_PKG)/src

# The kernel builds out of tree (O=), so its source stays as extracted.
LINUX_MAKE   = $(MAKE) -C $(LINUX_SRC) O=$(abspath $(LINUX_OBJ)) \
	ARCH=riscv CROSS_COMPILE=$(LINUX_CROSS) -j$(LINUX_JOBS)
BUSYBOX_MAKE = $(MAKE) -C $(BUSYBOX_SRC) CROSS_COMPILE=$(LINUX_CROSS) -j$(LINUX_JOBS)

.PHONY: linux-images
linux-images: $(LINUX_OUT)/Image $(LINUX_OUT)/initramfs.cpio.gz $(LINUX_OUT)/disk.img \
	$(LINUX_OUT)/disk-alpha.img $(LINUX_OUT)/disk-beta.img

# ---- Kernel ----------------------------------------------------------------------

$(LINUX_SRC)/.extracted: $(LINUX_TAR) | $(BUILD)/.deps
	@echo "  TAR     $(LINUX_TAR) -> $(LINUX_SRC)"
	@rm -rf $(LINUX_SRC) && mkdir -p $(LINUX_SRC)
	@tar -xJf $(LINUX_TAR) -C $(LINUX_SRC) --strip-components=1
	@touch $@

# tinyconfig, then our fragment merged on top (merge_config.sh runs the
# kernel's alldefconfig with it).  Then every line of the fragment must hold
# in the result: Kconfig silently drops (or forces) options whose dependencies
# say otherwise, and that is much easier to see here than at boot.  The
# result is kept as $(LINUX_OUT)/kernel.config, written only when all of this
# succeeded (the kernel's own .config exists as soon as tinyconfig ran).
$(LINUX_OUT)/kernel.config: guests/linux/linux.config $(LINUX_SRC)/.extracted
	@echo "  CONFIG  tinyconfig + $<"
	@mkdir -p $(LINUX_OBJ)
	@$(LINUX_MAKE) tinyconfig >$(LINUX_OBJ)/config.log
	@cd $(LINUX_SRC) && ARCH=riscv CROSS_COMPILE=$(LINUX_CROSS) \
		scripts/kconfig/merge_config.sh -O $(abspath $(LINUX_OBJ)) \
		$(abspath $(LINUX_OBJ))/.config $(abspath $<) >>$(abspath $(LINUX_OBJ))/config.log
	@grep '^CONFIG_' $< | while read -r opt; do \
		grep -qxF "$$opt" $(LINUX_OBJ)/.config || \
			{ echo "linux.config: $$opt is not in the final .config" >&2; exit 1; }; \
	done
	@sed -n 's/^# \(CONFIG_[A-Z0-9_]*\) is not set$$/\1/p' $< | while read -r opt; do \
		! grep -q "^$$opt=" $(LINUX_OBJ)/.config || \
			{ echo "linux.config: $$opt is still set in the final .config" >&2; exit 1; }; \
	done
	@cp $(LINUX_OBJ)/.config $@

# The kernel's own build prints its progress; it is incremental, and the copy
# gives Image a fresh timestamp even when nothing had to be rebuilt.
$(LINUX_OUT)/Image: $(LINUX_OUT)/kernel.config
	@echo "  KERNEL  Image (a few minutes the first time)"
	@$(LINUX_MAKE) Image
	@cp $(LINUX_OBJ)/vmlinux $(LINUX_OUT)/vmlinux
	@cp $(LINUX_OBJ)/arch/riscv/boot/Image $@

# ---- busybox ----------------------------------------------------------------------

# Debian's source package, with Debian's patches applied by dpkg-source.
$(BUSYBOX_SRC)/.extracted: | $(BUILD)/.deps
	@echo "  APT     source busybox"
	@rm -rf $(BUSYBOX_PKG) && mkdir -p $(BUSYBOX_PKG)
	@cd $(BUSYBOX_PKG) && apt-get source -q --download-only busybox
	@dpkg-source -q -x $(BUSYBOX_PKG)/busybox_*.dsc $(BUSYBOX_SRC)
	@touch $@

# defconfig with our fragment (CONFIG_STATIC=y ...) merged on top by the
# kernel's merge_config.sh (busybox's Kconfig uses the same CONFIG_ format),
# checked, and kept as $(LINUX_OUT)/busybox.config.
$(LINUX_OUT)/busybox.config: guests/linux/busybox.config-fragment $(BUSYBOX_SRC)/.extracted $(LINUX_SRC)/.extracted
	@echo "  CONFIG  busybox defconfig + $<"
	@$(BUSYBOX_MAKE) -s defconfig >/dev/null
	@cd $(BUSYBOX_SRC) && $(abspath $(LINUX_SRC))/scripts/kconfig/merge_config.sh -m \
		.config $(abspath $<) >/dev/null
	@yes "" | $(BUSYBOX_MAKE) -s oldconfig >/dev/null
	@grep '^CONFIG_' $< | while read -r opt; do \
		grep -qxF "$$opt" $(BUSYBOX_SRC)/.config || \
			{ echo "busybox.config-fragment: $$opt is not in the final .config" >&2; exit 1; }; \
	done
	@cp $(BUSYBOX_SRC)/.config $@

# busybox.links lists where every applet goes (/bin/sh, /sbin/poweroff, ...).
$(LINUX_OUT)/busybox: $(LINUX_OUT)/busybox.config
	@echo "  BUSYBOX static, $(LINUX_CROSS)gcc"
	@$(BUSYBOX_MAKE) busybox busybox.links
	@cp $(BUSYBOX_SRC)/busybox $@
	@cp $(BUSYBOX_SRC)/busybox.links $(LINUX_OUT)/busybox.links

# ---- initramfs ----------------------------------------------------------------------

# The kernel's gen_init_cpio writes a newc archive from a list, owner 0:0 and
# device nodes included, without root.
$(LINUX_OUT)/gen_init_cpio: $(LINUX_SRC)/.extracted
	@echo "  HOSTCC  $@"
	@$(HOSTCC) -O2 -o $@ $(LINUX_SRC)/usr/gen_init_cpio.c

# bench/linux/<name>.c: small static programs for the Linux benchmarks (make
# bench), and guests/linux/<name>.c: for the Linux tests (tlbstress), each in
# the initramfs as /bin/<name>.
LINUX_BENCH := $(patsubst bench/linux/%.c,$(LINUX_OUT)/bench/%,$(wildcard bench/linux/*.c))
LINUX_PROGS := $(patsubst guests/linux/%.c,$(LINUX_OUT)/progs/%,$(wildcard guests/linux/*.c))
LINUX_CC     = $(LINUX_CROSS)gcc -static -O2 -s -Wall -Wextra -Werror -pthread

$(LINUX_OUT)/bench/%: bench/linux/%.c | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	@echo "  LINUXCC $@"
	@$(LINUX_CC) -o $@ $<

$(LINUX_OUT)/progs/%: guests/linux/%.c | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	@echo "  LINUXCC $@"
	@$(LINUX_CC) -o $@ $<

$(LINUX_OUT)/initramfs.list: $(LINUX_OUT)/busybox guests/linux/init $(LINUX_BENCH) $(LINUX_PROGS)
	@echo "  LIST    $@"
	@{ \
	echo "dir /dev 0755 0 0"; \
	echo "nod /dev/console 0600 0 0 c 5 1"; \
	for d in bin sbin usr usr/bin usr/sbin etc proc sys mnt tmp root; do \
		echo "dir /$$d 0755 0 0"; \
	done; \
	echo "file /bin/busybox $(abspath $(LINUX_OUT)/busybox) 0755 0 0"; \
	echo "file /init $(abspath guests/linux/init) 0755 0 0"; \
	for b in $(abspath $(LINUX_BENCH) $(LINUX_PROGS)); do \
		echo "file /bin/$${b##*/} $$b 0755 0 0"; \
	done; \
	grep -v '^/bin/busybox$$' $(LINUX_OUT)/busybox.links | while read -r l; do \
		echo "slink $$l /bin/busybox 0777 0 0"; \
	done; \
	} >$@

$(LINUX_OUT)/initramfs.cpio.gz: $(LINUX_OUT)/initramfs.list $(LINUX_OUT)/gen_init_cpio
	@echo "  CPIO    $@"
	@$(LINUX_OUT)/gen_init_cpio -t 0 $< >$(LINUX_OUT)/initramfs.cpio
	@gzip -9 -n -f $(LINUX_OUT)/initramfs.cpio

# ---- Disk ----------------------------------------------------------------------------

# A 16 MiB ext4 file system from a staging directory (mke2fs -d: no mounts,
# no root).  The guest mounts it at /mnt; guests may write to it, so tests
# that need a pristine disk should copy it first.
$(LINUX_OUT)/disk.img: | $(BUILD)/.deps
	@echo "  MKE2FS  $@"
	@rm -rf $(LINUX_OUT)/disk && mkdir -p $(LINUX_OUT)/disk
	@printf 'Umbra guest disk: ext4, made by the Makefile.\nThe guest mounts it at /mnt.\n' \
		>$(LINUX_OUT)/disk/README
	@rm -f $@ && truncate -s 16M $@
	@mke2fs -q -F -t ext4 -L umbra-disk -E root_owner=0:0 -d $(LINUX_OUT)/disk $@
	@fsck.ext4 -fn $@ >/dev/null 2>&1 || { echo "fsck.ext4 $@ failed" >&2; exit 1; }

# The disks of configs/two-linux.dts's guests: copies of the first, made once
# (the guests write to them).
$(LINUX_OUT)/disk-%.img: | $(LINUX_OUT)/disk.img
	@echo "  CP      $@"
	@cp $(LINUX_OUT)/disk.img $@

# ---- Running --------------------------------------------------------------------------
run: $(BUILD)/.deps all $(GUEST_NEEDS)
	@$(PYTHON) scripts/run.py $(RUN_ARGS)

debug: $(BUILD)/.deps all $(GUEST_NEEDS)
	@$(PYTHON) scripts/run.py $(RUN_ARGS) --gdb --symbols $(BUILD)/umbra.elf

test: $(BUILD)/.deps all host-tests fuzzers linux-images
	@$(PYTHON) -m pytest -q tests

# The same without the Linux guest (no kernel build): host unit tests,
# fuzzer smoke runs, and every test guest natively and under Umbra.
test-quick: $(BUILD)/.deps all host-tests fuzzers
	@$(PYTHON) -m pytest -q tests --ignore=tests/test_linux.py

# BENCH_ARGS: bench.py's options, e.g. "--runs 1 --configs native,shadow"
# (bench/bench.py --help); UMBRA_BIN in the environment: another Umbra image.
bench: $(BUILD)/.deps all linux-images $(BUILD)/umbra-notrace.bin
	@$(PYTHON) bench/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(BUILD)

# ---- Header dependencies --------------------------------------------------------------
# Every compile of Umbra, a host test or a fuzzer writes a .d file: make rules
# naming the headers it read (-MP adds an empty rule for each header, so a
# deleted header is no error).  Included here, they make a changed header
# rebuild exactly what includes it.  Each target also depends on its own .d
# file, which has the empty rule below: a missing one (never built, or built
# before there were .d files) counts as changed, so the target is rebuilt
# and writes it.
DEP_FILES := $(UMBRA_OBJS:.o=.d) $(UMBRA_NT_OBJS:.o=.d) $(HOST_TESTS:=.d) $(FUZZERS:=.d)
$(DEP_FILES):
include $(wildcard $(DEP_FILES))
