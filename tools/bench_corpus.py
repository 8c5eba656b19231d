#!/usr/bin/python3
"""Time the tutorial's corpus building in Python, to set beside tools/bench_corpus.c.

Uses the tutorial's own Corpus_Extr and Pad_sequences (as kept in
tests/gen_corpus_fixture.py, without the tqdm progress bars), after reading the file
literally the way that script does (pandas is not installed here, and would read the
phrases "None" and "NA" as NaN).

    /usr/bin/python3 tools/bench_corpus.py [data/train.tsv] [repeats]
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from gen_corpus_fixture import Corpus_Extr, Pad_sequences, read_tsv  # noqa: E402


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "data/train.tsv"
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    read, extr, pad, total, cpu = [], [], [], [], []
    for _ in range(repeats):
        c0 = time.process_time()
        t0 = time.perf_counter()
        df = read_tsv(path)
        t1 = time.perf_counter()
        _, vocab_to_int, phrase_to_int = Corpus_Extr(df)
        t2 = time.perf_counter()
        Pad_sequences(phrase_to_int, 30)
        t3 = time.perf_counter()
        cpu.append(time.process_time() - c0)
        read.append(t1 - t0)
        extr.append(t2 - t1)
        pad.append(t3 - t2)
        total.append(t3 - t0)
    ms = lambda xs: f"min {1e3 * min(xs):.1f} ms, median {1e3 * statistics.median(xs):.1f} ms"
    print(f"{path}: {len(phrase_to_int)} phrases, {len(vocab_to_int)} words, {repeats} runs")
    print(f"read the TSV:           {ms(read)}")
    print(f"Corpus_Extr:            {ms(extr)}")
    print(f"Pad_sequences (N, 30):  {ms(pad)}")
    print(f"total, best run:        {1e3 * min(total):.1f} ms")
    print(f"total CPU time:         {ms(cpu)}")


if __name__ == "__main__":
    main()
