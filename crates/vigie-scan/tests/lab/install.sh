#!/bin/sh
# Installs the Debian packages the vigie-scan network-namespace lab needs.
# Services are NOT started by the packages' init scripts in the lab: the tests
# start their own instances inside namespaces. Run as root.
set -eu
here=$(dirname "$0")
export DEBIAN_FRONTEND=noninteractive
apt-get update
# policy-rc.d keeps the packages from starting system-wide daemons on install.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
apt-get install -y --no-install-recommends $(grep -v '^#' "$here/packages.txt")
rm -f /usr/sbin/policy-rc.d
