import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/open.js';
import { createLogger } from '../log.js';
import type { UpstreamPackage } from '../upstream/rpc-schema.js';
import { aurName, learnAurNames, MAX_NAMES_PER_SYNC, namesToAsk, recordAurNames, RECHECK_UNKNOWN_MS } from './aur-names.js';

const found = (name: string, pkgbase = name) => [name, { Name: name, PackageBase: pkgbase } as UpstreamPackage] as const;
const HOUR = 3_600_000;

describe('which dependency names the AUR knows', () => {
  it('records found names with their pkgbase and the rest as unknown', () => {
    const db = openDatabase(':memory:');
    recordAurNames(db, ['lib-split', 'glibc'], new Map([found('lib-split', 'lib')]), 0);
    expect(aurName(db, 'lib-split')).toEqual({ known: true, pkgbase: 'lib' });
    expect(aurName(db, 'glibc')).toEqual({ known: false });
    expect(aurName(db, 'never-asked')).toBeNull();
  });

  it('asks about new names, and again about an unknown name only after a day; a known one never again', () => {
    const db = openDatabase(':memory:');
    recordAurNames(db, ['known', 'unknown'], new Map([found('known')]), 0);
    expect(namesToAsk(db, ['known', 'unknown', 'new'], HOUR)).toEqual(['new']);
    expect(namesToAsk(db, ['known', 'unknown', 'new'], RECHECK_UNKNOWN_MS)).toEqual(['unknown', 'new']);
  });

  it('asks in one lookup, at most MAX_NAMES_PER_SYNC names, and a failed lookup leaves them to the next run', async () => {
    const db = openDatabase(':memory:');
    const logger = createLogger('silent');
    const asked: string[][] = [];
    const names = Array.from({ length: MAX_NAMES_PER_SYNC + 5 }, (_, index) => `dep-${index}`);
    const rpc = { info: (batch: readonly string[]) => (asked.push([...batch]), Promise.resolve(new Map([found('dep-0')]))) };
    expect(await learnAurNames({ db, rpc, logger }, names, 0)).toBe(MAX_NAMES_PER_SYNC);
    expect(asked).toHaveLength(1);
    expect(aurName(db, 'dep-0')).toEqual({ known: true, pkgbase: 'dep-0' });
    const failing = { info: () => Promise.reject(new Error('upstream down')) };
    expect(await learnAurNames({ db, rpc: failing, logger }, names, 1)).toBe(0);
    expect(aurName(db, `dep-${MAX_NAMES_PER_SYNC}`)).toBeNull();
  });
});
