// Which contract patterns JavaScript's own engine runs in linear time, provably: those are run
// natively (re2js costs 20 to 70 times more per test, and the typical identifier patterns of a
// supply-chain contract — GTINs, SGTIN URNs, UUIDs, dates — are of this kind); every other pattern
// goes to RE2 (contract-patterns.ts).
//
// The shape accepted: ^ followed by single-character atoms (a literal, an escape such as \d, a class,
// '.'), each with an optional greedy quantifier, optionally ending in $ — no groups, no alternation.
// The rule: an atom whose count varies must share no character with any atom that can come right
// after it (the following ones up to and including the first that must match at least once). Then
// a character given back by a quantifier can never be taken by what follows, so every backtracking
// step fails at once, each atom is entered once, and a test costs O(input length × atoms).
type Range = [number, number];

const MAX_CODE_POINT = 0x10ffff;
const DIGIT: Range[] = [[0x30, 0x39]];
const WORD: Range[] = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
// ECMAScript WhiteSpace and LineTerminator (ECMA-262 §22.2.2.9).
const SPACE: Range[] = [[0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff]];
const LINE_TERMINATORS: Range[] = [[0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]];
const CLASS_ESCAPES: Record<string, Range[]> = { d: DIGIT, w: WORD, s: SPACE, D: complement(DIGIT), W: complement(WORD), S: complement(SPACE) };
const CONTROL_ESCAPES: Record<string, number> = { t: 0x09, n: 0x0a, v: 0x0b, f: 0x0c, r: 0x0d };
const SYNTAX = new Set([...'^$\\.*+?()[]{}|/-']);

interface Atom {
  set: Range[];
  min: number;
  max: number;
}

class NotSimple extends Error {}

/** True when `pattern` has the shape above and obeys the rule: JavaScript runs it in linear time. */
export function isLinearForBacktracking(pattern: string): boolean {
  try {
    const atoms = parseAtoms(pattern);
    for (let i = 0; i < atoms.length; i += 1) {
      if (atoms[i]!.min === atoms[i]!.max) continue;
      for (let j = i + 1; j < atoms.length; j += 1) {
        if (intersects(atoms[i]!.set, atoms[j]!.set)) return false;
        if (atoms[j]!.min >= 1) break;
      }
    }
    return true;
  } catch (error) {
    if (error instanceof NotSimple) return false;
    throw error;
  }
}

function parseAtoms(pattern: string): Atom[] {
  if (!pattern.startsWith('^') || /[^\u0000-\uFFFF]|[\uD800-\uDFFF]/.test(pattern)) throw new NotSimple();
  const atoms: Atom[] = [];
  let i = 1;
  const end = pattern.endsWith('$') && !pattern.endsWith('\\$') ? pattern.length - 1 : pattern.length;
  while (i < end) {
    let set: Range[];
    const c = pattern[i]!;
    if (c === '\\') {
      [set, i] = parseEscape(pattern, i, false);
    } else if (c === '[') {
      [set, i] = parseClass(pattern, i);
    } else if (c === '.') {
      set = complement(LINE_TERMINATORS);
      i += 1;
    } else if ('^$*+?(){}|]'.includes(c)) {
      throw new NotSimple();
    } else {
      set = [[c.charCodeAt(0), c.charCodeAt(0)]];
      i += 1;
    }
    let min = 1;
    let max = 1;
    const q = pattern[i];
    if (q === '*' || q === '+' || q === '?') {
      [min, max] = q === '*' ? [0, Infinity] : q === '+' ? [1, Infinity] : [0, 1];
      i += 1;
    } else if (q === '{') {
      const counted = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(pattern.slice(i));
      if (!counted) throw new NotSimple();
      min = Number(counted[1]);
      max = counted[2] === undefined ? min : counted[3] ? Number(counted[3]) : Infinity;
      i += counted[0].length;
    }
    // A lazy quantifier, or a quantifier on a quantifier: not this shape.
    if (i < end && '*+?{'.includes(pattern[i]!)) throw new NotSimple();
    atoms.push({ set: normalize(set), min, max });
  }
  return atoms;
}

