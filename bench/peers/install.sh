#!/usr/bin/env bash
# Installs the benchmark's load generator and peer proxies from Debian's packages (idempotent).
# nginx and haproxy are run by the harness as its own child processes, never as services.
set -euo pipefail
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || missing+=(nginx-light)
command -v haproxy >/dev/null || missing+=(haproxy)
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Only install: do not start the packaged services (a policy-rc.d answering "not now").
  policy=/usr/sbin/policy-rc.d
  own_policy=false
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && own_policy=true
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if $own_policy; then rm -f "$policy"; fi
fi
wrk --version 2>&1 | head -1 || true
nginx -v
haproxy -v | head -1
