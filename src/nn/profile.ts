// Where a training step's time goes (bench --profile): the forward and backward of every leaf module of a model
// are wrapped so that their wall-clock time adds up by kind of layer. The kernels are synchronous, so a call's
// time is its work. A layer whose weight runs compressed counts as its own kind ("Conv2d compressed").
import type { Module } from './module.js';
import type { Tensor } from './tensor.js';

export interface LayerTimes {
  forward_ms: number;
  backward_ms: number;
}

export interface Profile {
  /** Milliseconds by kind of layer since the last reset. */
  readonly times: Map<string, LayerTimes>;
  reset(): void;
  /** Puts the modules' own forward and backward back. */
  stop(): void;
}

function kindOf(m: Module): string {
  const weight = m.namedParameters().find(([name]) => name === 'weight')?.[1];
  return m.constructor.name + (weight?.csr ? ' compressed' : '');
}

export function profileLeaves(model: Module): Profile {
  const times = new Map<string, LayerTimes>();
  const add = (m: Module, pass: keyof LayerTimes, ms: number) => {
    const kind = kindOf(m);
    const t = times.get(kind) ?? { forward_ms: 0, backward_ms: 0 };
    t[pass] += ms;
    times.set(kind, t);
  };
  const leaves = model.namedModules().filter(([, m]) => m.namedModules().length === 1);
  for (const [, m] of leaves) {
    const forward = m.forward.bind(m);
    const backward = m.backward.bind(m);
    m.forward = (x: Tensor) => {
      const t0 = performance.now();
      const y = forward(x);
      add(m, 'forward_ms', performance.now() - t0);
      return y;
    };
    m.backward = (dy: Tensor) => {
      const t0 = performance.now();
      const dx = backward(dy);
      add(m, 'backward_ms', performance.now() - t0);
      return dx;
    };
  }
  return {
    times,
    reset: () => times.clear(),
    stop: () => {
      for (const [, m] of leaves) {
        delete (m as { forward?: unknown }).forward;
        delete (m as { backward?: unknown }).backward;
      }
    },
  };
}
