/**
 * What a failed record keeps (engine/sync/failure-bounds.ts, classify): bounded bodies with
 * a truncation marker, and reasons without the values a system or JSONata quotes.
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../engine/connectors/errors.ts';
import { MappingRuntimeError } from '../../engine/errors.ts';
import { boundJson, boundText, redactQuoted } from '../../engine/sync/failure-bounds.ts';
import { bounded, classify } from '../../engine/sync/failures.ts';

describe('failure bounds', () => {
  it('keeps small values as they are and cuts long ones with a marker, at a character boundary', () => {
    expect(boundJson({ a: 1 }, 100)).toEqual({ a: 1 });
    const big = { text: 'æ'.repeat(10_000) };
    const cut = boundJson(big, 1000) as string;
    expect(cut.startsWith('{"text":"ææ')).toBe(true);
    expect(cut).toMatch(/… \[truncated: 20011 bytes in all\]$/);
    expect(Buffer.byteLength(cut)).toBeLessThan(1100);
    expect(cut).not.toContain('\uFFFD');
    expect(boundText('x'.repeat(1500), 1000)).toMatch(/^x{1000}… \[truncated: 1500 characters\]$/);
  });

  it('a stored failure is bounded as a whole: body, details, candidates, reason', () => {
    const kept = bounded({
      code: 'X',
      kind: 'validation',
      reason: 'r'.repeat(5000),
      request: { method: 'POST', path: '/v2/Products', body: { Description: 'd'.repeat(200_000) } },
      candidates: Array.from({ length: 30 }, (_, i) => String(i)),
      details: { values: 'v'.repeat(100_000) },
    });
    expect(kept.reason.length).toBeLessThan(1100);
    expect(kept.request!.method).toBe('POST');
    expect(String(kept.request!.body).length).toBeLessThan(4200);
    expect(kept.candidates).toHaveLength(21);
    expect(kept.candidates!.at(-1)).toBe('… and 10 more');
    expect(String(kept.details)).toMatch(/truncated: 100013 bytes in all/);
  });

  it('redacts what a system message quotes, not apostrophes', () => {
    expect(redactQuoted("Code is already in use. 'WOO-7' is used on (product) Id = 12.")).toBe(
      "Code is already in use. '…' is used on (product) Id = 12.",
    );
    expect(redactQuoted('The value "kari@example.no" is invalid for target location.')).toBe(
      'The value "…" is invalid for target location.',
    );
    expect(redactQuoted("can't be empty")).toBe("can't be empty");
  });

  it('classify: a vendor message’s quoted values go to the details; the reason keeps the rest', () => {
    const error = new ConnectorError(
      "poweroffice-go: POST /v2/Customers → 400 Customer conflict: EmailAddress is already in use. 'kari@example.no' is used on (contact) Id = 9.",
      { system: 'poweroffice-go', kind: 'validation', method: 'POST', path: '/v2/Customers' },
    );
    const f = classify(error);
    expect(f.reason).toBe(
      "poweroffice-go: POST /v2/Customers → 400 Customer conflict: EmailAddress is already in use. '…' is used on (contact) Id = 9.",
    );
    expect(f.details).toEqual({ message: error.message });
  });

  it('classify: JSONata and helper messages lose what they quote, the location stays', () => {
    const jsonata = Object.assign(new Error('Unable to cast value to a number: "kari@example.no"'), {
      code: 'D3030',
      value: 'kari@example.no',
    });
    const f = classify(
      new MappingRuntimeError(
        'MAP_EVAL_ERROR',
        'mappings/x.yaml:4:7: mapping "x", property "Phone" to_target: Unable to cast value to a number: "kari@example.no" (JSONata D3030)',
        'x',
        'property "Phone" to_target',
        { cause: jsonata },
      ),
    );
    expect(f.reason).toBe(
      'mappings/x.yaml:4:7: mapping "x", property "Phone" to_target: Unable to cast value to a number: "…" (JSONata D3030)',
    );
    expect(f.details).toEqual({ property: 'property "Phone" to_target', value: 'kari@example.no' });
    const helper = classify(
      new MappingRuntimeError(
        'MAP_EVAL_ERROR',
        'm.yaml:1:1: mapping "m", property "P" to_target: $divide: "12,50 kr" is not a number',
        'm',
        'property "P" to_target',
        { cause: new Error('$divide: "12,50 kr" is not a number') },
      ),
    );
    expect(helper.reason).toBe(
      'm.yaml:1:1: mapping "m", property "P" to_target: $divide: "…" is not a number',
    );
  });
});
