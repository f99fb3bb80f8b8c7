// Bulk intake of a vendor release calendar (issue 14): JSON and CSV read into vendor-release changes
// with their defaults; a calendar with one bad row imports nothing and lists every problem with its
// row and field; unknown platforms, duplicate releases, impossible dates, missing columns and
// oversized calendars are refused.
import { expect } from 'chai';
import type { ErrorDetail } from '../../src/platform/errors.js';
import { PayloadTooLargeError, ValidationError } from '../../src/platform/errors.js';
import { parseReleaseCalendar, RELEASE_CALENDAR_FORMAT, RELEASE_CALENDAR_LIMITS } from '../../src/changes/release-calendar.js';

const PLATFORMS = new Set(['MuleSoft Runtime', 'TraceLink', 'Confluent Kafka']);
const HEADER = 'platform,version,date,item_id,item_title,item_description';

function calendar(releases: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ format: RELEASE_CALENDAR_FORMAT, releases, ...extra });
}

function release(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { platform: 'MuleSoft Runtime', version: '4.9.1', date: '2027-01-15', items: [{ id: 'MULE-1', title: 'Audit log entries carry the correlation id' }], ...overrides };
}

/** The problems a refused calendar lists, as [field, rule, row]. */
function refused(content: string | Buffer, format: 'json' | 'csv', platforms: Set<string> | null = PLATFORMS): { error: ValidationError; problems: Array<[string, string, number | null]>; details: ErrorDetail[] } {
  try {
    parseReleaseCalendar(content, format, platforms ?? undefined);
  } catch (error) {
    expect(error).to.be.instanceOf(ValidationError);
    const e = error as ValidationError;
    expect(e.code).to.equal('release_calendar_invalid');
    expect(e.message).to.match(/nothing was imported/);
    return { error: e, details: e.details, problems: e.details.map((d) => [d.field!, d.rule!, d.row as number | null]) };
  }
  throw new Error('the calendar was accepted although it should not be');
}

