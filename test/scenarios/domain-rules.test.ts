// Serialization domain rules over sets of EPCIS 2.0 events and GS1 master data: check digits, EPC
// syntax, CBV vocabulary, lifecycle order per serial, the aggregation hierarchy and DSCSA shipping content.
// Check digits in the fixtures were computed by hand (weights 3,1,3… from the right) and are also asserted.
import { expect } from 'chai';
import fc from 'fast-check';
import {
  applyDomainRules,
  DOMAIN_RULES,
  gs1CheckDigitValid,
  MAX_VIOLATIONS_PER_RULE,
  type DomainRule,
  type RuleReport,
} from '../../src/scenarios/domain-rules.js';

// Hand-computed valid GS1 keys (company prefix 0614141, the GS1 example prefix).
const GTIN_14 = '00614141123452'; // 0·3+0·1+6·3+1·1+4·3+1·1+4·3+1·1+1·3+2·1+3·3+4·1+5·3 = 78 → 2
const GTIN_14_INDICATOR_8 = '80614141123458'; // 102 → 8
const GTIN_13 = '0614141000005'; // also a GLN-13: 45 → 5
const GTIN_12 = '036000291452'; // UPC-A: 58 → 2
const GTIN_8 = '96385074'; // 86 → 4
const GLN = '0614141000005';
const SSCC = '106141412345678908'; // 132 → 8

const sgtin = (serial: string | number) => `urn:epc:id:sgtin:0614141.812345.${serial}`;
const sscc = (serialRef: string | number) => `urn:epc:id:sscc:0614141.${String(serialRef).padStart(10, '0')}`;
const SGLN = 'urn:epc:id:sgln:0614141.00001.0';
const T0 = Date.UTC(2025, 2, 3, 8, 0, 0);
/** An RFC 3339 eventTime `minutes` after 08:00Z on 3 March 2025. */
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

const OWNING_PARTIES = {
  sourceList: [
    { type: 'owning_party', source: 'urn:epc:id:sgln:0614141.00000.0' },
    { type: 'location', source: SGLN },
  ],
  destinationList: [
    { type: 'owning_party', destination: 'urn:epc:id:sgln:0012345.00000.0' },
    { type: 'location', destination: 'urn:epc:id:sgln:0012345.00010.0' },
  ],
  bizTransactionList: [{ type: 'po', bizTransaction: 'urn:epcglobal:cbv:bt:0614141000005:PO-4711' }],
};

function buildObjectEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'ObjectEvent',
    eventTime: at(0),
    eventTimeZoneOffset: '+00:00',
    epcList: [sgtin(1001)],
    action: 'OBSERVE',
    bizStep: 'other',
    disposition: 'active',
    readPoint: { id: SGLN },
    bizLocation: { id: SGLN },
    ...overrides,
  };
}

const commissioning = (epc: string, minutes: number, overrides: Record<string, unknown> = {}) =>
  buildObjectEvent({ epcList: [epc], eventTime: at(minutes), action: 'ADD', bizStep: 'commissioning', ilmd: { lotNumber: 'L1', itemExpirationDate: '2027-01-31' }, ...overrides });
const shipping = (epcs: string[], minutes: number, overrides: Record<string, unknown> = {}) =>
  buildObjectEvent({ epcList: epcs, eventTime: at(minutes), bizStep: 'shipping', disposition: 'in_transit', ...OWNING_PARTIES, ...overrides });
const receiving = (epcs: string[], minutes: number, overrides: Record<string, unknown> = {}) =>
  buildObjectEvent({ epcList: epcs, eventTime: at(minutes), bizStep: 'receiving', disposition: 'sellable_not_accessible', ...overrides });
const aggregation = (action: 'ADD' | 'DELETE' | 'OBSERVE', parentID: string, childEPCs: string[] | undefined, minutes: number, overrides: Record<string, unknown> = {}) => ({
  type: 'AggregationEvent',
  eventTime: at(minutes),
  eventTimeZoneOffset: '+00:00',
  parentID,
  ...(childEPCs === undefined ? {} : { childEPCs }),
  action,
  bizStep: action === 'DELETE' ? 'unpacking' : 'packing',
  disposition: 'in_progress',
  readPoint: { id: SGLN },
  ...overrides,
});

