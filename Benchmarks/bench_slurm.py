#!/usr/bin/env python3
"""A 57-category inference through a Slurm job array, against the same inference in one process.

    swift build -c release
    scripts/start-slurm                       # a single-node cluster on this machine
    python3 Benchmarks/bench_slurm.py [--shared ../shared] [--tokenizer gpt2] [--merges 1000]
                                      [--shards 4] [--bootstrap 20] [--work DIR]

`toksleuth plan infer ... --slurm` cuts the job into units (4 counting shards for each of the
57 categories of ../shared/corpora languages + code + domains, and 20 bootstrap replicates),
`submit.sh` submits them as one `sbatch --array` job plus a gather job that waits for all of
them (`afterok`), and the gathered result is compared byte for byte with `toksleuth infer` run
locally on the same options. Prints the task list with each task's wall time (from the units'
logs), the array's wall time, and the local run's. Skips with a reason when ../shared or Slurm
is absent.
"""
import argparse, glob, json, os, re, shutil, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKSLEUTH = os.path.join(ROOT, ".build", "release", "toksleuth")
FAMILIES = ["languages", "code", "domains"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--tokenizer", default="gpt2")
    ap.add_argument("--merges", type=int, default=1000)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--bootstrap", type=int, default=20)
    ap.add_argument("--work", default="/tmp/toksleuth-slurm-bench")
    ap.add_argument("--local", help="a local result already computed with the same options (skips the local run)")
    args = ap.parse_args()
    corpora = [os.path.join(args.shared, "corpora", f) for f in FAMILIES]
    tokenizer = os.path.join(args.shared, "tokenizers", args.tokenizer)
    if not all(os.path.isdir(c) for c in corpora) or not os.path.exists(tokenizer):
        print(f"skipped: {args.shared}/corpora and {tokenizer} are needed")
        return
    if shutil.which("sbatch") is None or subprocess.run(["sinfo", "-h"], capture_output=True).returncode != 0:
        print("skipped: no Slurm cluster answers (scripts/start-slurm starts one on this machine)")
        return
    options = ["--tokenizer", tokenizer] + [x for c in corpora for x in ("--categories", c)] + \
        ["--merges", str(args.merges), "--bootstrap", str(args.bootstrap)]
    shutil.rmtree(args.work, ignore_errors=True)
    plan = subprocess.run([TOKSLEUTH, "plan", "infer", *options, "--shards", str(args.shards), "--work", args.work, "--slurm"],
                          capture_output=True, text=True, check=True)
    print(plan.stdout.strip())
    began = time.monotonic()
    submitted = subprocess.run(["sh", os.path.join(args.work, "submit.sh")], capture_output=True, text=True, check=True)
    print(submitted.stdout.strip())
    gather_job = submitted.stdout.strip().split()[-1]
    units_job = re.search(r"units: job (\d+)", submitted.stdout).group(1)
    while subprocess.run(["squeue", "-h", "-j", f"{units_job},{gather_job}"], capture_output=True, text=True).stdout.strip():
        time.sleep(2)
    array_seconds = time.monotonic() - began
    result = os.path.join(args.work, "result.json")
    if not os.path.exists(result):
        sys.exit(f"the gather job wrote no result: see {args.work}/logs/gather.log")
    # The task list: every unit's log line says what it ran and in how long.
    rows = []
    for log in sorted(glob.glob(os.path.join(args.work, "logs", "unit-*.log")), key=lambda p: int(re.findall(r"\d+", p)[-1])):
        text = open(log).read().strip()
        match = re.search(r"unit (\d+) \((.*)\): (done|already complete) in ([\d.]+)s", text)
        rows.append((int(match.group(1)), match.group(2), float(match.group(4))) if match else (log, text[-200:], None))
    print(f"\n{'task':>5}  {'unit':34} {'seconds':>8}")
    for index, label, seconds in rows:
        print(f"{index:>5}  {label:34} {seconds:8.2f}")
    counted = [s for _, label, s in rows if s is not None and label.startswith("count")]
    replicates = [s for _, label, s in rows if s is not None and label.startswith("bootstrap")]
    print(f"\n{len(rows)} tasks: {len(counted)} counting shards ({sum(counted):.1f} s in all), {len(replicates)} replicates "
          f"({sum(replicates):.1f} s in all); submit to gathered result: {array_seconds:.1f} s")
    local = args.local
    if not local:
        local = os.path.join(args.work, "local.json")
        began = time.monotonic()
        subprocess.run([TOKSLEUTH, "infer", *options, "--json", "--no-cache", "--quiet", "--output", local], check=True)
        print(f"local infer (one process, same options): {time.monotonic() - began:.1f} s")
    same = open(local, "rb").read() == open(result, "rb").read()
    print("gathered result byte-identical to the local run:", "yes" if same else "NO")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
