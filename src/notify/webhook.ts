import type { Config } from '../config.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';

/** What every notification carries: an event name, the facts as fields, and a one-line `text`. */
export interface NotificationPayload {
  event: string;
  /** Slack-compatible summary (incoming webhooks show `text`; other receivers can ignore it). */
  text: string;
  [field: string]: unknown;
}

export interface Notifier {
  /** False when no webhook is configured: callers can skip work done only for notifications. */
  readonly enabled: boolean;
  /** Never throws: a failed notification is logged and must not fail the sync or decision behind it. */
  send(payload: NotificationPayload): Promise<void>;
}

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;

/** POSTs each payload as JSON to one URL, with a timeout; redirects are not followed. */
export class WebhookNotifier implements Notifier {
  readonly enabled = true;

  constructor(private readonly options: { url: string; logger: Logger; timeoutMs?: number }) {}

  async send(payload: NotificationPayload): Promise<void> {
    const { url, logger } = this.options;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'aurgate' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS),
        redirect: 'error',
      });
      await response.body?.cancel();
      if (!response.ok) logger.warn({ event: payload.event, status: response.status }, 'webhook refused the notification');
    } catch (error) {
      logger.warn({ event: payload.event, err: describeError(error) }, 'webhook notification failed');
    }
  }
}

export const silentNotifier: Notifier = { enabled: false, send: () => Promise.resolve() };

export function createNotifier(config: Config, logger: Logger): Notifier {
  return config.webhookUrl ? new WebhookNotifier({ url: config.webhookUrl, logger }) : silentNotifier;
}
