#!/bin/bash
# Run one test guest natively: QEMU virt, OpenSBI in M-mode, the guest in
# S-mode.  Prints the console; exits with QEMU's status (124 on timeout).
# Usage: guests/run-native.sh build/guests/csr.elf
set -u
elf=${1:?usage: $0 guest.elf}
exec timeout ${TIMEOUT:-30} qemu-system-riscv64 -M virt -cpu rv64,h=false \
	-smp 1 -m 256M -bios default -nographic -kernel "$elf" </dev/null
