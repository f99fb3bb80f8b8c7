// Who is looking at a page, as the templates see it: name, role, the permissions the role holds
// (as flags, so a template can leave out what the role cannot do — the server refuses it anyway),
// the time zone times are shown in, and the form token.
import { PERMISSIONS, ROLE_TITLES, isRole, roleHasPermission, type Permission } from '../auth/roles.js';

export interface Viewer {
  signedIn: boolean;
  userId: number | null;
  username: string;
  name: string;
  role: string | null;
  roleTitle: string;
  /** `packages:decide` → `can.packagesDecide`; only the permissions the role holds are present. */
  can: Record<string, true>;
  timeZone: string;
  csrfToken: string;
  /** Seconds of inactivity after which the session ends (the page warns before). */
  idleTimeoutSeconds: number;
  idleTimeoutMinutes: number;
}

/** `access-grants:request` → `accessGrantsRequest`. */
export function permissionFlag(permission: string): string {
  return permission.replace(/[:-]([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

export function permissionFlags(role: string | null): Record<string, true> {
  const flags: Record<string, true> = {};
  if (!isRole(role)) return flags;
  for (const permission of Object.keys(PERMISSIONS) as Permission[]) {
    if (roleHasPermission(role, permission)) flags[permissionFlag(permission)] = true;
  }
  return flags;
}

export function roleTitle(role: string | null): string {
  return isRole(role) ? ROLE_TITLES[role] : '';
}

const ZONES = new Set(Intl.supportedValuesOf('timeZone').concat(['UTC']));

export function isTimeZone(value: unknown): value is string {
  return typeof value === 'string' && ZONES.has(value);
}

export function timeZones(): string[] {
  return [...ZONES].sort();
}
