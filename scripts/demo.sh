#!/usr/bin/env bash
# shellcheck disable=SC2317 # stop_process, cleanup and on_signal run from traps, which shellcheck cannot see
# The main job on a fresh Debian machine: a private Redis, the CacheWarmer worker, and a simulated app that reads
# hot keys through an ordinary cache-aside cache. Keys get a 20 s TTL so a minute covers several refresh cycles;
# the app prints PASS when no key expired under its readers after warm-up, and this script exits with its code.
#
#   scripts/demo.sh                  # 75 s run
#   scripts/demo.sh --duration 30    # extra arguments go to the app (see: dotnet <app>.dll help)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
RUN_DIR=demo/.run
REDIS_HOST=127.0.0.1
REDIS_PORT=6379
WORKER_HTTP=127.0.0.1:8080 # Http:Urls in appsettings.json
CATALOG=demo/catalog.db
APP_DLL=demo/DemoApp/bin/Release/net10.0/CacheWarmer.DemoApp.dll
WORKER_DLL=src/Worker/bin/Release/net10.0/CacheWarmer.Worker.dll
BUILD_LOG=$RUN_DIR/build.log
WORKER_LOG=$RUN_DIR/worker.log
REDIS_LOG=$RUN_DIR/redis.log
REDIS_PID_FILE=$RUN_DIR/redis.pid
WORKER_PID_FILE=$RUN_DIR/worker.pid

APP_PID='' WORKER_PID='' TAIL_PID='' REDIS_PID=''
export DOTNET_NOLOGO=1

say() { printf '[demo] %s\n' "$*"; }
die() {
  say "error: $*" >&2
  exit 1
}

# A new session keeps Ctrl-C away from the worker and Redis, so they stop in order (app, worker, Redis) and the
# worker can drain its refreshes. setsid execs in place, so $! stays the server's own pid.
DETACHED=()
if command -v setsid >/dev/null; then DETACHED=(setsid); fi

# One inline Redis command over bash's /dev/tcp, printing the first reply line: no redis-cli needed.
redis_cmd() {
  (
    exec 3<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT"
    printf '%s\r\n' "$*" >&3
    IFS= read -r -t 2 reply <&3
    printf '%s' "${reply%$'\r'}"
  ) 2>/dev/null
}

redis_answers() { [[ $(redis_cmd PING || true) == "+PONG" ]]; }

worker_ready() {
  (
    exec 3<>"/dev/tcp/${WORKER_HTTP%:*}/${WORKER_HTTP#*:}"
    printf 'GET /readyz HTTP/1.0\r\nHost: %s\r\n\r\n' "$WORKER_HTTP" >&3
    IFS= read -r -t 2 status <&3
    [[ $status == HTTP/1.?" 200"* ]]
  ) 2>/dev/null
}

# How many pattern subscriptions Redis serves (the worker's keyspace listener is one); 0 when unknown.
pattern_subscriptions() {
  local reply
  reply=$(redis_cmd PUBSUB NUMPAT || true)
  [[ $reply =~ ^:([0-9]+)$ ]] && echo "${BASH_REMATCH[1]}" || echo 0
}

