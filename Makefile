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
UMBRA_DIRS := src/core src/trap src/decode src/shadowpt src/vdev src/host
UMBRA_CFLAGS := $(UMBRA_ARCH) -std=gnu11 -O2 -g -ffreestanding -fno-common \
	-fno-stack-protector -fno-builtin-printf -Wall -Wextra -Werror \
	--specs=picolibc.specs -Isrc/include $(addprefix -I,$(UMBRA_DIRS)) \
	-I$(BUILD)/libfdt/src
UMBRA_LDFLAGS := -march=rv64imac -mabi=lp64 -mcmodel=medany -nostartfiles --specs=picolibc.specs \
	-T src/core/umbra.ld -Wl,--gc-sections -Wl,--no-warn-rwx-segments

UMBRA_SRCS := $(foreach d,$(UMBRA_DIRS),$(wildcard $(d)/*.c $(d)/*.S))
UMBRA_OBJS := $(patsubst %,$(BUILD)/umbra/%.o,$(UMBRA_SRCS))
UMBRA_HDRS := $(wildcard src/include/*.h $(addsuffix /*.h,$(UMBRA_DIRS)))

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
GUEST_NAMES  := $(filter-out lib,$(notdir $(patsubst %/,%,$(dir $(wildcard guests/*/*.c)))))
BENCH_NAMES  := $(notdir $(patsubst %/,%,$(dir $(wildcard bench/*/*.c))))
GUEST_ELFS   := $(patsubst %,$(BUILD)/guests/%.elf,$(sort $(GUEST_NAMES) $(BENCH_NAMES)))
GUEST_DEPS   := $(GUEST_LIB) $(wildcard guests/lib/*.h) guests/lib/guest.ld src/include/riscv.h

# ---- Host unit tests ----------------------------------------------------------------
# Umbra's pure parts compiled for the host (UMBRA_HOST_TEST: a simulated hart's
# CSRs, see src/include/umbra.h), each test with the sources it exercises.
HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -DUMBRA_HOST_TEST \
	-Isrc/include $(addprefix -I,$(UMBRA_DIRS))
HOST_TESTS  := $(BUILD)/host/test_decode $(BUILD)/host/decode_dump \
	$(BUILD)/host/test_vcsr $(BUILD)/host/test_walk \
	$(BUILD)/host/test_uart $(BUILD)/host/test_plic \
	$(BUILD)/host/test_shadow $(BUILD)/host/test_virtio
HOST_SRCS_test_decode := src/decode/decode.c
HOST_SRCS_decode_dump := src/decode/decode.c
HOST_SRCS_test_vcsr   := src/trap/csr.c src/trap/inject.c src/decode/decode.c
HOST_SRCS_test_walk   := src/shadowpt/walk.c
HOST_SRCS_test_uart   := src/vdev/uart.c
HOST_SRCS_test_plic   := src/vdev/plic.c
HOST_SRCS_test_shadow := src/shadowpt/shadow.c src/shadowpt/walk.c src/shadowpt/pt.c
HOST_SRCS_test_virtio := src/vdev/virtio.c src/vdev/virtio_blk.c src/vdev/virtio_console.c

# ---- Running guests ------------------------------------------------------------------
GUEST   ?= $(BUILD)/guests/hello.elf
BACKEND ?= shadow
SMP     ?= 1
MEM     ?= 128M
CPU     ?= rv64,h=false
RUN_ARGS = --guest "$(GUEST)" --backend $(BACKEND) --smp $(SMP) --mem $(MEM) \
	--cpu "$(CPU)" --umbra $(BUILD)/umbra.bin \
	$(if $(APPEND),--append "$(APPEND)") $(if $(INITRD),--initrd "$(INITRD)") \
	$(if $(DISK),--disk "$(DISK)")

.PHONY: all deps run test debug bench clean help host-tests guests
all: $(BUILD)/umbra.bin guests

help:
	@echo "make deps    install the Debian packages Umbra needs (root or sudo)"
	@echo "make         build Umbra ($(BUILD)/umbra.bin) and the test guests"
	@echo "make run     boot a guest: GUEST=file BACKEND=shadow|native SMP=n MEM=size"
	@echo "             APPEND=\"bootargs\" INITRD=file CPU=qemu-cpu"
	@echo "make test    host unit tests and differential guest tests"
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

$(BUILD)/umbra/%.c.o: %.c $(UMBRA_HDRS) $(BUILD)/libfdt/.extracted
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(UMBRA_CFLAGS) -c $< -o $@

$(BUILD)/umbra/%.S.o: %.S $(UMBRA_HDRS) | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(UMBRA_CFLAGS) -c $< -o $@

$(BUILD)/umbra.elf: $(UMBRA_OBJS) $(BUILD)/libfdt.a src/core/umbra.ld
	@echo "  LD      $@"
	@$(CC) $(UMBRA_LDFLAGS) -o $@ $(UMBRA_OBJS) $(BUILD)/libfdt.a

# OpenSBI starts a flat image at 0x80200000.
$(BUILD)/umbra.bin: $(BUILD)/umbra.elf
	@$(OBJCOPY) -O binary $< $@

guests: $(GUEST_ELFS)

$(BUILD)/guests/%.elf: $$(wildcard guests/$$*/*.c guests/$$*/*.S bench/$$*/*.c) $(GUEST_DEPS) | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	@echo "  GUEST   $@"
	@$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB) $(wildcard guests/$*/*.c guests/$*/*.S bench/$*/*.c)

$(BUILD)/host/%: tests/host/%.c $$(HOST_SRCS_$$*) $(UMBRA_HDRS) | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(HOST_SRCS_$*)

host-tests: $(HOST_TESTS)

# ---- Running --------------------------------------------------------------------------
run: $(BUILD)/.deps all
	@$(PYTHON) scripts/run.py $(RUN_ARGS)

debug: $(BUILD)/.deps all
	@$(PYTHON) scripts/run.py $(RUN_ARGS) --gdb --symbols $(BUILD)/umbra.elf

test: $(BUILD)/.deps all host-tests
	@$(PYTHON) -m pytest -q tests

bench: $(BUILD)/.deps all
	@$(PYTHON) bench/bench.py

clean:
	rm -rf $(BUILD)
