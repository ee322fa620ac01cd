#!/usr/bin/env bash
# Builds the fuzz targets with clang (libFuzzer, ASan, UBSan; `--config=fuzz`
# in .bazelrc) and runs each for a bounded time.
#
#   tools/fuzz.sh [--seconds N] [target...]
#
# Targets are labels (//common:json_value_fuzz) or bare names
# (json_value_fuzz); by default every target tools/build_defs/fuzz.bzl made.
# N defaults to 300 seconds per target; CI runs `--seconds 15`.
#
# Each target starts from a writable copy of its corpus
# (<package>/testdata/<target>_corpus/), so the checked-in corpus only grows
# by what matters: when a target crashes, leaks or hangs, the input that did
# it is copied into that directory, where the target's _regression test (in
# the normal build) runs it from then on, and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=300
targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#--seconds=}"; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [[ "$seconds" -eq 0 ]]; then
  echo "fuzz.sh: --seconds wants a positive whole number, got \"$seconds\"" >&2
  exit 2
fi

tools/install_deps.sh

DISK_CACHE="${RIPOSTE_BAZEL_DISK_CACHE:-$HOME/.cache/riposte/bazel-disk}"
# Its own output base: the clang build must not evict the gcc one.
OUTPUT_BASE="${RIPOSTE_FUZZ_OUTPUT_BASE:-$HOME/.cache/riposte/bazel-fuzz}"
mkdir -p "$DISK_CACHE" "$OUTPUT_BASE"
bazel_fuzz() {
  local command="$1"; shift
  bazel --output_base="$OUTPUT_BASE" "$command" --config=fuzz "$@"
}

# Every fuzz target, with its corpus and input size limit from its tags:
# "label corpus max_len" per line.
# Asked of the normal server: `//...` there skips its own bazel-* links.
all="$(bazel query --output=xml \
    'attr(tags, "\bfuzz\b", kind(cc_binary, //...))' 2>/dev/null |
  python3 -c '
import sys, xml.etree.ElementTree as ET
for rule in ET.parse(sys.stdin).getroot().iter("rule"):
    tags = [t.get("value") for t in rule.iter("string")
            if t.get("value", "").startswith("fuzz_")]
    opts = dict(t.split("=", 1) for t in tags if "=" in t)
    if "fuzz_corpus" in opts and "fuzz_max_len" in opts:
        print(rule.get("name"), opts["fuzz_corpus"], opts["fuzz_max_len"])
')"
if [[ -z "$all" ]]; then
  echo "fuzz.sh: no fuzz targets found" >&2
  exit 1
fi

selected=()
if [[ ${#targets[@]} -eq 0 ]]; then
  while read -r line; do selected+=("$line"); done <<<"$all"
else
  for t in "${targets[@]}"; do
    line="$(awk -v t="$t" '$1 == t || $1 ~ (":" t "$")' <<<"$all")"
    if [[ -z "$line" ]]; then
      echo "fuzz.sh: $t is not a fuzz target; they are:" >&2
      awk '{print "  " $1}' <<<"$all" >&2
      exit 2
    fi
    selected+=("$line")
  done
fi

labels=()
for line in "${selected[@]}"; do labels+=("${line%% *}"); done
bazel_fuzz build --disk_cache="$DISK_CACHE" "${labels[@]}"
bin="$(bazel --output_base="$OUTPUT_BASE" info bazel-bin 2>/dev/null)"

work="$(mktemp -d "${TMPDIR:-/tmp}/riposte-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
for line in "${selected[@]}"; do
  read -r label corpus max_len <<<"$line"
  pkg="${label#//}"; pkg="${pkg%%:*}"; name="${label##*:}"
  echo "=== $label: ${seconds}s, inputs up to $max_len bytes"
  mkdir -p "$work/$name/corpus" "$work/$name/artifacts" "$corpus"
  cp -R "$corpus/." "$work/$name/corpus/"
  status=0
  "$bin/$pkg/$name" -max_total_time="$seconds" -max_len="$max_len" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/$name/artifacts/" "$work/$name/corpus" \
    >"$work/$name/log" 2>&1 || status=$?
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|Done )' "$work/$name/log" || true
  if [[ "$status" -ne 0 ]]; then
    tail -n 60 "$work/$name/log"
    for artifact in "$work/$name/artifacts/"*; do
      [[ -f "$artifact" ]] || continue
      cp "$artifact" "$corpus/"
      echo "$label: saved $(basename "$artifact") to $corpus/ as a regression input"
    done
    failed+=("$label")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz.sh: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  echo "Fix the code; the saved inputs now run in each target's _regression test." >&2
  exit 1
fi
echo "fuzz.sh: ${#selected[@]} target(s) ran ${seconds}s each without a failure"
