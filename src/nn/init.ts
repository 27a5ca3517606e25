// Parameter initialisation schemes, as PyTorch's torch.nn.init computes them. A scheme is data (kind +
// scale), attached to each parameter when its layer is built; Module.initialize(seed) draws the values,
// each parameter from its own stream Rng.derive(seed, <parameter path>), so one seed gives the same
// weights whatever the construction order and whichever backend runs.
import { Rng } from '../util/rng.js';

export type Init =
  | { kind: 'constant'; value: number }
  | { kind: 'uniform'; bound: number } // U(-bound, bound)
  | { kind: 'normal'; std: number }; // N(0, std²)

/** fan_in and fan_out of a weight [out, in, ...receptive field] (Linear [out, in]; Conv [K, C/g, R, S]). */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

export const constant = (value: number): Init => ({ kind: 'constant', value });

/**
 * PyTorch's default for Linear and Conv2d weights, kaiming_uniform_(a=√5): bound = gain·√(3/fan_in) with
 * gain = √(2/(1+a²)) = √(1/3), i.e. 1/√fan_in. Their biases use the same bound.
 */
export const torchDefault = (fanIn: number): Init => ({ kind: 'uniform', bound: fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0 });

/** kaiming_normal_(mode, nonlinearity='relu'): std = √2 / √fan. */
export const kaimingNormal = (fan: number): Init => ({ kind: 'normal', std: Math.sqrt(2 / fan) });

export const normal = (std: number): Init => ({ kind: 'normal', std });

export function fillInit(data: Float32Array, init: Init, rng: Rng): void {
  switch (init.kind) {
    case 'constant':
      data.fill(init.value);
      return;
    case 'uniform':
      for (let i = 0; i < data.length; i++) data[i] = (2 * rng.float() - 1) * init.bound;
      return;
    case 'normal':
      for (let i = 0; i < data.length; i++) data[i] = rng.normal() * init.std;
      return;
  }
}
