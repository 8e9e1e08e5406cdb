#!/usr/bin/python3
# (Debian's python3: python3-torch is installed for it, and a python3 earlier on PATH may lack it.)
"""GANForge's whole training steps against the same steps in PyTorch, side by side in one run.

  bench/pytorch_peer.py [--threads 1,2] [--models gan,dcgan-mnist,dcgan64]
                        [--bench build/bench/ganforge_bench] [--min-time 3] [--json-out FILE]
  bench/pytorch_peer.py --smoke      (one MLP GAN step a side, one thread: what ctest runs)

For each model and thread count in turn, GANForge's train_step/<model>/cpu/threads:<T>
(bench/bench_train_step.cpp) runs in a subprocess, then the same step in PyTorch in this
process, so that noise on a shared machine falls on both sides alike. The result is a Markdown
table (images/s, and GANForge over PyTorch: above 1, GANForge is faster) with the CPU model,
the PyTorch version, its BLAS and the command (with the variables of the environment that change
either side's kernels or threads), on standard output.

The PyTorch side rebuilds what gan::make_recipe builds for docs/models.md §1 (gan: the MLP
GAN at 28x28x1) and §2 (dcgan-mnist: DCGAN at 28x28x1; dcgan64: DCGAN at 64x64x3): the same
layers, the same initialisation (PyTorch's default for the MLP GAN; DCGAN's weights_init),
batch 64, BCE on logits against 1 and 0, Adam lr 2e-4 betas (0.5, 0.999) per network, one
batch of fakes per step, the MLP GAN G step first with its D loss halved, DCGAN D step first,
D's parameters frozen during the G step, gradients set to none, and each step reading its
losses, D(x) and D(G(z)) back as GANForge's does. Real images are uniform in [-1, 1], drawn
once, as in the benchmark. Parameter counts of every network are checked against the
benchmark's params_G and params_D counters; a mismatch fails the run (exit status 1).

Timing: PyTorch runs 3 warm-up steps, then times single steps for at least --min-time seconds
(and at least 5 steps) and reports the median. GANForge's benchmark runs 5 repetitions of
--min-time/5 seconds each (every repetition builds the recipe and makes one untimed step
first) and reports their median. PyTorch gets torch.set_num_threads(T),
torch.set_num_interop_threads(1) and, when its BLAS is OpenBLAS, openblas_set_num_threads(T).

Differences that remain:
- PyTorch 1.13 runs Conv2d on its built-in oneDNN (Debian's, the one GANForge's onednn backend
  uses), but Linear (addmm) and ConvTranspose2d (slow_conv_transpose2d: im2col, col2im and
  GEMM), forward and back, on the BLAS that libblas.so.3 resolves to (Debian's alternatives):
  the MLP GAN and every DCGAN generator. Debian's default, the netlib reference BLAS, is many
  times slower than an optimised one, and would make PyTorch no fair peer: install
  libopenblas0-openmp (OpenBLAS on the OpenMP runtime PyTorch's own threads use), and leave
  OPENBLAS_CORETYPE unset (Haswell there halves OpenBLAS's speed on an AVX-512 CPU). The BLAS
  and the kernels it picked are printed above the table, a note below it if either is amiss.
- PyTorch's Adam is its default on the CPU, a loop over the parameters (its foreach variant was
  slower here); GANForge updates all of a network's parameters in one fused kernel.
- ReLU and LeakyReLU run in place, as in the reference implementations (PyTorch-GAN,
  pytorch/examples dcgan).
- The random streams differ (z, initial weights, images), so the two sides train on different
  numbers of the same distributions; the time of a step does not depend on them.

Exit status: 0, 1 on an error or a parameter mismatch, 2 on a usage error, 77 when PyTorch is
not installed (apt-get install python3-torch), which ctest reads as a skipped test.
"""
import argparse
import ctypes
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict

MODELS = ("gan", "dcgan-mnist", "dcgan64")
WARMUP_STEPS, MIN_STEPS, REPETITIONS = 3, 5, 5
BATCH, LATENT, LR, BETAS = 64, 100, 2e-4, (0.5, 0.999)
SHAPE = {"gan": (1, 28), "dcgan-mnist": (1, 28), "dcgan64": (3, 64)}  # channels, image size
# Variables that change either side's kernels or threads: the printed command carries them.
ENVIRONMENT = ("OPENBLAS_", "OMP_", "GOMP_", "KMP_", "MKL_", "DNNL_", "ONEDNN_", "GANFORGE_", "LD_LIBRARY_PATH",
               "LD_PRELOAD")


