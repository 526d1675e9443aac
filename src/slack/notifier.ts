import type { WebClient } from '@slack/web-api';
import { renderApprovalMessage } from '../blocks/approval.js';
import type { HomeView } from '../blocks/home.js';
import type { SlackMessage } from '../blocks/message.js';
import { renderNotFiled } from '../blocks/request-confirmation.js';
import { type RequestReply, renderRequestReply } from '../blocks/request-reply.js';
import type { AmiRequest, MessageRef } from '../domain/request.js';
import type { Logger } from '../logger.js';
import { MeteredWebClient } from './metered-web-client.js';

export interface NotifierOptions {
  token: string;
  apiUrl?: string;
  logger: Logger;
  clock?: () => Date;
  /** Retries for failed Web API calls (429 answers always wait for Retry-After first). */
  retries?: number;
  /** Who may approve a request, as mrkdwn for its message (from the account's policy). */
  approverHintFor?: (request: AmiRequest) => string | undefined;
}

/**
 * Everything the bot posts outside a `response_url`: approval messages, their updates, thread
 * replies and reminders. Used by the web process (posting requests) and by workers (progress and
 * results), so it talks to the Web API directly rather than through a Bolt app.
 */
export class SlackNotifier {
  readonly client: WebClient;
  private readonly logger: Logger;
  private readonly clock: () => Date;
  private readonly approverHintFor: (request: AmiRequest) => string | undefined;

  constructor(opts: NotifierOptions) {
    this.logger = opts.logger;
    this.clock = opts.clock ?? (() => new Date());
    this.approverHintFor = opts.approverHintFor ?? (() => undefined);
    this.client = new MeteredWebClient(opts.token, {
      slackApiUrl: opts.apiUrl,
      retryConfig: { retries: opts.retries ?? 5, factor: 2, minTimeout: 500, maxTimeout: 10_000 },
      logger: {
        debug: () => {},
        info: () => {},
        warn: (...a: unknown[]) => this.logger.warn(a.map(String).join(' '), { source: 'slack-web-api' }),
        error: (...a: unknown[]) => this.logger.error(a.map(String).join(' '), { source: 'slack-web-api' }),
        setLevel: () => {},
        getLevel: () => 'warn' as never,
        setName: () => {},
      },
    });
  }

  async post(channel: string, message: SlackMessage, threadTs?: string): Promise<MessageRef> {
    const res = await this.client.chat.postMessage({
      channel,
      text: message.text,
      blocks: message.blocks,
      thread_ts: threadTs,
      unfurl_links: false,
      unfurl_media: false,
    });
    if (!res.ok || !res.ts || !res.channel)
      throw new Error(`chat.postMessage failed: ${res.error ?? 'no ts'}`);
    this.logger.debug('posted a Slack message', {
      channel: res.channel,
      ts: res.ts,
      ...(threadTs ? { threadTs } : {}),
    });
    return { channel: res.channel, ts: res.ts };
  }

  async update(ref: MessageRef, message: SlackMessage): Promise<void> {
    await this.client.chat.update({
      channel: ref.channel,
      ts: ref.ts,
      text: message.text,
      blocks: message.blocks,
    });
    this.logger.debug('updated a Slack message', { channel: ref.channel, ts: ref.ts });
  }

  async postEphemeral(channel: string, user: string, message: SlackMessage): Promise<void> {
    await this.client.chat.postEphemeral({ channel, user, text: message.text, blocks: message.blocks });
  }

  /** Publishes `userId`'s App Home tab (the whole view; Slack replaces the previous one). */
  async publishHome(userId: string, view: HomeView): Promise<void> {
    await this.client.views.publish({ user_id: userId, view });
  }

  /** A request's message as it should look now. */
  renderRequest(request: AmiRequest): SlackMessage {
    return renderApprovalMessage({ request, now: this.clock(), approverHint: this.approverHintFor(request) });
  }

  /** A posted approval message whose request could not be stored. */
  renderNotFiled(request: AmiRequest): SlackMessage {
    return renderNotFiled(request);
  }

  /** Re-renders a request's approval message from its current state (no-op without a message). */
  async refreshRequest(request: AmiRequest): Promise<void> {
    if (!request.message) return;
    try {
      await this.update(request.message, this.renderRequest(request));
    } catch (err) {
      this.logger.error('could not update the request message', { requestId: request.id, error: err });
    }
  }

  /**
   * A thread reply under the request's message that mentions the requester; throws when Slack
   * refuses (the outbox relay retries). A string is taken as plain text and escaped (it may hold
   * AWS's words); the wording of each kind is in `blocks/request-reply.ts`.
   */
  async reply(request: AmiRequest, reply: RequestReply | string): Promise<void> {
    if (!request.message) return;
    const message = renderRequestReply(
      request,
      typeof reply === 'string' ? { kind: 'note', text: reply } : reply,
    );
    await this.post(request.message.channel, message, request.message.ts);
  }

  /** `reply`, with a failure logged instead of thrown. */
  async replyToRequest(request: AmiRequest, reply: RequestReply | string): Promise<void> {
    try {
      await this.reply(request, reply);
    } catch (err) {
      this.logger.error('could not reply in the request thread', { requestId: request.id, error: err });
    }
  }
}
