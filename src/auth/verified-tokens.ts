// Bearer tokens whose signature and claims this server has already verified, with their claims: a
// client sends the same token on every request for up to its lifetime (15 minutes at most), and the
// HMAC, the two JSON decodes and the claim checks need not be redone each time. Only what changes
// with time — the expiry — is checked again on every use; what a token may do is still decided per
// request from its live session and user (Part 11 §11.10(d)).
import type jwt from 'jsonwebtoken';

export class VerifiedTokens {
  private readonly claims = new Map<string, jwt.JwtPayload & { exp: number }>();

  /** At most `max` tokens are remembered; the oldest go first. */
  constructor(private readonly max = 10_000) {}

  /** The claims of a token verified before, or undefined. Its expiry is the caller's to check. */
  get(token: string): (jwt.JwtPayload & { exp: number }) | undefined {
    return this.claims.get(token);
  }

  remember(token: string, claims: jwt.JwtPayload & { exp: number }): void {
    if (this.claims.size >= this.max) this.claims.delete(this.claims.keys().next().value!);
    this.claims.set(token, claims);
  }
}
