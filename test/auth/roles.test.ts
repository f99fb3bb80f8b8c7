// The permission matrix itself (Part 11 §11.10(g)): separation of duties that must hold whatever
// routes are added later.
import { expect } from 'chai';
import { PERMISSIONS, READ_ONLY_PERMISSIONS, roleHasPermission, type Permission } from '../../src/auth/roles.js';

const ALL = Object.keys(PERMISSIONS) as Permission[];

describe('role–permission matrix', () => {
  it('gives auditors read-only permissions only (besides their own session)', () => {
    const held = ALL.filter((p) => roleHasPermission('auditor', p));
    expect(held.filter((p) => p !== 'session:self' && !READ_ONLY_PERMISSIONS.has(p))).to.deep.equal([]);
    expect(held).to.include.members(['audit:read', 'audit:verify', 'signatures:read']);
  });

  it('never lets administrators or auditors sign regulated records', () => {
    expect(roleHasPermission('admin', 'records:sign')).to.equal(false);
    expect(roleHasPermission('auditor', 'records:sign')).to.equal(false);
  });

  it('lets only administrators manage users and security alerts', () => {
    for (const permission of ['users:manage', 'security-alerts:manage'] as const) {
      expect(PERMISSIONS[permission]).to.deep.equal(['admin']);
    }
  });

  it('names only permissions that exist as read-only', () => {
    for (const permission of READ_ONLY_PERMISSIONS) expect(ALL).to.include(permission);
  });
});
