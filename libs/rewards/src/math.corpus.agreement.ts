/**
 * Pairs for the rules added to reach Math-Verify's agreement on its own test pairs (issue 16, "every
 * corpus we measure"), one block per rule. Each rule has matches and the near misses that a looser
 * version of it would accept; `why` says which.
 */
import { type CorpusRow, N, Y } from './math.corpus.row.js';

/** An escaped dollar (`\$`) is a currency sign, never a math delimiter. */
const ESCAPED_DOLLARS: CorpusRow[] = [
  Y(
    '7/4',
    'Answer $ \\frac{1}{3} \\$ = \\frac{7}{4} $',
    'escaped dollar inside math: the chain is worth its last value',
  ),
  Y('8', 'It costs \\$3 each, so $x = 8$ in all', 'escaped dollar in prose does not open a math region'),
  N('3', 'It costs \\$3 each, so $x = 8$ in all', 'the currency amount is not the answer'),
  N('7/4', 'Answer $ \\frac{7}{4} \\$ = \\frac{1}{3} $', 'the last value of the chain is 1/3'),
];

/** LaTeX thousands separators with spaces inside (`14 {, }916`). */
const SPACED_SEPARATORS: CorpusRow[] = [
  Y('23\\,481', 'The final answer is $23 {, }481$. I hope it is correct.', 'spaced {, } thousands separator'),
  Y('23481', 'so the total is $23{ , }481$.', 'spaces inside the braces'),
  N('23481', 'The final answer is $23 {, }418$. I hope it is correct.', 'digits swapped after the separator'),
  N('23', 'The final answer is $23 {, }481$.', 'a separated number is one number, not its first group'),
];

/** An answer line quoted with escaped quotes (`\"$12$ and $13$\"`). */
const ESCAPED_QUOTES: CorpusRow[] = [
  Y(
    '4 \\text{ and } 5',
    'Final Answer: The final answer is \\"$4 $ and $5 $\\". I hope it is correct.',
    'escaped quotes',
  ),
  Y('9', 'The final answer is "$9$".', 'plain quotes'),
  N(
    '4 \\text{ and } 5',
    'Final Answer: The final answer is \\"$4 $ and $6 $\\".',
    'one value wrong inside escaped quotes',
  ),
];

/** Unescaped braces only group: `{1,3}` is the bare list 1, 3 (a set is written `\{1,3\}`). */
const BRACE_GROUPS: CorpusRow[] = [
  Y('$(2,7)$', '${2,7}$', 'braced list against a tuple, same order'),
  N('$(2,7)$', '${7,2}$', 'a bare list against a tuple keeps the order'),
  N('(2,7)', '\\{2,7\\}', 'a set is not a tuple'),
  Y('\\{2,7\\}', '{7,2}', 'braced list against a set: unordered'),
  N('\\{2,7\\}', '{2,8}', 'braced list with a wrong element'),
];

/** A capital run names points (`\frac{NO}{BO}`); a whole-answer word is compared without case. */
const CAPITAL_RUNS: CorpusRow[] = [
  Y('$\\frac{OM}{ON}=\\frac{2}{\\sqrt{5}}$', '$\\frac{2}{\\sqrt{5}}$', 'ratio of segments labels the value'),
  N('$\\frac{OM}{ON}=\\frac{2}{\\sqrt{5}}$', '$\\frac{2}{\\sqrt{3}}$', 'labelled value differs'),
  Y('\\frac{NO}{BO}=\\frac{3}{4}', '\\frac{NO}{BO} = 0.75', 'segment names that spell "no"'),
  Y('NO', '\\boxed{no}', 'a yes/no answer in capitals against lower case'),
  Y('\\text{Yes}', 'The answer is YES.', 'capital YES against Yes'),
  N('NO', '\\boxed{YES}', 'opposite word in capitals'),
  N('xy', 'XY', 'a product of variables is not a word: case counts'),
];

/** Solutions written as assignment lists separated by `;`. */
const ASSIGNMENT_SOLUTIONS: CorpusRow[] = [
  Y('$a=3,b=1;a=5,b=4$', '$(3,1),(5,4)$', 'each ;-segment is one solution tuple'),
  Y('$(3,1),(5,4)$', 'a=5, b=4; a=3, b=1', 'the solutions in another order'),
  Y('a=3,b=1;a=5,b=4', 'b=1,a=3; b=4,a=5', 'assignments compared by name'),
  N('$a=3,b=1;a=5,b=4$', '$(1,3),(5,4)$', 'one tuple reversed'),
  N('$a=3,b=1;a=5,b=4$', '$(3,1)$', 'a solution missing'),
  N('$a=3,b=1;a=5,b=4$', '$3, 1, 5, 4$', 'a flat list is not a list of solutions'),
  Y('x = 2; x = -2', '\\pm 2', 'one variable twice: still a flat list of values'),
];

