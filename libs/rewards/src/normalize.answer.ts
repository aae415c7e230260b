import { matchBrace, undoubleEscapes } from './extract.answer.js';

/** An answer string made ready for parsing, with the facts normalisation removed from it. */
export interface PreparedAnswer {
  /** Normalised LaTeX/plain text, whitespace kept (it separates tokens). */
  text: string;
  /** Alternative readings of an ambiguous answer (`1,5`: decimal comma or a list). */
  alts: string[];
  /** A percent sign or word was present (`50\%`, "50 percent"). */
  percent: boolean;
  /** Lower-case letters and digits only, for comparing text answers. */
  key: string;
}

const TEXT_WRAPPERS =
  /\\(?:text|textbf|textit|textrm|textnormal|textsf|texttt|mbox|hbox|mathrm|mathbf|mathit|mathsf|mathtt|operatorname|emph)\s*\{/g;

/** Words that only name a unit; removed when they follow or decorate a number. */
const UNIT_WORDS = new Set([
  'cm',
  'mm',
  'km',
  'm',
  'meter',
  'meters',
  'metre',
  'metres',
  'centimeter',
  'centimeters',
  'kilometer',
  'kilometers',
  'millimeter',
  'millimeters',
  'inch',
  'inches',
  'in',
  'foot',
  'feet',
  'ft',
  'yard',
  'yards',
  'yd',
  'mile',
  'miles',
  'mi',
  'unit',
  'units',
  'sq',
  'square',
  'cubic',
  'degree',
  'degrees',
  'deg',
  'radian',
  'radians',
  'rad',
  'dollar',
  'dollars',
  'cent',
  'cents',
  'usd',
  'euro',
  'euros',
  'pound',
  'pounds',
  'hour',
  'hours',
  'hr',
  'hrs',
  'h',
  'minute',
  'minutes',
  'min',
  'mins',
  'second',
  'seconds',
  's',
  'sec',
  'secs',
  'day',
  'days',
  'week',
  'weeks',
  'month',
  'months',
  'year',
  'years',
  'kg',
  'g',
  'gram',
  'grams',
  'kilogram',
  'kilograms',
  'mg',
  'lb',
  'lbs',
  'oz',
  'ounce',
  'ounces',
  'liter',
  'liters',
  'litre',
  'litres',
  'l',
  'ml',
  'gallon',
  'gallons',
  'mph',
  'kmh',
  'people',
  'person',
  'students',
  'times',
  'ways',
  'items',
  'apples',
  'marbles',
  'books',
  'pages',
  'points',
  'boxes',
  'coins',
  'tiles',
  'cookies',
  'balls',
  'cars',
  'pieces',
  'percent',
  'percentage',
  'pct',
]);

const PERCENT_RE = /\\%|%|\bpercentage\b|\bpercent\b|\bpct\b/g;

function unwrapTextCommands(s: string): string {
  for (let guard = 0; guard < 50; guard++) {
    TEXT_WRAPPERS.lastIndex = 0;
    const m = TEXT_WRAPPERS.exec(s);
    if (!m) return s;
    const open = m.index + m[0].length - 1;
    const close = matchBrace(s, open);
    const inner = s.slice(open + 1, close < 0 ? s.length : close);
    const words = inner
      .trim()
      .toLowerCase()
      .replace(/[.^{}\d~/\\]/g, ' ')
      .split(/\s+/)
      .filter(Boolean);
    const unitsOnly = words.length > 0 && words.every((w) => UNIT_WORDS.has(w));
    let after = close < 0 ? '' : s.slice(close + 1);
    // a unit's exponent goes with it: `\text{ cm}^2`, `\mathrm{m}^{3}`
    if (unitsOnly) after = after.replace(/^\s*\^\s*(?:\{\s*[23]\s*\}|[23])/, '');
    s = s.slice(0, m.index) + (unitsOnly ? ' ' : ` ${inner} `) + after;
  }
  return s;
}

/** Removes unit words that follow a number (`5 cm^2`, `12 dollars`, `60 km/h`), never the only word. */
function stripTrailingUnits(s: string): string {
  return s.replace(
    /(\d|\})(\s*)([a-zA-Z]+(?:\s*\/\s*[a-zA-Z]+|\s+[a-zA-Z]+){0,2})(\^?\{?[23]?\}?)\s*$/,
    (all, d: string, _sp, words: string) => {
      const ws = words.toLowerCase().split(/[\s/]+/);
      return ws.every((w) => UNIT_WORDS.has(w)) && !/^[a-z]$/i.test(words) ? d : all;
    },
  );
}

