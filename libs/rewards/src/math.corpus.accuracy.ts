/**
 * Pairs for the kinds of verdict issue 16 measured as wrong ([Rewards accuracy]), one block per
 * kind. Every row's `why` says what it checks; `match: false` rows are the near misses that a
 * looser rule would accept.
 */
import { ESCAPES, GOLD_BOXES, NESTING, RL_OUTPUTS, UNBOXED } from './math.corpus.accuracy.extraction.js';
import { type CorpusRow, m2, N, Y } from './math.corpus.row.js';

const nines = (k: number) => '9'.repeat(k);

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
