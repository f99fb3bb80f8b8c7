// The role–permission matrix: the one place that says who may do what (Part 11 §11.10(d)(g)).
// Routes name a permission; the matrix names the roles that hold it. Auditors read everything and
// change nothing; administrators manage users and keys but hold no permission to sign or approve
// regulated records.

export const ROLES = ['admin', 'it', 'qa', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_TITLES: Record<Role, string> = {
  admin: 'Administrator',
  it: 'Integration / IT engineer',
  qa: 'QA / validation lead',
  auditor: 'Auditor / inspector',
};

const EVERYONE = ROLES;

export const PERMISSIONS = {
  /** Own session: who am I, refresh the token, log out. */
  'session:self': EVERYONE,
  'audit:read': EVERYONE,
  'audit:verify': EVERYONE,
  'audit:checkpoint': ['admin', 'qa'],
  'users:read': ['admin', 'qa', 'auditor'],
  'users:manage': ['admin'],
  'security-alerts:read': ['admin', 'auditor'],
  'security-alerts:manage': ['admin'],
  /** Access grants (signing rights): read like users; requested and cancelled by administrators. */
  'access-grants:read': ['admin', 'qa', 'auditor'],
  'access-grants:request': ['admin'],
  /**
   * Rejected by QA. Approval is not a permission of its own: it is an electronic signature
   * (`user-access`, `approved`) by a QA user who neither requested the grant nor receives it.
   */
  'access-grants:decide': ['qa'],
  /** Part 11 signatures; which meanings each role may give is declared per record type. */
  'records:sign': ['it', 'qa'],
  /** Several reviewed records in one signing action: QA sign-off only. */
  'records:sign-batch': ['qa'],
  'signatures:read': EVERYONE,
  /** The interface registry: `it` registers and edits, everyone reads. */
  'registry:read': EVERYONE,
  'registry:edit': ['it'],
  /** Requirement records (URS/FS) of an interface: written by `it`, read by everyone (`registry:read`). */
  'requirements:edit': ['it'],
  /** Risk assessments are made by QA (CSA / GAMP 5 risk method). */
  'risk:assess': ['qa'],
  /** Evidence: captured by those who test and review; read by all (inspectors above all). */
  'evidence:read': EVERYONE,
  'evidence:write': ['it', 'qa'],
  /** Scenarios are written and runs started by those who test. */
  'scenarios:edit': ['it', 'qa'],
  'runs:start': ['it', 'qa'],
  /** Validation packages: read by all (inspectors above all), drafted and submitted by it and qa, decided by QA. */
  'packages:read': EVERYONE,
  'packages:edit': ['it', 'qa'],
  'packages:decide': ['qa'],
  /** Change records: read by all, logged and moved on by it and qa; QA's approvals are signatures. */
  'changes:read': EVERYONE,
  'changes:edit': ['it', 'qa'],
  /**
   * Exports of the audit trail (CSV, the PDF report): whoever may read the trail may take it away,
   * so administrators keep the audit read rights they have (they investigate account events).
   * Each export is itself an audit event.
   */
  'audit:export': EVERYONE,
  /**
   * Exports of regulated records for review and inspection (the run evidence PDF, package PDFs and
   * bundles): those who test, review and inspect. Not administrators: they administer users and
   * keys and are not reviewers of regulated content (DESIGN.md §2). Each export is an audit event.
   */
  'records:export': ['it', 'qa', 'auditor'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/**
 * Permissions that change nothing; the only ones an auditor may hold besides its own session. An
 * export changes no record: the event it appends says who took what away, as a sign-in's does.
 */
export const READ_ONLY_PERMISSIONS: ReadonlySet<Permission> = new Set(['audit:read', 'audit:verify', 'audit:export', 'users:read', 'security-alerts:read', 'access-grants:read', 'signatures:read', 'registry:read', 'evidence:read', 'packages:read', 'changes:read', 'records:export']);

/**
 * Roles that can sign records at all (they hold `records:sign`). Moving a user into one of them is
 * a grant of signing rights: it waits for a second person's approval (Part 11 §11.10(g)).
 */
export const SIGNING_ROLES: readonly Role[] = PERMISSIONS['records:sign'];

export function isSigningRole(role: Role): boolean {
  return SIGNING_ROLES.includes(role);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && Object.hasOwn(PERMISSIONS, value);
}

export function roleHasPermission(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
