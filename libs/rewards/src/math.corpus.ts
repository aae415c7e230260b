import { ACCURACY_CORPUS } from './math.corpus.accuracy.js';
import { AGREEMENT_CORPUS } from './math.corpus.agreement.js';

/**
 * Gold/pred pairs by category. `match: false` rows are near misses; `why` says what makes them wrong.
 * Shared by the corpus test and the benchmark.
 */
export interface CorpusRow {
  gold: string;
  pred: string;
  match: boolean;
  why: string;
}

const Y = (gold: string, pred: string, why: string): CorpusRow => ({ gold, pred, match: true, why });
const N = (gold: string, pred: string, why: string): CorpusRow => ({ gold, pred, match: false, why });

const HAND: CorpusRow[] = [
  // extraction
  Y('42', 'Adding them gives 40+2. \\boxed{42}', 'last boxed answer'),
  Y('42', 'First guess \\boxed{41}, corrected: \\boxed{42}', 'the last box wins'),
  N('42', 'Corrected \\boxed{42}, no wait \\boxed{41}', 'the last box is 41'),
  Y('\\frac{1}{2}', 'so \\boxed{\\frac{1}{2}}', 'nested braces in a box'),
  Y('\\frac{1}{2}', 'so \\boxed{\\frac{1}{2}', 'unterminated box takes the rest'),
  Y('7', '\\fbox{7}', 'fbox'),
  Y('7', 'The final answer is 7.', 'final answer phrase, sentence period'),
  Y('7', 'Final Answer: The final answer is $7$. I hope it is correct.', 'Minerva phrase'),
  Y('7', 'Answer: 7', 'Answer: phrase'),
  N('7', 'Answer: 17', 'phrase answer differs'),
  Y(
    '189',
    'so the area is 189.\n\nThus the area is \\(\\boxed{189}\\) square centimeters.',
    'box in \\( \\)',
  ),
  Y('12', 'Therefore, there are 12 distinct sequences. I hope it is correct.', 'last number fallback'),
  N('12', 'there are 12 choices, so 13 in total', 'the last number is 13'),
  N('2', 'AZYUK2A', 'a digit inside a word is not an answer'),
  Y('2.74', 'Soucis : 2,74 $ a..', 'decimal comma in free text'),
  Y('1000.99', 'the number is not 10 which is 1,000.99€', 'thousands and currency in the last number'),
  Y('$9$', 'Answer \\[ 9 \\]', 'display math region'),
  Y('$10$', 'Answer \\( (9+1) \\)', 'arithmetic inside the last math region'),
  Y('\\boxed{5}', 'The answer is $5$', 'gold given as a boxed solution'),
  N('\\boxed{5}', 'The answer is $6$', 'wrong value against a boxed gold'),
  Y(
    '$\\frac{14}{3}$',
    '$\\frac{-8}{-4}+\\frac{-5}{-3}+1=2+\\frac{5}{3}+1=\\boxed{\\frac{14}{3}}$',
    'box at the end of a chain',
  ),
  N('85', 'I am not sure.', 'no number at all'),
  N('85', '', 'empty output'),
  // integers, decimals, fractions
  Y('85', ' 085', 'leading zero and space'),
  Y('85', '0085', 'leading zeros'),
  Y('85', '  85', 'leading spaces'),
  N('85', '86', 'off by one'),
  N('85', '-85', 'wrong sign'),
  N('85', '8.5', 'misplaced decimal point'),
  N('85', '850', 'extra digit'),
  Y('-5', '-5', 'negative integer'),
  N('-5', '5', 'wrong sign'),
  Y('1000', '1000.0', 'trailing zero decimal'),
  Y('0.4', '.4', 'leading-dot decimal'),
  Y('0.5', '\\frac{1}{2}', 'fraction equals decimal'),
  Y('\\frac{1}{2}', '0.5', 'decimal equals fraction'),
  Y('\\frac{2}{4}', '\\frac12', 'unreduced gold, exact equality'),
  Y('10/9', '\\frac{10}{9}', 'slash fraction'),
  Y('-10/9', '-\\frac{10}{9}', 'negative fraction'),
  Y('\\frac{-10}{9}', '-\\frac{10}{9}', 'sign inside the numerator'),
  N('\\frac{10}{9}', '\\frac{9}{10}', 'inverted fraction'),
  N('\\frac{1}{3}', '0.33', 'a rounded decimal is not the exact value'),
  N('\\frac{1}{3}', '0.333', 'three places are not enough'),
  Y('\\frac{1}{3}', '0.333333', 'six places stand for the value'),
  Y('\\frac{1}{12}', '0.0833333333333333', 'long decimal of a fraction'),
  Y('\\frac{2}{3}', '0.6666667', 'rounded at seven places'),
  N('0.28', '28', 'a fraction of 1 versus its percent number'),
  N('28/100', '28', 'a fraction versus its numerator'),
  N('28', '28/100', 'a number versus a hundredth of it'),
  Y('\\dfrac{3}{4}', '\\tfrac34', 'frac variants'),
  Y('1/3', '\\cfrac{1}{3}', 'cfrac'),
  Y('1', '\\frac3{3}', 'half-braced frac'),
  Y('3\\frac{1}{2}', '3.5', 'mixed number'),
  Y('3.5', '3 1/2', 'mixed number written in text'),
  N('3\\frac{1}{2}', '1.5', 'mixed number is not a product'),
  Y('\\frac{7}{2}', '3\\frac{1}{2}', 'mixed number equals improper fraction'),
  N('1.5', '1.50001', 'a different decimal'),
  Y('1.50', '1.5', 'trailing zeros'),
  Y('10^{3}', '1000', 'power of ten'),
  Y('2^{10}', '1024', 'integer power'),
  Y('1.2\\times 10^{3}', '1200', 'scientific notation'),
  N('10^{-7}', '0.0000002', 'tiny values still compared exactly'),
  // separators, units, percent, currency, degrees
  Y('7425000', '7,425,000', 'comma thousands separators'),
  Y('1000', '1 000', 'space thousands separator'),
  Y('1000', '1\\,000', 'thin-space separator'),
  Y('14916', '14{,}916', 'LaTeX {,} separator'),
  Y('1000.99', '1000,99', 'decimal comma'),
  Y('1,22', '1.22', 'decimal comma in the gold'),
  Y('0,111', '0.111', 'leading zero marks a decimal comma'),
  Y('1000.99', '$1,000.99', 'currency and thousands'),
  Y('5', '\\$5.00', 'dollar amount'),
  Y('5', '5 dollars', 'currency word'),
  N('5', '\\$50', 'wrong amount'),
  Y('125', '\\boxed{125\\textnormal{ miles}}', 'unit in text'),
  Y('\\frac{1}{3}', '\\frac{1}{3} \\text{meters}', 'unit after a fraction'),
  Y('6', '6 cm^2', 'squared unit'),
  Y('30', '30^\\circ', 'degrees'),
  Y('30^\\circ', '30', 'degrees in the gold'),
  Y('90^{\\circ}', '90 degrees', 'degree word'),
  N('30^\\circ', '60^\\circ', 'different angle'),
  Y('28\\%', '28 percent', 'percent word'),
  Y('28\\%', '28 pct', 'pct'),
  Y('28\\%', '28', 'bare number for a percent gold'),
  Y('28\\%', '0.28', 'percent value'),
  Y('50\\%', '\\boxed{50\\%}', 'percent in a box'),
  N('28\\%', '0.028', 'off by ten'),
  N('28\\%', '2.8', 'off by ten'),
  // radicals, pi, e, logs
  Y('2\\sqrt{2}', '\\sqrt{8}', 'radical simplification'),
  Y('\\sqrt{3}', '\\sqrt3', 'unbraced sqrt'),
  Y('\\frac{\\sqrt{3}}{2}', '\\frac{1}{2}\\sqrt{3}', 'radical coefficient'),
  Y('\\sqrt{2}/2', '\\frac{1}{\\sqrt{2}}', 'rationalised denominator'),
  N('\\sqrt{2}', '2', 'missing radical'),
  N('\\sqrt{2}', '1.414', 'rounded radical'),
  N('1\\sqrt{19}', '1', 'radical dropped'),
  N('\\frac{\\sqrt{3}}{2}', '0.866', 'rounded radical'),
  Y('\\sqrt[3]{8}', '2', 'cube root'),
  Y('\\sqrt[3]{-8}', '-2', 'odd root of a negative'),
  Y('\\sqrt{2}+\\sqrt{5}', '\\sqrt 2+\\sqrt 5', 'spaces in sqrt'),
  Y(
    '\\frac{\\sqrt{\\sqrt{11}+\\sqrt{194}}}{15+2\\sqrt{33}}',
    '\\frac{\\sqrt{\\sqrt{11}+\\sqrt{194}}}{2\\sqrt{33}+15}',
    'order of terms',
  ),
  N('2', '\\frac{1+\\sqrt{5}}{2}', 'golden ratio is not 2'),
  N('4', '\\frac{34}{16}+\\frac{\\sqrt{1358}}{16}', 'close to 4 but not 4'),
  Y('\\frac{9}{4}\\pi', '\\frac94\\pi', 'pi coefficient'),
  Y('2\\pi', '2 \\pi', 'pi spacing'),
  Y('\\pi', '3.14159265', 'pi to eight places'),
  N('\\pi', '3.14', 'pi rounded'),
  N('2\\pi', '\\pi', 'missing factor'),
  N('\\pi r^2', '2\\pi r', 'area versus circumference'),
  Y('e^2', 'e\\cdot e', 'Euler e'),
  Y('\\ln 8', '3\\ln 2', 'log rules'),
  Y('\\log_2 8', '3', 'log base 2'),
  Y('\\log_{3}{81}', '4', 'braced log base'),
  N('\\log_2 8', '8', 'log dropped'),
  Y('\\sin^2 x + \\cos^2 x', '1', 'Pythagorean identity'),
  Y('\\tan^2(y)+1', '\\sec^2(y)', 'tangent identity'),
  N('\\sin x', '\\cos x', 'different function'),
  Y('5!', '120', 'factorial'),
  Y('\\binom{5}{2}', '10', 'binomial'),
  N('\\binom{5}{2}', '20', 'permutations counted instead'),
  Y('|-3|', '3', 'absolute value'),
  // symbolic
  Y('(x+1)^2', 'x^2+2x+1', 'expanded square'),
  N('(x+1)^2', 'x^2+1', 'missing cross term'),
  N('(x-1)^2', 'x^2+2x+1', 'wrong sign in square'),
  Y('\\frac{x+2}{7}', '\\frac{x}{7}+\\frac{2}{7}', 'split fraction'),
  Y('x^2-1', '(x-1)(x+1)', 'factored'),
  N('x^2-1', '(x-1)^2', 'not the same factorisation'),
  Y('2-2p', 'x-p=\\boxed{2-2p}', 'boxed after an equation'),
  N('x+2n+1', 'x+1', 'dropped term'),
  N('(a+5)(b+2)', '(+5)(b+2)', 'missing variable'),
  Y('\\frac{\\pi r}{h+r}', '\\frac{r\\pi}{r+h}', 'commuted symbolic fraction'),
  Y('3x', 'x\\cdot 3', 'commuted product'),
  N('3x', 'x^3', 'power instead of product'),
  N('x+1', 'y+1', 'different variable'),
  Y('a_1+a_2', 'a_2+a_1', 'subscripted variables'),
  N('a_1+a_2', 'a_1+a_3', 'different subscript'),
  Y('\\frac{1}{3x^{2/3}}', '\\frac{1}{3\\sqrt[3]{x}^2}', 'fractional power as root'),
  Y('e^{i\\pi}', 'e^{\\pi i}', 'commuted exponent'),
  Y('xy', 'yx', 'commuted implicit product'),
  N('2^x', 'x^2', 'swapped base and exponent'),
  // equations and relations
  Y('11', 'x = 5+6 = 11', 'chain ends in the value'),
  Y('x = 11', 'x = 5+5+1 = 7 =11', 'chain against an equation'),
  Y('11', 'x=11', 'bare number against an equation'),
  Y('k=1', '1', 'equation gold, bare pred'),
  Y('11', 'x\\approx11', 'approximate equality'),
  Y('1/3', 'x=1/3\\approx1.3', 'fraction then approximation'),
  N('x=3', '3x', 'x=3 is a value, 3x a product'),
  N('3x', 'x=3', 'product versus equation'),
  N('7 = 11a+c', '11a+c', 'gold equation left side is not a variable'),
  N('a +3z = 0', '0', 'an equation is not its right side'),
  N('2x + z = 1', '1', 'an equation is not its right side'),
  N('a^2 + b = 0', '0', 'an equation is not its right side'),
  Y('1 = \\zzz = x = 0', '0', 'chain with an unknown command'),
  Y('z = 1 + 1 = 2', 'z = 3+3 = 2', 'chains compared by final values'),
  Y('2x+4y-3=0', 'y=-\\frac{1}{2}x+\\frac{3}{4}', 'same line'),
  Y('x^2/4 + y^2/3 = 1', 'x^2/16 + y^2/12 = 1/4', 'scaled ellipse'),
  Y('34x+45y-20z+100=0', '-34x-45y+20z-100=0', 'negated plane'),
  N('2x+4y-3=0', 'y=\\frac{1}{2}x+\\frac{3}{4}', 'different slope'),
  Y('y = 2x+1', 'y=1+2x', 'commuted right side'),
  N('y = 2x+1', 'y = 2x-1', 'wrong intercept'),
  N('x = 5', 'y = 5', 'different variable'),
  // inequalities and intervals
  Y('x >= 5', 'x \\geq 5', 'geq'),
  Y('x < 3', 'x \\lt 3', 'lt'),
  Y('x \\leq 2', 'x <= 2', 'ascii leq'),
  Y('x != 3', 'x \\neq 3', 'neq'),
  N('x > 5', 'x < 5', 'reversed inequality'),
  N('x \\geq 5', 'x \\leq 5', 'reversed inequality'),
  N('x > 5', 'x \\geq 5', 'strict versus non-strict'),
  Y('x \\leq 5', '5 \\geq x', 'flipped sides'),
  Y('x < 1', '-x > -1', 'negated inequality'),
  N('x < 1', 'x > -1', 'different inequality'),
  Y('[0,1)', '[0,1)', 'same interval'),
  N('[0,9)', '[0,1)', 'different end'),
  N('(0,9)', '[0,9)', 'open versus closed start'),
  N('[0,1)', '(0, 1)', 'closed versus open start'),
  N('[0,1]', '[0,1)', 'closed versus open end'),
  N('1', '-[0,1)', 'a number is not an interval'),
  Y('(3, \\infty)', 'x > 3', 'interval as inequality'),
  Y('x > 3', '(3,\\infty)', 'inequality as interval'),
  N('x > 3', '[3,\\infty)', 'strict inequality versus closed end'),
  Y('[-3, 2]', '-3 \\le x \\le 2', 'double inequality'),
  N('[-3, 2]', '-3 < x \\le 2', 'open start'),
  Y('(-\\infty, 1) \\cup (2, \\infty)', 'x < 1 or x > 2', 'union as two inequalities'),
  Y('(-\\infty, 1) \\cup (2, \\infty)', '(2, \\infty) \\cup (-\\infty, 1)', 'union order'),
  N('(-\\infty, 1) \\cup (2, \\infty)', '(-\\infty, 1] \\cup (2, \\infty)', 'one end closed'),
  Y(
    '[-1, -\\frac{1}{2}) \\cup (-\\frac{1}{2}, 0) \\cup (0, 1) \\cup (1, \\infty)',
    '\\boxed{[-1, -\\tfrac12) \\cup (-\\tfrac12, 0) \\cup (0, 1) \\cup (1, \\infty)}',
    'long union',
  ),
  Y('x \\in \\{-1\\} \\cup [0,7)', '\\{-1\\} \\cup [0,7)', 'membership dropped'),
  Y('(\\frac{3}{5},\\frac{8}{3}]', '(0.6,\\frac{8}{3}]', 'decimal end'),
  N('(\\frac{3}{5},\\frac{8}{3}]', '(0.6,2.67]', 'rounded end'),
  Y('\\left( -\\infty, 3 \\right]', '(-\\infty,3]', 'left/right sizing'),
  // sets, lists, tuples
  Y('\\{1,2,3\\}', '\\{3,2,1\\}', 'set order'),
  Y('\\{1,2,3\\}', '1, 2, 3', 'set as a list'),
  Y('1, 2', '2, 1', 'unordered solutions'),
  N('1, 2', '1, 2, 3', 'extra element'),
  N('1, 2', '1', 'missing element'),
  N('\\{1,2\\}', '\\{1,3\\}', 'wrong element'),
  Y('1 \\pm \\sqrt{2}', '1+\\sqrt2, 1-\\sqrt2', 'plus-minus as two values'),
  Y('1+\\sqrt2, 1-\\sqrt2', '1 \\pm \\sqrt{2}', 'two values as plus-minus'),
  N('1 \\pm \\sqrt{2}', '1+\\sqrt2', 'only one sign'),
  Y('\\pm 3', '3, -3', 'bare plus-minus'),
  Y('x=1, x=2', '1, 2', 'roots as equations'),
  Y('(1,2)', '(1, 2)', 'same tuple'),
  N('(1,2)', '(2,1)', 'tuple order matters'),
  Y('(7,6)', 'So the ordered pair (x, y) that solves the system is $(7, 6)$.', 'tuple in a sentence'),
  Y('(1,\\frac{9}{2})', '(1,4.5)', 'tuple with decimal'),
  N('(1,\\frac{9}{2})', '(1,4)', 'wrong coordinate'),
  Y('(3, \\frac{\\pi}{2})', '\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}', 'polar coordinates'),
  Y('\\langle 1, 2, 3\\rangle', '(1,2,3)', 'angle-bracket vector'),
  Y('12 and 13', '12\\text{ and }13', 'text conjunction'),
  Y('\\emptyset', '\\varnothing', 'empty set'),
  // matrices
  Y(
    '\\begin{pmatrix}1 & 0 \\\\ 0 & 1\\end{pmatrix}',
    'The identity matrix is $ \\begin{pmatrix}1 & 0 \\\\ 0 & 1\\end{pmatrix} $.',
    'identity',
  ),
  Y(
    '\\begin{bmatrix}0 & 0 \\\\0 & 0\\end{bmatrix}',
    '$\\begin{pmatrix}0 & 0 \\\\0 & 0\\end{pmatrix}$',
    'bmatrix versus pmatrix',
  ),
  Y(
    '\\begin{pmatrix}1 & 2 \\\\3 & 4\\end{pmatrix}',
    '$ \\left[\\begin{array}{cc}1 & 2 \\\\3 & 4\\end{array}\\right] $',
    'array',
  ),
  N(
    '\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}',
    '\\begin{pmatrix}1 & 2 \\\\ 3 & 5\\end{pmatrix}',
    'one entry differs',
  ),
  N(
    '\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}',
    '\\begin{pmatrix}1 & 3 \\\\ 2 & 4\\end{pmatrix}',
    'transposed',
  ),
  Y(
    '\\begin{pmatrix}\\frac{1}{2} & \\frac{3}{4} \\\\ \\frac{5}{6} & \\frac{7}{8}\\end{pmatrix}',
    '\\begin{pmatrix}0.5 & 0.75 \\\\ \\frac{5}{6} & 0.875\\end{pmatrix}',
    'fraction entries',
  ),
  Y('\\begin{pmatrix} 3 \\\\ 2 \\\\ -6 \\end{pmatrix}', '(3, 2, -6)', 'column vector as tuple'),
  N('\\begin{pmatrix} 3 \\\\ 2 \\\\ -6 \\end{pmatrix}', '(3, 2, 6)', 'sign of a component'),
  N('\\begin{pmatrix} 1 & 2 \\end{pmatrix}', '\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}', 'row versus column'),
  // text answers
  Y('\\text{Evelyn}', 'Therefore, $\\boxed{\\text{Evelyn}}$ is our answer.', 'name in text'),
  N('\\text{Evelyn}', '\\boxed{\\text{Briana}}', 'different name'),
  Y('B', 'The answer is (B)', 'choice letter in parentheses'),
  Y('(B)', 'B', 'choice letter without parentheses'),
  Y('\\text{(C)}', '\\boxed{C}', 'choice letter in text'),
  N('\\text{(C)}', 'B', 'different choice'),
  N('A', '(D)', 'different choice'),
  Y('\\text{even}', 'even', 'word answer'),
  N('\\text{even}', 'odd', 'opposite word'),
  Y('\\text{yes}', 'Yes', 'case-insensitive word'),
  N('\\text{yes}', 'no', 'opposite word'),
  Y('\\text{east}', '\\textbf{East}', 'bold word'),
  // more near misses and hard forms
  N('\\frac{1}{2}', '\\frac{1}{2}x', 'stray variable'),
  N('16', '4^3', 'wrong power'),
  Y('64', '4^3', 'power evaluated'),
  Y('\\frac{3}{2}', '1\\tfrac{1}{2}', 'mixed number with tfrac'),
  N('-\\frac{3}{2}', '\\frac{3}{2}', 'lost sign'),
  N('\\sqrt{5}', '\\sqrt[3]{5}', 'square versus cube root'),
  Y('\\frac{1}{\\sqrt{3}}', '\\frac{\\sqrt{3}}{3}', 'rationalised'),
  N('\\frac{1}{\\sqrt{3}}', '\\sqrt{3}', 'inverted radical'),
  Y('0.1', '10\\%', 'percent on the prediction side'),
  N('0.1', '1\\%', 'percent off by ten'),
  Y('\\{-2, 3\\}', 'x = -2 \\text{ or } x = 3', 'roots as an or-list'),
  N('\\{-2, 3\\}', 'x = 2 \\text{ or } x = 3', 'one root wrong sign'),
  N('(2, 3)', '(2, 3, 0)', 'extra coordinate'),
  N('\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}', '(2, 1)', 'vector components swapped'),
  Y('2\\sqrt{3}+1', '1+\\sqrt{12}', 'simplified radical plus integer'),
  N('2\\sqrt{3}+1', '1+\\sqrt{13}', 'wrong radicand'),
  Y('\\frac{\\pi}{6}', '\\frac{1}{6}\\pi', 'pi over six'),
  N('\\frac{\\pi}{6}', '30', 'degrees are not radians (no unit conversion)'),
  N('\\frac{\\pi}{3}', '\\frac{\\pi}{6}', 'different angle'),
  Y('4\\sqrt{2}\\pi', '\\pi\\sqrt{32}', 'radical times pi'),
  N('x^2', 'x^3', 'wrong degree'),
  Y('\\frac{x^2-1}{x-1}', 'x+1', 'cancelled rational function'),
  N('\\frac{x^2+1}{x-1}', 'x+1', 'does not cancel'),
  Y('3^{2}\\cdot 2', '18', 'arithmetic gold'),
  N('3^{2}\\cdot 2', '36', 'squared the product'),
  Y('0', '-0', 'negative zero'),
  N('0', '0.001', 'not zero'),
  Y('\\infty', '\\infty', 'infinity'),
  N('\\infty', '-\\infty', 'signed infinity'),
];

