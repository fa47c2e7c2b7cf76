#!/usr/bin/env bash
# Builds the Debian package with cargo-deb and validates it.
#
#   packaging/build-deb.sh [extra cargo-deb options, e.g. --no-build]
#
# Needs the [package.metadata.deb] section in
# Cargo.toml. Installs cargo-deb (cargo install) and, when run as root, the
# Debian validators (desktop-file-utils, appstream, lintian) if they are missing.
# Fails on any error from desktop-file-validate, appstreamcli or lintian;
# warnings are printed but allowed. Prints the path of the .deb last.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build-deb.sh: %s\n' "$*" >&2; exit 1; }

version=$(sed -n '/^\[package\]/,/^\[/{s/^version *= *"\([^"]*\)".*/\1/p}' Cargo.toml | head -n1)
[[ -n $version ]] || die "cannot read package.version from Cargo.toml"
grep -q '^\[package\.metadata\.deb\]' Cargo.toml \
    || die "Cargo.toml has no [package.metadata.deb]; see packaging/README.md"
[[ -f README.md ]] || die "README.md is missing (it is packaged as usr/share/doc/spr-console/README.md)"

# --- tools -------------------------------------------------------------------
if ! cargo deb --version >/dev/null 2>&1; then
    log "installing cargo-deb"
    cargo install cargo-deb --locked
fi
need=()
command -v desktop-file-validate >/dev/null || need+=(desktop-file-utils)
command -v appstreamcli >/dev/null || need+=(appstream)
command -v lintian >/dev/null || need+=(lintian)
command -v dpkg-deb >/dev/null || need+=(dpkg)
if ((${#need[@]})); then
    [[ $(id -u) -eq 0 ]] || die "please install: ${need[*]}"
    log "installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- build -------------------------------------------------------------------
log "cargo deb (spr-console $version)"
deb=$(cargo deb "$@" | tail -n1)
[[ -f $deb ]] || die "cargo deb did not report a .deb (got: '$deb')"

# --- validate ----------------------------------------------------------------
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb --info "$deb" >&2
dpkg-deb --contents "$deb" >&2
dpkg-deb -x "$deb" "$tmp/root"

pkg_version=$(dpkg-deb --field "$deb" Version)
[[ $pkg_version == "$version"-* || $pkg_version == "$version" ]] \
    || die "package version $pkg_version does not match Cargo.toml's $version"

failed=0
log "desktop-file-validate"
for f in "$tmp"/root/usr/share/applications/*.desktop; do
    desktop-file-validate "$f" >&2 || failed=1
done

log "appstreamcli validate --no-net"
for f in "$tmp"/root/usr/share/metainfo/*.xml; do
    # appstreamcli exits non-zero on warnings too; only errors (E:) fail here.
    out=$(appstreamcli validate --no-net "$f" 2>&1) || true
    printf '%s\n' "$out" >&2
    if grep -q '^E:' <<<"$out"; then failed=1; fi
done

log "lintian"
# --fail-on error: errors fail the build, warnings and infos are only shown.
lintian --fail-on error --tag-display-limit 0 "$deb" >&2 || failed=1

((failed == 0)) || die "validation failed for $deb"
log "ok"
echo "$deb"
