#!/usr/bin/env bash
# The GPU host's check of weft: run from the repository root after `source .gpu/unpack.sh`.
#
#   OUT=/path/to/results scripts/gpu-test.sh [build] [info] [cuda] [test] [bench]
#
# Phases (default: all, in this order); each runs under its own time limit, a failing or timed-out
# phase does not stop the next ones, and a summary with every phase's status ends the output:
#   build  rebuilds dist/ with tsc (bench/, the examples and a few tests import the built package)
#   info   the machine: nvidia-smi, node, the addon's CUDA/NVRTC status and weft's devices
#   cuda   the CUDA runtime tests alone (test/cuda-*.test.ts), a quick first signal
#   test   the whole vitest suite with WEFT_TEST_CUDA=1, so the conformance suite runs on cuda too
#   bench  node bench/run.js (every suite, cuda included), table in the log, JSON in $OUT
# Logs go to $OUT (default ./gpu-out): info.txt, build.log, cuda.log, test.log (+ .json reports),
# bench.log, bench.json, summary.txt. Exit status: 0 when every phase passed.
#
# Knobs: VITEST_WORKERS (default: the core count, at most 8), TEST_TIMEOUT / CUDA_TIMEOUT /
# BENCH_TIMEOUT / BUILD_TIMEOUT (seconds), BENCH_ARGS (e.g. "--quick" or "--only cuda").
set -u -o pipefail
set -x

OUT="${OUT:-$PWD/gpu-out}"
mkdir -p "$OUT"
cd "$(dirname "$0")/.." || exit 2
root=$PWD

phases=("$@")
[ ${#phases[@]} -eq 0 ] && phases=(build info cuda test bench)
cores=$(nproc 2>/dev/null || echo 4)
workers="${VITEST_WORKERS:-$(( cores < 8 ? cores : 8 ))}"
vitest=(node node_modules/vitest/vitest.mjs run --maxWorkers="$workers")
summary=()
failed=0

# run NAME LIMIT_SECONDS LOG COMMAND...: runs one phase, records its status, never exits.
run() {
  local name=$1 limit=$2 log=$3
  shift 3
  local t0=$SECONDS
  timeout --kill-after=20 "$limit" "$@" > >(tee "$log") 2>&1
  local rc=$?
  local what="ok"
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then what="TIMED OUT after ${limit}s"; elif [ $rc -ne 0 ]; then what="FAILED (exit $rc)"; fi
  [ $rc -eq 0 ] || failed=1
  summary+=("$(printf '%-6s %-24s %4ds  log: %s' "$name" "$what" $((SECONDS - t0)) "$log")")
  return 0
}

for phase in "${phases[@]}"; do
  case "$phase" in
    info)
      run info 120 "$OUT/info.txt" bash -c '
        nvidia-smi || echo "nvidia-smi: not available"
        node --version
        node --input-type=module -e "
          const { loadNativeCuda } = await import(\"./dist/engine/backends/cuda/native.js\").catch(() => ({}));
          if (loadNativeCuda) { const r = loadNativeCuda(); console.log(\"addon:\", r.reason || \"loaded\"); if (r.native) console.log(r.native.status()); }
          const wf = await import(\"./dist/engine/index.js\");
          await wf.init();
          for (const d of wf.devices()) console.log(d.name, JSON.stringify(d.info));
          console.log(\"cudaStatus:\", JSON.stringify(wf.cudaStatus()));
          process.exit(0);
        "'
      ;;
    build)
      run build "${BUILD_TIMEOUT:-300}" "$OUT/build.log" node node_modules/typescript/bin/tsc -p tsconfig.json
      ;;
    cuda)
      run cuda "${CUDA_TIMEOUT:-300}" "$OUT/cuda.log" env WEFT_TEST_CUDA=1 "${vitest[@]}" test/cuda-runtime.test.ts test/cuda-runtime-gpu.test.ts test/cuda-native.test.ts \
        --reporter=default --reporter=json --outputFile.json="$OUT/cuda.json"
      ;;
    test)
      run test "${TEST_TIMEOUT:-540}" "$OUT/test.log" env WEFT_TEST_CUDA=1 "${vitest[@]}" \
        --reporter=default --reporter=json --outputFile.json="$OUT/test.json"
      ;;
    bench)
      # shellcheck disable=SC2086
      run bench "${BENCH_TIMEOUT:-540}" "$OUT/bench.log" node bench/run.js ${BENCH_ARGS:-} --json "$OUT/bench.json"
      ;;
    *)
      summary+=("$(printf '%-6s %s' "$phase" "UNKNOWN PHASE (use build info cuda test bench)")")
      failed=1
      ;;
  esac
done

set +x
{
  echo "== weft gpu-test summary ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(hostname), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'))"
  printf '%s\n' "${summary[@]}"
  for log in "$OUT/cuda.log" "$OUT/test.log"; do
    [ -f "$log" ] || continue
    echo "-- $(basename "$log"): vitest totals and failures"
    sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ *(Test Files|Tests) |FAIL |✗|×' | head -40
  done
  if [ -f "$OUT/bench.log" ]; then
    echo "-- bench.log: table"
    grep -E '^\|' "$OUT/bench.log" | head -60
  fi
} | tee "$OUT/summary.txt"
exit $failed