alive() { [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; }

# The pid in file $1 when that process is still running and its command line contains $2; a run killed with
# SIGKILL leaves its detached worker and Redis behind, and the next run cleans up after it.
leftover() {
  local pid
  pid=$(cat "$1" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2" && echo "$pid"
}

# Asks a process to stop, waits up to $3 seconds, then kills it.
stop_process() {
  local name=$1 pid=$2 limit=$3 i
  alive "$pid" || return 0
  say "stopping the $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < limit * 10; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    say "the $name did not stop within ${limit}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local code=$?
  trap '' INT TERM HUP # a second Ctrl-C must not leave the worker or Redis behind
  stop_process app "$APP_PID" 10
  stop_process worker "$WORKER_PID" 20
  [[ -n $WORKER_PID ]] && rm -f "$WORKER_PID_FILE"
  if alive "$TAIL_PID"; then
    sleep 0.3 # let the worker's last lines through
    kill "$TAIL_PID" 2>/dev/null || true
    wait "$TAIL_PID" 2>/dev/null || true
  fi
  local logs="$ROOT/$WORKER_LOG (worker), $ROOT/$BUILD_LOG (build)"
  if [[ -n $REDIS_PID ]]; then
    stop_process "private redis-server" "$REDIS_PID" 10
    rm -f "$REDIS_PID_FILE"
    logs+=", $ROOT/$REDIS_LOG (redis)"
  fi
  say "logs: $logs"
  exit "$code"
}

# While the app runs, Ctrl-C asks it to stop early and print its verdict; before that, it ends the script.
on_signal() {
  if alive "$APP_PID"; then
    say "stopping the app early; it prints its verdict"
    kill -TERM "$APP_PID" 2>/dev/null || true
  else
    exit "$1"
  fi
}

trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP
mkdir -p "$RUN_DIR"

# 0. Tools.
command -v dotnet >/dev/null ||
  die "the .NET 10 SDK is not installed; see https://learn.microsoft.com/dotnet/core/install/linux-debian"

# 1. Redis.
if ! command -v redis-server >/dev/null; then
  say "redis-server is not installed; installing it with apt-get (log: $RUN_DIR/apt.log)"
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "installing redis-server needs root; run: apt-get install -y redis-server"
    SUDO=(sudo)
  fi
  {
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update &&
      "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server
  } >"$RUN_DIR/apt.log" 2>&1 || {
    tail -n 20 "$RUN_DIR/apt.log" >&2
    die "apt-get could not install redis-server (full log: $RUN_DIR/apt.log)"
  }
fi

# 2. A private Redis, unless one already answers.
if previous=$(leftover "$WORKER_PID_FILE" CacheWarmer.Worker.dll); then
  stop_process "worker left running by an earlier demo run" "$previous" 20
fi
if redis_answers; then
  if previous=$(leftover "$REDIS_PID_FILE" redis-server); then
    REDIS_PID=$previous
    say "the private redis-server of an earlier demo run (pid $REDIS_PID) answers on $REDIS_HOST:$REDIS_PORT; using it, and stopping it at the end"
  else
    say "a Redis already answers on $REDIS_HOST:$REDIS_PORT; using it (this script will not stop it)"
  fi
else
  say "starting a private redis-server on $REDIS_HOST:$REDIS_PORT (no persistence; log: $REDIS_LOG)"
  mkdir -p "$RUN_DIR/redis"
  : >"$REDIS_LOG"
  "${DETACHED[@]}" redis-server --bind "$REDIS_HOST" --port "$REDIS_PORT" --save "" --appendonly no --daemonize no \
    --dir "$ROOT/$RUN_DIR/redis" --logfile "$ROOT/$REDIS_LOG" </dev/null >/dev/null 2>&1 &
  REDIS_PID=$!
  echo "$REDIS_PID" >"$REDIS_PID_FILE"
  for ((i = 0; i < 100; i++)); do
    redis_answers && break
    alive "$REDIS_PID" || break
    sleep 0.1
  done
  if ! redis_answers; then
    tail -n 10 "$REDIS_LOG" >&2 || true
    die "redis-server did not answer PING on $REDIS_HOST:$REDIS_PORT (is the port taken by something else?)"
  fi
  say "redis-server is up (pid $REDIS_PID)"
fi

# 3. Build. Quiet on success; on failure show the compiler's errors, not 200 lines of MSBuild.
build() {
  local project=$1 name=$2
  say "building the $name ($project, Release)"
  if ! dotnet build "$project" -c Release -nologo -v quiet >>"$BUILD_LOG" 2>&1; then
    grep -E '(^|: )error ' "$BUILD_LOG" | sed -E 's/ \[[^]]*\]$//' | sort -u | head -n 30 >&2 ||
      tail -n 30 "$BUILD_LOG" >&2
    die "the $name does not build (full log: $BUILD_LOG)"
  fi
}
: >"$BUILD_LOG"
build demo/DemoApp/CacheWarmer.DemoApp.csproj "demo app"
build src/Worker/CacheWarmer.Worker.csproj worker

# 4. The catalog the app and the worker both read.
dotnet "$APP_DLL" seed --db "$CATALOG" | sed -u 's/^\[seed\]/[demo]/'

# 5. The worker, from the repository root so it reads ./appsettings.json, on a demo-sized cycle: 20 s TTLs
#    (+- 2 s jitter), refreshed at least 3 s before expiry, leases shorter than a TTL.
# One line per refresh is the point of the demo, and the worker logs those at Debug. The name has dots, which a
# shell assignment cannot carry, hence env.
REFRESH_LOG_LEVEL=Serilog__MinimumLevel__Override__CacheWarmer.Worker.Refresh.Refresher=Debug
subscriptions_before=$(pattern_subscriptions)
say "starting the worker: product TTL 20s, jitter 2s, refresh buffer 3s, lease 10s (log: $WORKER_LOG)"
: >"$WORKER_LOG"
CacheWarmer__Loaders__product__Ttl=00:00:20 \
  CacheWarmer__Loaders__product__TtlJitter=00:00:02 \
  CacheWarmer__Refresh__Buffer=00:00:03 \
  CacheWarmer__Refresh__LeaseTtl=00:00:10 \
  "${DETACHED[@]}" env "$REFRESH_LOG_LEVEL" dotnet "$WORKER_DLL" </dev/null >"$WORKER_LOG" 2>&1 &
WORKER_PID=$!
echo "$WORKER_PID" >"$WORKER_PID_FILE"
# The worker writes to its log file, not to a pipe, so its output survives this script's console; tail shows it here.
tail -n +1 -F --pid="$WORKER_PID" "$WORKER_LOG" 2>/dev/null > >(sed -u 's/^/[worker] /') &
TAIL_PID=$!

# Ready means: /readyz says so, or the worker has subscribed to keyspace notifications (a worker without the HTTP
# API yet). Starting the app earlier would let its first writes pass unseen until the worker's first SCAN.
ready=''
for ((i = 0; i < 300; i++)); do
  alive "$WORKER_PID" || { wait "$WORKER_PID" && code=0 || code=$?; die "the worker exited during start-up (exit code $code); see [worker] lines above"; }
  if worker_ready || (($(pattern_subscriptions) > subscriptions_before)); then
    ready=yes
    break
  fi
  sleep 0.1
done
if [[ -n $ready ]]; then
  say "the worker is ready"
else
  say "warning: the worker has not reported ready after 30s (no /readyz on $WORKER_HTTP, no keyspace subscription); starting the app anyway"
fi

# 6. The app, in the background so that a signal reaches this script at once; the loop waits through the traps.
say "starting the app: 50 hot keys, TTL 20s, cache-aside reads until the verdict"
dotnet "$APP_DLL" traffic --redis "$REDIS_HOST:$REDIS_PORT" --db "$CATALOG" --keys 50 --ttl 20 --duration 75 "$@" </dev/null &
APP_PID=$!
while alive "$APP_PID"; do
  wait "$APP_PID" || true
done
wait "$APP_PID" && app_exit=0 || app_exit=$?
APP_PID=''

# 7. cleanup (the EXIT trap) stops the worker and the private Redis, and exits with the app's code.
exit "$app_exit"