/** `or`/`and` glued between a value and the next item; a function label's argument is a dummy. */
const GLUED_AND_DUMMIES: CorpusRow[] = [
  Y(
    '\\\\boxed{g(t) = 2 \\\\text{ or } g(t) = -3',
    'g(x)=2org(x)=-3',
    'double-escaped unclosed gold, glued or',
  ),
  N('\\\\boxed{g(t) = 2 \\\\text{ or } g(t) = -3', 'g(x)=2org(x)=3', 'glued or, one value wrong'),
  N('\\\\boxed{g(t) = 2 \\\\text{ or } g(t) = -3', 'h(x)=2orh(x)=-3', 'another function'),
  Y('x = 4, y = 1', 'x=4andy=1', 'glued and'),
  N('5', '5ore', 'a longer run after a digit is text, not a conjunction'),
  Y('f(x) = 12', 'f(t) = 12', 'the argument of a function label is a dummy'),
  N('f(1) = 12', 'f(2) = 12', 'a function at another number is another value'),
  N('ab = 6', 'ac = 6', 'a product of variables is not a function label'),
];

/** Boxes in a gold joined by punctuation alone, or by a word naming the box and a conjunction. */
const JOINED_GOLD_BOXES: CorpusRow[] = [
  Y('\\boxed{4} apples and \\boxed{9} pears', '$\\boxed{4,9}$', 'named boxes joined by and'),
  N('\\boxed{4} apples and \\boxed{9} pears', '\\boxed{9}', 'the second part alone'),
  Y('$\\boxed{12 cm} ---- \\boxed{5}$', '${12 cm,5}$', 'boxes separated by punctuation only'),
  N('$\\boxed{12 cm} ---- \\boxed{5}$', '${12 cm,6}$', 'punctuation-joined boxes, one value wrong'),
  Y('\\boxed{3} cm, and \\boxed{8} cm', '3, 8', 'a unit, a comma and "and"'),
  Y('\\boxed{5} is wrong and \\boxed{6}', '\\boxed{6}', 'a correction between boxes: the last box'),
  N('\\boxed{5} is wrong and \\boxed{6}', '\\boxed{5, 6}', 'a correction is not a list'),
  Y('\\boxed{1} no, \\boxed{2}', '\\boxed{2}', '"no" takes the first box back'),
  Y('\\boxed{3}. Then \\boxed{5}', '\\boxed{5}', '"then" moves on: the last box'),
  Y('$\\boxed{6}$ cm and $\\boxed{2}$ cm', '6, 2', 'named boxes in separate math regions'),
  Y('\\boxed{1} \\quad \\boxed{4}', '\\{1, 4\\}', 'boxes separated by \\quad'),
  N('\\boxed{1} \\quad \\boxed{4}', '4', 'the last of two listed boxes alone'),
  N('\\boxed{3} < \\boxed{5}', '\\boxed{3, 5}', 'a relation between boxes is not a separator'),
  Y('\\boxed{3} \\text{ or } \\boxed{5}', '5, 3', 'boxes joined by a \\text{ or }'),
  N('\\boxed{3} \\text{ or } \\boxed{5}', '5', 'one of two alternatives'),
];

/** A gold's bound on |x| for a variable x is the set of x it allows; a prediction's is not solved. */
const ABSOLUTE_BOUNDS: CorpusRow[] = [
  Y(
    '$2\\leq|w|\\leq 5$',
    '$w \\in \\left[-5, -2\\right] \\cup \\left[2, 5\\right]$',
    'two-sided bound on |w| against the union',
  ),
  N('$2\\leq|w|\\leq 5$', '$[2, 5]$', 'only the positive half'),
  N('$2\\leq|w|\\leq 5$', '$[-5, 5]$', 'the gap (-2, 2) left in'),
  N('$2\\leq|w|\\leq 5$', '$(-5, -2] \\cup [2, 5]$', 'an end opened'),
  Y('|x| < 3', '(-3, 3)', 'one-sided bound, solved'),
  Y('|x| < 3', '-3 < x < 3', 'against the solved double inequality'),
  N('|x| < 3', '(-\\infty, 3)', 'the range of |x| is not the set of x'),
  Y('|x| \\ge 1', '(-\\infty, -1] \\cup [1, \\infty)', 'lower bound on |x|: two rays'),
  N('|x| \\ge 1', '(-\\infty, -1) \\cup (1, \\infty)', 'closed ends opened'),
  Y('0 < |x| < 2', '(-2, 0) \\cup (0, 2)', 'zero excluded'),
  N('(-\\infty, 3)', '|x| < 3', 'a prediction bounding |x| restates the question'),
  N('|x - 1| < 2', '(-2, 2)', 'an absolute value of an expression is not solved'),
  N('|x| < a', '(-a, a)', 'symbolic bound: not solved'),
];

/** A ratio with a zero term is not scaled (a clock time `12:00` is not `1:00`). */
const ZERO_TERM_RATIOS: CorpusRow[] = [
  N('$12:00$', '$1:00$', 'a zero term: no scaling'),
  N('3:0', '6:0', 'degenerate ratio compared term by term'),
  Y('$12:00$', '12:0', 'the same time, zero written once'),
  Y('4:6', '2:3', 'ratios without zero terms still scale'),
];

