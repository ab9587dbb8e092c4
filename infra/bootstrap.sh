#!/usr/bin/env bash
# Installs everything Tamga needs on a fresh Debian/Ubuntu machine with Node 20+:
# Debian packages (nats-server, PDF checkers, Chromium, NSS tools), pnpm, and the workspace's
# dependencies. Safe to run again; it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.21.0
APT_PACKAGES=(nats-server poppler-utils qpdf libnss3-tools chromium fonts-dejavu-core docker-compose)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "bootstrap: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v pnpm >/dev/null || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  # corepack cannot verify pnpm's signature against this registry; npm can install it.
  echo "bootstrap: installing pnpm@$PNPM_VERSION"
  npm install -g --silent "pnpm@$PNPM_VERSION" >/dev/null
fi

# node-gyp builds better-sqlite3 against the headers Node ships in /usr/include/node, offline.
if [ -d /usr/include/node ]; then export npm_config_nodedir=/usr; fi
pnpm install --frozen-lockfile --reporter=append-only
