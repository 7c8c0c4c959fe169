/**
 * keyv's (de)serializer, fast. keyv's own (@keyv/serialize) builds the JSON text by hand,
 * value by value, and parses it back with a reviver: a quarter of the store's CPU per
 * record in the engine-cost benchmark. Its format is JSON where a string *value* that starts
 * with ":" gets one more ":" in front (so that ":base64:…" can mean a Buffer), and that is
 * undone on reading.
 *
 * Here the text is the same, byte for byte (stores written before and after, and processes
 * of both versions in one fleet, read each other's rows): `JSON.stringify` / `JSON.parse`,
 * which are native, whenever the text cannot hold such a string; keyv's own functions when
 * it may. In compact JSON a string value starting with ":" is a `":` right after `:`, `,`,
 * `[` or the start of the text; the same four characters after an object key ending in one
 * of them are a false alarm that only costs the slow path. What the store holds is plain
 * JSON data (links, intents, cursors, failures): no Buffers, no functions; the property test
 * (test/store/keyv-serialize.property.test.ts) checks the equivalence over such values.
 */
import { defaultDeserialize, defaultSerialize } from '@keyv/serialize';

/** Where keyv's format may differ from plain JSON: a string value that starts with ":". */
const COLON_STRING = /(?:^|[:,[])":/;

export function serialize(data: unknown): string {
  const text = JSON.stringify(data) ?? 'null';
  return COLON_STRING.test(text) ? defaultSerialize(data) : text;
}

export function deserialize<T>(text: string): T {
  return (COLON_STRING.test(text) ? defaultDeserialize(text) : JSON.parse(text)) as T;
}
