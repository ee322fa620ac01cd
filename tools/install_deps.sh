#!/usr/bin/env bash
# Installs every Debian package that building, running and testing Riposte
# needs. Idempotent: packages already present are left alone, and apt is only
# consulted when something is missing.
set -euo pipefail

PACKAGES=(
  # Build
  bazel-bootstrap bazel-rules-java g++ pkg-config
  protobuf-compiler libprotobuf-dev protobuf-compiler-grpc libgrpc++-dev
  libabsl-dev libyaml-cpp-dev libsqlite3-dev libssl-dev libcpprest-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcivetweb-dev nlohmann-json3-dev libpq-dev
  # Tests and tools
  sqlite3 openssl python3 ca-certificates
  clang libclang-rt-14-dev
  prometheus
  # A local PostgreSQL server and psql, for the postgres store engine's tests
  postgresql-15 postgresql-client-15
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install_deps: installing ${missing[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
