#!/usr/bin/python3
"""The PyTorch side of the Fashion-MNIST goal benchmark (bench/fmnist/main.ts runs it).

Same network as the engine (ResNet18 of bench/train/pytorch_bench.py, TAO's resnet18 template,
imported, not copied), same recipe (bench/fmnist/recipe.ts: the recipe object is passed in as
JSON), and the same batches: mulberry32 and mixSeed of engine/src/util/rng.ts are ported below
with 32-bit arithmetic, so each epoch's shuffle, flips and crops equal the engine's draw for
draw. The learning rate of each step is the engine's cosine schedule (engine/src/train/
schedule.ts), the regularizer the engine's (L2 of conv and dense kernels, added to the loss).
Prints one JSON progress line per epoch on stderr, the result on stdout.
"""
import argparse
import json
import math
import os
import resource
import sys
import time

# Importing pytorch_bench would leave a __pycache__ folder in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
from pytorch_bench import MODELS, init_like_engine, load, to_tensor, nn, np, torch  # noqa: E402

M32 = 0xFFFFFFFF
SIZE = 28
CLASSES = 10
TARGET_TOP1 = 0.93


def mulberry32(seed):
    """engine/src/util/rng.ts mulberry32: Math.imul and >>> are products and shifts mod 2^32."""
    state = [seed & M32]

    def rand():
        state[0] = (state[0] + 0x6D2B79F5) & M32
        t = state[0]
        t = ((t ^ (t >> 15)) * (t | 1)) & M32
        t = t ^ ((t + ((t ^ (t >> 7)) * (t | 61))) & M32)
        return ((t ^ (t >> 14)) & M32) / 4294967296.0

    return rand


def mix_seed(*parts):
    h = 0x811C9DC5
    for p in parts:
        h = ((h ^ (p & M32)) * 0x01000193) & M32
        h = ((h ^ (h >> 13)) * 0x5BD1E995) & M32
    return h


def epoch_plan(recipe, epoch, n):
    """bench/fmnist/recipe.ts epochPlan: Fisher-Yates shuffle, then flip, dx, dy per position."""
    rand = mulberry32(mix_seed(recipe["seed"], epoch))
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = int(rand() * (i + 1))
        order[i], order[j] = order[j], order[i]
    span = 2 * recipe["pad"] + 1
    flip = np.zeros(n, dtype=bool)
    dx = np.zeros(n, dtype=np.int64)
    dy = np.zeros(n, dtype=np.int64)
    for i in range(n):
        flip[i] = rand() < 0.5 and recipe["flip"]
        dx[i] = int(rand() * span)
        dy[i] = int(rand() * span)
    return np.array(order, dtype=np.int64), flip, dx, dy


def augment(images, flip, dx, dy, pad):
    """recipe.ts augmentInto for a batch (B, H, W, C): mirror first, then crop from the zero-padded image."""
    x = images.copy()
    x[flip] = x[flip][:, :, ::-1]
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    rows = dy[:, None] + np.arange(SIZE)[None, :]
    cols = dx[:, None] + np.arange(SIZE)[None, :]
    return padded[np.arange(len(x))[:, None, None], rows[:, :, None], cols[:, None, :]]


def lr_at(lr_cfg, step, total):
    """engine/src/train/schedule.ts learningRateAt for the cosine schedule (decay 0)."""
    base = lr_cfg["learningRate"]
    progress = step / total if total > 0 else 0
    soft = lr_cfg["softStart"]
    if soft > 0 and progress < soft:
        return base * (0.01 + 0.99 * (progress / soft))
    low = base * lr_cfg["minLrRatio"]
    t = (progress - soft) / (1 - soft) if soft < 1 else 1
    return low + (base - low) * 0.5 * (1 + math.cos(math.pi * min(1, max(0, t))))


