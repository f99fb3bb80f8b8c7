// First scenarios for a contract, drafted from the contract itself: its examples become positive
// cases (identifiers templated, so a scenario can run again), an empty body a negative case, an
// unknown id a smoke check. The demo workspace uses it; a team reviews and edits what it drafts.
import { NOTHING, resolveJsonPointer, resolveLocalRef } from '../platform/json-pointer.js';
import type { ReadContract } from '../registry/contract-document.js';
import type { DomainRule } from './domain-rules.js';
import type { ScenarioDefinition, ScenarioStep } from './scenario-schema.js';

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

export function scaffoldScenarios(contract: ReadContract, options: { serialization: boolean }): ScenarioDefinition[] {
  return contract.format === 'openapi' ? fromOpenApi(contract) : fromMessages(contract, options.serialization);
}

function fromOpenApi(contract: ReadContract): ScenarioDefinition[] {
  const document = contract.document as Json;
  const scenarios: ScenarioDefinition[] = [];
  const targets = new Set(contract.targets.map((t) => t.name));
  for (const [path, rawItem] of Object.entries((document.paths ?? {}) as Json)) {
    const item = deref(document, rawItem) as Json;
    for (const method of METHODS) {
      const operation = item[method] as Json | undefined;
      if (!operation) continue;
      const name = `${method.toUpperCase()} ${path}`;
      const statuses = Object.keys((operation.responses ?? {}) as Json);
      const success = statuses.filter((s) => /^2\d\d$/.test(s)).sort()[0];
      const slug = slugOf(name);
      const example = requestExample(document, operation);
      const params = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      if (example !== undefined && success && ['put', 'post', 'patch'].includes(method)) {
        const body = templated(example) as Json;
        const pathParams = Object.fromEntries(params.map((p) => [p, typeof body[p] === 'string' ? (body[p] as string) : String((example as Json)[p] ?? '1')]));
        const steps: ScenarioStep[] = [{ name: `${name} with the contract's example`, operation: name, ...(params.length ? { pathParams } : {}), body, expect: { status: Number(success), schema: targets.has(`${name} → ${success}`) } }];
        scenarios.push({ key: `${slug}-example`, name: `${name} accepts the contract's example`, category: 'positive', requirements: [], steps });
        const refusal = ['422', '400'].find((s) => statuses.includes(s));
        if (refusal) {
          scenarios.push({ key: `${slug}-empty-body`, name: `${name} refuses an empty body`, category: 'negative', requirements: [], steps: [{ name: `${name} with {}`, operation: name, ...(params.length ? { pathParams } : {}), body: {}, expect: { status: statuses.includes('422') && statuses.includes('400') ? [400, 422] : Number(refusal), schema: targets.has(`${name} → ${refusal}`) && !(statuses.includes('422') && statuses.includes('400')) } }] });
        }
      }
      if (method === 'get' && params.length && statuses.includes('404')) {
        scenarios.push({ key: `${slug}-unknown`, name: `${name} answers 404 for an unknown id`, category: 'smoke', requirements: [], steps: [{ name: `${name} for an id that does not exist`, operation: name, pathParams: Object.fromEntries(params.map((p) => [p, '0000000000'])), expect: { status: 404, schema: targets.has(`${name} → 404`) } }] });
      }
    }
  }
  return scenarios;
}

function fromMessages(contract: ReadContract, serialization: boolean): ScenarioDefinition[] {
  const rules: DomainRule[] = serialization ? ['gs1-check-digits', 'epc-syntax', 'cbv-vocabulary', 'dscsa-shipping'] : ['gs1-check-digits'];
  const scenarios: ScenarioDefinition[] = [];
  for (const target of contract.targets) {
    const slug = slugOf(target.name);
    const examples = examplesAt(contract.document as Json, target.pointer);
    if (examples.length) {
      scenarios.push({ key: `${slug}-examples`, name: `The contract's examples of ${target.name} are valid`, category: 'positive', requirements: [], steps: [{ name: `${examples.length} example(s) of ${target.name}`, messages: { target: target.name, source: { inline: examples }, rules } }] });
    }
    scenarios.push({ key: `${slug}-empty`, name: `An empty ${target.name} is refused`, category: 'smoke', requirements: [], steps: [{ name: `{} as ${target.name}`, messages: { target: target.name, source: { inline: [{}] }, expect: { invalid: 1 } } }] });
  }
  return scenarios;
}

/** AsyncAPI message examples (payload) or JSON Schema examples next to the target's schema. */
function examplesAt(document: Json, pointer: string): unknown[] {
  const schema = deref(document, resolve(document, pointer)) as Json | undefined;
  if (pointer === '') return Array.isArray(document.examples) ? document.examples : [];
  const messagePointer = pointer.replace(/\/payload(\/schema)?$/, '');
  const message = resolve(document, messagePointer) as Json | undefined;
  const fromMessage = Array.isArray(message?.examples) ? (message!.examples as Json[]).map((e) => e.payload).filter((p) => p !== undefined) : [];
  const fromSchema = Array.isArray(schema?.examples) ? (schema!.examples as unknown[]) : [];
  return [...fromMessage, ...fromSchema];
}

/** The JSON request example an OpenAPI operation gives (`example`, or the first of `examples`), if any. */
export function requestExample(document: Json, operation: Json): unknown {
  const media = ((deref(document, operation.requestBody) as Json | undefined)?.content as Json | undefined)?.['application/json'] as Json | undefined;
  if (!media) return undefined;
  if (media.example !== undefined) return media.example;
  const first = media.examples ? Object.values(media.examples as Json)[0] : undefined;
  return (deref(document, first) as Json | undefined)?.value;
}

/** Identifier-like fields of all digits become {{digits:N}}, so the same example can be sent again. */
/**
 * The example with its identifiers made fresh for each run — digit strings by `{{digits:N}}`, UUIDs
 * by `{{uuid}}`, the number at the end of a prefixed id by digits of its length — so a re-run (a
 * change's regression) is not refused by the system under test as a duplicate of the first.
 */
function templated(example: unknown): unknown {
  if (!example || typeof example !== 'object' || Array.isArray(example)) return example;
  const fresh = (key: string, value: unknown) => {
    if (!/(Number|Id|ID)$/.test(key) || typeof value !== 'string') return value;
    if (/^\d{4,30}$/.test(value)) return `{{digits:${value.length}}}`;
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) return '{{uuid}}';
    // e.g. GR-US10-2026-004411: the same prefix, fresh digits of the same length (the pattern still holds).
    const numbered = /^([A-Za-z0-9-_/]*[^0-9])(\d{4,30})$/.exec(value);
    return numbered ? `${numbered[1]}{{digits:${numbered[2]!.length}}}` : value;
  };
  return Object.fromEntries(Object.entries(example as Json).map(([key, value]) => [key, fresh(key, value)]));
}

function slugOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 48) || 'scenario';
}

function resolve(document: Json, pointer: string): unknown {
  const value = resolveJsonPointer(document, pointer);
  return value === NOTHING ? undefined : value;
}

function deref(document: Json, value: unknown): unknown {
  for (let depth = 0; depth < 16 && value && typeof value === 'object' && typeof (value as Json).$ref === 'string'; depth += 1) {
    const target = resolveLocalRef(document, (value as Json).$ref as string);
    value = target === NOTHING ? undefined : target;
  }
  return value;
}
