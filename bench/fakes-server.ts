/**
 * Bench child: the fake AWS (seeded with a Canonical catalogue) and, when asked, a fake Slack that
 * records response_url answers, in a process of their own so that the fakes' CPU and memory are
 * not mixed with the bot's. Started by the benches through `bench/lib/child.ts`; the one argument
 * is JSON: `{ "images": 100000, "seed": 1, "slack": true }`.
 *
 * Standalone (prints the URL, Ctrl-C to stop) is not supported: it needs the IPC channel.
 */
import type { Server } from 'node:http';
import { FakeAws } from '../dev/fake-aws/index.js';
import { FakeSlack } from '../dev/fake-slack/fake-slack.js';
import { ubuntuCatalogue } from './lib/catalogue.js';
import { serveRpc } from './lib/child.js';

export interface FakesOptions {
  images: number;
  seed?: number;
  slack?: boolean;
}

export interface FakesInfo {
  awsUrl: string;
  /** Base URL of the fake Slack (response URLs are `<slackUrl>/response/<id>`), when started. */
  slackUrl?: string;
  slackApiUrl?: string;
  images: number;
  seedMs: number;
}

export interface AwsCallCounts {
  describeImages: number;
  sts: number;
  total: number;
}

export interface ResponseCounts {
  /** TCP connections the fake Slack accepted (response_url answers arrive over them). */
  connections: number;
  total: number;
  ok: number;
  failed: number;
  /** One failed answer, to tell why. */
  firstFailure?: unknown;
}

const options = JSON.parse(process.argv[2] ?? '{}') as FakesOptions;

const fakeAws = await FakeAws.start();
const seedStarted = performance.now();
if (options.images > 0) fakeAws.addImages(options.images, ubuntuCatalogue(options.seed ?? 1));
const seedMs = performance.now() - seedStarted;

let fakeSlack: FakeSlack | undefined;
const responses: ResponseCounts = { connections: 0, total: 0, ok: 0, failed: 0 };
if (options.slack) {
  fakeSlack = await FakeSlack.start();
  // Read-only peek at the fake's private server, to count connections (keep-alive reuse or not).
  (fakeSlack as unknown as { server: Server }).server.on('connection', () => {
    responses.connections++;
  });
  fakeSlack.onResponse((r) => {
    responses.total++;
    if (r.status === 200) responses.ok++;
    else {
      responses.failed++;
      responses.firstFailure ??= { status: r.status, response: r.response };
    }
  });
}

const info: FakesInfo = {
  awsUrl: fakeAws.url,
  images: options.images,
  seedMs,
  ...(fakeSlack ? { slackUrl: fakeSlack.url, slackApiUrl: fakeSlack.apiUrl } : {}),
};

serveRpc(
  {
    awsCalls: (): AwsCallCounts => ({
      describeImages: fakeAws.callsOf('DescribeImages').length,
      sts: fakeAws.calls.filter((c) => c.service === 'sts').length,
      total: fakeAws.calls.length,
    }),
    /** The parameters of the DescribeImages calls so far, without the page token. */
    describeImagesParams: () =>
      fakeAws.callsOf('DescribeImages').map((c) => {
        const { NextToken: _token, ...rest } = c.params;
        return rest;
      }),
    resetCalls: () => fakeAws.resetCalls(),
    responses: (): ResponseCounts => ({ ...responses }),
    /** Slack-side drop of recorded answers, to keep memory flat over long runs. */
    resetResponses: () => fakeSlack?.reset(),
  },
  info,
  async () => {
    await fakeSlack?.close();
    await fakeAws.close();
  },
);
