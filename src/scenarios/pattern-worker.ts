// The task of a pattern-matcher thread: each value tested against its pattern ('u' flag, as saved).
import type { PatternAnswer, PatternCheck } from './pattern-matcher.js';

export default function testPatterns(checks: PatternCheck[]): PatternAnswer[] {
  return checks.map(({ pattern, value }) => {
    let compiled: RegExp;
    try {
      compiled = new RegExp(pattern, 'u');
    } catch {
      return 'invalid';
    }
    return compiled.test(value);
  });
}
