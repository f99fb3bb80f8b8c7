// The regular expressions of a contract (`pattern`, `patternProperties`) run on RE2's linear-time
// engine (re2js, pure JavaScript) — or on JavaScript's own only where that is provably linear too
// (pattern-linearity.ts) — never at the mercy of backtracking: a contract is written by
// a `registry:edit` user and runs on the server's threads, and one pattern like ^(a+)+$ against
// "aaaa…b" would hold a thread for hours. ajv takes the engine through its `code.regExp` option.
//
// JSON Schema patterns are ECMAScript regular expressions (JSON Schema 2020-12 core §6.4). Each is
// first checked as one (a pattern JavaScript refuses is an error in the contract, as ajv reports it),
// then translated where RE2's syntax or meaning differs (\uXXXX, \s, '.', [^]), then compiled by RE2.
// What RE2 cannot run (lookaround, backreferences, \g<name> …) is not refused with the contract:
// it is a warning naming the pattern's JSON pointer, and every value it would have judged is
// reported `unchecked` — never silently passed (the pattern answers "match" so that the rest of the
// schema is still checked, and the runner is told it did).
import { RE2JS } from 're2js';
import { escapePointerToken } from '../platform/json-pointer.js';
import { classAsRanges, isLinearForBacktracking } from './pattern-linearity.js';

/** A contract pattern the linear-time engine cannot run, and where it sits in its schema. */
export interface UncheckedPattern {
  /** JSON pointer of the `pattern` keyword, or of the name under `patternProperties` (null: not found). */
  pointer: string | null;
  pattern: string;
  reason: string;
}

export interface RegExpLike {
  test(value: string): boolean;
  toString(): string;
}

/** ECMAScript's \s (WhiteSpace and LineTerminator, ECMA-262 §22.2.2.9), as RE2 class content. */
const ECMA_SPACE = '\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';
/** ECMAScript's '.' without the s flag: anything but a line terminator (RE2's '.' only leaves out \n). */
const ECMA_DOT = '[^\\n\\r\\x{2028}\\x{2029}]';
const HEX4 = /^[0-9A-Fa-f]{4}$/;

class UnsupportedPattern extends Error {}

/**
 * Rewrites an ECMAScript pattern in RE2 syntax with the same meaning, or throws UnsupportedPattern.
 * Everything RE2 reads the same way is copied as it is; RE2 itself refuses what it cannot run.
 */
export function toRe2Syntax(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) throw new UnsupportedPattern('a trailing backslash');
      if (next === 'u') {
        const braced = /^\{([0-9A-Fa-f]{1,6})\}/.exec(pattern.slice(i + 2));
        if (braced) {
          out += `\\x{${braced[1]}}`;
          i += 1 + braced[0].length;
          continue;
        }
        const hex = pattern.slice(i + 2, i + 6);
        if (!HEX4.test(hex)) throw new UnsupportedPattern('a \\u escape without four hex digits');
        let code = parseInt(hex, 16);
        i += 5;
        // A surrogate pair written as two escapes is one code point (as with the u flag).
        const low = pattern.slice(i + 1, i + 7);
        if (code >= 0xd800 && code <= 0xdbff && /^\\u[dD][c-fC-F][0-9A-Fa-f]{2}$/.test(low)) {
          code = 0x10000 + ((code - 0xd800) << 10) + (parseInt(low.slice(2), 16) - 0xdc00);
          i += 6;
        }
        out += `\\x{${code.toString(16)}}`;
        continue;
      }
      if (next === 's') out += inClass ? ECMA_SPACE : `[${ECMA_SPACE}]`;
      else if (next === 'S') {
        if (inClass) throw new UnsupportedPattern('\\S inside a character class');
        out += `[^${ECMA_SPACE}]`;
      } else if (next === '0' && !/[0-9]/.test(pattern[i + 2] ?? '')) out += '\\x{0}';
      else if (next === 'p' || next === 'P') {
        // \p{Script=Greek} and \p{gc=Lu} are \p{Greek} and \p{Lu} in RE2; other property forms RE2 refuses itself.
        const property = /^\{(?:Script|sc|General_Category|gc)=([A-Za-z_]+)\}/.exec(pattern.slice(i + 2));
        if (property) {
          out += `\\${next}{${property[1]}}`;
          i += 1 + property[0].length;
          continue;
        }
        out += `\\${next}`;
      } else out += `\\${next}`;
      i += 1;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      // ECMAScript's [] matches nothing and [^] anything; in RE2 a ']' first in a class is a literal.
      if (pattern.startsWith('[]', i)) {
        out += '[^\\x{0}-\\x{10FFFF}]';
        i += 1;
        continue;
      }
      if (pattern.startsWith('[^]', i)) {
        out += '[\\x{0}-\\x{10FFFF}]';
        i += 2;
        continue;
      }
      // Read as a set of code points where possible (so \s, \S and \d mean inside a class what they mean in JavaScript).
      const ranges = classAsRanges(pattern, i);
      if (ranges) {
        out += ranges[0];
        i = ranges[1] - 1;
        continue;
      }
      inClass = true;
      out += c;
      if (pattern[i + 1] === '^') {
        out += '^';
        i += 1;
      }
      continue;
    }
    out += c === '.' ? ECMA_DOT : c;
  }
  return out;
}

