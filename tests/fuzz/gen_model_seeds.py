#!/usr/bin/python3
"""Write the seed corpus of the model-loader fuzz target (tests/fuzz/corpus_model/): small
model files and checkpoints, valid and bad, in the configuration the target's fixed
handles use (tests/fuzz/fuzz_model.c): the vocabulary of "a good film", "a bad film",
"not good" (5 words, 6 embedding rows), E = 3, H = 2, 1 layer, O = 2, Adam's defaults, a
sampler over 3 rows; some with checksums. Needs numpy and xxhash (python3-xxhash):

    /usr/bin/python3 tests/fuzz/gen_model_seeds.py tests/fuzz/corpus_model
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import st_file  # noqa: E402

WORDS = ["a", "good", "film", "bad", "not"]


def state_dict(rs, V, E, H, L, O):
    out = [("embedding.weight", rs.randn(V, E))]
    for k in range(L):
        inp = E if k == 0 else H
        out += [("lstm.weight_ih_l%d" % k, rs.uniform(-.5, .5, (4 * H, inp))),
                ("lstm.weight_hh_l%d" % k, rs.uniform(-.5, .5, (4 * H, H))),
                ("lstm.bias_ih_l%d" % k, rs.uniform(-.5, .5, (4 * H,))),
                ("lstm.bias_hh_l%d" % k, rs.uniform(-.5, .5, (4 * H,)))]
    out += [("fc.weight", rs.uniform(-.5, .5, (O, H))), ("fc.bias", rs.uniform(-.5, .5, (O,)))]
    return [(n, a.astype(np.float32)) for n, a in out]


def options(V, E, H, L, O, head="sigmoid", pooling="last_step", padding_idx=-1):
    return {"format": st_file.FORMAT_MODEL, "format_version": st_file.FORMAT_VERSION,
            "library_version": "0.1.0", "num_embeddings": V, "embed_dim": E, "hidden_dim": H,
            "num_layers": L, "output_size": O, "lstm_dropout": "0.5", "output_dropout": "0.3",
            "head": head, "pooling": pooling, "padding_idx": padding_idx, "seed": 0}


def checkpoint(rs, tensors, meta):
    t = list(tensors)
    t += [("optim.m." + n, rs.randn(*a.shape).astype(np.float32) * 0.01) for n, a in tensors]
    t += [("optim.v." + n, np.abs(rs.randn(*a.shape)).astype(np.float32) * 1e-4)
          for n, a in tensors]
    m = dict(meta)
    m.update({"format": "lstmsent-checkpoint", "adam.lr": "0.001", "adam.beta1": "0.9",
              "adam.beta2": "0.999", "adam.eps": "1e-08", "adam.weight_decay": "0",
              "adam.step": "4", "epoch": "2", "step": "4",
              "model.rng": "0123456789abcdef,fedcba9876543210,0000000000000001,"
                           "ffffffffffffffff",
              "sampler.rng": "1111111111111111,2222222222222222,3333333333333333,"
                             "4444444444444444",
              "sampler.rows": "3", "sampler.order": "2,0,0,1,2", "sampler.next": "2"})
    return t, m


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                             "corpus_model")
    os.makedirs(out, exist_ok=True)
    rs = np.random.RandomState(1)
    V, E, H, L, O = 6, 3, 2, 1, 2
    base = state_dict(rs, V, E, H, L, O)
    meta = options(V, E, H, L, O)
    meta.update(st_file.vocab_metadata(WORDS))

    def write(name, tensors, metadata):
        st_file.write(os.path.join(out, name), tensors, metadata)

    write("valid-model.safetensors", base, meta)
    ck_t, ck_m = checkpoint(rs, base, meta)
    write("valid-checkpoint.safetensors", ck_t, ck_m)
    write("valid-bare-2-layers.safetensors", state_dict(rs, 7, 2, 3, 2, 5), None)
    write("valid-logits-last-token.safetensors", state_dict(rs, 4, 2, 2, 2, 3),
          options(4, 2, 2, 2, 3, "logits", "last_token", 0))
    m7 = options(7, E, H, L, O)
    m7.update(st_file.vocab_metadata(WORDS))   # 5 words + padding + unknown id
    write("valid-unknown-id-row.safetensors", state_dict(rs, 7, E, H, L, O), m7)
    write("valid-pt-format.safetensors", base, {"format": "pt"})

    write("bad-missing-tensor.safetensors", base[:-1], meta)
    write("bad-shape.safetensors", base[:-1] + [("fc.bias", np.zeros(3, np.float32))], meta)
    write("bad-unknown-tensor.safetensors", base + [("extra", np.zeros(1, np.float32))], meta)
    nan = [(n, a.copy()) for n, a in base]
    nan[1][1][0, 0] = np.nan
    write("bad-nan.safetensors", nan, meta)
    for name, key, value in [("bad-digest", "vocab_digest", "0000000000000000"),
                             ("bad-vocab-size", "vocab_size", "4"),
                             ("bad-version", "format_version", "2"),
                             ("bad-option", "hidden_dim", "x"),
                             ("bad-vocab-rows", "num_embeddings", "9")]:
        m = dict(meta)
        m[key] = value
        write(name + ".safetensors", base, m)
    for name, key, value in [("bad-checkpoint-rng", "model.rng", "0"),
                             ("bad-checkpoint-order", "sampler.order", "0,3"),
                             ("bad-checkpoint-adam", "adam.beta1", "0.8")]:
        m = dict(ck_m)
        m[key] = value
        write(name + ".safetensors", ck_t, m)

    # Files with checksums, as the library writes them, and damaged ones.
    st_file.write(os.path.join(out, "valid-checksums.safetensors"), base, meta, True)
    st_file.write(os.path.join(out, "valid-checksums-checkpoint.safetensors"), ck_t, ck_m, True)
    sums = st_file.checksums(base, meta)
    changed = [(n, a.copy()) for n, a in base]
    changed[2][1][0, 0] += 1.0
    write("bad-checksum-data.safetensors", changed, dict(meta, **sums))
    write("bad-checksum-header.safetensors", base, dict(meta, seed="1", **sums))
    write("bad-checksum-malformed.safetensors", base,
          dict(meta, **{"checksum.header": sums["checksum.header"],
                        "checksum.data": sums["checksum.data"].upper()}))
    write("bad-checksum-one-key.safetensors", base,
          dict(meta, **{"checksum.header": sums["checksum.header"]}))
    print("seeds written to %s" % out)


if __name__ == "__main__":
    main()
