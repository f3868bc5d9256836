#!/usr/bin/env python3
"""Independent verifier for assessment-ledger files (record format v1).

Written from docs/FORMAT.md alone (no access to the Rust implementation).

    python3 verify_ledger.py LEDGER.db [--trust PUBKEY_HEX_OR_PEM ...]
                             [--expect-head HEX] [--json]
    python3 verify_ledger.py --self-test      # FORMAT.md s.12: its vectors and verify-vectors.json

Runs the per-record checks of FORMAT.md section 10.2 in order (decode,
sequence, version, id, hash, chain, signature, origin, signer, authority,
time), the ledger checks of 10.3 (genesis, head) and `consistency` (10.4: every
recorded checkpoint against the Merkle root of the stored hashes before it).
Every failing (record, check) pair is reported once, in seq order and within a
record in the order of 10.7. Exit 0 ok, 1 a check failed, 2 could not run
(missing file, not a ledger, bad arguments: 10.1).

Not checked, and said so in every report (`not_checked`): `attestation` (10.5:
the domain replay needs the rules of docs/EVENTS.md and docs/SCORING.md) and
the checks of the SQLite file's derived data, `integrity`, `tree` and
`snapshot` (10.6). A ledger that fails only those passes here.

Reading choices where FORMAT.md still leaves a detail open:
* a negative seq (possible only in an edited file) is hashed as u64be(seq
  mod 2^64) and reported as the negative number it is.

Ed25519: PyNaCl's VerifyKey.verify (crypto_sign_open of the bundled libsodium,
>= 1.0.16, non-ED25519_COMPAT build) rejects S >= L, a small-order R, a
non-canonical or small-order A, and compares the encoding of the recomputed R
with the R bytes (cofactorless equation) - the strict semantics of section 3.
It accepts mixed-order A (as the spec does). Every public key - author,
signature list, roots, key_authorized - is also checked here in pure Python
(the table of section 3): canonical encoding (y < p, on the curve, no
"negative zero" x), [8]A != O.
"""
import argparse, base64, functools, hashlib, json, os, re, sqlite3, struct, sys
import urllib.parse
import blake3
import nacl.signing, nacl.exceptions

EVENT_CTX = b"assessment-ledger:event:v1\n"
RECORD_CTX = b"assessment-ledger:record:v1\n"
APPLICATION_ID, USER_VERSION = 0x414C4731, 1
MAX_INT = 2**53 - 1
ZERO32 = bytes(32)
MAX_DEPTH = 64                                   # section 2 item 7
# every check, in the order of FORMAT.md section 10 (the order findings of one
# record are reported in); the last four are not run here (NOT_CHECKED)
CHECKS = ["decode", "sequence", "version", "id", "hash", "chain", "signature",
          "genesis", "origin", "signer", "authority", "time", "head", "consistency",
          "attestation", "integrity", "tree", "snapshot"]
NOT_CHECKED = ["attestation", "integrity", "tree", "snapshot"]
GOVERNANCE = {"key_authorized", "key_revoked", "roles_defined", "root_rotated"}
NOT_IN_ROLES = GOVERNANCE | {"genesis"}
ENVELOPE_KEYS = {"origin", "stream", "version", "type", "schema", "data",
                 "author", "time", "id"}
HEX64, HEX128 = re.compile(r"[0-9a-f]{64}"), re.compile(r"[0-9a-f]{128}")
ORIGIN_RE = re.compile(r"[\x21-\x2a\x2c-\x7e]{1,128}")          # printable ASCII, no '+'
STREAM_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}")  # also used for `id`
TYPE_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
ROLE_RE = TYPE_RE                                   # role names: as event types
# Unicode White_Space (FORMAT.md section 8: a holder or reason made only of these is empty)
WHITE_SPACE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") \
    | {chr(c) for c in range(0x2000, 0x200B)}
TIME_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")


class CanonicalError(ValueError):
    pass


# ---------------------------------------------------------------- section 2
def parse_json(text):
    """Parse JSON text (str) into the data model of section 2 or raise CanonicalError."""
    def refuse(s):
        raise CanonicalError(f"number with fraction/exponent, or NaN/Infinity: {s}")

    def integer(s):
        if abs(int(s)) > MAX_INT:
            raise CanonicalError(f"integer out of range: {s}")
        return int(s)

    def obj(pairs):
        if len({k for k, _ in pairs}) != len(pairs):
            raise CanonicalError("duplicate key in object")
        return dict(pairs)
    return json.loads(text, object_pairs_hook=obj, parse_int=integer,
                      parse_float=refuse, parse_constant=refuse)


_ESC = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n",
        "\f": "\\f", "\r": "\\r"}


def _enc_str(s):
    out = ['"']
    for ch in s:
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise CanonicalError("lone surrogate")
        if ch in _ESC:
            out.append(_ESC[ch])
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    return "".join(out) + '"'


