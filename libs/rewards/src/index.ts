export type { GraderSpec, GradeResult } from './grader.types.js';
export { grade } from './grade.js';
export { validateGraderSpec } from './grader.spec-validation.js';
export { GradingPool, type GradingItem, type GradingPoolOptions } from './grading-pool.js';
export { extractAnswer, type ExtractedAnswer } from './extract.answer.js';
export { LIMITS } from './limits.js';
export { regexProblem } from './regex.grader.js';
