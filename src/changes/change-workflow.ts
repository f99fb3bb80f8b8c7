// The change record's state machine as data (Part 11 §11.10(f)): who moves a change from each state
// and how, the QA steps that are signatures, and the refusals that name the allowed next steps.
import { ConflictError, ValidationError } from '../platform/errors.js';
import type { ChangeContent } from './change-model.js';
import type { ChangeState } from './change-types.js';

/** Who moves a change from each state, and how: a plain transition by IT/QA, or a QA signature. */
export const NEXT: Record<ChangeState, Array<{ to: ChangeState; by: 'transition' | 'signature' }>> = {
  logged: [{ to: 'assessed', by: 'transition' }],
  assessed: [{ to: 'approved-for-testing', by: 'signature' }],
  'approved-for-testing': [{ to: 'tested', by: 'transition' }],
  tested: [{ to: 'approved-for-implementation', by: 'signature' }],
  'approved-for-implementation': [{ to: 'implemented', by: 'transition' }],
  implemented: [{ to: 'closed', by: 'signature' }],
  closed: [],
  rejected: [],
  cancelled: [],
};

/** The QA signature that moves a change on from a state, and where it moves it. */
export const SIGNED_STEP: Partial<Record<ChangeState, { meaning: string; to: ChangeState }>> = {
  assessed: { meaning: 'approved', to: 'approved-for-testing' },
  tested: { meaning: 'approved', to: 'approved-for-implementation' },
  implemented: { meaning: 'verified', to: 'closed' },
};

export function assertOneOf(content: ChangeContent, states: ChangeState[], what: string): void {
  if (!states.includes(content.state)) throw new ConflictError(`Change ${content.key} is ${content.state}: it is ${what} only while ${states.join(' or ')}.`, 'invalid_transition');
}

export function invalidTransition(content: ChangeContent): ConflictError {
  const next = NEXT[content.state].map((s) => (s.by === 'signature' ? `${s.to} (by QA signature '${SIGNED_STEP[content.state]!.meaning}')` : s.to));
  return new ConflictError(`Change ${content.key} is ${content.state}: the allowed next steps are ${[...next, 'rejected', 'cancelled'].join(', ')}.`, 'invalid_transition', [{ field: 'body.to', rule: 'transition', message: `allowed from ${content.state}: ${[...NEXT[content.state].map((s) => s.to), 'rejected', 'cancelled'].join(', ')}` }]);
}

/** A real calendar date written YYYY-MM-DD. */
export function checkedDate(value: string, field: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const date = match ? new Date(`${value}T00:00:00Z`) : null;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw new ValidationError(`'${value}' is not a date (YYYY-MM-DD).`, [{ field, rule: 'date', message: 'must be a calendar date YYYY-MM-DD' }], 'invalid_date');
  }
  return value;
}
