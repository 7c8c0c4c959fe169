import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../engine/connectors/woocommerce/config.ts';
import { entities, parseGmt } from '../../engine/connectors/woocommerce/entities.ts';

const base = { url: 'https://shop.example/', consumer_key: 'ck_1', consumer_secret: 'cs_1' };

describe('config', () => {
  it('resolves defaults: auto → basic over https, oauth1 over http', () => {
    const https = resolveConfig(base);
    expect(https).toMatchObject({
      baseUrl: 'https://shop.example',
      https: true,
      auth: 'basic',
      pageSize: 100,
      overlapMs: 300_000,
      timeoutMs: 30_000,
      plainPermalinks: false,
      methodOverride: false,
    });
    expect(resolveConfig({ ...base, url: 'http://shop.example/sub/' })).toMatchObject({
      baseUrl: 'http://shop.example/sub',
      auth: 'oauth1',
    });
  });

  it('accepts interpolated strings for numbers and flags', () => {
    expect(
      resolveConfig({ ...base, page_size: '50', overlap_seconds: '0', plain_permalinks: 'true' }),
    ).toMatchObject({ pageSize: 50, overlapMs: 0, plainPermalinks: true });
  });

  it('reports every problem at once without echoing secrets', () => {
    let message = '';
    try {
      resolveConfig({
        url: 'ftp://x?consumer_key=ck_secret',
        consumer_secret: 'cs_secret',
        auth: 'magic',
        page_size: 101,
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('"consumer_key" is required');
    expect(message).toContain('"auth" must be one of');
    expect(message).toContain('"page_size"');
    expect(message).toContain('http(s)');
    expect(message).not.toContain('cs_secret');
    expect(message).not.toContain('ck_secret');
    expect(() => resolveConfig({ ...base, url: 'https://shop.example/wp-json/wc/v3' })).toThrow(
      /without \/wp-json/,
    );
  });
});

describe('entities', () => {
  it('descriptors as the engine needs them', () => {
    expect(entities.customer).toMatchObject({
      changeDetection: 'full-scan',
      removeModes: ['delete'],
      guardFields: ['email'],
    });
    expect(entities.order).toMatchObject({
      changeDetection: 'cursor',
      removeModes: ['delete'],
      guardFields: ['id'],
    });
    expect(entities.product).toMatchObject({ changeDetection: 'cursor', guardFields: ['sku'] });
    expect(entities.product!.isGone!({ status: 'trash' })).toBe(true);
    expect(entities.product!.isGone!({ status: 'publish' })).toBe(false);
    expect(
      entities.order!.modifiedAt({
        date_modified_gmt: '2025-01-31T23:00:00',
        date_modified: '2025-02-01T00:00:00',
      }),
    ).toEqual(new Date('2025-01-31T23:00:00Z'));
    expect(entities.customer!.modifiedAt({ date_modified_gmt: null })).toBeUndefined();
    expect(entities.customer!.idOf({ id: 12 })).toBe('12');
    expect(parseGmt('2025-13-40T00:00:00')).toBeUndefined();
  });
});
