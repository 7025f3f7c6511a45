#!/bin/sh
# Install every Debian package HeliosDB needs (idempotent). Runs as root or through sudo.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
missing=""
while read -r p cmd; do
  case "$p" in ''|'#'*) continue ;; esac
  if [ -n "${cmd:-}" ] && command -v "$cmd" >/dev/null 2>&1; then
    continue
  fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done < "$here/.ci/packages.txt"
if [ -n "$missing" ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
