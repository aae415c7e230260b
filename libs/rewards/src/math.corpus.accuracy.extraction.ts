/**
 * Accuracy pairs (issue 16) on finding the answer: unboxed answers, escaped LaTeX, golds that box
 * twice, deep nesting and long RL outputs.
 */
import { type CorpusRow, m2, N, Y } from './math.corpus.row.js';

const nest = (depth: number, inner: string) => '('.repeat(depth) + inner + ')'.repeat(depth);

/** Answers that are not boxed: the final statement must beat math earlier in the reasoning. */
export const UNBOXED: CorpusRow[] = [
  Y('35', 'Each box holds $x = 5$ apples and there are 7 boxes.\n#### 35', 'GSM8K #### line'),
  Y('35', 'She pays $2 \\cdot 5 = 10$ then 25 more.\n####35', 'GSM8K #### without a space'),
  N('35', 'Each box holds $x = 5$ apples, 7 boxes.\n#### 36', 'GSM8K #### line with a wrong value'),
  Y('1,200', 'Total: $400 \\times 3$.\n#### 1200', 'GSM8K #### against a gold with a thousands comma'),
  Y(
    '35',
    'We first get $a = 3$.\n\n**Final Answer**\n35',
    '**Final Answer** heading, answer on the next line',
  ),
  Y('35', 'We first get $a = 3$.\n\n**Final Answer**\n\n$35$', 'heading, blank line, then math'),
  N(
    '35',
    'We first get $a = 35$.\n\n**Final Answer**\n34',
    'heading then a wrong value (the earlier 35 is reasoning)',
  ),
  Y('35', 'We first get $a = 3$.\n**Final Answer:** 35', '**Final Answer:** on the same line'),
  Y('12', 'Compute $2+3=5$ first.\nThen we double and add 2.\n12', 'an answer alone on the last line'),
  N(
    '12',
    'Compute $2+3=12$ first.\nThen we subtract.\n7',
    'the last line says 7; the earlier 12 is reasoning',
  ),
  Y(
    '12',
    'Let $n = 4$ be the number of seats. Counting, there are 12 ways.',
    'prose answer after inline math',
  ),
  N(
    '12',
    'Let $n = 12$ be the number of seats. Counting, there are 24 ways.',
    'prose answer 24 beats the earlier $n = 12$',
  ),
  Y('24', 'With $n=4$ people we get $4! = 24$ orders.', 'math region after the last prose number'),
  Y('7', 'We need $x+2=9$, so x is 7.', 'prose after an equation'),
  Y('34', 'Final Answer: The largest $n$ is 34.', 'phrase with a variable in math and the value in prose'),
  Y(
    '10455',
    'Part one: $\\boxed{200}$. Part two: $\\boxed{255}$. Total $10,455. Final Answer: The final answer is $10,455$. I hope it is correct.',
    'an answer line after intermediate boxes wins',
  ),
  N(
    '255',
    'Part one: $\\boxed{200}$. Part two: $\\boxed{255}$. Final Answer: The final answer is $10,455$.',
    'the answer line, not the last intermediate box',
  ),
  Y(
    '16386.20',
    'The answer is $16,\\!386.20$. I apologize for the repetition, here are 5 years again.',
    'the answer sentence ends at its period',
  ),
  Y('12, 13', 'Final Answer: The final answer is "$12$ and $13$". I hope it is correct.', 'a quoted answer'),
  Y(
    'The loss is $28\\%$.\nFinal Answer: The final answer is $28\\%$. I hope it is correct. Note: some text.',
    '\\boxed{28\\%}',
    'an unboxed full-solution gold is worth its answer line',
  ),
  N('34', 'Final Answer: The largest $n$ is 35.', 'phrase with the wrong prose value'),
  N('7', 'We need $x+2=7$, so x is 5.', 'the final prose number is 5'),
  Y('45210', 'Summing the parts gives 45,\\!210.', 'LaTeX thin-space thousands separator in prose'),
  Y('23504', 'The population grew to 23{,}504 people.', 'braced-comma thousands separator in prose'),
  N('23504', 'The population grew to 23{,}540 people.', 'transposed digits with a braced comma'),
  Y(
    '\\frac{3}{4}',
    'Dividing, $\\frac{6}{8}$ reduces, so the probability is $\\frac{3}{4}$.',
    'last of two regions, no prose number after',
  ),
  Y('-3', 'Solving $2x + 6 = 0$ gives a root at -3.', 'negative prose number after an equation'),
];

/** JSON or Python double-escaped LaTeX. */
export const ESCAPES: CorpusRow[] = [
  Y('\\frac{1}{2}', '\\\\boxed{\\\\frac{1}{2}}', 'double-escaped box and fraction'),
  Y('0.5', 'so \\\\boxed{\\\\dfrac{1}{2}}', 'double-escaped dfrac against a decimal'),
  N('\\frac{1}{2}', '\\\\boxed{\\\\frac{1}{3}}', 'double-escaped wrong fraction'),
  Y('\\sqrt{2}', '\\\\boxed{\\\\sqrt{2}}', 'double-escaped root'),
  Y('\\\\frac{3}{4}', '\\boxed{0.75}', 'double-escaped gold'),
  Y(
    m2('1', '0', '0', '1'),
    '\\\\boxed{\\\\begin{pmatrix}1&0\\\\\\\\0&1\\\\end{pmatrix}}',
    'double-escaped matrix',
  ),
  N('\\pi', '\\\\boxed{\\\\pi^2}', 'double-escaped wrong power'),
];

