"""Forward outputs, state, loss and gradients through the binding equal PyTorch's for the
same weights (set with load_state_dict from PyTorch's state_dict), dropout off. Skipped
where torch is missing (Debian: python3-torch)."""
import numpy as np
import pytest

import lstmsent

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional


class TorchRNN(nn.Module):
    """The tutorial's SentimentRNN, with the head and pooling options of liblstmsent."""

    def __init__(self, v, o, e, h, layers, head, pooling, padding_idx=None):
        super().__init__()
        self.embedding = nn.Embedding(v, e, padding_idx=padding_idx)
        self.lstm = nn.LSTM(e, h, layers, dropout=0.0, batch_first=True)
        self.fc = nn.Linear(h, o)
        self.head, self.pooling, self.o = head, pooling, o

    def forward(self, x, hidden, lengths=None):
        emb = self.embedding(x)
        if self.pooling == "last_token":
            packed = nn.utils.rnn.pack_padded_sequence(emb, lengths, batch_first=True,
                                                       enforce_sorted=False)
            out, hidden = self.lstm(packed, hidden)
            out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
            last = out[torch.arange(x.shape[0]), lengths - 1]
        else:
            out, hidden = self.lstm(emb, hidden)
            last = out[:, -1]
        y = self.fc(last)
        return (torch.sigmoid(y) if self.head == "sigmoid" else y), hidden


def loss_of(head, out, labels):
    if head == "sigmoid":   # the tutorial's criterion
        onehot = F.one_hot(labels, out.shape[1])
        return -(onehot * torch.log(F.softmax(out, dim=1) + 1e-10)).sum(1).mean()
    return F.cross_entropy(out, labels)


@pytest.mark.parametrize("head,pooling", [("sigmoid", "last_step"), ("logits", "last_token"),
                                          ("logits", "last_step")])
def test_forward_and_gradients_match_pytorch(head, pooling):
    torch.manual_seed(0)
    V, O, E, H, L, B, T = 60, 5, 16, 12, 2, 7, 9
    ref = TorchRNN(V, O, E, H, L, head, pooling, padding_idx=0 if pooling == "last_token" else None)
    net = lstmsent.SentimentRNN(V, O, E, H, L, head=head, pooling=pooling, lstm_dropout=0.0,
                                dropout=0.0, padding_idx=0 if pooling == "last_token" else None)
    net.load_state_dict(ref.state_dict())          # torch tensors taken as they are
    rng = np.random.default_rng(1)
    lengths = rng.integers(1, T + 1, B).astype(np.int32)
    x = np.zeros((B, T), np.int32)
    for b, n in enumerate(lengths):
        x[b, :n] = rng.integers(1, V, n)
    labels = rng.integers(0, O, B).astype(np.int32)
    h0 = (rng.standard_normal((L, B, H)).astype(np.float32),
          rng.standard_normal((L, B, H)).astype(np.float32))

    t_out, (t_h, t_c) = ref(torch.from_numpy(x).long(),
                            tuple(torch.from_numpy(a) for a in h0),
                            torch.from_numpy(lengths).long())
    t_loss = loss_of(head, t_out, torch.from_numpy(labels).long())
    t_loss.backward()

    net.zero_grad()
    out, (h, c) = net(x, h0, lengths if pooling == "last_token" else None)
    loss = lstmsent.criterion(out, labels)
    loss.backward()

    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=0, atol=1e-5)
    np.testing.assert_allclose(h, t_h.detach().numpy(), rtol=0, atol=1e-5)
    np.testing.assert_allclose(c, t_c.detach().numpy(), rtol=0, atol=1e-5)
    assert float(loss) == pytest.approx(t_loss.item(), abs=1e-5)
    grads = net.grads()
    for name, p in ref.named_parameters():
        np.testing.assert_allclose(grads[name], p.grad.numpy(), rtol=0, atol=1e-4,
                                   err_msg=name)


def test_adam_and_clip_match_pytorch():
    torch.manual_seed(2)
    ref = TorchRNN(30, 5, 8, 6, 1, "logits", "last_step")
    net = lstmsent.SentimentRNN(30, 5, 8, 6, 1, head="logits", lstm_dropout=0.0, dropout=0.0)
    net.load_state_dict(ref.state_dict())
    t_opt = torch.optim.Adam(ref.parameters(), lr=0.01)
    opt = lstmsent.Adam(net.parameters(), lr=0.01)
    rng = np.random.default_rng(3)
    for step in range(3):
        x = rng.integers(1, 30, (4, 5)).astype(np.int32)
        y = rng.integers(0, 5, 4).astype(np.int32)
        t_opt.zero_grad()
        t_out, _ = ref(torch.from_numpy(x).long(), None)
        F.cross_entropy(t_out, torch.from_numpy(y).long()).backward()
        t_norm = nn.utils.clip_grad_norm_(ref.parameters(), 0.5)
        t_opt.step()
        opt.zero_grad()
        out, _ = net(x)
        lstmsent.criterion(out, y).backward()
        norm = lstmsent.clip_grad_norm_(net.parameters(), 0.5)
        opt.step()
        assert norm == pytest.approx(float(t_norm), rel=1e-5)
    sd = net.state_dict()
    for name, p in ref.state_dict().items():
        np.testing.assert_allclose(sd[name], p.numpy(), rtol=0, atol=1e-5, err_msg=name)


def test_state_dict_loads_into_pytorch():
    net = lstmsent.SentimentRNN(40, 5, 8, 6, 2, seed=5)
    ref = TorchRNN(40, 5, 8, 6, 2, "sigmoid", "last_step")
    ref.load_state_dict({k: torch.from_numpy(v) for k, v in net.state_dict().items()})
    for k, v in ref.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), net.state_dict()[k])