def named(nn, **children):
    """A Sequential of children named as GANForge names them, so that its state-dict keys are those
    of GANForge's checkpoints (G.model.0.weight there is model.0.weight here)."""
    return nn.Sequential(OrderedDict(children))


def mlp_gan(nn, channels, size):
    """PyTorch-GAN implementations/gan, BatchNorm1d(n, 0.8) (eps 0.8), logits out of D."""
    pixels = channels * size * size

    def block(n_in, n_out, normalize=True):
        layers = [nn.Linear(n_in, n_out)]
        if normalize:
            layers.append(nn.BatchNorm1d(n_out, 0.8))
        layers.append(nn.LeakyReLU(0.2, inplace=True))
        return layers

    g = named(nn, model=nn.Sequential(*block(LATENT, 128, normalize=False), *block(128, 256), *block(256, 512),
                                      *block(512, 1024), nn.Linear(1024, pixels), nn.Tanh()),
              image=nn.Unflatten(1, (channels, size, size)))
    d = named(nn, flatten=nn.Flatten(),
              model=nn.Sequential(nn.Linear(pixels, 512), nn.LeakyReLU(0.2, inplace=True), nn.Linear(512, 256),
                                  nn.LeakyReLU(0.2, inplace=True), nn.Linear(256, 1)))
    return g, d


