#!/usr/bin/env bash
# The hardening probes of issue 13, run against the real binary as an
# attacker and an unlucky operator would:
#
#   concurrency  8 writers appending at once; readers (verify, scores, log)
#                beside a writer: every writer succeeds, every reader reads
#                one consistent state
#   kill         SIGKILL in the middle of single appends and of a large batch:
#                the ledger verifies and holds every acknowledged event, and a
#                batch is all or nothing
#   files        the demonstration ledger truncated and with random bytes
#                changed: log, verify and scores end (no hang) without a panic,
#                with a documented exit code, and verify never passes a file
#                whose records were cut
#   inputs       duplicate JSON keys, an oversized event, an oversized batch,
#                a CSV quote never closed, a garbage consistency proof: each
#                refused (exit 2) and the ledger byte for byte as before
#   edges        a restored backup fails verify (exit 1) until `ledger
#                forget`; an event dated a year ahead is refused and the
#                ledger goes on; an erasure posted to the service erases
#   flood        `ledger serve` under 32 clients each POSTing a 16 MiB body
#                (one recorded line, over and over) at once: every answer 200
#                or 503, the service's peak resident memory (VmHWM) under
#                256 MiB, and it still answers, stops on SIGTERM and
#                verifies (issue 23; needs curl and /proc)
#
#   scripts/probe.sh [--fast]     (--fast: fewer rounds; .ci/run runs it)
#
# Exits 1 on the first defect, naming it. LEDGER=path uses that binary
# (default: builds target/release/ledger). Needs bash, coreutils, sha256sum,
# and for the flood curl.
set -euo pipefail
cd "$(dirname "$0")/.."

fast=0
[ "${1:-}" = "--fast" ] && fast=1
kills=$(( fast ? 6 : 50 ))
corrupt=$(( fast ? 16 : 100 ))
writers=8
per_writer=$(( fast ? 10 : 40 ))

if [ -z "${LEDGER:-}" ]; then
  cargo build --release --locked -q
  LEDGER=$PWD/target/release/ledger
fi
work=$(mktemp -d)
trap 'pkill -9 -x ledger-probe 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$LEDGER" "$work/ledger-probe"   # a name of its own, so that kills hit only it
L="$work/ledger-probe"
export LEDGER_CACHE="$work/cache"
unset LEDGER_NOW LEDGER_DB LEDGER_NO_CACHE

trap 'echo "probe: the script itself failed at line $LINENO" >&3' ERR
exec 3>&2   # diagnostics; stderr itself is silenced while jobs are killed
defect() { echo "DEFECT: $*" >&3; exit 1; }
say() { echo "probe: [$(( SECONDS / 60 ))m$(( SECONDS % 60 ))s] $*"; }
sum() { { cat "$1"; [ ! -e "$1-wal" ] || cat "$1-wal"; } | sha256sum | cut -d' ' -f1; }
note() { printf '{"stream":"notes","type":"note","data":{"text":"%s"}}\n' "$1"; }

# A small ledger: a root and an office key.
fresh() {
  local dir=$1
  mkdir -p "$dir"
  ( cd "$dir"
    "$L" key generate --prefix keys/root -q
    "$L" key generate --prefix keys/office -q
    "$L" --db ledger.db init --origin probe.example/ledger --key keys/root.key -q
    "$L" --db ledger.db key authorize --key keys/root.key --pub keys/office.pub --holder Office --role statistics -q )
}
count() { "$L" --db "$1" log --json --no-cache | grep -o '"seq":' | wc -l; }
# Verifies in full (no cache) and prints the number of records verified;
# fails (non-zero) when the ledger does not verify.
verified_count() { "$L" --db "$1" verify --no-cache --json 2>"$2" | grep -o '"records": *[0-9]*' | grep -o '[0-9]*$'; }

# --- concurrency -----------------------------------------------------------
say "concurrency: $writers writers x $per_writer appends, readers beside them"
c="$work/conc"; fresh "$c"
pids=()
for w in $(seq 1 $writers); do
  ( for i in $(seq 1 $per_writer); do
      note "w$w-$i" | "$L" --db "$c/ledger.db" append --key "$c/keys/office.key" -q \
        || { echo "writer $w append $i failed" >> "$c/failures"; }
    done ) &
  pids+=($!)
