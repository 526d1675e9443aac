import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack, type RecordedResponse } from '../../dev/fake-slack/fake-slack.js';
import { assertWithinSlackLimits } from '../../src/blocks/limits.js';
import type { SlackMessage } from '../../src/blocks/message.js';
import { allText, DEFAULT_ACCOUNT_ID, startTestApp, type TestApp } from '../support/app-under-test.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const CANONICAL = '099720109477';

let fakeAws: FakeAws;
let fakeSlack: FakeSlack;
let t: TestApp;

function ubuntu(version: string, codename: string, arch: 'amd64' | 'arm64', date: string) {
  return fakeAws.addImage({
    ownerId: CANONICAL,
    name: `ubuntu/images/hvm-ssd-gp3/ubuntu-${codename}-${version}-${arch}-server-${date.replace(/-/g, '')}`,
    architecture: arch === 'amd64' ? 'x86_64' : 'arm64',
    creationDate: `${date}T10:00:00.000Z`,
    public: true,
    region: 'us-east-1',
  });
}

function asMessage(r: RecordedResponse): SlackMessage {
  return { text: String(r.body.text ?? ''), blocks: (r.body.blocks ?? []) as SlackMessage['blocks'] };
}

beforeAll(async () => {
  fakeAws = await FakeAws.start({ clock: () => NOW });
  fakeSlack = await FakeSlack.start();
  t = await startTestApp({ fakeAws, fakeSlack, clock: () => NOW });
});

afterAll(async () => {
  await t?.close();
  await fakeAws?.close();
  await fakeSlack?.close();
});

beforeEach(() => {
  fakeAws.faults.reset();
  fakeAws.resetCalls();
});

describe('/ami find', () => {
  let newestArm: string;
  beforeAll(() => {
    ubuntu('24.04', 'noble', 'amd64', '2026-10-01');
    ubuntu('24.04', 'noble', 'amd64', '2026-11-20');
    newestArm = ubuntu('24.04', 'noble', 'arm64', '2026-11-21').imageId;
    ubuntu('24.04', 'noble', 'arm64', '2026-09-01');
    ubuntu('22.04', 'jammy', 'arm64', '2026-11-25');
    // Same name pattern, untrusted owner: must not appear unless asked for.
    fakeAws.addImage({
      ownerId: '999999999999',
      name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20261126',
      architecture: 'arm64',
      creationDate: '2026-11-26T00:00:00.000Z',
      public: true,
    });
  });

  it('acks at once and answers with the newest trusted images, newest first', async () => {
    const { ack, responseId } = await t.slash('find ubuntu 24.04 arm64');
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');
    const reply = await fakeSlack.waitForResponse(responseId);
    expect(reply.body.response_type).toBe('ephemeral');
    const text = allText(reply.body);
    expect(text).toContain(newestArm);
    expect(text).not.toMatch(/jammy|22\.04/);
    expect(text).not.toContain('999999999999');
    expect(text.indexOf('20261121')).toBeLessThan(text.indexOf('20260901'));
    expect(assertWithinSlackLimits(asMessage(reply))).toEqual([]);
    // The search went to EC2 with Canonical as owner and the name pattern as a filter.
    const call = fakeAws.callsOf('DescribeImages')[0];
    expect(JSON.stringify(call?.params)).toContain(CANONICAL);
  });

  it('serves the same query from the Redis cache without calling EC2 again', async () => {
    await t.ask('find ubuntu 24.04 --arch x86_64');
    const calls = fakeAws.callsOf('DescribeImages').length;
    expect(calls).toBeGreaterThan(0);
    const again = await t.ask('find ubuntu 24.04 --arch x86_64');
    expect(fakeAws.callsOf('DescribeImages').length).toBe(calls);
    expect(allText(again.body)).toMatch(/cache/i);
  });

  it('makes one EC2 walk for a burst of identical finds on a cold cache', async () => {
    const asks = Array.from({ length: 20 }, () => t.ask('find ubuntu 24.04 --limit 4 --arch arm64'));
    const replies = await Promise.all(asks);
    expect(
      new Set(
        replies.map((r) =>
          allText(r.body)
            .match(/ami-[0-9a-f]{17}/g)
            ?.join(),
        ),
      ),
    ).toHaveLength(1);
    expect(fakeAws.callsOf('DescribeImages')).toHaveLength(1);
  });

  it('respects --limit and walks every page of a large owner', async () => {
    fakeAws.addImages(2500, (i) => ({
      ownerId: '136693071363',
      name: `debian-12-amd64-2026${String(1 + (i % 12)).padStart(2, '0')}01-${1000 + i}`,
      architecture: 'x86_64',
      creationDate: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(),
      public: true,
    }));
    const reply = await t.ask('find debian 12 --limit 3');
    const pages = fakeAws.callsOf('DescribeImages').length;
    expect(pages).toBeGreaterThanOrEqual(3);
    const ids = allText(reply.body).match(/ami-[0-9a-f]{17}/g) ?? [];
    expect(new Set(ids).size).toBe(3);
    // The newest debian image is the last one added (creation dates rise with i).
    const newest = fakeAws
      .images('us-east-1')
      .filter((i) => i.name.startsWith('debian-12'))
      .at(-1);
    expect(ids).toContain(newest?.imageId);
  });

  it('turns EC2 throttling into a friendly "AWS is busy" answer after the SDK retries', async () => {
    fakeAws.faults.setError('DescribeImages', {
      code: 'RequestLimitExceeded',
      message: 'Request limit exceeded.',
    });
    const reply = await t.ask(
      'find ubuntu noble --region us-east-1 --limit 2 --arch arm64 --include-deprecated',
    );
    expect(allText(reply.body)).toMatch(/AWS is busy/);
    expect(allText(reply.body)).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(fakeAws.callsOf('DescribeImages').length).toBe(3); // AWS_MAX_ATTEMPTS=3
  });

  it('names the missing IAM permission on UnauthorizedOperation', async () => {
    fakeAws.faults.failNext('DescribeImages', {
      code: 'UnauthorizedOperation',
      message: 'You are not authorized to perform this operation.',
    });
    const reply = await t.ask('find ubuntu 20.04');
    expect(allText(reply.body)).toContain('ec2:DescribeImages');
  });

  it('still acks fast while AWS is slow', async () => {
    fakeAws.faults.latencyMs = 1500;
    const { ack, responseId } = await t.slash('find al2023');
    expect(ack.status).toBe(200);
    expect(ack.elapsedMs).toBeLessThan(1000);
    await fakeSlack.waitForResponse(responseId, { timeoutMs: 10_000 });
  });
});

