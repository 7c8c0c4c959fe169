/**
 * Everything the HTTP routes need, assembled once by `createService` (service.ts). Routes
 * get this object instead of reaching for module state, so tests can build a service with
 * a fake engine and drive it through `app.inject`.
 */
import type { Logger } from 'pino';
import type { AdminAuth } from './admin-auth.ts';
import type { ServiceMetrics } from './metrics.ts';
import type { ServiceEngine } from './ports.ts';
import type { Readiness } from './readiness.ts';
import type { Scheduler } from './scheduler.ts';
import type { ServiceSettings } from './settings.ts';
import type { StatusApi } from './status-api.ts';
import type { WebhookIntake } from './webhook-intake.ts';

export interface ServiceContext {
  readonly engine: ServiceEngine;
  readonly scheduler: Scheduler;
  readonly intake: WebhookIntake;
  readonly metrics: ServiceMetrics;
  readonly readiness: Readiness;
  readonly status: StatusApi;
  readonly admin: AdminAuth;
  readonly settings: ServiceSettings;
  readonly logger: Logger;
  isDraining(): boolean;
}
