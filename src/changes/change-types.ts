// The shapes of change control (issue 14; Annex 11 §10, Part 11 §11.10(f)(k)): what a change record
// holds, its states, the impact analysis and the release-item triage. Shared by the change service,
// the release-calendar intake, the change record PDF and the CLI.

export const CHANGE_TYPES = ['vendor-release', 'configuration', 'contract', 'new-interface', 'interface-retirement'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

/**
 * logged → assessed → approved-for-testing (QA signature) → tested → approved-for-implementation
 * (QA signature) → implemented → closed (QA signature); rejected or cancelled, with a reason, from
 * any open state.
 */
export const CHANGE_STATES = ['logged', 'assessed', 'approved-for-testing', 'tested', 'approved-for-implementation', 'implemented', 'closed', 'rejected', 'cancelled'] as const;
export type ChangeState = (typeof CHANGE_STATES)[number];
export const CLOSED_STATES: readonly ChangeState[] = ['closed', 'rejected', 'cancelled'];

/** Vendor release impact pattern (REGULATORY.md): High and Medium items need regression. */
export const TRIAGE_RATINGS = ['high', 'medium', 'low', 'n/a'] as const;
export type TriageRating = (typeof TRIAGE_RATINGS)[number];

/** One item of a vendor's release notes, as triaged. */
export interface ReleaseItem {
  /** Stable within the change: the vendor's id (e.g. "MULE-12345") or "item-3". */
  id: string;
  title: string;
  description: string | null;
  /** null until triaged. */
  rating: TriageRating | null;
  rationale: string | null;
  /** Keys of the affected interfaces a High or Medium item reaches. */
  interfaces: string[];
}

/** What is asked to change, as logged (or imported from a vendor release calendar). */
export interface NewChange {
  type: ChangeType;
  title: string;
  /** The affected platform, by its name as the registry keeps it (e.g. "MuleSoft Runtime"). */
  platform?: string | null;
  /** The affected system, by name. */
  system?: string | null;
  /** The interface of a contract change, a new interface or a retirement. */
  interface?: string | null;
  product?: string | null;
  versionFrom?: string | null;
  versionTo?: string | null;
  description: string;
  justification: string;
  /** YYYY-MM-DD. */
  plannedDate: string;
  /** Environment names the change goes through (e.g. ["test", "production"]). */
  environments: string[];
  releaseItems?: Array<{ id?: string; title: string; description?: string | null }>;
}

/** One interface the change reaches, as the impact analysis found it. */
export interface ImpactedInterface {
  key: string;
  name: string;
  riskLevel: string | null;
  /** How the change reaches it: it runs on the platform, touches the system, or is the contract's interface. */
  via: Array<'platform' | 'system' | 'contract' | 'interface'>;
}

/** The regression proposed for one affected interface. */
export interface ProposedRegression {
  interfaceKey: string;
  environment: string;
  testDepth: string;
  categories: string[];
  scenarios: string[];
  /** Why this depth and these scenarios: the risk level, the triage, the contract diff. */
  reason: string;
}

export interface ImpactAnalysis {
  computedAt: string;
  interfaces: ImpactedInterface[];
  /** For contract changes: the diff between the versions and who it reaches. */
  contractDiff: { from: number; to: number; breaking: boolean; changes: string[] } | null;
  regression: ProposedRegression[];
  /** Set when a person edited the computed analysis: why. */
  rationale: string | null;
}
