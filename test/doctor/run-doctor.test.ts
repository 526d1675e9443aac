import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { REDIS_URL } from '../support/app-under-test.js';

/** A server that accepts connections and never answers (a black-holed endpoint). */
let silent: Server;
let url: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const address = silent.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent.close(r));
});

describe('runDoctor', () => {
  it('reports a part that does not answer in time as failed, and goes on with the next', async () => {
    const report = await runDoctor(
      {
        SLACK_BOT_TOKEN: 'xoxb-doctor-test',
        SLACK_SIGNING_SECRET: 'test-signing-secret',
        SLACK_API_URL: `${url}/api/`,
        REDIS_URL,
        AMIBOT_REDIS_PREFIX: `amibot-doctor-${randomUUID().slice(0, 8)}`,
        AMIBOT_AWS_ENDPOINT: url,
        AWS_ACCESS_KEY_ID: 'AKIADOCTORTEST',
        AWS_SECRET_ACCESS_KEY: 'doctor-test-secret',
      },
      { partTimeoutMs: 1_000 },
    );
    const byCheck = new Map(report.rows.map((r) => [r.check, r]));
    expect(byCheck.get('redis: reachable')?.status).toBe('ok');
    expect(byCheck.get('slack')).toEqual({
      check: 'slack',
      status: 'fail',
      detail: 'the check itself failed: no answer within 1 s',
    });
    // The AWS part still ran after it (its outcome here depends on the process's credentials).
    expect(report.rows.at(-1)?.check).toMatch(/^aws/);
  });
});
