"""PyTorch reference of the main job's real workload, for bench/rl_bench.ts.

The shipped base model (data/base/model.safetensors, the same GPT as lib/model/: pre-LN, tanh
GELU, LayerNorm eps 1e-5, qkv with bias, bias-free head) doing the same work as the tfjs side,
with torch's best settings: a KV cache, finished rows dropped from the batch, one thread per
process (the caller runs two processes to use two cores).

Phases (config "phase"):
- "rl": RL steps of the protocol's shape: 32 Countdown prompts x 8 samples at T = 1 until EOS
  (at most 39 tokens), the sampler's log-probs as old ones, teacher-forced reference
  log-probs, 4 mini-batches of a PPO-clip loss (token mean, entropy bonus 1e-3, GRPO's k3 KL 1e-3), gradient clip 1, AdamW. With
  "critic": true, PPO's separate critic (a second trunk and a value head): values, GAE
  (gamma = lambda = 1) on the KL-penalised reward, whitened advantages, clipped value loss, a
  critic AdamW at 10x the rate. Rewards are drawn at the base's pass rate (grading costs the tfjs
  side under 1% of a step). Prints seconds per step.
  With "objective": "nsr", the paper's NSR as our protocol runs it: no reference model at all (KL
  0), the wrong samples only (each sample wrong with probability "keep", the share our side
  kept, so both do the same work), advantage -1, the same PPO-clip loss and entropy bonus over
  mini-batches of a quarter of the batch, as many as the kept samples fill.
- "evaluate": n samples of each given prompt at T = 1 (batches of 512 rows), prints sequences/s.
- "logprobs": the log-probs of one token sequence, so the caller can check this model is ours.
- "gemm": the best GFLOP/s of a large float32 matrix product (the machine's peak, one thread).
Usage: python3 bench/torch_rl.py '{"phase": "rl", "steps": 5, "critic": false}'
"""
import json
import math
import struct
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
ALPHABET = "0123456789+-*=,>:\\boxed{}"
PAD, BOS, EOS = 0, 1, 2
MAX_NEW = 39


def load_safetensors(path):
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = bytearray(data[8 + n + begin : 8 + n + end])
        out[name] = torch.frombuffer(raw, dtype=torch.float32).reshape(entry["shape"]).clone()
    return out


def attention(q, k, v, causal):
    """Scaled dot-product attention (torch 1.13, Debian's, has no fused one)."""
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    if causal and q.shape[2] > 1:
        t = q.shape[2]
        mask = torch.ones(t, t, dtype=torch.bool).triu(1)
        scores = scores.masked_fill(mask, float("-inf"))
    return scores.softmax(-1) @ v


class Trunk(torch.nn.Module):
    """Embeddings, blocks and the final LayerNorm, with our parameter names and layout."""

    def __init__(self, cfg, weights, prefix=""):
        super().__init__()
        self.cfg = cfg
        p = lambda name: torch.nn.Parameter(weights[prefix + name].clone())
        self.wte, self.wpe = p("wte"), p("wpe")
        self.layers = torch.nn.ModuleList()
        for l in range(cfg["layers"]):
            h = f"h.{l}."
            layer = torch.nn.ParameterDict({
                k.replace(".", "_"): p(h + k)
                for k in ["ln1.g", "ln1.b", "attn.qkv.w", "attn.qkv.b", "attn.proj.w", "attn.proj.b",
                          "ln2.g", "ln2.b", "mlp.fc.w", "mlp.fc.b", "mlp.proj.w", "mlp.proj.b"]
            })
            self.layers.append(layer)
        self.lnf_g, self.lnf_b = p("lnf.g"), p("lnf.b")

    def forward(self, tokens, start=0, past=None):
        b, t = tokens.shape
        d, h = self.cfg["width"], self.cfg["heads"]
        dh = d // h
        x = self.wte[tokens] + self.wpe[start : start + t]
        cache = []
        for i, w in enumerate(self.layers):
            y = F.layer_norm(x, (d,), w["ln1_g"], w["ln1_b"], 1e-5)
            q, k, v = (y @ w["attn_qkv_w"] + w["attn_qkv_b"]).split(d, dim=2)
            q = q.view(b, t, h, dh).transpose(1, 2)
            k = k.view(b, t, h, dh).transpose(1, 2)
            v = v.view(b, t, h, dh).transpose(1, 2)
            if past is not None:
                k = torch.cat([past[i][0], k], dim=2)
                v = torch.cat([past[i][1], v], dim=2)
            att = attention(q, k, v, causal=past is None)
            x = x + att.transpose(1, 2).reshape(b, t, d) @ w["attn_proj_w"] + w["attn_proj_b"]
            y = F.layer_norm(x, (d,), w["ln2_g"], w["ln2_b"], 1e-5)
            x = x + F.gelu(y @ w["mlp_fc_w"] + w["mlp_fc_b"], approximate="tanh") @ w["mlp_proj_w"] + w["mlp_proj_b"]
            cache.append((k, v))
        return F.layer_norm(x, (d,), self.lnf_g, self.lnf_b, 1e-5), cache


