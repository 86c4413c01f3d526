// The browser tests: `npm run test:browser`. Apart from the root config, since they build the
// widget, start the whole dev stack and drive Chromium.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    name: "browser",
    include: ["test/browser/**/*.test.ts"],
    environment: "node",
    // The dashboard's files share one dev stack and one Chromium, started on the first file's ask.
    globalSetup: ["test/browser/dashboard-stack.ts"],
    testTimeout: 60_000,
    // Installing Chromium (first run only) and starting the dev stack.
    hookTimeout: 300_000,
  },
});
