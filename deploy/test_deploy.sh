#!/usr/bin/env bash
# deploy_test: checks deploy/ without a cluster, an image build or the
# network (after the first run, which installs pinned npm packages).
#
#   1. The Containerfile, statically: dockerfilelint, its stages, user,
#      entrypoint, ports, and that its runtime package list covers every
#      shared library the built riposted links against (ldd + dpkg).
#   2. Every overlay renders with `kubectl kustomize`.
#   3. Every rendered object validates against the Kubernetes (and
#      prometheus-operator) schemas offline (validate_k8s.js), and the
#      validator itself rejects known-bad manifests and skips unknown custom
#      resources.
#   4. The rendered objects are what riposted needs (check_rendered.js):
#      security context, probes, Secret references, config <-> mounts, the
#      policy ConfigMap equal to policies/library, the PrometheusRule equal
#      to deploy/prometheus/riposte-rules.yaml.
#   5. The riposted.yaml each overlay mounts passes
#      `riposted --check-config` (single, and the replicated ones on
#      PostgreSQL: the check resolves the connection string but connects
#      to nothing, and never shows its password). The check reads every
#      file the config names, so it runs with throwaway stand-ins (a
#      self-signed certificate from openssl, a tokens file, client
#      secrets, a connection string) where the Secrets would be mounted,
#      and refuses the config without them.
#   6. promtool: check rules, rule unit tests, check the example config.
#
# Runs under `bazel test //deploy:deploy_test`. Every check runs; the last
# line counts them.
set -uo pipefail

R="${TEST_SRCDIR:?run me with bazel test}/${TEST_WORKSPACE:-riposte}"
WORK="${TEST_TMPDIR:?}/deploy_test"
rm -rf "$WORK"
mkdir -p "$WORK"

passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
note() { echo "NOTE $1"; }

# Tests get a restricted environment: look for tools where Debian and
# local installs put them, not only on PATH.
find_tool() {
  local name="$1" dir
  for dir in /usr/bin /usr/local/bin /bin; do
    if [[ -x "$dir/$name" ]]; then echo "$dir/$name"; return 0; fi
  done
  command -v "$name" 2>/dev/null || true
}
KUBECTL="$(find_tool kubectl)"
PROMTOOL="$(find_tool promtool)"
NODE="$(find_tool node)"
RIPOSTED="$R/orchestrator/server/riposted"
LIBRARY="$R/policies/library"
OVERLAYS=(single replicated replicated-external-db)

# kustomize must read real files inside each kustomization's directory, and
# runfiles are symbolic links into the source tree: work on a copy.
cp -rL "$R/deploy" "$WORK/deploy"
D="$WORK/deploy"

# ---------------------------------------------------------------------------
# The pinned npm packages (deploy/test_tools), installed once.
TOOLS=""
if [[ -z "$NODE" ]]; then
  fail "node is not installed (deploy/install_test_tools.sh installs it)"
else
  stamp="$(cat "$R/deploy/test_tools/package.json" "$R/deploy/test_tools/package-lock.json" | sha256sum | cut -c1-16)"
  home="$(getent passwd "$(id -u)" | cut -d: -f6)"
  cache="${RIPOSTE_DEPLOY_TOOLS_CACHE:-$home/.cache/riposte/deploy-test-tools}"
  if [[ -f "$cache/$stamp/.installed" ]]; then
    TOOLS="$cache/$stamp"
  elif TOOLS="$(HOME="$home" bash "$D/install_test_tools.sh")"; then
    note "installed the validation tools into $TOOLS"
  else
    TOOLS=""
    fail "deploy/install_test_tools.sh could not install the validation tools"
  fi
fi

# ---------------------------------------------------------------------------
# 1. Containerfile.

