/**
 * A PowerOffice sandbox in a process of its own (forked by remote-poweroffice.ts): a bench
 * whose own event loop is busy (sandboxes, the runner, the shops) would otherwise stamp and
 * answer the sandbox's requests late, and a request that waited in that loop is counted in
 * a later second than it was sent. Started with its options as JSON in argv; tells the parent
 * its address over IPC, then answers `mark` and `list` (the request log, bodies left out)
 * until `close`.
 */
import { startPowerOfficeSandbox } from '../../sandbox/poweroffice-go/index.ts';

interface Request {
  id: number;
  op: 'mark' | 'list' | 'close';
  since?: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as {
  rateLimit?: number | false;
  subscriptionKey?: string;
};
const po = await startPowerOfficeSandbox({
  rateLimit: options.rateLimit ?? 10,
  seed: {},
  ...(options.subscriptionKey ? { credentials: { subscriptionKey: options.subscriptionKey } } : {}),
});
const send = (message: unknown) => process.send!(message);
process.on('message', async (request: Request) => {
  if (request.op === 'mark') send({ id: request.id, result: po.log.mark() });
  else if (request.op === 'list')
    send({ id: request.id, result: po.log.list(request.since).map(({ body: _body, ...entry }) => entry) });
  else {
    await po.close();
    send({ id: request.id, result: null });
    process.disconnect();
  }
});
// The parent went away without closing: nothing to serve any more.
process.on('disconnect', () => process.exit(0));
send({
  ready: {
    url: po.url,
    tokenUrl: po.tokenUrl,
    applicationKey: po.applicationKey,
    clientKey: po.clientKey,
    subscriptionKey: po.subscriptionKey,
  },
});