def dcgan(nn, channels, size):
    """pytorch/examples dcgan (64x64) and cpp/dcgan (28x28), as gan/models/dcgan.cpp builds them,
    initialised by the example's weights_init (gan::dcgan_init)."""
    levels = 4 if size == 64 else 3
    width = 64 << (levels - 1)  # ngf = ndf = 64
    g = [nn.ConvTranspose2d(LATENT, width, 4, 1, 0, bias=False), nn.BatchNorm2d(width), nn.ReLU(True)]
    for i in range(1, levels):
        kernel = 3 if size == 28 and i == 1 else 4  # 4x4 -> 7x7
        g += [nn.ConvTranspose2d(width, width // 2, kernel, 2, 1, bias=False), nn.BatchNorm2d(width // 2), nn.ReLU(True)]
        width //= 2
    g += [nn.ConvTranspose2d(width, channels, 4, 2, 1, bias=False), nn.Tanh()]
    width = 64
    d = [nn.Conv2d(channels, width, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
    for _ in range(1, levels):
        d += [nn.Conv2d(width, width * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(width * 2),
              nn.LeakyReLU(0.2, inplace=True)]
        width *= 2
    d += [nn.Conv2d(width, 1, 3 if size == 28 else 4, 1, 0, bias=False)]
    g = named(nn, z=nn.Unflatten(1, (LATENT, 1, 1)), main=nn.Sequential(*g))
    d = named(nn, main=nn.Sequential(*d), logits=nn.Flatten())

    def weights_init(m):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)

    g.apply(weights_init)
    d.apply(weights_init)
    return g, d


class Recipe:
    """gan/train/recipe_unconditional.cpp's step for `gan` (G first, D loss halved) or DCGAN."""

    def __init__(self, torch, model):
        self.torch, self.F = torch, torch.nn.functional
        channels, size = SHAPE[model]
        self.g, self.d = (mlp_gan if model == "gan" else dcgan)(torch.nn, channels, size)
        self.g_first = self.halve_d_loss = model == "gan"
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=LR, betas=BETAS)
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=LR, betas=BETAS)

    def bce(self, logits, target):
        return self.F.binary_cross_entropy_with_logits(logits, self.torch.full_like(logits, target))

    def mean_output(self, logits):
        with self.torch.no_grad():
            return self.torch.sigmoid(logits).mean().item()

    def train_step(self, real):
        fake = self.g(self.torch.randn(real.size(0), LATENT))

        # Each half reads its loss and D's mean output back, as GANForge's step does for its log.
        def d_step():
            self.opt_d.zero_grad(set_to_none=True)
            out_real, out_fake = self.d(real), self.d(fake.detach())
            loss = self.bce(out_real, 1.0) + self.bce(out_fake, 0.0)
            if self.halve_d_loss:
                loss = loss * 0.5
            loss.backward()
            self.opt_d.step()
            loss.item()
            self.mean_output(out_real)

        def g_step():
            self.opt_g.zero_grad(set_to_none=True)
            for p in self.d.parameters():
                p.requires_grad_(False)
            out = self.d(fake)
            loss = self.bce(out, 1.0)
            loss.backward()
            self.opt_g.step()
            for p in self.d.parameters():
                p.requires_grad_(True)
            loss.item()
            self.mean_output(out)

        for half in ((g_step, d_step) if self.g_first else (d_step, g_step)):
            half()


def parameter_count(net):
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


def loaded_blas():
    """The file libblas.so.3 resolves to in this process (after `import torch`), or None."""
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if os.path.basename(path).startswith("libblas.so"):
                return os.path.realpath(path)
    return None


def blas_description(path):
    if path is None:
        return "none loaded"
    library = ctypes.CDLL(path)
    if hasattr(library, "openblas_get_config"):
        library.openblas_get_config.restype = ctypes.c_char_p
        return f"{library.openblas_get_config().decode()} ({path})"  # names the kernels it picked
    if "/blas/" in path:
        return f"netlib reference BLAS ({path})"
    return path


def unfair(blas, environment):
    """Why PyTorch may not run at its best here, one sentence each."""
    notes = []
    if blas is not None and "/blas/" in blas:
        notes.append("PyTorch ran its Linear and ConvTranspose2d layers on the netlib reference BLAS: these ratios "
                     "flatter GANForge. Install libopenblas0-openmp for a fair peer.")
    elif blas is not None and "openblas" in blas and "OPENBLAS_CORETYPE" in environment:
        notes.append(f"OPENBLAS_CORETYPE={environment['OPENBLAS_CORETYPE']} overrode the kernels OpenBLAS picks for this "
                     "CPU: unset it for a fair peer.")
    return notes


def set_threads(torch, blas, threads):
    torch.set_num_threads(threads)
    if blas is not None:
        library = ctypes.CDLL(blas)
        if hasattr(library, "openblas_set_num_threads"):  # a pthread build has a pool set_num_threads leaves alone
            library.openblas_set_num_threads(threads)


def pytorch_side(torch, blas, model, threads, min_time, smoke):
    """(images/s: the median step, {network: parameters}, steps timed)."""
    set_threads(torch, blas, threads)
    torch.manual_seed(1)
    recipe = Recipe(torch, model)
    channels, size = SHAPE[model]
    real = torch.rand(BATCH, channels, size, size) * 2 - 1
    for _ in range(1 if smoke else WARMUP_STEPS):
        recipe.train_step(real)
    times = []
    start = time.perf_counter()
    while not times or (not smoke and (len(times) < MIN_STEPS or time.perf_counter() - start < min_time)):
        t0 = time.perf_counter()
        recipe.train_step(real)
        times.append(time.perf_counter() - t0)
    params = {"G": parameter_count(recipe.g), "D": parameter_count(recipe.d)}
    return BATCH / statistics.median(times), params, len(times)


def ganforge_side(bench, model, threads, min_time, smoke):
    """(images/s: the median of the repetitions, {network: parameters}) from ganforge_bench."""
    name = f"train_step/{model}/cpu/threads:{threads}"
    repetitions = 1 if smoke else REPETITIONS
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [bench, f"--benchmark_filter=^{name}/", f"--benchmark_out={out.name}", "--benchmark_out_format=json",
                   f"--benchmark_min_time={0 if smoke else min_time / repetitions}",
                   f"--benchmark_repetitions={repetitions}", "--benchmark_report_aggregates_only=true"]
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"pytorch_peer.py: {shlex.join(command)} failed ({run.returncode}):\n{run.stdout}{run.stderr}")
        entries = json.load(out)["benchmarks"]
    entries = [e for e in entries if e["run_name"].startswith(name + "/")]
    median = [e for e in entries if e.get("aggregate_name") == "median"] or [e for e in entries if e["run_type"] == "iteration"]
    if len(median) != 1 or median[0].get("error_occurred"):
        sys.exit(f"pytorch_peer.py: {bench} measured no {name}; does it have the cpu backend and that thread count?\n"
                 f"{run.stdout}{run.stderr}")
    result = median[0]
    return result["images/s"], {"G": int(result["params_G"]), "D": int(result["params_D"])}


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def markdown(rows):
    one_thread = {r["model"]: r["ganforge"] for r in rows if r["threads"] == 1}
    lines = ["| model | threads | GANForge images/s | PyTorch images/s | ratio | GANForge over its 1 thread |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        scaling = f"{r['ganforge'] / one_thread[r['model']]:.2f}" if r["threads"] != 1 and r["model"] in one_thread else ""
        lines.append(f"| {r['model']} | {r['threads']} | {r['ganforge']:.1f} | {r['pytorch']:.1f} | "
                     f"{r['ganforge'] / r['pytorch']:.2f} | {scaling} |")
    return "\n".join(lines)


def thread_list(text):
    try:
        threads = [int(x) for x in text.split(",")]
    except ValueError:
        threads = []
    if not threads or min(threads) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers separated by commas, e.g. 1,2; got '{text}'")
    return threads


def model_list(text):
    models = text.split(",")
    if any(m not in MODELS for m in models):
        raise argparse.ArgumentTypeError(f"expected some of {','.join(MODELS)} separated by commas; got '{text}'")
    return models


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=thread_list, help="thread counts (default 1,2; --smoke: 1)")
    parser.add_argument("--models", type=model_list, help=f"models (default {','.join(MODELS)}; --smoke: gan)")
    parser.add_argument("--bench", default=os.path.join(root, "build", "bench", "ganforge_bench"),
                        help="the ganforge_bench binary (default: build/bench/ganforge_bench of this checkout)")
    parser.add_argument("--min-time", type=float, default=3.0,
                        help="seconds each side measures a model at one thread count (default 3)")
    parser.add_argument("--json-out", help="also write the results, machine and command to this JSON file")
    parser.add_argument("--smoke", action="store_true",
                        help="one timed step a side, no warm-up beyond one step: checks that it all runs")
    args = parser.parse_args()
    threads = args.threads or ([1] if args.smoke else [1, 2])
    models = args.models or (["gan"] if args.smoke else list(MODELS))
    if not os.access(args.bench, os.X_OK):
        parser.error(f"no ganforge_bench at {args.bench}: build it (cmake --build build --target ganforge_bench) or pass --bench")
    try:
        import torch
    except ImportError:
        print("pytorch_peer.py: PyTorch is not installed (apt-get install python3-torch); skipped", file=sys.stderr)
        sys.exit(77)

    torch.set_num_interop_threads(1)
    blas = loaded_blas()
    environment = {k: v for k, v in sorted(os.environ.items()) if k.startswith(ENVIRONMENT)}
    command = shlex.join([f"{k}={v}" for k, v in environment.items()] + [sys.executable] + sys.argv)
    header = [f"CPU: {cpu_model()} ({os.cpu_count()} logical CPUs)",
              f"PyTorch {torch.__version__}, BLAS: {blas_description(blas)}",
              f"GANForge: {args.bench}", f"command: {command}"]
    print("\n".join(header), flush=True)
    rows, mismatches = [], []
    for model in models:
        for t in threads:
            ganforge, ganforge_params = ganforge_side(args.bench, model, t, args.min_time, args.smoke)
            pytorch, pytorch_params, steps = pytorch_side(torch, blas, model, t, args.min_time, args.smoke)
            print(f"{model}, {t} thread{'s' if t != 1 else ''}: GANForge {ganforge:.1f} images/s, PyTorch {pytorch:.1f} "
                  f"images/s (median of {steps} steps); parameters G {pytorch_params['G']:,} D {pytorch_params['D']:,} "
                  f"(GANForge G {ganforge_params['G']:,} D {ganforge_params['D']:,})", flush=True)
            if pytorch_params != ganforge_params:
                mismatches.append(model)
            rows.append({"model": model, "threads": t, "ganforge": ganforge, "pytorch": pytorch,
                         "ratio": ganforge / pytorch, "params_pytorch": pytorch_params, "params_ganforge": ganforge_params})
    print()
    print(markdown(rows))
    notes = unfair(blas, environment)
    for note in notes:
        print("\n" + note)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"cpu": cpu_model(), "logical_cpus": os.cpu_count(), "torch": torch.__version__,
                       "blas": blas_description(blas), "bench": args.bench, "command": command,
                       "environment": environment, "min_time": args.min_time, "smoke": args.smoke, "results": rows,
                       "caveats": notes}, f, indent=2)
            f.write("\n")
    if mismatches:
        sys.exit(f"pytorch_peer.py: the PyTorch networks of {', '.join(sorted(set(mismatches)))} do not have GANForge's "
                 "parameter counts")


if __name__ == "__main__":
    main()
