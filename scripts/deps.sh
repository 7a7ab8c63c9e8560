#!/bin/sh
# deps.sh - install the Debian packages Umbra needs, and only the missing ones.
#
#   scripts/deps.sh          install what is missing (as root, or through sudo)
#   scripts/deps.sh --check  exit 1 and name what is missing, install nothing
#
# Everything Umbra builds on comes from Debian 12 packages: QEMU 10 and
# OpenSBI 1.5.1 (from bookworm-backports: QEMU 7.2 in bookworm emulates the H
# extension with bugs and costs twice as much per trap) are the machine, the riscv64-unknown-elf toolchain and picolibc build Umbra
# and its test guests, linux-source-6.1 provides libfdt's source and the
# Linux guest, the riscv64-linux-gnu toolchain builds Linux and busybox (from
# its source package), e2fsprogs makes the guest's disk, pytest and pexpect
# drive the tests, clang and libFuzzer build the fuzzers (make fuzz).
set -eu

PACKAGES="
make
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
python3-matplotlib
gdb-multiarch
gcc-riscv64-linux-gnu
libc6-dev-riscv64-cross
bc
flex
bison
dpkg-dev
e2fsprogs
clang
libfuzzer-14-dev
libclang-rt-14-dev
"

# The machine comes from bookworm-backports: qemu-system-riscv exists only
# there, opensbi must be at least 1.5.
BACKPORTS="qemu-system-riscv opensbi"
need_bp=""
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list.d/ /etc/apt/sources.list; then
	need_bp=yes
fi

# busybox is built from Debian's source package: apt needs a deb-src entry.
need_src=""
if ! grep -rqs '^Types: deb-src' /etc/apt/sources.list.d/ && \
   ! grep -qs '^deb-src ' /etc/apt/sources.list; then
	need_src=yes
fi

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

bp_missing=""
for p in $BACKPORTS; do
	v=$(dpkg-query -W -f='${Status} ${Version}' "$p" 2>/dev/null | sed -n 's/^install ok installed //p')
	case "$p" in
	opensbi) min=1.5 ;;
	*) min=1:10.0 ;;
	esac
	if [ -z "$v" ] || ! dpkg --compare-versions "$v" ge "$min"; then
		bp_missing="$bp_missing $p"
	fi
done

if [ -z "$missing$bp_missing" ] && [ -z "$need_src$need_bp" ]; then
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	[ -n "$missing" ] && echo "missing Debian packages:$missing" >&2
	[ -n "$bp_missing" ] && echo "missing from bookworm-backports:$bp_missing" >&2
	[ -n "$need_src" ] && echo "missing: a deb-src entry for apt (Debian source packages)" >&2
	[ -n "$need_bp" ] && echo "missing: the bookworm-backports apt entry" >&2
	exit 1
fi

echo "deps: installing$missing$bp_missing" >&2
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: need root (or sudo) to install:$missing$bp_missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ -n "$need_src" ]; then
	. /etc/os-release
	echo "deps: adding a deb-src entry (/etc/apt/sources.list.d/umbra-src.sources)" >&2
	printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$VERSION_CODENAME" "$VERSION_CODENAME" | $SUDO tee /etc/apt/sources.list.d/umbra-src.sources >/dev/null
fi
if [ -n "$need_bp" ]; then
	echo "deps: adding bookworm-backports (/etc/apt/sources.list.d/umbra-backports.sources)" >&2
	printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		| $SUDO tee /etc/apt/sources.list.d/umbra-backports.sources >/dev/null
fi
$SUDO apt-get update -q
# shellcheck disable=SC2086
[ -z "$missing" ] || $SUDO apt-get install -y -q --no-install-recommends $missing
# shellcheck disable=SC2086
[ -z "$bp_missing" ] || $SUDO apt-get install -y -q --no-install-recommends -t bookworm-backports $BACKPORTS
