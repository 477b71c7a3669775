#!/usr/bin/env bash
# Installs the system packages the tests (or the benchmarks) need, from package registries
# only: Debian's packages with apt-get, and the npm axe-core package. Never downloads a
# browser build of its own. Prints one line per thing it cannot install, and exits 0: the
# tests that need it then skip with that reason (`make test-browser` etc. fail instead).
#
#   tests/system-deps.sh          what `make test` needs
#   tests/system-deps.sh bench    what `make bench` needs as well
set -u
cd "$(dirname "$0")"

# command → Debian package
declare -A NEEDS=(
  [chromium]=chromium          # browser tests
  [pdffonts]=poppler-utils     # PDF font checks; pdftoppm for looking at pages
  [dot]=graphviz               # the flow diagram (flask diagram, the staff flow page)
  [nginx]=nginx                # the production-stack test's TLS proxy (run on its own ports)
  [redis-server]=redis-server  # a Redis the rate-limit tests stop and start themselves
)
if [ "${1:-}" = bench ]; then
  NEEDS[wrk]=wrk               # HTTP load for the throughput figures
fi

missing=()
for cmd in "${!NEEDS[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("${NEEDS[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages: ${missing[*]}"
    # nginx's package would start a server on port 80; the tests start their own. A
    # policy-rc.d that says "no" (101) keeps services from starting during the install.
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
      trap 'rm -f "$policy"' EXIT
    fi
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") \
      >/tmp/screener-apt.log 2>&1 || echo "could not install ${missing[*]}; see /tmp/screener-apt.log"
  else
    echo "missing ${missing[*]}, and they cannot be installed here (not root or no apt-get)"
  fi
fi

if [ ! -f browser/node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null 2>&1; then
    (cd browser && npm install --no-audit --no-fund --silent) >/tmp/screener-npm.log 2>&1 \
      || echo "could not install axe-core; see /tmp/screener-npm.log"
  else
    echo "npm is missing; the accessibility scans will be skipped"
  fi
fi
exit 0
