// Stop signals during a long piece of work: Ctrl-C (SIGINT), a scheduler's SIGTERM and a closed terminal's
// SIGHUP all ask the work to stop at its next safe point (a training step's end), where it saves what
// --resume needs; a second signal quits at once. The process then exits with the conventional status,
// 128 + the signal's number (130, 143, 129). For `train` and every pipeline that runs training.
import { constants } from 'node:os';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** 128 + the signal's number: the exit status shells report for a process a signal ended. */
export function signalExitCode(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

export interface StopRequest {
  /** The first stop signal received, if any. */
  readonly signal: StopSignal | undefined;
  /** Removes the handlers (the default behaviour of the signals returns). */
  dispose(): void;
}

/**
 * Until dispose(), the stop signals set `signal` and call `onFirst` (e.g. to print that a checkpoint is
 * being saved); a second stop signal exits at once with its conventional status.
 */
export function catchStopSignals(onFirst: (signal: StopSignal) => void): StopRequest {
  const state: { signal: StopSignal | undefined } = { signal: undefined };
  const handlers = STOP_SIGNALS.map((s) => {
    const handler = () => {
      if (state.signal !== undefined) process.exit(signalExitCode(s));
      state.signal = s;
      onFirst(s);
    };
    process.on(s, handler);
    return [s, handler] as const;
  });
  return {
    get signal() {
      return state.signal;
    },
    dispose() {
      for (const [s, h] of handlers) process.off(s, h);
    },
  };
}
