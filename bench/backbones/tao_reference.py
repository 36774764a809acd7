#!/usr/bin/python3
"""Reference parameter counts for TAO's classification backbones, built independently in PyTorch.

Each function restates one of NVIDIA's tao_tensorflow1_backend Keras templates
(nvidia_tao_tf1/core/templates/{efficientnet,googlenet,squeezenet,alexnet}.py and utils.py)
plus the classification builder's dense head (nvidia_tao_tf1/cv/makenet/model/model_builder.py:
average pool over the whole map, Flatten, Dense(nclasses, softmax)). The count is what Keras'
model.count_params() reports: trainable weights plus BatchNorm moving mean and variance
(PyTorch's running_mean / running_var buffers; num_batches_tracked is not a Keras weight).
Spatial padding never changes a parameter count, so convs use PyTorch's symmetric padding.

Usage: tao_reference.py [--classes N] [--use-bias] [--no-bn] [--arch NAME ...]
Prints one JSON line per arch: {"arch", "params", "options"}.
"""
import argparse
import json
import math

import torch.nn as nn


def count(module):
    n = sum(p.numel() for p in module.parameters())
    for name, b in module.named_buffers():
        if name.endswith("running_mean") or name.endswith("running_var"):
            n += b.numel()
    return n


# ---- EfficientNet (efficientnet.py + utils.block) ----------------------------------------
B0 = [  # kernel, repeats, in, out, expand, stride
    (3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2), (3, 3, 40, 80, 6, 2),
    (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2), (3, 1, 192, 320, 6, 1),
]
COEFFS = {0: (1.0, 1.0), 1: (1.0, 1.1), 2: (1.1, 1.2), 3: (1.2, 1.4),
          4: (1.4, 1.8), 5: (1.6, 2.2), 6: (1.8, 2.6), 7: (2.0, 3.1)}


def round_filters(f, w, divisor=8):
    f = f * w
    new = max(divisor, int(f + divisor / 2) // divisor * divisor)
    if new < 0.9 * f:
        new += divisor
    return int(new)


class MBConv(nn.Module):
    def __init__(self, cin, cout, k, stride, expand, use_bias):
        super().__init__()
        mid = cin * expand
        layers = []
        if expand != 1:
            layers += [nn.Conv2d(cin, mid, 1, bias=use_bias), nn.BatchNorm2d(mid), nn.SiLU()]
        layers += [nn.Conv2d(mid, mid, k, stride, k // 2, groups=mid, bias=use_bias), nn.BatchNorm2d(mid), nn.SiLU()]
        self.body = nn.Sequential(*layers)
        se = max(1, int(cin * 0.25))
        # The SE convs always carry a bias; the projection never does.
        self.se = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(mid, se, 1), nn.SiLU(), nn.Conv2d(se, mid, 1), nn.Sigmoid())
        self.project = nn.Sequential(nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout))


def efficientnet(b, classes, use_bias):
    w, d = COEFFS[b]
    mods = [nn.Conv2d(3, round_filters(32, w), 3, 2, bias=use_bias), nn.BatchNorm2d(round_filters(32, w))]
    for k, reps, cin, cout, e, s in B0:
        cin, cout = round_filters(cin, w), round_filters(cout, w)
        for j in range(int(math.ceil(d * reps))):
            mods.append(MBConv(cin if j == 0 else cout, cout, k, s if j == 0 else 1, e, use_bias))
    top = round_filters(1280, w)
    mods += [nn.Conv2d(round_filters(320, w), top, 1, bias=use_bias), nn.BatchNorm2d(top), nn.Linear(top, classes)]
    return nn.ModuleList(mods)


# ---- GoogLeNet (googlenet.py + utils.InceptionV1Block) -----------------------------------
INCEPTION = [(64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64), (192, 96, 208, 16, 48, 64),
             (160, 112, 224, 24, 64, 64), (128, 128, 256, 24, 64, 64), (112, 144, 288, 32, 64, 64),
             (256, 160, 320, 32, 128, 128), (256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128)]


def conv_unit(cin, cout, k, use_bias, use_bn):
    m = [nn.Conv2d(cin, cout, k, padding=k // 2, bias=use_bias)]
    if use_bn:
        m.append(nn.BatchNorm2d(cout))
    return m


def googlenet(classes, use_bias, use_bn):
    mods = conv_unit(3, 64, 7, use_bias, use_bn) + conv_unit(64, 64, 1, use_bias, use_bn) + conv_unit(64, 192, 3, use_bias, use_bn)
    cin = 192
    for a, b_red, b, c_red, c, p in INCEPTION:
        mods += conv_unit(cin, a, 1, use_bias, use_bn)
        mods += conv_unit(cin, b_red, 1, use_bias, use_bn) + conv_unit(b_red, b, 3, use_bias, use_bn)
        mods += conv_unit(cin, c_red, 1, use_bias, use_bn) + conv_unit(c_red, c, 5, use_bias, use_bn)
        mods += conv_unit(cin, p, 1, use_bias, use_bn)
        cin = a + b + c + p
    mods.append(nn.Linear(cin, classes))
    return nn.ModuleList(mods)


# ---- SqueezeNet (squeezenet.py + utils.fire_module) --------------------------------------
FIRES = [(16, 64), (16, 64), (32, 128), (32, 128), (48, 192), (48, 192), (64, 256), (64, 256)]


def squeezenet(classes):
    mods = [nn.Conv2d(3, 96, 7, 2, 3)]
    cin = 96
    for s, e in FIRES:
        mods += [nn.Conv2d(cin, s, 1), nn.Conv2d(s, e, 1), nn.Conv2d(s, e, 3, padding=1)]
        cin = 2 * e
    mods.append(nn.Linear(cin, classes))
    return nn.ModuleList(mods)


# ---- AlexNet (alexnet.py, add_head=False) ------------------------------------------------
def alexnet(classes):
    mods = [nn.Conv2d(3, 96, 11, 4), nn.Conv2d(96, 256, 5, padding=2), nn.Conv2d(256, 384, 3, padding=1),
            nn.Conv2d(384, 384, 3, padding=1), nn.Conv2d(384, 256, 3, padding=1), nn.Linear(256, classes)]
    return nn.ModuleList(mods)


def build(arch, classes, use_bias, use_bn, channels):
    if arch.startswith("efficientnet_b"):
        m = efficientnet(int(arch[-1]), classes, use_bias)
    elif arch == "googlenet":
        m = googlenet(classes, use_bias, use_bn)
    elif arch == "squeezenet":
        m = squeezenet(classes)
    elif arch == "alexnet":
        m = alexnet(classes)
    else:
        raise SystemExit(f"unknown arch {arch}")
    # The first conv reads `channels` input planes; the tables above assume 3.
    first = m[0]
    extra = (channels - 3) * first.out_channels * first.kernel_size[0] * first.kernel_size[1]
    return count(m) + extra


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--channels", type=int, default=3)
    ap.add_argument("--use-bias", action="store_true")
    ap.add_argument("--no-bn", action="store_true")
    ap.add_argument("--arch", nargs="*", default=[f"efficientnet_b{i}" for i in range(8)] + ["googlenet", "squeezenet", "alexnet"])
    a = ap.parse_args()
    for arch in a.arch:
        n = build(arch, a.classes, a.use_bias, not a.no_bn, a.channels)
        print(json.dumps({"arch": arch, "params": n, "options": {"classes": a.classes, "channels": a.channels, "use_bias": a.use_bias, "use_batch_norm": not a.no_bn}}))


if __name__ == "__main__":
    main()
