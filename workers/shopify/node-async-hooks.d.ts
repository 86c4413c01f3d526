// workerd provides node:async_hooks under nodejs_compat, but the Worker's types (wrangler types)
// leave Node's modules out and @types/node would bring every Node global with it: this is the
// one class the Worker uses, as much of it as the Worker calls.
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    run<R>(store: T, callback: () => R): R;
    getStore(): T | undefined;
  }
}
