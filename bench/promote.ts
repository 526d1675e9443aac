/**
 * Golden-image promotion to 10 regions. Three families of 10 regions each promote one image at the
 * same moment (so every region gets three CopyImage calls from three flows), with
 * `AMIBOT_COPY_IMAGE_RATE` low enough that the bucket matters, copies that take a few seconds in the
 * fake AWS, and the production defaults for message progress (`AMIBOT_PROGRESS_INTERVAL_MS` 3000,
 * `AMIBOT_PROGRESS_UPDATES_PER_MESSAGE` 6). Measures:
 *
 * - wall time from the approvals to the last promotion succeeded;
 * - CopyImage calls per region from the fake's call log: the smallest gap between two calls in a
 *   region and the most calls in any window of 1/rate seconds (goal: gap ≥ 1/rate, at most 1 per
 *   window: the bucket's burst is 1);
 * - chat.update calls per promotion message (goal: at most 15);
 * - that every region's SSM parameter holds its copy.
 *
 * The app, its workers and the fakes run in this process (`startTestApp`), against real Redis.
 * `npx tsx bench/promote.ts [--quick] [--rate=0.5] [--regions=10] [--families=3]
 *   [--updates-per-message=6] [--progress-interval-ms=3000]` (or `npm run bench -- promote`).
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { FakeAws } from '../dev/fake-aws/index.js';
import { FakeSlack } from '../dev/fake-slack/fake-slack.js';
import { goldenConfigSchema } from '../src/domain/golden.js';
import { accountPolicySchema } from '../src/domain/policy.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp } from '../test/support/app-under-test.js';

const REGIONS = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'eu-west-1',
  'eu-west-2',
  'eu-central-1',
  'eu-north-1',
  'ap-southeast-1',
  'ap-northeast-1',
  'ap-southeast-2',
  'sa-east-1',
];

function flag(name: string, dflt: number): number {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`));
  return raw ? Number(raw.split('=')[1]) : dflt;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function runPromoteBench(): Promise<{ markdown: string }> {
  const quick = process.argv.includes('--quick');
  const rate = flag('rate', 0.5);
  const regionCount = Math.min(REGIONS.length, flag('regions', quick ? 4 : 10));
  const families = flag('families', quick ? 2 : 3);
  const regions = REGIONS.slice(0, regionCount);
  const fakeAws = await FakeAws.start({ copyDurationMs: quick ? 1_000 : 4_000 });
  const fakeSlack = await FakeSlack.start();
  const names = Array.from({ length: families }, (_, i) => `bench-${i + 1}`);
  for (const name of names)
    for (const region of regions) fakeAws.addKmsKey({ region, alias: `golden-${name}` });
  const t = await startTestApp({
    fakeAws,
    fakeSlack,
    workers: true,
    maintenance: true,
    concurrency: 5,
    accounts: [
      {
        alias: 'default',
        accountId: DEFAULT_ACCOUNT_ID,
        regions: [],
        default: true,
        policy: accountPolicySchema.parse({
          approvalChannel: 'CBENCH',
          approvers: ['UAPP1'],
          promoters: ['UPRO1'],
        }),
      },
    ],
    env: {
      AMIBOT_COPY_IMAGE_RATE: String(rate),
      AMIBOT_COPY_POLL_MS: '500',
      AMIBOT_COPY_MAX_POLL_MS: '1000',
      // The production defaults unless asked (to see what the budget saves).
      AMIBOT_PROGRESS_UPDATES_PER_MESSAGE: String(flag('updates-per-message', 6)),
      AMIBOT_PROGRESS_INTERVAL_MS: String(flag('progress-interval-ms', 3000)),
    },
    patchConfig: (config) => {
      config.golden = goldenConfigSchema.parse({
        families: names.map((name) => ({
          name,
          regions,
          shareWith: ['222222222222', '333333333333'],
          kmsKeys: Object.fromEntries(regions.map((r) => [r, `alias/golden-${name}`])),
        })),
      });
    },
  });
  try {
    const requests: string[] = [];
    for (const name of names) {
      const image = fakeAws.addImage({ region: 'us-east-1', name: `${name}-source` });
      const now = new Date().toISOString();
      await t.deps.scans.create({
        id: `scan-bench${name.replace(/-/g, '')}00`,
        imageId: image.imageId,
        account: 'default',
        region: 'us-east-1',
        requester: 'UPRO1',
        channel: 'CBENCH',
        deep: false,
        state: 'done',
        createdAt: now,
        updatedAt: now,
        report: {
          finishedAt: now,
          image: { name: image.name, ownerId: DEFAULT_ACCOUNT_ID, owned: true, trusted: true },
          builtIn: [],
          counts: { critical: 0, high: 0, medium: 0, low: 0 },
          verdict: 'pass',
          blocking: [],
          deadlines: [],
          noted: [],
          complete: true,
          tags: { written: false, reason: 'bench' },
        },
      });
      const reply = await t.ask(`promote ${image.imageId} --as ${name}`, {
        userId: 'UPRO1',
        channelId: 'CBENCH',
      });
      const id = allText(reply.body).match(/req-[0-9a-z]+/)?.[0];
      if (!id) throw new Error(`not filed: ${allText(reply.body)}`);
      requests.push(id);
    }
    fakeAws.resetCalls();
    const started = Date.now();
    for (const id of requests)
      await t.click({ actionId: 'request_approve', value: id, userId: 'UAPP1', channelId: 'CBENCH' });
    const done = await Promise.all(
      requests.map((id) =>
        until(
          `${id} to finish`,
          async () => {
            const r = await t.deps.requests.get(id);
            return r && ['succeeded', 'failed'].includes(r.state) ? r : undefined;
          },
          15 * 60_000,
        ),
      ),
    );
    const wallMs = Date.now() - started;
    // Let the last message refreshes land before counting them.
    await new Promise((r) => setTimeout(r, 2_000));

    const windowMs = 1000 / rate;
    const perRegion = regions.map((region) => {
      const at = fakeAws
        .callsOf('CopyImage')
        .filter((c) => c.region === region && c.status === 200)
        .map((c) => c.at.getTime())
        .sort((a, b) => a - b);
      let minGap = Number.POSITIVE_INFINITY;
      let maxInWindow = 0;
      for (let i = 0; i < at.length; i++) {
        if (i > 0) minGap = Math.min(minGap, at[i]! - at[i - 1]!);
        maxInWindow = Math.max(
          maxInWindow,
          at.filter((x) => x >= at[i]! && x < at[i]! + windowMs - 50).length,
        );
      }
      return { region, calls: at.length, minGap, maxInWindow };
    });
    const updates = done.map(
      (r) => fakeSlack.calls('chat.update').filter((c) => c.body.ts === r.message?.ts).length,
    );
    const parametersOk = done.every((r) =>
      regions.every((region) => {
        const p =
          r.params.kind === 'promote'
            ? r.params.regions.find((x) => x.region === region)?.parameter
            : undefined;
        const v = p ? fakeAws.getParameter(p, region)?.versions.at(-1)?.value : undefined;
        return v !== undefined && v === r.progress?.[region]?.imageId;
      }),
    );
    const lines = [
      `## promote: ${families} promotions × ${regionCount} regions at once, AMIBOT_COPY_IMAGE_RATE=${rate}/s, ${t.deps.config.jobs.progressUpdatesPerMessage} updates per message at most, one per ${t.deps.config.jobs.progressIntervalMs} ms`,
      '',
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; ${new Date().toISOString()}`,
      '',
      `- states: ${done.map((r) => r.state).join(', ')}; parameters all correct: ${parametersOk ? 'yes' : 'NO'}`,
      `- wall time from the approvals to the last promotion done: ${(wallMs / 1000).toFixed(1)} s`,
      `- CopyImage per region: ${perRegion[0]?.calls} calls; smallest gap ${(Math.min(...perRegion.map((p) => p.minGap)) / 1000).toFixed(2)} s (goal ≥ ${(windowMs / 1000).toFixed(2)} s); most in any ${(windowMs / 1000).toFixed(1)}-s window: ${Math.max(...perRegion.map((p) => p.maxInWindow))} (goal 1)`,
      `- chat.update per promotion message: ${updates.join(', ')} (goal ≤ 15)`,
    ];
    const markdown = lines.join('\n');
    console.log(markdown);
    return { markdown };
  } finally {
    await t.close();
    await fakeAws.close();
    await fakeSlack.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runPromoteBench().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
