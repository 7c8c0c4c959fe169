import { describe, expect, it } from 'vitest';
import { buildPatch, objectPathsOf, toPointer } from '../../engine/sync/patch.ts';

describe('buildPatch', () => {
  it('one changed top-level property is one replace op', () => {
    expect(buildPatch({ EmailAddress: 'a@x.no' }, [], [{ path: 'EmailAddress', value: 'b@x.no' }])).toEqual([
      { op: 'replace', path: '/EmailAddress', value: 'b@x.no' },
    ]);
  });

  it('a nested change under an existing object touches only the leaf', () => {
    const ops = buildPatch(
      { 'MailAddress.City': 'Oslo' },
      ['MailAddress'],
      [{ path: 'MailAddress.City', value: 'Bergen' }],
    );
    expect(ops).toEqual([{ op: 'replace', path: '/MailAddress/City', value: 'Bergen' }]);
  });

  it('adds a missing leaf under an existing object, and the whole object when absent', () => {
    expect(buildPatch({}, ['MailAddress'], [{ path: 'MailAddress.City', value: 'Bergen' }])).toEqual([
      { op: 'add', path: '/MailAddress/City', value: 'Bergen' },
    ]);
    expect(
      buildPatch(
        {},
        [],
        [
          { path: 'MailAddress.City', value: 'Bergen' },
          { path: 'MailAddress.ZipCode', value: '5003' },
        ],
      ),
    ).toEqual([{ op: 'add', path: '/MailAddress', value: { City: 'Bergen', ZipCode: '5003' } }]);
  });

  it('a clear is replace with null', () => {
    expect(buildPatch({ Phone: '123' }, [], [{ path: 'Phone', value: undefined }])).toEqual([
      { op: 'replace', path: '/Phone', value: null },
    ]);
  });

  it('arrays are replaced whole', () => {
    expect(buildPatch({ tags: ['a', 'b'] }, [], [{ path: 'tags', value: ['a', 'c'] }])).toEqual([
      { op: 'replace', path: '/tags', value: ['a', 'c'] },
    ]);
  });

  it('escapes pointers', () => {
    expect(toPointer('a/b.c~d')).toBe('/a~1b/c~0d');
  });

  it('objectPathsOf finds the intermediate objects of property paths', () => {
    expect(objectPathsOf({ billing: { city: 'x' }, a: null }, ['billing.city', 'a.b', 'email'])).toEqual([
      'billing',
    ]);
  });
});

describe('buildPatch preconditions (guarded changes)', () => {
  it('a test of the value read comes before the ops; only guarded changes get one', () => {
    const ops = buildPatch(
      { 'MailAddress.City': 'Oslo', Name: 'A', PhoneNumber: null },
      ['MailAddress'],
      [
        { path: 'MailAddress.City', value: 'Bergen', guarded: true },
        { path: 'Name', value: 'B' },
        { path: 'PhoneNumber', value: '1', guarded: true },
      ],
    );
    // compare's order of the ops is its own; the tests come first.
    expect(ops).toHaveLength(5);
    expect(ops.slice(0, 2)).toEqual(
      expect.arrayContaining([
        { op: 'test', path: '/MailAddress/City', value: 'Oslo' },
        { op: 'test', path: '/PhoneNumber', value: null },
      ]),
    );
    expect(ops.slice(2)).toEqual(
      expect.arrayContaining([
        { op: 'replace', path: '/MailAddress/City', value: 'Bergen' },
        { op: 'replace', path: '/Name', value: 'B' },
        { op: 'replace', path: '/PhoneNumber', value: '1' },
      ]),
    );
  });

  it('tests the value exactly as the record held it when given, and nothing for an add', () => {
    expect(
      buildPatch(
        { DeliveryDate: '2026-01-02' },
        [],
        [
          {
            path: 'DeliveryDate',
            value: '2026-01-03',
            guarded: true,
            expected: { value: '2026-01-02T00:00:00Z' },
          },
        ],
      ),
    ).toEqual([
      { op: 'test', path: '/DeliveryDate', value: '2026-01-02T00:00:00Z' },
      { op: 'replace', path: '/DeliveryDate', value: '2026-01-03' },
    ]);
    expect(buildPatch({}, [], [{ path: 'PhoneNumber', value: '1', guarded: true }])).toEqual([
      { op: 'add', path: '/PhoneNumber', value: '1' },
    ]);
  });

  it('a whole object value is tested whole', () => {
    const old = { City: 'Oslo' };
    expect(
      buildPatch({ Address: old }, [], [{ path: 'Address', value: { City: 'Bergen' }, guarded: true }]),
    ).toEqual([
      { op: 'test', path: '/Address', value: { City: 'Oslo' } },
      { op: 'replace', path: '/Address', value: { City: 'Bergen' } },
    ]);
  });
});
