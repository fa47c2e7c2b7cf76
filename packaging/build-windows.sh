#!/usr/bin/env bash
# Cross-builds spr-console.exe for 64-bit Windows on Debian and packs it into
# an .msi with wixl (msitools), then checks the .msi with msiinfo.
#
#   packaging/build-windows.sh            build the exe, then the .msi
#   packaging/build-windows.sh --no-build package the exe already built
#   packaging/build-windows.sh --nsis     also build an NSIS setup .exe
#
# Output: target/packaging/spr-console-<version>.msi (and -setup.exe with --nsis).
# When run as root it installs what is missing: Debian's gcc-mingw-w64-x86-64,
# wixl and msitools (and nsis with --nsis), and the rustup target
# x86_64-pc-windows-gnu.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build-windows.sh: %s\n' "$*" >&2; exit 1; }

build=1 nsis=0
for arg in "$@"; do
    case $arg in
        --no-build) build=0 ;;
        --nsis) nsis=1 ;;
        *) die "unknown option $arg" ;;
    esac
done

triple=x86_64-pc-windows-gnu
version=$(sed -n '/^\[package\]/,/^\[/{s/^version *= *"\([^"]*\)".*/\1/p}' Cargo.toml | head -n1)
[[ -n $version ]] || die "cannot read package.version from Cargo.toml"
# An MSI ProductVersion is numbers only: 0.2.0-rc.1 is packaged as 0.2.0.
msi_version=${version%%[-+]*}

# --- tools -------------------------------------------------------------------
need=()
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
command -v wixl >/dev/null || need+=(wixl)
command -v msiinfo >/dev/null || need+=(msitools)
((nsis)) && { command -v makensis >/dev/null || need+=(nsis); }
if ((${#need[@]})); then
    [[ $(id -u) -eq 0 ]] || die "please install: ${need[*]}"
    log "installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

target_dir=$(cargo metadata --format-version 1 --no-deps \
    | grep -o '"target_directory":"[^"]*"' | head -n1 | cut -d'"' -f4)
[[ -n $target_dir ]] || die "cannot find cargo's target directory"

# --- build -------------------------------------------------------------------
if ((build)); then
    if ! rustup target list --installed | grep -qx "$triple"; then
        log "rustup target add $triple"
        rustup target add "$triple"
    fi
    log "cargo build --release --target $triple"
    cargo build --release --locked --target "$triple" --bin spr-console
fi
exe_dir="$target_dir/$triple/release"
[[ -f $exe_dir/spr-console.exe ]] || die "$exe_dir/spr-console.exe is missing (build it first)"

out_dir="$target_dir/packaging"
mkdir -p "$out_dir"
msi="$out_dir/spr-console-$version.msi"

# --- msi ---------------------------------------------------------------------
# wixl cannot take absolute Source paths, so every path is relative to the
# repository root, which is the current directory.
rel_exe_dir=$(realpath --relative-to=. "$exe_dir")
log "wixl -> $msi"
wixl --arch x64 \
    -D Version="$msi_version" \
    -D SourceDir="$rel_exe_dir" \
    -D RepoDir=. \
    -o "$msi" packaging/windows/spr-console.wxs

log "msiinfo suminfo"
msiinfo suminfo "$msi" >&2
log "msiinfo tables"
tables=$(msiinfo tables "$msi" | tr -d '\r')
printf '%s\n' "$tables" | tr '\n' ' ' >&2; echo >&2
for t in File Shortcut Icon Upgrade; do
    grep -qx "$t" <<<"$tables" || die "$msi has no $t table"
done
msiinfo export "$msi" File | tr -d '\r' | grep -q $'\tspr-console.exe\t' || die "$msi does not install spr-console.exe"
msiinfo export "$msi" Property | tr -d '\r' | grep -qx $'ProductVersion\t'"$msi_version" \
    || die "$msi has the wrong ProductVersion"
msiinfo export "$msi" Directory | tr -d '\r' | grep -q '^ProgramFiles64Folder' \
    || die "$msi does not install under ProgramFiles64Folder"

# --- nsis (optional) ---------------------------------------------------------
if ((nsis)); then
    setup="$out_dir/spr-console-$version-setup.exe"
    log "makensis -> $setup"
    makensis -V2 -NOCD \
        -DVERSION="$version" -DMSI_VERSION="$msi_version" \
        -DEXE_DIR="$exe_dir" -DREPO_DIR="$PWD" -DOUT_FILE="$setup" \
        packaging/windows/spr-console.nsi >&2
    echo "$setup"
fi

log "ok"
echo "$msi"
