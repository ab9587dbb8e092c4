// A small HTTP load balancer in front of the instances of one service, as a Kubernetes Service
// is in production: each request goes to the next admitted instance; a connection refused
// moves on to the next one. The chaos driver takes an instance out (drain) before it kills it,
// so the load generator never has a request cut in the middle: what is under test is the
// pipeline behind the HTTP answers (outbox, broker, consumers, stores), not client retries.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Balancer {
  readonly url: string;
  /** Stops sending new requests to `upstream` and waits until its requests in flight have answered. */
  drain(upstream: string): Promise<void>;
  /** Sends requests to `upstream` again. */
  admit(upstream: string): void;
  close(): Promise<void>;
}

interface Upstream {
  url: string;
  admitted: boolean;
  inflight: number;
}

const HOP_HEADERS = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);
const ATTEMPTS = 40;

export async function startBalancer(upstreams: readonly string[]): Promise<Balancer> {
  const pool: Upstream[] = upstreams.map((url) => ({ url, admitted: true, inflight: 0 }));
  let next = 0;

  const pick = (): Upstream | undefined => {
    for (let i = 0; i < pool.length; i += 1) {
      const candidate = pool[(next + i) % pool.length];
      if (candidate?.admitted) {
        next = (next + i + 1) % pool.length;
        return candidate;
      }
    }
    return undefined;
  };

  const forward = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length === 0 ? undefined : Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_HEADERS.has(name) && typeof value === 'string') headers[name] = value;
    }
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const upstream = pick();
      if (upstream === undefined) {
        // Every instance is out for a moment (being restarted): wait like a client would.
        await sleep(250);
        continue;
      }
      upstream.inflight += 1;
      try {
        const answer = await fetch(new URL(req.url ?? '/', upstream.url), {
          method: req.method ?? 'GET',
          headers,
          ...(body === undefined ? {} : { body }),
        });
        const bytes = Buffer.from(await answer.arrayBuffer());
        const out: Record<string, string> = {};
        answer.headers.forEach((value, name) => {
          if (!HOP_HEADERS.has(name) && name !== 'content-encoding') out[name] = value;
        });
        res.writeHead(answer.status, out).end(bytes);
        return;
      } catch (err) {
        // Refused: the request never reached the instance, so another may take it.
        if (connectionRefused(err) || (req.method ?? 'GET') === 'GET') {
          await sleep(100);
          continue;
        }
        res.writeHead(502, { 'content-type': 'text/plain' }).end(`upstream ${upstream.url} failed mid-request: ${String(err)}`);
        return;
      } finally {
        upstream.inflight -= 1;
      }
    }
    res.writeHead(503, { 'content-type': 'text/plain' }).end('no instance answered');
  };

  const server: Server = createServer((req, res) => {
    forward(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const find = (url: string): Upstream => {
    const found = pool.find((u) => u.url === url);
    if (found === undefined) throw new Error(`the balancer has no upstream ${url}`);
    return found;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    async drain(url) {
      const upstream = find(url);
      upstream.admitted = false;
      const deadline = Date.now() + 30_000;
      while (upstream.inflight > 0 && Date.now() < deadline) await sleep(50);
    },
    admit(url) {
      find(url).admitted = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function connectionRefused(err: unknown): boolean {
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  return cause?.code === 'ECONNREFUSED';
}
