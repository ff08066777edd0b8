#!/bin/sh
# Installs the Debian packages named as arguments (run as root) without starting any service.
#
# The test suite starts its own servers; a package's postinst must not start prometheus or
# node_exporter on the machine. A policy-rc.d that exits 101 forbids every service start
# (invoke-rc.d and deb-systemd-invoke honour it); any policy-rc.d already there is put back after.
# apt-get's output goes to a log, shown (its error lines) only when it fails.
set -eu
policy=/usr/sbin/policy-rc.d
saved=""
log=$(mktemp)
if [ -e "$policy" ]; then
  saved=$(mktemp)
  cp -p "$policy" "$saved"
fi
restore() {
  if [ -n "$saved" ]; then mv "$saved" "$policy"; else rm -f "$policy"; fi
  rm -f "$log"
}
trap restore EXIT
trap 'exit 130' INT TERM
printf '#!/bin/sh\n# perf-monitor test set-up: no service starts while packages install\nexit 101\n' >"$policy"
chmod 755 "$policy"

export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@"; } >"$log" 2>&1; then
  grep '^E:' "$log" >&2 || tail -n 5 "$log" >&2
  exit 1
fi
