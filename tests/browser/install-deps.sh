#!/usr/bin/env bash
# Installs what the browser tests need, from package registries only: Debian's chromium
# and the npm axe-core package. Never downloads a browser build of its own.
set -u
cd "$(dirname "$0")"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium (browser tests need it)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
      >/tmp/screener-apt.log 2>&1 || echo "could not install chromium; see /tmp/screener-apt.log"
  else
    echo "chromium is missing and cannot be installed here (not root or no apt-get)"
  fi
fi
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null 2>&1; then
    npm install --no-audit --no-fund --silent >/tmp/screener-npm.log 2>&1 \
      || echo "could not install axe-core; see /tmp/screener-npm.log"
  else
    echo "npm is missing; the accessibility scans will be skipped"
  fi
fi
exit 0
