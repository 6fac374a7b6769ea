#!/usr/bin/env bash
# Debian packages the test suite drives for real: PostgreSQL 15 (with contrib, for pg_trgm)
# and Chromium for the browser tests, Node.js to run Pagefind's search script, Jekyll with the
# minima theme and its feed plugin (jekyll-feed) and npm (for Hexo) to build the exported posts.
# Installed only when missing, so a second run costs nothing. `bench/build.py` also wants hugo: pass --bench to add it.
# Hexo itself comes from npm, once, into ~/.cache/finews-tools/hexo (see the end of this script).
# The site's validators: jing (RELAX NG, for the Atom feeds) and Java for the Nu Html Checker,
# which comes from npm (vnu-jar) into ~/.cache/finews-tools/vnu.
set -euo pipefail

wanted=(postgresql postgresql-contrib chromium fonts-noto-cjk jekyll jekyll-theme-minima ruby-jekyll-feed jing)
if [[ "${1:-}" == "--bench" ]]; then
    wanted+=(hugo)
fi

missing=()
for package in "${wanted[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
        missing+=("$package")
    fi
done
# node and npm may come from another package than Debian's (NodeSource's nodejs holds both)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v java >/dev/null || missing+=(default-jre-headless)

if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ $(id -u) -ne 0 ]]; then
        echo "finews tests need these Debian packages: ${missing[*]}" >&2
        echo "install them as root (apt-get install ${missing[*]}) or run this script with sudo" >&2
        exit 1
    fi
    echo "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Hexo 8 for tests/publish/test_generators.py and tests/browser/test_export_xss.py: the packages a
# `hexo init` site builds with (the landscape theme, marked, EJS, stylus, the index, archive, category
# and tag pages) and the feeds (hexo-generator-feed), from npm into a cache outside the repository, once.
hexo_cache="${XDG_CACHE_HOME:-$HOME/.cache}/finews-tools/hexo"
hexo_packages=(hexo@8 hexo-theme-landscape hexo-renderer-marked hexo-renderer-ejs hexo-renderer-stylus
    hexo-generator-index hexo-generator-archive hexo-generator-category hexo-generator-tag hexo-generator-feed)
hexo_missing=0
for package in "${hexo_packages[@]}"; do
    [[ -f "$hexo_cache/node_modules/${package%@*}/package.json" ]] || hexo_missing=1
done
if [[ $hexo_missing -eq 1 ]]; then
    echo "installing Hexo from npm into $hexo_cache"
    mkdir -p "$hexo_cache"
    [[ -f "$hexo_cache/package.json" ]] ||
        echo '{"name": "finews-tools-hexo", "private": true, "version": "0.0.0"}' >"$hexo_cache/package.json"
    (cd "$hexo_cache" && npm install --no-audit --no-fund --loglevel=error "${hexo_packages[@]}")
fi

# --- The Nu Html Checker for tests/publish/test_validators.py: vnu.jar of the vnu-jar npm package, one
# version (a newer checker may call more things errors), into a cache outside the repository, once.
vnu_cache="${XDG_CACHE_HOME:-$HOME/.cache}/finews-tools/vnu"
vnu_version=26.9.27
if ! grep -qs "\"version\": \"$vnu_version\"" "$vnu_cache/node_modules/vnu-jar/package.json" ||
    [[ ! -f "$vnu_cache/node_modules/vnu-jar/build/dist/vnu.jar" ]]; then
    echo "installing the Nu Html Checker (vnu-jar $vnu_version) from npm into $vnu_cache"
    mkdir -p "$vnu_cache"
    [[ -f "$vnu_cache/package.json" ]] ||
        echo '{"name": "finews-tools-vnu", "private": true, "version": "0.0.0"}' >"$vnu_cache/package.json"
    # --ignore-scripts: its postinstall would fetch a Java runtime of its own; Debian's is there
    (cd "$vnu_cache" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error "vnu-jar@$vnu_version")
fi
