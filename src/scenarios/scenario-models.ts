// Rows of scenarios, runs and run steps (migrations 0005, 0007). JSON-valued columns hold JSON text.
import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type ModelStatic, type Sequelize } from 'sequelize';
import type { RecordStateDefinition } from '../audit/record-states.js';

export const RUN_STATUSES = ['queued', 'running', 'passed', 'failed', 'error', 'aborted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export type StepStatus = 'passed' | 'failed' | 'error';

/**
 * Scenarios and runs (with their steps) as `gxpw verify` reconciles them (record-states.ts). A run's
 * heartbeat and holder change without events by design; while it executes, its steps are written
 * without an event each, so it is compared once its end (finished or aborted) is audited.
 */
export const SCENARIO_RECORD_STATES: RecordStateDefinition[] = [
  {
    type: 'scenario',
    table: 'scenarios',
    idColumn: 'id',
    idKind: 'integer',
    columns: { interface_id: 'integer', key: 'text', version: 'integer', name: 'text', category: 'text', contract_version: 'integer', definition: 'text', digest: 'text', created_at: 'text', created_by: 'integer', created_by_name: 'text' },
  },
  {
    type: 'run',
    table: 'runs',
    idColumn: 'id',
    idKind: 'integer',
    columns: {
      interface_id: 'integer', interface_key: 'text', contract_version: 'integer', contract_digest: 'text', environment: 'text', base_url: 'text', dry_run: 'boolean',
      assurance: 'text', scenarios: 'text', runner_version: 'text', seed: 'text', status: 'text', summary: 'text', started_by: 'integer', started_by_name: 'text',
      queued_at: 'text', started_at: 'text', finished_at: 'text', environment_reference: 'text',
    },
    parts: {
      table: 'run_steps',
      parentColumn: 'run_id',
      orderBy: ['position', 'id'],
      columns: {
        id: 'integer', position: 'integer', scenario_key: 'text', scenario_version: 'integer', name: 'text', category: 'text', requirements: 'text', status: 'text',
        expected: 'text', actual: 'text', message: 'text', duration_ms: 'integer', request_evidence: 'text', response_evidence: 'text',
      },
    },
    inProgress: { column: 'status', values: ['queued', 'running'], settledBy: ['run.finished', 'run.aborted'] },
  },
];

export class Scenario extends Model<InferAttributes<Scenario>, InferCreationAttributes<Scenario>> {
  declare id: CreationOptional<number>;
  declare interfaceId: number;
  declare key: string;
  declare version: number;
  declare name: string;
  declare category: string;
  declare contractVersion: number;
  declare definition: string;
  declare digest: string;
  declare createdAt: string;
  declare createdBy: number | null;
  declare createdByName: string;
}

export class Run extends Model<InferAttributes<Run>, InferCreationAttributes<Run>> {
  declare id: CreationOptional<number>;
  declare interfaceId: number;
  declare interfaceKey: string;
  declare contractVersion: number;
  declare contractDigest: string;
  declare environment: string;
  /** The URL the run's requests went to (a `self:` reference resolved). */
  declare baseUrl: string;
  /** The environment's base URL as the interface gives it, when it is a `self:` reference (migration 0011); null otherwise. */
  declare environmentReference: CreationOptional<string | null>;
  declare dryRun: boolean;
  declare assurance: string;
  declare scenarios: string;
  declare runnerVersion: string;
  declare seed: string;
  declare status: RunStatus;
  declare summary: string | null;
  declare startedBy: number | null;
  declare startedByName: string;
  declare queuedAt: string;
  declare startedAt: string | null;
  declare finishedAt: string | null;
  /** Last sign of life of the process holding the run (queued in it or executing it), refreshed while it works (migration 0007). */
  declare heartbeatAt: string | null;
  /** Which process holds the run: recovery never aborts a run whose holder still beats. */
  declare runnerInstance: string | null;
}

export class RunStep extends Model<InferAttributes<RunStep>, InferCreationAttributes<RunStep>> {
  declare id: CreationOptional<number>;
  declare runId: number;
  declare position: number;
  declare scenarioKey: string;
  declare scenarioVersion: number;
  declare name: string;
  declare category: string;
  declare requirements: string;
  declare status: StepStatus;
  declare expected: string;
  declare actual: string;
  declare message: string | null;
  declare durationMs: number;
  declare requestEvidence: string | null;
  declare responseEvidence: string | null;
}

export interface ScenarioModels {
  Scenario: ModelStatic<Scenario>;
  Run: ModelStatic<Run>;
  RunStep: ModelStatic<RunStep>;
}

export function defineScenarioModels(sequelize: Sequelize): ScenarioModels {
  const { INTEGER, STRING, TEXT, BOOLEAN } = DataTypes;
  const options = { sequelize, underscored: true, timestamps: false };
  class BoundScenario extends Scenario {}
  BoundScenario.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      interfaceId: { type: INTEGER, allowNull: false },
      key: { type: STRING(64), allowNull: false },
      version: { type: INTEGER, allowNull: false },
      name: { type: STRING(200), allowNull: false },
      category: { type: STRING(16), allowNull: false },
      contractVersion: { type: INTEGER, allowNull: false },
      definition: { type: TEXT, allowNull: false },
      digest: { type: STRING(64), allowNull: false },
      createdAt: { type: STRING(24), allowNull: false },
      createdBy: { type: INTEGER, allowNull: true },
      createdByName: { type: STRING(200), allowNull: false },
    },
    { ...options, tableName: 'scenarios' },
  );
  class BoundRun extends Run {}
  BoundRun.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      interfaceId: { type: INTEGER, allowNull: false },
      interfaceKey: { type: STRING(64), allowNull: false },
      contractVersion: { type: INTEGER, allowNull: false },
      contractDigest: { type: STRING(64), allowNull: false },
      environment: { type: STRING(32), allowNull: false },
      baseUrl: { type: STRING(500), allowNull: false },
      environmentReference: { type: STRING(500), allowNull: true },
      dryRun: { type: BOOLEAN, allowNull: false },
      assurance: { type: TEXT, allowNull: false },
      scenarios: { type: TEXT, allowNull: false },
      runnerVersion: { type: STRING(32), allowNull: false },
      seed: { type: STRING(32), allowNull: false },
      status: { type: STRING(16), allowNull: false },
      summary: { type: TEXT, allowNull: true },
      startedBy: { type: INTEGER, allowNull: true },
      startedByName: { type: STRING(200), allowNull: false },
      queuedAt: { type: STRING(24), allowNull: false },
      startedAt: { type: STRING(24), allowNull: true },
      finishedAt: { type: STRING(24), allowNull: true },
      heartbeatAt: { type: STRING(24), allowNull: true },
      runnerInstance: { type: STRING(64), allowNull: true },
    },
    { ...options, tableName: 'runs' },
  );
  class BoundRunStep extends RunStep {}
  BoundRunStep.init(
    {
      id: { type: INTEGER, primaryKey: true, autoIncrement: true },
      runId: { type: INTEGER, allowNull: false },
      position: { type: INTEGER, allowNull: false },
      scenarioKey: { type: STRING(64), allowNull: false },
      scenarioVersion: { type: INTEGER, allowNull: false },
      name: { type: STRING(200), allowNull: false },
      category: { type: STRING(16), allowNull: false },
      requirements: { type: TEXT, allowNull: false },
      status: { type: STRING(16), allowNull: false },
      expected: { type: TEXT, allowNull: false },
      actual: { type: TEXT, allowNull: false },
      message: { type: TEXT, allowNull: true },
      durationMs: { type: INTEGER, allowNull: false },
      requestEvidence: { type: STRING(64), allowNull: true },
      responseEvidence: { type: STRING(64), allowNull: true },
    },
    { ...options, tableName: 'run_steps' },
  );
  return { Scenario: BoundScenario, Run: BoundRun, RunStep: BoundRunStep };
}
