// What the trainer needs of an optimiser: a step at a given learning rate, and state it can checkpoint.
export interface Optimizer {
  readonly kind: string;
  step(lr: number): void;
  /** The per-parameter state buffers of one parameter (masked together with its weights by sparse training). */
  buffers(name: string): Float32Array[];
  /**
   * Replaces each per-parameter buffer b of one parameter by f(b) — how its state follows the parameter into
   * another layout (compressed storage, a new sparse pattern). f may change the length.
   */
  remapState(name: string, f: (b: Float32Array) => Float32Array): void;
  /**
   * Per-parameter state tensors, keyed '<slot>.<param name>' (e.g. 'momentum_buffer.fc1.weight'), always in the
   * dense layout of the parameter (a compressed parameter's state is scattered), so checkpoints do not depend on
   * the execution mode.
   */
  stateTensors(): Map<string, Float32Array>;
  loadStateTensors(t: Map<string, Float32Array>): void;
  /** Scalar state (step counts). */
  saveScalars(): Record<string, number>;
  loadScalars(s: Record<string, number>): void;
}
