#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit and
# integration). Extra arguments go to `bazel test`, e.g.
#   tools/test.sh --test_tag_filters=-integration
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install_deps.sh

# A disk cache under the home directory keeps rebuilds of fresh clones fast.
DISK_CACHE="${RIPOSTE_BAZEL_DISK_CACHE:-$HOME/.cache/riposte/bazel-disk}"
mkdir -p "$DISK_CACHE"

status=0
# Tests always run: a cached pass would hide a flaky crash-safety test.
bazel test --disk_cache="$DISK_CACHE" --nocache_test_results "$@" //... || status=$?

# One closing line counting test cases over every target's JUnit report.
python3 tools/summarize_tests.py bazel-testlogs || true
exit "$status"