# Debian packages that packages in "$@" depend on, themselves included.
package_closure() {
  local -A seen=()
  local queue=("$@") p deps d
  while ((${#queue[@]})); do
    p="${queue[0]%%:*}"
    queue=("${queue[@]:1}")
    [[ -z "$p" || -n "${seen[$p]:-}" ]] && continue
    seen[$p]=1
    deps="$(dpkg-query -W -f='${Depends},${Pre-Depends}' "$p" 2>/dev/null |
            tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep -v '^$' || true)"
    for d in $deps; do queue+=("$d"); done
  done
  printf '%s\n' "${!seen[@]}"
}

# The Debian package that holds shared library file $1.
package_of() {
  local f="$1" real
  real="$(readlink -f "$f")"
  for candidate in "$f" "$real" "/usr$f" "/usr$real" "${f#/usr}" "${real#/usr}"; do
    if out="$(dpkg-query -S "$candidate" 2>/dev/null)"; then
      echo "${out%%:*}" | head -n1
      return 0
    fi
  done
  return 1
}

check_containerfile() {
  local cf="$D/Containerfile"
  local -a froms
  mapfile -t froms < <(grep -E '^FROM ' "$cf")
  if [[ "${froms[0]:-}" == "FROM debian:bookworm AS build" &&
        "${froms[-1]:-}" == "FROM debian:bookworm-slim" && ${#froms[@]} -eq 2 ]]; then
    pass "Containerfile: build on debian:bookworm, run on debian:bookworm-slim"
  else
    fail "Containerfile: stages are ${froms[*]}"
  fi

  if [[ -n "$TOOLS" ]]; then
    local lint
    if lint="$("$NODE" "$TOOLS/node_modules/dockerfilelint/bin/dockerfilelint" "$D/Containerfile" 2>&1)"; then
      pass "Containerfile: dockerfilelint finds no issue"
    else
      fail "Containerfile: dockerfilelint: $lint"
    fi
  fi

  local build final
  build="$(sed -n '/^FROM debian:bookworm AS build/,/^FROM debian:bookworm-slim/p' "$cf")"
  final="$(sed -n '/^FROM debian:bookworm-slim/,$p' "$cf")"
  if grep -q 'tools/install_deps.sh' <<<"$build" &&
     grep -q 'bazel build -c opt' <<<"$build" &&
     grep -q '//orchestrator/server:riposted //cli:riposte' <<<"$build"; then
    pass "Containerfile: builds riposted and riposte with install_deps.sh and bazel -c opt"
  else
    fail "Containerfile: the build stage must run tools/install_deps.sh and bazel build -c opt of both binaries"
  fi
  local want
  for want in '^USER 10001(:10001)?$' '^ENTRYPOINT \["/usr/local/bin/riposted"\]$' \
              '^EXPOSE 50051 9464$' '^COPY --from=build /out/riposted /out/riposte /usr/local/bin/$'; do
    if grep -Eq "$want" <<<"$final"; then
      pass "Containerfile: final stage has /$want/"
    else
      fail "Containerfile: final stage lacks /$want/"
    fi
  done
  # Files copied from the sources exist.
  local src
  for src in $(grep -oE '^COPY --from=build /src/[^ ]+' <<<"$final" | sed 's#.*/src/##'); do
    if [[ -e "$R/${src%/}" ]]; then
      pass "Containerfile: copies $src, which exists"
    else
      fail "Containerfile: copies $src, which does not exist"
    fi
  done

  # Runtime packages: the words of the final stage's apt-get install, up to
  # the line with "&&" that ends it.
  local -a packages
  mapfile -t packages < <(awk '
    /apt-get install/ { on = 1; next }
    on && /&&/ { exit }
    on { gsub(/\\/, ""); for (i = 1; i <= NF; i++) print $i }' <<<"$final")
  if ((${#packages[@]} == 0)); then
    fail "Containerfile: no runtime package list found"
    return
  fi
  if ! command -v dpkg-query >/dev/null && [[ ! -x /usr/bin/dpkg-query ]]; then
    note "Containerfile: no dpkg here; runtime libraries not checked"
    return
  fi
  local p missing=()
  for p in "${packages[@]}"; do
    if ! dpkg-query -W "$p" >/dev/null 2>&1; then
      missing+=("$p")
    fi
  done
  if ((${#missing[@]})); then
    note "Containerfile: not installed here, so their dependencies are not followed: ${missing[*]}"
  fi
  local -A closure=()
  while read -r p; do closure[$p]=1; done < <(package_closure "${packages[@]}")
  local lib pkg uncovered=()
  while read -r lib; do
    if ! pkg="$(package_of "$lib")"; then
      uncovered+=("$lib (no Debian package)")
    elif [[ -z "${closure[$pkg]:-}" ]]; then
      uncovered+=("$lib ($pkg)")
    fi
  done < <(ldd "$RIPOSTED" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }')
  if ((${#uncovered[@]} == 0)); then
    pass "Containerfile: runtime packages (${packages[*]}) provide every library riposted links"
  else
    fail "Containerfile: riposted needs libraries no listed package brings: ${uncovered[*]}"
  fi
}

check_containerfile

# ---------------------------------------------------------------------------
# 2. Render.
if [[ -z "$KUBECTL" ]]; then
  fail "kubectl (with kustomize v5) is not installed"
else
  for o in "${OVERLAYS[@]}"; do
    # HOME: kubectl needs no kubeconfig to render; keep it out of the real one.
    if HOME="$WORK" "$KUBECTL" kustomize "$D/k8s/overlays/$o" >"$WORK/$o.yaml" 2>"$WORK/$o.err"; then
      pass "kubectl kustomize deploy/k8s/overlays/$o ($(grep -c '^kind:' "$WORK/$o.yaml") objects)"
    else
      fail "kubectl kustomize deploy/k8s/overlays/$o: $(cat "$WORK/$o.err")"
    fi
  done
fi

# ---------------------------------------------------------------------------
# 3. Schemas.
if [[ -n "$TOOLS" ]]; then
  for o in "${OVERLAYS[@]}"; do
    [[ -s "$WORK/$o.yaml" ]] || continue
    if "$NODE" "$D/validate_k8s.js" --tools "$TOOLS" "$WORK/$o.yaml" >"$WORK/$o.validate" 2>&1; then
      pass "schemas: every object of overlay $o is valid"
    else
      fail "schemas: overlay $o"
    fi
    sed 's/^/    /' "$WORK/$o.validate"
  done
  if "$NODE" "$D/validate_k8s.js" --tools "$TOOLS" --expect-invalid \
       "$D/testdata/invalid_manifests.yaml" >"$WORK/invalid.validate" 2>&1; then
    pass "schemas: the validator rejects each known-bad manifest"
  else
    fail "schemas: the validator let a known-bad manifest through"
    sed 's/^/    /' "$WORK/invalid.validate"
  fi
  if "$NODE" "$D/validate_k8s.js" --tools "$TOOLS" "$D/testdata/custom_resource.yaml" \
       >"$WORK/crd.validate" 2>&1 && grep -q '^SKIP ' "$WORK/crd.validate"; then
    pass "schemas: a custom resource without a schema is skipped with a note"
  else
    fail "schemas: a custom resource without a schema is not skipped"
    sed 's/^/    /' "$WORK/crd.validate"
  fi
fi

# ---------------------------------------------------------------------------
# 4 and 5. What riposted needs, and its config.
declare -A REPLICAS=([single]=1 [replicated]=3 [replicated-external-db]=3)
declare -A STRATEGY=([single]=Recreate [replicated]=RollingUpdate [replicated-external-db]=RollingUpdate)
if [[ -n "$TOOLS" ]]; then
  for o in "${OVERLAYS[@]}"; do
    [[ -s "$WORK/$o.yaml" ]] || continue
    if "$NODE" "$D/check_rendered.js" --tools "$TOOLS" --rendered "$WORK/$o.yaml" \
         --policy-library "$LIBRARY" --rules "$D/prometheus/riposte-rules.yaml" \
         --config-out "$WORK/$o-riposted.yaml" \
         --replicas "${REPLICAS[$o]}" --strategy "${STRATEGY[$o]}" >"$WORK/$o.check" 2>&1; then
      pass "overlay $o: $(tail -n1 "$WORK/$o.check")"
    else
      fail "overlay $o: not what riposted needs"
      sed 's/^/    /' "$WORK/$o.check"
    fi
  done
fi

# check_rendered.js's replicated checks can fail: a replicated render with
# each of them broken is refused, naming each.
if [[ -n "$TOOLS" && -s "$WORK/replicated.yaml" ]]; then
  sed 's/maxUnavailable: 0/maxUnavailable: 1/; s/^  maxUnavailable: 1$/  maxUnavailable: 3/
       s/- port: 5432/- port: 5433/
       s/preferredDuringSchedulingIgnoredDuringExecution:/preferredDuringSchedulingIgnoredDuringExecution: []\n          x:/' \
    "$WORK/replicated.yaml" >"$WORK/replicated-broken.yaml"
  "$NODE" "$D/check_rendered.js" --tools "$TOOLS" --rendered "$WORK/replicated-broken.yaml" \
    --policy-library "$LIBRARY" --rules "$D/prometheus/riposte-rules.yaml" \
    --config-out "$WORK/broken-riposted.yaml" --replicas 3 --strategy RollingUpdate \
    >"$WORK/broken.check" 2>&1
  rc=$?
  missing=()
  for want in "rollingUpdate must be maxUnavailable 0" "PodDisruptionBudget must keep at least one pod" \
              "replicas must be spread over nodes" "must allow PostgreSQL (5432) out"; do
    grep '^FAIL ' "$WORK/broken.check" | grep -qF "$want" || missing+=("$want")
  done
  sed 's/\( engine: \)postgres$/\1sqlite/' "$WORK/replicated.yaml" >"$WORK/replicated-sqlite-render.yaml"
  "$NODE" "$D/check_rendered.js" --tools "$TOOLS" --rendered "$WORK/replicated-sqlite-render.yaml" \
    --policy-library "$LIBRARY" --rules "$D/prometheus/riposte-rules.yaml" \
    --config-out "$WORK/broken-riposted.yaml" --replicas 3 --strategy RollingUpdate \
    >>"$WORK/broken.check" 2>&1
  grep -qF "FAIL store.engine sqlite with 3 replicas" "$WORK/broken.check" || missing+=("sqlite with 3 replicas")
  if [[ $rc -eq 1 && ${#missing[@]} -eq 0 ]]; then
    pass "check_rendered: a replicated render with its update, disruption budget, spread, 5432 egress or engine broken is refused"
  else
    fail "check_rendered: a broken replicated render was not refused for: ${missing[*]}"
    sed 's/^/    /' "$WORK/broken.check"
  fi
fi

# --check-config reads every file the config names, as start-up does. The
# real ones (TLS, tokens, client secrets) are in Secrets this machine does
# not have: the check must refuse the config as it stands, naming the first
# missing file, and accept it once stand-ins are in their place.
STAND_IN="$WORK/stand-in"
OPENSSL="$(find_tool openssl)"
make_stand_ins() {
  local etc="$STAND_IN/etc/riposte"
  mkdir -p "$etc/tls" "$etc/auth" "$etc/secrets/graph" "$etc/secrets/gateway" \
    "$etc/secrets/postgres" || return 1
  # A throwaway self-signed certificate, also serving as the client CA.
  "$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$etc/tls/tls.key" -out "$etc/tls/tls.crt" -days 1 \
    -subj "/CN=riposted.test" >"$WORK/openssl.log" 2>&1 || return 1
  cp "$etc/tls/tls.crt" "$etc/tls/ca.crt" &&
  printf 'tokens:\n  - identity: deploy-test\n    role: admin\n    sha256: %s\n' \
    "$(printf 'deploy-test-token' | sha256sum | cut -c1-64)" >"$etc/auth/tokens.yaml" &&
  printf 'stand-in graph secret\n' >"$etc/secrets/graph/client-secret" &&
  printf 'stand-in gateway secret\n' >"$etc/secrets/gateway/client-secret" &&
  printf 'host=riposte-db-rw dbname=riposte user=riposte password=%s sslmode=verify-full\n' \
    "$PG_STAND_IN_PASSWORD" >"$etc/secrets/postgres/dsn"
}
PG_STAND_IN_PASSWORD="stand-in-db-password"
# $1 with every /etc/riposte/ path pointed at the stand-ins, written to $2.
with_stand_ins() { sed "s#/etc/riposte/#$STAND_IN/etc/riposte/#g" "$1" >"$2"; }
STAND_INS=""
if [[ -z "$OPENSSL" ]]; then
  fail "openssl is not installed (Debian package openssl): no stand-in TLS files for --check-config"
elif make_stand_ins; then
  STAND_INS=yes
else
  fail "could not make stand-in secrets: $(cat "$WORK/openssl.log" 2>/dev/null)"
fi

if [[ -s "$WORK/single-riposted.yaml" ]]; then
  # The tokens file is the first file start-up reads.
  if [[ -e /etc/riposte/auth/tokens.yaml ]]; then
    note "/etc/riposte/auth/tokens.yaml exists here: skipping the check that --check-config reads secret files"
  else
    out="$("$RIPOSTED" --check-config --config "$WORK/single-riposted.yaml" 2>&1)"
    rc=$?
    if [[ $rc -eq 2 ]] &&
       grep -q "single-riposted.yaml: auth.tokens_file: .*/etc/riposte/auth/tokens.yaml.*No such file" <<<"$out"; then
      pass "single: riposted --check-config reads the files the config names (the missing tokens file is refused)"
    else
      fail "single: riposted --check-config did not refuse the missing /etc/riposte/auth/tokens.yaml (exit $rc): $out"
    fi
  fi
fi

if [[ -s "$WORK/single-riposted.yaml" && -n "$STAND_INS" ]]; then
  with_stand_ins "$WORK/single-riposted.yaml" "$WORK/single-stand-in.yaml"
  if out="$("$RIPOSTED" --check-config --config "$WORK/single-stand-in.yaml" 2>&1)" &&
     grep -q "policy $LIBRARY with [1-9][0-9]* rule(s)" <<<"$out"; then
    pass "single: riposted --check-config accepts the mounted riposted.yaml, its secrets stood in: $out"
  else
    fail "single: riposted --check-config refuses the mounted riposted.yaml, its secrets stood in: $out"
  fi
  # --check-config loads the policy: a config pointing at a missing one
  # is refused at policy.path's line. (So the pass above covers the policy too.)
  sed "s#^\(  path: \).*#\1$WORK/no-such-policy#" "$WORK/single-stand-in.yaml" >"$WORK/no-policy.yaml"
  line="$(grep -n "^  path: $WORK/no-such-policy" "$WORK/no-policy.yaml" | cut -d: -f1)"
  out="$("$RIPOSTED" --check-config --config "$WORK/no-policy.yaml" 2>&1)"
  rc=$?
  if [[ $rc -eq 2 ]] && grep -q "no-policy.yaml:$line: policy.path: $WORK/no-such-policy" <<<"$out"; then
    pass "riposted --check-config loads the policy (a missing one is refused at policy.path, line $line)"
  else
    fail "riposted --check-config did not refuse a missing policy at no-policy.yaml:$line (exit $rc): $out"
  fi
fi

# The replicated overlays, secrets stood in, pass the check as single does:
# it resolves the connection string (connecting to nothing) and names the
# store with the password removed; the stand-in password is never shown.
# Without the connection string the check names store.postgres.dsn_file.
for o in replicated replicated-external-db; do
  [[ -s "$WORK/$o-riposted.yaml" && -n "$STAND_INS" ]] || continue
  with_stand_ins "$WORK/$o-riposted.yaml" "$WORK/$o-stand-in.yaml"
  out="$("$RIPOSTED" --check-config --config "$WORK/$o-stand-in.yaml" 2>&1)"
  rc=$?
  if [[ $rc -eq 0 ]] &&
     grep -q "store postgres host=riposte-db-rw dbname=riposte user=riposte sslmode=verify-full, policy $LIBRARY with [1-9][0-9]* rule(s)" <<<"$out" &&
     ! grep -q "$PG_STAND_IN_PASSWORD" <<<"$out"; then
    pass "$o: riposted --check-config accepts the mounted riposted.yaml on PostgreSQL, its secrets stood in; the password is not shown: $(head -n1 <<<"$out")"
  else
    fail "$o: riposted --check-config (exit $rc) refuses the mounted riposted.yaml, or does not name the store without its password: $out"
  fi
done
if [[ -s "$WORK/replicated-riposted.yaml" && -n "$STAND_INS" ]]; then
  mv "$STAND_IN/etc/riposte/secrets/postgres/dsn" "$WORK/dsn.away"
  out="$("$RIPOSTED" --check-config --config "$WORK/replicated-stand-in.yaml" 2>&1)"
  rc=$?
  mv "$WORK/dsn.away" "$STAND_IN/etc/riposte/secrets/postgres/dsn"
  if [[ $rc -eq 2 ]] &&
     grep -q "store.postgres.dsn_file: cannot open secret file '$STAND_IN/etc/riposte/secrets/postgres/dsn'" <<<"$out"; then
    pass "replicated: riposted --check-config reads the connection string (a missing one is refused, naming store.postgres.dsn_file)"
  else
    fail "replicated: riposted --check-config did not name the missing connection string file (exit $rc): $out"
  fi
fi

# The replicated overlay's riposted.yaml is the base's but for the store.
if [[ -n "$TOOLS" ]]; then
  if out="$("$NODE" -e '
      const fs = require("fs");
      import(require("url").pathToFileURL(process.argv[1] + "/node_modules/yaml/dist/index.js").href).then((YAML) => {
        const read = (f) => { const c = YAML.parse(fs.readFileSync(f, "utf8")); delete c.store; return c; };
        const same = require("util").isDeepStrictEqual(read(process.argv[2]), read(process.argv[3]));
        if (!same) { console.log("they differ beyond store"); process.exit(1); }
      });' "$TOOLS" "$D/k8s/base/riposted.yaml" "$D/k8s/overlays/replicated/riposted.yaml" 2>&1)"; then
    pass "replicated: riposted.yaml equals the base's except for the store section"
  else
    fail "replicated: riposted.yaml and deploy/k8s/base/riposted.yaml differ beyond store: $out"
  fi
fi

# ---------------------------------------------------------------------------
# 6. Prometheus.
if [[ -z "$PROMTOOL" ]]; then
  fail "promtool is not installed (Debian package prometheus)"
else
  if out="$("$PROMTOOL" check rules "$D/prometheus/riposte-rules.yaml" 2>&1)"; then
    pass "promtool check rules deploy/prometheus/riposte-rules.yaml: $(grep -o '[0-9]* rules found' <<<"$out")"
  else
    fail "promtool check rules: $out"
  fi
  if out="$(cd "$D/prometheus" && "$PROMTOOL" test rules riposte-rules_test.yaml 2>&1)"; then
    pass "promtool test rules deploy/prometheus/riposte-rules_test.yaml"
  else
    fail "promtool test rules: $out"
  fi
  if out="$(cd "$D/prometheus" && "$PROMTOOL" check config prometheus.yml 2>&1)"; then
    pass "promtool check config deploy/prometheus/prometheus.yml"
  elif grep -q 'field kubernetes_sd_configs not found' <<<"$out" && [[ -n "$TOOLS" ]]; then
    # Debian builds Prometheus without Kubernetes service discovery: check
    # everything else, with the discovery replaced by a static target.
    "$NODE" -e '
      const fs = require("fs");
      import(require("url").pathToFileURL(process.argv[1] + "/node_modules/yaml/dist/index.js").href).then((YAML) => {
        const c = YAML.parse(fs.readFileSync(process.argv[2], "utf8"));
        for (const job of c.scrape_configs) {
          if (job.kubernetes_sd_configs) {
            delete job.kubernetes_sd_configs;
            job.static_configs = [{ targets: ["riposted.example:9464"] }];
          }
        }
        fs.writeFileSync(process.argv[3], YAML.stringify(c));
      });' "$TOOLS" "$D/prometheus/prometheus.yml" "$D/prometheus/prometheus-static.yml"
    note "this promtool has no Kubernetes service discovery (Debian build): kubernetes_sd_configs not checked"
    if out="$(cd "$D/prometheus" && "$PROMTOOL" check config prometheus-static.yml 2>&1)"; then
      pass "promtool check config deploy/prometheus/prometheus.yml (the rest of it, and its rule file)"
    else
      fail "promtool check config: $out"
    fi
  else
    fail "promtool check config: $out"
  fi
fi

echo
echo "deploy_test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
