#!/usr/bin/env bash
# bench:api - GetJob and CreateJob throughput and latency of the API, the CreateJob -> lease delay, and
# the API's resident memory after two identical load runs, next to a bare @grpc/grpc-js echo server
# measured in the same run (the ceiling). The load generator is ghz (Go), pinned to the other core.
#
#   npm run bench:api                 # defaults below
#   DURATION=20s CONCURRENCY=64 npm run bench:api
#
# Placement on a 2-core machine: the API (and the echo server) on core 0; Postgres, ghz and the latency
# probe on core 1.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
CONCURRENCY=${CONCURRENCY:-32}
CONNECTIONS=${CONNECTIONS:-2}
CREATE_RPS=${CREATE_RPS:-100}
LEASE_SAMPLES=${LEASE_SAMPLES:-50}
API_CPU=${API_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}

source scripts/go-tools.sh
export PATH="$PATH:$HOME/go/bin"
if ! command -v ghz >/dev/null 2>&1; then
  echo "[bench:api] installing ghz (go install github.com/bojand/ghz/cmd/ghz@latest)" >&2
  go install github.com/bojand/ghz/cmd/ghz@latest
fi
npx tsc -b apps/api/tsconfig.json

work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
wait_line() { # file pattern
  for _ in $(seq 1 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1" >&2; cat "$1" >&2; return 1
}

taskset -c "$LOAD_CPU" node test/bench/api-bench-pg.mjs "$work/pg" >"$work/pg.log" 2>&1 &
pids+=($!)
wait_line "$work/pg.log" '^url '
db_url=$(sed -n 's/^url //p' "$work/pg.log")

grpc_port=$(free_port)
http_port=$(free_port)
admin_token=bench-admin-token-0123456789
executor_token=bench-executor-token-0123456789
DATABASE_URL=$db_url AEPO_API_GRPC_ADDRESS=127.0.0.1:$grpc_port AEPO_API_HTTP_ADDRESS=127.0.0.1:$http_port \
  AEPO_ADMIN_TOKEN=$admin_token AEPO_EXECUTOR_TOKEN=$executor_token AEPO_API_LOG_LEVEL=warn \
  taskset -c "$API_CPU" node apps/api/dist/main.js >"$work/api.log" 2>&1 &
api_pid=$!
pids+=($api_pid)
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$http_port/readyz" >/dev/null && break; sleep 0.1; done

echo_port=$(free_port)
taskset -c "$API_CPU" node test/bench/api-echo-server.mjs "$echo_port" >"$work/echo.log" 2>&1 &
pids+=($!)
wait_line "$work/echo.log" '^listening'

prep=$(taskset -c "$LOAD_CPU" node test/bench/api-bench-client.mjs prepare "127.0.0.1:$grpc_port" "$admin_token")
api_key=$(node -e "console.log(JSON.parse(process.argv[1]).apiKey)" "$prep")
job_name=$(node -e "console.log(JSON.parse(process.argv[1]).job)" "$prep")
dataset_name=$(node -e "console.log(JSON.parse(process.argv[1]).dataset)" "$prep")

rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$api_pid/status"; }
heap_mb() { curl -sf "http://127.0.0.1:$http_port/metrics" | awk '/^nodejs_heap_size_used_bytes / {printf "%.1f", $2/1048576}'; }

# ghz run -> one JSON line {name, rps, p50_ms, p99_ms, ok, errors}
run_ghz() { # name proto call data extra-args...
  local name=$1 proto=$2 callname=$3 data=$4
  shift 4
  local schema=(--proto "$proto")
  [[ $proto == *.protoset ]] && schema=(--protoset "$proto")
  taskset -c "$LOAD_CPU" ghz --insecure "${schema[@]}" --call "$callname" -d "$data" \
    -m "{\"authorization\":\"Bearer $api_key\"}" --connections "$CONNECTIONS" -z "$WARMUP" "$@" \
    -O json "127.0.0.1:$port" >/dev/null || true
  taskset -c "$LOAD_CPU" ghz --insecure "${schema[@]}" --call "$callname" -d "$data" \
    -m "{\"authorization\":\"Bearer $api_key\"}" --connections "$CONNECTIONS" -z "$DURATION" "$@" \
    -O json "127.0.0.1:$port" >"$work/$name.json" || true
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const q = (p) => (r.latencyDistribution || []).find((d) => d.percentage === p)?.latency / 1e6;
    const ok = (r.statusCodeDistribution || {}).OK || 0;
    console.log(JSON.stringify({ name: process.argv[2], rps: Math.round(r.rps), p50_ms: +q(50).toFixed(2), p99_ms: +q(99).toFixed(2), ok, errors: r.errorDistribution || {} }));
  ' "$work/$name.json" "$name"
}

results="$work/results.jsonl"
# ghz cannot parse proto3 `optional`; a descriptor set built by buf has it resolved.
(cd proto && "$root/node_modules/.bin/buf" build --as-file-descriptor-set -o "$work/api.protoset")
port=$echo_port run_ghz echo test/bench/api-echo.proto aepo.bench.v1.EchoService.Echo "{\"id\":\"$job_name\"}" -c "$CONCURRENCY" | tee -a "$results"

lease=$(taskset -c "$LOAD_CPU" node test/bench/api-bench-client.mjs lease-latency "127.0.0.1:$grpc_port" "$api_key" "$dataset_name" "$executor_token" "$LEASE_SAMPLES")
echo "{\"name\":\"create_to_lease\",$(echo "$lease" | sed 's/^{//')" | tee -a "$results"

create_data="{\"spec\":{\"base_model\":\"builtin:tiny-arith\",\"training_dataset\":\"$dataset_name\",\"entropy_target\":{\"constant\":0.3}}}"
for round in 1 2; do
  port=$grpc_port run_ghz "getjob_$round" "$work/api.protoset" aepo.v1.FineTuningService.GetJob \
    "{\"name\":\"$job_name\"}" -c "$CONCURRENCY" | tee -a "$results"
  port=$grpc_port run_ghz "createjob_${CREATE_RPS}rps_$round" "$work/api.protoset" \
    aepo.v1.FineTuningService.CreateJob "$create_data" -c 10 --rps "$CREATE_RPS" | tee -a "$results"
  sleep "${SETTLE_SECONDS:-3}" # measure at rest, after the round's garbage had a chance to be collected
  echo "{\"name\":\"rss_after_run_$round\",\"rss_mb\":$(rss_mb),\"heap_used_mb\":$(heap_mb)}" | tee -a "$results"
done
port=$echo_port run_ghz echo_again test/bench/api-echo.proto aepo.bench.v1.EchoService.Echo "{\"id\":\"$job_name\"}" -c "$CONCURRENCY" | tee -a "$results"

node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const by = Object.fromEntries(rows.map((r) => [r.name, r]));
  const echo = (by.echo.rps + by.echo_again.rps) / 2;
  console.log("\nsummary:");
  console.log(`  echo ceiling (mean of before/after): ${Math.round(echo)} rps`);
  for (const k of ["getjob_1", "getjob_2"]) console.log(`  ${k}: ${by[k].rps} rps = ${(100 * by[k].rps / echo).toFixed(1)}% of echo; p50 ${by[k].p50_ms} ms, p99 ${by[k].p99_ms} ms`);
  for (const k of Object.keys(by).filter((k) => k.startsWith("createjob"))) console.log(`  ${k}: ${by[k].rps} rps, p50 ${by[k].p50_ms} ms, p99 ${by[k].p99_ms} ms, ok ${by[k].ok}`);
  console.log(`  create->lease: p50 ${by.create_to_lease.p50_ms.toFixed(2)} ms, p99 ${by.create_to_lease.p99_ms.toFixed(2)} ms (n=${by.create_to_lease.n})`);
  console.log(`  API RSS after run 1: ${by.rss_after_run_1.rss_mb} MB, after run 2: ${by.rss_after_run_2.rss_mb} MB (V8 heap used ${by.rss_after_run_1.heap_used_mb} / ${by.rss_after_run_2.heap_used_mb} MB)`);
' "$results"
