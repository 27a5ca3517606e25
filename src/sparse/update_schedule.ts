// When a method's regular mask updates happen and how much they drop (SPEC §4; after RigL's UpdateSchedule in
// rigl/rigl_tf2/mask_updaters.py): every ΔT iterations up to the update end, unless a booster's timetable pauses
// them. Iterations count completed steps (1-based).
import type { SparseSettings } from './method.js';
import { dropFraction, isUpdateIteration } from './schedules.js';

/** A booster's timetable (docs/ARCHITECTURE.md: a booster is "a schedule plus a ticket collector that asks the sparse hook for
 * an exploration or a pause"): where it pauses the method's regular updates, and after which steps it will ask for
 * an exploration, so that the sparse hook keeps those steps' dense gradient for growth. */
export interface UpdateTimetable {
  /** false pauses the method's regular ΔT updates at this iteration. */
  regularUpdates(iteration: number): boolean;
  explorationAt(iteration: number): boolean;
}

export class UpdateSchedule {
  /** The last iteration that may update (Infinity: never stops, GraNet and FreeTickets). */
  readonly end: number;
  private timetable: UpdateTimetable | null = null;

  constructor(
    private readonly s: Pick<SparseSettings, 'updateInterval' | 'updateEnd' | 'dropSchedule' | 'dropFraction'>,
    private readonly totalIterations: number,
  ) {
    this.end = s.updateEnd === null ? Infinity : Math.round(s.updateEnd * totalIterations);
  }

  /** A booster's timetable, given once before training. */
  follow(t: UpdateTimetable): void {
    if (this.timetable) throw new Error('the sparse hook already follows a booster: one booster per run');
    this.timetable = t;
  }

  /** The method's updates still run at `iteration`: not past their end, not paused (what the FLOP count charges). */
  running(iteration: number): boolean {
    return iteration <= this.end && (this.timetable?.regularUpdates(iteration) ?? true);
  }

  isUpdate(iteration: number): boolean {
    return (
      isUpdateIteration(iteration, this.s.updateInterval, this.end) &&
      (this.timetable?.regularUpdates(iteration) ?? true)
    );
  }

  explorationAt(iteration: number): boolean {
    return this.timetable?.explorationAt(iteration) ?? false;
  }

  /** The drop fraction of the regular update at `iteration`. GraNet's floored cosine reaches its floor at the end of
   * the run when its updates never stop (schedules.ts). */
  dropFraction(iteration: number): number {
    const s = this.s;
    const end = s.dropSchedule === 'cosine-floor' && s.updateEnd === null ? this.totalIterations : this.end;
    return dropFraction(s.dropSchedule, s.dropFraction, iteration, end);
  }
}