/**
 * The engine handed to ajv (`code.regExp`): compiles each pattern with RE2, or — when RE2 cannot run
 * it — returns a stand-in that answers "match" and records that it was asked (see takeTouched).
 */
export class LinearPatternEngine {
  /**
   * `names`: the schema's patternProperties names. An unchecked one answers "no match" (its schema is
   * not applied, rather than applied to every property); an unchecked `pattern` answers "match".
   */
  constructor(private readonly names: ReadonlySet<string> = new Set()) {}

  /** Patterns RE2 cannot run, with the reason. */
  readonly unsupported = new Map<string, string>();
  /** Unsupported patterns consulted since the last takeTouched(). */
  private readonly touched = new Set<string>();

  /** ajv's RegExpEngine; its `code` names it in standalone code, which contracts never produce. */
  readonly regExp = Object.assign((pattern: string, flags: string): RegExpLike => this.compile(pattern, flags), { code: 'LinearPatternEngine' });

  private compile(pattern: string, flags: string): RegExpLike {
    // ajv shares compiled patterns by their toString(): it must name the pattern, as a RegExp's does.
    const toString = () => `/${pattern}/${flags}`;
    try {
      // Compiling never runs the pattern: it takes time linear in the pattern's length. A pattern
      // that is not ECMAScript (PCRE's \g<name>, say) is unchecked too, not a refused contract.
      let native: RegExp;
      try {
        native = new RegExp(pattern, flags);
      } catch (error) {
        throw new UnsupportedPattern(`not an ECMAScript regular expression: ${firstLine(error).replace(/^Invalid regular expression: /, '')}`);
      }
      // Provably linear under backtracking too (pattern-linearity.ts): JavaScript's engine is faster.
      if (isLinearForBacktracking(pattern)) return native;
      const re2 = RE2JS.compile(toRe2Syntax(pattern));
      return { test: (value: string) => re2.test(value), toString };
    } catch (error) {
      this.unsupported.set(pattern, firstLine(error));
      const answer = !this.names.has(pattern);
      return {
        test: () => {
          this.touched.add(pattern);
          return answer;
        },
        toString,
      };
    }
  }

  /** The unsupported patterns consulted since the last call (validation is synchronous: call it right after validate()). */
  takeTouched(): string[] {
    const touched = [...this.touched];
    this.touched.clear();
    return touched;
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.replace(/^error parsing regexp: /, '');
}

/** Keywords whose value is data, never a schema: a "pattern" inside them is not a pattern. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'example', 'examples']);

/** The names under every `patternProperties` of `schema`, found without recursion. */
export function patternPropertyNames(schema: unknown): Set<string> {
  const names = new Set<string>();
  const pending: unknown[] = [schema];
  while (pending.length) {
    const node = pending.pop();
    if (!node || typeof node !== 'object') continue;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (DATA_KEYWORDS.has(key) && !Array.isArray(node)) continue;
      if (key === 'patternProperties' && value && typeof value === 'object' && !Array.isArray(value)) for (const name of Object.keys(value)) names.add(name);
      pending.push(value);
    }
  }
  return names;
}

/** Where each of `patterns` sits in `schema` (`pattern` keywords and `patternProperties` names), found without recursion. */
export function locatePatterns(schema: unknown, patterns: ReadonlyMap<string, string>): UncheckedPattern[] {
  const found: UncheckedPattern[] = [];
  if (!patterns.size) return found;
  const pending: Array<[unknown, string]> = [[schema, '']];
  while (pending.length) {
    const [node, pointer] = pending.pop()!;
    if (!node || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      node.forEach((inner, i) => pending.push([inner, `${pointer}/${i}`]));
      continue;
    }
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      const at = `${pointer}/${escapePointerToken(key)}`;
      if (DATA_KEYWORDS.has(key)) continue;
      if (key === 'pattern' && typeof value === 'string' && patterns.has(value)) found.push({ pointer: at, pattern: value, reason: patterns.get(value)! });
      if (key === 'patternProperties' && value && typeof value === 'object') {
        for (const name of Object.keys(value)) if (patterns.has(name)) found.push({ pointer: `${at}/${escapePointerToken(name)}`, pattern: name, reason: patterns.get(name)! });
      }
      pending.push([value, at]);
    }
  }
  // A pattern ajv compiled from somewhere this walk does not look (e.g. a property named "enum")
  // is still reported, without a location.
  for (const [pattern, reason] of patterns) if (!found.some((f) => f.pattern === pattern)) found.push({ pointer: null, pattern, reason });
  return found.sort((a, b) => (a.pointer ?? '').localeCompare(b.pointer ?? ''));
}

/** For a step's message: which patterns were not checked, and where. */
export function describeUncheckedPatterns(patterns: UncheckedPattern[]): string {
  return patterns.map((p) => `pattern ${JSON.stringify(p.pattern)} at ${p.pointer ?? '(unknown location)'} was not checked (${p.reason})`).join('; ');
}
