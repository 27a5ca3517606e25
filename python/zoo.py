"""The sparsetickets model zoo (src/models, SPEC §1) as PyTorch modules: the same parameter and buffer names,
shapes and state_dict order, the same width rule and the same initialisation schemes, so a state dict moves
between the TypeScript engine and PyTorch in both directions.

    import sys; sys.path.insert(0, 'python')
    from zoo import create_model, MODEL_NAMES
    model = create_model('resnet18', width=0.5, num_classes=100)

The final average pools are written as the reference repositories write them (fixed 4x4, 8x8 or 2x2 windows);
the TypeScript models pool globally, which is the same thing at the 32x32 (28x28) inputs the zoo is made for.

The AT tweak of SPEC §9 (spending the lottery better): `activation` ('relu', 'swish', 'mish') takes every ReLU's
place, and `extra_skips` gives every BasicBlock the two jump paths of VITA-Group/ToST's resnet_modified.py
(conv_jump1/conv_jump1_bn, conv_jump2/conv_jump2_bn; conv weights 1e-4):

    create_model('resnet18', activation='swish', extra_skips=True)
"""
import math
import re

import torch
import torch.nn as nn
import torch.nn.functional as F


# The activation modules of the AT tweak; SiLU is swish x*sigmoid(x), Mish x*tanh(softplus(x)).
ACTIVATIONS = {'relu': nn.ReLU, 'swish': nn.SiLU, 'mish': nn.Mish}
EXTRA_SKIP_MODELS = ('resnet18', 'resnet34', 'resnet20', 'resnet32')
JUMP_INIT = 1e-4


def scaled(channels, width):
    """channels x width rounded half up, at least 1 (src/models/common.ts computes the same)."""
    return max(1, math.floor(channels * width + 0.5))


def kaiming_fan_out(module):
    nn.init.kaiming_normal_(module.weight, mode='fan_out', nonlinearity='relu')


def kaiming_fan_in(module):
    nn.init.kaiming_normal_(module.weight)


def conv_weights(model, init):
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            init(m)


def jump_weights(model):
    """The jump paths' convs start at the constant 1e-4 (SPEC §9; ToST fills them with 0.0001)."""
    for name, m in model.named_modules():
        if name.endswith('conv_jump1') or name.endswith('conv_jump2'):
            nn.init.constant_(m.weight, JUMP_INIT)


# --- lenet300, mlp-cifar: sparse_learning's LeNet_300_100 and MLP_CIFAR10 ---------------------------------

class MLP(nn.Module):
    def __init__(self, sizes, act=nn.ReLU):
        super().__init__()
        self.act = act()
        self.depth = len(sizes) - 1
        for i in range(1, len(sizes)):
            setattr(self, f'fc{i}', nn.Linear(sizes[i - 1], sizes[i]))

    def forward(self, x):
        x = x.flatten(1)
        for i in range(1, self.depth + 1):
            x = getattr(self, f'fc{i}')(x)
            if i < self.depth:
                x = self.act(x)
        return x


# --- lenet5: Caffe's LeNet-5 (sparse_learning's LeNet_5_Caffe) ----------------------------------------------

class LeNet5(nn.Module):
    def __init__(self, width, num_classes, input_shape, act=nn.ReLU):
        super().__init__()
        self.act = act()
        c, h, w = input_shape
        c1, c2, hidden = scaled(20, width), scaled(50, width), scaled(500, width)
        side = lambda n: ((n - 4) // 2 - 4) // 2
        self.conv1 = nn.Conv2d(c, c1, 5)
        self.conv2 = nn.Conv2d(c1, c2, 5)
        self.fc3 = nn.Linear(c2 * side(h) * side(w), hidden)
        self.fc4 = nn.Linear(hidden, num_classes)

    def forward(self, x):
        x = F.max_pool2d(self.act(self.conv1(x)), 2)
        x = F.max_pool2d(self.act(self.conv2(x)), 2)
        return self.fc4(self.act(self.fc3(x.flatten(1))))


# --- vgg16 (sparse_learning's VGG16('like')) and vgg19 (OpenLTH/GraNet's VGG(depth=19)) ---------------------

VGG16_LIKE = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']
VGG19 = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512]


