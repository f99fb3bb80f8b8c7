// Serialization domain rules: what the EPCIS 2.0 and DSCSA JSON Schemas cannot express about a SET of
// messages — GS1 check digits, EPC URI syntax (GS1 Tag Data Standard), CBV 2.0 vocabularies, the
// lifecycle order of each serial, the aggregation hierarchy, and the DSCSA content of shipping events.
// Pure: no I/O, no clock, no shared state. It never throws on odd input, because it runs on whatever an
// interface under test returned; a message that is not an object is skipped.
//
// Events are the top-level messages whose `type` is an EPCIS event type, and the events inside an
// `EPCISDocument` (`/epcisBody/eventList`) or `EPCISQueryDocument` (`/epcisBody/queryResults/resultsBody/
// eventList`). A violation's `index` is always the position of the enclosing message in the set; its
// `pointer` leads from that message to the offending value.

export const DOMAIN_RULES = ['gs1-check-digits', 'epc-syntax', 'cbv-vocabulary', 'event-order', 'aggregation', 'dscsa-shipping'] as const;
export type DomainRule = (typeof DOMAIN_RULES)[number];

export interface RuleViolation {
  rule: DomainRule;
  message: string;
  /** Position of the message in the set. */
  index: number;
  /** JSON pointer (RFC 6901) inside that message. */
  pointer?: string;
  epc?: string;
}

export interface RuleReport {
  rule: DomainRule;
  /** Messages (gs1-check-digits), events (epc-syntax, cbv-vocabulary, event-order), AggregationEvents
   * (aggregation) or shipping events (dscsa-shipping) the rule looked at. */
  checked: number;
  /** At most MAX_VIOLATIONS_PER_RULE, sorted by `index`. */
  violations: RuleViolation[];
  /** Every violation found, including those beyond the cap. */
  violationCount: number;
}

/** Keeps 100,000 bad messages from becoming 100,000 violation objects; `violationCount` stays exact. */
export const MAX_VIOLATIONS_PER_RULE = 1000;

// ---------------------------------------------------------------------------------------------------------
// User-facing messages
// ---------------------------------------------------------------------------------------------------------

const MESSAGES = {
  gs1NotString: (label: string, kind: string) => `${label} must be a string of digits, found a ${kind} (a number loses leading zeros)`,
  gs1Length: (label: string, value: string, lengths: string) => `${label} ${show(value)} must be ${lengths}`,
  gs1CheckDigit: (label: string, value: string, expected: number) => `${label} ${show(value)} has a wrong check digit ${value[value.length - 1]}; expected ${expected}`,
  tooDeep: (depth: number) => `message is nested deeper than ${depth} levels; nothing below was checked`,
  epcListNotArray: (field: string) => `${field} must be an array of EPCs`,
  epcNotString: (field: string) => `${field} must hold EPC URI strings`,
  epcInvalid: (epc: string, problem: string) => `EPC ${show(epc)} is invalid: ${problem}`,
  cbvNotString: (field: string) => `${field} must be a string`,
  bizStepUnknown: (value: string) => `bizStep ${show(value)} is not a CBV 2.0 business step`,
  dispositionUnknown: (value: string) => `disposition ${show(value)} is not a CBV 2.0 disposition`,
  actionUnknown: (value: unknown) => `action ${show(String(value))} must be ADD, OBSERVE or DELETE`,
  eventTimeMissing: 'event has no eventTime, so it cannot be placed in time order',
  eventTimeUnparsable: (value: unknown) => `eventTime ${show(String(value))} is not a parsable RFC 3339 date-time with a time zone offset; event skipped`,
  beforeCommissioning: (step: string, epc: string, at: number) => `${step} event for ${epc} comes before its commissioning (message ${at})`,
  secondCommissioning: (epc: string, at: number) => `${epc} is commissioned a second time (first commissioning in message ${at})`,
  afterEnd: (epc: string, step: string, at: number) => `event for ${epc} comes after its ${step} (message ${at}); nothing may follow decommissioning or destroying`,
  receivedUnshipped: (epc: string) => `${epc} is received without an earlier shipping of it`,
  noParent: (action: string) => `${action} aggregation has no parentID`,
  ownChild: (epc: string) => `${epc} is its own child`,
  cycle: (child: string, parent: string) => `adding ${child} to ${parent} would make ${child} contain itself`,
  twoParents: (child: string, parent: string, current: string, at: number) =>
    `${child} is added to ${parent} while still inside ${current} (message ${at}); a child is in one parent at a time`,
  notAChild: (child: string, parent: string, current: string | undefined) =>
    `DELETE names ${child}, which is not a child of ${parent}${current === undefined ? '' : ` (it is inside ${current})`}`,
  noPartyList: (list: string, direction: string) => `shipping event has no ${list}; DSCSA needs the owning party the product is shipped ${direction} (type owning_party)`,
  noOwningParty: (list: string, field: string) => `shipping event has no ${field} of type owning_party in ${list}`,
  noBizTransaction: 'shipping event has no bizTransactionList entry; DSCSA needs a transaction reference (e.g. po, desadv, inv)',
};