/** Integer tiny-arith forms: every sum 0..198 style with its free leading spaces and zeros. */
function tinyArith(): CorpusRow[] {
  const rows: CorpusRow[] = [];
  const sums = [0, 7, 10, 58, 85, 99, 100, 123, 150, 198];
  for (const s of sums) {
    rows.push(Y(`${s}`, `${s}`, 'tiny-arith plain'));
    rows.push(Y(`${s}`, ` 0${s}`, 'tiny-arith space and zero'));
    rows.push(Y(`${s}`, `00${s}`, 'tiny-arith zeros'));
    rows.push(N(`${s}`, `${s + 1}`, 'tiny-arith off by one'));
    rows.push(N(`${s}`, `${s + 10}`, 'tiny-arith tens digit wrong'));
    rows.push(N(`${s}`, `${s}1`, 'tiny-arith extra digit'));
    if (s !== 0) rows.push(N(`${s}`, `-${s}`, 'tiny-arith wrong sign'));
  }
  return rows;
}

/** Fractions against their decimals and their near misses. */
function fractions(): CorpusRow[] {
  const rows: CorpusRow[] = [];
  const fr: [number, number][] = [
    [1, 4],
    [3, 8],
    [5, 2],
    [7, 5],
    [9, 16],
    [11, 20],
  ];
  for (const [a, b] of fr) {
    const dec = `${a / b}`;
    rows.push(Y(`\\frac{${a}}{${b}}`, dec, 'terminating decimal of the fraction'));
    rows.push(Y(`\\frac{${a}}{${b}}`, `${a}/${b}`, 'slash form'));
    rows.push(Y(`\\frac{${a}}{${b}}`, `\\frac{${2 * a}}{${2 * b}}`, 'unreduced equal fraction'));
    rows.push(N(`\\frac{${a}}{${b}}`, `\\frac{${b}}{${a}}`, 'reciprocal'));
    rows.push(N(`\\frac{${a}}{${b}}`, `-\\frac{${a}}{${b}}`, 'wrong sign'));
    rows.push(N(`\\frac{${a}}{${b}}`, `${(a / b) * 100}`, 'scaled by 100 without a percent sign'));
  }
  return rows;
}

