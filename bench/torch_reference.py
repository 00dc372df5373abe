"""PyTorch reference of the rlvr-kit transformer policy, for bench/model_bench.ts.

The same model as lib/model/: GPT-2 layout, pre-LN, untied bias-free output head, tanh GELU,
LayerNorm eps 1e-5, qkv with bias. Measures, like the tfjs bench:
- sampling: B prompts of P tokens, N new tokens each, KV cache, temperature-1 multinomial
  sampling with per-token log-softmax (no early stop);
- training: a [B, T] batch, teacher-forced next-token NLL, forward + backward + Adam.
Prints one JSON object: {"sampling_tokens_per_s": ..., "training_tokens_per_s": ..., ...}
(only the phases listed in the config's "phases", default both).
Usage: python3 bench/torch_reference.py '{"vocabSize":32,...,"threads":2}'
"""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F


class Block(torch.nn.Module):
    def __init__(self, d, h, m):
        super().__init__()
        self.h = h
        self.ln1 = torch.nn.LayerNorm(d, eps=1e-5)
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.proj = torch.nn.Linear(d, d)
        self.ln2 = torch.nn.LayerNorm(d, eps=1e-5)
        self.fc = torch.nn.Linear(d, m)
        self.fc_proj = torch.nn.Linear(m, d)

    def forward(self, x, past=None, mask=None):
        b, t, d = x.shape
        h, dh = self.h, d // self.h
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q = q.view(b, t, h, dh).transpose(1, 2)
        k = k.view(b, t, h, dh).transpose(1, 2)
        v = v.view(b, t, h, dh).transpose(1, 2)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(dh))
        if mask is not None:
            att = att + mask
        att = att.softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        x = x + self.fc_proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))
        return x, (k, v)


class Gpt(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["width"]
        self.wte = torch.nn.Parameter(torch.randn(cfg["vocabSize"], d) * 0.02)
        self.wpe = torch.nn.Parameter(torch.randn(cfg["context"], d) * 0.02)
        self.blocks = torch.nn.ModuleList(
            [Block(d, cfg["heads"], cfg["mlpWidth"]) for _ in range(cfg["layers"])]
        )
        self.lnf = torch.nn.LayerNorm(d, eps=1e-5)
        self.head = torch.nn.Linear(d, cfg["vocabSize"], bias=False)

    def forward(self, tokens, start=0, past=None):
        b, t = tokens.shape
        x = self.wte[tokens] + self.wpe[start : start + t]
        mask = None
        if past is None:
            mask = torch.full((t, t), -1e9).triu(1)
        cache = []
        for i, block in enumerate(self.blocks):
            x, kv = block(x, None if past is None else past[i], mask)
            cache.append(kv)
        return self.head(self.lnf(x)), cache


def bench_sampling(model, cfg, batch, prompt_len, new_tokens):
    gen = torch.Generator().manual_seed(0)
    prompts = torch.randint(3, cfg["vocabSize"], (batch, prompt_len), generator=gen)
    with torch.inference_mode():
        t0 = time.perf_counter()
        logits, cache = model(prompts)
        logits = logits[:, -1]
        for step in range(new_tokens):
            logp = logits.log_softmax(-1)
            nxt = torch.multinomial(logp.exp(), 1, generator=gen)
            _token_logp = logp.gather(1, nxt)
            if step == new_tokens - 1:
                break
            logits, cache = model(nxt, start=prompt_len + step, past=cache)
            logits = logits[:, -1]
        return time.perf_counter() - t0


def bench_training(model, opt, cfg, batch, seq):
    gen = torch.Generator().manual_seed(1)
    tokens = torch.randint(3, cfg["vocabSize"], (batch, seq), generator=gen)
    t0 = time.perf_counter()
    logits, _ = model(tokens[:, :-1])
    logp = logits.log_softmax(-1).gather(2, tokens[:, 1:, None])
    loss = -logp.mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    return time.perf_counter() - t0


def main():
    cfg = json.loads(sys.argv[1])
    torch.set_num_threads(cfg.get("threads", 2))
    torch.manual_seed(0)
    model = Gpt(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    s = cfg["sampling"]
    tr = cfg["training"]
    phases = cfg.get("phases", ["sampling", "training"])
    out = {"torch_version": torch.__version__, "threads": torch.get_num_threads()}
    if "sampling" in phases:
        bench_sampling(model, cfg, s["batch"], s["promptTokens"], s["newTokens"])  # warm-up
        sampling = min(
            bench_sampling(model, cfg, s["batch"], s["promptTokens"], s["newTokens"])
            for _ in range(cfg.get("repeats", 3))
        )
        out["sampling_s"] = sampling
        out["sampling_tokens_per_s"] = s["batch"] * s["newTokens"] / sampling
    if "training" in phases:
        bench_training(model, opt, cfg, tr["batch"], tr["tokens"])  # warm-up
        training = min(
            bench_training(model, opt, cfg, tr["batch"], tr["tokens"])
            for _ in range(cfg.get("repeats", 3))
        )
        out["training_s"] = training
        out["training_tokens_per_s"] = tr["batch"] * tr["tokens"] / training
    print(json.dumps(out))


if __name__ == "__main__":
    main()
