#!/usr/bin/env bash
# The sandbox console's browser test drives Debian's Chromium through playwright-core, which downloads no browser.
# `npm run setup:browser` (and .ci/run) runs this: on a Debian-like machine without Chromium it installs it (and an emoji font, so the
# test's screenshot shows emoji); elsewhere it says what is needed and lets the browser test report it.
set -euo pipefail
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$browser" ] && { ! command -v dpkg >/dev/null || dpkg -s fonts-noto-color-emoji >/dev/null 2>&1; }; then exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "note: no Chromium at $browser; set CHROMIUM_PATH to a Chromium binary for the sandbox browser test" >&2
  exit 0
fi
echo "installing Debian's chromium (and an emoji font) for the sandbox browser test"
sudo=''
[ "$(id -u)" -eq 0 ] || sudo='sudo'
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-color-emoji >/dev/null
