/**
 * Builders for the HTTP requests Slack sends to the app, with Slack's real payload shapes, and
 * a signer that signs them the way Slack does, so tests and the local sandbox can POST them to
 * Bolt's `/slack/events` and exercise the same paths as real Slack traffic.
 *
 * The `*Payload` builders return the decoded object (also what a Socket Mode envelope carries as
 * `payload`); the others return the raw HTTP body to sign and POST. Bolt is imported for its types
 * only (erased at build time).
 */

import { createHmac, randomBytes } from 'node:crypto';
import type { BlockAction, ButtonAction, SlashCommand, ViewStateValue, ViewSubmitAction } from '@slack/bolt';

export const TEST_TEAM_ID = 'T0001';
export const TEST_TEAM_DOMAIN = 'amibot-sandbox';
export const TEST_APP_ID = 'A0AMIBOT';
export const TEST_BOT_USER_ID = 'UBOT';
export const TEST_BOT_ID = 'BBOT';
/** The deprecated verification token Slack still puts in every payload. */
export const TEST_VERIFICATION_TOKEN = 'vErIfIcAtIoNtOkEn0123456';

export interface SlashCommandOptions {
  text: string;
  userId?: string;
  userName?: string;
  channelId?: string;
  channelName?: string;
  command?: string;
  responseUrl?: string;
  triggerId?: string;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  /** Only Enterprise Grid workspaces send `enterprise_id` / `enterprise_name`. */
  enterprise?: { id: string; name: string };
}

export interface BlockActionMessage {
  ts?: string;
  text?: string;
  blocks?: unknown[];
  user?: string;
  bot_id?: string;
  thread_ts?: string;
}

export interface BlockActionOptions {
  actionId: string;
  /** Button value; taken from the button in `message.blocks` when left out. */
  value?: string;
  /** Taken from the block holding the button in `message.blocks` when left out. */
  blockId?: string;
  /** Button label; taken from the button in `message.blocks` when left out. */
  buttonText?: string;
  style?: 'primary' | 'danger';
  userId?: string;
  userName?: string;
  channelId?: string;
  channelName?: string;
  messageTs?: string;
  responseUrl?: string;
  triggerId?: string;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  /** The message holding the button, as Slack stores it (e.g. `fakeSlack.message(channel, ts)`). */
  message?: BlockActionMessage;
  /** The clicked message is ephemeral: Slack then sends no `message`. */
  ephemeral?: boolean;
  stateValues?: Record<string, Record<string, ViewStateValue>>;
  actionTs?: string;
}

export interface ViewSubmissionOptions {
  callbackId: string;
  privateMetadata?: string;
  /** `state.values`: `{ [blockId]: { [actionId]: value } }`, see `plainTextValue` / `staticSelectValue`. */
  values?: Record<string, Record<string, ViewStateValue>>;
  userId?: string;
  userName?: string;
  viewId?: string;
  externalId?: string;
  blocks?: unknown[];
  title?: string;
  triggerId?: string;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
  hash?: string;
  responseUrls?: ViewSubmitAction['response_urls'];
}

export interface SlackSignatureHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
  'content-type': string;
  [header: string]: string;
}

export interface PostSignedOptions {
  /** Unix seconds to sign with (default now); an old one tests replay protection. */
  timestamp?: number;
  /** Sets `x-slack-retry-num` (and `x-slack-retry-reason`), as Slack does when it retries. */
  retryNum?: number;
  retryReason?: string;
  /** Sends a signature that does not match the body. */
  badSignature?: boolean;
  headers?: Record<string, string>;
}

export interface SignedResponse {
  status: number;
  body: string;
  headers: Headers;
  elapsedMs: number;
}

let counter = 0;

function defaultUserName(userId: string): string {
  return userId.toLowerCase().replace(/^u_?/, '') || 'user';
}

function defaultChannelName(channelId: string): string {
  return channelId.toLowerCase().replace(/^c_?/, '') || 'general';
}

/** A trigger id in Slack's format (`<digits>.<digits>.<32 hex>`). */
export function triggerId(): string {
  counter += 1;
  return `${Date.now()}${counter}.${Date.now() % 1e10}.${randomBytes(16).toString('hex')}`;
}

/** A Slack-style ts for now (`<unix seconds>.<6 digits>`). */
export function slackTs(date: Date = new Date()): string {
  counter += 1;
  const micros = (date.getTime() % 1000) * 1000 + (counter % 1000);
  return `${Math.floor(date.getTime() / 1000)}.${String(micros).padStart(6, '0')}`;
}

function defaultResponseUrl(teamId: string, kind: 'commands' | 'actions'): string {
  counter += 1;
  return `https://hooks.slack.com/${kind}/${teamId}/${1_000_000_000 + counter}/${randomBytes(12).toString('hex')}`;
}