/** Quotes a value for a message, cut short so one absurd value cannot bloat a report. */
function show(value: string): string {
  return `'${value.length > 80 ? `${value.slice(0, 80)}…` : value}'`;
}

// ---------------------------------------------------------------------------------------------------------
// Vocabularies: the complete CBV 2.0 lists, as the EPCIS 2.0 JSON-LD context enumerates them
// ---------------------------------------------------------------------------------------------------------

const BIZ_STEPS = new Set([
  'accepting', 'arriving', 'assembling', 'collecting', 'commissioning', 'consigning', 'creating_class_instance', 'cycle_counting',
  'decommissioning', 'departing', 'destroying', 'disassembling', 'dispensing', 'encoding', 'entering_exiting', 'holding',
  'inspecting', 'installing', 'killing', 'loading', 'other', 'packing', 'picking', 'receiving', 'removing', 'repackaging',
  'repairing', 'replacing', 'reserving', 'retail_selling', 'sampling', 'sensor_reporting', 'shipping', 'staging_outbound',
  'stock_taking', 'stocking', 'storing', 'transporting', 'unloading', 'unpacking', 'void_shipping',
]);

const DISPOSITIONS = new Set([
  'active', 'available', 'completeness_inferred', 'completeness_verified', 'conformant', 'container_closed', 'container_open',
  'damaged', 'destroyed', 'dispensed', 'disposed', 'encoded', 'expired', 'in_progress', 'in_transit', 'inactive',
  'mismatch_instance', 'mismatch_class', 'mismatch_quantity', 'needs_replacement', 'non_conformant', 'no_pedigree_match',
  'non_sellable_other', 'partially_dispensed', 'recalled', 'reserved', 'retail_sold', 'returned', 'sellable_accessible',
  'sellable_not_accessible', 'stolen', 'unavailable', 'unknown',
]);

const ACTIONS = new Set(['ADD', 'OBSERVE', 'DELETE']);

/** The three spellings EPCIS 2.0 allows for a CBV term: bare, URN, and the ref.gs1.org web URI. */
const CBV_FORMS = {
  bizStep: ['urn:epcglobal:cbv:bizstep:', 'https://ref.gs1.org/cbv/BizStep-'],
  disposition: ['urn:epcglobal:cbv:disp:', 'https://ref.gs1.org/cbv/Disp-'],
  sourceDestType: ['urn:epcglobal:cbv:sdt:', 'https://ref.gs1.org/cbv/SDT-'],
} as const;

/** The bare CBV term of a value in any of the three spellings (a foreign URI comes back unchanged). */
function cbvTerm(value: string, forms: readonly [string, string]): string {
  if (value.startsWith(forms[0])) return value.slice(forms[0].length);
  if (value.startsWith(forms[1])) return value.slice(forms[1].length);
  return value;
}

