// Contract diff engine: compares two versions of an interface contract, each reduced to named JSON Schema
// targets, and classifies every change as breaking or not for each side of the interface. Change control
// uses it to decide who must assess a new contract version (EU GMP Annex 11 §10: changes to a computerised
// system are made in a controlled manner). Pure: no I/O, nothing beyond node:crypto (for fingerprints).
//
// Direction rule: data flows from the producer of an instance to its reader. A stricter schema may refuse
// what the producer sends today; a looser one may hand the reader data it cannot handle. Whatever cannot be
// classified precisely is reported as breaking for both sides — conservative on purpose.

import { createHash } from 'node:crypto';
import { canonicalJson as canonical } from '../platform/canonical-json.js';
import { NOTHING, resolveLocalRef } from '../platform/json-pointer.js';

/**
 * request: clients send it to the provider. response: the provider answers with it. message: the
 * provider (the application the contract describes) publishes it. inbound-message: the application
 * receives it from others (AsyncAPI 2 `publish`, AsyncAPI 3 `action: receive`). schema: a plain
 * JSON Schema contract, written by the source system.
 */
export type TargetKind = 'request' | 'response' | 'message' | 'inbound-message' | 'schema';

export interface ContractTarget {
  /** e.g. 'POST /capture request', 'POST /capture → 202', 'message ShippingEvent', 'schema' */
  name: string;
  kind: TargetKind;
  /** Self-contained JSON Schema: every $ref is internal ('#/$defs/x', '#/definitions/x', '#/…'); may be recursive or boolean. */
  schema: unknown;
}

export interface ContractShape {
  targets: ContractTarget[];
}

export type Audience = 'consumers' | 'providers';

export interface ContractChange {
  target: string;
  /** Data path of the instance location: property names, `[]` for array items, `[i]` for tuple positions, `/*` for
   *  additional-property values, `/{pattern}` for pattern-property values; '' for the root. */
  path: string;
  /** target_removed, target_added, property_removed, property_added, required_added, required_removed, type_changed,
   *  enum_value_removed, enum_value_added, constraint_tightened, constraint_loosened, constraint_changed (cannot be
   *  ordered, e.g. a different pattern), schema_changed (cannot be classified), annotation_changed (title/description). */
  rule: string;
  /** Empty = non-breaking for everyone. */
  breakingFor: Audience[];
  classification: 'breaking' | 'non-breaking';
  before?: unknown;
  after?: unknown;
  description: string;
}

export interface ContractDiff {
  breaking: boolean;
  changes: ContractChange[];
  summary: { breaking: number; nonBreaking: number };
}

/** How a change moves the set of accepted instances. */
type Effect = 'none' | 'stricter' | 'looser' | 'both';
type SchemaObject = Record<string, unknown>;
interface Roles {
  producer: Audience;
  reader: Audience;
}
/** Types an instance must have anyway in both versions, because of the enclosing schema (its own type and allOf
 *  siblings). One set for both sides, so a change in a sibling is not reported again on every other branch. */
type TypeContext = Set<string>;

// ---------------------------------------------------------------------------------------------------------
// User-facing wording, gathered here so every sentence reads the same way.

const impactClause: Record<Effect, (roles: Roles) => string> = {
  none: () => '.',
  stricter: (r) => `, so ${r.producer} sending what was valid before may be refused.`,
  looser: (r) => `, so ${r.reader} may receive data they were not built to handle.`,
  both: () => ', which may break both consumers and providers.',
};

const messages = {
  targetRemoved: (t: ContractTarget) => `'${t.name}' (${t.kind}) was removed, so consumers that use it will break.`,
  targetAdded: (t: ContractTarget) => `'${t.name}' (${t.kind}) was added.`,
  kindChanged: (name: string, before: TargetKind, after: TargetKind) =>
    `'${name}' changed from a ${before} to a ${after}, which reverses who produces its data; this cannot be classified precisely, so it is treated as breaking for both consumers and providers.`,
  propertyRemoved: (name: string, wasRequired: boolean, roles: Roles, closed: boolean) =>
    `Property '${name}' was removed${wasRequired ? ' (it was required)' : ''}, so ${roles.reader} relying on it will no longer get it` +
    (closed ? `, and ${roles.producer} still sending it will be refused because additional properties are not allowed.` : '.'),
  propertyAdded: (name: string) => `Optional property '${name}' was added`,
  requiredAdded: (name: string, isNew: boolean) => (isNew ? `New required property '${name}' was added` : `Property '${name}' is now required`),
  requiredRemoved: (name: string) => `Property '${name}' is no longer required`,
  typeChanged: (before: string, after: string) => `Type changed from ${before} to ${after}`,
  nullable: (allowed: boolean) => (allowed ? 'null is now allowed (nullable added)' : 'null is no longer allowed (nullable removed)'),
  valueRemoved: (value: unknown) => `Allowed value ${formatValue(value)} was removed`,
  valueAdded: (value: unknown) => `Allowed value ${formatValue(value)} was added`,
  enumIntroduced: (count: number) => `Values are now restricted to a fixed list of ${count}`,
  enumDropped: () => 'Values are no longer restricted to a fixed list',
  keywordChanged: (keyword: string, before: unknown, after: unknown) =>
    before === undefined
      ? `${keyword} ${formatValue(after)} was added`
      : after === undefined
        ? `${keyword} ${formatValue(before)} was removed`
        : `${keyword} changed from ${formatValue(before)} to ${formatValue(after)}`,
  boundChanged: (side: 'Lower' | 'Upper', before: string, after: string) => `${side} bound changed from ${before} to ${after}`,
  uniqueItems: (required: boolean) => (required ? 'Array items must now be unique' : 'Array items no longer need to be unique'),
  closedObject: (closed: boolean) => (closed ? 'Additional properties are no longer allowed' : 'Additional properties are now allowed'),
  branchAdded: (keyword: string, index: number) => `${keyword} branch ${index + 1} was added`,
  branchRemoved: (keyword: string, index: number) => `${keyword} branch ${index + 1} was removed`,
  compositionAdded: (keyword: string) => `${keyword} was added`,
  compositionRemoved: (keyword: string) => `${keyword} was removed`,
  acceptsNothing: (now: boolean) => (now ? 'Nothing is accepted here any more (schema false)' : 'Values are now accepted where nothing was before (schema false removed)'),
  unclassified: (keyword: string) =>
    `'${keyword}' changed in a way that cannot be classified precisely, so it is treated as breaking for both consumers and providers.`,
  patternPropertyAddedOrRemoved: (pattern: string, added: boolean) =>
    `Pattern property '${pattern}' was ${added ? 'added' : 'removed'}; this cannot be classified precisely, so it is treated as breaking for both consumers and providers.`,
  unresolved: () =>
    'The schema here has a $ref that cannot be resolved or is malformed, and it changed, so it is treated as breaking for both consumers and providers.',
  annotation: (keyword: string, before: unknown, after: unknown) =>
    before === undefined
      ? `A ${keyword} was added: ${formatValue(after)}.`
      : after === undefined
        ? `The ${keyword} ${formatValue(before)} was removed.`
        : `The ${keyword} changed from ${formatValue(before)} to ${formatValue(after)}.`,
};

