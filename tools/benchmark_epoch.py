#!/usr/bin/python3
"""Full-epoch training, classification and memory, liblstmsent beside PyTorch, in one run.

    /usr/bin/python3 tools/benchmark_epoch.py [--build build] [--out docs/benchmarks.md]
        [--torch-steps 0] [--threads 2]

Measures, one after the other (never two at once):
  1. `lstmsent train` with the recommended defaults for one epoch over data/train.tsv at
     --threads, evaluating on data/dev.tsv, under /usr/bin/time -v: the epoch's training
     time (the metrics file's train_seconds), the whole command's wall time and its peak RSS;
  2. PyTorch 1.13 with the same model, hyperparameters and pack_padded_sequence
     (tools/bench_epoch_torch.py) at the same thread count: the whole epoch, or with
     --torch-steps N its first N steps and the epoch extrapolated from them (said so in
     the page);
  3. tools/bench_classify on the model trained in 1: phrases/s over dev.tsv from raw text,
     and the latency of one 10-token sentence (median and 99th percentile of 1,000 calls).
Writes the section between the markers <!-- epoch-benchmark:begin --> and
<!-- epoch-benchmark:end --> of --out (appended when absent), naming the CPU.
"""
import argparse
import csv
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BEGIN, END = "<!-- epoch-benchmark:begin -->", "<!-- epoch-benchmark:end -->"


def cpu_info():
    info = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            if ":" not in line:
                continue
            key, value = (s.strip() for s in line.split(":", 1))
            if key in ("model name", "cpu family", "model", "flags") and key not in info:
                info[key] = value
    flags = info.get("flags", "").split()
    simd = [f for f in ("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16",
                        "avx512_vnni") if f in flags]
    family = info.get("cpu family", "?")
    kind = {"25": "Zen 4", "26": "Zen 5"}.get(family, "unknown kind")
    return {"model_name": info.get("model name", "?"), "family": family,
            "model": info.get("model", "?"), "simd": " ".join(simd), "kind": kind,
            "nproc": os.cpu_count()}


