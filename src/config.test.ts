import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { InvalidInput } from './errors.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      dataDir: path.resolve('./data'),
      upstreamUrl: 'https://aur.archlinux.org',
      host: '127.0.0.1',
      port: 8080,
      publicUrl: 'http://127.0.0.1:8080',
      syncSchedule: '*/30 * * * *',
      // Deprecated: unset unless given; the decision policy lives in the database.
      requiredApprovals: undefined,
      logLevel: 'info',
      cliLogLevel: 'warn',
    });
    expect(loadConfig({ AURGATE_LOG_LEVEL: 'debug' })).toMatchObject({ logLevel: 'debug', cliLogLevel: 'debug' });
    expect(config.paths.database).toBe(path.resolve('./data/aurgate.db'));
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads AURGATE_* variables and strips trailing slashes from URLs', () => {
    const config = loadConfig({
      AURGATE_DATA_DIR: '/srv/aurgate',
      AURGATE_UPSTREAM_URL: 'http://127.0.0.1:9999/',
      AURGATE_PORT: '9000',
      AURGATE_PUBLIC_URL: 'https://aur.example.org/',
      AURGATE_SYNC_SCHEDULE: '0 * * * *',
    });
    expect(config).toMatchObject({
      dataDir: '/srv/aurgate',
      upstreamUrl: 'http://127.0.0.1:9999',
      port: 9000,
      publicUrl: 'https://aur.example.org',
      syncSchedule: '0 * * * *',
    });
  });

  it('rejects invalid values with a message naming each variable', () => {
    const attempt = () => loadConfig({ AURGATE_PORT: 'eighty', AURGATE_SYNC_SCHEDULE: 'every minute', AURGATE_UPSTREAM_URL: 'ftp://x' });
    expect(attempt).toThrow(InvalidInput);
    expect(attempt).toThrow(/AURGATE_PORT: .*AURGATE_UPSTREAM_URL: must be an http|AURGATE_UPSTREAM_URL/);
    expect(attempt).toThrow(/AURGATE_SYNC_SCHEDULE: must be a valid cron expression/);
  });

  it('refuses a config file that is not a JSON object', () => {
    expect(() => loadConfig({ AURGATE_CONFIG: '/nonexistent/aurgate.json' })).toThrow(/AURGATE_CONFIG: cannot read/);
  });
});
