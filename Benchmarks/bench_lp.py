#!/usr/bin/env python3
"""The mixture LP of every published tokenizer against all categories, solved for proven
optimality, one table row per tokenizer.

    swift build -c release
    python3 Benchmarks/bench_lp.py [--shared ../shared] [--only NAME ...] [--limit 600] [--warm] [--binary PATH] [--save-dir DIR]
                                   [--merges T] [--method decomposition|row-generation] [-- EXTRA...]

Needs ../shared/tokenizers and ../shared/corpora (skips with a reason when they are absent).
For each tokenizer of scripts/real-analyses.py it runs `toksleuth infer` on the 57 categories
of languages + code + domains at T = min(30,000, merges) (the SentencePiece models at their
full T) with `--lp-time-limit LIMIT`, and prints rounds, wall seconds, LP and separation
seconds, the objective (the best feasible point), the proven lower bound, the relative gap,
the largest violation found by the final replay of every (step, pair), peak memory, and
whether the solve is optimal (gap within tolerance) or was cut off by the limit. Pair counts
come from the count cache (counted once, then reused), so the seconds are the solve's.
The reference implementation solves this LP with Gurobi (commercial, not installable here),
so there is no reference column: the certificate is the comparison.
"""
import argparse, json, os, re, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from importlib import import_module

TOKSLEUTH = os.path.join(ROOT, ".build", "release", "toksleuth")
FAMILIES = ["languages", "code", "domains"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--limit", type=float, default=600, help="LP seconds per tokenizer before it is cut off")
    parser.add_argument("--merges", type=int, help="T (default: min(30000, merges))")
    parser.add_argument("--method", default=None)
    parser.add_argument("--binary", default=TOKSLEUTH, help="the toksleuth to run (default: .build/release/toksleuth)")
    parser.add_argument("--warm", action="store_true", help="count first (one LP round, untimed), so that wall seconds are the solve's")
    parser.add_argument("--save-dir", help="also write each tokenizer's infer JSON here (NAME.json)")
    parser.add_argument("extra", nargs="*", help="more infer options, after --")
    args = parser.parse_args()
    corpora = os.path.join(args.shared, "corpora")
    if not os.path.isdir(os.path.join(args.shared, "tokenizers")) or not all(os.path.isdir(os.path.join(corpora, f)) for f in FAMILIES):
        print(f"skipped: {args.shared}/tokenizers or {corpora}/{{languages,code,domains}} is absent")
        return
    if not os.path.exists(args.binary):
        print("skipped: build first (swift build -c release)")
        return
    tokenizers = import_module("real-analyses").TOKENIZERS
    names = args.only or list(tokenizers)
    print(f"| tokenizer | T | rounds | wall s | LP s | separation s | flow s | objective | lower bound | gap | largest violation | peak MB | result |")
    print(f"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for name in names:
        command = [args.binary, "infer", "--tokenizer", os.path.join(args.shared, "tokenizers", tokenizers[name][0])]
        for family in FAMILIES:
            command += ["--categories", os.path.join(corpora, family)]
        command += ["--json", "--timings", "--quiet", "--no-result-cache", "--lp-time-limit", str(args.limit)]
        if args.merges:
            command += ["--merges", str(args.merges)]
        if args.method:
            command += ["--lp-method", args.method]
        command += args.extra
        if args.warm:
            subprocess.run(command + ["--lp-max-rounds", "1"], capture_output=True)
        started = time.time()
        result = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True)
        wall = time.time() - started
        peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
        peak_mb = int(peak.group(1)) / 1024 if peak else float("nan")
        if result.returncode != 0:
            print(f"| {name} | | | {wall:.0f} | | | | | | | | {peak_mb:.0f} | failed: {result.stderr.strip().splitlines()[-1] if result.stderr.strip() else result.returncode} |")
            continue
        data = json.loads(result.stdout)
        if args.save_dir:
            os.makedirs(args.save_dir, exist_ok=True)
            with open(os.path.join(args.save_dir, f"{name}.json"), "w") as out:
                out.write(result.stdout)
        s = data["solver"]
        verdict = "optimal" if s["optimal"] else f"NOT optimal ({s['stop_reason']})"
        lower = s.get("lower_bound")
        gap = s.get("gap")
        print(f"| {name} | {data['merges_used']} | {s['rounds']} | {wall:.0f} | {s['lp_seconds']:.0f} | {s['separation_seconds']:.0f} | "
              f"{s.get('flow_seconds', 0):.0f} | {s['objective']:.12g} | {lower if lower is None else f'{lower:.12g}'} | {gap if gap is None else f'{gap:.2g}'} | "
              f"{s['largest_violation']:.2g} | {peak_mb:.0f} | {verdict} |", flush=True)


if __name__ == "__main__":
    main()
