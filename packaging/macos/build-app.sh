#!/usr/bin/env bash
# Builds "SPR Console.app" and a compressed .dmg holding it. macOS only
# (it needs hdiutil, PlistBuddy, codesign and Apple's toolchain).
#
#   packaging/macos/build-app.sh              native build (arm64 on Apple silicon)
#   packaging/macos/build-app.sh --universal  arm64 + x86_64 in one binary (lipo)
#   packaging/macos/build-app.sh --no-build   bundle target/release/spr-console as is
#
# Output: target/packaging/SPR Console.app and
#         target/packaging/spr-console-<version>-macos-<arch>.dmg (path printed last).
# Signing: ad hoc by default (enough to run on Apple silicon after the user
# allows it in System Settings > Privacy & Security); set MACOS_SIGN_IDENTITY to
# a "Developer ID Application: …" identity to sign for distribution (notarising
# is a separate step: xcrun notarytool).
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build-app.sh: %s\n' "$*" >&2; exit 1; }

[[ $(uname -s) == Darwin ]] || die "this script runs on macOS only (it uses hdiutil)"

build=1 universal=0
for arg in "$@"; do
    case $arg in
        --no-build) build=0 ;;
        --universal) universal=1 ;;
        *) die "unknown option $arg" ;;
    esac
done

version=$(sed -n '/^\[package\]/,/^\[/{s/^version *= *"\([^"]*\)".*/\1/p;}' Cargo.toml | head -n1)
[[ -n $version ]] || die "cannot read package.version from Cargo.toml"
target_dir=$(cargo metadata --format-version 1 --no-deps \
    | grep -o '"target_directory":"[^"]*"' | head -n1 | cut -d'"' -f4)
[[ -n $target_dir ]] || die "cannot find cargo's target directory"

# --- binary ------------------------------------------------------------------
if ((universal)); then
    arch=universal
    bin="$target_dir/universal-apple-darwin/release/spr-console"
    if ((build)); then
        for t in aarch64-apple-darwin x86_64-apple-darwin; do
            rustup target add "$t"
            log "cargo build --release --target $t"
            cargo build --release --locked --target "$t" --bin spr-console
        done
        mkdir -p "$(dirname "$bin")"
        lipo -create -output "$bin" \
            "$target_dir/aarch64-apple-darwin/release/spr-console" \
            "$target_dir/x86_64-apple-darwin/release/spr-console"
    fi
else
    arch=$(uname -m)
    bin="$target_dir/release/spr-console"
    if ((build)); then
        log "cargo build --release"
        cargo build --release --locked --bin spr-console
    fi
fi
[[ -x $bin ]] || die "$bin is missing (build it first)"

# --- .app bundle ---------------------------------------------------------------
out_dir="$target_dir/packaging"
app="$out_dir/SPR Console.app"
log "bundling $app"
rm -rf "$app"
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
cp "$bin" "$app/Contents/MacOS/spr-console"
strip -x "$app/Contents/MacOS/spr-console" 2>/dev/null || true
cp assets/icon/icon.icns "$app/Contents/Resources/icon.icns"
cp LICENSE-MIT LICENSE-APACHE "$app/Contents/Resources/"
cp packaging/macos/Info.plist "$app/Contents/Info.plist"
/usr/libexec/PlistBuddy -c "Set :CFBundleShortVersionString ${version%%[-+]*}" "$app/Contents/Info.plist"
/usr/libexec/PlistBuddy -c "Set :CFBundleVersion $version" "$app/Contents/Info.plist"
printf 'APPL????' > "$app/Contents/PkgInfo"
plutil -lint "$app/Contents/Info.plist" >&2

log "codesign (${MACOS_SIGN_IDENTITY:-ad hoc})"
if [[ -n ${MACOS_SIGN_IDENTITY:-} ]]; then
    codesign --force --options runtime --timestamp --sign "$MACOS_SIGN_IDENTITY" "$app"
else
    codesign --force --sign - "$app"
fi
codesign --verify --strict --verbose=2 "$app" >&2
"$app/Contents/MacOS/spr-console" --version >&2 || die "the bundled binary does not run"

# --- .dmg --------------------------------------------------------------------
dmg="$out_dir/spr-console-$version-macos-$arch.dmg"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
log "hdiutil create $dmg"
rm -f "$dmg"
hdiutil create -volname "SPR Console $version" -srcfolder "$stage" \
    -fs HFS+ -format UDZO -ov "$dmg" >&2
hdiutil verify "$dmg" >&2
log "ok"
echo "$dmg"
