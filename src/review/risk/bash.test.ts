import { describe, expect, it } from 'vitest';
import { arrayValue, assignmentAt, functionAt, parseBash, scalarValue } from './bash.js';
import { expandBraces, resolveVars, variablesOf } from './expand.js';
import { forgeOwner, isIpAddress, parseSourceEntry, registrableDomain } from './url.js';

const values = (text: string, name: string) => arrayValue(parseBash(text), name)?.map((w) => w.value) ?? null;

describe('parseBash', () => {
  it('reads scalars with every quoting style', () => {
    const p = parseBash(`pkgname=foo\npkgver="1.2"\npkgdesc='It'"'"'s fine'\n_x=$'a\\tb'\nexport _y=z`);
    expect(scalarValue(p, 'pkgname')?.value).toBe('foo');
    expect(scalarValue(p, 'pkgver')?.value).toBe('1.2');
    expect(scalarValue(p, 'pkgdesc')?.value).toBe("It's fine");
    expect(scalarValue(p, '_x')?.value).toBe('a\\tb');
    expect(scalarValue(p, '_y')?.value).toBe('z');
  });

  it('reads multi-line arrays with comments, and records word lines', () => {
    const text = `source=(\n  "a.tar.gz" # the tarball\n  # a comment line\n  'b.patch'\n  c.service)\nsha256sums=('x' 'y'\n 'z')\n`;
    const p = parseBash(text);
    expect(arrayValue(p, 'source')).toEqual([
      { value: 'a.tar.gz', line: 2 },
      { value: 'b.patch', line: 4 },
      { value: 'c.service', line: 5 },
    ]);
    expect(p.assignments.find((a) => a.name === 'sha256sums')).toMatchObject({ line: 6, endLine: 7 });
  });

  it('applies += and scalar assignment to arrays like bash', () => {
    expect(values('source=(a)\nsource+=(b c)\n', 'source')).toEqual(['a', 'b', 'c']);
    expect(values('source=(a b)\nsource=(c)\n', 'source')).toEqual(['c']);
    expect(values('depends=(a b)\ndepends=x\n', 'depends')).toEqual(['x', 'b']);
    expect(values('', 'source')).toBeNull();
  });

  it('skips function bodies, including braces, quotes and here-documents in them', () => {
    const text = [
      'pkgver=1',
      'package() {',
      '  pkgver=2',
      '  cat > x <<EOF',
      "it's { not } code",
      'EOF',
      '  echo "}"',
      '}',
      'function helper {',
      '  :',
      '}',
      'pkgrel=3',
    ].join('\n');
    const p = parseBash(text);
    expect(scalarValue(p, 'pkgver')?.value).toBe('1');
    expect(scalarValue(p, 'pkgrel')).toMatchObject({ value: '3', line: 12 });
    expect(p.functions).toEqual([
      { name: 'package', line: 2, endLine: 8 },
      { name: 'helper', line: 9, endLine: 11 },
    ]);
    expect(functionAt(p, 5)?.name).toBe('package');
  });

  it('finds assignments inside top-level if and case blocks', () => {
    const text = 'if [[ $CARCH == x86_64 ]]; then\n  source+=(x.tar.gz)\nfi\ncase $CARCH in\n  aarch64) depends+=(y) ;;\nesac\n';
    expect(values(text, 'source')).toEqual(['x.tar.gz']);
    expect(values(text, 'depends')).toEqual(['y']);
  });

  it('keeps $(...) and ${...} inside words', () => {
    expect(values('x=("$(echo a b)" ${foo:-"b c"}/d)', 'x')).toEqual(['$(echo a b)', '${foo:-"b c"}/d']);
  });

  it('maps lines to assignments and marks command prefixes', () => {
    const p = parseBash('depends=(\n  a\n  b)\nLC_ALL=C sort x\npkgrel=1 # fixed\n');
    expect(assignmentAt(p, 2)?.name).toBe('depends');
    expect(assignmentAt(p, 4)).toMatchObject({ name: 'LC_ALL', commandPrefix: true });
    expect(assignmentAt(p, 5)?.commandPrefix).toBeUndefined();
    expect(assignmentAt(p, 6)).toBeNull();
  });

  it('survives pathological nesting and brace bombs', () => {
    expect(() => parseBash(`x="${'$('.repeat(50_000)}"`)).not.toThrow();
    expect(expandBraces('{a,b}'.repeat(40))).toEqual(['{a,b}'.repeat(40)]);
    const chain = Array.from({ length: 12 }, (_, i) => `v${i}=${`$v${i + 1}`.repeat(500)}`).join('\n');
    expect(resolveVars('$v0', variablesOf(parseBash(`${chain}\nv12=x\n`)))).toBeNull();
    expect(resolveVars('$a', variablesOf(parseBash('a=$b\nb=$a\n')))).toBeNull();
  });

  it('never throws on garbage', () => {
    for (const t of ['(((', '"unterminated', "a=('x", 'f() {', '<<', '$(', '}}}']) expect(() => parseBash(t)).not.toThrow();
  });
});

