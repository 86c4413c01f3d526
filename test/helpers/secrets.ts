// Test-only credentials, bound into the test Worker in place of .dev.vars.
export const TEST_SECRETS = {
  SHOPIFY_API_KEY: "test-api-key",
  SHOPIFY_API_SECRET: "test-api-secret",
  ENCRYPTION_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
  ACCESS_TEAM_DOMAIN: "https://loyalnest-test.cloudflareaccess.com",
  ACCESS_AUD: "test-access-aud",
} as const;