/** Polynomial identities at random points and their near misses. */
function polynomials(): CorpusRow[] {
  const rows: CorpusRow[] = [];
  for (const k of [2, 3, 5, 7]) {
    rows.push(Y(`(x+${k})^2`, `x^2+${2 * k}x+${k * k}`, 'expanded square'));
    rows.push(N(`(x+${k})^2`, `x^2+${k}x+${k * k}`, 'cross term not doubled'));
    rows.push(Y(`x^2-${k * k}`, `(x-${k})(x+${k})`, 'difference of squares'));
    rows.push(N(`x^2-${k * k}`, `(x-${k})^2`, 'square instead of difference'));
    rows.push(Y(`\\frac{${k}}{x}`, `${k}x^{-1}`, 'negative exponent'));
    rows.push(N(`\\frac{${k}}{x}`, `\\frac{x}{${k}}`, 'inverted'));
  }
  return rows;
}

/** Intervals with every choice of ends against each other: only identical ends match. */
function intervals(): CorpusRow[] {
  const rows: CorpusRow[] = [];
  const forms = ['(', '['].flatMap((o) => [')', ']'].map((c) => [o, c] as const));
  for (const [o, c] of forms)
    for (const [o2, c2] of forms) {
      const g = `${o}-2, 5${c}`;
      const p = `${o2}-2,5${c2}`;
      if (o === o2 && c === c2) rows.push(Y(g, p, 'same ends'));
      else rows.push(N(g, p, 'open versus closed end'));
    }
  return rows;
}

export const CORPUS: CorpusRow[] = [
  ...HAND,
  ...ACCURACY_CORPUS,
  ...AGREEMENT_CORPUS,
  ...tinyArith(),
  ...fractions(),
  ...polynomials(),
  ...intervals(),
];