/** Mixed numbers: a whole part, one space, a proper fraction; anything else is no number. */
const MIXED_NUMBERS: CorpusRow[] = [
  Y('29/8', '+3 5/8', 'mixed number with an explicit plus sign'),
  Y('6011/6', '1 001 5/6', 'mixed number whose whole part has a spaced thousands separator'),
  Y('29/8', 'So she needs 3 5/8 cups.', 'a mixed number in prose is one number'),
  N('5/8', 'So she needs 3 5/8 cups.', 'the fraction part of a mixed number in prose is not the answer'),
  N('10', '9 5/5', 'an improper fraction part: not a mixed number'),
  N('1', '9 5/5', 'nor its fraction part'),
  N('9', 'The answer is 9 5/5.', 'nor its whole part'),
  N('7', '7 3/0', 'a zero denominator: no number'),
  Y('7', '7 0/3', 'a zero fraction part is the whole number'),
  N('29/8', '3\n5/8', 'a line break does not form a mixed number'),
];

/** Sums, products, integrals and limits are not evaluated: only a computation's result counts. */
const BIG_OPERATORS: CorpusRow[] = [
  Y('15', 'The answer is $\\sum_{k=1}^{5} k = 15$.', 'a sum written as a computation is worth its result'),
  N('15', 'The answer is $\\sum_{k=1}^{5} k = 16$.', 'a computation with a wrong result'),
  Y('\\frac{1}{3}', '$\\int_0^1 x^2\\,dx = \\frac{1}{3}$', 'an integral computed'),
  Y(
    '42',
    '$\\prod_{j=0}^{m}\\bigl(j\\bigr)$ and $42$',
    'an unevaluated product is skipped for the next answer',
  ),
  Y(
    '42',
    'Final answer is $\\sum_{i=0}^m\\bigl(i\\bigr)$. I hope. 42',
    'a number after an unread answer line',
  ),
  N('0', '$\\sum_{i=0}^m\\bigl(i\\bigr)$', 'the bounds of an unevaluated sum are no answer'),
  Y('a_n = \\sum_{k=0}^{n-1} a_k', 'a_n = \\sum_{k=0}^{n-1} a_k', 'the same sum on both sides'),
];

/** Sentence punctuation inside the math ends the answer; an ellipsis continues a list. */
const TRAILING_PUNCTUATION: CorpusRow[] = [
  Y('$\\frac{2}{7}$', 'The answer is $\\frac{2}{7}.$', 'a period inside the math'),
  Y('$(3,4)$', '$(3,4),$', 'a comma inside the math after a tuple'),
  N('$4, 5, 6$', '$4, 5, 6, ...$', 'a list ending in an ellipsis goes on: not the finite set'),
  N('$4, 5, 6$', '$4, 5, 6, \\ldots$', 'the same with \\ldots'),
  Y('4, 5, 6, \\ldots', '4, 5, 6, ...', 'both sides continue the list'),
  N('4, 5, 6, \\ldots', '456', 'the digits of a sequence are not the sequence'),
  N('$3$', '$3^{4}.$', 'a power then a period is not its base'),
];

/** A multiple-choice letter that opens a short answer as its label. */
const CHOICE_LABELS: CorpusRow[] = [
  Y('C', 'C. Because the other options fail', 'the letter opening the answer, then its reason'),
  N('D', 'C. Because D is not valid', 'the opening letter is the choice, not a letter in the reason'),
  Y('(B)', 'B: only this one is even', 'letter and colon'),
  N('A', 'A student gets 5 marks', 'an article is not a choice'),
];

/** Set-builder notation with an inequality is that interval. */
const SET_BUILDER: CorpusRow[] = [
  Y('[-3, 5)', '\\boxed{\\{x : -3 \\le x < 5\\}}', 'set-builder with a colon'),
  Y('(4, \\infty)', '\\{t \\mid t > 4\\}', 'set-builder with \\mid'),
  N('[-3, 5)', '\\boxed{\\{x : -3 < x < 5\\}}', 'an end opened'),
  N('\\{-3, 5\\}', '\\{x : -3 \\le x \\le 5\\}', 'an interval is not the set of its two ends'),
];

export const AGREEMENT_CORPUS: CorpusRow[] = [
  ...ESCAPED_DOLLARS,
  ...SPACED_SEPARATORS,
  ...ESCAPED_QUOTES,
  ...BRACE_GROUPS,
  ...CAPITAL_RUNS,
  ...ASSIGNMENT_SOLUTIONS,
  ...GLUED_AND_DUMMIES,
  ...JOINED_GOLD_BOXES,
  ...ABSOLUTE_BOUNDS,
  ...ZERO_TERM_RATIOS,
  ...MIXED_NUMBERS,
  ...BIG_OPERATORS,
  ...TRAILING_PUNCTUATION,
  ...CHOICE_LABELS,
  ...SET_BUILDER,
];