def time_v(cmd, env=None):
    """Run cmd under /usr/bin/time -v; returns (stdout, wall seconds, peak RSS MB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        p = subprocess.run(["/usr/bin/time", "-v", "-o", tf.name] + cmd, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            sys.exit("benchmark_epoch: %s failed (%d):\n%s" % (cmd[0], p.returncode, p.stderr))
        text = tf.read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
    return p.stdout, secs, rss


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--torch-steps", type=int, default=0,
                    help="time only the first N PyTorch steps and extrapolate (0: whole epoch)")
    ap.add_argument("--torch-python", default=os.environ.get("LSTMSENT_TORCH_PYTHON",
                                                             "/usr/bin/python3"))
    args = ap.parse_args()
    train_tsv = os.path.join(ROOT, "data", "train.tsv")
    dev_tsv = os.path.join(ROOT, "data", "dev.tsv")
    lstmsent = os.path.join(args.build, "programs", "lstmsent")
    started = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
    load_start = open("/proc/loadavg").read().split()[:3]
    cpu = cpu_info()

    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "model.safetensors")
        metrics = os.path.join(tmp, "metrics.csv")
        print("== lstmsent train, 1 epoch", file=sys.stderr)
        out, wall, rss = time_v([lstmsent, "train", "--train", train_tsv, "--dev", dev_tsv,
                                 "--out", model, "--metrics", metrics, "--epochs", "1",
                                 "--threads", str(args.threads), "--progress", "none"])
        row = list(csv.DictReader(open(metrics)))[0]
        ours = {"train_seconds": float(row["train_seconds"]), "epoch_seconds":
                float(row["seconds"]), "wall": wall, "rss": rss,
                "dev_acc": float(row["dev_acc"]), "dev_sentence_acc":
                float(row["dev_sentence_acc"]), "train_loss": float(row["train_loss"])}
        defaults = subprocess.run([lstmsent, "train", "--help"], stdout=subprocess.PIPE,
                                  text=True).stdout

        print("== PyTorch, 1 epoch", file=sys.stderr)
        cfg = recommended(defaults)
        tout, twall, trss = time_v([args.torch_python,
                                    os.path.join(ROOT, "tools", "bench_epoch_torch.py"),
                                    "--threads", str(args.threads), "--batch", cfg["batch"],
                                    "--seq-len", cfg["seq-len"], "--lr", cfg["lr"],
                                    "--lstm-dropout", cfg["lstm-dropout"],
                                    "--output-dropout", cfg["output-dropout"],
                                    "--min-count", cfg["min-count"], "--embed", cfg["embed"],
                                    "--hidden", cfg["hidden"], "--layers", cfg["layers"],
                                    "--max-steps", str(args.torch_steps)])
        torch = json.loads(tout.strip().splitlines()[-1])
        torch["rss"] = trss

        print("== bench_classify", file=sys.stderr)
        cout, _, _ = time_v([os.path.join(args.build, "tools", "bench_classify"), model,
                             dev_tsv, "--threads", str(args.threads)])
        cls = [json.loads(line) for line in cout.splitlines() if line.startswith("{")]
        thr = next(c for c in cls if c["what"] == "classify_throughput")
        lat = next(c for c in cls if c["what"] == "classify_latency")
        lat1_out, _, _ = time_v([os.path.join(args.build, "tools", "bench_classify"), model,
                                 dev_tsv, "--threads", "1", "--runs", "1"])
        lat1 = next(json.loads(line) for line in lat1_out.splitlines()
                    if '"classify_latency"' in line)

    load_end = open("/proc/loadavg").read().split()[:3]
    ratio = torch["epoch_seconds"] / ours["train_seconds"]
    extrap = (" (extrapolated from its first %d of %d steps, %.1f s)" %
              (torch["steps"], torch["epoch_steps"], torch["seconds"])
              if torch["extrapolated"] else "")
    lines = [
        BEGIN,
        "## A full epoch of the recommended configuration, and classification from text",
        "",
        "Measured by `/usr/bin/python3 tools/benchmark_epoch.py%s` on %s, one measurement "
        "at a time; load average %s at the start, %s at the end." % (
            " --torch-steps %d" % args.torch_steps if args.torch_steps else "", started,
            " ".join(load_start), " ".join(load_end)),
        "CPU: %s, cpu family %s, model %s (%s), %d vCPUs; SIMD: %s. OPENBLAS_CORETYPE=%s." % (
            cpu["model_name"], cpu["family"], cpu["model"], cpu["kind"], cpu["nproc"],
            cpu["simd"], os.environ.get("OPENBLAS_CORETYPE", "(unset)")),
        "",
        "The recommended configuration (`lstmsent train`'s defaults, docs/quality.md): %s, "
        "logits head, last-token pooling, padding_idx 0, words seen fewer than min-count "
        "times as the unknown id (%d embedding rows), Adam, clipping at 5; full shuffled "
        "epochs. PyTorch runs the same model with the same vocabulary and hyperparameters, "
        "`pack_padded_sequence` skipping the padding (tools/bench_epoch_torch.py)." % (
            ", ".join("%s %s" % kv for kv in sorted(cfg.items())), torch["embedding_rows"]),
        "",
        "| one epoch over train.tsv (159,274 phrases), %d threads | liblstmsent | PyTorch 1.13 "
        "(pack_padded_sequence) |" % args.threads,
        "| --- | --- | --- |",
        "| training time of the epoch | **%.1f s** | %.1f s%s |" % (
            ours["train_seconds"], torch["epoch_seconds"], extrap),
        "| per step (%d steps) | %.2f ms | %.2f ms |" % (
            torch["epoch_steps"], 1e3 * ours["train_seconds"] / torch["epoch_steps"],
            torch["ms_per_step"]),
        "| speed-up | **%.1fx** | 1x |" % ratio,
        "| peak RSS | %.0f MB (`lstmsent train`, whole run: corpus, dev evaluation, saves) "
        "| %.0f MB |" % (ours["rss"], torch["rss"]),
        "",
        "`lstmsent train` took %.1f s in all (loading train.tsv and dev.tsv, the epoch, the "
        "evaluation on dev, saving the model and the checkpoint); after this one epoch dev "
        "accuracy was %.4f on phrases and %.4f on sentences." % (
            ours["wall"], ours["dev_acc"], ours["dev_sentence_acc"]),
        "",
        "| classification from raw text (tokenising included), the model of that epoch | "
        "result |",
        "| --- | --- |",
        "| throughput over dev.tsv (%d phrases), %d threads | **%s phrases/s** |" % (
            thr["phrases"], thr["threads"], format(round(thr["phrases_per_s"]), ",")),
        "| one %d-token sentence, %d threads: median / 99th percentile of %d calls | "
        "**%.3f ms** / %.3f ms |" % (lat["tokens"], lat["threads"], lat["calls"],
                                      lat["median_ms"], lat["p99_ms"]),
        "| the same at 1 thread | %.3f ms / %.3f ms |" % (lat1["median_ms"], lat1["p99_ms"]),
        END,
    ]
    section = "\n".join(lines) + "\n"
    page = open(args.out).read() if os.path.exists(args.out) else ""
    if BEGIN in page and END in page:
        page = page[:page.index(BEGIN)] + section + page[page.index(END) + len(END) + 1:]
    else:
        page = page.rstrip("\n") + "\n\n" + section
    with open(args.out + ".tmp", "w") as f:
        f.write(page)
    os.replace(args.out + ".tmp", args.out)
    print(section)


def recommended(help_text):
    """The defaults `lstmsent train --help` prints, for PyTorch's side."""
    cfg = {}
    for key in ("batch", "seq-len", "lr", "lstm-dropout", "output-dropout", "min-count",
                "embed", "hidden", "layers"):
        m = re.search(r"--%s\b[^\n]*?\((?:default:?\s*)?([0-9.eE+-]+)\)" % key, help_text)
        if m is None:
            sys.exit("benchmark_epoch: no default for --%s in `lstmsent train --help`" % key)
        cfg[key] = m.group(1)
    return cfg


if __name__ == "__main__":
    main()
