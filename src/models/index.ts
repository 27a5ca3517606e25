// The model zoo of SPEC §1: createModel(name, options) builds a network with PyTorch's parameter names and
// shapes, at a width multiplier and class count, initialised from a seed.
import { Activation, ACTIVATIONS, type ActivationKind } from '../nn/layers/activation.js';
import type { Module } from '../nn/module.js';
import type { ModelConfig } from './common.js';
import { LeNet5 } from './lenet5.js';
import { MobileNet } from './mobilenet.js';
import { lenet300, mlpCifar } from './mlp.js';
import { CifarResNet, ResNet } from './resnet.js';
import { BasicBlock, Bottleneck } from './residual.js';
import { VGG16, VGG19 } from './vgg.js';
import { WideResNet } from './wrn.js';

export interface ModelOptions {
  /** Width multiplier: channels × width, rounded, at least 1 (default 1). */
  width?: number;
  /** Output classes (default 10). */
  numClasses?: number;
  /** Initialisation seed (default 0). */
  seed?: number;
  /** One input's [channels, height, width] (default modelInputShape(name)). */
  inputShape?: [number, number, number];
  /** WideResNet dropout probability (default 0, as the Sup-tickets/FreeTickets configurations). */
  dropout?: number;
  /** The activation in every ReLU's place (default relu; swish or mish: the AT tweak of SPEC §9). */
  activation?: ActivationKind;
  /** Every BasicBlock gains the two jump paths of SPEC §9 (default false; BasicBlock models only). */
  extraSkips?: boolean;
}

/** The architecture variants of the AT tweak (SPEC §9): what, besides name and width, a network file must record
 * to be built again. Only non-default values are set (absent: relu, no extra skips). */
export type Architecture = Pick<ModelOptions, 'activation' | 'extraSkips'>;

/** The models made of BasicBlocks: the ones the extra skips apply to. */
export const EXTRA_SKIP_MODELS: readonly string[] = ['resnet18', 'resnet34', 'resnet20', 'resnet32'];

/** The non-default architecture variants of a config, provenance or stored config (keys as ModelOptions). */
export function architectureOf(o: { activation?: string; extraSkips?: boolean }): Architecture {
  return {
    ...(o.activation && o.activation !== 'relu' ? { activation: o.activation as ActivationKind } : {}),
    ...(o.extraSkips ? { extraSkips: true } : {}),
  };
}

/** The architecture in words, e.g. 'swish, extra skips' ('' for the plain one). */
export function describeArchitecture(a: Architecture): string {
  return [a.activation, a.extraSkips ? 'extra skips' : undefined].filter(Boolean).join(', ');
}

const BUILDERS: Record<string, (c: ModelConfig) => Module> = {
  lenet300: lenet300,
  lenet5: (c) => new LeNet5(c),
  'mlp-cifar': mlpCifar,
  vgg16: (c) => new VGG16(c),
  vgg19: (c) => new VGG19(c),
  resnet18: (c) => new ResNet(BasicBlock, [2, 2, 2, 2], c),
  resnet34: (c) => new ResNet(BasicBlock, [3, 4, 6, 3], c),
  resnet50: (c) => new ResNet(Bottleneck, [3, 4, 6, 3], c),
  resnet20: (c) => new CifarResNet(20, c),
  resnet32: (c) => new CifarResNet(32, c),
  mobilenet: (c) => new MobileNet(c),
};

const WRN = /^wrn-(\d+)-(\d+)$/;

/** The fixed names, plus the two WideResNets of the papers; any wrn-D-K with D = 6n+4 is accepted. */
export const MODEL_NAMES: readonly string[] = [...Object.keys(BUILDERS), 'wrn-16-8', 'wrn-28-10'];

export function isModelName(name: string): boolean {
  const m = WRN.exec(name);
  return name in BUILDERS || (m !== null && (Number(m[1]) - 4) % 6 === 0 && Number(m[1]) >= 10 && Number(m[2]) >= 1);
}

/** [channels, height, width] of the dataset a model is made for: MNIST for the LeNets, CIFAR otherwise. */
export function modelInputShape(name: string): [number, number, number] {
  checkName(name);
  return name === 'lenet300' || name === 'lenet5' ? [1, 28, 28] : [3, 32, 32];
}

function checkName(name: string): void {
  if (!isModelName(name)) {
    throw new Error(
      `unknown model '${name}'; valid names: ${Object.keys(BUILDERS).join(', ')}, ` +
        'or wrn-D-K with depth D = 6n+4 and widen factor K (e.g. wrn-16-8, wrn-28-10)',
    );
  }
}

export function createModel(name: string, options: ModelOptions = {}): Module {
  checkName(name);
  const config: ModelConfig = {
    width: options.width ?? 1,
    numClasses: options.numClasses ?? 10,
    inputShape: options.inputShape ?? modelInputShape(name),
    dropout: options.dropout ?? 0,
    extraSkips: options.extraSkips ?? false,
  };
  const activation = options.activation ?? 'relu';
  if (!ACTIVATIONS.includes(activation))
    throw new Error(`createModel: unknown activation '${activation}'; valid: ${ACTIVATIONS.join(', ')}`);
  if (config.extraSkips && !EXTRA_SKIP_MODELS.includes(name))
    throw new Error(
      `createModel: extra skips need BasicBlocks; ${name} has none (models with BasicBlocks: ${EXTRA_SKIP_MODELS.join(', ')})`,
    );
  if (!(config.width > 0)) throw new Error(`createModel: width must be > 0, got ${config.width}`);
  if (!(Number.isInteger(config.numClasses) && config.numClasses >= 1)) {
    throw new Error(`createModel: numClasses must be a positive integer, got ${config.numClasses}`);
  }
  if (config.inputShape.length !== 3 || !config.inputShape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new Error(`createModel: inputShape must be [channels, height, width], got [${config.inputShape}]`);
  }
  const wrn = WRN.exec(name);
  const model = wrn ? new WideResNet(Number(wrn[1]), Number(wrn[2]), config) : BUILDERS[name](config);
  // AT (SPEC §9): every ReLU of the network becomes the chosen activation.
  for (const [, m] of model.namedModules()) if (m instanceof Activation) m.kind = activation;
  return model.initialize(options.seed ?? 0);
}

export { InputTooSmallError } from './common.js';
export type { ModelConfig } from './common.js';
