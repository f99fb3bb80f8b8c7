// The manifest of a validation package: canonical JSON of everything in its scope, frozen when
// the package is submitted. The package's signatures bind to this exact content (Part 11 §11.70),
// the PDF is rendered from it, and the export bundle carries it so a verifier without our server
// can recompute every digest. Nothing here is read from the live database once frozen.
import { digestOf } from '../platform/canonical-json.js';

export const MANIFEST_FORMAT = 'gxpw-package-manifest/1';

export type RequirementType = 'user' | 'functional' | 'data-integrity' | 'regulatory';

export type TraceGap =
  /** The requirement names no scenario that verifies it. */
  | 'no_scenario'
  /** A scenario verifies it but has no run for record in the package. */
  | 'not_run_for_record'
  /** The latest run for record failed and no closed deviation covers the failure. */
  | 'failed_without_closed_deviation';

export interface ManifestScopeItem {
  interfaceKey: string;
  interfaceName: string;
  source: string;
  target: string;
  layer: string;
  pattern: string;
  intendedUse: string;
  gxpRelevant: boolean;
  gampCategory: number | null;
  contractVersion: number;
  contractDigest: string;
  contractFormat: string;
  /** The assessment in force for this interface (id in `assessments`), null when there is none. */
  assessmentId: number | null;
  level: string | null;
  levelLabel: string | null;
  testDepth: string | null;
}

export interface ManifestRequirement {
  interfaceKey: string;
  /** Stable id, e.g. IF-SER-TP-009-R03. */
  key: string;
  version: number;
  type: RequirementType;
  text: string;
  risk: string;
  /** Keys of the scenarios (of this interface) that name this requirement. */
  scenarios: string[];
  /** SHA-256 of the requirement version's canonical content, as its record holds it. */
  digest: string;
}

export interface ManifestAssessment {
  id: number;
  interfaceKey: string;
  scope: string;
  model: { id: string; version: string; digest: string };
  level: string;
  levelLabel: string;
  testDepth: string;
  requiredSignatures: Array<{ meaning: string; roles: string[] }>;
  rationale: string[];
  assessedBy: string;
  assessedAt: string;
  reviewDue: string | null;
  digest: string;
}

export interface ManifestScenario {
  interfaceKey: string;
  key: string;
  version: number;
  name: string;
  category: string;
  requirements: string[];
  digest: string;
}

export interface ManifestStep {
  position: number;
  scenarioKey: string;
  scenarioVersion: number;
  name: string;
  category: string;
  requirements: string[];
  status: 'passed' | 'failed' | 'error';
  expected: string;
  actual: string;
  message: string | null;
  durationMs: number;
  evidence: { request: string | null; response: string | null };
}

export interface ManifestRun {
  id: number;
  interfaceKey: string;
  contractVersion: number;
  contractDigest: string;
  environment: string;
  baseUrl: string;
  status: string;
  /** The assurance plan the runner applied: level, depth and the reason in words. */
  assurance: { level: string | null; testDepth: string; reason: string };
  runnerVersion: string;
  executedBy: string;
  startedAt: string | null;
  finishedAt: string | null;
  steps: ManifestStep[];
  /** The record-state digest of the run as the audit trail holds it (record-states.ts). */
  digest: string;
}

export interface ManifestDeviation {
  id: number;
  version: number;
  runId: number;
  stepPosition: number;
  interfaceKey: string;
  title: string;
  status: string;
  description: string;
  impact: string;
  rootCause: string | null;
  resolution: string | null;
  closedAt: string | null;
  closedBy: string | null;
  digest: string;
}

export interface ManifestEvidence {
  digest: string;
  size: number;
  mediaType: string;
  runId: number;
  stepPosition: number;
  role: 'request' | 'response';
}

export interface TraceRow {
  interfaceKey: string;
  requirementKey: string;
  scenarioKey: string | null;
  runId: number | null;
  stepPosition: number | null;
  result: 'passed' | 'failed' | 'error' | null;
  evidence: string[];
  gap: TraceGap | null;
}

export interface PlanSection {
  id: string;
  title: string;
  text: string;
}

/** A signature the package needs before approval, from the risk of what it covers. */
export interface ManifestSignatureRequirement {
  meaning: string;
  roles: string[];
  source: string;
}

export interface PackageManifest {
  format: typeof MANIFEST_FORMAT;
  package: {
    id: number;
    /** e.g. VP-0003; stable across versions. */
    key: string;
    version: number;
    /**
     * Which submission of this version the manifest froze (1, 2, … after a rejection): the
     * signatures' record version, so a signature on an earlier submission never counts for this one.
     */
    revision: number;
    title: string;
    /** The package version this one supersedes, when it is a new version. */
    supersedes: { id: number; version: number } | null;
    createdBy: string;
    submittedBy: string;
    submittedAt: string;
  };
  scope: ManifestScopeItem[];
  plan: PlanSection[];
  requirements: ManifestRequirement[];
  assessments: ManifestAssessment[];
  scenarios: ManifestScenario[];
  runs: ManifestRun[];
  deviations: ManifestDeviation[];
  evidence: ManifestEvidence[];
  traceMatrix: TraceRow[];
  summary: {
    sections: PlanSection[];
    acceptanceMet: boolean;
    openItems: string[];
    releaseStatement: string;
  };
  requiredSignatures: ManifestSignatureRequirement[];
  /** Records whose audit events form the package's audit excerpt, as `type:id`. */
  auditRecords: string[];
}

/** SHA-256 over the manifest's RFC 8785 canonical JSON: what every package signature binds. */
export function manifestDigest(manifest: PackageManifest): string {
  return digestOf(manifest);
}
