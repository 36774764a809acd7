#!/usr/bin/python3
"""The PyTorch side of the detection benchmark (bench/detect/main.ts runs it).

DetectNet_v2 as the engine builds it (engine/src/networks/detectnet_v2/model.ts on the
backbone of engine/src/backbones/resnet.ts), trained with the engine's recipe
(engine/src/networks/detectnet_v2/trainer.ts and loss.ts) on the tensors main.ts exported
from the engine's own data path: inputs in [0, 1], the engine's rasterized coverage, bbox and
bbox-weight maps, and the engine's per-epoch shuffle, so both sides see the same
mini-batches. After training it runs the validation inputs through the network and writes
the raw outputs in the engine's layout (NHWC), which main.ts scores with the engine's
post-processing and mAP code. Prints one JSON line.

Equal on both sides: layers, shapes and trainable parameter count (main.ts checks), TF "SAME"
padding (asymmetric for stride 2), the initial weights (--init: the engine's seeded initial
network, a tfjs model folder; main.ts first checks that both networks give the same outputs on
it), BatchNorm momentum and epsilon, the loss, L1 on the convolution kernels, Adam and its
hyper-parameters, the per-step learning rate, objective autoweighting after each epoch, batch
size, epochs, batch order, thread count. Without --init the network gets the engine's
initializers (truncated-normal He kernels, Glorot-uniform heads, zero biases) with PyTorch's
generator.
Not equal: float rounding (other kernels, other summation order), and BatchNorm's running
variance (PyTorch updates it with the unbiased batch variance, tfjs with the biased one: a
factor n/(n-1) with n >= 144 values per channel at batch 4 on a 6x6 grid).

Written for Debian's python3-torch (1.13) and /usr/bin/python3.
"""
import argparse
import json
import math
import os
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as err:  # main.ts turns this into a clear failure
    print(json.dumps({"error": f"cannot import PyTorch/numpy: {err}"}))
    sys.exit(3)

EPSILON = 1e-5  # loss.ts: log(p + 1e-5) and log(1 - p + 1e-5)
WIDTHS = [64, 128, 256, 512]
BLOCKS = {10: [1, 1, 1, 1], 18: [2, 2, 2, 2], 34: [3, 4, 6, 3]}


