#!/usr/bin/env bash
# Installs what is missing, builds riposted and the riposte CLI
# (bazel-bin/cli/riposte), and runs riposted in the foreground on
# its embedded defaults (config/riposted.yaml): gRPC on 127.0.0.1:50051, the
# SQLite store under ./riposte-data. Extra arguments go to riposted, e.g.
#   tools/run.sh --config my.yaml
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install_deps.sh

DISK_CACHE="${RIPOSTE_BAZEL_DISK_CACHE:-$HOME/.cache/riposte/bazel-disk}"
mkdir -p "$DISK_CACHE"
bazel build --disk_cache="$DISK_CACHE" //orchestrator/server:riposted //cli:riposte

exec bazel-bin/orchestrator/server/riposted "$@"
