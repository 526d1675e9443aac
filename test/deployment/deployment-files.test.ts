import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';

/**
 * docker-compose.yml, the Dockerfile, .dockerignore and package.json, checked without a Docker
 * engine: parsed (YAML merge keys resolved as compose does) and, for the health checks, their
 * commands run with Node against a local HTTP server.
 */

interface Service {
  image?: string;
  profiles?: string[];
  command?: string[];
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: Array<string | { type: string; source: string; target: string; read_only?: boolean }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, unknown>;
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const dockerfile = readFileSync('Dockerfile', 'utf8');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const dockerignore = readFileSync('.dockerignore', 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

/** A compose interpolation, `${…}`, as written in the file. */
const interp = (expr: string): string => `\${${expr}}`;

const { redis, web, worker } = compose.services as Record<'redis' | 'web' | 'worker', Service>;

/** The JSON-array CMD of the Dockerfile's HEALTHCHECK. */
function dockerHealthcheck(): string[] {
  const m = /^HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])$/m.exec(dockerfile);
  if (!m?.[1]) throw new Error('no HEALTHCHECK … CMD [...] in the Dockerfile');
  return JSON.parse(m[1]) as string[];
}

/** A compose healthcheck's `test` (["CMD", "node", "-e", script]) run with this Node. */
function runCheck(argv: string[], env: Record<string, string>): Promise<number | null> {
  const args = argv[0] === 'CMD' ? argv.slice(1) : argv;
  expect(args[0]).toBe('node');
  const child = spawn(process.execPath, args.slice(1), { env: { PATH: process.env.PATH ?? '', ...env } });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('docker-compose.yml', () => {
  it('publishes Redis on the host only in the dev profile, and only on 127.0.0.1:6379', () => {
    expect(redis.ports ?? []).toEqual([]);
    for (const [name, service] of Object.entries(compose.services)) {
      const published = (service.ports ?? []).filter((p) => /(^|:)6379$/.test(String(p)));
      if (!(service.profiles ?? []).includes('dev')) expect(published, name).toEqual([]);
    }
    const dev = Object.entries(compose.services).filter(([, s]) => (s.profiles ?? []).includes('dev'));
    expect(dev.map(([, s]) => s.ports)).toEqual([['127.0.0.1:6379:6379']]);
    const [, forwarder] = dev[0] as [string, Service];
    expect(forwarder.command?.join(' ')).toMatch(/tcp-connect:redis:6379/);
    expect(Object.keys(forwarder.depends_on ?? {})).toContain('redis');
  });

  it('keeps Redis safe for BullMQ: noeviction and AOF', () => {
    expect(redis.command?.join(' ')).toMatch(/--maxmemory-policy noeviction/);
    expect(redis.command?.join(' ')).toMatch(/--appendonly yes/);
  });

  it.each([
    ['web', web],
    ['worker', worker],
  ])('mounts the config file read-only into %s and names it with AMIBOT_CONFIG', (_name, service) => {
    const mount = (service.volumes ?? []).find(
      (v): v is Exclude<typeof v, string> => typeof v === 'object' && v.target === '/app/config.yaml',
    );
    expect(mount).toMatchObject({
      type: 'bind',
      source: interp('AMIBOT_CONFIG_FILE:-./config.yaml'),
      read_only: true,
    });
    expect(service.environment?.AMIBOT_CONFIG).toBe('/app/config.yaml');
  });

  it('uses the variable config.ts reads the config file path from', () => {
    const read: string[] = [];
    loadConfig({
      env: {
        AMIBOT_CONFIG: web.environment?.AMIBOT_CONFIG,
        SLACK_BOT_TOKEN: 'xoxb-1',
        AMIBOT_ROLE: 'worker',
      },
      readFile: (path) => {
        read.push(path);
        return 'defaultRegion: eu-west-1\n';
      },
    });
    expect(read).toEqual(['/app/config.yaml']);
  });

  it('gives the web its PORT in the environment and the port mapping', () => {
    expect(web.environment?.PORT).toBe(interp('PORT:-3000'));
    expect(web.ports).toEqual([`${interp('PORT:-3000')}:${interp('PORT:-3000')}`]);
    expect(web.environment?.AMIBOT_ROLE).toBe('web');
  });

  it('gives the worker AMIBOT_WORKER_PORT (default 3001) and publishes nothing for it', () => {
    expect(worker.environment?.AMIBOT_WORKER_PORT).toBe(interp('AMIBOT_WORKER_PORT:-3001'));
    expect(worker.environment?.AMIBOT_ROLE).toBe('worker');
    expect(worker.ports ?? []).toEqual([]);
    expect(worker.healthcheck?.disable).not.toBe(true);
  });
});

describe('health checks on /readyz', () => {
  let server: Server;
  let port: number;
  let ready = true;
  const paths: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.statusCode = req.url === '/readyz' && ready ? 200 : 503;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('the web service asks /readyz on PORT', async () => {
    paths.length = 0;
    ready = true;
    expect(await runCheck(web.healthcheck?.test ?? [], { PORT: String(port) })).toBe(0);
    ready = false;
    expect(await runCheck(web.healthcheck?.test ?? [], { PORT: String(port) })).toBe(1);
    expect(paths).toEqual(['/readyz', '/readyz']);
  });

  it('the worker service asks /readyz on AMIBOT_WORKER_PORT', async () => {
    paths.length = 0;
    ready = true;
    expect(
      await runCheck(worker.healthcheck?.test ?? [], { AMIBOT_WORKER_PORT: String(port), PORT: '1' }),
    ).toBe(0);
    expect(paths).toEqual(['/readyz']);
    expect(worker.healthcheck?.test?.join(' ')).toMatch(/AMIBOT_WORKER_PORT \|\| 3001/);
  });

  it('the image picks the worker port when AMIBOT_ROLE=worker, else PORT', async () => {
    const check = dockerHealthcheck();
    paths.length = 0;
    ready = true;
    expect(
      await runCheck(check, { AMIBOT_ROLE: 'worker', AMIBOT_WORKER_PORT: String(port), PORT: '1' }),
    ).toBe(0);
    expect(await runCheck(check, { AMIBOT_ROLE: 'web', PORT: String(port), AMIBOT_WORKER_PORT: '1' })).toBe(
      0,
    );
    expect(await runCheck(check, { PORT: String(port) })).toBe(0);
    expect(
      await runCheck(check, { AMIBOT_ROLE: 'worker', PORT: String(port), AMIBOT_WORKER_PORT: '1' }),
    ).toBe(1);
    expect(paths).toEqual(['/readyz', '/readyz', '/readyz']);
    expect(check.join(' ')).toMatch(/AMIBOT_WORKER_PORT \|\| 3001/);
    expect(check.join(' ')).toMatch(/PORT \|\| 3000/);
  });
});

describe('the image', () => {
  it('has no dev tools: tsx is a dev dependency, the image installs production ones only', () => {
    expect(pkg.dependencies.tsx).toBeUndefined();
    expect(pkg.devDependencies.tsx).toBeDefined();
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(pkg.scripts.start).toBe('tsx src/main.ts');
    expect(pkg.scripts['start:prod']).toBe('node dist/main.js');
    expect(pkg.scripts.doctor).toBe('tsx src/doctor.ts');
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
  });

  it('builds from what .dockerignore lets in, and never takes in secrets, the config file or dev/', () => {
    for (const kept of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src'])
      expect(dockerignore, kept).not.toContain(kept);
    for (const copied of [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      (m[1] ?? '').split(' '),
    ))
      expect(dockerignore, copied).not.toContain(copied);
    for (const left of ['.env', 'config.yaml', 'dev', 'test', 'node_modules'])
      expect(dockerignore).toContain(left);
  });
});
