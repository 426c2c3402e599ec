#!/usr/bin/env bash
# Makes sure the browser tests have a Chromium and a Chinese font, both from Debian's packages
# (Playwright's own browser download needs hosts a closed network does not reach). Installs
# what is missing when run as root; otherwise says what to install. CHROMIUM_PATH names another
# Chromium, which is then only checked.
set -euo pipefail
DEFAULT_CHROMIUM=/usr/bin/chromium
CHROMIUM_PATH="${CHROMIUM_PATH:-$DEFAULT_CHROMIUM}"

missing=()
if [ ! -x "$CHROMIUM_PATH" ]; then
  if [ "$CHROMIUM_PATH" != "$DEFAULT_CHROMIUM" ]; then
    echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable Chromium." >&2
    exit 1
  fi
  missing+=(chromium)
fi
# Without a CJK font every Chinese character renders as a box in the screenshots.
if ! { command -v fc-list >/dev/null && [ -n "$(fc-list :lang=zh family)" ]; }; then
  missing+=(fonts-wqy-microhei)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "The browser tests need these Debian packages: ${missing[*]}" >&2
  echo "Install them: sudo apt-get install -y ${missing[*]}" >&2
  [[ " ${missing[*]} " == *" chromium "* ]] && echo "Or set CHROMIUM_PATH to another Chromium." >&2
  exit 1
fi
echo "Installing ${missing[*]} for the browser tests ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
