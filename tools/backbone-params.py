#!/usr/bin/env python3
"""Reference parameter counts for the engine's ResNet / DarkNet / CSPDarkNet / VGG / MobileNet backbones.

Written from NVIDIA's Keras templates (nvidia_tao_tf1/core/templates: resnet.py with
CNNBlock in utils.py, darknet.py, cspdarknet.py, cspdarknet_tiny.py with csp_tiny_block,
vgg.py with CNNBlock, mobilenet.py with _conv_block, _depthwise_conv_block and
_inverted_res_block),
independently of the engine's TypeScript: each network is listed as the (kernel, in, out)
of its convolutions and the widths of its batch norms, and counted the way Keras'
model.count_params() counts (conv kernel + optional bias; BN gamma, beta, moving mean and
variance = 4 per channel), plus classification_tf1's head (Dense to nclasses with bias).
Parameter counts do not depend on the input size or strides.

  python3 tools/backbone-params.py            # the table docs/backbones.md quotes
  python3 tools/backbone-params.py --json     # same figures, for tests
"""
import json
import sys


class Net:
    def __init__(self, use_bias, use_bn):
        self.use_bias = use_bias
        self.use_bn = use_bn
        self.params = 0

    def conv(self, k, cin, cout):
        self.params += k * k * cin * cout + (cout if self.use_bias else 0)
        if self.use_bn:
            self.params += 4 * cout
        return cout

    def depthwise(self, k, c):
        """A depthwise conv (depth multiplier 1) and its BN: one k x k filter per channel."""
        self.params += k * k * c + (c if self.use_bias else 0)
        if self.use_bn:
            self.params += 4 * c
        return c


def resnet(nlayers, all_projections, use_bias=False, use_bn=True):
    stages = {10: [1, 1, 1, 1], 18: [2, 2, 2, 2], 34: [3, 4, 6, 3],
              50: [3, 4, 6, 3], 101: [3, 4, 23, 3]}[nlayers]
    bottleneck = nlayers >= 50
    n = Net(use_bias, use_bn)
    c = n.conv(7, 3, 64)
    for s, repeat in enumerate(stages):
        w = 64 * 2 ** s
        subs = [(1, w), (3, w), (1, 4 * w)] if bottleneck else [(3, w), (3, w)]
        for i in range(repeat):
            cin = c
            for k, f in subs:
                c = n.conv(k, c, f)
            # CNNBlock: a 1x1 projection when all_projections, else on the first block of a stage.
            if all_projections or i == 0:
                n.conv(1, cin, c)
    return n.params, c


