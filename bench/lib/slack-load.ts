/**
 * The load side: signed `/ami` slash commands POSTed over keep-alive `node:http` agents, timed
 * from just before the request is written to the end of the HTTP response (Bolt's ack).
 */
import { Agent, request } from 'node:http';
import { buildSlashCommand, signSlackRequest } from '../../test/support/slack-requests.js';

export interface SignedSlash {
  /** Id of the response_url, so the answer can be told apart. */
  responseId: string;
  body: string;
  headers: Record<string, string>;
}

export interface PostResult {
  status: number;
  body: string;
  ms: number;
}

/** A keep-alive agent holding at most `maxSockets` connections (one per request in flight). */
export function keepAliveAgent(maxSockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, keepAliveMsecs: 10_000 });
}

/** Builds and signs a `/ami <text>` whose response_url is `<responseBase>/response/<id>`. */
export function signedSlash(
  text: string,
  responseBase: string,
  responseId: string,
  signingSecret: string,
): SignedSlash {
  const body = buildSlashCommand({ text, responseUrl: `${responseBase}/response/${responseId}` });
  const headers: Record<string, string> = {
    ...signSlackRequest(body, signingSecret),
    'content-length': String(Buffer.byteLength(body)),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  };
  return { responseId, body, headers };
}

/** POSTs a prepared request to `url` through `agent`; resolves when the response has ended. */
export function postSigned(agent: Agent, url: URL, req: SignedSlash): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const r = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: req.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

/** Runs `count` tasks with at most `concurrency` in flight. */
export async function runPool(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