done
( while kill -0 "${pids[0]}" 2>/dev/null; do
    for cmd in "verify" "log --json" "key list"; do
      # shellcheck disable=SC2086
      "$L" --db "$c/ledger.db" $cmd -q >/dev/null 2>"$c/reader.err" && rc=0 || rc=$?
      [ $rc -eq 0 ] || echo "$cmd beside writers exited $rc: $(head -2 "$c/reader.err")" >> "$c/failures"
    done
  done ) &
reader=$!
for p in "${pids[@]}"; do wait "$p"; done
wait "$reader" || true
[ -s "$c/failures" ] && defect "concurrency: $(head -3 "$c/failures")"
n=$(count "$c/ledger.db")
[ "$n" -eq $(( 2 + writers * per_writer )) ] || defect "concurrency: $n records, expected $(( 2 + writers * per_writer ))"
"$L" --db "$c/ledger.db" verify --no-cache -q || defect "concurrency: the ledger does not verify"

# --- kill ------------------------------------------------------------------
say "kill: $kills SIGKILLs during appends and batches"
k="$work/kill"; fresh "$k"
: > "$k/acked"
batch="$k/batch.jsonl"
size_batch=2000
for i in $(seq 1 $size_batch); do note "b$i"; done > "$batch"
exec 2>/dev/null   # the shell's "Killed" notices
before=$(count "$k/ledger.db")
for round in $(seq 1 "$kills"); do
  if [ $(( round % 2 )) -eq 0 ]; then
    "$L" --db "$k/ledger.db" append --key "$k/keys/office.key" -q "$batch" >/dev/null 2>&1 &
    pid=$!
    sleep "0.$(( RANDOM % 9 + 1 ))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null && rc=0 || rc=$?
    after=$(verified_count "$k/ledger.db" "$k/verify.err") \
      || defect "kill: round $round left a ledger that does not verify: $(head -3 "$k/verify.err")"
    [ "$after" -eq "$before" ] || [ "$after" -eq $(( before + size_batch )) ] \
      || defect "kill: a killed batch left $(( after - before )) of its $size_batch events"
    before=$after
    for i in $(seq 1 $size_batch); do note "b$round-$i"; done > "$batch"
  else
    # The loop runs in a process group of its own (set -m), so that one
    # signal reaches it and every child it has forked, even a child not yet
    # exec'd: killing the loop and then the binary by name missed such a
    # child, which then appended after the count below (CI, exit 1).
    set -m
    ( for i in $(seq 1 200); do
        note "s$round-$i" | "$L" --db "$k/ledger.db" append --key "$k/keys/office.key" -q >/dev/null 2>&1 \
          && echo "s$round-$i" >> "$k/acked"
      done ) &
    loop=$!
    set +m
    sleep "0.$(( RANDOM % 9 + 1 ))"
    kill -9 -- "-$loop" 2>/dev/null || true
    wait "$loop" 2>/dev/null || true
    while pgrep -x ledger-probe >/dev/null; do pkill -9 -x ledger-probe 2>/dev/null || true; sleep 0.05; done
    before=$(verified_count "$k/ledger.db" "$k/verify.err") \
      || defect "kill: round $round left a ledger that does not verify: $(head -3 "$k/verify.err")"
  fi
done
exec 2>&3
"$L" --db "$k/ledger.db" log --json --no-cache > "$k/log.json"
while read -r text; do
  grep -q "\"text\": *\"$text\"" "$k/log.json" || defect "kill: acknowledged event $text is missing"
done < "$k/acked"
say "kill: $(wc -l < "$k/acked") acknowledged single appends all present"

