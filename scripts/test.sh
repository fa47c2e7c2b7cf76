#!/usr/bin/env bash
# Runs every check and test of spr-console, installing what a fresh Debian/Ubuntu machine lacks.
#   scripts/test.sh            format, lint, all tests (unit, CLI stories, SMTP, UI)
# The SMTP tests start a real relay (aiosmtpd) on loopback; the TLS ones make a test CA with openssl.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need+=(python3-aiosmtpd)
command -v openssl >/dev/null || need+=(openssl)
if ((${#need[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        echo "==> installing ${need[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    elif command -v sudo >/dev/null; then
        sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
    else
        echo "scripts/test.sh: please install ${need[*]} (Debian packages)" >&2
        exit 1
    fi
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true

echo "==> cargo fmt --check"
cargo fmt --check
echo "==> cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings
echo "==> cargo test"
cargo test --locked
