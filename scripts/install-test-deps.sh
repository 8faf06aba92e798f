#!/usr/bin/env bash
# Installs, on a fresh Debian machine, what Vigie's tests need: Debian's Chromium and its
# WebDriver (chromedriver) for the browser end-to-end tests, poppler's PDF reader, and the SMTP server of the notification
# tests (aiosmtpd). Idempotent and quiet: does nothing when all are already there. Needs root (or sudo) for apt-get.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
# A font, so that the screenshots the tests take show text (Chromium does not pull one in).
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
# The openssl command: the surveillance job test serves a certificate with openssl s_server.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# A PDF reader: the exposure report's PDF is read back with poppler's pdftotext and pdfinfo.
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)

install_debian_packages() {
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
}
if [ "${#missing[@]}" -gt 0 ]; then
    install_debian_packages
fi

# A real SMTP server for the notification and vulnerability-watch end-to-end tests: aiosmtpd from PyPI (pinned), run by the tests on
# a loopback port with its Mailbox handler.
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
    echo "install-test-deps: installing aiosmtpd (PyPI)" >&2
    python3 -m pip install --quiet --disable-pip-version-check 'aiosmtpd==1.4.6'
fi

# A real validator of the API's OpenAPI 3.1 document (vigie-web's tests run it on the served
# document): openapi-spec-validator from PyPI, pinned.
if ! python3 -c 'import openapi_spec_validator' 2>/dev/null; then
    echo "install-test-deps: installing openapi-spec-validator (PyPI)" >&2
    python3 -m pip install --quiet --disable-pip-version-check 'openapi-spec-validator==0.7.2'
fi

# Real validators of the incident exports (vigie-incidents' tests run them on the documents):
# stix2 (parses STIX 2.1 with allow_custom=False, checks the patterns), stix2-validator (the
# STIX 2.1 JSON schemas and the specification's rules; 3.2.0 because the packages of 3.3.x ship
# without the schemas) and pymisp (MISPEvent().load), from PyPI, pinned.
if ! python3 -c 'import stix2, stix2validator, pymisp' 2>/dev/null \
    || [ ! -d "$(python3 -c 'import os, stix2validator; print(os.path.dirname(stix2validator.__file__))' 2>/dev/null)/schemas-2.1" ]; then
    echo "install-test-deps: installing stix2, stix2-validator and pymisp (PyPI)" >&2
    python3 -m pip install --quiet --disable-pip-version-check \
        'stix2==3.0.2' 'stix2-validator==3.2.0' 'pymisp==2.5.34.4'
fi
