#!/usr/bin/env bash
# A short command-line story against an installed spr-console binary: init, provider, user,
# a full reset through the outbox, and login with the new password.
#   scripts/cli-story.sh [BIN]
set -euo pipefail
bin=${1:-spr-console}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export SPR_CONSOLE_DB=${SPR_CONSOLE_DB:-$dir/story.sqlite3} SPR_OPERATOR=root SPR_OPERATOR_PASSWORD='orange-Kettle-93-violet'
"$bin" init
# A new database delivers nothing until a way is chosen: this story is a training one.
"$bin" mail set outbox >/dev/null
"$bin" provider add ACME --name "Acme Care" >/dev/null
"$bin" provider set ACME --spr on --max-incorrect 3 >/dev/null
SPR_NEW_PASSWORD='maple-Harbor-quiet-4521' "$bin" user add --provider ACME --login jdoe --email jdoe@example.org >/dev/null
"$bin" user spr --provider ACME --login jdoe on
"$bin" reset request --provider ACME --login jdoe --address jdoe@example.org
token=$("$bin" outbox --last 1 | grep -oE '[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}' | head -n1)
SPR_NEW_PASSWORD='tundra-Lantern-slow-8830' "$bin" reset complete --provider ACME --login jdoe --token "$token"
SPR_USER_PASSWORD='tundra-Lantern-slow-8830' "$bin" login --provider ACME --login jdoe
echo "cli story passed"
