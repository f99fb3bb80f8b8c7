// Password rules (Part 11 §11.300(a)(b)): long enough, not the username, not a repeat of the
// current password. Aging is enforced at login from the configured maximum age.
import { ValidationError, type ErrorDetail } from '../platform/errors.js';

export const MAX_PASSWORD_LENGTH = 1024;

export class PasswordPolicy {
  constructor(
    readonly minLength: number,
    readonly maxAgeDays: number,
  ) {}

  /** Throws a 400 listing every rule the new password breaks. */
  assertAcceptable(password: string, username: string, field = 'body.password'): void {
    const problems: ErrorDetail[] = [];
    if (password.length < this.minLength) problems.push({ field, rule: 'minLength', message: `must be at least ${this.minLength} characters` });
    if (password.length > MAX_PASSWORD_LENGTH) problems.push({ field, rule: 'maxLength', message: `must be at most ${MAX_PASSWORD_LENGTH} characters` });
    // Short user names (it, qa) would forbid too many passwords by mere containment.
    const name = username.toLowerCase();
    const lowered = password.toLowerCase();
    if (name && (lowered === name || (name.length >= 4 && lowered.includes(name)))) {
      problems.push({ field, rule: 'notUsername', message: 'must not contain the username' });
    }
    if (/^(.)\1*$/.test(password)) problems.push({ field, rule: 'notRepeated', message: 'must not be one character repeated' });
    if (problems.length > 0) throw new ValidationError(`The password does not meet the password policy: ${problems.map((p) => p.message).join('; ')}.`, problems, 'weak_password');
  }

  /** When the password must be changed, or null when aging is off. */
  expiresAt(passwordChangedAt: Date): Date | null {
    if (this.maxAgeDays === 0) return null;
    return new Date(new Date(passwordChangedAt).getTime() + this.maxAgeDays * 86_400_000);
  }

  isExpired(passwordChangedAt: Date, now: Date): boolean {
    const expiresAt = this.expiresAt(passwordChangedAt);
    return expiresAt !== null && expiresAt.getTime() <= now.getTime();
  }
}
