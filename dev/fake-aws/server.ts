import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { AUTOSCALING_NAMESPACE, AUTOSCALING_VERSION, handleAutoScaling } from './autoscaling.js';
import { EC2_NAMESPACE, EC2_VERSION, ec2ErrorXml, handleEc2 } from './ec2.js';
import { AwsError } from './errors.js';
import { type Faults, pageFaultError } from './faults.js';
import { handleKms } from './kms.js';
import { pageOf } from './paginate.js';
import { parseQuery, type QueryParams } from './query.js';
import type { FakeAwsState, Principal } from './state.js';
import { handleSts, queryErrorXml, STS_NAMESPACE } from './sts.js';
import { type XmlObject, xmlDocument } from './xml.js';

export type ServiceName = 'ec2' | 'sts' | 'sfn' | 'kms' | 'autoscaling' | 'ssm';

/** One request the fake answered. */
export interface FakeAwsCall {
  service: ServiceName;
  action: string;
  region: string;
  /** The caller's account ('' when the request was not signed). */
  accountId: string;
  accessKeyId?: string;
  /** Decoded query parameters (EC2, STS) or JSON body (Step Functions, KMS). */
  params: Record<string, unknown>;
  status: number;
  errorCode?: string;
  requestId: string;
  at: Date;
}

/** What the SigV4 `Authorization` header's credential scope tells: who, where, which service. */
export interface SigV4Scope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

export function parseAuthorization(header: string | undefined): SigV4Scope | undefined {
  if (!header?.startsWith('AWS4-HMAC-SHA256')) return undefined;
  const match = CREDENTIAL.exec(header);
  if (!match) return undefined;
  const [, accessKeyId, date, region, service] = match as unknown as [string, string, string, string, string];
  return { accessKeyId, date, region, service };
}

/** Presigned requests carry the scope in `X-Amz-Credential`. */
function parsePresigned(url: URL): SigV4Scope | undefined {
  const credential = url.searchParams.get('X-Amz-Credential');
  if (!credential) return undefined;
  return parseAuthorization(`AWS4-HMAC-SHA256 Credential=${credential}`);
}

type Protocol = 'ec2' | 'query' | 'json1.0' | 'json1.1';

interface Route {
  service: ServiceName;
  protocol: Protocol;
  action: string;
  params: Record<string, unknown>;
}

const JSON_TARGETS: Record<string, { service: ServiceName; protocol: Protocol }> = {
  AWSStepFunctions: { service: 'sfn', protocol: 'json1.0' },
  TrentService: { service: 'kms', protocol: 'json1.1' },
  AmazonSSM: { service: 'ssm', protocol: 'json1.1' },
};

const SIGNING_NAMES: Record<string, ServiceName> = {
  ec2: 'ec2',
  sts: 'sts',
  states: 'sfn',
  kms: 'kms',
  autoscaling: 'autoscaling',
  ssm: 'ssm',
};

/** The AWS query protocol services: their API version and XML namespace. */
const QUERY_SERVICES: Partial<Record<ServiceName, { version: string; namespace: string }>> = {
  sts: { version: '2011-06-15', namespace: STS_NAMESPACE },
  autoscaling: { version: AUTOSCALING_VERSION, namespace: AUTOSCALING_NAMESPACE },
};

/**
 * An action's answer before it is written on the wire, so the server can still act on it (end a
 * paginated listing early) whatever the protocol.
 */
type Answer =
  | { protocol: 'ec2'; body: XmlObject }
  | { protocol: 'query'; namespace: string; result: XmlObject }
  | { protocol: 'json1.0' | 'json1.1'; value: Record<string, unknown> };

/** Drops the next-page token from an answer (the `endAtPage` fault). */
function endListing(answer: Answer): Answer {
  switch (answer.protocol) {
    case 'ec2':
      return { ...answer, body: { ...answer.body, nextToken: undefined } };
    case 'query':
      return { ...answer, result: { ...answer.result, NextToken: undefined } };
    default: {
      const value = { ...answer.value };
      delete value['NextToken'];
      if ('NextMarker' in value) {
        delete value['NextMarker'];
        value['Truncated'] = false;
      }
      return { ...answer, value };
    }
  }
}