describe('/ami show', () => {
  it('shows one owned image in depth with launch permissions, snapshots and cost', async () => {
    const img = fakeAws.addImage({
      ownerId: DEFAULT_ACCOUNT_ID,
      name: 'team-base-2026-11-01',
      description: 'Golden base image',
      creationDate: '2026-11-01T00:00:00.000Z',
      tags: { Team: 'platform', ExpirationDate: '2027-01-31' },
      imdsSupport: 'v2.0',
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volumeSize: 30,
          encrypted: true,
          kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/abc',
        },
      ],
      launchPermission: { accounts: ['222222222222'] },
      lastLaunchedTime: '2026-11-20T08:00:00Z',
    });
    const reply = await t.ask(`show ${img.imageId}`);
    const text = allText(reply.body);
    for (const s of [
      img.imageId,
      'team-base-2026-11-01',
      'Golden base image',
      '222222222222',
      '30 GiB',
      '$1.50',
      'platform',
      '2027-01-31',
    ]) {
      expect(text).toContain(s);
    }
    expect(text).toMatch(/IMDSv2 required/);
    expect(text).toContain(img.blockDevices[0]?.snapshotId);
    expect(assertWithinSlackLimits(asMessage(reply))).toEqual([]);
  });

  it('says the image is not in that region, with the usage line', async () => {
    const reply = await t.ask('show ami-0123456789abcdef0 --region eu-west-1');
    const text = allText(reply.body);
    expect(text).toMatch(/not found/i);
    expect(text).toContain('eu-west-1');
  });

  it('does not leak launch permissions of images it does not own', async () => {
    const img = ubuntu('24.04', 'noble', 'amd64', '2026-11-22');
    const reply = await t.ask(`show ${img.imageId}`);
    expect(allText(reply.body)).toMatch(/only the owner/i);
    expect(fakeAws.callsOf('DescribeImageAttribute')).toHaveLength(0);
  });

  it('answers the Details button with the same view, and refuses tampered values', async () => {
    const img = ubuntu('24.04', 'noble', 'amd64', '2026-11-23');
    const ok = await t.click({ actionId: 'ami_show:0', value: `default/us-east-1/${img.imageId}` });
    expect(ok.ack.status).toBe(200);
    expect(allText((await fakeSlack.waitForResponse(ok.responseId)).body)).toContain(img.imageId);

    const foreign = await t.click({ actionId: 'ami_show:1', value: `evil/us-east-1/${img.imageId}` });
    expect(allText((await fakeSlack.waitForResponse(foreign.responseId)).body)).toMatch(/Unknown account/);

    const junk = await t.click({ actionId: 'ami_show:2', value: '"; DROP TABLE' });
    expect(allText((await fakeSlack.waitForResponse(junk.responseId)).body)).toMatch(
      /no longer points at an image/,
    );
  });
});