# --- hostile files ---------------------------------------------------------
say "files: truncations and $corrupt random corruptions of the demonstration ledger"
h="$work/files"; mkdir -p "$h"
"$L" demo --dir "$h/demo" -q
"$L" --db "$h/demo/ledger.db" repair --help >/dev/null   # the binary answers
cp "$h/demo/ledger.db" "$h/base.db"
size=$(stat -c %s "$h/base.db")
check_file() { # file, label, must_fail_verify, with_scores
  local f=$1 label=$2 must_fail=$3 cmds=("log --json" "verify") rc
  [ "${4:-1}" = 1 ] && cmds+=("scores --period 2022")
  for cmd in "${cmds[@]}"; do
    # shellcheck disable=SC2086
    timeout 60 "$L" --db "$f" --no-cache $cmd >/dev/null 2>"$h/err" && rc=0 || rc=$?
    [ $rc -eq 124 ] && defect "files: '$cmd' on $label ran for 60 s (a hang)"
    grep -q "panicked" "$h/err" && defect "files: '$cmd' on $label panicked: $(head -2 "$h/err")"
    [ $rc -le 2 ] || defect "files: '$cmd' on $label exited $rc"
    if [ "$cmd" = verify ] && [ "$must_fail" = 1 ] && [ $rc -eq 0 ]; then
      defect "files: verify passed $label"
    fi
  done
}
for pct in 10 50 90 99; do
  cp "$h/base.db" "$h/t.db"
  truncate -s $(( size * pct / 100 )) "$h/t.db"
  check_file "$h/t.db" "the ledger truncated to $pct%" 1
done
for i in $(seq 1 "$corrupt"); do
  cp "$h/base.db" "$h/c.db"
  for _ in 1 2 3; do
    off=$(( (RANDOM * 32768 + RANDOM) % size ))
    printf "\\x$(printf %02x $(( RANDOM % 256 )))" | dd of="$h/c.db" bs=1 seek="$off" conv=notrunc status=none
  done
  check_file "$h/c.db" "corruption $i" 0 $(( i % 4 == 0 ))
done

# --- hostile inputs --------------------------------------------------------
say "inputs: each refused with exit 2, the ledger unchanged"
i="$work/inputs"; fresh "$i"
db="$i/ledger.db"
refused() { # label, command...
  local label=$1; shift
  local before rc
  before=$(sum "$db")
  "$@" >/dev/null 2>"$i/err" && rc=0 || rc=$?
  [ $rc -eq 2 ] || defect "inputs: $label exited $rc (expected 2): $(head -2 "$i/err")"
  grep -q panicked "$i/err" && defect "inputs: $label panicked"
  [ "$(sum "$db")" = "$before" ] || defect "inputs: $label changed the ledger"
}
app() { "$L" --db "$db" append --key "$i/keys/office.key" "$@"; }
printf '{"stream":"a","stream":"b","type":"note","data":{"text":"x"}}\n' > "$i/dup.jsonl"
refused "a key twice" app "$i/dup.jsonl"
printf '{"stream":"notes","type":"note","data":{"text":"x","text":"y"}}\n' > "$i/dup2.jsonl"
refused "a key twice inside data" app "$i/dup2.jsonl"
{ printf '{"stream":"notes","type":"note","data":{"text":"'; head -c 2000000 /dev/zero | tr '\0' a; printf '"}}\n'; } > "$i/big.jsonl"
refused "a 2 MB event" app "$i/big.jsonl"
for n in $(seq 1 100001); do note "n$n"; done > "$i/many.jsonl"
refused "a batch of 100,001 events" app "$i/many.jsonl"
printf 'unit,indicator,value,note\nlixia,1,2,"never closed\n' > "$i/quote.csv"
refused "a CSV quote never closed" "$L" --db "$db" values submit --period 2022 --key "$i/keys/office.key" "$i/quote.csv"
refused "a private key as events" app "$i/keys/root.key"
"$L" --db "$db" key generate --prefix "$i/keys/log" -q
"$L" --db "$db" key authorize --key "$i/keys/root.key" --pub "$i/keys/log.pub" --holder Log --role log -q
"$L" --db "$db" checkpoint --log-key "$i/keys/log.key" > "$i/cp.txt"
"$L" key generate --prefix "$i/keys/w" -q
echo "not a proof" > "$i/junk.proof"
refused "a garbage consistency proof" "$L" --db "$db" cosign --key "$i/keys/w.key" --proof "$i/junk.proof" "$i/cp.txt"

