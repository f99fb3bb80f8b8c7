// Reads a contract — JSON Schema (draft-04 … 2020-12), OpenAPI 3.0/3.1 or AsyncAPI 2.x/3.x, as JSON
// or YAML — checks it with the well-kept parser for its format, finds every addressable target
// (an operation's request, each response, each message, the schema itself) and compiles each into
// a validator. Real-world vendor schemas often fail ajv's strict mode: they are still accepted and
// used, with ajv's strict-mode complaints kept as warnings. A document that cannot be compiled at all
// is refused with a 400 that says where and why.
import type { ValidateFunction } from 'ajv';
import { Parser as YamlParser, parseDocument, type CST } from 'yaml';
import { ValidationError, type ErrorDetail } from '../platform/errors.js';
import { escapePointerToken, NOTHING, resolveJsonPointer, unescapePointerToken } from '../platform/json-pointer.js';
import { isWellFormedText } from '../platform/text.js';
import type { ContractTarget, TargetKind } from './contract-diff.js';
import { compileSchema, type Dialect } from './schema-compiler.js';

export const CONTRACT_FORMATS = ['json-schema', 'openapi', 'asyncapi'] as const;
export type ContractFormat = (typeof CONTRACT_FORMATS)[number];

/** Where a target's schema sits in the document (JSON pointer), before it is made self-contained. */
export interface TargetLocation {
  name: string;
  kind: TargetKind;
  pointer: string;
}

export interface ReadContract {
  format: ContractFormat;
  /** e.g. "3.1.0", "2.6.0", "draft-07". */
  specVersion: string;
  document: Record<string, unknown>;
  targets: TargetLocation[];
  warnings: string[];
}

export interface CompiledContract {
  targets: Array<ContractTarget & { validate: ValidateFunction }>;
  warnings: string[];
  /** How the targets were compiled, so a worker thread can compile the very same validators. */
  dialect: Dialect;
  apiAnnotations: boolean;
}

/** How deep a contract document may nest (400 contract_too_deep beyond). */
export const CONTRACT_MAX_DEPTH = 256;
const MAX_DEPTH = CONTRACT_MAX_DEPTH;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const SCHEMA_DIALECTS: Record<string, Dialect> = {
  'http://json-schema.org/draft-04/schema': 'draft-04',
  'http://json-schema.org/draft-06/schema': 'draft-06',
  'http://json-schema.org/draft-07/schema': 'draft-07',
  'https://json-schema.org/draft/2019-09/schema': '2019-09',
  'https://json-schema.org/draft/2020-12/schema': '2020-12',
};
/** Keywords whose value maps names to schemas: the names are data, never keywords. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
/** Keywords (and OpenAPI/AsyncAPI fields) whose value is data, copied as it is. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'example', 'examples']);

function refused(message: string, details: ErrorDetail[], code = 'contract_invalid'): ValidationError {
  return new ValidationError(message, details, code);
}

/** Parses, checks and locates the targets of a contract document; throws a 400 naming the problem. */
export async function readContract(format: ContractFormat, input: unknown): Promise<ReadContract> {
  const { document, text } = parseInput(input);
  checkDepth(document);
  checkPlainJson(document);
  const warnings: string[] = [];
  checkReferences(document);
  if (format === 'openapi') {
    const version = typeof document.openapi === 'string' ? document.openapi : '';
    if (!/^3\.[01]\.\d+$/.test(version)) throw refused('Not an OpenAPI 3.0 or 3.1 document: "openapi" must be 3.0.x or 3.1.x.', [{ field: 'body.document', pointer: '/openapi', rule: 'format', message: `found ${JSON.stringify(document.openapi ?? null)}` }]);
    try {
      // Loaded on first use: the parsers are large, and most processes never read a contract.
      const { default: SwaggerParser } = await import('@apidevtools/swagger-parser');
      await SwaggerParser.validate(structuredClone(document) as never, { resolve: { external: false } } as never);
    } catch (error) {
      throw refused(`The OpenAPI document is not valid: ${firstLine(error)}`, [{ field: 'body.document', rule: 'openapi', message: firstLine(error) }]);
    }
    return { format, specVersion: version, document, targets: openApiTargets(document), warnings };
  }
  if (format === 'asyncapi') {
    const version = typeof document.asyncapi === 'string' ? document.asyncapi : '';
    if (!/^[23]\.\d+\.\d+$/.test(version)) throw refused('Not an AsyncAPI 2.x or 3.x document: "asyncapi" must be 2.x.y or 3.x.y.', [{ field: 'body.document', pointer: '/asyncapi', rule: 'format', message: `found ${JSON.stringify(document.asyncapi ?? null)}` }]);
    const { Parser: AsyncApiParser } = await import('@asyncapi/parser');
    const { diagnostics } = await new AsyncApiParser().parse(text ?? JSON.stringify(document));
    const errors = diagnostics.filter((d) => d.severity === 0);
    if (errors.length) {
      throw refused(`The AsyncAPI document is not valid: ${errors[0]!.message}`, errors.slice(0, 50).map((d) => ({ field: 'body.document', pointer: `/${d.path.join('/')}`, rule: String(d.code), message: d.message })));
    }
    warnings.push(...diagnostics.filter((d) => d.severity === 1).slice(0, 50).map((d) => `asyncapi: ${d.message} at /${d.path.join('/')}`));
    return { format, specVersion: version, document, targets: asyncApiTargets(document, version), warnings };
  }
  const dialect = dialectOf(document, warnings);
  return { format, specVersion: dialect, document, targets: [{ name: 'schema', kind: 'schema', pointer: '' }], warnings };
}