function formEncode(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

// ---------------------------------------------------------------- slash commands

export function buildSlashCommandPayload(options: SlashCommandOptions): SlashCommand {
  const teamId = options.teamId ?? TEST_TEAM_ID;
  const userId = options.userId ?? 'U_REQUESTER';
  const channelId = options.channelId ?? 'C_OPS';
  const payload: SlashCommand = {
    token: TEST_VERIFICATION_TOKEN,
    team_id: teamId,
    team_domain: options.teamDomain ?? TEST_TEAM_DOMAIN,
    channel_id: channelId,
    channel_name: options.channelName ?? defaultChannelName(channelId),
    user_id: userId,
    user_name: options.userName ?? defaultUserName(userId),
    command: options.command ?? '/ami',
    text: options.text,
    api_app_id: options.apiAppId ?? TEST_APP_ID,
    is_enterprise_install: 'false',
    response_url: options.responseUrl ?? defaultResponseUrl(teamId, 'commands'),
    trigger_id: options.triggerId ?? triggerId(),
  };
  if (options.enterprise !== undefined) {
    payload.enterprise_id = options.enterprise.id;
    payload.enterprise_name = options.enterprise.name;
  }
  return payload;
}

/** The form-encoded body Slack POSTs for a slash command. */
export function buildSlashCommand(options: SlashCommandOptions): string {
  const payload = buildSlashCommandPayload(options);
  // Slack sends the fields in this order; enterprise fields only on Enterprise Grid.
  const order = [
    'token',
    'team_id',
    'team_domain',
    'enterprise_id',
    'enterprise_name',
    'channel_id',
    'channel_name',
    'user_id',
    'user_name',
    'command',
    'text',
    'api_app_id',
    'is_enterprise_install',
    'response_url',
    'trigger_id',
  ];
  const fields: Record<string, string> = {};
  for (const key of order) {
    const value = payload[key];
    if (typeof value === 'string') fields[key] = value;
  }
  return formEncode(fields);
}

// ---------------------------------------------------------------- block actions

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Finds the interactive element `actionId` in blocks and the id of the block holding it. */
export function findAction(
  blocks: unknown[] | undefined,
  actionId: string,
): { blockId: string; element: JsonObject } | undefined {
  for (const block of blocks ?? []) {
    if (!isObject(block)) continue;
    const elements = Array.isArray(block.elements) ? block.elements : [];
    const candidates = [...elements, block.accessory, block.element];
    const element = candidates.find((e): e is JsonObject => isObject(e) && e.action_id === actionId);
    if (element !== undefined) return { blockId: String(block.block_id ?? ''), element };
  }
  return undefined;
}

export function buildBlockActionPayload(options: BlockActionOptions): BlockAction<ButtonAction> {
  const teamId = options.teamId ?? TEST_TEAM_ID;
  const teamDomain = options.teamDomain ?? TEST_TEAM_DOMAIN;
  const userId = options.userId ?? 'U_APPROVER';
  const userName = options.userName ?? defaultUserName(userId);
  const channelId = options.channelId ?? 'C_OPS';
  const messageTs = options.messageTs ?? options.message?.ts ?? slackTs();
  const found = findAction(options.message?.blocks, options.actionId);
  const buttonText =
    options.buttonText ?? (isObject(found?.element.text) ? found.element.text.text : undefined);
  const value = options.value ?? (typeof found?.element.value === 'string' ? found.element.value : undefined);
  const style = options.style ?? found?.element.style;
  const blockId = options.blockId ?? found?.blockId ?? randomBytes(3).toString('base64url');

  const action: ButtonAction = {
    action_id: options.actionId,
    block_id: blockId,
    text: { type: 'plain_text', text: String(buttonText ?? options.actionId), emoji: true },
    type: 'button',
    action_ts: options.actionTs ?? slackTs(),
  };
  if (value !== undefined) action.value = value;
  if (style === 'primary' || style === 'danger') (action as ButtonAction & { style: string }).style = style;

  const payload: BlockAction<ButtonAction> = {
    type: 'block_actions',
    user: { id: userId, username: userName, name: userName, team_id: teamId },
    api_app_id: options.apiAppId ?? TEST_APP_ID,
    token: TEST_VERIFICATION_TOKEN,
    container: {
      type: 'message',
      message_ts: messageTs,
      channel_id: channelId,
      is_ephemeral: options.ephemeral ?? false,
    },
    trigger_id: options.triggerId ?? triggerId(),
    team: { id: teamId, domain: teamDomain },
    is_enterprise_install: false,
    channel: { id: channelId, name: options.channelName ?? defaultChannelName(channelId) },
    state: { values: options.stateValues ?? {} },
    response_url: options.responseUrl ?? defaultResponseUrl(teamId, 'actions'),
    actions: [action],
  };
  // Slack sends `enterprise: null` outside Enterprise Grid; Bolt's type only allows an object.
  (payload as unknown as JsonObject).enterprise = null;
  if (options.ephemeral !== true) {
    const message = options.message ?? {};
    const wireMessage: NonNullable<BlockAction['message']> = {
      type: 'message',
      subtype: 'bot_message',
      text: message.text ?? '',
      ts: messageTs,
      user: message.user ?? TEST_BOT_USER_ID,
      bot_id: message.bot_id ?? TEST_BOT_ID,
      app_id: options.apiAppId ?? TEST_APP_ID,
      team: teamId,
      blocks: message.blocks ?? [],
    };
    if (message.thread_ts !== undefined) wireMessage.thread_ts = message.thread_ts;
    payload.message = wireMessage;
  }
  return payload;
}

/** The `payload=<json>` form body Slack POSTs when a button is clicked. */
export function buildBlockAction(options: BlockActionOptions): string {
  return formEncode({ payload: JSON.stringify(buildBlockActionPayload(options)) });
}

/** A button clicked on the App Home tab: no channel, message or response_url; the view instead. */
export interface HomeBlockActionOptions {
  actionId: string;
  /** Button value; taken from the button in `view.blocks` when left out. */
  value?: string;
  userId?: string;
  /** The Home view holding the button, as published (e.g. `fakeSlack.homeView(user)`). */
  view?: { id: string; blocks: unknown[]; hash?: string };
  triggerId?: string;
  teamId?: string;
}

export function buildHomeBlockActionPayload(options: HomeBlockActionOptions): BlockAction<ButtonAction> {
  const viewId = options.view?.id ?? 'V0HOME0000';
  const blocks = options.view?.blocks ?? [];
  const base = buildBlockActionPayload({
    actionId: options.actionId,
    value: options.value,
    userId: options.userId,
    teamId: options.teamId,
    triggerId: options.triggerId,
    message: { blocks },
  }) as unknown as JsonObject;
  delete base.message;
  delete base.channel;
  delete base.response_url;
  base.container = { type: 'view', view_id: viewId };
  base.view = {
    id: viewId,
    team_id: options.teamId ?? TEST_TEAM_ID,
    type: 'home',
    blocks,
    private_metadata: '',
    callback_id: '',
    state: { values: {} },
    hash: options.view?.hash ?? `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
    title: { type: 'plain_text', text: 'View Title', emoji: true },
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: null,
    previous_view_id: null,
    root_view_id: viewId,
    app_id: TEST_APP_ID,
    external_id: '',
    app_installed_team_id: options.teamId ?? TEST_TEAM_ID,
    bot_id: TEST_BOT_ID,
  };
  return base as unknown as BlockAction<ButtonAction>;
}

/** The `payload=<json>` form body Slack POSTs when a button on the Home tab is clicked. */
export function buildHomeBlockAction(options: HomeBlockActionOptions): string {
  return formEncode({ payload: JSON.stringify(buildHomeBlockActionPayload(options)) });
}

// ---------------------------------------------------------------- events and shortcuts

export interface AppHomeOpenedOptions {
  userId: string;
  /** `home` (default) or `messages`. */
  tab?: 'home' | 'messages';
  teamId?: string;
  apiAppId?: string;
}

/** The Events API JSON body of an `app_home_opened` event (a unique event id each time). */
export function buildAppHomeOpened(options: AppHomeOpenedOptions): string {
  const teamId = options.teamId ?? TEST_TEAM_ID;
  const now = nowSeconds();
  return JSON.stringify({
    token: TEST_VERIFICATION_TOKEN,
    team_id: teamId,
    api_app_id: options.apiAppId ?? TEST_APP_ID,
    event: {
      type: 'app_home_opened',
      user: options.userId,
      channel: `D${options.userId}`,
      tab: options.tab ?? 'home',
      event_ts: slackTs(),
    },
    type: 'event_callback',
    event_id: `Ev${randomBytes(8).toString('hex').toUpperCase()}`,
    event_time: now,
    authorizations: [
      {
        enterprise_id: null,
        team_id: teamId,
        user_id: TEST_BOT_USER_ID,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  });
}

export interface GlobalShortcutOptions {
  callbackId: string;
  userId?: string;
  triggerId?: string;
  teamId?: string;
}

/** The `payload=<json>` form body Slack POSTs when someone runs a global shortcut. */
export function buildGlobalShortcut(options: GlobalShortcutOptions): string {
  const teamId = options.teamId ?? TEST_TEAM_ID;
  const userId = options.userId ?? 'U_REQUESTER';
  const payload = {
    type: 'shortcut',
    token: TEST_VERIFICATION_TOKEN,
    action_ts: slackTs(),
    team: { id: teamId, domain: TEST_TEAM_DOMAIN },
    user: { id: userId, username: defaultUserName(userId), team_id: teamId },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: options.callbackId,
    trigger_id: options.triggerId ?? triggerId(),
  };
  return formEncode({ payload: JSON.stringify(payload) });
}

// ---------------------------------------------------------------- view submissions

/** A `plain_text_input` value in `view.state.values`. */
export function plainTextValue(value: string | null): ViewStateValue {
  return { type: 'plain_text_input', value };
}

/** A `static_select` value in `view.state.values`. */
export function staticSelectValue(value: string, text = value): ViewStateValue {
  return {
    type: 'static_select',
    selected_option: { text: { type: 'plain_text', text, emoji: true }, value },
  };
}

export function buildViewSubmissionPayload(options: ViewSubmissionOptions): ViewSubmitAction {
  const teamId = options.teamId ?? TEST_TEAM_ID;
  const userId = options.userId ?? 'U_REQUESTER';
  const userName = options.userName ?? defaultUserName(userId);
  const viewId = options.viewId ?? `V${String(Date.now()).slice(-10)}`;
  const payload: ViewSubmitAction = {
    type: 'view_submission',
    team: { id: teamId, domain: options.teamDomain ?? TEST_TEAM_DOMAIN },
    user: { id: userId, name: userName, team_id: teamId },
    api_app_id: options.apiAppId ?? TEST_APP_ID,
    token: TEST_VERIFICATION_TOKEN,
    trigger_id: options.triggerId ?? triggerId(),
    view: {
      id: viewId,
      team_id: teamId,
      type: 'modal',
      blocks: (options.blocks ?? []) as ViewSubmitAction['view']['blocks'],
      private_metadata: options.privateMetadata ?? '',
      callback_id: options.callbackId,
      state: { values: options.values ?? {} },
      hash: options.hash ?? `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
      title: { type: 'plain_text', text: options.title ?? 'amibot', emoji: true },
      clear_on_close: false,
      notify_on_close: false,
      close: { type: 'plain_text', text: 'Cancel', emoji: true },
      submit: { type: 'plain_text', text: 'Submit', emoji: true },
      previous_view_id: null,
      root_view_id: viewId,
      app_id: options.apiAppId ?? TEST_APP_ID,
      external_id: options.externalId ?? '',
      app_installed_team_id: teamId,
      bot_id: TEST_BOT_ID,
    },
    response_urls: options.responseUrls ?? [],
    is_enterprise_install: false,
  };
  (payload as unknown as JsonObject).enterprise = null;
  return payload;
}

