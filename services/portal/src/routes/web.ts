// The web UI: the built single-page app, served as static files from `webDir`. The app routes
// with the URL hash, so every page is index.html and no server-side fallback is needed.
import fastifyStatic from '@fastify/static';
import type { ServiceApp } from '@tamga/service-kit';
import { publicRoutes } from './public-scope.ts';

export async function registerWeb(app: ServiceApp, webDir: string): Promise<void> {
  await app.register(async (scope) => {
    publicRoutes(scope);
    await scope.register(fastifyStatic, {
      root: webDir,
      index: ['index.html'],
      // Hashed asset names may be cached for long; index.html must always be fresh.
      setHeaders: (res, file) => {
        res.setHeader('cache-control', file.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
      },
    });
  });
}

/** CSP for the UI: only this origin's scripts, styles and API; no framing. */
export const WEB_HELMET = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      connectSrc: ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  crossOriginResourcePolicy: { policy: 'same-origin' as const },
};
