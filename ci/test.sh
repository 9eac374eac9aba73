#!/usr/bin/env bash
# The test command of the README: set up, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
# Two pytest-xdist workers (JITBOOT_TEST_JOBS=N for another count): most
# tests wait on QEMU, a compiler or valgrind, one core each.
exec .venv/bin/python -m pytest -q -n "${JITBOOT_TEST_JOBS:-2}" "$@"
