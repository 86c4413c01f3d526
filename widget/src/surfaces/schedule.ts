// How often a surface may come back to one browser: a popup shown (or the sticky bar dismissed) is
// remembered in localStorage with its time, and stays away `everyDays` days.
const DAY_MS = 24 * 3600 * 1000;
export const POPUP_KEYS = { email: "loyalnest_popup_email", exit: "loyalnest_popup_exit", bar: "loyalnest_sticky_bar_dismissed" } as const;

/**
 * Whether the surface may show now. Storage refused (private modes, blocked storage): the popups
 * stay away (nothing would stop them coming back on every page), the bar shows (one click hides it).
 */
export function isDue(key: string, everyDays: number, whenUnknown: boolean, now = Date.now()): boolean {
  let last: number;
  try {
    last = Number(localStorage.getItem(key) ?? 0);
  } catch {
    return whenUnknown;
  }
  return !(last > 0 && now - last < everyDays * DAY_MS);
}

export function remember(key: string, now = Date.now()): void {
  try {
    localStorage.setItem(key, String(now));
  } catch {
    // Refused storage: isDue answers for it.
  }
}
