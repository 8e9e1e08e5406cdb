#!/usr/bin/env bash
# The README's results table, from real runs: trains each model with the command the README
# shows (one thread, GANFORGE_NUM_THREADS=1), scores it with `ganforge eval --json`, and writes
# docs/results.md (model, data, steps, training time, device, every metric beside real data's
# or the baselines), and the summary table between the markers <!-- results:begin --> and
# <!-- results:end --> of the README, and refreshes the README's pictures in docs/ (the final
# sample sheets and loss curves it shows) from the same runs. A run folder that already holds a
# finished run is scored again, not retrained; a model whose run is not in DIR keeps its section
# and row from the current table and README. Usage:
#   tools/eval-table.sh [--runs DIR] [--table FILE] [--readme FILE] [--pictures DIR] [MODEL...]
# MODEL: any of the names below (default: all); DIR: where the runs live (default runs/);
# --table: default docs/results.md; --readme: default README.md; --pictures: default docs/
# (all three in this repository).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ganforge="${GANFORGE_BUILD_DIR:-$root/build}/tools/ganforge"
runs=runs
table="$root/docs/results.md"
readme="$root/README.md"
pictures="$root/docs"

# name | data | flags of `ganforge train` (the README's commands)
models=(
  "dcgan-mnist|mnist|dcgan --data mnist --epochs 1"
  "dcgan-cifar10|cifar10|dcgan --data cifar10 --image-size 32 --epochs 5"
  "gan-mnist|mnist|gan --data mnist --epochs 20"
  "cgan-mnist|mnist|cgan --data mnist --epochs 15"
  "infogan-mnist|mnist|infogan --data mnist --epochs 10 --instance-noise 0.1"
  "pix2pix-facades|facades|pix2pix --data facades --image-size 64 --ngf 32 --ndf 32 --epochs 30 --decay-epochs 10"
  "cyclegan-horse2zebra|horse2zebra|cyclegan --data horse2zebra --image-size 64 --ngf 16 --ndf 32 --epochs 12 --decay-epochs 4 --limit 500"
)

chosen=()
while (($#)); do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --table) table="$2"; shift 2 ;;
    --readme) readme="$2"; shift 2 ;;
    --pictures) pictures="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    -*) echo "eval-table: unknown flag $1" >&2; exit 2 ;;
    *) chosen+=("$1"); shift ;;
  esac
done
for name in "${chosen[@]}"; do
  [[ " $(printf '%s ' "${models[@]%%|*}") " == *" $name "* ]] ||
    { echo "eval-table: unknown model '$name'; expected one of: $(printf '%s ' "${models[@]%%|*}")" >&2; exit 2; }
done
[[ -x "$ganforge" ]] || { echo "eval-table: $ganforge is not built; run tools/setup.sh first" >&2; exit 1; }

cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
for entry in "${models[@]}"; do
  IFS='|' read -r name data flags <<<"$entry"
  if ((${#chosen[@]})) && [[ " ${chosen[*]} " != *" $name "* ]]; then continue; fi
  run="$runs/$name"
  if [[ ! -f "$run/train_seconds" ]]; then
    echo "eval-table: training $name: ganforge train $flags --out $run"
    rm -rf "$run"
    start=$(date +%s)
    # shellcheck disable=SC2086  # the flags are words
    GANFORGE_NUM_THREADS=1 "$ganforge" train $flags --out "$run" --log-every 200 | tail -n 2
    echo $(($(date +%s) - start)) >"$run/train_seconds.tmp" && mv "$run/train_seconds.tmp" "$run/train_seconds"
    echo "GANFORGE_NUM_THREADS=1 ganforge train $flags" >"$run/train_command"
    echo "$cpu, 1 thread" >"$run/train_device"
  fi
  echo "eval-table: scoring $name"
  "$ganforge" eval "$run" --json "$run/eval.json" >/dev/null
  # The README's pictures of this model, those it shows: its final sample sheets
  # (samples/final-category.png -> docs/NAME-category.png) and its loss curve (NAME-loss.png).
  for sheet in "$run"/samples/final*.png "$run/loss_curve.png"; do
    picture="$pictures/$name$(basename "$sheet" .png | sed 's/^final//; s/^loss_curve$/-loss/').png"
    if [[ -f "$picture" ]]; then cp "$sheet" "$picture"; fi
  done
done

# The table, from every run that has been scored (in the order above).
python3 - "$runs" "$table" "$readme" "${models[@]}" <<'EOF'
import json, os, sys
runs, table, readme, models = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
summary = ["| model | data | steps | training (1 thread) | Fréchet distance | inception score | classes | precision / recall | "
           "density / coverage | sample spread | its own measure |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]

def cell(metrics, name, digits=3):
    m = metrics.get(name)
    if m is None:
        return ""
    return f"{m['value']:.{digits}g}" + (f" ({m['real_data']:.{digits}g})" if "real_data" in m else "")

def pair(metrics, a, b):
    return f"{cell(metrics, a, 2)} / {cell(metrics, b, 2)}" if a in metrics else ""

def own(metrics):
    parts = []
    for name in ("label_accuracy", "code_accuracy", "q_accuracy_on_test"):
        if name in metrics:
            parts.append(f"{name.replace('_', ' ')} {cell(metrics, name)}")
    for name in ("l1", "psnr", "ssim", "cycle_A_l1", "cycle_B_l1"):
        if name in metrics:
            m = metrics[name]
            base = ", ".join(f"{k} {v:.3g}" for k, v in m.get("baselines", {}).items())
            parts.append(f"{name.replace('_', ' ')} {m['value']:.3g}" + (f" ({base})" if base else ""))
    return "; ".join(parts)

lines = ["# Results: every model, scored by `ganforge eval`", "",
         "Made by `tools/eval-table.sh` from real runs; each model was trained by the command shown, on the CPU named",
         "(one thread), then scored with `ganforge eval RUN` (10,000 images for the image models; the test split for",
         "pix2pix and CycleGAN). The number in parentheses is real data's value (real training images in place of",
         "the generated ones; for label and code accuracy, the classifier's own test accuracy) or, for pix2pix and",
         "CycleGAN, the baselines. What each metric means: the README, \"How good is a run\".", ""]
# What the current table and README say of each model, kept for models not run in this folder.
old_sections, old_rows = {}, {}
if os.path.exists(table):
    for section in open(table).read().split("\n## ")[1:]:
        old_sections[section.split("\n", 1)[0]] = ("## " + section.rstrip("\n")).split("\n") + [""]
begin, end = "<!-- results:begin -->", "<!-- results:end -->"
text = open(readme).read() if os.path.exists(readme) else ""
if begin in text and end in text:
    for row in text.split(begin, 1)[1].split(end, 1)[0].strip().split("\n")[2:]:
        cells = [c.strip() for c in row.split("|")]
        old_rows[(cells[1], cells[2])] = row

for entry in models:
    name, data, flags = entry.split("|", 2)
    run = os.path.join(runs, name)
    path = os.path.join(run, "eval.json")
    if not os.path.exists(path):
        lines += old_sections.get(name, [])
        if (flags.split()[0], data) in old_rows:
            summary.append(old_rows[(flags.split()[0], data)])
        continue
    report = json.load(open(path))
    seconds = int(open(os.path.join(run, "train_seconds")).read())
    device = open(os.path.join(run, "train_device")).read().strip()
    lines += [f"## {name}", "", f"`GANFORGE_NUM_THREADS=1 ganforge train {flags}`: {report['step']} steps, "
              f"{seconds // 60} min {seconds % 60} s on {device}" +
              (f"; classifier {report['classifier']}" if report.get("classifier") else "") + ".", "",
              "| metric | value | reference |", "| --- | ---: | --- |"]
    for metric, m in report["metrics"].items():
        ref = []
        if "real_data" in m:
            ref.append(f"real data {m['real_data']:.4g}")
        for base, value in m.get("baselines", {}).items():
            ref.append(f"{base} {value:.4g}")
        better = "higher" if m["higher_is_better"] else "lower"
        lines.append(f"| {metric} ({better} is better) | {m['value']:.4g} | {', '.join(ref)} |")
    if "class_histogram" in report:
        lines += ["", "Classes of the generated images: " + ", ".join(f"{k}: {v}" for k, v in enumerate(report["class_histogram"])) + "."]
    lines.append("")
    metrics = report["metrics"]
    summary.append(f"| {report['arch']} | {data} | {report['step']} | {seconds // 60} min | {cell(metrics, 'frechet_distance')} | "
                   f"{cell(metrics, 'inception_score')} | {cell(metrics, 'classes_covered')} | "
                   f"{pair(metrics, 'precision', 'recall')} | {pair(metrics, 'density', 'coverage')} | "
                   f"{cell(metrics, 'sample_spread', 2)} | {own(metrics)} |")
tmp = table + ".tmp"
with open(tmp, "w") as f:
    f.write("\n".join(lines))
os.replace(tmp, table)
print(f"eval-table: wrote {table}")
if begin in text and end in text:
    head, rest = text.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(readme + ".tmp", "w") as f:
        f.write(head + begin + "\n" + "\n".join(summary) + "\n" + end + tail)
    os.replace(readme + ".tmp", readme)
    print(f"eval-table: updated the summary in {readme}")
else:
    print(f"eval-table: {readme} has no {begin} ... {end} markers; its summary is not updated")
EOF
