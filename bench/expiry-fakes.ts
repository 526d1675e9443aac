/**
 * Bench child for `bench/expiry-sweep.ts`: a fake AWS holding own images of two accounts in three
 * regions, tagged with expiry dates around `now`, and a fake Slack counting reminders per image.
 * Argument (JSON): `{ "images": 20000, "now": 1764158400000, "seed": 1, "only": "aws" | "slack" }`: the
 * bench starts one child for each, so that the fake AWS's XML rendering does not hold up the fake
 * Slack (and the other way round).
 */
import { FakeAws } from '../dev/fake-aws/index.js';
import { FakeSlack } from '../dev/fake-slack/fake-slack.js';
import { serveRpc } from './lib/child.js';

export interface ExpiryFakesOptions {
  images: number;
  now: number;
  seed?: number;
  only?: 'aws' | 'slack';
}

export const BENCH_ACCOUNTS = ['111111111111', '222222222222'] as const;
export const BENCH_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'] as const;
const DAY = 86_400_000;

export interface ExpiryFakesInfo {
  awsUrl: string;
  slackApiUrl: string;
  images: number;
  /** Images whose expiry is at most 7 days ahead (or past): each must get exactly one reminder. */
  expectedReminders: number;
  /** Images with a malformed expiry tag: each must get exactly one notice. */
  expectedMalformed: number;
  seedMs: number;
}

export interface SlackCounts {
  posts: number;
  reminders: number;
  malformed: number;
  /** Images that got more than one reminder / notice. */
  duplicated: number;
  /** Image ids mentioned by reminders. */
  distinctImages: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as ExpiryFakesOptions;
let state = options.seed ?? 1;
const random = () => {
  // xorshift32: deterministic, so runs are comparable.
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 4294967296;
};

const fakeAws = await FakeAws.start({ regions: [...BENCH_REGIONS] });
const fakeSlack = await FakeSlack.start();
const images = options.only === 'slack' ? 0 : options.images;
const seedStarted = performance.now();
let expectedReminders = 0;
let expectedMalformed = 0;
const TEAMS = ['platform', 'data', 'web', 'ml', undefined];
fakeAws.addImages(images, (i) => {
  const tags: Record<string, string> = { CostCenter: String(i % 17) };
  const team = TEAMS[i % TEAMS.length];
  if (team) tags.Team = team;
  if (i % 7 === 0) tags.Owner = `U${String(i).padStart(8, '0')}`;
  const r = random();
  if (r < 0.25) {
    // no expiry
  } else if (r < 0.26) {
    tags.ExpirationDate = `someday-${i}`;
    expectedMalformed++;
  } else {
    const offsetDays = -60 + Math.floor(random() * 425);
    tags.ExpirationDate =
      new Date(options.now + offsetDays * DAY + 3_600_000).toISOString().slice(0, 19) + 'Z';
    if (offsetDays < 7) expectedReminders++;
  }
  return {
    ownerId: BENCH_ACCOUNTS[i % 2],
    region: BENCH_REGIONS[Math.floor(i / 2) % 3],
    name: `svc-${i % 97}-build-${i}`,
    creationDate: new Date(options.now - (10 + (i % 400)) * DAY).toISOString(),
    tags,
  };
});
const seedMs = performance.now() - seedStarted;

const info: ExpiryFakesInfo = {
  awsUrl: fakeAws.url,
  slackApiUrl: fakeSlack.apiUrl,
  images: options.images,
  expectedReminders,
  expectedMalformed,
  seedMs,
};

serveRpc(
  {
    describeImagesCalls: () => fakeAws.callsOf('DescribeImages').length,
    resetCalls: () => fakeAws.resetCalls(),
    postsPerChannel: (): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const c of fakeSlack.calls('chat.postMessage')) {
        if (c.response.ok !== true) continue;
        const ch = String(c.response.channel);
        out[ch] = (out[ch] ?? 0) + 1;
      }
      return out;
    },
    slackCounts: (): SlackCounts => {
      const reminders = new Map<string, number>();
      const malformed = new Map<string, number>();
      let posts = 0;
      for (const c of fakeSlack.calls('chat.postMessage')) {
        if (c.response.ok !== true) continue;
        posts++;
        const text = String(c.body.text);
        const id = text.match(/ami-[0-9a-f]+/)?.[0] ?? '?';
        const into = text.startsWith('Malformed') ? malformed : reminders;
        into.set(id, (into.get(id) ?? 0) + 1);
      }
      let duplicated = 0;
      for (const n of [...reminders.values(), ...malformed.values()]) if (n > 1) duplicated++;
      return {
        posts,
        reminders: [...reminders.values()].reduce((a, b) => a + b, 0),
        malformed: [...malformed.values()].reduce((a, b) => a + b, 0),
        duplicated,
        distinctImages: reminders.size,
      };
    },
  },
  info,
  async () => {
    await fakeSlack.close();
    await fakeAws.close();
  },
);