// ---------------------------------------------------------------------------------------------------------
// Keyword tables.

// Only validation keywords are compared. Annotations (examples, default, readOnly, deprecated, x-*, …) and unknown
// keywords never change which instances are valid, so they are ignored; title and description alone are reported.
const REPORTED_ANNOTATIONS = ['title', 'description'] as const;

/** Keywords this module compares precisely. */
const COMPARED_KEYWORDS = new Set([
  '$ref', 'type', 'nullable', 'enum', 'const',
  'properties', 'required', 'additionalProperties', 'patternProperties', 'minProperties', 'maxProperties',
  'items', 'prefixItems', 'additionalItems', 'minItems', 'maxItems', 'uniqueItems',
  'minLength', 'maxLength', 'pattern', 'format',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'allOf', 'anyOf', 'oneOf',
]);

/** Validation keywords whose effect cannot be ordered stricter/looser here: any change is schema_changed. Other,
 *  unknown keywords are ignored, as validators ignore them (e.g. an OpenAPI `components` block at the root). */
const UNCLASSIFIED_KEYWORDS = new Set([
  'not', 'if', 'then', 'else', 'contains', 'minContains', 'maxContains', 'propertyNames', 'dependencies',
  'dependentRequired', 'dependentSchemas', 'unevaluatedItems', 'unevaluatedProperties', '$dynamicRef', '$recursiveRef',
  'discriminator',
]);

/** Keywords whose value is a schema or a list of schemas (for fingerprints). */
const SCHEMA_KEYWORDS = new Set([
  'items', 'additionalItems', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames',
  'unevaluatedItems', 'unevaluatedProperties', 'allOf', 'anyOf', 'oneOf', 'prefixItems',
]);
/** Keywords whose value maps names to schemas (for fingerprints). */
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'dependentSchemas']);

/** JSON types split so that `integer` is a subset of `number` ('fraction' = a number that is not an integer). */
const ALL_TYPE_ATOMS = ['array', 'boolean', 'fraction', 'integer', 'null', 'object', 'string'];
type TypeFamily = 'object' | 'array' | 'string' | 'number';
const FAMILY_ATOMS: Record<TypeFamily, string[]> = { object: ['object'], array: ['array'], string: ['string'], number: ['integer', 'fraction'] };

const COMPOSITION_KEYWORDS = ['allOf', 'anyOf', 'oneOf'] as const;
type CompositionKeyword = (typeof COMPOSITION_KEYWORDS)[number];

const UNRESOLVED = Symbol('unresolved');

// ---------------------------------------------------------------------------------------------------------
// Public API.

/** Compares two contract versions target by target (matched by name) and classifies each change. */
export function diffContracts(before: ContractShape, after: ContractShape): ContractDiff {
  const beforeTargets = indexTargets(before);
  const afterTargets = indexTargets(after);
  const changes: ContractChange[] = [];
  for (const old of beforeTargets.values()) {
    const current = afterTargets.get(old.name);
    if (!current) changes.push(makeChange(old.name, '', 'target_removed', ['consumers'], messages.targetRemoved(old)));
    else if (rolesFor(current.kind).producer !== rolesFor(old.kind).producer) {
      const description = messages.kindChanged(old.name, old.kind, current.kind);
      changes.push(makeChange(old.name, '', 'schema_changed', ['consumers', 'providers'], description, { before: old.kind, after: current.kind }));
    } else changes.push(...diffTarget(old, current));
  }
  for (const current of afterTargets.values()) {
    if (!beforeTargets.has(current.name)) changes.push(makeChange(current.name, '', 'target_added', [], messages.targetAdded(current)));
  }
  const breakingCount = changes.filter((c) => c.breakingFor.length > 0).length;
  return { breaking: breakingCount > 0, changes, summary: { breaking: breakingCount, nonBreaking: changes.length - breakingCount } };
}

