// The JSON Schema of a scenario: what a team writes (by hand, or generated) to test an interface
// against its contract. Documented in the README and served in /api/openapi.json.
import { requirementKey } from '../registry/requirement-schemas.js';
import { DOMAIN_RULES, type DomainRule } from './domain-rules.js';

export const SCENARIO_CATEGORIES = ['smoke', 'positive', 'negative', 'generated'] as const;
export type ScenarioCategory = (typeof SCENARIO_CATEGORIES)[number];

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, pattern: '\\S' }) as const;
const stringMap = { type: 'object', maxProperties: 50, additionalProperties: { type: 'string', maxLength: 2000 } } as const;

/** The largest JSON document a step may take its body from (bodyFrom). */
export const MAX_BODY_FIXTURE_BYTES = 10 * 1024 * 1024;

/** Domain rules by name, as a message set or an exchange step lists them. */
const domainRuleList = { type: 'array', uniqueItems: true, maxItems: 10, items: { enum: [...DOMAIN_RULES] } } as const;

const assertion = {
  type: 'object',
  additionalProperties: false,
  required: ['pointer'],
  minProperties: 2,
  description: 'A check on the response body at a JSON pointer: equals, matches (a regular expression), exists, length',
  properties: {
    pointer: { type: 'string', pattern: '^(/.*)?$', maxLength: 500, example: '/orderNumber' },
    equals: { description: 'Any JSON value; strings may use templates such as {{vars.orderNumber}}' },
    matches: { type: 'string', maxLength: 500 },
    exists: { type: 'boolean' },
    length: { type: 'integer', minimum: 0 },
  },
} as const;

/** A message set: many messages validated against one contract target, plus domain rules. */
const messageSet = {
  type: 'object',
  additionalProperties: false,
  required: ['target', 'source'],
  description: 'Validate a set of messages (tens of thousands) against a contract target, and apply domain rules',
  properties: {
    target: { type: 'string', minLength: 1, maxLength: 300, example: 'message ObjectEvent', description: "A target of the contract: 'message <name>', 'schema', or an operation's request/response" },
    source: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      properties: {
        inline: { type: 'array', maxItems: 10000, description: 'The messages themselves' },
        evidence: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'A fixture in the evidence store: NDJSON or a JSON array' },
        generate: { type: 'object', additionalProperties: false, required: ['count'], properties: { count: { type: 'integer', minimum: 1, maximum: 100000 } }, description: "Messages generated from the target's schema (property-based), from the run's seed" },
      },
    },
    rules: domainRuleList,
    expect: {
      type: 'object',
      additionalProperties: false,
      properties: {
        invalid: { type: 'integer', minimum: 0, description: 'How many messages the schema must refuse (default 0; a negative set names its count)' },
        violations: { type: 'integer', minimum: 0, description: 'How many domain-rule violations are expected (default 0)' },
      },
    },
  },
} as const;

/** Domain rules over the messages an exchange answers, e.g. the eventList of an EPCIS query document. */
const responseDomainRules = {
  type: 'object',
  additionalProperties: false,
  required: ['pointer', 'rules'],
  description: 'Serialization domain rules over the response body at a JSON pointer: an array there is a set of messages (events, documents), an object one message. Any violation fails the step, naming the first. The pointer must lead to an object or array in the response schema of the expected status (unless expect.schema is false).',
  properties: {
    pointer: { ...assertion.properties.pointer, example: '/epcisBody/queryResults/resultsBody/eventList' },
    rules: { ...domainRuleList, minItems: 1, example: ['event-order', 'aggregation', 'dscsa-shipping'] },
  },
} as const;

