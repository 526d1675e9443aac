/**
 * Prune at scale (run by hand: `npx tsx bench/prune.ts [--quick]`; needs Redis at REDIS_URL).
 *
 * 1. Dry run: 20,000 own images in 3 regions (families of 33 dated versions, 5 % of images used by
 *    instances, launch templates with several versions), one `/ami prune --family fam- --keep 3`
 *    per region asked at the same time over signed HTTP; each is timed from the POST to its
 *    response_url answer, which Slack accepts for 30 minutes but people expect within seconds (the
 *    brief: within 30 s).
 * 2. The prune job of 200 images (one approved request): its DeregisterImage and DeleteSnapshot
 *    calls as the fake AWS received them, the most in any 1 s window and the mean rate, against
 *    `aws.mutateRate` (AMIBOT_MUTATE_RATE, burst 5).
 *
 * The fakes run in this process (their CPU counts against the bot's time: an upper bound).
 */
import { FakeAws } from '../dev/fake-aws/index.js';
import { FakeSlack } from '../dev/fake-slack/fake-slack.js';
import type { AccountConfig } from '../src/config.js';
import { accountPolicySchema } from '../src/domain/policy.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp } from '../test/support/app-under-test.js';

const quick = process.argv.includes('--quick');
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const TOTAL = quick ? 3_000 : 20_000;
const VERSIONS = 33;
const MUTATE_RATE = Number(process.env.AMIBOT_MUTATE_RATE ?? 5);
const PRUNE = quick ? 40 : 200;
const CHANNEL = 'CBENCH';
const DAY = 86_400_000;

async function main() {
  const now = Date.now();
  const fakeAws = await FakeAws.start();
  const fakeSlack = await FakeSlack.start();
  const seedStart = Date.now();
  const perRegion = Math.ceil(TOTAL / REGIONS.length);
  let inUse = 0;
  for (const region of REGIONS) {
    const images = fakeAws.addImages(perRegion, (i) => {
      const family = Math.floor(i / VERSIONS);
      const version = i % VERSIONS;
      const created = new Date(now - (version + 1) * 7 * DAY);
      return {
        region,
        ownerId: DEFAULT_ACCOUNT_ID,
        name: `fam-${family}-${created.toISOString().slice(0, 10)}`,
        creationDate: created.toISOString(),
        tags: { Team: `team-${family % 7}` },
      };
    });
    images.forEach((img, i) => {
      if (i % 20 === 7) {
        fakeAws.addInstance({ region, imageId: img.imageId, state: i % 40 === 7 ? 'stopped' : 'running' });
        inUse++;
      }
    });
    for (let t = 0; t < 50; t++) {
      fakeAws.addLaunchTemplate({
        region,
        name: `lt-${t}`,
        versions: [0, 1, 2].map((v) => ({ imageId: images[(t * 97 + v * 13) % images.length]!.imageId })),
      });
    }
  }
  const seedMs = Date.now() - seedStart;

  const account: AccountConfig = {
    alias: 'default',
    accountId: DEFAULT_ACCOUNT_ID,
    regions: REGIONS,
    default: true,
    policy: accountPolicySchema.parse({ approvalChannel: CHANNEL, approvers: ['UAPP1'] }),
  };
  const t = await startTestApp({
    fakeAws,
    fakeSlack,
    workers: true,
    accounts: [account],
    env: {
      AMIBOT_MUTATE_RATE: String(MUTATE_RATE),
      AMIBOT_PRUNE_MAX_PER_REQUEST: String(PRUNE),
      LOG_LEVEL: 'error',
    },
  });
  try {
    // ---- 1. dry runs, one per region, at the same time
    const dry = await Promise.all(
      REGIONS.map(async (region) => {
        const start = Date.now();
        const reply = await t.ask(`prune --family fam- --keep 3 --region ${region}`, { userId: 'UREQ1' });
        const ms = Date.now() - start;
        const text = allText(reply.body);
        return {
          region,
          ms,
          goes: text.match(/\*([\d,]+) images? would go/)?.[1] ?? '0',
          value: JSON.stringify(reply.body).match(/prn-[0-9a-z]{10}/)?.[0],
        };
      }),
    );

    // ---- 2. the prune job of PRUNE images
    const first = dry[0]!;
    fakeAws.resetCalls();
    const { responseId } = await t.click({
      actionId: 'prune_file',
      value: first.value!,
      userId: 'UREQ1',
      channelId: 'CASK',
    });
    const filed = await fakeSlack.waitForResponse(responseId, { timeoutMs: 60_000 });
    const id = allText(filed.body).match(/req-[0-9a-z]+/)?.[0] as string;
    const req = (await t.deps.requests.get(id))!;
    const jobStart = Date.now();
    await t.click({
      actionId: 'request_approve',
      value: id,
      userId: 'UAPP1',
      channelId: CHANNEL,
      messageTs: req.message!.ts,
    });
    let done = req;
    while (!['succeeded', 'failed'].includes(done.state)) {
      await new Promise((r) => setTimeout(r, 250));
      done = (await t.deps.requests.get(id))!;
      if (Date.now() - jobStart > 30 * 60_000) throw new Error('prune did not finish in 30 minutes');
    }
    const jobMs = Date.now() - jobStart;
    const mutating = fakeAws.calls
      .filter((c) => c.action === 'DeregisterImage' || c.action === 'DeleteSnapshot')
      .map((c) => c.at.getTime())
      .sort((a, b) => a - b);
    let maxWindow = 0;
    for (let i = 0, j = 0; i < mutating.length; i++) {
      while (mutating[i]! - mutating[j]! >= 1000) j++;
      maxWindow = Math.max(maxWindow, i - j + 1);
    }
    const span = mutating.length > 1 ? (mutating[mutating.length - 1]! - mutating[0]!) / 1000 : 0;
    const reads = fakeAws.calls.length - mutating.length;

    const lines = [
      `# Prune bench (${quick ? 'quick' : 'full'}) — ${new Date().toISOString().slice(0, 16)}Z`,
      '',
      `Estate: ${TOTAL.toLocaleString('en-US')} own images in ${REGIONS.length} regions (${perRegion.toLocaleString('en-US')} each, families of ${VERSIONS} versions), ${inUse} in use by instances, 50 launch templates × 3 versions per region; seeded in ${seedMs} ms.`,
      '',
      '| dry run | images that would go | ack → answer |',
      '|---|---|---|',
      ...dry.map(
        (d) =>
          `| ${d.region} (${perRegion.toLocaleString('en-US')} images) | ${d.goes} (capped at ${PRUNE}) | ${(d.ms / 1000).toFixed(2)} s |`,
      ),
      '',
      `Prune job of ${done.params.kind === 'prune' ? done.params.images.length : '?'} images: ${done.state} in ${(jobMs / 1000).toFixed(1)} s — ${done.result?.summary ?? ''}`,
      `Mutating calls (DeregisterImage + DeleteSnapshot): ${mutating.length} over ${span.toFixed(1)} s = ${(mutating.length / Math.max(span, 0.001)).toFixed(2)}/s mean; most in any 1 s window: ${maxWindow} (aws.mutateRate ${MUTATE_RATE}/s, burst 5). Read calls: ${reads}.`,
    ];
    console.log(lines.join('\n'));
  } finally {
    await t.close();
    await fakeAws.close();
    await fakeSlack.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
