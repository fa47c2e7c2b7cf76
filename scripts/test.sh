#!/usr/bin/env bash
# Runs every check and test of spr-console, installing what a fresh Debian/Ubuntu machine lacks.
#   scripts/test.sh            format, lint, all tests (unit, CLI stories, SMTP, UI)
# The SMTP tests start a real relay (aiosmtpd) on loopback; the TLS ones make a test CA with openssl.
# The PostgreSQL half of the suites (SPEC §3.16) runs on a throwaway cluster that this script
# starts on loopback (scripts/pg-test-server.sh) unless SPR_TEST_POSTGRES_URL names a server;
# SPR_TEST_SKIP_POSTGRES=1 skips that half, and every skipped test says so.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need+=(python3-aiosmtpd)
command -v openssl >/dev/null || need+=(openssl)
if [[ -z ${SPR_TEST_POSTGRES_URL:-} && ${SPR_TEST_SKIP_POSTGRES:-} != 1 ]]; then
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fi
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
if [[ -z ${SPR_TEST_POSTGRES_URL:-} && ${SPR_TEST_SKIP_POSTGRES:-} != 1 ]]; then
    echo "==> a throwaway PostgreSQL server"
    pg_env=$(bash scripts/pg-test-server.sh start)
    eval "$pg_env"
    trap 'bash scripts/pg-test-server.sh stop "$SPR_TEST_PG_DIR"' EXIT
fi
echo "==> cargo test"
cargo test --locked
