// What every zoo model is built from: the resolved options, the width rule, and init overrides.
import { fans, kaimingNormal, type Init } from '../nn/init.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Linear } from '../nn/layers/linear.js';
import type { Module } from '../nn/module.js';

/** Options of createModel after defaults are applied. */
export interface ModelConfig {
  /** Channel/width multiplier: every hidden width c becomes scaled(c, width). */
  width: number;
  numClasses: number;
  /** [channels, height, width] of one input image. */
  inputShape: [number, number, number];
  /** Dropout probability inside the WideResNet blocks (the reference default, 0, turns it off). */
  dropout: number;
  /** BasicBlocks gain the two jump paths of the AT tweak (SPEC §9). */
  extraSkips: boolean;
}

/** An input image smaller than a model's pooling allows; `min` is the least [height, width] it takes. */
export class InputTooSmallError extends Error {
  override name = 'InputTooSmallError';
  constructor(
    readonly model: string,
    readonly input: [number, number],
    readonly min: [number, number],
  ) {
    super(`${model}: input ${input[0]}×${input[1]} is too small (at least ${min[0]}×${min[1]})`);
  }
}

/** c × width rounded half up, at least 1 — python/zoo.py computes floor(c·w + 0.5) identically. */
export function scaled(channels: number, width: number): number {
  return Math.max(1, Math.floor(channels * width + 0.5));
}

/** Replaces the init scheme of every prunable Conv2d weight (e.g. Kaiming-normal where the reference overrides);
 * the never-pruned jump paths of SPEC §9 keep their constant init. */
export function initConvWeights(model: Module, init: (shape: number[]) => Init): void {
  for (const [, m] of model.namedModules())
    if (m instanceof Conv2d && m.weight.prunable) m.weight.init = init(m.weight.shape);
}

export function initLinears(model: Module, weight: ((shape: number[]) => Init) | null, bias: Init | null): void {
  for (const [, m] of model.namedModules()) {
    if (!(m instanceof Linear)) continue;
    if (weight) m.weight.init = weight(m.weight.shape);
    if (bias && m.bias) m.bias.init = bias;
  }
}

/** kaiming_normal_(mode='fan_out', nonlinearity='relu'): std = √(2 / (K·R·S)). */
export const kaimingFanOut = (shape: number[]): Init => kaimingNormal(fans(shape).fanOut);

/** kaiming_normal_() with its defaults (mode='fan_in', gain √2). */
export const kaimingFanIn = (shape: number[]): Init => kaimingNormal(fans(shape).fanIn);