def conv_layers(cfg, in_channels, width, bias, act=nn.ReLU):
    layers, c = [], in_channels
    for v in cfg:
        if v == 'M':
            layers.append(nn.MaxPool2d(2, 2))
        else:
            out = scaled(v, width)
            layers += [nn.Conv2d(c, out, 3, padding=1, bias=bias), nn.BatchNorm2d(out), act()]
            c = out
    return nn.Sequential(*layers), c


class VGG16(nn.Module):
    def __init__(self, width, num_classes, input_shape, act=nn.ReLU):
        super().__init__()
        c, h, w = input_shape
        self.features, out = conv_layers(VGG16_LIKE, c, width, bias=True, act=act)
        hidden = scaled(512, width)
        self.classifier = nn.Sequential(
            nn.Linear(out * (h // 32) * (w // 32), hidden),
            act(),
            nn.BatchNorm1d(hidden),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


class VGG19Net(nn.Module):
    def __init__(self, width, num_classes, input_shape, act=nn.ReLU):
        super().__init__()
        self.feature, out = conv_layers(VGG19, input_shape[0], width, bias=False, act=act)
        self.classifier = nn.Linear(out, num_classes)
        conv_weights(self, kaiming_fan_out)
        nn.init.normal_(self.classifier.weight, 0, 0.01)
        nn.init.zeros_(self.classifier.bias)

    def forward(self, x):
        return self.classifier(F.avg_pool2d(self.feature(x), 2).flatten(1))


# --- resnet18/34/50: the CIFAR ResNet of the reference repos (GraNet's resnet_cifar100) -------------------

class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride, shortcut, act=nn.ReLU, extra_skips=False):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.act = act()
        self.shortcut = nn.Sequential()
        if shortcut:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
        self.extra_skips = extra_skips
        if extra_skips:
            self.conv_jump1 = nn.Conv2d(in_planes, planes, 1, stride, bias=False)
            self.conv_jump2 = nn.Conv2d(planes, planes, 1, 1, bias=False)
            self.conv_jump1_bn = nn.BatchNorm2d(planes)
            self.conv_jump2_bn = nn.BatchNorm2d(planes)

    def forward(self, x):
        out = self.bn1(self.conv1(x))
        if self.extra_skips:
            out = out + self.conv_jump1_bn(self.conv_jump1(x))
        h = self.act(out)
        out = self.bn2(self.conv2(h)) + self.shortcut(x)
        if self.extra_skips:
            out = out + self.conv_jump2_bn(self.conv_jump2(h))
        return self.act(out)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_planes, planes, stride, shortcut, act=nn.ReLU):
        super().__init__()
        self.act = act()
        out = self.expansion * planes
        self.conv1 = nn.Conv2d(in_planes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.shortcut = nn.Sequential()
        if shortcut:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, out, 1, stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        out = self.act(self.bn1(self.conv1(x)))
        out = self.act(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.act(out + self.shortcut(x))


class ResNet(nn.Module):
    def __init__(self, block, num_blocks, width, num_classes, input_shape, act=nn.ReLU, extra_skips=False):
        super().__init__()
        self.act = act()
        stem = scaled(64, width)
        self.conv1 = nn.Conv2d(input_shape[0], stem, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        in_planes = stem
        for stage, planes in enumerate([64, 128, 256, 512]):
            p = scaled(planes, width)
            blocks = []
            for i in range(num_blocks[stage]):
                stride = 2 if i == 0 and stage > 0 else 1
                shortcut = stride != 1 or in_planes != block.expansion * p
                skips = {'extra_skips': extra_skips} if block is BasicBlock else {}
                blocks.append(block(in_planes, p, stride, shortcut, act, **skips))
                in_planes = block.expansion * p
            setattr(self, f'layer{stage + 1}', nn.Sequential(*blocks))
        self.classifier = nn.Linear(in_planes, num_classes, bias=False)
        conv_weights(self, kaiming_fan_out)
        jump_weights(self)

    def forward(self, x):
        out = self.act(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        return self.classifier(F.avg_pool2d(out, 4).flatten(1))


# --- resnet20/32: He et al.'s CIFAR ResNet as OpenLTH's cifar_resnet_N ---------------------------------------

class CifarResNet(nn.Module):
    def __init__(self, depth, width, num_classes, input_shape, act=nn.ReLU, extra_skips=False):
        super().__init__()
        self.act = act()
        n = (depth - 2) // 6
        planes = [scaled(p, width) for p in (16, 32, 64)]
        self.conv = nn.Conv2d(input_shape[0], planes[0], 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(planes[0])
        blocks, current = [], planes[0]
        for segment, p in enumerate(planes):
            for i in range(n):
                downsample = segment > 0 and i == 0
                blocks.append(BasicBlock(current, p, 2 if downsample else 1, downsample or current != p, act, extra_skips))
                current = p
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(current, num_classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                kaiming_fan_in(m)
        jump_weights(self)

    def forward(self, x):
        out = self.blocks(self.act(self.bn(self.conv(x))))
        return self.fc(F.avg_pool2d(out, out.size(3)).flatten(1))


# --- wrn-D-K: sparse_learning's WideResNet (pre-activation) -------------------------------------------------

class WideBlock(nn.Module):
    def __init__(self, in_planes, out_planes, stride, drop_rate, act=nn.ReLU):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.relu1 = act()
        self.conv1 = nn.Conv2d(in_planes, out_planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_planes)
        self.relu2 = act()
        self.conv2 = nn.Conv2d(out_planes, out_planes, 3, 1, 1, bias=False)
        self.drop_rate = drop_rate
        self.equal_in_out = in_planes == out_planes and stride == 1
        self.convShortcut = None if self.equal_in_out else nn.Conv2d(in_planes, out_planes, 1, stride, bias=False)

    def forward(self, x):
        a = self.relu1(self.bn1(x))
        out = self.relu2(self.bn2(self.conv1(a)))
        out = self.conv2(F.dropout(out, p=self.drop_rate, training=self.training))
        return out + (x if self.equal_in_out else self.convShortcut(a))


class NetworkBlock(nn.Module):
    def __init__(self, n, in_planes, out_planes, stride, drop_rate, act=nn.ReLU):
        super().__init__()
        self.layer = nn.Sequential(*[WideBlock(in_planes if i == 0 else out_planes, out_planes,
                                               stride if i == 0 else 1, drop_rate, act) for i in range(n)])

    def forward(self, x):
        return self.layer(x)


class WideResNet(nn.Module):
    def __init__(self, depth, widen_factor, width, num_classes, input_shape, drop_rate=0.0, act=nn.ReLU):
        super().__init__()
        assert (depth - 4) % 6 == 0 and depth >= 10, 'WideResNet depth must be 6n+4'
        n = (depth - 4) // 6
        ch = [scaled(v, width) for v in (16, 16 * widen_factor, 32 * widen_factor, 64 * widen_factor)]
        self.conv1 = nn.Conv2d(input_shape[0], ch[0], 3, 1, 1, bias=False)
        self.block1 = NetworkBlock(n, ch[0], ch[1], 1, drop_rate, act)
        self.block2 = NetworkBlock(n, ch[1], ch[2], 2, drop_rate, act)
        self.block3 = NetworkBlock(n, ch[2], ch[3], 2, drop_rate, act)
        self.bn1 = nn.BatchNorm2d(ch[3])
        self.relu = act()
        self.fc = nn.Linear(ch[3], num_classes)
        conv_weights(self, kaiming_fan_out)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x):
        out = self.block3(self.block2(self.block1(self.conv1(x))))
        out = self.relu(self.bn1(out))
        return self.fc(F.avg_pool2d(out, 8).flatten(1))


# --- mobilenet: MobileNet-v1 for 32x32 inputs ---------------------------------------------------------------

MOBILENET = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
             (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]


class DepthwiseSeparable(nn.Module):
    def __init__(self, in_planes, out_planes, stride, act=nn.ReLU):
        super().__init__()
        self.act = act()
        self.conv1 = nn.Conv2d(in_planes, in_planes, 3, stride, 1, groups=in_planes, bias=False)
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv2 = nn.Conv2d(in_planes, out_planes, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_planes)

    def forward(self, x):
        return self.act(self.bn2(self.conv2(self.act(self.bn1(self.conv1(x))))))


class MobileNet(nn.Module):
    def __init__(self, width, num_classes, input_shape, act=nn.ReLU):
        super().__init__()
        self.act = act()
        stem = scaled(32, width)
        self.conv1 = nn.Conv2d(input_shape[0], stem, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        blocks, in_planes = [], stem
        for planes, stride in MOBILENET:
            out = scaled(planes, width)
            blocks.append(DepthwiseSeparable(in_planes, out, stride, act))
            in_planes = out
        self.layers = nn.Sequential(*blocks)
        self.linear = nn.Linear(in_planes, num_classes)

    def forward(self, x):
        out = self.layers(self.act(self.bn1(self.conv1(x))))
        return self.linear(F.avg_pool2d(out, 2).flatten(1))


# --- the registry -------------------------------------------------------------------------------------------

def _features(shape):
    return shape[0] * shape[1] * shape[2]


BUILDERS = {
    'lenet300': lambda w, c, s, a, k: MLP([_features(s), scaled(300, w), scaled(100, w), c], a),
    'lenet5': lambda w, c, s, a, k: LeNet5(w, c, s, a),
    'mlp-cifar': lambda w, c, s, a, k: MLP([_features(s), scaled(1024, w), scaled(512, w), c], a),
    'vgg16': lambda w, c, s, a, k: VGG16(w, c, s, a),
    'vgg19': lambda w, c, s, a, k: VGG19Net(w, c, s, a),
    'resnet18': lambda w, c, s, a, k: ResNet(BasicBlock, [2, 2, 2, 2], w, c, s, a, k),
    'resnet34': lambda w, c, s, a, k: ResNet(BasicBlock, [3, 4, 6, 3], w, c, s, a, k),
    'resnet50': lambda w, c, s, a, k: ResNet(Bottleneck, [3, 4, 6, 3], w, c, s, a),
    'resnet20': lambda w, c, s, a, k: CifarResNet(20, w, c, s, a, k),
    'resnet32': lambda w, c, s, a, k: CifarResNet(32, w, c, s, a, k),
    'mobilenet': lambda w, c, s, a, k: MobileNet(w, c, s, a),
}
MODEL_NAMES = list(BUILDERS) + ['wrn-16-8', 'wrn-28-10']


def input_shape(name):
    return (1, 28, 28) if name in ('lenet300', 'lenet5') else (3, 32, 32)


def create_model(name, width=1.0, num_classes=10, shape=None, dropout=0.0, activation='relu', extra_skips=False):
    shape = tuple(shape or input_shape(name))
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation '{activation}'; valid: {', '.join(ACTIVATIONS)}")
    if extra_skips and name not in EXTRA_SKIP_MODELS:
        raise ValueError(f"extra skips need BasicBlocks; {name} has none ({', '.join(EXTRA_SKIP_MODELS)} do)")
    act = ACTIVATIONS[activation]
    wrn = re.fullmatch(r'wrn-(\d+)-(\d+)', name)
    if wrn:
        return WideResNet(int(wrn.group(1)), int(wrn.group(2)), width, num_classes, shape, dropout, act)
    if name not in BUILDERS:
        raise ValueError(f"unknown model '{name}'; valid names: {', '.join(BUILDERS)}, or wrn-D-K")
    return BUILDERS[name](width, num_classes, shape, act, extra_skips)
