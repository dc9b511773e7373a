#!/usr/bin/env python3
"""Times one LP written by `toksleuth infer --lp-write-mps FILE --lp-write-mps-round R` with
GLPK (glpsol, the project's solver) and with HiGHS (highspy) on the same file, cold, each
with a time limit, and prints their seconds, objectives and the ratio.

    python3 Benchmarks/bench_mps.py FILE [--limit 600] [--max]

A yardstick for the restricted LP: whether a faster simplex would change what the solve can
reach (GLPK stays the project's solver). Skips with a reason when glpsol or highspy is absent.
Free MPS carries no objective sense: pass --max for an LP the interval form wrote (it holds
its LP transposed, the dual, maximised).
"""
import argparse, os, re, shutil, subprocess, sys, time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mps")
    parser.add_argument("--limit", type=float, default=600)
    parser.add_argument("--max", action="store_true", help="the LP is a maximisation")
    args = parser.parse_args()
    if not os.path.exists(args.mps):
        print(f"skipped: {args.mps} is absent (write it with infer --lp-write-mps)")
        return
    glpsol = shutil.which("glpsol")
    try:
        import highspy
    except ImportError:
        highspy = None
    rows = []
    if glpsol:
        started = time.time()
        out = subprocess.run([glpsol, "--freemps", args.mps, "--tmlim", str(int(args.limit)), "--nopresol", "--primal"] +
                             (["--max"] if args.max else []),
                             capture_output=True, text=True)
        seconds = time.time() - started
        objective = re.findall(r"obj =\s*([-+0-9.eE]+)", out.stdout)
        status = "optimal" if "OPTIMAL LP SOLUTION FOUND" in out.stdout else "not solved (limit)"
        rows.append(("GLPK (glpsol, primal, cold)", seconds, objective[-1] if objective else "-", status))
    else:
        print("glpsol absent: GLPK row skipped")
    if highspy:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", args.limit)
        h.readModel(args.mps)
        if args.max:
            h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        started = time.time()
        h.run()
        seconds = time.time() - started
        rows.append((f"HiGHS {h.version()} (default, cold)", seconds, f"{h.getInfo().objective_function_value:.10g}",
                     h.modelStatusToString(h.getModelStatus())))
    else:
        print("highspy absent: HiGHS row skipped (pip install highspy)")
    print("| solver | seconds | objective | status |")
    print("|---|---:|---:|---|")
    for name, seconds, objective, status in rows:
        print(f"| {name} | {seconds:.1f} | {objective} | {status} |")
    if len(rows) == 2:
        print(f"\nGLPK / HiGHS seconds: {rows[0][1] / max(rows[1][1], 1e-9):.2f}")


if __name__ == "__main__":
    main()
