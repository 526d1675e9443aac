import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeAws } from '../../dev/fake-aws/index.js';
import { FakeSlack } from '../../dev/fake-slack/fake-slack.js';
import { REDIS_URL } from '../support/app-under-test.js';
import { startMain } from '../support/main-process.js';

/**
 * `npm run doctor` as a child process (`src/doctor.ts` through tsx, as the npm script runs it)
 * against the fake Slack and fake AWS over HTTP and a real Redis.
 */

const ROLE_ARN = 'arn:aws:iam::222222222222:role/amibot';
const STATE_MACHINE = 'arn:aws:states:us-east-1:222222222222:stateMachine:amibot-deep-scan';

let aws: FakeAws;
let slack: FakeSlack;

beforeAll(async () => {
  aws = await FakeAws.start();
  slack = await FakeSlack.start();
});
afterAll(async () => {
  await aws.close();
  await slack.close();
});
afterEach(() => {
  aws.faults.reset();
  slack.setScopes(['commands', 'chat:write', 'chat:write.public', 'usergroups:read']);
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: 'xoxb-doctor-test',
    SLACK_SIGNING_SECRET: 'test-signing-secret',
    SLACK_API_URL: slack.apiUrl,
    REDIS_URL,
    AMIBOT_REDIS_PREFIX: `amibot-doctor-${randomUUID().slice(0, 8)}`,
    AMIBOT_AWS_ENDPOINT: aws.url,
    AWS_ACCESS_KEY_ID: 'AKIADOCTORTEST',
    AWS_SECRET_ACCESS_KEY: 'doctor-test-secret',
    AMIBOT_ROLE_ARN: ROLE_ARN,
    SCAN_STATE_MACHINE_ARN: STATE_MACHINE,
    ...extra,
  };
}

async function runDoctor(extra: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  const p = startMain(env(extra), { entry: ['--import', 'tsx', 'src/doctor.ts'] });
  const code = await p.exited;
  // The last chunk may arrive after 'exit'; give the pipes a moment to drain.
  await new Promise((r) => setTimeout(r, 50));
  return { code, out: p.lines.join('\n') };
}

/** The table row of `check` (its status and detail), or undefined. */
function row(out: string, check: string): { status: string; detail: string } | undefined {
  for (const line of out.split('\n')) {
    const m = /^(.{40}) {2}(ok|warn|fail) {0,4} {2}(.*)$/.exec(line);
    if (m && m[1]?.trim() === check) return { status: m[2] as string, detail: m[3] as string };
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A throwaway redis-server with the given arguments, on a free port; resolves once it answers. */
async function startRedis(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const until = Date.now() + 10_000;
  while (!/Ready to accept connections/.test(out)) {
    if (child.exitCode !== null) throw new Error(`redis-server exited: ${out}`);
    if (Date.now() > until) throw new Error(`redis-server did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, child };
}

describe('npm run doctor', () => {
  it('exits 0 and prints every check when everything is in order', async () => {
    aws.scriptExecution(STATE_MACHINE, { status: 'SUCCEEDED', output: {} });
    const { code, out } = await runDoctor();
    expect(code, out).toBe(0);
    expect(out).toMatch(/^CHECK\s+STATUS\s+DETAIL/m);
    for (const check of [
      'config',
      'redis: reachable',
      'redis: version',
      'redis: maxmemory-policy',
      'redis: key layout',
      'slack: auth.test',
      'slack: scopes',
      'aws: credentials',
      'aws default: assume role',
      'aws default: EC2 permissions',
      'aws default: scan state machine',
    ]) {
      expect(row(out, check)?.status, `${check}\n${out}`).toBe('ok');
    }
    expect(row(out, 'aws default: assume role')?.detail).toContain('222222222222');
    expect(row(out, 'aws default: EC2 permissions')?.detail).toMatch(/^18 of 18 EC2 actions allowed/);
    expect(out).not.toMatch(/^.{40} {2}fail/m);
    expect(out).toMatch(/, 0 fail$/m);
    expect(out).toMatch(/Not probed .*kms:CreateGrant/);
    // Every EC2 probe was a dry run: nothing was changed.
    const ec2 = aws.calls.filter((c) => c.service === 'ec2' && c.params['DryRun'] === 'true');
    expect(ec2.length).toBeGreaterThanOrEqual(18);
  });

  it('fails naming the scope the bot token lacks', async () => {
    slack.setScopes(['commands', 'chat:write.public', 'usergroups:read', 'channels:read']);
    const { code, out } = await runDoctor();
    expect(code, out).toBe(1);
    const scopes = row(out, 'slack: scopes');
    expect(scopes?.status, out).toBe('fail');
    expect(scopes?.detail).toContain('missing chat:write');
    expect(row(out, 'slack: auth.test')?.status).toBe('ok');
  });

  it('fails naming the EC2 action the role may not do', async () => {
    aws.faults.deny('ec2:CopyImage');
    const { code, out } = await runDoctor();
    expect(code, out).toBe(1);
    const denied = row(out, 'aws default: ec2:CopyImage');
    expect(denied?.status, out).toBe('fail');
    expect(denied?.detail).toContain('missing permission ec2:CopyImage');
    expect(row(out, 'aws default: EC2 permissions')?.detail).toMatch(/^17 of 18/);
    expect(row(out, 'aws default: ec2:DescribeImages')).toBeUndefined();
  });

  it('warns with the sanitised message when a dry run answers something else', async () => {
    aws.faults.setError('ec2:DeregisterImage', {
      code: 'InvalidParameterValue',
      message: 'bad value for aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });
    const { code, out } = await runDoctor();
    expect(code, out).toBe(0);
    const r = row(out, 'aws default: ec2:DeregisterImage');
    expect(r?.status, out).toBe('warn');
    expect(r?.detail).toContain('InvalidParameterValue');
    expect(out).not.toContain('wJalrXUtnFEMI');
  });

  it('fails when the role cannot be assumed', async () => {
    aws.denyRole(ROLE_ARN);
    try {
      const { code, out } = await runDoctor();
      expect(code, out).toBe(1);
      const r = row(out, 'aws default: assume role');
      expect(r?.status, out).toBe('fail');
      expect(r?.detail).toContain('sts:AssumeRole');
    } finally {
      aws.allowRole(ROLE_ARN);
    }
  });

  it('fails when Redis may evict keys (maxmemory-policy other than noeviction)', async () => {
    const redis = await startRedis(['--maxmemory-policy', 'allkeys-lru', '--save', '', '--appendonly', 'no']);
    try {
      const { code, out } = await runDoctor({ REDIS_URL: redis.url });
      expect(code, out).toBe(1);
      const policy = row(out, 'redis: maxmemory-policy');
      expect(policy?.status, out).toBe('fail');
      expect(policy?.detail).toMatch(/^allkeys-lru: must be noeviction/);
      expect(row(out, 'redis: persistence')?.status).toBe('warn');
    } finally {
      redis.child.kill('SIGKILL');
    }
  });

  it('fails with the configuration problem and checks nothing else', async () => {
    const { code, out } = await runDoctor({ REDIS_URL: 'localhost' });
    expect(code, out).toBe(1);
    expect(row(out, 'config')?.status).toBe('fail');
    expect(row(out, 'config')?.detail).toContain('REDIS_URL');
    expect(row(out, 'redis: reachable')).toBeUndefined();
    expect(out).not.toMatch(/\n\s+at /);
  });
});