class Policy(torch.nn.Module):
    def __init__(self, cfg, weights):
        super().__init__()
        self.trunk = Trunk(cfg, weights)
        self.head = torch.nn.Parameter(weights["head.w"].clone())

    def forward(self, tokens, start=0, past=None):
        x, cache = self.trunk(tokens, start, past)
        return x @ self.head, cache


def prompts_of(split, count, offset=0):
    rows = [json.loads(line) for line in (ROOT / "data" / "tasks" / f"{split}.jsonl").read_text().splitlines()]
    encode = lambda text: [3 + ALPHABET.index(ch) for ch in text]
    return [[BOS] + encode("".join(map(str, r["digits"])) + f">{r['target']}:") for r in rows[offset : offset + count]]


@torch.inference_mode()
def sample(model, prompts, gen):
    """Samples each prompt (all the same length) until EOS; finished rows leave the batch.
    Returns the tokens and their log-probs (temperature 1), which are the step's old log-probs."""
    tokens = torch.tensor(prompts)
    n, p = tokens.shape
    logits, cache = model(tokens)
    logits = logits[:, -1]
    alive = torch.arange(n)
    out = [[] for _ in range(n)]
    logps = [[] for _ in range(n)]
    for step in range(MAX_NEW):
        logp = logits.log_softmax(-1)
        nxt = torch.multinomial(logp.exp(), 1, generator=gen)
        chosen = logp.gather(1, nxt)[:, 0]
        for row, token, lp in zip(alive.tolist(), nxt[:, 0].tolist(), chosen.tolist()):
            out[row].append(token)
            logps[row].append(lp)
        keep = nxt[:, 0] != EOS
        if step == MAX_NEW - 1 or not keep.any():
            break
        if not keep.all():
            alive, nxt = alive[keep], nxt[keep]
            cache = [(k[keep], v[keep]) for k, v in cache]
        logits, cache = model(nxt, start=p + step, past=cache)
        logits = logits[:, -1]
    return out, logps


def token_logprobs(model, batch, with_entropy=False):
    logits, _ = model(batch[:, :-1])
    logp = logits.log_softmax(-1)
    chosen = logp.gather(2, batch[:, 1:, None])[..., 0]
    if not with_entropy:
        return chosen
    return chosen, -(logp.exp() * logp).sum(-1)


def pack(rows, responses, sampled_logps, chosen):
    """Tokens of the chosen samples right-padded, their response mask and old log-probs: the
    sampler's (as ours reuse them), so no teacher-forced pass."""
    chosen = list(chosen)
    length = max(len(rows[i]) + len(responses[i]) for i in chosen)
    batch = torch.full((len(chosen), length), PAD)
    mask = torch.zeros(len(chosen), length - 1)
    old = torch.zeros(len(chosen), length - 1)
    for j, i in enumerate(chosen):
        p, r = rows[i], responses[i]
        batch[j, : len(p) + len(r)] = torch.tensor(p + r)
        mask[j, len(p) - 1 : len(p) - 1 + len(r)] = 1
        old[j, len(p) - 1 : len(p) - 1 + len(r)] = torch.tensor(sampled_logps[i])
    return batch, mask, old


def nsr_step(policy, optimizer, prompts, gen, keep):
    group, mini = 8, 4
    rows = [p for p in prompts for _ in range(group)]
    responses, sampled_logps = sample(policy, rows, gen)
    wrong = (torch.rand(len(rows), generator=gen) < keep).nonzero()[:, 0].tolist()
    size = len(rows) // mini
    for m in range(0, len(wrong), size):
        batch, mask, old = pack(rows, responses, sampled_logps, wrong[m : m + size])
        logp, entropy = token_logprobs(policy, batch, with_entropy=True)
        ratio = (logp - old).exp()
        a = -mask
        pg = torch.max(-a * ratio, -a * ratio.clamp(0.8, 1.2))
        tokens = mask.sum()
        loss = (pg * mask).sum() / tokens - 1e-3 * (entropy * mask).sum() / tokens
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
        optimizer.step()


