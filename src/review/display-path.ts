/**
 * A repository path as a reviewer should read it. HTML escaping keeps markup inert but not visible:
 * a tab or newline in a name would collapse into a space, and a bidi override (U+202E) would reorder
 * what follows it. So C0 controls and DEL become their Unicode control pictures (tab → ␉,
 * newline → ␊) and the other invisible characters (C1 controls, format characters such as bidi
 * overrides and zero-width joiners, line and paragraph separators) become `[U+XXXX]`. Only for
 * display: links and lookups always carry the exact path.
 */
export function displayPath(path: string): string {
  return path.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (char) => {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20) return String.fromCodePoint(0x2400 + code);
    if (code === 0x7f) return '\u2421';
    return `[U+${code.toString(16).toUpperCase().padStart(4, '0')}]`;
  });
}
