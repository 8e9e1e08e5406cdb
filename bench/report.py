#!/usr/bin/python3
# (Debian's python3: python3-matplotlib, which draws the chart, is installed for it.)
"""Markdown tables and a bar chart from ganforge_bench's JSON output.

  bench/report.py [--out results.md] [--chart ratios.png] run.json [more.json ...]

Reads Google Benchmark JSON (--benchmark_out=FILE --benchmark_out_format=json), one file or
several; with --benchmark_repetitions each benchmark's median is used (the "median" aggregate,
or the median of its repetitions when the aggregates were not written). Names follow
bench/measure.h: <what>/<backend>/threads:<T> on CPU backends, <what>/<backend> on GPU ones.

Each table is one device and thread count. "ours" is GANForge's backend of that device (cpu,
or cuda), "vendor" the vendor library's (onednn, or cudnn) measured in the same run, ratio
ours / vendor (above 1: ours is faster), and "roofline" our rate as a fraction of the device's
peak (the benchmark's "roofline" counter). Other backends found (reference, cuda-sim, eigen)
get a column of their own. Layer tables (layer/<model>/...) come one per model; the GEMM
(gemm/...) and training-step (train_step/...) benchmarks get one table each.

--chart writes a horizontal bar chart of ours / vendor for every layer pass and GEMM
measured on both (one PNG per device and thread count: the file name gets "-<device>" when
there are several).
"""
import argparse
import json
import re
import statistics
import sys
from collections import defaultdict

OURS = {"cpu": "cpu", "gpu": "cuda"}
VENDOR = {"cpu": "onednn", "gpu": "cudnn"}
GPU_BACKENDS = {"cuda", "cudnn"}
CPU_BACKENDS = {"reference", "cpu", "onednn", "cuda-sim", "eigen"}
RATES = ("GFLOP/s", "GB/s", "images/s")
# A convolution pass's role in its layer (a transposed layer runs the adjoint convolution).
CONV_ROLE = {"fprop": "forward", "dgrad": "backward-data", "wgrad": "backward-filter"}
CONVT_ROLE = {"fprop": "backward-data", "dgrad": "forward", "wgrad": "backward-filter"}


class Measurement:
    def __init__(self, name, rate_unit, rate, roofline, label, order):
        self.name, self.rate_unit, self.rate, self.roofline, self.label = name, rate_unit, rate, roofline, label
        self.order = order  # registration order (family_index): a model's layers as bench/gan_layers.cpp lists them


def base_name(run_name):
    return re.sub(r"/(real_time|manual_time)$", "", run_name)


def load(paths):
    """{benchmark name: Measurement} of medians, and the merged JSON contexts."""
    samples = defaultdict(list)  # name -> [benchmark entries of its repetitions]
    medians = {}
    context = {}
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        context.update(data.get("context", {}))
        for b in data.get("benchmarks", []):
            if b.get("error_occurred"):
                continue
            name = base_name(b.get("run_name", b["name"]))
            if b.get("run_type") == "aggregate":
                if b.get("aggregate_name") == "median":
                    medians[name] = b
            else:
                samples[name].append(b)
    out = {}
    for name in set(samples) | set(medians):
        entries = [medians[name]] if name in medians else samples[name]
        unit = next((u for u in RATES if u in entries[0]), None)
        if unit is None:
            continue
        rate = statistics.median(e[unit] for e in entries)
        roofs = [e["roofline"] for e in entries if "roofline" in e]
        roofline = statistics.median(roofs) if roofs else None
        order = min(e.get("family_index", 0) for e in entries)
        out[name] = Measurement(name, unit, rate, roofline, entries[0].get("label", ""), order)
    return out, context


def split_name(name):
    """(what, backend, threads or None), or None for a name outside bench/measure.h's scheme."""
    parts = name.split("/")
    threads = None
    if parts[-1].startswith("threads:"):
        threads = int(parts[-1][len("threads:"):])
        parts = parts[:-1]
    if len(parts) < 2 or parts[-1] not in CPU_BACKENDS | GPU_BACKENDS:
        return None
    return "/".join(parts[:-1]), parts[-1], threads


def device_key(backend, threads, context):
    if backend in GPU_BACKENDS:
        return ("gpu", context.get("gpu", "GPU"))
    return ("cpu", f"CPU, {threads} thread{'s' if threads != 1 else ''}")


