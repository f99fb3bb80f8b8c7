// What a contract's JSON Schema says sits at a JSON pointer of its instances — so a scenario that
// reads a part of an answer (domain rules over /epcisBody/…/eventList) is checked against the contract
// when it is saved, not first at run time. Lenient where the schema is open — no schema for the
// part, an untyped node, an additionalProperties schema — but a property an object schema does not
// name is refused even without additionalProperties: false: a pointer the contract does not describe
// is almost always a typo (expect.schema false skips the check).
import { NOTHING, resolveLocalRef, unescapePointerToken } from '../platform/json-pointer.js';

/** `container`: an object or array, or a part the schema does not constrain; `scalar`: only strings, numbers, booleans or null; `absent`: not described. */
export type PointerShape = 'container' | 'scalar' | 'absent';

type Json = Record<string, unknown>;

const SCALAR_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null']);
/** Bound the walk through $ref chains, recursive and combinatorial schemas: beyond them, 'container' (cannot tell). */
const MAX_DEPTH = 64;
const MAX_VISITS = 10_000;

interface Walk {
  root: unknown;
  visits: number;
}

/** The shape at `pointer` ('' is the whole instance) in instances of a self-contained schema (local $refs only). */
export function shapeAtPointer(schema: unknown, pointer: string): PointerShape {
  if (pointer !== '' && !pointer.startsWith('/')) return 'absent';
  const tokens = pointer === '' ? [] : pointer.slice(1).split('/').map(unescapePointerToken);
  return shapeOf({ root: schema, visits: 0 }, schema, tokens, 0);
}

function shapeOf(walk: Walk, node: unknown, tokens: string[], depth: number): PointerShape {
  if (node === false) return 'absent';
  if (!isObject(node) || depth > MAX_DEPTH || ++walk.visits > MAX_VISITS) return 'container';
  const at = (schema: unknown) => shapeOf(walk, schema, tokens, depth + 1);
  // What must all hold: the node's own keywords, its $ref, each allOf branch, one branch of anyOf and of oneOf.
  const conjuncts: PointerShape[] = [];
  const own = ownShape(walk, node, tokens, depth);
  if (own !== undefined) conjuncts.push(own);
  if (typeof node.$ref === 'string') {
    const target = resolveLocalRef(walk.root, node.$ref);
    conjuncts.push(target === NOTHING ? 'container' : at(target));
  }
  if (Array.isArray(node.allOf)) conjuncts.push(...node.allOf.map(at));
  for (const keyword of ['anyOf', 'oneOf'] as const) if (Array.isArray(node[keyword])) conjuncts.push(either((node[keyword] as unknown[]).map(at)));
  return conjuncts.length ? both(conjuncts) : 'container';
}

/** Any one of the branches may describe the instance: the most permissive answer. */
function either(shapes: PointerShape[]): PointerShape {
  if (!shapes.length || shapes.includes('container')) return 'container';
  return shapes.includes('scalar') ? 'scalar' : 'absent';
}

/** All must hold: a part one of them declares is there ('absent' only says a schema does not declare it); a single value anywhere makes it one. */
function both(shapes: PointerShape[]): PointerShape {
  const declared = shapes.filter((shape) => shape !== 'absent');
  if (!declared.length) return 'absent';
  return declared.includes('scalar') ? 'scalar' : 'container';
}

/** What the node's own keywords say (undefined when it has none: its branches decide). */
function ownShape(walk: Walk, node: Json, tokens: string[], depth: number): PointerShape | undefined {
  const types = [node.type].flat().filter((t): t is string => typeof t === 'string');
  const structural = ['properties', 'patternProperties', 'additionalProperties', 'items', 'prefixItems'].some((keyword) => node[keyword] !== undefined);
  if (!tokens.length) {
    if (types.length) return types.every((t) => SCALAR_TYPES.has(t)) ? 'scalar' : 'container';
    return structural ? 'container' : undefined;
  }
  const [token, ...rest] = tokens as [string, ...string[]];
  const next = (schema: unknown) => shapeOf(walk, schema, rest, depth + 1);
  if (isObject(node.properties) && Object.hasOwn(node.properties, token)) return next(node.properties[token]);
  if (isObject(node.patternProperties)) {
    for (const [pattern, schema] of Object.entries(node.patternProperties)) if (matches(pattern, token)) return next(schema);
  }
  if (/^(0|[1-9]\d*)$/.test(token)) {
    const position = Number(token);
    const tuple = Array.isArray(node.prefixItems) ? node.prefixItems : Array.isArray(node.items) ? node.items : null;
    if (tuple && position < tuple.length) return next(tuple[position]);
    const beyond = Array.isArray(node.items) ? node.additionalItems : node.items;
    if (beyond !== undefined) return next(beyond);
  }
  if (isObject(node.additionalProperties) || node.additionalProperties === true) return next(node.additionalProperties);
  if (structural || (types.length && types.every((t) => SCALAR_TYPES.has(t)))) return 'absent';
  return types.length ? 'container' : undefined;
}

function matches(pattern: string, token: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(token);
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