class SameConv(nn.Module):
    """Keras Conv2D(padding='same'): for stride > 1 TensorFlow pads the extra row/column at
    the bottom/right; stride 1 with an odd kernel is symmetric."""

    def __init__(self, cin, cout, k, stride, bias):
        super().__init__()
        self.k = k
        self.stride = stride
        self.conv = nn.Conv2d(cin, cout, k, stride=stride, padding=0 if stride > 1 else k // 2, bias=bias)

    def forward(self, x):
        if self.stride > 1:
            ih, iw = x.shape[2], x.shape[3]
            ph = max((math.ceil(ih / self.stride) - 1) * self.stride + self.k - ih, 0)
            pw = max((math.ceil(iw / self.stride) - 1) * self.stride + self.k - iw, 0)
            if ph or pw:
                x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
        return self.conv(x)


class ConvBn(nn.Module):
    def __init__(self, cin, cout, k, stride, m, names, registry):
        super().__init__()
        self.conv = SameConv(cin, cout, k, stride, m["conv_bias"])
        # Keras momentum 0.9 (moving = 0.9 moving + 0.1 batch) is PyTorch momentum 0.1.
        self.bn = nn.BatchNorm2d(cout, eps=m["bn_epsilon"], momentum=1 - m["bn_momentum_keras"]) if m["use_batch_norm"] else nn.Identity()
        registry[names[0]] = self.conv.conv
        if m["use_batch_norm"]:
            registry[names[1]] = self.bn

    def forward(self, x):
        return self.bn(self.conv(x))


class BasicBlock(nn.Module):
    """resnet.ts basicBlock: conv3x3/s-BN-ReLU, conv3x3-BN, (1x1/s conv-BN shortcut), add, ReLU."""

    def __init__(self, cin, cout, stride, project, m, prefix, registry):
        super().__init__()
        self.a = ConvBn(cin, cout, 3, stride, m, (prefix + "_conv_1", prefix + "_bn_1"), registry)
        self.b = ConvBn(cout, cout, 3, 1, m, (prefix + "_conv_2", prefix + "_bn_2"), registry)
        self.shortcut = ConvBn(cin, cout, 1, stride, m, (prefix + "_conv_shortcut", prefix + "_bn_shortcut"), registry) if project else None

    def forward(self, x):
        y = self.b(F.relu(self.a(x)))
        s = self.shortcut(x) if self.shortcut is not None else x
        return F.relu(y + s)


class DetectNetV2(nn.Module):
    """TAO-style ResNet at output stride 16 (stage 4 keeps stride 1) with the two 1x1 heads:
    output_cov (C maps, sigmoid) and output_bbox (4C maps, linear). `tao` maps the engine's
    (Keras) layer names to the modules, for loading the engine's weights."""

    def __init__(self, meta):
        super().__init__()
        m = meta["model"]
        layout = BLOCKS[m["layers"]]
        self.tao = {}
        self.stem = ConvBn(meta["channels"], 64, 7, 2, m, ("conv1", "bn_conv1"), self.tao)
        self.pool = m["use_pooling"]
        blocks = []
        channels = 64
        for stage, count in enumerate(layout):
            for b in range(count):
                stride = 2 if b == 0 and not (stage == 0 and self.pool) and stage != 3 else 1
                width = WIDTHS[stage]
                # TAO's template projects the shortcut of every stage's first block.
                project = m["all_projections"] or b == 0
                blocks.append(BasicBlock(channels, width, stride, project, m, "block_%d%s" % (stage + 1, chr(97 + b)), self.tao))
                channels = width
        self.blocks = nn.Sequential(*blocks)
        c = len(meta["classes"])
        self.cov = nn.Conv2d(channels, c, 1)
        self.bbox = nn.Conv2d(channels, 4 * c, 1)
        self.tao["output_cov"] = self.cov
        self.tao["output_bbox"] = self.bbox

    def forward(self, x):
        x = F.relu(self.stem(x))
        if self.pool:
            # Keras MaxPooling2D(3, 2, 'same'): pad bottom/right with -inf.
            ih, iw = x.shape[2], x.shape[3]
            ph = max((math.ceil(ih / 2) - 1) * 2 + 3 - ih, 0)
            pw = max((math.ceil(iw / 2) - 1) * 2 + 3 - iw, 0)
            x = F.max_pool2d(F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2), value=float("-inf")), 3, 2)
        x = self.blocks(x)
        return torch.sigmoid(self.cov(x)), self.bbox(x)


def load_engine_weights(model, folder):
    """Copies a tfjs layers-model folder (model.json + weights.bin, float32) into the model by
    layer name: Conv2D kernels HWIO -> OIHW; BatchNorm gamma, beta, moving mean and variance.
    Every parameter and running statistic must be covered, shapes must match."""
    with open(os.path.join(folder, "model.json")) as f:
        manifest = json.load(f)["weightsManifest"]
    targets = {}
    for layer, mod in model.tao.items():
        if isinstance(mod, nn.Conv2d):
            targets[layer + "/kernel"] = (mod.weight, (3, 2, 0, 1))
            if mod.bias is not None:
                targets[layer + "/bias"] = (mod.bias, None)
        else:
            targets[layer + "/gamma"] = (mod.weight, None)
            targets[layer + "/beta"] = (mod.bias, None)
            targets[layer + "/moving_mean"] = (mod.running_mean, None)
            targets[layer + "/moving_variance"] = (mod.running_var, None)
    seen = set()
    for group in manifest:
        blob = b"".join(open(os.path.join(folder, p), "rb").read() for p in group["paths"])
        at = 0
        for w in group["weights"]:
            if w["dtype"] != "float32" or "quantization" in w:
                raise SystemExit(f"{folder}: weight {w['name']} is {w['dtype']}, expected plain float32")
            count = int(np.prod(w["shape"])) if w["shape"] else 1
            value = torch.from_numpy(np.frombuffer(blob, dtype=np.float32, count=count, offset=at).copy().reshape(w["shape"]))
            at += 4 * count
            if w["name"] not in targets:
                raise SystemExit(f"{folder}: weight {w['name']} has no counterpart in the PyTorch model")
            tensor, perm = targets[w["name"]]
            if perm is not None:
                value = value.permute(*perm)
            if tuple(value.shape) != tuple(tensor.shape):
                raise SystemExit(f"{folder}: {w['name']} has shape {tuple(value.shape)}, the PyTorch model {tuple(tensor.shape)}")
            with torch.no_grad():
                tensor.copy_(value)
            seen.add(w["name"])
    missing = sorted(set(targets) - seen)
    if missing:
        raise SystemExit(f"{folder}: no weights for {', '.join(missing[:6])}{' ...' if len(missing) > 6 else ''}")