/**
 * Compiles every target into a validator, keeping strict-mode complaints as warnings. Throws a 400
 * when a target cannot be compiled.
 */
export function compileContract(contract: Pick<ReadContract, 'format' | 'specVersion' | 'document' | 'targets'>): CompiledContract {
  const warnings: string[] = [];
  const dialect = schemaDialectOf(contract.format, contract.specVersion);
  const apiAnnotations = contract.format !== 'json-schema';
  const targets = contract.targets.map((target) => {
    const schema = contract.format === 'json-schema' ? contract.document : selfContained(contract.document, target.pointer, dialect);
    return { name: target.name, kind: target.kind, schema, validate: compileLeniently(schema, dialect, apiAnnotations, target.name, warnings) };
  });
  return { targets, warnings: [...new Set(warnings)], dialect, apiAnnotations };
}

/**
 * Which JSON Schema dialect a contract's schemas are written in: OpenAPI 3.0's schema object is
 * draft-04 based (boolean exclusiveMaximum), 3.1 is 2020-12, AsyncAPI's default format is draft-07.
 */
function schemaDialectOf(format: ContractFormat, specVersion: string): Dialect {
  if (format === 'json-schema') return specVersion as Dialect;
  if (format === 'openapi') return specVersion.startsWith('3.0') ? 'draft-04' : '2020-12';
  return 'draft-07';
}

function compileLeniently(schema: unknown, dialect: Dialect, apiAnnotations: boolean, target: string, warnings: string[]): ValidateFunction {
  try {
    const compiled = compileSchema(schema, dialect, apiAnnotations);
    warnings.push(...compiled.warnings.map((w) => `${target}: ${w}`));
    return compiled.validate;
  } catch (error) {
    throw refused(`The schema of ${target} cannot be compiled: ${firstLine(error)}`, [{ field: 'body.document', target, rule: 'compile', message: firstLine(error) }], 'contract_not_compilable');
  }
}

