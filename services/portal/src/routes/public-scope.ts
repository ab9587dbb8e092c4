import type { FastifyInstance } from 'fastify';

/** Marks every route registered in `scope` public: the kit's auth hook leaves them alone. */
export function publicRoutes(scope: FastifyInstance): void {
  scope.addHook('onRoute', (route) => {
    route.config = { ...route.config, public: true };
  });
}
