/**
 * Bench child: one Slack app in a process of its own, on an ephemeral port.
 *
 * - `amibot`: the real app from `startTestApp()` (real Redis under a unique prefix), with its AWS
 *   endpoint and Slack API URL pointed at the fakes given in the options (the fakes that
 *   `startTestApp` starts in this process stay idle).
 * - `bare`: a bare Bolt `App` whose `/ami` handler only calls `ack()`: same signing secret,
 *   `tokenVerificationEnabled: false`, botId/botUserId set, the same silent logger, client pointed
 *   at the fake Slack. The floor for Bolt's own request handling.
 *
 * Arguments: `<mode> <json options>`; see `AppServerOptions`.
 */
import { Agent, request, type Server } from 'node:http';
import { type DescribeImagesCommandInput, paginateDescribeImages } from '@aws-sdk/client-ec2';
import { App, LogLevel } from '@slack/bolt';
import { AwsClients } from '../src/aws/clients.js';
import type { FindResult } from '../src/aws/ec2.js';
import { silentLogger, toSlackLogger } from '../src/logger.js';
import { keyRoot } from '../src/store/keys.js';
import { SIGNING_SECRET, startTestApp } from '../test/support/app-under-test.js';
import { serveRpc } from './lib/child.js';

export type AppMode = 'amibot' | 'bare';

export interface AppServerOptions {
  awsUrl?: string;
  slackApiUrl: string;
  cacheTtlSeconds?: number;
  /**
   * Experiment only: `node-http` replaces `globalThis.fetch` (which Bolt's `respond()` uses) with a
   * minimal keep-alive `node:http` POST before the app is built, to measure what `fetch` costs.
   */
  fetch?: 'global' | 'node-http';
}

export interface AppServerInfo {
  mode: AppMode;
  url: string;
  pid: number;
  /** Redis key prefix of the amibot app. */
  prefix?: string;
}

/** One `findNewest` call as the bot made it, timed inside the bot process. */
export interface FindTiming {
  ms: number;
  pages: number;
  scanned: number;
  found: number;
}

export interface RawPaginatorResult {
  ms: number;
  pages: number;
  images: number;
}

const mode = process.argv[2] as AppMode;
const options = JSON.parse(process.argv[3] ?? '{}') as AppServerOptions;

/** Just what `respond()` needs of fetch: a POST whose answer gives `ok`, `status` and `statusText`. */
function nodeHttpFetch(): typeof fetch {
  const agent = new Agent({ keepAlive: true });
  const post = (url: string, init: RequestInit = {}) =>
    new Promise<Response>((resolve, reject) => {
      const body = typeof init.body === 'string' ? init.body : '';
      const req = request(
        url,
        {
          agent,
          method: init.method ?? 'GET',
          headers: { ...(init.headers as Record<string, string>), 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            resolve({
              ok: status >= 200 && status < 300,
              status,
              statusText: res.statusMessage ?? '',
            } as Response);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return ((input: string | URL | Request, init?: RequestInit) => post(String(input), init)) as typeof fetch;
}

if (options.fetch === 'node-http') globalThis.fetch = nodeHttpFetch();

if (mode === 'amibot') {
  const t = await startTestApp({
    // As production: answers in a worker thread unless AMIBOT_ANSWER_THREADS says otherwise.
    answerThreads: Number(process.env.AMIBOT_ANSWER_THREADS ?? 1),
    env: {
      ...(options.awsUrl ? { AMIBOT_AWS_ENDPOINT: options.awsUrl } : {}),
      SLACK_API_URL: options.slackApiUrl,
      AMIBOT_CACHE_TTL_SECONDS: String(options.cacheTtlSeconds ?? 600),
    },
  });

  // Times the EC2 walk inside the bot, without changing the bot: wraps the live method.
  const finds: FindTiming[] = [];
  const images = t.deps.images;
  const findNewest = images.findNewest.bind(images);
  images.findNewest = async (...args: Parameters<typeof findNewest>): Promise<FindResult> => {
    const started = performance.now();
    const result = await findNewest(...args);
    finds.push({
      ms: performance.now() - started,
      pages: result.pages,
      scanned: result.scanned,
      found: result.images.length,
    });
    return result;
  };

  // The floor: the SDK's own paginator on a client built exactly like the bot's (same config,
  // same credentials, same endpoint), in this same process, while the bot is idle.
  const rawClients = AwsClients.fromConfig(t.deps.config, {
    credentials: { accessKeyId: 'AKIAAMIBOTTEST000001', secretAccessKey: 'test-secret-key' },
  });
  const account = t.deps.config.accounts[0];
  if (!account) throw new Error('no account configured');

  serveRpc(
    {
      /** The `findNewest` timings since the last call. */
      takeFinds: () => finds.splice(0),
      /** Deletes the find cache of this app's prefix; returns how many keys were deleted. */
      clearCache: async () => {
        let cursor = '0';
        let deleted = 0;
        do {
          const [next, keys] = await t.deps.redis.scan(
            cursor,
            'MATCH',
            `${keyRoot(t.prefix)}:cache:*`,
            'COUNT',
            500,
          );
          cursor = next;
          if (keys.length) deleted += await t.deps.redis.del(...keys);
        } while (cursor !== '0');
        return deleted;
      },
      raw: async (args: unknown): Promise<RawPaginatorResult> => {
        const { input, pageSize } = args as { input: DescribeImagesCommandInput; pageSize: number };
        const client = rawClients.ec2(account, t.deps.config.defaultRegion);
        const started = performance.now();
        let pages = 0;
        let count = 0;
        for await (const page of paginateDescribeImages({ client, pageSize }, input)) {
          pages++;
          count += page.Images?.length ?? 0;
        }
        return { ms: performance.now() - started, pages, images: count };
      },
    },
    { mode, url: t.url, pid: process.pid, prefix: t.prefix } satisfies AppServerInfo,
    async () => {
      rawClients.destroy();
      await t.close();
    },
  );
} else if (mode === 'bare') {
  const app = new App({
    token: 'xoxb-test-token',
    signingSecret: SIGNING_SECRET,
    botId: 'B_AMIBOT',
    botUserId: 'UBOT',
    tokenVerificationEnabled: false,
    logger: toSlackLogger(silentLogger, 'error'),
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: options.slackApiUrl },
  });
  app.command('/ami', async ({ ack }) => {
    await ack();
  });
  const server = (await app.start(0)) as Server;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  serveRpc(
    {},
    { mode, url: `http://127.0.0.1:${port}`, pid: process.pid } satisfies AppServerInfo,
    async () => {
      await app.stop();
    },
  );
} else {
  throw new Error(`unknown mode ${mode}: amibot or bare`);
}