def evaluate(model, x, y, batch=250):
    """Top-1 and the engine's clipped cross-entropy (predict.ts lossAndAccuracy) on the test images."""
    model.eval()
    probs = []
    with torch.no_grad():
        for s in range(0, len(x), batch):
            probs.append(torch.softmax(model(to_tensor(x[s : s + batch])), 1))
    model.train()
    p = torch.cat(probs)
    top1 = float((p.argmax(1).numpy() == y).mean())
    loss = float(-torch.log(p[torch.arange(len(y)), torch.from_numpy(y)].clamp(1e-7, 1 - 1e-7)).mean())
    return top1, loss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipe", required=True, help="the recipe object of bench/fmnist/recipe.ts, as JSON")
    ap.add_argument("--train-images", required=True)
    ap.add_argument("--train-labels", required=True)
    ap.add_argument("--train-n", type=int, required=True)
    ap.add_argument("--test-images", required=True)
    ap.add_argument("--test-labels", required=True)
    ap.add_argument("--test-n", type=int, required=True)
    ap.add_argument("--epochs", type=int, required=True)
    ap.add_argument("--time-limit-s", type=float, default=3600)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--plan-only", type=int, metavar="N", help="print epoch 0's plan for N images and the learning rates of epochs of 20 steps (the equality test), then exit")
    a = ap.parse_args()
    r = json.loads(a.recipe)
    if a.plan_only:
        order, flip, dx, dy = epoch_plan(r, 0, a.plan_only)
        total = 20 * a.epochs  # epochs of 20 steps
        lrs = [lr_at(r["lr"], s, total) for s in range(total)]
        print(json.dumps({"order": order.tolist(), "flip": flip.astype(int).tolist(), "dx": dx.tolist(), "dy": dy.tolist(), "lr": lrs}))
        return
    opt_cfg, reg = r["optimizer"], r["reg"]
    if opt_cfg["type"] != "sgd" or r["lr"]["type"] != "cosine" or reg["type"] != "L2":
        raise SystemExit("pytorch_fmnist.py mirrors SGD, the cosine schedule and L2 only")

    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    x, y = load(a.train_images, a.train_labels, a.train_n, SIZE, 1)
    tx, ty = load(a.test_images, a.test_labels, a.test_n, SIZE, 1)
    model = MODELS[r["model"]](1, CLASSES)
    init_like_engine(model)
    opt = torch.optim.SGD(model.parameters(), lr=opt_cfg["lr"], momentum=opt_cfg["momentum"], nesterov=opt_cfg["nesterov"])
    loss_fn = nn.CrossEntropyLoss()
    # The engine's regularizer: decay * sum(w^2) over conv and dense kernels (not biases or BN).
    kernels = [m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    batch = r["batch"]
    steps = a.train_n // batch
    history = []
    train_s = 0.0
    time_to = None
    model.train()
    for epoch in range(a.epochs):
        order, flip, dx, dy = epoch_plan(r, epoch, a.train_n)
        t0 = time.perf_counter()
        loss_sum = 0.0
        for s in range(steps):
            for g in opt.param_groups:
                g["lr"] = lr_at(r["lr"], epoch * steps + s, steps * a.epochs)
            sl = slice(s * batch, (s + 1) * batch)
            idx = order[sl]
            xb = to_tensor(augment(x[idx], flip[sl], dx[sl], dy[sl], r["pad"]))
            yb = torch.from_numpy(y[idx])
            opt.zero_grad(set_to_none=True)
            data_loss = loss_fn(model(xb), yb)
            penalty = reg["weightDecay"] * sum((w * w).sum() for w in kernels)
            (data_loss + penalty).backward()
            opt.step()
            loss_sum += float(data_loss.item())
        train_s += time.perf_counter() - t0
        top1, eval_loss = evaluate(model, tx, ty)
        if time_to is None and top1 >= TARGET_TOP1:
            time_to = train_s
        row = {"epoch": epoch + 1, "train_seconds_cumulative": train_s, "eval_top1": top1, "eval_loss": eval_loss, "train_loss": loss_sum / steps}
        history.append(row)
        print(json.dumps({"side": "pytorch", **row}), file=sys.stderr, flush=True)
        if train_s >= a.time_limit_s:
            break
    print(
        json.dumps(
            {
                "side": "pytorch",
                "backend": "pytorch-cpu",
                "torch_version": torch.__version__,
                "threads": torch.get_num_threads(),
                "model": r["model"],
                "recipe": r,
                "trainable_params": sum(q.numel() for q in model.parameters() if q.requires_grad),
                "train_images": a.train_n,
                "test_images": a.test_n,
                "epochs": history,
                "time_to_93_s": time_to,
                "best_top1": max(h["eval_top1"] for h in history),
                "train_seconds": train_s,
                # ru_maxrss is in KiB on Linux.
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
