/**
 * engine/store/keyv-serialize.ts against keyv's own serializer (@keyv/serialize), for the
 * values the store holds (plain JSON data in keyv's `{ value, expires }` wrapper): the same
 * text, byte for byte, and the same value read back from either's text. Strings that start
 * with ":" (keyv escapes those) and keys made of the characters the fast path watches for
 * are drawn often on purpose.
 */
import { defaultDeserialize, defaultSerialize } from '@keyv/serialize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deserialize, serialize } from '../../engine/store/keyv-serialize.ts';

const tricky = fc.constantFrom(':', '::', ':base64', ':x', '":', ',', '[', '\\', '"', 'a:', '', ' :');
const text = fc.oneof(
  fc.string(),
  tricky,
  fc.tuple(tricky, fc.string()).map(([a, b]) => a + b),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(text, fc.oneof(tie('value'), fc.constant(undefined)), { maxKeys: 5 }),
  ),
}));
/** What KeyvNamespace stores: a link-like record, in keyv's wrapper. */
const row = json.value.map((value) => ({ value, expires: undefined }));

describe('keyv serialization (engine/store/keyv-serialize.ts)', () => {
  it("writes exactly keyv's text", () => {
    fc.assert(
      fc.property(row, (data) => {
        expect(serialize(data)).toBe(defaultSerialize(data));
      }),
      { numRuns: 5000 },
    );
  });

  it("reads keyv's text (and its own) back to the value keyv reads", () => {
    fc.assert(
      fc.property(row, (data) => {
        const written = defaultSerialize(data);
        expect(deserialize(written)).toEqual(defaultDeserialize(written));
        expect(deserialize(serialize(data))).toEqual(defaultDeserialize(written));
      }),
      { numRuns: 5000 },
    );
  });

  it('a link with colon strings round-trips', () => {
    const link = {
      value: {
        v: 1,
        sourceId: ':1',
        targetId: '::2',
        base: { source: { note: ':base64:AAAA', ':key': ':v' }, target: {}, yields: {} },
        linkedAt: '2026-01-01T00:00:00.000Z',
      },
      expires: undefined,
    };
    expect(serialize(link)).toBe(defaultSerialize(link));
    expect(deserialize(serialize(link))).toEqual(defaultDeserialize(defaultSerialize(link)));
  });
});
