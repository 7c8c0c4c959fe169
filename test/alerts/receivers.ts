/**
 * Local endpoints for alert channels, on 127.0.0.1 only: an HTTP receiver (the generic
 * webhook and a Slack-compatible incoming webhook, by path) and an SMTP sink (smtp-server,
 * with a login, so the password from the environment is proven to arrive). Each keeps what
 * it received, raw, in order.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface HttpDelivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpReceiver {
  url: string;
  received: HttpDelivery[];
  /** Status to answer with, per path (default 200). */
  status: Map<string, number>;
  close(): Promise<void>;
}

export async function startHttpReceiver(): Promise<HttpReceiver> {
  const received: HttpDelivery[] = [];
  const status = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const path = request.url ?? '/';
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = status.get(path) ?? 200;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    status,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface Mail {
  from?: string;
  to: string[];
  subject: string;
  text: string;
  raw: string;
  user?: string;
}

export interface SmtpSink {
  port: number;
  /** Raw messages as received; `mails()` parses them. */
  raw: Array<{ raw: string; user?: string; to: string[] }>;
  mails(): Promise<Mail[]>;
  close(): Promise<void>;
}

export async function startSmtpSink(login: { user: string; password: string }): Promise<SmtpSink> {
  const raw: SmtpSink['raw'] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === login.user && auth.password === login.password)
        callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        raw.push({
          raw: Buffer.concat(chunks).toString('utf8'),
          user: session.user as string | undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    raw,
    async mails() {
      return Promise.all(
        raw.map(async (m) => {
          const parsed = await simpleParser(m.raw);
          return {
            ...(parsed.from?.text ? { from: parsed.from.text } : {}),
            to: m.to,
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            raw: m.raw,
            ...(m.user ? { user: m.user } : {}),
          };
        }),
      );
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