def encode(v):
    """Canonical JSON text (str) of a parsed value (section 2)."""
    if v is None or isinstance(v, bool):
        return {None: "null", True: "true", False: "false"}[v]
    if isinstance(v, int) and abs(v) <= MAX_INT:
        return str(v)
    if isinstance(v, str):
        return _enc_str(v)
    if isinstance(v, list):
        return "[" + ",".join(encode(x) for x in v) + "]"
    if isinstance(v, dict):   # sorted by UTF-8 bytes (= code point order for valid text)
        keys = sorted(v, key=lambda k: k.encode("utf-8", "surrogatepass"))
        return "{" + ",".join(_enc_str(k) + ":" + encode(v[k]) for k in keys) + "}"
    raise CanonicalError(f"value not allowed: {v!r}")


def nesting_depth(raw: bytes) -> int:
    """Deepest array/object nesting of JSON text (outermost value = level 1);
    exact for well-formed JSON, which is all that matters: anything else fails anyway."""
    depth = deepest = 0
    in_str = esc = False
    for b in raw:
        if in_str:
            if esc:
                esc = False
            elif b == 0x5C:          # backslash
                esc = True
            elif b == 0x22:
                in_str = False
        elif b == 0x22:
            in_str = True
        elif b in (0x5B, 0x7B):      # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif b in (0x5D, 0x7D):
            depth -= 1
    return deepest


def canonical_decode(raw: bytes):
    """Parse stored bytes; raise CanonicalError unless they are canonical JSON."""
    if nesting_depth(raw) > MAX_DEPTH:
        raise CanonicalError(f"nested deeper than {MAX_DEPTH} levels")
    try:
        value = parse_json(raw.decode("utf-8"))          # strict: no bad UTF-8
        if encode(value).encode("utf-8") != raw:
            raise CanonicalError("bytes differ from the canonical re-encoding")
        return value
    except CanonicalError:
        raise
    except (ValueError, RecursionError) as e:           # incl. UnicodeDecodeError
        raise CanonicalError(f"not JSON: {e}") from None


# ---------------------------------------------------------------- section 3
P = 2**255 - 19
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _add(a, b):
    (x1, y1), (x2, y2) = a, b
    t = D * x1 * x2 * y1 * y2 % P
    return ((x1 * y2 + x2 * y1) * pow(1 + t, P - 2, P) % P,
            (y1 * y2 + x1 * x2) * pow(1 - t, P - 2, P) % P)


