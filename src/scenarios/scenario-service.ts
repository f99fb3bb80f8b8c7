// Scenarios per interface and contract version, stored as data. Each save is a new, immutable
// version with its own digest, so a run can say exactly which definitions it executed. A scenario
// is checked against its contract when it is saved: every step names an operation the contract has.
import { QueryTypes, type Transaction } from 'sequelize';
import type { AuditTrail } from '../audit/audit-trail.js';
import { UnusableEvidenceError, type EvidenceService } from '../evidence/evidence-service.js';
import { digestOf } from '../platform/canonical-json.js';
import type { Database } from '../platform/database.js';
import { NotFoundError, ValidationError, type ErrorDetail } from '../platform/errors.js';
import type { RequestContext } from '../platform/request-context.js';
import type { ContractService } from '../registry/contract-service.js';
import type { InterfaceService } from '../registry/interface-service.js';
import type { RequirementReferences, RequirementService } from '../registry/requirement-service.js';
import { shapeAtPointer } from '../registry/schema-shape.js';
import type { Scenario, ScenarioModels } from './scenario-models.js';
import { MAX_BODY_FIXTURE_BYTES, type ScenarioDefinition, type ScenarioStep } from './scenario-schema.js';
import { templateProblems } from './scenario-templates.js';

export class ScenarioService implements RequirementReferences {
  constructor(
    private readonly database: Database,
    private readonly models: ScenarioModels,
    private readonly interfaces: InterfaceService,
    private readonly contracts: ContractService,
    private readonly requirements: RequirementService,
    private readonly evidence: EvidenceService,
    private readonly audit: AuditTrail,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async save(ctx: RequestContext, interfaceKey: string, definition: ScenarioDefinition): Promise<Scenario> {
    const iface = await this.interfaces.get(interfaceKey);
    const contractVersion = definition.contractVersion ?? iface.currentContractVersion;
    if (!contractVersion) throw new ValidationError(`Interface ${interfaceKey} has no contract yet: register one before writing scenarios.`, [{ field: 'body.contractVersion', rule: 'required', message: 'the interface has no contract' }], 'no_contract');
    const contract = await this.contracts.get(interfaceKey, contractVersion);
    const compiled = this.contracts.compiledOf(contract).targets;
    const targets = new Set(compiled.map((t) => t.name));
    const problems: ErrorDetail[] = [];
    const captured = new Set<string>();
    for (const [index, step] of definition.steps.entries()) {
      const field = `body.steps.${index}`;
      problems.push(...renderingProblems(step, field, captured));
      for (const name of Object.keys(step.capture ?? {})) captured.add(name);
      if ((step.operation === undefined) === (step.messages === undefined)) {
        problems.push({ field, rule: 'oneOf', message: 'a step is either an exchange (operation) or a message set (messages): name exactly one' });
        continue;
      }
      if (step.messages) {
        // A message set sends nothing: exchange fields on it would be saved and silently never used.
        const exchangeOnly = EXCHANGE_FIELDS.filter((name) => step[name] !== undefined);
        if (exchangeOnly.length) problems.push({ field, rule: 'messageSet', message: `a message-set step takes no ${exchangeOnly.join(', ')}: those belong to exchange steps` });
        if (!targets.has(step.messages.target)) problems.push({ field: `${field}.messages.target`, rule: 'exists', message: `contract v${contractVersion} has no target '${step.messages.target}' (it has: ${[...targets].join(', ')})` });
        const fixture = step.messages.source.evidence;
        if (fixture && !(await this.evidence.list({ digest: fixture, limit: 1 })).length) problems.push(missingFixture(`${field}.messages.source.evidence`, fixture));
        continue;
      }
      if ([step.body !== undefined, step.bodyFrom !== undefined, step.generate !== undefined].filter(Boolean).length > 1) {
        problems.push({ field, rule: 'oneOf', message: 'a step sends body, bodyFrom or generate: name one at most' });
        continue;
      }
      if (step.bodyFrom) {
        const problem = await this.bodyFixtureProblem(ctx, `${field}.bodyFrom.evidence`, step.bodyFrom.evidence);
        if (problem) problems.push(problem);
      }
      if (![...targets].some((t) => t.startsWith(`${step.operation} `))) {
        problems.push({ field: `${field}.operation`, rule: 'exists', message: `contract v${contractVersion} has no operation ${step.operation}` });
        continue;
      }
      if (step.generate && !targets.has(`${step.operation} request`)) {
        problems.push({ field: `${field}.generate`, rule: 'requestSchema', message: `generated bodies come from the request schema of ${step.operation}: the contract must have one` });
      }
      if (step.expect?.schema === false) continue;
      for (const status of [step.expect?.status ?? []].flat()) {
        if (!targets.has(`${step.operation} → ${status}`)) problems.push({ field: `${field}.expect.status`, rule: 'exists', message: `contract v${contractVersion} defines no response ${status} with a body for ${step.operation} (set expect.schema to false to check the status only)` });
      }
      const rulesProblem = responseRulesProblem(`${field}.expect.domainRules`, step, definition.category, compiled, contractVersion);
      if (rulesProblem) problems.push(rulesProblem);
    }
    if (problems.length) throw new ValidationError(`The scenario does not fit contract v${contractVersion} of ${interfaceKey}.`, problems, 'scenario_invalid');

    const stored = { ...definition, contractVersion };
    return this.database.write(async (tx) => {
      const locked = await this.interfaces.locked(tx, interfaceKey);
      // Requirement keys name requirement records of this interface (422 otherwise); checked under
      // the interface's lock, which a retirement takes too, so none is retired while this is saved.
      await this.requirements.assertKnown(tx, locked, definition.requirements ?? []);
      const latest = await this.models.Scenario.findOne({ where: { interfaceId: locked.id, key: definition.key }, order: [['version', 'DESC']], transaction: tx });
      const scenario = await this.models.Scenario.create(
        {
          interfaceId: locked.id,
          key: definition.key,
          version: (latest?.version ?? 0) + 1,
          name: definition.name.trim(),
          category: definition.category,
          contractVersion,
          definition: JSON.stringify(stored),
          digest: digestOf(stored),
          createdAt: this.now().toISOString(),
          createdBy: ctx.actor.userId,
          createdByName: ctx.actor.name,
        },
        { transaction: tx },
      );
      await this.audit.record(tx, ctx, { action: 'scenario.saved', entityType: 'interface', entityId: interfaceKey, change: 'create', after: { key: scenario.key, version: scenario.version, category: scenario.category, contractVersion, digest: scenario.digest }, states: [{ type: 'scenario', id: scenario.id }] });
      return scenario;
    });
  }

  /** A body fixture must be catalogued evidence, intact on disk, and JSON. */
  private async bodyFixtureProblem(ctx: RequestContext, field: string, digest: string): Promise<ErrorDetail | undefined> {
    if (!(await this.evidence.list({ digest, limit: 1 })).length) return missingFixture(field, digest);
    try {
      await this.evidence.readJson(ctx, digest, MAX_BODY_FIXTURE_BYTES);
      return undefined;
    } catch (error) {
      if (!(error instanceof UnusableEvidenceError)) throw error;
      return { field, rule: 'json', message: `${error.message}: a body fixture must be a JSON document of at most ${MAX_BODY_FIXTURE_BYTES} bytes` };
    }
  }

  /** The newest version of every scenario of an interface. */
  async current(interfaceKey: string): Promise<Scenario[]> {
    const iface = await this.interfaces.get(interfaceKey);
    const all = await this.models.Scenario.findAll({ where: { interfaceId: iface.id }, order: [['key', 'ASC'], ['version', 'DESC']] });
    return all.filter((scenario, i) => i === 0 || all[i - 1]!.key !== scenario.key);
  }

  /** Requirement key → keys of the interface's current scenarios that name it (RequirementReferences). */
  async scenarioKeysByRequirement(interfaceId: number, tx?: Transaction): Promise<Map<string, string[]>> {
    const byRequirement = new Map<string, string[]>();
    for (const { scenarioKey, requirements } of await this.currentNamingRequirements(tx, interfaceId)) {
      for (const requirement of requirements) byRequirement.set(requirement, [...(byRequirement.get(requirement) ?? []), scenarioKey]);
    }
    return byRequirement;
  }

  /** Every current scenario, of every interface, that names a requirement (RequirementReferences). */
  async scenariosNamingRequirements(tx?: Transaction): Promise<Array<{ interfaceId: number; scenarioKey: string; requirements: string[] }>> {
    return this.currentNamingRequirements(tx);
  }

  /**
   * Current versions only, read as plain rows; the LIKE leaves out, in the database, the many
   * definitions that name no requirement (`"requirements":[]` or none) — the JSON is the judge.
   */
  private async currentNamingRequirements(tx?: Transaction, interfaceId?: number): Promise<Array<{ interfaceId: number; scenarioKey: string; requirements: string[] }>> {
    const rows = await this.database.sequelize.query<{ interfaceId: number; key: string; definition: string }>(
      `SELECT s.interface_id AS "interfaceId", s.key AS "key", s.definition AS "definition" FROM scenarios s
       WHERE ${interfaceId === undefined ? '' : 's.interface_id = :interfaceId AND '}s.definition LIKE :naming
       AND s.version = (SELECT MAX(t.version) FROM scenarios t WHERE t.interface_id = s.interface_id AND t.key = s.key)
`,
      { type: QueryTypes.SELECT, replacements: { interfaceId: interfaceId ?? null, naming: '%"requirements":["%' }, transaction: tx },
    );
    return rows
      .map((row) => ({ interfaceId: Number(row.interfaceId), scenarioKey: row.key, requirements: (JSON.parse(row.definition) as ScenarioDefinition).requirements ?? [] }))
      .filter((row) => row.requirements.length > 0)
      .sort((a, b) => a.interfaceId - b.interfaceId || (a.scenarioKey < b.scenarioKey ? -1 : a.scenarioKey > b.scenarioKey ? 1 : 0));
  }

  async get(interfaceKey: string, key: string, version?: number): Promise<Scenario> {
    const iface = await this.interfaces.get(interfaceKey);
    const scenario = await this.models.Scenario.findOne({ where: { interfaceId: iface.id, key, ...(version ? { version } : {}) }, order: [['version', 'DESC']] });
    if (!scenario) throw new NotFoundError(`Interface ${interfaceKey} has no scenario '${key}'${version ? ` version ${version}` : ''}.`, 'scenario_not_found');
    return scenario;
  }
}

/** What only an exchange step (one naming an operation) uses. */
const EXCHANGE_FIELDS = ['pathParams', 'query', 'headers', 'body', 'bodyFrom', 'timeoutMs', 'generate', 'expect', 'capture'] as const satisfies ReadonlyArray<keyof ScenarioStep>;

function missingFixture(field: string, digest: string): ErrorDetail {
  return { field, rule: 'exists', message: `no evidence item ${digest} to use as a fixture` };
}

/**
 * Domain rules read messages at a pointer of the answer: the contract's response schema for the
 * statuses the step expects (else its success statuses; a negative scenario's 4xx) must have an
 * object or array there. Undefined when the step has no rules or the pointer fits.
 */
function responseRulesProblem(field: string, step: ScenarioStep, category: string, targets: ReadonlyArray<{ name: string; schema: unknown }>, contractVersion: number): ErrorDetail | undefined {
  const rules = step.expect?.domainRules;
  if (!rules) return undefined;
  const statuses = [step.expect?.status ?? []].flat().map(String);
  const expected = (status: string) => (statuses.length ? statuses.includes(status) : category === 'negative' ? /^4\d\d$/.test(status) : /^2\d\d$/.test(status));
  const responses = targets.filter((t) => t.name.startsWith(`${step.operation} → `) && expected(t.name.slice(`${step.operation} → `.length)));
  const names = responses.map((t) => t.name).join(', ');
  // A named status without a body is reported under expect.status already.
  if (!responses.length) return statuses.length ? undefined : { field, rule: 'responseSchema', message: `domain rules read the answer, but contract v${contractVersion} describes no ${category === 'negative' ? '4xx' : '2xx'} response body for ${step.operation}` };
  const shapes = responses.map((t) => shapeAtPointer(t.schema, rules.pointer));
  if (shapes.includes('container')) return undefined;
  if (shapes.includes('scalar')) return { field: `${field}.pointer`, rule: 'type', message: `${rules.pointer || 'the body'} holds a single value in ${names}; domain rules read an array of messages or one message (an object)` };
  return { field: `${field}.pointer`, rule: 'exists', message: `the response schema of ${names} (contract v${contractVersion}) has nothing at ${rules.pointer}` };
}

export function presentScenario(scenario: Scenario, interfaceKey: string) {
  return {
    interface: interfaceKey,
    key: scenario.key,
    version: scenario.version,
    name: scenario.name,
    category: scenario.category,
    contractVersion: scenario.contractVersion,
    digest: scenario.digest,
    definition: JSON.parse(scenario.definition) as ScenarioDefinition,
    createdAt: scenario.createdAt,
    createdBy: { id: scenario.createdBy, name: scenario.createdByName },
  };
}

/**
 * What a run could not render or compile in a step, found at save rather than at run time: the
 * templates of the parts the runner renders, and each `matches` pattern (compiled as the runner does).
 */
function renderingProblems(step: ScenarioStep, field: string, captured: ReadonlySet<string>): ErrorDetail[] {
  const rendered = { pathParams: step.pathParams, query: step.query, headers: step.headers, body: step.body, 'expect.assertions': step.expect?.assertions, 'messages.source.inline': step.messages?.source.inline };
  const problems: ErrorDetail[] = Object.entries(rendered).flatMap(([part, value]) => templateProblems(value, captured).map((message) => ({ field: `${field}.${part}`, rule: 'template', message })));
  for (const [i, assertion] of (step.expect?.assertions ?? []).entries()) {
    if (assertion.matches === undefined || /\{\{/.test(assertion.matches)) continue;
    try {
      new RegExp(assertion.matches, 'u');
    } catch (error) {
      problems.push({ field: `${field}.expect.assertions.${i}.matches`, rule: 'pattern', message: `not a valid regular expression: ${(error as Error).message}` });
    }
  }
  return problems;
}
