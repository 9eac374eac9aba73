#!/usr/bin/env bash
# The test command of the README: set up, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
exec .venv/bin/python -m pytest -q "$@"
