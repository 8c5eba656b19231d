#!/usr/bin/python3
"""The cost of the Python binding: one training step from Python beside the same step from C.

    /usr/bin/python3 tools/benchmark_python.py [--build build] [--out docs/benchmarks.md]
        [--rounds 3] [--steps 30] [--warmup 5]

For each thread count (1 and 2), runs tools/bench_step (C) and the same step through the
lstmsent package (zero_grad, forward, criterion, backward, clip_grad_norm_, Adam step: the
tutorial's model on train.tsv's vocabulary, real batches of 32 x 30 from the same sampler
and seed, the state carried from batch to batch), alternating C and Python for --rounds
rounds so that both see the same machine; each run reports the median of --steps steps
after --warmup. Then the same for a tiny model (E = H = 8, bench_step --embed 8 --hidden 8),
whose step is almost all call overhead, so that the binding's own cost per step shows in
microseconds. Writes the section
between <!-- python-benchmark:begin --> and <!-- python-benchmark:end --> of --out.
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BEGIN, END = "<!-- python-benchmark:begin -->", "<!-- python-benchmark:end -->"
sys.path.insert(0, os.path.join(ROOT, "tools"))
from benchmark_epoch import cpu_info  # noqa: E402

PY_STEP = r"""
import json, sys, time
import numpy as np
import lstmsent
train, threads, steps, warmup, E, H = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
B, T = 32, 30
lstmsent.set_threads(threads)
corpus = lstmsent.Corpus.from_tsv(train)
data = lstmsent.PhraseDataset(corpus, T)
loader = lstmsent.DataLoader(data, batch_size=B, samples=(warmup + steps) * B, seed=0,
                             drop_last=True)
net = lstmsent.SentimentRNN(corpus.vocab_size + 1, 5, E, H, 2)
opt = lstmsent.Adam(net.parameters(), lr=0.01)
h = net.init_hidden(B)
times = []
clock = time.perf_counter
for s, (inputs, labels) in enumerate(loader):
    t0 = clock()
    opt.zero_grad()
    output, h = net(inputs, h)
    loss = lstmsent.criterion(output, labels)
    loss.backward()
    lstmsent.clip_grad_norm_(net.parameters(), 5)
    opt.step()
    t1 = clock()
    if s >= warmup:
        times.append(t1 - t0)
print(json.dumps({"impl": "python", "threads": threads, "median_ms":
                  1e3 * float(np.median(times)), "steps": len(times)}))
"""

def run_json(cmd, env):
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"benchmark_python: {cmd[0]} failed ({p.returncode}):\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    train = os.path.join(ROOT, "data", "train.tsv")
    lib = os.path.join(build, "lib", "liblstmsent.so.0")
    env = dict(os.environ, LSTMSENT_LIBRARY=lib, PYTHONPATH=os.path.join(ROOT, "python"))
    bench_step = os.path.join(build, "tools", "bench_step")

    rows = []
    for label, E, H, thread_counts in (("tutorial model (E 400, H 256)", 400, 256, (1, 2)),
                                       ("tiny model (E 8, H 8): call overhead", 8, 8, (1,))):
        for th in thread_counts:
            c_ms, py_ms = [], []
            # The tiny model's steps take a millisecond: ten times as many of them.
            steps = args.steps * (1 if E == 400 else 10)
            warm = args.warmup * (1 if E == 400 else 10)
            for _ in range(args.rounds):
                r = run_json([bench_step, "--threads", str(th), "--steps", str(steps),
                              "--warmup", str(warm), "--shapes", "32x30", "--embed", str(E),
                              "--hidden", str(H), "--no-inference", "--no-sgemm"], env)
                c_ms.append(r["median_ms"])
                r = run_json(["/usr/bin/python3", "-c", PY_STEP, train, str(th), str(steps),
                              str(warm), str(E), str(H)], env)
                py_ms.append(r["median_ms"])
            c, py = statistics.median(c_ms), statistics.median(py_ms)
            rows.append((label, th, c, py, c_ms, py_ms))
            print(f"{label}, {th} thread(s): C {c:.3f} ms, Python {py:.3f} ms, "
                  f"{100 * (py / c - 1):+.1f}%", flush=True)

    cpu = cpu_info()
    blas_env = ("OPENBLAS_CORETYPE=" + os.environ["OPENBLAS_CORETYPE"]
                if "OPENBLAS_CORETYPE" in os.environ else "OPENBLAS_CORETYPE unset")
    lines = [BEGIN, "## The Python binding's cost per training step",
             "",
             f"`tools/benchmark_python.py`, {datetime.date.today()}, on a {cpu['kind']} host "
             f"({cpu['model_name']}, cpu family {cpu['family']} model {cpu['model']}, "
             f"{cpu['nproc']} vCPUs; {blas_env}). One training step (zero_grad, forward, "
             "loss, backward, clip, Adam) of the same model on the same batches (32 x 30 "
             "rows of train.tsv from the same sampler seed), timed in C by "
             "`tools/bench_step` and in Python through the `lstmsent` package; each figure "
             f"is the median over {args.rounds} alternating runs of the median of their "
             "steps.",
             "",
             "| model | threads | C, ms/step | Python, ms/step | Python over C | runs (C; Python) |",
             "| --- | --- | --- | --- | --- | --- |"]
    for label, th, c, py, c_ms, py_ms in rows:
        lines.append(f"| {label} | {th} | {c:.3f} | {py:.3f} | {100 * (py / c - 1):+.1f}% "
                     f"({1e3 * (py - c):+.0f} µs) | {', '.join(f'{x:.3f}' for x in c_ms)}; "
                     f"{', '.join(f'{x:.3f}' for x in py_ms)} |")
    notes = []
    for label, th, c, py, c_ms, py_ms in rows:
        spread = max(c_ms) - min(c_ms)
        notes.append(f"{label} at {th} thread(s): the difference, {1e3 * (py - c):+.0f} µs, is "
                     + ("within" if abs(py - c) <= spread else "outside")
                     + f" the spread of the C runs ({1e3 * spread:.0f} µs).")
    lines += [""] + [f"- {n}" for n in notes]
    lines += ["",
              "The binding passes numpy's buffers to the library as they are (int32 ids, "
              "float32 outputs and states), and ctypes releases the GIL for each call. What "
              "it adds per step is the calls themselves, argument checks and a new output "
              "array and state per forward: the tiny model's row is that cost alone.",
              END]
    section = "\n".join(lines) + "\n"
    text = open(args.out).read() if os.path.exists(args.out) else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(args.out, "w") as f:
        f.write(text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