@functools.lru_cache(maxsize=4096)
def valid_public_key(b: bytes) -> bool:
    """Canonical point encoding (RFC 8032 5.1.3, y < p) and not of small order."""
    if len(b) != 32:
        return False
    y, sign = int.from_bytes(b, "little") & (2**255 - 1), b[31] >> 7
    if y >= P:
        return False
    u, v = (y * y - 1) % P, (D * y * y + 1) % P
    x2 = u * pow(v, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return False                      # not on the curve
    if x == 0 and sign:
        return False                      # non-canonical "-0"
    if x & 1 != sign:
        x = P - x
    pt = (x, y)
    for _ in range(3):
        pt = _add(pt, pt)
    return pt != (0, 1)                   # [8]A == identity: small order


def verify_sig(key: bytes, sig: bytes, msg: bytes) -> bool:
    try:
        nacl.signing.VerifyKey(key).verify(msg, sig)
        return True
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
        return False


# ---------------------------------------------------------------- sections 4-6
def valid_time(s):
    """`YYYY-MM-DDTHH:MM:SSZ`: a real (proleptic Gregorian) date, years 0001-9999,
    hours 00-23, minutes and seconds 00-59 (no leap second)."""
    m = isinstance(s, str) and TIME_RE.fullmatch(s)
    if not m:
        return False
    y, mo, d, h, mi, sec = map(int, m.groups())
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    mdays = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return (y >= 1 and 1 <= mo <= 12 and 1 <= d <= mdays[mo - 1]
            and h < 24 and mi < 60 and sec < 60)


def blank(s):
    """Not a string, or empty, or made only of Unicode White_Space."""
    return not isinstance(s, str) or all(c in WHITE_SPACE for c in s)


def is_int(v, lo, hi):
    return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


def decode_envelope(raw):
    env = canonical_decode(raw)
    if not isinstance(env, dict):
        raise CanonicalError("envelope is not an object")
    if set(env) != ENVELOPE_KEYS:
        raise CanonicalError(f"envelope members {sorted(env)} are not the nine of section 4")
    rules = [("origin", lambda v: isinstance(v, str) and ORIGIN_RE.fullmatch(v)),
             ("stream", lambda v: isinstance(v, str) and STREAM_RE.fullmatch(v)),
             ("version", lambda v: is_int(v, 1, MAX_INT)),
             ("type", lambda v: isinstance(v, str) and TYPE_RE.fullmatch(v)),
             ("schema", lambda v: is_int(v, 1, 65535)),
             ("data", lambda v: isinstance(v, dict)),
             ("author", lambda v: isinstance(v, str) and HEX64.fullmatch(v)
              and valid_public_key(bytes.fromhex(v))),
             ("time", valid_time),
             ("id", lambda v: isinstance(v, str) and STREAM_RE.fullmatch(v))]
    for name, ok in rules:
        if not ok(env[name]):
            raise CanonicalError(f"envelope member {name!r} is misshaped: {env[name]!r}")
    return env


def decode_signatures(raw, author):
    sigs = canonical_decode(raw)
    if not isinstance(sigs, list) or not sigs:
        raise CanonicalError("signature list is not a non-empty array")
    for s in sigs:
        if not (isinstance(s, dict) and set(s) == {"key", "sig"}
                and isinstance(s["key"], str) and HEX64.fullmatch(s["key"])
                and isinstance(s["sig"], str) and HEX128.fullmatch(s["sig"])):
            raise CanonicalError(f"misshaped signature entry {s!r}")
        if not valid_public_key(bytes.fromhex(s["key"])):
            raise CanonicalError(f"signature key {s['key']} is not canonical or is of small order")
    keys = [s["key"] for s in sigs]
    if keys[0] != author:
        raise CanonicalError("first signature is not the author's")
    rest = keys[1:]
    if author in rest or rest != sorted(set(rest)):   # lowercase hex sorts as bytes
        raise CanonicalError("co-signers not in strictly ascending key order, or repeat the author")
    return [(bytes.fromhex(s["key"]), bytes.fromhex(s["sig"])) for s in sigs]


def record_hash(seq, prev, env, sigs):
    return blake3.blake3(RECORD_CTX + prev + struct.pack(">Q", seq)
                         + struct.pack(">Q", len(env)) + env
                         + struct.pack(">Q", len(sigs)) + sigs).digest()


# ---------------------------------------------------------------- sections 7-8
def check_roots(d):
    """Problems with a genesis/root_rotated `roots` + `threshold`; [] when valid."""
    roots, thr = d.get("roots"), d.get("threshold")
    if not isinstance(roots, list) or not roots:
        return ["roots is not a non-empty array"]
    seen = set()
    for r in roots:
        if not (isinstance(r, dict) and set(r) == {"key", "holder"}
                and isinstance(r["key"], str) and HEX64.fullmatch(r["key"])
                and not blank(r["holder"])):
            return [f"misshaped root {r!r}"]
        if not valid_public_key(bytes.fromhex(r["key"])):
            return [f"root key {r['key']} is not a valid public key"]
        if r["key"] in seen:
            return [f"root key {r['key']} named twice"]
        seen.add(r["key"])
    if not is_int(thr, 1, len(roots)):
        return [f"threshold {thr!r} is not 1..{len(roots)}"]
    return []


def check_roles(roles):
    """A role table: role name -> list (read as a set) of non-governance event types."""
    if not isinstance(roles, dict):
        return ["roles is not an object"]
    for name, types in roles.items():
        if not ROLE_RE.fullmatch(name) or not isinstance(types, list):
            return [f"misshaped role {name!r}"]
        for t in types:
            if not (isinstance(t, str) and TYPE_RE.fullmatch(t)) or t in NOT_IN_ROLES:
                return [f"role {name!r} lists invalid or governance type {t!r}"]
    return []


def role_table(roles):
    return {name: set(types) for name, types in roles.items()}


class Authority:
    """The authority state of section 8 as it stands before the next record."""

    def __init__(self, genesis_data):
        self.roots = {r["key"] for r in genesis_data["roots"]}
        self.threshold = genesis_data["threshold"]
        self.roles = role_table(genesis_data["roles"])
        self.ever_roots = set(self.roots)   # every key that is or ever was a root
        self.offices = {}                   # key -> its latest key_authorized payload
        self.revoked = {}                   # key -> (seq, compromised) of its revocation

    def known(self, key):
        return key in self.ever_roots or key in self.offices

    def governance(self, seq, env, signers):
        """Problems with governance event `env` (section 8 rule 1); [] when entitled."""
        t, d, p = env["type"], env["data"], []
        if env["stream"] != "ledger":
            p.append("governance events belong in stream 'ledger'")
        if env["schema"] != 1:
            p.append("governance events have schema 1")
        if t == "key_authorized":
            extra = set(d) - {"key", "holder", "roles", "valid_from", "valid_until"}
            if extra or not {"key", "holder", "roles"} <= set(d):
                p.append("key_authorized payload members are wrong")
            elif not (isinstance(d["key"], str) and HEX64.fullmatch(d["key"])
                      and valid_public_key(bytes.fromhex(d["key"]))):
                p.append("key is not a valid public key")
            elif blank(d["holder"]):
                p.append("holder must be a string not made only of white space")
            elif not (isinstance(d["roles"], list)
                      and all(isinstance(r, str) and r in self.roles for r in d["roles"])):
                p.append(f"roles {d['roles']!r} are not all defined roles")
            elif not all(valid_time(d[k]) for k in ("valid_from", "valid_until") if k in d):
                p.append("valid_from/valid_until are not valid times")
            elif "valid_from" in d and "valid_until" in d and d["valid_from"] > d["valid_until"]:
                p.append(f"valid_from {d['valid_from']} is after valid_until {d['valid_until']}")
            elif d["key"] in self.ever_roots:
                p.append("a key that is or was a root key cannot be an office key")
            elif d["key"] in self.revoked:
                p.append("a revoked key cannot be authorised again")
        elif t == "key_revoked":
            comp = d.get("compromised")
            if not {"key", "reason", "compromised"} <= set(d) or \
                    set(d) - {"key", "reason", "compromised", "from_seq"}:
                p.append("key_revoked payload members are wrong")
            elif not (isinstance(d["key"], str) and HEX64.fullmatch(d["key"])):
                p.append("key is not 64 lowercase hex digits")
            elif blank(d["reason"]):
                p.append("reason must be a string not made only of white space")
            elif not isinstance(comp, bool) or (("from_seq" in d) != comp):
                p.append("from_seq must be present if and only if compromised is true")
            elif comp and not is_int(d["from_seq"], 0, seq):
                p.append(f"from_seq {d['from_seq']!r} is not 0..{seq}")
            elif d["key"] not in self.offices:
                p.append("key_revoked applies to office keys only; this key was never authorised")
            elif d["key"] in self.revoked and (self.revoked[d["key"]][1] or not comp):
                p.append(f"key was already revoked at seq {self.revoked[d['key']][0]}"
                         " (only a retired key may be revoked again, as compromised)")
        elif t == "roles_defined":
            p += ["roles_defined payload must be exactly {roles}"] if set(d) != {"roles"} \
                else check_roles(d["roles"])
        elif t == "root_rotated":
            p += ["root_rotated payload must be exactly {roots, threshold}"] \
                if set(d) != {"roots", "threshold"} else check_roots(d)
        new_roots = {r["key"] for r in d["roots"]} if t == "root_rotated" and not p else set()
        for k in sorted(new_roots):
            if k in self.offices:
                p.append(f"new root {k[:16]} is (or was) an office key")
        if signers[0] not in self.roots:
            p.append("author is not a current root key")
        for k in signers[1:]:
            if k not in self.roots and k not in new_roots:
                p.append(f"co-signer {k[:16]} is not a {'current or new ' if new_roots else 'current '}root key")
        have = len(set(signers) & self.roots)
        if have < self.threshold:
            p.append(f"{have} current root signature(s), threshold {self.threshold}")
        if new_roots and len(set(signers) & new_roots) < d["threshold"]:
            p.append(f"fewer than the new threshold {d['threshold']} of new root signatures")
        return p

    def apply(self, seq, env):
        t, d = env["type"], env["data"]
        if t == "key_authorized":
            self.offices[d["key"]] = dict(d, roles=set(d["roles"]))
        elif t == "key_revoked":
            self.revoked[d["key"]] = (seq, d["compromised"])
        elif t == "roles_defined":
            self.roles = role_table(d["roles"])
        elif t == "root_rotated":
            self.roots = {r["key"] for r in d["roots"]}
            self.threshold = d["threshold"]
            self.ever_roots |= self.roots

    def ordinary(self, env, signers):
        """Problems with a non-governance event (section 8 rule 2)."""
        p, a, t = [], signers[0], env["type"]
        if env["stream"] == "ledger":
            p.append("only governance events may be written to stream 'ledger'")
        if len(signers) != 1:
            p.append("non-governance events carry exactly one signature")
        if a in self.roots:
            if t != "note":
                p.append(f"a root key may sign only 'note', not {t!r}")
        elif a in self.revoked:
            s, comp = self.revoked[a]
            p.append(f"author key was revoked at seq {s}" + (" as compromised" if comp else ""))
        elif a in self.offices:
            o = self.offices[a]
            if "valid_from" in o and o["valid_from"] > env["time"]:
                p.append(f"time {env['time']} is before valid_from {o['valid_from']}")
            if "valid_until" in o and o["valid_until"] < env["time"]:
                p.append(f"time {env['time']} is after valid_until {o['valid_until']}")
            if t != "note" and not any(t in self.roles.get(r, ()) for r in o["roles"]):
                p.append(f"none of the roles {sorted(o['roles'])} may sign {t!r}")
        else:
            p.append("author is a former root key, which signs nothing")
        return p


def genesis_problems(env, signers):
    """Section 7 rules for record 0; [] when it is a valid genesis record."""
    if (env["type"], env["stream"], env["version"], env["schema"]) != ("genesis", "ledger", 1, 1):
        return ["record 0 is not type genesis, stream ledger, version 1, schema 1"]
    d = env["data"]
    if set(d) != {"roots", "threshold", "roles"}:
        return ["genesis payload must be exactly {roles, roots, threshold}"]
    p = check_roots(d) + check_roles(d["roles"])
    if p:
        return p
    roots = {r["key"] for r in d["roots"]}
    if signers[0] not in roots:
        return ["genesis author is not one of its roots"]
    if len(set(signers) & roots) < d["threshold"]:
        return [f"fewer than threshold {d['threshold']} root signatures"]
    return []


# ---------------------------------------------------------------- section 10: consistency
CHECKPOINT_TYPE, CHECKPOINT_STREAM = "checkpoint_signed", "checkpoints"
MAX_NOTE_SIGNATURES = 100
CONTROL = {chr(c) for c in range(0x20)} | {chr(c) for c in range(0x7F, 0xA0)}   # category Cc


class Frontier:
    """RFC 6962 Merkle tree (SHA-256) over 32-byte leaves, kept as its perfect subtrees."""

    def __init__(self):
        self.size, self.stack = 0, []            # [(leaves, hash)], largest first

    def push(self, leaf):
        h, n = hashlib.sha256(b"\x00" + leaf).digest(), 1
        while self.stack and self.stack[-1][0] == n:
            h, n = hashlib.sha256(b"\x01" + self.stack.pop()[1] + h).digest(), 2 * n
        self.stack.append((n, h))
        self.size += 1

    def root(self):
        if not self.stack:
            return hashlib.sha256(b"").digest()
        h = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]):
            h = hashlib.sha256(b"\x01" + left + h).digest()
        return h


