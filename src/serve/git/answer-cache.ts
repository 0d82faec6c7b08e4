/**
 * Small answers of upload-pack that depend only on the request and the served refs (the protocol v2
 * capability advertisement and ls-refs). Keeping them saves a git process per clone; entries are
 * keyed by everything they depend on, so a publish (which moves a ref) simply makes new keys.
 */
export class AnswerCache {
  private readonly entries = new Map<string, Uint8Array>();

  constructor(private readonly maxEntries = 4096) {}

  get(key: string): Uint8Array | undefined {
    return this.entries.get(key);
  }

  set(key: string, answer: Uint8Array): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, answer);
  }
}
