/**
 * E-mail over SMTP with nodemailer (imported the first time a mail is sent, so a service
 * without an e-mail channel never loads it). STARTTLS is used whenever the server offers it;
 * `require_tls` refuses to send without it, `secure` (port 465) speaks TLS from the start.
 */
import type { Transporter } from 'nodemailer';
import { subject, text } from '../message.ts';
import type { ChannelSettings } from '../settings.ts';
import { type Channel, DeliveryError, SEND_TIMEOUT_MS } from './channel.ts';

type EmailSettings = Extract<ChannelSettings, { type: 'email' }>;

export function emailChannel(settings: EmailSettings): Channel {
  let transport: Transporter | undefined;
  const open = async (): Promise<Transporter> => {
    if (transport) return transport;
    const nodemailer = await import('nodemailer');
    transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      requireTLS: settings.requireTls,
      ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
      connectionTimeout: SEND_TIMEOUT_MS,
      greetingTimeout: SEND_TIMEOUT_MS,
      socketTimeout: SEND_TIMEOUT_MS,
    });
    return transport;
  };
  return {
    name: settings.name,
    type: 'email',
    async send(message) {
      const mailer = await open();
      try {
        await mailer.sendMail({
          from: settings.from,
          to: settings.to,
          subject: subject(message),
          text: text(message),
        });
      } catch (error) {
        const code = (error as { responseCode?: number; code?: string }).responseCode;
        // SMTP 5xx is a permanent refusal; 4xx, timeouts and connection errors are worth a retry.
        throw new DeliveryError(
          `${settings.name}: ${code ?? (error as { code?: string }).code ?? 'send failed'}`,
          code === undefined || code < 500,
        );
      }
    },
    async close() {
      transport?.close();
    },
  };
}
