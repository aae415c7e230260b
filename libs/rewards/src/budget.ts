import { LIMITS } from './limits.js';

/** Thrown when a grade runs past its work budget; caught at the grader edge, never escapes. */
export class BudgetExceeded extends Error {
  constructor() {
    super('grading work budget exceeded');
  }
}

/**
 * A deterministic work budget: every costly step (a token read, a parser level, an evaluated node,
 * a big-number operation) spends units, and the grade stops when they run out. Counting work
 * instead of reading a clock makes the verdict independent of machine load: the same inputs spend
 * the same units on an idle and on a saturated machine.
 */
export class Budget {
  private spent = 0;

  constructor(private readonly units: number = LIMITS.workUnits) {}

  /** Spends `cost` units (1 by default); throws BudgetExceeded when the budget is exhausted. */
  check(cost = 1): void {
    this.spent += cost;
    if (this.spent > this.units) throw new BudgetExceeded();
  }

  /** Units spent so far (for tests and calibration). */
  get used(): number {
    return this.spent;
  }
}
