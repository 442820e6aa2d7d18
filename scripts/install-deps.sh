#!/usr/bin/env bash
#===- install-deps.sh - Install bq's build and test dependencies ---------===#
#
# Idempotent: installs only the Debian packages that are missing, and runs
# `apt-get update` only when something has to be installed. Debian packages
# only (there is no pip index on the build machines).
#
# Usage: scripts/install-deps.sh [--bench] [--demo] [--train] [--dry-run]
#   --bench   also what `make bench` needs to plot (python3-matplotlib)
#   --demo    also what `make demo` needs to plot (python3-matplotlib)
#   --train   also what `make demo RETRAIN=1` needs (python3-sklearn)
#   --sanitize  also clang-22 and its sanitizer/libFuzzer runtimes
#             (`make fuzz`, `make test-sanitize`)
#===----------------------------------------------------------------------===#
set -euo pipefail

PACKAGES=(
  # Compiler toolchain and build system.
  g++ cmake ninja-build make git
  # LLVM/MLIR 22. libmlir-22-dev needs mlir-22-tools and llvm-22-dev for
  # find_package(MLIR) even though it does not depend on them.
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  # Tests and benchmarks.
  libgtest-dev libbenchmark-dev libopenblas-dev
  # Python package and its tests.
  python3 python3-dev pybind11-dev python3-numpy python3-pytest
)

dry_run=0
for arg in "$@"; do
  case "$arg" in
    --bench|--demo) PACKAGES+=(python3-matplotlib) ;;
    --train) PACKAGES+=(python3-sklearn) ;;
    --sanitize) PACKAGES+=(clang-22 libclang-rt-22-dev) ;;
    --dry-run) dry_run=1 ;;
    *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
  [[ "$status" == ii* ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [[ $dry_run -eq 1 ]]; then
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