export const scenarioStepSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  description: 'An exchange (operation, request, expect) or a message set (messages): exactly one of operation and messages',
  properties: {
    name: text(200),
    messages: messageSet,
    operation: { type: 'string', pattern: '^(GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS) /\\S*$', maxLength: 300, example: 'POST /orders', description: 'An operation of the contract, as METHOD and path template' },
    pathParams: stringMap,
    query: stringMap,
    headers: stringMap,
    body: { description: 'The JSON body; strings may use templates: {{uuid}}, {{now}}, {{today}}, {{gtin}}, {{sscc}}, {{gln}}, {{serial}}, {{digits:N}}, {{vars.NAME}}' },
    bodyFrom: {
      type: 'object',
      additionalProperties: false,
      required: ['evidence'],
      properties: { evidence: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of a JSON document in the evidence store (upload it with POST /api/v1/evidence)' } },
      description: 'The JSON body from a fixture in the evidence store, instead of body; its strings may use the same templates. Its digest is re-checked before each use',
    },
    timeoutMs: { type: 'integer', minimum: 1, maximum: 120000 },
    generate: {
      type: 'object',
      additionalProperties: false,
      required: ['count'],
      properties: { count: { type: 'integer', minimum: 1, maximum: 1000 } },
      description: "Property-based: send `count` bodies generated from the operation's request schema (from the run's seed); each must be answered as expected",
    },
    expect: {
      type: 'object',
      additionalProperties: false,
      properties: {
        status: { anyOf: [{ type: 'integer', minimum: 100, maximum: 599 }, { type: 'array', minItems: 1, maxItems: 10, items: { type: 'integer', minimum: 100, maximum: 599 } }] },
        schema: { type: 'boolean', description: "Validate the response body against the contract's schema for that status (default true)" },
        maxLatencyMs: { type: 'integer', minimum: 1, maximum: 600000 },
        assertions: { type: 'array', maxItems: 50, items: assertion },
        domainRules: responseDomainRules,
      },
    },
    capture: { type: 'object', maxProperties: 20, propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_]{0,31}$' }, additionalProperties: { type: 'string', pattern: '^(/.*)?$' }, description: 'name → JSON pointer into the response body, usable later as {{vars.name}}' },
  },
} as const;

export const scenarioDefinitionSchema = {
  $id: 'ScenarioDefinition',
  type: 'object',
  additionalProperties: false,
  required: ['key', 'name', 'category', 'steps'],
  properties: {
    key: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$', example: 'create-order' },
    name: text(200),
    description: { type: 'string', maxLength: 4000 },
    category: { enum: [...SCENARIO_CATEGORIES], description: 'smoke runs at every depth; positive from scripted-positive up; negative and generated at full depth' },
    requirements: { type: 'array', maxItems: 50, uniqueItems: true, items: requirementKey, example: ['IF-ERP-WMS-001-R02'], description: 'Keys of requirement records of the interface (GET …/requirements) that the scenario verifies: each must be an active one' },
    contractVersion: { type: 'integer', minimum: 1, description: 'The contract version the scenario is written for (default: the current one)' },
    steps: { type: 'array', minItems: 1, maxItems: 500, items: scenarioStepSchema },
  },
} as const;

export interface MessageSetStep {
  target: string;
  source: { inline?: unknown[]; evidence?: string; generate?: { count: number } };
  rules?: DomainRule[];
  expect?: { invalid?: number; violations?: number };
}

export interface ResponseDomainRules {
  /** JSON pointer into the response body: an array of messages, or one message. */
  pointer: string;
  rules: DomainRule[];
}

export interface ScenarioStep {
  name: string;
  /** An exchange step names an operation; a message-set step names `messages` instead. */
  operation?: string;
  messages?: MessageSetStep;
  pathParams?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  bodyFrom?: { evidence: string };
  timeoutMs?: number;
  generate?: { count: number };
  expect?: { status?: number | number[]; schema?: boolean; maxLatencyMs?: number; assertions?: Array<{ pointer: string; equals?: unknown; matches?: string; exists?: boolean; length?: number }>; domainRules?: ResponseDomainRules };
  capture?: Record<string, string>;
}

export interface ScenarioDefinition {
  key: string;
  name: string;
  description?: string;
  category: ScenarioCategory;
  requirements?: string[];
  contractVersion?: number;
  steps: ScenarioStep[];
}

/** Which categories a test depth runs (the assurance level's decision, CSA step 3). */
export const CATEGORIES_BY_DEPTH: Record<string, ScenarioCategory[]> = {
  full: ['smoke', 'positive', 'negative', 'generated'],
  'scripted-positive': ['smoke', 'positive'],
  smoke: ['smoke'],
};
