#!/usr/bin/env bash
# Installs promtool (Prometheus's config and rule checker, shipped in Debian's prometheus package) when
# missing, for test/deploy/prometheus-rules.test.ts. Only installs: the packaged Prometheus service is
# not started (a policy-rc.d answering "not now"), as in bench/peers/install.sh.
set -euo pipefail
if ! command -v promtool >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  policy=/usr/sbin/policy-rc.d
  own_policy=false
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && own_policy=true
  fi
  apt-get install -y -qq --no-install-recommends prometheus
  if $own_policy; then rm -f "$policy"; fi
fi
promtool --version 2>&1 | head -1
