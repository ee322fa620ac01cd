#!/usr/bin/env bash
# Installs what deploy_test needs beyond Debian's packages: the Node packages
# pinned in deploy/test_tools/ (Kubernetes and prometheus-operator schemas
# as compiled validators, and a YAML parser), from the npm registry, into
#
#   ~/.cache/riposte/deploy-test-tools/<hash of the pinned package files>/
#
# and prints that directory. Idempotent: an existing directory for the same
# pins is reused without asking the registry; new pins get a new directory.
# Installs go to a temporary directory first and are renamed into place, so
# concurrent runs and interrupted installs never leave a half-filled one.
# Packages' install scripts are not run (--ignore-scripts).
#
# Node.js and npm come from Debian (apt-get install nodejs npm) when missing.
# RIPOSTE_DEPLOY_TOOLS_CACHE overrides ~/.cache/riposte/deploy-test-tools.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pins="$here/test_tools"

# The invoking user's home, even where HOME is not set or points elsewhere
# (Bazel tests run with a restricted environment).
home="${HOME:-}"
if [[ -z "$home" || ! -d "$home" ]]; then
  home="$(getent passwd "$(id -u)" | cut -d: -f6)"
fi
cache="${RIPOSTE_DEPLOY_TOOLS_CACHE:-$home/.cache/riposte/deploy-test-tools}"

stamp="$(cat "$pins/package.json" "$pins/package-lock.json" | sha256sum | cut -c1-16)"
dest="$cache/$stamp"
if [[ -f "$dest/.installed" ]]; then
  echo "$dest"
  exit 0
fi

find_tool() {
  local name="$1" dir
  for dir in /usr/bin /usr/local/bin; do
    if [[ -x "$dir/$name" ]]; then
      echo "$dir/$name"
      return 0
    fi
  done
  command -v "$name" 2>/dev/null || true
}

node="$(find_tool node)"
npm="$(find_tool npm)"
if [[ -z "$node" || -z "$npm" ]]; then
  echo "install_test_tools: installing nodejs and npm from Debian" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  node="$(find_tool node)"
  npm="$(find_tool npm)"
fi

mkdir -p "$cache"
work="$(mktemp -d "$cache/.install.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp "$pins/package.json" "$pins/package-lock.json" "$work/"
echo "install_test_tools: npm ci into $dest" >&2
# npm runs under the node found above, whatever PATH says.
(
  cd "$work"
  PATH="$(dirname "$node"):$PATH" \
  npm_config_cache="$home/.npm" \
    "$npm" ci --no-audit --no-fund --ignore-scripts --loglevel=error >&2
)
date -u +%FT%TZ >"$work/.installed"
if ! mv -T "$work" "$dest" 2>/dev/null; then
  # Another run installed the same pins meanwhile: keep theirs.
  [[ -f "$dest/.installed" ]] || { echo "install_test_tools: cannot create $dest" >&2; exit 1; }
fi
trap - EXIT
rm -rf "$work"
echo "$dest"
