import type { Budget } from './budget.js';
import type { Tok } from './expr.types.js';
import { LIMITS } from './limits.js';

export class ParseError extends Error {}

/** Parser levels one bracket pair costs: list, sum, unary sign, primary (and a spare). */
const PARSER_LEVELS_PER_BRACKET = 5;

/**
 * The parser's position in the token list: lookahead, expectations and the nesting guard that keeps
 * recursion within LIMITS.maxDepth brackets.
 */
export class TokenCursor {
  pos = 0;
  protected depth = 0;

  constructor(
    protected readonly toks: Tok[],
    protected readonly budget: Budget,
  ) {}

  protected peek(off = 0): Tok | undefined {
    return this.toks[this.pos + off];
  }
  protected isOp(s: string, off = 0): boolean {
    const t = this.toks[this.pos + off];
    return t !== undefined && t.k === 'op' && t.s === s;
  }
  protected isCmd(s: string): boolean {
    const t = this.toks[this.pos];
    return t !== undefined && t.k === 'cmd' && t.s === s;
  }
  protected expectOp(s: string): void {
    if (!this.isOp(s)) throw new ParseError(`expected ${s}`);
    this.pos++;
  }
  /**
   * One parser level. A bracket level passes through at most PARSER_LEVELS_PER_BRACKET of them, so
   * `maxDepth` brackets (plus the operators around them) always fit while the JS stack stays far from its limit.
   */
  protected enter(): void {
    this.budget.check();
    if (++this.depth > LIMITS.maxDepth * PARSER_LEVELS_PER_BRACKET) throw new ParseError('nesting too deep');
  }

  /** When the next token is a multi-digit number used as a one-character LaTeX argument, split it. */
  protected splitNumber(): void {
    const t = this.peek();
    if (t && t.k === 'num' && t.s.length > 1 && t.s[0] !== '.') {
      this.toks.splice(this.pos, 1, { k: 'num', s: t.s[0]! }, { k: 'num', s: t.s.slice(1) });
    }
  }
}
