import type { CorpusRow } from './math.corpus.js';

/**
 * Pairs for the kinds of verdict issue 16 measured as wrong ([Rewards accuracy]), one block per
 * kind. Every row's `why` says what it checks; `match: false` rows are the near misses that a
 * looser rule would accept.
 */
const Y = (gold: string, pred: string, why: string): CorpusRow => ({ gold, pred, match: true, why });
const N = (gold: string, pred: string, why: string): CorpusRow => ({ gold, pred, match: false, why });

const m2 = (a: string, b: string, c: string, d: string) =>
  `\\begin{pmatrix}${a}&${b}\\\\${c}&${d}\\end{pmatrix}`;
const nines = (k: number) => '9'.repeat(k);
const nest = (depth: number, inner: string) => '('.repeat(depth) + inner + ')'.repeat(depth);

/** Answers that are not boxed: the final statement must beat math earlier in the reasoning. */
const UNBOXED: CorpusRow[] = [
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

/** `L = value` where L names what was asked: worth its value. */
const LABELS: CorpusRow[] = [
  Y('(6, 8)', '\\boxed{(x, y) = (6, 8)}', 'tuple of variables labels a tuple'),
  N('(6, 8)', '\\boxed{(x, y) = (8, 6)}', 'labelled tuple, order swapped'),
  Y('3', '\\boxed{|PQ| = 3}', 'absolute value of a segment name'),
  N('3', '\\boxed{|PQ| = 4}', 'segment length differs'),
  Y('5:9', '\\boxed{R_1 : R_2 = 5 : 9}', 'ratio of named quantities'),
  N('5:9', '\\boxed{R_1 : R_2 = 9 : 5}', 'ratio reversed'),
  Y('x^2+1', '\\boxed{f(x) = x^2 + 1}', 'function definition against its expression'),
  Y('5', '\\boxed{f(2) = 5}', 'function value at a number'),
  N('5', '\\boxed{f(2) = 6}', 'function value differs'),
  Y('0.3', '\\boxed{P(A) = 0.3}', 'probability label'),
  Y('7', '\\boxed{a + b = 7}', 'sum of variables labels a value'),
  N('7', '\\boxed{a + b = 8}', 'labelled sum differs'),
  Y('12', '\\boxed{AB = 12}', 'segment written as a product of letters'),
  Y('\\frac{1}{2}', '\\boxed{\\sin\\theta = \\frac{1}{2}}', 'trig value label'),
  N('11', '\\boxed{7 = 11a + c}', 'an equation with a number on the left is not a label'),
  N('0', '\\boxed{a + 3z = 0}', 'a number in the left side makes it an equation'),
  Y('2x+4y-3=0', 'y = -\\frac{x}{2} + \\frac{3}{4}', 'same line, different form (not a label)'),
  Y('(6, 8)', 'The solution is $(x,y)=(6,8)$.', 'labelled tuple in a math region'),
];

/** Ratios. */
const RATIOS: CorpusRow[] = [
  Y('5:9', '10:18', 'proportional ratio'),
  Y('5:9', '\\frac{5}{9}', 'ratio against its quotient'),
  N('5:9', '9:5', 'reversed ratio'),
  N('5:9', '5:8', 'different ratio'),
  Y('1:2:3', '2 : 4 : 6', 'three-term ratio scaled'),
  N('1:2:3', '1:3:2', 'three-term ratio reordered'),
  Y('3:1', '3 \\colon 1', '\\colon written ratio'),
];

/** Units with exponents or slashes, and thousands separators. */
const UNITS: CorpusRow[] = [
  Y('25', '\\boxed{25 \\text{ cm}^2}', '\\text unit with an exponent'),
  Y('25', '\\boxed{25\\,\\text{cm}^{2}}', 'braced exponent after a thin space'),
  N('25', '\\boxed{5 \\text{ cm}^2}', 'wrong value with a squared unit (not 5^2)'),
  Y('5', '\\boxed{5 \\text{ inches}^2}', 'inches squared'),
  Y('60', '\\boxed{60 \\mathrm{~km/h}}', '\\mathrm unit with a slash and a tie'),
  Y('60', '\\boxed{60 km/h}', 'plain unit with a slash'),
  N('60', '\\boxed{50 \\mathrm{~km/h}}', 'speed differs'),
  Y('9.8', '\\boxed{9.8 \\text{ m/s}^2}', 'slash unit with an exponent'),
  Y('100', '\\boxed{100 \\text{ cm}^3}', 'cubic unit'),
  Y('12', '\\boxed{12\\ \\text{feet}}', 'unit after a LaTeX space'),
  Y('45210', '\\boxed{45,\\!210}', 'negative thin space after a thousands comma'),
  Y('11111111100', 'is $\\boxed{11,\\! 111,\\! 111,\\! 100}$', 'thin-space separators followed by spaces'),
  N('45210', '\\boxed{45,\\!201}', 'digits differ after the separator'),
  Y('23504', '\\boxed{23{,}504}', 'braced comma thousands'),
  Y('1234567', '\\boxed{1{,}234{,}567}', 'two braced-comma groups'),
  Y('1234567', '\\boxed{1,\\!234,\\!567}', 'two thin-space groups'),
  N('1234567', '\\boxed{1{,}234{,}576}', 'last group differs'),
];

/** JSON or Python double-escaped LaTeX. */
const ESCAPES: CorpusRow[] = [
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
const GOLD_BOXES: CorpusRow[] = [
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

/** Sets, multisets, lists. */
const SETS: CorpusRow[] = [
  Y('1, 2, 2', '\\boxed{1, 2}', 'a listed answer is a set: repeats do not count'),
  Y('1, 2', '\\boxed{2, 1, 1}', 'set with a repeat, any order'),
  N('1, 2, 2', '\\boxed{1, 3}', 'different element'),
  Y('\\{1, 2, 2\\}', '\\{2, 1\\}', 'braced set with a repeat'),
  N('\\{1, 2\\}', '\\{1, 2, 3\\}', 'extra element'),
  Y('-1, 3', 'x = 3 \\text{ or } x = -1', 'roots written with or'),
  N('(1, 2, 2)', '(1, 2)', 'a tuple keeps its length'),
  Y('(1, 2, 2)', '(1, 2, 2)', 'tuple with a repeat'),
];

/** Inequalities on a function value or an absolute value against an interval. */
const INEQUALITIES: CorpusRow[] = [
  Y('(-1, 4)', '\\boxed{-1 < g(t) < 4}', 'range of a function value'),
  Y('-1 < g(t) < 4', '\\boxed{(-1, 4)}', 'interval against a function-value inequality'),
  N('(-1, 4)', '\\boxed{-1 \\le g(t) < 4}', 'closed end differs'),
  N('(-1, 4)', '\\boxed{-1 < g(t) < 5}', 'upper bound differs'),
  Y('[0, 3]', '0 \\le |f(x)| \\le 3', 'absolute value of a function value'),
  Y('[2, \\infty)', 'f(x) \\geq 2', 'one-sided function-value bound'),
  N('(2, \\infty)', 'f(x) \\geq 2', 'strict versus non-strict'),
  N('(-4, 4)', '|x| < 4', 'a prediction bounding |x| restates the question, it is not solved'),
  Y('x > 3', '(3, \\infty)', 'plain variable still works'),
  Y('x < 2', '2x < 4', 'proportional inequality'),
];

/** Matrix sums and products. */
const MATRICES: CorpusRow[] = [
  Y(m2('2', '2', '3', '5'), `\\boxed{${m2('1', '2', '3', '4')} + ${m2('1', '0', '0', '1')}}`, 'matrix sum'),
  N(
    m2('2', '2', '3', '5'),
    `\\boxed{${m2('1', '2', '3', '4')} - ${m2('1', '0', '0', '1')}}`,
    'difference, not sum',
  ),
  Y(
    m2('2', '1', '4', '3'),
    `\\boxed{${m2('1', '2', '3', '4')}${m2('0', '1', '1', '0')}}`,
    'matrix product by juxtaposition',
  ),
  N(
    m2('2', '1', '4', '3'),
    `\\boxed{${m2('0', '1', '1', '0')}${m2('1', '2', '3', '4')}}`,
    'product in the other order',
  ),
  Y(m2('3', '6', '9', '12'), `\\boxed{3${m2('1', '2', '3', '4')}}`, 'scalar multiple'),
  Y(m2('7', '10', '15', '22'), `\\boxed{${m2('1', '2', '3', '4')}^2}`, 'matrix square'),
  Y(m2('1', '2', '3', '4'), `${m2('2', '4', '6', '8')} \\cdot \\frac{1}{2}`, 'matrix times a fraction'),
  Y(m2('x+1', '0', '0', 'x+1'), `${m2('x', '0', '0', 'x')} + ${m2('1', '0', '0', '1')}`, 'symbolic entries'),
  N(m2('1', '2', '3', '4'), m2('1', '3', '2', '4'), 'transpose'),
  Y(
    '\\begin{pmatrix}5\\\\11\\end{pmatrix}',
    `${m2('1', '2', '3', '4')}\\begin{pmatrix}1\\\\2\\end{pmatrix}`,
    'matrix times a vector',
  ),
];

/** Values beyond the float range are compared exactly, then by logarithm. */
const BIG: CorpusRow[] = [
  N('10^{400}', '\\boxed{10^{500}}', 'both overflow a double but differ'),
  Y('10^{400}', '\\boxed{100^{200}}', 'same huge value, other base'),
  N('10^{999}-1', `\\boxed{${nines(998)}}`, '998 nines are not 10^999 - 1'),
  Y('10^{999}-1', `\\boxed{${nines(999)}}`, '999 nines are 10^999 - 1'),
  N('2^{1000}', '\\boxed{2^{1000}+1}', 'differ by one at 302 digits'),
  Y('2^{1000}', '\\boxed{4^{500}}', 'same power of two'),
  N('2^{100000}', '\\boxed{2^{100001}}', 'beyond exact range: logarithms differ'),
  Y('2^{100000}', '\\boxed{(2^{50000})^2}', 'beyond exact range: logarithms agree'),
  N('-10^{400}', '\\boxed{10^{400}}', 'huge values of opposite sign'),
  Y('\\pi \\cdot 10^{400}', '\\boxed{10^{400}\\pi}', 'huge irrational multiple'),
  N('\\pi \\cdot 10^{400}', '\\boxed{3 \\cdot 10^{400}}', 'huge multiple of 3, not pi'),
  N('10^{-400}', '\\boxed{0}', 'a tiny value is not zero'),
  Y('\\infty', '\\boxed{\\infty}', 'infinity is still infinity'),
];

/** Rounded decimals against exact values: README "Decimal vs exact value". */
const DECIMALS: CorpusRow[] = [
  N('\\frac{1}{3}', '\\boxed{0.3333}', '4 places, 4 significant digits: too short'),
  Y('\\frac{1}{3}', '\\boxed{0.333333}', '6 places'),
  Y('\\frac{1}{3}', '\\boxed{0.333333333}', 'more than 6 places'),
  N('\\frac{1}{3}', '\\boxed{0.333334}', 'six places, wrongly rounded'),
  N('\\pi', '\\boxed{3.1416}', 'pi to 4 places'),
  Y('\\pi', '\\boxed{3.141593}', 'pi to 6 places'),
  Y('\\pi', '\\boxed{3.141592}', 'pi truncated to 6 places'),
  N('\\sqrt{2}', '\\boxed{1.4142}', 'root 2 to 4 places'),
  Y('\\sqrt{2}', '\\boxed{1.414214}', 'root 2 to 6 places'),
  N('12\\pi', '\\boxed{37.699}', '12 pi to 3 places, 5 significant digits'),
  Y('12\\pi', '\\boxed{37.699112}', '12 pi to 6 places'),
  N('12\\pi', '\\boxed{37.69911}', '5 places and 7 significant digits: too short'),
  Y('1000\\pi', '\\boxed{3141.5927}', '8 significant digits, 4 places'),
  N('1000\\pi', '\\boxed{3141.593}', '7 significant digits, 3 places'),
  N('\\frac{2}{3}', '\\boxed{0.67}', 'two places'),
  Y('\\frac{2}{3}', '\\boxed{0.666667}', 'rounded at 6 places'),
  Y('\\frac{2}{3}', '\\boxed{0.666666}', 'truncated at 6 places'),
  Y('\\frac{1}{7}', '\\boxed{0.142857}', '1/7 truncated (and rounded) at 6 places'),
  N('\\frac{1}{7}', '\\boxed{0.142858}', 'one unit off in the 6th place is neither rounding nor truncation'),
  Y('0.25', '\\boxed{\\frac{1}{4}}', 'terminating decimal is exact'),
  N('0.25', '\\boxed{0.250001}', 'terminating gold: no rounding slack'),
  N('\\frac{1}{3000000}', '\\boxed{0.000000}', 'never rounded to zero'),
  N('e', '\\boxed{2.718}', 'e to 3 places'),
  Y('e', '\\boxed{2.718282}', 'e to 6 places'),
];

/** Nesting at depth 60 with context around it, and deep but valid input. */
const NESTING: CorpusRow[] = [
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
const RL_OUTPUTS: CorpusRow[] = [
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

export const ACCURACY_CORPUS: CorpusRow[] = [
  ...UNBOXED,
  ...LABELS,
  ...RATIOS,
  ...UNITS,
  ...ESCAPES,
  ...GOLD_BOXES,
  ...SETS,
  ...INEQUALITIES,
  ...MATRICES,
  ...BIG,
  ...DECIMALS,
  ...NESTING,
  ...RL_OUTPUTS,
];
