// `gxpw user add|deactivate|reactivate|unlock|reset-password|list`: user administration on the
// server, through the same service (and the same checks and audit events) as the API.
import { randomBytes } from 'node:crypto';
import { presentAccessGrant } from '../../auth/access-grant-presenter.js';
import { isRole, ROLES } from '../../auth/roles.js';
import { presentUser } from '../../auth/user-presenter.js';
import { ValidationError } from '../../platform/errors.js';
import { cliContext, jsonOption, required, UsageError, type Command, type CommandValues } from '../command.js';
import { print } from '../output.js';
import { withMigratedServices } from '../with-services.js';

export const command: Command = {
  name: 'user',
  summary: 'Manage users: add, deactivate, reactivate, unlock, reset-password, list',
  usage: [
    'gxpw user add --username NAME --name "Printed Name" --role admin|it|qa|auditor [--email E] [--training-completed-at ISO-DATE] [--bootstrap-signer] [--password-stdin] [--json]',
    'gxpw user deactivate --username NAME --reason "why" [--json]',
    'gxpw user reactivate --username NAME --reason "why" [--json]',
    'gxpw user unlock --username NAME --reason "why" [--json]',
    'gxpw user reset-password --username NAME --reason "why" [--password-stdin] [--json]',
    'gxpw user list [--json]',
    '',
    'Without --password-stdin a random password is generated and printed once; the user must',
    'change it at first sign-in. A reset also lifts a lockout and ends the user\'s open sessions.',
    'A signing role (it, qa) and a training date are access grants a second QA person approves.',
    '--bootstrap-signer makes the first signer of a fresh install (it or qa) without that approval:',
    'allowed only while no signing grant was ever approved; audited and raised as a security alert.',
  ].join('\n'),
  options: {
    username: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string' },
    email: { type: 'string' },
    reason: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    'training-completed-at': { type: 'string' },
    'bootstrap-signer': { type: 'boolean' },
    ...jsonOption,
  },
  run: user,
};

async function user(values: CommandValues, [action]: string[]): Promise<number> {
  return withMigratedServices(async (services) => {
    const ctx = cliContext();
    if (action === 'list') {
      const users = (await services.users.list({})).map(presentUser);
      print(values, { users }, users.map((u) => `${u.id}\t${u.username}\t${u.role}\t${u.status}${u.locked ? ' (locked)' : ''}\t${u.fullName}`).join('\n'));
      return 0;
    }
    const username = required(values, 'username');
    if (action === 'add') {
      const role = required(values, 'role');
      if (!isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const { password, generated } = await passwordFor(values);
      const trainingCompletedAt = (values['training-completed-at'] as string | undefined) ?? null;
      const bootstrapSigner = values['bootstrap-signer'] === true;
      const created = await asUsage(() => services.users.create(ctx, { username, fullName: required(values, 'name'), role, password, email: (values.email as string) ?? null, trainingCompletedAt }, { bootstrapSigner }));
      const pending = (await services.accessGrants.list({ userId: created.id, status: 'pending' })).map(presentAccessGrant);
      const grantNote = bootstrapSigner
        ? '\nBootstrap signer: signing rights and training granted without a second person (audited, security alert raised); it signs once the user has chosen their own password.'
        : pending.map((g) => `\nAccess grant ${g.id} (${g.kind}) awaits approval by a second QA person (POST /api/v1/signatures, recordType user-access, recordId ${g.id}).`).join('');
      print(values, { user: presentUser(created), pendingAccessGrants: pending, generatedPassword: generated ? password : undefined }, `Created user ${created.username} (id ${created.id}, ${role}).${grantNote}${generated ? `\nInitial password (shown once; must be changed at first sign-in): ${password}` : ''}`);
      return 0;
    }
    const target = await services.users.findByUsername(username);
    if (!target) throw new UsageError(`no user named '${username}'`);
    if (action === 'deactivate') {
      const changed = await services.users.deactivate(ctx, target.id, required(values, 'reason'));
      print(values, { user: presentUser(changed) }, `Deactivated ${changed.username}. Its signatures and audit history stay.`);
      return 0;
    }
    if (action === 'reactivate') {
      const changed = await services.users.reactivate(ctx, target.id, required(values, 'reason'));
      print(values, { user: presentUser(changed) }, `Reactivated ${changed.username}.`);
      return 0;
    }
    if (action === 'unlock') {
      const changed = await services.users.unlock(ctx, target.id, required(values, 'reason'));
      print(values, { user: presentUser(changed) }, `Unlocked ${changed.username}; failed sign-ins count from zero again.`);
      return 0;
    }
    if (action === 'reset-password') {
      const reason = required(values, 'reason');
      const { password, generated } = await passwordFor(values);
      const changed = await asUsage(() => services.users.resetPassword(ctx, target.id, password, reason));
      print(values, { user: presentUser(changed), generatedPassword: generated ? password : undefined }, `Password of ${changed.username} reset (unlocked, sessions ended); it must be changed at next sign-in.${generated ? `\nNew password (shown once): ${password}` : ''}`);
      return 0;
    }
    throw new UsageError(`unknown user action '${action ?? ''}' (add, deactivate, reactivate, unlock, reset-password, list)`);
  });
}

/** Bad input to a user command (the same checks as the API's) is a usage error: exit 2, naming the option. */
async function asUsage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const options: Record<string, string> = { 'body.username': '--username', 'body.fullName': '--name', 'body.role': '--role', 'body.email': '--email', 'body.password': 'the password', 'body.trainingCompletedAt': '--training-completed-at' };
    const problems = error.details.map((d) => `${(d.field && options[d.field]) ?? d.field ?? ''} ${d.message}`.trim());
    throw new UsageError(problems.length ? problems.join('; ') : error.message);
  }
}

async function passwordFor(values: CommandValues): Promise<{ password: string; generated: boolean }> {
  if (!values['password-stdin']) return { password: randomBytes(15).toString('base64url'), generated: true };
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return { password: Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, ''), generated: false };
}
