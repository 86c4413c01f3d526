// Every screen: its path (":id" takes a segment), the namespace of its strings (its title is
// "<namespace>:title", also its entry in the admin's nav menu when `nav`), its component.
import type { FunctionComponent } from "preact";
import type { NAMESPACES } from "../locales";
import HomeScreen from "./home";
import ProgramScreen from "./program";
import RewardsScreen from "./rewards";
import TiersScreen from "./tiers";
import CampaignsScreen from "./campaigns";
import ReferralsScreen from "./referrals";
import ReferralSettingsScreen from "./referral-settings";
import CustomersScreen from "./customers";
import CustomerScreen from "./customer";
import AnalyticsScreen from "./analytics";
import ExportsScreen from "./exports";
import ContentScreen from "./content";
import NotificationsScreen from "./notifications";
import LogsScreen from "./logs";
import GdprScreen from "./gdpr";
import SettingsScreen from "./settings";
import DeveloperScreen from "./developer";

export interface ScreenProps {
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface Screen {
  path: string;
  namespace: keyof typeof NAMESPACES;
  nav: boolean;
  component: FunctionComponent<ScreenProps>;
}

export const SCREENS: Screen[] = [
  { path: "/", namespace: "home", nav: true, component: HomeScreen },
  { path: "/program", namespace: "program", nav: true, component: ProgramScreen },
  { path: "/rewards", namespace: "rewards", nav: true, component: RewardsScreen },
  { path: "/rewards/:id", namespace: "rewards", nav: false, component: RewardsScreen },
  { path: "/tiers", namespace: "tiers", nav: true, component: TiersScreen },
  { path: "/tiers/:id", namespace: "tiers", nav: false, component: TiersScreen },
  { path: "/campaigns", namespace: "campaigns", nav: true, component: CampaignsScreen },
  { path: "/campaigns/:id", namespace: "campaigns", nav: false, component: CampaignsScreen },
  { path: "/referrals", namespace: "referrals", nav: true, component: ReferralsScreen },
  { path: "/referrals/settings", namespace: "referrals", nav: false, component: ReferralSettingsScreen },
  { path: "/customers", namespace: "customers", nav: true, component: CustomersScreen },
  { path: "/customers/:id", namespace: "customers", nav: false, component: CustomerScreen },
  { path: "/analytics", namespace: "analytics", nav: true, component: AnalyticsScreen },
  { path: "/exports", namespace: "exports", nav: true, component: ExportsScreen },
  { path: "/content", namespace: "content", nav: true, component: ContentScreen },
  { path: "/notifications", namespace: "notifications", nav: true, component: NotificationsScreen },
  { path: "/logs", namespace: "logs", nav: true, component: LogsScreen },
  { path: "/gdpr", namespace: "gdpr", nav: true, component: GdprScreen },
  { path: "/settings", namespace: "settings", nav: true, component: SettingsScreen },
  { path: "/developer", namespace: "developer", nav: true, component: DeveloperScreen },
];

/** The screen for `path` and the values of its ":name" segments, or null. */
export function matchScreen(path: string): { screen: Screen; params: Record<string, string> } | null {
  const segments = path.split("/").filter(Boolean);
  for (const screen of SCREENS) {
    const pattern = screen.path.split("/").filter(Boolean);
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = pattern.every((part, i) => {
      const segment = decodeURIComponent(segments[i]!);
      if (part.startsWith(":")) {
        params[part.slice(1)] = segment;
        return true;
      }
      return part === segment;
    });
    if (matches) return { screen, params };
  }
  return null;
}
