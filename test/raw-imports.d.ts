// Vite's `?raw` suffix: a file's text, for tests that check configuration against code.
declare module "*?raw" {
  const text: string;
  export default text;
}
