#!/usr/bin/env bash
# Runs every test of the solution on a fresh Debian machine (as root, or through sudo) and ends with one line:
# "N passed, N failed" (plus ", N skipped" when some were skipped). Exits non-zero when a test or the build failed.
#   TEST_PARALLEL_MODULES  test projects run at once (default 2, one per core of the reference machine)
#   TEST_TIMEOUT           per test project, MTP --timeout syntax (default 15m)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi

have_redis() { command -v redis-server >/dev/null 2>&1 || [[ -x /usr/bin/redis-server ]]; }
have_postgres() {
  command -v initdb >/dev/null 2>&1 && return 0
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

have_mariadb() { command -v mariadbd >/dev/null 2>&1 || [[ -x /usr/sbin/mariadbd ]]; }

# The tests start their own Redis, PostgreSQL and MariaDB servers on free ports; only the binaries are needed.
packages=()
have_redis || packages+=(redis-server)
have_postgres || packages+=(postgresql)
have_mariadb || packages+=(mariadb-server)
if ((${#packages[@]})); then
  echo "Installing ${packages[*]} (the tests start their own servers; the system services stay stopped)"
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    # Exit code 101 tells invoke-rc.d (and deb-systemd-invoke) not to start services the packages install.
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod +x "$policy"
    trap '"${sudo[@]}" rm -f "$policy"' EXIT
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
  if [[ -n $(trap -p EXIT) ]]; then
    "${sudo[@]}" rm -f "$policy"
    trap - EXIT
  fi
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET SDK is missing: install the version global.json names, e.g." >&2
  echo "  curl -sSL https://dot.net/v1/dotnet-install.sh | bash -s -- --jsonfile $root/global.json" >&2
  exit 1
fi

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

results="$root/.artifacts/test-results"
rm -rf "$results"

status=0
dotnet test --solution CacheWarmer.sln \
  --max-parallel-test-modules "${TEST_PARALLEL_MODULES:-2}" \
  --results-directory "$results" \
  --no-ansi --progress off \
  --timeout "${TEST_TIMEOUT:-15m}" \
  --report-xunit-trx || status=$?

passed=0 failed=0 skipped=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1 || true)"
  count() {
    local value
    value="$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters")"
    echo "${value:-0}"
  }
  passed=$((passed + $(count passed)))
  failed=$((failed + $(count failed) + $(count error) + $(count timeout) + $(count aborted)))
  skipped=$((skipped + $(count notExecuted)))
done

if ((status != 0 && failed == 0)); then
  echo "dotnet test exited with $status although no test failed: a build error or a crashed test host (see above)."
fi
if ((status == 0 && failed > 0)); then
  status=1
fi

summary="$passed passed, $failed failed"
((skipped == 0)) || summary+=", $skipped skipped"
echo "$summary"
exit "$status"