/** The pagination token a request carries (`NextToken`, or `Marker` for KMS lists). */
function requestToken(params: Record<string, unknown>): string | undefined {
  const token = params['NextToken'] ?? params['Marker'];
  return typeof token === 'string' ? token : undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface Reply {
  status: number;
  contentType: string;
  body: string;
}

/** The HTTP front of the fake: one endpoint for every service, told apart by headers and scope. */
export class FakeAwsServer {
  private readonly server: Server;

  constructor(
    private readonly state: FakeAwsState,
    private readonly faults: Faults,
    private readonly calls: FakeAwsCall[],
  ) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.statusCode = 500;
          res.setHeader('content-type', 'text/plain');
        }
        res.end(error instanceof Error ? error.message : String(error));
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  async listen(port: number, host: string): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    const hostname = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${hostname}:${address.port}`;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private route(
    req: IncomingMessage,
    url: URL,
    body: string,
    scope: SigV4Scope | undefined,
  ): Route | AwsError {
    const target = req.headers['x-amz-target'];
    if (typeof target === 'string' && target !== '') {
      const dot = target.indexOf('.');
      const known = JSON_TARGETS[target.slice(0, dot)];
      if (dot === -1 || !known) return new AwsError('UnknownOperationException', `Unknown target ${target}`);
      let params: Record<string, unknown>;
      try {
        const parsed: unknown = body.trim() === '' ? {} : JSON.parse(body);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error('not an object');
        params = parsed as Record<string, unknown>;
      } catch {
        return new AwsError('SerializationException', 'Could not parse the request body as a JSON object');
      }
      return { ...known, action: target.slice(dot + 1), params };
    }
    const params: Record<string, string> = { ...Object.fromEntries(url.searchParams), ...parseQuery(body) };
    const action = params['Action'];
    if (!action) return new AwsError('MissingAction', 'The request must contain the parameter Action');
    const signedFor = scope ? SIGNING_NAMES[scope.service] : undefined;
    const byVersion = (Object.keys(QUERY_SERVICES) as ServiceName[]).find(
      (name) => QUERY_SERVICES[name]?.version === params['Version'],
    );
    const service: ServiceName | undefined =
      signedFor ?? (params['Version'] === EC2_VERSION ? 'ec2' : byVersion);
    if (service === 'ec2') return { service, protocol: 'ec2', action, params };
    if (service && QUERY_SERVICES[service]) return { service, protocol: 'query', action, params };
    return new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const requestId = randomUUID();
    if (req.method === 'GET' && url.pathname === '/' && url.search === '') {
      this.send(res, requestId, {
        status: 200,
        contentType: 'application/json',
        body: '{"service":"fake-aws"}',
      });
      return;
    }
    const scope = parseAuthorization(req.headers.authorization) ?? parsePresigned(url);
    const route = this.route(req, url, body, scope);
    if (route instanceof AwsError) {
      this.send(res, requestId, this.renderError('query', route, requestId, STS_NAMESPACE));
      return;
    }
    const namespace = QUERY_SERVICES[route.service]?.namespace;
    const region = scope?.region ?? 'us-east-1';
    const call: FakeAwsCall = {
      service: route.service,
      action: route.action,
      region,
      accountId: '',
      params: route.params,
      status: 200,
      requestId,
      at: this.state.now(),
    };
    let reply: Reply;
    try {
      if (!scope) {
        const json = route.protocol.startsWith('json');
        throw new AwsError(
          json ? 'MissingAuthenticationTokenException' : 'MissingAuthenticationToken',
          'Request is missing Authentication Token',
          403,
        );
      }
      const principal = this.state.principalFor(scope.accessKeyId);
      call.accountId = principal.accountId;
      call.accessKeyId = scope.accessKeyId;
      if (principal.expiration && principal.expiration.getTime() <= this.state.now().getTime()) {
        const json = route.protocol.startsWith('json');
        throw new AwsError(
          json ? 'ExpiredTokenException' : 'ExpiredToken',
          'The security token included in the request is expired',
        );
      }
      if (this.faults.latencyMs > 0) await sleep(this.faults.latencyMs);
      const injected = this.faults.errorFor(route.service, route.action, region);
      if (injected) throw injected;
      const throttled = this.faults.throttleFor(route.service);
      if (throttled) throw throttled;
      const page = pageOf(requestToken(route.params));
      const pageFault = this.faults.pageFaultFor(route.service, route.action, page);
      if (pageFault?.error) throw pageFaultError(pageFault.error);
      this.state.settle();
      const pageCap = this.faults.pageCapFor(route.service, route.action);
      let answer = this.dispatch(route, principal, region, pageCap);
      if (pageFault?.end) answer = endListing(answer);
      reply = this.render(route.action, answer, requestId);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      reply = this.renderError(route.protocol, error, requestId, namespace);
      call.errorCode = error.code;
    }
    call.status = reply.status;
    this.calls.push(call);
    this.send(res, requestId, reply);
  }

  private dispatch(route: Route, principal: Principal, region: string, pageCap: number | undefined): Answer {
    const ctx = () => ({
      state: this.state,
      region,
      store: this.state.region(region),
      caller: principal,
      account: principal.accountId,
      now: this.state.now(),
      pageCap,
    });
    switch (route.service) {
      case 'ec2':
        return { protocol: 'ec2', body: handleEc2(ctx(), route.action, route.params as QueryParams) };
      case 'sts':
        return {
          protocol: 'query',
          namespace: STS_NAMESPACE,
          result: handleSts(this.state, principal, route.action, route.params as QueryParams),
        };
      case 'autoscaling':
        return {
          protocol: 'query',
          namespace: AUTOSCALING_NAMESPACE,
          result: handleAutoScaling(ctx(), route.action, route.params as QueryParams),
        };
      case 'sfn':
        return {
          protocol: 'json1.0',
          value: this.state.sfn.handle(route.action, route.params),
        };
      case 'kms':
        return {
          protocol: 'json1.1',
          value: handleKms(this.state.kms, route.action, route.params, {
            region,
            accountId: principal.accountId,
            callerArn: principal.arn,
            pageCap,
          }),
        };
      case 'ssm':
        return {
          protocol: 'json1.1',
          value: this.state.ssm.handle(route.action, route.params, region, principal, pageCap),
        };
    }
  }

  private render(action: string, answer: Answer, requestId: string): Reply {
    switch (answer.protocol) {
      case 'ec2':
        return {
          status: 200,
          contentType: 'text/xml;charset=UTF-8',
          body: xmlDocument(`${action}Response`, EC2_NAMESPACE, { requestId, ...answer.body }),
        };
      case 'query':
        return {
          status: 200,
          contentType: 'text/xml;charset=UTF-8',
          body: xmlDocument(
            `${action}Response`,
            answer.namespace,
            { [`${action}Result`]: answer.result, ResponseMetadata: { RequestId: requestId } },
            'member',
          ),
        };
      default:
        return {
          status: 200,
          contentType: `application/x-amz-json-${answer.protocol.slice(4)}`,
          body: JSON.stringify(answer.value),
        };
    }
  }

  private renderError(
    protocol: Protocol,
    error: AwsError,
    requestId: string,
    namespace: string | undefined,
  ): Reply {
    switch (protocol) {
      case 'ec2':
        return {
          status: error.status,
          contentType: 'text/xml;charset=UTF-8',
          body: ec2ErrorXml(error, requestId),
        };
      case 'query':
        return {
          status: error.status,
          contentType: 'text/xml;charset=UTF-8',
          body: queryErrorXml(error, requestId, namespace ?? STS_NAMESPACE),
        };
      default:
        return {
          status: error.status,
          contentType: `application/x-amz-json-${protocol.slice(4)}`,
          body: JSON.stringify({ __type: error.code, message: error.message }),
        };
    }
  }

  private send(res: ServerResponse, requestId: string, reply: Reply): void {
    res.statusCode = reply.status;
    res.setHeader('content-type', reply.contentType);
    res.setHeader('content-length', Buffer.byteLength(reply.body));
    res.setHeader('x-amzn-requestid', requestId);
    res.setHeader('date', new Date().toUTCString());
    res.end(reply.body);
  }
}