def darknet(nlayers, use_bias=False, use_bn=True):
    n = Net(use_bias, use_bn)
    c = n.conv(3, 3, 32)
    if nlayers == 53:
        for s, repeat in enumerate([1, 2, 8, 8, 4]):
            w = 64 * 2 ** s
            c = n.conv(3, c, w)
            for _ in range(repeat):
                n.conv(1, w, w // 2)
                n.conv(3, w // 2, w)
    else:
        for stage in [[(3, 64)], [(3, 128), (1, 64), (3, 128)], [(3, 256), (1, 128), (3, 256)],
                      [(3, 512), (1, 256), (3, 512), (1, 256), (3, 512)],
                      [(3, 1024), (1, 512), (3, 1024), (1, 512), (3, 1024)]]:
            for k, f in stage:
                c = n.conv(k, c, f)
    return n.params, c


def cspdarknet(nlayers, use_bias=False, use_bn=True):
    n = Net(use_bias, use_bn)
    c = n.conv(3, 3, 32)
    if nlayers == 53:
        for s, repeat in enumerate([1, 2, 8, 8, 4]):
            w = 64 * 2 ** s
            part = w if s == 0 else w // 2
            c = n.conv(3, c, w)
            n.conv(1, w, part)          # conv<n>_1, the shortcut path
            n.conv(1, w, part)          # conv<n>_2, the dense path
            for _ in range(repeat):
                n.conv(1, part, w // 2)
                n.conv(3, w // 2, part)
            n.conv(1, part, part)       # partial_trans
            c = n.conv(1, 2 * part, w)  # final_trans after the concat
    else:
        c = n.conv(3, c, 64)            # b1_conv1
        dense = {2: [(1, 64), (3, 64)], 3: [(1, 128), (3, 128)],
                 4: [(1, 256), (3, 256), (1, 256), (3, 256)],
                 5: [(1, 512), (3, 512), (1, 512), (3, 512)]}
        for stage in range(2, 6):
            w = 32 * 2 ** stage
            c = n.conv(3, c, w)
            n.conv(1, w, w // 2)        # part1
            d = n.conv(1, w, w // 2)    # part2
            for k, f in dense[stage]:
                d = n.conv(k, d, f)
            n.conv(1, d, w // 2)        # partial_trans
            c = n.conv(1, w, w)         # final_trans after the concat
    return n.params, c


def cspdarknet_tiny(use_bias=False, use_bn=True):
    n = Net(use_bias, use_bn)
    c = n.conv(3, 3, 32)
    c = n.conv(3, c, 64)
    for f in [64, 128, 256]:
        c = n.conv(3, c, f)             # conv_0; its second half goes on through the Split
        h = n.conv(3, f // 2, f // 2)   # conv_1
        n.conv(3, h, f // 2)            # conv_2
        n.conv(1, f, f)                 # conv_3 after concat_0
        c = 2 * f                       # concat_1 of conv_0 and conv_3
    c = n.conv(3, c, 512)
    return n.params, c


def vgg(nlayers, use_bias=False, use_bn=True):
    # One CNNBlock per stage, one 3x3 conv per repeat; pooling or strides change no count.
    repeats = {16: [2, 2, 3, 3, 3], 19: [2, 2, 4, 4, 4]}[nlayers]
    n = Net(use_bias, use_bn)
    c = 3
    for width, repeat in zip([64, 128, 256, 512, 512], repeats):
        for _ in range(repeat):
            c = n.conv(3, c, width)
    return n.params, c


def mobilenet_v1(use_bias=False, use_bn=True):
    n = Net(use_bias, use_bn)
    c = n.conv(3, 3, 32)                      # _conv_block: conv1
    for width in [64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024]:
        n.depthwise(3, c)                     # conv_dw_<id>
        c = n.conv(1, c, width)               # conv_pw_<id>
    return n.params, c


def mobilenet_v2(all_projections=False, use_bias=False, use_bn=True):
    n = Net(use_bias, use_bn)
    c = n.conv(3, 3, 32)                      # conv1 + bn_conv1
    # (expansion, filters, repeats) of the 17 inverted residual blocks; strides change no count.
    for t, f, r in [(1, 16, 1), (6, 24, 2), (6, 32, 3), (6, 64, 4), (6, 96, 3), (6, 160, 3), (6, 320, 1)]:
        for _ in range(r):
            hidden = n.conv(1, c, t * c) if t != 1 else c   # block_<id>_expand (not in block 0)
            n.depthwise(3, hidden)
            out = n.conv(1, hidden, f)                      # project + project_bn
            if out == c and all_projections:
                # projected_inputs: a 1x1 conv on the shortcut, never a bias and no BN. Every
                # block with equal widths has stride 1 in this table's layout.
                n.params += c * c
            c = out
    c = n.conv(1, c, 1280)                    # conv_1 + conv_1_bn
    return n.params, c


def with_head(counted, nclasses):
    params, features = counted
    return params + features * nclasses + nclasses


def table(nclasses=1000):
    rows = {}
    for d in [10, 18, 34, 50, 101]:
        rows[f'resnet{d}'] = with_head(resnet(d, False), nclasses)
        rows[f'resnet{d} all_projections'] = with_head(resnet(d, True), nclasses)
    for d in [19, 53]:
        rows[f'darknet{d}'] = with_head(darknet(d), nclasses)
        rows[f'cspdarknet{d}'] = with_head(cspdarknet(d), nclasses)
    rows['cspdarknet_tiny'] = with_head(cspdarknet_tiny(), nclasses)
    # The same backbones without batch norm (conv biases instead): use_batch_norm false, use_bias true.
    rows['resnet50 no_bn bias'] = with_head(resnet(50, False, use_bias=True, use_bn=False), nclasses)
    rows['darknet19 no_bn bias'] = with_head(darknet(19, use_bias=True, use_bn=False), nclasses)
    rows['cspdarknet_tiny bias'] = with_head(cspdarknet_tiny(use_bias=True), nclasses)
    for d in [16, 19]:
        rows[f'vgg{d}'] = with_head(vgg(d), nclasses)
        rows[f'vgg{d} no_bn bias'] = with_head(vgg(d, use_bias=True, use_bn=False), nclasses)
    rows['mobilenet_v1'] = with_head(mobilenet_v1(), nclasses)
    rows['mobilenet_v1 bias'] = with_head(mobilenet_v1(use_bias=True), nclasses)
    rows['mobilenet_v2'] = with_head(mobilenet_v2(), nclasses)
    rows['mobilenet_v2 all_projections'] = with_head(mobilenet_v2(all_projections=True), nclasses)
    rows['mobilenet_v2 bias'] = with_head(mobilenet_v2(use_bias=True), nclasses)
    return rows


if __name__ == '__main__':
    nclasses = 1000
    for a in sys.argv[1:]:
        if a.startswith('--classes='):
            nclasses = int(a.split('=', 1)[1])
    rows = table(nclasses)
    if '--json' in sys.argv:
        print(json.dumps(rows, indent=2))
    else:
        print(f'| backbone (use_batch_norm, no bias, {nclasses}-class head) | parameters |')
        print('|---|---:|')
        for k, v in rows.items():
            print(f'| {k} | {v:,} |')
