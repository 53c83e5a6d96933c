/**
 * One promise per key per run: the first caller starts the fetch, every later caller shares it.
 * This is what keeps a diagnosis from repeating a request, and what lets independent checks
 * start their fetches at the same moment (the critical path is the longest chain, not the sum).
 */
export class RunCache {
  private readonly entries = new Map<string, Promise<unknown>>();

  once<T>(key: string, fetch: () => Promise<T>): Promise<T> {
    let p = this.entries.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fetch();
      this.entries.set(key, p);
    }
    return p;
  }

  /** Keys fetched so far (tests assert that nothing was fetched twice or needlessly). */
  keys(): string[] {
    return [...this.entries.keys()];
  }
}