describe('expandBraces', () => {
  it('expands comma groups but not ${...}', () => {
    expect(expandBraces('x.tar.gz{,.sig}')).toEqual(['x.tar.gz', 'x.tar.gz.sig']);
    expect(expandBraces('${pkgname}-{a,b}{1,2}')).toEqual(['${pkgname}-a1', '${pkgname}-a2', '${pkgname}-b1', '${pkgname}-b2']);
    expect(expandBraces('{single}')).toEqual(['{single}']);
  });
});

describe('resolveVars', () => {
  const vars = variablesOf(parseBash('pkgname=(foo-git foo-docs)\n_pkgname=${pkgname%-git}\npkgver=1.2.3\nurl="https://x.org/$_pkgname"\n'));
  it('substitutes simple variables recursively, arrays by their first element', () => {
    expect(resolveVars('$url/v${pkgver}.tar.gz', vars)).toBe('https://x.org/foo/v1.2.3.tar.gz');
    expect(resolveVars('$pkgname', vars)).toBe('foo-git');
  });
  it('understands common operators', () => {
    expect(resolveVars('${pkgver//./_}', vars)).toBe('1_2_3');
    expect(resolveVars('${pkgver/./-}', vars)).toBe('1-2.3');
    expect(resolveVars('${pkgver#1.}', vars)).toBe('2.3');
    expect(resolveVars('${pkgname^^}', vars)).toBe('FOO-GIT');
  });
  it('gives up on anything dynamic', () => {
    expect(resolveVars('$CARCH', vars)).toBeNull();
    expect(resolveVars('${pkgver%.*}', vars)).toBeNull();
    expect(resolveVars('$(date)', vars)).toBeNull();
    expect(resolveVars('${#pkgver}', vars)).toBeNull();
  });
});

describe('url helpers', () => {
  it('parses makepkg source entries', () => {
    expect(parseSourceEntry('foo.tgz::git+https://User@GitHub.com:443/a/b.git#tag=v1')).toEqual({
      name: 'foo.tgz',
      location: 'https://User@GitHub.com:443/a/b.git#tag=v1',
      vcs: 'git',
      scheme: 'https',
      host: 'github.com',
      path: '/a/b.git',
    });
    expect(parseSourceEntry('fix.patch')).toMatchObject({ scheme: null, host: null });
    expect(parseSourceEntry('git://x.org/y')).toMatchObject({ vcs: 'git', scheme: 'git' });
    expect(parseSourceEntry('https://$_host/x')).toMatchObject({ host: null });
  });
  it('approximates registrable domains', () => {
    expect(registrableDomain('downloads.example.co.uk')).toBe('example.co.uk');
    expect(registrableDomain('cdn.example.org')).toBe('example.org');
    expect(registrableDomain('alice.github.io')).toBe('alice.github.io');
  });
  it('recognizes IPs and forge owners', () => {
    expect(isIpAddress('203.0.113.7')).toBe(true);
    expect(isIpAddress('[2001:db8::1]')).toBe(true);
    expect(isIpAddress('example.org')).toBe(false);
    expect(forgeOwner('raw.githubusercontent.com', '/Evil/x/main/a.sh')).toEqual({ forge: 'github.com', owner: 'evil' });
    expect(forgeOwner('fancyorg.github.io', '/')).toEqual({ forge: 'github.com', owner: 'fancyorg' });
  });
});
