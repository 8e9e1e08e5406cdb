#!/usr/bin/env bash
# tools/eval-table.sh on a run it need not train: a 10-step DCGAN with its training time
# already recorded is scored and written up as a table, and as a summary row between a
# README's markers (and only there); an unknown model is a usage error.
# Usage: test_eval_table.sh BUILD_DIR (GANFORGE_CLASSIFIER_CACHE set by CTest: the fixture's
# MNIST classifier).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export GANFORGE_BUILD_DIR="${1:?usage: test_eval_table.sh BUILD_DIR}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/ganforge-eval-table.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_eval_table: $*" >&2; exit 1; }

run="$tmp/runs/dcgan-mnist"
"$GANFORGE_BUILD_DIR/tools/ganforge" train dcgan --data mnist --limit 640 --steps 10 --ngf 8 --ndf 8 --out "$run" >/dev/null
echo 7 >"$run/train_seconds"
echo "test CPU, 1 thread" >"$run/train_device"
printf 'before\n<!-- results:begin -->\nold\n<!-- results:end -->\nafter\n' >"$tmp/README.md"
echo old >"$tmp/dcgan-mnist.png"  # a picture the README shows, to be refreshed
"$root/tools/eval-table.sh" --runs "$tmp/runs" --table "$tmp/results.md" --readme "$tmp/README.md" --pictures "$tmp" dcgan-mnist >"$tmp/out.txt" 2>&1 ||
  fail "eval-table failed: $(cat "$tmp/out.txt")"
grep -q '^## dcgan-mnist$' "$tmp/results.md" || fail "no dcgan-mnist section in $(cat "$tmp/results.md")"
grep -q '10 steps, 0 min 7 s on test CPU, 1 thread' "$tmp/results.md" || fail "the run's steps and time are missing"
grep -q '^| frechet_distance (lower is better) | [0-9.e+]* | real data ' "$tmp/results.md" || fail "no Fréchet distance row"
grep -q '^| inception_score (higher is better) ' "$tmp/results.md" || fail "no inception score row"
[[ -f "$run/eval.json" ]] || fail "eval.json was not kept in the run"
grep -q '^| dcgan | mnist | 10 | 0 min | [0-9.e+]* ([0-9.e+]*) |' "$tmp/README.md" || fail "no summary row: $(cat "$tmp/README.md")"
grep -q '^old$' "$tmp/README.md" && fail "the old summary was kept"
cmp -s "$tmp/dcgan-mnist.png" "$run/samples/final.png" || fail "the README's picture was not refreshed from the run"
[[ -f "$tmp/dcgan-mnist-loss.png" ]] && fail "a loss curve the README does not show was added"
[[ "$(head -1 "$tmp/README.md")" == before && "$(tail -1 "$tmp/README.md")" == after ]] || fail "text outside the markers changed"

status=0
"$root/tools/eval-table.sh" --runs "$tmp/runs" --table "$tmp/other.md" --readme "$tmp/README.md" --pictures "$tmp" dcgan-svhn >"$tmp/out.txt" 2>&1 || status=$?
[[ $status -eq 2 ]] || fail "an unknown model exited with $status, expected 2"
grep -q "unknown model 'dcgan-svhn'" "$tmp/out.txt" || fail "the unknown model is not named: $(cat "$tmp/out.txt")"
echo "test_eval_table: passed"
