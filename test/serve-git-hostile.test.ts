import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePackage } from './support/fixture-packages.js';
import { gitClient, revParse, tempDir } from './support/git-client.js';
import { startAurgate, type Harness } from './support/harness.js';
import { HOSTILE_CLASSES, largeLsRefs, pkt, rawRequest, type RawAnswer } from './support/raw-http.js';
import { TestUpstream } from './support/upstream.js';
import { account } from './support/accounts.js';

/**
 * Requests to git-upload-pack that git stops reading early, oversized or undecodable bodies: each
 * gets an answer or a closed connection, and the server keeps serving RPC and clones afterwards.
 * Before the request streams were guarded, the first of these killed the process with EPIPE.
 */
let upstream: TestUpstream;
let aurgate: Harness;
let url: string;
let head: string;
const PKG = 'hostile-target';
const UPLOAD_PACK = 'application/x-git-upload-pack-request';

beforeAll(async () => {
  upstream = await TestUpstream.start();
  aurgate = await startAurgate({ upstreamUrl: upstream.url });
  url = await aurgate.serve();
  head = await upstream.addPackage(makePackage({ pkgbase: PKG, pkgver: '1.0' }));
  await aurgate.app.allow([PKG], 'tester');
  await aurgate.app.sync({ trigger: 'cli' });
  await aurgate.app.approve({ pkgbase: PKG, commit: head, by: await account(aurgate.app, 'rita') });
});
afterAll(async () => {
  await aurgate.close();
  await upstream.stop();
});

function uploadPack(body: Buffer, headers: Record<string, string>): Promise<RawAnswer> {
  return rawRequest(url, { method: 'POST', path: `/${PKG}.git/git-upload-pack`, headers: { 'Content-Type': UPLOAD_PACK, ...headers }, body });
}

async function expectStillServing(): Promise<void> {
  const rpc = await fetch(`${url}/rpc/v5/info?arg[]=${PKG}`);
  expect(rpc.status).toBe(200);
  expect(((await rpc.json()) as { resultcount: number }).resultcount).toBe(1);
  const refs = await fetch(`${url}/${PKG}.git/info/refs?service=git-upload-pack`);
  expect(refs.status).toBe(200);
  expect(await refs.text()).toContain(head);
}

/** A complete answer that is not a server error; or, where the server gave up on the body, a closed connection. */
function expectHandled(answer: RawAnswer, name: string): void {
  if (answer.status === null) return;
  expect([200, 400, 413], name).toContain(answer.status);
  if (answer.status !== 200) expect(answer.body.toString(), name).toMatch(/^aurgate: /);
}

describe('request bodies git stops reading early', () => {
  for (const hostile of HOSTILE_CLASSES) {
    it(`${hostile.name}, protocol v${hostile.protocol}: answered, and the server keeps serving`, async () => {
      const request = hostile.build(head);
      expect(request.body.length).toBeGreaterThan(300 * 1024);
      const answer = await uploadPack(request.body, request.headers);
      expect(answer.status, hostile.name).not.toBeNull();
      expectHandled(answer, hostile.name);
      await expectStillServing();
    });
  }

  it("an unknown want under protocol v0 gets git's own error, which git clients show", async () => {
    const answer = await uploadPack(Buffer.from(`${pkt(`want ${'1'.repeat(40)} ofs-delta\n`)}0000${pkt('done\n')}`), {});
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toContain('ERR upload-pack: not our ref');
  });

  it('garbage gets a 400 with a message, not an empty 200', async () => {
    const answer = await uploadPack(Buffer.from('this is not a pkt-line stream\n'.repeat(20)), {});
    expect(answer.status).toBe(400);
    expect(answer.body.toString()).toMatch(/^aurgate: /);
  });
});