function parseInput(input: unknown): { document: Record<string, unknown>; text: string | null } {
  if (typeof input !== 'string') {
    if (!isObject(input)) throw refused('The contract document must be a JSON object, or a string of JSON or YAML.', [{ field: 'body.document', rule: 'type', message: 'must be an object or a string' }]);
    return { document: input, text: null };
  }
  try {
    const parsed: unknown = JSON.parse(input);
    if (isObject(parsed)) return { document: parsed, text: input };
  } catch {
    // Not JSON: YAML below (YAML 1.2 is a superset of JSON, with clearer errors for YAML typos).
  }
  const notParseable = (details: ErrorDetail[]) => refused('The contract is neither valid JSON nor valid YAML.', details, 'contract_not_parseable');
  // The YAML composer recurses once per level: ~1,000 levels overflow the stack, and a regular
  // expression compiled that close to the limit aborts the whole process. The depth is measured on
  // the parser's token tree (built without recursion) before anything recursive sees the text.
  if (yamlHeight(input) > MAX_DEPTH + 1) throw refused(`The contract nests deeper than ${MAX_DEPTH} levels.`, [{ field: 'body.document', rule: 'maxDepth', message: `nested deeper than ${MAX_DEPTH} levels` }], 'contract_too_deep');
  // Merge keys (<<: *base) are merged as YAML users expect, not kept as a literal "<<" key.
  const yaml = parseDocument(input, { uniqueKeys: true, prettyErrors: true, merge: true });
  if (yaml.errors.length) {
    throw notParseable(yaml.errors.slice(0, 20).map((e) => ({ field: 'body.document', rule: 'yaml', message: e.message.split('\n')[0]!, line: e.linePos?.[0]?.line, column: e.linePos?.[0]?.col })));
  }
  let document: unknown;
  try {
    document = yaml.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // e.g. an alias bomb (a billion laughs) beyond maxAliasCount.
    throw notParseable([{ field: 'body.document', rule: 'yaml', message: firstLine(error) }]);
  }
  if (!isObject(document)) throw refused('The contract must be a JSON or YAML object (a mapping), not a scalar or a list.', [{ field: 'body.document', rule: 'type', message: 'must be a mapping' }], 'contract_not_parseable');
  return { document, text: input };
}

/**
 * How many collections deep a YAML text nests, at most, measured iteratively on its token tree. An
 * alias counts as tall as the tallest node before it (its anchor is one of them): an upper bound
 * that also covers chains of aliases.
 */
function yamlHeight(text: string): number {
  type Frame = { token: CST.Token; children: CST.Token[]; next: number; tallestChild: number };
  const frameOf = (token: CST.Token): Frame => {
    const children: CST.Token[] = [];
    if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      for (const item of token.items as Array<{ key?: CST.Token | null; value?: CST.Token }>) {
        if (item.key) children.push(item.key);
        if (item.value) children.push(item.value);
      }
    }
    return { token, children, next: 0, tallestChild: 0 };
  };
  let tallest = 0;
  for (const document of new YamlParser().parse(text)) {
    if (document.type !== 'document' || !document.value) continue;
    const stack: Frame[] = [frameOf(document.value)];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.children.length) {
        stack.push(frameOf(top.children[top.next++]!));
        continue;
      }
      stack.pop();
      const own = top.token.type === 'alias' ? tallest : top.children.length || ['block-map', 'block-seq', 'flow-collection'].includes(top.token.type) ? 1 : 0;
      const height = own + top.tallestChild;
      tallest = Math.max(tallest, height);
      const parent = stack[stack.length - 1];
      if (parent) parent.tallestChild = Math.max(parent.tallestChild, height);
    }
  }
  return tallest;
}

/** YAML can say more than JSON (.nan, .inf, !!binary, non-string keys): a contract must be plain JSON. */
function checkPlainJson(value: unknown, pointer = ''): void {
  const fail = (what: string) => refused(`The contract holds ${what}, which JSON cannot represent.`, [{ field: 'body.document', pointer, rule: 'json', message: `${what} is not a JSON value` }], 'contract_not_parseable');
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'string') {
    if (!isWellFormedText(value)) throw fail('text with a lone UTF-16 surrogate');
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw fail(String(value));
    return;
  }
  if (Array.isArray(value)) return value.forEach((inner, i) => checkPlainJson(inner, `${pointer}/${i}`));
  if (isObject(value) && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, inner] of Object.entries(value)) {
      if (!isWellFormedText(key)) throw fail('a key with a lone UTF-16 surrogate');
      checkPlainJson(inner, `${pointer}/${escapePointerToken(key)}`);
    }
    return;
  }
  throw fail(value instanceof Uint8Array ? 'binary data' : `a ${typeof value === 'object' ? (value as object).constructor?.name ?? 'non-JSON object' : typeof value}`);
}

