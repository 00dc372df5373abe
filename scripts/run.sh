#!/usr/bin/env bash
# Installs what rlvr-kit needs (when missing) and runs one deno task.
#
#   bash scripts/run.sh test     # format, lint, type check, unit tests, notebooks
#   bash scripts/run.sh repro    # the main job: run the reproduction notebooks, write out/
#   bash scripts/run.sh bench    # benchmarks, one JSON object per line (installs PyTorch for the reference)
#
# Needs Node.js/npm and, for Jupyter, Debian/Ubuntu apt. It installs Deno (npm, pinned), Jupyter's
# nbconvert (apt), the Deno kernel and OpenBLAS (apt: the matrix products of the wasm backend,
# lib/blas.ts); where it cannot (no root, no sudo), it stops and prints the exact command to run.
set -euo pipefail
cd "$(dirname "$0")/.."

DENO_VERSION=2.9.6
APT_PACKAGES=(jupyter-nbconvert python3-nbclient jupyter-client fonts-dejavu-core)

say() { printf '[rlvr-kit] %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1
  fi
}

ensure_deno() {
  if command -v deno >/dev/null 2>&1 && deno --version | head -1 | grep -q " ${DENO_VERSION} "; then
    return
  fi
  command -v npm >/dev/null 2>&1 ||
    die "Deno ${DENO_VERSION} is missing and so is npm: install Node.js, then run: npm install -g deno@${DENO_VERSION}"
  say "installing Deno ${DENO_VERSION} from npm"
  npm install -g "deno@${DENO_VERSION}" >/dev/null 2>&1 || as_root npm install -g "deno@${DENO_VERSION}" >/dev/null ||
    die "could not install Deno: run: sudo npm install -g deno@${DENO_VERSION}"
  hash -r
  deno --version | head -1 | grep -q " ${DENO_VERSION} " ||
    die "deno on PATH is not ${DENO_VERSION} ($(command -v deno)): put npm's global bin first on PATH"
}

ensure_jupyter() {
  local missing=()
  command -v jupyter >/dev/null 2>&1 && jupyter nbconvert --version >/dev/null 2>&1 || missing+=(nbconvert)
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts)
  [ ${#missing[@]} -eq 0 ] && return
  command -v apt-get >/dev/null 2>&1 ||
    die "Jupyter's nbconvert is missing and apt-get is not available: install jupyter-nbconvert, nbclient and jupyter-client with your package manager"
  say "installing ${APT_PACKAGES[*]} with apt-get"
  if ! { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${APT_PACKAGES[@]}"; } >/dev/null; then
    die "could not install Jupyter: run: sudo apt-get update && sudo apt-get install -y ${APT_PACKAGES[*]}"
  fi
}

ensure_openblas() {
  ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so\.0' && return
  command -v apt-get >/dev/null 2>&1 ||
    die "OpenBLAS is missing and apt-get is not available: install libopenblas0 (or run with RLVR_MATMUL=backend)"
  say "installing libopenblas0 with apt-get"
  if ! { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq libopenblas0; } >/dev/null; then
    die "could not install OpenBLAS: run: sudo apt-get update && sudo apt-get install -y libopenblas0"
  fi
}

ensure_torch() {
  # The benchmarks' PyTorch reference (bench/torch_*.py): optional, so a failure only warns.
  /usr/bin/python3 -c 'import torch' >/dev/null 2>&1 && return
  command -v apt-get >/dev/null 2>&1 || { say "PyTorch is missing: the benches skip their torch lines"; return; }
  say "installing python3-torch with apt-get (the benchmarks' reference)"
  { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-torch; } >/dev/null ||
    say "could not install python3-torch: the benches skip their torch lines (sudo apt-get install -y python3-torch)"
}

ensure_kernel() {
  if jupyter kernelspec list 2>/dev/null | grep -Eq '^\s*deno\s'; then return; fi
  say "registering the Deno Jupyter kernel"
  deno jupyter --install >/dev/null 2>&1 || die "could not register the kernel: run: deno jupyter --install"
}

[ $# -ge 1 ] || die "usage: bash scripts/run.sh <task> [args...]   (tasks: test, repro, bench, eval, ...)"
ensure_deno
case "$1" in
  test | repro) ensure_jupyter; ensure_kernel; ensure_openblas ;;
  bench) ensure_openblas; ensure_torch ;;
  pretrain | eval | train) ensure_openblas ;;
esac
deno install --frozen >/dev/null 2>&1 || deno install --frozen
exec deno task "$@"
