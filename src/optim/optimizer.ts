// What the trainer needs of an optimiser: a step at a given learning rate, and state it can checkpoint.
export interface Optimizer {
  readonly kind: string;
  step(lr: number): void;
  /** The per-parameter state buffers of one parameter (masked together with its weights by sparse training). */
  buffers(name: string): Float32Array[];
  /** Per-parameter state tensors, keyed '<slot>.<param name>' (e.g. 'momentum_buffer.fc1.weight'). */
  stateTensors(): Map<string, Float32Array>;
  loadStateTensors(t: Map<string, Float32Array>): void;
  /** Scalar state (step counts). */
  saveScalars(): Record<string, number>;
  loadScalars(s: Record<string, number>): void;
}
