#!/usr/bin/env bash
# The browser tests drive Debian's chromium (Playwright cannot download browsers here) and
# need CJK fonts to draw the Chinese pages. Installed with apt-get when missing.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing ${missing[*]} for the browser tests (apt-get)"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update -q && $SUDO apt-get install -y --no-install-recommends "${missing[@]}" || {
    echo "Could not install ${missing[*]}: install Debian's chromium and fonts-noto-cjk, then rerun." >&2
    exit 1
  }
fi
