/**
 * The sandbox's golden family, tried as a newcomer would on the page: the catalogue, `why`, a
 * promotion (with the scan button first) and a rollback, through the page's own API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SANDBOX_APP_ACCOUNT_ID,
  SANDBOX_GOLDEN_FAMILY,
  SANDBOX_GOLDEN_PARAMETER,
} from '../../dev/sandbox/sandbox-catalog.js';
import {
  SANDBOX_APPROVER,
  SANDBOX_REQUESTER,
  type Sandbox,
  startSandbox,
  uniqueSandboxPrefix,
} from '../../dev/sandbox/start-sandbox.js';
import { silentLogger } from '../../src/logger.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Item {
  kind: string;
  ts: string;
  html: string;
}

let sb: Sandbox;

async function items(user: string): Promise<Item[]> {
  const res = await fetch(`${sb.appUrl}/sandbox/api/state?user=${user}`);
  const s = (await res.json()) as { channels: Array<{ id: string; items: Item[] }> };
  return s.channels.find((c) => c.id === 'CSANDBOX')?.items ?? [];
}

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${sb.appUrl}/sandbox/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function ephemeralCount(user: string): Promise<number> {
  return (await items(user)).filter((i) => i.kind === 'ephemeral').length;
}

async function ask(user: string, text: string): Promise<Item> {
  const before = await ephemeralCount(user);
  expect(await post('command', { user, text })).toMatchObject({ ok: true, status: 200 });
  return until(`an answer to ${text}`, async () => {
    const eph = (await items(user)).filter((i) => i.kind === 'ephemeral');
    return eph.length > before ? eph.at(-1) : undefined;
  });
}

function button(item: Item, actionId: RegExp): { actionId: string; value: string } {
  const m = new RegExp(`data-action-id="(${actionId.source})" data-value="([^"]+)"`).exec(item.html);
  if (!m) throw new Error(`no ${actionId} button in ${item.html.slice(0, 500)}`);
  return { actionId: m[1]!, value: m[2]!.replace(/&amp;/g, '&') };
}

async function approveLatest(imageOrFamily: string): Promise<string> {
  const approval = await until('the approval message', async () =>
    (await items(SANDBOX_APPROVER)).find(
      (i) => i.kind === 'message' && i.html.includes(imageOrFamily) && i.html.includes('request_approve'),
    ),
  );
  const requestId = /req-[0-9a-z]+/.exec(approval.html)![0];
  expect(
    await post('action', {
      user: SANDBOX_APPROVER,
      channel: 'CSANDBOX',
      messageTs: approval.ts,
      actionId: 'request_approve',
      value: requestId,
    }),
  ).toMatchObject({ ok: true, status: 200 });
  return requestId;
}

async function succeeded(requestId: string) {
  return until(
    `${requestId} to finish`,
    async () => {
      const r = await sb.deps.requests.get(requestId);
      return r && ['succeeded', 'failed'].includes(r.state) ? r : undefined;
    },
    60_000,
  );
}

beforeAll(async () => {
  sb = await startSandbox({
    port: 0,
    redisUrl: REDIS_URL,
    logger: silentLogger,
    redisPrefix: uniqueSandboxPrefix(),
    copyDurationMs: 1_000,
  });
}, 30_000);
afterAll(async () => {
  await sb?.close();
});

describe('the sandbox golden family', () => {
  it('shows the catalogue and answers why for a golden image and for an image on aws/ebs', async () => {
    const current = sb.catalog.golden.current['us-east-1']!;
    const catalogue = await ask(SANDBOX_REQUESTER, 'golden');
    expect(catalogue.html).toContain(SANDBOX_GOLDEN_FAMILY);
    expect(catalogue.html).toContain(current.imageId);
    expect(catalogue.html).toContain(sb.catalog.golden.previous['eu-west-1']!.imageId);

    const ok = await ask(SANDBOX_REQUESTER, `why ${current.imageId} --for ${SANDBOX_APP_ACCOUNT_ID}`);
    expect(ok.html).toContain('nothing stands in the way');
    const secure = sb.catalog.ownImages.find((i) => i.name.startsWith('secure-base-encrypted'))!;
    const bad = await ask(SANDBOX_REQUESTER, `why ${secure.imageId} --for ${SANDBOX_APP_ACCOUNT_ID}`);
    expect(bad.html).toContain('aws/ebs');
    expect(bad.html).toContain('why_fix');
  });

  it('promotes the newest base image: scan button first, then the approved flow', async () => {
    const image = sb.catalog.ownImage;
    const refused = await ask(SANDBOX_REQUESTER, `promote ${image.imageId} --as ${SANDBOX_GOLDEN_FAMILY}`);
    const scan = button(refused, /golden_scan/);
    expect(
      await post('action', { user: SANDBOX_REQUESTER, channel: 'CSANDBOX', messageTs: refused.ts, ...scan }),
    ).toMatchObject({ ok: true, status: 200 });
    await until('the scan', async () => {
      const s = await sb.deps.scans.latestFor('sandbox', 'us-east-1', image.imageId);
      return s?.state === 'done' ? s : undefined;
    });
    const filed = await ask(SANDBOX_REQUESTER, `promote ${image.imageId} --as ${SANDBOX_GOLDEN_FAMILY}`);
    expect(filed.html).toMatch(/req-[0-9a-z]+/);
    const requestId = await approveLatest(image.imageId);
    const done = await succeeded(requestId);
    expect(done.state).toBe('succeeded');
    for (const region of ['us-east-1', 'eu-west-1', 'eu-central-1']) {
      const value = sb.fakeAws.getParameter(SANDBOX_GOLDEN_PARAMETER, region)?.versions.at(-1)?.value;
      expect(value).toBe(done.progress?.[region]?.imageId);
    }
  }, 90_000);

  it('rolls the family back', async () => {
    const before = sb.fakeAws.getParameter(SANDBOX_GOLDEN_PARAMETER, 'us-east-1')!.versions.at(-1)!.value;
    await ask(SANDBOX_REQUESTER, `rollback ${SANDBOX_GOLDEN_FAMILY}`);
    const requestId = await approveLatest(SANDBOX_GOLDEN_FAMILY);
    expect((await succeeded(requestId)).state).toBe('succeeded');
    const after = sb.fakeAws.getParameter(SANDBOX_GOLDEN_PARAMETER, 'us-east-1')!.versions.at(-1)!.value;
    expect(after).not.toBe(before);
    expect(sb.fakeAws.getImage('us-east-1', before)?.deprecationTime).toBeDefined();
  }, 60_000);
});
