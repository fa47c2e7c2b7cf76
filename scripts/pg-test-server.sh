#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (SPEC §3.16), in a temp dir, on loopback only.
#   eval "$(scripts/pg-test-server.sh start)"   start it; prints the two export lines below
#   scripts/pg-test-server.sh stop [DIR]        stop it and remove its dir (default $SPR_TEST_PG_DIR)
# start prints on stdout, and nothing else:
#   export SPR_TEST_POSTGRES_URL=postgres://spr_test@127.0.0.1:PORT/postgres
#   export SPR_TEST_PG_DIR=/tmp/spr-pg.XXXXXX
# The tests connect as spr_test, a role with LOGIN CREATEDB and nothing more: not a superuser,
# so the REVOKEs of `init` on the audit table bind it as they would bind a site's own role.
# Loopback connections are trusted (no password): the cluster lives for one test run.
# Installs Debian's postgresql package when it is missing (as root).
set -euo pipefail

say() { echo "pg-test-server: $*" >&2; }

pg_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x $d/initdb ]] && { echo "$d"; return 0; }
    done
    command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

# initdb and postgres refuse to run as root: as root they run as the postgres user.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

install_if_missing() {
    pg_bin >/dev/null && command -v psql >/dev/null && return 0
    if [[ $(id -u) -ne 0 ]]; then
        say "PostgreSQL is not installed; as root: apt-get install postgresql"
        exit 1
    fi
    say "installing postgresql"
    apt-get update -qq >&2
    # policy-rc.d 101: the package's own cluster is not started (we start our own, on our port).
    local policy=/usr/sbin/policy-rc.d made_policy=
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
    [[ -n $made_policy ]] && rm -f "$policy"
    pg_bin >/dev/null
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    install_if_missing
    local bin dir port
    bin=$(pg_bin)
    dir=$(mktemp -d "${TMPDIR:-/tmp}/spr-pg.XXXXXX")
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    chmod 700 "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        rm -rf "$dir"
        exit 1
    }
    # Only loopback TCP, and a socket in our own dir so no other cluster's socket is touched.
    cat >"$dir/data/pg_hba.conf" <<'EOF'
local all all              trust
host  all all 127.0.0.1/32 trust
EOF
    # A free port can be taken between the check and the start: try a few.
    local tries=0
    while :; do
        port=$(free_port)
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir \
                -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
                -c max_connections=200" start >/dev/null; then
            break
        fi
        tries=$((tries + 1))
        if ((tries >= 3)); then
            tail -n 20 "$dir/server.log" >&2 || true
            rm -rf "$dir"
            exit 1
        fi
    done
    as_owner psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
        -c "CREATE ROLE spr_test LOGIN CREATEDB NOSUPERUSER NOCREATEROLE" >&2
    say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, dir $dir"
    echo "export SPR_TEST_POSTGRES_URL=postgres://spr_test@127.0.0.1:$port/postgres"
    echo "export SPR_TEST_PG_DIR=$dir"
}

stop() {
    local dir=${1:-${SPR_TEST_PG_DIR:-}}
    if [[ -z $dir || ! -d $dir/data ]]; then
        say "stop: no cluster dir (give it, or set SPR_TEST_PG_DIR)"
        exit 1
    fi
    as_owner "$(pg_bin)/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    say "stopped, $dir removed"
}

case ${1:-} in
start) start ;;
stop) stop "${2:-}" ;;
*)
    echo "usage: $0 start | stop [DIR]" >&2
    exit 2
    ;;
esac
