/**
 * "Save to file" against a real server: the edited text is written as is (comments, layout
 * and every untouched byte kept) and then validated from disk; an edit given as paths goes
 * through the yaml Document API and keeps comments and block scalars; a save that would
 * leave errors, or that started from a version older than the file on disk, writes nothing.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkFiles } from '../../engine/mapping/check-files.ts';
import type { MappingList } from '../../engine/playground/list.ts';
import type { SaveResult } from '../../engine/playground/save.ts';
import type { PlaygroundServer } from '../../engine/playground/server.ts';
import { copyProject, post, read, send, startServer, workspaceOf } from './helpers.ts';

const PRODUCT = 'mappings/product.yaml';
const DESCRIPTION = '$htmlToText(type = "variation" ? description : short_description)';

let project: ReturnType<typeof copyProject>;
let server: PlaygroundServer;

beforeEach(async () => {
  project = copyProject();
  server = await startServer(project.dir);
});

afterEach(async () => {
  await server?.close();
  project?.remove();
});

async function current(file = PRODUCT) {
  const { body } = await send<MappingList>(server.url, 'GET', '/playground/api/mappings');
  return body.mappings.find((m) => m.file === file)!;
}

/** What `mapsync validate` says about the files on disk. */
async function validateOnDisk() {
  const { registry, schemasDir } = workspaceOf(project.dir);
  const checked = await checkFiles(['mappings'], { registry, schemasDir, cwd: project.dir });
  return checked.diagnostics.filter((d) => d.severity === 'error');
}

describe('save to file', () => {
  it('writes the edited text byte for byte, keeps every comment, and answers with validate', async () => {
    const listed = await current();
    const text = listed.text.replace(DESCRIPTION, `$uppercase(${DESCRIPTION}) /* louder */`);
    expect(text).not.toBe(listed.text);
    const saved = await post<SaveResult>(server.url, '/playground/api/save', {
      file: PRODUCT,
      version: listed.version,
      text,
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toMatchObject({ file: PRODUCT, written: true });
    expect(saved.body.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(read(project.dir, PRODUCT)).toBe(text);
    expect(read(project.dir, PRODUCT)).toContain(
      '# Generated codes: a product without SKU gets WOO-<its id>.',
    );
    expect(await validateOnDisk()).toEqual([]);
    expect((await current()).version).toBe(saved.body.version);
    // No temporary file is left beside it.
    expect(readdirSync(join(project.dir, 'mappings')).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('applies a path edit to that value only (Document + CST API): every other byte, comment and the block scalar stay', async () => {
    const listed = await current();
    const index = 2; // properties[2]: Description
    const saved = await post<SaveResult>(server.url, '/playground/api/save', {
      file: PRODUCT,
      version: listed.version,
      edits: [{ path: ['properties', index, 'to_target'], value: `$uppercase(${DESCRIPTION})\n` }],
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const after = read(project.dir, PRODUCT);
    expect(after).toContain(`    to_target: |\n      $uppercase(${DESCRIPTION})\n`);
    // Every comment line of the file is still there, in order.
    const comments = (t: string) => t.split('\n').filter((l) => l.trimStart().startsWith('#'));
    expect(comments(after)).toEqual(comments(listed.text));
    // Nothing else changed: only the expression's line differs.
    expect(after).toBe(listed.text.replace(DESCRIPTION, `$uppercase(${DESCRIPTION})`));
    expect(await validateOnDisk()).toEqual([]);
  });

  it('keeps CRLF line ends of a file written with them', async () => {
    const crlf = read(project.dir, PRODUCT).replace(/\n/g, '\r\n');
    writeFileSync(join(project.dir, PRODUCT), crlf);
    const listed = await current();
    // A browser hands the text back with LF.
    const edited = listed.text.replace(/\r\n/g, '\n').replace(DESCRIPTION, `$trim(${DESCRIPTION})`);
    const saved = await post(server.url, '/playground/api/save', {
      file: PRODUCT,
      version: listed.version,
      text: edited,
    });
    expect(saved.status).toBe(200);
    expect(read(project.dir, PRODUCT)).toBe(crlf.replace(DESCRIPTION, `$trim(${DESCRIPTION})`));
  });

  it('refuses a text with errors (422, with the diagnostics) and writes nothing', async () => {
    const listed = await current();
    const refused = await post<{ error: string; diagnostics: { code: string }[] }>(
      server.url,
      '/playground/api/save',
      { file: PRODUCT, version: listed.version, text: listed.text.replace(DESCRIPTION, '$htmlToTxt(x)') },
    );
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatch(/not saved: 1 error/);
    expect(refused.body.diagnostics.map((d) => d.code)).toContain('EXPR_UNKNOWN_FUNCTION');
    expect(read(project.dir, PRODUCT)).toBe(listed.text);
  });

  it('refuses a save that is valid itself but breaks another file (its tests flow back)', async () => {
    const file = 'mappings/customer-person.yaml';
    const listed = await current(file);
    const oneWay = listed.text.replace('direction: two-way', 'direction: one-way');
    const refused = await post<{ diagnostics: { file: string; code: string }[] }>(
      server.url,
      '/playground/api/save',
      { file, version: listed.version, text: oneWay },
    );
    expect(refused.status).toBe(422);
    expect(refused.body.diagnostics.map((d) => [d.file, d.code])).toContainEqual([
      'mappings/customer-person.test.yaml',
      'TEST_DIRECTION_INVALID',
    ]);
    expect(read(project.dir, file)).toBe(listed.text);
  });

  it('refuses a save from a version older than the file on disk (409) and keeps the newer file', async () => {
    const listed = await current();
    const newer = `${listed.text}# edited elsewhere\n`;
    writeFileSync(join(project.dir, PRODUCT), newer);
    const stale = await post(server.url, '/playground/api/save', {
      file: PRODUCT,
      version: listed.version,
      text: listed.text.replace(DESCRIPTION, `$trim(${DESCRIPTION})`),
    });
    expect(stale.status).toBe(409);
    expect(read(project.dir, PRODUCT)).toBe(newer);
  });
});
