// Vite's import.meta.glob with `?raw`: every matching file's text, keyed by path, for tests
// that run each fixture in a folder (a fixture added is a fixture run).
interface ImportMeta {
  glob(pattern: string, options: { query: "?raw"; import: "default"; eager: true }): Record<string, string>;
}