class Table:
    """The measurements of one device and thread count: {what: {backend: Measurement}}."""

    def __init__(self, kind, title):
        self.kind, self.title = kind, title
        self.rows = defaultdict(dict)

    def backends(self):
        return sorted({b for row in self.rows.values() for b in row})

    def order(self, what):
        return min(m.order for m in self.rows[what].values())

    def others(self, whats):
        found = {b for w in whats for b in self.rows[w]}
        return sorted(found - {OURS[self.kind], VENDOR[self.kind]})


def tables_of(measurements, context):
    tables = {}
    for name, m in measurements.items():
        split = split_name(name)
        if split is None:
            continue
        what, backend, threads = split
        kind, title = device_key(backend, threads, context)
        table = tables.setdefault((kind, title), Table(kind, title))
        table.rows[what][backend] = m
    return [tables[k] for k in sorted(tables, key=lambda k: (k[0] != "cpu", k[1]))]


def fmt(value, digits=1):
    return "" if value is None else f"{value:,.{digits}f}"


def ratio(ours, vendor):
    if ours is None or vendor is None or vendor.rate <= 0:
        return None
    return ours.rate / vendor.rate


def layer_key(what):
    """layer/<model>/<layer>/<primitive>/batch:<B> -> (model, batch, layer, primitive)."""
    _, model, layer, primitive, batch = what.split("/")
    return model, int(batch.split(":")[1]), layer, primitive


def primitive_text(layer, primitive):
    if layer.startswith("convT"):
        return f"{primitive} ({CONVT_ROLE[primitive]})"
    if layer.startswith("conv"):
        return f"{primitive} ({CONV_ROLE[primitive]})"
    return primitive


def markdown_table(header, rows, text_columns):
    """Numbers right-aligned after the first text_columns; a column empty in every row is left out."""
    keep = [i for i in range(len(header)) if i < text_columns or any(r[i] for r in rows)]
    lines = ["| " + " | ".join(header[i] for i in keep) + " |",
             "| " + " | ".join("---" if i < text_columns else "---:" for i in keep) + " |"]
    lines += ["| " + " | ".join(r[i].replace("|", "\\|") for i in keep) + " |" for r in rows]
    return "\n".join(lines)


def roofline_text(m):
    return "" if m is None or m.roofline is None else f"{100 * m.roofline:.0f}%"


def layer_sections(table):
    ours_name, vendor_name = OURS[table.kind], VENDOR[table.kind]
    whats = [w for w in table.rows if w.startswith("layer/")]
    by_model = defaultdict(list)
    for w in whats:
        by_model[layer_key(w)[0]].append(w)
    out = []
    for model in sorted(by_model):
        rows_of_model = sorted(by_model[model], key=lambda w: (layer_key(w)[1], table.order(w)))
        others = table.others(rows_of_model)
        header = ["batch", "layer", "primitive", "where", "unit", ours_name, vendor_name, "ratio", "roofline"] + others
        rows = []
        for w in rows_of_model:
            _, batch, layer, primitive = layer_key(w)
            row = table.rows[w]
            ours, vendor = row.get(ours_name), row.get(vendor_name)
            any_m = ours or vendor or next(iter(row.values()))
            rows.append([str(batch), f"`{layer}`", primitive_text(layer, primitive), any_m.label, any_m.rate_unit,
                         fmt(ours and ours.rate), fmt(vendor and vendor.rate), fmt(ratio(ours, vendor), 2),
                         roofline_text(ours)] + [fmt(row[o].rate) if o in row else "" for o in others])
        out.append((f"{model}, {table.title}", markdown_table(header, rows, 5)))
    return out


def simple_section(table, prefix, title, first_column):
    ours_name, vendor_name = OURS[table.kind], VENDOR[table.kind]
    whats = sorted((w for w in table.rows if w.startswith(prefix)), key=table.order)
    if not whats:
        return []
    others = table.others(whats)
    header = [first_column, "unit", ours_name, vendor_name, "ratio", "roofline"] + others
    rows = []
    for w in whats:
        row = table.rows[w]
        ours, vendor = row.get(ours_name), row.get(vendor_name)
        any_m = ours or vendor or next(iter(row.values()))
        rows.append([w[len(prefix):], any_m.rate_unit, fmt(ours and ours.rate), fmt(vendor and vendor.rate),
                     fmt(ratio(ours, vendor), 2), roofline_text(ours)] + [fmt(row[o].rate) if o in row else "" for o in others])
    return [(f"{title}, {table.title}", markdown_table(header, rows, 2))]


