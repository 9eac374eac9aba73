#!/usr/bin/env bash
# Install what jitboot needs on a Debian 12 machine, then the project itself
# into .venv (with its test extra).  Safe to run again: it installs only what
# is missing.  Needs root (or sudo) for apt-get when packages are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: compiler, binutils, QEMU, GRUB's BIOS image maker;
# clang-19 (opaque-pointer LLVM IR) for the C front door, jitboot/llvm.py,
# and, with its sanitizer and libFuzzer runtimes (libclang-rt-19-dev), for
# `doit fuzz` and the sanitized host twin; csmith's random C programs to
# test the front door against gcc; valgrind for the benchmark's counts;
# the aarch64 cross compiler, binutils and static libc with qemu-user
# (qemu-aarch64 runs QBE's arm64 output on this amd64 host) and
# qemu-system-arm (qemu-system-aarch64, the virt machine), gdb-multiarch
# for `doit qemu-debug` on aarch64 images (Debian's gdb is x86 only).
PACKAGES=(gcc binutils make python3 python3-venv python3-pip
          qemu-system-x86 grub-pc-bin grub-common xorriso mtools gdb
          clang-19 llvm-19 libclang-rt-19-dev csmith libcsmith-dev valgrind
          gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
          qemu-system-arm qemu-user gdb-multiarch)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "ci/setup.sh: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python: a venv keeps the project's packages apart from the system's.
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
echo "ci/setup.sh: ready ($(.venv/bin/python --version), $(qemu-system-x86_64 --version | head -1))"
