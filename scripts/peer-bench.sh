#!/bin/sh
# The ledger and its peer, side by side, in one run on this machine:
#
#   scripts/peer-bench.sh [RECORDS]        (default 100000)
#
# Installs the peer (eventsourcing, pinned, in a virtual environment of its
# own under target/peer-venv), builds the release binary, runs the peer
# (scripts/peer_bench.py) and `ledger bench --records RECORDS --json` back
# to back, and prints both figures and their ratios in one table. The
# figures of each side and the table are kept in target/peer-bench/.
# Needs python3 (with venv) and network access to PyPI the first time.
set -eu
records=${1:-100000}
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${PEER_VENV:-$root/target/peer-venv}
out=$root/target/peer-bench
peer_version=9.5.6

if ! "$venv/bin/python" -c "import eventsourcing" 2>/dev/null; then
    echo "installing the peer (eventsourcing $peer_version) in $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "eventsourcing==$peer_version"
fi
(cd "$root" && cargo build --release --quiet)
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

echo "the peer: $records events ..." >&2
"$venv/bin/python" "$root/scripts/peer_bench.py" --events "$records" --dir "$work" >"$out/peer.json"
echo "the ledger: ledger bench --records $records ..." >&2
"$root/target/release/ledger" bench --records "$records" --json >"$out/ledger.json"

python3 - "$out/peer.json" "$out/ledger.json" <<'PY' | tee "$out/table.md"
import json, sys
peer = json.load(open(sys.argv[1]))
ours = json.load(open(sys.argv[2]))
l = ours["ledger"]
scale = ours.get("scale", {})

def n(x):
    return f"{x:,.0f}"

rows = [
    ("bulk append (one transaction)", l["import"]["events_per_s"], peer["bulk_append_events_per_s"], "events/s",
     "ours: one signed, chained import; the peer's inside its save alone: " + n(peer["bulk_append_inside_save_events_per_s"])),
    ("one transaction per event", l["durable_append"]["appends_per_s"], peer["transaction_per_event_per_s"], "events/s",
     "durable (FULL sync) both"),
    ("decoded read", l["replay"]["events_per_s"], peer["decoded_read_events_per_s"], "events/s",
     "ours: the domain events decoded and folded into the projection; our raw stream: " + n(l["read"]["records_per_s"]) + " records/s"),
]
print(f"| figure | ledger | peer (eventsourcing {peer['version']}) | ledger / peer | note |")
print("|---|---|---|---|---|")
for name, a, b, unit, note in rows:
    print(f"| {name} | {n(a)} {unit} | {n(b)} {unit} | {a / b:.2f} | {note} |")
rss = scale.get("verify_peak_rss_mib", {}).get("at_n")
if rss is not None:
    print(f"| peak memory | {rss} MiB (a verification of {n(ours['records'])} records) | {peer['peak_rss_mib']} MiB (the whole peer run) | {rss / peer['peak_rss_mib']:.2f} | |")
print()
print(f"{n(ours['records'])} records; the ledger's release build: {ours.get('release_build')}; load average at start: {ours.get('load_average_at_start')}")
PY
