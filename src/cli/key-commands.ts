import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidInput } from '../errors.js';
import { exportPublicKey, type KeyInfo, type KeyStore, type PublicKeyFormat } from '../trust/key-store.js';
import type { TrustLog } from '../app/trust.js';
import { withAurgate } from './context.js';
import { printJson } from './output.js';
import type { CliIo } from './io.js';

const FORMATS: readonly PublicKeyFormat[] = ['note', 'pem', 'base64'];

function describeKeys(trust: TrustLog, store: KeyStore) {
  return {
    origin: trust.origin,
    dir: store.dir,
    active: store.active.keyid,
    keys: store.keys.map((key: KeyInfo) => ({
      keyid: key.keyid,
      createdAt: key.createdAt,
      retiredAt: key.retiredAt,
      source: key.source,
      verifierKey: exportPublicKey(key, 'note', trust.origin),
    })),
  };
}

function printKeys(io: CliIo, trust: TrustLog, store: KeyStore, json: boolean | undefined): void {
  const description = describeKeys(trust, store);
  if (json) return printJson(io, description);
  io.stdout.write(`log origin ${description.origin}, keys in ${description.dir}\n`);
  for (const key of description.keys) {
    const state = key.retiredAt ? `retired ${key.retiredAt}` : 'active';
    io.stdout.write(`${key.keyid}  ${key.source} ${key.createdAt}  ${state}\n  ${key.verifierKey}\n`);
  }
}

export function registerKeyCommands(program: Command, io: CliIo): void {
  const key = program
    .command('key')
    .description('the Ed25519 key that signs approvals and log checkpoints (in <data dir>/keys); export-pgp: the pacman repository key');

  key
    .command('show')
    .description('list the signing keys (the active one last) with their note verifier keys')
    .option('--json', 'machine-readable')
    .action(async (options: { json?: boolean }) => withAurgate(io, (app) => printKeys(io, app.trust, app.trust.keys(), options.json)));

  key
    .command('rotate')
    .description('retire the active key and sign from now on with a new one (old signatures keep verifying with the old public key)')
    .option('--json', 'machine-readable')
    .action(async (options: { json?: boolean }) =>
      withAurgate(io, (app) => {
        const store = app.trust.rotate();
        app.trust.publish();
        printKeys(io, app.trust, store, options.json);
        if (!options.json) io.stderr.write('publish the new pinned-keys file (aurgate key export-public --all) to every verifier\n');
      }),
    );

  key
    .command('import')
    .description('make an existing Ed25519 private key the active signing key (PKCS#8 PEM, Go note private key, or a 32-byte seed raw/hex/base64)')
    .argument('<file>', 'the private key file')
    .option('--json', 'machine-readable')
    .action(async (file: string, options: { json?: boolean }) => {
      let material: Buffer;
      try {
        material = await readFile(file);
      } catch (error) {
        throw new InvalidInput(`cannot read key file ${file}`, { cause: error });
      }
      await withAurgate(io, (app) => {
        const store = app.trust.import(material);
        app.trust.publish();
        printKeys(io, app.trust, store, options.json);
      });
    });

  key
    .command('export-public')
    .description('print the public key: a note verifier key (what `aurgate verify --keys` pins), SPKI PEM, or raw base64')
    .option('--format <format>', `one of ${FORMATS.join(', ')}`, 'note')
    .option('--all', 'every key, retired ones included (the pinned-keys file served at /.well-known/aurgate/keys)')
    .action(async (options: { format: string; all?: boolean }) => {
      if (!(FORMATS as readonly string[]).includes(options.format))
        throw new InvalidInput(`unknown key format ${JSON.stringify(options.format)}: use ${FORMATS.join(', ')}`);
      const format = options.format as PublicKeyFormat;
      await withAurgate(io, (app) => {
        const store = app.trust.keys();
        const keys = options.all ? store.keys : [store.active];
        for (const one of keys) {
          const text = exportPublicKey(one, format, app.trust.origin);
          io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
        }
      });
    });

  key
    .command('export-pgp')
    .description('print the OpenPGP public key that signs the pacman repository (for pacman-key --add), created on first use in <data dir>/repo-key')
    .option('--fingerprint', 'print only its fingerprint (for pacman-key --lsign-key)')
    .action(async (options: { fingerprint?: boolean }) =>
      withAurgate(io, async (app) => {
        const repoKey = await app.repoKey();
        io.stdout.write(options.fingerprint ? `${repoKey.fingerprint}\n` : repoKey.armoredPublicKey.replace(/\n?$/, '\n'));
      }),
    );
}
