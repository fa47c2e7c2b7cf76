#!/usr/bin/env bash
# Smoke test of the desktop console: starts the binary under its own Xvfb, on a fresh database
# and then on a fresh demo database, waits for the console's ready signal (the stderr line
# `ready: <screen>` it writes once a screen has been drawn), takes a screenshot of each, and
# fails when the console showed another screen than expected (the error screen above all),
# panicked, exited early, or drew nothing.
#
# usage: scripts/gui-smoke.sh [BIN] [OUT_DIR] [SECONDS]
#   BIN      the binary (default target/release/spr-console)
#   OUT_DIR  where the screenshots go (default target/gui-smoke)
#   SECONDS  how long each run may take to show its screen (default 30; it goes on at once)
# Needs: apt-get install -y xvfb xauth imagemagick xdotool libgl1-mesa-dri libegl-mesa0
set -u

bin=${1:-target/release/spr-console}
out_dir=${2:-target/gui-smoke}
wait_secs=${3:-30}

for tool in Xvfb import convert xdotool; do
    if ! command -v "$tool" >/dev/null; then
        echo "gui-smoke: $tool is missing (apt-get install -y xvfb xauth imagemagick xdotool libgl1-mesa-dri libegl-mesa0)" >&2
        exit 1
    fi
done
if [[ ! -x $bin ]]; then
    echo "gui-smoke: $bin is not an executable; build it first (cargo build --release)" >&2
    exit 1
fi

mkdir -p "$out_dir"
tmp=$(mktemp -d)
xpid=
apid=
cleanup() {
    [[ -n $apid ]] && kill "$apid" 2>/dev/null
    [[ -n $xpid ]] && kill "$xpid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# A display number nobody uses.
disp=
for n in $(seq 90 140); do
    if [[ ! -e /tmp/.X11-unix/X$n && ! -e /tmp/.X$n-lock ]]; then disp=:$n; break; fi
done
[[ -z $disp ]] && { echo "gui-smoke: no free X display number" >&2; exit 1; }
Xvfb "$disp" -screen 0 1400x900x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xpid=$!
for _ in $(seq 50); do
    [[ -e /tmp/.X11-unix/X${disp#:} ]] && break
    sleep 0.1
done

failures=0
run() { # run NAME EXPECTED_SCREEN ARGS...
    local name=$1 expected=$2; shift 2
    local shot="$out_dir/$name.png" log="$tmp/$name.log"
    DISPLAY=$disp LIBGL_ALWAYS_SOFTWARE=1 "$bin" "$@" >"$log" 2>&1 &
    apid=$!
    # Wait for the ready line (or the end of the process), polling; never a fixed sleep.
    local ready= deadline=$((SECONDS + wait_secs))
    while ((SECONDS < deadline)); do
        ready=$(grep -m1 '^ready: ' "$log" | cut -c8-)
        [[ -n $ready ]] && break
        kill -0 "$apid" 2>/dev/null || break
        sleep 0.1
    done
    local alive=0
    kill -0 "$apid" 2>/dev/null && alive=1
    local window
    window=$(DISPLAY=$disp xdotool search --name 'spr-console' getwindowname 2>/dev/null | head -1)
    DISPLAY=$disp import -window root "$shot" 2>/dev/null
    local colors
    colors=$(convert "$shot" -format %k info: 2>/dev/null || echo 0)
    kill "$apid" 2>/dev/null
    wait "$apid" 2>/dev/null
    apid=
    local panics
    panics=$(grep -c panicked "$log")
    echo "gui-smoke $name: ready='$ready' alive=$alive panics=$panics colors=$colors window='$window' shot=$shot"
    local screen=${ready%%:*}
    if [[ $screen != "$expected" ]]; then
        echo "gui-smoke $name: expected the $expected screen, the console showed '${ready:-nothing within ${wait_secs}s}'" >&2
    fi
    if [[ $screen != "$expected" || $alive != 1 || $panics != 0 || $colors -le 20 || $window != spr-console* ]]; then
        echo "gui-smoke $name FAILED; the console said:" >&2
        tail -20 "$log" >&2
        failures=$((failures + 1))
    fi
}

run fresh first-run --db "$tmp/fresh.sqlite3"
run demo sign-in --db "$tmp/demo.sqlite3" demo --users 1000
# A file that is not a database must show the error screen: the check itself must catch it.
printf 'not a database\n' >"$tmp/notes.sqlite3"
run not-a-database error --db "$tmp/notes.sqlite3"
case $(grep -m1 '^ready: ' "$tmp/not-a-database.log" 2>/dev/null) in
    "ready: error: "*"not an spr-console database"*) ;;
    *) echo "gui-smoke not-a-database: the error screen did not say why" >&2; failures=$((failures + 1)) ;;
esac

if [[ $failures -gt 0 ]]; then
    exit 1
fi
echo "gui-smoke: ok"
