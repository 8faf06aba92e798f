#!/bin/sh
# Installs the Debian packages the vigie-scan lab tests and benchmark need
# (tests/it/lab/packages.txt). Run as root. The packages' own daemons are kept
# from starting system-wide: the lab starts its own instances inside network
# namespaces.
set -eu
here=$(dirname "$0")
export DEBIAN_FRONTEND=noninteractive
apt-get update
created=no
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created=yes
fi
# shellcheck disable=SC2046
apt-get install -y --no-install-recommends $(grep -v '^#' "$here/packages.txt")
if [ "$created" = yes ]; then rm -f /usr/sbin/policy-rc.d; fi
