// The dashboard's entry: inside Shopify admin (App Bridge present) it sets up the strings, the
// admin's nav menu and the routes; opened anywhere else it says where to open it instead.
import { render } from "preact";
import { appBridge } from "./app-bridge";
import { initI18n } from "./i18n";
import { App, OutsideAdmin } from "./app";
import { startAnalytics } from "./analytics";

async function start(): Promise<void> {
  const root = document.getElementById("app")!;
  const bridge = appBridge();
  const locale = new URLSearchParams(location.search).get("locale") ?? bridge?.config?.locale ?? navigator.language;
  await initI18n(locale);
  render(bridge ? <App /> : <OutsideAdmin />, root);
  if (bridge) startAnalytics();
}

void start();
