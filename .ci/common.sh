# Shared by ./run.sh and ./test.sh: install the Debian 12 packages coco-admit
# needs (only those missing, so re-runs are quick) and build with CMake.
set -euo pipefail

COCO_ADMIT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config clang libclang-rt-14-dev
  libsimdjson-dev libboost-dev libssl-dev libmimalloc-dev libyaml-cpp-dev libtomlplusplus-dev
  zlib1g-dev libre2-dev libxxhash-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-yaml python3-jsonpatch curl openssl wrk gnuplot-nox
)

coco_admit_install_deps() {
  local missing=()
  for p in "${COCO_ADMIT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "coco-admit: installing ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# coco_admit_build DIR [cmake args...]
coco_admit_build() {
  local dir=$1
  shift
  export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/coco-admit-ccache}
  # Relative paths in the cache key, so a fresh clone elsewhere (CI) reuses it.
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=1
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
}
