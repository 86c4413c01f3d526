// GET /v1/api/settings once per page load, for what every screen may need from it (the shop's
// currency, its PostHog): shared, so the app asks once. A failure is not kept: the next asker
// tries again.
import { api } from "./api";

export interface PageSettings {
  currency: { code: string; known: boolean };
  posthog: { api_key: string; host: string; distinct_id: string | null } | null;
}

let loading: Promise<PageSettings | null> | null = null;

export function pageSettings(): Promise<PageSettings | null> {
  loading ??= api.get<PageSettings>("/settings").then(
    (answer) => answer,
    () => {
      loading = null;
      return null;
    },
  );
  return loading;
}