def strict_b64(s):
    """Standard base64 with padding, canonical (re-encodes to itself); None otherwise."""
    try:
        b = base64.b64decode(s, validate=True)
    except (ValueError, TypeError):
        return None
    return b if base64.b64encode(b).decode("ascii") == s else None


def valid_key_name(name):
    return bool(name) and not any(c in WHITE_SPACE or c in CONTROL or c == "+" for c in name)


def note_key_id(name, key):
    return hashlib.sha256(name.encode() + b"\n\x01" + key).digest()[:4]


def checkpoint_problems(env, size_before, root_before):
    """FORMAT.md section 10, `consistency`: [] when the checkpoint_signed event holds."""
    d, origin = env["data"], env["origin"]
    if env["schema"] != 1:
        return [f"checkpoint_signed schema {env['schema']} is not 1"]
    if env["stream"] != CHECKPOINT_STREAM:
        return [f"checkpoint_signed is in stream {env['stream']!r}, not {CHECKPOINT_STREAM!r}"]
    if set(d) != {"size", "root", "note"} or not is_int(d["size"], 0, MAX_INT) \
            or not isinstance(d["root"], str) or not isinstance(d["note"], str):
        return ["the payload is not exactly {note: string, root: string, size: integer >= 0}"]
    root = strict_b64(d["root"])
    if root is None or len(root) != 32:
        return ["root is not the canonical base64 of 32 bytes"]
    note = d["note"]
    if any(c < " " and c != "\n" for c in note):
        return ["the note holds a control character"]
    text = f"{origin}\n{d['size']}\n{d['root']}\n"
    if not note.startswith(text + "\n"):
        return ["the note text is not exactly the three lines origin, size, root"]
    block = note[len(text) + 1:]
    if not block.endswith("\n") or block == "\n":
        return ["the note's signature lines are missing or do not end in a newline"]
    lines = block[:-1].split("\n")
    if len(lines) > MAX_NOTE_SIGNATURES:
        return [f"the note has more than {MAX_NOTE_SIGNATURES} signature lines"]
    author = bytes.fromhex(env["author"])
    log_id, verified = note_key_id(origin, author), 0
    for line in lines:
        name, sep, b64 = line[2:].partition(" ")
        data = strict_b64(b64) if sep else None
        if not line.startswith("\u2014 ") or not valid_key_name(name) or data is None or len(data) < 5:
            return [f"malformed note signature line {line!r}"]
        if name == origin and data[:4] == log_id:
            if len(data) != 68 or not verify_sig(author, data[4:], text.encode()):
                return ["the note's signature by the event's author does not verify"]
            verified += 1
    if not verified:
        return ["the note is not signed by the event's author as the log key"]
    if d["size"] != size_before:
        return [f"the checkpoint describes {d['size']} records, but {size_before} come before it"]
    if root != root_before:
        return [f"root {d['root']} is not the Merkle root of the {size_before} records before it"]
    return []