function bizStepOf(event: JsonObject): string | undefined {
  return typeof event.bizStep === 'string' ? cbvTerm(event.bizStep, CBV_FORMS.bizStep) : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// GS1 identifiers
// ---------------------------------------------------------------------------------------------------------

/** The mod-10 check digit for the digits before it: weights 3, 1, 3, … from the right (GS1 General Specifications §7.9.1). */
function expectedCheckDigit(digits: string): number {
  let sum = 0;
  let weight = 3;
  for (let i = digits.length - 2; i >= 0; i--) {
    sum += (digits.charCodeAt(i) - 48) * weight;
    weight = 4 - weight;
  }
  return (10 - (sum % 10)) % 10;
}

/** True for a GTIN-8/12/13/14, GLN-13 or SSCC-18 of digits only whose last digit is its mod-10 check digit. */
export function gs1CheckDigitValid(digits: string): boolean {
  if (typeof digits !== 'string' || !/^(?:\d{8}|\d{12,14}|\d{18})$/.test(digits)) return false;
  return expectedCheckDigit(digits) === digits.charCodeAt(digits.length - 1) - 48;
}

type Gs1Key = 'gtin' | 'gln' | 'sscc';

const GS1_KEYS: Record<Gs1Key, { label: string; lengths: readonly number[]; text: string }> = {
  gtin: { label: 'GTIN', lengths: [8, 12, 13, 14], text: '8, 12, 13 or 14 digits' },
  gln: { label: 'GLN', lengths: [13], text: '13 digits' },
  sscc: { label: 'SSCC', lengths: [18], text: '18 digits' },
};

function gs1KeyOf(key: string): Gs1Key | undefined {
  if (key.length !== 3 && key.length !== 4) return undefined;
  const lower = key.toLowerCase();
  return lower === 'gtin' || lower === 'gln' || lower === 'sscc' ? lower : undefined;
}

/** The problem with a GS1 key value, or undefined when it is valid (or null: absent is the schema's business). */
function gs1ValueProblem(key: Gs1Key, value: unknown): string | undefined {
  const { label, lengths, text } = GS1_KEYS[key];
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') return MESSAGES.gs1NotString(label, typeof value);
  if (!/^\d+$/.test(value) || !lengths.includes(value.length)) return MESSAGES.gs1Length(label, value, text);
  const expected = expectedCheckDigit(value);
  return expected === value.charCodeAt(value.length - 1) - 48 ? undefined : MESSAGES.gs1CheckDigit(label, value, expected);
}

/** One character of the GS1 AI encodable character set 82 (GS1 General Specifications, CSET 82). */
const CSET82_CHAR = /^[!"%-?A-Z_a-z]$/;
/** Characters of CSET 82 that may stand unescaped in an EPC pure-identity URI (TDS grammar, GS3A3Char). */
const URN_SAFE = /^[A-Za-z0-9!'()*+,\-.:;=_]{1,20}$/;
const URN_SAFE_CHAR = /^[A-Za-z0-9!'()*+,\-.:;=_]$/;
/** In a Digital Link path segment '&' is also allowed raw (RFC 3986 sub-delims); '"%/<>?' must be escaped. */
const DL_SAFE = /^[A-Za-z0-9!'()*+,\-.:;=_&]{1,20}$/;
const DL_SAFE_CHAR = /^[A-Za-z0-9!'()*+,\-.:;=_&]$/;

/** The problem with a serial/extension component (1–20 CSET 82 characters after %-decoding), or undefined. */
function gs1SerialProblem(component: string, what: string, safe: RegExp, safeChar: RegExp): string | undefined {
  if (safe.test(component)) return undefined;
  let length = 0;
  for (let i = 0; i < component.length; i++) {
    const c = component[i];
    if (c === '%') {
      const hex = component.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return `${what} has a malformed %-escape`;
      if (!CSET82_CHAR.test(String.fromCharCode(parseInt(hex, 16)))) return `${what} escapes %${hex}, which is outside the GS1 AI character set`;
      i += 2;
    } else if (!safeChar.test(c)) {
      return CSET82_CHAR.test(c) ? `${what} contains '${c}', which must be %-escaped` : `${what} contains '${c}', which is outside the GS1 AI character set`;
    }
    length++;
  }
  return length >= 1 && length <= 20 ? undefined : `${what} must have 1 to 20 characters, found ${length}`;
}

function companyPrefixProblem(prefix: string, rest: string, total: number, restName: string): string | undefined {
  if (prefix.length < 6 || prefix.length > 12) return `company prefix must have 6 to 12 digits, found ${prefix.length}`;
  if (prefix.length + rest.length !== total) return `company prefix and ${restName} must together have ${total} digits, found ${prefix.length + rest.length}`;
  return undefined;
}

const EPC_URN = 'urn:epc:id:';
const SGTIN_BODY = /^(\d+)\.(\d+)\.(.*)$/;
const SSCC_BODY = /^(\d+)\.(\d+)$/;
const SGLN_BODY = /^(\d+)\.(\d*)\.(.*)$/;
const DIGITAL_LINK = /^https:\/\/[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})?\/(01|00)\/([^/?#]*)(?:\/21\/([^/?#]*))?$/;

/** The problem with an instance-level EPC (TDS 2.x pure-identity URI or GS1 Digital Link URI), or undefined. */
function epcProblem(epc: string): string | undefined {
  if (epc.startsWith(EPC_URN)) {
    const rest = epc.slice(EPC_URN.length);
    const colon = rest.indexOf(':');
    const scheme = colon < 0 ? rest : rest.slice(0, colon);
    const body = colon < 0 ? '' : rest.slice(colon + 1);
    if (scheme === 'sgtin') {
      const m = SGTIN_BODY.exec(body);
      if (!m) return 'an SGTIN is urn:epc:id:sgtin:CompanyPrefix.ItemReference.Serial';
      return companyPrefixProblem(m[1], m[2], 13, 'item reference') ?? gs1SerialProblem(m[3], 'serial', URN_SAFE, URN_SAFE_CHAR);
    }
    if (scheme === 'sscc') {
      const m = SSCC_BODY.exec(body);
      if (!m) return 'an SSCC is urn:epc:id:sscc:CompanyPrefix.SerialReference';
      return companyPrefixProblem(m[1], m[2], 17, 'serial reference');
    }
    if (scheme === 'sgln') {
      const m = SGLN_BODY.exec(body);
      if (!m) return 'an SGLN is urn:epc:id:sgln:CompanyPrefix.LocationReference.Extension';
      return companyPrefixProblem(m[1], m[2], 12, 'location reference') ?? gs1SerialProblem(m[3], 'extension', URN_SAFE, URN_SAFE_CHAR);
    }
    return `EPC scheme '${scheme}' is not accepted here (sgtin, sscc, sgln)`;
  }
  const m = DIGITAL_LINK.exec(epc);
  if (!m) return 'not an EPC URI (urn:epc:id:sgtin|sscc|sgln:…) nor a GS1 Digital Link URI (https://…/01/{gtin}/21/{serial} or https://…/00/{sscc})';
  const [, ai, key, serial] = m;
  if (ai === '00') {
    if (serial !== undefined) return 'an SSCC Digital Link carries no serial';
    if (!/^\d{18}$/.test(key)) return `Digital Link SSCC must have 18 digits`;
    return gs1CheckDigitValid(key) ? undefined : `Digital Link SSCC has a wrong check digit; expected ${expectedCheckDigit(key)}`;
  }
  if (!/^\d{14}$/.test(key)) return 'Digital Link GTIN must have 14 digits';
  if (!gs1CheckDigitValid(key)) return `Digital Link GTIN has a wrong check digit; expected ${expectedCheckDigit(key)}`;
  if (serial === undefined) return 'a GTIN Digital Link needs a serial (/21/…) to name one instance';
  return gs1SerialProblem(serial, 'serial', DL_SAFE, DL_SAFE_CHAR);
}

// ---------------------------------------------------------------------------------------------------------
// Messages, events, time
// ---------------------------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const EVENT_TYPES = new Set(['ObjectEvent', 'AggregationEvent', 'TransactionEvent', 'TransformationEvent', 'AssociationEvent']);

interface EventRef {
  event: JsonObject;
  /** Position of the enclosing message in the set. */
  index: number;
  /** JSON pointer of the event inside its message ('' when the message is the event). */
  base: string;
  /** eventTime in ms since the epoch, NaN when missing or unparsable; computed on first use. */
  time?: number;
}

function eventListOf(message: JsonObject): { list: unknown; base: string } | undefined {
  const body = message.epcisBody;
  if (!isObject(body)) return undefined;
  if (message.type === 'EPCISDocument') return { list: body.eventList, base: '/epcisBody/eventList' };
  if (message.type === 'EPCISQueryDocument') {
    const results = isObject(body.queryResults) ? body.queryResults.resultsBody : undefined;
    return { list: isObject(results) ? results.eventList : undefined, base: '/epcisBody/queryResults/resultsBody/eventList' };
  }
  return undefined;
}

/** The events of a message set, in message order (and list order within a document). */
function collectEvents(messages: readonly unknown[]): EventRef[] {
  const events: EventRef[] = [];
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index];
    if (!isObject(message)) continue;
    if (typeof message.type === 'string' && EVENT_TYPES.has(message.type)) {
      events.push({ event: message, index, base: '' });
      continue;
    }
    const found = eventListOf(message);
    if (!found || !Array.isArray(found.list)) continue;
    found.list.forEach((event, position) => {
      if (isObject(event) && typeof event.type === 'string' && EVENT_TYPES.has(event.type)) events.push({ event, index, base: `${found.base}/${position}` });
    });
  }
  return events;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/** Milliseconds of an RFC 3339 date-time with offset (seconds optional), NaN otherwise. Computed from the
 * parts rather than by Date.parse, which would accept 30 February and a dozen other layouts. */
function parseEventTime(value: unknown): number {
  if (typeof value !== 'string') return NaN;
  const m = DATE_TIME.exec(value);
  if (!m) return NaN;
  const year = +m[1], month = +m[2], day = +m[3], hour = +m[4], minute = +m[5];
  const second = m[6] === undefined ? 0 : +m[6];
  const offsetHours = m[9] === undefined ? 0 : +m[9], offsetMinutes = m[10] === undefined ? 0 : +m[10];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return NaN;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return NaN;
  const millis = m[7] === undefined ? 0 : +m[7].slice(0, 3).padEnd(3, '0');
  const offset = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  // Date.UTC reads years 0–99 as 1900–1999; 400 Gregorian years are exactly 146,097 days.
  const utc = year < 100 ? Date.UTC(year + 400, month - 1, day, hour, minute, second, millis) - 146_097 * 86_400_000 : Date.UTC(year, month - 1, day, hour, minute, second, millis);
  return utc - offset;
}

function timeOf(ref: EventRef): number {
  if (ref.time === undefined) ref.time = parseEventTime(ref.event.eventTime);
  return ref.time;
}

/** Reports events without a usable eventTime and returns the others sorted by time, stable by set order. */
function inTimeOrder(events: readonly EventRef[], findings: Findings): EventRef[] {
  const timed: EventRef[] = [];
  for (const ref of events) {
    if (!Number.isNaN(timeOf(ref))) timed.push(ref);
    else if (ref.event.eventTime === undefined || ref.event.eventTime === null) findings.add(ref.index, MESSAGES.eventTimeMissing, ref.base || undefined);
    else findings.add(ref.index, MESSAGES.eventTimeUnparsable(ref.event.eventTime), `${ref.base}/eventTime`);
  }
  return timed.sort((a, b) => (a.time as number) - (b.time as number));
}

/** Where an event names a serial; the pointer is built only when a violation needs it. */
type SerialRef = [epc: string, field: 'parentID' | 'epcList' | 'childEPCs', position: number];

const serialPointer = ([, field, position]: SerialRef) => (field === 'parentID' ? '/parentID' : `/${field}/${position}`);

/** The distinct EPC strings an event names in parentID, epcList and childEPCs. */
function serialsOf(event: JsonObject): SerialRef[] {
  const found: SerialRef[] = [];
  if (typeof event.parentID === 'string') found.push([event.parentID, 'parentID', -1]);
  for (const field of ['epcList', 'childEPCs'] as const) {
    const list = event[field];
    if (!Array.isArray(list)) continue;
    for (let i = 0; i < list.length; i++) if (typeof list[i] === 'string') found.push([list[i] as string, field, i]);
  }
  if (found.length < 2) return found;
  const seen = new Set<string>();
  return found.filter(([epc]) => {
    if (seen.has(epc)) return false;
    seen.add(epc);
    return true;
  });
}

function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

class Findings {
  readonly violations: RuleViolation[] = [];
  count = 0;
  constructor(private readonly rule: DomainRule) {}

  add(index: number, message: string, pointer?: string, epc?: string): void {
    this.count++;
    if (this.violations.length >= MAX_VIOLATIONS_PER_RULE) return;
    const violation: RuleViolation = { rule: this.rule, message, index };
    if (pointer !== undefined) violation.pointer = pointer;
    if (epc !== undefined) violation.epc = epc;
    this.violations.push(violation);
  }

  report(checked: number): RuleReport {
    return { rule: this.rule, checked, violations: this.violations.sort((a, b) => a.index - b.index), violationCount: this.count };
  }
}

// ---------------------------------------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------------------------------------

/** Deep enough for any real message, shallow enough that recursion cannot overflow the stack. */
const MAX_DEPTH = 256;

function checkGs1CheckDigits(messages: readonly unknown[], findings: Findings): number {
  let checked = 0;
  const seen = new Set<object>();
  const path: string[] = [];
  const pointer = () => (path.length === 0 ? '' : `/${path.map(escapePointerToken).join('/')}`);
  let index = 0;
  const visit = (value: unknown, depth: number, key: Gs1Key | undefined): void => {
    if (typeof value !== 'object' || value === null) {
      if (key === undefined) return;
      const problem = gs1ValueProblem(key, value);
      if (problem !== undefined) findings.add(index, problem, pointer());
      return;
    }
    if (seen.has(value)) return; // only a hand-built object graph can get here: JSON has no shared nodes or cycles
    seen.add(value);
    if (depth >= MAX_DEPTH) {
      findings.add(index, MESSAGES.tooDeep(MAX_DEPTH), pointer());
      return;
    }
    if (Array.isArray(value)) {
      // `gtin: ['…', '…']` — an array under a GS1 key holds values of that key
      for (let i = 0; i < value.length; i++) {
        path.push(String(i));
        visit(value[i], depth + 1, key);
        path.pop();
      }
      return;
    }
    for (const name of Object.keys(value)) {
      path.push(name);
      visit((value as JsonObject)[name], depth + 1, gs1KeyOf(name));
      path.pop();
    }
  };
  for (index = 0; index < messages.length; index++) {
    const message = messages[index];
    if (typeof message !== 'object' || message === null) continue;
    checked++;
    seen.clear();
    visit(message, 0, undefined);
  }
  return checked;
}

const EPC_LIST_FIELDS = ['epcList', 'childEPCs', 'inputEPCList', 'outputEPCList'] as const;

function checkEpcSyntax(events: readonly EventRef[], findings: Findings): number {
  const checkOne = (ref: EventRef, epc: unknown, pointer: string, field: string) => {
    if (typeof epc !== 'string') {
      findings.add(ref.index, MESSAGES.epcNotString(field), ref.base + pointer);
      return;
    }
    const problem = epcProblem(epc);
    if (problem !== undefined) findings.add(ref.index, MESSAGES.epcInvalid(epc, problem), ref.base + pointer, epc);
  };
  for (const ref of events) {
    const { event } = ref;
    if (event.parentID !== undefined && event.parentID !== null) checkOne(ref, event.parentID, '/parentID', 'parentID');
    for (const field of EPC_LIST_FIELDS) {
      const list = event[field];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) {
        findings.add(ref.index, MESSAGES.epcListNotArray(field), `${ref.base}/${field}`);
        continue;
      }
      for (let i = 0; i < list.length; i++) checkOne(ref, list[i], `/${field}/${i}`, field);
    }
  }
  return events.length;
}

function checkCbvVocabulary(events: readonly EventRef[], findings: Findings): number {
  for (const { event, index, base } of events) {
    const { bizStep, disposition, action } = event;
    if (bizStep !== undefined && bizStep !== null) {
      if (typeof bizStep !== 'string') findings.add(index, MESSAGES.cbvNotString('bizStep'), `${base}/bizStep`);
      else if (!BIZ_STEPS.has(cbvTerm(bizStep, CBV_FORMS.bizStep))) findings.add(index, MESSAGES.bizStepUnknown(bizStep), `${base}/bizStep`);
    }
    if (disposition !== undefined && disposition !== null) {
      if (typeof disposition !== 'string') findings.add(index, MESSAGES.cbvNotString('disposition'), `${base}/disposition`);
      else if (!DISPOSITIONS.has(cbvTerm(disposition, CBV_FORMS.disposition))) findings.add(index, MESSAGES.dispositionUnknown(disposition), `${base}/disposition`);
    }
    if (action !== undefined && action !== null && !(typeof action === 'string' && ACTIONS.has(action))) {
      findings.add(index, MESSAGES.actionUnknown(action), `${base}/action`);
    }
  }
  return events.length;
}

/** CBV steps that end a serial's life: no event for it may follow. */
const END_OF_LIFE = new Set(['decommissioning', 'destroying']);

function checkEventOrder(events: readonly EventRef[], findings: Findings): number {
  const timed = inTimeOrder(events, findings);
  const serials = timed.map((ref) => serialsOf(ref.event));
  const steps = timed.map((ref) => bizStepOf(ref.event));

  // Pass 1: where in time each serial is first commissioned, so earlier events can be told apart.
  const firstCommissioning = new Map<string, number>();
  for (let p = 0; p < timed.length; p++) {
    if (steps[p] !== 'commissioning') continue;
    for (const [epc] of serials[p]) if (!firstCommissioning.has(epc)) firstCommissioning.set(epc, p);
  }

  // Pass 2: walk each serial's life in time order.
  const lives = new Map<string, { shipped: boolean; ended?: { step: string; index: number } }>();
  for (let p = 0; p < timed.length; p++) {
    const { index, base } = timed[p];
    const step = steps[p];
    for (const serial of serials[p]) {
      const epc = serial[0];
      let life = lives.get(epc);
      if (life?.ended) {
        findings.add(index, MESSAGES.afterEnd(epc, life.ended.step, life.ended.index), base + serialPointer(serial), epc);
        continue;
      }
      const first = firstCommissioning.get(epc);
      if (first !== undefined && p < first) findings.add(index, MESSAGES.beforeCommissioning(step ?? 'an', epc, timed[first].index), base + serialPointer(serial), epc);
      else if (step === 'commissioning' && first !== undefined && p > first) findings.add(index, MESSAGES.secondCommissioning(epc, timed[first].index), base + serialPointer(serial), epc);
      if (step === 'receiving' && !life?.shipped) findings.add(index, MESSAGES.receivedUnshipped(epc), base + serialPointer(serial), epc);
      if (step === 'shipping' || step === 'void_shipping' || (step !== undefined && END_OF_LIFE.has(step))) {
        if (!life) lives.set(epc, (life = { shipped: false }));
        if (step === 'shipping') life.shipped = true;
        else if (step === 'void_shipping') life.shipped = false; // CBV: the prior shipping did not happen
        else life.ended = { step, index };
      }
    }
  }
  return events.length;
}

/** Bounds the walk up the hierarchy when looking for a cycle; real packaging is a handful of levels. */
const MAX_NESTING = 64;

function checkAggregation(events: readonly EventRef[], findings: Findings): number {
  const aggregations = events.filter((ref) => ref.event.type === 'AggregationEvent');
  const parentOf = new Map<string, { parent: string; index: number }>();
  const childrenOf = new Map<string, Set<string>>();
  const detach = (child: string) => {
    const current = parentOf.get(child);
    if (current) childrenOf.get(current.parent)?.delete(child);
    parentOf.delete(child);
  };
  const isAncestorOf = (candidate: string, epc: string) => {
    let at = epc;
    for (let level = 0; level < MAX_NESTING; level++) {
      const up = parentOf.get(at);
      if (!up) return false;
      if (up.parent === candidate) return true;
      at = up.parent;
    }
    return false;
  };

  for (const { event, index, base } of inTimeOrder(aggregations, findings)) {
    const { action, parentID: parent } = event;
    if (action !== 'ADD' && action !== 'DELETE') continue;
    if (typeof parent !== 'string' || parent === '') {
      findings.add(index, MESSAGES.noParent(action), base || undefined);
      continue;
    }
    const children = Array.isArray(event.childEPCs) ? event.childEPCs : [];
    if (action === 'DELETE' && children.length === 0) {
      // EPCIS 2.0 AggregationEvent: a DELETE without childEPCs disaggregates everything in the parent
      for (const child of childrenOf.get(parent) ?? []) parentOf.delete(child);
      childrenOf.delete(parent);
      continue;
    }
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (typeof child !== 'string') continue; // epc-syntax reports it
      const pointer = `${base}/childEPCs/${i}`;
      const current = parentOf.get(child);
      if (action === 'DELETE') {
        if (current?.parent === parent) detach(child);
        else findings.add(index, MESSAGES.notAChild(child, parent, current?.parent), pointer, child);
        continue;
      }
      if (child === parent) {
        findings.add(index, MESSAGES.ownChild(child), pointer, child);
        continue;
      }
      if (isAncestorOf(child, parent)) {
        findings.add(index, MESSAGES.cycle(child, parent), pointer, child);
        continue;
      }
      if (current && current.parent !== parent) findings.add(index, MESSAGES.twoParents(child, parent, current.parent, current.index), pointer, child);
      if (current?.parent === parent) continue;
      detach(child); // the latest ADD is the hierarchy of record, so later events are judged against it
      parentOf.set(child, { parent, index });
      let set = childrenOf.get(parent);
      if (!set) childrenOf.set(parent, (set = new Set()));
      set.add(child);
    }
  }
  return aggregations.length;
}

function hasOwningParty(list: unknown[], field: 'source' | 'destination'): boolean {
  return list.some(
    (entry) =>
      isObject(entry) &&
      typeof entry.type === 'string' &&
      cbvTerm(entry.type, CBV_FORMS.sourceDestType) === 'owning_party' &&
      typeof entry[field] === 'string' &&
      entry[field] !== '',
  );
}

function checkDscsaShipping(events: readonly EventRef[], findings: Findings): number {
  let checked = 0;
  for (const { event, index, base } of events) {
    if (event.type !== 'ObjectEvent' && event.type !== 'AggregationEvent') continue;
    if (bizStepOf(event) !== 'shipping') continue;
    checked++;
    // FD&C Act §581(26) (21 U.S.C. 360eee(26)): transaction information names whom ownership passes from and to.
    for (const [list, field, direction] of [['sourceList', 'source', 'from'], ['destinationList', 'destination', 'to']] as const) {
      const entries = event[list];
      if (!Array.isArray(entries) || entries.length === 0) findings.add(index, MESSAGES.noPartyList(list, direction), `${base}/${list}`);
      else if (!hasOwningParty(entries, field)) findings.add(index, MESSAGES.noOwningParty(list, field), `${base}/${list}`);
    }
    const transactions = event.bizTransactionList;
    const referenced = Array.isArray(transactions) && transactions.some((entry) => isObject(entry) && typeof entry.bizTransaction === 'string' && entry.bizTransaction !== '');
    if (!referenced) findings.add(index, MESSAGES.noBizTransaction, `${base}/bizTransactionList`);
  }
  return checked;
}

/**
 * Runs the given rules over a message set and returns one report per rule, in the order the rules are
 * given (a rule named twice is run once). Violations within a report are sorted by message index; the
 * time-ordered rules (event-order, aggregation) find them in eventTime order, so when more than
 * MAX_VIOLATIONS_PER_RULE exist the kept ones are the earliest in time. Pure; never throws on odd
 * messages (a non-object message is skipped). An unknown rule name is a programming error and throws a
 * RangeError.
 */
export function applyDomainRules(messages: unknown[], rules: readonly DomainRule[]): RuleReport[] {
  const set: readonly unknown[] = Array.isArray(messages) ? messages : [];
  let events: EventRef[] | undefined;
  const eventsOf = () => (events ??= collectEvents(set));
  const reports: RuleReport[] = [];
  // One check per rule; gs1-check-digits reads every message, the others the EPCIS events in them.
  const checks: Record<DomainRule, (findings: Findings) => number> = {
    'gs1-check-digits': (findings) => checkGs1CheckDigits(set, findings),
    'epc-syntax': (findings) => checkEpcSyntax(eventsOf(), findings),
    'cbv-vocabulary': (findings) => checkCbvVocabulary(eventsOf(), findings),
    'event-order': (findings) => checkEventOrder(eventsOf(), findings),
    aggregation: (findings) => checkAggregation(eventsOf(), findings),
    'dscsa-shipping': (findings) => checkDscsaShipping(eventsOf(), findings),
  };
  const done = new Set<DomainRule>();
  for (const rule of rules) {
    if (done.has(rule)) continue;
    done.add(rule);
    const check = checks[rule];
    if (!check) throw new RangeError(`Unknown domain rule '${String(rule)}'; known rules: ${DOMAIN_RULES.join(', ')}`);
    const findings = new Findings(rule);
    reports.push(findings.report(check(findings)));
  }
  return reports;
}