function checkDepth(value: unknown, depth = 0, pointer = ''): void {
  if (depth > MAX_DEPTH) throw refused(`The contract nests deeper than ${MAX_DEPTH} levels.`, [{ field: 'body.document', pointer: pointer.slice(0, 200), rule: 'maxDepth', message: `nested deeper than ${MAX_DEPTH} levels` }], 'contract_too_deep');
  if (value && typeof value === 'object') for (const [key, inner] of Object.entries(value)) checkDepth(inner, depth + 1, `${pointer}/${escapePointerToken(key)}`);
}

/**
 * Every $ref must point inside the document and resolve; a chain of references that only refers
 * to itself (a schema that recurses forever without ever describing a value) is refused.
 */
function checkReferences(document: Record<string, unknown>): void {
  const problems: ErrorDetail[] = [];
  const ids = new Set<string>();
  walkSchemas(document, '', (node) => {
    if (typeof node.$id === 'string') ids.add(node.$id.replace(/#$/, ''));
  });
  walkSchemas(document, '', (node, pointer) => {
    if (typeof node.$ref !== 'string') return;
    const ref = node.$ref;
    const field = { field: 'body.document', pointer: `${pointer}/$ref` };
    if (!ref.startsWith('#')) {
      // A reference to a resource the document itself names with $id is resolved by ajv.
      if (!ids.has(ref.split('#')[0]!)) problems.push({ ...field, rule: 'external_ref', message: `'${ref}' is outside the document: external references are not fetched; put everything in one document` });
    } else if (!isPointerRef(ref)) {
      // '#name' is a plain-name fragment ($anchor, or a draft-07 "$id": "#name"): left to ajv.
    } else if (resolvePointer(document, pointerOf(ref)) === undefined) {
      problems.push({ ...field, rule: 'unresolvable_ref', message: `'${ref}' does not point to anything in the document` });
    } else if (refersOnlyToItself(document, ref)) {
      problems.push({ ...field, rule: 'infinite_recursion', message: `'${ref}' recurses forever: every schema in the chain is only a reference to the next` });
    }
  });
  if (problems.length) throw refused(`The contract has ${problems.length} broken reference(s): ${problems[0]!.message}.`, problems.slice(0, 50), 'contract_invalid_ref');
}

function refersOnlyToItself(document: Record<string, unknown>, ref: string): boolean {
  const seen = new Set<string>();
  let current: string | undefined = ref;
  while (current !== undefined) {
    if (seen.has(current)) return true;
    seen.add(current);
    const target = resolvePointer(document, pointerOf(current));
    current = isObject(target) && typeof target.$ref === 'string' && Object.keys(target).length === 1 && isPointerRef(target.$ref) ? target.$ref : undefined;
  }
  return false;
}

function dialectOf(document: Record<string, unknown>, warnings: string[]): Dialect {
  const declared = typeof document.$schema === 'string' ? document.$schema.replace(/#$/, '') : null;
  if (declared === null) {
    warnings.push('no $schema: read as JSON Schema draft-07');
    return 'draft-07';
  }
  const dialect = SCHEMA_DIALECTS[declared];
  if (!dialect) throw refused(`Unsupported JSON Schema dialect '${document.$schema}'.`, [{ field: 'body.document', pointer: '/$schema', rule: 'enum', message: `must be one of ${Object.keys(SCHEMA_DIALECTS).join(', ')}` }]);
  return dialect;
}

function openApiTargets(document: Record<string, unknown>): TargetLocation[] {
  const targets: TargetLocation[] = [];
  const paths = isObject(document.paths) ? document.paths : {};
  for (const [path, rawItem] of Object.entries(paths)) {
    const itemPointer = `/paths/${escapePointerToken(path)}`;
    const item = follow(document, rawItem, itemPointer);
    if (!isObject(item.value)) continue;
    for (const method of HTTP_METHODS) {
      const operation = item.value[method];
      if (!isObject(operation)) continue;
      const operationPointer = `${item.pointer}/${method}`;
      const label = `${method.toUpperCase()} ${path}`;
      const body = follow(document, operation.requestBody, `${operationPointer}/requestBody`);
      const requestSchema = jsonSchemaPointer(body.value, body.pointer);
      if (requestSchema) targets.push({ name: `${label} request`, kind: 'request', pointer: requestSchema });
      const responses = isObject(operation.responses) ? operation.responses : {};
      for (const [status, rawResponse] of Object.entries(responses)) {
        const response = follow(document, rawResponse, `${operationPointer}/responses/${escapePointerToken(status)}`);
        const schema = jsonSchemaPointer(response.value, response.pointer);
        if (schema) targets.push({ name: `${label} → ${status}`, kind: 'response', pointer: schema });
      }
    }
  }
  return targets;
}

/** The schema of the JSON media type of a request body or response (application/json or *+json). */
function jsonSchemaPointer(holder: unknown, pointer: string): string | null {
  if (!isObject(holder) || !isObject(holder.content)) return null;
  const mediaType = Object.keys(holder.content).find((t) => /^application\/(.+\+)?json\b/.test(t)) ?? Object.keys(holder.content)[0];
  if (mediaType === undefined) return null;
  const media = holder.content[mediaType];
  return isObject(media) && media.schema !== undefined ? `${pointer}/content/${escapePointerToken(mediaType)}/schema` : null;
}

function asyncApiTargets(document: Record<string, unknown>, version: string): TargetLocation[] {
  const messages: Array<{ value: unknown; pointer: string; fallbackName: string; kind: TargetKind }> = [];
  const channels = isObject(document.channels) ? document.channels : {};
  const receivedOn = version.startsWith('2.') ? new Set<string>() : channelsReceivedOn(document);
  for (const [channel, rawChannel] of Object.entries(channels)) {
    const channelPointer = `/channels/${escapePointerToken(channel)}`;
    if (!isObject(rawChannel)) continue;
    if (version.startsWith('2.')) {
      // AsyncAPI 2 speaks from the application's side: others `publish` to it, it `subscribe`s others to what it sends.
      for (const operation of ['publish', 'subscribe'] as const) {
        const op = rawChannel[operation];
        if (!isObject(op) || op.message === undefined) continue;
        const message = follow(document, op.message, `${channelPointer}/${operation}/message`);
        const list = isObject(message.value) && Array.isArray(message.value.oneOf) ? message.value.oneOf.map((m, i) => follow(document, m, `${message.pointer}/oneOf/${i}`)) : [message];
        const kind: TargetKind = operation === 'publish' ? 'inbound-message' : 'message';
        for (const m of list) messages.push({ ...m, fallbackName: `${channel} ${operation}`, kind });
      }
    } else if (isObject(rawChannel.messages)) {
      const kind: TargetKind = receivedOn.has(channelPointer) ? 'inbound-message' : 'message';
      for (const [key, raw] of Object.entries(rawChannel.messages)) messages.push({ ...follow(document, raw, `${channelPointer}/messages/${escapePointerToken(key)}`), fallbackName: key, kind });
    }
  }
  const components = isObject(document.components) && isObject(document.components.messages) ? document.components.messages : {};
  for (const [key, raw] of Object.entries(components)) messages.push({ ...follow(document, raw, `/components/messages/${escapePointerToken(key)}`), fallbackName: key, kind: 'message' });

  const targets: TargetLocation[] = [];
  for (const { value, pointer, fallbackName, kind } of messages) {
    if (!isObject(value) || value.payload === undefined) continue;
    // AsyncAPI 3 may wrap a payload as {schemaFormat, schema}.
    const payload = isObject(value.payload) && value.payload.schemaFormat !== undefined && value.payload.schema !== undefined ? `${pointer}/payload/schema` : `${pointer}/payload`;
    if (targets.some((t) => t.pointer === payload)) continue;
    const componentName = pointer.startsWith('/components/messages/') ? unescapePointerToken(pointer.split('/')[3]!) : null;
    const name = `message ${typeof value.name === 'string' ? value.name : typeof value.messageId === 'string' ? value.messageId : (componentName ?? fallbackName)}`;
    targets.push({ name: targets.some((t) => t.name === name) ? `${name} (${pointer})` : name, kind, pointer: payload });
  }
  return targets;
}

/** AsyncAPI 3: the channels an operation with `action: receive` listens on (their messages come in). */
function channelsReceivedOn(document: Record<string, unknown>): Set<string> {
  const received = new Set<string>();
  const operations = isObject(document.operations) ? document.operations : {};
  for (const operation of Object.values(operations)) {
    if (isObject(operation) && operation.action === 'receive' && isObject(operation.channel) && typeof operation.channel.$ref === 'string') received.add(pointerOf(operation.channel.$ref));
  }
  return received;
}

/** Follows a $ref (if the value is one) to what it points at, remembering where that is. */
function follow(document: Record<string, unknown>, value: unknown, pointer: string, depth = 0): { value: unknown; pointer: string } {
  if (depth < 32 && isObject(value) && typeof value.$ref === 'string' && isPointerRef(value.$ref)) {
    return follow(document, resolvePointer(document, pointerOf(value.$ref)), pointerOf(value.$ref), depth + 1);
  }
  return { value, pointer };
}

/**
 * One target's schema as a self-contained JSON Schema: everything it references is copied under
 * $defs (or definitions for draft-04/06/07) and the references rewritten, so ajv and the contract
 * diff see one schema; `x-` extensions are dropped (annotations, not constraints).
 */
function selfContained(document: Record<string, unknown>, pointer: string, dialect: Dialect): unknown {
  const defsKey = dialect === '2019-09' || dialect === '2020-12' ? '$defs' : 'definitions';
  const root = follow(document, resolvePointer(document, pointer), pointer);
  const names = new Map<string, string>();
  const defs: Record<string, unknown> = {};
  const nameFor = (target: string): string => {
    let name = names.get(target);
    if (name === undefined) {
      const base = unescapePointerToken(target.split('/').pop() || 'root').replace(/[^A-Za-z0-9_.-]/g, '_') || 'schema';
      name = base;
      for (let n = 2; [...names.values()].includes(name); n += 1) name = `${base}_${n}`;
      names.set(target, name);
      defs[name] = rewrite(resolvePointer(document, target));
    }
    return name;
  };
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (!isObject(value)) return value;
    const copy: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      // Extensions are annotations; an $id would move the base of every reference in the copy.
      if (key.startsWith('x-') || key === '$id' || key === '$schema') continue;
      if (key === '$ref' && typeof inner === 'string' && isPointerRef(inner)) {
        const target = pointerOf(inner);
        copy.$ref = target === root.pointer ? '#' : `#/${defsKey}/${nameFor(target)}`;
      } else if (SCHEMA_MAPS.has(key) && isObject(inner)) {
        // Property names are data: an "x-correlation-id" property stays.
        copy[key] = Object.fromEntries(Object.entries(inner).map(([name, schema]) => [name, rewrite(schema)]));
      } else {
        copy[key] = DATA_KEYWORDS.has(key) ? inner : rewrite(inner);
      }
    }
    return copy;
  };
  if (typeof root.value === 'boolean') return root.value;
  const schema = rewrite(root.value) as Record<string, unknown>;
  return Object.keys(defs).length ? { ...schema, [defsKey]: { ...(isObject(schema[defsKey]) ? schema[defsKey] : {}), ...defs } } : schema;
}

/** Visits every object that may be a schema: not inside examples, enums, defaults or extensions. */
function walkSchemas(value: unknown, pointer: string, visit: (node: Record<string, unknown>, pointer: string) => void): void {
  if (Array.isArray(value)) value.forEach((inner, i) => walkSchemas(inner, `${pointer}/${i}`, visit));
  else if (isObject(value)) {
    visit(value, pointer);
    for (const [key, inner] of Object.entries(value)) {
      // (OpenAPI's responses.default is a response, not a default value.)
      if ((DATA_KEYWORDS.has(key) && !pointer.endsWith('/responses')) || key.startsWith('x-')) continue;
      walkSchemas(inner, `${pointer}/${escapePointerToken(key)}`, visit);
    }
  }
}

/** '#' or '#/…': a JSON pointer into this document (as opposed to '#name' or another resource). */
function isPointerRef(ref: string): boolean {
  return ref === '#' || ref.startsWith('#/');
}

/** The JSON pointer of a same-document reference: '#/a%20b/c' → '/a b/c' (undecodable → never resolves). */
function pointerOf(ref: string): string {
  try {
    return decodeURIComponent(ref.slice(1));
  } catch {
    return '#invalid';
  }
}

/** The value at a JSON pointer, or undefined when there is none. */
function resolvePointer(document: unknown, pointer: string): unknown {
  const value = resolveJsonPointer(document, pointer);
  return value === NOTHING ? undefined : value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!.slice(0, 500);
}
