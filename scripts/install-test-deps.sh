#!/usr/bin/env bash
# Installs, on a fresh Debian machine, what Vigie's end-to-end tests need: aiosmtpd (pip) and,
# for the browser tests,
# Debian's Chromium and its WebDriver (chromedriver). Idempotent and quiet: does
# nothing when both are already there. Needs root (or sudo) for apt-get.
set -euo pipefail

# The vulnerability-watch end-to-end test (crates/vigie/tests/watch_e2e.rs) runs a real SMTP
# server on loopback: python's aiosmtpd, from PyPI.
if ! python3 -c "import aiosmtpd" >/dev/null 2>&1; then
    echo "install-test-deps: installing aiosmtpd (pip)" >&2
    python3 -m pip install --quiet aiosmtpd
fi

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
# A font, so that the screenshots the tests take show text (Chromium does not pull one in).
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-test-deps: need root to install: ${missing[*]} (run: apt-get install -y chromium chromium-driver)" >&2
        exit 1
    fi
fi

echo "install-test-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# chromium and chromium-driver are always installed together so that they stay at the same version.
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver "${missing[@]}" >/dev/null

for bin in /usr/bin/chromium /usr/bin/chromedriver; do
    if [ ! -x "$bin" ]; then
        echo "install-test-deps: $bin still missing after apt-get install" >&2
        exit 1
    fi
done