# --- trust at the edges ------------------------------------------------------
say "edges: a restored backup, a far-future event, an erasure over the service"
e="$work/edges"; fresh "$e"
edb="$e/ledger.db"
copy_db() { # from, to: the file and its write-ahead log, as a backup would
  rm -f "$2" "$2-wal" "$2-shm"; cp "$1" "$2"; [ ! -e "$1-wal" ] || cp "$1-wal" "$2-wal"
}
note "before the backup" | "$L" --db "$edb" append --key "$e/keys/office.key" -q
"$L" --db "$edb" verify -q || defect "edges: a fresh ledger does not verify"
copy_db "$edb" "$e/backup.db"
note "after the backup" | "$L" --db "$edb" append --key "$e/keys/office.key" -q
"$L" --db "$edb" verify -q || defect "edges: the ledger does not verify after an append"
copy_db "$e/backup.db" "$edb"
for attempt in 1 2; do
  "$L" --db "$edb" verify >"$e/out" 2>&1 && rc=0 || rc=$?
  [ $rc -eq 1 ] || defect "edges: verify of a restored backup exited $rc (attempt $attempt; expected 1): $(head -2 "$e/out")"
  grep -q "rollback" "$e/out" || defect "edges: verify did not call the restored backup a rollback: $(head -2 "$e/out")"
done
note "on the old copy" | "$L" --db "$edb" append --key "$e/keys/office.key" -q 2>/dev/null \
  && defect "edges: an append extended a rolled-back ledger"
"$L" --db "$edb" forget -q
"$L" --db "$edb" verify -q || defect "edges: the restored backup does not verify after ledger forget"
# An office clock a year ahead: refused, the ledger unchanged.
future=$(date -u -d '+1 year' +%Y-%m-%dT%H:%M:%SZ)
note "from the future" | LEDGER_NOW=$future "$L" sign --key "$e/keys/office.key" --copy "$edb" > "$e/future.jsonl"
before=$(sum "$edb")
"$L" --db "$edb" append --signed "$e/future.jsonl" >/dev/null 2>"$e/err" && rc=0 || rc=$?
[ $rc -eq 2 ] || defect "edges: an event dated $future was appended (exit $rc)"
grep -q "after this machine's clock" "$e/err" || defect "edges: the far-future refusal does not say why: $(head -2 "$e/err")"
[ "$(sum "$edb")" = "$before" ] || defect "edges: the refused far-future event changed the ledger"
note "on time" | "$L" --db "$edb" append --key "$e/keys/office.key" -q || defect "edges: the ledger is frozen"
# An erasure signed elsewhere and posted to the service erases the data.
if command -v curl >/dev/null 2>&1; then
  s="$e/served"; mkdir -p "$s"; cp -r "$h/demo/keys" "$s/keys"; copy_db "$h/base.db" "$s/ledger.db"
  person=$("$L" --db "$s/ledger.db" decision action --period 2022 --unit shanghe --kind admonition-talk \
    --basis C3.2 --person-name 王五探针 --key "$s/keys/authority.key" --json | grep -o '"seq": *[0-9]*' | grep -o '[0-9]*$')
  "$L" --db "$s/ledger.db" serve --listen 127.0.0.1:0 --log-key "$s/keys/log.key" >"$s/serve.out" 2>"$s/serve.err" &
  server=$!
  for _ in $(seq 1 100); do grep -q "listening on" "$s/serve.out" && break; sleep 0.1; done
  url=$(sed -n 's/^listening on //p' "$s/serve.out")
  [ -n "$url" ] || defect "edges: the service did not start: $(head -2 "$s/serve.err")"
  printf '{"stream":"personal-data","type":"personal_data_redacted","data":{"record":%s,"reason":"probe"}}\n' "$person" \
    | "$L" sign --key "$s/keys/authority.key" --server "$url" > "$s/erasure.jsonl"
  status=$(curl -s -o "$s/answer" -w '%{http_code}' --data-binary @"$s/erasure.jsonl" "$url/add")
  kill -TERM "$server"; wait "$server" || true
  [ "$status" = 200 ] || defect "edges: the service answered $status to an erasure: $(head -c 300 "$s/answer")"
  if { cat "$s/ledger.db"; [ ! -e "$s/ledger.db-wal" ] || cat "$s/ledger.db-wal"; } | grep -a -q "王五探针"; then
    defect "edges: an erasure posted to the service left the name in the ledger's files"
  fi
