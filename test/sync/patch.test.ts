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
