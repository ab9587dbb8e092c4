import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, ServiceConfigSchema, checkServiceConfig, loadConfig } from '@tamga/service-kit';

const base = { AUTH_PUBLIC_KEY_FILE: '/tmp/key.json' };

describe('loadConfig', () => {
  it('fills defaults for a minimal environment', () => {
    const config = loadConfig(ServiceConfigSchema, base);
    expect(config).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', STORE_BACKEND: 'sqlite', LAB_CODE: 'TMG', AUTH_ISSUER: 'tamga-portal' });
  });

  it('names every bad variable in the error', () => {
    try {
      loadConfig(ServiceConfigSchema, { ...base, PORT: 'eighty', STORE_BACKEND: 'oracle', LAB_CODE: 'lab' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as ConfigError).message;
      expect(message).toContain('PORT');
      expect(message).toContain('STORE_BACKEND');
      expect(message).toContain('LAB_CODE');
      expect((err as ConfigError).errors.map((e) => e.field).sort()).toEqual(['LAB_CODE', 'PORT', 'STORE_BACKEND']);
    }
  });

  it('requires MONGO_URL for the mongo backend and a token key source', () => {
    expect(() => loadConfig(ServiceConfigSchema, { ...base, STORE_BACKEND: 'mongo' })).toThrowError(/MONGO_URL/);
    expect(() => loadConfig(ServiceConfigSchema, {})).toThrowError(/AUTH_PUBLIC_KEY_FILE/);
    expect(() => loadConfig(ServiceConfigSchema, { AUTH_JWKS_URL: 'not a url' })).toThrowError(/AUTH_JWKS_URL/);
  });

  it('lets a service extend the base schema with its own variables', () => {
    const IntakeConfig = ServiceConfigSchema.extend({ LABEL_PRINTER: z.string().min(1) });
    expect(() => loadConfig(IntakeConfig, base)).toThrowError(/LABEL_PRINTER/);
    expect(loadConfig(IntakeConfig, { ...base, LABEL_PRINTER: 'zebra' }).LABEL_PRINTER).toBe('zebra');
    expect(() => loadConfig(IntakeConfig, { LABEL_PRINTER: 'zebra', STORE_BACKEND: 'mongo', AUTH_JWKS_URL: 'http://portal/jwks' })).toThrowError(/MONGO_URL/);
  });
});

describe('a schema rebuilt from the base shape', () => {
  it('keeps the mongo rule without demanding a token key', () => {
    const { AUTH_PUBLIC_KEY_FILE: _f, AUTH_JWKS_URL: _u, ...common } = ServiceConfigSchema.shape;
    const IssuerConfig = z.object({ ...common }).superRefine((c, ctx) => checkServiceConfig(c, ctx, false));
    expect(loadConfig(IssuerConfig, {}).STORE_BACKEND).toBe('sqlite');
    expect(() => loadConfig(IssuerConfig, { STORE_BACKEND: 'mongo' })).toThrowError(/MONGO_URL/);
  });
});

describe('a service started with a bad variable', () => {
  it('stops with exit code 78 and a message naming the variable', () => {
    const tsx = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
    const fixture = fileURLToPath(new URL('./fixtures/load-config.ts', import.meta.url));
    const env = { PATH: process.env.PATH ?? '', AUTH_PUBLIC_KEY_FILE: '/tmp/k.json' };
    const bad = spawnSync(tsx, [fixture], { env: { ...env, PORT: 'eighty' }, encoding: 'utf8' });
    expect(bad.status).toBe(78);
    expect(bad.stderr).toContain('PORT');
    const good = spawnSync(tsx, [fixture], { env: { ...env, PORT: '8080' }, encoding: 'utf8' });
    expect(good.status).toBe(0);
    expect(good.stdout).toBe('port 8080\n');
  });
});
