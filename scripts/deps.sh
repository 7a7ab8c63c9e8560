#!/bin/sh
# deps.sh - install the Debian packages Umbra needs, and only the missing ones.
#
#   scripts/deps.sh          install what is missing (as root, or through sudo)
#   scripts/deps.sh --check  exit 1 and name what is missing, install nothing
#
# Everything Umbra builds on comes from Debian 12 packages: QEMU and OpenSBI
# are the machine, the riscv64-unknown-elf toolchain and picolibc build Umbra
# and its test guests, linux-source-6.1 provides libfdt's source and the
# Linux guest, the riscv64-linux-gnu toolchain builds Linux and busybox (from
# its source package), e2fsprogs makes the guest's disk, pytest and pexpect
# drive the tests.
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
gcc-riscv64-linux-gnu
libc6-dev-riscv64-cross
bc
flex
bison
dpkg-dev
e2fsprogs
"

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

if [ -z "$missing" ] && [ -z "$need_src" ]; then
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	[ -n "$missing" ] && echo "missing Debian packages:$missing" >&2
	[ -n "$need_src" ] && echo "missing: a deb-src entry for apt (Debian source packages)" >&2
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
if [ -n "$need_src" ]; then
	. /etc/os-release
	echo "deps: adding a deb-src entry (/etc/apt/sources.list.d/umbra-src.sources)" >&2
	printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
		"$VERSION_CODENAME" "$VERSION_CODENAME" | $SUDO tee /etc/apt/sources.list.d/umbra-src.sources >/dev/null
fi
$SUDO apt-get update -q
# shellcheck disable=SC2086
[ -z "$missing" ] || $SUDO apt-get install -y -q --no-install-recommends $missing
