#!/usr/bin/env python3
"""Texts of one kind from before and after a language model's training data: entries of the Debian
changelogs installed on this machine (/usr/share/doc/*/changelog.Debian.gz, Debian 12 with its
point-release updates). SmolLM2's training data ends in 2024, so

- non-members: every entry dated 2025-07-01 or later (certainly unseen),
- members ("possibly seen"): for each non-member, an entry of the same package dated before
  2024-06-01 (Debian's changelogs are public and crawled; whether SmolLM2 saw a given one is not
  known), drawn with a fixed seed; an entry of any package of similar length when the package
  has no older one left.

Each text is the entry's body (its bullet lines, leading spaces stripped), without the
package/version header and the dated signature line, cut to 700 characters. Duplicates (one
source package installs several binary packages with the same changelog) are kept once.

A second pair (members-masked.jsonl, nonmembers-masked.jsonl) has every year-like number
(19xx, 20xx) replaced by "YYYY": how much of what separates the two sets is the dates in them.

    python3 scripts/make-changelog-membership.py OUTDIR
"""
import email.utils, glob, gzip, json, os, random, re, sys

out = sys.argv[1]
entries, seen = [], set()
for path in sorted(glob.glob("/usr/share/doc/*/changelog.Debian.gz")):
    try:
        text = gzip.open(path, "rt", encoding="utf-8").read()
    except (OSError, UnicodeDecodeError):
        continue
    package = path.split("/")[4]
    pattern = r"^(\S+) \(([^)]+)\)[^\n]*\n(.*?)\n -- [^\n]*?  (\w{3}, \d+ \w{3} \d{4}[^\n]*)$"
    for m in re.finditer(pattern, text, re.S | re.M):
        try:
            date = email.utils.parsedate_to_datetime(m.group(4))
        except (TypeError, ValueError):
            continue
        body = "\n".join(line.strip() for line in m.group(3).strip("\n").split("\n") if line.strip())[:700]
        if len(body) < 40 or body in seen:
            continue
        seen.add(body)
        entries.append({"date": date.strftime("%Y-%m-%d"), "package": package, "source": m.group(1), "version": m.group(2), "text": body})

late = [e for e in entries if e["date"] >= "2025-07-01"]
early = [e for e in entries if e["date"] < "2024-06-01"]
rng = random.Random(0)
rng.shuffle(early)
by_package = {}
for e in early:
    by_package.setdefault(e["source"], []).append(e)
used, members = set(), []
for e in late:
    pool = [c for c in by_package.get(e["source"], []) if id(c) not in used]
    if not pool:
        pool = sorted((c for c in early[:5000] if id(c) not in used), key=lambda c: abs(len(c["text"]) - len(e["text"])))[:20]
    choice = pool[0]
    used.add(id(choice))
    members.append(choice)
os.makedirs(out, exist_ok=True)
for name, items, label in [("members", members, 1), ("nonmembers", late, 0)]:
    for suffix, clean in [("", lambda t: t), ("-masked", lambda t: re.sub(r"\b(19|20)\d\d\b", "YYYY", t))]:
        with open(os.path.join(out, name + suffix + ".jsonl"), "w", encoding="utf-8") as f:
            for k, e in enumerate(items):
                f.write(json.dumps({"id": f"{name}-{k}", "text": clean(e["text"]), "label": label, "date": e["date"],
                                    "package": e["source"], "version": e["version"]}, ensure_ascii=False) + "\n")
print(f"{len(members)} members (before 2024-06), {len(late)} non-members (2025-07 and later) -> {out}")
