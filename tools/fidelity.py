#!/usr/bin/python3
"""Compare the tutorial loop of liblstmsent with PyTorch's over several seeds.

Reads the metrics CSVs that examples/tutorial (C) and examples/tutorial_pytorch.py write
(kind,epoch,step,batch,loss,acc; "epoch" rows hold each epoch's mean training loss and
accuracy, the "summary" row the wall time and the dev accuracy), prints a Markdown table of
the mean of the last 20 epochs' training accuracy, the final dev accuracy and the wall time
per run and per implementation, checks that the two implementations agree within --points,
and plots both curves into one PNG.

    /usr/bin/python3 tools/fidelity.py --c runs/c-seed{1,2,3}.csv \
        --torch runs/torch-seed{1,2,3}.csv --png docs/tutorial-curves.png
"""
import argparse
import csv
import statistics
import sys


def read(path):
    epochs, summary = [], None
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["kind"] == "epoch":
                epochs.append((int(row["epoch"]), float(row["loss"]), float(row["acc"])))
            elif row["kind"] == "summary":
                summary = dict(epochs=int(row["epoch"]), wall=float(row["loss"]),
                               dev=float(row["acc"]))
    if summary is None:
        sys.exit(f"{path}: no summary row (did the run finish?)")
    return epochs, summary


def stats(paths, tail):
    runs = []
    for p in paths:
        epochs, summary = read(p)
        last = [acc for _, _, acc in epochs[-tail:]]
        runs.append(dict(path=p, train_tail=sum(last) / len(last), dev=summary["dev"],
                         wall=summary["wall"], epochs=epochs))
    return runs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--c", nargs="+", required=True, help="metrics CSVs of examples/tutorial")
    ap.add_argument("--torch", nargs="+", required=True, help="CSVs of tutorial_pytorch.py")
    ap.add_argument("--tail", type=int, default=20, help="epochs averaged at the end")
    ap.add_argument("--points", type=float, default=1.5, help="agreement needed, in points")
    ap.add_argument("--png", help="plot both curves into this PNG")
    args = ap.parse_args()

    c, t = stats(args.c, args.tail), stats(args.torch, args.tail)
    print("| run | train acc, mean of last %d epochs | dev acc | wall time |" % args.tail)
    print("| --- | --- | --- | --- |")
    for name, runs in (("liblstmsent", c), ("PyTorch", t)):
        for r in runs:
            print("| %s `%s` | %.4f | %.4f | %.0f s |" % (name, r["path"].split("/")[-1],
                                                     r["train_tail"], r["dev"], r["wall"]))
    means = {}
    for name, runs in (("liblstmsent", c), ("PyTorch", t)):
        means[name] = (statistics.mean(r["train_tail"] for r in runs),
                       statistics.mean(r["dev"] for r in runs),
                       statistics.mean(r["wall"] for r in runs))
        print("| **%s, mean of %d** | **%.4f** | **%.4f** | %.0f s |" % (
            name, len(runs), *means[name]))
    d_train = 100 * abs(means["liblstmsent"][0] - means["PyTorch"][0])
    d_dev = 100 * abs(means["liblstmsent"][1] - means["PyTorch"][1])
    ok = d_train <= args.points and d_dev <= args.points
    print("\nDifference of the means: training accuracy %.2f points, dev accuracy %.2f points "
          "(limit %.1f): %s" % (d_train, d_dev, args.points, "agree" if ok else "DISAGREE"))

    if args.png:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
        for name, runs, color in (("liblstmsent", c, "tab:blue"), ("PyTorch", t, "tab:orange")):
            for i, r in enumerate(runs):
                ep = [e for e, _, _ in r["epochs"]]
                ax1.plot(ep, [l for _, l, _ in r["epochs"]], color=color, alpha=0.45, lw=0.8,
                         label=name if i == 0 else None)
                ax2.plot(ep, [a for _, _, a in r["epochs"]], color=color, alpha=0.45, lw=0.8,
                         label=name if i == 0 else None)
        ax1.set(xlabel="epoch", ylabel="training loss (epoch mean)",
                title="Tutorial loop, %d seeds each" % len(c))
        ax2.set(xlabel="epoch", ylabel="training accuracy (epoch mean)",
                title="dev: C %.3f, PyTorch %.3f" % (means["liblstmsent"][1], means["PyTorch"][1]))
        ax1.legend()
        ax2.legend()
        fig.tight_layout()
        fig.savefig(args.png, dpi=110)
        print("\nwrote %s" % args.png)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
