#!/usr/bin/env bash
# Debian packages the test suite drives for real: PostgreSQL 15 (with contrib, for pg_trgm)
# and Chromium for the browser tests, Node.js to run Pagefind's search script. Installed only when
# missing, so a second run costs nothing. `bench/build.py` also wants hugo, jekyll and npm (for
# Hexo): pass --bench to add them.
set -euo pipefail

wanted=(postgresql postgresql-contrib chromium fonts-noto-cjk)
if [[ "${1:-}" == "--bench" ]]; then
    wanted+=(hugo jekyll)
fi

missing=()
for package in "${wanted[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
        missing+=("$package")
    fi
done
# node and npm may come from another package than Debian's (NodeSource's nodejs holds both)
command -v node >/dev/null || missing+=(nodejs)
if [[ "${1:-}" == "--bench" ]]; then
    command -v npm >/dev/null || missing+=(npm)
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
    echo "finews tests need these Debian packages: ${missing[*]}" >&2
    echo "install them as root (apt-get install ${missing[*]}) or run this script with sudo" >&2
    exit 1
fi
echo "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