# ---------------------------------------------------------------- section 10
def verify_rows(rows, trust=(), expect_head=None):
    """rows: iterable of (seq, prev, hash, envelope bytes, signatures bytes).
    Returns (errors, number of records, head hash or None, seq of the last record)."""
    rows = list(rows)
    errs = {}                                  # (seq, check) -> [messages]

    def fail(seq, check, msg):
        errs.setdefault((seq, check), []).append(msg)

    prev_seq, prev_stored = None, ZERO32
    versions, ids, latest_time = {}, {}, None
    origin, auth, hashes, head, n, last_seq = None, None, set(), None, 0, None
    signed_by = {}                             # key -> seqs of checked records it wrote
    tree = Frontier()                          # Merkle tree of the stored hashes read so far
    for seq, prev, stored, env_raw, sig_raw in rows:
        first, n, last_seq = n == 0, n + 1, seq
        prev_ok = isinstance(prev, bytes) and len(prev) == 32
        # 1 decode
        problems = []
        if not prev_ok:
            problems.append("prev is not 32 bytes")
        if not (isinstance(stored, bytes) and len(stored) == 32):
            problems.append("hash is not 32 bytes")
        env = signers = None
        try:
            env = decode_envelope(env_raw)
        except CanonicalError as e:
            problems.append(f"envelope: {e}")
        if env is not None:
            try:
                sigs = decode_signatures(sig_raw, env["author"])
                signers = [k.hex() for k, _ in sigs]
            except CanonicalError as e:
                problems.append(f"signature list: {e}")
        else:
            try:
                canonical_decode(sig_raw)
            except CanonicalError as e:
                problems.append(f"signature list: {e}")
        for m in problems:
            fail(seq, "decode", m)
        decoded = not problems
        # genesis: the first record read
        if first:
            gp = [] if seq == 0 else [f"the first record read is {seq}, not 0: there is no genesis record"]
            if not gp and not decoded:
                gp = ["record 0 does not decode"]
            if not gp:
                gp = genesis_problems(env, signers)
            if gp:
                fail(seq, "genesis", "; ".join(gp) + " (no root of trust: origin, signer"
                     " and authority are not checked)")
            else:
                auth, origin = Authority(env["data"]), env["origin"]
                missing = sorted(set(trust) - auth.roots)
                if missing:     # a valid genesis, just not of the ledger the inspector trusts
                    fail(seq, "genesis", "genesis does not name the trusted root key(s) "
                         + ", ".join(k[:16] for k in missing) + ": this is not the ledger you trust")
        # 2 sequence
        expected = 0 if prev_seq is None else prev_seq + 1
        if seq != expected:
            fail(seq, "sequence", f"seq {seq} follows {prev_seq}, expected {expected}")
        prev_seq = seq
        # 3 version, 3b id (every record whose envelope decodes counts)
        if env is not None:
            want = versions.get(env["stream"], 0) + 1
            if env["version"] != want:
                fail(seq, "version", f"stream {env['stream']!r} version {env['version']}, expected {want}")
            versions[env["stream"]] = env["version"]
            if env["id"] in ids:
                fail(seq, "id", f"event id {env['id']!r} already used by seq {ids[env['id']]}")
            ids.setdefault(env["id"], seq)
        # 4 hash (not when prev is not 32 bytes), 5 chain
        if prev_ok:
            h = head = record_hash(seq % 2**64, prev, env_raw, sig_raw)
            hashes.add(h)
            if h != stored:
                fail(seq, "hash", f"stored hash differs from recomputed {h.hex()}")
        else:
            head = None
        if not isinstance(prev, bytes) or prev != prev_stored:
            fail(seq, "chain", "prev differs from the stored hash of the record read before"
                 if not first else "the first record's prev is not 32 zero bytes")
        prev_stored = stored if isinstance(stored, bytes) else None
        # consistency: a recorded checkpoint describes the records read before it
        if decoded and env["type"] == CHECKPOINT_TYPE:
            for m in checkpoint_problems(env, tree.size, tree.root()):
                fail(seq, "consistency", m)
        tree.push(stored if isinstance(stored, bytes) and len(stored) == 32 else ZERO32)
        if not decoded:              # skipped by checks 6-10; its envelope still counts
            if env is not None:
                latest_time = max(latest_time or env["time"], env["time"])
            continue
        # 6 signature
        msg = EVENT_CTX + env_raw
        bad = [k.hex()[:16] for k, s in sigs if not verify_sig(k, s, msg)]
        if bad:
            fail(seq, "signature", "signature(s) by " + ", ".join(bad) + " do not verify")
        # 7 origin, 8 signer, 9 authority: only with a valid genesis, after it
        if auth is not None and not first:
            origin_ok = env["origin"] == origin
            if not origin_ok:
                fail(seq, "origin", f"origin {env['origin']!r} is not the genesis origin {origin!r}")
            known = auth.known(signers[0])
            if not known:                    # `authority` is for known signers only,
                fail(seq, "signer", f"author {signers[0][:16]} is not known to the ledger")
            elif env["type"] in GOVERNANCE or env["type"] == "genesis":
                p = ["genesis may only be record 0"] if env["type"] == "genesis" \
                    else auth.governance(seq, env, signers)
                for m in p:
                    fail(seq, "authority", m)
                if not p and not bad and origin_ok:
                    auth.apply(seq, env)
                    d = env["data"]
                    if env["type"] == "key_revoked" and d["compromised"]:
                        for s in signed_by.get(d["key"], []):
                            if s >= d["from_seq"]:
                                fail(s, "authority", f"signed by a key revoked at seq {seq} "
                                     f"as compromised from seq {d['from_seq']}")
            else:
                for m in auth.ordinary(env, signers):
                    fail(seq, "authority", m)
            if known:                        # ... also for a later compromise (the author's records)
                signed_by.setdefault(signers[0], []).append(seq)
        # 10 time
        if latest_time is not None and env["time"] < latest_time:
            fail(seq, "time", f"time {env['time']} is before {latest_time}")
        latest_time = max(latest_time or env["time"], env["time"])

    if n == 0:
        fail(0, "genesis", "the ledger is empty")
    if expect_head is not None and expect_head not in hashes:
        fail(0 if last_seq is None else last_seq, "head",
             f"no record has the expected head hash {expect_head.hex()}: "
             "the ledger was truncated, rolled back or rewritten")
    order = {}                                 # seq -> position read (seqs are unique)
    for i, r in enumerate(rows):
        order.setdefault(r[0], i)
    errors = [{"seq": s, "check": c, "message": "; ".join(dict.fromkeys(m))}
              for (s, c), m in sorted(errs.items(), key=lambda i: (
                  order.get(i[0][0], 0), CHECKS.index(i[0][1])))]
    return errors, n, head, last_seq