/**
 * Normalises one extracted answer: math delimiters, `\text{}` wrappers and unit words, degrees,
 * percent, currency, thousands separators (comma, thin space, `{,}`), decimal comma, mixed numbers
 * written `3 1/2`, and trailing punctuation. Pure string work with linear-time regular expressions.
 */
export function prepareAnswer(raw: string): PreparedAnswer {
  let s = undoubleEscapes(raw);
  s = s
    .replace(/\\\$/g, ' ')
    .replace(/\\\(|\\\)|\\\[|\\\]/g, ' ')
    .replace(/\$/g, ' ');
  s = unwrapTextCommands(s);
  s = s.replace(/\\left\s*\.|\\right\s*\./g, ' ');
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|°|\\degree/g, ' ');
  let percent = false;
  s = s.replace(PERCENT_RE, () => {
    percent = true;
    return ' ';
  });
  s = s.replace(/[€£¥₹]|\bUSD\b|\bRs\.?/g, ' ');
  s = s.replace(/\\(?:dfrac|tfrac|cfrac)/g, '\\frac');
  // thousands / decimal separators written `{,}` (LaTeX) and thin spaces between digit groups
  s = s.replace(/(\d)\{,\}(?=\d{3}(?!\d))/g, '$1').replace(/(\d)\{,\}(?=\d)/g, '$1.');
  for (let k = 0; k < 8; k++) {
    const t = s.replace(/(\d)(?:\\,|\\ |\\;|\u2009|\u202f|\u00a0)(?=\d{3}(?!\d))/g, '$1');
    if (t === s) break;
    s = t;
  }
  // LaTeX spaces left where a unit was removed (before trim, which would split `\ `)
  s = s.replace(/(?:\\[,;:! ]|\s)+$/, '');
  s = s.trim().replace(/^[=:]\s*/, '');
  // sentence punctuation ends the answer, but a list that ends `, ...` goes on (`1, 2, 3, ...` is
  // not the set {1, 2, 3}), so its ellipsis stays and keeps it from parsing as one
  if (!/,\s*(?:\.{3}|…|\\[lc]?dots)[\s.,;:]*$/.test(s)) s = s.replace(/[\s.,;:]+$/, '');
  s = s.replace(/\\\\\s*$/, '').trim();
  s = stripTrailingUnits(s).trim();
  s = s.replace(/^\\(?:approx|sim)\s*/, '');

  const alts: string[] = [];
  // whole-answer number forms: `7,425,000`, `1 000`, `1000,99`, `3 1/2`
  const compact = s.replace(/\s+/g, ' ');
  if (/^-?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$/.test(compact)) s = compact.replace(/,/g, '');
  else if (/^-?[1-9]\d{0,2}(?: \d{3})+(?:\.\d+)?$/.test(compact)) s = compact.replace(/ /g, '');
  else if (/^-?\d+,\d+$/.test(compact)) {
    // a decimal comma (`1,22`, `0,111`) or a two-item list; both readings are tried
    alts.push(compact.replace(',', ', '));
    s = compact.replace(',', '.');
  } else {
    const mixed = /^([-+]?)([1-9]\d{0,2}(?: \d{3})+|\d+)\s+(\d+)\s*\/\s*(\d+)$/.exec(compact);
    if (mixed) {
      const [, sign, whole, num, den] = mixed as unknown as [string, string, string, string, string];
      // a mixed number's fraction is proper: `11 6/6` or `4 4/0` is no number at all (not 12, not 4)
      const proper = BigInt(num) < BigInt(den);
      s = proper ? `${sign === '-' ? '-' : ''}(${whole.replace(/ /g, '')}+\\frac{${num}}{${den}})` : '';
    }
  }
  // thousands separators inside longer answers: only unambiguous groups (two or more commas)
  s = s.replace(
    /(^|[^\d.,])(\d{1,3}(?:,\d{3}){2,})(?![\d,])/g,
    (_m, pre: string, num: string) => pre + num.replace(/,/g, ''),
  );
  const key = s
    .toLowerCase()
    .replace(/\\[a-z]+/g, '')
    .replace(/[^a-z0-9]/g, '');
  return { text: s, alts, percent, key };
}