describe('/ami list', () => {
  it('lists own images newest first with size, cost, expiry, sharing and totals', async () => {
    const aws = await FakeAws.start({ clock: () => NOW });
    const app = await startTestApp({ fakeAws: aws, fakeSlack, clock: () => NOW });
    try {
      aws.addImage({
        name: 'web-2026-06',
        creationDate: '2026-06-01T00:00:00Z',
        tags: { Team: 'web', ExpirationDate: '2026-12-01' },
        blockDevices: [{ deviceName: '/dev/xvda', volumeSize: 20 }],
      });
      aws.addImage({
        name: 'web-2026-11',
        creationDate: '2026-11-20T00:00:00Z',
        tags: { Team: 'web' },
        launchPermission: { accounts: ['333333333333'] },
      });
      aws.addImage({
        name: 'db-2025',
        creationDate: '2025-01-01T00:00:00Z',
        tags: { Team: 'db' },
        public: true,
        launchPermission: { group: true } as never,
      });
      aws.addImage({ name: 'someone-elses', ownerId: '444444444444', public: true });

      const all = allText((await app.ask('list')).body);
      expect(all).toContain('web-2026-11');
      expect(all).toContain('db-2025');
      expect(all).not.toContain('someone-elses');
      expect(all.indexOf('web-2026-11')).toBeLessThan(all.indexOf('web-2026-06'));
      expect(all).toMatch(/3 images/);
      expect(all).toContain('36 GiB'); // 20 + 8 + 8
      expect(all).toContain('$1.80');

      const old = allText((await app.ask('list --older-than 90d --tag Team=web')).body);
      expect(old).toContain('web-2026-06');
      expect(old).not.toContain('web-2026-11');
      expect(old).not.toContain('db-2025');
    } finally {
      await app.close();
      await aws.close();
    }
  });
});

describe('help and bad input', () => {
  it.each([
    ['', /find/],
    ['help', /deregister/],
    ['help find', /--owner/],
  ])('`/ami %s` answers with help', async (text, expected) => {
    expect(allText((await t.ask(text)).body)).toMatch(expected);
  });

  it.each([
    ['fnd ubuntu', /Did you mean `find`/],
    ['find ubuntu --regoin us-east-1', /--region/],
    ['find ubuntu --limit 50', /--limit/],
    ['show ami-nope', /show/],
    ['list --account nobody', /Unknown account `nobody`/],
    ['find ubuntu --region mars-north-1', /region/],
    ['find "unterminated', /quote/i],
  ])('`/ami %s` gets a clear ephemeral error', async (text, expected) => {
    const reply = await t.ask(text);
    expect(reply.body.response_type).toBe('ephemeral');
    expect(allText(reply.body)).toMatch(expected);
    expect(allText(reply.body)).toMatch(/\/ami/);
  });
});

describe('transport security and health', () => {
  it('rejects a bad signature with 401 and never runs the command', async () => {
    const { ack, responseId } = await t.slash('find ubuntu', { badSignature: true });
    expect(ack.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(fakeSlack.responses(responseId)).toHaveLength(0);
    expect(fakeAws.callsOf('DescribeImages')).toHaveLength(0);
  });

  it('rejects a request older than 5 minutes with 401', async () => {
    const { ack, responseId } = await t.slash('find ubuntu', {
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(ack.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(fakeSlack.responses(responseId)).toHaveLength(0);
  });

  it('serves /healthz and /readyz', async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ok: true });
  });

  it('/readyz fails when Redis is unreachable', async () => {
    const app = await startTestApp({ fakeAws, fakeSlack, env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      const res = await fetch(`${app.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ ok: false, redis: 'unreachable' });
    } finally {
      await app.close().catch(() => {});
    }
  });
});