# ---------------------------------------------------------------- I/O
class CannotRun(Exception):
    pass


def read_rows(path):
    if not os.path.isfile(path):
        raise CannotRun(f"{path}: no such file")
    mode = "mode=ro" if os.path.exists(path + "-wal") else "immutable=1"
    uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?" + mode
    try:
        db = sqlite3.connect(uri, uri=True)
        app = db.execute("PRAGMA application_id").fetchone()[0]
        ver = db.execute("PRAGMA user_version").fetchone()[0]
        if app != APPLICATION_ID or ver != USER_VERSION:
            raise CannotRun(f"{path}: not a ledger (application_id {app:#x}, user_version {ver})")
        rows = db.execute("SELECT seq, prev, hash, CAST(envelope AS BLOB), "
                          "CAST(signatures AS BLOB) FROM records ORDER BY seq").fetchall()
    except sqlite3.Error as e:
        raise CannotRun(f"{path}: {e}") from None
    return [(s, p, h, e or b"", g or b"") for s, p, h, e, g in rows]


def parse_trust(arg):
    """A public key as 64 hex digits or a SubjectPublicKeyInfo PEM file."""
    if HEX64.fullmatch(arg.lower()):
        return arg.lower()
    try:
        lines = open(arg).read().split()
        der = base64.b64decode("".join(l for l in lines if not l.startswith("-----")
                                       and l not in ("BEGIN", "END", "PUBLIC", "KEY-----")))
    except (OSError, ValueError):
        raise CannotRun(f"--trust {arg}: not 64 hex digits nor a public key file") from None
    if len(der) != 44 or der[:12] != bytes.fromhex("302a300506032b6570032100"):
        raise CannotRun(f"--trust {arg}: not an Ed25519 SubjectPublicKeyInfo PEM")
    return der[12:].hex()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("db", nargs="?")
    ap.add_argument("--trust", action="append", default=[], metavar="PUBKEY_HEX")
    ap.add_argument("--expect-head", metavar="HEX")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--self-test", action="store_true")
    a = ap.parse_args(argv)
    if a.self_test:
        return self_test()
    if not a.db:
        ap.error("LEDGER.db is required")
    try:
        trust = [parse_trust(t) for t in a.trust]
        if a.expect_head is not None and not HEX64.fullmatch(a.expect_head.lower()):
            raise CannotRun("--expect-head must be 64 hex digits")
        head_want = bytes.fromhex(a.expect_head) if a.expect_head else None
        rows = read_rows(a.db)
    except CannotRun as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    errors, n, head, last_seq = verify_rows(rows, trust, head_want)
    ok = not errors
    if a.json:
        print(json.dumps({"ok": ok, "events": n, "head": head.hex() if head else "",
                          "head_seq": last_seq, "errors": errors, "not_checked": NOT_CHECKED},
                         indent=2, ensure_ascii=False))
    else:
        for e in errors:
            print(f"seq {e['seq']}: {e['check']}: {e['message']}")
        print(f"{'ok' if ok else 'FAILED'}: {n} records, {len(errors)} error(s); "
              f"head {head.hex() if head else '(none)'}")
        print("not checked: " + ", ".join(NOT_CHECKED) + " (FORMAT.md section 10: the domain "
              "replay of docs/SCORING.md and the checks of the SQLite file's derived tables)")
    return 0 if ok else 1


