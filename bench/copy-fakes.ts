/**
 * Bench child for `bench/copy-fanout.ts`: the fake AWS (own source images in us-east-1, copies that
 * take `copyDurationMs`) or the fake Slack (the approval channel, response_url answers, every
 * chat.update), in a process of its own so that the fakes' CPU is not mixed with the bot's. The
 * bench starts one child for each. Argument (JSON): `{ "only": "aws", "copyDurationMs": 2000,
 * "accountId": "111111111111" }` or `{ "only": "slack" }`. Import only its types: importing the
 * module starts a fake.
 */
import { FakeAws } from '../dev/fake-aws/index.js';
import { FakeSlack } from '../dev/fake-slack/fake-slack.js';
import { serveRpc } from './lib/child.js';

export interface CopyFakesOptions {
  only: 'aws' | 'slack';
  copyDurationMs?: number;
  /** Owner of the seeded source images (the bot's account). */
  accountId?: string;
}

export interface CopyFakesInfo {
  awsUrl?: string;
  slackApiUrl?: string;
  slackUrl?: string;
  botUserId?: string;
}

/** One CopyImage call as the fake AWS received it (`at`: ms since the epoch, on arrival). */
export interface CopyCallRecord {
  at: number;
  region: string;
  status: number;
  errorCode?: string;
}

/** One DescribeImages call: when, where, and how many image ids its `image-id` filter (or ImageIds) named. */
export interface DescribeCallRecord {
  at: number;
  region: string;
  ids: number;
}

/** The copies the fake holds, per request id (from the `amibot:request-id` tag). */
export interface CopyImageRecord {
  requestId: string;
  region: string;
  state: string;
}

/** One chat.update as the fake Slack answered it. */
export interface UpdateRecord {
  ts: string;
  channel: string;
  at: number;
  status: number;
}

const SOURCE_REGION = 'us-east-1';

const options = JSON.parse(process.argv[2] ?? '{}') as CopyFakesOptions;
const ACCOUNT_ID = options.accountId ?? '111111111111';

if (options.only === 'aws') {
  const fakeAws = await FakeAws.start({ copyDurationMs: options.copyDurationMs ?? 2000 });
  serveRpc(
    {
      /** Adds `count` own images in us-east-1 with unique names; returns their ids. */
      seed: (args: unknown) => {
        const { count, tag } = args as { count: number; tag: string };
        return fakeAws
          .addImages(count, (i) => ({
            ownerId: ACCOUNT_ID,
            region: SOURCE_REGION,
            name: `golden-${tag}-${String(i).padStart(4, '0')}`,
            tags: { Team: 'platform' },
          }))
          .map((img) => img.imageId);
      },
      copyCalls: (): CopyCallRecord[] =>
        fakeAws.callsOf('CopyImage').map((c) => ({
          at: c.at.getTime(),
          region: c.region,
          status: c.status,
          ...(c.errorCode ? { errorCode: c.errorCode } : {}),
        })),
      /** DescribeImages calls outside the source region: the copies' status polls. */
      describeCalls: (): DescribeCallRecord[] =>
        fakeAws
          .callsOf('DescribeImages')
          .filter((c) => c.region !== SOURCE_REGION)
          .map((c) => ({
            at: c.at.getTime(),
            region: c.region,
            ids: Object.keys(c.params).filter((k) => /^(Filter\.\d+\.Value\.\d+|ImageId\.\d+)$/.test(k))
              .length,
          })),
      /** Calls per action (all services), to see what the workers asked EC2 for. */
      actionCounts: () => {
        const out: Record<string, number> = {};
        for (const c of fakeAws.calls) out[c.action] = (out[c.action] ?? 0) + 1;
        return out;
      },
      copies: (): CopyImageRecord[] =>
        fakeAws
          .images()
          .filter((img) => img.tags['amibot:request-id'])
          .map((img) => ({
            requestId: img.tags['amibot:request-id'] as string,
            region: img.region,
            state: img.state,
          })),
      setCopyDuration: (args: unknown) => {
        fakeAws.copyDurationMs = (args as { ms: number }).ms;
      },
    },
    { awsUrl: fakeAws.url } satisfies CopyFakesInfo,
    () => fakeAws.close(),
  );
} else {
  const fakeSlack = await FakeSlack.start();
  serveRpc(
    {
      /** The request id in the first answer to response_url `id` (waits for it, up to 30 s). */
      requestIdOf: async (args: unknown) => {
        const { id } = args as { id: string };
        const answer = await fakeSlack.waitForResponse(id, { timeoutMs: 30_000 });
        const text = JSON.stringify(answer.body);
        const reqId = text.match(/req-[0-9a-z]{6,32}/)?.[0];
        if (!reqId) throw new Error(`no request id in the answer: ${text.slice(0, 500)}`);
        return reqId;
      },
      updates: (): UpdateRecord[] =>
        fakeSlack.calls('chat.update').map((c) => ({
          ts: String(c.body.ts),
          channel: String(c.body.channel),
          at: c.at,
          status: c.status,
        })),
      methodCounts: () => {
        const out: Record<string, number> = {};
        for (const c of fakeSlack.calls()) out[c.method] = (out[c.method] ?? 0) + 1;
        return out;
      },
      /** The current text of a message, to check the final state landed. */
      messageText: (args: unknown) => {
        const { channel, ts } = args as { channel: string; ts: string };
        return JSON.stringify(fakeSlack.message(channel, ts) ?? null);
      },
    },
    {
      slackApiUrl: fakeSlack.apiUrl,
      slackUrl: fakeSlack.url,
      botUserId: fakeSlack.botUserId,
    } satisfies CopyFakesInfo,
    () => fakeSlack.close(),
  );
}
