// One origin for the browser: /api/<service>/... is forwarded to that service's /... . The
// portal does not authenticate these requests for the service: each service verifies the
// bearer token itself. The refresh cookie is never forwarded.
import proxy from '@fastify/http-proxy';
import { PROBLEM_CONTENT_TYPE, problemType } from '@tamga/contracts';
import type { ServiceApp } from '@tamga/service-kit';
import { portalErrors } from '../domain/errors.ts';
import { publicRoutes } from './public-scope.ts';

export const UPSTREAM_NAMES = ['intake', 'analysis', 'reporting'] as const;
export type UpstreamName = (typeof UPSTREAM_NAMES)[number];
export type Upstreams = Partial<Record<UpstreamName, string>>;

export async function registerGateway(app: ServiceApp, upstreams: Upstreams): Promise<void> {
  for (const name of UPSTREAM_NAMES) {
    const upstream = upstreams[name];
    const prefix = `/api/${name}`;
    if (upstream === undefined) {
      await app.register((scope, _opts, registered) => {
        // Whatever the body (a PDF, a spectrum file), the answer is the same 503.
        scope.removeAllContentTypeParsers();
        scope.addContentTypeParser('*', (_request, payload, done) => {
          payload.resume();
          payload.on('end', () => done(null, undefined));
        });
        scope.all(`${prefix}/*`, { config: { public: true } }, () => {
          throw portalErrors.PORTAL_ERR_UPSTREAM_UNAVAILABLE(`${name} is not configured in this portal`);
        });
        registered();
      });
      continue;
    }
    await app.register(async (scope) => {
      publicRoutes(scope);
      await scope.register(proxy, {
        upstream,
        prefix,
        rewritePrefix: '',
        config: { public: true },
        replyOptions: {
          rewriteRequestHeaders: (_request, headers) => {
            const { cookie: _cookie, ...rest } = headers;
            return rest;
          },
          onError: (reply, { error }) => {
            reply.log.warn({ err: error, upstream: name }, 'upstream failed');
            void reply
              .status(503)
              .type(PROBLEM_CONTENT_TYPE)
              .send({
                type: problemType('PORTAL_ERR_UPSTREAM_UNAVAILABLE'),
                title: 'Service Unavailable',
                status: 503,
                detail: `${name} did not answer`,
                code: 'PORTAL_ERR_UPSTREAM_UNAVAILABLE',
                instance: reply.request.url,
              });
          },
        },
      });
    });
  }
}
