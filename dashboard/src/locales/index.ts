// Every namespace of the dashboard's strings; a screen's own file is locales/<screen>.ts.
import common from "./common";
import home from "./home";
import program from "./program";
import rewards from "./rewards";
import tiers from "./tiers";
import campaigns from "./campaigns";
import referrals from "./referrals";
import customers from "./customers";
import logs from "./logs";
import gdpr from "./gdpr";
import content from "./content";
import notifications from "./notifications";
import developer from "./developer";
import analytics from "./analytics";
import exports from "./exports";
import settings from "./settings";
import adminConsole from "./console";

export const NAMESPACES = { common, home, program, rewards, tiers, campaigns, referrals, customers, logs, gdpr, content, notifications, developer, analytics, exports, settings, console: adminConsole } as const;
