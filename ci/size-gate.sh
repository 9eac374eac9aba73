#!/usr/bin/env bash
# Size-budget gate: build the default image and fail if any budget of its
# recipe is exceeded (the message names the component that grew).
set -euo pipefail
cd "$(dirname "$0")/.."
image="${1:-default}"
.venv/bin/doit image "image=$image"
.venv/bin/doit --always-execute --single size "image=$image"   # print the report every time
