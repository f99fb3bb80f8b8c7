// First requirements of an interface, drafted from what the registry already knows about it: its
// intended use (the user requirement: CSA step 1), each operation or message type of its current
// contract (functional), the domain rules its data domains call for (data integrity), and what the
// regulations ask of GxP and serialized data (regulatory). A team reviews and edits what is drafted;
// texts are stable for the same input, so drafting again adds only what is new.
//
// Pure: no I/O. The domain rules are named as the scenario runner names them (scenarios/domain-rules.ts)
// so a reader can find the scenario step that checks each; the registry does not import the runner.
import { NOTHING, resolveLocalRef } from '../platform/json-pointer.js';
import type { TargetLocation } from './contract-document.js';
import type { RequirementType } from './requirement-model.js';

export interface DraftSource {
  intendedUse: string;
  gxpRelevant: boolean;
  messageTypes: string[];
  dataDomains: string[];
}

export interface DraftContract {
  format: string;
  document: unknown;
  targets: TargetLocation[];
}

export interface DraftedRequirement {
  type: RequirementType;
  text: string;
}

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];

/** What each serialization domain rule asks, as a requirement. */
export const DOMAIN_RULE_REQUIREMENTS = {
  'gs1-check-digits': 'Every GS1 key the interface carries (GTIN, SSCC, GLN) shall have a valid check digit and length, as a string of digits (domain rule gs1-check-digits).',
  'epc-syntax': 'Every EPC shall be a well-formed GS1 EPC URI as the GS1 Tag Data Standard defines it (domain rule epc-syntax).',
  'cbv-vocabulary': 'Business steps, dispositions and actions shall use the CBV 2.0 vocabularies (domain rule cbv-vocabulary).',
  'event-order': 'The events of each serial shall follow its lifecycle: commissioned before it is packed, shipped or received, commissioned once, and nothing after it is decommissioned or destroyed (domain rule event-order).',
  aggregation: 'Aggregation shall keep one consistent packing hierarchy: every aggregation names its parent, a unit is in one parent at a time, never inside itself, and only a present child is removed (domain rule aggregation).',
  'dscsa-shipping': 'Every shipping event shall carry the DSCSA transaction data: the owning party shipped from and to, and a business transaction reference (domain rule dscsa-shipping).',
} as const;

type DomainRuleName = keyof typeof DOMAIN_RULE_REQUIREMENTS;

/** Which domain rules apply to data of each data domain (GS1 identifiers, EPCIS events). */
const RULES_BY_DOMAIN: Record<string, DomainRuleName[]> = {
  'product-master': ['gs1-check-digits'],
  'location-master': ['gs1-check-digits'],
  'partner-master': ['gs1-check-digits'],
  shipments: ['gs1-check-digits'],
  'serialization-events': ['gs1-check-digits', 'epc-syntax', 'cbv-vocabulary', 'event-order', 'aggregation'],
};

const COMPLETE_AND_UNALTERED = 'Every message shall arrive complete and unaltered, exactly once: none lost, duplicated or changed in transit, and a message that is refused is reported, never dropped silently (EU GMP Annex 11 §5).';
const AUDIT_TRAIL = 'The GxP records the interface creates or changes shall be attributable and time-stamped, with an audit trail of every change that keeps the earlier values (21 CFR Part 11 §11.10(e), EU GMP Annex 11 §9).';
const VALIDATED_STATE = 'The interface shall be validated for its intended use and kept in a validated state: every change to it, its contract or its platforms goes through change control with regression testing (21 CFR Part 11 §11.10(a), 21 CFR 211.68, EU GMP Annex 11 §4 and §10).';
const DSCSA = 'Serialized product data shall support DSCSA: transaction information and statements, and the EPCIS events of each unit, exchanged with trading partners at the package level and retrievable for a trace (FD&C Act §582).';
const FMD = 'Serialized product data shall support the EU Falsified Medicines Directive: unique identifiers uploaded to the EU repositories system and their status kept in step (Commission Delegated Regulation (EU) 2016/161).';

/** The requirements drafted for an interface, in order: user, functional, data integrity, regulatory. */
export function draftRequirements(source: DraftSource, contract: DraftContract | null): DraftedRequirement[] {
  const drafted: DraftedRequirement[] = [{ type: 'user', text: `The interface shall serve its intended use: ${oneLine(source.intendedUse)}` }];
  for (const text of functionalTexts(source, contract)) drafted.push({ type: 'functional', text });
  if (source.gxpRelevant) drafted.push({ type: 'data-integrity', text: COMPLETE_AND_UNALTERED });
  const serialized = source.dataDomains.includes('serialization-events');
  const rules = new Set(source.dataDomains.flatMap((domain) => RULES_BY_DOMAIN[domain] ?? []));
  // A shipment of serialized units is a DSCSA transaction: its events carry the transaction data.
  if (serialized && source.dataDomains.includes('shipments')) rules.add('dscsa-shipping');
  for (const rule of Object.keys(DOMAIN_RULE_REQUIREMENTS) as DomainRuleName[]) if (rules.has(rule)) drafted.push({ type: 'data-integrity', text: DOMAIN_RULE_REQUIREMENTS[rule] });
  if (source.gxpRelevant) drafted.push({ type: 'regulatory', text: AUDIT_TRAIL }, { type: 'regulatory', text: VALIDATED_STATE });
  if (serialized) drafted.push({ type: 'regulatory', text: DSCSA }, { type: 'regulatory', text: FMD });
  return drafted;
}

/** One per operation of an OpenAPI contract, per message of an AsyncAPI one, else per message type. */
function functionalTexts(source: DraftSource, contract: DraftContract | null): string[] {
  if (contract?.format === 'openapi') {
    const operations = openApiOperations(contract.document as Json);
    if (operations.length) return operations.map(({ label, summary }) => `The interface shall provide ${label}${summary ? ` (${summary})` : ''}, with requests and responses that conform to the interface contract.`);
  }
  if (contract?.format === 'asyncapi') {
    const messages = [...new Set(contract.targets.filter((t) => t.kind === 'message' || t.kind === 'inbound-message').map((t) => t.name.replace(/^message /, '')))];
    if (messages.length) return messages.map(messageText);
  }
  return (source.messageTypes.length ? source.messageTypes : ['its']).map(messageText);
}

function messageText(name: string): string {
  return `The interface shall carry ${oneLine(name)} messages that conform to the interface contract; a message that does not is refused and reported.`;
}

/** METHOD /path and the operation's summary (or operationId), in the document's order. */
function openApiOperations(document: Json): Array<{ label: string; summary: string | null }> {
  const operations: Array<{ label: string; summary: string | null }> = [];
  const paths = deref(document, document.paths);
  if (!isObject(paths)) return operations;
  for (const [path, rawItem] of Object.entries(paths)) {
    const item = deref(document, rawItem);
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const operation = deref(document, item[method]);
      if (!isObject(operation)) continue;
      const summary = typeof operation.summary === 'string' && operation.summary.trim() ? operation.summary : typeof operation.operationId === 'string' ? operation.operationId : null;
      operations.push({ label: `${method.toUpperCase()} ${path}`, summary: summary === null ? null : oneLine(summary).replace(/[.]$/, '').slice(0, 200) });
    }
  }
  return operations;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function deref(document: Json, value: unknown): unknown {
  for (let depth = 0; depth < 16 && isObject(value) && typeof value.$ref === 'string'; depth += 1) {
    const target = resolveLocalRef(document, value.$ref);
    value = target === NOTHING ? undefined : target;
  }
  return value;
}

