#!/usr/bin/env python3
"""The peer of `ledger bench`: a widely used Python event-sourcing library
(eventsourcing, on SQLite, which neither signs nor chains its events),
measured on this machine in the same run as the ledger
(scripts/peer-bench.sh runs both and prints the ratios).

Figures, as the library's users write them (an application, an aggregate,
an event type with one text field, like the ledger's `note`):

* bulk append: N events triggered on one aggregate and saved with one
  `save` (one transaction), counted from the first event built; the time
  inside `save` alone is printed beside it;
* one transaction per event: an event triggered and saved, M times
  (SQLite in WAL mode, the library's default; Python's sqlite3 leaves
  `synchronous` at FULL, so each commit is durable, as the ledger's);
* decoded read: every event of the aggregate read back as domain events;
* peak memory: the process's maximum resident set size.

Prints one JSON object on stdout.
"""

import argparse
import json
import os
import resource
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="events of the bulk append and the read")
    parser.add_argument("--single", type=int, default=2_000, help="events saved one transaction each")
    parser.add_argument("--dir", required=True, help="a folder for the database")
    args = parser.parse_args()

    os.environ["PERSISTENCE_MODULE"] = "eventsourcing.sqlite"
    os.environ["SQLITE_DBNAME"] = os.path.join(args.dir, "peer.db")

    from importlib.metadata import version

    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    class Notes(Aggregate):
        @event("Noted")
        def note(self, text: str) -> None:
            pass

    app = Application()

    start = time.perf_counter()
    bulk = Notes()
    for i in range(args.events):
        bulk.note(f"note {i} of the bulk append")
    saving = time.perf_counter()
    app.save(bulk)
    end = time.perf_counter()
    events = args.events + 1  # and the aggregate's creation

    single = Notes()
    app.save(single)
    one_by_one = time.perf_counter()
    for i in range(args.single):
        single.note(f"note {i} saved alone")
        app.save(single)
    one_by_one = time.perf_counter() - one_by_one

    reading = time.perf_counter()
    read = sum(1 for _ in app.events.get(bulk.id))
    reading = time.perf_counter() - reading
    if read != events:
        print(f"peer_bench: read {read} events of {events}", file=sys.stderr)
        return 2

    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    json.dump(
        {
            "library": "eventsourcing",
            "version": version("eventsourcing"),
            "python": sys.version.split()[0],
            "events": events,
            "bulk_append_events_per_s": round(events / (end - start)),
            "bulk_append_inside_save_events_per_s": round(events / (end - saving)),
            "transaction_per_event_per_s": round(args.single / one_by_one),
            "transaction_per_event_count": args.single,
            "decoded_read_events_per_s": round(read / reading),
            "peak_rss_mib": round(peak_kib / 1024, 1),
        },
        sys.stdout,
        indent=2,
    )
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
