import { type ChildProcess, spawn } from 'node:child_process';
import type { FakeAws } from '../../dev/fake-aws/index.js';
import type { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import type { AccountConfig, Config } from '../../src/config.js';
import { goldenConfigSchema } from '../../src/domain/golden.js';
import { accountPolicySchema } from '../../src/domain/policy.js';
import type { AmiRequest } from '../../src/domain/request.js';
import { allText, DEFAULT_ACCOUNT_ID, REDIS_URL, type TestApp } from '../support/app-under-test.js';
import { waitFor } from '../support/wait.js';

export const CHANNEL = 'CGOLDEN';
export const PROMOTER = 'UPROMO1';
export const APPROVER = 'UAPPR1';
export const SOURCE_REGION = 'us-east-1';
export const REGIONS = ['us-east-1', 'eu-west-1', 'us-west-2'];
export const TEAM_A = '222222222222';
export const TEAM_B = '333333333333';

export const FAST_JOBS = {
  AMIBOT_COPY_POLL_MS: '100',
  AMIBOT_COPY_MAX_POLL_MS: '300',
  AMIBOT_PROGRESS_INTERVAL_MS: '200',
  AMIBOT_COPY_IMAGE_RATE: '20',
};

export function account(): AccountConfig {
  return {
    alias: 'default',
    accountId: DEFAULT_ACCOUNT_ID,
    regions: [],
    default: true,
    policy: accountPolicySchema.parse({
      approvalChannel: CHANNEL,
      approvers: [APPROVER],
      promoters: [PROMOTER],
    }),
  };
}

/** One customer-managed key per region (alias `alias/golden`), and the family using them. */
export function goldenSetup(fakeAws: FakeAws, opts: { regions?: string[]; family?: string } = {}) {
  const regions = opts.regions ?? REGIONS;
  const family = opts.family ?? 'web-base';
  const keys = Object.fromEntries(
    regions.map((region) => {
      const existing = fakeAws.getKmsKey(`alias/golden-${family}`, region);
      return [region, existing ?? fakeAws.addKmsKey({ region, alias: `golden-${family}` })];
    }),
  );
  const patch = (config: Config) => {
    config.golden = goldenConfigSchema.parse({
      families: [
        {
          name: family,
          description: 'Base image of the web services',
          regions,
          shareWith: [TEAM_A, TEAM_B],
          kmsKeys: Object.fromEntries(regions.map((r) => [r, `alias/golden-${family}`])),
          requiredTags: ['team'],
        },
      ],
      maxScanAgeDays: 30,
      deprecatePreviousAfterDays: 14,
    });
  };
  return { keys, patch, family };
}

export function sourceImage(fakeAws: FakeAws, name: string) {
  return fakeAws.addImage({ region: SOURCE_REGION, name, tags: { team: 'web' } });
}

/** Runs `/ami scan` for real and waits for its report. */
export async function scanned(t: TestApp, imageId: string): Promise<void> {
  await t.ask(`scan ${imageId}`, { userId: PROMOTER, channelId: CHANNEL });
  await waitFor(
    `the scan of ${imageId}`,
    async () => {
      const s = await t.deps.scans.latestFor('default', SOURCE_REGION, imageId);
      return s?.state === 'done' ? s : undefined;
    },
    30_000,
  );
}

export async function file(t: TestApp, text: string): Promise<AmiRequest> {
  const reply = await t.ask(text, { userId: PROMOTER, channelId: CHANNEL });
  const body = allText(reply.body);
  const id = body.match(/req-[0-9a-z]{6,32}/)?.[0];
  if (!id) throw new Error(`no request filed: ${body}`);
  return (await t.deps.requests.get(id))!;
}

export async function approve(t: TestApp, req: AmiRequest): Promise<void> {
  const { ack } = await t.click({
    actionId: 'request_approve',
    value: req.id,
    userId: APPROVER,
    channelId: CHANNEL,
  });
  if (ack.status !== 200) throw new Error(`approve failed: ${ack.status}`);
}

export async function finished(t: TestApp, id: string, timeoutMs = 60_000): Promise<AmiRequest> {
  return waitFor(
    `request ${id} to finish`,
    async () => {
      const r = await t.deps.requests.get(id);
      return r && ['succeeded', 'failed', 'cancelled'].includes(r.state) ? r : undefined;
    },
    timeoutMs,
  );
}

/** A worker process (the real entry command) for the test's prefix, as production runs one. */
export function startWorkerProcess(
  fakeAws: FakeAws,
  fakeSlack: FakeSlack,
  prefix: string,
  configFile: string,
): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      AMIBOT_ROLE: 'worker',
      AMIBOT_WORKER_PORT: '0',
      AMIBOT_CONFIG: configFile,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_API_URL: fakeSlack.apiUrl,
      REDIS_URL,
      AMIBOT_REDIS_PREFIX: prefix,
      AMIBOT_AWS_ENDPOINT: fakeAws.url,
      AWS_ACCESS_KEY_ID: 'AKIAAMIBOTTEST000001',
      AWS_SECRET_ACCESS_KEY: 'test-secret-key',
      AMIBOT_JOB_LOCK_MS: '1000',
      LOG_LEVEL: 'error',
      ...FAST_JOBS,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