/** A readable report: a headline, then one line per change grouped by target, breaking targets and changes first. */
export function describeDiff(diff: ContractDiff, labels?: { before: string; after: string }): string {
  const between = labels ? ` from ${labels.before} to ${labels.after}` : '';
  if (diff.changes.length === 0) return `No contract changes${between}.`;
  const lines = [`Contract changes${between}: ${diff.summary.breaking} breaking, ${diff.summary.nonBreaking} non-breaking.`];
  const groups = new Map<string, ContractChange[]>();
  for (const change of diff.changes) groups.set(change.target, [...(groups.get(change.target) ?? []), change]);
  const breakingFirst = (x: boolean, y: boolean) => Number(y) - Number(x); // Array.prototype.sort is stable
  const ordered = [...groups].sort(([, x], [, y]) => breakingFirst(x.some(isBreaking), y.some(isBreaking)));
  for (const [target, changes] of ordered) {
    lines.push('', target);
    for (const change of [...changes].sort((x, y) => breakingFirst(isBreaking(x), isBreaking(y)))) {
      const classification = isBreaking(change) ? `BREAKING for ${change.breakingFor.join(' and ')}` : 'non-breaking';
      lines.push(`  ${classification} · ${change.path || '(root)'} · ${change.rule}: ${change.description}`);
    }
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Targets and changes.

function indexTargets(shape: ContractShape): Map<string, ContractTarget> {
  const byName = new Map<string, ContractTarget>();
  for (const target of shape.targets) {
    // Silently keeping one of two same-named targets would hide a change from change control.
    if (byName.has(target.name)) throw new Error(`duplicate contract target name: ${target.name}`);
    byName.set(target.name, target);
  }
  return byName;
}

function diffTarget(before: ContractTarget, after: ContractTarget): ContractChange[] {
  const comparison = new SchemaComparison(after, new SchemaDocument(before.schema), new SchemaDocument(after.schema));
  return comparison.run(before.schema, after.schema);
}

function makeChange(target: string, path: string, rule: string, breakingFor: Audience[], description: string, values: { before?: unknown; after?: unknown } = {}): ContractChange {
  const change: ContractChange = { target, path, rule, breakingFor, classification: breakingFor.length > 0 ? 'breaking' : 'non-breaking', description };
  // Only set before/after when known, so callers can deep-compare changes without undefined keys.
  if (values.before !== undefined) change.before = values.before;
  if (values.after !== undefined) change.after = values.after;
  return change;
}

function isBreaking(change: ContractChange): boolean {
  return change.breakingFor.length > 0;
}

/** Who writes and who reads an instance of this target: clients write requests and inbound messages; the provider writes the rest. */
function rolesFor(kind: TargetKind): Roles {
  return kind === 'request' || kind === 'inbound-message' ? { producer: 'consumers', reader: 'providers' } : { producer: 'providers', reader: 'consumers' };
}

function audiencesFor(effect: Effect, roles: Roles): Audience[] {
  switch (effect) {
    case 'none': return [];
    case 'stricter': return [roles.producer];
    case 'looser': return [roles.reader];
    case 'both': return ['consumers', 'providers'];
  }
}

function constraintRule(effect: Effect): string {
  return effect === 'stricter' ? 'constraint_tightened' : effect === 'looser' ? 'constraint_loosened' : 'constraint_changed';
}

// ---------------------------------------------------------------------------------------------------------
// One side's schema document.

/** One side's schema: resolves internal $refs against its own root and fingerprints subschemas. */
class SchemaDocument {
  private readonly resolved = new WeakMap<object, unknown>();
  private readonly fingerprints = new WeakMap<object, string>();
  private readonly fingerprinting = new Set<object>();
  private readonly implied = new WeakMap<object, Set<string>>();
  private readonly implying = new Set<object>();

  constructor(private readonly root: unknown) {}

  /** The schema a node stands for once $ref chains are followed, or UNRESOLVED. Cached, so one node always
   *  yields the same object: the recursion guard in SchemaComparison relies on that identity. */
  resolve(node: unknown): unknown {
    if (!isObject(node) || typeof node.$ref !== 'string') return node;
    const cached = this.resolved.get(node);
    if (cached !== undefined) return cached;
    this.resolved.set(node, UNRESOLVED); // a $ref chain that loops back to itself stands for nothing we can compare
    const target = this.resolve(resolvePointer(this.root, node.$ref));
    const result = target === UNRESOLVED ? UNRESOLVED : withSiblings(target, node);
    this.resolved.set(node, result);
    return result;
  }

  /** A digest of what a schema accepts: only validation keywords, keys sorted, $refs followed (a cycle becomes a
   *  marker). Children enter as their digests, so shared definitions do not blow the text up exponentially. */
  fingerprint(node: unknown): string {
    const schema = this.resolve(node);
    if (schema === UNRESOLVED) return canonicalJson({ $unresolved: (node as SchemaObject).$ref });
    if (!isObject(schema)) return canonicalJson(schema);
    const known = this.fingerprints.get(schema);
    if (known !== undefined) return known;
    if (this.fingerprinting.has(schema)) return '{"$cycle":true}';
    this.fingerprinting.add(schema);
    const keys = Object.keys(schema).filter(isValidationKeyword).sort();
    const text = `{${keys.map((k) => `${JSON.stringify(k)}:${this.fingerprintKeyword(k, schema[k])}`).join(',')}}`;
    const digest = `#${createHash('sha256').update(text).digest('base64url')}`;
    this.fingerprinting.delete(schema);
    this.fingerprints.set(schema, digest);
    return digest;
  }

  /** The JSON types a schema can accept at most: its type, narrowed by allOf, and by the union of anyOf/oneOf. */
  impliedTypes(node: unknown): Set<string> {
    const schema = this.resolve(node);
    if (schema === false) return new Set();
    if (!isObject(schema) || this.implying.has(schema)) return new Set(ALL_TYPE_ATOMS);
    const known = this.implied.get(schema);
    if (known) return known;
    this.implying.add(schema);
    let types = typeAtoms(schema, true);
    if (Array.isArray(schema.allOf)) for (const branch of schema.allOf) types = intersect(types, this.impliedTypes(branch));
    for (const keyword of ['anyOf', 'oneOf']) {
      const branches = schema[keyword];
      if (Array.isArray(branches)) types = intersect(types, new Set(branches.flatMap((branch) => [...this.impliedTypes(branch)])));
    }
    this.implying.delete(schema);
    this.implied.set(schema, types);
    return types;
  }

  fingerprintKeyword(keyword: string, value: unknown): string {
    if (value === undefined) return 'undefined';
    if (SCHEMA_KEYWORDS.has(keyword)) return Array.isArray(value) ? `[${value.map((v) => this.fingerprint(v)).join(',')}]` : this.fingerprint(value);
    if (SCHEMA_MAP_KEYWORDS.has(keyword) && isObject(value)) {
      return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${this.fingerprint(value[k])}`).join(',')}}`;
    }
    return canonicalJson(value);
  }
}

/** Resolves an internal reference ('#', '#/$defs/x', any '#/…' JSON pointer); external refs and anchors are UNRESOLVED. */
function resolvePointer(root: unknown, ref: string): unknown {
  const value = resolveLocalRef(root, ref);
  return value === NOTHING ? UNRESOLVED : value;
}

/** Keywords beside a $ref also apply (2019-09 onwards). Merge them in when they do not overlap the target's own;
 *  otherwise keep both as an allOf so neither is lost. */
function withSiblings(target: unknown, refNode: SchemaObject): unknown {
  const siblings = Object.fromEntries(Object.entries(refNode).filter(([k]) => k !== '$ref'));
  const constraining = Object.keys(siblings).filter(isValidationKeyword);
  if (Object.keys(siblings).length === 0) return target;
  if (isObject(target) && !constraining.some((k) => Object.hasOwn(target, k))) return { ...target, ...siblings };
  if (constraining.length === 0) return target;
  return { allOf: [target, siblings] };
}

// ---------------------------------------------------------------------------------------------------------
// The side-by-side walk.

/** Walks one target's before/after schemas side by side and records what changed. */
class SchemaComparison {
  private readonly changes: ContractChange[] = [];
  private readonly pending: Array<[unknown, unknown, string, TypeContext | undefined]> = [];
  private readonly roles: Roles;
  // (before, after) pairs already walked: terminates recursive schemas, and reports a shared definition once.
  private readonly compared = new WeakMap<object, WeakSet<object>>();

  constructor(private readonly target: ContractTarget, private readonly before: SchemaDocument, private readonly after: SchemaDocument) {
    this.roles = rolesFor(target.kind);
  }

  /** Walks breadth first, so a definition reached along several paths is reported at the shortest one. */
  run(before: unknown, after: unknown): ContractChange[] {
    this.compare(before, after, '');
    for (let next = 0; next < this.pending.length; next++) this.compareNow(...this.pending[next]!);
    // Stable sort by path, so a report reads top-down whatever order the walk found things in.
    return this.changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  }

  private compare(rawBefore: unknown, rawAfter: unknown, path: string, context?: TypeContext): void {
    this.pending.push([rawBefore, rawAfter, path, context]);
  }

  private compareNow(rawBefore: unknown, rawAfter: unknown, path: string, context: TypeContext | undefined): void {
    const b = this.before.resolve(rawBefore);
    const a = this.after.resolve(rawAfter);
    if (!isSchema(b) || !isSchema(a)) return this.compareOpaque(rawBefore, rawAfter, path);
    if (typeof b === 'boolean' && b === a) return; // also stops the walk at absent items/additionalProperties (true)
    if (this.alreadyCompared(b, a)) return;
    if (b === false || a === false) return this.compareAcceptsNothing(b, a, path);
    const before = b === true ? {} : b;
    const after = a === true ? {} : a;
    this.compareAnnotations(before, after, path);
    const bothAllow = this.compareTypes(before, after, path, context);
    this.compareAllowedValues(before, after, path);
    // Keywords for a type only matter if both versions accept that type; otherwise type_changed already says it.
    if (bothAllow('object')) this.compareObjects(before, after, path);
    if (bothAllow('array')) this.compareArrays(before, after, path);
    if (bothAllow('string')) this.compareStrings(before, after, path);
    if (bothAllow('number')) this.compareNumbers(before, after, path);
    for (const keyword of COMPOSITION_KEYWORDS) this.compareComposition(keyword, before, after, path, context);
    this.compareOtherKeywords(before, after, path);
  }

  private alreadyCompared(b: unknown, a: unknown): boolean {
    if (!isObject(b) || !isObject(a)) return false;
    let seen = this.compared.get(b);
    if (!seen) this.compared.set(b, (seen = new WeakSet()));
    if (seen.has(a)) return true;
    seen.add(a);
    return false;
  }

  /** Records a change whose description is `what` followed by who it affects. */
  private report(rule: string, path: string, effect: Effect, what: string, values: { before?: unknown; after?: unknown } = {}): void {
    this.record(rule, path, audiencesFor(effect, this.roles), what + impactClause[effect](this.roles), values);
  }

  private record(rule: string, path: string, breakingFor: Audience[], description: string, values: { before?: unknown; after?: unknown } = {}): void {
    this.changes.push(makeChange(this.target.name, path, rule, breakingFor, description, values));
  }

  private reportUnclassified(path: string, description: string, values: { before?: unknown; after?: unknown }): void {
    this.record('schema_changed', path, ['consumers', 'providers'], description, values);
  }

  private compareOpaque(rawBefore: unknown, rawAfter: unknown, path: string): void {
    if (canonicalJson(rawBefore) === canonicalJson(rawAfter)) return;
    this.reportUnclassified(path, messages.unresolved(), { before: rawBefore, after: rawAfter });
  }

  private compareAcceptsNothing(b: SchemaObject | boolean, a: SchemaObject | boolean, path: string): void {
    if (b === a) return;
    const nowNothing = a === false;
    this.report(constraintRule(nowNothing ? 'stricter' : 'looser'), path, nowNothing ? 'stricter' : 'looser', messages.acceptsNothing(nowNothing), { before: b, after: a });
  }

  private compareAnnotations(b: SchemaObject, a: SchemaObject, path: string): void {
    for (const keyword of REPORTED_ANNOTATIONS) {
      if (b[keyword] === a[keyword]) continue;
      this.record('annotation_changed', path, [], messages.annotation(keyword, b[keyword], a[keyword]), { before: b[keyword], after: a[keyword] });
    }
  }

  /** Reports type and nullable changes; returns which type families both versions accept. */
  private compareTypes(b: SchemaObject, a: SchemaObject, path: string, context: TypeContext | undefined): (family: TypeFamily) => boolean {
    // A branch restating a type its parent or allOf siblings already impose (`allOf: [{$ref: Party}, {type: object}]`) changes nothing.
    const bTypes = intersect(typeAtoms(b, true), context);
    const aTypes = intersect(typeAtoms(a, true), context);
    const effect = setEffect(bTypes, aTypes);
    if (effect !== 'none') {
      // `type: [string, null]` and `type: string, nullable: true` are the same; only a real difference is reported.
      if (sameSet(intersect(typeAtoms(b, false), context), intersect(typeAtoms(a, false), context))) {
        this.report(constraintRule(effect), path, effect, messages.nullable(a.nullable === true), { before: b.nullable, after: a.nullable });
      } else {
        this.report('type_changed', path, effect, messages.typeChanged(describeType(b), describeType(a)), { before: b.type, after: a.type });
      }
    }
    return (family) => FAMILY_ATOMS[family].some((t) => bTypes.has(t)) && FAMILY_ATOMS[family].some((t) => aTypes.has(t));
  }

  /** enum and const (an enum of one). */
  private compareAllowedValues(b: SchemaObject, a: SchemaObject, path: string): void {
    const bValues = allowedValues(b);
    const aValues = allowedValues(a);
    if (!bValues && !aValues) return;
    if (!bValues) return this.report('constraint_tightened', path, 'stricter', messages.enumIntroduced(aValues!.size), { after: [...aValues!.values()] });
    if (!aValues) return this.report('constraint_loosened', path, 'looser', messages.enumDropped(), { before: [...bValues.values()] });
    for (const [key, value] of bValues) {
      if (!aValues.has(key)) this.report('enum_value_removed', path, 'stricter', messages.valueRemoved(value), { before: value });
    }
    for (const [key, value] of aValues) {
      if (!bValues.has(key)) this.report('enum_value_added', path, 'looser', messages.valueAdded(value), { after: value });
    }
  }

  private compareObjects(b: SchemaObject, a: SchemaObject, path: string): void {
    this.compareProperties(b, a, path);
    this.compareRequired(b, a, path);
    this.compareAdditionalProperties(b, a, path);
    this.comparePatternProperties(b, a, path);
    this.compareLimit('minProperties', 'min', b, a, path);
    this.compareLimit('maxProperties', 'max', b, a, path);
  }

  private compareProperties(b: SchemaObject, a: SchemaObject, path: string): void {
    const bProps = schemaMap(b.properties);
    const aProps = schemaMap(a.properties);
    for (const name of sortedUnion(Object.keys(bProps), Object.keys(aProps))) {
      const propertyPath = childPath(path, name);
      if (Object.hasOwn(bProps, name) && Object.hasOwn(aProps, name)) this.compare(bProps[name], aProps[name], propertyPath);
      else if (Object.hasOwn(bProps, name)) this.propertyRemoved(name, bProps[name], b, a, propertyPath);
      else this.propertyAdded(name, aProps[name], b, a, propertyPath);
    }
  }

  private propertyRemoved(name: string, schema: unknown, b: SchemaObject, a: SchemaObject, path: string): void {
    const wasRequired = requiredSet(b).has(name);
    const closed = a.additionalProperties === false;
    const breakingFor: Audience[] = closed ? ['consumers', 'providers'] : [this.roles.reader];
    this.record('property_removed', path, breakingFor, messages.propertyRemoved(name, wasRequired, this.roles, closed), { before: schema });
    // The value now falls under additionalProperties: say precisely how that differs from what it was.
    if (isConstrainingSchema(a.additionalProperties)) this.compare(schema, a.additionalProperties, path);
  }

  private propertyAdded(name: string, schema: unknown, b: SchemaObject, a: SchemaObject, path: string): void {
    const newlyRequired = requiredSet(a).has(name) && !requiredSet(b).has(name);
    if (!newlyRequired) this.report('property_added', path, 'none', messages.propertyAdded(name), { after: schema }); // else required_added says it
    // The value used to fall under additionalProperties: say precisely how it differs now.
    if (isConstrainingSchema(b.additionalProperties)) this.compare(b.additionalProperties, schema, path);
  }

  private compareRequired(b: SchemaObject, a: SchemaObject, path: string): void {
    const bRequired = requiredSet(b);
    const aRequired = requiredSet(a);
    const bProps = schemaMap(b.properties);
    const aProps = schemaMap(a.properties);
    for (const name of [...aRequired].sort()) {
      if (bRequired.has(name)) continue;
      const isNew = !Object.hasOwn(bProps, name) && Object.hasOwn(aProps, name);
      this.report('required_added', childPath(path, name), 'stricter', messages.requiredAdded(name, isNew));
    }
    for (const name of [...bRequired].sort()) {
      if (aRequired.has(name)) continue;
      const propertyRemoved = Object.hasOwn(bProps, name) && !Object.hasOwn(aProps, name);
      if (!propertyRemoved) this.report('required_removed', childPath(path, name), 'looser', messages.requiredRemoved(name)); // else property_removed says it
    }
  }

  private compareAdditionalProperties(b: SchemaObject, a: SchemaObject, path: string): void {
    const bExtra = b.additionalProperties ?? true;
    const aExtra = a.additionalProperties ?? true;
    if (bExtra === false && aExtra === false) return;
    if (bExtra === false) return this.report('constraint_loosened', path, 'looser', messages.closedObject(false), { before: false, after: aExtra });
    if (aExtra === false) return this.report('constraint_tightened', path, 'stricter', messages.closedObject(true), { before: bExtra, after: false });
    this.compare(bExtra, aExtra, `${path}/*`);
  }

  private comparePatternProperties(b: SchemaObject, a: SchemaObject, path: string): void {
    const bPatterns = schemaMap(b.patternProperties);
    const aPatterns = schemaMap(a.patternProperties);
    for (const pattern of sortedUnion(Object.keys(bPatterns), Object.keys(aPatterns))) {
      const patternPath = `${path}/{${pattern}}`;
      const inBefore = Object.hasOwn(bPatterns, pattern);
      const inAfter = Object.hasOwn(aPatterns, pattern);
      // A new pattern both constrains matching keys and, beside additionalProperties: false, admits them.
      if (inBefore && inAfter) this.compare(bPatterns[pattern], aPatterns[pattern], patternPath);
      else this.reportUnclassified(patternPath, messages.patternPropertyAddedOrRemoved(pattern, inAfter), { before: bPatterns[pattern], after: aPatterns[pattern] });
    }
  }

  private compareArrays(b: SchemaObject, a: SchemaObject, path: string): void {
    const bTuple = tupleOf(b);
    const aTuple = tupleOf(a);
    // A position without its own schema falls under the rest-items schema, so compare position by position.
    for (let i = 0; i < Math.max(bTuple.prefix.length, aTuple.prefix.length); i++) {
      this.compare(itemAt(bTuple, i), itemAt(aTuple, i), `${path}[${i}]`);
    }
    this.compare(bTuple.rest, aTuple.rest, `${path}[]`);
    this.compareLimit('minItems', 'min', b, a, path);
    this.compareLimit('maxItems', 'max', b, a, path);
    if ((b.uniqueItems === true) !== (a.uniqueItems === true)) {
      const effect: Effect = a.uniqueItems === true ? 'stricter' : 'looser';
      this.report(constraintRule(effect), path, effect, messages.uniqueItems(a.uniqueItems === true), { before: b.uniqueItems, after: a.uniqueItems });
    }
  }

  private compareStrings(b: SchemaObject, a: SchemaObject, path: string): void {
    this.compareLimit('minLength', 'min', b, a, path);
    this.compareLimit('maxLength', 'max', b, a, path);
    this.comparePresence('pattern', b, a, path);
    this.comparePresence('format', b, a, path);
  }

  private compareNumbers(b: SchemaObject, a: SchemaObject, path: string): void {
    this.compareBound('Lower', b, a, path);
    this.compareBound('Upper', b, a, path);
    const effect = multipleOfEffect(numberOrUndefined(b.multipleOf), numberOrUndefined(a.multipleOf));
    if (effect !== 'none') this.report(constraintRule(effect), path, effect, messages.keywordChanged('multipleOf', b.multipleOf, a.multipleOf), { before: b.multipleOf, after: a.multipleOf });
  }

  /** minimum/maximum counts (minLength, maxItems…): raising a minimum or lowering a maximum is stricter. */
  private compareLimit(keyword: string, side: 'min' | 'max', b: SchemaObject, a: SchemaObject, path: string): void {
    const before = numberOrUndefined(b[keyword]);
    const after = numberOrUndefined(a[keyword]);
    if (before === after) return;
    const raised = before !== undefined && after !== undefined && after > before;
    const stricter = before === undefined || (after !== undefined && (side === 'min' ? raised : !raised));
    const effect: Effect = stricter ? 'stricter' : 'looser';
    this.report(constraintRule(effect), path, effect, messages.keywordChanged(keyword, before, after), { before, after });
  }

  /** pattern and format: added is stricter, removed looser, changed cannot be ordered. */
  private comparePresence(keyword: string, b: SchemaObject, a: SchemaObject, path: string): void {
    const before = b[keyword];
    const after = a[keyword];
    if (canonicalJson(before) === canonicalJson(after)) return;
    const effect: Effect = before === undefined ? 'stricter' : after === undefined ? 'looser' : 'both';
    this.report(constraintRule(effect), path, effect, messages.keywordChanged(keyword, before, after), { before, after });
  }

  private compareBound(side: 'Lower' | 'Upper', b: SchemaObject, a: SchemaObject, path: string): void {
    const [inclusiveKey, exclusiveKey] = side === 'Lower' ? ['minimum', 'exclusiveMinimum'] : ['maximum', 'exclusiveMaximum'];
    const sign = side === 'Lower' ? 1 : -1;
    const before = numericBound(b, inclusiveKey, exclusiveKey, sign);
    const after = numericBound(a, inclusiveKey, exclusiveKey, sign);
    const effect = boundEffect(before, after, sign);
    if (effect === 'none') return;
    const what = messages.boundChanged(side, formatBound(before, side), formatBound(after, side));
    this.report(constraintRule(effect), path, effect, what, { before: pick(b, inclusiveKey, exclusiveKey), after: pick(a, inclusiveKey, exclusiveKey) });
  }

  /** Branches are paired by content first (reordering is not a change), then the rest by position. */
  private compareComposition(keyword: CompositionKeyword, b: SchemaObject, a: SchemaObject, path: string, context: TypeContext | undefined): void {
    const bBranches = Array.isArray(b[keyword]) ? (b[keyword] as unknown[]) : undefined;
    const aBranches = Array.isArray(a[keyword]) ? (a[keyword] as unknown[]) : undefined;
    if (!bBranches && !aBranches) return;
    // Any allOf/anyOf/oneOf restricts a schema that had none, whatever its branches.
    if (!bBranches) return this.report('constraint_tightened', path, 'stricter', messages.compositionAdded(keyword), { after: aBranches });
    if (!aBranches) return this.report('constraint_loosened', path, 'looser', messages.compositionRemoved(keyword), { before: bBranches });
    const { pairs, removed, added } = pairBranches(bBranches.map((s) => this.before.fingerprint(s)), aBranches.map((s) => this.after.fingerprint(s)));
    for (const [i, j] of pairs) {
      const skip = keyword === 'allOf' ? [i, j] : [-1, -1]; // an allOf branch is not its own context
      const branchContext = intersect(this.imposedTypes(this.before, b, context, skip[0]!), this.imposedTypes(this.after, a, context, skip[1]!));
      this.compare(bBranches[i], aBranches[j], path, branchContext);
    }
    // allOf: one more branch to satisfy is stricter. anyOf/oneOf: one more alternative is looser.
    const addedEffect: Effect = keyword === 'allOf' ? 'stricter' : 'looser';
    const removedEffect: Effect = keyword === 'allOf' ? 'looser' : 'stricter';
    for (const i of removed) this.report(constraintRule(removedEffect), path, removedEffect, messages.branchRemoved(keyword, i), { before: bBranches[i] });
    for (const j of added) this.report(constraintRule(addedEffect), path, addedEffect, messages.branchAdded(keyword, j), { after: aBranches[j] });
  }

  /** The types an instance in a branch of `parent` must have anyway: the parent's own type, its context and its
   *  allOf branches (but not the branch being compared). */
  private imposedTypes(document: SchemaDocument, parent: SchemaObject, inherited: Set<string> | undefined, skipAllOf: number): Set<string> {
    let types = intersect(typeAtoms(parent, true), inherited);
    const allOf = Array.isArray(parent.allOf) ? parent.allOf : [];
    allOf.forEach((branch, k) => {
      if (k !== skipAllOf) types = intersect(types, document.impliedTypes(branch));
    });
    return types;
  }

  /** not, if/then/else, contains, propertyNames, dependencies…: any change is reported, conservatively, as breaking both ways. */
  private compareOtherKeywords(b: SchemaObject, a: SchemaObject, path: string): void {
    for (const keyword of sortedUnion(Object.keys(b), Object.keys(a))) {
      if (!UNCLASSIFIED_KEYWORDS.has(keyword)) continue;
      if (this.before.fingerprintKeyword(keyword, b[keyword]) === this.after.fingerprintKeyword(keyword, a[keyword])) continue;
      this.reportUnclassified(path, messages.unclassified(keyword), { before: b[keyword], after: a[keyword] });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers.

function isObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSchema(value: unknown): value is SchemaObject | boolean {
  return typeof value === 'boolean' || isObject(value);
}

function isValidationKeyword(keyword: string): boolean {
  return COMPARED_KEYWORDS.has(keyword) || UNCLASSIFIED_KEYWORDS.has(keyword);
}

/** A schema that constrains values (not absent, true, false or an empty/annotation-only object). */
function isConstrainingSchema(schema: unknown): boolean {
  return isObject(schema) && Object.keys(schema).some(isValidationKeyword);
}

/** Values as a reader expects them in a sentence: strings (patterns especially) unescaped, the rest as JSON. */
function formatValue(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : canonicalJson(value);
}

/** RFC 8785 canonical JSON, so output never depends on key order; a missing value has its own spelling. */
function canonicalJson(value: unknown): string {
  return value === undefined ? 'undefined' : canonical(value);
}

function childPath(path: string, name: string): string {
  return `${path}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

function sortedUnion(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

/** `within` undefined means no restriction. */
function intersect<T>(set: Set<T>, within: Set<T> | undefined): Set<T> {
  return within ? new Set([...set].filter((x) => within.has(x))) : set;
}

function sameSet<T>(a: Set<T>, b: Set<T>): boolean {
  return setEffect(a, b) === 'none';
}

/** Losing members is stricter, gaining them looser, both at once cannot be ordered. */
function setEffect<T>(before: Set<T>, after: Set<T>): Effect {
  const lost = [...before].some((x) => !after.has(x));
  const gained = [...after].some((x) => !before.has(x));
  if (lost) return gained ? 'both' : 'stricter';
  return gained ? 'looser' : 'none';
}

function schemaMap(value: unknown): SchemaObject {
  return isObject(value) ? value : {};
}

function requiredSet(schema: SchemaObject): Set<string> {
  return new Set(Array.isArray(schema.required) ? schema.required.filter((n): n is string => typeof n === 'string') : []);
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function pick(schema: SchemaObject, ...keys: string[]): SchemaObject | undefined {
  const picked = Object.fromEntries(keys.filter((k) => schema[k] !== undefined).map((k) => [k, schema[k]]));
  return Object.keys(picked).length > 0 ? picked : undefined;
}

/** Declared JSON types as atoms (absent = any); OpenAPI 3.0 `nullable: true` adds null when asked. */
function typeAtoms(schema: SchemaObject, withNullable: boolean): Set<string> {
  if (schema.type === undefined) return new Set(ALL_TYPE_ATOMS);
  const declared = Array.isArray(schema.type) ? schema.type : [schema.type];
  const atoms = new Set<string>();
  for (const type of declared) {
    if (type === 'number') atoms.add('integer').add('fraction');
    else if (typeof type === 'string') atoms.add(type);
  }
  if (withNullable && schema.nullable === true) atoms.add('null');
  return atoms;
}

function describeType(schema: SchemaObject): string {
  if (schema.type === undefined) return 'any type';
  const declared = (Array.isArray(schema.type) ? schema.type : [schema.type]).map(String);
  if (schema.nullable === true) declared.push('null (nullable)');
  return declared.length === 0 ? 'no type' : declared.join(' or ');
}

/** enum and const as a set keyed by canonical JSON; undefined when unrestricted. */
function allowedValues(schema: SchemaObject): Map<string, unknown> | undefined {
  if (schema.const !== undefined) return new Map([[canonicalJson(schema.const), schema.const]]);
  if (Array.isArray(schema.enum)) return new Map(schema.enum.map((v) => [canonicalJson(v), v]));
  return undefined;
}

interface Tuple {
  prefix: unknown[];
  rest: unknown;
}

/** Normalises 2020-12 prefixItems/items and draft-04…2019-09 items-array/additionalItems. */
function tupleOf(schema: SchemaObject): Tuple {
  if (Array.isArray(schema.prefixItems)) return { prefix: schema.prefixItems, rest: schema.items ?? true };
  if (Array.isArray(schema.items)) return { prefix: schema.items, rest: schema.additionalItems ?? true };
  return { prefix: [], rest: schema.items ?? true };
}

function itemAt(tuple: Tuple, index: number): unknown {
  return index < tuple.prefix.length ? tuple.prefix[index] : tuple.rest;
}

interface Bound {
  value: number;
  exclusive: boolean;
}

/** The effective bound: draft-04 boolean exclusives, draft-06+ numeric exclusives, or both (the stricter wins). */
function numericBound(schema: SchemaObject, inclusiveKey: string, exclusiveKey: string, sign: number): Bound | undefined {
  const candidates: Bound[] = [];
  const inclusive = numberOrUndefined(schema[inclusiveKey]);
  const exclusive = schema[exclusiveKey];
  if (inclusive !== undefined) candidates.push({ value: inclusive, exclusive: exclusive === true });
  if (typeof exclusive === 'number') candidates.push({ value: exclusive, exclusive: true });
  return candidates.reduce<Bound | undefined>((best, next) => (boundEffect(best, next, sign) === 'stricter' ? next : best), undefined);
}

/** sign 1 for a lower bound (higher is stricter), -1 for an upper bound (lower is stricter). */
function boundEffect(before: Bound | undefined, after: Bound | undefined, sign: number): Effect {
  if (!before && !after) return 'none';
  if (!before) return 'stricter';
  if (!after) return 'looser';
  const delta = (after.value - before.value) * sign;
  if (delta !== 0) return delta > 0 ? 'stricter' : 'looser';
  if (after.exclusive === before.exclusive) return 'none';
  return after.exclusive ? 'stricter' : 'looser';
}

function formatBound(bound: Bound | undefined, side: 'Lower' | 'Upper'): string {
  if (!bound) return 'none';
  const operator = side === 'Lower' ? (bound.exclusive ? '>' : '>=') : bound.exclusive ? '<' : '<=';
  return `${operator} ${bound.value}`;
}

/** A multiple of 10 is a multiple of 5: 10 → 5 is looser, 5 → 10 stricter, 4 → 6 neither. */
function multipleOfEffect(before: number | undefined, after: number | undefined): Effect {
  if (before === after) return 'none';
  if (before === undefined) return 'stricter';
  if (after === undefined) return 'looser';
  if (isMultipleOf(before, after)) return 'looser';
  if (isMultipleOf(after, before)) return 'stricter';
  return 'both';
}

function isMultipleOf(value: number, divisor: number): boolean {
  if (divisor === 0) return false;
  const ratio = value / divisor;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}

/** Pairs identical branches wherever they moved, then the leftovers by position; the remainder was added or removed. */
function pairBranches(before: string[], after: string[]): { pairs: Array<[number, number]>; removed: number[]; added: number[] } {
  const pairs: Array<[number, number]> = [];
  const freeAfter = new Set(after.keys());
  const unmatchedBefore: number[] = [];
  before.forEach((fingerprint, i) => {
    const j = [...freeAfter].find((k) => after[k] === fingerprint);
    if (j === undefined) unmatchedBefore.push(i);
    else {
      pairs.push([i, j]);
      freeAfter.delete(j);
    }
  });
  const unmatchedAfter = [...freeAfter];
  const common = Math.min(unmatchedBefore.length, unmatchedAfter.length);
  for (let k = 0; k < common; k++) pairs.push([unmatchedBefore[k]!, unmatchedAfter[k]!]);
  return { pairs, removed: unmatchedBefore.slice(common), added: unmatchedAfter.slice(common) };
}
