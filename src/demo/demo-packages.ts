// The demo's validation packages, made through the real services after the demo runs: one approved
// (drafted and submitted by QA, reviewed by IT, approved by the second QA person, each by Part 11
// signature) and one in review, still blocked by the fault showcase's open deviation — what a QA
// lead and an auditor look at first.
import type { Services } from '../services.js';
import type { RequestContext } from '../platform/request-context.js';
import { systemContext } from '../platform/request-context.js';

export interface DemoPackagesReport {
  approved: string | null;
  inReview: string | null;
}

/** The interface of the approved package: its runs pass and every requirement is traced. */
export const DEMO_APPROVED_SCOPE = 'IF-WMS-ERP-002';
/** The interface of the package in review: the fault showcase's deviation is still open. */
export const DEMO_IN_REVIEW_SCOPE = 'IF-ERP-WMS-001';

/**
 * Only on a workspace without packages. Signatures need the demo password; without it (a restart
 * with a password generated earlier) both packages stay in review.
 */
export async function seedDemoPackages(services: Services, people: DemoPeople, password: string | null): Promise<DemoPackagesReport> {
  if ((await services.packages.list()).length > 0) return { approved: null, inReview: null };
  const { qaLead, engineer, reviewer } = people;
  {
    const approved = await services.packages.create(qaLead, {
      title: 'Pick and ship confirmations, WMS to ERP',
      scope: [{ interface: DEMO_APPROVED_SCOPE }],
    });
    await services.packages.submit(qaLead, approved.id, 'ready for review: every requirement traced to a passing run');
    let approvedKey: string | null = null;
    if (password && engineer.sessionId && reviewer.sessionId && qaLead.sessionId) {
      const frozen = (await services.packages.manifest(approved.id))!;
      const signers: Record<string, { ctx: RequestContext; username: string }> = {
        reviewed: { ctx: engineer, username: 'it' },
        approved: { ctx: reviewer, username: 'qa2' },
        // A second QA person's release responsibility (high risk): the drafting QA lead may give it.
        responsible: { ctx: qaLead, username: 'qa' },
      };
      for (const requirement of frozen.manifest.requiredSignatures) {
        const signer = signers[requirement.meaning];
        if (!signer) continue;
        await services.signatures.sign(signer.ctx, { recordType: 'package', recordId: String(approved.id), version: frozen.revision, meaning: requirement.meaning, reason: `validation package ${requirement.meaning}`, username: signer.username, password });
      }
      if ((await services.packages.approvalBlockers(reviewer, approved.id)).length === 0) {
        await services.packages.approve(reviewer, approved.id, 'released for use: acceptance criteria met');
        approvedKey = approved.key;
      }
    }
    const inReview = await services.packages.create(engineer, { title: 'Outbound order release, ERP to WMS', scope: [{ interface: DEMO_IN_REVIEW_SCOPE }] });
    await services.packages.submit(engineer, inReview.id, 'for review: the WMS contract deviation is still under investigation');
    return { approved: approvedKey, inReview: inReview.key };
  }
}

/** The demo's engineer (it), QA lead (qa) and second QA person (qa2), signed in as signing needs. */
export interface DemoPeople {
  engineer: RequestContext;
  qaLead: RequestContext;
  reviewer: RequestContext;
  logout(): Promise<void>;
}

export async function signInDemoPeople(services: Services, password: string | null): Promise<DemoPeople> {
  const seeding = systemContext('demo records');
  const qaLead = await signedIn(services, 'qa', password, seeding);
  const engineer = await signedIn(services, 'it', password, seeding);
  const reviewer = await signedIn(services, 'qa2', password, seeding);
  return {
    engineer,
    qaLead,
    reviewer,
    logout: async () => {
      for (const ctx of [qaLead, engineer, reviewer]) if (ctx.sessionId) await services.auth.logout(ctx);
    },
  };
}

/** The demo user signed in (a session, as signing needs), or acting without one when the password is unknown. */
async function signedIn(services: Services, username: string, password: string | null, fallback: RequestContext): Promise<RequestContext> {
  if (password) {
    const login = await services.auth.login(fallback, username, password);
    return { ...fallback, actor: { userId: login.user.id, username: login.user.username, name: login.user.fullName, role: login.user.role }, sessionId: login.session.id };
  }
  const user = await services.users.findByUsername(username);
  return user ? { ...fallback, actor: { userId: user.id, username: user.username, name: user.fullName, role: user.role } } : fallback;
}