/** Golds that box twice. */
export const GOLD_BOXES: CorpusRow[] = [
  Y('So \\boxed{3}. Check: \\boxed{3}.', '\\boxed{3}', 'gold boxes the same answer twice'),
  N('So \\boxed{3}. Check: \\boxed{3}.', '\\boxed{4}', 'repeated gold box, wrong prediction'),
  Y('(a) \\boxed{3} (b) \\boxed{5}', '\\boxed{5}', 'two parts: the final box is the answer'),
  N(
    '(a) \\boxed{3} (b) \\boxed{5}',
    '\\boxed{3, 5}',
    'two parts with text between are not one list (Math-Verify joins them)',
  ),
  N('(a) \\boxed{3} (b) \\boxed{5}', '\\boxed{3}', 'the first part alone is not the final answer'),
  N('(a) \\boxed{3} (b) \\boxed{5}', '\\boxed{4}', 'two parts, neither'),
  Y('\\boxed{1}, \\boxed{2}', '\\boxed{1, 2}', 'boxes separated by a comma list one answer'),
  Y('\\(\\boxed{1}\\) and \\(\\boxed{-2}\\).', '\\boxed{-2, 1}', 'boxes joined by "and" list one answer'),
  N('\\boxed{1} no, the answer is \\boxed{2}', '\\boxed{1, 2}', 'a correction between boxes: the last box'),
  Y('\\boxed{x=2} or \\boxed{x=2}', 'x = 2', 'same labelled box twice'),
];

/** Nesting at depth 60 with context around it, and deep but valid input. */
export const NESTING: CorpusRow[] = [
  Y('2', `\\boxed{${nest(60, '1+1')}}`, 'depth 60 of parentheses'),
  Y('2', `The value is \\boxed{${nest(60, '1+1')}} as computed above.`, 'depth 60 with context'),
  Y('3', `\\boxed{1 + ${nest(60, '1+1')} \\cdot 1}`, 'depth 60 inside an expression'),
  N('2', `\\boxed{${nest(60, '1+2')}}`, 'depth 60 with a wrong value'),
  Y('2', `\\boxed{${'{'.repeat(40)}2${'}'.repeat(40)}}`, 'forty nested braces'),
  Y(
    '\\frac{1}{2}',
    `\\boxed{${'\\frac{1}{'.repeat(1)}${nest(50, '2')}}}`,
    'fraction of a deeply parenthesised 2',
  ),
];

/** Realistic RL outputs: long reasoning, then the answer boxed or not. */
export const RL_OUTPUTS: CorpusRow[] = [
  Y(
    '18',
    "Let's think step by step. Janet's ducks lay 16 eggs per day. She eats $3$ and bakes with $4$, so $16 - 3 - 4 = 9$ remain. At \\$2 each she makes $9 \\times 2 = 18$ dollars.\n#### 18",
    'GSM8K chain-of-thought with a #### line',
  ),
  N(
    '18',
    "Janet's ducks lay 16 eggs per day. She eats 3 and bakes with 4, so $16 - 3 - 4 = 9$ remain. She makes $9 \\times 2 = 18$ dollars... wait, she sells at \\$3, so 27.\n#### 27",
    'a corrected answer on the #### line',
  ),
  Y(
    '\\frac{\\sqrt{3}}{2}',
    'We use the unit circle. The angle $\\frac{\\pi}{3}$ has coordinates $(\\frac12, \\frac{\\sqrt3}{2})$.\n\nTherefore $\\sin\\frac{\\pi}{3} = \\boxed{\\frac{\\sqrt{3}}{2}}$.',
    'boxed after long reasoning',
  ),
  N(
    '\\frac{\\sqrt{3}}{2}',
    'We use the unit circle. The angle $\\frac{\\pi}{3}$ has coordinates $(\\frac12, \\frac{\\sqrt3}{2})$.\n\nTherefore the cosine is $\\boxed{\\frac{1}{2}}$.',
    'boxed the wrong coordinate',
  ),
  Y(
    '6',
    'There are $\\binom{4}{2}$ ways to choose the pair.\n\n**Final Answer**\n6',
    'heading answer after a binomial',
  ),
  N(
    '6',
    'There are $\\binom{4}{2} = 6$ ways to choose the pair, and each can be ordered twice.\n\n**Final Answer**\n12',
    'heading answer differs from an intermediate 6',
  ),
  Y(
    '120',
    'Arrange 5 distinct books: $5! = 120$.\nSo there are 120 arrangements.',
    'prose restates the value',
  ),
  N(
    '120',
    'Arrange 5 distinct books: $5! = 120$. But two are identical, so divide by 2: there are 60 arrangements.',
    'prose after an intermediate 120',
  ),
  N(
    '4',
    'If $x = 4$ the sum is too large. Trying smaller values, the first that works is 3.',
    'prose after a rejected trial value',
  ),
  Y(
    '\\left( 3, \\frac{\\pi}{2} \\right)',
    'Converting, $r = 3$ and $\\theta = \\frac{\\pi}{2}$, so the point is $\\boxed{\\left(3, \\frac{\\pi}{2}\\right)}$.',
    'polar tuple with \\left( \\right)',
  ),
];
