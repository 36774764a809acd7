#!/usr/bin/python3
"""The PyTorch side of bench/backbones: torchvision's model for a TAO backbone, timed on CPU.

torchvision's networks are the common reference implementations, not TAO's layer-for-layer
twins (torchvision's GoogLeNet uses 3x3 convs in its "5x5" branch and no biases, its
EfficientNet-B0 has the same stages as TAO's), so parameter counts are printed next to the
engine's instead of being required equal. Written for Debian's python3-torch (1.13) and
python3-torchvision (0.14) on /usr/bin/python3.

Usage: torchvision_bench.py --model resnet50 --size 224 --batch 32 --steps 3 --warmup 1
                            --infer-batches 3 --threads 1
Prints one JSON line: params, conv_dense_flops (forward, per image), train_img_s, infer_img_s
(or {"error": ...}).
"""
import argparse
import json
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torchvision.models as tvm
except ImportError as err:
    print(json.dumps({"error": f"cannot import torch/torchvision: {err}"}))
    sys.exit(3)

BUILDERS = {
    "resnet50": lambda: tvm.resnet50(num_classes=1000),
    "resnet101": lambda: tvm.resnet101(num_classes=1000),
    "efficientnet_b0": lambda: tvm.efficientnet_b0(num_classes=1000),
    "googlenet": lambda: tvm.googlenet(num_classes=1000, aux_logits=False, init_weights=False),
    "squeezenet": lambda: tvm.squeezenet1_0(num_classes=1000),
    "alexnet": lambda: tvm.alexnet(num_classes=1000),
}


def count(model):
    n = sum(p.numel() for p in model.parameters())
    n += sum(b.numel() for name, b in model.named_buffers() if name.endswith(("running_mean", "running_var")))
    return n


def conv_dense_flops(model, size):
    """Forward FLOPs per image of the convolutions and linear layers (multiply and add counted
    as 2), counted from each layer's output shape the way bench/train/models.ts counts ours."""
    total = 0

    def conv(mod, _inp, out):
        nonlocal total
        k = mod.kernel_size[0] * mod.kernel_size[1]
        total += 2 * k * (mod.in_channels // mod.groups) * out[0].numel()

    def linear(mod, _inp, out):
        nonlocal total
        total += 2 * mod.in_features * mod.out_features

    hooks = [m.register_forward_hook(conv) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(linear) for m in model.modules() if isinstance(m, nn.Linear)]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    model.train(was_training)
    for h in hooks:
        h.remove()
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--infer-batches", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    if a.model not in BUILDERS:
        print(json.dumps({"error": f"no torchvision model for {a.model}"}))
        return
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = BUILDERS[a.model]()
    x = torch.rand(a.batch, 3, a.size, a.size)
    y = torch.randint(0, 10, (a.batch,))
    # Adam with the engine's settings for a classification_tf1 spec (bench/train/step.ts).
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return float(loss)

    model.train()
    for _ in range(a.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step()
    train = a.steps * a.batch / (time.perf_counter() - t0)

    model.eval()
    with torch.no_grad():
        model(x)
        t1 = time.perf_counter()
        for _ in range(a.infer_batches):
            model(x)
        infer = a.infer_batches * a.batch / (time.perf_counter() - t1)
    print(json.dumps({"side": "pytorch", "torch": torch.__version__, "model": a.model, "params": count(model),
                      "conv_dense_flops": conv_dense_flops(model, a.size),
                      "train_img_s": train, "infer_img_s": infer, "threads": a.threads}))


if __name__ == "__main__":
    main()
