import { LIMITS } from './limits.js';

/** Thrown when a grade runs past its time budget; caught at the grader edge, never escapes. */
export class BudgetExceeded extends Error {
  constructor() {
    super('grading time budget exceeded');
  }
}

/** A wall-clock deadline checked at loop heads of the costly steps (parsing, evaluation). */
export class Budget {
  private readonly deadline: number;
  private ticks = 0;

  constructor(ms: number = LIMITS.budgetMs) {
    this.deadline = performance.now() + ms;
  }

  /** Cheap to call often: reads the clock only every 64 calls. */
  check(): void {
    if ((++this.ticks & 63) === 0 && performance.now() > this.deadline) throw new BudgetExceeded();
  }
}
