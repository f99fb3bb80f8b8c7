// Templated values in scenario requests: fresh identifiers with valid GS1 check digits, times, and
// values captured from earlier responses. A run's seed makes its generated values reproducible.
import { randomUUID } from 'node:crypto';

/** A small seeded generator (mulberry32): the same seed gives the same identifiers. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The GS1 mod-10 check digit of a digit string (weights 3 and 1 from the right). */
export function gs1CheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) sum += Number(digits[digits.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10;
}

export interface TemplateContext {
  random: () => number;
  now: () => Date;
  vars: Record<string, unknown>;
}

const PLACEHOLDER = /\{\{\s*([a-zA-Z]+(?:[.:][A-Za-z0-9_]+)?)\s*\}\}/g;
const PLAIN_TEMPLATES: ReadonlySet<string> = new Set(['uuid', 'now', 'today', 'gtin', 'sscc', 'gln', 'serial']);

/**
 * Why the templates in `value` could not be rendered, checked when a scenario is saved: unknown
 * names, {{digits:N}} outside 1–64, and {{vars.NAME}} that no earlier step of the scenario captures.
 * (A capture can still miss at run time; that errs the step then.)
 */
export function templateProblems(value: unknown, captured: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const visit = (inner: unknown): void => {
    if (typeof inner === 'string') {
      for (const [, name] of inner.matchAll(PLACEHOLDER)) {
        if (name!.startsWith('vars.')) {
          if (!captured.has(name!.slice(5))) problems.push(`{{${name}}}: no earlier step of this scenario captures '${name!.slice(5)}'`);
        } else if (name!.startsWith('digits:')) {
          const count = Number(name!.slice(7));
          if (!(Number.isInteger(count) && count >= 1 && count <= 64)) problems.push(`{{${name}}}: digits:N takes N from 1 to 64`);
        } else if (!PLAIN_TEMPLATES.has(name!)) {
          problems.push(`{{${name}}} is not a known template`);
        }
      }
    } else if (Array.isArray(inner)) inner.forEach(visit);
    else if (inner && typeof inner === 'object') Object.values(inner).forEach(visit);
  };
  visit(value);
  return problems;
}

/** Renders every string inside `value`; a string that is one placeholder keeps the value's JSON type. */
export function render(value: unknown, context: TemplateContext): unknown {
  if (typeof value === 'string') {
    const whole = /^\{\{\s*([a-zA-Z]+(?:[.:][A-Za-z0-9_]+)?)\s*\}\}$/.exec(value);
    if (whole) return resolve(whole[1]!, context);
    return value.replace(PLACEHOLDER, (_match, name: string) => String(resolve(name, context)));
  }
  if (Array.isArray(value)) return value.map((inner) => render(inner, context));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v, context)]));
  return value;
}

function resolve(name: string, context: TemplateContext): unknown {
  const digits = (count: number) => Array.from({ length: count }, () => Math.floor(context.random() * 10)).join('');
  const withCheckDigit = (body: string) => `${body}${gs1CheckDigit(body)}`;
  if (name.startsWith('vars.')) {
    const key = name.slice(5);
    if (!Object.hasOwn(context.vars, key)) throw new TemplateError(`{{${name}}} has no value: no earlier step captured '${key}'`);
    return context.vars[key];
  }
  if (name.startsWith('digits:')) return digits(Math.min(Number(name.slice(7)) || 1, 64));
  switch (name) {
    case 'uuid':
      return randomUUID();
    case 'now':
      return context.now().toISOString();
    case 'today':
      return context.now().toISOString().slice(0, 10);
    case 'gtin':
      return withCheckDigit(`0${digits(12)}`);
    case 'sscc':
      return withCheckDigit(`0${digits(16)}`);
    case 'gln':
      return withCheckDigit(digits(12));
    case 'serial':
      return digits(12);
    default:
      throw new TemplateError(`{{${name}}} is not a known template`);
  }
}

export class TemplateError extends Error {}
