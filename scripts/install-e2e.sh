#!/usr/bin/env bash
# Installs what the extension's end-to-end tests need, offline-safe (npm registry and Debian
# apt only): Debian's chromium and build tools, and code-server 4.100.3 (a real VS Code
# 1.100.3; the last release that runs on Node 20) into .tao-e2e/ without its download steps.
# Idempotent: a finished install is detected and skipped. Usage: bash scripts/install-e2e.sh
# Environment: TAO_E2E_DIR (default <repo>/.tao-e2e), SKIP_APT=1 to skip apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.100.3
DIR="${TAO_E2E_DIR:-$PWD/.tao-e2e}"
CS="$DIR/code-server"
MARK="$CS/.installed-$VERSION"
started=$(date +%s)

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi

if [ "${SKIP_APT:-}" != 1 ]; then
  need=""
  for p in build-essential pkg-config python3 libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev ripgrep chromium; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need="$need $p"
  done
  if [ -n "$need" ]; then
    echo "install-e2e: apt packages:$need"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
  fi
fi

if [ -f "$MARK" ]; then
  echo "install-e2e: code-server $VERSION already installed in $CS"
  exit 0
fi

rm -rf "$CS"
mkdir -p "$CS"
cd "$CS"
echo '{ "name": "tao-e2e-code-server", "private": true }' > package.json
# Its postinstall downloads ripgrep from GitHub, which is not reachable: skip the scripts and
# do their work by hand below.
npm install --no-audit --no-fund --ignore-scripts "code-server@$VERSION"
npm rebuild argon2
cd node_modules/code-server/lib/vscode
npm install --no-audit --no-fund --omit=dev --ignore-scripts
npm_config_yes=true npm rebuild kerberos @parcel/watcher node-pty @vscode/deviceid @vscode/spdlog native-watchdog
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sf code-linux.sh code-server)
(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
(cd extensions && npm install --no-audit --no-fund --omit=dev)
touch "$MARK"
echo "install-e2e: code-server $VERSION installed in $CS in $(( $(date +%s) - started )) s"
