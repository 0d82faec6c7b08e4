/**
 * A file path inside a package, as `plain/<path>` gives it. Only ordinary relative paths pass: no empty,
 * `.` or `..` segments, no control characters, bounded length. What passes is used solely as
 * `<commit>:<path>` for git cat-file, never as a filesystem path or an option.
 */
export function validPlainPath(raw: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return null;
  }
  if (decoded.length === 0 || decoded.length > 1024 || /[\u0000-\u001f\u007f\\]/.test(decoded)) return null;
  const segments = decoded.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return null;
  return decoded;
}