describe('release calendar intake', () => {
  describe('JSON', () => {
    it('reads each release into a logged vendor-release change, with the defaults where the calendar is silent', () => {
      const { changes } = parseReleaseCalendar(
        calendar([
          release({ versionFrom: '4.6', vendor: 'Salesforce', items: [{ id: 'MULE-123', title: '  Audit log entries carry the correlation id ', description: 'Line one.\nLine two.' }, { title: 'New connector icons' }] }),
          {
            platform: 'TraceLink',
            version: '2027.02',
            date: '2027-02-28',
            title: 'TraceLink February release',
            description: 'Quarterly release of the serialization platform.',
            justification: 'DSCSA reporting runs on it.',
            environments: ['validation', 'production'],
            items: [],
          },
        ]),
        'json',
        PLATFORMS,
      );
      expect(changes).to.deep.equal([
        {
          type: 'vendor-release',
          title: 'MuleSoft Runtime 4.9.1 release',
          platform: 'MuleSoft Runtime',
          versionFrom: '4.6',
          versionTo: '4.9.1',
          plannedDate: '2027-01-15',
          description: 'Vendor release MuleSoft Runtime 4.9.1 from Salesforce (2 items), imported from the release calendar.',
          justification: 'Vendor release on the calendar: regression per the impact analysis before implementation.',
          environments: ['test', 'production'],
          releaseItems: [
            { id: 'MULE-123', title: 'Audit log entries carry the correlation id', description: 'Line one.\nLine two.' },
            { title: 'New connector icons', description: null },
          ],
        },
        {
          type: 'vendor-release',
          title: 'TraceLink February release',
          platform: 'TraceLink',
          versionFrom: null,
          versionTo: '2027.02',
          plannedDate: '2027-02-28',
          description: 'Quarterly release of the serialization platform.',
          justification: 'DSCSA reporting runs on it.',
          environments: ['validation', 'production'],
          releaseItems: [],
        },
      ]);
    });

    it('accepts a Buffer with a byte order mark, and any platform when no platform list is given', () => {
      const { changes } = parseReleaseCalendar(Buffer.from(`\uFEFF${calendar([release({ platform: 'Some New Platform', items: [{ title: 'one' }] })])}`), 'json');
      expect(changes.map((c) => [c.platform, c.description])).to.deep.equal([['Some New Platform', 'Vendor release Some New Platform 4.9.1 (1 item), imported from the release calendar.']]);
    });

    it('imports nothing from a calendar with bad rows, and lists every problem with its release and field', () => {
      const { problems, details } = refused(
        calendar([
          release(),
          release({ version: '   ', date: '2027-02-30', items: [{ id: 'X-1' }, { id: 'X-1', title: 'x', colour: 'red' }] }),
          release({ version: 4.1, platform: 'Mulesoft runtime', environments: ['Production'] }),
          release({ version: '2027.1', date: '15/01/2027', versionFrom: '2027.1', items: 'none' }),
        ]),
        'json',
      );
      expect(problems).to.deep.equal([
        ['releases.1.version', 'required', 2],
        ['releases.1.date', 'date', 2],
        ['releases.1.items.0.title', 'required', 2],
        ['releases.1.items.1.colour', 'additionalProperties', 2],
        ['releases.1.items.1.id', 'unique', 2],
        ['releases.2.version', 'type', 3],
        ['releases.2.environments', 'pattern', 3],
        ['releases.2.platform', 'exists', 3],
        ['releases.3.date', 'date', 4],
        ['releases.3.items', 'required', 4],
        ['releases.3.versionFrom', 'distinct', 4],
      ]);
      const message = (field: string) => details.find((d) => d.field === field)!.message;
      expect(message('releases.1.date')).to.equal("release 2: date '2027-02-30' is not a calendar date in the form YYYY-MM-DD");
      expect(message('releases.2.platform')).to.equal("release 3: platform 'Mulesoft runtime' is not registered (did you mean 'MuleSoft Runtime'?)");
      expect(message('releases.2.version')).to.match(/must be text \(write it in quotes/);
      expect(message('releases.1.items.1.id')).to.equal("release 2, item 2: item id 'X-1' is also used by release 2, item 1 of MuleSoft Runtime (no version)");
    });

    it('refuses a platform the registry does not know', () => {
      const { details } = refused(calendar([release({ platform: 'Boomi AtomSphere' })]), 'json');
      expect(details).to.deep.equal([{ field: 'releases.0.platform', rule: 'exists', message: "release 1: platform 'Boomi AtomSphere' is not registered", row: 1 }]);
    });

    it('refuses the same platform release listed twice, whatever its letter case', () => {
      const { details } = refused(calendar([release(), release({ date: '2027-01-20' }), release({ version: '4.9.2' }), release({ platform: 'MULESOFT RUNTIME' })]), 'json', null);
      expect(details.map((d) => [d.field, d.message])).to.deep.equal([
        ['releases.1.version', 'release 2: MuleSoft Runtime 4.9.1 is also release 1; a release is listed once'],
        ['releases.3.version', 'release 4: MULESOFT RUNTIME 4.9.1 is also release 1; a release is listed once'],
      ]);
    });

    it('refuses impossible dates, naming each', () => {
      const dates = ['2027-02-30', '2027-13-01', '2027-00-10', '2026-02-29', '27-01-15', '2027-1-15', '2027-01-15T00:00:00Z', ''];
      const { problems } = refused(calendar(dates.map((date, i) => release({ version: `4.9.${i}`, date }))), 'json');
      expect(problems).to.deep.equal(dates.map((date, i) => [`releases.${i}.date`, date === '' ? 'required' : 'date', i + 1]));
      expect(parseReleaseCalendar(calendar([release({ date: '2028-02-29' })]), 'json').changes[0]!.plannedDate).to.equal('2028-02-29');
    });

    it('refuses control characters, over-long text and lone surrogates, but keeps line breaks in descriptions', () => {
      const { problems } = refused(
        calendar([
          release({ title: 'MuleSoft\u0000 4.9.1' }),
          release({ version: '4.9.2', items: [{ title: 'two\nlines' }, { title: 'ok', description: 'bell \u0007' }, { title: 'c1 \u0085 control' }] }),
          release({ version: 'v'.repeat(65) }),
          release({ version: '4.9.3', items: [{ title: 'x'.repeat(501) }, { title: 'half a pair \uD800' }] }),
        ]),
        'json',
      );
      expect(problems).to.deep.equal([
        ['releases.0.title', 'control_characters', 1],
        ['releases.1.items.0.title', 'control_characters', 2],
        ['releases.1.items.1.description', 'control_characters', 2],
        ['releases.1.items.2.title', 'control_characters', 2],
        ['releases.2.version', 'maxLength', 3],
        ['releases.3.items.0.title', 'maxLength', 4],
        ['releases.3.items.1.title', 'text', 4],
      ]);
    });

    it('refuses a document that is not a release calendar', () => {
      expect(refused('{"format": "gxpw.release-calendar.v1", "releases": [', 'json').problems).to.deep.equal([['calendar', 'json', null]]);
      expect(refused('[]', 'json').problems).to.deep.equal([['calendar', 'type', null]]);
      expect(refused(JSON.stringify({ format: 'gxpw.registry.v1', releases: [release()], extra: true }), 'json').problems).to.deep.equal([
        ['extra', 'additionalProperties', null],
        ['format', 'format', null],
      ]);
      expect(refused(calendar([]), 'json').problems).to.deep.equal([['releases', 'minItems', null]]);
      expect(refused(calendar([42, null]), 'json').problems).to.deep.equal([
        ['releases.0', 'type', 1],
        ['releases.1', 'type', 2],
      ]);
      expect(refused(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'json').problems).to.deep.equal([['calendar', 'encoding', null]]);
    });

    it('refuses an oversized calendar: too many releases, too many items, too many bytes', () => {
      const many = Array.from({ length: RELEASE_CALENDAR_LIMITS.releases + 1 }, (_, i) => release({ version: `1.${i}`, items: [] }));
      expect(refused(calendar(many), 'json').details).to.deep.equal([{ field: 'releases', rule: 'maxItems', message: 'releases lists 1001 releases; at most 1000 are accepted in one calendar', row: null }]);
      const items = Array.from({ length: RELEASE_CALENDAR_LIMITS.itemsPerRelease + 1 }, (_, i) => ({ title: `item ${i}` }));
      expect(refused(calendar([release(), release({ version: '5.0.0', items })]), 'json').details).to.deep.equal([
        { field: 'releases.1.items', rule: 'maxItems', message: 'release 2: MuleSoft Runtime 5.0.0 lists 501 items; at most 500 are accepted per release', row: 2 },
      ]);
      const huge = calendar([release({ description: 'x'.repeat(RELEASE_CALENDAR_LIMITS.bytes) })]);
      expect(() => parseReleaseCalendar(huge, 'json')).to.throw(PayloadTooLargeError);
      // Exactly at the limits is fine.
      const full = Array.from({ length: RELEASE_CALENDAR_LIMITS.releases }, (_, i) => release({ version: `1.${i}`, items: i === 0 ? items.slice(1) : [] }));
      expect(parseReleaseCalendar(calendar(full), 'json').changes).to.have.length(1000);
    });

    it('lists the first thousand problems and counts them all', () => {
      const bad = Array.from({ length: 600 }, (_, i) => release({ version: `1.${i}`, date: 'soon', items: [{ title: '' }] }));
      const { error, details } = refused(calendar(bad), 'json');
      expect(error.message).to.equal('The release calendar has 1200 problem(s) (the first 1000 are listed); nothing was imported.');
      expect(details).to.have.length(RELEASE_CALENDAR_LIMITS.listedProblems);
    });
  });

  describe('CSV', () => {
    it('groups the rows of one platform release into one change, in the order of the file', () => {
      const csv = [
        ' Platform , VERSION,date,item_id,item_title,item_description,version_from,environments,vendor',
        'MuleSoft Runtime,4.9.1,2027-01-15,MULE-1,Audit log entries carry the correlation id,"Affects every flow, including the ""audit"" one.',
        'Second line of the description.",4.6,test;validation;production,Salesforce',
        'TraceLink,2027.02,2027-02-28,TL-9,New EPCIS 2.0 endpoint,,,,',
        'MuleSoft Runtime,4.9.1,2027-01-15,MULE-2,Connector icons,,,,',
        ',,,,,,,,',
        '',
      ].join('\r\n');
      const { changes } = parseReleaseCalendar(Buffer.from(`\uFEFF${csv}`), 'csv', PLATFORMS);
      expect(changes).to.deep.equal([
        {
          type: 'vendor-release',
          title: 'MuleSoft Runtime 4.9.1 release',
          platform: 'MuleSoft Runtime',
          versionFrom: '4.6',
          versionTo: '4.9.1',
          plannedDate: '2027-01-15',
          description: 'Vendor release MuleSoft Runtime 4.9.1 from Salesforce (2 items), imported from the release calendar.',
          justification: 'Vendor release on the calendar: regression per the impact analysis before implementation.',
          environments: ['test', 'validation', 'production'],
          releaseItems: [
            { id: 'MULE-1', title: 'Audit log entries carry the correlation id', description: 'Affects every flow, including the "audit" one.\r\nSecond line of the description.' },
            { id: 'MULE-2', title: 'Connector icons', description: null },
          ],
        },
        {
          type: 'vendor-release',
          title: 'TraceLink 2027.02 release',
          platform: 'TraceLink',
          versionFrom: null,
          versionTo: '2027.02',
          plannedDate: '2027-02-28',
          description: 'Vendor release TraceLink 2027.02 (1 item), imported from the release calendar.',
          justification: 'Vendor release on the calendar: regression per the impact analysis before implementation.',
          environments: ['test', 'production'],
          releaseItems: [{ id: 'TL-9', title: 'New EPCIS 2.0 endpoint', description: null }],
        },
      ]);
    });

    it('reads a release row without items as a release with none, and a title column', () => {
      const { changes } = parseReleaseCalendar(`${HEADER},title\nConfluent Kafka,3.9.0,2027-03-01,,,,Kafka 3.9 upgrade\n`, 'csv', PLATFORMS);
      expect(changes.map((c) => [c.title, c.releaseItems])).to.deep.equal([['Kafka 3.9 upgrade', []]]);
    });

    it('imports nothing from a calendar with bad rows, and lists every problem with its row and column', () => {
      const csv = [
        `${HEADER},version_from`,
        'MuleSoft Runtime,4.9.1,2027-01-15,MULE-1,Audit log fix,,4.6',
        'MuleSoft Runtime,,2027-01-15,MULE-2,No version,,',
        'TraceLink,2027.02,2027-02-30,TL-1,Bad date,,',
        'MuleSoft Runtime,4.9.1,2027-01-16,MULE-3,Other date,,4.5',
        'Boomi,1.0,2027-04-01,B-1,,described but no title,',
        'MuleSoft Runtime,4.9.1,2027-01-15,MULE-1,Same id twice,,',
        'TraceLink,2027.03,2027-03-31,"TL\n2",Id over two lines,,',
        'TraceLink,2027.04,2027-04-30,TL-4,Too,many,cells,here',
      ].join('\n');
      const { problems, details } = refused(csv, 'csv');
      expect(problems).to.deep.equal([
        ['rows.3.version', 'required', 3],
        ['rows.4.date', 'date', 4],
        ['rows.5.date', 'conflict', 5],
        ['rows.5.version_from', 'conflict', 5],
        ['rows.6.item_title', 'required', 6],
        ['rows.6.platform', 'exists', 6],
        ['rows.7.item_id', 'unique', 7],
        ['rows.8.item_id', 'control_characters', 8],
        ['rows.10', 'columns', 10],
      ]);
      const message = (field: string) => details.find((d) => d.field === field)!.message;
      expect(message('rows.5.date')).to.equal("row 5: date '2027-01-16' differs from '2027-01-15' on row 2 for MuleSoft Runtime 4.9.1; rows of one release must agree");
      expect(message('rows.7.item_id')).to.equal("row 7: item id 'MULE-1' is also used by row 2 of MuleSoft Runtime 4.9.1");
      expect(message('rows.10')).to.equal('row 10: has 8 cells; the header names 7 columns');
    });

    it('names an unknown platform once per release, with its rows', () => {
      const csv = `${HEADER}\nBoomi,1.0,2027-04-01,B-1,One,\nBoomi,1.0,2027-04-01,B-2,Two,\nTraceLink,2027.02,2027-02-28,TL-1,Fine,\nBoomi,1.0,2027-04-01,B-3,Three,\n`;
      expect(refused(csv, 'csv').details).to.deep.equal([{ field: 'rows.2.platform', rule: 'exists', message: "row 2: platform 'Boomi' is not registered (rows 2, 3, 5)", row: 2 }]);
    });

    it('refuses the same release spelled two ways', () => {
      const csv = `${HEADER}\nTraceLink,2027.02,2027-02-28,TL-1,One,\nTRACELINK,2027.02,2027-02-28,TL-2,Two,\n`;
      expect(refused(csv, 'csv').problems).to.deep.equal([['rows.3.platform', 'conflict', 3]]);
    });

    it('names missing, unknown and repeated columns in the header', () => {
      const { details } = refused('platform,version,when,item_title,item_title,notes\nTraceLink,2027.02,2027-02-28,a,b,c\n', 'csv');
      expect(details.map((d) => d.message)).to.deep.equal([
        'row 1 (the header): unknown column(s) "when", "notes"; the columns are platform, version, date, item_id, item_title, item_description, version_from, title, environments, vendor',
        'row 1 (the header): missing column(s) date, item_id, item_description',
        'row 1 (the header): column(s) item_title appear more than once',
      ]);
      expect(details.every((d) => d.field === 'rows.1' && d.rule === 'columns')).to.equal(true);
    });

    it('refuses an empty calendar, a header alone, unreadable CSV and bad environment lists', () => {
      expect(refused('', 'csv').problems).to.deep.equal([['calendar', 'required', null]]);
      expect(refused(`${HEADER}\n`, 'csv').problems).to.deep.equal([['calendar', 'required', null]]);
      expect(refused(`${HEADER}\nTraceLink,"2027.02,2027-02-28,TL-1,One,\n`, 'csv').problems).to.deep.equal([['rows.2', 'csv', 2]]);
      expect(refused(`${HEADER},environments\nTraceLink,2027.02,2027-02-28,TL-1,One,,Test;prod\nTraceLink,2027.03,2027-03-28,TL-1,One,,prod;prod\n`, 'csv').problems).to.deep.equal([
        ['rows.2.environments', 'pattern', 2],
        ['rows.3.environments', 'unique', 3],
      ]);
    });

    it('refuses more releases or items than the limits allow', () => {
      const releases = Array.from({ length: RELEASE_CALENDAR_LIMITS.releases + 1 }, (_, i) => `TraceLink,2027.${i},2027-02-28,,,`);
      expect(refused(`${HEADER}\n${releases.join('\n')}\n`, 'csv').problems).to.deep.equal([['calendar', 'maxItems', null]]);
      const items = Array.from({ length: RELEASE_CALENDAR_LIMITS.itemsPerRelease + 1 }, (_, i) => `TraceLink,2027.02,2027-02-28,TL-${i},Item ${i},`);
      expect(refused(`${HEADER}\n${items.join('\n')}\n`, 'csv').details).to.deep.equal([
        { field: 'rows.2', rule: 'maxItems', message: 'row 2: TraceLink 2027.02 lists 501 items; at most 500 are accepted per release', row: 2 },
      ]);
    });
  });
});