describe('size caps hold while the body streams', () => {
  /** A fetch git keeps reading (have lines, no end), so only aurgate's cap can stop it. */
  const endlessFetch = (protocol: 0 | 2, bytes: number): Buffer => {
    const have = pkt(`have ${'e'.repeat(40)}\n`);
    const start = protocol === 2 ? `${pkt('command=fetch\n')}0001${pkt(`want ${head}\n`)}` : `${pkt(`want ${head} ofs-delta\n`)}0000`;
    return Buffer.from(start + have.repeat(Math.ceil(bytes / have.length)));
  };

  for (const protocol of [0, 2] as const) {
    const headers: Record<string, string> = protocol === 2 ? { 'Git-Protocol': 'version=2' } : {};

    it(`a body over 16 MiB is refused with 413, protocol v${protocol}`, async () => {
      const answer = await uploadPack(endlessFetch(protocol, 17 * 1024 * 1024), headers);
      expect(answer.status).toBe(413);
      expect(answer.body.toString()).toMatch(/^aurgate: .*larger than 16777216 bytes/);
      await expectStillServing();
    });

    it(`a gzip bomb stops at the decoded cap, protocol v${protocol}`, async () => {
      const bomb = gzipSync(endlessFetch(protocol, 64 * 1024 * 1024), { level: 9 });
      expect(bomb.length).toBeLessThan(1024 * 1024);
      const answer = await uploadPack(bomb, { 'Content-Encoding': 'gzip', ...headers });
      expect(answer.status).toBe(413);
      expect(answer.body.toString()).toMatch(/^aurgate: the decoded request body is larger than 16777216 bytes/);
      await expectStillServing();
    });
  }

  it("a bomb of bytes git refuses at once ends at git's refusal, or at the cap", async () => {
    const answer = await uploadPack(gzipSync(Buffer.alloc(64 * 1024 * 1024)), { 'Content-Encoding': 'gzip' });
    expect([400, 413]).toContain(answer.status);
    await expectStillServing();
  });

  it('a truncated gzip body is refused as unreadable', async () => {
    const request = gzipSync(endlessFetch(0, 512 * 1024));
    const answer = await uploadPack(request.subarray(0, request.length >> 1), { 'Content-Encoding': 'gzip' });
    expect(answer.status).toBe(400);
    expect(answer.body.toString()).toMatch(/^aurgate: unreadable git request/);
    await expectStillServing();
  });

  it('a client that hangs up in the middle of its body leaves nothing behind', async () => {
    const { connect } = await import('node:net');
    const target = new URL(url);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(target.port), target.hostname, () => {
        socket.write(
          `POST /${PKG}.git/git-upload-pack HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: ${UPLOAD_PACK}\r\nContent-Length: 5000000\r\n\r\n`,
        );
        socket.write(Buffer.from(`${pkt(`want ${head}\n`)}0000`), () => socket.destroy());
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    await expectStillServing();
  });
});

describe('the ls-refs answer cache', () => {
  /** The git routes alone, counting the upload-pack processes they start. */
  async function countingRouter(): Promise<{ lsRefs: (body: Buffer) => Promise<string>; spawned: () => number }> {
    const { gitRoutes } = await import('../src/serve/git/routes.js');
    const { createLogger } = await import('../src/log.js');
    let spawned = 0;
    const router = gitRoutes({
      lookup: { availability: (name) => ({ kind: 'served', pkgbase: name, commit: head }) as never },
      servedRoot: aurgate.config.paths.servedRepos,
      timeoutMs: 20_000,
      logger: createLogger('silent'),
      inFlight: { enter: () => (spawned += 1), leave: () => {} },
    });
    const lsRefs = async (body: Buffer): Promise<string> => {
      const response = await router.request(`/${PKG}.git/git-upload-pack`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': UPLOAD_PACK, 'Git-Protocol': 'version=2' },
      });
      expect(response.status).toBe(200);
      return response.text();
    };
    return { lsRefs, spawned: () => spawned };
  }
  const request = (...lines: string[]): Buffer => Buffer.from(`${pkt('command=ls-refs\n')}${lines.join('')}0000`);

  it('answers equal requests once, whatever their order, duplicates or agent', async () => {
    const { lsRefs, spawned } = await countingRouter();
    const first = await lsRefs(request(pkt('agent=git/2.39\n'), '0001', pkt('symrefs\n'), pkt('ref-prefix HEAD\n'), pkt('ref-prefix refs/heads/\n')));
    expect(first).toContain(`${head} HEAD symref-target:refs/heads/master`);
    expect(spawned()).toBe(1);
    const same = await lsRefs(
      request(pkt('agent=other/1\n'), '0001', pkt('ref-prefix refs/heads/\n'), pkt('symrefs\n'), pkt('ref-prefix HEAD\n'), pkt('ref-prefix HEAD\n')),
    );
    expect(same).toBe(first);
    expect(spawned()).toBe(1);
    const different = await lsRefs(request('0001', pkt('ref-prefix refs/heads/\n')));
    expect(different).not.toContain('HEAD');
    expect(spawned()).toBe(2);
  });

  it('sends large or unknown requests to git every time, and keeps nothing of them', async () => {
    const { lsRefs, spawned } = await countingRouter();
    const large = largeLsRefs(64 * 1024);
    for (let round = 1; round <= 2; round += 1) {
      expect(await lsRefs(large)).toContain(`${head} refs/heads/master`);
      expect(spawned()).toBe(round);
    }
    const unknown = request('0001', pkt('no-such-argument\n'));
    await lsRefs(unknown).catch(() => '');
    await lsRefs(unknown).catch(() => '');
    expect(spawned()).toBe(4);
  });
});

