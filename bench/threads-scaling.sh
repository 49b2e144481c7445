#!/usr/bin/env bash
# Thread scaling table for issue 6: 1, 2, 4, 8 and 16 threads on one machine (meant for a
# 16-core one), run once from a fresh checkout where `npm ci` has been done:
#
#   bash bench/threads-scaling.sh            # or THREADS=1,2,4 bash bench/threads-scaling.sh
#
# Builds the kernels, then runs bench/threads.ts (GEMM 512/1024, the CNN conv layers
# forward and both backward, gelu on a CNN activation, MLP and CNN epochs on a 10,000-image
# MNIST subset, the dispatch cost and the break-even sizes) and prints markdown tables with
# the machine's description and load before and after. Everything stays under 6 minutes:
# 3 rounds per op, 1 timed epoch per thread count, and a hard limit of 330 s on the bench.
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS="${THREADS:-1,2,4,8,16}"

echo "## actlab threads scaling"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) logical cores available)"
echo "- node $(node --version); threads: ${THREADS}"
echo "- /proc/loadavg before build: $(cat /proc/loadavg)"
echo
node scripts/build.mjs > /dev/null
timeout 330 node bench/run.mjs threads -- "--threads=${THREADS}" --rounds=3 --epoch-rounds=1
echo
echo "- /proc/loadavg after: $(cat /proc/loadavg)"