def save_engine_layout(model, like, path):
    """Writes the model's weights as float32 in the order and layout of the tfjs model folder
    `like` (its weights.bin layout), for a weight-by-weight comparison with an engine model."""
    with open(os.path.join(like, "model.json")) as f:
        manifest = json.load(f)["weightsManifest"]
    parts = []
    for group in manifest:
        for w in group["weights"]:
            layer, field = w["name"].rsplit("/", 1)
            mod = model.tao[layer]
            t = {"kernel": lambda: mod.weight.permute(2, 3, 1, 0), "bias": lambda: mod.bias, "gamma": lambda: mod.weight, "beta": lambda: mod.bias,
                 "moving_mean": lambda: mod.running_mean, "moving_variance": lambda: mod.running_var}[field]()
            parts.append(t.detach().contiguous().numpy().astype(np.float32).ravel())
    np.concatenate(parts).tofile(path)


def init_like_engine(model):
    """context.ts: heNormal kernels (tfjs: truncated normal at 2 sigma, sigma = sqrt(2 / fan_in)),
    zero biases; model.ts: glorotUniform heads; BatchNorm gamma 1, beta 0."""
    for name, mod in model.named_modules():
        if isinstance(mod, nn.Conv2d):
            if mod is model.cov or mod is model.bbox:
                nn.init.xavier_uniform_(mod.weight)
            else:
                fan_in = mod.in_channels * mod.kernel_size[0] * mod.kernel_size[1]
                std = math.sqrt(2.0 / fan_in)
                nn.init.trunc_normal_(mod.weight, 0.0, std, -2 * std, 2 * std)
            if mod.bias is not None:
                nn.init.zeros_(mod.bias)
        elif isinstance(mod, nn.BatchNorm2d):
            nn.init.ones_(mod.weight)
            nn.init.zeros_(mod.bias)


def learning_rate_at(lr, step, total_steps):
    """schedule.ts, soft_start_annealing: exponential ramp min -> max over soft_start, flat,
    exponential decay max -> min from annealing to the end (progress = step / total_steps)."""
    progress = step / total_steps if total_steps > 0 else 0.0
    base = lr["max"]
    log_ratio = math.log(lr["min"] / base)
    if progress < lr["soft_start"]:
        return base * math.exp(log_ratio * (1 - progress / lr["soft_start"]))
    if progress > lr["annealing"]:
        return base * math.exp(log_ratio * (progress - lr["annealing"]) / max(1e-12, 1 - lr["annealing"]))
    return base


def autoweight(cost, sums, prev):
    """loss.ts autoweight: target / summed epoch cost, normalized per class, clamped."""
    out = []
    for k, (s_cov, s_bbox) in enumerate(sums):
        targets = cost["objective_targets"][k]
        raw = [0.0 if s == 0 else t / s for s, t in zip((s_cov, s_bbox), targets)]
        total = raw[0] + raw[1]
        if total == 0:
            out.append(prev[k])
            continue
        out.append([min(cost["max_objective_weight"], max(cost["min_objective_weight"], w / total)) for w in raw])
    return out


def predict(model, xv, batch):
    """Raw outputs for every validation input, NHWC float32 (the engine's layout)."""
    model.eval()
    covs, bboxes = [], []
    with torch.no_grad():
        for s in range(0, xv.shape[0], batch):
            cp, bp = model(xv[s:s + batch])
            covs.append(cp.permute(0, 2, 3, 1).contiguous().numpy())
            bboxes.append(bp.permute(0, 2, 3, 1).contiguous().numpy())
    return np.concatenate(covs), np.concatenate(bboxes)


