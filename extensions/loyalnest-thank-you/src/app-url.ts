// The Worker's public origin (shopify.app.toml `application_url`). Extensions are bundled by the
// Shopify CLI with no per-environment variables, so a deployment sets it here; the Chromium test
// swaps this module for the local `wrangler dev` origin.
export const APP_URL = "https://loyalnest.example.com";