else
  say "edges: no curl on this machine; the erasure over the service is left to tests/serve.rs"
fi

# --- flood -----------------------------------------------------------------
flood_clients=32
flood_body=$(( 16 * 1024 * 1024 ))
flood_limit_kib=$(( 256 * 1024 ))
if ! command -v curl >/dev/null 2>&1 || [ ! -d /proc/self ]; then
  say "flood: skipped (needs curl and /proc)"
else
  say "flood: $flood_clients clients each POST a 16 MiB body at once; the service stays under 256 MiB"
  f="$work/flood"; fresh "$f"
  ( cd "$f"
    "$L" key generate --prefix keys/log -q
    "$L" --db ledger.db key authorize --key keys/root.key --pub keys/log.pub --holder Log --role log -q )
  "$L" --db "$f/ledger.db" serve --listen 127.0.0.1:0 --log-key "$f/keys/log.key" >"$f/serve.out" 2>"$f/serve.err" &
  server=$!
  for _ in $(seq 1 200); do grep -q '^listening on ' "$f/serve.out" && break; sleep 0.05; done
  url=$(sed -n 's/^listening on //p' "$f/serve.out")
  [ -n "$url" ] || defect "flood: the service did not start: $(head -3 "$f/serve.err")"
  # One line, recorded; then the body: that line over and over, 16 MiB.
  note "flood" | "$L" sign --key "$f/keys/office.key" --server "$url" >"$f/line"
  [ "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$f/line" "$url/add")" = 200 ] \
    || defect "flood: the first line was not recorded"
  records=$(count "$f/ledger.db")
  cp "$f/line" "$f/body"
  while [ "$(stat -c %s "$f/body")" -lt "$flood_body" ]; do cat "$f/body" "$f/body" >"$f/twice"; mv "$f/twice" "$f/body"; done
  line_bytes=$(stat -c %s "$f/line")
  head -c $(( flood_body / line_bytes * line_bytes )) "$f/body" >"$f/flood"
  : >"$f/codes"
  clients=()
  for _ in $(seq 1 "$flood_clients"); do
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 300 --data-binary @"$f/flood" "$url/add" >>"$f/codes" &
    clients+=($!)
  done
  for c in "${clients[@]}"; do wait "$c" || true; done
  peak=$(awk '/^VmHWM:/ {print $2}' "/proc/$server/status")
  say "flood: peak resident memory of the service $(( peak / 1024 )) MiB; answers: $(sort "$f/codes" | uniq -c | tr -s ' \n' ' ')"
  [ "$peak" -lt "$flood_limit_kib" ] || defect "flood: the service peaked at $(( peak / 1024 )) MiB (VmHWM), over 256 MiB"
  bad=$(grep -cv '^\(200\|503\)$' "$f/codes" || true)
  [ "$bad" -eq 0 ] || defect "flood: $bad answers neither 200 nor 503: $(sort "$f/codes" | uniq -c | tr '\n' ' ')"
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz")" = 200 ] || defect "flood: /healthz does not answer 200 after it"
  kill -TERM "$server"
  wait "$server" && rc=0 || rc=$?
  [ "$rc" -eq 0 ] || defect "flood: the service exited $rc on SIGTERM: $(tail -3 "$f/serve.err")"
  grep -q panicked "$f/serve.err" && defect "flood: the service panicked"
  [ "$(count "$f/ledger.db")" -eq "$records" ] || defect "flood: lines already recorded added records"
  "$L" --db "$f/ledger.db" verify --no-cache -q || defect "flood: the ledger does not verify"
fi

say "no defect found"