/** An escape at `i` (the backslash): its set, and the index after it. */
function parseEscape(pattern: string, i: number, inClass: boolean): [Range[], number] {
  const next = pattern[i + 1];
  if (next === undefined) throw new NotSimple();
  if (CLASS_ESCAPES[next]) return [CLASS_ESCAPES[next]!, i + 2];
  if (CONTROL_ESCAPES[next] !== undefined) return [[[CONTROL_ESCAPES[next]!, CONTROL_ESCAPES[next]!]], i + 2];
  if (next === 'u') {
    const hex = /^[0-9A-Fa-f]{4}$/.exec(pattern.slice(i + 2, i + 6));
    if (!hex) throw new NotSimple();
    const code = parseInt(hex[0], 16);
    if (code >= 0xd800 && code <= 0xdfff) throw new NotSimple();
    return [[[code, code]], i + 6];
  }
  if (next === 'x') {
    const hex = /^[0-9A-Fa-f]{2}$/.exec(pattern.slice(i + 2, i + 4));
    if (!hex) throw new NotSimple();
    return [[[parseInt(hex[0], 16), parseInt(hex[0], 16)]], i + 4];
  }
  // An escaped syntax character is itself (\. \- \/ …); anything else (\b, \1, \k, \p …) is not this shape.
  if (SYNTAX.has(next) && (inClass || next !== '-')) return [[[next.charCodeAt(0), next.charCodeAt(0)]], i + 2];
  throw new NotSimple();
}

/**
 * The code points of the character class at `i` (its '['), as RE2 class syntax, and the index
 * after its ']'; null for a class this reader does not take (it is then copied as it is).
 */
export function classAsRanges(pattern: string, i: number): [string, number] | null {
  try {
    const [set, after] = parseClass(pattern, i);
    const ranges = normalize(set).map(([from, to]) => (from === to ? `\\x{${from.toString(16)}}` : `\\x{${from.toString(16)}}-\\x{${to.toString(16)}}`));
    return [ranges.length ? `[${ranges.join('')}]` : '[^\\x{0}-\\x{10FFFF}]', after];
  } catch (error) {
    if (error instanceof NotSimple) return null;
    throw error;
  }
}

/** A class at `i` (the '['): its set, and the index after the ']'. */
function parseClass(pattern: string, i: number): [Range[], number] {
  let j = i + 1;
  const negated = pattern[j] === '^';
  if (negated) j += 1;
  if (pattern[j] === ']') throw new NotSimple(); // [] and [^]
  const set: Range[] = [];
  const single = (): Range[] | null => {
    const c = pattern[j];
    if (c === undefined) throw new NotSimple();
    if (c === '\\') {
      const [escaped, after] = parseEscape(pattern, j, true);
      j = after;
      return escaped;
    }
    if (c === '[') throw new NotSimple();
    j += 1;
    return [[c.charCodeAt(0), c.charCodeAt(0)]];
  };
  while (pattern[j] !== ']') {
    const from = single()!;
    if (pattern[j] === '-' && pattern[j + 1] !== ']' && pattern[j + 1] !== undefined) {
      j += 1;
      const to = single()!;
      if (from.length !== 1 || to.length !== 1 || from[0]![0] !== from[0]![1] || to[0]![0] !== to[0]![1] || from[0]![0] > to[0]![0]) throw new NotSimple();
      set.push([from[0]![0], to[0]![0]]);
    } else {
      set.push(...from);
    }
  }
  return [negated ? complement(normalize(set)) : set, j + 1];
}

function normalize(set: Range[]): Range[] {
  const sorted = [...set].sort((a, b) => a[0] - b[0]);
  const merged: Range[] = [];
  for (const [from, to] of sorted) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

function complement(set: Range[]): Range[] {
  const result: Range[] = [];
  let next = 0;
  for (const [from, to] of normalize(set)) {
    if (from > next) result.push([next, from - 1]);
    next = to + 1;
  }
  if (next <= MAX_CODE_POINT) result.push([next, MAX_CODE_POINT]);
  return result;
}

function intersects(a: Range[], b: Range[]): boolean {
  return a.some(([from, to]) => b.some(([otherFrom, otherTo]) => from <= otherTo && otherFrom <= to));
}
