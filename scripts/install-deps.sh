#!/bin/sh
# Install every Debian package HeliosDB needs (idempotent). Runs as root or through sudo.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
pkgs=$(grep -v '^#' "$here/.ci/packages.txt" | tr -s ' \n' ' ')
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