def rl_step(policy, reference, optimizer, critic, critic_opt, prompts, gen):
    group, mini = 8, 4
    rows = [p for p in prompts for _ in range(group)]
    responses, sampled_logps = sample(policy, rows, gen)
    batch, mask, old = pack(rows, responses, sampled_logps, range(len(rows)))
    rewards = (torch.rand(len(rows), generator=gen) < 0.45).float()
    with torch.no_grad():
        ref = token_logprobs(reference, batch)
        if critic is None:
            g = rewards.view(-1, group)
            adv = ((g - g.mean(1, keepdim=True)) / (g.std(1, keepdim=True) + 1e-6)).view(-1, 1) * mask
        else:
            hidden, _ = critic[0](batch[:, :-1])
            values = (hidden @ critic[1])[..., 0] * mask
            reward = -1e-3 * (old - ref) * mask
            last = (mask.cumsum(1) == mask.sum(1, keepdim=True)) & (mask > 0)
            reward = reward + last.float() * rewards[:, None]
            returns = reward.flip(1).cumsum(1).flip(1) * mask
            adv = returns - values
            adv = (adv - adv[mask > 0].mean()) / (adv[mask > 0].std() + 1e-8) * mask
    size = len(rows) // mini
    for m in range(mini):
        idx = slice(m * size, (m + 1) * size)
        logp, entropy = token_logprobs(policy, batch[idx], with_entropy=True)
        ratio = (logp - old[idx]).exp()
        a, msk = adv[idx], mask[idx]
        pg = torch.max(-a * ratio, -a * ratio.clamp(0.8, 1.2))
        tokens = msk.sum()
        loss = (pg * msk).sum() / tokens - 1e-3 * (entropy * msk).sum() / tokens
        if critic is None:
            r = ref[idx] - logp
            loss = loss + 1e-3 * ((r.exp() - r - 1) * msk).sum() / tokens
        optimizer.zero_grad()
        if critic is not None:
            hidden, _ = critic[0](batch[idx, :-1])
            v = (hidden @ critic[1])[..., 0]
            target = (adv[idx] + values[idx])
            clipped = values[idx] + (v - values[idx]).clamp(-0.5, 0.5)
            vloss = 0.5 * (torch.max((v - target) ** 2, (clipped - target) ** 2) * msk).sum() / tokens
            critic_opt.zero_grad()
            (loss + vloss).backward()
            torch.nn.utils.clip_grad_norm_(list(critic[0].parameters()) + [critic[1]], 1.0)
            critic_opt.step()
        else:
            loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
        optimizer.step()


def time_steps(steps, step):
    """Runs step(prompts) on steps + 1 batches of 32 train prompts; the first warms up."""
    pool = prompts_of("train", 32 * (steps + 1))
    times = []
    for i in range(steps + 1):
        if i == 1:
            cpu0 = time.process_time()
        t0 = time.perf_counter()
        step(pool[32 * i : 32 * (i + 1)])
        times.append(time.perf_counter() - t0)
    return {
        "seconds_per_step": sum(times[1:]) / steps,
        "cores": (time.process_time() - cpu0) / sum(times[1:]),
    }


def main():
    cfg = json.loads(sys.argv[1])
    torch.set_num_threads(cfg.get("threads", 1))
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(cfg.get("seed", 0))
    model_cfg = json.loads((ROOT / "data" / "base" / "config.json").read_text())["model"]
    weights = load_safetensors(ROOT / "data" / "base" / "model.safetensors")
    out = {"torch_version": torch.__version__, "threads": torch.get_num_threads()}
    phase = cfg["phase"]
    if phase == "gemm":
        best = 0.0
        a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
        t_all, cpu0 = time.perf_counter(), time.process_time()
        for _ in range(8):
            t0 = time.perf_counter()
            a @ b
            best = max(best, 2 * 1024**3 / (time.perf_counter() - t0) / 1e9)
        out["gflops"] = best
        out["cores"] = (time.process_time() - cpu0) / (time.perf_counter() - t_all)
    elif phase == "rl" and cfg.get("objective") == "nsr":
        policy = Policy(model_cfg, weights)  # KL-free: no reference model is loaded
        optimizer = torch.optim.AdamW(policy.parameters(), lr=3e-5, weight_decay=0.01)
        out.update(time_steps(cfg["steps"], lambda prompts: nsr_step(policy, optimizer, prompts, gen, cfg["keep"])))
    elif phase == "rl":
        policy, reference = Policy(model_cfg, weights), Policy(model_cfg, weights)
        optimizer = torch.optim.AdamW(policy.parameters(), lr=3e-5, weight_decay=0.01)
        critic = critic_opt = None
        if cfg.get("critic"):
            trunk = Trunk(model_cfg, weights)
            head = torch.nn.Parameter(torch.randn(model_cfg["width"], 1) * 0.02)
            critic = (trunk, head)
            critic_opt = torch.optim.AdamW(list(trunk.parameters()) + [head], lr=3e-4, weight_decay=0.01)
        out.update(time_steps(cfg["steps"], lambda prompts: rl_step(policy, reference, optimizer, critic, critic_opt, prompts, gen)))
    elif phase == "logprobs":
        policy = Policy(model_cfg, weights)
        with torch.no_grad():
            out["logprobs"] = token_logprobs(policy, torch.tensor([cfg["tokens"]]))[0].tolist()
    elif phase == "evaluate":
        policy = Policy(model_cfg, weights)
        prompts = prompts_of("tierA", cfg["prompts"], cfg.get("offset", 0))
        rows = [p for p in prompts for _ in range(cfg["samples"])]
        t0, cpu0 = time.perf_counter(), time.process_time()
        for start in range(0, len(rows), 512):
            sample(policy, rows[start : start + 512], gen)
        out["seconds"] = time.perf_counter() - t0
        out["cores"] = (time.process_time() - cpu0) / out["seconds"]
        out["sequences"] = len(rows)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
