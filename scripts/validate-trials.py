#!/usr/bin/env python3
"""Run `toksleuth validate` on every trial an `experiment --keep-dir` kept, with the trial's true
mixture, and print the table the proxy-run acceptance asks for.

    toksleuth experiment --categories ../shared/corpora/languages --n 5 --trials 10 --methods attack --keep-dir /tmp/exp10
    python3 scripts/validate-trials.py /tmp/exp10 --categories ../shared/corpora/languages [--mixture truth|inferred]

Per trial: the true mixture's rank among the 13 candidates (given, uniform, largest alone, 10
perturbations) by the rank correlation of shared merges, whether it beats every perturbation,
its rank correlation and mean merge overlap beside the best perturbation's, and the round
trip's log10 MSE.
"""
import argparse, glob, json, os, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, ".build", "release", "toksleuth")

ap = argparse.ArgumentParser()
ap.add_argument("folder")
ap.add_argument("--categories", required=True)
ap.add_argument("--mixture", choices=["truth", "inferred"], default="truth")
ap.add_argument("--extra", nargs=argparse.REMAINDER, default=[])
args = ap.parse_args()

rows, beats, beats_overlap, trips = [], 0, 0, []
trials = sorted(glob.glob(os.path.join(args.folder, "trial-*")))
for trial in trials:
    mixture = os.path.join(trial, "mixture.json")
    if args.mixture == "inferred":
        result = json.load(open(os.path.join(trial, "result.json")))
        mixture = os.path.join(trial, "inferred.json")
        json.dump(dict(zip(result["categories"], result["estimates"]["attack"])), open(mixture, "w"))
    out = subprocess.run([TOOL, "validate", "--tokenizer", os.path.join(trial, "tokenizer.json"), "--categories", args.categories,
                          "--mixture", mixture, "--quiet", "--json", *args.extra], capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{trial}: {out.stderr.strip()}")
    r = json.loads(out.stdout)
    given = r["candidates"][0]["comparison"]
    perturbed = [c["comparison"] for c in r["candidates"] if c["label"].startswith("perturbed")]
    mean = lambda c: sum(c["overlap"].values()) / len(c["overlap"])
    beats += r["beats_every_perturbation"]
    beats_overlap += all(mean(given) > mean(p) for p in perturbed)
    trip = r.get("round_trip")
    trips.append(trip["log10_mse"] if trip else float("nan"))
    rows.append(f"| {os.path.basename(trial)} | {', '.join(r['names'])} | {r['rank']} of {len(r['candidates'])} | "
                f"{'yes' if r['beats_every_perturbation'] else 'no'} | {given['rank_correlation']:.4f} | "
                f"{max(p['rank_correlation'] for p in perturbed):.4f} | {mean(given):.4f} | {max(mean(p) for p in perturbed):.4f} | "
                + (f"{trip['log10_mse']:.2f} |" if trip else "- |"))
print(f"| trial | categories | rank of the {args.mixture} mixture | beats every perturbation | its rank corr. | best perturbation's | "
      "its mean overlap | best perturbation's | round trip log10 MSE |")
print("|---|---|---:|---|---:|---:|---:|---:|---:|")
print("\n".join(rows))
finite = [t for t in trips if t == t]
print(f"\nbeats every perturbation in {beats} of {len(trials)} trials by rank correlation (the score), "
      f"{beats_overlap} by mean overlap; round trip log10 MSE mean {sum(finite) / len(finite):.2f}, "
      f"worst {max(finite):.2f}")
