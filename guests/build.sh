#!/bin/bash
# Build every test guest into $1 (default /work/main/build/guests) as <name>.elf.
# A guest is a directory guests/<name>/ holding <name>.c (and maybe .S files);
# each is linked with the runtime in guests/lib/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/work/main/build/guests}
mkdir -p "$out"

CC=${CC:-riscv64-unknown-elf-gcc}
CFLAGS="-march=rv64imafdc_zicsr_zifencei -mabi=lp64d -mcmodel=medany -O2 -g
 -ffreestanding -nostartfiles --specs=picolibc.specs -Wall -Wextra -Werror"
# Integer-only printf from picolibc: smaller, and no FP code in the runtime.
LDFLAGS="-T $here/lib/guest.ld -DPICOLIBC_INTEGER_PRINTF_SCANF -Wl,--no-warn-rwx-segments"
LIB="$here/lib/start.S $here/lib/trap.c $here/lib/sbi.c $here/lib/console.c"

for dir in "$here"/*/; do
	name=$(basename "$dir")
	[ "$name" = lib ] && continue
	[ -f "$dir/$name.c" ] || continue
	srcs=$(ls "$dir"/*.c "$dir"/*.S 2>/dev/null || true)
	echo "  CC $name.elf"
	$CC $CFLAGS $LDFLAGS -o "$out/$name.elf" $LIB $srcs
done
