/**
 * Cascade suppression: a mapping file that cannot be read or parsed yields its own errors
 * plus one note; the references to it from other mappings and from mapping tests are not
 * reported one by one (they only follow from its absence). Checked on a copy of the shipped
 * mappings, where customer-person is named 10 times by salesorder and the tests.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { connectors } from '../../engine/connectors/index.ts';
import { checkWritten, runCommands, where } from './helpers.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function shippedCopy(edit: (dir: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'mapsync-cascade-'));
  cpSync(join(REPO, 'mappings'), join(dir, 'mappings'), { recursive: true });
  cpSync(join(REPO, 'mapsync.yaml'), join(dir, 'mapsync.yaml'));
  edit(dir);
  return dir;
}

const validate = (dir: string) => runCommands(['validate'], { cwd: dir, registry: connectors });
const lines = (text: string) => text.trimEnd().split('\n');

describe('a mapping file that did not load', () => {
  it('an empty file: one error and one note instead of 13 errors', async () => {
    const dir = shippedCopy((d) => writeFileSync(join(d, 'mappings/customer-person.yaml'), ''));
    const result = await validate(dir);
    expect(result.code).toBe(2);
    expect(lines(result.out)).toEqual([
      'mappings/customer-person.yaml:0:0 error FILE_EMPTY file is empty',
      'mappings/customer-person.yaml:0:0 note MAP_REFERENCES_NOT_CHECKED 13 references to mapping "customer-person" not checked because this file did not load (mappings/customer-person.test.yaml:3; mappings/salesorder.test.yaml:7,31,51,68,87,106,128,141 +1; mappings/salesorder.yaml:32,98)',
    ]);
    expect(result.err).toBe('mapsync validate: 1 error, 0 warnings, 1 note\n');
  });

  it("a YAML syntax error: the parser's errors (one per spot), then the note right after the first", async () => {
    const dir = shippedCopy((d) => {
      const file = join(d, 'mappings/customer-person.yaml');
      const text = readFileSync(file, 'utf8').split('\n');
      text[4] = '  broken: [unclosed';
      writeFileSync(file, text.join('\n'));
    });
    const result = await validate(dir);
    const out = lines(result.out);
    expect(out.map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual([
      'mappings/customer-person.yaml:4:7 error YAML_SYNTAX',
      'mappings/customer-person.yaml:4:7 note MAP_REFERENCES_NOT_CHECKED',
      'mappings/customer-person.yaml:8:1 error YAML_SYNTAX',
    ]);
    expect(result.out).not.toMatch(/UNKNOWN_MAPPING/);
  });

  it('an unreadable (non-UTF-8) file folds the same references', async () => {
    const dir = shippedCopy((d) =>
      writeFileSync(join(d, 'mappings/customer-person.yaml'), Buffer.from([0xff, 0xfe, 0x20])),
    );
    const out = lines((await validate(dir)).out);
    expect(out.map((l) => l.split(' ')[2])).toEqual(['FILE_NOT_UTF8', 'MAP_REFERENCES_NOT_CHECKED']);
  });

  it('mapsync test prints the same short list and runs nothing', async () => {
    const dir = shippedCopy((d) => writeFileSync(join(d, 'mappings/customer-person.yaml'), ''));
    const result = await runCommands(['test'], { cwd: dir, registry: connectors });
    expect(result.code).toBe(2);
    expect(lines(result.out).map((l) => l.split(' ')[2])).toEqual([
      'FILE_EMPTY',
      'MAP_REFERENCES_NOT_CHECKED',
    ]);
  });

  it('a reference to a mapping that does not exist at all is still an error', async () => {
    const { diagnostics } = await checkWritten({
      'order.yaml': readFileSync(join(REPO, 'test/mapping/fixtures/good/order.yaml'), 'utf8'),
    });
    expect(where(diagnostics).map(([code]) => code)).toContain('MAP_UNKNOWN_MAPPING');
  });
});
