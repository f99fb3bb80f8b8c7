// View models of the administration pages: users with their role and state in words, access grants
// (what is asked for whom, by whom, and who may still decide it), security alerts and the server's
// public keys. Built from the API presenters' shapes, so the pages show what the API answers.
import { presentAccessGrant } from '../auth/access-grant-presenter.js';
import type { AccessGrant, SecurityAlert, User } from '../auth/auth-models.js';
import { presentSecurityAlert } from '../auth/security-alert-service.js';
import { presentUser } from '../auth/user-presenter.js';
import { ROLES, isSigningRole, type Role } from '../auth/roles.js';
import type { PublicKeyInfo } from '../platform/keyring.js';
import { roleTitle, type Viewer } from './viewer.js';

/** The tab bar of the admin pages: only the tabs this role may open. */
export function adminTabs(viewer: Viewer, current: 'users' | 'grants' | 'alerts' | 'keys') {
  const tabs = [
    { id: 'users', href: '/admin/users', label: 'Users', may: viewer.can.usersRead },
    { id: 'grants', href: '/admin/access-grants', label: 'Access grants', may: viewer.can.accessGrantsRead },
    { id: 'alerts', href: '/admin/security-alerts', label: 'Security alerts', may: viewer.can.securityAlertsRead },
    { id: 'keys', href: '/admin/keys', label: 'Keys', may: viewer.can.auditRead },
  ];
  return tabs.filter((tab) => tab.may).map(({ id, href, label }) => ({ href, label, current: id === current }));
}

/** Roles for a select, with the words that say what choosing a signing role means. */
export function roleOptions(selected?: string, except?: string) {
  return ROLES.filter((role) => role !== except).map((role) => ({
    value: role,
    label: `${roleTitle(role)}${isSigningRole(role) ? ' — signs records: waits for a second person’s approval' : ''}`,
    selected: role === selected,
  }));
}

const GRANT_STATES: Record<string, string> = {
  pending: 'Waiting for a second person’s approval',
  approved: 'Approved',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
};

export function grantStateWords(status: string): string {
  return GRANT_STATES[status] ?? status;
}

type PresentedGrant = ReturnType<typeof presentAccessGrant>;

/** What a grant asks for, in words. */
export function describeGrant(grant: Pick<PresentedGrant, 'kind' | 'requested'>): string {
  const requested = grant.requested as Record<string, string>;
  switch (grant.kind) {
    case 'role':
      return requested.fromRole === requested.toRole
        ? `Signing rights as ${roleTitle(requested.toRole ?? null)} again (reactivated)`
        : `Role ${roleTitle(requested.fromRole ?? null)} → ${roleTitle(requested.toRole ?? null)} (signing rights)`;
    case 'new-user':
      return `Signing rights for a new ${roleTitle(requested.role ?? null)} account`;
    case 'training':
      return `Training attested as completed on ${String(requested.trainingCompletedAt ?? '').slice(0, 10)}`;
    case 'password':
      return 'Signing with the password the user chose after an administrator set one';
    case 'bootstrap':
      return `First signer of this installation (${roleTitle(requested.role ?? null)})`;
    default:
      return grant.kind;
  }
}

export function presentGrantView(grant: AccessGrant, viewer: Viewer) {
  const view = presentAccessGrant(grant);
  const isRequester = viewer.userId !== null && view.requestedBy.id === viewer.userId;
  const isSubject = viewer.userId !== null && view.user.id === viewer.userId;
  const pending = view.status === 'pending';
  return {
    id: view.id,
    kind: view.kind,
    status: view.status,
    state: grantStateWords(view.status),
    pending,
    what: describeGrant(view),
    user: view.user,
    requestedBy: view.requestedBy,
    requestedAt: view.requestedAt,
    reason: view.reason,
    decision: view.decision,
    isRequester,
    isSubject,
    // QA decides; neither the requester nor the person who would receive it may (the service refuses too).
    mayDecide: pending && Boolean(viewer.can.accessGrantsDecide) && !isRequester && !isSubject,
    mayCancel: pending && Boolean(viewer.can.accessGrantsRequest),
  };
}

export function presentUserRow(user: User, pending: AccessGrant[], lastSignInAt: string | null) {
  const view = presentUser(user);
  return {
    ...view,
    roleTitle: roleTitle(view.role),
    statusWords: view.status === 'active' ? 'Active' : 'Deactivated',
    lastSignInAt,
    pendingGrants: pending.map((grant) => ({ id: grant.id, what: describeGrant(presentAccessGrant(grant)) })),
    canSign: view.signingGrantId !== null && isSigningRole(view.role as Role),
  };
}

const ALERT_KINDS: Record<string, string> = {
  account_locked: 'Account locked',
  repeated_failed_logins: 'Repeated failed sign-ins',
  access_grant_requested: 'Signing rights requested',
  access_grant_approved: 'Signing rights approved',
  signer_password_reset: 'Password of a signer reset',
  signing_bootstrapped: 'First signer bootstrapped',
};

export function presentAlertView(alert: SecurityAlert, usernames: ReadonlyMap<number, string>) {
  const view = presentSecurityAlert(alert);
  return {
    ...view,
    kindWords: ALERT_KINDS[view.kind] ?? view.kind.replaceAll('_', ' '),
    severityWords: `${view.severity[0]!.toUpperCase()}${view.severity.slice(1)} severity`,
    acknowledgedByName: view.acknowledgedBy === null ? null : (usernames.get(view.acknowledgedBy) ?? `user ${view.acknowledgedBy}`),
  };
}

export function presentKeyView(key: PublicKeyInfo) {
  return { ...key, fingerprintGroups: key.fingerprint.match(/.{1,8}/g)?.join(' ') ?? key.fingerprint };
}
