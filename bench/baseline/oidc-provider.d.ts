// oidc-provider ships no types; the bench uses only its constructor and Koa's callback.
declare module 'oidc-provider' {
  export const errors: { InvalidTarget: new (description?: string) => Error };
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): import('node:http').RequestListener;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}

declare module 'oidc-provider/lib/adapters/memory_adapter.js' {
  /** The default in-memory adapter; its factory gives it an LRU store of 1000 entries, the constructor takes any store. */
  export default class MemoryAdapter {
    constructor(
      model: string,
      store: {
        get(key: string): unknown;
        set(key: string, value: unknown, options?: { maxAge?: number }): void;
        delete(key: string): void;
      },
      clockTolerance?: number,
    );
  }
}
