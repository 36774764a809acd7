#!/usr/bin/python3
"""The PyTorch side of the training benchmark (bench/train/main.ts runs it).

Builds the same networks as the engine, layer for layer (bench/train/models.ts and
engine/src/models/), trains them with the same optimizer settings, batch size and bytes of
data, and prints one JSON line with images/s for training and inference. Written for the
Debian package python3-torch (1.13) and Debian's interpreter /usr/bin/python3.

Differences from the engine's Keras-style layers, none of which changes the work done:
- 'same' padding: TensorFlow pads stride-2 convolutions and pools asymmetrically (more on the
  bottom/right), PyTorch symmetrically; output shapes and FLOPs are identical.
- The head: the engine applies softmax in the model and takes -sum(y*log(clip(p))); here the
  model returns logits and CrossEntropyLoss fuses log-softmax. Same loss value up to clipping.
- BatchNorm momentum 0.9 in Keras terms is momentum 0.1 in PyTorch terms (the same update).
"""
import argparse
import json
import math
import statistics
import resource
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
except ImportError as err:  # the caller turns this into a clear failure
    print(json.dumps({"error": f"cannot import PyTorch/numpy: {err}"}))
    sys.exit(3)

BN_EPS = 1e-3
BN_MOMENTUM = 0.1


def conv_bn(cin, cout, k, stride, groups=1):
    return [
        nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout, eps=BN_EPS, momentum=BN_MOMENTUM),
    ]


class SmallCNN(nn.Module):
    """5 x (conv3x3 no bias + BN + ReLU), widths 16-32-32-64-64, strides 2-1-2-1-2, GAP, dense."""

    def __init__(self, channels, classes):
        super().__init__()
        layers = []
        cin = channels
        for w, s in zip([16, 32, 32, 64, 64], [2, 1, 2, 1, 2]):
            layers += conv_bn(cin, w, 3, s) + [nn.ReLU(inplace=True)]
            cin = w
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(self.features(x), 1), 1))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride, project):
        super().__init__()
        self.body = nn.Sequential(*conv_bn(cin, cout, 3, stride), nn.ReLU(inplace=True), *conv_bn(cout, cout, 3, 1))
        self.shortcut = nn.Sequential(*conv_bn(cin, cout, 1, stride)) if project else nn.Identity()
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.body(x) + self.shortcut(x))


class ResNet18(nn.Module):
    """The engine's resnet (n_layers 18, use_pooling true, all_projections false)."""

    def __init__(self, channels, classes):
        super().__init__()
        layers = conv_bn(channels, 64, 7, 2) + [nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, padding=1)]
        cin = 64
        for stage, width in enumerate([64, 128, 256, 512]):
            for b in range(2):
                stride = 2 if b == 0 and stage > 0 else 1
                # TAO's template projects the shortcut of every stage's first block.
                layers.append(BasicBlock(cin, width, stride, b == 0))
                cin = width
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(self.features(x), 1), 1))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        hidden = cin * t
        layers = []
        if t != 1:
            layers += conv_bn(cin, hidden, 1, 1) + [nn.ReLU(inplace=True)]
        layers += conv_bn(hidden, hidden, 3, stride, groups=hidden) + [nn.ReLU(inplace=True)]
        layers += conv_bn(hidden, cout, 1, 1)
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class MobileNetV2(nn.Module):
    """The engine's mobilenet_v2 as TAO's template builds it (width 1.0): stem 32, the paper's 17 blocks,
    1x1 conv to 1280, plain ReLU (TAO's default activation; relu6 only when a spec asks), and
    1-pixel symmetric padding on the 3x3 convs (TAO's ZeroPadding2D + valid)."""

    SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

    def __init__(self, channels, classes):
        super().__init__()
        layers = conv_bn(channels, 32, 3, 2) + [nn.ReLU(inplace=True)]
        cin = 32
        for t, c, n, s in self.SETTINGS:
            for r in range(n):
                layers.append(InvertedResidual(cin, c, s if r == 0 else 1, t))
                cin = c
        layers += conv_bn(cin, 1280, 1, 1) + [nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(1280, classes)

    def forward(self, x):
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(self.features(x), 1), 1))


MODELS = {"small_cnn": SmallCNN, "resnet18": ResNet18, "mobilenet_v2": MobileNetV2}


def init_like_engine(model):
    # He-normal convolutions and Glorot-uniform dense layer, zero biases, as the engine's builders.
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
        elif isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)