/** The single report of one rule. */
function check(messages: unknown[], rule: DomainRule): RuleReport {
  const [report] = applyDomainRules(messages, [rule]);
  expect(report.rule).to.equal(rule);
  return report;
}

describe('domain rules', () => {
  describe('gs1CheckDigitValid', () => {
    it('accepts hand-computed GTIN-8/12/13/14, GLN-13 and SSCC-18 examples', () => {
      for (const digits of [GTIN_8, GTIN_12, GTIN_13, GTIN_14, GTIN_14_INDICATOR_8, GLN, SSCC]) expect(gs1CheckDigitValid(digits), digits).to.equal(true);
    });

    it('refuses a wrong check digit, a wrong length and anything not digits', () => {
      for (const digits of ['00614141123453', '106141412345678907', '10614141234567890', '03600029145', '061414112345A', '', ' 0614141000005', '9638507']) {
        expect(gs1CheckDigitValid(digits), digits).to.equal(false);
      }
    });

    it('finds exactly one valid check digit for any 13-digit body', () => {
      fc.assert(
        fc.property(fc.stringMatching(/^\d{13}$/), (body) => {
          const valid = [...'0123456789'].filter((digit) => gs1CheckDigitValid(body + digit));
          expect(valid).to.have.length(1);
        }),
      );
    });
  });

  describe('gs1-check-digits', () => {
    it('passes valid gtin, gln and sscc values anywhere in master data, events and documents', () => {
      const report = check(
        [
          { gtin: GTIN_14, name: 'Examplamab 10 mg' },
          { GLN: GLN, name: 'Northstar DC' },
          { shipment: { pallets: [{ Sscc: SSCC }, { sscc: SSCC }] }, lines: [{ product: { gtin: GTIN_12 } }, { gtin: [GTIN_8, GTIN_13] }] },
          commissioning(sgtin(1), 0, { ilmd: { gtin: GTIN_14_INDICATOR_8 } }),
        ],
        'gs1-check-digits',
      );
      expect(report.checked).to.equal(4);
      expect(report.violations).to.deep.equal([]);
    });

    it('reports a GTIN with a wrong check digit, with the expected digit and the pointer', () => {
      const report = check([{ gtin: GTIN_14 }, { product: { GTIN: '00614141123453' } }], 'gs1-check-digits');
      expect(report.violations).to.have.length(1);
      const [violation] = report.violations;
      expect(violation).to.include({ rule: 'gs1-check-digits', index: 1, pointer: '/product/GTIN' });
      expect(violation.message).to.contain('GTIN').and.contain('check digit').and.contain('expected 2');
    });

    it('reports an SSCC of 17 digits', () => {
      const report = check([{ logistics: { units: [{ sscc: '10614141234567890' }] } }], 'gs1-check-digits');
      expect(report.violations).to.have.length(1);
      expect(report.violations[0]).to.include({ index: 0, pointer: '/logistics/units/0/sscc' });
      expect(report.violations[0].message).to.contain('SSCC').and.contain('18 digits');
    });

    it('reports a GLN of the wrong length, a GTIN of 11 digits and a GTIN with letters', () => {
      const report = check([{ gln: GTIN_14 }, { gtin: '03600029145' }, { gtin: '0061414112345X' }], 'gs1-check-digits');
      expect(report.violations.map((v) => [v.index, v.pointer])).to.deep.equal([[0, '/gln'], [1, '/gtin'], [2, '/gtin']]);
      expect(report.violations[0].message).to.contain('GLN').and.contain('13 digits');
      expect(report.violations[1].message).to.contain('8, 12, 13 or 14 digits');
    });

    it('reports a GS1 key sent as a JSON number, which loses its leading zeros', () => {
      const report = check([{ gtin: 614141123452 }], 'gs1-check-digits');
      expect(report.violations[0].message).to.contain('string of digits').and.contain('number');
    });

    it('checks every value of an array under a GS1 key and escapes the pointer', () => {
      const report = check([{ 'a/b~c': { gtin: [GTIN_14, '00614141123450'] } }], 'gs1-check-digits');
      expect(report.violations).to.have.length(1);
      expect(report.violations[0].pointer).to.equal('/a~1b~0c/gtin/1');
    });

    it('leaves the GTIN inside an SGTIN EPC URI to epc-syntax', () => {
      const report = check([buildObjectEvent({ epcList: ['urn:epc:id:sgtin:0614141.8123459.1'] })], 'gs1-check-digits');
      expect(report.violations).to.deep.equal([]);
    });

    it('survives a message nested far deeper than any real one', () => {
      let deep: unknown = { gtin: GTIN_14 };
      for (let level = 0; level < 5000; level++) deep = [deep];
      const report = check([deep], 'gs1-check-digits');
      expect(report.violations).to.have.length(1);
      expect(report.violations[0].message).to.contain('nested deeper');
    });
  });

  describe('epc-syntax', () => {
    it('accepts SGTIN, SSCC and SGLN URIs and GS1 Digital Link URIs in every EPC field', () => {
      const events = [
        buildObjectEvent({ epcList: [sgtin(1001), 'urn:epc:id:sgtin:061414112345.8.A%2FB-1', 'urn:epc:id:sgtin:061414.8123456.x'] }),
        aggregation('ADD', sscc(1), [sgtin(1001), 'https://id.gs1.org/01/80614141123458/21/ABC%2F1'], 1),
        { type: 'TransformationEvent', eventTime: at(2), inputEPCList: [sgtin(7)], outputEPCList: ['https://example.com/00/106141412345678908'] },
        buildObjectEvent({ epcList: [SGLN, 'urn:epc:id:sgln:061414100001..1', 'https://dl.example.org:8443/01/00614141123452/21/7'] }),
      ];
      const report = check(events, 'epc-syntax');
      expect(report.checked).to.equal(4);
      expect(report.violations).to.deep.equal([]);
    });

    it('reports an SGTIN whose company prefix and item reference have 14 digits', () => {
      const epc = 'urn:epc:id:sgtin:0614141.8123456.1001';
      const report = check([buildObjectEvent(), buildObjectEvent({ epcList: [sgtin(1), epc] })], 'epc-syntax');
      expect(report.violations).to.have.length(1);
      expect(report.violations[0]).to.include({ rule: 'epc-syntax', index: 1, pointer: '/epcList/1', epc });
      expect(report.violations[0].message).to.contain('13 digits').and.contain('found 14');
    });

    it('reports a company prefix shorter than 6 digits and a serial longer than 20 characters', () => {
      const short = 'urn:epc:id:sgtin:06141.41812345.1';
      const long = sgtin('123456789012345678901');
      const report = check([buildObjectEvent({ epcList: [short, long] })], 'epc-syntax');
      expect(report.violations.map((v) => v.epc)).to.deep.equal([short, long]);
      expect(report.violations[0].message).to.contain('6 to 12 digits');
      expect(report.violations[1].message).to.contain('1 to 20 characters');
    });

    it('reports serial characters that must be escaped or are outside the GS1 character set', () => {
      const report = check([buildObjectEvent({ epcList: [sgtin('A/B'), sgtin('A B'), sgtin('A%2'), sgtin('A%20')] })], 'epc-syntax');
      const messages = report.violations.map((v) => v.message);
      expect(messages).to.have.length(4);
      expect(messages[0]).to.contain("'/', which must be %-escaped");
      expect(messages[1]).to.contain("' ', which is outside the GS1 AI character set");
      expect(messages[2]).to.contain('malformed %-escape');
      expect(messages[3]).to.contain('%20, which is outside');
    });

    it('reports an SSCC with 16 digits and an SGLN whose location reference is too long', () => {
      const report = check([aggregation('ADD', 'urn:epc:id:sscc:0614141.123456789', [sgtin(1)], 0), buildObjectEvent({ epcList: ['urn:epc:id:sgln:0614141.000010.0'] })], 'epc-syntax');
      expect(report.violations.map((v) => [v.index, v.pointer])).to.deep.equal([[0, '/parentID'], [1, '/epcList/0']]);
      expect(report.violations[0].message).to.contain('17 digits');
      expect(report.violations[1].message).to.contain('12 digits');
    });

    it('reports a Digital Link with a wrong check digit or without a serial', () => {
      const report = check([buildObjectEvent({ epcList: ['https://id.gs1.org/01/80614141123459/21/1', 'https://id.gs1.org/01/80614141123458', 'https://id.gs1.org/00/106141412345678907'] })], 'epc-syntax');
      expect(report.violations).to.have.length(3);
      expect(report.violations[0].message).to.contain('GTIN').and.contain('check digit');
      expect(report.violations[1].message).to.contain('serial');
      expect(report.violations[2].message).to.contain('SSCC').and.contain('check digit');
    });

    it('reports other EPC schemes, free text and non-strings', () => {
      const report = check([aggregation('ADD', 'urn:epc:id:giai:0614141.12345', ['PALLET-7', 42 as unknown as string], 0)], 'epc-syntax');
      expect(report.violations.map((v) => v.pointer)).to.deep.equal(['/parentID', '/childEPCs/0', '/childEPCs/1']);
      expect(report.violations[0].message).to.contain("scheme 'giai'");
      expect(report.violations[1].message).to.contain('not an EPC URI');
      expect(report.violations[2].message).to.contain('EPC URI strings');
    });

    it('reports an epcList that is not an array', () => {
      const report = check([buildObjectEvent({ epcList: sgtin(1) })], 'epc-syntax');
      expect(report.violations[0]).to.include({ index: 0, pointer: '/epcList' });
      expect(report.violations[0].message).to.contain('must be an array');
    });

    it('looks into EPCIS documents and points at the event inside', () => {
      const document = { '@context': ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld'], type: 'EPCISDocument', schemaVersion: '2.0', creationDate: at(0), epcisBody: { eventList: [buildObjectEvent(), buildObjectEvent({ epcList: ['urn:epc:id:sgtin:0614141.812345.'] })] } };
      const report = check([{ gtin: GTIN_14 }, document], 'epc-syntax');
      expect(report.checked).to.equal(2);
      expect(report.violations).to.have.length(1);
      expect(report.violations[0]).to.include({ index: 1, pointer: '/epcisBody/eventList/1/epcList/0' });
    });
  });

  describe('cbv-vocabulary', () => {
    it('accepts bizStep and disposition written bare, as URN and as ref.gs1.org URI', () => {
      const report = check(
        [
          buildObjectEvent({ bizStep: 'shipping', disposition: 'in_transit' }),
          buildObjectEvent({ bizStep: 'urn:epcglobal:cbv:bizstep:shipping', disposition: 'urn:epcglobal:cbv:disp:in_transit' }),
          buildObjectEvent({ bizStep: 'https://ref.gs1.org/cbv/BizStep-shipping', disposition: 'https://ref.gs1.org/cbv/Disp-in_transit' }),
          buildObjectEvent({ bizStep: undefined, disposition: undefined, action: 'ADD' }),
          aggregation('DELETE', sscc(1), [sgtin(1)], 0),
        ],
        'cbv-vocabulary',
      );
      expect(report.checked).to.equal(5);
      expect(report.violations).to.deep.equal([]);
    });

    it('accepts all 41 CBV 2.0 business steps and all 33 dispositions', () => {
      const bizSteps = 'accepting arriving assembling collecting commissioning consigning creating_class_instance cycle_counting decommissioning departing destroying disassembling dispensing encoding entering_exiting holding inspecting installing killing loading other packing picking receiving removing repackaging repairing replacing reserving retail_selling sampling sensor_reporting shipping staging_outbound stock_taking stocking storing transporting unloading unpacking void_shipping'.split(' ');
      const dispositions = 'active available completeness_inferred completeness_verified conformant container_closed container_open damaged destroyed dispensed disposed encoded expired in_progress in_transit inactive mismatch_instance mismatch_class mismatch_quantity needs_replacement non_conformant no_pedigree_match non_sellable_other partially_dispensed recalled reserved retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable unknown'.split(' ');
      expect(bizSteps).to.have.length(41);
      expect(dispositions).to.have.length(33);
      const events = [...bizSteps.map((bizStep) => buildObjectEvent({ bizStep })), ...dispositions.map((disposition) => buildObjectEvent({ disposition: `urn:epcglobal:cbv:disp:${disposition}` }))];
      expect(check(events, 'cbv-vocabulary').violations).to.deep.equal([]);
    });

    it('reports an unknown bizStep, a misspelt web URI and a disposition URN used as bizStep', () => {
      const report = check(
        [buildObjectEvent({ bizStep: 'packaging' }), buildObjectEvent({ bizStep: 'https://ref.gs1.org/cbv/bizstep-shipping' }), buildObjectEvent({ bizStep: 'urn:epcglobal:cbv:disp:in_transit' })],
        'cbv-vocabulary',
      );
      expect(report.violations.map((v) => [v.rule, v.index, v.pointer])).to.deep.equal([
        ['cbv-vocabulary', 0, '/bizStep'],
        ['cbv-vocabulary', 1, '/bizStep'],
        ['cbv-vocabulary', 2, '/bizStep'],
      ]);
      expect(report.violations[0].message).to.contain("'packaging'").and.contain('not a CBV 2.0 business step');
    });

    it('reports an unknown disposition, a non-string bizStep and an action other than ADD, OBSERVE or DELETE', () => {
      const report = check([buildObjectEvent({ disposition: 'sellable' }), buildObjectEvent({ bizStep: 7, action: 'UPDATE' })], 'cbv-vocabulary');
      expect(report.violations.map((v) => [v.index, v.pointer])).to.deep.equal([[0, '/disposition'], [1, '/bizStep'], [1, '/action']]);
      expect(report.violations[0].message).to.contain('not a CBV 2.0 disposition');
      expect(report.violations[2].message).to.contain('ADD, OBSERVE or DELETE');
    });
  });

  describe('event-order', () => {
    const unit = sgtin(1001);

    it('passes a full lifecycle, whatever the order of the messages in the set', () => {
      const lifecycle = [commissioning(unit, 0), aggregation('ADD', sscc(1), [unit], 5), shipping([sscc(1)], 10), shipping([unit], 10), receiving([unit], 60), receiving([sscc(1)], 60)];
      const report = check([...lifecycle].reverse(), 'event-order');
      expect(report.checked).to.equal(6);
      expect(report.violations).to.deep.equal([]);
    });

    it('reports a shipping event that comes before the commissioning of its serial', () => {
      const report = check([shipping([unit], 5), commissioning(unit, 10)], 'event-order');
      expect(report.violations).to.have.length(1);
      expect(report.violations[0]).to.include({ rule: 'event-order', index: 0, epc: unit, pointer: '/epcList/0' });
      expect(report.violations[0].message).to.contain('shipping').and.contain('before its commissioning').and.contain('message 1');
    });

    it('does not ask for a commissioning the set does not contain', () => {
      expect(check([shipping([unit], 5), receiving([unit], 10)], 'event-order').violations).to.deep.equal([]);
    });

    it('orders by eventTime with its offset, and by set position on a tie', () => {
      const inParis = commissioning(unit, 0, { eventTime: '2025-03-03T09:30:00+01:00' }); // 08:30Z
      expect(check([shipping([unit], 31), inParis], 'event-order').violations).to.deep.equal([]);
      expect(check([commissioning(unit, 0), shipping([unit], 0)], 'event-order').violations).to.deep.equal([]);
      const tieReversed = check([shipping([unit], 0), commissioning(unit, 0)], 'event-order');
      expect(tieReversed.violations.map((v) => v.index)).to.deep.equal([0]);
    });

    it('compares eventTimes as instants, whatever their offsets and fractional digits', () => {
      /** RFC 3339 text of an instant as seen at `offsetMinutes` from UTC, with 0, 3 or 6 fractional digits. */
      const format = (instant: number, offsetMinutes: number, digits: 0 | 3 | 6) => {
        const local = new Date(instant + offsetMinutes * 60_000).toISOString().slice(0, 23);
        const fraction = digits === 0 ? local.slice(0, 19) : digits === 3 ? local : `${local}000`;
        if (offsetMinutes === 0) return `${fraction}Z`;
        const abs = Math.abs(offsetMinutes);
        return `${fraction}${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      };
      const stamp = fc.record({
        seconds: fc.integer({ min: 1_700_000_000, max: 1_700_000_600 }),
        millis: fc.integer({ min: 0, max: 999 }),
        offset: fc.integer({ min: -56, max: 56 }).map((quarters) => quarters * 15),
        digits: fc.constantFrom(0 as const, 3 as const, 6 as const),
      });
      fc.assert(
        fc.property(stamp, stamp, (first, second) => {
          const instant = (s: typeof first) => s.seconds * 1000 + (s.digits === 0 ? 0 : s.millis);
          const report = check([commissioning(unit, 0, { eventTime: format(instant(first), first.offset, first.digits) }), shipping([unit], 0, { eventTime: format(instant(second), second.offset, second.digits) })], 'event-order');
          expect(report.violations.length).to.equal(instant(second) < instant(first) ? 1 : 0);
        }),
      );
      expect(check([commissioning(unit, 0, { eventTime: '2024-02-29T23:59:59.999-12:00' })], 'event-order').violations).to.deep.equal([]);
      expect(check([commissioning(unit, 0, { eventTime: '2025-02-29T08:00:00Z' })], 'event-order').violations).to.have.length(1);
    });

    it('reports a second commissioning of the same serial', () => {
      const report = check([commissioning(unit, 0), commissioning(unit, 5)], 'event-order');
      expect(report.violations).to.have.length(1);
      expect(report.violations[0]).to.include({ index: 1, epc: unit });
      expect(report.violations[0].message).to.contain('commissioned a second time');
    });

    it('reports any event after decommissioning or destroying', () => {
      const other = sgtin(1002);
      const report = check(
        [
          commissioning(unit, 0),
          buildObjectEvent({ epcList: [unit], eventTime: at(5), action: 'DELETE', bizStep: 'decommissioning', disposition: 'inactive' }),
          shipping([unit, other], 10),
          buildObjectEvent({ epcList: [other], eventTime: at(20), bizStep: 'urn:epcglobal:cbv:bizstep:destroying', disposition: 'destroyed' }),
          buildObjectEvent({ epcList: [other], eventTime: at(30), bizStep: 'inspecting' }),
        ],
        'event-order',
      );
      expect(report.violations.map((v) => [v.index, v.epc])).to.deep.equal([[2, unit], [4, other]]);
      expect(report.violations[0].message).to.contain('after its decommissioning').and.contain('message 1');
      expect(report.violations[1].message).to.contain('after its destroying');
    });

    it('reports receiving without an earlier shipping of the serial', () => {
      const report = check([commissioning(unit, 0), receiving([unit], 20), shipping([unit], 30)], 'event-order');
      expect(report.violations).to.have.length(1);
      expect(report.violations[0]).to.include({ index: 1, epc: unit });
      expect(report.violations[0].message).to.contain('received without an earlier shipping');
    });

    it('treats void_shipping as cancelling the earlier shipping', () => {
      const report = check([shipping([unit], 0), buildObjectEvent({ epcList: [unit], eventTime: at(5), bizStep: 'void_shipping' }), receiving([unit], 10)], 'event-order');
      expect(report.violations.map((v) => v.index)).to.deep.equal([2]);
    });

    it('reports an unparsable or missing eventTime and leaves the event out of the order', () => {
      const report = check(
        [commissioning(unit, 0, { eventTime: '2025-02-30T08:00:00Z' }), shipping([unit], 0, { eventTime: '03/03/2025 08:00' }), receiving([unit], 0, { eventTime: undefined }), buildObjectEvent({ eventTime: '2025-03-03T08:00:00' })],
        'event-order',
      );
      expect(report.violations.map((v) => [v.index, v.pointer])).to.deep.equal([[0, '/eventTime'], [1, '/eventTime'], [2, undefined], [3, '/eventTime']]);
      expect(report.violations[0].message).to.contain('eventTime').and.contain('not a parsable');
      expect(report.violations[2].message).to.contain('no eventTime');
    });
  });

  describe('aggregation', () => {
    const [a, b, c] = [sgtin(1), sgtin(2), sgtin(3)];
    const [case1, case2, pallet] = [sscc(11), sscc(12), sscc(99)];

    it('passes packing, unpacking, repacking into another case and nesting cases on a pallet', () => {
      const report = check(
        [
          aggregation('ADD', case1, [a, b], 0),
          aggregation('ADD', case1, [a], 1), // repeating an ADD into the same parent is harmless
          aggregation('DELETE', case1, [a], 2),
          aggregation('ADD', case2, [a, c], 3),
          aggregation('DELETE', case1, undefined, 4), // no childEPCs: empties case1
          aggregation('ADD', case2, [b], 5),
          aggregation('ADD', pallet, [case2], 6),
          aggregation('OBSERVE', pallet, [case1], 7),
          shipping([pallet], 8),
        ],
        'aggregation',
      );
      expect(report.checked).to.equal(8);
      expect(report.violations).to.deep.equal([]);
    });

    it('reports a child added to a second parent while still in the first', () => {
      const report = check([aggregation('ADD', case1, [a, b], 0), aggregation('ADD', case2, [c, b], 5)], 'aggregation');
      expect(report.violations).to.have.length(1);
      expect(report.violations[0]).to.include({ rule: 'aggregation', index: 1, epc: b, pointer: '/childEPCs/1' });
      expect(report.violations[0].message).to.contain('still inside').and.contain('one parent at a time');
    });

    it('judges the hierarchy in eventTime order, not in set order', () => {
      const report = check([aggregation('ADD', case2, [a], 10), aggregation('DELETE', case1, [a], 5), aggregation('ADD', case1, [a], 0)], 'aggregation');
      expect(report.violations).to.deep.equal([]);
    });

    it('reports a DELETE of a child that is not in that parent', () => {
      const report = check([aggregation('ADD', case1, [a], 0), aggregation('ADD', case2, [b], 0), aggregation('DELETE', case1, [a, b, c], 5)], 'aggregation');
      expect(report.violations.map((v) => [v.index, v.epc])).to.deep.equal([[2, b], [2, c]]);
      expect(report.violations[0].message).to.contain('not a child of').and.contain(`inside ${case2}`);
    });

    it('reports a parent that is its own child, directly or through nesting', () => {
      const report = check([aggregation('ADD', case1, [case1], 0), aggregation('ADD', case1, [case2], 1), aggregation('ADD', case2, [pallet], 2), aggregation('ADD', pallet, [case1], 3)], 'aggregation');
      expect(report.violations.map((v) => [v.index, v.epc])).to.deep.equal([[0, case1], [3, case1]]);
      expect(report.violations[0].message).to.contain('its own child');
      expect(report.violations[1].message).to.contain('contain itself');
    });

    it('reports an ADD without a parentID and an AggregationEvent without a usable eventTime', () => {
      const report = check([aggregation('ADD', '', [a], 0), aggregation('ADD', case1, [b], 0, { eventTime: 'yesterday' })], 'aggregation');
      expect(report.violations.map((v) => v.index)).to.deep.equal([0, 1]);
      expect(report.violations[0].message).to.contain('no parentID');
      expect(report.violations[1].message).to.contain('eventTime');
    });
  });

  describe('dscsa-shipping', () => {
    it('passes a shipping event with owning parties in all three spellings and a PO reference', () => {
      const report = check(
        [
          shipping([sgtin(1)], 0),
          shipping([sgtin(2)], 0, {
            bizStep: 'urn:epcglobal:cbv:bizstep:shipping',
            sourceList: [{ type: 'urn:epcglobal:cbv:sdt:owning_party', source: 'urn:epc:id:sgln:0614141.00000.0' }],
            destinationList: [{ type: 'https://ref.gs1.org/cbv/SDT-owning_party', destination: 'urn:epc:id:sgln:0012345.00000.0' }],
            bizTransactionList: [{ type: 'https://ref.gs1.org/cbv/BTT-desadv', bizTransaction: 'urn:epcglobal:cbv:bt:0614141000005:ASN-1' }],
          }),
          aggregation('OBSERVE', sscc(1), [sgtin(3)], 0, { bizStep: 'shipping', ...OWNING_PARTIES }),
          receiving([sgtin(1)], 10),
        ],
        'dscsa-shipping',
      );
      expect(report.checked).to.equal(3);
      expect(report.violations).to.deep.equal([]);
    });

    it('reports a shipping event without a destinationList', () => {
      const report = check([receiving([sgtin(1)], 0), shipping([sgtin(1)], 0, { destinationList: undefined })], 'dscsa-shipping');
      expect(report.violations).to.have.length(1);
      expect(report.violations[0]).to.include({ rule: 'dscsa-shipping', index: 1, pointer: '/destinationList' });
      expect(report.violations[0].message).to.contain('no destinationList').and.contain('owning_party');
    });

    it('reports a source list with a location but no owning party', () => {
      const report = check([shipping([sgtin(1)], 0, { sourceList: [{ type: 'location', source: SGLN }, { type: 'owning_party', source: '' }] })], 'dscsa-shipping');
      expect(report.violations).to.have.length(1);
      expect(report.violations[0].pointer).to.equal('/sourceList');
      expect(report.violations[0].message).to.contain('no source of type owning_party');
    });

    it('reports a shipping event without a business transaction reference, and each missing part separately', () => {
      const report = check([shipping([sgtin(1)], 0, { sourceList: [], destinationList: undefined, bizTransactionList: [{ type: 'po' }] })], 'dscsa-shipping');
      expect(report.violations.map((v) => v.pointer)).to.deep.equal(['/sourceList', '/destinationList', '/bizTransactionList']);
      expect(report.violations[2].message).to.contain('bizTransactionList').and.contain('transaction reference');
    });
  });

  describe('applying rules', () => {
    it('never crashes on non-object messages or odd field types', () => {
      const cyclic: Record<string, unknown> = { gtin: GTIN_14 };
      cyclic.self = cyclic;
      const odd = [null, 5, 'x', undefined, true, [], [null], cyclic,
        { type: 'ObjectEvent', epcList: 'abc', bizStep: 5, disposition: {}, action: null, eventTime: {}, parentID: 7, sourceList: 'x' },
        { type: 'AggregationEvent', eventTime: at(0), action: 'ADD', parentID: sscc(1), childEPCs: [null, {}, sgtin(1)] },
        { type: 'AggregationEvent', eventTime: at(1), action: 'DELETE', parentID: sscc(1), childEPCs: 'all' },
        { type: 'ObjectEvent', eventTime: at(2), bizStep: 'shipping', sourceList: [null, 1], destinationList: [{}], bizTransactionList: [null] },
        { type: 'EPCISDocument', epcisBody: { eventList: [null, 3, { type: 'ObjectEvent' }] } },
        { type: 'EPCISQueryDocument', epcisBody: { queryResults: null } },
        Object.create(null) as object];
      const reports = applyDomainRules(odd, DOMAIN_RULES);
      expect(reports.map((r) => r.rule)).to.deep.equal([...DOMAIN_RULES]);
      expect(applyDomainRules(null as unknown as unknown[], DOMAIN_RULES).every((r) => r.checked === 0)).to.equal(true);
    });

    it('returns one report per rule in the order asked, running a repeated rule once', () => {
      const reports = applyDomainRules([buildObjectEvent()], ['event-order', 'gs1-check-digits', 'event-order']);
      expect(reports.map((r) => r.rule)).to.deep.equal(['event-order', 'gs1-check-digits']);
    });

    it('throws on a rule name it does not know, which is a programming error', () => {
      expect(() => applyDomainRules([], ['gs1-checkdigits' as DomainRule])).to.throw(RangeError, /Unknown domain rule/);
    });

    it('keeps at most 1,000 violations per rule but counts every message and violation', () => {
      const bad = Array.from({ length: 5000 }, () => ({ gtin: '00614141123453' }));
      const [report] = applyDomainRules(bad, ['gs1-check-digits']);
      expect(report.checked).to.equal(5000);
      expect(report.violations).to.have.length(MAX_VIOLATIONS_PER_RULE);
      expect(report.violationCount).to.equal(5000);
    });

    it('runs every rule over 100,000 valid events in well under 2 seconds', () => {
      const messages: unknown[] = [{ gtin: GTIN_14, name: 'Examplamab 10 mg' }, { gln: GLN, name: 'Northstar DC' }];
      const units = 30_000; // 32 events per case of 10: 96,000 events, topped up below
      let minute = 0;
      for (let caseNo = 0; caseNo < units / 10; caseNo++) {
        const children = Array.from({ length: 10 }, (_, k) => sgtin(caseNo * 10 + k + 1));
        for (const unit of children) messages.push(commissioning(unit, minute++));
        messages.push(aggregation('ADD', sscc(caseNo + 1), children, minute++));
        for (const unit of children) messages.push(shipping([unit], minute++), receiving([unit], minute++));
        messages.push(aggregation('DELETE', sscc(caseNo + 1), undefined, minute++));
      }
      while (messages.length < 100_000) messages.push(buildObjectEvent({ epcList: [sgtin(1)], eventTime: at(minute++), bizStep: 'inspecting', disposition: 'conformant' }));
      expect(messages).to.have.length(100_000);

      const started = performance.now();
      const reports = applyDomainRules(messages, DOMAIN_RULES);
      const elapsed = performance.now() - started;

      for (const report of reports) expect(report.violations, report.rule).to.deep.equal([]);
      expect(reports.find((r) => r.rule === 'gs1-check-digits')?.checked).to.equal(100_000);
      expect(reports.find((r) => r.rule === 'dscsa-shipping')?.checked).to.equal(units);
      expect(elapsed).to.be.below(2000);
    });
  });
});
