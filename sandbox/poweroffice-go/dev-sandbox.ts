/**
 * The PowerOffice Go kind's dev-sandbox capability (engine/connectors/spec.ts#DevSandbox):
 * a local PowerOffice Go v2 with its service products (FRAKT, GEBYR), its per-subscription
 * rate limit (10 requests per second unless told otherwise) and the options that point a
 * `poweroffice-go` system at it. PowerOffice Go sends no webhooks, so there is nothing to
 * connect once a service listens.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { DevSandbox, RunningDevSandbox } from '../../engine/connectors/spec.ts';
import { DATA_SEED } from '../common/random.ts';
import { startPowerOfficeSandbox } from './index.ts';

export const devSandbox: DevSandbox = {
  async start(options): Promise<RunningDevSandbox> {
    const po = await startPowerOfficeSandbox({
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.host ? { host: options.host } : {}),
      ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
      ...(options.persistFile ? { persistFile: options.persistFile } : {}),
      ...(options.randomCredentials
        ? {
            credentials: {
              applicationKey: randomUUID(),
              clientKey: randomUUID(),
              subscriptionKey: randomBytes(16).toString('hex'),
            },
          }
        : {}),
      seed: { seed: DATA_SEED },
    });
    return {
      config: {
        url: po.url,
        token_url: po.tokenUrl,
        application_key: po.applicationKey,
        client_key: po.clientKey,
        subscription_key: po.subscriptionKey,
      },
      secrets: [po.applicationKey, po.clientKey, po.subscriptionKey],
      connection: {
        url: po.url,
        tokenUrl: po.tokenUrl,
        applicationKey: po.applicationKey,
        clientKey: po.clientKey,
        subscriptionKey: po.subscriptionKey,
      },
      env: [
        `POWEROFFICE_BASE_URL=${po.url}`,
        `POWEROFFICE_APPLICATION_KEY=${po.applicationKey}`,
        `POWEROFFICE_CLIENT_KEY=${po.clientKey}`,
        `POWEROFFICE_SUBSCRIPTION_KEY=${po.subscriptionKey}`,
      ],
      addresses: { 'PowerOffice Go API': po.url, 'PowerOffice Go admin': `${po.adminUrl}/state` },
      describe: () => [
        `  PowerOffice Go  ${po.url}`,
        `    token ${po.tokenUrl}, admin ${po.adminUrl}`,
        `    application key ${po.applicationKey}`,
        `    client key ${po.clientKey}`,
        `    subscription key ${po.subscriptionKey}`,
        '    data: the service products FRAKT, GEBYR and AVRUNDING (one per VAT rate: FRAKT15, …, AVRUNDING0)',
        '    try: see what arrived',
        `      curl -s ${po.adminUrl}/state | grep -o '"FirstName":"Edited"[^}]*'`,
      ],
      close: () => po.close(),
    };
  },
};