# ---------------------------------------------------------------- self-test
def read_vectors(path):
    text = open(path, encoding="utf-8").read()
    out = {}
    for block in re.findall(r"```vector\n(.*?)```", text, re.S):
        v = {}
        for line in block.splitlines():
            k, _, val = line.partition(": ")
            v.setdefault(k, []).append(val)
        out[v["name"][0]] = {k: (x if k == "refuse" else x[0]) for k, x in v.items()}
    return out


def self_test():
    here = os.path.dirname(os.path.abspath(__file__))
    vec = read_vectors(os.path.join(here, "..", "FORMAT.md"))
    fails = []

    def check(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            fails.append(what)

    k = vec["key"]
    sk = nacl.signing.SigningKey(bytes.fromhex(k["seed"]))
    pub = bytes(sk.verify_key)
    check(pub.hex() == k["public_key"], "key: public key from seed")
    check(blake3.blake3(pub).digest()[:8].hex() == k["key_id"], "key: key id")
    check(valid_public_key(pub), "key: public key is canonical, not small order")
    rows = []
    for name in ("genesis", "note"):
        r = vec[name]
        env = r["envelope"].encode("utf-8")
        check(env.hex() == r["envelope_hex"], f"{name}: envelope_hex")
        try:
            e = decode_envelope(env)
            sigs = decode_signatures(r["signatures"].encode(), e["author"])
            check(True, f"{name}: envelope and signature list decode (canonical)")
        except CanonicalError as x:
            check(False, f"{name}: decode: {x}")
        msg = EVENT_CTX + env
        check(msg.hex() == r["signed_message_hex"], f"{name}: signed message")
        sig = bytes.fromhex(r["signature"])
        check(verify_sig(pub, sig, msg), f"{name}: signature verifies")
        check(sk.sign(msg).signature == sig, f"{name}: re-signing gives the same signature")
        check(sigs == [(pub, sig)], f"{name}: signature list holds that signature")
        sigb, seq, prev = r["signatures"].encode(), int(r["seq"]), bytes.fromhex(r["prev"])
        hin = (RECORD_CTX + prev + struct.pack(">Q", seq) + struct.pack(">Q", len(env)) + env
               + struct.pack(">Q", len(sigb)) + sigb)
        check(hin.hex() == r["hash_input_hex"], f"{name}: hash input")
        h = record_hash(seq, prev, env, sigb)
        check(h.hex() == r["record_hash"], f"{name}: record hash")
        rows.append((seq, prev, h, env, sigb))
        # strictness of the Ed25519 library (section 3)
        s_int = int.from_bytes(sig[32:], "little") + 2**252 + 27742317777372353535851937790883648493
        check(not verify_sig(pub, sig[:32] + s_int.to_bytes(32, "little"), msg),
              f"{name}: S + L is refused")
        check(not verify_sig(pub, sig, msg + b" "), f"{name}: other message is refused")
    ident = (1).to_bytes(32, "little")      # identity: A = R = O, S = 0 fits [S]B = R + [k]A
    check(not valid_public_key(ident) and not verify_sig(ident, ident + bytes(32), b"m"),
          "small-order key (and R) is refused by libsodium and here")
    check(valid_public_key((3).to_bytes(32, "little")) and
          not valid_public_key((3 + P).to_bytes(32, "little")),
          "non-canonical encoding (y + p) of a valid point is refused")
    for text, want in [('"\\u001f\x7f/\u00e9"', '"\\u001f\x7f/\u00e9"'), ('[0,-1]', '[0,-1]'),
                       ('{"\u00e9":1,"z":2}', '{"z":2,"\u00e9":1}')]:   # own cases
        check(encode(parse_json(text)) == want, f"canonical (own case): {want!r}")
    check(canonical_decode(b"[" * 64 + b"]" * 64) is not None
          and canonical_decode(b'{"a":' * 63 + b'[]' + b'}' * 63) is not None,
          "canonical (own case): nesting depth 64 is accepted")
    check(nesting_depth(b'["[[[",{"\\"":[]}]') == 3, "canonical (own case): depth ignores strings")
    for t, want in [("0001-01-01T00:00:00Z", True), ("9999-12-31T23:59:59Z", True),
                    ("2024-02-29T12:00:00Z", True), ("0000-01-01T00:00:00Z", False),
                    ("2023-02-29T12:00:00Z", False), ("2026-06-30T23:59:60Z", False),
                    ("2026-01-01T24:00:00Z", False), ("2026-01-01T00:00:00.5Z", False),
                    ("2026-01-01 00:00:00Z", False), ("\u0662026-01-01T00:00:00Z", False)]:
        check(valid_time(t) == want, f"time (own case): {t} {'valid' if want else 'refused'}")
    for bad in ['-0', '1E2', 'NaN', '[' * 65 + ']' * 65, '{"a":' * 65 + '1' + '}' * 65, '"\\ud800"', '{"a":1} ', '"\\u001F"', '"\\/"']:
        try:
            canonical_decode(bad.encode())
            check(False, f"canonical (own case): refuse {bad[:40]}")
        except CanonicalError:
            check(True, f"canonical (own case): refuse {bad[:40]}")
    errors, n, head, _ = verify_rows(rows, [k["public_key"]], bytes.fromhex(vec["genesis"]["record_hash"]))
    check(not errors and n == 2 and head == rows[1][2], f"vector ledger verifies {errors}")
    # the verification vectors (docs/verify-vectors.json, FORMAT.md section 12)
    with open(os.path.join(here, "..", "verify-vectors.json"), encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    check(len(cases) >= 50, f"verify vectors: {len(cases)} cases")
    for case in cases:
        rows = [(r["seq"], bytes.fromhex(r["prev"]), bytes.fromhex(r["hash"]),
                 r["envelope"].encode("utf-8"), r["signatures"].encode("utf-8"))
                for r in case["records"]]
        errors, n, head, last_seq = verify_rows(rows, case["trust"])
        got = [[e["seq"], e["check"]] for e in errors]
        want = [f for f in case["findings"] if f[1] not in NOT_CHECKED]
        same_head = (head.hex() if head else "") == case["head"] and last_seq == case["head_seq"]
        check(got == want and same_head, f"verify vector {case['name']}"
              + ("" if got == want else f": expected {want}, got {errors}")
              + ("" if same_head else f": head {head.hex() if head else ''} at {last_seq}"))
    c = vec["canonical"]
    try:
        check(encode(parse_json(c["input"])) == c["canonical"], "canonical: input re-encodes")
        canonical_decode(c["canonical"].encode())
        check(True, "canonical: canonical form is canonical")
    except CanonicalError as x:
        check(False, f"canonical: {x}")
    for bad in c["refuse"]:
        try:
            canonical_decode(bad.encode())
            check(False, f"canonical: refuse {bad}")
        except CanonicalError:
            check(True, f"canonical: refuse {bad}")
    print(f"self-test: {'FAILED ' + str(len(fails)) if fails else 'all passed'}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
