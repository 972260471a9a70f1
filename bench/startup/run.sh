#!/usr/bin/env bash
# bench/startup: wall time of `docker coredata version` through the docker CLI (which also runs the
# metadata handshake) ÷ `node -e 0`, medians of N runs. Target ≤ 2.5 (issue 2).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
exe="${1:-$root/dist/docker-coredata}"
runs="${RUNS:-15}"
[ -x "$exe" ] || { echo "no executable at $exe: run npm run build first" >&2; exit 2; }
cfg="$(mktemp -d)"
trap 'rm -rf "$cfg"' EXIT
mkdir -p "$cfg/cli-plugins"
cp "$exe" "$cfg/cli-plugins/docker-coredata"

median() { # command… → median wall seconds over $runs runs (after one warm-up)
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq "$runs"); do
    s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
    echo $(((e - s) / 1000))
  done | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f\n", m/1000}'
}

plugin=$(DOCKER_CONFIG="$cfg" median docker coredata version)
node0=$(median node -e 0)
meta=$(median "$cfg/cli-plugins/docker-coredata" docker-cli-plugin-metadata)
direct=$(median "$cfg/cli-plugins/docker-coredata" version)
dockerv=$(DOCKER_CONFIG="$cfg" median docker --version)
printf 'docker coredata version      %7.1f ms\n' "$plugin"
printf '  of which: metadata alone   %7.1f ms\n' "$meta"
printf '  of which: version direct   %7.1f ms\n' "$direct"
printf '  of which: docker --version %7.1f ms\n' "$dockerv"
printf 'node -e 0                    %7.1f ms\n' "$node0"
awk -v a="$plugin" -v b="$node0" 'BEGIN { printf "ratio (target <= 2.5)         %7.2f\n", a / b }'