def write_outputs(model, xv, batch, prefix):
    cov, bbox = predict(model, xv, batch)
    cov.astype(np.float32).tofile(prefix + "_val_cov.f32")
    bbox.astype(np.float32).tofile(prefix + "_val_bbox.f32")


def load_f32(path, shape):
    a = np.fromfile(path, dtype=np.float32)
    expected = int(np.prod(shape))
    if a.size != expected:
        raise SystemExit(f"{path}: {a.size} floats, expected {expected} for shape {shape}")
    return a.reshape(shape)


def nchw(a):
    return torch.from_numpy(a).permute(0, 3, 1, 2).contiguous()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True, help="folder with meta.json and the .f32 files main.ts exported")
    p.add_argument("--out", required=True, help="where val_cov.f32 and val_bbox.f32 go")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--init", help="start from this tfjs model folder (the engine's initial weights) instead of fresh initializers")
    p.add_argument("--save-like", help="after training, write the weights to OUT/pytorch_weights.bin in the layout of this tfjs model folder")
    p.add_argument("--count-params", action="store_true", help="print the trainable parameter count and exit")
    p.add_argument("--forward-only", action="store_true", help="no training: write the raw validation outputs of the initial network (eval mode) as pytorch_init_val_*.f32")
    p.add_argument("--snapshots", action="store_true", help="also write the raw validation outputs after every epoch (diagnostics)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass

    with open(os.path.join(args.data, "meta.json")) as f:
        meta = json.load(f)
    r = meta["recipe"]
    cost = r["cost"]
    torch.manual_seed(meta["seed"])
    model = DetectNetV2(meta)
    if args.init:
        load_engine_weights(model, args.init)
    else:
        init_like_engine(model)
    params = sum(t.numel() for t in model.parameters() if t.requires_grad)
    if args.count_params:
        print(json.dumps({"trainable_params": params}))
        return

    H, W, CH, R, Q = meta["height"], meta["width"], meta["channels"], meta["rows"], meta["cols"]
    C = len(meta["classes"])
    n = meta["train"]["n"]
    d = args.data
    if args.forward_only:
        nv = meta["val"]["n"]
        xv = nchw(load_f32(os.path.join(d, meta["val"]["x"]), (nv, H, W, CH)))
        write_outputs(model, xv, meta["recipe"]["batch"], os.path.join(args.out, "pytorch_init"))
        print(json.dumps({"side": "pytorch", "trainable_params": params, "images": nv}))
        return
    x = nchw(load_f32(os.path.join(d, meta["train"]["x"]), (n, H, W, CH)))
    cov_t = nchw(load_f32(os.path.join(d, meta["train"]["cov"]), (n, R, Q, C)))
    bbox_t = nchw(load_f32(os.path.join(d, meta["train"]["bbox"]), (n, R, Q, 4 * C)))
    norm_t = nchw(load_f32(os.path.join(d, meta["train"]["norm"]), (n, R, Q, C)))
    nv = meta["val"]["n"]
    xv = nchw(load_f32(os.path.join(d, meta["val"]["x"]), (nv, H, W, CH)))

    batch = r["batch"]
    epochs = r["epochs"]
    steps_per_epoch = math.ceil(n / batch)
    total_steps = steps_per_epoch * epochs
    adam = r["adam"]
    opt = torch.optim.Adam(model.parameters(), lr=learning_rate_at(r["lr"], 0, total_steps), betas=(adam["beta1"], adam["beta2"]), eps=adam["epsilon"])
    # Regularized kernels: every convolution's weight (the regularizer's scope is Conv2D,
    # DepthwiseConv2D and Dense kernels; biases and BatchNorm parameters are left free).
    kernels = [m.weight for m in model.modules() if isinstance(m, nn.Conv2d)]
    reg = r["regularizer"]
    fg = torch.tensor(cost["foreground"], dtype=torch.float32).view(1, C, 1, 1)
    cw = cost["class_weights"]
    objective = [list(w) for w in cost["initial_objective_weights"]]

    model.train()
    epoch_seconds = []
    epoch_losses = []
    for epoch in range(epochs):
        order = torch.tensor(meta["order"][epoch], dtype=torch.long)
        cov_w = torch.tensor([cw[k] * objective[k][0] for k in range(C)], dtype=torch.float32)
        bbox_w = torch.tensor([cw[k] * objective[k][1] for k in range(C)], dtype=torch.float32)
        sums = [[0.0, 0.0] for _ in range(C)]
        loss_sum = 0.0
        seen = 0
        t0 = time.perf_counter()
        for step in range(steps_per_epoch):
            lr = learning_rate_at(r["lr"], epoch * steps_per_epoch + step, total_steps)
            for g in opt.param_groups:
                g["lr"] = lr
            idx = order[step * batch:(step + 1) * batch]
            b = idx.numel()
            xb, ct, bt, nt = x[idx], cov_t[idx], bbox_t[idx], norm_t[idx]
            cp, bp = model(xb)
            bce = -(ct * torch.log(cp + EPSILON) + (1 - ct) * torch.log(1 - cp + EPSILON))
            w = torch.where(ct > 0.5, fg.expand_as(ct), (1 - fg).expand_as(ct))
            cov_cost = (w * bce).mean(dim=(0, 2, 3))
            dist = (bp - bt).abs().view(b, C, 4, R, Q) * nt.view(b, C, 1, R, Q)
            bbox_cost = dist.mean(dim=(0, 2, 3, 4))
            total = (cov_cost * cov_w).sum() + (bbox_cost * bbox_w).sum()
            if reg["type"] != "None" and reg["weight"] > 0:
                terms = [k.abs().sum() if reg["type"] == "L1" else k.pow(2).sum() for k in kernels]
                total = total + reg["weight"] * torch.stack(terms).sum()
            opt.zero_grad(set_to_none=True)
            total.backward()
            opt.step()
            value = total.item()
            if not math.isfinite(value):
                raise SystemExit(f"loss became {value} at epoch {epoch + 1}, step {step + 1}")
            loss_sum += value * b
            cc = cov_cost.detach().tolist()
            bc = bbox_cost.detach().tolist()
            for k in range(C):
                sums[k][0] += cc[k]
                sums[k][1] += bc[k]
            seen += b
        epoch_seconds.append(time.perf_counter() - t0)
        epoch_losses.append(loss_sum / max(1, seen))
        if cost["autoweighting"]:
            objective = autoweight(cost, sums, objective)
        if args.snapshots:
            write_outputs(model, xv, batch, os.path.join(args.out, f"pytorch_e{epoch + 1}"))
            model.train()
        print(f"pytorch epoch {epoch + 1}/{epochs}: loss {epoch_losses[-1]:.4e} ({epoch_seconds[-1]:.1f} s, {seen / epoch_seconds[-1]:.1f} img/s)", file=sys.stderr)

    if args.save_like:
        save_engine_layout(model, args.save_like, os.path.join(args.out, "pytorch_weights.bin"))

    # Inference: one warm-up batch, then every validation image, batch by batch, reading the
    # outputs back as NHWC float32 (the engine's layout).
    model.eval()
    with torch.no_grad():
        model(xv[:batch])
    t0 = time.perf_counter()
    cov, bbox = predict(model, xv, batch)
    infer_seconds = time.perf_counter() - t0
    cov.astype(np.float32).tofile(os.path.join(args.out, "pytorch_val_cov.f32"))
    bbox.astype(np.float32).tofile(os.path.join(args.out, "pytorch_val_bbox.f32"))

    # Training speed over the epochs after the first (the first carries one-off allocation costs),
    # or the only epoch when there is one.
    timed = epoch_seconds[1:] if len(epoch_seconds) > 1 else epoch_seconds
    print(json.dumps({
        "side": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "trainable_params": params,
        "train_images": n,
        "epochs": epochs,
        "train_seconds": sum(epoch_seconds),
        "epoch_seconds": epoch_seconds,
        "epoch_losses": epoch_losses,
        "train_img_s": n * len(timed) / sum(timed),
        "infer_images": nv,
        "infer_seconds": infer_seconds,
        "infer_img_s": nv / infer_seconds,
        "objective_weights": objective,
    }))


if __name__ == "__main__":
    main()