def peaks_text(context):
    lines = []
    if "cpu_core_peak_gflops" in context:
        lines.append(f"CPU roofline per core (measured at start-up): {float(context['cpu_core_peak_gflops']):.1f} GFLOP/s f32 FMA, "
                     f"{float(context['cpu_core_peak_gbytes_per_s']):.1f} GB/s copy.")
    if context.get("gpu"):
        if float(context.get("gpu_peak_gflops", 0)) > 0:
            lines.append(f"{context['gpu']} roofline: {float(context['gpu_peak_gflops']):,.0f} GFLOP/s "
                         f"{context.get('math', 'fp32')}, "
                         f"{float(context['gpu_peak_gbytes_per_s']):,.0f} GB/s ({context.get('gpu_peak_source', '')}).")
        else:
            lines.append(f"{context['gpu']}: not in bench/gpu.cpp's table, so no roofline fractions.")
    if context.get("host_name"):
        lines.append(f"Host {context['host_name']}, {context.get('num_cpus', '?')} CPUs, run {context.get('date', '')}.")
    return lines


def report(tables, context):
    parts = ["<!-- made by bench/report.py from ganforge_bench JSON; medians of repetitions where present -->", ""]
    for line in peaks_text(context):
        parts.append(line)
    parts.append("")
    for table in tables:
        sections = (layer_sections(table) + simple_section(table, "gemm/", "GEMM", "product")
                    + simple_section(table, "train_step/", "Training steps", "model"))
        for title, text in sections:
            parts += [f"### {title}", "", text, ""]
    return "\n".join(parts)


def chart_bars(table):
    """(label, ratio) of every layer pass and GEMM with both ours and the vendor, in table order."""
    bars = []
    ours_name, vendor_name = OURS[table.kind], VENDOR[table.kind]
    layer_whats = sorted((w for w in table.rows if w.startswith("layer/")),
                         key=lambda w: (layer_key(w)[0], layer_key(w)[1], table.order(w)))
    for w in layer_whats + sorted((w for w in table.rows if w.startswith("gemm/")), key=table.order):
        r = ratio(table.rows[w].get(ours_name), table.rows[w].get(vendor_name))
        if r is None:
            continue
        if w.startswith("layer/"):
            model, batch, layer, primitive = layer_key(w)
            bars.append((f"{model} b{batch} {layer} {primitive}", r))
        else:
            bars.append((w, r))
    return bars


def write_charts(tables, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("report.py: --chart needs matplotlib (Debian: apt-get install python3-matplotlib)")
    charted = [(t, chart_bars(t)) for t in tables]
    charted = [(t, bars) for t, bars in charted if bars]
    written = []
    for table, bars in charted:
        out = path
        if len(charted) > 1:
            slug = re.sub(r"[^A-Za-z0-9]+", "-", table.title).strip("-").lower()
            out = re.sub(r"(\.png)?$", f"-{slug}.png", path, count=1)
        height = 1.5 + 0.17 * len(bars)
        fig, ax = plt.subplots(figsize=(10, height))
        labels = [b[0] for b in bars][::-1]
        values = [b[1] for b in bars][::-1]
        colors = ["tab:blue" if v >= 1 else "tab:red" for v in values]
        # bars grow from 1 (parity) to the ratio, to the right where ours is faster
        ax.barh(range(len(values)), [v - 1 for v in values], left=1, color=colors)
        for y, v in enumerate(values):
            ax.text(v, y, f" {v:.2f} ", va="center", ha="left" if v >= 1 else "right", fontsize=6)
        ax.set_yticks(range(len(values)), labels, fontsize=7)
        ax.set_xscale("log")
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_ylim(-0.6, len(values) - 0.4)
        ax.set_xlabel(f"{OURS[table.kind]} / {VENDOR[table.kind]} (rate ratio, log scale; > 1: {OURS[table.kind]} faster)")
        ax.set_title(f"GANForge against the vendor library: {table.title}")
        ax.grid(axis="x", which="both", alpha=0.3)
        fig.tight_layout()
        fig.savefig(out, dpi=100)
        plt.close(fig)
        written.append(out)
    return written


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("json", nargs="+", help="ganforge_bench --benchmark_out files (JSON)")
    parser.add_argument("--out", help="write the Markdown here (default: standard output)")
    parser.add_argument("--chart", help="write the ratio bar chart(s) to this PNG")
    args = parser.parse_args(argv)
    measurements, context = load(args.json)
    tables = tables_of(measurements, context)
    if not tables:
        sys.exit("report.py: no benchmark named <what>/<backend>[/threads:<T>] with a rate counter in " + ", ".join(args.json))
    text = report(tables, context)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        print(text)
    if args.chart:
        for path in write_charts(tables, args.chart):
            print(f"report.py: wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