describe('graceful-shutdown accounting', () => {
  /** The git routes alone, with an in-flight counter that tells when it is back to zero. */
  async function accountedRouter() {
    const { gitRoutes } = await import('../src/serve/git/routes.js');
    const { createLogger } = await import('../src/log.js');
    let count = 0;
    let entered = 0;
    const waiters: Array<() => void> = [];
    const router = gitRoutes({
      lookup: { availability: (name) => ({ kind: 'served', pkgbase: name, commit: head }) as never },
      servedRoot: aurgate.config.paths.servedRepos,
      timeoutMs: 20_000,
      logger: createLogger('silent'),
      inFlight: {
        enter: () => ((count += 1), (entered += 1)),
        leave: () => {
          count -= 1;
          if (count === 0) for (const wake of waiters.splice(0)) wake();
        },
      },
    });
    const idle = (): Promise<void> => (count === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve)));
    const post = (body: Buffer, headers: Record<string, string>) =>
      router.request(`/${PKG}.git/git-upload-pack`, { method: 'POST', body, headers: { 'Content-Type': UPLOAD_PACK, ...headers } });
    return { post, idle, entered: () => entered, count: () => count };
  }

  it('every started upload-pack is counted out again, whatever happened to its request or answer', async () => {
    const { post, idle, entered, count } = await accountedRouter();
    for (const hostile of HOSTILE_CLASSES) {
      const request = hostile.build(head);
      await (await post(request.body, request.headers)).arrayBuffer();
      await idle();
    }
    const v2 = { 'Git-Protocol': 'version=2' };
    const oversized = Buffer.from(`${pkt('command=fetch\n')}0001${pkt(`want ${head}\n`)}${pkt(`have ${'e'.repeat(40)}\n`).repeat(340_000)}`);
    expect((await post(oversized, v2)).status).toBe(413);
    await idle();
    // An answer the client abandons after its first bytes.
    const clone = await post(Buffer.from(`${pkt('command=fetch\n')}0001${pkt(`want ${head}\n`)}${pkt('done\n')}0000`), v2);
    expect(clone.status).toBe(200);
    const reader = clone.body?.getReader();
    await reader?.read();
    await reader?.cancel();
    await idle();
    // Every hostile body and the clone started a git process (the oversized body, handed over in one
    // piece here, may fail its cap before one starts).
    expect(entered()).toBeGreaterThanOrEqual(HOSTILE_CLASSES.length + 1);
    expect(count()).toBe(0);
  });
});

describe('after all of it', () => {
  for (const protocol of [0, 2] as const) {
    it(`a real git clone works (protocol v${protocol})`, async () => {
      const dir = await tempDir('aurgate-hostile-clone-');
      const clone = await gitClient(['clone', '--no-progress', `${url}/${PKG}.git`, 'work'], dir, protocol);
      expect(clone.code, clone.stderr).toBe(0);
      expect(await revParse(path.join(dir, 'work'), 'HEAD')).toBe(head);
    });
  }
});
