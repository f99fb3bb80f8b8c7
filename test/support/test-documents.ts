// A signable record type defined by the tests, to prove the signature service on its own.
import type { SignableRecordType } from '../../src/signatures/signature-service.js';

/**
 * A versioned test document kept in memory: enough to exercise every rule of the service. Its
 * assurance level stands in for the risk model's (issue 4 registers risk assessments for real).
 */
export class TestDocuments {
  readonly versions = new Map<string, Array<{ content: unknown; authorIds: number[] }>>();
  readonly assuranceLevels = new Map<string, 'high' | 'low'>();
  readonly recordType: SignableRecordType = {
    type: 'test-document',
    meanings: { authored: ['it', 'qa'], reviewed: ['it', 'qa'], approved: ['qa'] },
    required: ['approved'],
    additionalRequirements: async (id) => (this.assuranceLevels.get(id) === 'high' ? [{ meaning: 'reviewed', roles: ['it'], source: 'assurance level high' }] : []),
    currentVersion: async (id) => this.versions.get(id)?.length ?? null,
    loadVersion: async (id, version) => this.versions.get(id)?.[version - 1] ?? null,
  };
  add(id: string, content: unknown, authorIds: number[]): void {
    this.versions.set(id, [...(this.versions.get(id) ?? []), { content, authorIds }]);
  }
}