def load(images, labels, n, size, channels):
    x = np.fromfile(images, dtype=np.uint8)[: n * size * size * channels].reshape(n, size, size, channels)
    y = np.fromfile(labels, dtype=np.uint8)[:n].astype(np.int64)
    return x, y


def to_tensor(batch_u8):
    # Same preprocessing as the engine's 'tf' mode (x / 127.5 - 1), HWC -> CHW.
    t = torch.from_numpy(batch_u8).float().div_(127.5).sub_(1.0)
    return t.permute(0, 3, 1, 2).contiguous()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True, choices=sorted(MODELS))
    p.add_argument("--images", required=True)
    p.add_argument("--labels", required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--channels", type=int, required=True)
    p.add_argument("--classes", type=int, required=True)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--infer-batches", type=int, default=5)
    p.add_argument("--infer-passes", type=int, default=1, help="inference timed this many times; the median pass counts")
    p.add_argument("--mode", default="throughput", choices=["throughput", "accuracy"])
    p.add_argument("--eval-images")
    p.add_argument("--eval-labels")
    p.add_argument("--eval-n", type=int, default=0)
    p.add_argument("--device", default="cpu", help="cpu, or cuda for bench/gpu (same model, data and step)")
    a = p.parse_args()
    device = torch.device(a.device)

    torch.set_num_threads(a.threads)
    torch.manual_seed(42)
    x, y = load(a.images, a.labels, a.n, a.size, a.channels)
    model = MODELS[a.model](a.channels, a.classes)
    init_like_engine(model)
    model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    batch = a.batch

    def step(start):
        # Host -> device copy included, as the engine uploads each batch too; loss.item() below
        # waits for the device, so the step's wall time is the GPU's.
        xb = to_tensor(x[start : start + batch]).to(device)
        yb = torch.from_numpy(y[start : start + batch]).to(device)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return float(loss.item())

    def predict(xs):
        model.eval()
        out = []
        with torch.no_grad():
            for s in range(0, len(xs), batch):
                out.append(torch.softmax(model(to_tensor(xs[s : s + batch]).to(device)), 1).cpu())
        model.train()
        return torch.cat(out)

    result = {
        "side": "pytorch",
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "model": a.model,
        "batch": batch,
        "input": f"{a.channels}x{a.size}x{a.size}",
        "trainable_params": sum(q.numel() for q in model.parameters() if q.requires_grad),
    }
    model.train()
    if a.mode == "accuracy":
        t0 = time.perf_counter()
        last = math.nan
        seen = 0
        for start in range(0, a.n - batch + 1, batch):
            last = step(start)
            seen += batch
        seconds = time.perf_counter() - t0
        ex, ey = load(a.eval_images, a.eval_labels, a.eval_n, a.size, a.channels)
        t1 = time.perf_counter()
        probs = predict(ex)
        infer_s = time.perf_counter() - t1
        acc = float((probs.argmax(1).numpy() == ey).mean())
        loss = float(-torch.log(probs[torch.arange(len(ey)), torch.from_numpy(ey)].clamp(1e-7, 1 - 1e-7)).mean())
        result.update(train_images=seen, train_seconds=seconds, train_img_s=seen / seconds, infer_images=a.eval_n, infer_img_s=a.eval_n / infer_s, last_loss=last, eval_images=a.eval_n, accuracy=acc, eval_loss=loss)
    else:
        pos = [0]

        def nxt():
            s = pos[0]
            pos[0] = 0 if pos[0] + 2 * batch > a.n else pos[0] + batch
            return s

        for _ in range(a.warmup):
            step(nxt())
        t0 = time.perf_counter()
        last = math.nan
        for _ in range(a.steps):
            last = step(nxt())
        train_s = time.perf_counter() - t0
        n_inf = min(a.n, a.infer_batches * batch)
        predict(x[:batch])  # warm-up
        passes = []
        for _ in range(a.infer_passes):
            t1 = time.perf_counter()
            predict(x[:n_inf])
            passes.append(time.perf_counter() - t1)
        infer_s = statistics.median(passes)
        result.update(train_steps=a.steps, train_img_s=a.steps * batch / train_s, infer_images=n_inf, infer_img_s=n_inf / infer_s, infer_pass_img_s=[n_inf / s for s in passes], last_loss=last)
    # ru_maxrss is in KiB on Linux: the process's peak resident memory.
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
