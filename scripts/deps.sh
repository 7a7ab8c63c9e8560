#!/bin/sh
# deps.sh - install the Debian packages Umbra needs, and only the missing ones.
#
#   scripts/deps.sh          install what is missing (as root, or through sudo)
#   scripts/deps.sh --check  exit 1 and name what is missing, install nothing
#
# Everything Umbra builds on comes from Debian 12 packages: QEMU and OpenSBI
# are the machine, the riscv64-unknown-elf toolchain and picolibc build Umbra
# and its test guests, linux-source-6.1 provides libfdt's source, pytest and
# pexpect drive the console tests.
set -eu

PACKAGES="
make
qemu-system-misc
opensbi
gcc-riscv64-unknown-elf
binutils-riscv64-unknown-elf
picolibc-riscv64-unknown-elf
device-tree-compiler
linux-source-6.1
xz-utils
gcc
libc6-dev
python3
python3-pytest
python3-pexpect
gdb-multiarch
"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	echo "missing Debian packages:$missing" >&2
	exit 1
fi

echo "deps: installing$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: need root (or sudo) to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