/** The `payload=<json>` form body Slack POSTs when a modal is submitted. */
export function buildViewSubmission(options: ViewSubmissionOptions): string {
  return formEncode({ payload: JSON.stringify(buildViewSubmissionPayload(options)) });
}

// ---------------------------------------------------------------- signing and posting

/** Current time in Unix seconds, as Slack puts it in `x-slack-request-timestamp`. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The `v0=` signature of `body` at `timestamp`: hex HMAC-SHA256 of `v0:<timestamp>:<body>`. */
export function slackSignature(body: string, signingSecret: string, timestamp: number): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** The headers Slack sends with a signed request; JSON bodies (Events API) get a JSON content type. */
export function signSlackRequest(
  body: string,
  signingSecret: string,
  timestamp: number = nowSeconds(),
): SlackSignatureHeaders {
  return {
    'x-slack-signature': slackSignature(body, signingSecret, timestamp),
    'x-slack-request-timestamp': String(timestamp),
    'content-type': body.trimStart().startsWith('{')
      ? 'application/json'
      : 'application/x-www-form-urlencoded',
  };
}

/** POSTs `body` to `url` signed with `signingSecret`, as Slack would. */
export async function postSigned(
  url: string,
  body: string,
  signingSecret: string,
  options: PostSignedOptions = {},
): Promise<SignedResponse> {
  const headers: Record<string, string> = {
    ...signSlackRequest(body, signingSecret, options.timestamp ?? nowSeconds()),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    ...options.headers,
  };
  if (options.badSignature) {
    const signature = headers['x-slack-signature'] ?? '';
    const last = signature.at(-1) === '0' ? '1' : '0';
    headers['x-slack-signature'] = signature.slice(0, -1) + last;
  }
  if (options.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = options.retryReason ?? 'http_timeout';
  }
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  return {
    status: response.status,
    body: text,
    headers: response.headers,
    elapsedMs: performance.now() - started,
  };
}
