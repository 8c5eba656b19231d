#!/usr/bin/python3
"""Turn tools/benchmark.sh's raw measurements into docs/benchmarks.md.

Every number in the page comes from the files in --raw; nothing is estimated except the
FLOP count of a step (6.8 GFLOP at B=32, T=30, the issue's figure), which turns a step
time into an effective rate.
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess

STEP_GFLOP = 6.8   # one tutorial-size training step (B = 32, T = 30)
# Sections of the page after this line are written by hand from other tools' runs
# (tools/bench_load.c, ...) and carried over when the page is rewritten.
KEPT_MARK = "<!-- kept by hand below this line -->"


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def load(raw):
    rows = []
    with open(os.path.join(raw, "results.jsonl")) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rows.append(json.loads(line))
    return rows


def pick(rows, **kw):
    return [r for r in rows if all(r.get(k) == v for k, v in kw.items())]


def best_step(rows, env, impl, b, t):
    c = pick(rows, env=env, impl=impl, what="step", B=b, T=t)
    return min(c, key=lambda r: r["median_ms"]) if c else None


def best_inf(rows, env, impl, what="inference"):
    c = pick(rows, env=env, impl=impl, what=what)
    return max(c, key=lambda r: r["phrases_per_s"]) if c else None


def first_step_rss(rows, env, impl, threads):
    c = pick(rows, env=env, impl=impl, what="step", threads=threads)
    return c[0]["peak_rss_mb"] if c else None


def fmt(x, spec=".1f"):
    return "n/a" if x is None else format(x, spec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--command", default="tools/benchmark.sh")
    ap.add_argument("--torch-loop", default="", help="comma-separated metrics CSVs")
    ap.add_argument("--torch-loop-note", default="", help="how those runs were made")
    a = ap.parse_args()
    rows = load(a.raw)
    envs = [("asis", "as is (OPENBLAS_CORETYPE=%s, OPENBLAS_L2_SIZE=%s)" % (
        open(os.path.join(a.raw, "coretype")).read().strip(),
        open(os.path.join(a.raw, "l2size")).read().strip())),
        ("unset", "both OPENBLAS_ variables unset")]
    torch_version = next((r["version"] for r in rows if r["impl"] == "pytorch"), "n/a")
    lib_version = next((r["version"] for r in rows if r["impl"] == "liblstmsent"), "n/a")
    shapes = sorted({(r["B"], r["T"]) for r in rows if r["what"] == "step"},
                    key=lambda s: (s[0], s[1]))

    L = []
    w = L.append
    w("# Benchmarks: liblstmsent beside PyTorch 1.13")
    w("")
    w("Written by `tools/benchmark.sh` (do not edit by hand; rerun it). Every number below "
      "was measured in that one run; ratios are PyTorch's time over liblstmsent's. The "
      "sections after the line `%s` at the end are measured by their own tools, kept by "
      "hand, and carried over when this page is rewritten." % KEPT_MARK)
    w("")
    w("## Machine and environment")
    w("")
    w("| | |")
    w("| --- | --- |")
    w("| date | %s |" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    family = sh("sed -n 's/^cpu family[[:space:]]*: *//p' /proc/cpuinfo | head -n 1")
    w("| CPU | %s, cpu family %s, model %s (%s) |" % (
        sh("lscpu | sed -n 's/^Model name: *//p'"), family,
        sh("sed -n 's/^model[[:space:]]*: *//p' /proc/cpuinfo | head -n 1"),
        {"25": "Zen 4: AVX-512 on 256-bit units", "26": "Zen 5: full 512-bit units"}.get(
            family, "another kind")))
    w("| nproc | %s |" % sh("nproc"))
    w("| CPU flags (SIMD) | %s |" % " ".join(
        f for f in sh("grep -m1 '^flags' /proc/cpuinfo").split()
        if f in ("avx2", "fma", "avx512f", "avx512bw", "avx512vl")))
    w("| kernel | %s |" % platform.release())
    def raw_text(name):
        p = os.path.join(a.raw, name)
        return open(p).read().strip() if os.path.exists(p) else "n/a"
    w("| load average at the start / end | %s / %s |" % (raw_text("load_start"),
                                                         sh("cut -d' ' -f1-3 /proc/loadavg")))
    busy = (raw_text("busy_start"), sh("pgrep -f '[p]ython3 examples/tutorial_pytorch' | wc -l"))
    w("| other jobs | %s |" % ("PyTorch fidelity runs (examples/tutorial_pytorch.py) were "
                                 "running: %s at the start, %s at the end; timings are noisy"
                                 % busy if busy != ("0", "0") else
                                 "no fidelity run was running at the start or the end"))
    w("| liblstmsent | %s, %s |" % (lib_version, sh("gcc --version | head -1")))
    w("| OpenBLAS | %s |" % (sh("dpkg-query -W -f='${Package} ${Version}' "
                                "libopenblas0-pthread 2>/dev/null") or "n/a"))
    w("| PyTorch | %s (`/usr/bin/python3`) |" % torch_version)
    w("| environments | %s; %s |" % (envs[0][1], envs[1][1]))
    w("")
    # Only the knobs that mean the same on another machine; paths of earlier runs do not.
    knobs = " ".join("%s=%s" % (k, os.environ[k]) for k in
                     ("SHAPES", "TORCH_SHAPES", "STEPS", "WARMUP", "TUTORIAL")
                     if os.environ.get(k))
    w("Reproduce: `meson setup build && ninja -C build && %s%s` (TUTORIAL=1 adds the "
      "200-epoch loop; TORCH_LOOP=metrics.csv reads PyTorch's from a finished "
      "`examples/tutorial_pytorch.py` run)." % (knobs + " " if knobs else "", a.command))
    w("")
    w("Each step is the tutorial's whole training step on real batches of train.tsv "
      "(zero_grad, forward, loss, backward, clip_grad_norm at 5, Adam lr 0.01 over every "
      "parameter), the median of %s steps after warm-up; each side at 1 and 2 threads, "
      "the better one reported (threads in brackets). Inference: evaluation-mode forwards "
      "of batch 256 over all of dev.tsv (T = 30), phrases per second, from a zero state "
      "each batch; liblstmsent's rows share the states of common id prefixes (exact to "
      "the bit, docs/model.md), and the page also gives its rate without that. Peak RSS: getrusage "
      "after the B=32, T=30 steps. sgemm: the best 2048^3 `cblas_sgemm` in the C process, "
      "same thread count and environment." % next(
          (r["steps"] for r in rows if r["what"] == "step"), "?"))
    w("")

    w("## The tutorial's training step (B = 32, T = 30) and inference")
    w("")
    hdr = "| | " + " | ".join(e[0] == "asis" and "env as is" or "OPENBLAS_ unset" for e in envs) + " |"
    w(hdr)
    w("| --- | --- | --- |")
    cells = {}
    for env, _ in envs:
        c = best_step(rows, env, "liblstmsent", 32, 30)
        t = best_step(rows, env, "pytorch", 32, 30)
        ci = best_inf(rows, env, "liblstmsent")
        ti = best_inf(rows, env, "pytorch")
        sg = None
        if c:
            s = pick(rows, env=env, what="sgemm", threads=c["threads"])
            sg = s[0]["gflops"] if s else None
        sg_all = max((r["gflops"] for r in pick(rows, env=env, what="sgemm")), default=None)
        cu = best_inf(rows, env, "liblstmsent", "inference_unshared")
        cells[env] = dict(c=c, t=t, ci=ci, ti=ti, cu=cu, sg=sg, sg_all=sg_all)

    def row(label, f):
        w("| %s | %s |" % (label, " | ".join(f(cells[e]) for e, _ in envs)))

    row("liblstmsent step, ms", lambda d: "%s (%d thr)" % (fmt(d["c"]["median_ms"]), d["c"]["threads"]) if d["c"] else "n/a")
    row("PyTorch step, ms", lambda d: "%s (%d thr)" % (fmt(d["t"]["median_ms"]), d["t"]["threads"]) if d["t"] else "n/a")
    row("**speed-up**", lambda d: "**%.1fx**" % (d["t"]["median_ms"] / d["c"]["median_ms"]) if d["c"] and d["t"] else "n/a")
    row("liblstmsent effective GFLOP/s (6.8 GFLOP / step)", lambda d: fmt(STEP_GFLOP / d["c"]["median_ms"] * 1e3) if d["c"] else "n/a")
    row("large sgemm GFLOP/s, step's thread count (best of 1, 2 threads)", lambda d: "%s (%s)" % (fmt(d["sg"]), fmt(d["sg_all"])))
    row("**step's rate / best sgemm rate**", lambda d: "**%.0f%%**" % (100 * STEP_GFLOP / d["c"]["median_ms"] * 1e3 / d["sg_all"]) if d["c"] and d["sg_all"] else "n/a")
    row("liblstmsent inference, phrases/s", lambda d: "%s (%d thr)" % (fmt(d["ci"]["phrases_per_s"], ".0f"), d["ci"]["threads"]) if d["ci"] else "n/a")
    row("PyTorch inference, phrases/s", lambda d: "%s (%d thr)" % (fmt(d["ti"]["phrases_per_s"], ".0f"), d["ti"]["threads"]) if d["ti"] else "n/a")
    row("**inference speed-up**", lambda d: "**%.1fx**" % (d["ci"]["phrases_per_s"] / d["ti"]["phrases_per_s"]) if d["ci"] and d["ti"] else "n/a")
    row("liblstmsent inference without shared prefixes (LSTMSENT_SHARE_PREFIX=0), phrases/s", lambda d: "%s (%d thr)" % (fmt(d["cu"]["phrases_per_s"], ".0f"), d["cu"]["threads"]) if d["cu"] else "n/a")
    row("inference speed-up without shared prefixes", lambda d: "%.1fx" % (d["cu"]["phrases_per_s"] / d["ti"]["phrases_per_s"]) if d["cu"] and d["ti"] else "n/a")
    row("liblstmsent peak RSS training, MB (1 / 2 thr)", lambda d: "%s / %s" % (
        fmt(first_step_rss(rows, env_of(d), "liblstmsent", 1)), fmt(first_step_rss(rows, env_of(d), "liblstmsent", 2))))
    row("PyTorch peak RSS training, MB (1 / 2 thr)", lambda d: "%s / %s" % (
        fmt(first_step_rss(rows, env_of(d), "pytorch", 1)), fmt(first_step_rss(rows, env_of(d), "pytorch", 2))))
    w("")

    w("## Targets (issue: speed)")
    w("")
    w("| target | env as is | OPENBLAS_ unset |")
    w("| --- | --- | --- |")

    def verdict(ok, text):
        return ("met: " if ok else "**missed**: ") + text

    def tgt(label, f):
        w("| %s | %s |" % (label, " | ".join(f(e, cells[e]) for e, _ in envs)))

    def speed_t(e, d):
        need = 4.0 if e == "asis" else 8.0
        if not (d["c"] and d["t"]):
            return "n/a"
        r = d["t"]["median_ms"] / d["c"]["median_ms"]
        return verdict(r >= need, "%.1fx (need %.0fx)" % (r, need))
    tgt("training step >= 4x PyTorch (as is), >= 8x (unset)", speed_t)

    def rate_t(e, d):
        if not (d["c"] and d["sg_all"]):
            return "n/a"
        r = STEP_GFLOP / d["c"]["median_ms"] * 1e3 / d["sg_all"]
        return verdict(r >= 0.6, "%.0f%% of the best sgemm (%.0f GFLOP/s)" % (100 * r, d["sg_all"]))
    tgt("step's effective rate >= 60% of the large sgemm", rate_t)

    def inf_t(e, d):
        if not (d["ci"] and d["ti"]):
            return "n/a"
        r = d["ci"]["phrases_per_s"] / d["ti"]["phrases_per_s"]
        return verdict(r >= 4.0, "%.1fx" % r)
    tgt("inference >= 4x PyTorch's phrases/s", inf_t)

    def rss_t(e, d):
        v = [x for x in (first_step_rss(rows, e, "liblstmsent", 1),
                         first_step_rss(rows, e, "liblstmsent", 2)) if x is not None]
        return verdict(max(v) <= 300, "%.0f MB" % max(v)) if v else "n/a"
    tgt("peak memory while training <= 300 MB", rss_t)

    def lin_t(e, d):
        base = best_step(rows, e, "liblstmsent", 32, 30)
        vals = []
        for b, t in shapes:
            c = best_step(rows, e, "liblstmsent", b, t)
            if c and base and (b, t) != (32, 30):
                vals.append("%dx%d %.2f" % (b, t, c["median_ms"] / (b * t) / (base["median_ms"] / 960)))
        return ("time per B*T position vs 32x30: " + ", ".join(vals)) if vals else "n/a"
    tgt("time per step grows linearly (T = 30, 60, 120; B = 32, 128)", lin_t)
    w("")
    w("The effective rate is 6.8 GFLOP (the issue's count of one step's work) over the step "
      "time; liblstmsent does less than that work (layer 0 per distinct id, the skipped "
      "t = 0 product), so it can exceed the sgemm rate.")
    w("")

    w("## Every shape, both thread counts (median ms per step)")
    w("")
    w("| env | B x T | liblstmsent 1 thr | liblstmsent 2 thr | PyTorch 1 thr | PyTorch 2 thr | "
      "best / best | liblstmsent per B*T vs 32x30 |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for env, _ in envs:
        base = best_step(rows, env, "liblstmsent", 32, 30)
        for b, t in shapes:
            def get(impl, th):
                r = pick(rows, env=env, impl=impl, what="step", B=b, T=t, threads=th)
                return r[0]["median_ms"] if r else None
            c = best_step(rows, env, "liblstmsent", b, t)
            p = best_step(rows, env, "pytorch", b, t)
            ratio = "%.1fx" % (p["median_ms"] / c["median_ms"]) if c and p else "n/a"
            lin = ("%.2f" % (c["median_ms"] / (b * t) / (base["median_ms"] / (32 * 30)))
                   if c and base else "n/a")
            w("| %s | %d x %d | %s | %s | %s | %s | %s | %s |" % (
                env, b, t, fmt(get("liblstmsent", 1)), fmt(get("liblstmsent", 2)),
                fmt(get("pytorch", 1)), fmt(get("pytorch", 2)), ratio, lin))
    w("")
    w("The last column is liblstmsent's time per B*T position relative to the tutorial's "
      "shape: 1.00 is exactly linear growth.")
    w("")

    w("## Where liblstmsent's step goes (median ms per part, B = 32, T = 30)")
    w("")
    w("| env | threads | zero_grad | forward | loss | backward | clip | adam |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for env, _ in envs:
        for r in pick(rows, env=env, impl="liblstmsent", what="step", B=32, T=30):
            p = r.get("parts_ms", {})
            w("| %s | %d | %s |" % (env, r["threads"], " | ".join(
                fmt(p.get(k), ".2f") for k in ("zero_grad", "forward", "loss", "backward", "clip", "adam"))))
    w("")

    w("## The tutorial's 200-epoch loop")
    w("")
    tut_out = os.path.join(a.raw, "tutorial.out")
    c_loop = "not run (TUTORIAL=1 runs it)"
    if os.path.exists(tut_out):
        m = re.search(r"wall time: ([0-9.]+) s for (\d+) epochs \(([0-9.]+) ms per step\), (\d+) thread",
                      open(tut_out).read())
        tm = open(os.path.join(a.raw, "tutorial.time")).read()
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", tm)
        if m:
            c_loop = "%s s for %s epochs (%s ms per step, %s thread), peak RSS %s MB" % (
                m.group(1), m.group(2), m.group(3), m.group(4),
                "%.0f" % (int(rss.group(1)) / 1024) if rss else "n/a")
        else:
            c_loop = "failed: see the run's output"
        src = os.path.join(a.raw, "tutorial_from")
        if os.path.exists(src):
            c_loop += "; not timed in this run but taken from an earlier one, %s" % open(src).read().strip()
    w("- liblstmsent, `build/examples/tutorial` (environment as is): %s" % c_loop)
    t_loop = "not available (no finished fidelity run given as TORCH_LOOP)"
    walls = []
    runs = []
    for path in [p for p in a.torch_loop.split(",") if p]:
        if not os.path.exists(path):
            runs.append("`%s` is missing" % path)
            continue
        one = None
        for line in open(path):
            if line.startswith("summary,"):
                f = line.strip().split(",")
                one = "%s s for %s epochs (`%s`" % (f[4], f[1], path)
                walls.append(float(f[4]))
        if one is None:
            last = [l for l in open(path) if l.startswith("epoch,")]
            one = "the run in `%s` has no summary row (unfinished%s" % (
                path, ", last epoch " + last[-1].split(",")[1] if last else "")
        log = os.path.splitext(path)[0] + ".log"
        if os.path.exists(log):
            rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(log).read())
            if rss:
                one += ", peak RSS %.0f MB" % (int(rss.group(1)) / 1024)
        runs.append(one + ")")
    if runs:
        t_loop = "; ".join(runs)
        if len(walls) > 1:
            t_loop += "; mean %.0f s" % (sum(walls) / len(walls))
    if a.torch_loop_note:
        t_loop += ". " + a.torch_loop_note
    w("- PyTorch, `examples/tutorial_pytorch.py` (the fidelity runs): %s" % t_loop)
    c_wall = re.search(r"^([0-9.]+) s for", c_loop)
    if walls and c_wall:
        w("- PyTorch's mean over liblstmsent's: **%.1fx** (the two were not timed side by side;"
          " see the conditions above)" % (sum(walls) / len(walls) / float(c_wall.group(1))))
    w("")
    kept = ""
    if os.path.exists(a.out):
        old = open(a.out).read()
        if KEPT_MARK in old:
            kept = old[old.index(KEPT_MARK):]
    with open(a.out, "w") as f:
        f.write("\n".join(L) + "\n" + kept)


def env_of(d):
    for r in (d["c"], d["t"]):
        if r:
            return r["env"]
    return None


if __name__ == "__main__":
    main()
